// SPDX-License-Identifier: GPL-2.0
/*
 * The per-namespace instance: configuration, services and servers, the state
 * machine and the device lifecycle. Everything here runs under RTNL; what
 * the packet path needs is published with RCU (services, tables, the server
 * device) or written with WRITE_ONCE (state, addresses, seed).
 */
#include "arp.h"
#include "ndisc.h"
#include "flow.h"
#include "hook.h"
#include "instance.h"
#include "lookup.h"
#include "notify.h"
#include "sched.h"
#include "stats.h"

/*
 * Configuration is open to the admin of a user namespace, so what one
 * namespace may allocate is bounded (and charged to its memory cgroup).
 */
static unsigned int nlbs_server_max = 65536;
module_param_named(server_max, nlbs_server_max, uint, 0644);
MODULE_PARM_DESC(server_max, "Servers per namespace, over all services (default 65536)");

static unsigned int nlbs_service_max = 65536;
module_param_named(service_max, nlbs_service_max, uint, 0644);
MODULE_PARM_DESC(service_max, "Services per namespace (default 65536)");

/*
 * A service of up to NLBS_SYNC_REBUILD_MAX eligible servers and a table of
 * up to NLBS_SYNC_REBUILD_SLOTS has its table rebuilt in the request, under
 * RTNL (about a millisecond at 65537 slots); any other at most
 * NLBS_REBUILD_DELAY_MS after its first change, ordered and filled outside
 * RTNL (seconds at 4194301 slots under emulation). A change of a batch
 * (NLBS_A_DEFER) waits for the batch's commit, at most
 * NLBS_REBUILD_DEFER_MS: a batch of 10,000 servers is one rebuild, not one
 * every few milliseconds while it loads.
 */
#define NLBS_SYNC_REBUILD_MAX	64
#define NLBS_SYNC_REBUILD_SLOTS	65537
#define NLBS_REBUILD_DELAY_MS	20
#define NLBS_REBUILD_DEFER_MS	1000

static const char * const nlbs_state_names[] = {
	[NLBS_STATE_INIT]	= "init",
	[NLBS_STATE_ACTIVE]	= "active",
	[NLBS_STATE_STANDBY]	= "standby",
	[NLBS_STATE_INOP]	= "inop",
};

const char *nlbs_state_name(u8 state)
{
	return state <= NLBS_STATE_MAX ? nlbs_state_names[state] : "?";
}

/* The original design's transitions: inop never goes straight to active. */
static const u8 nlbs_transitions[] = {
	[NLBS_STATE_INIT]    = BIT(NLBS_STATE_ACTIVE) | BIT(NLBS_STATE_STANDBY) |
			       BIT(NLBS_STATE_INOP),
	[NLBS_STATE_ACTIVE]  = BIT(NLBS_STATE_STANDBY) | BIT(NLBS_STATE_INIT) |
			       BIT(NLBS_STATE_INOP),
	[NLBS_STATE_STANDBY] = BIT(NLBS_STATE_ACTIVE) | BIT(NLBS_STATE_INIT) |
			       BIT(NLBS_STATE_INOP),
	[NLBS_STATE_INOP]    = BIT(NLBS_STATE_INIT) | BIT(NLBS_STATE_STANDBY),
};

static void nlbs_enter_state(struct nlbs_instance *inst, u8 state,
			     const char *reason)
{
	u8 old = inst->state;

	if (old == state)
		return;
	WRITE_ONCE(inst->state, state);
	if (state == NLBS_STATE_ACTIVE) {
		nlbs_garp_start(inst);
	} else {
		nlbs_garp_stop(inst);
		inst->lease_ms = 0;
		cancel_delayed_work(&inst->lease_work);
	}
	/* Any namespace's admin can cause these: rate-limited per instance. */
	if (__ratelimit(&inst->log_rs))
		pr_info("netns %u: %s -> %s (%s)\n", inst->net->ns.inum,
			nlbs_state_name(old), nlbs_state_name(state), reason);
	nlbs_notify_state(inst, reason);
}

static bool nlbs_devices_missing(struct nlbs_instance *inst,
				 struct netlink_ext_ack *extack)
{
	struct net_device *server = rtnl_dereference(inst->server_dev);

