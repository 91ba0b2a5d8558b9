#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check / make demo. Installs missing Debian packages (as root), builds,
# runs the host-side unit tests (make -C tools check), dkms add/build/install
# into a private tree, then the selftests in two VMs at once (NLBS_VM_SHARDS), then dkms remove.
# Prints KTAP: each step is a test, the steps that run tests show them as
# indented subtests. The last line sums the tests over host and VM:
#	N passed, N failed, N skipped
# (a step that failed without a failing test of its own counts as one).
#
# Environment (set by the Makefile from make variables):
#   CHECK_T=pat       only selftests whose name contains pat (no host tests)
#   CHECK_KERNEL=debug  the debug kernel: build/debug-kernel (make debug-kernel),
#                     else ../shared/kernel/debug-6.1 (a cache), else built now
#   CHECK_HOST=1      run the selftests on this host instead of in a VM
#   NLBS_VM_TIMEOUT   per-boot timeout in seconds
#   NLBS_VM_SHARDS    VMs run at once, the tests spread over them (default
#                     2: one per core of a 2-core host; 1: one VM)
# Option --demo: run selftests/demo.sh instead of the tests.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

T=${CHECK_T:-}
KERNEL=${CHECK_KERNEL:-}
HOST=${CHECK_HOST:-}
demo=0
[ "${1:-}" = --demo ] && demo=1
start=$(date +%s)
# Per run: several checks may share a work tree.
logs=$top/build/check/run.$$
dbg=$top/build/debug
dkms_dir=$top/build/dkms.$$
mkdir -p "$logs"

# KERNEL=debug: the kernel make debug-kernel built into build/debug-kernel;
# else the prebuilt copy in ../shared/kernel/debug-6.1, a cache of the same
# build; else build it now (selftests/vm/debug-kernel.sh: long).
# NLBS_DEBUG_KERNEL_DIR names another directory of that layout.
debug_built=$top/build/debug-kernel
if [ -n "${NLBS_DEBUG_KERNEL_DIR:-}" ]; then
	debug_dir=$NLBS_DEBUG_KERNEL_DIR
elif [ -r "$debug_built/bzImage" ] && [ -r "$debug_built/headers.tar.xz" ]; then
	debug_dir=$debug_built
else
	debug_dir=$top/../shared/kernel/debug-6.1
fi
case "$KERNEL" in
""|debian) KERNEL="" ;;
debug)
	if [ ! -r "$debug_dir/bzImage" ]; then
		echo "# check: no debug kernel built nor cached: make debug-kernel (see selftests/README)"
		"$top/selftests/vm/debug-kernel.sh" || exit 1
		debug_dir=$debug_built
	fi
	echo "# check: debug kernel from $debug_dir"
	;;
*) echo "check: KERNEL=$KERNEL: use KERNEL=debug (or nothing for Debian's kernel)" >&2; exit 1 ;;
esac

"$top/selftests/vm/deps.sh" || exit 1
echo "# deps: $(($(date +%s) - start)) s"

# ---- KTAP bookkeeping --------------------------------------------------
n=0 passed=0 failed=0 skipped=0
step_ok() { n=$((n + 1)); echo "ok $n $1"; }
step_not_ok() { n=$((n + 1)); echo "not ok $n $1${2:+ # $2}"; }
# count FILE RC: add FILE's top-level KTAP results to the totals; a failed
# run (RC != 0) with no failing test of its own counts as one failure.
count() {
	local p f s planned
	p=$(grep -cE '^ok [0-9]+ ' "$1")
	s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$1")
	f=$(grep -cE '^not ok [0-9]+ ' "$1")
	# Tests the plan announced but that never reported (the VM died or
	# timed out) are failures too.
	planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$1" | head -n 1)
	[ -n "$planned" ] && [ "$planned" -gt $((p + f)) ] && f=$((planned - p))
	[ "$2" != 0 ] && [ "$f" = 0 ] && f=1
	passed=$((passed + p - s)) skipped=$((skipped + s)) failed=$((failed + f))
}
finish() {
	echo "# wall time: $(($(date +%s) - start))s"
	echo "$passed passed, $failed failed, $skipped skipped"
	rm -rf "$dbg/src.$$" "$dkms_dir"
	[ "$failed" = 0 ] && rm -rf "$logs"
	[ "$failed" = 0 ]
	exit
}
# step NAME CMD...: run CMD, output indented, counted as one test
step() {
	local name=$1 rc t0=$SECONDS
	shift
	"$@" >"$logs/$name.log" 2>&1
	rc=$?
	echo "# $name: $((SECONDS - t0)) s"
	if [ $rc = 0 ]; then
		step_ok "$name"
		passed=$((passed + 1))
	else
		tail -n 30 "$logs/$name.log" | sed 's/^/# /'
		step_not_ok "$name"
		failed=$((failed + 1))
	fi
	return $rc
}
# group NAME CMD...: run CMD printing KTAP, indent it, count its tests
group() {
	local name=$1 rc t0=$SECONDS
	shift
	"$@" 2>&1 | tee "$logs/$name.log" | sed -u 's/^/    /'
	rc=${PIPESTATUS[0]}
	echo "# $name: $((SECONDS - t0)) s"
	count "$logs/$name.log" "$rc"
	if [ "$rc" = 0 ]; then step_ok "$name"; else step_not_ok "$name"; fi
	return "$rc"
}

