// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: sync message encode/decode with libsodium's crypto_auth
 * (HMAC-SHA512-256), the token bucket, and the resync state machine.
 * No I/O, no clock: the caller passes the time.
 */
#include <netinet/in.h>
#include <sodium.h>
#include <string.h>

#include "sync.h"

_Static_assert(SYNC_MAC_LEN == crypto_auth_BYTES, "crypto_auth tag size");
_Static_assert(SYNC_MAX_LEN <= 1400, "a sync datagram stays below the path MTU");
_Static_assert(SYNC_MAX_FLOWS <= 255, "count is a u8");
_Static_assert(SYNC_MAX_FLOWS6 <= SYNC_MAX_FLOWS &&
	       SYNC_MIN_LEN + SYNC_MAX_FLOWS6 * SYNC_REC6_LEN <= SYNC_MAX_LEN,
	       "IPv6 flows fit the same datagrams");

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

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

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

const char *sync_result_str(enum sync_result r)
{
	static const char *const s[] = {
		[SYNC_OK] = "ok",
		[SYNC_ERR_LEN] = "bad length",
		[SYNC_ERR_MAGIC] = "bad magic",
		[SYNC_ERR_AUTH] = "authentication failed (wrong key or forged)",
		[SYNC_ERR_VERSION] = "unsupported version",
		[SYNC_ERR_FORMAT] = "malformed",
	};

	return r <= SYNC_ERR_FORMAT ? s[r] : "?";
}

bool sync_is_sync(const uint8_t *buf, size_t len)
{
	return len >= 4 && get32(buf) == SYNC_MAGIC;
}

static size_t rec_len(uint8_t type)
{
	return type == SYNC_T_FLOWS6 ? SYNC_REC6_LEN : SYNC_REC_LEN;
}

static size_t max_count(uint8_t type)
{
	return type == SYNC_T_FLOWS6 ? SYNC_MAX_FLOWS6 : SYNC_MAX_FLOWS;
}

size_t sync_len(const struct sync_msg *m)
{
	size_t count = m->count > max_count(m->type) ? max_count(m->type) : m->count;

	return SYNC_MIN_LEN + count * rec_len(m->type);
}

bool sync_flow_is6(const struct nlbs_flow *f)
{
	return f->present & NLBS_BIT(NLBS_FLOW_A_SADDR6);
}

size_t sync_max_flows(const struct nlbs_flow *f)
{
	return sync_flow_is6(f) ? SYNC_MAX_FLOWS6 : SYNC_MAX_FLOWS;
}

#define FLOW_F_WIRE	(NLBS_FLOW_F_FIN | NLBS_FLOW_F_SYN)
#define FLOW_PRESENT	(NLBS_BIT(NLBS_FLOW_A_SADDR_BE) | NLBS_BIT(NLBS_FLOW_A_DADDR_BE) | \
			 NLBS_BIT(NLBS_FLOW_A_PROTO) | NLBS_BIT(NLBS_FLOW_A_SPORT) |	  \
			 NLBS_BIT(NLBS_FLOW_A_DPORT) | NLBS_BIT(NLBS_FLOW_A_SERVER_BE) | \
			 NLBS_BIT(NLBS_FLOW_A_IDLE_MS) | NLBS_BIT(NLBS_FLOW_A_FLAGS))
#define FLOW_PRESENT6	(NLBS_BIT(NLBS_FLOW_A_SADDR6) | NLBS_BIT(NLBS_FLOW_A_DADDR6) |	  \
			 NLBS_BIT(NLBS_FLOW_A_PROTO) | NLBS_BIT(NLBS_FLOW_A_SPORT) |	  \
			 NLBS_BIT(NLBS_FLOW_A_DPORT) | NLBS_BIT(NLBS_FLOW_A_SERVER6) |	  \
			 NLBS_BIT(NLBS_FLOW_A_IDLE_MS) | NLBS_BIT(NLBS_FLOW_A_FLAGS))

