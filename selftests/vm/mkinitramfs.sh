#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh KVER OUT.cpio [EXTRA_DIR]
# A busybox initramfs with the module built for KVER, the CLI, the guest tests
# (kselftest install layout under /tests) and every shared library they need.
# EXTRA_DIR, if given, is copied over /tests (the rig's own tests use it).
set -euo pipefail

kver=$1 out=$2 extra=${3:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
stage=$(mktemp -d)
chmod 0755 "$stage"	# the guest's /: unprivileged tests must search it
trap 'rm -rf "$stage"' EXIT

ko=$top/build/$kver/memcglab.ko
[ -e "$ko" ] || { echo "mkinitramfs: $ko: not built" >&2; exit 1; }

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,root,lib/memcglab}
install -m 0755 /bin/busybox "$stage/bin/busybox"
install -m 0755 "$top/selftests/vm/init" "$stage/init"
install -m 0644 "$ko" "$stage/lib/memcglab/memcglab.ko"
install -m 0755 "$top/tools/memcglab/memcglab" "$stage/usr/bin/memcglab"
make -s -C "$top/selftests" OUTPUT="$top/build/selftests" install \
	INSTALL_PATH="$stage/tests" >/dev/null
# The installed directory carries every kernel's module; keep this one only.
find "$stage/tests/memcglab/modules" -mindepth 1 -maxdepth 1 ! -name "$kver" \
	-exec rm -rf {} +
if [ -n "$extra" ]; then cp -a "$extra/." "$stage/tests/"; fi
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
	>"$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$stage/etc/group"
echo 'export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/tests/memcglab PS1="memcglab# "' \
	>"$stage/etc/profile"

# Shared libraries of every ELF program, with the dynamic loader.
find "$stage/usr/bin" "$stage/tests" -type f -perm -u+x | while read -r f; do
	{ ldd "$f" 2>/dev/null || true; } | awk '/=>/ { print $3 } /^\t\// { print $1 }'
done | sort -u | while read -r lib; do
	[ -e "$lib" ] || continue
	mkdir -p "$stage$(dirname "$lib")"
	cp -L "$lib" "$stage$lib"
done

(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
