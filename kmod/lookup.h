/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NLBS_LOOKUP_H
#define _NLBS_LOOKUP_H

#include "core.h"

int nlbs_lookup_init(struct nlbs_instance *inst);
void nlbs_lookup_destroy(struct nlbs_instance *inst);

/* Fast path, RCU read side: is @addr a VIP at all? One hash lookup. */
struct nlbs_vip *nlbs_vip_lookup_rcu(struct nlbs_instance *inst, u8 family,
				     const union nf_inet_addr *addr);

/*
 * The service of a datagram to @vip: the exact (proto, port) service, else
 * the whole-VIP one, else NULL. @proto 0 asks for the whole-VIP service.
 */
struct nlbs_service *nlbs_vip_service_rcu(struct nlbs_instance *inst,
					  struct nlbs_vip *vip, u8 proto,
					  u16 port);

/* RTNL held. */
struct nlbs_service *nlbs_service_find(struct nlbs_instance *inst,
				       const struct nlbs_svc_key *key);
int nlbs_service_link(struct nlbs_instance *inst, struct nlbs_service *svc);
void nlbs_service_unlink(struct nlbs_instance *inst, struct nlbs_service *svc);
struct nlbs_server *nlbs_server_find(struct nlbs_instance *inst,
				     struct nlbs_service *svc,
				     const union nf_inet_addr *addr);
int nlbs_server_link(struct nlbs_instance *inst, struct nlbs_server *srv);
void nlbs_server_unlink(struct nlbs_instance *inst, struct nlbs_server *srv);

#endif /* _NLBS_LOOKUP_H */