size_t sync_encode(const struct sync_msg *m, const uint8_t key[32], uint8_t out[SYNC_MAX_LEN])
{
	size_t i, count = m->count > max_count(m->type) ? max_count(m->type) : m->count;
	size_t body = SYNC_HDR_LEN + count * rec_len(m->type);
	uint8_t *r;

	memset(out, 0, body);
	put32(out, SYNC_MAGIC);
	out[4] = SYNC_VERSION;
	out[5] = m->type;
	out[6] = m->flags;
	out[7] = count;
	put32(out + 8, m->node_id);
	put32(out + 12, m->resync_id);
	put64(out + 16, m->epoch);
	put64(out + 24, m->seq);
	put32(out + 32, m->total);
	out[36] = m->status;
	for (i = 0; i < count && m->type == SYNC_T_FLOWS6; i++) {
		const struct nlbs_flow *f = &m->flows[i];

		r = out + SYNC_HDR_LEN + i * SYNC_REC6_LEN;
		memcpy(r, f->saddr6, 16);
		memcpy(r + 16, f->daddr6, 16);
		memcpy(r + 32, f->server6, 16);
		put16(r + 48, f->sport);
		put16(r + 50, f->dport);
		r[52] = f->proto;
		r[53] = f->flags & FLOW_F_WIRE;
		put32(r + 56, f->idle_ms);
	}
	for (i = 0; i < count && m->type != SYNC_T_FLOWS6; i++) {
		const struct nlbs_flow *f = &m->flows[i];

		r = out + SYNC_HDR_LEN + i * SYNC_REC_LEN;
		memcpy(r, &f->saddr, 4);
		memcpy(r + 4, &f->daddr, 4);
		memcpy(r + 8, &f->server, 4);
		put16(r + 12, f->sport);
		put16(r + 14, f->dport);
		r[16] = f->proto;
		r[17] = f->flags & FLOW_F_WIRE;
		put32(r + 20, f->idle_ms);
	}
	crypto_auth(out + body, out, body, key);
	return body + SYNC_MAC_LEN;
}

enum sync_result sync_decode(const uint8_t *buf, size_t len, const uint8_t key[32],
			     const uint8_t *next, struct sync_msg *m)
{
	size_t i, body;
	const uint8_t *r;

	if (!sync_is_sync(buf, len))
		return SYNC_ERR_MAGIC;
	/* a whole number of records of either family; which one, after the MAC */
	if (len < SYNC_MIN_LEN || len > SYNC_MAX_LEN ||
	    ((len - SYNC_MIN_LEN) % SYNC_REC_LEN && (len - SYNC_MIN_LEN) % SYNC_REC6_LEN))
		return SYNC_ERR_LEN;
	body = len - SYNC_MAC_LEN;
	if (crypto_auth_verify(buf + body, buf, body, key) &&
	    (!next || crypto_auth_verify(buf + body, buf, body, next)))
		return SYNC_ERR_AUTH;
	if (buf[4] != SYNC_VERSION)
		return SYNC_ERR_VERSION;
	m->type = buf[5];
	m->flags = buf[6];
	m->count = buf[7];
	if ((body - SYNC_HDR_LEN) % rec_len(m->type))
		return SYNC_ERR_LEN;
	if (m->count != (body - SYNC_HDR_LEN) / rec_len(m->type))
		return SYNC_ERR_FORMAT;
	switch (m->type) {
	case SYNC_T_FLOWS:
	case SYNC_T_FLOWS6:
		if (!m->count || m->count > max_count(m->type))
			return SYNC_ERR_FORMAT;
		break;
	case SYNC_T_REQUEST:
	case SYNC_T_END:
		if (m->count)
			return SYNC_ERR_FORMAT;
		break;
	default:
		return SYNC_ERR_FORMAT;
	}
	m->node_id = get32(buf + 8);
	m->resync_id = get32(buf + 12);
	m->epoch = get64(buf + 16);
	m->seq = get64(buf + 24);
	m->total = get32(buf + 32);
	m->status = buf[36];
	if (m->type == SYNC_T_REQUEST && !m->resync_id)
		return SYNC_ERR_FORMAT;
	for (i = 0; i < m->count && m->type == SYNC_T_FLOWS6; i++) {
		struct nlbs_flow *f = &m->flows[i];

		r = buf + SYNC_HDR_LEN + i * SYNC_REC6_LEN;
		memset(f, 0, sizeof(*f));
		f->present = FLOW_PRESENT6;
		memcpy(f->saddr6, r, 16);
		memcpy(f->daddr6, r + 16, 16);
		memcpy(f->server6, r + 32, 16);
		f->sport = get16(r + 48);
		f->dport = get16(r + 50);
		f->proto = r[52];
		f->flags = r[53] & FLOW_F_WIRE;
		f->idle_ms = get32(r + 56);
		if (f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP)
			return SYNC_ERR_FORMAT;
	}
	for (i = 0; i < m->count && m->type == SYNC_T_FLOWS; i++) {
		struct nlbs_flow *f = &m->flows[i];

		r = buf + SYNC_HDR_LEN + i * SYNC_REC_LEN;
		memset(f, 0, sizeof(*f));
		f->present = FLOW_PRESENT;
		memcpy(&f->saddr, r, 4);
		memcpy(&f->daddr, r + 4, 4);
		memcpy(&f->server, r + 8, 4);
		f->sport = get16(r + 12);
		f->dport = get16(r + 14);
		f->proto = r[16];
		f->flags = r[17] & FLOW_F_WIRE;
		f->idle_ms = get32(r + 20);
		if (f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP)
			return SYNC_ERR_FORMAT;
	}
	return SYNC_OK;
}

