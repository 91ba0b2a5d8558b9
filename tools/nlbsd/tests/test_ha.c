// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd host tests of ha.c's kernel paths: the daemon's election, lease and
 * event handling against a fake kernel behind the netlink I/O seam
 * (tools/lib/nlbs_nl_io.h), with the test playing the peer over UDP on
 * 127.0.0.1 (us) and 127.0.0.2 (the peer).
 *
 * The fake kernel keeps the state and lease as the module does (same
 * transitions), answers STATE_GET and CONFIG_GET, and stamps the state
 * events it sends with the port id of the request that caused them (ours,
 * PORT_US), or of a hand (PORT_HAND, nlbs-genl), or 0 (the kernel's own:
 * lease expiry).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "../config.h"
#include "../daemon.h"
#include "../hb.h"
#include "../kernel.h"
#include "../loop.h"
#include "nlbs_nl.h"
#include "nlbs_nl_io.h"
#include "ktap.h"

#define FAMILY		0x42
#define PORT_US		1001
#define PORT_HAND	4242
#define ADVERT		100
#define DEAD		3

/* ---- the fake kernel ---- */

#define EVQ 256

static struct {
	int state;
	uint32_t lease_ms;
	bool configured;
	int fail_next;			/* errno for the next STATE_SET, 0: none */
	uint64_t arp_conflicts;		/* NLBS_STATS_A_ARP_CONFLICTS */
	unsigned int sets, active_sets, gets;

	char reply[4096] __attribute__((aligned(8)));
	size_t reply_len;
	bool reply_ready;

	struct {
		char buf[512] __attribute__((aligned(8)));
		size_t len;
	} ev[EVQ];
	unsigned int ev_head, ev_tail;
	int efd;
} k = { .efd = -1 };

static const uint8_t transitions[] = {
	[ST_INIT] = 1 << ST_ACTIVE | 1 << ST_STANDBY | 1 << ST_INOP,
	[ST_ACTIVE] = 1 << ST_STANDBY | 1 << ST_INIT | 1 << ST_INOP,
	[ST_STANDBY] = 1 << ST_ACTIVE | 1 << ST_INIT | 1 << ST_INOP,
	[ST_INOP] = 1 << ST_INIT | 1 << ST_STANDBY,
};

static void k_event(uint32_t portid, const char *reason)
{
	struct nlmsghdr *nlh;

	if (k.ev_tail - k.ev_head >= EVQ)
		abort();
	nlh = nlbs_msg_init(k.ev[k.ev_tail % EVQ].buf, FAMILY, NLBS_CMD_STATE_NTF, 0);
	nlh->nlmsg_flags = 0;
	nlh->nlmsg_pid = portid;
	mnl_attr_put_u8(nlh, NLBS_A_STATE, k.state);
	mnl_attr_put_strz(nlh, NLBS_A_REASON, reason);
	k.ev[k.ev_tail % EVQ].len = nlh->nlmsg_len;
	k.ev_tail++;
	if (k.efd >= 0)
		eventfd_write(k.efd, 1);
}

/* The module's nlbs_enter_state(): an event only when the state changes. */
static void k_enter(int st, uint32_t portid, const char *reason)
{
	if (st == k.state)
		return;
	k.state = st;
	if (st != ST_ACTIVE)
		k.lease_ms = 0;
	k_event(portid, reason);
}

/* nlbs-genl state set ST by hand (its own netlink port) */
static void hand_set(int st)
{
	if (st == ST_ACTIVE)
		k.lease_ms = 0;		/* nlbs-genl sends no lease */
	k_enter(st, PORT_HAND, "set by request");
}

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_get_type(a) <= NLBS_A_MAX)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static struct nlmsghdr *reply_hdr(char *p, const struct nlmsghdr *req, uint16_t type)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(p);

	nlh->nlmsg_type = type;
	nlh->nlmsg_seq = req->nlmsg_seq;
	return nlh;
}

static void put_ack(const struct nlmsghdr *req, int err)
{
	struct nlmsghdr *nlh = reply_hdr(k.reply + k.reply_len, req, NLMSG_ERROR);
	struct nlmsgerr *e;

	nlh->nlmsg_flags = NLM_F_CAPPED;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -err;
	e->msg = *req;
	k.reply_len += NLMSG_ALIGN(nlh->nlmsg_len);
}

static int k_state_set(const struct nlattr **tb)
{
	int st;

	if (!tb[NLBS_A_STATE])
		return EINVAL;
	st = mnl_attr_get_u8(tb[NLBS_A_STATE]);
	k.sets++;
	if (k.fail_next) {
		int e = k.fail_next;

		k.fail_next = 0;
		return e;
	}
	if (st >= ST_COUNT)
		return EINVAL;
	if ((tb[NLBS_A_LEASE_MS] || tb[NLBS_A_ANNOUNCE]) && st != ST_ACTIVE)
		return EINVAL;
	if (st != k.state && !(transitions[k.state] & 1 << st))
		return EINVAL;
	if (st == ST_ACTIVE && !k.configured)
		return EINVAL;
	if (st == ST_ACTIVE) {
		k.active_sets++;
		k.lease_ms = tb[NLBS_A_LEASE_MS] ? mnl_attr_get_u32(tb[NLBS_A_LEASE_MS]) : 0;
	}
	k_enter(st, PORT_US, "set by request");
	return 0;
}

