#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lifecycle chaos, each event in a loop while UDP flows to the VIP and, in
# the device loop, a second process flaps the state and another reconfigures
# (selftests/fuzz/fuzz_genl.c --flap / --reconf):
#   module    configure an active instance, unload the module under
#             traffic, load it again
#   netns     a configured, active NLB namespace deleted under traffic
#   devices   access and server devices down/up, MAC changed, renamed, moved
#             to another namespace and back, deleted and made again, each
#             followed by a fresh config; the instance must follow (inop when
#             a device goes, active again after the config)
#   servers   10,000 servers (NLBS_CHAOS_SERVERS) added to a second service
#             and removed, in batches, while the stream is forwarded (once;
#             NLBS_FUZZ_LONG=1: every loop)
#   nlbsd     nlbsd alone on the NLB, killed with SIGKILL and started again:
#             active and forwarding each time
# After each loop: the kernel log is clean and, on a kernel with kmemleak
# (the debug kernel), a kmemleak scan reports nothing; at the end the namespaces are
# gone (net_namespace objects back to their count before the test: no
# reference left), the flow cache is empty, the module's refcount is 0 and
# it unloads. NLBS_CHAOS_LOOPS (default 2), NLBS_FUZZ_LONG=1 (100 loops, 10
# minutes of device rounds), NLBS_FUZZ_SECONDS: seconds of the device rounds
# (default 15).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fuzz/lib_fuzz.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"

LOOPS=${NLBS_CHAOS_LOOPS:-2}
[ "${NLBS_FUZZ_LONG:-0}" = 1 ] && LOOPS=${NLBS_CHAOS_LOOPS:-100}
FG=$FUZZ_TMP/fuzz_genl
log "$LOOPS loops of each (NLBS_CHAOS_LOOPS, NLBS_FUZZ_LONG=1)"

ktap_check "build the fuzzer (flap and reconf)" fuzz_build fuzz_genl || ktap_finished
NETNS_BASE=$(netns_baseline)
loop_clean() { dmesg_clean && kmemleak_clean; }

# ---- module unload and load under traffic ------------------------------------
ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark chaos
ktap_check "an NLB forwarding a stream" eval 'fuzz_pair a && fuzz_forwarding "$a_nlb"' || ktap_finished
module_loop() {
	local i
	for ((i = 1; i <= LOOPS; i++)); do
		fuzz_forwarding "$a_nlb" || { log "loop $i: not forwarding"; return 1; }
		nlbs_unload || { log "loop $i: unload failed"; return 1; }
		sleep 0.2
		nlbs_load || return 1
		fuzz_configure "$a_nlb" || return 1
	done
	fuzz_forwarding "$a_nlb"
}
ktap_check "module: unloaded and loaded $LOOPS times under traffic" module_loop
ktap_check "kernel log clean, no kmemleak report" loop_clean

# ---- namespace deletion ----------------------------------------------------------
netns_gone() {
	local ns
	kill "${FUZZ_STREAMS[-1]}" 2>/dev/null
	for ns in b_inj b_nlb b_srv; do
		ip netns del "${!ns}" 2>/dev/null
		NS_LIST=("${NS_LIST[@]/${!ns}}")
	done
}
netns_loop() {
	local i
	for ((i = 1; i <= LOOPS; i++)); do
		fuzz_pair b || return 1
		fuzz_forwarding "$b_nlb" || { log "loop $i: not forwarding"; netns_gone; return 1; }
		# the NLB's namespace first, under traffic; the stream's veth
		# loses its peer; then the injector and the server
		ip netns del "$b_nlb" || return 1
		netns_gone
	done
	# a_inj, a_nlb, a_srv remain
	[ -z "$NETNS_BASE" ] || netns_settle $((NETNS_BASE + 3))
}
ktap_check "netns: a configured NLB's namespace deleted under traffic, $LOOPS times" netns_loop
ktap_check "kernel log clean, no kmemleak report" loop_clean

