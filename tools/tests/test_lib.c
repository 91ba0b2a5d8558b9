// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Host-side unit tests of libnlbs: what the encoders put in a message, what
 * the decoders make of one (built here as the kernel builds them), and the
 * typed requests on a handle whose socket is a pair of functions (requests
 * recorded, replies made up). No socket, no module. Built with ASan/UBSan
 * by `make check`; prints KTAP and exits non-zero if any test fails.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/genetlink.h>

#include "nlbs_nl.h"
#include "nlbs_nl_io.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NTESTS	61

static unsigned int test_no, failures;

static void result(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u ", ok ? "ok" : "not ok", ++test_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		failures++;
}

/* Compare a rendering with what was expected; print both if they differ. */
static void expect_str(const char *got, const char *want, const char *name)
{
	bool ok = !strcmp(got, want);

	result(ok, "%s", name);
	if (!ok)
		printf("# got:      %s\n# expected: %s\n", got, want);
}

/* ---- canonical text of a message's attributes -------------------------------- */

struct out {
	char s[2048];
	size_t n;
};

static void out(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->n && o->s[o->n - 1] != '{' && o->n < sizeof(o->s))
		o->n += snprintf(o->s + o->n, sizeof(o->s) - o->n, " ");
	if (o->n >= sizeof(o->s))
		return;
	va_start(ap, fmt);
	o->n += vsnprintf(o->s + o->n, sizeof(o->s) - o->n, fmt, ap);
	va_end(ap);
}

struct attr_names {
	const char *const *names;
	unsigned int max;
	uint32_t be;			/* NLBS_BIT()s of the _BE addresses */
};

static const char *const top_names[NLBS_A_MAX + 1] = {
	[NLBS_A_ACCESS_IFINDEX] = "access", [NLBS_A_SERVER_IFINDEX] = "servers",
	[NLBS_A_NLBS_ADDR_BE] = "nlbs", [NLBS_A_GARP_COUNT] = "garp-count",
	[NLBS_A_GARP_INTERVAL] = "garp-interval", [NLBS_A_HASH_SEED] = "seed",
	[NLBS_A_SERVICE] = "svc", [NLBS_A_SERVER] = "srv",
	[NLBS_A_FLOW] = "flow", [NLBS_A_FLOW_MAX] = "flow-max",
	[NLBS_A_FLOW_TIMEOUT_TCP] = "tcp",
	[NLBS_A_FLOW_TIMEOUT_TCP_FIN] = "tcp-fin",
	[NLBS_A_FLOW_TIMEOUT_UDP] = "udp", [NLBS_A_FLOW_TIMEOUT_SYN] = "syn",
};

static const char *const svc_names[NLBS_SVC_A_MAX + 1] = {
	[NLBS_SVC_A_VIP_BE] = "vip", [NLBS_SVC_A_PROTO] = "proto",
	[NLBS_SVC_A_PORT] = "port", [NLBS_SVC_A_SERVERS] = "servers",
	[NLBS_SVC_A_TABLE_SIZE] = "table", [NLBS_SVC_A_EVENT] = "event",
	[NLBS_SVC_A_NODEST] = "nodest",
};

static const char *const srv_names[NLBS_SRV_A_MAX + 1] = {
	[NLBS_SRV_A_ADDR_BE] = "addr", [NLBS_SRV_A_WEIGHT] = "weight",
};

static const char *const flow_names[NLBS_FLOW_A_MAX + 1] = {
	[NLBS_FLOW_A_SADDR_BE] = "saddr", [NLBS_FLOW_A_DADDR_BE] = "daddr",
	[NLBS_FLOW_A_PROTO] = "proto", [NLBS_FLOW_A_SPORT] = "sport",
	[NLBS_FLOW_A_DPORT] = "dport", [NLBS_FLOW_A_SERVER_BE] = "server",
	[NLBS_FLOW_A_IDLE_MS] = "idle", [NLBS_FLOW_A_FLAGS] = "flags",
};

static const struct attr_names top_set = {
	top_names, NLBS_A_MAX, NLBS_BIT(NLBS_A_NLBS_ADDR_BE)
};
static const struct attr_names nests[NLBS_A_MAX + 1] = {
	[NLBS_A_SERVICE] = { svc_names, NLBS_SVC_A_MAX,
			     NLBS_BIT(NLBS_SVC_A_VIP_BE) },
	[NLBS_A_SERVER] = { srv_names, NLBS_SRV_A_MAX,
			    NLBS_BIT(NLBS_SRV_A_ADDR_BE) },
	[NLBS_A_FLOW] = { flow_names, NLBS_FLOW_A_MAX,
			  NLBS_BIT(NLBS_FLOW_A_SADDR_BE) |
			  NLBS_BIT(NLBS_FLOW_A_DADDR_BE) |
			  NLBS_BIT(NLBS_FLOW_A_SERVER_BE) },
};

/* "name=value": value by the attribute's length, _BE ones as addresses. */
static void render_attr(struct out *o, const struct nlattr *a,
			const struct attr_names *set)
{
	uint16_t t = mnl_attr_get_type(a);
	const char *name = t <= set->max && set->names[t] ? set->names[t] : NULL;
	char nbuf[16], abuf[16];
	uint32_t v;

	if (!name) {
		snprintf(nbuf, sizeof(nbuf), "?%u", t);
		name = nbuf;
	}
	switch (mnl_attr_get_payload_len(a)) {
	case 1:
		out(o, "%s=%u", name, mnl_attr_get_u8(a));
		break;
	case 2:
		out(o, "%s=%u", name, mnl_attr_get_u16(a));
		break;
	case 4:
		v = mnl_attr_get_u32(a);
		if (set->be & NLBS_BIT(t))
			out(o, "%s=%s", name,
			    inet_ntop(AF_INET, &v, abuf, sizeof(abuf)));
		else
			out(o, "%s=%u", name, v);
		break;
	default:
		out(o, "%s/%u", name, mnl_attr_get_payload_len(a));
	}
}

/* "attr=value ... svc{vip=... port=80} flow{...}" */
static const char *render(const struct nlmsghdr *nlh)
{
	static struct out o;
	const struct nlattr *a, *n;
	uint16_t t;

	o.n = 0;
	o.s[0] = '\0';
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		t = mnl_attr_get_type(a);
		if (t <= NLBS_A_MAX && nests[t].names) {
			out(&o, "%s{", top_names[t]);
			mnl_attr_for_each_nested(n, a)
				render_attr(&o, n, &nests[t]);
			if (o.n < sizeof(o.s))
				o.n += snprintf(o.s + o.n, sizeof(o.s) - o.n, "}");
		} else {
			render_attr(&o, a, &top_set);
		}
	}
	return o.s;
}

