#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The suite runner: runs every test selftests/<name>.sh (all *.sh here except
# lib*.sh, run.sh and demo.sh; the optional ones of settings only when
# asked for) one after the other, as root, each with the
# module not loaded and a per-test timeout (settings), and prints KTAP: each
# test's own output indented as a subtest, then "ok N name". Exit 1 if any
# test failed.
#
#   selftests/run.sh [--list] [NAME...]      T="pat..." selftests/run.sh
# (NAME: a test's exact name, as make check's VMs get theirs)
#
# A test passes with exit 0, is skipped with exit 4 (kselftest codes) and fails
# otherwise, and also when it leaves the module loaded or a namespace behind.
# T (space- or comma-separated) selects tests whose name contains a pattern.
set -u
cd "$(dirname "$0")" || exit 1

timeout=300
# shellcheck disable=SC1091
[ -r settings ] && . ./settings
scale=${NLBS_TIMEOUT_SCALE:-1}

list=0
[ "${1:-}" = --list ] && { list=1; shift; }
tests=()
# NAMEs are exact test names; T's words are patterns (contained in a name)
want=("$@") exact=1
[ ${#want[@]} = 0 ] && [ -n "${T:-}" ] && read -r -a want <<<"${T//,/ }" && exact=0
for f in *.sh; do
	case "$f" in lib*.sh|run.sh|demo.sh) continue ;; esac
	name=${f%.sh}
	# settings' optional tests run only when asked for by name or pattern
	case " ${optional:-} " in *" $name "*) [ ${#want[@]} -gt 0 ] || continue ;; esac
	if [ ${#want[@]} -gt 0 ]; then
		hit=0
		for p in "${want[@]}"; do
			if [ $exact = 1 ]; then
				[ "$name" = "$p" ] && hit=1
			else
				case "$name" in *"$p"*) hit=1 ;; esac
			fi
		done
		[ $hit = 1 ] || continue
	fi
	tests+=("$name")
done

if [ $list = 1 ]; then
	printf '%s\n' "${tests[@]}"
	exit 0
fi
echo "TAP version 13"
if [ ${#tests[@]} = 0 ]; then
	echo "1..0"
	echo "# no test matches: ${want[*]}"
	exit 1
fi
echo "1..${#tests[@]}"

pass=0 fail=0 skip=0 i=0
for name in "${tests[@]}"; do
	i=$((i + 1))
	echo "# selftests: $name"
	[ -d /sys/module/nlbs ] && rmmod nlbs 2>/dev/null
	start=$(date +%s)
	out=$(mktemp)
	# settings may give a test its own: timeout_NAME=SECONDS
	tvar=timeout_$name
	t=$(( ${!tvar:-$timeout} * scale ))
	timeout -k 10 "$t" "./$name.sh" </dev/null 2>&1 | tee "$out" | sed 's/^/    /'
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - start))
	extra=""
	if [ -d /sys/module/nlbs ]; then
		extra="left the module loaded"
		rmmod nlbs 2>/dev/null
	fi
	left=$(ip netns list 2>/dev/null)
	if [ -n "$left" ]; then
		extra="${extra:+$extra, }left namespaces: $(echo "$left" | cut -d' ' -f1 | xargs)"
		echo "$left" | cut -d' ' -f1 | xargs -r -n1 ip netns del 2>/dev/null
	fi
	echo "# $name: ${secs}s"
	if [ "$rc" = 0 ] && [ -z "$extra" ]; then
		echo "ok $i $name"
		pass=$((pass + 1))
	elif [ "$rc" = 4 ] && [ -z "$extra" ]; then
		why=$(sed -n 's/^1\.\.0 # SKIP //p; s/^# SKIP //p' "$out" | tail -n 1)
		echo "ok $i $name # SKIP ${why:-no reason given}"
		skip=$((skip + 1))
	else
		case "$rc" in
		0|4) ;;
		124|137) extra="timed out after ${t}s${extra:+, $extra}" ;;
		*) extra="exit $rc${extra:+, $extra}" ;;
		esac
		echo "# $name: $extra"
		echo "not ok $i $name"
		fail=$((fail + 1))
	fi
	rm -f "$out"
done
echo "# totals: pass:$pass fail:$fail skip:$skip"
[ $fail = 0 ]
