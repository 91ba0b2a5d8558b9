#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module DKMS built and installed is the one the kernel loads. The host
# side of make check (selftests/vm/check.sh) ran dkms add/build/install of
# this tree into a private tree under build/dkms and passes its lib/modules
# tree as NLBS_DKMS_TREE; here it goes into the guest's /lib/modules (the
# overlay is writable), and modprobe and genetlink autoload must pick it.
. "$(dirname "$0")/lib.sh"

[ "${NLBS_VM:-0}" = 1 ] || ktap_skip_all "installs into /lib/modules: runs in the VM only"
[ -n "${NLBS_DKMS_TREE:-}" ] ||
	ktap_skip_all "no dkms build (make check runs dkms on the host first)"
kver=$(uname -r)
ko=$NLBS_DKMS_TREE/$kver/updates/dkms/nlbs.ko
[ -r "$ko" ] || { ktap_fail "dkms installed $ko"; ktap_finished; }
ktap_pass "dkms installed nlbs.ko for $kver"

srcversion() { modinfo -F srcversion "$1"; }
ktap_check "dkms built the same sources as the tree" \
	test "$(srcversion "$ko")" = "$(srcversion "$NLBS_KO")"

# depmod -a would read every module over 9p (minutes under TCG): index only
# the dkms module, and put the full indexes back at the end.
mods=/lib/modules/$kver
saved=$(mktemp -d)
cp -a "$mods"/modules.* "$saved/"
defer rm -rf "$saved"
defer sh -c 'rm -f "$1"/modules.* && cp -a "$2"/modules.* "$1"/' - "$mods" "$saved"
defer rm -f "$mods/updates/dkms/nlbs.ko"
install -D -m 0644 "$ko" "$mods/updates/dkms/nlbs.ko"
depmod "$kver" "$mods/updates/dkms/nlbs.ko"
ktap_check "modinfo finds the dkms module" \
	test "$(modinfo -F filename nlbs)" = "/lib/modules/$kver/updates/dkms/nlbs.ko"

loaded_is_dkms() {
	test "$(cat /sys/module/nlbs/srcversion)" = "$(srcversion "$ko")"
}
dmesg_mark modprobe
ktap_check "modprobe nlbs" modprobe nlbs
ktap_check "the loaded module is the dkms one" loaded_is_dkms
ktap_check "modprobe -r nlbs" modprobe -r nlbs
ktap_check "genetlink request autoloads it" genl ctrl get name nlbs
ktap_check "autoloaded module is the dkms one" loaded_is_dkms
ktap_check "kernel log clean" dmesg_clean
rmmod nlbs 2>/dev/null
ktap_finished
