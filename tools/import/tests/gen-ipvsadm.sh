#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Makes the ipvsadm dumps of tools/import/tests/ipvsadm/real-*.rules with
# IPVS itself: needs a kernel with ip_vs, so it runs in the test VM:
#
#	selftests/vm/run.sh tools/import/tests/gen-ipvsadm.sh > out.txt
#	tools/import/tests/gen-ipvsadm.sh --split out.txt   # on the host
#
# In the VM it programs IPVS in a network namespace of its own, twice:
# with ipvsadm (every forwarding method, scheduler option and kind of
# service ipvsadm -S prints), and with keepalived from
# keepalived/dr-nocheck.conf (its virtual servers as keepalived puts them
# into the kernel), and prints `ipvsadm -Sn` and `ipvsadm -S` of each
# between "=== NAME" lines. --split writes those sections to
# ipvsadm/real-NAME.rules.
set -u
here=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" = --split ]; then
	awk -v dir="$here/ipvsadm" '
		/^=== end/ { f = ""; next }
		/^=== / { f = dir "/real-" $2 ".rules"; printf "" > f; next }
		f != "" { sub(/\r$/, ""); print >> f }' "$2"
	exit 0
fi

[ "${NLBS_VM:-0}" = 1 ] || { echo "gen-ipvsadm: run it in the VM (selftests/vm/run.sh)" >&2; exit 1; }
modprobe ip_vs || exit 1
ns=nlbs-gen-ipvs
ip netns add $ns || exit 1
trap 'ip netns del $ns' EXIT
x() { ip netns exec $ns "$@"; }
x ip link set lo up

# ---- by hand: what an operator's rules look like ------------------------------
V=198.51.100.10
set -e
x ipvsadm -A -t $V:80 -s wrr
x ipvsadm -a -t $V:80 -r 10.20.0.21:80 -g -w 1
x ipvsadm -a -t $V:80 -r 10.20.0.22:80 -g -w 2
x ipvsadm -a -t $V:80 -r 10.20.0.23:80 -g -w 3
x ipvsadm -A -u $V:53 -s rr
x ipvsadm -a -u $V:53 -r 10.20.0.21 -g -w 1
x ipvsadm -a -u $V:53 -r 10.20.0.22 -g -w 5
x ipvsadm -A -t $V:443 -s mh -b mh-port -p 300
x ipvsadm -a -t $V:443 -r 10.20.0.21 -g -w 1
x ipvsadm -a -t $V:443 -r 10.20.0.22 -g -w 0
x ipvsadm -A -t 198.51.100.11:8080 -s wlc -p 1800 -M 255.255.255.0
x ipvsadm -a -t 198.51.100.11:8080 -r 10.20.0.31:8080 -m -w 10
x ipvsadm -a -t 198.51.100.11:8080 -r 10.20.0.32:8081 -g -w 10 -x 500 -y 100
x ipvsadm -a -t 198.51.100.11:8080 -r 10.20.0.33:8080 -i -w 10
x ipvsadm -A -u 198.51.100.12:5060 -s sh -o --pe sip
x ipvsadm -a -u 198.51.100.12:5060 -r 10.20.0.41 -g -w 1
x ipvsadm -A -f 7 -s wrr
x ipvsadm -a -f 7 -r 10.20.0.51 -g -w 1
x ipvsadm -A -t "[2001:db8::10]:80" -s rr
x ipvsadm -a -t "[2001:db8::10]:80" -r "[2001:db8:20::21]:80" -g -w 1
x ipvsadm -A -t 198.51.100.13:0 -s lc -p 600
x ipvsadm -a -t 198.51.100.13:0 -r 10.20.0.61 -g -w 100000
x ipvsadm -a -t 198.51.100.13:0 -r 10.20.0.62 -g -w 50000
set +e
echo "=== byhand-n"
x ipvsadm -Sn
echo "=== byhand-names"
x ipvsadm -S
x ipvsadm -C

# ---- keepalived: the kernel's view of a keepalived.conf -------------------------
# keepalived (checker process only) programs IPVS; the addresses need not
# exist. Wait until every real server is in.
d=$(mktemp -d)
trap 'kill $(cat $d/me.pid 2>/dev/null) 2>/dev/null; sleep 1; ip netns del $ns; rm -rf $d' EXIT
x keepalived --dont-fork --check --log-console --no-syslog \
	--use-file "$here/keepalived/dr-nocheck.conf" --pid "$d/ka.pid" \
	--checkers_pid "$d/checkers.pid" --vrrp_pid "$d/vrrp.pid" >"$d/ka.log" 2>&1 &
echo $! >"$d/me.pid"
want=$(grep -c '^ *real_server' "$here/keepalived/dr-nocheck.conf")
for _ in $(seq 100); do
	n=$(x ipvsadm -Sn | grep -c '^-a')
	[ "$n" -ge "$want" ] && break
	sleep 0.2
done
echo "=== keepalived-n"
x ipvsadm -Sn
echo "=== end"
[ "$n" -ge "$want" ] || { echo "gen-ipvsadm: keepalived made $n of $want real servers"; cat "$d/ka.log"; exit 1; }
exit 0
