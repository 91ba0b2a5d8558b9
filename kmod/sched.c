// SPDX-License-Identifier: GPL-2.0
/*
 * Server choice: weighted Maglev consistent hashing (Eisenbud et al.,
 * NSDI 2016), the same scheme as IPVS's "mh" scheduler.
 *
 * Each eligible server (weight > 0) has a permutation of the M slots given by
 * an offset and a skip derived from its address alone. Servers take turns
 * claiming their next free preferred slot, each taking weight/gcd turns per
 * round, until all slots are owned. Servers are ordered by address first, so
 * two NLBs holding the same configuration build the same table whatever the
 * order of configuration, and with the same seed send a flow to the same
 * server. A change of one server moves only about its share of the slots.
 *
 * The table size M is fixed when the service is created (a prime, 65537 by
 * default): were it derived from the number of servers, every server added
 * or removed would change M, hence every permutation, and move nearly every
 * flow. With M fixed, adding one server of n moves about 1/(n+1) of them.
 *
 * Built at configuration time: the servers taken under RTNL, ordered and the
 * slots filled without it; the packet path only indexes the result.
 */
#include <linux/gcd.h>
#include <linux/sort.h>
#include "sched.h"

#define NLBS_SLOT_FREE	U16_MAX	/* > any server index: n <= 65535 */
#define NLBS_PERM_SEED1	0x6e6c6273	/* fixed: the table must not depend */
#define NLBS_PERM_SEED2	0x6d61676c	/* on anything but the servers */

/* Trial division: at most ~1000 steps within NLBS_TABLE_SIZE_MAX. */
bool nlbs_table_size_valid(u32 n)
{
	u32 d;

	if (n < NLBS_TABLE_SIZE_MIN || n > NLBS_TABLE_SIZE_MAX || !(n & 1))
		return false;
	for (d = 3; d * d <= n; d += 2)
		if (n % d == 0)
			return false;
	return true;
}

/* Drops the table's server references: its servers outlive it. */
void nlbs_table_free(struct nlbs_table *tbl)
{
	u32 i;

	for (i = 0; i < tbl->nservers; i++)
		nlbs_server_put(tbl->servers[i]);
	kvfree(tbl->perm);
	kvfree(tbl);
}

static void nlbs_table_free_rcu_cb(struct rcu_head *rcu)
{
	nlbs_table_free(container_of(rcu, struct nlbs_table, rcu));
}

void nlbs_table_free_rcu(struct nlbs_table *tbl)
{
	if (tbl)
		call_rcu(&tbl->rcu, nlbs_table_free_rcu_cb);
}

/* A server's walk through the slots; turns holds its weight until sorted. */
struct nlbs_perm {
	struct nlbs_server *srv;
	u32 pos;
	u32 skip;
	u32 turns;
};

static int nlbs_perm_cmp(const void *a, const void *b)
{
	const struct nlbs_server *x = ((const struct nlbs_perm *)a)->srv;
	const struct nlbs_server *y = ((const struct nlbs_perm *)b)->srv;

	/* Network byte order compares as numbers do; IPv4 pads with zeros. */
	return memcmp(&x->addr, &y->addr, sizeof(x->addr));
}

static void nlbs_table_fill_slots(struct nlbs_table *tbl,
				  struct nlbs_perm *perm)
{
	u32 m = tbl->size, n = tbl->nservers, filled = 0, i, t;

	memset(tbl->slots, 0xff, sizeof(*tbl->slots) * m);
	for (;;) {
		for (i = 0; i < n; i++) {
			for (t = 0; t < perm[i].turns; t++) {
				u32 c = perm[i].pos;

				while (tbl->slots[c] != NLBS_SLOT_FREE) {
					c += perm[i].skip;
					if (c >= m)
						c -= m;
				}
				tbl->slots[c] = i;
				c += perm[i].skip;
				perm[i].pos = c >= m ? c - m : c;
				if (++filled == m)
					return;
				if (!(filled & 0xffff))
					cond_resched();	/* one round may be all */
			}
		}
		cond_resched();
	}
}

