#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel under QEMU (TCG, no network device) with the host's root
# filesystem shared read-only over 9p as the lower layer of an overlay, run one
# command in the guest as root, and turn what happened into an exit status.
#
#   selftests/vm/run.sh [options] [--] [command [args...]]
#
# The command runs in the tree's top directory (the tree is at the same path in
# the guest); default: selftests/run.sh (the whole suite). Its stdout/stderr are
# streamed to our stdout. Options:
#   --kernel IMG     kernel image (default /boot/vmlinuz-$KVER, $KVER from the
#                    module build tree, see kver below)
#   --modules DIR    lib/modules/<version> tree to copy into the guest and
#                    depmod (for a kernel whose modules are not installed on the
#                    host, e.g. the debug kernel); the kernel is assumed to have
#                    virtio-pci, 9p and overlayfs built in
#   --timeout S      per-boot timeout in seconds (default 900)
#   --keep-log       keep the run directory (console log) even on success
#   --append ARGS    extra kernel command line
# The kernel command line always has panic_on_warn=1 oops=panic and, unless
# NLBS_VM_SLUB_DEBUG says otherwise, slub_debug=FZPU.
# One vCPU unless NLBS_VM_SMP says otherwise: two guests of two vCPUs each on
# a 2-core host took twice as long as two of one (arp.sh 165 s against 70 s,
# e2e6.sh 163 s against 75 s, side by side): multi-threaded TCG's vCPUs wait
# on each other when the host deschedules one.
#
# Trust model (as in WireGuard's harness): the guest writes "exit N" and then,
# only when N is 0 and its kernel log holds no splat (selftests/vm/splat.pat)
# and no kmemleak report, the marker NLBS-VM-SUCCESS to a serial port of its
# own. A panic, hang, splat or anything that keeps the guest from writing the
# marker is a failure. Exit status: the command's own when it failed, 124 on
# timeout, 1 on any other failure, 0 only with the marker.
#
# Environment variables named NLBS_* and T are passed into the guest.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
vmdir=$top/build/vm
kernel=""
modules=""
timeout=900
keep=0
append=""

die() { echo "vm: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--modules) modules=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--keep-log) keep=1; shift ;;
	--append) append=$2; shift 2 ;;
	--) shift; break ;;
	-h|--help) sed -n '3,30p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 1 ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || set -- selftests/run.sh

command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 missing: run selftests/vm/deps.sh as root"

# The Debian kernel whose build tree the module is compiled against.
kver() {
	local kdir
	kdir=$(make -s -C "$top" --no-print-directory print-kdir 2>/dev/null)
	case "$kdir" in
	/lib/modules/*/build) kdir=${kdir%/build}; echo "${kdir##*/}" ;;
	*/linux-headers-*) echo "${kdir##*/linux-headers-}" ;;
	esac
}

mods=()
if [ -z "$kernel" ]; then
	ver=$(kver)
	[ -n "$ver" ] || die "no kernel build tree found: run selftests/vm/deps.sh as root"
	kernel=/boot/vmlinuz-$ver
	[ -r "$kernel" ] || die "$kernel missing: install linux-image-$ver (selftests/vm/deps.sh)"
	# Debian has virtio-pci, 9p and overlayfs as modules: put them in the
	# initramfs, in dependency order.
	mods=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev
	      virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay)
	initrd=$vmdir/initramfs-$ver.cpio.gz
else
	[ -r "$kernel" ] || die "kernel image $kernel not readable"
	initrd=$vmdir/initramfs-builtin.cpio.gz
fi
if [ -n "$modules" ]; then
	modules=$(cd "$modules" && pwd) || die "--modules $modules: no such directory"
fi