	if (!inst->access_dev)
		NL_SET_ERR_MSG_MOD(extack, "access device not configured");
	else if (!server)
		NL_SET_ERR_MSG_MOD(extack, "server device not configured");
	else if (!netif_running(inst->access_dev))
		NL_SET_ERR_MSG_MOD(extack, "access device is down");
	else if (!netif_running(server))
		NL_SET_ERR_MSG_MOD(extack, "server device is down");
	else
		return false;
	return true;
}

int nlbs_state_set(struct nlbs_instance *inst, u8 state, u32 lease_ms,
		   bool announce, struct netlink_ext_ack *extack)
{
	u8 old = inst->state;

	if ((lease_ms || announce) && state != NLBS_STATE_ACTIVE) {
		NL_SET_ERR_MSG_MOD(extack, "lease and announce apply to state active only");
		return -EINVAL;
	}
	if (old != state && !(nlbs_transitions[old] & BIT(state))) {
		if (old == NLBS_STATE_INOP)
			NL_SET_ERR_MSG_MOD(extack,
					   "invalid transition: from inop only init or standby");
		else
			NL_SET_ERR_MSG_MOD(extack, "invalid state transition");
		return -EINVAL;
	}
	if (state == NLBS_STATE_ACTIVE && !inst->nlbs_addr &&
	    ipv6_addr_any(&inst->nlbs_addr6)) {
		NL_SET_ERR_MSG_MOD(extack, "cannot become active: NLBS address not configured");
		return -EINVAL;
	}
	if (state != NLBS_STATE_INOP && old != state &&
	    (state == NLBS_STATE_ACTIVE || old == NLBS_STATE_INOP) &&
	    nlbs_devices_missing(inst, extack))
		return -ENODEV;

	/* The lease is in place before the state event reports it. */
	if (state == NLBS_STATE_ACTIVE) {
		inst->lease_ms = lease_ms;
		if (lease_ms) {
			inst->lease_expires = jiffies + msecs_to_jiffies(lease_ms);
			mod_delayed_work(system_wq, &inst->lease_work,
					 msecs_to_jiffies(lease_ms));
		} else {
			cancel_delayed_work(&inst->lease_work);
		}
		if (announce && old == state)
			nlbs_garp_start(inst);
	}
	nlbs_enter_state(inst, state, "set by request");
	return 0;
}

/* The daemon that holds the lease stopped renewing it: step down. */
static void nlbs_lease_work(struct work_struct *work)
{
	struct nlbs_instance *inst = container_of(to_delayed_work(work),
						  struct nlbs_instance, lease_work);

	rtnl_lock();
	if (inst->state == NLBS_STATE_ACTIVE && inst->lease_ms &&
	    time_after_eq(jiffies, inst->lease_expires))
		nlbs_enter_state(inst, NLBS_STATE_STANDBY, "lease expired");
	rtnl_unlock();
}

/* --- devices ----------------------------------------------------------- */

/*
 * The hook hook_ops[hook_slot] is registered exactly while access_dev is
 * set. The other slot lets a new access device be hooked before the old
 * one is let go, so a failure leaves the instance as it was.
 */
static void nlbs_access_release(struct nlbs_instance *inst)
{
	if (!inst->access_dev)
		return;
	nlbs_ndisc_mc(inst, inst->access_dev, false);
	nf_unregister_net_hook(inst->net, &inst->hook_ops[inst->hook_slot]);
	netdev_put(inst->access_dev, &inst->access_tracker);
	inst->access_dev = NULL;
}

static int nlbs_access_attach(struct nlbs_instance *inst,
			      struct net_device *dev)
{
	u8 slot = !inst->hook_slot;
	struct nf_hook_ops *ops = &inst->hook_ops[slot];
	int err;

	*ops = (struct nf_hook_ops) {
		.hook		= nlbs_hook,
		.priv		= inst,
		.pf		= NFPROTO_NETDEV,
		.hooknum	= NF_NETDEV_INGRESS,
		.priority	= 10,
		.dev		= dev,
	};
	err = nf_register_net_hook(inst->net, ops);
	if (err)
		return err;
	/* Merged frames could exceed the server subnet's MTU. */
	dev_disable_lro(dev);
	nlbs_access_release(inst);
	inst->hook_slot = slot;
	netdev_hold(dev, &inst->access_tracker, GFP_KERNEL);
	inst->access_dev = dev;
	nlbs_ndisc_mc(inst, dev, true);
	return 0;
}

