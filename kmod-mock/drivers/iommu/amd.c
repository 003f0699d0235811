// SPDX-License-Identifier: MIT
/*
 * amd.c - the AMD-Vi driver's model: its hw_info (EFR/EFR2), paging domains
 * of the generic page table and no nested domain of its own; 7.3's AMD
 * vIOMMU takes any type, its parent must be the driver's own stage-2 domain,
 * and its vIOMMU ops have only destroy (no nested domains on it, no cache
 * invalidation).
 */
#include <string.h>

#include "iommu.h"
#include "iommufd_driver.h"

static uint32_t amd_hw_info(const struct mock_dev *mdev, void *buf)
{
	struct iommu_hw_info_amd info = {
		.efr = mdev->hw_info_reg[0],
		.efr2 = mdev->hw_info_reg[1],
	};

	memcpy(buf, &info, sizeof(info));
	return sizeof(info);
}

static size_t amd_get_viommu_size(const struct mock_dev *mdev, uint32_t type)
{
	(void)mdev;
	(void)type;
	return sizeof(struct iommufd_viommu);
}

static int amd_viommu_init(struct iommufd_viommu *viommu, struct iommufd_device *idev,
			   struct iommufd_ucmd *ucmd, const struct iommu_viommu_alloc *cmd)
{
	(void)idev;
	(void)ucmd;
	(void)cmd;
	return mock_viommu_init_parent(viommu);
}

static const struct mock_viommu_ops amd_viommu_ops = {
	.alloc_domain_nested = false,
};

static void amd_dev_defaults(struct mock_dev *mdev, const struct mock_dev_config *set)
{
	if (!mdev->aperture_bits)
		mdev->aperture_bits = 48;
	if (!set->resv)
		(void)mock_dev_add_resv(mdev, MOCK_X86_MSI_START, MOCK_X86_MSI_LAST);
	if (!set->hw_info_reg[0]) {
		uint64_t efr = 0;

		/* GTSup and GIOSup (with EFR2 GCR3TRPMode): what NEST_PARENT needs */
		if (mdev->nesting)
			efr |= (1ULL << 4) | (1ULL << 48);
		if (mdev->pasid_log2)
			efr |= (uint64_t)(mdev->pasid_log2 - 1) << 32; /* PASmax */
		if (mdev->dirty)
			efr |= 1ULL << 52; /* HDSup */
		mdev->hw_info_reg[0] = efr;
	}
	if (!set->hw_info_reg[1] && mdev->nesting)
		mdev->hw_info_reg[1] = 1ULL << 3; /* GCR3TRPMode */
}

static const char *const amd_names[] = { "amd", NULL };

const struct mock_iommu_ops mock_amd_iommu_ops = {
	.names = amd_names,
	/* the AMD IOMMU reports IOMMU_HW_INFO_TYPE_AMD from 6.18; the next release presented is 7.3 */
	.desc = "AMD",
	.since_desc = "Linux 7.3",
	.since_kv = MOCK_KV(6, 18),
	.dev_defaults = amd_dev_defaults,
	.hw_info_type = IOMMU_HW_INFO_TYPE_AMD,
	.hw_info = amd_hw_info,
	.domain_alloc_paging = mock_domain_alloc_paging_generic,
	.get_viommu_size = amd_get_viommu_size,
	.viommu_init = amd_viommu_init,
	.viommu_ops = &amd_viommu_ops,
};
