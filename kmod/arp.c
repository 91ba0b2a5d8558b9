// SPDX-License-Identifier: GPL-2.0
/*
 * ARP for the NLBS address: only the active NLB answers, and on becoming
 * active it announces itself with gratuitous ARP (the original design's
 * broadcast ARP request with sender = target = NLBS address) so that the
 * firewalls' caches flip to its MAC. The NLBS address is never configured
 * on an interface, so the kernel's own ARP never answers for it; requests
 * for it are consumed here in every state, which keeps a standby silent.
 */
#include <linux/if_arp.h>
#include <net/arp.h>
#include "arp.h"
#include "ndisc.h"
#include "stats.h"

struct nlbs_arp_body {
	u8	sha[ETH_ALEN];
	__be32	sip;
	u8	tha[ETH_ALEN];
	__be32	tip;
} __packed;

static bool nlbs_arp_valid(const struct net_device *dev, struct sk_buff *skb)
{
	const struct arphdr *arp;

	if (!pskb_may_pull(skb, sizeof(*arp) + sizeof(struct nlbs_arp_body)))
		return false;
	arp = arp_hdr(skb);
	return arp->ar_hrd == htons(ARPHRD_ETHER) &&
	       arp->ar_pro == htons(ETH_P_IP) &&
	       arp->ar_hln == ETH_ALEN && dev->addr_len == ETH_ALEN &&
	       arp->ar_pln == 4;
}

/* Ingress hook, RCU read side, BH disabled. */
unsigned int nlbs_arp_rcv(struct nlbs_instance *inst, struct sk_buff *skb)
{
	__be32 nlbs = READ_ONCE(inst->nlbs_addr);
	struct net_device *dev = skb->dev;
	const struct nlbs_arp_body *body;
	const struct arphdr *arp;
	struct sk_buff *reply;
	u8 state;

	skb_reset_network_header(skb);
	if (!nlbs_arp_valid(dev, skb)) {
		nlbs_stat_inc(inst, NLBS_STATS_A_DROP_MALFORMED);
		return NF_DROP;
	}
	if (!nlbs)
		return NF_ACCEPT;

	arp = arp_hdr(skb);
	body = (const struct nlbs_arp_body *)(arp + 1);
	state = READ_ONCE(inst->state);

	/* Someone else claims the NLBS address: counted while we hold it,
	 * and never passed to the stack, whatever it asks (the NLB itself
	 * must not learn the NLBS address at a foreign MAC).
	 */
	if (body->sip == nlbs && !ether_addr_equal(body->sha, dev->dev_addr)) {
		if (state == NLBS_STATE_ACTIVE)
			nlbs_stat_inc(inst, NLBS_STATS_A_ARP_CONFLICTS);
		return NF_DROP;
	}

	if (body->tip != nlbs)
		return NF_ACCEPT;
	if (arp->ar_op != htons(ARPOP_REQUEST) || body->sip == nlbs)
		return NF_DROP;		/* replies and announcements: not ours to answer */

	nlbs_stat_inc(inst, NLBS_STATS_A_ARP_REQUESTS);
	if (state != NLBS_STATE_ACTIVE || skb->pkt_type == PACKET_OTHERHOST)
		return NF_DROP;

	reply = arp_create(ARPOP_REPLY, ETH_P_ARP, body->sip, dev, nlbs,
			   body->sha, dev->dev_addr, body->sha);
	if (!reply) {
		nlbs_stat_inc(inst, NLBS_STATS_A_DROP_XMIT);
		return NF_DROP;
	}
	arp_xmit(reply);
	nlbs_stat_inc(inst, NLBS_STATS_A_ARP_REPLIES);
	consume_skb(skb);
	return NF_STOLEN;
}

/* One round of announcements: the gratuitous ARP and, with an IPv6 NLBS
 * address, the unsolicited neighbour advertisement (ndisc.c).
 */
static void nlbs_garp_send(struct nlbs_instance *inst)
{
	struct net_device *dev = inst->access_dev;
	__be32 nlbs = READ_ONCE(inst->nlbs_addr);
	struct sk_buff *skb;

	nlbs_una_send(inst);
	if (!nlbs)
		return;
	skb = arp_create(ARPOP_REQUEST, ETH_P_ARP, nlbs, dev, nlbs, NULL,
			 dev->dev_addr, NULL);
	local_bh_disable();
	if (skb) {
		arp_xmit(skb);
		nlbs_stat_inc(inst, NLBS_STATS_A_GARP_SENT);
	} else {
		nlbs_stat_inc(inst, NLBS_STATS_A_DROP_XMIT);
	}
	local_bh_enable();
}

/*
 * Runs under RTNL so that the device and state cannot change under it; the
 * state check makes a run that lost the race with a state change harmless.
 */
void nlbs_garp_work(struct work_struct *work)
{
	struct nlbs_instance *inst = container_of(to_delayed_work(work),
						  struct nlbs_instance, garp_work);

	rtnl_lock();
	if (inst->state == NLBS_STATE_ACTIVE && inst->access_dev &&
	    netif_running(inst->access_dev) && atomic_read(&inst->garp_left) > 0) {
		nlbs_garp_send(inst);
		if (atomic_dec_return(&inst->garp_left) > 0)
			mod_delayed_work(system_wq, &inst->garp_work,
					 msecs_to_jiffies(inst->garp_interval));
	}
	rtnl_unlock();
}

/* RTNL held. */
void nlbs_garp_start(struct nlbs_instance *inst)
{
	atomic_set(&inst->garp_left, inst->garp_count);
	if (inst->garp_count)
		mod_delayed_work(system_wq, &inst->garp_work, 0);
}

/* RTNL held: the work cannot be mid-send, and will see garp_left == 0. */
void nlbs_garp_stop(struct nlbs_instance *inst)
{
	atomic_set(&inst->garp_left, 0);
	cancel_delayed_work(&inst->garp_work);
}
