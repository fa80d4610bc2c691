# supd — everything a fresh Debian machine needs is installed from here.
# Every target is safe to run twice.

PACKAGES = gcc make meson ninja-build pkg-config libev-dev libinih-dev \
	libsqlite3-dev libjansson-dev libcriterion-dev uthash-dev python3 systemd \
	bash-completion procps libncurses-dev tmux
BUILD     ?= build
TESTBUILD ?= build-test
BENCHBUILD ?= build-bench
RUNDIR    ?= $(CURDIR)/run

.PHONY: all deps build run test bench bench-peers peers-deps clean

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
	rm -rf $(BUILD) $(TESTBUILD) $(BENCHBUILD) $(RUNDIR)
