/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: effective server weight and damping (pure functions).
 */
#ifndef NLBSD_WEIGHT_H
#define NLBSD_WEIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wt_in {
	uint32_t weight;	/* configured, 0..65535 */
	bool up;		/* health check verdict */
	bool dynamic;		/* use response time and load */
	double rt_ms;		/* EWMA of this server's check response time, <0: none */
	double rt_best_ms;	/* smallest EWMA among the service's healthy servers */
	double load_share;	/* its share of the service's load (wt_load_shares()), <0: none */
	double weight_share;	/* its share of the service's configured weights */
};

#define WT_MIN_FACTOR	0.5

/*
 * Load, as the original design measures it: active and new connections.
 * A server's load is the flows the kernel's flow table holds for it now
 * (NLBS_SRV_A_ACTIVE_FLOWS) plus the new flows Maglev sent it during the
 * last [weights] interval (NLBS_SRV_A_NEW_FLOWS, a counter: its delta).
 * A kernel that reports neither: the packets forwarded to it during the
 * interval instead.
 */
uint64_t wt_load(uint32_t active_flows, uint64_t new_flows_delta);

/*
 * @share[i] = @load[i] / sum of @load[0..n), for the n servers of a
 * service; every share -1 (unknown) while the sum is below WT_MIN_LOAD:
 * so few flows say nothing about load.
 */
#define WT_MIN_LOAD	100
void wt_load_shares(const uint64_t *load, size_t n, double *share);

/*
 * 0 when down. Otherwise W when not dynamic, else
 *   max(1, round(W * R * L)), with
 *   R = clamp((best + 1) / (rt + 1), 0.5, 1)   slower servers lose up to half
 *   L = clamp(weight_share / load_share, 0.5, 1)   overloaded ones too
 */
uint32_t wt_effective(const struct wt_in *in);

/*
 * Push @next to the kernel replacing @cur? Always when one of them is 0
 * (health changes are never delayed); otherwise only when it moved by more
 * than @hyst_pct percent and at least @min_interval_ms passed since the
 * last push.
 */
bool wt_should_push(uint32_t cur, uint32_t next, uint64_t since_push_ms,
		    uint32_t hyst_pct, uint32_t min_interval_ms);

/* new = old + alpha * (sample - old); the first sample initialises. */
double wt_ewma(double old, double sample, double alpha);

#endif /* NLBSD_WEIGHT_H */
