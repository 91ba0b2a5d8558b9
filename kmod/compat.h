/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version shims. Force-included into every file of the module so the
 * code itself never tests LINUX_VERSION_CODE.
 */
#ifndef _NLBS_COMPAT_H
#define _NLBS_COMPAT_H

#include <linux/version.h>

#endif /* _NLBS_COMPAT_H */
