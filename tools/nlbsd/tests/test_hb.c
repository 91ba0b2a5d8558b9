// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd host tests: heartbeat encoding, authentication and replay window.
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../epoch.h"
#include "../hb.h"
#include "ktap.h"

static uint8_t key[32], other[32];

static const struct hb_msg ref = {
	.state = ST_ACTIVE,
	.priority = 200,
	.flags = HB_F_LEAVING,
	.node_id = 0x0a0a000b,
	.interval_ms = 100,
	.epoch = 0x0123456789abcdefull,
	.seq = 0xfedcba9876543210ull,
	.timestamp_ms = 1700000000000ull,
	.echo_epoch = 0x1111222233334444ull,
	.echo_seq = 0x5555666677778888ull,
	.echo_age_ms = 0x99aabbcc,
	.fp = { 0x01020304, 0x05060708, 0x090a0b0c, 0 },
};

static void test_codec(void)
{
	uint8_t buf[HB_LEN + 1];
	struct hb_msg m;
	bool by_next;

	hb_encode(&ref, key, buf);
	ktap_ok(HB_LEN == 112 && buf[0] == 'N' && buf[1] == 'L' && buf[2] == 'B' && buf[3] == 'H' &&
		buf[4] == 2 && buf[5] == ST_ACTIVE && buf[6] == 200 &&
		buf[16] == 0x01 && buf[23] == 0xef && buf[24] == 0xfe,
		"wire layout: 112 bytes, magic, version 2, state, priority, big-endian epoch/seq");
	ktap_ok(buf[40] == 0x11 && buf[47] == 0x44 && buf[48] == 0x55 && buf[56] == 0x99 &&
		buf[59] == 0xcc && buf[60] == 0x01 && buf[71] == 0x0c && !buf[76] && !buf[79],
		"wire layout: echo epoch, echo sequence, echo age, fingerprint at 40..75");
	memset(&m, 0, sizeof(m));
	ktap_ok(hb_decode(buf, HB_LEN, key, NULL, &m, &by_next) == HB_OK && !by_next &&
		!memcmp(&m, &ref, sizeof(m)), "encode/decode round trip");
	ktap_ok(hb_decode(buf, HB_LEN, other, NULL, &m, NULL) == HB_ERR_AUTH,
		"wrong key: auth error");
	memset(&m, 0, sizeof(m));
	ktap_ok(hb_decode(buf, HB_LEN, other, key, &m, &by_next) == HB_OK && by_next &&
		m.seq == ref.seq, "signed with the next key (a rotation): accepted, said so");
	buf[5] = ST_STANDBY;
	ktap_ok(hb_decode(buf, HB_LEN, key, NULL, &m, NULL) == HB_ERR_AUTH,
		"tampered state: auth error");
	buf[5] = ST_ACTIVE;
	buf[41] ^= 1;
	ktap_ok(hb_decode(buf, HB_LEN, key, other, &m, NULL) == HB_ERR_AUTH,
		"tampered echo: auth error (with either key)");
	buf[41] ^= 1;
	buf[HB_LEN - 1] ^= 1;
	ktap_ok(hb_decode(buf, HB_LEN, key, NULL, &m, NULL) == HB_ERR_AUTH,
		"tampered tag: auth error");
	buf[HB_LEN - 1] ^= 1;
	ktap_ok(hb_decode(buf, HB_LEN - 1, key, NULL, &m, NULL) == HB_ERR_LEN,
		"truncated: length error");
	ktap_ok(hb_decode(buf, HB_LEN + 1, key, NULL, &m, NULL) == HB_ERR_LEN,
		"trailing byte: length error");
	ktap_ok(hb_decode(buf, 2, key, NULL, &m, NULL) == HB_ERR_MAGIC, "two bytes: not a heartbeat");
	buf[0] = 'X';
	ktap_ok(hb_decode(buf, HB_LEN, key, NULL, &m, NULL) == HB_ERR_MAGIC, "bad magic");
	buf[0] = 'N';
	buf[4] = 3;
	crypto_auth(buf + HB_BODY_LEN, buf, HB_BODY_LEN, key);
	ktap_ok(hb_decode(buf, HB_LEN, key, NULL, &m, NULL) == HB_ERR_VERSION,
		"authentic future version: version error");
	/* version 1: 72 bytes, the tag over the first 40 */
	buf[4] = 1;
	crypto_auth(buf + HB_V1_BODY_LEN, buf, HB_V1_BODY_LEN, key);
	ktap_ok(hb_decode(buf, HB_V1_LEN, key, NULL, &m, NULL) == HB_ERR_V1,
		"authentic version 1 heartbeat: refused as such");
	ktap_ok(hb_decode(buf, HB_V1_LEN, other, NULL, &m, NULL) == HB_ERR_AUTH,
		"version 1 with a wrong key: auth error");
	ktap_ok(strstr(hb_result_str(HB_ERR_V1), "version 1") != NULL,
		"the log says the peer runs heartbeat version 1");
}

