// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd host tests: flow sync messages (encoding, authentication, replay),
 * batching, the rate limit's token bucket, and the resync state machine
 * with the election waiting for it, boundedly.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <string.h>

#include "../elect.h"
#include "../hb.h"
#include "../sync.h"
#include "ktap.h"

static uint8_t key[32], other[32];

static void flow(uint32_t i, struct nlbs_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->saddr = htonl(0xcb007100 + i);	/* 203.0.113.x */
	f->daddr = htonl(0xc633640a);		/* 198.51.100.10 */
	f->server = htonl(0x0a141415 + i % 3);
	f->proto = i % 2 ? IPPROTO_UDP : IPPROTO_TCP;
	f->sport = 40000 + i;
	f->dport = 80;
	f->idle_ms = 1000 * i;
	f->flags = i % 3 == 0 ? NLBS_FLOW_F_SYN : i % 3 == 1 ? NLBS_FLOW_F_FIN : 0;
}

/* IPv6 flow @i: 2001:db8:113::i to 2001:db8:100::10, server 2001:db8:200::21+i%3 */
static void flow6(uint32_t i, struct nlbs_flow *f)
{
	flow(i, f);
	f->saddr = f->daddr = f->server = 0;
	f->present = NLBS_BIT(NLBS_FLOW_A_SADDR6);
	inet_pton(AF_INET6, "2001:db8:113::", f->saddr6);
	f->saddr6[14] = i >> 8;
	f->saddr6[15] = i;
	inet_pton(AF_INET6, "2001:db8:100::10", f->daddr6);
	inet_pton(AF_INET6, "2001:db8:200::21", f->server6);
	f->server6[15] += i % 3;
}

static bool same_flow6(const struct nlbs_flow *a, const struct nlbs_flow *b)
{
	return !memcmp(a->saddr6, b->saddr6, 16) && !memcmp(a->daddr6, b->daddr6, 16) &&
	       !memcmp(a->server6, b->server6, 16) && a->proto == b->proto &&
	       a->sport == b->sport && a->dport == b->dport && a->idle_ms == b->idle_ms &&
	       a->flags == b->flags && (a->present & NLBS_BIT(NLBS_FLOW_A_SADDR6)) &&
	       (b->present & NLBS_BIT(NLBS_FLOW_A_SADDR6));
}

static bool same_flow(const struct nlbs_flow *a, const struct nlbs_flow *b)
{
	return a->saddr == b->saddr && a->daddr == b->daddr && a->server == b->server &&
	       a->proto == b->proto && a->sport == b->sport && a->dport == b->dport &&
	       a->idle_ms == b->idle_ms && a->flags == b->flags;
}

/* Sign @buf[0..len - 32) again after a change: authentic but changed. */
static void resign(uint8_t *buf, size_t len)
{
	crypto_auth(buf + len - SYNC_MAC_LEN, buf, len - SYNC_MAC_LEN, key);
}

static struct sync_msg m, d;