# ---- devices, with the state flapping and a second process reconfiguring --------
dev_event() {
	local nlb=$1 k=$2 o
	case $k in
	0) ip -n "$nlb" link set acc down && ip -n "$nlb" link set acc up ;;
	1) ip -n "$nlb" link set srv down && ip -n "$nlb" link set srv up ;;
	2) ip -n "$nlb" link set acc address "02:00:0a:0a:$(printf '%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)))" &&
		ip -n "$nlb" link set acc address "$NLB_MAC" ;;
	3) ip -n "$nlb" link set acc down && ip -n "$nlb" link set acc name acc2 &&
		ip -n "$nlb" link set acc2 name acc && ip -n "$nlb" link set acc up ;;
	4) ip -n "$nlb" link set srv netns "$c_away" &&
			ip -n "$c_away" link set srv netns "$nlb" &&
			ip -n "$nlb" link set srv up && ip -n "$nlb" addr replace 10.20.0.11/24 dev srv ;;
	5) ip -n "$nlb" link del srv &&
		ip -n "$nlb" link add srv type veth peer name eth0 netns "$a_srv" &&
		ip -n "$nlb" link set srv up && ip -n "$nlb" addr add 10.20.0.11/24 dev srv &&
		ip -n "$a_srv" link set eth0 address "$SRV_MAC" up &&
		ip -n "$a_srv" addr replace 10.20.0.21/24 dev eth0 ;;
	esac
}
dev_loop() {
	local i=0 k secs=${NLBS_FUZZ_SECONDS:-15} rc=0 flap reconf
	[ "${NLBS_FUZZ_LONG:-0}" = 1 ] && secs=${NLBS_FUZZ_SECONDS:-600}
	setup_ns c_away || return 1
	ip netns exec "$a_nlb" "$FG" --tag flap --flap --seconds "$secs" >"$FUZZ_TMP/flap.out" 2>&1 &
	flap=$!
	ip netns exec "$a_nlb" "$FG" --tag reconf --reconf --seconds "$secs" --ifaces acc,srv \
		>"$FUZZ_TMP/reconf.out" 2>&1 &
	reconf=$!
	# rounds of the six events for as long as the two processes run
	while [ $i -lt 1 ] || kill -0 $flap 2>/dev/null; do
		i=$((i + 1))
		for k in 0 1 2 3 4 5; do
			dev_event "$a_nlb" $k || { log "round $i: event $k failed"; rc=1; break 2; }
		done
		dmesg_clean || { rc=1; break; }
	done
	DEV_ROUNDS=$i
	wait $flap || { log "flap: $(cat "$FUZZ_TMP/flap.out")"; rc=1; }
	wait $reconf || { log "reconf: $(cat "$FUZZ_TMP/reconf.out")"; rc=1; }
	{
		echo "$i rounds of the six device events in $secs s"
		tail -n 1 "$FUZZ_TMP/flap.out"
		tail -n 1 "$FUZZ_TMP/reconf.out"
	} >"$FUZZ_TMP/dev.summary"
	return $rc
}
ktap_check "devices: down/up, MAC, rename, netns move, delete/add in rounds, state flapping, reconf" dev_loop
[ -r "$FUZZ_TMP/dev.summary" ] && while read -r l; do log "$l"; done <"$FUZZ_TMP/dev.summary"
reconfigure() {
	local nlb=$a_nlb
	nlbs_genl_ns "$nlb" config set access acc servers srv nlbs $NLBS || return 1
	nlbs_genl_ns "$nlb" service add $VIP udp 53 table-size 251 2>/dev/null
	nlbs_genl_ns "$nlb" server add $VIP udp 53 10.20.0.21 mac $SRV_MAC 2>/dev/null
	nlbs_genl_ns "$nlb" server set $VIP udp 53 10.20.0.21 weight 1 2>/dev/null
	nlbs_genl_ns "$nlb" state set standby 2>/dev/null
	nlbs_genl_ns "$nlb" state set active && fuzz_forwarding "$nlb"
}
ktap_check "after a fresh config the NLB forwards again" reconfigure
ktap_check "kernel log clean, no kmemleak report" loop_clean

# ---- 10,000 servers added and removed while forwarding ------------------------------
# A second service of the forwarding NLB gets 10,000 servers in one batch and
# loses them in another, once (NLBS_FUZZ_LONG=1: LOOPS times); the stream to
# udp 53 goes on.
SRV_N=${NLBS_CHAOS_SERVERS:-10000}
SRV_LOOPS=1
[ "${NLBS_FUZZ_LONG:-0}" = 1 ] && SRV_LOOPS=$LOOPS
awk -v n="$SRV_N" -v vip="$VIP" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "server add %s tcp 80 10.20.%d.%d weight %d mac 02:00:00:00:%02x:%02x\n",
			vip, 100 + int(i / 250), i % 250 + 1, i % 7 + 1, int(i / 256), i % 256
}' >"$FUZZ_TMP/srv.add"
sed 's/^server add \(.*\) weight .*/server del \1/' "$FUZZ_TMP/srv.add" >"$FUZZ_TMP/srv.del"
svc_servers() {
	nlbs_genl_ns "$a_nlb" service show | awk -v v="$VIP" '$2 == v && $3 == "tcp" && $4 == 80 { print $6 }'
}
servers_loop() {
	local i t0
	# the reconfiguring fuzzer of the device loop may have left one
	nlbs_genl_ns "$a_nlb" service del $VIP tcp 80 2>/dev/null
	nlbs_genl_ns "$a_nlb" service add $VIP tcp 80 || return 1
	for ((i = 1; i <= SRV_LOOPS; i++)); do
		t0=${EPOCHREALTIME/./}
		nlbs_genl_ns "$a_nlb" -b "$FUZZ_TMP/srv.add" || { log "loop $i: add failed"; return 1; }
		[ "$(svc_servers)" = "$SRV_N" ] || { log "loop $i: $(svc_servers) servers"; return 1; }
		fuzz_forwarding "$a_nlb" || { log "loop $i: not forwarding with $SRV_N servers"; return 1; }
		nlbs_genl_ns "$a_nlb" -b "$FUZZ_TMP/srv.del" || { log "loop $i: del failed"; return 1; }
		[ "$(svc_servers)" = 0 ] || { log "loop $i: $(svc_servers) servers left"; return 1; }
		fuzz_forwarding "$a_nlb" || { log "loop $i: not forwarding"; return 1; }
		log "loop $i: $SRV_N servers added and removed in $(( (${EPOCHREALTIME/./} - t0) / 1000 )) ms"
		dmesg_clean || return 1
	done
	kmemleak_clean || return 1
	nlbs_genl_ns "$a_nlb" service del $VIP tcp 80
}
ktap_check "servers: $SRV_N added and removed in batches under traffic, $SRV_LOOPS times" servers_loop

