#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark inside the VM (selftests/bench/bench.sh boots it with
# selftests/vm/run.sh). Runs each part (selftests/bench/<part>.sh) in turn,
# each under a timeout, each its own process (its own cleanup, as lib.sh
# does for tests). Parts print "@bench {json}" records; the host collects
# them. Exit 0 unless the benchmark could not run at all.
#
#   NLBS_BENCH=quick|full     NLBS_BENCH_PARTS="rate scale ctl failover sync"
set -u
cd "$(dirname "$0")" || exit 1
parts=${NLBS_BENCH_PARTS:-rate scale ctl failover sync}
mode=${NLBS_BENCH:-full}

# Seconds each part may take (full run, then quick). A part plans
# its steps to end by NLBS_BENCH_DEADLINE (it skips what no longer fits and
# records so); the timeout, a minute later, only catches a part stuck.
declare -A limit=([rate]=450 [scale]=690 [ctl]=330 [failover]=360 [sync]=360)
[ "$mode" = quick ] && limit=([rate]=200 [scale]=240 [ctl]=150 [failover]=180 [sync]=240)

echo "@bench {\"part\":\"env\",\"kind\":\"env\",\"kernel\":\"$(uname -r)\",\"cpus\":$(nproc),\"mem_kb\":$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo),\"cpu\":\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1 | tr -d '"\\')\",\"mode\":\"$mode\",\"cmdline\":\"$(tr -d '"\\' </proc/cmdline | sed 's/ nlbsvm\..*//')\"}"
ran=0
for p in $parts; do
	[ -x "./$p.sh" ] || { echo "# bench: no part $p"; continue; }
	t=${limit[$p]:-300}
	echo "# bench: part $p (planned for at most ${t}s)"
	start=$(date +%s)
	[ -d /sys/module/nlbs ] && rmmod nlbs 2>/dev/null
	NLBS_BENCH_DEADLINE=$((start + t)) BENCH_PART=$p \
		timeout -k 10 $((t + 60)) "./$p.sh" </dev/null
	rc=$?
	secs=$(($(date +%s) - start))
	echo "@bench {\"part\":\"$p\",\"kind\":\"part\",\"rc\":$rc,\"secs\":$secs}"
	echo "# bench: part $p: exit $rc, ${secs}s"
	[ -d /sys/module/nlbs ] && rmmod nlbs 2>/dev/null
	left=$(ip netns list 2>/dev/null | cut -d' ' -f1)
	[ -n "$left" ] && xargs -r -n1 ip netns del <<<"$left" 2>/dev/null
	[ "$rc" = 0 ] && ran=$((ran + 1))
done
[ "$ran" -gt 0 ]