/* ---- encoders and decoders ----------------------------------------------------- */

static char msgbuf[NLBS_NL_BUFSIZE] __attribute__((aligned(8)));

static struct nlmsghdr *msg(uint8_t cmd)
{
	return nlbs_msg_init(msgbuf, 0x42, cmd, 0);
}

static const uint32_t flow_cfg_bits =
	NLBS_BIT(NLBS_A_FLOW_MAX) | NLBS_BIT(NLBS_A_FLOW_TIMEOUT_TCP) |
	NLBS_BIT(NLBS_A_FLOW_TIMEOUT_TCP_FIN) |
	NLBS_BIT(NLBS_A_FLOW_TIMEOUT_UDP) | NLBS_BIT(NLBS_A_FLOW_TIMEOUT_SYN);

static void test_config(void)
{
	struct nlbs_config cfg = {
		.present = flow_cfg_bits | NLBS_BIT(NLBS_A_HASH_SEED),
		.hash_seed = 7,
		.flow_max = 262144,
		.flow_timeout_tcp = 300,
		.flow_timeout_tcp_fin = 10,
		.flow_timeout_udp = 120,
		.flow_timeout_syn = 5,
	}, back;
	struct nlmsghdr *nlh = msg(NLBS_CMD_CONFIG_SET);

	result(NLBS_A_MAX < 32,
	       "config: the present mask holds every attribute (last: %d)",
	       NLBS_A_MAX);
	nlbs_put_config(nlh, &cfg);
	expect_str(render(nlh),
		   "seed=7 flow-max=262144 tcp=300 tcp-fin=10 udp=120 syn=5",
		   "encode: config set with the flow settings");
	result(nlbs_parse_config(nlh, &back) == 0 &&
	       back.present == cfg.present && back.flow_max == 262144 &&
	       back.flow_timeout_tcp == 300 &&
	       back.flow_timeout_tcp_fin == 10 &&
	       back.flow_timeout_udp == 120 && back.flow_timeout_syn == 5 &&
	       back.hash_seed == 7,
	       "decode: config with the flow settings");

	cfg.present = NLBS_BIT(NLBS_A_FLOW_TIMEOUT_UDP);
	nlh = msg(NLBS_CMD_CONFIG_SET);
	nlbs_put_config(nlh, &cfg);
	expect_str(render(nlh), "udp=120",
		   "encode: config set puts only the present flow settings");
	result(nlbs_parse_config(nlh, &back) == 0 &&
	       back.present == NLBS_BIT(NLBS_A_FLOW_TIMEOUT_UDP) &&
	       !back.flow_max && !back.flow_timeout_tcp,
	       "decode: config, absent flow settings are 0 and not present");

	nlh = msg(NLBS_CMD_CONFIG_GET);
	mnl_attr_put_u16(nlh, NLBS_A_FLOW_TIMEOUT_SYN, 10);	/* u32 expected */
	result(nlbs_parse_config(nlh, &back) == -EINVAL,
	       "decode: config, a flow setting of the wrong size is -EINVAL");
}

static void test_service(void)
{
	struct nlbs_service svc = {
		.present = NLBS_BIT(NLBS_SVC_A_VIP_BE) |
			   NLBS_BIT(NLBS_SVC_A_PROTO) |
			   NLBS_BIT(NLBS_SVC_A_PORT),
		.vip = inet_addr("198.51.100.10"),
		.proto = IPPROTO_TCP,
		.port = 80,
		.table_size = 251,
		.nodest = NLBS_NODEST_DROP,
	}, back;
	struct nlmsghdr *nlh = msg(NLBS_CMD_SERVICE_ADD);
	struct nlattr *n;

	nlbs_put_service(nlh, &svc);
	expect_str(render(nlh), "svc{vip=198.51.100.10 proto=6 port=80}",
		   "encode: service without table size and nodest present");

	svc.present |= NLBS_BIT(NLBS_SVC_A_TABLE_SIZE) |
		       NLBS_BIT(NLBS_SVC_A_NODEST);
	nlh = msg(NLBS_CMD_SERVICE_ADD);
	nlbs_put_service(nlh, &svc);
	expect_str(render(nlh),
		   "svc{vip=198.51.100.10 proto=6 port=80 table=251 nodest=1}",
		   "encode: service with table size and nodest");
	result(nlbs_parse_service(nlh, &back) == 0 &&
	       back.present == svc.present && back.table_size == 251 &&
	       back.nodest == NLBS_NODEST_DROP && back.port == 80,
	       "decode: service with table size and nodest");

	nlh = msg(NLBS_CMD_SERVICE_GET);
	n = mnl_attr_nest_start(nlh, NLBS_A_SERVICE);
	mnl_attr_put_u32(nlh, NLBS_SVC_A_VIP_BE, svc.vip);
	mnl_attr_put_u32(nlh, NLBS_SVC_A_NODEST, 1);	/* u8 expected */
	mnl_attr_nest_end(nlh, n);
	result(nlbs_parse_service(nlh, &back) == -EINVAL,
	       "decode: service, nodest of the wrong size is -EINVAL");
}

static void test_server(void)
{
	struct nlmsghdr *nlh = msg(NLBS_CMD_SERVER_GET);
	struct nlbs_service svc;
	struct nlbs_server srv;
	struct nlattr *n;

	n = mnl_attr_nest_start(nlh, NLBS_A_SERVICE);
	mnl_attr_put_u32(nlh, NLBS_SVC_A_VIP_BE, inet_addr("198.51.100.10"));
	mnl_attr_put_u8(nlh, NLBS_SVC_A_PROTO, 0);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, NLBS_A_SERVER);
	mnl_attr_put_u32(nlh, NLBS_SRV_A_ADDR_BE, inet_addr("10.20.0.21"));
	mnl_attr_put_u32(nlh, NLBS_SRV_A_ACTIVE_FLOWS, 1234);
	mnl_attr_put(nlh, NLBS_SRV_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, NLBS_SRV_A_NEW_FLOWS, 5000000000ULL);
	mnl_attr_nest_end(nlh, n);
	result(nlbs_parse_server(nlh, &svc, &srv) == 0 &&
	       srv.active_flows == 1234 && srv.new_flows == 5000000000ULL &&
	       (srv.present & NLBS_BIT(NLBS_SRV_A_ACTIVE_FLOWS)) &&
	       (srv.present & NLBS_BIT(NLBS_SRV_A_NEW_FLOWS)),
	       "decode: server active and new flows");

	nlh = msg(NLBS_CMD_SERVER_GET);
	n = mnl_attr_nest_start(nlh, NLBS_A_SERVER);
	mnl_attr_put_u32(nlh, NLBS_SRV_A_NEW_FLOWS, 1);	/* u64 expected */
	mnl_attr_nest_end(nlh, n);
	result(nlbs_parse_server(nlh, &svc, &srv) == -EINVAL,
	       "decode: server, new flows of the wrong size is -EINVAL");
}

