#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark part "sync" (run by guest.sh in the VM; not a test): the highest
# rate of new flows that flow sync carries from the active NLB to its peer,
# and what happens above it.
#
# Topology: lib.sh topo_setup (client, fw1, nlb1, nlb2, srv1..3, bridges in
# sw). The module on both NLBs (flow_max 524288), nlbsd on both (priorities
# 200 and 100, sync = yes at its default sync-rate unless
# NLBS_BENCH_SYNC_RATE is set, advert-interval 500ms, dead-after 6: no
# takeover in a TCG stall), one service VIP udp 5001 over srv1..3
# (check none, static MACs); nlb1 active. The servers drop the datagrams at
# tc ingress (no ICMP back).
#
# Traffic: pktgen in fw1 (lib_bench.sh's bench_pg) sends 64-byte UDP
# datagrams to VIP:5001 straight to nlb1's access MAC, every one a new
# flow: the source address steps over 251 addresses and the source port over
# 59,999 ports, both per datagram (coprime: every pair once), and each step
# has its own /24 of 198.18.0.0/16. Steps of NLBS_BENCH_SYNC_SECS (5) s at
# 250, 500, 1000, 2000, 4000 new flows/s (pktgen ratep), then doubling while
# the last step kept up (>= 99% imported) and pktgen reached its rate, then
# flat out (pktgen's maximum, its rate measured by a short unrecorded run).
# Before each step both flow tables are flushed; after it the part waits
# until nlb2's sync-imported stops moving (0.5 s polls, 2 s still, at most
# 20 s: the drain) and reads every counter.
#
# Records: kind=sync, one per step: asked (pktgen ratep, 0: flat out),
# offered (datagrams sent per second), secs, sent, created (nlb1 flow-new),
# forwarded (nlb1), skipped (nlb1 flow-skip-*), k_sent / k_dropped (nlb1
# kernel sync-sent / sync-dropped: batches the daemon's netlink socket
# could not take), d_sent / d_dropped / d_overruns / d_txerr (nlb1 nlbsd:
# flows sent, dropped over sync-rate or on a send error, kernel
# notification overruns seen, send errors), p_received / p_imported /
# p_refused / p_ignored / p_rejected (nlb2 nlbsd: flows received, in
# accepted import requests, in refused requests, ignored, datagrams that
# failed auth/replay/parse), imported / refused (nlb2 kernel sync-imported /
# sync-refused), rcvbuf_errors (nlb2 UDP receive buffer drops: datagrams of
# up to 55 flows), drain_ms, d_served / p_resyncs (resyncs served by nlb1,
# completed by nlb2: their flows are in the counts), flaps (state changes
# the daemons logged during the step: the pair moved), nlb1_active.
# kind=sync_info: sync_rate, flow_max, secs.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_dp.sh"
. "$(dirname "$0")/lib_bench.sh"

# lib_bench.sh's addresses are those of lib.sh's topology as well
PORT=$BENCH_PORT
SECS=${NLBS_BENCH_SYNC_SECS:-5}
STEPS=(250 500 1000 2000 4000)
FLOW_MAX=524288
CAP=$((FLOW_MAX * 3 / 4))	# datagrams of one step at most
SYNC_RATE=${NLBS_BENCH_SYNC_RATE:-}
ADVERT=500 DEAD=6	# a lease of 3 s: a busy host stalls the guest for
			# seconds, and a takeover mid-step resyncs the tables
D=$BENCH_TMP

[ -r "$NLBS_KO" ] || { rec kind=error what="$NLBS_KO missing"; exit 1; }
[ -x "$NLBSD" ] || { rec kind=error what="$NLBSD missing"; exit 1; }

bench_modules || note "some modules are missing"
topo_setup || { rec kind=error what=topology; exit 1; }
for i in 1 2; do
	ns=nlb$i
	ip netns exec "${!ns}" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.acc.rp_filter=0 \
		net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 >/dev/null
