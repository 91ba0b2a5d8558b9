#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPv6, on the wire, with the IPv4 tests' guarantees: neighbour discovery
# for the IPv6 NLBS address only from the active NLB (one solicited
# advertisement, override set, its access MAC as target link-layer
# address), a standby or init NLB silent; unsolicited advertisements on
# becoming active (garp-count of them) and the firewall's neighbour entry
# flipping to the new NLB on a takeover; UDP and TCP to an IPv6 VIP
# forwarded with only the Ethernet header rewritten (the IPv6 packet
# byte-identical, hop limit included); weights honoured over many flows;
# fragments to the whole-VIP service; ICMPv6 Packet Too Big steered to the
# flow's server; malformed IPv6 and NDP frames dropped and counted; a claim
# of the NLBS address from another MAC counted; a flow keeps its server
# across the takeover; kernel log clean and module unload.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dp.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"

build() { topo_setup && topo_ipv6; }
ktap_check "build the topology with IPv6" build || ktap_finished
reach() {
	fw1 ping -6 -c 1 -W 2 "${NLB_ACC_IP6S[0]}" &&
		nlb1 ping -6 -c 1 -W 2 "${SRV_IP6S[0]}" &&
		client ping -6 -c 1 -W 2 "${SRV_IP6S[1]}"
}
ktap_check "IPv6 legs reach each other (fw1-nlb1, nlb1-srv1, client-srv2)" reach ||
	ktap_finished
ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark ipv6

MAC1=$(dp_mac nlb1 acc)
MAC2=$(dp_mac nlb2 acc)
FW_MAC=$(dp_mac fw1 acc)
NLB1_SRV_MAC=$(dp_mac nlb1 srv)
declare -A SRV_MAC IDX_OF_MAC
for s in 1 2 3; do
	SRV_MAC[$s]=$(dp_mac srv$s eth0)
	IDX_OF_MAC[${SRV_MAC[$s]}]=$s
done
FAKE_MAC=02:00:de:ad:be:ef
NLBS6_HEX=fd000010000000000000000000000100

# ---- frames ----------------------------------------------------------------
# v6 CMD ARGS...: frames built in python (no scapy), sent or printed.
#   send NS DEV KIND ARGS...   one frame of KIND on DEV in NS
#   flows NS DST PORT COUNT SPORT CAP_NS CAP_DEV
#                              COUNT UDP flows to [DST]:PORT from source
#                              ports SPORT + i, each caught on CAP_DEV in
#                              CAP_NS: "sport dst-mac" lines
# KINDs (MACs and addresses as text):
#   ns SMAC SRC TARGET [HLIM [BADSUM]]  solicitation to the solicited-node group
#   na DMAC SMAC SRC TARGET             unsolicited advertisement, override
#   udp DMAC SMAC SRC DST SPORT DPORT [PLEN]   PLEN: payload length claimed
#   trunc DMAC SMAC SRC DST              UDP with 4 bytes of its header
#   badext DMAC SMAC SRC DST             hop-by-hop header running past the end
#   frag DMAC SMAC SRC DST SPORT DPORT OFFSET MORE   UDP in a fragment header
#   ptb DMAC SMAC SRC DST ISRC IDST ISPORT IDPORT    Packet Too Big quoting UDP
#   nshbh SMAC SRC TARGET                solicitation behind a hop-by-hop header
#   nsdad DMAC SMAC TARGET               duplicate address probe (source ::),
#                                        sent to DMAC and TARGET, not the group
#   nonext DMAC SMAC SRC DST             No Next Header, 8 bytes of payload
v6() {
	/usr/bin/python3 -S "$NLBS_TOP/selftests/py/v6.py" "$@"
}

# fw_send KIND ARGS...: a frame from fw1's access leg
fw_send() {
	v6 send "$fw1" acc "$@"
}

