/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: notify scripts, run one at a time in transition order, each with a
 * timeout after which its process group gets SIGKILL. Never blocks.
 */
#ifndef NLBSD_SCRIPT_H
#define NLBSD_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * At most this many runs wait behind the running one; beyond, the oldest
 * waiting run is dropped with a warning (a flapping node must not grow the
 * queue without bound while a script hangs until its timeout).
 */
#define SCRIPT_QUEUE_MAX 32

/* Whom scripts run as (nlbsd.conf(5) [scripts] script-user); unset: as we do. */
struct script_user {
	bool set;
	char name[64];
	uid_t uid;
	gid_t gid;
};

/*
 * Queue @path STATE OLDSTATE REASON; also NLBSD_* in its environment. It
 * runs SCHED_OTHER (never with the daemon's real-time policy: a CPU-bound
 * script must not starve heartbeats and lease renewals), as @user when set.
 */
void script_queue(const char *path, const char *state, const char *old,
		  const char *reason, uint32_t timeout_ms, const struct script_user *user);
/* SIGCHLD arrived: reap and start the next one. */
void script_reap(void);
/* Scripts queued or running. */
int script_pending(void);
/* Kill what runs and drop the queue (exit). */
void script_kill_all(void);

#endif /* NLBSD_SCRIPT_H */
