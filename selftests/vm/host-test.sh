#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# host-test.sh: tests of the build scripts themselves, on the host, in
# seconds (make check-host, part of make check). TAP.
#
# - deps.sh finds a suite wherever apt would: sources.list, any *.list or
#   *.sources file, one-line and deb822, with options, several suites or
#   URIs per entry, continuation lines, comments, Enabled: no, and files
#   apt ignores (other extensions). It must not add bookworm-backports a
#   second time (the duplicate made every apt call warn).
# - `make modules KVER=...` for a kernel without headers, or one too old,
#   fails with one line that says what to install.
# - `make help` lists every target of the Makefile.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# What a user sees, not what a parent make passes down (make check).
unset MAKEFLAGS MFLAGS MAKELEVEL
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

ok() { # description, command...
	local d=$1
	shift
	n=$((n + 1))
	if "$@" >"$tmp/out" 2>&1; then
		echo "ok $n $d"
	else
		echo "not ok $n $d"
		sed 's/^/# /' "$tmp/out"
		failed=$((failed + 1))
	fi
}
not() { ! "$@"; }

# --- apt source detection -------------------------------------------------

# etc NAME: a fresh sample /etc/apt in $tmp/NAME.
etc() { rm -rf "$tmp/$1"; mkdir -p "$tmp/$1/sources.list.d"; echo "$tmp/$1"; }
has() { MEMCGLAB_APT_ETC=$1 bash "$top/selftests/vm/deps.sh" --has-suite "$2"; }
mirror() { [ "$(MEMCGLAB_APT_ETC=$1 bash "$top/selftests/vm/deps.sh" --mirror "$2")" = "$3" ]; }

e=$(etc oneline)
cat >"$e/sources.list" <<'S'
# deb http://old.example/debian bookworm-backports main
deb http://m.example/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://m.example/debian bookworm-backports main contrib
deb-src http://m.example/debian unstable main
S
ok "one-line sources.list: the suite is found" has "$e" bookworm-backports
ok "one-line: a deb-src entry is not a deb source" not has "$e" unstable
ok "one-line: the bookworm mirror is reused" mirror "$e" bookworm http://m.example/debian

e=$(etc otherlist)
echo 'deb http://m.example/debian bookworm main' >"$e/sources.list"
echo 'deb     http://b.example/debian   bookworm-backports main  # ours' \
	>"$e/sources.list.d/backports.list"
ok "one-line, in a .list file of another name" has "$e" bookworm-backports

e=$(etc deb822)
cat >"$e/sources.list.d/debian.sources" <<'S'
Types: deb deb-src
# a comment inside the stanza
URIs: http://m.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://m.example/debian
Suites: bookworm-updates
  bookworm-backports
Components: main
S
ok "deb822: a suite on a continuation line is found" has "$e" bookworm-backports
ok "deb822: the bookworm mirror is reused" mirror "$e" bookworm http://m.example/debian
ok "deb822: a suite named nowhere is not found" not has "$e" unstable

e=$(etc disabled)
cat >"$e/sources.list.d/sid.sources" <<'S'
Types: deb
URIs: http://s.example/debian
Suites: unstable
Components: main
Enabled: no
S
echo 'deb http://x.example/debian bookworm-backports main' \
	>"$e/sources.list.d/bpo.list.disabled"
ok "deb822: Enabled: no is not a source" not has "$e" unstable
ok "a file apt ignores (.list.disabled) is not read" not has "$e" bookworm-backports

e=$(etc sid)
printf 'Types: deb\nURIs: http://s.example/debian\nSuites: sid unstable\nComponents: main\n' \
	>"$e/sources.list.d/sid.sources"
echo 'deb http://m.example/debian bookworm main' >"$e/sources.list"
ok "unstable configured: the chroot uses its mirror" mirror "$e" unstable http://s.example/debian
e=$(etc nosid)
echo 'deb http://m.example/debian bookworm main' >"$e/sources.list"
ok "unstable not configured: the chroot uses the bookworm mirror" \
	mirror "$e" unstable http://m.example/debian

