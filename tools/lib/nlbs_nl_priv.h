/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * nlbs_nl_priv: between the files of libnlbs only, not for its users.
 */
#ifndef NLBS_NL_PRIV_H
#define NLBS_NL_PRIV_H

#include "nlbs_nl.h"

/* Make *err the handle's last error again (after later requests reset it). */
void nlbs_nl_set_error(struct nlbs_nl *nl, const struct nlbs_nl_error *err);

#endif /* NLBS_NL_PRIV_H */
