// SPDX-License-Identifier: MIT
/*
 * ioas.c - I/O address space handles: IOMMU_IOAS_ALLOC, MAP, MAP_FILE, COPY,
 * UNMAP, IOVA_RANGES, ALLOW_IOVAS and the per-IOAS IOMMU_OPTION.
 */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

/* The public range type is passed to the kernel as it is. */
_Static_assert(sizeof(struct iommufd_iova_range) == sizeof(struct iommu_iova_range),
	       "iova range layout");
_Static_assert(offsetof(struct iommufd_iova_range, last) ==
		       offsetof(struct iommu_iova_range, last),
	       "iova range layout");

/* Retries of the allocating ranges query when the ranges keep changing under it. */
#define IOVA_RANGES_TRIES 8

static void ioas_release(struct iommufd_obj *obj)
{
	iommufd_obj_free(obj);
}

static int ioas_new(struct iommufd_ctx *ctx, uint32_t id, struct iommufd_ioas **out)
{
	struct iommufd_ioas *ioas = calloc(1, sizeof(*ioas));

	if (!ioas)
		return -ENOMEM;
	iommufd_obj_add(ctx, &ioas->obj, IOMMUFD_OBJ_IOAS, id, ioas_release);
	*out = ioas;
	return 0;
}

LIBIOMMUFD_API int iommufd_ioas_create(struct iommufd_ctx *ctx, struct iommufd_ioas **out)
{
	IOMMUFD_CHECK(ctx, IOMMUFD_OBJ_CTX);
	struct iommu_ioas_alloc cmd = {
		.size = sizeof(cmd),
	};
	int ret;

	if (!ctx)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ctx"));
	if (!out)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!out"));
	ret = (int)iommufd_ioctl(ctx, IOMMU_IOAS_ALLOC, &cmd);
	if (ret)
		return iommufd_ret(ret);
	ret = ioas_new(ctx, cmd.out_ioas_id, out);
	if (ret)
		iommufd_destroy_id(ctx, cmd.out_ioas_id);
	return iommufd_ret(ret);
}

LIBIOMMUFD_API int iommufd_ioas_adopt(struct iommufd_ctx *ctx, uint32_t id,
				      struct iommufd_ioas **out)
{
	IOMMUFD_CHECK(ctx, IOMMUFD_OBJ_CTX);
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = id,
	};
	int ret;

	if (!ctx)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ctx"));
	if (!id)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!id"));
	if (!out)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!out"));
	/* Only an IOAS answers a ranges query; with room for none it says EMSGSIZE or 0. */
	ret = (int)iommufd_ioctl(ctx, IOMMU_IOAS_IOVA_RANGES, &cmd);
	if (ret && ret != -EMSGSIZE)
		return iommufd_ret(ret);
	iommufd_error_forget();
	return iommufd_ret(ioas_new(ctx, id, out));
}

LIBIOMMUFD_API int iommufd_ioas_destroy(struct iommufd_ioas *ioas)
{
	IOMMUFD_CHECK(ioas, IOMMUFD_OBJ_IOAS);
	int ret;

	if (!ioas)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ioas"));
	ret = iommufd_destroy_id(ioas->obj.ctx, ioas->obj.id);
	if (ret)
		return iommufd_ret(ret);
	iommufd_obj_del(&ioas->obj);
	ioas_release(&ioas->obj);
	return 0;
}

LIBIOMMUFD_API void iommufd_ioas_free(struct iommufd_ioas *ioas)
{
	IOMMUFD_CHECK(ioas, IOMMUFD_OBJ_IOAS);
	if (!ioas)
		return;
	iommufd_obj_del(&ioas->obj);
	ioas_release(&ioas->obj);
}

LIBIOMMUFD_API uint32_t iommufd_ioas_get_id(const struct iommufd_ioas *ioas)
{
	IOMMUFD_CHECK(ioas, IOMMUFD_OBJ_IOAS);
	return ioas ? ioas->obj.id : 0;
}

