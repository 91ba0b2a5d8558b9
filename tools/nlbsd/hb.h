/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: the heartbeat message (pure encode/decode/authenticate/replay check).
 *
 * Wire format, 72 bytes, integers big-endian:
 *    0  u32  magic "NLBH" (0x4e4c4248)
 *    4  u8   version (1)
 *    5  u8   state (enum nlbsd_state)
 *    6  u8   priority
 *    7  u8   flags (HB_F_*)
 *    8  u32  node id
 *   12  u32  advert interval, ms
 *   16  u64  epoch: sender's CLOCK_REALTIME in microseconds at start
 *   24  u64  sequence number, +1 per message, never repeats within an epoch
 *   32  u64  sender's CLOCK_REALTIME in ms when sent (informational)
 *   40  [32] HMAC-SHA512-256 (libsodium crypto_auth) over bytes 0..39
 */
#ifndef NLBSD_HB_H
#define NLBSD_HB_H

#include <stddef.h>
#include <stdint.h>

#include "nlbsd.h"

#define HB_MAGIC	0x4e4c4248u
#define HB_VERSION	1
#define HB_BODY_LEN	40
#define HB_MAC_LEN	32
#define HB_LEN		(HB_BODY_LEN + HB_MAC_LEN)

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
};

enum hb_result {
	HB_OK,
	HB_ERR_LEN,		/* not HB_LEN bytes */
	HB_ERR_MAGIC,		/* not a heartbeat at all */
	HB_ERR_AUTH,		/* HMAC mismatch: wrong key or forged */
	HB_ERR_VERSION,		/* authentic but unknown version */
	HB_ERR_REPLAY,		/* seq seen before, or too old for the window */
	HB_ERR_STALE_EPOCH,	/* epoch older than the current one */
	HB_ERR_REORDERED,	/* authentic, new, but older than the newest seen */
};

const char *hb_result_str(enum hb_result r);

void hb_encode(const struct hb_msg *m, const uint8_t key[32], uint8_t out[HB_LEN]);
enum hb_result hb_decode(const uint8_t *buf, size_t len, const uint8_t key[32],
			 struct hb_msg *m);

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

#endif /* NLBSD_HB_H */
