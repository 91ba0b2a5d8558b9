// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: notifications to systemd (Type=notify, WatchdogSec=).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "nlbsd.h"
#include "notify.h"

static uint64_t wd_ms, wd_last;

void sdn_init(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) > 0 && usec) {
		wd_ms = usec / 1000 ? usec / 1000 : 1;
		log_info("systemd watchdog: %llu ms, pinged every %llu ms while heartbeats run",
			 (unsigned long long)wd_ms, (unsigned long long)(wd_ms / 4));
	}
}

void sdn_ready(void)
{
	sd_notify(0, "READY=1");
}

void sdn_reloading(void)
{
	sd_notify(0, "RELOADING=1");
}

void sdn_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

void sdn_status(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!getenv("NOTIFY_SOCKET"))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sd_notifyf(0, "STATUS=%s", line);
}

void sdn_alive(void)
{
	uint64_t now;

	if (!wd_ms)
		return;
	now = now_ms();
	if (wd_last && now - wd_last < wd_ms / 4)
		return;
	wd_last = now;
	sd_notify(0, "WATCHDOG=1");
}

void sdn_unsetenv(void)
{
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}
