// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: high availability. Every advert interval: send a heartbeat, renew
 * the kernel's lease when active, look at the devices, run the election.
 * Also on every authentic heartbeat, on the peer's dead-after deadline, on
 * a reachability verdict and on kernel state events.
 *
 * The lease: STATE_SET active carries lease-ms (default dead-after x advert
 * interval); it is re-sent every advert interval, so a daemon that dies or
 * hangs stops renewing and the kernel drops to standby by itself within one
 * lease. The peer stops hearing us at about the same time (dead-after) and
 * takes over: at most one node answers ARP, apart from the window of one
 * lease minus dead-after (zero with the defaults).
 *
 * The kernel's state is the truth: state events not caused by our requests
 * (their port id says so) and refused renewals make us read the kernel's
 * state and adopt it; a state set by hand may also hold (struct ha).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "daemon.h"
#include "elect.h"
#include "epoch.h"
#include "hb.h"
#include "kernel.h"
#include "loop.h"
#include "notify.h"
#include "probe.h"
#include "script.h"
#include "sync.h"

/*
 * A heartbeat path: a socket bound to our address and the heartbeat port,
 * connected to the peer's address and the same port, so that the kernel
 * delivers to it the peer's heartbeats only: datagrams from anywhere else
 * never reach us (nor cost a read). Until connect() succeeds (no route to
 * the peer yet, our address not assigned yet: it is retried every advert
 * interval) the socket is unconnected and the source is checked here.
 */
struct hb_path {
	struct loop_fd lf;
	struct ipaddr local, peer;	/* of one family */
	bool connected;
	uint64_t rx_ms;		/* last authentic heartbeat on it */
	bool silent;		/* logged as silent (with two paths) */
	unsigned long tx, tx_err, rx, refused;
	struct ratelimit rl_conn;
};

#define HB_PATHS	2

struct ha {
	const struct nlbsd_config *cfg;
	int state;
	uint64_t state_since;

	struct hb_path path[HB_PATHS];
	unsigned int npaths;
	/*
	 * The peer's flow sync datagrams: they come from its sync socket, on a
	 * port of the kernel's choosing (relay.c: a socket of their own, so that
	 * a burst of flows never queues in front of a heartbeat), so the socket
	 * that receives them cannot be connected to a port: it is bound to the
	 * heartbeat port beside path 0's and connected to the peer's address
	 * with port 0, which the kernel takes as any port (the source address
	 * is still filtered). The more specific connected socket of path 0 gets
	 * the heartbeats; this one what else comes from the peer's address.
	 */
	struct loop_fd srx;
	bool srx_connected;
	struct ratelimit rl_srx;
	/* reads per wakeup (HB_RX_BUDGET): ha_rx_stats() */
	unsigned long rx_wakeups, rx_reads, rx_batch_max, rx_budget_out;
	struct loop_fd kev;
	struct timer tick;
	struct timer dead;	/* peer's dead-after deadline */
	struct timer wake;	/* preempt-delay over */
	struct timer resync;	/* kernel events lost: compare with the kernel */
	uint64_t resync_ms;	/* when it last ran */
	uint64_t epoch, seq;

	/* peer as last heard */
	struct hb_replay replay;
	uint64_t peer_rx_ms;
	int peer_state, peer_prev_state;
	uint8_t peer_prio;
	uint32_t peer_interval_ms;	/* advertised; 0: not heard yet */
	bool peer_leaving;
	bool warned_interval;
	bool heard;		/* heartbeats read: run the election after the batch */
	bool split;		/* one of them: back from a silence, both active */

	uint64_t preempt_since;
	uint64_t renewed_ms;
	bool kernel_ok;		/* configuration accepted by the kernel */
	uint64_t kernel_retry_ms;
	bool kernel_gone;	/* nlbs family unregistered: reopen when back */
	uint64_t kernel_check_ms;
	bool devices_ok;
	struct checker *targets;
	size_t ntargets;
	bool reach_ok;		/* not failed (a verdict may be pending) */
	bool reach_unknown;	/* no verdict yet: not enough to take over */
	bool leaving;
	/*
	 * A state set by another process (nlbs-genl by hand) that nlbsd keeps:
	 * inop stays inop; standby yields (priority 0, no preemption) until
	 * the peer cannot serve. Ends with a state set by hand to init or
	 * active, or a reload (SIGHUP); a yield also when we become active.
	 */
	int hold;		/* ST_INIT: none, ST_INOP, ST_STANDBY */
	unsigned long adopted;	/* kernel states adopted */

	/* heartbeat v2 */
	uint64_t start_ms;	/* of this epoch */
	uint64_t heard_epoch, heard_seq, heard_ms;	/* the peer, as we echo it */
	uint32_t fp[HB_FP_PARTS];		/* our configuration's fingerprint */
	uint32_t peer_fp[HB_FP_PARTS];
	int fp_match;		/* -1 not compared yet, 0 differs, 1 matches */
	bool peer_deaf;		/* one-way loss: the peer does not hear us */
	uint64_t deaf_first_ms;	/* first heartbeat of a run that said so, 0: none */
	bool peer_confirmed;	/* it echoed our present epoch (in its present one) */
	bool peer_unconfirmed;	/* not within dead-after of our or its start */
	uint64_t peer_epoch_since;	/* when we first heard its present epoch */
	unsigned long unconfirmed_count;
	uint64_t deaf_since;
	bool peer_next_key;	/* the peer signs with next-key-file's key */
	uint64_t peer_epoch_saved;
	/* the kernel's arp-conflicts counter: a second witness of two actives */
	uint64_t arp_conflicts, arp_check_ms;
	bool arp_known;
	struct ratelimit rl_arp;

	unsigned long tx, tx_err, rx_ok, rx_auth, rx_replay, rx_reordered, rx_bad, rx_foreign;
	unsigned long rx_ttl, rx_v1, rx_echo, rx_dup, deaf_count, fp_mismatches;
	struct ratelimit rl_auth, rl_replay, rl_stale, rl_bad, rl_tx, rl_kern, rl_overrun;
	struct ratelimit rl_ttl, rl_v1, rl_fp;
};

static struct ha ha = {
	.path = { { .lf.fd = -1, .rl_conn.period_ms = 5000 },
		  { .lf.fd = -1, .rl_conn.period_ms = 5000 } },
	.srx.fd = -1,
	.rl_srx.period_ms = 5000,
	.kev.fd = -1,
	.rl_auth.period_ms = 5000,
	.rl_replay.period_ms = 5000,
	.rl_stale.period_ms = 5000,
	.rl_bad.period_ms = 5000,
	.rl_tx.period_ms = 5000,
	.rl_kern.period_ms = 5000,
	.rl_overrun.period_ms = 5000,
	.rl_ttl.period_ms = 5000,
	.rl_v1.period_ms = 5000,
	.rl_fp.period_ms = 60000,
	.rl_arp.period_ms = 5000,
	.fp_match = -1,
};

static void evaluate(void);
static void connect_paths(void);
static void adopt_kernel(int hint, const char *why, const char *by);

int ha_state(void)
{
	return ha.state;
}

static uint64_t dead_ms(void)
{
	return elect_dead_ms(ha.cfg->dead_after, ha.cfg->advert_ms, ha.peer_interval_ms);
}

/* Heard within dead-after, and it hears our present life (check_deaf()). */
bool ha_peer_alive(void)
{
	return now_ms() - ha.peer_rx_ms < dead_ms() && !ha.peer_unconfirmed;
}

void ha_evaluate(void)
{
	evaluate();
}

/* ---- heartbeat out ---- */

/* The priority we elect and advertise with: 0 while yielding (standby by hand). */
static uint8_t own_prio(void)
{
	return ha.hold == ST_STANDBY ? 0 : ha.cfg->priority;
}

/*
 * Send @buf on @p: connected, to the peer's heartbeat port. A connected UDP
 * socket is told of an ICMP port unreachable (the peer's daemon is not
 * listening) by the next call failing with ECONNREFUSED, without sending:
 * counted, and sent again.
 */
