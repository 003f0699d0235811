#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# reliability.sh - the reliability and security runs of doc/reliability.md, in one command.
#
#   scripts/reliability.sh          everything, long (about 45 min on 2 cores, nice'd):
#                                   each libFuzzer harness for 600 s, one at a time (clang);
#                                   the stress test for 60 s (gcc, then under TSan);
#                                   the reliability suite (faults, privilege, bad arguments)
#                                   with 1000 kill rounds, in the gcc and the ASan+UBSan builds;
#                                   the concurrency suites under TSan
#   scripts/reliability.sh tsan     only the TSan build and the concurrency suites, short
#                                   (what scripts/dev.sh test runs in .ci/run)
#
# Knobs: FUZZ_SECONDS (600), STRESS_SECONDS (60), RELIABILITY_ITERATIONS (1000).
# Build directories are scripts/dev.sh's, under $LIBIOMMUFD_BUILD (default ./build-dev):
# gcc, clang, asan, and tsan. Fuzz findings land in <clang build>/fuzz/fuzz-out/.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
builds=${LIBIOMMUFD_BUILD:-$here/build-dev}
fuzz_seconds=${FUZZ_SECONDS:-600}
stress_seconds=${STRESS_SECONDS:-60}
iterations=${RELIABILITY_ITERATIONS:-1000}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

log() { printf '\n=== %s\n' "$*"; }

# configure NAME CC [meson args...]: set up (or reconfigure) a build directory, build nothing.
configure() {
	local name=$1 cc=$2
	shift 2
	local dir="$builds/$name"
	if [[ -f "$dir/build.ninja" ]]; then
		CC=$cc meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		CC=$cc meson setup "$dir" "$@" >/dev/null
	fi
}

# The options scripts/dev.sh gives each build, so that neither reconfigures the other's.
gcc_opts=(--werror)
clang_opts=(--werror -Dkselftest=disabled -Dkernel_tests=disabled)
asan_opts=(--werror -Db_sanitize=address,undefined -Db_lundef=false -Dkselftest=disabled
	   -Dkernel_tests=disabled -Ddocs=disabled)
tsan_opts=(--werror -Db_sanitize=thread -Db_lundef=false -Dkselftest=disabled
	   -Dkernel_tests=disabled -Ddocs=disabled)

# The concurrency suites (and stress, run apart for its length): threads on one
# context, event-queue readers, the transport's threads, clients and daemons killed.
tsan_tests=(mock-transport mock-transport-events lib-event-loop lib-vevent reliability-faults
	    reliability-trust)
tsan_targets=(kmod-mock/transport/daemon/iommufd-mockd kmod-mock/transport/shim/libiommufd-mock.so
	      kmod-mock/transport/run/iommufd-mock-run tests/stress/stress
	      tests/mock-transport/mock-transport tests/mock-transport/mock-transport-events
	      tests/mock-transport/mock-transport-fakemockd tests/mock-transport/mock-transport-preload
	      tests/lib/test-lib-event-loop tests/lib/test-lib-vevent
	      tests/reliability/test-reliability-faults tests/reliability/test-reliability-trust)

# tsan [STRESS_SECONDS]: build only what the concurrency suites need, run them.
tsan() {
	local dir="$builds/tsan" rc=0
	configure tsan gcc "${tsan_opts[@]}"
	ninja -C "$dir" "${tsan_targets[@]}"
	meson test -C "$dir" --no-rebuild --print-errorlogs "${tsan_tests[@]}" || rc=1
	meson test -C "$dir" --no-rebuild --print-errorlogs -v stress --test-args "${1:-5}" || rc=1
	return $rc
}

all() {
	local rc=0 h

	log "fuzz: each harness ${fuzz_seconds} s, one at a time (clang build)"
	configure clang clang "${clang_opts[@]}"
	ninja -C "$builds/clang" fuzz/fuzz-core-ioctl fuzz/fuzz-core-eventq fuzz/fuzz-lib-parse
	for h in fuzz-core-ioctl fuzz-core-eventq fuzz-lib-parse; do
		nice fuzz/run.sh --seconds "$fuzz_seconds" --build "$builds/clang/fuzz" "$h" || rc=1
	done

	log "stress ${stress_seconds} s and the reliability suite, ${iterations} kills (gcc build)"
	configure gcc gcc "${gcc_opts[@]}"
	ninja -C "$builds/gcc"
	meson test -C "$builds/gcc" --no-rebuild --print-errorlogs -v stress \
		--test-args "$stress_seconds" || rc=1
	RELIABILITY_ITERATIONS=$iterations meson test -C "$builds/gcc" --no-rebuild \
		--print-errorlogs -v --suite reliability || rc=1

	log "the reliability suite, ${iterations} kills (ASan+UBSan build)"
	configure asan gcc "${asan_opts[@]}"
	ninja -C "$builds/asan"
	RELIABILITY_ITERATIONS=$iterations meson test -C "$builds/asan" --no-rebuild \
		--print-errorlogs --suite reliability || rc=1

	log "TSan: the concurrency suites, stress ${stress_seconds} s"
	RELIABILITY_ITERATIONS=$iterations tsan "$stress_seconds" || rc=1

	if [[ $rc -eq 0 ]]; then log "reliability: all runs passed"; else log "reliability: SOME RUNS FAILED"; fi
	return $rc
}

case "${1:-all}" in
all) all ;;
tsan) tsan "${2:-5}" ;;
*)
	sed -n '4,17p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
