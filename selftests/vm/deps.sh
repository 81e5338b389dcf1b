#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh [--newest]         install what memcglab needs (Debian packages, by name)
# deps.sh --build            only what `make` needs (compiler, libmnl)
# deps.sh --has-suite SUITE  exit 0 when the apt sources already name SUITE
# deps.sh --mirror SUITE     print the archive URI the apt sources use for SUITE
#
# Idempotent: when everything is present it returns in a fraction of a
# second, without an apt-get update.
#
# Three target kernels. Debian's 6.1 (bookworm) and 6.12 (bookworm-backports)
# install on the host. With --newest, Debian's newest kernel (its unstable
# suite) goes into a chroot of that suite, build/chroot/unstable, because its
# headers need a newer glibc and gcc than bookworm has: the module for it is
# built in there and the guest boots the chroot's /boot/vmlinuz. The chroot
# is made once and reused; `rm -rf build/chroot` makes the next run fetch
# the then newest kernel.
#
# Every suite is fetched from the mirror the machine's apt sources already
# name for bookworm (or for the suite itself, where one is configured), so no
# host is written down here. A suite configured anywhere (sources.list, any
# .list or .sources file, one-line or deb822) is never added a second time.
# MEMCGLAB_APT_ETC (default /etc/apt) lets the tests point the detection at
# sample sources files.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
APT_ETC=${MEMCGLAB_APT_ETC:-/etc/apt}
CHROOT=${MEMCGLAB_CHROOT:-$top/build/chroot/unstable}

PKGS=(
	build-essential bc bison flex libelf-dev libssl-dev dwarves kmod
	cpio busybox-static qemu-system-x86 sparse clang llvm libclang-rt-14-dev
	libmnl-dev pkg-config xz-utils python3 python3-yaml perl
	linux-source-6.1 debootstrap dkms
)
BUILD_PKGS=(build-essential libmnl-dev pkg-config)
# Inside the chroot: the compiler the newest kernel's headers name, the
# newest kernel's headers and image, and what the lint runs.
CHROOT_PKGS=(make gcc-16 sparse kmod linux-headers-amd64 linux-image-amd64)
BPO_LIST=/etc/apt/sources.list.d/memcglab-backports.sources
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# Every enabled "deb" entry of the apt sources as "URI SUITE" lines: the
# one-line format (sources.list, *.list) and deb822 (*.sources). apt reads
# only files of these names, so neither does this.
apt_entries() {
	local f
	for f in "$APT_ETC/sources.list" "$APT_ETC"/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '{ sub(/#.*/, "") }
		     $1 == "deb" {
			line = $0
			sub(/^[ \t]*deb[ \t]+/, "", line)
			if (line ~ /^\[/)
				sub(/^\[[^]]*\][ \t]*/, "", line)
			split(line, w, /[ \t]+/)
			if (w[1] != "" && w[2] != "")
				print w[1], w[2]
		     }' "$f"
	done
	for f in "$APT_ETC"/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'function flush(   n, m, i, j, u, s) {
			if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled != "no") {
				n = split(uris, u, /[ \t]+/)
				m = split(suites, s, /[ \t]+/)
				for (i = 1; i <= n; i++)
					for (j = 1; j <= m; j++)
						if (u[i] != "" && s[j] != "")
							print u[i], s[j]
			}
			types = uris = suites = enabled = field = ""
		     }
		     /^[ \t]*#/ { next }
		     /^[ \t]*$/ { flush(); next }
		     /^[ \t]/ {
			v = $0; gsub(/^[ \t]+|[ \t]+$/, "", v)
			if (field == "types") types = types " " v
			else if (field == "uris") uris = uris " " v
			else if (field == "suites") suites = suites " " v
			next
		     }
		     {
			i = index($0, ":")
			if (i == 0) next
			field = tolower(substr($0, 1, i - 1))
			v = substr($0, i + 1); gsub(/^[ \t]+|[ \t]+$/, "", v)
			if (field == "types") types = v
			else if (field == "uris") uris = v
			else if (field == "suites") suites = v
			else if (field == "enabled") enabled = tolower(v)
		     }
		     END { flush() }' "$f"
	done
}

has_suite() { apt_entries | awk -v s="$1" '$2 == s { found = 1 } END { exit !found }'; }

# The archive URI to fetch SUITE from: the one the sources use for it, else
# the one they use for bookworm.
mirror_uri() {
	local uri
	uri=$(apt_entries | awk -v s="$1" '$2 == s { print $1; exit }')
	[ -n "$uri" ] || uri=$(apt_entries | awk '$2 == "bookworm" { print $1; exit }')
	echo "$uri"
}

have_kernel() { # $1: version glob, e.g. "6.1.*"
	compgen -G "/boot/vmlinuz-$1" >/dev/null &&
		compgen -G "/lib/modules/$1/build/Makefile" >/dev/null
}

