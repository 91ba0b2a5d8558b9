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
 * family id and its "events" and "flows" multicast groups through nlctrl. Returns NULL on
 * failure with *err filled (err may be NULL); ENOENT means no such family,
 * i.e. the module is not loaded and could not be autoloaded.
 */
struct nlbs_nl *nlbs_nl_open(const char *netns, struct nlbs_nl_error *err);
void nlbs_nl_close(struct nlbs_nl *nl);

int nlbs_nl_fd(const struct nlbs_nl *nl);
/*
 * The handle's netlink port id. Events carry in nlmsg_pid the port id of
 * the request that caused them (0: the kernel's own changes), so a daemon
 * tells its own changes, made on this handle, from everybody else's.
 */
uint32_t nlbs_nl_portid(const struct nlbs_nl *nl);
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

/*
 * Pipelined requests, for batches of changes (nlbs-genl -b): requests that
 * need no reply but an ACK, up to NLBS_NL_PIPE_MAX of them, go to the kernel
 * in one datagram and their answers are read together; only the last asks
 * for an ACK, so a batch costs a system call or two per flush instead of
 * two per request. The kernel carries them out in order.
 *
 * Each carries NLBS_A_BATCH, its flush's name: once one of them fails,
 * the kernel refuses the rest of the flush (ECANCELED), which so changes
 * nothing after the failure, as if sent one request at a time. Only
 * service and server changes take it; nlbs_nl_can_pipe() says whether the
 * loaded module knows it (an older one refuses the attribute: send such
 * requests with nlbs_nl_run() instead).
 *
 * nlbs_nl_pipe_req() starts the next request in the handle's pipe buffer
 * (add attributes as to nlbs_nl_req()'s, at most a few KB); flush when
 * nlbs_nl_pipe_full(), and before any other request on the handle.
 * nlbs_nl_pipe_flush() sends them, reads every error up to the last one's
 * ACK and returns 0 or the first failure's -errno (nlbs_nl_error() has its
 * extack text), with *failed its index in the flush (0 = the first request
 * since the last flush; UINT32_MAX when none failed).
 */
#define NLBS_NL_PIPE_MAX	256
struct nlmsghdr *nlbs_nl_pipe_req(struct nlbs_nl *nl, uint8_t cmd,
				  uint16_t flags);
bool nlbs_nl_can_pipe(const struct nlbs_nl *nl);
/* The loaded module packs servers in dumps (it knows NLBS_A_PACK). */
bool nlbs_nl_can_pack(const struct nlbs_nl *nl);
bool nlbs_nl_pipe_full(const struct nlbs_nl *nl);
unsigned int nlbs_nl_pipe_len(const struct nlbs_nl *nl);
int nlbs_nl_pipe_flush(struct nlbs_nl *nl, unsigned int *failed);

#define NLBS_EVENTS_RCVBUF	(8 << 20)

/* Join the "events" multicast group, after raising the socket's receive
 * buffer to NLBS_EVENTS_RCVBUF (best effort). Returns 0 or -errno. Use a
 * handle of its own for events: requests on it would see them too. */
int nlbs_nl_join_events(struct nlbs_nl *nl);

#define NLBS_FLOWS_RCVBUF	(16 << 20)

/*
 * Join the "flows" multicast group (NLBS_CMD_FLOW_NTF batches, decoded with
 * nlbs_parse_flows()), after raising the socket's receive buffer to
 * NLBS_FLOWS_RCVBUF (best effort; never lowered). Returns 0 or -errno:
 * -ENOENT when the kernel's family has no such group (a module without flow
 * sync), -EPERM without CAP_NET_ADMIN. A handle of its own, as for events;
 * both groups may share one handle.
 */
int nlbs_nl_join_flows(struct nlbs_nl *nl);

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
	uint8_t nlbs_addr6[16];		/* the IPv6 one: NLBS_A_NLBS_ADDR6 */
	uint32_t garp_count;
	uint32_t garp_interval;		/* ms */
	uint32_t hash_seed;
	uint32_t flow_max;		/* flow table capacity, 0: no table */
	uint32_t flow_timeout_tcp;	/* s, established TCP flow idle */
	uint32_t flow_timeout_tcp_fin;	/* s, after a FIN or RST */
	uint32_t flow_timeout_udp;	/* s, UDP flow idle */
	uint32_t flow_timeout_syn;	/* s, TCP flow that saw only its SYN */
};

struct nlbs_state_info {		/* present: NLBS_BIT(NLBS_A_*) */
	uint32_t present;
	uint8_t state;			/* enum nlbs_state */
	uint32_t lease_ms;
	char reason[128];
};

/*
 * IPv6: an object whose present mask has the bit of its IPv6 address
 * attribute (NLBS_SVC_A_VIP6, NLBS_SRV_A_ADDR6, NLBS_FLOW_A_SADDR6) is an
 * IPv6 one, its addresses in the *6 arrays; it is encoded with the IPv6
 * attributes, else with the IPv4 ones as before.
 */
