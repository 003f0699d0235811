#!/usr/bin/env bash
# shellcheck disable=SC2054 # the commas are in QEMU option values
# SPDX-License-Identifier: MIT
#
# qemu-test.sh [OPTIONS] fetch
# qemu-test.sh [OPTIONS] run MACHINE GUEST-PROGRAM
#
# Runs unmodified QEMU 10.0.2 (Debian bookworm-backports) with a Debian
# bookworm 6.1 guest kernel and an initramfs of busybox + GUEST-PROGRAM
# (edu-guest, built by meson), and checks what the guest reports about its
# edu device (1234:11e8): one "QT-CHECK NAME pass|fail ..." line per check.
# The run passes when every check MACHINE expects reported "pass".
#
# MACHINE:
#   control            QEMU's emulated -device edu, no guest IOMMU: MMIO,
#                      DMA by guest-physical address, INTx (uio_pci_generic)
#   control-viommu     the same behind -device intel-iommu,caching-mode=on,
#                      intremap=off,aw-bits=39: MMIO, the guest's vfio-pci
#                      (type1) DMA through guest IOVAs, a blocked DMA to an
#                      unmapped IOVA, INTx and MSI through eventfds
#   mock-fd[-viommu]   the same guests, but the edu is kmod-mock's, passed
#                      through to QEMU with -object iommufd -device
#                      vfio-pci,iommufd=iommufd0,fd=N under iommufd-mock-run
#                      (--mock-run)
#   mock-host[-viommu] the same with host=BDF (--host-bdf) instead of fd=:
#                      QEMU finds the cdev through the sysfs the shim presents
#   mock-legacy[-viommu] QEMU's legacy VFIO backend: -device vfio-pci,host=BDF
#                      without iommufd; QEMU opens /dev/vfio/vfio, the group
#                      that /sys/bus/pci/devices/BDF/iommu_group names, gets
#                      the device with VFIO_GROUP_GET_DEVICE_FD and maps guest
#                      RAM with the type1 ioctls; suite qemu runs all six mock
#                      machines
#
# fetch   downloads QEMU 10.0.2 (qemu-system-x86, -common, -data and seabios
#         from bookworm-backports), the newest linux-image-6.1.0-*-amd64 and
#         busybox-static from bookworm into CACHE/qemu/ with apt-get download
#         and dpkg -x, through a private sources list (scripts/debian-apt.sh):
#         nothing is installed. A cached fetch is reused without the network
#         (--refresh looks for a newer guest kernel); a cold fetch is bounded
#         by --fetch-timeout. "run" fetches first.
#
# Options:
#   --cache DIR        cache root (default ${LIBIOMMUFD_CACHE:-${XDG_CACHE_HOME:-~/.cache}/libiommufd})
#   --mock-run PATH    iommufd-mock-run (mock-* machines)
#   --host-bdf BDF     the mock device's PCI address for mock-host* and mock-legacy* (default
#                      00ed:00:01.0, the mock's first)
#   --timeout SECS     QEMU time limit (default 300)
#   --fetch-timeout S  time limit of each download (default 600)
#   --refresh          fetch: look for a newer guest kernel even when one is cached
#   --require          a failed fetch is an error, not a skip (77); implied by CI=true
#   --quiet            do not echo the guest console (kept in CACHE/qemu/last-run-MACHINE.log)
#   --timestamps       also print "QT-TIME SECS LINE" for each QT- line, SECS since QEMU started
#                      (bench/qemu-boot.sh)
#
# Exit: 0 every expected check passed, 1 a check failed or did not report,
# 2 usage or harness error, 77 skipped (the packages could not be fetched).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
TOP=$(cd "$HERE/../.." && pwd)

QEMU_VERSION='1:10.0.2+ds-2+deb13u1~bpo12+1'
SEABIOS_VERSION='1.16.3-2~bpo12+1'
# the guest's modules, in load order (checked against modinfo's depends)
GUEST_MODS="irqbypass vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core vfio-pci uio uio_pci_generic"

