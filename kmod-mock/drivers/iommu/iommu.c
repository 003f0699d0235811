// SPDX-License-Identifier: MIT
/*
 * iommu.c - the part of the kernel's drivers/iommu/iommu.c the mock needs:
 * which IOMMU driver's ops a device sits behind. Adding a model is one line
 * here plus the driver's file filling a struct mock_iommu_ops.
 */
#include "iommufd_private.h"

static const struct mock_iommu_ops *const iommu_drivers[] = {
	[MOCK_IOMMU_SELFTEST] = &mock_selftest_iommu_ops,
	[MOCK_IOMMU_INTEL_VTD] = &mock_intel_iommu_ops,
	[MOCK_IOMMU_ARM_SMMUV3] = &mock_arm_smmu_v3_ops,
	[MOCK_IOMMU_AMD] = &mock_amd_iommu_ops,
};

const struct mock_iommu_ops *mock_iommu_ops(enum mock_iommu_model model)
{
	return iommu_drivers[model];
}
