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
	dp_genl nlb1 -j flow show | /usr/bin/python3 -S -c '
import json, sys
fl = json.load(sys.stdin)
keys = {"proto", "saddr", "sport", "daddr", "dport", "server", "idle_ms"}
assert len(fl) == int(sys.argv[1]), len(fl)
for f in fl:
    assert keys <= set(f), f
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

# ---- filters, per-server counts, flush ------------------------------------------
# At this point srv2 (weight 0) and srv3 (weight 5) hold the flows.
# listed [FILTER...]: flow show with a filter, lines
listed() { dp_genl nlb1 flow show "$@" | grep -c '^flow '; }
# on_srv I [TABLE]: flows on srvI in TABLE (default: a new listing)
on_srv() {
	[ -n "${2:-}" ] || table tf >/dev/null || return 1
	awk -v i="$(($1 - 1))" '$2 == i' "$DP_TMP/${2:-tf}" | wc -l
}
# active_flows I: server show's active-flows of srvI (text and JSON agree)
active_flows() {
	local t j
	t=$(dp_genl nlb1 server show "$VIP" udp 53 |
		awk -v a="${SRV_IPS[$1 - 1]}" '$1 == "server" && $2 == a {
			for (i = 3; i < NF; i++) if ($i == "active-flows") print $(i + 1) }')
	j=$(dp_genl nlb1 -j server show "$VIP" udp 53 | jq -r --arg a "${SRV_IPS[$1 - 1]}" \
		'.[].server_list[] | select(.addr == $a) | "\(.active_flows) \(.new_flows)"')
	[ -n "$t" ] && [ "$t" = "${j% *}" ] || { log "active-flows: text '$t', json '$j'"; return 1; }
	echo "$t"
}
filters() {
	local n2 n3 a2 a3
	table tf || return 1
	n2=$(on_srv 2 tf) n3=$(on_srv 3 tf)
	log "srv2 $n2 flows, srv3 $n3 (flow show)"
	[ "$(listed "$VIP" udp 53 server "${SRV_IPS[1]}")" = "$n2" ] || { log "filter server srv2"; return 1; }
	[ "$(listed "$VIP" udp 53 server "${SRV_IPS[2]}")" = "$n3" ] || { log "filter server srv3"; return 1; }
	[ "$(listed "$VIP" udp 53)" = $((n2 + n3)) ] || { log "filter VIP udp 53"; return 1; }
	[ "$(listed "$VIP" udp 54)" = 0 ] || { log "filter VIP udp 54"; return 1; }
	[ "$(listed 192.0.2.1)" = 0 ] || { log "filter other VIP"; return 1; }
	a2=$(active_flows 2) && a3=$(active_flows 3) || return 1
	log "server show: active-flows srv2 $a2, srv3 $a3"
	[ "$a2" = "$n2" ] && [ "$a3" = "$n3" ]
}
ktap_check "flow show VIP udp 53 [server ADDR] lists each server's flows; server show active-flows agrees" filters
new_flows() {
	dp_genl nlb1 -j server show "$VIP" udp 53 | jq '[.[].server_list[].new_flows] | add'
}
NF0=$(new_flows)
# at least the flows Maglev placed on srv2 and srv3 (srv1's moved ones aside)
ktap_check "server show: new-flows of srv2 + srv3: $NF0 >= $((A2 + A3 + B3))" test "${NF0:-0}" -ge $((A2 + A3 + B3))

# ---- drain to zero: established flows keep their server --------------------
ktap_check "srv3 weight 0 too: no eligible server left" \
	dp_genl nlb1 server set "$VIP" udp 53 "${SRV_IPS[2]}" weight 0
