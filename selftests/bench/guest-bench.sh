#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# guest-bench.sh [MS]: the guest half of `make bench` (run by the rig's
# init for memcglab.mode=bench). Every measurement goes to stdout as one
# line of the CLI's JSON: "memcglab-bench-point: {...}" for a run of the
# in-kernel benchmark (`memcglab bench run`, the BENCH netlink operation),
# "memcglab-bench-json: {...}" for the file and netlink timings;
# selftests/bench/report.py on the host turns them into the table. MS is
# the time of each point (ms).
#
# The shell moves itself into a memory cgroup first: the memcg anchor
# (page alloc+free with __GFP_ACCOUNT) is measured in the writing task, and
# a task in the root cgroup is never charged.
set -u

ms=${1:-500}
say() { echo "memcglab-bench: $*"; }

grep -q '^memcglab ' /proc/modules || insmod /lib/memcglab/memcglab.ko || exit 1

echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mkdir -p /sys/fs/cgroup/memcglab-bench
echo $$ >/sys/fs/cgroup/memcglab-bench/cgroup.procs || exit 1

cpus=$(grep -c '^processor' /proc/cpuinfo)
say "guest kernel=$(uname -r) cpus=$cpus ms=$ms"

# One run of the in-kernel benchmark, in this shell's memory cgroup.
point() {
	if out=$(memcglab -j bench run "$@" ms "$ms"); then
		echo "memcglab-bench-point: $out"
	else
		echo "guest-bench: bench run $* failed" >&2
		rc=1
	fi
}

# The scale benchmark (scale_bench.c, scale_report.py on the host): sizes
# from scale_sizes (default 1000 10000); scale_only skips everything else.
scale() {
	[ -x /tests/bench/scale_bench ] || return 0
	/tests/bench/scale_bench -n "$(cat /tests/bench/scale_sizes 2>/dev/null ||
		echo 1000 10000)" || rc=1
}

# The cost of reclaim per page reclaimed, lab beside the real memcg
# (reclaim_bench.c, page cache on the rig's scratch disk): 64M, 3 rounds;
# reclaim_only skips everything else.
reclaim() {
	[ -x /tests/bench/reclaim_bench ] || return 0
	/tests/bench/reclaim_bench -s 64 -r 3 || rc=1
}

rc=0
if [ -e /tests/bench/scale_only ]; then
	scale
	exit $rc
fi
if [ -e /tests/bench/reclaim_only ]; then
	reclaim
	exit $rc
fi
# The anchor first and last, to see drift over the run.
point kind memcg
t=1
while [ $t -le "$cpus" ]; do
	point kind atomic_pair threads $t
	point kind percpu_inc threads $t
	point kind irq_pair threads $t
	for kind in strict batched locked walk; do
		for d in 1 2 4 8; do
			point kind $kind depth $d threads $t
		done
	done
	t=$((t + 1))
done
point kind memcg

# The multi-memcg stock (policies/multistock) beside batched:
# every thread charging one leaf (siblings 1), and every thread alternating
# its charges between two leaves (siblings 2), on every CPU; twice, the two
# policies interleaved, so that drift hits both alike.
ko=/tests/memcglab/modules/$(uname -r)/memcglab_policy_multistock.ko
if grep -q '^memcglab_policy_multistock ' /proc/modules || insmod "$ko"; then
	for round in 1 2; do
		for d in 2 4; do
			for s in 1 2; do
				for pol in batched multistock; do
					point kind $pol depth $d siblings $s threads "$cpus"
				done
			done
		done
	done
	rmmod memcglab_policy_multistock || rc=1
else
	echo "guest-bench: insmod $ko failed" >&2
	rc=1
fi

# 1 GiB in 4 KiB steps through the charge file and one netlink batch.
lab=/tmp/bench-lab
mkdir -p $lab
if mount -t memcglab none $lab && mkdir $lab/a; then
	for how in file netlink; do
		out=$(memcglab -j bench $how $lab/a 1G 4K) || rc=1
		echo "memcglab-bench-json: $out"
	done
	rmdir $lab/a
	umount $lab
else
	rc=1
fi
reclaim
scale
exit $rc
