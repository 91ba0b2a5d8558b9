#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nlbs-metrics against the real module: nlb1 active and nlb2 standby of the
# reference topology with a UDP and a TCP service over srv1..3, 30 UDP flows
# from the client, then
#   - the exposition passes promtool check metrics (Debian's prometheus);
#   - its values are the kernel's: state, every instance counter against
#     nlbs-genl -j stats, per-server packets summing to forwarded, weights,
#     table size, flows; the standby says standby and forwarded nothing;
#   - the textfile is written atomically (0644, no temporary file left),
#     again every second with -i (new traffic shows), and says nlbs_up 0
#     while the module is unloaded, 1 once it is back; SIGTERM ends it;
#   - an unprivileged user reads the same (no capability needed).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dp.sh"

METRICS=${NLBS_METRICS:-$NLBS_TOP/tools/metrics/nlbs-metrics}
PROMTOOL=${PROMTOOL:-$(command -v promtool)}
[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"
[ -x "$METRICS" ] || ktap_skip_all "$METRICS not built (make)"
command -v jq >/dev/null || ktap_skip_all "jq missing (selftests/vm/deps.sh)"

ktap_check "build the topology" topo_setup || ktap_finished
ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark metrics

setup() {
	local i
	for i in 1 2; do
		dp_nlb $i || return 1
		nlbs_genl_ns "$(dp_ns nlb$i)" -b - <<-EOF || return 1
		service add $VIP udp 53 table-size 65537
		server add $VIP udp 53 ${SRV_IPS[0]} weight 1
		server add $VIP udp 53 ${SRV_IPS[1]} weight 2
		server add $VIP udp 53 ${SRV_IPS[2]} weight 3
		service add $VIP tcp 80 table-size 251 nodest drop
		server add $VIP tcp 80 ${SRV_IPS[0]} weight 0
		EOF
	done
	dp_state nlb1 active && dp_state nlb2 standby
}
ktap_check "nlb1 active, nlb2 standby, services udp/53 (1:2:3) and tcp/80" setup ||
	ktap_finished
send() { dp_py udp "$client" "$VIP" 53 "$1" "$2"; }
ktap_check "send 30 datagrams of 30 flows" send 30 41000
ktap_check "nlb1 forwarded them" busywait 10000 dp_stat_ge nlb1 forwarded 30

# m FILE NAME[{LABELS}]: the value of one sample
m() {
	awk -v k="$2" '$1 == k { print $2; f = 1 } END { exit !f }' "$1"
}

P1=$DP_TMP/out1/nlbs.prom
P2=$DP_TMP/out2/nlbs.prom
mkdir -p "$DP_TMP/out1" "$DP_TMP/out2"
ktap_check "nlbs-metrics -n nlb1 -o FILE" "$METRICS" -n "$nlb1" -o "$P1"
ktap_check "nlbs-metrics -n nlb2 -o FILE" "$METRICS" -n "$nlb2" -o "$P2"
[ -s "$P1" ] || { log "no $P1"; ktap_finished; }

promcheck() {
	local out rc
	out=$("$PROMTOOL" check metrics <"$1" 2>&1)
	rc=$?
	[ $rc = 0 ] && [ -z "$out" ] && return 0
	log "promtool: exit $rc: $out"
	return 1
}
if [ -n "$PROMTOOL" ]; then
	ktap_check "promtool check metrics: nlb1 clean" promcheck "$P1"
	ktap_check "promtool check metrics: nlb2 clean" promcheck "$P2"
else
	ktap_skip "promtool check metrics" "promtool missing (prometheus, selftests/vm/deps.sh)"
fi

ktap_check "written 0644, no temporary file left" sh -c '
	[ "$(stat -c %a "$1")" = 644 ] && [ "$(ls "$(dirname "$1")" | wc -l)" = 1 ]' - "$P1"
ktap_check "nlb1: up, active" sh -c '
	[ "$(awk "\$1 == \"nlbs_up\" { print \$2 }" "$1")" = 1 ] &&
	grep -qx "nlbs_state{state=\"active\"} 1" "$1" &&
	grep -qx "nlbs_state{state=\"standby\"} 0" "$1"' - "$P1"
ktap_check "nlb2: standby, forwarded nothing" sh -c '
	grep -qx "nlbs_state{state=\"standby\"} 1" "$1" &&
	grep -qx "nlbs_forwarded_packets_total 0" "$1"' - "$P2"

# Every instance counter of nlbs-genl -j stats, by the names of nlbs-metrics(8).
declare -A NAME=(
	[rx]=nlbs_received_packets_total [forwarded]=nlbs_forwarded_packets_total
	[arp_requests]=nlbs_arp_requests_total [arp_replies]=nlbs_arp_replies_total
	[garp_sent]=nlbs_gratuitous_arps_sent_total
	[drop_inactive]='nlbs_dropped_packets_total{reason="inactive"}'
	[drop_no_server]='nlbs_dropped_packets_total{reason="no_server"}'
	[neigh_miss]=nlbs_neigh_misses_total
	[drop_neigh]='nlbs_dropped_packets_total{reason="neigh"}'
	[drop_malformed]='nlbs_dropped_packets_total{reason="malformed"}'
	[drop_xmit]='nlbs_dropped_packets_total{reason="xmit"}'
	[arp_conflicts]=nlbs_arp_conflicts_total [flows]=nlbs_flows
	[flow_new]=nlbs_flows_created_total
	[flow_skip_full]='nlbs_flows_untracked_total{reason="full"}'
	[flow_skip_nomem]='nlbs_flows_untracked_total{reason="nomem"}'
	[flow_skip_flood]='nlbs_flows_untracked_total{reason="flood"}'
	[drop_nodest]='nlbs_dropped_packets_total{reason="nodest"}'
	[drop_toobig]='nlbs_dropped_packets_total{reason="toobig"}'
	[icmp_forwarded]=nlbs_icmp_forwarded_total
	[sync_sent]=nlbs_sync_sent_flows_total [sync_dropped]=nlbs_sync_dropped_flows_total
	[sync_imported]=nlbs_sync_imported_flows_total
	[sync_refused]=nlbs_sync_refused_flows_total
	[ndp_solicits]=nlbs_ndp_solicitations_total [ndp_adverts]=nlbs_ndp_advertisements_total
	[ndp_unsolicited]=nlbs_ndp_unsolicited_sent_total [ndp_conflicts]=nlbs_ndp_conflicts_total
)
counters_match() {
	local k v got bad=0 n=0
	# (no process substitution: the guest has no /dev/fd)
	dp_genl nlb1 -j stats | jq -r 'to_entries[] | select(.key != "servers") |
		"\(.key)=\(.value)"' >"$DP_TMP/stats.kv" || return 1
	while IFS='=' read -r k v; do
		n=$((n + 1))
		if [ -z "${NAME[$k]:-}" ]; then
			log "counter $k has no metric name here"
			bad=1
			continue
		fi
		got=$(m "$1" "${NAME[$k]}") || { log "no ${NAME[$k]}"; bad=1; continue; }
		# no traffic meanwhile: every value is the same in both reads
		[ "$got" = "$v" ] || { log "$k: nlbs-genl $v, metrics $got"; bad=1; }
	done <"$DP_TMP/stats.kv"
	[ "$n" -ge 28 ] || { log "only $n counters from nlbs-genl"; bad=1; }
	return $bad
}
ktap_check "every instance counter equals nlbs-genl stats" counters_match "$P1"

server_sum() {
	awk '/^nlbs_server_packets_total\{vip="198.51.100.10",protocol="udp",port="53",/ {
		n += $2 } END { print n + 0 }' "$1"
}
ktap_check "per-server packets sum to forwarded (30)" sh -c '
	[ "$1" = 30 ] && [ "$2" = 30 ]' - "$(server_sum "$P1")" "$(m "$P1" nlbs_forwarded_packets_total)"
