#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed and odd frames on the access device (selftests/fuzz/fuzz_pkt.py,
# a packet socket on the veth peer of the NLB's access device): truncated
# Ethernet, ARP and IPv4 headers, bad version, IHL and total length, zero and
# oversized lengths, bad checksums, every fragment shape, options (valid and
# garbage), VLAN and QinQ tags, broadcast, multicast and other hosts'
# destinations, ARP requests, replies and announcements with the NLBS
# address spoofed as sender, ICMP errors quoting garbage or a datagram of the
# VIP, non-IP garbage. Each frame's fate is predicted from the documented
# behaviour, and the counters must account for every frame: rx,
# drop-malformed, arp-requests, arp-replies (and the replies seen on the
# wire), arp-conflicts, drop-toobig, icmp-forwarded, drop-inactive exactly;
# forwarded + drop-xmit. First with the NLB active, then standby. The spoofed
# NLBS address is never learnt as a neighbour, the module's flow cache is
# under slub_debug, the kernel log stays clean, the flow cache empties and
# the module unloads. GRO on the access device turns a burst of TCP segments
# into GSO skbs (selftests/fuzz/gso_burst.py): forwarded whole.
#   NLBS_FUZZ_FRAMES (default 6000 active + 1/5 of it standby),
#   NLBS_FUZZ_LONG=1 (400000), NLBS_FUZZ_SEED.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fuzz/lib_fuzz.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"

N=${NLBS_FUZZ_FRAMES:-6000}
[ "${NLBS_FUZZ_LONG:-0}" = 1 ] && N=${NLBS_FUZZ_FRAMES:-400000}
SEED=${NLBS_FUZZ_SEED:-$(( $(date +%s) % 100000 ))}
VIP=198.51.100.10 NLBS=10.10.0.100
NLB_MAC=02:00:0a:0a:00:0b
SRV_MACS=(02:00:0a:14:00:15 02:00:0a:14:00:16 02:00:0a:14:00:17)
log "seed $SEED, $N frames active, $((N / 5)) standby (NLBS_FUZZ_SEED, NLBS_FUZZ_FRAMES, NLBS_FUZZ_LONG=1)"

ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark fuzz_pkt

# inj0 (injector) -- acc [nlb] srv -- eth0 (srv): MTU 9000 on the access
# side so oversized frames arrive, 1500 towards the server.
setup() {
	setup_ns inj nlb srv || return 1
	ip -n "$inj" link add inj0 mtu 9000 type veth peer name acc netns "$nlb" mtu 9000 &&
		ip -n "$nlb" link add srv type veth peer name eth0 netns "$srv" &&
		ip -n "$inj" link set inj0 up &&
		ip -n "$nlb" -b - <<-EOF &&
		link set acc address $NLB_MAC up
		addr add 10.10.0.11/24 dev acc
		link set srv up
		addr add 10.20.0.11/24 dev srv
		EOF
		ip -n "$srv" -b - <<-EOF || return 1
		link set eth0 address ${SRV_MACS[0]} up
		addr add 10.20.0.21/24 dev eth0
		addr add $VIP/32 dev lo
		EOF
	nlbs_genl_ns "$nlb" -b - <<-EOF
	config set access acc servers srv nlbs $NLBS
	service add $VIP
	service add $VIP udp 53
	server add $VIP 10.20.0.21 mac ${SRV_MACS[0]}
	server add $VIP 10.20.0.22 mac ${SRV_MACS[1]}
	server add $VIP 10.20.0.23 mac ${SRV_MACS[2]}
	server add $VIP udp 53 10.20.0.21 mac ${SRV_MACS[0]}
	server add $VIP udp 53 10.20.0.22 mac ${SRV_MACS[1]}
	server add $VIP udp 53 10.20.0.23 mac ${SRV_MACS[2]}
	state set active
	EOF
}
ktap_check "an NLB (active) between an injector and a server; whole VIP and udp/53" setup ||
	ktap_finished

snap() {
	local -n a=$1
	local k v
	a=()
	while read -r k v; do
		[ -n "$v" ] && a[$k]=$v
	done <<<"$(nlbs_genl_ns "$nlb" stats | awk 'NF == 2')"
	a[txdrop]=$(ip netns exec "$inj" cat /sys/class/net/inj0/statistics/tx_dropped)
	[ -n "${a[rx]:-}" ]
}

