#!/bin/sh
# SPDX-License-Identifier: MIT
#
# cxx_check.sh SOURCE_ROOT [CXX ARGS...]
#
# The uAPI headers are also consumed from C++ (tools, the daemon's tests): each must compile
# alone as C++. Exits 77 (skip) when no C++ compiler was found.
root=${1:?usage: cxx_check.sh SOURCE_ROOT [CXX ARGS...]}
shift
if [ $# -eq 0 ]; then
	echo "uapi-cxx: SKIP: no C++ compiler found"
	exit 77
fi
passed=0
failed=0
for h in iommufd-uapi.h iommufd_test.h; do
	for std in c++11 c++17 gnu++20; do
		if printf '#include "%s"\n' "$h" |
			"$@" -x c++ -std="$std" -fsyntax-only -Wall -Wextra -Werror \
				-I"$root/uapi" -; then
			passed=$((passed + 1))
		else
			echo "FAIL: $h does not compile as $std"
			failed=$((failed + 1))
		fi
	done
done
echo "uapi-cxx: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
