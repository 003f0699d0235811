#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# devenv-test.sh MESON BUILDDIR "CC [FLAGS]"
#
# `meson devenv -C BUILDDIR` must make the build tree usable with no other
# setup: the programs and examples on PATH, the wrapper running them against
# this build's daemon and shim, pkg-config finding the uninstalled library,
# man finding the section-1 and section-3 pages. Each check runs in a fresh
# devenv from an environment with none of the variables set. Outside devenv,
# the wrapper's errors must name IOMMUFD_MOCKD and IOMMUFD_MOCK_SHIM.
set -uo pipefail
meson=${1:?usage: devenv-test.sh MESON BUILDDIR CC}
build=$(cd "${2:?}" && pwd)
cc=${3:?}
work=$(mktemp -d /tmp/devenv-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0
passed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

# the user's shell: none of the project's variables
clean=(env -u IOMMUFD_MOCKD -u IOMMUFD_MOCK_SHIM -u IOMMUFD_MOCK_DEVICES -u IOMMUFD_MOCK_SOCKET
       -u LD_PRELOAD -u PKG_CONFIG_PATH -u MANPATH -u MESON_DEVENV)
dev() { (cd "$work" && "${clean[@]}" "$meson" devenv -C "$build" "$@"); }

# 1. programs: the wrapper, the tool and the examples of this build on PATH
for p in iommufd-mock-run iommufd-info vfio-dma tutorial-dma; do
	got=$(dev sh -c "command -v $p" 2>&1)
	case $got in
	"$build"/*) ok "PATH finds $p in the build tree ($got)" ;;
	*) fail "PATH: $p resolves to '$got', not under $build" ;;
	esac
done

# 2. the wrapper finds this build's daemon and shim: an edu DMA through the mock
out=$(dev iommufd-mock-run vfio-dma 2>&1)
rc=$?
if [[ $rc == 0 && $out == *"vfio-dma: PASS"* ]]; then
	ok "iommufd-mock-run vfio-dma passes in devenv"
else
	fail "iommufd-mock-run vfio-dma in devenv: exit $rc: $out"
fi

# 3. pkg-config: the uninstalled library builds and runs a program
cat >"$work/hello.c" <<'C'
#include <stdio.h>
#include <iommufd/iommufd.h>
int main(void)
{
	struct iommufd_ctx *ctx;
	struct iommufd_ioas *ioas;
	int rc = iommufd_ctx_open(NULL, &ctx);

	if (rc)
		return 1;
	rc = iommufd_ioas_create(ctx, &ioas);
	iommufd_ctx_close(ctx);
	printf("hello %s %d\n", iommufd_version(), rc);
	return rc ? 1 : 0;
}
C
ver=$(dev pkg-config --modversion libiommufd 2>&1)
flags=$(dev pkg-config --cflags --libs libiommufd 2>&1)
if [[ $flags == *"-L$build/lib"* ]]; then
	ok "pkg-config --cflags --libs libiommufd: $flags"
else
	fail "pkg-config in devenv gave '$flags' (version '$ver'), not the build tree's library"
fi
if dev sh -c "$cc -std=c11 -Wall -Werror -o '$work/hello' '$work/hello.c' \$(pkg-config --cflags --libs libiommufd)" &&
	out=$(dev iommufd-mock-run "$work/hello" 2>&1) && [[ $out == "hello $ver 0" ]]; then
	ok "a program built with pkg-config runs against the mock ($out)"
else
	fail "building or running a pkg-config program in devenv: ${out:-compile failed}"
fi

# 4. man pages of the build tree
if command -v man >/dev/null; then
	got=$(dev man -w 1 iommufd-mock-run 2>&1)
	[[ $got == "$build/man/man1/iommufd-mock-run.1" ]] && ok "man -w 1 iommufd-mock-run: $got" ||
		fail "man -w 1 iommufd-mock-run gave '$got'"
	if [[ -d $build/doc/man3 ]]; then
		got=$(dev man -w 3 iommufd_ioas_map 2>&1)
		[[ $got == "$build/doc/man3/iommufd_ioas_map.3" ]] && ok "man -w 3 iommufd_ioas_map: $got" ||
			fail "man -w 3 iommufd_ioas_map gave '$got'"
	else
		echo "note: no section-3 pages (documentation disabled)"
	fi
	# the system's pages stay reachable
	if [[ -n $(man -w 1 ls 2>/dev/null) ]]; then
		got=$(dev man -w 1 ls 2>&1)
		[[ -n $got && $got != *"$build"* ]] && ok "system pages still found (man -w 1 ls: $got)" ||
			fail "man -w 1 ls in devenv gave '$got'"
	fi
else
	echo "note: man not installed, man page checks skipped"
fi

# 5. outside devenv, the wrapper's errors name the variable to set
run=$build/kmod-mock/transport/run/iommufd-mock-run
out=$("${clean[@]}" IOMMUFD_MOCKD=/nonexistent/iommufd-mockd "$run" true 2>&1)
rc=$?
[[ $rc == 125 && $out == *"/nonexistent/iommufd-mockd"* && $out == *IOMMUFD_MOCKD* ]] &&
	ok "a missing daemon names IOMMUFD_MOCKD (exit 125)" ||
	fail "missing daemon: exit $rc: $out"
out=$("${clean[@]}" IOMMUFD_MOCKD="$build/kmod-mock/transport/daemon/iommufd-mockd" \
	IOMMUFD_MOCK_SHIM=/nonexistent/libiommufd-mock.so "$run" true 2>&1)
rc=$?
[[ $rc == 125 && $out == *"/nonexistent/libiommufd-mock.so"* && $out == *IOMMUFD_MOCK_SHIM* ]] &&
	ok "a missing shim names IOMMUFD_MOCK_SHIM (exit 125)" ||
	fail "missing shim: exit $rc: $out"

echo "devenv: $passed passed, $failed failed"
[[ $failed == 0 ]]
