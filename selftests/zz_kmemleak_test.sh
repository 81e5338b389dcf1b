#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs last (make check-debug; SKIP on kernels without kmemleak). With every
# memcglab hierarchy unmounted, scan for leaks twice while the module is
# loaded (backtraces name memcglab), then unload it and scan twice more (a
# leaked object's backtrace now points into the freed module text: match it
# by the module's address range). Any memcglab leak fails the test and is
# printed; other suspects are counted but not ours to judge.

KL=/sys/kernel/debug/kmemleak
[ "$(id -u)" -eq 0 ] || { echo "# SKIP: needs root"; exit 4; }
[ -e "$KL" ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
[ -e "$KL" ] || { echo "# SKIP: this kernel has no kmemleak"; exit 4; }

for m in $(awk '$3 == "memcglab" { print $2 }' /proc/mounts | sort -r); do
	umount "$m" || umount -l "$m"
done

scan() { # two scans: an object must look unreferenced twice to be reported
	echo scan >"$KL" && sleep 1 && echo scan >"$KL"
}

failed=0
if grep -q '^memcglab ' /proc/modules; then
	# Base address and size of the module, to recognise its text later.
	set -- $(awk '$1 == "memcglab" { print $6, $2 }' /proc/modules)
	base=${1#0x} size=$2
	sleep 1		# RCU-deferred frees
	scan
	if grep -q '\[memcglab\]' "$KL"; then
		echo "# kmemleak: memcglab objects unreferenced while loaded:"
		sed 's/^/#   /' "$KL" | head -n 120
		failed=1
	fi
	rmmod memcglab || { echo "# rmmod memcglab failed"; exit 1; }
	sleep 1
	scan
	hi=$(echo "$base" | cut -c1-8) lo=$(echo "$base" | cut -c9-16)
	lo_start=$((0x$lo)) lo_end=$((0x$lo + size))
	hits=$(grep -o '\[<[0-9a-f]\{16\}>\]' "$KL" | tr -d '[]<>' | sort -u |
		while read -r a; do
			[ "$(echo "$a" | cut -c1-8)" = "$hi" ] || continue
			v=$((0x$(echo "$a" | cut -c9-16)))
			[ "$v" -ge "$lo_start" ] && [ "$v" -lt "$lo_end" ] && echo "$a"
		done)
	if [ -n "$hits" ]; then
		echo "# kmemleak: objects allocated by the unloaded memcglab ($hits):"
		sed 's/^/#   /' "$KL" | head -n 120
		failed=1
	fi
else
	scan
	if grep -q '\[memcglab\]' "$KL"; then
		sed 's/^/#   /' "$KL" | head -n 120
		failed=1
	fi
fi
n=$(grep -c '^unreferenced object' "$KL")
echo "# kmemleak: $n suspected leaks in total; memcglab: $([ $failed = 0 ] && echo none || echo SOME)"
exit $failed
