#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pkg-test.sh KVER: packaging, used as another pipeline would use it, from a
# clean copy of the tree (what git tracks or would track: no build/, no
# built CLI). make check-pkg, part of make check. TAP.
#
# 1. `make dkms-source` copies only the module's sources; `dkms build`
#    builds memcglab.ko for KVER from them; DKMS refuses a kernel older
#    than 6.1 (BUILD_EXCLUSIVE_KERNEL) with its message.
# 2. `make install-selftests INSTALL_PATH=DIR` builds what it installs
#    (the tests, the CLI, the module) and lays out a kselftest directory.
# 3. That directory, with DKMS's memcglab.ko as the module for KVER, goes
#    into the guest as /tests: its run_kselftest.sh runs a few tests and a
#    check that the module it loaded is DKMS's.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
kver=${1:?usage: pkg-test.sh KVER}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tree=$tmp/tree inst=$tmp/kselftest
n=0 failed=0 plan=8

ok() { # description, command...
	local d=$1 t0=$SECONDS
	shift
	n=$((n + 1))
	if "$@" >"$tmp/out" 2>&1; then
		echo "ok $n $d ($((SECONDS - t0)) s)"
	else
		echo "not ok $n $d ($((SECONDS - t0)) s)"
		tail -n 40 "$tmp/out" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
}
not() { ! "$@"; }

echo "TAP version 13"
echo "1..$plan"

# A clean tree: the files git tracks or would track, as they are now.
mkdir -p "$tree"
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf -) | tar -xf - -C "$tree"
# The kselftest harness and checkpatch come from /usr/src's linux-source
# tarball, not from the tree: reuse this tree's extraction (decompressing
# the tarball again would cost half a minute of CPU and test nothing).
if [ -e "$top/build/linux-src/.stamp" ]; then
	mkdir -p "$tree/build" && cp -a "$top/build/linux-src" "$tree/build/"
fi

# --- DKMS -------------------------------------------------------------------

ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$tree/dkms.conf")
src=$tmp/src/memcglab-$ver
mkdir -p "$tmp/dkms"
dkms_args=(-m memcglab -v "$ver" --sourcetree "$tmp/src" --dkmstree "$tmp/dkms")
only_sources() {
	make -s -C "$tree" dkms-source DKMS_SRC="$src" &&
		[ -e "$src/dkms.conf" ] && [ -e "$src/kmod/fs.c" ] &&
		[ ! -e "$src/build" ] && [ ! -e "$src/.git" ] &&
		[ ! -e "$src/tools" ] && [ ! -e "$src/docs" ]
}
ok "make dkms-source copies the module's sources only" only_sources
ok "dkms build for $kver from the clean sources" \
	dkms build "${dkms_args[@]}" -k "$kver" --no-depmod
ko=$(find "$tmp/dkms/memcglab/$ver/$kver" -name 'memcglab.ko*' 2>/dev/null | head -n 1)
ok "dkms made memcglab.ko" test -n "$ko"
refuses_old() {
	local out
	out=$(dkms build "${dkms_args[@]}" -k 5.10.0-30-amd64 --no-depmod 2>&1)
	echo "$out"
	grep -q "BUILD_EXCLUSIVE" <<<"$out" &&
		[ ! -e "$tmp/dkms/memcglab/$ver/5.10.0-30-amd64" ]
}
ok "dkms refuses a kernel older than 6.1 (BUILD_EXCLUSIVE_KERNEL)" refuses_old

# --- install-selftests ---------------------------------------------------------

installs() {
	make -s -C "$tree" install-selftests INSTALL_PATH="$inst" KVERS="$kver" &&
		[ -x "$inst/run_kselftest.sh" ] && [ -x "$inst/memcglab/memcglab" ] &&
		[ -e "$inst/memcglab/modules/$kver/memcglab.ko" ] &&
		[ -x "$inst/memcglab/fs_test" ]
}
ok "make install-selftests from a clean tree builds and installs tests, CLI and module" installs

# --- in the guest ----------------------------------------------------------------

# The installed tree is the guest's /tests, with DKMS's module for KVER
# and one more test: that module is the one the tests load.
guest() {
	[ -n "$ko" ] && [ -d "$inst/memcglab" ] || return 1
	case "$ko" in
	*.xz) xz -dc "$ko" >"$inst/memcglab/modules/$kver/memcglab.ko" ;;
	*) cp "$ko" "$inst/memcglab/modules/$kver/memcglab.ko" ;;
	esac
	sha256sum <"$inst/memcglab/modules/$kver/memcglab.ko" | cut -d' ' -f1 \
		>"$inst/memcglab/dkms.sha256"
	cat >"$inst/memcglab/pkg_test.sh" <<'T'
#!/bin/sh
# The module the tests load is DKMS's, and it loads, mounts and unloads.
want=$(cat dkms.sha256)
have=$(sha256sum <"$MEMCGLAB_KO" | cut -d' ' -f1)
echo "# MEMCGLAB_KO=$MEMCGLAB_KO"
[ "$have" = "$want" ] || { echo "# not DKMS's module: $have, want $want"; exit 1; }
insmod "$MEMCGLAB_KO" || exit 1
mkdir -p /tmp/pkg && mount -t memcglab none /tmp/pkg || exit 1
mkdir /tmp/pkg/g && memcglab group tree /tmp/pkg || exit 1
rmdir /tmp/pkg/g && umount /tmp/pkg && rmmod memcglab
T
	chmod +x "$inst/memcglab/pkg_test.sh"
	echo "memcglab:pkg_test.sh" >>"$inst/kselftest-list.txt"
	MEMCGLAB_VM_OUT=$top/build/vm-pkg bash "$top/selftests/vm/run.sh" --extra "$inst" \
		--tests "pkg_test.sh module_test.sh cli_test" "$kver" >"$tmp/guest.log" 2>&1
	local rc=$?
	cat "$tmp/guest.log"
	[ $rc -eq 0 ] && grep -q "^ok .* selftests: memcglab: pkg_test.sh" "$tmp/guest.log"
}
ok "the installed run_kselftest.sh passes in the $kver guest with DKMS's module" guest
ran_installed() { grep -q "selftests: memcglab: cli_test" "$tmp/guest.log"; }
ok "the guest ran the installed tests" ran_installed
ok "dkms built in its own tree, the sources stay clean" not test -e "$src/build"

echo "pkg: $((n - failed)) passed, $failed failed"
[ $failed -eq 0 ] && [ $n -eq $plan ]
