// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: event loop. Timers: a binary min-heap of pointers, ordered by
 * (due, seq), each timer knowing its index so that a cancel or re-arm
 * sifts it from where it is: O(log n) for each operation, whatever the
 * number of servers checked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"
#include "nlbsd.h"

static int epfd = -1;
static struct timer **heap;
static unsigned int nheap, heap_cap;
static uint64_t arm_seq;

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
	if (!nheap) {
		free(heap);
		heap = NULL;
		heap_cap = 0;
	}
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

static bool before(const struct timer *a, const struct timer *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_put(struct timer *t, unsigned int i)
{
	heap[i] = t;
	t->idx = i;
}

static void sift_up(struct timer *t, unsigned int i)
{
	unsigned int parent;

	while (i) {
		parent = (i - 1) / 2;
		if (!before(t, heap[parent]))
			break;
		heap_put(heap[parent], i);
		i = parent;
	}
	heap_put(t, i);
}

static void sift_down(struct timer *t, unsigned int i)
{
	unsigned int c;

	while ((c = 2 * i + 1) < nheap) {
		if (c + 1 < nheap && before(heap[c + 1], heap[c]))
			c++;
		if (!before(heap[c], t))
			break;
		heap_put(heap[c], i);
		i = c;
	}
	heap_put(t, i);
}

/* @t's key changed, or @t was put at @i in the place of another: restore */
static void heap_fix(struct timer *t, unsigned int i)
{
	if (i && before(t, heap[(i - 1) / 2]))
		sift_up(t, i);
	else
		sift_down(t, i);
}

void timer_arm(struct timer *t, uint64_t due_ms)
{
	struct timer **h;
	unsigned int cap;

	t->due = due_ms;
	t->seq = ++arm_seq;
	if (t->armed)
		return heap_fix(t, t->idx);
	if (nheap == heap_cap) {
		/* the heap only grows: after start-up, arming allocates nothing */
		cap = heap_cap ? 2 * heap_cap : 64;
		h = realloc(heap, cap * sizeof(*heap));
		if (!h) {
			/* a timer lost would hang its owner for ever: better a
			 * restart by systemd (the kernel lease covers it) */
			log_err("timers: out of memory for %u of them", cap);
			abort();
		}
		heap = h;
		heap_cap = cap;
	}
	t->armed = true;
	nheap++;
	sift_up(t, nheap - 1);
}

void timer_cancel(struct timer *t)
{
	struct timer *last;
	unsigned int i;

	if (!t->armed)
		return;
	i = t->idx;
	t->armed = false;
	last = heap[--nheap];
	heap[nheap] = NULL;
	if (last != t)
		heap_fix(last, i);
}

unsigned int timer_count(void)
{
	return nheap;
}

/* Fire the expired timers, earliest first; return the ms to the next one or -1. */
static int run_timers(void)
{
	struct timer *first;
	uint64_t now;

	for (;;) {
		if (!nheap)
			return -1;
		first = heap[0];
		now = now_ms();
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
