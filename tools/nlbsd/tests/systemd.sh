#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nlbsd under systemd, without systemd: the unit as installed for a PREFIX
# (and systemd-analyze verify when present), the notifications of
# Type=notify (READY, STATUS, WATCHDOG, RELOADING, STOPPING) on a socket of
# our own as $NOTIFY_SOCKET, and the log lines on a journal stream
# ($JOURNAL_STREAM): once each, with their priority. No root needed.
# KTAP output; exit 0 pass, 1 fail, 4 skip.
#
# Usage: systemd.sh [NLBSD_BINARY]
set -u

NLBSD=$(readlink -f "${1:-$(dirname "$0")/../nlbsd}")
HERE=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(mktemp -d /tmp/nlbsd-systemd.XXXXXX)
PID= PY=
N=0 FAILED=0

ok() {
	N=$((N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $N $2"; else echo "not ok $N $2"; FAILED=$((FAILED + 1)); fi
}
diag() { echo "# $*"; }
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	[ -n "$PY" ] && kill "$PY" 2>/dev/null
	wait 2>/dev/null
	if [ "$FAILED" -ne 0 ]; then
		for f in "$DIR"/err "$DIR"/msgs; do [ -f "$f" ] && sed "s|^|# $(basename "$f"): |" "$f"; done
	fi
	rm -rf "$DIR"
}
trap cleanup EXIT

echo "TAP version 13"
if ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP needs python3"
	exit 4
fi
echo "1..13"

# ---- the unit, installed for PREFIX=/usr ----------------------------------
make -s -C "$HERE" install DESTDIR="$DIR/root" PREFIX=/usr >/dev/null 2>&1
U=$DIR/root/lib/systemd/system/nlbsd.service
grep -q '^ExecStart=/usr/sbin/nlbsd -c /etc/nlbsd/nlbsd.conf$' "$U" &&
	grep -q '^ExecStartPre=/usr/sbin/nlbsd --check-config' "$U" &&
	! grep -q '@SBINDIR@\|@SYSCONFDIR@\|/usr/local' "$U"
ok $? "unit installed for PREFIX=/usr names /usr/sbin/nlbsd"
! grep -q '^Exec.*modprobe' "$U" && ! grep -q -- '^Exec.*--syslog' "$U"
ok $? "no modprobe line (genetlink loads the module), no --syslog (the journal gets stderr)"
for k in Type=notify WatchdogSec= CPUSchedulingPolicy=rr CPUSchedulingResetOnFork=yes \
	 LimitNOFILE= ProtectSystem=strict StateDirectory=nlbsd RuntimeDirectory=nlbsd \
	 NoNewPrivileges=yes \
	 RestrictAddressFamilies= SystemCallFilter=; do
	grep -q "^$k" "$U" || { diag "missing $k"; miss=1; }
done
[ -z "${miss:-}" ]
ok $? "Type=notify, WatchdogSec, RR with reset on fork, LimitNOFILE, ProtectSystem=strict + StateDirectory, ..."
if command -v systemd-analyze >/dev/null; then
	sed "s|@SBINDIR@|$(dirname "$NLBSD")|g; s|@SYSCONFDIR@|/etc|g" "$HERE/nlbsd.service.in" \
		> "$DIR/nlbsd.service"
	out=$(systemd-analyze verify --man=no "$DIR/nlbsd.service" 2>&1)
	[ -z "$out" ] || diag "$out"
	[ -z "$out" ]
	ok $? "systemd-analyze verify: no complaint"
else
	echo "ok 4 # SKIP systemd-analyze not installed"
	N=4
fi

# ---- notifications and journal lines ---------------------------------------
"$NLBSD" --genkey > "$DIR/key"
chmod 600 "$DIR/key"
cat > "$DIR/env.sh" <<'EOS'
#!/bin/sh
echo "$1 NOTIFY_SOCKET=${NOTIFY_SOCKET:-} WATCHDOG_USEC=${WATCHDOG_USEC:-}" >> "$(dirname "$0")/env.out"
EOS
chmod 755 "$DIR/env.sh"
PORT=$((20000 + $$ % 20000))
cat > "$DIR/nlbsd.conf" <<EOC
[node]
access = lo
servers = lo
address = 10.99.0.1
nlbs = 10.99.0.100
state-file =
control-socket = ctl
[peer]
address = 10.99.0.2
port = $PORT
key-file = key
sync = no
[reachability]
devices = no
[scripts]
notify = env.sh
EOC
python3 - "$DIR/notify" "$DIR/msgs" <<'EOP' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "w", buffering=1)
t0 = time.monotonic()
while True:
    m = s.recv(4096).decode()
    for line in m.split("\n"):
        out.write("%d %s\n" % (int((time.monotonic() - t0) * 1000), line))
