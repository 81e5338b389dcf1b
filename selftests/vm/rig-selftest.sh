#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rig-selftest.sh KVER: the rig must pass a passing test and must fail on a
# failing test, on a kernel splat and on a hung guest. Each case boots the
# guest with small throwaway tests added to the usual ones.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
kver=$1
tmp=$(mktemp -d)
# Boots of their own (build/vm-rig/KVER): make check runs the rig beside
# the guest tier, which uses build/vm/KVER.
export MEMCGLAB_VM_OUT=$top/build/vm-rig
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/memcglab"

cat >"$tmp/memcglab/rig_pass_test.sh" <<'T'
#!/bin/sh
echo "this test passes"
T
cat >"$tmp/memcglab/rig_fail_test.sh" <<'T'
#!/bin/sh
echo "this test fails on purpose"; exit 1
T
cat >"$tmp/memcglab/rig_splat_test.sh" <<'T'
#!/bin/sh
# A line the host cannot tell from a real WARNING splat.
echo "<4>WARNING: CPU: 0 PID: $$ at memcglab rig self-test" >/dev/kmsg
T
cat >"$tmp/memcglab/rig_hang_test.sh" <<'T'
#!/bin/sh
sleep 100000
T
chmod +x "$tmp"/memcglab/*.sh
make -s -C "$top/selftests" all >/dev/null
{ cat "$top/build/selftests/kselftest-list.txt"
  for t in pass fail splat hang; do echo "memcglab:rig_${t}_test.sh"; done; } \
	>"$tmp/kselftest-list.txt"

n=0 failed=0
expect() { # description, expected: pass | fail:REASON, run.sh args...
	local d=$1 want=$2 log=$tmp/run.log
	shift 2
	n=$((n + 1))
	bash "$top/selftests/vm/run.sh" --extra "$tmp" "$@" "$kver" >"$log" 2>&1
	local rc=$? ok=0
	case "$want" in
	pass) [ $rc -eq 0 ] && grep -q "$kver: PASS" "$log" && ok=1 ;;
	fail:*) [ $rc -ne 0 ] && grep -q "$kver: FAIL.*${want#fail:}" "$log" && ok=1 ;;
	esac
	if [ $ok -eq 1 ]; then
		echo "ok $n $d"
	else
		echo "not ok $n $d (run.sh exit $rc)"; sed 's/^/# /' "$log"
		failed=$((failed + 1))
	fi
}

echo "TAP version 13"
echo "1..4"
expect "rig passes a passing test" pass --tests rig_pass_test.sh
expect "rig fails on a failing test" "fail:1 failed" --tests "rig_pass_test.sh rig_fail_test.sh"
expect "rig fails on a kernel splat" "fail:kernel splat" --tests rig_splat_test.sh
expect "rig fails on a hung guest" "fail:timeout" --tests rig_hang_test.sh --timeout 15
echo "rig: $((n - failed)) passed, $failed failed"
[ $failed -eq 0 ]