static ssize_t k_send(void *ctx, const void *buf, size_t len)
{
	const struct nlmsghdr *req = buf;
	const struct nlattr *tb[NLBS_A_MAX + 1] = { NULL };
	struct nlmsghdr *nlh;
	int err = 0;

	(void)ctx;
	k.reply_len = 0;
	k.reply_ready = true;
	mnl_attr_parse(req, sizeof(struct genlmsghdr), attr_cb, tb);
	switch (nlbs_msg_cmd(req)) {
	case NLBS_CMD_STATE_SET:
		err = k_state_set(tb);
		break;
	case NLBS_CMD_STATE_GET:
		k.gets++;
		nlh = nlbs_msg_init(k.reply, FAMILY, NLBS_CMD_STATE_GET, 0);
		nlh->nlmsg_flags = 0;
		nlh->nlmsg_seq = req->nlmsg_seq;
		mnl_attr_put_u8(nlh, NLBS_A_STATE, k.state);
		if (k.state == ST_ACTIVE && k.lease_ms)
			mnl_attr_put_u32(nlh, NLBS_A_LEASE_MS, k.lease_ms);
		k.reply_len = NLMSG_ALIGN(nlh->nlmsg_len);
		break;
	case NLBS_CMD_CONFIG_SET:
		k.configured = true;
		break;
	case NLBS_CMD_STATS_GET: {
		struct nlattr *nest;

		nlh = nlbs_msg_init(k.reply, FAMILY, NLBS_CMD_STATS_GET, 0);
		nlh->nlmsg_flags = 0;
		nlh->nlmsg_seq = req->nlmsg_seq;
		nest = mnl_attr_nest_start(nlh, NLBS_A_STATS);
		mnl_attr_put_u64(nlh, NLBS_STATS_A_ARP_CONFLICTS, k.arp_conflicts);
		mnl_attr_nest_end(nlh, nest);
		k.reply_len = NLMSG_ALIGN(nlh->nlmsg_len);
		break;
	}
	case NLBS_CMD_CONFIG_GET:
		nlh = nlbs_msg_init(k.reply, FAMILY, NLBS_CMD_CONFIG_GET, 0);
		nlh->nlmsg_flags = 0;
		nlh->nlmsg_seq = req->nlmsg_seq;
		if (k.configured) {
			mnl_attr_put_u32(nlh, NLBS_A_ACCESS_IFINDEX, 1);
			mnl_attr_put_u32(nlh, NLBS_A_SERVER_IFINDEX, 1);
			mnl_attr_put_u32(nlh, NLBS_A_NLBS_ADDR_BE, inet_addr("127.0.0.100"));
		}
		k.reply_len = NLMSG_ALIGN(nlh->nlmsg_len);
		break;
	default:
		break;		/* services, servers: accepted */
	}
	put_ack(req, err);
	return len;
}

static ssize_t k_recv(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	if (!k.reply_ready || k.reply_len > len) {
		errno = EAGAIN;
		return -1;
	}
	k.reply_ready = false;
	memcpy(buf, k.reply, k.reply_len);
	return k.reply_len;
}

static ssize_t k_evsend(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	errno = EOPNOTSUPP;
	return -1;
}

static ssize_t k_evrecv(void *ctx, void *buf, size_t len)
{
	eventfd_t v;
	size_t n;

	(void)ctx;
	if (k.ev_head == k.ev_tail) {
		eventfd_read(k.efd, &v);
		errno = EAGAIN;
		return -1;
	}
	n = k.ev[k.ev_head % EVQ].len;
	if (n > len)
		abort();
	memcpy(buf, k.ev[k.ev_head % EVQ].buf, n);
	k.ev_head++;
	return n;
}

/* ---- the peer: heartbeats over UDP ---- */

#define RXMAX 8192

static struct {
	int fd;
	struct loop_fd lf;
	/* a second heartbeat path: 127.0.0.4 (the peer) to 127.0.0.3 (us) */
	int fd2;
	struct loop_fd lf2;
	bool lost1, lost2;	/* a path lost both ways */
	unsigned long got1, got2;	/* our heartbeats received on each path */
	struct timer t;
	int state;
	uint8_t prio;
	bool silent;
	bool deaf;		/* one-way loss: its echo of us stops */
	const uint8_t *key;	/* what it signs with */
	uint32_t fp[HB_FP_PARTS];
	uint64_t epoch, seq;
	uint64_t echo_epoch, echo_seq, echo_ms;	/* ours, as it heard them */
	struct {
		uint64_t ms;
		int state;
		uint8_t prio;
	} rx[RXMAX];
	size_t nrx;
} peer = { .fd = -1, .fd2 = -1 };

