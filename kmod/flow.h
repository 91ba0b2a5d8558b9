/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NLBS_FLOW_H
#define _NLBS_FLOW_H

#include "core.h"

int nlbs_flows_init(struct nlbs_instance *inst);
void nlbs_flows_exit(struct nlbs_instance *inst);
void nlbs_flow_gc_work(struct work_struct *work);

/* Fast path, RCU read side. */
struct nlbs_server *nlbs_flow_get(struct nlbs_instance *inst,
				  const struct nlbs_service *svc, __be32 saddr,
				  __be32 daddr, __be32 ports, u8 proto);
void nlbs_flow_add(struct nlbs_instance *inst, __be32 saddr, __be32 daddr,
		   __be32 ports, u8 proto, struct nlbs_server *srv, bool renew);

int nlbs_flow_dump(struct sk_buff *skb, struct netlink_callback *cb,
		   struct nlbs_instance *inst,
		   void *(*put_hdr)(struct sk_buff *skb,
				    struct netlink_callback *cb));

void nlbs_server_put(struct nlbs_server *srv);

int nlbs_flows_module_init(void);
void nlbs_flows_module_exit(void);

#endif /* _NLBS_FLOW_H */
