/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbs: types shared by every file of the module.
 *
 * Locking: all configuration (instance, services, servers, devices) changes
 * under RTNL. The packet path reads only what is published with RCU and
 * scalars read with READ_ONCE(); it takes no lock and allocates nothing.
 */
#ifndef _NLBS_CORE_H
#define _NLBS_CORE_H

#include <linux/etherdevice.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/ratelimit.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/rtnetlink.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/netns/generic.h>
#include <linux/nlbs.h>

#define NLBS_VERSION		"0.1.0"

#define NLBS_MAX_SERVERS	65535	/* per service: slots are u16 */
#define NLBS_WEIGHT_MAX		65535
#define NLBS_DEF_GARP_COUNT	3
#define NLBS_DEF_GARP_INTERVAL	100	/* ms */

struct nlbs_counters {
	u64_stats_t		cnt[__NLBS_STATS_A_MAX];
	struct u64_stats_sync	syncp;
};

struct nlbs_server_counters {
	u64_stats_t		packets;
	u64_stats_t		bytes;
	u64_stats_t		new_flows;
	struct u64_stats_sync	syncp;
};

/*
 * Addresses of both families are union nf_inet_addr, as in IPVS: an IPv4
 * address is .ip with the other 12 bytes zero, so that hashing, comparing
 * and ordering the whole union is right for either family. The family goes
 * next to it in every key (AF_INET or AF_INET6), so that an IPv4 address
 * and the IPv6 address ::a.b.c.d never meet.
 */
static inline bool nlbs_addr_equal(const union nf_inet_addr *a,
				   const union nf_inet_addr *b)
{
	return nf_inet_addr_cmp(a, b);
}

static inline bool nlbs_addr_any(const union nf_inet_addr *a)
{
	return !(a->all[0] | a->all[1] | a->all[2] | a->all[3]);
}

/* Hash keys: every byte is a named field, so that none is left unset. */
struct nlbs_vip_key {
	union nf_inet_addr	addr;
	u8			family;
	u8			pad[3];
};

struct nlbs_svc_key {
	union nf_inet_addr	vip;
	u16			port;
	u8			proto;
	u8			family;
};

/* A server has its service's family. */
struct nlbs_srv_key {
	struct nlbs_service	*svc;
	union nf_inet_addr	addr;
};

struct nlbs_server {
	struct list_head	node;		/* svc->servers, RTNL */
	struct rhash_head	hnode;		/* inst->srv_ht, RTNL */
	struct nlbs_srv_key	key;
	struct nlbs_service	*svc;
	struct rcu_head		rcu;
	union nf_inet_addr	addr;
	u8			family;		/* the service's */
	u32			weight;		/* RTNL: read when tables are built */
	bool			static_mac;
	u8			mac[ETH_ALEN];	/* immutable once added */
	struct nlbs_server_counters __percpu *stats;
	refcount_t		ref;		/* the service's, and each flow's */
	atomic_t		active_flows;	/* entries of the flow table */
	bool			dead;		/* removed: flows must move */
	bool			hold_flows;	/* removed, nodest drop */
	u64			base_packets;	/* snapshot at the last reset */
	u64			base_bytes;
	u64			base_new_flows;
};

/*
 * A published Maglev lookup table. Immutable: a change builds a new one and
 * swaps the pointer, so a reader sees either the old or the new service.
 */
struct nlbs_table {
	struct rcu_head		rcu;
	u32			size;		/* prime number of slots */
	u32			nservers;	/* eligible: weight > 0 */
	u8			family;		/* the service's */
	struct nlbs_server	**servers;	/* with a reference each */
	u16			*slots;
	void			*perm;		/* scratch while it is built */
};

/* A VIP: the services of one address (lookup.c). */
struct nlbs_vip {
	struct rhash_head	node;		/* inst->vip_ht, RCU */
	struct nlbs_vip_key	key;
	u32			nservices;	/* RTNL */
	u32			nports;		/* services with a port */
	struct nlbs_service __rcu *whole;	/* the whole-VIP service */
	struct rcu_head		rcu;
};