/*
 * RTNL held: the first half of a build, kept short. Takes the eligible
 * servers of @svc, with a reference and their weight each. Returns NULL
 * when no server is eligible, an ERR_PTR on failure. nlbs_table_fill(),
 * which may run without RTNL, orders them and completes the table.
 */
struct nlbs_table *nlbs_table_prepare(struct nlbs_service *svc)
{
	struct nlbs_server *srv;
	struct nlbs_table *tbl;
	struct nlbs_perm *perm;
	u32 n = 0, m;
	size_t sz;

	list_for_each_entry(srv, &svc->servers, node)
		if (srv->weight)
			n++;
	if (!n)
		return NULL;

	m = svc->table_size;
	sz = sizeof(*tbl) + n * sizeof(*tbl->servers) + m * sizeof(*tbl->slots);
	tbl = kvmalloc(sz, GFP_KERNEL_ACCOUNT);
	perm = kvmalloc_array(n, sizeof(*perm), GFP_KERNEL);
	if (!tbl || !perm) {
		kvfree(tbl);
		kvfree(perm);
		return ERR_PTR(-ENOMEM);
	}
	memset(tbl, 0, sizeof(*tbl));
	tbl->size = m;
	tbl->family = svc->key.family;
	tbl->servers = (struct nlbs_server **)(tbl + 1);
	tbl->slots = (u16 *)(tbl->servers + n);
	tbl->perm = perm;

	list_for_each_entry(srv, &svc->servers, node) {
		if (!srv->weight)
			continue;
		refcount_inc(&srv->ref);
		tbl->servers[tbl->nservers] = srv;
		perm[tbl->nservers].srv = srv;
		perm[tbl->nservers].turns = srv->weight;
		tbl->nservers++;
	}
	return tbl;
}

/*
 * The costly half of a build: no lock needed, the table is not published
 * and its servers are held (their addresses never change). Servers go in
 * address order, so two NLBs holding the same configuration build the same
 * table whatever the order of configuration.
 */
void nlbs_table_fill(struct nlbs_table *tbl)
{
	struct nlbs_perm *perm = tbl->perm;
	u32 n = tbl->nservers, m = tbl->size, g = 0, i;

	sort(perm, n, sizeof(*perm), nlbs_perm_cmp, NULL);
	for (i = 0; i < n; i++)
		g = gcd(g, perm[i].turns);
	for (i = 0; i < n; i++) {
		const union nf_inet_addr *a = &perm[i].srv->addr;
		u32 h1, h2;

		tbl->servers[i] = perm[i].srv;
		if (tbl->family == AF_INET) {
			h1 = jhash_1word((__force u32)a->ip, NLBS_PERM_SEED1);
			h2 = jhash_1word((__force u32)a->ip, NLBS_PERM_SEED2);
		} else {
			h1 = jhash2((__force const u32 *)a->all, 4,
				    NLBS_PERM_SEED1);
			h2 = jhash2((__force const u32 *)a->all, 4,
				    NLBS_PERM_SEED2);
		}
		perm[i].pos = h1 % m;
		perm[i].skip = h2 % (m - 1) + 1;
		perm[i].turns /= g;
	}
	nlbs_table_fill_slots(tbl, perm);
	kvfree(perm);
	tbl->perm = NULL;
}

/*
 * A removed server stays in the table until its service is rebuilt (its
 * memory is the table's); its slots pass to the next live server along the
 * table, the same on both NLBs. NULL if none is found nearby.
 */
struct nlbs_server *nlbs_table_lookup_slow(const struct nlbs_table *tbl,
					   u32 idx)
{
	struct nlbs_server *srv;
	u32 i;

	for (i = 1; i <= NLBS_TABLE_PROBES; i++) {
		if (++idx == tbl->size)
			idx = 0;
		srv = tbl->servers[tbl->slots[idx]];
		if (!READ_ONCE(srv->dead))
			return srv;
	}
	return NULL;
}
