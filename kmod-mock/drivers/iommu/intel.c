// SPDX-License-Identifier: MIT
/*
 * intel.c - the Intel VT-d driver's model: its hw_info (cap/ecap registers),
 * paging domains of the generic page table, nested first-level domains
 * (struct iommu_hwpt_vtd_s1) with their cache invalidation, and DMA through a
 * nested domain walking the guest's x86 first-level table. No vIOMMU in the
 * releases modelled.
 */
#include <errno.h>
#include <string.h>

#include "iommu.h"
#include "uaccess.h"

extern const struct mock_iommu_ops mock_intel_iommu_ops; /* at the end */

static uint32_t intel_hw_info(const struct mock_dev *mdev, void *buf)
{
	struct iommu_hw_info_vtd info = {
		.flags = mdev->hw_info_flags,
		.cap_reg = mdev->hw_info_reg[0],
		.ecap_reg = mdev->hw_info_reg[1],
	};

	memcpy(buf, &info, sizeof(info));
	return sizeof(info);
}

/* intel_iommu_domain_alloc_nested(): a first-level table on a NEST_PARENT domain. */
static int intel_domain_alloc_nested(struct mock_nested_domain *nd,
				     const struct mock_domain *parent,
				     const struct mock_dev *mdev, uint32_t flags,
				     const struct mock_task *task, const struct iommu_hwpt_alloc *cmd)
{
	struct iommu_hwpt_vtd_s1 *vtd = &nd->data.vtd;
	int rc;

	(void)flags;
	if (!mdev->nesting)
		return -EOPNOTSUPP;
	if (cmd->data_type != IOMMU_HWPT_DATA_VTD_S1)
		return -EOPNOTSUPP;
	if (parent->owner != &mock_intel_iommu_ops ||
	    !(parent->flags & IOMMU_HWPT_ALLOC_NEST_PARENT))
		return -EINVAL;
	rc = mock_copy_struct_from_user(task, vtd, sizeof(*vtd),
					offsetofend(struct iommu_hwpt_vtd_s1, __reserved),
					IOMMU_HWPT_DATA_VTD_S1, cmd->data_type,
					cmd->data_uptr, cmd->data_len);
	if (rc)
		return rc;
	/* what the driver checks when it programs the PASID entry */
	if (vtd->flags & ~(uint64_t)(IOMMU_VTD_S1_SRE | IOMMU_VTD_S1_EAFE | IOMMU_VTD_S1_WPE))
		return -EINVAL;
	if (vtd->addr_width != 48 && vtd->addr_width != 57)
		return -EINVAL;
	if (vtd->pgtbl_addr & (PAGE_SIZE - 1))
		return -EINVAL;
	return 0;
}

/* The nested domain's cache_invalidate_user(): the mock walks the guest table on every DMA. */
static int intel_cache_invalidate_user(struct mock_nested_domain *nd,
				       const struct mock_task *task,
				       struct iommu_hwpt_invalidate *cmd)
{
	uint32_t processed = 0, i;
	int rc = 0;

	(void)nd;
	if (cmd->data_type != IOMMU_HWPT_INVALIDATE_DATA_VTD_S1) {
		cmd->entry_num = 0;
		return -EINVAL;
	}
	for (i = 0; i < cmd->entry_num; i++) {
		struct iommu_hwpt_vtd_s1_invalidate inv;

		rc = mock_copy_struct_from_user(
			task, &inv, sizeof(inv),
			offsetofend(struct iommu_hwpt_vtd_s1_invalidate, __reserved),
			IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, cmd->data_type,
			cmd->data_uptr + (uint64_t)i * cmd->entry_len, cmd->entry_len);
		if (rc)
			break;
		if ((inv.flags & ~(uint32_t)IOMMU_VTD_INV_FLAGS_LEAF) || inv.__reserved) {
			rc = -EOPNOTSUPP;
			break;
		}
		if ((inv.addr & (PAGE_SIZE - 1)) || !inv.npages) {
			rc = -EINVAL;
			break;
		}
		processed++;
	}
	cmd->entry_num = processed;
	return rc;
}

#define VTD_FL_P (1ULL << 0)
#define VTD_FL_RW (1ULL << 1)
#define VTD_FL_PS (1ULL << 7)
#define VTD_FL_ADDR_MASK 0x000ffffffffff000ULL

