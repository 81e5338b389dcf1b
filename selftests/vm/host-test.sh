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
# - scenario files: the errors of repeat/together blocks, their unrolling
#   (`memcglab scenario steps`, which parses and runs nothing).
set -uo pipefail
# With pipefail a pipeline fails when its writer dies of SIGPIPE, which it
# does when `grep -q` stops reading at the first match while the writer has
# more to say (seen once: a make check whose host tier ran beside two other
# tiers). A grep that ends a pipeline here reads all of it: >/dev/null.

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
		printf '%s\n' "$out" | grep -- "$2" >/dev/null
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
	bash "$top/selftests/vm/run.sh" --print-cmd "$1" /x.cpio test tcg | grep -x -- "$2" >/dev/null
}
ok "qemu: a host kernel boots from /boot" kernel_path 6.1.0-57-amd64 /boot/vmlinuz-6.1.0-57-amd64
# The scratch disk: a virtio-blk drive of the image, before -append, and
# memcglab.scratch=1 at the end of the one -append argument.
scratch_attached() {
	local args
	mapfile -t args < <(MEMCGLAB_PRINT_SCRATCH=/b/scratch.img bash "$top/selftests/vm/run.sh" \
		--print-cmd 6.1.0-57-amd64 /x.cpio test tcg)
	printf '%s\n' "${args[@]}" | grep -x -- '-drive' >/dev/null &&
		printf '%s\n' "${args[@]}" |
		grep -x -- 'file=/b/scratch.img,if=none,id=scratch,format=raw,cache=unsafe' >/dev/null &&
		printf '%s\n' "${args[@]}" | grep -x -- 'virtio-blk-pci,drive=scratch' >/dev/null &&
		[ "${args[-2]}" = -append ] && [ "${args[-1]% memcglab.scratch=1}" != "${args[-1]}" ]
}
ok "qemu: the scratch disk is attached and announced" scratch_attached
mkdir -p "$tmp/chroot/boot"
touch "$tmp/chroot/boot/vmlinuz-7.2.0-test-amd64"
ok "qemu: the newest kernel boots from the chroot's /boot" env MEMCGLAB_CHROOT="$tmp/chroot" \
	bash -c "bash '$top/selftests/vm/run.sh' --print-cmd 7.2.0-test-amd64 /x.cpio test tcg |
		grep -qx -- '$tmp/chroot/boot/vmlinuz-7.2.0-test-amd64'"

# --- the tour (docs/tour): outputs that cannot drift, the answer checker -----

tour=$top/docs/tour
tour_kernels="6.1.0-57-amd64 6.12.95+deb12-amd64 7.2.13+deb14-amd64"
# tour_cmp CHAPTER.md LOG KVER: the guest's comparison (busybox awk, as in
# the guest) of what CHAPTER.md shows with LOG, a chapter's session.
tour_cmp() {
	python3 "$tour/tour.py" gen "$1" "$tmp/tour.sh" &&
	busybox awk -v kernel="$3" -f "$tour/compare.awk" "$tmp/tour.expect" "$2"
}
# tour_log CHAPTER.md KVER: the session a guest on KVER prints when it
# prints exactly what CHAPTER.md shows (nesting removed).
tour_log() {
	python3 "$tour/tour.py" fakelog "$1" "$2" | sed -n '/@@CHAPTER/,$p' | sed '1d; s/^# //'
}
tour_all_agree() {
	local md k
	for md in "$tour"/[0-9]*.md "$tour"/README.md; do
		python3 "$tour/tour.py" gen "$md" "$tmp/tour.sh" || return 1
		for k in $tour_kernels; do
			tour_log "$md" "$k" >"$tmp/tour.log"
			busybox awk -v kernel="$k" -f "$tour/compare.awk" "$tmp/tour.expect" \
				"$tmp/tour.log" || { echo "$md on $k"; return 1; }
		done
	done
}
ok "tour: every chapter agrees with its own outputs on every kernel" tour_all_agree
# tour_mutated SED CHAPTER KVER: the chapter with one output line changed
# by SED no longer agrees with the session of the unchanged chapter.
tour_mutated() {
	cp "$tour/$2.md" "$tmp/$2.md"
	sed -i "$1" "$tmp/$2.md"
	! cmp -s "$tour/$2.md" "$tmp/$2.md" || { echo "sed changed nothing"; return 1; }
	tour_log "$tour/$2.md" "$3" >"$tmp/tour.log"
	! tour_cmp "$tmp/$2.md" "$tmp/tour.log" "$3"
}
ok "tour: a changed output line fails the comparison" \
	tour_mutated '0,/^10485760$/s//10485761/' 02-charge 6.1.0-57-amd64
