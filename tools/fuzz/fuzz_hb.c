// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a datagram received on nlbsd's heartbeat port, decoded
 * as ha.c does it: a sync message (sync_decode(), magic "NLBF") or else a
 * heartbeat (hb_decode(): v2, v1 refused), then the replay window and the
 * echo check of a heartbeat that was accepted.
 *
 * Input: one byte of mode, then the datagram. Without a valid tag nothing
 * gets past the HMAC, so the mode may have the harness sign the datagram
 * first, with the fixed keys of fuzz_keys.h:
 *   bit 0  sign: put the tag of its body (heartbeat v2: bytes 0..79, v1:
 *          0..39; sync message, any other: all but the last 32 bytes)
 *   bit 1  sign with the next key (next-key-file's) instead of the key
 *   bit 2  the receiver has no next key (decoders get NULL)
 * What is accepted must survive the trip back: encoding the decoded message
 * gives the same bytes (a heartbeat: but its zero field 76..79), and the
 * same heartbeat twice is never accepted twice by the replay window.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../nlbsd/hb.h"
#include "../nlbsd/sync.h"
#include "fuzz_keys.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define F_SIGN		0x01
#define F_SIGN_NEXT	0x02
#define F_NO_NEXT	0x04

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_hb: %s:%d: %s\n", __FILE__,	\
				__LINE__, #cond);			\
			abort();					\
		}							\
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

static void sync_roundtrip(const uint8_t *buf, size_t len, const struct sync_msg *m,
			   const uint8_t *k)
{
	static uint8_t out[SYNC_MAX_LEN];
	struct sync_msg back;
	size_t i, n;

	CHECK(m->count <= (m->type == SYNC_T_FLOWS6 ? SYNC_MAX_FLOWS6 : SYNC_MAX_FLOWS));
	CHECK(sync_len(m) == len);
	n = sync_encode(m, k, out);
	CHECK(n == len);
	memset(&back, 0, sizeof(back));
	CHECK(sync_decode(out, n, k, NULL, &back) == SYNC_OK);
	CHECK(back.type == m->type && back.flags == m->flags && back.count == m->count &&
	      back.node_id == m->node_id && back.resync_id == m->resync_id &&
	      back.epoch == m->epoch && back.seq == m->seq && back.total == m->total &&
	      back.status == m->status);
	for (i = 0; i < m->count; i++)
		CHECK(!memcmp(&back.flows[i], &m->flows[i], sizeof(back.flows[i])));
	/* the header's own fields come back byte for byte */
	CHECK(!memcmp(out, buf, 37));
}

static void hb_accepted(const uint8_t *buf, const struct hb_msg *m, const uint8_t *k)
{
	struct hb_replay r = { .valid = 1, .epoch = 1000, .seq = 100, .seen = 1 };
	uint8_t out[HB_LEN];
	int restarted;
	enum hb_result a, b;

	hb_encode(m, k, out);
	CHECK(!memcmp(out, buf, 76));
	/* the same heartbeat twice: accepted at most once */
	a = hb_replay_check(&r, m, &restarted);
	b = hb_replay_check(&r, m, &restarted);
	CHECK(!(a == HB_OK && b == HB_OK));
	CHECK(b == HB_ERR_REPLAY || b == HB_ERR_STALE_EPOCH);
	memset(&r, 0, sizeof(r));
	CHECK(hb_replay_check(&r, m, &restarted) == HB_OK && !restarted);
	CHECK(hb_replay_check(&r, m, &restarted) == HB_ERR_REPLAY);
	a = hb_echo_check(m, 1000, 5000, 50);
	CHECK(a == HB_OK || a == HB_ERR_ECHO);
	CHECK(hb_result_str(a) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *next, *sign_key;
	uint8_t mode, *buf;
	struct sync_msg sm;
	struct hb_msg m;
	enum hb_result r;
	enum sync_result sr;
	bool by_next = false;
	size_t len, body;

	if (size < 1 || size > 1 + 2048)
		return 0;
	mode = data[0];
	len = size - 1;
	/* a copy of exactly the datagram's size: ASan sees any overread */
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);
	next = mode & F_NO_NEXT ? NULL : fuzz_next_key;
	sign_key = mode & F_SIGN_NEXT ? fuzz_next_key : fuzz_key;
	if ((mode & F_SIGN) && len >= HB_MAC_LEN) {
		if (sync_is_sync(buf, len))
			body = len - SYNC_MAC_LEN;
		else if (len == HB_LEN)
			body = HB_BODY_LEN;
		else if (len == HB_V1_LEN)
			body = HB_V1_BODY_LEN;
		else
			body = len - HB_MAC_LEN;
		crypto_auth(buf + body, buf, body, sign_key);
	}

	if (sync_is_sync(buf, len)) {
		memset(&sm, 0, sizeof(sm));
		sr = sync_decode(buf, len, fuzz_key, next, &sm);
		CHECK(sync_result_str(sr) != NULL);
		if (sr == SYNC_OK)
			sync_roundtrip(buf, len, &sm, fuzz_key);
	} else {
		memset(&m, 0, sizeof(m));
		r = hb_decode(buf, len, fuzz_key, next, &m, &by_next);
		CHECK(hb_result_str(r) != NULL);
		if (r == HB_OK) {
			CHECK(len == HB_LEN);
			CHECK(!by_next || next);
			hb_accepted(buf, &m, by_next ? fuzz_next_key : fuzz_key);
		}
		/* by_next may be NULL */
		r = hb_decode(buf, len, fuzz_key, next, &m, NULL);
		CHECK(hb_result_str(r) != NULL);
	}
	free(buf);
	return 0;
}
