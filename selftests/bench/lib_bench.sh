#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the benchmark parts (selftests/bench/*.sh, run in the VM by
# selftests/bench/guest.sh). Source it after selftests/lib.sh:
#
#	. "$(dirname "$0")/../lib.sh"
#	. "$(dirname "$0")/lib_bench.sh"
#
# Sections: parameters; records (the "@bench {json}" lines the host turns
# into results.json); the bench topology; pktgen; contenders (bare tc path,
# IPVS-DR, nlbs); memory.
#
# Nothing here fails on a figure: a measurement that cannot be made is
# recorded with an "error" field and the part goes on.

# ---- parameters ------------------------------------------------------------
# NLBS_BENCH=quick: a few minutes; anything else: the full run (~35 min).
BENCH_MODE=${NLBS_BENCH:-full}
case "$BENCH_MODE" in
quick)
	BENCH_ROUNDS=${NLBS_BENCH_ROUNDS:-2}
	BENCH_COUNT=${NLBS_BENCH_COUNT:-20000}	# packets per measured run
	;;
*)
	BENCH_MODE=full
	BENCH_ROUNDS=${NLBS_BENCH_ROUNDS:-3}
	BENCH_COUNT=${NLBS_BENCH_COUNT:-50000}
	;;
esac
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_WARM=${NLBS_BENCH_WARM:-3000}	# unmeasured packets first (flows, caches)
BENCH_FLOWS=1000			# client source ports 10000..10999
BENCH_SPORT=10000
BENCH_PORT=5001				# the service's UDP port

VIP=198.51.100.10
NLBS_ADDR=10.10.0.100
GEN_IP=10.10.0.1			# the firewall's access leg (pktgen)
CLIENT_IP=203.0.113.10			# the source of the datagrams
NLB_ACC_IP=10.10.0.11
NLB_SRV_IP=10.20.0.11
SRV_IPS=(10.20.0.21 10.20.0.22 10.20.0.23)
SRV_WEIGHTS=(1 2 3)

