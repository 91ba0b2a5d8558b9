// SPDX-License-Identifier: GPL-2.0
/*
 * The flow table: which server each TCP/UDP flow went to, so that a change
 * of weights or servers moves new flows only. Maglev alone would move the
 * flows of the slots that change hands and reset those connections.
 *
 * Lookups are lockless (RCU hlist). A new flow takes its bucket's striped
 * spinlock to insert; the table is bounded (flow_max entries per instance)
 * and an entry idle for flow_timeout seconds, or whose server was removed, is
 * reclaimed by a periodic work. An entry holds a reference on its server, so
 * a removed server's memory stays until its last flow is gone. Fragments
 * and other protocols are not tracked (they carry no ports).
 *
 * A failover does not carry the table over: the new active NLB finds no entry
 * and falls back to Maglev, which gives the same server as long as the pair
 * has the same servers, weights and seed.
 */
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include "flow.h"

#define NLBS_FLOW_BITS		16
#define NLBS_FLOW_LOCKS		256
#define NLBS_FLOW_GC_MS		1000

static unsigned int nlbs_flow_max __read_mostly = 262144;
module_param_named(flow_max, nlbs_flow_max, uint, 0644);
MODULE_PARM_DESC(flow_max, "Flows tracked per namespace, 0 disables the flow table (default 262144)");

static unsigned int nlbs_flow_timeout __read_mostly = 300;
module_param_named(flow_timeout, nlbs_flow_timeout, uint, 0644);
MODULE_PARM_DESC(flow_timeout, "Seconds a flow is remembered after its last packet (default 300)");

struct nlbs_flow {
	struct hlist_node	hnode;
	struct rcu_head		rcu;
	__be32			saddr;
	__be32			daddr;
	__be32			ports;
	u8			proto;
	struct nlbs_server	*srv;		/* holds a reference */
	unsigned long		last;		/* jiffies of the last packet */
};

struct nlbs_flows {
	struct hlist_head	buckets[1 << NLBS_FLOW_BITS];
	spinlock_t		locks[NLBS_FLOW_LOCKS];	/* insert and reclaim, striped */
	atomic_t		count;
	u32			seed;	/* secret: no chain can be aimed at */
};

static struct kmem_cache *nlbs_flow_cache;

static void nlbs_server_free_rcu(struct rcu_head *rcu)
{
	struct nlbs_server *srv = container_of(rcu, struct nlbs_server, rcu);

	free_percpu(srv->stats);
	kfree(srv);
}

/* Drops a reference; the last one frees the server after a grace period. */
void nlbs_server_put(struct nlbs_server *srv)
{
	if (refcount_dec_and_test(&srv->ref))
		call_rcu(&srv->rcu, nlbs_server_free_rcu);
}

/*
 * Clients choose saddr and ports, so the bucket hash is keyed with a random
 * per-table secret: without it a client could send SYNs that all land in one
 * chain and make every lookup and insert walk it. (The Maglev hash is keyed
 * by the configured seed, which both NLBs share by design.)
 */
static u32 nlbs_flow_bucket(const struct nlbs_flows *ft, __be32 saddr,
			    __be32 daddr, __be32 ports, u8 proto)
{
	return jhash_3words((__force u32)saddr, (__force u32)daddr,
			    (__force u32)ports, ft->seed ^ proto) >>
	       (32 - NLBS_FLOW_BITS);
}

static bool nlbs_flow_match(const struct nlbs_flow *f, __be32 saddr,
			    __be32 daddr, __be32 ports, u8 proto)
{
	return f->saddr == saddr && f->daddr == daddr && f->ports == ports &&
	       f->proto == proto;
}

/*
 * An entry is stale once its server is removed, or when the flow now
 * matches another service (a more specific one was added).
 */
static bool nlbs_flow_stale(const struct nlbs_flow *f,
			    const struct nlbs_service *svc)
{
	return READ_ONCE(f->srv->dead) || f->srv->svc != svc;
}

