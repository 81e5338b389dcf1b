#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# trace_test.sh - `memcglab trace record` and `trace replay` (docs/trace.md)
# against the real memcg of the running kernel: three real programs are
# recorded (page cache on tmpfs, anonymous growth to an OOM kill, many
# short-lived allocations on both CPUs); replaying each on the strict
# policy must give every group's final usage and peak within compare's
# tolerance of what the kernel showed; every policy replays; the shipped
# traces replay; hostile inputs (truncated, corrupted, another format
# version, a missing cgroup) fail with a clear message and leave nothing
# mounted, recorded or charged.  TAP inside; exit 0 only when every check
# passed.  With memcglab/ship-traces in the test directory (run.sh
# --extra), the recorded traces are printed for selftests/traces/.

dir=$(cd "$(dirname "$0")" && pwd)
cli=$(command -v memcglab || echo "$dir/memcglab")
w=/tmp/trace_test
n=0 failed=0

# run_check TODO-REASON DESCRIPTION COMMAND...: one TAP line; a failure is
# counted unless TODO-REASON is set (a known, documented divergence on this
# kernel, docs/trace.md: reported as TAP TODO, with its output).
run_check() {
	r=$1; shift
	d=$1; shift
	n=$((n + 1))
	if "$@" >$w/out 2>&1; then
		echo "ok $n $d"
	else
		echo "not ok $n $d${r:+ # TODO $r}"
		sed 's/^/# /' $w/out | head -40
		[ -n "$r" ] || failed=$((failed + 1))
	fi
}
check() { run_check "" "$@"; }	# description, command...
check_known() { run_check "$@"; }	# reason, description, command...
# Is the running kernel at least $1.$2?
kernel_ge() {
	set -- "$1" "$2" "$(uname -r | cut -d. -f1)" "$(uname -r | cut -d. -f2)"
	[ "$3" -gt "$1" ] || { [ "$3" -eq "$1" ] && [ "$4" -ge "$2" ]; }
}
not() { ! "$@"; }
says() { # file, extended regex: the command's output matched
	grep -Eq "$2" "$1"
}
clean() { # nothing of ours left: mounts, tracefs instances, cgroups
	! grep -q " memcglab " /proc/mounts &&
	! ls /sys/kernel/tracing/instances 2>/dev/null | grep -q memcglab-rec &&
	! ls /sys/fs/cgroup | grep -q memcglab-rec &&
	! grep -q " /tmp/memcglab-v1\." /proc/mounts
}
# A failing command whose message matches: the operation and the reason.
fails_with() { # regex, command...
	re=$1; shift
	if "$@" >$w/fail.out 2>&1; then
		echo "unexpected success"; return 1
	fi
	cat $w/fail.out
	says $w/fail.out "$re" && clean
}
record() { # name, record args... -- command
	name=$1; shift
	"$cli" trace record -o "$w/$name.trace" "$@" >$w/$name.rec 2>&1 || {
		cat $w/$name.rec; return 1; }
	cat $w/$name.rec
	# Nothing may be lost in the ring buffer. A kprobe hit that comes while
	# another probe's handler runs on that CPU is counted as missed, for
	# every cgroup of the system, not only ours: reported, not judged here
	# (the replays below show whether the recorded stream is complete).
	says $w/$name.rec "lost 0, missed [0-9]+\$" && clean
}
replay_agrees() { # name, policy
	"$cli" trace replay "$w/$1.trace" --policy "$2" >$w/$1.$2 2>&1
	rc=$?
	cat $w/$1.$2
	[ $rc -eq 0 ] && says $w/$1.$2 "policy $2: .*: agrees" && clean
}
hit_rate() { # policy: the lab's stock hit rate for it in $w/all.json
	grep -o "\"policy\":\"$1\"[^{}]*\"stock_hit_rate\":[0-9.e+-]*" $w/all.json |
		sed 's/.*://'
}
# Strict has no stock: every charge raises a counter. Batched serves most
# charges from its stock, as the kernel did (its rate is on the kernel line).
stock_rates() {
	s=$(hit_rate strict) b=$(hit_rate batched)
	echo "stock hit rate: strict $s, batched $b"
	awk -v s="$s" -v b="$b" 'BEGIN { exit !(s != "" && b != "" && s + 0 == 0 && b + 0 > 0.5) }'
}
# The hierarchy workload: 16M of anonymous memory where it starts, then
# its shell moves to group $2, writes a 6M tmpfs file and takes 4M more.
hier_script() { # script, directory of group b
	cat >"$1" <<SH
dd if=/dev/zero of=/dev/null bs=8M count=2 2>/dev/null
echo \$\$ >$2/cgroup.procs
dd if=/dev/zero of=$w/h.file bs=64k count=96 2>/dev/null
dd if=/dev/zero of=/dev/null bs=4M count=1 2>/dev/null
SH
}
# A copy of a trace whose first event matching a regex has it replaced.
corrupt_event() { # trace, copy, regex, replacement
	awk -v re="$3" -v to="$4" \
		'e && !done && $0 ~ re { sub(re, to); done = 1 } /^events$/ { e = 1 } { print }' \
		"$1" >"$2"
}
secs() { awk '{ print $1 }' /proc/uptime; }

