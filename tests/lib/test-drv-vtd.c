// SPDX-License-Identifier: MIT
/*
 * test-drv-vtd.c - <iommufd/intel_vtd.h> end to end against the mock's VT-d
 * (machine "edu,nesting", the registers of QEMU's intel-iommu in scalable
 * mode): the cap/ecap fields and the errata flag of the hw_info, a nested
 * stage-1 HWPT with the S1 flags, its cache invalidation with struct
 * iommufd_vtd_s1_inv entries (taken, and refused with the exact errno and
 * entry_num), and a DMA through the guest's stage 1 after an invalidation.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <iommufd/intel_vtd.h>

#include "iommufd-uapi.h"
#include "drv-helpers.h"

#define S1_IOVA 0x5000000ULL
#define X86_P 0x1ULL  /* present */
#define X86_RW 0x2ULL /* writeable */

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct iommufd_vtd_s1_inv), 24);
	assert_int_equal(sizeof(struct iommufd_vtd_s1_inv),
			 sizeof(struct iommu_hwpt_vtd_s1_invalidate));
	assert_int_equal(offsetof(struct iommufd_vtd_s1_inv, npages), 8);
	assert_int_equal(offsetof(struct iommufd_vtd_s1_inv, flags), 16);
	assert_int_equal(offsetof(struct iommufd_vtd_s1_inv, reserved), 20);
	assert_int_equal(iommufd_field_get(0xabcdULL << 35, IOMMUFD_VTD_ECAP_PSS), 0xd);
	assert_int_equal(iommufd_field_get(~0ULL, IOMMUFD_VTD_CAP_ESRTPS), 1);
}

/* QEMU intel-iommu's registers, read field by field (VT-d spec 11.4.2, 11.4.3). */
static void test_hw_info(void **state)
{
	struct iommu_hw_info_vtd info;
	struct drv_machine m;
	uint32_t type;

	(void)state;
	drv_up(&m);
	assert_int_equal(drv_hw_info(&m, &info, sizeof(info), &type), 0);
	assert_int_equal(type, IOMMU_HW_INFO_TYPE_INTEL_VTD);
	assert_int_equal(info.flags & IOMMUFD_VTD_HW_INFO_ERRATA_772415_SPR17,
			 IOMMUFD_VTD_HW_INFO_ERRATA_772415_SPR17);
	/* cap 0xd2008c22260206: 39-bit guest addresses, 4-level second stage */
	assert_int_equal(iommufd_field_get(info.cap_reg, IOMMUFD_VTD_CAP_MGAW) + 1, 39);
	assert_int_equal(iommufd_field_get(info.cap_reg, IOMMUFD_VTD_CAP_SAGAW), 1 << 1);
	assert_int_equal(iommufd_field_get(info.cap_reg, IOMMUFD_VTD_CAP_ND), 6);
	assert_int_equal(iommufd_field_get(info.cap_reg, IOMMUFD_VTD_CAP_FRO) * 16, 0x220);
	assert_int_equal(iommufd_field_get(info.cap_reg, IOMMUFD_VTD_CAP_NFR), 0);
	assert_int_equal(iommufd_field_get(info.cap_reg, IOMMUFD_VTD_CAP_SSLPS), 3);
	assert_int_equal(iommufd_field_get(info.cap_reg, IOMMUFD_VTD_CAP_MAMV), 18);
	assert_true(info.cap_reg & IOMMUFD_VTD_CAP_PSI);
	assert_true(info.cap_reg & IOMMUFD_VTD_CAP_DRD);
	assert_true(info.cap_reg & IOMMUFD_VTD_CAP_DWD);
	assert_false(info.cap_reg & IOMMUFD_VTD_CAP_CM);
	assert_false(info.cap_reg & IOMMUFD_VTD_CAP_FS1GP);
	/* ecap: scalable mode with nesting, no PASID on this machine */
	assert_true(info.ecap_reg & IOMMUFD_VTD_ECAP_NEST);
	assert_true(info.ecap_reg & IOMMUFD_VTD_ECAP_SMTS);
	assert_true(info.ecap_reg & IOMMUFD_VTD_ECAP_SSTS);
	assert_true(info.ecap_reg & IOMMUFD_VTD_ECAP_QI);
	assert_true(info.ecap_reg & IOMMUFD_VTD_ECAP_IR);
	assert_true(info.ecap_reg & IOMMUFD_VTD_ECAP_PT);
	assert_false(info.ecap_reg & IOMMUFD_VTD_ECAP_PASID);
	assert_false(info.ecap_reg & IOMMUFD_VTD_ECAP_SSADS);
	assert_int_equal(iommufd_field_get(info.ecap_reg, IOMMUFD_VTD_ECAP_IRO), 0xf);
	assert_int_equal(iommufd_field_get(info.ecap_reg, IOMMUFD_VTD_ECAP_MHMV), 0xf);
	drv_down(&m);
}