bool sync_add(struct sync_msg *m, const struct nlbs_flow *f)
{
	size_t max = sync_max_flows(f);

	if (m->count < max) {
		m->flows[m->count] = *f;
		m->flows[m->count].flags &= FLOW_F_WIRE;
		m->count++;
	}
	return m->count >= max;
}

/* ---- token bucket ---- */

void bucket_init(struct bucket *b, uint32_t rate, uint32_t burst, uint64_t now)
{
	b->rate = rate ? rate : 1;
	b->burst = burst ? burst : 1;
	b->milli = (uint64_t)b->burst * 1000;
	b->last_ms = now;
}

static void refill(struct bucket *b, uint64_t now)
{
	uint64_t cap = (uint64_t)b->burst * 1000, el;

	if (now <= b->last_ms)
		return;
	el = now - b->last_ms;
	if (el > 3600000)
		el = 3600000;
	b->milli += el * b->rate;
	if (b->milli > cap)
		b->milli = cap;
	b->last_ms = now;
}

uint32_t bucket_take(struct bucket *b, uint32_t want, uint64_t now)
{
	uint64_t have;

	refill(b, now);
	have = b->milli / 1000;
	if (want > have)
		want = have;
	b->milli -= (uint64_t)want * 1000;
	return want;
}

uint64_t bucket_wait_ms(struct bucket *b, uint32_t n, uint64_t now)
{
	uint64_t need;

	refill(b, now);
	if (n > b->burst)
		n = b->burst;
	if (b->milli >= (uint64_t)n * 1000)
		return 0;
	need = (uint64_t)n * 1000 - b->milli;
	return (need + b->rate - 1) / b->rate;
}

/* ---- resync ---- */

void resync_want(struct resync *rs, const char *why)
{
	rs->wanted = true;
	rs->why = why;
	rs->id = 0;		/* a new request, even if one was in flight */
	rs->started_ms = rs->sent_ms = rs->progress_ms = 0;
	rs->received = 0;
}

static void finish(struct resync *rs)
{
	rs->last_id = rs->id;
	rs->id = 0;
	rs->wanted = false;
}

enum resync_action resync_step(struct resync *rs, const struct resync_view *v,
			       uint64_t now, uint32_t timeout_ms, uint32_t new_id)
{
	if (!rs->wanted)
		return RS_NONE;
	if (v->active) {
		finish(rs);
		return RS_MOOT;
	}
	if (rs->id && now - rs->started_ms >= timeout_ms) {
		finish(rs);
		return RS_TIMEOUT;
	}
	if (!v->peer_serving)
		return RS_NONE;		/* nobody to ask (yet) */
	if (!rs->id) {
		rs->id = new_id ? new_id : 1;
		rs->started_ms = rs->sent_ms = rs->progress_ms = now;
		rs->received = 0;
		if (!timeout_ms) {
			/* ask, but do not wait: its end is logged when it comes */
			rs->last_id = rs->id;
			rs->wanted = false;
		}
		return RS_SEND;
	}
	if (now - rs->progress_ms >= RESYNC_RETRY_MS && now - rs->sent_ms >= RESYNC_RETRY_MS) {
		rs->sent_ms = now;
		return RS_SEND;
	}
	return RS_NONE;
}

bool resync_blocks(const struct resync *rs, const struct resync_view *v)
{
	return rs->wanted && !v->active && v->peer_serving;
}

bool resync_flows(struct resync *rs, uint32_t id, uint32_t n, uint64_t now)
{
	if (!id || (id != rs->id && id != rs->last_id))
		return false;
	rs->received += n;
	if (id == rs->id)
		rs->progress_ms = now;
	return true;
}

bool resync_end(struct resync *rs, uint32_t id, uint8_t status, uint64_t now)
{
	if (!rs->wanted || !id || id != rs->id)
		return false;
	if (status == SYNC_END_NOT_ACTIVE) {
		rs->progress_ms = now;	/* asked too early: again after the retry time */
		return false;
	}
	finish(rs);
	return true;
}
