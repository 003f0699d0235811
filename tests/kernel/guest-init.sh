#!/bin/busybox sh
# SPDX-License-Identifier: MIT
#
# guest-init.sh - PID 1 of the initramfs that kernel-test.sh boots.
#
# Prepares the guest (file systems, modules, huge pages, QEMU's edu device on
# vfio-pci), then runs every program in /tests in name order and powers off.
# The host reads the console: every line this script prints starts with
# "KT-", so program output in between can be attributed to the program that
# printed it. Settings come from /etc/kt.env, written by the host.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null # DEVTMPFS_MOUNT may have done it
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tmpfs tmpfs /tmp
. /etc/kt.env
up() { cut -d' ' -f1 /proc/uptime; }
echo "KT-INIT uptime=$(up) kernel=$(uname -r)"

setup_fail=0
sfail() {
	echo "KT-SETUP-FAIL $*"
	setup_fail=1
}

# Modules come in dependency order (the host checked it with modinfo).
for m in $KT_MODULES; do
	if out=$(insmod "/lib/modules/$m.ko" 2>&1); then
		echo "KT-SETUP insmod $m"
	else
		sfail "insmod $m: $out"
	fi
done

if [ "${KT_HUGEPAGES:-0}" != 0 ]; then
	echo "$KT_HUGEPAGES" >/proc/sys/vm/nr_hugepages
	hp=$(cat /proc/sys/vm/nr_hugepages)
	[ "$hp" = "$KT_HUGEPAGES" ] || sfail "vm.nr_hugepages is $hp, wanted $KT_HUGEPAGES"
fi

i=0
while [ $i -lt 50 ] && [ ! -c /dev/iommu ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -c /dev/iommu ] || sfail "no /dev/iommu"

# QEMU's edu (1234:11e8) goes to vfio-pci when the VM has an IOMMU.
if [ "${KT_EDU:-0}" = 1 ]; then
	dev=
	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ]; then
			dev=${d##*/}
		fi
	done
	if [ -z "$dev" ]; then
		sfail "no edu device (1234:11e8) on the PCI bus"
	else
		D=/sys/bus/pci/devices/$dev
		grp=$(readlink "$D/iommu_group")
		[ -n "$grp" ] || sfail "edu at $dev has no IOMMU group"
		echo vfio-pci >"$D/driver_override"
		[ -e "$D/driver" ] && echo "$dev" >"$D/driver/unbind"
		echo "$dev" >/sys/bus/pci/drivers_probe
		drv=$(readlink "$D/driver")
		[ "${drv##*/}" = vfio-pci ] || sfail "edu bound to '${drv##*/}', not vfio-pci"
		cdev=$(ls "$D/vfio-dev" 2>/dev/null | head -n 1)
		i=0
		while [ $i -lt 50 ] && [ ! -c "/dev/vfio/devices/$cdev" ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if [ -n "$cdev" ] && [ -c "/dev/vfio/devices/$cdev" ]; then
			export KT_VFIO_DEV="/dev/vfio/devices/$cdev"
			# the kernel's VFIO selftests (tests/vfio-selftests) take the BDF
			export VFIO_SELFTESTS_BDF="$dev"
			echo "KT-SETUP edu $dev group ${grp##*/} driver ${drv##*/} cdev $KT_VFIO_DEV"
		else
			sfail "no VFIO cdev for edu at $dev"
		fi
	fi
fi

# Kernel messages stay off the console from here on, so they cannot split a
# program's output lines; each program's share is checked afterwards.
dmesg -n 1
dmesg -c >/tmp/dmesg-setup
grep -iE 'DMAR|iommu|vfio' /tmp/dmesg-setup | tail -n 15 | sed 's/^/KT-DMESG setup /'

if [ $setup_fail = 0 ]; then
	export LD_LIBRARY_PATH=/lib/kt
	for t in /tests/*; do
		[ -x "$t" ] || continue
		n=${t##*/}
		echo "KT-PROG-START $n uptime=$(up)"
		timeout -s KILL "${KT_PROG_TIMEOUT:-900}" "$t" </dev/null 2>&1
		rc=$?
		echo "KT-PROG-END $n $rc uptime=$(up)"
		dmesg -c >"/tmp/dmesg-$n"
		splats=$(grep -cE 'WARNING:|BUG:|Oops|Call Trace:|refcount_t:|list_(add|del) corruption' "/tmp/dmesg-$n")
		echo "KT-PROG-DMESG $n lines=$(wc -l <"/tmp/dmesg-$n") splats=$splats"
		grep -E -A4 'WARNING:|BUG:|Oops' "/tmp/dmesg-$n" | head -n 40 | sed "s/^/KT-DMESG $n /"
		grep -E 'DMAR: \[DMA' "/tmp/dmesg-$n" | head -n 5 | sed "s/^/KT-DMESG $n /"
	done
fi
echo "KT-TAINT $(cat /proc/sys/kernel/tainted)"
echo "KT-DONE setup_fail=$setup_fail uptime=$(up)"
poweroff -f
