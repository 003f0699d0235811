#!/bin/sh
# SPDX-License-Identifier: MIT
#
# with-bdf.sh PROGRAM [ARGS...]: run a VFIO selftest on the first device
# bound to vfio-pci, found as a kernel shows it (/sys/class/vfio-dev/vfioN/
# device -> the PCI device; under iommufd-mock-run the shim's sysfs), and
# passed as the selftests' library reads it (VFIO_SELFTESTS_BDF).
# An exported VFIO_SELFTESTS_BDF is kept.
if [ -z "${VFIO_SELFTESTS_BDF:-}" ]; then
	for v in /sys/class/vfio-dev/vfio*; do
		d=$(readlink -f "$v/device") || continue
		VFIO_SELFTESTS_BDF=${d##*/}
		break
	done
	if [ -z "${VFIO_SELFTESTS_BDF:-}" ]; then
		echo "with-bdf.sh: no device bound to vfio-pci (/sys/class/vfio-dev is empty)" >&2
		exit 1
	fi
	export VFIO_SELFTESTS_BDF
fi
echo "# VFIO_SELFTESTS_BDF=$VFIO_SELFTESTS_BDF"
exec "$@"
