#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install everything memcglab needs, by Debian package name. Idempotent: when
# everything is present it returns in a fraction of a second.
#
# Two target kernels: Debian's 6.1 (bookworm) and 6.12 (bookworm-backports).
# The backports suite is added by reusing the mirror that the machine's apt
# sources already name, so no registry host is written down here. Each
# kernel's linux-image-amd64/linux-headers-amd64 metapackage is resolved to
# the versioned packages it depends on, so both kernels can be installed side
# by side whatever the metapackages currently point at.
set -euo pipefail

PKGS=(
	build-essential bc bison flex libelf-dev libssl-dev dwarves kmod
	cpio busybox-static qemu-system-x86 sparse clang llvm libclang-rt-14-dev
	libmnl-dev pkg-config xz-utils python3 python3-yaml perl
	linux-source-6.1
)
BPO_LIST=/etc/apt/sources.list.d/memcglab-backports.sources

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
have_kernel() { # $1: version glob, e.g. "6.1.*"
	compgen -G "/boot/vmlinuz-$1" >/dev/null &&
		compgen -G "/lib/modules/$1/build/Makefile" >/dev/null
}

mirror_uri() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		uri=$(awk '/^URIs:/ { u = $2 }
			   /^Suites:/ && / bookworm( |$)/ { print u; exit }' "$f")
		if [ -n "$uri" ]; then echo "$uri"; return; fi
	done
	awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' \
		/etc/apt/sources.list 2>/dev/null || true
}

add_backports() {
	[ -e "$BPO_LIST" ] && return 0
	local uri
	uri=$(mirror_uri)
	if [ -z "$uri" ]; then
		echo "deps: no bookworm mirror in the apt sources to reuse" >&2
		exit 1
	fi
	printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$uri" >"$BPO_LIST"
}

# $1: metapackage, $2: "bpo" for the backports version, "main" otherwise.
resolve() {
	local ver
	ver=$(apt-cache madison "$1" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' |
	      if [ "$2" = bpo ]; then grep bpo; else grep -v bpo; fi | head -n 1)
	[ -n "$ver" ] || return 1
	apt-cache show "$1=$ver" | awk '/^Depends:/ { print; exit }' |
		grep -o "${1%-amd64}-[0-9][^ ,]*" | head -n 1
}

need=()
for p in "${PKGS[@]}"; do have_pkg "$p" || need+=("$p"); done
want61=1; want612=1
have_kernel '6.1.*' && want61=0
have_kernel '6.12.*' && want612=0
[ ${#need[@]} -eq 0 ] && [ $want61 -eq 0 ] && [ $want612 -eq 0 ] && exit 0

export DEBIAN_FRONTEND=noninteractive
add_backports
apt-get update -qq
for suite in main bpo; do
	[ $suite = main ] && [ $want61 -eq 0 ] && continue
	[ $suite = bpo ] && [ $want612 -eq 0 ] && continue
	img=$(resolve linux-image-amd64 $suite) || true
	hdr=$(resolve linux-headers-amd64 $suite) || true
	if [ -z "$img" ] || [ -z "$hdr" ]; then
		echo "deps: cannot resolve the $suite kernel packages" >&2
		exit 1
	fi
	need+=("$img" "$hdr")
done
echo "deps: installing ${need[*]}"
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
