#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The nlbs generic netlink family through nlbs-genl (and, for what the CLI
# cannot send, raw genetlink requests from a small python helper):
#  - every command round-trips (set, then text and JSON show it), the lease
#    and its expiry, stats and stats reset, monitor events;
#  - every rejection prints the kernel's extack text, exits 2 (as ip), prints nothing
#    on stdout and changes nothing (-j show before and after);
#  - without CAP_NET_ADMIN over the namespace every changing op gets EPERM,
#    reads still work, joining the events group fails;
#  - two namespaces never see each other's instance;
#  - -b loads 2,000 servers (NLBS_GENL_BATCH_N) over one socket and stops at the first bad line;
#  - a genetlink request autoloads the module (VM only: writes /lib/modules);
#  - the kernel's ynl CLI drives the family from the YAML spec (if present).
. "$(dirname "$0")/lib.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"
[ -x "$NLBS_GENL" ] || ktap_skip_all "$NLBS_GENL not built (make tools)"
command -v jq >/dev/null || ktap_skip_all "jq missing (apt-get install jq)"

VIPA=198.51.100.10
VIPB=203.0.113.50
BATCH_N=${NLBS_GENL_BATCH_N:-2000}
TMP=$(mktemp -d)
defer rm -rf "$TMP"

# milliseconds, without a process (every fork+exec costs in the VM)
ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }
T0=$(ms)

g() { nlbs_genl "$@"; }

# check NAME CMD...: lib.sh's ktap_check without its mktemp, sed, head and rm
# (four processes a subtest: each fork+exec costs tens to hundreds of ms in
# the VM under TCG, and this test has over a hundred subtests).
check() {
	local name=$1 rc line n=0
	shift
	"$@" >"$TMP/check" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		ktap_pass "$name"
	else
		while IFS= read -r line && [ $((n += 1)) -le 40 ]; do
			echo "# $line"
		done <"$TMP/check"
		ktap_fail "$name" "'$*' exited $rc"
	fi
	return $rc
}

