// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_genl: a policy-driven fuzzer of the "nlbs" generic netlink family
 * (selftests/fuzz_genl.sh runs it in the VM).
 *
 * It reads the family's operations (CTRL_CMD_GETFAMILY) and attribute
 * policies (CTRL_CMD_GETPOLICY) back from the kernel, then sends messages of
 * five kinds, in proportions fixed per run:
 *   valid     skeletons built from the policy (types, ranges, lengths,
 *             nests), with values drawn from small pools so that services,
 *             servers and flows meet each other
 *   mutated   a valid skeleton, then 1..4 of: bit flips, nla_len and
 *             nla_type corrupted (NLA_F_NESTED / NLA_F_NET_BYTEORDER
 *             toggled), values of the wrong size, attributes duplicated or
 *             dropped, garbage and deeply nested attributes appended, strings
 *             without NUL, the message truncated, nlmsg_len or the genl
 *             header wrong
 *   random    random command, version, nlmsg flags and TLV soup
 *   dumps     the family's dumps, read to the end (some with a tiny
 *             receive buffer, some with a second dump started on the same
 *             socket while the first runs)
 *   interrupted  a dump on a fresh socket, one read, then close
 *
 * Every answer is checked: each datagram parses, every message belongs to
 * the request, NLMSG_ERROR carries a full struct nlmsgerr with an errno in
 * 0..-4095 and well-formed extended-ack TLVs, dumps end in NLMSG_DONE (or an
 * error), family messages carry a genl header and attributes (and known
 * nests) whose lengths match the uapi. Without NLM_F_ACK a NOOP with
 * NLM_F_ACK follows the request, so that every request has an end.
 *
 * "A rejected request changes nothing": --check-every N takes a snapshot of
 * the instance (CONFIG_GET, STATE_GET, the service and server dumps, minus
 * counters and the lease's remaining time) before every Nth request and,
 * when that request was rejected, again after it: both must be identical.
 * --snapshot-every M --snapshot CMD does the same with the output of CMD
 * (e.g. "nlbs-genl -j show | jq -c ...") every Mth request; --skip-if STR
 * skips a check whose first output holds STR. No check while a lease runs
 * (its expiry changes the state by itself). --unpriv: no command flagged GENL_ADMIN_PERM or
 * GENL_UNS_ADMIN_PERM may succeed; --userns: none flagged GENL_ADMIN_PERM.
 * --reconf: instead of fuzzing, reconfigure with valid requests only (the
 * "second process"). --flap: set the state active and standby in turn, as
 * fast as the kernel answers (some with leases of a few ms).
 *
 * Exit status: 0 clean, 1 a violation (printed), 2 usage or setup error.
 * The last line is a summary: "fuzz_genl: <tag> sent N ... rate R/s".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "linux/nlbs.h"

#define MAX_POL		16
#define MAX_ATTR	64
#define MAX_OPS		64
#define BUFSZ		(64 * 1024)
#define MAX_OFFS	256

#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS	0x200
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED	0x100
#endif

/* ---- options and counters ------------------------------------------------ */

static const char *tag = "fuzz";
static unsigned long long opt_count = 10000;
static double opt_seconds;
static unsigned int opt_seed;
static unsigned int opt_check_every, opt_ext_every;
static const char *opt_snapshot;
static bool opt_unpriv, opt_userns, opt_reconf, opt_flap;
static int opt_verbose;
static unsigned int opt_max_viol = 5;
static char *opt_ifaces;
static const char *opt_skip_if;
static unsigned int opt_slow_ms;
static double now(void);

static struct {
	unsigned long long sent, valid, mutated, random, dumps, interrupted;
	unsigned long long acked, errors, replies, dump_msgs, ebusy;
	unsigned long long checks, checks_skipped, ext_checks;
	unsigned long long errno_hist[4096];
	unsigned long long violations;
	double slowest, t_xchg, t_snap, t_ext;
	/* valid requests per command: accepted, rejected */
	unsigned long long vok[256], verr[256];
	int vlast[256];
	char vmsg[256][64];
} st;

static void violation(const char *fmt, ...)
{
	va_list ap;

	st.violations++;
	fprintf(stderr, "fuzz_genl: %s: VIOLATION: ", tag);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (st.violations >= opt_max_viol) {
		fprintf(stderr, "fuzz_genl: %s: too many violations, stopping\n", tag);
		exit(1);
	}
}

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_genl: %s: ", tag);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* ---- random ------------------------------------------------------------------ */

static uint64_t rng_s;

static uint64_t rnd64(void)
{
	/* splitmix64: reproducible from --seed */
	uint64_t z = (rng_s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

static bool chance(unsigned int pct)
{
	return rnd(100) < pct;
}

static void rnd_bytes(void *p, size_t n)
{
	uint8_t *b = p;

	while (n--)
		*b++ = (uint8_t)rnd64();
}

/* ---- the family, as the kernel describes it ---------------------------------- */

struct pol_attr {
	bool present;
	uint32_t type;			/* NL_ATTR_TYPE_* */
	bool has_min_u, has_max_u, has_min_s, has_max_s, has_minlen, has_maxlen;
	uint64_t min_u, max_u, mask;
	int64_t min_s, max_s;
	uint32_t minlen, maxlen;
	int nested;			/* policy index, -1 none */
};

struct policy {
	bool present;
	uint32_t maxtype;
	struct pol_attr a[MAX_ATTR];
};

struct op {
	uint32_t cmd, flags;
	int do_pol, dump_pol;
};

static struct policy pols[MAX_POL];
static struct op ops[MAX_OPS];
static unsigned int nops;
static uint16_t family;
static int pol_svc = -1, pol_srv = -1, pol_flow = -1;
static uint32_t ifidx[8];
static unsigned int nifidx;

static struct mnl_socket *nl;
static uint32_t portid, seq;
static char rbuf[BUFSZ];

static struct mnl_socket *nl_open(void)
{
	struct mnl_socket *s = mnl_socket_open(NETLINK_GENERIC);
	int one = 1;

	if (!s || mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket: %s", strerror(errno));
	mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &(int){0}, sizeof(int));
	return s;
}

static struct op *op_find(uint32_t cmd)
{
	unsigned int i;

	for (i = 0; i < nops; i++)
		if (ops[i].cmd == cmd)
			return &ops[i];
	return NULL;
}

/* generic attribute walk: cb(attr, data) for each nested attribute */
static int parse_ops_cb(const struct nlattr *a, void *data)
{
	const struct nlattr *b;
	struct op o = { .do_pol = -1, .dump_pol = -1 };

	(void)data;
	mnl_attr_for_each_nested(b, a) {
		if (mnl_attr_get_type(b) == CTRL_ATTR_OP_ID)
			o.cmd = mnl_attr_get_u32(b);
		else if (mnl_attr_get_type(b) == CTRL_ATTR_OP_FLAGS)
			o.flags = mnl_attr_get_u32(b);
	}
	if (nops < MAX_OPS)
		ops[nops++] = o;
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	(void)data;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			family = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_OPS: {
			const struct nlattr *b;

			mnl_attr_for_each_nested(b, a)
				parse_ops_cb(b, NULL);
			break;
		}
		}
	}
	return MNL_CB_OK;
}

static void pol_attr_parse(struct pol_attr *pa, const struct nlattr *a)
{
	const struct nlattr *b;

	pa->present = true;
	pa->nested = -1;
	mnl_attr_for_each_nested(b, a) {
		switch (mnl_attr_get_type(b)) {
		case NL_POLICY_TYPE_ATTR_TYPE:
			pa->type = mnl_attr_get_u32(b);
			break;
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_S:
			pa->has_min_s = true;
			pa->min_s = (int64_t)mnl_attr_get_u64(b);
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_S:
			pa->has_max_s = true;
			pa->max_s = (int64_t)mnl_attr_get_u64(b);
			break;
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
			pa->has_min_u = true;
			pa->min_u = mnl_attr_get_u64(b);
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
			pa->has_max_u = true;
			pa->max_u = mnl_attr_get_u64(b);
			break;
		case NL_POLICY_TYPE_ATTR_MIN_LENGTH:
			pa->has_minlen = true;
			pa->minlen = mnl_attr_get_u32(b);
			break;
		case NL_POLICY_TYPE_ATTR_MAX_LENGTH:
			pa->has_maxlen = true;
			pa->maxlen = mnl_attr_get_u32(b);
			break;
		case NL_POLICY_TYPE_ATTR_POLICY_IDX:
			pa->nested = (int)mnl_attr_get_u32(b);
			break;
		case NL_POLICY_TYPE_ATTR_MASK:
			pa->mask = mnl_attr_get_u64(b);
			break;
		}
	}
}

static int policy_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a, *p, *b, *c;

	(void)data;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_POLICY) {
			mnl_attr_for_each_nested(p, a) {
				unsigned int idx = mnl_attr_get_type(p);

				if (idx >= MAX_POL)
					die("policy index %u too large", idx);
				pols[idx].present = true;
				mnl_attr_for_each_nested(b, p) {
					unsigned int t = mnl_attr_get_type(b);

					if (t >= MAX_ATTR)
						die("attribute %u too large", t);
					pol_attr_parse(&pols[idx].a[t], b);
					if (t > pols[idx].maxtype)
						pols[idx].maxtype = t;
				}
			}
		} else if (mnl_attr_get_type(a) == CTRL_ATTR_OP_POLICY) {
			mnl_attr_for_each_nested(p, a) {
				struct op *o = op_find(mnl_attr_get_type(p));

				if (!o)
					continue;
				mnl_attr_for_each_nested(c, p) {
					if (mnl_attr_get_type(c) == CTRL_ATTR_POLICY_DO)
						o->do_pol = (int)mnl_attr_get_u32(c);
					else if (mnl_attr_get_type(c) == CTRL_ATTR_POLICY_DUMP)
						o->dump_pol = (int)mnl_attr_get_u32(c);
				}
			}
		}
	}
	return MNL_CB_OK;
}

