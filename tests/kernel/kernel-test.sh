#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# shellcheck disable=SC2317 # build_* are called as "build_$kernel"
# shellcheck disable=SC2034 # the T*_ENABLE/DISABLE lists are passed by name
#
# kernel-test.sh [OPTIONS] build KERNEL
# kernel-test.sh [OPTIONS] run KERNEL [PROG...]
#
# Boots a real Linux kernel under QEMU (TCG, no KVM needed) and runs test
# programs in it against the kernel's real /dev/iommu and, with an emulated
# Intel VT-d, a real VFIO device (QEMU's "edu" PCI device bound to vfio-pci).
#
# KERNEL:
#   real612  Debian bookworm's stock 6.12 kernel image. Debian builds it without
#            IOMMUFD, so iommufd.ko, vfio.ko, vfio-pci-core.ko and vfio-pci.ko
#            are rebuilt out of tree from the matching linux-source-6.12 and
#            loaded into the unmodified image. Always with VT-d + edu.
#   test73   a small Linux 7.3 (Debian's linux-source-7.3, via
#            scripts/linux-source.sh) with CONFIG_IOMMUFD_TEST=y: the real
#            iommufd core plus the kernel's own mock devices, for the kernel
#            selftests. --viommu adds VT-d + edu to the same boot.
#   test612  the same for 6.12, from bookworm's linux-source-6.12 of the
#            version real612 uses (6.12.117). Never with --viommu: 6.12's
#            selftest mock devices fail to probe once VT-d is registered.
#
# build   downloads and builds KERNEL into CACHE/kernel/KERNEL unless an
#         identical build is already there (flock-protected; run builds too).
# run     boots KERNEL and runs every PROG in order, each with its exit status
#         and output reported; the last line is exactly
#           kernel-NAME: N passed, N failed
#         PROG is an executable (static, or dynamic: its shared libraries and
#         ELF interpreter are copied into the initramfs, found with ldd), a .c
#         file (compiled here with -static, -I uapi/), or kselftest:PROG for
#         the kernel's own selftest PROG (iommufd, iommufd_fail_nth) of the
#         kernel's series, built by tests/kselftest/kselftest.sh --build-only.
#         Exit 77 = skipped. Output with KTAP ("1..N" and "ok N name" lines)
#         is also summarised (passed/failed/skipped); such a program passes
#         when every test reported and each failure is listed in --xfail
#         (its exit status is not used then). Exit status 4 without a plan
#         or with "1..0" (kselftest's KSFT_SKIP) is a skip.
#
# Options (anywhere before a "--"):
#   --cache DIR        cache root (default ${LIBIOMMUFD_CACHE:-${XDG_CACHE_HOME:-~/.cache}/libiommufd});
#                      kernels go to DIR/kernel/, source tarballs to DIR/deb-SERIES/
#   --name NAME        name in the final line (default KERNEL)
#   --viommu           test73: add -device intel-iommu and bind edu to vfio-pci
#   --edu-bridge       with --viommu: edu sits alone behind a PCI bridge (bus 1, slot 1), where
#                      vfio-pci can reset it through the bus (tests/kernel/vfio-pci-calls.c)
#   --xfail FILE       test names (one per line, '#' comments) expected to fail
#   --cflags FLAGS     extra compiler flags for .c programs
#   --env VAR=VALUE    exported to the guest's programs (may be repeated)
#   --timeout SECS     QEMU time limit (default 1800)
#   --prog-timeout S   time limit of each program in the guest (default 900)
#   --jobs N           make -j (default 2); builds run under nice -n 10
#   --kver ABI         real612: Debian kernel ABI, e.g. 6.12.117+deb12-amd64
#                      (default: the newest linux-image-6.12.*-amd64-unsigned)
#   --keep-tree        keep the extracted kernel tree and objects after a build
#                      (default: keep only what a run needs, a few MB)
#   --rebuild          build even if the cached build looks current
#   --require          missing tools or downloads are errors, not a skip (77);
#                      also implied by CI=true
#   --quiet            do not echo the guest console (it is saved in the cache)
#   --results DIR      also keep each program's results in DIR: NAME.out (its
#                      output), NAME.results ("test<TAB>pass|fail|skip" per KTAP
#                      line) and NAME.meta (exit status, time, key of the run)
#   --reuse            with --results: when DIR already holds the results of
#                      every PROG for the same kernel build, options and
#                      program files (and libraries), report those instead of
#                      booting again
#
# Exit: 0 all programs passed (or skipped), 1 a program failed or the guest did
# not finish, 2 usage or build failure, 77 skipped (nothing could run).
# Host packages (bookworm names) are installed with apt-get when missing and
# running as root; kernel packages are only downloaded and unpacked (dpkg -x),
# never installed, and /boot is never touched.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
TOP=$(cd "$HERE/../.." && pwd)
# Bump when the way a kernel is built changes, so cached builds are redone.
RECIPE=1

cache_root=${LIBIOMMUFD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libiommufd}
name=
viommu=0
edu_bridge=0
xfail=
extra_cflags=
qemu_timeout=1800
prog_timeout=900
jobs=2
kver=
keep_tree=0
rebuild=0
require=0
quiet=0
results_dir=
reuse=0
guest_env=()
[[ ${CI:-} == true ]] && require=1

usage() {
	sed -n '6,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF" >&2
	exit 2
}
# options may come anywhere before a "--"
pos=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--cache) [[ -n ${2:-} ]] && cache_root=$2; shift 2 ;;
	--name) name=${2:?}; shift 2 ;;
	--viommu) viommu=1; shift ;;
	--edu-bridge) edu_bridge=1; shift ;;
	--xfail) xfail=${2:?}; shift 2 ;;
	--cflags) extra_cflags=${2:-}; shift 2 ;;
	--env) [[ ${2:-} == [A-Za-z_]*=* ]] || usage; guest_env+=("$2"); shift 2 ;;
	--timeout) qemu_timeout=${2:?}; shift 2 ;;
	--prog-timeout) prog_timeout=${2:?}; shift 2 ;;
	--jobs) jobs=${2:?}; shift 2 ;;
	--kver) kver=${2:?}; shift 2 ;;
	--keep-tree) keep_tree=1; shift ;;
	--rebuild) rebuild=1; shift ;;
	--require) require=1; shift ;;
	--quiet) quiet=1; shift ;;
	--results) results_dir=${2:?}; shift 2 ;;
	--reuse) reuse=1; shift ;;
	-h | --help) usage ;;
	--) shift; pos+=("$@"); break ;;
	-*) echo "kernel-test.sh: unknown option $1" >&2; usage ;;
	*) pos+=("$1"); shift ;;
	esac
