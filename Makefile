# SPDX-License-Identifier: GPL-2.0
#
# memcglab: module, tools and tests. `make help` lists every target.
#
# KVER is the kernel to build against: the running kernel where its headers
# exist, else the newest kernel installed on the host with headers. KVERS
# lists every target kernel: those installed on the host (/boot/vmlinuz-*
# and a build tree) and Debian's newest, in the chroot build/chroot/unstable
# that `make deps-newest` makes (its module builds in there).

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
# The unstable chroot: MEMCGLAB_CHROOT shares one between trees.
CHROOT := $(or $(MEMCGLAB_CHROOT),$(BUILD)/chroot/unstable)

# Recursive variables: evaluated where used, so that a target that first
# installs a kernel sees it.
HOST_KVERS = $(shell for d in /lib/modules/*/build/Makefile; do \
		v=$${d#/lib/modules/}; v=$${v%%/*}; \
		[ -e /boot/vmlinuz-$$v ] && echo $$v; done | sort -V)
NEWEST_KVERS = $(shell [ -e $(CHROOT)/.memcglab-ready ] && \
		for f in $(CHROOT)/boot/vmlinuz-*; do v=$$(basename $$f | cut -d- -f2-); \
		[ -e $(CHROOT)/usr/src/linux-headers-$$v/Makefile ] && echo $$v; done | sort -V)
KVERS ?= $(shell printf '%s\n' $(HOST_KVERS) $(NEWEST_KVERS) | sort -V)
ifneq ($(wildcard /lib/modules/$(shell uname -r)/build/Makefile),)
KVER ?= $(shell uname -r)
else
KVER ?= $(lastword $(HOST_KVERS))
endif

LINUX_SRC := $(BUILD)/linux-src
CHECKPATCH := $(LINUX_SRC)/scripts/checkpatch.pl
KERNEL_DOC := $(LINUX_SRC)/scripts/kernel-doc
KMOD_SRCS = $(wildcard kmod/*.c kmod/*.h)

.PHONY: all deps deps-build deps-newest modules modules-all policies tools selftests \
	linux-src lint checkpatch kernel-doc uapi-check sparse check check-unit check-host check-vm \
	check-rig check-pkg guest-tier rig-pkg-tier run vm clean distclean help coverage bench fuzz fuzz-guest stress \
	check-debug docs tour-check install-selftests modules-host dkms-source dkms-install

all: deps-build modules tools ## build the module for KVER and the CLI

# `make help`: every target with the text after its "##".
help: ## this list
	@awk -F ':.*## ' '/^[a-z][a-z-]*:.*## / { printf "  make %-18s %s\n", $$1, $$2 }' \
		$(MAKEFILE_LIST)

# Every public target first installs what it needs (deps.sh returns at
# once when nothing is missing).
deps: ## install the packages and the 6.1 and 6.12 kernels (apt, by name)
	@bash selftests/vm/deps.sh

deps-build: ## install only what `make` needs (compiler, libmnl)
	@bash selftests/vm/deps.sh --build

deps-newest: ## deps, plus the unstable chroot with Debian's newest kernel
	@bash selftests/vm/deps.sh --newest

# Kernel sources we need but never commit: the selftest harness and
# checkpatch, extracted from Debian's linux-source-6.1 tarball.
linux-src: $(LINUX_SRC)/.stamp ## checkpatch and the kselftest harness, from linux-source-6.1
$(LINUX_SRC)/.stamp: | deps
	@mkdir -p $(LINUX_SRC)
	tar -xf /usr/src/linux-source-6.1.tar.xz -C $(LINUX_SRC) --strip-components=1 \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/kernel-doc \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h
	@touch $@

# Out of tree, in build/<kver>/ (selftests/vm/kbuild.sh; the newest kernel
# builds in its chroot). No deps here: DKMS runs this.
KBUILD = $(if $(KDIR),KDIR=$(KDIR)) bash $(TOP)/selftests/vm/kbuild.sh
kver_problem = $(shell $(KBUILD) --check $(1))

modules: ## build/KVER/memcglab.ko [KVER=...]
	$(if $(call kver_problem,$(KVER)),$(error $(call kver_problem,$(KVER))))
	+@$(KBUILD) $(KVER) $(BUILD)/$(KVER) modules

modules-all: deps-newest ## the module and the policy modules for every kernel in KVERS
	@set -e; for v in $(KVERS); do $(MAKE) --no-print-directory modules policies KVER=$$v; done

# Policy modules (docs/policy.md): policies/*/ and the guide's example, each
# built like any out-of-tree module against memcglab's Module.symvers, in
# build/<kver>/policies/<dir>/.
POLICY_DIRS = $(wildcard policies/*) docs/policy-example
POLICY_KDIR = $(or $(KDIR),/lib/modules/$(KVER)/build)
# A kernel whose module builds in the chroot (Debian's newest) builds them
# in there too (kbuild.sh --policy).
policies: modules ## the policy modules for KVER
	@set -e; if [ -z "$(KDIR)" ] && [ ! -e $(POLICY_KDIR)/Makefile ] && \
		[ -e $(CHROOT)/usr/src/linux-headers-$(KVER)/Makefile ]; then \
		for d in $(POLICY_DIRS); do $(KBUILD) --policy $(KVER) $(TOP)/$$d \
			$(BUILD)/$(KVER)/policies/$$(basename $$d); done; exit 0; fi; \
	[ -e $(POLICY_KDIR)/Makefile ] || { echo "  SKIP    policy modules for $(KVER): no host headers"; exit 0; }; \
	set -e; for d in $(POLICY_DIRS); do o=$(BUILD)/$(KVER)/policies/$$(basename $$d); \
		mkdir -p $$o && find $$o -maxdepth 1 -type l -delete; \
		for f in $(TOP)/$$d/Kbuild $(TOP)/$$d/*.[ch]; do ln -sfn $$f $$o/; done; \
		$(MAKE) -C $(POLICY_KDIR) M=$$o MEMCGLAB=$(TOP) \
			KBUILD_EXTRA_SYMBOLS=$(BUILD)/$(KVER)/Module.symvers modules; done

tools: deps-build ## the CLI, tools/memcglab/memcglab
	$(MAKE) -C tools/memcglab

selftests: linux-src ## the guest tests, in build/selftests
	$(MAKE) -C selftests OUTPUT=$(BUILD)/selftests

# The kselftest directory for other QEMU pipelines: the tests, the CLI and
# the module for every kernel in KVERS.
INSTALL_PATH ?= $(BUILD)/kselftest
install-selftests: selftests tools ## kselftest layout in INSTALL_PATH=DIR
	@set -e; for v in $(KVERS); do \
		$(MAKE) --no-print-directory modules KVER=$$v; done
	$(MAKE) -C selftests OUTPUT=$(BUILD)/selftests install INSTALL_PATH=$(abspath $(INSTALL_PATH))

# --- DKMS -----------------------------------------------------------------
# The sources DKMS builds from, and nothing else (no build/, no .git).
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRC ?= /usr/src/memcglab-$(DKMS_VERSION)
DKMS_FILES := dkms.conf Makefile Kbuild $(wildcard kmod/*.[ch]) \
	$(wildcard uapi/linux/*.h) selftests/vm/kbuild.sh

dkms-source: ## copy only the module's sources to DKMS_SRC (default /usr/src/memcglab-VERSION)
	rm -rf $(DKMS_SRC) && mkdir -p $(DKMS_SRC)
	tar -cf - $(DKMS_FILES) | tar -xf - -C $(DKMS_SRC)

dkms-install: deps dkms-source ## dkms install for every kernel with headers
	dkms install memcglab/$(DKMS_VERSION) --force

# --- lint -----------------------------------------------------------------

checkpatch: linux-src ## checkpatch --strict on kmod/ and uapi/
	perl $(CHECKPATCH) --strict --no-tree --quiet --show-types \
		-f $(KMOD_SRCS) $(wildcard uapi/linux/*.h policies/*/*.c docs/policy-example/*.c)

# sparse (C=2 checks every file) and W=1, on a scratch tree per kernel, so
# that any warning at all fails the lint. One sub-make target per kernel,
# so that under -j the kernels are checked side by side.
sparse: deps-newest ## sparse (C=2) and W=1 on every kernel in KVERS
	+@$(MAKE) --no-print-directory $(addprefix sparse-,$(KVERS))

sparse-%:
	+@d=$(BUILD)/lint/$*; rm -rf $$d; mkdir -p $(BUILD)/lint; \
	echo "  LINT    $* (C=2 W=1)"; \
	$(KBUILD) $* $$d -s C=2 W=1 modules >$$d.log 2>&1 || { cat $$d.log; exit 1; }; \
	if grep -E 'warning:|error:|not available or not up to date' $$d.log; then exit 1; fi

# The netlink spec, uapi header and kmod/netlink*.c agree.
# The kernel-doc comments of the module and the policy modules parse, and
# name every parameter and member (any warning fails).
kernel-doc: linux-src ## kernel-doc -none on kmod/ and the policy modules
	@test -x $(KERNEL_DOC) || { rm -f $(LINUX_SRC)/.stamp; $(MAKE) --no-print-directory linux-src; }
	perl $(KERNEL_DOC) -Werror -none $(KMOD_SRCS) $(wildcard uapi/linux/*.h policies/*/*.c)

uapi-check: deps ## the netlink spec, uapi header and netlink.c agree
	python3 selftests/check-uapi.py

lint: checkpatch kernel-doc sparse uapi-check ## checkpatch, kernel-doc, sparse and W=1, uapi-check

# --- tests ----------------------------------------------------------------

check-unit: deps ## native tier: counter.c and policy.c in userspace
	$(MAKE) -C selftests/userspace check

coverage: deps ## line coverage of the native tier
	$(MAKE) -C selftests/userspace coverage

# The build and packaging scripts themselves: apt source detection,
# make's messages, make help.
check-host: deps ## host tests of the build scripts (seconds)
	bash selftests/vm/host-test.sh

check-vm: modules-all tools selftests ## guest tier on every kernel [KVERS=...] [TESTS=...]
	bash selftests/vm/run.sh --mode test $(if $(TESTS),--tests "$(TESTS)") $(KVERS)

check-rig: modules-all tools selftests ## the rig must fail on a failing test, a splat, a hang
	bash selftests/vm/rig-selftest.sh $(firstword $(KVERS))

# Packaging, as another pipeline would use it: `dkms build` and
# `make install-selftests` from a clean copy of the tree, the result run
# in the guest.
check-pkg: modules-host tools selftests ## dkms build + install-selftests from a clean tree, in the guest
	bash selftests/vm/pkg-test.sh $(firstword $(HOST_KVERS))

# The host tiers share nothing (lint builds under build/, the unit tests and
# the fuzzers in their own folders), so they run side by side, each one's
# output kept together. Then the guest tiers: the guest tier (whose boots
# run.sh overlaps) beside the rig and the packaging test, which boot in
# folders of their own (build/vm-rig, build/vm-pkg); a TCG guest keeps one
# host CPU busy, and the rig's short boots fill the CPU the guest tier
# leaves idle once its v1 boot is done. Every phase prints its time.
check: deps-newest ## everything: lint, unit, fuzz, host, rig, packaging, guest tier
	@t=$$(date +%s); \
	$(MAKE) --no-print-directory -j3 --output-sync=target lint check-unit check-fuzz check-host; \
	rc=$$?; echo "check: host tiers took $$(( $$(date +%s) - t )) s"; [ $$rc -eq 0 ]
	$(MAKE) --no-print-directory modules-all modules-host tools selftests
	@t=$$(date +%s); \
	$(MAKE) --no-print-directory -j2 --output-sync=target guest-tier rig-pkg-tier; \
	rc=$$?; echo "check: guest tiers took $$(( $$(date +%s) - t )) s"; [ $$rc -eq 0 ]

# The halves of make check's guest phase; everything they boot is built.
guest-tier: ## make check's guest tier on every kernel, nothing built first
	bash selftests/vm/run.sh --mode test $(KVERS)
rig-pkg-tier: ## make check's rig, then packaging, nothing built first
	@t=$$(date +%s); bash selftests/vm/rig-selftest.sh $(firstword $(KVERS)); \
	rc=$$?; echo "check: rig took $$(( $$(date +%s) - t )) s"; [ $$rc -eq 0 ]
	@t=$$(date +%s); bash selftests/vm/pkg-test.sh $(firstword $(HOST_KVERS)); \
	rc=$$?; echo "check: packaging took $$(( $$(date +%s) - t )) s"; [ $$rc -eq 0 ]

run: deps ## the main job in the 6.1 guest
	$(MAKE) --no-print-directory modules-host tools selftests
	bash selftests/vm/run.sh --mode run $(firstword $(HOST_KVERS))

# The module for every kernel installed on the host (not the chroot's).
modules-host: deps ## the module for every kernel installed on the host
	@set -e; for v in $(HOST_KVERS); do $(MAKE) --no-print-directory modules KVER=$$v; done

# Rewrite the outputs shown in docs/tour/ from real runs in the guest, one
# kernel after the other (DOCS_KVERS, default every target kernel): a
# command's output that differs by kernel is shown per kernel. A guest run
# that fails (a command that does not behave as the chapter says, a splat,
# a timeout) fails `make docs` and changes nothing. Then the plots, and the
# pictures a chapter's command drew in the first kernel's guest (tour.py svg).
DOCS_KVERS ?= $(KVERS)
TOUR_MD = $(wildcard docs/tour/[0-9]*.md docs/tour/README.md)
docs: modules-all tools selftests ## rerun the tour in the guest on every kernel, refresh docs/tour/ and its plots [DOCS_KVERS=...]
	@rm -rf $(BUILD)/docs-extra && mkdir -p $(BUILD)/docs-extra/memcglab
	@touch $(BUILD)/docs-extra/memcglab/docs-refresh
	@set -e; for v in $(DOCS_KVERS); do \
		bash selftests/vm/run.sh --mode test --tests docs_test.sh \
			--extra $(BUILD)/docs-extra $$v; done
	@set -e; for md in $(TOUR_MD); do \
		TOUR_KERNELS="$(KVERS)" python3 docs/tour/tour.py update $$md \
			$(foreach v,$(DOCS_KVERS),build/vm/$(v)/out.log); done
	@set -e; for md in $$(grep -l '^<!-- plot: ' $(TOUR_MD)); do \
		python3 docs/tour/tour.py plot $$md docs/tour/$$(basename $$md .md).svg; \
		echo "  PLOT    docs/tour/$$(basename $$md .md).svg"; done
	@set -e; for md in $$(grep -l '^<!-- svg: ' $(TOUR_MD)); do \
		python3 docs/tour/tour.py svg $$md build/vm/$(firstword $(DOCS_KVERS))/out.log \
			docs/tour/$$(basename $$md .md).svg; \
		echo "  SVG     docs/tour/$$(basename $$md .md).svg"; done

# The tour's exercises: make tour-check ANSWERS=FILE checks a student's
# answers ("CHAPTER N ANSWER" a line, docs/tour/README.md).
tour-check: ## check answers to the tour's exercises [ANSWERS=FILE]
	@[ -n "$(ANSWERS)" ] || { echo "make tour-check: give ANSWERS=FILE (docs/tour/README.md)"; exit 2; }
	python3 docs/tour/tour.py answers $(ANSWERS)

vm: deps ## an interactive guest shell with the module loaded [KVER=...]
	$(MAKE) --no-print-directory modules tools selftests
	bash selftests/vm/run.sh --mode shell $(KVER)

clean: ## remove build/ (keeps the chroot: make distclean)
	find $(BUILD) -mindepth 1 -maxdepth 1 ! -name chroot -exec rm -rf {} + 2>/dev/null || true
	$(MAKE) -C tools/memcglab clean
	-$(MAKE) -C selftests/userspace clean

distclean: clean ## also remove the unstable chroot
	rm -rf $(BUILD)

# --- reliability: fuzzing, stress, debug kernel (docs/testing.md) ----------
#   make fuzz [FUZZ_SECONDS=60]        libFuzzer harnesses, each for FUZZ_SECONDS
#   make check-fuzz                    replay the corpus + 10 s each (in make check)
#   make fuzz-guest [FUZZ_SECONDS=600] the in-guest operation fuzzer, every kernel
#   make stress [STRESS_SECONDS=60]    the guest stress test, per policy, every kernel
#   make check-debug [TESTS=...] [FUZZ_SECONDS=1800]
#                                      the guest suite on the lockdep/KASAN/kmemleak
#                                      kernel, the operation fuzzer for FUZZ_SECONDS

FUZZ_SECONDS ?= 60
STRESS_SECONDS ?= 60
DEBUG_VM_TIMEOUT ?= 2400

.PHONY: check-fuzz

fuzz: deps ## libFuzzer on the core [FUZZ_SECONDS=60]
	$(MAKE) -C selftests/fuzz fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

check-fuzz: deps ## replay the fuzz corpus + 10 s per harness
	$(MAKE) -C selftests/fuzz fuzz FUZZ_SECONDS=10

# The in-guest fuzzer's length: FUZZ_SECONDS when given, else $(1).
guest_fuzz_seconds = $(if $(filter command line environment,$(origin FUZZ_SECONDS)),$(FUZZ_SECONDS),$(1))
# $(1): directory for the guest's extra files, $(2): seconds.
# One shell line: check-debug's recipe continues after it in the same shell.
fuzz_extra = rm -rf $(1) && mkdir -p $(1)/memcglab && echo $(2) >$(1)/memcglab/fuzz_seconds

fuzz-guest: modules-all tools selftests ## the in-guest operation fuzzer on every kernel [FUZZ_SECONDS=600]
	@$(call fuzz_extra,$(BUILD)/fuzz-extra,$(call guest_fuzz_seconds,600))
	@echo timeout=$$(( $(call guest_fuzz_seconds,600) + 300 )) >$(BUILD)/fuzz-extra/memcglab/settings
	bash selftests/vm/run.sh --mode test --tests opfuzz_test \
		--timeout $$(( $(call guest_fuzz_seconds,600) + 420 )) \
		--extra $(BUILD)/fuzz-extra $(KVERS)

stress: modules-all tools selftests ## the guest stress test on every kernel [STRESS_SECONDS=60]
	@rm -rf $(BUILD)/stress-extra && mkdir -p $(BUILD)/stress-extra/memcglab
	@echo $(STRESS_SECONDS) >$(BUILD)/stress-extra/memcglab/stress_seconds
	@echo timeout=$$(( $(STRESS_SECONDS) * 4 + 120 )) >$(BUILD)/stress-extra/memcglab/settings
	bash selftests/vm/run.sh --mode test --tests stress_test \
		--timeout $$(( $(STRESS_SECONDS) * 4 + 300 )) \
		--extra $(BUILD)/stress-extra $(KVERS)

# KASAN and lockdep under TCG are slow: every test program gets 20 minutes.
check-debug: deps tools selftests ## the guest suite on the lockdep/KASAN/kmemleak kernel
	@set -e; out=$$(bash selftests/vm/debug-kernel.sh); eval "$$(echo "$$out" | tail -n 3)"; \
	$(MAKE) --no-print-directory modules policies KVER=$$DEBUG_KVER KDIR=$$DEBUG_KDIR; \
	$(MAKE) --no-print-directory selftests; \
	$(call fuzz_extra,$(BUILD)/debug-extra,$(call guest_fuzz_seconds,1800)); \
	echo timeout=$$(( $(call guest_fuzz_seconds,1800) + 1200 )) \
		>$(BUILD)/debug-extra/memcglab/settings; \
	MEMCGLAB_KERNEL_IMAGE=$$DEBUG_IMAGE MEMCGLAB_KERNEL_CONFIG=$$DEBUG_KDIR/.config \
	bash selftests/vm/run.sh --mode test \
		--timeout $$(( $(DEBUG_VM_TIMEOUT) + $(call guest_fuzz_seconds,1800) )) \
		--extra $(BUILD)/debug-extra \
		$(if $(TESTS),--tests "$(TESTS)") $$DEBUG_KVER

# --- bench (selftests/bench, docs/perf.md) ----------------------------------
# make bench [BENCH_SECONDS=0.5] [BENCH_KVER=...]: the native benchmark of
# counter.c/policy.c, then the in-kernel one in one guest, then one table,
# build/bench/bench.json and build/bench/bench.svg. BENCH_SECONDS is the time
# of every measurement point.
BENCH_SECONDS ?= 0.5
# Group counts of the scale benchmark (scale_bench.c), lab and real memcg.
# 100000 is opt-in: the lab alone (memcg ids stop at 65535), about 15
# minutes more in a TCG guest, and BENCH_VM_MEM=4096 (MiB) for the groups.
SCALE_SIZES ?= 1000 10000
BENCH_VM_MEM ?= 2048
BENCH_KVER ?= $(firstword $(HOST_KVERS))
BENCH_OUT := $(BUILD)/bench

bench: deps ## benchmarks: native, then in one guest, then scale [BENCH_SECONDS=0.5] [SCALE_SIZES=...] [BENCH_VM_MEM=MiB]
	$(MAKE) --no-print-directory -C selftests/bench run \
		BENCH_SECONDS=$(BENCH_SECONDS) OUTPUT=$(BENCH_OUT)
	$(MAKE) --no-print-directory modules policies tools selftests KVER=$(BENCH_KVER)
	rm -rf $(BENCH_OUT)/guest && mkdir -p $(BENCH_OUT)/guest/bench
	install -m 0755 selftests/bench/guest-bench.sh $(BENCH_OUT)/guest/bench/
	$(MAKE) --no-print-directory -C selftests/bench guest OUTPUT=$(BENCH_OUT)
	install -m 0755 $(BENCH_OUT)/scale_bench $(BENCH_OUT)/reclaim_bench $(BENCH_OUT)/guest/bench/
	echo "$(SCALE_SIZES)" >$(BENCH_OUT)/guest/bench/scale_sizes
	awk 'BEGIN { printf "%d\n", $(BENCH_SECONDS) * 1000 }' >$(BENCH_OUT)/guest/bench/ms
	MEMCGLAB_VM_MEM=$(BENCH_VM_MEM) \
	bash selftests/vm/run.sh --mode bench --extra $(BENCH_OUT)/guest $(BENCH_KVER) \
		>$(BENCH_OUT)/guest.log || { cat $(BENCH_OUT)/guest.log; exit 1; }
	python3 selftests/bench/report.py $(BENCH_OUT) $(BUILD)/vm/$(BENCH_KVER)/out.log \
		| tee $(BENCH_OUT)/table.txt
	python3 selftests/bench/scale_report.py $(BUILD)/vm/$(BENCH_KVER)/out.log $(BENCH_OUT) \
		| tee -a $(BENCH_OUT)/table.txt