static int path_send(struct hb_path *p, const void *buf, size_t len)
{
	struct sockaddr_storage to;
	socklen_t tl = ipaddr_sockaddr(&p->peer, ha.cfg->port, &to);
	int tries;

	for (tries = 0; tries < 2; tries++) {
		if (p->connected ? send(p->lf.fd, buf, len, 0) >= 0 :
		    sendto(p->lf.fd, buf, len, 0, (struct sockaddr *)&to, tl) >= 0)
			return 0;
		if (errno != ECONNREFUSED)
			break;
		p->refused++;
	}
	return -1;
}

static void send_hb(uint8_t flags)
{
	const struct nlbsd_config *c = ha.cfg;
	struct hb_msg m = {
		.state = ha.state,
		.priority = own_prio(),
		.flags = flags,
		.node_id = c->node_id,
		.interval_ms = c->advert_ms,
		.epoch = ha.epoch,
		.seq = ++ha.seq,
		.timestamp_ms = wall_ms(),
		.echo_epoch = ha.heard_epoch,
		.echo_seq = ha.heard_seq,
	};
	uint8_t buf[HB_LEN];
	struct hb_path *p;
	uint64_t age;
	unsigned int i;

	if (ha.path[0].lf.fd < 0)
		return;
	if (ha.heard_epoch) {
		age = now_ms() - ha.heard_ms;
		m.echo_age_ms = age > UINT32_MAX ? UINT32_MAX : age;
	}
	memcpy(m.fp, ha.fp, sizeof(m.fp));
	hb_encode(&m, c->key, buf);
	/* the same datagram (sequence number) on every path: the first wins */
	for (i = 0; i < ha.npaths; i++) {
		p = &ha.path[i];
		if (p->lf.fd < 0)
			continue;
		if (path_send(p, buf, sizeof(buf)) < 0) {
			ha.tx_err++;
			p->tx_err++;
			log_rl(&ha.rl_tx, LOG_LVL_WARN, "heartbeat to %s: %s", ipa(&p->peer),
			       strerror(errno));
			continue;
		}
		ha.tx++;
		p->tx++;
	}
}

/* ---- state ---- */

static void run_scripts(int st, int old, const char *reason)
{
	const struct nlbsd_config *c = ha.cfg;

	if (c->notify[0])
		script_queue(c->notify, state_name(st), state_name(old), reason,
			     c->script_timeout_ms, &c->script_user);
	if (c->state_script[st][0])
		script_queue(c->state_script[st], state_name(st), state_name(old), reason,
			     c->script_timeout_ms, &c->script_user);
}

static void status_line(void)
{
	sdn_status("%s%s; peer %s", state_name(ha.state),
		   ha.hold == ST_INOP ? " (inop by hand)" :
		   ha.hold == ST_STANDBY ? " (standby by hand)" : "",
		   state_name(ha.peer_state));
}

/* Our state changed (by us or by the kernel): log, scripts, tell the peer. */
static void changed(int old, const char *reason, const char *by)
{
	log_info("state %s -> %s (%s%s)", state_name(old), state_name(ha.state), by,
		 reason ? reason : "");
	status_line();
	ha.state_since = now_ms();
	ha.preempt_since = 0;
	send_hb(ha.leaving ? HB_F_LEAVING : 0);	/* the peer first */
	relay_state(ha.state, old);
	run_scripts(ha.state, old, reason);
}

static void set_state(int st, const char *reason)
{
	int old = ha.state, ret;

	if (st == old)
		return;
	ret = kern_state(st, st == ST_ACTIVE ? ha.cfg->lease_ms : 0, false);
	if (ret < 0) {
		log_rl(&ha.rl_kern, LOG_LVL_ERR, "kernel refused %s: %s", state_name(st),
		       kern_error());
		if (st != ST_ACTIVE)
			return;
		/* could not serve: be inop until the kernel accepts the config again */
		ha.kernel_ok = false;
		ha.kernel_retry_ms = now_ms() + 1000;
		st = ST_INOP;
		reason = "kernel refused active";
		if (old == ST_INOP || kern_state(ST_INOP, 0, false) < 0)
			return;
	}
	ha.state = st;
	if (st == ST_ACTIVE) {
		ha.renewed_ms = now_ms();
		if (ha.hold == ST_STANDBY) {
			log_info("standby by hand ends: active (%s)", reason);
			ha.hold = ST_INIT;
		}
	}
	changed(old, reason, "");
}

static void reannounce(const char *reason)
{
	log_info("re-announcing the NLBS address (%s)", reason);
	if (kern_state(ST_ACTIVE, ha.cfg->lease_ms, true) < 0)
		log_err("re-announce: %s", kern_error());
	ha.renewed_ms = now_ms();
}

/*
 * Active, but stalled longer than the lease (SIGSTOP, a hang): the kernel
 * is standby by now and the peer has likely taken over. Checked before
 * every election too, so a node that wakes up never decides as active.
 */
static bool lease_lapsed(void)
{
	uint64_t now = now_ms();
	int old = ha.state;

	if (ha.state != ST_ACTIVE || now - ha.renewed_ms <= ha.cfg->lease_ms)
		return false;
	log_warn("lease of %u ms lapsed (%llu ms since the last renewal)",
		 ha.cfg->lease_ms, (unsigned long long)(now - ha.renewed_ms));
	kern_state(ST_STANDBY, 0, false);
	ha.state = ST_STANDBY;
	changed(old, "lease lapsed", "");
	/* the peer has likely served meanwhile: its flows first */
	relay_want("lease lapsed");
	return true;
}

static void renew_lease(void)
{
	if (ha.state != ST_ACTIVE || lease_lapsed())
		return;
	if (kern_state(ST_ACTIVE, ha.cfg->lease_ms, false) < 0) {
		log_rl(&ha.rl_kern, LOG_LVL_ERR, "lease renewal: %s", kern_error());
		/* the kernel left active under us (its event may be lost): ask it */
		adopt_kernel(-1, "lease renewal failed", "kernel: ");
		return;
	}
	ha.renewed_ms = now_ms();
}

/* ---- health: devices, kernel configuration, reachability ---- */

static bool dev_up(const char *name)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(ha.path[0].lf.fd, SIOCGIFFLAGS, &ifr) < 0)
		return false;
	return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

static void check_devices(void)
{
	const struct nlbsd_config *c = ha.cfg;
	bool ok = true;

	if (c->check_devices && ha.path[0].lf.fd >= 0)
		ok = dev_up(c->access_dev) && dev_up(c->server_dev);
	if (ok != ha.devices_ok)
		log_info("devices %s, %s: %s", c->access_dev, c->server_dev,
			 ok ? "up" : "down or missing");
	ha.devices_ok = ok;
	if (!ha.kernel_ok && !ha.kernel_gone && ok && now_ms() >= ha.kernel_retry_ms) {
		if (kern_config(c) < 0) {
			log_rl(&ha.rl_kern, LOG_LVL_ERR, "%s", kern_error());
			ha.kernel_retry_ms = now_ms() + 1000;
		} else {
			ha.kernel_ok = true;
		}
	}
}

/*
 * ok: every target up (require all) or one (any); failed: one down (all) or
 * every one (any); otherwise unknown until the verdicts come in. Unknown is
 * healthy but does not take over from a live active peer (elect.c).
 */
static void reach_update(void)
{
	size_t i, up = 0, down = 0;
	bool ok, unknown;

	for (i = 0; i < ha.ntargets; i++) {
		up += ha.targets[i].up > 0;
		down += ha.targets[i].up == 0;
	}
	if (ha.cfg->require_all) {
		ok = !down;
		unknown = ok && up < ha.ntargets;
	} else {
		ok = !ha.ntargets || down < ha.ntargets;
		unknown = ok && !up && ha.ntargets;
	}
	if (ok != ha.reach_ok || unknown != ha.reach_unknown)
		log_info("reachability: %s", !ok ? "failed" : unknown ? "not known yet" : "ok");
	ha.reach_ok = ok;
	ha.reach_unknown = unknown;
}

