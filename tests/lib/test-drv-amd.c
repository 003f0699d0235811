// SPDX-License-Identifier: MIT
/*
 * test-drv-amd.c - <iommufd/amd_iommu.h> against the mock's AMD IOMMU
 * (machine "edu,hwinfo=amd,nesting,pasid=10"): the EFR/EFR2 fields of the
 * hw_info, and the guest DTE of a nested HWPT built with the field helpers.
 * Linux 7.3's AMD driver (and the mock) validates no guest DTE yet: its
 * vIOMMU has no nested domain op, so even a well-formed DTE is refused with
 * EOPNOTSUPP, which this test pins down; the DTE's layout is checked against
 * the bit positions of the AMD IOMMU specification instead.
 */
#include <errno.h>

#include <iommufd/amd_iommu.h>

#include "iommufd-uapi.h"
#include "drv-helpers.h"

#define GCR3 0x000fedcba9876000ULL

static void test_dte_layout(void **state)
{
	uint64_t dte[4] = { 0 };

	(void)state;
	/* the GCR3 root pointer is spread over three fields of words 0 and 1 */
	iommufd_amd_dte_set_gcr3(dte, GCR3);
	assert_int_equal((dte[0] >> 58) & 0x7, (GCR3 >> 12) & 0x7);
	assert_int_equal((dte[1] >> 16) & 0xffff, (GCR3 >> 15) & 0xffff);
	assert_int_equal(dte[1] >> 43, GCR3 >> 31);
	assert_int_equal(dte[0] & ~(0x7ULL << 58), 0);
	assert_int_equal(dte[1] & 0xffff, 0);
	assert_int_equal(iommufd_amd_dte_gcr3(dte), GCR3);
	/* other fields are kept; a new pointer replaces the old one entirely */
	dte[0] |= IOMMUFD_AMD_DTE0_V | IOMMUFD_AMD_DTE0_GV;
	dte[1] |= iommufd_field_prep(IOMMUFD_AMD_DTE1_DOMID, 0x1234);
	iommufd_amd_dte_set_gcr3(dte, 0x1000);
	assert_int_equal(iommufd_amd_dte_gcr3(dte), 0x1000);
	assert_int_equal(dte[0], (1ULL << 0) | (1ULL << 55) | (1ULL << 58));
	assert_int_equal(dte[1], 0x1234);
	/* guest paging mode and GLX */
	assert_int_equal(iommufd_field_prep(IOMMUFD_AMD_DTE2_GPT_LEVEL, IOMMUFD_AMD_GPT_LEVEL_5),
			 1ULL << 54);
	assert_int_equal(iommufd_field_prep(IOMMUFD_AMD_DTE0_GLX, 1), 1ULL << 56);
	assert_int_equal(iommufd_field_get(3ULL << 56, IOMMUFD_AMD_DTE0_GLX), 3);
}

static void test_hw_info(void **state)
{
	struct iommu_hw_info_amd info;
	struct drv_machine m;
	uint32_t type;

	(void)state;
	drv_up(&m);
	assert_int_equal(drv_hw_info(&m, &info, sizeof(info), &type), 0);
	assert_int_equal(type, IOMMU_HW_INFO_TYPE_AMD);
	/* what nesting needs: guest translation, guest I/O protection, GCR3TRPMode */
	assert_true(info.efr & IOMMUFD_AMD_EFR_GTSUP);
	assert_true(info.efr & IOMMUFD_AMD_EFR_GIOSUP);
	assert_true(info.efr2 & IOMMUFD_AMD_EFR2_GCR3TRPMODE);
	assert_int_equal(iommufd_field_get(info.efr, IOMMUFD_AMD_EFR_PASMAX) + 1, 10);
	assert_false(info.efr & IOMMUFD_AMD_EFR_HDSUP); /* no dirty tracking here */
	/* everything this IOMMU reports may be shown to a guest */
	assert_int_equal(info.efr & ~IOMMUFD_AMD_EFR_GUEST, 0);
	drv_down(&m);
}

static void test_nested_dte(void **state)
{
	struct iommu_hwpt_amd_guest dte;
	struct drv_machine m;
	uint32_t parent, viommu;
	uint64_t d[4] = { 0 };

	(void)state;
	drv_up(&m);
	/* a guest DTE as validate_gdte_nested() wants it: V, GV, a GCR3 root, 4 levels */
	d[0] = IOMMUFD_AMD_DTE0_V | IOMMUFD_AMD_DTE0_GV | iommufd_field_prep(IOMMUFD_AMD_DTE0_GLX, 0);
	iommufd_amd_dte_set_gcr3(d, DRV_IOVA_T);
	d[1] |= iommufd_field_prep(IOMMUFD_AMD_DTE1_DOMID, 7);
	d[2] = iommufd_field_prep(IOMMUFD_AMD_DTE2_GPT_LEVEL, IOMMUFD_AMD_GPT_LEVEL_4);
	assert_int_equal(d[0] & (IOMMUFD_AMD_DTE0_MODE | IOMMUFD_AMD_DTE0_HOST_PT_ROOT), 0);
	assert_int_equal(iommufd_amd_dte_gcr3(d), DRV_IOVA_T);
	for (int i = 0; i < 4; i++)
		dte.dte[i] = d[i];

	assert_int_equal(drv_hwpt_alloc(&m, IOMMU_HWPT_ALLOC_NEST_PARENT, m.ioas_id, 0, NULL, 0,
					&parent), 0);
	/* 7.3: on the parent and on a vIOMMU alike, no nested domain yet */
	assert_int_equal(drv_hwpt_alloc(&m, 0, parent, IOMMU_HWPT_DATA_AMD_GUEST, &dte,
					sizeof(dte), NULL), EOPNOTSUPP);
	assert_int_equal(drv_viommu_alloc(&m, IOMMU_VIOMMU_TYPE_ARM_SMMUV3, parent, &viommu), 0);
	assert_int_equal(drv_hwpt_alloc(&m, 0, viommu, IOMMU_HWPT_DATA_AMD_GUEST, &dte,
					sizeof(dte), NULL), EOPNOTSUPP);
	assert_int_equal(drv_destroy(&m, viommu), 0);
	assert_int_equal(drv_destroy(&m, parent), 0);
	drv_down(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_dte_layout, drv_teardown),
		cmocka_unit_test_teardown(test_hw_info, drv_teardown),
		cmocka_unit_test_teardown(test_nested_dte, drv_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
