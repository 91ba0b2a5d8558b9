// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Host-side unit tests of nlbs-genl: the argument parser (command line ->
 * request description -> encoded netlink message), the decoders and the
 * printers. No socket, no module. Built with ASan/UBSan by `make check`;
 * prints KTAP and exits non-zero if any test fails.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <fcntl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <json-c/json.h>

#include "../nlbs-genl/nlbs-genl.h"
#include "../nlbs-genl/print.h"
#include "nlbs_nl_io.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

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

/* ---- canonical text of an encoded request ---------------------------------- */

static const char *const cmd_names[NLBS_CMD_MAX + 1] = {
	[NLBS_CMD_CONFIG_SET] = "CONFIG_SET", [NLBS_CMD_CONFIG_GET] = "CONFIG_GET",
	[NLBS_CMD_STATE_SET] = "STATE_SET", [NLBS_CMD_STATE_GET] = "STATE_GET",
	[NLBS_CMD_SERVICE_ADD] = "SERVICE_ADD",
	[NLBS_CMD_SERVICE_DEL] = "SERVICE_DEL",
	[NLBS_CMD_SERVICE_GET] = "SERVICE_GET",
	[NLBS_CMD_SERVER_ADD] = "SERVER_ADD", [NLBS_CMD_SERVER_SET] = "SERVER_SET",
	[NLBS_CMD_SERVER_DEL] = "SERVER_DEL", [NLBS_CMD_SERVER_GET] = "SERVER_GET",
	[NLBS_CMD_STATS_GET] = "STATS_GET", [NLBS_CMD_STATS_RESET] = "STATS_RESET",
	[NLBS_CMD_FLOW_GET] = "FLOW_GET", [NLBS_CMD_FLOW_ADD] = "FLOW_ADD",
	[NLBS_CMD_FLOW_DEL] = "FLOW_DEL",
	[NLBS_CMD_SERVICE_SET] = "SERVICE_SET",
};

struct out {
	char s[512];
	size_t n;
};

static void out(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->n && o->s[o->n - 1] != '{')
		o->n += snprintf(o->s + o->n, sizeof(o->s) - o->n, " ");
	va_start(ap, fmt);
	o->n += vsnprintf(o->s + o->n, sizeof(o->s) - o->n, fmt, ap);
	va_end(ap);
}

static const char *addr(const struct nlattr *a)
{
	static char buf[4][16];
	static int i;
	uint32_t v = mnl_attr_get_u32(a);

	i = (i + 1) % 4;
	return inet_ntop(AF_INET, &v, buf[i], sizeof(buf[i]));
}

static const char *addr6(const struct nlattr *a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static int i;

	if (mnl_attr_get_payload_len(a) != 16)
		return "?len";
	i = (i + 1) % 4;
	return inet_ntop(AF_INET6, mnl_attr_get_payload(a), buf[i],
			 sizeof(buf[i]));
}

static void render_flow(struct out *o, const struct nlattr *nest)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case NLBS_FLOW_A_SADDR_BE:
			out(o, "saddr=%s", addr(a));
			break;
		case NLBS_FLOW_A_DADDR_BE:
			out(o, "daddr=%s", addr(a));
			break;
		case NLBS_FLOW_A_PROTO:
			out(o, "proto=%u", mnl_attr_get_u8(a));
			break;
		case NLBS_FLOW_A_SPORT:
			out(o, "sport=%u", mnl_attr_get_u16(a));
			break;
		case NLBS_FLOW_A_DPORT:
			out(o, "dport=%u", mnl_attr_get_u16(a));
			break;
		case NLBS_FLOW_A_SERVER_BE:
			out(o, "server=%s", addr(a));
			break;
		case NLBS_FLOW_A_SADDR6:
			out(o, "saddr6=%s", addr6(a));
			break;
		case NLBS_FLOW_A_DADDR6:
			out(o, "daddr6=%s", addr6(a));
			break;
		case NLBS_FLOW_A_SERVER6:
			out(o, "server6=%s", addr6(a));
			break;
		case NLBS_FLOW_A_IDLE_MS:
			out(o, "idle=%u", mnl_attr_get_u32(a));
			break;
		case NLBS_FLOW_A_FLAGS:
			out(o, "flags=%u", mnl_attr_get_u32(a));
			break;
		default:
			out(o, "?%u", mnl_attr_get_type(a));
		}
	}
}

static void render_nest(struct out *o, const struct nlattr *nest, bool srv)
{
	const struct nlattr *a;
	const uint8_t *m;

	mnl_attr_for_each_nested(a, nest) {
		uint16_t t = mnl_attr_get_type(a);

		if (!srv && t == NLBS_SVC_A_VIP_BE)
			out(o, "vip=%s", addr(a));
		else if (!srv && t == NLBS_SVC_A_VIP6)
			out(o, "vip6=%s", addr6(a));
		else if (srv && t == NLBS_SRV_A_ADDR6)
			out(o, "addr6=%s", addr6(a));
		else if (!srv && t == NLBS_SVC_A_PROTO)
			out(o, "proto=%u", mnl_attr_get_u8(a));
		else if (!srv && t == NLBS_SVC_A_PORT)
			out(o, "port=%u", mnl_attr_get_u16(a));
		else if (!srv && t == NLBS_SVC_A_TABLE_SIZE)
			out(o, "table=%u", mnl_attr_get_u32(a));
		else if (!srv && t == NLBS_SVC_A_NODEST)
			out(o, "nodest=%u", mnl_attr_get_u8(a));
		else if (srv && t == NLBS_SRV_A_ADDR_BE)
			out(o, "addr=%s", addr(a));
		else if (srv && t == NLBS_SRV_A_WEIGHT)
			out(o, "weight=%u", mnl_attr_get_u32(a));
		else if (srv && t == NLBS_SRV_A_MAC) {
			m = mnl_attr_get_payload(a);
			out(o, "mac=%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
			    m[2], m[3], m[4], m[5]);
		} else
			out(o, "?%u", t);
	}
}

/* "CMD ack|dump attr=value ... svc{...} srv{...}" */
static void render(const struct nlmsghdr *nlh, struct out *o)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	o->n = 0;
	o->s[0] = '\0';
	out(o, "%s", g->cmd <= NLBS_CMD_MAX && cmd_names[g->cmd] ?
		     cmd_names[g->cmd] : "?");
	out(o, "%s", nlh->nlmsg_flags & NLM_F_DUMP ? "dump" : "ack");
	mnl_attr_for_each(a, nlh, sizeof(*g)) {
		switch (mnl_attr_get_type(a)) {
		case NLBS_A_ACCESS_IFINDEX:
			out(o, "access=%u", mnl_attr_get_u32(a));
			break;
		case NLBS_A_SERVER_IFINDEX:
			out(o, "servers=%u", mnl_attr_get_u32(a));
			break;
		case NLBS_A_NLBS_ADDR_BE:
			out(o, "nlbs=%s", addr(a));
			break;
		case NLBS_A_NLBS_ADDR6:
			out(o, "nlbs6=%s", addr6(a));
			break;
		case NLBS_A_GARP_COUNT:
			out(o, "garp-count=%u", mnl_attr_get_u32(a));
			break;
		case NLBS_A_GARP_INTERVAL:
			out(o, "garp-interval=%u", mnl_attr_get_u32(a));
			break;
		case NLBS_A_HASH_SEED:
			out(o, "seed=0x%x", mnl_attr_get_u32(a));
			break;
		case NLBS_A_FLOW_MAX:
			out(o, "flow-max=%u", mnl_attr_get_u32(a));
			break;
		case NLBS_A_FLOW_TIMEOUT_TCP:
			out(o, "tcp=%u", mnl_attr_get_u32(a));
			break;
		case NLBS_A_FLOW_TIMEOUT_TCP_FIN:
			out(o, "tcp-fin=%u", mnl_attr_get_u32(a));
			break;
		case NLBS_A_FLOW_TIMEOUT_UDP:
			out(o, "udp=%u", mnl_attr_get_u32(a));
			break;
		case NLBS_A_FLOW_TIMEOUT_SYN:
			out(o, "syn=%u", mnl_attr_get_u32(a));
			break;
		case NLBS_A_FLOW:
			out(o, "flow{");
			render_flow(o, a);
			o->n += snprintf(o->s + o->n, sizeof(o->s) - o->n, "}");
			break;
		case NLBS_A_STATE:
			out(o, "state=%u", mnl_attr_get_u8(a));
			break;
		case NLBS_A_LEASE_MS:
			out(o, "lease=%u", mnl_attr_get_u32(a));
			break;
		case NLBS_A_ANNOUNCE:
			out(o, "announce");
			break;
		case NLBS_A_SERVICE:
			out(o, "svc{");
			render_nest(o, a, false);
			o->n += snprintf(o->s + o->n, sizeof(o->s) - o->n, "}");
			break;
		case NLBS_A_SERVER:
			out(o, "srv{");
			render_nest(o, a, true);
			o->n += snprintf(o->s + o->n, sizeof(o->s) - o->n, "}");
			break;
		default:
			out(o, "?%u", mnl_attr_get_type(a));
		}
	}
}

/* ---- the parser ------------------------------------------------------------- */

static unsigned int fake_resolve(const char *name)
{
	if (!strcmp(name, "veth0"))
		return 3;
	if (!strcmp(name, "veth1"))
		return 4;
	return 0;
}

