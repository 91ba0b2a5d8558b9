/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: the single-threaded event loop: epoll for file descriptors, and
 * millisecond timers on CLOCK_MONOTONIC kept in a binary min-heap (one per
 * server check, so 10,000 servers cost O(log n) per arm, cancel or expiry,
 * never a scan of them all).
 */
#ifndef NLBSD_LOOP_H
#define NLBSD_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop_fd {
	int fd;
	void (*fn)(struct loop_fd *lf, uint32_t events);
};

struct timer {
	uint64_t due;
	void (*fn)(struct timer *t);
	bool armed;
	/* private to loop.c: the place in the heap, the order of arming (ties) */
	unsigned int idx;
	uint64_t seq;
};

int loop_init(void);
void loop_fini(void);
int loop_add(struct loop_fd *lf, uint32_t events);
int loop_mod(struct loop_fd *lf, uint32_t events);
void loop_del(struct loop_fd *lf);

/*
 * Arm @t for @due_ms (now_ms() time), or move it there if armed already.
 * Timers due at the same ms fire in the order they were (re)armed.
 * O(log n) each, as timer_cancel() and the expiry of one.
 */
void timer_arm(struct timer *t, uint64_t due_ms);
void timer_cancel(struct timer *t);
unsigned int timer_count(void);		/* armed timers */

/* Run until *@stop; returns 0, or -1 on an epoll error. */
int loop_run(volatile bool *stop);

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

#endif /* NLBSD_LOOP_H */