struct packed_seen {
	int n;
	uint32_t vip;
	uint32_t addr[4];
	int stop_at;		/* return 7 from this server on (1-based) */
};

static int packed_cb(const struct nlbs_service *svc,
		     const struct nlbs_server *srv, void *data)
{
	struct packed_seen *p = data;

	p->vip = svc->vip;
	if (p->n < 4)
		p->addr[p->n] = srv->addr;
	p->n++;
	return p->stop_at && p->n >= p->stop_at ? 7 : 0;
}

/* A packed SERVER_GET message: one service, then several servers. */
static void test_servers_packed(void)
{
	struct nlmsghdr *nlh = msg(NLBS_CMD_SERVER_GET);
	struct packed_seen seen = { 0 };
	struct nlattr *n;
	int i;

	n = mnl_attr_nest_start(nlh, NLBS_A_SERVICE);
	mnl_attr_put_u32(nlh, NLBS_SVC_A_VIP_BE, inet_addr("198.51.100.10"));
	mnl_attr_put_u8(nlh, NLBS_SVC_A_PROTO, 0);
	mnl_attr_nest_end(nlh, n);
	for (i = 1; i <= 3; i++) {
		n = mnl_attr_nest_start(nlh, NLBS_A_SERVER);
		mnl_attr_put_u32(nlh, NLBS_SRV_A_ADDR_BE, htonl(0x0a140000 + i));
		mnl_attr_put_u32(nlh, NLBS_SRV_A_WEIGHT, i);
		mnl_attr_nest_end(nlh, n);
	}
	result(nlbs_parse_servers(nlh, packed_cb, &seen) == 0 && seen.n == 3 &&
	       seen.vip == inet_addr("198.51.100.10") &&
	       seen.addr[0] == htonl(0x0a140001) &&
	       seen.addr[2] == htonl(0x0a140003),
	       "decode: packed servers, each with the message's service, in order (%d)",
	       seen.n);

	memset(&seen, 0, sizeof(seen));
	seen.stop_at = 2;
	result(nlbs_parse_servers(nlh, packed_cb, &seen) == 7 && seen.n == 2,
	       "decode: packed servers, the callback's non-zero stops the rest");

	nlh = msg(NLBS_CMD_SERVER_GET);
	n = mnl_attr_nest_start(nlh, NLBS_A_SERVER);
	mnl_attr_put_u32(nlh, NLBS_SRV_A_ADDR_BE, htonl(0x0a140001));
	mnl_attr_nest_end(nlh, n);
	memset(&seen, 0, sizeof(seen));
	result(nlbs_parse_servers(nlh, packed_cb, &seen) == -EINVAL && !seen.n,
	       "decode: a server before its service is -EINVAL");

	nlh = msg(NLBS_CMD_SERVER_GET);
	n = mnl_attr_nest_start(nlh, NLBS_A_SERVICE);
	mnl_attr_put_u32(nlh, NLBS_SVC_A_VIP_BE, inet_addr("198.51.100.10"));
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, NLBS_A_SERVER);
	mnl_attr_put_u32(nlh, NLBS_SRV_A_WEIGHT, 1);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, NLBS_A_SERVER);
	mnl_attr_put_u32(nlh, NLBS_SRV_A_NEW_FLOWS, 1);	/* u64 expected */
	mnl_attr_nest_end(nlh, n);
	memset(&seen, 0, sizeof(seen));
	result(nlbs_parse_servers(nlh, packed_cb, &seen) == -EINVAL && seen.n == 1,
	       "decode: packed servers, a malformed one is -EINVAL");
}

static struct nlbs_flow flow1;

static void init_flow1(void)
{
	flow1 = (struct nlbs_flow){
		.present = NLBS_BIT(NLBS_FLOW_A_IDLE_MS) |
			   NLBS_BIT(NLBS_FLOW_A_FLAGS),
		.saddr = inet_addr("203.0.113.10"),
		.daddr = inet_addr("198.51.100.10"),
		.proto = IPPROTO_TCP,
		.sport = 40000,
		.dport = 80,
		.server = inet_addr("10.20.0.21"),
		.idle_ms = 1500,
		.flags = NLBS_FLOW_F_FIN | NLBS_FLOW_F_IMPORTED,
	};
}

