/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NLBS_STATS_H
#define _NLBS_STATS_H

#include "core.h"

/* Fast path: caller runs with BH disabled (ingress hook or timer work). */
static inline void nlbs_stat_inc(struct nlbs_instance *inst, int idx)
{
	struct nlbs_counters *c = this_cpu_ptr(inst->stats);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->cnt[idx]);
	u64_stats_update_end(&c->syncp);
}

static inline void nlbs_stat_add(struct nlbs_instance *inst, int idx, u64 n)
{
	struct nlbs_counters *c = this_cpu_ptr(inst->stats);

	u64_stats_update_begin(&c->syncp);
	u64_stats_add(&c->cnt[idx], n);
	u64_stats_update_end(&c->syncp);
}

/* Fast path: Maglev chose @srv for a flow the table did not know. */
static inline void nlbs_server_new_flow(struct nlbs_server *srv)
{
	struct nlbs_server_counters *c = this_cpu_ptr(srv->stats);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->new_flows);
	u64_stats_update_end(&c->syncp);
}

static inline void nlbs_server_account(struct nlbs_server *srv,
				       unsigned int len)
{
	struct nlbs_server_counters *c = this_cpu_ptr(srv->stats);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->packets);
	u64_stats_add(&c->bytes, len);
	u64_stats_update_end(&c->syncp);
}

int nlbs_stats_init(struct nlbs_instance *inst);
void nlbs_stats_free(struct nlbs_instance *inst);
void nlbs_stats_read(struct nlbs_instance *inst, u64 *out);
void nlbs_stats_reset(struct nlbs_instance *inst);

int nlbs_server_stats_init(struct nlbs_server *srv);
void nlbs_server_stats_read(struct nlbs_server *srv, u64 *packets, u64 *bytes,
			    u64 *new_flows);
void nlbs_server_stats_reset(struct nlbs_server *srv);

#endif /* _NLBS_STATS_H */
