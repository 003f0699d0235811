// SPDX-License-Identifier: MIT
/*
 * hwpt.c - hardware page table handles: IOMMU_HWPT_ALLOC (paging, nested,
 * typed nested data), IOMMU_HWPT_INVALIDATE, IOMMU_HWPT_SET_DIRTY_TRACKING,
 * IOMMU_HWPT_GET_DIRTY_BITMAP and the chunked dirty-range walk built on it.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The library's values are the kernel's. */
#define SAME_VALUE(lib, kernel) _Static_assert((int)(lib) == (int)(kernel), #lib)
SAME_VALUE(IOMMUFD_HWPT_ALLOC_NEST_PARENT, IOMMU_HWPT_ALLOC_NEST_PARENT);
SAME_VALUE(IOMMUFD_HWPT_DATA_NONE, IOMMU_HWPT_DATA_NONE);
SAME_VALUE(IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
SAME_VALUE(IOMMUFD_HWPT_ALLOC_FAULT_ID, IOMMU_HWPT_FAULT_ID_VALID);
SAME_VALUE(IOMMUFD_HWPT_ALLOC_PASID, IOMMU_HWPT_ALLOC_PASID);
SAME_VALUE(IOMMUFD_HWPT_DATA_VTD_S1, IOMMU_HWPT_DATA_VTD_S1);
SAME_VALUE(IOMMUFD_HWPT_DATA_ARM_SMMUV3, IOMMU_HWPT_DATA_ARM_SMMUV3);
SAME_VALUE(IOMMUFD_HWPT_DATA_AMD_GUEST, IOMMU_HWPT_DATA_AMD_GUEST);
SAME_VALUE(IOMMUFD_HWPT_INVALIDATE_DATA_VTD_S1, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1);
SAME_VALUE(IOMMUFD_DIRTY_NO_CLEAR, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);

/* Pages per bitmap read of the dirty walk when the caller does not say (32 KiB of bitmap). */
#define DIRTY_CHUNK_PAGES_DEFAULT (UINT64_C(1) << 18)

static void hwpt_release(struct iommufd_obj *obj)
{
	iommufd_obj_free(obj);
}

static int hwpt_new(struct iommufd_ctx *ctx, uint32_t id, struct iommufd_hwpt **out)
{
	struct iommufd_hwpt *hwpt = calloc(1, sizeof(*hwpt));

	if (!hwpt)
		return -ENOMEM;
	iommufd_obj_add(ctx, &hwpt->obj, IOMMUFD_OBJ_HWPT, id, hwpt_release);
	*out = hwpt;
	return 0;
}

static int load_alloc_opts(struct iommufd_hwpt_alloc_opts *opts,
			   const struct iommufd_hwpt_alloc_opts *uopts)
{
	const uint32_t known = IOMMUFD_HWPT_ALLOC_NEST_PARENT | IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING |
			       IOMMUFD_HWPT_ALLOC_FAULT_ID | IOMMUFD_HWPT_ALLOC_PASID;
	int ret = IOMMUFD_OPTS_LOAD(opts, uopts, fault);

	if (ret)
		return ret;
	if (opts->flags & ~known)
		return -EOPNOTSUPP;
	/* Data comes as type, pointer and length together, or not at all. */
	if (!opts->data != !opts->data_len)
		return iommufd_arg_error(-EINVAL, "!opts->data != !opts->data_len");
	if (opts->data_type != IOMMUFD_HWPT_DATA_NONE && !opts->data)
		return iommufd_arg_error(-EINVAL, "opts->data_type && !opts->data");
	if (opts->data_type == IOMMUFD_HWPT_DATA_NONE && opts->data)
		return iommufd_arg_error(-EINVAL, "!opts->data_type && opts->data");
	if (!(opts->flags & IOMMUFD_HWPT_ALLOC_FAULT_ID) != !opts->fault)
		return iommufd_arg_error(-EINVAL, "opts->flags & FAULT_ID and !opts->fault differ");
	if (opts->reserved)
		return iommufd_arg_error(-EINVAL, "opts->reserved");
	return 0;
}

/* Page-table kinds each allocation accepts as parent. */
#define PT_ANY (IOMMUFD_OBJ_IOAS | IOMMUFD_OBJ_HWPT | IOMMUFD_OBJ_VIOMMU)
#define PT_NESTED (IOMMUFD_OBJ_HWPT | IOMMUFD_OBJ_VIOMMU)

/*
 * IOMMU_HWPT_ALLOC with checked options on a parent of @kinds; returns a
 * negative errno, not through iommufd_ret.
 */
static int hwpt_alloc(struct iommufd_device *dev, const struct iommufd_pt *pt, uint32_t kinds,
		      const struct iommufd_hwpt_alloc_opts *opts, struct iommufd_hwpt **out)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = opts->flags,
		.data_type = opts->data_type,
		.data_len = opts->data_len,
		.data_uptr = (uintptr_t)opts->data,
	};
	int ret;

	if (!dev)
		return iommufd_arg_error(-EINVAL, "!dev");
	if (!out)
		return iommufd_arg_error(-EINVAL, "!out");
	cmd.dev_id = dev->obj.id;
	ret = iommufd_pt_id(pt, kinds, dev->obj.ctx, &cmd.pt_id);
	if (ret)
		return ret;
	if (opts->fault) {
		if (opts->fault->obj.ctx != dev->obj.ctx)
			return iommufd_arg_error(-EINVAL,
						 "opts->fault is of another context than dev");
		cmd.fault_id = opts->fault->obj.id;
	}
	ret = (int)iommufd_ioctl(dev->obj.ctx, IOMMU_HWPT_ALLOC, &cmd);
	if (ret)
		return ret;
	ret = hwpt_new(dev->obj.ctx, cmd.out_hwpt_id, out);
	if (ret)
		iommufd_destroy_id(dev->obj.ctx, cmd.out_hwpt_id);
	return ret;
}

