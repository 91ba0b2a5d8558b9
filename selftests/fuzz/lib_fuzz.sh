#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of fuzz_genl.sh, fuzz_pkt.sh and chaos.sh. Source after lib.sh:
#
#	. "$(dirname "$0")/fuzz/lib_fuzz.sh"
#
#   fuzz_build NAME         selftests/fuzz/NAME.c -> $FUZZ_TMP/NAME (a binary
#                           built on the host by make -C selftests/fuzz is
#                           taken when newer than its source; else gcc in
#                           the guest, -O1)
#   fuzz_duration DEFAULT   seconds for a bounded run: NLBS_FUZZ_SECONDS, or
#                           DEFAULT, or NLBS_FUZZ_LONG=1: 30 minutes
#   netns_objs              net_namespace objects allocated (slab), "" if the
#                           cache is merged with others (no slub_debug)
#   netns_baseline          netns_objs after one namespace came and went (the
#                           kernel keeps one object past the first deletion)
#   netns_settle BASE       wait until netns_objs <= BASE (20 s)
#   slab_objs CACHE         objects allocated in the module's CACHE
FUZZ_DIR=$NLBS_TOP/selftests/fuzz
FUZZ_TMP=$(mktemp -d /tmp/nlbs-fuzz.XXXXXX)
defer rm -rf "$FUZZ_TMP"

fuzz_build() {
	local name=$1 pre=$NLBS_TOP/build/fuzz/$1
	if [ -x "$pre" ] && [ "$pre" -nt "$FUZZ_DIR/$name.c" ]; then
		cp "$pre" "$FUZZ_TMP/$name"
		return
	fi
	gcc -O1 -Wall -I"$NLBS_TOP/uapi" -o "$FUZZ_TMP/$name" "$FUZZ_DIR/$name.c" -lmnl
}

fuzz_duration() {
	if [ -n "${NLBS_FUZZ_SECONDS:-}" ]; then
		echo "$NLBS_FUZZ_SECONDS"
	elif [ "${NLBS_FUZZ_LONG:-0}" = 1 ]; then
		echo 1800
	else
		echo "$1"
	fi
}

# slab caches merge unless slub_debug (or SLAB_NEVER_MERGE) keeps them apart
slab_dir() {
	local d=/sys/kernel/slab/$1
	[ -d "$d" ] || return 1
	[ -L "$d" ] && case "$(readlink "$d")" in *:*) return 1 ;; esac
	echo "$d"
}

netns_objs() {
	local d
	d=$(slab_dir net_namespace) || return 0
	cut -d' ' -f1 <"$d/objects"
}

netns_baseline() {
	local ns
	ns=fuzz-warmup-$$
	ip netns add "$ns" && ip netns del "$ns"
	sleep 2
	netns_objs
}

netns_settle() {
	local base=$1 now
	[ -n "$base" ] || return 0
	busywait 20000 eval '[ "$(netns_objs)" -le '"$base"' ]' && return 0
	now=$(netns_objs)
	log "net_namespace objects: $now, were $base before"
	return 1
}

slab_objs() {
	local d
	d=$(slab_dir "$1") || { echo 0; return; }
	cut -d' ' -f1 <"$d/objects"
}
