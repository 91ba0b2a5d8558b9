#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench [BENCH=quick]: the benchmark of Documentation/bench.rst. Installs
# missing Debian packages (selftests/vm/deps.sh), builds the module and the
# tools (make all), boots ONE VM (selftests/vm/run.sh) that runs
# selftests/bench/guest.sh (parts rate, scale, ctl, failover, sync), and writes
#	build/bench/<timestamp>/records.jsonl   the raw records
#	build/bench/<timestamp>/results.json    records + summary
#	build/bench/<timestamp>/results.md      the tables (printed at the end)
#	build/bench/<timestamp>/chart.png       rate against services/servers
#	build/bench/<timestamp>/vm.log          the guest's output
#	build/bench/<timestamp>/marks.jsonl     the VM's CPU time at each run's marks
# Exit status non-zero only when the benchmark could not run (build, VM,
# no records); never because of a figure.
#
# Environment: BENCH_MODE=quick|full (make's BENCH), BENCH_PARTS="rate scale
# ctl failover sync" (a subset), BENCH_BUILD=0 (use NLBS_KO/NLBS_GENL/NLBSD as
# they are), NLBS_VM_TIMEOUT (seconds), NLBS_BENCH_* (see the parts).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

mode=${BENCH_MODE:-full}
case "$mode" in
""|full) mode=full ;;
quick) ;;
*) echo "bench: BENCH=$mode: use BENCH=quick or nothing (full)" >&2; exit 1 ;;
esac
start=$(date +%s)
stamp=$(date +%Y%m%d-%H%M%S)
out=$top/build/bench/$stamp
mkdir -p "$out" || exit 1

"$top/selftests/vm/deps.sh" || exit 1

if [ "${BENCH_BUILD:-1}" != 0 ]; then
	echo "# bench: building (make all)"
	if ! make -s all >"$out/build.log" 2>&1; then
		tail -n 30 "$out/build.log" | sed 's/^/# /'
		echo "# bench: the build failed: nothing measured"
		exit 1
	fi
fi

# What the guest cannot see: the host.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
commit=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)
printf '{"part":"host","kind":"host","date":"%s","cpu":"%s","cores":%d,"host_kernel":"%s","commit":"%s"}\n' \
	"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${cpu//\"/}" "$(nproc)" "$(uname -r)" "$commit" \
	>"$out/records.jsonl"

timeout=${NLBS_VM_TIMEOUT:-$([ "$mode" = quick ] && echo 1200 || echo 2700)}
echo "# bench: $mode run in one VM (at most ${timeout}s); output in $out"
# slab_nomerge: the module's slab caches stay apart (memory per flow).
# No SLUB debugging (run.sh's default for the tests): it would slow every
# allocation and add red zones and tracking to each object.
export NLBS_VM_SLUB_DEBUG=""
# two vCPUs, the one guest on the host (pktgen and the servers' sinks apart)
export NLBS_VM_SMP=${NLBS_VM_SMP:-2}
NLBS_BENCH=$mode NLBS_BENCH_PARTS=${BENCH_PARTS:-rate scale ctl failover sync} \
	"$top/selftests/vm/run.sh" --timeout "$timeout" --append slab_nomerge -- \
	selftests/bench/guest.sh >"$out/vm.log" 2>&1 &
vm_pid=$!
# the VM's CPU time at each measured run's marks (see cpuwatch.py)
/usr/bin/python3 "$top/selftests/bench/cpuwatch.py" "$top/build/vm/run.$vm_pid" \
	"$out/marks.jsonl" &
watch_pid=$!
tail -n +1 -F --pid=$vm_pid "$out/vm.log" 2>/dev/null | grep --line-buffered -v '^@'
wait $vm_pid
vm_rc=$?
wait $watch_pid 2>/dev/null
# (a line twice: a guard against a runner that prints its output again)
sed -n 's/^@bench //p' "$out/vm.log" | awk '!seen[$0]++' >>"$out/records.jsonl"

/usr/bin/python3 "$top/selftests/bench/report.py" "$out"
rep_rc=$?
echo
[ -r "$out/results.md" ] && cat "$out/results.md"
echo
echo "# bench: results in $out (results.md, results.json$([ -r "$out/chart.png" ] && echo ", chart.png"))"
echo "# bench: wall time $(($(date +%s) - start))s"
if [ "$vm_rc" != 0 ]; then
	echo "# bench: the VM run failed (exit $vm_rc): figures above are partial"
	exit 1
fi
[ "$rep_rc" = 0 ] || { echo "# bench: no records"; exit 1; }
exit 0