# run STATE COUNT SEED: inject, then compare every predicted counter
declare -A B A
run() {
	local state=$1 count=$2 seed=$3 out k want got rc=0
	nlbs_genl_ns "$nlb" state set "$state" || return 1
	snap B || return 1
	out=$(ip netns exec "$inj" /usr/bin/python3 -S "$FUZZ_DIR/fuzz_pkt.py" inj0 "$NLB_MAC" "$VIP" \
		"$NLBS" "$count" "$seed" "$state") || { echo "$out"; return 1; }
	echo "$out" >"$FUZZ_TMP/$state.json"
	declare -A W=()
	while read -r k want; do W[$k]=$want; done \
		<<<"$(jq -r '(.expect | to_entries[] | "\(.key) \(.value)"), "seen \(.arp_replies_seen)"' <<<"$out")"
	# the last frames may still be in flight: wait for rx to settle
	busywait 5000 eval '[ $(( $(nlbs_genl_ns "$nlb" stats | awk '"'"'$1 == "rx" { print $2 }'"'"') - ${B[rx]} )) -ge '"${W[rx]}"' ]'
	sleep 0.5
	snap A || return 1
	for k in rx drop-malformed arp-requests arp-replies arp-conflicts drop-inactive \
		drop-toobig icmp-forwarded drop-no-server; do
		got=$((A[$k] - B[$k]))
		[ "$got" = "${W[$k]}" ] || { log "$state: $k moved by $got, expected ${W[$k]}"; rc=1; }
	done
	got=$((A[forwarded] - B[forwarded] + A[drop-xmit] - B[drop-xmit]))
	[ "$got" = "${W[forwarded]}" ] ||
		{ log "$state: forwarded + drop-xmit moved by $got, expected ${W[forwarded]}"; rc=1; }
	[ $((A[drop-xmit] - B[drop-xmit])) = 0 ] || log "$state: drop-xmit +$((A[drop-xmit] - B[drop-xmit])) (veth backlog)"
	[ "${W[seen]}" = "${W[arp-replies]}" ] ||
		{ log "$state: ARP replies seen ${W[seen]}, expected ${W[arp-replies]}"; rc=1; }
	[ "${A[txdrop]}" = "${B[txdrop]}" ] ||
		{ log "$state: the injector's veth dropped $((A[txdrop] - B[txdrop])) frames: not all arrived"; rc=1; }
	return $rc
}
summary() {
	jq -r '"\(.sent) frames sent (\(.refused) refused by the socket) in \(.seconds) s: " +
		([.expect | to_entries[] | select(.value > 0) | "\(.key) \(.value)"] | join(", "))' \
		"$FUZZ_TMP/$1.json"
	jq -r '.classes | to_entries | map("\(.key) \(.value)") | join(", ")' "$FUZZ_TMP/$1.json" |
		fold -s -w 150 | sed 's/^/  /'
}

ktap_check "active: $N frames, the counters account for every one" run active "$N" "$SEED"
[ -r "$FUZZ_TMP/active.json" ] && while read -r l; do log "$l"; done <<<"$(summary active)"
ktap_check "standby: $((N / 5)) frames, the counters account for every one" \
	run standby $((N / 5)) $((SEED + 1))
[ -r "$FUZZ_TMP/standby.json" ] && log "$(summary standby | head -n 1)"

not_learnt() {
	local n
	n=$(ip -n "$nlb" neigh show "$NLBS" dev acc | grep lladdr)
	[ -z "$n" ] && return 0
	log "nlb's neighbour entry for the NLBS address: $n"
	return 1
}
# Found by this fuzzer (selftests/fuzz/repro_arp_spoof.sh): an ARP request
# to the NLB's own address with the NLBS address as sender must not teach
# the stack the spoofer's MAC for the NLBS address.
ktap_check "the spoofed NLBS address is not learnt as a neighbour" not_learnt

