/* SPDX-License-Identifier: MIT */
/*
 * iommufd/intel_vtd.h - Intel VT-d data a VMM handles for nested
 * translation: the stage-1 cache invalidation entry, the stage-1 flags, the
 * hw_info errata flag and the fields of the Capability and Extended
 * Capability registers.
 */
#ifndef IOMMUFD_INTEL_VTD_H
#define IOMMUFD_INTEL_VTD_H

#include <stdint.h>

#include <iommufd/field.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup intel_vtd Intel VT-d driver data
 *
 * What a VMM that emulates a VT-d IOMMU for its guest builds or decodes:
 *
 * - struct iommufd_vtd_s1_inv, the entry of a stage-1 cache invalidation
 *   (IOMMUFD_HWPT_INVALIDATE_DATA_VTD_S1) passed to a nested HWPT, and its
 *   flag IOMMUFD_VTD_S1_INV_LEAF;
 * - the flags of the stage-1 table description (IOMMUFD_HWPT_DATA_VTD_S1);
 * - the errata flag of the hw_info and the fields of the cap_reg and
 *   ecap_reg registers it reports (VT-d specification, sections 11.4.2 and
 *   11.4.3): read one with iommufd_field_get().
 *
 * @{
 */

/**
 * One stage-1 cache invalidation request (IOMMUFD_HWPT_INVALIDATE_DATA_VTD_S1,
 * 24 bytes), in the kernel's layout: the entries of the array given to the
 * invalidation of a nested VT-d HWPT.
 */
struct iommufd_vtd_s1_inv {
	/** Start of the range, 4 KiB aligned; 0 with IOMMUFD_VTD_S1_INV_ALL_PAGES. */
	uint64_t addr;
	/** Number of 4 KiB pages, non-zero; IOMMUFD_VTD_S1_INV_ALL_PAGES for everything. */
	uint64_t npages;
	/** Flags from enum iommufd_vtd_s1_inv_flags. */
	uint32_t flags;
	/** Must be 0. */
	uint32_t reserved;
};

/** Flags of iommufd_vtd_s1_inv::flags. */
enum iommufd_vtd_s1_inv_flags {
	/** Only leaf (last-level) entries changed: paging-structure caches are kept. */
	IOMMUFD_VTD_S1_INV_LEAF = 1 << 0,
};

/** iommufd_vtd_s1_inv::npages that, with addr 0, invalidates the whole stage-1 table. */
#define IOMMUFD_VTD_S1_INV_ALL_PAGES UINT64_MAX

/** Flags of the VT-d stage-1 table description of a nested HWPT (IOMMUFD_HWPT_DATA_VTD_S1). */
enum iommufd_vtd_s1_flags {
	/** SRE: supervisor requests are allowed. */
	IOMMUFD_VTD_S1_SRE = 1 << 0,
	/** EAFE: extended access flag. */
	IOMMUFD_VTD_S1_EAFE = 1 << 1,
	/** WPE: write protect for supervisor requests. */
	IOMMUFD_VTD_S1_WPE = 1 << 2,
};

/** Flags of the VT-d hw_info (IOMMUFD_HW_INFO_TYPE_INTEL_VTD). */
enum iommufd_vtd_hw_info_flags {
	/**
	 * Sapphire Rapids erratum 772415 (SPR17): a nesting-parent HWPT must
	 * not have read-only mappings.
	 */
	IOMMUFD_VTD_HW_INFO_ERRATA_772415_SPR17 = 1 << 0,
};

/** cap_reg ND: number of domain ids supported, 2^(4 + 2 * ND). */
#define IOMMUFD_VTD_CAP_ND (0x7ULL << 0)
/** cap_reg AFL: advanced fault logging. */
#define IOMMUFD_VTD_CAP_AFL (1ULL << 3)
/** cap_reg RWBF: the write buffer must be flushed. */
#define IOMMUFD_VTD_CAP_RWBF (1ULL << 4)
/** cap_reg PLMR: protected low memory region. */
#define IOMMUFD_VTD_CAP_PLMR (1ULL << 5)
/** cap_reg PHMR: protected high memory region. */
#define IOMMUFD_VTD_CAP_PHMR (1ULL << 6)
/** cap_reg CM: caching mode, not-present entries may be cached (set by virtual IOMMUs). */
#define IOMMUFD_VTD_CAP_CM (1ULL << 7)
/** cap_reg SAGAW: supported second-stage address widths (bit 1: 39, 2: 48, 3: 57 bits). */
#define IOMMUFD_VTD_CAP_SAGAW (0x1fULL << 8)
/** cap_reg MGAW: maximum guest address width, minus one. */
#define IOMMUFD_VTD_CAP_MGAW (0x3fULL << 16)
/** cap_reg ZLR: zero-length reads. */
#define IOMMUFD_VTD_CAP_ZLR (1ULL << 22)
/** cap_reg FRO: fault-recording register offset, in 16-byte units. */
#define IOMMUFD_VTD_CAP_FRO (0x3ffULL << 24)
/** cap_reg SSLPS: second-stage large page sizes (bit 0: 2 MiB, bit 1: 1 GiB). */
#define IOMMUFD_VTD_CAP_SSLPS (0xfULL << 34)
/** cap_reg PSI: page-selective invalidation. */
#define IOMMUFD_VTD_CAP_PSI (1ULL << 39)
/** cap_reg NFR: number of fault-recording registers, minus one. */
#define IOMMUFD_VTD_CAP_NFR (0xffULL << 40)
/** cap_reg MAMV: maximum address mask value of page-selective invalidation. */
#define IOMMUFD_VTD_CAP_MAMV (0x3fULL << 48)
/** cap_reg DWD: write draining. */
#define IOMMUFD_VTD_CAP_DWD (1ULL << 54)
/** cap_reg DRD: read draining. */
#define IOMMUFD_VTD_CAP_DRD (1ULL << 55)
/** cap_reg FS1GP: first-stage 1 GiB pages. */
#define IOMMUFD_VTD_CAP_FS1GP (1ULL << 56)
/** cap_reg PI: posted interrupts. */
#define IOMMUFD_VTD_CAP_PI (1ULL << 59)
/** cap_reg FS5LP: first-stage 5-level paging. */
#define IOMMUFD_VTD_CAP_FS5LP (1ULL << 60)
/** cap_reg ECMDS: enhanced command support. */
#define IOMMUFD_VTD_CAP_ECMDS (1ULL << 61)
/** cap_reg ESIRTPS: enhanced set interrupt remap table pointer. */
#define IOMMUFD_VTD_CAP_ESIRTPS (1ULL << 62)
/** cap_reg ESRTPS: enhanced set root table pointer. */
#define IOMMUFD_VTD_CAP_ESRTPS (1ULL << 63)

/** ecap_reg C: page-walk coherency. */
#define IOMMUFD_VTD_ECAP_C (1ULL << 0)
/** ecap_reg QI: queued invalidation. */
#define IOMMUFD_VTD_ECAP_QI (1ULL << 1)
/** ecap_reg DT: device-TLB (ATS) support. */
#define IOMMUFD_VTD_ECAP_DT (1ULL << 2)
/** ecap_reg IR: interrupt remapping. */
#define IOMMUFD_VTD_ECAP_IR (1ULL << 3)
/** ecap_reg EIM: extended interrupt mode (x2APIC). */
#define IOMMUFD_VTD_ECAP_EIM (1ULL << 4)
/** ecap_reg PT: pass-through. */
#define IOMMUFD_VTD_ECAP_PT (1ULL << 6)
/** ecap_reg SC: snoop control. */
#define IOMMUFD_VTD_ECAP_SC (1ULL << 7)
/** ecap_reg IRO: IOTLB register offset, in 16-byte units. */
#define IOMMUFD_VTD_ECAP_IRO (0x3ffULL << 8)
/** ecap_reg MHMV: maximum handle mask value. */
#define IOMMUFD_VTD_ECAP_MHMV (0xfULL << 20)
/** ecap_reg MTS: memory type support. */
#define IOMMUFD_VTD_ECAP_MTS (1ULL << 25)
/** ecap_reg NEST: nested translation. */
#define IOMMUFD_VTD_ECAP_NEST (1ULL << 26)
/** ecap_reg PRS: page requests. */
#define IOMMUFD_VTD_ECAP_PRS (1ULL << 29)
/** ecap_reg ERS: execute requests. */
#define IOMMUFD_VTD_ECAP_ERS (1ULL << 30)
/** ecap_reg SRS: supervisor requests. */
#define IOMMUFD_VTD_ECAP_SRS (1ULL << 31)
/** ecap_reg NWFS: no write flag. */
#define IOMMUFD_VTD_ECAP_NWFS (1ULL << 33)
/** ecap_reg EAFS: extended access flag. */
#define IOMMUFD_VTD_ECAP_EAFS (1ULL << 34)
/** ecap_reg PSS: PASID size supported, in bits, minus one. */
#define IOMMUFD_VTD_ECAP_PSS (0x1fULL << 35)
/** ecap_reg PASID: process address space ids. */
#define IOMMUFD_VTD_ECAP_PASID (1ULL << 40)
/** ecap_reg DIT: device-TLB invalidation throttling. */
#define IOMMUFD_VTD_ECAP_DIT (1ULL << 41)
/** ecap_reg PDS: page-request drain. */
#define IOMMUFD_VTD_ECAP_PDS (1ULL << 42)
/** ecap_reg SMTS: scalable mode translation. */
#define IOMMUFD_VTD_ECAP_SMTS (1ULL << 43)
/** ecap_reg SSADS: second-stage accessed/dirty bits (dirty tracking). */
#define IOMMUFD_VTD_ECAP_SSADS (1ULL << 45)
/** ecap_reg SSTS: second-stage translation. */
#define IOMMUFD_VTD_ECAP_SSTS (1ULL << 46)
/** ecap_reg FSTS: first-stage translation (needed for a stage-1 nested HWPT). */
#define IOMMUFD_VTD_ECAP_FSTS (1ULL << 47)
/** ecap_reg SMPWC: scalable mode page-walk coherency. */
#define IOMMUFD_VTD_ECAP_SMPWC (1ULL << 48)
/** ecap_reg RPS: RID_PASID support. */
#define IOMMUFD_VTD_ECAP_RPS (1ULL << 49)
/** ecap_reg PMS: performance monitoring. */
#define IOMMUFD_VTD_ECAP_PMS (1ULL << 51)

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_INTEL_VTD_H */
