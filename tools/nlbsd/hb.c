// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: heartbeat encode/decode with libsodium's crypto_auth
 * (HMAC-SHA512-256) and the per-peer replay window.
 */
#include <sodium.h>
#include <string.h>

#include "hb.h"

_Static_assert(HB_MAC_LEN == crypto_auth_BYTES, "crypto_auth tag size");
_Static_assert(32 == crypto_auth_KEYBYTES, "crypto_auth key size");

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

const char *hb_result_str(enum hb_result r)
{
	static const char *const s[] = {
		[HB_OK] = "ok",
		[HB_ERR_LEN] = "bad length",
		[HB_ERR_MAGIC] = "bad magic",
		[HB_ERR_AUTH] = "authentication failed (wrong key or forged)",
		[HB_ERR_VERSION] = "unsupported version",
		[HB_ERR_V1] = ("heartbeat version 1 (the peer runs an older nlbsd): refused, "
			       "upgrade it"),
		[HB_ERR_REPLAY] = "replayed (sequence number not increasing)",
		[HB_ERR_STALE_EPOCH] = "replayed (stale epoch)",
		[HB_ERR_REORDERED] = "reordered (older than the newest)",
		[HB_ERR_ECHO] = "replayed (it echoes our previous start as heard just before)",
	};

	return r <= HB_ERR_ECHO ? s[r] : "?";
}

void hb_encode(const struct hb_msg *m, const uint8_t key[32], uint8_t out[HB_LEN])
{
	int i;

	memset(out, 0, HB_LEN);
	put32(out, HB_MAGIC);
	out[4] = HB_VERSION;
	out[5] = m->state;
	out[6] = m->priority;
	out[7] = m->flags;
	put32(out + 8, m->node_id);
	put32(out + 12, m->interval_ms);
	put64(out + 16, m->epoch);
	put64(out + 24, m->seq);
	put64(out + 32, m->timestamp_ms);
	put64(out + 40, m->echo_epoch);
	put64(out + 48, m->echo_seq);
	put32(out + 56, m->echo_age_ms);
	for (i = 0; i < HB_FP_PARTS; i++)
		put32(out + 60 + 4 * i, m->fp[i]);
	crypto_auth(out + HB_BODY_LEN, out, HB_BODY_LEN, key);
}

static bool verify(const uint8_t *buf, size_t body, const uint8_t key[32], const uint8_t *next,
		   bool *by_next)
{
	if (!crypto_auth_verify(buf + body, buf, body, key)) {
		*by_next = false;
		return true;
	}
	if (next && !crypto_auth_verify(buf + body, buf, body, next)) {
		*by_next = true;
		return true;
	}
	return false;
}

enum hb_result hb_decode(const uint8_t *buf, size_t len, const uint8_t key[32],
			 const uint8_t *next, struct hb_msg *m, bool *by_next)
{
	bool dummy;
	int i;

	if (!by_next)
		by_next = &dummy;
	if (len < 8 || get32(buf) != HB_MAGIC)
		return HB_ERR_MAGIC;
	if (len == HB_V1_LEN && buf[4] == 1)
		return verify(buf, HB_V1_BODY_LEN, key, next, by_next) ? HB_ERR_V1 : HB_ERR_AUTH;
	if (len != HB_LEN)
		return HB_ERR_LEN;
	if (!verify(buf, HB_BODY_LEN, key, next, by_next))
		return HB_ERR_AUTH;
	if (buf[4] != HB_VERSION)
		return HB_ERR_VERSION;
	m->state = buf[5];
	m->priority = buf[6];
	m->flags = buf[7];
	m->node_id = get32(buf + 8);
	m->interval_ms = get32(buf + 12);
	m->epoch = get64(buf + 16);
	m->seq = get64(buf + 24);
	m->timestamp_ms = get64(buf + 32);
	m->echo_epoch = get64(buf + 40);
	m->echo_seq = get64(buf + 48);
	m->echo_age_ms = get32(buf + 56);
	for (i = 0; i < HB_FP_PARTS; i++)
		m->fp[i] = get32(buf + 60 + 4 * i);
	return HB_OK;
}

enum hb_result hb_echo_check(const struct hb_msg *m, uint64_t epoch, uint64_t since_start_ms,
			     uint64_t slack_ms)
{
	if (!m->echo_epoch || m->echo_epoch == epoch)
		return HB_OK;
	/* it heard an earlier life of ours: at least as long ago as we started */
	if ((uint64_t)m->echo_age_ms + slack_ms >= since_start_ms)
		return HB_OK;
	return HB_ERR_ECHO;
}

enum hb_result hb_replay_check(struct hb_replay *r, const struct hb_msg *m, int *restarted)
{
	uint64_t back;

	*restarted = 0;
	if (r->valid && m->epoch < r->epoch)
		return HB_ERR_STALE_EPOCH;
	if (r->valid && m->epoch == r->epoch && m->seq <= r->seq) {
		back = r->seq - m->seq;
		if (back >= HB_WINDOW || (r->seen & (1ull << back)))
			return HB_ERR_REPLAY;
		r->seen |= 1ull << back;
		return HB_ERR_REORDERED;
	}
	if (r->valid && m->epoch == r->epoch) {
		back = m->seq - r->seq;
		r->seen = back >= HB_WINDOW ? 0 : r->seen << back;
	} else {
		*restarted = r->valid;
		r->seen = 0;
	}
	r->seen |= 1;
	r->valid = 1;
	r->epoch = m->epoch;
	r->seq = m->seq;
	return HB_OK;
}

bool hb_replay_seen(const struct hb_replay *r, const struct hb_msg *m)
{
	uint64_t back;

	if (!r->valid || m->epoch != r->epoch || m->seq > r->seq)
		return false;
	back = r->seq - m->seq;
	return back < HB_WINDOW && (r->seen & (1ull << back));
}