static void ctrl_request(uint8_t cmd, uint16_t flags, mnl_cb_t cb)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	uint32_t s = ++seq;
	int n;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = s;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NLBS_GENL_NAME);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("send: %s", strerror(errno));
	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		n = mnl_cb_run(buf, n, s, portid, cb, NULL);
		if (n <= MNL_CB_STOP)
			break;
	}
	if (n < 0)
		die("family %s: %s (module not loaded?)", NLBS_GENL_NAME, strerror(errno));
}

/* Which policy index the nests of NLBS_A_SERVICE/SERVER/FLOW use. */
static void find_nests(void)
{
	unsigned int i;

	for (i = 0; i < MAX_POL; i++) {
		struct policy *p = &pols[i];

		if (!p->present)
			continue;
		if (p->a[NLBS_A_SERVICE].present && p->a[NLBS_A_SERVICE].nested >= 0)
			pol_svc = p->a[NLBS_A_SERVICE].nested;
		if (p->a[NLBS_A_SERVER].present && p->a[NLBS_A_SERVER].nested >= 0)
			pol_srv = p->a[NLBS_A_SERVER].nested;
		if (p->a[NLBS_A_FLOW].present && p->a[NLBS_A_FLOW].nested >= 0)
			pol_flow = p->a[NLBS_A_FLOW].nested;
	}
}

/*
 * 6.1's policy dump leaves out NLA_BE16/NLA_BE32 attributes (its switch has
 * no case for them: -ENODATA, skipped): add the family's from the uapi, as
 * plain u32, so that the skeletons carry their addresses.
 */
static unsigned int supplemented;

static void supplement(int pidx, unsigned int t)
{
	struct pol_attr *pa;

	if (pidx < 0 || pidx >= MAX_POL || !pols[pidx].present)
		return;
	pa = &pols[pidx].a[t];
	if (pa->present)
		return;
	memset(pa, 0, sizeof(*pa));
	pa->present = true;
	pa->type = NL_ATTR_TYPE_U32;
	pa->nested = -1;
	if (t > pols[pidx].maxtype)
		pols[pidx].maxtype = t;
	supplemented++;
}

static void supplement_be32(void)
{
	const struct op *o = op_find(NLBS_CMD_CONFIG_SET);

	supplement(pol_svc, NLBS_SVC_A_VIP_BE);
	supplement(pol_srv, NLBS_SRV_A_ADDR_BE);
	supplement(pol_flow, NLBS_FLOW_A_SADDR_BE);
	supplement(pol_flow, NLBS_FLOW_A_DADDR_BE);
	supplement(pol_flow, NLBS_FLOW_A_SERVER_BE);
	if (o)
		supplement(o->do_pol, NLBS_A_NLBS_ADDR_BE);
}

static void load_family(void)
{
	unsigned int i, j, n = 0;

	ctrl_request(CTRL_CMD_GETFAMILY, 0, family_cb);
	if (!family || !nops)
		die("family %s not found", NLBS_GENL_NAME);
	ctrl_request(CTRL_CMD_GETPOLICY, NLM_F_DUMP, policy_cb);
	find_nests();
	supplement_be32();
	for (i = 0; i < MAX_POL; i++) {
		if (!pols[i].present)
			continue;
		for (j = 0; j < MAX_ATTR; j++)
			n += pols[i].a[j].present;
	}
	if (opt_verbose > 1) {
		fprintf(stderr, "fuzz_genl: %s: family %u, %u ops, %u policy attributes "
			"(%u big-endian ones added from the uapi)\n", tag, family, nops, n, supplemented);
		for (i = 0; i < nops; i++)
			fprintf(stderr, "  op %u flags %#x do %d dump %d\n", ops[i].cmd,
				ops[i].flags, ops[i].do_pol, ops[i].dump_pol);
	}
	if (!n || pol_svc < 0 || pol_srv < 0 || pol_flow < 0)
		die("policy dump incomplete: %u attributes, nests svc %d srv %d flow %d",
		    n, pol_svc, pol_srv, pol_flow);
}

/* ---- building messages ---------------------------------------------------------- */

struct msg {
	char buf[BUFSZ];
	struct nlmsghdr *nlh;
	uint32_t offs[MAX_OFFS];	/* offsets of attribute headers */
	unsigned int noffs;
	unsigned int depth;
	bool valid;		/* not mutated */
};

static const uint32_t pool_vip[] = { 0xc6336401, 0xc6336402, 0xc633640a, 0xc6336414 };
static const uint32_t pool_srv[] = { 0x0a140015, 0x0a140016, 0x0a140017, 0x0a140018,
				     0x0a140019, 0x0a14001a };
static const uint32_t pool_client[] = { 0xcb00710a, 0xcb00710b };
static const uint16_t pool_port[] = { 53, 80, 443, 8080 };

static bool smart;		/* see want_attr() */
static unsigned int cur_cmd;
static uint8_t cur_proto;

static uint32_t pick_addr(const uint32_t *pool, unsigned int n)
{
	if (chance(90))
		return htonl(pool[rnd(n)]);
	switch (rnd(4)) {
	case 0: return 0;
	case 1: return 0xffffffff;
	case 2: return htonl(0x7f000001);
	default: return (uint32_t)rnd64();
	}
}

/* A value within the attribute's range, usually; at the edges sometimes. */
static uint64_t pick_uint(const struct pol_attr *pa, uint64_t typemax)
{
	uint64_t lo = pa->has_min_u ? pa->min_u : 0;
	uint64_t hi = pa->has_max_u ? pa->max_u : typemax;

	if (pa->mask)
		return rnd64() & pa->mask;
	switch (rnd(6)) {
	case 0: return lo;
	case 1: return hi;
	case 2: return lo + rnd(4) <= hi ? lo + rnd(4) : lo;
	default:
		if (hi - lo < 1000)
			return lo + rnd((uint32_t)(hi - lo + 1));
		return lo + rnd64() % (hi - lo + 1 ? hi - lo + 1 : ~0ULL);
	}
}

/* The value for attribute T of policy P, with the pools where they matter. */
static bool semantic_u32(int p, unsigned int t, uint32_t *v)
{
	if (p == pol_svc && t == NLBS_SVC_A_VIP_BE) {
		*v = pick_addr(pool_vip, 4);
		return true;
	}
	if (p == pol_srv && t == NLBS_SRV_A_ADDR_BE) {
		*v = pick_addr(pool_srv, 6);
		return true;
	}
	if (p == pol_flow && t == NLBS_FLOW_A_SADDR_BE) {
		*v = pick_addr(pool_client, 2);
		return true;
	}
	if (p == pol_flow && t == NLBS_FLOW_A_DADDR_BE) {
		*v = pick_addr(pool_vip, 4);
		return true;
	}
	if (p == pol_flow && t == NLBS_FLOW_A_SERVER_BE) {
		*v = pick_addr(pool_srv, 6);
		return true;
	}
	if (p == pol_svc && t == NLBS_SVC_A_TABLE_SIZE) {
		/* mostly small tables: a table of 4194301 takes long to fill */
		static const uint32_t sz[] = { 251, 257, 65537, 0, 256, 4194302, 250, 1021 };

		*v = chance(80) ? 251 : chance(98) ? sz[rnd(8)] : 4194301;
		return true;
	}
	if (p != pol_svc && p != pol_srv && p != pol_flow &&
	    (t == NLBS_A_ACCESS_IFINDEX || t == NLBS_A_SERVER_IFINDEX)) {
		*v = nifidx && chance(85) ? ifidx[rnd(nifidx)] : rnd(8);
		return true;
	}
	if (p != pol_svc && p != pol_srv && p != pol_flow && t == NLBS_A_NLBS_ADDR_BE) {
		*v = chance(80) ? htonl(0x0a0a0064) : (uint32_t)rnd64();
		return true;
	}
	if (p != pol_svc && p != pol_srv && p != pol_flow && t == NLBS_A_FLOW_MAX) {
		*v = chance(80) ? rnd(4096) : (uint32_t)pick_uint(&pols[p].a[t], UINT32_MAX);
		return true;
	}
	if (p != pol_svc && p != pol_srv && p != pol_flow && t == NLBS_A_LEASE_MS) {
		/* leases short enough to expire within a run, sometimes */
		*v = chance(50) ? 0 : (chance(50) ? 50 + rnd(500) : rnd(3600001));
		return true;
	}
	return false;
}

static bool semantic_u8(int p, unsigned int t, uint8_t *v)
{
	if ((p == pol_svc && t == NLBS_SVC_A_PROTO) || (p == pol_flow && t == NLBS_FLOW_A_PROTO)) {
		static const uint8_t pr[] = { 0, 6, 17, 6, 17, 1, 255 };

		*v = smart ? (p == pol_flow || chance(80) ? (chance(50) ? 6 : 17) : 0) : pr[rnd(7)];
		return true;
	}
	return false;
}

