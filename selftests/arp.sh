#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ARP for the NLBS address, on the wire: only the active NLB answers (exactly
# one reply, from its access MAC), a standby or init NLB never does; on
# becoming active an NLB announces itself with gratuitous ARP (garp-count
# announcements garp-interval ms apart) and the firewall's neighbour entry for
# the NLBS address flips to it. Prints how long a takeover takes until VIP
# traffic reaches a server again (a diagnostic, not a criterion).
#
# Neighbour-cache notes (checked here on the kernel under test): Linux applies
# a gratuitous ARP *request* (sender = target = the NLBS address) to an
# existing entry with override, whatever the entry's locktime (arp_process:
# override = locktime expired || is_garp, since v4.19), so the flip needs
# neither locktime 0 nor arp_accept. Without an entry, arp_accept=0 (the
# default) ignores the announcement and the firewall resolves the address on
# its next packet instead (the active NLB answers); arp_accept=1 creates the
# entry from the announcement. The test does the first takeover with the
# default locktime, the second with locktime 0, and logs the no-entry cases.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dp.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"

ktap_check "build the topology" topo_setup || ktap_finished
ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark arp

MAC1=$(dp_mac nlb1 acc)
MAC2=$(dp_mac nlb2 acc)

setup_nlbs() {
	local i s
	for i in 1 2; do
		dp_nlb $i || return 1
		dp_genl nlb$i service add "$VIP" udp 53 || return 1
		for s in "${SRV_IPS[@]}"; do
			dp_genl nlb$i server add "$VIP" udp 53 "$s" || return 1
		done
	done
}
ktap_check "configure nlb1 and nlb2 (init)" setup_nlbs || ktap_finished

# Counters of both NLBs before a step: arrays B1 (nlb1) and B2 (nlb2).
snap() { dp_snap B1 nlb1 && dp_snap B2 nlb2; }

# ask TAG PORT...: one ARP request for the NLBS address from fw1, with
# captures of what fw1 receives (TAG-fw) and of what each given NLB's access
# port carries (TAG-nlbN). Returns once both NLBs counted the request and
# arping is done (it waits up to 1 s for a reply).
REQ="arp[6:2] = 1 and arp[24:4] = 0x0a0a0064"
REPLY="arp[6:2] = 2 and arp[14:4] = 0x0a0a0064"
ask() {
	local tag=$1 want=$2 n
	shift 2
	snap || return 1
	cap_start "$tag-fw" "$sw" fw1-acc arp || return 1
	for n in "$@"; do cap_start "$tag-$n" "$sw" "$n-acc" arp || return 1; done
	fw1 arping -q -c 1 -w 1 -I acc "$NLBS_ADDR"
	busywait 5000 dp_stat_is nlb1 arp-requests $((${B1[arp-requests]} + 1)) ||
		{ log "nlb1 arp-requests did not move"; return 1; }
	busywait 5000 dp_stat_is nlb2 arp-requests $((${B2[arp-requests]} + 1)) ||
		{ log "nlb2 arp-requests did not move"; return 1; }
	# fw1 has its own request in the capture: the capture is that far
	busywait 5000 cap_has "$tag-fw" "$want" "($REQ) or ($REPLY)"
	cap_stop "$tag-fw"
	for n in "$@"; do cap_stop "$tag-$n"; done
	return 0
}

