#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The module loads, registers the memcglab filesystem type, mounts and
# unmounts, and unloads cleanly; rmmod is refused while a hierarchy is mounted.
# TAP inside, one line per check. Exit 0 only when every check passed.

KO=${MEMCGLAB_KO:-/lib/memcglab/memcglab.ko}
n=0 failed=0
check() { # description, command...
	d=$1; shift
	n=$((n + 1))
	if "$@" >/tmp/module_test.out 2>&1; then
		echo "ok $n $d"
	else
		echo "not ok $n $d"; sed 's/^/# /' /tmp/module_test.out
		failed=$((failed + 1))
	fi
}
not() { ! "$@"; }
fs_registered() { grep -qw memcglab /proc/filesystems; }
loaded() { grep -q '^memcglab ' /proc/modules; }

[ "$(id -u)" -eq 0 ] || { echo "# SKIP: needs root"; exit 4; }
[ -e "$KO" ] || { echo "# $KO: no such file"; exit 1; }
echo "TAP version 13"
echo "1..9"
# Whatever an earlier test left mounted would pin the module: name it.
left=$(awk '$3 == "memcglab" { print $2 }' /proc/mounts)
[ -n "$left" ] && echo "# memcglab still mounted by an earlier test: $left"
loaded && rmmod memcglab
check "module not loaded at start" not loaded
check "insmod $KO" insmod "$KO"
check "filesystem type memcglab is registered" fs_registered
mnt=$(mktemp -d)
check "mount -t memcglab" mount -t memcglab none "$mnt"
check "rmmod refused while mounted" not rmmod memcglab
check "umount" umount "$mnt"
check "rmmod" rmmod memcglab
check "filesystem type gone after rmmod" not fs_registered
check "insmod again after rmmod" sh -c "insmod '$KO' && rmmod memcglab"
rmdir "$mnt"
[ "$failed" -eq 0 ]