static int parse_line(struct cli *cli, struct nlbs_req *req, const char *line)
{
	char *copy = strdup(line), *argv[64], *tok, *save = NULL;
	int argc = 0, ret;

	for (tok = strtok_r(copy, " ", &save); tok && argc < 64;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	ret = cli_parse(cli, req, argc, argv);
	free(copy);
	return ret;
}

struct good_case {
	const char *line;
	const char *expect;	/* render() of the request */
};

static const struct good_case good[] = {
	{ "config set access veth0 servers veth1 nlbs 10.10.0.100 garp-count 3 garp-interval 100",
	  "CONFIG_SET ack access=3 servers=4 nlbs=10.10.0.100 garp-count=3 garp-interval=100" },
	{ "config set seed 0xdeadbeef", "CONFIG_SET ack seed=0xdeadbeef" },
	{ "config set seed 42", "CONFIG_SET ack seed=0x2a" },
	/* decimal or 0x hex, never octal (as nlbsd's hash-seed) */
	{ "config set seed 0100", "CONFIG_SET ack seed=0x64" },
	{ "config set seed 09", "CONFIG_SET ack seed=0x9" },
	{ "config set seed 0", "CONFIG_SET ack seed=0x0" },
	{ "config set seed 0X1F", "CONFIG_SET ack seed=0x1f" },
	{ "config set seed 0x0100", "CONFIG_SET ack seed=0x100" },
	{ "config set seed 4294967295", "CONFIG_SET ack seed=0xffffffff" },
	{ "config set seed 0xffffffff", "CONFIG_SET ack seed=0xffffffff" },
	{ "config set garp-count 010 garp-interval 08",
	  "CONFIG_SET ack garp-count=10 garp-interval=8" },
	{ "state set active lease 0100", "STATE_SET ack state=1 lease=100" },
	{ "server set 198.51.100.10 10.20.0.21 weight 010",
	  "SERVER_SET ack svc{vip=198.51.100.10 proto=0} srv{addr=10.20.0.21 weight=10}" },
	{ "service add 198.51.100.10 tcp 080",
	  "SERVICE_ADD ack svc{vip=198.51.100.10 proto=6 port=80}" },
	{ "config set garp-count 1000", "CONFIG_SET ack garp-count=1000" },
	{ "config set garp-interval 4294967295",
	  "CONFIG_SET ack garp-interval=4294967295" },
	{ "config show", "CONFIG_GET ack" },
	{ "config", "CONFIG_GET ack" },
	{ "state set active", "STATE_SET ack state=1" },
	{ "state set init", "STATE_SET ack state=0" },
	{ "state set standby", "STATE_SET ack state=2" },
	{ "state set inop", "STATE_SET ack state=3" },
	{ "state set active lease 3000", "STATE_SET ack state=1 lease=3000" },
	{ "state set active lease 0 announce",
	  "STATE_SET ack state=1 lease=0 announce" },
	{ "state set active announce", "STATE_SET ack state=1 announce" },
	{ "state show", "STATE_GET ack" },
	{ "state", "STATE_GET ack" },
	{ "service add 198.51.100.10 tcp 80",
	  "SERVICE_ADD ack svc{vip=198.51.100.10 proto=6 port=80}" },
	{ "config set nlbs6 2001:db8::100",
	  "CONFIG_SET ack nlbs6=2001:db8::100" },
	{ "config set nlbs 10.10.0.100 nlbs6 fe80::1",
	  "CONFIG_SET ack nlbs=10.10.0.100 nlbs6=fe80::1" },
	{ "service add 2001:db8::80 tcp 443",
	  "SERVICE_ADD ack svc{vip6=2001:db8::80 proto=6 port=443}" },
	{ "service add 2001:db8::80",
	  "SERVICE_ADD ack svc{vip6=2001:db8::80 proto=0}" },
	{ "server add 2001:db8::80 tcp 443 fd00:20::21 weight 2",
	  "SERVER_ADD ack svc{vip6=2001:db8::80 proto=6 port=443} srv{addr6=fd00:20::21 weight=2}" },
	{ "server del 2001:db8::80 fd00:20::21",
	  "SERVER_DEL ack svc{vip6=2001:db8::80 proto=0} srv{addr6=fd00:20::21}" },
	{ "flow add 2001:db8::80 tcp 443 client 2001:db8:1::10 sport 40000 server fd00:20::21",
	  "FLOW_ADD ack flow{saddr6=2001:db8:1::10 daddr6=2001:db8::80 proto=6 sport=40000 dport=443 server6=fd00:20::21}" },
	{ "flow show 2001:db8::80 tcp 443 server fd00:20::21",
	  "FLOW_GET dump svc{vip6=2001:db8::80 proto=6 port=443} srv{addr6=fd00:20::21}" },
	{ "service add 198.51.100.10 udp 53",
	  "SERVICE_ADD ack svc{vip=198.51.100.10 proto=17 port=53}" },
	{ "service add 198.51.100.10",
	  "SERVICE_ADD ack svc{vip=198.51.100.10 proto=0}" },
	{ "service del 198.51.100.10 tcp 65535",
	  "SERVICE_DEL ack svc{vip=198.51.100.10 proto=6 port=65535}" },
	{ "service show", "SERVICE_GET dump" },
	{ "service", "SERVICE_GET dump" },
	{ "server add 198.51.100.10 tcp 80 10.20.0.21",
	  "SERVER_ADD ack svc{vip=198.51.100.10 proto=6 port=80} srv{addr=10.20.0.21}" },
	{ "server add 198.51.100.10 10.20.0.21 weight 5 mac 02:00:0a:14:00:15",
	  "SERVER_ADD ack svc{vip=198.51.100.10 proto=0} srv{addr=10.20.0.21 weight=5 mac=02:00:0a:14:00:15}" },
	{ "server add 198.51.100.10 udp 53 10.20.0.22 mac 02:AB:cd:EF:00:01 weight 0",
	  "SERVER_ADD ack svc{vip=198.51.100.10 proto=17 port=53} srv{addr=10.20.0.22 weight=0 mac=02:ab:cd:ef:00:01}" },
	{ "server set 198.51.100.10 tcp 80 10.20.0.21 weight 0",
	  "SERVER_SET ack svc{vip=198.51.100.10 proto=6 port=80} srv{addr=10.20.0.21 weight=0}" },
	{ "server set 198.51.100.10 10.20.0.21 weight 70000",
	  "SERVER_SET ack svc{vip=198.51.100.10 proto=0} srv{addr=10.20.0.21 weight=70000}" },
	{ "server del 198.51.100.10 tcp 80 10.20.0.21",
	  "SERVER_DEL ack svc{vip=198.51.100.10 proto=6 port=80} srv{addr=10.20.0.21}" },
	{ "server show", "SERVER_GET dump" },
	{ "server show 198.51.100.10 tcp 80",
	  "SERVER_GET dump svc{vip=198.51.100.10 proto=6 port=80}" },
	{ "stats", "STATS_GET ack" },
	{ "stats show", "STATS_GET ack" },
	{ "stats reset", "STATS_RESET ack" },
	{ "show", "CONFIG_GET ack" },
	{ "flow", "FLOW_GET dump" },
	{ "flow show", "FLOW_GET dump" },
	/* table size, nodest, flow settings, flow commands */
	{ "service add 198.51.100.10 tcp 80 table-size 251",
	  "SERVICE_ADD ack svc{vip=198.51.100.10 proto=6 port=80 table=251}" },
	{ "service add 198.51.100.10 table-size 4194301 nodest drop",
	  "SERVICE_ADD ack svc{vip=198.51.100.10 proto=0 table=4194301 nodest=1}" },
	{ "service add 198.51.100.10 udp 53 nodest move table-size 65537",
	  "SERVICE_ADD ack svc{vip=198.51.100.10 proto=17 port=53 table=65537 nodest=0}" },
	/* not prime: the kernel's extack says so, not the parser */
	{ "service add 198.51.100.10 tcp 80 table-size 1000",
	  "SERVICE_ADD ack svc{vip=198.51.100.10 proto=6 port=80 table=1000}" },
	{ "service set 198.51.100.10 tcp 80 nodest drop",
	  "SERVICE_SET ack svc{vip=198.51.100.10 proto=6 port=80 nodest=1}" },
	{ "service set 198.51.100.10 nodest move",
	  "SERVICE_SET ack svc{vip=198.51.100.10 proto=0 nodest=0}" },
	{ "config set flow-max 0", "CONFIG_SET ack flow-max=0" },
	{ "config set flow-max 262144 flow-timeout-tcp 300 flow-timeout-tcp-fin 10 flow-timeout-udp 60 flow-timeout-syn 5",
	  "CONFIG_SET ack flow-max=262144 tcp=300 tcp-fin=10 udp=60 syn=5" },
	{ "config set flow-timeout-syn 010 seed 1",
	  "CONFIG_SET ack seed=0x1 syn=10" },
	{ "flow show 198.51.100.10",
	  "FLOW_GET dump svc{vip=198.51.100.10}" },
	{ "flow show 198.51.100.10 tcp 80",
	  "FLOW_GET dump svc{vip=198.51.100.10 proto=6 port=80}" },
	{ "flow show 198.51.100.10 udp 53 server 10.20.0.21",
	  "FLOW_GET dump svc{vip=198.51.100.10 proto=17 port=53} srv{addr=10.20.0.21}" },
	{ "flow show server 10.20.0.21",
	  "FLOW_GET dump srv{addr=10.20.0.21}" },
	{ "flow flush", "FLOW_DEL ack" },
	{ "flow flush 198.51.100.10", "FLOW_DEL ack svc{vip=198.51.100.10}" },
	{ "flow flush 198.51.100.10 tcp 80 server 10.20.0.22",
	  "FLOW_DEL ack svc{vip=198.51.100.10 proto=6 port=80} srv{addr=10.20.0.22}" },
	/* several services: the first request (the others: test_flush_run) */
	{ "flow flush 198.51.100.10 tcp 80 198.51.100.11",
	  "FLOW_DEL ack svc{vip=198.51.100.10 proto=6 port=80}" },
	{ "flow flush server 10.20.0.22", "FLOW_DEL ack srv{addr=10.20.0.22}" },
	{ "flow add 198.51.100.10 tcp 80 client 203.0.113.10 sport 40000 server 10.20.0.21",
	  "FLOW_ADD ack flow{saddr=203.0.113.10 daddr=198.51.100.10 proto=6 sport=40000 dport=80 server=10.20.0.21}" },
	{ "flow add 198.51.100.10 tcp 80 server 10.20.0.21 sport 1 client 203.0.113.10 idle 1500 fin",
	  "FLOW_ADD ack flow{saddr=203.0.113.10 daddr=198.51.100.10 proto=6 sport=1 dport=80 server=10.20.0.21 idle=1500 flags=1}" },
	{ "flow add 198.51.100.10 udp 53 client 203.0.113.10 sport 65535 server 10.20.0.22 idle 0",
	  "FLOW_ADD ack flow{saddr=203.0.113.10 daddr=198.51.100.10 proto=17 sport=65535 dport=53 server=10.20.0.22 idle=0}" },
};

struct bad_case {
	const char *line;
	int code;
	const char *msg;
};

static const struct bad_case bad[] = {
	{ "", CLI_USAGE, "missing OBJECT" },
	{ "frobnicate", CLI_USAGE, "unknown object \"frobnicate\"" },
	{ "config set nlbs6 10.10.0.100", CLI_USAGE,
	  "invalid nlbs6 address \"10.10.0.100\": not an IPv6 address" },
	{ "service add 2001:db8::zz tcp 443", CLI_USAGE,
	  "invalid VIP \"2001:db8::zz\": not an IPv6 address" },
	{ "server add 2001:db8::80 tcp 443 10.20.0.21", CLI_USAGE,
	  "server add: the server address must be of the VIP's family" },
	{ "server add 198.51.100.10 tcp 80 fd00:20::21", CLI_USAGE,
	  "server add: the server address must be of the VIP's family" },
	{ "flow add 2001:db8::80 tcp 443 client 203.0.113.10 sport 40000 server fd00:20::21",
	  CLI_USAGE, "flow add: \"203.0.113.10\" must be of the VIP's family" },
	{ "config frob", CLI_USAGE, "config: unknown command \"frob\"" },
	{ "config set", CLI_USAGE, "config set: nothing to set" },
	{ "config set access", CLI_USAGE, "\"access\" needs a value" },
	{ "config set access nosuch0", CLI_LOCAL, "cannot find device \"nosuch0\"" },
	{ "config set access veth0 access veth1", CLI_USAGE,
	  "config set: duplicate \"access\"" },
	{ "config set mtu 1500", CLI_USAGE, "config set: unknown keyword \"mtu\"" },
	{ "config set nlbs 10.10.0", CLI_USAGE,
	  "invalid nlbs address \"10.10.0\": not an IPv4 address" },
	{ "config set garp-count -1", CLI_USAGE, "invalid garp-count \"-1\"" },
	{ "config set garp-count 3x", CLI_USAGE, "invalid garp-count \"3x\"" },
	{ "config set garp-interval 4294967296", CLI_USAGE,
	  "invalid garp-interval \"4294967296\"" },
	{ "config set seed zz", CLI_USAGE, "invalid seed \"zz\"" },
	{ "config set seed -1", CLI_USAGE, "invalid seed \"-1\"" },
	{ "config set seed +1", CLI_USAGE, "invalid seed \"+1\"" },
	{ "config set seed 0x", CLI_USAGE, "invalid seed \"0x\"" },
	{ "config set seed 0x-1", CLI_USAGE, "invalid seed \"0x-1\"" },
	{ "config set seed 0x+1", CLI_USAGE, "invalid seed \"0x+1\"" },
	{ "config set seed 0x0x1", CLI_USAGE, "invalid seed \"0x0x1\"" },
	{ "config set seed 0x1g", CLI_USAGE, "invalid seed \"0x1g\"" },
	{ "config set seed 12ab", CLI_USAGE, "invalid seed \"12ab\"" },
	{ "config set seed 0b101", CLI_USAGE, "invalid seed \"0b101\"" },
	{ "config set seed 4294967296", CLI_USAGE,
	  "invalid seed \"4294967296\"" },
	{ "config set seed 0x100000000", CLI_USAGE,
	  "invalid seed \"0x100000000\"" },
	{ "config set seed 18446744073709551616", CLI_USAGE,
	  "invalid seed \"18446744073709551616\"" },
	{ "config set garp-count 0x10", CLI_USAGE,
	  "invalid garp-count \"0x10\"" },
	{ "config set garp-interval -0", CLI_USAGE,
	  "invalid garp-interval \"-0\"" },
	{ "config set garp-interval 18446744073709551615", CLI_USAGE,
	  "invalid garp-interval \"18446744073709551615\"" },
	{ "state set active lease -1", CLI_USAGE, "invalid lease \"-1\"" },
	{ "state set active lease 0x10", CLI_USAGE, "invalid lease \"0x10\"" },
	{ "server set 198.51.100.10 10.20.0.21 weight -1", CLI_USAGE,
	  "invalid weight \"-1\"" },
	{ "server set 198.51.100.10 10.20.0.21 weight 4294967296", CLI_USAGE,
	  "invalid weight \"4294967296\"" },
	{ "server set 198.51.100.10 10.20.0.21 weight 1.5", CLI_USAGE,
	  "invalid weight \"1.5\"" },
	{ "service add 198.51.100.10 tcp -80", CLI_USAGE, "invalid port \"-80\"" },
	{ "service add 198.51.100.10 tcp 0x50", CLI_USAGE,
	  "invalid port \"0x50\"" },
	{ "service add 198.51.100.10 tcp 4294967376", CLI_USAGE,
	  "invalid port \"4294967376\"" },
	{ "config show extra", CLI_USAGE, "unexpected argument \"extra\"" },
	{ "state set", CLI_USAGE, "state set: missing STATE" },
	{ "state set up", CLI_USAGE,
	  "state set: invalid state \"up\": init, active, standby or inop" },
	{ "state set active lease", CLI_USAGE, "\"lease\" needs a value" },
	{ "state set active lease 1 lease 2", CLI_USAGE,
	  "state set: unexpected argument \"lease\"" },
	{ "state set active lease 1s", CLI_USAGE, "invalid lease \"1s\"" },
	{ "state get", CLI_USAGE, "state: unknown command \"get\"" },
	{ "service add", CLI_USAGE, "missing VIP" },
	{ "service add 198.51.100", CLI_USAGE,
	  "invalid VIP \"198.51.100\": not an IPv4 address" },
	{ "service add 198.51.100.10 tcp", CLI_USAGE, "\"tcp\" needs a PORT" },
	{ "service add 198.51.100.10 tcp 0", CLI_USAGE,
	  "invalid port \"0\": 1..65535" },
	{ "service add 198.51.100.10 udp 65536", CLI_USAGE,
	  "invalid port \"65536\": 1..65535" },
	{ "service add 198.51.100.10 sctp 80", CLI_USAGE,
	  "unexpected argument \"sctp\"" },
	{ "service add 198.51.100.10 tcp 80 extra", CLI_USAGE,
	  "unexpected argument \"extra\"" },
	{ "service flush", CLI_USAGE, "service: unknown command \"flush\"" },
	{ "server add 198.51.100.10 tcp 80", CLI_USAGE,
	  "server add: missing server ADDR" },
	{ "server add 198.51.100.10 tcp 80 10.20.0", CLI_USAGE,
	  "invalid server address \"10.20.0\": not an IPv4 address" },
	{ "server add 198.51.100.10 10.20.0.21 weight", CLI_USAGE,
	  "\"weight\" needs a value" },
	{ "server add 198.51.100.10 10.20.0.21 weight 1 weight 2", CLI_USAGE,
	  "server: duplicate \"weight\"" },
	{ "server add 198.51.100.10 10.20.0.21 mac 02:00:00:00:00", CLI_USAGE,
	  "invalid mac \"02:00:00:00:00\": expected xx:xx:xx:xx:xx:xx" },
	{ "server add 198.51.100.10 10.20.0.21 mac 02:00:00:00:00:0g", CLI_USAGE,
	  "invalid mac \"02:00:00:00:00:0g\": expected xx:xx:xx:xx:xx:xx" },
	{ "server add 198.51.100.10 10.20.0.21 mac +2:00:00:00:00:01", CLI_USAGE,
	  "invalid mac \"+2:00:00:00:00:01\": expected xx:xx:xx:xx:xx:xx" },
	{ "server add 198.51.100.10 10.20.0.21 port 8080", CLI_USAGE,
	  "server add: unexpected argument \"port\"" },
	{ "server set 198.51.100.10 10.20.0.21", CLI_USAGE,
	  "server set: missing \"weight W\"" },
	{ "server set 198.51.100.10 10.20.0.21 mac 02:00:00:00:00:01 weight 1",
	  CLI_USAGE, "server set: unexpected argument \"mac\"" },
	{ "server del 198.51.100.10 10.20.0.21 weight 1", CLI_USAGE,
	  "server del: unexpected argument \"weight\"" },
	{ "server move", CLI_USAGE, "server: unknown command \"move\"" },
	{ "server show 198.51.100.10 tcp 80 10.20.0.21", CLI_USAGE,
	  "unexpected argument \"10.20.0.21\"" },
	{ "stats clear", CLI_USAGE, "stats: unknown command \"clear\"" },
	{ "stats show extra", CLI_USAGE, "unexpected argument \"extra\"" },
	{ "show all", CLI_USAGE, "unexpected argument \"all\"" },
	{ "monitor state", CLI_USAGE, "unexpected argument \"state\"" },
	{ "flow bogus", CLI_USAGE, "flow: unknown command \"bogus\"" },
	{ "flow show extra", CLI_USAGE, "unexpected argument \"extra\"" },
	{ "config help extra", CLI_USAGE, "unexpected argument \"extra\"" },
	/* table size, nodest, flow settings */
	{ "service add 198.51.100.10 table-size", CLI_USAGE,
	  "\"table-size\" needs a value" },
	{ "service add 198.51.100.10 table-size 65537x", CLI_USAGE,
	  "invalid table-size \"65537x\"" },
	{ "service add 198.51.100.10 table-size -251", CLI_USAGE,
	  "invalid table-size \"-251\"" },
	{ "service add 198.51.100.10 table-size 4294967296", CLI_USAGE,
	  "invalid table-size \"4294967296\"" },
	{ "service add 198.51.100.10 table-size 251 table-size 257", CLI_USAGE,
	  "service: duplicate \"table-size\"" },
	{ "service add 198.51.100.10 nodest keep", CLI_USAGE,
	  "invalid nodest \"keep\": move or drop" },
	{ "service add 198.51.100.10 nodest", CLI_USAGE,
	  "\"nodest\" needs a value" },
	{ "service add 198.51.100.10 nodest drop nodest move", CLI_USAGE,
	  "service: duplicate \"nodest\"" },
	{ "service set 198.51.100.10 tcp 80", CLI_USAGE,
	  "service set: missing \"nodest move|drop\"" },
	{ "service set 198.51.100.10 tcp 80 table-size 251 nodest drop", CLI_USAGE,
	  "unexpected argument \"table-size\"" },
	{ "service set", CLI_USAGE, "missing VIP" },
	{ "service del 198.51.100.10 nodest drop", CLI_USAGE,
	  "unexpected argument \"nodest\"" },
	{ "config set flow-max -1", CLI_USAGE, "invalid flow-max \"-1\"" },
	{ "config set flow-timeout-tcp 5m", CLI_USAGE,
	  "invalid flow-timeout-tcp \"5m\"" },
	{ "config set flow-timeout-tcp-fin", CLI_USAGE,
	  "\"flow-timeout-tcp-fin\" needs a value" },
	{ "config set flow-timeout-udp 0x10", CLI_USAGE,
	  "invalid flow-timeout-udp \"0x10\"" },
	{ "config set flow-timeout-syn 10 flow-timeout-syn 5", CLI_USAGE,
	  "config set: duplicate \"flow-timeout-syn\"" },
	{ "config set flow-timeout 300", CLI_USAGE,
	  "config set: unknown keyword \"flow-timeout\"" },
	{ "flow show 198.51.100", CLI_USAGE,
	  "invalid VIP \"198.51.100\": not an IPv4 address" },
	{ "flow show 198.51.100.10 tcp", CLI_USAGE, "\"tcp\" needs a PORT" },
	{ "flow show 198.51.100.10 server", CLI_USAGE,
	  "\"server\" needs a value" },
	{ "flow show server 10.20.0", CLI_USAGE,
	  "invalid server address \"10.20.0\": not an IPv4 address" },
	{ "flow show server 10.20.0.21 198.51.100.10", CLI_USAGE,
	  "unexpected argument \"198.51.100.10\"" },
	{ "flow show 198.51.100.10 198.51.100.11", CLI_USAGE,
	  "unexpected argument \"198.51.100.11\"" },
	{ "flow flush all", CLI_USAGE, "unexpected argument \"all\"" },
	{ "flow flush 198.51.100.10 udp 0", CLI_USAGE,
	  "invalid port \"0\": 1..65535" },
	{ "flow flush server 10.20.0.22 server 10.20.0.23", CLI_USAGE,
	  "unexpected argument \"server\"" },
	{ "flow add", CLI_USAGE, "missing VIP" },
	{ "flow add 198.51.100.10 client 203.0.113.10 sport 1 server 10.20.0.21",
	  CLI_USAGE, "flow add: missing \"tcp PORT\" or \"udp PORT\"" },
	{ "flow add 198.51.100.10 tcp 80 sport 1 server 10.20.0.21", CLI_USAGE,
	  "flow add: missing \"client ADDR\"" },
	{ "flow add 198.51.100.10 tcp 80 client 203.0.113.10 server 10.20.0.21",
	  CLI_USAGE, "flow add: missing \"sport PORT\"" },
	{ "flow add 198.51.100.10 tcp 80 client 203.0.113.10 sport 1", CLI_USAGE,
	  "flow add: missing \"server ADDR\"" },
	{ "flow add 198.51.100.10 tcp 80 client 203.0.113.10 sport 0 server 10.20.0.21",
	  CLI_USAGE, "invalid sport \"0\": 1..65535" },
	{ "flow add 198.51.100.10 tcp 80 client 203.0.113.10 sport 65536 server 10.20.0.21",
	  CLI_USAGE, "invalid sport \"65536\": 1..65535" },
	{ "flow add 198.51.100.10 tcp 80 client 203.0.113 sport 1 server 10.20.0.21",
	  CLI_USAGE, "invalid client address \"203.0.113\": not an IPv4 address" },
	{ "flow add 198.51.100.10 tcp 80 client 203.0.113.10 client 203.0.113.11",
	  CLI_USAGE, "flow add: duplicate \"client\"" },
	{ "flow add 198.51.100.10 tcp 80 client 203.0.113.10 sport 1 server 10.20.0.21 idle -1",
	  CLI_USAGE, "invalid idle \"-1\"" },
	{ "flow add 198.51.100.10 udp 53 client 203.0.113.10 sport 1 server 10.20.0.21 fin",
	  CLI_USAGE, "flow add: \"fin\" is for tcp flows" },
	{ "flow add 198.51.100.10 tcp 80 client 203.0.113.10 sport 1 server 10.20.0.21 syn",
	  CLI_USAGE, "flow add: unexpected argument \"syn\"" },
	{ "flow add 198.51.100.10 tcp 80 client 203.0.113.10 sport 1 server 10.20.0.21 fin fin",
	  CLI_USAGE, "flow add: duplicate \"fin\"" },
	{ "monitor flows extra", CLI_USAGE, "unexpected argument \"extra\"" },
	{ "monitor events", CLI_USAGE, "unexpected argument \"events\"" },
	{ "monitor -t -t", CLI_USAGE, "unexpected argument \"-t\"" },
	{ "monitor flows flows", CLI_USAGE, "unexpected argument \"flows\"" },
};

static void test_good(const struct good_case *c)
{
	struct cli cli = { .resolve = fake_resolve };
	static char buf[NLBS_NL_BUFSIZE];
	struct nlbs_req req;
	struct nlmsghdr *nlh;
	struct out o = { 0 };
	int ret;

	ret = parse_line(&cli, &req, c->line);
	if (ret) {
		result(false, "parse: %s", c->line);
		printf("# unexpected error %d: %s\n", ret, cli.err);
		return;
	}
	nlh = nlbs_msg_init(buf, 0x42, req.cmd, req.flags);
	req_encode(&req, nlh);
	render(nlh, &o);
	result(!strcmp(o.s, c->expect), "parse: %s", c->line);
	if (strcmp(o.s, c->expect))
		printf("# got:      %s\n# expected: %s\n", o.s, c->expect);
}

static void test_bad(const struct bad_case *c)
{
	struct cli cli = { .resolve = fake_resolve };
	struct nlbs_req req;
	int ret;
	bool ok;

	ret = parse_line(&cli, &req, c->line);
	ok = ret == c->code && !strcmp(cli.err, c->msg);
	result(ok, "reject: \"%s\"", c->line);
	if (!ok)
		printf("# got %d \"%s\", expected %d \"%s\"\n", ret, cli.err,
		       c->code, c->msg);
}

static void test_help(void)
{
	struct cli cli = { .resolve = fake_resolve };
	struct nlbs_req req;
	int ret;

	ret = parse_line(&cli, &req, "server help");
	result(!ret && req.op == OP_HELP && req.obj &&
	       !strcmp(req.obj->name, "server"), "parse: server help");
	ret = parse_line(&cli, &req, "help");
	result(!ret && req.op == OP_HELP && !req.obj, "parse: help");
	ret = parse_line(&cli, &req, "monitor");
	result(!ret && req.op == OP_MONITOR && !req.monitor_flows,
	       "parse: monitor");
	ret = parse_line(&cli, &req, "monitor flows");
	result(!ret && req.op == OP_MONITOR && req.monitor_flows && !req.monitor_ts,
	       "parse: monitor flows");
	ret = parse_line(&cli, &req, "monitor -t");
	result(!ret && req.op == OP_MONITOR && req.monitor_ts && !req.monitor_flows,
	       "parse: monitor -t");
	ret = parse_line(&cli, &req, "monitor timestamp flows");
	result(!ret && req.monitor_ts && req.monitor_flows, "parse: monitor timestamp flows");
	ret = parse_line(&cli, &req, "monitor flows -t");
	result(!ret && req.monitor_ts && req.monitor_flows, "parse: monitor flows -t");
	{
		struct timeval tv = { .tv_sec = 1, .tv_usec = 42 };
		char buf[48];

		setenv("TZ", "UTC", 1);
		tzset();
		monitor_timestamp(buf, sizeof(buf), &tv);
		result(!strcmp(buf, "1970-01-01T00:00:01.000042+00:00"),
		       "monitor -t: ISO 8601, microseconds, UTC offset");
		if (strcmp(buf, "1970-01-01T00:00:01.000042+00:00"))
			printf("# got %s\n", buf);
	}
	ret = parse_line(&cli, &req, "flow");
	result(!ret && req.op == OP_FLOW_SHOW && req.obj &&
	       !strcmp(req.obj->name, "flow"), "parse: flow is flow show");
	ret = parse_line(&cli, &req, "flow help");
	result(!ret && req.op == OP_HELP && req.obj &&
	       !strcmp(req.obj->name, "flow"), "parse: flow help");
}

/* ---- decoders and printers ---------------------------------------------------- */

/* Run fn with stdout captured; returns what it printed (static buffer). */
static const char *capture(bool json, void (*fn)(void))
{
	static char buf[4096];
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	size_t n;

	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	print_init(json, false);
	fn();
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return buf;
}

static char msgbuf[NLBS_NL_BUFSIZE];

/* A CONFIG_GET reply as the kernel builds it. */
static struct nlmsghdr *config_reply(void)
{
	struct nlmsghdr *nlh = nlbs_msg_init(msgbuf, 0x42, NLBS_CMD_CONFIG_GET, 0);

	mnl_attr_put_u32(nlh, NLBS_A_ACCESS_IFINDEX, 3);
	mnl_attr_put_strz(nlh, NLBS_A_ACCESS_IFNAME, "veth0");
	mnl_attr_put_u32(nlh, NLBS_A_SERVER_IFINDEX, 4);
	mnl_attr_put_strz(nlh, NLBS_A_SERVER_IFNAME, "veth1");
	mnl_attr_put_u32(nlh, NLBS_A_NLBS_ADDR_BE, inet_addr("10.10.0.100"));
	mnl_attr_put_u32(nlh, NLBS_A_GARP_COUNT, 3);
	mnl_attr_put_u32(nlh, NLBS_A_GARP_INTERVAL, 100);
	mnl_attr_put_u32(nlh, NLBS_A_HASH_SEED, 0xabcd);
	mnl_attr_put_u32(nlh, 200, 7);	/* from a newer kernel: ignored */
	return nlh;
}

static void print_config_reply(void)
{
	struct nlbs_config cfg;

	nlbs_parse_config(config_reply(), &cfg);
	print_begin(false);
	print_config(&cfg);
	print_end(true);
}

static void print_empty_config(void)
{
	struct nlbs_config cfg = { 0 };

	print_begin(false);
	print_config(&cfg);
	print_end(true);
}

static void print_state_reply(void)
{
	struct nlmsghdr *nlh = nlbs_msg_init(msgbuf, 0x42, NLBS_CMD_STATE_GET, 0);
	struct nlbs_state_info st;

	mnl_attr_put_u8(nlh, NLBS_A_STATE, NLBS_STATE_ACTIVE);
	mnl_attr_put_u32(nlh, NLBS_A_LEASE_MS, 2500);
	nlbs_parse_state(nlh, &st);
	print_begin(false);
	print_state(&st);
	print_end(true);
}

static struct nlmsghdr *server_reply(void)
{
	struct nlmsghdr *nlh = nlbs_msg_init(msgbuf, 0x42, NLBS_CMD_SERVER_GET, 0);
	struct nlattr *n;
	uint8_t mac[6] = { 2, 0, 0x0a, 0x14, 0, 0x15 };

	n = mnl_attr_nest_start(nlh, NLBS_A_SERVICE);
	mnl_attr_put_u32(nlh, NLBS_SVC_A_VIP_BE, inet_addr("198.51.100.10"));
	mnl_attr_put_u8(nlh, NLBS_SVC_A_PROTO, 6);
	mnl_attr_put_u16(nlh, NLBS_SVC_A_PORT, 80);
	mnl_attr_put_u32(nlh, NLBS_SVC_A_SERVERS, 3);
	mnl_attr_put_u32(nlh, NLBS_SVC_A_TABLE_SIZE, 1021);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, NLBS_A_SERVER);
	mnl_attr_put_u32(nlh, NLBS_SRV_A_ADDR_BE, inet_addr("10.20.0.21"));
	mnl_attr_put_u32(nlh, NLBS_SRV_A_WEIGHT, 1);
	mnl_attr_put(nlh, NLBS_SRV_A_MAC, 6, mac);
	mnl_attr_put(nlh, NLBS_SRV_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, NLBS_SRV_A_PACKETS, 12);
	mnl_attr_put_u64(nlh, NLBS_SRV_A_BYTES, 3400);
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

static void print_service_server(void)
{
	struct nlbs_service svc;
	struct nlbs_server srv;

	nlbs_parse_server(server_reply(), &svc, &srv);
	print_begin(false);
	print_str(PRINT_FP, NULL, "%s", "service");
	print_service(&svc);
	print_nl();
	print_str(PRINT_FP, NULL, "%s", "  server");
	print_server(&srv);
	print_end(true);
}

static void print_stats_reply(void)
{
	struct nlmsghdr *nlh = nlbs_msg_init(msgbuf, 0x42, NLBS_CMD_STATS_GET, 0);
	struct nlbs_stats stats;
	struct nlattr *n;
	unsigned int a;

	n = mnl_attr_nest_start(nlh, NLBS_A_STATS);
	for (a = NLBS_STATS_A_RX; a <= NLBS_STATS_A_ARP_CONFLICTS; a++)
		mnl_attr_put_u64(nlh, a, a * 10);
	mnl_attr_nest_end(nlh, n);
	nlbs_parse_stats(nlh, &stats);
	print_begin(false);
	print_stats(&stats);
	print_end(true);
}

/* A FLOW_GET dump message as the kernel builds it. */
static struct nlmsghdr *flow_reply(void)
{
	struct nlmsghdr *nlh = nlbs_msg_init(msgbuf, 0x42, NLBS_CMD_FLOW_GET,
					     NLM_F_DUMP);
	struct nlattr *n;

	n = mnl_attr_nest_start(nlh, NLBS_A_FLOW);
	mnl_attr_put_u32(nlh, NLBS_FLOW_A_SADDR_BE, inet_addr("203.0.113.10"));
	mnl_attr_put_u32(nlh, NLBS_FLOW_A_DADDR_BE, inet_addr("198.51.100.10"));
	mnl_attr_put_u8(nlh, NLBS_FLOW_A_PROTO, 6);
	mnl_attr_put_u16(nlh, NLBS_FLOW_A_SPORT, 40000);
	mnl_attr_put_u16(nlh, NLBS_FLOW_A_DPORT, 80);
	mnl_attr_put_u32(nlh, NLBS_FLOW_A_SERVER_BE, inet_addr("10.20.0.21"));
	mnl_attr_put_u32(nlh, NLBS_FLOW_A_IDLE_MS, 120);
	mnl_attr_put_u32(nlh, 100, 7);	/* from a newer kernel: ignored */
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

static void test_flow_decode(void)
{
	struct nlmsghdr *nlh = flow_reply();
	struct nlbs_flow f;
	struct nlattr *n;
	uint32_t all = 0;
	unsigned int a;
	bool ok;

	for (a = NLBS_FLOW_A_SADDR_BE; a <= NLBS_FLOW_A_IDLE_MS; a++)
		all |= NLBS_BIT(a);
	ok = nlbs_parse_flow(nlh, &f) == 0 &&
	     nlbs_msg_cmd(nlh) == NLBS_CMD_FLOW_GET && f.present == all && f.saddr == inet_addr("203.0.113.10") &&
	     f.daddr == inet_addr("198.51.100.10") && f.proto == 6 &&
	     f.sport == 40000 && f.dport == 80 &&
	     f.server == inet_addr("10.20.0.21") && f.idle_ms == 120;
	result(ok, "decode: flow");

	nlh = nlbs_msg_init(msgbuf, 0x42, NLBS_CMD_FLOW_GET, 0);
	n = mnl_attr_nest_start(nlh, NLBS_A_FLOW);
	mnl_attr_put_u32(nlh, NLBS_FLOW_A_SPORT, 40000);	/* u16 expected */
	mnl_attr_nest_end(nlh, n);
	result(nlbs_parse_flow(nlh, &f) == -EINVAL,
	       "decode: flow with a wrong attribute size is -EINVAL");
}

static void print_flow_reply(void)
{
	struct nlbs_flow f;

	nlbs_parse_flow(flow_reply(), &f);
	print_begin(true);
	print_open_object(NULL);
	print_flow(&f);
	print_nl();
	print_close_object();
	f.proto = 17;
	f.sport = 65535;
	f.idle_ms = 0;
	print_open_object(NULL);
	print_flow(&f);
	print_nl();
	print_close_object();
	print_end(true);
}

/* what the kernel adds to its replies */
static void print_config_flow_reply(void)
{
	struct nlmsghdr *nlh = config_reply();
	struct nlbs_config cfg;

	mnl_attr_put_u32(nlh, NLBS_A_FLOW_MAX, 262144);
	mnl_attr_put_u32(nlh, NLBS_A_FLOW_TIMEOUT_TCP, 300);
	mnl_attr_put_u32(nlh, NLBS_A_FLOW_TIMEOUT_TCP_FIN, 10);
	mnl_attr_put_u32(nlh, NLBS_A_FLOW_TIMEOUT_UDP, 120);
	mnl_attr_put_u32(nlh, NLBS_A_FLOW_TIMEOUT_SYN, 5);
	nlbs_parse_config(nlh, &cfg);
	print_begin(false);
	print_config(&cfg);
	print_end(true);
}

static void print_service_nodest(void)
{
	struct nlmsghdr *nlh = nlbs_msg_init(msgbuf, 0x42, NLBS_CMD_SERVICE_GET, 0);
	struct nlbs_service svc;
	struct nlattr *n;

	n = mnl_attr_nest_start(nlh, NLBS_A_SERVICE);
	mnl_attr_put_u32(nlh, NLBS_SVC_A_VIP_BE, inet_addr("198.51.100.10"));
	mnl_attr_put_u8(nlh, NLBS_SVC_A_PROTO, 6);
	mnl_attr_put_u16(nlh, NLBS_SVC_A_PORT, 80);
	mnl_attr_put_u32(nlh, NLBS_SVC_A_SERVERS, 3);
	mnl_attr_put_u32(nlh, NLBS_SVC_A_TABLE_SIZE, 65537);
	mnl_attr_put_u8(nlh, NLBS_SVC_A_NODEST, NLBS_NODEST_DROP);
	mnl_attr_nest_end(nlh, n);
	nlbs_parse_service(nlh, &svc);
	print_begin(true);
	print_open_object(NULL);
	print_str(PRINT_FP, NULL, "%s", "service");
	print_service(&svc);
	print_nl();
	print_close_object();
	print_open_object(NULL);
	svc.nodest = NLBS_NODEST_MOVE;
	svc.proto = 0;
	print_str(PRINT_FP, NULL, "%s", "service");
	print_service(&svc);
	print_nl();
	print_close_object();
	print_end(true);
}

static void print_server_flows(void)
{
	struct nlmsghdr *nlh = server_reply();
	struct nlbs_service svc;
	struct nlbs_server srv;
	struct nlattr *n;

	/* a second NLBS_A_SERVER: the decoder keeps the last one */
	n = mnl_attr_nest_start(nlh, NLBS_A_SERVER);
	mnl_attr_put_u32(nlh, NLBS_SRV_A_ADDR_BE, inet_addr("10.20.0.22"));
	mnl_attr_put_u32(nlh, NLBS_SRV_A_WEIGHT, 0);
	mnl_attr_put_u64(nlh, NLBS_SRV_A_PACKETS, 5);
	mnl_attr_put_u64(nlh, NLBS_SRV_A_BYTES, 700);
	mnl_attr_put_u32(nlh, NLBS_SRV_A_ACTIVE_FLOWS, 17);
	mnl_attr_put(nlh, NLBS_SRV_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, NLBS_SRV_A_NEW_FLOWS, 4294967296ULL);
	mnl_attr_nest_end(nlh, n);
	nlbs_parse_server(nlh, &svc, &srv);
	print_begin(false);
	print_str(PRINT_FP, NULL, "%s", "  server");
	print_server(&srv);
	print_end(true);
}

static void print_stats_new(void)
{
	struct nlmsghdr *nlh = nlbs_msg_init(msgbuf, 0x42, NLBS_CMD_STATS_GET, 0);
	struct nlbs_stats stats;
	struct nlattr *n;
	unsigned int a;

	n = mnl_attr_nest_start(nlh, NLBS_A_STATS);
	mnl_attr_put_u64(nlh, NLBS_STATS_A_ARP_CONFLICTS, 1);
	mnl_attr_put(nlh, NLBS_STATS_A_PAD, 0, NULL);
	for (a = NLBS_STATS_A_FLOWS; a <= NLBS_STATS_A_SYNC_REFUSED; a++)
		mnl_attr_put_u64(nlh, a, a);
	mnl_attr_nest_end(nlh, n);
	nlbs_parse_stats(nlh, &stats);
	print_begin(false);
	print_stats(&stats);
	print_end(true);
}

static void print_flow_flags(void)
{
	struct nlmsghdr *nlh = flow_reply();
	struct nlbs_flow f;
	static const uint32_t flags[] = {
		NLBS_FLOW_F_FIN | NLBS_FLOW_F_IMPORTED, NLBS_FLOW_F_SYN, 0,
		NLBS_FLOW_F_FIN | 0x10,
	};
	size_t i;

	print_begin(true);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		nlh = flow_reply();
		nlbs_parse_flow(nlh, &f);
		f.present |= NLBS_BIT(NLBS_FLOW_A_FLAGS);
		f.flags = flags[i];
		print_open_object(NULL);
		print_flow(&f);
		print_nl();
		print_close_object();
	}
	print_end(true);
}

struct print_case {
	const char *name;
	void (*fn)(void);
	bool json;
	const char *expect;
};

static const struct print_case prints[] = {
	{ "config show", print_config_reply, false,
	  "access veth0 (ifindex 3) servers veth1 (ifindex 4) nlbs 10.10.0.100 garp-count 3 garp-interval 100 seed 0x0000abcd\n" },
	{ "config show -j", print_config_reply, true,
	  "{\"access\":\"veth0\",\"access_ifindex\":3,\"servers\":\"veth1\",\"server_dev\":\"veth1\",\"servers_ifindex\":4,\"nlbs\":\"10.10.0.100\",\"garp_count\":3,\"garp_interval\":100,\"seed\":43981}\n" },
	{ "config show (unset)", print_empty_config, false,
	  "access none servers none nlbs none\n" },
	{ "config show -j (unset)", print_empty_config, true,
	  "{\"access\":null,\"servers\":null,\"server_dev\":null,\"nlbs\":null}\n" },
	{ "state show", print_state_reply, false, "state active lease 2500 ms\n" },
	{ "state show -j", print_state_reply, true,
	  "{\"state\":\"active\",\"lease_ms\":2500}\n" },
	{ "service/server lines", print_service_server, false,
	  "service 198.51.100.10 tcp 80 servers 3 table 1021\n"
	  "  server 10.20.0.21 weight 1 mac 02:00:0a:14:00:15 packets 12 bytes 3400\n" },
	{ "service/server -j", print_service_server, true,
	  "{\"vip\":\"198.51.100.10\",\"proto\":\"tcp\",\"port\":80,\"servers\":3,\"server_count\":3,\"table\":1021,\"addr\":\"10.20.0.21\",\"weight\":1,\"mac\":\"02:00:0a:14:00:15\",\"packets\":12,\"bytes\":3400}\n" },
	{ "stats show", print_stats_reply, false,
	  "rx 10\nforwarded 20\narp-requests 30\narp-replies 40\ngarp-sent 50\n"
	  "drop-inactive 60\ndrop-no-server 70\nneigh-miss 80\ndrop-neigh 90\n"
	  "drop-malformed 100\ndrop-xmit 110\narp-conflicts 120\n" },
	{ "stats show -j", print_stats_reply, true,
	  "{\"rx\":10,\"forwarded\":20,\"arp_requests\":30,\"arp_replies\":40,\"garp_sent\":50,\"drop_inactive\":60,\"drop_no_server\":70,\"neigh_miss\":80,\"drop_neigh\":90,\"drop_malformed\":100,\"drop_xmit\":110,\"arp_conflicts\":120}\n" },
	{ "flow show", print_flow_reply, false,
	  "flow tcp 203.0.113.10:40000 -> 198.51.100.10:80 server 10.20.0.21 idle 120 ms\n"
	  "flow udp 203.0.113.10:65535 -> 198.51.100.10:80 server 10.20.0.21 idle 0 ms\n" },
	{ "flow show -j", print_flow_reply, true,
	  "[{\"proto\":\"tcp\",\"saddr\":\"203.0.113.10\",\"sport\":40000,\"daddr\":\"198.51.100.10\",\"dport\":80,\"server\":\"10.20.0.21\",\"idle_ms\":120},"
	  "{\"proto\":\"udp\",\"saddr\":\"203.0.113.10\",\"sport\":65535,\"daddr\":\"198.51.100.10\",\"dport\":80,\"server\":\"10.20.0.21\",\"idle_ms\":0}]\n" },
	{ "config show (flow settings)", print_config_flow_reply, false,
	  "access veth0 (ifindex 3) servers veth1 (ifindex 4) nlbs 10.10.0.100 garp-count 3 garp-interval 100 seed 0x0000abcd"
	  " flow-max 262144 flow-timeout-tcp 300 flow-timeout-tcp-fin 10 flow-timeout-udp 120 flow-timeout-syn 5\n" },
	{ "config show -j (flow settings)", print_config_flow_reply, true,
	  "{\"access\":\"veth0\",\"access_ifindex\":3,\"servers\":\"veth1\",\"server_dev\":\"veth1\",\"servers_ifindex\":4,\"nlbs\":\"10.10.0.100\",\"garp_count\":3,\"garp_interval\":100,\"seed\":43981,"
	  "\"flow_max\":262144,\"flow_timeout_tcp\":300,\"flow_timeout_tcp_fin\":10,\"flow_timeout_udp\":120,\"flow_timeout_syn\":5}\n" },
	{ "service show (nodest)", print_service_nodest, false,
	  "service 198.51.100.10 tcp 80 servers 3 table 65537 nodest drop\n"
	  "service 198.51.100.10 servers 3 table 65537 nodest move\n" },
	{ "service show -j (nodest)", print_service_nodest, true,
	  "[{\"vip\":\"198.51.100.10\",\"proto\":\"tcp\",\"port\":80,\"servers\":3,\"server_count\":3,\"table\":65537,\"nodest\":\"drop\"},"
	  "{\"vip\":\"198.51.100.10\",\"proto\":\"any\",\"servers\":3,\"server_count\":3,\"table\":65537,\"nodest\":\"move\"}]\n" },
	{ "server show (flows)", print_server_flows, false,
	  "  server 10.20.0.22 weight 0 packets 5 bytes 700 active-flows 17 new-flows 4294967296\n" },
	{ "server show -j (flows)", print_server_flows, true,
	  "{\"addr\":\"10.20.0.22\",\"weight\":0,\"packets\":5,\"bytes\":700,\"active_flows\":17,\"new_flows\":4294967296}\n" },
	{ "stats show (new counters)", print_stats_new, false,
	  "arp-conflicts 1\nflows 14\nflow-new 15\nflow-skip-full 16\nflow-skip-nomem 17\n"
	  "flow-skip-flood 18\ndrop-nodest 19\ndrop-toobig 20\nicmp-forwarded 21\n"
	  "sync-sent 22\nsync-dropped 23\nsync-imported 24\nsync-refused 25\n" },
	{ "stats show -j (new counters)", print_stats_new, true,
	  "{\"arp_conflicts\":1,\"flows\":14,\"flow_new\":15,\"flow_skip_full\":16,\"flow_skip_nomem\":17,"
	  "\"flow_skip_flood\":18,\"drop_nodest\":19,\"drop_toobig\":20,\"icmp_forwarded\":21,"
	  "\"sync_sent\":22,\"sync_dropped\":23,\"sync_imported\":24,\"sync_refused\":25}\n" },
	{ "flow show (flags)", print_flow_flags, false,
	  "flow tcp 203.0.113.10:40000 -> 198.51.100.10:80 server 10.20.0.21 idle 120 ms flags fin,imported\n"
	  "flow tcp 203.0.113.10:40000 -> 198.51.100.10:80 server 10.20.0.21 idle 120 ms flags syn\n"
	  "flow tcp 203.0.113.10:40000 -> 198.51.100.10:80 server 10.20.0.21 idle 120 ms\n"
	  "flow tcp 203.0.113.10:40000 -> 198.51.100.10:80 server 10.20.0.21 idle 120 ms flags fin,0x10\n" },
	{ "flow show -j (flags)", print_flow_flags, true,
	  "[{\"proto\":\"tcp\",\"saddr\":\"203.0.113.10\",\"sport\":40000,\"daddr\":\"198.51.100.10\",\"dport\":80,\"server\":\"10.20.0.21\",\"idle_ms\":120,\"flags\":[\"fin\",\"imported\"]},"
	  "{\"proto\":\"tcp\",\"saddr\":\"203.0.113.10\",\"sport\":40000,\"daddr\":\"198.51.100.10\",\"dport\":80,\"server\":\"10.20.0.21\",\"idle_ms\":120,\"flags\":[\"syn\"]},"
	  "{\"proto\":\"tcp\",\"saddr\":\"203.0.113.10\",\"sport\":40000,\"daddr\":\"198.51.100.10\",\"dport\":80,\"server\":\"10.20.0.21\",\"idle_ms\":120,\"flags\":[]},"
	  "{\"proto\":\"tcp\",\"saddr\":\"203.0.113.10\",\"sport\":40000,\"daddr\":\"198.51.100.10\",\"dport\":80,\"server\":\"10.20.0.21\",\"idle_ms\":120,\"flags\":[\"fin\",\"0x10\"]}]\n" },
};

static void test_print(const struct print_case *c)
{
	const char *got = capture(c->json, c->fn);
	bool ok = !strcmp(got, c->expect);

	result(ok, "print: %s", c->name);
	if (!ok)
		printf("# got:      %s# expected: %s", got, c->expect);
}

static void test_malformed(void)
{
	struct nlmsghdr *nlh = nlbs_msg_init(msgbuf, 0x42, NLBS_CMD_CONFIG_GET, 0);
	struct nlbs_config cfg;

	mnl_attr_put_u16(nlh, NLBS_A_GARP_COUNT, 3);	/* u32 expected */
	result(nlbs_parse_config(nlh, &cfg) == -EINVAL,
	       "decode: wrong attribute size is -EINVAL");
}

/* ---- the receive path: interrupted dumps ------------------------------------ */

#define FAKE_FAMILY	0x42
#define FAKE_SETS	2
#define FAKE_DGRAMS	3
#define FAKE_REQS	4

struct fake_dgram {
	char buf[4096] __attribute__((aligned(8)));
	size_t len;
};

/* The replies of request i are set[i] (the last set for every later one),
 * one datagram a recv; after them recv fails with EAGAIN. */
struct fake {
	struct fake_dgram set[FAKE_SETS][FAKE_DGRAMS];
	int ndgrams[FAKE_SETS];
	int nsets;
	int sends;		/* requests seen */
	int next;		/* next datagram of the current set */
	int eintr;		/* fail this many recvs with EINTR first */
	int eagain;		/* recvs beyond the replies */
	uint32_t seq;		/* of the last request */
	uint8_t cmd;
	char req[FAKE_REQS][1024] __attribute__((aligned(8)));	/* the first */
};

static struct fake fake;

static struct fake_dgram *fake_cur(void)
{
	int s = fake.sends - 1;

	return &fake.set[s < fake.nsets ? s : fake.nsets - 1][fake.next];
}

static int fake_ncur(void)
{
	int s = fake.sends - 1;

	return fake.ndgrams[s < fake.nsets ? s : fake.nsets - 1];
}

static ssize_t fake_send(void *ctx, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;

	(void)ctx;
	if (fake.sends < FAKE_REQS && len <= sizeof(fake.req[0]))
		memcpy(fake.req[fake.sends], buf, len);
	fake.sends++;
	fake.next = 0;
	fake.seq = nlh->nlmsg_seq;
	fake.cmd = nlbs_msg_cmd(nlh);
	return (ssize_t)len;
}

static ssize_t fake_recv(void *ctx, void *buf, size_t len)
{
	const struct fake_dgram *d;
	struct nlmsghdr *nlh;
	int rest;

	(void)ctx;
	if (fake.eintr) {
		fake.eintr--;
		errno = EINTR;
		return -1;
	}
	if (!fake.sends || fake.next >= fake_ncur()) {
		fake.eagain++;
		errno = EAGAIN;
		return -1;
	}
	d = fake_cur();
	fake.next++;
	if (d->len > len)
		abort();
	memcpy(buf, d->buf, d->len);
	rest = (int)d->len;
	for (nlh = buf; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest))
		nlh->nlmsg_seq = fake.seq;	/* the kernel echoes it */
	return (ssize_t)d->len;
}

