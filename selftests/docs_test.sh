#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Every command shown in the tour (docs/tour/*.md) still works: each chapter
# runs in a fresh shell, and a command fails the chapter when its exit status
# is not what the chapter says. Each chapter's whole session is printed after
# an "@@CHAPTER name" marker, which `make docs` uses to rewrite the outputs.
dir=$(dirname "$0")/docs
ls "$dir"/*.sh >/dev/null 2>&1 || { echo "# SKIP: no tour chapters installed"; exit 4; }
KO=${MEMCGLAB_KO:-/lib/memcglab/memcglab.ko}
grep -qw memcglab /proc/filesystems || insmod "$KO" || exit 1
n=0; failed=0
set -- "$dir"/*.sh
echo "TAP version 13"
echo "1..$#"
for ch in "$@"; do
	n=$((n + 1))
	name=$(basename "$ch" .sh)
	log=/tmp/docs-$name.log
	sh "$ch" >"$log" 2>&1
	bad=$(awk '/^@@CMD / { want[$2] = $3; cmd = $2 }
		   /^@@RC / { ok = ($3 == 0); if ((want[$2] == "ok") != ok) print $2 }' "$log")
	echo "# @@CHAPTER $name"
	sed 's/^/# /' "$log"
	if [ -z "$bad" ] && grep -q '^@@END' "$log"; then
		echo "ok $n $name"
	else
		echo "not ok $n $name: commands $(echo $bad) did not behave as documented"
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
