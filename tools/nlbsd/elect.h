/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: the election, as a pure function of what the node knows.
 */
#ifndef NLBSD_ELECT_H
#define NLBSD_ELECT_H

#include <stdbool.h>
#include <stdint.h>

#include "nlbsd.h"

struct elect_in {
	int self;		/* enum nlbsd_state */
	bool healthy;		/* reachability targets and devices fine */
	bool unproven;		/* healthy, but a reachability verdict is pending */
	uint8_t prio;
	uint32_t addr;		/* host order, tie-break: lower wins */
	bool preempt;
	bool preempt_delay_over; /* we have wanted to preempt for preempt-delay */
	bool resync_pending;	/* a full flow resync from the active peer is due
				 * and its bounded wait is not over (sync.h) */

	bool peer_alive;	/* authentic heartbeat within dead-after intervals */
	int peer_state;		/* last heard, ST_UNKNOWN if never */
	int peer_prev_state;	/* the one before */
	bool peer_leaving;	/* HB_F_LEAVING */
	bool peer_deaf;		/* one-way loss: we hear it, it does not hear us */
	uint8_t peer_prio;
	uint32_t peer_addr;
};

struct elect_out {
	int next;		/* enum nlbsd_state */
	bool reannounce;	/* stay active but send gratuitous ARP again */
	bool preempt_wait;	/* would preempt, waiting for preempt-delay */
	bool resync_wait;	/* would preempt, waiting for the flow resync */
	const char *reason;
};

/* Do we win against the peer? Higher priority, then lower address. */
bool elect_wins(uint8_t prio, uint32_t addr, uint8_t peer_prio, uint32_t peer_addr);

void elect(const struct elect_in *in, struct elect_out *out);

/*
 * How long the peer may be silent before it is dead: dead-after intervals
 * of the slower of the two (a peer advertising every 1 s is not dead after
 * 3 x our 100 ms). peer_ms 0: not heard yet, ours.
 */
uint64_t elect_dead_ms(uint32_t dead_after, uint32_t own_ms, uint32_t peer_ms);

#endif /* NLBSD_ELECT_H */