static void test_codec(void)
{
	uint8_t buf[SYNC_MAX_LEN + 8], hb[HB_LEN];
	struct hb_msg h = { .state = ST_ACTIVE, .epoch = 1, .seq = 1 };
	size_t len, i;
	bool ok = true;

	memset(&m, 0, sizeof(m));
	m.type = SYNC_T_FLOWS;
	m.node_id = 0x0a0a000b;
	m.epoch = 0x0123456789abcdefull;
	m.seq = 0xfedcba9876543210ull;
	for (i = 0; i < SYNC_MAX_FLOWS; i++)
		flow(i, &m.flows[i]);
	m.count = SYNC_MAX_FLOWS;
	len = sync_encode(&m, key, buf);
	ktap_ok(len == SYNC_MAX_LEN && len == 72 + 24 * 55 && len <= 1400,
		"a full datagram: 55 flows in %zu bytes (<= 1400, below the path MTU)", len);
	ktap_ok(!memcmp(buf, "NLBF", 4) && buf[4] == SYNC_VERSION && buf[5] == SYNC_T_FLOWS &&
		buf[7] == 55 && buf[8] == 0x0a && buf[16] == 0x01 && buf[23] == 0xef &&
		buf[24] == 0xfe, "wire layout: magic NLBF, version, type, count, big-endian epoch/seq");
	ktap_ok(!memcmp(buf + 40, &m.flows[0].saddr, 4) && !memcmp(buf + 48, &m.flows[0].server, 4) &&
		buf[52] == 40000 >> 8 && buf[53] == (40000 & 0xff) && buf[55] == 80 &&
		buf[56] == IPPROTO_TCP && buf[57] == NLBS_FLOW_F_SYN,
		"flow record: addresses as they are, ports big-endian, protocol, flags");
	memset(&d, 0, sizeof(d));
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_OK, "decode");
	for (i = 0; i < SYNC_MAX_FLOWS; i++)
		ok &= same_flow(&d.flows[i], &m.flows[i]) &&
		      (d.flows[i].present & NLBS_BIT(NLBS_FLOW_A_FLAGS));
	ktap_ok(ok && d.count == 55 && d.type == SYNC_T_FLOWS && d.node_id == m.node_id &&
		d.epoch == m.epoch && d.seq == m.seq, "round trip of 55 flows");

	ktap_ok(sync_decode(buf, len, other, NULL, &d) == SYNC_ERR_AUTH, "wrong key: auth error");
	ktap_ok(sync_decode(buf, len, other, key, &d) == SYNC_OK,
		"signed with the next key (key rotation): accepted");
	buf[100] ^= 1;
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_ERR_AUTH, "tampered flow: auth error");
	buf[100] ^= 1;
	buf[len - 1] ^= 1;
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_ERR_AUTH, "tampered tag: auth error");
	buf[len - 1] ^= 1;
	ktap_ok(sync_decode(buf, len - 1, key, NULL, &d) == SYNC_ERR_LEN &&
		sync_decode(buf, len - 24, key, NULL, &d) != SYNC_OK &&
		sync_decode(buf, SYNC_MIN_LEN - 1, key, NULL, &d) == SYNC_ERR_LEN &&
		sync_decode(buf, SYNC_MAX_LEN + 24, key, NULL, &d) == SYNC_ERR_LEN,
		"truncated, short or overlong: refused");

	/* heartbeats and sync messages tell each other apart */
	hb_encode(&h, key, hb);
	ktap_ok(!sync_is_sync(hb, sizeof(hb)) && sync_is_sync(buf, len) &&
		sync_decode(hb, sizeof(hb), key, NULL, &d) == SYNC_ERR_MAGIC &&
		hb_decode(buf, len, key, NULL, &h, NULL) == HB_ERR_MAGIC,
		"different magic: a heartbeat is no sync message and the reverse");

	buf[4] = 2;
	resign(buf, len);
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_ERR_VERSION,
		"authentic future version: version error");
	buf[4] = SYNC_VERSION;
	buf[7] = 54;
	resign(buf, len);
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_ERR_FORMAT,
		"authentic, count not the records': malformed");
	buf[7] = 55;
	buf[56] = IPPROTO_ICMP;
	resign(buf, len);
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_ERR_FORMAT,
		"authentic, a flow neither TCP nor UDP: malformed");
	buf[56] = IPPROTO_TCP;
	buf[5] = 9;
	resign(buf, len);
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_ERR_FORMAT, "unknown type: malformed");
	buf[5] = SYNC_T_REQUEST;
	resign(buf, len);
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_ERR_FORMAT, "a request with flows: malformed");

	memset(&m, 0, sizeof(m));
	m.type = SYNC_T_FLOWS;
	len = sync_encode(&m, key, buf);
	ktap_ok(len == SYNC_MIN_LEN && sync_decode(buf, len, key, NULL, &d) == SYNC_ERR_FORMAT,
		"flows without a flow: malformed");
	m.type = SYNC_T_REQUEST;
	len = sync_encode(&m, key, buf);
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_ERR_FORMAT, "request without an id: malformed");
	m.resync_id = 77;
	len = sync_encode(&m, key, buf);
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_OK && d.type == SYNC_T_REQUEST &&
		d.resync_id == 77 && !d.count, "request: 72 bytes, the id");
	m.type = SYNC_T_END;
	m.total = 123456;
	m.status = SYNC_END_NOT_ACTIVE;
	len = sync_encode(&m, key, buf);
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_OK && d.type == SYNC_T_END &&
		d.resync_id == 77 && d.total == 123456 && d.status == SYNC_END_NOT_ACTIVE,
		"end: id, total and status");
}