NOSRV=$(dp_stat nlb1 drop-no-server)
ktap_check "the first $N flows again" dp_flows map5 $N $SPORT
ktap_check "all drained: every known flow still reaches its server" test "$(same map4 map5)" = $N
ktap_check "10 new flows" dp_flows map6 10 $((SPORT + 2000))
ktap_check "all drained: new flows go nowhere (all 10 lost)" test "$(dp_per_server map6)" = "0 0 0 10"
ktap_check "drop-no-server counted them" dp_expect_delta nlb1 drop-no-server "$NOSRV" 10
ktap_check "srv3 weight 5 again" dp_genl nlb1 server set "$VIP" udp 53 "${SRV_IPS[2]}" weight 5

flush_srv2() {
	local n3
	n3=$(on_srv 3)
	dp_genl nlb1 flow flush server "${SRV_IPS[1]}" || return 1
	table tf || return 1
	[ "$(on_srv 2 tf)" = 0 ] && [ "$(on_srv 3 tf)" = "$n3" ] && [ "$(active_flows 2)" = 0 ]
}
ktap_check "flow flush server srv2: its flows forgotten, srv3's kept" flush_srv2

# ---- flow_timeout ------------------------------------------------------------
set_timeout() {
	echo "$1" >"$PARAM" && [ "$(cat "$PARAM")" = "$1" ]
}
ktap_check "flow_timeout 1" set_timeout 1
ktap_check "the table empties" busywait 10000 table_empty
ktap_check "flow_timeout back to $TIMEOUT0" set_timeout "$TIMEOUT0"
# per namespace: config set flow-timeout-udp, shown by config show
timeouts_json() {
	local got
	got=$(dp_genl nlb1 -j config show |
		jq -c '[.flow_timeout_tcp, .flow_timeout_tcp_fin, .flow_timeout_udp, .flow_timeout_syn]')
	[ "$got" = "[$1,$2,$3,$4]" ] || { log "got $got"; return 1; }
}
ktap_check "config show -j: flow timeouts tcp $TIMEOUT0 (flow_timeout) tcp-fin 10 udp $TIMEOUT0 syn 10" \
	timeouts_json "$TIMEOUT0" 10 "$TIMEOUT0" 10
ktap_check "10 flows again" dp_flows map7 10 $((SPORT + 3000))
ktap_check "config set flow-timeout-udp 1 flow-timeout-tcp 7" dp_genl nlb1 config set flow-timeout-udp 1 flow-timeout-tcp 7
ktap_check "config show -j: the new timeouts" timeouts_json 7 10 1 10
ktap_check "the table empties (flow-timeout-udp 1)" busywait 10000 table_empty
ktap_check "config set flow-timeout-udp 300" dp_genl nlb1 config set flow-timeout-udp 300 flow-timeout-tcp 300
timeout_refused() {
	dp_genl nlb1 config set flow-timeout-udp 0 2>/dev/null && return 1
	dp_genl nlb1 config set flow-max 16777217 2>/dev/null && return 1
	return 0
}
ktap_check "flow-timeout-udp 0, flow-max 16777217: refused" timeout_refused

