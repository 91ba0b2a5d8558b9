#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two nlbsd daemons over IPv6, in network namespaces on the host, without
# the kernel module (--no-kernel): heartbeats on an IPv6 path and a second,
# IPv4 one (each path of one family), the election, the resync and live
# sync of made-up IPv6 flows (--dry-flows follows the first service, an
# IPv6 one: SYNC_T_FLOWS6), an HTTP health check of an IPv6 server, an
# ICMPv6 reachability target, failover on SIGKILL. KTAP output; exit 0
# pass, 1 fail, 4 skip.
#
#   nsA                                       nsB
#   acc0 fd00:10::11/64 10.10.0.11/24 -- veth -- acc0 fd00:10::12/64 10.10.0.12/24
#   srv0 fd00:20::11/64 -- veth -- eth0 fd00:20::21/64  nsS (HTTP :8080)
#                                             srv0 fd00:30::12/64 -- veth -- srv0p, in nsB
#
# Usage: netns6.sh [NLBSD_BINARY]
set -u

NLBSD=$(readlink -f "${1:-$(dirname "$0")/../nlbsd}")
A=nlbsd6-a-$$ B=nlbsd6-b-$$ S=nlbsd6-s-$$
DIR=$(mktemp -d /tmp/nlbsd-netns6.XXXXXX)
PIDA= PIDB= PIDS=
N=0 FAILED=0
ADVERT=100 DEAD=3