LIBIOMMUFD_API struct iommufd_pt *iommufd_ioas_as_pt(struct iommufd_ioas *ioas)
{
	IOMMUFD_CHECK(ioas, IOMMUFD_OBJ_IOAS);
	return ioas ? iommufd_obj_pt(&ioas->obj) : NULL;
}

LIBIOMMUFD_API struct iommufd_ctx *iommufd_ioas_get_ctx(const struct iommufd_ioas *ioas)
{
	IOMMUFD_CHECK(ioas, IOMMUFD_OBJ_IOAS);
	return ioas ? ioas->obj.ctx : NULL;
}

/* [start, start + length) must be non-empty and must not wrap around. */
static inline int check_range(uint64_t start, uint64_t length)
{
	uint64_t last;

	if (unlikely(!length))
		return iommufd_arg_error(-EINVAL, "!length");
	if (unlikely(__builtin_add_overflow(start, length - 1, &last)))
		return -EOVERFLOW;
	return 0;
}

/* map_flags() with options: out of line, the per-I/O calls pass none. */
static int map_flags_opts(const struct iommufd_ioas_map_opts *uopts, const uint64_t *iova,
			  uint64_t length, uint32_t *flags)
{
	const uint32_t known = IOMMUFD_MAP_FIXED_IOVA | IOMMUFD_MAP_WRITEABLE |
			       IOMMUFD_MAP_READABLE;
	struct iommufd_ioas_map_opts opts;
	int ret;

	ret = IOMMUFD_OPTS_LOAD(&opts, uopts, flags);
	if (ret)
		return ret;
	if (!iova)
		return iommufd_arg_error(-EINVAL, "!iova");
	if (opts.flags & ~known)
		return -EOPNOTSUPP;
	*flags = 0;
	if (opts.flags & IOMMUFD_MAP_FIXED_IOVA) {
		ret = check_range(*iova, length);
		if (ret)
			return ret;
		*flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
	}
	if (!(opts.flags & (IOMMUFD_MAP_READABLE | IOMMUFD_MAP_WRITEABLE)))
		opts.flags |= IOMMUFD_MAP_READABLE | IOMMUFD_MAP_WRITEABLE;
	if (opts.flags & IOMMUFD_MAP_READABLE)
		*flags |= IOMMU_IOAS_MAP_READABLE;
	if (opts.flags & IOMMUFD_MAP_WRITEABLE)
		*flags |= IOMMU_IOAS_MAP_WRITEABLE;
	return 0;
}

/*
 * Turns map options into the kernel's iommufd_ioas_map_flags and checks the
 * IOVA argument: an input range with FIXED_IOVA, just an output otherwise.
 * No options means an automatic IOVA, readable and writeable: nothing to load.
 */
static inline int map_flags(const struct iommufd_ioas_map_opts *uopts, const uint64_t *iova,
			    uint64_t length, uint32_t *flags)
{
	if (likely(!uopts)) {
		if (unlikely(!iova))
			return iommufd_arg_error(-EINVAL, "!iova");
		*flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
		return 0;
	}
	return map_flags_opts(uopts, iova, length, flags);
}

/* IOMMU_IOAS_MAP of checked arguments; *@iova is read only with FIXED_IOVA. */
static inline int ioas_map(struct iommufd_ioas *ioas, void *buf, uint64_t length,
			   uint64_t *iova, uint32_t flags, const char *func)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas->obj.id,
		.user_va = (uintptr_t)buf,
		.length = length,
		/* Without FIXED_IOVA *iova is an output only: never read it. */
		.iova = (flags & IOMMU_IOAS_MAP_FIXED_IOVA) ? *iova : 0,
	};
	int ret;

	ret = (int)iommufd_ioctl(ioas->obj.ctx, IOMMU_IOAS_MAP, &cmd);
	if (likely(!ret)) {
		*iova = cmd.iova;
		return 0;
	}
	return iommufd_ret_at(func, ret);
}

