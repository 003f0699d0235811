#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# vfio-selftests.sh build [OPTIONS] --out DIR
# vfio-selftests.sh run [OPTIONS] PROGRAM [-- HARNESS-ARGS...]
#
# The Linux kernel's own VFIO selftests (tools/testing/selftests/vfio of
# Debian's linux-source-7.3), built unchanged and run on the first device
# bound to vfio-pci: under kmod-mock's iommufd-mock-run (meson suite
# vfio-selftests) or, by tests/kernel, in the real 7.3 test VM.
#
# build   extracts the selftest, its library and the headers it reads from
#         the cached source tarball (scripts/linux-source.sh --tarball) into
#         CACHE/vfio-selftests-7.3, compiles the seven programs there (again
#         only when this script, the tarball or the compiler change: .stamp)
#         and copies them to DIR. When the source cannot be had (and neither
#         --require-source nor CI=true), DIR gets stand-ins that print a
#         KTAP skip and exit 4 (KSFT_SKIP), so that the build never fails
#         for want of a download.
# run     runs PROGRAM (through --runner CMD if given) on the device that
#         with-bdf.sh finds (/sys/class/vfio-dev/*/device), parses its KTAP
#         and prints per-test results and one summary line:
#           vfio-selftests PROG: N passed, N failed, N skipped
#         It fails (exit 1) when the program crashed or did not finish, or
#         when a test failed that --known-failures does not name, or a named
#         test did not fail (stale entry). Exit 77 when PROGRAM is a stand-in
#         or skipped wholesale (exit status 4, "1..0 # SKIP").
#
# Options:
#   --cache DIR        cache root (default ${LIBIOMMUFD_CACHE:-${XDG_CACHE_HOME:-~/.cache}/libiommufd})
#   --linux-source SH  scripts/linux-source.sh (default: found from this file)
#   --cc "CC WORDS"    compiler command (default ${CC:-cc})
#   --require-source   build: no source is an error, not stand-ins
#   --runner CMD       run: the mock's iommufd-mock-run
#   --known-failures FILE
#                      run: "PROG:TEST # reason" per line: tests that must fail
#   --results-dir DIR  run: write PROG.tap, PROG.results, PROG.log there
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
PROGS=(vfio_dma_mapping_test vfio_dma_mapping_mmio_test vfio_iommufd_setup_test
	vfio_pci_device_test vfio_pci_device_init_perf_test vfio_pci_driver_test
	vfio_pci_sriov_uapi_test)

cmd=${1:-}
shift || true
cache_root=${LIBIOMMUFD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libiommufd}
linux_source="$HERE/../../scripts/linux-source.sh"
cc_cmd=${CC:-cc}
require_source=0
[[ ${CI:-} == true ]] && require_source=1
runner=
known=
results_dir=
out=

usage() {
	sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF" >&2
	exit 2
}
while [[ $# -gt 0 ]]; do
	case $1 in
	--cache) [[ -n ${2:-} ]] && cache_root=$2; shift 2 ;;
	--linux-source) linux_source=${2:?}; shift 2 ;;
	--cc) cc_cmd=${2:?}; shift 2 ;;
	--require-source) require_source=1; shift ;;
	--runner) runner=${2:?}; shift 2 ;;
	--known-failures) known=${2:?}; shift 2 ;;
	--results-dir) results_dir=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) echo "vfio-selftests.sh: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