cache_root=${LIBIOMMUFD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libiommufd}
mock_run=
host_bdf=00ed:00:01.0
qemu_timeout=300
fetch_timeout=600
refresh=0
require=0
quiet=0
stamps=0
[[ ${CI:-} == true ]] && require=1

usage() {
	sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF" >&2
	exit 2
}
pos=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--cache) [[ -n ${2:-} ]] && cache_root=$2; shift 2 ;;
	--mock-run) mock_run=${2:?}; shift 2 ;;
	--host-bdf) host_bdf=${2:?}; shift 2 ;;
	--timeout) qemu_timeout=${2:?}; shift 2 ;;
	--fetch-timeout) fetch_timeout=${2:?}; shift 2 ;;
	--refresh) refresh=1; shift ;;
	--require) require=1; shift ;;
	--quiet) quiet=1; shift ;;
	--timestamps) stamps=1; shift ;;
	-h | --help) usage ;;
	-*) echo "qemu-test.sh: unknown option $1" >&2; usage ;;
	*) pos+=("$1"); shift ;;
	esac
done
set -- "${pos[@]}"
[[ $# -ge 1 ]] || usage
cmd=$1
case $cmd in
fetch) [[ $# == 1 ]] || usage; name=fetch ;;
run)
	[[ $# == 3 ]] || usage
	name=$2
	guest_prog=$3
	case $name in
	control | control-viommu) ;;
	mock-fd | mock-fd-viommu | mock-host | mock-host-viommu | mock-legacy | mock-legacy-viommu)
		[[ -n $mock_run ]] || { echo "qemu-test.sh: $name needs --mock-run" >&2; exit 2; } ;;
	*) echo "qemu-test.sh: unknown MACHINE '$name'" >&2; usage ;;
	esac
	[[ -x $guest_prog ]] || { echo "qemu-test.sh: $guest_prog is not an executable" >&2; exit 2; }
	;;
*) usage ;;
esac

log() { printf '[qemu-test %s] %s\n' "$name" "$*" >&2; }
die() { printf '[qemu-test %s] ERROR: %s\n' "$name" "$*" >&2; exit 2; }
unavailable() {
	[[ $require == 1 ]] && die "$*"
	printf '[qemu-test %s] SKIP: %s\n' "$name" "$*" >&2
	exit 77
}
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
t_start=$(now)

for t in apt-get apt-cache dpkg gzip flock timeout; do
	command -v "$t" >/dev/null || unavailable "no $t on this host"
done
QC=$cache_root/qemu
mkdir -p "$QC"
QC=$(cd "$QC" && pwd)

