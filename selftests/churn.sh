#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stable consistent hashing: a service of 100 servers (static MACs
# on the server subnet, no real hosts: the destination MAC of each forwarded
# datagram, captured on nlb1's server leg, names its server), the flow table
# off (flow-max 0), 2000 UDP flows. The share of flows whose server changes:
#   one server added, one removed, one server's weight doubled: <= 3% each
# (Maglev with a fixed table of 65537 slots: about 1-1.5%). The same set of
# servers as before gives every flow its old server; nlb2, configured with
# the same servers, weights and seed in another order, maps every flow as
# nlb1 does. The table size shows in `service show`; a table-size that is
# not a prime within 251..4194301 is refused with the kernel's message.
#   NLBS_CHURN_FLOWS=N (default 2000)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dp.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"

FLOWS=${NLBS_CHURN_FLOWS:-2000}
SPORT=20000
SEED=0x7e57
LIMIT=3			# percent
T0=$(date +%s)

ktap_check "build the topology" topo_setup --servers 0 || ktap_finished
ktap_check "load the module" nlbs_load || ktap_finished
dmesg_mark churn

# server I (1..101): 10.20.0.(100 + I), MAC 02:00:0a:14:00:xx (mac_of)
saddr() { echo "10.20.0.$((100 + $1))"; }

# servers_batch ORDER...: "server add" lines for the servers I in that
# order, weight 1 (W_I overrides)
servers_batch() {
	local i w
	for i in "$@"; do
		w=W_$i
		echo "server add $VIP udp 53 $(saddr "$i") weight ${!w:-1} mac $(mac_of "$(saddr "$i")")"
	done
}

setup_nlb1() {
	dp_nlb 1 seed $SEED flow-max 0 || return 1
	{ echo "service add $VIP udp 53"; servers_batch $(seq 1 100); } |
		nlbs_genl_ns "$nlb1" -b - || return 1
	dp_state nlb1 active
}
ktap_check "nlb1: $VIP udp 53 over 100 servers with static MACs, flow-max 0" setup_nlb1 ||
	ktap_finished

# ---- table size ------------------------------------------------------------
svc_line() {
	dp_genl nlb1 service show | grep "^service $VIP udp $1 "
}
table_is() {
	svc_line "$1" | grep -qE " table $2( |\$)" && return 0
	log "service show: $(svc_line "$1")"
	return 1
}
ktap_check "service show: table 65537 (the default)" table_is 53 65537
table_json() {
	dp_genl nlb1 -j service show |
		jq -e 'map(select(.port == 53)) | length == 1 and .[0].table == 65537 and .[0].servers == 100' >/dev/null
}
ktap_check "service show -j: table 65537, servers 100" table_json
ktap_check "service add ... table-size 251" dp_genl nlb1 service add "$VIP" udp 54 table-size 251
ktap_check "service show: table 251" table_is 54 251
ktap_check "a server added: still table 251" sh -c "
	$NLBS_GENL -n $nlb1 server add $VIP udp 54 $(saddr 1) mac $(mac_of "$(saddr 1)") &&
	$NLBS_GENL -n $nlb1 service show | grep -qE '^service $VIP udp 54 servers 1 table 251( |\$)'"
ktap_check "service add ... table-size 4194301 (the maximum)" \
	dp_genl nlb1 service add "$VIP" udp 56 table-size 4194301
ktap_check "service show: table 4194301" table_is 56 4194301
# refused SIZE WORD: service add with table-size SIZE exits 2, says "Error:"
# and WORD (a regular expression) on stderr, nothing on stdout, no service
refused() {
	local out err rc
	out=$(dp_genl nlb1 service add "$VIP" udp 55 table-size "$1" 2>"$DP_TMP/err")
	rc=$?
	err=$(<"$DP_TMP/err")
	log "table-size $1: exit $rc: $err"
	[ "$rc" = 2 ] && [ -z "$out" ] && grep -q '^Error: ' <<<"$err" &&
		grep -qiE "$2" <<<"$err" && ! svc_line 55 >/dev/null
}
ktap_check "table-size 1000 (not a prime): refused, exit 2 (kernel), 'Error: ... prime'" refused 1000 prime
ktap_check "table-size 65535 (not a prime): refused" refused 65535 prime
ktap_check "table-size 241 (a prime below 251): refused" refused 241 'prime|range|251|small|least'
ktap_check "table-size 4194319 (a prime above 4194301): refused" refused 4194319 'prime|range|4194301|large|most'
ktap_check "delete the services of the table-size checks" sh -c "
	$NLBS_GENL -n $nlb1 service del $VIP udp 54 && $NLBS_GENL -n $nlb1 service del $VIP udp 56"

