// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd host tests of the event loop's timers (loop.c): with 100,000 of
 * them (as many as server checks), armed, moved, cancelled and fired in a
 * random order, they fire earliest first (ties in the order of arming),
 * cancelled ones never, and the whole costs O(n log n): a fraction of a
 * second of CPU, where a scan of all timers per expiry (n^2/2 steps) took
 * minutes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../loop.h"
#include "../nlbsd.h"
#include "ktap.h"

#define N 100000

struct tt {
	struct timer t;
	uint64_t want;		/* the due time it should fire with */
	uint64_t armed_at;	/* the order of its last arming */
	bool cancelled;
	int fired;
};

static struct tt tts[N];
static unsigned int nfired, nexpect;
static uint64_t last_due, last_armed, seq;
static bool order_ok = true, stop;
static struct tt *victim;	/* cancelled from a callback */
static struct timer late;	/* not due yet */
static struct timer small[4];
static bool late_fired;

static double mono(void)
{
	struct timespec ts;

	/* the CPU time of this process: a busy host does not count */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fired(struct timer *t)
{
	struct tt *x = container_of(t, struct tt, t);

	x->fired++;
	if (x->t.due < last_due || (x->t.due == last_due && x->armed_at < last_armed))
		order_ok = false;
	last_due = x->t.due;
	last_armed = x->armed_at;
	if (victim && x != victim && !victim->cancelled) {
		/* a callback cancelling a timer due: it must not fire */
		timer_cancel(&victim->t);
		victim->cancelled = true;
		nexpect--;
	}
	if (++nfired == nexpect)
		stop = true;
}

static void late_fn(struct timer *t)
{
	(void)t;
	late_fired = true;
}

static struct timer *small_order[4];
static unsigned int nsmall;

static void small_fn(struct timer *t)
{
	if (nsmall < 4)
		small_order[nsmall] = t;
	if (++nsmall == 4)
		stop = true;
}

static void arm(struct tt *x, uint64_t due)
{
	x->want = due;
	x->armed_at = ++seq;
	timer_arm(&x->t, due);
}

static unsigned int rnd(void)
{
	static uint64_t s = 0x9e3779b97f4a7c15ull;

	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s >> 11;
}

int main(void)
{
	unsigned int i, bad = 0, moved_early = 0;
	uint64_t base;
	double t0, t_arm, t_run;

	if (loop_init() < 0) {
		printf("TAP version 13\n1..0 # SKIP no epoll\n");
		return 0;
	}
	log_init(false, LOG_LVL_INFO, false);

	/* all due in the past (so they fire at once), 4,096 distinct times:
	 * many ties */
	base = now_ms() - 10000;
	t0 = mono();
	for (i = 0; i < N; i++) {
		tts[i].t.fn = fired;
		arm(&tts[i], base + rnd() % 4096);
	}
	ktap_ok(timer_count() == N, "%u timers armed (%u counted)", N, timer_count());
	/* move a third, earlier or later, while armed */
	for (i = 0; i < N; i += 3) {
		uint64_t due = base + rnd() % 4096;

		moved_early += due < tts[i].want;
		arm(&tts[i], due);
	}
	/* cancel a fifth */
	for (i = 1; i < N; i += 5) {
		timer_cancel(&tts[i].t);
		tts[i].cancelled = true;
	}
	/* cancelling twice, or a timer never armed, is harmless */
	timer_cancel(&tts[1].t);
	timer_cancel(&small[0]);
	t_arm = mono() - t0;
	nexpect = N - (N + 3) / 5;
	ktap_ok(timer_count() == nexpect, "moved %u (%u earlier), cancelled %u: %u armed",
		(N + 2) / 3, moved_early, (N + 3) / 5, timer_count());

	/* one (armed, counted) moved to be due last: the first callback
	 * cancels it */
	victim = &tts[N - 3];
	arm(victim, base + 4096);

	/* a timer armed in the future, from before the run: not fired */
	late.fn = late_fn;
	timer_arm(&late, now_ms() + 60000);

	t0 = mono();
	loop_run(&stop);
	t_run = mono() - t0;

	for (i = 0; i < N; i++)
		if (tts[i].cancelled ? tts[i].fired != 0 : tts[i].fired != 1 ||
		    tts[i].t.due != tts[i].want)
			bad++;
	ktap_ok(nfired == nexpect && bad == 0,
		"each armed timer fired once at its last due time, no cancelled one "
		"(%u fired, %u wrong)", nfired, bad);
	ktap_ok(order_ok, "fired in order of due time, ties in the order of arming");
	ktap_ok(victim->cancelled && !victim->fired && victim->t.armed == false,
		"a timer cancelled by another's callback does not fire");
	ktap_ok(!late_fired && late.armed && timer_count() == 1,
		"a timer not due yet stays armed (%u left)", timer_count());
	/* 100,000 x log2(100,000) is about 1.7M steps: some 200 ms of CPU
	 * under ASan; a scan per expiry is 5,000M steps: over 30 s. */
	ktap_ok(t_arm + t_run < 2.0,
		"arm, move, cancel and fire %u timers: %.0f ms + %.0f ms of CPU (bound: 2000 ms)",
		N, t_arm * 1e3, t_run * 1e3);
	timer_cancel(&late);

	/* small cases: re-arming the top later, and the tie order */
	for (i = 0; i < 4; i++)
		small[i].fn = small_fn;
	timer_arm(&small[0], 100);
	timer_arm(&small[1], 200);
	timer_arm(&small[2], 100);
	timer_arm(&small[0], 300);	/* the top moved down */
	timer_arm(&small[3], 50);
	timer_arm(&small[1], 50);	/* re-armed: after small[3] at the same time */
	{
		struct timer *want[] = { &small[3], &small[1], &small[2], &small[0] };
		bool ok = true;

		/* all due long ago (ms since boot): the loop fires them in order */
		stop = false;
		nsmall = 0;
		loop_run(&stop);
		for (i = 0; i < 4; i++)
			ok &= small_order[i] == want[i];
		ktap_ok(ok && timer_count() == 0,
			"re-armed later it moves down; re-armed at a tie it goes after");
	}
	loop_fini();
	return ktap_done("nlbsd event loop timers");
}
