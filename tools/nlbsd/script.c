// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: notify scripts. fork+exec, no shell; the child gets an empty signal
 * mask, /dev/null on stdin, our environment plus NLBSD_STATE,
 * NLBSD_OLD_STATE, NLBSD_REASON, and its own process group so a timeout
 * kills whatever it started; the ordinary scheduling policy (SCHED_OTHER,
 * nice 0) whatever ours is, and the script user's ids when one is set.
 * Exits are reaped from SIGCHLD (signalfd).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "nlbsd.h"
#include "notify.h"
#include "script.h"

struct job {
	char *path;
	char state[16], old[16];
	char reason[96];
	uint32_t timeout_ms;
	struct script_user user;
	struct job *next;
};

static struct job *head, *tail;
static unsigned int queued;	/* jobs from head to tail */
static unsigned long dropped;
static struct job *running;
static pid_t running_pid;
static uint64_t running_since;
static struct timer kill_timer;

static void start_next(void);

static void on_timeout(struct timer *t)
{
	(void)t;
	if (!running_pid)
		return;
	log_warn("script %s %s: timed out after %u ms, killing", running->path,
		 running->state, running->timeout_ms);
	kill(-running_pid, SIGKILL);
}

/*
 * fork, not posix_spawn: posix_spawn's vfork keeps the parent waiting until
 * the child's execve is done, and loading a script and its interpreter from
 * a slow file system must not hold up heartbeats and lease renewals.
 */
static void child(struct job *j)
{
	struct sched_param sp = { .sched_priority = 0 };
	sigset_t none;
	int fd;

	/*
	 * The daemon runs with a real-time policy (nlbsd.service): a script
	 * inheriting it would compete with heartbeats and renewals at the same
	 * priority and, CPU-bound, starve them. Lowering is always allowed.
	 */
	if (sched_getscheduler(0) != SCHED_OTHER &&
	    sched_setscheduler(0, SCHED_OTHER, &sp) < 0)
		fprintf(stderr, "nlbsd: error: script %s: SCHED_OTHER: %s\n", j->path,
			strerror(errno));
	setpriority(PRIO_PROCESS, 0, 0);
	if (j->user.set &&
	    (initgroups(j->user.name, j->user.gid) < 0 || setgid(j->user.gid) < 0 ||
	     setuid(j->user.uid) < 0)) {
		fprintf(stderr, "nlbsd: error: script %s: cannot run as %s: %s\n", j->path,
			j->user.name, strerror(errno));
		_exit(126);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setpgid(0, 0);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	sdn_unsetenv();		/* systemd's notification socket is ours */
	setenv("NLBSD_STATE", j->state, 1);
	setenv("NLBSD_OLD_STATE", j->old, 1);
	setenv("NLBSD_REASON", j->reason, 1);
	execl(j->path, j->path, j->state, j->old, j->reason, (char *)NULL);
	fprintf(stderr, "nlbsd: error: exec %s: %s\n", j->path, strerror(errno));
	_exit(127);
}

static pid_t spawn(struct job *j)
{
	pid_t pid = fork();

	if (pid == 0)
		child(j);
	if (pid > 0)
		setpgid(pid, pid);	/* both sides: no race with kill(-pid) */
	return pid;
}

static void start_next(void)
{
	struct job *j;
	pid_t pid;

	while (!running && head) {
		j = head;
		head = j->next;
		if (!head)
			tail = NULL;
		queued--;
		pid = spawn(j);
		if (pid < 0) {
			log_err("script %s: %s", j->path, strerror(errno));
			free(j->path);
			free(j);
			continue;
		}
		running = j;
		running_pid = pid;
		running_since = now_ms();
		kill_timer.fn = on_timeout;
		timer_arm(&kill_timer, running_since + j->timeout_ms);
		log_dbg("script %s %s %s: started, pid %d", j->path, j->state, j->old, pid);
	}
}

void script_queue(const char *path, const char *state, const char *old,
		  const char *reason, uint32_t timeout_ms, const struct script_user *user)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j || !(j->path = strdup(path))) {
		free(j);
		log_err("script %s: out of memory", path);
		return;
	}
	snprintf(j->state, sizeof(j->state), "%s", state);
	snprintf(j->old, sizeof(j->old), "%s", old);
	snprintf(j->reason, sizeof(j->reason), "%s", reason ? reason : "");
	j->timeout_ms = timeout_ms;
	if (user)
		j->user = *user;
	if (queued >= SCRIPT_QUEUE_MAX) {
		/* scripts slower than the transitions: the newest news matter most */
		struct job *o = head;

		head = o->next;
		if (!head)
			tail = NULL;
		queued--;
		dropped++;
		log_warn("script %s %s %s: dropped, %u newer runs queued (%lu dropped so far)",
			 o->path, o->state, o->old, SCRIPT_QUEUE_MAX, dropped);
		free(o->path);
		free(o);
	}
	queued++;
	if (tail)
		tail->next = j;
	else
		head = j;
	tail = j;
	start_next();
}

void script_reap(void)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (!running || pid != running_pid)
			continue;
		timer_cancel(&kill_timer);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			log_info("script %s %s: ok (%llu ms)", running->path, running->state,
				 (unsigned long long)(now_ms() - running_since));
		else if (WIFEXITED(status))
			log_warn("script %s %s: exit status %d", running->path, running->state,
				 WEXITSTATUS(status));
		else
			log_warn("script %s %s: killed by signal %d", running->path,
				 running->state, WTERMSIG(status));
		free(running->path);
		free(running);
		running = NULL;
		running_pid = 0;
	}
	start_next();
}

int script_pending(void)
{
	return running || head;
}

void script_kill_all(void)
{
	struct job *j;

	if (running_pid)
		kill(-running_pid, SIGKILL);
	while (head) {
		j = head;
		head = j->next;
		free(j->path);
		free(j);
	}
	tail = NULL;
	queued = 0;
	if (running) {
		waitpid(running_pid, NULL, 0);
		free(running->path);
		free(running);
		running = NULL;
		running_pid = 0;
	}
	timer_cancel(&kill_timer);
}
