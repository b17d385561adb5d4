# SPDX-License-Identifier: GPL-2.0
# rust-md: `make` builds md_mod.ko, `make run` shows it working in a VM,
# `make test` runs everything CI runs. See README.md.

ifneq ($(KERNELRELEASE),)
# Invoked by kbuild (out of tree: make -C $KDIR M=$PWD).
include $(src)/Kbuild
else

SHELL := /bin/bash
.DEFAULT_GOAL := module
KDIR_CMD := qemu/kdir
KBUILD_ARGS = -C $$($(KDIR_CMD)) M=$(CURDIR) LLVM=1 CLIPPY=1 KCFLAGS=-Werror \
	KRUSTFLAGS=-Dwarnings

.PHONY: setup module clean fmt fmt-check test test-c test-host test-vm test-vm-c run fuzz bench

# Idempotent: installs what is missing and builds the kernel once (cached).
setup:
	@qemu/setup

module: setup
	$(MAKE) $(KBUILD_ARGS) modules

clean:
	-$(MAKE) $(KBUILD_ARGS) clean
	rm -rf host/target out

# The module's sources: the top level and its module folders (not the host crates).
RUST_SOURCES := $(filter-out host/% fuzz/% tests/% qemu/%,$(wildcard *.rs */*.rs))

fmt:
	rustfmt --edition 2021 --config-path "$$($(KDIR_CMD))/.rustfmt.toml" $(RUST_SOURCES)

fmt-check: setup
	rustfmt --check --edition 2021 --config-path "$$($(KDIR_CMD))/.rustfmt.toml" $(RUST_SOURCES)

# Host tests of the pure-logic code (superblock, mdstat, ioctl, sysfs parsers, ...),
# after the kernel's lints over the same files: seconds.
test-host: setup
	host/scripts/kernel-lints.sh
	cd host && cargo test --release

# Static helper programs for the guest (run-vm copies out/tools/ into /usr/bin).
TOOLS := $(patsubst tests/tools/%.c,out/tools/%,$(wildcard tests/tools/*.c))
out/tools/%: tests/tools/%.c
	@mkdir -p out/tools
	gcc -static -O2 -Wall -Werror -pthread -o $@ $<

# VM scenarios, each in a fresh VM or in the boot its "# group:" shares (the
# guest reset between them); see tests/vm/run-all. `make test` runs every
# scenario on md_mod (and the `impls: none` ones that load both themselves);
# `make test-c` runs every scenario on every implementation its `# impls:` line
# names, the C md included: run it whenever a test or its expectation changes.
test-vm: module $(TOOLS)
	RUN_ALL_IMPLS="rust none" tests/vm/run-all

test-vm-c: module $(TOOLS)
	tests/vm/run-all

test: test-host fmt-check module test-vm

test-c: test-host fmt-check module test-vm-c

# The demo: what a new user runs first.
run: module $(TOOLS)
	qemu/run-vm tests/demo.sh

# Every fuzz target for FUZZ_SECONDS each (see fuzz/README.md).
FUZZ_SECONDS ?= 60
fuzz: setup
	fuzz/run $(FUZZ_SECONDS)

# md_mod, the C md and the raw disk side by side in one VM on the benchmark kernel
# (built and cached on first use; never by `make test`): see README.md, Performance.
# BENCH_ROUNDS (5), BENCH_RUNTIME (seconds per job, 5), BENCH_JOBS, BENCH_TARGETS.
bench:
	tests/bench/run

endif