/* A SERVICE_GET dump message for VIP (whole) in set s, datagram d. */
static void fake_service(int s, int d, const char *vip, uint16_t flags)
{
	struct fake_dgram *g = &fake.set[s][d];
	struct nlbs_service svc = {
		.present = NLBS_BIT(NLBS_SVC_A_VIP_BE) |
			   NLBS_BIT(NLBS_SVC_A_PROTO),
		.vip = inet_addr(vip),
	};
	struct nlmsghdr *nlh;

	nlh = nlbs_msg_init(g->buf + g->len, FAKE_FAMILY, NLBS_CMD_SERVICE_GET, 0);
	nlh->nlmsg_flags = NLM_F_MULTI | flags;
	nlbs_put_service(nlh, &svc);
	g->len += NLMSG_ALIGN(nlh->nlmsg_len);
	if (d >= fake.ndgrams[s])
		fake.ndgrams[s] = d + 1;
	if (s >= fake.nsets)
		fake.nsets = s + 1;
}

static void fake_done(int s, int d, uint16_t flags)
{
	struct fake_dgram *g = &fake.set[s][d];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(g->buf + g->len);
	int *err;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | flags;
	err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
	*err = 0;
	g->len += NLMSG_ALIGN(nlh->nlmsg_len);
	if (d >= fake.ndgrams[s])
		fake.ndgrams[s] = d + 1;
	if (s >= fake.nsets)
		fake.nsets = s + 1;
}