done
# the servers drop the datagrams at ingress, after their veth counted them
for i in 1 2 3; do
	ns=srv$i
	tc -n "${!ns}" -b - <<-END || { rec kind=error what="tc on srv$i"; exit 1; }
	qdisc add dev eth0 clsact
	filter add dev eth0 ingress protocol ip pref 1 flower ip_proto udp dst_port $PORT action drop
	END
	# a static FDB entry: the servers never send, so the bridge would flood
	# every datagram to every port of br-srv (nlb2 and fw1 included)
	bridge -n "$sw" fdb replace "$(mac_of "${SRV_IPS[i - 1]}")" dev "srv$i-eth0" master static
done
bench_sysfs || { rec kind=error what="sysfs of sw"; exit 1; }
# pktgen's runner counts what the servers' bridge ports sent them (the
# topology's port names, not bench_topo's)
bench_delivered() {
	local d=$BENCH_TMP/sw/class/net v n=0 i
	for i in 1 2 3; do
		read -r v <"$d/srv$i-eth0/statistics/tx_packets"
		n=$((n + v))
	done
	echo "$n"
}
gen=$fw1		# bench_pg sends from $gen's acc to nlb1's access MAC
BENCH_WARM=0		# no warm-up: every datagram is a new flow of its step
BENCH_SPORT=1024
SPORTS=59999		# source ports 1024..61022; 251 addresses: coprime

