#!/bin/sh
# SPDX-License-Identifier: MIT
#
# header-check.sh -I DIR... [--c COMPILER]... [--cxx COMPILER]... -- HEADER...
#
# Each public header must compile on its own, included first and alone, as
# strict C and as C++: with every C compiler given, -std=c11 -pedantic
# -Werror -Wall -Wextra; with every C++ compiler given, -std=c++17 -Werror
# -Wall -Wextra. HEADER is a name under <iommufd/>. Exit 0 all compiled,
# 1 one failed, 77 no compiler at all.
incs=""
ccs=""
cxxs=""
while [ $# -gt 0 ]; do
	case $1 in
	-I) incs="$incs -I$2"; shift 2 ;;
	--c) [ -n "$2" ] && ccs="$ccs $2"; shift 2 ;;
	--cxx) [ -n "$2" ] && cxxs="$cxxs $2"; shift 2 ;;
	--) shift; break ;;
	*) echo "header-check: unknown argument $1" >&2; exit 2 ;;
	esac
done
if [ -z "$ccs$cxxs" ]; then
	echo "header-check: SKIP: no compiler"
	exit 77
fi
[ $# -gt 0 ] || { echo "header-check: no headers given" >&2; exit 2; }
passed=0
failed=0
check() { # LANG COMPILER HEADER FLAGS...
	lang=$1 comp=$2 hdr=$3
	shift 3
	# shellcheck disable=SC2086 # $incs is a word list
	if out=$(printf '#include <iommufd/%s>\n' "$hdr" |
		"$comp" -x "$lang" "$@" -Werror -Wall -Wextra -fsyntax-only $incs - 2>&1); then
		passed=$((passed + 1))
	else
		echo "FAIL: <iommufd/$hdr> with $comp $*:"
		echo "$out" | head -20
		failed=$((failed + 1))
	fi
}
for hdr in "$@"; do
	for c in $ccs; do
		check c "$c" "$hdr" -std=c11 -pedantic
	done
	for c in $cxxs; do
		check c++ "$c" "$hdr" -std=c++17
	done
done
echo "header-check: $# headers, compilers:$ccs$cxxs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
