#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel is the single source of truth: nlbsd on
# both NLBs of the reference topology, and the state set by hand with
# nlbs-genl on either node. nlbsd tells such changes from its own by the
# port id events carry, adopts them and tells the peer at once:
#   - inop on the active: the peer takes over at once; the node stays inop
#     (held) until a state is set by hand again (init hands it back)
#   - active on the standby: a second active, briefly: the election resolves
#     it (the loser steps down), the winner re-announces, fw1 follows
#   - standby on the active: the peer takes over; the node yields (stays
#     standby) until the peer cannot serve (here: inop by hand on it)
#   - active on the active: the lease the hand dropped is back at once
#   - SIGHUP ends a hold
#
#   NLBSD=path (default tools/nlbsd/nlbsd), NLBSD_ADVERT=ms (default 500)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dp.sh"

ADVERT=${NLBSD_ADVERT:-500}
DEAD=3

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"
[ -x "$NLBSD" ] || ktap_skip_all "$NLBSD not built (make)"
D=$DP_TMP

ktap_check "build the topology" topo_setup || ktap_finished
ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark nlbsd_adopt

"$NLBSD" --genkey > "$D/key"
chmod 600 "$D/key"
conf() { # conf I PRIO
	local s
	nlbsd_pair_conf "$1" "$2" "$D/key" "advert-interval = ${ADVERT}ms" \
		"dead-after = $DEAD" "state-file = $D/nlb$1.epoch" \
		"control-socket = $D/nlb$1.ctl"
	echo "[service $VIP udp 53]"
	echo "check = none"
	for s in "${SRV_IPS[@]}"; do echo "server = $s weight 1"; done
}
conf 1 200 > "$D/nlb1.conf"
conf 2 100 > "$D/nlb2.conf"

RT=""
chrt -r 10 true 2>/dev/null && RT="chrt -r 10"
declare -A PID
start() { # start I
	ip netns exec "$(dp_ns "nlb$1")" $RT "$NLBSD" -T -c "$D/nlb$1.conf" 2>>"$D/nlb$1.log" &
	PID[$1]=$!
	defer kill -9 "$!"
}
kstate_is() { dp_genl "$1" state show | grep -q "state $2"; }
has_lease() { dp_genl "$1" state show | grep -q "lease [1-9]"; }
pair_is() { kstate_is nlb1 "$1" && kstate_is nlb2 "$2"; }
# stays NODE STATE SECONDS: the kernel of NODE is in STATE all along
stays() {
	local i
	for i in $(seq $(($3 * 10))); do
		kstate_is "$1" "$2" || { log "$1 left $2 after ${i}00 ms"; return 1; }
		sleep 0.1
	done
}
mark() { stat -c %s "$D/$1.log" > "$D/$1.mark"; }
since() { tail -c +$(($(cat "$D/$1.mark") + 1)) "$D/$1.log"; }
logs() { since "$1" | grep -q -- "$2"; }
neigh_is() { [ "$(dp_neigh_mac fw1 acc "$NLBS_ADDR")" = "$(dp_mac "$1" acc)" ]; }
ms() { echo $(($(date +%s%N) / 1000000)); }

touch "$D/nlb1.log" "$D/nlb2.log"
start 2
start 1
ktap_check "nlb1 (priority 200) active, nlb2 standby" busywait 15000 pair_is active standby
sleep 1
# an entry in fw1's neighbour table (a ping resolves it): gratuitous ARPs
# then update it on every takeover
fw1 ping -q -c 1 -W 1 "$NLBS_ADDR" >/dev/null 2>&1
ktap_check "fw1 resolves the NLBS address to nlb1" busywait 5000 neigh_is nlb1

# ---- inop by hand on the active ----------------------------------------------
mark nlb1; mark nlb2
t0=$(ms)
dp_genl nlb1 state set inop
ktap_check "inop by hand on the active nlb1: nlb2 takes over" busywait 10000 kstate_is nlb2 active
log "nlb2 active $(($(ms) - t0)) ms after the hand (dead-after is $((DEAD * ADVERT)) ms)"
ktap_check "nlb1's nlbsd adopted it (the hand's port id)" \
	logs nlb1 "kernel: state inop set by another process (netlink port [1-9]"