# poll TIMEOUT_MS CMD...: lib.sh's busywait, but sleeping with read -t on a
# fifo nobody writes to instead of date and sleep processes. (No process
# substitution: the guest has no /dev/fd.)
mkfifo "$TMP/poll" && exec {POLL_FD}<>"$TMP/poll"
poll() {
	local end=$(($(ms) + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$(ms)" -ge $end ] && return 1
		read -r -t 0.1 -u "$POLL_FD"
	done
}

# section NAME: a diagnostic with the time the previous section took
SECTION_T=$(ms) SECTION=setup
section() {
	local now
	now=$(ms)
	log "$SECTION: $((now - SECTION_T)) ms"
	SECTION=$1 SECTION_T=$now
}
# snap NS: everything the instance of NS shows, as JSON (the "unchanged" check)
snap() { nlbs_genl -n "$1" -j show; }
# The "after" snapshot of a passed fails_rc, reused as the "before" of a
# fails_rc in the very next subtest (one process less: fork+exec is slow in
# the VM). SNAP_AT is the number of that subtest (lib.sh's KTAP_N).
SNAP_NS="" SNAP="" SNAP_AT=-1

# same WANT GOT: equal, else both are printed
same() {
	[ "$1" = "$2" ] && return 0
	printf 'want: %s\n got: %s\n' "$1" "$2"
	return 1
}

# shows NS WANT ARGS...: `nlbs-genl -n NS ARGS` prints exactly WANT
shows() {
	local ns=$1 want=$2 got
	shift 2
	got=$(nlbs_genl -n "$ns" "$@") || { echo "nlbs-genl $* failed"; return 1; }
	same "$want" "$got"
}

# jshows NS FILTER ARGS...: `nlbs-genl -n NS -j ARGS` passes `jq -e FILTER`
jshows() {
	local ns=$1 filter=$2 got
	shift 2
	got=$(nlbs_genl -n "$ns" -j "$@") || { echo "nlbs-genl -j $* failed"; return 1; }
	jq -e "$filter" <<<"$got" >/dev/null && return 0
	printf 'jq %s false on: %s\n' "$filter" "$got"
	return 1
}

# fails_rc RC NS WANT CMD...: CMD exits RC, the first line of its stderr is
# exactly "Error: WANT" (the only line when RC is 2), stdout is empty and the
# instance of NS is unchanged.
fails_rc() {
	local rc_want=$1 ns=$2 want=$3 rc=0 before after out err bad=0
	shift 3
	if [ "$SNAP_NS" = "$ns" ] && [ "$SNAP_AT" = "$KTAP_N" ]; then
		before=$SNAP
	else
		before=$(snap "$ns") || { echo "show failed before"; return 1; }
	fi
	SNAP_NS=""
	out=$("$@" 2>"$TMP/err") || rc=$?
	err=$(<"$TMP/err")
	after=$(snap "$ns") || { echo "show failed after"; return 1; }
	[ "$rc" = "$rc_want" ] || { echo "exit $rc, want $rc_want"; bad=1; }
	[ -z "$out" ] || { echo "stdout not empty: $out"; bad=1; }
	[ "${err%%$'\n'*}" = "Error: $want" ] ||
		{ echo "stderr: $err"; echo "want:   Error: $want"; bad=1; }
	[ "$rc_want" != 2 ] || [ "$err" = "${err%%$'\n'*}" ] ||
		{ echo "more than one line on stderr: $err"; bad=1; }
	[ "$before" = "$after" ] ||
		{ echo "state changed:"; echo " before: $before"; echo " after:  $after"; bad=1; }
	[ $bad = 0 ] && SNAP_NS=$ns SNAP=$after SNAP_AT=$((KTAP_N + 1))
	return $bad
}

# fails NS WANT ARGS...: `nlbs-genl -n NS ARGS` is rejected by the kernel
# with WANT (exit 2, as ip)
fails() {
	local ns=$1 want=$2
	shift 2
	fails_rc 2 "$ns" "$want" nlbs_genl -n "$ns" "$@"
}

# genl_raw NS REQ [-- REQ]...: raw requests of the nlbs family from NS, for
# what the CLI refuses to send (port 0, ifindexes of other namespaces), one
# python run for all (python takes seconds to start in the VM). REQ is
# CMD [TYPE=KIND:VAL | NEST.TYPE=KIND:VAL]... with CMD and TYPEs numbers and
# KIND u8 u16 u32 ip flag. Prints one line per REQ: "ok" on ACK, else
# "Error: <extack or strerror>".
PYTHON=$(command -v /usr/bin/python3 python3 | head -n 1)
genl_raw() {
	local ns=$1
	shift
	ip netns exec "$ns" "$PYTHON" -S - "$@" <<'EOF'
import os, socket, struct, sys

def attr(t, p):
    n = 4 + len(p)
    return struct.pack('=HH', n, t) + p + b'\0' * (-n % 4)

def enc(kind, v):
    if kind == 'u8': return struct.pack('=B', int(v, 0))
    if kind == 'u16': return struct.pack('=H', int(v, 0))
    if kind == 'u32': return struct.pack('=I', int(v, 0))
    if kind == 'ip': return socket.inet_aton(v)
    if kind == 'flag': return b''
    sys.exit('genl_raw: bad kind ' + kind)

s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
s.setsockopt(270, 11, 1)        # SOL_NETLINK, NETLINK_EXT_ACK
s.bind((0, 0))
seq = 0

def request(typ, cmd, attrs):
    global seq
    seq += 1
    body = struct.pack('=BBH', cmd, 1, 0) + attrs
    s.send(struct.pack('=IHHII', 16 + len(body), typ, 0x5, seq, 0) + body)
    replies = []
    while True:
        data = s.recv(1 << 16)
        off = 0
        while off < len(data):
            n, t, fl = struct.unpack_from('=IHH', data, off)
            if t == 2:                              # NLMSG_ERROR
                err, ilen = struct.unpack_from('=iI', data, off + 16)
                msg = ''
                if fl & 0x200:                      # NLM_F_ACK_TLVS
                    a = off + 20 + (16 if fl & 0x100 else ilen)
                    while a + 4 <= off + n:
                        al, at = struct.unpack_from('=HH', data, a)
                        if al < 4: break
                        if at == 1:                 # NLMSGERR_ATTR_MSG
                            msg = data[a + 4:a + al].rstrip(b'\0').decode()
                        a += (al + 3) & ~3
                return err, msg, replies
            replies.append(data[off:off + n])
            off += (n + 3) & ~3

err, msg, rep = request(0x10, 3, attr(2, b'nlbs\0'))   # CTRL_CMD_GETFAMILY
if err or not rep:
    print('Error: family nlbs not found', file=sys.stderr)
    sys.exit(1)
fam = None
m, a = rep[0], 20
while a + 4 <= len(m):
    al, at = struct.unpack_from('=HH', m, a)
    if at == 1:
        fam = struct.unpack_from('=H', m, a + 4)[0]
    a += (al + 3) & ~3

def run(req):
    top, nests = b'', {}
    for spec in req[1:]:
        where, val = spec.split('=', 1)
        kind, v = val.split(':', 1) if ':' in val else (val, '')
        if '.' in where:
            n, t = where.split('.')
            nests[int(n)] = nests.get(int(n), b'') + attr(int(t), enc(kind, v))
        else:
            top += attr(int(where), enc(kind, v))
    for n, p in nests.items():
        top += attr(n | 0x8000, p)                  # NLA_F_NESTED
    err, msg, rep = request(fam, int(req[0]), top)
    print('Error: ' + (msg or os.strerror(-err)) if err else 'ok')

req = []
for a in sys.argv[1:] + ['--']:
    if a == '--':
        run(req)
        req = []
    else:
        req.append(a)
EOF
}

# ---- setup ---------------------------------------------------------------------
check "load" nlbs_load || ktap_finished
check "family registered" nlbs_genl state show || ktap_finished

# Two instances: a and b, each with its own two dummy devices; b also has
# "onlyb" and a few more devices, so names and ifindexes exist only there.
mkdevs() {
	local devs="link add acc up type dummy
link add srv up type dummy"
	setup_ns a b || return 1
	ip -n "$a" -b - <<<"$devs" || return 1
	printf '%s\n' "$devs" "link add onlyb type dummy" "link add x1 type dummy" \
		"link add x2 type dummy" "link add x3 type dummy" | ip -n "$b" -b - || return 1
	ifindexes "$a" ACC_A acc SRV_A srv || return 1
	ifindexes "$b" ACC_B acc SRV_B srv BIG_IFINDEX x3 || return 1
	[ "$BIG_IFINDEX" -gt "$ACC_A" ] && [ "$BIG_IFINDEX" -gt "$SRV_A" ] ||
		{ echo "ifindex $BIG_IFINDEX of b may exist in a"; return 1; }
}
# ifindexes NS VAR DEV [VAR DEV]...: VAR=ifindex of DEV in NS
ifindexes() {
	local ns=$1 line idx name
	shift
	declare -A map
	while read -r idx name _; do
		map[${name%:}]=${idx%:}
	done <<<"$(ip -n "$ns" -o link show)"
	while [ $# -gt 1 ]; do
		[ -n "${map[$2]}" ] || { echo "no $2 in $ns"; return 1; }
		printf -v "$1" '%s' "${map[$2]}"
		shift 2
	done
}
check "namespaces a and b with dummy devices" mkdevs || ktap_finished

# The monitor of a runs from here to the end; every event assertion polls its
# output. It has joined the group once a probe service's event shows up.
MON=$TMP/monitor
nlbs_genl -n "$a" monitor >"$MON" 2>&1 &
MON_PID=$!
defer kill "$MON_PID"
# mon_has ERE: a line of the monitor's output matches ERE (no process)
mon_has() {
	local line lines
	mapfile -t lines <"$MON"
	for line in "${lines[@]}"; do
		[[ $line =~ $1 ]] && return 0
	done
	return 1
}
# mon_wait ERE: poll for it; print the monitor's output when it does not come
mon_wait() {
	poll 5000 mon_has "$1" && return 0
	echo "monitor output:"
	cat "$MON"
	return 1
}
mon_sync() {
	local t=$(($(ms) + 30000))
	while [ "$(ms)" -lt $t ]; do
		nlbs_genl -n "$a" service add 192.0.2.1 && nlbs_genl -n "$a" service del 192.0.2.1
		poll 2000 mon_has '^service del 192\.0\.2\.1( |$)' && return 0
	done
	echo "no probe event from the monitor:"; cat "$MON"
	return 1
}
check "monitor joined the events group" mon_sync

# ---- round trips ------------------------------------------------------------------
section round-trips
check "config defaults" shows "$a" \
	"access none servers none nlbs none garp-count 3 garp-interval 100 seed 0x00000000 flow-max 262144 flow-timeout-tcp 300 flow-timeout-tcp-fin 10 flow-timeout-udp 300 flow-timeout-syn 10" config show
check "config set access servers nlbs garp-count garp-interval seed" \
	g -n "$a" config set access acc servers srv nlbs 10.10.0.100 garp-count 5 garp-interval 200 seed 0xabcd
check "config show" shows "$a" \
	"access acc (ifindex $ACC_A) servers srv (ifindex $SRV_A) nlbs 10.10.0.100 garp-count 5 garp-interval 200 seed 0x0000abcd flow-max 262144 flow-timeout-tcp 300 flow-timeout-tcp-fin 10 flow-timeout-udp 300 flow-timeout-syn 10" \
	config show
check "-j config show" jshows "$a" \
	".access == \"acc\" and .access_ifindex == $ACC_A and .servers == \"srv\" and .servers_ifindex == $SRV_A and .nlbs == \"10.10.0.100\" and .garp_count == 5 and .garp_interval == 200 and .seed == 43981" \
	config show
# seed: decimal (as nlbsd's hash-seed) or 0x hex, a leading 0 is not octal
check "config set seed 0100" g -n "$a" config set seed 0100
check "-j config show: seed 0100 is 100, not octal 64" jshows "$a" '.seed == 100' config show
check "config set seed 09 (not rejected as bad octal)" g -n "$a" config set seed 09
check "-j config show: seed 09 is 9" jshows "$a" '.seed == 9' config show
check "config set one field keeps the others" g -n "$a" config set seed 7
check "-j config show after partial set" jshows "$a" \
	'.seed == 7 and .access == "acc" and .garp_count == 5 and .nlbs == "10.10.0.100"' config show

check "state init at start" shows "$a" "state init" state show
check "state set standby" g -n "$a" state set standby
check "state show standby" shows "$a" "state standby" state show
check "-j state show standby" jshows "$a" '.state == "standby" and (has("lease_ms") | not)' state show

lease_ok() {
	local got
	nlbs_genl -n "$a" state set active lease 5000 || return 1
	got=$(nlbs_genl -n "$a" -j state show) || return 1
	jq -e '.state == "active" and .lease_ms > 0 and .lease_ms <= 5000' <<<"$got" >/dev/null ||
		{ echo "got $got"; return 1; }
	got=$(nlbs_genl -n "$a" state show) || return 1
	[[ "$got" =~ ^state\ active\ lease\ ([0-9]+)\ ms$ ]] && [ "${BASH_REMATCH[1]}" -le 5000 ] ||
		{ echo "got $got"; return 1; }
}
check "state set active lease 5000: remaining lease <= 5000" lease_ok
check "state set active (renew without lease)" g -n "$a" state set active
check "state show active without lease" shows "$a" "state active" state show
check "state set active announce" g -n "$a" state set active announce
state_is() { [ "$(nlbs_genl -n "$1" state show)" = "state $2" ]; }
short_lease() {
	nlbs_genl -n "$a" state set active lease 300 || return 1
	poll 5000 state_is "$a" standby || { nlbs_genl -n "$a" state show; return 1; }
}
check "a 300 ms lease expires: standby" short_lease
check "monitor: lease expiry event" mon_wait '^state standby reason lease expired$'
check "monitor: state active event" mon_wait '^state active( |$)'
# The uapi says the state event carries NLBS_A_LEASE_MS (remaining).
check "monitor: the state event of 'active lease 300' carries the lease" \
	mon_wait '^state active lease [0-9]+ ms'

# garp-count 5: five gratuitous ARPs on becoming active (counted from
# here: earlier activations sent some already). Waiting for all five also
# keeps the 'stats reset' below from racing a run still under way.
garps() { [ "$(nlbs_genl -n "$a" -j stats | jq .garp_sent)" -ge "$1" ]; }
G0=$(nlbs_genl -n "$a" -j stats | jq .garp_sent)
check "state set active" g -n "$a" state set active
check "stats: garp-sent counts the announcements (+5)" poll 10000 garps $((${G0:-0} + 5))
stats_names() {
	same "rx forwarded arp-requests arp-replies garp-sent drop-inactive drop-no-server neigh-miss drop-neigh drop-malformed drop-xmit arp-conflicts flows flow-new flow-skip-full flow-skip-nomem flow-skip-flood drop-nodest drop-toobig icmp-forwarded sync-sent sync-dropped sync-imported sync-refused ndp-solicits ndp-adverts ndp-unsolicited ndp-conflicts" \
		"$(nlbs_genl -n "$a" stats show | awk 'NF == 2 { print $1 }' | xargs)"
}
check "stats show: the 28 counters" stats_names

check "service add VIP tcp 80" g -n "$a" service add $VIPA tcp 80
check "service add VIP udp 53" g -n "$a" service add $VIPA udp 53
check "service add VIP (whole)" g -n "$a" service add $VIPA
check "server add weight mac" g -n "$a" server add $VIPA tcp 80 10.20.0.21 weight 3 mac 02:00:0a:14:00:15
check "server add (default weight)" g -n "$a" server add $VIPA tcp 80 10.20.0.22
check "server add (whole VIP)" g -n "$a" server add $VIPA 10.20.0.23 weight 0
check "server add (udp)" g -n "$a" server add $VIPA udp 53 10.20.0.24
check "server set weight" g -n "$a" server set $VIPA tcp 80 10.20.0.22 weight 7
check "server del" g -n "$a" server del $VIPA udp 53 10.20.0.24
check "service del" g -n "$a" service del $VIPA udp 53
svc_show() {
	local got
	got=$(nlbs_genl -n "$a" service show) || return 1
	local re="^service $VIPA tcp 80 servers 2 table 65537 nodest move"$'\n'"service $VIPA servers 1 table 65537 nodest move\$"
	[[ "$got" =~ $re ]] ||
		{ echo "got: $got"; return 1; }
}
check "service show" svc_show
check "-j service show" jshows "$a" \
	"length == 2 and .[0].vip == \"$VIPA\" and .[0].proto == \"tcp\" and .[0].port == 80 and .[0].servers == 2 and .[0].table == 65537 and .[0].nodest == \"move\" and .[1].proto == \"any\" and (.[1] | has(\"port\") | not) and .[1].servers == 1 and .[1].table == 65537" \
	service show
SRV_SHOW="service $VIPA tcp 80
  server 10.20.0.21 weight 3 mac 02:00:0a:14:00:15 packets 0 bytes 0 active-flows 0 new-flows 0
  server 10.20.0.22 weight 7 packets 0 bytes 0 active-flows 0 new-flows 0
service $VIPA
  server 10.20.0.23 weight 0 packets 0 bytes 0 active-flows 0 new-flows 0"
check "server show" shows "$a" "$SRV_SHOW" server show
check "server show VIP tcp 80 (one service)" shows "$a" "$(head -n 3 <<<"$SRV_SHOW")" server show $VIPA tcp 80
check "server show VIP (whole VIP only)" shows "$a" "$(tail -n 2 <<<"$SRV_SHOW")" server show $VIPA
check "-j server show" jshows "$a" \
	'length == 2 and (.[0].server_list | map(.addr) == ["10.20.0.21", "10.20.0.22"]) and .[0].server_list[0].weight == 3 and .[0].server_list[0].mac == "02:00:0a:14:00:15" and .[0].server_list[1].weight == 7 and (.[0].server_list[1] | has("mac") | not) and .[1].server_list[0].weight == 0' \
	server show
show_all() {
	local got
	got=$(nlbs_genl -n "$a" show) || return 1
	same "access acc (ifindex $ACC_A) servers srv (ifindex $SRV_A) nlbs 10.10.0.100 garp-count 5 garp-interval 200 seed 0x00000007 flow-max 262144 flow-timeout-tcp 300 flow-timeout-tcp-fin 10 flow-timeout-udp 300 flow-timeout-syn 10
state active
$(head -n 1 <<<"$(nlbs_genl -n "$a" service show)")
$(sed -n 2,3p <<<"$SRV_SHOW")
$(tail -n 1 <<<"$(nlbs_genl -n "$a" service show)")
$(tail -n 1 <<<"$SRV_SHOW")" "$got"
}
check "show" show_all
check "-j show" jshows "$a" \
	'.config.seed == 7 and .state.state == "active" and (.services | length) == 2 and (.services[0].server_list | length) == 2 and .services[1].server_list[0].addr == "10.20.0.23"' \
	show

stats_reset() {
	local got
	garps 1 || { echo "garp_sent is 0 before the reset: the check would prove nothing"; return 1; }
	nlbs_genl -n "$a" stats reset || return 1
	got=$(nlbs_genl -n "$a" -j stats) || return 1
	jq -e '([to_entries[] | select(.key != "servers") | .value] | length == 28 and all(. == 0)) and (.servers | length == 3 and all(.packets == 0 and .bytes == 0))' \
		<<<"$got" >/dev/null || { echo "got $got"; return 1; }
}
check "stats reset: every counter 0" stats_reset

check "monitor: service add event" mon_wait "^service add $VIPA tcp 80 servers 0 table 65537 nodest move\$"
check "monitor: service del event" mon_wait "^service del $VIPA udp 53( |\$)"
check "monitor: server add event" \
	mon_wait "^server add $VIPA tcp 80 10\.20\.0\.21 weight 3 mac 02:00:0a:14:00:15\$"
check "monitor: server set event" mon_wait "^server set $VIPA tcp 80 10\.20\.0\.22 weight 7\$"
check "monitor: server del event" mon_wait "^server del $VIPA udp 53 10\.20\.0\.24( |\$)"

# ---- rejections -------------------------------------------------------------------
section rejections
# a device name that does not resolve: exit 1, as ip's "Cannot find device"
check "reject: unknown device" \
	fails_rc 1 "$a" 'cannot find device "nosuch"' nlbs_genl -n "$a" config set access nosuch
check "reject: device of another namespace (by name)" \
	fails_rc 1 "$a" 'cannot find device "onlyb"' nlbs_genl -n "$a" config set servers onlyb
check "reject: duplicate service" fails "$a" "nlbs: service already exists" service add $VIPA tcp 80
check "reject: duplicate server" fails "$a" "nlbs: server already exists in this service" \
	server add $VIPA tcp 80 10.20.0.21 weight 9
check "reject: server add to a missing service" fails "$a" "no such service" server add $VIPA tcp 81 10.20.0.21
check "reject: service del of a missing service" fails "$a" "no such service" service del $VIPA udp 53
check "reject: server set of a missing server" fails "$a" "no such server in this service" \
	server set $VIPA tcp 80 10.20.0.29 weight 2
check "reject: server del of a missing server" fails "$a" "no such server in this service" \
	server del $VIPA tcp 80 10.20.0.29
check "reject: weight 65536" fails "$a" "integer out of range" server add $VIPA tcp 80 10.20.0.29 weight 65536
check "reject: weight 65536 on set" fails "$a" "integer out of range" server set $VIPA tcp 80 10.20.0.22 weight 65536
check "reject: port 0 (CLI usage error, exit 1)" \
	fails_rc 1 "$a" 'invalid port "0": 1..65535' nlbs_genl -n "$a" service add $VIPA tcp 0
check "reject: seed -1 (CLI usage error, exit 1)" \
	fails_rc 1 "$a" 'invalid seed "-1"' nlbs_genl -n "$a" config set seed -1
# What the CLI does not send, as raw requests: CONFIG_SET (1) with the
# ifindex of a device of b, SERVICE_ADD (5) with port 0 and without VIP,
# STATE_SET (3) without state and with state 4.
raw_reqs() {
	local before after
	before=$(snap "$a") || return 1
	RAW=$(genl_raw "$a" 1 "1=u32:$BIG_IFINDEX" -- 5 12.1=ip:$VIPA 12.2=u8:6 12.3=u16:0 \
		-- 5 12.2=u8:6 12.3=u16:80 -- 3 -- 3 9=u8:4) || { echo "$RAW"; return 1; }
	mapfile -t RAWL <<<"$RAW"
	after=$(snap "$a") || return 1
	same "$before" "$after"
}
raw_is() { same "Error: $2" "${RAWL[$1]}"; }
if [ -n "$PYTHON" ]; then
	check "raw requests: rejected, nothing changed" raw_reqs
	check "reject (raw): ifindex $BIG_IFINDEX of another namespace" \
		raw_is 0 "no such device in this network namespace"
	check "reject (raw): port 0" raw_is 1 "integer out of range"
	check "reject (raw): service without VIP" raw_is 2 "service VIP required"
	check "reject (raw): state set without state" raw_is 3 "state attribute required"
	check "reject (raw): state 4" raw_is 4 "integer out of range"
else
	ktap_skip "raw requests" "python3 missing"
fi
for addr in 224.0.0.1 0.0.0.0 255.255.255.255 127.0.0.1; do
	check "reject: NLBS address $addr" \
		fails "$a" "NLBS address must be a unicast IPv4 address" config set nlbs $addr
done
check "reject: same device for access and servers" \
	fails "$a" "nlbs: access and server devices must differ" config set servers acc
check "reject: both devices the same" \
	fails "$a" "nlbs: access and server devices must differ" config set access srv servers srv
check "reject: changing a device while active" \
	fails "$a" "nlbs: devices and NLBS address cannot change while active" config set access srv servers acc
check "reject: changing the NLBS address while active" \
	fails "$a" "nlbs: devices and NLBS address cannot change while active" config set nlbs 10.10.0.101
check "garp-count and seed may change while active" g -n "$a" config set garp-count 4 seed 7
check "reject: lease without active" \
	fails "$a" "nlbs: lease and announce apply to state active only" state set standby lease 100
# b: nothing configured yet
check "reject (b): active without an NLBS address" \
	fails "$b" "nlbs: cannot become active: NLBS address not configured" state set active
check "b: config set nlbs only" g -n "$b" config set nlbs 10.10.0.200
check "reject (b): active without devices" \
	fails "$b" "nlbs: access device not configured" state set active
check "b: config set access only" g -n "$b" config set access acc
check "reject (b): active without a server device" \
	fails "$b" "nlbs: server device not configured" state set active
check "b: state set inop" g -n "$b" state set inop
check "reject (b): inop -> active" \
	fails "$b" "nlbs: invalid transition: from inop only init or standby" state set active
check "reject (b): inop -> standby without a server device" \
	fails "$b" "nlbs: server device not configured" state set standby

# ---- privileges -------------------------------------------------------------------
section privileges
# nobody, and root without CAP_NET_ADMIN (setpriv: util-linux, always there)
unpriv() {
	${TO:+timeout "$TO"} ip netns exec "$a" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all "$NLBS_GENL" "$@"
}
nocap() {
	${TO:+timeout "$TO"} ip netns exec "$a" setpriv --inh-caps=-net_admin --bounding-set=-net_admin \
		"$NLBS_GENL" "$@"
}
eperm() { fails_rc 2 "$a" "Operation not permitted" "$@"; }
# nobody: every changing op; root without the capability: three of them
for who in unpriv nocap; do
	check "$who: config set EPERM" eperm $who config set garp-count 9
	[ $who = unpriv ] && check "$who: state set EPERM" eperm $who state set standby
	[ $who = unpriv ] && check "$who: service add EPERM" eperm $who service add $VIPA udp 99
	[ $who = unpriv ] && check "$who: service del EPERM" eperm $who service del $VIPA tcp 80
	check "$who: server add EPERM" eperm $who server add $VIPA tcp 80 10.20.0.30
	[ $who = unpriv ] && check "$who: server set EPERM" eperm $who server set $VIPA tcp 80 10.20.0.21 weight 1
	[ $who = unpriv ] && check "$who: server del EPERM" eperm $who server del $VIPA tcp 80 10.20.0.21
	check "$who: stats reset EPERM" eperm $who stats reset
	# what a reader without CAP_NET_ADMIN is not given (design.rst): the
	# hash seed and the servers' static MACs
	unsecret() {
		case "$1" in
		-j*) jq -cS 'walk(if type == "object" then del(.seed, .mac) else . end)' ;;
		*) sed -E 's/ seed 0x[0-9a-f]+//; s/ mac [0-9a-f:]{17}//' ;;
		esac
	}
	reads() {
		local w=$1 cmd got cmds=("show" "stats")
		# nobody: every read; root without the capability: two of them
		[ "$w" = unpriv ] && cmds+=("config show" "state show" "service show" "server show" "-j show")
		for cmd in "${cmds[@]}"; do
			# shellcheck disable=SC2086
			got=$($w $cmd) || { echo "($cmd) exit $?"; return 1; }
			# shellcheck disable=SC2086
			same "$(nlbs_genl -n "$a" $cmd | unsecret "$cmd")" "$(unsecret "$cmd" <<<"$got")" ||
				{ echo "($cmd)"; return 1; }
			[ "$(unsecret "$cmd" <<<"$got")" = "$( [ "$cmd" = "-j show" ] && jq -cS . <<<"$got" || echo "$got")" ] ||
				{ echo "($cmd) shows the seed or a MAC: $got"; return 1; }
		done
	}
	check "$who: reads work, match root's, without the seed and the servers' MACs" reads $who
	mon_denied() {
		local rc=0 err
		err=$(TO=10 "$1" monitor 2>&1 >/dev/null) || rc=$?
		[ "$rc" = 2 ] && [ -n "$err" ] || { echo "exit $rc: $err"; return 1; }
		echo "$err"
	}
	check "$who: joining the events group fails" mon_denied $who
done
# An unprivileged user namespace owns its own netns: admin there, only there.
# (Skips in the VM: its guest.sh runs chrooted and the kernel refuses a new
# user namespace to a chrooted caller, EPERM.)
userns() {
	local out
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups unshare -Urn sh -c \
		'"$0" service add 192.0.2.7 tcp 1 && "$0" service show' "$NLBS_GENL") ||
		{ echo "$out"; return 1; }
	same "service 192.0.2.7 tcp 1 servers 0 table 65537 nodest move" "$out" || return 1
	! nlbs_genl -n "$a" service show | grep -q 192.0.2.7 || { echo "leaked into a"; return 1; }
	! nlbs_genl service show | grep -q 192.0.2.7 || { echo "leaked into init_net"; return 1; }
}
if why=$(setpriv --reuid=nobody --regid=nogroup --clear-groups unshare -Urn true 2>&1); then
	check "unprivileged user namespace: admin of its own netns only" userns