static void test_put_flow(void)
{
	struct nlmsghdr *nlh = msg(NLBS_CMD_FLOW_ADD);
	struct nlbs_flow f = flow1, back;
	uint32_t len;

	len = nlh->nlmsg_len;
	nlbs_put_flow(nlh, &f);
	expect_str(render(nlh),
		   "flow{saddr=203.0.113.10 daddr=198.51.100.10 proto=6 sport=40000 dport=80 server=10.20.0.21 idle=1500 flags=1}",
		   "encode: flow, the imported flag left out");
	result(nlh->nlmsg_len - len == NLBS_FLOW_NEST_SIZE - 3 * 12,
	       "encode: an IPv4 flow with every attribute is NLBS_FLOW_NEST_SIZE (%u) less 36 bytes",
	       (unsigned int)NLBS_FLOW_NEST_SIZE);
	result(nlbs_parse_flow(nlh, &back) == 0 && back.flags == NLBS_FLOW_F_FIN &&
	       back.idle_ms == 1500 && back.saddr == f.saddr &&
	       back.server == f.server && back.sport == 40000 &&
	       back.present == (NLBS_BIT(NLBS_FLOW_A_SADDR_BE) |
				NLBS_BIT(NLBS_FLOW_A_DADDR_BE) |
				NLBS_BIT(NLBS_FLOW_A_PROTO) |
				NLBS_BIT(NLBS_FLOW_A_SPORT) |
				NLBS_BIT(NLBS_FLOW_A_DPORT) |
				NLBS_BIT(NLBS_FLOW_A_SERVER_BE) |
				NLBS_BIT(NLBS_FLOW_A_IDLE_MS) |
				NLBS_BIT(NLBS_FLOW_A_FLAGS)),
	       "decode: flow with flags");

	{
		struct nlbs_flow f6 = flow1, back6;
		struct nlmsghdr *nlh6 = msg(NLBS_CMD_FLOW_ADD);

		f6.present |= NLBS_BIT(NLBS_FLOW_A_SADDR6);
		inet_pton(AF_INET6, "2001:db8::10", f6.saddr6);
		inet_pton(AF_INET6, "2001:db8:1::80", f6.daddr6);
		inet_pton(AF_INET6, "fd00:20::21", f6.server6);
		len = nlh6->nlmsg_len;
		nlbs_put_flow(nlh6, &f6);
		result(nlh6->nlmsg_len - len == NLBS_FLOW_NEST_SIZE &&
		       nlbs_parse_flow(nlh6, &back6) == 0 &&
		       !memcmp(back6.saddr6, f6.saddr6, 16) &&
		       !memcmp(back6.daddr6, f6.daddr6, 16) &&
		       !memcmp(back6.server6, f6.server6, 16) &&
		       back6.sport == 40000 && back6.dport == 80 &&
		       back6.present == (NLBS_BIT(NLBS_FLOW_A_SADDR6) |
					 NLBS_BIT(NLBS_FLOW_A_DADDR6) |
					 NLBS_BIT(NLBS_FLOW_A_PROTO) |
					 NLBS_BIT(NLBS_FLOW_A_SPORT) |
					 NLBS_BIT(NLBS_FLOW_A_DPORT) |
					 NLBS_BIT(NLBS_FLOW_A_SERVER6) |
					 NLBS_BIT(NLBS_FLOW_A_IDLE_MS) |
					 NLBS_BIT(NLBS_FLOW_A_FLAGS)),
		       "encode/decode: an IPv6 flow is NLBS_FLOW_NEST_SIZE bytes and round-trips");
	}

	f.present = 0;
	f.proto = IPPROTO_UDP;
	nlh = msg(NLBS_CMD_FLOW_ADD);
	nlbs_put_flow(nlh, &f);
	expect_str(render(nlh),
		   "flow{saddr=203.0.113.10 daddr=198.51.100.10 proto=17 sport=40000 dport=80 server=10.20.0.21}",
		   "encode: flow without idle time and flags");
}

struct collect {
	struct nlbs_flow f[8];
	int n;
	int stop_at;		/* cb returns 7 for this one (from 1), 0: never */
};

static int collect_cb(const struct nlbs_flow *flow, void *data)
{
	struct collect *c = data;

	if (c->n < (int)ARRAY_SIZE(c->f))
		c->f[c->n] = *flow;
	c->n++;
	return c->n == c->stop_at ? 7 : 0;
}

/* A FLOW_NTF batch of n flows (sport 1000 + i), as the kernel sends it. */
static struct nlmsghdr *flow_batch(int n)
{
	struct nlmsghdr *nlh = msg(NLBS_CMD_FLOW_NTF);
	struct nlbs_flow f = flow1;
	int i;

	for (i = 0; i < n; i++) {
		f.sport = (uint16_t)(1000 + i);
		f.flags = i == 1 ? NLBS_FLOW_F_SYN : 0;
		nlbs_put_flow(nlh, &f);
	}
	return nlh;
}

static void test_parse_flows(void)
{
	struct collect c = { .n = 0 };
	struct nlmsghdr *nlh;
	struct nlattr *n;
	int ret;

	nlh = flow_batch(3);
	mnl_attr_put_u32(nlh, 200, 1);		/* newer kernel: ignored */
	ret = nlbs_parse_flows(nlh, collect_cb, &c);
	result(ret == 0 && c.n == 3 && c.f[0].sport == 1000 &&
	       c.f[1].sport == 1001 && c.f[2].sport == 1002 &&
	       c.f[1].flags == NLBS_FLOW_F_SYN && !c.f[2].flags &&
	       c.f[2].server == flow1.server && c.f[0].idle_ms == 1500,
	       "decode: a FLOW_NTF batch of 3 flows, each once and in order (ret %d, %d flows)",
	       ret, c.n);

	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	ret = nlbs_parse_flows(flow_batch(3), collect_cb, &c);
	result(ret == 7 && c.n == 2,
	       "decode: a FLOW_NTF batch stops when the callback says so");

	memset(&c, 0, sizeof(c));
	nlh = flow_batch(2);
	n = mnl_attr_nest_start(nlh, NLBS_A_FLOW);
	mnl_attr_put_u32(nlh, NLBS_FLOW_A_PROTO, 6);	/* u8 expected */
	mnl_attr_nest_end(nlh, n);
	ret = nlbs_parse_flows(nlh, collect_cb, &c);
	result(ret == -EINVAL && c.n == 0,
	       "decode: a batch with one malformed flow is -EINVAL, no flow delivered");

	memset(&c, 0, sizeof(c));
	ret = nlbs_parse_flows(msg(NLBS_CMD_FLOW_NTF), collect_cb, &c);
	result(ret == 0 && c.n == 0, "decode: an empty batch");
}

static void test_filter(void)
{
	struct nlbs_flow_filter f = { .has_vip = true,
				      .vip = inet_addr("198.51.100.10") };
	struct nlmsghdr *nlh;

	nlh = msg(NLBS_CMD_FLOW_GET);
	nlbs_put_flow_filter(nlh, NULL);
	expect_str(render(nlh), "", "encode: no flow filter");

	nlh = msg(NLBS_CMD_FLOW_GET);
	nlbs_put_flow_filter(nlh, &f);
	expect_str(render(nlh), "svc{vip=198.51.100.10}",
		   "encode: flow filter by VIP: no protocol");

	f.proto = IPPROTO_TCP;
	nlh = msg(NLBS_CMD_FLOW_GET);
	nlbs_put_flow_filter(nlh, &f);
	expect_str(render(nlh), "svc{vip=198.51.100.10 proto=6}",
		   "encode: flow filter by VIP and protocol: no port 0");

	f.proto = IPPROTO_UDP;
	f.port = 53;
	f.has_server = true;
	f.server = inet_addr("10.20.0.22");
	nlh = msg(NLBS_CMD_FLOW_GET);
	nlbs_put_flow_filter(nlh, &f);
	expect_str(render(nlh),
		   "svc{vip=198.51.100.10 proto=17 port=53} srv{addr=10.20.0.22}",
		   "encode: flow filter by service and server");

	f.has_vip = false;
	nlh = msg(NLBS_CMD_FLOW_DEL);
	nlbs_put_flow_filter(nlh, &f);
	expect_str(render(nlh), "srv{addr=10.20.0.22}",
		   "encode: flow filter by server only");
}

