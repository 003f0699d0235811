#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/qemu-boot.sh [--rounds N] [--viommu] BUILD_DIR
#
# Issue 15 item 5: unmodified QEMU 10 booting a Linux guest to "DMA done" with
# kmod-mock's edu passed through (tests/qemu's mock-fd machine: -object iommufd
# -device vfio-pci,fd=N under iommufd-mock-run) against the same boot with
# QEMU's own emulated -device edu (the control machine), in the same run,
# alternating which goes first, N rounds (default 5). Both boot the same guest
# kernel and initramfs (tests/qemu/qemu-test.sh, with --timestamps).
#
# Measured per boot, on the host's clock from the start of QEMU (under the mock:
# from the start of iommufd-mock-run, which starts the daemon): the moment the
# guest reports its last DMA ("QT-CHECK dma-from-device pass", or with
# --viommu the guest vfio-pci's "viommu-dma-from-device" behind an emulated
# VT-d: the mock-fd-viommu vs control-viommu machines), and the whole run to
# QEMU's exit. Prints each round, the medians, the ratio mock / control of the
# medians, and a "target:" line with the verdict against <= 1.25x.
#
# Exit: 0 measured (met or not), 1 a boot failed a check, 2 usage, 77 skipped
# (QEMU or the guest could not be fetched: see tests/qemu/qemu-test.sh).
set -uo pipefail

rounds=5
viommu=0
while [[ $# -gt 0 ]]; do
	case $1 in
	--rounds) rounds=${2:?}; shift 2 ;;
	--viommu) viommu=1; shift ;;
	-*) echo "usage: bench/qemu-boot.sh [--rounds N] [--viommu] BUILD_DIR" >&2; exit 2 ;;
	*) break ;;
	esac
done
build=${1:-}
if [[ -z $build || ! -d $build/tests/qemu ]]; then
	echo "usage: bench/qemu-boot.sh [--rounds N] [--viommu] BUILD_DIR" >&2
	exit 2
fi
build=$(realpath "$build")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(dirname "$here")
guest=$build/tests/qemu/qemu-edu-guest
mockrun=$build/kmod-mock/transport/run/iommufd-mock-run
if [[ ! -x $guest || ! -x $mockrun ]]; then
	echo "qemu-boot: $guest or $mockrun is missing (configure with -Dmock=true and qemu_tests not disabled)" >&2
	exit 77
fi
export IOMMUFD_MOCKD=${IOMMUFD_MOCKD:-$build/kmod-mock/transport/daemon/iommufd-mockd}
export IOMMUFD_MOCK_SHIM=${IOMMUFD_MOCK_SHIM:-$build/kmod-mock/transport/shim/libiommufd-mock.so}

if [[ $viommu == 1 ]]; then
	mock=mock-fd-viommu control=control-viommu check=viommu-dma-from-device
else
	mock=mock-fd control=control check=dma-from-device
fi
qt=(bash "$src/tests/qemu/qemu-test.sh" --quiet --timestamps)
out=$(mktemp -d)
# QEMU_BOOT_KEEP=DIR keeps every boot's output there (QT-TIME lines, the guest's checks)
keep=${QEMU_BOOT_KEEP:-}
trap 'rm -rf "$out"' EXIT

# fetch (or find in the cache) once, untimed
"${qt[@]}" fetch >"$out/fetch.txt" 2>&1
rc=$?
if [[ $rc -ne 0 ]]; then
	cat "$out/fetch.txt" >&2
	exit "$rc"
fi

# boot MACHINE: prints "DMA_SECS TOTAL_SECS" or fails
boot() {
	local m=$1 f=$out/$1.txt rc dma total
	local -a extra=()
	[[ $m == mock-* ]] && extra=(--mock-run "$mockrun")
	"${qt[@]}" "${extra[@]}" run "$m" "$guest" >"$f" 2>&1
	rc=$?
	[[ -n $keep ]] && mkdir -p "$keep" && cp "$f" "$keep/$m.$r.txt"
	dma=$(awk -v c="$check" '$1 == "QT-TIME" && $3 == "QT-CHECK" && $4 == c && $5 == "pass" { print $2; exit }' "$f")
	total=$(awk '$1 == "QT-TIME" && $3 == "QT-QEMU-EXIT" { print $2; exit }' "$f")
	if [[ $rc -ne 0 || -z $dma || -z $total ]]; then
		echo "qemu-boot: $m failed (exit $rc):" >&2
		tail -n 15 "$f" >&2
		return 1
	fi
	echo "$dma $total"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "QEMU 10 guest boot to DMA done ($check): $mock (kmod-mock's edu, vfio-pci fd=) vs $control (QEMU's -device edu), $rounds rounds, alternating"
printf '%-6s %-16s %12s %12s\n' round machine "dma-done s" "exit s"
: >"$out/mock.dma"; : >"$out/control.dma"; : >"$out/mock.total"; : >"$out/control.total"
for ((r = 1; r <= rounds; r++)); do
	if ((r % 2)); then order=("$mock" "$control"); else order=("$control" "$mock"); fi
	for m in "${order[@]}"; do
		res=$(boot "$m") || exit 1
		read -r dma total <<<"$res"
		side=control
		[[ $m == mock-* ]] && side=mock
		echo "$dma" >>"$out/$side.dma"
		echo "$total" >>"$out/$side.total"
		printf '%-6s %-16s %12s %12s\n' "$r" "$m" "$dma" "$total"
	done
done
md=$(median <"$out/mock.dma"); cd_=$(median <"$out/control.dma")
mt=$(median <"$out/mock.total"); ct=$(median <"$out/control.total")
ratio=$(awk -v a="$md" -v b="$cd_" 'BEGIN { printf "%.2f", a / b }')
tratio=$(awk -v a="$mt" -v b="$ct" 'BEGIN { printf "%.2f", a / b }')
printf 'median %-16s %12s %12s\n' "$mock" "$md" "$mt"
printf 'median %-16s %12s %12s\n' "$control" "$cd_" "$ct"
echo "ratio mock / control: boot to DMA done ${ratio}x, whole run to QEMU exit ${tratio}x"
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.25) ? "met" : "NOT met" }')
echo "target: QEMU boot to DMA done ($mock vs $control) <= 1.25x: ${ratio}x (median of $rounds: ${md} s vs ${cd_} s), $verdict"
