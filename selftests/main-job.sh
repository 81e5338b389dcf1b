#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The main job (`make run`), inside the guest: load memcglab, mount a lab
# hierarchy, build a small tree, charge it, and show what is there.
set -e
KO=${MEMCGLAB_KO:-/lib/memcglab/memcglab.ko}
grep -qw memcglab /proc/filesystems || insmod "$KO"
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
