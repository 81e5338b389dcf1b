#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run memcglab's guest tests, kselftest style: one TAP 13 result per test
# program, its own output nested behind "# ". Works in our QEMU rig and in any
# other pipeline that boots a kernel with this directory inside.
#
#   run_kselftest.sh [-t memcglab:NAME]... [-l]
#
# Test programs find the module as $MEMCGLAB_KO (default: the one built for
# the running kernel in memcglab/modules/<uname -r>/, else
# /lib/memcglab/memcglab.ko) and the CLI as $MEMCGLAB (default: on PATH, else
# memcglab/memcglab here). Exit: 0 when nothing failed.

BASE=$(cd "$(dirname "$0")" && pwd)
LIST="$BASE/kselftest-list.txt"
only=""
while [ $# -gt 0 ]; do
	case "$1" in
	-t) only="$only $2"; shift 2 ;;
	-l) cat "$LIST"; exit 0 ;;
	*) echo "usage: $0 [-t memcglab:NAME]... [-l]" >&2; exit 2 ;;
	esac
done

timeout=$(sed -n 's/^timeout=//p' "$BASE/memcglab/settings" 2>/dev/null)
: "${timeout:=180}"
if [ -z "$MEMCGLAB_KO" ]; then
	MEMCGLAB_KO="$BASE/memcglab/modules/$(uname -r)/memcglab.ko"
	[ -e "$MEMCGLAB_KO" ] || MEMCGLAB_KO=/lib/memcglab/memcglab.ko
fi
export MEMCGLAB_KO
export PATH="$PATH:$BASE/memcglab"
export MEMCGLAB_SCENARIOS="${MEMCGLAB_SCENARIOS:-$BASE/memcglab/scenarios}"

tests=""
while read -r t; do
	[ -z "$t" ] && continue
	if [ -n "$only" ]; then
		case " $only " in *" $t "*|*" ${t#memcglab:} "*) ;; *) continue ;; esac
	fi
	tests="$tests $t"
done <"$LIST"

n=0; for t in $tests; do n=$((n + 1)); done
echo "TAP version 13"
echo "1..$n"
i=0; failed=0
rcfile=$(mktemp)
for t in $tests; do
	i=$((i + 1))
	name=${t#memcglab:}
	echo "# selftests: memcglab: $name"
	t0=$(date +%s)
	# The exit code travels through a file: POSIX sh has no PIPESTATUS.
	{ (cd "$BASE/memcglab" && exec timeout -s KILL "$timeout" "./$name") 2>&1
	  echo $? >"$rcfile"; } | while IFS= read -r l; do echo "# $l"; done
	rc=$(cat "$rcfile")
	echo "# $name took $(($(date +%s) - t0)) s"
	case "$rc" in
	0) echo "ok $i selftests: memcglab: $name" ;;
	4) echo "ok $i selftests: memcglab: $name # SKIP" ;;
	137) echo "not ok $i selftests: memcglab: $name # TIMEOUT ${timeout} seconds"
	     failed=$((failed + 1)) ;;
	*) echo "not ok $i selftests: memcglab: $name # exit=$rc"
	   failed=$((failed + 1)) ;;
	esac
done
rm -f "$rcfile"
[ "$failed" -eq 0 ]