done
set -- "${pos[@]}"
[[ $# -ge 2 ]] || usage
cmd=$1
kernel=$2
[[ $cmd == build || $cmd == run ]] || usage
case $kernel in
real612 | test73 | test612) ;;
*) echo "kernel-test.sh: KERNEL must be real612, test73 or test612, not '$kernel'" >&2; exit 2 ;;
esac
shift 2
[[ $kernel == real612 ]] && viommu=1
if [[ $kernel == test612 && $viommu == 1 ]]; then
	# 6.12 probes a device with the first IOMMU registered without a fwnode:
	# with VT-d that is dmar0, and every IOMMU_TEST_OP_MOCK_DOMAIN fails.
	echo "kernel-test.sh: test612 cannot have --viommu (6.12's mock devices need to be the only IOMMU)" >&2
	exit 2
fi
name=${name:-$kernel}
[[ -z $xfail || -f $xfail ]] || { echo "kernel-test.sh: no file $xfail" >&2; exit 2; }
[[ -n $xfail ]] && xfail=$(realpath "$xfail")
[[ $reuse == 0 || -n $results_dir ]] || { echo "kernel-test.sh: --reuse needs --results DIR" >&2; exit 2; }
if [[ -n $results_dir ]]; then
	mkdir -p "$results_dir"
	results_dir=$(cd "$results_dir" && pwd)
fi

log() { printf '[kernel-test %s] %s\n' "$name" "$*" >&2; }
die() { printf '[kernel-test %s] ERROR: %s\n' "$name" "$*" >&2; exit 2; }
# A missing prerequisite (tool, network) skips unless --require / CI=true.
unavailable() {
	if [[ $require == 1 ]]; then die "$*"; fi
	printf '[kernel-test %s] SKIP: %s\n' "$name" "$*" >&2
	echo "kernel-$name: 0 passed, 0 failed"
	exit 77
}
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
t_start=$(now)

KC=$cache_root/kernel/$kernel
mkdir -p "$KC"
KC=$(cd "$KC" && pwd)
cache_root=$(cd "$cache_root" && pwd)

# ------------------------------------------------------------ host tools --
need_pkgs() {
	local -a p=()
	command -v make >/dev/null || p+=(make)
	command -v gcc >/dev/null || p+=(gcc)
	[[ -e /usr/lib/x86_64-linux-gnu/libc.a ]] || p+=(libc6-dev)
	command -v xz >/dev/null || p+=(xz-utils)
	command -v flock >/dev/null || p+=(util-linux)
	command -v ldd >/dev/null || p+=(libc-bin)
	command -v qemu-system-x86_64 >/dev/null || p+=(qemu-system-x86)
	[[ -x /bin/busybox ]] && dpkg -s busybox-static >/dev/null 2>&1 || p+=(busybox-static)
	command -v cpio >/dev/null || p+=(cpio)
	if [[ $kernel == test* ]]; then
		command -v flex >/dev/null || p+=(flex)
		command -v bison >/dev/null || p+=(bison)
		command -v bc >/dev/null || p+=(bc)
		command -v perl >/dev/null || p+=(perl)
		[[ -e /usr/include/libelf.h ]] || p+=(libelf-dev)
		[[ -e /usr/include/openssl/ssl.h ]] || p+=(libssl-dev)
	fi
	# real612 and test612 download bookworm's 6.12 packages with apt-get
	[[ $kernel == test73 ]] || command -v apt-get >/dev/null || p+=(apt)
	if [[ $kernel == real612 ]]; then
		command -v pahole >/dev/null || p+=(pahole)
		command -v modinfo >/dev/null || p+=(kmod)
		dpkg -s libelf1 >/dev/null 2>&1 || p+=(libelf1)
	fi
	echo "${p[*]}"
}
missing=$(need_pkgs)
if [[ -n $missing ]]; then
	command -v apt-get >/dev/null || unavailable "missing tools ($missing) and no apt-get"
	[[ $(id -u) == 0 ]] || unavailable "missing packages ($missing); run as root or install them"
	log "installing $missing"
	exec 7>"$cache_root/kernel/.apt.lock"
	flock 7
	apt-get -qq -o DPkg::Lock::Timeout=600 update >/dev/null ||
		unavailable "apt-get update failed"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		-o DPkg::Lock::Timeout=600 $missing >/dev/null || unavailable "apt-get install $missing failed"
	exec 7>&-
	missing=$(need_pkgs)
	[[ -z $missing ]] || die "still missing after apt-get install: $missing"
fi

# --------------------------------------------------------------- locking --
# Builds take the lock exclusively; runs keep it shared while they boot, so a
# build never replaces a kernel under a running VM.
exec 9>"$KC/.lock"
lock_ex() { flock 9; }
lock_sh() { flock -s 9; }

mk() { nice -n 10 make "$@"; }

