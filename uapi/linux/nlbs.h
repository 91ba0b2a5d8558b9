/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * nlbs: network load balancer pair, generic netlink ABI.
 *
 * One instance per network namespace. Every request acts on the instance of
 * the namespace of the requesting socket. All integers are host byte order
 * unless the name ends in _BE (IPv4 addresses, as struct in_addr.s_addr).
 * IPv6 addresses are binary[16] attributes whose name ends in 6 (struct
 * in6_addr, network byte order). Wherever an address is taken, either the
 * IPv4 attribute or its IPv6 twin is given, never both; the family of a
 * service's VIP is the family of its servers and of its flows.
 *
 * NLBS_CMD_CONFIG_SET  (admin)  any subset of the config attributes
 * NLBS_CMD_CONFIG_GET           reply: the same command with all of them
 *   NLBS_A_ACCESS_IFINDEX   u32   device the VIP traffic and ARP arrive on (>= 1)
 *   NLBS_A_ACCESS_IFNAME    str   (reply only)
 *   NLBS_A_SERVER_IFINDEX   u32   device the servers are reached on (>= 1)
 *   NLBS_A_SERVER_IFNAME    str   (reply only)
 *   NLBS_A_NLBS_ADDR_BE     be32  the NLBS address, answered in ARP when active
 *   NLBS_A_NLBS_ADDR6       binary[16] the IPv6 NLBS address, answered in
 *                                 neighbour discovery when active (either
 *                                 address or both; active needs one); the
 *                                 gratuitous ARP count and interval also
 *                                 apply to its unsolicited advertisements
 *   NLBS_A_GARP_COUNT       u32   gratuitous ARPs sent on becoming active, 0..100
 *   NLBS_A_GARP_INTERVAL    u32   ms between them, 10..60000
 *   NLBS_A_HASH_SEED        u32   flow hash seed; equal on both NLBs of a pair
 *   NLBS_A_FLOW_MAX         u32   flow table capacity, 0..16777216 (0: no flow
 *                                 table); default: module parameter flow_max
 *   NLBS_A_FLOW_TIMEOUT_TCP u32   s an established TCP flow is kept idle,
 *                                 1..604800; default: module parameter
 *                                 flow_timeout
 *   NLBS_A_FLOW_TIMEOUT_TCP_FIN u32 s after a FIN or RST from the client,
 *                                 1..604800 (default 10)
 *   NLBS_A_FLOW_TIMEOUT_UDP u32   s a UDP flow is kept idle, 1..604800;
 *                                 default: module parameter flow_timeout
 *   NLBS_A_FLOW_TIMEOUT_SYN u32   s a TCP flow that has seen only its SYN is
 *                                 kept, 1..604800 (default 10)
 *   In a CONFIG_GET reply the flow attributes give the values in force.
 *
 * NLBS_CMD_STATE_SET   (admin)
 *   NLBS_A_STATE            u8    enum nlbs_state (required)
 *   NLBS_A_LEASE_MS         u32   with ACTIVE: leave ACTIVE for STANDBY unless
 *                                 renewed within this many ms (0: no lease,
 *                                 at most 3600000)
 *   NLBS_A_ANNOUNCE         flag  with ACTIVE while already active: send the
 *                                 gratuitous ARP announcements again
 * NLBS_CMD_STATE_GET            reply and NLBS_CMD_STATE_NTF event:
 *   NLBS_A_STATE, NLBS_A_LEASE_MS (remaining), NLBS_A_REASON (str, event only)
 *
 * NLBS_CMD_SERVICE_ADD (admin), NLBS_CMD_SERVICE_DEL (admin)
 * NLBS_CMD_SERVICE_GET          dump; also NLBS_CMD_SERVICE_NTF event
 *   NLBS_A_SERVICE          nest
 *     NLBS_SVC_A_VIP_BE      be32  the public cluster address (required,
 *                                  or NLBS_SVC_A_VIP6)
 *     NLBS_SVC_A_VIP6        binary[16] an IPv6 VIP
 *     NLBS_SVC_A_PROTO       u8    IPPROTO_TCP, IPPROTO_UDP or 0: whole VIP
 *     NLBS_SVC_A_PORT        u16   1..65535 with TCP/UDP, absent with 0
 *     NLBS_SVC_A_SERVERS     u32   (reply) number of servers
 *     NLBS_SVC_A_TABLE_SIZE  u32   Maglev table size: a prime within
 *                                  NLBS_TABLE_SIZE_MIN..NLBS_TABLE_SIZE_MAX,
 *                                  given on SERVICE_ADD only (default:
 *                                  module parameter table_size, 65537) and
 *                                  fixed for the life of the service
 *     NLBS_SVC_A_EVENT       u8    (event) enum nlbs_event
 *     NLBS_SVC_A_NODEST      u8    enum nlbs_nodest: what becomes of the flows
 *                                  of a removed server, decided when it is
 *                                  removed (ADD and SET; default
 *                                  NLBS_NODEST_MOVE)
 *   NLBS_A_BATCH            u32   (ADD, DEL) as with the server changes below
 *
 * NLBS_CMD_SERVICE_SET (admin)  NLBS_A_SERVICE (VIP, PROTO, PORT, NODEST),
 *                               NLBS_A_BATCH; the table size cannot change
 *
 * NLBS_CMD_SERVER_ADD  (admin)  NLBS_A_SERVICE (VIP, PROTO, PORT) + NLBS_A_SERVER
 * NLBS_CMD_SERVER_SET  (admin)  same, NLBS_SRV_A_WEIGHT required
 * NLBS_CMD_SERVER_DEL  (admin)  same
 *   NLBS_A_DEFER            flag  part of a batch: the service's table is
 *                                 rebuilt by NLBS_CMD_COMMIT (or at most
 *                                 a second later), not within this request
 *   NLBS_A_BATCH            u32   (also SERVICE_ADD, _SET, _DEL) part of a
 *                                 group of requests sent together (one
 *                                 datagram): the group's name, the sender's
 *                                 sequence number of its first request.
 *                                 Once one request of a group fails, the
 *                                 rest of the group is refused (ECANCELED)
 *                                 and changes nothing, as if the group had
 *                                 been sent one request at a time
 * NLBS_CMD_COMMIT      (admin)  rebuild every table changed by deferred
 *                               requests; returns when all are in use
 * NLBS_CMD_SERVER_GET           dump, one server a message; the request may
 *                               carry NLBS_A_SERVICE to dump one service
 *                               only; also NLBS_CMD_SERVER_NTF event
 *   NLBS_A_PACK             flag  (dump request) several servers of one
 *                                 service a message: each message carries
 *                                 NLBS_A_SERVICE and then one or more
 *                                 NLBS_A_SERVER nests
 *   NLBS_A_SERVICE          nest  as above
 *   NLBS_A_SERVER           nest
 *     NLBS_SRV_A_ADDR_BE     be32  the server's private address (required,
 *                                  or NLBS_SRV_A_ADDR6, the VIP's family)
 *     NLBS_SRV_A_ADDR6       binary[16] an IPv6 server address
 *     NLBS_SRV_A_WEIGHT      u32   0..65535, default 1; 0 = drain (no new flows)
 *     NLBS_SRV_A_MAC         binary[6] static MAC (optional, add only)
 *     NLBS_SRV_A_PACKETS     u64   (reply) packets forwarded to it
 *     NLBS_SRV_A_BYTES       u64   (reply) bytes forwarded to it
 *     NLBS_SRV_A_EVENT       u8    (event) enum nlbs_event
 *     NLBS_SRV_A_ACTIVE_FLOWS u32  (reply) flows in the flow table going to it
 *     NLBS_SRV_A_NEW_FLOWS   u64   (reply) new flows sent to it (Maglev's
 *                                  choice for a flow the table did not know)
 *
 * NLBS_CMD_STATS_GET            NLBS_A_STATS nest of NLBS_STATS_A_* u64
 * NLBS_CMD_STATS_RESET (admin)  instance and per-server counters to zero
 *
 * NLBS_CMD_FLOW_GET (admin)     dump of the flow table, one flow a message;
 *                               the request may carry a filter:
 * NLBS_CMD_FLOW_DEL (admin)     forget the flows matching the filter (all
 *                               flows without one)
 *   filter: NLBS_A_SERVICE with VIP and optionally PROTO and PORT (only the
 *   flows of that VIP, or of that VIP, protocol and port), NLBS_A_SERVER with
 *   ADDR (only the flows going to that server)
 *   NLBS_A_FLOW             nest
 *     NLBS_FLOW_A_SADDR_BE   be32  client address
 *     NLBS_FLOW_A_DADDR_BE   be32  VIP
 *     NLBS_FLOW_A_PROTO      u8    IPPROTO_TCP or IPPROTO_UDP
 *     NLBS_FLOW_A_SPORT      u16   client port
 *     NLBS_FLOW_A_DPORT      u16   VIP port
 *     NLBS_FLOW_A_SERVER_BE  be32  the server the flow goes to
 *     NLBS_FLOW_A_SADDR6, NLBS_FLOW_A_DADDR6, NLBS_FLOW_A_SERVER6
 *                            binary[16] the same three of an IPv6 flow, in
 *                                  place of the _BE ones
 *     NLBS_FLOW_A_IDLE_MS    u32   ms since its last packet
 *     NLBS_FLOW_A_FLAGS      u32   NLBS_FLOW_F_*
 *
 * NLBS_CMD_FLOW_ADD (CAP_NET_ADMIN)  import flows learnt by the peer NLB:
 *   one or more NLBS_A_FLOW nests (all attributes above but IDLE_MS optional,
 *   FLAGS optional and without NLBS_FLOW_F_IMPORTED). A flow whose VIP,
 *   protocol and port match no service, or whose server is not a server of
 *   that service, is refused and counted (sync-refused); a flow already known
 *   is refreshed (its server and idle time are taken from the request). The
 *   request fails only when it is malformed or every flow in it was refused.
 *
 * NLBS_CMD_FLOW_NTF             "flows" group (CAP_NET_ADMIN): batches of
 *   NLBS_A_FLOW nests, flows created or refreshed since the last batch, sent
 *   only while the group has listeners; a flow is sent when created and again
 *   while it sees traffic, at most once per quarter of its idle timeout
 *
 * Events (NLBS_CMD_*_NTF on "events") carry in nlmsg_pid the netlink port id
 * of the request that caused them, 0 when the kernel itself did (lease
 * expiry, device events), as rtnetlink does.
 *
 * NLBS_CMD_DEVICE_NTF           event: a configured device went down or away
 *   NLBS_A_ACCESS_IFINDEX + NLBS_A_ACCESS_IFNAME, or NLBS_A_SERVER_IFINDEX +
 *   NLBS_A_SERVER_IFNAME, and NLBS_A_REASON
 */
