/* SPDX-License-Identifier: MIT */
/*
 * arm_smmuv3.h - the ARM SMMUv3 driver's vIOMMU side in the mock (see
 * arm_smmuv3.c): guest STE checks, vSMMU command invalidation, STE config.
 */
#ifndef KMOD_MOCK_ARM_SMMUV3_H
#define KMOD_MOCK_ARM_SMMUV3_H

#include "iommufd_driver.h"

/* STE.Config values a nested domain may carry (after validation). */
#define ARM_STE_CFG_ABORT 0
#define ARM_STE_CFG_BYPASS 4
#define ARM_STE_CFG_S1_TRANS 5

/* The driver's vIOMMU object: the core one, then the SMMU it sits on. */
struct arm_vsmmu {
	struct iommufd_viommu core;
	uint32_t idr[6]; /* the SMMU's ID registers, for its features */
};

int arm_vsmmu_validate_ste(struct iommu_hwpt_arm_smmuv3 *ste);
unsigned int arm_vsmmu_ste_cfg(const struct iommu_hwpt_arm_smmuv3 *ste);
/* Reads the 8 bytes of guest memory at @ipa (stage 2 applies): 0 or -errno. */
typedef int (*arm_vsmmu_read_fn)(void *priv, uint64_t ipa, uint64_t *val);

/*
 * Stage 1 of a nested STE with Config S1 translate, for an access without
 * PASID: fetches the context descriptor (substream 0, linear or two-level CD
 * table) and walks its TTB0 table (VMSAv8-64, 4 KiB granule) through @read.
 * Returns 0 with *@ipa, or a fault: -ENOENT (translation, address size, bad
 * CD), -EACCES (access flag, permission), -EPERM (substream refused),
 * -EOPNOTSUPP (AArch32 or 16/64 KiB granule: not modelled). @evt gets the
 * event record the SMMU would queue (evt[0] == 0: none), SID not filled in.
 */
int arm_vsmmu_s1_translate(const struct iommu_hwpt_arm_smmuv3 *ste, uint64_t iova, bool write,
			   arm_vsmmu_read_fn read, void *priv, uint64_t *ipa, uint64_t evt[4]);
/* Would the driver hand event record @evt to the device's vSMMU (not stage 2)? */
bool arm_vsmmu_event_forwarded(const uint64_t evt[4]);
int arm_vsmmu_cache_invalidate(struct iommufd_viommu *viommu, const struct mock_task *task,
			       struct iommu_hwpt_invalidate *cmd);

#endif