struct nlbs_service {			/* present: NLBS_BIT(NLBS_SVC_A_*) */
	uint32_t present;
	uint32_t vip;			/* network byte order */
	uint8_t vip6[16];		/* with NLBS_BIT(NLBS_SVC_A_VIP6) */
	uint8_t proto;			/* IPPROTO_TCP, IPPROTO_UDP, 0: whole VIP */
	uint16_t port;
	uint32_t servers;
	uint32_t table_size;		/* Maglev table size, a prime */
	uint8_t event;			/* enum nlbs_event */
	uint8_t nodest;			/* enum nlbs_nodest */
};

struct nlbs_server {			/* present: NLBS_BIT(NLBS_SRV_A_*) */
	uint32_t present;
	uint32_t addr;			/* network byte order */
	uint8_t addr6[16];		/* with NLBS_BIT(NLBS_SRV_A_ADDR6) */
	uint32_t weight;
	uint8_t mac[6];
	uint64_t packets;
	uint64_t bytes;
	uint8_t event;			/* enum nlbs_event */
	uint32_t active_flows;		/* flows in the table going to it */
	uint64_t new_flows;		/* new flows Maglev sent to it */
};

struct nlbs_flow {			/* present: NLBS_BIT(NLBS_FLOW_A_*) */
	uint32_t present;
	uint32_t saddr;			/* network byte order: the client */
	uint32_t daddr;			/* network byte order: the VIP */
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t sport;			/* host byte order */
	uint16_t dport;			/* host byte order */
	uint32_t server;		/* network byte order */
	/* With NLBS_BIT(NLBS_FLOW_A_SADDR6): an IPv6 flow, all three here. */
	uint8_t saddr6[16];
	uint8_t daddr6[16];
	uint8_t server6[16];
	uint32_t idle_ms;		/* since the flow's last packet */
	uint32_t flags;			/* NLBS_FLOW_F_* */
};

/*
 * Which flows a dump or a flush is about. has_vip: only the flows of VIP vip
 * and, when proto is not 0, of that protocol (and port, when not 0);
 * has_server: only the flows going to server (both network byte order).
 * Nothing set: all flows.
 */
struct nlbs_flow_filter {
	bool has_vip;
	uint32_t vip;
	bool vip_is6;			/* the VIP is vip6 */
	uint8_t vip6[16];
	uint8_t proto;			/* IPPROTO_TCP, IPPROTO_UDP, 0: any */
	uint16_t port;			/* with proto; 0: any port */
	bool has_server;
	uint32_t server;
	bool server_is6;		/* the server is server6 */
	uint8_t server6[16];
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

/* Config attributes present in cfg (flow settings included), except the
 * reply-only names. */
void nlbs_put_config(struct nlmsghdr *nlh, const struct nlbs_config *cfg);
/*
 * NLBS_A_SERVICE nest: VIP, PROTO, and PORT unless proto is 0; TABLE_SIZE
 * and NODEST when present. A service decoded from a reply has TABLE_SIZE
 * present: clear that bit (and NODEST's) before using it as a mere key.
 */
void nlbs_put_service(struct nlmsghdr *nlh, const struct nlbs_service *svc);
/* NLBS_A_SERVER nest: ADDR, and WEIGHT and MAC when present. */
void nlbs_put_server(struct nlmsghdr *nlh, const struct nlbs_server *srv);
/*
 * One NLBS_A_FLOW nest, as NLBS_CMD_FLOW_ADD wants it: SADDR, DADDR, PROTO,
 * SPORT, DPORT and SERVER always; IDLE_MS and FLAGS when present, FLAGS
 * without NLBS_FLOW_F_IMPORTED (reply only). At most NLBS_FLOW_NEST_SIZE
 * bytes: the caller checks there is room (nlbs_flow_import() does).
 */
void nlbs_put_flow(struct nlmsghdr *nlh, const struct nlbs_flow *flow);
#define NLBS_FLOW_NEST_SIZE	(MNL_ATTR_HDRLEN + 5 * MNL_ALIGN(MNL_ATTR_HDRLEN + 4) + \
				 3 * MNL_ALIGN(MNL_ATTR_HDRLEN + 16))
/* The filter of a flow dump or flush: NLBS_A_SERVICE with VIP [+ PROTO
 * [+ PORT]] and NLBS_A_SERVER with ADDR, each only when asked for; f may be
 * NULL (no filter). */
void nlbs_put_flow_filter(struct nlmsghdr *nlh,
			  const struct nlbs_flow_filter *f);

/* Decoders zero the struct first; unknown attributes are ignored.
 * Return 0 or -EINVAL for a malformed attribute. */
int nlbs_parse_config(const struct nlmsghdr *nlh, struct nlbs_config *cfg);
int nlbs_parse_state(const struct nlmsghdr *nlh, struct nlbs_state_info *st);
int nlbs_parse_service(const struct nlmsghdr *nlh, struct nlbs_service *svc);
int nlbs_parse_server(const struct nlmsghdr *nlh, struct nlbs_service *svc,
		      struct nlbs_server *srv);
