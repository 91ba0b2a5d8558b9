// SPDX-License-Identifier: GPL-2.0
/*
 * Flow sync: the flows of this NLB, reported in batches on the "flows"
 * multicast group so that nlbsd can hand them to the peer NLB, which imports
 * them (NLBS_CMD_FLOW_ADD) and sends each flow to the same server after a
 * takeover.
 *
 * Nothing happens per packet. While the group has listeners, the flow work
 * walks the table every NLBS_SYNC_MS and sends each flow that is due: one
 * never sent, one whose flags changed (closing, confirmed), and one that saw
 * traffic and was last sent a quarter of its idle limit ago, so the peer's
 * copy, which ages like any other entry, never expires while the flow lives.
 * A flow that has seen only its SYN is not sent (a SYN flood is not copied
 * to the peer): its next packet makes it due. A batch the listeners could
 * not take is counted in sync-dropped; those flows go again with their next
 * refresh.
 */
#include <net/genetlink.h>
#include "flow_table.h"
#include "notify.h"
#include "stats.h"

bool nlbs_sync_listening(struct nlbs_instance *inst)
{
	return !READ_ONCE(inst->dying) &&
	       genl_has_listeners(&nlbs_genl_family, inst->net,
				  NLBS_MCGRP_FLOWS_ID);
}

static bool nlbs_sync_due(const struct nlbs_instance *inst,
			  const struct nlbs_flow *f, unsigned long now)
{
	unsigned long synced = READ_ONCE(f->synced);
	u8 flags = READ_ONCE(f->flags);

	if (flags & NLBS_FLOW_F_SYN)
		return false;
	if (!synced || flags != READ_ONCE(f->sflags))
		return true;
	return time_after(READ_ONCE(f->last), synced) &&
	       time_after_eq(now, synced +
			     nlbs_flow_idle_limit(inst, f) * HZ / 4);
}

struct nlbs_sync_batch {
	struct sk_buff	*skb;
	void		*hdr;
	u32		n;
	u32		sent;
	u32		dropped;
};

static bool nlbs_sync_start(struct nlbs_sync_batch *b)
{
	b->skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!b->skb)
		return false;
	b->hdr = genlmsg_put(b->skb, 0, 0, &nlbs_genl_family, 0,
			     NLBS_CMD_FLOW_NTF);
	if (!b->hdr) {
		nlmsg_free(b->skb);
		b->skb = NULL;
		return false;
	}
	b->n = 0;
	return true;
}

static void nlbs_sync_flush(struct nlbs_instance *inst,
			    struct nlbs_sync_batch *b)
{
	int err;

	if (!b->skb)
		return;
	genlmsg_end(b->skb, b->hdr);
	err = genlmsg_multicast_netns(&nlbs_genl_family, inst->net, b->skb, 0,
				      NLBS_MCGRP_FLOWS_ID, GFP_ATOMIC);
	if (err)
		b->dropped += b->n;
	else
		b->sent += b->n;
	b->skb = NULL;
}

/* The flow work; RCU readers only, like the packet path. */
void nlbs_sync_send(struct nlbs_instance *inst, struct nlbs_flows *ft)
{
	struct nlbs_sync_batch b = {};
	unsigned long now = jiffies;
	struct nlbs_flow *f;
	u32 h;

	for (h = 0; h < ARRAY_SIZE(ft->buckets); h++) {
		if (hlist_empty(&ft->buckets[h]))
			continue;
		rcu_read_lock();
		hlist_for_each_entry_rcu(f, &ft->buckets[h], hnode) {
			if (!nlbs_sync_due(inst, f, now))
				continue;
			if (!b.skb && !nlbs_sync_start(&b))
				break;	/* no memory: the rest waits */
			if (nlbs_flow_put(b.skb, f)) {
				nlbs_sync_flush(inst, &b);
				if (!nlbs_sync_start(&b) ||
				    nlbs_flow_put(b.skb, f))
					break;
			}
			b.n++;
			WRITE_ONCE(f->sflags, READ_ONCE(f->flags));
			WRITE_ONCE(f->synced, now ?: 1);
		}
		rcu_read_unlock();
		if (!(h & 1023))
			cond_resched();
	}
	nlbs_sync_flush(inst, &b);

	local_bh_disable();
	if (b.sent)
		nlbs_stat_add(inst, NLBS_STATS_A_SYNC_SENT, b.sent);
	if (b.dropped)
		nlbs_stat_add(inst, NLBS_STATS_A_SYNC_DROPPED, b.dropped);
	local_bh_enable();
}
