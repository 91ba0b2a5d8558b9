// SPDX-License-Identifier: GPL-2.0
/*
 * The ingress hook on the access device (NFPROTO_NETDEV, NF_NETDEV_INGRESS):
 * the seed's Figure 4 per frame.
 *
 *   ARP                         -> arp.c (answer for the NLBS address if active)
 *   IPv4, to our MAC, to a VIP  -> not active: drop; else pick a server
 *                                  (sched.c) and rewrite the MAC (fwd.c)
 *   anything else               -> untouched (NF_ACCEPT)
 *
 * VIP traffic is never handed to the local stack.
 */
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include "arp.h"
#include "flow.h"
#include "fwd.h"
#include "hook.h"
#include "sched.h"
#include "stats.h"

/*
 * All services of a VIP share a bucket. Returns the exact (proto, port)
 * service, else the whole-VIP one; *is_vip tells whether the address is a
 * VIP at all.
 */
struct nlbs_service *nlbs_service_lookup_rcu(struct nlbs_instance *inst,
					     __be32 vip, u8 proto, u16 port,
					     bool *is_vip)
{
	struct nlbs_service *svc, *whole = NULL;

	*is_vip = false;
	hlist_for_each_entry_rcu(svc, &inst->svc_hash[nlbs_vip_bucket(vip)], hnode,
				 lockdep_rtnl_is_held()) {
		if (svc->vip != vip)
			continue;
		*is_vip = true;
		if (!svc->proto)
			whole = svc;
		else if (svc->proto == proto && svc->port == port)
			return svc;
	}
	return whole;
}

/*
 * The server for a datagram. A known TCP/UDP flow keeps its server; a new
 * one gets Maglev's choice and is remembered. A TCP SYN always starts a new
 * connection, even on a reused port. @ports is NULL for fragments and other
 * protocols, which are hashed on addresses and protocol only.
 */
static struct nlbs_server *nlbs_pick(struct nlbs_instance *inst,
				     const struct nlbs_service *svc,
				     const struct nlbs_table *tbl,
				     const struct iphdr *iph,
				     const __be32 *ports, bool syn)
{
	__be32 p = ports ? *ports : 0;
	struct nlbs_server *srv;

	if (ports && !syn) {
		srv = nlbs_flow_get(inst, svc, iph->saddr, iph->daddr, p,
				    iph->protocol);
		if (srv)
			return srv;
	}
	srv = nlbs_table_lookup(tbl, nlbs_flow_hash(iph->saddr, iph->daddr,
						    iph->protocol, p,
						    READ_ONCE(inst->seed)));
	if (ports)
		nlbs_flow_add(inst, iph->saddr, iph->daddr, p, iph->protocol,
			      srv, syn);
	return srv;
}

static unsigned int nlbs_ipv4_rcv(struct nlbs_instance *inst,
				  struct sk_buff *skb)
{
	struct nlbs_service *svc;
	struct nlbs_server *srv;
	struct net_device *out;
	struct nlbs_table *tbl;
	const struct iphdr *iph;
	unsigned int ihl, len;
	__be32 ports = 0;
	bool frag, is_vip, ported = false, syn = false;
	u16 dport = 0;

	if (skb->pkt_type != PACKET_HOST || skb_vlan_tag_present(skb) ||
	    !READ_ONCE(inst->nservices))
		return NF_ACCEPT;
	if (!pskb_may_pull(skb, sizeof(*iph)))
		goto malformed;
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	/* A cheap filter first: most traffic on the access side is not ours. */
	nlbs_service_lookup_rcu(inst, iph->daddr, 0, 0, &is_vip);
	if (!is_vip)
		return NF_ACCEPT;

	nlbs_stat_inc(inst, NLBS_STATS_A_RX);
	ihl = iph->ihl * 4;
	if (iph->version != 4 || ihl < sizeof(*iph) || !pskb_may_pull(skb, ihl))
		goto malformed;
	iph = ip_hdr(skb);
	len = ntohs(iph->tot_len);
	if (len < ihl || len > skb->len || ip_fast_csum(iph, iph->ihl))
		goto malformed;

	if (READ_ONCE(inst->state) != NLBS_STATE_ACTIVE) {
		nlbs_stat_inc(inst, NLBS_STATS_A_DROP_INACTIVE);
		return NF_DROP;
	}

	frag = ip_is_fragment(iph);
	if (!frag && (iph->protocol == IPPROTO_TCP ||
		      iph->protocol == IPPROTO_UDP)) {
		unsigned int need = iph->protocol == IPPROTO_TCP ?
				    sizeof(struct tcphdr) : 4;

		if (len < ihl + need || !pskb_may_pull(skb, ihl + need))
			goto malformed;
		iph = ip_hdr(skb);
		ports = *(__be32 *)((u8 *)iph + ihl);
		if (iph->protocol == IPPROTO_TCP) {
			const struct tcphdr *th = (const void *)((u8 *)iph + ihl);

			syn = th->syn && !th->ack;
		}
		dport = ntohs(((__be16 *)&ports)[1]);
		ported = true;
	}

	/* Fragments carry no ports: only the whole-VIP service takes them. */
	svc = nlbs_service_lookup_rcu(inst, iph->daddr,
				      frag ? 0 : iph->protocol, dport, &is_vip);
	tbl = svc ? rcu_dereference(svc->table) : NULL;
	out = rcu_dereference(inst->server_dev);
	if (!tbl || !out) {
		nlbs_stat_inc(inst, NLBS_STATS_A_DROP_NO_SERVER);
		return NF_DROP;
	}

	srv = nlbs_pick(inst, svc, tbl, iph, ported ? &ports : NULL, syn);
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb) {
		nlbs_stat_inc(inst, NLBS_STATS_A_DROP_XMIT);
		return NF_STOLEN;
	}
	nlbs_fwd(inst, skb, out, srv);
	return NF_STOLEN;

malformed:
	nlbs_stat_inc(inst, NLBS_STATS_A_DROP_MALFORMED);
	return NF_DROP;
}

unsigned int nlbs_hook(void *priv, struct sk_buff *skb,
		       const struct nf_hook_state *state)
{
	struct nlbs_instance *inst = priv;

	switch (skb->protocol) {
	case htons(ETH_P_ARP):
		if (skb_vlan_tag_present(skb))
			return NF_ACCEPT;
		return nlbs_arp_rcv(inst, skb);
	case htons(ETH_P_IP):
		return nlbs_ipv4_rcv(inst, skb);
	default:
		return NF_ACCEPT;
	}
}