# ---- churn -------------------------------------------------------------------
# round NAME NODE: the FLOWS datagrams from the client, captured on NODE's
# server leg; $DP_TMP/NAME.map: "sport dst-mac" per flow seen
round() {
	local name=$1 node=$2 n
	dp_py udpmap "$client" "$VIP" 53 "$FLOWS" $SPORT "$sw" "$node-srv" >"$DP_TMP/$name.map" ||
		return 1
	n=$(wc -l <"$DP_TMP/$name.map")
	log "$name: $n of $FLOWS flows captured on $node's server leg"
	[ "$n" -ge $((FLOWS * 98 / 100)) ]
}
# moved A B: "MOVED COMMON": flows in both maps, and how many changed server
moved() {
	awk 'FILENAME == ARGV[1] { a[$1] = $2; next } ($1 in a) { n++; if (a[$1] != $2) m++ }
		END { print m + 0, n + 0 }' "$DP_TMP/$1.map" "$DP_TMP/$2.map"
}
# pct M N: M/N in percent, two decimals
pct() { awk -v m="$1" -v n="$2" 'BEGIN { printf "%.2f", n ? m * 100 / n : 100 }'; }
# measure WHAT A B: how many flows of both maps changed server: MOVED (%),
# MOVED_M of MOVED_N, logged
measure() {
	read -r MOVED_M MOVED_N <<<"$(moved "$2" "$3")"
	MOVED=$(pct "$MOVED_M" "$MOVED_N")
	log "$1: $MOVED_M of $MOVED_N flows changed server ($MOVED%)"
}
# churn_ok: at most LIMIT% of the flows moved (in the last measure)
churn_ok() {
	[ "$MOVED_N" -ge $((FLOWS * 98 / 100)) ] && [ $((MOVED_M * 100)) -le $((MOVED_N * LIMIT)) ]
}
# to_mac A MAC: how many flows of A go to MAC
to_mac() { awk -v m="$2" '$2 == m' "$DP_TMP/$1.map" | wc -l; }
servers_used() { awk '{ print $2 }' "$DP_TMP/$1.map" | sort -u | wc -l; }

ktap_check "$FLOWS flows, 100 servers" round base nlb1 || ktap_finished
U=$(servers_used base)
ktap_check "they reach $U distinct servers (>= 95 of 100)" test "$U" -ge 95

ktap_check "add server 101" sh -c "
	$NLBS_GENL -n $nlb1 server add $VIP udp 53 $(saddr 101) mac $(mac_of "$(saddr 101)")"
round add nlb1
measure "add one of 100" base add
ktap_check "one server added: <= $LIMIT% of the flows moved ($MOVED%)" churn_ok
F_ADD=$MOVED
log "server 101 took $(to_mac add "$(mac_of "$(saddr 101)")") flows (1/101: ~$((FLOWS / 101)))"

ktap_check "delete server 101 again" dp_genl nlb1 server del "$VIP" udp 53 "$(saddr 101)"
round back nlb1
measure "back to 100" base back
ktap_check "the same 100 servers again: every flow on its first server ($MOVED%)" churn_ok
ktap_check "  (none moved)" test "$MOVED" = 0.00

ktap_check "delete server 50" dp_genl nlb1 server del "$VIP" udp 53 "$(saddr 50)"
round del nlb1
measure "remove one of 100" base del
ktap_check "one server removed: <= $LIMIT% of the flows moved ($MOVED%)" churn_ok
F_DEL=$MOVED
log "server 50 had $(to_mac base "$(mac_of "$(saddr 50)")") flows"

reweight() {
	nlbs_genl_ns "$nlb1" -b - <<-EOF
	$(servers_batch 50)
	server set $VIP udp 53 $(saddr 51) weight 2
	EOF
}
ktap_check "server 50 back, server 51 weight 2" reweight
round weight nlb1
measure "double one weight of 100" base weight
ktap_check "one weight doubled: <= $LIMIT% of the flows moved ($MOVED%)" churn_ok
F_W=$MOVED
log "server 51: $(to_mac base "$(mac_of "$(saddr 51)")") flows at weight 1, $(to_mac weight "$(mac_of "$(saddr 51)")") at weight 2"

# ---- nlb2: the same configuration in another order ---------------------------
setup_nlb2() {
	dp_nlb 2 flow-max 0 || return 1
	{
		echo "service add $VIP udp 53"
		# reverse order, server 51 at weight 2 from the start, server 101
		# added and removed, server 7 at weight 3 then 1
		W_51=2 W_7=3 servers_batch $(seq 100 -1 1) 101
		echo "server del $VIP udp 53 $(saddr 101)"
		echo "server set $VIP udp 53 $(saddr 7) weight 1"
	} | nlbs_genl_ns "$nlb2" -b - || return 1
	# the seed last: it must not matter either
	dp_genl nlb2 config set seed $SEED
}
ktap_check "nlb2: the same servers, weights and seed, configured in another order" setup_nlb2
fw1_neigh_is() { [ "$(dp_neigh_mac fw1 acc "$NLBS_ADDR")" = "$1" ]; }
switch() {
	dp_state nlb1 standby && dp_state nlb2 active &&
		busywait 10000 fw1_neigh_is "$(dp_mac nlb2 acc)"
}
ktap_check "nlb2 active" switch
round nlb2 nlb2
measure "nlb1 vs nlb2" weight nlb2
ktap_check "nlb2 maps every flow as nlb1 does ($MOVED%)" churn_ok
ktap_check "  (none differs)" test "$MOVED" = 0.00

log "flows changing server (of $FLOWS, flow table off, table 65537): add one of 100 $F_ADD%, remove one $F_DEL%, double one weight $F_W%"
ktap_check "kernel log clean" dmesg_clean
ktap_check "unload the module" nlbs_unload
log "churn took $(($(date +%s) - T0)) s"
ktap_finished