/*
 * Every check of iommufd_ioas_map(), in the order that decides which errno
 * a call with several bad arguments gets. Out of line: options and errors.
 * Its errors are iommufd_ioas_map()'s (the only caller).
 */
static __attribute__((noinline)) int ioas_map_checked(struct iommufd_ioas *ioas, void *buf,
						       uint64_t length, uint64_t *iova,
						       const struct iommufd_ioas_map_opts *opts)
{
	static const char func[] = "iommufd_ioas_map";
	uint32_t flags;
	int ret;

	if (unlikely(iommufd_debug_handles))
		iommufd_check_handle(ioas, IOMMUFD_OBJ_IOAS, func, "ioas");
	if (!ioas)
		return iommufd_ret_at(func, iommufd_arg_error(-EINVAL, "!ioas"));
	if (!buf)
		return iommufd_ret_at(func, iommufd_arg_error(-EINVAL, "!buf"));
	ret = check_range((uintptr_t)buf, length);
	if (ret)
		return iommufd_ret_at(func, ret);
	ret = map_flags(opts, iova, length, &flags);
	if (ret)
		return iommufd_ret_at(func, ret);
	return ioas_map(ioas, buf, length, iova, flags, func);
}

LIBIOMMUFD_API int iommufd_ioas_map(struct iommufd_ioas *ioas, void *buf, uint64_t length,
				    uint64_t *iova, const struct iommufd_ioas_map_opts *opts)
{
	uint64_t last;

	/*
	 * The per-I/O call: no options and valid arguments, checked here in
	 * one pass (what ioas_map_checked() would find acceptable). The handle
	 * check, when on, is done there too: a call here would make the fast
	 * path keep its arguments in saved registers.
	 */
	if (likely(!iommufd_debug_handles && ioas && buf && length && iova && !opts &&
		   !__builtin_add_overflow((uintptr_t)buf, length - 1, &last)))
		return ioas_map(ioas, buf, length, iova,
				IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE, __func__);
	return ioas_map_checked(ioas, buf, length, iova, opts);
}

LIBIOMMUFD_API int iommufd_ioas_map_file(struct iommufd_ioas *ioas, int fd, uint64_t start,
					 uint64_t length, uint64_t *iova,
					 const struct iommufd_ioas_map_opts *opts)
{
	IOMMUFD_CHECK(ioas, IOMMUFD_OBJ_IOAS);
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
	};
	int ret;

	if (!ioas)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ioas"));
	if (fd < 0)
		return iommufd_ret(-EBADF);
	ret = check_range(start, length);
	if (ret)
		return iommufd_ret(ret);
	ret = map_flags(opts, iova, length, &cmd.flags);
	if (ret)
		return iommufd_ret(ret);
	cmd.ioas_id = ioas->obj.id;
	cmd.fd = fd;
	cmd.start = start;
	cmd.length = length;
	cmd.iova = (cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA) ? *iova : 0;
	ret = (int)iommufd_ioctl(ioas->obj.ctx, IOMMU_IOAS_MAP_FILE, &cmd);
	if (ret)
		return iommufd_ret(ret);
	*iova = cmd.iova;
	return 0;
}

