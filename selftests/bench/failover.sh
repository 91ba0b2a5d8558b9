#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark part "failover" (run by guest.sh in the VM; not a test): the
# longest gap in a stream of UDP datagrams, one each 5 ms from the client to
# the VIP, when the active NLB's access link is cut (its port on the access
# switch goes down) and when its daemon is killed (SIGKILL), for
#   nlbsd      nlbsd + nlbs.ko on nlb1 (priority 200) and nlb2 (100)
#   keepalived keepalived VRRP holding the NLBS address + IPVS-DR (ipvsadm,
#              wrr) on both, nlb1 preferred
# each at its default timers (nlbsd: advert-interval 100ms, dead-after 3;
# keepalived: VRRPv2, advert_int 1) and at the tightest timers found stable:
# the candidates, tightest first, each run for STABLE seconds with the pair
# settled; the first without a state change is taken.
#
# Topology: lib.sh topo_setup (client, fw1, nlb1, nlb2, srv1..3, bridges in
# sw); fw1 routes the VIP to the NLBS address 10.10.0.100.
#
# Records: kind=failover system timers event round gap_ms (longest gap
# between two datagrams received, of those ending after the event; resumed=0:
# the stream never came back, gap_ms is a lower bound) base_ms (longest gap
# in the 1.5 s before the event: the noise floor)
# sent received; kind=stable system timers flaps (state changes while idle).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_bench.sh"

# lib_bench.sh's addresses are those of lib.sh's topology as well
VIP=198.51.100.10
PORT=5353
STABLE=${NLBS_BENCH_STABLE:-8}
ROUNDS=1
[ "$BENCH_MODE" = full ] && ROUNDS=${NLBS_BENCH_FAILOVER_ROUNDS:-2}
NLBSD_TIGHT=(20 50)		# advert-interval, ms (dead-after 3)
KA_TIGHT=(0.05 0.2)		# advert_int, s (VRRPv3)
[ "$BENCH_MODE" = quick ] && NLBSD_TIGHT=(50) KA_TIGHT=(0.2)

[ -r "$NLBS_KO" ] || { rec kind=error what="$NLBS_KO missing"; exit 1; }
command -v keepalived >/dev/null || note "keepalived missing: its figures will be errors"

topo_setup || { rec kind=error what=topology; exit 1; }
modprobe ip_vs && modprobe ip_vs_wrr || note "IPVS missing"
D=$BENCH_TMP
for i in 1 2; do
	ns=nlb$i
	ip netns exec "${!ns}" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.acc.rp_filter=0 \
		net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 >/dev/null
done

# ---- the probe ------------------------------------------------------------------
# failover_probe.py CLIENT_NS DST PORT INTERVAL_MS SECONDS READY_FILE SRV_NS...: one
# process sends a numbered datagram each INTERVAL_MS from CLIENT_NS and
# receives them on a socket bound to DST:PORT in each server namespace (one
# clock for both ends), for at most SECONDS. SIGUSR1 marks the event,
# SIGTERM ends it. Prints "sent received gap_ms base_ms resumed".
# probe_run SECONDS_BEFORE SECONDS_AFTER CMD...: the stream; CMD (the
# event) after SECONDS_BEFORE, the end SECONDS_AFTER later (timed here: a
# slow host delays this shell, not the window); sets P_SENT P_RECV P_GAP
# P_BASE P_RESUMED
probe_run() {
	local before=$1 after=$2 pid
	shift 2
	rm -f "$D/ready" "$D/probe.out"
	P_SENT=0 P_RECV=0 P_GAP=0 P_BASE=0 P_RESUMED=0
	python3 "$NLBS_TOP/selftests/bench/failover_probe.py" "$client" "$VIP" "$PORT" 5 120 "$D/ready" \
		"$srv1" "$srv2" "$srv3" >"$D/probe.out" &
	pid=$!
	busywait 30000 test -e "$D/ready"
	sleep "$before"
	kill -USR1 "$pid"
	"$@"
	sleep "$after"
	kill -TERM "$pid"
	wait "$pid"
	read -r P_SENT P_RECV P_GAP P_BASE P_RESUMED <"$D/probe.out"
}