/* IPv6 flows: SYNC_T_FLOWS6, 60-byte records, 22 a datagram. */
static void test_codec6(void)
{
	uint8_t buf[SYNC_MAX_LEN + 8];
	size_t len, i;
	bool ok = true;

	memset(&m, 0, sizeof(m));
	m.type = SYNC_T_FLOWS6;
	m.node_id = 0x0a0a000b;
	m.epoch = 7;
	m.seq = 8;
	for (i = 0; i < SYNC_MAX_FLOWS6; i++)
		flow6(i, &m.flows[i]);
	m.count = SYNC_MAX_FLOWS6;
	len = sync_encode(&m, key, buf);
	ktap_ok(len == 72 + 60 * 22 && len <= SYNC_MAX_LEN && len == sync_len(&m),
		"ipv6: a full datagram: 22 flows in %zu bytes (<= %d)", len, SYNC_MAX_LEN);
	ktap_ok(buf[4] == SYNC_VERSION && buf[5] == SYNC_T_FLOWS6 && buf[7] == 22 &&
		!memcmp(buf + 40, m.flows[0].saddr6, 16) &&
		!memcmp(buf + 56, m.flows[0].daddr6, 16) &&
		!memcmp(buf + 72, m.flows[0].server6, 16) && buf[88] == 40000 >> 8 &&
		buf[89] == (40000 & 0xff) && buf[91] == 80 && buf[92] == IPPROTO_TCP &&
		buf[93] == NLBS_FLOW_F_SYN && !buf[94] && !buf[95],
		"ipv6: wire layout: version 1, type 4, addresses, ports, protocol, flags");
	memset(&d, 0, sizeof(d));
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_OK, "ipv6: decode");
	for (i = 0; i < SYNC_MAX_FLOWS6; i++)
		ok &= same_flow6(&d.flows[i], &m.flows[i]) &&
		      (d.flows[i].present & NLBS_BIT(NLBS_FLOW_A_SERVER6)) &&
		      !(d.flows[i].present & NLBS_BIT(NLBS_FLOW_A_SADDR_BE));
	ktap_ok(ok && d.count == 22 && d.type == SYNC_T_FLOWS6,
		"ipv6: round trip of 22 flows, IPv6 attributes present, IPv4 ones not");

	/* more than a datagram holds: cut at 22 */
	m.count = 30;
	for (i = 22; i < 30; i++)
		flow6(i, &m.flows[i]);
	ktap_ok(sync_encode(&m, key, buf) == 72 + 60 * 22 && sync_len(&m) == 72 + 60 * 22,
		"ipv6: at most 22 flows encoded");

	/* malformed lengths */
	m.count = 3;
	len = sync_encode(&m, key, buf);
	ktap_ok(len == 72 + 180 && sync_decode(buf, len, key, NULL, &d) == SYNC_OK &&
		d.count == 3, "ipv6: 3 flows in 252 bytes");
	ktap_ok(sync_decode(buf, len - 1, key, NULL, &d) == SYNC_ERR_LEN &&
		sync_decode(buf, len + 1, key, NULL, &d) == SYNC_ERR_LEN &&
		sync_decode(buf, len - 30, key, NULL, &d) == SYNC_ERR_LEN,
		"ipv6: truncated or trailing bytes: length error");
	/* 2 records of 60 are 5 of 24: authentic, the count says otherwise */
	m.count = 2;
	len = sync_encode(&m, key, buf);
	buf[5] = SYNC_T_FLOWS;
	resign(buf, len);
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_ERR_FORMAT,
		"ipv6 records sent as IPv4 ones (what an older peer sees): malformed");
	/* one IPv6 record (60 bytes) is no whole number of IPv4 ones */
	m.count = 1;
	len = sync_encode(&m, key, buf);
	buf[5] = SYNC_T_FLOWS;
	resign(buf, len);
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_ERR_LEN,
		"one ipv6 record typed IPv4: length error");
	/* IPv4 records typed IPv6: 5 x 24 = 2 x 60 */
	memset(&m, 0, sizeof(m));
	m.type = SYNC_T_FLOWS;
	for (i = 0; i < 5; i++)
		flow(i, &m.flows[i]);
	m.count = 5;
	len = sync_encode(&m, key, buf);
	buf[5] = SYNC_T_FLOWS6;
	resign(buf, len);
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_ERR_FORMAT,
		"ipv4 records typed IPv6, the count not theirs: malformed");
	buf[7] = 2;
	resign(buf, len);
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_ERR_FORMAT,
		"... and with the count made to fit: the protocol byte is checked (malformed)");
	m.count = 4;
	len = sync_encode(&m, key, buf);
	buf[5] = SYNC_T_FLOWS6;
	resign(buf, len);
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_ERR_LEN,
		"4 ipv4 records (96 bytes) typed IPv6: length error");
	memset(&m, 0, sizeof(m));
	m.type = SYNC_T_FLOWS6;
	len = sync_encode(&m, key, buf);
	ktap_ok(sync_decode(buf, len, key, NULL, &d) == SYNC_ERR_FORMAT,
		"ipv6 flows without a flow: malformed");
	flow6(0, &m.flows[0]);
	flow(0, &m.flows[1]);
	ktap_ok(sync_flow_is6(&m.flows[0]) && sync_max_flows(&m.flows[0]) == SYNC_MAX_FLOWS6 &&
		!sync_flow_is6(&m.flows[1]) && sync_max_flows(&m.flows[1]) == SYNC_MAX_FLOWS,
		"a flow's family and what a datagram of it holds");
}

