#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs as PID 1 in the guest, chrooted into the overlay of the host root (see
# run.sh). $1 is the env file run.sh wrote. The command's output goes to
# ttyS1; its exit status, and the success marker only when the status is 0 and
# the kernel log is clean, go to ttyS2. Then reboot (QEMU exits).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LC_ALL=C.UTF-8

# End the VM: a reboot, which -no-reboot turns into QEMU's exit (a power-off
# only halts a kernel without ACPI, like the debug kernel). "end" on ttyS2
# tells the runner we got here. PID 1 must not exit meanwhile (that panics)
# nor exec anything: wait on a FIFO in bash.
poweroff() {
	local fifo=/dev/.nlbs-vm-wait
	mkfifo "$fifo" 2>/dev/null
	exec 9<>"$fifo"
	echo end >/dev/ttyS2
	echo b >/proc/sysrq-trigger
	while :; do read -r -t 60 -u 9 _; done
}

# shellcheck disable=SC1090
. "$1" || { echo "nlbs-vm: cannot read $1"; poweroff; }

# /tmp stays the overlay's (writable, thrown away): the tree may be under it.
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/netns /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
hostname nlbs-vm
ip link set lo up
for t in /dev/ttyS1 /dev/ttyS2; do stty -F "$t" raw -echo 115200; done
status() { echo "$*" >/dev/ttyS2; }

# A kernel whose modules are not on the host (the debug kernel): copy them in.
if [ -n "$NLBS_VM_MODULES" ]; then
	mkdir -p /lib/modules
	cp -a "$NLBS_VM_MODULES" "/lib/modules/$(uname -r)"
	depmod -a
fi

kmemleak=/sys/kernel/debug/kmemleak
# Forget what boot allocated; only leaks made by the run count. No scan of
# kmemleak's own every 10 minutes: under emulation one takes minutes of a
# vCPU in the middle of whatever test runs then. The scans are the tests'
# (lib.sh kmemleak_clean) and the one below, at known points.
if [ -w $kmemleak ]; then
	echo scan=off >$kmemleak
	echo clear >$kmemleak
fi

# New namespaces start with IPv6 off, inherited from this one: setup_ns
# (selftests/lib.sh) then needs no sysctl process per namespace (~1 s each
# under TCG). A test that wants IPv6 turns it on in its namespaces.
sysctl -qw net.core.devconf_inherit_init_net=1 net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1

cd "$NLBS_TOP" || poweroff
export NLBS_VM=1
"${NLBS_CMD[@]}" </dev/null >/dev/ttyS1 2>&1
rc=$?
status "exit $rc"

clean=1
if [ -w $kmemleak ]; then
	# Objects younger than 5 s are not reported: wait, then scan twice.
	sleep 6
	echo scan >$kmemleak
	echo scan >$kmemleak
	# (debugfs files have size 0: read it)
	leaks=$(cat $kmemleak)
	if [ -n "$leaks" ]; then
		echo "# kmemleak reports leaks:" >/dev/ttyS1
		head -n 60 <<<"$leaks" | sed 's/^/# /' >/dev/ttyS1
		clean=0
	fi
fi
splat=$(dmesg | grep -E -f "$NLBS_TOP/selftests/vm/splat.pat")
if [ -n "$splat" ]; then
	echo "# kernel log is not clean:" >/dev/ttyS1
	echo "$splat" | head -n 20 | sed 's/^/# /' >/dev/ttyS1
	clean=0
fi
[ "$rc" = 0 ] && [ "$clean" = 1 ] && status NLBS-VM-SUCCESS
poweroff
