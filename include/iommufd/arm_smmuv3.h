/* SPDX-License-Identifier: MIT */
/*
 * iommufd/arm_smmuv3.h - ARM SMMUv3 data a VMM handles for nested
 * translation: the command queue entries the kernel takes as vIOMMU
 * invalidations, the guest stream table entry fields, the context
 * descriptor fields, the ID register fields of the hw_info and the event
 * record ids. Values follow the SMMUv3 architecture as Linux 7.3 uses it.
 */
#ifndef IOMMUFD_ARM_SMMUV3_H
#define IOMMUFD_ARM_SMMUV3_H

#include <stdbool.h>
#include <stdint.h>

#include <iommufd/field.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup arm_smmuv3 ARM SMMUv3 driver data
 *
 * What a VMM that emulates an SMMUv3 for its guest builds or decodes:
 *
 * - the commands of the guest's command queue that the kernel accepts on an
 *   SMMUv3 vIOMMU (IOMMUFD_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3): struct
 *   iommufd_smmuv3_cmd, its opcodes and fields, and builders such as
 *   iommufd_smmuv3_cmd_tlbi_nh_asid();
 * - the stream table entry (STE) words 0 and 1 of a nested HWPT
 *   (IOMMUFD_HWPT_DATA_ARM_SMMUV3): the fields the kernel lets a guest set,
 *   and iommufd_smmuv3_ste_s1() and its siblings;
 * - the context descriptor (CD) fields, for tests that play the guest;
 * - the SMMU_IDR fields a VMM may read from the hw_info;
 * - the event record ids a vEVENTQ reports.
 *
 * Masks are 64-bit (32-bit for the ID registers) in CPU byte order: use
 * iommufd_field_prep() to place a value in a field and iommufd_field_get()
 * to read it. Commands go to the kernel
 * little-endian (iommufd_smmuv3_cmd_make() converts); the STE words of the
 * library's struct iommufd_hwpt_arm_smmuv3 are in CPU byte order.
 *
 * @{
 */

/**
 * One command queue entry as the kernel takes it in an SMMUv3 vIOMMU
 * invalidation array (IOMMUFD_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, 16 bytes):
 * two 64-bit words, little-endian.
 */
struct iommufd_smmuv3_cmd {
	/** Words 0 and 1, little-endian (build with iommufd_smmuv3_cmd_make()). */
	uint64_t cmd[2];
};

/** Flags of the SMMUv3 hw_info (IOMMUFD_HW_INFO_TYPE_ARM_SMMUV3). */
enum iommufd_smmuv3_hw_info_flags {
	/**
	 * Erratum T264-SMMU-3: every TLBI and CFGI command, with its CMD_SYNC,
	 * must be issued twice; a VMM passes the guest's commands on twice.
	 */
	IOMMUFD_SMMUV3_HW_INFO_ERRATA_REPEAT_TLBI_CFGI = 1 << 0,
};

/** Command word 0: the opcode. */
#define IOMMUFD_SMMUV3_CMD0_OP (0xffULL << 0)
/** Command word 0: SSV, a substream id is given (ATC_INV). */
#define IOMMUFD_SMMUV3_CMD0_SSV (1ULL << 11)

/** Opcode CFGI_CD: a context descriptor of a stream changed. */
#define IOMMUFD_SMMUV3_OP_CFGI_CD 0x05
/** Opcode CFGI_CD_ALL: every context descriptor of a stream changed. */
#define IOMMUFD_SMMUV3_OP_CFGI_CD_ALL 0x06
/** Opcode TLBI_NH_ALL: every stage-1 TLB entry of the VM. */
#define IOMMUFD_SMMUV3_OP_TLBI_NH_ALL 0x10
/** Opcode TLBI_NH_ASID: the stage-1 TLB entries of one ASID. */
#define IOMMUFD_SMMUV3_OP_TLBI_NH_ASID 0x11
/** Opcode TLBI_NH_VA: the stage-1 TLB entries of an address in one ASID. */
#define IOMMUFD_SMMUV3_OP_TLBI_NH_VA 0x12
/** Opcode TLBI_NH_VAA: the stage-1 TLB entries of an address in any ASID. */
#define IOMMUFD_SMMUV3_OP_TLBI_NH_VAA 0x13
/** Opcode TLBI_NSNH_ALL: every non-secure, non-hypervisor TLB entry (the VM's). */
#define IOMMUFD_SMMUV3_OP_TLBI_NSNH_ALL 0x30
/** Opcode ATC_INV: the ATS translation cache of a device. */
#define IOMMUFD_SMMUV3_OP_ATC_INV 0x40

/** CFGI word 0: the substream id (CFGI_CD). */
#define IOMMUFD_SMMUV3_CFGI0_SSID (0xfffffULL << 12)
/** CFGI word 0: the stream id, the guest's vSID (a vDEVICE's virt_id). */
#define IOMMUFD_SMMUV3_CFGI0_SID (0xffffffffULL << 32)
/** CFGI word 1: leaf, only the CD itself changed (CFGI_CD). */
#define IOMMUFD_SMMUV3_CFGI1_LEAF (1ULL << 0)

/** TLBI word 0: NUM, range invalidation: number of granules - 1 (with SMMU_IDR3.RIL). */
#define IOMMUFD_SMMUV3_TLBI0_NUM (0x1fULL << 12)
/** TLBI word 0: SCALE, range invalidation: the granule count is (NUM + 1) << SCALE. */
#define IOMMUFD_SMMUV3_TLBI0_SCALE (0x3fULL << 20)
/** TLBI word 0: the VMID (the kernel puts the VM's own). */
#define IOMMUFD_SMMUV3_TLBI0_VMID (0xffffULL << 32)
/** TLBI word 0: the ASID (8 bits, or 16 with SMMU_IDR0.ASID16). */
#define IOMMUFD_SMMUV3_TLBI0_ASID (0xffffULL << 48)
/** TLBI word 1: leaf, only last-level entries. */
#define IOMMUFD_SMMUV3_TLBI1_LEAF (1ULL << 0)
/** TLBI word 1: TTL, the level of the leaf entries (range invalidation). */
#define IOMMUFD_SMMUV3_TLBI1_TTL (0x3ULL << 8)
/** TLBI word 1: TG, the translation granule (range invalidation): 1 4K, 2 16K, 3 64K. */
#define IOMMUFD_SMMUV3_TLBI1_TG (0x3ULL << 10)
/** TLBI word 1: the virtual address, bits 63:12 in place. */
#define IOMMUFD_SMMUV3_TLBI1_VA (0xfffffffffffffULL << 12)

/** ATC_INV word 0: the substream id (with CMD0_SSV). */
#define IOMMUFD_SMMUV3_ATC0_SSID (0xfffffULL << 12)
/** ATC_INV word 0: the stream id (vSID). */
#define IOMMUFD_SMMUV3_ATC0_SID (0xffffffffULL << 32)
/** ATC_INV word 0: global, every substream. */
#define IOMMUFD_SMMUV3_ATC0_GLOBAL (1ULL << 9)
/** ATC_INV word 1: log2 of the number of 4 KiB pages; 52 is everything. */
#define IOMMUFD_SMMUV3_ATC1_SIZE (0x3fULL << 0)
/** ATC_INV word 1: the address, bits 63:12 in place. */
#define IOMMUFD_SMMUV3_ATC1_ADDR (0xfffffffffffffULL << 12)
/** ATC_INV size value that invalidates every address. */
#define IOMMUFD_SMMUV3_ATC_SIZE_ALL 52

/** STE word 0: V, the entry is valid (clear: abort). */
#define IOMMUFD_SMMUV3_STE0_V (1ULL << 0)
/** STE word 0: Config (see IOMMUFD_SMMUV3_STE_CFG_*). */
#define IOMMUFD_SMMUV3_STE0_CFG (0x7ULL << 1)
/** STE word 0: S1Fmt, the CD table format (see IOMMUFD_SMMUV3_STE_S1FMT_*). */
#define IOMMUFD_SMMUV3_STE0_S1FMT (0x3ULL << 4)
/** STE word 0: S1ContextPtr, the guest address of the CD table, bits 51:6 in place. */
#define IOMMUFD_SMMUV3_STE0_S1CTXPTR (0x3fffffffffffULL << 6)
/** STE word 0: S1CDMax, log2 of the number of CDs (0: one, no substreams). */
#define IOMMUFD_SMMUV3_STE0_S1CDMAX (0x1fULL << 59)
/** STE word 1: S1DSS, what a transaction without substream id uses (IOMMUFD_SMMUV3_STE_S1DSS_*). */
#define IOMMUFD_SMMUV3_STE1_S1DSS (0x3ULL << 0)
/** STE word 1: S1CIR, inner cacheability of CD table walks (IOMMUFD_SMMUV3_STE_CACHE_*). */
#define IOMMUFD_SMMUV3_STE1_S1CIR (0x3ULL << 2)
/** STE word 1: S1COR, outer cacheability of CD table walks. */
#define IOMMUFD_SMMUV3_STE1_S1COR (0x3ULL << 4)
/** STE word 1: S1CSH, shareability of CD table walks. */
#define IOMMUFD_SMMUV3_STE1_S1CSH (0x3ULL << 6)
/** STE word 1: S1STALLD, stalls disabled. */
#define IOMMUFD_SMMUV3_STE1_S1STALLD (1ULL << 27)
/** STE word 1: EATS, ATS enable: 0 abort, 1 full ATS (the host sets the real value). */
#define IOMMUFD_SMMUV3_STE1_EATS (0x3ULL << 28)
/** The STE word 0 fields a guest may set in a nested STE; the kernel refuses others with -EIO. */
#define IOMMUFD_SMMUV3_STE0_GUEST                                                          \
	(IOMMUFD_SMMUV3_STE0_V | IOMMUFD_SMMUV3_STE0_CFG | IOMMUFD_SMMUV3_STE0_S1FMT |   \
	 IOMMUFD_SMMUV3_STE0_S1CTXPTR | IOMMUFD_SMMUV3_STE0_S1CDMAX)
/** The STE word 1 fields a guest may set in a nested STE. */
#define IOMMUFD_SMMUV3_STE1_GUEST                                                          \
	(IOMMUFD_SMMUV3_STE1_S1DSS | IOMMUFD_SMMUV3_STE1_S1CIR | IOMMUFD_SMMUV3_STE1_S1COR | \
	 IOMMUFD_SMMUV3_STE1_S1CSH | IOMMUFD_SMMUV3_STE1_S1STALLD | IOMMUFD_SMMUV3_STE1_EATS)

/** STE Config: abort every transaction. */
#define IOMMUFD_SMMUV3_STE_CFG_ABORT 0
/** STE Config: bypass stage 1 (a nested HWPT then translates as its parent). */
#define IOMMUFD_SMMUV3_STE_CFG_BYPASS 4
/** STE Config: stage-1 translation through the guest's CD table. */
#define IOMMUFD_SMMUV3_STE_CFG_S1_TRANS 5
/** STE S1Fmt: a linear CD table. */
#define IOMMUFD_SMMUV3_STE_S1FMT_LINEAR 0
/** STE S1Fmt: a two-level CD table with 64 KiB leaf tables. */
#define IOMMUFD_SMMUV3_STE_S1FMT_64K_L2 2
/** STE S1DSS: terminate transactions without a substream id. */
#define IOMMUFD_SMMUV3_STE_S1DSS_TERMINATE 0
/** STE S1DSS: transactions without a substream id bypass stage 1. */
#define IOMMUFD_SMMUV3_STE_S1DSS_BYPASS 1
/** STE S1DSS: transactions without a substream id use CD 0. */
#define IOMMUFD_SMMUV3_STE_S1DSS_SSID0 2
/** STE S1CIR/S1COR value: write-back, read-allocate. */
#define IOMMUFD_SMMUV3_STE_CACHE_WBRA 1

/** CD word 0: T0SZ, 64 minus the input address size. */
#define IOMMUFD_SMMUV3_CD0_T0SZ (0x3fULL << 0)
/** CD word 0: TG0, the granule of TTB0: 0 4K, 1 64K, 2 16K. */
#define IOMMUFD_SMMUV3_CD0_TG0 (0x3ULL << 6)
/** CD word 0: IRGN0, inner cacheability of table walks. */
#define IOMMUFD_SMMUV3_CD0_IRGN0 (0x3ULL << 8)
/** CD word 0: ORGN0, outer cacheability of table walks. */
#define IOMMUFD_SMMUV3_CD0_ORGN0 (0x3ULL << 10)
/** CD word 0: SH0, shareability of table walks. */
#define IOMMUFD_SMMUV3_CD0_SH0 (0x3ULL << 12)
/** CD word 0: EPD0, TTB0 walks disabled. */
#define IOMMUFD_SMMUV3_CD0_EPD0 (1ULL << 14)
/** CD word 0: ENDI, big-endian tables. */
#define IOMMUFD_SMMUV3_CD0_ENDI (1ULL << 15)
/** CD word 0: EPD1, TTB1 walks disabled. */
#define IOMMUFD_SMMUV3_CD0_EPD1 (1ULL << 30)
/** CD word 0: V, the descriptor is valid. */
#define IOMMUFD_SMMUV3_CD0_V (1ULL << 31)
/** CD word 0: IPS, the intermediate (stage-2 input) address size. */
#define IOMMUFD_SMMUV3_CD0_IPS (0x7ULL << 32)
/** CD word 0: TBI0, top byte ignored. */
#define IOMMUFD_SMMUV3_CD0_TBI0 (1ULL << 38)
/** CD word 0: AA64, VMSAv8-64 tables. */
#define IOMMUFD_SMMUV3_CD0_AA64 (1ULL << 41)
/** CD word 0: HD, hardware dirty-state update. */
#define IOMMUFD_SMMUV3_CD0_HD (1ULL << 42)
/** CD word 0: HA, hardware access-flag update. */
#define IOMMUFD_SMMUV3_CD0_HA (1ULL << 43)
/** CD word 0: S, stall faults. */
#define IOMMUFD_SMMUV3_CD0_S (1ULL << 44)
/** CD word 0: R, record faults. */
#define IOMMUFD_SMMUV3_CD0_R (1ULL << 45)
/** CD word 0: A, abort faulting transactions. */
#define IOMMUFD_SMMUV3_CD0_A (1ULL << 46)
/** CD word 0: ASET, the ASID is shared with the CPU. */
#define IOMMUFD_SMMUV3_CD0_ASET (1ULL << 47)
/** CD word 0: the ASID. */
#define IOMMUFD_SMMUV3_CD0_ASID (0xffffULL << 48)
/** CD word 1: TTB0, the table address, bits 51:4 in place. */
#define IOMMUFD_SMMUV3_CD1_TTB0 (0xffffffffffffULL << 4)
/** Size of a context descriptor in bytes. */
#define IOMMUFD_SMMUV3_CD_SIZE 64

/** SMMU_IDR0: ST_LEVEL, 1 for two-level stream tables. */
#define IOMMUFD_SMMUV3_IDR0_ST_LVL (0x3U << 27)
/** SMMU_IDR0: STALL_MODEL (0 stall and terminate, 1 terminate, 2 stall forced). */
#define IOMMUFD_SMMUV3_IDR0_STALL_MODEL (0x3U << 24)
/** SMMU_IDR0: TTENDIAN (0 mixed, 2 little, 3 big endian). */
#define IOMMUFD_SMMUV3_IDR0_TTENDIAN (0x3U << 21)
/** SMMU_IDR0: CD2L, two-level CD tables. */
#define IOMMUFD_SMMUV3_IDR0_CD2L (1U << 19)
/** SMMU_IDR0: ASID16, 16-bit ASIDs. */
#define IOMMUFD_SMMUV3_IDR0_ASID16 (1U << 12)
/** SMMU_IDR0: ATS, PCIe ATS. */
#define IOMMUFD_SMMUV3_IDR0_ATS (1U << 10)
/** SMMU_IDR0: TTF, translation table formats (2: AArch64). */
#define IOMMUFD_SMMUV3_IDR0_TTF (0x3U << 2)
/** SMMU_IDR0: S1P, stage 1 (true whenever a nested HWPT can be made). */
#define IOMMUFD_SMMUV3_IDR0_S1P (1U << 1)
/** SMMU_IDR1: SSIDSIZE, bits of substream id. */
#define IOMMUFD_SMMUV3_IDR1_SSIDSIZE (0x1fU << 6)
/** SMMU_IDR1: SIDSIZE, bits of stream id. */
#define IOMMUFD_SMMUV3_IDR1_SIDSIZE (0x3fU << 0)
/** SMMU_IDR1: CMDQS, log2 of the command queue's entries (bounds a Tegra241 VCMDQ). */
#define IOMMUFD_SMMUV3_IDR1_CMDQS (0x1fU << 21)
/** SMMU_IDR3: RIL, range invalidation. */
#define IOMMUFD_SMMUV3_IDR3_RIL (1U << 10)
/** SMMU_IDR3: BBML, break-before-make level. */
#define IOMMUFD_SMMUV3_IDR3_BBML (0x3U << 11)
/** SMMU_IDR5: VAX, virtual address size (1: 52 bits). */
#define IOMMUFD_SMMUV3_IDR5_VAX (0x3U << 10)
/** SMMU_IDR5: DS, 52-bit addresses with 4K/16K granules. */
#define IOMMUFD_SMMUV3_IDR5_DS (1U << 7)
/** SMMU_IDR5: GRAN64K, 64 KiB granule. */
#define IOMMUFD_SMMUV3_IDR5_GRAN64K (1U << 6)
/** SMMU_IDR5: GRAN16K, 16 KiB granule. */
#define IOMMUFD_SMMUV3_IDR5_GRAN16K (1U << 5)
/** SMMU_IDR5: GRAN4K, 4 KiB granule. */
#define IOMMUFD_SMMUV3_IDR5_GRAN4K (1U << 4)
/** SMMU_IDR5: OAS, output address size (5: 48 bits, 6: 52 bits). */
#define IOMMUFD_SMMUV3_IDR5_OAS (0x7U << 0)

/** Event record word 0: the event id. */
#define IOMMUFD_SMMUV3_EVT0_ID (0xffULL << 0)
/** Event record word 0: SSV, a substream id is given. */
#define IOMMUFD_SMMUV3_EVT0_SSV (1ULL << 11)
/** Event record word 0: the substream id. */
#define IOMMUFD_SMMUV3_EVT0_SSID (0xfffffULL << 12)
/** Event record word 0: the stream id; in a vEVENT, the guest's vSID. */
#define IOMMUFD_SMMUV3_EVT0_SID (0xffffffffULL << 32)
/** Event record word 1: RnW, the access was a read. */
#define IOMMUFD_SMMUV3_EVT1_RNW (1ULL << 35)
/** Event record word 1: S2, the fault is of stage 2. */
#define IOMMUFD_SMMUV3_EVT1_S2 (1ULL << 39)
/** Event record word 1: CLASS, what was accessed (0 CD, 1 translation table, 2 input). */
#define IOMMUFD_SMMUV3_EVT1_CLASS (0x3ULL << 40)
/** Event record word 2: the input address of the transaction. */
#define IOMMUFD_SMMUV3_EVT2_ADDR (~0ULL)
/** Event C_BAD_STE: the STE is malformed. */
#define IOMMUFD_SMMUV3_EVT_C_BAD_STE 0x04
/** Event F_STREAM_DISABLED: the stream's STE is not valid. */
#define IOMMUFD_SMMUV3_EVT_F_STREAM_DISABLED 0x06
/** Event C_BAD_SUBSTREAMID: the substream id is out of range. */
#define IOMMUFD_SMMUV3_EVT_C_BAD_SUBSTREAMID 0x08
/** Event C_BAD_CD: the CD is malformed. */
#define IOMMUFD_SMMUV3_EVT_C_BAD_CD 0x0a
/** Event F_TRANSLATION: no translation. */
#define IOMMUFD_SMMUV3_EVT_F_TRANSLATION 0x10
/** Event F_ADDR_SIZE: an address is out of range. */
#define IOMMUFD_SMMUV3_EVT_F_ADDR_SIZE 0x11
/** Event F_ACCESS: the access flag is clear. */
#define IOMMUFD_SMMUV3_EVT_F_ACCESS 0x12
/** Event F_PERMISSION: the access is not permitted. */
#define IOMMUFD_SMMUV3_EVT_F_PERMISSION 0x13

/**
 * Converts a 64-bit word between CPU and little-endian byte order (the
 * same operation both ways).
 *
 * @param v the word
 * @return @p v, byte-swapped on a big-endian CPU
 */
static inline uint64_t iommufd_smmuv3_le64(uint64_t v)
{
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && \
	__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(v);
#else
	return v;
#endif
}

/**
 * Makes a command from its two words in CPU byte order.
 *
 * @param w0 word 0 (opcode and fields)
 * @param w1 word 1
 * @return the command, little-endian
 */
static inline struct iommufd_smmuv3_cmd iommufd_smmuv3_cmd_make(uint64_t w0, uint64_t w1)
{
	struct iommufd_smmuv3_cmd c;

	c.cmd[0] = iommufd_smmuv3_le64(w0);
	c.cmd[1] = iommufd_smmuv3_le64(w1);
	return c;
}

/**
 * CMD_TLBI_NH_ASID: invalidates the stage-1 TLB entries of an ASID.
 *
 * @param asid the guest's ASID
 * @return the command
 */
static inline struct iommufd_smmuv3_cmd iommufd_smmuv3_cmd_tlbi_nh_asid(uint16_t asid)
{
	return iommufd_smmuv3_cmd_make(
		IOMMUFD_SMMUV3_OP_TLBI_NH_ASID | iommufd_field_prep(IOMMUFD_SMMUV3_TLBI0_ASID, asid),
		0);
}

/**
 * CMD_TLBI_NH_VA: invalidates the stage-1 TLB entries of one address in an
 * ASID (no range: TG, TTL, NUM and SCALE are 0).
 *
 * @param asid the guest's ASID
 * @param va   the virtual address (bits 11:0 are dropped)
 * @param leaf true to invalidate last-level entries only
 * @return the command
 */
static inline struct iommufd_smmuv3_cmd iommufd_smmuv3_cmd_tlbi_nh_va(uint16_t asid, uint64_t va,
								      bool leaf)
{
	return iommufd_smmuv3_cmd_make(
		IOMMUFD_SMMUV3_OP_TLBI_NH_VA | iommufd_field_prep(IOMMUFD_SMMUV3_TLBI0_ASID, asid),
		(va & IOMMUFD_SMMUV3_TLBI1_VA) | (leaf ? IOMMUFD_SMMUV3_TLBI1_LEAF : 0));
}

/**
 * CMD_TLBI_NH_VAA: invalidates the stage-1 TLB entries of one address in
 * every ASID.
 *
 * @param va   the virtual address (bits 11:0 are dropped)
 * @param leaf true to invalidate last-level entries only
 * @return the command
 */
static inline struct iommufd_smmuv3_cmd iommufd_smmuv3_cmd_tlbi_nh_vaa(uint64_t va, bool leaf)
{
	return iommufd_smmuv3_cmd_make(IOMMUFD_SMMUV3_OP_TLBI_NH_VAA,
				       (va & IOMMUFD_SMMUV3_TLBI1_VA) |
					       (leaf ? IOMMUFD_SMMUV3_TLBI1_LEAF : 0));
}

/**
 * CMD_TLBI_NH_ALL: invalidates every stage-1 TLB entry of the VM.
 *
 * @return the command
 */
static inline struct iommufd_smmuv3_cmd iommufd_smmuv3_cmd_tlbi_nh_all(void)
{
	return iommufd_smmuv3_cmd_make(IOMMUFD_SMMUV3_OP_TLBI_NH_ALL, 0);
}

/**
 * CMD_TLBI_NSNH_ALL: invalidates every TLB entry of the VM.
 *
 * @return the command
 */
static inline struct iommufd_smmuv3_cmd iommufd_smmuv3_cmd_tlbi_nsnh_all(void)
{
	return iommufd_smmuv3_cmd_make(IOMMUFD_SMMUV3_OP_TLBI_NSNH_ALL, 0);
}

/**
 * CMD_CFGI_CD: a context descriptor of a stream changed.
 *
 * @param vsid the guest's stream id (the virt_id of the device's vDEVICE)
 * @param ssid the substream id of the CD (0 without substreams)
 * @param leaf true if only the CD changed, not the CD table's level-1 entry
 * @return the command
 */
static inline struct iommufd_smmuv3_cmd iommufd_smmuv3_cmd_cfgi_cd(uint32_t vsid, uint32_t ssid,
								   bool leaf)
{
	return iommufd_smmuv3_cmd_make(IOMMUFD_SMMUV3_OP_CFGI_CD |
					       iommufd_field_prep(IOMMUFD_SMMUV3_CFGI0_SSID, ssid) |
					       iommufd_field_prep(IOMMUFD_SMMUV3_CFGI0_SID, vsid),
				       leaf ? IOMMUFD_SMMUV3_CFGI1_LEAF : 0);
}

/**
 * CMD_CFGI_CD_ALL: every context descriptor of a stream changed.
 *
 * @param vsid the guest's stream id
 * @return the command
 */
static inline struct iommufd_smmuv3_cmd iommufd_smmuv3_cmd_cfgi_cd_all(uint32_t vsid)
{
	return iommufd_smmuv3_cmd_make(IOMMUFD_SMMUV3_OP_CFGI_CD_ALL |
					       iommufd_field_prep(IOMMUFD_SMMUV3_CFGI0_SID, vsid),
				       0);
}

/**
 * CMD_ATC_INV without substream: invalidates a device's ATS translation
 * cache for 2^@p log2_pages 4 KiB pages at @p addr.
 *
 * @param vsid      the guest's stream id
 * @param addr      the address (bits 11:0 are dropped)
 * @param log2_pages log2 of the number of pages; IOMMUFD_SMMUV3_ATC_SIZE_ALL for all
 * @return the command
 */
static inline struct iommufd_smmuv3_cmd iommufd_smmuv3_cmd_atc_inv(uint32_t vsid, uint64_t addr,
								   unsigned int log2_pages)
{
	return iommufd_smmuv3_cmd_make(IOMMUFD_SMMUV3_OP_ATC_INV |
					       iommufd_field_prep(IOMMUFD_SMMUV3_ATC0_SID, vsid),
				       (addr & IOMMUFD_SMMUV3_ATC1_ADDR) |
					       iommufd_field_prep(IOMMUFD_SMMUV3_ATC1_SIZE, log2_pages));
}

/**
 * Fills the words of an abort STE (valid, Config abort), in CPU byte order.
 *
 * @param[out] ste STE words 0 and 1
 */
static inline void iommufd_smmuv3_ste_abort(uint64_t ste[2])
{
	ste[0] = IOMMUFD_SMMUV3_STE0_V |
		 iommufd_field_prep(IOMMUFD_SMMUV3_STE0_CFG, IOMMUFD_SMMUV3_STE_CFG_ABORT);
	ste[1] = 0;
}

/**
 * Fills the words of a bypass STE (valid, Config bypass), in CPU byte order:
 * the nested HWPT translates as its parent.
 *
 * @param[out] ste STE words 0 and 1
 */
static inline void iommufd_smmuv3_ste_bypass(uint64_t ste[2])
{
	ste[0] = IOMMUFD_SMMUV3_STE0_V |
		 iommufd_field_prep(IOMMUFD_SMMUV3_STE0_CFG, IOMMUFD_SMMUV3_STE_CFG_BYPASS);
	ste[1] = 0;
}

/**
 * Fills the words of a stage-1 STE, in CPU byte order: valid, Config S1
 * translate, the CD table at @p cd_table (a guest physical address, 64-byte
 * aligned), write-back read-allocate cacheable table walks.
 *
 * @param[out] ste   STE words 0 and 1
 * @param cd_table   guest address of the CD table (bits 5:0 are dropped)
 * @param s1fmt      IOMMUFD_SMMUV3_STE_S1FMT_LINEAR or _64K_L2
 * @param s1cdmax    log2 of the number of CDs; 0 for one CD and no substreams
 * @param s1dss      what transactions without substream id use (IOMMUFD_SMMUV3_STE_S1DSS_*)
 */
static inline void iommufd_smmuv3_ste_s1(uint64_t ste[2], uint64_t cd_table, unsigned int s1fmt,
					 unsigned int s1cdmax, unsigned int s1dss)
{
	ste[0] = IOMMUFD_SMMUV3_STE0_V |
		 iommufd_field_prep(IOMMUFD_SMMUV3_STE0_CFG, IOMMUFD_SMMUV3_STE_CFG_S1_TRANS) |
		 iommufd_field_prep(IOMMUFD_SMMUV3_STE0_S1FMT, s1fmt) |
		 (cd_table & IOMMUFD_SMMUV3_STE0_S1CTXPTR) |
		 iommufd_field_prep(IOMMUFD_SMMUV3_STE0_S1CDMAX, s1cdmax);
	ste[1] = iommufd_field_prep(IOMMUFD_SMMUV3_STE1_S1DSS, s1dss) |
		 iommufd_field_prep(IOMMUFD_SMMUV3_STE1_S1CIR, IOMMUFD_SMMUV3_STE_CACHE_WBRA) |
		 iommufd_field_prep(IOMMUFD_SMMUV3_STE1_S1COR, IOMMUFD_SMMUV3_STE_CACHE_WBRA);
}

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_ARM_SMMUV3_H */
