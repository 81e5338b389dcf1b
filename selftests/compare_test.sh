#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# compare_test.sh - run the scenario library (scenarios/*.scn) on the lab
# (every policy) and on the real memory controller, and fail on any
# divergence the scenarios do not declare (docs/compare.md). TAP output.
#
# Real cgroup v1 and v2 cannot share a boot (see selftests/lib/mlab.h): in
# the rig, the main boot (MEMCGLAB_V1=later or none) compares v2, and the
# separate v1 boot (MEMCGLAB_V1=now) compares v1 against the real v1
# controller. 6.12 has no v1 memory controller: there the v1 lab policies are
# compared with each other, and the real-v1 point (4) is a SKIP. Outside the
# rig both run, v2 first.

dir=$(cd "$(dirname "$0")" && pwd)
scn=$dir/scenarios
cli=$(command -v memcglab || echo "$dir/memcglab")
ko=/lib/memcglab/memcglab.ko

failed=0
echo "TAP version 13"
echo "1..6"

if ! grep -q memcglab /proc/filesystems && [ -e "$ko" ]; then
	insmod "$ko" || echo "# insmod $ko failed"
fi

n=$(ls "$scn"/*.scn 2>/dev/null | wc -l)
if [ "$n" -ge 15 ]; then
	echo "ok 1 scenario library has $n scenarios"
else
	echo "not ok 1 scenario library has $n scenarios (want >= 15)"
	failed=1
fi

for fl in v2 v1; do
	t=$([ $fl = v2 ] && echo 2 || echo 3)
	if [ $fl = v2 ] && [ "${MEMCGLAB_V1:-}" = now ]; then
		echo "ok $t compare --v2 # SKIP real cgroup v2 runs in the rig's main boot"
		continue
	fi
	if [ $fl = v1 ] && [ "${MEMCGLAB_V1:-}" = later ]; then
		echo "ok $t compare --v1 # SKIP real cgroup v1 runs in the rig's separate v1 boot"
		echo "ok 4 real cgroup v1 took part # SKIP it runs in the rig's separate v1 boot"
		continue
	fi
	out=/tmp/compare-$fl.txt
	start=$(date +%s)
	"$cli" compare --$fl "$scn" >"$out" 2>&1
	rc=$?
	sed 's/^/# /' "$out" | grep -E '^# (########|== |  skipped|-- |summary|.*DIVERGES|.*FAIL)' 
	echo "# compare --$fl took $(( $(date +%s) - start ))s, exit $rc"
	if [ $rc -eq 0 ]; then
		echo "ok $t compare --$fl: no unexpected divergence"
	else
		sed 's/^/# /' "$out" | tail -n 60
		echo "not ok $t compare --$fl: unexpected divergence (exit $rc)"
		failed=1
	fi
done

# Point 4: did the real v1 controller take part in compare --v1?
if [ "${MEMCGLAB_V1:-}" != later ]; then
	why=$(grep -m1 '^  skipped memcg/v1: ' /tmp/compare-v1.txt 2>/dev/null |
		sed 's/^  skipped memcg\/v1: //')
	if [ -z "$why" ] && [ -s /tmp/compare-v1.txt ]; then
		echo "ok 4 real cgroup v1 took part in compare --v1"
	elif [ "${MEMCGLAB_V1:-}" = none ]; then
		echo "ok 4 real cgroup v1 took part # SKIP this kernel has no cgroup v1 memory controller"
	elif [ "${MEMCGLAB_V1:-}" = now ]; then
		echo "not ok 4 real cgroup v1 took part: $why"
		failed=1
	else
		echo "ok 4 real cgroup v1 took part # SKIP $why"
	fi
fi
# Point 5: the `oom kill` scenarios (oom_*.scn, limit_below_usage_v2) had
# the real memcg kill workers, so victims were compared, not just modelled.
out=$(cat /tmp/compare-v2.txt /tmp/compare-v1.txt 2>/dev/null)
kills=$(printf '%s\n' "$out" | grep -cE '^  memcg/v[12] .* killed [A-Za-z0-9_,]+  \(reference\)')
if [ "$kills" -gt 0 ]; then
	echo "ok 5 OOM victims compared with the real memcg in $kills step(s)"
elif [ -z "$out" ] || printf '%s\n' "$out" | grep -q '^  skipped memcg/'; then
	echo "ok 5 OOM victims compared # SKIP no real memcg took part"
else
	echo "not ok 5 OOM victims compared: no step of an oom kill scenario killed on the real memcg"
	failed=1
fi
# Point 6: a check that fails on the real memcg says what the usage is
# made of (memory.stat), so a divergence can be told apart: anon, page
# cache, kernel memory or a huge page. The worker's 4M is anon, in 4K
# pages (it turns THP off), with no page cache.
fl=$([ "${MEMCGLAB_V1:-}" = now ] && echo v1 || echo v2)
cat >/tmp/explain.scn <<EOF
scenario explain
describe a check meant to fail on the real memcg
flavours $fl
mkdir a
charge a w 4M
check a usage == 1M
EOF
out=$("$cli" -j scenario run /tmp/explain.scn --target memcg --$fl 2>&1)
rc=$?
st=$(printf '%s\n' "$out" | sed -n 's/.*"stat":{\([^}]*\)}.*/\1/p' | head -n 1)
val() { printf '%s\n' "$st" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
anon=$(val anon) file=$(val file) thp=$(val anon_thp)
echo "# memcg/$fl failed check: exit $rc, memory.stat {$st}"
if [ $rc -eq 1 ] && [ -n "$anon" ] && [ "$anon" -ge 4194304 ] &&
   [ "$anon" -lt 5242880 ] && [ "$file" = 0 ] && [ "$thp" = 0 ]; then
	echo "ok 6 a failed check on memcg/$fl shows its memory.stat: anon 4M, no file, no THP"
else
	printf '%s\n' "$out" | head -n 20 | sed 's/^/# /'
	echo "not ok 6 a failed check on memcg/$fl shows its memory.stat"
	failed=1
fi
rm -f /tmp/explain.scn
exit $failed