# ---------------------------------------------------- test73 and test612 --
# Everything in T*_ENABLE must be =y after olddefconfig, everything in
# T*_DISABLE must be off (both checked). tinyconfig is the base: it turns
# off even basics (EXPERT=y), hence the long lists.
T73_ENABLE=(
	64BIT PRINTK PRINTK_TIME BUG EARLY_PRINTK KALLSYMS
	MULTIUSER FUTEX EPOLL SIGNALFD TIMERFD EVENTFD SHMEM POSIX_TIMERS
	ADVISE_SYSCALLS FHANDLE FILE_LOCKING SYSCTL
	BINFMT_ELF BINFMT_SCRIPT BLK_DEV_INITRD RD_GZIP
	PROC_FS SYSFS TMPFS DEVTMPFS DEVTMPFS_MOUNT
	HUGETLBFS HUGETLB_PAGE TRANSPARENT_HUGEPAGE MEMFD_CREATE
	TTY SERIAL_8250 SERIAL_8250_CONSOLE
	# ACPI carries the DMAR table (VT-d) and lets the guest power off
	SMP ACPI PCI PCI_MSI PCI_MMCONFIG X86_X2APIC IRQ_REMAP
	NET UNIX
	# the emulated VT-d; in 7.3 it also pulls in the generic page table code
	IOMMU_SUPPORT INTEL_IOMMU INTEL_IOMMU_DEFAULT_ON INTEL_IOMMU_SVM IOMMU_IOPF IOMMU_SVA
	# IOMMUFD_TEST needs the AMDv1-format generic page table (its mock domain)
	GENERIC_PT IOMMU_PT IOMMU_PT_AMDV1 DMA_SHARED_BUFFER
	IOMMUFD IOMMUFD_DRIVER IOMMUFD_TEST IOMMUFD_VFIO_CONTAINER
	VFIO VFIO_GROUP VFIO_DEVICE_CDEV VFIO_VIRQFD VFIO_PCI VFIO_PCI_CORE VFIO_PCI_INTX
	VFIO_NOIOMMU IOMMUFD_NOIOMMU
	# iommufd_fail_nth drives the fault injection knobs in debugfs
	DEBUG_KERNEL RUNTIME_TESTING_MENU DEBUG_FS DEBUG_FS_ALLOW_ALL
	FAULT_INJECTION FAILSLAB FAIL_PAGE_ALLOC FAULT_INJECTION_USERCOPY FAULT_INJECTION_DEBUG_FS
)
T73_DISABLE=(
	MODULES SLUB_TINY LOCALVERSION_AUTO VFIO_CONTAINER
	# defaults of ACPI/TTY/PCI that a serial-console q35 guest never needs
	ACPI_AC ACPI_BATTERY ACPI_FAN ACPI_THERMAL ACPI_TABLE_UPGRADE THERMAL
	SCHED_MC_PRIO ACPI_PROCESSOR CPU_FREQ X86_INTEL_PSTATE X86_AMD_PSTATE INTEL_MEI
	PERF_EVENTS_INTEL_UNCORE PERF_EVENTS_INTEL_RAPL PERF_EVENTS_INTEL_CSTATE
	VT VGA_CONSOLE INPUT SERIO HID LEGACY_PTYS WIRELESS ETHTOOL_NETLINK
	RD_BZIP2 RD_LZMA RD_XZ RD_LZO RD_LZ4 RD_ZSTD
	SERIAL_8250_EXAR SERIAL_8250_LPSS SERIAL_8250_MID SERIAL_8250_PERICOM
)

# T612_ENABLE is T73_ENABLE without what 6.12 lacks (the generic page table,
# the dma-buf test hooks, iommufd's no-IOMMU mode) and with two options that
# 7.3 no longer prompts for. INTEL_IOMMU_SVM matters on 6.12 too: it selects
# IOMMU_IOPF, without which iopf_queue_alloc() is a stub and the mock device
# cannot take an IOPF-capable HWPT (two alloc_hwpt_nested tests fail).
T612_ENABLE=()
for o in "${T73_ENABLE[@]}"; do
	case $o in
	GENERIC_PT | IOMMU_PT | IOMMU_PT_AMDV1 | DMA_SHARED_BUFFER | VFIO_NOIOMMU | IOMMUFD_NOIOMMU) continue ;;
	esac
	T612_ENABLE+=("$o")
	case $o in
	SYSCTL) T612_ENABLE+=(PROC_SYSCTL) ;;
	VFIO_PCI_CORE) T612_ENABLE+=(VFIO_PCI_MMAP) ;;
	esac
done
T612_DISABLE=("${T73_DISABLE[@]}")