static void nlbs_server_dev_release(struct nlbs_instance *inst)
{
	struct net_device *dev = rtnl_dereference(inst->server_dev);

	if (!dev)
		return;
	RCU_INIT_POINTER(inst->server_dev, NULL);
	netdev_put(dev, &inst->server_tracker);
}

static void nlbs_server_dev_attach(struct nlbs_instance *inst,
				   struct net_device *dev)
{
	nlbs_server_dev_release(inst);
	netdev_hold(dev, &inst->server_tracker, GFP_KERNEL);
	rcu_assign_pointer(inst->server_dev, dev);
}

int nlbs_config_set(struct nlbs_instance *inst, const struct nlbs_config *cfg,
		    struct netlink_ext_ack *extack)
{
	struct net_device *access = cfg->set_access ? cfg->access : inst->access_dev;
	struct net_device *server = cfg->set_server ? cfg->server :
				    rtnl_dereference(inst->server_dev);
	int err;

	if (access && access == server) {
		NL_SET_ERR_MSG_MOD(extack, "access and server devices must differ");
		return -EINVAL;
	}
	if (inst->state == NLBS_STATE_ACTIVE &&
	    ((cfg->set_access && cfg->access != inst->access_dev) ||
	     (cfg->set_server && cfg->server != rtnl_dereference(inst->server_dev)) ||
	     (cfg->set_addr && cfg->addr != inst->nlbs_addr) ||
	     (cfg->set_addr6 && !ipv6_addr_equal(&cfg->addr6,
						 &inst->nlbs_addr6)))) {
		NL_SET_ERR_MSG_MOD(extack, "devices and NLBS address cannot change while active");
		return -EBUSY;
	}

	if (cfg->set_access && cfg->access != inst->access_dev) {
		err = nlbs_access_attach(inst, cfg->access);
		if (err) {
			NL_SET_ERR_MSG_MOD(extack, "cannot register the ingress hook");
			return err;
		}
	}
	if (cfg->set_server && cfg->server != rtnl_dereference(inst->server_dev))
		nlbs_server_dev_attach(inst, cfg->server);
	if (cfg->set_addr)
		WRITE_ONCE(inst->nlbs_addr, cfg->addr);
	if (cfg->set_addr6 && !ipv6_addr_equal(&cfg->addr6, &inst->nlbs_addr6)) {
		nlbs_ndisc_mc(inst, inst->access_dev, false);
		nlbs_addr6_write(inst, &cfg->addr6);
		nlbs_ndisc_mc(inst, inst->access_dev, true);
	}
	if (cfg->set_garp_count)
		inst->garp_count = cfg->garp_count;
	if (cfg->set_garp_interval)
		inst->garp_interval = cfg->garp_interval;
	if (cfg->set_seed)
		WRITE_ONCE(inst->seed, cfg->seed);
	if (cfg->set_flow_max) {
		WRITE_ONCE(inst->flow_cfg.max, cfg->flow.max);
		WRITE_ONCE(inst->flow_cfg.max_set, true);
	}
	if (cfg->flow.timeout_tcp)
		WRITE_ONCE(inst->flow_cfg.timeout_tcp, cfg->flow.timeout_tcp);
	if (cfg->flow.timeout_tcp_fin)
		WRITE_ONCE(inst->flow_cfg.timeout_tcp_fin,
			   cfg->flow.timeout_tcp_fin);
	if (cfg->flow.timeout_udp)
		WRITE_ONCE(inst->flow_cfg.timeout_udp, cfg->flow.timeout_udp);
	if (cfg->flow.timeout_syn)
		WRITE_ONCE(inst->flow_cfg.timeout_syn, cfg->flow.timeout_syn);
	inst->genid++;
	return 0;
}