ok "tour: a removed output line fails the comparison" \
	tour_mutated '0,/^12582912$/{/^12582912$/d}' 03-limits 6.12.95+deb12-amd64
ok "tour: a changed line in one kernel's output fails on that kernel" \
	tour_mutated '/^@ 6.12.95+deb12-amd64/,/^# /s/reclaim=lru/reclaim=mglru/' 08-reclaim 7.2.13+deb14-amd64
tour_other_kernel() {
	cp "$tour/08-reclaim.md" "$tmp/08-reclaim.md"
	sed -i '/^@ 6.12.95+deb12-amd64/,/^# /s/reclaim=lru/reclaim=mglru/' "$tmp/08-reclaim.md"
	tour_log "$tour/08-reclaim.md" 6.1.0-57-amd64 >"$tmp/tour.log"
	tour_cmp "$tmp/08-reclaim.md" "$tmp/tour.log" 6.1.0-57-amd64
}
ok "tour: ... and not on another kernel" tour_other_kernel
# The normalisation (docs/tour/README.md): temporary names, pids, times and
# the real memcg's rows may differ; a lab row's number may not.
tour_norm() { # shown, printed, expect (0 agree, 1 differ)
	printf '# x\n%s\n' "$1" >"$tmp/n.md"
	sed -i '1i ```console' "$tmp/n.md"; echo '```' >>"$tmp/n.md"
	printf '@@CMD 1 ok\n%s\n@@RC 1 0\n@@END\n' "$2" >"$tmp/n.log"
	tour_cmp "$tmp/n.md" "$tmp/n.log" 6.1.0-57-amd64 >/dev/null
	[ $? -eq "$3" ] || return 1
	# tour.py's copy of the rules (make docs groups outputs with it) agrees.
	[ "$(python3 "$tour/tour.py" norm "$1")" = "$(python3 "$tour/tour.py" norm "$2")" ]
	[ $? -eq "$3" ]
}
tour_norms() {
	tour_norm "/tmp/tmp.AbC123xyz0" "/tmp/tmp.QQQ999zzzz" 0 &&
	tour_norm "pid 203's current affinity mask: 3" "pid 4711's current affinity mask: 3" 0 &&
	tour_norm "real	0m 0.48s" "real	0m 0.61s" 0 &&
	tour_norm "  memcg/v2     12.0M   20M  35  ENOMEM@8.0M" "  memcg/v2       12M   20M 141  ENOMEM@7.9M" 0 &&
	tour_norm "  lab/v2/strict  20M  ok  DIVERGES: usage 20M, reference 268K" \
		"  lab/v2/strict  20M  ok  DIVERGES: usage 20M, reference 312K" 0 &&
	tour_norm "  lab/v2/strict  20M  10M" "  lab/v2/strict  20M  11M" 1 &&
	tour_norm "real	0m 0.48s" "real	1m 0.48s" 1 &&
	tour_norm "/lab/a dev 25 ino 7" "/lab/a dev 27 ino 7" 0 &&
	tour_norm "/lab/a (id 25:7, parent 1)" "/lab/a (id 28:7, parent 1)" 0 &&
	tour_norm "/lab/a (id 25:7, parent 1)" "/lab/a (id 25:8, parent 1)" 1 &&
	tour_norm "mlab_charge: hier=25 id=22 nr_pages=1" "mlab_charge: hier=27 id=22 nr_pages=1" 0 &&
	tour_norm "mlab_charge: hier=25 id=22 nr_pages=1" "mlab_charge: hier=25 id=23 nr_pages=1" 1 &&
	tour_norm "4096" "4097" 1
}
ok "tour: the normalisation masks what it says and nothing else" tour_norms
# make docs's rewrite: the mutated chapter, updated from the unchanged
# chapter's sessions on every kernel, is the unchanged chapter again.
tour_update_restores() {
	local k logs=""
	for md in 02-charge 08-reclaim; do
		cp "$tour/$md.md" "$tmp/$md.md"
		sed -i '0,/^10485760$/s//10485761/; /^@ 6.1.0-57-amd64/,/^# /s/oom=off/oom=kill/' "$tmp/$md.md"
		logs=""
		for k in $tour_kernels; do
			python3 "$tour/tour.py" fakelog "$tour/$md.md" "$k" >"$tmp/$md.$k.log"
			logs="$logs $tmp/$md.$k.log"
		done
		TOUR_KERNELS="$tour_kernels" python3 "$tour/tour.py" update "$tmp/$md.md" $logs &&
		diff "$tour/$md.md" "$tmp/$md.md" || return 1
	done
}
ok "tour: update from the guest's sessions restores a changed chapter" tour_update_restores
# A picture a chapter's command draws in the guest (<!-- svg: N PATH -->):
# the guest script prints it after command N, the comparison does not see
# it, and tour.py svg copies it out of the log (and fails without it).
tour_svg() {
	local md=$tour/14-replay.md k=6.1.0-57-amd64 n
	n=$(sed -n 's/^<!-- svg: \([0-9]*\) .*/\1/p' "$md")
	[ -n "$n" ] || { echo "14-replay declares no svg"; return 1; }
	python3 "$tour/tour.py" gen "$md" "$tmp/tour.sh" &&
	grep -A1 "^echo \"@@RC $n " "$tmp/tour.sh" | grep '^echo "@@SVG"; cat /tmp/' >/dev/null ||
		return 1
	python3 "$tour/tour.py" fakelog "$md" $k >"$tmp/nosvg.log"
	awk -v n="$n" '{ print } $0 ~ "^# @@RC " n " " { print "# @@SVG";
		print "# <svg xmlns=\"http://www.w3.org/2000/svg\"><polyline/>"; print "# </svg>";
		print "# @@SVG-END" }' "$tmp/nosvg.log" >"$tmp/svg.log"
	python3 "$tour/tour.py" svg "$md" "$tmp/svg.log" "$tmp/out.svg" &&
	[ "$(head -c 4 "$tmp/out.svg")" = "<svg" ] && [ "$(wc -l <"$tmp/out.svg")" -eq 2 ] &&
	sed -n '/@@CHAPTER/,$p' "$tmp/svg.log" | sed '1d; s/^# //' >"$tmp/tour.log" &&
	tour_cmp "$md" "$tmp/tour.log" $k &&
	! python3 "$tour/tour.py" svg "$md" "$tmp/nosvg.log" "$tmp/none.svg" 2>/dev/null
}
ok "tour: a picture drawn in the guest is copied out of the log, not compared" tour_svg
# The exercises' checker accepts the right answers (in any unit) and
# rejects wrong ones.
cat >"$tmp/right" <<'EOT'
03-limits 1 no
04-watermarks 3 4194304
06-protection 1 8M
06-protection 3 8192K
08-reclaim 1 7.5M
08-reclaim 2 yes
08-reclaim 3 C, D
09-high 1 500
09-high 2 0
09-high 3 Yes
10-oom 1 x
10-oom 2 2
10-oom 3 20971520
11-policy 1 charge
11-policy 2 36
12-tracing 1 64
12-tracing 2 1
12-tracing 3 2251799813685247
13-swap 1 1024
13-swap 2 0
13-swap 3 2M
14-replay 1 2
14-replay 2 0.849
14-replay 3 36
EOT
tour_answers() { python3 "$tour/tour.py" answers "$1"; }
tour_all_right() {
	tour_answers "$tmp/right" &&
	[ "$(grep -c '^<!-- answer ' "$tour"/[0-9]*.md | awk -F: '{ s += $2 } END { print s }')" = \
		"$(grep -c . "$tmp/right")" ]
}
ok "tour: the checker accepts every right answer (and knows them all)" tour_all_right
ok "tour: ... in another unit" sh -c "echo '08-reclaim 1 7680K' >'$tmp/unit' &&
	python3 '$tour/tour.py' answers '$tmp/unit'"
