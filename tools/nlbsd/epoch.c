// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: the heartbeat epoch, persisted. The peer rejects a heartbeat whose
 * epoch is older than the last it accepted, so a restarted daemon must pick
 * a larger one even when the wall clock stepped back: the epoch is the wall
 * clock in microseconds, but at least the last one saved plus one.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "epoch.h"

uint64_t epoch_choose(uint64_t now_us, uint64_t saved)
{
	return now_us > saved ? now_us : saved + 1;
}

int epoch_load(const char *path, uint64_t *saved)
{
	char buf[32], *end;
	ssize_t n;
	int fd;

	*saved = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	errno = 0;
	*saved = strtoull(buf, &end, 10);
	/* UINT64_MAX - 1 and above: saved + 1 would reach or wrap past the top */
	if (errno || end == buf || (*end && *end != '\n') || *saved >= UINT64_MAX - 1) {
		*saved = 0;
		return -EINVAL;
	}
	return 0;
}

/* Write @buf to @path atomically (temporary file, fsync, rename). */
static int save(const char *path, const char *buf)
{
	char tmp[4200];
	int fd, len = strlen(buf), err = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != len || fsync(fd) < 0)
		err = errno ? -errno : -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int epoch_save(const char *path, uint64_t epoch)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", epoch);
	return save(path, buf);
}

static int peer_path(const char *path, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s.peer", path) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int peer_epoch_load(const char *path, const char *peer, uint64_t *epoch)
{
	char p[4200], buf[128], addr[64];
	unsigned long long e;
	ssize_t n;
	int fd;

	*epoch = 0;
	if (!path || !path[0])
		return 0;
	if (peer_path(path, p, sizeof(p)) < 0)
		return -ENAMETOOLONG;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	if (sscanf(buf, "%63s %llu", addr, &e) != 2)
		return -EINVAL;
	if (!strcmp(addr, peer))
		*epoch = e;
	return 0;
}

int peer_epoch_save(const char *path, const char *peer, uint64_t epoch)
{
	char p[4200], buf[128];

	if (!path || !path[0])
		return 0;
	if (peer_path(path, p, sizeof(p)) < 0)
		return -ENAMETOOLONG;
	snprintf(buf, sizeof(buf), "%s %" PRIu64 "\n", peer, epoch);
	return save(p, buf);
}

uint64_t epoch_next(const char *path, uint64_t now_us, char *warn, size_t warnlen)
{
	uint64_t saved = 0, epoch;
	int ret;

	warn[0] = 0;
	if (!path || !path[0])
		return now_us;
	ret = epoch_load(path, &saved);
	if (ret < 0)
		snprintf(warn, warnlen, "state-file %s: %s: epoch from the clock only", path,
			 strerror(-ret));
	epoch = epoch_choose(now_us, saved);
	ret = epoch_save(path, epoch);
	if (ret < 0 && !warn[0])
		snprintf(warn, warnlen,
			 "state-file %s: %s: epoch not saved (a restart after the clock "
			 "steps back may be refused by the peer)", path, strerror(-ret));
	return epoch;
}