BENCH_TMP=$(mktemp -d /tmp/nlbs-bench.XXXXXX)
defer rm -rf "$BENCH_TMP"
BENCH_PART=${BENCH_PART:-$(basename "$0" .sh)}

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# ---- records -----------------------------------------------------------------
# rec KEY=VALUE...: one result line, "@bench {json}"; numbers stay numbers.
# Every record gets "part". The host collects these lines (guest.sh output).
rec() {
	local kv k v out="\"part\":\"$BENCH_PART\","
	for kv in "$@"; do
		k=${kv%%=*} v=${kv#*=}
		if [[ $v =~ ^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]; then
			out+="\"$k\":$v,"
		else
			v=${v//\\/\\\\} v=${v//\"/\\\"} v=${v//$'\n'/ } v=${v//$'\t'/ }
			out+="\"$k\":\"$v\","
		fi
	done
	echo "@bench {${out%,}}"
}

# note MSG: a line for the reader of the log (not a result), with the
# seconds since the part started
note() { echo "# bench[$BENCH_PART +${SECONDS}s]: $*"; }

# in_budget SECONDS [WHAT]: true when SECONDS more fit before the part's
# deadline (NLBS_BENCH_DEADLINE, epoch seconds, set by guest.sh); else
# records WHAT as skipped. The parts check it before each costly step, so a
# slow host shortens the run instead of having a part killed midway.
in_budget() {
	local now=${EPOCHSECONDS:-$(date +%s)}
	[ -z "${NLBS_BENCH_DEADLINE:-}" ] && return 0
	[ $((now + $1)) -le "$NLBS_BENCH_DEADLINE" ] && return 0
	[ -n "${2:-}" ] && rec kind=skipped what="$2" reason="time budget of the part"
	note "skipped ${2:-a step}: time budget"
	return 1
}

# median N...: the median of the numbers
median() {
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
		if (!NR) exit 1
		print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ---- topology ------------------------------------------------------------------
#
#   gen  acc 10.10.0.1 ---veth--- acc 10.10.0.11  nlb  srv 10.20.0.11
#   (the firewall: pktgen)         (the balancer)       |
#                                                  sw: br0 (port nlb-srv)
#                                   ports s1 s2 s3 -----+
#                                   srv1..3 eth0 10.20.0.21..23, VIP on lo
#
# One veth from the firewall straight into the NLB's access device (no
# bridge: the access side adds nothing); the server side is a bridge with
# static FDB entries (no flooding). Every MAC is 02:00 + the IPv4 address
# (mac_of). The servers drop the benchmark's datagrams at tc ingress (after
# the veth counted them: rx_packets), so no ICMP port unreachable comes
# back. The NLB knows the servers' MACs (permanent neighbours): no ARP.
#
# Counting: "servers" mode sums rx_packets of srv1..3 (read as tx_packets of
# s1..s3 in sw); "sink" mode (static-MAC servers that do not exist) drops
# everything at tc ingress of sw's nlb-srv and counts its rx_packets.
bench_topo() {
	local i n nb="" fdb=""
	setup_ns gen nlb sw srv1 srv2 srv3 || return 1
	ip -n "$sw" -b - <<-END || return 1
	link add br0 type bridge forward_delay 0 stp_state 0 mcast_snooping 0
	link set br0 up
	link add nlb-srv type veth peer name srv netns $nlb
	link set nlb-srv master br0 up
	link add s1 type veth peer name eth0 netns $srv1
	link add s2 type veth peer name eth0 netns $srv2
	link add s3 type veth peer name eth0 netns $srv3
	link set s1 master br0 up
	link set s2 master br0 up
	link set s3 master br0 up
	END
	ip -n "$gen" -b - <<-END || return 1
	link add acc type veth peer name acc netns $nlb
	link set acc address $(mac_of $GEN_IP) up
	addr add $GEN_IP/24 dev acc
	route add $VIP/32 via $NLBS_ADDR dev acc
	END
	ip -n "$nlb" -b - <<-END || return 1
	link set acc address $(mac_of $NLB_ACC_IP) up
	addr add $NLB_ACC_IP/24 dev acc
	link set srv address $(mac_of $NLB_SRV_IP) up
	addr add $NLB_SRV_IP/24 dev srv
	route add default via $GEN_IP
	END
	for i in 1 2 3; do
		n=srv$i
		ip -n "${!n}" -b - <<-END || return 1
		link set eth0 address $(mac_of "${SRV_IPS[i - 1]}") up
		addr add ${SRV_IPS[i - 1]}/24 dev eth0
		addr add $VIP/32 dev lo
		route add default via $NLB_SRV_IP
		neigh replace $NLB_SRV_IP lladdr $(mac_of $NLB_SRV_IP) dev eth0 nud permanent
		END
		tc -n "${!n}" -b - <<-END || return 1
		qdisc add dev eth0 clsact
		filter add dev eth0 ingress protocol ip pref 1 matchall action drop
		END
		nb+="neigh replace ${SRV_IPS[i - 1]} lladdr $(mac_of "${SRV_IPS[i - 1]}") dev srv nud permanent
"
		fdb+="fdb replace $(mac_of "${SRV_IPS[i - 1]}") dev s$i master static
"
	done
	nb+="link add park type dummy
"
	fdb+="fdb replace $(mac_of $NLB_SRV_IP) dev nlb-srv master static
"
	ip -n "$nlb" -b - <<<"$nb" || return 1
	bridge -n "$sw" -b - <<<"$fdb" || return 1
	ip netns exec "$nlb" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.acc.rp_filter=0 \
		net.ipv4.conf.srv.rp_filter=0 net.ipv4.conf.all.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2 >/dev/null || return 1
	BENCH_COUNT_MODE=servers
	bench_sysfs
}

# bench_sink on|off: "sink" counting (see above)
bench_sink() {
	if [ "$1" = on ]; then
		tc -n "$sw" -b - <<-END || return 1
		qdisc add dev nlb-srv clsact
		filter add dev nlb-srv ingress protocol all pref 1 matchall action drop
		END
		BENCH_COUNT_MODE=sink
	else
		tc -n "$sw" qdisc del dev nlb-srv clsact 2>/dev/null
		BENCH_COUNT_MODE=servers
	fi
}

# bench_sysfs: sw's sysfs mounted at $BENCH_TMP/sw (a sysfs mount shows the
# devices of the mounter's network namespace), so the pktgen runner reads
# the counters with shell builtins: no process per reading under TCG.
bench_sysfs() {
	mkdir -p "$BENCH_TMP/sw" &&
		nsenter --net="/run/netns/$sw" mount -t sysfs sysfs "$BENCH_TMP/sw" || return 1
	defer umount "$BENCH_TMP/sw"
}

# bench_delivered: the datagrams counted so far (see the counting modes)
bench_delivered() {
	local d=$BENCH_TMP/sw/class/net v n=0 i
	if [ "$BENCH_COUNT_MODE" = sink ]; then
		read -r n <"$d/nlb-srv/statistics/rx_packets"
	else
		for i in 1 2 3; do
			read -r v <"$d/s$i/statistics/tx_packets"
			n=$((n + v))
		done
	fi
	echo "$n"
}

# ---- pktgen ----------------------------------------------------------------------
# The runner, sourced by a shell in the sending namespace (pktgen's control
# files are per namespace): configures pktgen's device, sends a warm-up
# burst, snapshots the counter, sends COUNT, snapshots again and prints
# "sent errors usec delivered". Shell builtins only, but for two sleeps.
# Arguments: DEV MODE(xmit|rx) DSTMAC COUNT WARM RATEP(0: flat out) SRC_MIN
#   SRC_MAX SPORT_MIN SPORT_MAX(exclusive) DST DPORT COUNTING [MARK]
bench_pg_file() {
	[ -r "$BENCH_TMP/pg.sh" ] && return 0
	{
		declare -f bench_delivered
		echo "BENCH_TMP=$BENCH_TMP"
		cat <<-'EOS'
		dev=$1 mode=$2 dmac=$3 count=$4 warm=$5 ratep=$6 smin=$7 smax=$8 pmin=$9
		pmax=${10} dst=${11} dport=${12}
		BENCH_COUNT_MODE=${13} mark=${14:-}
		P=/proc/net/pktgen
		pg() {
			echo "$2" >"$P/$1" 2>/dev/null && return 0
			local l r=""
			while read -r l; do [[ $l == Result:* ]] && r=$l; done <"$P/$1"
			echo "# pktgen: $1: '$2' refused: $r" >&2
			return 1
		}
		# done: the device's result is a finished run's. "start" waits for
		# the run, unless pktgen's thread took longer than 125 ms to see it
		# (a busy TCG host): then it returns at once, and this waits.
		done_run() {
			local l i
			for ((i = 0; i < 1200; i++)); do
				while read -r l; do
					[[ $l =~ ^Result:\ OK:\ [0-9]+\( ]] && return 0
				done <"$P/$dev"
				sleep 0.1
			done
			echo "# pktgen: no result after 120 s" >&2
			return 1
		}
		[ -w $P/kpktgend_0 ] || { echo "# pktgen: no $P/kpktgend_0" >&2; exit 1; }
		if [ ! -e "$P/$dev" ]; then
			pg kpktgend_0 "add_device $dev" || exit 1
		fi
		xm=start_xmit
		[ "$mode" = rx ] && xm=netif_receive
		conf=("xmit_mode $xm" "clone_skb 0" "burst 1" "pkt_size 60" "dst_mac $dmac"
		      "dst $dst" "src_min $smin" "src_max $smax" "udp_src_min $pmin"
		      "udp_src_max $pmax" "udp_dst_min $dport" "udp_dst_max $dport"
		      "flag NO_TIMESTAMP" "flag !UDPSRC_RND" "flag !IPSRC_RND" "delay 0")
		for c in "${conf[@]}"; do pg "$dev" "$c" || exit 1; done
		if [ "$warm" -gt 0 ]; then
			pg "$dev" "count $warm" && pg pgctrl start && done_run || exit 1
			sleep 0.2
		fi
		if [ "$ratep" -gt 0 ]; then pg "$dev" "ratep $ratep" || exit 1; fi
		pg "$dev" "count $count" || exit 1
		c0=$(bench_delivered)
		# the host notes the VM's CPU time at each mark (cpuwatch.py)
		[ -n "$mark" ] && echo "@mark $mark begin" >&2
		pg pgctrl start && done_run || exit 1
		[ -n "$mark" ] && echo "@mark $mark end" >&2
		sleep 0.2
		c1=$(bench_delivered)
		sent="" errors=0 usec=""
		while read -r l; do
			[[ $l =~ pkts-sofar:\ ([0-9]+)\ +errors:\ ([0-9]+) ]] &&
				sent=${BASH_REMATCH[1]} errors=${BASH_REMATCH[2]}
			[[ $l =~ ^Result:\ OK:\ ([0-9]+)\( ]] && usec=${BASH_REMATCH[1]}
			[[ $l == Result:* ]] && res=$l
		done <"$P/$dev"
		[ -n "$usec" ] && [ -n "$sent" ] || { echo "# pktgen: $res" >&2; exit 1; }
		echo "$sent $errors $usec $((c1 - c0))"
		EOS
	} >"$BENCH_TMP/pg.sh"
}

# bench_pg MODE COUNT [RATEP [SPORTS [SRC_MIN SRC_MAX]]]: one pktgen run of
# 64-byte UDP datagrams to VIP:BENCH_PORT over SPORTS source ports (default
# the BENCH_FLOWS flows). MODE xmit: from gen's acc (the firewall) into the
# NLB's access device; nic: the same with an XDP program passing every frame
# on the NLB's access device, so that each arrives in a buffer of its own as
# from a NIC (see bench_xdp); rx: pktgen's netif_receive on the NLB's acc
# itself (the balancer's own cost, but on pktgen's shared skbs). Sets PG_SENT PG_ERR PG_USEC PG_DELIV PG_PPS (delivered
# per second) PG_LOSS (share of sent not delivered, %) and PG_MARK: the id of
# the run's marks (the host's CPU time of the VM, cpuwatch.py); put
# mark="$PG_MARK" in the record.
BENCH_RUNS=0
# bench_xdp on|off: the pass-everything XDP program on the NLB's acc. pktgen
# keeps a reference on each skb it sends, so without it every datagram
# reaches the balancer shared (a contender that writes the frame must copy
# it first, which no NIC's frame needs); with it, veth copies each frame
# into a page of its own, for every contender alike.
bench_xdp() {
	ip netns exec "$nlb" /usr/bin/python3 "$BENCH_DIR/xdp_pass.py" acc "$1"
}
bench_pg() {
	local mode=$1 count=$2 ratep=${3:-0} sports=${4:-$BENCH_FLOWS}
	local smin=${5:-$CLIENT_IP} smax=${6:-$CLIENT_IP} ns out
	bench_pg_file
	ns=$gen
	[ "$mode" = rx ] && ns=$nlb
	BENCH_RUNS=$((BENCH_RUNS + 1))
	PG_MARK=$BENCH_PART-$$-$BENCH_RUNS
	PG_SENT=0 PG_ERR=0 PG_USEC=0 PG_DELIV=0 PG_PPS=0 PG_LOSS=100
	# shellcheck disable=SC2086 # PG_WRAP: a command prefix (rate.sh's perf)
	out=$(${PG_WRAP:-} ip netns exec "$ns" bash "$BENCH_TMP/pg.sh" acc "$mode" "$(mac_of $NLB_ACC_IP)" \
		"$count" "$BENCH_WARM" "$ratep" "$smin" "$smax" "$BENCH_SPORT" \
		$((BENCH_SPORT + sports)) "$VIP" "$BENCH_PORT" "$BENCH_COUNT_MODE" "$PG_MARK") ||
		return 1
	read -r PG_SENT PG_ERR PG_USEC PG_DELIV <<<"$out"
	[ "${PG_USEC:-0}" -gt 0 ] || return 1
	PG_PPS=$(( (PG_DELIV * 1000000 + PG_USEC / 2) / PG_USEC ))
	PG_LOSS=$(awk -v d="$PG_DELIV" -v s="$PG_SENT" 'BEGIN { printf "%.3f", s ? 100 * (s - d) / s : 100 }')
}

# ---- contenders -------------------------------------------------------------------
# contender_up NAME / contender_down NAME. NAME: bare, ipvs-wrr, ipvs-mh, nlbs.
# Each leaves the NLB namespace as it found it (no qdisc, no IPVS service, no
# VIP address, module unloaded), so every round starts from the same state.

# bare: what the NLB must at least do: match the VIP, rewrite the destination
# MAC (and the source) and send it out of srv. tc flower + pedit + mirred, no
# balancing: every datagram to srv1.
c_bare_up() {
	tc -n "$nlb" -b - <<-END
	qdisc add dev acc clsact
	filter add dev acc ingress protocol ip pref 1 flower dst_ip $VIP ip_proto udp action pedit ex munge eth dst set $(mac_of "${SRV_IPS[0]}") munge eth src set $(mac_of $NLB_SRV_IP) pipe action mirred egress redirect dev srv
	END
}
c_bare_down() {
	tc -n "$nlb" qdisc del dev acc clsact
}

# IPVS-DR: the VIP local on the NLB (lo), a UDP virtual service, the servers
# with -g (gatewaying = direct routing) and the weights.
c_ipvs_up() {
	local sched=$1 i
	{
		echo "-A -u $VIP:$BENCH_PORT -s $sched"
		for i in 0 1 2; do
			echo "-a -u $VIP:$BENCH_PORT -r ${SRV_IPS[i]}:$BENCH_PORT -g -w ${SRV_WEIGHTS[i]}"
		done
	} >"$BENCH_TMP/ipvs.rules"
	ip -n "$nlb" addr add "$VIP/32" dev lo &&
		ip netns exec "$nlb" ipvsadm -R <"$BENCH_TMP/ipvs.rules"
}
c_ipvs_down() {
	ip netns exec "$nlb" ipvsadm -C
	ip -n "$nlb" addr del "$VIP/32" dev lo
}

# nlbs: the module, the instance on acc/srv, one service, three servers
# (resolved through the neighbour table, as IPVS does), active. Down: the
# service deleted and the access side moved to a dummy device ("park"), so
# no hook of nlbs is left on acc for the other contenders; the module stays
# loaded (an insmod per round costs seconds under TCG).
c_nlbs_up() {
	local i
	{
		echo "config set access acc servers srv nlbs $NLBS_ADDR"
		echo "service add $VIP udp $BENCH_PORT"
		for i in 0 1 2; do
			echo "server add $VIP udp $BENCH_PORT ${SRV_IPS[i]} weight ${SRV_WEIGHTS[i]}"
		done
		echo "state set active"
	} >"$BENCH_TMP/nlbs.batch"
	if [ ! -d /sys/module/nlbs ]; then
		bench_nlbs_load || return 1
	fi
	nlbs_genl -n "$nlb" -b "$BENCH_TMP/nlbs.batch"
}
c_nlbs_down() {
	printf '%s\n' "service del $VIP udp $BENCH_PORT" "state set standby" "config set access park" \
		>"$BENCH_TMP/nlbs.down"
	nlbs_genl -n "$nlb" -b "$BENCH_TMP/nlbs.down" || bench_nlbs_unload
}

# bench_nlbs_load [PARAMS...] / bench_nlbs_unload: the module (lib.sh's
# nlbs_load/nlbs_unload, quietly)
bench_nlbs_load() {
	[ -d /sys/module/nlbs ] && bench_nlbs_unload
	nlbs_load "$@" >/dev/null || { note "insmod $NLBS_KO $* failed"; return 1; }
}
bench_nlbs_unload() {
	[ -d /sys/module/nlbs ] || return 0
	nlbs_unload >/dev/null || { note "rmmod nlbs failed"; return 1; }
}

contender_up() {
	case "$1" in
	bare) c_bare_up ;;
	ipvs-*) c_ipvs_up "${1#ipvs-}" ;;
	nlbs) c_nlbs_up ;;
	*) return 1 ;;
	esac
}
contender_down() {
	case "$1" in
	bare) c_bare_down ;;
	ipvs-*) c_ipvs_down ;;
	nlbs) c_nlbs_down ;;
	esac
} >/dev/null 2>&1