struct nested {
	struct drv_machine m;
	uint64_t *t; /* 4 pages: the guest's 4-level first-stage table at DRV_IOVA_T */
	uint32_t parent, s1;
};

static void nested_up(struct nested *n, uint64_t flags)
{
	struct iommu_hwpt_vtd_s1 s1 = {
		.flags = flags, .pgtbl_addr = DRV_IOVA_T, .addr_width = 48,
	};
	uint64_t *pdpt, *pd, *pte;

	drv_up(&n->m);
	n->t = mmap(NULL, 4 * DRV_PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(n->t != MAP_FAILED);
	memset(n->t, 0, 4 * DRV_PG);
	pdpt = n->t + 512;
	pd = n->t + 1024;
	pte = n->t + 1536;
	n->t[(S1_IOVA >> 39) & 511] = (DRV_IOVA_T + DRV_PG) | X86_P | X86_RW;
	pdpt[(S1_IOVA >> 30) & 511] = (DRV_IOVA_T + 2 * DRV_PG) | X86_P | X86_RW;
	pd[(S1_IOVA >> 21) & 511] = (DRV_IOVA_T + 3 * DRV_PG) | X86_P | X86_RW;
	pte[(S1_IOVA >> 12) & 511] = DRV_IOVA_B | X86_P | X86_RW;
	pte[((S1_IOVA + DRV_PG) >> 12) & 511] = DRV_IOVA_A | X86_P;
	assert_int_equal(drv_map(&n->m, n->t, 4 * DRV_PG, DRV_IOVA_T, false), 0);
	assert_int_equal(drv_hwpt_alloc(&n->m, IOMMU_HWPT_ALLOC_NEST_PARENT, n->m.ioas_id, 0, NULL,
					0, &n->parent), 0);
	assert_int_equal(drv_hwpt_alloc(&n->m, 0, n->parent, IOMMU_HWPT_DATA_VTD_S1, &s1,
					sizeof(s1), &n->s1), 0);
}

static void nested_down(struct nested *n)
{
	assert_int_equal(drv_attach(&n->m, n->m.ioas_id), 0);
	assert_int_equal(drv_destroy(&n->m, n->s1), 0);
	assert_int_equal(drv_destroy(&n->m, n->parent), 0);
	drv_down(&n->m);
	munmap(n->t, 4 * DRV_PG);
}

static int inv(struct nested *n, const struct iommufd_vtd_s1_inv *e, uint32_t *num)
{
	return drv_invalidate(&n->m, n->s1, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, e, sizeof(*e), num);
}

static void test_s1_flags(void **state)
{
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = DRV_IOVA_T, .addr_width = 57 };
	struct nested n;

	(void)state;
	nested_up(&n, IOMMUFD_VTD_S1_SRE | IOMMUFD_VTD_S1_EAFE | IOMMUFD_VTD_S1_WPE);
	/* a flag the driver does not know */
	s1.flags = IOMMUFD_VTD_S1_WPE << 1;
	assert_int_equal(drv_hwpt_alloc(&n.m, 0, n.parent, IOMMU_HWPT_DATA_VTD_S1, &s1,
					sizeof(s1), NULL), EINVAL);
	nested_down(&n);
}

