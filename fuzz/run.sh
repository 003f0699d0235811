#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh - run the libFuzzer harnesses for a while each; fail on any crash,
# leak, sanitizer report or timeout.
#
#   fuzz/run.sh [--seconds N] [--build DIR] [--jobs J] [HARNESS...]
#
# N defaults to 60 (FUZZ_SECONDS), DIR to build/fuzz (FUZZ_BUILD: the fuzz
# directory of a clang build tree), the harnesses to all of them. Each starts
# from its seed corpus fuzz/corpus/<harness>/ (read, never written) and keeps
# what it learns in $FUZZ_OUT/<harness>/corpus (default: DIR/fuzz-out);
# crashing inputs land in $FUZZ_OUT/<harness>/ as crash-*, leak-*, timeout-*.
# `--skip` exits 77 (meson's "skipped": the build has no clang).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-$here/../build/fuzz}
jobs=1
while [ $# -gt 0 ]; do
	case "$1" in
	--skip) echo "fuzz: not a clang build, skipped"; exit 77 ;;
	--seconds) seconds=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "usage: $0 [--seconds N] [--build DIR] [--jobs J] [HARNESS...]" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || set -- fuzz-core-ioctl fuzz-core-eventq fuzz-lib-parse
out=${FUZZ_OUT:-$build/fuzz-out}

status=0
for h in "$@"; do
	exe=$build/$h
	if [ ! -x "$exe" ]; then
		echo "fuzz: $exe not built (configure with CC=clang)" >&2
		status=1
		continue
	fi
	mkdir -p "$out/$h/corpus"
	log=$out/$h/log.txt
	echo "fuzz: $h for ${seconds}s (log $log)"
	# Leaks are checked per input (libFuzzer runs LSan when an input's mallocs
	# outnumber its frees); -rss_limit_mb also bounds any single allocation.
	par=
	[ "$jobs" -le 1 ] || par="-jobs=$jobs -workers=$jobs"
	if ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
	   UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	   "$exe" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
		$par -print_final_stats=1 \
		-artifact_prefix="$out/$h/" "$out/$h/corpus" "$here/corpus/$h" >"$log" 2>&1; then
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" |
			sed "s/^/fuzz: $h /" || true
		grep -E 'DONE|cov:' "$log" | tail -1 | sed "s/^/fuzz: $h /" || true
	else
		echo "fuzz: $h FAILED; the end of its log:" >&2
		tail -60 "$log" >&2
		status=1
	fi
done
exit $status
