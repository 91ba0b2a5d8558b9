#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nlbsd driving two real nlbs instances (nlb1, nlb2 of the reference
# topology, lib.sh topo_setup): one active is elected; rmmod and insmod of
# the module under both daemons: they recover on their own; SIGKILL of the active's
# daemon makes its kernel lease run out (it leaves active by itself) while the
# peer takes over, and the time from the kill to the first datagram reaching
# a server through the new active is printed; the old node preempts back when
# restarted and re-announces; forged and replayed heartbeats change nothing;
# a server whose service stops is drained within fall x interval and returns
# after rise; SIGTERM hands over at once; notify scripts ran once per
# transition with the right states.
#
#   NLBSD=path (default tools/nlbsd/nlbsd), NLBSD_ADVERT=ms (default 500:
#   an emulated guest on a busy host stalls for hundreds of ms at times, and
#   a stall longer than the lease is a real lease lapse)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dp.sh"

HBTOOL="python3 $NLBS_TOP/tools/nlbsd/tests/hbtool.py"
ADVERT=${NLBSD_ADVERT:-500}
DEAD=3
LEASE=$((DEAD * ADVERT))
CHECK_INT=500 CHECK_TO=400 RISE=2 FALL=2

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"
[ -x "$NLBSD" ] || ktap_skip_all "$NLBSD not built (make)"
command -v python3 >/dev/null || ktap_skip_all "python3 missing"
command -v busybox >/dev/null || ktap_skip_all "busybox missing"

now_ms() { date +%s%3N; }
# CLOCK_MONOTONIC-ish ms (the daemons' -T timestamps; no suspend in a VM)
# no exec (/proc/uptime has two decimals): the time is taken at once
uptime_ms() { local u _; read -r u _ </proc/uptime; echo $((${u/./} * 10)); }
# log_ms NODE PATTERN T0: the -T timestamp (ms) of the first line matching
# PATTERN at or after T0 (ms)
log_ms() {
	grep -- "$2" "$D/$1.log" | sed -n 's/^\[\([0-9]*\)\.\([0-9]*\)\].*/\1\2/p' |
		awk -v t0="$3" '$1 + 0 >= t0 + 0 { print $1 + 0; exit }'
}
D=$DP_TMP

ktap_check "build the topology" topo_setup || ktap_finished
ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark nlbsd

# HTTP on every server's private address (the health checks): busybox httpd,
# it starts fast in an emulated guest.
mkdir -p "$D/www" && echo ok > "$D/www/index.html"
http_start() { # http_start I
	ip netns exec "$(dp_ns "srv$1")" busybox httpd -f -p "${SRV_IPS[$1 - 1]}:80" \
		-h "$D/www" >/dev/null 2>&1 &
	eval "HTTP_$1=$!"
	defer kill "$!"
}
for i in 1 2 3; do http_start $i; done

"$NLBSD" --genkey > "$D/key"
"$NLBSD" --genkey > "$D/wrongkey"
chmod 600 "$D/key" "$D/wrongkey"
cat > "$D/notify.sh" <<'EOS'
#!/bin/sh
echo "$1 $2" >> "$NLBSD_TEST_DIR/$NLBSD_NODE.notify"
EOS
chmod +x "$D/notify.sh"

conf() { # conf I PRIO
	local s
	nlbsd_pair_conf "$1" "$2" "$D/key" "advert-interval = ${ADVERT}ms" \
		"dead-after = $DEAD" "hash-seed = 7" "state-file = $D/nlb$1.epoch" \
		"control-socket = $D/nlb$1.ctl"
	cat <<EOC
[reachability]
target = icmp $FW_ACC_VIP
interval = 1s
timeout = 800ms
[scripts]
notify = $D/notify.sh
timeout = 30s
[weights]
interval = 1s
[service $VIP tcp 80]
check = http / status 200
interval = ${CHECK_INT}ms
timeout = ${CHECK_TO}ms
rise = $RISE
fall = $FALL
dynamic = no
EOC
	for s in "${SRV_IPS[@]}"; do echo "server = $s weight 1"; done
	echo "[service $VIP udp 53]"
	echo "check = none"
	for s in "${SRV_IPS[@]}"; do echo "server = $s weight 1"; done
}
conf 1 200 > "$D/nlb1.conf"
conf 2 100 > "$D/nlb2.conf"
ktap_check "nlbsd --check-config" "$NLBSD" --check-config -c "$D/nlb1.conf"

