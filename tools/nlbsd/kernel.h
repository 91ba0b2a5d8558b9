/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: every call into the kernel, a thin adapter over tools/lib/nlbs_nl.h.
 * With kern_open(true) (--no-kernel) nothing is sent: calls succeed and log.
 * Errors are negative errno values; kern_error() has the kernel's text.
 */
#ifndef NLBSD_KERNEL_H
#define NLBSD_KERNEL_H

#include "config.h"

int kern_open(bool dry_run);
void kern_close(void);
/*
 * The module was unloaded (and maybe loaded again): the family id and the
 * events group resolved by kern_open() are stale. kern_suspect(): a request
 * failed with ENOENT/EOPNOTSUPP since the last kern_alive(). kern_alive():
 * does the family still answer (a STATE_GET)? kern_reopen(): close, then
 * resolve family and group again; kern_event_fd() changes.
 */
bool kern_suspect(void);
bool kern_alive(void);
int kern_reopen(void);
bool kern_dry(void);
const char *kern_error(void);

/* Devices by name, NLBS address, garp, hash seed. */
int kern_config(const struct nlbsd_config *c);
/* Does the kernel have @c's devices and NLBS address? 1, 0 or -errno. */
int kern_config_matches(const struct nlbsd_config *c);
/*
 * lease_ms 0: no lease attribute. announce (active while already active):
 * the kernel sends its gratuitous ARPs again.
 */
int kern_state(int state, uint32_t lease_ms, bool announce);

/* The kernel's current state (dry run: -EOPNOTSUPP). */
int kern_state_get(int *state);

int kern_service_add(const struct cfg_service *s);
int kern_service_del(const struct cfg_service *s);
/*
 * Delete every service the kernel has that @c does not configure, and every
 * server of a configured service that @c does not list under it.
 */
int kern_service_prune(const struct nlbsd_config *c);
int kern_server_add(const struct cfg_service *s, const struct cfg_server *srv, uint32_t weight);
int kern_server_set(const struct cfg_service *s, struct in_addr addr, uint32_t weight);
int kern_server_del(const struct cfg_service *s, struct in_addr addr);

typedef void (*kern_stat_cb)(void *arg, struct in_addr addr, uint64_t packets);
int kern_server_stats(const struct cfg_service *s, kern_stat_cb cb, void *arg);

/*
 * Every service the kernel has (@key: vip, proto, port; port 0 for a whole
 * VIP), and every server the kernel has in @s with its weight (none when it
 * does not have @s). Dry run: 1 and no callback (nothing to compare with).
 */
typedef void (*kern_svc_cb)(void *arg, const struct cfg_service *key);
int kern_service_list(kern_svc_cb cb, void *arg);
typedef void (*kern_srv_cb)(void *arg, struct in_addr addr, uint32_t weight);
int kern_server_list(const struct cfg_service *s, kern_srv_cb cb, void *arg);

/* Events: a descriptor to poll (-1 if none) and a reader of what is pending. */
struct kern_events {
	void (*state)(int state, const char *reason);
	void (*device)(const char *reason);
};
int kern_event_fd(void);
int kern_event_read(const struct kern_events *ev);

#endif /* NLBSD_KERNEL_H */
