/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: the two halves of the daemon, as main.c drives them.
 *   ha.c   heartbeat, election, reachability, kernel state and lease
 *   svc.c  services, servers, health checks and weights
 */
#ifndef NLBSD_DAEMON_H
#define NLBSD_DAEMON_H

#include "config.h"

/* ha.c */
int ha_start(const struct nlbsd_config *c);
/* Switch to a new configuration (SIGHUP); the old one stays valid until return. */
int ha_reload(const struct nlbsd_config *c);
/* SIGTERM: leave active, tell the peer, stop timers. */
void ha_leave(void);
void ha_stop(void);
void ha_dump(void);
/* A kernel event arrived on the event socket. */
void ha_kernel_events(void);
int ha_state(void);

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

#endif /* NLBSD_DAEMON_H */
