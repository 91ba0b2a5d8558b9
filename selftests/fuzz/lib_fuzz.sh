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
#                           the guest, -O0: quick to build under TCG, once
#                           per boot)
#   fuzz_duration DEFAULT   seconds for a bounded run: NLBS_FUZZ_SECONDS, or
#                           DEFAULT, or NLBS_FUZZ_LONG=1: 30 minutes
#   netns_objs              net_namespace objects allocated (slab), "" if the
#                           cache is merged with others (no slub_debug)
#   netns_baseline          netns_objs after one namespace came and went (the
#                           kernel frees the last deleted ones lazily)
#   netns_settle BASE       one more namespace comes and goes, then wait until
#                           netns_objs <= BASE (20 s)
#   slab_objs CACHE         objects allocated in the module's CACHE
#   fuzz_pair NAME          an NLB between an injector and a server, UDP
#                           flowing (see below); fuzz_configure NS,
#                           fuzz_forwarding NS (forwarded moves within 30 s)
FUZZ_DIR=$NLBS_TOP/selftests/fuzz
FUZZ_TMP=$(mktemp -d /tmp/nlbs-fuzz.XXXXXX)
defer rm -rf "$FUZZ_TMP"

fuzz_build() {
	local name=$1 pre=$NLBS_TOP/build/fuzz/$1
	if [ -x "$pre" ] && [ "$pre" -nt "$FUZZ_DIR/$name.c" ]; then
		cp "$pre" "$FUZZ_TMP/$name"
		return
	fi
	# built once per boot: the tests of one VM share /tmp
	local sum cache
	sum=$(cat "$FUZZ_DIR/$name.c" "$NLBS_TOP/uapi/linux/nlbs.h" | md5sum | cut -c1-12)
	cache=/tmp/nlbs-fuzz-cache/$name.$sum
	if [ ! -x "$cache" ]; then
		mkdir -p /tmp/nlbs-fuzz-cache &&
			gcc -O0 -Wall -I"$NLBS_TOP/uapi" -o "$cache.$$" "$FUZZ_DIR/$name.c" -lmnl &&
			mv "$cache.$$" "$cache" || return 1
	fi
	cp "$cache" "$FUZZ_TMP/$name"
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

# The kernel frees a deleted namespace's object lazily: the last ones to go
# may stay allocated until another namespace comes and goes (seen here:
# three deleted at once left one object until the next add and delete).
# So the baseline and each settle count after a throwaway namespace came
# and went; a namespace something still holds stays counted.
netns_cycle() {
	local ns=fuzz-cycle-$$
	ip netns add "$ns" && ip netns del "$ns"
}

netns_baseline() {
	netns_cycle
	sleep 2
	netns_objs
}

netns_settle() {
	local base=$1 now
	[ -n "$base" ] || return 0
	netns_cycle
	busywait 20000 eval '[ "$(netns_objs)" -le '"$base"' ]' && return 0
	now=$(netns_objs)
	log "net_namespace objects: $now, were $base before"
	log "named: $(ip netns list | tr '\n' ' ')"
	lsns -t net -o NS,PID,NPROCS,COMMAND 2>/dev/null | sed 's/^/# lsns: /'
	# a namespace's file still mounted in some mount namespace holds it
	grep -h ' nsfs ' /proc/[0-9]*/mountinfo 2>/dev/null | sort | uniq -c | sed 's/^/# nsfs: /'
	return 1
}

slab_objs() {
	local d
	d=$(slab_dir "$1") || { echo 0; return; }
	cut -d' ' -f1 <"$d/objects"
}

# ---- an NLB with traffic -------------------------------------------------------
VIP=198.51.100.10 NLBS=10.10.0.100
NLB_MAC=02:00:0a:0a:00:0b SRV_MAC=02:00:0a:14:00:15

# traffic: UDP to the VIP through the NLBS address (a static neighbour:
# the stream goes on while the module is away), one raw socket, ~500/s
cat >"$FUZZ_TMP/stream.py" <<'EOF'
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
vip, n = sys.argv[1], 0
while True:
    try:
        s.sendto(struct.pack('!HHHH', 1024 + n % 4096, 53, 16, 0) + b'chaos!!!', (vip, 0))
    except OSError:
        time.sleep(0.01)
    n += 1
    if n % 20 == 0:
        time.sleep(0.04)
EOF

# fuzz_pair NAME: namespaces $NAME_inj, $NAME_nlb, $NAME_srv, veths
# (inj eth0 -- acc NLB srv -- eth0 srv), the NLB configured and active
# (fuzz_configure), a UDP stream from inj to the VIP
FUZZ_STREAMS=()
fuzz_pair() {
	local p=$1 inj nlb srv
	setup_ns "${p}_inj" "${p}_nlb" "${p}_srv" || return 1
	inj=${p}_inj nlb=${p}_nlb srv=${p}_srv
	inj=${!inj} nlb=${!nlb} srv=${!srv}
	ip -n "$inj" link add eth0 type veth peer name acc netns "$nlb" &&
		ip -n "$nlb" link add srv type veth peer name eth0 netns "$srv" &&
		ip -n "$inj" -b - <<-EOF &&
		link set eth0 up
		addr add 10.10.0.1/24 dev eth0
		route add $VIP/32 via $NLBS
		neigh replace $NLBS lladdr $NLB_MAC dev eth0 nud permanent
		EOF
		ip -n "$nlb" -b - <<-EOF &&
		link set acc address $NLB_MAC up
		addr add 10.10.0.11/24 dev acc
		link set srv up
		addr add 10.20.0.11/24 dev srv
		EOF
		ip -n "$srv" -b - <<-EOF || return 1
		link set eth0 address $SRV_MAC up
		addr add 10.20.0.21/24 dev eth0
		addr add $VIP/32 dev lo
		EOF
	fuzz_configure "$nlb" || return 1
	ip netns exec "$inj" /usr/bin/python3 -S "$FUZZ_TMP/stream.py" "$VIP" &
	FUZZ_STREAMS+=($!)
	defer kill $!
}
fuzz_configure() {
	nlbs_genl_ns "$1" -b - <<-EOF
	config set access acc servers srv nlbs $NLBS flow-max 1024
	service add $VIP udp 53 table-size 251
	server add $VIP udp 53 10.20.0.21 mac $SRV_MAC
	server add $VIP udp 53 10.20.0.22
	state set active
	EOF
}
fuzz_forwarding() {
	local f
	f=$(nlbs_genl_ns "$1" stats | awk '$1 == "forwarded" { print $2 }')
	busywait 30000 eval '[ "$(nlbs_genl_ns '"$1"' stats | awk '"'"'$1 == "forwarded" { print $2 }'"'"')" -gt '"${f:-0}"' ]'
}
state_is() { nlbs_genl_ns "$1" state show | grep -q "^state $2"; }
