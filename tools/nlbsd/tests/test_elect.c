// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd host tests: election decisions, table-driven.
 */
#include "../elect.h"
#include "ktap.h"

/* tables start from defaults and override some fields */
#pragma GCC diagnostic ignored "-Woverride-init"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define A	0x0a0a000b	/* 10.10.0.11 */
#define B	0x0a0a000c	/* 10.10.0.12 */

enum { U = ST_UNKNOWN, I = ST_INIT, ACT = ST_ACTIVE, SB = ST_STANDBY, OP = ST_INOP };

struct tcase {
	const char *name;
	struct elect_in in;
	int next;
	bool reannounce, wait, rwait;
};

/* defaults: healthy, prio 100 at A, preempt on, delay over, peer B alive */
#define IN(...) { .healthy = true, .prio = 100, .addr = A, .preempt = true, \
		  .preempt_delay_over = true, .peer_alive = true, .peer_prio = 100, \
		  .peer_addr = B, .peer_prev_state = U, __VA_ARGS__ }

static const struct tcase cases[] = {
	{ "init -> standby", IN(.self = I, .peer_state = U), SB },
	{ "init unhealthy -> inop", IN(.self = I, .healthy = false), OP },
	{ "standby listening, peer unknown", IN(.self = SB, .peer_state = U), SB },
	{ "standby, peer never heard, dead-after over -> active",
	  IN(.self = SB, .peer_state = U, .peer_alive = false), ACT },
	{ "standby, peer silent -> active", IN(.self = SB, .peer_state = ACT, .peer_alive = false),
	  ACT },
	{ "standby, peer active with higher prio: stay",
	  IN(.self = SB, .peer_state = ACT, .peer_prio = 200), SB },
	{ "standby, peer active lower prio, preempt -> active",
	  IN(.self = SB, .peer_state = ACT, .peer_prio = 50), ACT },
	{ "standby, reachability unknown: no preempting a live active peer",
	  IN(.self = SB, .peer_state = ACT, .peer_prio = 50, .unproven = true), SB },
	{ "standby, reachability unknown, peer silent -> active",
	  IN(.self = SB, .peer_state = ACT, .peer_alive = false, .unproven = true), ACT },
	{ "standby, reachability unknown, both standby, we win -> active",
	  IN(.self = SB, .peer_state = SB, .peer_prio = 50, .unproven = true), ACT },
	{ "standby, reachability unknown, peer inop -> active",
	  IN(.self = SB, .peer_state = OP, .unproven = true), ACT },
	{ "standby, peer active lower prio, delay running: wait",
	  IN(.self = SB, .peer_state = ACT, .peer_prio = 50, .preempt_delay_over = false), SB,
	  false, true },
	{ "standby, peer active lower prio, preempt off: stay",
	  IN(.self = SB, .peer_state = ACT, .peer_prio = 50, .preempt = false), SB },
	{ "standby, peer active equal prio higher addr, preempt: active",
	  IN(.self = SB, .peer_state = ACT), ACT },
	{ "standby at higher addr, peer active equal prio: stay",
	  IN(.self = SB, .addr = B, .peer_addr = A, .peer_state = ACT), SB },
	{ "both standby, we win -> active (no delay)",
	  IN(.self = SB, .peer_state = SB, .peer_prio = 50, .preempt_delay_over = false), ACT },
	{ "both standby, we lose: stay", IN(.self = SB, .peer_state = SB, .peer_prio = 150), SB },
	{ "both standby, preempt off, we win: active anyway",
	  IN(.self = SB, .peer_state = SB, .preempt = false), ACT },
	{ "standby, peer inop -> active", IN(.self = SB, .peer_state = OP, .peer_prio = 200), ACT },
	{ "standby, peer init -> active", IN(.self = SB, .peer_state = I, .peer_prio = 200), ACT },
	{ "standby, higher peer leaving -> active at once",
	  IN(.self = SB, .peer_state = SB, .peer_prio = 200, .peer_leaving = true), ACT },
	{ "active, peer silent: stay", IN(.self = ACT, .peer_alive = false, .peer_state = SB),
	  ACT },
	{ "active, peer standby: stay", IN(.self = ACT, .peer_state = SB, .peer_prev_state = SB),
	  ACT },
	{ "dual-active, we win: stay", IN(.self = ACT, .peer_state = ACT, .peer_prio = 50), ACT },
	{ "dual-active, we lose -> standby at once",
	  IN(.self = ACT, .peer_state = ACT, .peer_prio = 150), SB },
	{ "dual-active, equal prio, lower addr wins",
	  IN(.self = ACT, .peer_state = ACT), ACT },
	{ "dual-active, equal prio, higher addr steps down",
	  IN(.self = ACT, .addr = B, .peer_addr = A, .peer_state = ACT), SB },
	{ "dual-active, preempt off: the loser still steps down",
	  IN(.self = ACT, .peer_state = ACT, .peer_prio = 150, .preempt = false), SB },
	{ "active, peer just left active: re-announce",
	  IN(.self = ACT, .peer_state = SB, .peer_prev_state = ACT), ACT, true },
	{ "active, peer left active but silent now: no re-announce",
	  IN(.self = ACT, .peer_state = SB, .peer_prev_state = ACT, .peer_alive = false), ACT },
	{ "active unhealthy -> inop", IN(.self = ACT, .healthy = false, .peer_state = SB), OP },
	{ "standby unhealthy -> inop", IN(.self = SB, .healthy = false, .peer_state = SB), OP },
	{ "inop healthy again -> standby", IN(.self = OP, .peer_state = ACT), SB },
	{ "inop healthy, peer silent -> standby first (never inop -> active)",
	  IN(.self = OP, .peer_alive = false), SB },
	{ "inop still unhealthy: stay", IN(.self = OP, .healthy = false), OP },
	/* a node that starts or recovers waits for the active peer's flows */
	{ "standby, peer active lower prio, flow resync due: wait",
	  IN(.self = SB, .peer_state = ACT, .peer_prio = 50, .resync_pending = true), SB,
	  false, false, true },
	{ "standby, preempt-delay running and resync due: the delay first",
	  IN(.self = SB, .peer_state = ACT, .peer_prio = 50, .preempt_delay_over = false,
	     .resync_pending = true), SB, false, true },
	{ "standby, resync due, peer silent -> active (a dead peer cannot resync)",
	  IN(.self = SB, .peer_state = ACT, .peer_alive = false, .resync_pending = true), ACT },
	{ "standby, resync due, peer leaving -> active",
	  IN(.self = SB, .peer_state = ACT, .peer_leaving = true, .resync_pending = true), ACT },
	{ "standby, resync due, peer inop -> active",
	  IN(.self = SB, .peer_state = OP, .resync_pending = true), ACT },
	{ "standby, resync due, both standby, we win -> active",
	  IN(.self = SB, .peer_state = SB, .peer_prio = 50, .resync_pending = true), ACT },
	{ "standby, resync due, peer active higher prio: stay, no resync wait",
	  IN(.self = SB, .peer_state = ACT, .peer_prio = 200, .resync_pending = true), SB },
	{ "standby, resync due, preempt off: stay, no resync wait",
	  IN(.self = SB, .peer_state = ACT, .peer_prio = 50, .preempt = false,
	     .resync_pending = true), SB },
	{ "dual-active, resync due: the winner stays",
	  IN(.self = ACT, .peer_state = ACT, .peer_prio = 50, .resync_pending = true), ACT },
	/* one-way loss: the peer does not hear us; the node that hears yields */
	{ "one-way: active, peer active and deaf, we win: step down all the same",
	  IN(.self = ACT, .peer_state = ACT, .peer_prio = 50, .peer_deaf = true), SB },
	{ "one-way: active, peer standby and deaf: stay (it may take over, then we yield)",
	  IN(.self = ACT, .peer_state = SB, .peer_prio = 50, .peer_deaf = true), ACT },
	{ "one-way: active, peer inop and deaf: stay",
	  IN(.self = ACT, .peer_state = OP, .peer_deaf = true), ACT },
	{ "one-way: standby, peer active lower prio and deaf: no preempting",
	  IN(.self = SB, .peer_state = ACT, .peer_prio = 50, .peer_deaf = true), SB },
	{ "one-way: both standby, we win, peer deaf: stay (it takes over)",
	  IN(.self = SB, .peer_state = SB, .peer_prio = 50, .peer_deaf = true), SB },
	{ "one-way: standby, peer inop and deaf -> active",
	  IN(.self = SB, .peer_state = OP, .peer_deaf = true), ACT },
	{ "one-way: standby, peer deaf and leaving -> active",
	  IN(.self = SB, .peer_state = ACT, .peer_deaf = true, .peer_leaving = true), ACT },
	{ "one-way: standby, deaf peer silent -> active",
	  IN(.self = SB, .peer_state = ACT, .peer_deaf = true, .peer_alive = false), ACT },
};

int main(void)
{
	struct elect_out out;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		elect(&cases[i].in, &out);
		ktap_ok(out.next == cases[i].next && out.reannounce == cases[i].reannounce &&
			out.preempt_wait == cases[i].wait && out.resync_wait == cases[i].rwait &&
			(out.reason || out.next == cases[i].in.self),
			"%s", cases[i].name);
		if (out.next != cases[i].next)
			ktap_diag("got %s (%s)", state_name(out.next),
				  out.reason ? out.reason : "no reason");
	}
	ktap_ok(elect_wins(101, B, 100, A) && !elect_wins(100, B, 100, A) &&
		elect_wins(100, A, 100, B), "elect_wins: priority, then lower address");
	ktap_ok(elect_dead_ms(3, 100, 0) == 300 && elect_dead_ms(3, 100, 50) == 300,
		"dead-after: our interval when the peer's is unknown or shorter");
	ktap_ok(elect_dead_ms(3, 100, 1000) == 3000,
		"dead-after: the peer's advertised interval when longer");
	ktap_ok(elect_dead_ms(1000, 60000, 60000) == 60000000ull, "dead-after: no overflow");
	return ktap_done("nlbsd election");
}
