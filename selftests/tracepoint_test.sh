#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tracepoint_test.sh - the module's tracepoints (kmod/trace.h, docs/tracing.md)
# through tracefs: enable events/memcglab/*, set a limit, charge, have a
# charge refused by the parent's limit, give pages back and close, and check
# every recorded event with all its fields, in order. TAP inside.

cli=$(command -v memcglab || echo "$(dirname "$0")/memcglab")
ko=${MEMCGLAB_KO:-/lib/memcglab/memcglab.ko}
T=/sys/kernel/tracing
n=0 failed=0

ok() { # description, command...
	d=$1; shift
	n=$((n + 1))
	if "$@" >/tmp/tracepoint_test.out 2>&1; then
		echo "ok $n $d"
	else
		echo "not ok $n $d"
		sed 's/^/# /' /tmp/tracepoint_test.out | head -60
		failed=$((failed + 1))
	fi
}

[ "$(id -u)" -eq 0 ] || { echo "# SKIP: needs root"; exit 4; }
grep -qw memcglab /proc/filesystems || insmod "$ko" || exit 1
grep -qw tracefs /proc/filesystems || { echo "# SKIP: no tracefs in this kernel"; exit 4; }
if [ ! -d $T/events ]; then
	mkdir -p $T && mount -t tracefs tracefs $T || exit 1
fi

fields() { # event, the fields its format must list
	e=$T/events/memcglab/$1/format
	shift
	for f in "$@"; do
		grep -q "field:$f;" "$e" || { echo "$e lacks field $f"; cat "$e"; return 1; }
	done
}
all_fields() {
	fields mlab_charge 'u32 hier' 'u64 id' 'unsigned long nr_pages' 'unsigned long usage' &&
	fields mlab_uncharge 'u32 hier' 'u64 id' 'unsigned long nr_pages' 'unsigned long usage' &&
	fields mlab_charge_fail 'u32 hier' 'u64 id' 'u64 over' 'unsigned long nr_pages' \
		'unsigned long usage' 'unsigned long max' &&
	fields mlab_limit 'u32 hier' 'u64 id' '__data_loc char\[\] name' \
		'unsigned long old' 'unsigned long new'
}
# The events of the trace buffer alone, without the task, cpu and time columns.
events() { sed -n 's/^.*: \(mlab_[a-z_]*: .*\)$/\1/p' $T/trace; }

echo "TAP version 13"
echo "1..5"
ok "tracefs lists the four events with their fields" all_fields

m=$(mktemp -d)
mount -t memcglab -o oom=off none "$m" || exit 1
mkdir "$m/a" "$m/a/b"
hier=$("$cli" -j group show "$m/a" | sed -n 's/.*"hier":\([0-9]*\).*/\1/p')
a=$(stat -c %i "$m/a") b=$(stat -c %i "$m/a/b")
unlimited=$((9223372036854775807 / 4096))

echo 0 >$T/tracing_on
: >$T/trace
echo 1 >$T/events/memcglab/enable
echo 1 >$T/tracing_on
echo 8M >"$m/a/memory.max"
exec 3>"$m/a/b/memcglab.charge"
echo 4M >&3
echo 8M >&3 2>/dev/null
echo -1M >&3
exec 3>&-
echo 0 >$T/events/memcglab/enable
maxev=$(sed -n 's/^max //p' "$m/a/memory.events.local")
events >/tmp/tracepoint_test.got

cat >/tmp/tracepoint_test.want <<EOT
mlab_limit: hier=$hier id=$a max $unlimited -> 2048
mlab_charge: hier=$hier id=$b nr_pages=1024 usage=1024
mlab_charge_fail: hier=$hier id=$b over=$a nr_pages=2048 usage=1024 max=2048
mlab_uncharge: hier=$hier id=$b nr_pages=256 usage=768
mlab_uncharge: hier=$hier id=$b nr_pages=768 usage=0
EOT
# A refused charge is retried after reclaim (docs/reclaim.md): one
# mlab_charge_fail per attempt, as many as a's max events.
fails_match() {
	[ "$maxev" -gt 0 ] && [ "$(grep -c '^mlab_charge_fail' /tmp/tracepoint_test.got)" -eq "$maxev" ]
}
ok "a refused charge records one mlab_charge_fail per max event ($maxev)" fails_match
ok "the recorded events and every field, in order" \
	sh -c "cat /tmp/tracepoint_test.got; uniq /tmp/tracepoint_test.got | diff /tmp/tracepoint_test.want -"

limits() {
	: >$T/trace
	echo 1 >$T/events/memcglab/mlab_limit/enable
	echo 6M >"$m/a/memory.high" && echo 2M >"$m/a/memory.low" && echo 1M >"$m/a/memory.min"
	echo 0 >$T/events/memcglab/mlab_limit/enable
	events >/tmp/tracepoint_test.got
	printf '%s\n' "mlab_limit: hier=$hier id=$a high $unlimited -> 1536" \
		"mlab_limit: hier=$hier id=$a low 0 -> 512" \
		"mlab_limit: hier=$hier id=$a min 0 -> 256" | diff - /tmp/tracepoint_test.got
}
ok "the limit event names the file: high, low, min" limits

filtered() {
	: >$T/trace
	echo 'nr_pages > 100' >$T/events/memcglab/mlab_charge/filter
	echo 1 >$T/events/memcglab/mlab_charge/enable
	exec 4>"$m/a/b/memcglab.charge"
	echo 4K >&4 && echo 1M >&4 && echo 8K >&4
	exec 4>&-
	echo 0 >$T/events/memcglab/mlab_charge/enable
	echo 0 >$T/events/memcglab/mlab_charge/filter
	events >/tmp/tracepoint_test.got
	printf '%s\n' "mlab_charge: hier=$hier id=$b nr_pages=256 usage=257" |
		diff - /tmp/tracepoint_test.got
}
ok "a filter on a field keeps only the matching events (nr_pages > 100)" filtered
rmdir "$m/a/b" "$m/a"
umount "$m" && rmdir "$m"
[ "$failed" -eq 0 ]
