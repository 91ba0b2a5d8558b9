// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs-metrics: nlbsd's election view and its own counters (heartbeats,
 * flow sync, health checks), read from its control socket (nlbsd.conf(5)
 * control-socket, default /run/nlbsd/control) with the request "status",
 * and written as nlbsd_* metrics.
 *
 * The status is "key: value" lines (nlbsd.8, STATUS). A value's counters
 * are taken as "word number" pairs (a number first in the value: the pair
 * named ""); a word that ends in ':' names a group
 * ("refused: auth 0, replay 0" gives refused.auth and refused.replay). The
 * tables below say which pair becomes which metric: lines and pairs they do
 * not name are left out, so nlbsd may add to its status freely.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"

#define STATUS_TIMEOUT_MS	2000

static int64_t ms_left(const struct timespec *end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(end->tv_sec - now.tv_sec) * 1000 +
	       (end->tv_nsec - now.tv_nsec) / 1000000;
}

int nlbsd_status_fetch(const char *path, char **text)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct pollfd pfd = { .events = POLLIN };
	size_t len = 0, cap = 0;
	struct timespec end;
	char *buf = NULL, *p;
	int64_t left;
	ssize_t n;
	int ret;

	*text = NULL;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	pfd.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (pfd.fd < 0)
		return -errno;
	if (connect(pfd.fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    write(pfd.fd, "status\n", 7) != 7) {
		ret = -errno;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += STATUS_TIMEOUT_MS / 1000;
	for (;;) {
		left = ms_left(&end);
		if (left <= 0) {
			ret = -ETIMEDOUT;
			goto out;
		}
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		if (len + 1024 > cap) {
			if (cap >= 1 << 20) {
				ret = -EMSGSIZE;
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			p = realloc(buf, cap);
			if (!p) {
				ret = -ENOMEM;
				goto out;
			}
			buf = p;
		}
		n = read(pfd.fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (!strncmp(buf, "error:", 6)) {
		ret = -EPROTO;
		goto out;
	}
	*text = buf;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(pfd.fd);
	return ret;
}

/* ---- parsing ------------------------------------------------------------ */

#define MAX_PAIRS	32

struct pair {
	char name[100];		/* "group.word" or "word" */
	uint64_t val;
};

/*
 * The "word number" pairs of a status value. "word: number" is a pair too;
 * "word:" before another word opens a group.
 */
static size_t pairs_of(const char *v, struct pair *out, size_t max)
{
	char word[48] = "", group[48] = "", tok[48];
	bool colon = false;
	size_t n = 0, i;

	while (*v && n < max) {
		while (*v && (isspace((unsigned char)*v) || strchr(",;()", *v)))
			v++;
		for (i = 0; *v && !isspace((unsigned char)*v) && !strchr(",;()", *v); v++)
			if (i < sizeof(tok) - 1)
				tok[i++] = *v;
		tok[i] = '\0';
		if (!i)
			break;
		if (strspn(tok, "0123456789") == i) {
			if (group[0])
				snprintf(out[n].name, sizeof(out[n].name), "%s.%s", group, word);
			else
				snprintf(out[n].name, sizeof(out[n].name), "%s", word);
			out[n++].val = strtoull(tok, NULL, 10);
			colon = false;
			continue;
		}
		if (colon)
			snprintf(group, sizeof(group), "%s", word);
		colon = tok[i - 1] == ':';
		if (colon)
			tok[i - 1] = '\0';
		snprintf(word, sizeof(word), "%s", tok);
	}
	return n;
}

static const struct pair *pair_find(const struct pair *p, size_t n,
				    const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(p[i].name, name))
			return &p[i];
	return NULL;
}

/* The value of status line KEY (NUL-terminated copy), or NULL. */
static char *value_of(const char *text, const char *key, char *buf, size_t len)
{
	size_t k = strlen(key), n;
	const char *p = text, *e;

	for (; p && *p; p = e ? e + 1 : NULL) {
		e = strchr(p, '\n');
		if (!strncmp(p, key, k) && p[k] == ':' && p[k + 1] == ' ') {
			p += k + 2;
			n = e ? (size_t)(e - p) : strlen(p);
			if (n >= len)
				n = len - 1;
			memcpy(buf, p, n);
			buf[n] = '\0';
			return buf;
		}
	}
	return NULL;
}

/* ---- writing ------------------------------------------------------------ */

static const char * const states[] = { "init", "active", "standby", "inop" };

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One series per state, 1 for the state VALUE begins with. */
static void state_family(FILE *f, const char *name, const char *help,
			 const char *value)
{
	size_t i, n;

	if (!value)
		return;
	header(f, name, "gauge", help);
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		n = strlen(states[i]);
		fprintf(f, "%s{state=\"%s\"} %d\n", name, states[i],
			!strncmp(value, states[i], n) &&
			(!value[n] || value[n] == ' '));
	}
}

static void yesno_gauge(FILE *f, const char *name, const char *help,
			const char *value, const char *yes)
{
	if (!value)
		return;
	header(f, name, "gauge", help);
	fprintf(f, "%s %d\n", name, !strncmp(value, yes, strlen(yes)));
}

static void ms_gauge(FILE *f, const char *name, const char *help,
		     const char *value)
{
	char *end;
	unsigned long long ms;

	if (!value || !isdigit((unsigned char)*value))
		return;		/* "never" */
	ms = strtoull(value, &end, 10);
	header(f, name, "gauge", help);
	fprintf(f, "%s %llu.%03llu\n", name, ms / 1000, ms % 1000);
}

/* A pair of a status line as a metric, labelled or not. */
struct pair_map {
	const char *key;	/* status line */
	const char *pair;	/* pair name in it */
	const char *metric;
	const char *label;	/* "name=\"value\"" or NULL */
	const char *help;	/* on the first of a family */
};

static const struct pair_map counters[] = {
	{ "heartbeats", "tx", "nlbsd_heartbeats_sent_total", NULL,
	  "Heartbeats sent to the peer." },
	{ "heartbeats", "errors", "nlbsd_heartbeat_send_errors_total", NULL,
	  "Heartbeats that could not be sent." },
	{ "heartbeats", "rx", "nlbsd_heartbeats_received_total", NULL,
	  "Heartbeats received from the peer and accepted." },
	{ "heartbeats", "refused.auth", "nlbsd_heartbeats_refused_total",
	  "reason=\"auth\"", "Heartbeats refused, by reason." },
	{ "heartbeats", "refused.replay", "nlbsd_heartbeats_refused_total",
	  "reason=\"replay\"", NULL },
	{ "heartbeats", "refused.echo", "nlbsd_heartbeats_refused_total",
	  "reason=\"echo\"", NULL },
	{ "heartbeats", "refused.reordered", "nlbsd_heartbeats_refused_total",
	  "reason=\"reordered\"", NULL },
	{ "heartbeats", "refused.bad", "nlbsd_heartbeats_refused_total",
	  "reason=\"bad\"", NULL },
	{ "heartbeats", "refused.v1", "nlbsd_heartbeats_refused_total",
	  "reason=\"v1\"", NULL },
	{ "heartbeats", "refused.ttl", "nlbsd_heartbeats_refused_total",
	  "reason=\"ttl\"", NULL },
	{ "heartbeats", "refused.foreign", "nlbsd_heartbeats_refused_total",
	  "reason=\"foreign\"", NULL },
	{ "one-way-losses", "", "nlbsd_one_way_losses_total", NULL,
	  "Times the peer stopped hearing us while we heard it." },
	{ "one-way-losses", "unconfirmed", "nlbsd_peer_unconfirmed_total", NULL,
	  "Times the peer was taken for dead: not heard in our present life." },
	{ "one-way-losses", "fingerprint-mismatches",
	  "nlbsd_fingerprint_mismatches_total", NULL,
	  "Times the peer's configuration fingerprint differed from ours." },
	{ "one-way-losses", "states-adopted", "nlbsd_states_adopted_total", NULL,
	  "Kernel state changes made by others that nlbsd adopted." },
	{ "sync-counters", "sent", "nlbsd_sync_flows_total",
	  "direction=\"sent\"", "Flows relayed by flow sync, by direction." },
	{ "sync-counters", "received", "nlbsd_sync_flows_total",
	  "direction=\"received\"", NULL },
	{ "sync-counters", "imported", "nlbsd_sync_flows_imported_total", NULL,
	  "Flows from the peer imported into the kernel." },
	{ "sync-counters", "refused", "nlbsd_sync_flows_refused_total", NULL,
	  "Flows from the peer the kernel refused." },
	{ "sync-counters", "dropped", "nlbsd_sync_flows_dropped_total", NULL,
	  "Flows not relayed to the peer (rate limit or full queue)." },
	{ "sync-counters", "ignored", "nlbsd_sync_flows_ignored_total", NULL,
	  "Flows from the peer ignored (not standby, or stale)." },
	{ "sync-counters", "resyncs", "nlbsd_sync_resyncs_total", NULL,
	  "Whole flow tables asked of the peer." },
	{ "sync-counters", "timeouts", "nlbsd_sync_resync_timeouts_total", NULL,
	  "Whole flow tables asked of the peer that never came." },
	{ "sync-counters", "served", "nlbsd_sync_resyncs_served_total", NULL,
	  "Whole flow tables sent to the peer." },
	{ "sync-refused", "auth", "nlbsd_sync_refused_total",
	  "reason=\"auth\"", "Flow sync datagrams refused, by reason." },
	{ "sync-refused", "replay", "nlbsd_sync_refused_total",
	  "reason=\"replay\"", NULL },
	{ "sync-refused", "bad", "nlbsd_sync_refused_total",
	  "reason=\"bad\"", NULL },
	{ "sync-refused", "errors", "nlbsd_sync_send_errors_total", NULL,
	  "Flow sync datagrams that could not be sent." },
	{ "sync-refused", "overruns", "nlbsd_sync_kernel_overruns_total", NULL,
	  "Kernel flow notifications lost (socket buffer overrun)." },
};

static void write_pairs(FILE *f, const char *text, const struct pair_map *m,
			size_t n)
{
	struct pair pairs[MAX_PAIRS];
	const struct pair *p;
	char buf[512];
	size_t i, np;
	char *v;

	for (i = 0; i < n; i++) {
		v = value_of(text, m[i].key, buf, sizeof(buf));
		if (!v)
			continue;
		np = pairs_of(v, pairs, MAX_PAIRS);
		p = pair_find(pairs, np, m[i].pair);
		if (!p)
			continue;
		if (m[i].help)
			header(f, m[i].metric, "counter", m[i].help);
		if (m[i].label)
			fprintf(f, "%s{%s} %" PRIu64 "\n", m[i].metric, m[i].label, p->val);
		else
			fprintf(f, "%s %" PRIu64 "\n", m[i].metric, p->val);
	}
}

/* "services: 2, servers 6: up 4, down 1, unknown 1" and
 * "checks: 0 in flight, 0 without a result, 0 waited for a slot"
 */
static void write_checks(FILE *f, const char *text)
{
	unsigned long svcs, srvs, up, down, unknown, fly, nores, waited;
	char buf[256];

	if (value_of(text, "services", buf, sizeof(buf)) &&
	    sscanf(buf, "%lu, servers %lu: up %lu, down %lu, unknown %lu", &svcs,
		   &srvs, &up, &down, &unknown) == 5) {
		header(f, "nlbsd_servers", "gauge",
		       "Servers of the configuration by health-check result.");
		fprintf(f, "nlbsd_servers{health=\"up\"} %lu\n", up);
		fprintf(f, "nlbsd_servers{health=\"down\"} %lu\n", down);
		fprintf(f, "nlbsd_servers{health=\"unknown\"} %lu\n", unknown);
		header(f, "nlbsd_services", "gauge", "Services of the configuration.");
		fprintf(f, "nlbsd_services %lu\n", svcs);
	}
	if (value_of(text, "checks", buf, sizeof(buf)) &&
	    sscanf(buf, "%lu in flight, %lu without a result, %lu waited", &fly,
		   &nores, &waited) == 3) {
		header(f, "nlbsd_checks_in_flight", "gauge", "Health checks in flight.");
		fprintf(f, "nlbsd_checks_in_flight %lu\n", fly);
		header(f, "nlbsd_checks_without_result_total", "counter",
		       "Health checks that ended without a result (a local error).");
		fprintf(f, "nlbsd_checks_without_result_total %lu\n", nores);
		header(f, "nlbsd_checks_waited_total", "counter",
		       "Health checks that waited for a slot (the in-flight cap).");
		fprintf(f, "nlbsd_checks_waited_total %lu\n", waited);
	}
}

static void write_targets(FILE *f, const char *text)
{
	const char *p, *e, *sp;
	bool first = true;

	for (p = text; p && *p; p = e ? e + 1 : NULL) {
		e = strchr(p, '\n');
		if (strncmp(p, "target: ", 8))
			continue;
		p += 8;
		/* "target: LABEL STATE": the label may hold spaces */
		sp = memrchr(p, ' ', e ? (size_t)(e - p) : strlen(p));
		if (!sp || !strncmp(sp + 1, "unknown", 7))
			continue;
		if (first)
			header(f, "nlbsd_reachability_target_up", "gauge",
			       "1 when a reachability target answers, 0 when it does not.");
		first = false;
		fputs("nlbsd_reachability_target_up{target=\"", f);
		for (; p < sp; p++) {
			if (*p == '\\' || *p == '"')
				fputc('\\', f);
			fputc(*p, f);
		}
		fprintf(f, "\"} %d\n", !strncmp(sp + 1, "up", 2));
	}
}

int nlbsd_metrics_write(FILE *f, const char *text)
{
	char buf[256];

	header(f, "nlbsd_up", "gauge",
	       "1 when nlbsd answered on its control socket, 0 when it did not.");
	fprintf(f, "nlbsd_up %d\n", !!text);
	if (!text)
		goto out;
	state_family(f, "nlbsd_state", "nlbsd's own state, one series per state.",
		     value_of(text, "state", buf, sizeof(buf)));
	ms_gauge(f, "nlbsd_state_age_seconds", "Time since nlbsd entered its state.",
		 value_of(text, "state-since-ms", buf, sizeof(buf)));
	yesno_gauge(f, "nlbsd_healthy", "1 when devices, reachability and kernel are all fine.",
		    value_of(text, "healthy", buf, sizeof(buf)), "yes");
	state_family(f, "nlbsd_peer_state", "The peer's state as last heard, one series per state.",
		     value_of(text, "peer-state", buf, sizeof(buf)));
	yesno_gauge(f, "nlbsd_peer_alive", "1 while the peer's heartbeats arrive.",
		    value_of(text, "peer-alive", buf, sizeof(buf)), "yes");
	yesno_gauge(f, "nlbsd_peer_hears_heartbeats", "1 when the peer confirms it hears our heartbeats.",
		    value_of(text, "peer-hears-us", buf, sizeof(buf)), "yes");
	ms_gauge(f, "nlbsd_last_heartbeat_age_seconds",
		 "Time since the last heartbeat accepted from the peer.",
		 value_of(text, "last-heartbeat-ms", buf, sizeof(buf)));
	if (value_of(text, "fingerprint", buf, sizeof(buf)) &&
	    strncmp(buf, "not compared", 12))
		yesno_gauge(f, "nlbsd_fingerprint_match",
			    "1 when the peer's configuration fingerprint equals ours.",
			    buf, "matches");
	yesno_gauge(f, "nlbsd_sync_enabled", "1 when flow sync with the peer is on.",
		    value_of(text, "sync", buf, sizeof(buf)), "on");
	write_pairs(f, text, counters, sizeof(counters) / sizeof(counters[0]));
	write_checks(f, text);
	write_targets(f, text);
out:
	fflush(f);
	return ferror(f) ? -1 : 0;
}
