// SPDX-License-Identifier: GPL-2.0
/*
 * The flow table: which server each TCP/UDP flow goes to, so that a change
 * of weights or servers moves new flows only, and so that the standby NLB,
 * which receives the active one's flows (sync.c, nlbsd), sends every flow to
 * the same server after a takeover.
 *
 * Lookups are lockless (RCU hlist). Inserts, replacements and reclaim take
 * the bucket's striped spinlock. A flow whose entry goes to another server
 * (a TCP SYN on a reused 5-tuple, a removed server, an imported flow) is
 * changed in place: readers see the old or the new server, both alive for
 * the grace period (servers are freed with call_rcu()). So a SYN always
 * replaces the old entry, even with a full table.
 *
 * Bounds: flow-max entries per namespace; a bare SYN is not entered once the
 * table is 3/4 full (flood mode: the connection's next packet enters it, a
 * SYN flood cannot fill the last quarter), and entries that saw only a SYN
 * expire after flow-timeout-syn. Established entries are never evicted: a
 * full table skips the insert and the flow gets Maglev's stable choice.
 * Entries are charged to the memory cgroup of the process that made the
 * table. Fragments and other protocols are not tracked (they carry no ports).
 */
#include <linux/jhash.h>
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include "flow.h"
#include "flow_table.h"
#include "sched.h"
#include "stats.h"

static unsigned int nlbs_flow_max_param __read_mostly = 262144;
module_param_named(flow_max, nlbs_flow_max_param, uint, 0644);
MODULE_PARM_DESC(flow_max, "Flows tracked per namespace unless set with config set flow-max, 0 disables the flow table (default 262144)");

static unsigned int nlbs_flow_timeout __read_mostly = 300;
module_param_named(flow_timeout, nlbs_flow_timeout, uint, 0644);
MODULE_PARM_DESC(flow_timeout, "Seconds an idle TCP or UDP flow is remembered unless set with config set (default 300)");

struct kmem_cache *nlbs_flow_cache;

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

u32 nlbs_flow_max(const struct nlbs_instance *inst)
{
	return READ_ONCE(inst->flow_cfg.max_set) ? READ_ONCE(inst->flow_cfg.max) :
						   READ_ONCE(nlbs_flow_max_param);
}

u32 nlbs_flow_timeout_default(void)
{
	return READ_ONCE(nlbs_flow_timeout);
}

/* Seconds @f is kept idle. */
u32 nlbs_flow_idle_limit(const struct nlbs_instance *inst,
			 const struct nlbs_flow *f)
{
	const struct nlbs_flow_cfg *cfg = &inst->flow_cfg;
	u8 flags = READ_ONCE(f->flags);
	u32 t;

	if (f->key.proto == IPPROTO_UDP)
		t = READ_ONCE(cfg->timeout_udp) ?: nlbs_flow_timeout_default();
	else if (flags & NLBS_FLOW_F_SYN)
		t = READ_ONCE(cfg->timeout_syn) ?: NLBS_FLOW_TIMEOUT_SYN;
	else if (flags & NLBS_FLOW_F_FIN)
		t = READ_ONCE(cfg->timeout_tcp_fin) ?: NLBS_FLOW_TIMEOUT_FIN;
	else
		t = READ_ONCE(cfg->timeout_tcp) ?: nlbs_flow_timeout_default();
	return t;
}

/*
 * Clients choose saddr and ports, so the bucket hash is keyed with a random
 * per-table secret: without it a client could send SYNs that all land in one
 * chain and make every lookup and insert walk it. (The Maglev hash is keyed
 * by the configured seed, which both NLBs share by design.)
 */
static u32 nlbs_flow_bucket(const struct nlbs_flows *ft,
			    const struct nlbs_flow_key *k)
{
	return nlbs_flow_hash(k, ft->seed) >> (32 - NLBS_FLOW_BITS);
}

