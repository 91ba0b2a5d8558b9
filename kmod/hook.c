// SPDX-License-Identifier: GPL-2.0
/*
 * The ingress hook on the access device (NFPROTO_NETDEV, NF_NETDEV_INGRESS):
 * the original design's forwarding flow chart, per frame.
 *
 *   ARP                         -> arp.c (answer for the NLBS address if active)
 *   NS/NA about the IPv6 NLBS address -> ndisc.c (the same, for IPv6)
 *   IPv4 or IPv6, to our MAC, to a VIP -> not active: drop; else pick a
 *                                  server (sched.c) and rewrite the MAC (fwd.c)
 *   anything else               -> untouched (NF_ACCEPT)
 *
 * VIP traffic is never handed to the local stack. Both families share
 * everything past the header checks: the flow key (flow.h) holds either.
 */
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include "arp.h"
#include "ndisc.h"
#include "flow.h"
#include "fwd.h"
#include "hook.h"
#include "lookup.h"
#include "sched.h"
#include "stats.h"

/*
 * TCP and UDP (key->proto) at @thoff of a datagram of @len bytes: the flow
 * key's ports and what the segment says about the flow.
 */
static int nlbs_ports(struct sk_buff *skb, unsigned int thoff, unsigned int len,
		      struct nlbs_flow_key *key, u8 *pkt)
{
	unsigned int need = key->proto == IPPROTO_TCP ?
			    sizeof(struct tcphdr) : sizeof(struct udphdr);
	const struct tcphdr *th;