ok() {   # ok COND-EXIT-STATUS NAME
	N=$((N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $N $2"; else echo "not ok $N $2"; FAILED=$((FAILED + 1)); fi
}
diag() { echo "# $*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_log FILE PATTERN [TIMEOUT_MS]: poll until PATTERN appears after the
# byte offset in FILE.mark
mark() { stat -c %s "$1" > "$1.mark"; }
wait_log() {
	local f=$1 pat=$2 to=${3:-5000} start off
	start=$(now_ms)
	off=$(cat "$f.mark" 2>/dev/null || echo 0)
	while :; do
		tail -c +$((off + 1)) "$f" | grep -q -- "$pat" && return 0
		[ $(($(now_ms) - start)) -gt "$to" ] && return 1
		sleep 0.01
	done
}
# wait_for TIMEOUT_MS CMD...: poll CMD
wait_for() {
	local to=$1 start
	shift
	start=$(now_ms)
	until "$@"; do
		[ $(($(now_ms) - start)) -gt "$to" ] && return 1
		sleep 0.05
	done
}

cleanup() {
	for p in $PIDA $PIDB $PIDS; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	ip netns del "$S" 2>/dev/null
	if [ "$FAILED" -ne 0 ]; then
		for f in "$DIR"/*.log; do diag "---- $f"; sed 's/^/# /' "$f"; done
	fi
	rm -rf "$DIR"
}
trap cleanup EXIT

echo "TAP version 13"
if [ "$(id -u)" -ne 0 ] || ! ip netns add "$A" 2>/dev/null; then
	echo "1..0 # SKIP needs root and network namespaces"
	exit 4
fi
if ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP needs python3"
	exit 4
fi
echo "1..14"

ip netns add "$B"
ip netns add "$S"
ip -n "$A" link add acc0 type veth peer name acc0 netns "$B"
ip -n "$A" link add srv0 type veth peer name eth0 netns "$S"
ip -n "$B" link add srv0 type veth peer name srv0p
for ns in "$A" "$B" "$S"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 >/dev/null
	ip -n "$ns" link set lo up
done
ip -n "$A" addr add fd00:10::11/64 dev acc0 nodad
ip -n "$B" addr add fd00:10::12/64 dev acc0 nodad
ip -n "$A" addr add 10.10.0.11/24 dev acc0
ip -n "$B" addr add 10.10.0.12/24 dev acc0
ip -n "$A" addr add fd00:20::11/64 dev srv0 nodad
ip -n "$S" addr add fd00:20::21/64 dev eth0 nodad
ip -n "$B" addr add fd00:30::12/64 dev srv0 nodad	# B's reachability target
for l in "$A acc0" "$B acc0" "$A srv0" "$B srv0" "$B srv0p" "$S eth0"; do
	set -- $l
	ip -n "$1" link set "$2" up
done

"$NLBSD" --genkey > "$DIR/key"
chmod 600 "$DIR/key"

conf() { # conf NAME ADDR PEER ADDR2 PEER2 PRIO TARGET
	cat <<EOC
[node]
access = acc0
servers = srv0
address = $2
address2 = $4
nlbs = 10.10.0.100
nlbs6 = fd00:10::100
priority = $6
preempt = yes
advert-interval = ${ADVERT}ms
dead-after = $DEAD
state-file = $DIR/$1.epoch
control-socket = $1.ctl
[peer]
address = $3
address2 = $5
key-file = key
sync-rate = 500
sync-resync-timeout = 2s
[reachability]
target = icmp $7
interval = 200ms
timeout = 150ms
rise = 2
fall = 2
[service 2001:db8:100::10 tcp 80]
check = http / status 200 port 8080
interval = 300ms
timeout = 250ms
rise = 2
fall = 2
server = fd00:20::21 weight 5
EOC
}
conf A fd00:10::11 fd00:10::12 10.10.0.11 10.10.0.12 200 fd00:20::21 > "$DIR/a.conf"
conf B fd00:10::12 fd00:10::11 10.10.0.12 10.10.0.11 100 fd00:30::12 > "$DIR/b.conf"

RT=""
chrt -r 1 true 2>/dev/null && RT="chrt -r 1"
FLOWS=2000,1000		# --dry-flows: table, new flows a second (IPv6: the first service)
start_a() { ip netns exec "$A" $RT "$NLBSD" --no-kernel --dry-flows $FLOWS -c "$DIR/a.conf" 2>>"$DIR/a.log" & PIDA=$!; }
start_b() { ip netns exec "$B" $RT "$NLBSD" --no-kernel --dry-flows $FLOWS -c "$DIR/b.conf" 2>>"$DIR/b.log" & PIDB=$!; }
last_state() { grep -o 'state [a-z]* -> [a-z]*' "$1" | tail -n1 | awk '{print $4}'; }
line_of() { tail -c +$(($(cat "$1.mark") + 1)) "$1" | grep -n -m1 -- "$2" | cut -d: -f1; }
counter() { grep -o "sync: sent .*" "$1" | tail -n1 | grep -o "$2 [0-9]*" | awk '{print $2}'; }
operup() { [ "$(ip netns exec "$1" cat "/sys/class/net/$2/operstate")" = up ]; }

wait_for 5000 operup "$B" srv0 && wait_for 5000 operup "$B" acc0 && wait_for 5000 operup "$A" srv0
touch "$DIR/a.log" "$DIR/b.log"
"$NLBSD" -t -c "$DIR/a.conf" >/dev/null
ok $? "check-config accepts IPv6 heartbeat addresses, an IPv6 service and target"

mkdir -p "$DIR/www"; echo ok > "$DIR/www/index.html"
ip netns exec "$S" python3 -m http.server --bind fd00:20::21 --directory "$DIR/www" 8080 \
	>/dev/null 2>&1 & PIDS=$!
mark "$DIR/a.log"; mark "$DIR/b.log"
start_b
wait_log "$DIR/b.log" "state standby -> active" 3000
start_a
wait_log "$DIR/a.log" "state standby -> active" 5000
ok $? "over IPv6 heartbeats: the higher priority node becomes active"
wait_for 2000 sh -c "[ \"\$(grep -o 'state [a-z]* -> [a-z]*' '$DIR/b.log' | tail -n1)\" = 'state active -> standby' ]"
[ "$(last_state "$DIR/a.log")" = active ] && [ "$(last_state "$DIR/b.log")" = standby ]
ok $? "exactly one active: A active, B standby"

r=$(line_of "$DIR/a.log" "sync: resync from peer done: 2000 flows in")
p=$(line_of "$DIR/a.log" "state standby -> active (preempting")
[ -n "$r" ] && [ -n "$p" ] && [ "$r" -lt "$p" ]
ok $? "A had B's 2000 IPv6 flows (SYNC_T_FLOWS6) before it preempted: $(grep -o 'resync from peer done: .*' "$DIR/a.log" | head -n1)"

st() { "$NLBSD" -c "$DIR/a.conf" status > "$DIR/status" 2>&1; }
status_ok() {
	st && grep -q "^peer: fd00:10::12$" "$DIR/status" &&
		grep -q "^peer-hears-us: yes$" "$DIR/status" &&
		grep -q "^healthy: yes" "$DIR/status" &&
		grep -q "^heartbeat-path: 1 fd00:10::11 -> \[fd00:10::12\]:7405, connected" "$DIR/status" &&
		grep -q "^heartbeat-path: 2 10.10.0.11 -> 10.10.0.12:7405, connected" "$DIR/status"
}
wait_for 3000 status_ok
ok $? "nlbsd status: IPv6 peer, both paths (IPv6, IPv4) connected, healthy (ICMPv6 target)"
[ $N -gt 0 ] && [ "$FAILED" -gt 0 ] && sed 's/^/# /' "$DIR/status"
rx_on() { # rx_on PATH: the path's rx count in A's status
	st && sed -n "s/^heartbeat-path: $1 .*, rx \([0-9]*\)$/\1/p" "$DIR/status"
}
r1=$(rx_on 1) r2=$(rx_on 2)
[ "${r1:-0}" -gt 0 ] && [ "${r2:-0}" -gt 0 ]
ok $? "heartbeats received on both paths (IPv6 $r1, IPv4 $r2)"

wait_log "$DIR/a.log" "server fd00:20::21 of 2001:db8:100::10 tcp 80: up" 5000
ok $? "http check of the IPv6 server: up"

mark "$DIR/a.log"; mark "$DIR/b.log"
kill -USR1 "$PIDA" "$PIDB"
wait_log "$DIR/a.log" "status: sync: sent" 2000 && wait_log "$DIR/b.log" "status: sync: sent" 2000
s=$(counter "$DIR/a.log" sent)
[ "${s:-0}" -gt 0 ]
ok $? "the active sends its new IPv6 flows (sent $s)"
i=$(counter "$DIR/b.log" imported) f=$(counter "$DIR/b.log" refused)
[ "${i:-0}" -gt 0 ] && [ "${f:-1}" -eq 0 ] && ! grep -q "sync message from .*: \(bad length\|malformed\)" "$DIR/b.log"
ok $? "the standby imports them (imported $i, refused $f), none refused as bad"

# the IPv6 path lost: the IPv4 one carries the pair on (a second of it: no change)
mark "$DIR/a.log"; mark "$DIR/b.log"
ip -n "$B" addr del fd00:10::12/64 dev acc0
wait_log "$DIR/a.log" "heartbeat path 1 (fd00:10::11 -> fd00:10::12): nothing heard" 3000
ok $? "IPv6 path lost: said so ($(grep -o 'heartbeat path 1 .*' "$DIR/a.log" | tail -n1))"
sleep 1
[ "$(last_state "$DIR/a.log")" = active ] && [ "$(last_state "$DIR/b.log")" = standby ]
ok $? "the IPv4 path carries the pair on: A active, B standby"
ip -n "$B" addr add fd00:10::12/64 dev acc0 nodad

mark "$DIR/b.log"
kill -9 "$PIDA"
wait "$PIDA" 2>/dev/null
PIDA=
wait_log "$DIR/b.log" "state standby -> active (peer silent)" 3000
ok $? "kill -9 of A: B takes over"
kill -TERM "$PIDB"
wait "$PIDB" 2>/dev/null
ok $? "B exits 0 on SIGTERM"
PIDB=
grep -qE "AddressSanitizer|runtime error" "$DIR/a.log" "$DIR/b.log"
[ $? -ne 0 ]
ok $? "no sanitizer report"

echo "# totals: pass:$((N - FAILED)) fail:$FAILED skip:0"
[ "$FAILED" -eq 0 ]
