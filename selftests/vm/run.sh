#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [--mode test|run|shell|bench] [--tests "a b"] [--timeout SECS] [--extra DIR]
#        KVER...
#
# Boot each target kernel in QEMU with the memcglab initramfs and run the
# guest tests (or the main job, or a shell). TAP streams to stdout as the guest
# prints it. A kernel fails when any test fails, the plan is missing or
# short, the guest times out, the module cannot be unloaded at the end, or the
# guest's kernel log holds a splat. Exit status: 0 when every kernel passed.
#
# Real cgroup v1 and v2 memory cannot share a boot (a boot that used one
# keeps memory bound to it through its dying groups), so on a kernel with the
# v1 memory controller the tests in V1_TESTS run again in a second, separate
# boot that is the only one to touch real v1. The guest learns which boot it
# is from memcglab.v1= (MEMCGLAB_V1 in the tests): later (main boot, v1
# follows), now (the v1 boot), none (no v1 memory controller, e.g. 6.12).
#
# KVM is used only where a short probe proved that a KVM guest boots here
# (cached in build/vm/kvm-probe; MEMCGLAB_KVM=0|1 overrides); TCG otherwise.
# A kernel boots from /boot/vmlinuz-KVER, or from the unstable chroot's
# /boot (Debian's newest kernel, selftests/vm/deps.sh --newest).
# MEMCGLAB_VM_MEM is the guest's memory in MiB (default 2048; the scale
# benchmark's 100000 groups want 4096).
# MEMCGLAB_KERNEL_IMAGE boots that image instead (the debug kernel of make
# check-debug; KVER then names its build/KVER/ module).
# MEMCGLAB_VM_OUT is where each boot keeps its initramfs and logs (default
# build/vm, one folder per boot): runs that must not share a folder (the
# rig's and the packaging test's boots, beside the guest tier in make
# check) give their own.
#
# Every boot but the KVM probe gets a scratch disk: a sparse raw image of
# SCRATCH_SIZE (2G) at build/vm/<boot>/scratch.img, made empty for the boot
# and removed after it (only the blocks the guest writes take host space),
# attached as virtio-blk. The guest's /init makes ext4 on it and mounts it at
# /mnt/scratch ($MEMCGLAB_SCRATCH): reclaimable page cache for the real
# memcg, and room for a swap file (scratch-swap). A boot whose scratch disk
# could not be set up fails.
#
# A boot is killed after --timeout seconds (VM_TIMEOUT, default 900): a
# guard against a hung guest, not a budget. The main suite takes 280-350 s
# under TCG with make check's own load and went past 420 s (the old
# default) on a host shared with other guests.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
vmout=${MEMCGLAB_VM_OUT:-$top/build/vm}
mode=test tests="" extra="" timeout=${VM_TIMEOUT:-900} print_cmd=0
while [ $# -gt 0 ]; do
	case "$1" in
	--mode) mode=$2; shift 2 ;;
	--tests) tests=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--extra) extra=$2; shift 2 ;;
	--print-cmd) print_cmd=1; shift ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "run.sh: no kernel given (is a target kernel installed? make deps)" >&2; exit 2; }

SPLAT='WARNING:|BUG:|Oops|kernel BUG|general protection fault|Kernel panic|KASAN|UBSAN|'
SPLAT+='refcount_t:|list_add corruption|list_del corruption|list_debug|'
SPLAT+='possible recursive locking|circular locking dependency|inconsistent lock state|'
SPLAT+='suspicious RCU usage|lockdep is turned off|DEBUG_LOCKS_WARN_ON|kmemleak:.*new suspected|INFO: task .* blocked'

V1_TESTS="files_test compare_test.sh run_test.sh oom_test swap_test trace_test.sh"

chroot_dir=${MEMCGLAB_CHROOT:-$top/build/chroot/unstable}

# kernel_file KVER vmlinuz|config: where that kernel's file is.
kernel_file() {
	if [ -e "/boot/$2-$1" ] || [ ! -e "$chroot_dir/boot/$2-$1" ]; then
		echo "/boot/$2-$1"
	else
		echo "$chroot_dir/boot/$2-$1"
	fi
}