static void test_invalidate(void **state)
{
	struct iommufd_vtd_s1_inv e[3] = {
		{ .addr = 0, .npages = IOMMUFD_VTD_S1_INV_ALL_PAGES },
		{ .addr = S1_IOVA, .npages = 1, .flags = IOMMUFD_VTD_S1_INV_LEAF },
		{ .addr = S1_IOVA, .npages = 512 },
	};
	struct nested n;
	uint32_t num;

	(void)state;
	nested_up(&n, 0);
	num = 3;
	assert_int_equal(inv(&n, e, &num), 0);
	assert_int_equal(num, 3);
	/* an unknown flag: EOPNOTSUPP at the third entry, two taken */
	e[2].flags = IOMMUFD_VTD_S1_INV_LEAF << 1;
	num = 3;
	assert_int_equal(inv(&n, e, &num), EOPNOTSUPP);
	assert_int_equal(num, 2);
	/* reserved must be 0 */
	e[2].flags = 0;
	e[2].reserved = 1;
	num = 3;
	assert_int_equal(inv(&n, e, &num), EOPNOTSUPP);
	assert_int_equal(num, 2);
	/* addr must be 4 KiB aligned, npages non-zero */
	e[2].reserved = 0;
	e[2].addr = S1_IOVA + 0x800;
	num = 3;
	assert_int_equal(inv(&n, e, &num), EINVAL);
	assert_int_equal(num, 2);
	e[2].addr = S1_IOVA;
	e[2].npages = 0;
	num = 3;
	assert_int_equal(inv(&n, e, &num), EINVAL);
	assert_int_equal(num, 2);
	/* entries of another type */
	num = 1;
	assert_int_equal(drv_invalidate(&n.m, n.s1, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, e,
					sizeof(e[0]), &num), EINVAL);
	assert_int_equal(num, 0);
	nested_down(&n);
}

/* The guest changes its stage 1, invalidates, and the device sees the change. */
static void test_nested_dma(void **state)
{
	struct iommufd_vtd_s1_inv e = { .addr = S1_IOVA, .npages = 1,
					.flags = IOMMUFD_VTD_S1_INV_LEAF };
	uint64_t *pte;
	struct nested n;
	uint32_t num;

	(void)state;
	nested_up(&n, 0);
	pte = n.t + 1536;
	assert_int_equal(drv_attach(&n.m, n.s1), 0);
	drv_bus_master(&n.m);
	memset(n.m.a, 0x6b, DRV_PG);
	memset(n.m.b, 0, DRV_PG);
	drv_edu_dma(&n.m, S1_IOVA + DRV_PG, false);
	drv_edu_dma(&n.m, S1_IOVA, true);
	assert_memory_equal(n.m.a, n.m.b, DRV_PG);
	/* read-only at stage 1 now: the device's write is blocked */
	pte[(S1_IOVA >> 12) & 511] = DRV_IOVA_B | X86_P;
	num = 1;
	assert_int_equal(inv(&n, &e, &num), 0);
	assert_int_equal(num, 1);
	memset(n.m.b, 0x33, DRV_PG);
	drv_edu_dma(&n.m, S1_IOVA, true);
	assert_int_equal(n.m.b[0], 0x33);
	nested_down(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_layout, drv_teardown),
		cmocka_unit_test_teardown(test_hw_info, drv_teardown),
		cmocka_unit_test_teardown(test_s1_flags, drv_teardown),
		cmocka_unit_test_teardown(test_invalidate, drv_teardown),
		cmocka_unit_test_teardown(test_nested_dma, drv_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
