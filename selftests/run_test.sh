#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run_test.sh - `memcglab run` on the real memory controller: a program that
# leaks until the kernel OOM-kills it is detected from memory.events, is
# restarted exactly --max-restarts times, and no group is left behind; a
# well-behaved program runs once and passes its exit status through; JSON
# output parses; --restart=on-oom|always and systemd's -p properties.
# TAP output.

dir=$(cd "$(dirname "$0")" && pwd)
cli=$(command -v memcglab || echo "$dir/memcglab")
cg=/sys/fs/cgroup
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fail=1; echo "not ok $n $*"; }
check() { if eval "$1"; then ok "$2"; else nok "$2"; fi; }

echo "TAP version 13"
echo "1..13"

# The rig runs real cgroup v1 in a boot of its own (MEMCGLAB_V1=now, see
# selftests/lib/mlab.h): there `run --v1` is tested, elsewhere `run --v2`.
# Outside the rig (MEMCGLAB_V1 unset) v1 is tested only when an earlier user
# of v1 has left memory bound to it for the rest of the boot.
fl=--v2
if [ "${MEMCGLAB_V1:-}" = now ]; then
	fl=--v1
	echo "# the rig's v1 boot: testing run --v1"
elif [ -z "${MEMCGLAB_V1:-}" ]; then
	for i in $(seq 5); do
		grep -qw memory $cg/cgroup.controllers 2>/dev/null && break
		sleep 1
	done
	if ! grep -qw memory $cg/cgroup.controllers 2>/dev/null; then
		fl=--v1
		echo "# memory is bound to cgroup v1 in this boot: testing run --v1"
	fi
fi
gone() { # the group is gone: v2 its directory, v1 no task of ours in it
	if [ $fl = --v2 ]; then [ ! -e $cg/$1 ]; else ! grep -q "/$1\$" /proc/*/cgroup 2>/dev/null; fi
}

# 1-4: dd with a 64M buffer under a 16M limit is OOM-killed every time.
out=/tmp/run-leak.txt
"$cli" run $fl --limit 16M --no-swap --restart --max-restarts 2 --backoff 10 \
	--group memcglab-run-test -- dd if=/dev/zero of=/dev/null bs=64M count=1 >$out 2>&1
rc=$?
sed 's/^/# /' $out
check '[ $rc -eq 137 ]' "leaker: exit status 137 (SIGKILL) passed through (got $rc)"
check '[ $(grep -c "OOM killed" $out) -eq 3 ]' "leaker: 3 runs, each an OOM kill read from memory.events"
check 'grep -q "2 restart(s)" $out' "leaker: restarted exactly --max-restarts 2 times"
check 'gone memcglab-run-test' "leaker: group removed on exit"

# 5-6: a program that fits runs once, exit status passed through.
"$cli" run $fl --limit 32M --group memcglab-run-ok -- sh -c 'echo hello from inside; exit 3' >$out 2>&1
rc=$?
sed 's/^/# /' $out
check '[ $rc -eq 3 ] && grep -q "hello from inside" $out && ! grep -q "OOM killed" $out' \
	"well-behaved program: output streamed, status 3, no OOM"
check 'gone memcglab-run-ok' "well-behaved program: group removed"

# 7: the program really runs inside the group with the limit set.
"$cli" run $fl --limit 20M --group memcglab-run-in -- sh -c 'cat /proc/self/cgroup' >$out 2>&1
sed 's/^/# /' $out
check 'grep -Eq "^(0:|[0-9]+:memory):/memcglab-run-in$" $out && grep -q "limit 20M" $out' \
	"program runs in the group with limit 20M"

# 8: SIGTERM to run: the program is stopped and the group removed.
"$cli" run $fl --limit 16M --group memcglab-run-term -- sleep 30 >$out 2>&1 &
pid=$!
sleep 1
kill -TERM $pid
wait $pid
check 'gone memcglab-run-term' "SIGTERM: group removed"

# 9: -j output is JSON with the runs array.
"$cli" -j run $fl --limit 16M --group memcglab-run-json -- true >$out 2>/dev/null
sed 's/^/# /' $out
check 'grep -q "\"runs\":\[" $out && grep -q "\"exit_code\":0" $out' "JSON output has runs and exit_code"

# 10: --restart=on-oom (the default of --restart) does not restart a failure
# that was not the OOM killer's.
"$cli" run $fl --limit 16M --restart=on-oom --backoff 10 --group memcglab-run-oom -- \
	sh -c 'exit 5' >$out 2>&1
rc=$?
sed 's/^/# /' $out
check '[ $rc -eq 5 ] && grep -q "0 restart(s)" $out' "--restart=on-oom: exit 5 is not restarted"

# 11: --restart=always restarts even a success, up to --max-restarts.
"$cli" run $fl --limit 16M --restart=always --max-restarts 2 --backoff 10 \
	--group memcglab-run-always -- true >$out 2>&1
rc=$?
sed 's/^/# /' $out
check '[ $rc -eq 0 ] && grep -q "2 restart(s)" $out' "--restart=always: 2 restarts of a success"

# 12: -p MemoryMax= is the limit; on v2 MemoryHigh= lands in memory.high.
if [ $fl = --v2 ]; then
	"$cli" run $fl -p MemoryMax=24M -p MemoryHigh=20M -p MemoryLow=1M \
		--group memcglab-run-p -- \
		sh -c 'cat /sys/fs/cgroup/memcglab-run-p/memory.max /sys/fs/cgroup/memcglab-run-p/memory.high /sys/fs/cgroup/memcglab-run-p/memory.low' \
		>$out 2>&1
	sed 's/^/# /' $out
	check 'grep -qx 25165824 $out && grep -qx 20971520 $out && grep -qx 1048576 $out' \
		"-p MemoryMax/MemoryHigh/MemoryLow written to memory.max/high/low"
else
	"$cli" run $fl -p MemoryMax=24M --group memcglab-run-p -- \
		sh -c 'cat /proc/self/cgroup' >$out 2>&1
	sed 's/^/# /' $out
	check 'grep -q "limit 24M" $out' "-p MemoryMax on v1 is the limit"
fi

# 13: a property that does not exist is a usage error.
"$cli" run $fl -p MemoryMaximum=1M -- true >$out 2>&1
rc=$?
sed 's/^/# /' $out
check '[ $rc -eq 2 ] && grep -q "MemoryMaximum" $out' "-p with an unknown property: usage error"
exit $fail