# ---- nodest drop: a removed server's flows are dropped until idle ----------
add_55() {
	dp_genl nlb1 service add "$VIP" udp 55 nodest drop || return 1
	for s in 0 1 2; do
		dp_genl nlb1 server add "$VIP" udp 55 "${SRV_IPS[s]}" || return 1
	done
}
ktap_check "service $VIP udp 55 nodest drop over srv1..3" add_55
ktap_check "30 flows to port 55" dp_flows m55a 30 48000 55
ktap_check "  none lost" none_lost m55a
read -r C1 C2 C3 _ <<<"$(dp_per_server m55a)"
log "port 55: srv1 $C1 srv2 $C2 srv3 $C3"
ND=$(dp_stat nlb1 drop-nodest)
ktap_check "delete srv1 from udp 55" dp_genl nlb1 server del "$VIP" udp 55 "${SRV_IPS[0]}"
ktap_check "the same 30 flows" dp_flows m55b 30 48000 55
nodest_dropped() {
	local bad
	bad=$(awk 'FILENAME == ARGV[1] { a[$1] = $2; next }
		a[$1] == 0 && $2 != -1 { printf "%s->%s ", $1, $2 }
		a[$1] > 0 && a[$1] != $2 { printf "%s:%s->%s ", $1, a[$1], $2 }' \
		"$DP_TMP/m55a" "$DP_TMP/m55b")
	[ -z "$bad" ] || { log "sport:from->to: $bad"; return 1; }
	dp_expect_delta nlb1 drop-nodest "$ND" "$C1"
}
ktap_check "srv1's $C1 flows dropped (drop-nodest), the others stay" nodest_dropped
# what becomes of a removed server's flows is decided when it is removed
ktap_check "service set ... nodest move" dp_genl nlb1 service set "$VIP" udp 55 nodest move
ktap_check "service show: nodest move" sh -c "$NLBS_GENL -n $nlb1 service show | grep -q '^service $VIP udp 55 .*nodest move'"
ktap_check "delete srv2 from udp 55" dp_genl nlb1 server del "$VIP" udp 55 "${SRV_IPS[1]}"
ktap_check "the same 30 flows" dp_flows m55c 30 48000 55
nodest_moved() {
	local bad
	bad=$(awk 'FILENAME == ARGV[1] { a[$1] = $2; next }
		a[$1] == 0 && $2 != -1 { printf "%s:srv1->%s ", $1, $2 }
		a[$1] > 0 && $2 != 2 { printf "%s:%s->%s ", $1, a[$1], $2 }' \
		"$DP_TMP/m55a" "$DP_TMP/m55c")
	[ -z "$bad" ] || { log "sport:from->to: $bad"; return 1; }
}
ktap_check "nodest move: srv2's flows move to srv3; srv1's (removed under drop) still dropped" nodest_moved
ktap_check "flow flush $VIP udp 55" dp_genl nlb1 flow flush "$VIP" udp 55
ktap_check "the same 30 flows" dp_flows m55d 30 48000 55
ktap_check "after the flush all 30 reach srv3" test "$(dp_per_server m55d)" = "0 0 30 0"

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
# tcp_send SPORT FLAG [SPORT FLAG...]: segments (FLAG S: SYN, A: ACK) to
# VIP:80, raw from the client, in this order (one python: TCG is slow)
tcp_send() {
	ip netns exec "$client" /usr/bin/python3 -S - "$VIP" "$@" <<-'PY'
	import socket, struct, sys, time
	dst, a = sys.argv[1], sys.argv[2:]
	s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
	for sport, flag in zip(a[0::2], a[1::2]):
	    flags = 0x02 if flag == 'S' else 0x10
	    hdr = struct.pack('!HHIIBBHHH', int(sport), 80, 1, 0 if flag == 'S' else 1,
	                      5 << 4, flags, 64240, 0, 0)
	    s.sendto(hdr, (dst, 0))
	    time.sleep(0.01)
	PY
}
# acks FIRST LAST: "FIRST A FIRST+1 A ..." for tcp_send
acks() { seq "$1" "$2" | sed 's/$/ A/'; }
# tcp_server SPORT: the server nlb1's flow table holds for client:SPORT -> VIP:80
tcp_server() {
	dp_genl nlb1 flow show | awk -v k="$CLIENT_IP:$1" -v v="$VIP:80" \
		'$1 == "flow" && $2 == "tcp" && $3 == k && $5 == v { print $7 }'
}
# range_listed FIRST LAST: client:FIRST..LAST -> VIP:80 all in the table
range_listed() {
	local n
	n=$(dp_genl nlb1 flow show | awk -v c="$CLIENT_IP" -v v="$VIP:80" -v f="$1" -v l="$2" '
		$1 == "flow" && $2 == "tcp" && $5 == v {
			split($3, a, ":"); if (a[1] == c && a[2] >= f && a[2] <= l) n++ }
		END { print n + 0 }')
	[ "$n" = $(($2 - $1 + 1)) ]
}
tcp_listed() { range_listed 46000 46009; }
add_tcp80() {
	dp_genl nlb1 service add "$VIP" tcp 80 || return 1
	for s in 0 1 2; do
		dp_genl nlb1 server add "$VIP" tcp 80 "${SRV_IPS[s]}" || return 1
	done
}
ack_all() { tcp_send $(acks 46000 46009); }
ktap_check "service $VIP tcp 80 over srv1..3" add_tcp80
ktap_check "10 TCP flows from ports 46000.. (ACK)" ack_all
ktap_check "all 10 in the flow table" busywait 5000 tcp_listed
P=46000
S=$(tcp_server $P)
OTHER=$(dp_genl nlb1 flow show | awk -v c="$CLIENT_IP" -v v="$VIP:80" -v s="$S" '
	$1 == "flow" && $2 == "tcp" && $5 == v && $7 != s {
		split($3, a, ":"); if (a[1] == c && a[2] >= 46000 && a[2] <= 46009) p = a[2] }
	END { print p }')
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

# ---- a SYN on a reused 5-tuple with the table full: one server ------------
# 20 flows (ACKs) in the table, flow-max set to half the entries there are:
# full, and stays full while older entries (of the tests above) expire.
# One flow's server Q_S is drained; a SYN on that flow, then two ACKs: all
# three (and the client's RST to the SYN-ACK) reach one server, not Q_S
# (never the SYN to one server and the rest of the connection to another).
ktap_check "$S weight 1 again" dp_genl nlb1 server set "$VIP" tcp 80 "$S" weight 1
ack_range() { tcp_send $(acks "$1" "$2"); }
ktap_check "20 TCP flows from ports 47000.. (ACK)" ack_range 47000 47019
ktap_check "all 20 in the flow table" busywait 5000 range_listed 47000 47019
Q=47000
Q_S=$(tcp_server $Q)
FULL=$(dp_stat nlb1 flows)
ktap_check "flow-max $((FULL / 2)) with $FULL flows: the table is full" \
	dp_genl nlb1 config set flow-max $((FULL / 2))
full_skips() {
	local before
	before=$(dp_stat nlb1 flow-skip-full)
	tcp_send 47100 A && busywait 5000 dp_stat_ge nlb1 flow-skip-full $((before + 1)) &&
		[ -z "$(tcp_server 47100)" ]
}
ktap_check "a new flow is not entered (flow-skip-full)" full_skips
ktap_check "drain $Q_S, the server of flow $Q" dp_genl nlb1 server set "$VIP" tcp 80 "$Q_S" weight 0
# pkts_tcp80: the per-server packet counters of tcp 80, srv1..3
pkts_tcp80() {
	local i
	for i in 0 1 2; do
		printf '%s ' "$(dp_srv_pkts nlb1 "${SRV_IPS[i]}" "$VIP tcp 80")"
	done
}
syn_full() {
	local b a i d got=""
	read -r -a b <<<"$(pkts_tcp80)"
	tcp_send $Q S $Q A $Q A || return 1
	sleep 1		# and the client's RST to the SYN-ACK, if it comes
	read -r -a a <<<"$(pkts_tcp80)"
	for i in 0 1 2; do
		d=$((a[i] - b[i]))
		[ "$d" -gt 0 ] && got="$got ${SRV_IPS[i]}:$d"
	done
	log "flow $Q was on $Q_S; SYN, ACK, ACK went to:$got"
	[ "$(wc -w <<<"$got")" = 1 ] && [ "${got##*:}" -ge 3 ] && [[ $got != *" $Q_S:"* ]]
}
ktap_check "SYN on port $Q with the table full: SYN and ACKs to one server, not the drained $Q_S" syn_full
ktap_check "flow show: $Q no longer on $Q_S" test "$(tcp_server $Q)" != "$Q_S"
ktap_check "the full table did not grow" test "$(dp_stat nlb1 flows)" -le "$FULL"
ktap_check "flow-max back to 262144" dp_genl nlb1 config set flow-max 262144

ktap_check "kernel log clean" dmesg_clean
ktap_check "unload the module" nlbs_unload

ktap_finished
