#!/bin/sh
# SPDX-License-Identifier: MIT
#
# abi-guard.sh BASELINE LIBRARY HEADERS-DIR
#
# Compares the built libiommufd.so.1 with the committed ABI baseline
# (abi/libiommufd.so.1.abi) using abidiff from Debian's abigail-tools. Added
# functions and types are compatible and pass (they are printed: record them
# with abi/update-baseline.sh when releasing); a removed or changed function,
# a changed struct layout or enum value, or a changed soname fails.
# abidiff's status is a bit mask: 1 error, 2 usage error, 4 ABI change,
# 8 incompatible ABI change (removed symbols).
# Skips (77) without abidiff, or on another architecture than the baseline's,
# unless CI=true.
set -u
base=$1 lib=$2 headers=$3

skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL (CI=true): $*"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

command -v abidiff >/dev/null 2>&1 ||
	skip "abidiff not found (Debian: apt-get install abigail-tools)"
arch=$(sed -n "s/^<abi-corpus.* architecture='\([^']*\)'.*/\1/p" "$base" | head -n 1)
case "$(uname -m)" in
x86_64) here=elf-amd-x86_64 ;;
*) here=$(uname -m) ;;
esac
[ "$arch" = "$here" ] || skip "the baseline is for $arch, this machine is $here"
if ! readelf -S "$lib" 2>/dev/null | grep -q '\.debug_info'; then
	skip "$lib has no debug info (build with -g, e.g. buildtype debugoptimized): only types with debug info can be compared"
fi

# No --headers-dir2: abidiff would then judge the new library's types by the
# source paths in its debug info, which depend on where it was built.
out=$(abidiff "$base" "$lib" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ $((rc & 3)) -ne 0 ]; then
	echo "FAIL: abidiff could not compare (status $rc)"
	exit 1
fi
# abidiff calls a change of a type behind a pointer (a struct growing, a
# field moving) an ABI change (4) but not an incompatible one (8): for this
# library every change of an existing function, variable or type fails; only
# added symbols pass.
changed=$(printf '%s\n' "$out" |
	sed -n 's/^\(Functions\|Variables\) changes summary: \([0-9]*\) Removed, \([0-9]*\) Changed.*/\2 \3/p' |
	awk '{ n += $1 + $2 } END { print n + 0 }')
if [ $((rc & 8)) -ne 0 ] || { [ $((rc & 4)) -ne 0 ] && [ "$changed" -ne 0 ]; } ||
   printf '%s\n' "$out" | grep -q 'SONAME changed'; then
	echo "FAIL: the ABI of $lib differs from $base (see above)."
	echo "A break needs a new soname; an intended compatible change (e.g. a field"
	echo "appended to an options struct), a new baseline: abi/update-baseline.sh BUILD-DIR"
	echo "(see abi/README.md)."
	exit 1
fi
if [ $((rc & 4)) -ne 0 ]; then
	echo "OK: only additions (see above)."
	echo "Record them in the baseline at release time: abi/update-baseline.sh BUILD-DIR"
	exit 0
fi
echo "OK: the ABI is the baseline's"
exit 0
