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
	char label[128];	/* for logs: "server 10.20.0.21 of 198.51.100.10 tcp 80" */

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

	/* waiting for a slot (probe_set_limit()), first come first served */
	struct checker *wnext;
	bool waiting;		/* in the queue */
	bool promised;		/* a slot is kept for its next start */
};

/* @first_ms: delay of the first probe (spread them). CHECK_NONE: always up. */
void checker_start(struct checker *ck, uint64_t first_ms);
void checker_stop(struct checker *ck);

/*
 * Local resources. A probe that fails for lack of them here (EMFILE,
 * ENFILE, ENOBUFS, ENOMEM, no local port, an epoll failure) says nothing
 * of the server: it is "no result", counted and logged (rate-limited),
 * and leaves the verdict and the rise/fall runs alone. At most
 * probe_set_limit() probes are in flight (each holds a socket); one due
 * beyond that waits in a queue, first come first served, for the next slot
 * that frees, also without a result.
 */
void probe_set_limit(unsigned int max_inflight);	/* 0: no limit */
unsigned int probe_inflight(void);
unsigned long probe_no_results(void);	/* probes without a result so far */
unsigned long probe_deferred(void);	/* probes that waited for a slot */

/*
 * A DNS check's reply @r to its query @q: true if it answers it (QR set,
 * the query's id, rcode NOERROR, the same single question); else false,
 * with the reason in @why. Exposed for the tests.
 */
bool probe_dns_reply(const uint8_t *q, size_t qlen, const uint8_t *r, size_t rlen,
		     char *why, size_t whylen);

#endif /* NLBSD_PROBE_H */
