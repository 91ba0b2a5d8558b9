/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NLBS_NETLINK_H
#define _NLBS_NETLINK_H

int nlbs_genl_init(void);
void nlbs_genl_exit(void);

#endif /* _NLBS_NETLINK_H */
