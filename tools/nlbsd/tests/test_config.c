// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd host tests: the nlbsd.conf parser, good files and bad files, each bad
 * one with the line the error must name.
 */
#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../config.h"
#include "ktap.h"

static char dir[] = "/tmp/nlbsd-test-XXXXXX";
static char keyfile[300], conffile[300];

#define HEAD \
	"[node]\n"			/* 1 */ \
	"access = acc0\n"		/* 2 */ \
	"servers = srv0\n"		/* 3 */ \
	"address = 10.10.0.11\n"	/* 4 */ \
	"nlbs = 10.10.0.100\n"		/* 5 */ \
	"[peer]\n"			/* 6 */ \
	"address = 10.10.0.12\n"	/* 7 */ \
	"key-file = key\n"		/* 8 */

static struct nlbsd_config *load(const char *text, char *err, size_t errlen)
{
	struct nlbsd_config *c;
	FILE *f = fopen(conffile, "w");

	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	if (config_load(conffile, &c, err, errlen) < 0)
		return NULL;
	return c;
}

static void write_key(const char *text)
{
	FILE *f = fopen(keyfile, "w");

	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	chmod(keyfile, 0600);
}

static void test_minimal(void)
{
	char err[600] = "";
	struct nlbsd_config *c = load(HEAD, err, sizeof(err));

	ktap_ok(c != NULL, "minimal config parses%s%s", c ? "" : ": ", err);
	if (!c)
		return;
	ktap_ok(!strcmp(c->access_dev, "acc0") && !strcmp(c->server_dev, "srv0"),
		"devices");
	ktap_ok(c->priority == 100 && c->preempt && c->advert_ms == 100 &&
		c->dead_after == 3 && c->lease_ms == 300 && c->port == 7405,
		"defaults: priority 100, preempt, 100ms, dead-after 3, lease 300ms, port 7405");
	ktap_ok(c->node_id == ntohl(inet_addr("10.10.0.11")), "node id derived from address");
	ktap_ok(!strcmp(c->state_file, "/var/lib/nlbsd/epoch"), "default state-file");
	ktap_ok(c->sync && c->sync_rate == 50000 && c->sync_resync_rate == 200000 &&
		c->sync_resync_timeout_ms == 3000,
		"flow sync on by default: 50000/s, resync 200000/s, resync wait 3s");
	ktap_ok(c->key[0] == 0x01 && c->key[31] == 0x20, "base64 key decoded");
	ktap_ok(c->ntargets == 0 && c->nservices == 0 && c->require_all && c->check_devices,
		"no targets, no services, require all, devices checked");
	ktap_ok(IN6_IS_ADDR_UNSPECIFIED(&c->nlbs_addr6), "no nlbs6 by default");
	config_free(c);

	c = load(HEAD "[node]\nnlbs6 = fd00:10::100\n", err, sizeof(err));
	ktap_ok(c && c->nlbs_addr6.s6_addr[0] == 0xfd && c->nlbs_addr6.s6_addr[15] == 0x00 &&
		c->nlbs_addr6.s6_addr[14] == 0x01, "nlbs6 in [node]%s%s", c ? "" : ": ", err);
	config_free(c);
}

