#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scale out (issue 14, Documentation/scaling.rst): NLB pairs behind ECMP,
# announced with BGP by FRR, BFD on every session.
#
#   pair A  nlb1 nlb2  NLBS address 10.10.0.100
#   pair B  nlb3 nlb4  NLBS address 10.10.0.101
#   pair C  nlb5 nlb6  NLBS address 10.10.0.102 (added under load)
#
# Every NLB runs nlbsd (the same services, servers, weights, seed and table
# sizes; flow sync inside its pair) with tools/nlbsd/nlbs-frr-announce as
# its notify script, and FRR (zebra, bfdd, bgpd) with
# tools/nlbsd/frr/nlb.frr.conf; fw1 and fw2 run FRR with
# tools/nlbsd/frr/firewall.frr.conf (a listen range, maximum-paths, BFD
# 3 x 300 ms) and fib_multipath_hash_policy=1. The client reaches the VIP
# through fw1 (it holds the VRRP addresses); fw2's table is checked too.
#
#   1. both firewalls: one route to the VIP with a next hop per pair
#   2. 1200 UDP flows from 1200 source ports: both pairs' active NLBs
#      forward, none lost, per-server split within +-15% of the weights
#      (1:2:3)
#   3. 200 long-lived TCP connections, on both pairs
#   4. pair A lost (both NLBs' access links cut): fw1's route loses its next
#      hop within the BFD detection time (plus a margin: TCG), >= 99% of the
#      connections answer (goal: all), the same UDP flows now all through
#      pair B reach the same servers as before (Maglev: same choice on every
#      pair); the time from the cut to the route without pair A, and to
#      every connection answering, printed
#   5. pair C added under load (a UDP stream meanwhile): the route gets its
#      next hop, C forwards, every connection answers
#   6. pair B drained (nlbs-frr-announce drain on nlb3, nlb4): the route
#      loses B, B's active stays active (it would forward what still
#      arrives), B forwards nothing more, every connection answers; then
#      "upgraded" (nlbsd and FRR of nlb3, nlb4 restarted) and undrained: the
#      route gets B back, every connection answers
#   7. what Documentation/scaling.rst claims of pinned flows: weights
#      changed on every pair (reload), 50 new connections, pair C drained:
#      every connection opened after the change answers; only connections
#      opened before it may end (their number printed)
#
# NLBS_CONN=N sets the number of connections (default 200). NLBS_LONG=1
# adds pair A's links restored (the pair rejoins, connections answer) and
# a second loss, of pair C.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dp.sh"
. "$(dirname "$0")/lib_conn.sh"
. "$(dirname "$0")/lib_frr.sh"

N=${NLBS_CONN:-200}
PORT=7000
ADVERT=200		# ms; dead-after 4: a lease of 800 ms (as conn.sh: TCG)
DEAD=4
SEED=4242
# BFD: 300 ms as tools/nlbsd/frr/*.frr.conf, but a detect-multiplier of 5,
# not 3, here: a guest starved by a busy host (TCG) otherwise sees false
# losses
BFD_MULT=${NLBS_BFD_MULT:-5}
BFD_MS=$((BFD_MULT * 300))
BFD_MARGIN=${NLBS_BFD_MARGIN:-2000}	# bfdd -> bgpd -> zebra -> kernel, under TCG
PROTO=245
FRR_EX=$NLBS_TOP/tools/nlbsd/frr
ANNOUNCE=$NLBS_TOP/tools/nlbsd/nlbs-frr-announce
NLB_ACC_IPS=(10.10.0.11 10.10.0.12 10.10.0.13 10.10.0.14 10.10.0.15 10.10.0.16)
NLB_SRV_IPS=(10.20.0.11 10.20.0.12 10.20.0.13 10.20.0.14 10.20.0.15 10.20.0.16)
PAIR_ADDR=([1]=10.10.0.100 [2]=10.10.0.101 [3]=10.10.0.102)

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"
[ -x "$NLBSD" ] || ktap_skip_all "$NLBSD not built (make)"
command -v python3 >/dev/null || ktap_skip_all "python3 missing"
command -v jq >/dev/null || ktap_skip_all "jq missing"
frr_have || ktap_skip_all "FRR missing (apt-get install frr: selftests/vm/deps.sh)"
T0=$(date +%s)

