#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [--mode test|run|shell] [--tests "a b"] [--timeout SECS] [--extra DIR]
#        KVER...
#
# Boot each target kernel in QEMU with the memcglab initramfs and run the
# guest tests (or the main job, or a shell). TAP streams to stdout as the guest
# prints it. A kernel fails when any test fails, the plan is missing or
# short, the guest times out, the module cannot be unloaded at the end, or the
# guest's kernel log holds a splat. Exit status: 0 when every kernel passed.
#
# KVM is used only where a short probe proved that a KVM guest boots here
# (cached in build/vm/kvm-probe; MEMCGLAB_KVM=0|1 overrides); TCG otherwise.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
mode=test tests="" extra="" timeout=${VM_TIMEOUT:-420}
while [ $# -gt 0 ]; do
	case "$1" in
	--mode) mode=$2; shift 2 ;;
	--tests) tests=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--extra) extra=$2; shift 2 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "run.sh: no kernel given (is a target kernel installed? make deps)" >&2; exit 2; }

SPLAT='WARNING:|BUG:|Oops|kernel BUG|general protection fault|Kernel panic|KASAN|UBSAN|'
SPLAT+='refcount_t:|list_add corruption|list_del corruption|list_debug|'
SPLAT+='possible recursive locking|circular locking dependency|inconsistent lock state|'
SPLAT+='suspicious RCU usage|lockdep|kmemleak:.*new suspected|INFO: task .* blocked'

qemu_base() { # $1 kver, $2 initramfs, $3 mode, $4 accel
	local append="console=ttyS0 panic=-1 mitigations=off memcglab.mode=$3"
	[ -n "$tests" ] && append+=" memcglab.tests=$(echo $tests | tr ' ' ,)"
	local accel=(-accel tcg -cpu max)
	[ "$4" = kvm ] && accel=(-accel kvm -cpu host)
	echo qemu-system-x86_64 -nodefaults -no-reboot -display none -m 2048 -smp 2 \
		"${accel[@]}" -kernel "/boot/vmlinuz-$1" -initrd "$2" -append "\"$append\""
}

kvm_choice() { # $1 kver, $2 initramfs
	local cache=$top/build/vm/kvm-probe
	case "${MEMCGLAB_KVM:-}" in 0) echo tcg; return ;; 1) echo kvm; return ;; esac
	if [ ! -s "$cache" ]; then
		local verdict=tcg
		if [ -w /dev/kvm ] && timeout -k 2 20 $(eval echo $(qemu_base "$1" "$2" probe kvm)) \
			-monitor none -serial null -serial stdio </dev/null 2>/dev/null |
			grep -q 'memcglab-rig: exit=0'; then
			verdict=kvm
		fi
		echo $verdict >"$cache"
	fi
	cat "$cache"
}

verdict=()
overall=0
total_pass=0 total_fail=0 total_skip=0
for kver in "$@"; do
	dir=$top/build/vm/$kver
	mkdir -p "$dir"
	if ! bash "$top/selftests/vm/mkinitramfs.sh" "$kver" "$dir/initramfs.cpio" "$extra"; then
		verdict+=("$kver: FAIL (initramfs)"); overall=1; continue
	fi
	accel=$(kvm_choice "$kver" "$dir/initramfs.cpio")
	eval "cmd=($(qemu_base "$kver" "$dir/initramfs.cpio" "$mode" "$accel"))"
	if [ "$mode" = shell ]; then
		"${cmd[@]}" -monitor none -serial mon:stdio -serial "file:$dir/ttyS1.log"
		exit $?
	fi

	echo "# memcglab-rig: kernel $kver, $accel, mode $mode, timeout ${timeout}s"
	start=$(date +%s)
	: >"$dir/dmesg.log"; : >"$dir/out.log"
	timeout -k 5 "$timeout" "${cmd[@]}" -monitor none \
		-serial "file:$dir/console.log" -serial stdio </dev/null 2>"$dir/qemu.err" |
		tr -d '\r' |
		awk -v dmesg="$dir/dmesg.log" -v out="$dir/out.log" '
			/^memcglab-rig: dmesg-begin/ { indm = 1; print > out; next }
			/^memcglab-rig: dmesg-end/ { indm = 0 }
			indm { print > dmesg; next }
			{ print; print > out; fflush() }'
	qrc=${PIPESTATUS[0]}
	secs=$(( $(date +%s) - start ))

	why=()
	[ "$qrc" = 124 ] || [ "$qrc" = 137 ] && why+=("timeout after ${timeout}s")
	grep -q '^memcglab-rig: dmesg-end' "$dir/out.log" || why+=("guest did not finish")
	grep -q '^memcglab-rig: rmmod=failed' "$dir/out.log" && why+=("module would not unload")
	if [ "$mode" = test ]; then
		plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$dir/out.log" | head -n 1)
		npass=$(grep -cE '^ok [0-9]+ ' "$dir/out.log")
		nfail=$(grep -cE '^not ok [0-9]+ ' "$dir/out.log")
		nskip=$(grep -cE '^ok [0-9]+ .*# SKIP' "$dir/out.log")
		npass=$((npass - nskip))
		total_pass=$((total_pass + npass)) total_fail=$((total_fail + nfail))
		total_skip=$((total_skip + nskip))
		if [ -z "$plan" ]; then
			why+=("no TAP plan")
		elif [ $((npass + nfail + nskip)) -ne "$plan" ]; then
			why+=("plan 1..$plan but $((npass + nfail + nskip)) results")
		fi
		[ "$nfail" -gt 0 ] && why+=("$nfail failed")
		[ "${plan:-x}" = 0 ] && why+=("no test ran")
	else
		grep -q '^memcglab-rig: exit=0' "$dir/out.log" || why+=("main job failed")
	fi
	if splat=$(cat "$dir/console.log" "$dir/dmesg.log" | grep -E "$SPLAT" | head -n 5) &&
	   [ -n "$splat" ]; then
		why+=("kernel splat")
		echo "# memcglab-rig: kernel splat on $kver:"
		echo "$splat" | sed 's/^/#   /'
	fi
	if [ ${#why[@]} -eq 0 ]; then
		verdict+=("$kver: PASS (${secs}s, $accel)")
	else
		overall=1
		verdict+=("$kver: FAIL: $(IFS=,; echo "${why[*]}") (${secs}s, logs in $dir)")
	fi
done

echo "# memcglab-rig: summary"
for v in "${verdict[@]}"; do echo "#   $v"; done
[ "$mode" = test ] && echo "vm: $total_pass passed, $total_fail failed, $total_skip skipped"
exit $overall