static void test_full(void)
{
	char err[600] = "";
	struct nlbsd_config *c = load(HEAD
		"port = 9000\n"
		"sync = no\n"
		"sync-rate = 1000\n"
		"sync-resync-rate = 5000\n"
		"sync-resync-timeout = 500ms\n"
		"[node]\n"
		"priority = 200\n"
		"preempt = no\n"
		"preempt-delay = 2s\n"
		"advert-interval = 10ms\n"
		"dead-after = 4\n"
		"garp-count = 5\n"
		"hash-seed = 42\n"
		"[reachability]\n"
		"target = icmp 10.10.0.254\n"
		"target = tcp 10.10.0.1 port 179\n"
		"interval = 2s\n"
		"require = any\n"
		"[scripts]\n"
		"notify = /bin/true\n"
		"active = act.sh\n"
		"timeout = 3s\n"
		"script-user = root\n"
		"[weights]\n"
		"hysteresis = 20\n"
		"[service 198.51.100.10 tcp 80]\n"
		"check = http /health status 204 port 8080\n"
		"interval = 500ms\n"
		"timeout = 200ms\n"
		"rise = 1\n"
		"fall = 2\n"
		"on-fail = remove\n"
		"dynamic = no\n"
		"table-size = 65537\n"
		"nodest = drop\n"
		"server = 10.20.0.21 weight 3\n"
		"server = 10.20.0.22 weight 0 mac 02:00:00:00:00:22\n"
		"[service 198.51.100.10 udp 53]\n"
		"check = dns name example.org\n"
		"server = 10.20.0.23\n"
		"[service 198.51.100.10]\n"
		"server = 10.20.0.23\n", err, sizeof(err));
	struct cfg_service *s;

	ktap_ok(c != NULL, "full config parses%s%s", c ? "" : ": ", err);
	if (!c)
		return;
	ktap_ok(c->port == 9000 && c->priority == 200 && !c->preempt &&
		c->preempt_delay_ms == 2000 && c->advert_ms == 10 && c->dead_after == 4 &&
		c->lease_ms == 40, "node and peer keys, lease = dead-after x interval");
	ktap_ok(c->garp_count_set && c->garp_count == 5 && !c->garp_interval_set &&
		c->hash_seed_set && c->hash_seed == 42, "garp-count and hash-seed");
	ktap_ok(c->ntargets == 2 && c->targets[0].type == CHECK_ICMP &&
		c->targets[1].type == CHECK_TCP && c->targets[1].port == 179 &&
		c->targets[1].interval_ms == 2000 && !c->require_all,
		"reachability targets with shared timing, require any");
	ktap_ok(!strcmp(c->notify, "/bin/true") &&
		!strcmp(c->state_script[ST_ACTIVE] + strlen(dir), "/act.sh") &&
		c->script_timeout_ms == 3000, "scripts: absolute and relative paths, timeout");
	ktap_ok(c->script_user.set && !strcmp(c->script_user.name, "root") &&
		c->script_user.uid == 0 && c->script_user.gid == 0, "script-user root: uid and gid");
	ktap_ok(c->hysteresis_pct == 20 && c->weight_min_interval_ms == 5000, "weights");
	ktap_ok(!c->sync && c->sync_rate == 1000 && c->sync_resync_rate == 5000 &&
		c->sync_resync_timeout_ms == 500, "sync keys in [peer]");
	ktap_ok(c->nservices == 3, "three services");
	if (c->nservices != 3)
		goto out;
	s = &c->services[0];
	ktap_ok(s->proto == IPPROTO_TCP && s->port == 80 && s->check.type == CHECK_HTTP &&
		!strcmp(s->check.path, "/health") && s->check.status == 204 &&
		s->check.port == 8080 && s->check.interval_ms == 500 &&
		s->check.timeout_ms == 200 && s->check.rise == 1 && s->check.fall == 2 &&
		s->on_fail == ONFAIL_REMOVE && !s->dynamic, "tcp service with http check");
	ktap_ok(s->table_size == 65537 && s->table_size_line == 42 && s->nodest == NODEST_DROP &&
		s->nodest_set, "table-size (line %d) and nodest", s->table_size_line);
	ktap_ok(!c->services[1].table_size && !c->services[1].nodest_set &&
		c->services[1].nodest == NODEST_MOVE, "defaults: kernel's table size, nodest move");
	ktap_ok(s->nservers == 2 && s->servers[0].weight == 3 && !s->servers[0].has_mac &&
		s->servers[1].weight == 0 && s->servers[1].has_mac && s->servers[1].mac[5] == 0x22,
		"servers with weight and mac");
	s = &c->services[1];
	ktap_ok(s->proto == IPPROTO_UDP && s->check.type == CHECK_DNS &&
		!strcmp(s->check.name, "example.org") && s->nservers == 1 && s->dynamic &&
		s->check.interval_ms == 2000, "udp service with dns check, defaults");
	s = &c->services[2];
	ktap_ok(s->proto == 0 && s->port == 0 && s->check.type == CHECK_NONE &&
		!strcmp(s->name, "198.51.100.10"), "whole-VIP service, no check");
out:
	config_free(c);
}

static void test_second_path(void)
{
	char err[600] = "";
	struct nlbsd_config *c = load(HEAD "address2 = 10.20.0.12\n[node]\naddress2 = 10.20.0.11\n",
				      err, sizeof(err));

	ktap_ok(c && c->address2.af == AF_INET && c->address2.v4.s_addr == inet_addr("10.20.0.11") &&
		c->peer2.af == AF_INET && c->peer2.v4.s_addr == inet_addr("10.20.0.12"),
		"a second heartbeat path: [node] address2 and [peer] address2%s%s", c ? "" : ": ",
		err);
	config_free(c);
	c = load(HEAD, err, sizeof(err));
	ktap_ok(c && !c->address2.af && !c->peer2.af, "no second path by default");
	config_free(c);
}