ms() { echo $(($(date +%s%3N) - $1)); }

ktap_check "build the topology: fw1, fw2, nlb1..6, srv1..3" topo_setup --fw2 --nlbs 6 || ktap_finished
ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark ecmp
D=$CONN_TMP
"$NLBSD" --genkey >"$D/key" && chmod 600 "$D/key"

start_servers() {
	local i
	for i in 1 2 3; do
		conn_server "$(eval echo "\$srv$i")" "$VIP" $PORT "srv$i" || return 1
	done
	for i in 1 2 3; do
		busywait 20000 conn_listening "$(eval echo "\$srv$i")" $PORT || return 1
	done
}
ktap_check "echo servers on $VIP:$PORT in srv1..3" start_servers || ktap_finished

# ---- the firewalls: FRR instead of the static route -------------------------
fw_frr() {
	local i ns
	for i in 1 2; do
		ns=$(eval echo "\$fw$i")
		ip -n "$ns" route del "$VIP/32" 2>/dev/null
		ip netns exec "$ns" sysctl -qw net.ipv4.fib_multipath_hash_policy=1 || return 1
		frr_start "fw$i" "$ns" "$(sed -e "s/router-id 10\.10\.0\.1\$/router-id ${FW_ACC_IPS[i - 1]}/" \
			-e "s/^hostname fw1/hostname fw$i/" \
			-e "s/detect-multiplier 3\$/detect-multiplier $BFD_MULT/" "$FRR_EX/firewall.frr.conf")" || return 1
		# BFD state changes, with the reason, in a log with ms timestamps
		frr_vtysh "fw$i" 'conf t' 'log timestamp precision 3' 'debug bfd peer' \
			"log file $FRR_TMP/fw$i/debug.log debugging" >/dev/null || return 1
	done
}
ktap_check "FRR on fw1 and fw2 (BGP listen range, maximum-paths, BFD), hash policy L4" fw_frr ||
	ktap_finished

# nh FW: the next hops of FW's kernel route to the VIP, sorted, one line
nh() {
	ip -n "$(eval echo "\$$1")" -j route show "$VIP/32" 2>/dev/null |
		jq -r '.[] | (.gateway // empty), (.nexthops[]?.gateway)' | sort | tr '\n' ' ' | sed 's/ $//'
}
# nh_is FW ADDR...: exactly those next hops
nh_is() {
	local fw=$1
	shift
	[ "$(nh "$fw")" = "$*" ]
}
nh_both() { nh_is fw1 "$@" && nh_is fw2 "$@"; }

# ---- nlbsd and FRR on the NLBs ------------------------------------------------
declare -A W PID
W=([1]=1 [2]=2 [3]=3)

# pair_of I: the pair (1..3) of nlbI
pair_of() { echo $((($1 + 1) / 2)); }
peer_of() { echo $(($1 % 2 ? $1 + 1 : $1 - 1)); }

conf() {
	local i=$1 p s
	p=$(pair_of "$i")
	cat <<EOC
[node]
access = acc
servers = srv
address = ${NLB_ACC_IPS[i - 1]}
nlbs = ${PAIR_ADDR[p]}
priority = $((i % 2 ? 200 : 100))
preempt = yes
advert-interval = ${ADVERT}ms
dead-after = $DEAD
garp-count = 3
garp-interval = 50ms
hash-seed = $SEED
state-file = $D/nlb$i.epoch
control-socket = $D/nlb$i.ctl
[peer]
address = ${NLB_ACC_IPS[$(peer_of "$i") - 1]}
key-file = $D/key
sync = yes
[reachability]
target = icmp $FW_ACC_VIP
interval = 1s
timeout = 800ms
fall = 3
[scripts]
notify = $ANNOUNCE
timeout = 30s
[service $VIP tcp $PORT]
check = none
dynamic = no
table-size = 65537
EOC
	for s in 1 2 3; do echo "server = ${SRV_IPS[s - 1]} weight ${W[$s]}"; done
	cat <<EOC
[service $VIP udp 53]
check = none
dynamic = no
table-size = 65537
EOC
	for s in 1 2 3; do echo "server = ${SRV_IPS[s - 1]} weight ${W[$s]}"; done
}

