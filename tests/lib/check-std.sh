#!/bin/sh
# SPDX-License-Identifier: MIT
#
# check-std.sh SOURCE-ROOT BUILD-INCLUDE-DIR
#
# The public headers and an example are portable C and C++: every header of
# include/iommufd on its own, tests/lib/std-check.c (IOMMUFD_OPTS for every
# options struct), examples/ioas-map.c and examples/qemu-iommufd.c (the QEMU
# port, with the edu helper's header) compile with gcc and clang as
# -std=c11 -pedantic, and with g++ and clang++ as
# -std=c++17, with -Wall -Wextra -Werror. gcc and g++ are required; clang and
# clang++ are used when installed (a missing one is reported, not failed).
set -u
root=${1:?usage: check-std.sh SOURCE-ROOT BUILD-INCLUDE-DIR}
binc=${2:?usage: check-std.sh SOURCE-ROOT BUILD-INCLUDE-DIR}
pass=0 fail=0
tmp=$(mktemp -d)
for h in "$root"/include/iommufd/*.h "$binc"/iommufd/version.h; do
	n=$(basename "$h" .h)
	printf '#include <iommufd/%s.h>\nint header_%s_alone(void);\n' "$n" "$n" >"$tmp/header-$n.c"
done

check() { # COMPILER LANGUAGE-FLAGS... -- FILE
	cc=$1
	shift
	if ! command -v "$cc" >/dev/null 2>&1; then
		case $cc in
		gcc | g++) echo "FAIL: $cc not found"; fail=$((fail + 1)) ;;
		*) echo "not checked: $cc not found" ;;
		esac
		return
	fi
	for f in "$tmp"/header-*.c "$root/tests/lib/std-check.c" "$root/examples/ioas-map.c" \
		"$root/examples/qemu-iommufd.c"; do
		if "$cc" "$@" -Wall -Wextra -Werror -I"$root/include" -I"$binc" \
			-fsyntax-only "$f"; then
			echo "ok: $cc $* $(basename "$f")"
			pass=$((pass + 1))
		else
			echo "FAIL: $cc $* $(basename "$f")"
			fail=$((fail + 1))
		fi
	done
}

check gcc -std=c11 -pedantic
check clang -std=c11 -pedantic
check g++ -x c++ -std=c++17
check clang++ -x c++ -std=c++17
rm -rf "$tmp"
echo "check-std: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