log() { printf 'vfio-selftests.sh: %s\n' "$*" >&2; }
die() { printf 'vfio-selftests.sh: ERROR: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------------ build --
do_build() {
	[[ -n $out ]] || usage
	mkdir -p "$out"
	local tarball top dir stamp src k v uapi cflags compat libs p o objs
	# shellcheck disable=SC2206 # the compiler command is a word list on purpose
	local cc=($cc_cmd)
	if ! tarball=$(bash "$linux_source" --tarball 7.3 "$cache_root"); then
		[[ $require_source == 1 ]] && die "cannot fetch Debian linux-source-7.3"
		log "no linux-source-7.3: writing stand-ins that skip"
		for p in "${PROGS[@]}"; do
			printf '#!/bin/sh\necho "1..0 # SKIP linux-source-7.3 could not be fetched at build time"\nexit 4\n' >"$out/$p"
			chmod 755 "$out/$p"
		done
		return 0
	fi
	dir="$cache_root/vfio-selftests-7.3"
	mkdir -p "$dir"
	exec 8>"$dir/.lock"
	flock 8
	local cc_path
	cc_path=$(command -v "${cc[0]}") || die "compiler '${cc[0]}' not found"
	stamp=$({
		sha256sum "$SELF" | cut -d' ' -f1
		stat -c '%n %s %Y' "$tarball"
		echo "$cc_path ${cc[*]}"
		"${cc[@]}" --version 2>&1 | head -1
	} | sha256sum | cut -d' ' -f1)
	if [[ -f $dir/.stamp && $(cat "$dir/.stamp") == "$stamp" ]] &&
	   for p in "${PROGS[@]}"; do [[ -x $dir/bin/$p ]] || exit 1; done; then
		log "using the cached build in $dir"
	else
		rm -rf "${dir:?}/src" "${dir:?}/bin" "${dir:?}/.stamp"
		mkdir -p "$dir/src" "$dir/bin/lib"
		top=$(tar -tf "$tarball" 2>/dev/null | head -1 | cut -d/ -f1 || true)
		top=${top:-linux-source-7.3}
		log "extracting the VFIO selftest and the headers it reads from $tarball"
		# The selftest's symlinks (lib/drivers/*/*.h) point at the driver
		# headers; tools/include and tools/arch are the kernel's headers for
		# user space; the uAPI headers replace the installed ones
		# (KHDR_INCLUDES).
		tar -xf "$tarball" -C "$dir/src" --wildcards \
			"$top/tools/testing/selftests/vfio/*" \
			"$top/tools/testing/selftests/kselftest.h" \
			"$top/tools/testing/selftests/kselftest_harness.h" \
			"$top/tools/include/*" \
			"$top/tools/arch/x86/include/*" \
			"$top/include/linux/pci_ids.h" \
			"$top/include/uapi/linux/vfio.h" \
			"$top/include/uapi/linux/iommufd.h" \
			"$top/include/uapi/linux/idxd.h" \
			"$top/drivers/dma/idxd/registers.h" \
			"$top/drivers/dma/ioat/hw.h" \
			"$top/drivers/dma/ioat/registers.h" \
			"$top/drivers/net/ethernet/intel/igb/e1000_*.h"
		k="$dir/src/$top"
		v="$k/tools/testing/selftests/vfio"
		uapi="$dir/src/uapi"
		mkdir -p "$uapi/linux"
		cp "$k"/include/uapi/linux/{vfio.h,iommufd.h,idxd.h} "$uapi/linux/"
		# tools/testing/selftests/vfio/Makefile, lib/libvfio.mk and lib.mk's
		# flags; -D__user= as the raw uAPI vfio.h still has one.
		cflags=(-O2 -Wall -D_GNU_SOURCE= -pthread -isystem "$uapi" -D__user=
			-I "$k/tools/testing/selftests" -I "$k/tools/include" -I "$v/lib/include")
		compat=()
		if ! printf '#include <linux/stddef.h>\n#ifndef __counted_by\n#error no\n#endif\n' |
		     "${cc[@]}" -E -x c - >/dev/null 2>&1; then
			compat+=('-D__counted_by(m)=') # linux-libc-dev before 6.7
		fi
		[[ -e /usr/include/uuid/uuid.h ]] || die "the VFIO selftests need <uuid/uuid.h>: install uuid-dev"
		libs=(lib/iommu.c lib/iova_allocator.c lib/libvfio.c lib/sysfs.c
			lib/vfio_pci_device.c lib/vfio_pci_driver.c lib/drivers/ioat/ioat.c
			lib/drivers/dsa/dsa.c lib/drivers/nv_falcon/nv_falcon.c lib/drivers/igb/igb.c)
		objs=()
		for src in "${libs[@]}"; do
			o="$dir/bin/lib/$(basename "$src" .c).o"
			(cd "$v" && "${cc[@]}" "${cflags[@]}" "${compat[@]}" -c "$src" -o "$o") ||
				die "compiling $src failed"
			objs+=("$o")
		done
		for p in "${PROGS[@]}"; do
			(cd "$v" && "${cc[@]}" "${cflags[@]}" "${compat[@]}" -o "$dir/bin/$p.tmp" "$p.c" \
				"${objs[@]}" -luuid) || die "building $p failed"
			mv -f "$dir/bin/$p.tmp" "$dir/bin/$p"
		done
		printf 'tarball=%s\ncc=%s\ncflags=%s %s\n' "$tarball" "${cc[*]}" "${cflags[*]}" \
			"${compat[*]}" >"$dir/build-info.txt"
		echo "$stamp" >"$dir/.stamp"
		log "built ${#PROGS[@]} programs in $dir/bin"
	fi
	for p in "${PROGS[@]}"; do cp -f "$dir/bin/$p" "$out/$p"; done
}

# -------------------------------------------------------------------- run --
do_run() {
	local prog=${1:-} pn rout tap res status
	[[ -n $prog && -x $prog ]] || usage
	shift
	[[ ${1:-} == -- ]] && shift
	pn=$(basename "$prog")
	prog=$(realpath "$prog")
	[[ -n $runner && $runner == */* ]] && runner=$(realpath "$runner")
	rout=${results_dir:-$(dirname "$prog")/results}
	mkdir -p "$rout"
	tap="$rout/$pn.tap"
	res="$rout/$pn.results"
	# What the hugetlb variants can have: they skip (mmap ENOMEM) without.
	local h2 h1
	h2=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
	h1=$(cat /sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages 2>/dev/null || echo 0)
	echo "NOTE: host huge pages free: $h2 x 2 MiB, $h1 x 1 GiB" \
	     "(the *_hugetlb_2mb / *_hugetlb_1gb variants skip without)"
	local c=("$HERE/with-bdf.sh" "$prog" "$@")
	[[ -n $runner ]] && c=("$runner" "${c[@]}")
	log "running: ${c[*]}"
	set +e
	"${c[@]}" </dev/null 2>&1 | tee "$tap"
	status=${PIPESTATUS[0]}
	set -e
	awk -f "$HERE/../kernel/ktap-results.awk" "$tap" >"$res"
	local plan n
	plan=$(sed -n 's/^1\.\.\([0-9]\+\).*/\1/p' "$tap" | head -n 1)
	n=$(wc -l <"$res")
	if [[ -z $plan ]]; then
		# kselftest's exit(KSFT_SKIP) before the plan: no driver for the
		# device, no SR-IOV
		[[ $status == 4 ]] && { echo "vfio-selftests $pn: skipped as a whole (exit status 4)"; exit 77; }
		die "$pn: no KTAP plan, exit status $status: the program did not run or crashed first"
	fi
	[[ $plan == 0 ]] && { echo "vfio-selftests $pn: skipped as a whole ($(grep -m1 '^1\.\.0' "$tap"))"; exit 77; }
	local bad=0
	if [[ $n != "$plan" ]]; then
		echo "FAIL: $pn: $n results of a plan of $plan (exit status $status): crashed part-way"
		bad=1
	fi
	# known failures: "PROG:TEST # reason" lines, this program's only
	declare -A K=()
	local name _r
	if [[ -n $known ]]; then
		while read -r name _r; do
			[[ $name == "$pn":* ]] && K[${name#"$pn":}]=1
		done <"$known"
	fi
	local t r p=0 f=0 s=0
	declare -A SEEN=()
	while IFS=$'\t' read -r t r; do
		SEEN[$t]=1
		case $r in
		pass | xfail) p=$((p + 1)) ;;
		skip) s=$((s + 1)) ;;
		*) f=$((f + 1)) ;;
		esac
		printf '%-5s %s\n' "$r" "$t"
		if [[ $r == fail || $r == xpass ]]; then
			if [[ -n ${K[$t]:-} ]]; then
				echo "  (known failure: $(grep -F "$pn:$t " "$known" | sed 's/^[^#]*# *//'))"
			else
				echo "FAIL: $pn: unexpected failure: $t"
				bad=1
			fi
		elif [[ -n ${K[$t]:-} ]]; then
			echo "FAIL: $pn: $t is listed as a known failure but gave '$r': remove it from $known"
			bad=1
		fi
	done <"$res" >"$rout/$pn.log"
	for t in "${!K[@]}"; do
		[[ -n ${SEEN[$t]:-} ]] ||
			{ echo "FAIL: $pn: $t is listed as a known failure but did not run" >>"$rout/$pn.log"; bad=1; }
	done
	cat "$rout/$pn.log"
	echo "vfio-selftests $pn: $p passed, $f failed, $s skipped (exit status $status)"
	exit $bad
}

case $cmd in
build) do_build ;;
run) do_run "$@" ;;
*) usage ;;
esac