#ifndef _UAPI_LINUX_NLBS_H
#define _UAPI_LINUX_NLBS_H

#define NLBS_GENL_NAME		"nlbs"
#define NLBS_GENL_VERSION	1
#define NLBS_MCGRP_EVENTS	"events"
#define NLBS_MCGRP_FLOWS	"flows"

#define NLBS_TABLE_SIZE_MIN	251
#define NLBS_TABLE_SIZE_DEFAULT	65537
#define NLBS_TABLE_SIZE_MAX	4194301	/* primes only, within these */

enum nlbs_state {
	NLBS_STATE_INIT,
	NLBS_STATE_ACTIVE,
	NLBS_STATE_STANDBY,
	NLBS_STATE_INOP,

	__NLBS_STATE_MAX,
	NLBS_STATE_MAX = __NLBS_STATE_MAX - 1
};

enum nlbs_event {
	NLBS_EVENT_ADD = 1,
	NLBS_EVENT_DEL,
	NLBS_EVENT_SET,

	__NLBS_EVENT_MAX,
	NLBS_EVENT_MAX = __NLBS_EVENT_MAX - 1
};

/* What happens to the flows of a server that is removed from its service. */
enum nlbs_nodest {
	NLBS_NODEST_MOVE,	/* they move to another server on their next packet */
	NLBS_NODEST_DROP,	/* their packets are dropped until they go idle */

