// SPDX-License-Identifier: GPL-2.0
/*
 * Neighbour discovery for the IPv6 NLBS address, the twin of arp.c: only
 * the active NLB answers a Neighbor Solicitation for it, with a Neighbor
 * Advertisement (solicited, override) carrying the access device's MAC; on
 * becoming active it sends unsolicited advertisements (override) to all
 * nodes, with the gratuitous ARPs and as many of them, so that the
 * firewalls' neighbour caches flip to its MAC. The address is never
 * configured on an interface: solicitations and advertisements about it
 * are consumed here in every state, so a standby stays silent and the
 * local stack never learns the address at a foreign MAC.
 *
 * The kernel's ndisc_send_na() is not exported: the advertisement is built
 * here, as RFC 4861 section 7.2.4 describes it.
 */
#include <linux/icmpv6.h>
#include <net/addrconf.h>
#include <net/ip6_checksum.h>
#include <net/ndisc.h>
#include "ndisc.h"
#include "stats.h"

/* An Ethernet link-layer address option: type, length 1 (8 bytes), MAC. */
#define NLBS_ND_OPT_LEN		8

static const u8 nlbs_allnodes_mac[ETH_ALEN] = { 0x33, 0x33, 0, 0, 0, 1 };

/*
 * RTNL held: join (@add) or leave the solicited-node group of the NLBS
 * address on @dev. Joined through the IPv6 stack, which sends the MLD
 * reports that snooping switches and bridges need before they forward a
 * solicitation to us (and programs the device's filter); a device without
 * IPv6 gets the filter alone. Only what was joined is left: the filter is
 * refcounted and may be shared with an address of the host's own.
 */
void nlbs_ndisc_mc(struct nlbs_instance *inst, struct net_device *dev,
		   bool add)
{
	struct in6_addr maddr;
	char mac[MAX_ADDR_LEN];

	if (!dev || ipv6_addr_any(&inst->nlbs_addr6))
		return;
	addrconf_addr_solict_mult(&inst->nlbs_addr6, &maddr);
	ipv6_eth_mc_map(&maddr, mac);
	if (!add) {
		if (inst->nd_mc == NLBS_ND_MC_STACK)
			ipv6_dev_mc_dec(dev, &maddr);
		else if (inst->nd_mc == NLBS_ND_MC_FILTER)
			dev_mc_del(dev, mac);
		inst->nd_mc = NLBS_ND_MC_NONE;
		return;
	}
	if (inst->nd_mc != NLBS_ND_MC_NONE)
		return;
	if (!ipv6_dev_mc_inc(dev, &maddr))
		inst->nd_mc = NLBS_ND_MC_STACK;
	else if (!dev_mc_add(dev, mac))
		inst->nd_mc = NLBS_ND_MC_FILTER;
	else
		pr_warn_ratelimited("%s: cannot join the solicited-node group of the NLBS address\n",
				    dev->name);
}

static struct sk_buff *nlbs_na_build(struct net_device *dev,
				     const struct in6_addr *target,
				     const struct in6_addr *daddr,
				     const u8 *dmac, bool solicited)
{
	unsigned int plen = sizeof(struct nd_msg) + NLBS_ND_OPT_LEN;
	struct ipv6hdr *ip6h;
	struct sk_buff *skb;
	struct nd_msg *msg;

	skb = alloc_skb(LL_RESERVED_SPACE(dev) + sizeof(*ip6h) + plen +
			dev->needed_tailroom, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, LL_RESERVED_SPACE(dev));
	skb_reset_network_header(skb);
	ip6h = skb_put(skb, sizeof(*ip6h));
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->payload_len = htons(plen);
	ip6h->nexthdr = IPPROTO_ICMPV6;
	ip6h->hop_limit = 255;
	ip6h->saddr = *target;
	ip6h->daddr = *daddr;

	skb_set_transport_header(skb, sizeof(*ip6h));
	msg = skb_put_zero(skb, plen);
	msg->icmph.icmp6_type = NDISC_NEIGHBOUR_ADVERTISEMENT;
	msg->icmph.icmp6_solicited = solicited;
	msg->icmph.icmp6_override = 1;
	msg->target = *target;
	msg->opt[0] = ND_OPT_TARGET_LL_ADDR;
	msg->opt[1] = NLBS_ND_OPT_LEN >> 3;
	ether_addr_copy(&msg->opt[2], dev->dev_addr);
	msg->icmph.icmp6_cksum = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr,
						 plen, IPPROTO_ICMPV6,
						 csum_partial(msg, plen, 0));

	skb->protocol = htons(ETH_P_IPV6);
	skb->dev = dev;
	if (dev_hard_header(skb, dev, ETH_P_IPV6, dmac, dev->dev_addr,
			    skb->len) < 0) {
		kfree_skb(skb);
		return NULL;
	}
	return skb;
}

