/* SPDX-License-Identifier: MIT */
/*
 * arm_smmuv3.h - the ARM SMMUv3 driver's vIOMMU side in the mock (see
 * arm_smmuv3.c): guest STE checks, vSMMU command invalidation, STE config.
 */
#ifndef KMOD_MOCK_ARM_SMMUV3_H
#define KMOD_MOCK_ARM_SMMUV3_H

#include "iommufd_private.h"

/* STE.Config values a nested domain may carry (after validation). */
#define ARM_STE_CFG_ABORT 0
#define ARM_STE_CFG_BYPASS 4
#define ARM_STE_CFG_S1_TRANS 5

/* The driver's vIOMMU object: the core one, then the SMMU it sits on. */
struct arm_vsmmu {
	struct iommufd_viommu core;
	uint32_t idr[6]; /* the SMMU's ID registers, for its features */
};

/* viommu.c: does the vIOMMU's driver allocate nested domains on it? */
bool iommufd_viommu_has_nested(const struct iommufd_viommu *viommu);

int arm_vsmmu_validate_ste(struct iommu_hwpt_arm_smmuv3 *ste);
unsigned int arm_vsmmu_ste_cfg(const struct iommu_hwpt_arm_smmuv3 *ste);
int arm_vsmmu_cache_invalidate(struct iommufd_viommu *viommu, const struct mock_task *task,
			       struct iommu_hwpt_invalidate *cmd);

#endif
