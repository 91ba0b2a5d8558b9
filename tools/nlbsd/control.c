// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: the control socket. A Unix stream socket (mode 0600, in a
 * directory made 0700 if missing): a client sends one line, "status", and
 * reads the answer until the daemon closes. Never blocks the daemon: each
 * connection is read and written as the loop says it can, at most
 * CTL_CONNS at a time, each closed after CTL_TIMEOUT_MS whatever it did.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"
#include "loop.h"

#define CTL_CONNS	8
#define CTL_TIMEOUT_MS	2000

struct conn {
	struct loop_fd lf;
	struct timer deadline;
	char in[64];
	size_t inlen;
	char *out;
	size_t outlen, off;
};

static struct loop_fd lsn = { .fd = -1 };
static struct sockaddr_un addr;
static struct conn conns[CTL_CONNS];
static struct ratelimit rl_full = { .period_ms = 5000 };

static void conn_close(struct conn *c)
{
	if (c->lf.fd < 0)
		return;
	loop_del(&c->lf);
	close(c->lf.fd);
	c->lf.fd = -1;
	timer_cancel(&c->deadline);
	free(c->out);
	c->out = NULL;
}

static void conn_timeout(struct timer *t)
{
	conn_close(container_of(t, struct conn, deadline));
}

/* The answer to one request line. */
static void answer(struct conn *c)
{
	FILE *f = open_memstream(&c->out, &c->outlen);

	if (!f) {
		conn_close(c);
		return;
	}
	c->in[c->inlen] = 0;
	c->in[strcspn(c->in, "\r\n")] = 0;
	if (!strcmp(c->in, "status")) {
		ha_status(f);
		relay_status(f);
		svc_status(f);
	} else {
		fprintf(f, "error: unknown request \"%s\" (status)\n", c->in);
	}
	fclose(f);
	c->off = 0;
	loop_mod(&c->lf, EPOLLOUT);
}

static void conn_io(struct loop_fd *lf, uint32_t events)
{
	struct conn *c = container_of(lf, struct conn, lf);
	ssize_t n;

	if (!c->out) {
		n = recv(lf->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			conn_close(c);
			return;
		}
		c->inlen += n;
		if (n && !memchr(c->in, '\n', c->inlen) && c->inlen < sizeof(c->in) - 1)
			return;		/* more to come */
		answer(c);
		return;
	}
	if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		return;
	n = send(lf->fd, c->out + c->off, c->outlen - c->off, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0 || (c->off += n) >= c->outlen)
		conn_close(c);
}

static void lsn_readable(struct loop_fd *lf, uint32_t events)
{
	struct conn *c;
	size_t i;
	int fd;

	(void)events;
	while ((fd = accept4(lf->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (i = 0, c = NULL; i < CTL_CONNS && !c; i++)
			if (conns[i].lf.fd < 0)
				c = &conns[i];
		if (!c) {
			log_rl(&rl_full, LOG_LVL_WARN, "control socket: %d clients already, one refused",
			       CTL_CONNS);
			close(fd);
			continue;
		}
		memset(c, 0, sizeof(*c));
		c->lf.fd = fd;
		c->lf.fn = conn_io;
		if (loop_add(&c->lf, EPOLLIN) < 0) {
			close(fd);
			c->lf.fd = -1;
			continue;
		}
		c->deadline.fn = conn_timeout;
		timer_arm(&c->deadline, now_ms() + CTL_TIMEOUT_MS);
	}
}

static int set_addr(const char *path)
{
	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	strcpy(addr.sun_path, path);
	return 0;
}

/* Does a daemon answer on @path? */
static bool in_use(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return false;
	ret = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	close(fd);
	return ret == 0;
}

int ctl_start(const char *path)
{
	char dir[sizeof(addr.sun_path)];
	size_t i;
	int fd, err;

	ctl_stop();
	if (!path || !*path)
		return 0;
	for (i = 0; i < CTL_CONNS; i++)
		conns[i].lf.fd = -1;
	if (set_addr(path) < 0) {
		log_warn("control socket %s: path too long: nlbsd status will not reach us", path);
		return -ENAMETOOLONG;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if (mkdir(dirname(dir), 0700) < 0 && errno != EEXIST)
		log_warn("control socket: mkdir %s: %s", dir, strerror(errno));
	if (in_use()) {
		/* another daemon's (tests run two on one host): leave it to it */
		log_warn("control socket %s: in use by another nlbsd: nlbsd status will not "
			 "reach this one", path);
		return -EADDRINUSE;
	}
	unlink(path);		/* a stale one, of a daemon gone */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, CTL_CONNS) < 0) {
		err = errno;
		log_warn("control socket %s: %s: nlbsd status will not reach us", path,
			 strerror(err));
		if (fd >= 0)
			close(fd);
		return -err;
	}
	lsn.fd = fd;
	lsn.fn = lsn_readable;
	if (loop_add(&lsn, EPOLLIN) < 0) {
		err = errno;
		close(fd);
		lsn.fd = -1;
		return -err;
	}
	log_dbg("control socket %s", path);
	return 0;
}

void ctl_stop(void)
{
	size_t i;

	if (lsn.fd < 0)
		return;
	for (i = 0; i < CTL_CONNS; i++)
		conn_close(&conns[i]);
	loop_del(&lsn);
	close(lsn.fd);
	lsn.fd = -1;
	unlink(addr.sun_path);
}

int ctl_client(const char *path, const char *request)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if (set_addr(path) < 0) {
		fprintf(stderr, "nlbsd: control socket %s: path too long\n", path);
		return 1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "nlbsd: control socket %s: %s (is nlbsd running?)\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	snprintf(buf, sizeof(buf), "%s\n", request);
	if (send(fd, buf, strlen(buf), MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "nlbsd: control socket %s: %s\n", path, strerror(errno));
		close(fd);
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, n, stdout) != (size_t)n)
			break;
	close(fd);
	return n < 0 ? 1 : 0;
}