tour_wrong() { # a line replacing one right answer
	{ grep -v "^${1% *} " "$tmp/right"; echo "$1"; } >"$tmp/wrong"
	! tour_answers "$tmp/wrong" >"$tmp/verdict" && grep -qx "wrong  ${1% *}" "$tmp/verdict"
}
ok "tour: the checker rejects a wrong size" tour_wrong "08-reclaim 1 7.4M"
ok "tour: the checker rejects a wrong word" tour_wrong "08-reclaim 2 no"
ok "tour: the checker rejects a wrong count" tour_wrong "09-high 1 992"
ok "tour: ... and a wrong swap answer" tour_wrong "13-swap 3 4M"
ok "tour: the checker rejects an unknown exercise" not tour_answers <(echo "08-reclaim 9 1")

# --- scenario files: repeat and together blocks ---------------------------

cli=$top/tools/memcglab/memcglab
[ -x "$cli" ] || make -s -C "$top/tools/memcglab" >/dev/null 2>&1
scn() { printf '%s\n' "$@" >"$tmp/x.scn"; }
# parse_fails 'LINE: message' LINES...: the file is refused with exactly that.
parse_fails() {
	local want=$1
	shift
	scn "$@"
	if "$cli" scenario steps "$tmp/x.scn" >/dev/null 2>"$tmp/err"; then
		echo "parsed, but should fail with $want"
		return 1
	fi
	grep -qxF "memcglab: $tmp/x.scn:$want" "$tmp/err" || { cat "$tmp/err"; return 1; }
}
# parse_steps N LINES...: parses, to N steps.
parse_steps() {
	local want=$1
	shift
	scn "$@"
	"$cli" scenario steps "$tmp/x.scn" >"$tmp/steps" || return 1
	grep -q ": $want steps," "$tmp/steps" || { cat "$tmp/steps"; return 1; }
}
H='mkdir a'
ok "scenario: repeat 0 is refused" parse_fails "2: repeat count is 1..10000, not '0'" \
	"$H" 'repeat 0' 'charge a w 1M' end