static bool nlbs_flow_match(const struct nlbs_flow *f,
			    const struct nlbs_flow_key *k)
{
	return f->key.ports == k->ports && f->key.proto == k->proto &&
	       f->key.family == k->family &&
	       nlbs_addr_equal(&f->key.saddr, &k->saddr) &&
	       nlbs_addr_equal(&f->key.daddr, &k->daddr);
}

static struct nlbs_flow *nlbs_flow_find(struct nlbs_flows *ft, u32 h,
					const struct nlbs_flow_key *k)
{
	struct nlbs_flow *f;

	hlist_for_each_entry_rcu(f, &ft->buckets[h], hnode,
				 lockdep_is_held(&ft->locks[h % NLBS_FLOW_LOCKS]))
		if (nlbs_flow_match(f, k))
			return f;
	return NULL;
}

static void nlbs_flow_free_rcu(struct rcu_head *rcu)
{
	struct nlbs_flow *f = container_of(rcu, struct nlbs_flow, rcu);

	nlbs_server_put(f->srv);
	kmem_cache_free(nlbs_flow_cache, f);
}

/* Bucket lock held. */
void nlbs_flow_unlink(struct nlbs_flows *ft, struct nlbs_flow *f)
{
	hlist_del_rcu(&f->hnode);
	atomic_dec(&ft->count);
	atomic_dec(&f->srv->active_flows);
	call_rcu(&f->rcu, nlbs_flow_free_rcu);
}

/*
 * Bucket lock held. Points @f at @srv; the old server's reference goes
 * (readers still holding it are covered by the server's own grace period).
 * Fails only if @srv is being freed; then @f is gone.
 */
static void nlbs_flow_retarget(struct nlbs_flows *ft, struct nlbs_flow *f,
			       struct nlbs_server *srv)
{
	struct nlbs_server *old = f->srv;

	if (old == srv)
		return;
	if (!refcount_inc_not_zero(&srv->ref)) {
		nlbs_flow_unlink(ft, f);
		return;
	}
	atomic_inc(&srv->active_flows);
	WRITE_ONCE(f->srv, srv);
	atomic_dec(&old->active_flows);
	nlbs_server_put(old);
}

static struct nlbs_flow *nlbs_flow_alloc(struct nlbs_flows *ft, gfp_t gfp)
{
	struct mem_cgroup *old = set_active_memcg(ft->memcg);
	struct nlbs_flow *f = kmem_cache_alloc(nlbs_flow_cache, gfp);

	set_active_memcg(old);
	return f;
}

/* Bucket lock held; takes a reference on @srv. */
static int nlbs_flow_link(struct nlbs_flows *ft, u32 h, struct nlbs_flow *f,
			  const struct nlbs_flow_key *k,
			  struct nlbs_server *srv)
{
	if (!refcount_inc_not_zero(&srv->ref))
		return -ENOENT;
	f->key = *k;
	f->srv = srv;
	atomic_inc(&srv->active_flows);
	hlist_add_head_rcu(&f->hnode, &ft->buckets[h]);
	atomic_inc(&ft->count);
	return 0;
}

/* A new flow goes to @srv: enter it, or turn the old entry of its key. */
static void nlbs_flow_enter(struct nlbs_instance *inst, struct nlbs_flows *ft,
			    const struct nlbs_flow_key *k,
			    struct nlbs_server *srv, u8 pkt, u32 max)
{
	u8 flags = pkt & NLBS_PKT_SYN ? NLBS_FLOW_F_SYN : 0;
	u32 h = nlbs_flow_bucket(ft, k), count;
	spinlock_t *lock = &ft->locks[h % NLBS_FLOW_LOCKS];
	struct nlbs_flow *f;
	int why = 0;