/* The sync window is hb.h's with the sync sequence: reordered is accepted. */
static void test_replay(void)
{
	struct hb_replay r = { 0 };
	struct hb_msg s = { .epoch = 5000 };
	int restarted;

	s.seq = 1;
	ktap_ok(hb_replay_check(&r, &s, &restarted) == HB_OK, "sync seq 1 accepted");
	s.seq = 3;
	hb_replay_check(&r, &s, &restarted);
	s.seq = 2;
	ktap_ok(hb_replay_check(&r, &s, &restarted) == HB_ERR_REORDERED,
		"sync seq 2 after 3: reordered (relay.c imports it)");
	ktap_ok(hb_replay_check(&r, &s, &restarted) == HB_ERR_REPLAY, "sync seq 2 again: replay");
	s.seq = 3;
	ktap_ok(hb_replay_check(&r, &s, &restarted) == HB_ERR_REPLAY, "sync seq 3 again: replay");
	s.epoch = 4999;
	s.seq = 100;
	ktap_ok(hb_replay_check(&r, &s, &restarted) == HB_ERR_STALE_EPOCH,
		"older epoch: stale (a past life of the peer)");
	s.epoch = 6000;
	s.seq = 1;
	ktap_ok(hb_replay_check(&r, &s, &restarted) == HB_OK && restarted,
		"newer epoch: the peer restarted, seq starts again");
}

static void test_batch(void)
{
	uint8_t buf[SYNC_MAX_LEN];
	struct nlbs_flow f;
	size_t i, sent = 0, dgrams = 0, biggest = 0, len;
	bool ok = true;

	memset(&m, 0, sizeof(m));
	m.type = SYNC_T_FLOWS;
	for (i = 0; i < 130; i++) {
		flow(i, &f);
		f.flags |= NLBS_FLOW_F_IMPORTED;
		if (sync_add(&m, &f)) {
			len = sync_encode(&m, key, buf);
			biggest = len > biggest ? len : biggest;
			ok &= sync_decode(buf, len, key, NULL, &d) == SYNC_OK &&
			      !(d.flows[0].flags & NLBS_FLOW_F_IMPORTED);
			sent += m.count;
			dgrams++;
			m.count = 0;
		}
	}
	ktap_ok(dgrams == 2 && sent == 110 && m.count == 20 && ok && biggest <= 1400,
		"130 flows: two full datagrams of 55, 20 left for the next flush");
	ktap_ok(!(m.flows[0].flags & NLBS_FLOW_F_IMPORTED),
		"the imported flag stays home (FLOW_ADD refuses it)");
	len = sync_encode(&m, key, buf);
	ktap_ok(len == 72 + 20 * 24, "a partial datagram is as long as its flows");

	/* IPv6 flows: full at 22 */
	memset(&m, 0, sizeof(m));
	m.type = SYNC_T_FLOWS6;
	sent = dgrams = 0;
	for (i = 0; i < 50; i++) {
		flow6(i, &f);
		if (sync_add(&m, &f)) {
			len = sync_encode(&m, key, buf);
			ok &= len <= SYNC_MAX_LEN && sync_decode(buf, len, key, NULL, &d) == SYNC_OK &&
			      d.count == 22;
			sent += m.count;
			dgrams++;
			m.count = 0;
		}
	}
	ktap_ok(dgrams == 2 && sent == 44 && m.count == 6 && ok,
		"ipv6: 50 flows: two full datagrams of 22, 6 left for the next flush");
}

