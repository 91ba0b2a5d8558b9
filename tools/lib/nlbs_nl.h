/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * nlbs_nl: the small netlink layer shared by nlbs-genl and nlbsd.
 *
 * One handle is one generic netlink socket bound to the "nlbs" family of the
 * namespace it was opened in. Requests are synchronous: build one with
 * nlbs_nl_req() (or nlbs_msg_init() on a buffer of your own), add attributes
 * with libmnl or the nlbs_put_*() helpers, and nlbs_nl_run() it; the callback
 * sees every reply message. Replies are decoded with nlbs_parse_*() into the
 * plain structs below, whose `present` bitmask says which attributes were
 * there (bit NLBS_BIT(attr id) of the matching uapi enum).
 *
 * Errors: every function that can fail returns a negative errno. The details
 * of the last failure of a handle, including the kernel's extack message text
 * verbatim, are in nlbs_nl_error(). Nothing here prints anything.
 *
 * Not thread safe: one handle per thread.
 */
#ifndef NLBS_NL_H
#define NLBS_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/nlbs.h>

#define NLBS_BIT(attr)		(1u << (attr))
#define NLBS_NL_BUFSIZE		32768	/* request and receive buffers */
#define NLBS_ERRMSG_MAX		256

struct nlbs_nl;

struct nlbs_nl_error {
	int err;			/* positive errno, 0: no error */
	char msg[NLBS_ERRMSG_MAX];	/* kernel extack text verbatim, or a
					 * description of a local failure;
					 * "" when there is neither */
};

/* Per-message callback: return MNL_CB_OK to go on, MNL_CB_STOP to end the
 * request early, MNL_CB_ERROR (with errno set) to fail it. */
typedef int (*nlbs_msg_cb)(const struct nlmsghdr *nlh, void *data);

/* ---- socket -------------------------------------------------------------- */

/*
 * Move the calling thread into the named network namespace (/run/netns/NAME,
 * as `ip netns add` creates it) and stay there, as `ip -n` does: device names
 * are then resolved in that namespace too. Returns 0 or -errno.
 */
int nlbs_netns_enter(const char *name);

/*
 * Open a generic netlink socket (after nlbs_netns_enter(netns) when netns is
 * not NULL), set NETLINK_EXT_ACK and NETLINK_CAP_ACK, and resolve the "nlbs"
 * family id and its "events" multicast group through nlctrl. Returns NULL on
 * failure with *err filled (err may be NULL); ENOENT means no such family,
 * i.e. the module is not loaded and could not be autoloaded.
 */
struct nlbs_nl *nlbs_nl_open(const char *netns, struct nlbs_nl_error *err);
void nlbs_nl_close(struct nlbs_nl *nl);

int nlbs_nl_fd(const struct nlbs_nl *nl);
uint16_t nlbs_nl_family(const struct nlbs_nl *nl);
const struct nlbs_nl_error *nlbs_nl_error(const struct nlbs_nl *nl);

/* ---- generic requests ---------------------------------------------------- */

/*
 * Start a genetlink message in buf (NLBS_NL_BUFSIZE bytes) for `family`.
 * flags: NLM_F_DUMP for a dump (sent as NLM_F_REQUEST|NLM_F_DUMP), anything
 * else is or-ed to NLM_F_REQUEST|NLM_F_ACK. Needs no socket (unit tests).
 */
struct nlmsghdr *nlbs_msg_init(void *buf, uint16_t family, uint8_t cmd,
			       uint16_t flags);

/* The same in the handle's own send buffer, valid until the next request. */
struct nlmsghdr *nlbs_nl_req(struct nlbs_nl *nl, uint8_t cmd, uint16_t flags);

