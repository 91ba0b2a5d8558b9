/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: the parts of the daemon, as main.c drives them.
 *   ha.c     heartbeat, election, reachability, kernel state and lease
 *   relay.c  flow sync with the peer (driven by ha.c)
 *   svc.c    services, servers, health checks and weights
 */
#ifndef NLBSD_DAEMON_H
#define NLBSD_DAEMON_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"

/* ha.c */
int ha_start(const struct nlbsd_config *c);
/* Switch to a new configuration (SIGHUP); the old one stays valid until return. */
int ha_reload(const struct nlbsd_config *c);
/* SIGTERM: leave active, tell the peer, stop timers. */
void ha_leave(void);
void ha_stop(void);
void ha_dump(void);
/* The election view as "key: value" lines (nlbsd status, control.c). */
void ha_status(FILE *f);
/* A kernel event arrived on the event socket. */
void ha_kernel_events(void);
int ha_state(void);
/* An authentic heartbeat from the peer within dead-after. */
bool ha_peer_alive(void);
/* Run the election now (a resync ended). */
void ha_evaluate(void);

/* The heartbeat sockets' reads, for the tests and status. */
struct ha_rx_stats {
	unsigned int budget;		/* datagrams read per socket per wakeup, at most */
	unsigned long wakeups;		/* a socket read */
	unsigned long reads;		/* datagrams read */
	unsigned long batch_max;	/* the most read in one wakeup */
	unsigned long budget_out;	/* wakeups that stopped at the budget */
	unsigned long foreign;		/* read though not from the peer (unconnected) */
	unsigned long accepted;		/* authentic new heartbeats */
};
void ha_rx_stats(struct ha_rx_stats *st);

/*
 * relay.c: flow sync with the peer (sync.h has the protocol). ha.c starts,
 * reloads and stops it with itself (the same epoch), and tells it of state
 * changes, peer restarts, splits, and the kernel module going and coming
 * back.
 */
int relay_start(const struct nlbsd_config *c, uint64_t epoch);
void relay_reload(const struct nlbsd_config *c);
void relay_stop(void);
void relay_dump(void);
void relay_status(FILE *f);
void relay_state(int st, int old);
void relay_peer_restarted(void);
/* The peer's epoch known from before our start: older sync messages are stale. */
void relay_peer_epoch(uint64_t epoch);
/* A full resync from the active peer is due (@why: static, for the log). */
void relay_want(const char *why);
void relay_kernel_lost(void);
void relay_kernel_back(void);
/* A sync datagram from the peer's address on the heartbeat port. */
void relay_rx(const uint8_t *buf, size_t len);
/* The heartbeat socket is drained: import what came. */
void relay_rx_done(void);
/*
 * From the election: ask for the peer's table or give up on it as due;
 * true while the election must wait for it. @peer_serving: the peer is
 * alive, active and not leaving.
 */
bool relay_resync_pending(bool peer_serving);
/* --no-kernel tests: a made-up flow table and new flows a second. */
void relay_dry_flows(uint32_t table, uint32_t rate);

/*
 * svc.c: reconcile the kernel's services and servers with @c (against what
 * the previous call applied; the first call also prunes services @c lacks).
 * svc_prepare() makes every allocation (-ENOMEM: nothing changed, the
 * previous configuration is still in use); svc_commit(@c) then cannot fail;
 * svc_abort() drops a prepared @c. svc_apply(): the two in one.
 */
int svc_prepare(const struct nlbsd_config *c);
void svc_commit(const struct nlbsd_config *c);
void svc_abort(void);
int svc_apply(const struct nlbsd_config *c);
void svc_stop(void);
/* The kernel lost everything (module unloaded): nothing is in it now. */
void svc_kernel_lost(void);
/* The module is back: add every service and server again. */
void svc_kernel_back(void);
/*
 * Kernel events were lost: compare with the kernel (a service dump, then
 * a server dump per service), add what is missing, set weights that
 * differ; never deletes a server.
 */
void svc_resync(void);
void svc_dump(void);
void svc_status(FILE *f);

/*
 * control.c: the control socket (nlbsd.conf(5) control-socket): a client
 * sends "status\n" and reads the status (ha_status(), relay_status(),
 * svc_status()) until the daemon closes. ctl_client() is nlbsd status.
 */
int ctl_start(const char *path);
void ctl_stop(void);
int ctl_client(const char *path, const char *request);

#endif /* NLBSD_DAEMON_H */