static void test_bucket(void)
{
	struct bucket b;
	uint64_t t, granted = 0, offered = 0;

	bucket_init(&b, 1000, 100, 0);
	ktap_ok(bucket_take(&b, 150, 0) == 100, "a full bucket gives its burst");
	ktap_ok(bucket_take(&b, 1, 0) == 0, "empty: nothing");
	ktap_ok(bucket_take(&b, 50, 10) == 10, "1000/s: 10 tokens after 10 ms");
	ktap_ok(bucket_wait_ms(&b, 55, 10) == 55, "55 tokens: wait 55 ms");
	ktap_ok(bucket_wait_ms(&b, 500, 10) == 100, "more than the burst: wait for the burst");
	ktap_ok(bucket_take(&b, 1000, 1000000) == 100, "idle for long: no more than the burst");
	/* 5000 flows a second offered, 1 ms at a time, for 10 s */
	bucket_init(&b, 1000, 100, 0);
	for (t = 1; t <= 10000; t++) {
		offered += 5;
		granted += bucket_take(&b, 5, t);
	}
	ktap_ok(granted >= 10000 && granted <= 10100 && offered - granted >= 39900,
		"above the rate: %llu of %llu flows pass in 10 s at 1000/s (the rest dropped)",
		(unsigned long long)granted, (unsigned long long)offered);
	bucket_init(&b, 10000000, 1000000, 0);
	ktap_ok(bucket_take(&b, 1000000, 3600000000ull) == 1000000,
		"the highest rate after an hour: no overflow");
}

#define T 3000	/* sync-resync-timeout */

static void test_resync(void)
{
	struct resync rs = { 0 };
	struct resync_view serving = { .peer_serving = true }, none = { 0 },
			   active = { .active = true, .peer_serving = true };
	uint32_t id;

	ktap_ok(resync_step(&rs, &serving, 0, T, 7) == RS_NONE && !resync_blocks(&rs, &serving),
		"nothing due: nothing to do, nothing blocks");
	resync_want(&rs, "start");
	ktap_ok(resync_step(&rs, &none, 100, T, 7) == RS_NONE && !resync_blocks(&rs, &none),
		"due, peer not serving (silent, standby, leaving): no request, no waiting");
	ktap_ok(resync_step(&rs, &serving, 200, T, 7) == RS_SEND && rs.id == 7 &&
		resync_blocks(&rs, &serving), "peer serves: request sent, the election waits");
	ktap_ok(resync_step(&rs, &serving, 200 + RESYNC_RETRY_MS - 1, T, 8) == RS_NONE,
		"no answer yet: no repeat before the retry time");
	ktap_ok(resync_step(&rs, &serving, 200 + RESYNC_RETRY_MS, T, 8) == RS_SEND && rs.id == 7,
		"no answer for the retry time: asked again, same id");
	ktap_ok(!resync_flows(&rs, 99, 10, 800) && rs.received == 0,
		"flows of another resync: not counted");
	ktap_ok(resync_flows(&rs, 7, 55, 900) && rs.received == 55, "flows of ours: counted");
	ktap_ok(resync_step(&rs, &serving, 900 + RESYNC_RETRY_MS - 1, T, 8) == RS_NONE,
		"flows coming: no repeated request");
	ktap_ok(!resync_end(&rs, 99, SYNC_END_OK, 1000) && rs.wanted, "end of another: ignored");
	ktap_ok(!resync_blocks(&rs, &none), "peer dead meanwhile: no waiting for it");
	ktap_ok(resync_end(&rs, 7, SYNC_END_OK, 1000) && !rs.wanted && rs.received == 55 &&
		!resync_blocks(&rs, &serving), "our end: done, the election goes on");

	/* bounded: from the first request */
	resync_want(&rs, "recovered from inop");
	ktap_ok(resync_step(&rs, &serving, 10000, T, 9) == RS_SEND && rs.id == 9,
		"a new resync: a new id");
	resync_flows(&rs, 9, 1, 10000 + T - 1);
	ktap_ok(resync_step(&rs, &serving, 10000 + T - 1, T, 10) == RS_NONE &&
		resync_blocks(&rs, &serving), "just before the timeout: still waiting");
	ktap_ok(resync_step(&rs, &serving, 10000 + T, T, 10) == RS_TIMEOUT && !rs.wanted &&
		!resync_blocks(&rs, &serving), "timeout: given up, the election goes on");
	ktap_ok(resync_flows(&rs, 9, 5, 10000 + T + 1) && rs.received == 6,
		"late flows of it: still counted");

	/* the peer was not active yet */
	resync_want(&rs, "start");
	resync_step(&rs, &serving, 20000, T, 11);
	ktap_ok(!resync_end(&rs, 11, SYNC_END_NOT_ACTIVE, 20010) && rs.wanted,
		"peer not active: still due");
	ktap_ok(resync_step(&rs, &serving, 20010 + RESYNC_RETRY_MS, T, 12) == RS_SEND &&
		rs.id == 11, "asked again after the retry time");
	ktap_ok(resync_step(&rs, &active, 20600, T, 12) == RS_MOOT && !rs.wanted &&
		!resync_blocks(&rs, &active), "we became active: nothing to ask for");

	/* a new reason while one is in flight starts over */
	resync_want(&rs, "start");
	resync_step(&rs, &serving, 30000, T, 13);
	resync_want(&rs, "peer restarted");
	ktap_ok(resync_step(&rs, &serving, 30001, T, 14) == RS_SEND && rs.id == 14 &&
		rs.started_ms == 30001, "due again in flight: a new request, a new wait");

	/* timeout 0: ask, do not wait */
	resync_want(&rs, "start");
	ktap_ok(resync_step(&rs, &serving, 40000, 0, 15) == RS_SEND && !rs.wanted &&
		!resync_blocks(&rs, &serving), "sync-resync-timeout 0: asked, nobody waits");
	id = rs.last_id;
	ktap_ok(id == 15 && resync_flows(&rs, 15, 3, 40001) && !resync_end(&rs, 15, SYNC_END_OK, 40002),
		"its flows and end still recognised (logged as late)");
}

