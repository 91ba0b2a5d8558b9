// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: nlbsd.conf(5) parser. libinih splits the file into
 * (section, name, value); this file gives the values meaning and reports the
 * first problem as "FILE:LINE: problem". A reader wrapper counts lines because
 * Debian's libinih is built without INI_HANDLER_LINENO.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <libgen.h>
#include <pwd.h>
#include <netinet/ether.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

struct parse_ctx {
	struct nlbsd_config *c;
	FILE *f;
	int lineno;
	int section_line;	/* line of the last [section] header */
	bool long_line;
	char section[200];
	struct cfg_service *svc;	/* current [service ...] */
	int node_line, peer_line;
	int key_file_line, next_key_line, lease_line, advert_line, dead_line;
	int address_line, address2_line, peer_addr_line, peer2_line;
	char err[PATH_MAX + 512];
};

static int fail(struct parse_ctx *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct parse_ctx *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (p->err[0])
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->lineno > 0)
		snprintf(p->err, sizeof(p->err), "%s:%d: %s", p->c->path, p->lineno, msg);
	else
		snprintf(p->err, sizeof(p->err), "%s: %s", p->c->path, msg);
	return 0;
}

const char *check_type_name(enum check_type t)
{
	static const char *const n[] = {
		[CHECK_NONE] = "none", [CHECK_TCP] = "tcp", [CHECK_HTTP] = "http",
		[CHECK_DNS] = "dns", [CHECK_ICMP] = "icmp",
	};

	return t <= CHECK_ICMP ? n[t] : "?";
}

bool service_same_key(const struct cfg_service *a, const struct cfg_service *b)
{
	return ipaddr_eq(&a->vip, &b->vip) && a->proto == b->proto &&
	       a->port == b->port;
}

bool is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return false;
	if (n % 2 == 0)
		return n == 2;
	for (d = 3; d <= n / d; d += 2)
		if (n % d == 0)
			return false;
	return true;
}

/* ---- value parsers: return 0 or -1 ---- */

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (!*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "250", "250ms", "2s" -> milliseconds */
static int parse_ms(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long v, mult = 1;
	char *end;

	if (!*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno)
		return -1;
	if (!strcmp(end, "s"))
		mult = 1000;
	else if (*end && strcmp(end, "ms"))
		return -1;
	if (v > max / mult || v * mult < min)
		return -1;
	*out = v * mult;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int parse_addr(const char *s, struct in_addr *out)
{
	return inet_pton(AF_INET, s, out) == 1 ? 0 : -1;
}

static int parse_unicast(const char *s, struct in_addr *out)
{
	uint32_t h;

	if (parse_addr(s, out))
		return -1;
	h = ntohl(out->s_addr);
	if (h == 0 || h == 0xffffffff || (h >> 28) == 0xe || (h >> 24) == 127)
		return -1;
	return 0;
}

/* A unicast IPv6 address: not ::, loopback, multicast or v4-mapped. */
static int parse_unicast6(const char *s, struct in6_addr *out)
{
	if (inet_pton(AF_INET6, s, out) != 1 || IN6_IS_ADDR_UNSPECIFIED(out) ||
	    IN6_IS_ADDR_LOOPBACK(out) || IN6_IS_ADDR_MULTICAST(out) ||
	    IN6_IS_ADDR_V4MAPPED(out))
		return -1;
	return 0;
}

/* A unicast address of either family. */
static int parse_unicast_any(const char *s, struct ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (strchr(s, ':')) {
		if (parse_unicast6(s, &out->v6))
			return -1;
		out->af = AF_INET6;
		return 0;
	}
	if (parse_unicast(s, &out->v4))
		return -1;
	out->af = AF_INET;
	return 0;
}

/* A heartbeat address: unicast of either family, not IPv6 link-local (it
 * would need a scope). */
static int parse_hb_addr(const char *s, struct ipaddr *out)
{
	if (parse_unicast_any(s, out))
		return -1;
	if (out->af == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&out->v6))
		return -1;
	return 0;
}

static const char *family_name(int af)
{
	return af == AF_INET6 ? "IPv6" : "IPv4";
}

static int parse_ifname(const char *s, char *out)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IF_NAMESIZE || strpbrk(s, " /\t"))
		return -1;
	memcpy(out, s, n + 1);
	return 0;
}

