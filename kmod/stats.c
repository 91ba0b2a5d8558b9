// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU counters. Writers are the packet path and the announcement work,
 * lock free. A reset does not touch the per-CPU data: it records a baseline
 * that later reads subtract, so it never races with a writer.
 */
#include "stats.h"

int nlbs_stats_init(struct nlbs_instance *inst)
{
	inst->stats = netdev_alloc_pcpu_stats(struct nlbs_counters);
	return inst->stats ? 0 : -ENOMEM;
}

void nlbs_stats_free(struct nlbs_instance *inst)
{
	free_percpu(inst->stats);
	inst->stats = NULL;
}

static void nlbs_stats_sum(struct nlbs_instance *inst, u64 *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(u64) * __NLBS_STATS_A_MAX);
	for_each_possible_cpu(cpu) {
		const struct nlbs_counters *c = per_cpu_ptr(inst->stats, cpu);
		u64 v[__NLBS_STATS_A_MAX];
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&c->syncp);
			for (i = 0; i < __NLBS_STATS_A_MAX; i++)
				v[i] = u64_stats_read(&c->cnt[i]);
		} while (u64_stats_fetch_retry(&c->syncp, start));
		for (i = 0; i < __NLBS_STATS_A_MAX; i++)
			sum[i] += v[i];
	}
}

/* RTNL held: stats_base is configuration-side state. */
void nlbs_stats_read(struct nlbs_instance *inst, u64 *out)
{
	int i;

	nlbs_stats_sum(inst, out);
	for (i = 0; i < __NLBS_STATS_A_MAX; i++)
		out[i] -= inst->stats_base[i];
}

void nlbs_stats_reset(struct nlbs_instance *inst)
{
	nlbs_stats_sum(inst, inst->stats_base);
}

int nlbs_server_stats_init(struct nlbs_server *srv)
{
	srv->stats = __netdev_alloc_pcpu_stats(struct nlbs_server_counters,
					       GFP_KERNEL_ACCOUNT);
	return srv->stats ? 0 : -ENOMEM;
}

static void nlbs_server_stats_sum(struct nlbs_server *srv, u64 *packets,
				  u64 *bytes, u64 *new_flows)
{
	int cpu;

	*packets = 0;
	*bytes = 0;
	*new_flows = 0;
	for_each_possible_cpu(cpu) {
		const struct nlbs_server_counters *c = per_cpu_ptr(srv->stats, cpu);
		unsigned int start;
		u64 p, b, n;

		do {
			start = u64_stats_fetch_begin(&c->syncp);
			p = u64_stats_read(&c->packets);
			b = u64_stats_read(&c->bytes);
			n = u64_stats_read(&c->new_flows);
		} while (u64_stats_fetch_retry(&c->syncp, start));
		*packets += p;
		*bytes += b;
		*new_flows += n;
	}
}

void nlbs_server_stats_read(struct nlbs_server *srv, u64 *packets, u64 *bytes,
			    u64 *new_flows)
{
	nlbs_server_stats_sum(srv, packets, bytes, new_flows);
	*packets -= srv->base_packets;
	*bytes -= srv->base_bytes;
	*new_flows -= srv->base_new_flows;
}

void nlbs_server_stats_reset(struct nlbs_server *srv)
{
	nlbs_server_stats_sum(srv, &srv->base_packets, &srv->base_bytes,
			      &srv->base_new_flows);
}