LIBIOMMUFD_API int iommufd_hwpt_alloc(struct iommufd_device *dev, struct iommufd_pt *pt,
				      const struct iommufd_hwpt_alloc_opts *uopts,
				      struct iommufd_hwpt **out)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	IOMMUFD_CHECK(pt, IOMMUFD_OBJ_ANY);
	struct iommufd_hwpt_alloc_opts opts;
	int ret;

	ret = load_alloc_opts(&opts, uopts);
	if (ret)
		return iommufd_ret(ret);
	return iommufd_ret(hwpt_alloc(dev, pt, PT_ANY, &opts, out));
}

LIBIOMMUFD_API int iommufd_hwpt_alloc_paging(struct iommufd_device *dev,
					     struct iommufd_ioas *ioas,
					     const struct iommufd_hwpt_alloc_opts *uopts,
					     struct iommufd_hwpt **out)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	IOMMUFD_CHECK(ioas, IOMMUFD_OBJ_IOAS);
	struct iommufd_hwpt_alloc_opts opts;
	int ret;

	ret = load_alloc_opts(&opts, uopts);
	if (ret)
		return iommufd_ret(ret);
	if (!ioas)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ioas"));
	return iommufd_ret(hwpt_alloc(dev, iommufd_obj_pt(&ioas->obj), IOMMUFD_OBJ_IOAS, &opts,
				      out));
}

LIBIOMMUFD_API int iommufd_hwpt_alloc_nested(struct iommufd_device *dev, struct iommufd_pt *pt,
					     const struct iommufd_hwpt_alloc_opts *uopts,
					     struct iommufd_hwpt **out)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	IOMMUFD_CHECK(pt, IOMMUFD_OBJ_ANY);
	struct iommufd_hwpt_alloc_opts opts;
	int ret;

	ret = load_alloc_opts(&opts, uopts);
	if (ret)
		return iommufd_ret(ret);
	if (!uopts)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!opts"));
	if (!opts.data)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!opts.data"));
	return iommufd_ret(hwpt_alloc(dev, pt, PT_NESTED, &opts, out));
}