#define HEAD6 \
	"[node]\n"			/* 1 */ \
	"access = acc0\n"		/* 2 */ \
	"servers = srv0\n"		/* 3 */ \
	"address = fd00:10::11\n"	/* 4 */ \
	"nlbs = 10.10.0.100\n"		/* 5 */ \
	"[peer]\n"			/* 6 */ \
	"address = fd00:10::12\n"	/* 7 */ \
	"key-file = key\n"		/* 8 */

/* Heartbeats over IPv6: each path's two ends of one family. */
static void test_ipv6_heartbeats(void)
{
	char err[600] = "";
	struct nlbsd_config *c = load(HEAD6, err, sizeof(err));
	struct in6_addr want;

	inet_pton(AF_INET6, "fd00:10::12", &want);
	ktap_ok(c && c->address.af == AF_INET6 && c->peer.af == AF_INET6 &&
		IN6_ARE_ADDR_EQUAL(&c->peer.v6, &want),
		"IPv6 [node] and [peer] address%s%s", c ? "" : ": ", err);
	ktap_ok(c && c->node_id == 0x11, "node id: the IPv6 address's last 32 bits (%u)",
		c ? c->node_id : 0);
	config_free(c);
	c = load(HEAD6 "address2 = 10.20.0.12\n[node]\naddress2 = 10.20.0.11\n", err, sizeof(err));
	ktap_ok(c && c->address2.af == AF_INET && c->peer2.af == AF_INET,
		"an IPv6 path and an IPv4 second path%s%s", c ? "" : ": ", err);
	config_free(c);
	c = load(HEAD "address2 = fd00:20::12\n[node]\naddress2 = fd00:20::11\n", err,
		 sizeof(err));
	ktap_ok(c && c->address.af == AF_INET && c->address2.af == AF_INET6,
		"an IPv4 path and an IPv6 second path%s%s", c ? "" : ": ", err);
	config_free(c);
	c = load("[node]\naccess = a\nservers = b\naddress = fd00:10::11\nnlbs6 = fd00:10::100\n"
		 "[peer]\naddress = fd00:10::12\nkey-file = key\n", err, sizeof(err));
	ktap_ok(c && !c->nlbs_addr.s_addr && !IN6_IS_ADDR_UNSPECIFIED(&c->nlbs_addr6),
		"IPv6 only: nlbs6 without nlbs%s%s", c ? "" : ": ", err);
	config_free(c);
	c = load(HEAD6 "[node]\nid = 7\naddress = fd00:10::\n", err, sizeof(err));
	ktap_ok(c && c->node_id == 7, "an IPv6 address ending in 0 with an id set");
	config_free(c);
}

/* IPv6 services and servers, next to IPv4 ones on the same port. */
static void test_ipv6_services(void)
{
	char err[600] = "";
	struct nlbsd_config *c = load(HEAD
		"[reachability]\n"
		"target = icmp 2001:db8:10::1\n"
		"[service 198.51.100.10 tcp 80]\n"
		"server = 10.20.0.21\n"
		"[service 2001:db8:100::10 tcp 80]\n"
		"check = http /health\n"
		"server = 2001:db8:200::21 weight 2\n"
		"server = 2001:db8:200::22 mac 02:00:00:00:00:22\n"
		"[service 2001:db8:100::10]\n"
		"server = 2001:db8:200::23\n", err, sizeof(err));
	struct in6_addr want;
	struct cfg_service *s;

	ktap_ok(c != NULL, "IPv6 services parse%s%s", c ? "" : ": ", err);
	if (!c)
		return;
	ktap_ok(c->ntargets == 1 && c->targets[0].addr.af == AF_INET6,
		"an IPv6 reachability target");
	ktap_ok(c->nservices == 3 && c->services[0].vip.af == AF_INET &&
		c->services[0].servers[0].addr.af == AF_INET, "the IPv4 service on the same port");
	if (c->nservices != 3)
		goto out;
	s = &c->services[1];
	inet_pton(AF_INET6, "2001:db8:100::10", &want);
	ktap_ok(s->vip.af == AF_INET6 && IN6_ARE_ADDR_EQUAL(&s->vip.v6, &want) &&
		s->proto == IPPROTO_TCP && s->port == 80 && s->check.type == CHECK_HTTP &&
		!strcmp(s->name, "2001:db8:100::10 tcp 80"), "IPv6 VIP, tcp 80, http check");
	inet_pton(AF_INET6, "2001:db8:200::22", &want);
	ktap_ok(s->nservers == 2 && s->servers[0].addr.af == AF_INET6 &&
		s->servers[0].weight == 2 && s->servers[1].has_mac &&
		IN6_ARE_ADDR_EQUAL(&s->servers[1].addr.v6, &want), "IPv6 servers, weight and mac");
	s = &c->services[2];
	ktap_ok(s->vip.af == AF_INET6 && !s->proto && !strcmp(s->name, "2001:db8:100::10"),
		"IPv6 whole-VIP service");
	ktap_ok(!service_same_key(&c->services[0], &c->services[1]) &&
		!service_same_key(&c->services[1], &c->services[2]),
		"the same port in both families: two services");
out:
	config_free(c);
}

