// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: flow sync with the peer, the I/O around sync.c.
 *
 * Out, live: the kernel multicasts the flows it creates or refreshes on its
 * "flows" group in batches (FLOW_NTF); while we are active and the peer is
 * alive, they go to the peer in SYNC_T_FLOWS datagrams of up to 55 flows
 * (IPv6 flows: SYNC_T_FLOWS6, up to 22; one family a datagram),
 * at most sync-rate flows a second (a token bucket): above it flows are
 * dropped and counted, never queued, so nothing ever waits for the peer.
 *
 * Out, resync: a SYNC_T_REQUEST from the peer, while we are active, starts
 * a dump of our flow table on a netlink handle of its own, read a buffer at
 * a time from the event loop and only as fast as its own budget
 * (sync-resync-rate) lets us send: the kernel keeps the rest of the dump
 * until we ask for it. Then SYNC_T_END with the count.
 *
 * In: sync datagrams arrive on the heartbeat socket (ha.c hands them over),
 * are authenticated with the heartbeat key and checked against a replay
 * window of their own; a node that is not active imports their flows into
 * its kernel (FLOW_ADD, up to KERN_IMPORT_MAX a request, once the socket
 * is drained), an active one counts them as ignored.
 *
 * Asking: a node that starts, recovers from inop, sees the peer restart,
 * stalled past its lease, or steps down after a split (it was active while
 * the peer, silent to it but running, served too) wants the peer's whole
 * table; while that resync is due and its bounded
 * wait (sync-resync-timeout) not over, the election does not preempt the
 * active peer (elect.c, resync_pending).
 *
 * Datagrams go out from a socket of their own (ephemeral port, ordinary
 * priority): a burst of flows never delays a heartbeat in the send queue.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "daemon.h"
#include "hb.h"
#include "kernel.h"
#include "loop.h"
#include "sync.h"

#define REPORT_MS	60000
/* the serving queue: what one dump buffer can hold, and a batch */
#define SERVE_QUEUE	4096

struct counters {
	unsigned long sent, received, imported, refused, dropped, ignored;
	unsigned long resyncs, timeouts, served;
};

static struct relay {
	const struct nlbsd_config *cfg;
	bool on;		/* cfg->sync, as applied */
	uint64_t epoch, seq;
	int tx;			/* sending socket */
	struct ipaddr tx_addr;	/* what it is bound to */
	struct loop_fd kfl;	/* the kernel's flows group */
	bool kfl_failed;	/* logged: the kernel has no flows group */

	/* live */
	struct bucket live;
	struct sync_msg out[2];	/* the batches being filled: IPv4, IPv6 */
	bool live_on;		/* while reading a batch: send it? */
	uint64_t live_now;

	/* serving a resync to the peer */
	struct {
		bool on;
		uint32_t id;
		uint64_t started_ms;
		uint32_t sent;
		bool dump_done;
		struct nlbs_flow *q;
		size_t head, len;
		struct sync_msg msg;
		struct bucket bucket;
		struct timer pace;
		struct loop_fd fd;
		bool fd_polled;
	} srv;

	/* receiving */
	struct hb_replay replay;
	struct sync_msg in;
	struct nlbs_flow imp[KERN_IMPORT_MAX];
	size_t nimp;

	/* asking the peer */
	struct resync rs;

	/* --no-kernel tests: a made-up kernel flow table and flow source */
	uint32_t dry_table, dry_rate;

	struct timer report;
	struct counters c, reported;
	unsigned long rx_auth, rx_replay, rx_bad, tx_err, overruns;
	struct ratelimit rl_auth, rl_replay, rl_bad, rl_tx, rl_imp, rl_ign, rl_over;
} r = {
	.tx = -1,
	.kfl.fd = -1,
	.srv.fd.fd = -1,
	.rl_auth.period_ms = 5000,
	.rl_replay.period_ms = 5000,
	.rl_bad.period_ms = 5000,
	.rl_tx.period_ms = 5000,
	.rl_imp.period_ms = 5000,
	.rl_ign.period_ms = 60000,
	.rl_over.period_ms = 5000,
};

