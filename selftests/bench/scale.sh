#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark part "scale" (run by guest.sh in the VM; not a test): the rate of
# nlbs for one measured service (VIP udp 5001, three servers) as the rest of
# its configuration grows, with the same traffic as part "rate" (pktgen,
# 64-byte UDP, 1,000 flows, xmit mode). Every server here has a static MAC
# (server add ... mac), so no host stands behind it: the datagrams are
# counted and dropped as they leave the NLB (sink counting, lib_bench.sh).
#
# Series (record kind=scale, series, n: the figure asked for, loaded: what
# the kernel accepted, pps per round; kind=scaleref: the bare path measured
# in the same round, the reference for the host's drift):
#   base       the measured service alone (before and after the others)
#   vips       n services in all, the others on distinct VIPs (table-size
#              251, one server each)
#   ports      n services in all, the others on other ports of the same VIP
#              (udp, then tcp)
#   servers    n servers in the measured service
#   flows      n entries in the flow table (config set flow-max), filled by
#              pktgen over n flows first (the fill rate: kind=flowfill)
# A refused configuration ("too many services") is recorded (refused_at,
# error) and measured at what was loaded.
#
# Memory (kind=mem): kernel memory per service, per server, per flow, from
# the memory neither free nor page cache before and after (and the slab of
# nlbs_flow, the VM is booted with slab_nomerge).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_bench.sh"

if [ "$BENCH_MODE" = quick ]; then
	SVC_NS=(1000 10000)
	SRV_NS=(1024 4096)
	FLOWS_ADDRS=127		# x 1000 ports: 127,000 flows
	ROUNDS=1
else
	SVC_NS=(1000 65536)
	SRV_NS=(1024 4096)
	FLOWS_ADDRS=1023	# x 1000 ports: 1,023,000 flows
	ROUNDS=3
fi
ROUNDS=${NLBS_BENCH_SCALE_ROUNDS:-$ROUNDS}
# shellcheck disable=SC2206
[ -n "${NLBS_BENCH_SVC_NS:-}" ] && SVC_NS=($NLBS_BENCH_SVC_NS)
# shellcheck disable=SC2206
[ -n "${NLBS_BENCH_SRV_NS:-}" ] && SRV_NS=($NLBS_BENCH_SRV_NS)
FLOWS_ADDRS=${NLBS_BENCH_FLOWS_ADDRS:-$FLOWS_ADDRS}
FLOWS=$((FLOWS_ADDRS * 1000))
MODPARAMS=(server_max=262144)

bench_modules || note "some modules are missing"
bench_topo || { rec kind=error what=topology; exit 1; }
bench_sink on || { rec kind=error what=sink; exit 1; }

# setup: (re)load the module, the instance, the measured service with
# static-MAC servers, active
setup() {
	local i
	{
		echo "config set access acc servers srv nlbs $NLBS_ADDR $*"
		echo "service add $VIP udp $BENCH_PORT"
		for i in 0 1 2; do
			echo "server add $VIP udp $BENCH_PORT ${SRV_IPS[i]} weight ${SRV_WEIGHTS[i]} mac $(mac_of "${SRV_IPS[i]}")"
		done
		echo "state set active"
	} >"$BENCH_TMP/setup.batch"
	bench_nlbs_load "${MODPARAMS[@]}" &&
		nlbs_genl -n "$nlb" -b "$BENCH_TMP/setup.batch"
}

# count_services: services the kernel holds
count_services() {
	nlbs_genl -n "$nlb" service show | grep -c '^service'
}

# load FILE: nlbs-genl -b FILE; sets LOAD_MS and LOAD_ERR (its error line)
load() {
	local t0
	t0=$(now_ms)
	LOAD_ERR=$(nlbs_genl -n "$nlb" -b "$1" 2>&1 >/dev/null | head -n 2 | tr '\n' ' ')
	LOAD_MS=$(($(now_ms) - t0))
}

# The bare path (see part rate) as a reference measured next to nlbs in
# every round, whatever is loaded: the host's load drifts over the minutes a
# series takes, the difference between the two does not (as much).
# ref_on: nlbs standby with its access side on the dummy device, tc on acc;
# ref_off: back.
ref_on() {
	printf '%s\n' "state set standby" "config set access park" >"$BENCH_TMP/ref.batch"
	nlbs_genl -n "$nlb" -b "$BENCH_TMP/ref.batch" && c_bare_up
}
ref_off() {
	c_bare_down
	printf '%s\n' "config set access acc" "state set active" >"$BENCH_TMP/ref.batch"
	nlbs_genl -n "$nlb" -b "$BENCH_TMP/ref.batch"
}

