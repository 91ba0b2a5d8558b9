/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: the configuration model and its parser (nlbsd.conf(5), libinih).
 */
#ifndef NLBSD_CONFIG_H
#define NLBSD_CONFIG_H

#include <net/if.h>
#include <netinet/in.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "nlbsd.h"
#include "script.h"

#define NLBSD_KEY_BYTES		32	/* crypto_auth_KEYBYTES */
#define NLBSD_DEFAULT_PORT	7405
#define NLBSD_DEFAULT_STATE_FILE "/var/lib/nlbsd/epoch"
#define NLBSD_DEFAULT_CONTROL	"/run/nlbsd/control"
#define NLBSD_CONTROL_MAX	108	/* sizeof(sun_path) */
#define NLBSD_MIN_ADVERT_MS	10
/* lease: at most 10 min (the kernel accepts up to 1 h) */
#define NLBSD_MAX_LEASE_MS	600000
/* flow sync defaults (nlbsd.conf(5) [peer]) */
#define NLBSD_SYNC_RATE		50000	/* flows/s sent to the peer */
#define NLBSD_SYNC_RESYNC_RATE	200000	/* flows/s of a full resync */
#define NLBSD_SYNC_TIMEOUT_MS	3000	/* bounded wait for a resync */
#define NLBSD_SYNC_RATE_MAX	10000000
/* Maglev table size of a service: a prime within these (uapi NLBS_TABLE_SIZE_*) */
#define NLBSD_TABLE_SIZE_MIN	251
#define NLBSD_TABLE_SIZE_MAX	4194301

enum check_type {
	CHECK_NONE,
	CHECK_TCP,	/* connect() succeeds */
	CHECK_HTTP,	/* GET path, status line matches */
	CHECK_DNS,	/* a DNS query over UDP gets an answer with our id */
	CHECK_ICMP,	/* ICMP echo (reachability targets) */
};

enum on_fail { ONFAIL_DRAIN, ONFAIL_REMOVE };

/* What becomes of a removed server's flows; values of uapi enum nlbs_nodest. */
enum nodest { NODEST_MOVE, NODEST_DROP };

struct check_spec {
	enum check_type type;
	struct ipaddr addr;	/* target: server address or reachability target */
	uint16_t port;		/* 0: the service port (tcp/http/dns) */
	uint16_t status;	/* http: expected status, 0: any 2xx or 3xx */
	char path[128];		/* http */
	char name[128];		/* dns: name queried (type A) */
	uint32_t interval_ms;
	uint32_t timeout_ms;
	uint32_t rise;
	uint32_t fall;
};

struct cfg_server {
	struct ipaddr addr;	/* the service's family */
	uint32_t weight;
	bool has_mac;
	uint8_t mac[6];
	int line;
};

struct cfg_service {
	struct ipaddr vip;	/* IPv4 or IPv6; its servers are of the same family */
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP, 0: whole VIP */
	uint16_t port;
	struct check_spec check;	/* template; addr filled per server */
	enum on_fail on_fail;
	bool dynamic;		/* response time and load feed the weight */
	uint32_t table_size;	/* Maglev table size, 0: the kernel's default */
	int table_size_line;	/* where it was set (0: not set) */
	enum nodest nodest;
	bool nodest_set;	/* given in the file (else the kernel's default, move) */
	struct cfg_server *servers;
	size_t nservers;
	int line;
	char name[64];		/* "198.51.100.10 tcp 80", "2001:db8:100::10 tcp 80" */
};

struct nlbsd_config {
	char path[PATH_MAX];

	/* [node] */
	char access_dev[IF_NAMESIZE];
	char server_dev[IF_NAMESIZE];
	/*
	 * Heartbeat (and flow sync) addresses, IPv4 or IPv6; a path's two
	 * ends are of one family (af 0: no second path).
	 */
	struct ipaddr address;		/* own access-subnet address */
	struct ipaddr address2;		/* a second heartbeat path: ours; af 0: none */
	struct in_addr nlbs_addr;
	struct in6_addr nlbs_addr6;	/* nlbs6: IPv6 NLBS address, :: if none */
	uint32_t node_id;		/* default: derived from address (IPv6: its
					 * last 32 bits) */
	uint8_t priority;
	bool preempt;
	uint32_t preempt_delay_ms;
	uint32_t advert_ms;
	uint32_t dead_after;		/* advert intervals */
	uint32_t lease_ms;		/* default dead_after * advert_ms */
	bool long_lease;		/* allow-long-lease: above dead-after x advert */
	uint32_t garp_count;		/* 0 with garp_set false: kernel default */
	uint32_t garp_interval_ms;
	bool garp_count_set, garp_interval_set;
	uint32_t hash_seed;
	bool hash_seed_set;
	char state_file[PATH_MAX];	/* heartbeat epoch; "": not saved */
	char control_socket[NLBSD_CONTROL_MAX];	/* nlbsd status; "": none */

	/* [peer] */
	struct ipaddr peer;
	struct ipaddr peer2;		/* a second heartbeat path: the peer's */
	uint16_t port;
	char key_file[PATH_MAX];
	uint8_t key[NLBSD_KEY_BYTES];
	/* next-key-file: a second key accepted (rotation); sent with: key */
	char next_key_file[PATH_MAX];
	uint8_t next_key[NLBSD_KEY_BYTES];
	bool has_next_key;
	bool sync;			/* flow sync with the peer */
	uint32_t sync_rate;		/* flows/s, live */
	uint32_t sync_resync_rate;	/* flows/s, a full resync we send */
	uint32_t sync_resync_timeout_ms;	/* how long a resync may hold the election */

	/* [reachability] */
	struct check_spec *targets;
	size_t ntargets;
	bool require_all;
	bool check_devices;
	struct check_spec reach_tmpl;	/* interval/timeout/rise/fall */

	/* [scripts] */
	char notify[PATH_MAX];		/* called with STATE OLDSTATE REASON */
	char state_script[ST_COUNT][PATH_MAX];
	uint32_t script_timeout_ms;
	struct script_user script_user;	/* script-user: whom scripts run as */

	/* [weights] */
	uint32_t weight_interval_ms;	/* stats poll and recompute */
	uint32_t hysteresis_pct;
	uint32_t weight_min_interval_ms;

	struct cfg_service *services;
	size_t nservices;
};

/*
 * Parse @path into a fresh *@out. On error returns -1, *@out is NULL and
 * @err holds "FILE:LINE: problem". The key file is read too.
 */
int config_load(const char *path, struct nlbsd_config **out, char *err, size_t errlen);
/*
 * The same from the open stream @f (left open), named @path in messages;
 * relative paths in it are relative to @path's directory (the fuzzer).
 */
int config_parse(FILE *f, const char *path, struct nlbsd_config **out, char *err,
		 size_t errlen);
void config_free(struct nlbsd_config *c);

/*
 * The fingerprint of what both nodes of the pair must agree on
 * (hb.h HB_FP_*): four 32-bit digests (BLAKE2b) of the hash seed, of the
 * services with their table sizes, nodest, servers, weights and MACs (in a
 * canonical order), and of the timers.
 */
void config_fingerprint(const struct nlbsd_config *c, uint32_t fp[4]);

/* "tcp" / "http" / ... */
const char *check_type_name(enum check_type t);

/* Same (vip, proto, port)? */
bool service_same_key(const struct cfg_service *a, const struct cfg_service *b);

bool is_prime(uint32_t n);

#endif /* NLBSD_CONFIG_H */
