// SPDX-License-Identifier: GPL-2.0
/*
 * The ingress hook on the access device (NFPROTO_NETDEV, NF_NETDEV_INGRESS):
 * the original design's forwarding flow chart, per frame.
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
#include <linux/icmp.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>
#include "arp.h"
#include "flow.h"
#include "fwd.h"
#include "hook.h"
#include "lookup.h"
#include "sched.h"
#include "stats.h"

/* TCP and UDP: the flow key and what the segment says about the flow. */
static int nlbs_ports(struct sk_buff *skb, unsigned int ihl, unsigned int len,
		      struct nlbs_flow_key *key, u8 *pkt)
{
	const struct iphdr *iph = ip_hdr(skb);
	unsigned int need = iph->protocol == IPPROTO_TCP ?
			    sizeof(struct tcphdr) : sizeof(struct udphdr);

	if (len < ihl + need || !pskb_may_pull(skb, ihl + need))
		return -EINVAL;
	iph = ip_hdr(skb);
	key->ports = *(__be32 *)((u8 *)iph + ihl);
	*pkt = 0;
	if (iph->protocol == IPPROTO_TCP) {
		const struct tcphdr *th = (const void *)((u8 *)iph + ihl);

		if (th->syn && !th->ack)
			*pkt |= NLBS_PKT_SYN;
		if (th->fin || th->rst)
			*pkt |= NLBS_PKT_FIN;
	}
	return 0;
}

/*
 * An ICMP error to a VIP quotes a datagram a server sent from the VIP (direct
 * server return) to a client: fragmentation needed, unreachable, time
 * exceeded. It belongs to the flow client -> VIP with the quoted ports
 * reversed, and goes to that flow's server, so path MTU discovery works
 * through the balancer. Returns 0 with @key set, or -ENOENT: not one of those.
 */
static int nlbs_icmp_key(struct sk_buff *skb, unsigned int ihl,
			 unsigned int len, struct nlbs_flow_key *key)
{
	unsigned int need = ihl + sizeof(struct icmphdr) + sizeof(struct iphdr);
	const struct icmphdr *ih;
	const struct iphdr *iph, *inner;
	unsigned int iihl;
	__be16 *p, *kp;

	if (len < need || !pskb_may_pull(skb, need))
		return -ENOENT;
	iph = ip_hdr(skb);
	ih = (const void *)((u8 *)iph + ihl);
	if (ih->type != ICMP_DEST_UNREACH && ih->type != ICMP_TIME_EXCEEDED &&
	    ih->type != ICMP_PARAMETERPROB)
		return -ENOENT;
	inner = (const void *)(ih + 1);
	iihl = inner->ihl * 4;
	if (inner->version != 4 || iihl < sizeof(*inner) ||
	    (inner->protocol != IPPROTO_TCP && inner->protocol != IPPROTO_UDP) ||
	    (inner->frag_off & htons(IP_OFFSET)))
		return -ENOENT;
	need = ihl + sizeof(struct icmphdr) + iihl + 4;
	if (len < need || !pskb_may_pull(skb, need))
		return -ENOENT;
	iph = ip_hdr(skb);
	inner = (const void *)((u8 *)iph + ihl + sizeof(struct icmphdr));
	if (inner->saddr != iph->daddr)
		return -ENOENT;
	p = (__be16 *)((u8 *)inner + iihl);
	kp = (__be16 *)&key->ports;
	key->saddr = inner->daddr;
	key->daddr = inner->saddr;
	key->proto = inner->protocol;
	kp[0] = p[1];		/* the client's port */
	kp[1] = p[0];		/* the VIP's */
	return 0;
}

static bool nlbs_too_big(const struct sk_buff *skb, const struct net_device *out)
{
	if (skb->len <= out->mtu)
		return false;
	return !skb_is_gso(skb) || !skb_gso_validate_network_len(skb, out->mtu);
}

static unsigned int nlbs_ipv4_rcv(struct nlbs_instance *inst,
				  struct sk_buff *skb)
{
	struct nlbs_flow_key key = {};
	struct nlbs_service *svc;
	struct nlbs_vip *vip;
	struct nlbs_server *srv;
	struct net_device *out;
	struct nlbs_table *tbl;
	const struct iphdr *iph;
	unsigned int ihl, len;
	bool drop, ported = false, icmp = false;
	u8 pkt = 0;

	if (skb->pkt_type != PACKET_HOST || skb_vlan_tag_present(skb) ||
	    !READ_ONCE(inst->nservices))
		return NF_ACCEPT;
	if (!pskb_may_pull(skb, sizeof(*iph)))
		goto malformed;
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	/* A cheap filter first: most traffic on the access side is not ours. */
	vip = nlbs_vip_lookup_rcu(inst, iph->daddr);
	if (!vip)
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

	key.saddr = iph->saddr;
	key.daddr = iph->daddr;
	key.proto = iph->protocol;
	if (!ip_is_fragment(iph)) {
		if (iph->protocol == IPPROTO_TCP || iph->protocol == IPPROTO_UDP) {
			if (nlbs_ports(skb, ihl, len, &key, &pkt))
				goto malformed;
			ported = true;
		} else if (iph->protocol == IPPROTO_ICMP &&
			   !nlbs_icmp_key(skb, ihl, len, &key)) {
			ported = true;
			icmp = true;
		}
		iph = ip_hdr(skb);
	}

	/* Fragments carry no ports: only the whole-VIP service takes them. */
	svc = nlbs_vip_service_rcu(inst, vip, ported ? key.proto : 0,
				   ported ? ntohs(((__be16 *)&key.ports)[1]) : 0);
	tbl = svc ? rcu_dereference(svc->table) : NULL;
	out = rcu_dereference(inst->server_dev);
	if (!svc || !out)
		goto no_server;

	if (ported) {
		srv = nlbs_flow_pick(inst, svc, tbl, &key,
				     icmp ? NLBS_PKT_ERROR : pkt, &drop);
		if (drop) {
			nlbs_stat_inc(inst, NLBS_STATS_A_DROP_NODEST);
			return NF_DROP;
		}
	} else {
		/* Fragments and other protocols: addresses and protocol. */
		srv = tbl ? nlbs_table_lookup(tbl,
					      nlbs_flow_hash(key.saddr,
							     key.daddr,
							     key.proto, 0,
							     READ_ONCE(inst->seed))) :
			    NULL;
	}
	if (!srv)
		goto no_server;
	if (nlbs_too_big(skb, out)) {
		nlbs_stat_inc(inst, NLBS_STATS_A_DROP_TOOBIG);
		return NF_DROP;
	}
	if (icmp)
		nlbs_stat_inc(inst, NLBS_STATS_A_ICMP_FORWARDED);

	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb) {
		nlbs_stat_inc(inst, NLBS_STATS_A_DROP_XMIT);
		return NF_STOLEN;
	}
	nlbs_fwd(inst, skb, out, srv);
	return NF_STOLEN;

no_server:
	nlbs_stat_inc(inst, NLBS_STATS_A_DROP_NO_SERVER);
	return NF_DROP;
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
