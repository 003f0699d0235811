// SPDX-License-Identifier: MIT
/*
 * test-drv-tegra241.c - <iommufd/tegra241_cmdqv.h>. kmod-mock has no Tegra241
 * CMDQV (machine "edu,hwinfo=smmuv3,nesting": an SMMUv3 without one, which
 * must refuse the CMDQV vIOMMU as the kernel does), so the register map is
 * checked against the layout of the CMDQV MMIO the kernel driver programs:
 * what a VMM emulating CMDQV for its guest computes from the hw_info and the
 * guest's registers.
 */
#include <errno.h>

#include <iommufd/tegra241_cmdqv.h>

#include "iommufd-uapi.h"
#include "drv-helpers.h"

static void test_param(void **state)
{
	const struct iommu_hw_info_tegra241_cmdqv hw = {
		.version = 1, .log2vcmdqs = 7, .log2vsids = 4,
	};
	uint32_t p = iommufd_tegra241_cmdqv_param(hw.version, hw.log2vcmdqs, hw.log2vsids);

	(void)state;
	/* PARAM: VER 3:0, NUM_VCMDQ_LOG2 7:4, NUM_VINTF_LOG2 11:8 (0: one), SID_PER_VM 15:12 */
	assert_int_equal(p, 0x4071);
	assert_int_equal(p & IOMMUFD_TEGRA241_CMDQV_PARAM_VER, 1);
	assert_int_equal((p & IOMMUFD_TEGRA241_CMDQV_PARAM_NUM_VCMDQ_LOG2) >> 4, 7);
	assert_int_equal(p & IOMMUFD_TEGRA241_CMDQV_PARAM_NUM_VINTF_LOG2, 0);
	assert_int_equal((p & IOMMUFD_TEGRA241_CMDQV_PARAM_NUM_SID_PER_VM_LOG2) >> 12, 4);
	/* out-of-range inputs do not spill into other fields */
	assert_int_equal(iommufd_tegra241_cmdqv_param(0xff, 0, 0), 0xf);
}

static void test_register_map(void **state)
{
	(void)state;
	/* the logical VCMDQs' control registers in the mmap()ed VINTF page 0 */
	assert_int_equal(iommufd_tegra241_lvcmdq_reg(0, IOMMUFD_TEGRA241_VCMDQ_CONS), 0x0);
	assert_int_equal(iommufd_tegra241_lvcmdq_reg(1, IOMMUFD_TEGRA241_VCMDQ_PROD), 0x84);
	assert_int_equal(iommufd_tegra241_lvcmdq_reg(3, IOMMUFD_TEGRA241_VCMDQ_GERRORN), 0x194);
	assert_true(iommufd_tegra241_lvcmdq_reg(127, IOMMUFD_TEGRA241_VCMDQ_GERRORN) <
		    IOMMUFD_TEGRA241_CMDQV_PAGE_SIZE);
	/* the pages of the MMIO region, each 64 KiB */
	assert_int_equal(IOMMUFD_TEGRA241_VCMDQ_PAGE0_BASE, 1 * IOMMUFD_TEGRA241_CMDQV_PAGE_SIZE);
	assert_int_equal(IOMMUFD_TEGRA241_VCMDQ_PAGE1_BASE, 2 * IOMMUFD_TEGRA241_CMDQV_PAGE_SIZE);
	assert_int_equal(IOMMUFD_TEGRA241_VINTF_PAGE_BASE, 3 * IOMMUFD_TEGRA241_CMDQV_PAGE_SIZE);
	/* VINTF 1's SID_MATCH 2, CMDQ_ALLOC of VCMDQ 5, error maps */
	assert_int_equal(IOMMUFD_TEGRA241_VINTF(1) + IOMMUFD_TEGRA241_VINTF_SID_MATCH(2), 0x1148);
	assert_int_equal(IOMMUFD_TEGRA241_CMDQV_CMDQ_ALLOC(5), 0x214);
	assert_int_equal(IOMMUFD_TEGRA241_VINTF_LVCMDQ_ERR_MAP(1), 0xc8);
	assert_int_equal(IOMMUFD_TEGRA241_CMDQV_CMDQ_ERR_MAP(3), 0x30);
	/* a guest may not own its VINTF: HYP_OWN must read 0 */
	assert_int_equal(IOMMUFD_TEGRA241_VINTF_CONFIG_HYP_OWN, 1U << 17);
}

/* A guest's VCMDQ BASE register: where the HW queue is, and how long. */
static void test_vcmdq_base(void **state)
{
	const uint64_t base = 0x8812340000ULL | 9; /* 512 entries of 16 bytes */

	(void)state;
	assert_int_equal(base & IOMMUFD_TEGRA241_VCMDQ_BASE_ADDR, 0x8812340000ULL);
	assert_int_equal(iommufd_tegra241_vcmdq_len(base), 8192);
	assert_int_equal(iommufd_tegra241_vcmdq_len(0), 16);
	/* the address is bits 47:5 */
	assert_int_equal(~0ULL & IOMMUFD_TEGRA241_VCMDQ_BASE_ADDR, 0xffffffffffe0ULL);
}

/* An SMMUv3 without CMDQV has no Tegra241 vIOMMU; its own vIOMMU type works. */
static void test_no_cmdqv(void **state)
{
	struct iommu_viommu_tegra241_cmdqv data = { 0 };
	struct drv_machine m;
	uint32_t parent, viommu;

	(void)state;
	drv_up(&m);
	assert_int_equal(drv_hwpt_alloc(&m, IOMMU_HWPT_ALLOC_NEST_PARENT, m.ioas_id, 0, NULL, 0,
					&parent), 0);
	assert_int_equal(drv_viommu_alloc_data(m.iommufd, m.dev_id,
					       IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV, parent, &data,
					       sizeof(data), NULL), EOPNOTSUPP);
	assert_int_equal(data.out_vintf_mmap_length, 0);
	assert_int_equal(drv_viommu_alloc(&m, IOMMU_VIOMMU_TYPE_ARM_SMMUV3, parent, &viommu), 0);
	assert_int_equal(drv_destroy(&m, viommu), 0);
	assert_int_equal(drv_destroy(&m, parent), 0);
	drv_down(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_param, drv_teardown),
		cmocka_unit_test_teardown(test_register_map, drv_teardown),
		cmocka_unit_test_teardown(test_vcmdq_base, drv_teardown),
		cmocka_unit_test_teardown(test_no_cmdqv, drv_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
