// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: one line per event on stderr, optionally syslog; state names, clocks.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "nlbsd.h"

static bool log_syslog;
static int log_verbosity = LOG_LVL_INFO;
static bool log_ts;

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

void log_init(bool use_syslog, int verbosity, bool timestamps)
{
	log_ts = timestamps;
	log_syslog = use_syslog;
	log_verbosity = verbosity;
	if (use_syslog)
		openlog("nlbsd", LOG_PID, LOG_DAEMON);
}

static void log_v(int lvl, const char *fmt, va_list ap)
{
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char line[1024];

	if (lvl > log_verbosity)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
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
