/* SPDX-License-Identifier: MIT */
/*
 * iommufd/hwpt.h - hardware page tables (HWPT): the IOMMU domains user space
 * asks for explicitly, paging (an IOAS's mappings in hardware) or nested (a
 * guest's stage-1 table on top of a parent), with their cache invalidation
 * and dirty tracking.
 */
#ifndef IOMMUFD_HWPT_H
#define IOMMUFD_HWPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iommufd/common.h>
#include <iommufd/ctx.h>
#include <iommufd/device.h>
#include <iommufd/fault.h>
#include <iommufd/ioas.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup hwpt Hardware page tables (HWPT)
 *
 * A HWPT is an IOMMU page table made for a device (IOMMU_HWPT_ALLOC, Linux
 * 6.6). A **paging** HWPT holds the mappings of an IOAS and follows it; it
 * may be a nesting parent, track dirty pages (for live migration) or serve
 * PASIDs. A **nested** HWPT is a stage-1 table owned by a guest, described by
 * IOMMU-specific data, translating through a parent paging HWPT (or through
 * a vIOMMU); the guest's cache invalidations are passed on with
 * iommufd_hwpt_invalidate().
 *
 * Attach a device to a HWPT with iommufd_device_attach() and
 * iommufd_hwpt_as_pt().
 *
 * @{
 */

/** A hardware page table of a context (opaque). */
struct iommufd_hwpt;

/** Flags of iommufd_hwpt_alloc_opts::flags. */
enum iommufd_hwpt_flags {
	/** The HWPT can be the parent of nested HWPTs (and of a vIOMMU); paging only. */
	IOMMUFD_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	/** The HWPT can track DMA writes (see iommufd_hwpt_set_dirty_tracking()); paging only. */
	IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	/** Send the HWPT's I/O page faults to the fault queue iommufd_hwpt_alloc_opts::fault. */
	IOMMUFD_HWPT_ALLOC_FAULT_ID = 1 << 2,
	/** The HWPT may be attached to PASIDs of a device (Linux 6.15). */
	IOMMUFD_HWPT_ALLOC_PASID = 1 << 3,
};

/** Types of the IOMMU-specific data of a HWPT (the kernel's values); drivers may define more. */
enum iommufd_hwpt_data_type {
	/** No data: a paging HWPT of the IOMMU's default format. */
	IOMMUFD_HWPT_DATA_NONE = 0,
	/** Intel VT-d stage-1 table: see struct iommufd_hwpt_vtd_s1. */
	IOMMUFD_HWPT_DATA_VTD_S1 = 1,
	/** ARM SMMUv3 stream table entry: see struct iommufd_hwpt_arm_smmuv3. */
	IOMMUFD_HWPT_DATA_ARM_SMMUV3 = 2,
	/** AMD guest device table entry (Linux 7.x): see struct iommufd_hwpt_amd_guest. */
	IOMMUFD_HWPT_DATA_AMD_GUEST = 3,
};

/** Options of the HWPT allocation calls; declare with @ref IOMMUFD_OPTS. */
struct iommufd_hwpt_alloc_opts {
	/** Size of this struct as the caller knows it: sizeof(struct iommufd_hwpt_alloc_opts). */
	size_t sz;
	/** Flags from enum iommufd_hwpt_flags. */
	uint32_t flags;
	/** Type of the data (enum iommufd_hwpt_data_type or a driver's value); 0 with no data. */
	uint32_t data_type;
	/** The IOMMU-specific data, in the kernel's layout for its type; NULL for none. */
	const void *data;
	/** Length of the data in bytes; 0 for none. */
	uint32_t data_len;
	/** Reserved (names the padding, so that every byte is defined); must be 0. */
	uint32_t reserved;
	/** The fault queue used with IOMMUFD_HWPT_ALLOC_FAULT_ID, of the device's context. */
	struct iommufd_fault *fault;
};

/** Intel VT-d stage-1 page table of a nested HWPT (IOMMUFD_HWPT_DATA_VTD_S1). */
struct iommufd_hwpt_vtd_s1 {
	/** Bits: 0 SRE (supervisor requests), 1 EAFE (extended access flag), 2 WPE. */
	uint64_t flags;
	/** Guest physical address of the stage-1 table. */
	uint64_t pgtbl_addr;
	/** Input address width of the stage-1 table. */
	uint32_t addr_width;
	/** Reserved (names the padding, so that every byte is defined); must be 0. */
	uint32_t reserved;
};

/**
 * ARM SMMUv3 nested stream table entry (IOMMUFD_HWPT_DATA_ARM_SMMUV3): the
 * first two 64-bit words of the guest's STE, in CPU byte order; the library
 * passes them little-endian as the kernel wants.
 */
struct iommufd_hwpt_arm_smmuv3 {
	uint64_t ste[2]; /**< STE words 0 and 1. */
};

/**
 * AMD guest device table entry (IOMMUFD_HWPT_DATA_AMD_GUEST, Linux 7.x), in
 * CPU byte order.
 */
struct iommufd_hwpt_amd_guest {
	uint64_t dte[4]; /**< The four 64-bit words of the DTE. */
};

/**
 * Allocates a HWPT for a device on any parent (IOMMU_HWPT_ALLOC): an IOAS
 * gives a paging HWPT, a nesting-parent HWPT or a vIOMMU gives a nested one
 * (which needs data). The typed calls below are usually handier.
 *
 * @param dev  the device the HWPT must be compatible with (bound or adopted)
 * @param pt   the parent: iommufd_ioas_as_pt(), iommufd_hwpt_as_pt() or
 *             iommufd_viommu_as_pt(), of the device's context
 * @param opts NULL (paging, no flags, no data) or options
 * @param[out] out the new HWPT
 * @return 0, or a negative errno: -EINVAL (NULL arguments, a parent of
 *         another context, data without a length or a length without data,
 *         a data type with no data, IOMMUFD_HWPT_ALLOC_FAULT_ID without a
 *         fault queue of the context or a fault queue without it; from the
 *         kernel: a nested parent is not a nesting parent, bad data),
 *         -EOPNOTSUPP (unknown flags; from the kernel: flags or data type
 *         the IOMMU cannot do), -E2BIG (unknown options), -ENOENT (an object
 *         is gone), -ENOTTY (kernel older than 6.6), -ENOMEM
 */
LIBIOMMUFD_API int iommufd_hwpt_alloc(struct iommufd_device *dev, struct iommufd_pt *pt,
				      const struct iommufd_hwpt_alloc_opts *opts,
				      struct iommufd_hwpt **out);

/**
 * Allocates a paging HWPT holding the mappings of an IOAS.
 *
 * @param dev  the device
 * @param ioas the IOAS, of the same context as @p dev
 * @param opts NULL or options (flags NEST_PARENT, DIRTY_TRACKING, PASID,
 *             FAULT_ID; data only for drivers that take paging data)
 * @param[out] out the new HWPT
 * @return as iommufd_hwpt_alloc(); -EINVAL also for an IOAS of another context
 */
LIBIOMMUFD_API int iommufd_hwpt_alloc_paging(struct iommufd_device *dev,
					     struct iommufd_ioas *ioas,
					     const struct iommufd_hwpt_alloc_opts *opts,
					     struct iommufd_hwpt **out);

/**
 * Allocates a nested HWPT on a nesting parent, with the data given in
 * @p opts (type, pointer, length).
 *
 * @param dev  the device
 * @param pt   the parent: a HWPT allocated with IOMMUFD_HWPT_ALLOC_NEST_PARENT
 *             (iommufd_hwpt_as_pt()) or a vIOMMU (iommufd_viommu_as_pt()),
 *             of the same context as @p dev
 * @param opts options with the data (required)
 * @param[out] out the new HWPT
 * @return as iommufd_hwpt_alloc(); -EINVAL also for a NULL @p opts, no data,
 *         or an IOAS as parent
 */
LIBIOMMUFD_API int iommufd_hwpt_alloc_nested(struct iommufd_device *dev,
					     struct iommufd_pt *pt,
					     const struct iommufd_hwpt_alloc_opts *opts,
					     struct iommufd_hwpt **out);

/**
 * Allocates a nested HWPT from an Intel VT-d stage-1 description.
 *
 * @param dev   the device
 * @param pt    the parent HWPT or vIOMMU, as for iommufd_hwpt_alloc_nested()
 * @param s1    the stage-1 table
 * @param opts  NULL or options for flags and fault queue; they must carry no data
 * @param[out] out the new HWPT
 * @return as iommufd_hwpt_alloc_nested(); -EINVAL also for a NULL @p s1 or
 *         data in @p opts
 */
LIBIOMMUFD_API int iommufd_hwpt_alloc_nested_vtd_s1(struct iommufd_device *dev,
						    struct iommufd_pt *pt,
						    const struct iommufd_hwpt_vtd_s1 *s1,
						    const struct iommufd_hwpt_alloc_opts *opts,
						    struct iommufd_hwpt **out);

/**
 * Allocates a nested HWPT from an ARM SMMUv3 stream table entry.
 *
 * @param dev   the device
 * @param pt    the parent HWPT or vIOMMU, as for iommufd_hwpt_alloc_nested()
 * @param ste   the STE
 * @param opts  NULL or options for flags and fault queue; they must carry no data
 * @param[out] out the new HWPT
 * @return as iommufd_hwpt_alloc_nested_vtd_s1()
 */
LIBIOMMUFD_API int iommufd_hwpt_alloc_nested_arm_smmuv3(struct iommufd_device *dev,
							struct iommufd_pt *pt,
							const struct iommufd_hwpt_arm_smmuv3 *ste,
							const struct iommufd_hwpt_alloc_opts *opts,
							struct iommufd_hwpt **out);

/**
 * Allocates a nested HWPT from an AMD guest device table entry.
 *
 * @param dev   the device
 * @param pt    the parent HWPT or vIOMMU, as for iommufd_hwpt_alloc_nested()
 * @param dte   the DTE
 * @param opts  NULL or options for flags and fault queue; they must carry no data
 * @param[out] out the new HWPT
 * @return as iommufd_hwpt_alloc_nested_vtd_s1()
 */
LIBIOMMUFD_API int iommufd_hwpt_alloc_nested_amd_guest(struct iommufd_device *dev,
						       struct iommufd_pt *pt,
						       const struct iommufd_hwpt_amd_guest *dte,
						       const struct iommufd_hwpt_alloc_opts *opts,
						       struct iommufd_hwpt **out);

/**
 * Makes a handle for a HWPT that already exists in the context's file, e.g.
 * the one the kernel created when a device was attached to an IOAS. The id
 * must name an object; a paging HWPT is recognised for what it is, other
 * ids are not checked further.
 *
 * @param ctx the context
 * @param id  the HWPT id
 * @param[out] out the new handle
 * @return 0, or a negative errno: -EINVAL (NULL arguments, id 0), -ENOENT
 *         (no object with that id), -ENOMEM
 */
LIBIOMMUFD_API int iommufd_hwpt_adopt(struct iommufd_ctx *ctx, uint32_t id,
				      struct iommufd_hwpt **out);

/**
 * Destroys the HWPT in the kernel (IOMMU_DESTROY) and frees the handle. On
 * failure nothing changes and the handle stays valid.
 *
 * @param hwpt the HWPT
 * @return 0, or a negative errno: -EINVAL (NULL @p hwpt), -EBUSY (devices
 *         are attached, or nested HWPTs or a vIOMMU use it as parent),
 *         -ENOENT (destroyed behind the library's back)
 */
LIBIOMMUFD_API int iommufd_hwpt_destroy(struct iommufd_hwpt *hwpt);

/**
 * Frees the handle only; the kernel object stays (e.g. an automatically
 * created HWPT, which the kernel destroys with its last device).
 *
 * @param hwpt the HWPT handle; NULL does nothing
 */
LIBIOMMUFD_API void iommufd_hwpt_free(struct iommufd_hwpt *hwpt);

/**
 * The kernel id of a HWPT, to attach devices to it and for raw ioctls.
 *
 * @param hwpt the HWPT
 * @return the id, or 0 (never a valid id) for a NULL @p hwpt
 */
LIBIOMMUFD_API uint32_t iommufd_hwpt_get_id(const struct iommufd_hwpt *hwpt);

/**
 * The context a HWPT belongs to.
 *
 * @param hwpt the HWPT
 * @return the context, or NULL for a NULL @p hwpt
 */
LIBIOMMUFD_API struct iommufd_ctx *iommufd_hwpt_get_ctx(const struct iommufd_hwpt *hwpt);

/**
 * The HWPT as a page table, for the calls that take an IOAS or a HWPT
 * (iommufd_device_attach(), a nesting parent for iommufd_hwpt_alloc_nested()).
 *
 * @param hwpt the HWPT
 * @return the view, valid while @p hwpt is; NULL for a NULL @p hwpt
 */
LIBIOMMUFD_API struct iommufd_pt *iommufd_hwpt_as_pt(struct iommufd_hwpt *hwpt);

/** Types of invalidation entries of iommufd_hwpt_invalidate() (the kernel's values). */
enum iommufd_hwpt_invalidate_data_type {
	/** Intel VT-d stage-1 entries: addr, npages (u64), flags, reserved (u32); 24 bytes. */
	IOMMUFD_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
};

/**
 * Passes a guest's cache invalidation requests to a nested HWPT
 * (IOMMU_HWPT_INVALIDATE, Linux 6.8). The kernel handles the entries in
 * order and stops at the first that fails.
 *
 * @param hwpt      the nested HWPT
 * @param data_type the entries' type (enum iommufd_hwpt_invalidate_data_type
 *                  or a driver's value)
 * @param entries   the array; may be NULL if *@p entry_num is 0
 * @param entry_len size of one entry in bytes (the caller's struct size; the
 *                  kernel accepts larger structs with zero tails, and smaller
 *                  older ones)
 * @param[in,out] entry_num in: the number of entries; out: how many the kernel
 *                handled, also on failure (the failing entry is the next one).
 *                An input of 0 checks that the type is accepted.
 * @return 0, or a negative errno: -EINVAL (NULL arguments, entries without a
 *         length; from the kernel: the HWPT is not nested, the type is not
 *         the HWPT's, an entry is invalid), -EOPNOTSUPP (the HWPT cannot
 *         invalidate, or an entry has unknown flags), -E2BIG (an entry has
 *         unknown non-zero fields), -EFAULT, -ENOTTY (kernel older than 6.8)
 */
LIBIOMMUFD_API int iommufd_hwpt_invalidate(struct iommufd_hwpt *hwpt, uint32_t data_type,
					   const void *entries, uint32_t entry_len,
					   uint32_t *entry_num);

/**
 * Starts or stops dirty tracking on a paging HWPT allocated with
 * IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING (IOMMU_HWPT_SET_DIRTY_TRACKING, Linux
 * 6.7). Starting clears the dirty state of every mapping.
 *
 * @param hwpt   the HWPT
 * @param enable true to start, false to stop
 * @return 0, or a negative errno: -EINVAL (NULL @p hwpt), -ENOENT (not a
 *         paging HWPT), -EOPNOTSUPP (no dirty tracking on this HWPT),
 *         -ENOTTY (kernel older than 6.7)
 */
LIBIOMMUFD_API int iommufd_hwpt_set_dirty_tracking(struct iommufd_hwpt *hwpt, bool enable);

/** Flags of iommufd_hwpt_get_dirty_bitmap() and iommufd_hwpt_walk_dirty_opts::flags. */
enum iommufd_dirty_flags {
	/** Read the dirty state without clearing it (IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR). */
	IOMMUFD_DIRTY_NO_CLEAR = 1 << 0,
};

/**
 * Reads, and unless IOMMUFD_DIRTY_NO_CLEAR clears, which pages of
 * [@p iova, @p iova + @p length) devices wrote since the last read
 * (IOMMU_HWPT_GET_DIRTY_BITMAP, Linux 6.7). Bit i of the bitmap (bit i % 64
 * of word i / 64) stands for the page at @p iova + i * @p page_size.
 *
 * The library zeroes the bitmap first (the kernel only sets bits), so on
 * success it is exactly the dirty state.
 *
 * @param hwpt      the paging HWPT, with dirty tracking on
 * @param iova      start of the range, a multiple of @p page_size
 * @param length    length in bytes, a non-zero multiple of @p page_size
 * @param page_size the granule of one bit: a power of two, at least the
 *                  IOAS's IOVA alignment (a larger granule sets a bit if any
 *                  page under it is dirty)
 * @param[out] bitmap (@p length / @p page_size + 63) / 64 words
 * @param flags     0 or IOMMUFD_DIRTY_NO_CLEAR
 * @return 0, or a negative errno: -EINVAL (NULL arguments, zero or unaligned
 *         @p length or @p iova, @p page_size not a power of two; from the
 *         kernel: range not aligned to the IOAS), -EOVERFLOW (the range wraps
 *         around or the bitmap would not fit in memory), -EOPNOTSUPP (unknown
 *         flags; the HWPT does not track dirty pages), -ENOENT (not a paging
 *         HWPT), -EFAULT, -ENOTTY (kernel older than 6.7)
 */
LIBIOMMUFD_API int iommufd_hwpt_get_dirty_bitmap(struct iommufd_hwpt *hwpt, uint64_t iova,
						 uint64_t length, uint64_t page_size,
						 uint64_t *bitmap, uint32_t flags);

/**
 * Called by iommufd_hwpt_walk_dirty() once per run of contiguous dirty
 * pages.
 *
 * @param iova   start of the run
 * @param length length of the run in bytes (a multiple of the page size)
 * @param priv   the caller's pointer
 * @return 0 to go on; anything else stops the walk, which returns it
 */
typedef int (*iommufd_hwpt_walk_dirty_fn)(uint64_t iova, uint64_t length, void *priv);

/** Options of iommufd_hwpt_walk_dirty(); declare with @ref IOMMUFD_OPTS. */
struct iommufd_hwpt_walk_dirty_opts {
	/** Size of this struct as the caller knows it: sizeof(struct iommufd_hwpt_walk_dirty_opts). */
	size_t sz;
	/** 0 or IOMMUFD_DIRTY_NO_CLEAR. */
	uint32_t flags;
	/** Reserved (names the padding, so that every byte is defined); must be 0. */
	uint32_t reserved;
	/**
	 * Number of pages read per ioctl, which bounds the bitmap the library
	 * allocates (chunk_pages / 8 bytes); 0 means 262144 pages (a 32 KiB
	 * bitmap, 1 GiB of IOVA at 4 KiB pages).
	 */
	uint64_t chunk_pages;
};

/**
 * Walks the dirty pages of [@p iova, @p iova + @p length) the way a live
 * migration loop wants them: reads the dirty bitmap chunk by chunk (and
 * clears it, unless IOMMUFD_DIRTY_NO_CLEAR) and calls @p fn once per maximal
 * run of contiguous dirty pages, runs crossing chunk boundaries merged, in
 * increasing IOVA order.
 *
 * A run is reported when its end is known, so @p fn may be called after
 * later chunks were read. If @p fn stops the walk, the chunks read so far
 * have been cleared: dirty pages of them not yet reported are lost unless
 * IOMMUFD_DIRTY_NO_CLEAR was given, so stop only to abort.
 *
 * Walk one mapped range at a time (as a VMM walks its guest memory
 * regions): the kernel reads, in each ioctl, only the mappings contiguous
 * with that chunk's first IOVA and silently stops at the first hole, so
 * dirty pages past a hole inside @p iova .. @p iova + @p length are neither
 * reported nor cleared. For the same reason each chunk must start on the
 * IOAS's IOVA alignment: with a @p page_size smaller than that alignment,
 * choose chunk_pages so that chunk_pages * @p page_size is a multiple of it,
 * or a later chunk fails with -EINVAL after earlier ones were cleared.
 *
 * @param hwpt      the paging HWPT, with dirty tracking on
 * @param iova      start of the range, a multiple of @p page_size
 * @param length    length in bytes, a non-zero multiple of @p page_size
 * @param page_size the granule, as for iommufd_hwpt_get_dirty_bitmap()
 * @param opts      NULL (clear, default chunk) or options
 * @param fn        the callback
 * @param priv      passed to @p fn
 * @return 0 when the whole range was walked, the non-zero value @p fn
 *         returned to stop, or a negative errno: as
 *         iommufd_hwpt_get_dirty_bitmap(), -EINVAL also for a NULL @p fn,
 *         -E2BIG (unknown options), -ENOMEM
 */
LIBIOMMUFD_API int iommufd_hwpt_walk_dirty(struct iommufd_hwpt *hwpt, uint64_t iova,
					   uint64_t length, uint64_t page_size,
					   const struct iommufd_hwpt_walk_dirty_opts *opts,
					   iommufd_hwpt_walk_dirty_fn fn, void *priv);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_HWPT_H */
