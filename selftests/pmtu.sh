#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The rest of a connection's life: ICMP errors and MTUs.
#   - Path MTU discovery through the balancer: fw1's client leg has MTU 1280,
#     the client's 1500 (its SYN offers MSS 1460). A server's 1460-byte
#     segments with DF cannot leave fw1 towards the client: fw1 sends "frag
#     needed, MTU 1280" to their source, the VIP, which it routes to the
#     active NLB; nlb1 must steer it to the server of the quoted flow, or the
#     transfer stalls (direct server return: the NLB never sees the replies).
#     A 1 MB HTTP download (lighttpd on srv1..3, curl on the client) completes
#     and is intact, icmp-forwarded counted it, the server caches MTU 1280.
#   - Other ICMP errors (time exceeded, port unreachable) addressed to the VIP
#     go to the server of the flow they quote: two flows imported with `flow
#     add` onto chosen servers, one error each, counted by the servers' ICMP
#     statistics (srv1 gets neither).
#   - A frame longer than the server device's MTU is dropped and counted
#     (drop-toobig), never sent (forwarded and per-server counters); a
#     shorter one passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dp.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"
for t in lighttpd curl python3; do
	command -v $t >/dev/null || ktap_skip_all "$t missing (selftests/vm/deps.sh)"
done
T0=$(date +%s)

ktap_check "build the topology" topo_setup --nlbs 1 || ktap_finished
ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark pmtu

setup_nlb() {
	dp_nlb 1 || return 1
	nlbs_genl_ns "$nlb1" -b - <<-EOF || return 1
	service add $VIP tcp 80
	server add $VIP tcp 80 ${SRV_IPS[0]}
	server add $VIP tcp 80 ${SRV_IPS[1]}
	server add $VIP tcp 80 ${SRV_IPS[2]}
	service add $VIP udp 5000
	server add $VIP udp 5000 ${SRV_IPS[0]}
	EOF
	dp_state nlb1 active
}
ktap_check "nlb1 active: tcp 80 over srv1..3, udp 5000 to srv1" setup_nlb || ktap_finished

# ---- drop-toobig ---------------------------------------------------------------
# datagrams from fw1 (its access leg has MTU 1500): IP length 28 + LEN;
# "never sent": the forwarded and per-server packet counters stay
toobig() {
	local before fwd pk
	ip -n "$nlb1" link set srv mtu 1400 || return 1
	before=$(dp_stat nlb1 drop-toobig) fwd=$(dp_stat nlb1 forwarded)
	pk=$(dp_srv_pkts nlb1 "${SRV_IPS[0]}" "$VIP udp 5000")
	dp_py udp "$fw1" "$VIP" 5000 1 40000 0 1420 || return 1	# 1448 bytes
	busywait 5000 dp_stat_ge nlb1 drop-toobig $((before + 1)) ||
		{ log "drop-toobig $(dp_stat nlb1 drop-toobig), was $before"; return 1; }
	dp_expect_delta nlb1 forwarded "$fwd" 0 || return 1
	[ "$(dp_srv_pkts nlb1 "${SRV_IPS[0]}" "$VIP udp 5000")" = "$pk" ] || return 1
	dp_py udp "$fw1" "$VIP" 5000 1 40001 0 1300 || return 1	# 1328 bytes
	busywait 5000 dp_stat_ge nlb1 forwarded $((fwd + 1)) || return 1
	[ "$(dp_srv_pkts nlb1 "${SRV_IPS[0]}" "$VIP udp 5000")" = $((pk + 1)) ] &&
		dp_expect_delta nlb1 drop-toobig "$before" 1
}
ktap_check "server leg MTU 1400: a 1448-byte datagram dropped (drop-toobig), a 1328-byte one forwarded" toobig
ktap_check "server leg MTU back to 1500" ip -n "$nlb1" link set srv mtu 1500

