#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# FRR (Debian's frr: zebra, bfdd, bgpd) inside the tests' namespaces, for
# selftests/ecmp.sh. Source it after lib.sh:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$(dirname "$0")/lib_frr.sh"
#
#   frr_have                    FRR's daemons and vtysh are installed
#   frr_start NAME NS CONF      zebra, bfdd and bgpd in namespace NS, the
#                               integrated configuration CONF applied; all
#                               their files (configs, pid files, zserv and
#                               vty sockets, logs) in $FRR_TMP/NAME: no two
#                               nodes share a path; the daemons run in the
#                               foreground (user frr, as packaged), killed
#                               at exit
#   frr_stop NAME               kill NAME's daemons (SIGKILL: a crash)
#   frr_vtysh NAME CMD...       vtysh -c CMD ... against NAME's daemons
#   frr_bgp_established NAME N  N BGP sessions of NAME are established
#   frr_bfd_up NAME N           N BFD sessions of NAME are up
#
# Each daemon: -f its config, -i its pid file, -z the node's zserv socket,
# --vty_socket the node's directory, -P 0 (no vty TCP port), --log to a
# file in the node's directory; each at nice $FRR_NICE (default -10):
# under TCG a starved bfdd or bgpd stretches the detection times the tests
# measure.

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP lib_frr.sh is a library of the tests, not a test"
	exit 4
fi

FRR_LIB=${FRR_LIB:-/usr/lib/frr}
FRR_TMP=$(mktemp -d /tmp/nlbs-frr.XXXXXX)
chmod 755 "$FRR_TMP"	# user frr walks into it
defer rm -rf "$FRR_TMP"
declare -A FRR_PIDS

frr_have() {
	[ -x "$FRR_LIB/zebra" ] && [ -x "$FRR_LIB/bgpd" ] && [ -x "$FRR_LIB/bfdd" ] &&
		command -v vtysh >/dev/null
}

# frr_daemon NAME NS DAEMON ARGS...
frr_daemon() {
	local name=$1 ns=$2 d=$3 dir=$FRR_TMP/$1
	shift 3
	# nice -10: under TCG a starved bfdd detects late (SCHED_FIFO made
	# the guest crawl: RT throttling)
	ip netns exec "$ns" nice -n "${FRR_NICE:--10}" "$FRR_LIB/$d" -f "$dir/$d.conf" -i "$dir/$d.pid" \
		-z "$dir/zserv.api" --vty_socket "$dir" -P 0 \
		--log "file:$dir/$d.log" "$@" >>"$dir/$d.out" 2>&1 &
	FRR_PIDS[$name]+=" $!"
	defer kill -9 "$!"
}

# frr_start NAME NS CONF: CONF is the text of an integrated frr.conf
# (tools/nlbsd/frr/*.frr.conf with this node's addresses). The daemons start
# empty; vtysh -b then applies the file, each line to the daemon that knows
# it, as at boot on a real host.
frr_start() {
	local name=$1 ns=$2 dir=$FRR_TMP/$1 d
	mkdir -p "$dir" || return 1
	chown frr:frr "$dir" 2>/dev/null	# the daemons drop root for user frr
	printf '%s\n' "$3" >"$dir/frr.conf"
	for d in zebra bfdd bgpd; do
		printf 'hostname %s\n' "$name" >"$dir/$d.conf"
	done
	FRR_PIDS[$name]=""
	frr_daemon "$name" "$ns" zebra || return 1
	busywait 60000 test -S "$dir/zserv.api" || { log "$name: zebra did not start"; cat "$dir/zebra.out"; return 1; }
	frr_daemon "$name" "$ns" bfdd --bfdctl "$dir/bfdd.sock" || return 1
	frr_daemon "$name" "$ns" bgpd -l 0.0.0.0 || return 1
	for d in zebra bfdd bgpd; do
		busywait 60000 test -S "$dir/$d.vty" || { log "$name: $d did not start"; cat "$dir/$d.out"; return 1; }
	done
	vtysh --vty_socket "$dir" --config_dir "$dir" -b >"$dir/vtysh-b.out" 2>&1 ||
		{ log "$name: vtysh -b failed"; cat "$dir/vtysh-b.out"; return 1; }
}

frr_stop() {
	local p
	for p in ${FRR_PIDS[$1]:-}; do
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	FRR_PIDS[$1]=""
	return 0
}

# frr_vtysh NAME CMD...: every CMD a -c of one vtysh run
frr_vtysh() {
	local name=$1 a=()
	shift
	for c in "$@"; do a+=(-c "$c"); done
	vtysh --vty_socket "$FRR_TMP/$name" "${a[@]}"
}

frr_bgp_established() {
	[ "$(frr_vtysh "$1" 'show bgp ipv4 unicast summary json' 2>/dev/null |
		jq '[.peers[] | select(.state == "Established")] | length')" = "$2" ]
}

frr_bfd_up() {
	[ "$(frr_vtysh "$1" 'show bfd peers json' 2>/dev/null |
		jq '[.[] | select(.status == "up")] | length')" = "$2" ]
}
