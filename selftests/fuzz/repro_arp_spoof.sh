#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Reproducer (found by fuzz_pkt.sh): an ARP request to the NLB's own
# access address with the NLBS address as sender passes the ingress hook
# (arp-conflicts counts it, as it should) and the stack learns the spoofer's
# MAC as the NLBS address's neighbour on the NLB. Exit 1 while the bug is
# there, 0 once fixed.
#
#   selftests/vm/run.sh selftests/fuzz/repro_arp_spoof.sh
. "$(dirname "$0")/../lib.sh"
nlbs_load || exit 2
setup_ns inj nlb || exit 2
{
	ip -n "$inj" link add inj0 type veth peer name acc netns "$nlb" &&
	ip -n "$inj" link set inj0 up &&
	ip -n "$nlb" link add srv type dummy &&
	ip -n "$nlb" link set srv up &&
	ip -n "$nlb" link set acc address 02:00:0a:0a:00:0b up &&
	ip -n "$nlb" addr add 10.10.0.11/24 dev acc &&
	nlbs_genl_ns "$nlb" config set access acc servers srv nlbs 10.10.0.100 &&
	nlbs_genl_ns "$nlb" state set active
} || { echo "setup failed"; exit 2; }
ip netns exec "$inj" /usr/bin/python3 -S - <<'PY'
import socket, struct
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('inj0', 0))
spoof = bytes.fromhex('02deadbeef01')
arp = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + spoof + socket.inet_aton('10.10.0.100') + \
    bytes(6) + socket.inet_aton('10.10.0.11')          # who-has 10.10.0.11 tell 10.10.0.100
s.send(b'\xff' * 6 + spoof + b'\x08\x06' + arp)
PY
sleep 1
echo "arp-conflicts: $(nlbs_genl_ns "$nlb" stats | awk '$1 == "arp-conflicts" { print $2 }')"
n=$(ip -n "$nlb" neigh show 10.10.0.100 dev acc)
echo "nlb's neighbour entry for 10.10.0.100: ${n:-none}"
cleanup_all_ns
nlbs_unload
case "$n" in *02:de:ad:be:ef:01*) echo "BUG: the spoofed NLBS address was learnt"; exit 1 ;; esac
echo "fixed: not learnt"
