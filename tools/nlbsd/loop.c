// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: event loop. Timers are few (one per server check, per target and a
 * handful more): a plain list scanned per wake-up is enough.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"
#include "nlbsd.h"

static int epfd = -1;
static struct timer *timers;

int loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -1 : 0;
}

void loop_fini(void)
{
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}

int loop_add(struct loop_fd *lf, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = lf };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, lf->fd, &ev);
}

int loop_mod(struct loop_fd *lf, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = lf };

	return epoll_ctl(epfd, EPOLL_CTL_MOD, lf->fd, &ev);
}

void loop_del(struct loop_fd *lf)
{
	if (lf->fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, lf->fd, NULL);
}

void timer_arm(struct timer *t, uint64_t due_ms)
{
	t->due = due_ms;
	if (t->armed)
		return;
	t->armed = true;
	t->prev = NULL;
	t->next = timers;
	if (timers)
		timers->prev = t;
	timers = t;
}

void timer_cancel(struct timer *t)
{
	if (!t->armed)
		return;
	if (t->prev)
		t->prev->next = t->next;
	else
		timers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->armed = false;
	t->prev = t->next = NULL;
}

/* Fire one expired timer (the earliest); return the ms to the next one or -1. */
static int run_timers(void)
{
	struct timer *t, *first;
	uint64_t now;

	for (;;) {
		now = now_ms();
		first = NULL;
		for (t = timers; t; t = t->next)
			if (!first || t->due < first->due)
				first = t;
		if (!first)
			return -1;
		if (first->due > now)
			return first->due - now > 60000 ? 60000 : (int)(first->due - now);
		timer_cancel(first);
		first->fn(first);
	}
}

int loop_run(volatile bool *stop)
{
	struct epoll_event ev[16];
	struct loop_fd *lf;
	int n, i, wait;

	while (!*stop) {
		wait = run_timers();
		if (*stop)
			break;
		n = epoll_wait(epfd, ev, ARRAY_SIZE(ev), wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %s", strerror(errno));
			return -1;
		}
		for (i = 0; i < n && !*stop; i++) {
			lf = ev[i].data.ptr;
			lf->fn(lf, ev[i].events);
		}
	}
	return 0;
}
