// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: one line per event on stderr, optionally syslog; state names, clocks.
 *
 * Under systemd stderr is a journal stream ($JOURNAL_STREAM names its
 * device and inode): lines then carry their priority as a "<N>" prefix,
 * which journald takes as the priority, and nothing else (the journal has
 * the time and the identifier); syslog is left out, or each line would be
 * in the journal twice.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "nlbsd.h"

static bool log_syslog;
static int log_verbosity = LOG_LVL_INFO;
static bool log_ts;
static bool log_journal;

static const char *const state_names[ST_COUNT] = {
	[ST_INIT] = "init",
	[ST_ACTIVE] = "active",
	[ST_STANDBY] = "standby",
	[ST_INOP] = "inop",
};

const char *state_name(int st)
{
	if (st >= 0 && st < ST_COUNT)
		return state_names[st];
	return "unknown";
}

const char *ip4(struct in_addr a)
{
	static char buf[8][INET_ADDRSTRLEN];
	static unsigned int i;

	i = (i + 1) % 8;
	return inet_ntop(AF_INET, &a, buf[i], sizeof(buf[i]));
}

const char *ipa(const struct ipaddr *a)
{
	static char buf[8][INET6_ADDRSTRLEN];
	static unsigned int i;

	i = (i + 1) % 8;
	if (a->af == AF_INET6)
		return inet_ntop(AF_INET6, &a->v6, buf[i], sizeof(buf[i]));
	if (a->af == AF_INET)
		return inet_ntop(AF_INET, &a->v4, buf[i], sizeof(buf[i]));
	return "(none)";
}

const char *ipa_port(const struct ipaddr *a, uint16_t port)
{
	static char buf[8][INET6_ADDRSTRLEN + 8];
	static unsigned int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), a->af == AF_INET6 ? "[%s]:%u" : "%s:%u", ipa(a), port);
	return buf[i];
}

bool ipaddr_eq(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->af != b->af)
		return false;
	if (a->af == AF_INET6)
		return IN6_ARE_ADDR_EQUAL(&a->v6, &b->v6);
	return a->af != AF_INET || a->v4.s_addr == b->v4.s_addr;
}

int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b)
{
	uint32_t x, y;

	if (a->af != b->af)
		return a->af == AF_INET ? -1 : b->af == AF_INET ? 1 : a->af < b->af ? -1 : 1;
	if (a->af == AF_INET6)
		return memcmp(&a->v6, &b->v6, sizeof(a->v6));
	if (a->af != AF_INET)
		return 0;
	x = ntohl(a->v4.s_addr);
	y = ntohl(b->v4.s_addr);
	return x < y ? -1 : x > y;
}

socklen_t ipaddr_sockaddr(const struct ipaddr *a, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = a->v6;
		s6->sin6_port = htons(port);
		return sizeof(*s6);
	}
	s4->sin_family = AF_INET;
	s4->sin_addr = a->v4;
	s4->sin_port = htons(port);
	return sizeof(*s4);
}

bool ipaddr_from_sockaddr(struct ipaddr *a, const struct sockaddr_storage *ss)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET6) {
		a->af = AF_INET6;
		a->v6 = ((const struct sockaddr_in6 *)ss)->sin6_addr;
		return true;
	}
	if (ss->ss_family == AF_INET) {
		a->af = AF_INET;
		a->v4 = ((const struct sockaddr_in *)ss)->sin_addr;
		return true;
	}
	return false;
}

static uint64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

uint64_t wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

/* Is stderr the journal stream systemd connected (JOURNAL_STREAM=DEV:INODE)? */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) < 0)
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void log_init(bool use_syslog, int verbosity, bool timestamps)
{
	log_journal = stderr_is_journal();
	log_ts = timestamps && !log_journal;
	log_syslog = use_syslog && !log_journal;
	log_verbosity = verbosity;
	if (log_syslog)
		openlog("nlbsd", LOG_PID, LOG_DAEMON);
	if (use_syslog && log_journal)
		log_msg(LOG_LVL_INFO, "logging to the journal (stderr): --syslog ignored");
}

static void log_v(int lvl, const char *fmt, va_list ap)
{
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char line[1024];

	if (lvl > log_verbosity)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_journal) {
		fprintf(stderr, "<%d>%s\n", prio[lvl], line);
		return;
	}
	if (log_ts) {
		uint64_t t = now_ms();

		fprintf(stderr, "[%llu.%03llu] nlbsd: %s%s\n", (unsigned long long)(t / 1000),
			(unsigned long long)(t % 1000), tag[lvl], line);
	} else {
		fprintf(stderr, "nlbsd: %s%s\n", tag[lvl], line);
	}
	if (log_syslog)
		syslog(prio[lvl], "%s%s", tag[lvl], line);
}

void log_msg(int lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(lvl, fmt, ap);
	va_end(ap);
}

void log_rl(struct ratelimit *rl, int lvl, const char *fmt, ...)
{
	uint64_t now = now_ms();
	char line[900];
	va_list ap;

	if (rl->last_ms && now - rl->last_ms < rl->period_ms) {
		rl->suppressed++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (rl->suppressed)
		log_msg(lvl, "%s (%lu similar suppressed)", line, rl->suppressed);
	else
		log_msg(lvl, "%s", line);
	rl->last_ms = now;
	rl->suppressed = 0;
}