/* The election with the resync: waits while due, never longer than the timeout. */
static void test_elect_waits(void)
{
	struct resync rs = { 0 };
	struct resync_view v = { .peer_serving = true };
	struct elect_in in = {
		.self = ST_STANDBY, .healthy = true, .prio = 200, .addr = 1, .preempt = true,
		.preempt_delay_over = true, .peer_alive = true, .peer_state = ST_ACTIVE,
		.peer_prev_state = ST_STANDBY, .peer_prio = 100, .peer_addr = 2,
	};
	struct elect_out out;
	uint64_t t, took = 0;

	resync_want(&rs, "start");
	for (t = 0; t <= 10000 && !took; t += 100) {
		resync_step(&rs, &v, t, T, 21);
		in.resync_pending = resync_blocks(&rs, &v);
		elect(&in, &out);
		if (out.next == ST_ACTIVE)
			took = t;
		else if (t == 0)
			ktap_ok(out.resync_wait && !out.preempt_wait && out.reason &&
				strstr(out.reason, "resync"),
				"higher priority standby: waits for the resync (%s)", out.reason);
	}
	ktap_ok(took == T, "no answer: preempts when the wait is over (%llu ms)",
		(unsigned long long)took);

	resync_want(&rs, "start");
	resync_step(&rs, &v, 20000, T, 22);
	in.resync_pending = resync_blocks(&rs, &v);
	elect(&in, &out);
	ktap_ok(out.next == ST_STANDBY, "waiting");
	resync_flows(&rs, 22, 1000, 20100);
	resync_end(&rs, 22, SYNC_END_OK, 20200);
	in.resync_pending = resync_blocks(&rs, &v);
	elect(&in, &out);
	ktap_ok(out.next == ST_ACTIVE, "the resync done: preempts at once");

	resync_want(&rs, "start");
	resync_step(&rs, &v, 30000, T, 23);
	in.peer_alive = false;
	v.peer_serving = false;
	in.resync_pending = resync_blocks(&rs, &v);
	elect(&in, &out);
	ktap_ok(out.next == ST_ACTIVE && !out.resync_wait,
		"the peer dies during the resync: active at once (a dead peer cannot resync)");
	in.peer_alive = true;
	in.peer_leaving = true;
	elect(&in, &out);
	ktap_ok(out.next == ST_ACTIVE, "the peer leaves during the resync: active at once");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	crypto_auth_keygen(key);
	crypto_auth_keygen(other);
	test_codec();
	test_codec6();
	test_replay();
	test_batch();
	test_bucket();
	test_resync();
	test_elect_waits();
	return ktap_done("nlbsd flow sync");
}