static uint8_t key[32], key2[32];
static struct sockaddr_in us_sa, us_sa2;

static void peer_send(void)
{
	struct hb_msg m = {
		.state = peer.state,
		.priority = peer.prio,
		.node_id = 2,
		.interval_ms = ADVERT,
		.epoch = peer.epoch,
		.seq = ++peer.seq,
		.timestamp_ms = wall_ms(),
		.echo_epoch = peer.echo_epoch,
		.echo_seq = peer.echo_seq,
		.echo_age_ms = peer.echo_epoch ? now_ms() - peer.echo_ms : 0,
	};
	uint8_t buf[HB_LEN];

	memcpy(m.fp, peer.fp, sizeof(m.fp));
	hb_encode(&m, peer.key, buf);
	if (!peer.lost1)
		sendto(peer.fd, buf, sizeof(buf), 0, (struct sockaddr *)&us_sa, sizeof(us_sa));
	if (peer.fd2 >= 0 && !peer.lost2)
		sendto(peer.fd2, buf, sizeof(buf), 0, (struct sockaddr *)&us_sa2, sizeof(us_sa2));
}

static void peer_drain(void);

static void peer_tick(struct timer *t)
{
	timer_arm(t, now_ms() + ADVERT);
	peer_drain();		/* as nlbsd: what queued first, then the echo is fresh */
	if (!peer.silent)
		peer_send();
}

/* Read what we sent to the peer on one path (dropped if that path is lost). */
static void peer_drain_fd(int fd, bool lost)
{
	uint8_t buf[2048];
	struct hb_msg m;
	ssize_t n;

	while (fd >= 0 && (n = recv(fd, buf, sizeof(buf), 0)) >= 0) {
		if (lost || hb_decode(buf, n, key, NULL, &m, NULL) != HB_OK || peer.nrx >= RXMAX)
			continue;
		if (!peer.deaf) {
			peer.echo_epoch = m.epoch;
			peer.echo_seq = m.seq;
			peer.echo_ms = now_ms();
		}
		peer.rx[peer.nrx].ms = now_ms();
		peer.rx[peer.nrx].state = m.state;
		peer.rx[peer.nrx].prio = m.priority;
		peer.nrx++;
	}
}

static void peer_drain(void)
{
	size_t n = peer.nrx;

	peer_drain_fd(peer.fd, peer.lost1);
	peer.got1 += peer.nrx - n;
	n = peer.nrx;
	peer_drain_fd(peer.fd2, peer.lost2);
	peer.got2 += peer.nrx - n;
}

static void peer_readable(struct loop_fd *lf, uint32_t events)
{
	(void)lf;
	(void)events;
	peer_drain();
}

/* The peer now says @st with priority @prio (and sends it at once). */
static void peer_says(int st, uint8_t prio)
{
	peer.state = st;
	peer.prio = prio;
	peer.silent = false;
	peer_send();
}

/* Did we send a heartbeat with state @st (prio @prio, or any if < 0) from @from on? */
static bool sent(size_t from, int st, int prio)
{
	size_t i;

	for (i = from; i < peer.nrx; i++)
		if (peer.rx[i].state == st && (prio < 0 || peer.rx[i].prio == prio))
			return true;
	return false;
}

/* Every heartbeat from @from on has state @st (and at least one came). */
static bool all_sent(size_t from, int st)
{
	size_t i;

	for (i = from; i < peer.nrx; i++)
		if (peer.rx[i].state != st)
			return false;
	return peer.nrx > from;
}

/* ---- running the loop ---- */

static volatile bool stop;
static struct timer stop_timer;

static void on_stop(struct timer *t)
{
	(void)t;
	stop = true;
}

static void run_for(uint64_t ms)
{
	stop = false;
	stop_timer.fn = on_stop;
	timer_arm(&stop_timer, now_ms() + ms);
	loop_run(&stop);
	timer_cancel(&stop_timer);
	peer_drain();
}

/* Run until @cond or @max_ms; true if @cond. */
static bool run_until(bool (*cond)(void), uint64_t max_ms)
{
	uint64_t end = now_ms() + max_ms;

	while (!cond()) {
		if (now_ms() >= end)
			return false;
		run_for(5);
	}
	return true;
}

static bool k_active(void)
{
	return k.state == ST_ACTIVE && ha_state() == ST_ACTIVE;
}

static bool k_standby(void)
{
	return k.state == ST_STANDBY && ha_state() == ST_STANDBY;
}

/* ---- the log (stderr, to a file) ---- */

static FILE *logf;

static long log_mark(void)
{
	fflush(stderr);
	return ftell(logf);
}

