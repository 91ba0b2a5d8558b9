/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * nlbs_nl_io: a handle on functions instead of a netlink socket, for the
 * unit tests of the receive path (tools/tests). Not for the tools.
 */
#ifndef NLBS_NL_IO_H
#define NLBS_NL_IO_H

#include <sys/types.h>

#include "nlbs_nl.h"

struct nlbs_nl_io {
	/* One request (nlmsg_seq set), as sendto(2): bytes or -1 and errno. */
	ssize_t (*send)(void *ctx, const void *buf, size_t len);
	/* One datagram of replies, as recvfrom(2): bytes or -1 and errno. */
	ssize_t (*recv)(void *ctx, void *buf, size_t len);
	void *ctx;
	/* What nlbs_nl_portid() reports: a fake kernel stamps the events a
	 * request causes with it (nlmsg_pid). Replies are not checked for it. */
	uint32_t portid;
};

/* A handle bound to family id `family` (no nlctrl) whose requests go to
 * io->send and replies come from io->recv; replies are not checked for a
 * port id (nlbs_nl_portid() is io->portid). It knows no multicast group: nlbs_nl_join_events() and
 * nlbs_nl_join_flows() are -ENOENT; nlbs_nl_fd() must not be used on it.
 * NULL if out of memory. */
struct nlbs_nl *nlbs_nl_open_io(const struct nlbs_nl_io *io, uint16_t family);

#endif /* NLBS_NL_IO_H */