# ---- what runs ---------------------------------------------------------
# The module for the debug kernel is built from a copy of the sources
# against its own kbuild tree, so kmod/ keeps the Debian build.
dbg_prepare() {
	local stamp=$dbg/.unpacked
	# unpacked again when the kernel is newer or comes from elsewhere
	if [ ! -e "$stamp" ] || [ "$debug_dir/headers.tar.xz" -nt "$stamp" ] ||
		[ "$(cat "$stamp")" != "$debug_dir" ]; then
		rm -rf "$dbg" && mkdir -p "$dbg" &&
			tar -xJf "$debug_dir/modules.tar.xz" -C "$dbg" &&
			tar -xJf "$debug_dir/headers.tar.xz" -C "$dbg" &&
			echo "$debug_dir" >"$stamp" || return 1
	fi
	dbg_kdir=$(ls -d "$dbg"/linux-headers-* | head -n 1)
	dbg_kver=$(ls "$dbg/lib/modules" | head -n 1)
	rm -rf "$dbg/src.$$" && mkdir -p "$dbg/src.$$" &&
		cp -r Kbuild kmod uapi "$dbg/src.$$/" &&
		make -C "$dbg_kdir" M="$dbg/src.$$" clean >/dev/null &&
		make -C "$dbg_kdir" M="$dbg/src.$$" modules
}

