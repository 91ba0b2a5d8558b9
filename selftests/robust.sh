#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Odd frames on the active NLB's access port, crafted byte by byte and sent
# raw from fw1: malformed ARP (wrong hln, wrong pln, truncated, non-Ethernet
# hardware type) is dropped and counted, never answered; malformed IPv4 to
# the VIP (ihl < 5, ihl beyond the packet, bad checksum, tot_len beyond the
# frame) is counted and not forwarded; the fragments of datagrams to a
# whole-VIP service all go to one server (3-tuple); IP options are forwarded
# intact; VLAN-tagged frames and broadcast/multicast destination MACs pass
# untouched (not forwarded, not counted). Then the server device is deleted
# and an NLB namespace is deleted while traffic flows, and the module is
# unloaded: the kernel log stays clean throughout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dp.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"

ktap_check "build the topology" topo_setup || ktap_finished
ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark robust

MAC1=$(dp_mac nlb1 acc)
MAC2=$(dp_mac nlb2 acc)
FWMAC=$(dp_mac fw1 acc)

setup_nlbs() {
	local i
	for i in 1 2; do
		dp_nlb $i || return 1
		nlbs_genl_ns "$(dp_ns nlb$i)" -b - <<-EOF || return 1
		service add $VIP
		server add $VIP ${SRV_IPS[0]}
		server add $VIP ${SRV_IPS[1]}
		server add $VIP ${SRV_IPS[2]}
		service add $VIP udp 53
		server add $VIP udp 53 ${SRV_IPS[0]}
		server add $VIP udp 53 ${SRV_IPS[1]}
		server add $VIP udp 53 ${SRV_IPS[2]}
		EOF
	done
	dp_state nlb1 active && dp_state nlb2 standby
}
ktap_check "nlb1 active, nlb2 standby; services: whole VIP and udp/53" setup_nlbs ||
	ktap_finished

