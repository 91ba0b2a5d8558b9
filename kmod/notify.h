/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NLBS_NOTIFY_H
#define _NLBS_NOTIFY_H

#include <net/genetlink.h>
#include "core.h"

extern struct genl_family nlbs_genl_family;

/* Index of each multicast group in nlbs_genl_family.mcgrps. */
#define NLBS_MCGRP_EVENTS_ID	0
#define NLBS_MCGRP_FLOWS_ID	1

/* @admin: the reader may see the hash seed and the servers' MACs. */
int nlbs_put_config(struct sk_buff *skb, struct nlbs_instance *inst,
		    bool admin);
int nlbs_put_state(struct sk_buff *skb, struct nlbs_instance *inst,
		   bool admin);
int nlbs_put_addr(struct sk_buff *skb, u16 type4, u16 type6, u8 family,
		  const union nf_inet_addr *addr);
int nlbs_put_service(struct sk_buff *skb, struct nlbs_service *svc, u8 event);
#define NLBS_SRV_PUT_STATS	BIT(0)
#define NLBS_SRV_PUT_MAC	BIT(1)
int nlbs_put_server(struct sk_buff *skb, struct nlbs_server *srv, u8 event,
		    unsigned int what);
int nlbs_put_stats(struct sk_buff *skb, struct nlbs_instance *inst,
		   bool admin);

void nlbs_notify_state(struct nlbs_instance *inst, const char *reason);
void nlbs_notify_service(struct nlbs_instance *inst, struct nlbs_service *svc,
			 u8 event);
void nlbs_notify_server(struct nlbs_instance *inst, struct nlbs_service *svc,
			struct nlbs_server *srv, u8 event);
void nlbs_notify_device(struct nlbs_instance *inst, struct net_device *dev,
			bool access, const char *reason);

#endif /* _NLBS_NOTIFY_H */
