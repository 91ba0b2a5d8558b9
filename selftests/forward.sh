#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Forwarding on the wire: UDP and TCP from the client to the VIP go
# client -> fw1 -> active NLB -> server with only the Ethernet header
# rewritten (dst = server MAC, src = the NLB's server-leg MAC, the IP packet
# byte-identical to what fw1 sent, the payload identical end to end); replies
# go server -> fw1 -> client and never cross the NLB; a standby forwards
# nothing; non-VIP traffic to the NLB's MAC reaches its own stack; a static
# server MAC is used as given; the first packet to an unresolved server is
# queued, not lost.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dp.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"

ktap_check "build the topology" topo_setup || ktap_finished
ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark forward

MAC1=$(dp_mac nlb1 acc)
MAC2=$(dp_mac nlb2 acc)
NLB1_SRV_MAC=$(dp_mac nlb1 srv)
declare -A SRV_MAC
for s in 1 2 3; do SRV_MAC[$s]=$(dp_mac srv$s eth0); done

setup_nlbs() {
	local i s
	for i in 1 2; do
		dp_nlb $i || return 1
		nlbs_genl_ns "$(dp_ns nlb$i)" -b - <<-EOF || return 1
		service add $VIP udp 53
		server add $VIP udp 53 ${SRV_IPS[0]}
		server add $VIP udp 53 ${SRV_IPS[1]}
		server add $VIP udp 53 ${SRV_IPS[2]}
		service add $VIP tcp 80
		server add $VIP tcp 80 ${SRV_IPS[0]}
		server add $VIP tcp 80 ${SRV_IPS[1]}
		server add $VIP tcp 80 ${SRV_IPS[2]}
		service add $VIP udp 5353
		server add $VIP udp 5353 ${SRV_IPS[0]} mac ${SRV_MAC[2]}
		service add $VIP udp 54
		server add $VIP udp 54 ${SRV_IPS[2]}
		EOF
	done
	dp_state nlb1 active && dp_state nlb2 standby
}
ktap_check "nlb1 active, nlb2 standby, services udp/53 tcp/80 udp/5353 udp/54" setup_nlbs ||
	ktap_finished

# Counters of both NLBs before a step, as R_nlbN_<counter> (dashes as
# underscores), one nlbs-genl call each.
snap() {
	local n c
	for n in nlb1 nlb2; do
		dp_snap S "$n" || return 1
		for c in rx forwarded drop-inactive neigh-miss drop-malformed drop-no-server; do
			printf -v "R_${n}_${c//-/_}" '%s' "${S[$c]}"
		done
	done
}

# Captures: what fw1 sends to the VIP, what each server receives for the
# VIP, and VIP-sourced packets (replies) on nlb1's server leg.
caps_start() {
	local t=$1 f=$2 s
	cap_start "$t-fw" "$fw1" acc "dst host $VIP and $f" || return 1
	for s in 1 2 3; do
		cap_start "$t-srv$s" "$(dp_ns srv$s)" eth0 "dst host $VIP and $f" || return 1
	done
	cap_start "$t-reply" "$nlb1" srv "src host $VIP" || return 1
}
caps_stop() {
	local c
	for c in fw srv1 srv2 srv3 reply; do cap_stop "$1-$c"; done
}