static void nlbs_device_gone(struct nlbs_instance *inst, struct net_device *dev,
			     bool unregister)
{
	bool access = dev == inst->access_dev;
	const char *reason;

	if (unregister) {
		reason = access ? "access device unregistered" :
				  "server device unregistered";
		if (access)
			nlbs_access_release(inst);
		else
			nlbs_server_dev_release(inst);
		inst->genid++;
	} else {
		reason = access ? "access device down" : "server device down";
	}
	nlbs_notify_device(inst, dev, access, reason);
	nlbs_enter_state(inst, NLBS_STATE_INOP, reason);
}

static int nlbs_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct nlbs_instance *inst = nlbs_instance(dev_net(dev));

	if (!inst ||
	    (dev != inst->access_dev && dev != rtnl_dereference(inst->server_dev)))
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_UNREGISTER:
		nlbs_device_gone(inst, dev, true);
		break;
	case NETDEV_DOWN:
		nlbs_device_gone(inst, dev, false);
		break;
	case NETDEV_CHANGE:
		if (dev == inst->access_dev && netif_carrier_ok(dev) &&
		    inst->state == NLBS_STATE_ACTIVE)
			nlbs_garp_start(inst);
		break;
	case NETDEV_CHANGEADDR:
		if (dev == inst->access_dev && inst->state == NLBS_STATE_ACTIVE)
			nlbs_garp_start(inst);
		break;
	}
	return NOTIFY_DONE;
}

struct notifier_block nlbs_netdev_notifier = {
	.notifier_call = nlbs_netdev_event,
};

/* --- services and servers ---------------------------------------------- */

static void nlbs_service_publish(struct nlbs_service *svc,
				 struct nlbs_table *tbl)
{
	nlbs_table_free_rcu(rcu_replace_pointer(svc->table, tbl,
						lockdep_rtnl_is_held()));
}

static void nlbs_service_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct nlbs_service, rcu));
}

static void nlbs_service_put(struct nlbs_service *svc)
{
	if (refcount_dec_and_test(&svc->ref))
		call_rcu(&svc->rcu, nlbs_service_free_rcu);
}

static void nlbs_service_clean(struct nlbs_service *svc)
{
	list_del_init(&svc->dirty_node);
}

/* Builds and publishes a service's table under RTNL; on failure the old one
 * stays and the service stays dirty.
 */
static int nlbs_service_rebuild(struct nlbs_service *svc)
{
	struct nlbs_table *tbl = nlbs_table_prepare(svc);

	if (IS_ERR(tbl))
		return PTR_ERR(tbl);
	if (tbl)
		nlbs_table_fill(tbl);
	nlbs_service_publish(svc, tbl);
	nlbs_service_clean(svc);
	return 0;
}

/*
 * Rebuilds one dirty service of @inst, the slots filled without RTNL (they
 * take long: up to 4194301 slots); RTNL is held only to take the servers and
 * to publish. A service changed meanwhile stays dirty and goes again.
 * Returns 1 if it rebuilt one, 0 if none was dirty, or -errno.
 */
static int nlbs_rebuild_one(struct nlbs_instance *inst)
{
	struct nlbs_service *svc;
	struct nlbs_table *tbl;
	u32 gen;

	rtnl_lock();
	svc = list_first_entry_or_null(&inst->dirty, struct nlbs_service,
				       dirty_node);
	if (!svc) {
		rtnl_unlock();
		return 0;
	}
	gen = svc->gen;
	tbl = nlbs_table_prepare(svc);
	if (IS_ERR(tbl)) {
		rtnl_unlock();
		return PTR_ERR(tbl);
	}
	refcount_inc(&svc->ref);
	rtnl_unlock();

	if (tbl)
		nlbs_table_fill(tbl);

	rtnl_lock();
	if (!svc->unlinked && svc->gen == gen) {
		nlbs_service_publish(svc, tbl);
		nlbs_service_clean(svc);
		tbl = NULL;
	} else if (!svc->unlinked && !list_empty(&svc->dirty_node)) {
		/* Changed meanwhile: to the back of the queue. */
		list_move_tail(&svc->dirty_node, &inst->dirty);
	}
	rtnl_unlock();
	if (tbl)
		nlbs_table_free(tbl);	/* never published */
	nlbs_service_put(svc);
	return 1;
}