static bool semantic_u16(int p, unsigned int t, uint16_t *v)
{
	if ((p == pol_svc && t == NLBS_SVC_A_PORT) ||
	    (p == pol_flow && (t == NLBS_FLOW_A_DPORT))) {
		*v = chance(90) ? pool_port[rnd(4)] : (uint16_t)rnd64();
		return true;
	}
	if (p == pol_flow && t == NLBS_FLOW_A_SPORT) {
		*v = 1024 + rnd(64);
		return true;
	}
	return false;
}

static void put_attrs(struct msg *m, int pidx, unsigned int level);

static void note_off(struct msg *m, void *attr)
{
	if (m->noffs < MAX_OFFS)
		m->offs[m->noffs++] = (uint32_t)((char *)attr - m->buf);
}

static bool room(struct msg *m, size_t n)
{
	return m->nlh->nlmsg_len + MNL_ALIGN(n) + 64 < BUFSZ;
}

static void put_one(struct msg *m, int pidx, unsigned int t, unsigned int level)
{
	const struct pol_attr *pa = &pols[pidx].a[t];
	struct nlmsghdr *nlh = m->nlh;
	void *at = (char *)nlh + nlh->nlmsg_len;

	switch (pa->type) {
	case NL_ATTR_TYPE_FLAG:
		mnl_attr_put(nlh, t, 0, NULL);
		break;
	case NL_ATTR_TYPE_U8: {
		uint8_t v;

		if (!semantic_u8(pidx, t, &v))
			v = (uint8_t)pick_uint(pa, UINT8_MAX);
		mnl_attr_put_u8(nlh, t, v);
		break;
	}
	case NL_ATTR_TYPE_U16: {
		uint16_t v;

		if (!semantic_u16(pidx, t, &v))
			v = (uint16_t)pick_uint(pa, UINT16_MAX);
		mnl_attr_put_u16(nlh, t, v);
		break;
	}
	case NL_ATTR_TYPE_U32: {
		uint32_t v;

		if (!semantic_u32(pidx, t, &v))
			v = (uint32_t)pick_uint(pa, UINT32_MAX);
		mnl_attr_put_u32(nlh, t, v);
		break;
	}
	case NL_ATTR_TYPE_U64:
		mnl_attr_put_u64(nlh, t, pick_uint(pa, UINT64_MAX));
		break;
	case NL_ATTR_TYPE_S8: case NL_ATTR_TYPE_S16:
	case NL_ATTR_TYPE_S32: case NL_ATTR_TYPE_S64: {
		static const unsigned int sz[] = { 1, 2, 4, 8 };
		int64_t v = (int64_t)rnd64();

		if (pa->has_min_s && pa->has_max_s && pa->max_s >= pa->min_s)
			v = pa->min_s + (int64_t)(rnd64() % ((uint64_t)(pa->max_s - pa->min_s) + 1));
		mnl_attr_put(nlh, t, sz[pa->type - NL_ATTR_TYPE_S8], &v);
		break;
	}
	case NL_ATTR_TYPE_BINARY: {
		uint8_t b[64];
		uint32_t lo = pa->has_minlen ? pa->minlen : 0;
		uint32_t hi = pa->has_maxlen ? pa->maxlen : 32;

		if (hi > sizeof(b))
			hi = sizeof(b);
		if (lo > hi)
			lo = hi;
		rnd_bytes(b, sizeof(b));
		if (pidx == pol_srv && t == NLBS_SRV_A_MAC)
			b[0] = 0x02;	/* unicast, locally administered */
		mnl_attr_put(nlh, t, lo + rnd(hi - lo + 1), b);
		break;
	}
	case NL_ATTR_TYPE_STRING: case NL_ATTR_TYPE_NUL_STRING: {
		char s[32];
		unsigned int n = rnd(sizeof(s) - 1), i;

		for (i = 0; i < n; i++)
			s[i] = (char)('a' + rnd(26));
		s[n] = 0;
		mnl_attr_put_strz(nlh, t, s);
		break;
	}
	case NL_ATTR_TYPE_NESTED: {
		struct nlattr *nest;

		if (pa->nested < 0 || level > 3) {
			mnl_attr_put(nlh, t, 0, NULL);
			break;
		}
		nest = mnl_attr_nest_start(nlh, t);
		put_attrs(m, pa->nested, level + 1);
		mnl_attr_nest_end(nlh, nest);
		break;
	}
	case NL_ATTR_TYPE_NESTED_ARRAY: {
		struct nlattr *nest = mnl_attr_nest_start(nlh, t), *el;
		unsigned int i, n = rnd(3);

		for (i = 0; i < n && pa->nested >= 0 && level < 3; i++) {
			el = mnl_attr_nest_start(nlh, i + 1);
			put_attrs(m, pa->nested, level + 1);
			mnl_attr_nest_end(nlh, el);
		}
		mnl_attr_nest_end(nlh, nest);
		break;
	}
	case NL_ATTR_TYPE_BITFIELD32: {
		uint32_t v[2] = { (uint32_t)rnd64(), (uint32_t)rnd64() };

		mnl_attr_put(nlh, t, sizeof(v), v);
		break;
	}
	default: {
		/* a type this program does not know: a u32 if the uapi says so */
		uint32_t v;

		if (!semantic_u32(pidx, t, &v))
			return;
		mnl_attr_put_u32(nlh, t, v);
		break;
	}
	}
	note_off(m, at);
}

/* Attributes of policy PIDX: each present one with some chance, the
 * important ones (addresses, the nests) almost always. */
/*
 * "Smart" skeletons follow the family's rules beyond the policy (from the
 * uapi): which attributes a command needs, protocol and port together, the
 * server MAC on add only... so that most get past validation and reach the
 * code behind it. cur_cmd is the command being built; smart is off for the
 * plain policy-driven ones.
 */

/* 1: always, -1: never, 0: by chance */
static int want_attr(int pidx, unsigned int t)
{
	unsigned int c = cur_cmd;

	if (!smart)
		return 0;
	if (pidx == pol_svc) {
		switch (t) {
		case NLBS_SVC_A_VIP_BE: return 1;
		case NLBS_SVC_A_PROTO: return chance(85) ? 1 : -1;
		case NLBS_SVC_A_PORT:
			return cur_proto == 6 || cur_proto == 17 ? 1 : -1;
		case NLBS_SVC_A_TABLE_SIZE: return c == NLBS_CMD_SERVICE_ADD && chance(90) ? 1 : -1;
		case NLBS_SVC_A_NODEST:
			return c == NLBS_CMD_SERVICE_ADD || c == NLBS_CMD_SERVICE_SET ? 0 : -1;
		}
		return -1;
	}
	if (pidx == pol_srv) {
		switch (t) {
		case NLBS_SRV_A_ADDR_BE: return 1;
		case NLBS_SRV_A_WEIGHT:
			return c == NLBS_CMD_SERVER_SET ? 1 : c == NLBS_CMD_SERVER_ADD ? 0 : -1;
		case NLBS_SRV_A_MAC: return c == NLBS_CMD_SERVER_ADD && chance(30) ? 1 : -1;
		}
		return -1;
	}
	if (pidx == pol_flow) {
		switch (t) {
		case NLBS_FLOW_A_IDLE_MS: case NLBS_FLOW_A_FLAGS: return 0;
		}
		return 1;
	}
	/* top level */
	switch (t) {
	case NLBS_A_SERVICE:
		return c == NLBS_CMD_FLOW_GET || c == NLBS_CMD_FLOW_DEL ||
		       c == NLBS_CMD_SERVER_GET ? 0 : 1;
	case NLBS_A_SERVER:
		return c == NLBS_CMD_FLOW_GET || c == NLBS_CMD_FLOW_DEL ? (chance(30) ? 1 : -1) : 1;
	case NLBS_A_STATE: return 1;
	case NLBS_A_LEASE_MS: case NLBS_A_ANNOUNCE:
		return cur_proto == NLBS_STATE_ACTIVE ? 0 : -1;	/* cur_proto: the state */
	case NLBS_A_FLOW: return 1;
	case NLBS_A_ACCESS_IFINDEX: case NLBS_A_SERVER_IFINDEX: return 0;
	}
	return 0;
}

/* Attributes of policy PIDX: each present one with some chance, the
 * important ones (addresses, the nests) almost always. */
