/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NLBS_HOOK_H
#define _NLBS_HOOK_H

#include "core.h"

unsigned int nlbs_hook(void *priv, struct sk_buff *skb,
		       const struct nf_hook_state *state);
struct nlbs_service *nlbs_service_lookup_rcu(struct nlbs_instance *inst,
					     __be32 vip, u8 proto, u16 port,
					     bool *is_vip);

static inline u32 nlbs_vip_bucket(__be32 vip)
{
	return hash_32((__force u32)vip, NLBS_SVC_HASH_BITS);
}

#endif /* _NLBS_HOOK_H */