nlb_conf() {
	local i=$1 p
	p=$(pair_of "$i")
	conf "$i" >"$D/nlb$i.conf"
	printf 'VIPS="%s"\nPROTO=%s\nRUNDIR=%s\n' "$VIP" "$PROTO" "$D/nlb$i.run" >"$D/nlb$i.announce"
	sed -e "s/10\.10\.0\.100/${PAIR_ADDR[p]}/" \
		-e "s/router-id 10\.10\.0\.11\$/router-id ${NLB_ACC_IPS[i - 1]}/" \
		-e "s/^hostname nlb1/hostname nlb$i/" \
		-e "s/detect-multiplier 3\$/detect-multiplier $BFD_MULT/" "$FRR_EX/nlb.frr.conf" >"$D/nlb$i.frr.conf"
}

nlbsd_start() {
	local i=$1
	# SCHED_FIFO as nlbsd.service: a starved daemon misses its lease (TCG)
	NLBS_FRR_CONF=$D/nlb$i.announce ip netns exec "$(eval echo "\$nlb$i")" \
		chrt -f 10 "$NLBSD" -T -c "$D/nlb$i.conf" >>"$D/nlb$i.log" 2>&1 &
	PID[$i]=$!
	defer kill -9 "$!"
}

# node_up I: FRR and nlbsd on nlbI
node_up() {
	nlb_conf "$1"
	frr_start "nlb$1" "$(eval echo "\$nlb$1")" "$(cat "$D/nlb$1.frr.conf")" || return 1
	nlbsd_start "$1"
}

genl() {
	local n=$1
	shift
	"$NLBS_GENL" -n "$(eval echo "\$$n")" "$@"
}
state_is() { genl "$1" state show | grep -q "state $2"; }
pair_ok() { state_is "nlb$((2 * $1 - 1))" active && state_is "nlb$((2 * $1))" standby; }
fwd() { genl "$1" stats | awk '$1 == "forwarded" && NF == 2 { print $2 }'; }
# announce I ARGS...: nlbs-frr-announce by hand on nlbI
announce() {
	local i=$1
	shift
	NLBS_FRR_CONF=$D/nlb$i.announce ip netns exec "$(eval echo "\$nlb$i")" "$ANNOUNCE" "$@"
}

pair_up() {
	local p=$1
	node_up $((2 * p - 1)) && node_up $((2 * p)) &&
		busywait 90000 pair_ok "$p"
}
ktap_check "pair A (nlb1 active, nlb2 standby): nlbsd + FRR" pair_up 1 || ktap_finished
ktap_check "pair B (nlb3 active, nlb4 standby): nlbsd + FRR" pair_up 2 || ktap_finished

# ---- 1. the routes ----------------------------------------------------------
t=$(date +%s%3N)
ktap_check "1. fw1 and fw2 route the VIP via pairs A and B (ECMP)" \
	busywait 180000 nh_both "${PAIR_ADDR[1]}" "${PAIR_ADDR[2]}"
log "routes: $(ms "$t") ms after the pairs were up; fw1: $(ip -n "$fw1" route show "$VIP/32" | tr '\n\t' '  ')"
bfd_all_up() { frr_bfd_up fw1 4 && frr_bfd_up fw2 4; }
ktap_check "BFD: 4 sessions up on fw1 and on fw2" busywait 120000 bfd_all_up
# announce_ok I...: each of nlbI... holds the blackhole route iff its
# kernel is active, and each pair has one active (a starved guest may have
# swapped roles inside a pair: the check follows the states)
announce_ok() {
	local i st r bad=0
	for i in "$@"; do
		st=$(genl "nlb$i" state show | grep -o 'state [a-z]*' | head -n 1)
		r=$(ip -n "$(eval echo "\$nlb$i")" route show proto $PROTO | grep -c blackhole)
		echo "nlb$i: ${st#state } $r route(s)"
		if [ "${st#state }" = active ]; then [ "$r" = 1 ] || bad=1; else [ "$r" = 0 ] || bad=1; fi
	done
	return $bad
}
pairs_announce_ok() {
	announce_ok 1 2 3 4 && [ "$(announce_ok 1 2 | grep -c ' 1 route')" = 1 ] &&
		[ "$(announce_ok 3 4 | grep -c ' 1 route')" = 1 ]
}
ktap_check "only the active NLB of each pair announces (a proto $PROTO blackhole route iff active)" \
	busywait 60000 pairs_announce_ok

