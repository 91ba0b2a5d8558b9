#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark part "ctl" (run by guest.sh in the VM; not a test): the control
# plane, nlbs-genl -b against ipvsadm -R loading the same content into an
# empty namespace, then listing it back (nlbs-genl show / server show
# against ipvsadm -Ln), and deleting part of it. Alternated over rounds,
# each load into a freshly loaded module / a flushed IPVS.
#
# Contents (record kind=ctl, op, tool, round, ms, ok):
#   servers   one UDP service with 10,000 servers (nlbs: default table size;
#             IPVS: scheduler wrr, and mh: IPVS's Maglev)
#   delete    1,000 of those 10,000 servers deleted in one batch
#   services  10,000 UDP services on distinct VIPs, one server each (nlbs:
#             table-size 251; IPVS: wrr)
# Servers have no MAC given (nlbs resolves them at forwarding time, as IPVS
# does); nothing is reachable: only the configuration is timed.
#
# While nlbs-genl loads and deletes, a bystander in another namespace asks
# RTNL for a device (RTM_GETLINK) in a loop: the longest answer it waited
# for (kind=rtnl) is the longest the host's networking stalled on RTNL.
# Its baseline: the same probe with nothing loading.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_bench.sh"

if [ "$BENCH_MODE" = quick ]; then
	N=${NLBS_BENCH_CTL_N:-2000}
	ROUNDS=${NLBS_BENCH_CTL_ROUNDS:-1}
else
	N=${NLBS_BENCH_CTL_N:-10000}
	ROUNDS=${NLBS_BENCH_CTL_ROUNDS:-2}
fi
NDEL=$((N / 10))
MODPARAMS=(server_max=262144)

modprobe ip_vs && modprobe ip_vs_wrr && modprobe ip_vs_mh ||
	note "IPVS modules missing: its figures will be errors"
setup_ns nlb probe || { rec kind=error what=namespaces; exit 1; }
ip -n "$nlb" -b - <<-END || { rec kind=error what=devices; exit 1; }
link add acc type dummy
link add srv type dummy
link set acc up
link set srv up
addr add 10.10.0.11/24 dev acc
addr add 10.20.0.11/16 dev srv
END

# ---- the contents, generated once -------------------------------------------------
gen() {
	awk -v n="$N" -v ndel="$NDEL" -v vip="$VIP" -v port="$BENCH_PORT" -v d="$BENCH_TMP" '
	function ip(x) { return sprintf("%d.%d.%d.%d", int(x / 16777216) % 256,
		int(x / 65536) % 256, int(x / 256) % 256, x % 256) }
	BEGIN {
		printf "service add %s udp %d\n", vip, port > (d "/n-servers")
		printf "-A -u %s:%d -s wrr\n", vip, port > (d "/i-servers-wrr")
		printf "-A -u %s:%d -s mh\n", vip, port > (d "/i-servers-mh")
		for (i = 0; i < n; i++) {
			a = ip(10 * 16777216 + 30 * 65536 + i + 1)	# 10.30.0.1...
			printf "server add %s udp %d %s weight 1\n", vip, port, a > (d "/n-servers")
			printf "-a -u %s:%d -r %s:%d -g -w 1\n", vip, port, a, port > (d "/i-servers-wrr")
			printf "-a -u %s:%d -r %s:%d -g -w 1\n", vip, port, a, port > (d "/i-servers-mh")
			if (i % 10 == 5 && i / 10 < ndel) {
				printf "server del %s udp %d %s\n", vip, port, a > (d "/n-delete")
				printf "-d -u %s:%d -r %s:%d\n", vip, port, a, port > (d "/i-delete")
			}
			v = ip(100 * 16777216 + 64 * 65536 + i + 1)	# 100.64.0.1...
			printf "service add %s udp %d table-size 251\n", v, port > (d "/n-services")
			printf "server add %s udp %d %s weight 1\n", v, port, a > (d "/n-services")
			printf "-A -u %s:%d -s wrr\n", v, port > (d "/i-services")
			printf "-a -u %s:%d -r %s:%d -g -w 1\n", v, port, a, port > (d "/i-services")
		}
	}'
}
gen || { rec kind=error what="generating the contents"; exit 1; }

# ---- the RTNL bystander -------------------------------------------------------------
# at a real-time priority: the guest's own scheduling should not be what
# it measures
RT=""
chrt -f 10 true 2>/dev/null && RT="chrt -f 10"
cat >"$BENCH_TMP/rtnl.py" <<'EOF'
# RTM_GETLINK for ifindex 1 in a loop until SIGTERM; prints "samples max_us".
import signal, socket, struct, sys, time
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.bind((0, 0))
req = struct.pack('=IHHII', 32, 18, 1, 0, 0) + struct.pack('=BxHiII', 0, 0, 1, 0, 0)
stop = False
def done(*a):
    global stop
    stop = True
signal.signal(signal.SIGTERM, done)
open(sys.argv[1], 'w').close()
n, worst = 0, 0.0
while not stop:
    t = time.perf_counter()
    s.send(req)
    s.recv(65536)
    d = time.perf_counter() - t
    n += 1
    worst = max(worst, d)
print(n, int(worst * 1e6), flush=True)
EOF
probe_start() {
	rm -f "$BENCH_TMP/rtnl.ready" "$BENCH_TMP/rtnl.out"
	# shellcheck disable=SC2086
	ip netns exec "$probe" $RT python3 "$BENCH_TMP/rtnl.py" "$BENCH_TMP/rtnl.ready" \
		>"$BENCH_TMP/rtnl.out" &
	PROBE=$!
	# python starts slowly under TCG
	busywait 30000 test -e "$BENCH_TMP/rtnl.ready" || note "the RTNL probe did not start"
}
probe_stop() { # probe_stop: sets PROBE_N PROBE_MAX_US
	PROBE_N=0 PROBE_MAX_US=0
	kill -TERM "$PROBE" 2>/dev/null
	wait "$PROBE" 2>/dev/null
	read -r PROBE_N PROBE_MAX_US <"$BENCH_TMP/rtnl.out"
}

