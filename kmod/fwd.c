// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit a VIP datagram to the chosen server: a new Ethernet header with
 * the server's MAC as destination and the server device's MAC as source.
 * The IP header and payload are not touched.
 *
 * Without a static MAC, the packet goes through the neighbour layer exactly
 * as the kernel's own output does (ip_finish_output2, ip6_finish_output2):
 * a resolved entry supplies the cached header; an unresolved one queues the
 * packet and sends an ARP request or a neighbour solicitation, so the first
 * packet of a flow is not lost and never goes to a stale or wrong MAC.
 */
#include <linux/ipv6.h>
#include <net/addrconf.h>
#include <net/neighbour.h>
#include <net/route.h>
#include "fwd.h"
#include "stats.h"

/* Ingress hook, RCU read side, BH disabled. Consumes @skb. */
void nlbs_fwd(struct nlbs_instance *inst, struct sk_buff *skb,
	      struct net_device *dev, struct nlbs_server *srv)
{
	__be16 proto = srv->family == AF_INET ? htons(ETH_P_IP) :
					       htons(ETH_P_IPV6);
	unsigned int len = skb->len;
	struct neighbour *neigh;
	int err;

	if (skb_cow_head(skb, LL_RESERVED_SPACE(dev)))
		goto drop_xmit;

	skb_dst_drop(skb);
	nf_reset_ct(skb);
	skb_clear_tstamp(skb);
	skb_forward_csum(skb);
	skb->dev = dev;
	skb->protocol = proto;
	skb->pkt_type = PACKET_HOST;

	if (srv->static_mac) {
		if (dev_hard_header(skb, dev, ntohs(proto), srv->mac,
				    dev->dev_addr, skb->len) < 0)
			goto drop_xmit;
		err = dev_queue_xmit(skb);
		goto out;
	}

	if (srv->family == AF_INET)
		neigh = ip_neigh_gw4(dev, srv->addr.ip);
	else if (ipv6_stub->nd_tbl)	/* IPv6 not disabled at boot */
		neigh = ip_neigh_gw6(dev, &srv->addr.in6);
	else
		neigh = ERR_PTR(-EAFNOSUPPORT);
	if (IS_ERR_OR_NULL(neigh)) {
		nlbs_stat_inc(inst, NLBS_STATS_A_DROP_NEIGH);
		kfree_skb(skb);
		return;
	}
	if (!(READ_ONCE(neigh->nud_state) & NUD_VALID))
		nlbs_stat_inc(inst, NLBS_STATS_A_NEIGH_MISS);
	err = neigh_output(neigh, skb, false);
out:
	if (unlikely(err < 0 || err == NET_XMIT_DROP)) {
		nlbs_stat_inc(inst, NLBS_STATS_A_DROP_XMIT);
		return;
	}
	nlbs_stat_inc(inst, NLBS_STATS_A_FORWARDED);
	nlbs_server_account(srv, len);
	return;

drop_xmit:
	nlbs_stat_inc(inst, NLBS_STATS_A_DROP_XMIT);
	kfree_skb(skb);
}