# fp I: nlbsd status's fingerprint-ours of nlbI
fp() { "$NLBSD" -c "$D/nlb$1.conf" status 2>/dev/null | sed -n 's/^fingerprint-ours: //p'; }
same_fp() {
	local a b
	a=$(fp 1) b=$(fp 3)
	log "fingerprint-ours: nlb1 '$a', nlb3 '$b'"
	[ -n "$a" ] && [ "$a" = "$b" ]
}
ktap_check "pairs A and B: the same configuration fingerprint (nlbsd status)" same_fp

# ---- 2. UDP flows from many ports -------------------------------------------
within() {
	# |n - want| <= 15% of want
	[ $(($1 * 100)) -ge $(($2 * 85)) ] && [ $(($1 * 100)) -le $(($2 * 115)) ]
}
F=1200
# steady first: both pairs up and in both routes (a starved guest flaps)
steady() { pair_ok 1 && pair_ok 2 && nh_both "${PAIR_ADDR[1]}" "${PAIR_ADDR[2]}"; }
busywait 60000 steady
A0=$(fwd nlb1) B0=$(fwd nlb3)
ktap_check "2. $F UDP flows (one datagram each) from $F source ports" dp_flows map1 $F 20000
read -r N1 N2 N3 LOST <<<"$(dp_per_server map1)"
A1=$(($(fwd nlb1) - A0)) B1=$(($(fwd nlb3) - B0))
log "through pair A $A1, pair B $B1; srv1 $N1 srv2 $N2 srv3 $N3 lost $LOST (expected 200 400 600 0)"
ktap_check "no flow lost" test "$LOST" = 0
ktap_check "both pairs forward: A $A1, B $B1 (each >= 25% of $F)" \
	test $((A1 * 4)) -ge $F -a $((B1 * 4)) -ge $F -a $((A1 + B1)) -eq $F
ktap_check "weights 1:2:3: srv1 $N1, srv2 $N2, srv3 $N3 within +-15% of 200, 400, 600" \
	sh -c "$(declare -f within); within $N1 200 && within $N2 400 && within $N3 600"

# ---- 3. long-lived connections ----------------------------------------------
conn_client c "$client" "$VIP" $PORT || ktap_finished
busywait 60000 steady
ktap_check "3. $N connections open" conn_open c "$N" 180 || ktap_finished
A0=$(fwd nlb1) B0=$(fwd nlb3)
ktap_check "all $N answer" conn_all_alive c 20
A1=$(($(fwd nlb1) - A0)) B1=$(($(fwd nlb3) - B0))
log "connections on $(conn_per_server c); one round: through pair A $A1 packets, pair B $B1"
ktap_check "the connections use both pairs (>= 25% each)" \
	test $((A1 * 4)) -ge "$N" -a $((B1 * 4)) -ge "$N"
awk '$3 == "ok" { print $1 }' "$CONN_TMP/c.round" >"$D/all"

# answered NAME LIST [MIN_PERCENT] [TIMEOUT]: one round; of the connections in
# LIST, at least MIN_PERCENT (default 100) answered
answered() {
	local name=$1 list=$2 min=${3:-100} ok all
	conn_round c "${4:-20}" || return 1
	ok=$(awk 'FILENAME == ARGV[1] { e[$1] = 1; next } ($1 in e) && $3 == "ok" { n++ } END { print n + 0 }' \
		"$list" "$CONN_TMP/c.round")
	all=$(wc -l <"$list")
	FIG[$name]="$ok of $all"
	log "$name: $ok of $all connections answered ($(conn_per_server c))"
	[ $((ok * 100)) -ge $((all * min)) ]
}
declare -A FIG