ok "scenario: repeat 10001 is refused" parse_fails "2: repeat count is 1..10000, not '10001'" \
	"$H" 'repeat 10001' 'charge a w 1M' end
ok "scenario: repeat -1 is refused" parse_fails "2: repeat count is 1..10000, not '-1'" \
	"$H" 'repeat -1' 'charge a w 1M' end
ok "scenario: repeat without a count" parse_fails "2: repeat takes a count: repeat N" \
	"$H" 'repeat' 'charge a w 1M' end
ok "scenario: a repeat without end names its line" parse_fails "2: 'repeat' without 'end'" \
	"$H" 'repeat 2' 'charge a w 1M'
ok "scenario: a together without end names its line" parse_fails "2: 'together' without 'end'" \
	"$H" together 'charge a w 1M'
ok "scenario: an end closes the innermost block" parse_fails "2: 'repeat' without 'end'" \
	"$H" 'repeat 2' together 'charge a w 1M' end
ok "scenario: a stray end" parse_fails "3: 'end' without 'repeat' or 'together'" \
	"$H" 'charge a w 1M' end
ok "scenario: an empty repeat" parse_fails "3: empty repeat block" "$H" 'repeat 2' end
ok "scenario: an empty together" parse_fails "3: empty together block" "$H" together end
ok "scenario: unrolled past the step limit" parse_fails "2: this repeat makes more than 20000 steps" \
	"$H" 'repeat 10000' 'repeat 3' 'charge a w 1M' end end
ok "scenario: together takes charge and uncharge only" \
	parse_fails "3: 'check' in a together block (it takes charge and uncharge steps only)" \
	"$H" together 'check a usage == 0' end
ok "scenario: no repeat inside together" \
	parse_fails "3: 'repeat' in a together block (it takes charge and uncharge steps only)" \
	"$H" together 'repeat 2' 'charge a w 1M' end end
ok "scenario: no together inside together" \
	parse_fails "3: 'together' in a together block (it takes charge and uncharge steps only)" \
	"$H" together together
ok "scenario: one charger twice in a together block" \
	parse_fails "4: charger w appears twice in one together block" \
	"$H" together 'charge a w 1M' 'uncharge w 1M' end
ok "scenario: together and oom kill do not mix" \
	parse_fails "3: 'together' cannot be used with \`oom kill\` (whose kill would be whose?)" \
	'oom kill' "$H" together 'charge a w 1M' end
ok "scenario: => any outside a together block" \
	parse_fails "2: '=> any' is for a charge in a together block" "$H" 'charge a w 1M => any'
ok "scenario: => any on an uncharge" \
	parse_fails "3: '=> any' is for a charge in a together block" \
	"$H" together 'uncharge w 1M => any' end
ok "scenario: no flavour prefix on a block" \
	parse_fails "2: a flavour prefix cannot apply to 'repeat'" "$H" 'v2: repeat 2' 'charge a w 1M' end
ok "scenario: nested repeats unroll" parse_steps 9 \
	"$H" 'repeat 2' 'repeat 3' 'charge a w 1M' end 'check a usage <= 4M' end
ok "scenario: 10000 is the largest repeat" parse_steps 10001 "$H" 'repeat 10000' 'charge a w 4K' end
unrolled_text() {
	scn "$H" 'repeat 2' 'repeat 3' together 'charge a w1 1M' 'v2: charge a w2 1M => any' end \
		end end
	"$cli" -j scenario steps "$tmp/x.scn" >"$tmp/steps" || return 1
	# each copy of the block has an id of its own; each step says which iteration
	grep -qF '"nr_blocks":6,' "$tmp/steps" &&
	grep -qF '{"line":6,"block":6,"step":"together: v2: charge a w2 1M => any [3/3] [2/2]"}' \
		"$tmp/steps" &&
	grep -qF '{"line":5,"block":4,"step":"together: charge a w1 1M [1/3] [2/2]"}' "$tmp/steps" ||
		{ cat "$tmp/steps"; return 1; }
}
ok "scenario: unrolled steps keep their line, say their iteration, get new blocks" unrolled_text
library_parses() {
	local f
	for f in "$top"/selftests/scenarios/*.scn; do
		"$cli" scenario steps "$f" >/dev/null || return 1
	done
}
ok "scenario: every scenario of the library parses" library_parses

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
