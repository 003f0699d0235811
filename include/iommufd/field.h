/* SPDX-License-Identifier: MIT */
/*
 * iommufd/field.h - reading and placing the bit fields of the IOMMU
 * registers and descriptors the driver data headers describe by mask.
 */
#ifndef IOMMUFD_FIELD_H
#define IOMMUFD_FIELD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup field Bit fields of driver data
 *
 * The driver data headers (<iommufd/intel_vtd.h>, <iommufd/arm_smmuv3.h>,
 * <iommufd/amd_iommu.h>, <iommufd/tegra241_cmdqv.h>) give each field of a
 * register or descriptor as a mask in place, e.g. IOMMUFD_VTD_ECAP_PSS;
 * these two functions convert between a field's value and its bits.
 *
 * @{
 */

/**
 * Places @p value in the field @p mask of a 64-bit word.
 *
 * @param mask  the field (a contiguous mask, e.g. IOMMUFD_SMMUV3_TLBI0_ASID)
 * @param value the field's value, from bit 0; bits beyond the field are dropped
 * @return the value shifted into the field
 */
static inline uint64_t iommufd_field_prep(uint64_t mask, uint64_t value)
{
	return (value * (mask & (~mask + 1))) & mask;
}

/**
 * Reads the field @p mask of a 64-bit word.
 *
 * @param word the word (a register or descriptor word)
 * @param mask the field (a non-zero contiguous mask, e.g. IOMMUFD_VTD_ECAP_PSS)
 * @return the field's value, from bit 0 (0 or 1 for a single bit)
 */
static inline uint64_t iommufd_field_get(uint64_t word, uint64_t mask)
{
	return (word & mask) / (mask & (~mask + 1));
}

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_FIELD_H */
