/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NLBS_ARP_H
#define _NLBS_ARP_H

#include "core.h"

unsigned int nlbs_arp_rcv(struct nlbs_instance *inst, struct sk_buff *skb);
void nlbs_garp_work(struct work_struct *work);
void nlbs_garp_start(struct nlbs_instance *inst);
void nlbs_garp_stop(struct nlbs_instance *inst);

#endif /* _NLBS_ARP_H */