/* Relative paths are relative to the configuration file's directory. */
static int parse_path(struct parse_ctx *p, const char *s, char *out)
{
	char dir[PATH_MAX];

	if (!*s)
		return -1;
	if (s[0] == '/') {
		if (strlen(s) >= PATH_MAX)
			return -1;
		strcpy(out, s);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s", p->c->path);
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s", dirname(dir), s) >= PATH_MAX)
		return -1;
	return 0;
}

/* Split @s (modified) into at most @max whitespace separated tokens. */
static int tokenize(char *s, char **tok, int max)
{
	int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(s, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return -1;
		tok[n++] = t;
	}
	return n;
}

/* ---- checks: "tcp [port P]", "http PATH [status S] [port P]", ... ---- */

static int parse_check(struct parse_ctx *p, const char *value, struct check_spec *ck,
		       bool reach)
{
	char buf[256], *tok[8];
	uint32_t v;
	int n, i = 1;

	snprintf(buf, sizeof(buf), "%s", value);
	n = tokenize(buf, tok, ARRAY_SIZE(tok));
	if (n <= 0)
		return fail(p, "empty check");
	if (!strcmp(tok[0], "none") && !reach) {
		ck->type = CHECK_NONE;
	} else if (!strcmp(tok[0], "tcp")) {
		ck->type = CHECK_TCP;
	} else if (!strcmp(tok[0], "http") && !reach) {
		ck->type = CHECK_HTTP;
		if (n < 2 || tok[1][0] != '/')
			return fail(p, "http check needs a path starting with '/'");
		if (strlen(tok[1]) >= sizeof(ck->path))
			return fail(p, "http path too long");
		strcpy(ck->path, tok[1]);
		i = 2;
	} else if (!strcmp(tok[0], "dns")) {
		ck->type = CHECK_DNS;
		strcpy(ck->name, ".");
	} else if (!strcmp(tok[0], "icmp")) {
		ck->type = CHECK_ICMP;
	} else {
		return fail(p, "unknown check '%s' (expected %s)", tok[0],
			    reach ? "icmp, tcp or dns" : "tcp, http, dns, icmp or none");
	}
	if (reach) {
		if (i >= n || parse_unicast_any(tok[i], &ck->addr))
			return fail(p, "target needs a unicast IPv4 or IPv6 address after '%s'",
				    tok[0]);
		i++;
	}
	for (; i < n; i += 2) {
		if (i + 1 >= n)
			return fail(p, "'%s' needs a value", tok[i]);
		if (!strcmp(tok[i], "port") && ck->type != CHECK_ICMP) {
			if (parse_u32(tok[i + 1], 1, 65535, &v))
				return fail(p, "bad port '%s' (1..65535)", tok[i + 1]);
			ck->port = v;
		} else if (!strcmp(tok[i], "status") && ck->type == CHECK_HTTP) {
			if (parse_u32(tok[i + 1], 100, 599, &v))
				return fail(p, "bad HTTP status '%s' (100..599)", tok[i + 1]);
			ck->status = v;
		} else if (!strcmp(tok[i], "name") && ck->type == CHECK_DNS) {
			if (strlen(tok[i + 1]) >= sizeof(ck->name))
				return fail(p, "DNS name too long");
			strcpy(ck->name, tok[i + 1]);
		} else {
			return fail(p, "unexpected '%s' in %s check", tok[i],
				    check_type_name(ck->type));
		}
	}
	if (reach && ck->type != CHECK_ICMP && !ck->port)
		return fail(p, "%s target needs 'port N'", check_type_name(ck->type));
	return 1;
}

/* interval/timeout/rise/fall, shared by [reachability] and [service] */
static int parse_timing(struct parse_ctx *p, const char *name, const char *value,
			struct check_spec *ck, bool *handled)
{
	*handled = true;
	if (!strcmp(name, "interval")) {
		if (parse_ms(value, 10, 3600000, &ck->interval_ms))
			return fail(p, "bad interval '%s' (10ms..1h)", value);
	} else if (!strcmp(name, "timeout")) {
		if (parse_ms(value, 1, 3600000, &ck->timeout_ms))
			return fail(p, "bad timeout '%s' (1ms..1h)", value);
	} else if (!strcmp(name, "rise")) {
		if (parse_u32(value, 1, 1000, &ck->rise))
			return fail(p, "bad rise '%s' (1..1000)", value);
	} else if (!strcmp(name, "fall")) {
		if (parse_u32(value, 1, 1000, &ck->fall))
			return fail(p, "bad fall '%s' (1..1000)", value);
	} else {
		*handled = false;
	}
	return 1;
}

/* ---- sections ---- */

static int node_key(struct parse_ctx *p, const char *name, const char *value)
{
	struct nlbsd_config *c = p->c;
	uint32_t v;

	if (!p->node_line)
		p->node_line = p->lineno;
	if (!strcmp(name, "access")) {
		if (parse_ifname(value, c->access_dev))
			return fail(p, "bad device name '%s'", value);
	} else if (!strcmp(name, "servers")) {
		if (parse_ifname(value, c->server_dev))
			return fail(p, "bad device name '%s'", value);
	} else if (!strcmp(name, "address")) {
		if (parse_hb_addr(value, &c->address))
			return fail(p, "bad address '%s' (unicast IPv4 or IPv6, not link-local)",
				    value);
		p->address_line = p->lineno;
	} else if (!strcmp(name, "address2")) {
		if (parse_hb_addr(value, &c->address2))
			return fail(p, "bad address2 '%s' (unicast IPv4 or IPv6, not link-local)",
				    value);
		p->address2_line = p->lineno;
	} else if (!strcmp(name, "nlbs")) {
		if (parse_unicast(value, &c->nlbs_addr))
			return fail(p, "bad NLBS address '%s' (unicast IPv4)", value);
	} else if (!strcmp(name, "nlbs6")) {
		if (parse_unicast6(value, &c->nlbs_addr6))
			return fail(p, "bad NLBS address '%s' (unicast IPv6)", value);
	} else if (!strcmp(name, "id")) {
		if (parse_u32(value, 1, UINT32_MAX, &c->node_id))
			return fail(p, "bad id '%s' (1..4294967295)", value);
	} else if (!strcmp(name, "priority")) {
		if (parse_u32(value, 1, 254, &v))
			return fail(p, "bad priority '%s' (1..254)", value);
		c->priority = v;
	} else if (!strcmp(name, "preempt")) {
		if (parse_bool(value, &c->preempt))
			return fail(p, "bad preempt '%s' (yes or no)", value);
	} else if (!strcmp(name, "preempt-delay")) {
		if (parse_ms(value, 0, 3600000, &c->preempt_delay_ms))
			return fail(p, "bad preempt-delay '%s' (0..1h)", value);
	} else if (!strcmp(name, "advert-interval")) {
		if (parse_ms(value, NLBSD_MIN_ADVERT_MS, 60000, &c->advert_ms))
			return fail(p, "bad advert-interval '%s' (10ms..60s)", value);
		p->advert_line = p->lineno;
	} else if (!strcmp(name, "dead-after")) {
		if (parse_u32(value, 2, 1000, &c->dead_after))
			return fail(p, "bad dead-after '%s' (2..1000 intervals)", value);
		p->dead_line = p->lineno;
	} else if (!strcmp(name, "lease")) {
		if (parse_ms(value, 20, NLBSD_MAX_LEASE_MS, &c->lease_ms))
			return fail(p, "bad lease '%s' (20ms..10min)", value);
		p->lease_line = p->lineno;
	} else if (!strcmp(name, "allow-long-lease")) {
		if (parse_bool(value, &c->long_lease))
			return fail(p, "bad allow-long-lease '%s' (yes or no)", value);
	} else if (!strcmp(name, "garp-count")) {
		if (parse_u32(value, 0, 100, &c->garp_count))
			return fail(p, "bad garp-count '%s' (0..100)", value);
		c->garp_count_set = true;
	} else if (!strcmp(name, "garp-interval")) {
		if (parse_ms(value, 10, 60000, &c->garp_interval_ms))
			return fail(p, "bad garp-interval '%s' (10ms..60s)", value);
		c->garp_interval_set = true;
	} else if (!strcmp(name, "hash-seed")) {
		if (parse_u32(value, 0, UINT32_MAX, &c->hash_seed))
			return fail(p, "bad hash-seed '%s'", value);
		c->hash_seed_set = true;
	} else if (!strcmp(name, "control-socket")) {
		char path[PATH_MAX];

		if (!*value)
			c->control_socket[0] = 0;	/* none */
		else if (parse_path(p, value, path) || strlen(path) >= NLBSD_CONTROL_MAX)
			return fail(p, "bad control-socket '%s' (a path of at most %d bytes)", value,
				    NLBSD_CONTROL_MAX - 1);
		else
			strcpy(c->control_socket, path);
	} else if (!strcmp(name, "state-file")) {
		if (!*value)
			c->state_file[0] = 0;	/* none: the epoch from the clock only */
		else if (parse_path(p, value, c->state_file))
			return fail(p, "bad state-file '%s'", value);
	} else {
		return fail(p, "unknown key '%s' in [node]", name);
	}
	return 1;
}

static int peer_key(struct parse_ctx *p, const char *name, const char *value)
{
	struct nlbsd_config *c = p->c;
	uint32_t v;

	if (!p->peer_line)
		p->peer_line = p->lineno;
	if (!strcmp(name, "address")) {
		if (parse_hb_addr(value, &c->peer))
			return fail(p, "bad peer address '%s' (unicast IPv4 or IPv6, not "
				    "link-local)", value);
		p->peer_addr_line = p->lineno;
	} else if (!strcmp(name, "address2")) {
		if (parse_hb_addr(value, &c->peer2))
			return fail(p, "bad peer address2 '%s' (unicast IPv4 or IPv6, not "
				    "link-local)", value);
		p->peer2_line = p->lineno;
	} else if (!strcmp(name, "port")) {
		if (parse_u32(value, 1, 65535, &v))
			return fail(p, "bad port '%s' (1..65535)", value);
		c->port = v;
	} else if (!strcmp(name, "key-file")) {
		if (parse_path(p, value, c->key_file))
			return fail(p, "bad key-file '%s'", value);
		p->key_file_line = p->lineno;
	} else if (!strcmp(name, "next-key-file")) {
		if (parse_path(p, value, c->next_key_file))
			return fail(p, "bad next-key-file '%s'", value);
		p->next_key_line = p->lineno;
	} else if (!strcmp(name, "sync")) {
		if (parse_bool(value, &c->sync))
			return fail(p, "bad sync '%s' (yes or no)", value);
	} else if (!strcmp(name, "sync-rate")) {
		if (parse_u32(value, 1, NLBSD_SYNC_RATE_MAX, &c->sync_rate))
			return fail(p, "bad sync-rate '%s' (1..%u flows per second)", value,
				    NLBSD_SYNC_RATE_MAX);
	} else if (!strcmp(name, "sync-resync-rate")) {
		if (parse_u32(value, 1, NLBSD_SYNC_RATE_MAX, &c->sync_resync_rate))
			return fail(p, "bad sync-resync-rate '%s' (1..%u flows per second)",
				    value, NLBSD_SYNC_RATE_MAX);
	} else if (!strcmp(name, "sync-resync-timeout")) {
		if (parse_ms(value, 0, 60000, &c->sync_resync_timeout_ms))
			return fail(p, "bad sync-resync-timeout '%s' (0..60s)", value);
	} else {
		return fail(p, "unknown key '%s' in [peer]", name);
	}
	return 1;
}

static int reach_key(struct parse_ctx *p, const char *name, const char *value)
{
	struct nlbsd_config *c = p->c;
	struct check_spec *t;
	bool handled;

	if (!strcmp(name, "target")) {
		t = realloc(c->targets, (c->ntargets + 1) * sizeof(*t));
		if (!t)
			return fail(p, "out of memory");
		c->targets = t;
		t = &c->targets[c->ntargets];
		memset(t, 0, sizeof(*t));
		if (!parse_check(p, value, t, true))
			return 0;
		c->ntargets++;
		return 1;
	}
	if (!strcmp(name, "require")) {
		if (!strcmp(value, "all"))
			c->require_all = true;
		else if (!strcmp(value, "any"))
			c->require_all = false;
		else
			return fail(p, "bad require '%s' (all or any)", value);
		return 1;
	}
	if (!strcmp(name, "devices")) {
		if (parse_bool(value, &c->check_devices))
			return fail(p, "bad devices '%s' (yes or no)", value);
		return 1;
	}
	if (!parse_timing(p, name, value, &c->reach_tmpl, &handled))
		return 0;
	if (!handled)
		return fail(p, "unknown key '%s' in [reachability]", name);
	return 1;
}

static int scripts_key(struct parse_ctx *p, const char *name, const char *value)
{
	struct nlbsd_config *c = p->c;
	int st;

	if (!strcmp(name, "timeout")) {
		if (parse_ms(value, 10, 3600000, &c->script_timeout_ms))
			return fail(p, "bad timeout '%s' (10ms..1h)", value);
		return 1;
	}
	if (!strcmp(name, "script-user")) {
		struct passwd *pw;

		errno = 0;
		pw = getpwnam(value);
		if (!pw)
			return fail(p, "script-user '%s': %s", value,
				    errno ? strerror(errno) : "no such user");
		if (strlen(value) >= sizeof(c->script_user.name))
			return fail(p, "script-user '%s': name too long", value);
		strcpy(c->script_user.name, value);
		c->script_user.uid = pw->pw_uid;
		c->script_user.gid = pw->pw_gid;
		c->script_user.set = true;
		return 1;
	}
	if (!strcmp(name, "notify")) {
		if (parse_path(p, value, c->notify))
			return fail(p, "bad script path '%s'", value);
		return 1;
	}
	for (st = 0; st < ST_COUNT; st++) {
		if (!strcmp(name, state_name(st))) {
			if (parse_path(p, value, c->state_script[st]))
				return fail(p, "bad script path '%s'", value);
			return 1;
		}
	}
	return fail(p, "unknown key '%s' in [scripts] (notify, init, active, standby, inop, timeout, "
		    "script-user)", name);
}

static int weights_key(struct parse_ctx *p, const char *name, const char *value)
{
	struct nlbsd_config *c = p->c;

	if (!strcmp(name, "interval")) {
		if (parse_ms(value, 100, 3600000, &c->weight_interval_ms))
			return fail(p, "bad interval '%s' (100ms..1h)", value);
	} else if (!strcmp(name, "hysteresis")) {
		if (parse_u32(value, 0, 100, &c->hysteresis_pct))
			return fail(p, "bad hysteresis '%s' (0..100 percent)", value);
	} else if (!strcmp(name, "min-interval")) {
		if (parse_ms(value, 0, 3600000, &c->weight_min_interval_ms))
			return fail(p, "bad min-interval '%s' (0..1h)", value);
	} else {
		return fail(p, "unknown key '%s' in [weights]", name);
	}
	return 1;
}

/* "server = ADDR [weight W] [mac M]" */
static int parse_server(struct parse_ctx *p, struct cfg_service *s, const char *value)
{
	char buf[256], *tok[6];
	struct cfg_server srv = { .weight = 1, .line = p->lineno }, *n;
	struct ether_addr *ea;
	size_t k;
	int cnt, i;

	snprintf(buf, sizeof(buf), "%s", value);
	cnt = tokenize(buf, tok, ARRAY_SIZE(tok));
	if (cnt <= 0 || parse_unicast_any(tok[0], &srv.addr))
		return fail(p, "server needs a unicast IPv4 or IPv6 address first");
	/* as the kernel: a service's servers are of its VIP's family */
	if (srv.addr.af != s->vip.af)
		return fail(p, "server %s is %s, service %s is %s: a service's servers are "
			    "of its VIP's family", tok[0], family_name(srv.addr.af), s->name,
			    family_name(s->vip.af));
	for (i = 1; i < cnt; i += 2) {
		if (i + 1 >= cnt)
			return fail(p, "'%s' needs a value", tok[i]);
		if (!strcmp(tok[i], "weight")) {
			if (parse_u32(tok[i + 1], 0, 65535, &srv.weight))
				return fail(p, "bad weight '%s' (0..65535)", tok[i + 1]);
		} else if (!strcmp(tok[i], "mac")) {
			ea = ether_aton(tok[i + 1]);
			if (!ea || (ea->ether_addr_octet[0] & 1))
				return fail(p, "bad mac '%s' (unicast xx:xx:xx:xx:xx:xx)", tok[i + 1]);
			memcpy(srv.mac, ea->ether_addr_octet, 6);
			srv.has_mac = true;
		} else {
			return fail(p, "unexpected '%s' in server (weight W, mac M)", tok[i]);
		}
	}
	for (k = 0; k < s->nservers; k++)
		if (ipaddr_eq(&s->servers[k].addr, &srv.addr))
			return fail(p, "duplicate server %s (first on line %d)", tok[0],
				    s->servers[k].line);
	n = realloc(s->servers, (s->nservers + 1) * sizeof(*n));
	if (!n)
		return fail(p, "out of memory");
	s->servers = n;
	s->servers[s->nservers++] = srv;
	return 1;
}

static int service_key(struct parse_ctx *p, const char *name, const char *value)
{
	struct cfg_service *s = p->svc;
	bool handled;

	if (!strcmp(name, "server"))
		return parse_server(p, s, value);
	if (!strcmp(name, "check")) {
		struct check_spec ck = s->check;

		ck.port = 0;
		ck.status = 0;
		ck.path[0] = ck.name[0] = 0;
		if (!parse_check(p, value, &ck, false))
			return 0;
		s->check = ck;
		return 1;
	}
	if (!strcmp(name, "on-fail")) {
		if (!strcmp(value, "drain"))
			s->on_fail = ONFAIL_DRAIN;
		else if (!strcmp(value, "remove"))
			s->on_fail = ONFAIL_REMOVE;
		else
			return fail(p, "bad on-fail '%s' (drain or remove)", value);
		return 1;
	}
	if (!strcmp(name, "dynamic")) {
		if (parse_bool(value, &s->dynamic))
			return fail(p, "bad dynamic '%s' (yes or no)", value);
		return 1;
	}
	if (!strcmp(name, "table-size")) {
		if (parse_u32(value, NLBSD_TABLE_SIZE_MIN, NLBSD_TABLE_SIZE_MAX, &s->table_size) ||
		    !is_prime(s->table_size))
			return fail(p, "bad table-size '%s' (a prime, %u..%u)", value,
				    NLBSD_TABLE_SIZE_MIN, NLBSD_TABLE_SIZE_MAX);
		s->table_size_line = p->lineno;
		return 1;
	}
	if (!strcmp(name, "nodest")) {
		if (!strcmp(value, "move"))
			s->nodest = NODEST_MOVE;
		else if (!strcmp(value, "drop"))
			s->nodest = NODEST_DROP;
		else
			return fail(p, "bad nodest '%s' (move or drop)", value);
		s->nodest_set = true;
		return 1;
	}
	if (!parse_timing(p, name, value, &s->check, &handled))
		return 0;
	if (!handled)
		return fail(p, "unknown key '%s' in [service]", name);
	return 1;
}

/* "service VIP [tcp|udp PORT]" */
static int start_service(struct parse_ctx *p, const char *section)
{
	struct nlbsd_config *c = p->c;
	struct cfg_service s = { 0 }, *n;
	char buf[200], *tok[5];
	uint32_t port;
	size_t k;
	int cnt;

	snprintf(buf, sizeof(buf), "%s", section);
	cnt = tokenize(buf, tok, ARRAY_SIZE(tok));
	if (cnt < 2 || parse_unicast_any(tok[1], &s.vip))
		return fail(p, "[%s]: expected [service VIP] or [service VIP tcp|udp PORT]",
			    section);
	if (cnt == 4) {
		if (!strcmp(tok[2], "tcp"))
			s.proto = IPPROTO_TCP;
		else if (!strcmp(tok[2], "udp"))
			s.proto = IPPROTO_UDP;
		else
			return fail(p, "[%s]: protocol must be tcp or udp", section);
		if (parse_u32(tok[3], 1, 65535, &port))
			return fail(p, "[%s]: bad port '%s' (1..65535)", section, tok[3]);
		s.port = port;
	} else if (cnt != 2) {
		return fail(p, "[%s]: expected [service VIP] or [service VIP tcp|udp PORT]",
			    section);
	}
	for (k = 0; k < c->nservices; k++)
		if (service_same_key(&c->services[k], &s))
			return fail(p, "duplicate [%s] (first at line %d)", section,
				    c->services[k].line);
	s.line = p->section_line;
	s.dynamic = true;
	s.check.type = s.proto == IPPROTO_TCP ? CHECK_TCP : CHECK_NONE;
	s.check.interval_ms = 2000;
	s.check.timeout_ms = 1000;
	s.check.rise = 2;
	s.check.fall = 3;
	if (cnt == 4)
		snprintf(s.name, sizeof(s.name), "%s %s %u", tok[1], tok[2], s.port);
	else
		snprintf(s.name, sizeof(s.name), "%s", tok[1]);
	n = realloc(c->services, (c->nservices + 1) * sizeof(*n));
	if (!n)
		return fail(p, "out of memory");
	c->services = n;
	c->services[c->nservices] = s;
	p->svc = &c->services[c->nservices++];
	return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *p = user;

	if (p->err[0])
		return 1;	/* keep the first problem only */
	if (p->long_line)
		return fail(p, "line longer than %d characters", INI_MAX_LINE - 2);
	if (strcmp(section, p->section)) {
		snprintf(p->section, sizeof(p->section), "%s", section);
		p->svc = NULL;
		if (!strncmp(section, "service", 7) &&
		    (!section[7] || isspace((unsigned char)section[7]))) {
			int line = p->lineno, ok;

			p->lineno = p->section_line;	/* errors name the header */
			ok = start_service(p, section);
			p->lineno = line;
			if (!ok)
				return 0;
		}
	}
	if (p->svc)
		return service_key(p, name, value);
	if (!strcmp(section, "node"))
		return node_key(p, name, value);
	if (!strcmp(section, "peer"))
		return peer_key(p, name, value);
	if (!strcmp(section, "reachability"))
		return reach_key(p, name, value);
	if (!strcmp(section, "scripts"))
		return scripts_key(p, name, value);
	if (!strcmp(section, "weights"))
		return weights_key(p, name, value);
	if (!*section)
		return fail(p, "'%s' outside of any section", name);
	return fail(p, "unknown section [%s]", section);
}

/*
 * fgets() that counts lines and swallows the rest of an overlong one. A NUL
 * byte is an error: the line would end there for the parser, and fgets()
 * having read past it to the newline, the "rest" swallowed would be the
 * next line.
 */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *p = stream;
	size_t n;
	int ch;

	memset(str, 0, num);
	if (!fgets(str, num, p->f))
		return NULL;
	p->lineno++;
	p->long_line = false;
	if (str[strspn(str, " \t")] == '[')
		p->section_line = p->lineno;
	n = strlen(str);
	if ((int)n < num - 1 && memchr(str + n + 1, '\n', num - n - 1)) {
		fail(p, "NUL byte in line");
		*str = 0;
		return str;
	}
	if (n && str[n - 1] != '\n' && !feof(p->f)) {
		p->long_line = true;
		while ((ch = fgetc(p->f)) != EOF && ch != '\n')
			;
	}
	return str;
}