	__NLBS_NODEST_MAX,
	NLBS_NODEST_MAX = __NLBS_NODEST_MAX - 1
};

/* NLBS_FLOW_A_FLAGS */
#define NLBS_FLOW_F_FIN		0x1	/* FIN or RST seen from the client */
#define NLBS_FLOW_F_SYN		0x2	/* TCP, only its SYN seen so far */
#define NLBS_FLOW_F_IMPORTED	0x4	/* learnt from the peer (reply only) */
#define NLBS_FLOW_F_ALL		(NLBS_FLOW_F_FIN | NLBS_FLOW_F_SYN | \
				 NLBS_FLOW_F_IMPORTED)

enum nlbs_cmd {
	NLBS_CMD_UNSPEC,
	NLBS_CMD_CONFIG_SET,
	NLBS_CMD_CONFIG_GET,
	NLBS_CMD_STATE_SET,
	NLBS_CMD_STATE_GET,
	NLBS_CMD_SERVICE_ADD,
	NLBS_CMD_SERVICE_DEL,
	NLBS_CMD_SERVICE_GET,
	NLBS_CMD_SERVER_ADD,
	NLBS_CMD_SERVER_SET,
	NLBS_CMD_SERVER_DEL,
	NLBS_CMD_SERVER_GET,
	NLBS_CMD_STATS_GET,
	NLBS_CMD_STATS_RESET,
	NLBS_CMD_STATE_NTF,
	NLBS_CMD_SERVICE_NTF,
	NLBS_CMD_SERVER_NTF,
	NLBS_CMD_DEVICE_NTF,
	NLBS_CMD_FLOW_GET,
	NLBS_CMD_FLOW_ADD,
	NLBS_CMD_FLOW_DEL,
	NLBS_CMD_FLOW_NTF,
	NLBS_CMD_SERVICE_SET,
	NLBS_CMD_COMMIT,