static bool log_has(long from, const char *needle)
{
	char line[1200];
	bool found = false;

	fflush(stderr);
	fseek(logf, from, SEEK_SET);
	while (!found && fgets(line, sizeof(line), logf))
		found = strstr(line, needle) != NULL;
	fseek(logf, 0, SEEK_END);
	return found;
}

static void log_show(void)
{
	char line[1200];

	fflush(stderr);
	fseek(logf, 0, SEEK_SET);
	while (fgets(line, sizeof(line), logf))
		ktap_diag("%.*s", (int)strcspn(line, "\n"), line);
}

/* ---- set-up ---- */

static struct nlbsd_config *mkcfg(uint16_t port, bool preempt)
{
	struct nlbsd_config *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	strcpy(c->path, "test");
	strcpy(c->access_dev, "lo");
	strcpy(c->server_dev, "lo");
	c->address = ipaddr4((struct in_addr){ inet_addr("127.0.0.1") });
	c->nlbs_addr.s_addr = inet_addr("127.0.0.100");
	c->node_id = 1;
	c->priority = 100;
	c->preempt = preempt;
	c->advert_ms = ADVERT;
	c->dead_after = DEAD;
	c->lease_ms = ADVERT * DEAD;
	c->peer = ipaddr4((struct in_addr){ inet_addr("127.0.0.2") });
	c->port = port;
	memcpy(c->key, key, sizeof(key));
	c->require_all = true;
	c->reach_tmpl.interval_ms = 1000;
	c->reach_tmpl.timeout_ms = 500;
	c->reach_tmpl.rise = 2;
	c->reach_tmpl.fall = 3;
	c->script_timeout_ms = 1000;
	c->weight_interval_ms = 2000;
	return c;
}