[ "$(id -u)" -eq 0 ] || { echo "# SKIP: needs root"; exit 4; }
ko=${MEMCGLAB_KO:-/lib/memcglab/memcglab.ko}
loaded_here=0
if ! grep -q '^memcglab ' /proc/modules; then
	insmod "$ko" || { echo "# SKIP: cannot load $ko"; exit 4; }
	loaded_here=1
fi
[ -d /sys/kernel/tracing/events/memcglab_rec ] ||
	{ echo "# SKIP: no tracefs with the memcglab_rec events"; exit 4; }
rm -rf $w && mkdir -p $w

# Which of the functions the recorder may probe this kernel has out of line.
for s in try_charge_memcg page_counter_try_charge page_counter_uncharge \
	 mem_cgroup_oom_control_read \
	 refill_stock __refill_stock drain_stock uncharge_batch \
	 try_to_free_mem_cgroup_pages memcg_memory_event; do
	echo "# $(uname -r) $s: $(grep -cw "$s" /proc/kallsyms) in kallsyms," \
	     "$(grep -cw "$s" /sys/kernel/debug/kprobes/blacklist 2>/dev/null) blacklisted"
done

cat >$w/pagecache.sh <<'SH'
for i in 1 2 3; do
	dd if=/dev/zero of=/tmp/trace_test/pc.$i bs=64k count=128 2>/dev/null
	cat /tmp/trace_test/pc.$i >/dev/null
done
rm -f /tmp/trace_test/pc.1 /tmp/trace_test/pc.2
SH
cat >$w/oom.sh <<'SH'
dd if=/dev/zero of=/dev/null bs=48M count=1 2>/dev/null
exit 0
SH
cat >$w/manycpu.sh <<'SH'
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	dd if=/dev/zero of=/dev/null bs=1M count=4 2>/dev/null &
	[ $((i % 4)) -eq 0 ] && wait
done
wait
SH

