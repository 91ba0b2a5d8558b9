// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: election decisions. No I/O and no clock: the caller says what it
 * knows (elect_in) and applies the answer (elect_out). Rules, in order:
 *
 *  1. unhealthy                          -> inop
 *  2. inop (healthy again) or init       -> standby
 *  3. standby:
 *     peer silent for dead-after         -> active
 *     peer never heard yet               -> standby (still listening)
 *     peer inop/init or leaving          -> active
 *     peer standby: the winner           -> active (nobody serves: no delay)
 *     peer active: winner with preempt   -> active after preempt-delay,
 *                                           once reachability is known and
 *                                           the flow resync from the peer
 *                                           is done (or its wait is over)
 *  4. active:
 *     peer active too (dual-active)      -> the loser steps down at once;
 *                                           the winner stays
 *     peer just left active              -> stay, re-announce (gratuitous ARP
 *                                           after the loser stopped answering)
 *
 * One-way loss (the peer alive, but deaf to us: its heartbeats do not echo
 * ours): it believes us dead, so it is or soon will be active unless it
 * cannot serve. The node that hears, the only one that knows, yields:
 *     peer deaf, active                  -> standby (active: step down)
 *     peer deaf, standby                 -> standby (it is taking over)
 *     peer deaf, inop/init/leaving       -> as usual (it will not serve)
 */
#include <stddef.h>

#include "elect.h"

bool elect_wins(uint8_t prio, uint32_t addr, uint8_t peer_prio, uint32_t peer_addr)
{
	if (prio != peer_prio)
		return prio > peer_prio;
	return addr < peer_addr;
}

uint64_t elect_dead_ms(uint32_t dead_after, uint32_t own_ms, uint32_t peer_ms)
{
	return (uint64_t)dead_after * (peer_ms > own_ms ? peer_ms : own_ms);
}

static void standby(const struct elect_in *in, struct elect_out *out)
{
	bool win = elect_wins(in->prio, in->addr, in->peer_prio, in->peer_addr);

	if (!in->peer_alive) {
		out->next = ST_ACTIVE;
		out->reason = "peer silent";
		return;
	}
	if (in->peer_state == ST_UNKNOWN) {
		out->reason = "listening for peer";
		return;
	}
	if (in->peer_leaving) {
		out->next = ST_ACTIVE;
		out->reason = "peer leaving";
		return;
	}
	if (in->peer_deaf && (in->peer_state == ST_ACTIVE || in->peer_state == ST_STANDBY)) {
		out->reason = "one-way loss: the peer does not hear us";
		return;
	}
	switch (in->peer_state) {
	case ST_INOP:
		out->next = ST_ACTIVE;
		out->reason = "peer inop";
		return;
	case ST_INIT:
		out->next = ST_ACTIVE;
		out->reason = "peer init";
		return;
	case ST_STANDBY:
		if (win) {
			out->next = ST_ACTIVE;
			out->reason = "higher priority, no active node";
		} else {
			out->reason = "peer has higher priority";
		}
		return;
	case ST_ACTIVE:
		if (!win) {
			out->reason = "peer active";
			return;
		}
		if (in->unproven) {
			/* a live active peer serves: do not take over blind */
			out->reason = "peer active, own reachability not known yet";
			return;
		}
		if (!in->preempt) {
			out->reason = "peer active, preempt off";
			return;
		}
		if (!in->preempt_delay_over) {
			out->preempt_wait = true;
			out->reason = "waiting for preempt-delay";
			return;
		}
		if (in->resync_pending) {
			/* the peer's flows first: a fail-back must not cost connections */
			out->resync_wait = true;
			out->reason = "waiting for the flow resync from the peer";
			return;
		}
		out->next = ST_ACTIVE;
		out->reason = "preempting lower priority peer";
		return;
	default:
		out->reason = "peer state unknown";
	}
}

static void active(const struct elect_in *in, struct elect_out *out)
{
	if (!in->peer_alive || in->peer_leaving)
		return;
	if (in->peer_deaf && in->peer_state == ST_ACTIVE) {
		out->next = ST_STANDBY;
		out->reason = "one-way loss: the peer does not hear us and is active";
		return;
	}
	if (in->peer_state == ST_ACTIVE) {
		if (elect_wins(in->prio, in->addr, in->peer_prio, in->peer_addr)) {
			out->reason = "dual-active, peer has lower priority";
		} else {
			out->next = ST_STANDBY;
			out->reason = "dual-active, peer has higher priority";
		}
		return;
	}
	if (in->peer_prev_state == ST_ACTIVE) {
		out->reannounce = true;
		out->reason = "peer left active";
	}
}

void elect(const struct elect_in *in, struct elect_out *out)
{
	out->next = in->self;
	out->reannounce = false;
	out->preempt_wait = false;
	out->resync_wait = false;
	out->reason = NULL;

	if (!in->healthy) {
		out->next = ST_INOP;
		out->reason = "unhealthy";
		return;
	}
	switch (in->self) {
	case ST_INIT:
		out->next = ST_STANDBY;
		out->reason = "started";
		return;
	case ST_INOP:
		out->next = ST_STANDBY;
		out->reason = "healthy again";
		return;
	case ST_STANDBY:
		standby(in, out);
		return;
	case ST_ACTIVE:
		active(in, out);
		return;
	}
}
