/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NLBS_FLOW_H
#define _NLBS_FLOW_H

#include "core.h"

#define NLBS_FLOW_TIMEOUT_FIN	10	/* s, after a FIN or RST: default */
#define NLBS_FLOW_TIMEOUT_SYN	10	/* s, a SYN and nothing else: default */

/*
 * A TCP or UDP flow as the client sends it: ports is sport << 16 | dport.
 * Zeroed before it is filled: pad and the unused bytes of an IPv4 address
 * are part of the key.
 */
struct nlbs_flow_key {
	union nf_inet_addr	saddr;
	union nf_inet_addr	daddr;
	__be32			ports;
	u8			proto;
	u8			family;		/* AF_INET or AF_INET6 */
	u16			pad;
};

/* What the packet path saw of a TCP segment, for nlbs_flow_pick(). */
#define NLBS_PKT_SYN	BIT(0)	/* SYN without ACK: a new connection */
#define NLBS_PKT_FIN	BIT(1)	/* FIN or RST from the client */
#define NLBS_PKT_ERROR	BIT(2)	/* ICMP error quoting the flow: look up only */

/* Flows of a VIP, of a service or of a server; zero fields match all. */
struct nlbs_flow_filter {
	union nf_inet_addr	vip;
	union nf_inet_addr	server;
	u8			vip_family;	/* 0: any VIP */
	u8			server_family;	/* 0: any server */
	u8			proto;
	u16			port;
};

int nlbs_flows_init(struct nlbs_instance *inst);
void nlbs_flows_exit(struct nlbs_instance *inst);
void nlbs_flow_gc_work(struct work_struct *work);

/*
 * Fast path, RCU read side: the server of a TCP/UDP flow. A known flow keeps
 * its server; a new one gets Maglev's choice from @tbl (which may be NULL
 * when the service has no eligible server: then only known flows pass) and
 * is remembered (the Maglev hash is computed only then). Returns NULL when
 * there is no server, with *drop set when the flow's removed server holds
 * its flows (nodest drop).
 */
struct nlbs_server *nlbs_flow_pick(struct nlbs_instance *inst,
				   const struct nlbs_service *svc,
				   const struct nlbs_table *tbl,
				   const struct nlbs_flow_key *key,
				   u8 pkt, bool *drop);

/* RTNL held. */
int nlbs_flow_import(struct nlbs_instance *inst, struct nlbs_server *srv,
		     const struct nlbs_flow_key *key, u32 idle_ms, u32 flags);
u32 nlbs_flow_flush(struct nlbs_instance *inst,
		    const struct nlbs_flow_filter *filter);
u32 nlbs_flow_count(struct nlbs_instance *inst);
u32 nlbs_flow_max(const struct nlbs_instance *inst);
u32 nlbs_flow_timeout_default(void);

int nlbs_flow_dump(struct sk_buff *skb, struct netlink_callback *cb,
		   struct nlbs_instance *inst,
		   const struct nlbs_flow_filter *filter,
		   void *(*put_hdr)(struct sk_buff *skb,
				    struct netlink_callback *cb));

void nlbs_server_put(struct nlbs_server *srv);

int nlbs_flows_module_init(void);
void nlbs_flows_module_exit(void);

#endif /* _NLBS_FLOW_H */