/* Rebuilds every dirty service of @inst; a failure leaves the rest dirty. */
int nlbs_rebuild_all(struct nlbs_instance *inst)
{
	int ret;

	while ((ret = nlbs_rebuild_one(inst)) > 0)
		cond_resched();
	return ret;
}

/* The debounced rebuild; a failure retries in a second. */
static void nlbs_rebuild_work(struct work_struct *work)
{
	struct nlbs_instance *inst = container_of(to_delayed_work(work),
						  struct nlbs_instance,
						  rebuild_work);

	if (nlbs_rebuild_all(inst))
		queue_delayed_work(system_wq, &inst->rebuild_work, HZ);
}

/*
 * RTNL held: the dirty services rebuilt within @ms. A pending rebuild is
 * brought forward, never postponed: changes that keep coming cannot hold
 * a table back.
 */
static void nlbs_rebuild_schedule(struct nlbs_instance *inst, unsigned int ms)
{
	unsigned long delay = msecs_to_jiffies(ms);
	unsigned long due = jiffies + delay;

	if (delayed_work_pending(&inst->rebuild_work) &&
	    time_before_eq(inst->rebuild_due, due))
		return;
	inst->rebuild_due = due;
	mod_delayed_work(system_wq, &inst->rebuild_work, delay);
}

/*
 * The servers of @svc changed. Small tables (the default size, up to 64
 * servers) are rebuilt at once, so a request that returns has taken
 * effect; large ones at most NLBS_REBUILD_DELAY_MS after the first change,
 * outside RTNL; with @defer (a batch that ends with NLBS_CMD_COMMIT) at its
 * commit, at most NLBS_REBUILD_DEFER_MS after the first change. Until then
 * a removed server's slots go to the next live server of the table
 * (nlbs_table_lookup()).
 */
static void nlbs_service_changed(struct nlbs_instance *inst,
				 struct nlbs_service *svc, bool defer)
{
	inst->genid++;
	svc->gen++;
	if (list_empty(&svc->dirty_node))
		list_add_tail(&svc->dirty_node, &inst->dirty);
	if (defer) {
		nlbs_rebuild_schedule(inst, NLBS_REBUILD_DEFER_MS);
		return;
	}
	if (svc->neligible <= NLBS_SYNC_REBUILD_MAX &&
	    svc->table_size <= NLBS_SYNC_REBUILD_SLOTS &&
	    !nlbs_service_rebuild(svc))
		return;
	nlbs_rebuild_schedule(inst, NLBS_REBUILD_DELAY_MS);
}

int nlbs_service_add(struct nlbs_instance *inst,
		     const struct nlbs_svc_key *key, u32 table_size, u8 nodest,
		     struct netlink_ext_ack *extack)
{
	struct nlbs_service *svc;
	int err;

	if (nlbs_service_find(inst, key)) {
		NL_SET_ERR_MSG_MOD(extack, "service already exists");
		return -EEXIST;
	}
	if (inst->nservices >= READ_ONCE(nlbs_service_max)) {
		NL_SET_ERR_MSG_MOD(extack, "too many services in this namespace (service_max)");
		return -ENOSPC;
	}
	if (nlbs_flows_init(inst))
		return -ENOMEM;
	svc = kzalloc(sizeof(*svc), GFP_KERNEL_ACCOUNT);
	if (!svc)
		return -ENOMEM;
	err = 0;
	svc->key = *key;
	svc->table_size = table_size ?: nlbs_table_size;
	svc->nodest = nodest;
	refcount_set(&svc->ref, 1);
	INIT_LIST_HEAD(&svc->servers);
	INIT_LIST_HEAD(&svc->dirty_node);
	err = nlbs_service_link(inst, svc);
	if (err) {
		kfree(svc);
		return err;
	}
	list_add_tail(&svc->node, &inst->services);
	WRITE_ONCE(inst->nservices, inst->nservices + 1);
	inst->genid++;
	nlbs_notify_service(inst, svc, NLBS_EVENT_ADD);
	return 0;
}

/* Unpublishes @svc; it, its table and servers go after a grace period. */
static void nlbs_service_destroy(struct nlbs_instance *inst,
				 struct nlbs_service *svc)
{
	struct nlbs_server *srv, *tmp;