# ------------------------------------------------------------------ fetch --
# CACHE/qemu/qemu-VERSION/root: QEMU 10 + seabios, unpacked.
# CACHE/qemu/guest-KVER/: vmlinuz, the modules the guest loads, busybox.
apt_ready=0
apt_private() {
	[[ $apt_ready == 1 ]] && return 0
	# shellcheck source=scripts/debian-apt.sh
	. "$TOP/scripts/debian-apt.sh"
	debian_apt_private "$QC/.apt" bookworm bookworm-backports bookworm-security ||
		unavailable "no Debian mirror in /etc/apt"
	log "apt-get update (private lists in $QC/.apt)"
	timeout "$fetch_timeout" apt-get "${DEBIAN_APT_OPTS[@]}" -qq update >"$QC/.apt/update.log" 2>&1 ||
		unavailable "apt-get update of the private lists failed (see $QC/.apt/update.log)"
	apt_ready=1
}
# download_x DIR PKG...: apt-get download PKG... and dpkg -x each into DIR/root
download_x() {
	local d=$1
	shift
	rm -rf "$d.tmp" && mkdir -p "$d.tmp/dl"
	(cd "$d.tmp/dl" && timeout "$fetch_timeout" apt-get "${DEBIAN_APT_OPTS[@]}" -q download "$@") \
		>"$d.tmp/download.log" 2>&1 ||
		{ tail -n 5 "$d.tmp/download.log" >&2; unavailable "apt-get download $* failed"; }
	for f in "$d.tmp"/dl/*.deb; do dpkg -x "$f" "$d.tmp/root" || die "dpkg -x $f failed"; done
	(cd "$d.tmp/dl" && ls) >"$d.tmp/packages.txt"
	rm -rf "$d.tmp/dl"
}

fetch() {
	local t0 q g kpkg kver m f
	t0=$(now)
	q=$QC/qemu-${QEMU_VERSION#*:}
	if [[ ! -x $q/root/usr/bin/qemu-system-x86_64 ]]; then
		apt_private
		log "downloading QEMU $QEMU_VERSION and seabios $SEABIOS_VERSION (download only)"
		download_x "$q" "qemu-system-x86=$QEMU_VERSION" "qemu-system-common=$QEMU_VERSION" \
			"qemu-system-data=$QEMU_VERSION" "seabios=$SEABIOS_VERSION"
		rm -rf "$q" && mv "$q.tmp" "$q"
	fi
	QEMU_ROOT=$q/root

	g=$(find "$QC" -maxdepth 1 -name 'guest-6.1.0-*-amd64' -type d | sort -V | tail -n 1)
	if [[ -z $g || ! -f $g/vmlinuz || $refresh == 1 ]]; then
		apt_private
		kpkg=$(apt-cache "${DEBIAN_APT_OPTS[@]}" search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' |
			cut -d' ' -f1 | sort -V | tail -n 1)
		[[ -n $kpkg ]] || unavailable "no linux-image-6.1.0-*-amd64 in bookworm's lists"
		kver=${kpkg#linux-image-}
		g=$QC/guest-$kver
		if [[ ! -f $g/vmlinuz ]]; then
			log "downloading $kpkg and busybox-static (download only)"
			download_x "$g" "$kpkg" busybox-static
			mkdir -p "$g.tmp/mods"
			for m in $GUEST_MODS; do
				f=$(find "$g.tmp/root/lib/modules/$kver" -name "$m.ko*" | head -n 1)
				[[ -n $f ]] || die "$kpkg has no $m.ko"
				case $f in
				*.xz) xz -dc "$f" >"$g.tmp/mods/$m.ko" ;; # busybox insmod reads no .ko.xz
				*) cp "$f" "$g.tmp/mods/$m.ko" ;;
				esac
			done
			cp "$g.tmp/root/boot/vmlinuz-$kver" "$g.tmp/vmlinuz"
			cp "$g.tmp/root/bin/busybox" "$g.tmp/busybox"
			rm -rf "$g.tmp/root"
			rm -rf "$g" && mv "$g.tmp" "$g"
		fi
		# another (older) guest kernel is no longer used
		find "$QC" -maxdepth 1 -name 'guest-6.1.0-*-amd64' -type d ! -path "$g" -exec rm -rf {} +
	fi
	GUEST=$g
	if command -v modinfo >/dev/null; then
		local seen=" " dep
		for m in $GUEST_MODS; do
			for dep in $(modinfo -F depends "$GUEST/mods/$m.ko" | tr ',' ' '); do
				[[ $seen == *" ${dep//_/-} "* || $seen == *" ${dep//-/_} "* ]] ||
					die "module order: $m needs $dep loaded first"
			done
			seen+="$m "
		done
	fi
	log "QEMU $("$QEMU_ROOT/usr/bin/qemu-system-x86_64" --version 2>/dev/null | head -n 1), guest ${GUEST##*/guest-} (fetch/cache $(since "$t0") s)"
}

# host_pkgs: the bookworm packages this host lacks: tools, and the shared
# libraries the unpacked QEMU 10 links (its Depends, from the private lists)
host_pkgs() {
	local -a p=() libs=()
	command -v cpio >/dev/null || p+=(cpio)
	command -v readelf >/dev/null || p+=(binutils)
	command -v modinfo >/dev/null || p+=(kmod)
	if ldd "$QEMU_ROOT/usr/bin/qemu-system-x86_64" 2>/dev/null | grep -q 'not found'; then
		apt_private
		mapfile -t libs < <(apt-cache "${DEBIAN_APT_OPTS[@]}" show "qemu-system-x86=$QEMU_VERSION" |
			sed -n 's/^Depends: //p' | tr ',' '\n' | sed 's/^ *//; s/[ |].*//' |
			grep -vE '^(qemu-|seabios|ipxe)' | sort -u)
		p+=("${libs[@]}")
	fi
	echo "${p[*]}"
}