else
	ktap_skip "unprivileged user namespace: admin of its own netns only" \
		"no unprivileged user namespace here: ${why//$'\n'/ }"
fi

# ---- namespaces ---------------------------------------------------------------------
section namespaces
b_setup() {
	nlbs_genl -n "$b" config set servers srv garp-count 9 seed 2 &&
		nlbs_genl -n "$b" state set init &&
		nlbs_genl -n "$b" service add $VIPB udp 53 &&
		nlbs_genl -n "$b" server add $VIPB udp 53 10.99.0.1 weight 5
}
check "b: its own configuration" b_setup
isolated() {
	local ja jb
	ja=$(snap "$a") && jb=$(snap "$b") || return 1
	jq -e ".config.access_ifindex == $ACC_A and .config.seed == 7 and .config.nlbs == \"10.10.0.100\" and .state.state == \"active\" and ([.services[].vip] | unique == [\"$VIPA\"]) and ([.services[].server_list[].addr] | sort == [\"10.20.0.21\", \"10.20.0.22\", \"10.20.0.23\"])" \
		<<<"$ja" >/dev/null || { echo "a: $ja"; return 1; }
	jq -e ".config.access_ifindex == $ACC_B and .config.servers_ifindex == $SRV_B and .config.seed == 2 and .config.garp_count == 9 and .config.nlbs == \"10.10.0.200\" and .state.state == \"init\" and ([.services[].vip] == [\"$VIPB\"]) and ([.services[].server_list[].addr] == [\"10.99.0.1\"])" \
		<<<"$jb" >/dev/null || { echo "b: $jb"; return 1; }
	# the init namespace has an instance of its own, untouched
	jq -e '.config.nlbs == null and .state.state == "init" and .services == []' \
		<<<"$(nlbs_genl -j show)" >/dev/null || { echo "init_net: $(nlbs_genl -j show)"; return 1; }
}
check "a, b and init_net see only their own instance" isolated
check "a's monitor saw none of b's events" eval "! grep -q -e $VIPB -e 10.99.0.1 '$MON'"

