/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbsd: the heartbeat epoch: max(wall clock in us, last saved + 1), saved
 * in the state file (nlbsd.conf(5) state-file) so it grows across restarts
 * even when the clock steps back.
 */
#ifndef NLBSD_EPOCH_H
#define NLBSD_EPOCH_H

#include <stddef.h>
#include <stdint.h>

uint64_t epoch_choose(uint64_t now_us, uint64_t saved);
/*
 * 0 with *saved 0 when the file does not exist; -errno (-EINVAL: garbage,
 * which includes a value of UINT64_MAX - 1 or more: no epoch after it).
 */
int epoch_load(const char *path, uint64_t *saved);
/* Write atomically (temporary file, fsync, rename); -errno. */
int epoch_save(const char *path, uint64_t epoch);
/*
 * The epoch to use now, saved in @path (NULL or "": none). Any failure is
 * described in @warn (empty otherwise) and the epoch is still returned.
 */
uint64_t epoch_next(const char *path, uint64_t now_us, char *warn, size_t warnlen);

/*
 * The peer's epoch, last accepted, kept in @path ".peer" as "ADDR EPOCH"
 * (@path: the state file; NULL or "": none): after a restart, heartbeats
 * of the peer's earlier lives (a recording replayed) are stale at once.
 * peer_epoch_load(): 0 with *@epoch 0 when there is none, or it is of
 * another peer address; -errno (-EINVAL: garbage).
 */
int peer_epoch_load(const char *path, const char *peer, uint64_t *epoch);
int peer_epoch_save(const char *path, const char *peer, uint64_t epoch);

#endif /* NLBSD_EPOCH_H */
