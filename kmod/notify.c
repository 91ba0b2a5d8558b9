// SPDX-License-Identifier: GPL-2.0
/*
 * Message builders shared by replies and events, and the "events"
 * multicast notifications. Builders return -EMSGSIZE when @skb is full.
 */
#include <net/ipv6.h>
#include "flow.h"
#include "notify.h"
#include "stats.h"

/* The flow table settings in force. */
static int nlbs_put_flow_cfg(struct sk_buff *skb, struct nlbs_instance *inst)
{
	const struct nlbs_flow_cfg *c = &inst->flow_cfg;
	u32 def = nlbs_flow_timeout_default();

	if (nla_put_u32(skb, NLBS_A_FLOW_MAX, nlbs_flow_max(inst)) ||
	    nla_put_u32(skb, NLBS_A_FLOW_TIMEOUT_TCP, c->timeout_tcp ?: def) ||
	    nla_put_u32(skb, NLBS_A_FLOW_TIMEOUT_TCP_FIN,
			c->timeout_tcp_fin ?: NLBS_FLOW_TIMEOUT_FIN) ||
	    nla_put_u32(skb, NLBS_A_FLOW_TIMEOUT_UDP, c->timeout_udp ?: def) ||
	    nla_put_u32(skb, NLBS_A_FLOW_TIMEOUT_SYN,
			c->timeout_syn ?: NLBS_FLOW_TIMEOUT_SYN))
		return -EMSGSIZE;
	return 0;
}

/* Caller holds RTNL (or the RCU read lock for server_dev). */
int nlbs_put_config(struct sk_buff *skb, struct nlbs_instance *inst, bool admin)
{
	struct net_device *server = rtnl_dereference(inst->server_dev);
	struct net_device *access = inst->access_dev;

	if ((access &&
	     (nla_put_u32(skb, NLBS_A_ACCESS_IFINDEX, access->ifindex) ||
	      nla_put_string(skb, NLBS_A_ACCESS_IFNAME, access->name))) ||
	    (server &&
	     (nla_put_u32(skb, NLBS_A_SERVER_IFINDEX, server->ifindex) ||
	      nla_put_string(skb, NLBS_A_SERVER_IFNAME, server->name))) ||
	    (inst->nlbs_addr &&
	     nla_put_in_addr(skb, NLBS_A_NLBS_ADDR_BE, inst->nlbs_addr)) ||
	    (!ipv6_addr_any(&inst->nlbs_addr6) &&
	     nla_put_in6_addr(skb, NLBS_A_NLBS_ADDR6, &inst->nlbs_addr6)) ||
	    nla_put_u32(skb, NLBS_A_GARP_COUNT, inst->garp_count) ||
	    nla_put_u32(skb, NLBS_A_GARP_INTERVAL, inst->garp_interval) ||
	    (admin && nla_put_u32(skb, NLBS_A_HASH_SEED, inst->seed)))
		return -EMSGSIZE;
	return nlbs_put_flow_cfg(skb, inst);
}

int nlbs_put_state(struct sk_buff *skb, struct nlbs_instance *inst, bool admin)
{
	if (nla_put_u8(skb, NLBS_A_STATE, inst->state) ||
	    (inst->lease_ms && inst->state == NLBS_STATE_ACTIVE &&
	     nla_put_u32(skb, NLBS_A_LEASE_MS,
			 jiffies_to_msecs(max_t(long, 0, inst->lease_expires -
							 jiffies)))))
		return -EMSGSIZE;
	return 0;
}

/* The IPv4 attribute @type4 or the IPv6 one @type6, as @family says. */
int nlbs_put_addr(struct sk_buff *skb, u16 type4, u16 type6, u8 family,
		  const union nf_inet_addr *addr)
{
	if (family == AF_INET)
		return nla_put_in_addr(skb, type4, addr->ip);
	return nla_put_in6_addr(skb, type6, &addr->in6);
}