# one_run KIND SERIES N LOADED ROUND [KEY=VALUE...]: one measured run
one_run() {
	local kind=$1 series=$2 n=$3 loaded=$4 r=$5
	shift 5
	if bench_pg xmit "$BENCH_COUNT"; then
		rec kind="$kind" series="$series" n="$n" loaded="$loaded" round="$r" \
			pps="$PG_PPS" loss="$PG_LOSS" delivered="$PG_DELIV" mark="$PG_MARK" "$@"
	else
		rec kind="$kind" series="$series" n="$n" loaded="$loaded" round="$r" \
			error="pktgen failed" "$@"
	fi
}

# rate SERIES N LOADED [KEY=VALUE...]: ROUNDS rounds, each nlbs and the
# bare reference (kind=scaleref), alternating which goes first
rate() {
	local series=$1 n=$2 loaded=$3 r all="" ref=""
	shift 3
	for ((r = 1; r <= ROUNDS; r++)); do
		if [ $((r % 2)) = 0 ]; then
			ref_on >/dev/null 2>&1 && one_run scaleref "$series" "$n" "$loaded" "$r" "$@"
			ref+=" $PG_PPS"
			ref_off >/dev/null 2>&1 || note "could not turn nlbs back on"
		fi
		one_run scale "$series" "$n" "$loaded" "$r" "$@"
		all+=" $PG_PPS"
		if [ $((r % 2)) = 1 ]; then
			ref_on >/dev/null 2>&1 && one_run scaleref "$series" "$n" "$loaded" "$r" "$@"
			ref+=" $PG_PPS"
			ref_off >/dev/null 2>&1 || note "could not turn nlbs back on"
		fi
	done
	note "$series $n (loaded $loaded): pps$all (bare:$ref)"
}

# fillers KIND FIRST COUNT: COUNT other services (and one server each) as a
# batch on stdout; KIND vips: distinct VIPs 100.64.0.1...; ports: ports of
# the measured VIP (udp 1.., skipping the measured port, then tcp 1..)
fillers() {
	awk -v kind="$1" -v first="$2" -v count="$3" -v vip="$VIP" -v port="$BENCH_PORT" '
	function ip(n) { return sprintf("%d.%d.%d.%d", int(n / 16777216) % 256,
		int(n / 65536) % 256, int(n / 256) % 256, n % 256) }
	function mac(n) { return sprintf("02:00:%02x:%02x:%02x:%02x", int(n / 16777216) % 256,
		int(n / 65536) % 256, int(n / 256) % 256, n % 256) }
	BEGIN {
		for (i = first; i < first + count; i++) {
			s = 10 * 16777216 + 128 * 65536 + i + 1	# servers 10.128.0.1...
			if (kind == "vips") {
				key = ip(100 * 16777216 + 64 * 65536 + i + 1) " udp " port
			} else {
				p = i + 1
				if (p >= port) p++
				key = p <= 65535 ? vip " udp " p : vip " tcp " (p - 65535)
			}
			print "service add " key " table-size 251"
			print "server add " key " " ip(s) " weight 1 mac " mac(s)
		}
	}'
}

# series_services KIND: the measured service plus others up to each SVC_NS
series_services() {
	local kind=$1 have=1 n want loaded m0 m1
	setup || { rec kind=scale series="$kind" error="setup failed"; return 1; }
	m0=$(kmem_kb)
	for n in "${SVC_NS[@]}"; do
		in_budget $((n / 1000 + 30 * ROUNDS)) "$kind $n" || break
		want=$((n - have))
		fillers "$kind" $((have - 1)) "$want" >"$BENCH_TMP/fill.batch"
		load "$BENCH_TMP/fill.batch"
		loaded=$(count_services)
		rec kind=load series="$kind" n="$n" loaded="$loaded" ms="$LOAD_MS" \
			lines=$((2 * want)) ${LOAD_ERR:+error="$LOAD_ERR"}
		if [ "$loaded" -lt "$n" ]; then
			note "$kind: $loaded of $n services loaded: $LOAD_ERR"
			rate "$kind" "$n" "$loaded" refused_at="$loaded" error="$LOAD_ERR"
			have=$loaded
			break
		fi
		rate "$kind" "$n" "$loaded"
		have=$loaded
	done
	m1=$(kmem_kb)
	[ "$have" -gt 1 ] &&
		rec kind=mem what="service" series="$kind" n=$((have - 1)) kb=$((m1 - m0)) \
			bytes_each=$(((m1 - m0) * 1024 / (have - 1))) \
			note="a service with table-size 251 and one static-MAC server"
	bench_nlbs_unload
}