add_backports() {
	has_suite bookworm-backports && return 0
	local uri
	uri=$(mirror_uri bookworm)
	if [ -z "$uri" ]; then
		echo "deps: no bookworm mirror in the apt sources to reuse" >&2
		exit 1
	fi
	printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' \
		"$uri" "$KEYRING" >"$BPO_LIST"
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

# The packages of "$@" that are not installed. One dpkg-query for them
# all: the common case must be fast.
missing() {
	dpkg-query -W -f='${Package} ${db:Status-Status}\n' "$@" 2>/dev/null |
		awk '$2 == "installed" { print $1 }' | sort |
		comm -13 - <(printf '%s\n' "$@" | sort)
}

build_deps() {
	local need=()
	mapfile -t need < <(missing "${BUILD_PKGS[@]}")
	[ ${#need[@]} -eq 0 ] && return 0
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	echo "deps: installing ${need[*]}"
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

host_deps() {
	local need=() want61=1 want612=1 suite img hdr
	mapfile -t need < <(missing "${PKGS[@]}")
	have_kernel '6.1.*' && want61=0
	have_kernel '6.12.*' && want612=0
	[ ${#need[@]} -eq 0 ] && [ $want61 -eq 0 ] && [ $want612 -eq 0 ] && return 0

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
}

chroot_ready() {
	[ -e "$CHROOT/.memcglab-ready" ] &&
		compgen -G "$CHROOT/boot/vmlinuz-*" >/dev/null &&
		compgen -G "$CHROOT/lib/modules/*/build/Makefile" >/dev/null
}

# The unstable chroot with the newest kernel. Built beside its final place
# and renamed at the end, so that an interrupted run leaves nothing that
# looks ready.
newest_deps() {
	chroot_ready && return 0
	local uri tmp=$CHROOT.tmp t0=$SECONDS
	uri=$(mirror_uri unstable)
	if [ -z "$uri" ]; then
		echo "deps: no Debian mirror in the apt sources to reuse for unstable" >&2
		exit 1
	fi
	in_tmp() { bash "$top/selftests/vm/chroot-run.sh" "$tmp" "$@"; }
	rm -rf "$tmp" "$CHROOT"
	mkdir -p "$(dirname "$CHROOT")"
	echo "deps: debootstrap unstable into $CHROOT (a few minutes, once)"
	debootstrap --variant=minbase unstable "$tmp" "$uri" >"$tmp.log" 2>&1 ||
		{ tail -n 20 "$tmp.log" >&2; echo "deps: debootstrap failed (log: $tmp.log)" >&2; exit 1; }
	# A mirror snapshot's unstable Release can be past its Valid-Until:
	# accept that for this one source, nowhere else.
	rm -f "$tmp/etc/apt/sources.list"
	[ -e "$tmp$KEYRING" ] || install -D -m 0644 "$KEYRING" "$tmp$KEYRING"
	printf 'Types: deb\nURIs: %s\nSuites: unstable\nComponents: main\nCheck-Valid-Until: no\nSigned-By: %s\n' \
		"$uri" "$KEYRING" >"$tmp/etc/apt/sources.list.d/debian.sources"
	printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
		>"$tmp/etc/apt/apt.conf.d/90memcglab"
	# The rig boots with its own initramfs: the image's initramfs
	# generator (dracut or initramfs-tools, whichever apt picks) would
	# only spend minutes on an initrd nobody uses, so it runs as true.
	for f in /usr/bin/dracut /usr/sbin/update-initramfs; do
		in_tmp dpkg-divert --quiet --local --rename --add "$f"
		ln -sfn /bin/true "$tmp$f"
	done
	echo "deps: installing ${CHROOT_PKGS[*]} in the chroot"
	{ in_tmp apt-get update -qq &&
	  DEBIAN_FRONTEND=noninteractive in_tmp apt-get install -y -qq "${CHROOT_PKGS[@]}" &&
	  in_tmp apt-get clean; } >>"$tmp.log" 2>&1 ||
		{ tail -n 20 "$tmp.log" >&2; echo "deps: chroot install failed (log: $tmp.log)" >&2; exit 1; }
	touch "$tmp/.memcglab-ready"
	mv "$tmp" "$CHROOT"
	mv "$tmp.log" "$CHROOT.log"
	echo "deps: chroot ready in $((SECONDS - t0)) s: $(cd "$CHROOT/boot" && echo vmlinuz-*)"
}

case "${1:-}" in
--has-suite) has_suite "$2" ;;
--mirror) mirror_uri "$2" ;;
--build) build_deps ;;
--newest) host_deps; newest_deps ;;
"") host_deps ;;
*) echo "usage: $0 [--build | --newest | --has-suite SUITE | --mirror SUITE]" >&2; exit 2 ;;
esac