	spin_lock(lock);
	f = nlbs_flow_find(ft, h, k);
	if (f) {
		WRITE_ONCE(f->flags, flags);
		WRITE_ONCE(f->last, jiffies);
		WRITE_ONCE(f->synced, 0);
		nlbs_flow_retarget(ft, f, srv);
		goto out;
	}
	count = atomic_read(&ft->count);
	if (count >= max) {
		why = NLBS_STATS_A_FLOW_SKIP_FULL;
		goto out;
	}
	if ((pkt & NLBS_PKT_SYN) && count >= max - max / 4) {
		why = NLBS_STATS_A_FLOW_SKIP_FLOOD;
		goto out;
	}
	f = nlbs_flow_alloc(ft, GFP_ATOMIC | __GFP_NOWARN);
	if (!f) {
		why = NLBS_STATS_A_FLOW_SKIP_NOMEM;
		goto out;
	}
	f->flags = flags;
	f->sflags = 0;
	f->last = jiffies;
	f->synced = 0;
	if (nlbs_flow_link(ft, h, f, k, srv)) {
		kmem_cache_free(nlbs_flow_cache, f);
		goto out;
	}
	why = NLBS_STATS_A_FLOW_NEW;
out:
	spin_unlock(lock);
	if (why)
		nlbs_stat_inc(inst, why);
}

/* A packet of a known flow: it is alive, and maybe closing or confirmed. */
static void nlbs_flow_touch(struct nlbs_flow *f, u8 pkt)
{
	unsigned long now = jiffies;
	u8 flags = READ_ONCE(f->flags), nflags = flags & ~NLBS_FLOW_F_SYN;

	if (pkt & NLBS_PKT_FIN)
		nflags |= NLBS_FLOW_F_FIN;
	if (nflags != flags)
		WRITE_ONCE(f->flags, nflags);
	if (READ_ONCE(f->last) != now)
		WRITE_ONCE(f->last, now);
}

struct nlbs_server *nlbs_flow_pick(struct nlbs_instance *inst,
				   const struct nlbs_service *svc,
				   const struct nlbs_table *tbl,
				   const struct nlbs_flow_key *key,
				   u8 pkt, bool *drop)
{
	struct nlbs_flows *ft = rcu_dereference(inst->flows);
	u32 max = ft ? nlbs_flow_max(inst) : 0;
	struct nlbs_server *srv;
	struct nlbs_flow *f;

	*drop = false;
	if (max && !(pkt & NLBS_PKT_SYN)) {
		f = nlbs_flow_find(ft, nlbs_flow_bucket(ft, key), key);
		srv = f ? READ_ONCE(f->srv) : NULL;
		/* srv->svc of a removed server is compared, never followed. */
		if (srv && srv->svc == svc) {
			if (!READ_ONCE(srv->dead)) {
				if (!(pkt & NLBS_PKT_ERROR))
					nlbs_flow_touch(f, pkt);
				return srv;
			}
			if (READ_ONCE(srv->hold_flows)) {
				*drop = true;
				return NULL;
			}
		}
	}
	if (!tbl)
		return NULL;
	srv = nlbs_table_lookup(tbl, nlbs_flow_hash(key, READ_ONCE(inst->seed)));
	if (!srv || (pkt & NLBS_PKT_ERROR))
		return srv;
	nlbs_server_new_flow(srv);
	if (max)
		nlbs_flow_enter(inst, ft, key, srv, pkt, max);
	return srv;
}

/*
 * A flow learnt by the peer NLB. It does not count as seen here (synced is
 * now): only traffic through this NLB sends it back to the peer.
 */
