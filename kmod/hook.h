/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NLBS_HOOK_H
#define _NLBS_HOOK_H

#include "core.h"

unsigned int nlbs_hook(void *priv, struct sk_buff *skb,
		       const struct nf_hook_state *state);

#endif /* _NLBS_HOOK_H */