static void test_hex_key(void)
{
	char err[600] = "";
	struct nlbsd_config *c;

	write_key("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
	c = load(HEAD, err, sizeof(err));
	ktap_ok(c && c->key[1] == 1 && c->key[31] == 0x1f, "hex key%s%s", c ? "" : ": ", err);
	config_free(c);
}

struct bad {
	const char *name;
	const char *text;
	int line;		/* 0: no line number */
	const char *msg;
};

static const struct bad bad[] = {
	{ "unknown key", HEAD "bogus = 1\n", 9, "unknown key 'bogus' in [peer]" },
	{ "priority out of range", HEAD "[node]\npriority = 300\n", 10, "bad priority '300'" },
	{ "advert-interval below 10ms", HEAD "[node]\nadvert-interval = 5ms\n", 10,
	  "bad advert-interval" },
	{ "bad time unit", HEAD "[node]\npreempt-delay = 3h\n", 10, "bad preempt-delay" },
	{ "lease shorter than two intervals", HEAD "[node]\nlease = 100\n", 10,
	  "lease (100ms) must be at least 2 x advert-interval" },
	{ "default lease above the maximum", HEAD "[node]\nadvert-interval = 60s\n"
	  "dead-after = 11\n", 11, "default lease dead-after x advert-interval (660000ms) exceeds" },
	{ "dead-after 1", HEAD "[node]\ndead-after = 1\n", 10, "bad dead-after" },
	{ "bad boolean", HEAD "[node]\npreempt = maybe\n", 10, "bad preempt 'maybe'" },
	{ "multicast NLBS address", "[node]\nnlbs = 224.0.0.1\n", 2, "bad NLBS address" },
	{ "multicast IPv6 NLBS address", "[node]\nnlbs6 = ff02::1\n", 2,
	  "bad NLBS address 'ff02::1' (unicast IPv6)" },
	{ "IPv4 as nlbs6", "[node]\nnlbs6 = 10.10.0.100\n", 2, "(unicast IPv6)" },
	{ "syntax error", HEAD "this line has no equals\n", 9, "syntax error" },
	{ "unknown section", HEAD "[nodes]\nx = 1\n", 10, "unknown section [nodes]" },
	{ "key outside a section", "x = 1\n" HEAD, 1, "'x' outside of any section" },
	{ "missing peer section", "[node]\naccess = a\nservers = b\naddress = 10.0.0.1\n"
	  "nlbs = 10.0.0.100\n", 0, "missing [peer] section" },
	{ "missing access", "[node]\nservers = b\naddress = 10.0.0.1\nnlbs = 10.0.0.100\n",
	  2, "'access' (access device) is required" },
	{ "peer address is ours", "[node]\naccess = a\nservers = b\naddress = 10.0.0.1\n"
	  "nlbs = 10.0.0.100\n[peer]\naddress = 10.0.0.1\nkey-file = key\n", 7,
	  "address equals [node] address" },
	{ "missing key file", HEAD "[peer]\nkey-file = nokey\n", 10, "nokey: No such file" },
	{ "bad service header", HEAD "[service 198.51.100]\nserver = 10.20.0.21\n", 9,
	  "expected [service VIP]" },
	{ "bad service protocol", HEAD "[service 198.51.100.10 sctp 80]\nserver = 10.20.0.21\n",
	  9, "protocol must be tcp or udp" },
	{ "duplicate service", HEAD "[service 198.51.100.10 tcp 80]\nserver = 10.20.0.21\n"
	  "[service 198.51.100.10 udp 80]\nserver = 10.20.0.21\n"
	  "[service 198.51.100.10 tcp 80]\nserver = 10.20.0.21\n", 13,
	  "duplicate [service 198.51.100.10 tcp 80] (first at line 9)" },
	{ "duplicate server", HEAD "[service 198.51.100.10 tcp 80]\nserver = 10.20.0.21\n"
	  "server = 10.20.0.22\nserver = 10.20.0.21 weight 2\n", 12,
	  "duplicate server 10.20.0.21 (first on line 10)" },
	{ "server weight too big", HEAD "[service 198.51.100.10 tcp 80]\n"
	  "server = 10.20.0.21 weight 70000\n", 10, "bad weight '70000'" },
	{ "multicast server mac", HEAD "[service 198.51.100.10 tcp 80]\n"
	  "server = 10.20.0.21 mac 01:00:5e:00:00:01\n", 10, "bad mac" },
	{ "http check without path", HEAD "[service 198.51.100.10 tcp 80]\ncheck = http\n", 10,
	  "http check needs a path" },
	{ "unknown check", HEAD "[service 198.51.100.10 tcp 80]\ncheck = smtp\n", 10,
	  "unknown check 'smtp'" },
	{ "bad on-fail", HEAD "[service 198.51.100.10 tcp 80]\non-fail = panic\n", 10,
	  "bad on-fail 'panic'" },
	{ "whole VIP tcp check without port", HEAD "[service 198.51.100.10]\ncheck = tcp\n"
	  "server = 10.20.0.21\n", 9, "needs 'port N'" },
	{ "check timeout above interval", HEAD "[service 198.51.100.10 tcp 80]\n"
	  "interval = 1s\ntimeout = 2s\nserver = 10.20.0.21\n", 9, "timeout exceeds interval" },
	{ "target without address", HEAD "[reachability]\ntarget = icmp\n", 10,
	  "target needs a unicast IPv4 or IPv6 address" },
	{ "IPv4 server in an IPv6 service", HEAD "[service 2001:db8:100::10 tcp 80]\n"
	  "server = 2001:db8:200::21\nserver = 10.20.0.21\n", 11,
	  "server 10.20.0.21 is IPv4, service 2001:db8:100::10 tcp 80 is IPv6: a service's "
	  "servers are of its VIP's family" },
	{ "IPv6 server in an IPv4 service", HEAD "[service 198.51.100.10 tcp 80]\n"
	  "server = 2001:db8:200::21\n", 10,
	  "server 2001:db8:200::21 is IPv6, service 198.51.100.10 tcp 80 is IPv4" },
	{ "multicast IPv6 VIP", HEAD "[service ff02::1 tcp 80]\nserver = 2001:db8:200::21\n", 9, "expected [service VIP]" },
	{ "v4-mapped VIP", HEAD "[service ::ffff:198.51.100.10 tcp 80]\nrise = 1\n", 9,
	  "expected [service VIP]" },
	{ "loopback IPv6 server", HEAD "[service 2001:db8:100::10 tcp 80]\nserver = ::1\n", 10,
	  "server needs a unicast IPv4 or IPv6 address first" },
	{ "duplicate IPv6 server", HEAD "[service 2001:db8:100::10 tcp 80]\n"
	  "server = 2001:db8:200::21\nserver = 2001:DB8:200:0::21 weight 2\n", 11,
	  "duplicate server 2001:DB8:200:0::21 (first on line 10)" },
	{ "duplicate IPv6 service", HEAD "[service 2001:db8:100::10 tcp 80]\nrise = 1\n"
	  "[service 2001:db8:100:0::10 tcp 80]\nrise = 1\n", 11,
	  "duplicate [service 2001:db8:100:0::10 tcp 80] (first at line 9)" },
	{ "tcp target without port", HEAD "[reachability]\ntarget = tcp 10.10.0.1\n", 10,
	  "tcp target needs 'port N'" },
	{ "unknown script key", HEAD "[scripts]\nfault = /bin/true\n", 10,
	  "unknown key 'fault' in [scripts]" },
	{ "unknown script-user", HEAD "[scripts]\nnotify = /bin/true\n"
	  "script-user = no-such-user-nlbsd\n", 11,
	  "script-user 'no-such-user-nlbsd': no such user" },
	{ "bad sync", HEAD "sync = maybe\n", 9, "bad sync 'maybe' (yes or no)" },
	{ "sync-rate 0", HEAD "sync-rate = 0\n", 9, "bad sync-rate '0' (1..10000000" },
	{ "sync-rate too high", HEAD "sync-rate = 10000001\n", 9, "bad sync-rate" },
	{ "sync-resync-rate not a number", HEAD "sync-resync-rate = fast\n", 9,
	  "bad sync-resync-rate 'fast'" },
	{ "sync-resync-timeout above 60s", HEAD "sync-resync-timeout = 61s\n", 9,
	  "bad sync-resync-timeout '61s' (0..60s)" },
	{ "sync key in [node]", HEAD "[node]\nsync = yes\n", 10, "unknown key 'sync' in [node]" },
	{ "table-size not prime", HEAD "[service 198.51.100.10 tcp 80]\nserver = 10.20.0.21\n"
	  "table-size = 65536\n", 11, "bad table-size '65536' (a prime, 251..4194301)" },
	{ "table-size prime below the minimum", HEAD "[service 198.51.100.10 tcp 80]\n"
	  "table-size = 241\n", 10, "bad table-size '241'" },
	{ "table-size above the maximum", HEAD "[service 198.51.100.10 tcp 80]\n"
	  "table-size = 4194319\n", 10, "bad table-size '4194319'" },
	{ "bad nodest", HEAD "[service 198.51.100.10 tcp 80]\nnodest = keep\n", 10,
	  "bad nodest 'keep' (move or drop)" },
	{ "address2 without the peer's", HEAD "[node]\naddress2 = 10.20.0.11\n", 10,
	  "a second heartbeat path needs both [node] address2 and [peer] address2" },
	{ "peer address2 without ours", HEAD "address2 = 10.20.0.12\n", 9,
	  "a second heartbeat path needs both" },
	{ "address2 equal to address", HEAD "address2 = 10.20.0.12\n[node]\n"
	  "address2 = 10.10.0.11\n", 11, "four different addresses (10.10.0.11 twice)" },
	{ "bad address2", HEAD "[node]\naddress2 = 10.20.0.255.1\n", 10, "bad address2" },
	{ "IPv6 peer of an IPv4 address", HEAD "address = fd00:10::12\n", 9,
	  "[peer] address fd00:10::12 is IPv6, [node] address 10.10.0.11 is IPv4: a "
	  "heartbeat path's two ends must be of one family" },
	{ "IPv4 peer2 of an IPv6 address2", HEAD "address2 = 10.20.0.12\n[node]\n"
	  "address2 = fd00:20::11\n", 11, "[peer] address2 10.20.0.12 is IPv4, [node] "
	  "address2 fd00:20::11 is IPv6" },
	{ "link-local heartbeat address", HEAD "[node]\naddress = fe80::11\n", 10,
	  "bad address 'fe80::11' (unicast IPv4 or IPv6, not link-local)" },
	{ "multicast IPv6 peer", HEAD "address = ff02::1\n", 9, "bad peer address 'ff02::1'" },
	{ "neither nlbs nor nlbs6", "[node]\naccess = a\nservers = b\naddress = fd00:10::11\n"
	  "[peer]\naddress = fd00:10::12\nkey-file = key\n", 2,
	  "[node]: 'nlbs' or 'nlbs6' (NLBS address) is required" },
	{ "IPv6 address without a node id", "[node]\naccess = a\nservers = b\n"
	  "address = fd00:10::\nnlbs = 10.0.0.100\n[peer]\naddress = fd00:10::12\n"
	  "key-file = key\n", 4, "no node id derives from address fd00:10:: (its last 32 bits "
	  "are 0): set 'id'" },
	{ "IPv6 address2 equal to the peer's address", HEAD6 "address2 = fd00:10::11\n"
	  "[node]\naddress2 = fd00:10::12\n", 11,
	  "four different addresses (fd00:10::11 twice)" },
	{ "overlong line", HEAD "[node]\nid = 1                                                 "
	  "                                                                                "
	  "                                                                                "
	  "       ; long\n", 10, "line longer than" },
};

static void test_bad(void)
{
	char err[600], want[700];
	struct nlbsd_config *c;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = 0;
		c = load(bad[i].text, err, sizeof(err));
		if (bad[i].line)
			snprintf(want, sizeof(want), "%s:%d: ", conffile, bad[i].line);
		else
			snprintf(want, sizeof(want), "%s: ", conffile);
		ktap_ok(!c && !strncmp(err, want, strlen(want)) && strstr(err, bad[i].msg),
			"bad: %s", bad[i].name);
		if (c || strncmp(err, want, strlen(want)) || !strstr(err, bad[i].msg))
			ktap_diag("got \"%s\", want \"%s...%s\"", err, want, bad[i].msg);
		config_free(c);
	}
}