# real-time priority, as nlbsd.service sets it: TCG guests stall ordinary tasks
RT=""
chrt -r 10 true 2>/dev/null && RT="chrt -r 10"
declare -A PID
start() { # start I
	NLBSD_TEST_DIR=$D NLBSD_NODE=nlb$1 ip netns exec "$(dp_ns "nlb$1")" \
		$RT "$NLBSD" -T -c "$D/nlb$1.conf" 2>>"$D/nlb$1.log" &
	PID[$1]=$!
	defer kill -9 "$!"
}
kstate_is() { dp_genl "$1" state show | grep -q "state $2"; }
log_has() { grep -q -- "$2" "$D/$1.log"; }
weight_of() { # weight_of NODE ADDR: its weight in service VIP tcp 80
	dp_genl "$1" server show "$VIP" tcp 80 |
		awk -v a="$2" '{ for (i = 1; i < NF; i++) if ($i == a) f = 1; if (f) { for (i = 1; i < NF; i++) if ($i == "weight") print $(i + 1); exit } }'
}
weight_is() { [ "$(weight_of "$1" "$2")" = "$3" ]; }

# left over in nlb1's kernel from an older configuration: the start-up
# prune deletes the stale service and the stale server of a kept service
stale() {
	dp_genl nlb1 service add "$VIP" tcp 8080 &&
	dp_genl nlb1 service add "$VIP" tcp 80 &&
	dp_genl nlb1 server add "$VIP" tcp 80 192.0.2.99 weight 1
}
ktap_check "stale service and server in nlb1's kernel" stale
touch "$D/nlb1.log" "$D/nlb2.log"
start 2
start 1
ktap_check "nlb1 (priority 200) becomes active" busywait 10000 kstate_is nlb1 active
ktap_check "nlb2 (priority 100) is standby" busywait 10000 kstate_is nlb2 standby
# settled: a few heartbeats later the pair still agrees (polled: a TCG
# stall longer than the lease may briefly flip it, and nlbsd corrects it)
pair_ok() { kstate_is nlb1 active && kstate_is nlb2 standby; }
sleep 2		# four heartbeats: let the pair run, then look again
ktap_check "still exactly one active after 4 heartbeats" busywait 10000 pair_ok
status_ok() {
	"$NLBSD" -c "$D/nlb1.conf" status > "$D/status" || return 1
	grep -q '^state: active$' "$D/status" && grep -q '^peer-state: standby$' "$D/status" &&
		grep -q '^peer-hears-us: yes$' "$D/status" &&
		grep -q "^fingerprint: matches the peer's$" "$D/status" &&
		grep -q '^arp-conflicts: [0-9]*$' "$D/status" &&
		grep -q '^kernel: configured$' "$D/status" && return 0
	sed 's/^/# /' "$D/status"
	return 1
}
ktap_check "nlbsd status: active, peer standby hears us, same configuration, kernel counters" \
	busywait 5000 status_ok
