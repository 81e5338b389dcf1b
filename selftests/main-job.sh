#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The main job (`make run`), inside the guest: load memcglab, mount a lab
# hierarchy, build a small tree, charge it, and show what is there; then run
# the headline scenarios on the lab and on the kernel's real memcg, side by
# side (cgroup v2, then v1 where the kernel has it).
set -e
KO=${MEMCGLAB_KO:-/lib/memcglab/memcglab.ko}
SCN=${MEMCGLAB_SCENARIOS:-/tests/memcglab/scenarios}
grep -qw memcglab /proc/filesystems || insmod "$KO"

# Real cgroup v1 gets a boot of its own (see selftests/vm/run.sh): there,
# only the v1 comparison.
if [ "${MEMCGLAB_V1:-}" = now ]; then
	echo "== lab against the real cgroup v1 memcg (a boot of its own): memcglab compare --headline --v1"
	exec memcglab compare --headline --v1 "$SCN"
fi
echo "== kernel $(uname -r); memcglab loaded: $(grep -w memcglab /proc/filesystems)"
lab=$(mktemp -d)
mount -t memcglab none "$lab"
echo "== mount -t memcglab none $lab"
grep " $lab " /proc/mounts
mkdir "$lab/parent" "$lab/parent/child"
echo 200M >"$lab/parent/memory.max"
echo 500M >"$lab/parent/child/memory.max"
exec 3>"$lab/parent/child/memcglab.charge"
echo 150M >&3
if ! echo 100M >&3 2>/dev/null; then
	echo "== a second 100M charge in child was refused: the parent's 200M limit bounds it"
fi
for g in "$lab" "$lab/parent" "$lab/parent/child"; do
	echo "== $g"
	for f in "$g"/memory.*; do
		[ -f "$f" ] || continue
		printf '%-28s %s\n' "$(basename "$f")" "$(tr '\n' ' ' <"$f")"
	done
done
exec 3>&-
echo "== after closing the charge descriptor: parent memory.current = $(cat "$lab/parent/memory.current")"
rmdir "$lab/parent/child" "$lab/parent"
umount "$lab"
echo
echo "== the tree as the CLI sees it (netlink)"
mount -t memcglab none "$lab"
mkdir -p "$lab/a/b"
echo 64M >"$lab/a/memory.max"
memcglab group tree "$lab"
rmdir "$lab/a/b" "$lab/a"
umount "$lab"
rmdir "$lab"
echo
if [ -n "${MEMCGLAB_V1:-}" ]; then
	# v1 follows in its own boot, or the kernel has none.
	echo "== lab against the real cgroup v2 memcg: memcglab compare --headline --v2"
	memcglab compare --headline --v2 "$SCN"
	if [ "$MEMCGLAB_V1" = none ]; then
		echo "== this kernel has no cgroup v1 memory controller"
	fi
else
	echo "== lab against the real memcg: memcglab compare --headline"
	memcglab compare --headline "$SCN"
fi
