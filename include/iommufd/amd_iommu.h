/* SPDX-License-Identifier: MIT */
/*
 * iommufd/amd_iommu.h - AMD IOMMU data a VMM handles for nested translation
 * (Linux 7.x): the guest device table entry (DTE) of a nested HWPT and the
 * Extended Feature Register fields of the hw_info.
 */
#ifndef IOMMUFD_AMD_IOMMU_H
#define IOMMUFD_AMD_IOMMU_H

#include <stdint.h>

#include <iommufd/field.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup amd_iommu AMD IOMMU driver data
 *
 * What a VMM that emulates an AMD IOMMU for its guest builds or decodes:
 *
 * - the fields of the guest's device table entry, the data of a nested
 *   HWPT (IOMMUFD_HWPT_DATA_AMD_GUEST: four 64-bit words). The kernel
 *   refuses (-EINVAL) a DTE with a Mode or host page table root, a valid
 *   guest-translation DTE without a GCR3 table root, a reserved GLX or a
 *   guest paging mode other than 4 or 5 levels (-EOPNOTSUPP if the IOMMU
 *   cannot do 5). Build one with iommufd_amd_dte_set_gcr3() and
 *   iommufd_field_prep();
 * - the Extended Feature Register (EFR) fields of the hw_info the kernel
 *   lets a VMM expose to its guest (GTSup, GASup, GIoSup, PPRSup, EPHSup,
 *   GATS, GLX, PASmax) and others it may read.
 *
 * Masks are 64-bit, per DTE word (DTE0 is dte[0], ...), in CPU byte order.
 *
 * @{
 */

/** DTE word 0: V, the entry is valid. */
#define IOMMUFD_AMD_DTE0_V (1ULL << 0)
/** DTE word 0: TV, the translation information is valid. */
#define IOMMUFD_AMD_DTE0_TV (1ULL << 1)
/** DTE word 0: Mode, the host paging mode; must be 0 in a guest DTE. */
#define IOMMUFD_AMD_DTE0_MODE (0x7ULL << 9)
/** DTE word 0: the host page table root; must be 0 in a guest DTE. */
#define IOMMUFD_AMD_DTE0_HOST_PT_ROOT (0xffffffffffULL << 12)
/** DTE word 0: PPR, peripheral page requests are allowed. */
#define IOMMUFD_AMD_DTE0_PPR (1ULL << 52)
/** DTE word 0: GIoV, guest I/O protection for requests without PASID. */
#define IOMMUFD_AMD_DTE0_GIOV (1ULL << 54)
/** DTE word 0: GV, guest translation is valid. */
#define IOMMUFD_AMD_DTE0_GV (1ULL << 55)
/** DTE word 0: GLX, GCR3 table levels: 0 one, 1 two (3 is reserved). */
#define IOMMUFD_AMD_DTE0_GLX (0x3ULL << 56)
/** DTE word 0: GCR3 table root pointer bits 14:12. */
#define IOMMUFD_AMD_DTE0_GCR3_14_12 (0x7ULL << 58)
/** DTE word 0: IR, reads are allowed. */
#define IOMMUFD_AMD_DTE0_IR (1ULL << 61)
/** DTE word 0: IW, writes are allowed. */
#define IOMMUFD_AMD_DTE0_IW (1ULL << 62)
/** DTE word 1: the guest's domain id. */
#define IOMMUFD_AMD_DTE1_DOMID (0xffffULL << 0)
/** DTE word 1: GCR3 table root pointer bits 30:15. */
#define IOMMUFD_AMD_DTE1_GCR3_30_15 (0xffffULL << 16)
/** DTE word 1: GCR3 table root pointer bits 51:31. */
#define IOMMUFD_AMD_DTE1_GCR3_51_31 (0x1fffffULL << 43)
/** DTE word 2: GPT level, the guest paging mode (IOMMUFD_AMD_GPT_LEVEL_*). */
#define IOMMUFD_AMD_DTE2_GPT_LEVEL (0x3ULL << 54)
/** Guest paging mode: 4 levels. */
#define IOMMUFD_AMD_GPT_LEVEL_4 0
/** Guest paging mode: 5 levels. */
#define IOMMUFD_AMD_GPT_LEVEL_5 1

/** EFR: PreFSup, prefetch. */
#define IOMMUFD_AMD_EFR_PREFSUP (1ULL << 0)
/** EFR: PPRSup, peripheral page requests. */
#define IOMMUFD_AMD_EFR_PPRSUP (1ULL << 1)
/** EFR: XTSup, x2APIC. */
#define IOMMUFD_AMD_EFR_XTSUP (1ULL << 2)
/** EFR: NXSup, no-execute. */
#define IOMMUFD_AMD_EFR_NXSUP (1ULL << 3)
/** EFR: GTSup, guest translation. */
#define IOMMUFD_AMD_EFR_GTSUP (1ULL << 4)
/** EFR: IASup, INVALIDATE_IOMMU_ALL. */
#define IOMMUFD_AMD_EFR_IASUP (1ULL << 6)
/** EFR: GASup, guest virtual APIC. */
#define IOMMUFD_AMD_EFR_GASUP (1ULL << 7)
/** EFR: HESup, hardware error registers. */
#define IOMMUFD_AMD_EFR_HESUP (1ULL << 8)
/** EFR: PCSup, performance counters. */
#define IOMMUFD_AMD_EFR_PCSUP (1ULL << 9)
/** EFR: HATS, host address translation size (0: 4 levels, 1: 5, 2: 6). */
#define IOMMUFD_AMD_EFR_HATS (0x3ULL << 10)
/** EFR: GATS, guest address translation size (0: 4 levels, 1: 5). */
#define IOMMUFD_AMD_EFR_GATS (0x3ULL << 12)
/** EFR: GLXSup, GCR3 table levels supported (GLX values up to this). */
#define IOMMUFD_AMD_EFR_GLXSUP (0x3ULL << 14)
/** EFR: PASmax, the largest PASID, in bits, minus one. */
#define IOMMUFD_AMD_EFR_PASMAX (0x1fULL << 32)
/** EFR: GIoSup, guest I/O protection. */
#define IOMMUFD_AMD_EFR_GIOSUP (1ULL << 48)
/** EFR: HASup, host access/dirty. */
#define IOMMUFD_AMD_EFR_HASUP (1ULL << 49)
/** EFR: EPHSup, enhanced PPR handling. */
#define IOMMUFD_AMD_EFR_EPHSUP (1ULL << 50)
/** EFR: HDSup, host dirty tracking. */
#define IOMMUFD_AMD_EFR_HDSUP (1ULL << 52)
/** EFR: SNPSup, SEV-SNP. */
#define IOMMUFD_AMD_EFR_SNPSUP (1ULL << 63)
/** EFR2: GCR3TRPMode, GCR3 table root pointers are guest physical addresses (nesting). */
#define IOMMUFD_AMD_EFR2_GCR3TRPMODE (1ULL << 3)
/** The EFR fields the kernel lets a VMM expose to a guest's vIOMMU. */
#define IOMMUFD_AMD_EFR_GUEST                                                             \
	(IOMMUFD_AMD_EFR_GTSUP | IOMMUFD_AMD_EFR_GASUP | IOMMUFD_AMD_EFR_GIOSUP |       \
	 IOMMUFD_AMD_EFR_PPRSUP | IOMMUFD_AMD_EFR_EPHSUP | IOMMUFD_AMD_EFR_GATS |       \
	 IOMMUFD_AMD_EFR_GLXSUP | IOMMUFD_AMD_EFR_PASMAX)

/**
 * Stores the guest physical address of the GCR3 table in a DTE, whose
 * pointer is split over words 0 and 1; other fields are kept.
 *
 * @param[in,out] dte the four DTE words, CPU byte order
 * @param gcr3        the GCR3 table's address, 4 KiB aligned (bits 11:0 and
 *                    above 51 are dropped)
 */
static inline void iommufd_amd_dte_set_gcr3(uint64_t dte[4], uint64_t gcr3)
{
	dte[0] = (dte[0] & ~IOMMUFD_AMD_DTE0_GCR3_14_12) |
		 iommufd_field_prep(IOMMUFD_AMD_DTE0_GCR3_14_12, gcr3 >> 12);
	dte[1] = (dte[1] & ~(IOMMUFD_AMD_DTE1_GCR3_30_15 | IOMMUFD_AMD_DTE1_GCR3_51_31)) |
		 iommufd_field_prep(IOMMUFD_AMD_DTE1_GCR3_30_15, gcr3 >> 15) |
		 iommufd_field_prep(IOMMUFD_AMD_DTE1_GCR3_51_31, gcr3 >> 31);
}

/**
 * Reads the GCR3 table address of a DTE.
 *
 * @param dte the four DTE words, CPU byte order
 * @return the address iommufd_amd_dte_set_gcr3() stored
 */
static inline uint64_t iommufd_amd_dte_gcr3(const uint64_t dte[4])
{
	return (iommufd_field_get(dte[0], IOMMUFD_AMD_DTE0_GCR3_14_12) << 12) |
	       (iommufd_field_get(dte[1], IOMMUFD_AMD_DTE1_GCR3_30_15) << 15) |
	       (iommufd_field_get(dte[1], IOMMUFD_AMD_DTE1_GCR3_51_31) << 31);
}

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_AMD_IOMMU_H */