/* Replay after our restart: the peer's heartbeats echo our epoch. */
static void test_echo(void)
{
	struct hb_msg m = { .echo_epoch = 500, .echo_age_ms = 50 };

	ktap_ok(hb_echo_check(&m, 500, 10000, 300) == HB_OK, "echoes our epoch: ok");
	m.echo_epoch = 0;
	ktap_ok(hb_echo_check(&m, 500, 10000, 300) == HB_OK, "never heard us: ok");
	m.echo_epoch = 400;
	ktap_ok(hb_echo_check(&m, 500, 10000, 300) == HB_ERR_ECHO,
		"echoes our previous start, heard 50 ms before, 10 s after we started: replay");
	m.echo_age_ms = 12000;
	ktap_ok(hb_echo_check(&m, 500, 10000, 300) == HB_OK,
		"echoes our previous start, heard 12 s ago: the peer has not heard us yet");
	m.echo_age_ms = 9800;
	ktap_ok(hb_echo_check(&m, 500, 10000, 300) == HB_OK, "within the slack: ok");
	m.echo_age_ms = 9600;
	ktap_ok(hb_echo_check(&m, 500, 10000, 300) == HB_ERR_ECHO, "beyond the slack: replay");
}

static void test_replay(void)
{
	struct hb_replay r = { 0 };
	struct hb_msg m = ref;
	int restarted;

	m.epoch = 1000;
	m.seq = 5;
	ktap_ok(hb_replay_check(&r, &m, &restarted) == HB_OK && !restarted,
		"first heartbeat accepted");
	ktap_ok(hb_replay_check(&r, &m, &restarted) == HB_ERR_REPLAY, "same seq: replay");
	m.seq = 9;
	ktap_ok(hb_replay_check(&r, &m, &restarted) == HB_OK && r.seq == 9,
		"higher seq accepted (gaps allowed)");
	m.seq = 7;
	ktap_ok(hb_replay_check(&r, &m, &restarted) == HB_ERR_REORDERED && r.seq == 9,
		"lower seq not seen yet: reordered, newest unchanged");
	ktap_ok(hb_replay_check(&r, &m, &restarted) == HB_ERR_REPLAY,
		"the same reordered seq again: replay");
	m.seq = 9;
	ktap_ok(hb_replay_seen(&r, &m), "seen: the newest, again (a second path's copy)");
	m.seq = 7;
	ktap_ok(hb_replay_seen(&r, &m), "seen: one accepted reordered");
	m.seq = 8;
	ktap_ok(!hb_replay_seen(&r, &m), "not seen: one within the window never received");
	m.seq = 10;
	ktap_ok(!hb_replay_seen(&r, &m), "not seen: a newer one");
	m.seq = 9;
	m.epoch = 999;
	ktap_ok(!hb_replay_seen(&r, &m), "not seen: another epoch");
	m.epoch = 1000;
	m.seq = 5;
	ktap_ok(hb_replay_check(&r, &m, &restarted) == HB_ERR_REPLAY, "first seq again: replay");
	m.seq = 9 + 70;
	ktap_ok(hb_replay_check(&r, &m, &restarted) == HB_OK, "jump beyond the window");
	m.seq = 9;
	ktap_ok(hb_replay_check(&r, &m, &restarted) == HB_ERR_REPLAY,
		"older than the window: replay");
	m.seq = 9 + 70 - 63;
	ktap_ok(hb_replay_check(&r, &m, &restarted) == HB_ERR_REORDERED,
		"last slot of the window, unseen: reordered");
	m.epoch = 999;
	m.seq = 100;
	ktap_ok(hb_replay_check(&r, &m, &restarted) == HB_ERR_STALE_EPOCH && r.seq == 79,
		"older epoch: stale, window unchanged");
	m.epoch = 2000;
	m.seq = 1;
	ktap_ok(hb_replay_check(&r, &m, &restarted) == HB_OK && restarted && r.epoch == 2000,
		"peer restart: newer epoch accepted with low seq");
	m.epoch = 1000;
	m.seq = 10;
	ktap_ok(hb_replay_check(&r, &m, &restarted) == HB_ERR_STALE_EPOCH,
		"pre-restart heartbeat replayed: stale");
}

