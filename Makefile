# vmswitch: `make run` shows the switch at work, `make test` runs every test.
# Both prepare the host first (Debian's DPDK packages, hugepages): see scripts/setup-host.sh.

SWIFT_BUILD = swift build -c release
BIN = .build/release/vmswitch
# EAL arguments for `make run`, e.g. EAL="-l 0,1 -m 512".
EAL ?=

.PHONY: all setup build run test deb bench bench-instructions fuzz soak clean

all: build

setup:
	@scripts/setup-host.sh

build: setup
	$(SWIFT_BUILD) --product vmswitch

# The main job: the embedded demo (an uplink and two VMs as pcap ports), or CONFIG=your.yaml.
run: build
ifdef CONFIG
	$(BIN) run --config $(CONFIG) --stats-interval 10 -- $(EAL)
else
	$(BIN) demo -- $(EAL)
endif

# Unit tests of the core, configuration tests, and the release binary on real DPDK ports,
# stand-in VMs (dpdk-testpmd's virtio-user) and real QEMU guests (hence the extra packages).
TEST_PACKAGES = qemu-system-x86 busybox-static cpio iputils-ping kmod xz-utils tshark python3 systemd \
    curl prometheus libvirt-daemon-system libvirt-clients mmdebstrap systemd-container valgrind $(DEB_PACKAGES)
# Also: an AddressSanitizer build of vmswitch for the hostile-input tests, the Debian package (its
# statically linked binary also runs in the two-node guest; the package is installed and run under
# systemd in a container), the bench (its interrupt cleanup and its callgrind counts are tested), and the fuzzer over the
# core for FUZZ_SECONDS (60). The tests' work directories (TMPDIR/vmswitch-test-NAME-PID: configs,
# pcaps, logs) are removed once every test has passed, and kept for reading when one fails.
test:
	@EXTRA_PACKAGES="$(TEST_PACKAGES)" scripts/setup-host.sh
	$(SWIFT_BUILD) --build-tests
	$(SWIFT_BUILD) --product vmswitch-bench
	swift build -c release --sanitize=address --scratch-path .build-asan --product vmswitch
	$(MAKE) deb
	VMSWITCH_ASAN_BIN=$(CURDIR)/.build-asan/release/vmswitch VMSWITCH_STATIC_BIN=$(CURDIR)/.build-static/release/vmswitch \
	    VMSWITCH_DEB=$(CURDIR)/dist/vmswitch_$(DEB_VERSION)_amd64.deb swift test -c release --skip-build --no-parallel
	rm -rf $${TMPDIR:-/tmp}/vmswitch-test-*
	Fuzz/run-fuzzer.sh

# The Debian package (debhelper, see debian/rules) into dist/, checked by lintian (no errors).
DEB_PACKAGES = build-essential debhelper dpkg-dev help2man lintian
DEB_VERSION = $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
deb:
	@EXTRA_PACKAGES="$(DEB_PACKAGES)" scripts/setup-host.sh
	dpkg-buildpackage -us -uc -b
	mkdir -p dist
	mv ../vmswitch_$(DEB_VERSION)_amd64.deb ../vmswitch_$(DEB_VERSION)_amd64.buildinfo \
	    ../vmswitch_$(DEB_VERSION)_amd64.changes dist/
	lintian --fail-on error dist/vmswitch_$(DEB_VERSION)_amd64.changes
	@echo "make deb: dist/vmswitch_$(DEB_VERSION)_amd64.deb"

# Throughput of the full pipeline against dpdk-testpmd io/macswap (see bench/README.md).
# BENCH_ROUNDS, BENCH_WINDOWS, BENCH_CASES and BENCH_JSON tune it.
bench: setup
	$(SWIFT_BUILD) --product vmswitch
	$(SWIFT_BUILD) --product vmswitch-bench
	.build/release/vmswitch-bench

# Instructions a frame in each stage of the pipeline (callgrind, on the statically linked binary),
# for mix64-rewrite50, mix64-nocache, rules1000-nocache and flows256k-mix64, or BENCH_CASES.
bench-instructions: setup
	@EXTRA_PACKAGES="valgrind" scripts/setup-host.sh
	swift build -c release --static-swift-stdlib --scratch-path .build-static --product vmswitch
	$(SWIFT_BUILD) --product vmswitch-bench
	strip --strip-debug -o .build-static/release/vmswitch-callgrind .build-static/release/vmswitch
	.build/release/vmswitch-bench instructions .build-static/release/vmswitch-callgrind $(BENCH_CASES)

fuzz:
	Fuzz/run-fuzzer.sh

# Ten minutes (SOAK_MINUTES) at full speed, sampling memory and the mbuf pool: not part of CI.
soak: build
	scripts/soak.sh $(or $(SOAK_MINUTES),10)

clean:
	rm -rf .build .build-asan .build-static .build-fuzz .build-guest dist