# ---- nlbsd ---------------------------------------------------------------------
"$NLBSD" --genkey >"$D/key" && chmod 600 "$D/key"
RT=""
chrt -r 10 true 2>/dev/null && RT="chrt -r 10"
nlbsd_conf() { # nlbsd_conf I PRIO ADVERT_MS
	local s
	nlbsd_pair_conf "$1" "$2" "$D/key" "advert-interval = ${3}ms" \
		"dead-after = 3" "hash-seed = 7" "state-file = $D/nlb$1.epoch"
	echo "[service $VIP udp $PORT]"
	echo "check = none"
	for s in "${SRV_IPS[@]}"; do echo "server = $s weight 1"; done
}
declare -A PID
nlbsd_start() { # nlbsd_start I ADVERT_MS
	nlbsd_conf "$1" $((300 - 100 * $1)) "$2" >"$D/nlb$1.conf"
	# shellcheck disable=SC2086
	ip netns exec "$(eval echo "\$nlb$1")" $RT "$NLBSD" -T -c "$D/nlb$1.conf" \
		2>>"$D/nlb$1.log" &
	PID[$1]=$!
	defer kill -9 "$!"
}
nlbsd_stop() { # nlbsd_stop I
	[ -n "${PID[$1]:-}" ] || return 0
	kill -9 "${PID[$1]}" 2>/dev/null
	wait "${PID[$1]}" 2>/dev/null
	PID[$1]=""
}
kstate() { nlbs_genl_ns "$(eval echo "\$nlb$1")" state show 2>/dev/null | awk '{ print $2; exit }'; }
nlbsd_settled() { [ "$(kstate 1)" = active ] && [ "$(kstate 2)" = standby ]; }
nlbsd_transitions() { cat "$D"/nlb?.log 2>/dev/null | grep -c 'state [a-z]* -> [a-z]*'; }

# ---- keepalived + IPVS ---------------------------------------------------------------
ka_conf() { # ka_conf I ADVERT
	local prio=$((200 - 50 * $1)) ver=2
	[ "$2" != 1 ] && ver=3
	cat <<-EOC
	global_defs {
		router_id nlb$1
		vrrp_version $ver
		enable_script_security
	}
	vrrp_instance NLB {
		state $([ "$1" = 1 ] && echo MASTER || echo BACKUP)
		interface acc
		virtual_router_id 60
		priority $prio
		advert_int $2
		virtual_ipaddress {
			$NLBS_ADDR/24 dev acc
		}
	}
	EOC
}
ka_start() { # ka_start I ADVERT
	local d=$D/ka$1
	mkdir -p "$d"
	ka_conf "$1" "$2" >"$d/keepalived.conf"
	ip netns exec "$(eval echo "\$nlb$1")" keepalived --dont-fork --log-console --no-syslog \
		--vrrp --use-file "$d/keepalived.conf" --pid "$d/keepalived.pid" \
		--vrrp_pid "$d/vrrp.pid" --checkers_pid "$d/checkers.pid" >>"$D/ka$1.log" 2>&1 &
	PID[ka$1]=$!
	defer kill -9 "$!"
}
ka_stop() { # ka_stop I: SIGKILL, as a crash (the VRRP child first)
	local v
	[ -n "${PID[ka$1]:-}" ] || return 0
	read -r v <"$D/ka$1/vrrp.pid" 2>/dev/null && kill -9 "$v" 2>/dev/null
	kill -9 "${PID[ka$1]}" 2>/dev/null
	wait "${PID[ka$1]}" 2>/dev/null
	PID[ka$1]=""
}
holds() { ip -n "$(eval echo "\$nlb$1")" -4 -o addr show dev acc | grep -q " $NLBS_ADDR/"; }
ka_settled() { holds 1 && ! holds 2; }
ka_transitions() { cat "$D"/ka?.log 2>/dev/null | grep -c 'Entering [A-Z]* STATE'; }
ipvs_setup() {
	local i s
	for i in 1 2; do
		ns=nlb$i
		ip -n "${!ns}" addr add "$VIP/32" dev lo
		{
			echo "-A -u $VIP:$PORT -s wrr"
			for s in "${SRV_IPS[@]}"; do echo "-a -u $VIP:$PORT -r $s:$PORT -g -w 1"; done
		} | ip netns exec "${!ns}" ipvsadm -R
	done
}
ipvs_teardown() {
	local i
	for i in 1 2; do
		ns=nlb$i
		ip netns exec "${!ns}" ipvsadm -C
		ip -n "${!ns}" addr del "$VIP/32" dev lo
	done
} 2>/dev/null

# ---- the events ------------------------------------------------------------------------
cut_link() { ip -n "$sw" link set nlb1-acc down; }
heal_link() { ip -n "$sw" link set nlb1-acc up; }

