/* SPDX-License-Identifier: MIT */
/*
 * iommufd/ioas.h - the I/O address space (IOAS): a table of IOVA -> user
 * memory mappings that devices and hardware page tables are attached to.
 */
#ifndef IOMMUFD_IOAS_H
#define IOMMUFD_IOAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iommufd/common.h>
#include <iommufd/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup ioas I/O address space (IOAS)
 *
 * An IOAS holds the mappings from I/O virtual addresses (IOVA) to user
 * memory that the devices attached to it (directly or through a hardware
 * page table) may reach by DMA. Mapping pins the memory as soon as a
 * device's IOMMU domain needs it, counted against RLIMIT_MEMLOCK.
 *
 * Unmapping works on whole mappings: a range that cuts through a mapping
 * fails with -ENOENT and changes nothing.
 *
 * Several threads may map, unmap, copy and query the same IOAS at once; the
 * kernel serialises them. A handle must not be destroyed or freed while
 * another thread still uses it.
 *
 * @{
 */

/** An I/O address space of a context (opaque). */
struct iommufd_ioas;

/**
 * An inclusive range of IOVA, [start, last]. Same layout as the kernel's
 * struct iommu_iova_range.
 */
struct iommufd_iova_range {
	uint64_t start; /**< First IOVA of the range. */
	uint64_t last;  /**< Last IOVA of the range (inclusive). */
};

/** Flags of iommufd_ioas_map_opts::flags. */
enum iommufd_map_flags {
	/** Map at the IOVA passed in (the range must be free) instead of choosing one. */
	IOMMUFD_MAP_FIXED_IOVA = 1 << 0,
	/** Devices may write the memory. */
	IOMMUFD_MAP_WRITEABLE = 1 << 1,
	/** Devices may read the memory. */
	IOMMUFD_MAP_READABLE = 1 << 2,
};

/**
 * Options of iommufd_ioas_map(), iommufd_ioas_map_file() and
 * iommufd_ioas_copy(); declare with @ref IOMMUFD_OPTS. A NULL pointer, or
 * flags without READABLE and WRITEABLE, mean "readable and writeable".
 */
struct iommufd_ioas_map_opts {
	/** Size of this struct as the caller knows it: sizeof(struct iommufd_ioas_map_opts). */
	size_t sz;
	/** Flags from enum iommufd_map_flags. */
	uint32_t flags;
	/** Reserved (names the tail padding, so that every byte is defined); must be 0. */
	uint32_t reserved;
};

/**
 * Creates an empty IOAS (IOMMU_IOAS_ALLOC).
 *
 * @param ctx the context
 * @param[out] out the new IOAS
 * @return 0, or a negative errno: -EINVAL (NULL arguments), -ENOMEM
 */
LIBIOMMUFD_API int iommufd_ioas_create(struct iommufd_ctx *ctx, struct iommufd_ioas **out);

/**
 * Makes a handle for an IOAS that already exists in the context's file, e.g.
 * one created with a raw ioctl or by another process sharing the fd. The id
 * is checked to name an IOAS.
 *
 * @param ctx the context
 * @param id  the IOAS id
 * @param[out] out the new handle
 * @return 0, or a negative errno: -EINVAL (NULL arguments, id 0), -ENOENT
 *         (no IOAS with that id), -ENOMEM
 */
LIBIOMMUFD_API int iommufd_ioas_adopt(struct iommufd_ctx *ctx, uint32_t id,
				      struct iommufd_ioas **out);

/**
 * Destroys the IOAS in the kernel (IOMMU_DESTROY) and frees the handle. Its
 * mappings go with it. On failure nothing changes and the handle stays valid.
 *
 * @param ioas the IOAS
 * @return 0, or a negative errno: -EINVAL (NULL @p ioas), -EBUSY (devices,
 *         hardware page tables or accesses still use it), -ENOENT (the id was
 *         destroyed behind the library's back)
 */
LIBIOMMUFD_API int iommufd_ioas_destroy(struct iommufd_ioas *ioas);

/**
 * Frees the handle only; the kernel object stays alive (until destroyed by
 * id or the file is released). For handles made by iommufd_ioas_adopt() whose
 * object someone else owns.
 *
 * @param ioas the IOAS handle; NULL does nothing
 */
LIBIOMMUFD_API void iommufd_ioas_free(struct iommufd_ioas *ioas);

/**
 * The kernel id of an IOAS, for raw ioctls (e.g. VFIO_DEVICE_ATTACH_IOMMUFD_PT).
 *
 * @param ioas the IOAS
 * @return the id, or 0 (never a valid id) for a NULL @p ioas
 */
LIBIOMMUFD_API uint32_t iommufd_ioas_get_id(const struct iommufd_ioas *ioas);

/**
 * The context an IOAS belongs to.
 *
 * @param ioas the IOAS
 * @return the context, or NULL for a NULL @p ioas
 */
LIBIOMMUFD_API struct iommufd_ctx *iommufd_ioas_get_ctx(const struct iommufd_ioas *ioas);

/**
 * The IOAS as a page table, for the calls that take an IOAS or a HWPT
 * (iommufd_device_attach(), iommufd_hwpt_alloc(), ...).
 *
 * @param ioas the IOAS
 * @return the view, valid while @p ioas is; NULL for a NULL @p ioas
 */
LIBIOMMUFD_API struct iommufd_pt *iommufd_ioas_as_pt(struct iommufd_ioas *ioas);

/**
 * Maps user memory into the IOAS (IOMMU_IOAS_MAP).
 *
 * Without IOMMUFD_MAP_FIXED_IOVA the kernel chooses a free IOVA inside the
 * allowed ranges, aligned like the buffer (up to the IOAS alignment), and
 * returns it in @p iova. With it, @p iova is an input and the range must be
 * free and aligned to the IOAS's IOVA alignment.
 *
 * @param ioas   the IOAS
 * @param buf    start of the memory; it must stay mapped while the IOAS maps it
 * @param length length in bytes
 * @param[in,out] iova the IOVA: input with IOMMUFD_MAP_FIXED_IOVA, output always
 * @param opts   NULL (readable, writeable, automatic IOVA) or options
 * @return 0, or a negative errno: -EINVAL (NULL arguments, zero @p length,
 *         misaligned or reserved IOVA), -EOVERFLOW (a range wraps around),
 *         -EOPNOTSUPP (unknown flags), -E2BIG (unknown options), -EEXIST (the
 *         fixed range overlaps a mapping), -ENOSPC (no free IOVA range is big
 *         enough), -EFAULT (the memory is not mapped, once it must be pinned),
 *         -ENOMEM (e.g. RLIMIT_MEMLOCK exceeded)
 */
LIBIOMMUFD_API int iommufd_ioas_map(struct iommufd_ioas *ioas, void *buf, uint64_t length,
				    uint64_t *iova, const struct iommufd_ioas_map_opts *opts);

/**
 * Maps a range of a file (a memfd, or another shmem/hugetlbfs file) into the
 * IOAS (IOMMU_IOAS_MAP_FILE, Linux 6.13). The mapping refers to the file's
 * pages, not to a process's address space, so it survives the mapping
 * process (see iommufd_ctx_change_process()).
 *
 * @param ioas   the IOAS
 * @param fd     the file
 * @param start  offset in the file of the first byte
 * @param length length in bytes
 * @param[in,out] iova the IOVA, as for iommufd_ioas_map()
 * @param opts   as for iommufd_ioas_map()
 * @return 0, or a negative errno: as iommufd_ioas_map(), and -EBADF (bad fd),
 *         -EINVAL (the range goes past the end of the file, or the file type is
 *         not supported), -ENOTTY (kernel older than 6.13)
 */
LIBIOMMUFD_API int iommufd_ioas_map_file(struct iommufd_ioas *ioas, int fd, uint64_t start,
					 uint64_t length, uint64_t *iova,
					 const struct iommufd_ioas_map_opts *opts);

/**
 * Copies mappings from one IOAS to another, or to another place in the same
 * IOAS (IOMMU_IOAS_COPY): the destination maps the same memory as
 * [@p src_iova, @p src_iova + @p length) of @p src, sharing the pins, without
 * looking at user memory again. The source range must lie inside one mapping.
 *
 * @param dst      the destination IOAS
 * @param src      the source IOAS (may be @p dst); same context as @p dst
 * @param src_iova start of the source range
 * @param length   length in bytes
 * @param[in,out] dst_iova destination IOVA, as @p iova of iommufd_ioas_map()
 * @param opts     as for iommufd_ioas_map()
 * @return 0, or a negative errno: as iommufd_ioas_map(), -EINVAL also for
 *         IOAS handles of different contexts, -ENOENT (the source range is
 *         not inside one mapping)
 */
LIBIOMMUFD_API int iommufd_ioas_copy(struct iommufd_ioas *dst, struct iommufd_ioas *src,
				     uint64_t src_iova, uint64_t length, uint64_t *dst_iova,
				     const struct iommufd_ioas_map_opts *opts);

/**
 * Unmaps every mapping inside [@p iova, @p iova + @p length) (IOMMU_IOAS_UNMAP).
 * Mappings are removed whole: the range must not cut through one.
 *
 * @param ioas   the IOAS
 * @param iova   start of the range
 * @param length length of the range in bytes
 * @param[out] unmapped if not NULL, the number of bytes unmapped
 * @return 0, or a negative errno: -EINVAL (NULL @p ioas, zero @p length),
 *         -EOVERFLOW (the range wraps around), -ENOENT (nothing is mapped
 *         there, or the range cuts through a mapping), -EBUSY (a hardware
 *         queue uses the memory)
 */
LIBIOMMUFD_API int iommufd_ioas_unmap(struct iommufd_ioas *ioas, uint64_t iova,
				      uint64_t length, uint64_t *unmapped);

/**
 * Unmaps everything in the IOAS. Succeeds on an empty IOAS.
 *
 * @param ioas the IOAS
 * @param[out] unmapped if not NULL, the number of bytes unmapped
 * @return 0, or a negative errno: -EINVAL (NULL @p ioas), -EBUSY
 */
LIBIOMMUFD_API int iommufd_ioas_unmap_all(struct iommufd_ioas *ioas, uint64_t *unmapped);

/**
 * Reads the IOVA ranges that can be mapped (IOMMU_IOAS_IOVA_RANGES): the
 * allowed ranges minus what the attached domains and devices reserve.
 *
 * @param ioas the IOAS
 * @param[out] ranges array of *@p num entries, sorted by address; may be
 *             NULL if *@p num is 0
 * @param[in,out] num  in: the capacity of @p ranges; out: the number of
 *             ranges the IOAS has, also when that does not fit
 * @param[out] alignment if not NULL, the IOVA alignment every mapping must
 *             respect (a power of two)
 * @return 0, or a negative errno: -EINVAL (NULL arguments), -EMSGSIZE (more
 *         ranges than @p ranges holds: *@p num tells how many there are, the
 *         array holds the lowest ones that fit and @p alignment is set)
 */
LIBIOMMUFD_API int iommufd_ioas_get_iova_ranges(struct iommufd_ioas *ioas,
						struct iommufd_iova_range *ranges,
						uint32_t *num, uint64_t *alignment);

/**
 * Like iommufd_ioas_get_iova_ranges(), into an array the library allocates
 * with the right size.
 *
 * @param ioas the IOAS
 * @param[out] ranges the array, to release with free(); NULL when there are
 *             no ranges
 * @param[out] num the number of ranges
 * @param[out] alignment if not NULL, the IOVA alignment
 * @return 0, or a negative errno: -EINVAL (NULL arguments), -ENOMEM, -EAGAIN
 *         (the ranges kept changing while being read)
 */
LIBIOMMUFD_API int iommufd_ioas_get_iova_ranges_alloc(struct iommufd_ioas *ioas,
						      struct iommufd_iova_range **ranges,
						      uint32_t *num, uint64_t *alignment);

/**
 * Sets the IOVA ranges that automatic IOVA allocation may choose from
 * (IOMMU_IOAS_ALLOW_IOVAS), replacing the previous list; an empty list
 * allows everything again. The list only steers automatic allocation
 * (iommufd_ioas_map() without IOMMUFD_IOAS_MAP_FIXED_IOVA, and the like):
 * existing mappings and mappings at a fixed IOVA are not checked against it.
 * While a range is allowed, nothing may reserve IOVA inside it: a device
 * whose reserved regions (e.g. an MSI window) overlap it cannot be attached.
 *
 * @param ioas   the IOAS
 * @param ranges the ranges; may be NULL if @p num is 0
 * @param num    number of ranges
 * @return 0, or a negative errno: -EINVAL (NULL arguments, a range with
 *         start > last; the kernel also rejects empty and overlapping
 *         ranges with -EINVAL), -EADDRINUSE (a range overlaps a range the
 *         IOAS has reserved, e.g. for an attached device)
 */
LIBIOMMUFD_API int iommufd_ioas_allow_iovas(struct iommufd_ioas *ioas,
					    const struct iommufd_iova_range *ranges,
					    uint32_t num);

/**
 * Tells whether the IOAS may use IOMMU pages larger than PAGE_SIZE
 * (IOMMU_OPTION_HUGE_PAGES, on by default).
 *
 * @param ioas the IOAS
 * @param[out] enabled the setting
 * @return 0, or a negative errno (-EINVAL for NULL arguments)
 */
LIBIOMMUFD_API int iommufd_ioas_get_huge_pages(struct iommufd_ioas *ioas, bool *enabled);

/**
 * Allows or forbids IOMMU pages larger than PAGE_SIZE in the IOAS. Turning
 * them off makes the IOVA alignment at least PAGE_SIZE, so unmapping may then
 * split nothing but page-aligned mappings (as VFIO type1 v1 requires).
 *
 * @param ioas the IOAS
 * @param enabled the new setting
 * @return 0, or a negative errno: -EINVAL (NULL @p ioas; or, turning huge
 *         pages off, the IOAS has mappings while a device or HWPT domain is
 *         attached: the kernel will not remap them), -EADDRINUSE (an existing
 *         mapping is not aligned to the new IOVA alignment)
 */
LIBIOMMUFD_API int iommufd_ioas_set_huge_pages(struct iommufd_ioas *ioas, bool enabled);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_IOAS_H */
