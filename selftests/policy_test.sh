#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# policy_test.sh - charging policy modules (docs/policy.md): each loads,
# registers, is listed, mounts by name and pins its module while mounted;
# the scenario library (against the real memory controller), the stress
# test and the hostile-input tests run with it; then it unloads.  An
# unknown policy name fails the mount with a message that lists the
# available ones.  TAP inside; exit 0 only when every check passed.

dir=$(cd "$(dirname "$0")" && pwd)
cli=$(command -v memcglab || echo "$dir/memcglab")
mods=${MEMCGLAB_POLICY_MODULES:-$dir/modules/$(uname -r)}
ko=${MEMCGLAB_KO:-/lib/memcglab/memcglab.ko}
n=0 failed=0

check() { # description, command...
	d=$1; shift
	n=$((n + 1))
	if "$@" >/tmp/policy_test.out 2>&1; then
		echo "ok $n $d"
	else
		echo "not ok $n $d"
		# What failed, not the first lines: of a comparison, each
		# failing step (its line, its rows) of each scenario that
		# diverged unexpectedly, under its name; of a test, its failed
		# checks and errors.
		awk 'function step() { if (st != "" && bad) out = out "\n" st; st = "" }
		     /######## scenario/ { sc = $0; out = ""; st = ""; next }
		     /^line [0-9]+:/ { step(); st = $0; bad = 0; next }
		     /^-- [0-9]+ step divergence/ { step(); if (/UNEXPECTED/) print sc out "\n" $0; sc = ""; next }
		     st != "" { st = st "\n" $0; if (/DIVERGES|expectation failed/) bad = 1; next }
		     /not ok|FAIL|Expected|first error|^memcglab|rror/' /tmp/policy_test.out |
			head -80 | sed 's/^/# /'
		failed=$((failed + 1))
	fi
}
not() { ! "$@"; }
loaded() { grep -q "^$1 " /proc/modules; }
listed() { "$cli" policy list | grep -Eq "^$1 +$2 "; }
listed_json() {
	"$cli" -j policy list | grep -q "\"name\":\"$1\",\"module\":\"$2\""
}
mounted_with() { grep -q " $1 memcglab .*policy=$2[, ]" /proc/mounts; }
# Charge 10M in a/b, hold it, give it back; rmdir of b drains its stock,
# so a's usage is 0 again. A subshell: the descriptor never outlives it.
charge_cycle() ( # mountpoint
	set -e
	mkdir "$1/a" "$1/a/b"
	exec 3>"$1/a/b/memcglab.charge"
	echo 10M >&3
	[ "$(cat "$1/a/b/memory.current")" -ge 10485760 ]
	[ "$(cat "$1/a/memory.current")" -ge 10485760 ]
	exec 3>&-
	rmdir "$1/a/b"
	[ "$(cat "$1/a/memory.current")" -eq 0 ]
	rmdir "$1/a"
)
unknown_listed() {
	m=$(mktemp -d)
	dmesg -c >/dev/null
	if mount -t memcglab -o policy=nosuch none "$m"; then
		umount "$m"; rmdir "$m"; return 1
	fi
	rmdir "$m"
	dmesg | grep "unknown policy nosuch (available: strict batched locked" |
		grep -q "$1"
}

[ "$(id -u)" -eq 0 ] || { echo "# SKIP: needs root"; exit 4; }
ls "$mods"/memcglab_policy_*.ko >/dev/null 2>&1 ||
	{ echo "# SKIP: no policy modules built for $(uname -r) (make policies KVER=$(uname -r))"; exit 4; }
grep -qw memcglab /proc/filesystems || insmod "$ko" || exit 1

policies="example multistock"
echo "TAP version 13"
echo "1..$((2 + 12 * 2))"
check "built-in policies listed as memcglab's" \
	sh -c "'$cli' policy list | grep -Eq '^strict +memcglab ' &&
	       '$cli' policy list | grep -Eq '^batched +memcglab ' &&
	       '$cli' policy list | grep -Eq '^locked +memcglab '"
for p in $policies; do
	m=memcglab_policy_$p
	loaded $m && rmmod $m
	check "$p: insmod $m.ko" insmod "$mods/$m.ko"
	check "$p: listed with its module" listed $p $m
	check "$p: listed in JSON" listed_json $p $m
	mnt=$(mktemp -d)
	check "$p: mount -o policy=$p" mount -t memcglab -o policy=$p none "$mnt"
	check "$p: /proc/mounts shows policy=$p" mounted_with "$mnt" $p
	check "$p: rmmod $m refused while mounted" not rmmod $m
	check "$p: charge, release, rmdir: usage back to 0" charge_cycle "$mnt"
	check "$p: umount" umount "$mnt"
	rmdir "$mnt"
	check "$p: scenario library matches the real memcg (v2)" \
		"$cli" compare --v2 --policy $p "$dir/scenarios"
	check "$p: stress test" env MEMCGLAB_TEST_POLICY=$p \
		MEMCGLAB_STRESS_SECONDS=${MEMCGLAB_STRESS_SECONDS:-3} \
		"$dir/stress_test"
	check "$p: hostile input tests" env MEMCGLAB_TEST_POLICY=$p \
		"$dir/hostile_test"
	check "$p: rmmod once unused" rmmod $m
done
check "unknown policy: mount fails, message lists what is available" \
	unknown_listed strict
[ "$failed" -eq 0 ]