/* The key of @path (named @what in messages, set on @line) into @key. */
static int read_key(struct parse_ctx *p, const char *what, const char *path, int line,
		    uint8_t key[NLBSD_KEY_BYTES])
{
	char buf[256], *s, *e;
	struct stat st;
	size_t len, klen;
	ssize_t n;
	int fd;

	p->lineno = line;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(p, "%s %s: %s", what, path, strerror(errno));
	if (!fstat(fd, &st) && (st.st_mode & 077))
		log_warn("%s %s is readable by group or others", what, path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return fail(p, "%s %s: %s", what, path, strerror(errno));
	buf[n] = 0;
	for (s = buf; isspace((unsigned char)*s); s++)
		;
	for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
		;
	*e = 0;
	len = e - s;
	if (len == 2 * NLBSD_KEY_BYTES &&
	    !sodium_hex2bin(key, NLBSD_KEY_BYTES, s, len, NULL, &klen, NULL) &&
	    klen == NLBSD_KEY_BYTES)
		goto ok;
	if (!sodium_base642bin(key, NLBSD_KEY_BYTES, s, len, NULL, &klen, NULL,
			       sodium_base64_VARIANT_ORIGINAL) && klen == NLBSD_KEY_BYTES)
		goto ok;
	sodium_memzero(buf, sizeof(buf));
	return fail(p, "%s %s: expected a %d-byte key in base64 or hex (nlbsd --genkey)",
		    what, path, NLBSD_KEY_BYTES);
ok:
	sodium_memzero(buf, sizeof(buf));
	return 1;
}

static int validate(struct parse_ctx *p)
{
	struct nlbsd_config *c = p->c;
	struct check_spec *ck;
	size_t i;

	p->lineno = p->node_line;
	if (!p->node_line)
		return fail(p, "missing [node] section");
	if (!c->access_dev[0])
		return fail(p, "[node]: 'access' (access device) is required");
	if (!c->server_dev[0])
		return fail(p, "[node]: 'servers' (server device) is required");
	if (!c->address.af)
		return fail(p, "[node]: 'address' (own access address) is required");
	/* an IPv4 NLBS address, an IPv6 one, or both */
	if (!c->nlbs_addr.s_addr && IN6_IS_ADDR_UNSPECIFIED(&c->nlbs_addr6))
		return fail(p, "[node]: 'nlbs' or 'nlbs6' (NLBS address) is required");
	if (!c->lease_ms) {
		uint64_t l = (uint64_t)c->dead_after * c->advert_ms;

		/* the kernel would refuse every STATE_SET active with it */
		if (l > NLBSD_MAX_LEASE_MS) {
			p->lineno = p->dead_line > p->advert_line ? p->dead_line : p->advert_line;
			if (!p->lineno)
				p->lineno = p->node_line;
			return fail(p, "default lease dead-after x advert-interval (%llums) exceeds "
				    "the maximum of %ums: lower them or set 'lease'",
				    (unsigned long long)l, NLBSD_MAX_LEASE_MS);
		}
		c->lease_ms = l;
	}
	if (c->lease_ms < 2 * c->advert_ms) {
		p->lineno = p->lease_line ? p->lease_line : p->advert_line;
		return fail(p, "lease (%ums) must be at least 2 x advert-interval (%ums)",
			    c->lease_ms, c->advert_ms);
	}
	if (c->lease_ms > (uint64_t)c->dead_after * c->advert_ms && !c->long_lease) {
		uint64_t dead = (uint64_t)c->dead_after * c->advert_ms;

		/* the peer takes over after dead; a dead daemon's kernel answers ARP on */
		p->lineno = p->lease_line;
		return fail(p, "lease (%ums) exceeds dead-after x advert-interval (%llums): after "
			    "a daemon failure both nodes would answer ARP for up to %llums; "
			    "lower it, or set allow-long-lease = yes", c->lease_ms,
			    (unsigned long long)dead, (unsigned long long)(c->lease_ms - dead));
	}
	if (!c->node_id) {
		/* IPv4: the address; IPv6: its last 32 bits (the interface id's) */
		c->node_id = c->address.af == AF_INET6 ? ntohl(c->address.v6.s6_addr32[3]) :
			     ntohl(c->address.v4.s_addr);
		if (!c->node_id) {
			p->lineno = p->address_line;
			return fail(p, "[node]: no node id derives from address %s (its last 32 "
				    "bits are 0): set 'id'", ipa(&c->address));
		}
	}
	p->lineno = p->peer_line;
	if (!p->peer_line)
		return fail(p, "missing [peer] section");
	if (!c->peer.af)
		return fail(p, "[peer]: 'address' is required");
	if (ipaddr_eq(&c->peer, &c->address))
		return fail(p, "[peer]: address equals [node] address");
	/* a path's ends are of one family: the heartbeats go from one to the other */
	if (c->peer.af != c->address.af) {
		p->lineno = p->peer_addr_line;
		return fail(p, "[peer] address %s is %s, [node] address %s is %s: a heartbeat "
			    "path's two ends must be of one family", ipa(&c->peer),
			    family_name(c->peer.af), ipa(&c->address), family_name(c->address.af));
	}
	/* the second heartbeat path: both ends, four distinct addresses */
	if (!!c->address2.af != !!c->peer2.af) {
		p->lineno = c->address2.af ? p->address2_line : p->peer2_line;
		return fail(p, "a second heartbeat path needs both [node] address2 and "
			    "[peer] address2");
	}
	if (c->address2.af) {
		struct ipaddr a[4] = { c->address, c->peer, c->address2, c->peer2 };
		int i, j;

		p->lineno = p->peer2_line > p->address2_line ? p->peer2_line : p->address2_line;
		if (c->peer2.af != c->address2.af)
			return fail(p, "[peer] address2 %s is %s, [node] address2 %s is %s: a "
				    "heartbeat path's two ends must be of one family",
				    ipa(&c->peer2), family_name(c->peer2.af), ipa(&c->address2),
				    family_name(c->address2.af));
		for (i = 0; i < 4; i++)
			for (j = i + 1; j < 4; j++)
				if (ipaddr_eq(&a[i], &a[j]))
					return fail(p, "address2: [node] and [peer] address and "
						    "address2 must be four different addresses "
						    "(%s twice)", ipa(&a[i]));
	}
	if (!c->key_file[0])
		return fail(p, "[peer]: 'key-file' is required");
	if (!read_key(p, "key-file", c->key_file, p->key_file_line, c->key))
		return 0;
	if (c->next_key_file[0]) {
		if (!read_key(p, "next-key-file", c->next_key_file, p->next_key_line,
			      c->next_key))
			return 0;
		c->has_next_key = sodium_memcmp(c->key, c->next_key, NLBSD_KEY_BYTES) != 0;
	}
	for (i = 0; i < c->ntargets; i++) {
		ck = &c->targets[i];
		ck->interval_ms = c->reach_tmpl.interval_ms;
		ck->timeout_ms = c->reach_tmpl.timeout_ms;
		ck->rise = c->reach_tmpl.rise;
		ck->fall = c->reach_tmpl.fall;
	}
	p->lineno = 0;
	if (c->reach_tmpl.timeout_ms > c->reach_tmpl.interval_ms)
		return fail(p, "[reachability]: timeout exceeds interval");
	for (i = 0; i < c->nservices; i++) {
		ck = &c->services[i].check;
		p->lineno = c->services[i].line;
		if (ck->timeout_ms > ck->interval_ms)
			return fail(p, "[service %s]: timeout exceeds interval", c->services[i].name);
		if (!c->services[i].port && !ck->port &&
		    (ck->type == CHECK_TCP || ck->type == CHECK_HTTP || ck->type == CHECK_DNS))
			return fail(p, "[service %s]: %s check on a whole-VIP service needs 'port N'",
				    c->services[i].name, check_type_name(ck->type));
	}
	return 1;
}

static void set_defaults(struct nlbsd_config *c)
{
	c->priority = 100;
	c->preempt = true;
	snprintf(c->state_file, sizeof(c->state_file), "%s", NLBSD_DEFAULT_STATE_FILE);
	snprintf(c->control_socket, sizeof(c->control_socket), "%s", NLBSD_DEFAULT_CONTROL);
	c->advert_ms = 100;
	c->dead_after = 3;
	c->port = NLBSD_DEFAULT_PORT;
	c->sync = true;
	c->sync_rate = NLBSD_SYNC_RATE;
	c->sync_resync_rate = NLBSD_SYNC_RESYNC_RATE;
	c->sync_resync_timeout_ms = NLBSD_SYNC_TIMEOUT_MS;
	c->require_all = true;
	c->check_devices = true;
	c->reach_tmpl.interval_ms = 1000;
	c->reach_tmpl.timeout_ms = 500;
	c->reach_tmpl.rise = 2;
	c->reach_tmpl.fall = 3;
	c->script_timeout_ms = 10000;
	c->weight_interval_ms = 2000;
	c->hysteresis_pct = 10;
	c->weight_min_interval_ms = 5000;
}

int config_load(const char *path, struct nlbsd_config **out, char *err, size_t errlen)
{
	FILE *f;
	int rc;

	*out = NULL;
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = config_parse(f, path, out, err, errlen);
	fclose(f);
	return rc;
}

int config_parse(FILE *f, const char *path, struct nlbsd_config **out, char *err,
		 size_t errlen)
{
	struct parse_ctx p = { 0 };
	int rc;

	*out = NULL;
	p.c = calloc(1, sizeof(*p.c));
	if (!p.c) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	snprintf(p.c->path, sizeof(p.c->path), "%s", path);
	set_defaults(p.c);
	p.f = f;
	rc = ini_parse_stream(reader, &p, handler, &p);
	if (!p.err[0] && rc > 0) {
		p.lineno = rc;
		fail(&p, "syntax error (expected [section] or name = value)");
	} else if (!p.err[0] && rc < 0) {
		fail(&p, "cannot parse (%d)", rc);
	}
	if (!p.err[0])
		validate(&p);
	if (p.err[0]) {
		snprintf(err, errlen, "%s", p.err);
		config_free(p.c);
		return -1;
	}
	*out = p.c;
	return 0;
}

void config_free(struct nlbsd_config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nservices; i++)
		free(c->services[i].servers);
	free(c->services);
	free(c->targets);
	sodium_memzero(c->key, sizeof(c->key));
	sodium_memzero(c->next_key, sizeof(c->next_key));
	free(c);
}

