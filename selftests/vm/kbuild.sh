#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kbuild.sh KVER DIR [MAKE ARGS...]
# kbuild.sh --check KVER   print why KVER cannot be built for (nothing if it can)
# kbuild.sh --policy KVER SRC OUT   a policy module (docs/policy.md) from
#                           directory SRC, for a kernel that builds in the
#                           chroot, against the memcglab.ko built there; the
#                           .ko goes to OUT
#
# Build memcglab.ko for kernel KVER out of tree, in DIR (build/<kver>/ for
# `make modules`, build/lint/<kver>/ for the lint). Make arguments (C=2 W=1,
# a target) go to kbuild.
#
# A kernel installed on the host builds against /lib/modules/KVER/build (or
# $KDIR), from a tree of symlinks to the sources. Debian's newest kernel
# lives in the chroot that `selftests/vm/deps.sh --newest` makes: its
# headers need the chroot's glibc and gcc, so the sources are copied into
# the chroot (mtimes kept, so that kbuild rebuilds only what changed), the
# module is built in there, and the .ko is copied back to DIR.
#
# A kernel without headers, or one older than 6.1, fails with one line
# that says what to do.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
chroot_dir=${MEMCGLAB_CHROOT:-$top/build/chroot/unstable}

in_chroot() {
	[ -z "${KDIR:-}" ] && [ -e "$chroot_dir/boot/vmlinuz-$1" ] &&
		[ -e "$chroot_dir/usr/src/linux-headers-$1/Makefile" ]
}

# One line that says what to do, for a kernel we cannot build for.
problem() {
	local kdir=${KDIR:-/lib/modules/$1/build}
	if [ "$(printf '%s\n' 6.1 "${1%%-*}" | sort -V | head -n 1)" != 6.1 ]; then
		echo "memcglab: kernel $1 is too old: memcglab supports Linux 6.1 and later"
	elif ! in_chroot "$1" && [ ! -e "$kdir/Makefile" ]; then
		echo "memcglab: no headers for kernel $1 ($kdir is missing): install linux-headers-$1, or run 'make deps' for the kernels the project tests"
	else
		return 1
	fi
}

if [ "${1:-}" = --check ]; then
	problem "$2" || true
	exit 0
fi

# The chroot's copy of this tree's build directory DIR (one per source
# tree: checkouts that share a chroot, through $MEMCGLAB_CHROOT, must not
# build into each other's objects).
inner_rel() {
	echo "memcglab/$(printf '%s' "$top" | md5sum | cut -c1-8)/${1#"$top"/build/}"
}

if [ "${1:-}" = --policy ]; then
	[ $# -eq 4 ] || { echo "usage: $0 --policy KVER SRC OUT" >&2; exit 2; }
	kver=$2 src=$3 out=$4
	in_chroot "$kver" || { echo "kbuild.sh: $kver does not build in the chroot" >&2; exit 1; }
	rel=$(inner_rel "$top/build/$kver")
	prel=$rel/policies/$(basename "$src")
	[ -e "$chroot_dir/$rel/Module.symvers" ] ||
		{ echo "kbuild.sh: build memcglab.ko for $kver first (make modules KVER=$kver)" >&2; exit 1; }
	mkdir -p "$chroot_dir/$prel" "$out"
	cp -p "$src/Kbuild" "$src"/*.[ch] "$chroot_dir/$prel/"
	rm -f "$chroot_dir/$prel"/*.ko
	bash "$top/selftests/vm/chroot-run.sh" "$chroot_dir" make -C "/lib/modules/$kver/build" \
		M="/$prel" MEMCGLAB="/$rel" KBUILD_EXTRA_SYMBOLS="/$rel/Module.symvers" modules
	cp -p "$chroot_dir/$prel"/*.ko "$out/"
	exit 0
fi
[ $# -ge 2 ] || { echo "usage: $0 KVER DIR [MAKE ARGS...]" >&2; exit 2; }
kver=$1 dir=$2
shift 2
if problem "$kver" >&2; then
	exit 1
fi

if in_chroot "$kver"; then
	rel=$(inner_rel "$dir")
	inner=$chroot_dir/$rel
	mkdir -p "$inner/kmod" "$inner/uapi" "$dir"
	for f in "$inner"/kmod/*.[ch]; do
		[ -e "$f" ] || continue
		[ -e "$top/kmod/${f##*/}" ] || rm -f "$f" "${f%.c}.o"
	done
	cp -p "$top/Kbuild" "$inner/"
	cp -p "$top"/kmod/*.[ch] "$inner/kmod/"
	cp -pR "$top/uapi/." "$inner/uapi/"
	rm -f "$inner/memcglab.ko"
	# kbuild runs scripts/checker-valid.sh before C=1/2 since 6.13, but
	# Debian's headers package does not ship it: without it sparse is
	# silently skipped. Ours answers 1 when the checker runs cleanly.
	for d in "$chroot_dir"/usr/src/linux-headers-*-common/scripts; do
		[ -d "$d" ] && [ ! -e "$d/checker-valid.sh" ] || continue
		cat >"$d/checker-valid.sh" <<'EOF'
#!/bin/sh
# memcglab: 1 when the checker ($@) runs without error on a tiny file.
command -v "$1" >/dev/null 2>&1 || { echo 0; exit 0; }
f=$(mktemp --suffix=.c)
echo 'int memcglab_probe(void) { return 0; }' >"$f"
if "$@" "$f" 2>&1 | grep -q error; then echo 0; else echo 1; fi
rm -f "$f"
EOF
		chmod 0755 "$d/checker-valid.sh"
	done
	bash "$top/selftests/vm/chroot-run.sh" "$chroot_dir" make -C "/lib/modules/$kver/build" M="/$rel" "$@"
	if [ -e "$inner/memcglab.ko" ]; then
		cp -p "$inner/memcglab.ko" "$dir/"
	fi
	exit 0
fi

kdir=${KDIR:-/lib/modules/$kver/build}
# A tree of symlinks to the sources, refreshed every time so that added
# and removed files are picked up.
mkdir -p "$dir/kmod"
find "$dir/kmod" -maxdepth 1 -type l ! -exec test -e {} \; -delete
ln -sfn "$top/Kbuild" "$dir/Kbuild"
ln -sfn "$top/uapi" "$dir/uapi"
for f in "$top"/kmod/*.[ch]; do ln -sfn "$f" "$dir/kmod/"; done
exec make -C "$kdir" M="$dir" "$@"