/* A typed nested allocation: caller options without data, plus the library's encoding. */
static int hwpt_alloc_typed(struct iommufd_device *dev, const struct iommufd_pt *pt,
			    const struct iommufd_hwpt_alloc_opts *uopts, uint32_t type,
			    const void *data, uint32_t len, struct iommufd_hwpt **out)
{
	struct iommufd_hwpt_alloc_opts opts;
	int ret;

	ret = load_alloc_opts(&opts, uopts);
	if (ret)
		return ret;
	if (opts.data)
		return iommufd_arg_error(-EINVAL, "opts.data");
	if (opts.data_type)
		return iommufd_arg_error(-EINVAL, "opts.data_type");
	opts.data_type = type;
	opts.data = data;
	opts.data_len = len;
	return hwpt_alloc(dev, pt, PT_NESTED, &opts, out);
}

LIBIOMMUFD_API int iommufd_hwpt_alloc_nested_vtd_s1(struct iommufd_device *dev,
						    struct iommufd_pt *pt,
						    const struct iommufd_hwpt_vtd_s1 *s1,
						    const struct iommufd_hwpt_alloc_opts *opts,
						    struct iommufd_hwpt **out)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	IOMMUFD_CHECK(pt, IOMMUFD_OBJ_ANY);
	struct iommu_hwpt_vtd_s1 k = { 0 };

	if (!s1)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!s1"));
	k.flags = s1->flags;
	k.pgtbl_addr = s1->pgtbl_addr;
	k.addr_width = s1->addr_width;
	return iommufd_ret(hwpt_alloc_typed(dev, pt, opts, IOMMU_HWPT_DATA_VTD_S1, &k,
					    sizeof(k), out));
}

LIBIOMMUFD_API int iommufd_hwpt_alloc_nested_arm_smmuv3(struct iommufd_device *dev,
							struct iommufd_pt *pt,
							const struct iommufd_hwpt_arm_smmuv3 *ste,
							const struct iommufd_hwpt_alloc_opts *opts,
							struct iommufd_hwpt **out)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	IOMMUFD_CHECK(pt, IOMMUFD_OBJ_ANY);
	struct iommu_hwpt_arm_smmuv3 k = { 0 };
	size_t i;

	if (!ste)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ste"));
	for (i = 0; i < ARRAY_SIZE(k.ste); i++)
		k.ste[i] = htole64(ste->ste[i]);
	return iommufd_ret(hwpt_alloc_typed(dev, pt, opts, IOMMU_HWPT_DATA_ARM_SMMUV3, &k,
					    sizeof(k), out));
}

LIBIOMMUFD_API int iommufd_hwpt_alloc_nested_amd_guest(struct iommufd_device *dev,
						       struct iommufd_pt *pt,
						       const struct iommufd_hwpt_amd_guest *dte,
						       const struct iommufd_hwpt_alloc_opts *opts,
						       struct iommufd_hwpt **out)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	IOMMUFD_CHECK(pt, IOMMUFD_OBJ_ANY);
	struct iommu_hwpt_amd_guest k = { 0 };
	size_t i;

	if (!dte)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!dte"));
	for (i = 0; i < ARRAY_SIZE(k.dte); i++)
		k.dte[i] = dte->dte[i];
	return iommufd_ret(hwpt_alloc_typed(dev, pt, opts, IOMMU_HWPT_DATA_AMD_GUEST, &k,
					    sizeof(k), out));
}

LIBIOMMUFD_API int iommufd_hwpt_adopt(struct iommufd_ctx *ctx, uint32_t id,
				      struct iommufd_hwpt **out)
{
	IOMMUFD_CHECK(ctx, IOMMUFD_OBJ_CTX);
	struct iommu_hwpt_get_dirty_bitmap bitmap = {
		.size = sizeof(bitmap),
		.hwpt_id = id,
	};
	struct iommu_hwpt_invalidate inv = {
		.size = sizeof(inv),
		.hwpt_id = id,
	};
	int ret;