	if (len < thoff + need || !pskb_may_pull(skb, thoff + need))
		return -EINVAL;
	th = (const void *)(skb_network_header(skb) + thoff);
	key->ports = *(__be32 *)th;
	*pkt = 0;
	if (key->proto == IPPROTO_TCP) {
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
	key->saddr.ip = inner->daddr;
	key->daddr.ip = inner->saddr;
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

/*
 * ICMPv6 errors, as nlbs_icmp_key() for IPv4: destination unreachable,
 * packet too big, time exceeded and parameter problem quoting a datagram
 * the VIP sent. The quoted datagram's extension headers are walked; a
 * quoted fragment other than the first carries no ports.
 */
static int nlbs_icmp6_key(struct sk_buff *skb, unsigned int thoff,
			  unsigned int len, struct nlbs_flow_key *key)
{
	unsigned int ioff = thoff + sizeof(struct icmp6hdr);
	const struct ipv6hdr *ip6h, *inner;
	const struct icmp6hdr *ih;
	__be16 frag_off, _p[2], *kp;
	const __be16 *p;
	int ithoff;
	u8 nexthdr;

	if (len < ioff + sizeof(*inner) ||
	    !pskb_may_pull(skb, ioff + sizeof(*inner)))
		return -ENOENT;
	ip6h = ipv6_hdr(skb);
	ih = (const void *)(skb_network_header(skb) + thoff);
	if (ih->icmp6_type != ICMPV6_DEST_UNREACH &&
	    ih->icmp6_type != ICMPV6_PKT_TOOBIG &&
	    ih->icmp6_type != ICMPV6_TIME_EXCEED &&
	    ih->icmp6_type != ICMPV6_PARAMPROB)
		return -ENOENT;
	inner = (const void *)(ih + 1);
	if (inner->version != 6 || !ipv6_addr_equal(&inner->saddr, &ip6h->daddr))
		return -ENOENT;
	nexthdr = inner->nexthdr;
	ithoff = ipv6_skip_exthdr(skb, ioff + sizeof(*inner), &nexthdr,
				  &frag_off);
	if (ithoff < 0 || (frag_off & htons(~0x7)) ||
	    (nexthdr != IPPROTO_TCP && nexthdr != IPPROTO_UDP) ||
	    len < ithoff + sizeof(_p))
		return -ENOENT;
	p = skb_header_pointer(skb, ithoff, sizeof(_p), _p);
	if (!p)
		return -ENOENT;
	kp = (__be16 *)&key->ports;
	key->saddr.in6 = inner->daddr;
	key->daddr.in6 = inner->saddr;
	key->proto = nexthdr;
	kp[0] = p[1];		/* the client's port */
	kp[1] = p[0];		/* the VIP's */
	return 0;
}

/*
 * Both families, once the header is checked and the key made: the service,
 * the server (the flow table for TCP and UDP and ICMP errors, Maglev on
 * addresses and protocol for the rest), and the MAC rewrite.
 */
static unsigned int nlbs_vip_rcv(struct nlbs_instance *inst,
				 struct sk_buff *skb, struct nlbs_vip *vip,
				 struct nlbs_flow_key *key, bool ported,
				 bool icmp, u8 pkt)
{
	struct nlbs_service *svc;
	struct nlbs_server *srv;
	struct net_device *out;
	struct nlbs_table *tbl;
	bool drop;

	/* Fragments carry no ports: only the whole-VIP service takes them. */
	svc = nlbs_vip_service_rcu(inst, vip, ported ? key->proto : 0,
				   ported ? ntohs(((__be16 *)&key->ports)[1]) : 0);
	tbl = svc ? rcu_dereference(svc->table) : NULL;
	out = rcu_dereference(inst->server_dev);
	if (!svc || !out)
		goto no_server;

	if (ported) {
		srv = nlbs_flow_pick(inst, svc, tbl, key,
				     icmp ? NLBS_PKT_ERROR : pkt, &drop);
		if (drop) {
			nlbs_stat_inc(inst, NLBS_STATS_A_DROP_NODEST);
			return NF_DROP;
		}
	} else {
		/* Fragments and other protocols: addresses and protocol. */
		srv = tbl ? nlbs_table_lookup(tbl,
					      nlbs_flow_hash(key,
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
}

static unsigned int nlbs_ipv4_rcv(struct nlbs_instance *inst,
				  struct sk_buff *skb)
{
	struct nlbs_flow_key key = { .family = AF_INET };
	const struct iphdr *iph;
	bool ported = false, icmp = false;
	struct nlbs_vip *vip;
	unsigned int ihl, len;
	u8 pkt = 0;

	if (skb->pkt_type != PACKET_HOST || skb_vlan_tag_present(skb) ||
	    !READ_ONCE(inst->nservices))
		return NF_ACCEPT;
	if (!pskb_may_pull(skb, sizeof(*iph)))
		goto malformed;
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	/* A cheap filter first: most traffic on the access side is not ours. */
	key.daddr.ip = iph->daddr;
	vip = nlbs_vip_lookup_rcu(inst, AF_INET, &key.daddr);
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

	key.saddr.ip = iph->saddr;
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
	}
	return nlbs_vip_rcv(inst, skb, vip, &key, ported, icmp, pkt);

malformed:
	nlbs_stat_inc(inst, NLBS_STATS_A_DROP_MALFORMED);
	return NF_DROP;
}

static unsigned int nlbs_ipv6_rcv(struct nlbs_instance *inst,
				  struct sk_buff *skb)
{
	struct nlbs_flow_key key = { .family = AF_INET6 };
	const struct ipv6hdr *ip6h;
	bool ported = false, icmp = false;
	unsigned int len, verdict;
	struct nlbs_vip *vip;
	__be16 frag_off;
	u8 nexthdr, pkt = 0;
	int thoff;

	/* Too short to say whether it is ours: the stack's to judge. */
	if (skb_vlan_tag_present(skb) || !pskb_may_pull(skb, sizeof(*ip6h)))
		return NF_ACCEPT;
	skb_reset_network_header(skb);
	/* NDP for the NLBS address arrives multicast too. */
	if (nlbs_ndisc_rcv(inst, skb, &verdict))
		return verdict;
	if (skb->pkt_type != PACKET_HOST || !READ_ONCE(inst->nservices))
		return NF_ACCEPT;
	ip6h = ipv6_hdr(skb);
	key.daddr.in6 = ip6h->daddr;
	vip = nlbs_vip_lookup_rcu(inst, AF_INET6, &key.daddr);
	if (!vip)
		return NF_ACCEPT;

	nlbs_stat_inc(inst, NLBS_STATS_A_RX);
	len = sizeof(*ip6h) + ntohs(ip6h->payload_len);
	if (ip6h->version != 6 || len > skb->len)
		goto malformed;

	if (READ_ONCE(inst->state) != NLBS_STATE_ACTIVE) {
		nlbs_stat_inc(inst, NLBS_STATS_A_DROP_INACTIVE);
		return NF_DROP;
	}

	key.saddr.in6 = ip6h->saddr;
	nexthdr = ip6h->nexthdr;
	if (nexthdr == NEXTHDR_NONE) {
		/* No Next Header: legal, and without ports */
		key.proto = nexthdr;
		return nlbs_vip_rcv(inst, skb, vip, &key, false, false, pkt);
	}
	thoff = ipv6_skip_exthdr(skb, sizeof(*ip6h), &nexthdr, &frag_off);
	if (thoff < 0 || thoff > len)
		goto malformed;
	if (frag_off) {
		/*
		 * A fragment, the first included: all of a datagram's
		 * fragments hash alike, on the addresses alone.
		 */
		key.proto = NEXTHDR_FRAGMENT;
	} else if (nexthdr == IPPROTO_TCP || nexthdr == IPPROTO_UDP) {
		key.proto = nexthdr;
		if (nlbs_ports(skb, thoff, len, &key, &pkt))
			goto malformed;
		ported = true;
	} else if (nexthdr == IPPROTO_ICMPV6 &&
		   !nlbs_icmp6_key(skb, thoff, len, &key)) {
		ported = true;
		icmp = true;
	} else {
		key.proto = nexthdr;
	}
	return nlbs_vip_rcv(inst, skb, vip, &key, ported, icmp, pkt);

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
	case htons(ETH_P_IPV6):
		return nlbs_ipv6_rcv(inst, skb);
	default:
		return NF_ACCEPT;
	}
}
