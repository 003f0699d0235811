#!/bin/sh
# SPDX-License-Identifier: MIT
# check-man.sh PAGE: the page renders with man(1) and groff gives no warning.
set -eu
out=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$1" 2>&1 >/dev/null) || {
	echo "man cannot render $1"; exit 1; }
if [ -n "$out" ]; then
	printf '%s\n' "$out"
	echo "FAIL: $1 renders with warnings"
	exit 1
fi
echo "OK: $1"
