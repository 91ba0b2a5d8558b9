/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: health probes (TCP connect, HTTP GET, DNS over UDP, ICMP echo),
 * non-blocking, driven by the event loop, and the checker around them that
 * schedules them and applies rise/fall.
 */
#ifndef NLBSD_PROBE_H
#define NLBSD_PROBE_H

#include "config.h"
#include "loop.h"

struct checker;
typedef void (*checker_fn)(struct checker *ck);

struct checker {
	struct check_spec spec;	/* addr and port filled in */
	char label[96];		/* for logs: "server 10.20.0.21 of 198.51.100.10 tcp 80" */

	/* probe in flight */
	struct loop_fd lfd;
	struct timer deadline;
	uint64_t started_ms;
	int phase;
	uint16_t ident;
	bool raw;		/* ICMP over a raw socket */
	char buf[256];
	size_t len;

	struct timer tick;	/* next probe */
	int up;			/* -1 unknown, 0 down, 1 up */
	unsigned int ok_run, fail_run;
	double rt_ewma;		/* ms, -1 until the first success */
	char why[96];		/* last failure */

	checker_fn changed;	/* verdict changed (up <-> down, or first one) */
	void *arg;
};

/* @first_ms: delay of the first probe (spread them). CHECK_NONE: always up. */
void checker_start(struct checker *ck, uint64_t first_ms);
void checker_stop(struct checker *ck);

#endif /* NLBSD_PROBE_H */