	if (!ctx)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ctx"));
	if (!id)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!id"));
	if (!out)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!out"));
	/*
	 * Neither probe changes anything: a zero-length bitmap read fails with
	 * EINVAL on a paging HWPT (ENOENT on anything else), and an empty
	 * invalidation fails with ENOENT only where no object has the id.
	 * Kernels without the bitmap ioctl (6.6) cannot be asked.
	 */
	ret = (int)iommufd_ioctl(ctx, IOMMU_HWPT_GET_DIRTY_BITMAP, &bitmap);
	if (ret == -ENOENT) {
		/* Without IOMMU_HWPT_INVALIDATE (6.7) no nested HWPT can exist. */
		ret = (int)iommufd_ioctl(ctx, IOMMU_HWPT_INVALIDATE, &inv);
		if (ret == -ENOENT || ret == -ENOTTY)
			return iommufd_ret(iommufd_arg_error(-ENOENT, "id names no HWPT"));
	}
	iommufd_error_forget();
	return iommufd_ret(hwpt_new(ctx, id, out));
}

LIBIOMMUFD_API int iommufd_hwpt_destroy(struct iommufd_hwpt *hwpt)
{
	IOMMUFD_CHECK(hwpt, IOMMUFD_OBJ_HWPT);
	int ret;

	if (!hwpt)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!hwpt"));
	ret = iommufd_destroy_id(hwpt->obj.ctx, hwpt->obj.id);
	if (ret)
		return iommufd_ret(ret);
	iommufd_obj_del(&hwpt->obj);
	hwpt_release(&hwpt->obj);
	return 0;
}

LIBIOMMUFD_API void iommufd_hwpt_free(struct iommufd_hwpt *hwpt)
{
	IOMMUFD_CHECK(hwpt, IOMMUFD_OBJ_HWPT);
	if (!hwpt)
		return;
	iommufd_obj_del(&hwpt->obj);
	hwpt_release(&hwpt->obj);
}

LIBIOMMUFD_API uint32_t iommufd_hwpt_get_id(const struct iommufd_hwpt *hwpt)
{
	IOMMUFD_CHECK(hwpt, IOMMUFD_OBJ_HWPT);
	return hwpt ? hwpt->obj.id : 0;
}

LIBIOMMUFD_API struct iommufd_pt *iommufd_hwpt_as_pt(struct iommufd_hwpt *hwpt)
{
	IOMMUFD_CHECK(hwpt, IOMMUFD_OBJ_HWPT);
	return hwpt ? iommufd_obj_pt(&hwpt->obj) : NULL;
}

LIBIOMMUFD_API struct iommufd_ctx *iommufd_hwpt_get_ctx(const struct iommufd_hwpt *hwpt)
{
	IOMMUFD_CHECK(hwpt, IOMMUFD_OBJ_HWPT);
	return hwpt ? hwpt->obj.ctx : NULL;
}

int iommufd_invalidate(const struct iommufd_obj *obj, uint32_t data_type, const void *entries,
		       uint32_t entry_len, uint32_t *entry_num)
{
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd),
	};
	int ret;

	if (!entry_num)
		return iommufd_arg_error(-EINVAL, "!entry_num");
	if (!obj || (*entry_num && (!entries || !entry_len))) {
		*entry_num = 0;
		return -EINVAL;
	}
	cmd.hwpt_id = obj->id;
	cmd.data_uptr = (uintptr_t)entries;
	cmd.data_type = data_type;
	cmd.entry_len = entry_len;
	cmd.entry_num = *entry_num;
	ret = (int)iommufd_ioctl(obj->ctx, IOMMU_HWPT_INVALIDATE, &cmd);
	/*
	 * The kernel reports the entries it handled in success and failure
	 * alike. A failure with the count unchanged means the kernel never
	 * wrote it back (no such ioctl, a bad argument pointer): a driver that
	 * fails has always stopped short of the last entry.
	 */
	if (ret && cmd.entry_num >= *entry_num)
		cmd.entry_num = 0;
	*entry_num = cmd.entry_num;
	return ret;
}

