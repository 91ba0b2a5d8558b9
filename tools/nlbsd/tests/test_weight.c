// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd host tests: effective weight and damping.
 */
#include <math.h>

#include "../nlbsd.h"
#include "../weight.h"
#include "ktap.h"

/* tables start from defaults and override some fields */
#pragma GCC diagnostic ignored "-Woverride-init"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct wcase {
	const char *name;
	struct wt_in in;
	uint32_t want;
};

#define W(...) { .up = true, .dynamic = true, .rt_ms = -1, .rt_best_ms = -1, \
		  .load_share = -1, .weight_share = 0.5, __VA_ARGS__ }

static const struct wcase wcases[] = {
	{ "down: 0", W(.weight = 10, .up = false), 0 },
	{ "static: configured", W(.weight = 10, .dynamic = false, .rt_ms = 50, .rt_best_ms = 1), 10 },
	{ "weight 0 stays 0", W(.weight = 0, .rt_ms = 1, .rt_best_ms = 1), 0 },
	{ "no measurements: configured", W(.weight = 10), 10 },
	{ "fastest server: full", W(.weight = 10, .rt_ms = 4, .rt_best_ms = 4), 10 },
	{ "twice as slow (+1ms): 0.6", W(.weight = 10, .rt_ms = 9, .rt_best_ms = 5), 6 },
	{ "very slow: floor 0.5", W(.weight = 10, .rt_ms = 500, .rt_best_ms = 1), 5 },
	{ "underloaded: no boost", W(.weight = 10, .load_share = 0.25, .weight_share = 0.5), 10 },
	{ "overloaded 1.25x: 0.8", W(.weight = 10, .load_share = 0.625, .weight_share = 0.5), 8 },
	{ "slow and overloaded: 0.25 floor", W(.weight = 100, .rt_ms = 999, .rt_best_ms = 0,
	  .load_share = 1.0, .weight_share = 0.1), 25 },
	{ "never below 1 when up", W(.weight = 1, .rt_ms = 999, .rt_best_ms = 0,
	  .load_share = 1.0, .weight_share = 0.1), 1 },
	{ "max weight", W(.weight = 65535), 65535 },
};

struct pcase {
	const char *name;
	uint32_t cur, next;
	uint64_t since;
	bool want;
};

static const struct pcase pcases[] = {
	{ "equal: no push", 10, 10, 99999, false },
	{ "drain: at once", 10, 0, 0, true },
	{ "undrain: at once", 0, 10, 0, true },
	{ "5% change: damped", 100, 105, 99999, false },
	{ "10% change: damped (must exceed)", 100, 110, 99999, false },
	{ "11% change after min-interval: push", 100, 111, 5000, true },
	{ "50% change before min-interval: wait", 100, 50, 4999, false },
	{ "50% down after min-interval: push", 100, 50, 6000, true },
};

int main(void)
{
	size_t i;
	uint32_t w;
	double e;

	for (i = 0; i < ARRAY_SIZE(wcases); i++) {
		w = wt_effective(&wcases[i].in);
		ktap_ok(w == wcases[i].want, "weight: %s", wcases[i].name);
		if (w != wcases[i].want)
			ktap_diag("got %u want %u", w, wcases[i].want);
	}
	for (i = 0; i < ARRAY_SIZE(pcases); i++)
		ktap_ok(wt_should_push(pcases[i].cur, pcases[i].next, pcases[i].since, 10, 5000) ==
			pcases[i].want, "damping: %s", pcases[i].name);
	{
		uint64_t load[3] = { wt_load(300, 100), wt_load(100, 100), wt_load(0, 0) };
		uint64_t few[2] = { wt_load(40, 9), wt_load(40, 10) };
		double share[3];

		wt_load_shares(load, 3, share);
		ktap_ok(load[0] == 400 && fabs(share[0] - 400.0 / 600) < 1e-9 &&
			fabs(share[1] - 200.0 / 600) < 1e-9 && share[2] == 0,
			"load: active + new flows, shares of the service's");
		wt_load_shares(few, 2, share);
		ktap_ok(share[0] == -1 && share[1] == -1, "load below %d flows: unknown", WT_MIN_LOAD);
		few[1]++;
		wt_load_shares(few, 2, share);
		ktap_ok(fabs(share[0] - 0.49) < 1e-9 && fabs(share[1] - 0.51) < 1e-9,
			"load of %d flows: shares", WT_MIN_LOAD);
		/* 2:1:1 weights, the first server holds 3/4 of the flows: overloaded */
		load[0] = wt_load(600, 150);
		load[1] = wt_load(100, 25);
		load[2] = wt_load(100, 25);
		wt_load_shares(load, 3, share);
		w = wt_effective(&(struct wt_in){ .weight = 20, .up = true, .dynamic = true,
			.rt_ms = -1, .rt_best_ms = -1, .load_share = share[0],
			.weight_share = 0.5 });
		ktap_ok(w == 13, "a server with 3/4 of the flows for 1/2 of the weight: 20 -> %u", w);
		w = wt_effective(&(struct wt_in){ .weight = 10, .up = true, .dynamic = true,
			.rt_ms = -1, .rt_best_ms = -1, .load_share = share[1],
			.weight_share = 0.25 });
		ktap_ok(w == 10, "the others, under their share: configured (%u)", w);
	}
	e = wt_ewma(-1, 10, 0.3);
	ktap_ok(e == 10, "ewma: first sample initialises");
	e = wt_ewma(e, 20, 0.3);
	ktap_ok(fabs(e - 13) < 1e-9, "ewma: 10 then 20 with alpha 0.3 -> 13");
	return ktap_done("nlbsd weights");
}
