# supd — everything a fresh Debian machine needs is installed from here.
# Every target is safe to run twice.

PACKAGES = gcc make meson ninja-build pkg-config libev-dev libinih-dev \
	libsqlite3-dev libjansson-dev libcriterion-dev uthash-dev python3 systemd \
	bash-completion procps libncurses-dev tmux
BUILD     ?= build
TESTBUILD ?= build-test
BENCHBUILD ?= build-bench
FUZZBUILD ?= build-fuzz
VGBUILD   ?= build-valgrind
# make fuzz: libFuzzer comes with clang; make valgrind: memcheck
FUZZ_PACKAGES = clang libclang-rt-dev
VALGRIND_PACKAGES = valgrind
FUZZ_TARGETS = varlink conf split notify
FUZZ_SECONDS ?= 60
SOAK_SECONDS ?= 300
RUNDIR    ?= $(CURDIR)/run

.PHONY: all deps build run test bench bench-peers peers-deps clean fuzz fuzz-deps soak valgrind valgrind-deps

all: build

# $(call apt_install,PACKAGES): install the Debian packages missing, as root;
# anyone else is told the command to run
define apt_install
	@missing=""; \
	for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "deps: missing Debian packages:$$missing"; \
	if [ "$$(id -u)" -ne 0 ]; then \
		echo "deps: not root; run: sudo apt-get update && sudo apt-get install -y --no-install-recommends$$missing" >&2; \
		exit 1; \
	fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get install -y --no-install-recommends $$missing || \
	{ apt-get update && apt-get install -y --no-install-recommends $$missing; }
endef

deps:
	$(call apt_install,$(PACKAGES))

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# only the two binaries: the tests are make test's
run: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) daemon/supd cli/supctl
	@mkdir -p $(RUNDIR)/log
	exec $(BUILD)/daemon/supd -c conf/example.ini -s $(RUNDIR)/supd.sock \
		--state $(RUNDIR)/state.db --log-dir $(RUNDIR)/log

$(TESTBUILD)/build.ninja:
	meson setup $(TESTBUILD) --buildtype=debug -Dwerror=true \
		-Db_sanitize=address,undefined -Db_lundef=false

test: deps $(TESTBUILD)/build.ninja
	ninja -C $(TESTBUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(TESTBUILD) --print-errorlogs --num-processes 2

$(BENCHBUILD)/build.ninja:
	meson setup $(BENCHBUILD) --buildtype=release

# the benchmarks (not tests: never part of make test); exits 1 when a target
# is missed; BENCH_QUICK=1 for a smaller run; tests/bench/README.md
bench: deps $(BENCHBUILD)/build.ninja
	ninja -C $(BENCHBUILD)
	BUILD=$(BENCHBUILD) tests/bench/run-all

# Each fuzz target for FUZZ_SECONDS; what it finds new goes to
# $(FUZZBUILD)/corpus/TARGET, a crash to $(FUZZBUILD)/crash-TARGET-*
# (add it to tests/fuzz/corpus/TARGET once fixed: make test replays it).
$(FUZZBUILD)/build.ninja:
	CC=clang meson setup $(FUZZBUILD) --buildtype=debugoptimized -Dfuzzing=true \
		-Db_sanitize=address,undefined -Db_lundef=false

fuzz-deps:
	$(call apt_install,$(FUZZ_PACKAGES))

# in this order: clang is there before meson looks for it
fuzz: deps fuzz-deps $(FUZZBUILD)/build.ninja
	ninja -C $(FUZZBUILD) $(foreach t,$(FUZZ_TARGETS),tests/fuzz/fuzz-$(t))
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZBUILD)/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		$(FUZZBUILD)/tests/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) \
			-print_final_stats=1 -max_len=8192 -timeout=10 \
			-artifact_prefix=$(FUZZBUILD)/crash-$$t- \
			$(FUZZBUILD)/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

# A real supd under load for SOAK_SECONDS: tests/soak/soak.py says what it checks.
soak: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) daemon/supd cli/supctl
	python3 tests/soak/soak.py --seconds $(SOAK_SECONDS) \
		--supd $(BUILD)/daemon/supd --supctl $(BUILD)/cli/supctl

# The integration suite with supd under valgrind memcheck (no sanitizers):
# the harness runs supd under it when SUPD_VALGRIND is set.
$(VGBUILD)/build.ninja:
	meson setup $(VGBUILD) --buildtype=debug

valgrind-deps:
	$(call apt_install,$(VALGRIND_PACKAGES))

valgrind: deps valgrind-deps $(VGBUILD)/build.ninja
	ninja -C $(VGBUILD)
	SUPD_VALGRIND=1 meson test -C $(VGBUILD) --suite integration \
		--print-errorlogs --num-processes 1 --timeout-multiplier 20

# supd beside its peers; each runs from a temporary directory, never as the
# system service its package may install.  pm2 from npm; node and npm from
# Debian unless some node with its npm is installed already
PEER_PACKAGES = runit s6 supervisor
peers-deps:
	$(call apt_install,$(PEER_PACKAGES) $(if $(shell command -v npm),,nodejs npm))
	@command -v pm2 >/dev/null && exit 0; \
	if [ "$$(id -u)" -ne 0 ]; then \
		echo "peers-deps: no pm2; run: sudo npm install -g pm2" >&2; exit 1; \
	fi; \
	npm install -g pm2

bench-peers: deps peers-deps $(BENCHBUILD)/build.ninja
	ninja -C $(BENCHBUILD)
	BUILD=$(BENCHBUILD) tests/bench/run-peers

clean:
	rm -rf $(BUILD) $(TESTBUILD) $(BENCHBUILD) $(FUZZBUILD) $(VGBUILD) $(RUNDIR)