LIBIOMMUFD_API int iommufd_ioas_copy(struct iommufd_ioas *dst, struct iommufd_ioas *src,
				     uint64_t src_iova, uint64_t length, uint64_t *dst_iova,
				     const struct iommufd_ioas_map_opts *opts)
{
	IOMMUFD_CHECK(dst, IOMMUFD_OBJ_IOAS);
	IOMMUFD_CHECK(src, IOMMUFD_OBJ_IOAS);
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
	};
	int ret;

	if (!dst)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!dst"));
	if (!src)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!src"));
	if (dst->obj.ctx != src->obj.ctx)
		return iommufd_ret(iommufd_arg_error(-EINVAL,
						     "dst and src are of different contexts"));
	ret = check_range(src_iova, length);
	if (ret)
		return iommufd_ret(ret);
	ret = map_flags(opts, dst_iova, length, &cmd.flags);
	if (ret)
		return iommufd_ret(ret);
	cmd.dst_ioas_id = dst->obj.id;
	cmd.src_ioas_id = src->obj.id;
	cmd.length = length;
	cmd.dst_iova = (cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA) ? *dst_iova : 0;
	cmd.src_iova = src_iova;
	ret = (int)iommufd_ioctl(dst->obj.ctx, IOMMU_IOAS_COPY, &cmd);
	if (ret)
		return iommufd_ret(ret);
	*dst_iova = cmd.dst_iova;
	return 0;
}

static inline int ioas_unmap(struct iommufd_ioas *ioas, uint64_t iova, uint64_t length,
			     uint64_t *unmapped, const char *func)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas->obj.id,
		.iova = iova,
		.length = length,
	};
	int ret;

	ret = (int)iommufd_ioctl(ioas->obj.ctx, IOMMU_IOAS_UNMAP, &cmd);
	if (likely(!ret)) {
		if (unmapped)
			*unmapped = cmd.length;
		return 0;
	}
	return iommufd_ret_at(func, ret);
}

/* Every check of iommufd_ioas_unmap(), out of line as for map. */
static __attribute__((noinline)) int ioas_unmap_checked(struct iommufd_ioas *ioas, uint64_t iova,
							 uint64_t length, uint64_t *unmapped)
{
	static const char func[] = "iommufd_ioas_unmap";
	int ret;

	if (unlikely(iommufd_debug_handles))
		iommufd_check_handle(ioas, IOMMUFD_OBJ_IOAS, func, "ioas");
	if (!ioas)
		return iommufd_ret_at(func, iommufd_arg_error(-EINVAL, "!ioas"));
	ret = check_range(iova, length);
	if (ret)
		return iommufd_ret_at(func, ret);
	return ioas_unmap(ioas, iova, length, unmapped, func);
}

LIBIOMMUFD_API int iommufd_ioas_unmap(struct iommufd_ioas *ioas, uint64_t iova,
				      uint64_t length, uint64_t *unmapped)
{
	uint64_t last;

	if (likely(!iommufd_debug_handles && ioas && length &&
		   !__builtin_add_overflow(iova, length - 1, &last)))
		return ioas_unmap(ioas, iova, length, unmapped, __func__);
	return ioas_unmap_checked(ioas, iova, length, unmapped);
}

LIBIOMMUFD_API int iommufd_ioas_unmap_all(struct iommufd_ioas *ioas, uint64_t *unmapped)
{
	IOMMUFD_CHECK(ioas, IOMMUFD_OBJ_IOAS);
	if (!ioas)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ioas"));
	/* The kernel reads iova 0 with length UINT64_MAX as "everything". */
	return ioas_unmap(ioas, 0, UINT64_MAX, unmapped, __func__);
}

static int iova_ranges(struct iommufd_ioas *ioas, struct iommufd_iova_range *ranges,
		       uint32_t *num, uint64_t *alignment)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas->obj.id,
		.num_iovas = *num,
		.allowed_iovas = (uintptr_t)ranges,
	};
	int ret;

	ret = (int)iommufd_ioctl(ioas->obj.ctx, IOMMU_IOAS_IOVA_RANGES, &cmd);
	if (ret && ret != -EMSGSIZE)
		return ret;
	/* EMSGSIZE still reports the count and the alignment. */
	*num = cmd.num_iovas;
	if (alignment)
		*alignment = cmd.out_iova_alignment;
	return ret;
}