int nlbs_flow_import(struct nlbs_instance *inst, struct nlbs_server *srv,
		     const struct nlbs_flow_key *k, u32 idle_ms, u32 flags)
{
	struct nlbs_flows *ft = rtnl_dereference(inst->flows);
	unsigned long last = jiffies - msecs_to_jiffies(idle_ms);
	struct nlbs_flow *f, *nf;
	spinlock_t *lock;	/* the bucket's stripe */
	int err = 0;
	u32 h;

	if (!ft)
		return -ENOENT;
	flags = (flags & (NLBS_FLOW_F_FIN | NLBS_FLOW_F_SYN)) |
		NLBS_FLOW_F_IMPORTED;
	nf = nlbs_flow_alloc(ft, GFP_KERNEL_ACCOUNT);
	if (!nf)
		return -ENOMEM;
	h = nlbs_flow_bucket(ft, k);
	lock = &ft->locks[h % NLBS_FLOW_LOCKS];
	spin_lock_bh(lock);
	f = nlbs_flow_find(ft, h, k);
	if (f) {
		WRITE_ONCE(f->flags, flags);
		WRITE_ONCE(f->sflags, flags);
		WRITE_ONCE(f->last, last);
		WRITE_ONCE(f->synced, jiffies);
		nlbs_flow_retarget(ft, f, srv);
	} else if (atomic_read(&ft->count) >= nlbs_flow_max(inst)) {
		err = -ENOSPC;
	} else {
		nf->flags = flags;
		nf->sflags = flags;	/* as if sent: never echoed back */
		nf->last = last;
		nf->synced = jiffies;
		err = nlbs_flow_link(ft, h, nf, k, srv);
		if (!err)
			nf = NULL;
	}
	spin_unlock_bh(lock);
	if (nf)
		kmem_cache_free(nlbs_flow_cache, nf);
	return err;
}

bool nlbs_flow_filter_match(const struct nlbs_flow *f,
			    const struct nlbs_flow_filter *flt)
{
	const __be16 *port = (const __be16 *)&f->key.ports;

	if (!flt)
		return true;
	if (flt->vip_family && (f->key.family != flt->vip_family ||
				!nlbs_addr_equal(&f->key.daddr, &flt->vip)))
		return false;
	if (flt->proto && f->key.proto != flt->proto)
		return false;
	if (flt->port && ntohs(port[1]) != flt->port)
		return false;
	return !flt->server_family ||
	       (f->key.family == flt->server_family &&
		nlbs_addr_equal(&READ_ONCE(f->srv)->addr, &flt->server));
}

/*
 * Expiry: idle past its limit, its server removed (unless the server holds
 * its flows until they go idle), or everything (@all, or flow-max 0).
 * With @flt, the matching flows, idle or not. Returns how many went.
 */
u32 nlbs_flows_sweep(struct nlbs_instance *inst, struct nlbs_flows *ft,
		     bool all, const struct nlbs_flow_filter *flt)
{
	unsigned long now = jiffies;
	struct hlist_node *tmp;
	struct nlbs_flow *f;
	u32 h, n = 0;

	if (!all && !flt && !nlbs_flow_max(inst))
		all = true;
	for (h = 0; h < ARRAY_SIZE(ft->buckets); h++) {
		if (hlist_empty(&ft->buckets[h]))
			continue;
		spin_lock_bh(&ft->locks[h % NLBS_FLOW_LOCKS]);
		hlist_for_each_entry_safe(f, tmp, &ft->buckets[h], hnode) {
			struct nlbs_server *srv = f->srv;
			bool go;

			if (flt)
				go = nlbs_flow_filter_match(f, flt);
			else
				go = all ||
				     (READ_ONCE(srv->dead) &&
				      !READ_ONCE(srv->hold_flows)) ||
				     time_after(now, READ_ONCE(f->last) +
					nlbs_flow_idle_limit(inst, f) * HZ);
			if (go) {
				nlbs_flow_unlink(ft, f);
				n++;
			}
		}
		spin_unlock_bh(&ft->locks[h % NLBS_FLOW_LOCKS]);
		if (!(h & 1023))
			cond_resched();
	}
	return n;
}

/* RTNL held. */
u32 nlbs_flow_flush(struct nlbs_instance *inst,
		    const struct nlbs_flow_filter *flt)
{
	struct nlbs_flows *ft = rtnl_dereference(inst->flows);
	static const struct nlbs_flow_filter all = {};

	return ft ? nlbs_flows_sweep(inst, ft, false, flt ?: &all) : 0;
}