/*
 * Send nlh, then read replies until the ACK (or NLMSG_DONE of a dump),
 * calling cb (may be NULL) for every nlbs message. Returns 0 or -errno; on a
 * kernel error nlbs_nl_error() holds its errno and extack text.
 *
 * -EINTR: the kernel flagged the dump NLM_F_DUMP_INTR, the objects changed
 * while it was being built and what cb saw may be torn (an object missing or
 * seen twice). The dump was still read to its end; run it again from
 * scratch. (A signal does not cut a request short: it goes on reading.)
 */
int nlbs_nl_run(struct nlbs_nl *nl, struct nlmsghdr *nlh, nlbs_msg_cb cb,
		void *data);

#define NLBS_EVENTS_RCVBUF	(8 << 20)

/* Join the "events" multicast group, after raising the socket's receive
 * buffer to NLBS_EVENTS_RCVBUF (best effort). Returns 0 or -errno. Use a
 * handle of its own for events: requests on it would see them too. */
int nlbs_nl_join_events(struct nlbs_nl *nl);

/*
 * Receive notifications and call cb for each until cb returns MNL_CB_STOP
 * (returns 0) or something fails (-errno). An overrun of the socket buffer
 * (ENOBUFS: events were lost) is returned as -ENOBUFS; the caller may call
 * again to go on listening. On a non-blocking socket (nlbs_nl_fd()),
 * -EAGAIN means every pending event has been handled.
 */
int nlbs_nl_listen(struct nlbs_nl *nl, nlbs_msg_cb cb, void *data);

/* ---- decoded objects ----------------------------------------------------- */

struct nlbs_config {			/* present: NLBS_BIT(NLBS_A_*) */
	uint32_t present;
	uint32_t access_ifindex;
	char access_ifname[IF_NAMESIZE];
	uint32_t server_ifindex;
	char server_ifname[IF_NAMESIZE];
	uint32_t nlbs_addr;		/* network byte order */
	uint32_t garp_count;
	uint32_t garp_interval;		/* ms */
	uint32_t hash_seed;
};

struct nlbs_state_info {		/* present: NLBS_BIT(NLBS_A_*) */
	uint32_t present;
	uint8_t state;			/* enum nlbs_state */
	uint32_t lease_ms;
	char reason[128];
};

struct nlbs_service {			/* present: NLBS_BIT(NLBS_SVC_A_*) */
	uint32_t present;
	uint32_t vip;			/* network byte order */
	uint8_t proto;			/* IPPROTO_TCP, IPPROTO_UDP, 0: whole VIP */
	uint16_t port;
	uint32_t servers;
	uint32_t table_size;
	uint8_t event;			/* enum nlbs_event */
};

struct nlbs_server {			/* present: NLBS_BIT(NLBS_SRV_A_*) */
	uint32_t present;
	uint32_t addr;			/* network byte order */
	uint32_t weight;
	uint8_t mac[6];
	uint64_t packets;
	uint64_t bytes;
	uint8_t event;			/* enum nlbs_event */
};

struct nlbs_flow {			/* present: NLBS_BIT(NLBS_FLOW_A_*) */
	uint32_t present;
	uint32_t saddr;			/* network byte order: the client */
	uint32_t daddr;			/* network byte order: the VIP */
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t sport;			/* host byte order */
	uint16_t dport;			/* host byte order */
	uint32_t server;		/* network byte order */
	uint32_t idle_ms;		/* since the flow's last packet */
};

struct nlbs_stats {			/* present: NLBS_BIT(NLBS_STATS_A_*) */
	uint32_t present;
	uint64_t val[NLBS_STATS_A_MAX + 1];
};

struct nlbs_device_event {		/* present: NLBS_BIT(NLBS_A_*) */
	uint32_t present;
	uint32_t access_ifindex;
	char access_ifname[IF_NAMESIZE];
	uint32_t server_ifindex;
	char server_ifname[IF_NAMESIZE];
	char reason[128];
};

/* ---- encoding and decoding (no socket needed) ---------------------------- */

