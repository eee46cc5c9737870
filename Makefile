# gainkit top-level Makefile: a thin layer over CMake + CTest.
#   make            build build/gainkit and libgainkit
#   make demo       install missing packages, build, run the demo -> demo-out/
#   make check      install missing packages, build, run the whole test suite
#   make check SANITIZE=1   the same under ASan + UBSan (separate build dir)
#   make check TSAN=1       the concurrency tests (label tsan) under ThreadSanitizer
#                           (build-tsan/, clang + LLVM's OpenMP with Archer so the
#                           parallel loops are checked; gcc: OpenMP off; TSAN_ALL=1:
#                           every test)
#   make bench      build and run the benchmarks in bench/
#   make fuzz       libFuzzer campaign per parser (clang; FUZZ_SECONDS each,
#                   FUZZERS="columns matrix units cli"; FUZZ_KEEP=1 minimises
#                   the grown corpus back into tests/fuzz/corpus/)
#   make install PREFIX=/usr/local
#   make python     pip-install the Python package (python/) offline, for this user
#   make clean

SANITIZE ?= 0
TSAN     ?= 0
PREFIX   ?= /usr/local
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)

ifeq ($(TSAN),1)
BUILD    ?= build-tsan
CMAKE_ARGS += -DGAINKIT_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
# clang: its OpenMP runtime tells TSan about barriers (Archer), so the TSan
# build keeps OpenMP (CMakeLists.txt); without clang, gcc with OpenMP off.
TSAN_CC  ?= $(shell command -v clang 2>/dev/null)
ifneq ($(TSAN_CC),)
CMAKE_ARGS += -DCMAKE_C_COMPILER=$(TSAN_CC)
endif
export TSAN_OPTIONS ?= halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp
else ifeq ($(SANITIZE),1)
BUILD    ?= build-sanitize
CMAKE_ARGS += -DGAINKIT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
# Leak detection is on: every test must free what it allocates.
export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=1:strict_string_checks=1
# tests/lsan.supp silences only the process-wide caches of the libraries
# under PLplot's cairo drivers (fontconfig, pango, libltdl, ...).
export LSAN_OPTIONS ?= suppressions=$(CURDIR)/tests/lsan.supp
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
else
BUILD    ?= build
CMAKE_ARGS += -DCMAKE_BUILD_TYPE=RelWithDebInfo
endif

FUZZ_SECONDS ?= 600
FUZZERS      ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: all deps configure build demo check bench fuzz install python clean

all: build

deps:
	@scripts/install-deps --if-missing

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_ARGS) -DCMAKE_INSTALL_PREFIX=$(PREFIX)

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

demo: deps
	@$(MAKE) --no-print-directory build
	@scripts/demo $(BUILD)/gainkit demo-out

# TSAN=1 runs the tests labelled "tsan" (CMakeLists.txt: threads, signals,
# concurrent output, error paths); TSAN_ALL=1 every test.
ifeq ($(TSAN)$(TSAN_ALL),1)
CTEST_ARGS += -L tsan
endif

check: deps
	@$(MAKE) --no-print-directory build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# separate clang build: the normal build (gcc) is not touched
fuzz:
	CC=clang cmake -S . -B build-fuzz -DGAINKIT_FUZZ=ON -DGAINKIT_WERROR=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build-fuzz -j $(JOBS) --target $(addprefix fuzz_,$(FUZZERS))
	scripts/fuzz build-fuzz $(FUZZ_SECONDS) $(FUZZERS)

bench: build
	@scripts/run-bench $(BUILD)

install: build
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD) -j $(JOBS)
	cmake --install $(BUILD)

# offline: setuptools, numpy and cffi come from Debian (scripts/install-deps)
python: build
	/usr/bin/python3 -m pip install --user --no-build-isolation --no-deps --no-index ./python

clean:
	rm -rf build build-sanitize build-tsan build-fuzz demo-out