u32 nlbs_flow_count(struct nlbs_instance *inst)
{
	struct nlbs_flows *ft;
	u32 n;

	rcu_read_lock();
	ft = rcu_dereference(inst->flows);
	n = ft ? atomic_read(&ft->count) : 0;
	rcu_read_unlock();
	return n;
}

void nlbs_flow_gc_work(struct work_struct *work)
{
	struct nlbs_instance *inst = container_of(to_delayed_work(work),
						  struct nlbs_instance,
						  flow_gc_work);
	struct nlbs_flows *ft = rcu_access_pointer(inst->flows);
	unsigned long next = NLBS_FLOW_GC_MS;

	if (!ft)
		return;
	if (nlbs_sync_listening(inst)) {
		nlbs_sync_send(inst, ft);
		next = NLBS_SYNC_MS;
	}
	if (time_after_eq(jiffies, ft->next_sweep)) {
		ft->next_sweep = jiffies + msecs_to_jiffies(NLBS_FLOW_GC_MS);
		if (atomic_read(&ft->count))
			nlbs_flows_sweep(inst, ft, false, NULL);
	}
	queue_delayed_work(system_power_efficient_wq, &inst->flow_gc_work,
			   msecs_to_jiffies(next));
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
	ft->next_sweep = jiffies;
	if (current->mm)
		ft->memcg = get_mem_cgroup_from_mm(current->mm);
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
	nlbs_flows_sweep(inst, ft, true, NULL);
	mem_cgroup_put(ft->memcg);
	kvfree(ft);
}

static int nlbs_flow_put_addrs(struct sk_buff *skb, const struct nlbs_flow *f)
{
	const struct nlbs_server *srv = READ_ONCE(f->srv);

	if (f->key.family == AF_INET)
		return nla_put_in_addr(skb, NLBS_FLOW_A_SADDR_BE,
				       f->key.saddr.ip) ||
		       nla_put_in_addr(skb, NLBS_FLOW_A_DADDR_BE,
				       f->key.daddr.ip) ||
		       nla_put_in_addr(skb, NLBS_FLOW_A_SERVER_BE, srv->addr.ip);
	return nla_put_in6_addr(skb, NLBS_FLOW_A_SADDR6, &f->key.saddr.in6) ||
	       nla_put_in6_addr(skb, NLBS_FLOW_A_DADDR6, &f->key.daddr.in6) ||
	       nla_put_in6_addr(skb, NLBS_FLOW_A_SERVER6, &srv->addr.in6);
}

int nlbs_flow_put(struct sk_buff *skb, const struct nlbs_flow *f)
{
	struct nlattr *nest = nla_nest_start(skb, NLBS_A_FLOW);
	const __be16 *port = (const __be16 *)&f->key.ports;

	if (!nest)
		return -EMSGSIZE;
	if (nlbs_flow_put_addrs(skb, f) ||
	    nla_put_u8(skb, NLBS_FLOW_A_PROTO, f->key.proto) ||
	    nla_put_u16(skb, NLBS_FLOW_A_SPORT, ntohs(port[0])) ||
	    nla_put_u16(skb, NLBS_FLOW_A_DPORT, ntohs(port[1])) ||
	    nla_put_u32(skb, NLBS_FLOW_A_IDLE_MS,
			jiffies_to_msecs(jiffies - READ_ONCE(f->last))) ||
	    nla_put_u32(skb, NLBS_FLOW_A_FLAGS, READ_ONCE(f->flags))) {
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
		   const struct nlbs_flow_filter *flt,
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
			if (!nlbs_flow_filter_match(f, flt)) {
				cb->args[1] = idx;
				continue;
			}
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
	BUILD_BUG_ON(sizeof(struct nlbs_flow) > 128);
	nlbs_flow_cache = KMEM_CACHE(nlbs_flow, SLAB_ACCOUNT);
	return nlbs_flow_cache ? 0 : -ENOMEM;
}

/* After rcu_barrier(): no flow is waiting to be freed. */
void nlbs_flows_module_exit(void)
{
	kmem_cache_destroy(nlbs_flow_cache);
}
