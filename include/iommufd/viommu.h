/* SPDX-License-Identifier: MIT */
/*
 * iommufd/viommu.h - the objects of a virtual IOMMU: the vIOMMU itself (with
 * the pages a driver lets user space map), the vDEVICEs that give devices
 * their guest-visible ids, and the HW queues a guest's queues are handed to.
 */
#ifndef IOMMUFD_VIOMMU_H
#define IOMMUFD_VIOMMU_H

#include <stddef.h>
#include <stdint.h>

#include <iommufd/common.h>
#include <iommufd/ctx.h>
#include <iommufd/device.h>
#include <iommufd/hwpt.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup viommu Virtual IOMMUs (vIOMMU)
 *
 * A vIOMMU (IOMMU_VIOMMU_ALLOC, Linux 6.13) is the slice of a physical IOMMU
 * that serves one VM: it sits on a nesting-parent HWPT (the VM's stage 2),
 * holds the vDEVICEs (@ref vdevice), can be the parent of nested HWPTs
 * (iommufd_hwpt_alloc_nested() with iommufd_viommu_as_pt()), takes
 * invalidations of the guest's IOMMU caches (iommufd_viommu_invalidate())
 * and reports events through vEVENTQs (@ref veventq).
 * Some drivers hand out MMIO pages of the vIOMMU for the guest to use
 * directly (Tegra241 CMDQV's VINTF): iommufd_viommu_mmap() maps them.
 *
 * @{
 */

/** A virtual IOMMU of a context (opaque). */
struct iommufd_viommu;

/** vIOMMU types (the kernel's values); drivers may define more. */
enum iommufd_viommu_type {
	/** ARM SMMUv3 (Linux 6.14); no driver data. */
	IOMMUFD_VIOMMU_TYPE_ARM_SMMUV3 = 1,
	/** NVIDIA Tegra241 CMDQV (Linux 6.17): see iommufd_viommu_alloc_tegra241_cmdqv(). */
	IOMMUFD_VIOMMU_TYPE_TEGRA241_CMDQV = 2,
};

/**
 * The vIOMMU type of the kernel's selftest driver (and kmod-mock); its data
 * is struct iommu_viommu_selftest of the selftest header (24 bytes).
 */
#define IOMMUFD_VIOMMU_TYPE_SELFTEST 0xdeadbeefu

/** Options of iommufd_viommu_alloc(); declare with @ref IOMMUFD_OPTS. */
struct iommufd_viommu_alloc_opts {
	/** Size of this struct as the caller knows it: sizeof(struct iommufd_viommu_alloc_opts). */
	size_t sz;
	/** Flags for the kernel; none are defined, must be 0. */
	uint32_t flags;
	/** Length of the data in bytes; 0 for none (Linux 6.17 is needed for any). */
	uint32_t data_len;
	/**
	 * The driver data of the type, in the kernel's layout, in and out: the
	 * driver reads its input fields and writes its output fields (e.g. the
	 * mmap offset and length) back into this buffer. NULL for none.
	 */
	void *data;
};

/**
 * Allocates a vIOMMU for the IOMMU instance behind a device.
 *
 * @param dev    a device behind the physical IOMMU to virtualise (bound or adopted)
 * @param type   the type (enum iommufd_viommu_type, or a driver's value)
 * @param parent the stage-2 HWPT, allocated with IOMMUFD_HWPT_ALLOC_NEST_PARENT,
 *               of the same context as @p dev
 * @param opts   NULL or options (driver data)
 * @param[out] out the new vIOMMU
 * @return 0, or a negative errno: -EINVAL (NULL arguments, objects of
 *         different contexts, data without a length or a length without
 *         data; from the kernel: @p parent is not a nesting parent, bad
 *         data), -EOPNOTSUPP (flags; from the kernel: the IOMMU has no
 *         vIOMMU of that type), -E2BIG (unknown options), -ENOENT (no such
 *         device or HWPT), -ENOTTY (kernel older than 6.13), -ENOMEM
 */
LIBIOMMUFD_API int iommufd_viommu_alloc(struct iommufd_device *dev, uint32_t type,
					struct iommufd_hwpt *parent,
					const struct iommufd_viommu_alloc_opts *opts,
					struct iommufd_viommu **out);

/** What a Tegra241 CMDQV vIOMMU hands out: where its VINTF page is mapped. */
struct iommufd_viommu_tegra241_cmdqv {
	/** The offset to pass to iommufd_viommu_mmap(). */
	uint64_t mmap_offset;
	/** The length to pass to iommufd_viommu_mmap(). */
	uint64_t mmap_length;
};

/**
 * Allocates a Tegra241 CMDQV vIOMMU and tells where its VINTF page is.
 *
 * @param dev    the device
 * @param parent the nesting-parent HWPT
 * @param opts   NULL or options for flags; they must carry no data
 * @param[out] info the mmap offset and length
 * @param[out] out the new vIOMMU
 * @return as iommufd_viommu_alloc(); -EINVAL also for a NULL @p info or
 *         data in @p opts
 */
LIBIOMMUFD_API int iommufd_viommu_alloc_tegra241_cmdqv(struct iommufd_device *dev,
						       struct iommufd_hwpt *parent,
						       const struct iommufd_viommu_alloc_opts *opts,
						       struct iommufd_viommu_tegra241_cmdqv *info,
						       struct iommufd_viommu **out);

/**
 * Destroys the vIOMMU in the kernel (IOMMU_DESTROY) and frees the handle. On
 * failure nothing changes and the handle stays valid.
 *
 * @param viommu the vIOMMU
 * @return 0, or a negative errno: -EINVAL (NULL @p viommu), -EBUSY (vDEVICEs,
 *         vEVENTQs, HW queues or nested HWPTs still use it, or its pages
 *         are mapped), -ENOENT (destroyed behind the library's back)
 */
LIBIOMMUFD_API int iommufd_viommu_destroy(struct iommufd_viommu *viommu);

/**
 * The kernel id of a vIOMMU (a parent id for iommufd_hwpt_alloc(), an id for
 * iommufd_hwpt_adopt() to pass invalidations through).
 *
 * @param viommu the vIOMMU
 * @return the id, or 0 (never a valid id) for a NULL @p viommu
 */
LIBIOMMUFD_API uint32_t iommufd_viommu_get_id(const struct iommufd_viommu *viommu);

/**
 * The context a vIOMMU belongs to.
 *
 * @param viommu the vIOMMU
 * @return the context, or NULL for a NULL @p viommu
 */
LIBIOMMUFD_API struct iommufd_ctx *iommufd_viommu_get_ctx(const struct iommufd_viommu *viommu);

/**
 * The vIOMMU as a page table: the parent of nested HWPTs allocated through
 * it (iommufd_hwpt_alloc_nested() and its typed forms).
 *
 * @param viommu the vIOMMU
 * @return the view, valid while @p viommu is; NULL for a NULL @p viommu
 */
LIBIOMMUFD_API struct iommufd_pt *iommufd_viommu_as_pt(struct iommufd_viommu *viommu);

/** Types of invalidation entries of iommufd_viommu_invalidate() (the kernel's values). */
enum iommufd_viommu_invalidate_data_type {
	/** Raw ARM SMMUv3 commands (two little-endian u64); 16 bytes. */
	IOMMUFD_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1,
};

/**
 * Passes a guest's invalidation commands to the vIOMMU (IOMMU_HWPT_INVALIDATE
 * on the vIOMMU, Linux 6.14): the caches of every nested HWPT and vDEVICE of
 * the vIOMMU, e.g. SMMUv3 TLBI and ATC_INV commands with the guest's stream
 * ids. The kernel handles the entries in order and stops at the first that
 * fails.
 *
 * @param viommu    the vIOMMU
 * @param data_type the entries' type (enum iommufd_viommu_invalidate_data_type
 *                  or a driver's value)
 * @param entries   the array; may be NULL if *@p entry_num is 0
 * @param entry_len size of one entry in bytes
 * @param[in,out] entry_num in: the number of entries; out: how many the kernel
 *                handled, also on failure (the failing entry is the next one).
 * @return 0, or a negative errno: -EINVAL (NULL arguments, entries without a
 *         length; from the kernel: the type is not the vIOMMU's, an entry is
 *         invalid), -EOPNOTSUPP (the vIOMMU cannot invalidate, an unknown
 *         command), -EFAULT, -ENOTTY (kernel older than 6.8)
 */
LIBIOMMUFD_API int iommufd_viommu_invalidate(struct iommufd_viommu *viommu, uint32_t data_type,
					     const void *entries, uint32_t entry_len,
					     uint32_t *entry_num);

/**
 * Maps pages a vIOMMU driver handed out (Linux 6.17): an mmap(2) of the
 * context's iommufd file at exactly the offset and length the driver gave
 * (in its output data), shared and never executable. While mapped, the
 * vIOMMU cannot be destroyed.
 *
 * @param viommu the vIOMMU the offset belongs to
 * @param offset the offset the driver gave, page aligned
 * @param length the length the driver gave, a non-zero multiple of the page size
 * @param prot   PROT_READ and/or PROT_WRITE (PROT_EXEC is refused)
 * @param[out] addr the address of the mapping
 * @return 0, or a negative errno: -EINVAL (NULL arguments, unaligned or zero
 *         @p offset or @p length, other @p prot bits), -EOVERFLOW (@p offset
 *         or @p length beyond what mmap(2) takes), -ENXIO (the driver handed
 *         out no such range), -ENODEV (a kernel without the mmap interface),
 *         the errno of mmap(2)
 */
LIBIOMMUFD_API int iommufd_viommu_mmap(struct iommufd_viommu *viommu, uint64_t offset,
				       uint64_t length, int prot, void **addr);

/**
 * Unmaps what iommufd_viommu_mmap() mapped.
 *
 * @param viommu the vIOMMU
 * @param addr   the address iommufd_viommu_mmap() gave
 * @param length the length passed to iommufd_viommu_mmap()
 * @return 0, or a negative errno: -EINVAL (NULL arguments, zero @p length,
 *         or @p addr and @p length are not a mapping iommufd_viommu_mmap()
 *         made for this vIOMMU and that is still mapped), -EOVERFLOW
 *         (@p length too big), or the errno of munmap(2)
 */
LIBIOMMUFD_API int iommufd_viommu_munmap(struct iommufd_viommu *viommu, void *addr,
					 uint64_t length);

/** @} */

/**
 * @defgroup vdevice Virtual devices (vDEVICE)
 *
 * A vDEVICE (IOMMU_VDEVICE_ALLOC, Linux 6.13) ties a device to a vIOMMU
 * under the id the guest knows it by (a virtual stream id on ARM SMMUv3, a
 * virtual device id on AMD, a virtual RID on Intel): the kernel uses it to
 * translate invalidations from the guest and to report events with the
 * guest's id. A device must have its vDEVICE before it can be attached to a
 * nested HWPT allocated on the vIOMMU.
 *
 * @{
 */

/** A virtual device of a vIOMMU (opaque). */
struct iommufd_vdevice;

/**
 * Allocates a vDEVICE.
 *
 * @param viommu  the vIOMMU
 * @param dev     the device, of the same context
 * @param virt_id the guest's id of the device
 * @param[out] out the new vDEVICE
 * @return 0, or a negative errno: -EINVAL (NULL arguments, objects of
 *         different contexts; from the kernel: @p virt_id too large, the
 *         device is behind another IOMMU), -EEXIST (the vIOMMU already has
 *         @p virt_id, or the device already has a vDEVICE), -ENOENT (no such
 *         vIOMMU or device), -ENOTTY (kernel older than 6.13), -ENOMEM
 */
LIBIOMMUFD_API int iommufd_vdevice_alloc(struct iommufd_viommu *viommu,
					 struct iommufd_device *dev, uint64_t virt_id,
					 struct iommufd_vdevice **out);

/**
 * Destroys the vDEVICE in the kernel (IOMMU_DESTROY) and frees the handle.
 * On failure nothing changes and the handle stays valid.
 *
 * @param vdev the vDEVICE
 * @return 0, or a negative errno: -EINVAL (NULL @p vdev), -EBUSY (still in
 *         use), -ENOENT (already gone, e.g. with its device)
 */
LIBIOMMUFD_API int iommufd_vdevice_destroy(struct iommufd_vdevice *vdev);

/**
 * The kernel id of a vDEVICE.
 *
 * @param vdev the vDEVICE
 * @return the id, or 0 (never a valid id) for a NULL @p vdev
 */
LIBIOMMUFD_API uint32_t iommufd_vdevice_get_id(const struct iommufd_vdevice *vdev);

/**
 * The guest's id of the device, as given to iommufd_vdevice_alloc().
 *
 * @param vdev the vDEVICE
 * @return the virtual id, or 0 for a NULL @p vdev
 */
LIBIOMMUFD_API uint64_t iommufd_vdevice_get_virt_id(const struct iommufd_vdevice *vdev);

/**
 * The context a vDEVICE belongs to.
 *
 * @param vdev the vDEVICE
 * @return the context, or NULL for a NULL @p vdev
 */
LIBIOMMUFD_API struct iommufd_ctx *iommufd_vdevice_get_ctx(const struct iommufd_vdevice *vdev);

/** @} */

/**
 * @defgroup hw_queue Hardware queues (HW queue)
 *
 * A HW queue (IOMMU_HW_QUEUE_ALLOC, Linux 6.17) gives a queue the guest set
 * up in its memory (e.g. a Tegra241 CMDQV virtual command queue) to the
 * IOMMU hardware to consume directly. The memory is given as a range of the
 * vIOMMU's stage-2 IOVA space; it must be mapped, and it cannot be unmapped
 * while the queue exists. Queues of a vIOMMU are allocated in index order
 * and destroyed in reverse order.
 *
 * @{
 */

/** A hardware queue of a vIOMMU (opaque). */
struct iommufd_hw_queue;

/** HW queue types (the kernel's values); drivers may define more. */
enum iommufd_hw_queue_type {
	/** NVIDIA Tegra241 CMDQV virtual command queue. */
	IOMMUFD_HW_QUEUE_TYPE_TEGRA241_CMDQV = 1,
};

/** The HW queue type of the kernel's selftest driver (and kmod-mock). */
#define IOMMUFD_HW_QUEUE_TYPE_SELFTEST 0xdeadbeefu

/**
 * Allocates a HW queue.
 *
 * @param viommu the vIOMMU
 * @param type   the type (enum iommufd_hw_queue_type or a driver's value)
 * @param index  the queue's index in the vIOMMU
 * @param nesting_parent_iova the queue's base, an IOVA of the vIOMMU's parent HWPT
 * @param length the queue's length in bytes
 * @param[out] out the new HW queue
 * @return 0, or a negative errno: -EINVAL (NULL arguments, zero @p length;
 *         from the kernel: bad index or range), -EOVERFLOW (the range wraps
 *         around), -EOPNOTSUPP (the vIOMMU has no queues of that type),
 *         -ENOENT (the range is not mapped, no such vIOMMU), -EEXIST (index
 *         taken), -EIO (indexes must be allocated in order), -ENOTTY (kernel
 *         older than 6.17), -ENOMEM
 */
LIBIOMMUFD_API int iommufd_hw_queue_alloc(struct iommufd_viommu *viommu, uint32_t type,
					  uint32_t index, uint64_t nesting_parent_iova,
					  uint64_t length, struct iommufd_hw_queue **out);

/**
 * Destroys the HW queue in the kernel (IOMMU_DESTROY) and frees the handle.
 * On failure nothing changes and the handle stays valid.
 *
 * @param queue the HW queue
 * @return 0, or a negative errno: -EINVAL (NULL @p queue), -EBUSY (a queue
 *         of a higher index still exists)
 */
LIBIOMMUFD_API int iommufd_hw_queue_destroy(struct iommufd_hw_queue *queue);

/**
 * The kernel id of a HW queue.
 *
 * @param queue the HW queue
 * @return the id, or 0 (never a valid id) for a NULL @p queue
 */
LIBIOMMUFD_API uint32_t iommufd_hw_queue_get_id(const struct iommufd_hw_queue *queue);

/**
 * The context a HW queue belongs to.
 *
 * @param queue the HW queue
 * @return the context, or NULL for a NULL @p queue
 */
LIBIOMMUFD_API struct iommufd_ctx *iommufd_hw_queue_get_ctx(const struct iommufd_hw_queue *queue);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_VIOMMU_H */
