#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The tour (docs/tour/*.md) still says what the lab does: each chapter runs
# in a fresh shell; a chapter fails when a command's exit status is not what
# the chapter says, or when a command's output differs from the output the
# chapter shows for this kernel (after the normalisation of
# docs/tour/compare.awk). Each chapter's whole session is printed after an
# "@@CHAPTER name" marker, which `make docs` uses to rewrite the outputs;
# `make docs` puts a file docs-refresh next to this test, and then only the
# exit statuses count.
here=$(dirname "$0")
dir=$here/docs
ls "$dir"/*.sh >/dev/null 2>&1 || { echo "# SKIP: no tour chapters installed"; exit 4; }
KO=${MEMCGLAB_KO:-/lib/memcglab/memcglab.ko}
grep -qw memcglab /proc/filesystems || insmod "$KO" || exit 1
refresh=0
[ -e "$here/docs-refresh" ] && refresh=1
kernel=$(uname -r)
n=0; failed=0
set -- "$dir"/*.sh
echo "TAP version 13"
echo "1..$#"
echo "# @@KERNEL $kernel"
for ch in "$@"; do
	n=$((n + 1))
	name=$(basename "$ch" .sh)
	log=/tmp/docs-$name.log
	sh "$ch" >"$log" 2>&1
	bad=$(awk '/^@@CMD / { want[$2] = $3; cmd = $2 }
		   /^@@RC / { ok = ($3 == 0); if ((want[$2] == "ok") != ok) print $2 }' "$log")
	echo "# @@CHAPTER $name"
	sed 's/^/# /' "$log"
	diff=$(awk -v kernel="$kernel" -f "$dir/compare.awk" "$dir/$name.expect" "$log")
	[ $refresh = 1 ] && diff=""
	if [ -n "$bad" ] || ! grep -q '^@@END' "$log"; then
		echo "not ok $n $name: commands $(echo $bad) did not behave as documented"
		failed=$((failed + 1))
	elif [ -n "$diff" ]; then
		echo "$diff" | sed 's/^/# /'
		echo "not ok $n $name: the output differs from the chapter (make docs)"
		failed=$((failed + 1))
	else
		echo "ok $n $name"
	fi
done
[ "$failed" -eq 0 ]