# ---- the tools -------------------------------------------------------------------
# timed OP TOOL ROUND CMD...: run CMD (stdin from /dev/null unless redirected
# by the caller), record its wall time; sets T_MS and T_OK
timed() {
	local op=$1 tool=$2 r=$3 t0
	shift 3
	t0=$(now_ms)
	"$@" >/dev/null 2>"$BENCH_TMP/err"
	T_OK=$?
	T_MS=$(($(now_ms) - t0))
	if [ "$T_OK" = 0 ]; then
		rec kind=ctl op="$op" tool="$tool" round="$r" ms="$T_MS" n="$N"
	else
		rec kind=ctl op="$op" tool="$tool" round="$r" ms="$T_MS" n="$N" \
			error="$(head -n 2 "$BENCH_TMP/err")"
	fi
	note "round $r: $op with $tool: $T_MS ms (exit $T_OK)"
	return "$T_OK"
}
nlbs_fresh() {
	bench_nlbs_load "${MODPARAMS[@]}" &&
		nlbs_genl -n "$nlb" config set access acc servers srv nlbs "$NLBS_ADDR"
}
ipvs_restore() { ip netns exec "$nlb" ipvsadm -R <"$1"; }
ipvs_list() { ip netns exec "$nlb" ipvsadm -Ln; }
ipvs_flush() { ip netns exec "$nlb" ipvsadm -C; }
nlbs_batch() { nlbs_genl -n "$nlb" -b "$1"; }

# rtnl_rec OP ROUND: the bystander's figures for OP
rtnl_rec() {
	probe_stop
	rec kind=rtnl op="$1" round="$2" max_us="${PROBE_MAX_US:-0}" samples="${PROBE_N:-0}"
}

# the bystander with nothing loading, for a baseline
probe_start
sleep 3
rtnl_rec idle 0
T_ROUND1=$SECONDS

for ((r = 1; r <= ROUNDS; r++)); do
	# a round as long as the first must fit (the first always runs)
	[ "$r" -gt 1 ] && { in_budget $((SECONDS - T_ROUND1 + 30)) "ctl round $r" || break; }
	# nlbs and IPVS alternate which goes first
	if [ $((r % 2)) = 1 ]; then order="nlbs ipvs"; else order="ipvs nlbs"; fi
	for tool in $order; do
		if [ "$tool" = nlbs ]; then
			nlbs_fresh || { rec kind=ctl op=servers tool=nlbs round="$r" error="setup"; continue; }
			m0=$(kmem_kb)
			probe_start
			timed servers nlbs "$r" nlbs_batch "$BENCH_TMP/n-servers"
			rtnl_rec servers "$r"
			m1=$(kmem_kb)
			[ "$r" = 1 ] && rec kind=mem what=server-ctl n="$N" kb=$((m1 - m0)) \
				bytes_each=$(((m1 - m0) * 1024 / N)) \
				note="a server (no MAC) and its service (table-size 65537), over $N servers"
			timed list-servers nlbs "$r" nlbs_genl -n "$nlb" server show
			probe_start
			timed delete nlbs "$r" nlbs_batch "$BENCH_TMP/n-delete"
			rtnl_rec delete "$r"
			nlbs_fresh || continue
			m0=$(kmem_kb)
			probe_start
			timed services nlbs "$r" nlbs_batch "$BENCH_TMP/n-services"
			rtnl_rec services "$r"
			m1=$(kmem_kb)
			[ "$r" = 1 ] && rec kind=mem what=service-ctl n="$N" kb=$((m1 - m0)) \
				bytes_each=$(((m1 - m0) * 1024 / N)) \
				note="a service with table-size 251 and one server"
			timed list-services nlbs "$r" nlbs_genl -n "$nlb" show
			bench_nlbs_unload
		else
			# ipvsadm takes many times longer than nlbs-genl: each step
			# only when a minute is left (the timeout is a minute after
			# the deadline)
			ipvs_flush
			in_budget 60 "ctl ipvs-wrr servers round $r" &&
				timed servers ipvs-wrr "$r" ipvs_restore "$BENCH_TMP/i-servers-wrr" &&
				timed list-servers ipvs-wrr "$r" ipvs_list &&
				in_budget 60 "ctl ipvs-wrr delete round $r" &&
				timed delete ipvs-wrr "$r" ipvs_restore "$BENCH_TMP/i-delete"
			# (flushing 10,000 services takes long too: only before
			# another load; the namespace goes at the end anyway)
			in_budget 90 "ctl ipvs-wrr services round $r" &&
				ipvs_flush &&
				timed services ipvs-wrr "$r" ipvs_restore "$BENCH_TMP/i-services" &&
				in_budget 60 "ctl ipvs-wrr list-services round $r" &&
				timed list-services ipvs-wrr "$r" ipvs_list
			# mh rebuilds its table on every server added: the first
			# round only, last
			if [ "$r" = 1 ]; then
				in_budget 120 "ctl ipvs-mh round $r" &&
					ipvs_flush &&
					timed servers ipvs-mh "$r" ipvs_restore "$BENCH_TMP/i-servers-mh" &&
					timed list-servers ipvs-mh "$r" ipvs_list &&
					in_budget 60 "ctl ipvs-mh delete round $r" &&
					timed delete ipvs-mh "$r" ipvs_restore "$BENCH_TMP/i-delete"
			fi
		fi
	done
done
exit 0