# qemu_cmd KVER INITRAMFS MODE ACCEL [TESTS [V1PHASE]]: the QEMU command
# line, as the array qcmd (every argument one word: -append's value has
# spaces). With scratch_img set, the scratch disk is attached.
scratch_img=""
SCRATCH_SIZE=2G
qemu_cmd() {
	# no_timer_check: on a loaded host a TCG guest can miss the IO-APIC
	# timer probe's deadline and panic ("IO-APIC + timer doesn't work").
	local append="console=ttyS0 panic=-1 mitigations=off no_timer_check memcglab.mode=$3"
	local t=${5:-} disk=()
	[ -n "$t" ] && append+=" memcglab.tests=${t// /,}"
	[ -n "${6:-}" ] && append+=" memcglab.v1=$6"
	if [ -n "$scratch_img" ]; then
		append+=" memcglab.scratch=1"
		disk=(-drive "file=$scratch_img,if=none,id=scratch,format=raw,cache=unsafe"
		      -device virtio-blk-pci,drive=scratch)
	fi
	# One TCG thread for both vCPUs: with a thread per vCPU a vCPU could
	# run a stale translation of kernel text that another had just
	# live-patched (a jump label flipped when tracing starts), and trap on
	# the int3 the kernel had already removed: "Oops: int3" in
	# __schedule() on 7.2. Two vCPUs, one at a time, cannot race so.
	local accel=(-accel tcg,thread=single -cpu max)
	[ "$4" = kvm ] && accel=(-accel kvm -cpu host)
	qcmd=(qemu-system-x86_64 -nodefaults -no-reboot -display none -m "${MEMCGLAB_VM_MEM:-2048}" -smp 2
	      "${accel[@]}" -kernel "${MEMCGLAB_KERNEL_IMAGE:-$(kernel_file "$1" vmlinuz)}"
	      "${disk[@]}" -initrd "$2" -append "$append")
}

# --print-cmd KVER INITRAMFS MODE ACCEL [TESTS [V1PHASE]]: print the QEMU
# command, one argument a line (selftests/vm/host-test.sh checks it);
# MEMCGLAB_PRINT_SCRATCH=IMG prints it with that scratch image attached.
if [ $print_cmd = 1 ]; then
	scratch_img=${MEMCGLAB_PRINT_SCRATCH:-}
	qemu_cmd "$@"
	printf '%s\n' "${qcmd[@]}"
	exit 0
fi

kvm_choice() { # $1 kver, $2 initramfs
	local cache=$top/build/vm/kvm-probe
	case "${MEMCGLAB_KVM:-}" in 0) echo tcg; return ;; 1) echo kvm; return ;; esac
	if [ ! -s "$cache" ]; then
		local verdict=tcg qcmd
		qemu_cmd "$1" "$2" probe kvm
		if [ -w /dev/kvm ] && timeout -k 2 20 "${qcmd[@]}" \
			-monitor none -serial null -serial stdio </dev/null 2>/dev/null |
			grep -q 'memcglab-rig: exit=0'; then
			verdict=kvm
		fi
		mkdir -p "${cache%/*}"
		echo $verdict >"$cache"
	fi
	cat "$cache"
}

# Does this kernel have the cgroup v1 memory controller? (6.12 made it
# optional and Debian turns it off.)
has_v1_memcg() {
	local cfg
	cfg=$(kernel_file "$1" config)
	[ -n "${MEMCGLAB_KERNEL_CONFIG:-}" ] && cfg=$MEMCGLAB_KERNEL_CONFIG
	if [ -e "$cfg" ]; then
		! grep -q '^# CONFIG_MEMCG_V1 is not set' "$cfg"
	else
		[ "$(printf '%s\n' "$1" 6.12 | sort -V | head -n 1)" != 6.12 ]
	fi
}

verdict=()
overall=0
total_pass=0 total_fail=0 total_skip=0