/* An ACK (error 0) or an error with extack text msg in set s, datagram 0. */
static void fake_ack(int s, int error, const char *msg)
{
	struct fake_dgram *g = &fake.set[s][0];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(g->buf + g->len);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | (msg ? NLM_F_ACK_TLVS : 0);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = sizeof(e->msg);
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	g->len += NLMSG_ALIGN(nlh->nlmsg_len);
	fake.ndgrams[s] = 1;
	if (s >= fake.nsets)
		fake.nsets = s + 1;
}

/* A dump of two services in set s: both in datagram 0, NLMSG_DONE in 1. */
static void fake_two_services(int s, uint16_t intr1, uint16_t intr_done)
{
	fake_service(s, 0, "198.51.100.10", 0);
	fake_service(s, 0, "198.51.100.11", intr1);
	fake_done(s, 1, intr_done);
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

static int count_cb(const struct nlbs_service *svc, void *data)
{
	(void)svc;
	++*(int *)data;
	return 0;
}

static const char intr_msg[] = "dump interrupted by concurrent changes, try again";

static void test_dump_intr_lib(void)
{
	struct nlbs_nl *nl;
	const struct nlbs_nl_error *e;
	int ret, n;

	nl = fake_open();
	fake_two_services(0, 0, 0);
	n = 0;
	ret = nlbs_service_dump(nl, count_cb, &n);
	result(ret == 0 && n == 2 && fake.next == 2 && !fake.eagain &&
	       fake.cmd == NLBS_CMD_SERVICE_GET,
	       "dump: a clean dump is 0 (ret %d, %d services)", ret, n);
	nlbs_nl_close(nl);

	nl = fake_open();
	fake_two_services(0, NLM_F_DUMP_INTR, 0);
	n = 0;
	ret = nlbs_service_dump(nl, count_cb, &n);
	e = nlbs_nl_error(nl);
	result(ret == -EINTR && e->err == EINTR && !strcmp(e->msg, intr_msg),
	       "dump: NLM_F_DUMP_INTR on a message is -EINTR (ret %d, \"%s\")",
	       ret, e->msg);
	result(n == 2 && fake.next == 2 && !fake.eagain,
	       "dump: an interrupted dump is read to its NLMSG_DONE");
	/* The socket is clean: the next request gets its own replies. */
	fake.nsets = 2;
	fake_two_services(1, 0, 0);
	n = 0;
	ret = nlbs_service_dump(nl, count_cb, &n);
	result(ret == 0 && n == 2 && nlbs_nl_error(nl)->err == 0,
	       "dump: the dump after an interrupted one succeeds");
	nlbs_nl_close(nl);

	nl = fake_open();
	fake_two_services(0, 0, NLM_F_DUMP_INTR);
	n = 0;
	ret = nlbs_service_dump(nl, count_cb, &n);
	result(ret == -EINTR && n == 2,
	       "dump: NLM_F_DUMP_INTR on NLMSG_DONE only is -EINTR");
	nlbs_nl_close(nl);

	nl = fake_open();
	fake_two_services(0, 0, 0);
	fake.eintr = 2;
	n = 0;
	ret = nlbs_service_dump(nl, count_cb, &n);
	result(ret == 0 && n == 2 && !fake.eintr,
	       "dump: a signal (recv EINTR) does not cut it short");
	nlbs_nl_close(nl);
}

/* nlbs-genl service show on the fake, whose first dump is interrupted (every
 * dump with always_torn); stdout and stderr captured. */
static int run_service_show(bool json, bool always_torn, char *out,
			    size_t outsz, char *err, size_t errsz)
{
	struct cli cli = { .resolve = fake_resolve, .json = json };
	FILE *o = tmpfile(), *e = tmpfile();
	int so = dup(STDOUT_FILENO), se = dup(STDERR_FILENO);
	struct nlbs_req req;
	size_t n;
	int ret;

	cli.nl = fake_open();
	if (parse_line(&cli, &req, "service show"))
		abort();
	fake_two_services(0, NLM_F_DUMP_INTR, 0);	/* 1st try: torn */
	fake_service(1, 0, "198.51.100.20", 0);		/* then clean */
	fake_done(1, 1, 0);
	if (always_torn)
		fake.nsets = 1;
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(o), STDOUT_FILENO);
	dup2(fileno(e), STDERR_FILENO);
	print_init(json, false);
	ret = cli_run(&cli, &req);
	fflush(stdout);
	fflush(stderr);
	dup2(so, STDOUT_FILENO);
	dup2(se, STDERR_FILENO);
	close(so);
	close(se);
	rewind(o);
	rewind(e);
	n = fread(out, 1, outsz - 1, o);
	out[n] = '\0';
	n = fread(err, 1, errsz - 1, e);
	err[n] = '\0';
	fclose(o);
	fclose(e);
	nlbs_nl_close(cli.nl);
	return ret;
}

