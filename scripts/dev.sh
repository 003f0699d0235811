#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# dev.sh - the project's one entry point for a fresh Debian 12 machine.
#
#   scripts/dev.sh example   install what is needed, build, run examples/vfio-dma against the mock:
#                            edu DMA through the IOMMU (in meson devenv)
#   scripts/dev.sh test      install what is needed, then build and run every test suite:
#                            gcc (-Werror), clang (-Werror), an ASan+UBSan build and a TSan
#                            build of the concurrency suites (scripts/reliability.sh: long runs)
#   scripts/dev.sh deps      only install the Debian packages
#   scripts/dev.sh package   build the Debian packages (dpkg-buildpackage -us -uc -b) in a copy
#                            of the tree under $LIBIOMMUFD_PKG_DIR (default: a new /tmp dir),
#                            run lintian, list the .debs
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
	  uuid-dev doxygen valgrind python3 xz-utils ca-certificates binutils abigail-tools man-db)

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
	# meson devenv: the build's programs and examples on PATH, and the wrapper
	# pointed at the build's daemon and shim (IOMMUFD_MOCKD, IOMMUFD_MOCK_SHIM).
	log "examples/vfio-dma against the mock: QEMU's edu device copies memory by DMA through the IOMMU"
	meson devenv -C "$builds/gcc" iommufd-mock-run vfio-dma
	log "next: meson devenv -C $builds/gcc, then e.g. iommufd-mock-run tutorial-dma," \
		"man iommufd_ioas_map, pkg-config --cflags --libs libiommufd"
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

	log "ASan+UBSan build (gcc), all suites but the real kernels (their programs run in the guest), the kernel selftest included"
	setup asan gcc --werror -Db_sanitize=address,undefined -Db_lundef=false -Dkernel_tests=disabled -Ddocs=disabled
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		run_tests "$builds/asan" || rc=1

	log "TSan build (gcc), the concurrency suites only (scripts/reliability.sh tsan)"
	LIBIOMMUFD_BUILD=$builds "$here/scripts/reliability.sh" tsan || rc=1

	log "Debian packages: dpkg-buildpackage in a copy under /tmp, lintian (about 3 min)"
	local pkgdir
	pkgdir=$(mktemp -d /tmp/libiommufd-pkg.XXXXXX)
	if LIBIOMMUFD_PKG_DIR=$pkgdir package; then rm -rf "$pkgdir"; else rc=1; fi

	if [[ $rc -eq 0 ]]; then log "all test runs passed"; else log "SOME TEST RUNS FAILED"; fi
	return $rc
}

# Debian packages from debian/: the working tree (tracked and new files, not
# the ignored build directories) is copied out first, so that neither the
# build nor the ../*.deb output touch the tree or its parent directory.
package() {
	local sudo=()
	[[ $(id -u) -eq 0 ]] || sudo=(sudo)
	local p missing=()
	for p in dpkg-dev debhelper lintian; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [[ ${#missing[@]} -gt 0 ]]; then
		log "installing: ${missing[*]}"
		"${sudo[@]}" apt-get update -q
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
	fi
	if ! dpkg-checkbuilddeps debian/control >/dev/null 2>&1; then
		log "installing the Build-Depends of debian/control"
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get build-dep -y -q --no-install-recommends "$here"
	fi
	local version out src start
	version=$(dpkg-parsechangelog -l debian/changelog -S Version)
	out=${LIBIOMMUFD_PKG_DIR:-$(mktemp -d /tmp/libiommufd-pkg.XXXXXX)}
	src="$out/libiommufd-$version"
	rm -rf "$src"
	mkdir -p "$src"
	if git -C "$here" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$here" ls-files -z -co --exclude-standard |
			(cd "$here" && xargs -0 cp --parents -t "$src" 2>/dev/null || true)
	else
		tar -C "$here" --exclude=./.git --exclude='./build*' --exclude='./_build*' -cf - . |
			tar -C "$src" -xf -
	fi
	log "dpkg-buildpackage -us -uc -b in $src"
	start=$(date +%s)
	(cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 || {
		tail -n 60 "$out/build.log"
		echo "FAILED: dpkg-buildpackage (log: $out/build.log)"
		return 1
	}
	echo "built in $(($(date +%s) - start)) s (log: $out/build.log)"
	log "lintian"
	lintian --info --display-info --pedantic "$out"/libiommufd_"${version}"_*.changes | tee "$out/lintian.log"
	if grep -q '^[EW]: ' "$out/lintian.log"; then
		echo "FAILED: lintian reports errors or warnings"
		return 1
	fi
	log "packages in $out"
	ls -l "$out"/*.deb
}

case "${1:-}" in
example) example ;;
package) package ;;
test) test_all ;;
deps) deps ;;
*)
	sed -n '4,17p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