LIBIOMMUFD_API int iommufd_hwpt_invalidate(struct iommufd_hwpt *hwpt, uint32_t data_type,
					   const void *entries, uint32_t entry_len,
					   uint32_t *entry_num)
{
	IOMMUFD_CHECK(hwpt, IOMMUFD_OBJ_HWPT);
	return iommufd_ret(iommufd_invalidate(hwpt ? &hwpt->obj : NULL, data_type, entries,
					      entry_len, entry_num));
}

LIBIOMMUFD_API int iommufd_hwpt_set_dirty_tracking(struct iommufd_hwpt *hwpt, bool enable)
{
	IOMMUFD_CHECK(hwpt, IOMMUFD_OBJ_HWPT);
	struct iommu_hwpt_set_dirty_tracking cmd = {
		.size = sizeof(cmd),
	};

	if (!hwpt)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!hwpt"));
	cmd.hwpt_id = hwpt->obj.id;
	cmd.flags = enable ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0;
	return iommufd_ret((int)iommufd_ioctl(hwpt->obj.ctx, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd));
}

/*
 * Checks a dirty range and gives the number of pages in it. Like the
 * kernel: non-empty, no wrap-around, ends on page_size boundaries.
 */
static int dirty_range_pages(uint64_t iova, uint64_t length, uint64_t page_size,
			     uint64_t *pages)
{
	uint64_t last;

	if (!length)
		return iommufd_arg_error(-EINVAL, "!length");
	if (!page_size)
		return iommufd_arg_error(-EINVAL, "!page_size");
	if ((page_size & (page_size - 1)))
		return iommufd_arg_error(-EINVAL, "(page_size & (page_size - 1))");
	if (__builtin_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if ((iova | length) & (page_size - 1))
		return iommufd_arg_error(-EINVAL, "(iova | length) & (page_size - 1)");
	*pages = length / page_size;
	return 0;
}

/* Bytes of bitmap for @pages pages, whole 64-bit words; 0 if that does not fit in memory. */
static size_t bitmap_bytes(uint64_t pages)
{
	uint64_t words = pages / 64 + !!(pages % 64);

	if (words > SIZE_MAX / sizeof(uint64_t))
		return 0;
	return (size_t)words * sizeof(uint64_t);
}

static int get_dirty_bitmap(struct iommufd_hwpt *hwpt, uint64_t iova, uint64_t length,
			    uint64_t page_size, uint64_t *bitmap, size_t bytes, uint32_t flags)
{
	struct iommu_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt->obj.id,
		.iova = iova,
		.length = length,
		.page_size = page_size,
		.data = (uintptr_t)bitmap,
	};

	if (flags & IOMMUFD_DIRTY_NO_CLEAR)
		cmd.flags |= IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;
	/* The kernel only sets the bits of dirty pages. */
	memset(bitmap, 0, bytes);
	return (int)iommufd_ioctl(hwpt->obj.ctx, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd);
}

LIBIOMMUFD_API int iommufd_hwpt_get_dirty_bitmap(struct iommufd_hwpt *hwpt, uint64_t iova,
						 uint64_t length, uint64_t page_size,
						 uint64_t *bitmap, uint32_t flags)
{
	IOMMUFD_CHECK(hwpt, IOMMUFD_OBJ_HWPT);
	uint64_t pages;
	size_t bytes;
	int ret;

	if (!hwpt)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!hwpt"));
	if (!bitmap)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!bitmap"));
	if (flags & ~(uint32_t)IOMMUFD_DIRTY_NO_CLEAR)
		return iommufd_ret(-EOPNOTSUPP);
	ret = dirty_range_pages(iova, length, page_size, &pages);
	if (ret)
		return iommufd_ret(ret);
	bytes = bitmap_bytes(pages);
	if (!bytes)
		return iommufd_ret(-EOVERFLOW);
	return iommufd_ret(get_dirty_bitmap(hwpt, iova, length, page_size, bitmap, bytes, flags));
}

/* The run being gathered by the dirty walk, in pages from the walk's start. */
struct dirty_walk {
	uint64_t iova;
	uint64_t page_size;
	uint64_t start;
	uint64_t pages; /* 0: no run pending */
	iommufd_hwpt_walk_dirty_fn fn;
	void *priv;
};

