# One entry point for everything Peapod builds. `scripts/setup` and
# `scripts/test` install the Debian packages first and then call these targets.
#
#   make            kernel, guest-init (+ initramfs, + the host's peapod-vm-mounts helper) and
#                   the Java modules
#   make test       every test: C unit tests, bounded fuzzing, guest-init in
#                   real VMs, and the Maven build with its VM integration tests
#   make bench      the benchmarks under bench/
#   make agent-image   the node agent's container image (OCI layout in build/agent-image, from
#                   Debian packages by mmdebstrap; ~1-2 min, not part of `make test`)

MVN ?= mvn -B -ntp
FUZZ_SECONDS ?= 60

.PHONY: all kernel guest-init java test test-guest-init test-java bench agent-image clean

all: kernel guest-init java

kernel:
	kernel/build.sh

# peapod-vm-mounts (providers/qemu/native) is built with guest-init: both are C that every VM needs,
# and everything that builds guest-init (scripts/setup, scripts/test, the tests' prerequisites) must
# bring it.
guest-init:
	$(MAKE) -C guest-init
	$(MAKE) -C providers/qemu/native

java:
	$(MVN) -q install -DskipTests

test: kernel guest-init test-guest-init test-java

test-guest-init: kernel guest-init
	$(MAKE) -C guest-init test
	$(MAKE) -C providers/qemu/native test
	$(MAKE) -C guest-init fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)
	$(MAKE) -C guest-init check-vm

test-java: kernel guest-init
	$(MVN) verify

bench: all
	bench/run-all

agent-image: kernel guest-init java
	scripts/agent-image build/agent-image

clean:
	rm -rf build
	$(MAKE) -C guest-init clean
	$(MAKE) -C providers/qemu/native clean
	$(MVN) -q clean
