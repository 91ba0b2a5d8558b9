#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Dual-stack end to end with real peers (selftests/lib_e2e6.sh builds it):
# keepalived VRRPv3 for IPv4 and IPv6 on two firewalls, nlbsd + nlbs.ko on
# two NLBs with an IPv4 and an IPv6 service on port 80, lighttpd on three
# servers answering both families on the VIPs (on lo). Scenarios, one
# KTAP group each (heartbeats: an IPv4 path and an IPv6 one, both heard):
#   1. curl and ab over IPv6 and IPv4 answered by srv1..3 by weight 1:2:3;
#      IPv6 replies never cross the NLBs
#   2. only the active NLB answers neighbour solicitations for the IPv6
#      NLBS address
#   3. kill -9 of the active nlbsd: both families move to the peer, IPv6
#      and IPv4 keep-alive connections survive (IPv6 flows synced to the
#      peer beforehand); the daemon's return
#   4. a stopped server is drained by the IPv6 health check, and returns
# Timings are "# " diagnostics; pass/fail is on correctness.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_e2e.sh"
. "$(dirname "$0")/lib_e2e6.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"
[ -x "$NLBSD" ] || ktap_skip_all "$NLBSD not built (make)"
for t in keepalived lighttpd ab curl tcpdump python3 chrt; do
	command -v $t >/dev/null || ktap_skip_all "$t missing (selftests/vm/deps.sh)"
done

start=$(now_ms)
ktap_check "dual-stack topology, keepalived VRRPv3 for IPv4 and IPv6 on fw1/fw2 (fw1 master), lighttpd on both families on srv1..3" \
	e2e6_setup_net || { e2e_logs; ktap_finished; }
dmesg_mark e2e6
ktap_check "nlbsd on nlb1/nlb2 with $VIP and $VIP6 tcp 80: nlb1 active, nlb2 standby, weights 1:2:3 in both services" \
	e2e6_setup_nlbs || { e2e_logs; ktap_finished; }
log "set up in $(( ($(now_ms) - start) / 1000 )) s"
hb6_both() { e2e6_hb6 1 && e2e6_hb6 2; }
ktap_check "heartbeats over IPv6: both daemons hear each other on the second path (${NLB_ACC_IP6S[0]} <-> ${NLB_ACC_IP6S[1]})" \
	e2e_wait 10000 hb6_both

# ---- 1. both families balanced by weight, replies direct -----------------------
e2e6_direct_return() {
	[ "$CAP_REPLY" = 0 ] && [ "$CAP_IN" -ge "$1" ] && [ "$CAP_OUT" -ge "$1" ] &&
		[ "$CAP_SYNACK" -ge $(($1 / 2)) ]
}

scn_balance() {
	local n=$1 c=$2 fam k i mac port macs=""
	e2e_title "1. HTTP to $VIP6 and $VIP answered by srv1..3 in proportion to weights ${E2E_WEIGHTS[*]}"
	# client ports of their own per family: an IPv4 bind to 0.0.0.0:P
	# conflicts with the IPv6 connection just closed from [addr]:P (in
	# TIME_WAIT, not IPv6-only)
	for fam in 6 4; do
		for k in 1 2 3; do
			port=$((41000 + (fam == 4 ? 500 : 0) + k * 7))
			e2e_check "curl -$fam to the VIP (client port $port) answered by a server" \
				e2e6_curl $fam $port
		done
	done
	# IPv6 replies go from the servers to the firewall: captured on both
	# NLBs' legs (frames to or from the NLB only) and on fw1's server leg
	for i in 1 2; do
		for k in acc srv; do
			mac=$(mac_of "$([ $k = acc ] && echo "${NLB_ACC_IPS[i - 1]}" || echo "${NLB_SRV_IPS[i - 1]}")")
			e2e_cap_start "nlb$i-$k" nlb$i $k "ip6 host $VIP6 and (ether dst $mac or ether src $mac)"
		done
	done
	for i in 1 2 3; do macs="$macs${macs:+ or }ether src $(mac_of "${SRV_IPS[i - 1]}")"; done
	# a SYN-ACK: TCP (next header 6, no extension header), SYN set
	e2e_cap_start fw1-srv fw1 srv "ip6 and src host $VIP6 and ip6[6] == 6 and ip6[53] & 2 != 0"
	for k in nlb1-acc nlb1-srv nlb2-acc nlb2-srv fw1-srv; do
		e2e_check "tcpdump $k listens" e2e_wait 20000 e2e_cap_listening $k || return 1
	done
	e2e_check "ab over IPv6: $n requests on fresh connections, $c at a time, none failed" e2e6_ab 6 "$n" "$c"
	log "ab over IPv6: ${E2E_AB_RPS:-?} requests/s; answered by: $(e2e_dist_str)"
	e2e_check "IPv6: in proportion to the weights ${E2E_WEIGHTS[*]} (4 sigma)" e2e_dist_ok "${E2E_WEIGHTS[@]}"
	for i in 1 2; do for k in acc srv; do e2e_cap_stop "nlb$i-$k"; done; done
	e2e_cap_stop fw1-srv
	CAP_IN=$(e2e_cap_count nlb1-acc "dst host $VIP6")
	CAP_OUT=$(e2e_cap_count nlb1-srv "dst host $VIP6")
	CAP_REPLY=0
	for i in 1 2; do for k in acc srv; do
		CAP_REPLY=$((CAP_REPLY + $(e2e_cap_count "nlb$i-$k" "src host $VIP6")))
	done; done
	CAP_SYNACK=$(e2e_cap_count fw1-srv "$macs")
	log "IPv6 packets to $VIP6 through nlb1: $CAP_IN in, $CAP_OUT out; replies seen by the NLBs: $CAP_REPLY; SYN-ACKs from the servers at fw1: $CAP_SYNACK"
	e2e_check "IPv6 replies never cross the NLBs (client->server only through nlb1)" e2e6_direct_return "$n"
	e2e_check "ab over IPv4: $n requests, none failed" e2e6_ab 4 "$n" "$c"
	log "ab over IPv4: ${E2E_AB_RPS:-?} requests/s; answered by: $(e2e_dist_str)"
	e2e_check "IPv4: in proportion to the weights ${E2E_WEIGHTS[*]} (4 sigma)" e2e_dist_ok "${E2E_WEIGHTS[@]}"
}