# ---- nlbsd -------------------------------------------------------------------
"$NLBSD" --genkey >"$D/key" && chmod 600 "$D/key"
nlbsd_conf() { # nlbsd_conf I PRIO
	local s
	nlbsd_pair_conf "$1" "$2" "$D/key" "advert-interval = ${ADVERT}ms" \
		"dead-after = $DEAD" "hash-seed = 7" "state-file = $D/nlb$1.epoch" \
		"control-socket = $D/nlb$1.ctl" -- "sync = yes"
	[ -n "$SYNC_RATE" ] && echo "sync-rate = $SYNC_RATE"
	echo "[service $VIP udp $PORT]"
	echo "check = none"
	echo "dynamic = no"
	for s in "${SRV_IPS[@]}"; do echo "server = $s weight 1 mac $(mac_of "$s")"; done
}
nlbsd_start() { # nlbsd_start I
	nlbsd_conf "$1" $((300 - 100 * $1)) >"$D/nlb$1.conf"
	# SCHED_FIFO as nlbsd.service runs it (conn.sh, lib_e2e.sh)
	ip netns exec "$(dp_ns "nlb$1")" chrt -f 10 "$NLBSD" -T -c "$D/nlb$1.conf" \
		>>"$D/nlb$1.log" 2>&1 &
	defer kill -9 "$!"
}
# transitions: the state changes both daemons logged so far
transitions() { cat "$D"/nlb?.log 2>/dev/null | grep -c 'state [a-z]* -> [a-z]*'; }
kstate() { dp_genl "$1" state show 2>/dev/null | awk '{ print $2; exit }'; }
settled() { [ "$(kstate nlb1)" = active ] && [ "$(kstate nlb2)" = standby ]; }
# nlbsd_sync ARRAY I: nlbI's daemon's sync counters (nlbsd status) into
# the global associative array ARRAY: sent received imported refused
# dropped ignored resyncs timeouts served, auth replay bad txerr overruns
nlbsd_sync() {
	declare -gA "$1"
	local -n ns_a=$1
	local out w k
	ns_a=()
	out=$("$NLBSD" -c "$D/nlb$2.conf" status 2>/dev/null) || return 1
	read -r -a w <<<"$(sed -n 's/^sync-counters: //p' <<<"$out")"
	for ((k = 0; k + 1 < ${#w[@]}; k += 2)); do ns_a[${w[k]}]=${w[k + 1]}; done
	if [[ $out =~ sync-refused:\ auth\ ([0-9]+),\ replay\ ([0-9]+),\ bad\ ([0-9]+)\;\ send\ errors\ ([0-9]+),\ kernel\ overruns\ ([0-9]+) ]]; then
		ns_a["auth"]=${BASH_REMATCH[1]} ns_a["replay"]=${BASH_REMATCH[2]}
		ns_a["bad"]=${BASH_REMATCH[3]} ns_a["txerr"]=${BASH_REMATCH[4]}
		ns_a["overruns"]=${BASH_REMATCH[5]}
	fi
	[ -n "${ns_a[sent]:-}" ]
}
# udp_stat NODE FIELD: a field of the Udp: lines of NODE's /proc/net/snmp
udp_stat() {
	ip netns exec "$(dp_ns "$1")" awk -v f="$2" '$1 == "Udp:" {
		if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next }
		print (f in c) ? $c[f] : 0; exit }' /proc/net/snmp
}

bench_nlbs_load flow_max=$FLOW_MAX || { rec kind=error what="insmod"; exit 1; }
nlbsd_start 2
nlbsd_start 1
if ! busywait 30000 settled; then
	note "nlbsd pair not settled: nlb1 $(kstate nlb1), nlb2 $(kstate nlb2)"
	tail -n 20 "$D"/nlb?.log | sed 's/^/# /'
	rec kind=error what="nlbsd pair: nlb1 not active"
	exit 1
fi
# a few heartbeats, and the start-up resyncs over
sleep 2
busywait 10000 settled || { rec kind=error what="nlbsd pair not stable"; exit 1; }
# sync-rate: the configured one, else nlbsd's default (nlbsd.conf(5))
rec kind=sync_info sync_rate="${SYNC_RATE:-50000}" sync_rate_default="$([ -n "$SYNC_RATE" ] && echo 0 || echo 1)" \
	flow_max=$FLOW_MAX secs="$SECS" advert_ms=$ADVERT
note "nlbsd pair settled: nlb1 active, nlb2 standby"

# ---- the steps ----------------------------------------------------------------
flush() {
	dp_genl nlb1 flow flush >/dev/null 2>&1
	dp_genl nlb2 flow flush >/dev/null 2>&1
}
# drain CREATED BASE: until nlb2's sync-imported (BASE before the step)
# stops moving (4 still polls) or has all CREATED flows, at most 20 s;
# DRAIN_MS: how long it took
drain() {
	local want=$1 base=$2 last=-1 still=0 v t0
	t0=$(now_ms)
	while [ $(($(now_ms) - t0)) -lt 20000 ]; do
		v=$(dp_stat nlb2 sync-imported 2>/dev/null) || v=$last
		[ $((v - base)) -ge "$want" ] && break
		if [ "$v" = "$last" ]; then
			still=$((still + 1))
			[ $still -ge 4 ] && break
		else
			still=0
		fi
		last=$v
		sleep 0.5
	done
	DRAIN_MS=$(($(now_ms) - t0))
}
# d ARRAY0 ARRAY1 KEY: the delta of KEY
d() {
	local -n a0=$1 a1=$2
	echo $(( ${a1[$3]:-0} - ${a0[$3]:-0} ))
}

BLOCK=0
# step ASKED COUNT [RECORD]: one step (ASKED 0: flat out); RECORD=0: only
# the rate (PG_PPS), nothing recorded
step() {
	local asked=$1 count=$2 record=${3:-1} k created imported offered drop0 drop1 skipped t0
	BLOCK=$((BLOCK + 1))
	# a pair that moved (a TCG stall past the lease) comes back first
	settled || busywait 15000 settled || note "the pair moved: nlb1 $(kstate nlb1), nlb2 $(kstate nlb2)"
	flush
	t0=$(transitions)
	dp_snap A0 nlb1; dp_snap B0 nlb2
	nlbsd_sync P0 1 || note "nlbsd status on nlb1 failed"
	nlbsd_sync Q0 2 || note "nlbsd status on nlb2 failed"
	drop0=$(udp_stat nlb2 RcvbufErrors)
	if ! bench_pg xmit "$count" "$asked" "$SPORTS" "198.18.$BLOCK.1" "198.18.$BLOCK.251"; then
		rec kind=sync asked="$asked" error="pktgen failed"
		return 1
	fi
	offered=$(( (PG_SENT * 1000000 + PG_USEC / 2) / PG_USEC ))
	created=$(( $(dp_stat nlb1 flow-new) - ${A0[flow-new]:-0} ))
	drain "$created" "${B0[sync-imported]:-0}"
	dp_snap A1 nlb1; dp_snap B1 nlb2
	nlbsd_sync P1 1 || note "nlbsd status on nlb1 failed"
	nlbsd_sync Q1 2 || note "nlbsd status on nlb2 failed"
	drop1=$(udp_stat nlb2 RcvbufErrors)
	created=$(d A0 A1 flow-new)
	imported=$(d B0 B1 sync-imported)
	skipped=0
	for k in flow-skip-full flow-skip-nomem flow-skip-flood; do
		skipped=$((skipped + $(d A0 A1 "$k")))
	done
	[ "$record" = 1 ] || return 0
	rec kind=sync asked="$asked" offered="$offered" secs="$(awk -v u="$PG_USEC" 'BEGIN { printf "%.2f", u / 1e6 }')" \
		sent="$PG_SENT" delivered="$PG_DELIV" created="$created" forwarded="$(d A0 A1 forwarded)" \
		rx="$(d A0 A1 rx)" skipped="$skipped" \
		k_sent="$(d A0 A1 sync-sent)" k_dropped="$(d A0 A1 sync-dropped)" \
		d_sent="$(d P0 P1 sent)" d_dropped="$(d P0 P1 dropped)" \
		d_overruns="$(d P0 P1 overruns)" d_txerr="$(d P0 P1 txerr)" \
		p_received="$(d Q0 Q1 received)" p_imported="$(d Q0 Q1 imported)" \
		p_refused="$(d Q0 Q1 refused)" p_ignored="$(d Q0 Q1 ignored)" \
		p_rejected=$(( $(d Q0 Q1 auth) + $(d Q0 Q1 replay) + $(d Q0 Q1 bad) )) \
		imported="$imported" refused="$(d B0 B1 sync-refused)" \
		rcvbuf_errors=$((${drop1:-0} - ${drop0:-0})) drain_ms="$DRAIN_MS" \
		d_served="$(d P0 P1 served)" p_resyncs="$(d Q0 Q1 resyncs)" \
		flaps=$(($(transitions) - t0)) \
		nlb1_active="$(settled && echo 1 || echo 0)" mark="$PG_MARK"
	note "asked $asked/s: offered $offered/s, created $created, forwarded $(d A0 A1 forwarded), kernel sync-sent $(d A0 A1 sync-sent) sync-dropped $(d A0 A1 sync-dropped), nlbsd sent $(d P0 P1 sent) dropped $(d P0 P1 dropped), nlb2 received $(d Q0 Q1 received) imported $imported (drain ${DRAIN_MS} ms)"
	KEPT_UP=0
	[ "$created" -gt 0 ] && [ $((imported * 100)) -ge $((created * 99)) ] && KEPT_UP=1
	return 0
}

# time for one step of SECS, its drain and the readings
STEP_S=$((SECS + 25))
rate=0
for asked in "${STEPS[@]}"; do
	in_budget $((STEP_S + 30)) "sync $asked flows/s" || break
	step "$asked" $((asked * SECS)) || continue
	rate=$asked
done
# doubling while the pipeline and pktgen keep up
while [ "$rate" -gt 0 ] && [ "${KEPT_UP:-0}" = 1 ] && [ $((rate * 2 * SECS)) -le $CAP ]; do
	asked=$((rate * 2))
	in_budget $((STEP_S + 30)) "sync $asked flows/s" || break
	step "$asked" $((asked * SECS)) || break
	rate=$asked
	# pktgen no longer reaches the rate asked: flat out is next
	[ $((PG_SENT * 1000000 / PG_USEC)) -ge $((asked * 9 / 10)) ] || break
done
# flat out: pktgen's rate from a short run first, then SECS of it
if in_budget $((2 * STEP_S)) "sync flat out"; then
	if step 0 10000 0 && [ "$PG_USEC" -gt 0 ]; then
		max=$((PG_SENT * 1000000 / PG_USEC))
		n=$((max * SECS))
		[ $n -gt $CAP ] && n=$CAP
		[ $n -lt 10000 ] && n=10000
		note "flat out: $max datagrams/s in a short run: $n for the step"
		step 0 "$n"
	fi
fi
grep -h -E "sync|overrun|lost|state " "$D"/nlb?.log 2>/dev/null | tail -n 20 | sed 's/^/# nlbsd: /'
settled || note "the pair moved: nlb1 $(kstate nlb1), nlb2 $(kstate nlb2)"
exit 0