/*
 * Stage 1 of a VT-d nested domain: walk the guest's x86 first-level table
 * (4 or 5 levels) whose table addresses are stage-2 IOVAs.
 */
static int intel_s1_translate(const struct mock_nested_domain *nd, struct mock_domain *s2,
			      uint64_t iova, bool write, uint64_t *gpa, uint64_t evt[4])
{
	const struct iommu_hwpt_vtd_s1 *vtd = &nd->data.vtd;
	unsigned int levels = vtd->addr_width == 57 ? 5 : 4, level;
	uint64_t table = vtd->pgtbl_addr;
	int rc;

	(void)evt;
	/* canonical lower half only: the device has no kernel addresses */
	if (iova >> vtd->addr_width)
		return -ENOENT;
	for (level = levels; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t pte;

		rc = mock_domain_read_u64(s2, table + ((iova >> shift) & 511) * 8, &pte);
		if (rc)
			return rc == -EACCES ? -ENOENT : rc;
		if (!(pte & VTD_FL_P))
			return -ENOENT;
		if (write && !(pte & VTD_FL_RW))
			return -EACCES;
		if (level == 1 || ((level == 2 || level == 3) && (pte & VTD_FL_PS))) {
			uint64_t mask = (1ULL << shift) - 1;

			*gpa = ((pte & VTD_FL_ADDR_MASK) & ~mask) | (iova & mask);
			return 0;
		}
		table = pte & VTD_FL_ADDR_MASK;
	}
	return -ENOENT;
}

/* Linux 6.12 on QEMU 7.2 intel-iommu: GET_HW_INFO data of the edu device. */
#define VTD_DEFAULT_CAP 0xd2008c22260206ULL
#define VTD_DEFAULT_ECAP 0xf00f4aULL
#define VTD_SCALABLE_ECAP 0x480080f00f4aULL
#define VTD_ECAP_NEST (1ULL << 26)
#define VTD_ECAP_PSS_SHIFT 35
#define VTD_ECAP_PASID (1ULL << 40)
#define VTD_ECAP_SSADS (1ULL << 45) /* SLADS: second-level access/dirty */

static void intel_dev_defaults(struct mock_dev *mdev, const struct mock_dev_config *set)
{
	if (!mdev->aperture_bits)
		mdev->aperture_bits = 39;
	if (!set->resv)
		(void)mock_dev_add_resv(mdev, MOCK_X86_MSI_START, MOCK_X86_MSI_LAST);
	if (!set->hw_info_flags)
		mdev->hw_info_flags = IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17;
	if (!set->hw_info_reg[0])
		mdev->hw_info_reg[0] = VTD_DEFAULT_CAP;
	if (!set->hw_info_reg[1]) {
		uint64_t ecap = VTD_DEFAULT_ECAP;

		/* nesting, dirty tracking and PASID need scalable mode */
		if (mdev->nesting || mdev->dirty || mdev->pasid_log2)
			ecap = VTD_SCALABLE_ECAP;
		if (mdev->nesting)
			ecap |= VTD_ECAP_NEST;
		if (mdev->dirty)
			ecap |= VTD_ECAP_SSADS;
		if (mdev->pasid_log2)
			ecap |= VTD_ECAP_PASID |
				((uint64_t)(mdev->pasid_log2 - 1) << VTD_ECAP_PSS_SHIFT);
		mdev->hw_info_reg[1] = ecap;
	}
}

static const char *const intel_names[] = { "vtd", "intel-vtd", "intel", NULL };

const struct mock_iommu_ops mock_intel_iommu_ops = {
	.names = intel_names,
	.desc = "Intel VT-d",
	.dev_defaults = intel_dev_defaults,
	.hw_info_type = IOMMU_HW_INFO_TYPE_INTEL_VTD,
	.hw_info = intel_hw_info,
	.domain_alloc_paging = mock_domain_alloc_paging_generic,
	.domain_alloc_nested = true,
	.nested_domain_init = intel_domain_alloc_nested,
	.cache_invalidate_user = intel_cache_invalidate_user,
	.s1_translate = intel_s1_translate,
};
