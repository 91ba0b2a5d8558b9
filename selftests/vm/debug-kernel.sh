#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make debug-kernel: build the debug kernel of make check KERNEL=debug from
# Debian's linux-source-6.1 and the config fragment selftests/vm/debug.config
# (merged onto allnoconfig, then olddefconfig), into build/debug-kernel/:
#
#   bzImage  modules.tar.xz  headers.tar.xz  config  config-fragment  build.log
#
# the same layout as the prebuilt copy in ../shared/kernel/debug-6.1, which
# make check KERNEL=debug takes only when this one was not built. Nothing is
# rebuilt when bzImage is newer than the fragment, this script and the
# source tarball; an interrupted build goes on where it stopped (the source
# tree stays in build/debug-kernel/src until a build completes). The build
# runs at nice 10 with -j$(nproc) (NLBS_KJOBS): about 2500 compilations,
# over an hour on 2 idle cores (see selftests/README).
#
#   selftests/vm/debug-kernel.sh [--force] [--keep-src]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${NLBS_DEBUG_KERNEL_OUT:-$top/build/debug-kernel}
frag=$top/selftests/vm/debug.config
force=0 keep=0
for a in "$@"; do
	case "$a" in
	--force) force=1 ;;
	--keep-src) keep=1 ;;
	*) echo "usage: $0 [--force] [--keep-src]" >&2; exit 2 ;;
	esac
done
die() { echo "debug-kernel: $*" >&2; exit 1; }

# What the build needs, as Debian packages (root installs them).
pkgs=(linux-source-6.1 bc flex bison libelf-dev libssl-dev gcc make xz-utils)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]} (run as root)"
	echo "debug-kernel: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null &&
		apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get failed"
fi
tarball=$(ls /usr/src/linux-source-6.1*.tar.xz 2>/dev/null | sort -V | tail -n 1)
[ -n "$tarball" ] || die "no /usr/src/linux-source-6.1*.tar.xz"

if [ "$force" = 0 ] && [ -s "$out/bzImage" ] && [ -s "$out/headers.tar.xz" ] &&
	[ "$out/bzImage" -nt "$frag" ] && [ "$out/bzImage" -nt "$0" ] && [ "$out/bzImage" -nt "$tarball" ]; then
	echo "debug-kernel: $out/bzImage is up to date ($(cat "$out/release" 2>/dev/null))"
	exit 0
fi

mkdir -p "$out"
src=$out/src
log=$out/build.log
start=$(date +%s)
: >>"$log"
step() { echo "debug-kernel: $* ($(($(date +%s) - start))s)"; }

# An interrupted build (the session ended, ^C) goes on where it stopped.
stamp="$tarball $(stat -c %Y "$tarball")"
if [ -f "$src/.nlbs-tarball" ] && [ "$(cat "$src/.nlbs-tarball")" = "$stamp" ]; then
	step "going on with the build in $src"
else
	step "unpacking $(basename "$tarball")"
	rm -rf "$src" && mkdir -p "$src" &&
		tar -xJf "$tarball" -C "$src" --strip-components=1 &&
		echo "$stamp" >"$src/.nlbs-tarball" || die "cannot unpack $tarball"
fi
cd "$src" || exit 1

step "configuring: allnoconfig + $(basename "$frag")"
{
	make allnoconfig &&
		KCONFIG_CONFIG=.config scripts/kconfig/merge_config.sh -m .config "$frag" &&
		make olddefconfig
} >>"$log" 2>&1 || die "configuration failed (see $log)"

# Every symbol the fragment turns on must have stuck.
bad=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=y|CONFIG_*=m) ;; *) continue ;; esac
	grep -qx "$line" .config || { echo "debug-kernel: $line did not stick" >&2; bad=1; }
done <"$frag"
[ "$bad" = 0 ] || die "the fragment does not apply to $(basename "$tarball")"

jobs=${NLBS_KJOBS:-$(nproc)}
step "building bzImage and modules with -j$jobs (log: $log)"
nice -n 10 make -j"$jobs" bzImage modules >>"$log" 2>&1 || {
	tail -n 30 "$log" >&2
	die "build failed (see $log)"
}
rel=$(make -s kernelrelease)

step "packing $rel"
stage=$out/stage
rm -rf "$stage" && mkdir -p "$stage"
make INSTALL_MOD_PATH="$stage" INSTALL_MOD_STRIP=1 DEPMOD=true modules_install >>"$log" 2>&1 ||
	die "modules_install failed"
rm -f "$stage/lib/modules/$rel/build" "$stage/lib/modules/$rel/source"
# A kbuild tree for out-of-tree modules, as Debian's builddeb makes one.
hdr=$stage/linux-headers-$rel-nlbs-debug
mkdir -p "$hdr"
{
	find . arch/x86 -maxdepth 1 -name 'Makefile*'
	find include scripts -type f -o -type l
	find arch/x86 -name Kbuild.platforms -o -name Platform
	find $(find arch/x86 -name include -o -name scripts -type d) -type f
	find arch/x86/include Module.symvers include scripts -type f
	[ -x tools/objtool/objtool ] && echo tools/objtool/objtool
} | sort -u | tar -c -f - -T - | tar -xf - -C "$hdr" || die "cannot copy the kbuild tree"
cp .config "$hdr/.config"
tar -cJf "$out/modules.tar.xz.tmp" -C "$stage" lib/modules &&
	tar -cJf "$out/headers.tar.xz.tmp" -C "$stage" "$(basename "$hdr")" &&
	cp .config "$out/config" && cp "$frag" "$out/config-fragment" &&
	echo "$rel" >"$out/release" &&
	mv "$out/modules.tar.xz.tmp" "$out/modules.tar.xz" &&
	mv "$out/headers.tar.xz.tmp" "$out/headers.tar.xz" &&
	cp arch/x86/boot/bzImage "$out/bzImage" || die "cannot write $out"
rm -rf "$stage"
cd "$out" || exit 1
[ "$keep" = 1 ] || rm -rf "$src"
secs=$(($(date +%s) - start))
echo "$secs" >"$out/build-seconds"
step "done: $out/bzImage ($rel), $((secs / 60)) min $((secs % 60)) s"
