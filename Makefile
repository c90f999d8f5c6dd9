# Conventional entry points around CMake (see README).
#   make          build into build/
#   make check    install missing Debian packages, build, run every test,
#                 then the same under ASan+UBSan, and unit tests under valgrind,
#                 then every fuzz harness briefly (corpus replay + smoke),
#                 then 20 cycles of the crash test
#   make fuzz     the libFuzzer harnesses, FUZZ_SECONDS each (default 300)
#   make chaos    the crash test, CYCLES kill/restart cycles (default 20)
#   make demo     install, build, run the main job on a local default
#   make install  honours DESTDIR and PREFIX
#   make deb      Debian packages into deb/ (from the tracked files), lintian

PREFIX ?= /usr/local
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
# make fuzz: seconds per harness; make check runs each for FUZZ_SMOKE_SECONDS
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 5
# make chaos: the crash test (tests/chaos/) in its own fault-injection build
CHAOS_BUILD ?= build-chaos
CYCLES ?= 20
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# make test: one more test than CPUs at a time; the integration tests spend
# much of their time waiting for servers and clocks (2 CPUs: about 60 % busy
# at 2 at a time, 7.3 min instead of 9.3 at 3)
TEST_JOBS ?= $(shell echo $$(( $(JOBS) + 1 )))
# No second chance: a test that fails once fails the suite (tests wait for
# conditions, never for time, and start their servers on their own ports).
CTEST_FLAGS ?= --output-on-failure --timeout 600

.PHONY: all build deps check check-asan check-valgrind check-fuzz fuzz fuzz-build chaos test demo install clean bench deb

all: build

deps:
	./scripts/install-deps.sh

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) $(CTEST_FLAGS) -j $(TEST_JOBS)

check-asan:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPR_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	# unit and core tests, and (label asan) the main renewal paths: worker,
	# daemon, VOMS; in one run, so that the long ones overlap
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) $(CTEST_FLAGS) -j $(JOBS) -L '^(unit|core|asan)$$'

# libFuzzer harnesses (tests/fuzz/, clang, ASan+UBSan): replay the committed
# corpora, then fuzz each harness FUZZ_SECONDS (make fuzz) or a short smoke.
fuzz-build:
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
	  -DPR_FUZZ=ON >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

fuzz: deps fuzz-build
	./tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

check-fuzz: fuzz-build
	./tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS)

chaos:
	cmake -S . -B $(CHAOS_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPR_FAULT_INJECT=ON >/dev/null
	cmake --build $(CHAOS_BUILD) -j $(JOBS)
	CYCLES=$(CYCLES) ./tests/chaos/chaos.sh $(CHAOS_BUILD)

check-valgrind: build
	./scripts/valgrind-unit.sh $(BUILD)

check: deps
	$(MAKE) test
	$(MAKE) check-asan
	$(MAKE) check-valgrind
	$(MAKE) check-fuzz
	$(MAKE) chaos CYCLES=20

demo: deps build
	./scripts/demo.sh $(BUILD)

# idle.sh first: a p99 wants a quiet machine, and run.sh leaves it busy for
# minutes (deleting 1M-job repositories, 2,000 renewals' files).
bench: deps build
	./bench/idle.sh $(BUILD)
	./bench/run.sh $(BUILD)

install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

deb: deps
	./scripts/make-deb.sh deb

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(CHAOS_BUILD) deb
