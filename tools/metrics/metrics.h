/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * nlbs-metrics: the Prometheus text exposition of one nlbs instance.
 *
 * A snapshot is read from the kernel (main.c) into struct nlbs_snapshot and
 * written by metrics_write(), which needs no socket (unit tests).
 */
#ifndef NLBS_METRICS_H
#define NLBS_METRICS_H

#include <stdbool.h>
#include <stdio.h>
#include "nlbs_nl.h"

struct nlbs_snap_server {
	struct nlbs_service svc;	/* its service's key */
	struct nlbs_server srv;
};

struct nlbs_snapshot {
	bool up;			/* the family answered */
	struct nlbs_config cfg;
	struct nlbs_state_info state;
	struct nlbs_stats stats;
	struct nlbs_service *svcs;
	size_t nsvcs, svcs_cap;
	struct nlbs_snap_server *srvs;
	size_t nsrvs, srvs_cap;
	bool nlbsd;			/* nlbsd's status asked for (-c) */
	char *nlbsd_status;		/* its answer, NULL: none */
};

void snapshot_reset(struct nlbs_snapshot *s);	/* keeps the arrays */
void snapshot_free(struct nlbs_snapshot *s);
int snapshot_add_service(struct nlbs_snapshot *s, const struct nlbs_service *svc);
int snapshot_add_server(struct nlbs_snapshot *s, const struct nlbs_service *svc,
			const struct nlbs_server *srv);

/*
 * How an instance counter (NLBS_STATS_A_*) is exposed: metric name, and a
 * label "reason" value for the families that share a name (NULL: none).
 * NULL for an attribute that is not a counter. Unit-tested: every counter
 * the uapi header names has one.
 */
struct metric_map {
	const char *name;
	const char *reason;
	const char *help;
	bool gauge;
};
const struct metric_map *metrics_counter_map(unsigned int attr);

/* Write the exposition of s to f. Returns 0, or -1 when writing failed. */
int metrics_write(FILE *f, const struct nlbs_snapshot *s);

/*
 * nlbsd.c: nlbsd's status from its control socket at path, in *text
 * (malloc'd). Returns 0 or -errno (-EPROTO: nlbsd answered an error).
 */
int nlbsd_status_fetch(const char *path, char **text);
/* The nlbsd_* metrics of a status text (NULL: nlbsd_up 0 only). */
int nlbsd_metrics_write(FILE *f, const char *text);

#endif /* NLBS_METRICS_H */