# series_servers: the measured service with SRV_NS servers
series_servers() {
	local have=3 n m0 m1 loaded
	setup || { rec kind=scale series=servers error="setup failed"; return 1; }
	m0=$(kmem_kb)
	for n in "${SRV_NS[@]}"; do
		in_budget $((30 * ROUNDS)) "servers $n" || break
		awk -v first=$((have - 3)) -v count=$((n - have)) -v vip="$VIP" -v port="$BENCH_PORT" '
		BEGIN { for (i = first; i < first + count; i++) {
			a = 21 * 65536 + i + 1		# 10.21.0.1...
			printf "server add %s udp %d 10.%d.%d.%d weight 1 mac 02:00:0a:%02x:%02x:%02x\n",
				vip, port, int(a / 65536), int(a / 256) % 256, a % 256,
				int(a / 65536), int(a / 256) % 256, a % 256 } }' >"$BENCH_TMP/srv.batch"
		load "$BENCH_TMP/srv.batch"
		loaded=$(nlbs_genl -n "$nlb" server show "$VIP" udp "$BENCH_PORT" | grep -c 'weight')
		rec kind=load series=servers n="$n" loaded="$loaded" ms="$LOAD_MS" \
			lines=$((n - have)) ${LOAD_ERR:+error="$LOAD_ERR"}
		if [ "$loaded" -lt "$n" ]; then
			rate servers "$n" "$loaded" refused_at="$loaded" error="$LOAD_ERR"
			have=$loaded
			break
		fi
		rate servers "$n" "$loaded"
		have=$loaded
	done
	m1=$(kmem_kb)
	[ "$have" -gt 3 ] &&
		rec kind=mem what="server" n=$((have - 3)) kb=$((m1 - m0)) \
			bytes_each=$(((m1 - m0) * 1024 / (have - 3))) \
			note="a static-MAC server in a service with table-size 65537"
	bench_nlbs_unload
}

# flows_now: entries of the flow table
flows_now() {
	nlbs_genl -n "$nlb" stats | awk '$1 == "flows" && NF == 2 { print $2 }'
}

# series_flows: flow-max FLOWS (rounded up to a power of two), filled by
# pktgen over FLOWS flows (source ports x FLOWS_ADDRS addresses, both
# stepped per packet: every pair once), then the measured traffic
series_flows() {
	local max=1 m0 m1 s0 s1 have
	while [ $max -lt $FLOWS ]; do max=$((max * 2)); done
	setup "flow-max $max" || { rec kind=scale series=flows error="setup failed"; return 1; }
	m0=$(kmem_kb)
	s0=$(slab_kb nlbs_flow)
	if BENCH_WARM=0 bench_pg xmit "$FLOWS" 0 1000 100.64.0.1 "100.64.$((FLOWS_ADDRS / 256)).$((FLOWS_ADDRS % 256))"; then
		have=$(flows_now)
		# why a flow would not be in the table (nlbs-genl stats)
		skips=$(nlbs_genl -n "$nlb" stats | awk '$1 ~ /^flow-skip-/ && NF == 2 {
			printf "%s%s=%s", s, $1, $2; s = " " }')
		# shellcheck disable=SC2086
		rec kind=flowfill n="$FLOWS" flow_max="$max" pps="$PG_PPS" loss="$PG_LOSS" \
			flows="${have:-0}" delivered="$PG_DELIV" mark="$PG_MARK" $skips
		note "filled: ${have:-?} flows at $PG_PPS new flows/s"
	else
		rec kind=flowfill n="$FLOWS" error="pktgen failed"
		have=$(flows_now)
	fi
	m1=$(kmem_kb)
	s1=$(slab_kb nlbs_flow)
	if [ "${have:-0}" -gt 0 ]; then
		rec kind=mem what=flow n="$have" kb=$((m1 - m0)) bytes_each=$(((m1 - m0) * 1024 / have)) \
			slab_kb=$((s1 - s0)) slab_bytes_each=$(((s1 - s0) * 1024 / have)) \
			objsize="$(awk '$1 == "nlbs_flow" { print $4 }' /proc/slabinfo)"
	fi
	rate flows "$FLOWS" "${have:-0}" flow_max="$max"
	bench_nlbs_unload
}

# the measured service alone
setup || { rec kind=scale series=base error="setup failed"; exit 1; }
rate base 1 1 when=before
bench_nlbs_unload
series_servers
in_budget $((FLOWS / 10000 + 30 * ROUNDS)) "flows $FLOWS" && series_flows
series_services vips
series_services ports
in_budget $((20 * ROUNDS)) "base after" && setup && rate base 1 1 when=after
bench_nlbs_unload
exit 0
