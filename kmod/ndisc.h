/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NLBS_NDISC_H
#define _NLBS_NDISC_H

#include <net/ipv6.h>
#include "core.h"

/*
 * The IPv6 NLBS address changes under RTNL while the instance is not
 * active, and the packet path reads it in every state: word by word, so
 * that neither side races (a read during a change sees a mix of the two
 * addresses for one frame at worst, and that frame is not answered).
 */
static inline void nlbs_addr6_read(const struct nlbs_instance *inst,
				   struct in6_addr *addr)
{
	int i;

	for (i = 0; i < 4; i++)
		addr->s6_addr32[i] = READ_ONCE(inst->nlbs_addr6.s6_addr32[i]);
}

static inline void nlbs_addr6_write(struct nlbs_instance *inst,
				    const struct in6_addr *addr)
{
	int i;

	for (i = 0; i < 4; i++)
		WRITE_ONCE(inst->nlbs_addr6.s6_addr32[i], addr->s6_addr32[i]);
}

bool nlbs_ndisc_rcv(struct nlbs_instance *inst, struct sk_buff *skb,
		    unsigned int *verdict);

/* How the solicited-node group of the NLBS address was joined (nd_mc). */
enum {
	NLBS_ND_MC_NONE,
	NLBS_ND_MC_STACK,	/* ipv6_dev_mc_inc(): MLD reports and the filter */
	NLBS_ND_MC_FILTER,	/* dev_mc_add() only: the device has no IPv6 */
};

void nlbs_ndisc_mc(struct nlbs_instance *inst, struct net_device *dev,
		   bool add);
void nlbs_una_send(struct nlbs_instance *inst);

#endif /* _NLBS_NDISC_H */
