#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Dual-stack end to end: what selftests/e2e6.sh adds to lib_e2e.sh. Source
# it after lib.sh and lib_e2e.sh:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$(dirname "$0")/lib_e2e.sh"
#	. "$(dirname "$0")/lib_e2e6.sh"
#
# The reference topology with both firewalls and IPv6 on every leg
# (lib.sh topo_ipv6, Documentation/topology.rst), and on it:
#   fw1, fw2   keepalived, one VRRPv3 sync group: lib_e2e.sh's three IPv4
#              instances and three IPv6 ones holding lib.sh's fw1 addresses
#              2001:db8:113::1 (outside), fd00:10::1 (access), fd00:20::1
#              (server side) as virtual addresses; each firewall has its
#              own ::2 / ::3 on every leg; both route VIP6/128 via
#              NLBS_ADDR6 fd00:10::100
#   srv1..3    lighttpd on the VIP, VIP6 (on lo) and the private addresses
#              of both families
#   nlb1, nlb2 nlbsd as in lib_e2e.sh plus nlbs6 = NLBS_ADDR6, a second
#              heartbeat path over IPv6 on the access subnet (address2),
#              an IPv6 reachability target (ICMPv6 to fd00:10::1), a
#              control socket each, and the service VIP6 tcp 80 with
#              srv1..3's IPv6 addresses at weights 1:2:3
# e2e_fw_conf and e2e_nlbsd_conf are wrapped here (the IPv4 text, then the
# IPv6 additions): lib_e2e.sh's e2e_fw_start, e2e_nlbsd_start and the steps
# built on them start the dual-stack processes.

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP lib_e2e6.sh is the e2e6 suite's library, not a test"
	exit 4
fi

# each firewall's own IPv6 address on out, acc, srv (the VRRP ones: lib.sh)
FW_OUT_IP6S=(2001:db8:113::2 2001:db8:113::3)
FW_ACC_IP6S=(fd00:10::2 fd00:10::3)
FW_SRV_IP6S=(fd00:20::2 fd00:20::3)

# ---- processes ---------------------------------------------------------------
# lib_e2e.sh's configurations, kept under another name and wrapped
eval "$(declare -f e2e_fw_conf | sed '1s/^e2e_fw_conf /e2e4_fw_conf /')"
eval "$(declare -f e2e_nlbsd_conf | sed '1s/^e2e_nlbsd_conf /e2e4_nlbsd_conf /')"

# keepalived on fwI: the IPv4 instances, and three IPv6 ones in the same
# sync group (VRRPv3 carries IPv6 in instances of their own; a virtual
# link-local address first, RFC 5798 5.2.9, then the global one)
e2e_fw_conf() {
	local i=$1 prio state inst leg vid addr
	prio=$((i == 1 ? 150 : 100))
	state=$([ "$i" = 1 ] && echo MASTER || echo BACKUP)
	e2e4_fw_conf "$i" | sed 's/^\t\tSRV$/\t\tSRV\n\t\tOUT6\n\t\tACC6\n\t\tSRV6/'
	for inst in "OUT6 out 61 $FW_OUT_IP6" "ACC6 acc 62 $FW_ACC_IP6" "SRV6 srv 63 $FW_SRV_IP6"; do
		read -r inst leg vid addr <<<"$inst"
		cat <<EOC
vrrp_instance $inst {
	state $state
	interface $leg
	virtual_router_id $vid
	priority $prio
	advert_int $E2E_VRRP_ADVERT
	virtual_ipaddress {
		fe80::1/64 dev $leg
		$addr/64 dev $leg
	}
}
EOC
	done
}

# e2e6_fw_master I: fwI holds the six VRRP addresses
e2e6_fw_master() {
	local a
	a=$(ip -n "$(e2e_ns "fw$1")" -6 -o addr show)
	e2e_fw_master "$1" && grep -q " $FW_OUT_IP6/64" <<<"$a" &&
		grep -q " $FW_ACC_IP6/64" <<<"$a" && grep -q " $FW_SRV_IP6/64" <<<"$a"
}

