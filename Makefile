# SPDX-License-Identifier: GPL-2.0
#
# memcglab: module, tools and tests.
#
#   make               build the module (for KVER) and the tools
#   make run           the main job: boot the guest and show the lab
#   make check         lint + native unit tier + QEMU tier on every target kernel
#   make check-unit    native tier only (counter and policies in userspace)
#   make check-vm      QEMU tier only   [KVERS="..."] [TESTS="fs_test ..."]
#   make check-rig     prove that the rig fails on a failing test, a splat, a hang
#   make vm            interactive guest shell [KVER=...]
#   make deps          install every package the project needs (apt, by name)
#
# KVER is the kernel to build against: the running kernel where its headers
# exist, else the newest Debian kernel installed with headers. KVERS lists
# every target kernel (those with both /boot/vmlinuz-* and a build tree).

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build

KVERS ?= $(shell for d in /lib/modules/*/build/Makefile; do \
		v=$${d#/lib/modules/}; v=$${v%%/*}; \
		[ -e /boot/vmlinuz-$$v ] && echo $$v; done | sort -V)
ifneq ($(wildcard /lib/modules/$(shell uname -r)/build/Makefile),)
KVER ?= $(shell uname -r)
else
KVER ?= $(lastword $(KVERS))
endif
KDIR ?= /lib/modules/$(KVER)/build

LINUX_SRC := $(BUILD)/linux-src
CHECKPATCH := $(LINUX_SRC)/scripts/checkpatch.pl
KMOD_SRCS = $(wildcard kmod/*.c kmod/*.h)

.PHONY: all deps modules modules-all policies tools selftests linux-src lint checkpatch uapi-check \
	sparse check check-unit check-vm check-rig run vm clean help \
	coverage bench fuzz stress check-debug docs install-selftests

all: modules tools

help:
	@sed -n '3,20p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@bash selftests/vm/deps.sh

# Kernel sources we need but never commit: the selftest harness and
# checkpatch, extracted from Debian's linux-source-6.1 tarball.
linux-src: $(LINUX_SRC)/.stamp
$(LINUX_SRC)/.stamp:
	@mkdir -p $(LINUX_SRC)
	tar -xf /usr/src/linux-source-6.1.tar.xz -C $(LINUX_SRC) --strip-components=1 \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h
	@touch $@

# Out-of-tree build in build/<kver>/: a tree of symlinks to the sources,
# refreshed every time so that added and removed files are picked up.
sync_tree = mkdir -p $(1)/kmod && \
	find $(1)/kmod -maxdepth 1 -type l ! -exec test -e {} \; -delete && \
	ln -sfn $(TOP)/Kbuild $(1)/Kbuild && ln -sfn $(TOP)/uapi $(1)/uapi && \
	for f in $(TOP)/kmod/*.[ch]; do ln -sfn $$f $(1)/kmod/; done

modules:
	@$(call sync_tree,$(BUILD)/$(KVER))
	$(MAKE) -C $(KDIR) M=$(BUILD)/$(KVER) modules

modules-all:
	@set -e; for v in $(KVERS); do $(MAKE) --no-print-directory modules policies KVER=$$v; done

# Policy modules (docs/policy.md): policies/*/ and the guide's example, each
# built like any out-of-tree module against memcglab's Module.symvers, in
# build/<kver>/policies/<dir>/.
POLICY_DIRS = $(wildcard policies/*) docs/policy-example
policies: modules
	@set -e; for d in $(POLICY_DIRS); do o=$(BUILD)/$(KVER)/policies/$$(basename $$d); \
		mkdir -p $$o && find $$o -maxdepth 1 -type l -delete; \
		for f in $(TOP)/$$d/Kbuild $(TOP)/$$d/*.[ch]; do ln -sfn $$f $$o/; done; \
		$(MAKE) -C $(KDIR) M=$$o MEMCGLAB=$(TOP) \
			KBUILD_EXTRA_SYMBOLS=$(BUILD)/$(KVER)/Module.symvers modules; done

tools:
	$(MAKE) -C tools/memcglab

selftests: linux-src
	$(MAKE) -C selftests OUTPUT=$(BUILD)/selftests

install-selftests: selftests
	$(MAKE) -C selftests OUTPUT=$(BUILD)/selftests install INSTALL_PATH=$(INSTALL_PATH)

# --- lint -----------------------------------------------------------------

checkpatch: linux-src
	perl $(CHECKPATCH) --strict --no-tree --quiet --show-types \
		-f $(KMOD_SRCS) $(wildcard uapi/linux/*.h policies/*/*.c docs/policy-example/*.c)

# sparse (C=2 checks every file) and W=1, on a scratch tree per kernel, so
# that any warning at all fails the lint.
sparse:
	@set -e; for v in $(KVERS); do \
		d=$(BUILD)/lint/$$v; rm -rf $$d; \
		$(call sync_tree,$$d); \
		echo "  LINT    $$v (C=2 W=1)"; \
		$(MAKE) -s -C /lib/modules/$$v/build M=$$d C=2 W=1 modules >$$d.log 2>&1 || \
			{ cat $$d.log; exit 1; }; \
		if grep -E 'warning:|error:' $$d.log; then exit 1; fi; \
	done

# The netlink spec, uapi header and kmod/netlink.c agree (issue 5).
uapi-check:
	python3 selftests/check-uapi.py

lint: checkpatch sparse uapi-check

# --- tests ----------------------------------------------------------------

check-unit:
	$(MAKE) -C selftests/userspace check

coverage:
	$(MAKE) -C selftests/userspace coverage

check-vm: modules-all tools selftests
	bash selftests/vm/run.sh --mode test $(if $(TESTS),--tests "$(TESTS)") $(KVERS)

check-rig: modules-all tools selftests
	bash selftests/vm/rig-selftest.sh $(firstword $(KVERS))

# The host tiers share nothing (lint builds under build/, the unit tests and
# the fuzzers in their own folders), so they run side by side, each one's
# output kept together; then the guest tiers, whose boots run.sh overlaps.
check: deps
	$(MAKE) --no-print-directory -j3 --output-sync=target lint check-unit check-fuzz
	$(MAKE) --no-print-directory check-rig
	$(MAKE) --no-print-directory check-vm

run: deps
	$(MAKE) --no-print-directory modules-all tools selftests
	bash selftests/vm/run.sh --mode run $(firstword $(KVERS))

# Rewrite the outputs shown in docs/tour/ from a real run in the guest.
docs: modules-all tools selftests
	bash selftests/vm/run.sh --mode test --tests docs_test.sh $(firstword $(KVERS)) || true
	@for md in docs/tour/*.md; do \
		python3 docs/tour/tour.py update $$md build/vm/$(firstword $(KVERS))/out.log; done

vm: deps
	$(MAKE) --no-print-directory modules tools selftests
	bash selftests/vm/run.sh --mode shell $(KVER)

clean:
	rm -rf $(BUILD)
	$(MAKE) -C tools/memcglab clean
	-$(MAKE) -C selftests/userspace clean

# --- reliability (issue 8): fuzzing, stress, debug kernel -------------------
# Owned by the reliability engineer; see docs/testing.md.
#   make fuzz [FUZZ_SECONDS=60]        libFuzzer harnesses, each for FUZZ_SECONDS
#   make check-fuzz                    replay the corpus + 10 s each (in make check)
#   make stress [STRESS_SECONDS=60]    the guest stress test, per policy, every kernel
#   make check-debug [TESTS=...]       the guest suite on the lockdep/KASAN/kmemleak kernel

FUZZ_SECONDS ?= 60
STRESS_SECONDS ?= 60
DEBUG_VM_TIMEOUT ?= 2400

.PHONY: check-fuzz

fuzz:
	$(MAKE) -C selftests/fuzz fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

check-fuzz:
	$(MAKE) -C selftests/fuzz fuzz FUZZ_SECONDS=10

stress: modules-all tools selftests
	@rm -rf $(BUILD)/stress-extra && mkdir -p $(BUILD)/stress-extra/memcglab
	@echo $(STRESS_SECONDS) >$(BUILD)/stress-extra/memcglab/stress_seconds
	@echo timeout=$$(( $(STRESS_SECONDS) * 4 + 120 )) >$(BUILD)/stress-extra/memcglab/settings
	bash selftests/vm/run.sh --mode test --tests stress_test \
		--timeout $$(( $(STRESS_SECONDS) * 4 + 300 )) \
		--extra $(BUILD)/stress-extra $(KVERS)

# KASAN and lockdep under TCG are slow: every test program gets 20 minutes.
check-debug: tools selftests
	@set -e; out=$$(bash selftests/vm/debug-kernel.sh); eval "$$(echo "$$out" | tail -n 3)"; \
	$(MAKE) --no-print-directory modules KVER=$$DEBUG_KVER KDIR=$$DEBUG_KDIR; \
	$(MAKE) --no-print-directory selftests; \
	rm -rf $(BUILD)/debug-extra && mkdir -p $(BUILD)/debug-extra/memcglab; \
	echo timeout=1200 >$(BUILD)/debug-extra/memcglab/settings; \
	MEMCGLAB_KERNEL_IMAGE=$$DEBUG_IMAGE MEMCGLAB_KERNEL_CONFIG=$$DEBUG_KDIR/.config \
	bash selftests/vm/run.sh --mode test \
		--timeout $(DEBUG_VM_TIMEOUT) --extra $(BUILD)/debug-extra \
		$(if $(TESTS),--tests "$(TESTS)") $$DEBUG_KVER

# --- bench (issue 7; selftests/bench, docs/perf.md) -------------------------
# make bench [BENCH_SECONDS=0.5] [BENCH_KVER=...]: the native benchmark of
# counter.c/policy.c, then the in-kernel one in one guest, then one table,
# build/bench/bench.json and build/bench/bench.svg. BENCH_SECONDS is the time
# of every measurement point.
BENCH_SECONDS ?= 0.5
BENCH_KVER ?= $(firstword $(KVERS))
BENCH_OUT := $(BUILD)/bench

bench:
	$(MAKE) --no-print-directory -C selftests/bench run \
		BENCH_SECONDS=$(BENCH_SECONDS) OUTPUT=$(BENCH_OUT)
	$(MAKE) --no-print-directory modules policies tools selftests KVER=$(BENCH_KVER)
	rm -rf $(BENCH_OUT)/guest && mkdir -p $(BENCH_OUT)/guest/bench
	install -m 0755 selftests/bench/guest-bench.sh $(BENCH_OUT)/guest/bench/
	awk 'BEGIN { printf "%d\n", $(BENCH_SECONDS) * 1000 }' >$(BENCH_OUT)/guest/bench/ms
	bash selftests/vm/run.sh --mode bench --extra $(BENCH_OUT)/guest $(BENCH_KVER) \
		>$(BENCH_OUT)/guest.log || { cat $(BENCH_OUT)/guest.log; exit 1; }
	python3 selftests/bench/report.py $(BENCH_OUT) $(BUILD)/vm/$(BENCH_KVER)/out.log \
		| tee $(BENCH_OUT)/table.txt
