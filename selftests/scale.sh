#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The control plane at scale, without traffic:
#   - 10,000 services (more than the former fixed limit of 4,096) load in
#     one batch and list back; service_max refuses one more with its message;
#   - one service with 10,000 servers loads in one batch (one table rebuild,
#     by the batch's commit) and 1,000 of them go in one batch;
#   - what other users may read: no hash seed, no static MAC, no flows;
#   - a namespace that never asks for nlbs has no instance (reads make one).
# Times are printed, never asserted.
. "$(dirname "$0")/lib.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"

ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark scale
setup_ns a b

TMP=$(mktemp -d)
defer rm -rf "$TMP"
PARAM=/sys/module/nlbs/parameters/service_max
SMAX0=$(cat "$PARAM")
defer sh -c "echo $SMAX0 > $PARAM"

ms() { date +%s%3N; }

# 10,000 services: 100 VIPs x 100 ports, small tables.
for v in $(seq 0 99); do
	for p in $(seq 1 100); do
		echo "service add 198.51.$((100 + v / 50)).$((v % 50 + 1)) udp $p table-size 251"
	done
done >"$TMP/services"
t0=$(ms)
ktap_check "10,000 services in one batch" nlbs_genl_ns "$a" -b "$TMP/services"
log "10,000 services loaded in $(($(ms) - t0)) ms"
count_services() {
	[ "$(nlbs_genl_ns "$a" -j service show | jq length)" = "$1" ]
}
t0=$(ms)
ktap_check "service show lists 10,000" count_services 10000
log "10,000 services listed in $(($(ms) - t0)) ms"
ktap_check "one service's table size is its own (251)" sh -c \
	"'$NLBS_GENL' -n '$a' -j service show | jq -e '.[0].table == 251' >/dev/null"

echo 10001 >"$PARAM"
ktap_check "service_max 10001: one more is accepted" \
	nlbs_genl_ns "$a" service add 203.0.113.200 tcp 80 table-size 251
refused() {
	local out
	out=$(nlbs_genl_ns "$a" service add 203.0.113.201 tcp 80 2>&1) && return 1
	grep -q "too many services in this namespace (service_max)" <<<"$out"
}
ktap_check "service_max 10001: the next is refused with its message" refused
echo "$SMAX0" >"$PARAM"

# One service, 10,000 servers with static MACs, then 1,000 deleted.
VIP=192.0.2.10
{
	echo "service add $VIP tcp 443"
	for i in $(seq 0 9999); do
		printf 'server add %s tcp 443 10.20.%d.%d weight %d mac 02:00:00:00:%02x:%02x\n' \
			"$VIP" $((i / 256)) $((i % 256)) $((i % 3 + 1)) \
			$((i / 256)) $((i % 256))
	done
} >"$TMP/servers"
t0=$(ms)
ktap_check "one service with 10,000 servers in one batch" \
	nlbs_genl_ns "$a" -b "$TMP/servers"
log "10,000 servers loaded in $(($(ms) - t0)) ms"
svc_is() {
	nlbs_genl_ns "$a" -j service show |
		jq -e --arg v "$VIP" ".[] | select(.vip == \$v) | .servers == $1 and .table == 65537" >/dev/null
}
ktap_check "the service has 10,000 servers, table 65537" svc_is 10000

head -n 1001 "$TMP/servers" | tail -n 1000 |
	sed 's/^server add \(.*\) weight .*/server del \1/' >"$TMP/del"
t0=$(ms)
ktap_check "1,000 of them deleted in one batch" nlbs_genl_ns "$a" -b "$TMP/del"
log "1,000 servers deleted in $(($(ms) - t0)) ms"
ktap_check "9,000 servers left" svc_is 9000
servers_listed() {
	[ "$(nlbs_genl_ns "$a" -j server show "$VIP" tcp 443 | jq '.[0].server_list | length')" = 9000 ]
}
t0=$(ms)
ktap_check "server show lists 9,000" servers_listed
log "9,000 servers listed in $(($(ms) - t0)) ms"

# Reads for others: no seed, no MAC; the flow dump refused.
nlbs_genl_ns "$a" config set seed 1234 >/dev/null
as_nobody() {
	ip netns exec "$a" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$NLBS_GENL" "$@"
}
ktap_check "root sees the hash seed" sh -c \
	"'$NLBS_GENL' -n '$a' -j config show | jq -e '.seed == 1234' >/dev/null"
ktap_check "nobody does not" sh -c \
	"ip netns exec '$a' setpriv --reuid=nobody --regid=nogroup --clear-groups '$NLBS_GENL' -j config show | jq -e 'has(\"seed\") | not' >/dev/null"
ktap_check "root sees static MACs" sh -c \
	"[ \"\$('$NLBS_GENL' -n '$a' -j server show $VIP tcp 443 | jq -r '.[0].server_list[0].mac // \"none\"')\" != none ]"
ktap_check "nobody does not" sh -c \
	"[ \"\$(ip netns exec '$a' setpriv --reuid=nobody --regid=nogroup --clear-groups '$NLBS_GENL' -j server show $VIP tcp 443 | jq -r '.[0].server_list[0].mac // \"none\"')\" = none ]"
no_flows_for_nobody() { ! as_nobody flow show >/dev/null 2>&1; }
ktap_check "flow show as nobody fails" no_flows_for_nobody

# A namespace that only reads gets the defaults.
ktap_check "an untouched namespace reads state init" sh -c \
	"'$NLBS_GENL' -n '$b' state show | grep -qx 'state init'"

ktap_check "delete everything" sh -c \
	"'$NLBS_GENL' -n '$a' -j service show | jq -r '.[] | \"service del \\(.vip) \\(if .proto == \"any\" then \"\" else \"\\(.proto) \\(.port)\" end)\"' | '$NLBS_GENL' -n '$a' -b -"
ktap_check "kernel log clean" dmesg_clean
ktap_check "unload the module" nlbs_unload
ktap_finished