# ---- 2. neighbour discovery of the IPv6 NLBS address ---------------------------
ns_only_active() {
	local a1 a2 s2
	a1=$(e2e_stat nlb1 ndp-adverts) && a2=$(e2e_stat nlb2 ndp-adverts) &&
		s2=$(e2e_stat nlb2 ndp-solicits) || return 1
	fw1 ip -6 neigh del "$NLBS_ADDR6" dev acc 2>/dev/null
	e2e6_curl 6 42001 || return 1
	e2e_wait 5000 e2e_stat_ge nlb1 ndp-adverts $((a1 + 1)) ||
		{ log "nlb1 ndp-adverts: $(e2e_stat nlb1 ndp-adverts), was $a1"; return 1; }
	e2e_wait 5000 e2e_stat_ge nlb2 ndp-solicits $((s2 + 1)) ||
		{ log "nlb2 did not see the solicitation: ndp-solicits $(e2e_stat nlb2 ndp-solicits), was $s2"; return 1; }
	[ "$(e2e_stat nlb2 ndp-adverts)" = "$a2" ] ||
		{ log "nlb2 (standby) advertised: ndp-adverts $(e2e_stat nlb2 ndp-adverts), was $a2"; return 1; }
	e2e6_neigh_is nlb1
}

scn_ndp() {
	e2e_title "2. neighbour discovery of $NLBS_ADDR6: the active NLB only"
	e2e_check "fw1 solicits $NLBS_ADDR6 anew: nlb1 (active) advertises, nlb2 (standby) sees it and stays silent; fw1 learns nlb1's MAC" \
		ns_only_active
}

# ---- 3. kill -9 of the active nlbsd: both families move --------------------------
both_ready() { e2e_hold h6 ready 3 && e2e_hold h4 ready 3; }
resumed_both() { e2e_hold h6 resumed "$1" && e2e_hold h4 resumed "$1"; }

survived() {
	e2e_report "$1" "$2" || return 1
	log "$1: ${R[survived]}/${R[conns]} connections survived, longest stall ${R[stall_ms]} ms, failed new requests ${R[new_fail]}${R[why]:+ (${R[why]})}"
	e2e_all_survived
}