struct nlbs_server *nlbs_flow_get(struct nlbs_instance *inst,
				  const struct nlbs_service *svc, __be32 saddr,
				  __be32 daddr, __be32 ports, u8 proto)
{
	struct nlbs_flows *ft = rcu_dereference(inst->flows);
	unsigned long now = jiffies;
	struct nlbs_flow *f;
	u32 h;

	if (!ft)
		return NULL;
	h = nlbs_flow_bucket(ft, saddr, daddr, ports, proto);
	hlist_for_each_entry_rcu(f, &ft->buckets[h], hnode) {
		if (!nlbs_flow_match(f, saddr, daddr, ports, proto))
			continue;
		if (nlbs_flow_stale(f, svc))
			return NULL;
		if (READ_ONCE(f->last) != now)
			WRITE_ONCE(f->last, now);
		return f->srv;
	}
	return NULL;
}

static void nlbs_flow_free_rcu(struct rcu_head *rcu)
{
	struct nlbs_flow *f = container_of(rcu, struct nlbs_flow, rcu);

	nlbs_server_put(f->srv);
	kmem_cache_free(nlbs_flow_cache, f);
}

static void nlbs_flow_unlink(struct nlbs_flows *ft, struct nlbs_flow *f)
{
	hlist_del_rcu(&f->hnode);
	atomic_dec(&ft->count);
	call_rcu(&f->rcu, nlbs_flow_free_rcu);
}

/*
 * Remembers a new flow; replaces a stale entry, or any entry of the same key
 * with @renew (a TCP SYN: a new connection on a reused port). Best effort.
 */
void nlbs_flow_add(struct nlbs_instance *inst, __be32 saddr, __be32 daddr,
		   __be32 ports, u8 proto, struct nlbs_server *srv, bool renew)
{
	struct nlbs_flows *ft = rcu_dereference(inst->flows);
	struct nlbs_flow *f, *old = NULL;
	spinlock_t *lock;	/* the bucket's stripe */
	u32 h;

	if (!ft || atomic_read(&ft->count) >= READ_ONCE(nlbs_flow_max))
		return;
	f = kmem_cache_alloc(nlbs_flow_cache, GFP_ATOMIC);
	if (!f)
		return;
	if (!refcount_inc_not_zero(&srv->ref)) {
		kmem_cache_free(nlbs_flow_cache, f);
		return;
	}
	f->saddr = saddr;
	f->daddr = daddr;
	f->ports = ports;
	f->proto = proto;
	f->srv = srv;
	f->last = jiffies;

	h = nlbs_flow_bucket(ft, saddr, daddr, ports, proto);
	lock = &ft->locks[h % NLBS_FLOW_LOCKS];
	spin_lock(lock);
	hlist_for_each_entry(old, &ft->buckets[h], hnode)
		if (nlbs_flow_match(old, saddr, daddr, ports, proto))
			break;
	if (old && !renew && !nlbs_flow_stale(old, srv->svc)) {
		spin_unlock(lock);	/* another CPU won the race */
		nlbs_server_put(srv);
		kmem_cache_free(nlbs_flow_cache, f);
		return;
	}
	hlist_add_head_rcu(&f->hnode, &ft->buckets[h]);
	atomic_inc(&ft->count);
	if (old)
		nlbs_flow_unlink(ft, old);
	spin_unlock(lock);
}

static void nlbs_flows_sweep(struct nlbs_flows *ft, bool all)
{
	unsigned long timeout = READ_ONCE(nlbs_flow_timeout) * HZ;
	struct hlist_node *tmp;
	struct nlbs_flow *f;
	u32 h;

	for (h = 0; h < ARRAY_SIZE(ft->buckets); h++) {
		if (hlist_empty(&ft->buckets[h]))
			continue;
		spin_lock_bh(&ft->locks[h % NLBS_FLOW_LOCKS]);
		hlist_for_each_entry_safe(f, tmp, &ft->buckets[h], hnode)
			if (all || READ_ONCE(f->srv->dead) ||
			    time_after(jiffies, READ_ONCE(f->last) + timeout))
				nlbs_flow_unlink(ft, f);
		spin_unlock_bh(&ft->locks[h % NLBS_FLOW_LOCKS]);
		if (!(h & 1023))
			cond_resched();
	}
}

void nlbs_flow_gc_work(struct work_struct *work)
{
	struct nlbs_instance *inst = container_of(to_delayed_work(work),
						  struct nlbs_instance,
						  flow_gc_work);
	struct nlbs_flows *ft = rcu_access_pointer(inst->flows);

	if (!ft)
		return;
	if (atomic_read(&ft->count))
		nlbs_flows_sweep(ft, false);
	queue_delayed_work(system_power_efficient_wq, &inst->flow_gc_work,
			   msecs_to_jiffies(NLBS_FLOW_GC_MS));
}