struct nlbs_service {
	struct rhash_head	hnode;		/* inst->svc_ht, RCU */
	struct nlbs_svc_key	key;		/* proto 0: the whole VIP */
	struct nlbs_vip		*vip_ent;	/* RTNL */
	struct list_head	node;		/* inst->services, RTNL */
	struct rcu_head		rcu;
	u8			nodest;		/* enum nlbs_nodest */
	u32			table_size;	/* fixed at creation, prime */
	u32			nservers;
	u32			neligible;	/* servers with weight > 0 */
	u32			gen;		/* bumped by each server change */
	struct list_head	dirty_node;	/* inst->dirty: rebuild pending */
	refcount_t		ref;		/* the instance's, a rebuild's */
	bool			unlinked;	/* deleted: never publish */
	struct list_head	servers;
	struct nlbs_table __rcu	*table;
};

struct nlbs_flows;

/* Flow table settings of an instance; 0 in a timeout: the module default. */
struct nlbs_flow_cfg {
	u32			max;
	bool			max_set;	/* else the module parameter */
	u32			timeout_tcp;	/* seconds */
	u32			timeout_tcp_fin;
	u32			timeout_udp;
	u32			timeout_syn;
};

struct nlbs_instance {
	struct net		*net;
	bool			dying;

	/* Configuration, RTNL. Scalars read on the fast path use READ_ONCE. */
	struct net_device	*access_dev;
	netdevice_tracker	access_tracker;
	struct net_device __rcu	*server_dev;
	netdevice_tracker	server_tracker;
	__be32			nlbs_addr;
	struct in6_addr		nlbs_addr6;	/* :: when none; see ndisc.c */
	u8			nd_mc;		/* NLBS_ND_MC_*: how we joined */
	u32			garp_count;
	u32			garp_interval;
	u32			seed;
	u8			state;
	struct nf_hook_ops	hook_ops[2];	/* see nlbs_access_attach() */
	u8			hook_slot;

	struct delayed_work	garp_work;
	atomic_t		garp_left;

	struct delayed_work	lease_work;
	unsigned long		lease_expires;	/* jiffies, RTNL */
	u32			lease_ms;	/* 0: no lease */

	struct delayed_work	rebuild_work;
	unsigned long		rebuild_due;	/* jiffies, RTNL */
	atomic64_t		batch_failed;	/* port id, group (netlink.c) */
	struct list_head	dirty;		/* services to rebuild, RTNL */
	u32			nservers;	/* over all services, RTNL */

	struct nlbs_flows __rcu	*flows;		/* made with the first service */
	struct delayed_work	flow_gc_work;	/* expiry and sync to the peer */
	struct nlbs_flow_cfg	flow_cfg;	/* RTNL writes, READ_ONCE reads */

	struct rhashtable	vip_ht;
	struct rhashtable	svc_ht;
	struct list_head	services;
	struct rhashtable	srv_ht;
	u32			nservices;
	u64			genid;		/* bumped on every change, for dumps */
	u32			req_portid;	/* RTNL: requester of this change */

	struct nlbs_counters __percpu *stats;
	u64			stats_base[__NLBS_STATS_A_MAX];
	struct ratelimit_state	log_rs;		/* state change lines */
};

extern unsigned int nlbs_net_id;
extern unsigned int nlbs_table_size;

/*
 * The instance is made on a namespace's first nlbs request: a namespace that
 * never uses nlbs costs one pointer.
 */
struct nlbs_net {
	struct nlbs_instance	*inst;		/* set once, under nlbs_net_lock */
};

/* NULL until the namespace's first request. */
static inline struct nlbs_instance *nlbs_instance(const struct net *net)
{
	struct nlbs_net *nn = net_generic(net, nlbs_net_id);

	/* Pairs with the release in nlbs_instance_get(). */
	return smp_load_acquire(&nn->inst);
}

struct nlbs_instance *nlbs_instance_get(struct net *net);

const char *nlbs_state_name(u8 state);

#endif /* _NLBS_CORE_H */