# e2e6_fw_backup I: fwI holds none of them
e2e6_fw_backup() {
	e2e_fw_backup "$1" && ! ip -n "$(e2e_ns "fw$1")" -6 -o addr show |
		grep -qE " ($FW_OUT_IP6|$FW_ACC_IP6|$FW_SRV_IP6)/"
}

# nlbsd.conf(5) of nlbI: lib_e2e.sh's, and the IPv6 parts ([node] and
# [reachability] may come twice: the keys add up)
e2e_nlbsd_conf() {
	local i=$1 s
	e2e4_nlbsd_conf "$@"
	cat <<EOC
[node]
nlbs6 = $NLBS_ADDR6
address2 = ${NLB_ACC_IP6S[i - 1]}
control-socket = $E2E_TMP/nlb$i.ctl
[peer]
address2 = ${NLB_ACC_IP6S[2 - i]}
[reachability]
target = icmp $FW_ACC_IP6
[service $VIP6 tcp 80]
check = http /health status 200
interval = ${E2E_CHECK_INT}ms
timeout = ${E2E_CHECK_TO}ms
rise = $E2E_RISE
fall = $E2E_FALL
on-fail = drain
dynamic = no
EOC
	for s in 0 1 2; do echo "server = ${SRV_IP6S[s]} weight ${E2E_WEIGHTS[s]}"; done
}

# e2e6_http_start I: lighttpd on srvI on both families: lib_e2e.sh's
# e2e_http_start (the VIP, srvI's IPv4 address, a page naming the server,
# /health, an access log with the client's address first) and these sockets
e2e_http_listen() {
	echo "\$SERVER[\"socket\"] == \"[$VIP6]:80\" { }"
	echo "\$SERVER[\"socket\"] == \"[${SRV_IP6S[$1 - 1]}]:80\" { }"
}
e2e6_http_start() { e2e_http_start "$@"; }

# e2e6_http_up I: srvI answers on both private addresses
e2e6_http_up() {
	e2e_http_up "$1" &&
		ip netns exec "$(e2e_ns "srv$1")" curl -sf -m 2 "http://[${SRV_IP6S[$1 - 1]}]/health" >/dev/null
}

# e2e6_hold_start NAME HOST CONNS NEWTHREADS INTERVAL_MS: e2e_hold_start to
# HOST (the VIP or VIP6; the helper connects to either family)
e2e6_hold_start() {
	local name=$1
	e2e_py_file
	ip netns exec "$client" /usr/bin/python3 -S "$E2E_TMP/e2e.py" hold "$2" "$3" "$4" "$5" \
		"$E2E_TMP/$name" 2>>"$E2E_TMP/$name.err" &
	E2E_PID[hold-$name]=$!
	defer e2e_reap "$!"
}

