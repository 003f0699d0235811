#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/run.sh [--quick] BUILD_DIR
# bench/run.sh --kernel BUILD_DIR      target 6 only (bench/real-kernel.sh: a VM)
#
# Runs every benchmark of issue 7 against a meson build dir (configured with
# -Dmock=true) and prints one summary table of the targets:
#   1 libcost    library instructions of map + unmap vs raw ioctls (callgrind)
#   2 scale      mock core with 10^3 .. 10^6 areas, in-process
#   3 transport  one ioctl through shim + daemon vs a bare AF_UNIX round trip
#   4 dirty      reading + clearing a 64 GiB dirty bitmap vs a plain scan
#   5 kselftest  the kernel's 7.3 iommufd selftest under the mock, timed
#   7 qemu-boot  QEMU 10 guest boot to DMA done, the mock's edu passed through vs
#                QEMU's emulated edu, alternating (bench/qemu-boot.sh; issue 15)
# (6, the real-kernel VM comparison, is a separate command: bench/run.sh --kernel BUILD_DIR.)
# --quick runs the small versions (what `meson test --benchmark` runs).
# Each program's full output is kept in BUILD_DIR/bench/results/NAME.txt.
# The kselftest is built (untimed) into a private cache under BUILD_DIR, from
# the kernel source the project's cache already holds (or fetches).
set -uo pipefail

quick=0
if [[ ${1:-} == --quick ]]; then
	quick=1
	shift
elif [[ ${1:-} == --kernel ]]; then
	shift
	exec bash "$(dirname "${BASH_SOURCE[0]}")/real-kernel.sh" "$@"
fi
build=${1:-}
if [[ -z $build || ! -d $build/bench ]]; then
	echo "usage: bench/run.sh [--quick | --kernel] BUILD_DIR" >&2
	exit 2
fi
build=$(realpath "$build")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(dirname "$here")
results=$build/bench/results
mkdir -p "$results"
export IOMMUFD_MOCKD=$build/kmod-mock/transport/daemon/iommufd-mockd
export IOMMUFD_MOCK_SHIM=$build/kmod-mock/transport/shim/libiommufd-mock.so

summary=()

# run NAME CMD...: run, keep the output, collect its "target:" lines.
run() {
	local name=$1 rc t0 t1
	shift
	echo "== $name: $*" >&2
	t0=$(date +%s.%N)
	"$@" >"$results/$name.txt" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	cat "$results/$name.txt"
	printf '(%s: exit %d, %.1f s)\n\n' "$name" "$rc" "$(echo "$t1 - $t0" | bc)"
	if [[ $rc -eq 77 ]]; then
		summary+=("$name|skipped (exit 77)")
	elif [[ $rc -ne 0 ]]; then
		summary+=("$name|FAILED (exit $rc), see $results/$name.txt")
	fi
	while IFS= read -r line; do
		summary+=("$name|${line#target: }")
	done < <(grep '^target:' "$results/$name.txt")
}

if [[ $quick -eq 1 ]]; then
	run libcost "$build/bench/bench-libcost" 2000
	run scale "$build/bench/bench-scale" --quick
	run transport "$build/bench/bench-transport" 2000
	run dirty "$build/bench/bench-dirty" --quick
else
	run libcost "$build/bench/bench-libcost" 10000
	run scale "$build/bench/bench-scale"
	run transport "$build/bench/bench-transport"
	run dirty "$build/bench/bench-dirty"
fi

# 5: the kselftest. Private cache (the run writes its logs there), sharing
# the extracted kernel sources with the user's cache when it has them.
kscache=$build/bench/kselftest-cache
usercache=${LIBIOMMUFD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libiommufd}
mkdir -p "$kscache"
for d in src-7.3 deb-7.3; do
	[[ -e $usercache/$d && ! -e $kscache/$d ]] && ln -s "$usercache/$d" "$kscache/$d"
done
ks=(bash "$src/tests/kselftest/kselftest.sh" --runner "$build/kmod-mock/transport/run/iommufd-mock-run"
    --linux-source "$src/scripts/linux-source.sh" --cache "$kscache")
if [[ $quick -eq 1 ]]; then
	summary+=("kselftest|not run with --quick (the whole 7.3 suite takes tens of seconds)")
elif "${ks[@]}" --build-only 7.3 iommufd >"$results/kselftest-build.txt" 2>&1; then
	t0=$(date +%s.%N)
	"${ks[@]}" 7.3 iommufd >"$results/kselftest.txt" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	secs=$(echo "$t1 - $t0" | bc)
	line=$(grep '^kselftest-7.3 iommufd:' "$results/kselftest.txt" | tail -1)
	echo "== kselftest: ${line:-no summary line (exit $rc)}, $secs s"
	verdict=$(echo "$secs < 60" | bc)
	summary+=("kselftest|7.3 iommufd suite under the mock < 60 s: $(printf '%.1f' "$secs") s ($line), $([[ $verdict -eq 1 ]] && echo met || echo NOT met)")
else
	summary+=("kselftest|skipped: the selftest could not be built (see $results/kselftest-build.txt)")
fi

# 7: QEMU 10 booting a guest to DMA done, the mock's edu vs QEMU's own (5
# rounds of two boots, about 2 minutes; skipped when QEMU cannot be fetched)
if [[ $quick -eq 1 ]]; then
	summary+=("qemu-boot|not run with --quick (ten QEMU guest boots take minutes)")
else
	run qemu-boot bash "$here/qemu-boot.sh" "$build"
fi

echo
echo "==================== summary (issue 7 targets, 7 = issue 15 item 5; 6 = real kernel, separate) ===================="
printf '%-10s %s\n' "bench" "target: measured, verdict"
for s in "${summary[@]}"; do
	printf '%-10s %s\n' "${s%%|*}" "${s#*|}"
done
