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
/*
 * Tests: the request and event handles on functions instead of sockets
 * (tools/lib/nlbs_nl_io.h), bound to family id @family; @event_fd is what
 * kern_event_fd() returns (the test makes it readable when it queued
 * events; -1: none). No flows group, no dumps, no kern_reopen().
 */
struct nlbs_nl_io;
int kern_open_io(const struct nlbs_nl_io *req_io, const struct nlbs_nl_io *evt_io,
		 uint16_t family, int event_fd);
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
/* One instance counter (NLBS_STATS_A_*; dry run: -EOPNOTSUPP). */
int kern_stat(unsigned int attr, uint64_t *val);

/* With the table size and nodest of @s when it sets them. */
int kern_service_add(const struct cfg_service *s);
int kern_service_del(const struct cfg_service *s);
/* SERVICE_SET: @s's nodest (move when the file does not set it). */
int kern_service_set(const struct cfg_service *s);
/*
 * Delete every service the kernel has that @c does not configure (of either
 * family), and every server of a configured service that @c does not list
 * under it.
 */
int kern_service_prune(const struct nlbsd_config *c);
int kern_server_add(const struct cfg_service *s, const struct cfg_server *srv, uint32_t weight);
int kern_server_set(const struct cfg_service *s, const struct ipaddr *addr, uint32_t weight);
int kern_server_del(const struct cfg_service *s, const struct ipaddr *addr);

/* A server's counters; has_flows: the kernel reports active and new flows. */
struct kern_srv_stats {
	uint64_t packets;
	bool has_flows;
	uint32_t active_flows;
	uint64_t new_flows;
};
typedef void (*kern_stat_cb)(void *arg, const struct ipaddr *addr,
			     const struct kern_srv_stats *st);
int kern_server_stats(const struct cfg_service *s, kern_stat_cb cb, void *arg);

/*
 * Every service the kernel has (@key: vip, proto, port; port 0 for a whole
 * VIP; table_size the kernel's), and every server the kernel has in @s with
 * its weight (none when it does not have @s). Dry run: 1 and no callback
 * (nothing to compare with).
 */
typedef void (*kern_svc_cb)(void *arg, const struct cfg_service *key);
int kern_service_list(kern_svc_cb cb, void *arg);
typedef void (*kern_srv_cb)(void *arg, const struct ipaddr *addr, uint32_t weight);
int kern_server_list(const struct cfg_service *s, kern_srv_cb cb, void *arg);

/*
 * Events: a descriptor to poll (-1 if none) and a reader of what is pending.
 * Each event says who caused it (uapi: nlmsg_pid is the port id of the
 * request that did, 0 for the kernel's own changes): a request of ours (on
 * the request handle), the kernel itself (lease expiry, device loss), or
 * another process (nlbs-genl by hand), with its port id.
 */
enum kern_cause {
	KERN_BY_US,
	KERN_BY_KERNEL,
	KERN_BY_OTHER,
};
struct kern_events {
	void (*state)(int state, const char *reason, enum kern_cause by, uint32_t portid);
	void (*device)(const char *reason);
};
int kern_event_fd(void);
int kern_event_read(const struct kern_events *ev);

/* ---- flow sync ---- */

struct nlbs_flow;
typedef void (*kern_flow_cb)(void *arg, const struct nlbs_flow *f);

/*
 * The "flows" group (FLOW_NTF batches) on a handle of its own,
 * non-blocking. kern_flows_read(): @cb for every flow of every batch
 * pending; 0 when all is read, -ENOBUFS when the socket overran (flows were
 * lost; call again), -errno. Dry run with kern_dry_flows(): a timer
 * descriptor, and made-up flows at the rate asked for.
 */
int kern_flows_open(void);
void kern_flows_close(void);
int kern_flows_fd(void);
int kern_flows_read(kern_flow_cb cb, void *arg);

/* FLOW_ADD of @n flows in one request (n <= KERN_IMPORT_MAX). Dry run: 0. */
#define KERN_IMPORT_MAX	256
int kern_flow_import(const struct nlbs_flow *flows, size_t n);

/*
 * A dump of the flow table that never blocks, on a handle of its own:
 * kern_dump_start() sends the request, kern_dump_fd() is to be polled
 * (-1: nothing to wait for), kern_dump_read() reads one buffer of it and
 * calls @cb per flow (at most KERN_DUMP_CHUNK flows): 1 when the dump
 * ended, 0 when more is to come, -EAGAIN when nothing is there yet,
 * -errno. kern_dump_stop() ends it early (or after the end).
 */
#define KERN_DUMP_CHUNK	400
int kern_dump_start(void);
int kern_dump_fd(void);
int kern_dump_read(kern_flow_cb cb, void *arg);
void kern_dump_stop(void);

/*
 * --no-kernel only (tests): the made-up kernel holds @table flows like
 * @tmpl (client addresses and ports vary) that a dump returns, and reports
 * @rate new ones a second on the flows descriptor.
 */
void kern_dry_flows(uint32_t table, uint32_t rate, const struct nlbs_flow *tmpl);

#endif /* NLBSD_KERNEL_H */
