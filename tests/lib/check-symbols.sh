#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks the dynamic symbol table of libiommufd: every defined symbol is an
# iommufd_* function of version node LIBIOMMUFD_1.0 (or the node itself).
set -eu
lib="$1"
nm="${NM:-nm}"
syms=$("$nm" -D --defined-only "$lib" | awk '{print $3}')
bad=0
count=0
for s in $syms; do
	case "$s" in
	LIBIOMMUFD_1.0) ;;
	iommufd_*@@LIBIOMMUFD_1.0) count=$((count + 1)) ;;
	*) echo "unexpected exported symbol: $s"; bad=1 ;;
	esac
done
if [ "$count" -eq 0 ]; then
	echo "no iommufd_* symbols exported"
	exit 1
fi
echo "$count iommufd_* symbols, all @@LIBIOMMUFD_1.0"
exit "$bad"