# build_testkernel TARBALL ENABLE-ARRAY DISABLE-ARRAY: a tinyconfig kernel
# with the listed options from TARBALL into $KC/bzImage, unless the cached
# one was built from the same inputs.
build_testkernel() {
	local tarball=$1 stamp top src b args=() o bad=() t0
	local -n en=$2 dis=$3
	stamp=$(
		{
			echo "recipe $RECIPE"
			echo "$(basename "$tarball") $(stat -c '%s %Y' "$tarball")"
			echo "enable ${en[*]}"
			echo "disable ${dis[*]}"
			gcc --version | head -n 1
			ld --version | head -n 1
		} | sha256sum | cut -d' ' -f1
	)
	if [[ $rebuild == 0 && -f $KC/bzImage && -f $KC/.stamp && $(cat "$KC/.stamp") == "$stamp" ]]; then
		log "cached kernel: $KC/bzImage ($(sed -n 's/^release=//p' "$KC/build-info.txt"))"
		return 0
	fi
	t0=$(now)
	rm -f "$KC/.stamp"
	top=$(tar -tf "$tarball" 2>/dev/null | head -n 1 | cut -d/ -f1 || true)
	top=${top:-linux-source}
	src=$KC/$top
	if [[ ! -f $src/.kt-extracted || $(cat "$src/.kt-extracted") != "$stamp" ]]; then
		log "extracting $tarball (~1.6 GB)"
		rm -rf "$src" "$KC/build"
		nice -n 10 tar -xf "$tarball" -C "$KC" || die "extracting $tarball failed"
		[[ -f $src/Makefile ]] || die "no $src/Makefile after extraction"
		echo "$stamp" >"$src/.kt-extracted"
	fi
	b=$KC/build
	mkdir -p "$b"
	log "configuring (tinyconfig + ${#en[@]} options)"
	mk -s -C "$src" ARCH=x86_64 O="$KC/config-new" tinyconfig >"$KC/config.log" 2>&1 ||
		{ tail -n 20 "$KC/config.log" >&2; die "make tinyconfig failed"; }
	for o in "${en[@]}"; do args+=(--enable "$o"); done
	for o in "${dis[@]}"; do args+=(--disable "$o"); done
	"$src/scripts/config" --file "$KC/config-new/.config" "${args[@]}" --set-str LOCALVERSION -kt
	mk -s -C "$src" ARCH=x86_64 O="$KC/config-new" olddefconfig >>"$KC/config.log" 2>&1 ||
		{ tail -n 20 "$KC/config.log" >&2; die "make olddefconfig failed"; }
	for o in "${en[@]}"; do
		grep -q "^CONFIG_$o=y\$" "$KC/config-new/.config" || bad+=("$o=y")
	done
	for o in "${dis[@]}"; do
		grep -q "^CONFIG_$o=[ym]\$" "$KC/config-new/.config" && bad+=("$o=n")
	done
	[[ ${#bad[@]} == 0 ]] || die "config options did not stick (dependencies?): ${bad[*]}"
	# an unchanged .config keeps the objects' timestamps: incremental make
	cmp -s "$KC/config-new/.config" "$b/.config" || cp "$KC/config-new/.config" "$b/.config"
	rm -rf "$KC/config-new"
	log "make -j$jobs bzImage (log: $KC/build.log; ~10 min on 2 cores the first time)"
	if ! KBUILD_BUILD_USER=kernel-test KBUILD_BUILD_HOST=libiommufd \
		mk -C "$src" ARCH=x86_64 O="$b" -j"$jobs" bzImage >"$KC/build.log" 2>&1; then
		grep -E 'error|Error' "$KC/build.log" | head -n 20 >&2 || true
		tail -n 20 "$KC/build.log" >&2
		die "kernel build failed (log: $KC/build.log)"
	fi
	cp "$b/arch/x86/boot/bzImage" "$KC/bzImage.tmp"
	mv -f "$KC/bzImage.tmp" "$KC/bzImage"
	cp "$b/.config" "$KC/config"
	{
		echo "release=$(cat "$b/include/config/kernel.release")"
		echo "source=$tarball"
		echo "build_seconds=$(since "$t0")"
		echo "built_at=$(date -u +%FT%TZ)"
		gcc --version | head -n 1
	} >"$KC/build-info.txt"
	if [[ $keep_tree == 0 ]]; then
		log "removing the kernel tree and objects (--keep-tree keeps them)"
		rm -rf "$src" "$b"
	fi
	echo "$stamp" >"$KC/.stamp"
	log "built $KC/bzImage ($(sed -n 's/^release=//p' "$KC/build-info.txt")) in $(since "$t0") s"
}

build_test73() {
	local tarball
	tarball=$(bash "$TOP/scripts/linux-source.sh" --tarball 7.3 "$cache_root") ||
		unavailable "cannot fetch Debian linux-source-7.3 (network?)"
	build_testkernel "$tarball" T73_ENABLE T73_DISABLE
}

build_test612() {
	resolve_bookworm612
	source_bookworm612
	build_testkernel "$tarball612" T612_ENABLE T612_DISABLE
}

# --------------------------------------------------------------- real612 --
REAL612_MODS="irqbypass iommufd vfio vfio-pci-core vfio-pci"

# resolve_bookworm612: sets kver (e.g. 6.12.117+deb12-amd64), pkgver (its
# Debian version), abi and kser from apt's lists: the newest
# linux-image-6.12.*-amd64-unsigned unless --kver names one. real612 and
# test612 take the same version, so the stock and the test kernel agree.
apt_updated=0
apt_update() {
	[[ $apt_updated == 1 || $(id -u) != 0 ]] && return 0
	log "apt-get update"
	apt-get -qq -o DPkg::Lock::Timeout=600 update >/dev/null || true
	apt_updated=1
}
resolve_bookworm612() {
	local cands
	lst() {
		apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb[0-9]+-amd64-unsigned$' |
			cut -d' ' -f1
	}
	if [[ -z $kver ]]; then
		cands=$(lst || true)
		[[ -n $cands ]] || { apt_update; cands=$(lst || true); }
		[[ -n $cands ]] || unavailable "no linux-image-6.12.*-amd64-unsigned in apt's lists"
		kver=$(echo "$cands" | sed 's/^linux-image-//; s/-unsigned$//' | sort -V | tail -n 1)
	fi
	abi=${kver%-amd64}
	kser=$(echo "$kver" | cut -d. -f1,2)
	pkgver=$(apt-cache show "linux-image-$kver-unsigned" 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n 1)
	if [[ -z $pkgver ]]; then
		apt_update
		pkgver=$(apt-cache show "linux-image-$kver-unsigned" 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n 1)
	fi
	[[ -n $pkgver ]] || unavailable "package linux-image-$kver-unsigned not in apt's lists"
}

# source_bookworm612: sets tarball612 to linux-source-$kser=$pkgver's tarball,
# downloaded once into CACHE/deb-bookworm-$kser/$pkgver/ and kept (150 MB):
# scripts/linux-source.sh's 6.12 follows trixie, another version.
source_bookworm612() {
	local d=$cache_root/deb-bookworm-$kser/$pkgver t
	mkdir -p "$d"
	(
		flock 8
		t=$d/usr/src/linux-source-$kser.tar.xz
		[[ -f $t ]] && exit 0
		log "downloading linux-source-$kser=$pkgver (download only, never installed)"
		rm -rf "$d/dl" && mkdir -p "$d/dl"
		(cd "$d/dl" && apt-get download -q "linux-source-$kser=$pkgver" >"$d/download.log" 2>&1) ||
			{ tail -n 5 "$d/download.log" >&2; exit 77; }
		dpkg -x "$d"/dl/linux-source-*.deb "$d/dl/x" || exit 1
		mkdir -p "$d/usr/src"
		mv "$d/dl/x/usr/src/linux-source-$kser.tar.xz" "$t.tmp" && mv "$t.tmp" "$t"
		rm -rf "$d/dl"
	) 8>"$d/.lock" || {
		[[ $? == 77 ]] && unavailable "apt-get download linux-source-$kser=$pkgver failed"
		die "unpacking linux-source-$kser=$pkgver failed"
	}
	tarball612=$d/usr/src/linux-source-$kser.tar.xz
}

build_real612() {
	local root t0 stamp s m d f tarball dl
	resolve_bookworm612
	stamp=$(
		{
			echo "recipe $RECIPE $kver $pkgver"
			gcc --version | head -n 1
		} | sha256sum | cut -d' ' -f1
	)
	if [[ $rebuild == 0 && -f $KC/vmlinuz && -f $KC/.stamp && $(cat "$KC/.stamp") == "$stamp" ]]; then
		log "cached kernel: $KC/vmlinuz ($kver, $pkgver) + rebuilt iommufd/vfio modules"
		return 0
	fi
	t0=$(now)
	rm -f "$KC/.stamp"
	root=$KC/root
	dl=$KC/debs
	rm -rf "$root" "$dl" "$KC/modsrc" "$KC/mods"
	mkdir -p "$root" "$dl"
	log "downloading Debian $kver ($pkgver): image, headers, kbuild (download only, never installed)"
	(cd "$dl" && apt-get download -q \
		"linux-image-$kver-unsigned=$pkgver" "linux-headers-$kver=$pkgver" \
		"linux-headers-$abi-common=$pkgver" "linux-kbuild-$abi=$pkgver" >"$KC/download.log" 2>&1) ||
		{ tail -n 5 "$KC/download.log" >&2; unavailable "apt-get download of the $kver packages failed"; }
	# The module sources must be the very version of the image
	source_bookworm612
	tarball=$tarball612
	for d in "$dl"/*.deb; do dpkg -x "$d" "$root"; done
	rm -rf "$dl"
	# the headers' Makefile names the -common tree by its installed path
	sed -i "s#^include /usr/src/#include $root/usr/src/#" "$root/usr/src/linux-headers-$kver/Makefile"
	local kcfg=$root/boot/config-$kver stock=$root/lib/modules/$kver/kernel
	[[ -f $root/boot/vmlinuz-$kver ]] || die "no vmlinuz-$kver in the image package"
	grep -q '^CONFIG_VFIO=m' "$kcfg" || die "CONFIG_VFIO is not =m in $kver: cannot load a rebuilt VFIO"

	s=$KC/src
	rm -rf "$s" && mkdir -p "$s"
	nice -n 10 tar -xf "$tarball" -C "$s" --strip-components=1 --wildcards \
		"linux-source-$kser/drivers/iommu/iommu-priv.h" \
		"linux-source-$kser/drivers/iommu/iommufd/*" \
		"linux-source-$kser/drivers/vfio/*" \
		"linux-source-$kser/lib/interval_tree.c" || die "extracting sources from $tarball failed"

	mkdir -p "$KC/mods"
	if grep -q '^CONFIG_IOMMUFD=[my]' "$kcfg" && grep -q '^CONFIG_VFIO_DEVICE_CDEV=y' "$kcfg"; then
		log "$kver already has IOMMUFD + VFIO_DEVICE_CDEV: using its own modules"
		for m in drivers/iommu/iommufd/iommufd drivers/vfio/vfio drivers/vfio/pci/vfio-pci-core \
			drivers/vfio/pci/vfio-pci; do
			f=("$stock/$m.ko"*)
			d=${f[0]}
			case $d in *.xz) xz -dc "$d" >"$KC/mods/${m##*/}.ko" ;; *) cp "$d" "$KC/mods/${m##*/}.ko" ;; esac
		done
	else
		# Out-of-tree build (make M=) of iommufd.ko with IOMMUFD=m and of
		# vfio.ko/vfio-pci-core.ko/vfio-pci.ko with VFIO_DEVICE_CDEV=y; the
		# CONFIG_ macros the headers lack come in through KCFLAGS.
		m=$KC/modsrc
		mkdir -p "$m/drivers/iommu" "$m/drivers/vfio/pci"
		cp "$s/drivers/iommu/iommu-priv.h" "$m/drivers/iommu/"
		cp -r "$s/drivers/iommu/iommufd" "$m/drivers/iommu/"
		rm -f "$m/drivers/iommu/iommufd/Makefile"
		cp "$s"/drivers/vfio/*.[ch] "$m/drivers/vfio/"
		cp "$s"/drivers/vfio/pci/*.[ch] "$m/drivers/vfio/pci/"
		# Debian's vmlinux lacks CONFIG_INTERVAL_TREE_SPAN_ITER, which iommufd
		# needs: compile that part of lib/interval_tree.c into iommufd.ko.
		{
			echo '// SPDX-License-Identifier: GPL-2.0-only'
			echo '/* generated by kernel-test.sh: the span iterator of lib/interval_tree.c */'
			echo '#include <linux/interval_tree.h>'
			echo '#include <linux/interval_tree_generic.h>'
			echo '#include <linux/compiler.h>'
			sed -n '/^#ifdef CONFIG_INTERVAL_TREE_SPAN_ITER/,/^#endif/p' "$s/lib/interval_tree.c" |
				sed '1d;$d' | grep -v EXPORT_SYMBOL
		} >"$m/drivers/iommu/iommufd/kt_span_iter.c"
		local objs
		objs=$(sed -n '/^iommufd-y/,/^$/p' "$s/drivers/iommu/iommufd/Makefile" | tr -d "\\\\" |
			sed 's/iommufd-y *:= *//' | tr '\n\t' '  ')
		printf 'iommufd-y := %s kt_span_iter.o\nobj-m += iommufd.o\n' "$objs" >"$m/drivers/iommu/iommufd/Kbuild"
		printf 'vfio-y := vfio_main.o device_cdev.o group.o iommufd.o container.o virqfd.o\nobj-m += vfio.o\nobj-m += pci/\n' \
			>"$m/drivers/vfio/Kbuild"
		printf 'vfio-pci-core-y := vfio_pci_core.o vfio_pci_intrs.o vfio_pci_rdwr.o vfio_pci_config.o\nobj-m += vfio-pci-core.o\nvfio-pci-y := vfio_pci.o vfio_pci_igd.o\nobj-m += vfio-pci.o\n' \
			>"$m/drivers/vfio/pci/Kbuild"
		printf 'obj-m += drivers/iommu/iommufd/ drivers/vfio/\n' >"$m/Kbuild"
		log "building iommufd.ko vfio.ko vfio-pci-core.ko vfio-pci.ko against linux-headers-$kver"
		if ! mk -C "$root/usr/src/linux-headers-$kver" M="$m" -j"$jobs" \
			KCFLAGS="-DCONFIG_IOMMUFD_MODULE=1 -DCONFIG_VFIO_DEVICE_CDEV=1" modules >"$KC/build.log" 2>&1; then
			tail -n 30 "$KC/build.log" >&2
			die "module build failed (log: $KC/build.log)"
		fi
		if grep -E 'WARNING: modpost|undefined!' "$KC/build.log" >&2; then
			die "modpost reported problems (log: $KC/build.log)"
		fi
		cp "$m/drivers/iommu/iommufd/iommufd.ko" "$m/drivers/vfio/vfio.ko" \
			"$m/drivers/vfio/pci/vfio-pci-core.ko" "$m/drivers/vfio/pci/vfio-pci.ko" "$KC/mods/"
	fi
	# busybox insmod cannot read .ko.xz
	f=("$stock/virt/lib/irqbypass.ko"*)
	d=${f[0]}
	case $d in *.xz) xz -dc "$d" >"$KC/mods/irqbypass.ko" ;; *) cp "$d" "$KC/mods/irqbypass.ko" ;; esac
	local seen=" "
	for m in $REAL612_MODS; do
		for d in $(modinfo -F depends "$KC/mods/$m.ko" | tr ',' ' '); do
			[[ $seen == *" $d "* ]] || die "module order: $m needs $d loaded first"
		done
		seen+="$m "
	done
	cp "$root/boot/vmlinuz-$kver" "$KC/vmlinuz.tmp"
	mv -f "$KC/vmlinuz.tmp" "$KC/vmlinuz"
	cp "$kcfg" "$KC/config"
	{
		echo "release=$kver"
		echo "package=$pkgver"
		echo "source=$tarball"
		echo "build_seconds=$(since "$t0")"
		echo "built_at=$(date -u +%FT%TZ)"
		gcc --version | head -n 1
	} >"$KC/build-info.txt"
	if [[ $keep_tree == 0 ]]; then
		rm -rf "$root" "$s" "$KC/modsrc"
	fi
	echo "$stamp" >"$KC/.stamp"
	log "built $kver modules in $(since "$t0") s"
}

