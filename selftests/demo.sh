#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: the reference topology (Documentation/topology.rst) with two
# keepalived firewalls, two NLBs running nlbsd and three lighttpd servers,
# narrated: balancing by weight, an NLB failover (kill -9 of the active
# daemon) and a server drained by the health checks, then a summary table.
# Runs in the VM (or with HOST=1 on a host that can load modules).
. "$(dirname "$0")/lib.sh"

say() { printf '\n== %s\n' "$*"; }
fail() { echo "demo: $*"; exit 1; }

say "nlbs: one public address for a cluster behind a redundant load-balancer pair"
cat <<'TOPO'
 client 203.0.113.10                     "Internet"
    |
  fw1 fw2  (keepalived VRRP) route 198.51.100.10/32 via 10.10.0.100 (NLBS address)
    |
 ==== access 10.10.0.0/24 ====   nlb1 10.10.0.11   nlb2 10.10.0.12
    |                            10.10.0.100 answered only by the active NLB
  nlb1  nlb2                     frames for the VIP: dst MAC rewritten to a server
    |
 ==== server 10.20.0.0/24 ====   srv1 .21  srv2 .22  srv3 .23
                                 VIP 198.51.100.10 on lo, arp_ignore=1
                                 replies go straight to fw1 (10.20.0.254)
TOPO

say "the product, end to end: keepalived firewalls, nlbsd pair, lighttpd servers"
. "$(dirname "$0")/lib_e2e.sh"
e2e_demo || fail "a demo step failed (see above)"
say "demo done"