# cgroup v2: the main boot's part (the rig's v1 boot leaves v2 alone).
v2_part() {
	check "record a page-cache workload on tmpfs (8M x3, two files freed)" \
		record pagecache --max 32M -- sh $w/pagecache.sh
	rm -f $w/pc.3
	check "record anonymous growth to an OOM kill under memory.max 16M" \
		record oom --max 16M -- sh $w/oom.sh
	check "the kernel OOM-killed in the recorded group" \
		grep -Eq "^final 0 .* oom_kill=[1-9]" $w/oom.trace
	check "record many short-lived allocations on every CPU" \
		record manycpu -- sh $w/manycpu.sh
	check "the many-CPU trace has charges on more than one CPU" \
		sh -c "awk '\$3 == \"c\" { print \$2 }' $w/manycpu.trace | sort -u | wc -l | grep -qv '^1\$'"

	# A hierarchy: the command starts in a (max 12M), moves its shell to b,
	# leaves a 6M tmpfs file charged to b.
	h=/sys/fs/cgroup/trace_test_h
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control
	mkdir -p $h && echo +memory >$h/cgroup.subtree_control && mkdir -p $h/a $h/b &&
		echo 12M >$h/a/memory.max && echo 2M >$h/b/memory.low
	hier_script $w/hier.sh $h/b
	check "record a hierarchy: a command in a (max 12M) that moves on to b" \
		record hier --cgroup $h --run-in a -- sh $w/hier.sh
	check "the hierarchy trace has the root, a and b with their settings" \
		sh -c "grep -Eq '^group [12] a .* max=12582912 ' $w/hier.trace &&
		       b=\$(awk '\$1 == \"group\" && \$3 == \"b\" && / low=2097152 / { print \$2 }' $w/hier.trace) &&
		       grep -Eq \"^final \$b usage=[1-9]\" $w/hier.trace"
	check "the recording ends with each group's counter, read as it stopped" \
		sh -c "head -1 $w/hier.trace | grep -qx 'memcglab-trace 2' &&
		       for g in 0 1 2; do awk -v g=\$g '\$3 == \"s\" && \$4 == g' $w/hier.trace | grep -q . || exit 1; done"

	for t in pagecache oom manycpu hier; do
		# Page tables freed after an RCU grace period are uncharged in
		# softirq, where a probe hit that lands while another handler
		# runs on the CPU is missed; from 6.14 MADV_DONTNEED frees the
		# tables it empties too, so there are many more. Once on 7.2
		# (manycpu, 1 hit missed) the replay ended 752K above the
		# kernel. There, and only when the recording says it missed
		# hits, a disagreement is a TODO; with none missed, and always
		# on 6.1 and 6.12, the replay must agree.
		m=$(sed -n 's/.*missed \([0-9]*\)$/\1/p' $w/$t.rec)
		r=""
		if kernel_ge 6 14 && [ "${m:-0}" -gt 0 ]; then
			r="the recording missed $m probe hit(s), docs/trace.md"
		fi
		run_check "$r" "$t: strict replay agrees with the kernel (usage and peak of every group)" \
			replay_agrees $t strict
	done
	for t in pagecache oom manycpu hier; do
		sed 's/^/# /' $w/$t.strict
	done
	rm -f $w/h.file
	rmdir $h/a $h/b $h
	check "oom: replay under every policy, with a plot and JSON" \
		sh -c "'$cli' -j trace replay $w/oom.trace --policy all --plot $w/oom.svg >$w/all.json &&
		       grep -q '\"policy\":\"batched\"' $w/all.json && grep -q '<polyline' $w/oom.svg"
	check "oom: every policy reports the lab's stock hit rate: strict 0, batched above 0.5" \
		stock_rates
	check "oom: --speed 4 replays in real time and agrees" \
		sh -c "'$cli' trace replay $w/oom.trace --speed 4 | grep -q 'policy strict: .*: agrees'"

	for f in "$dir"/traces/*.trace; do
		[ -e "$f" ] || continue
		check "shipped $(basename "$f"): every policy replays; strict agrees" \
			sh -c "'$cli' trace replay '$f' --policy all >$w/ship.out; rc=\$?; cat $w/ship.out;
			       [ \$rc -eq 0 ] && grep -q 'policy strict: .*: agrees' $w/ship.out"
	done

	# Hostile inputs.
	head -c 3000 $w/oom.trace >$w/truncated.trace
	check "a truncated trace: a clear error, nothing left" \
		fails_with "truncated.trace:.*truncated" "$cli" trace replay $w/truncated.trace
	corrupt_event $w/oom.trace $w/corrupt.trace " c " " x "
	check "a corrupted event line: an error naming the line" \
		fails_with "corrupt.trace:[0-9]+: unknown event type 'x'" "$cli" trace replay $w/corrupt.trace
	sed '1 s/ 2$/ 3/' $w/oom.trace >$w/v3.trace
	check "another format version: refused, naming the versions read" \
		fails_with "format version 3; this memcglab reads versions 1 to 2" \
		"$cli" trace replay $w/v3.trace
	corrupt_event $w/hier.trace $w/badusage.trace " s [0-9]+ 0 " " s 0 1 "
	check "a usage event with a page count: an error naming the line" \
		fails_with "badusage.trace:[0-9]+: bad usage event" "$cli" trace replay $w/badusage.trace
	sed 's/^kernel .*/kernel 5.10.0-0-amd64/' $w/oom.trace >$w/otherkernel.trace
	check "a trace from another kernel replays (the lab does not depend on it)" \
		sh -c "'$cli' trace replay $w/otherkernel.trace | grep -q 'kernel 5.10.0-0-amd64'"
	check "record into a missing cgroup: a clear error, nothing left" \
		fails_with "nosuch: No such file" "$cli" trace record -o $w/x.trace \
		--cgroup /sys/fs/cgroup/nosuch -- true
	check "record a command that cannot run: the recording still ends cleanly" \
		sh -c "'$cli' trace record -o $w/x.trace -- /nonexistent/cmd | grep -q 'exit 127'"
	check "a second recording while one runs: EBUSY with the module's message" \
		sh -c "'$cli' trace record -o $w/b1.trace -- sleep 8 >/dev/null 2>&1 & p=\$!; sleep 3;
		       '$cli' trace record -o $w/b2.trace -- true >$w/b2.out 2>&1; rc=\$?; wait \$p;
		       cat $w/b2.out; [ \$rc -ne 0 ] && grep -q 'busy: another recording runs' $w/b2.out &&
		       grep -q '^end ' $w/b1.trace"
	nm=/sys/fs/cgroup/trace_test_nm
	mkdir -p $nm/x
	check "a cgroup without the memory controller: ENOENT with the module's message" \
		fails_with "no such cgroup with the memory controller" \
		"$cli" trace record -o $w/x.trace --cgroup $nm/x -- true
	rmdir $nm/x $nm
	check "SIGTERM to trace record goes to the command; the trace is written" \
		sh -c "'$cli' trace record -o $w/term.trace -- sleep 30 >$w/term.rec 2>&1 & p=\$!;
		       sleep 2; kill -TERM \$p; wait \$p; cat $w/term.rec;
		       grep -q 'exit -15' $w/term.rec && grep -q '^end ' $w/term.trace"
	check "after all of it a new recording starts (none left running)" \
		record again -- true
	check "nothing of ours is left" clean

	# Overhead on a workload: the same anonymous 32M, without and with recording.
	t0=$(secs); sh -c 'dd if=/dev/zero of=/dev/null bs=32M count=1 2>/dev/null'; t1=$(secs)
	"$cli" trace record -o $w/ovh.trace -- sh -c 'dd if=/dev/zero of=/dev/null bs=32M count=1 2>/dev/null' >$w/ovh.rec
	t2=$(secs)
	echo "# overhead: 32M anonymous: $(echo "$t1 $t0" | awk '{ printf "%.2f", $1 - $2 }') s plain," \
	     "recorded run: $(sed 's/.*command ran \([0-9]*\) us.*/\1/' $w/ovh.rec) us," \
	     "$(grep -c ' c ' $w/ovh.trace) charges; whole record command $(echo "$t2 $t1" | awk '{ printf "%.2f", $1 - $2 }') s"

	for t in pagecache oom manycpu; do
		echo "# every policy on $t:"
		"$cli" trace replay $w/$t.trace --policy all --plot $w/$t.svg 2>&1 | sed 's/^/# /'
	done

	if [ -e "$dir/ship-traces" ]; then
		for t in pagecache oom manycpu; do
			echo "# BEGIN-SVG $t"
			sed 's/^/#S /' $w/$t.svg
			echo "# END-SVG $t"
			echo "# BEGIN-TRACE $t"
			sed 's/^/#T /' $w/$t.trace
			echo "# END-TRACE $t"
		done
	fi
}