static void test_stats_names(void)
{
	static const char *const want[] = {
		[NLBS_STATS_A_FLOWS] = "flows",
		[NLBS_STATS_A_FLOW_NEW] = "flow-new",
		[NLBS_STATS_A_FLOW_SKIP_FULL] = "flow-skip-full",
		[NLBS_STATS_A_FLOW_SKIP_NOMEM] = "flow-skip-nomem",
		[NLBS_STATS_A_FLOW_SKIP_FLOOD] = "flow-skip-flood",
		[NLBS_STATS_A_DROP_NODEST] = "drop-nodest",
		[NLBS_STATS_A_DROP_TOOBIG] = "drop-toobig",
		[NLBS_STATS_A_ICMP_FORWARDED] = "icmp-forwarded",
		[NLBS_STATS_A_SYNC_SENT] = "sync-sent",
		[NLBS_STATS_A_SYNC_DROPPED] = "sync-dropped",
		[NLBS_STATS_A_SYNC_IMPORTED] = "sync-imported",
		[NLBS_STATS_A_SYNC_REFUSED] = "sync-refused",
		[NLBS_STATS_A_NDP_SOLICITS] = "ndp-solicits",
		[NLBS_STATS_A_NDP_ADVERTS] = "ndp-adverts",
		[NLBS_STATS_A_NDP_UNSOLICITED] = "ndp-unsolicited",
		[NLBS_STATS_A_NDP_CONFLICTS] = "ndp-conflicts",
	};
	struct nlmsghdr *nlh = msg(NLBS_CMD_STATS_GET);
	struct nlbs_stats st;
	struct nlattr *n;
	unsigned int a, bad = 0;
	const char *name;

	for (a = NLBS_STATS_A_FLOWS; a <= NLBS_STATS_A_MAX; a++) {
		name = nlbs_stats_name(a);
		if (a >= ARRAY_SIZE(want) || !name || strcmp(name, want[a])) {
			printf("# counter %u: \"%s\"\n", a, name ? name : "(null)");
			bad++;
		}
	}
	for (a = 1; a <= NLBS_STATS_A_MAX; a++)
		if (a != NLBS_STATS_A_PAD && !nlbs_stats_name(a))
			bad++;
	result(!bad && !nlbs_stats_name(NLBS_STATS_A_PAD) &&
	       !nlbs_stats_name(NLBS_STATS_A_MAX + 1),
	       "names: every counter named, the new ones as documented, PAD not");

	n = mnl_attr_nest_start(nlh, NLBS_A_STATS);
	for (a = 1; a <= NLBS_STATS_A_MAX; a++)
		if (a == NLBS_STATS_A_PAD)
			mnl_attr_put(nlh, a, 0, NULL);
		else
			mnl_attr_put_u64(nlh, a, 1000 + a);
	mnl_attr_nest_end(nlh, n);
	result(nlbs_parse_stats(nlh, &st) == 0 &&
	       !(st.present & NLBS_BIT(NLBS_STATS_A_PAD)) &&
	       st.val[NLBS_STATS_A_SYNC_REFUSED] ==
		       1000 + NLBS_STATS_A_SYNC_REFUSED &&
	       st.val[NLBS_STATS_A_FLOWS] == 1000 + NLBS_STATS_A_FLOWS &&
	       (st.present & NLBS_BIT(NLBS_STATS_A_SYNC_REFUSED)),
	       "decode: stats with the new counters");
}

/* ---- typed requests on a fake socket -------------------------------------- */

#define FAKE_FAMILY	0x42
#define FAKE_REQS	16

/*
 * Every request is copied to req[]; its reply is an ACK, or for request
 * number fail_at (from 1) an error with extack text; a dump gets the flows
 * in dump_flows[] and NLMSG_DONE.
 */
static struct {
	char req[FAKE_REQS][NLBS_NL_BUFSIZE];
	int nreq;
	int fail_at;
	int reply_sent;		/* of the current request */
	uint32_t seq;
	const struct nlbs_flow *dump_flows;
	int ndump;
	const void *raw;	/* this datagram instead (nlmsg_seq set) */
	size_t rawlen;
} fake;

static char replybuf[NLBS_NL_BUFSIZE] __attribute__((aligned(8)));

static ssize_t fake_send(void *ctx, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;

	(void)ctx;
	if (fake.nreq < FAKE_REQS)
		memcpy(fake.req[fake.nreq], buf, len);
	fake.nreq++;
	fake.reply_sent = 0;
	fake.seq = nlh->nlmsg_seq;
	return (ssize_t)len;
}

static struct nlmsghdr *reply_hdr(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = fake.seq;
	return nlh;
}

static ssize_t fake_recv(void *ctx, void *buf, size_t len)
{
	const struct nlmsghdr *req = (void *)fake.req[(fake.nreq - 1) % FAKE_REQS];
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	char *p = replybuf;
	int i, *done;

	(void)ctx;
	if (fake.reply_sent++) {
		errno = EAGAIN;
		return -1;
	}
	if (fake.raw) {
		memcpy(buf, fake.raw, fake.rawlen);
		((struct nlmsghdr *)buf)->nlmsg_seq = fake.seq;
		return fake.rawlen;
	}
	if (req->nlmsg_flags & NLM_F_DUMP) {
		for (i = 0; i < fake.ndump; i++) {
			nlh = nlbs_msg_init(p, FAKE_FAMILY, NLBS_CMD_FLOW_GET, 0);
			nlh->nlmsg_flags = NLM_F_MULTI;
			nlh->nlmsg_seq = fake.seq;
			nlbs_put_flow(nlh, &fake.dump_flows[i]);
			p += NLMSG_ALIGN(nlh->nlmsg_len);
		}
		nlh = reply_hdr(p, NLMSG_DONE, NLM_F_MULTI);
		done = mnl_nlmsg_put_extra_header(nlh, sizeof(*done));
		*done = 0;
		p += NLMSG_ALIGN(nlh->nlmsg_len);
	} else {
		bool fail = fake.nreq == fake.fail_at;

		nlh = reply_hdr(p, NLMSG_ERROR,
				fail ? NLM_F_CAPPED | NLM_F_ACK_TLVS : NLM_F_CAPPED);
		e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
		e->error = fail ? -EINVAL : 0;
		e->msg = *req;
		if (fail)
			mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG,
					  "every flow was refused");
		p += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	if ((size_t)(p - replybuf) > len)
		abort();
	memcpy(buf, replybuf, p - replybuf);
	return p - replybuf;
}

static struct nlbs_nl *fake_open(void)
{
	static const struct nlbs_nl_io io = {
		.send = fake_send,
		.recv = fake_recv,
	};

	memset(&fake, 0, sizeof(fake));
	return nlbs_nl_open_io(&io, FAKE_FAMILY);
}

