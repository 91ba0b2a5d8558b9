// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: notify scripts. posix_spawn, no shell; the child gets an empty
 * signal mask, default dispositions, /dev/null on stdin, a minimal
 * environment and its own process group so a timeout kills whatever it
 * started. Exits are reaped from SIGCHLD (signalfd in main.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "nlbsd.h"
#include "script.h"

struct job {
	char *path;
	char state[16], old[16];
	char reason[96];
	uint32_t timeout_ms;
	struct job *next;
};

extern char **environ;

static struct job *head, *tail;
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

/* posix_spawn (vfork-like): cheap even for a large address space (ASan). */
static pid_t spawn(struct job *j)
{
	char *argv[] = { j->path, j->state, j->old, j->reason, NULL };
	char e_state[48], e_old[48], e_reason[128];
	posix_spawn_file_actions_t fa;
	char **envp;
	size_t n = 0, k = 0;
	posix_spawnattr_t at;
	sigset_t none;
	pid_t pid;
	int err;

	/* our environment, with our three variables replaced */
	while (environ[n])
		n++;
	envp = calloc(n + 4, sizeof(*envp));
	if (!envp)
		return -1;
	for (n = 0; environ[n]; n++)
		if (strncmp(environ[n], "NLBSD_STATE=", 12) &&
		    strncmp(environ[n], "NLBSD_OLD_STATE=", 16) &&
		    strncmp(environ[n], "NLBSD_REASON=", 13))
			envp[k++] = environ[n];
	envp[k++] = e_state;
	envp[k++] = e_old;
	envp[k++] = e_reason;
	snprintf(e_state, sizeof(e_state), "NLBSD_STATE=%s", j->state);
	snprintf(e_old, sizeof(e_old), "NLBSD_OLD_STATE=%s", j->old);
	snprintf(e_reason, sizeof(e_reason), "NLBSD_REASON=%s", j->reason);
	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &none);
	err = posix_spawn(&pid, j->path, &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(envp);
	if (err) {
		errno = err;
		return -1;
	}
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
		  const char *reason, uint32_t timeout_ms)
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
	if (running) {
		waitpid(running_pid, NULL, 0);
		free(running->path);
		free(running);
		running = NULL;
		running_pid = 0;
	}
	timer_cancel(&kill_timer);
}
