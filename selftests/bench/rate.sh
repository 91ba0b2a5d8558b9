#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark part "rate" (run by guest.sh in the VM; not a test). The same
# namespaces, servers and traffic for each contender:
#   bare      tc flower + pedit (destination MAC) + mirred: no balancing
#   ipvs-wrr  IPVS direct routing (ipvsadm -g), scheduler wrr
#   ipvs-mh   the same with the Maglev scheduler mh
#   nlbs      the module: one UDP service, three servers (weights 1:2:3)
# 64-byte UDP datagrams from pktgen over 1,000 flows; counted at the servers.
#
# Records (kind):
#   rate   contender, mode (xmit: pktgen in the firewall namespace into the
#          NLB's access device; nic: the same with an XDP program passing
#          every frame on that device, so each arrives in a buffer of its
#          own as from a NIC, not as pktgen's shared skb; rx: pktgen
#          netif_receive on that device, the balancer's own cost), round,
#          pps (delivered per second), sent, delivered, usec, loss (%)
#   sweep  contender, offered (pktgen ratep), pps, loss: an offered-rate sweep
#
# The contenders are alternated: round r starts with a different one.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_bench.sh"

CONTENDERS=(bare ipvs-wrr ipvs-mh nlbs)
MODES=(xmit nic rx)

bench_modules || note "some modules are missing: their contenders will fail"
bench_topo || { rec kind=error what=topology; exit 1; }

# one measured run of contender $1 in mode $2, round $3
measure() {
	local c=$1 mode=$2 r=$3
	if ! contender_up "$c" || { [ "$mode" = nic ] && ! bench_xdp on; }; then
		rec kind=rate contender="$c" mode="$mode" round="$r" error="setup failed"
		bench_xdp off 2>/dev/null
		contender_down "$c"
		return 1
	fi
	if bench_pg "$mode" "$BENCH_COUNT"; then
		rec kind=rate contender="$c" mode="$mode" round="$r" pps="$PG_PPS" \
			sent="$PG_SENT" delivered="$PG_DELIV" usec="$PG_USEC" loss="$PG_LOSS" \
			errors="$PG_ERR" mark="$PG_MARK"
	else
		rec kind=rate contender="$c" mode="$mode" round="$r" error="pktgen failed"
	fi
	# a program left on acc would slow every later run unseen
	if [ "$mode" = nic ] && ! bench_xdp off; then
		rec kind=error what="XDP program not detached from acc"
		exit 1
	fi
	contender_down "$c"
}

declare -A PPS
t0=$SECONDS
for ((r = 1; r <= BENCH_ROUNDS; r++)); do
	# a round as long as the last ones and the sweep after it must fit
	[ "$r" -gt 1 ] && { in_budget $(((SECONDS - t0) / (r - 1) + 60)) "rate round $r" || break; }
	for mode in "${MODES[@]}"; do
		n=${#CONTENDERS[@]}
		for ((k = 0; k < n; k++)); do
			c=${CONTENDERS[(k + r - 1) % n]}
			measure "$c" "$mode" "$r"
			[ "$mode" = xmit ] && PPS[$c]+=" $PG_PPS"
			note "round $r $mode $c: $PG_PPS pps (sent $PG_SENT, delivered $PG_DELIV)"
		done
	done
done

# Offered-rate sweep (xmit mode): pktgen ratep at fractions of the
# contender's median rate, one short run each, bounded; stops at the first
# step losing more than 0.5%. (Under TCG pktgen's pacing is coarse: the
# rate it reaches can differ from the rate asked.)
SWEEP=(60 85 110)
[ "$BENCH_MODE" = quick ] && SWEEP=()
scount=$((BENCH_COUNT / 2))
# nlbs first: on a slow host the last ones are skipped
for c in nlbs bare ipvs-wrr ipvs-mh; do
	[ ${#SWEEP[@]} -gt 0 ] || break
	in_budget 60 "sweep $c" || break
	# shellcheck disable=SC2086
	m=$(median ${PPS[$c]}) || continue
	[ "${m%.*}" -gt 0 ] 2>/dev/null || continue
	contender_up "$c" || { contender_down "$c"; continue; }
	for f in "${SWEEP[@]}"; do
		offered=$((${m%.*} * f / 100))
		if ! bench_pg xmit "$scount" "$offered"; then
			rec kind=sweep contender="$c" offered="$offered" error="pktgen failed"
			break
		fi
		rec kind=sweep contender="$c" offered="$offered" pps="$PG_PPS" loss="$PG_LOSS" \
			sent="$PG_SENT" delivered="$PG_DELIV" usec="$PG_USEC" mark="$PG_MARK"
		note "sweep $c: offered $offered pps: delivered $PG_PPS pps, loss $PG_LOSS%"
		awk -v l="$PG_LOSS" 'BEGIN { exit !(l > 0.5) }' && break
	done
	contender_down "$c"
done

# NLBS_BENCH_PERF="nlbs bare ...": one more run of each contender named, in
# mode NLBS_BENCH_PERF_MODE (default nic), under perf record -a (Debian's
# linux-perf): where the time of a datagram goes, the top symbols as notes
# (not a record: figures only)
pmode=${NLBS_BENCH_PERF_MODE:-nic}
for c in ${NLBS_BENCH_PERF:-}; do
	command -v perf >/dev/null || { note "perf: not installed"; break; }
	contender_up "$c" || { contender_down "$c"; continue; }
	if [ "$pmode" = nic ] && ! bench_xdp on; then
		note "perf $c: the XDP program did not attach"
		contender_down "$c"
		continue
	fi
	# perf runs pktgen's script itself: started in the background, its
	# start-up (seconds under TCG) would miss the traffic
	PG_WRAP="perf record -a -g -q -o $BENCH_TMP/perf.$c --" \
		bench_pg "$pmode" "$BENCH_COUNT" || note "perf $c: pktgen failed"
	if [ "$pmode" = nic ] && ! bench_xdp off; then
		rec kind=error what="XDP program not detached from acc"
		exit 1
	fi
	contender_down "$c"
	note "perf $c ($pmode mode, $PG_PPS pps): top symbols, self time"
	perf report -i "$BENCH_TMP/perf.$c" --stdio --no-children --sort sym -g none 2>/dev/null |
		grep -E '^ +[0-9]' | head -n 40 | while read -r l; do note "  $l"; done
	perf report -i "$BENCH_TMP/perf.$c" --stdio --no-children --sort dso -g none 2>/dev/null |
		grep -E '^ +[0-9]' | head -n 5 | while read -r l; do note "  $l"; done
done
exit 0