int nlbs_put_service(struct sk_buff *skb, struct nlbs_service *svc, u8 event)
{
	const struct nlbs_svc_key *key = &svc->key;
	struct nlattr *nest;

	nest = nla_nest_start(skb, NLBS_A_SERVICE);
	if (!nest)
		return -EMSGSIZE;
	if (nlbs_put_addr(skb, NLBS_SVC_A_VIP_BE, NLBS_SVC_A_VIP6, key->family,
			  &key->vip) ||
	    nla_put_u8(skb, NLBS_SVC_A_PROTO, key->proto) ||
	    (key->proto && nla_put_u16(skb, NLBS_SVC_A_PORT, key->port)) ||
	    nla_put_u32(skb, NLBS_SVC_A_SERVERS, svc->nservers) ||
	    nla_put_u32(skb, NLBS_SVC_A_TABLE_SIZE, svc->table_size) ||
	    nla_put_u8(skb, NLBS_SVC_A_NODEST, svc->nodest) ||
	    (event && nla_put_u8(skb, NLBS_SVC_A_EVENT, event))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

int nlbs_put_server(struct sk_buff *skb, struct nlbs_server *srv, u8 event,
		    unsigned int what)
{
	struct nlattr *nest;
	u64 packets, bytes, new_flows;

	nest = nla_nest_start(skb, NLBS_A_SERVER);
	if (!nest)
		return -EMSGSIZE;
	if (nlbs_put_addr(skb, NLBS_SRV_A_ADDR_BE, NLBS_SRV_A_ADDR6,
			  srv->family, &srv->addr) ||
	    nla_put_u32(skb, NLBS_SRV_A_WEIGHT, srv->weight) ||
	    (srv->static_mac && (what & NLBS_SRV_PUT_MAC) &&
	     nla_put(skb, NLBS_SRV_A_MAC, ETH_ALEN, srv->mac)) ||
	    (event && nla_put_u8(skb, NLBS_SRV_A_EVENT, event)))
		goto cancel;
	if (what & NLBS_SRV_PUT_STATS) {
		nlbs_server_stats_read(srv, &packets, &bytes, &new_flows);
		if (nla_put_u64_64bit(skb, NLBS_SRV_A_PACKETS, packets,
				      NLBS_SRV_A_PAD) ||
		    nla_put_u64_64bit(skb, NLBS_SRV_A_BYTES, bytes,
				      NLBS_SRV_A_PAD) ||
		    nla_put_u32(skb, NLBS_SRV_A_ACTIVE_FLOWS,
				max(atomic_read(&srv->active_flows), 0)) ||
		    nla_put_u64_64bit(skb, NLBS_SRV_A_NEW_FLOWS, new_flows,
				      NLBS_SRV_A_PAD))
			goto cancel;
	}
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int nlbs_put_stats(struct sk_buff *skb, struct nlbs_instance *inst, bool admin)
{
	u64 v[__NLBS_STATS_A_MAX];
	struct nlattr *nest;
	int i;

	nlbs_stats_read(inst, v);
	v[NLBS_STATS_A_FLOWS] = nlbs_flow_count(inst);	/* a gauge */
	nest = nla_nest_start(skb, NLBS_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = NLBS_STATS_A_RX; i <= NLBS_STATS_A_MAX; i++) {
		if (i == NLBS_STATS_A_PAD)
			continue;
		if (nla_put_u64_64bit(skb, i, v[i], NLBS_STATS_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static struct sk_buff *nlbs_event_new(struct nlbs_instance *inst, u8 cmd,
				      void **hdr)
{
	struct sk_buff *skb;

	if (inst->dying || !genl_has_listeners(&nlbs_genl_family, inst->net, 0))
		return NULL;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	/* The requester's port id, 0 for the kernel's own changes. */
	*hdr = genlmsg_put(skb, inst->req_portid, 0, &nlbs_genl_family, 0,
			   cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static void nlbs_event_send(struct nlbs_instance *inst, struct sk_buff *skb,
			    void *hdr, int err)
{
	if (err) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&nlbs_genl_family, inst->net, skb, 0, 0,
				GFP_KERNEL);
}

void nlbs_notify_state(struct nlbs_instance *inst, const char *reason)
{
	struct sk_buff *skb;
	void *hdr;

	skb = nlbs_event_new(inst, NLBS_CMD_STATE_NTF, &hdr);
	if (skb)
		nlbs_event_send(inst, skb, hdr,
				nlbs_put_state(skb, inst, true) ?:
				nla_put_string(skb, NLBS_A_REASON, reason));
}

void nlbs_notify_service(struct nlbs_instance *inst, struct nlbs_service *svc,
			 u8 event)
{
	struct sk_buff *skb;
	void *hdr;

	skb = nlbs_event_new(inst, NLBS_CMD_SERVICE_NTF, &hdr);
	if (skb)
		nlbs_event_send(inst, skb, hdr,
				nlbs_put_service(skb, svc, event));
}

void nlbs_notify_server(struct nlbs_instance *inst, struct nlbs_service *svc,
			struct nlbs_server *srv, u8 event)
{
	struct sk_buff *skb;
	void *hdr;

	skb = nlbs_event_new(inst, NLBS_CMD_SERVER_NTF, &hdr);
	if (skb)
		nlbs_event_send(inst, skb, hdr,
				nlbs_put_service(skb, svc, 0) ?:
				nlbs_put_server(skb, srv, event, NLBS_SRV_PUT_MAC));
}

void nlbs_notify_device(struct nlbs_instance *inst, struct net_device *dev,
			bool access, const char *reason)
{
	struct sk_buff *skb;
	void *hdr;

	skb = nlbs_event_new(inst, NLBS_CMD_DEVICE_NTF, &hdr);
	if (skb)
		nlbs_event_send(inst, skb, hdr,
				nla_put_u32(skb, access ? NLBS_A_ACCESS_IFINDEX :
						  NLBS_A_SERVER_IFINDEX,
					    dev->ifindex) ?:
				nla_put_string(skb, access ? NLBS_A_ACCESS_IFNAME :
						     NLBS_A_SERVER_IFNAME,
					       dev->name) ?:
				nla_put_string(skb, NLBS_A_REASON, reason));
}