LIBIOMMUFD_API int iommufd_ioas_get_iova_ranges(struct iommufd_ioas *ioas,
						struct iommufd_iova_range *ranges,
						uint32_t *num, uint64_t *alignment)
{
	IOMMUFD_CHECK(ioas, IOMMUFD_OBJ_IOAS);
	if (!ioas)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ioas"));
	if (!num)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!num"));
	if ((!ranges && *num))
		return iommufd_ret(iommufd_arg_error(-EINVAL, "(!ranges && *num)"));
	return iommufd_ret(iova_ranges(ioas, ranges, num, alignment));
}

LIBIOMMUFD_API int iommufd_ioas_get_iova_ranges_alloc(struct iommufd_ioas *ioas,
						      struct iommufd_iova_range **ranges,
						      uint32_t *num, uint64_t *alignment)
{
	IOMMUFD_CHECK(ioas, IOMMUFD_OBJ_IOAS);
	struct iommufd_iova_range *buf = NULL;
	uint32_t count = 0;
	int tries, ret;

	if (!ioas)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ioas"));
	if (!ranges)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ranges"));
	if (!num)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!num"));
	/* The ranges may change between asking for the count and reading them. */
	for (tries = 0; tries < IOVA_RANGES_TRIES; tries++) {
		uint32_t cap = count;

		ret = iova_ranges(ioas, buf, &count, alignment);
		if (ret != -EMSGSIZE)
			break;
		free(buf);
		buf = NULL;
		if (count > cap) {
			buf = calloc(count, sizeof(*buf));
			if (!buf)
				return iommufd_ret(-ENOMEM);
		}
	}
	if (ret == -EMSGSIZE)
		ret = -EAGAIN;
	if (ret) {
		free(buf);
		return iommufd_ret(ret);
	}
	if (!count) {
		free(buf);
		buf = NULL;
	}
	*ranges = buf;
	*num = count;
	return 0;
}

LIBIOMMUFD_API int iommufd_ioas_allow_iovas(struct iommufd_ioas *ioas,
					    const struct iommufd_iova_range *ranges,
					    uint32_t num)
{
	IOMMUFD_CHECK(ioas, IOMMUFD_OBJ_IOAS);
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
	};
	uint32_t i;

	if (!ioas)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ioas"));
	if ((num && !ranges))
		return iommufd_ret(iommufd_arg_error(-EINVAL, "(num && !ranges)"));
	for (i = 0; i < num; i++) {
		if (ranges[i].start > ranges[i].last)
			return iommufd_ret(iommufd_arg_error(-EINVAL,
							     "ranges[i].start > ranges[i].last"));
	}
	cmd.ioas_id = ioas->obj.id;
	cmd.num_iovas = num;
	cmd.allowed_iovas = (uintptr_t)ranges;
	return iommufd_ret((int)iommufd_ioctl(ioas->obj.ctx, IOMMU_IOAS_ALLOW_IOVAS, &cmd));
}

LIBIOMMUFD_API int iommufd_ioas_get_huge_pages(struct iommufd_ioas *ioas, bool *enabled)
{
	IOMMUFD_CHECK(ioas, IOMMUFD_OBJ_IOAS);
	uint64_t val = 0;
	int ret;

	if (!ioas)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ioas"));
	if (!enabled)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!enabled"));
	ret = iommufd_option(ioas->obj.ctx, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET,
			     ioas->obj.id, &val);
	if (ret)
		return iommufd_ret(ret);
	*enabled = val != 0;
	return 0;
}

LIBIOMMUFD_API int iommufd_ioas_set_huge_pages(struct iommufd_ioas *ioas, bool enabled)
{
	IOMMUFD_CHECK(ioas, IOMMUFD_OBJ_IOAS);
	uint64_t val = enabled;

	if (!ioas)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ioas"));
	return iommufd_ret(iommufd_option(ioas->obj.ctx, IOMMU_OPTION_HUGE_PAGES,
					  IOMMU_OPTION_OP_SET, ioas->obj.id, &val));
}