static const struct nlmsghdr *fake_req(int i)
{
	return (const struct nlmsghdr *)fake.req[i];
}

/* "CMD dump|ack attributes" of request i. */
static const char *req_str(int i)
{
	static char buf[sizeof(((struct out *)0)->s) + 32];
	const struct nlmsghdr *nlh = fake_req(i);

	snprintf(buf, sizeof(buf), "%u %s %s", nlbs_msg_cmd(nlh),
		 nlh->nlmsg_flags & NLM_F_DUMP ? "dump" : "ack", render(nlh));
	return buf;
}

static int count_nests(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *a;
	int n = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		n += mnl_attr_get_type(a) == type;
	return n;
}

static void test_service_requests(void)
{
	struct nlbs_nl *nl = fake_open();
	struct nlbs_service svc = {
		.present = NLBS_BIT(NLBS_SVC_A_VIP_BE) |
			   NLBS_BIT(NLBS_SVC_A_PROTO) |
			   NLBS_BIT(NLBS_SVC_A_PORT) |
			   NLBS_BIT(NLBS_SVC_A_SERVERS) |
			   NLBS_BIT(NLBS_SVC_A_TABLE_SIZE) |
			   NLBS_BIT(NLBS_SVC_A_NODEST),
		.vip = inet_addr("198.51.100.10"),
		.proto = IPPROTO_TCP,
		.port = 443,
		.servers = 3,
		.table_size = 65537,
		.nodest = NLBS_NODEST_DROP,
	};
	char want[128];
	int ret;

	ret = nlbs_service_add(nl, &svc);
	snprintf(want, sizeof(want),
		 "%u ack svc{vip=198.51.100.10 proto=6 port=443 table=65537 nodest=1}",
		 NLBS_CMD_SERVICE_ADD);
	result(ret == 0, "request: service add");
	expect_str(req_str(0), want, "request: service add carries table size and nodest");

	ret = nlbs_service_set(nl, &svc);
	snprintf(want, sizeof(want),
		 "%u ack svc{vip=198.51.100.10 proto=6 port=443 nodest=1}",
		 NLBS_CMD_SERVICE_SET);
	result(ret == 0, "request: service set");
	expect_str(req_str(1), want, "request: service set carries nodest, not the table size");

	ret = nlbs_server_set_weight(nl, &svc, inet_addr("10.20.0.21"), 0);
	snprintf(want, sizeof(want),
		 "%u ack svc{vip=198.51.100.10 proto=6 port=443} srv{addr=10.20.0.21 weight=0}",
		 NLBS_CMD_SERVER_SET);
	expect_str(req_str(2), want,
		   "request: server set weight of a dumped service sends its key only");

	{
		struct nlbs_service s6 = svc, back;

		s6.present |= NLBS_BIT(NLBS_SVC_A_VIP6);
		inet_pton(AF_INET6, "2001:db8::80", s6.vip6);
		ret = nlbs_service_set(nl, &s6);
		result(ret == 0 && nlbs_parse_service(fake_req(3), &back) == 0 &&
		       (back.present & NLBS_BIT(NLBS_SVC_A_VIP6)) &&
		       !(back.present & NLBS_BIT(NLBS_SVC_A_VIP_BE)) &&
		       !memcmp(back.vip6, s6.vip6, 16) && back.port == 443,
		       "request: service set of an IPv6 service sends its IPv6 VIP only");
	}
	nlbs_nl_close(nl);
}

static void test_flow_requests(void)
{
	static struct nlbs_flow many[1000];
	struct nlbs_flow_filter f = {
		.has_vip = true, .vip = inet_addr("198.51.100.10"),
		.proto = IPPROTO_TCP, .port = 80,
	};
	const struct nlbs_nl_error *e;
	struct collect c = { .n = 0 };
	struct nlbs_nl *nl = fake_open();
	char want[128];
	int ret, i, total, ok_order;

	fake.dump_flows = many;
	fake.ndump = 2;
	many[0] = flow1;
	many[1] = flow1;
	many[1].sport = 40001;
	many[1].flags = NLBS_FLOW_F_SYN;
	ret = nlbs_flow_dump_filter(nl, &f, collect_cb, &c);
	snprintf(want, sizeof(want), "%u dump svc{vip=198.51.100.10 proto=6 port=80}",
		 NLBS_CMD_FLOW_GET);
	result(ret == 0 && c.n == 2 && c.f[1].sport == 40001 &&
	       c.f[1].flags == NLBS_FLOW_F_SYN,
	       "request: filtered flow dump (ret %d, %d flows)", ret, c.n);
	expect_str(req_str(0), want, "request: flow dump with a service filter");

	memset(&c, 0, sizeof(c));
	ret = nlbs_flow_dump(nl, collect_cb, &c);
	snprintf(want, sizeof(want), "%u dump ", NLBS_CMD_FLOW_GET);
	result(ret == 0 && c.n == 2 && !strcmp(req_str(1), want),
	       "request: flow dump without a filter");

	f.has_vip = false;
	f.has_server = true;
	f.server = inet_addr("10.20.0.23");
	ret = nlbs_flow_flush(nl, &f);
	snprintf(want, sizeof(want), "%u ack srv{addr=10.20.0.23}",
		 NLBS_CMD_FLOW_DEL);
	result(ret == 0, "request: flow flush");
	expect_str(req_str(2), want, "request: flow flush by server");
	ret = nlbs_flow_flush(nl, NULL);
	snprintf(want, sizeof(want), "%u ack ", NLBS_CMD_FLOW_DEL);
	expect_str(req_str(3), want, "request: flow flush of everything");
	nlbs_nl_close(nl);

	/* import: as many flows a request as fit, in order, all of them */
	nl = fake_open();
	for (i = 0; i < (int)ARRAY_SIZE(many); i++) {
		many[i] = flow1;
		many[i].saddr = htonl(0xcb007100 + i);
	}
	ret = nlbs_flow_import(nl, many, ARRAY_SIZE(many));
	total = 0;
	ok_order = 1;
	for (i = 0; i < fake.nreq && i < FAKE_REQS; i++) {
		const struct nlmsghdr *nlh = fake_req(i);
		const struct nlattr *a;
		struct nlbs_flow fl;
		int k = 0;

		if (nlbs_msg_cmd(nlh) != NLBS_CMD_FLOW_ADD ||
		    (nlh->nlmsg_flags & NLM_F_DUMP) ||
		    nlh->nlmsg_len > NLBS_NL_BUFSIZE ||
		    (i < fake.nreq - 1 &&
		     nlh->nlmsg_len + NLBS_FLOW_NEST_SIZE <= NLBS_NL_BUFSIZE))
			ok_order = 0;	/* a request not filled up */
		mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
			struct nlmsghdr *one = msg(NLBS_CMD_FLOW_ADD);

			mnl_attr_put(one, mnl_attr_get_type(a),
				     mnl_attr_get_payload_len(a),
				     mnl_attr_get_payload(a));
			if (nlbs_parse_flow(one, &fl) ||
			    fl.saddr != htonl(0xcb007100 + total + k))
				ok_order = 0;
			k++;
		}
		total += k;
	}
	result(ret == 0 && fake.nreq >= 2 && total == (int)ARRAY_SIZE(many) &&
	       ok_order,
	       "request: import of %zu flows in %d full requests, each flow once, in order",
	       ARRAY_SIZE(many), fake.nreq);
	nlbs_nl_close(nl);

	/* import: the first request fails, the second goes well */
	nl = fake_open();
	fake.fail_at = 1;
	ret = nlbs_flow_import(nl, many, ARRAY_SIZE(many));
	e = nlbs_nl_error(nl);
	result(ret == -EINVAL && fake.nreq >= 2 && e->err == EINVAL &&
	       !strcmp(e->msg, "every flow was refused"),
	       "request: import goes on after a failed request, returns its error and extack (ret %d, \"%s\")",
	       ret, e->msg);
	nlbs_nl_close(nl);

	nl = fake_open();
	ret = nlbs_flow_import(nl, many, 0);
	result(ret == 0 && fake.nreq == 0, "request: import of no flow sends nothing");
	ret = nlbs_flow_import(nl, many, 1);
	result(ret == 0 && fake.nreq == 1 &&
	       count_nests(fake_req(0), NLBS_A_FLOW) == 1,
	       "request: import of one flow");
	nlbs_nl_close(nl);
}