# --- make's messages --------------------------------------------------------

one_line() { # expect exit != 0, exactly one line on stderr naming $2
	local out
	out=$(make -s -C "$top" modules KVER="$1" 2>&1 >/dev/null) && return 1
	echo "$out"
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
		printf '%s\n' "$out" | grep -q -- "$2"
}
ok "make modules for a kernel without headers: one line naming the package" \
	one_line 6.99.0-1-amd64 "install linux-headers-6.99.0-1-amd64"
ok "make modules for a kernel older than 6.1: one line" one_line 5.10.0-30-amd64 "6.1 and later"

# --- the QEMU command ------------------------------------------------------

# The kernel command line is one argument of -append, whatever it holds
# (the KVM probe once lost memcglab.mode=probe to word splitting).
append_is_one_word() {
	local args
	mapfile -t args < <(bash "$top/selftests/vm/run.sh" --print-cmd "$1" /x.cpio "$2" kvm "$3" now)
	local i
	for i in "${!args[@]}"; do
		[ "${args[$i]}" = -append ] || continue
		echo "append: ${args[$((i + 1))]}"
		[ "${args[$((i + 1))]}" = "console=ttyS0 panic=-1 mitigations=off no_timer_check memcglab.mode=$2$4 memcglab.v1=now" ] &&
			[ "${args[$((i + 2))]:-}" = "" ]
		return
	done
	return 1
}
ok "qemu: the probe's -append is one argument" append_is_one_word 6.1.0-57-amd64 probe "" ""
ok "qemu: tests in -append, comma-separated, one argument" \
	append_is_one_word 6.1.0-57-amd64 test "fs_test cli_test" " memcglab.tests=fs_test,cli_test"
kernel_path() {
	bash "$top/selftests/vm/run.sh" --print-cmd "$1" /x.cpio test tcg | grep -qx -- "$2"
}
ok "qemu: a host kernel boots from /boot" kernel_path 6.1.0-57-amd64 /boot/vmlinuz-6.1.0-57-amd64
# The scratch disk: a virtio-blk drive of the image, before -append, and
# memcglab.scratch=1 at the end of the one -append argument.
scratch_attached() {
	local args
	mapfile -t args < <(MEMCGLAB_PRINT_SCRATCH=/b/scratch.img bash "$top/selftests/vm/run.sh" \
		--print-cmd 6.1.0-57-amd64 /x.cpio test tcg)
	printf '%s\n' "${args[@]}" | grep -qx -- '-drive' &&
		printf '%s\n' "${args[@]}" | grep -qx -- 'file=/b/scratch.img,if=none,id=scratch,format=raw,cache=unsafe' &&
		printf '%s\n' "${args[@]}" | grep -qx -- 'virtio-blk-pci,drive=scratch' &&
		[ "${args[-2]}" = -append ] && [ "${args[-1]% memcglab.scratch=1}" != "${args[-1]}" ]
}
ok "qemu: the scratch disk is attached and announced" scratch_attached
mkdir -p "$tmp/chroot/boot"
touch "$tmp/chroot/boot/vmlinuz-7.2.0-test-amd64"
ok "qemu: the newest kernel boots from the chroot's /boot" env MEMCGLAB_CHROOT="$tmp/chroot" \
	bash -c "bash '$top/selftests/vm/run.sh' --print-cmd 7.2.0-test-amd64 /x.cpio test tcg |
		grep -qx -- '$tmp/chroot/boot/vmlinuz-7.2.0-test-amd64'"

# --- make help --------------------------------------------------------------

help_lists_all() {
	local t missing=0 help
	help=$(make -s -C "$top" help)
	# make's own database names every .PHONY target.
	for t in $(make -C "$top" -pRrq : 2>/dev/null | sed -n 's/^\.PHONY: //p'); do
		grep -q "^  make $t " <<<"$help" || { echo "missing: $t"; missing=1; }
	done
	[ $missing -eq 0 ]
}
ok "make help lists every phony target" help_lists_all

echo "1..$n"
echo "host: $((n - failed)) passed, $failed failed"
[ $failed -eq 0 ]
