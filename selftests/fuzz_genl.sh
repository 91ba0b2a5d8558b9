#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The genetlink family under fuzz (selftests/fuzz/fuzz_genl.c reads the
# family's own policy back with CTRL_CMD_GETPOLICY and sends valid, mutated
# and random requests, dumps read to the end and dumps dropped half way).
# Five processes at once, for NLBS_FUZZ_SECONDS (default 80; NLBS_FUZZ_LONG=1:
# 30 minutes):
#   quiet    root, an instance on dummy devices that nothing else touches:
#            every 20th request, when rejected, must leave the instance
#            exactly as it was (config, state, services, servers), checked
#            with the family's own dumps; every 400th also with
#            nlbs-genl -j show
#   busy     root, on nlb1 of the reference topology while UDP flows through
#            it to the servers...
#   reconf   ...and a second process reconfigures it with valid requests
#            (services, servers with and without DEFER, COMMIT, config,
#            state with leases, flow flushes)
#   nobody   uid 65534 without capabilities, on nlb2 (configured, standby):
#            no admin command may succeed, and nlb2 is unchanged at the end
#   userns   root of a user namespace in a netns of its own (unshare -Urn):
#            FLOW_ADD (GENL_ADMIN_PERM) may never succeed; the instance goes
#            away with the namespace
# Every answer must be well-formed (see fuzz_genl.c). Then: the kernel log
# is clean, UDP went through during the run, the namespaces and the module
# go away, net_namespace objects return to their count before the test
# (with slub_debug, where that cache is not merged), and the module's flow
# cache is empty before unload (slub_debug reports leftovers at unload).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dp.sh"
. "$(dirname "$0")/fuzz/lib_fuzz.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"
pkg-config --exists libmnl 2>/dev/null || [ -r /usr/include/libmnl/libmnl.h ] ||
	ktap_skip_all "libmnl-dev missing"

SECS=$(fuzz_duration 80)
SEED=${NLBS_FUZZ_SEED:-$(( $(date +%s) % 100000 ))}
FG=$FUZZ_TMP/fuzz_genl
log "seed $SEED, $SECS s per process (NLBS_FUZZ_SEED, NLBS_FUZZ_SECONDS, NLBS_FUZZ_LONG=1)"

ktap_check "build the fuzzer" fuzz_build fuzz_genl || ktap_finished
NETNS_BASE=$(netns_baseline)
ktap_check "build the topology" topo_setup || ktap_finished
ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark fuzz

setup_busy() {
	local i
	for i in 1 2; do
		dp_nlb $i flow-max 4096 || return 1
		nlbs_genl_ns "$(dp_ns nlb$i)" -b - <<-EOF || return 1
		service add $VIP udp 53 table-size 251
		server add $VIP udp 53 ${SRV_IPS[0]}
		server add $VIP udp 53 ${SRV_IPS[1]}
		server add $VIP udp 53 ${SRV_IPS[2]}
		EOF
	done
	dp_state nlb1 active && dp_state nlb2 standby
}
ktap_check "nlb1 active, nlb2 standby, udp/53 with 3 servers" setup_busy || ktap_finished

setup_quiet() {
	setup_ns quiet || return 1
	ip -n "$quiet" link add acc type dummy &&
		ip -n "$quiet" link add srv type dummy &&
		ip -n "$quiet" link set acc up && ip -n "$quiet" link set srv up &&
		nlbs_genl_ns "$quiet" config set access acc servers srv nlbs "$NLBS_ADDR"
}
ktap_check "a quiet instance on dummy devices" setup_quiet || ktap_finished

# nlbs-genl -j show minus counters; "LEASED" while a lease runs (no check)
SHOW_JQ='if ((.state.lease_ms // 0) > 0) then "LEASED" else
	(del(.state.lease_ms) | .services |= map(.server_list |= map(del(.packets, .bytes,
	.active_flows, .new_flows)))) end'
show_norm() {
	nlbs_genl_ns "$1" -j show | jq -cS "$SHOW_JQ"
}
NLB2_BEFORE=$(show_norm "$nlb2")

srv_rx() {
	local s n=0
	for s in srv1 srv2 srv3; do
		n=$((n + $(ip netns exec "${!s}" cat /sys/class/net/eth0/statistics/rx_packets)))
	done
	echo $n
}
RX0=$(srv_rx)
dp_stream_start "$client" "$VIP" 53 1

