/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version shims. Force-included into every file of the module so the
 * code itself never tests kernel versions. Each shim is keyed on the feature,
 * not on a version number.
 */
#ifndef _NLBS_COMPAT_H
#define _NLBS_COMPAT_H

#include <net/genetlink.h>

/* Multicast join permission flags (upstream 6.7, backported to 6.1.y). */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#define GENL_MCAST_CAP_NET_ADMIN	0
#endif

#endif /* _NLBS_COMPAT_H */
