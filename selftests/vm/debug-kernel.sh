#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh [--print]
#
# Build (or reuse) the memcglab debug kernel: Debian's linux-source-6.1,
# x86_64_defconfig plus selftests/config (lockdep, KASAN, kmemleak, ...),
# built in a cache outside the tree so that `make clean` keeps it and every
# checkout shares it. The build is reused while the fragment, the source
# tarball and this script are unchanged. The tree is prepared for
# out-of-tree modules (full build, so Module.symvers is complete).
#
# On success the last three lines of stdout are shell assignments:
#   DEBUG_KVER=<kernelrelease> DEBUG_KDIR=<build tree> DEBUG_IMAGE=<bzImage>
# --print only prints them (fails when no valid build is cached).
#
# Environment: MEMCGLAB_DEBUG_CACHE (default /var/cache/memcglab/linux-debug-6.1),
# DEBUG_JOBS (default 2). The build runs under nice -n 19.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${MEMCGLAB_DEBUG_CACHE:-/var/cache/memcglab/linux-debug-6.1}
tarball=/usr/src/linux-source-6.1.tar.xz
fragment=$top/selftests/config
jobs=${DEBUG_JOBS:-2}
src=$cache/src

say() { echo "debug-kernel: $*" >&2; }

[ -r "$tarball" ] || { say "$tarball missing (make deps installs linux-source-6.1)"; exit 1; }
key=$( { sha256sum <"$fragment"; stat -c '%s %Y' "$tarball"; sha256sum <"$0"; } |
	sha256sum | cut -c1-16)

emit() {
	local rel
	rel=$(cat "$src/include/config/kernel.release")
	echo "DEBUG_KVER=$rel"
	echo "DEBUG_KDIR=$src"
	echo "DEBUG_IMAGE=$src/arch/x86/boot/bzImage"
}

if [ -f "$cache/stamp" ] && [ "$(cat "$cache/stamp")" = "$key" ] &&
   [ -s "$src/arch/x86/boot/bzImage" ] && [ -s "$src/Module.symvers" ]; then
	say "reusing $src (key $key, built in $(cat "$cache/build-seconds" 2>/dev/null || echo '?')s)"
	emit
	exit 0
fi
[ "${1:-}" = --print ] && { say "no valid build in $cache"; exit 1; }

mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9
rm -f "$cache/stamp"
start=$(date +%s)
if [ ! -f "$src/.extracted" ]; then
	say "extracting $tarball into $src"
	rm -rf "$src"
	mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
	touch "$src/.extracted"
fi

mk() { nice -n 19 make -C "$src" -j"$jobs" "$@"; }

say "configuring: x86_64_defconfig + $fragment"
mk -s x86_64_defconfig >&2
(cd "$src" && KCONFIG_CONFIG=.config ./scripts/kconfig/merge_config.sh -m .config "$fragment") >&2
mk -s olddefconfig >&2

# Every line of the fragment must hold in the final .config.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line; opt=${line%%=*} ;;
	"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *}; want="" ;;
	*) continue ;;
	esac
	have=$(grep -E "^$opt=" "$src/.config" || true)
	if [ "$have" != "$want" ]; then
		say "config: wanted '${want:-$opt unset}', got '${have:-unset}'"
		bad=1
	fi
done <"$fragment"
[ $bad -eq 0 ] || { say "the fragment does not apply cleanly"; exit 1; }

say "building bzImage and modules (nice 19, -j$jobs); log in $cache/build.log"
if ! mk bzImage modules >"$cache/build.log" 2>&1; then
	tail -n 40 "$cache/build.log" >&2
	exit 1
fi
secs=$(( $(date +%s) - start ))
echo "$secs" >"$cache/build-seconds"
echo "$key" >"$cache/stamp"
say "built $(cat "$src/include/config/kernel.release") in ${secs}s"
emit