static void reach_changed(struct checker *ck)
{
	(void)ck;
	reach_update();
	evaluate();
}

static bool same_target(const struct check_spec *a, const struct check_spec *b)
{
	return a->type == b->type && ipaddr_eq(&a->addr, &b->addr) && a->port == b->port &&
	       a->status == b->status && !strcmp(a->path, b->path) &&
	       !strcmp(a->name, b->name) && a->interval_ms == b->interval_ms &&
	       a->timeout_ms == b->timeout_ms && a->rise == b->rise && a->fall == b->fall;
}

/* (Re)start the targets of @c; an unchanged target keeps its verdict. */
static void start_targets(const struct nlbsd_config *c)
{
	struct checker *old = ha.targets;
	size_t i, j, nold = ha.ntargets;

	for (i = 0; i < nold; i++)
		checker_stop(&old[i]);
	ha.targets = NULL;
	ha.ntargets = 0;
	if (c->ntargets) {
		ha.targets = calloc(c->ntargets, sizeof(*ha.targets));
		if (!ha.targets)
			log_err("reachability targets: out of memory");
		else
			ha.ntargets = c->ntargets;
	}
	for (i = 0; i < ha.ntargets; i++) {
		struct checker *ck = &ha.targets[i];

		ck->spec = c->targets[i];
		snprintf(ck->label, sizeof(ck->label), "target %s %s",
			 check_type_name(ck->spec.type), ipa(&ck->spec.addr));
		ck->changed = reach_changed;
		checker_start(ck, 0);
		for (j = 0; j < nold; j++) {
			if (!same_target(&old[j].spec, &ck->spec))
				continue;
			ck->up = old[j].up;
			ck->ok_run = old[j].ok_run;
			ck->fail_run = old[j].fail_run;
			ck->rt_ewma = old[j].rt_ewma;
			break;
		}
	}
	free(old);
	if (c->ntargets || nold)
		reach_update();
}

/* ---- election ---- */

static void wake(struct timer *t)
{
	(void)t;
	evaluate();
}

static void evaluate(void)
{
	const struct nlbsd_config *c = ha.cfg;
	uint64_t now = now_ms();
	bool peer_alive = ha_peer_alive();
	struct elect_in in = {
		.self = ha.state,
		.healthy = ha.devices_ok && ha.reach_ok && ha.kernel_ok,
		.unproven = ha.reach_unknown,
		.prio = own_prio(),
		/* the tie-break: the lower address wins (either family) */
		.addr = ipaddr_cmp(&c->address, &c->peer) > 0,
		.preempt = c->preempt,
		.preempt_delay_over = !c->preempt_delay_ms ||
				      (ha.preempt_since &&
				       now - ha.preempt_since >= c->preempt_delay_ms),
		.peer_alive = peer_alive,
		.peer_state = ha.peer_state,
		.peer_prev_state = ha.peer_prev_state,
		.peer_leaving = ha.peer_leaving,
		.peer_deaf = ha.peer_deaf,
		.peer_prio = ha.peer_prio,
		.peer_addr = ipaddr_cmp(&c->address, &c->peer) < 0,
	};
	struct elect_out out;

	if (ha.leaving)
		return;
	if (lease_lapsed())
		in.self = ha.state;
	if (ha.hold == ST_INOP) {
		/* inop by hand: no election until a state is set by hand again */
		if (ha.state != ST_INOP)
			set_state(ST_INOP, "inop by hand");
		return;
	}
	if (ha.hold == ST_STANDBY) {
		/* standby by hand: lose every comparison, never preempt */
		in.prio = 0;
		in.preempt = false;
		if (ha.state == ST_ACTIVE && peer_alive && !ha.peer_leaving &&
		    (ha.peer_state == ST_STANDBY || ha.peer_state == ST_ACTIVE)) {
			/* our renewal raced the hand: the kernel was active again */
			set_state(ST_STANDBY, "standby by hand");
			return;
		}
	}
	/* a node that starts or recovers has the active peer's flows first */
	in.resync_pending = relay_resync_pending(peer_alive && ha.peer_state == ST_ACTIVE &&
						 !ha.peer_leaving);
	elect(&in, &out);
	if (out.preempt_wait && !ha.preempt_since) {
		ha.preempt_since = now;
		log_info("peer active with lower priority: preempting in %u ms",
			 c->preempt_delay_ms);
		ha.wake.fn = wake;
		timer_arm(&ha.wake, now + c->preempt_delay_ms);
	} else if (!out.preempt_wait && !out.resync_wait) {
		/* the delay, once over, stays over while the resync runs */
		ha.preempt_since = 0;
	}
	if (out.reannounce) {
		ha.peer_prev_state = ha.peer_state;
		reannounce(out.reason);
	}
	if (out.next != ha.state)
		set_state(out.next, out.reason);
}

static void hb_readable(struct loop_fd *lf, uint32_t events);

/*
 * Read what is queued before judging the peer: after a stall of our own,
 * timers fire before the loop gets to the socket.
 */
static void drain(void)
{
	unsigned int i;

	for (i = 0; i < ha.npaths; i++)
		if (ha.path[i].lf.fd >= 0)
			hb_readable(&ha.path[i].lf, EPOLLIN);
	if (ha.srx.fd >= 0)
		hb_readable(&ha.srx, EPOLLIN);
}

static void peer_dead(struct timer *t)
{
	(void)t;
	drain();
	if (now_ms() - ha.peer_rx_ms < dead_ms())
		return;		/* heard meanwhile: the timer was re-armed */
	log_info("peer %s silent for %u intervals (%llu ms)", ipa(&ha.cfg->peer),
		 ha.cfg->dead_after, (unsigned long long)dead_ms());
	evaluate();
}

static void kev_readable(struct loop_fd *lf, uint32_t events);

/*
 * The module unloaded under us (rmmod, a DKMS upgrade): the family id and
 * the events group we resolved are stale and every request fails. Be inop
 * (nothing of ours is in a kernel any more), resolve the family again every
 * second, and once it is back push the configuration, services and servers
 * again, as at start.
 */
static void kernel_watch(void)
{
	uint64_t now = now_ms();
	int old = ha.state;

	if (kern_dry())
		return;
	if (ha.kernel_gone) {
		if (now < ha.kernel_retry_ms)
			return;
		ha.kernel_retry_ms = now + 1000;
		if (kern_reopen() < 0) {
			log_rl(&ha.rl_kern, LOG_LVL_ERR, "%s (waiting for the nlbs module)",
			       kern_error());
			return;
		}
		log_info("kernel: the nlbs family is back: configuring it again");
		ha.kernel_gone = false;
		ha.kernel_retry_ms = 0;
		ha.kev.fd = kern_event_fd();
		ha.kev.fn = kev_readable;
		if (ha.kev.fd >= 0 && loop_add(&ha.kev, EPOLLIN) < 0)
			log_err("kernel events: %s", strerror(errno));
		if (kern_state(ST_INIT, 0, false) < 0)
			log_warn("%s", kern_error());
		svc_kernel_back();
		relay_kernel_back();
		return;		/* check_devices() pushes the configuration */
	}
	if (!kern_suspect() && now - ha.kernel_check_ms < 1000)
		return;
	ha.kernel_check_ms = now;
	if (kern_alive())
		return;
	log_warn("kernel: the nlbs netlink family is gone (module unloaded?): "
		 "inop until it is back");
	if (ha.kev.fd >= 0)
		loop_del(&ha.kev);
	ha.kev.fd = -1;
	relay_kernel_lost();
	kern_close();
	ha.kernel_gone = true;
	ha.kernel_ok = false;
	ha.kernel_retry_ms = now;
	svc_kernel_lost();
	if (ha.state != ST_INOP) {
		ha.state = ST_INOP;
		changed(old, "kernel module gone", "");
	}
}

/*
 * While active, once a second: has another MAC announced the NLBS address
 * (gratuitous ARP, a reply) since? Then another node answers for it too:
 * two actives, whatever the heartbeats say. Logged loudly; the election
 * resolves what the heartbeats show, the counter is a witness.
 */
