#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the data-plane tests (arp.sh, forward.sh, distribution.sh,
# robust.sh). Source it after lib.sh:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$(dirname "$0")/lib_dp.sh"
#
# Sections: scratch directory; nlbs instances and counters; packet captures;
# traffic (one python3 helper, no scapy: fast under TCG).

# ---- scratch ---------------------------------------------------------------
DP_TMP=$(mktemp -d /tmp/nlbs-dp.XXXXXX)
defer rm -rf "$DP_TMP"

# ---- nlbs instances --------------------------------------------------------
# dp_nlb I [CONFIG ARGS...]: configure nlb$I of the reference topology
# (access acc, servers srv, the NLBS address) plus the extra config args.
dp_nlb() {
	local ns i=$1
	shift
	ns=$(dp_ns "nlb$i") || return 1
	nlbs_genl_ns "$ns" config set access acc servers srv nlbs "$NLBS_ADDR" "$@"
}

# dp_ns NODE: the namespace name of a topology node (nlb1, srv2, ...)
dp_ns() {
	[ -n "${!1:-}" ] || { log "no node $1"; return 1; }
	echo "${!1}"
}

# dp_genl NODE ARGS...: nlbs-genl in a topology node
dp_genl() {
	local ns
	ns=$(dp_ns "$1") || return 1
	shift
	nlbs_genl_ns "$ns" "$@"
}

# dp_state NODE STATE: set the state
dp_state() {
	dp_genl "$1" state set "$2"
}

# dp_stat NODE COUNTER: one instance counter (nlbs-genl stats names:
# rx forwarded arp-requests arp-replies garp-sent drop-inactive ...)
dp_stat() {
	local v
	v=$(dp_genl "$1" stats | awk -v k="$2" '$1 == k && NF == 2 { print $2 }')
	[ -n "$v" ] || { log "no counter $2 on $1"; return 1; }
	echo "$v"
}

# dp_srv_pkts NODE ADDR [SERVICE WORDS...]: packets sent to server ADDR,
# summed over its services (or only the service "VIP [tcp|udp PORT]")
dp_srv_pkts() {
	local node=$1 addr=$2
	shift 2
	dp_genl "$node" stats | awk -v a="$addr" -v s="$*" '
		$1 == "service" {
			for (i = 1; i <= NF; i++) if ($i == "server") break
			svc = ""
			for (j = 2; j < i; j++) svc = svc (j > 2 ? " " : "") $j
			if ($(i + 1) != a || (s != "" && svc != s)) next
			for (; i <= NF; i++) if ($i == "packets") n += $(i + 1)
		}
		END { print n + 0 }'
}

# dp_snap ARRAY NODE: all instance counters of NODE, in one call, into the
# global associative array ARRAY (keys: counter names)
dp_snap() {
	local k v
	declare -gA "$1"
	local -n dp_snap_a=$1
	dp_snap_a=()
	while read -r k v; do
		[ -n "$v" ] && dp_snap_a[$k]=$v
	done <<<"$(dp_genl "$2" stats | awk 'NF == 2')"
	[ -n "${dp_snap_a[rx]:-}" ]
}

# dp_stat_is NODE COUNTER VALUE: the counter has VALUE (for busywait)
dp_stat_is() {
	[ "$(dp_stat "$1" "$2")" = "$3" ]
}

# dp_stat_ge NODE COUNTER VALUE
dp_stat_ge() {
	local v
	v=$(dp_stat "$1" "$2") || return 1
	[ "$v" -ge "$3" ]
}

# dp_expect_delta NODE COUNTER BEFORE DELTA: counter == BEFORE + DELTA,
# says what it saw otherwise
dp_expect_delta() {
	local v
	v=$(dp_stat "$1" "$2") || return 1
	[ "$v" = $(($3 + $4)) ] && return 0
	log "$1 $2: $v, expected $3 + $4"
	return 1
}

# dp_mac NODE DEV: the MAC of NODE's DEV
dp_mac() {
	ip -n "$(dp_ns "$1")" -br link show dev "$2" | awk '{ print $3 }'
}

# dp_neigh_mac NODE DEV ADDR: the lladdr of NODE's neighbour entry (empty if none)
dp_neigh_mac() {
	ip -n "$(dp_ns "$1")" neigh show "$3" dev "$2" |
		awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'
}

# ---- captures --------------------------------------------------------------
declare -A DP_CAP_PID