/* ---- the fingerprint of what the pair shares ---- */

static void fp_put(crypto_generichash_state *st, const void *p, size_t n)
{
	crypto_generichash_update(st, p, n);
}

static void fp_u32(crypto_generichash_state *st, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	fp_put(st, b, sizeof(b));
}

/* IPv4: the 4 bytes as before IPv6 (a pair of IPv4-only configurations keeps
 * its fingerprint); IPv6: a marker, then the 16 bytes. */
static void fp_addr(crypto_generichash_state *st, const struct ipaddr *a)
{
	if (a->af == AF_INET6) {
		fp_put(st, "ip6", 3);
		fp_put(st, &a->v6, sizeof(a->v6));
	} else {
		fp_u32(st, ntohl(a->v4.s_addr));
	}
}

static uint32_t fp_final(crypto_generichash_state *st)
{
	uint8_t h[crypto_generichash_BYTES_MIN];

	crypto_generichash_final(st, h, sizeof(h));
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

static int svc_cmp(const void *a, const void *b)
{
	const struct cfg_service *x = *(const struct cfg_service *const *)a;
	const struct cfg_service *y = *(const struct cfg_service *const *)b;
	int r = ipaddr_cmp(&x->vip, &y->vip);

	if (r)
		return r;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

static int srv_cmp(const void *a, const void *b)
{
	return ipaddr_cmp(&(*(const struct cfg_server *const *)a)->addr,
			  &(*(const struct cfg_server *const *)b)->addr);
}

static void fp_service(crypto_generichash_state *st, const struct cfg_service *s)
{
	const struct cfg_server **srv;
	size_t i;

	fp_addr(st, &s->vip);
	fp_u32(st, (uint32_t)s->proto << 16 | s->port);
	fp_u32(st, s->table_size);
	fp_u32(st, s->nodest_set ? s->nodest : NODEST_MOVE);
	fp_u32(st, s->nservers);
	srv = malloc((s->nservers ? s->nservers : 1) * sizeof(*srv));
	for (i = 0; srv && i < s->nservers; i++)
		srv[i] = &s->servers[i];
	if (srv)
		qsort(srv, s->nservers, sizeof(*srv), srv_cmp);
	for (i = 0; i < s->nservers; i++) {
		const struct cfg_server *v = srv ? srv[i] : &s->servers[i];

		fp_addr(st, &v->addr);
		fp_u32(st, v->weight);
		fp_u32(st, v->has_mac);
		fp_put(st, v->has_mac ? v->mac : (const uint8_t[6]){ 0 }, 6);
	}
	free(srv);
}

void config_fingerprint(const struct nlbsd_config *c, uint32_t fp[4])
{
	const struct cfg_service **svc;
	crypto_generichash_state st;
	size_t i;

	crypto_generichash_init(&st, NULL, 0, crypto_generichash_BYTES_MIN);
	fp_put(&st, "seed", 4);
	fp_u32(&st, c->hash_seed_set ? c->hash_seed : 0);	/* the kernel's default: 0 */
	fp[0] = fp_final(&st);

	crypto_generichash_init(&st, NULL, 0, crypto_generichash_BYTES_MIN);
	fp_put(&st, "services", 8);
	fp_u32(&st, c->nservices);
	svc = malloc((c->nservices ? c->nservices : 1) * sizeof(*svc));
	for (i = 0; svc && i < c->nservices; i++)
		svc[i] = &c->services[i];
	if (svc)
		qsort(svc, c->nservices, sizeof(*svc), svc_cmp);
	for (i = 0; i < c->nservices; i++)
		fp_service(&st, svc ? svc[i] : &c->services[i]);
	free(svc);
	fp[1] = fp_final(&st);

	crypto_generichash_init(&st, NULL, 0, crypto_generichash_BYTES_MIN);
	fp_put(&st, "timers", 6);
	fp_u32(&st, c->advert_ms);
	fp_u32(&st, c->dead_after);
	fp_u32(&st, c->lease_ms);
	fp[2] = fp_final(&st);
	fp[3] = 0;
}
