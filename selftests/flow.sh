#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The flow table on the wire: 30 UDP flows (one datagram each, 30 source
# ports) over srv1..3 weights 1:1:1 are listed by `nlbs-genl flow show` with
# the server each reached; after a drastic weight change (1:0:5; weight 0
# drains) the same flows all reach their first server again (Maglev alone
# would move every flow of srv2) while new flows follow the new weights
# (none to srv2); deleting srv1 moves its flows to the others (none lost,
# the rest stay) and drops its entries; with flow_timeout 1 the table
# empties (GC every second). flow_timeout is restored at the end.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dp.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"

ktap_check "build the topology" topo_setup || ktap_finished
ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark flow

PARAM=/sys/module/nlbs/parameters/flow_timeout
TIMEOUT0=$(cat "$PARAM")
restore_timeout() {
	[ -w "$PARAM" ] && echo "$TIMEOUT0" >"$PARAM"
}
defer restore_timeout
N=30
SPORT=30000

setup_nlb() {
	dp_nlb 1 || return 1
	nlbs_genl_ns "$(dp_ns nlb1)" -b - <<-EOF || return 1
	service add $VIP udp 53
	server add $VIP udp 53 ${SRV_IPS[0]} weight 1
	server add $VIP udp 53 ${SRV_IPS[1]} weight 1
	server add $VIP udp 53 ${SRV_IPS[2]} weight 1
	EOF
	dp_state nlb1 active
}
ktap_check "nlb1 active: udp/53 over srv1..3 weights 1:1:1" setup_nlb ||
	ktap_finished