# bench_modules: what the contenders need
bench_modules() {
	local m ok=1
	for m in pktgen ip_vs ip_vs_wrr ip_vs_mh sch_ingress cls_flower act_pedit \
		act_mirred cls_matchall act_gact; do
		modprobe "$m" 2>/dev/null || { note "modprobe $m failed"; ok=0; }
	done
	[ $ok = 1 ]
}

# ---- memory ------------------------------------------------------------------------
# kmem_kb: kernel memory held in slab (large kmallocs included: they are
# accounted there), vmalloc and per-CPU areas, in kB, after dropping the
# reclaimable caches and letting RCU callbacks run. Not MemFree: freed
# pages wait in per-CPU lists, which would move it by megabytes.
kmem_kb() {
	sleep 1
	echo 3 >/proc/sys/vm/drop_caches
	awk '/^Slab:/ { s = $2 } /^VmallocUsed:/ { v = $2 } /^Percpu:/ { p = $2 }
	     END { print s + v + p }' /proc/meminfo
}

# slab_kb NAME: kB held by slab cache NAME (0 if none; boot with slab_nomerge
# so that the module's caches are not merged with others)
slab_kb() {
	awk -v n="$1" '$1 == n { print int($3 * $4 / 1024); f = 1 } END { if (!f) print 0 }' \
		/proc/slabinfo
}
