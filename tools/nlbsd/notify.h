/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: the service manager's notifications (sd_notify(3), libsystemd):
 * READY, RELOADING, STOPPING, a STATUS line, and the watchdog. Without
 * $NOTIFY_SOCKET (not started by systemd with Type=notify) all of it does
 * nothing.
 */
#ifndef NLBSD_NOTIFY_H
#define NLBSD_NOTIFY_H

/* Read $WATCHDOG_USEC (WatchdogSec=); log what the manager asked for. */
void sdn_init(void);
void sdn_ready(void);
void sdn_reloading(void);
void sdn_stopping(void);
void sdn_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * The heartbeat machinery ran (ha.c, every advert interval): ping the
 * watchdog, at most every quarter of WatchdogSec. A daemon whose loop
 * hangs stops pinging and systemd kills and restarts it.
 */
void sdn_alive(void);
/* Remove the notification variables from the environment (scripts). */
void sdn_unsetenv(void);

#endif /* NLBSD_NOTIFY_H */