if [ -z "$KERNEL" ]; then
	kdir=$(make -s --no-print-directory print-kdir)
	case "$kdir" in
	/lib/modules/*/build) kver=${kdir%/build} kver=${kver##*/} ;;
	*) kver=${kdir##*/linux-headers-} ;;
	esac
fi

# dkms on the host, into build/dkms only (never the system's trees).
dkms_version=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' dkms.conf)
dkms_args() {
	echo --dkmstree "$dkms_dir/var" --sourcetree "$dkms_dir/src" --installtree "$dkms_dir/lib/modules"
}
dkms_install() {
	local k=${dbg_kver:-$kver} src=$dkms_dir/src/nlbs-$dkms_version ksrc=()
	[ -n "$KERNEL" ] && ksrc=(--kernelsourcedir "$dbg_kdir")
	rm -rf "$dkms_dir" &&
		mkdir -p "$src" "$dkms_dir/var" "$dkms_dir/lib/modules/$k" &&
		cp -r Makefile Kbuild dkms.conf COPYING kmod uapi "$src/" &&
		make -s -C "$src" KDIR="${dbg_kdir:-$kdir}" clean >/dev/null &&
		rm -rf "$src/build" &&
		# shellcheck disable=SC2046
		dkms add -m nlbs -v "$dkms_version" $(dkms_args) &&
		dkms build -m nlbs -v "$dkms_version" -k "$k" "${ksrc[@]}" $(dkms_args) &&
		dkms install -m nlbs -v "$dkms_version" -k "$k" "${ksrc[@]}" --no-depmod $(dkms_args) &&
		test -r "$dkms_dir/lib/modules/$k/updates/dkms/nlbs.ko"
}
dkms_remove() {
	local k=${dbg_kver:-$kver}
	# shellcheck disable=SC2046
	dkms remove -m nlbs -v "$dkms_version" --all --no-depmod $(dkms_args) &&
		! test -e "$dkms_dir/lib/modules/$k/updates/dkms/nlbs.ko" &&
		! test -e "$dkms_dir/var/nlbs" &&
		rm -rf "$dkms_dir"
}

vm() {
	local args=()
	if [ -n "$KERNEL" ]; then
		args=(--kernel "$debug_dir/bzImage" --modules "$dbg/lib/modules/$dbg_kver"
		      --timeout "${NLBS_VM_TIMEOUT:-3600}")
		export NLBS_KO=$dbg/src.$$/kmod/nlbs.ko NLBS_TIMEOUT_SCALE=4
	else
		args=(--timeout "${NLBS_VM_TIMEOUT:-2700}")
	fi
	"$top/selftests/vm/run.sh" "${args[@]}" -- "$@"
}

# HOST=1: only where the running kernel can load modules and has headers.
host_ok() {
	[ "$(id -u)" = 0 ] && [ -e /proc/modules ] && [ -d "/lib/modules/$(uname -r)/build" ] && return 0
	echo "# HOST=1 needs root, a kernel with module support and its build tree"
	return 1
}

# ---- demo ----------------------------------------------------------------
if [ "$demo" = 1 ]; then
	make -s all >"$logs/build.log" 2>&1 || { cat "$logs/build.log"; exit 1; }
	[ -z "$KERNEL" ] || dbg_prepare >>"$logs/build.log" 2>&1 || { cat "$logs/build.log"; exit 1; }
	if [ -n "$HOST" ]; then
		host_ok || exit 1
		selftests/demo.sh
	else
		vm selftests/demo.sh
	fi
	rc=$?
	echo "# demo: $([ $rc = 0 ] && echo ok || echo "FAILED ($rc)"), $(($(date +%s) - start))s"
	exit $rc
fi

# ---- check ---------------------------------------------------------------
host_tests=0
[ -z "$T" ] && [ -f tools/Makefile ] && host_tests=1
dkms_test=0
if [ -z "$HOST" ]; then
	dkms_test=1
	[ -n "$T" ] && { T="$T" selftests/run.sh --list 2>/dev/null | grep -qx dkms || dkms_test=0; }
fi
echo "TAP version 13"
shards=${NLBS_VM_SHARDS:-2}
nvm=$(selftests/run.sh --list 2>/dev/null | wc -l)
[ "$nvm" -lt "$shards" ] && shards=$nvm
[ "$shards" -lt 1 ] || [ -n "$HOST" ] && shards=1
echo "1..$((1 + shards + ${KERNEL:+1} + host_tests + 2 * dkms_test))"

step build make all || finish
if [ -n "$KERNEL" ]; then
	step build-debug dbg_prepare || finish
fi
[ "$host_tests" = 1 ] && group host-unit make -s -C tools check
[ "$host_tests" = 1 ] && group uapi-spec /usr/bin/python3 selftests/host/spec_check.py

export T
if [ -n "$HOST" ]; then
	if ! host_ok; then
		step_not_ok selftests "cannot run on this host"
		failed=$((failed + 1))
		finish
	fi
	group selftests selftests/run.sh
	finish
fi

if [ "$dkms_test" = 1 ] && step dkms-install dkms_install; then
	export NLBS_DKMS_TREE=$dkms_dir/lib/modules
fi
# The tests in NLBS_VM_SHARDS VMs at once (default 2): a test keeps about
# one vCPU busy, so two guests use both cores of a 2-core host. Tests go
# longest first to the shard with the least work, by the durations of
# selftests/vm/durations (seconds in one Debian VM; 60 for a test not
# listed). Each shard is one VM boot and one KTAP group.
shards=${NLBS_VM_SHARDS:-2}
mapfile -t names < <(selftests/run.sh --list 2>/dev/null)
[ "${#names[@]}" -lt "$shards" ] && shards=${#names[@]}
if [ "$shards" -le 1 ]; then
	group vm vm selftests/run.sh
else
	declare -A load=() dur=()
	while read -r nm secs; do
		[ -n "$nm" ] && [ "${nm#\#}" = "$nm" ] && dur[$nm]=$secs
	done <selftests/vm/durations
	for ((i = 1; i <= shards; i++)); do load[$i]=0; members[i]=""; done
	while read -r secs nm; do
		best=1
		for ((i = 2; i <= shards; i++)); do
			[ "${load[$i]}" -lt "${load[$best]}" ] && best=$i
		done
		load[$best]=$((load[$best] + secs))
		members[best]="${members[best]} $nm"
	done < <(for nm in "${names[@]}"; do echo "${dur[$nm]:-60} $nm"; done | sort -rn)
	for ((i = 1; i <= shards; i++)); do
		echo "# vm$i: ~${load[$i]}s:${members[i]}"
		# shellcheck disable=SC2086
		(vm selftests/run.sh ${members[i]} >"$logs/vm$i.out" 2>&1
		 echo $? >"$logs/vm$i.rc") &
	done
	t0=$SECONDS
	wait
	echo "# the $shards VMs: $((SECONDS - t0)) s"
	for ((i = 1; i <= shards; i++)); do
		group "vm$i" sh -c 'cat "$1"; exit "$(cat "$2" 2>/dev/null || echo 1)"' - \
			"$logs/vm$i.out" "$logs/vm$i.rc"
	done
fi
[ "$dkms_test" = 1 ] && step dkms-remove dkms_remove
finish