ktap_check "per-server packets equal nlbs-genl's" bash -c '
	for s in 21 22 23; do
		a=$(awk -v s="10.20.0.$s" "\$1 == \"service\" && \$3 == \"udp\" && \$5 == \"server\" &&
			\$6 == s { print \$8 }" <<<"$2")
		b=$(awk -v k="nlbs_server_packets_total{vip=\"198.51.100.10\",protocol=\"udp\",port=\"53\",server=\"10.20.0.$s\"}" \
			"\$1 == k { print \$2 }" "$1")
		[ -n "$a" ] && [ "$a" = "$b" ] || { echo "# 10.20.0.$s: $a vs $b"; exit 1; }
	done' - "$P1" "$(dp_genl nlb1 stats)"
ktap_check "weights, table sizes, nodest, servers per service" sh -c '
	grep -qx "nlbs_server_weight{vip=\"198.51.100.10\",protocol=\"udp\",port=\"53\",server=\"10.20.0.23\"} 3" "$1" &&
	grep -qx "nlbs_server_weight{vip=\"198.51.100.10\",protocol=\"tcp\",port=\"80\",server=\"10.20.0.21\"} 0" "$1" &&
	grep -qx "nlbs_service_table_slots{vip=\"198.51.100.10\",protocol=\"udp\",port=\"53\"} 65537" "$1" &&
	grep -qx "nlbs_service_table_slots{vip=\"198.51.100.10\",protocol=\"tcp\",port=\"80\"} 251" "$1" &&
	grep -qx "nlbs_service_info{vip=\"198.51.100.10\",protocol=\"tcp\",port=\"80\",nodest=\"drop\"} 1" "$1" &&
	grep -qx "nlbs_service_servers{vip=\"198.51.100.10\",protocol=\"udp\",port=\"53\"} 3" "$1"' - "$P1"
ktap_check "30 flows: the flow table, active flows per server" sh -c '
	[ "$(awk "\$1 == \"nlbs_flows\" { print \$2 }" "$1")" = 30 ] &&
	[ "$(awk "/^nlbs_server_active_flows\\{/ { n += \$2 } END { print n }" "$1")" = 30 ] &&
	[ "$(awk "/^nlbs_server_flows_created_total\\{/ { n += \$2 } END { print n }" "$1")" = 30 ]' - "$P1"
ktap_check "config info: devices and NLBS address" \
	grep -qx "nlbs_config_info{access=\"acc\",servers=\"srv\",nlbs_address=\"$NLBS_ADDR\"} 1" "$P1"

# ---- an unprivileged reader ---------------------------------------------------
unpriv() {
	ip netns exec "$nlb1" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all "$METRICS" >"$DP_TMP/unpriv.prom" || return 1
	grep -qx "nlbs_up 1" "$DP_TMP/unpriv.prom" &&
		grep -q '^nlbs_server_packets_total{' "$DP_TMP/unpriv.prom"
}
ktap_check "an unprivileged user (nobody, no capabilities) reads it all" unpriv

# ---- the textfile loop ----------------------------------------------------------
L=$DP_TMP/out3/nlbs.prom
mkdir -p "$DP_TMP/out3"
"$METRICS" -n "$nlb1" -o "$L" -i 1 2>"$DP_TMP/loop.err" &
LOOP=$!
defer kill "$LOOP"
ktap_check "-i 1: the file appears" busywait 15000 test -s "$L"
send 10 42000 >/dev/null 2>&1
ktap_check "-i 1: new traffic shows (forwarded 40)" \
	busywait 15000 sh -c '[ "$(awk "\$1 == \"nlbs_forwarded_packets_total\" { print \$2 }" "$1")" = 40 ]' - "$L"
ktap_check "module unloaded under it: nlbs_up 0" sh -c '
	grep -qx "nlbs_up 1" "$1" && rmmod nlbs || exit 1
	for i in $(seq 150); do grep -qx "nlbs_up 0" "$1" && exit 0; sleep 0.1; done
	exit 1' - "$L"
NLBS_LOADED=0
ktap_check "module back: nlbs_up 1, state init" sh -c '
	insmod "$2" || exit 1
	for i in $(seq 150); do
		grep -qx "nlbs_up 1" "$1" && grep -qx "nlbs_state{state=\"init\"} 1" "$1" && exit 0
		sleep 0.1
	done
	exit 1' - "$L" "$NLBS_KO" && NLBS_LOADED=1
if [ -n "$PROMTOOL" ]; then
	ktap_check "promtool check metrics: the file of the loop" promcheck "$L"
fi
stop_loop() {
	kill -TERM "$LOOP" && wait "$LOOP" && [ "$(ls "$DP_TMP/out3" | wc -l)" = 1 ]
}
ktap_check "SIGTERM ends it: exit 0, no temporary file" stop_loop

# ---- no module at all -----------------------------------------------------------
nomod() {
	local out rc
	nlbs_unload || return 1
	out=$("$METRICS" 2>/dev/null)
	rc=$?
	[ -d /sys/module/nlbs ] && { log "the module was autoloaded"; rmmod nlbs; return 1; }
	[ $rc = 1 ] && grep -qx "nlbs_up 0" <<<"$out" && [ "$(grep -vc '^#' <<<"$out")" = 1 ]
}
if modinfo nlbs >/dev/null 2>&1; then
	ktap_skip "no module: nlbs_up 0 alone, exit 1" "an nlbs module is installed: it would autoload"
else
	ktap_check "no module: nlbs_up 0 alone, exit 1" nomod
fi
ktap_check "kernel log clean" dmesg_clean
ktap_finished