static void test_dump_intr_cli(void)
{
	char out[512], err[512];
	int ret;

	ret = run_service_show(false, false, out, sizeof(out), err, sizeof(err));
	result(ret == CLI_OK && fake.sends == 2 &&
	       !strcmp(out, "service 198.51.100.20\n") && !err[0],
	       "service show: an interrupted dump is retried, the torn one dropped");
	if (ret || strcmp(out, "service 198.51.100.20\n"))
		printf("# ret %d sends %d out \"%s\" err \"%s\"\n", ret,
		       fake.sends, out, err);

	ret = run_service_show(true, false, out, sizeof(out), err, sizeof(err));
	result(ret == CLI_OK && !strcmp(out, "[{\"vip\":\"198.51.100.20\",\"proto\":\"any\"}]\n"),
	       "service show -j: an interrupted dump is retried");
	if (ret || strcmp(out, "[{\"vip\":\"198.51.100.20\",\"proto\":\"any\"}]\n"))
		printf("# ret %d out \"%s\" err \"%s\"\n", ret, out, err);

	ret = run_service_show(false, true, out, sizeof(out), err, sizeof(err));
	result(ret == CLI_FAIL && fake.sends == DUMP_TRIES && !out[0] &&
	       !strcmp(err, "Error: dump interrupted by concurrent changes, try again\n"),
	       "service show: still interrupted after %d tries: exit 1, nothing on stdout",
	       DUMP_TRIES);
	if (ret != CLI_FAIL || out[0])
		printf("# ret %d sends %d out \"%s\" err \"%s\"\n", ret,
		       fake.sends, out, err);
}