scn_failover() {
	local conns=$1 t0 take
	e2e_title "3. kill -9 of nlb1's nlbsd: IPv6 and IPv4 move to nlb2, keep-alive connections survive"
	e2e6_hold_start h6 "$VIP6" "$conns" 1 200
	e2e6_hold_start h4 "$VIP" "$conns" 1 200
	e2e_check "$conns IPv6 and $conns IPv4 keep-alive connections answered through nlb1" \
		e2e_wait 30000 both_ready
	e2e_report h6 0 && log "IPv6 keep-alive connections on: ${R[on]}"
	e2e_check "flow sync: nlb2's kernel holds the $conns IPv6 connections, imported from nlb1" \
		e2e_wait 10000 e2e6_synced nlb2 "$conns"
	t0=$(now_ms)
	e2e_nlbsd_kill 1 9
	e2e_check "nlb2 takes over (active)" e2e_wait 15000 e2e_state_is nlb2 active
	take=$(ms_since "$t0")
	e2e_check "nlb1's kernel is no longer active (lease $((E2E_ADVERT * E2E_DEAD)) ms expired)" \
		e2e_wait 15000 e2e_state_not nlb1 active
	e2e_check "fw1's neighbour entry of $NLBS_ADDR6 moves to nlb2 (unsolicited advertisements)" \
		e2e_wait 10000 e2e6_neigh_is nlb2
	e2e_check "traffic resumes on every IPv6 connection" e2e_wait 30000 e2e_hold h6 resumed "$t0"
	e2e_check "traffic resumes on every IPv4 connection" e2e_wait 30000 e2e_hold h4 resumed "$t0"
	e2e_check "VIP traffic flows through nlb2" e2e_flows_through nlb2
	e2e_check "new IPv6 connections answered through nlb2" e2e6_curl 6 42002
	log "nlb2 active after ~$take ms (polled)"
	e2e_check "all $conns IPv6 keep-alive connections survived kill -9" survived h6 "$t0"
	e2e_check "all $conns IPv4 keep-alive connections survived kill -9" survived h4 "$t0"
	t0=$(now_ms)
	e2e_nlbsd_start 1
	e2e_check "restarted nlb1 (priority 200) preempts: active" e2e_wait 20000 e2e_state_is nlb1 active
	e2e_check "nlb2 standby" e2e_wait 10000 e2e_state_is nlb2 standby
	e2e_check "fw1's neighbour entry of $NLBS_ADDR6 back on nlb1" e2e_wait 10000 e2e6_neigh_is nlb1
	e2e_check "traffic resumes on every connection of both families" \
		e2e_wait 30000 resumed_both "$(now_ms)"
	e2e_check "all IPv6 connections survived the return of nlb1" survived h6 "$t0"
	e2e_check "all IPv4 connections survived the return of nlb1" survived h4 "$t0"
	e2e_hold_stop h6
	e2e_hold_stop h4
}

# ---- 4. the IPv6 health check drains a stopped server --------------------------
scn_drain() {
	local v w t0 t1 drain
	e2e_title "4. a server stopped under IPv6 load is drained by the IPv6 health check, and returns"
	e2e6_hold_start d6 "$VIP6" 9 1 200
	e2e_check "9 IPv6 keep-alive connections answered" e2e_wait 30000 e2e_hold d6 ready 3
	v=$(e2e_hold d6 busiest)
	v=${v#srv}
	[ -n "$v" ] || v=3
	w=${E2E_WEIGHTS[v - 1]}
	e2e_report d6 0 && log "IPv6 keep-alive connections on: ${R[on]}; stopping lighttpd on srv$v (weight $w)"
	t0=$(now_ms)
	e2e_http_stop "$v"
	e2e_check "srv$v (${SRV_IP6S[v - 1]}) drained in $VIP6 tcp 80: weight 0 on both NLBs" \
		e2e_wait $((E2E_FALL * E2E_CHECK_INT + E2E_CHECK_TO + 10000)) e2e6_weight_is "$v" 0
	drain=$(ms_since "$t0")
	t1=$(now_ms)
	log "drained after $drain ms: $(e2e_genl nlb1 server show "$VIP6" tcp 80 | grep -F "${SRV_IP6S[v - 1]} " | sed 's/^ *//')"
	e2e_check "IPv6 clients answered again on every connection" e2e_wait 30000 e2e_hold d6 resumed "$t1"
	e2e_check "new IPv6 connections keep being answered after the drain" \
		e2e_wait 15000 e2e_new_ok_ge d6 $(($(e2e_new_ok d6) + 10))
	e2e_report d6 "$t0" $((t1 + 500 * ${NLBS_TIMEOUT_SCALE:-1}))
	log "broken: ${R[broken]} (on: ${R[broken_on]:-none}); failed new requests ${R[new_fail]}, after the drain ${R[fail_after]}"
	e2e_check "only IPv6 connections on srv$v broke" e2e_only_broken_on "srv$v"
	e2e_check "no IPv6 failure after the drain" test "${R[fail_after]}" = 0
	e2e6_http_start "$v"
	e2e_check "srv$v back: weight $w in both services on both NLBs (rise $E2E_RISE)" \
		e2e_wait 15000 e2e6_both_weights_are "${E2E_WEIGHTS[@]}"
	e2e_hold_stop d6
}

scn_balance 300 6
scn_ndp
scn_failover 6
scn_drain

e2e_nlb1_sole_active() { [ "$(e2e_active)" = nlb1 ]; }
ktap_check "exactly one active NLB at the end, nlb1" e2e_wait 10000 e2e_nlb1_sole_active
ktap_check "no sanitizer report or crash in the daemons' logs" \
	sh -c "! grep -qE 'AddressSanitizer|runtime error|Segmentation' $E2E_TMP/nlb1.log $E2E_TMP/nlb2.log"
ktap_check "kernel log clean" dmesg_clean
e2e_transitions
log "e2e6 took $(( ($(now_ms) - start) / 1000 )) s"
[ "$KTAP_FAIL" -gt 0 ] && e2e_logs
ktap_finished