# measure SYSTEM TIMERS EVENT ROUND AFTER_S: the stream across EVENT
# (link: cut_link; kill: SIGKILL of nlb1's daemon), then back to nlb1 active
measure() {
	local sys=$1 timers=$2 ev=$3 r=$4 after=$5 cmd
	case "$sys:$ev" in
	*:link) cmd=cut_link ;;
	nlbsd:kill) cmd="nlbsd_stop 1" ;;
	keepalived:kill) cmd="ka_stop 1" ;;
	esac
	# shellcheck disable=SC2086
	probe_run 1.5 "$after" $cmd
	# did the event move the service to nlb2?
	took=0
	if [ "$sys" = nlbsd ]; then
		[ "$(kstate 2)" = active ] && took=1
	else
		holds 2 && took=1
	fi
	rec kind=failover system="$sys" timers="$timers" event="$ev" round="$r" \
		gap_ms="${P_GAP:-0}" base_ms="${P_BASE:-0}" resumed="${P_RESUMED:-0}" \
		sent="${P_SENT:-0}" received="${P_RECV:-0}" nlb2_took_over="$took"
	note "$sys ($timers) $ev: longest gap ${P_GAP:-?} ms (resumed ${P_RESUMED:-?}, before: ${P_BASE:-?} ms, $P_RECV of $P_SENT, nlb2 took over: $took)"
	# back to nlb1 active
	case "$sys:$ev" in
	*:link) heal_link ;;
	nlbsd:kill) nlbsd_start 1 "$ADV" ;;
	keepalived:kill)
		ip -n "$nlb1" addr del "$NLBS_ADDR/24" dev acc 2>/dev/null
		ka_start 1 "$ADV" ;;
	esac
	if [ "$sys" = nlbsd ]; then
		busywait 20000 nlbsd_settled || note "nlbsd pair not back to nlb1 active"
	else
		busywait 20000 ka_settled || note "keepalived pair not back to nlb1 master"
	fi
	sleep 1
}

# run_system SYSTEM TIMERS ADVERT AFTER_S: start the pair, settle, measure both
# events ROUNDS times, stop
run_system() {
	local sys=$1 timers=$2 r ev
	ADV=$3
	for ((r = 1; r <= ROUNDS; r++)); do
		for ev in link kill; do
			in_budget $((3 * $4 + 20)) "$sys $timers $ev round $r" || return 0
			measure "$sys" "$timers" "$ev" "$r" "$4"
		done
	done
}

# pair_up SYSTEM ADVERT: start both daemons, wait for nlb1 active; then
# STABLE seconds idle: the state changes seen (flaps) are recorded
pair_up() {
	local sys=$1 adv=$2 t0 t1
	if [ "$sys" = nlbsd ]; then
		: >"$D/nlb1.log"; : >"$D/nlb2.log"
		bench_nlbs_load || return 1
		nlbsd_start 2 "$adv"
		nlbsd_start 1 "$adv"
		busywait 20000 nlbsd_settled || { note "nlbsd ($adv ms): no settled pair"; return 1; }
		sleep 1
		t0=$(nlbsd_transitions)
		sleep "$STABLE"
		t1=$(nlbsd_transitions)
		nlbsd_settled || t1=$((t1 + 1))
	else
		: >"$D/ka1.log"; : >"$D/ka2.log"
		ipvs_setup
		ka_start 2 "$adv"
		ka_start 1 "$adv"
		busywait 30000 ka_settled || { note "keepalived ($adv s): no settled pair"; return 1; }
		sleep 1
		t0=$(ka_transitions)
		sleep "$STABLE"
		t1=$(ka_transitions)
		ka_settled || t1=$((t1 + 1))
	fi
	rec kind=stable system="$sys" advert="$adv" flaps=$((t1 - t0)) seconds="$STABLE"
	note "$sys advert $adv: $((t1 - t0)) state changes in ${STABLE}s idle"
	FLAPS=$((t1 - t0))
}
pair_down() {
	if [ "$1" = nlbsd ]; then
		nlbsd_stop 1; nlbsd_stop 2
		bench_nlbs_unload
	else
		ka_stop 1; ka_stop 2
		ipvs_teardown
		ip -n "$nlb1" addr del "$NLBS_ADDR/24" dev acc 2>/dev/null
		ip -n "$nlb2" addr del "$NLBS_ADDR/24" dev acc 2>/dev/null
	fi
	return 0
}

# the stream needs fw1 to reach the NLBS address: no wait on a stale entry
ip -n "$fw1" neigh flush dev acc 2>/dev/null

# nlbsd, default timers
if in_budget 60 "nlbsd default" && pair_up nlbsd 100; then
	run_system nlbsd "advert 100ms x3 (default)" 100 3
fi
pair_down nlbsd
# nlbsd, the tightest stable
for adv in "${NLBSD_TIGHT[@]}"; do
	# keep time for keepalived
	in_budget 200 "nlbsd advert ${adv}ms" || break
	if pair_up nlbsd "$adv" && [ "$FLAPS" = 0 ]; then
		run_system nlbsd "advert ${adv}ms x3 (tightest stable)" "$adv" 3
		pair_down nlbsd
		break
	fi
	pair_down nlbsd
done

# keepalived + IPVS, default timers (VRRPv2, advert_int 1)
ip -n "$fw1" neigh flush dev acc 2>/dev/null
if in_budget 60 "keepalived default" && pair_up keepalived 1; then
	run_system keepalived "advert_int 1 (default)" 1 6
fi
pair_down keepalived
for adv in "${KA_TIGHT[@]}"; do
	in_budget 60 "keepalived advert_int $adv" || break
	if pair_up keepalived "$adv" && [ "$FLAPS" = 0 ]; then
		run_system keepalived "advert_int $adv (VRRPv3, tightest stable)" "$adv" 3
		pair_down keepalived
		break
	fi
	pair_down keepalived
done
exit 0
