#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole system end to end, with real peers: keepalived
# VRRP on two firewalls, nlbsd + nlbs.ko on two NLBs, lighttpd on three
# servers (selftests/lib_e2e.sh builds it). Scenarios, one KTAP group each:
#   0. one public address on the access and server subnets (prior art: 6)
#   1. HTTP (curl, ab) balanced by weight 1:2:3; replies never cross the NLBs
#   2. keep-alive connections survive kill -9 and SIGTERM of the active
#      NLB's nlbsd (and its return); takeover time, stall, failed requests
#   3. a firewall VRRP failover under traffic
#   4. a server stopped under load is drained by the health checks, returns
#   5. weight changes with nlbs-genl shift new traffic, connections stay
# Timings are printed as "# " diagnostics (benchmark figures under TCG);
# pass/fail is on correctness. NLBS_E2E_SCENARIOS="0 1 2 3 4 5" selects (passed into the VM).
# By default 1 and 4 are left out (make check's time): e2e6.sh balances
# both families by weight on the same topology and drains a server by its
# health check; forward.sh checks that replies bypass the NLBs, nlbsd.sh
# the drain over IPv4. NLBS_LONG=1 runs them all.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_e2e.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"
[ -x "$NLBSD" ] || ktap_skip_all "$NLBSD not built (make)"
for t in keepalived lighttpd ab curl tcpdump python3 chrt; do
	command -v $t >/dev/null || ktap_skip_all "$t missing (selftests/vm/deps.sh)"
done

E2E_DEFAULT="0 2 3 5"
[ "${NLBS_LONG:-0}" = 1 ] && E2E_DEFAULT="0 1 2 3 4 5"
want() { case " ${NLBS_E2E_SCENARIOS:-$E2E_DEFAULT} " in *" $1 "*) return 0 ;; esac; return 1; }

start=$(now_ms)
ktap_check "topology, keepalived VRRP on fw1/fw2 (fw1 master), lighttpd on srv1..3" e2e_setup_net ||
	{ e2e_logs; ktap_finished; }
dmesg_mark e2e
ktap_check "nlbs.ko and nlbsd on nlb1/nlb2: nlb1 active, nlb2 standby, weights 1:2:3 from the checks" \
	e2e_setup_nlbs || { e2e_logs; ktap_finished; }
log "set up in $(( ($(now_ms) - start) / 1000 )) s: topology ${E2E_T_TOPO:-?} ms, + keepalived and lighttpd ${E2E_T_NET:-?} ms, nlbs.ko + nlbsd ${E2E_T_NLBS:-?} ms"

want 0 && e2e_scn_addresses
want 1 && e2e_scn_balance 600 6
want 2 && e2e_scn_nlb_failover 8 term
want 3 && e2e_scn_fw_failover
want 4 && e2e_scn_drain
want 5 && e2e_scn_weights 600

e2e_nlb1_sole_active() { [ "$(e2e_active)" = nlb1 ]; }
ktap_check "exactly one active NLB at the end, nlb1" e2e_wait 10000 e2e_nlb1_sole_active
ktap_check "no sanitizer report or crash in the daemons' logs" \
	sh -c "! grep -qE 'AddressSanitizer|runtime error|Segmentation' $E2E_TMP/nlb1.log $E2E_TMP/nlb2.log"
ktap_check "kernel log clean" dmesg_clean
e2e_transitions
e2e_table
log "e2e took $(( ($(now_ms) - start) / 1000 )) s"
[ "$KTAP_FAIL" -gt 0 ] && e2e_logs
ktap_finished
