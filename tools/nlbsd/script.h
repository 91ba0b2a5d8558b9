/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: notify scripts, run one at a time in transition order, each with a
 * timeout after which its process group gets SIGKILL. Never blocks.
 */
#ifndef NLBSD_SCRIPT_H
#define NLBSD_SCRIPT_H

#include <stdint.h>

/*
 * At most this many runs wait behind the running one; beyond, the oldest
 * waiting run is dropped with a warning (a flapping node must not grow the
 * queue without bound while a script hangs until its timeout).
 */
#define SCRIPT_QUEUE_MAX 32

/* Queue @path STATE OLDSTATE REASON; also NLBSD_* in its environment. */
void script_queue(const char *path, const char *state, const char *old,
		  const char *reason, uint32_t timeout_ms);
/* SIGCHLD arrived: reap and start the next one. */
void script_reap(void);
/* Scripts queued or running. */
int script_pending(void);
/* Kill what runs and drop the queue (exit). */
void script_kill_all(void);

#endif /* NLBSD_SCRIPT_H */