# The initramfs: busybox, the modules above and an /init that mounts the
# overlay and hands over to selftests/vm/guest.sh. Rebuilt when this script
# is newer than it.
build_initrd() {
	local d=$vmdir/initramfs.$$ m f busybox
	busybox=$(command -v busybox) || die "busybox missing (busybox-static)"
	file -L "$busybox" 2>/dev/null | grep -q 'dynamically linked' &&
		die "$busybox is dynamically linked: install busybox-static"
	rm -rf "$d"
	mkdir -p "$d/bin" "$d/mods" "$d/proc" "$d/sys" "$d/dev" "$d/lower" "$d/upper" "$d/newroot"
	cp "$busybox" "$d/bin/busybox"
	: >"$d/mods/order"
	for m in "${mods[@]}"; do
		f=$(modinfo -k "$ver" -n "$m" 2>/dev/null) || die "module $m not found for $ver"
		case "$f" in
		("(builtin)") continue ;;
		(*.ko.xz) xz -dc "$f" >"$d/mods/$m.ko" ;;
		(*.ko.zst) zstd -qdc "$f" >"$d/mods/$m.ko" ;;
		(*) cp "$f" "$d/mods/$m.ko" ;;
		esac
		echo "$m.ko" >>"$d/mods/order"
	done
	cat >"$d/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
fail() { echo "nlbs-vm init: $*"; echo o >/proc/sysrq-trigger; sleep 30; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /mods/order); do insmod "/mods/$m" || fail "insmod $m"; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /lower ||
	fail "cannot mount the host root over 9p"
mount -t tmpfs -o mode=0755 tmpfs /upper
mkdir /upper/data /upper/work
mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work overlay /newroot ||
	fail "cannot mount the overlay"
for m in proc sys dev; do mount --move "/$m" "/newroot/$m"; done
for a in $(cat /newroot/proc/cmdline); do
	case "$a" in nlbsvm.guest=*) guest=${a#nlbsvm.guest=} ;; nlbsvm.env=*) env=${a#nlbsvm.env=} ;; esac
done
exec chroot /newroot /bin/bash "$guest" "$env"
fail "cannot run $guest"
EOF
	chmod +x "$d/init"
	(cd "$d" && find . | LC_ALL=C sort | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$initrd.$$" ||
		die "cannot build the initramfs"
	mv "$initrd.$$" "$initrd"
	rm -rf "$d"
}

mkdir -p "$vmdir"
if [ ! -s "$initrd" ] || [ "$0" -nt "$initrd" ]; then
	build_initrd
fi

run=$vmdir/run.$$
rm -rf "$run"
mkdir -p "$run"
: >"$run/console.log"
: >"$run/out"
: >"$run/status"

# What the guest runs: written here, read by guest.sh over 9p.
{
	printf 'NLBS_TOP=%q\n' "$top"
	printf 'NLBS_VM_MODULES=%q\n' "$modules"
	while IFS='=' read -r name _; do
		case "$name" in NLBS_TOP|NLBS_VM_MODULES) continue ;; esac
		printf 'export %s=%q\n' "$name" "${!name}"
	done < <(env | grep -E '^(NLBS_[A-Za-z0-9_]*|T)=' | sort)
	printf 'NLBS_CMD=('
	printf '%q ' "$@"
	printf ')\n'
} >"$run/env"

# watchdog_thresh=60: a soft lockup is reported after 120 s, not 20: under
# TCG on a loaded host a busy boot step (the debug kernel's tracefs) can
# hold a vCPU for 20 s without anything being wrong.
cmdline="console=ttyS0 no_timer_check panic=-1 panic_on_warn=1 oops=panic softlockup_panic=1"
cmdline+=" watchdog_thresh=60"
# SLUB debugging (sanity checks, red zones, poisoning, owner tracking) on
# every cache: corruption is reported, and a cache destroyed with objects
# still allocated lists them ("Objects remaining", then a WARN that panics).
# NLBS_VM_SLUB_DEBUG= (empty) turns it off, or sets other flags.
cmdline+=" ${NLBS_VM_SLUB_DEBUG-slub_debug=FZPU}"
cmdline+=" loglevel=6 printk.devkmsg=on mitigations=off rdinit=/init"
cmdline+=" nlbsvm.guest=$top/selftests/vm/guest.sh nlbsvm.env=$run/env $append"

start=$(date +%s)
timeout -k 10 "$timeout" qemu-system-x86_64 \
	-accel tcg -cpu max -m 2048 -smp "${NLBS_VM_SMP:-1}" -nographic -no-reboot -nic none \
	-monitor none \
	-serial "file:$run/console.log" \
	-serial "file:$run/out" \
	-serial "file:$run/status" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	</dev/null >"$run/qemu.log" 2>&1 &
qpid=$!
# Should the VM not go away once the guest said "end", end it.
(
	while kill -0 $qpid 2>/dev/null; do
		if grep -q '^end' "$run/status"; then
			sleep 15
			kill $qpid 2>/dev/null
			break
		fi
		sleep 1
	done
) &
watcher=$!
tail -n +1 -s 0.2 -F --pid=$qpid "$run/out" 2>/dev/null | tr -d '\r'
wait $qpid
qrc=$?
kill $watcher 2>/dev/null
wait $watcher 2>/dev/null
secs=$(($(date +%s) - start))

rc=0
why=""
status=$(tr -d '\r' <"$run/status")
guest_rc=$(sed -n 's/^exit \([0-9]*\)$/\1/p' <<<"$status")
splat=$(tr -d '\r' <"$run/console.log" | grep -E -f "$top/selftests/vm/splat.pat" | head -5)
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	rc=124 why="guest timed out after ${timeout}s"
elif [ -n "$splat" ]; then
	rc=1 why="kernel log reports: $(head -1 <<<"$splat")"
elif [ -z "$guest_rc" ]; then
	rc=1 why="guest died before the command finished (panic? see console)"
elif [ "$guest_rc" != 0 ]; then
	rc=$guest_rc why="command exited $guest_rc"
elif ! grep -qx 'NLBS-VM-SUCCESS' <<<"$status"; then
	rc=1 why="no success marker (kernel log not clean or kmemleak report)"
fi

if [ "$rc" = 0 ]; then
	echo "# vm: ok (${secs}s, $(basename "$kernel"))"
	[ "$keep" = 1 ] && echo "# vm: log kept in $run" || rm -rf "$run"
else
	echo "# vm: FAILED: $why (${secs}s, $(basename "$kernel"))"
	echo "# vm: last console lines ($run/console.log):"
	tr -d '\r' <"$run/console.log" | tail -n 40 | sed 's/^/# | /'
	[ -s "$run/qemu.log" ] && sed 's/^/# qemu: /' "$run/qemu.log"
fi
exit "$rc"