EOP
PY=$!
for i in $(seq 100); do [ -S "$DIR/notify" ] && break; sleep 0.05; done
touch "$DIR/err"
(
	export NOTIFY_SOCKET=$DIR/notify WATCHDOG_USEC=400000
	export JOURNAL_STREAM=$(stat -c %d:%i "$DIR/err")
	exec "$NLBSD" --no-kernel --syslog -c "$DIR/nlbsd.conf" 2>>"$DIR/err"
) & PID=$!
has() { grep -q -- "$1" "$DIR/msgs" 2>/dev/null; }
wait_for() { local i; for i in $(seq 100); do has "$1" && return 0; sleep 0.05; done; return 1; }
wait_for " READY=1$"
ok $? "READY=1 once started"
wait_for " STATUS=active; peer unknown$"
ok $? "STATUS follows the state ($(grep -c STATUS= "$DIR/msgs") lines: $(grep STATUS= "$DIR/msgs" | cut -d= -f2 | tr '\n' ','))"
sleep 1.5
n=$(grep -c " WATCHDOG=1$" "$DIR/msgs")
# every quarter of 400 ms while the heartbeats run (100 ms intervals)
[ "$n" -ge 6 ]
ok $? "WATCHDOG=1 pinged while the heartbeat tick runs ($n in about 2 s, WatchdogSec 400 ms)"
kill -STOP "$PID"
m0=$(grep -c " WATCHDOG=1$" "$DIR/msgs")
sleep 0.6
m1=$(grep -c " WATCHDOG=1$" "$DIR/msgs")
kill -CONT "$PID"
[ "$m0" = "$m1" ]
ok $? "a stopped (hung) daemon does not ping the watchdog"
r0=$(wc -l < "$DIR/msgs")
kill -HUP "$PID"
for i in $(seq 100); do tail -n +$((r0 + 1)) "$DIR/msgs" | grep -q " READY=1$" && break; sleep 0.05; done
tail -n +$((r0 + 1)) "$DIR/msgs" | grep -v WATCHDOG | grep -o "RELOADING=1\|READY=1" | tr '\n' ' ' |
	grep -q "^RELOADING=1 READY=1 $"
ok $? "SIGHUP: RELOADING=1, then READY=1"
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
has " STOPPING=1$" && [ "$rc" = 0 ]
ok $? "SIGTERM: STOPPING=1, exit 0"
grep -q "^init NOTIFY_SOCKET= WATCHDOG_USEC=$" "$DIR/env.out"
ok $? "notify scripts do not inherit NOTIFY_SOCKET and WATCHDOG_USEC"
! grep -v '^<[0-7]>' "$DIR/err" | grep -q . && grep -q '^<6>state init -> standby (started)$' "$DIR/err" &&
	grep -q '^<4>' "$DIR/err"
ok $? "journal stream: every line has its priority (<6> info, <4> warnings), no prefix, no time"
[ "$(grep -c 'state init -> standby' "$DIR/err")" = 1 ] &&
	grep -q '^<6>logging to the journal (stderr): --syslog ignored$' "$DIR/err"
ok $? "each line once: --syslog ignored on a journal stream"

echo "# totals: pass:$((N - FAILED)) fail:$FAILED skip:0"
[ "$FAILED" -eq 0 ]