static int setup(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int ttl = 255;
	static const struct nlbs_nl_io req_io = { .send = k_send, .recv = k_recv,
						  .portid = PORT_US };
	static const struct nlbs_nl_io evt_io = { .send = k_evsend, .recv = k_evrecv,
						  .portid = 7 };

	peer.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = inet_addr("127.0.0.2");
	if (peer.fd < 0 || bind(peer.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(peer.fd, (struct sockaddr *)&sa, &sl) < 0)
		return -1;
	*port = ntohs(sa.sin_port);
	/* on-link: nlbsd takes TTL 255 only */
	setsockopt(peer.fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	us_sa = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = sa.sin_port,
				      .sin_addr.s_addr = inet_addr("127.0.0.1") };
	us_sa2 = us_sa;
	us_sa2.sin_addr.s_addr = inet_addr("127.0.0.3");
	/* the peer's end of the second path, on the same port */
	peer.fd2 = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = inet_addr("127.0.0.4");
	if (peer.fd2 < 0 || bind(peer.fd2, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	setsockopt(peer.fd2, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	k.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (k.efd < 0 || loop_init() < 0)
		return -1;
	peer.lf.fd = peer.fd;
	peer.lf.fn = peer_readable;
	if (loop_add(&peer.lf, EPOLLIN) < 0)
		return -1;
	peer.lf2.fd = peer.fd2;
	peer.lf2.fn = peer_readable;
	if (loop_add(&peer.lf2, EPOLLIN) < 0)
		return -1;
	peer.epoch = wall_ms() * 1000;
	peer.t.fn = peer_tick;
	return kern_open_io(&req_io, &evt_io, FAMILY, k.efd);
}

int main(void)
{
	struct nlbsd_config *c, *c2;
	char logpath[] = "/tmp/test_ha.XXXXXX";
	unsigned int gets;
	uint16_t port;
	bool ok;
	size_t mark;
	long lm;
	int fd;

	if (sodium_init() < 0)
		return 1;
	/*
	 * Real-time, as nlbsd.service runs the daemon: a busy shared host
	 * otherwise stalls this process for longer than the 300 ms dead time
	 * (best effort: without the privilege, as it comes).
	 */
	sched_setscheduler(0, SCHED_RR, &(struct sched_param){ .sched_priority = 1 });
	fd = mkstemp(logpath);
	if (fd < 0 || !(logf = fdopen(fd, "w+")))
		return 1;
	unlink(logpath);
	fflush(stderr);
	dup2(fd, 2);
	setvbuf(stderr, NULL, _IOLBF, 0);
	log_init(false, LOG_LVL_DEBUG, true);
	crypto_auth_keygen(key);
	crypto_auth_keygen(key2);
	peer.key = key;
	if (setup(&port) < 0) {
		printf("TAP version 13\n1..0 # SKIP no loopback UDP or epoll: %s\n",
		       strerror(errno));
		return 0;
	}
	c = mkcfg(port, true);
	config_fingerprint(c, peer.fp);

	/* ---- start: we win against a standby peer of lower priority ---- */
	peer.state = ST_STANDBY;
	peer.prio = 50;
	timer_arm(&peer.t, now_ms());
	ktap_ok(ha_start(c) == 0, "ha_start on the fake kernel");
	ok = run_until(k_active, 2000);
	ktap_ok(ok && k.lease_ms == c->lease_ms, "start: active, with the lease (%u ms)",
		k.lease_ms);
	run_for(3 * ADVERT);
	ktap_ok(k_active() && !log_has(0, "(kernel:"),
		"our own state events (our port id) are not adopted");

	/* ---- finding 1: inop by hand on the active ---- */
	mark = peer.nrx;
	lm = log_mark();
	hand_set(ST_INOP);
	run_for(1);
	ktap_ok(sent(mark, ST_INOP, -1),
		"inop by hand on the active: adopted, the peer told at once");
	ktap_ok(log_has(lm, "state inop set by another process (netlink port 4242)"),
		"logged with the port id of the hand");
	mark = peer.nrx;
	gets = k.active_sets;
	run_for(8 * ADVERT);
	ktap_ok(k.state == ST_INOP && ha_state() == ST_INOP && all_sent(mark, ST_INOP) &&
		k.active_sets == gets,
		"inop by hand holds: no election, no renewal (kernel %s, heartbeats inop)",
		state_name(k.state));

	/* a state set by hand again ends the hold: init hands it back */
	hand_set(ST_INIT);
	ktap_ok(run_until(k_active, 2000) && k.lease_ms == c->lease_ms,
		"init by hand ends the hold: the election makes it active again");

	/* ---- standby by hand on the active: it yields ---- */
	mark = peer.nrx;
	lm = log_mark();
	hand_set(ST_STANDBY);
	run_for(1);
	ktap_ok(sent(mark, ST_STANDBY, 0),
		"standby by hand: adopted, told at once with priority 0");
	mark = peer.nrx;
	run_for(8 * ADVERT);
	ktap_ok(k_standby() && all_sent(mark, ST_STANDBY) && !sent(mark, ST_STANDBY, 100),
		"standby by hand yields to a live standby peer of lower priority");
	mark = peer.nrx;
	peer_says(ST_INOP, 50);
	ktap_ok(run_until(k_active, 1000), "yielding node still takes over from an inop peer");
	peer_says(ST_STANDBY, 50);
	run_for(3 * ADVERT);
	ktap_ok(k_active() && sent(mark, ST_ACTIVE, 100) && log_has(lm, "standby by hand ends"),
		"the yield ended when it became active: priority 100 again");

	/* ---- finding 1: active by hand on a standby that loses ---- */
	peer_says(ST_ACTIVE, 200);
	ktap_ok(run_until(k_standby, 1000), "peer of higher priority active: we step down");
	run_for(2 * ADVERT);
	mark = peer.nrx;
	hand_set(ST_ACTIVE);
	run_for(1);
	ktap_ok(sent(mark, ST_ACTIVE, -1), "active by hand on the standby: told at once");
	run_for(4 * ADVERT);
	ktap_ok(k_standby() && k.lease_ms == 0 && sent(mark, ST_STANDBY, -1),
		"dual-active resolved: the loser steps down, its kernel is standby again");

	/* ---- active by hand on a standby that wins: the lease is ours ---- */
	c2 = mkcfg(port, false);
	ha_reload(c2);
	peer_says(ST_ACTIVE, 50);
	run_for(4 * ADVERT);
	ktap_ok(k_standby(), "preempt off: standby under a lower-priority active peer");
	mark = peer.nrx;
	hand_set(ST_ACTIVE);
	run_for(1);
	ktap_ok(k.state == ST_ACTIVE && k.lease_ms == c2->lease_ms && ha_state() == ST_ACTIVE,
		"active by hand without a lease: adopted, our lease put on at once");
	peer_says(ST_STANDBY, 50);
	run_for(4 * ADVERT);
	ktap_ok(k_active() && k.lease_ms == c2->lease_ms, "and renewed from then on");

	/* ---- the kernel's own change: lease expired ---- */
	mark = peer.nrx;
	lm = log_mark();
	k_enter(ST_STANDBY, 0, "lease expired");
	run_for(1);
	ktap_ok(sent(mark, ST_STANDBY, 100) && log_has(lm, "(kernel: lease expired)"),
		"lease expired (port id 0): adopted, told at once");
	ktap_ok(run_until(k_active, 1000), "then the election makes it active again");

	/* ---- finding 1: a failed lease renewal, its event lost ---- */
	run_for(2 * ADVERT);
	mark = peer.nrx;
	lm = log_mark();
	k.state = ST_INOP;		/* no event */
	k.lease_ms = 0;
	run_for(2 * ADVERT);
	ktap_ok(sent(mark, ST_INOP, -1) && log_has(lm, "(kernel: lease renewal failed)"),
		"failed renewal: the kernel's state (inop) read and adopted, peer told");
	ktap_ok(run_until(k_active, 2000), "then the election goes on (active again)");

	/* a renewal failing for another reason: the kernel is still active */
	run_for(2 * ADVERT);
	mark = peer.nrx;
	k.fail_next = ENOBUFS;
	run_for(2 * ADVERT);
	ktap_ok(!k.fail_next && k_active() && all_sent(mark, ST_ACTIVE),
		"failed renewal, kernel still active: stays active");

	/* ---- a reload ends a hold ---- */
	hand_set(ST_INOP);
	run_for(4 * ADVERT);
	ktap_ok(k.state == ST_INOP && ha_state() == ST_INOP, "inop by hand again: held");
	ha_reload(c);
	ktap_ok(run_until(k_active, 2000), "a reload ends the hold: active again");

	/* ---- heartbeat v2: one-way loss (finding 5) ---- */
	run_for(2 * ADVERT);
	lm = log_mark();
	peer.deaf = true;		/* it stops hearing us: its echo ages */
	run_for((DEAD + 3) * ADVERT);
	ktap_ok(log_has(lm, "one-way heartbeat loss: peer 127.0.0.2 does not hear us") &&
		k_active(), "one-way loss detected and logged; the deaf peer is standby: we serve");
	peer_says(ST_ACTIVE, 50);	/* it believes us dead and takes over */
	ok = run_until(k_standby, 2 * ADVERT);
	ktap_ok(ok && log_has(lm, "(one-way loss: the peer does not hear us and is active)"),
		"the deaf peer active: we step down though we win (no silent dual-active)");
	run_for(4 * ADVERT);
	ktap_ok(k_standby(), "and stay standby: no preempting a peer that cannot hear us");
	lm = log_mark();
	peer.deaf = false;
	ktap_ok(run_until(k_active, 2000) && log_has(lm, "hears us again"),
		"it hears us again: logged, the election goes on (we preempt)");
	peer_says(ST_STANDBY, 50);
	run_for(2 * ADVERT);

	/*
	 * ---- a peer that never hears our present life (finding 4) ----
	 * As a recording of it replayed to us would: a new epoch (or one we
	 * persisted), active with a higher priority, never echoing us.
	 */
	lm = log_mark();
	peer.deaf = true;
	peer.echo_epoch = 0;
	peer.epoch += 1000;
	peer.seq = 0;
	peer_says(ST_ACTIVE, 200);
	run_until(k_standby, 2 * ADVERT);	/* within dead-after: still a peer */
	ok = run_until(k_active, (DEAD + 4) * ADVERT);
	run_for(ADVERT);
	ktap_ok(ok && k_active() &&
		log_has(lm, "peer 127.0.0.2 has not heard us in the") &&
		log_has(lm, "taken for dead"),
		"a peer active that never hears our present life: taken for dead, we serve");
	lm = log_mark();
	peer.deaf = false;
	ktap_ok(run_until(k_standby, 1000) && log_has(lm, "peer 127.0.0.2 hears us"),
		"it hears us: a peer again (it has the higher priority: we step down)");
	peer_says(ST_STANDBY, 50);
	run_until(k_active, 1000);

	/* ---- the kernel's arp-conflicts counter: a second witness ---- */
	run_for(12 * ADVERT);		/* its base read while active */
	lm = log_mark();
	k.arp_conflicts += 3;		/* another MAC announced the NLBS address */
	run_for(12 * ADVERT);
	ktap_ok(log_has(lm, "error: ARP conflict: another MAC announced the NLBS address "
			    "127.0.0.100 while we are active (3 new, 3 so far)"),
		"arp-conflicts rising while active: an error naming the address");

	/* ---- configuration fingerprint (finding 7) ---- */
	lm = log_mark();
	peer.fp[HB_FP_SERVICES] ^= 1;
	run_for(2 * ADVERT);
	ktap_ok(log_has(lm, "error: configuration differs from the peer's: services and servers"),
		"fingerprint mismatch logged as an error, naming the part");
	peer.fp[HB_FP_SERVICES] ^= 1;
	run_for(2 * ADVERT);
	ktap_ok(log_has(lm, "configuration fingerprint matches the peer's again") && k_active(),
		"and its end; the election untouched");

	/* ---- on-link only: TTL 255; version 1 refused ---- */
	{
		struct sockaddr_in from = { .sin_family = AF_INET,
					    .sin_addr.s_addr = inet_addr("127.0.0.2") };
		uint8_t v1[HB_V1_LEN] = { 'N', 'L', 'B', 'H', 1, ST_ACTIVE, 254 };
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ttl = 64;
		struct hb_msg m = { .state = ST_ACTIVE, .priority = 254, .node_id = 2,
				    .interval_ms = ADVERT, .epoch = peer.epoch,
				    .seq = peer.seq + 100 };
		uint8_t buf[HB_LEN];

		lm = log_mark();
		bind(fd, (struct sockaddr *)&from, sizeof(from));
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		hb_encode(&m, key, buf);
		sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&us_sa, sizeof(us_sa));
		run_for(ADVERT);
		ktap_ok(log_has(lm, "with TTL 64, not 255 (not from the link), ignored") &&
			k_active() && !log_has(lm, "priority 254"),
			"an authentic heartbeat with TTL 64: dropped before anything else");
		ttl = 255;
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		crypto_auth(v1 + HB_V1_BODY_LEN, v1, HB_V1_BODY_LEN, key);
		sendto(fd, v1, sizeof(v1), 0, (struct sockaddr *)&us_sa, sizeof(us_sa));
		run_for(ADVERT);
		ktap_ok(log_has(lm, "heartbeat version 1 (the peer runs an older nlbsd): refused") &&
			k_active(), "a version 1 heartbeat: refused with a clear log line");
		close(fd);
	}

	/*
	 * ---- the heartbeat socket: connected to the peer, reads bounded ----
	 * Datagrams from another address are dropped by the kernel (the
	 * socket is connected to the peer): not one read. A flood from the
	 * peer's own address and port (spoofed, not authentic) is read at
	 * most HB_RX_BUDGET a wakeup, the rest at the next turns of the loop,
	 * and the peer's heartbeats still get through.
	 */
	{
		struct sockaddr_in fa = { .sin_family = AF_INET,
					  .sin_addr.s_addr = inet_addr("127.0.0.9") };
		struct ha_rx_stats a, b;
		uint8_t junk[HB_LEN];
		int ffd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ttl = 255, i, nflood;
		unsigned long reads;

		memset(junk, 0x5a, sizeof(junk));
		setsockopt(ffd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		ok = ffd >= 0 && bind(ffd, (struct sockaddr *)&fa, sizeof(fa)) == 0;
		run_for(ADVERT);
		ha_rx_stats(&a);
		lm = log_mark();
		for (i = 0; ok && i < 500; i++)
			sendto(ffd, junk, sizeof(junk), 0, (struct sockaddr *)&us_sa, sizeof(us_sa));
		run_for(2 * ADVERT);
		ha_rx_stats(&b);
		ktap_ok(ok && b.foreign == a.foreign && b.reads - a.reads < 10 &&
			!log_has(lm, "127.0.0.9") && b.accepted > a.accepted,
			"500 datagrams from 127.0.0.9 to the heartbeat port: none read (%lu reads, "
			"%lu foreign), the peer's still accepted", b.reads - a.reads,
			b.foreign - a.foreign);
		if (ffd >= 0)
			close(ffd);

		/* the flood, queued all at once: four budgets' worth */
		nflood = 4 * a.budget;
		mark = peer.nrx;
		ha_rx_stats(&a);
		for (i = 0; i < nflood; i++)
			sendto(peer.fd, junk, sizeof(junk), 0, (struct sockaddr *)&us_sa,
			       sizeof(us_sa));
		peer_send();		/* a genuine heartbeat behind it */
		run_for(3 * ADVERT);
		ha_rx_stats(&b);
		reads = b.reads - a.reads;
		ktap_diag("flood of %d: %lu read in %lu wakeups, at most %lu in one, budget used up "
			  "%lu times", nflood, reads, b.wakeups - a.wakeups, b.batch_max,
			  b.budget_out - a.budget_out);
		ktap_ok(reads > a.budget, "flood from the peer's address: %lu datagrams queued and "
			"read (more than one budget, %u)", reads, a.budget);
		ktap_ok(b.batch_max == a.budget && b.budget_out - a.budget_out >= reads / a.budget &&
			b.wakeups - a.wakeups > reads / a.budget,
			"at most %u read per wakeup (the most: %lu), over %lu wakeups", a.budget,
			b.batch_max, b.wakeups - a.wakeups);
		ktap_ok(b.accepted > a.accepted && k_active() && all_sent(mark, ST_ACTIVE),
			"the peer's heartbeats behind the flood accepted (%lu), no transition",
			b.accepted - a.accepted);
	}

	/* ---- key rotation: the next key accepted, no state change ---- */
	{
		struct nlbsd_config *c3 = mkcfg(port, true);

		memcpy(c3->next_key, key2, sizeof(key2));
		c3->has_next_key = true;
		ha_reload(c3);
		mark = peer.nrx;
		lm = log_mark();
		peer.key = key2;	/* the peer rotated first */
		run_for(5 * ADVERT);
		ktap_ok(k_active() && all_sent(mark, ST_ACTIVE) &&
			!log_has(lm, "authentication failed") &&
			log_has(lm, "signs its heartbeats with the key of next-key-file"),
			"key rotation: the peer's heartbeats with next-key-file's key accepted");
		ha_reload(c);
		peer.key = key;
		run_for(3 * ADVERT);
		config_free(c3);
	}

	/*
	 * ---- a second heartbeat path ----
	 * [node] address2 127.0.0.3, [peer] address2 127.0.0.4. The peer
	 * active with the higher priority, we standby: losing either path
	 * (both ways) changes nothing, losing both makes us take over.
	 */
	{
		struct nlbsd_config *c4 = mkcfg(port, true);
		struct ha_rx_stats a, b;

		c4->address2 = ipaddr4((struct in_addr){ inet_addr("127.0.0.3") });
		c4->peer2 = ipaddr4((struct in_addr){ inet_addr("127.0.0.4") });
		ha_reload(c4);
		peer_says(ST_ACTIVE, 200);
		ok = run_until(k_standby, 1000);
		run_for(3 * ADVERT);
		{
			unsigned long g1 = peer.got1, g2 = peer.got2;

			ha_rx_stats(&a);
			run_for(5 * ADVERT);
			ha_rx_stats(&b);
			g1 = peer.got1 - g1;
			g2 = peer.got2 - g2;
			ktap_ok(ok && k_standby() && g1 >= 2 && g2 >= 2 &&
				b.accepted - a.accepted >= 2 && b.accepted - a.accepted <= 7 &&
				b.reads - a.reads + 1 >= 2 * (b.accepted - a.accepted),
				"two paths: standby under the peer; our heartbeats on both (%lu and "
				"%lu in 5 intervals); its, read on both (%lu), accepted once each (%lu)",
				g1, g2, b.reads - a.reads, b.accepted - a.accepted);
		}

		lm = log_mark();
		mark = peer.nrx;
		peer.lost1 = true;
		run_for((2 * DEAD + 2) * ADVERT);
		ktap_ok(k_standby() && all_sent(mark, ST_STANDBY) && ha_peer_alive() &&
			log_has(lm, "heartbeat path 1 (127.0.0.1 -> 127.0.0.2): nothing heard for") &&
			!log_has(lm, "state standby ->"),
			"path 1 lost both ways: logged, no transition (the peer heard on path 2)");
		lm = log_mark();
		peer.lost1 = false;
		run_for(3 * ADVERT);
		ktap_ok(log_has(lm, "heartbeat path 1 (127.0.0.1 -> 127.0.0.2) delivers again"),
			"path 1 back: logged");

		lm = log_mark();
		mark = peer.nrx;
		peer.lost2 = true;
		run_for((2 * DEAD + 2) * ADVERT);
		ktap_ok(k_standby() && all_sent(mark, ST_STANDBY) && ha_peer_alive() &&
			log_has(lm, "heartbeat path 2 (127.0.0.3 -> 127.0.0.4): nothing heard for") &&
			!log_has(lm, "state standby ->"),
			"path 2 lost both ways: logged, no transition (the peer heard on path 1)");

		lm = log_mark();
		peer.lost1 = true;	/* and path 2 still lost: both */
		ok = run_until(k_active, (DEAD + 4) * ADVERT);
		ktap_ok(ok && log_has(lm, "state standby -> active"),
			"both paths lost: the peer is dead, we take over");

		peer.lost1 = peer.lost2 = false;
		peer_says(ST_STANDBY, 50);
		run_for(3 * ADVERT);

		/*
		 * The peer's port closed on path 2 (its daemon not listening):
		 * the connected socket is told (ICMP port unreachable, then
		 * ECONNREFUSED once): counted, not an error, path 1 unharmed.
		 */
		{
			char *st = NULL, *line;
			size_t stlen = 0;
			unsigned long refused = 0;
			FILE *f;

			lm = log_mark();
			loop_del(&peer.lf2);
			close(peer.fd2);
			peer.fd2 = -1;
			run_for(5 * ADVERT);
			f = open_memstream(&st, &stlen);
			if (f) {
				ha_status(f);
				fclose(f);
			}
			line = st ? strstr(st, "heartbeat-path: 2 ") : NULL;
			if (line && (line = strstr(line, "port unreachable ")))
				refused = strtoul(line + strlen("port unreachable "), NULL, 10);
			ktap_ok(refused > 0 && k_active() &&
				!log_has(lm, "heartbeat to 127.0.0.4: Connection refused"),
				"the peer's port closed on path 2: port unreachable counted (%lu), "
				"no error, still active", refused);
			free(st);
			peer.fd2 = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (peer.fd2 >= 0) {
				struct sockaddr_in sa = us_sa;
				int ttl = 255;

				sa.sin_addr.s_addr = inet_addr("127.0.0.4");
				bind(peer.fd2, (struct sockaddr *)&sa, sizeof(sa));
				setsockopt(peer.fd2, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
				peer.lf2.fd = peer.fd2;
				loop_add(&peer.lf2, EPOLLIN);
			}
		}
		ha_reload(c);
		run_for(3 * ADVERT);
		ktap_ok(k_active(), "back to one path: active");
		config_free(c4);
	}

	ha_stop();
	kern_close();
	loop_fini();
	config_free(c);
	config_free(c2);
	close(peer.fd);
	close(peer.fd2);
	close(k.efd);
	if (ktap_failed)
		log_show();
	fclose(logf);
	return ktap_done("nlbsd ha.c against a fake kernel");
}