	__NLBS_CMD_MAX,
	NLBS_CMD_MAX = __NLBS_CMD_MAX - 1
};

enum nlbs_attr {
	NLBS_A_UNSPEC,
	NLBS_A_ACCESS_IFINDEX,
	NLBS_A_ACCESS_IFNAME,
	NLBS_A_SERVER_IFINDEX,
	NLBS_A_SERVER_IFNAME,
	NLBS_A_NLBS_ADDR_BE,
	NLBS_A_GARP_COUNT,
	NLBS_A_GARP_INTERVAL,
	NLBS_A_HASH_SEED,
	NLBS_A_STATE,
	NLBS_A_LEASE_MS,
	NLBS_A_REASON,
	NLBS_A_SERVICE,
	NLBS_A_SERVER,
	NLBS_A_STATS,
	NLBS_A_PAD,
	NLBS_A_ANNOUNCE,
	NLBS_A_FLOW,
	NLBS_A_FLOW_MAX,
	NLBS_A_FLOW_TIMEOUT_TCP,
	NLBS_A_FLOW_TIMEOUT_TCP_FIN,
	NLBS_A_FLOW_TIMEOUT_UDP,
	NLBS_A_FLOW_TIMEOUT_SYN,
	NLBS_A_DEFER,
	NLBS_A_NLBS_ADDR6,
	NLBS_A_BATCH,
	NLBS_A_PACK,

	__NLBS_A_MAX,
	NLBS_A_MAX = __NLBS_A_MAX - 1
};

enum nlbs_service_attr {
	NLBS_SVC_A_UNSPEC,
	NLBS_SVC_A_VIP_BE,
	NLBS_SVC_A_PROTO,
	NLBS_SVC_A_PORT,
	NLBS_SVC_A_SERVERS,
	NLBS_SVC_A_TABLE_SIZE,
	NLBS_SVC_A_EVENT,
	NLBS_SVC_A_NODEST,
	NLBS_SVC_A_VIP6,

	__NLBS_SVC_A_MAX,
	NLBS_SVC_A_MAX = __NLBS_SVC_A_MAX - 1
};

enum nlbs_server_attr {
	NLBS_SRV_A_UNSPEC,
	NLBS_SRV_A_ADDR_BE,
	NLBS_SRV_A_WEIGHT,
	NLBS_SRV_A_MAC,
	NLBS_SRV_A_PACKETS,
	NLBS_SRV_A_BYTES,
	NLBS_SRV_A_EVENT,
	NLBS_SRV_A_PAD,
	NLBS_SRV_A_ACTIVE_FLOWS,
	NLBS_SRV_A_NEW_FLOWS,
	NLBS_SRV_A_ADDR6,

