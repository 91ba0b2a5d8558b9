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