static void put_attrs(struct msg *m, int pidx, unsigned int level)
{
	const struct policy *p = &pols[pidx];
	unsigned int t, used_if = 0;

	if (pidx < 0 || pidx >= MAX_POL || !p->present)
		return;
	for (t = 1; t <= p->maxtype && t < MAX_ATTR; t++) {
		bool key = (pidx == pol_svc && t == NLBS_SVC_A_VIP_BE) ||
			   (pidx == pol_srv && t == NLBS_SRV_A_ADDR_BE) ||
			   p->a[t].type == NL_ATTR_TYPE_NESTED;
		unsigned int n = 1;
		int w;

		if (!p->a[t].present || !room(m, 256))
			continue;
		w = want_attr(pidx, t);
		if (w < 0 || (w == 0 && !chance(key ? 92 : 55)))
			continue;
		/* NLBS_CMD_FLOW_ADD takes several flow nests */
		if (pidx != pol_svc && pidx != pol_srv && pidx != pol_flow && t == NLBS_A_FLOW)
			n = 1 + rnd(4);
		while (n--) {
			char *at = (char *)m->nlh + m->nlh->nlmsg_len;

			put_one(m, pidx, t, level);
			if (!smart)
				continue;
			/* protocol (or state) decides what follows */
			if ((pidx == pol_svc && t == NLBS_SVC_A_PROTO) ||
			    (pidx != pol_svc && pidx != pol_srv && pidx != pol_flow &&
			     t == NLBS_A_STATE))
				cur_proto = *(uint8_t *)(at + NLA_HDRLEN);
			/* the two devices differ */
			if (pidx != pol_svc && pidx != pol_srv && pidx != pol_flow &&
			    (t == NLBS_A_ACCESS_IFINDEX || t == NLBS_A_SERVER_IFINDEX)) {
				uint32_t *v = (uint32_t *)(at + NLA_HDRLEN);

				if (used_if && *v == used_if && nifidx >= 2)
					*v = ifidx[0] == used_if ? ifidx[1] : ifidx[0];
				used_if = *v;
			}
		}
		if (smart && pidx == pol_svc && t == NLBS_SVC_A_PROTO && w < 0)
			cur_proto = 0;
	}
}

static struct genlmsghdr *msg_start(struct msg *m, uint16_t type, uint16_t flags, uint8_t cmd)
{
	struct genlmsghdr *g;

	cur_cmd = cmd;
	cur_proto = 0;
	m->nlh = mnl_nlmsg_put_header(m->buf);
	m->nlh->nlmsg_type = type;
	m->nlh->nlmsg_flags = flags;
	m->nlh->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(m->nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = NLBS_GENL_VERSION;
	m->noffs = 0;
	m->valid = true;
	return g;
}

/* A valid skeleton of op O (do or dump). */
static void build_valid(struct msg *m, const struct op *o, bool dump)
{
	int pidx = dump ? o->dump_pol : o->do_pol;

	msg_start(m, family, NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0), (uint8_t)o->cmd);
	smart = chance(75);
	if (pidx >= 0)
		put_attrs(m, pidx, 0);
	smart = false;
}

/* ---- mutations ---------------------------------------------------------------- */

static void garbage_attr(struct msg *m, unsigned int depth)
{
	struct nlmsghdr *nlh = m->nlh;
	struct nlattr *nest;
	uint8_t b[48];
	unsigned int i, n;

	if (!room(m, 64 + depth * 8))
		return;
	if (depth && chance(60)) {
		nest = mnl_attr_nest_start(nlh, (uint16_t)(rnd(NLBS_A_MAX + 3)));
		n = 1 + rnd(3);
		for (i = 0; i < n; i++)
			garbage_attr(m, depth - 1);
		mnl_attr_nest_end(nlh, nest);
		if (chance(50))
			nest->nla_type &= (uint16_t)~NLA_F_NESTED;
		return;
	}
	rnd_bytes(b, sizeof(b));
	note_off(m, (char *)nlh + nlh->nlmsg_len);
	mnl_attr_put(nlh, (uint16_t)(chance(70) ? rnd(NLBS_A_MAX + 3) : rnd64()),
		     rnd(sizeof(b) + 1), b);
}

static void mutate(struct msg *m)
{
	struct nlmsghdr *nlh = m->nlh;
	unsigned int len = nlh->nlmsg_len, k, n = 1 + rnd(4);
	struct nlattr *a;

	m->valid = false;
	for (k = 0; k < n; k++) {
		a = m->noffs ? (struct nlattr *)(m->buf + m->offs[rnd(m->noffs)]) : NULL;
		switch (rnd(13)) {
		case 0:	/* flip bits after the genl header */
			if (len > NLMSG_HDRLEN + GENL_HDRLEN) {
				unsigned int i, f = 1 + rnd(4);

				for (i = 0; i < f; i++)
					m->buf[NLMSG_HDRLEN + GENL_HDRLEN +
					       rnd(len - NLMSG_HDRLEN - GENL_HDRLEN)] ^= (char)(1 << rnd(8));
			}
			break;
		case 1:	/* nla_len */
			if (a) {
				static const int d[] = { -1, 1, -4, 4, -3 };

				switch (rnd(3)) {
				case 0: a->nla_len = (uint16_t)rnd(5); break;
				case 1: a->nla_len = (uint16_t)(a->nla_len + d[rnd(5)]); break;
				default: a->nla_len = (uint16_t)rnd64(); break;
				}
			}
			break;
		case 2:	/* nla_type */
			if (a) {
				switch (rnd(4)) {
				case 0: a->nla_type ^= NLA_F_NESTED; break;
				case 1: a->nla_type ^= NLA_F_NET_BYTEORDER; break;
				case 2: a->nla_type = (uint16_t)((a->nla_type & ~NLA_TYPE_MASK) |
								 rnd(NLBS_A_MAX + 4)); break;
				default: a->nla_type = (uint16_t)rnd64(); break;
				}
			}
			break;
		case 3: { /* a value of the wrong size, appended */
			static const unsigned int sz[] = { 0, 1, 2, 3, 5, 6, 7, 8, 12, 16 };
			uint8_t b[16];
			unsigned int t = 1 + rnd(NLBS_A_MAX);

			rnd_bytes(b, sizeof(b));
			if (room(m, 32)) {
				note_off(m, (char *)nlh + nlh->nlmsg_len);
				mnl_attr_put(nlh, (uint16_t)t, sz[rnd(10)], b);
			}
			break;
		}
		case 4:	/* garbage, possibly nested deep */
			garbage_attr(m, rnd(6));
			break;
		case 5: { /* deep nesting */
			struct nlattr *nests[40];
			unsigned int d = 2 + rnd(38), i;

			if (!room(m, d * 4 + 16))
				break;
			for (i = 0; i < d; i++)
				nests[i] = mnl_attr_nest_start(nlh, (uint16_t)(1 + rnd(NLBS_A_MAX)));
			if (chance(50))
				mnl_attr_put_u32(nlh, 1, (uint32_t)rnd64());
			while (d--)
				mnl_attr_nest_end(nlh, nests[d]);
			break;
		}
		case 6:	/* duplicate an attribute */
			if (a && (char *)a + a->nla_len <= m->buf + nlh->nlmsg_len &&
			    a->nla_len >= NLA_HDRLEN && room(m, a->nla_len)) {
				unsigned int l = MNL_ALIGN(a->nla_len);

				memmove(m->buf + nlh->nlmsg_len, a, l);
				nlh->nlmsg_len += l;
			}
			break;
		case 7:	/* string without its NUL, or overlong */
			if (room(m, 300)) {
				char s[280];

				memset(s, 'A' + rnd(26), sizeof(s));
				note_off(m, (char *)nlh + nlh->nlmsg_len);
				mnl_attr_put(nlh, (uint16_t)(1 + rnd(NLBS_A_MAX)), 1 + rnd(sizeof(s)), s);
			}
			break;
		case 8:	/* truncate the message */
			if (nlh->nlmsg_len > NLMSG_HDRLEN)
				nlh->nlmsg_len = NLMSG_HDRLEN + rnd(nlh->nlmsg_len - NLMSG_HDRLEN);
			break;
		case 9:	/* the genl header */
			if (nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN) {
				struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

				switch (rnd(3)) {
				case 0: g->version = (uint8_t)rnd64(); break;
				case 1: g->reserved = (uint16_t)rnd64(); break;
				default: g->cmd = (uint8_t)rnd(NLBS_CMD_MAX + 3); break;
				}
			}
			break;
		case 10: /* nlmsg flags */
			nlh->nlmsg_flags ^= (uint16_t)(1 << rnd(12));
			break;
		case 11: /* drop an attribute (shorten its length to its header) */
			if (a && a->nla_len > NLA_HDRLEN)
				a->nla_len = NLA_HDRLEN;
			break;
		default: /* another valid attribute of some policy, at top level */
			if (room(m, 256)) {
				int p = (int)rnd(MAX_POL);

				if (pols[p].present) {
					unsigned int t = 1 + rnd(pols[p].maxtype);

					if (pols[p].a[t].present)
						put_one(m, p, t, 3);
				}
			}
			break;
		}
		len = nlh->nlmsg_len;
	}
}

static void build_random(struct msg *m)
{
	static const uint16_t fl[] = { NLM_F_REQUEST, NLM_F_ACK, NLM_F_ECHO, NLM_F_ROOT,
				       NLM_F_MATCH, NLM_F_ATOMIC, NLM_F_REPLACE, NLM_F_EXCL,
				       NLM_F_CREATE, NLM_F_APPEND, 0x100, 0x200 };
	struct nlmsghdr *nlh;
	unsigned int i, n;
	uint16_t flags = NLM_F_REQUEST;

	n = rnd(5);
	for (i = 0; i < n; i++)
		flags |= fl[rnd(12)];
	if (chance(10))
		flags = (uint16_t)rnd64();
	msg_start(m, family, flags, (uint8_t)(chance(70) ? rnd(NLBS_CMD_MAX + 3) : rnd64()));
	m->valid = false;
	nlh = m->nlh;
	if (chance(10)) {
		struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

		g->version = (uint8_t)rnd64();
	}
	n = rnd(8);
	for (i = 0; i < n; i++)
		garbage_attr(m, rnd(4));
	if (chance(20) && room(m, 64)) {
		/* unaligned raw tail */
		unsigned int k = 1 + rnd(40);

		rnd_bytes(m->buf + nlh->nlmsg_len, k);
		nlh->nlmsg_len += k;
	}
}

