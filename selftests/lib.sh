#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for selftests/*.sh (and demo.sh). Source it first:
#
#	. "$(dirname "$0")/lib.sh"
#
# It installs an EXIT trap that runs deferred commands, deletes the namespaces
# it made and unloads the module if it loaded it. Tests must not install their
# own EXIT trap; use defer instead.
#
# Sections: paths; KTAP output; cleanup; kernel log; module; namespaces;
# busywait; the reference topology (Documentation/topology.rst) as namespaces.

# ---- paths -------------------------------------------------------------
NLBS_TOP=${NLBS_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
NLBS_KO=${NLBS_KO:-$NLBS_TOP/kmod/nlbs.ko}
NLBS_GENL=${NLBS_GENL:-$NLBS_TOP/tools/nlbs-genl/nlbs-genl}
NLBSD=${NLBSD:-$NLBS_TOP/tools/nlbsd/nlbsd}
NLBS_SPLAT_PAT=$NLBS_TOP/selftests/vm/splat.pat
export NLBS_TOP NLBS_KO NLBS_GENL NLBSD

# kselftest exit codes
ksft_pass=0
ksft_fail=1
ksft_skip=4

# ---- KTAP --------------------------------------------------------------
# Each test script prints its own KTAP document (header, one line per
# subtest, the plan at the end); selftests/run.sh indents it as a subtest.
KTAP_N=0
KTAP_PASS=0
KTAP_FAIL=0
KTAP_SKIP=0
KTAP_STARTED=0

ktap_header() {
	[ "$KTAP_STARTED" = 1 ] && return
	KTAP_STARTED=1
	echo "TAP version 13"
}

# log MSG...: a diagnostic line
log() {
	echo "# $*"
}

ktap_pass() {
	ktap_header
	KTAP_N=$((KTAP_N + 1)) KTAP_PASS=$((KTAP_PASS + 1))
	echo "ok $KTAP_N $1"
}

# ktap_fail NAME [WHY]
ktap_fail() {
	ktap_header
	KTAP_N=$((KTAP_N + 1)) KTAP_FAIL=$((KTAP_FAIL + 1))
	[ $# -gt 1 ] && log "$2"
	echo "not ok $KTAP_N $1"
}

# ktap_skip NAME WHY
ktap_skip() {
	ktap_header
	KTAP_N=$((KTAP_N + 1)) KTAP_SKIP=$((KTAP_SKIP + 1))
	echo "ok $KTAP_N $1 # SKIP $2"
}

# ktap_check NAME CMD...: one subtest, passed when CMD exits 0. CMD runs in
# this shell; its output is shown (as diagnostics) only when it fails.
ktap_check() {
	local name=$1 out rc
	shift
	# Not in a subshell: CMD may set variables (topo_setup, nlbs_load).
	out=$(mktemp)
	local ktap_check_t0=${EPOCHREALTIME/./}
	"$@" >"$out" 2>&1
	rc=$?
	# Where a slow test spends its time: a subtest over 5 s says so;
	# NLBS_KTAP_TIME=1: every subtest's time
	local ktap_check_ms=$(( (${EPOCHREALTIME/./} - ktap_check_t0) / 1000 ))
	if [ "${NLBS_KTAP_TIME:-0}" = 1 ] || [ $ktap_check_ms -gt 5000 ]; then
		log "($ktap_check_ms ms)"
	fi
	if [ $rc = 0 ]; then
		ktap_pass "$name"
	else
		sed 's/^/# /' "$out" | head -n 40
		ktap_fail "$name" "'$*' exited $rc"
	fi
	rm -f "$out"
	return $rc
}

# ktap_skip_all WHY: the whole test cannot run here; exits 4.
ktap_skip_all() {
	ktap_header
	echo "1..0 # SKIP $1"
	exit $ksft_skip
}

# ktap_finished: print the plan and totals, exit 0 / 1 (a failure) / 4 (all
# subtests skipped). Call it last.
ktap_finished() {
	ktap_header
	echo "1..$KTAP_N"
	echo "# totals: pass:$KTAP_PASS fail:$KTAP_FAIL skip:$KTAP_SKIP"
	[ "$KTAP_FAIL" -gt 0 ] && exit $ksft_fail
	[ "$KTAP_N" -gt 0 ] && [ "$KTAP_SKIP" = "$KTAP_N" ] && exit $ksft_skip
	exit $ksft_pass
}

# ---- cleanup -----------------------------------------------------------
LIB_DEFERRED=()

# defer CMD...: run CMD at exit (last deferred runs first).
defer() {
	LIB_DEFERRED+=("$(printf '%q ' "$@")")
}

lib_cleanup() {
	local i
	for ((i = ${#LIB_DEFERRED[@]} - 1; i >= 0; i--)); do
		eval "${LIB_DEFERRED[i]}" >/dev/null 2>&1
	done
	LIB_DEFERRED=()
	cleanup_all_ns
	[ "${NLBS_LOADED:-0}" = 1 ] && [ -d /sys/module/nlbs ] && rmmod nlbs 2>/dev/null
	NLBS_LOADED=0
}
trap lib_cleanup EXIT

# ---- kernel log ----------------------------------------------------------
LIB_MARK=""

# dmesg_mark NAME: remember this point of the kernel log
dmesg_mark() {
	LIB_MARK="nlbs-selftest: mark $1 $$ $RANDOM"
	echo "$LIB_MARK" >/dev/kmsg
}

# dmesg_clean: the kernel log since the last dmesg_mark has no splat
# (selftests/vm/splat.pat); prints what it found otherwise.
dmesg_clean() {
	local found
	if [ -n "$LIB_MARK" ]; then
		found=$(dmesg | sed -n "\|$LIB_MARK|,\$p" | grep -E -f "$NLBS_SPLAT_PAT")
	else
		found=$(dmesg | grep -E -f "$NLBS_SPLAT_PAT")
	fi
	[ -z "$found" ] && return 0
	sed 's/^/# dmesg: /' <<<"$found" | head -n 20
	return 1
}

# kmemleak_clean: where the kernel has kmemleak (the debug kernel), scan now
# and fail with its report if it found an unreferenced object, then clear the
# report so the next scan shows only new leaks. Objects younger than 5 s are
# not reported yet: the VM's last scan (selftests/vm/guest.sh) sees those.
KMEMLEAK=/sys/kernel/debug/kmemleak
kmemleak_clean() {
	local leaks
	[ -w "$KMEMLEAK" ] || return 0
	echo scan >"$KMEMLEAK" || return 0
	leaks=$(cat "$KMEMLEAK")
	[ -z "$leaks" ] && return 0
	head -n 40 <<<"$leaks" | sed 's/^/# kmemleak: /'
	echo clear >"$KMEMLEAK"
	return 1
}

# ---- the module ----------------------------------------------------------
# nlbs_load [PARAMS...]: insmod the tree's module; fails on a splat.
nlbs_load() {
	dmesg_mark load
	insmod "$NLBS_KO" "$@" || return 1
	NLBS_LOADED=1
	[ -d /sys/module/nlbs ] || { log "/sys/module/nlbs missing after insmod"; return 1; }
	dmesg_clean
}

# nlbs_unload: rmmod; fails if it stays loaded or the kernel log has a splat.
nlbs_unload() {
	dmesg_mark unload
	rmmod nlbs || return 1
	NLBS_LOADED=0
	[ ! -d /sys/module/nlbs ] || { log "/sys/module/nlbs still there after rmmod"; return 1; }
	dmesg_clean
}

# nlbs_genl ARGS...: the CLI; nlbs_genl_ns NS ARGS...: the CLI in namespace NS
nlbs_genl() {
	"$NLBS_GENL" "$@"
}

nlbs_genl_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$NLBS_GENL" "$@"
}

# ---- namespaces ------------------------------------------------------------
NS_LIST=()

# setup_ns NAME...: for each NAME make a namespace with a unique name, store
# that name in the variable NAME, bring lo up and disable IPv6 (quiet wires).
# One ip process for all of them: under TCG a process costs ~0.1-0.3 s and a
# topology has eight namespaces. SETUP_NS_LO=0: lo left down, for a caller
# that brings it up in an ip batch of its own (topo_setup). The VM's
# guest.sh has new namespaces inherit IPv6 off (devconf_inherit_init_net);
# elsewhere each gets a sysctl.
setup_ns() {
	local name ns batch="" inherit=0 v6off=0 names=()
	read -r inherit 2>/dev/null </proc/sys/net/core/devconf_inherit_init_net
	read -r v6off 2>/dev/null </proc/sys/net/ipv6/conf/default/disable_ipv6
	for name in "$@"; do
		printf -v ns '%s-%04x%04x' "$name" $RANDOM $RANDOM
		batch+="netns add $ns"$'\n'
		names+=("$ns")
	done
	ip -b - <<<"$batch" || return 1
	for ns in "${names[@]}"; do
		NS_LIST+=("$ns")
		printf -v "${1}" '%s' "$ns"
		shift
		if [ "$inherit" != 1 ] || [ "$v6off" != 1 ]; then
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
				net.ipv6.conf.default.disable_ipv6=1 >/dev/null
		fi
		[ "${SETUP_NS_LO:-1}" = 0 ] || ip -n "$ns" link set lo up || return 1
	done
}

# cleanup_all_ns: kill what runs in the namespaces of setup_ns, delete them
cleanup_all_ns() {
	local ns pids batch=""
	for ns in "${NS_LIST[@]}"; do
		[ -n "$ns" ] && batch+="netns pids $ns"$'\n'
	done
	NS_LIST=()
	[ -n "$batch" ] || return 0
	pids=$(ip -force -b - <<<"$batch" 2>/dev/null)
	# shellcheck disable=SC2086
	[ -n "$pids" ] && kill $pids 2>/dev/null
	ip -force -b - <<<"${batch//netns pids/netns del}" 2>/dev/null
	return 0
}

# ---- waiting ---------------------------------------------------------------
# busywait TIMEOUT_MS CMD...: run CMD until it succeeds or TIMEOUT_MS passed.
# The timeout grows with NLBS_TIMEOUT_SCALE (the debug kernel: 4): it bounds
# a wait, it never measures the system under test.
busywait() {
	local timeout=$(($1 * ${NLBS_TIMEOUT_SCALE:-1})) start
	shift
	start=$(date +%s%3N)
	while :; do
		"$@" && return 0
		[ $(($(date +%s%3N) - start)) -ge "$timeout" ] && return 1
		sleep 0.1
	done
}

# ---- the reference topology (Documentation/topology.rst) ------------------------
#
#  client 203.0.113.10                             "Internet" 203.0.113.0/24
#    | eth0
#  [br-out]    fw1 out 203.0.113.2 (+ .1, the VRRP address, held by fw1)
#    |         fw2 out 203.0.113.3
#  fw1 / fw2   forwarding routers; route VIP/32 via 10.10.0.100 (the NLBS address)
#    | acc
#  [br-acc]    access 10.10.0.0/24: fw1 .1 (+ .254) fw2 .2, nlb1 .11, nlb2 .12
#    | acc       10.10.0.100 is answered only by the active NLB (not configured here)
#  nlb1 nlb2
#    | srv
#  [br-srv]    server 10.20.0.0/24: nlb1 .11, nlb2 .12, fw1 .1 (+ .254) fw2 .2,
#    | eth0      srv1 .21 srv2 .22 srv3 .23 (VIP on lo, arp_ignore=1, arp_announce=2,
#  srv1..3       default via 10.20.0.254 = fw1's srv leg: replies skip the NLBs)
#
# The bridges live in namespace $sw; the port of node N's leg L there is "N-L".
# Every interface's MAC is 02:00 followed by its IPv4 address in hex (mac_of).
VIP=198.51.100.10
NLBS_ADDR=10.10.0.100
CLIENT_IP=203.0.113.10
FW_OUT_VIP=203.0.113.1
FW_ACC_VIP=10.10.0.254
FW_SRV_VIP=10.20.0.254
FW_OUT_IPS=(203.0.113.2 203.0.113.3)
FW_ACC_IPS=(10.10.0.1 10.10.0.2)
FW_SRV_IPS=(10.20.0.1 10.20.0.2)
NLB_ACC_IPS=(10.10.0.11 10.10.0.12)
NLB_SRV_IPS=(10.20.0.11 10.20.0.12)
SRV_IPS=(10.20.0.21 10.20.0.22 10.20.0.23)
TOPO_NODES=()

# mac_of IPV4: the MAC topo_setup gives the interface holding IPV4
mac_of() {
	local a b c d
	IFS=. read -r a b c d <<<"$1"
	printf '02:00:%02x:%02x:%02x:%02x\n' "$a" "$b" "$c" "$d"
}

# topo_leg NODE IFNAME BRIDGE ADDR/LEN: a veth from NODE's IFNAME to BRIDGE.
# Only queues ip(8) batch lines (one ip process per namespace: TCG is slow).
topo_leg() {
	local node=$1 ifname=$2 br=$3 addr=$4
	TOPO_BATCH[sw]+="link add $node-$ifname type veth peer name $ifname netns ${!node}
link set $node-$ifname master $br up
"
	TOPO_BATCH[$node]+="link set $ifname address $(mac_of "${addr%/*}") up
addr add $addr dev $ifname
"
}

# topo_setup [--fw2] [--nlbs N] [--servers N]: build the topology (default:
# fw1, nlb1, nlb2, srv1..srv3). Defines variables $client $fw1 ... (namespace
# names) and functions of the same names running a command in that namespace:
#	client ping -c 1 10.20.0.21;  ip -n "$nlb1" link
# nlbs itself is left unconfigured.
topo_setup() {
	local fws=1 nlbs=2 srvs=3 i n br
	while [ $# -gt 0 ]; do
		case "$1" in
		--fw2) fws=2; shift ;;
		--nlbs) nlbs=$2; shift 2 ;;
		--servers) srvs=$2; shift 2 ;;
		*) log "topo_setup: unknown option $1"; return 1 ;;
		esac
	done
	TOPO_NODES=(sw client)
	for ((i = 1; i <= fws; i++)); do TOPO_NODES+=("fw$i"); done
	for ((i = 1; i <= nlbs; i++)); do TOPO_NODES+=("nlb$i"); done
	for ((i = 1; i <= srvs; i++)); do TOPO_NODES+=("srv$i"); done
	SETUP_NS_LO=0 setup_ns "${TOPO_NODES[@]}" || return 1
	declare -gA TOPO_BATCH=()
	for n in "${TOPO_NODES[@]}"; do
		eval "$n() { ip netns exec \"\$$n\" \"\$@\"; }"
		TOPO_BATCH[$n]="link set lo up"$'\n'
	done
	local -A sysctls=()

	for br in br-out br-acc br-srv; do
		TOPO_BATCH[sw]+="link add $br type bridge forward_delay 0 stp_state 0 mcast_snooping 0
link set $br up
"
	done

	topo_leg client eth0 br-out "$CLIENT_IP/24"
	TOPO_BATCH[client]+="route add default via $FW_OUT_VIP
"
	for ((i = 1; i <= fws; i++)); do
		n=fw$i
		topo_leg "$n" out br-out "${FW_OUT_IPS[i - 1]}/24"
		topo_leg "$n" acc br-acc "${FW_ACC_IPS[i - 1]}/24"
		topo_leg "$n" srv br-srv "${FW_SRV_IPS[i - 1]}/24"
		TOPO_BATCH[$n]+="route add $VIP/32 via $NLBS_ADDR dev acc
"
		# Replies from the servers come in on srv with the VIP as source,
		# which this router routes out of acc: no reverse-path filter.
		sysctls[$n]="net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0
			net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.out.rp_filter=0
			net.ipv4.conf.acc.rp_filter=0 net.ipv4.conf.srv.rp_filter=0"
	done
	# The VRRP addresses, held by fw1 (no keepalived here).
	TOPO_BATCH[fw1]+="addr add $FW_OUT_VIP/24 dev out
addr add $FW_ACC_VIP/24 dev acc
addr add $FW_SRV_VIP/24 dev srv
"
	for ((i = 1; i <= nlbs; i++)); do
		topo_leg "nlb$i" acc br-acc "${NLB_ACC_IPS[i - 1]}/24"
		topo_leg "nlb$i" srv br-srv "${NLB_SRV_IPS[i - 1]}/24"
	done
	for ((i = 1; i <= srvs; i++)); do
		n=srv$i
		topo_leg "$n" eth0 br-srv "${SRV_IPS[i - 1]}/24"
		TOPO_BATCH[$n]+="addr add $VIP/32 dev lo
route add default via $FW_SRV_VIP
"
		sysctls[$n]="net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
			net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2"
	done

	# sw first: it creates the veths the others configure.
	for n in "${TOPO_NODES[@]}"; do
		[ -n "${TOPO_BATCH[$n]:-}" ] || continue
		ip -n "${!n}" -b - <<<"${TOPO_BATCH[$n]}" || { log "topo_setup: ip batch in $n failed"; return 1; }
	done
	for n in "${!sysctls[@]}"; do
		# shellcheck disable=SC2086
		ip netns exec "${!n}" sysctl -qw ${sysctls[$n]} >/dev/null || return 1
	done
}

# nlbsd_pair_conf I PRIO KEYFILE [NODE_LINE...] [-- PEER_LINE...]: the [node]
# and [peer] sections of nlbI's nlbsd.conf(5) for the reference topology's
# pair: devices acc and srv, nlbI's access address, the NLBS address,
# priority PRIO with preemption, the other NLB as the peer with KEYFILE.
# NODE_LINEs ("key = value") go on in [node], PEER_LINEs in [peer]; the
# caller adds the other sections after it.
nlbsd_pair_conf() {
	local i=$1 prio=$2 key=$3
	shift 3
	printf '[node]\naccess = acc\nservers = srv\naddress = %s\nnlbs = %s\npriority = %s\npreempt = yes\n' \
		"${NLB_ACC_IPS[i - 1]}" "$NLBS_ADDR" "$prio"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		echo "$1"
		shift
	done
	[ $# -gt 0 ] && shift
	printf '[peer]\naddress = %s\nkey-file = %s\n' "${NLB_ACC_IPS[2 - i]}" "$key"
	[ $# -gt 0 ] && printf '%s\n' "$@"
	return 0
}

# nlbsd_kill I: SIGKILL the daemon of nlbI whose pid is in the caller's
# associative array PID[I], reap it, forget it
nlbsd_kill() {
	kill -9 "${PID[$1]}" 2>/dev/null
	wait "${PID[$1]}" 2>/dev/null
	unset "PID[$1]"
	return 0
}

# ---- IPv6 on the reference topology ----------------------------------------
#
#  "Internet" 2001:db8:113::/64   client ::10, fw1 out ::1
#  access     fd00:10::/64        fw1 ::1, nlb1 ::11, nlb2 ::12;
#                                 NLBS_ADDR6 fd00:10::100 (answered by nlbs only)
#  server     fd00:20::/64        fw1 ::1, nlb1 ::11, nlb2 ::12, srv1..3 ::21..23
#                                 (VIP6 on lo, default via fw1's fd00:20::1)
#
# fw1 forwards and routes VIP6/128 via NLBS_ADDR6. MACs are those of the
# IPv4 legs (mac_of). Duplicate address detection and router solicitations
# are off: the wires carry only what a test sends, and NDP.
VIP6=2001:db8:100::10
NLBS_ADDR6=fd00:10::100
CLIENT_IP6=2001:db8:113::10
FW_OUT_IP6=2001:db8:113::1
FW_ACC_IP6=fd00:10::1
FW_SRV_IP6=fd00:20::1
NLB_ACC_IP6S=(fd00:10::11 fd00:10::12)
NLB_SRV_IP6S=(fd00:20::11 fd00:20::12)
SRV_IP6S=(fd00:20::21 fd00:20::22 fd00:20::23)

# topo_ipv6: after topo_setup (fw1 only), IPv6 on every node but the switch.
topo_ipv6() {
	local n i batch
	for n in "${TOPO_NODES[@]}"; do
		[ "$n" = sw ] && continue
		# Per device before enabling: all.disable_ipv6 reaches every device.
		ip netns exec "${!n}" sh -c '
			for d in /proc/sys/net/ipv6/conf/*/; do
				echo 0 >"$d/accept_dad"
				echo 0 >"$d/router_solicitations"
			done
			sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
				net.ipv6.conf.default.disable_ipv6=0' || return 1
		batch=""
		case "$n" in
		client)
			batch="addr add $CLIENT_IP6/64 dev eth0 nodad
route add default via $FW_OUT_IP6" ;;
		fw1)
			batch="addr add $FW_OUT_IP6/64 dev out nodad
addr add $FW_ACC_IP6/64 dev acc nodad
addr add $FW_SRV_IP6/64 dev srv nodad
route add $VIP6/128 via $NLBS_ADDR6 dev acc"
			ip netns exec "${!n}" sysctl -qw net.ipv6.conf.all.forwarding=1 ||
				return 1 ;;
		nlb*)
			i=${n#nlb}
			batch="addr add ${NLB_ACC_IP6S[i - 1]}/64 dev acc nodad
addr add ${NLB_SRV_IP6S[i - 1]}/64 dev srv nodad" ;;
		srv*)
			i=${n#srv}
			batch="addr add ${SRV_IP6S[i - 1]}/64 dev eth0 nodad
addr add $VIP6/128 dev lo
route add default via $FW_SRV_IP6" ;;
		*) continue ;;
		esac
		ip -6 -n "${!n}" -b - <<<"$batch" || { log "topo_ipv6: $n failed"; return 1; }
	done
}