# boot KVER LABEL DIR TESTS V1PHASE: one guest run. Its verdict and TAP
# counts go to DIR/result ("verdict TEXT", "counts PASS FAIL SKIP",
# "failed 0|1") for collect(), so that boots can run side by side.
boot() {
	local kver=$1 label=$2 dir=$3 btests=$4 phase=$5 accel qcmd qrc start secs
	local why=() plan npass=0 nfail=0 nskip=0 splat lock
	mkdir -p "$dir"
	rm -f "$dir/result"
	# Two runs of one kernel would share the initramfs and the logs: the
	# second waits for the first.
	exec {lock}>"$dir.lock"
	if ! flock -n "$lock"; then
		echo "# memcglab-rig: $dir is in use by another run; waiting"
		flock "$lock"
	fi
	if ! bash "$top/selftests/vm/mkinitramfs.sh" "$kver" "$dir/initramfs.cpio" "$extra"; then
		printf 'verdict %s\nfailed 1\n' "$label: FAIL (initramfs)" >"$dir/result"
		exec {lock}>&-; return
	fi
	accel=$(kvm_choice "$kver" "$dir/initramfs.cpio")
	local scratch_img=$dir/scratch.img
	rm -f "$scratch_img"
	truncate -s "$SCRATCH_SIZE" "$scratch_img"
	qemu_cmd "$kver" "$dir/initramfs.cpio" "$mode" "$accel" "$btests" "$phase"
	if [ "$mode" = shell ]; then
		"${qcmd[@]}" -monitor none -serial mon:stdio -serial "file:$dir/ttyS1.log"
		qrc=$?
		rm -f "$scratch_img"
		exit $qrc
	fi

	echo "# memcglab-rig: $label, $accel, mode $mode, timeout ${timeout}s"
	start=$(date +%s)
	: >"$dir/dmesg.log"; : >"$dir/out.log"
	timeout -k 5 "$timeout" "${qcmd[@]}" -monitor none \
		-serial "file:$dir/console.log" -serial stdio </dev/null 2>"$dir/qemu.err" |
		tr -d '\r' |
		awk -v dmesg="$dir/dmesg.log" -v out="$dir/out.log" '
			/^memcglab-rig: dmesg-begin/ { indm = 1; print > out; next }
			/^memcglab-rig: dmesg-end/ { indm = 0 }
			indm { print > dmesg; next }
			{ print; print > out; fflush() }'
	qrc=${PIPESTATUS[0]}
	secs=$(( $(date +%s) - start ))
	rm -f "$scratch_img"

	{ [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; } && why+=("timeout after ${timeout}s")
	grep -q '^memcglab-rig: dmesg-end' "$dir/out.log" || why+=("guest did not finish")
	grep -q '^memcglab-rig: rmmod=failed' "$dir/out.log" && why+=("module would not unload")
	grep -q '^memcglab-rig: scratch=failed' "$dir/out.log" && why+=("scratch disk failed")
	if [ "$mode" = test ]; then
		plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$dir/out.log" | head -n 1)
		npass=$(grep -cE '^ok [0-9]+ ' "$dir/out.log")
		nfail=$(grep -cE '^not ok [0-9]+ ' "$dir/out.log")
		nskip=$(grep -cE '^ok [0-9]+ .*# SKIP' "$dir/out.log")
		npass=$((npass - nskip))
		if [ -z "$plan" ]; then
			why+=("no TAP plan")
		elif [ $((npass + nfail + nskip)) -ne "$plan" ]; then
			why+=("plan 1..$plan but $((npass + nfail + nskip)) results")
		fi
		[ "$nfail" -gt 0 ] && why+=("$nfail failed")
		[ "${plan:-x}" = 0 ] && why+=("no test ran")
	else
		grep -q '^memcglab-rig: exit=0' "$dir/out.log" || why+=("$mode job failed")
	fi
	splat=$(cat "$dir/console.log" "$dir/dmesg.log" | grep -E "$SPLAT" | head -n 5)
	if [ -n "$splat" ]; then
		why+=("kernel splat")
		echo "# memcglab-rig: kernel splat in $label:"
		echo "$splat" | sed 's/^/#   /'
	fi
	{
		echo "counts $npass $nfail $nskip"
		if [ ${#why[@]} -eq 0 ]; then
			echo "verdict $label: PASS (${secs}s, $accel)"
			echo "failed 0"
		else
			echo "verdict $label: FAIL: $(IFS=,; echo "${why[*]}") (${secs}s, logs in $dir)"
			echo "failed 1"
		fi
	} >"$dir/result"
	exec {lock}>&-
}

# collect DIR LABEL: add one boot's result to the summary.
collect() {
	local key rest p f k
	if [ ! -s "$1/result" ]; then
		verdict+=("$2: FAIL (no result)"); overall=1; return
	fi
	while read -r key rest; do
		case "$key" in
		verdict) verdict+=("$rest") ;;
		failed) [ "$rest" = 0 ] || overall=1 ;;
		counts) read -r p f k <<<"$rest"
			total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
			total_skip=$((total_skip + k)) ;;
		esac
	done <"$1/result"
}