/*
 * The link-layer address option of type @type in the options of a
 * pulled NS or NA (@opt, @len bytes), or NULL. -EINVAL: a malformed option
 * list (an option of length 0 or running past the end).
 */
static int nlbs_nd_lladdr(const u8 *opt, unsigned int len, u8 type,
			  const u8 **lladdr)
{
	*lladdr = NULL;
	while (len) {
		unsigned int olen;

		if (len < 2 || !opt[1] || opt[1] * 8 > len)
			return -EINVAL;
		olen = opt[1] * 8;
		if (opt[0] == type) {
			if (olen < 2 + ETH_ALEN)
				return -EINVAL;
			*lladdr = opt + 2;
		}
		opt += olen;
		len -= olen;
	}
	return 0;
}

/*
 * An NS or NA behind extension headers (RFC 6980 has nodes drop NDP with a
 * fragment header; the stack accepts other headers): one about the NLBS
 * address is dropped as malformed, so that the stack never sees it.
 */
static bool nlbs_ndisc_exthdr(struct nlbs_instance *inst, struct sk_buff *skb,
			      const struct in6_addr *nlbs6,
			      unsigned int *verdict)
{
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;
	struct nd_msg _msg;
	const struct nd_msg *msg;
	__be16 frag_off;
	int off;

	if (!ipv6_ext_hdr(nexthdr) || nexthdr == NEXTHDR_NONE)
		return false;
	off = ipv6_skip_exthdr(skb, sizeof(struct ipv6hdr), &nexthdr, &frag_off);
	if (off < 0 || nexthdr != IPPROTO_ICMPV6 || (frag_off & htons(~0x7)))
		return false;
	msg = skb_header_pointer(skb, off, sizeof(_msg), &_msg);
	if (!msg || (msg->icmph.icmp6_type != NDISC_NEIGHBOUR_SOLICITATION &&
		     msg->icmph.icmp6_type != NDISC_NEIGHBOUR_ADVERTISEMENT))
		return false;
	if (!ipv6_addr_equal(&msg->target, nlbs6) &&
	    !ipv6_addr_equal(&ipv6_hdr(skb)->saddr, nlbs6))
		return false;
	nlbs_stat_inc(inst, NLBS_STATS_A_DROP_MALFORMED);
	*verdict = NF_DROP;
	return true;
}

/*
 * Ingress hook, RCU read side, BH disabled; the IPv6 header is pulled.
 * Returns false for a frame that is not about the NLBS address (it goes
 * on as any IPv6 datagram), true with *verdict set for one that is.
 */