# ---- queries -------------------------------------------------------------------
# e2e6_weight NODE I: srvI's weight in NODE's kernel, service VIP6 tcp 80
e2e6_weight() {
	local out
	out=$(e2e_genl "$1" server show "$VIP6" tcp 80) || return 1
	[[ $out =~ ${SRV_IP6S[$2 - 1]}\ weight\ ([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}

# e2e6_weight_is I W: srvI's IPv6 address has weight W on both NLBs
e2e6_weight_is() {
	[ "$(e2e6_weight nlb1 "$1")" = "$2" ] && [ "$(e2e6_weight nlb2 "$1")" = "$2" ]
}

# e2e6_both_weights_are W1 W2 W3: the IPv4 and the IPv6 service
e2e6_both_weights_are() {
	local i
	for i in 1 2 3; do
		e2e_weight_is "$i" "${!i}" && e2e6_weight_is "$i" "${!i}" || return 1
	done
}

# e2e6_hits I FAMILY: requests of /index.html srvI logged from the client
# over FAMILY (4 or 6)
e2e6_hits() {
	local a=$CLIENT_IP
	[ "$2" = 6 ] && a=$CLIENT_IP6
	grep -c "^$a .*\"GET /index.html " "$E2E_TMP/srv$1/access.log"
}

# e2e6_ab FAMILY N C: ab from the client to the VIP of FAMILY, N requests on
# fresh connections, C at a time; per-server counts (access logs, that
# family's requests only) in E2E_DIST
e2e6_ab() {
	local fam=$1 n=$2 c=$3 i out url before=() total
	url="http://$VIP/index.html"
	[ "$fam" = 6 ] && url="http://[$VIP6]/index.html"
	for i in 1 2 3; do before[i]=$(e2e6_hits $i "$fam"); done
	out=$(client ab -q -s 20 -n "$n" -c "$c" "$url" 2>&1)
	E2E_AB_DONE=$(awk '/^Complete requests:/ { print $3 }' <<<"$out")
	E2E_AB_FAILED=$(awk '/^Failed requests:/ { print $3 }' <<<"$out")
	E2E_AB_NON2XX=$(awk '/^Non-2xx responses:/ { print $3 }' <<<"$out")
	E2E_AB_RPS=$(awk '/^Requests per second:/ { print $4 }' <<<"$out")
	e2e6_ab_counted() {
		total=0
		for i in 1 2 3; do
			E2E_DIST[i - 1]=$(($(e2e6_hits $i "$fam") - before[i]))
			total=$((total + E2E_DIST[i - 1]))
		done
		[ "$total" -ge "$n" ]
	}
	e2e_wait 10000 e2e6_ab_counted
	[ "${E2E_AB_DONE:-0}" = "$n" ] && [ "${E2E_AB_FAILED:-1}" = 0 ] && [ -z "$E2E_AB_NON2XX" ] &&
		[ "$total" = "$n" ] && return 0
	log "ab $url: complete ${E2E_AB_DONE:-?}, failed ${E2E_AB_FAILED:-?}, non-2xx ${E2E_AB_NON2XX:-0}; access logs: ${E2E_DIST[*]} (total $total of $n)"
	tail -n 25 <<<"$out" | sed 's/^/# ab: /'
	return 1
}

# e2e6_curl FAMILY PORT: one GET / to the VIP of FAMILY from client port
# PORT; prints the answer, true if a server answered
e2e6_curl() {
	local out url="http://$VIP/"
	[ "$1" = 6 ] && url="http://[$VIP6]/"
	out=$(client curl "-$1" -s -m $((5 * ${NLBS_TIMEOUT_SCALE:-1})) --local-port "$2" "$url")
	echo "${out:-no answer}"
	[[ $out == "served by srv"[123] ]]
}

# e2e6_neigh_is NLB: fw1's neighbour entry of NLBS_ADDR6 has NLB's access MAC
e2e6_neigh_is() {
	local i=${1#nlb} out
	out=$(fw1 ip -6 neigh show "$NLBS_ADDR6" dev acc)
	[[ $out == *"lladdr $(mac_of "${NLB_ACC_IPS[i - 1]}") "* ]] || { log "fw1: ${out:-no entry}"; return 1; }
}

# e2e6_synced NODE N: NODE's kernel holds at least N IPv6 flows from the
# client to VIP6 tcp 80 that flow sync imported
e2e6_synced() {
	local n
	n=$(e2e_genl "$1" flow show "$VIP6" tcp 80 |
		grep -c "^flow tcp \[$CLIENT_IP6\]:[0-9]* -> \[$VIP6\]:80 server .*imported")
	[ "$n" -ge "$2" ] || { log "$1: $n imported IPv6 flows of the client (want $2)"; return 1; }
}

# e2e6_hb6 I: nlbI's daemon hears its peer on the IPv6 heartbeat path
# (nlbsd status: path 2 connected, heartbeats received on it)
e2e6_hb6() {
	local out rx
	out=$(ip netns exec "$(e2e_ns "nlb$1")" "$NLBSD" -c "$E2E_TMP/nlb$1.conf" status) || return 1
	rx=$(sed -n "s/^heartbeat-path: 2 ${NLB_ACC_IP6S[$1 - 1]} -> \[\{0,1\}${NLB_ACC_IP6S[2 - $1]}\]\{0,1\}:[0-9]*, connected, .*, rx \([0-9]*\)$/\1/p" <<<"$out")
	[ "${rx:-0}" -gt 0 ] || { log "nlb$1: $(grep '^heartbeat-path' <<<"$out")"; return 1; }
}

# ---- setup -------------------------------------------------------------------
# e2e6_setup_net: namespaces with IPv6, firewalls (keepalived, both
# families), HTTP servers on both families (no nlbs)
e2e6_setup_net() {
	local i t0
	t0=$(now_ms)
	topo_setup --fw2 && topo_ipv6 || return 1
	E2E_T_TOPO=$(($(now_ms) - t0))
	# the firewalls' own addresses first (fw1's static VRRP addresses go:
	# keepalived owns them; their prefixes stay on-link meanwhile)
	for i in 1 2; do
		ip -6 -n "$(e2e_ns "fw$i")" -b - <<EOC || return 1
addr add ${FW_OUT_IP6S[i - 1]}/64 dev out nodad
addr add ${FW_ACC_IP6S[i - 1]}/64 dev acc nodad
addr add ${FW_SRV_IP6S[i - 1]}/64 dev srv nodad
EOC
	done
	fw2 sysctl -qw net.ipv6.conf.all.forwarding=1 >/dev/null &&
		fw2 ip -6 route add "$VIP6/128" via "$NLBS_ADDR6" dev acc || return 1
	fw1 ip addr del "$FW_OUT_VIP/24" dev out &&
		fw1 ip addr del "$FW_ACC_VIP/24" dev acc &&
		fw1 ip addr del "$FW_SRV_VIP/24" dev srv &&
		fw1 ip -6 addr del "$FW_OUT_IP6/64" dev out &&
		fw1 ip -6 addr del "$FW_ACC_IP6/64" dev acc &&
		fw1 ip -6 addr del "$FW_SRV_IP6/64" dev srv || return 1
	e2e_fw_start 1 && e2e_fw_start 2 || return 1
	for i in 1 2 3; do e2e6_http_start $i || return 1; done
	e2e_wait 20000 e2e6_fw_master 1 ||
		{ log "fw1 did not become VRRP master of both families"; ip -n "$fw1" -o addr; tail -n 20 "$E2E_TMP/fw1.log"; return 1; }
	e2e6_fw_backup 2 || { log "fw2 holds a VRRP address"; return 1; }
	for i in 1 2 3; do
		e2e_wait 20000 e2e6_http_up $i ||
			{ log "lighttpd on srv$i does not answer on both families"; cat "$E2E_TMP/srv$i/"*.log; return 1; }
	done
	E2E_T_NET=$(($(now_ms) - t0))
}

# e2e6_setup_nlbs: lib_e2e.sh's (the module, both daemons, nlb1 active, the
# IPv4 weights, an IPv4 answer), then the IPv6 weights and an IPv6 answer
e2e6_setup_nlbs() {
	local i
	e2e_setup_nlbs || return 1
	for i in 1 2 3; do
		e2e_wait 20000 e2e6_weight_is $i "${E2E_WEIGHTS[i - 1]}" ||
			{ log "srv$i IPv6 weight: nlb1 $(e2e6_weight nlb1 $i), nlb2 $(e2e6_weight nlb2 $i)"; e2e_logs; return 1; }
	done
	e2e_wait 10000 client curl -6 -sf -m 3 -o /dev/null "http://[$VIP6]/" ||
		{ log "the client gets no answer from VIP6"; return 1; }
}