static int walk_flush(struct dirty_walk *w)
{
	uint64_t pages = w->pages;

	if (!pages)
		return 0;
	w->pages = 0;
	return w->fn(w->iova + w->start * w->page_size, pages * w->page_size, w->priv);
}

static int walk_add(struct dirty_walk *w, uint64_t start, uint64_t pages)
{
	int ret;

	if (w->pages && w->start + w->pages == start) {
		w->pages += pages;
		return 0;
	}
	ret = walk_flush(w);
	if (ret)
		return ret;
	w->start = start;
	w->pages = pages;
	return 0;
}

/* Feeds the runs of set bits of @bitmap (@pages bits for pages @first...) to the walk. */
static int walk_bitmap(struct dirty_walk *w, const uint64_t *bitmap, uint64_t first,
		       uint64_t pages)
{
	uint64_t words = pages / 64 + !!(pages % 64);
	uint64_t i;
	int ret;

	for (i = 0; i < words; i++) {
		uint64_t word = bitmap[i];

		/* Ignore bits past the range, should a kernel set any. */
		if (i == words - 1 && pages % 64)
			word &= (UINT64_C(1) << (pages % 64)) - 1;
		while (word) {
			unsigned int bit = (unsigned int)__builtin_ctzll(word);
			uint64_t rest = ~(word >> bit);
			unsigned int ones = rest ? (unsigned int)__builtin_ctzll(rest) : 64 - bit;

			ret = walk_add(w, first + i * 64 + bit, ones);
			if (ret)
				return ret;
			if (bit + ones >= 64)
				word = 0;
			else
				word &= ~(((UINT64_C(1) << ones) - 1) << bit);
		}
	}
	return 0;
}

LIBIOMMUFD_API int iommufd_hwpt_walk_dirty(struct iommufd_hwpt *hwpt, uint64_t iova,
					   uint64_t length, uint64_t page_size,
					   const struct iommufd_hwpt_walk_dirty_opts *uopts,
					   iommufd_hwpt_walk_dirty_fn fn, void *priv)
{
	IOMMUFD_CHECK(hwpt, IOMMUFD_OBJ_HWPT);
	struct iommufd_hwpt_walk_dirty_opts opts;
	struct dirty_walk w = {
		.iova = iova,
		.page_size = page_size,
		.fn = fn,
		.priv = priv,
	};
	uint64_t pages, chunk, done;
	uint64_t *bitmap;
	size_t bytes;
	int ret;

	ret = IOMMUFD_OPTS_LOAD(&opts, uopts, chunk_pages);
	if (ret)
		return iommufd_ret(ret);
	if (!hwpt)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!hwpt"));
	if (!fn)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!fn"));
	if (opts.reserved)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "opts.reserved"));
	if (opts.flags & ~(uint32_t)IOMMUFD_DIRTY_NO_CLEAR)
		return iommufd_ret(-EOPNOTSUPP);
	ret = dirty_range_pages(iova, length, page_size, &pages);
	if (ret)
		return iommufd_ret(ret);
	chunk = opts.chunk_pages ? opts.chunk_pages : DIRTY_CHUNK_PAGES_DEFAULT;
	if (chunk > pages)
		chunk = pages;
	bytes = bitmap_bytes(chunk);
	if (!bytes)
		return iommufd_ret(-EOVERFLOW);
	bitmap = malloc(bytes);
	if (!bitmap)
		return iommufd_ret(-ENOMEM);

	for (done = 0; done < pages; done += chunk) {
		uint64_t n = pages - done < chunk ? pages - done : chunk;

		ret = get_dirty_bitmap(hwpt, iova + done * page_size, n * page_size, page_size,
				       bitmap, bitmap_bytes(n), opts.flags);
		if (ret)
			goto out;
		ret = walk_bitmap(&w, bitmap, done, n);
		if (ret)
			goto out;
	}
	ret = walk_flush(&w);
out:
	free(bitmap);
	return ret < 0 ? iommufd_ret(ret) : ret;
}