/* ---- talking to the kernel ------------------------------------------------------ */

static const char *cmd_name(unsigned int c)
{
	static char b[16];

	snprintf(b, sizeof(b), "cmd %u", c);
	return b;
}

/* Expected payload length of reply attributes (0: variable / nest / skip). */
static int reply_attr_len(unsigned int nest, unsigned int t)
{
	switch (nest) {
	case 0:
		switch (t) {
		case NLBS_A_ACCESS_IFINDEX: case NLBS_A_SERVER_IFINDEX:
		case NLBS_A_NLBS_ADDR_BE: case NLBS_A_GARP_COUNT: case NLBS_A_GARP_INTERVAL:
		case NLBS_A_HASH_SEED: case NLBS_A_LEASE_MS: case NLBS_A_FLOW_MAX:
		case NLBS_A_FLOW_TIMEOUT_TCP: case NLBS_A_FLOW_TIMEOUT_TCP_FIN:
		case NLBS_A_FLOW_TIMEOUT_UDP: case NLBS_A_FLOW_TIMEOUT_SYN:
			return 4;
		case NLBS_A_STATE:
			return 1;
		case NLBS_A_ANNOUNCE: case NLBS_A_DEFER:
			return -2;	/* flag: 0 */
		}
		return 0;
	case NLBS_A_SERVICE:
		switch (t) {
		case NLBS_SVC_A_VIP_BE: case NLBS_SVC_A_SERVERS: case NLBS_SVC_A_TABLE_SIZE:
			return 4;
		case NLBS_SVC_A_PROTO: case NLBS_SVC_A_EVENT: case NLBS_SVC_A_NODEST:
			return 1;
		case NLBS_SVC_A_PORT:
			return 2;
		}
		return 0;
	case NLBS_A_SERVER:
		switch (t) {
		case NLBS_SRV_A_ADDR_BE: case NLBS_SRV_A_WEIGHT: case NLBS_SRV_A_ACTIVE_FLOWS:
			return 4;
		case NLBS_SRV_A_MAC:
			return 6;
		case NLBS_SRV_A_PACKETS: case NLBS_SRV_A_BYTES: case NLBS_SRV_A_NEW_FLOWS:
			return 8;
		case NLBS_SRV_A_EVENT:
			return 1;
		}
		return 0;
	case NLBS_A_FLOW:
		switch (t) {
		case NLBS_FLOW_A_SADDR_BE: case NLBS_FLOW_A_DADDR_BE: case NLBS_FLOW_A_SERVER_BE:
		case NLBS_FLOW_A_IDLE_MS: case NLBS_FLOW_A_FLAGS:
			return 4;
		case NLBS_FLOW_A_PROTO:
			return 1;
		case NLBS_FLOW_A_SPORT: case NLBS_FLOW_A_DPORT:
			return 2;
		}
		return 0;
	case NLBS_A_STATS:
		return t == NLBS_STATS_A_PAD ? 0 : 8;
	}
	return 0;
}

/* Attributes in [p, p + len): every one fits, lengths as the uapi says. */
static bool attrs_ok(const void *p, size_t len, unsigned int nest, unsigned int level, char *why)
{
	const struct nlattr *a = p;
	size_t left = len;

	while (left >= NLA_HDRLEN) {
		unsigned int t = a->nla_type & NLA_TYPE_MASK, pl;
		int want;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > left) {
			sprintf(why, "attribute %u length %u with %zu bytes left (nest %u)",
				t, a->nla_len, left, nest);
			return false;
		}
		pl = a->nla_len - NLA_HDRLEN;
		if (level == 0 && t > NLBS_A_MAX) {
			sprintf(why, "unknown top-level attribute %u", t);
			return false;
		}
		want = reply_attr_len(level ? nest : 0, t);
		if ((want > 0 && pl != (unsigned int)want) || (want == -2 && pl)) {
			sprintf(why, "attribute %u (nest %u) has %u bytes, want %d", t, nest, pl, want);
			return false;
		}
		if (level == 0 && (t == NLBS_A_ACCESS_IFNAME || t == NLBS_A_SERVER_IFNAME ||
				   t == NLBS_A_REASON)) {
			if (!pl || ((const char *)mnl_attr_get_payload(a))[pl - 1]) {
				sprintf(why, "string attribute %u not NUL-terminated", t);
				return false;
			}
		}
		if (level == 0 && (t == NLBS_A_SERVICE || t == NLBS_A_SERVER || t == NLBS_A_FLOW ||
				   t == NLBS_A_STATS) &&
		    !attrs_ok(mnl_attr_get_payload(a), pl, t, 1, why))
			return false;
		left -= (size_t)MNL_ALIGN(a->nla_len) < left ? (size_t)MNL_ALIGN(a->nla_len) : left;
		a = (const struct nlattr *)((const char *)a + MNL_ALIGN(a->nla_len));
	}
	if (left) {
		sprintf(why, "%zu trailing bytes after the attributes (nest %u)", left, nest);
		return false;
	}
	return true;
}

static bool exterr_ok(const struct nlmsghdr *nlh, uint32_t reqlen, char *why)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh), off;
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return true;
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (off > plen) {
		sprintf(why, "error echoes %zu bytes, has %zu", off, plen);
		return false;
	}
	for (a = (const void *)((const char *)e + off);
	     mnl_attr_ok(a, (int)((const char *)e + plen - (const char *)a));
	     a = mnl_attr_next(a)) {
		unsigned int pl = mnl_attr_get_payload_len(a);

		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			if (!pl || ((const char *)mnl_attr_get_payload(a))[pl - 1]) {
				sprintf(why, "extack message not NUL-terminated");
				return false;
			}
			break;
		case NLMSGERR_ATTR_OFFS:
			if (pl != 4 || mnl_attr_get_u32(a) >= reqlen) {
				sprintf(why, "extack offset %u beyond the request (%u bytes)",
					pl == 4 ? mnl_attr_get_u32(a) : 0, reqlen);
				return false;
			}
			break;
		}
	}
	return true;
}

/*
 * One exchange: up to 3 requests on the socket (a fuzzed one, a second dump,
 * the NOOP sync), each with what ends it. A request ends with its NLMSG_ERROR
 * or NLMSG_DONE; or, once the sync was answered, when it produced nothing or
 * was not a dump (the kernel answers in order, a dump's later parts come on
 * later reads).
 */
struct req {
	uint32_t seq, len;		/* len: bytes sent, for extack offsets */
	bool sync, want_dump, any, got_end, success, replied;
	char msg[96];			/* extack message */
	int err;			/* 1: none seen */
};

static void extack_msg(const struct nlmsghdr *nlh, char *out, size_t cap)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh), off = sizeof(*e);
	const struct nlattr *a;

	out[0] = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	for (a = (const void *)((const char *)e + off);
	     mnl_attr_ok(a, (int)((const char *)e + plen - (const char *)a)); a = mnl_attr_next(a))
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
			snprintf(out, cap, "%s", (const char *)mnl_attr_get_payload(a));
}

struct exch {
	struct req r[3];
	unsigned int n;
	bool allow_stray;		/* trailing bytes were sent: the kernel
					 * parses them as more messages */
};

static struct req *exch_add(struct exch *x, uint32_t s, uint32_t len, bool sync, bool dump)
{
	struct req *r = &x->r[x->n++];

	memset(r, 0, sizeof(*r));
	r->seq = s;
	r->len = len;
	r->sync = sync;
	r->want_dump = dump;
	r->err = 1;
	return r;
}

static struct req *exch_find(struct exch *x, uint32_t s)
{
	unsigned int i;

	for (i = 0; i < x->n; i++)
		if (x->r[i].seq == s)
			return &x->r[i];
	return NULL;
}

static bool exch_done(const struct exch *x)
{
	const struct req *sync = NULL;
	unsigned int i;

	for (i = 0; i < x->n; i++)
		if (x->r[i].sync)
			sync = &x->r[i];
	if (sync && !sync->got_end)
		return false;
	for (i = 0; i < x->n; i++) {
		const struct req *r = &x->r[i];

		if (r->sync || r->got_end)
			continue;
		if (!sync || (r->want_dump && r->any))
			return false;
	}
	return true;
}

