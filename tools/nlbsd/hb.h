/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: the heartbeat message (pure encode/decode/authenticate/replay check).
 *
 * Wire format, version 2, 112 bytes, integers big-endian:
 *    0  u32  magic "NLBH" (0x4e4c4248)
 *    4  u8   version (2)
 *    5  u8   state (enum nlbsd_state)
 *    6  u8   priority (0: yielding, standby set by hand)
 *    7  u8   flags (HB_F_*)
 *    8  u32  node id
 *   12  u32  advert interval, ms
 *   16  u64  epoch: sender's CLOCK_REALTIME in microseconds at start
 *   24  u64  sequence number, +1 per message, never repeats within an epoch
 *   32  u64  sender's CLOCK_REALTIME in ms when sent (informational)
 *   40  u64  echo epoch: the receiver's epoch as the sender last heard it
 *            (0: never heard)
 *   48  u64  echo sequence: the last sequence number heard from the receiver
 *   56  u32  echo age: ms since the sender heard that one (saturating)
 *   60  [16] configuration fingerprint (HB_FP_*: four 32-bit digests)
 *   76  [4]  zero
 *   80  [32] HMAC-SHA512-256 (libsodium crypto_auth) over bytes 0..79, with
 *            the key of key-file (a receiver also tries next-key-file's)
 *
 * Version 1 (72 bytes: the first 40 above, then the tag) is refused:
 * HB_ERR_V1 when authentic, so the log can say what the peer runs.
 */
#ifndef NLBSD_HB_H
#define NLBSD_HB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nlbsd.h"

#define HB_MAGIC	0x4e4c4248u
#define HB_VERSION	2
#define HB_BODY_LEN	80
#define HB_MAC_LEN	32
#define HB_LEN		(HB_BODY_LEN + HB_MAC_LEN)
#define HB_V1_BODY_LEN	40
#define HB_V1_LEN	(HB_V1_BODY_LEN + HB_MAC_LEN)

/* The fingerprint: what both nodes must agree on for connections to survive. */
enum {
	HB_FP_SEED,		/* hash seed */
	HB_FP_SERVICES,		/* services, table sizes, nodest, servers, weights, MACs */
	HB_FP_TIMERS,		/* advert interval, dead-after, lease */
	HB_FP_RESERVED,
	HB_FP_PARTS,
};
#define HB_FP_LEN	(4 * HB_FP_PARTS)

#define HB_F_LEAVING	0x01	/* sender is shutting down: take over now */

struct hb_msg {
	uint8_t state;
	uint8_t priority;
	uint8_t flags;
	uint32_t node_id;
	uint32_t interval_ms;
	uint64_t epoch;
	uint64_t seq;
	uint64_t timestamp_ms;
	uint64_t echo_epoch;
	uint64_t echo_seq;
	uint32_t echo_age_ms;
	uint32_t fp[HB_FP_PARTS];
};

enum hb_result {
	HB_OK,
	HB_ERR_LEN,		/* not HB_LEN bytes */
	HB_ERR_MAGIC,		/* not a heartbeat at all */
	HB_ERR_AUTH,		/* HMAC mismatch: wrong key or forged */
	HB_ERR_VERSION,		/* authentic but unknown version */
	HB_ERR_V1,		/* an authentic heartbeat of version 1: refused */
	HB_ERR_REPLAY,		/* seq seen before, or too old for the window */
	HB_ERR_STALE_EPOCH,	/* epoch older than the current one */
	HB_ERR_REORDERED,	/* authentic, new, but older than the newest seen */
	HB_ERR_ECHO,		/* authentic, new, but echoes our previous start (replay) */
};

const char *hb_result_str(enum hb_result r);

void hb_encode(const struct hb_msg *m, const uint8_t key[32], uint8_t out[HB_LEN]);
/*
 * @next: a second key accepted (next-key-file), NULL: none; *@by_next
 * (may be NULL) says which one verified.
 */
enum hb_result hb_decode(const uint8_t *buf, size_t len, const uint8_t key[32],
			 const uint8_t *next, struct hb_msg *m, bool *by_next);

/*
 * Is @m, from the peer, plausibly sent in our present life? It echoes our
 * epoch @epoch, or it never heard us (0), or it echoes an earlier epoch of
 * ours and says it heard that one at least as long ago as we started
 * (@since_start_ms, with @slack_ms for the transit): a recording of the
 * peer's heartbeats made before our restart, replayed now, echoes our
 * previous epoch as heard a moment before (HB_ERR_ECHO).
 */
enum hb_result hb_echo_check(const struct hb_msg *m, uint64_t epoch, uint64_t since_start_ms,
			     uint64_t slack_ms);

/* Replay window of one peer: the newest sequence number and the 64 below it. */
#define HB_WINDOW	64
struct hb_replay {
	int valid;
	uint64_t epoch;
	uint64_t seq;
	uint64_t seen;		/* bit i: seq - i was received */
};

/*
 * HB_OK for a heartbeat newer than anything seen: a higher epoch (the peer
 * restarted), or the same epoch with a higher sequence number. One within
 * the window below the newest and not seen yet was reordered on the way
 * (veth/bridge backlogs are per CPU): HB_ERR_REORDERED, remembered, to be
 * ignored quietly (its news are older). Seen before or older than the
 * window: HB_ERR_REPLAY. *@restarted is set when a new epoch was accepted.
 */
enum hb_result hb_replay_check(struct hb_replay *r, const struct hb_msg *m, int *restarted);

/*
 * Was @m (its epoch and sequence number) accepted already, within the
 * window? A second heartbeat path delivers the same datagram again.
 */
bool hb_replay_seen(const struct hb_replay *r, const struct hb_msg *m);

#endif /* NLBSD_HB_H */