# ---- devices: down, up, unregister ------------------------------------------------------
section devices
check "server device down" ip -n "$a" link set srv down
# The name is there while the device exists, when the CLI resolves it.
check "monitor: device event (down)" \
	mon_wait "^device servers (srv \\()?ifindex $SRV_A\\)? reason server device down\$"
check "state inop after device down" poll 3000 state_is "$a" inop
check "monitor: state inop event" mon_wait '^state inop reason server device down$'
check "reject: inop -> standby while the server device is down" \
	fails "$a" "nlbs: server device is down" state set standby
check "server device up" ip -n "$a" link set srv up
check "inop -> standby -> active" sh -c "'$NLBS_GENL' -n '$a' state set standby && '$NLBS_GENL' -n '$a' state set active"
check "delete the access device" ip -n "$a" link del acc
check "monitor: device event (unregister)" \
	mon_wait "^device access (acc \\()?ifindex $ACC_A\\)? reason access device unregistered\$"
check "state inop after the access device is gone" poll 3000 state_is "$a" inop
check "config show: access none" jshows "$a" '.access == null and .servers == "srv"' config show
check "reject: inop -> standby while the access device is missing" \
	fails "$a" "nlbs: access device not configured" state set standby

# ---- batch ------------------------------------------------------------------------------
section batch
batch_load() {
	local f=$TMP/batch i t0 t1
	nlbs_genl -n "$b" service add $VIPB tcp 443 || return 1
	for ((i = 0; i < BATCH_N; i++)); do
		echo "server add $VIPB tcp 443 10.$((100 + i / 62500)).$((i / 250 % 250)).$((i % 250 + 1)) weight $((i % 7))"
	done >"$f"
	t0=$(ms)
	nlbs_genl -n "$b" -b "$f" || return 1
	t1=$(ms)
	BATCH_MS=$((t1 - t0))
}
check "-b: $BATCH_N server add lines" batch_load && log "batch: $BATCH_N servers in $BATCH_MS ms"
check "-b: all $BATCH_N servers in the service's count" jshows "$b" \
	"map(select(.port == 443))[0].servers == $BATCH_N" service show
