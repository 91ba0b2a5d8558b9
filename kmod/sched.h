/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NLBS_SCHED_H
#define _NLBS_SCHED_H

#include <linux/jhash.h>
#include <linux/kernel.h>
#include "core.h"
#include "flow.h"

#define NLBS_TABLE_PROBES	256

struct nlbs_table *nlbs_table_prepare(struct nlbs_service *svc);
void nlbs_table_fill(struct nlbs_table *tbl);
struct nlbs_server *nlbs_table_lookup_slow(const struct nlbs_table *tbl,
					   u32 idx);
void nlbs_table_free(struct nlbs_table *tbl);
void nlbs_table_free_rcu(struct nlbs_table *tbl);
bool nlbs_table_size_valid(u32 n);

/*
 * Fast path: the server for a flow hash, NULL if none. The table is
 * non-empty by construction (no table without an eligible server).
 */
static inline struct nlbs_server *nlbs_table_lookup(const struct nlbs_table *tbl,
						    u32 hash)
{
	u32 idx = reciprocal_scale(hash, tbl->size);
	struct nlbs_server *srv = tbl->servers[tbl->slots[idx]];

	if (likely(!READ_ONCE(srv->dead)))
		return srv;
	return nlbs_table_lookup_slow(tbl, idx);
}

/*
 * The hash of a flow key, for Maglev (the configured seed, equal on both
 * NLBs) and the flow table's buckets (a secret seed). An IPv4 key hashes as
 * it always has; an IPv6 one folds each address with jhash2() first.
 */
static inline u32 nlbs_flow_hash(const struct nlbs_flow_key *k, u32 seed)
{
	u32 s, d;

	if (k->family == AF_INET) {
		s = (__force u32)k->saddr.ip;
		d = (__force u32)k->daddr.ip;
	} else {
		s = jhash2((__force const u32 *)k->saddr.all, 4, seed);
		d = jhash2((__force const u32 *)k->daddr.all, 4, seed);
	}
	return jhash_3words(s, d, (__force u32)k->ports, seed ^ k->proto);
}

#endif /* _NLBS_SCHED_H */