	nlbs_service_unlink(inst, svc);
	list_del(&svc->node);
	nlbs_service_clean(svc);
	svc->unlinked = true;
	WRITE_ONCE(inst->nservices, inst->nservices - 1);
	inst->genid++;
	nlbs_service_publish(svc, NULL);
	list_for_each_entry_safe(srv, tmp, &svc->servers, node) {
		list_del(&srv->node);
		nlbs_server_unlink(inst, srv);
		inst->nservers--;
		WRITE_ONCE(srv->dead, true);
		nlbs_server_put(srv);
	}
	nlbs_service_put(svc);
}

void nlbs_service_set_nodest(struct nlbs_instance *inst,
			     struct nlbs_service *svc, u8 nodest)
{
	if (svc->nodest == nodest)
		return;
	svc->nodest = nodest;
	inst->genid++;
	nlbs_notify_service(inst, svc, NLBS_EVENT_SET);
}

void nlbs_service_del(struct nlbs_instance *inst, struct nlbs_service *svc)
{
	nlbs_notify_service(inst, svc, NLBS_EVENT_DEL);
	nlbs_service_destroy(inst, svc);
}

int nlbs_server_add(struct nlbs_instance *inst, struct nlbs_service *svc,
		    const union nf_inet_addr *addr, u32 weight, const u8 *mac,
		    bool defer, struct netlink_ext_ack *extack)
{
	struct nlbs_server *srv;

	if (nlbs_server_find(inst, svc, addr)) {
		NL_SET_ERR_MSG_MOD(extack, "server already exists in this service");
		return -EEXIST;
	}
	if (svc->nservers >= NLBS_MAX_SERVERS) {
		NL_SET_ERR_MSG_MOD(extack, "too many servers in this service");
		return -ENOSPC;
	}
	if (svc->nservers >= svc->table_size) {
		NL_SET_ERR_MSG_MOD(extack,
				   "more servers than table slots: create the service with a larger table-size");
		return -ENOSPC;
	}
	if (inst->nservers >= READ_ONCE(nlbs_server_max)) {
		NL_SET_ERR_MSG_MOD(extack, "too many servers in this namespace (server_max)");
		return -ENOSPC;
	}
	srv = kzalloc(sizeof(*srv), GFP_KERNEL_ACCOUNT);
	if (!srv || nlbs_server_stats_init(srv)) {
		kfree(srv);
		return -ENOMEM;
	}
	refcount_set(&srv->ref, 1);
	srv->svc = svc;
	srv->addr = *addr;
	srv->family = svc->key.family;
	srv->weight = weight;
	if (mac) {
		srv->static_mac = true;
		ether_addr_copy(srv->mac, mac);
	}
	if (nlbs_server_link(inst, srv)) {
		free_percpu(srv->stats);
		kfree(srv);
		return -ENOMEM;
	}
	list_add_tail(&srv->node, &svc->servers);
	svc->nservers++;
	inst->nservers++;
	svc->neligible += !!weight;
	nlbs_service_changed(inst, svc, defer);
	nlbs_notify_server(inst, svc, srv, NLBS_EVENT_ADD);
	return 0;
}

void nlbs_server_set_weight(struct nlbs_instance *inst,
			    struct nlbs_service *svc, struct nlbs_server *srv,
			    u32 weight, bool defer)
{
	if (srv->weight == weight)
		return;
	svc->neligible += !!weight - !!srv->weight;
	srv->weight = weight;
	nlbs_service_changed(inst, svc, defer);
	nlbs_notify_server(inst, svc, srv, NLBS_EVENT_SET);
}

/*
 * A deleted server leaves its service's table with the next rebuild; the
 * table holds a reference, and its slots pass to the next live server until
 * then. Its flows move on their next packet, or with nodest drop are dropped
 * until they go idle; the memory goes with the last reference.
 */
