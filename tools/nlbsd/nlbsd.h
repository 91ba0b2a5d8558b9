/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: shared types and helpers of the nlbs pair daemon.
 *
 * Bottom of the include tower: no other nlbsd header is included here.
 */
#ifndef NLBSD_H
#define NLBSD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>

#define NLBSD_VERSION "0.1"

/* Same values as enum nlbs_state in uapi/linux/nlbs.h. */
enum nlbsd_state {
	ST_INIT = 0,
	ST_ACTIVE = 1,
	ST_STANDBY = 2,
	ST_INOP = 3,
	ST_COUNT,
	ST_UNKNOWN = 255,	/* peer never heard */
};

const char *state_name(int st);

struct in_addr;
/* Dotted quad in one of 8 rotating static buffers (several per printf). */
const char *ip4(struct in_addr a);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t now_ms(void);
/* CLOCK_REALTIME in milliseconds. */
uint64_t wall_ms(void);

/* ---- log.c ---- */
enum { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* timestamps: prefix stderr lines with CLOCK_MONOTONIC seconds */
void log_init(bool use_syslog, int verbosity, bool timestamps);
void log_msg(int lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_dbg(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* At most one message per period; the next one says how many were dropped. */
struct ratelimit {
	uint64_t last_ms;
	uint64_t period_ms;
	unsigned long suppressed;
};
void log_rl(struct ratelimit *rl, int lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* NLBSD_H */
