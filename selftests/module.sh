#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module as an object: its modinfo, load and unload, the genetlink family
# coming and going with it, and unload while other namespaces (with devices)
# still exist.
. "$(dirname "$0")/lib.sh"

[ -r "$NLBS_KO" ] || ktap_skip_all "$NLBS_KO not built (make)"

field() { modinfo -F "$1" "$NLBS_KO"; }
dkms_version=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$NLBS_TOP/dkms.conf")

ktap_check "modinfo version $(field version) matches dkms.conf" \
	test -n "$(field version)" -a "$(field version)" = "$dkms_version"
ktap_check "modinfo license GPL" test "$(field license)" = GPL
ktap_check "modinfo description" test -n "$(field description)"
ktap_check "modinfo author" test -n "$(field author)"
ktap_check "modinfo alias net-pf-16-proto-16-family-nlbs" \
	grep -qx 'net-pf-16-proto-16-family-nlbs' <<<"$(field alias)"

family() { genl ctrl get name nlbs >/dev/null 2>&1; }
no_family() { ! family; }

ktap_check "load" nlbs_load
ktap_check "sysfs version" test "$(cat /sys/module/nlbs/version 2>/dev/null)" = "$dkms_version"
ktap_check "genetlink family nlbs registered" family
ktap_check "unload" nlbs_unload
ktap_check "genetlink family nlbs gone" no_family

# Unload while namespaces with devices exist, then delete them: the pernet
# exit must run for each and leave nothing behind.
setup_ns a b
ip -n "$a" link add veth0 type veth peer name veth0 netns "$b"
ip -n "$a" link set veth0 up
ip -n "$b" link set veth0 up
ktap_check "load with namespaces present" nlbs_load
ns_family() { ip netns exec "$1" genl ctrl get name nlbs >/dev/null 2>&1; }
ktap_check "family visible in a namespace" ns_family "$a"
ktap_check "unload while namespaces exist" nlbs_unload
cleanup_all_ns
ktap_check "namespaces deleted after unload" test -z "$(ip netns list)"

cycle() {
	local i
	for i in 1 2 3; do
		nlbs_load || return 1
		setup_ns c || return 1
		nlbs_unload || return 1
		cleanup_all_ns
	done
}
ktap_check "three load/unload cycles" cycle

# Load, create and destroy namespaces while loaded, unload.
churn() {
	nlbs_load || return 1
	setup_ns d e f || return 1
	cleanup_all_ns
	nlbs_unload
}
ktap_check "namespace churn while loaded" churn

# server_max bounds the servers of one namespace over all its services (the
# API is open to user-namespace admins); other namespaces are not affected.
PARAM=/sys/module/nlbs/parameters/server_max
server_max() {
	local err i
	echo 3 >"$PARAM" || return 1
	for i in 1 2; do
		nlbs_genl_ns "$g" service add 198.51.100.$i udp 53 || return 1
	done
	for i in 1 2 3; do
		nlbs_genl_ns "$g" server add 198.51.100.$((i % 2 + 1)) udp 53 10.20.0.$i || return 1
	done
	err=$(nlbs_genl_ns "$g" server add 198.51.100.1 udp 53 10.20.0.4 2>&1) &&
		{ log "a fourth server was accepted"; return 1; }
	grep -q "too many servers in this namespace (server_max)" <<<"$err" ||
		{ log "got: $err"; return 1; }
	[ "$(nlbs_genl_ns "$g" server show | grep -c weight)" = 3 ] || return 1
	nlbs_genl_ns "$h" service add 198.51.100.1 udp 53 || return 1
	for i in 1 2 3; do
		nlbs_genl_ns "$h" server add 198.51.100.1 udp 53 10.20.0.$i || return 1
	done
	# a deleted service gives its servers' room back
	nlbs_genl_ns "$g" service del 198.51.100.2 udp 53 || return 1
	nlbs_genl_ns "$g" server add 198.51.100.1 udp 53 10.20.0.4
}
limits() {
	local rc
	nlbs_load || return 1
	setup_ns g h || return 1
	server_max
	rc=$?
	echo 65536 >"$PARAM"
	cleanup_all_ns
	nlbs_unload || return 1
	return $rc
}
ktap_check "server_max 3: a fourth server in a namespace is refused; others unaffected" limits

ktap_finished
