#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# run.sh SECONDS TARGET... [-- LIBFUZZER-ARGS...]
#
# Run each libFuzzer target in turn for SECONDS (0: without limit, until it
# finds something or is interrupted) on its corpus: the tree's corpus/TARGET
# (read only) and out/TARGET, where the inputs it finds are kept from one run
# to the next. A crash, leak, UB report or timeout is saved as
# out/TARGET-crash-<sha1> (or -leak-, -timeout-, ...) and fails the run;
# reproduce it with ./TARGET out/TARGET-crash-<sha1>. TARGET.dict, when
# there is one, is the target's dictionary (the words of its grammar). KTAP on stdout, one
# line per target with its executions; the target's log is out/TARGET.log.
#
# FUZZ_FRESH=1 (make check): start from the tree's corpus alone, the
# inputs found going to out/check/TARGET, emptied first: the same run
# whatever earlier runs found.
cd "$(dirname "$0")" || exit 1
secs=$1
shift
targets=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	targets="$targets $1"
	shift
done
[ "$1" = "--" ] && shift

n=0
for t in $targets; do n=$((n + 1)); done
echo "TAP version 13"
echo "1..$n"
i=0
rc=0
for t in $targets; do
	i=$((i + 1))
	work="out/$t"
	if [ "$FUZZ_FRESH" = 1 ]; then
		work="out/check/$t"
		rm -rf "$work"
	fi
	mkdir -p "$work"
	log="out/$t.log"
	dict=
	[ -f "$t.dict" ] && dict="-dict=$t.dict"
	start=$(date +%s)
	# stdin from /dev/null: a key-file = /dev/stdin must not wait on a tty.
	# A small quarantine: with ASan's 256 MB every execution's large blocks
	# (nlbsd's config, libnlbs's handle) are fresh pages, 3 to 8 times slower;
	# a use after free within one execution is still caught. ASAN_OPTIONS
	# of the environment come after, and win.
	ASAN_OPTIONS="detect_leaks=1:quarantine_size_mb=4${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
	UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}" \
		"./$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="out/$t-" $dict "$@" \
		"$work" "corpus/$t" </dev/null >"$log" 2>&1
	r=$?
	end=$(date +%s)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	seeds=$(find "corpus/$t" -type f | wc -l)
	found=$(find "$work" -type f | wc -l)
	if [ $r = 0 ]; then
		echo "ok $i $t: ${runs:-?} runs in $((end - start)) s," \
			"$seeds seeds, $found inputs in $work"
	else
		rc=1
		echo "not ok $i $t: exit $r after ${runs:-?} runs, log $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz_[a-z]+: .*:[0-9]+:|artifact_prefix)' \
			"$log" | head -n 8 | sed 's/^/# /'
	fi
done
exit $rc
