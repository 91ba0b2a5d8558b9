#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: the reference topology (../shared/topology.md) with two NLBs and
# three servers, narrated. Runs in the VM (or with HOST=1 on a host that can
# load modules). It grows with the product.
. "$(dirname "$0")/lib.sh"

say() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
fail() { echo "demo: $*"; exit 1; }

say "nlbs: one public address for a cluster behind a redundant load-balancer pair"
cat <<'TOPO'
 client 203.0.113.10                     "Internet"
    |
  fw1  route 198.51.100.10/32 via 10.10.0.100 (the NLBS address)
    |
 ==== access 10.10.0.0/24 ====   nlb1 10.10.0.11   nlb2 10.10.0.12
    |                            10.10.0.100 answered only by the active NLB
  nlb1  nlb2                     frames for the VIP: dst MAC rewritten to a server
    |
 ==== server 10.20.0.0/24 ====   srv1 .21  srv2 .22  srv3 .23
                                 VIP 198.51.100.10 on lo, arp_ignore=1
                                 replies go straight to fw1 (10.20.0.254)
TOPO

say "building it as network namespaces"
topo_setup || fail "topology setup failed"
for n in "${TOPO_NODES[@]}"; do
	[ "$n" = sw ] && continue
	printf '  %-7s %s\n' "$n" "$($n ip -br -4 addr show | awk '$1 != "lo" || NF > 3 { printf "%s %s  ", $1, $3 }')"
done

say "the firewall's route to the cluster address"
run fw1 ip route show "$VIP"

say "servers answer the client directly through the firewall"
run client ping -c 1 -W 2 "${SRV_IPS[0]}" | grep -E 'bytes from|loss'

say "without nlbs nobody owns 10.10.0.100: the VIP is unreachable"
client ping -c 1 -W 1 "$VIP" >/dev/null && fail "VIP answered without nlbs"
run fw1 ip neigh show "$NLBS_ADDR"

say "loading the module"
nlbs_load || fail "insmod failed"
run modinfo -F description "$NLBS_KO"
printf 'version %s, genetlink family: ' "$(cat /sys/module/nlbs/version)"
genl ctrl get name nlbs | awk '/Name:/ { printf "%s (id %s)\n", $2, $4 }'

say "unloading"
nlbs_unload || fail "rmmod failed"
echo "module unloaded, kernel log clean"
say "demo done"