# ---- the run --------------------------------------------------------------------
fz() {
	local name=$1
	shift
	"$@" >"$FUZZ_TMP/$name.out" 2>"$FUZZ_TMP/$name.err" &
	eval "PID_$name=$!"
}
fz quiet ip netns exec "$quiet" "$FG" --tag quiet --seconds "$SECS" --seed "$SEED" \
	--ifaces acc,srv --check-every 20 --snapshot-every 400 -v --slow-ms 1000 --skip-if LEASED \
	--snapshot "ip netns exec $quiet $NLBS_GENL -j show | jq -cS '$SHOW_JQ'"
fz busy ip netns exec "$nlb1" "$FG" --tag busy --slow-ms 1000 --seconds "$SECS" --seed $((SEED + 1)) \
	--ifaces acc,srv
fz reconf ip netns exec "$nlb1" "$FG" --tag reconf --reconf --seconds "$SECS" \
	--seed $((SEED + 2)) --ifaces acc,srv
fz nobody ip netns exec "$nlb2" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	--inh-caps=-all --bounding-set=-all "$FG" --tag nobody --unpriv --seconds "$SECS" \
	--seed $((SEED + 3)) --ifaces acc,srv
# (not in the VM: guest.sh runs chrooted, and the kernel refuses a new user
# namespace to a chrooted caller)
USERNS=1
why=$(unshare -Urn true 2>&1) || USERNS=0
[ $USERNS = 1 ] && fz userns unshare -Urn sh -c "ip link add acc type dummy && ip link add srv type dummy &&
	ip link set acc up && ip link set srv up &&
	exec $FG --tag userns --userns --seconds $SECS --seed $((SEED + 4)) --ifaces acc,srv"

total=0 rates=""
fz_wait() {
	local name=$1 pid rc
	pid=$(eval echo "\$PID_$name")
	wait "$pid"
	rc=$?
	cat "$FUZZ_TMP/$name.err" | grep -v ': seed ' | head -n 60
	cat "$FUZZ_TMP/$name.out"
	return $rc
}
for p in quiet busy reconf nobody userns; do
	if [ $p = userns ] && [ $USERNS = 0 ]; then
		ktap_skip "fuzzer userns: answers well-formed, no violation" \
			"no user namespace here: ${why//$'\n'/ }"
		continue
	fi
	ktap_check "fuzzer $p: answers well-formed, no violation" fz_wait $p
	line=$(cat "$FUZZ_TMP/$p.out")
	n=$(sed -n 's/.* sent \([0-9]*\) .*/\1/p' <<<"$line")
	total=$((total + ${n:-0}))
	log "$line"
done
dp_stream_stop
log "messages: $total in ${SECS} s by $((4 + USERNS)) processes, $((total / SECS))/s together"

checks() { sed -n 's/.* checks \([0-9]*\) (nlbs-genl \([0-9]*\).*/\1 \2/p' "$FUZZ_TMP/quiet.out"; }
read -r NCHK NEXT <<<"$(checks)"
ktap_check "quiet: $NCHK rejected requests checked ($NEXT with nlbs-genl -j show), none changed anything" \
	test "${NCHK:-0}" -gt 0 -a "${NEXT:-0}" -gt 0
ktap_check "kernel log clean" dmesg_clean
ktap_check "UDP reached the servers during the run" test "$(srv_rx)" -gt "$RX0"
nlb2_same() {
	local now
	now=$(show_norm "$nlb2")
	[ "$now" = "$NLB2_BEFORE" ] && return 0
	log "before: $NLB2_BEFORE"
	log "after:  $now"
	return 1
}
ktap_check "nlb2 (the unprivileged fuzzer's) unchanged" nlb2_same

# ---- leaks ------------------------------------------------------------------------
flows_gone() {
	local n
	n=$(slab_objs nlbs_flow)
	[ "$n" = 0 ] && return 0
	log "nlbs_flow objects: $n"
	return 1
}
drain() {
	local ns
	for ns in "$nlb1" "$nlb2" "$quiet"; do
		ip netns exec "$ns" "$NLBS_GENL" flow flush >/dev/null 2>&1
	done
	busywait 10000 flows_gone
}
ktap_check "flows flushed: the flow cache holds no object" drain
cleanup_all_ns
ktap_check "namespaces gone: net_namespace objects back to ${NETNS_BASE:-(merged cache, not counted)}" \
	netns_settle "$NETNS_BASE"
ktap_check "module refcount 0" test "$(cat /sys/module/nlbs/refcnt)" = 0
ktap_check "unload" nlbs_unload
ktap_finished