/* Run one command line on the fake socket (set up by setup()), stdout and
 * stderr captured. */
static int run_line(const char *line, void (*setup)(void), char *out,
		    size_t outsz, char *err, size_t errsz)
{
	struct cli cli = { .resolve = fake_resolve };
	FILE *o = tmpfile(), *e = tmpfile();
	int so = dup(STDOUT_FILENO), se = dup(STDERR_FILENO);
	struct nlbs_req req;
	size_t n;
	int ret;

	cli.nl = fake_open();
	setup();
	if (parse_line(&cli, &req, line))
		abort();
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(o), STDOUT_FILENO);
	dup2(fileno(e), STDERR_FILENO);
	print_init(false, false);
	ret = cli_run(&cli, &req);
	fflush(stdout);
	fflush(stderr);
	dup2(so, STDOUT_FILENO);
	dup2(se, STDERR_FILENO);
	close(so);
	close(se);
	rewind(o);
	rewind(e);
	n = fread(out, 1, outsz - 1, o);
	out[n] = '\0';
	n = fread(err, 1, errsz - 1, e);
	err[n] = '\0';
	fclose(o);
	fclose(e);
	nlbs_nl_close(cli.nl);
	return ret;
}

static void acks_ok(void)
{
	fake_ack(0, 0, NULL);
}

