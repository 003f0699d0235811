/* SPDX-License-Identifier: MIT */
/*
 * iommufd/tegra241_cmdqv.h - NVIDIA Tegra241 CMDQV data a VMM handles: the
 * registers of the virtual command queues in the VINTF page the kernel
 * hands out for mmap, and the global and VINTF registers a VMM emulates
 * for its guest around them.
 */
#ifndef IOMMUFD_TEGRA241_CMDQV_H
#define IOMMUFD_TEGRA241_CMDQV_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup tegra241_cmdqv NVIDIA Tegra241 CMDQV driver data
 *
 * A Tegra241 CMDQV vIOMMU (Linux 6.17) is an ARM SMMUv3 vIOMMU with a
 * virtual interface (VINTF) of command queues the guest drives directly.
 * The kernel hands out the VINTF's page 0 (the logical VCMDQs' control
 * registers) for mmap; the VMM maps it into the guest at the place of the
 * guest's VINTF page 0 and emulates the rest of the CMDQV MMIO:
 *
 * - IOMMUFD_TEGRA241_CMDQV_PARAM: the PARAM register, built from the hw_info
 *   with iommufd_tegra241_cmdqv_param() (one VINTF);
 * - the VINTF CONFIG register, whose HYP_OWN bit must read 0 (the kernel's
 *   VINTF is not hypervisor-owned);
 * - each VCMDQ's page-1 BASE register, from which the VMM takes the queue's
 *   guest address and size for a HW queue (IOMMUFD_HW_QUEUE_TYPE_TEGRA241_CMDQV).
 *
 * Offsets are bytes within the CMDQV MMIO region; registers are 32-bit
 * unless said otherwise.
 *
 * @{
 */

/** Size of one MMIO page of the CMDQV (64 KiB). */
#define IOMMUFD_TEGRA241_CMDQV_PAGE_SIZE 0x10000
/** Global register CONFIG. */
#define IOMMUFD_TEGRA241_CMDQV_CONFIG 0x0000
/** CONFIG: CMDQV_EN. */
#define IOMMUFD_TEGRA241_CMDQV_CONFIG_EN (1U << 0)
/** Global register PARAM. */
#define IOMMUFD_TEGRA241_CMDQV_PARAM 0x0004
/** PARAM: the hardware version. */
#define IOMMUFD_TEGRA241_CMDQV_PARAM_VER (0xfU << 0)
/** PARAM: log2 of the number of VCMDQs. */
#define IOMMUFD_TEGRA241_CMDQV_PARAM_NUM_VCMDQ_LOG2 (0xfU << 4)
/** PARAM: log2 of the number of VINTFs (0 for a VM: one VINTF). */
#define IOMMUFD_TEGRA241_CMDQV_PARAM_NUM_VINTF_LOG2 (0xfU << 8)
/** PARAM: log2 of the number of stream ids per VM. */
#define IOMMUFD_TEGRA241_CMDQV_PARAM_NUM_SID_PER_VM_LOG2 (0xfU << 12)
/** Global register STATUS. */
#define IOMMUFD_TEGRA241_CMDQV_STATUS 0x0008
/** STATUS: CMDQV_ENABLED. */
#define IOMMUFD_TEGRA241_CMDQV_STATUS_ENABLED (1U << 0)
/** Global register VINTF_ERR_MAP. */
#define IOMMUFD_TEGRA241_CMDQV_VINTF_ERR_MAP 0x0014
/** Global register VINTF_INT_MASK. */
#define IOMMUFD_TEGRA241_CMDQV_VINTF_INT_MASK 0x001c
/** Global register CMDQ_ERR_MAP @p m (0 to 3). */
#define IOMMUFD_TEGRA241_CMDQV_CMDQ_ERR_MAP(m) (0x0024 + 0x4 * (m))
/** Global register CMDQ_ALLOC of VCMDQ @p q. */
#define IOMMUFD_TEGRA241_CMDQV_CMDQ_ALLOC(q) (0x0200 + 0x4 * (q))
/** CMDQ_ALLOC: the VINTF the VCMDQ is given to. */
#define IOMMUFD_TEGRA241_CMDQV_CMDQ_ALLOC_VINTF (0x3fU << 15)
/** CMDQ_ALLOC: the VCMDQ's logical index in its VINTF. */
#define IOMMUFD_TEGRA241_CMDQV_CMDQ_ALLOC_LVCMDQ (0x7fU << 1)
/** CMDQ_ALLOC: ALLOCATED. */
#define IOMMUFD_TEGRA241_CMDQV_CMDQ_ALLOC_ALLOCATED (1U << 0)

/** The registers of VINTF @p v (a block of 0x100 bytes). */
#define IOMMUFD_TEGRA241_VINTF(v) (0x1000 + 0x100 * (v))
/** VINTF register CONFIG (offset in the VINTF block). */
#define IOMMUFD_TEGRA241_VINTF_CONFIG 0x0000
/** VINTF CONFIG: HYP_OWN, hypervisor-owned; must read 0 in a guest. */
#define IOMMUFD_TEGRA241_VINTF_CONFIG_HYP_OWN (1U << 17)
/** VINTF CONFIG: the VMID. */
#define IOMMUFD_TEGRA241_VINTF_CONFIG_VMID (0xffffU << 1)
/** VINTF CONFIG: EN. */
#define IOMMUFD_TEGRA241_VINTF_CONFIG_EN (1U << 0)
/** VINTF register STATUS. */
#define IOMMUFD_TEGRA241_VINTF_STATUS 0x0004
/** VINTF STATUS: ENABLED. */
#define IOMMUFD_TEGRA241_VINTF_STATUS_ENABLED (1U << 0)
/** VINTF register SID_MATCH @p s: the guest's stream id of mapping @p s. */
#define IOMMUFD_TEGRA241_VINTF_SID_MATCH(s) (0x0040 + 0x4 * (s))
/** SID_MATCH: the virtual stream id. */
#define IOMMUFD_TEGRA241_VINTF_SID_MATCH_VIRT_SID (0xfffffU << 1)
/** SID_MATCH: ENABLE. */
#define IOMMUFD_TEGRA241_VINTF_SID_MATCH_ENABLE (1U << 0)
/** VINTF register SID_REPLACE @p s: the physical stream id of mapping @p s. */
#define IOMMUFD_TEGRA241_VINTF_SID_REPLACE(s) (0x0080 + 0x4 * (s))
/** VINTF 64-bit register LVCMDQ_ERR_MAP @p m (0 or 1): logical VCMDQs in error. */
#define IOMMUFD_TEGRA241_VINTF_LVCMDQ_ERR_MAP(m) (0x00c0 + 0x8 * (m))

/** Offset of VCMDQ page 0 (control registers of all VCMDQs). */
#define IOMMUFD_TEGRA241_VCMDQ_PAGE0_BASE 0x10000
/** Offset of VCMDQ page 1 (base registers of all VCMDQs). */
#define IOMMUFD_TEGRA241_VCMDQ_PAGE1_BASE 0x20000
/** Offset of the first VINTF's logical-VCMDQ pages; each VINTF has two pages. */
#define IOMMUFD_TEGRA241_VINTF_PAGE_BASE 0x30000
/** Bytes between the registers of consecutive (logical) VCMDQs in a page. */
#define IOMMUFD_TEGRA241_VCMDQ_STRIDE 0x80

/** VCMDQ page-0 register CONS: the consumer index. */
#define IOMMUFD_TEGRA241_VCMDQ_CONS 0x00
/** CONS: the error code of the command that stopped the queue. */
#define IOMMUFD_TEGRA241_VCMDQ_CONS_ERR (0x7fU << 24)
/** VCMDQ page-0 register PROD: the producer index. */
#define IOMMUFD_TEGRA241_VCMDQ_PROD 0x04
/** VCMDQ page-0 register CONFIG. */
#define IOMMUFD_TEGRA241_VCMDQ_CONFIG 0x08
/** VCMDQ CONFIG: EN. */
#define IOMMUFD_TEGRA241_VCMDQ_CONFIG_EN (1U << 0)
/** VCMDQ page-0 register STATUS. */
#define IOMMUFD_TEGRA241_VCMDQ_STATUS 0x0c
/** VCMDQ STATUS: ENABLED. */
#define IOMMUFD_TEGRA241_VCMDQ_STATUS_ENABLED (1U << 0)
/** VCMDQ page-0 register GERROR. */
#define IOMMUFD_TEGRA241_VCMDQ_GERROR 0x10
/** VCMDQ page-0 register GERRORN. */
#define IOMMUFD_TEGRA241_VCMDQ_GERRORN 0x14
/** VCMDQ page-1 64-bit register BASE: the queue's address and size. */
#define IOMMUFD_TEGRA241_VCMDQ_BASE 0x00
/** BASE: the queue's address, bits 47:5 in place. */
#define IOMMUFD_TEGRA241_VCMDQ_BASE_ADDR (0x7ffffffffffULL << 5)
/** BASE: log2 of the number of 16-byte entries. */
#define IOMMUFD_TEGRA241_VCMDQ_BASE_LOG2SIZE (0x1fULL << 0)
/** VCMDQ page-1 64-bit register CONS_INDX_BASE. */
#define IOMMUFD_TEGRA241_VCMDQ_CONS_INDX_BASE 0x08

/**
 * Offset of a register of logical VCMDQ @p lidx within the VINTF page 0 that
 * the kernel hands out for mmap.
 *
 * @param lidx the logical VCMDQ index (the HW queue's index)
 * @param reg  the register, e.g. IOMMUFD_TEGRA241_VCMDQ_PROD
 * @return the byte offset in the mapped page
 */
static inline uint32_t iommufd_tegra241_lvcmdq_reg(uint32_t lidx, uint32_t reg)
{
	return lidx * IOMMUFD_TEGRA241_VCMDQ_STRIDE + reg;
}

/**
 * The PARAM register a VMM shows its guest, from the hw_info's fields: one
 * VINTF (NUM_VINTF_LOG2 = 0).
 *
 * @param version    the hw_info's version
 * @param log2vcmdqs the hw_info's log2vcmdqs
 * @param log2vsids  the hw_info's log2vsids
 * @return the register value
 */
static inline uint32_t iommufd_tegra241_cmdqv_param(uint8_t version, uint8_t log2vcmdqs,
						    uint8_t log2vsids)
{
	return ((uint32_t)(version & 0xfU) << 0) | ((uint32_t)(log2vcmdqs & 0xfU) << 4) |
	       ((uint32_t)(log2vsids & 0xfU) << 12);
}

/**
 * The queue length in bytes of a guest's VCMDQ BASE register value: the
 * length for a HW queue allocation.
 *
 * @param base the BASE register
 * @return 16 bytes times 2^LOG2SIZE
 */
static inline uint64_t iommufd_tegra241_vcmdq_len(uint64_t base)
{
	return 16ULL << (base & IOMMUFD_TEGRA241_VCMDQ_BASE_LOG2SIZE);
}

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_TEGRA241_CMDQV_H */