static void check_arp_conflicts(void)
{
	uint64_t now = now_ms(), v;

	if (ha.state != ST_ACTIVE || kern_dry() || now - ha.arp_check_ms < 1000)
		return;
	ha.arp_check_ms = now;
	if (kern_stat(NLBS_STATS_A_ARP_CONFLICTS, &v) < 0)
		return;
	if (ha.arp_known && v > ha.arp_conflicts)
		log_rl(&ha.rl_arp, LOG_LVL_ERR,
		       "ARP conflict: another MAC announced the NLBS address %s while we are "
		       "active (%llu new, %llu so far): two nodes answer for it (peer %s: %s%s)",
		       ip4(ha.cfg->nlbs_addr), (unsigned long long)(v - ha.arp_conflicts),
		       (unsigned long long)v, ipa(&ha.cfg->peer), state_name(ha.peer_state),
		       ha_peer_alive() ? "" : ", silent");
	ha.arp_conflicts = v;
	ha.arp_known = true;
}

/*
 * With two heartbeat paths the peer is alive while either delivers
 * (accept_hb() takes the first copy of each heartbeat); a path silent for
 * the dead time is logged, as is its return, and changes nothing else.
 */
static void check_paths(void)
{
	uint64_t now = now_ms(), dead = dead_ms();
	struct hb_path *p;
	bool silent;
	unsigned int i;

	if (ha.npaths < 2)
		return;
	for (i = 0; i < ha.npaths; i++) {
		p = &ha.path[i];
		silent = now - p->rx_ms >= dead;
		if (silent == p->silent)
			continue;
		p->silent = silent;
		if (silent)
			log_warn("heartbeat path %u (%s -> %s): nothing heard for %llu ms%s", i + 1,
				 ipa(&p->local), ipa(&p->peer), (unsigned long long)(now - p->rx_ms),
				 ha_peer_alive() ? ": the peer is heard on the other path" : "");
		else
			log_info("heartbeat path %u (%s -> %s) delivers again", i + 1,
				 ipa(&p->local), ipa(&p->peer));
	}
}

static void tick(struct timer *t)
{
	timer_arm(t, t->due + ha.cfg->advert_ms > now_ms() ? t->due + ha.cfg->advert_ms
							   : now_ms() + ha.cfg->advert_ms);
	kernel_watch();
	/* a state set by hand since the last batch first: a renewal would undo it */
	ha_kernel_events();
	renew_lease();
	/* what queued first (after a stall): our heartbeat then echoes the newest */
	drain();
	connect_paths();
	check_paths();
	send_hb(0);
	check_devices();
	evaluate();
	check_arp_conflicts();
	sdn_alive();
}

/* ---- heartbeat in ---- */

/* Which parts of the fingerprints differ, for the log: "services, timers". */
static const char *fp_diff(const uint32_t *a, const uint32_t *b)
{
	static const char *const name[HB_FP_PARTS] = {
		[HB_FP_SEED] = "hash-seed",
		[HB_FP_SERVICES] = "services and servers (table sizes, weights, MACs)",
		[HB_FP_TIMERS] = "timers (advert-interval, dead-after, lease)",
		[HB_FP_RESERVED] = "(unknown)",
	};
	static char buf[160];
	size_t i, n = 0;

	buf[0] = 0;
	for (i = 0; i < HB_FP_PARTS; i++)
		if (a[i] != b[i])
			n += snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? ", " : "", name[i]);
	return buf;
}

/*
 * The peer's configuration against ours: connections survive a takeover
 * only if both build the same tables from the same seed. Loud: an error
 * at once and every minute while they differ.
 */
static void compare_fp(const struct hb_msg *m)
{
	bool same = !memcmp(m->fp, ha.fp, sizeof(ha.fp));

	memcpy(ha.peer_fp, m->fp, sizeof(ha.peer_fp));
	if (same) {
		if (ha.fp_match == 0)
			log_info("configuration fingerprint matches the peer's again");
		ha.fp_match = 1;
		return;
	}
	if (ha.fp_match != 0) {
		ha.fp_mismatches++;
		ha.rl_fp.last_ms = 0;	/* a new mismatch: at once */
	}
	ha.fp_match = 0;
	log_rl(&ha.rl_fp, LOG_LVL_ERR,
	       "configuration differs from the peer's: %s (fingerprint %08x.%08x.%08x, "
	       "peer's %08x.%08x.%08x): flows may change servers at a takeover",
	       fp_diff(ha.fp, m->fp), ha.fp[0], ha.fp[1], ha.fp[2], m->fp[0], m->fp[1],
	       m->fp[2]);
}

/*
 * Does the peer hear us? Its heartbeats echo ours (hb.h).
 *  - It echoes our present epoch: confirmed; deaf (one-way loss) when it
 *    last heard us more than dead-after ago. The election then yields to
 *    it (elect.c): it believes us dead.
 *  - It has not echoed our present epoch since we started or it did (its
 *    new epoch), for dead-after and an interval: unconfirmed. Either a
 *    one-way loss that began before one of us started, or a recording of
 *    it replayed to us (a replay cannot echo an epoch made after it): it is
 *    taken for dead, so that a replay cannot hold us standby.
 * Deafness needs heartbeats saying so for an advert interval of ours (not
 * one sent in a hurry by a peer back from a stall, nor a batch that queued
 * up while we were stalled ourselves); hearing us once ends it.
 */
static void check_deaf(const struct hb_msg *m)
{
	uint64_t now = now_ms(), dead = dead_ms();
	uint64_t since = ha.start_ms > ha.peer_epoch_since ? ha.start_ms : ha.peer_epoch_since;
	bool deaf = false, unconfirmed = false;

	if (m->echo_epoch == ha.epoch) {
		ha.peer_confirmed = true;
		deaf = m->echo_age_ms > dead;
	} else if (now - since > dead + ha.cfg->advert_ms) {
		unconfirmed = true;
	}
	if (unconfirmed != ha.peer_unconfirmed) {
		ha.peer_unconfirmed = unconfirmed;
		if (unconfirmed) {
			ha.unconfirmed_count++;
			log_warn("peer %s has not heard us in the %llu ms since %s (a one-way loss, "
				 "or a recording of it replayed): taken for dead", ipa(&ha.cfg->peer),
				 (unsigned long long)(now - since),
				 since == ha.start_ms ? "we started" : "its present life began");
		} else {
			log_info("peer %s hears us", ipa(&ha.cfg->peer));
		}
	}
	if (!deaf)
		ha.deaf_first_ms = 0;
	else if (!ha.deaf_first_ms)
		ha.deaf_first_ms = now;
	if (deaf && now - ha.deaf_first_ms < ha.cfg->advert_ms)
		return;
	if (deaf == ha.peer_deaf)
		return;
	ha.peer_deaf = deaf;
	if (deaf) {
		ha.deaf_count++;
		ha.deaf_since = now;
		log_warn("one-way heartbeat loss: peer %s does not hear us (it last heard us %u ms "
			 "ago, sequence %llu of %llu): yielding to it", ipa(&ha.cfg->peer),
			 m->echo_age_ms, (unsigned long long)m->echo_seq,
			 (unsigned long long)ha.seq);
	} else {
		log_info("peer %s hears us again (one-way loss over after %llu ms)",
			 ipa(&ha.cfg->peer), (unsigned long long)(now - ha.deaf_since));
	}
}