# nlbs-metrics -c: the same view for Prometheus (nlbs-metrics(8))
METRICS=${NLBS_METRICS:-$NLBS_TOP/tools/metrics/nlbs-metrics}
metrics_nlbsd() {
	"$METRICS" -n "$nlb1" -c "$D/nlb1.ctl" > "$D/metrics" || return 1
	grep -qx 'nlbsd_up 1' "$D/metrics" &&
		grep -qx 'nlbsd_state{state="active"} 1' "$D/metrics" &&
		grep -qx 'nlbsd_peer_state{state="standby"} 1' "$D/metrics" &&
		grep -qx 'nlbsd_peer_alive 1' "$D/metrics" &&
		grep -qx 'nlbsd_fingerprint_match 1' "$D/metrics" &&
		grep -qE '^nlbsd_heartbeats_received_total [1-9][0-9]*$' "$D/metrics" &&
		grep -qx 'nlbs_state{state="active"} 1' "$D/metrics" && return 0
	grep '^nlbsd' "$D/metrics" | sed 's/^/# /'
	return 1
}
ktap_check "nlbs-metrics -c: nlbsd active, peer standby and alive, heartbeats received" \
	busywait 5000 metrics_nlbsd
ktap_check "nlbsd loaded the services into both kernels" sh -c "
	[ \$($NLBS_GENL -n $nlb1 server show | grep -c weight) = 6 ] &&
	[ \$($NLBS_GENL -n $nlb2 server show | grep -c weight) = 6 ]"
ktap_check "start-up prune removed the stale service and server" sh -c "
	! $NLBS_GENL -n $nlb1 service show | grep -q 8080 &&
	! $NLBS_GENL -n $nlb1 server show | grep -q 192.0.2.99"
ktap_check "the active holds a lease" sh -c "$NLBS_GENL -j -n $nlb1 state show | grep -q lease_ms"
ktap_check "fw1 resolves the NLBS address to nlb1" \
	fw1 arping -q -c 1 -w 2 -I acc "$NLBS_ADDR"
ktap_check "health checks: all servers up on nlb1" busywait 10000 \
	sh -c "[ \$(grep -c 'of $VIP tcp 80: up' $D/nlb1.log) -ge 3 ]"

# ---- module unload and reload under the daemons (a DKMS upgrade) --------
# The family id and events group the daemons resolved die with the module:
# they must notice, go inop, and push everything again once it is back.
svc_count_is() { [ "$($NLBS_GENL -n "$1" server show 2>/dev/null | grep -c weight)" = "$2" ]; }
both_have() { svc_count_is "$nlb1" "$1" && svc_count_is "$nlb2" "$1"; }
both_log() { log_has nlb1 "$1" && log_has nlb2 "$1"; }
ktap_check "rmmod nlbs under both daemons" nlbs_unload
ktap_check "both daemons notice the family is gone" \
	busywait 5000 both_log "nlbs netlink family is gone"
ktap_check "insmod nlbs again" nlbs_load
ktap_check "both daemons reopen the new family" busywait 10000 both_log "nlbs family is back"
ktap_check "after the reload: nlb1 active, nlb2 standby again" busywait 15000 pair_ok
ktap_check "services and servers back in both kernels" busywait 10000 \
	both_have 6
ktap_check "fw1 resolves the NLBS address after the reload" \
	busywait 10000 fw1 arping -q -c 1 -w 2 -I acc "$NLBS_ADDR"

# ---- forged and replayed heartbeats ------------------------------------
$HBTOOL attack "$nlb1" "$nlb2" acc 7405 "${NLB_ACC_IPS[1]}" "${NLB_ACC_IPS[0]}" \
	"$D/key" "$D/wrongkey" || log "hbtool attack failed"
ktap_check "forged heartbeat (wrong key) is logged" \
	busywait 5000 log_has nlb1 "authentication failed (wrong key or forged)"
ktap_check "replayed heartbeat is rejected and logged" \
	busywait 5000 log_has nlb1 "replayed (sequence number not increasing)"
ktap_check "heartbeat of a past epoch is rejected" \
	busywait 5000 log_has nlb1 "replayed (stale epoch)"
ktap_check "the forged 'active, priority 254' was never believed" \
	sh -c "! grep -q 'priority 254\\|dual-active, peer has higher' $D/nlb1.log"