# replies TAG [NODE]: ARP replies for the NLBS address fw1 received (or that
# left NODE's access port), as tcpdump -e text
replies() {
	if [ $# = 1 ]; then
		cap_show "$1-fw" "$REPLY"
	else
		cap_show "$1-$2" "$REPLY and ether src $(dp_mac "$2" acc)"
	fi
}

none_from() {
	local r
	r=$(replies "$1" "$2")
	[ -z "$r" ] && return 0
	log "replies from $2: $r"
	return 1
}

exactly_one_from() {
	local r n
	r=$(replies "$1")
	n=$(grep -c . <<<"$r")
	if [ "$n" != 1 ]; then
		log "fw1 received $n replies:"
		log "$r"
		return 1
	fi
	# ether source and ARP sender hardware address: the active NLB's access MAC
	grep -q " $2 > $(dp_mac fw1 acc), ethertype ARP.*Reply $NLBS_ADDR is-at $2," <<<"$r" ||
		{ log "reply not from $2: $r"; return 1; }
}

# counters NODE ARRAY REQUESTS REPLIES: arp-requests and arp-replies moved so
counters() {
	local -n b=$2
	dp_expect_delta "$1" arp-requests "${b[arp-requests]}" "$3" &&
	dp_expect_delta "$1" arp-replies "${b[arp-replies]}" "$4"
}

# ---- init: nobody answers ----------------------------------------------
ktap_check "init: the request reaches both NLBs" ask init 1
ktap_check "init: fw1 gets no reply" test -z "$(replies init)"
ktap_check "init: arp-requests +1, arp-replies +0 on both" \
	eval "counters nlb1 B1 1 0 && counters nlb2 B2 1 0"

# ---- nlb1 active, nlb2 standby -----------------------------------------
ktap_check "nlb1 active, nlb2 standby" eval "dp_state nlb1 active && dp_state nlb2 standby"
# nlb1 announced itself when it became active: let those pass first.
ktap_check "nlb1 sent 3 gratuitous ARPs (garp-count default)" busywait 10000 dp_stat_is nlb1 garp-sent 3
ktap_check "nlb2 (standby) sent none" dp_stat_is nlb2 garp-sent 0
ktap_check "active: the request reaches both NLBs" ask act 2 nlb2
ktap_check "active: fw1 gets exactly one reply, from nlb1's access MAC" exactly_one_from act "$MAC1"
ktap_check "active: nlb1 arp-requests +1, arp-replies +1" counters nlb1 B1 1 1
ktap_check "standby: no reply leaves nlb2's access port" none_from act nlb2
ktap_check "standby: nlb2 arp-requests +1, arp-replies +0" counters nlb2 B2 1 0

# ---- nlb1 active -> standby: nobody answers ----------------------------
ktap_check "nlb1 active -> standby" dp_state nlb1 standby
ktap_check "both standby: the request reaches both NLBs" ask stby 1 nlb1
ktap_check "both standby: fw1 gets no reply" test -z "$(replies stby)"
ktap_check "both standby: no reply leaves nlb1's access port" none_from stby nlb1
ktap_check "both standby: arp-replies +0 on both" \
	eval "counters nlb1 B1 1 0 && counters nlb2 B2 1 0"

# ---- takeover ------------------------------------------------------------
# A datagram stream client -> VIP udp/53 through fw1; fw1's neighbour entry
# for the NLBS address decides which NLB gets it.
dp_stream_start "$client" "$VIP" 53 5

fw1_neigh_is() { [ "$(dp_neigh_mac fw1 acc "$NLBS_ADDR")" = "$1" ]; }
flowing_through() {
	local f
	f=$(dp_stat "$1" forwarded) || return 1
	busywait 10000 dp_stat_ge "$1" forwarded $((f + 5)) && return 0
	dp_genl "$1" stats | sed 's/^/# /'
	return 1
}

# takeover FROM TO: FROM goes standby, TO active; asserts fw1's entry flips
# to TO's MAC and the stream reaches a server again, and logs how long after
# 'state set active' the first datagram reached a server port.
takeover() {
	local from=$1 to=$2 tag=$3 t0 ts ms g
	g=$(dp_stat "$to" garp-sent) || return 1
	dp_state "$from" standby || return 1
	# Everything in flight through FROM is gone by the time tcpdump listens.
	# the new active's server leg: what it forwards (the server has it
	# microseconds later)
	cap_start "$tag" "$(dp_ns "$to")" srv \
		"ether src $(dp_mac "$to" srv) and udp and dst host $VIP and dst port 53" || return 1
	t0=$(date +%s%N)
	dp_state "$to" active || return 1
	busywait 10000 fw1_neigh_is "$(dp_mac "$to" acc)" ||
		{ log "fw1's entry: $(fw1 ip neigh show "$NLBS_ADDR")"; return 1; }
	busywait 10000 cap_has "$tag" 1 || { log "no datagram reached a server"; return 1; }
	ts=$(cap_show "$tag" -tt -c 1 | awk '{ print $1 }')
	cap_stop "$tag"
	ms=$(( (${ts/./} - t0 / 1000) / 1000 ))
	TAKE_MSG="takeover $from -> $to ($4): first datagram forwarded to a server ${ms} ms after 'state set active'"
	busywait 5000 dp_stat_is "$to" garp-sent $((g + 3)) ||
		{ log "$to garp-sent $(dp_stat "$to" garp-sent), expected $((g + 3))"; return 1; }
}

ktap_check "nlb1 active" dp_state nlb1 active
ktap_check "stream flows through nlb1" flowing_through nlb1
ktap_check "fw1's entry for the NLBS address is nlb1's MAC" fw1_neigh_is "$MAC1"
log "fw1 acc: arp_accept $(fw1 sysctl -n net.ipv4.conf.acc.arp_accept)," \
	"$(fw1 ip ntable show name arp_cache dev acc | grep -o 'locktime [0-9]*') ms"
ktap_check "takeover nlb1 -> nlb2 (default locktime): fw1 flips to nlb2, traffic resumes" \
	takeover nlb1 nlb2 take1 "default locktime"
log "$TAKE_MSG"
ktap_check "stream flows through nlb2" flowing_through nlb2

ktap_check "fw1: locktime 0" fw1 ip ntable change name arp_cache dev acc locktime 0
ktap_check "takeover nlb2 -> nlb1 (locktime 0): fw1 flips to nlb1, traffic resumes" \
	takeover nlb2 nlb1 take2 "locktime 0"
log "$TAKE_MSG"
ktap_check "stream flows through nlb1 again" flowing_through nlb1
dp_stream_stop

# Without an entry (documented, not asserted: kernel behaviour).
no_entry() {
	local accept=$1 g
	fw1 sysctl -qw net.ipv4.conf.acc.arp_accept="$accept" net.ipv4.conf.all.arp_accept="$accept"
	fw1 ip neigh flush dev acc to "$NLBS_ADDR"
	g=$(dp_stat nlb1 garp-sent)
	dp_genl nlb1 state set active announce
	busywait 5000 dp_stat_is nlb1 garp-sent $((g + 3))
	# the announcements are on the wire; give fw1 a moment to process them
	busywait 1000 test -n "$(dp_neigh_mac fw1 acc "$NLBS_ADDR")"
	log "arp_accept=$accept, no entry: after nlb1's announcements fw1 has" \
		"'$(fw1 ip neigh show "$NLBS_ADDR" dev acc)'"
}
no_entry 0
no_entry 1
fw1 sysctl -qw net.ipv4.conf.acc.arp_accept=0 net.ipv4.conf.all.arp_accept=0

# ---- gratuitous ARP count and interval -----------------------------------
GARP="arp[6:2] = 1 and arp[14:4] = 0x0a0a0064 and arp[24:4] = 0x0a0a0064"
garp_train() {
	local g gaps
	dp_state nlb1 standby || return 1
	dp_genl nlb1 config set garp-count 5 garp-interval 200 || return 1
	g=$(dp_stat nlb1 garp-sent) || return 1
	cap_start garp "$sw" nlb1-acc "arp and ether src $MAC1 and ether dst ff:ff:ff:ff:ff:ff" || return 1
	dp_state nlb1 active || return 1
	busywait 10000 dp_stat_is nlb1 garp-sent $((g + 5)) ||
		{ log "garp-sent $(dp_stat nlb1 garp-sent), expected $((g + 5))"; return 1; }
	busywait 5000 cap_has garp 5 "$GARP" || { log "$(cap_count garp) announcements captured"; return 1; }
	# No poll can show that a sixth does not come: wait 3 intervals.
	sleep 0.6
	cap_stop garp
	[ "$(cap_count garp "$GARP")" = 5 ] || { log "$(cap_count garp "$GARP") announcements"; return 1; }
	dp_expect_delta nlb1 garp-sent "$g" 5 || return 1
	# is-at nlb1's MAC: tcpdump shows a request with sender = target as an
	# "Announcement"; check sender MAC via -e source and the count above.
	gaps=$(cap_show garp -tt "$GARP" | awk '{ if (NR > 1) printf "%d ", ($1 - p) * 1000; p = $1 }')
	GAPS=$gaps
	for g in $gaps; do
		[ "$g" -ge 180 ] || { log "gap ${g}ms < 200ms"; return 1; }
	done
}
ktap_check "garp-count 5 garp-interval 200: 5 announcements, >= 200 ms apart" garp_train
log "garp-count 5 garp-interval 200: gaps between announcements (ms): $GAPS"
ktap_check "fw1's entry back on nlb1" busywait 5000 fw1_neigh_is "$MAC1"

# ---- the access device moves away and back --------------------------------
# The new device's hook is registered before the old one is dropped (two
# hook slots); both directions are exercised here.
access_move() {
	local ns r0
	ns=$(dp_ns nlb1) || return 1
	ip -n "$ns" link add acc2 type dummy && ip -n "$ns" link set acc2 up || return 1
	dp_state nlb1 standby && dp_genl nlb1 config set access acc2 && dp_state nlb1 active ||
		return 1
	r0=$(dp_stat nlb1 arp-requests) || return 1
	if fw1 arping -q -c 1 -w 1 -I acc "$NLBS_ADDR"; then
		log "fw1 got a reply while nlb1's access device is acc2"
		return 1
	fi
	dp_stat_is nlb1 arp-requests "$r0" || { log "nlb1 still sees requests on acc"; return 1; }
	dp_state nlb1 standby && dp_genl nlb1 config set access acc && dp_state nlb1 active ||
		return 1
	ip -n "$ns" link del acc2 || return 1
	fw1 arping -q -c 1 -w 2 -I acc "$NLBS_ADDR" || { log "no reply once acc is back"; return 1; }
	dp_stat_is nlb1 arp-requests $((r0 + 1)) ||
		{ log "nlb1 arp-requests $(dp_stat nlb1 arp-requests), expected $((r0 + 1))"; return 1; }
}
ktap_check "access device acc -> acc2 (no answer on acc) -> acc (answers again)" access_move

ktap_check "kernel log clean" dmesg_clean
ktap_check "unload the module" nlbs_unload

ktap_finished