static void second_fails(void)
{
	fake_ack(0, 0, NULL);
	fake_ack(1, -ENOENT, "no such service");
}

static const char *sent(int i)
{
	static struct out o;

	render((const struct nlmsghdr *)fake.req[i], &o);
	return o.s;
}

static void test_flush_run(void)
{
	static const char *const want[] = {
		"FLOW_DEL ack svc{vip=198.51.100.10 proto=6 port=80} srv{addr=10.20.0.22}",
		"FLOW_DEL ack svc{vip=198.51.100.11} srv{addr=10.20.0.22}",
		"FLOW_DEL ack svc{vip=198.51.100.12 proto=17 port=53} srv{addr=10.20.0.22}",
	};
	char out[256], err[256];
	int ret, i, ok;

	ret = run_line("flow flush 198.51.100.10 tcp 80 198.51.100.11 198.51.100.12 udp 53 server 10.20.0.22",
		       acks_ok, out, sizeof(out), err, sizeof(err));
	ok = ret == CLI_OK && fake.sends == 3 && !out[0] && !err[0];
	for (i = 0; ok && i < 3; i++)
		ok = !strcmp(sent(i), want[i]);
	result(ok, "flow flush: one request a service, each with the server filter");
	if (!ok)
		for (i = 0; i < fake.sends && i < 3; i++)
			printf("# sent: %s\n# want: %s\n", sent(i), want[i]);

	ret = run_line("flow flush", acks_ok, out, sizeof(out), err, sizeof(err));
	result(ret == CLI_OK && fake.sends == 1 &&
	       !strcmp(sent(0), "FLOW_DEL ack"),
	       "flow flush: without a VIP one request, every flow");

	ret = run_line("flow flush 198.51.100.10 198.51.100.11 198.51.100.12",
		       second_fails, out, sizeof(out), err, sizeof(err));
	result(ret == CLI_FAIL && fake.sends == 2 &&
	       !strcmp(err, "Error: no such service\n"),
	       "flow flush: the first failure ends it, the kernel's message verbatim");
	if (ret != CLI_FAIL || fake.sends != 2)
		printf("# ret %d sends %d err \"%s\"\n", ret, fake.sends, err);

	ret = run_line("flow add 198.51.100.10 tcp 80 client 203.0.113.10 sport 40000 server 10.20.0.99",
		       second_fails, out, sizeof(out), err, sizeof(err));
	result(ret == CLI_OK && fake.sends == 1 &&
	       !strcmp(sent(0), "FLOW_ADD ack flow{saddr=203.0.113.10 daddr=198.51.100.10 proto=6 sport=40000 dport=80 server=10.20.0.99}"),
	       "flow add: one FLOW_ADD request");
}

