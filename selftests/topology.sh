#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The reference topology of lib.sh (topo_setup) without nlbs: every leg
# reaches its neighbours, servers reply to the client through the firewall
# (the direct-server-return path), and nobody yet answers ARP for the NLBS
# address or the cluster address.
. "$(dirname "$0")/lib.sh"

ktap_check "build the topology" topo_setup --fw2 || ktap_finished

ktap_check "client reaches its gateway" client ping -c 1 -W 2 "$FW_OUT_VIP"
ktap_check "fw1 reaches nlb1 and nlb2 (access)" \
	sh -c "ip netns exec $fw1 ping -c 1 -W 2 ${NLB_ACC_IPS[0]} && ip netns exec $fw1 ping -c 1 -W 2 ${NLB_ACC_IPS[1]}"
ktap_check "fw2 reaches the servers" fw2 ping -c 1 -W 2 "${SRV_IPS[2]}"
for i in 1 2; do
	for s in 0 1 2; do
		ktap_check "nlb$i reaches srv$((s + 1))" nlb$i ping -c 1 -W 2 "${SRV_IPS[s]}"
	done
done
# client -> fw1 -> srv1 and back via srv1's default route (10.20.0.254):
# the path server replies take.
ktap_check "client reaches srv1 through the firewall" client ping -c 1 -W 2 "${SRV_IPS[0]}"
# A reply sourced from the VIP must pass the firewall (no reverse-path drop);
# the client's answer to the VIP goes towards the NLBS address and is lost
# while nlbs is not configured, so count what the client received.
in_echos() {
	client awk '/^Icmp:/ { if (n++) print $c; else for (i = 1; i <= NF; i++) if ($i == "InEchos") c = i }' \
		/proc/net/snmp
}
from_vip() {
	local before
	before=$(in_echos) || return 1
	srv1 ping -q -c 1 -W 1 -I "$VIP" "$CLIENT_IP"
	[ "$(in_echos)" -gt "$before" ]
}
ktap_check "srv1 reaches the client from the VIP via its default gateway" from_vip
ktap_check "MAC of nlb1's server leg is deterministic" \
	test "$(nlb1 cat /sys/class/net/srv/address)" = "$(mac_of "${NLB_SRV_IPS[0]}")"

nobody_answers() { ! "$@"; }
ktap_check "no ARP answer for the NLBS address yet" \
	nobody_answers fw1 arping -q -c 1 -w 1 -I acc "$NLBS_ADDR"
ktap_check "servers do not answer ARP for the VIP" \
	nobody_answers nlb1 arping -q -c 1 -w 1 -I srv "$VIP"
ktap_check "the VIP is unreachable from the client without nlbs" \
	nobody_answers client ping -c 1 -W 1 "$VIP"

ktap_finished