void nlbs_server_del(struct nlbs_instance *inst, struct nlbs_service *svc,
		     struct nlbs_server *srv, bool defer)
{
	nlbs_notify_server(inst, svc, srv, NLBS_EVENT_DEL);
	list_del(&srv->node);
	nlbs_server_unlink(inst, srv);
	svc->nservers--;
	inst->nservers--;
	svc->neligible -= !!srv->weight;
	WRITE_ONCE(srv->hold_flows, svc->nodest == NLBS_NODEST_DROP);
	WRITE_ONCE(srv->dead, true);
	nlbs_service_changed(inst, svc, defer);
	nlbs_server_put(srv);
}

void nlbs_instance_stats_reset(struct nlbs_instance *inst)
{
	struct nlbs_service *svc;
	struct nlbs_server *srv;

	nlbs_stats_reset(inst);
	list_for_each_entry(svc, &inst->services, node)
		list_for_each_entry(srv, &svc->servers, node)
			nlbs_server_stats_reset(srv);
}

/* --- lifecycle --------------------------------------------------------- */

static DEFINE_MUTEX(nlbs_net_lock);	/* makes instances */

static int nlbs_instance_init(struct nlbs_instance *inst, struct net *net)
{
	int err;

	inst->net = net;
	inst->state = NLBS_STATE_INIT;
	inst->garp_count = NLBS_DEF_GARP_COUNT;
	inst->garp_interval = NLBS_DEF_GARP_INTERVAL;
	INIT_LIST_HEAD(&inst->services);
	INIT_LIST_HEAD(&inst->dirty);
	ratelimit_state_init(&inst->log_rs, 5 * HZ, 20);
	INIT_DELAYED_WORK(&inst->garp_work, nlbs_garp_work);
	INIT_DELAYED_WORK(&inst->lease_work, nlbs_lease_work);
	INIT_DELAYED_WORK(&inst->rebuild_work, nlbs_rebuild_work);
	INIT_DELAYED_WORK(&inst->flow_gc_work, nlbs_flow_gc_work);
	err = nlbs_lookup_init(inst);
	if (err)
		return err;
	err = nlbs_stats_init(inst);
	if (err)
		nlbs_lookup_destroy(inst);
	return err;
}

/*
 * The namespace's instance, made on its first request (charged to the
 * requester's memory cgroup). ERR_PTR(-ENOMEM) when it cannot be made.
 */
struct nlbs_instance *nlbs_instance_get(struct net *net)
{
	struct nlbs_net *nn = net_generic(net, nlbs_net_id);
	struct nlbs_instance *inst = nlbs_instance(net);

	if (inst)
		return inst;
	mutex_lock(&nlbs_net_lock);
	inst = nn->inst;
	if (!inst) {
		inst = kzalloc(sizeof(*inst), GFP_KERNEL_ACCOUNT);
		if (inst && nlbs_instance_init(inst, net)) {
			kfree(inst);
			inst = NULL;
		}
		if (inst) {
			/* Pairs with nlbs_instance(): readers see it whole. */
			smp_store_release(&nn->inst, inst);
		}
	}
	mutex_unlock(&nlbs_net_lock);
	return inst ?: ERR_PTR(-ENOMEM);
}

static void nlbs_instance_exit(struct nlbs_instance *inst)
{
	struct nlbs_service *svc, *tmp;

	rtnl_lock();
	inst->dying = true;
	nlbs_enter_state(inst, NLBS_STATE_INIT, "instance removed");
	nlbs_access_release(inst);
	nlbs_server_dev_release(inst);
	list_for_each_entry_safe(svc, tmp, &inst->services, node)
		nlbs_service_destroy(inst, svc);
	rtnl_unlock();

	cancel_delayed_work_sync(&inst->garp_work);
	cancel_delayed_work_sync(&inst->lease_work);
	cancel_delayed_work_sync(&inst->rebuild_work);
	/* The hook may still run on another CPU until the grace period ends. */
	synchronize_net();
	nlbs_flows_exit(inst);
	nlbs_stats_free(inst);
	nlbs_lookup_destroy(inst);
}

/* Namespace exit: no request can come any more. */
void nlbs_net_exit(struct net *net)
{
	struct nlbs_net *nn = net_generic(net, nlbs_net_id);

	if (!nn->inst)
		return;
	nlbs_instance_exit(nn->inst);
	kfree(nn->inst);
	nn->inst = NULL;
}