# ---- 4. a pair lost ---------------------------------------------------------
cut_pair() {
	local p=$1
	ip -n "$sw" link set "nlb$((2 * p - 1))-acc" down &&
		ip -n "$sw" link set "nlb$((2 * p))-acc" down
}
# The loss of pair A, timed from the guest's own records, not by polling
# (a starved guest polls late): the kernel's route change on fw1 (ip
# monitor), bfdd's state changes and bgpd's notifications (fw1's debug log,
# ms timestamps). at MS: an absolute time in ms; ts_*: such a time from a
# log line.
ts_ipmon() { date -d "$(sed 's/^\[\([^]]*\)\].*/\1/' <<<"$1")" +%s%3N; }
ts_frr() { date -d "$(awk '{ gsub("/", "-", $1); print $1, $2 }' <<<"$1")" +%s%3N; }
# after T0 FILE REGEX: the ms from T0 to the first line of FILE matching
# REGEX (FRR log format), empty if none
after() {
	local l
	l=$(grep -E "$3" "$2" | tail -n 1)
	[ -n "$l" ] && echo $(($(ts_frr "$l") - $1))
}
ip -n "$fw1" -ts monitor route >"$D/fw1.mon" 2>&1 &
MON=$!
defer kill "$MON"
sleep 1
t=$(date +%s%3N)
cut_pair 1
busywait 30000 nh_is fw1 "${PAIR_ADDR[2]}"
rc=$?
sleep 0.5
kill "$MON" 2>/dev/null
l=$(grep -F "$VIP" "$D/fw1.mon" | grep -vF "${PAIR_ADDR[1]}" | head -n 1)
T_WD=$([ -n "$l" ] && echo $(($(ts_ipmon "$l") - t)))
ktap_check "4. pair A lost: fw1's route without A (the kernel's route change ${T_WD:-?} ms after the cut)" \
	test $rc = 0 -a -n "$T_WD"
DBG=$FRR_TMP/fw1/debug.log
T_BFD=$(after "$t" "$DBG" "state-change: \[mhop:no peer:(${NLB_ACC_IPS[0]}|${NLB_ACC_IPS[1]}) .*up -> down")
bfd_why() {
	grep -E "state-change: \[mhop:no peer:(${NLB_ACC_IPS[0]}|${NLB_ACC_IPS[1]}) .*up -> down" "$DBG" |
		grep -c 'reason:control-expired'
}
ktap_check "fw1's BFD: both sessions to pair A down by detection timeout (control-expired; the last ${T_BFD:-?} ms after the cut)" \
	test "$(bfd_why)" -ge 2
T_BGP=$(after "$t" "$DBG" "NOTIFICATION.*sent to neighbor (${NLB_ACC_IPS[0]}|${NLB_ACC_IPS[1]}) .*BFD Down")
ktap_check "fw1's bgpd closed both sessions because of BFD (Cease/BFD Down, ${T_BGP:-?} ms), not the hold time (9 s)" \
	test "$(grep -cE "NOTIFICATION.*sent to neighbor (${NLB_ACC_IPS[0]}|${NLB_ACC_IPS[1]}) .*BFD Down" "$DBG")" -ge 2
ktap_check "route withdrawn within the BFD detection time ($BFD_MS ms) + $BFD_MARGIN ms" \
	test "${T_WD:-99999}" -le $((BFD_MS + BFD_MARGIN))
grep -E "state-change|BFD Down" "$DBG" | tail -n 6 | sed 's/^/# fw1: /'
ktap_check "fw2 too" busywait 5000 nh_is fw2 "${PAIR_ADDR[2]}"
frr_vtysh fw1 'show bfd peers brief' | sed 's/^/# fw1: /'
# ok_all: a round in which no connection is silent (answered, or dead)
ok_all() { conn_round c 5 >/dev/null 2>&1 && [ "$CONN_SILENT" = 0 ]; }
busywait 60000 ok_all
T_ALL=$(ms "$t")
ktap_check "pair A lost: >= 99% of the connections answer (through pair B)" answered 4-pair-lost "$D/all" 99
log "pair A lost: BFD down after ${T_BFD:-?} ms, bgpd acted after ${T_BGP:-?} ms, route without A after ${T_WD:-?} ms, every connection answering after $T_ALL ms"
B0=$(fwd nlb3)
ktap_check "300 of the same UDP flows, all through pair B" dp_flows map2 300 20000
ktap_check "pair B forwarded all 300" test $(($(fwd nlb3) - B0)) = 300
same() {
	awk 'NR == FNR { a[$1] = $2; next } { n++; if (a[$1] == $2 && $2 >= 0) s++ }
		END { print int(s * 100 / n) }' "$DP_TMP/$1" "$DP_TMP/$2"
}
P=$(same map1 map2)
ktap_check "every flow reaches the server it reached before ($P%): the same choice on every pair" \
	test "$P" = 100
