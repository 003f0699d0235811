#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# dev.sh - the project's one entry point for a fresh Debian 12 machine.
#
#   scripts/dev.sh example   install what is needed, build, run examples/ioas-map against the mock
#   scripts/dev.sh test      install what is needed, then build and run every test suite:
#                            gcc (-Werror), clang (-Werror) and an ASan+UBSan build
#   scripts/dev.sh deps      only install the Debian packages
#
# Build directories live under $LIBIOMMUFD_BUILD (default: ./build-dev); kernel
# sources and selftest builds are cached in $LIBIOMMUFD_CACHE (default
# ~/.cache/libiommufd), outside the source tree.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
builds=${LIBIOMMUFD_BUILD:-$here/build-dev}

# Debian packages the build and the tests need (bookworm names).
packages=(build-essential meson ninja-build pkg-config clang libcmocka-dev libcap-dev
	  doxygen valgrind python3 xz-utils ca-certificates binutils abigail-tools man-db)

log() { printf '\n=== %s\n' "$*"; }

deps() {
	local missing=() p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	local sudo=()
	[[ $(id -u) -eq 0 ]] || sudo=(sudo)
	log "installing: ${missing[*]}"
	"${sudo[@]}" apt-get update -q
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# setup NAME CC [meson args...]
setup() {
	local name=$1 cc=$2
	shift 2
	local dir="$builds/$name"
	if [[ -f "$dir/build.ninja" ]]; then
		CC=$cc meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		CC=$cc meson setup "$dir" "$@"
	fi
	ninja -C "$dir"
}

example() {
	deps
	log "build (gcc)"
	setup gcc gcc --werror
	log "examples/ioas-map against the mock"
	# The wrapper finds the daemon and the shim at their installed paths
	# unless told where a build tree keeps them.
	IOMMUFD_MOCKD="$builds/gcc/kmod-mock/daemon/iommufd-mockd" \
	IOMMUFD_MOCK_SHIM="$builds/gcc/kmod-mock/shim/libiommufd-mock.so" \
		"$builds/gcc/kmod-mock/run/iommufd-mock-run" "$builds/gcc/examples/ioas-map"
}

run_tests() {
	local dir=$1
	shift
	meson test -C "$dir" --print-errorlogs "$@"
}

test_all() {
	deps
	local rc=0
	log "gcc build, -Werror, all suites"
	setup gcc gcc --werror
	run_tests "$builds/gcc" || rc=1

	log "valgrind memcheck over the library suites and the example (gcc build)"
	run_tests "$builds/gcc" --setup valgrind --suite lib --suite examples || rc=1

	log "clang build, -Werror, all suites but the kernel selftest and real kernels"
	setup clang clang --werror -Dkselftest=disabled -Dkernel_tests=disabled
	run_tests "$builds/clang" || rc=1

	log "ASan+UBSan build (gcc), all suites but the kernel selftest and real kernels"
	setup asan gcc --werror -Db_sanitize=address,undefined -Db_lundef=false -Dkselftest=disabled -Dkernel_tests=disabled -Ddocs=disabled
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		run_tests "$builds/asan" || rc=1

	if [[ $rc -eq 0 ]]; then log "all test runs passed"; else log "SOME TEST RUNS FAILED"; fi
	return $rc
}

case "${1:-}" in
example) example ;;
test) test_all ;;
deps) deps ;;
*)
	sed -n '4,12p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