count_dump() {
	local n t0
	t0=$(ms)
	n=$(nlbs_genl -n "$b" server show $VIPB tcp 443 | grep -c '^  server ')
	DUMP_MS=$(($(ms) - t0))
	same "$BATCH_N" "$n"
}
check "-b: all $BATCH_N servers in the dump" count_dump && log "server show: $BATCH_N servers in $DUMP_MS ms"
batch_bad() {
	local f=$TMP/bad rc=0 err before after
	printf '%s\n' "# a comment" "server add $VIPB udp 53 10.99.0.2" "" \
		"server add $VIPB udp 53 10.99.0.1" "server add $VIPB udp 53 10.99.0.3" >"$f"
	err=$(nlbs_genl -n "$b" -b "$f" 2>&1 >/dev/null) || rc=$?
	[ $rc = 1 ] || { echo "exit $rc"; return 1; }
	same "Error: nlbs: server already exists in this service
Command failed $f:4" "$err" || return 1
	nlbs_genl -n "$b" server show $VIPB udp 53 | grep -q '10\.99\.0\.2 ' || { echo "line 2 not run"; return 1; }
	# Lines 2, 4 and 5 went in one datagram (pipelined): the kernel refused
	# line 5 because line 4 of its group failed.
	! nlbs_genl -n "$b" server show $VIPB udp 53 | grep -q '10\.99\.0\.3 ' || { echo "line 5 ran"; return 1; }
	# A new batch is a new group: line 5 on its own goes in.
	printf '%s\n' "server add $VIPB udp 53 10.99.0.3" >"$f"
	nlbs_genl -n "$b" -b "$f" || { echo "a batch after the failed one failed"; return 1; }
	nlbs_genl -n "$b" server show $VIPB udp 53 | grep -q '10\.99\.0\.3 ' || { echo "line 5 alone not run"; return 1; }
	printf '%s\n' "service show" "server frob" "service show" >"$f"
	rc=0
	err=$(nlbs_genl -n "$b" -b "$f" 2>&1 >/dev/null) || rc=$?
	[ $rc = 1 ] || { echo "usage error in a batch: exit $rc, want 1"; return 1; }
	grep -qx "Command failed $f:2" <<<"$err" || { echo "$err"; return 1; }
}
check "-b: a bad line stops with Command failed FILE:LINE, exit 1; the kernel refuses the rest of its group" batch_bad