/* RTNL held. The table is made with the first service. */
int nlbs_flows_init(struct nlbs_instance *inst)
{
	struct nlbs_flows *ft;
	int i;

	if (rtnl_dereference(inst->flows))
		return 0;
	ft = kvzalloc(sizeof(*ft), GFP_KERNEL_ACCOUNT);
	if (!ft)
		return -ENOMEM;
	for (i = 0; i < NLBS_FLOW_LOCKS; i++)
		spin_lock_init(&ft->locks[i]);
	ft->seed = get_random_u32();
	rcu_assign_pointer(inst->flows, ft);
	queue_delayed_work(system_power_efficient_wq, &inst->flow_gc_work,
			   msecs_to_jiffies(NLBS_FLOW_GC_MS));
	return 0;
}

/* Instance teardown, after the hook is gone and without RTNL. */
void nlbs_flows_exit(struct nlbs_instance *inst)
{
	struct nlbs_flows *ft = rcu_access_pointer(inst->flows);

	cancel_delayed_work_sync(&inst->flow_gc_work);
	if (!ft)
		return;
	RCU_INIT_POINTER(inst->flows, NULL);
	synchronize_net();
	nlbs_flows_sweep(ft, true);
	kvfree(ft);
}

static int nlbs_flow_put(struct sk_buff *skb, const struct nlbs_flow *f)
{
	struct nlattr *nest = nla_nest_start(skb, NLBS_A_FLOW);
	const __be16 *port = (const __be16 *)&f->ports;

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_in_addr(skb, NLBS_FLOW_A_SADDR_BE, f->saddr) ||
	    nla_put_in_addr(skb, NLBS_FLOW_A_DADDR_BE, f->daddr) ||
	    nla_put_u8(skb, NLBS_FLOW_A_PROTO, f->proto) ||
	    nla_put_u16(skb, NLBS_FLOW_A_SPORT, ntohs(port[0])) ||
	    nla_put_u16(skb, NLBS_FLOW_A_DPORT, ntohs(port[1])) ||
	    nla_put_in_addr(skb, NLBS_FLOW_A_SERVER_BE, f->srv->addr) ||
	    nla_put_u32(skb, NLBS_FLOW_A_IDLE_MS,
			jiffies_to_msecs(jiffies - READ_ONCE(f->last)))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * One flow a message. The cursor is (bucket, position in bucket) in
 * cb->args[0..1]; flows come and go during a dump, so it is a snapshot of
 * each bucket, not of the table.
 */
int nlbs_flow_dump(struct sk_buff *skb, struct netlink_callback *cb,
		   struct nlbs_instance *inst,
		   void *(*put_hdr)(struct sk_buff *skb,
				    struct netlink_callback *cb))
{
	struct nlbs_flows *ft;
	struct nlbs_flow *f;
	long h, idx;
	void *hdr;

	rcu_read_lock();
	ft = rcu_dereference(inst->flows);
	for (h = cb->args[0]; ft && h < ARRAY_SIZE(ft->buckets); h++) {
		idx = 0;
		hlist_for_each_entry_rcu(f, &ft->buckets[h], hnode) {
			if (idx++ < cb->args[1])
				continue;
			hdr = put_hdr(skb, cb);
			if (!hdr)
				goto out;
			if (nlbs_flow_put(skb, f)) {
				genlmsg_cancel(skb, hdr);
				goto out;
			}
			genlmsg_end(skb, hdr);
			cb->args[1] = idx;
		}
		cb->args[0] = h + 1;
		cb->args[1] = 0;
	}
out:
	rcu_read_unlock();
	return skb->len;
}

int __init nlbs_flows_module_init(void)
{
	nlbs_flow_cache = KMEM_CACHE(nlbs_flow, 0);
	return nlbs_flow_cache ? 0 : -ENOMEM;
}

/* After rcu_barrier(): no flow is waiting to be freed. */
void nlbs_flows_module_exit(void)
{
	kmem_cache_destroy(nlbs_flow_cache);
}
