#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: MIT
#
# guest-init.sh - PID 1 of the initramfs qemu-test.sh boots on QEMU 10 with a
# Debian bookworm 6.1 kernel. QT_MODE (from /etc/qt.env) picks the guest:
#   plain   no guest IOMMU: edu-guest mmio, dma-phys (guest-physical
#           addresses), then uio_pci_generic for INTx
#   viommu  emulated VT-d: edu-guest mmio, then vfio-pci + type1 for DMA
#           through guest IOVAs, the blocked DMA, INTx and MSI
# Lines the host reads start with "QT-"; the checks themselves print
# "QT-CHECK NAME pass|fail ...".
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
. /etc/qt.env
echo "QT-INIT kernel=$(uname -r) mode=$QT_MODE uptime=$(cut -d' ' -f1 /proc/uptime)"
dmesg -n 1

fail() { echo "QT-SETUP-FAIL $*"; }
mod() {
	out=$(insmod "/lib/modules/$1.ko" $2 2>&1) || fail "insmod $1: $out"
}
# bind BDF DRIVER
bind() {
	d=/sys/bus/pci/devices/$1
	echo "$2" >"$d/driver_override"
	[ -e "$d/driver" ] && echo "$1" >"$d/driver/unbind"
	echo "$1" >/sys/bus/pci/drivers_probe
	drv=$(readlink "$d/driver")
	[ "${drv##*/}" = "$2" ] || fail "edu at $1 bound to '${drv##*/}', not $2"
}
edu=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ] && edu=${d##*/}
done

/bin/edu-guest mmio
case $QT_MODE in
plain)
	/bin/edu-guest dma-phys
	mod uio
	mod uio_pci_generic
	[ -n "$edu" ] && bind "$edu" uio_pci_generic
	i=0
	while [ $i -lt 50 ] && [ ! -c /dev/uio0 ]; do sleep 0.1; i=$((i + 1)); done
	/bin/edu-guest intx-uio
	;;
viommu)
	grep -q . /sys/class/iommu/*/intel-iommu/version 2>/dev/null || fail "no VT-d in the guest"
	mod irqbypass
	mod vfio
	# intremap=off: the guest has no interrupt remapping, type1 must be told
	mod vfio_iommu_type1 allow_unsafe_interrupts=1
	mod vfio_virqfd
	mod vfio-pci-core
	mod vfio-pci
	[ -n "$edu" ] && bind "$edu" vfio-pci
	/bin/edu-guest vfio
	;;
*) fail "unknown QT_MODE '$QT_MODE'" ;;
esac
dmesg | grep -E 'DMAR: \[DMA|DMAR: .*fault' | head -n 3 | sed 's/^/QT-DMESG /'
dmesg | grep -E 'WARNING:|BUG:|Oops' | head -n 5 | sed 's/^/QT-SPLAT /'
echo "QT-DONE uptime=$(cut -d' ' -f1 /proc/uptime)"
poweroff -f