# the server whose file holds data (exactly one)
which_server() {
	local s hit=""
	for s in 1 2 3; do
		[ -s "$DP_TMP/$1-srv$s.out" ] && hit="$hit$s"
	done
	[ ${#hit} = 1 ] && echo "$hit"
}

# frames_ok TAG S: every frame server S captured has dst = its MAC,
# src = nlb1's server-leg MAC, IP dst = the VIP
frames_ok() {
	local bad n
	n=$(cap_count "$1-srv$2")
	[ "$n" -gt 0 ] || { log "srv$2 captured nothing"; return 1; }
	bad=$(cap_show "$1-srv$2" | grep -v " $NLB1_SRV_MAC > ${SRV_MAC[$2]}, ethertype IPv4 .*> $VIP\.")
	[ -z "$bad" ] && return 0
	log "unexpected frames on srv$2:"
	log "$bad"
	return 1
}

# ip_identical TAG S: the IP packets server S received are byte for byte
# those fw1 sent (TTL, checksums, options, payload), as a multiset: the
# veth pair between fw1 and nlb1 hands frames to the per-CPU backlog of
# whichever CPU sent them, so two segments of one burst may swap places
# before they reach the NLB. That is the wire, not nlbs; the order is
# reported, not asserted.
ip_identical() {
	local f="$DP_TMP/$1-fw.hex" s="$DP_TMP/$1-srv$2.hex"
	cap_ip_hex "$1-fw" >"$f"
	cap_ip_hex "$1-srv$2" >"$s"
	[ -s "$f" ] || { log "fw1 capture empty"; return 1; }
	cmp -s "$f" "$s" || log "srv$2 got fw1's packets in another order"
	sort "$f" >"$f.sorted"
	sort "$s" >"$s.sorted"
	cmp -s "$f.sorted" "$s.sorted" && return 0
	log "fw1 sent $(wc -l <"$f") packets, srv$2 got $(wc -l <"$s")"
	diff "$f.sorted" "$s.sorted" | head -4 | cut -c1-200
	return 1
}

no_replies_on_nlb() {
	local n
	n=$(cap_count "$1-reply")
	[ "$n" = 0 ] && return 0
	log "nlb1's server leg carried $n VIP-sourced packets:"
	cap_show "$1-reply" | head -3
	return 1
}

listening() { "$1" ss -Hln "$2" | grep -q "$VIP:$3 "; }

# ---- UDP ---------------------------------------------------------------
head -c 1200 /dev/urandom >"$DP_TMP/udp.bin"
udp_send() {
	local s
	for s in 1 2 3; do
		srv$s socat -u UDP-RECV:53,bind=$VIP "OPEN:$DP_TMP/udp-srv$s.out,creat,trunc" &
		defer kill $!
	done
	for s in 1 2 3; do
		busywait 10000 listening srv$s -u 53 || { log "srv$s socat not listening"; return 1; }
	done
	caps_start udp "udp and dst port 53" || return 1
	snap || return 1
	client socat -u "OPEN:$DP_TMP/udp.bin" "UDP-SENDTO:$VIP:53" || return 1
	busywait 10000 which_server udp >/dev/null || { log "no server got the datagram"; return 1; }
	UDP_SRV=$(which_server udp)
	busywait 5000 cap_has udp-srv"$UDP_SRV" 1
	busywait 5000 cap_has udp-fw 1
	caps_stop udp
	log "the datagram went to srv$UDP_SRV"
}
ktap_check "UDP client -> VIP:53 reaches one server" udp_send
ktap_check "UDP payload identical (cmp)" \
	busywait 5000 cmp "$DP_TMP/udp.bin" "$DP_TMP/udp-srv${UDP_SRV:-0}.out"
ktap_check "UDP frame on the server: dst server MAC, src nlb1 srv MAC, dst VIP" \
	frames_ok udp "${UDP_SRV:-0}"
ktap_check "UDP IP packet byte-identical to what fw1 sent" ip_identical udp "${UDP_SRV:-0}"
udp_counts() {
	dp_expect_delta nlb1 rx "$R_nlb1_rx" 1 && dp_expect_delta nlb1 forwarded "$R_nlb1_forwarded" 1
}
ktap_check "UDP: nlb1 rx +1, forwarded +1" udp_counts
ktap_check "UDP: nlb2 (standby) sees nothing" dp_expect_delta nlb2 rx "$R_nlb2_rx" 0

# ---- TCP ---------------------------------------------------------------
head -c 200000 /dev/urandom >"$DP_TMP/tcp.bin"
tcp_send() {
	local s
	for s in 1 2 3; do
		srv$s socat -u TCP-LISTEN:80,bind=$VIP,reuseaddr "OPEN:$DP_TMP/tcp-srv$s.out,creat,trunc" &
		defer kill $!
	done
	for s in 1 2 3; do
		busywait 10000 listening srv$s -t 80 || { log "srv$s socat not listening"; return 1; }
	done
	caps_start tcp "tcp and dst port 80" || return 1
	snap || return 1
	# completes only if the handshake's and the data's ACKs, sent by the
	# server through fw1, reach the client
	timeout 60 ip netns exec "$client" socat -u "OPEN:$DP_TMP/tcp.bin" "TCP:$VIP:80,connect-timeout=10" ||
		return 1
	busywait 10000 which_server tcp >/dev/null || { log "no server got the stream"; return 1; }
	TCP_SRV=$(which_server tcp)
	log "the connection went to srv$TCP_SRV"
}
# forwarded == what fw1 sent to the VIP: the NLB carries one direction only
# (polled: the FIN exchange may still be under way)
fwd_matches_fw() {
	local f c
	f=$(dp_stat nlb1 forwarded) || return 1
	c=$(cap_count tcp-fw)
	[ $((f - R_nlb1_forwarded)) = "$c" ] && [ "$(dp_stat nlb1 rx)" = $((R_nlb1_rx + c)) ]
}
# the client's side is closed (only TIME-WAIT left: its last ACK is out)
# and the server's capture holds as many packets as fw1's
tcp_quiet() {
	[ -z "$(client ss -Htan dst "$VIP" | awk '$1 != "TIME-WAIT"')" ] &&
		[ "$(cap_count tcp-srv"${TCP_SRV:-0}")" = "$(cap_count tcp-fw)" ]
}
tcp_counts() {
	busywait 10000 tcp_quiet ||
		log "fw1 captured $(cap_count tcp-fw), srv${TCP_SRV:-0} $(cap_count tcp-srv"${TCP_SRV:-0}")"
	busywait 10000 fwd_matches_fw && return 0
	log "fw1 sent $(cap_count tcp-fw), nlb1 forwarded +$(($(dp_stat nlb1 forwarded) - R_nlb1_forwarded))," \
		"rx +$(($(dp_stat nlb1 rx) - R_nlb1_rx))"
	return 1
}
ktap_check "TCP client -> VIP:80, 200 kB, completes through fw1 (replies bypass the NLB)" tcp_send
ktap_check "TCP payload identical (cmp)" \
	busywait 5000 cmp "$DP_TMP/tcp.bin" "$DP_TMP/tcp-srv${TCP_SRV:-0}.out"
ktap_check "TCP: nlb1 forwarded and rx == packets fw1 sent to the VIP" tcp_counts
caps_stop tcp
log "TCP: $(cap_count tcp-fw) packets client -> VIP, $(dp_stat nlb1 forwarded) forwarded in all"
ktap_check "TCP frames on the server: dst server MAC, src nlb1 srv MAC, dst VIP" \
	frames_ok tcp "${TCP_SRV:-0}"
ktap_check "TCP IP packets byte-identical to what fw1 sent" ip_identical tcp "${TCP_SRV:-0}"
no_replies() { no_replies_on_nlb udp && no_replies_on_nlb tcp; }
ktap_check "no reply crosses nlb1's server leg (UDP and TCP)" no_replies

# ---- the standby forwards nothing --------------------------------------
standby_drops() {
	snap || return 1
	cap_start stby "$nlb2" srv "dst host $VIP" || return 1
	# fw1 sends to nlb2's MAC as if it were the active one
	fw1 ip neigh replace "$NLBS_ADDR" lladdr "$MAC2" dev acc nud permanent || return 1
	dp_py udp "$client" "$VIP" 53 10 31000 || return 1
	busywait 10000 dp_stat_is nlb2 drop-inactive $((R_nlb2_drop_inactive + 10)) ||
		{ log "nlb2 drop-inactive $(dp_stat nlb2 drop-inactive), expected $((R_nlb2_drop_inactive + 10))"; return 1; }
	cap_stop stby
	fw1 ip neigh del "$NLBS_ADDR" dev acc
	dp_expect_delta nlb2 forwarded "$R_nlb2_forwarded" 0 &&
	dp_expect_delta nlb2 rx "$R_nlb2_rx" 10 &&
	dp_expect_delta nlb1 rx "$R_nlb1_rx" 0 &&
	test "$(cap_count stby)" = 0
}
ktap_check "standby nlb2: 10 datagrams to its MAC: drop-inactive +10, nothing forwarded" standby_drops

# ---- non-VIP traffic to the NLB's MAC ------------------------------------
ping_nlb() {
	snap || return 1
	fw1 ping -c 3 -i 0.2 -W 2 "${NLB_ACC_IPS[0]}" || return 1
	dp_expect_delta nlb1 rx "$R_nlb1_rx" 0 &&
	dp_expect_delta nlb1 drop-malformed "$R_nlb1_drop_malformed" 0 &&
	dp_expect_delta nlb1 drop-no-server "$R_nlb1_drop_no_server" 0
}
ktap_check "active nlb1 answers ping to its own address; not counted as VIP rx" ping_nlb

# ---- static MAC ------------------------------------------------------------
# Service udp/5353 has server srv1's address with srv2's MAC: the frames
# must go to srv2, proving the MAC is used as given and not resolved.
static_mac() {
	snap || return 1
	# (the bridge may flood a frame for srv2 to srv1's port: look for
	# frames addressed to srv1)
	cap_start st1 "$(dp_ns srv1)" eth0 "udp and dst port 5353 and ether dst ${SRV_MAC[1]}" || return 1
	cap_start st2 "$(dp_ns srv2)" eth0 "udp and dst port 5353" || return 1
	dp_py udp "$client" "$VIP" 5353 3 32000 || return 1
	busywait 10000 cap_has st2 3 || { log "srv2 got $(cap_count st2) of 3"; return 1; }
	cap_stop st1
	cap_stop st2
	test "$(cap_count st1)" = 0 || { log "srv1 got $(cap_count st1)"; return 1; }
	test "$(cap_count st2 "ether dst ${SRV_MAC[2]} and ether src $NLB1_SRV_MAC")" = 3 &&
	dp_expect_delta nlb1 forwarded "$R_nlb1_forwarded" 3 &&
	dp_expect_delta nlb1 neigh-miss "$R_nlb1_neigh_miss" 0
}
ktap_check "static MAC used as given (srv1's address, srv2's MAC -> srv2)" static_mac

# ---- unresolved neighbour --------------------------------------------------
neigh_miss() {
	nlb1 ip neigh del "${SRV_IPS[2]}" dev srv 2>/dev/null
	busywait 5000 test -z "$(dp_neigh_mac nlb1 srv "${SRV_IPS[2]}")" ||
		{ log "nlb1 still has $(nlb1 ip neigh show "${SRV_IPS[2]}")"; return 1; }
	snap || return 1
	cap_start miss "$(dp_ns srv3)" eth0 "udp and dst port 54" || return 1
	dp_py udp "$client" "$VIP" 54 1 33000 || return 1
	busywait 10000 cap_has miss 1 || { log "srv3 did not get the datagram"; return 1; }
	cap_stop miss
	dp_expect_delta nlb1 neigh-miss "$R_nlb1_neigh_miss" 1 &&
	dp_expect_delta nlb1 forwarded "$R_nlb1_forwarded" 1 &&
	test "$(cap_count miss "ether dst ${SRV_MAC[3]} and ether src $NLB1_SRV_MAC")" = 1 &&
	test "$(dp_neigh_mac nlb1 srv "${SRV_IPS[2]}")" = "${SRV_MAC[3]}"
}
ktap_check "unresolved server: first datagram arrives, neigh-miss +1" neigh_miss

ktap_check "kernel log clean" dmesg_clean
ktap_check "unload the module" nlbs_unload

ktap_finished