static void accept_hb(const struct hb_msg *m, struct hb_path *path)
{
	const struct nlbsd_config *c = ha.cfg;
	int restarted;
	enum hb_result r;
	/* heard before, then silent for dead-after: judged dead */
	bool was_dead = ha.peer_state != ST_UNKNOWN && !ha_peer_alive();
	bool split;

	/*
	 * With two paths every heartbeat comes twice: the copy that arrives
	 * second (seen already, within the replay window) says only that its
	 * path delivers. A replay of one of them could say no more either.
	 */
	if (ha.npaths > 1 && hb_replay_seen(&ha.replay, m)) {
		path->rx_ms = now_ms();
		path->rx++;
		ha.rx_dup++;
		return;
	}
	/* a recording of the peer from before our restart echoes our last life */
	r = hb_echo_check(m, ha.epoch, now_ms() - ha.start_ms, c->advert_ms + 200);
	if (r == HB_OK)
		r = hb_replay_check(&ha.replay, m, &restarted);
	if (r == HB_ERR_ECHO)
		ha.rx_echo++;
	if (r == HB_ERR_REORDERED) {
		ha.rx_reordered++;
		path->rx_ms = now_ms();
		path->rx++;
		log_dbg("heartbeat from %s: %s", ipa(&c->peer), hb_result_str(r));
		return;
	}
	if (r != HB_OK) {
		ha.rx_replay++;
		log_rl(r == HB_ERR_REPLAY ? &ha.rl_replay : &ha.rl_stale, LOG_LVL_WARN,
		       "heartbeat from %s ignored: %s (%lu so far)",
		       ipa(&c->peer), hb_result_str(r), ha.rx_replay);
		return;
	}
	ha.rx_ok++;
	path->rx_ms = now_ms();
	path->rx++;
	if (restarted) {
		log_info("peer %s restarted (new epoch)", ipa(&c->peer));
		relay_peer_restarted();
	}
	if (m->epoch != ha.peer_epoch_saved) {
		/* after our own restart, its older lives are stale at once */
		int ret = peer_epoch_save(c->state_file, ipa(&c->peer), m->epoch);

		if (ret < 0)
			log_rl(&ha.rl_kern, LOG_LVL_WARN, "state-file %s.peer: %s", c->state_file,
			       strerror(-ret));
		ha.peer_epoch_saved = m->epoch;
	}
	if (m->epoch != ha.heard_epoch) {
		/* its present life: it has dead-after to hear ours */
		ha.peer_epoch_since = now_ms();
		ha.peer_confirmed = false;
	}
	ha.heard_epoch = m->epoch;
	ha.heard_seq = m->seq;
	ha.heard_ms = now_ms();
	compare_fp(m);
	check_deaf(m);
	/*
	 * Both active, the peer back from a silence in the same life: it ran on
	 * and served flows we never saw. If we lose the dual-active, its table
	 * is the one to have.
	 */
	split = was_dead && !restarted && m->state == ST_ACTIVE && ha.state == ST_ACTIVE;
	if (m->interval_ms != c->advert_ms && !ha.warned_interval) {
		log_warn("peer advert-interval %u ms differs from ours (%u ms)",
			 m->interval_ms, c->advert_ms);
		ha.warned_interval = true;
	}
	if (m->state != ha.peer_state || m->priority != ha.peer_prio ||
	    !!(m->flags & HB_F_LEAVING) != ha.peer_leaving)
		log_info("peer %s: %s, priority %u%s", ipa(&c->peer), state_name(m->state),
			 m->priority, m->flags & HB_F_LEAVING ? ", leaving" : "");
	if (m->state != ha.peer_state)
		ha.peer_prev_state = ha.peer_state;
	ha.peer_state = m->state;
	if (ha.peer_prev_state != ha.peer_state)
		status_line();
	ha.peer_prio = m->priority;
	/* authentic, so trusted; bounded as our own advert-interval is */
	ha.peer_interval_ms = m->interval_ms < NLBSD_MIN_ADVERT_MS ? NLBSD_MIN_ADVERT_MS :
			      m->interval_ms > 60000 ? 60000 : m->interval_ms;
	ha.peer_leaving = m->flags & HB_F_LEAVING;
	ha.peer_rx_ms = now_ms();
	ha.dead.fn = peer_dead;
	timer_arm(&ha.dead, ha.peer_rx_ms + dead_ms());
	ha.split |= split;
	ha.heard = true;	/* hb_readable() runs the election */
}

/*
 * Once per batch of heartbeats, with the newest news: after a stall of
 * ours the socket holds heartbeats of the peer's past, and the election
 * must not act on each in turn (a stale "standby" of a peer that has taken
 * over since would make us active).
 */
static void heard(void)
{
	bool split = ha.split;

	if (!ha.heard)
		return;
	ha.heard = ha.split = false;
	evaluate();
	if (split && ha.state != ST_ACTIVE)
		relay_want("stepped down after a split");
}

/*
 * The TTL (IPv6: hop limit) a datagram arrived with (IP_RECVTTL,
 * IPV6_RECVHOPLIMIT), -1 if not said.
 */
static int rx_ttl(struct msghdr *mh)
{
	struct cmsghdr *cm;
	int ttl;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TTL) ||
		     (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT)) &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&ttl, CMSG_DATA(cm), sizeof(ttl));
			return ttl;
		}
	}
	return -1;
}

/*
 * At most this many datagrams per socket per wakeup: a flood must not hold
 * the loop (the sockets are level-triggered, the rest comes at the next
 * turn, after the timers and the other sockets).
 */
#define HB_RX_BUDGET	256

void ha_rx_stats(struct ha_rx_stats *st)
{
	*st = (struct ha_rx_stats){
		.budget = HB_RX_BUDGET, .wakeups = ha.rx_wakeups, .reads = ha.rx_reads,
		.batch_max = ha.rx_batch_max, .budget_out = ha.rx_budget_out,
		.foreign = ha.rx_foreign, .accepted = ha.rx_ok,
	};
}

/*
 * Any of our sockets: a path's (heartbeats) or srx (sync datagrams). While
 * they are all connected each gets only its own kind, but a socket not
 * connected yet may get either (they share the port): every datagram is
 * taken for what it is. Those from srx arrive on path 0.
 */
static void hb_readable(struct loop_fd *lf, uint32_t events)
{
	const struct nlbsd_config *c = ha.cfg;
	struct hb_path *p = lf == &ha.srx ? &ha.path[0] : container_of(lf, struct hb_path, lf);
	struct sockaddr_storage from;
	struct ipaddr fa;
	/* heartbeats and sync datagrams (at most SYNC_MAX_LEN) */
	static uint8_t buf[2048];
	union {
		char buf[CMSG_SPACE(sizeof(int)) * 2];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh;
	struct hb_msg m;
	enum hb_result r;
	bool by_next;
	ssize_t n;
	int budget, ttl;
	unsigned long reads = 0;

	(void)events;
	ha.rx_wakeups++;
	for (budget = HB_RX_BUDGET; budget; budget--) {
		mh = (struct msghdr){ .msg_name = &from, .msg_namelen = sizeof(from),
				      .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
		n = recvmsg(lf->fd, &mh, 0);
		if (n < 0) {
			/* an ICMP port unreachable reported (connected): nothing read */
			if (errno == ECONNREFUSED) {
				p->refused++;
				continue;
			}
			break;
		}
		reads++;
		/* only while not connected (the kernel filters once it is) */
		if (!ipaddr_from_sockaddr(&fa, &from) || !ipaddr_eq(&fa, &p->peer)) {
			ha.rx_foreign++;
			log_rl(&ha.rl_bad, LOG_LVL_WARN,
			       "heartbeat port: datagram from %s, not the peer, ignored (%lu so far)",
			       ipa(&fa), ha.rx_foreign);
			continue;
		}
		/* on-link only (GTSM): IP_MINTTL does not apply to UDP before 6.x */
		ttl = rx_ttl(&mh);
		if (ttl >= 0 && ttl != 255) {
			ha.rx_ttl++;
			log_rl(&ha.rl_ttl, LOG_LVL_WARN,
			       "heartbeat port: datagram from %s with TTL %d, not 255 (not from "
			       "the link), ignored (%lu so far)", ipa(&fa), ttl, ha.rx_ttl);
			continue;
		}
		if (sync_is_sync(buf, n)) {
			relay_rx(buf, n);
			continue;
		}
		r = hb_decode(buf, n, c->key, c->has_next_key ? c->next_key : NULL, &m, &by_next);
		if (r == HB_ERR_V1) {
			ha.rx_v1++;
			log_rl(&ha.rl_v1, LOG_LVL_ERR, "heartbeat from %s: %s (%lu so far)",
			       ipa(&fa), hb_result_str(r), ha.rx_v1);
			continue;
		}
		if (r == HB_ERR_AUTH) {
			ha.rx_auth++;
			log_rl(&ha.rl_auth, LOG_LVL_WARN,
			       "heartbeat from %s: %s (%lu so far)", ipa(&fa),
			       hb_result_str(r), ha.rx_auth);
			continue;
		}
		if (r != HB_OK) {
			ha.rx_bad++;
			log_rl(&ha.rl_bad, LOG_LVL_WARN, "heartbeat from %s: %s (%lu so far)",
			       ipa(&fa), hb_result_str(r), ha.rx_bad);
			continue;
		}
		if (m.node_id == c->node_id) {
			ha.rx_bad++;
			log_rl(&ha.rl_bad, LOG_LVL_WARN,
			       "heartbeat from %s carries our own node id %u: check [node] id",
			       ipa(&fa), m.node_id);
			continue;
		}
		if (by_next != ha.peer_next_key) {
			log_info("peer %s signs its heartbeats with the key of %s", ipa(&c->peer),
				 by_next ? "next-key-file (a key rotation)" : "key-file");
			ha.peer_next_key = by_next;
		}
		accept_hb(&m, p);
	}
	ha.rx_reads += reads;
	if (reads > ha.rx_batch_max)
		ha.rx_batch_max = reads;
	if (!budget)
		ha.rx_budget_out++;
	relay_rx_done();
	heard();
}

/*
 * The socket options of a heartbeat socket of family @af: free bind
 * (our address may not be there yet), DSCP CS6, on-link only both ways
 * (GTSM, RFC 5082: sent with TTL / hop limit 255, 255 wanted).
 */
static void sock_opts(int fd, int af)
{
	int one = 1, tos = 0xc0, prio = 6, ttl = 255;

	setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio));
	if (af == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
		setsockopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, &ttl, sizeof(ttl));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one));
		return;
	}
	setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	setsockopt(fd, IPPROTO_IP, IP_MINTTL, &ttl, sizeof(ttl));
	setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
}

