/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flow table's insides, shared by flow.c (the table) and sync.c (its
 * report to the peer NLB). Nothing else looks in here.
 */
#ifndef _NLBS_FLOW_TABLE_H
#define _NLBS_FLOW_TABLE_H

#include "flow.h"

#define NLBS_FLOW_BITS		16
#define NLBS_FLOW_LOCKS		256
#define NLBS_FLOW_GC_MS		1000
#define NLBS_SYNC_MS		100

/*
 * 104 bytes on 64-bit whatever the family (the key holds IPv6 addresses),
 * within a budget of 128 per flow (checked at build).
 */
struct nlbs_flow {
	struct hlist_node	hnode;
	struct rcu_head		rcu;
	struct nlbs_flow_key	key;
	u8			flags;		/* NLBS_FLOW_F_* */
	u8			sflags;		/* flags when last sent */
	struct nlbs_server	*srv;		/* holds a reference */
	unsigned long		last;		/* jiffies of the last packet */
	unsigned long		synced;		/* jiffies sent to the peer, 0: not */
};

struct nlbs_flows {
	struct hlist_head	buckets[1 << NLBS_FLOW_BITS];
	spinlock_t		locks[NLBS_FLOW_LOCKS];	/* insert and reclaim, striped */
	atomic_t		count;
	u32			seed;	/* secret: no chain can be aimed at */
	unsigned long		next_sweep;	/* jiffies, the work only */
	struct mem_cgroup	*memcg;	/* charged for the entries */
};

extern struct kmem_cache *nlbs_flow_cache;

u32 nlbs_flow_idle_limit(const struct nlbs_instance *inst,
			 const struct nlbs_flow *f);
void nlbs_flow_unlink(struct nlbs_flows *ft, struct nlbs_flow *f);
bool nlbs_flow_filter_match(const struct nlbs_flow *f,
			    const struct nlbs_flow_filter *flt);
u32 nlbs_flows_sweep(struct nlbs_instance *inst, struct nlbs_flows *ft,
		     bool all, const struct nlbs_flow_filter *flt);
int nlbs_flow_put(struct sk_buff *skb, const struct nlbs_flow *f);

/* sync.c */
bool nlbs_sync_listening(struct nlbs_instance *inst);
void nlbs_sync_send(struct nlbs_instance *inst, struct nlbs_flows *ft);

#endif /* _NLBS_FLOW_TABLE_H */