	__NLBS_SRV_A_MAX,
	NLBS_SRV_A_MAX = __NLBS_SRV_A_MAX - 1
};

enum nlbs_flow_attr {
	NLBS_FLOW_A_UNSPEC,
	NLBS_FLOW_A_SADDR_BE,
	NLBS_FLOW_A_DADDR_BE,
	NLBS_FLOW_A_PROTO,
	NLBS_FLOW_A_SPORT,
	NLBS_FLOW_A_DPORT,
	NLBS_FLOW_A_SERVER_BE,
	NLBS_FLOW_A_IDLE_MS,
	NLBS_FLOW_A_FLAGS,
	NLBS_FLOW_A_SADDR6,
	NLBS_FLOW_A_DADDR6,
	NLBS_FLOW_A_SERVER6,

	__NLBS_FLOW_A_MAX,
	NLBS_FLOW_A_MAX = __NLBS_FLOW_A_MAX - 1
};

/* Instance counters, all u64, in NLBS_A_STATS. */
enum nlbs_stats_attr {
	NLBS_STATS_A_UNSPEC,
	NLBS_STATS_A_RX,		/* IPv4 and IPv6 datagrams for a VIP */
	NLBS_STATS_A_FORWARDED,		/* VIP datagrams sent to a server */
	NLBS_STATS_A_ARP_REQUESTS,	/* ARP requests for the NLBS address */
	NLBS_STATS_A_ARP_REPLIES,	/* ... answered (only while active) */
	NLBS_STATS_A_GARP_SENT,		/* gratuitous ARPs sent */
	NLBS_STATS_A_DROP_INACTIVE,	/* VIP datagrams while not active */
	NLBS_STATS_A_DROP_NO_SERVER,	/* no service or no eligible server */
	NLBS_STATS_A_NEIGH_MISS,	/* server MAC unresolved: queued */
	NLBS_STATS_A_DROP_NEIGH,	/* neighbour layer refused the packet */
	NLBS_STATS_A_DROP_MALFORMED,	/* bad ARP, IPv4, IPv6 or NDP header */
	NLBS_STATS_A_DROP_XMIT,		/* out of memory or transmit failed */
	NLBS_STATS_A_ARP_CONFLICTS,	/* NLBS address announced by another MAC */
	NLBS_STATS_A_PAD,
	NLBS_STATS_A_FLOWS,		/* gauge: entries in the flow table */
	NLBS_STATS_A_FLOW_NEW,		/* flows entered in the table */
	NLBS_STATS_A_FLOW_SKIP_FULL,	/* not entered: table at flow-max */
	NLBS_STATS_A_FLOW_SKIP_NOMEM,	/* not entered: allocation failed */
	NLBS_STATS_A_FLOW_SKIP_FLOOD,	/* bare SYN not entered: flood mode */
	NLBS_STATS_A_DROP_NODEST,	/* flow's server removed, nodest drop */
	NLBS_STATS_A_DROP_TOOBIG,	/* longer than the server device's MTU */
	NLBS_STATS_A_ICMP_FORWARDED,	/* ICMP(v6) errors steered to a flow's server */
	NLBS_STATS_A_SYNC_SENT,		/* flows sent to "flows" listeners */
	NLBS_STATS_A_SYNC_DROPPED,	/* not delivered: no memory, listener full */
	NLBS_STATS_A_SYNC_IMPORTED,	/* flows imported with NLBS_CMD_FLOW_ADD */
	NLBS_STATS_A_SYNC_REFUSED,	/* ... refused: no such service/server, full */
	NLBS_STATS_A_NDP_SOLICITS,	/* neighbour solicitations for NLBS addr6 */
	NLBS_STATS_A_NDP_ADVERTS,	/* ... answered (only while active) */
	NLBS_STATS_A_NDP_UNSOLICITED,	/* unsolicited advertisements sent */
	NLBS_STATS_A_NDP_CONFLICTS,	/* NLBS addr6 claimed by another MAC */

	__NLBS_STATS_A_MAX,
	NLBS_STATS_A_MAX = __NLBS_STATS_A_MAX - 1
};

#endif /* _UAPI_LINUX_NLBS_H */