# cap_start NAME NS DEV [FILTER...]: tcpdump on DEV in NS into
# $DP_TMP/NAME.pcap; returns once it listens.
cap_start() {
	local name=$1 ns=$2 dev=$3 f
	shift 3
	f=$DP_TMP/$name
	ip netns exec "$ns" tcpdump -Z root -i "$dev" -nn -U --immediate-mode -B 4096 \
		-s 2048 -w "$f.pcap" "$@" 2>"$f.err" &
	DP_CAP_PID[$name]=$!
	defer kill "$!"
	busywait 60000 grep -q "listening on" "$f.err" ||
		{ log "tcpdump $name did not start: $(cat "$f.err")"; return 1; }
}

# cap_stop NAME: stop a capture
cap_stop() {
	local pid=${DP_CAP_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "DP_CAP_PID[$1]"
	return 0
}

# cap_show NAME [FILTER...]: the capture as text (-e: with MACs)
cap_show() {
	local name=$1
	shift
	tcpdump -r "$DP_TMP/$name.pcap" -nn -e "$@" 2>/dev/null
}

# cap_count NAME [FILTER...]: how many packets the capture holds (so far)
cap_count() {
	cap_show "$@" | wc -l
}

# cap_has NAME N [FILTER...]: the capture holds at least N packets
cap_has() {
	local name=$1 n=$2
	shift 2
	[ "$(cap_count "$name" "$@")" -ge "$n" ]
}

# cap_ip_hex NAME [FILTER...]: each packet's bytes after the Ethernet
# header, in hex, one line each (the IP packet as it was on the wire)
cap_ip_hex() {
	local name=$1
	shift
	tcpdump -r "$DP_TMP/$name.pcap" -w "$DP_TMP/$name.sel.pcap" "$@" 2>/dev/null
	dp_py pcaphex "$DP_TMP/$name.sel.pcap"
}

# ---- traffic ---------------------------------------------------------------
# dp_py CMD ARGS...: the python3 helper selftests/py/dp.py. Commands:
#   pcaphex FILE                      frames of a pcap minus 14 bytes, hex
#   udp NS DST PORT COUNT SPORT [STEP [LEN]]
#                                     COUNT datagrams from NS, source port
#                                     SPORT + i*STEP (STEP 0: one port)
#   udpraw NS DST PORT COUNT SPORT    COUNT datagrams from source ports
#                                     SPORT + i, on one raw socket (fast)
#   udpmap NS DST PORT COUNT SPORT CAP_NS CAP_DEV
#                                     udpraw, each datagram caught on CAP_DEV
#                                     in CAP_NS: "sport dst-mac" lines
#   stream NS DST PORT INTERVAL_MS SECONDS
#                                     one datagram each INTERVAL_MS, one
#                                     source port, for SECONDS
#   first NS DEV DST PORT SECONDS     "listening", then "first NS" at the
#                                     first UDP datagram to DST:PORT that DEV
#                                     receives (exit 1: none in SECONDS)
#   flows SRC_NS DST PORT COUNT SPORT RCV_NS...
#                                     COUNT flows (one datagram each, source
#                                     port SPORT + i), each received on a UDP
#                                     socket bound to DST:PORT in one of the
#                                     RCV_NS; prints "sport index" (index of
#                                     the receiving namespace, -1: lost)
#   send NS DEV FILE                  raw frames, one hex line each, on DEV
dp_py() {
	/usr/bin/python3 -S "$NLBS_TOP/selftests/py/dp.py" "$@"
}

# dp_stream_start NS DST PORT INTERVAL_MS: dp_py stream in the background
# (for at most 10 minutes); dp_stream_stop ends it
dp_stream_start() {
	/usr/bin/python3 -S "$NLBS_TOP/selftests/py/dp.py" stream "$@" 600 &
	DP_STREAM=$!
	defer kill "$DP_STREAM"
}
dp_stream_stop() {
	kill "$DP_STREAM" 2>/dev/null
	wait "$DP_STREAM" 2>/dev/null
	return 0
}


# dp_flows OUT COUNT SPORT [PORT]: COUNT UDP flows from the client to VIP:PORT
# (default 53) from source ports SPORT..; OUT (in $DP_TMP) gets "sport
# server-index" lines (index 0..2 for srv1..3, -1: lost)
dp_flows() {
	dp_py flows "$client" "$VIP" "${4:-53}" "$2" "$3" "$srv1" "$srv2" "$srv3" >"$DP_TMP/$1" || return 1
	[ "$(wc -l <"$DP_TMP/$1")" = "$2" ]
}

# dp_per_server OUT: "n0 n1 n2 lost" of a dp_flows result
dp_per_server() {
	awk '{ n[$2]++ } END { printf "%d %d %d %d\n", n[0], n[1], n[2], n[-1] }' "$DP_TMP/$1"
}
