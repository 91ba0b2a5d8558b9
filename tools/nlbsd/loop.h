/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: the single-threaded event loop: epoll for file descriptors, a
 * short list of millisecond timers on CLOCK_MONOTONIC.
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
	struct timer *prev, *next;
};

int loop_init(void);
void loop_fini(void);
int loop_add(struct loop_fd *lf, uint32_t events);
int loop_mod(struct loop_fd *lf, uint32_t events);
void loop_del(struct loop_fd *lf);

void timer_arm(struct timer *t, uint64_t due_ms);
void timer_cancel(struct timer *t);

/* Run until *@stop; returns 0, or -1 on an epoll error. */
int loop_run(volatile bool *stop);

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

#endif /* NLBSD_LOOP_H */