# GSO-shaped skbs: GRO on the access veth (NAPI) with a flush timeout merges
# a burst of TCP segments of one connection into GSO skbs, the shape a NIC
# with GRO/LRO hands over. Each must be forwarded whole to the server
# (segments of 1000 bytes fit its MTU of 1500: never drop-toobig).
SEGS=32 SEG=1000
gso() {
	local before after rx fwd bytes
	nlbs_genl_ns "$nlb" state set active || return 1
	# veth hands frames to the peer's NAPI (and GRO) only from a sender
	# without TSO (drivers/net/veth.c: veth_skb_is_eligible_for_gro)
	ip netns exec "$inj" ethtool -K inj0 tso off >/dev/null &&
		ip netns exec "$nlb" ethtool -K acc gro on >/dev/null ||
		{ log "ethtool -K: tso off on inj0, gro on on acc failed"; return 1; }
	ip netns exec "$nlb" sh -c 'echo 1000000 >/sys/class/net/acc/gro_flush_timeout' || return 1
	snap B || return 1
	before=$(ip netns exec "$srv" cat /sys/class/net/eth0/statistics/rx_bytes)
	ip netns exec "$inj" /usr/bin/python3 -S "$FUZZ_DIR/gso_burst.py" inj0 "$NLB_MAC" \
		10.10.0.254 "$VIP" 80 $SEGS $SEG >/dev/null || return 1
	gso_in() {
		after=$(ip netns exec "$srv" cat /sys/class/net/eth0/statistics/rx_bytes)
		[ $((after - before)) -ge $((SEGS * SEG)) ]
	}
	busywait 10000 gso_in || log "the server received $((after - before)) bytes, expected >= $((SEGS * SEG))"
	snap A || return 1
	rx=$((A[rx] - B[rx])) fwd=$((A[forwarded] - B[forwarded])) bytes=$((after - before))
	log "$SEGS segments of $SEG bytes arrived as $rx skbs; forwarded $fwd, server received $bytes bytes"
	ip netns exec "$nlb" sh -c 'echo 0 >/sys/class/net/acc/gro_flush_timeout'
	ip netns exec "$nlb" ethtool -K acc gro off >/dev/null
	ip netns exec "$inj" ethtool -K inj0 tso on >/dev/null
	[ "$rx" -ge 1 ] && [ "$rx" -lt $SEGS ] ||
		{ log "GRO merged nothing: no GSO skb reached the hook"; return 1; }
	[ "$fwd" = "$rx" ] && [ $((A[drop-toobig] - B[drop-toobig])) = 0 ] &&
		[ $((A[drop-malformed] - B[drop-malformed])) = 0 ] && [ "$bytes" -ge $((SEGS * SEG)) ]
}
if command -v ethtool >/dev/null; then
	ktap_check "GRO on the access device: $SEGS TCP segments as GSO skbs, forwarded whole" gso
else
	ktap_skip "GRO on the access device: GSO skbs forwarded whole" "ethtool missing (selftests/vm/deps.sh)"
fi
# slub_debug=FZPU (selftests/vm/run.sh) covers the module's cache: objects
# left at unload are listed ("Objects remaining") and WARN, which panics
slub_dbg() {
	local d f
	d=$(slab_dir nlbs_flow) || { log "nlbs_flow is merged into $(readlink /sys/kernel/slab/nlbs_flow)"; return 1; }
	for f in sanity_checks red_zone poison store_user; do
		[ "$(cat "$d/$f")" = 1 ] || { log "nlbs_flow: $f $(cat "$d/$f")"; return 1; }
	done
}
if grep -q 'slub_debug=[^ ]*F[^ ]*Z[^ ]*P[^ ]*U\|slub_debug=FZPU' /proc/cmdline; then
	ktap_check "the module's flow cache is under slub_debug (F, Z, P, U)" slub_dbg
else
	ktap_skip "the module's flow cache is under slub_debug (F, Z, P, U)" "no slub_debug=FZPU on the command line"
fi
ktap_check "kernel log clean" dmesg_clean
flows_gone() { [ "$(slab_objs nlbs_flow)" = 0 ]; }
drain() {
	nlbs_genl_ns "$nlb" flow flush >/dev/null || return 1
	busywait 10000 flows_gone || { log "nlbs_flow objects: $(slab_objs nlbs_flow)"; return 1; }
}
ktap_check "flows flushed: the flow cache holds no object" drain
cleanup_all_ns
ktap_check "unload" nlbs_unload
ktap_finished