/* Check and account one datagram. */
static void check_datagram(const char *buf, int n, struct exch *x, uint8_t reqcmd)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	int left = n;
	char why[160];

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct req *r = exch_find(x, nlh->nlmsg_seq);

		if (!r && !x->allow_stray) {
			violation("%s: reply with seq %u, not one of ours (type %u)",
				  cmd_name(reqcmd), nlh->nlmsg_seq, nlh->nlmsg_type);
			continue;
		}
		if (nlh->nlmsg_pid != portid)
			violation("reply to port %u, ours is %u", nlh->nlmsg_pid, portid);
		if (r)
			r->any = true;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
				violation("short NLMSG_ERROR (%u bytes)", nlh->nlmsg_len);
				continue;
			}
			if (e->error > 0 || e->error < -4095) {
				violation("NLMSG_ERROR with error %d", e->error);
				continue;
			}
			if (!exterr_ok(nlh, r ? r->len : UINT32_MAX, why))
				violation("%s: %s", cmd_name(reqcmd), why);
			else if (r)
				extack_msg(nlh, r->msg, sizeof(r->msg));
			if (!r)
				continue;
			if (r->sync && e->error)
				violation("the NOOP sync was answered %d", e->error);
			if (r->got_end && !r->sync)
				violation("%s: a second end (error %d) for one request",
					  cmd_name(reqcmd), e->error);
			r->err = e->error;
			if (!e->error)
				r->success = true;
			r->got_end = true;
			continue;
		}
		if (nlh->nlmsg_type == NLMSG_DONE) {
			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int)) {
				violation("short NLMSG_DONE");
			} else {
				int e = *(const int *)mnl_nlmsg_get_payload(nlh);

				if (e > 0 || e < -4095)
					violation("NLMSG_DONE with error %d", e);
				else if (r)
					r->err = e;
			}
			if (r && r->sync)
				violation("NLMSG_DONE for the sync");
			if (r)
				r->got_end = true;
			continue;
		}
		if (nlh->nlmsg_type != family) {
			violation("unexpected message type %u", nlh->nlmsg_type);
			continue;
		}
		if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN) {
			violation("family message without genl header (%u bytes)", nlh->nlmsg_len);
			continue;
		}
		{
			const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

			if (g->cmd == 0 || g->cmd > NLBS_CMD_MAX)
				violation("reply with command %u", g->cmd);
			if (!attrs_ok((const char *)g + GENL_HDRLEN,
				      mnl_nlmsg_get_payload_len(nlh) - GENL_HDRLEN, 0, 0, why))
				violation("%s reply (cmd %u): %s", cmd_name(reqcmd), g->cmd, why);
		}
		if (r) {
			if (r->sync)
				violation("a family message for the sync");
			r->success = true;
			r->replied = true;
		}
		if (nlh->nlmsg_flags & NLM_F_MULTI)
			st.dump_msgs++;
		else
			st.replies++;
	}
	if (left > 0 && left < (int)sizeof(struct nlmsghdr))
		violation("%d stray bytes at the end of a datagram", left);
	else if (left > 0)
		violation("message of %u bytes overruns its datagram (%d left)",
			  nlh->nlmsg_len, left);
}

static void send_raw(struct mnl_socket *s, const void *buf, size_t len)
{
	if (mnl_socket_sendto(s, buf, len) < 0) {
		/* The kernel refuses some shapes at sendmsg (e.g. nothing). */
		if (errno != EINVAL && errno != ENOBUFS && errno != EMSGSIZE)
			die("sendto: %s", strerror(errno));
	}
}

static void send_sync(struct exch *x)
{
	char b[NLMSG_HDRLEN];
	struct nlmsghdr *nlh = (void *)b;

	memset(b, 0, sizeof(b));
	nlh->nlmsg_len = NLMSG_HDRLEN;
	nlh->nlmsg_type = NLMSG_NOOP;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++seq;
	exch_add(x, nlh->nlmsg_seq, NLMSG_HDRLEN, true, false);
	send_raw(nl, b, sizeof(b));
}

/* Read until the exchange is done; false on timeout. RCVLEN < BUFSZ: tiny
 * reads, each datagram truncated (and not parsed). */
static bool read_to_end(struct exch *x, uint8_t reqcmd, size_t rcvlen)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };
	int n;

	while (!exch_done(x)) {
		if (poll(&pfd, 1, 5000) <= 0) {
			violation("%s: no end of the request within 5 s", cmd_name(reqcmd));
			return false;
		}
		n = (int)recv(pfd.fd, rbuf, rcvlen, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				violation("receive queue overrun (ENOBUFS)");
				return false;
			}
			die("recv: %s", strerror(errno));
		}
		if (rcvlen < BUFSZ)
			continue;
		check_datagram(rbuf, n, x, reqcmd);
	}
	return true;
}

static int run_snapshot(char *out, size_t cap)
{
	FILE *f = popen(opt_snapshot, "r");
	size_t n = 0;
	double t0 = now();
	int rc;

	if (!f)
		die("popen: %s", strerror(errno));
	while (n < cap - 1) {
		size_t r = fread(out + n, 1, cap - 1 - n, f);

		if (!r)
			break;
		n += r;
	}
	out[n] = 0;
	rc = pclose(f);
	st.t_ext += now() - t0;
	return rc;
}

/* ---- the internal snapshot: config, state, services, servers ------------------ */

static struct mnl_socket *snl;
static bool snap_leased;

static size_t snap_attrs(char *out, size_t n, size_t cap, const void *p, size_t len,
			 unsigned int nest)
{
	const struct nlattr *a;

	for (a = p; mnl_attr_ok(a, (int)((const char *)p + len - (const char *)a));
	     a = mnl_attr_next(a)) {
		unsigned int t = mnl_attr_get_type(a), pl = mnl_attr_get_payload_len(a), i;
		const uint8_t *v = mnl_attr_get_payload(a);

		/* what changes by itself: counters, the lease's remaining time */
		if (nest == 0 && t == NLBS_A_LEASE_MS) {
			if (pl == 4 && mnl_attr_get_u32(a))
				snap_leased = true;
			continue;
		}
		if (nest == 0 && t == NLBS_A_STATS)
			continue;
		if (nest == NLBS_A_SERVER && (t == NLBS_SRV_A_PACKETS || t == NLBS_SRV_A_BYTES ||
					      t == NLBS_SRV_A_ACTIVE_FLOWS ||
					      t == NLBS_SRV_A_NEW_FLOWS || t == NLBS_SRV_A_PAD))
			continue;
		if (n + 32 + 2 * pl >= cap)
			return n;
		n += (size_t)snprintf(out + n, cap - n, " %u.%u:", nest, t);
		if (nest == 0 && (t == NLBS_A_SERVICE || t == NLBS_A_SERVER)) {
			n = snap_attrs(out, n, cap, v, pl, t);
			continue;
		}
		for (i = 0; i < pl; i++)
			n += (size_t)snprintf(out + n, cap - n, "%02x", v[i]);
	}
	return n;
}

static size_t snap_cmd(char *out, size_t n, size_t cap, uint8_t cmd, bool dump)
{
	char buf[BUFSZ];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	uint32_t s = ++seq, sp = mnl_socket_get_portid(snl);
	int r;
	bool done = false;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
	nlh->nlmsg_seq = s;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = NLBS_GENL_VERSION;
	if (mnl_socket_sendto(snl, nlh, nlh->nlmsg_len) < 0)
		die("snapshot send: %s", strerror(errno));
	n += (size_t)snprintf(out + n, cap - n, "\n[%u]", cmd);
	while (!done && (r = (int)mnl_socket_recvfrom(snl, buf, sizeof(buf))) > 0) {
		int left = r;

		for (nlh = (void *)buf; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_seq != s || nlh->nlmsg_pid != sp)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
				if (nlh->nlmsg_type == NLMSG_ERROR) {
					const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

					if (e->error)
						n += (size_t)snprintf(out + n, cap - n, " error %d",
								      e->error);
				}
				done = true;
				break;
			}
			if (nlh->nlmsg_type != family || n + 64 >= cap)
				continue;
			n += (size_t)snprintf(out + n, cap - n, "\n ");
			n = snap_attrs(out, n, cap, (const char *)mnl_nlmsg_get_payload(nlh) + GENL_HDRLEN,
				       mnl_nlmsg_get_payload_len(nlh) - GENL_HDRLEN, 0);
		}
	}
	return n;
}

/* The instance as requests see it, minus what changes by itself; 0 when
 * usable (no lease running: its expiry changes the state). */
static int snap_internal(char *out, size_t cap)
{
	size_t n = 0;
	double t0 = now();

	if (!snl)
		snl = nl_open();
	snap_leased = false;
	out[0] = 0;
	n = snap_cmd(out, n, cap, NLBS_CMD_CONFIG_GET, false);
	n = snap_cmd(out, n, cap, NLBS_CMD_STATE_GET, false);
	n = snap_cmd(out, n, cap, NLBS_CMD_SERVICE_GET, true);
	n = snap_cmd(out, n, cap, NLBS_CMD_SERVER_GET, true);
	(void)n;
	st.t_snap += now() - t0;
	return snap_leased ? 1 : 0;
}

static bool is_admin(const struct op *o)
{
	if (!o)
		return false;
	if (opt_unpriv)
		return o->flags & (GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM);
	if (opt_userns)
		return o->flags & GENL_ADMIN_PERM;
	return false;
}

static char snap_a[256 * 1024], snap_b[256 * 1024];
static bool ext_pending;