static void test_bad_key(void)
{
	char err[600] = "";
	struct nlbsd_config *c;

	write_key("too short\n");
	c = load(HEAD, err, sizeof(err));
	ktap_ok(!c && strstr(err, ":8: key-file") && strstr(err, "expected a 32-byte key"),
		"bad key content names the key-file line");
	config_free(c);
}

static void test_lease_limit(void)
{
	char err[600] = "";
	struct nlbsd_config *c;

	c = load(HEAD "[node]\nadvert-interval = 60s\ndead-after = 10\n", err, sizeof(err));
	ktap_ok(c && c->lease_ms == 600000, "default lease at the maximum (10 min) accepted%s%s",
		c ? "" : ": ", err);
	config_free(c);
	c = load(HEAD "[node]\nadvert-interval = 60s\ndead-after = 100\nlease = 10min\n", err,
		 sizeof(err));
	ktap_ok(!c, "lease '10min' is not a time");
	config_free(c);
	c = load(HEAD "[node]\nadvert-interval = 60s\ndead-after = 100\nlease = 600s\n", err,
		 sizeof(err));
	ktap_ok(c && c->lease_ms == 600000, "explicit lease allows a long dead-after%s%s",
		c ? "" : ": ", c ? "" : err);
	config_free(c);
	/* lease 600s with a dead time of 300 ms passed */
	err[0] = 0;
	c = load(HEAD "[node]\nlease = 600s\n", err, sizeof(err));
	ktap_ok(!c && strstr(err, ":10: lease (600000ms) exceeds dead-after x advert-interval "
			    "(300ms)") && strstr(err, "allow-long-lease = yes"),
		"lease longer than dead-after x advert-interval refused at its line");
	if (c || !strstr(err, ":10: lease"))
		ktap_diag("got \"%s\"", err);
	config_free(c);
	c = load(HEAD "[node]\nlease = 301ms\n", err, sizeof(err));
	ktap_ok(!c && strstr(err, ":10: lease (301ms) exceeds"), "one ms above: refused");
	config_free(c);
	c = load(HEAD "[node]\nlease = 300ms\n", err, sizeof(err));
	ktap_ok(c && c->lease_ms == 300, "lease = dead-after x advert-interval: accepted");
	config_free(c);
	c = load(HEAD "[node]\nlease = 600s\nallow-long-lease = yes\n", err, sizeof(err));
	ktap_ok(c && c->lease_ms == 600000 && c->long_lease,
		"allow-long-lease = yes: a longer lease accepted%s%s", c ? "" : ": ", c ? "" : err);
	config_free(c);
}