# ---- configuration -------------------------------------------------------
setup_nlbs() {
	local i
	for i in 1 2; do
		dp_nlb $i nlbs6 "$NLBS_ADDR6" || return 1
		nlbs_genl_ns "$(dp_ns nlb$i)" -b - <<-EOF || return 1
		service add $VIP6 udp 53
		server add $VIP6 udp 53 ${SRV_IP6S[0]} weight 1
		server add $VIP6 udp 53 ${SRV_IP6S[1]} weight 2
		server add $VIP6 udp 53 ${SRV_IP6S[2]} weight 1
		service add $VIP6 tcp 80
		server add $VIP6 tcp 80 ${SRV_IP6S[0]}
		server add $VIP6 tcp 80 ${SRV_IP6S[1]}
		server add $VIP6 tcp 80 ${SRV_IP6S[2]}
		service add $VIP6
		server add $VIP6 ${SRV_IP6S[2]}
		service add $VIP udp 53
		server add $VIP udp 53 ${SRV_IPS[0]}
		EOF
	done
}
ktap_check "configure nlb1 and nlb2 (init): nlbs and nlbs6, IPv6 and IPv4 services" \
	setup_nlbs || ktap_finished

shows() {
	local out
	out=$(dp_genl nlb1 config show) || return 1
	grep -q " nlbs $NLBS_ADDR .*nlbs6 $NLBS_ADDR6 " <<<"$out " ||
		{ log "config show: $out"; return 1; }
	dp_genl nlb1 -j config show | grep -q "\"nlbs6\":\"$NLBS_ADDR6\"" ||
		{ log "no nlbs6 in JSON"; return 1; }
	out=$(dp_genl nlb1 service show) || return 1
	grep -q "^service $VIP6 udp 53 servers 3 " <<<"$out" &&
		grep -q "^service $VIP6 servers 1 " <<<"$out" &&
		grep -q "^service $VIP udp 53 servers 1 " <<<"$out" ||
		{ log "service show:"; log "$out"; return 1; }
	out=$(dp_genl nlb1 -j server show "$VIP6" udp 53) || return 1
	grep -q "\"addr\":\"${SRV_IP6S[1]}\",\"weight\":2" <<<"$out" ||
		{ log "server show -j: $out"; return 1; }
}
ktap_check "config, service and server show IPv6 addresses (text and JSON)" shows

# genl_err WANT ARGS...: nlbs-genl on nlb1 fails with the kernel's message
genl_err() {
	local want=$1 err
	shift
	err=$(dp_genl "${GENL_NODE:-nlb1}" "$@" 2>&1 >/dev/null) && { log "accepted: $*"; return 1; }
	grep -qF "$want" <<<"$err" && return 0
	log "$*: $err (want $want)"
	return 1
}
rejects() {
	genl_err "VIP must not be a link-local address" service add fe80::10 tcp 80 &&
		genl_err "NLBS address must be a unicast IPv6 address" config set nlbs6 ff02::1 &&
		genl_err "server address must be a unicast IPv6 address" \
			server add "$VIP6" udp 53 ::1 &&
		genl_err "service already exists" service add "$VIP6" udp 53
}
ktap_check "kernel refuses a link-local VIP, multicast nlbs6, loopback server" rejects

# the solicited-node group of nlbs6 is joined through the IPv6 stack (MLD),
# on both NLBs whatever their state: snooping switches forward NS to them
mld() {
	local i
	for i in 1 2; do
		ip -n "$(dp_ns nlb$i)" -6 maddr show dev acc | grep -q "inet6 ff02::1:ff00:100$" ||
			{ log "nlb$i: $(ip -n "$(dp_ns nlb$i)" -6 maddr show dev acc | xargs)"; return 1; }
	done
}
ktap_check "both NLBs joined ff02::1:ff00:100, nlbs6's solicited-node group" mld

