#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The genetlink family under fuzz (selftests/fuzz/fuzz_genl.c reads the
# family's own policy back with CTRL_CMD_GETPOLICY and sends valid, mutated
# and random requests, dumps read to the end and dumps dropped half way).
# Five processes at once, for NLBS_FUZZ_SECONDS (default 25; NLBS_FUZZ_LONG=1:
# 30 minutes):
#   quiet    root, an instance on dummy devices that nothing else touches:
#            every 20th request, when rejected, must leave the instance
#            exactly as it was (config, state, services, servers), checked
#            with the family's own dumps; the 300th, 900th... also with
#            nlbs-genl -j show
#   busy     root, on an NLB while UDP flows through it to its server...
#   reconf   ...and a second process reconfigures it with valid requests
#            (services, servers with and without DEFER, COMMIT, config,
#            state with leases, flow flushes)
#   nobody   uid 65534 without capabilities, on a configured standby
#            instance: no admin command may succeed; it is unchanged at the end
#   userns   root of a user namespace in a netns of its own (unshare -Urn):
#            FLOW_ADD (GENL_ADMIN_PERM) may never succeed; the instance goes
#            away with the namespace
# Every answer must be well-formed (see fuzz_genl.c). Then: the kernel log
# is clean, UDP went through during the run, the namespaces and the module
# go away, net_namespace objects return to their count before the test
# (with slub_debug, where that cache is not merged), and the module's flow
# cache is empty before unload (slub_debug reports leftovers at unload).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fuzz/lib_fuzz.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"
pkg-config --exists libmnl 2>/dev/null || [ -r /usr/include/libmnl/libmnl.h ] ||
	ktap_skip_all "libmnl-dev missing"

SECS=$(fuzz_duration 25)
# the long run says which valid requests the kernel accepted, per command
VERBOSE=""
[ "$SECS" -gt 300 ] && VERBOSE=-v
SEED=${NLBS_FUZZ_SEED:-$(( $(date +%s) % 100000 ))}
FG=$FUZZ_TMP/fuzz_genl
log "seed $SEED, $SECS s per process (NLBS_FUZZ_SEED, NLBS_FUZZ_SECONDS, NLBS_FUZZ_LONG=1)"

ktap_check "build the fuzzer" fuzz_build fuzz_genl || ktap_finished
NETNS_BASE=$(netns_baseline)
ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark fuzz

# busy: an NLB forwarding a UDP stream (lib_fuzz.sh: b_inj -- b_nlb -- b_srv)
ktap_check "busy: an active NLB forwarding UDP to its server" \
	eval 'fuzz_pair b && fuzz_forwarding "$b_nlb"' || ktap_finished

# dummy devices acc and srv in a new namespace NAME, an instance on them
dummy_ns() {
	setup_ns "$1" || return 1
	local ns=${!1}
	ip -n "$ns" link add acc type dummy &&
		ip -n "$ns" link add srv type dummy &&
		ip -n "$ns" link set acc up && ip -n "$ns" link set srv up &&
		nlbs_genl_ns "$ns" config set access acc servers srv nlbs "$NLBS"
}
ktap_check "quiet: an instance on dummy devices" dummy_ns quiet || ktap_finished
nobody_setup() {
	dummy_ns nob || return 1
	nlbs_genl_ns "$nob" -b - <<-EOF
	service add $VIP udp 53 table-size 251
	server add $VIP udp 53 10.20.0.21
	state set standby
	EOF
}
ktap_check "nobody: a configured standby instance" nobody_setup || ktap_finished

# nlbs-genl -j show minus counters; "LEASED" while a lease runs (no check)
SHOW_JQ='if ((.state.lease_ms // 0) > 0) then "LEASED" else
	(del(.state.lease_ms) | .services |= map(.server_list |= map(del(.packets, .bytes,
	.active_flows, .new_flows)))) end'
show_norm() {
	nlbs_genl_ns "$1" -j show | jq -cS "$SHOW_JQ"
}
NOB_BEFORE=$(show_norm "$nob")
srv_rx() { ip netns exec "$b_srv" cat /sys/class/net/eth0/statistics/rx_packets; }
RX0=$(srv_rx)

# ---- the run --------------------------------------------------------------------
fz() {
	local name=$1
	shift
	"$@" >"$FUZZ_TMP/$name.out" 2>"$FUZZ_TMP/$name.err" &
	eval "PID_$name=$!"
}
fz quiet ip netns exec "$quiet" "$FG" --tag quiet --seconds "$SECS" --seed "$SEED" \
	--ifaces acc,srv --check-every 20 --snapshot-every 600 $VERBOSE --skip-if LEASED \
	--snapshot "$NLBS_GENL -j show | jq -cS '$SHOW_JQ'"
fz busy ip netns exec "$b_nlb" "$FG" --tag busy --seconds "$SECS" --seed $((SEED + 1)) \
	--ifaces acc,srv
fz reconf ip netns exec "$b_nlb" "$FG" --tag reconf --reconf --seconds "$SECS" \
	--seed $((SEED + 2)) --ifaces acc,srv
fz nobody ip netns exec "$nob" setpriv --reuid=nobody --regid=nogroup --clear-groups \
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
for p in "${FUZZ_STREAMS[@]}"; do kill "$p" 2>/dev/null; done
log "messages: $total in ${SECS} s by $((4 + USERNS)) processes, $((total / SECS))/s together"

checks() { sed -n 's/.* checks \([0-9]*\) (nlbs-genl \([0-9]*\).*/\1 \2/p' "$FUZZ_TMP/quiet.out"; }
read -r NCHK NEXT <<<"$(checks)"
ktap_check "quiet: $NCHK rejected requests checked ($NEXT with nlbs-genl -j show), none changed anything" \
	test "${NCHK:-0}" -gt 0 -a "${NEXT:-0}" -gt 0
ktap_check "kernel log clean" dmesg_clean
ktap_check "UDP reached the servers during the run" test "$(srv_rx)" -gt "$RX0"
nob_same() {
	local now
	now=$(show_norm "$nob")
	[ "$now" = "$NOB_BEFORE" ] && return 0
	log "before: $NOB_BEFORE"
	log "after:  $now"
	return 1
}
ktap_check "nobody's instance unchanged" nob_same

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
	for ns in "$b_nlb" "$nob" "$quiet"; do
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