/*
 * What may go at once, at least a full datagram. Live: 1/5 s of flows, the
 * kernel's batches come every 100 ms (and sometimes late). A resync: 1/50 s,
 * the rest paced by a timer, so a table of any size leaves as a steady
 * stream rather than a burst that overflows a queue on the way.
 */
static uint32_t burst(uint32_t rate, uint32_t per_s)
{
	return rate / per_s > SYNC_MAX_FLOWS ? rate / per_s : SYNC_MAX_FLOWS;
}

/* ---- sending ---- */

static int open_tx(const struct nlbsd_config *c)
{
	struct sockaddr_storage ss;
	socklen_t sl = ipaddr_sockaddr(&c->address, 0, &ss);
	int one = 1, buf = 4 << 20, ttl = 255, fd;

	/* the heartbeat address's family (IPv4 or IPv6) */
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* the heartbeat socket takes TTL (hop limit) 255 only (on-link) */
	if (ss.ss_family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

static void set_tx(const struct nlbsd_config *c)
{
	int fd;

	if (r.tx >= 0 && ipaddr_eq(&r.tx_addr, &c->address))
		return;
	fd = open_tx(c);
	if (fd < 0) {
		log_err("sync: socket %s: %s (flows are not sent to the peer)", ipa(&c->address),
			strerror(-fd));
		return;
	}
	if (r.tx >= 0)
		close(r.tx);
	r.tx = fd;
	r.tx_addr = c->address;
}

/* 0, or -errno (the datagram was not sent) */
static int send_msg(struct sync_msg *m)
{
	static uint8_t buf[SYNC_MAX_LEN];
	struct sockaddr_storage to;
	socklen_t tl = ipaddr_sockaddr(&r.cfg->peer, r.cfg->port, &to);
	size_t len;

	if (r.tx < 0)
		return -EBADF;
	m->node_id = r.cfg->node_id;
	m->epoch = r.epoch;
	m->seq = ++r.seq;
	len = sync_encode(m, r.cfg->key, buf);
	if (sendto(r.tx, buf, len, 0, (struct sockaddr *)&to, tl) < 0) {
		int err = errno;

		r.tx_err++;
		log_rl(&r.rl_tx, LOG_LVL_WARN, "sync: to %s: %s (%lu so far)", ipa(&r.cfg->peer),
		       strerror(err), r.tx_err);
		return -err;
	}
	return 0;
}

static void send_ctl(uint8_t type, uint32_t id, uint32_t total, uint8_t status)
{
	struct sync_msg m = {
		.type = type,
		.resync_id = id,
		.total = total,
		.status = status,
	};

	send_msg(&m);
}

/* ---- live ---- */

static void flush_one(struct sync_msg *m, uint8_t type)
{
	if (!m->count)
		return;
	m->type = type;
	m->flags = 0;
	m->resync_id = 0;
	m->total = 0;
	m->status = 0;
	if (send_msg(m) < 0)
		r.c.dropped += m->count;
	else
		r.c.sent += m->count;
	m->count = 0;
}

static void flush_live(void)
{
	flush_one(&r.out[0], SYNC_T_FLOWS);
	flush_one(&r.out[1], SYNC_T_FLOWS6);
}

static void live_flow(void *arg, const struct nlbs_flow *f)
{
	bool v6 = sync_flow_is6(f);

	(void)arg;
	if (!r.live_on)
		return;
	if (!bucket_take(&r.live, 1, r.live_now)) {
		r.c.dropped++;
		return;
	}
	/* one family a message */
	if (sync_add(&r.out[v6], f))
		flush_one(&r.out[v6], v6 ? SYNC_T_FLOWS6 : SYNC_T_FLOWS);
}

static void kfl_readable(struct loop_fd *lf, uint32_t events)
{
	int ret;

	(void)lf;
	(void)events;
	r.live_now = now_ms();
	/* only the active node's flows matter, and only to a peer that hears */
	r.live_on = r.on && ha_state() == ST_ACTIVE && ha_peer_alive();
	ret = kern_flows_read(live_flow, NULL);
	if (ret == -ENOBUFS) {
		r.overruns++;
		log_rl(&r.rl_over, LOG_LVL_WARN,
		       "sync: kernel flow notifications lost (socket overrun, %lu so far): "
		       "those flows reach the peer when they see traffic again", r.overruns);
		ret = kern_flows_read(live_flow, NULL);
	}
	if (ret < 0 && ret != -ENOBUFS)
		log_rl(&r.rl_over, LOG_LVL_ERR, "sync: kernel flows: %s", strerror(-ret));
	flush_live();
}

static void flows_open(void)
{
	int ret;

	if (r.kfl.fd >= 0)
		return;
	ret = kern_flows_open();
	if (ret < 0) {
		if (!r.kfl_failed)
			log_warn("sync: %s: the kernel's flows are not sent to the peer", kern_error());
		r.kfl_failed = true;
		return;
	}
	r.kfl_failed = false;
	r.kfl.fd = kern_flows_fd();
	r.kfl.fn = kfl_readable;
	if (r.kfl.fd >= 0 && loop_add(&r.kfl, EPOLLIN) < 0) {
		log_err("sync: kernel flows: %s", strerror(errno));
		r.kfl.fd = -1;
	}
}

static void flows_close(void)
{
	if (r.kfl.fd >= 0)
		loop_del(&r.kfl);
	r.kfl.fd = -1;
	kern_flows_close();
}

/* ---- serving a resync to the peer ---- */

static void serve_stop(void)
{
	if (r.srv.fd.fd >= 0 && r.srv.fd_polled)
		loop_del(&r.srv.fd);
	r.srv.fd.fd = -1;
	r.srv.fd_polled = false;
	kern_dump_stop();
	timer_cancel(&r.srv.pace);
	free(r.srv.q);
	r.srv.q = NULL;
	r.srv.head = r.srv.len = 0;
	r.srv.on = false;
}

static void serve_end(uint8_t status, const char *why)
{
	uint64_t ms = now_ms() - r.srv.started_ms;

	send_ctl(SYNC_T_END, r.srv.id, r.srv.sent, status);
	if (status == SYNC_END_OK) {
		r.c.served++;
		log_info("sync: resync to peer done: %u flows in %llu ms", r.srv.sent,
			 (unsigned long long)ms);
	} else {
		log_warn("sync: resync to peer cut short after %u flows in %llu ms: %s",
			 r.srv.sent, (unsigned long long)ms, why);
	}
	serve_stop();
}

static void serve_flow(void *arg, const struct nlbs_flow *f)
{
	(void)arg;
	if (r.srv.len < SERVE_QUEUE)
		r.srv.q[r.srv.len++] = *f;
}

/* Wait for the dump descriptor (readable) or not (waiting for tokens). */
static void serve_poll(bool want)
{
	if (r.srv.fd.fd < 0 || want == r.srv.fd_polled)
		return;
	if (loop_mod(&r.srv.fd, want ? EPOLLIN : 0) < 0)
		log_err("sync: flow dump: %s", strerror(errno));
	r.srv.fd_polled = want;
}

static void serve_pump(void);

/* Of the @n flows at @q, how many go in one message: a run of one family. */
static size_t same_family(const struct nlbs_flow *q, size_t n)
{
	size_t i, max = sync_max_flows(q);

	for (i = 1; i < n && i < max; i++)
		if (sync_flow_is6(&q[i]) != sync_flow_is6(q))
			break;
	return i < max ? i : max;
}

static void serve_pace(struct timer *t)
{
	(void)t;
	serve_pump();
}

static void serve_readable(struct loop_fd *lf, uint32_t events)
{
	(void)lf;
	(void)events;
	serve_pump();
}

/*
 * Send what the budget allows; read the dump only when the queue is short
 * of a datagram. Returns to the loop when it must wait: for tokens (the
 * pace timer), for the kernel (the dump descriptor).
 */
static void serve_pump(void)
{
	struct sync_msg *m = &r.srv.msg;
	uint64_t now, wait;
	size_t n;
	int ret;

	while (r.srv.on) {
		n = r.srv.len - r.srv.head;
		if (n < SYNC_MAX_FLOWS && !r.srv.dump_done) {
			memmove(r.srv.q, r.srv.q + r.srv.head, n * sizeof(*r.srv.q));
			r.srv.head = 0;
			r.srv.len = n;
			ret = kern_dump_read(serve_flow, NULL);
			if (ret == -EAGAIN) {
				serve_poll(true);
				return;
			}
			if (ret < 0) {
				log_err("sync: flow dump: %s", strerror(-ret));
				serve_end(SYNC_END_FAILED, "the flow dump failed");
				return;
			}
			if (ret == 1)
				r.srv.dump_done = true;
			continue;
		}
		serve_poll(false);
		if (!n) {
			serve_end(SYNC_END_OK, NULL);
			return;
		}
		n = same_family(r.srv.q + r.srv.head, n);
		now = now_ms();
		wait = bucket_wait_ms(&r.srv.bucket, n, now);
		if (wait) {
			timer_arm(&r.srv.pace, now + wait);
			return;
		}
		m->type = sync_flow_is6(&r.srv.q[r.srv.head]) ? SYNC_T_FLOWS6 : SYNC_T_FLOWS;
		m->flags = SYNC_F_RESYNC;
		m->resync_id = r.srv.id;
		m->total = 0;
		m->status = 0;
		memcpy(m->flows, r.srv.q + r.srv.head, n * sizeof(*m->flows));
		m->count = n;
		ret = send_msg(m);
		m->count = 0;
		if (ret == -EAGAIN || ret == -ENOBUFS) {
			/* the send queue is full: a little later, nothing lost */
			timer_arm(&r.srv.pace, now + 5);
			return;
		}
		if (ret < 0) {
			serve_end(SYNC_END_FAILED, "cannot send to the peer");
			return;
		}
		bucket_take(&r.srv.bucket, n, now);
		r.srv.head += n;
		r.srv.sent += n;
		r.c.sent += n;
	}
}

static void serve_start(uint32_t id)
{
	int ret;

	if (ha_state() != ST_ACTIVE) {
		log_info("sync: peer asks for our flow table: not active, nothing to send");
		send_ctl(SYNC_T_END, id, 0, SYNC_END_NOT_ACTIVE);
		return;
	}
	if (r.srv.on && r.srv.id == id)
		return;		/* asked again while we send it */
	if (r.srv.on) {
		log_info("sync: peer asks for a new resync: the previous one (%u flows sent) "
			 "is dropped", r.srv.sent);
		serve_stop();
	}
	log_info("sync: resync to peer started: sending our flow table");
	r.srv.on = true;
	r.srv.id = id;
	r.srv.sent = 0;
	r.srv.dump_done = false;
	r.srv.started_ms = now_ms();
	r.srv.head = r.srv.len = 0;
	r.srv.q = malloc(SERVE_QUEUE * sizeof(*r.srv.q));
	if (!r.srv.q) {
		serve_end(SYNC_END_FAILED, "out of memory");
		return;
	}
	ret = kern_dump_start();
	if (ret < 0) {
		log_err("sync: %s", kern_error());
		serve_end(SYNC_END_FAILED, "the flow dump failed");
		return;
	}
	bucket_init(&r.srv.bucket, r.cfg->sync_resync_rate, burst(r.cfg->sync_resync_rate, 50),
		    now_ms());
	r.srv.pace.fn = serve_pace;
	r.srv.fd.fd = kern_dump_fd();
	r.srv.fd.fn = serve_readable;
	if (r.srv.fd.fd >= 0) {
		if (loop_add(&r.srv.fd, 0) < 0) {
			log_err("sync: flow dump: %s", strerror(errno));
			serve_end(SYNC_END_FAILED, "the flow dump failed");
			return;
		}
		r.srv.fd_polled = false;
	}
	serve_pump();
}

/* ---- receiving ---- */

static void flush_import(void)
{
	if (!r.nimp)
		return;
	if (kern_flow_import(r.imp, r.nimp) < 0) {
		r.c.refused += r.nimp;
		log_rl(&r.rl_imp, LOG_LVL_WARN, "sync: the kernel refused %zu flows from the peer: %s",
		       r.nimp, kern_error());
	} else {
		r.c.imported += r.nimp;
	}
	r.nimp = 0;
}

void relay_rx_done(void)
{
	flush_import();
}

static void on_flows(const struct sync_msg *m)
{
	size_t i;

	r.c.received += m->count;
	if (m->flags & SYNC_F_RESYNC)
		resync_flows(&r.rs, m->resync_id, m->count, now_ms());
	if (ha_state() == ST_ACTIVE) {
		/* the active node's table is the one that counts */
		r.c.ignored += m->count;
		log_rl(&r.rl_ign, LOG_LVL_INFO,
		       "sync: flows from the peer ignored while we are active (%lu so far)",
		       r.c.ignored);
		return;
	}
	for (i = 0; i < m->count; i++) {
		r.imp[r.nimp++] = m->flows[i];
		if (r.nimp == KERN_IMPORT_MAX)
			flush_import();
	}
}

static void on_end(const struct sync_msg *m)
{
	uint64_t now = now_ms(), ms = now - r.rs.started_ms;
	uint32_t got = r.rs.received;

	flush_import();		/* all of it in the kernel before the election goes on */
	if (resync_end(&r.rs, m->resync_id, m->status, now)) {
		if (m->status == SYNC_END_OK) {
			r.c.resyncs++;
			if (m->total > got)
				log_info("sync: resync from peer done: %u flows in %llu ms "
					 "(the peer sent %u: %u lost)", got,
					 (unsigned long long)ms, m->total, m->total - got);
			else
				log_info("sync: resync from peer done: %u flows in %llu ms", got,
					 (unsigned long long)ms);
		} else {
			log_warn("sync: resync from peer failed after %llu ms: %u flows "
				 "(the peer could not send its whole table)",
				 (unsigned long long)ms, got);
		}
		ha_evaluate();
		return;
	}
	if (m->resync_id && m->resync_id == r.rs.last_id && m->status == SYNC_END_OK) {
		/* after the wait was over (or sync-resync-timeout 0) */
		r.c.resyncs++;
		log_info("sync: resync from peer done after the wait: %u flows in %llu ms", got,
			 (unsigned long long)ms);
		r.rs.last_id = 0;
		return;
	}
	if (m->status == SYNC_END_NOT_ACTIVE)
		log_dbg("sync: the peer is not active (yet): asking again");
}

void relay_rx(const uint8_t *buf, size_t len)
{
	const struct nlbsd_config *c = r.cfg;
	struct sync_msg *m = &r.in;
	enum sync_result res;
	enum hb_result hr;
	struct hb_msg seq;
	int restarted;

	if (!c)
		return;
	res = sync_decode(buf, len, c->key, c->has_next_key ? c->next_key : NULL, m);
	if (res == SYNC_ERR_AUTH) {
		r.rx_auth++;
		log_rl(&r.rl_auth, LOG_LVL_WARN, "sync message from %s: %s (%lu so far)",
		       ipa(&c->peer), sync_result_str(res), r.rx_auth);
		return;
	}
	if (res != SYNC_OK) {
		r.rx_bad++;
		log_rl(&r.rl_bad, LOG_LVL_WARN, "sync message from %s: %s (%lu so far)",
		       ipa(&c->peer), sync_result_str(res), r.rx_bad);
		return;
	}
	if (m->node_id == c->node_id) {
		r.rx_bad++;
		log_rl(&r.rl_bad, LOG_LVL_WARN,
		       "sync message from %s carries our own node id %u: check [node] id",
		       ipa(&c->peer), m->node_id);
		return;
	}
	seq = (struct hb_msg){ .epoch = m->epoch, .seq = m->seq };
	hr = hb_replay_check(&r.replay, &seq, &restarted);
	if (hr != HB_OK && hr != HB_ERR_REORDERED) {
		/* reordered: new all the same, its flows are news */
		r.rx_replay++;
		log_rl(&r.rl_replay, LOG_LVL_WARN, "sync message from %s ignored: %s (%lu so far)",
		       ipa(&c->peer), hb_result_str(hr), r.rx_replay);
		return;
	}
	if (!r.on) {
		r.c.ignored += m->count;
		return;
	}
	switch (m->type) {
	case SYNC_T_FLOWS:
	case SYNC_T_FLOWS6:
		on_flows(m);
		break;
	case SYNC_T_REQUEST:
		serve_start(m->resync_id);
		break;
	case SYNC_T_END:
		on_end(m);
		break;
	}
}

/* ---- asking the peer ---- */

bool relay_resync_pending(bool peer_serving)
{
	struct resync_view v = { .active = ha_state() == ST_ACTIVE, .peer_serving = peer_serving };
	bool first = !r.rs.id;
	uint32_t id = 0;

	if (!r.on || !r.cfg)
		return false;
	while (r.rs.wanted && first && !id)
		id = randombytes_random();
	switch (resync_step(&r.rs, &v, now_ms(), r.cfg->sync_resync_timeout_ms, id)) {
	case RS_SEND:
		if (first)
			log_info("sync: resync from peer started (%s)", r.rs.why);
		else
			log_dbg("sync: asking the peer for its flow table again");
		send_ctl(SYNC_T_REQUEST, r.rs.id ? r.rs.id : r.rs.last_id, 0, 0);
		break;
	case RS_TIMEOUT:
		r.c.timeouts++;
		log_warn("sync: resync from peer timed out after %u ms: %u flows received; "
			 "the election goes on", r.cfg->sync_resync_timeout_ms, r.rs.received);
		break;
	case RS_MOOT:
		log_info("sync: resync from peer dropped: we are active");
		break;
	case RS_NONE:
		break;
	}
	return resync_blocks(&r.rs, &v);
}

static void want(const char *why)
{
	if (!r.on || ha_state() == ST_ACTIVE)
		return;
	resync_want(&r.rs, why);
}

void relay_want(const char *why)
{
	want(why);
}

void relay_state(int st, int old)
{
	if (old == ST_ACTIVE && st != ST_ACTIVE && r.srv.on)
		serve_end(SYNC_END_FAILED, "no longer active");
	if (old == ST_INOP && st == ST_STANDBY)
		want("recovered from inop");
}

void relay_peer_epoch(uint64_t epoch)
{
	r.replay = (struct hb_replay){ .valid = 1, .epoch = epoch };
}

void relay_peer_restarted(void)
{
	want("peer restarted");
}

void relay_kernel_lost(void)
{
	if (r.srv.on)
		serve_end(SYNC_END_FAILED, "the kernel module went away");
	if (r.kfl.fd >= 0)
		loop_del(&r.kfl);
	r.kfl.fd = -1;		/* kern_close() closes it */
}

void relay_kernel_back(void)
{
	if (r.on)
		flows_open();
}

/* ---- counters ---- */

static bool counters_zero(const struct counters *k)
{
	return !(k->sent | k->received | k->imported | k->refused | k->dropped | k->ignored |
		 k->resyncs | k->timeouts | k->served);
}

static void log_counters(const char *prefix)
{
	const struct counters *k = &r.c;

	log_info("%ssync: sent %lu received %lu imported %lu refused %lu dropped %lu "
		 "ignored %lu resyncs %lu timeouts %lu served %lu", prefix, k->sent,
		 k->received, k->imported, k->refused, k->dropped, k->ignored, k->resyncs,
		 k->timeouts, k->served);
	r.reported = r.c;
}

static void report(struct timer *t)
{
	timer_arm(t, now_ms() + REPORT_MS);
	if (memcmp(&r.c, &r.reported, sizeof(r.c)))
		log_counters("");
}

void relay_status(FILE *f)
{
	const struct counters *k = &r.c;

	if (!r.cfg)
		return;
	fprintf(f, "sync: %s\n", r.on ? "on" : "off");
	fprintf(f, "sync-counters: sent %lu received %lu imported %lu refused %lu dropped %lu "
		"ignored %lu resyncs %lu timeouts %lu served %lu\n", k->sent, k->received,
		k->imported, k->refused, k->dropped, k->ignored, k->resyncs, k->timeouts, k->served);
	fprintf(f, "sync-resync: from peer %s, to peer %s\n",
		r.rs.wanted ? (r.rs.id ? "waiting" : "due") : "none", r.srv.on ? "sending" : "none");
	fprintf(f, "sync-refused: auth %lu, replay %lu, bad %lu; send errors %lu, kernel "
		"overruns %lu\n", r.rx_auth, r.rx_replay, r.rx_bad, r.tx_err, r.overruns);
}

void relay_dump(void)
{
	if (!r.cfg)
		return;
	log_counters("status: ");
	log_info("status: sync %s, rate %u/s, resync rate %u/s, timeout %u ms; resync from peer "
		 "%s; resync to peer %s; rejected: auth %lu, replay %lu, bad %lu; send errors %lu, "
		 "kernel overruns %lu", r.on ? "on" : "off", r.cfg->sync_rate,
		 r.cfg->sync_resync_rate, r.cfg->sync_resync_timeout_ms,
		 r.rs.wanted ? (r.rs.id ? "waiting" : "due") : "none",
		 r.srv.on ? "sending" : "none", r.rx_auth, r.rx_replay, r.rx_bad, r.tx_err,
		 r.overruns);
}

/* ---- lifecycle ---- */

void relay_dry_flows(uint32_t table, uint32_t rate)
{
	r.dry_table = table;
	r.dry_rate = rate;
}

/* --no-kernel: made-up flows of the first service to its first server */
static void dry_setup(const struct nlbsd_config *c)
{
	struct nlbs_flow f = { 0 };
	size_t i;

	if (!kern_dry() || (!r.dry_table && !r.dry_rate))
		return;
	f.daddr = htonl(0xc6336400 | 10);	/* 198.51.100.10 */
	f.proto = IPPROTO_TCP;
	f.dport = 80;
	f.server = htonl(0x0a141415);		/* 10.20.0.21 */
	for (i = 0; i < c->nservices; i++) {
		const struct cfg_service *s = &c->services[i];

		if (s->vip.af == AF_INET6) {
			f.present = NLBS_BIT(NLBS_FLOW_A_SADDR6);
			memcpy(f.daddr6, &s->vip.v6, 16);
			if (s->nservers)
				memcpy(f.server6, &s->servers[0].addr.v6, 16);
		} else {
			f.daddr = s->vip.v4.s_addr;
			if (s->nservers)
				f.server = s->servers[0].addr.v4.s_addr;
		}
		f.proto = s->proto ? s->proto : IPPROTO_TCP;
		f.dport = s->proto ? s->port : 80;
		break;
	}
	kern_dry_flows(r.dry_table, r.dry_rate, &f);
}

static void apply(const struct nlbsd_config *c)
{
	bucket_init(&r.live, c->sync_rate, burst(c->sync_rate, 5), now_ms());
	if (r.on) {
		set_tx(c);
		flows_open();
	} else {
		if (r.srv.on)
			serve_end(SYNC_END_FAILED, "sync turned off");
		flows_close();
		r.rs.wanted = false;
	}
}

int relay_start(const struct nlbsd_config *c, uint64_t epoch)
{
	r.cfg = c;
	r.epoch = epoch;
	r.on = c->sync;
	dry_setup(c);
	apply(c);
	if (r.on)
		resync_want(&r.rs, "start");
	r.report.fn = report;
	timer_arm(&r.report, now_ms() + REPORT_MS);
	if (!r.on)
		log_info("sync: off");
	return 0;
}

void relay_reload(const struct nlbsd_config *c)
{
	const struct nlbsd_config *old = r.cfg;
	bool was = r.on;

	r.cfg = c;
	r.on = c->sync;
	if (!ipaddr_eq(&c->peer, &old->peer)) {
		memset(&r.replay, 0, sizeof(r.replay));
		if (r.srv.on)
			serve_end(SYNC_END_FAILED, "the peer changed");
	}
	if (r.on != was)
		log_info("sync: %s", r.on ? "on" : "off");
	dry_setup(c);
	apply(c);
	if (r.on && (!was || !ipaddr_eq(&c->peer, &old->peer)))
		want(was ? "new peer" : "sync turned on");
	if (r.srv.on)
		bucket_init(&r.srv.bucket, c->sync_resync_rate, burst(c->sync_resync_rate, 50),
			    now_ms());
}

void relay_stop(void)
{
	flush_import();
	if (r.srv.on)
		serve_end(SYNC_END_FAILED, "shutting down");
	flows_close();
	timer_cancel(&r.report);
	if (r.tx >= 0)
		close(r.tx);
	r.tx = -1;
	if (!counters_zero(&r.c))
		log_counters("");
}