/* Config attributes present in cfg, except the reply-only names. */
void nlbs_put_config(struct nlmsghdr *nlh, const struct nlbs_config *cfg);
/* NLBS_A_SERVICE nest: VIP, PROTO, and PORT unless proto is 0. */
void nlbs_put_service(struct nlmsghdr *nlh, const struct nlbs_service *svc);
/* NLBS_A_SERVER nest: ADDR, and WEIGHT and MAC when present. */
void nlbs_put_server(struct nlmsghdr *nlh, const struct nlbs_server *srv);

/* Decoders zero the struct first; unknown attributes are ignored.
 * Return 0 or -EINVAL for a malformed attribute. */
int nlbs_parse_config(const struct nlmsghdr *nlh, struct nlbs_config *cfg);
int nlbs_parse_state(const struct nlmsghdr *nlh, struct nlbs_state_info *st);
int nlbs_parse_service(const struct nlmsghdr *nlh, struct nlbs_service *svc);
int nlbs_parse_server(const struct nlmsghdr *nlh, struct nlbs_service *svc,
		      struct nlbs_server *srv);
int nlbs_parse_stats(const struct nlmsghdr *nlh, struct nlbs_stats *stats);
/* One NLBS_A_FLOW nest of a NLBS_CMD_FLOW_GET dump message. */
int nlbs_parse_flow(const struct nlmsghdr *nlh, struct nlbs_flow *flow);
int nlbs_parse_device(const struct nlmsghdr *nlh,
		      struct nlbs_device_event *dev);
/* The genetlink command of a message of the family. */
uint8_t nlbs_msg_cmd(const struct nlmsghdr *nlh);

/* ---- names --------------------------------------------------------------- */

const char *nlbs_state_name(uint8_t state);	/* "active", NULL if unknown */
int nlbs_state_from_name(const char *name);	/* enum nlbs_state or -1 */
const char *nlbs_event_name(uint8_t event);	/* "add", "del", "set" */
/* Counter name, lowercase-dashed ("drop-no-server"), NULL if unknown. */
const char *nlbs_stats_name(unsigned int attr);

/* ---- typed requests (for nlbsd) -------------------------------------------- */

int nlbs_config_get(struct nlbs_nl *nl, struct nlbs_config *cfg);
int nlbs_config_set(struct nlbs_nl *nl, const struct nlbs_config *cfg);
int nlbs_state_get(struct nlbs_nl *nl, struct nlbs_state_info *st);
/* lease_ms NULL: no NLBS_A_LEASE_MS attribute; announce: NLBS_A_ANNOUNCE. */
int nlbs_state_set(struct nlbs_nl *nl, uint8_t state, const uint32_t *lease_ms,
		   bool announce);
int nlbs_server_set_weight(struct nlbs_nl *nl, const struct nlbs_service *svc,
			   uint32_t addr, uint32_t weight);
int nlbs_stats_get(struct nlbs_nl *nl, struct nlbs_stats *stats);
int nlbs_stats_reset(struct nlbs_nl *nl);

typedef int (*nlbs_service_cb)(const struct nlbs_service *svc, void *data);
typedef int (*nlbs_server_cb)(const struct nlbs_service *svc,
			      const struct nlbs_server *srv, void *data);
/* Dumps; the callback returns 0 to go on, non-zero to stop (returned).
 * -EINTR: interrupted by a concurrent change, see nlbs_nl_run(). */
int nlbs_service_dump(struct nlbs_nl *nl, nlbs_service_cb cb, void *data);
/* filter NULL: all services; else only that service's servers. */
int nlbs_server_dump(struct nlbs_nl *nl, const struct nlbs_service *filter,
		     nlbs_server_cb cb, void *data);
typedef int (*nlbs_flow_cb)(const struct nlbs_flow *flow, void *data);
/* The flow table, one flow a callback (a snapshot per hash bucket: flows
 * may come and go during the dump). */
int nlbs_flow_dump(struct nlbs_nl *nl, nlbs_flow_cb cb, void *data);

#endif /* NLBS_NL_H */
