#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A SYN flood: nlb1 active with a small flow table (flow-max 2048,
# flow-timeout-syn 3 s), service VIP tcp 7000 over srv1..3 (echo servers).
# Spoofed SYNs from random sources in 198.18.0.0/15 and random ports, sent
# from fw1 straight to nlb1's access MAC as fast as the guest manages, for 15
# s (NLBS_LONG=1: 60 s) or as long as the checks during the flood take; the servers drop them at ingress (tc), so the VM's
# time goes to the flood and the NLB. Asserted:
#   - 5 connections established before the flood answer during and after it,
#     and keep their entries (established entries are never evicted)
#   - 10 new connections opened during the flood succeed and answer
#   - the table never holds more than flow-max entries; flow-skip-flood (or
#     -full) counted the SYNs not entered; the SYN-only entries expire after
#     flow-timeout-syn once the flood stops
#   - the kernel log stays clean
# The rate achieved (sent by the flooder, received by nlb1) is printed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dp.sh"
. "$(dirname "$0")/lib_conn.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"
command -v python3 >/dev/null || ktap_skip_all "python3 missing"

PORT=7000
FLOW_MAX=2048
SYN_TIMEOUT=3
SECS=15
[ "${NLBS_LONG:-0}" = 1 ] && SECS=60
OLD=5 NEW=10
T0=$(date +%s)

ktap_check "build the topology" topo_setup --nlbs 1 || ktap_finished
ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark flood

start_servers() {
	local i ns
	for i in 1 2 3; do
		ns=$(dp_ns "srv$i")
		conn_server "$ns" "$VIP" $PORT "srv$i" || return 1
	done
	for i in 1 2 3; do
		busywait 60000 conn_listening "$(dp_ns "srv$i")" $PORT || return 1
	done
}
ktap_check "echo servers on $VIP:$PORT in srv1..3" start_servers || ktap_finished
# The servers drop the flood at ingress: without it each spoofed SYN costs a
# SYN-ACK and an ICMP error at fw1 (no route to 198.18/15), and the guest's
# time goes there instead of to the NLB.
srv_drop() {
	local i ns
	for i in 1 2 3; do
		ns=$(dp_ns "srv$i")
		tc -n "$ns" qdisc add dev eth0 clsact &&
			tc -n "$ns" filter add dev eth0 ingress protocol ip flower \
				src_ip 198.18.0.0/15 action drop || return 1
	done
}
srv_drop || log "tc flower drop on the servers failed: they answer the flood"

setup_nlb() {
	dp_nlb 1 flow-max $FLOW_MAX flow-timeout-syn $SYN_TIMEOUT || return 1
	nlbs_genl_ns "$nlb1" -b - <<-EOF || return 1
	service add $VIP tcp $PORT
	server add $VIP tcp $PORT ${SRV_IPS[0]}
	server add $VIP tcp $PORT ${SRV_IPS[1]}
	server add $VIP tcp $PORT ${SRV_IPS[2]}
	EOF
	dp_state nlb1 active
}
ktap_check "nlb1 active: flow-max $FLOW_MAX flow-timeout-syn $SYN_TIMEOUT, tcp $PORT over srv1..3" \
	setup_nlb || ktap_finished
config_json() {
	dp_genl nlb1 -j config show |
		jq -e ".flow_max == $FLOW_MAX and .flow_timeout_syn == $SYN_TIMEOUT" >/dev/null
}
ktap_check "config show -j: flow_max $FLOW_MAX, flow_timeout_syn $SYN_TIMEOUT" config_json

conn_client old "$client" "$VIP" $PORT
ktap_check "$OLD connections established" conn_open old $OLD 30
ktap_check "they answer" conn_all_alive old
log "before the flood: $OLD connections on $(conn_per_server old)"
# client_entries: flow table entries of the client's connections
client_entries() {
	dp_genl nlb1 flow show "$VIP" tcp $PORT | grep -c " $CLIENT_IP:"
}
ktap_check "their $OLD entries in the flow table" test "$(client_entries)" = $OLD

# ---- the flood ----------------------------------------------------------------
flood_build
log "flooder: $([ "$FLOOD_PY" = 0 ] && echo "C, sendmmsg" || echo "python (no gcc)")"
dp_snap S0 nlb1
MAC=$(dp_mac nlb1 acc)
# at least SECS, and until the checks below are done (a slow guest)
flood_start "$CONN_TMP/flood.out" "$fw1" acc "$MAC" "$VIP" $PORT $((SECS + 300)) 198.18
FLOOD=$FLOOD_PID
TF=$(date +%s%3N)
MAXF=0
# flows_ok: the gauge within flow-max (and the highest seen in MAXF)
flows_ok() {
	local f
	f=$(dp_stat nlb1 flows) || return 1
	[ "$f" -gt "$MAXF" ] && MAXF=$f
	[ "$f" -le $FLOW_MAX ] || { log "flows $f > flow-max $FLOW_MAX"; return 1; }
}
flood_mode() {
	flows_ok && [ "$(dp_stat nlb1 flows)" -ge $((FLOW_MAX * 3 / 4)) ]
}
# Filling 3/4 of the table takes SYN_TIMEOUT x rate >= 3/4 FLOW_MAX: a slow
# guest (the debug kernel: ~70 SYN/s) gets a SYN timeout long enough at a
# quarter of the rate measured over the flood's first 4 s (the guest slows
# down as the flood goes on: to 1/3 on the debug kernel, 1/5 on a busy host).
R0=$(dp_stat nlb1 rx)
sleep 4
RATE=$(( ($(dp_stat nlb1 rx) - R0) / 4 ))
FILL_S=$SECS
if [ $((RATE * SYN_TIMEOUT)) -lt $((FLOW_MAX * 3)) ]; then
	SYN_TIMEOUT=$(( (FLOW_MAX * 3 + RATE) / (RATE > 0 ? RATE : 1) ))
	[ $SYN_TIMEOUT -gt 120 ] && SYN_TIMEOUT=120
	log "$RATE SYN/s reach nlb1: flow-timeout-syn $SYN_TIMEOUT s"
	dp_genl nlb1 config set flow-timeout-syn $SYN_TIMEOUT
	[ $SYN_TIMEOUT -gt $FILL_S ] && FILL_S=$SYN_TIMEOUT