ktap_check "nlb1 still active, nlb2 standby" sh -c "$NLBS_GENL -n $nlb1 state show | grep -q 'state active' &&
	$NLBS_GENL -n $nlb2 state show | grep -q 'state standby'"

# ---- drain and return ----------------------------------------------------
ktap_check "srv2 weight 1 on both NLBs" sh -c "
	[ \"\$($NLBS_GENL -n $nlb1 server show $VIP tcp 80 | grep -c '${SRV_IPS[1]} weight 1')\" = 1 ]"
u0=$(uptime_ms)
kill "$HTTP_2"; wait "$HTTP_2" 2>/dev/null
ktap_check "srv2 stopped: drained (weight 0) on both NLBs" \
	busywait $((FALL * CHECK_INT + CHECK_TO + 10000)) \
	sh -c "$NLBS_GENL -n $nlb1 server show $VIP tcp 80 | grep -q '${SRV_IPS[1]} weight 0' &&
	       $NLBS_GENL -n $nlb2 server show $VIP tcp 80 | grep -q '${SRV_IPS[1]} weight 0'"
t=$(($(log_ms nlb1 "${SRV_IPS[1]} of $VIP tcp 80: weight 1 -> 0" "$u0") - u0))
log "drained $t ms after the service stopped (nlb1's log; fall x interval = $((FALL * CHECK_INT)) ms, + timeout $CHECK_TO ms)"
# fall x interval from the first failed check, which comes at most one
# interval after the kill; + the timeout; + 2 s for a stalled TCG guest
ktap_check "drained within fall x interval + timeout (+2 s slack): $t ms" \
	test "$t" -le $((FALL * CHECK_INT + CHECK_TO + 2000))
u0=$(uptime_ms)
http_start 2
ktap_check "srv2 back: weight 1 again after rise successes" busywait 20000 \
	sh -c "$NLBS_GENL -n $nlb1 server show $VIP tcp 80 | grep -q '${SRV_IPS[1]} weight 1'"
log "back $(($(log_ms nlb1 "${SRV_IPS[1]} of $VIP tcp 80: weight 0 -> 1" "$u0") - u0)) ms after the service restarted (rise x interval = $((RISE * CHECK_INT)) ms)"

# ---- SIGKILL of the active's daemon ------------------------------------
# one datagram each 5 ms (slower on a slow kernel), killed below
dp_py stream "$client" "$VIP" 53 $((5 * ${NLBS_TIMEOUT_SCALE:-1})) 1200 &
STREAM=$!
defer kill $STREAM
flowing_through() {
	local f
	f=$(dp_stat "$1" forwarded) || return 1
	busywait 10000 dp_stat_ge "$1" forwarded $((f + 5))
}
ktap_check "UDP stream flows through nlb1" flowing_through nlb1
# the first datagram nlb2 puts on the server subnet (a packet socket: a
# tcpdump read back in a poll loop starves a debug kernel's guest)
dp_py first "$sw" nlb2-srv "$VIP" 53 $((60 * ${NLBS_TIMEOUT_SCALE:-1})) > "$D/first" &
FIRST=$!
defer kill $FIRST
busywait 30000 grep -q listening "$D/first" || ktap_fail "packet socket on nlb2-srv"
t0=$(date +%s%N)
u0=$(uptime_ms)
kill -9 "${PID[1]}"
ktap_check "nlb2 takes over" busywait 10000 kstate_is nlb2 active
t_take=$(( ($(date +%s%N) - t0) / 1000000 ))
ktap_check "nlb1's kernel leaves active by itself (lease ${LEASE} ms)" busywait 10000 kstate_is nlb1 standby
t_lease=$(( ($(date +%s%N) - t0) / 1000000 ))
ktap_check "nlb1's kernel log says the lease expired" sh -c "dmesg | grep -q 'active -> standby (lease expired)'"
ktap_check "traffic reaches servers through nlb2" busywait 10000 grep -q first "$D/first"
ts=$(awk '/^first/ { print $2 }' "$D/first")
if [ -n "$ts" ]; then
	t_first=$(( (ts - t0) / 1000000 ))
	u_take=$(log_ms nlb2 "state standby -> active" "$u0")
	log "failover after SIGKILL of nlb1's daemon (advert ${ADVERT} ms, dead-after $DEAD, lease ${LEASE} ms):"
	# the kernel's own timestamp of leaving active (printk clock ~ uptime)
	k_lease=$(dmesg | awk -v t0="$u0" '/active -> standby \(lease expired\)/ {
		t = substr($0, 2, index($0, "]") - 2) * 1000; if (t >= t0) { printf "%d\n", t; exit } }')
	log "  nlb2 active $((u_take - u0)) ms after the kill (its log)"
	log "  nlb1's kernel left active $((${k_lease:-0} - u0)) ms after the kill (its log; lease ${LEASE} ms)"
	log "  first datagram through nlb2 on a server port ${t_first} ms after the kill"
fi
ktap_check "stream flows through nlb2" flowing_through nlb2

# ---- restart: preemption and re-announcement ------------------------------
start 1
ktap_check "restarted nlb1 preempts: nlb1 active" busywait 10000 kstate_is nlb1 active
ktap_check "nlb2 steps down" busywait 10000 kstate_is nlb2 standby
ktap_check "nlb1 re-announced after nlb2 left active" busywait 5000 log_has nlb1 "re-announcing"
ktap_check "fw1's entry follows: nlb1's MAC" busywait 10000 \
	sh -c "[ \"\$(ip -n $fw1 neigh show $NLBS_ADDR dev acc | awk '{print \$3}')\" = '$(dp_mac nlb1 acc)' ]"
ktap_check "stream flows through nlb1 again" flowing_through nlb1

# ---- SIGTERM: immediate handover --------------------------------------------
u0=$(uptime_ms)
kill -TERM "${PID[1]}"
ktap_check "SIGTERM of the active: nlb2 takes over" busywait 10000 kstate_is nlb2 active
log "handover after SIGTERM: nlb2 active $(($(log_ms nlb2 "state standby -> active (peer leaving)" "$u0") - u0)) ms after the signal (its log)"
ktap_check "nlb1 exited with status 0" wait "${PID[1]}"
ktap_check "nlb1's kernel is standby" kstate_is nlb1 standby
ktap_check "nlb2 logged the peer leaving" log_has nlb2 "peer leaving"
kill $STREAM 2>/dev/null

# ---- notify scripts -----------------------------------------------------------
notify_ok() { # notify_ok NODE: one run per logged transition, same states in order
	local n=$1
	grep -o 'state [a-z]* -> [a-z]*' "$D/$n.log" | awk '{ print $4, $2 }' > "$D/$n.expect"
	grep -v '^init init' "$D/$n.notify" > "$D/$n.got"
	cmp -s "$D/$n.expect" "$D/$n.got" && return 0
	log "$n expected: $(tr '\n' ',' < "$D/$n.expect")"
	log "$n got:      $(tr '\n' ',' < "$D/$n.got")"
	return 1
}
sleep 1
ktap_check "nlb1: notify script ran once per transition, right states" notify_ok nlb1
kill -TERM "${PID[2]}"
wait "${PID[2]}"
ktap_check "nlb2: notify script ran once per transition, right states" notify_ok nlb2
ktap_check "no sanitizer report in the daemons' logs" \
	sh -c "! grep -q 'AddressSanitizer\|runtime error' $D/nlb1.log $D/nlb2.log"
ktap_check "kernel log clean" dmesg_clean
if [ "$KTAP_FAIL" -gt 0 ]; then
	for n in nlb1 nlb2; do
		grep -E "state|peer|lease|kernel|error|warn|start|exit|re-ann" "$D/$n.log" |
			sed "s/^/# $n: /" | head -n 150
	done
fi
ktap_finished