static void test_join(void)
{
	struct nlbs_nl *nl = fake_open();
	const struct nlbs_nl_error *e;
	int ret;

	ret = nlbs_nl_join_flows(nl);
	e = nlbs_nl_error(nl);
	result(ret == -ENOENT && e->err == ENOENT &&
	       !strcmp(e->msg, "family \"nlbs\" has no \"flows\" group"),
	       "join: a family without the flows group is -ENOENT (\"%s\")",
	       e->msg);
	nlbs_nl_close(nl);
}

/* ---- pipelined requests: a kernel that answers a datagram of them ---------- */

static struct {
	char sent[NLBS_NL_BUFSIZE];
	size_t len;
	int sends, recvs;
	unsigned int fail_mask;	/* bit i: request i fails with EEXIST */
	uint32_t replies[32];	/* seq of each reply still to send */
	int nreplies, next;
} pk;

static ssize_t pk_send(void *ctx, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int rest = (int)len, i = 0;

	(void)ctx;
	memcpy(pk.sent, buf, len);
	pk.len = len;
	pk.sends++;
	pk.nreplies = pk.next = 0;
	/* netlink_rcv_skb(): an error for a failed one, an ACK if asked */
	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest), i++) {
		bool fail = i < 32 && (pk.fail_mask >> i & 1);

		if (fail || (nlh->nlmsg_flags & NLM_F_ACK))
			pk.replies[pk.nreplies++] = nlh->nlmsg_seq |
				(fail ? 0x80000000u : 0);
	}
	return (ssize_t)len;
}

static ssize_t pk_recv(void *ctx, void *buf, size_t len)
{
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	uint32_t r;

	(void)ctx;
	(void)len;
	pk.recvs++;
	if (pk.next == pk.nreplies) {
		errno = EAGAIN;
		return -1;
	}
	r = pk.replies[pk.next++];
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | (r >> 31 ? NLM_F_ACK_TLVS : 0);
	nlh->nlmsg_seq = r & 0x7fffffff;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = r >> 31 ? -EEXIST : 0;
	if (r >> 31) {
		char msg[64];

		snprintf(msg, sizeof(msg), "server %u already exists",
			 nlh->nlmsg_seq);
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	return nlh->nlmsg_len;
}

static struct nlbs_nl *pk_open(unsigned int fail_mask)
{
	static const struct nlbs_nl_io io = { .send = pk_send, .recv = pk_recv };

	memset(&pk, 0, sizeof(pk));
	pk.fail_mask = fail_mask;
	return nlbs_nl_open_io(&io, FAKE_FAMILY);
}

/* Queue n server adds; returns the first one's sequence number. */
static uint32_t pk_queue(struct nlbs_nl *nl, int n)
{
	struct nlbs_server srv = {
		.present = NLBS_BIT(NLBS_SRV_A_ADDR_BE) | NLBS_BIT(NLBS_SRV_A_WEIGHT),
		.weight = 1,
	};
	struct nlmsghdr *nlh;
	uint32_t first = 0;
	int i;

	for (i = 0; i < n; i++) {
		nlh = nlbs_nl_pipe_req(nl, NLBS_CMD_SERVER_ADD, 0);
		srv.addr = htonl(0x0a140000 + i);
		nlbs_put_server(nlh, &srv);
		if (!i)
			first = nlh->nlmsg_seq;
	}
	return first;
}

static void test_pipe(void)
{
	const struct nlmsghdr *nlh;
	struct nlbs_nl *nl = pk_open(0);
	unsigned int failed, acks = 0, i = 0;
	uint32_t seq0;
	int ret, rest;
	bool in_order = true;

	ret = nlbs_nl_pipe_flush(nl, &failed);
	result(ret == 0 && pk.sends == 0 && failed == UINT32_MAX,
	       "pipe: an empty flush sends nothing");

	seq0 = pk_queue(nl, 5);
	ret = nlbs_nl_pipe_flush(nl, &failed);
	nlh = (const void *)pk.sent;
	rest = (int)pk.len;
	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest), i++) {
		const struct nlattr *a;
		uint32_t group = 0;

		mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
			if (mnl_attr_get_type(a) == NLBS_A_BATCH)
				group = mnl_attr_get_u32(a);
		acks += !!(nlh->nlmsg_flags & NLM_F_ACK);
		in_order &= nlh->nlmsg_seq == seq0 + i && group == seq0 &&
			    (nlh->nlmsg_flags & NLM_F_REQUEST);
	}
	result(ret == 0 && failed == UINT32_MAX && pk.sends == 1 && i == 5 &&
	       in_order && acks == 1 &&
	       (((const struct nlmsghdr *)pk.sent)->nlmsg_flags & NLM_F_ACK) == 0,
	       "pipe: 5 requests in one datagram, in order, each in batch group %u, only the last asks for an ACK (%d sends, %u messages, %u ACKs)",
	       seq0, pk.sends, i, acks);
	result(pk.recvs == 1 && nlbs_nl_pipe_len(nl) == 0,
	       "pipe: one read for the whole flush (%d)", pk.recvs);
	nlbs_nl_close(nl);

	/* requests 1 and 3 of 5 fail: the first is reported, all are read */
	nl = pk_open(1u << 1 | 1u << 3);
	seq0 = pk_queue(nl, 5);
	ret = nlbs_nl_pipe_flush(nl, &failed);
	result(ret == -EEXIST && failed == 1 && pk.recvs == 3 &&
	       nlbs_nl_error(nl)->err == EEXIST &&
	       strstr(nlbs_nl_error(nl)->msg, "already exists") != NULL,
	       "pipe: requests 1 and 3 of 5 fail: -EEXIST, failed 1, \"%s\", every answer read (%d reads)",
	       nlbs_nl_error(nl)->msg, pk.recvs);
	{
		char want[64];

		snprintf(want, sizeof(want), "server %u already exists", seq0 + 1);
		expect_str(nlbs_nl_error(nl)->msg, want,
			   "pipe: the extack text is the first failure's");
	}
	nlbs_nl_close(nl);

	/* the last fails: its error is its ACK */
	nl = pk_open(1u << 2);
	pk_queue(nl, 3);
	ret = nlbs_nl_pipe_flush(nl, &failed);
	result(ret == -EEXIST && failed == 2 && pk.recvs == 1,
	       "pipe: the last fails: its error ends the flush (%d reads)", pk.recvs);
	nlbs_nl_close(nl);

	nl = pk_open(0);
	for (i = 0; i < NLBS_NL_PIPE_MAX - 1; i++)
		pk_queue(nl, 1);
	ret = nlbs_nl_pipe_full(nl);
	pk_queue(nl, 1);
	result(!ret && nlbs_nl_pipe_full(nl) &&
	       nlbs_nl_pipe_flush(nl, &failed) == 0 && pk.sends == 1,
	       "pipe: full at %d requests, sent in one datagram", NLBS_NL_PIPE_MAX);
	nlbs_nl_close(nl);
}

