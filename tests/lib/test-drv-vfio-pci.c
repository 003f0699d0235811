// SPDX-License-Identifier: MIT
/*
 * test-drv-vfio-pci.c - <iommufd/vfio_pci.h> against the mock's vfio-pci edu
 * (machine "edu"): the device reports the fixed number of regions and IRQ
 * indexes; each region index names the region it should (BAR 0 with the edu
 * registers, the configuration space with the edu's ids, empty BARs 1-5 and
 * ROM, no VGA) and indexes past the fixed ones are refused.
 */
#include <errno.h>
#include <unistd.h>

#include <iommufd/vfio_pci.h>

#include "iommufd-uapi.h"
#include "drv-helpers.h"

static void test_values(void **state)
{
	(void)state;
	assert_int_equal(IOMMUFD_VFIO_PCI_BAR0_REGION_INDEX, VFIO_PCI_BAR0_REGION_INDEX);
	assert_int_equal(IOMMUFD_VFIO_PCI_CONFIG_REGION_INDEX, 7);
	assert_int_equal(IOMMUFD_VFIO_PCI_NUM_REGIONS, 9);
	assert_int_equal(IOMMUFD_VFIO_PCI_MSIX_IRQ_INDEX, 2);
	assert_int_equal(IOMMUFD_VFIO_PCI_NUM_IRQS, 5);
}

static void test_device_info(void **state)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct drv_machine m;

	(void)state;
	drv_up(&m);
	assert_int_equal(drv_ioctl(m.dev, VFIO_DEVICE_GET_INFO, &info), 0);
	assert_true(info.flags & VFIO_DEVICE_FLAGS_PCI);
	assert_int_equal(info.num_regions, IOMMUFD_VFIO_PCI_NUM_REGIONS);
	assert_int_equal(info.num_irqs, IOMMUFD_VFIO_PCI_NUM_IRQS);
	drv_down(&m);
}

static void test_regions(void **state)
{
	uint64_t off, size, prev = 0;
	struct drv_machine m;
	uint16_t ids[2];
	uint32_t ident;

	(void)state;
	drv_up(&m);
	/* BAR 0: the edu's registers, its identification first */
	assert_int_equal(drv_region(&m, IOMMUFD_VFIO_PCI_BAR0_REGION_INDEX, &off, &size), 0);
	assert_int_equal(size, 1 << 20);
	assert_int_equal(pread(m.dev, &ident, 4, (off_t)off), 4);
	assert_int_equal(ident, 0x010000ed);
	/* the configuration space: QEMU's edu vendor and device ids */
	assert_int_equal(drv_region(&m, IOMMUFD_VFIO_PCI_CONFIG_REGION_INDEX, &off, &size), 0);
	assert_int_equal(size, 256);
	assert_int_equal(pread(m.dev, ids, 4, (off_t)off), 4);
	assert_int_equal(ids[0], 0x1234);
	assert_int_equal(ids[1], 0x11e8);
	/* BARs 1-5 and the ROM exist, empty, at distinct offsets */
	for (uint32_t i = IOMMUFD_VFIO_PCI_BAR1_REGION_INDEX; i <= IOMMUFD_VFIO_PCI_ROM_REGION_INDEX;
	     i++) {
		assert_int_equal(drv_region(&m, i, &off, &size), 0);
		assert_int_equal(size, 0);
		assert_true(off > prev);
		prev = off;
	}
	/* the edu is no VGA device; nothing device-specific past the fixed regions */
	assert_int_equal(drv_region(&m, IOMMUFD_VFIO_PCI_VGA_REGION_INDEX, &off, &size), EINVAL);
	assert_int_equal(drv_region(&m, IOMMUFD_VFIO_PCI_NUM_REGIONS, &off, &size), EINVAL);
	drv_down(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_values, drv_teardown),
		cmocka_unit_test_teardown(test_device_info, drv_teardown),
		cmocka_unit_test_teardown(test_regions, drv_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