# ---- neighbour discovery -------------------------------------------------
# NA frames as hex IPv6 packets: type 136 at byte 40, flags at 44, target at
# 48, target link-layer option at 64.
na_ok() {	# HEX FLAGS MAC
	local h=$1 flags=$2 mac=${3//:/}
	[ "${h:80:2}" = 88 ] && [ "${h:88:2}" = "$flags" ] &&
		[ "${h:96:32}" = "$NLBS6_HEX" ] && [ "${h:128:16}" = "0201$mac" ] && return 0
	log "bad advertisement: $h"
	return 1
}
# advertisements whose target is nlbs6 (ip6[48..63], no extension header):
# the stack's own, for its link-local addresses (a NUD probe's answer),
# may come at any time and are not the NLB's
NA_F="icmp6 and ip6[40] == 136 and ip6[48:4] == 0x${NLBS6_HEX:0:8} and
	ip6[52:4] == 0x${NLBS6_HEX:8:8} and ip6[56:4] == 0x${NLBS6_HEX:16:8} and
	ip6[60:4] == 0x${NLBS6_HEX:24:8}"
NS_F="icmp6 and ip6[40] == 135"

snap() { dp_snap B1 nlb1 && dp_snap B2 nlb2; }

# ask TAG: one solicitation for the NLBS address from fw1, with a capture
# of what fw1's port receives; returns once both NLBs counted it.
ask() {
	snap || return 1
	cap_start "$1" "$sw" fw1-acc "($NA_F) or ($NS_F)" || return 1
	fw_send ns "$FW_MAC" "$FW_ACC_IP6" "$NLBS_ADDR6" || return 1
	busywait 5000 dp_stat_is nlb1 ndp-solicits $((${B1[ndp-solicits]} + 1)) ||
		{ log "nlb1 ndp-solicits did not move"; return 1; }
	busywait 5000 dp_stat_is nlb2 ndp-solicits $((${B2[ndp-solicits]} + 1)) ||
		{ log "nlb2 ndp-solicits did not move"; return 1; }
	# the capture is at least as far as fw1's own solicitation
	busywait 5000 cap_has "$1" 1 "$NS_F"
}

init_silent() {
	ask init || return 1
	sleep 0.5	# an answer would be well on the wire by now
	cap_stop init
	[ "$(cap_count init "$NA_F")" = 0 ] ||
		{ log "an advertisement in init:"; cap_show init "$NA_F"; return 1; }
	[ "$(fw1 ip -6 neigh show "$NLBS_ADDR6" dev acc | grep -c lladdr)" = 0 ]
}
ktap_check "init: solicitations for nlbs6 counted by both NLBs, nobody answers" init_silent

activate() {
	snap || return 1
	cap_start una "$sw" fw1-acc "$NA_F" || return 1
	dp_state nlb2 standby && dp_state nlb1 active || return 1
	busywait 5000 cap_has una 3 || { log "$(cap_count una) advertisements"; return 1; }
	sleep 0.5
	cap_stop una
	local n h bad=0
	n=$(cap_count una)
	[ "$n" = 3 ] || { log "$n advertisements, want 3"; cap_show una; return 1; }
	cap_show una | grep -qv "$MAC1 > 33:33:00:00:00:01, ethertype IPv6" &&
		{ log "not all from nlb1 to all nodes:"; cap_show una; return 1; }
	# (no process substitution: the guest has no /dev/fd)
	for h in $(cap_ip_hex una); do na_ok "$h" 20 "$MAC1" || bad=1; done
	[ $bad = 0 ] && dp_expect_delta nlb1 ndp-unsolicited "${B1[ndp-unsolicited]}" 3 &&
		dp_expect_delta nlb2 ndp-unsolicited "${B2[ndp-unsolicited]}" 0
}
ktap_check "nlb1 active: 3 unsolicited advertisements (override) from its MAC" activate

answer() {
	ask act || return 1
	busywait 5000 cap_has act 1 "$NA_F" || { log "no advertisement"; return 1; }
	sleep 0.5
	cap_stop act
	local n
	n=$(cap_count act "$NA_F")
	[ "$n" = 1 ] || { log "$n advertisements"; cap_show act "$NA_F"; return 1; }
	cap_show act "$NA_F" | grep -q "$MAC1 > $FW_MAC, ethertype IPv6 .*$NLBS_ADDR6 > $FW_ACC_IP6" ||
		{ cap_show act "$NA_F"; return 1; }
	na_ok "$(cap_ip_hex act "$NA_F")" 60 "$MAC1" &&
		dp_expect_delta nlb1 ndp-adverts "${B1[ndp-adverts]}" 1 &&
		dp_expect_delta nlb2 ndp-adverts "${B2[ndp-adverts]}" 0
}
ktap_check "one solicited advertisement (solicited, override, TLLA) from nlb1, none from the standby" \
	answer

resolve() {
	fw1 ip -6 neigh flush dev acc
	fw1 ping -6 -c 1 -W 3 "$VIP6" || return 1
	[ "$(dp_neigh_mac fw1 acc "$NLBS_ADDR6")" = "$MAC1" ]
}
ktap_check "fw1 resolves nlbs6 to nlb1 and pings the VIP (whole-VIP service, srv3)" resolve

# ---- forwarding ------------------------------------------------------------
head -c 1200 /dev/urandom >"$DP_TMP/udp.bin"
udp_fwd() {
	local s hit=""
	snap || return 1
	cap_start u-fw "$fw1" acc "dst host $VIP6 and udp" || return 1
	for s in 1 2 3; do
		cap_start u-srv$s "$(dp_ns srv$s)" eth0 "dst host $VIP6 and udp" || return 1
	done
	client socat -u "OPEN:$DP_TMP/udp.bin" "UDP6-SENDTO:[$VIP6]:53" || return 1
	got() { cap_has u-srv1 1 || cap_has u-srv2 1 || cap_has u-srv3 1; }
	busywait 10000 got || { log "no server got it"; return 1; }
	busywait 5000 cap_has u-fw 1
	sleep 0.3
	for s in fw srv1 srv2 srv3; do cap_stop u-$s; done
	for s in 1 2 3; do cap_has u-srv$s 1 && hit=$hit$s; done
	[ ${#hit} = 1 ] || { log "servers with the datagram: $hit"; return 1; }
	log "the datagram went to srv$hit"
	cap_show u-srv$hit | grep -qv " $NLB1_SRV_MAC > ${SRV_MAC[$hit]}, ethertype IPv6 " &&
		{ log "bad frame:"; cap_show u-srv$hit; return 1; }
	cap_ip_hex u-fw >"$DP_TMP/u-fw.hex"
	cap_ip_hex u-srv$hit >"$DP_TMP/u-srv.hex"
	[ "$(wc -l <"$DP_TMP/u-fw.hex")" = 1 ] &&
		cmp -s "$DP_TMP/u-fw.hex" "$DP_TMP/u-srv.hex" ||
		{ log "IPv6 packet changed:"; cut -c1-120 "$DP_TMP/u-fw.hex" "$DP_TMP/u-srv.hex"; return 1; }
	dp_expect_delta nlb1 forwarded "${B1[forwarded]}" 1 &&
		dp_expect_delta nlb2 forwarded "${B2[forwarded]}" 0
}
ktap_check "UDP to the IPv6 VIP: server's MAC, IPv6 packet byte-identical (hop limit too)" udp_fwd

tcp_fwd() {
	local s hit=""
	head -c 20000 /dev/urandom >"$DP_TMP/tcp.bin"
	for s in 1 2 3; do
		srv$s socat -u "TCP6-LISTEN:80,bind=[$VIP6],reuseaddr" \
			"OPEN:$DP_TMP/tcp-srv$s.out,creat,trunc" &
		defer kill $!
	done
	for s in 1 2 3; do
		busywait 10000 sh -c "ip netns exec $(dp_ns srv$s) ss -Hlnt | grep -q ':80 '" ||
			{ log "srv$s not listening"; return 1; }
	done
	client timeout 20 socat -u "OPEN:$DP_TMP/tcp.bin" "TCP6:[$VIP6]:80" || return 1
	done_() { for s in 1 2 3; do cmp -s "$DP_TMP/tcp.bin" "$DP_TMP/tcp-srv$s.out" && return 0; done; return 1; }
	busywait 10000 done_ || { log "no server got the whole stream"; return 1; }
	for s in 1 2 3; do [ -s "$DP_TMP/tcp-srv$s.out" ] && hit=$hit$s; done
	[ ${#hit} = 1 ] || { log "servers with data: $hit"; return 1; }
	log "the connection went to srv$hit"
	dp_genl nlb1 flow show "$VIP6" tcp 80 |
		grep -q "^flow tcp \[$CLIENT_IP6\]:[0-9]* -> \[$VIP6\]:80 server ${SRV_IP6S[hit - 1]} " ||
		{ log "flow table:"; dp_genl nlb1 flow show; return 1; }
}
ktap_check "TCP to the IPv6 VIP: 20000 bytes reach one server; the flow is in the table" tcp_fwd

flow_import() {
	local out
	dp_genl nlb2 flow add "$VIP6" udp 53 client "$CLIENT_IP6" sport 40000 \
		server "${SRV_IP6S[1]}" idle 100 || return 1
	out=$(dp_genl nlb2 flow show "$VIP6" udp 53 server "${SRV_IP6S[1]}") || return 1
	grep -q "^flow udp \[$CLIENT_IP6\]:40000 -> \[$VIP6\]:53 server ${SRV_IP6S[1]} .*imported" <<<"$out" ||
		{ log "flow show: $out"; return 1; }
	GENL_NODE=nlb2 genl_err "server not in the flow's service" flow add "$VIP6" udp 53 \
		client "$CLIENT_IP6" sport 40001 server fd00:20::99 || return 1
	GENL_NODE=nlb2 genl_err "flow addresses must be unicast IPv6 addresses" flow add "$VIP6" \
		udp 53 client ff02::1 sport 40002 server "${SRV_IP6S[1]}" || return 1
	dp_genl nlb2 flow flush "$VIP6" udp 53 &&
		[ -z "$(dp_genl nlb2 flow show "$VIP6")" ]
}
ktap_check "IPv6 flow import (as flow sync does), refused for a foreign server, flush" flow_import

weights() {
	local out n1 n2 n3 lost
	v6 flows "$client" "$VIP6" 53 400 20000 "$sw" nlb1-srv >"$DP_TMP/flows" || return 1
	out=$(awk -v m1="${SRV_MAC[1]}" -v m2="${SRV_MAC[2]}" -v m3="${SRV_MAC[3]}" '
		$2 == m1 { a++ } $2 == m2 { b++ } $2 == m3 { c++ }
		END { printf "%d %d %d %d\n", a, b, c, 400 - NR }' "$DP_TMP/flows")
	read -r n1 n2 n3 lost <<<"$out"
	log "400 flows, weights 1 2 1: srv1 $n1 srv2 $n2 srv3 $n3 lost $lost"
	[ "$lost" -le 4 ] && [ "$n2" -ge 150 ] && [ "$n2" -le 250 ] &&
		[ "$n1" -ge 60 ] && [ "$n1" -le 140 ] && [ "$n3" -ge 60 ] && [ "$n3" -le 140 ]
}
ktap_check "weights 1:2:1 honoured over 400 IPv6 flows" weights

# ---- fragments, ICMPv6 errors, malformed frames ---------------------------
frags() {
	snap || return 1
	cap_start fr "$(dp_ns srv3)" eth0 "ip6[6] == 44" || return 1
	fw_send frag "$MAC1" "$FW_MAC" "$CLIENT_IP6" "$VIP6" 30000 53 0 1 &&
		fw_send frag "$MAC1" "$FW_MAC" "$CLIENT_IP6" "$VIP6" 30000 53 32 0 || return 1
	busywait 5000 cap_has fr 2 || { log "srv3 got $(cap_count fr) fragments"; return 1; }
	cap_stop fr
	dp_expect_delta nlb1 forwarded "${B1[forwarded]}" 2
}
ktap_check "fragments (first and next) go to the whole-VIP service (srv3)" frags

ptb() {
	local sp srvmac s
	read -r sp srvmac <<<"$(sed -n 1p "$DP_TMP/flows")"
	s=${IDX_OF_MAC[$srvmac]:-}
	[ -n "$s" ] || { log "no flow to quote"; return 1; }
	snap || return 1
	cap_start ptb "$(dp_ns srv$s)" eth0 "icmp6 and ip6[40] == 2" || return 1
	fw_send ptb "$MAC1" "$FW_MAC" "$FW_ACC_IP6" "$VIP6" "$VIP6" "$CLIENT_IP6" 53 "$sp" ||
		return 1
	busywait 5000 cap_has ptb 1 || { log "srv$s did not get it"; return 1; }
	cap_stop ptb
	log "Packet Too Big for client port $sp went to srv$s, the flow's server"
	dp_expect_delta nlb1 icmp-forwarded "${B1[icmp-forwarded]}" 1
}
ktap_check "ICMPv6 Packet Too Big quoting a flow goes to the flow's server" ptb

malformed() {
	snap || return 1
	cap_start mal "$sw" fw1-acc "$NA_F" || return 1
	fw_send udp "$MAC1" "$FW_MAC" "$CLIENT_IP6" "$VIP6" 1000 53 400 &&
		fw_send trunc "$MAC1" "$FW_MAC" "$CLIENT_IP6" "$VIP6" &&
		fw_send badext "$MAC1" "$FW_MAC" "$CLIENT_IP6" "$VIP6" &&
		fw_send ns "$FW_MAC" "$FW_ACC_IP6" "$NLBS_ADDR6" 255 badsum &&
		fw_send ns "$FW_MAC" "$FW_ACC_IP6" "$NLBS_ADDR6" 64 &&
		fw_send nshbh "$FW_MAC" "$FW_ACC_IP6" "$NLBS_ADDR6" &&
		fw_send nsdad "$MAC1" "$FW_MAC" "$NLBS_ADDR6" || return 1
	busywait 5000 dp_stat_is nlb1 drop-malformed $((${B1[drop-malformed]} + 7)) ||
		{ dp_expect_delta nlb1 drop-malformed "${B1[drop-malformed]}" 7; return 1; }
	sleep 0.3
	cap_stop mal
	[ "$(cap_count mal)" = 0 ] || { log "a malformed solicitation was answered"; return 1; }
	dp_expect_delta nlb1 forwarded "${B1[forwarded]}" 0 &&
		dp_expect_delta nlb1 ndp-solicits "${B1[ndp-solicits]}" 0 &&
		dp_expect_delta nlb1 ndp-adverts "${B1[ndp-adverts]}" 0
}
ktap_check "malformed: length past the frame, cut UDP, bad extension header, NS bad checksum, hop limit, behind a hop-by-hop header, DAD probe not to the group" \
	malformed

# No Next Header is legal: a datagram without ports, for the whole VIP
nonext() {
	snap || return 1
	fw_send nonext "$MAC1" "$FW_MAC" "$CLIENT_IP6" "$VIP6" || return 1
	busywait 5000 dp_stat_is nlb1 forwarded $((${B1[forwarded]} + 1)) ||
		{ dp_expect_delta nlb1 forwarded "${B1[forwarded]}" 1; return 1; }
	dp_expect_delta nlb1 drop-malformed "${B1[drop-malformed]}" 0
}
ktap_check "No Next Header (59) to the IPv6 VIP: forwarded to the whole-VIP service" nonext

conflict() {
	snap || return 1
	fw_send na "$MAC1" "$FAKE_MAC" "$FW_ACC_IP6" "$NLBS_ADDR6" &&
		fw_send na "$MAC2" "$FAKE_MAC" "$FW_ACC_IP6" "$NLBS_ADDR6" || return 1
	# At least +1: once the bridge has forgotten the silent standby's MAC
	# (300 s), it floods the frame meant for nlb2 to nlb1 too, a claim seen
	# on the wire all the same.
	busywait 15000 dp_stat_ge nlb1 ndp-conflicts $((${B1[ndp-conflicts]} + 1)) ||
		{ log "nlb1 ndp-conflicts did not move ($(dp_stat nlb1 ndp-conflicts)," \
		      "state $(dp_genl nlb1 state show), malformed" \
		      "$(dp_stat nlb1 drop-malformed) was ${B1[drop-malformed]})"; return 1; }
	dp_expect_delta nlb2 ndp-conflicts "${B2[ndp-conflicts]}" 0 &&
		[ -z "$(dp_neigh_mac nlb1 acc "$NLBS_ADDR6")" ] &&
		[ -z "$(dp_neigh_mac nlb2 acc "$NLBS_ADDR6")" ]
}
ktap_check "an advertisement of nlbs6 from another MAC: a conflict on the active NLB, stack untouched" \
	conflict

# ---- takeover ----------------------------------------------------------------
fw_neigh_is() {
	[ "$(dp_neigh_mac fw1 acc "$NLBS_ADDR6")" = "$1" ]
}

takeover() {
	local t0 t1 sp mac after
	read -r sp mac <<<"$(sed -n 2p "$DP_TMP/flows")"
	[ -n "$mac" ] || { log "no flow to follow"; return 1; }
	snap || return 1
	cap_start tk "$sw" fw1-acc "$NA_F" || return 1
	t0=$(date +%s%3N)
	dp_state nlb1 standby && dp_state nlb2 active || return 1
	busywait 5000 fw_neigh_is "$MAC2" ||
		{ log "fw1 still at $(dp_neigh_mac fw1 acc "$NLBS_ADDR6")"; return 1; }
	t1=$(date +%s%3N)
	log "fw1's entry for nlbs6 flipped to nlb2 $((t1 - t0)) ms after the state change"
	busywait 5000 cap_has tk 3
	sleep 0.3
	cap_stop tk
	[ "$(cap_count tk "ether src $MAC2")" = 3 ] ||
		{ log "advertisements:"; cap_show tk; return 1; }
	[ "$(cap_count tk "ether src $MAC1")" = 0 ] || { log "nlb1 advertised"; return 1; }
	after=$(v6 flows "$client" "$VIP6" 53 1 "$sp" "$sw" nlb2-srv | awk '{ print $2 }')
	[ "$after" = "$mac" ] || { log "port $sp: before $mac, after $after"; return 1; }
	log "client port $sp still goes to ${mac} through nlb2"
}
ktap_check "takeover: nlb2's unsolicited advertisements flip fw1, a flow keeps its server" takeover

standby_drops() {
	snap || return 1
	fw_send udp "$MAC1" "$FW_MAC" "$CLIENT_IP6" "$VIP6" 1000 53 || return 1
	busywait 5000 dp_stat_is nlb1 drop-inactive $((${B1[drop-inactive]} + 1)) ||
		{ dp_expect_delta nlb1 drop-inactive "${B1[drop-inactive]}" 1; return 1; }
	dp_expect_delta nlb1 forwarded "${B1[forwarded]}" 0
}
ktap_check "nlb1, now standby, drops IPv6 VIP traffic sent to its MAC (drop-inactive)" standby_drops

v4_fwd() {
	dp_flows v4 3 21000 || return 1
	[ "$(dp_per_server v4)" = "3 0 0 0" ] || { log "$(dp_per_server v4)"; return 1; }
}
ktap_check "IPv4 next to IPv6: UDP to the IPv4 VIP reaches srv1 through nlb2" v4_fwd

ktap_check "kernel log clean" dmesg_clean
ktap_check "unload the module" nlbs_unload
ktap_finished