/*
 * Replies no kernel sends, found by fuzz/fuzz_codec: each fails the request
 * with EBADMSG, and nothing reads out of the datagram.
 */
static void test_malformed_replies(void)
{
	struct {
		struct nlmsghdr nlh;
		union {
			struct nlmsgerr e;
			int done;
		};
	} r = { 0 };
	const struct nlbs_nl_error *e;
	struct collect c = { .n = 0 };
	struct nlbs_config cfg;
	struct nlbs_nl *nl;
	int ret, code;

	/* a message length above INT_MAX: libmnl's mnl_nlmsg_ok() took it for
	 * a fit, the walk jumped out of the buffer (SEGV) */
	nl = fake_open();
	r.nlh.nlmsg_len = 0xafafafaf;
	r.nlh.nlmsg_type = FAKE_FAMILY;
	fake.raw = &r;
	fake.rawlen = sizeof(r.nlh) + sizeof(r.e);
	ret = nlbs_config_get(nl, &cfg);
	e = nlbs_nl_error(nl);
	result(ret == -EBADMSG && e->err == EBADMSG &&
	       !strcmp(e->msg, "malformed netlink datagram (message length)"),
	       "reply: nlmsg_len above INT_MAX is -EBADMSG (ret %d, \"%s\")", ret, e->msg);
	nlbs_nl_close(nl);

	/* an error code that is no negative errno was a success (positive) or
	 * undefined (INT_MIN, negated) */
	for (code = 0; code < 2; code++) {
		nl = fake_open();
		memset(&r, 0, sizeof(r));
		r.nlh.nlmsg_len = sizeof(r.nlh) + sizeof(r.e);
		r.nlh.nlmsg_type = NLMSG_ERROR;
		r.nlh.nlmsg_flags = NLM_F_CAPPED;
		r.e.error = code ? INT_MIN : 22;
		fake.raw = &r;
		fake.rawlen = r.nlh.nlmsg_len;
		ret = nlbs_stats_reset(nl);
		e = nlbs_nl_error(nl);
		result(ret == -EBADMSG && e->err == EBADMSG,
		       "reply: NLMSG_ERROR with error %d is -EBADMSG (ret %d, \"%s\")",
		       r.e.error, ret, e->msg);
		nlbs_nl_close(nl);
	}

	nl = fake_open();
	memset(&r, 0, sizeof(r));
	r.nlh.nlmsg_len = sizeof(r.nlh) + sizeof(r.done);
	r.nlh.nlmsg_type = NLMSG_DONE;
	r.nlh.nlmsg_flags = NLM_F_MULTI;
	r.done = 5;
	fake.raw = &r;
	fake.rawlen = r.nlh.nlmsg_len;
	ret = nlbs_flow_dump(nl, collect_cb, &c);
	e = nlbs_nl_error(nl);
	result(ret == -EBADMSG && e->err == EBADMSG,
	       "reply: NLMSG_DONE with error 5 is -EBADMSG (ret %d, \"%s\")", ret, e->msg);
	nlbs_nl_close(nl);

	/* not capped, the echoed request's length below a header: no TLVs read
	 * from inside the error itself; the errno stands */
	nl = fake_open();
	memset(&r, 0, sizeof(r));
	r.nlh.nlmsg_len = sizeof(r.nlh) + sizeof(r.e);
	r.nlh.nlmsg_type = NLMSG_ERROR;
	r.nlh.nlmsg_flags = NLM_F_ACK_TLVS;
	r.e.error = -EPERM;
	r.e.msg.nlmsg_len = 4;
	fake.raw = &r;
	fake.rawlen = r.nlh.nlmsg_len;
	ret = nlbs_stats_reset(nl);
	e = nlbs_nl_error(nl);
	result(ret == -EPERM && e->err == EPERM && !e->msg[0],
	       "reply: an error echoing a request of length 4 is just -EPERM (ret %d)", ret);
	nlbs_nl_close(nl);
}

int main(void)
{
	printf("TAP version 13\n1..%d\n", NTESTS);
	init_flow1();
	test_config();
	test_service();
	test_server();
	test_servers_packed();
	test_put_flow();
	test_parse_flows();
	test_filter();
	test_stats_names();
	test_service_requests();
	test_flow_requests();
	test_join();
	test_pipe();
	test_malformed_replies();
	printf("# totals: pass:%u fail:%u\n", test_no - failures, failures);
	return failures || test_no != NTESTS ? 1 : 0;
}
