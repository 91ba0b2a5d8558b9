/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NLBS_INSTANCE_H
#define _NLBS_INSTANCE_H

#include "core.h"
#include "lookup.h"

/* A validated CONFIG_SET request; only the fields with set_* are applied. */
struct nlbs_config {
	struct net_device	*access;
	struct net_device	*server;
	__be32			addr;
	struct in6_addr		addr6;
	u32			garp_count;
	u32			garp_interval;
	u32			seed;
	bool			set_access;
	bool			set_server;
	bool			set_addr;
	bool			set_addr6;
	bool			set_garp_count;
	bool			set_garp_interval;
	bool			set_seed;
	bool			set_flow_max;
	struct nlbs_flow_cfg	flow;		/* timeouts: 0 leaves them */
};

void nlbs_net_exit(struct net *net);

/* All of the following run under RTNL. */
int nlbs_config_set(struct nlbs_instance *inst, const struct nlbs_config *cfg,
		    struct netlink_ext_ack *extack);
int nlbs_state_set(struct nlbs_instance *inst, u8 state, u32 lease_ms,
		   bool announce, struct netlink_ext_ack *extack);

int nlbs_service_add(struct nlbs_instance *inst,
		     const struct nlbs_svc_key *key, u32 table_size, u8 nodest,
		     struct netlink_ext_ack *extack);
void nlbs_service_set_nodest(struct nlbs_instance *inst,
			     struct nlbs_service *svc, u8 nodest);
void nlbs_service_del(struct nlbs_instance *inst, struct nlbs_service *svc);

int nlbs_server_add(struct nlbs_instance *inst, struct nlbs_service *svc,
		    const union nf_inet_addr *addr, u32 weight, const u8 *mac,
		    bool defer,
		    struct netlink_ext_ack *extack);
void nlbs_server_set_weight(struct nlbs_instance *inst,
			    struct nlbs_service *svc, struct nlbs_server *srv,
			    u32 weight, bool defer);
void nlbs_server_del(struct nlbs_instance *inst, struct nlbs_service *svc,
		     struct nlbs_server *srv, bool defer);
int nlbs_rebuild_all(struct nlbs_instance *inst);	/* without RTNL */
void nlbs_instance_stats_reset(struct nlbs_instance *inst);

extern struct notifier_block nlbs_netdev_notifier;

#endif /* _NLBS_INSTANCE_H */