# ---- dumps ------------------------------------------------------------------------------
# SERVER_GET dumps from raw netlink: one server a message, or packed
# (NLBS_A_PACK, several of one service a message, what nlbs-genl asks for),
# in parts of 8 KB that end mid-service and at service boundaries, with
# empty services between. Each part resumes after the server put last;
# after a change between two parts it resumes by position and flags
# NLM_F_DUMP_INTR.
section dumps
# genl_dump NS [pack] [filter VIP PROTO PORT] [delete VIP PROTO PORT]:
# prints "msgs=N servers=M unique=U intr=I parts=P"; delete removes that
# service from a second socket once 300 servers of 10.250.x.y services
# (dump_load's) have come, well into them.
genl_dump() {
	local ns=$1
	shift
	ip netns exec "$ns" "$PYTHON" -S - "$@" <<'EOF'
import socket, struct, sys

def attr(t, p):
    n = 4 + len(p)
    return struct.pack('=HH', n, t) + p + b'\0' * (-n % 4)

def svc_nest(vip, proto, port):
    p = attr(1, socket.inet_aton(vip)) + attr(2, struct.pack('=B', int(proto)))
    return attr(12 | 0x8000, p + attr(3, struct.pack('=H', int(port))))

def sock():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    s.bind((0, 0))
    return s

def send(s, typ, flags, cmd, attrs, seq):
    body = struct.pack('=BBH', cmd, 1, 0) + attrs
    s.send(struct.pack('=IHHII', 16 + len(body), typ, flags, seq, 0) + body)

def family(s):
    send(s, 0x10, 0x1, 3, attr(2, b'nlbs\0'), 1)  # no ACK: the reply only
    # every recv on s 8 KB: the kernel sizes a dump's parts by the largest
    m = s.recv(8192)
    a = 20
    while a + 4 <= len(m):
        al, at = struct.unpack_from('=HH', m, a)
        if at == 1:
            return struct.unpack_from('=H', m, a + 4)[0]
        a += (al + 3) & ~3
    sys.exit('genl_dump: no family nlbs')

args, req, dele = sys.argv[1:], b'', None
while args:
    if args[0] == 'pack':
        req += attr(26, b'')                # NLBS_A_PACK
        args = args[1:]
    elif args[0] == 'filter':
        req += svc_nest(*args[1:4])
        args = args[4:]
    elif args[0] == 'delete':
        dele = args[1:4]
        args = args[4:]
    else:
        sys.exit('genl_dump: bad argument ' + args[0])
s = sock()
fam = family(s)
send(s, fam, 0x301, 11, req, 2)             # NLM_F_REQUEST | NLM_F_DUMP
msgs = servers = intr = parts = ours = 0
seen = set()
while True:
    data = s.recv(8192)                     # the dump's parts: 8 KB
    parts += 1
    off, done = 0, False
    while off < len(data):
        n, t, fl = struct.unpack_from('=IHH', data, off)
        intr += bool(fl & 0x10)             # NLM_F_DUMP_INTR (DONE too)
        if t == 3:                          # NLMSG_DONE
            done = True
            break
        if t == 2:
            sys.exit('genl_dump: error %d' % struct.unpack_from('=i', data, off + 16)[0])
        msgs += 1
        a, svc = off + 20, None
        while a + 4 <= off + n:
            al, at = struct.unpack_from('=HH', data, a)
            if at & 0x7fff == 12:
                svc = data[a + 4:a + al]
            elif at & 0x7fff == 13:
                if svc is None:
                    sys.exit('genl_dump: a server before its service')
                servers += 1
                ours += svc[4:6] == bytes([10, 250])
                seen.add((svc[:24], data[a + 4:a + al][:8]))
            a += (al + 3) & ~3
        off += (n + 3) & ~3
    if done:
        break
    if dele and ours >= 300:
        d = sock()
        send(d, fam, 0x5, 6, svc_nest(*dele), 3)   # SERVICE_DEL, ACK
        if struct.unpack_from('=i', d.recv(1 << 16), 16)[0]:
            sys.exit('genl_dump: the delete failed')
        dele = None
print('msgs=%d servers=%d unique=%d intr=%d parts=%d' % (msgs, servers, len(seen), intr, parts))
EOF
}
# 400 services 10.250.x.y udp 53: the even ones with 3 servers, the odd
# ones with none
dump_load() {
	local f=$TMP/dumps i v
	for ((i = 1; i <= 400; i++)); do
		v=10.250.$((i / 250)).$((i % 250 + 1))
		echo "service add $v udp 53"
		((i % 2)) && continue
		echo "server add $v udp 53 10.251.0.1"
		echo "server add $v udp 53 10.251.0.2"
		echo "server add $v udp 53 10.251.0.3"
	done >"$f"
	nlbs_genl -n "$b" -b "$f" || return 1
	DUMP_ALL=$(nlbs_genl -n "$b" -j service show | jq 'map(.servers) | add')
	[ "$DUMP_ALL" -ge $((BATCH_N + 600)) ] || { echo "servers in total: $DUMP_ALL"; return 1; }
}
DUMP_RE='^msgs=([0-9]+) servers=([0-9]+) unique=([0-9]+) intr=([0-9]+) parts=([0-9]+)$'
# dump_is ARGS N TEST INTR: servers == unique == N, (( msgs TEST )), more
# than two parts, and flagged interrupted (INTR 1) or not (0)
dump_is() {
	local out
	out=$(genl_dump "$b" $1) || return 1
	log "dump ${1:-(plain)}: $out"
	[[ $out =~ $DUMP_RE ]] || { echo "$out"; return 1; }
	[ "${BASH_REMATCH[2]}" = "$2" ] && [ "${BASH_REMATCH[3]}" = "$2" ] &&
		[ "$((BASH_REMATCH[4] > 0))" = "$4" ] && [ "${BASH_REMATCH[5]}" -gt 2 ] &&
		(( BASH_REMATCH[1] $3 )) ||
		{ echo "$out: want servers=unique=$2, msgs $3, interrupted $4, parts > 2"; return 1; }
}
if check "400 services, half of them with 3 servers, beside the $BATCH_N-server one" dump_load; then
	check "plain dump: every server once, one a message" \
		dump_is "" "$DUMP_ALL" "== $DUMP_ALL" 0
	check "packed dump: every server once, fewer messages" \
		dump_is pack "$DUMP_ALL" "< $DUMP_ALL / 2" 0
	check "packed dump of one service: its $BATCH_N servers" \
		dump_is "pack filter $VIPB 6 443" "$BATCH_N" "< $BATCH_N / 10" 0
	check "plain dump of one service: its $BATCH_N servers" \
		dump_is "filter $VIPB 6 443" "$BATCH_N" "== $BATCH_N" 0
	check "nlbs-genl server show lists every server once" \
		eval "[ \"\$(nlbs_genl -n '$b' server show | grep -c '^  server ')\" = '$DUMP_ALL' ]"
	# A service not yet dumped deleted mid-dump: flagged, and resumed by
	# position, every other server exactly once.
	check "plain dump, a later service deleted mid-dump: flagged, nothing lost or repeated" \
		dump_is "delete 10.250.1.151 17 53" $((DUMP_ALL - 3)) "== $((DUMP_ALL - 3))" 1
	check "packed dump, a later service deleted mid-dump: flagged, nothing lost or repeated" \
		dump_is "pack delete 10.250.1.149 17 53" $((DUMP_ALL - 6)) "< $DUMP_ALL / 2" 1
	dump_unload() {
		sed -n 's/^service add/service del/p' "$TMP/dumps" |
			grep -v -e ' 10\.250\.1\.151 ' -e ' 10\.250\.1\.149 ' >"$TMP/dumps.del"
		nlbs_genl -n "$b" -b "$TMP/dumps.del" &&
			[ "$(nlbs_genl -n "$b" service show | grep -c '^service 10\.250\.')" = 0 ]
	}
	check "the 400 services deleted" dump_unload