static void dump_request(const char *buf, size_t len)
{
	size_t i;

	fprintf(stderr, "request (%zu bytes):", len);
	for (i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n  ", (uint8_t)buf[i]);
	fputc('\n', stderr);
}

/* Send M (SENDLEN bytes: more or fewer than nlmsg_len when the mutation
 * says so), read the answers to their end, check them. */
static void exchange(struct msg *m, size_t sendlen)
{
	struct nlmsghdr *nlh = m->nlh;
	struct exch x = { .n = 0 };
	struct req *r;
	uint8_t cmd = 0;
	bool dumpflag;
	int check = 0;
	double t0;
	const struct op *o;

	if (nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN)
		cmd = ((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd;
	o = op_find(cmd);
	dumpflag = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	x.allow_stray = sendlen > NLMSG_ALIGN(nlh->nlmsg_len);
	r = exch_add(&x, nlh->nlmsg_seq, (uint32_t)sendlen, false,
		     dumpflag && o && (o->flags & GENL_CMD_CAP_DUMP));
	/* internal snapshots every opt_check_every requests, the external
	 * command (nlbs-genl -j show) every opt_ext_every */
	if (opt_check_every && st.sent % opt_check_every == 0) {
		check = 1;
	}
	/* from the 300th (with 600) on, until one rejected request was checked */
	if (opt_snapshot && opt_ext_every && st.sent % opt_ext_every == opt_ext_every / 2)
		ext_pending = true;
	if (ext_pending)
		check = 2;
	if (check == 1 && snap_internal(snap_a, sizeof(snap_a)) != 0)
		check = 0;
	if (check == 2 && (run_snapshot(snap_a, sizeof(snap_a)) != 0 ||
			   (opt_skip_if && strstr(snap_a, opt_skip_if))))
		check = 0;
	if ((opt_check_every && st.sent % opt_check_every == 0) && !check)
		st.checks_skipped++;
	st.sent++;
	t0 = now();
	send_raw(nl, m->buf, sendlen);
	/* Every request gets an end: its ack, error or DONE, else the NOOP's
	 * ack tells that the kernel is through with it. */
	if (!(nlh->nlmsg_flags & NLM_F_ACK) || !(nlh->nlmsg_flags & NLM_F_REQUEST) ||
	    dumpflag || sendlen != nlh->nlmsg_len || nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		send_sync(&x);
	if (!read_to_end(&x, cmd, BUFSZ)) {
		dump_request(m->buf, sendlen);
		return;
	}
	t0 = now() - t0;
	st.t_xchg += t0;
	if (t0 > st.slowest)
		st.slowest = t0;
	if (opt_slow_ms && t0 * 1000 > opt_slow_ms)
		fprintf(stderr, "fuzz_genl: %s: slow: %s took %.0f ms (error %d)\n", tag,
			cmd_name(cmd), t0 * 1000, r->err == 1 ? 0 : r->err);
	if (r->err <= 0) {
		st.errno_hist[-r->err]++;
		if (r->err)
			st.errors++;
		else
			st.acked++;
	}
	if (r->err == -EBUSY)
		st.ebusy++;
	if (opt_verbose && m->valid && r->err <= 0) {
		if (r->err)
			st.verr[cmd]++, st.vlast[cmd] = r->err,
			snprintf(st.vmsg[cmd], sizeof(st.vmsg[cmd]), "%s", r->msg);
		else
			st.vok[cmd]++;
	}
	/* without NLM_F_REQUEST the kernel only acks (0), never executes */
	if (!(nlh->nlmsg_flags & NLM_F_REQUEST) && r->replied)
		violation("%s: a reply to a message without NLM_F_REQUEST", cmd_name(cmd));
	if (!(nlh->nlmsg_flags & NLM_F_REQUEST))
		r->success = false;
	if (r->success && is_admin(o)) {
		violation("%s (flags %#x) succeeded for an unprivileged requester",
			  cmd_name(cmd), o->flags);
		dump_request(m->buf, sendlen);
	}
	if (!check)
		return;
	if (r->err >= 0 || r->success) {
		st.checks_skipped++;
		return;
	}
	if (check == 1 ? snap_internal(snap_b, sizeof(snap_b)) != 0 :
	    run_snapshot(snap_b, sizeof(snap_b)) != 0) {
		st.checks_skipped++;
		return;
	}
	st.checks++;
	if (check == 2) {
		st.ext_checks++;
		ext_pending = false;
	}
	if (strcmp(snap_a, snap_b)) {
		violation("rejected %s (error %d, flags %#x) changed the state:\n"
			  "--- before\n%s--- after\n%s", cmd_name(cmd), r->err,
			  nlh->nlmsg_flags, snap_a, snap_b);
		dump_request(m->buf, sendlen);
	}
}

static const struct op *pick_dump_op(void)
{
	unsigned int i;

	for (i = 0; i < 32; i++) {
		const struct op *c = &ops[rnd(nops)];

		if (c->flags & GENL_CMD_CAP_DUMP)
			return c;
	}
	return NULL;
}

/* A dump read to its end; sometimes with a second dump started on the
 * socket meanwhile (EBUSY, or it runs after the first); sometimes read with
 * a tiny buffer (each datagram truncated), then synced. */
static void do_dump(struct msg *m)
{
	static struct msg m2;
	const struct op *o = pick_dump_op();
	struct exch x = { .n = 0 };
	struct req *r;

	if (!o)
		return;
	build_valid(m, o, true);
	if (chance(30))
		mutate(m);
	m->nlh->nlmsg_flags |= NLM_F_DUMP | NLM_F_REQUEST;
	r = exch_add(&x, m->nlh->nlmsg_seq, m->nlh->nlmsg_len, false, true);
	st.sent++;
	st.dumps++;
	send_raw(nl, m->buf, m->nlh->nlmsg_len);
	if (chance(15)) {
		build_valid(&m2, o, true);
		exch_add(&x, m2.nlh->nlmsg_seq, m2.nlh->nlmsg_len, false, true);
		st.sent++;
		st.dumps++;
		send_raw(nl, m2.buf, m2.nlh->nlmsg_len);
		send_sync(&x);
		read_to_end(&x, (uint8_t)o->cmd, BUFSZ);
		if (x.r[1].err == -EBUSY)
			st.ebusy++;
	} else if (chance(10)) {
		struct pollfd pfd = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };
		int k = 0;

		while (poll(&pfd, 1, 200) > 0 && k++ < 10000)
			if (recv(pfd.fd, rbuf, 16, MSG_DONTWAIT) < 0 && errno != EAGAIN)
				break;
		x.allow_stray = true;
		x.n = 0;
		send_sync(&x);
		read_to_end(&x, (uint8_t)o->cmd, BUFSZ);
		return;
	} else {
		send_sync(&x);
		read_to_end(&x, (uint8_t)o->cmd, BUFSZ);
	}
	/* a mutation may have changed the command: judge what was sent */
	if (r->success && m->nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN &&
	    is_admin(op_find(((struct genlmsghdr *)mnl_nlmsg_get_payload(m->nlh))->cmd))) {
		violation("dump %s succeeded for an unprivileged requester", cmd_name(o->cmd));
		dump_request(m->buf, m->nlh->nlmsg_len);
	}
}

/* A dump on its own socket, at most one read, close: the kernel ends it. */
static void do_interrupted(struct msg *m)
{
	const struct op *o = pick_dump_op();
	struct mnl_socket *s;

	if (!o)
		return;
	s = nl_open();
	build_valid(m, o, true);
	st.sent++;
	st.interrupted++;
	send_raw(s, m->buf, m->nlh->nlmsg_len);
	if (chance(70)) {
		struct pollfd pfd = { .fd = mnl_socket_get_fd(s), .events = POLLIN };

		if (poll(&pfd, 1, 1000) > 0)
			(void)recv(pfd.fd, rbuf, chance(50) ? 64 : BUFSZ, MSG_DONTWAIT);
	}
	mnl_socket_close(s);
}

/* ---- the reconfiguring process ------------------------------------------------- */

static void reconf_one(struct msg *m)
{
	static unsigned int step;
	struct nlmsghdr *nlh;
	struct nlattr *n;
	uint8_t cmd;
	uint32_t vip = htonl(pool_vip[rnd(4)]);
	uint8_t proto = chance(50) ? 17 : 6;
	uint16_t port = pool_port[rnd(4)];

	static const uint8_t cmds[] = {
		NLBS_CMD_SERVICE_ADD, NLBS_CMD_SERVER_ADD, NLBS_CMD_SERVER_ADD,
		NLBS_CMD_SERVER_SET, NLBS_CMD_SERVER_SET, NLBS_CMD_SERVER_DEL,
		NLBS_CMD_SERVICE_DEL, NLBS_CMD_CONFIG_SET, NLBS_CMD_STATE_SET,
		NLBS_CMD_COMMIT, NLBS_CMD_FLOW_DEL, NLBS_CMD_SERVICE_SET,
	};

	cmd = cmds[rnd(sizeof(cmds))];
	if (step++ % 50 == 0)
		cmd = NLBS_CMD_CONFIG_SET;	/* and back to a working config */
	msg_start(m, family, NLM_F_REQUEST | NLM_F_ACK, cmd);
	nlh = m->nlh;
	switch (cmd) {
	case NLBS_CMD_CONFIG_SET:
		if (nifidx >= 2) {
			mnl_attr_put_u32(nlh, NLBS_A_ACCESS_IFINDEX, ifidx[0]);
			mnl_attr_put_u32(nlh, NLBS_A_SERVER_IFINDEX, ifidx[1]);
		}
		mnl_attr_put_u32(nlh, NLBS_A_NLBS_ADDR_BE, htonl(0x0a0a0064));
		if (chance(50))
			mnl_attr_put_u32(nlh, NLBS_A_FLOW_MAX, 64 + rnd(4096));
		if (chance(30))
			mnl_attr_put_u32(nlh, NLBS_A_FLOW_TIMEOUT_UDP, 1 + rnd(60));
		if (chance(30))
			mnl_attr_put_u32(nlh, NLBS_A_HASH_SEED, rnd(4));
		break;
	case NLBS_CMD_STATE_SET:
		mnl_attr_put_u8(nlh, NLBS_A_STATE, chance(70) ? NLBS_STATE_ACTIVE :
				(uint8_t)(rnd(NLBS_STATE_MAX + 1)));
		if (chance(30))
			mnl_attr_put_u32(nlh, NLBS_A_LEASE_MS, 200 + rnd(2000));
		break;
	case NLBS_CMD_COMMIT:
		break;
	case NLBS_CMD_FLOW_DEL:
		if (chance(50)) {
			n = mnl_attr_nest_start(nlh, NLBS_A_SERVICE);
			mnl_attr_put_u32(nlh, NLBS_SVC_A_VIP_BE, vip);
			mnl_attr_nest_end(nlh, n);
		}
		break;
	default:
		n = mnl_attr_nest_start(nlh, NLBS_A_SERVICE);
		mnl_attr_put_u32(nlh, NLBS_SVC_A_VIP_BE, vip);
		if (chance(80)) {
			mnl_attr_put_u8(nlh, NLBS_SVC_A_PROTO, proto);
			mnl_attr_put_u16(nlh, NLBS_SVC_A_PORT, port);
		}
		if (cmd == NLBS_CMD_SERVICE_ADD)
			mnl_attr_put_u32(nlh, NLBS_SVC_A_TABLE_SIZE, 251);
		if (cmd == NLBS_CMD_SERVICE_SET || (cmd == NLBS_CMD_SERVICE_ADD && chance(50)))
			mnl_attr_put_u8(nlh, NLBS_SVC_A_NODEST, (uint8_t)rnd(2));
		mnl_attr_nest_end(nlh, n);
		if (cmd == NLBS_CMD_SERVER_ADD || cmd == NLBS_CMD_SERVER_SET ||
		    cmd == NLBS_CMD_SERVER_DEL) {
			n = mnl_attr_nest_start(nlh, NLBS_A_SERVER);
			mnl_attr_put_u32(nlh, NLBS_SRV_A_ADDR_BE, htonl(pool_srv[rnd(3)]));
			if (cmd != NLBS_CMD_SERVER_DEL)
				mnl_attr_put_u32(nlh, NLBS_SRV_A_WEIGHT, rnd(4));
			mnl_attr_nest_end(nlh, n);
			if (chance(30))
				mnl_attr_put(nlh, NLBS_A_DEFER, 0, NULL);
		}
		break;
	}
	st.valid++;
	exchange(m, m->nlh->nlmsg_len);
}

/* ---- main ---------------------------------------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fputs("usage: fuzz_genl [--count N] [--seconds S] [--seed N] [--tag NAME]\n"
	      "                 [--ifaces a,b] [--check-every N --snapshot CMD]\n"
	      "                 [--unpriv | --userns] [--reconf] [--verbose]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "count", 1, NULL, 'n' }, { "seconds", 1, NULL, 't' },
		{ "seed", 1, NULL, 's' }, { "tag", 1, NULL, 'T' },
		{ "ifaces", 1, NULL, 'i' }, { "check-every", 1, NULL, 'c' },
		{ "snapshot", 1, NULL, 'S' }, { "unpriv", 0, NULL, 'u' },
		{ "userns", 0, NULL, 'U' }, { "reconf", 0, NULL, 'r' },
		{ "verbose", 0, NULL, 'v' }, { "max-violations", 1, NULL, 'm' },
		{ "skip-if", 1, NULL, 'k' }, { "slow-ms", 1, NULL, 'L' },
		{ "flap", 0, NULL, 'F' }, { "snapshot-every", 1, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	static struct msg m;
	double t0, el;
	int c;

	opt_seed = (unsigned int)getpid() ^ (unsigned int)time(NULL);
	while ((c = getopt_long(argc, argv, "n:t:s:T:i:c:S:uUrvm:k:e:L:F", lo, NULL)) != -1) {
		switch (c) {
		case 'n': opt_count = strtoull(optarg, NULL, 0); break;
		case 't': opt_seconds = atof(optarg); break;
		case 's': opt_seed = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'T': tag = optarg; break;
		case 'i': opt_ifaces = optarg; break;
		case 'c': opt_check_every = (unsigned int)atoi(optarg); break;
		case 'S': opt_snapshot = optarg; break;
		case 'u': opt_unpriv = true; break;
		case 'U': opt_userns = true; break;
		case 'r': opt_reconf = true; break;
		case 'F': opt_flap = true; break;
		case 'v': opt_verbose++; break;
		case 'm': opt_max_viol = (unsigned int)atoi(optarg); break;
		case 'k': opt_skip_if = optarg; break;
		case 'L': opt_slow_ms = (unsigned int)atoi(optarg); break;
		case 'e': opt_ext_every = (unsigned int)atoi(optarg); break;
		default: usage();
		}
	}
	rng_s = opt_seed;
	if (opt_ifaces) {
		char *s = strdup(opt_ifaces), *tok, *save = NULL;

		for (tok = strtok_r(s, ",", &save); tok && nifidx < 8; tok = strtok_r(NULL, ",", &save)) {
			unsigned int i = if_nametoindex(tok);

			if (!i)
				die("no interface %s", tok);
			ifidx[nifidx++] = i;
		}
	}
	nl = nl_open();
	portid = mnl_socket_get_portid(nl);
	load_family();
	fprintf(stderr, "fuzz_genl: %s: seed %u\n", tag, opt_seed);

	t0 = now();
	while (opt_seconds ? now() - t0 < opt_seconds : st.sent < opt_count) {
		unsigned int r;

		if (opt_reconf) {
			reconf_one(&m);
			continue;
		}
		if (opt_flap) {
			/* the state flapping as fast as requests go */
			msg_start(&m, family, NLM_F_REQUEST | NLM_F_ACK, NLBS_CMD_STATE_SET);
			mnl_attr_put_u8(m.nlh, NLBS_A_STATE, st.sent % 2 ? NLBS_STATE_STANDBY :
					NLBS_STATE_ACTIVE);
			if (st.sent % 7 == 0)
				mnl_attr_put_u32(m.nlh, NLBS_A_LEASE_MS, 1 + rnd(20));
			st.valid++;
			exchange(&m, m.nlh->nlmsg_len);
			continue;
		}
		r = rnd(100);
		if (r < 30) {
			const struct op *o = &ops[rnd(nops)];

			build_valid(&m, o, !(o->flags & GENL_CMD_CAP_DO));
			st.valid++;
			exchange(&m, m.nlh->nlmsg_len);
		} else if (r < 80) {
			const struct op *o = &ops[rnd(nops)];

			size_t len;

			build_valid(&m, o, chance(10));
			mutate(&m);
			st.mutated++;
			len = m.nlh->nlmsg_len;
			if (chance(4)) {
				/* nlmsg_len beyond what is sent (the kernel drops
				 * it), or garbage after it (parsed as more) */
				if (chance(50) && len > NLMSG_HDRLEN)
					len -= 1 + rnd((uint32_t)(len - NLMSG_HDRLEN));
				else if (len + 64 < BUFSZ) {
					unsigned int k = 1 + rnd(48);

					rnd_bytes(m.buf + len, k);
					len += k;
				}
			}
			exchange(&m, len);
		} else if (r < 92) {
			build_random(&m);
			st.random++;
			exchange(&m, m.nlh->nlmsg_len);
		} else if (r < 98) {
			do_dump(&m);
		} else {
			do_interrupted(&m);
		}
	}
	el = now() - t0;
	mnl_socket_close(nl);

	{
		char hist[512] = "";
		size_t h = 0;
		unsigned int e;

		for (e = 1; e < 4096 && h < sizeof(hist) - 32; e++)
			if (st.errno_hist[e])
				h += (size_t)snprintf(hist + h, sizeof(hist) - h, " %s:%llu",
						      strerrorname_np((int)e) ?: "?", st.errno_hist[e]);
		printf("fuzz_genl: %s: sent %llu (valid %llu mutated %llu random %llu dumps %llu "
		       "interrupted %llu) acked %llu errors %llu replies %llu dump-msgs %llu "
		       "checks %llu (nlbs-genl %llu, skipped %llu) violations %llu in %.1f s, %.0f/s, "
		       "slowest %.0f ms, time in requests %.0f s, in snapshots %.0f s (nlbs-genl %.0f s); "
		       "errno%s\n",
		       tag, st.sent, st.valid, st.mutated, st.random, st.dumps, st.interrupted,
		       st.acked, st.errors, st.replies, st.dump_msgs, st.checks, st.ext_checks, st.checks_skipped,
		       st.violations, el, el > 0 ? st.sent / el : 0.0, st.slowest * 1000, st.t_xchg, st.t_snap + st.t_ext, st.t_ext, hist);
	}
	if (opt_verbose) {
		unsigned int c2;

		for (c2 = 0; c2 < 256; c2++)
			if (st.vok[c2] || st.verr[c2])
				printf("fuzz_genl: %s: valid cmd %u: accepted %llu rejected %llu (last %d %s)\n",
				       tag, c2, st.vok[c2], st.verr[c2], st.vlast[c2], st.vmsg[c2]);
	}
	return st.violations ? 1 : 0;
}
