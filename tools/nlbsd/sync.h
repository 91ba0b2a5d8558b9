/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: flow sync with the peer, the pure parts: the sync message
 * (encode/decode/authenticate; the replay window is hb.h's), the token
 * bucket of the rate limits, and the full-resync state machine of the node
 * that asks for one.
 *
 * Sync messages travel to the heartbeat port of the peer, with the
 * heartbeat key (key-file; next-key-file's is accepted too), at TTL 255,
 * and carry the sender's heartbeat epoch; their sequence
 * numbers are a counter of their own, checked against a replay window of
 * their own (hb_replay_check(), same epoch rules: a newer epoch is a
 * restart, an older one is stale). A message reordered within the window
 * is accepted: its flows are news all the same.
 *
 * Wire format, integers big-endian, SYNC_HDR_LEN + 24 x count + SYNC_MAC_LEN
 * bytes (IPv6 flows: 60 x count), at most SYNC_MAX_LEN (1392: one datagram
 * below a 1500-byte path MTU, with room for tunnels):
 *    0  u32  magic "NLBF" (0x4e4c4246); a heartbeat's is "NLBH"
 *    4  u8   version (1)
 *    5  u8   type (SYNC_T_*)
 *    6  u8   flags (SYNC_F_*)
 *    7  u8   count: flow records that follow (SYNC_T_FLOWS 1..55,
 *            SYNC_T_FLOWS6 1..22, else 0)
 *    8  u32  node id (the heartbeat's)
 *   12  u32  resync id: REQUEST: the requester's, non-zero; FLOWS with
 *            SYNC_F_RESYNC and END: the request answered; otherwise 0
 *   16  u64  epoch: the sender's heartbeat epoch
 *   24  u64  sequence number, +1 per sync message of the epoch
 *   32  u32  END: flows sent in the resync; otherwise 0
 *   36  u8   END: status (SYNC_END_*); otherwise 0
 *   37  [3]  zero
 *   40  count flow records of 24 bytes:
 *         0 [4] client address, 4 [4] VIP, 8 [4] server (network order)
 *        12 u16 client port, 14 u16 VIP port
 *        16 u8  protocol (IPPROTO_TCP or IPPROTO_UDP)
 *        17 u8  flags (NLBS_FLOW_F_FIN, NLBS_FLOW_F_SYN)
 *        18 [2] zero
 *        20 u32 ms since the flow's last packet
 *       SYNC_T_FLOWS6: count IPv6 flow records of 60 bytes instead:
 *         0 [16] client address, 16 [16] VIP, 32 [16] server
 *        48 u16 client port, 50 u16 VIP port
 *        52 u8  protocol, 53 u8 flags, 54 [2] zero (as above)
 *        56 u32 ms since the flow's last packet
 *   40 + 24 x count (60 x count)  [32] HMAC-SHA512-256 (libsodium
 *            crypto_auth) over all the bytes before it
 *
 * IPv6 flows came with a message type of their own, the version unchanged
 * (1) and the IPv4 record as it was: a peer that predates them decodes the
 * IPv4 messages as before and refuses SYNC_T_FLOWS6 (as of a bad length or
 * malformed, counted in its sync-refused "bad"), so a pair being upgraded keeps its IPv4 flow
 * sync and gains the IPv6 one once both ends run this version.
 *
 * Types:
 *   SYNC_T_FLOWS    flows the sender's kernel created or refreshed (live),
 *                   or, with SYNC_F_RESYNC, part of a resync stream
 *   SYNC_T_FLOWS6   the same, IPv6 flows (one family a message)
 *   SYNC_T_REQUEST  "send me your whole flow table" (a node that starts or
 *                   recovers, to its active peer)
 *   SYNC_T_END      the resync stream of a request is complete: total flows
 *                   sent, status (not active: nothing to send)
 */
#ifndef NLBSD_SYNC_H
#define NLBSD_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nlbs_nl.h"
#include "nlbsd.h"

#define SYNC_MAGIC	0x4e4c4246u
#define SYNC_VERSION	1
#define SYNC_HDR_LEN	40
#define SYNC_REC_LEN	24
#define SYNC_MAC_LEN	32
#define SYNC_REC6_LEN	60
#define SYNC_MAX_FLOWS	55
#define SYNC_MAX_FLOWS6	22
#define SYNC_MIN_LEN	(SYNC_HDR_LEN + SYNC_MAC_LEN)
#define SYNC_MAX_LEN	(SYNC_MIN_LEN + SYNC_MAX_FLOWS * SYNC_REC_LEN)

enum sync_type {
	SYNC_T_FLOWS = 1,
	SYNC_T_REQUEST = 2,
	SYNC_T_END = 3,
	SYNC_T_FLOWS6 = 4,
};

#define SYNC_F_RESYNC	0x01	/* FLOWS: part of the resync stream resync_id */

enum sync_end_status {
	SYNC_END_OK,		/* the whole table was sent */
	SYNC_END_NOT_ACTIVE,	/* the peer is not active: nothing to send */
	SYNC_END_FAILED,	/* the dump failed or was cut short */
};

struct sync_msg {
	uint8_t type;
	uint8_t flags;
	uint32_t node_id;
	uint32_t resync_id;
	uint64_t epoch;
	uint64_t seq;
	uint32_t total;		/* END */
	uint8_t status;		/* END */
	size_t count;		/* FLOWS: IPv4 flows; FLOWS6: IPv6 flows */
	struct nlbs_flow flows[SYNC_MAX_FLOWS];
};

enum sync_result {
	SYNC_OK,
	SYNC_ERR_LEN,		/* not a whole number of records, or too long */
	SYNC_ERR_MAGIC,		/* not a sync message at all */
	SYNC_ERR_AUTH,		/* HMAC mismatch: wrong key or forged */
	SYNC_ERR_VERSION,	/* authentic but unknown version */
	SYNC_ERR_FORMAT,	/* authentic but malformed: type, count, protocol */
};

const char *sync_result_str(enum sync_result r);

/* Is @buf a sync message (by its magic), as opposed to a heartbeat? */
bool sync_is_sync(const uint8_t *buf, size_t len);

/* Length of @m on the wire. */
size_t sync_len(const struct sync_msg *m);
/* Encode and sign @m into @out; returns its length (sync_len()). */
size_t sync_encode(const struct sync_msg *m, const uint8_t key[32],
		   uint8_t out[SYNC_MAX_LEN]);
/*
 * Decoded flows have SADDR..IDLE_MS and FLAGS present (SYNC_T_FLOWS6:
 * SADDR6, DADDR6 and SERVER6 instead of the IPv4 addresses). @next: a
 * second key accepted (next-key-file, a rotation), NULL: none.
 */
enum sync_result sync_decode(const uint8_t *buf, size_t len, const uint8_t key[32],
			     const uint8_t *next, struct sync_msg *m);

/* Is @f an IPv6 flow (SYNC_T_FLOWS6)? */
bool sync_flow_is6(const struct nlbs_flow *f);
/* The flows a message of @f's family holds: SYNC_MAX_FLOWS or SYNC_MAX_FLOWS6. */
size_t sync_max_flows(const struct nlbs_flow *f);

/*
 * Append @f to the batch @m, which holds flows of one family (the caller
 * keeps one batch per family); true when @m is full (sync_max_flows()) and
 * must be sent before the next one. Flags other than FIN and SYN are
 * dropped. The caller sets m->type (SYNC_T_FLOWS or SYNC_T_FLOWS6).
 */
bool sync_add(struct sync_msg *m, const struct nlbs_flow *f);

/* ---- token bucket: @rate flows per second, at most @burst saved up ---- */

struct bucket {
	uint64_t milli;		/* tokens x 1000 */
	uint64_t last_ms;
	uint32_t rate;
	uint32_t burst;
};

/* Full at @now. */
void bucket_init(struct bucket *b, uint32_t rate, uint32_t burst, uint64_t now);
/* Take up to @want tokens; returns how many were granted (0..want). */
uint32_t bucket_take(struct bucket *b, uint32_t want, uint64_t now);
/* ms until @n tokens are there (0: now); @n above the burst: as if burst. */
uint64_t bucket_wait_ms(struct bucket *b, uint32_t n, uint64_t now);

/* ---- the full resync of a node that starts or recovers ---- */

/*
 * What the node knows when it decides (nothing but the peer matters:
 * only an active, live peer that is not leaving has a table to send).
 */
struct resync_view {
	bool active;		/* we are active: nothing to ask for */
	bool peer_serving;	/* peer alive, active, not leaving */
};

struct resync {
	bool wanted;		/* a full table is due from the active peer */
	const char *why;	/* what made it due (start, recovery, ...) */
	uint32_t id;		/* of the request in flight, 0: none sent yet */
	uint64_t started_ms;	/* first request of this resync */
	uint64_t sent_ms;	/* last request sent */
	uint64_t progress_ms;	/* last flow or answer of this resync */
	uint32_t received;	/* flows of this resync received */
	uint32_t last_id;	/* id of the last resync that ended (late ends) */
};

enum resync_action {
	RS_NONE,
	RS_SEND,	/* send SYNC_T_REQUEST with rs->id (new or repeated) */
	RS_TIMEOUT,	/* the bounded wait is over: rs->wanted is now false */
	RS_MOOT,	/* we are active: rs->wanted is now false */
};

/* A request unanswered for this long is sent again. */
#define RESYNC_RETRY_MS	500

/* A resync is due (start, recovery, peer restart); @why must be static. */
void resync_want(struct resync *rs, const char *why);
/*
 * What to do at @now. @new_id is the id a new request gets (non-zero).
 * @timeout_ms: the bounded wait, from the first request.
 */
enum resync_action resync_step(struct resync *rs, const struct resync_view *v,
			       uint64_t now, uint32_t timeout_ms, uint32_t new_id);
/*
 * Must the election wait (no preempting the active peer)? Only while a
 * resync is due from a peer that serves: a dead, leaving or non-active peer
 * has nothing to send, so nobody waits for it.
 */
bool resync_blocks(const struct resync *rs, const struct resync_view *v);
/*
 * @n flows of resync @id arrived: true if it is the one in flight, or the
 * last one after its wait was over (counted in rs->received; for the one in
 * flight it is progress: no repeated request).
 */
bool resync_flows(struct resync *rs, uint32_t id, uint32_t n, uint64_t now);
/*
 * The end of resync @id arrived. Returns true when it ends the one in
 * flight (rs->wanted is then false, rs->received the flows of it);
 * SYNC_END_NOT_ACTIVE keeps it due (the peer was not active yet: ask again
 * after RESYNC_RETRY_MS).
 */
bool resync_end(struct resync *rs, uint32_t id, uint8_t status, uint64_t now);

#endif /* NLBSD_SYNC_H */