typedef int (*nlbs_server_cb)(const struct nlbs_service *svc,
			      const struct nlbs_server *srv, void *data);
/*
 * A SERVER_GET message of a dump, packed or not: cb gets its service with
 * each of its servers in turn. Returns what cb returned if not 0 (the rest
 * are not decoded), -EINVAL if the message is malformed or a server comes
 * before the service.
 */
int nlbs_parse_servers(const struct nlmsghdr *nlh, nlbs_server_cb cb,
		       void *data);
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
const char *nlbs_nodest_name(uint8_t nodest);	/* "move", "drop", NULL */
int nlbs_nodest_from_name(const char *name);	/* enum nlbs_nodest or -1 */
/* Name of one NLBS_FLOW_F_* bit ("fin", "syn", "imported"), NULL if unknown. */
const char *nlbs_flow_flag_name(uint32_t flag);

/*
 * Every NLBS_A_FLOW nest of a message, in order: a NLBS_CMD_FLOW_NTF batch
 * (or a FLOW_ADD request) carries many. The whole message is checked first:
 * a malformed one is -EINVAL and cb sees none of it. cb returns 0 to go on,
 * non-zero to stop, and that value is returned; else 0.
 */
typedef int (*nlbs_flow_cb)(const struct nlbs_flow *flow, void *data);
int nlbs_parse_flows(const struct nlmsghdr *nlh, nlbs_flow_cb cb, void *data);

/* ---- typed requests (for nlbsd) -------------------------------------------- */

int nlbs_config_get(struct nlbs_nl *nl, struct nlbs_config *cfg);
int nlbs_config_set(struct nlbs_nl *nl, const struct nlbs_config *cfg);
int nlbs_state_get(struct nlbs_nl *nl, struct nlbs_state_info *st);
/* lease_ms NULL: no NLBS_A_LEASE_MS attribute; announce: NLBS_A_ANNOUNCE. */
int nlbs_state_set(struct nlbs_nl *nl, uint8_t state, const uint32_t *lease_ms,
		   bool announce);
/* SERVICE_ADD of svc: its key, and TABLE_SIZE and NODEST when present
 * (else the kernel's defaults: module parameter table_size, "move"). */
int nlbs_service_add(struct nlbs_nl *nl, const struct nlbs_service *svc);
/* SERVICE_SET: the key of svc and NODEST (required; the table size of a
 * service cannot change, TABLE_SIZE is not sent). */
int nlbs_service_set(struct nlbs_nl *nl, const struct nlbs_service *svc);
/* svc: only its key (VIP, PROTO, PORT) is sent, as in the dumps' filter. */
int nlbs_server_set_weight(struct nlbs_nl *nl, const struct nlbs_service *svc,
			   uint32_t addr, uint32_t weight);
int nlbs_stats_get(struct nlbs_nl *nl, struct nlbs_stats *stats);
int nlbs_stats_reset(struct nlbs_nl *nl);

typedef int (*nlbs_service_cb)(const struct nlbs_service *svc, void *data);
/* Dumps; the callback returns 0 to go on, non-zero to stop (returned).
 * -EINTR: interrupted by a concurrent change, see nlbs_nl_run(). */
int nlbs_service_dump(struct nlbs_nl *nl, nlbs_service_cb cb, void *data);
/* filter NULL: all services; else only that service's servers. Asks for
 * several servers a message (NLBS_A_PACK) when the module knows it. */
int nlbs_server_dump(struct nlbs_nl *nl, const struct nlbs_service *filter,
		     nlbs_server_cb cb, void *data);
/* The flow table, one flow a callback (a snapshot per hash bucket: flows
 * may come and go during the dump). */
int nlbs_flow_dump(struct nlbs_nl *nl, nlbs_flow_cb cb, void *data);
/* The same, only the flows matching f (NULL: all, as nlbs_flow_dump()). */
int nlbs_flow_dump_filter(struct nlbs_nl *nl, const struct nlbs_flow_filter *f,
			  nlbs_flow_cb cb, void *data);
/* NLBS_CMD_FLOW_DEL: forget the flows matching f (NULL or nothing set: every
 * flow of the namespace). Established connections then go wherever Maglev
 * sends their next packet. */
int nlbs_flow_flush(struct nlbs_nl *nl, const struct nlbs_flow_filter *f);
/*
 * NLBS_CMD_FLOW_ADD (CAP_NET_ADMIN): import flows[0..n) learnt by the peer,
 * as many NLBS_A_FLOW nests a request as fit NLBS_NL_BUFSIZE, in as many
 * requests as it takes. Every request is sent even when one fails (the
 * kernel refuses a request only when it is malformed or refuses every flow
 * in it; single refusals are counted in sync-refused). Returns 0, or the
 * -errno of the last request that failed, whose nlbs_nl_error() (extack
 * text) is kept. n == 0 sends nothing.
 */
int nlbs_flow_import(struct nlbs_nl *nl, const struct nlbs_flow *flows,
		     size_t n);

#endif /* NLBS_NL_H */
