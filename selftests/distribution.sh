#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Server choice on the wire: 3000 UDP flows (one datagram each, 3000 source
# ports) over weights 1:2:3 land within +-15% of 1/6, 2/6, 3/6 (counted by
# receivers on the servers, cross-checked with the per-server counters); a
# second NLB with the same configuration and seed sends every flow of a
# sample to the same server (and, as a control, with another seed it does
# not); a server with weight 0 gets no new flow.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dp.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"

ktap_check "build the topology" topo_setup || ktap_finished
ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark distribution

SEED=0x5eed1234
setup_nlbs() {
	local i
	for i in 1 2; do
		dp_nlb $i seed $SEED || return 1
		nlbs_genl_ns "$(dp_ns nlb$i)" -b - <<-EOF || return 1
		service add $VIP udp 53
		server add $VIP udp 53 ${SRV_IPS[0]} weight 1
		server add $VIP udp 53 ${SRV_IPS[1]} weight 2
		server add $VIP udp 53 ${SRV_IPS[2]} weight 3
		EOF
	done
	dp_state nlb1 active && dp_state nlb2 standby
}
ktap_check "nlb1 and nlb2: udp/53 over srv1..3 weights 1:2:3, same seed" setup_nlbs ||
	ktap_finished


# ---- 3000 flows, weights 1:2:3 --------------------------------------------
ktap_check "3000 flows through nlb1" dp_flows map1 3000 20000
read -r N1 N2 N3 LOST <<<"$(dp_per_server map1)"
log "srv1 $N1 srv2 $N2 srv3 $N3 lost $LOST (expected 500 1000 1500 0)"
ktap_check "no flow lost" test "$LOST" = 0
within() {
	local n=$1 want=$2
	# |n - want| <= 15% of want
	[ $((n * 100)) -ge $((want * 85)) ] && [ $((n * 100)) -le $((want * 115)) ]
}
ktap_check "srv1 (weight 1): $N1 within 500 +-15%" within "$N1" 500
ktap_check "srv2 (weight 2): $N2 within 1000 +-15%" within "$N2" 1000
ktap_check "srv3 (weight 3): $N3 within 1500 +-15%" within "$N3" 1500
counters_match() {
	[ "$(dp_srv_pkts nlb1 "${SRV_IPS[0]}")" = "$N1" ] &&
	[ "$(dp_srv_pkts nlb1 "${SRV_IPS[1]}")" = "$N2" ] &&
	[ "$(dp_srv_pkts nlb1 "${SRV_IPS[2]}")" = "$N3" ] &&
	[ "$(dp_stat nlb1 forwarded)" = 3000 ] ||
		{ dp_genl nlb1 stats | sed 's/^/# /'; return 1; }
}
ktap_check "nlb1's per-server packet counters agree" counters_match

# ---- the same flows through nlb2 ------------------------------------------
fw1_neigh_is() { [ "$(dp_neigh_mac fw1 acc "$NLBS_ADDR")" = "$1" ]; }
switch_to() {
	dp_state "$1" standby && dp_state "$2" active &&
	busywait 10000 fw1_neigh_is "$(dp_mac "$2" acc)"
}
# same A B: percentage of the flows in B that hit the same server as in A
same() {
	awk 'NR == FNR { a[$1] = $2; next } { n++; if (a[$1] == $2 && $2 >= 0) s++ }
		END { print int(s * 100 / n) }' "$DP_TMP/$1" "$DP_TMP/$2"
}
ktap_check "takeover: nlb2 active, fw1 follows its announcement" switch_to nlb1 nlb2
ktap_check "600 of the same flows through nlb2" dp_flows map2 600 20000
ktap_check "nlb2 forwarded them (not nlb1)" dp_stat_is nlb2 forwarded 600
P=$(same map1 map2)
ktap_check "same configuration and seed: $P% of the flows on the same server (100%)" test "$P" = 100

# Control: the comparison can fail. Another seed maps flows elsewhere, once
# nlb2's flow table (which keeps known flows where they went) has forgotten
# them: a 1 s flow_timeout, then back to the default.
FLOW_TIMEOUT=/sys/module/nlbs/parameters/flow_timeout
TIMEOUT0=$(cat "$FLOW_TIMEOUT")
no_flows() {
	[ -z "$(dp_genl nlb2 flow show)" ]
}
forget_flows() {
	echo 1 >"$FLOW_TIMEOUT" && busywait 10000 no_flows
	local rc=$?
	echo "$TIMEOUT0" >"$FLOW_TIMEOUT"
	return $rc
}
ktap_check "nlb2 forgets its flows (flow_timeout 1 s)" forget_flows
ktap_check "nlb2 seed 0x1" dp_genl nlb2 config set seed 0x1
ktap_check "600 of the same flows through nlb2, seed 0x1" dp_flows map3 600 20000
P3=$(same map1 map3)
ktap_check "another seed: $P3% on the same server (less than 90%)" test "$P3" -lt 90
ktap_check "nlb2 seed back to $SEED" dp_genl nlb2 config set seed $SEED

# ---- weight 0 ----------------------------------------------------------------
drain() {
	local before
	before=$(dp_srv_pkts nlb2 "${SRV_IPS[2]}") || return 1
	dp_genl nlb2 server set "$VIP" udp 53 "${SRV_IPS[2]}" weight 0 || return 1
	dp_flows map4 600 26000 || return 1
	read -r W1 W2 W3 WL <<<"$(dp_per_server map4)"
	log "weight 0 on srv3: srv1 $W1 srv2 $W2 srv3 $W3 lost $WL"
	[ "$W3" = 0 ] && [ "$WL" = 0 ] && [ "$W1" -gt 0 ] && [ "$W2" -gt 0 ] &&
	[ "$(dp_srv_pkts nlb2 "${SRV_IPS[2]}")" = "$before" ]
}
ktap_check "srv3 weight 0: none of 600 new flows, the others take them" drain

ktap_check "kernel log clean" dmesg_clean
ktap_check "unload the module" nlbs_unload

ktap_finished