# The frames, one file of hex lines per case, made in one python3 run.
mkframes() {
	PYTHONPATH=$NLBS_TOP/selftests/py /usr/bin/python3 -S - "$DP_TMP" "$FWMAC" "$MAC1" "$CLIENT_IP" "$VIP" "$NLBS_ADDR" \
		"${FW_ACC_IPS[0]}" <<-'EOF'
	import socket, struct, sys
	from nlbstest import csum
	out, fwmac, nlbmac, client, vip, nlbs, fwip = sys.argv[1:]
	mac = lambda m: bytes.fromhex(m.replace(':', ''))
	ip4 = socket.inet_aton
	BC = 'ff:ff:ff:ff:ff:ff'

	def eth(dst, typ, payload, vlan=None):
	    h = mac(dst) + mac(fwmac)
	    if vlan is not None:
	        h += struct.pack('!HH', 0x8100, vlan)
	    return h + struct.pack('!H', typ) + payload

	def arp(hrd=1, pro=0x0800, hln=6, pln=4, op=1):
	    return struct.pack('!HHBBH', hrd, pro, hln, pln, op) + mac(fwmac) + ip4(fwip) + \
	        bytes(6) + ip4(nlbs)

	def ip(payload, proto=17, opts=b'', ident=1, frag=0, ihl=None, tot=None, badsum=False):
	    hl = 20 + len(opts)
	    h = struct.pack('!BBHHHBBH4s4s', 0x40 | (ihl if ihl is not None else hl // 4), 0,
	                    tot if tot is not None else hl + len(payload), ident, frag, 64, proto, 0,
	                    ip4(client), ip4(vip)) + opts
	    c = csum(h) ^ (0x5555 if badsum else 0)
	    return h[:10] + struct.pack('!H', c) + h[12:] + payload

	def udp(sport, dport, data):
	    return struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data

	def write(name, frames):
	    with open('%s/%s.hex' % (out, name), 'w') as f:
	        for fr in frames:
	            f.write(fr.hex() + '\n')

	good = udp(40000, 53, b'nlbs robust')
	write('arp-bad', [
	    eth(BC, 0x0806, arp(hln=8)),
	    eth(BC, 0x0806, arp(pln=6)),
	    eth(BC, 0x0806, arp()[:18]),
	    eth(BC, 0x0806, arp(hrd=6)),
	])
	write('ip-bad', [
	    eth(nlbmac, 0x0800, ip(good, ihl=4)),
	    eth(nlbmac, 0x0800, ip(good, ihl=15)),
	    eth(nlbmac, 0x0800, ip(good, badsum=True)),
	    eth(nlbmac, 0x0800, ip(good, tot=20 + len(good) + 100)),
	])
	# 4 datagrams of 3000 bytes to udp/9999 (no such service: the whole VIP),
	# from 4 source ports, each in 3 fragments
	frags = []
	for i in range(4):
	    d = udp(41000 + i, 9999, bytes([i]) * 3000)
	    for off in range(0, len(d), 1480):
	        part = d[off:off + 1480]
	        mf = 0x2000 if off + 1480 < len(d) else 0
	        frags.append(eth(nlbmac, 0x0800, ip(part, ident=100 + i, frag=mf | off // 8)))
	write('frags', frags)
	# record route (7), 3 slots, plus end of options: ihl 9
	rr = bytes([7, 15, 4]) + bytes(12) + bytes([0])
	write('opts', [eth(nlbmac, 0x0800, ip(good, opts=rr, ident=7))])
	write('vlan', [
	    eth(nlbmac, 0x0800, ip(good), vlan=10),
	    eth(BC, 0x0806, arp(), vlan=10),
	])
	write('bcast', [
	    eth(BC, 0x0800, ip(good)),
	    eth('01:00:5e:00:00:01', 0x0800, ip(good)),
	])
	EOF
}
ktap_check "craft the frames" mkframes || ktap_finished

send() { dp_py send "$fw1" acc "$DP_TMP/$1.hex"; }

# delta ARRAY COUNTER N: nlb1's COUNTER moved by N since ARRAY was taken
delta() {
	local -n b=$1
	dp_expect_delta nlb1 "$2" "${b[$2]}" "$3"
}

# ---- malformed ARP -----------------------------------------------------------
arp_bad() {
	dp_snap A nlb1 || return 1
	cap_start arp "$sw" fw1-acc "arp[6:2] = 2" || return 1
	send arp-bad || return 1
	busywait 5000 dp_stat_is nlb1 drop-malformed $((${A[drop-malformed]} + 4))
	cap_stop arp
	delta A drop-malformed 4 && delta A arp-requests 0 && delta A arp-replies 0 &&
	test "$(cap_count arp)" = 0
}
ktap_check "malformed ARP x4 (hln 8, pln 6, truncated, hrd 6): drop-malformed +4, no reply" arp_bad

# ---- malformed IPv4 to the VIP ----------------------------------------------
ip_bad() {
	dp_snap A nlb1 || return 1
	cap_start ipbad "$nlb1" srv "dst host $VIP" || return 1
	send ip-bad || return 1
	busywait 5000 dp_stat_is nlb1 drop-malformed $((${A[drop-malformed]} + 4))
	cap_stop ipbad
	delta A drop-malformed 4 && delta A forwarded 0 && test "$(cap_count ipbad)" = 0
}
ktap_check "malformed IPv4 x4 (ihl 4, ihl 15, checksum, tot_len): drop-malformed +4, not forwarded" ip_bad

# ---- fragments -----------------------------------------------------------------
frags() {
	local before=() after=() s hit=0 i
	for s in 0 1 2; do before[s]=$(dp_srv_pkts nlb1 "${SRV_IPS[s]}" "$VIP") || return 1; done
	dp_snap A nlb1 || return 1
	send frags || return 1
	busywait 5000 dp_stat_is nlb1 forwarded $((${A[forwarded]} + 12)) ||
		{ log "forwarded $(dp_stat nlb1 forwarded), expected $((${A[forwarded]} + 12))"; return 1; }
	for s in 0 1 2; do
		after[s]=$(dp_srv_pkts nlb1 "${SRV_IPS[s]}" "$VIP") || return 1
		i=$((after[s] - before[s]))
		FRAG_SPLIT+="srv$((s + 1)) +$i "
		[ $i = 12 ] && hit=$((hit + 1))
		[ $i = 0 ] || [ $i = 12 ] || return 1
	done
	[ $hit = 1 ]
}
FRAG_SPLIT=""
ktap_check "12 fragments of 4 datagrams to the whole VIP: all to one server" frags
log "fragments per server (whole-VIP service): $FRAG_SPLIT"

# ---- IP options --------------------------------------------------------------
opts() {
	dp_snap A nlb1 || return 1
	cap_start opts "$nlb1" srv "dst host $VIP" || return 1
	send opts || return 1
	busywait 5000 cap_has opts 1 || { log "not forwarded"; return 1; }
	cap_stop opts
	cap_ip_hex opts >"$DP_TMP/opts.got"
	cut -c29- "$DP_TMP/opts.hex" >"$DP_TMP/opts.want"
	cmp "$DP_TMP/opts.want" "$DP_TMP/opts.got" ||
		{ log "sent $(cat "$DP_TMP/opts.want")"; log "got  $(cat "$DP_TMP/opts.got")"; return 1; }
	delta A forwarded 1
}
ktap_check "IP options (record route): forwarded, IP packet byte-identical" opts

# ---- VLAN, broadcast, multicast: untouched -----------------------------------
untouched() {
	dp_snap A nlb1 || return 1
	cap_start "$1" "$nlb1" srv "dst host $VIP" || return 1
	send "$1" || return 1
	# the frames have reached nlb1 when its access port counted them
	busywait 5000 eval "[ \$(($(nlb1 cat /sys/class/net/acc/statistics/rx_packets) - $2)) -ge 2 ]"
	cap_stop "$1"
	delta A rx 0 && delta A forwarded 0 && delta A arp-requests 0 && delta A arp-replies 0 &&
	delta A drop-malformed 0 && delta A drop-inactive 0 && test "$(cap_count "$1")" = 0
}
RXP=$(nlb1 cat /sys/class/net/acc/statistics/rx_packets)
ktap_check "VLAN-tagged IPv4 to the VIP and ARP for the NLBS address: untouched" untouched vlan "$RXP"
RXP=$(nlb1 cat /sys/class/net/acc/statistics/rx_packets)
ktap_check "broadcast and multicast MACs with the VIP: untouched" untouched bcast "$RXP"

# ---- devices and namespaces going away under traffic ---------------------------
dp_stream_start "$client" "$VIP" 53 2
flowing() {
	local f
	f=$(dp_stat "$1" forwarded) || return 1
	busywait 20000 dp_stat_ge "$1" forwarded $((f + 10))
}
state_is() { dp_genl "$1" state show | grep -q "^state $2"; }
fw1_neigh_is() { [ "$(dp_neigh_mac fw1 acc "$NLBS_ADDR")" = "$1" ]; }

ktap_check "traffic flows through nlb1" flowing nlb1
ktap_check "delete nlb1's server device under traffic" ip -n "$nlb1" link del srv
ktap_check "nlb1 goes inop" busywait 5000 state_is nlb1 inop
ktap_check "kernel log clean" dmesg_clean
ktap_check "nlb2 takes over" eval "dp_state nlb2 active && busywait 10000 fw1_neigh_is $MAC2"
ktap_check "traffic flows through nlb2" flowing nlb2
ktap_check "delete nlb2's namespace under traffic" ip netns del "$nlb2"
ktap_check "nlb2's namespace is gone" busywait 10000 eval "! ip netns list | grep -q '^$nlb2'"
# the access side of the deleted namespace disappears with it (veth peer)
ktap_check "nlb2's bridge port is gone" busywait 10000 eval "! ip -n $sw link show nlb2-acc >/dev/null 2>&1"
dp_stream_stop
ktap_check "kernel log clean" dmesg_clean
dmesg_mark unload
ktap_check "unload the module with instances left" nlbs_unload
cleanup_all_ns
ktap_check "kernel log clean after the namespaces are gone" dmesg_clean

ktap_finished
