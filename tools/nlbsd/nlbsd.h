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
#include <netinet/in.h>
#include <sys/socket.h>

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

/*
 * An IPv4 or an IPv6 address: services, servers and check targets are of
 * either family (af 0: none set).
 */
struct ipaddr {
	int af;			/* AF_INET, AF_INET6, 0: unset */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

/* The address in one of 8 rotating static buffers (several per printf). */
const char *ipa(const struct ipaddr *a);
/* "ADDR:PORT", an IPv6 address in brackets ("[ADDR]:PORT"); rotating buffers too. */
const char *ipa_port(const struct ipaddr *a, uint16_t port);
bool ipaddr_eq(const struct ipaddr *a, const struct ipaddr *b);
/* A total order: IPv4 before IPv6, each in numeric order. */
int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b);
/* @a and @port (host order) as a socket address; returns its length. */
socklen_t ipaddr_sockaddr(const struct ipaddr *a, uint16_t port, struct sockaddr_storage *ss);
/* A socket address of either family back (port not kept); false: another family. */
bool ipaddr_from_sockaddr(struct ipaddr *a, const struct sockaddr_storage *ss);
static inline struct ipaddr ipaddr4(struct in_addr v4)
{
	return (struct ipaddr){ .af = AF_INET, .v4 = v4 };
}

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