awk '$3 == "ok" { print $1 }' "$CONN_TMP/c.round" >"$D/all"

# ---- 5. a pair added under load ---------------------------------------------
dp_stream_start "$client" "$VIP" 53 50
t=$(date +%s%3N)
ktap_check "5. pair C (nlb5, nlb6) started under load" pair_up 3
ktap_check "fw1 and fw2 route via pairs B and C" \
	busywait 180000 nh_both "${PAIR_ADDR[2]}" "${PAIR_ADDR[3]}"
log "pair C: in the route $(ms "$t") ms after its start"
C0=$(fwd nlb5)
ktap_check "pair C added: every connection answers" answered 5-pair-added "$D/all"
ktap_check "pair C forwards ($(($(fwd nlb5) - C0)) packets in the round)" test $(($(fwd nlb5) - C0)) -gt 0
dp_stream_stop

# ---- 6. drain, upgrade, back ------------------------------------------------
drain_b() { announce 3 drain && announce 4 drain; }
t=$(date +%s%3N)
ktap_check "6. pair B drained (nlbs-frr-announce drain on nlb3, nlb4)" drain_b
ktap_check "fw1 and fw2 route via pair C only" busywait 60000 nh_both "${PAIR_ADDR[3]}"
log "pair B: out of the route $(ms "$t") ms after the drain"
ktap_check "nlb3 still active (it forwards what still arrives)" state_is nlb3 active
B0=$(fwd nlb3)
ktap_check "pair B drained: every connection answers" answered 6-drained "$D/all"
ktap_check "pair B forwarded nothing more ($(($(fwd nlb3) - B0)))" test "$(fwd nlb3)" = "$B0"
upgrade_b() {
	local i
	for i in 4 3; do
		nlbsd_kill $i
		frr_stop "nlb$i"
	done
	sleep 1
	for i in 3 4; do
		frr_start "nlb$i" "$(eval echo "\$nlb$i")" "$(cat "$D/nlb$i.frr.conf")" || return 1
		nlbsd_start "$i"
	done
	busywait 60000 pair_ok 2
}
ktap_check "pair B upgraded (nlbsd and FRR restarted on nlb3, nlb4), still drained" upgrade_b
ktap_check "still out of the route" busywait 20000 nh_both "${PAIR_ADDR[3]}"
undrain_b() { announce 3 undrain && announce 4 undrain; }
t=$(date +%s%3N)
ktap_check "pair B undrained" undrain_b
ktap_check "fw1 and fw2 route via pairs B and C" \
	busywait 180000 nh_both "${PAIR_ADDR[2]}" "${PAIR_ADDR[3]}"
log "pair B: back in the route $(ms "$t") ms after the undrain"
B0=$(fwd nlb3)
ktap_check "pair B back: every connection answers" answered 6-back "$D/all"
ktap_check "pair B forwards again" test "$(fwd nlb3)" -gt "$B0"

