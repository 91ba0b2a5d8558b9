/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NLBS_FWD_H
#define _NLBS_FWD_H

#include "core.h"

void nlbs_fwd(struct nlbs_instance *inst, struct sk_buff *skb,
	      struct net_device *dev, struct nlbs_server *srv);

#endif /* _NLBS_FWD_H */