bool nlbs_ndisc_rcv(struct nlbs_instance *inst, struct sk_buff *skb,
		    unsigned int *verdict)
{
	unsigned int thoff = sizeof(struct ipv6hdr), plen;
	struct net_device *dev = skb->dev;
	const struct ipv6hdr *ip6h;
	const struct nd_msg *msg;
	struct in6_addr nlbs6, daddr;
	const u8 *lladdr, *dmac;
	struct sk_buff *reply;
	bool claim, dad;
	int err;
	u8 type;

	nlbs_addr6_read(inst, &nlbs6);
	ip6h = ipv6_hdr(skb);
	if (ipv6_addr_any(&nlbs6))
		return false;
	if (ip6h->nexthdr != IPPROTO_ICMPV6)
		return nlbs_ndisc_exthdr(inst, skb, &nlbs6, verdict);
	if (!pskb_may_pull(skb, thoff + sizeof(*msg)))
		return false;
	ip6h = ipv6_hdr(skb);
	msg = (const struct nd_msg *)(ip6h + 1);
	type = msg->icmph.icmp6_type;
	if (type != NDISC_NEIGHBOUR_SOLICITATION &&
	    type != NDISC_NEIGHBOUR_ADVERTISEMENT)
		return false;
	claim = ipv6_addr_equal(&ip6h->saddr, &nlbs6);
	if (!claim && !ipv6_addr_equal(&msg->target, &nlbs6))
		return false;

	*verdict = NF_DROP;
	/* RFC 4861 7.1.1 and 7.1.2, and a valid checksum. */
	plen = ntohs(ip6h->payload_len);
	if (ip6h->version != 6 || ip6h->hop_limit != 255 ||
	    msg->icmph.icmp6_code || plen < sizeof(*msg) ||
	    thoff + plen > skb->len || !pskb_may_pull(skb, thoff + plen))
		goto malformed;
	ip6h = ipv6_hdr(skb);
	msg = (const struct nd_msg *)(ip6h + 1);
	if (csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, plen, IPPROTO_ICMPV6,
			    csum_partial(msg, plen, 0)))
		goto malformed;
	if (nlbs_nd_lladdr(msg->opt, plen - sizeof(*msg),
			   type == NDISC_NEIGHBOUR_SOLICITATION ?
			   ND_OPT_SOURCE_LL_ADDR : ND_OPT_TARGET_LL_ADDR,
			   &lladdr))
		goto malformed;
	dad = ipv6_addr_any(&ip6h->saddr);
	if (type == NDISC_NEIGHBOUR_SOLICITATION && dad) {
		struct in6_addr snm;

		/* RFC 4861 7.1.1: no source option, to the solicited node */
		addrconf_addr_solict_mult(&nlbs6, &snm);
		if (lladdr || !ipv6_addr_equal(&ip6h->daddr, &snm))
			goto malformed;
	}

	/* Our own advertisement seen again: nobody else's claim. */
	if (ether_addr_equal(eth_hdr(skb)->h_source, dev->dev_addr) ||
	    (lladdr && ether_addr_equal(lladdr, dev->dev_addr)))
		return true;

	/*
	 * Someone else claims the NLBS address (advertises it, or solicits
	 * with it as source): counted while we hold it, never passed on.
	 */
	if (claim || type == NDISC_NEIGHBOUR_ADVERTISEMENT) {
		if (READ_ONCE(inst->state) == NLBS_STATE_ACTIVE)
			nlbs_stat_inc(inst, NLBS_STATS_A_NDP_CONFLICTS);
		return true;
	}

	nlbs_stat_inc(inst, NLBS_STATS_A_NDP_SOLICITS);
	if (READ_ONCE(inst->state) != NLBS_STATE_ACTIVE ||
	    skb->pkt_type == PACKET_OTHERHOST)
		return true;

	/* A duplicate address probe is answered to all nodes (7.2.4). */
	if (dad) {
		daddr = (struct in6_addr)IN6ADDR_LINKLOCAL_ALLNODES_INIT;
		dmac = nlbs_allnodes_mac;
	} else {
		daddr = ip6h->saddr;
		dmac = lladdr ?: eth_hdr(skb)->h_source;
	}
	reply = nlbs_na_build(dev, &nlbs6, &daddr, dmac, !dad);
	err = reply ? dev_queue_xmit(reply) : -ENOMEM;
	/* net_xmit_eval() evaluates its argument twice: never a call */
	if (net_xmit_eval(err)) {
		nlbs_stat_inc(inst, NLBS_STATS_A_DROP_XMIT);
		return true;
	}
	nlbs_stat_inc(inst, NLBS_STATS_A_NDP_ADVERTS);
	consume_skb(skb);
	*verdict = NF_STOLEN;
	return true;

malformed:
	nlbs_stat_inc(inst, NLBS_STATS_A_DROP_MALFORMED);
	return true;
}

/* The announcement work (arp.c), RTNL held: to all nodes, override set. */
void nlbs_una_send(struct nlbs_instance *inst)
{
	static const struct in6_addr allnodes = IN6ADDR_LINKLOCAL_ALLNODES_INIT;
	struct net_device *dev = inst->access_dev;
	struct in6_addr nlbs6;
	struct sk_buff *skb;
	int err = -ENOMEM;

	nlbs_addr6_read(inst, &nlbs6);
	if (ipv6_addr_any(&nlbs6))
		return;
	skb = nlbs_na_build(dev, &nlbs6, &allnodes, nlbs_allnodes_mac, false);
	local_bh_disable();
	if (skb)
		err = dev_queue_xmit(skb);
	err = net_xmit_eval(err);
	nlbs_stat_inc(inst, !err ?
			    NLBS_STATS_A_NDP_UNSOLICITED : NLBS_STATS_A_DROP_XMIT);
	local_bh_enable();
}