lock_ex
t_build=$(now)
"build_$kernel"
build_secs=$(since "$t_build")
if [[ $cmd == build ]]; then
	log "build done in $build_secs s"
	exit 0
fi
lock_sh

# ---------------------------------------------------------- test programs --
WORK=$(mktemp -d "$KC/run.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
IR=$WORK/root
mkdir -p "$IR"/{bin,dev,proc,sys,tmp,etc,tests,lib/modules,lib/kt}
series=7.3
[[ $kernel == real612 || $kernel == test612 ]] && series=6.12

# copy_libs EXE: the shared libraries of a dynamic EXE go to /lib/kt (the
# guest's LD_LIBRARY_PATH), its ELF interpreter to the path it names.
copy_libs() {
	local interp lib
	interp=$(readelf -l "$1" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
	[[ -n $interp ]] || return 0
	mkdir -p "$IR$(dirname "$interp")"
	[[ -e $IR$interp ]] || cp -L "$interp" "$IR$interp"
	ldd "$1" | grep -q 'not found' && die "$1: unresolved shared libraries: $(ldd "$1" | grep 'not found' | tr -s ' \t\n' ' ')"
	while read -r lib; do
		[[ -e $IR/lib/kt/$(basename "$lib") ]] || cp -L "$lib" "$IR/lib/kt/"
	done < <(ldd "$1" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p')
}

# run_key EXE: what a program's results depend on: the kernel build, the
# options that change the guest, the program and its shared libraries.
run_key() {
	{
		echo "$kernel $(cat "$KC/.stamp") viommu=$viommu edu_bridge=$edu_bridge timeout=$prog_timeout"
		printf 'env %s\n' "${guest_env[@]}"
		sha256sum "$SELF" "$HERE/guest-init.sh" "$1" | cut -d' ' -f1
		ldd "$1" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p' | xargs -r sha256sum | cut -d' ' -f1
	} | sha256sum | cut -d' ' -f1
}

declare -a pnames=()
declare -A pkey=()
i=0
for p in "$@"; do
	i=$((i + 1))
	case $p in
	kselftest:*)
		sp=${p#kselftest:}
		[[ $kernel == test* ]] || die "$p: the selftest needs a test kernel (CONFIG_IOMMUFD_TEST)"
		log "building the $series selftest with tests/kselftest/kselftest.sh --build-only"
		ks_rc=0
		bash "$TOP/tests/kselftest/kselftest.sh" --cache "$cache_root" --build-only "$series" "$sp" >&2 || ks_rc=$?
		[[ $ks_rc == 77 ]] && unavailable "kselftest.sh could not fetch linux-source-$series"
		[[ $ks_rc == 0 ]] || die "kselftest.sh --build-only $series $sp failed ($ks_rc)"
		src=$cache_root/kselftest-$series/$sp
		base=$sp
		;;
	*.c)
		[[ -f $p ]] || die "no file $p"
		base=$(basename "$p" .c)
		src=$WORK/$base
		log "compiling $p"
		# shellcheck disable=SC2086
		${CC:-cc} -static -O2 -g -Wall -Wextra -I "$TOP/uapi" $extra_cflags -o "$src" "$p" ||
			die "compiling $p failed"
		;;
	*)
		[[ -x $p && -f $p ]] || die "$p: not an executable, a .c file or kselftest:PROG"
		src=$p
		base=$(basename "$p")
		;;
	esac
	pn=$(printf '%02d-%s' "$i" "$base")
	cp -L "$src" "$IR/tests/$pn"
	copy_libs "$src"
	pnames+=("$pn")
	[[ -n $results_dir ]] && pkey[$pn]=$(run_key "$IR/tests/$pn")
done
[[ ${#pnames[@]} -gt 0 ]] || log "no programs given: boot and setup only"

cp /bin/busybox "$IR/bin/busybox"
cp "$HERE/guest-init.sh" "$IR/init"
chmod 755 "$IR/init"
mods=
if [[ $kernel == real612 ]]; then
	for m in $REAL612_MODS; do cp "$KC/mods/$m.ko" "$IR/lib/modules/"; done
	mods=$REAL612_MODS
fi
hugepages=0
[[ $kernel == test* ]] && hugepages=64 # the selftest's huge-page tests need 128 MiB
{
	printf 'KT_MODULES=%q\n' "$mods"
	printf 'KT_HUGEPAGES=%q\n' "$hugepages"
	printf 'KT_EDU=%q\n' "$viommu"
	printf 'KT_PROG_TIMEOUT=%q\n' "$prog_timeout"
	for e in "${guest_env[@]}"; do printf 'export %s=%q\n' "${e%%=*}" "${e#*=}"; done
} >"$IR/etc/kt.env"
(cd "$IR" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1 >"$WORK/initramfs.gz")

# ------------------------------------------------------------------ reuse --
# --reuse: when DIR holds every program's results under the same key, they
# are reported as they were and the VM is not booted a second time.
mkdir -p "$WORK/out"
declare -A prc=() psecs=() psplat=() pstart=()
reused=0
if [[ $reuse == 1 && ${#pnames[@]} -gt 0 ]]; then
	reused=1
	for pn in "${pnames[@]}"; do
		m=$results_dir/${pn#[0-9][0-9]-}.meta
		if [[ ! -f $m || $(sed -n 's/^key=//p' "$m") != "${pkey[$pn]}" ]]; then
			reused=0
			break
		fi
	done
fi
if [[ $reused == 1 ]]; then
	for pn in "${pnames[@]}"; do
		b=$results_dir/${pn#[0-9][0-9]-}
		cp "$b.out" "$WORK/out/$pn"
		prc[$pn]=$(sed -n 's/^rc=//p' "$b.meta")
		psecs[$pn]=$(sed -n 's/^secs=//p' "$b.meta")
		psplat[$pn]=$(sed -n 's/^splats=//p' "$b.meta")
		taint=$(sed -n 's/^taint=//p' "$b.meta")
	done
	log "reusing the results of an identical run from $(sed -n 's/^date=//p' "$b.meta") in $results_dir (no boot)"
	LOG=$(sed -n 's/^log=//p' "$b.meta")
	done_line=reused qemu_rc=0 boot_secs=0
	setup_fails=()
fi

# ------------------------------------------------------------------- boot --
if [[ $reused == 0 ]]; then
if [[ $kernel == real612 ]]; then
	kimg=$KC/vmlinuz
	mem=1G
else
	kimg=$KC/bzImage
	mem=2G
fi
append="console=ttyS0 panic=-1 loglevel=4 rdinit=/init"
qdev=(-device edu)
if [[ $viommu == 1 ]]; then
	# interrupt remapping on: iommufd refuses devices without isolated MSI
	append+=" intel_iommu=on iommu=nopt"
	qdev=(-device 'intel-iommu,intremap=on' -device edu)
	[[ $edu_bridge == 1 ]] &&
		qdev=(-device 'intel-iommu,intremap=on' -device pci-bridge,id=ktbr,chassis_nr=1,shpc=off
			-device edu,bus=ktbr,addr=1)
fi
qemu=(qemu-system-x86_64 -machine q35 -accel tcg -m "$mem" -smp 1 -nodefaults
	-display none -monitor none -serial stdio -no-reboot "${qdev[@]}"
	-kernel "$kimg" -initrd "$WORK/initramfs.gz" -append "$append")
LOG=$KC/last-run-$name.log
log "booting $(sed -n 's/^release=//p' "$KC/build-info.txt") (initramfs $(du -k "$WORK/initramfs.gz" | cut -f1) KiB): ${qemu[*]}"
: >"$LOG"
t_boot=$(now)
cur='' done_line='' taint=''
setup_fails=()
while IFS= read -r line; do
	line=${line%$'\r'}
	[[ $quiet == 1 ]] || printf '%s\n' "$line"
	printf '%s\n' "$line" >>"$LOG"
	case $line in
	KT-PROG-START\ *)
		read -r _ cur _ <<<"$line"
		pstart[$cur]=$(now)
		: >"$WORK/out/$cur"
		;;
	KT-PROG-END\ *)
		read -r _ n rc _ <<<"$line"
		prc[$n]=$rc
		psecs[$n]=$(since "${pstart[$n]:-$t_boot}")
		cur=
		;;
	KT-PROG-DMESG\ *)
		read -r _ n _ sp <<<"$line"
		psplat[$n]=${sp#splats=}
		;;
	KT-SETUP-FAIL\ *) setup_fails+=("${line#KT-SETUP-FAIL }") ;;
	KT-TAINT\ *) taint=${line#KT-TAINT } ;;
	KT-DONE\ *) done_line=$line ;;
	*) [[ -n $cur ]] && printf '%s\n' "$line" >>"$WORK/out/$cur" ;;
	esac
done < <(
	rc=0
	timeout -k 10 "$qemu_timeout" "${qemu[@]}" </dev/null 2>&1 || rc=$?
	echo
	echo "KT-QEMU-EXIT $rc"
)
boot_secs=$(since "$t_boot")
qemu_rc=$(sed -n 's/^KT-QEMU-EXIT //p' "$LOG" | tail -n 1)
fi

# ---------------------------------------------------------------- results --
# ktap_results FILE: "name<TAB>pass|fail|skip|xfail|xpass" per result line
ktap_results() { awk -f "$HERE/ktap-results.awk" "$1"; }
# ktap_summary FILE: "plan n pass fail skip failed-names..." of KTAP output
ktap_summary() {
	local plan
	plan=$(sed -n 's/^1\.\.\([0-9]\+\)$/\1/p' "$1" | head -n 1)
	ktap_results "$1" | awk -F'\t' -v plan="${plan:-0}" '
		{ n++ }
		$2 == "pass" || $2 == "xfail" { pass++ }
		$2 == "skip" { skip++ }
		$2 == "fail" || $2 == "xpass" { fail++; names = names " " $1 }
		END { printf "%d %d %d %d %d%s\n", plan, n, pass, fail, skip, names }'
}
declare -A XF=()
if [[ -n $xfail ]]; then
	while read -r l; do
		l=${l%%#*}
		l=${l//[[:space:]]/}
		[[ -n $l ]] && XF[$l]=1
	done <"$xfail"
fi

echo
echo "===== kernel-$name results ($(sed -n 's/^release=//p' "$KC/build-info.txt"), viommu=$viommu) ====="
npass=0 nfail=0 nskip=0
ktap_lines=()
for pn in "${pnames[@]}"; do
	shown=${pn#[0-9][0-9]-}
	rc=${prc[$pn]:-}
	out=$WORK/out/$pn
	[[ -f $out ]] || : >"$out"
	note="rc ${rc:-none}, ${psecs[$pn]:-?} s"
	verdict=
	if [[ -z $rc ]]; then
		verdict=FAIL
		note="did not run or did not finish"
	elif grep -qE '^1\.\.[0-9]+$' "$out"; then
		read -r plan n kp kf ks fnames <<<"$(ktap_summary "$out")"
		unexpected=()
		for t in $fnames; do [[ -n ${XF[$t]:-} ]] || unexpected+=("$t"); done
		exp=$((kf - ${#unexpected[@]}))
		note+="; KTAP $kp passed, $kf failed ($exp expected), $ks skipped of $plan"
		ktap_lines+=("kernel-$name $shown: $kp passed, $kf failed, $ks skipped")
		if [[ $rc == 77 && $n == 0 ]]; then
			verdict=SKIP
		elif [[ $n -ne $plan ]]; then
			verdict=FAIL
			note+="; only $n of $plan results"
		elif [[ ${#unexpected[@]} -gt 0 ]]; then
			verdict=FAIL
			note+="; unexpected: ${unexpected[*]:0:10}"
		elif [[ $rc -ge 128 ]]; then
			verdict=FAIL
			note+="; killed by signal $((rc - 128))"
		else
			verdict=PASS
		fi
	elif [[ $rc == 0 ]]; then
		verdict=PASS
	elif [[ $rc == 77 ]]; then
		verdict=SKIP
	elif [[ $rc == 4 ]] && ! grep -q '^not ok ' "$out"; then
		# kselftest's KSFT_SKIP before or instead of a plan ("1..0 # SKIP"):
		# the kernel's VFIO selftests without a driver or SR-IOV
		verdict=SKIP
		note+="; KSFT_SKIP"
	else
		verdict=FAIL
	fi
	if [[ ${psplat[$pn]:-0} != 0 && $verdict != FAIL ]]; then
		verdict=FAIL
		note+="; ${psplat[$pn]} kernel WARN/BUG lines (see $LOG)"
	fi
	case $verdict in
	PASS) npass=$((npass + 1)) ;;
	SKIP) nskip=$((nskip + 1)) ;;
	*)
		nfail=$((nfail + 1))
		if grep -q '^not ok ' "$out"; then
			echo "----- failed tests of $shown -----"
			grep '^not ok ' "$out" | head -n 40
		else
			echo "----- output of $shown (last 30 lines) -----"
			tail -n 30 "$out"
		fi
		echo "-----"
		;;
	esac
	printf '%-4s %s (%s)\n' "$verdict" "$shown" "$note"
done
harness_fail=
[[ $qemu_rc == 124 || $qemu_rc == 137 ]] && harness_fail="QEMU killed after ${qemu_timeout}s"
[[ -z $done_line && -z $harness_fail ]] && harness_fail="guest did not finish (qemu exit ${qemu_rc:-?})"
[[ ${#setup_fails[@]} -gt 0 ]] && harness_fail="guest setup failed: ${setup_fails[*]}"
if [[ -n $results_dir && $reused == 0 && -z $harness_fail ]]; then
	for pn in "${pnames[@]}"; do
		b=$results_dir/${pn#[0-9][0-9]-}
		[[ -n ${prc[$pn]:-} ]] || continue
		cp "$WORK/out/$pn" "$b.out"
		ktap_results "$WORK/out/$pn" >"$b.results"
		{
			echo "key=${pkey[$pn]}"
			echo "rc=${prc[$pn]}"
			echo "secs=${psecs[$pn]:-}"
			echo "splats=${psplat[$pn]:-0}"
			echo "taint=$taint"
			echo "plan=$(sed -n 's/^1\.\.\([0-9]\+\)$/\1/p' "$WORK/out/$pn" | head -n 1)"
			echo "kernel=$(sed -n 's/^release=//p' "$KC/build-info.txt")"
			echo "date=$(date -u '+%F %T UTC')"
			echo "log=$LOG"
		} >"$b.meta"
	done
fi
for l in "${ktap_lines[@]}"; do echo "$l"; done
echo "kernel-$name: build/cache ${build_secs} s, boot+run ${boot_secs} s, total $(since "$t_start") s;" \
	"taint ${taint:-?}; console log $LOG"
if [[ -n $harness_fail ]]; then
	echo "kernel-$name: ERROR: $harness_fail"
	# programs that never ran count as failed
	nfail=$((${#pnames[@]} - npass - nskip))
	[[ $nfail -gt 0 ]] || nfail=1
fi
[[ $nskip -gt 0 ]] && echo "kernel-$name: $nskip skipped"
echo "kernel-$name: $npass passed, $nfail failed"
[[ $nfail -gt 0 ]] && exit 1
[[ ${#pnames[@]} -gt 0 && $nskip == "${#pnames[@]}" ]] && exit 77
exit 0