else
	ktap_skip "dumps" "could not load the services"
fi

# ---- YNL --------------------------------------------------------------------------------
section ynl
SPEC=$NLBS_TOP/Documentation/netlink/specs/nlbs.yaml
ynl_cli=${NLBS_YNL:-}
if [ -z "$ynl_cli" ]; then
	for c in /usr/src/linux-source-*/tools/net/ynl/cli.py /usr/src/linux/tools/net/ynl/cli.py \
		/usr/src/linux/tools/net/ynl/pyynl/cli.py "$(command -v ynl)"; do
		[ -n "$c" ] && [ -x "$c" ] && ynl_cli=$c && break
	done
fi
ynl() { ip netns exec "$b" "$ynl_cli" --spec "$SPEC" "$@"; }
ynl_drive() {
	local out
	out=$(ynl --do config-get) || return 1
	grep -q "'hash-seed': 2" <<<"$out" || { echo "config-get: $out"; return 1; }
	ynl --do service-add --json "{\"service\": {\"vip-be\": \"192.0.2.9\", \"proto\": 17, \"port\": 9}}" || return 1
	nlbs_genl -n "$b" service show | grep -qx "service 192.0.2.9 udp 9 servers 0 table 65537 nodest move" ||
		{ nlbs_genl -n "$b" service show; return 1; }
	out=$(ynl --dump service-get) || return 1
	grep -q 9 <<<"$out" || { echo "service-get: $out"; return 1; }
	ynl --do service-del --json "{\"service\": {\"vip-be\": \"192.0.2.9\", \"proto\": 17, \"port\": 9}}"
}
if [ -n "$ynl_cli" ]; then
	check "ynl ($ynl_cli) drives the family from $SPEC" ynl_drive