static void test_prime(void)
{
	ktap_ok(is_prime(251) && is_prime(65537) && is_prime(4194301) && is_prime(2) &&
		!is_prime(1) && !is_prime(0) && !is_prime(65536) && !is_prime(4194303) &&
		!is_prime(251 * 257) && !is_prime(65521u * 65521u),
		"is_prime: the limits and the default, composites and squares");
}

/* What both nodes must share, in a canonical order; what they need not, left out. */
static void test_fingerprint(void)
{
	const char *svc_a = "[service 198.51.100.10 tcp 80]\nserver = 10.20.0.21 weight 1\n"
			    "server = 10.20.0.22 weight 2\n[service 198.51.100.10 udp 53]\n"
			    "server = 10.20.0.23\n";
	const char *svc_b = "[service 198.51.100.10 udp 53]\nserver = 10.20.0.23\n"
			    "[service 198.51.100.10 tcp 80]\nserver = 10.20.0.22 weight 2\n"
			    "server = 10.20.0.21 weight 1\n";
	char text[2048], err[600];
	uint32_t a[4], b[4];
	struct nlbsd_config *c;

	write_key("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\n");
#define FP(out, ...) do {						\
		snprintf(text, sizeof(text), __VA_ARGS__);		\
		c = load(text, err, sizeof(err));			\
		if (!c) {						\
			ktap_diag("%s", err);				\
			memset(out, 0, sizeof(a));			\
			break;						\
		}							\
		config_fingerprint(c, out);				\
		config_free(c);						\
	} while (0)

	FP(a, HEAD "%s", svc_a);
	FP(b, HEAD "%s", svc_b);
	ktap_ok(!memcmp(a, b, sizeof(a)) && a[1], "fingerprint: services and servers in any order");
	FP(b, HEAD "[node]\npriority = 200\naddress = 10.10.0.99\n[scripts]\nnotify = /bin/true\n"
	   "%s", svc_a);
	ktap_ok(!memcmp(a, b, sizeof(a)), "fingerprint: node's own keys (priority, address) left out");
	FP(b, HEAD "[node]\nhash-seed = 7\n%s", svc_a);
	ktap_ok(a[0] != b[0] && a[1] == b[1] && a[2] == b[2], "fingerprint: hash-seed");
	FP(b, HEAD "%s", "[service 198.51.100.10 tcp 80]\nserver = 10.20.0.21 weight 1\n"
	   "server = 10.20.0.22 weight 3\n[service 198.51.100.10 udp 53]\nserver = 10.20.0.23\n");
	ktap_ok(a[0] == b[0] && a[1] != b[1] && a[2] == b[2], "fingerprint: a server's weight");
	FP(b, HEAD "%s", "[service 198.51.100.10 tcp 80]\ntable-size = 65537\n"
	   "server = 10.20.0.21 weight 1\nserver = 10.20.0.22 weight 2\n"
	   "[service 198.51.100.10 udp 53]\nserver = 10.20.0.23\n");
	ktap_ok(a[1] != b[1], "fingerprint: a table size");
	FP(b, HEAD "[node]\nadvert-interval = 50ms\n%s", svc_a);
	ktap_ok(a[0] == b[0] && a[1] == b[1] && a[2] != b[2], "fingerprint: timers");
	FP(a, HEAD "%s[service 2001:db8:100::10 tcp 80]\nserver = 2001:db8:200::21\n"
	   "server = 2001:db8:200::22 weight 2\n", svc_a);
	FP(b, HEAD "[service 2001:db8:100::10 tcp 80]\nserver = 2001:db8:200::22 weight 2\n"
	   "server = 2001:db8:200::21\n%s", svc_b);
	ktap_ok(!memcmp(a, b, sizeof(a)) && a[1], "fingerprint: IPv6 services in any order");
	FP(b, HEAD "%s[service 2001:db8:100::10 tcp 80]\nserver = 2001:db8:200::21\n"
	   "server = 2001:db8:200::23 weight 2\n", svc_a);
	ktap_ok(a[1] != b[1], "fingerprint: an IPv6 server's address");
