// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: the "right server" function's userspace half: what weight each
 * server should have. The kernel spreads new flows by weight (Maglev).
 */
#include <math.h>

#include "weight.h"

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

uint32_t wt_effective(const struct wt_in *in)
{
	double r = 1.0, l = 1.0, w;

	if (!in->up)
		return 0;
	if (!in->dynamic || in->weight == 0)
		return in->weight;
	if (in->rt_ms >= 0 && in->rt_best_ms >= 0)
		r = clamp((in->rt_best_ms + 1.0) / (in->rt_ms + 1.0), WT_MIN_FACTOR, 1.0);
	if (in->load_share > 0 && in->weight_share > 0)
		l = clamp(in->weight_share / in->load_share, WT_MIN_FACTOR, 1.0);
	w = round(in->weight * r * l);
	if (w < 1)
		w = 1;
	if (w > 65535)
		w = 65535;
	return (uint32_t)w;
}

uint64_t wt_load(uint32_t active_flows, uint64_t new_flows_delta)
{
	return active_flows + new_flows_delta;
}

void wt_load_shares(const uint64_t *load, size_t n, double *share)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < n; i++)
		total += load[i];
	for (i = 0; i < n; i++)
		share[i] = total >= WT_MIN_LOAD ? (double)load[i] / total : -1;
}

bool wt_should_push(uint32_t cur, uint32_t next, uint64_t since_push_ms,
		    uint32_t hyst_pct, uint32_t min_interval_ms)
{
	uint64_t diff;

	if (cur == next)
		return false;
	if (cur == 0 || next == 0)
		return true;
	if (since_push_ms < min_interval_ms)
		return false;
	diff = cur > next ? cur - next : next - cur;
	return diff * 100 > (uint64_t)hyst_pct * cur;
}

double wt_ewma(double old, double sample, double alpha)
{
	if (old < 0)
		return sample;
	return old + alpha * (sample - old);
}