fi
if [ $((RATE * SYN_TIMEOUT * 4)) -ge $((FLOW_MAX * 3)) ]; then
	ktap_check "the flood fills the table to 3/4 of flow-max (flood mode)" \
		busywait $((FILL_S * 1000)) flood_mode
else
	ktap_skip "the flood fills the table to 3/4 of flow-max (flood mode)" \
		"$RATE SYN/s reach nlb1: too few to fill it"
fi
log "table at $(dp_stat nlb1 flows) entries $(( $(date +%s%3N) - TF )) ms into the flood"
ktap_check "during the flood: the $OLD old connections answer" conn_all_alive old 20
conn_client new "$client" "$VIP" $PORT
ktap_check "during the flood: $NEW new connections open and answer" conn_open new $NEW 30
log "new connections on $(conn_round new 20 && conn_per_server new)"
ktap_check "during the flood: the table within flow-max" flows_ok
still_flooding() { kill -0 "$FLOOD" 2>/dev/null; }
ktap_check "the flooder ran all along" still_flooding
while [ $(( $(date +%s%3N) - TF )) -lt $((SECS * 1000)) ] && still_flooding; do
	flows_ok
	sleep 1
done
kill -INT "$FLOOD"
wait "$FLOOD"
dp_snap S1 nlb1
read -r _ SENT _ FS <<<"$(cat "$CONN_TMP/flood.out")"
log "flood: $(cat "$CONN_TMP/flood.out")"
RX=$(( ${S1[rx]} - ${S0[rx]} ))
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }'; }
log "flood rate: $(rate "${SENT:-0}" "${FS:-1}") SYN/s sent, $(rate "$RX" "${FS:-1}") packets/s received by nlb1 ($RX in ${FS:-?} s)"
log "counter deltas: $(for k in flows flow-new flow-skip-flood flow-skip-full flow-skip-nomem forwarded drop-xmit; do
	printf '%s %s ' "$k" "$(( ${S1[$k]:-0} - ${S0[$k]:-0} ))"; done)"
ktap_check "the flood reached nlb1 (rx +$RX)" test "$RX" -gt 1000
ktap_check "the table stayed within flow-max (highest seen $MAXF)" flows_ok
SKIP=$(( ${S1[flow-skip-flood]:-0} + ${S1[flow-skip-full]:-0} ))
ktap_check "SYNs not entered were counted: flow-skip-flood ${S1[flow-skip-flood]:-?} + flow-skip-full ${S1[flow-skip-full]:-?} > 0" \
	test "$SKIP" -gt 0
ktap_check "after the flood: the old connections answer" conn_all_alive old 20
ktap_check "after the flood: the new connections answer" conn_all_alive new 20
ktap_check "all $((OLD + NEW)) client connections in the flow table" test "$(client_entries)" = $((OLD + NEW))
drained() {
	[ "$(dp_stat nlb1 flows)" -le $((OLD + NEW + 5)) ]
}
ktap_check "SYN-only entries expire after flow-timeout-syn ($SYN_TIMEOUT s)" \
	busywait $(( (SYN_TIMEOUT + 10) * 1000 )) drained
log "flows after the flood: $(dp_stat nlb1 flows)"
ktap_check "the client's entries are still there" test "$(client_entries)" = $((OLD + NEW))
ktap_check "a new connection after the flood" conn_open new 1 20
# the size of a flow entry (at most 128 bytes); SLUB may have merged
# the cache with another of its size, object_size is still the slot's
SLAB=/sys/kernel/slab/nlbs_flow
if [ -r "$SLAB/object_size" ]; then
	OBJ=$(<"$SLAB/object_size")
	log "flow entry: object_size $OBJ bytes, slab_size $(<"$SLAB/slab_size") (cache $(basename "$(readlink -f "$SLAB")"))"
	ktap_check "a flow entry takes at most 128 bytes (slab object size $OBJ)" test "$OBJ" -le 128
else
	ktap_skip "a flow entry takes at most 128 bytes" "no $SLAB (SLUB sysfs)"
fi
conn_stop old
conn_stop new
ktap_check "kernel log clean" dmesg_clean
ktap_check "unload the module" nlbs_unload
log "flood took $(($(date +%s) - T0)) s"
ktap_finished