# ---- other ICMP errors follow the quoted flow -------------------------------------
# flow add: two flows onto srv2 and srv3
import_flows() {
	dp_genl nlb1 flow add "$VIP" tcp 80 client "$CLIENT_IP" sport 50002 server "${SRV_IPS[1]}" &&
		dp_genl nlb1 flow add "$VIP" tcp 80 client "$CLIENT_IP" sport 50003 server "${SRV_IPS[2]}" &&
		dp_genl nlb1 flow show "$VIP" tcp 80 | grep -q "$CLIENT_IP:50002 .* server ${SRV_IPS[1]} " &&
		dp_genl nlb1 flow show "$VIP" tcp 80 | grep -q "$CLIENT_IP:50003 .* server ${SRV_IPS[2]} "
}
ktap_check "flow add: client:50002 -> srv2, client:50003 -> srv3" import_flows
# icmp_err TYPE CODE SPORT: from fw1 to the VIP, quoting the server's segment
# VIP:80 -> client:SPORT
icmp_err() {
	ip netns exec "$fw1" /usr/bin/python3 -S - "$VIP" "$CLIENT_IP" "$@" <<-'PY'
	import socket, struct, sys
	vip, cl, typ, code, sport = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
	def csum(b):
	    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
	    while s >> 16:
	        s = (s & 0xffff) + (s >> 16)
	    return (~s) & 0xffff
	ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 60, 1, 0x4000, 1, 6, 0,
	                 socket.inet_aton(vip), socket.inet_aton(cl))
	ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
	inner = ip + struct.pack('!HHI', 80, sport, 12345)
	msg = struct.pack('!BBHI', typ, code, 0, 0) + inner
	msg = msg[:2] + struct.pack('!H', csum(msg)) + msg[4:]
	s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
	s.sendto(msg, (vip, 0))
	PY
}
# icmp_in NODE: "InDestUnreachs InTimeExcds" of NODE's ICMP counters
icmp_in() {
	ip netns exec "$(dp_ns "$1")" cat /proc/net/snmp | awk '
		$1 == "Icmp:" && !h { for (i = 2; i <= NF; i++) k[$i] = i; h = 1; next }
		$1 == "Icmp:" { print $k["InDestUnreachs"], $k["InTimeExcds"] }'
}
# got NODE BEFORE UNREACH TIMEX: NODE's counters moved by that much
got() {
	local u t u0 t0
	read -r u t <<<"$(icmp_in "$1")"
	read -r u0 t0 <<<"$2"
	[ $((u - u0)) = "$3" ] && [ $((t - t0)) = "$4" ]
}
steered() {
	local before c2 c3
	c2=$(icmp_in srv2) c3=$(icmp_in srv3)
	before=$(dp_stat nlb1 icmp-forwarded)
	icmp_err 11 0 50002 && icmp_err 3 3 50003 || return 1
	busywait 5000 got srv2 "$c2" 0 1 && busywait 5000 got srv3 "$c3" 1 0 ||
		{ log "srv2 $(icmp_in srv2) (was $c2), srv3 $(icmp_in srv3) (was $c3)"; return 1; }
	got srv1 "$C1" 0 0 && dp_expect_delta nlb1 icmp-forwarded "$before" 2
}
C1=$(icmp_in srv1)
ktap_check "time exceeded quoting :50002 reaches srv2, port unreachable quoting :50003 reaches srv3" steered
ktap_check "flow flush $VIP tcp 80" dp_genl nlb1 flow flush "$VIP" tcp 80
ktap_check "flow show: none left" test -z "$(dp_genl nlb1 flow show "$VIP" tcp 80)"

# ---- PMTU discovery ---------------------------------------------------------------
WWW=$DP_TMP/www
mkdir -p "$WWW"
head -c 1048576 /dev/urandom >"$WWW/big"
SUM=$(md5sum <"$WWW/big" | cut -d' ' -f1)
http_start() {
	local i ns
	for i in 1 2 3; do
		ns=$(dp_ns "srv$i")
		cat >"$DP_TMP/lighttpd$i.conf" <<-EOC
		server.document-root = "$WWW"
		server.bind = "$VIP"
		server.port = 80
		server.pid-file = "$DP_TMP/lighttpd$i.pid"
		server.errorlog = "$DP_TMP/lighttpd$i.err"
		mimetype.assign = ( "" => "application/octet-stream" )
		EOC
		ip netns exec "$ns" lighttpd -D -f "$DP_TMP/lighttpd$i.conf" >/dev/null 2>&1 &
		defer kill "$!"
	done
	for i in 1 2 3; do
		busywait 20000 ip netns exec "$(dp_ns "srv$i")" ss -Hltn "sport = :80" | grep -q LISTEN ||
			return 1
	done
}
ktap_check "lighttpd on $VIP:80 in srv1..3, a 1 MB file" http_start
ktap_check "fw1's client leg: MTU 1280" ip -n "$fw1" link set out mtu 1280
small_ok() { client curl -sf -m 10 -o /dev/null -r 0-99 "http://$VIP/big"; }
ktap_check "a small request through nlb1" busywait 20000 small_ok
before=$(dp_stat nlb1 icmp-forwarded)
download() {
	local t0 got
	t0=$(date +%s%3N)
	client curl -s -m 60 -o "$DP_TMP/got" "http://$VIP/big" || { log "curl failed ($?)"; return 1; }
	DL_MS=$(( $(date +%s%3N) - t0 ))
	got=$(md5sum <"$DP_TMP/got" | cut -d' ' -f1)
	[ "$got" = "$SUM" ] || { log "got $(stat -c %s "$DP_TMP/got") bytes, md5 $got"; return 1; }
}
ktap_check "1 MB download through MTU 1280 completes, intact" download
log "download took ${DL_MS:-?} ms; icmp-forwarded $(dp_stat nlb1 icmp-forwarded) (was $before)"
ktap_check "icmp-forwarded counted the frag-needed errors" dp_stat_ge nlb1 icmp-forwarded $((before + 1))
mtu_cached() {
	local i n=0
	for i in 1 2 3; do
		ip -n "$(dp_ns "srv$i")" route get "$CLIENT_IP" from "$VIP" | grep -q "mtu 1280" && n=$((n + 1))
	done
	[ "$n" -ge 1 ]
}
ktap_check "the server caches path MTU 1280 towards the client" mtu_cached
ktap_check "kernel log clean" dmesg_clean
ktap_check "unload the module" nlbs_unload
log "pmtu took $(($(date +%s) - T0)) s"
ktap_finished