#undef FP
}

static void test_next_key(void)
{
	char err[600] = "", path[300];
	struct nlbsd_config *c;
	FILE *f;

	snprintf(path, sizeof(path), "%s/key2", dir);
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs("2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40\n", f);
	fclose(f);
	chmod(path, 0600);
	c = load(HEAD "next-key-file = key2\n", err, sizeof(err));
	ktap_ok(c && c->has_next_key && c->next_key[0] == 0x21 && c->next_key[31] == 0x40 &&
		c->key[0] == 0x01, "next-key-file: a second key (hex), relative path");
	config_free(c);
	c = load(HEAD "next-key-file = key\n", err, sizeof(err));
	ktap_ok(c && !c->has_next_key, "next-key-file with the same key: no second key");
	config_free(c);
	c = load(HEAD "next-key-file = nokey\n", err, sizeof(err));
	ktap_ok(!c && strstr(err, ":9: next-key-file") && strstr(err, "nokey: No such file"),
		"next-key-file missing: refused at its line");
	config_free(c);
	unlink(path);
}

/*
 * A NUL byte in a line (fuzz_conf): the parser's line ends there, fgets()
 * read on to the newline, and the reader took the line for an overlong one
 * and swallowed the next line as its "rest". Now an error at its line.
 */
static void test_nul_byte(void)
{
	static const char text[] = HEAD "[node]\npriority = 2\0 junk\nbogus = 1\n";
	char err[600] = "";
	struct nlbsd_config *c;
	FILE *f = fopen(conffile, "w");

	if (!f || fwrite(text, sizeof(text) - 1, 1, f) != 1 || fclose(f))
		abort();
	config_load(conffile, &c, err, sizeof(err));
	ktap_ok(!c && strstr(err, ":10: NUL byte in line"),
		"a NUL byte in a line is an error at that line");
	if (c || !strstr(err, ":10: NUL byte in line"))
		ktap_diag("got \"%s\"", err);
	config_free(c);
}

int main(void)
{
	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	snprintf(keyfile, sizeof(keyfile), "%s/key", dir);
	snprintf(conffile, sizeof(conffile), "%s/nlbsd.conf", dir);
	write_key("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\n");
	log_init(false, LOG_LVL_ERR, false);
	test_minimal();
	test_full();
	test_bad();
	test_lease_limit();
	test_bad_key();
	test_fingerprint();
	test_next_key();
	test_hex_key();
	test_ipv6_services();
	test_ipv6_heartbeats();
	test_second_path();
	test_prime();
	test_nul_byte();
	unlink(keyfile);
	unlink(conffile);
	rmdir(dir);
	return ktap_done("nlbsd config parser");
}
