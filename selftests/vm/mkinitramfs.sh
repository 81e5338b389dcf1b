#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh KVER OUT.cpio [EXTRA_DIR]
# A busybox initramfs with the module built for KVER, the CLI, the guest tests
# (kselftest install layout under /tests) and every shared library they need.
# EXTRA_DIR, if given, is copied over /tests (the rig's own tests use it).
#
# For the scratch disk (selftests/vm/run.sh attaches it, /init formats and
# mounts it): the kernel modules that virtio-blk and ext4 need on this
# kernel, taken from its own /lib/modules (the host's, or the unstable
# chroot's for Debian's newest kernel) with their dependencies in load
# order, decompressed, and listed in /lib/modules/scratch.order; nothing when
# the kernel has them built in or has no module tree (the debug kernel), and
# mke2fs with its configuration and libraries.
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
# The scratch disk's modules, in the order modprobe would load them.
moddir=/
chroot_dir=${MEMCGLAB_CHROOT:-$top/build/chroot/unstable}
if [ ! -d "/lib/modules/$kver" ] && [ -d "$chroot_dir/lib/modules/$kver" ]; then
	moddir=$chroot_dir
fi
mkdir -p "$stage/lib/modules/scratch"
: >"$stage/lib/modules/scratch.order"
if [ -e "$moddir/lib/modules/$kver/modules.dep" ]; then
	for m in virtio_pci virtio_blk ext4; do
		modprobe -d "$moddir" -S "$kver" --show-depends "$m" ||
			{ echo "mkinitramfs: $kver: modprobe cannot resolve $m" >&2; exit 1; }
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
		name=$(basename "$ko"); name=${name%.xz}; name=${name%.zst}
		case "$ko" in
		*.xz) xz -dc "$ko" >"$stage/lib/modules/scratch/$name" ;;
		*.zst) zstd -qdc "$ko" >"$stage/lib/modules/scratch/$name" ;;
		*) cp "$ko" "$stage/lib/modules/scratch/$name" ;;
		esac
		echo "$name" >>"$stage/lib/modules/scratch.order"
	done
fi
install -m 0755 /sbin/mke2fs "$stage/sbin/mke2fs"
[ -e /etc/mke2fs.conf ] && install -m 0644 /etc/mke2fs.conf "$stage/etc/mke2fs.conf"
install -m 0755 "$top/selftests/vm/scratch-swap" "$stage/usr/sbin/scratch-swap"

printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
	>"$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$stage/etc/group"
echo 'export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/tests/memcglab PS1="memcglab# "' \
	>"$stage/etc/profile"

# Shared libraries of every ELF program, with the dynamic loader.
find "$stage/usr/bin" "$stage/sbin/mke2fs" "$stage/tests" -type f -perm -u+x | while read -r f; do
	{ ldd "$f" 2>/dev/null || true; } | awk '/=>/ { print $3 } /^\t\// { print $1 }'
done | sort -u | while read -r lib; do
	[ -e "$lib" ] || continue
	mkdir -p "$stage$(dirname "$lib")"
	cp -L "$lib" "$stage$lib"
done

(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