ktap_check "nlb2 heard nlb1 inop" logs nlb2 "peer ${NLB_ACC_IPS[0]}: inop"
ktap_check "nlb1 held inop by hand (3 s)" stays nlb1 inop 3
ktap_check "nlbsd status on nlb1 says so" sh -c "
	'$NLBSD' -c '$D/nlb1.conf' status | grep -q '^hold: inop by hand$'"
ktap_check "nlb2 active all along" kstate_is nlb2 active
mark nlb1
dp_genl nlb1 state set init
ktap_check "init by hand on nlb1 ends the hold: nlb1 preempts again" \
	busywait 15000 pair_is active standby
ktap_check "nlb1 logged the hold's end" logs nlb1 "kernel: state init set by another process"

# ---- active by hand on the standby -----------------------------------------
sleep 1
mark nlb1; mark nlb2
dp_genl nlb2 state set active
ktap_check "active by hand on the standby nlb2: adopted" \
	busywait 5000 logs nlb2 "kernel: state active set by another process"
ktap_check "the dual-active resolved: nlb2 (the loser) standby again" \
	busywait 10000 pair_is active standby
ktap_check "nlb2 stepped down by the election" logs nlb2 "state active -> standby (dual-active"
ktap_check "nlb1 re-announced after nlb2 left active" busywait 5000 logs nlb1 "re-announcing"
ktap_check "fw1 follows: nlb1's MAC" busywait 10000 neigh_is nlb1

# ---- standby by hand on the active: it yields -------------------------------
sleep 1
mark nlb1; mark nlb2
dp_genl nlb1 state set standby
ktap_check "standby by hand on the active nlb1: nlb2 takes over" \
	busywait 10000 kstate_is nlb2 active
ktap_check "fw1 follows: nlb2's MAC" busywait 10000 neigh_is nlb2
# no preemption, no winning against a standby peer (a guest stall longer
# than dead-after may still make it take over as from a silent peer)
sleep 3
ktap_check "nlb1 yields: it neither preempts nor wins (3 s)" \
	sh -c "! tail -c +\$((\$(cat $D/nlb1.mark) + 1)) $D/nlb1.log |
		grep -q 'standby -> active (preempting\|standby -> active (higher priority'"
mark nlb1; mark nlb2
dp_genl nlb2 state set inop
ktap_check "inop by hand on nlb2: the yielding nlb1 takes over" \
	busywait 10000 pair_is active inop
ktap_check "nlb1's yield ended" logs nlb1 "standby by hand ends"
ktap_check "nlb2 held inop (2 s)" stays nlb2 inop 2
dp_genl nlb2 state set init
ktap_check "init by hand on nlb2: standby" busywait 10000 pair_is active standby

# ---- active by hand on the active: the hand drops the lease -----------------
sleep 1
ktap_check "nlb1 holds a lease" has_lease nlb1
dp_genl nlb1 state set active
ktap_check "active by hand on the active: the lease is back" \
	busywait $((4 * ADVERT + 2000)) has_lease nlb1

# ---- a reload ends a hold ----------------------------------------------------
mark nlb2
dp_genl nlb2 state set inop
ktap_check "inop by hand on the standby nlb2: held" busywait 5000 logs nlb2 "staying inop"
kill -HUP "${PID[2]}"
ktap_check "SIGHUP ends the hold: nlb2 standby" busywait 10000 kstate_is nlb2 standby
ktap_check "nlb1 active all along" kstate_is nlb1 active

kill -TERM "${PID[1]}" "${PID[2]}"
ktap_check "nlb1 exits with status 0" wait "${PID[1]}"
ktap_check "nlb2 exits with status 0" wait "${PID[2]}"
ktap_check "no sanitizer report in the daemons' logs" \
	sh -c "! grep -q 'AddressSanitizer\|runtime error' $D/nlb1.log $D/nlb2.log"
ktap_check "kernel log clean" dmesg_clean
if [ "$KTAP_FAIL" -gt 0 ]; then
	for n in nlb1 nlb2; do sed "s/^/# $n: /" "$D/$n.log" | tail -n 80; done
fi
ktap_finished