# ---- nlbsd killed and restarted ---------------------------------------------------
# nlbsd alone on the forwarding NLB (its peer silent: it becomes active), killed
# with SIGKILL in a loop and started again; each time the kernel must end up
# active and forwarding under the new daemon, and nothing may splat.
NLBSD_BIN=${NLBSD:-$NLBS_TOP/tools/nlbsd/nlbsd}
nlbsd_conf() {
	"$NLBSD_BIN" --genkey >"$FUZZ_TMP/key" && chmod 600 "$FUZZ_TMP/key" &&
	cat >"$FUZZ_TMP/nlbsd.conf" <<-EOC
	[node]
	access = acc
	servers = srv
	address = 10.10.0.11
	nlbs = $NLBS
	priority = 100
	advert-interval = 100ms
	dead-after = 3
	state-file = $FUZZ_TMP/nlbsd.epoch
	control-socket = $FUZZ_TMP/nlbsd.ctl
	[peer]
	address = 10.10.0.12
	key-file = $FUZZ_TMP/key
	[service $VIP udp 53]
	check = none
	server = 10.20.0.21 weight 1
	EOC
}
nlbsd_loop() {
	local i pid
	nlbsd_conf || return 1
	for ((i = 1; i <= LOOPS; i++)); do
		ip netns exec "$a_nlb" "$NLBSD_BIN" -c "$FUZZ_TMP/nlbsd.conf" \
			>>"$FUZZ_TMP/nlbsd.log" 2>&1 &
		pid=$!
		busywait 20000 state_is "$a_nlb" active ||
			{ log "loop $i: not active"; kill -KILL $pid; tail -n 5 "$FUZZ_TMP/nlbsd.log"; return 1; }
		fuzz_forwarding "$a_nlb" || { log "loop $i: not forwarding"; kill -KILL $pid; return 1; }
		kill -KILL $pid
		wait $pid 2>/dev/null
		dmesg_clean || return 1
	done
	kmemleak_clean
}
if [ -x "$NLBSD_BIN" ]; then
	ktap_check "nlbsd: killed (SIGKILL) and started again $LOOPS times, active and forwarding each time" \
		nlbsd_loop
	# nlbsd's services replaced ours: the stream's service as the tests expect
	ktap_check "the NLB configured by hand again" eval 'nlbs_genl_ns "$a_nlb" service del $VIP udp 53 &&
		fuzz_configure "$a_nlb" && fuzz_forwarding "$a_nlb"'
else
	ktap_skip "nlbsd killed and started again" "$NLBSD_BIN not built"
fi

# ---- the end: nothing left behind ------------------------------------------------
for p in "${FUZZ_STREAMS[@]}"; do kill "$p" 2>/dev/null; done
flows_gone() { [ "$(slab_objs nlbs_flow)" = 0 ]; }
drain() {
	nlbs_genl_ns "$a_nlb" flow flush >/dev/null || return 1
	busywait 10000 flows_gone || { log "nlbs_flow objects: $(slab_objs nlbs_flow)"; return 1; }
}
ktap_check "flows flushed: the flow cache holds no object" drain
cleanup_all_ns
ktap_check "namespaces gone: net_namespace objects back to ${NETNS_BASE:-(merged cache, not counted)}" \
	netns_settle "$NETNS_BASE"
ktap_check "module refcount 0" test "$(cat /sys/module/nlbs/refcnt)" = 0
ktap_check "unload" nlbs_unload
ktap_finished