else
	ktap_skip "ynl drives the family from the YAML spec" \
		"no ynl CLI (tools/net/ynl/cli.py ships in kernel sources >= 6.4, not in Debian's 6.1; set NLBS_YNL)"
fi

# ---- module autoload --------------------------------------------------------------------
section autoload
# The kernel asks modprobe for net-pf-16-proto-16-family-nlbs; modprobe only
# knows /lib/modules/$(uname -r). Only in the VM, whose root is a throwaway
# overlay; the modules.* indexes are saved first and restored afterwards.
# depmod -a reads every module of the tree over 9p: over 4 minutes under TCG.
# So depmod indexes just extra/nlbs.ko (and what it depends on): for these
# few seconds modprobe knows no other module.
KMODS=/lib/modules/$(uname -r)
autoload() {
	local t0 deps=() d
	mkdir -p "$KMODS/extra" "$TMP/modidx" || return 1
	cp -a "$KMODS"/modules.* "$TMP/modidx/" || return 1
	defer sh -c "cp -a '$TMP'/modidx/modules.* '$KMODS/' && rm -f '$KMODS/extra/nlbs.ko'"
	cp "$NLBS_KO" "$KMODS/extra/nlbs.ko" || return 1
	for d in $(modinfo -F depends "$NLBS_KO" | tr , ' '); do
		deps+=("$(modinfo -n "$d")") || return 1
	done
	t0=$(ms)
	depmod "$(uname -r)" "$KMODS/extra/nlbs.ko" "${deps[@]}" || return 1
	log "depmod: $(($(ms) - t0)) ms"
	modprobe -n -q net-pf-16-proto-16-family-nlbs || { echo "modprobe does not resolve the alias"; return 1; }
	nlbs_unload || return 1
	[ ! -d /sys/module/nlbs ] || return 1
	nlbs_genl state show || return 1
	NLBS_LOADED=1
	[ -d /sys/module/nlbs ] || { echo "/sys/module/nlbs missing"; return 1; }
	dmesg_clean
}
if [ "${NLBS_VM:-0}" = 1 ]; then
	kill "$MON_PID" 2>/dev/null
	wait "$MON_PID" 2>/dev/null
	check "module autoload by a genetlink request" autoload
	restore() {
		cp -a "$TMP"/modidx/modules.* "$KMODS/" && rm -f "$KMODS/extra/nlbs.ko" &&
			rmdir --ignore-fail-on-non-empty "$KMODS/extra" || return 1
		! modprobe -n -q net-pf-16-proto-16-family-nlbs || { echo "alias still resolves"; return 1; }
		modprobe -n -q dummy || { echo "the index lost dummy"; return 1; }
	}
	check "autoload cleanup: index restored, alias gone" restore
else
	ktap_skip "module autoload by a genetlink request" "writes /lib/modules: VM only (NLBS_VM=1)"
fi

section end
check "unload" nlbs_unload
log "genl.sh: $(($(ms) - T0)) ms"
ktap_finished