exec 9>"$QC/.lock"
flock 9
fetch
missing=$(host_pkgs)
if [[ -n $missing ]]; then
	[[ $(id -u) == 0 ]] || unavailable "missing packages ($missing); run as root or install them"
	log "installing $missing (bookworm)"
	timeout "$fetch_timeout" apt-get -qq -o DPkg::Lock::Timeout=600 update >/dev/null || true
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive timeout "$fetch_timeout" apt-get install -y -qq --no-install-recommends \
		-o DPkg::Lock::Timeout=600 $missing >/dev/null || unavailable "apt-get install $missing failed"
	missing=$(host_pkgs)
	[[ -z $missing ]] || die "still missing after apt-get install: $missing"
fi
flock -u 9
[[ $cmd == fetch ]] && exit 0
exec 9>&-

# -------------------------------------------------------------- initramfs --
WORK=$(mktemp -d "$QC/run.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
IR=$WORK/root
mkdir -p "$IR"/{bin,dev,proc,sys,tmp,etc,lib/modules}
cp "$GUEST/busybox" "$IR/bin/busybox"
cp "$guest_prog" "$IR/bin/edu-guest"
readelf -l "$IR/bin/edu-guest" | grep -q 'program interpreter' && die "$guest_prog is not static"
cp "$GUEST"/mods/*.ko "$IR/lib/modules/"
cp "$HERE/guest-init.sh" "$IR/init"
chmod 755 "$IR/init"
mode=plain
[[ $name == *-viommu ]] && mode=viommu
echo "QT_MODE=$mode" >"$IR/etc/qt.env"
(cd "$IR" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1 >"$WORK/initramfs.gz")

# ----------------------------------------------------------------- checks --
# What each guest must report, in order.
if [[ $mode == plain ]]; then
	expect=(find ident liveness busmaster dma-to-device dma-from-device intx)
else
	expect=(find ident liveness vfio-open vfio-busmaster vfio-mmio viommu-map viommu-dma-to-device
		viommu-dma-from-device viommu-blocked-write viommu-blocked-read intx intx-dma-done intx-factorial
		msi msi-dma-done msi-factorial)
fi

# ------------------------------------------------------------------- boot --
# -m 256M: edu cuts DMA addresses to 28 bits, so all guest RAM must be below 256 MiB.
append="console=ttyS0 panic=-1 loglevel=4 rdinit=/init"
qdev=()
if [[ $mode == viommu ]]; then
	append+=" intel_iommu=on iommu=nopt"
	# aw-bits=39: the mock's VT-d aperture (QEMU 10 refuses its default 48 against it)
	qdev+=(-device intel-iommu,caching-mode=on,intremap=off,aw-bits=39)
fi
pre=()
case $name in
control*) qdev+=(-device edu) ;;
mock-fd*)
	# fd 5: the mock's /dev/vfio/devices/vfio0, opened in the shell under the shim
	qdev+=(-object iommufd,id=iommufd0 -device vfio-pci,iommufd=iommufd0,fd=5)
	pre=("$mock_run" -- bash -c 'exec 5<>/dev/vfio/devices/vfio0 && exec "$@"' qemu-under-mock)
	;;
mock-host*)
	qdev+=(-object iommufd,id=iommufd0 -device "vfio-pci,iommufd=iommufd0,host=$host_bdf")
	pre=("$mock_run" --)
	;;
mock-legacy*)
	# no iommufd: QEMU's legacy container, /dev/vfio/vfio and the device's group
	qdev+=(-device "vfio-pci,host=$host_bdf")
	pre=("$mock_run" --)
	;;
esac
qemu=("$QEMU_ROOT/usr/bin/qemu-system-x86_64" -L "$QEMU_ROOT/usr/share/seabios" -L "$QEMU_ROOT/usr/share/qemu"
	-machine q35 -accel tcg -m 256M -smp 1 -nodefaults -nographic -display none -monitor none
	-serial stdio -no-reboot "${qdev[@]}"
	-kernel "$GUEST/vmlinuz" -initrd "$WORK/initramfs.gz" -append "$append")
LOG=$QC/last-run-$name.log
log "booting: ${pre[*]} ${qemu[*]}"
: >"$LOG"
t_boot=$(now)
declare -A got=() detail=()
setup_fails=() splats=() done_line=
while IFS= read -r line; do
	line=${line%$'\r'}
	[[ $quiet == 1 ]] || printf '%s\n' "$line"
	printf '%s\n' "$line" >>"$LOG"
	[[ $stamps == 1 && $line == QT-* ]] &&
		awk -v a="$t_boot" -v b="$EPOCHREALTIME" -v l="$line" 'BEGIN { printf "QT-TIME %.3f %s\n", b - a, l }'
	case $line in
	QT-CHECK\ *)
		read -r _ c v rest <<<"$line"
		# a check reported twice keeps its first verdict unless a later one fails
		[[ ${got[$c]:-pass} == fail ]] || got[$c]=$v
		detail[$c]=$rest
		;;
	QT-SETUP-FAIL\ *) setup_fails+=("${line#QT-SETUP-FAIL }") ;;
	QT-SPLAT\ *) splats+=("${line#QT-SPLAT }") ;;
	QT-DONE\ *) done_line=$line ;;
	esac
done < <(
	rc=0
	QEMU_MODULE_DIR=$QEMU_ROOT/usr/lib/x86_64-linux-gnu/qemu timeout -k 10 "$qemu_timeout" \
		"${pre[@]}" "${qemu[@]}" </dev/null 2>&1 || rc=$?
	echo
	echo "QT-QEMU-EXIT $rc"
)
boot_secs=$(since "$t_boot")
qemu_rc=$(sed -n 's/^QT-QEMU-EXIT //p' "$LOG" | tail -n 1)

# ---------------------------------------------------------------- results --
echo
echo "===== qemu-$name results (QEMU ${QEMU_VERSION#*:}, guest ${GUEST##*/guest-}) ====="
npass=0 nfail=0
for c in "${expect[@]}"; do
	v=${got[$c]:-missing}
	[[ $v == pass ]] && npass=$((npass + 1)) || nfail=$((nfail + 1))
	printf '%-7s %s %s\n' "$(echo "$v" | tr a-z A-Z)" "$c" "${detail[$c]:-}"
done
for c in "${!got[@]}"; do
	[[ " ${expect[*]} " == *" $c "* ]] || { echo "UNEXPECTED $c ${got[$c]} ${detail[$c]:-}"; nfail=$((nfail + 1)); }
done
err=
[[ $qemu_rc == 124 || $qemu_rc == 137 ]] && err="QEMU killed after ${qemu_timeout}s"
[[ -z $done_line && -z $err ]] && err="guest did not finish (QEMU exit ${qemu_rc:-?}): $(grep -v '^QT-' "$LOG" | grep -iE 'qemu|error|fail' | head -n 3 | tr '\n' ' ')"
[[ ${#setup_fails[@]} -gt 0 ]] && err="guest setup failed: ${setup_fails[*]}"
[[ ${#splats[@]} -gt 0 ]] && err="guest kernel WARN/BUG: ${splats[*]}"
echo "qemu-$name: boot+run $boot_secs s, total $(since "$t_start") s; console log $LOG"
if [[ -n $err ]]; then
	echo "qemu-$name: ERROR: $err"
	[[ $nfail -gt 0 ]] || nfail=1
fi
echo "qemu-$name: $npass passed, $nfail failed"
[[ $nfail == 0 ]]
