// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd host tests of the health checks (probe.c) on loopback: local
 * resource errors are "no result", never "down", and
 * the checks in flight stay below the limit, the others waiting for a slot
 * without a verdict.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../loop.h"
#include "../probe.h"
#include "ktap.h"

#define NHUNG 10

static volatile bool stop;
static struct timer stop_timer, sample;
static unsigned int max_seen;

static void on_stop(struct timer *t)
{
	(void)t;
	stop = true;
}

static void on_sample(struct timer *t)
{
	if (probe_inflight() > max_seen)
		max_seen = probe_inflight();
	timer_arm(t, now_ms() + 1);
}

static void run_for(uint64_t ms)
{
	stop = false;
	stop_timer.fn = on_stop;
	timer_arm(&stop_timer, now_ms() + ms);
	loop_run(&stop);
	timer_cancel(&stop_timer);
}

static unsigned int downs;

static void changed(struct checker *ck)
{
	downs += ck->up == 0;
}

/* A TCP listener on 127.0.0.1 that never accepts nor answers: connects
 * succeed (the backlog), requests wait until their timeout. */
static int listener(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1024) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

static void init_checker(struct checker *ck, enum check_type type, uint16_t port,
			 const char *label)
{
	memset(ck, 0, sizeof(*ck));
	ck->spec.type = type;
	ck->spec.addr.s_addr = htonl(INADDR_LOOPBACK);
	ck->spec.port = port;
	ck->spec.interval_ms = 30;
	ck->spec.timeout_ms = 25;
	ck->spec.rise = 1;
	ck->spec.fall = 1;
	strcpy(ck->spec.path, "/");
	snprintf(ck->label, sizeof(ck->label), "%s", label);
	ck->changed = changed;
}

int main(void)
{
	static struct checker ok, hung[NHUNG];
	struct rlimit rl, low;
	unsigned long nr, runs;
	uint16_t port;
	int lfd, i;

	/* real-time when allowed: a busy shared host stalls us past the timeouts */
	sched_setscheduler(0, SCHED_RR, &(struct sched_param){ .sched_priority = 1 });
	if (loop_init() < 0 || (lfd = listener(&port)) < 0) {
		printf("TAP version 13\n1..0 # SKIP no loopback TCP or epoll: %s\n",
		       strerror(errno));
		return 0;
	}
	log_init(false, LOG_LVL_INFO, false);

	init_checker(&ok, CHECK_TCP, port, "server ok");
	checker_start(&ok, 0);
	run_for(150);
	ktap_ok(ok.up == 1 && downs == 0, "tcp check of a listening server: up");

	/* no descriptor left: socket() fails with EMFILE (0..2 are taken) */
	getrlimit(RLIMIT_NOFILE, &rl);
	low = rl;
	low.rlim_cur = 3;
	nr = probe_no_results();
	runs = ok.ok_run;
	if (setrlimit(RLIMIT_NOFILE, &low) < 0)
		ktap_diag("setrlimit: %s", strerror(errno));
	run_for(200);
	setrlimit(RLIMIT_NOFILE, &rl);
	ktap_ok(probe_no_results() > nr, "open files limit reached: probes without a result (%lu)",
		probe_no_results() - nr);
	/* (a probe in flight when the limit came down may still succeed) */
	ktap_ok(ok.up == 1 && downs == 0 && ok.ok_run <= runs + 1,
		"EMFILE is no result, never down: the server stays up, its runs untouched");
	run_for(100);
	ktap_ok(ok.up == 1 && ok.ok_run > runs, "limit back: checked again, up");

	/* many servers that never answer, at most 3 probes in flight */
	probe_set_limit(3);
	for (i = 0; i < NHUNG; i++) {
		init_checker(&hung[i], CHECK_HTTP, port, "server hung");
		checker_start(&hung[i], 0);
	}
	sample.fn = on_sample;
	timer_arm(&sample, now_ms());
	runs = ok.ok_run;
	run_for(400);
	timer_cancel(&sample);
	ktap_ok(max_seen == 3, "at most 3 probes in flight (%u seen)", max_seen);
	ktap_ok(probe_deferred() > 0, "the others waited for a slot (%lu times)", probe_deferred());
	ktap_ok(ok.up == 1 && ok.ok_run > runs,
		"the healthy server is still checked and up (%lu successes)", ok.ok_run - runs);
	ktap_ok(downs == NHUNG, "the servers that never answer are down (%u)", downs);

	for (i = 0; i < NHUNG; i++)
		checker_stop(&hung[i]);
	checker_stop(&ok);
	ktap_ok(probe_inflight() == 0, "stopped: nothing in flight");
	close(lfd);
	loop_fini();
	return ktap_done("nlbsd health checks and local resources");
}