# ---- 7. pinned flows and a configuration change -----------------------------
reload_all() {
	local i want
	W=([1]=3 [2]=2 [3]=1)
	for i in 1 2 3 4 5 6; do
		conf "$i" >"$D/nlb$i.conf"
		kill -HUP "${PID[$i]}" || return 1
	done
	want="${SRV_IPS[0]} 3 ${SRV_IPS[1]} 2 ${SRV_IPS[2]} 1 "
	kw() { genl "$1" server show "$VIP" tcp $PORT | awk '$1 == "server" {
		for (i = 2; i < NF; i++) if ($i == "weight") printf "%s %s ", $2, $(i + 1) }'; }
	for i in 1 2 3 4 5 6; do
		busywait 15000 eval '[ "$(kw nlb'$i')" = "$want" ]' || { log "nlb$i: $(kw nlb$i)"; return 1; }
	done
}
ktap_check "7. weights 1:2:3 -> 3:2:1 on every NLB (reload)" reload_all
ktap_check "every connection answers (each pair's flow table pins its flows)" answered 7-reload "$D/all"
awk '$3 == "ok" { print $1 }' "$CONN_TMP/c.round" >"$D/old"
ktap_check "50 new connections" conn_open c 50 60
conn_round c 20
awk -v n="$(wc -l <"$CONN_TMP/c.round")" '$3 == "ok" && $1 >= n - 50 { print $1 }' "$CONN_TMP/c.round" >"$D/new"
# Pair B has seen every flow (it carried them all in step 4): forget them,
# as a pair that never saw them would (a pair added after the change, or a
# flow table that expired), so that the flows of pair C that move to B get
# Maglev's choice under the new weights.
flush_b() { genl nlb3 flow flush && genl nlb4 flow flush; }
ktap_check "pair B's flow table flushed (a pair that never saw these flows)" flush_b
drain_c() { announce 5 drain && announce 6 drain; }
ktap_check "pair C drained" drain_c
ktap_check "fw1 routes via pair B only" busywait 60000 nh_is fw1 "${PAIR_ADDR[2]}"
ktap_check "every connection opened after the change answers" answered 7-new "$D/new"
x=$(awk 'FILENAME == ARGV[1] { e[$1] = 1; next } ($1 in e) && $3 != "ok"' "$D/old" "$CONN_TMP/c.round" | wc -l)
FIG[7-old]="$(($(wc -l <"$D/old") - x)) of $(wc -l <"$D/old")"
log "connections opened before the change: $x of $(wc -l <"$D/old") ended (their pinned server is not Maglev's new choice)"
ktap_check "some opened before the change end ($x): the failure mode of scaling.rst is real" test "$x" -gt 0

# ---- NLBS_LONG: pair A rejoins, pair C lost --------------------------------
if [ "${NLBS_LONG:-0}" = 1 ]; then
	announce 5 undrain; announce 6 undrain
	awk '$3 == "ok" { print $1 }' "$CONN_TMP/c.round" >"$D/all"
	ip -n "$sw" link set nlb1-acc up && ip -n "$sw" link set nlb2-acc up
	ktap_check "long: pair A's links back: fw1 routes via A, B and C" \
		busywait 90000 nh_is fw1 "${PAIR_ADDR[1]}" "${PAIR_ADDR[2]}" "${PAIR_ADDR[3]}"
	ktap_check "long: pair A rejoined: every connection answers" answered L-rejoin "$D/all"
	t=$(date +%s%3N)
	cut_pair 3
	busywait 20000 nh_is fw1 "${PAIR_ADDR[1]}" "${PAIR_ADDR[2]}"
	rc=$?
	ktap_check "long: pair C lost: withdrawn in $(ms "$t") ms" test $rc = 0
	ktap_check "long: pair C lost: >= 99% answer" answered L-C-lost "$D/all" 99
fi

log "figures: the loss of a pair: BFD down after ${T_BFD:-?} ms (detection time $BFD_MS ms), bgpd acted after ${T_BGP:-?} ms, route withdrawn after ${T_WD:-?} ms (traffic only through pair B from then), every connection answering after ${T_ALL:-?} ms"
for s in 4-pair-lost 5-pair-added 6-drained 6-back 7-reload 7-new 7-old L-rejoin L-C-lost; do
	[ -n "${FIG[$s]:-}" ] && printf '#   %-14s %s\n' "$s" "${FIG[$s]}"
done
ktap_check "no sanitizer report in the daemons' logs" \
	sh -c "! grep -qE 'AddressSanitizer|runtime error|Segmentation' $D/nlb*.log"
ktap_check "kernel log clean" dmesg_clean
if [ "$KTAP_FAIL" -gt 0 ]; then
	for f in "$D"/nlb[1-6].log; do
		[ -r "$f" ] && grep -E "state|peer|error|warn|script" "$f" | tail -n 15 | sed "s|^|# ${f##*/}: |"
	done
	for f in "$FRR_TMP"/*/bgpd.log; do
		tail -n 8 "$f" | sed "s|^|# ${f#"$FRR_TMP"/}: |"
	done
fi
log "ecmp took $(($(date +%s) - T0)) s"
ktap_finished