/* The epoch across restarts, the second one after the clock stepped back. */
static void test_epoch(void)
{
	char dir[] = "/tmp/nlbsd-epoch-XXXXXX", path[64], bad[80], warn[300];
	struct hb_replay r = { 0 };
	struct hb_msg m = { .seq = 1 };
	uint64_t e1, e2, e3, saved;
	int restarted;
	FILE *f;

	ktap_ok(epoch_choose(1000, 0) == 1000 && epoch_choose(1000, 5000) == 5001 &&
		epoch_choose(1000, 999) == 1000, "epoch = max(clock, saved + 1)");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/epoch", dir);
	e1 = epoch_next(path, 2000000, warn, sizeof(warn));
	ktap_ok(e1 == 2000000 && !warn[0], "first start: the clock (no state file yet)");
	ktap_ok(!epoch_load(path, &saved) && saved == e1, "epoch saved");
	e2 = epoch_next(path, 1000000, warn, sizeof(warn));
	ktap_ok(e2 == e1 + 1 && !warn[0], "restart with the clock stepped back: saved + 1");
	m.epoch = e1;
	hb_replay_check(&r, &m, &restarted);
	m.epoch = e2;
	ktap_ok(hb_replay_check(&r, &m, &restarted) == HB_OK && restarted,
		"the peer accepts the restarted node's heartbeats");
	e3 = epoch_next(path, 9000000, warn, sizeof(warn));
	ktap_ok(e3 == 9000000, "clock ahead again: the clock");
	f = fopen(path, "w");
	fputs("garbage\n", f);
	fclose(f);
	e3 = epoch_next(path, 3000000, warn, sizeof(warn));
	ktap_ok(e3 == 3000000 && strstr(warn, "Invalid argument"),
		"unreadable state file: warned, the clock");
	f = fopen(path, "w");
	fputs("18446744073709551615\n", f);	/* UINT64_MAX: + 1 would wrap to 0 */
	fclose(f);
	ktap_ok(epoch_load(path, &saved) == -EINVAL && saved == 0, "UINT64_MAX saved: garbage");
	e3 = epoch_next(path, 3000000, warn, sizeof(warn));
	ktap_ok(e3 == 3000000 && strstr(warn, "Invalid argument"),
		"UINT64_MAX saved: warned, the clock (not 0)");
	f = fopen(path, "w");
	fputs("18446744073709551614\n", f);	/* + 1 is UINT64_MAX: no next one */
	fclose(f);
	ktap_ok(epoch_load(path, &saved) == -EINVAL && saved == 0,
		"UINT64_MAX - 1 saved: garbage");
	f = fopen(path, "w");
	fputs("18446744073709551613\n", f);
	fclose(f);
	ktap_ok(!epoch_load(path, &saved) && saved == UINT64_MAX - 2,
		"UINT64_MAX - 2 saved: accepted");
	ktap_ok(epoch_next(path, 3000000, warn, sizeof(warn)) == UINT64_MAX - 1 && !warn[0],
		"UINT64_MAX - 2 saved: saved + 1");
	snprintf(bad, sizeof(bad), "%s/missing/epoch", dir);
	e3 = epoch_next(bad, 4000000, warn, sizeof(warn));
	ktap_ok(e3 == 4000000 && strstr(warn, "not saved"),
		"state file not writable: warned, the clock");
	ktap_ok(epoch_next("", 5, warn, sizeof(warn)) == 5 && !warn[0], "no state file: the clock");
	/* the peer's epoch, kept across our restarts */
	ktap_ok(!peer_epoch_load(path, "10.10.0.12", &saved) && saved == 0,
		"no peer epoch saved: 0");
	ktap_ok(!peer_epoch_save(path, "10.10.0.12", 123456789) &&
		!peer_epoch_load(path, "10.10.0.12", &saved) && saved == 123456789,
		"peer epoch saved and loaded");
	ktap_ok(!peer_epoch_load(path, "10.10.0.13", &saved) && saved == 0,
		"another peer address: none");
	ktap_ok(!peer_epoch_load("", "10.10.0.12", &saved) && saved == 0 &&
		!peer_epoch_save("", "10.10.0.12", 5), "no state file: nothing kept");
	r = (struct hb_replay){ .valid = 1, .epoch = 123456789 };
	m.epoch = 123456788;
	m.seq = 1000;
	ktap_ok(hb_replay_check(&r, &m, &restarted) == HB_ERR_STALE_EPOCH,
		"after our restart: a heartbeat of the peer's earlier life is stale at once");
	m.epoch = 123456789;
	ktap_ok(hb_replay_check(&r, &m, &restarted) == HB_OK && !restarted,
		"the saved epoch itself: accepted, not a restart");
	snprintf(bad, sizeof(bad), "%s.peer", path);
	unlink(bad);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	crypto_auth_keygen(key);
	crypto_auth_keygen(other);
	test_codec();
	test_echo();
	test_replay();
	test_epoch();
	return ktap_done("nlbsd heartbeat");
}