/* Bound to @local and the heartbeat port (beside the others on it). */
static int open_socket(const struct nlbsd_config *c, const struct ipaddr *local, bool hb)
{
	struct sockaddr_storage ss;
	socklen_t sl = ipaddr_sockaddr(local, c->port, &ss);
	int one = 1, rcvbuf = (hb ? 1 : 4) << 20, fd;

	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* sync: room for a resync's bursts; heartbeats: for a flood's backlog */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	sock_opts(fd, ss.ss_family);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

/*
 * Connect @fd to @peer, at @port (0: any port, for srx). True if it is;
 * false (logged, rate-limited) if not yet: no route to the peer, our
 * address not assigned yet. The socket then works unconnected, the source
 * checked by hb_readable(), and the connect is tried again at every tick.
 */
static bool try_connect(int fd, const struct ipaddr *peer, uint16_t port, struct ratelimit *rl)
{
	struct sockaddr_storage ss;
	socklen_t sl = ipaddr_sockaddr(peer, port, &ss);

	if (connect(fd, (struct sockaddr *)&ss, sl) == 0)
		return true;
	log_rl(rl, LOG_LVL_WARN, "heartbeat socket: connect to %s: %s (unconnected until it "
	       "succeeds: the source of each datagram checked here)", ipa(peer), strerror(errno));
	return false;
}

static void connect_paths(void)
{
	const struct nlbsd_config *c = ha.cfg;
	struct hb_path *p;
	unsigned int i;

	for (i = 0; i < ha.npaths; i++) {
		p = &ha.path[i];
		if (p->lf.fd >= 0 && !p->connected) {
			p->connected = try_connect(p->lf.fd, &p->peer, c->port, &p->rl_conn);
			if (p->connected && p->rl_conn.last_ms)
				log_info("heartbeat socket: connected to %s",
					 ipa_port(&p->peer, c->port));
		}
	}
	if (ha.srx.fd >= 0 && !ha.srx_connected)
		ha.srx_connected = try_connect(ha.srx.fd, &c->peer, 0, &ha.rl_srx);
}

static void close_lf(struct loop_fd *lf)
{
	if (lf->fd < 0)
		return;
	loop_del(lf);
	close(lf->fd);
	lf->fd = -1;
}

static void close_sockets(void)
{
	unsigned int i;

	for (i = 0; i < HB_PATHS; i++)
		close_lf(&ha.path[i].lf);
	close_lf(&ha.srx);
}

/*
 * The sockets for @c: one per heartbeat path and srx. All opened before the
 * old ones are closed (SO_REUSEADDR: they share the port meanwhile), so a
 * failure leaves the old ones working.
 */
static int set_sockets(const struct nlbsd_config *c)
{
	struct ipaddr local[HB_PATHS] = { c->address, c->address2 };
	struct ipaddr peer[HB_PATHS] = { c->peer, c->peer2 };
	int fd[HB_PATHS + 1], n = c->peer2.af ? 2 : 1, i, ret = 0;

	for (i = 0; i <= n; i++)
		fd[i] = -1;
	for (i = 0; i < n && ret >= 0; i++)
		ret = fd[i] = open_socket(c, &local[i], true);
	if (ret >= 0)
		ret = fd[n] = open_socket(c, &c->address, false);
	if (ret < 0) {
		log_err("heartbeat socket %s: %s", ipa_port(&local[i ? i - 1 : 0], c->port),
			strerror(-ret));
		for (i = 0; i <= n; i++)
			if (fd[i] >= 0)
				close(fd[i]);
		return ret;
	}
	close_sockets();
	ha.npaths = n;
	for (i = 0; i < n; i++) {
		ha.path[i].lf.fd = fd[i];
		ha.path[i].lf.fn = hb_readable;
		ha.path[i].local = local[i];
		ha.path[i].peer = peer[i];
		ha.path[i].connected = false;
		ha.path[i].silent = false;
		ha.path[i].rx_ms = now_ms();
		ha.path[i].rl_conn.last_ms = 0;
		if (loop_add(&ha.path[i].lf, EPOLLIN) < 0)
			ret = -errno;
	}
	ha.srx.fd = fd[n];
	ha.srx.fn = hb_readable;
	ha.srx_connected = false;
	ha.rl_srx.last_ms = 0;
	if (loop_add(&ha.srx, EPOLLIN) < 0)
		ret = -errno;
	ha.cfg = c;
	connect_paths();
	return ret;
}

/* ---- kernel events ---- */

/*
 * The kernel is the source of truth: read its state and make it ours
 * (@hint: the state to assume when it cannot be read, -1: keep ours).
 * A change is logged, told to the peer at once, runs the scripts
 * (changed()); an active state gets our lease at once (it may have been set
 * without one); then the election runs from there.
 */
static void adopt_kernel(int hint, const char *why, const char *by)
{
	int old = ha.state, st;

	if (kern_state_get(&st) < 0) {
		log_rl(&ha.rl_kern, LOG_LVL_ERR, "%s", kern_error());
		if (hint < 0)
			return;
		st = hint;
	}
	if (st != old) {
		ha.adopted++;
		ha.state = st;
		changed(old, why, by);
		if (st == ST_INOP)
			ha.devices_ok = false;
		if (old == ST_ACTIVE && st != ST_ACTIVE)
			relay_want("the kernel left active");	/* lease expired: we stalled */
		if (st == ST_ACTIVE) {
			ha.renewed_ms = now_ms();
			if (kern_state(ST_ACTIVE, ha.cfg->lease_ms, false) < 0)
				log_rl(&ha.rl_kern, LOG_LVL_ERR, "lease: %s", kern_error());
		}
	}
	evaluate();
}

/*
 * A state event. Ours (stamped with our request handle's port id) are
 * news to nobody. The kernel's own (lease expired, device lost) and those
 * of anybody else (nlbs-genl state set by hand) are adopted: the kernel's
 * state, read now (events lag behind requests), becomes ours. A state set
 * by hand also holds: inop stays, standby yields (see struct ha).
 */
static void kstate(int st, const char *reason, enum kern_cause by, uint32_t portid)
{
	char why[160];

	if (ha.leaving || by == KERN_BY_US)
		return;
	if (by == KERN_BY_OTHER) {
		int hold = st == ST_INOP || st == ST_STANDBY ? st : ST_INIT;

		log_warn("kernel: state %s set by another process (netlink port %u): "
			 "adopting it%s", state_name(st), portid,
			 hold == ST_INOP ? "; staying inop until a state is set by hand "
					   "again or a reload" :
			 hold == ST_STANDBY ? "; yielding to the peer (priority 0) until it "
					      "cannot serve, a state is set by hand again or a reload" :
			 "");
		ha.hold = hold;
		ha.preempt_since = 0;
		snprintf(why, sizeof(why), "%s by hand", state_name(st));
		adopt_kernel(st, why, "kernel: ");
		return;
	}
	adopt_kernel(st, reason && *reason ? reason : "kernel", "kernel: ");
}
static void kdevice(const char *reason)
{
	log_info("kernel: device event: %s", reason && *reason ? reason : "?");
	/* the kernel released the device: configure it again once it is back */
	ha.kernel_ok = false;
	ha.kernel_retry_ms = 0;
	check_devices();
	evaluate();
}

/*
 * The event socket overran: state and device events may be lost. Ask the
 * kernel instead: adopt its state, configure it again if it lost the
 * devices (inop or a different configuration), compare services and
 * servers with the kernel's (svc_resync(): adds what is missing, deletes
 * nothing).
 */
#define RESYNC_MIN_MS 1000

static void kresync(struct timer *t)
{
	int st, ok;

	(void)t;
	ha.resync_ms = now_ms();
	if (ha.kernel_gone)
		return;		/* everything is pushed again once it is back */
	if (kern_state_get(&st) < 0) {
		log_rl(&ha.rl_kern, LOG_LVL_ERR, "resync: %s", kern_error());
		return;
	}
	ok = kern_config_matches(ha.cfg);
	if (ok < 0)
		log_rl(&ha.rl_kern, LOG_LVL_ERR, "resync: %s", kern_error());
	if (st == ST_INOP || ok == 0) {
		ha.kernel_ok = false;
		ha.kernel_retry_ms = 0;
	}
	svc_resync();
	if (st != ha.state)
		adopt_kernel(st, "kernel state (events lost)", "kernel: ");
	check_devices();
	evaluate();
}

/*
 * Not in the event handler: the resync makes a request per service and
 * more, and overruns can come in bursts. From a timer, at most once per
 * RESYNC_MIN_MS; overruns meanwhile are covered by the one pending.
 */
static void schedule_resync(void)
{
	uint64_t now = now_ms(), due = ha.resync_ms + RESYNC_MIN_MS;

	if (ha.resync.armed)
		return;
	ha.resync.fn = kresync;
	timer_arm(&ha.resync, ha.resync_ms && due > now ? due : now);
}

static void kev_readable(struct loop_fd *lf, uint32_t events)
{
	static const struct kern_events ev = { .state = kstate, .device = kdevice };
	int ret;

	(void)lf;
	(void)events;
	ret = kern_event_read(&ev);
	if (ret == -ENOBUFS) {
		log_rl(&ha.rl_overrun, LOG_LVL_WARN,
		       "kernel events lost (socket overrun): resynchronising");
		schedule_resync();
		/* and read on: what is queued now came after the overrun */
		ret = kern_event_read(&ev);
	}
	if (ret == -ENOBUFS)
		schedule_resync();	/* again: the pending one covers it */
	else if (ret < 0)
		log_rl(&ha.rl_kern, LOG_LVL_ERR, "kernel events: %s", strerror(-ret));
}

void ha_kernel_events(void)
{
	kev_readable(&ha.kev, EPOLLIN);
}

/* ---- lifecycle ---- */

int ha_start(const struct nlbsd_config *c)
{
	char ewarn[PATH_MAX + 200];
	uint64_t now = now_ms();
	int ret;

	ha.cfg = c;
	ha.state = ST_INIT;
	ha.state_since = now;
	/*
	 * epoch: wall clock at start, but past the last one saved, so a
	 * restarted daemon moves forward even when the clock stepped back
	 */
	ha.epoch = epoch_next(c->state_file, wall_ms() * 1000 + randombytes_uniform(1000),
			      ewarn, sizeof(ewarn));
	if (ewarn[0])
		log_warn("%s", ewarn);
	ha.start_ms = now;
	config_fingerprint(c, ha.fp);
	ha.peer_state = ha.peer_prev_state = ST_UNKNOWN;
	ha.peer_rx_ms = now;	/* listen for dead-after before taking over */
	ha.devices_ok = true;
	ha.reach_ok = true;
	ret = set_sockets(c);
	if (ret < 0)
		return ret;
	ha.kev.fd = kern_event_fd();
	ha.kev.fn = kev_readable;
	if (ha.kev.fd >= 0 && loop_add(&ha.kev, EPOLLIN) < 0)
		return -errno;
	/* the kernel may still be active from a daemon that died: start over */
	if (kern_state(ST_INIT, 0, false) < 0)
		log_warn("%s", kern_error());
	ret = kern_config(c);
	ha.kernel_ok = ret >= 0;
	if (ret < 0) {
		log_err("%s", kern_error());
		ha.kernel_retry_ms = now + 1000;
	}
	log_info("node %s priority %u, peer %s, advert %u ms, dead after %u, lease %u ms%s",
		 ipa(&c->address), c->priority, ipa_port(&c->peer, c->port), c->advert_ms,
		 c->dead_after, c->lease_ms, kern_dry() ? ", no kernel (dry run)" : "");
	if (c->peer2.af)
		log_info("second heartbeat path: %s -> %s", ipa(&c->address2),
			 ipa_port(&c->peer2, c->port));
	run_scripts(ST_INIT, ST_INIT, "started");
	relay_start(c, ha.epoch);
	/* the peer's last life we know of: anything older is a replay */
	ret = peer_epoch_load(c->state_file, ipa(&c->peer), &ha.peer_epoch_saved);
	if (ret < 0)
		log_warn("state-file %s.peer: %s", c->state_file, strerror(-ret));
	if (ha.peer_epoch_saved) {
		ha.replay = (struct hb_replay){ .valid = 1, .epoch = ha.peer_epoch_saved };
		relay_peer_epoch(ha.peer_epoch_saved);
		log_info("peer %s: its heartbeats of epochs before %llu are stale (state-file)",
			 ipa(&c->peer), (unsigned long long)ha.peer_epoch_saved);
	}
	start_targets(c);
	check_devices();
	ha.dead.fn = peer_dead;
	timer_arm(&ha.dead, now + dead_ms());
	ha.tick.fn = tick;
	timer_arm(&ha.tick, now + c->advert_ms);
	evaluate();
	return 0;
}

int ha_reload(const struct nlbsd_config *c)
{
	const struct nlbsd_config *old = ha.cfg;

	if (!ipaddr_eq(&c->address, &old->address) || c->port != old->port ||
	    !ipaddr_eq(&c->peer, &old->peer) || !ipaddr_eq(&c->address2, &old->address2) ||
	    !ipaddr_eq(&c->peer2, &old->peer2)) {
		if (set_sockets(c) < 0) {
			ha.cfg = old;
			return -1;
		}
	}
	ha.cfg = c;
	if (ha.hold != ST_INIT) {
		log_info("reload: %s by hand ends", state_name(ha.hold));
		ha.hold = ST_INIT;
	}
	if (strcmp(c->access_dev, old->access_dev) || strcmp(c->server_dev, old->server_dev) ||
	    c->nlbs_addr.s_addr != old->nlbs_addr.s_addr ||
	    memcmp(&c->nlbs_addr6, &old->nlbs_addr6, sizeof(c->nlbs_addr6)) ||
	    c->garp_count != old->garp_count ||
	    c->garp_interval_ms != old->garp_interval_ms || c->hash_seed != old->hash_seed) {
		if (kern_config(c) < 0) {
			log_err("%s", kern_error());
			ha.kernel_ok = false;
			ha.kernel_retry_ms = now_ms() + 1000;
		}
	}
	config_fingerprint(c, ha.fp);
	ha.fp_match = -1;	/* compared (and logged) at the next heartbeat */
	if (!ipaddr_eq(&c->peer, &old->peer)) {
		memset(&ha.replay, 0, sizeof(ha.replay));
		ha.heard_epoch = ha.heard_seq = 0;
		ha.peer_epoch_saved = 0;
		ha.peer_deaf = false;
		ha.peer_state = ha.peer_prev_state = ST_UNKNOWN;
		ha.peer_interval_ms = 0;
		ha.peer_rx_ms = now_ms();
	}
	relay_reload(c);
	start_targets(c);
	timer_cancel(&ha.tick);
	timer_arm(&ha.tick, now_ms() + c->advert_ms);
	check_devices();
	evaluate();
	return 0;
}

void ha_leave(void)
{
	int old = ha.state;

	ha.leaving = true;
	if (ha.state == ST_ACTIVE) {
		if (kern_state(ST_STANDBY, 0, false) < 0)
			log_err("%s", kern_error());
		ha.state = ST_STANDBY;
		changed(old, "shutting down", "");	/* sends a leaving heartbeat */
	} else {
		send_hb(HB_F_LEAVING);
	}
	send_hb(HB_F_LEAVING);	/* one more in case the first is lost */
}

void ha_stop(void)
{
	start_targets(&(struct nlbsd_config){ .ntargets = 0 });
	timer_cancel(&ha.tick);
	timer_cancel(&ha.dead);
	timer_cancel(&ha.wake);
	timer_cancel(&ha.resync);
	relay_stop();
	close_sockets();
	ha.npaths = 0;
	if (ha.kev.fd >= 0)
		loop_del(&ha.kev);
	ha.kev.fd = -1;
}

static const char *yesno(bool b)
{
	return b ? "yes" : "no";
}

void ha_status(FILE *f)
{
	const struct nlbsd_config *c = ha.cfg;
	uint64_t now = now_ms(), arp;
	size_t i;

	fprintf(f, "state: %s\n", state_name(ha.state));
	fprintf(f, "state-since-ms: %llu\n", (unsigned long long)(now - ha.state_since));
	fprintf(f, "hold: %s\n", ha.hold == ST_INOP ? "inop by hand" :
		ha.hold == ST_STANDBY ? "standby by hand" : "none");
	fprintf(f, "priority: %u (advertised %u)\n", c->priority, own_prio());
	fprintf(f, "kernel: %s\n", kern_dry() ? "none (dry run)" : ha.kernel_gone ? "gone" :
		ha.kernel_ok ? "configured" : "not configured");
	fprintf(f, "healthy: %s (devices %s, reachability %s)\n",
		yesno(ha.devices_ok && ha.reach_ok && ha.kernel_ok), ha.devices_ok ? "up" : "down",
		!ha.reach_ok ? "failed" : ha.reach_unknown ? "not known yet" : "ok");
	fprintf(f, "peer: %s\n", ipa(&c->peer));
	fprintf(f, "peer-state: %s%s\n", state_name(ha.peer_state),
		ha.peer_leaving ? " (leaving)" : "");
	fprintf(f, "peer-priority: %u\n", ha.peer_prio);
	fprintf(f, "peer-alive: %s\n", yesno(ha_peer_alive()));
	if (ha.heard_epoch)
		fprintf(f, "last-heartbeat-ms: %llu\n", (unsigned long long)(now - ha.peer_rx_ms));
	else
		fprintf(f, "last-heartbeat-ms: never\n");
	fprintf(f, "peer-hears-us: %s\n", !ha.heard_epoch ? "not known yet" :
		ha.peer_unconfirmed ? "no (not in our present life: taken for dead)" :
		ha.peer_deaf ? "no (one-way loss)" : ha.peer_confirmed ? "yes" : "not yet");
	fprintf(f, "fingerprint: %s", ha.fp_match < 0 ? "not compared yet" :
		ha.fp_match ? "matches the peer's" : "differs from the peer's: ");
	if (!ha.fp_match)
		fputs(fp_diff(ha.fp, ha.peer_fp), f);
	fputc('\n', f);
	fprintf(f, "fingerprint-ours: %08x.%08x.%08x\n", ha.fp[0], ha.fp[1], ha.fp[2]);
	if (ha.fp_match >= 0)
		fprintf(f, "fingerprint-peer: %08x.%08x.%08x\n", ha.peer_fp[0], ha.peer_fp[1],
			ha.peer_fp[2]);
	fprintf(f, "peer-key: %s\n", !ha.heard_epoch ? "not known yet" :
		ha.peer_next_key ? "next-key-file" : "key-file");
	if (kern_stat(NLBS_STATS_A_ARP_CONFLICTS, &arp) == 0)
		fprintf(f, "arp-conflicts: %llu\n", (unsigned long long)arp);
	fprintf(f, "heartbeats: tx %lu (errors %lu), rx %lu; refused: auth %lu, replay %lu, "
		"echo %lu, reordered %lu, bad %lu, v1 %lu, ttl %lu, foreign %lu\n", ha.tx,
		ha.tx_err, ha.rx_ok, ha.rx_auth, ha.rx_replay, ha.rx_echo, ha.rx_reordered,
		ha.rx_bad, ha.rx_v1, ha.rx_ttl, ha.rx_foreign);
	for (i = 0; i < ha.npaths; i++) {
		const struct hb_path *p = &ha.path[i];

		fprintf(f, "heartbeat-path: %zu %s", i + 1, ipa(&p->local));
		fprintf(f, " -> %s, %s, last heard %llu ms ago%s, tx %lu (errors %lu, "
			"port unreachable %lu), rx %lu\n", ipa_port(&p->peer, c->port),
			p->connected ? "connected" : "not connected", (unsigned long long)(now - p->rx_ms),
			p->silent ? " (silent)" : "", p->tx, p->tx_err, p->refused, p->rx);
	}
	fprintf(f, "heartbeat-reads: %lu in %lu wakeups, at most %lu in one (budget %u), "
		"budget used up %lu times; duplicates %lu\n", ha.rx_reads, ha.rx_wakeups,
		ha.rx_batch_max, HB_RX_BUDGET, ha.rx_budget_out, ha.rx_dup);
	fprintf(f, "one-way-losses: %lu, unconfirmed: %lu, fingerprint-mismatches: %lu, "
		"states-adopted: %lu\n", ha.deaf_count, ha.unconfirmed_count, ha.fp_mismatches,
		ha.adopted);
	for (i = 0; i < ha.ntargets; i++)
		fprintf(f, "target: %s %s\n", ha.targets[i].label,
			ha.targets[i].up < 0 ? "unknown" : ha.targets[i].up ? "up" : "down");
}

void ha_dump(void)
{
	if (ha.hold != ST_INIT)
		log_info("status: %s by hand (%s)", state_name(ha.hold),
			 ha.hold == ST_INOP ? "held" : "yielding to the peer");
	log_info("status: %s for %llu ms; peer %s %s prio %u, last heard %llu ms ago; "
		 "tx %lu (err %lu), rx ok %lu, auth fail %lu, replay %lu, reordered %lu, bad %lu, "
		 "foreign %lu",
		 state_name(ha.state), (unsigned long long)(now_ms() - ha.state_since),
		 ipa(&ha.cfg->peer), state_name(ha.peer_state), ha.peer_prio,
		 (unsigned long long)(now_ms() - ha.peer_rx_ms), ha.tx, ha.tx_err, ha.rx_ok,
		 ha.rx_auth, ha.rx_replay, ha.rx_reordered, ha.rx_bad, ha.rx_foreign);
	relay_dump();
}