# Test boots are queued as "KVER|LABEL|DIR|TESTS|PHASE" and run JOBS at a
# time (MEMCGLAB_VM_JOBS, default: the host's CPUs, at most 3). A TCG guest
# mostly keeps one host CPU busy, so two kernels side by side take little
# longer than one. Each boot's TAP goes to DIR/stream.log and is printed
# whole, in queue order, when that boot is done; with one job it streams.
queue=()
run_queue() {
	local jobs=${MEMCGLAB_VM_JOBS:-$(nproc)} i running=0 pids=() spec
	local kver label dir btests phase
	[ "$jobs" -gt 3 ] && jobs=3
	[ "$jobs" -lt 1 ] && jobs=1
	# Every boot installs the tests; build them once, before the boots
	# run side by side.
	make -s -C "$top/selftests" OUTPUT="$top/build/selftests" all >/dev/null || return 1
	if [ "$jobs" -eq 1 ] || [ ${#queue[@]} -eq 1 ]; then
		for spec in "${queue[@]}"; do
			IFS='|' read -r kver label dir btests phase <<<"$spec"
			boot "$kver" "$label" "$dir" "$btests" "$phase"
			collect "$dir" "$label"
		done
		return
	fi
	for i in "${!queue[@]}"; do
		IFS='|' read -r kver label dir btests phase <<<"${queue[$i]}"
		if [ "$running" -ge "$jobs" ]; then
			wait -n; running=$((running - 1))
		fi
		mkdir -p "$dir"
		boot "$kver" "$label" "$dir" "$btests" "$phase" >"$dir/stream.log" 2>&1 &
		pids[$i]=$!
		running=$((running + 1))
		echo "# memcglab-rig: started $label (log $dir/stream.log)"
	done
	for i in "${!queue[@]}"; do
		IFS='|' read -r kver label dir btests phase <<<"${queue[$i]}"
		wait "${pids[$i]}"
		cat "$dir/stream.log"
		collect "$dir" "$label"
	done
}

for kver in "$@"; do
	if [ "$mode" = run ]; then
		# The main job compares with real v2 here and real v1 in a boot
		# of its own, where the kernel has v1 memcg.
		if has_v1_memcg "$kver"; then
			boot "$kver" "$kver" "$vmout/$kver" "" later
			collect "$vmout/$kver" "$kver"
			boot "$kver" "$kver (v1 boot)" "$vmout/$kver-v1" "" now
			collect "$vmout/$kver-v1" "$kver (v1 boot)"
		else
			boot "$kver" "$kver" "$vmout/$kver" "" none
			collect "$vmout/$kver" "$kver"
		fi
		continue
	fi
	if [ "$mode" != test ]; then
		boot "$kver" "$kver" "$vmout/$kver" "$tests" ""
		collect "$vmout/$kver" "$kver"
		continue
	fi
	if ! has_v1_memcg "$kver"; then
		queue+=("$kver|$kver|$vmout/$kver|$tests|none")
		continue
	fi
	queue+=("$kver|$kver|$vmout/$kver|$tests|later")
done
# The v1 boots (short: the selected tests that use the real v1 controller)
# go after every main boot, so the long boots start first.
for kver in "$@"; do
	[ "$mode" = test ] && has_v1_memcg "$kver" || continue
	v1=""
	for t in $V1_TESTS; do
		if [ -z "$tests" ]; then v1+=" $t"; continue; fi
		for s in $tests; do [ "$s" = "$t" ] && v1+=" $t"; done
	done
	[ -n "$v1" ] && queue+=("$kver|$kver (v1 boot)|$vmout/$kver-v1|${v1# }|now")
done
[ ${#queue[@]} -gt 0 ] && run_queue

echo "# memcglab-rig: summary"
for v in "${verdict[@]}"; do echo "#   $v"; done
[ "$mode" = test ] && echo "vm: $total_pass passed, $total_fail failed, $total_skip skipped"
exit $overall