# cgroup v1 (a kernel that has the v1 memory controller, in a boot where v2
# has not used memory: the rig's separate v1 boot): the same recordings of
# an OOM kill and of page cache, through the command's pid, replayed on the
# lab's v1 flavour.
v1_part() {
	case "${MEMCGLAB_V1:-}" in
	later)
		for d in "record under cgroup v1" "v1: strict replay agrees with the kernel"; do
			n=$((n + 1))
			echo "ok $n $d # SKIP real cgroup v1 runs in the rig's separate v1 boot"
		done
		return ;;
	none)
		check "--v1 on a kernel without the v1 memory controller: a clear error, nothing left" \
			fails_with "trace record: this kernel has no cgroup v1 memory controller" "$cli" trace record --v1 \
			-o $w/v1.trace -- true
		sed 's/^/# --v1 here: /' $w/fail.out | head -3
		for d in "record under cgroup v1" "v1: strict replay agrees with the kernel"; do
			n=$((n + 1))
			echo "ok $n $d # SKIP this kernel has no cgroup v1 memory controller"
		done
		return ;;
	esac
	if ! "$cli" trace record --v1 -o $w/v1probe.trace -- true >$w/v1probe.out 2>&1 &&
	   [ "${MEMCGLAB_V1:-}" != now ]; then
		# outside the rig: v2 has had memory in this boot
		n=$((n + 1))
		echo "ok $n record under cgroup v1 # SKIP $(tail -1 $w/v1probe.out)"
		return
	fi
	check "v1: record anonymous growth to an OOM kill under limit_in_bytes 16M" \
		record v1oom --v1 --max 16M -- sh $w/oom.sh
	check "v1: the trace says flavour v1, the limit and an OOM kill" \
		sh -c "grep -qx 'flavour v1' $w/v1oom.trace &&
		       grep -Eq '^group 0 \. .* max=16777216 high=max low=0 min=0 ' $w/v1oom.trace &&
		       grep -Eq '^final 0 .* oom_kill=[1-9]' $w/v1oom.trace"
	check "v1: --max max records an unlimited group (v1 writes -1)" \
		sh -c "'$cli' trace record --v1 --max max -o $w/v1max.trace -- true >/dev/null 2>&1 &&
		       grep -Eq '^group 0 \\. .* max=max ' $w/v1max.trace"
	check "v1: record a page-cache workload on tmpfs under limit_in_bytes 32M" \
		record v1pagecache --v1 --max 32M -- sh $w/pagecache.sh
	rm -f $w/pc.3
	for t in v1oom v1pagecache; do
		check "$t: strict replay on the lab's v1 flavour agrees with the kernel" \
			sh -c "replay() { '$cli' trace replay $w/$t.trace --policy strict; };
			       replay >$w/$t.strict 2>&1; rc=\$?; cat $w/$t.strict;
			       [ \$rc -eq 0 ] && grep -q 'cgroup v1' $w/$t.strict &&
			       grep -q 'policy strict: .*: agrees' $w/$t.strict"
		sed 's/^/# /' $w/$t.strict
	done
	# A hierarchy on a v1 mount of the test's own (record takes it as it
	# is): the command starts in a (limit 12M), moves its shell to b and
	# leaves a 6M tmpfs file charged there.
	m=$w/v1mnt h=$w/v1mnt/trace_test_h
	mkdir -p $m && mount -t cgroup -o memory cgroup $m && mkdir -p $h/a $h/b &&
		echo 12M >$h/a/memory.limit_in_bytes
	hier_script $w/v1hier.sh $h/b
	check "v1: record a hierarchy: a command in a (limit 12M) that moves on to b" \
		record v1hier --v1 --cgroup trace_test_h --run-in a -- sh $w/v1hier.sh
	check "v1: the hierarchy trace has a and b, a's limit, b's file and every counter" \
		sh -c "grep -Eq '^group [12] a .* max=12582912 ' $w/v1hier.trace &&
		       b=\$(awk '\$1 == \"group\" && \$3 == \"b\" { print \$2 }' $w/v1hier.trace) &&
		       grep -Eq \"^final \$b usage=[1-9]\" $w/v1hier.trace &&
		       for g in 0 1 2; do awk -v g=\$g '\$3 == \"s\" && \$4 == g' $w/v1hier.trace | grep -q . || exit 1; done"
	check "v1hier: strict replay on the lab's v1 flavour agrees with the kernel" \
		sh -c "'$cli' trace replay $w/v1hier.trace --policy strict >$w/v1hier.strict 2>&1; rc=\$?;
		       cat $w/v1hier.strict; [ \$rc -eq 0 ] && grep -q 'policy strict: .*: agrees' $w/v1hier.strict"
	sed 's/^/# /' $w/v1hier.strict
	rm -f $w/h.file
	rmdir $h/a $h/b $h
	umount $m && rmdir $m
	check "v1: every policy replays the OOM trace" \
		sh -c "'$cli' trace replay $w/v1oom.trace --policy all >$w/v1all.out; rc=\$?;
		       cat $w/v1all.out; grep -q 'policy batched:' $w/v1all.out && [ \$rc -eq 0 ]"
	# the v1 mount is /tmp/memcglab-v1.XXXXXX: this is the cgroup2 root
	check "v1: --cgroup outside the v1 hierarchy: refused, the task is in a root memcg" \
		fails_with "root memory cgroup" \
		"$cli" trace record --v1 -o $w/x.trace --cgroup ../../sys/fs/cgroup -- true
	check "v1: record into a missing cgroup: a clear error, nothing left" \
		fails_with "nosuch: No such file" "$cli" trace record --v1 -o $w/x.trace \
		--cgroup nosuch -- true
	check "v1: nothing of ours is left" clean
}

if [ "${MEMCGLAB_V1:-}" = now ]; then
	n=$((n + 1))
	echo "ok $n cgroup v2 recordings # SKIP real cgroup v2 runs in the rig's main boot"
else
	v2_part
fi
v1_part

if [ $loaded_here -eq 1 ]; then
	check "the module unloads after the recordings (nothing pinned)" rmmod memcglab
fi

echo "1..$n"
[ $failed -eq 0 ]