# none_lost OUT
none_lost() {
	local lost
	lost=$(awk '$2 < 0 { printf "%s ", $1 }' "$DP_TMP/$1")
	[ -z "$lost" ] && return 0
	log "lost (sport): $lost"
	return 1
}
# same A B: how many flows of B reached the same server as in A
same() {
	awk 'FILENAME == ARGV[1] { a[$1] = $2; next } a[$1] == $2 && $2 >= 0 { s++ }
		END { print s + 0 }' "$DP_TMP/$1" "$DP_TMP/$2"
}
# table OUT: nlb1's flow table as "sport server-index" lines (udp flows from
# the client to VIP:53; index -1: not one of srv1..3), sorted
table() {
	dp_genl nlb1 flow show >"$DP_TMP/$1.txt" || return 1
	awk -v c="$CLIENT_IP" -v v="$VIP:53" -v s0="${SRV_IPS[0]}" \
		-v s1="${SRV_IPS[1]}" -v s2="${SRV_IPS[2]}" '
		$1 == "flow" && $2 == "udp" && $4 == "->" && $5 == v &&
		$6 == "server" && $8 == "idle" && $10 == "ms" {
			split($3, a, ":")
			if (a[1] != c) next
			i = $7 == s0 ? 0 : $7 == s1 ? 1 : $7 == s2 ? 2 : -1
			print a[2], i
		}' "$DP_TMP/$1.txt" | sort -n >"$DP_TMP/$1"
}
# table_has MAP TABLE: every flow of MAP is in TABLE with MAP's server
table_has() {
	local missing
	missing=$(awk 'FILENAME == ARGV[1] { t[$1] = $2; next }
		!($1 in t) || t[$1] != $2 { printf "%s(%s/%s) ", $1, $2, t[$1] }' \
		"$DP_TMP/$2" "$DP_TMP/$1")
	[ -z "$missing" ] && return 0
	log "not in the flow table as sent (sport(sent/listed)): $missing"
	sed 's/^/# /' "$DP_TMP/$2.txt" | head -n 20
	return 1
}
# table_count TABLE: flows listed, all protocols
table_count() {
	dp_genl nlb1 flow show | grep -c '^flow '
}
table_empty() {
	[ "$(table_count)" = 0 ]
}

# ---- 30 flows, weights 1:1:1 ---------------------------------------------
ktap_check "$N flows through nlb1" dp_flows map1 $N $SPORT
read -r A1 A2 A3 AL <<<"$(dp_per_server map1)"
log "weights 1:1:1: srv1 $A1 srv2 $A2 srv3 $A3 lost $AL"
ktap_check "no flow lost" none_lost map1
# The weight-0 step below moves srv2's flows unless the table keeps them.
ktap_check "srv2 got some of them ($A2)" test "$A2" -gt 0
ktap_check "flow show lists them" table t1
ktap_check "flow show: $N flows in all" test "$(table_count)" = $N
# client addresses and ports: the dump needs CAP_NET_ADMIN
flow_eperm() {
	local err
	err=$(ip netns exec "$nlb1" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all "$NLBS_GENL" flow show 2>&1) && { log "nobody dumped: $err"; return 1; }
	grep -q "Operation not permitted" <<<"$err" || { log "got: $err"; return 1; }
}
ktap_check "flow show as nobody: Operation not permitted" flow_eperm
ktap_check "flow show: each with the server it reached" table_has map1 t1
json_ok() {
	dp_genl nlb1 -j flow show | /usr/bin/python3 -c '
import json, sys
fl = json.load(sys.stdin)
keys = {"proto", "saddr", "sport", "daddr", "dport", "server", "idle_ms"}
assert len(fl) == int(sys.argv[1]), len(fl)
for f in fl:
    assert set(f) == keys, f
    assert f["proto"] == "udp" and f["saddr"] == sys.argv[2], f
    assert f["daddr"] == sys.argv[3] and f["dport"] == 53, f
    assert f["idle_ms"] < 600000, f
' $N "$CLIENT_IP" "$VIP"
}
ktap_check "flow show -j: $N objects with the documented keys" json_ok

# ---- weights 1:0:5 ---------------------------------------------------------
reweight() {
	nlbs_genl_ns "$(dp_ns nlb1)" -b - <<-EOF
	server set $VIP udp 53 ${SRV_IPS[1]} weight 0
	server set $VIP udp 53 ${SRV_IPS[2]} weight 5
	EOF
}
ktap_check "weights 1:0:5 (srv2 drained)" reweight
ktap_check "the same $N flows again" dp_flows map2 $N $SPORT
S=$(same map1 map2)
ktap_check "known flows: $S of $N on their first server (all)" test "$S" = $N
ktap_check "flow show: still their first server" table t2
ktap_check "flow show: each as before" table_has map1 t2
ktap_check "60 new flows" dp_flows map3 60 $((SPORT + 1000))
read -r B1 B2 B3 BL <<<"$(dp_per_server map3)"
log "new flows, weights 1:0:5: srv1 $B1 srv2 $B2 srv3 $B3 lost $BL (expected 10 0 50 0)"
ktap_check "new flows: none lost" none_lost map3
ktap_check "new flows: none to srv2 (weight 0)" test "$B2" = 0
ktap_check "new flows: srv3 (weight 5) $B3 > srv1 (weight 1) $B1" test "$B3" -gt "$B1"
ktap_check "flow show: $((N + 60)) flows" test "$(table_count)" = $((N + 60))

# ---- delete srv1 -----------------------------------------------------------
# no_srv1_flow TABLE: TABLE lists no flow on srv1
no_srv1_flow() {
	table "$1" && awk '$2 == 0 { exit 1 }' "$DP_TMP/$1"
}
ktap_check "delete srv1" dp_genl nlb1 server del "$VIP" udp 53 "${SRV_IPS[0]}"
ktap_check "its flows leave the table (GC)" busywait 5000 no_srv1_flow t4
ktap_check "the first $N flows again" dp_flows map4 $N $SPORT
moved() {
	local bad
	bad=$(awk 'FILENAME == ARGV[1] { a[$1] = $2; next }
		a[$1] == 0 && ($2 < 1 || $2 > 2) { printf "%s->%s ", $1, $2 }
		a[$1] > 0 && a[$1] != $2 { printf "%s:%s->%s ", $1, a[$1], $2 }' \
		"$DP_TMP/map1" "$DP_TMP/map4")
	[ -z "$bad" ] && return 0
	log "sport:from->to: $bad"
	return 1
}
ktap_check "srv1's $A1 flows moved to srv2/srv3, the others stayed" moved
ktap_check "none lost" none_lost map4
ktap_check "flow show: none on srv1" no_srv1_flow t5
ktap_check "flow show: each where it went" table_has map4 t5

# ---- flow_timeout ------------------------------------------------------------
set_timeout() {
	echo "$1" >"$PARAM" && [ "$(cat "$PARAM")" = "$1" ]
}
ktap_check "flow_timeout 1" set_timeout 1
ktap_check "the table empties" busywait 10000 table_empty
ktap_check "flow_timeout back to $TIMEOUT0" set_timeout "$TIMEOUT0"

# ---- a flow follows a more specific service added later -------------------
# Flows to VIP:54 match the whole-VIP service (srv3 only) and are learned;
# once "VIP udp 54" (srv1 only) exists they must go to srv1, not stay on a
# server of the service they no longer match.
all_on() {
	[ -z "$(awk -v i="$2" '$2 != i' "$DP_TMP/$1")" ]
}
add_whole() {
	dp_genl nlb1 service add "$VIP" &&
		dp_genl nlb1 server add "$VIP" "${SRV_IPS[2]}"
}
add_54() {
	dp_genl nlb1 service add "$VIP" udp 54 &&
		dp_genl nlb1 server add "$VIP" udp 54 "${SRV_IPS[0]}"
}
flows54_on() {
	dp_flows "$1" 5 45000 54 && all_on "$1" "$2"
}
ktap_check "whole-VIP service with srv3" add_whole
ktap_check "5 flows to port 54 reach srv3" flows54_on m54a 2
ktap_check "service $VIP udp 54 with srv1" add_54
ktap_check "the same 5 flows now reach srv1" flows54_on m54b 0

# ---- a TCP SYN on a reused port is a new connection -------------------------
# A client may reuse a source port as soon as the server closed the previous
# connection. Its SYN must get a fresh choice, not follow the old entry onto a
# drained server; packets of established flows stay where they were.
tcp_send() { # SPORT FLAGS (S: SYN, A: ACK), to VIP:80, raw from the client
	ip netns exec "$client" /usr/bin/python3 - "$VIP" "$1" "$2" <<-'PY'
	import socket, struct, sys
	dst, sport, flag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
	flags = 0x02 if flag == 'S' else 0x10
	hdr = struct.pack('!HHIIBBHHH', sport, 80, 1, 0 if flag == 'S' else 1,
	                  5 << 4, flags, 64240, 0, 0)
	s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
	s.sendto(hdr, (dst, 0))
	PY
}
# tcp_server SPORT: the server nlb1's flow table holds for client:SPORT -> VIP:80
tcp_server() {
	dp_genl nlb1 flow show | awk -v k="$CLIENT_IP:$1" -v v="$VIP:80" \
		'$1 == "flow" && $2 == "tcp" && $3 == k && $5 == v { print $7 }'
}
tcp_listed() {
	local p
	for p in $(seq 46000 46009); do
		[ -n "$(tcp_server "$p")" ] || return 1
	done
}
add_tcp80() {
	dp_genl nlb1 service add "$VIP" tcp 80 || return 1
	for s in 0 1 2; do
		dp_genl nlb1 server add "$VIP" tcp 80 "${SRV_IPS[s]}" || return 1
	done
}
ack_all() {
	local p
	for p in $(seq 46000 46009); do
		tcp_send "$p" A || return 1
	done
}
ktap_check "service $VIP tcp 80 over srv1..3" add_tcp80
ktap_check "10 TCP flows from ports 46000.. (ACK)" ack_all
ktap_check "all 10 in the flow table" busywait 5000 tcp_listed
P=46000
S=$(tcp_server $P)
for p in $(seq 46000 46009); do
	[ "$(tcp_server "$p")" = "$S" ] || OTHER=$p
done
OTHER_S=$(tcp_server "${OTHER:-46001}")
log "flow $P on $S; flow ${OTHER:-none} on $OTHER_S"
ktap_check "flow $P tracked on a server" test -n "$S"
ktap_check "drain $S (weight 0)" dp_genl nlb1 server set "$VIP" tcp 80 "$S" weight 0
ack_all
ktap_check "ACK on flow $P: still on the drained $S" test "$(tcp_server $P)" = "$S"
tcp_send $P S
moved_off() {
	[ -n "$(tcp_server $P)" ] && [ "$(tcp_server $P)" != "$S" ]
}
ktap_check "SYN on port $P again: a new connection, off the drained $S" \
	busywait 5000 moved_off
ktap_check "flow ${OTHER:-?} untouched" test "$(tcp_server "${OTHER:-46001}")" = "$OTHER_S"

ktap_check "kernel log clean" dmesg_clean
ktap_check "unload the module" nlbs_unload

ktap_finished