int nlbs_genl_main(int argc, char **argv);

/* The process's exit status, as ip(8)'s: 1 syntax, 2 the request failed. */
static int exit_of(const char *line)
{
	char buf[256], *argv[16], *save = NULL, *t;
	int argc = 0, ret, fd, saved;

	snprintf(buf, sizeof(buf), "nlbs-genl %s", line);
	for (t = strtok_r(buf, " ", &save); t && argc < 15; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	optind = 0;			/* getopt starts over */
	fflush(stderr);
	saved = dup(2);
	fd = open("/dev/null", O_WRONLY);
	dup2(fd, 2);
	ret = nlbs_genl_main(argc, argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	return ret;
}

static void test_exit_codes(void)
{
	static const struct {
		const char *line;
		int code;
		const char *what;
	} cases[] = {
		{ "state frob", 1, "an unknown command: 1 (syntax)" },
		{ "service add 198.51.100.10 tcp 0", 1, "a bad value: 1 (syntax)" },
		{ "--frob state show", 1, "an unknown option: 1 (syntax)" },
		{ "config set access nosuch0", 1, "a device that does not exist: 1 (as ip)" },
		{ "-n nlbs-test-no-such-netns state show", 2,
		  "a request that cannot be made: 2" },
		{ "-b /nonexistent/batch", 1, "batch: any failure is 1 (as ip -batch)" },
	};
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ret = exit_of(cases[i].line);
		result(ret == cases[i].code, "exit status: %s", cases[i].what);
		if (ret != cases[i].code)
			printf("# \"%s\": exit %d\n", cases[i].line, ret);
	}
}

/*
 * JSON keys mean one thing each: over every JSON output above, a key has
 * one JSON type (null aside) wherever it appears, but for "servers", kept
 * for compatibility (a device name in config show, a count in service
 * show, an array in stats show) and deprecated: "server_dev" and
 * "server_count" say the first two.
 */
struct key_type {
	char key[64];
	json_type type;
	const char *where;
};

static void collect_keys(json_object *o, struct key_type *kt, size_t *n, size_t max,
			 const char *where, char *clash, size_t clashsz)
{
	size_t i, j;

	if (json_object_is_type(o, json_type_array)) {
		for (i = 0; i < json_object_array_length(o); i++)
			collect_keys(json_object_array_get_idx(o, i), kt, n, max, where,
				     clash, clashsz);
		return;
	}
	if (!json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach(o, key, val) {
		json_type t = json_object_get_type(val);

		collect_keys(val, kt, n, max, where, clash, clashsz);
		if (t == json_type_null || !strcmp(key, "servers"))
			continue;
		for (j = 0; j < *n && strcmp(kt[j].key, key); j++)
			;
		if (j == *n && *n < max) {
			snprintf(kt[j].key, sizeof(kt[j].key), "%s", key);
			kt[j].type = t;
			kt[j].where = where;
			(*n)++;
		} else if (j < *n && kt[j].type != t && !clash[0]) {
			snprintf(clash, clashsz, "\"%s\": %s in %s, %s in %s", key,
				 json_type_to_name(kt[j].type), kt[j].where,
				 json_type_to_name(t), where);
		}
	}
}

static void test_json_keys(void)
{
	static struct key_type kt[256];
	char clash[300] = "";
	bool dev = false, count = false;
	json_object *o;
	size_t i, j, n = 0;

	for (i = 0; i < ARRAY_SIZE(prints); i++) {
		if (!prints[i].json)
			continue;
		o = json_tokener_parse(capture(true, prints[i].fn));
		if (!o) {
			snprintf(clash, sizeof(clash), "%s: not JSON", prints[i].name);
			break;
		}
		collect_keys(o, kt, &n, ARRAY_SIZE(kt), prints[i].name, clash, sizeof(clash));
		json_object_put(o);
	}
	for (j = 0; j < n; j++) {
		dev |= !strcmp(kt[j].key, "server_dev") && kt[j].type == json_type_string;
		count |= !strcmp(kt[j].key, "server_count") && kt[j].type == json_type_int;
	}
	result(!clash[0] && dev && count,
	       "JSON: each key one type in every output (%zu keys; server_dev a string, "
	       "server_count a number)%s%s", n, clash[0] ? ": " : "", clash);
}

int main(void)
{
	size_t i, planned;

	planned = ARRAY_SIZE(good) + ARRAY_SIZE(bad) + 10 + 6 + ARRAY_SIZE(prints) + 1 + 1 +
	       2 + 6 + 3 + 4;
	printf("TAP version 13\n1..%zu\n", planned);
	for (i = 0; i < ARRAY_SIZE(good); i++)
		test_good(&good[i]);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		test_bad(&bad[i]);
	test_help();
	test_exit_codes();
	for (i = 0; i < ARRAY_SIZE(prints); i++)
		test_print(&prints[i]);
	test_json_keys();
	test_malformed();
	test_flow_decode();
	test_dump_intr_lib();
	test_dump_intr_cli();
	test_flush_run();
	printf("# totals: pass:%u fail:%u\n", test_no - failures, failures);
	return failures || test_no != planned ? 1 : 0;
}
