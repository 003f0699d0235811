// SPDX-License-Identifier: MIT
/*
 * fault.c - fault queue handles: IOMMU_FAULT_QUEUE_ALLOC, the queue's file
 * (reads of whole fault groups, page responses by cookie) and the
 * close-then-destroy order the kernel needs.
 */
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

/* Faults are read straight into the caller's records: same layout as the kernel's. */
#define SAME_FIELD(field, kfield)                                                           \
	_Static_assert(offsetof(struct iommufd_fault_record, field) ==                     \
			       offsetof(struct iommu_hwpt_pgfault, kfield) &&               \
		       sizeof(((struct iommufd_fault_record *)0)->field) ==                 \
			       sizeof(((struct iommu_hwpt_pgfault *)0)->kfield),            \
		       #field)
_Static_assert(sizeof(struct iommufd_fault_record) == sizeof(struct iommu_hwpt_pgfault),
	       "fault record size");
_Static_assert(sizeof(struct iommu_hwpt_pgfault) == 40, "kernel fault record size");
SAME_FIELD(flags, flags);
SAME_FIELD(dev_id, dev_id);
SAME_FIELD(pasid, pasid);
SAME_FIELD(grpid, grpid);
SAME_FIELD(perm, perm);
SAME_FIELD(reserved, __reserved);
SAME_FIELD(addr, addr);
SAME_FIELD(length, length);
SAME_FIELD(cookie, cookie);

#define SAME_VALUE(lib, kernel) _Static_assert((int)(lib) == (int)(kernel), #lib)
SAME_VALUE(IOMMUFD_FAULT_PASID_VALID, IOMMU_PGFAULT_FLAGS_PASID_VALID);
SAME_VALUE(IOMMUFD_FAULT_LAST_PAGE, IOMMU_PGFAULT_FLAGS_LAST_PAGE);
SAME_VALUE(IOMMUFD_FAULT_PERM_READ, IOMMU_PGFAULT_PERM_READ);
SAME_VALUE(IOMMUFD_FAULT_PERM_WRITE, IOMMU_PGFAULT_PERM_WRITE);
SAME_VALUE(IOMMUFD_FAULT_PERM_EXEC, IOMMU_PGFAULT_PERM_EXEC);
SAME_VALUE(IOMMUFD_FAULT_PERM_PRIV, IOMMU_PGFAULT_PERM_PRIV);
SAME_VALUE(IOMMUFD_FAULT_RESPONSE_SUCCESS, IOMMUFD_PAGE_RESP_SUCCESS);
SAME_VALUE(IOMMUFD_FAULT_RESPONSE_INVALID, IOMMUFD_PAGE_RESP_INVALID);

static void fault_release(struct iommufd_obj *obj)
{
	struct iommufd_fault *fault = (struct iommufd_fault *)obj;

	if (fault->fd >= 0)
		close(fault->fd);
	iommufd_obj_free(&fault->obj);
}

int iommufd_fault_new(struct iommufd_ctx *ctx, uint32_t id, int fd, struct iommufd_fault **out)
{
	struct iommufd_fault *fault = calloc(1, sizeof(*fault));

	if (!fault)
		return -ENOMEM;
	fault->fd = fd;
	iommufd_obj_add(ctx, &fault->obj, IOMMUFD_OBJ_FAULT, id, fault_release);
	*out = fault;
	return 0;
}

LIBIOMMUFD_API int iommufd_fault_alloc(struct iommufd_ctx *ctx,
				       const struct iommufd_fault_alloc_opts *uopts,
				       struct iommufd_fault **out)
{
	IOMMUFD_CHECK(ctx, IOMMUFD_OBJ_CTX);
	struct iommufd_fault_alloc_opts opts;
	struct iommu_fault_alloc cmd = {
		.size = sizeof(cmd),
	};
	int ret;

	ret = IOMMUFD_OPTS_LOAD(&opts, uopts, flags);
	if (ret)
		return iommufd_ret(ret);
	if (!ctx)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ctx"));
	if (!out)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!out"));
	if (opts.flags)
		return iommufd_ret(-EOPNOTSUPP);
	ret = (int)iommufd_ioctl(ctx, IOMMU_FAULT_QUEUE_ALLOC, &cmd);
	if (ret)
		return iommufd_ret(ret);
	ret = iommufd_fault_new(ctx, cmd.out_fault_id, (int)cmd.out_fault_fd, out);
	if (ret) {
		close((int)cmd.out_fault_fd);
		iommufd_destroy_id(ctx, cmd.out_fault_id);
	}
	return iommufd_ret(ret);
}

LIBIOMMUFD_API int iommufd_fault_destroy(struct iommufd_fault *fault)
{
	IOMMUFD_CHECK(fault, IOMMUFD_OBJ_FAULT);
	int ret;

	if (!fault)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!fault"));
	/* The open file holds the object: the kernel refuses the destroy until it is closed. */
	if (fault->fd >= 0) {
		close(fault->fd);
		fault->fd = -1;
	}
	ret = iommufd_destroy_id(fault->obj.ctx, fault->obj.id);
	if (ret)
		return iommufd_ret(ret);
	iommufd_obj_del(&fault->obj);
	fault_release(&fault->obj);
	return 0;
}

LIBIOMMUFD_API uint32_t iommufd_fault_get_id(const struct iommufd_fault *fault)
{
	IOMMUFD_CHECK(fault, IOMMUFD_OBJ_FAULT);
	return fault ? fault->obj.id : 0;
}

LIBIOMMUFD_API struct iommufd_ctx *iommufd_fault_get_ctx(const struct iommufd_fault *fault)
{
	IOMMUFD_CHECK(fault, IOMMUFD_OBJ_FAULT);
	return fault ? fault->obj.ctx : NULL;
}

LIBIOMMUFD_API int iommufd_fault_get_fd(const struct iommufd_fault *fault)
{
	IOMMUFD_CHECK(fault, IOMMUFD_OBJ_FAULT);
	if (!fault)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!fault"));
	if (fault->fd < 0)
		return iommufd_ret(-EBADF);
	return fault->fd;
}

LIBIOMMUFD_API int iommufd_fault_read(struct iommufd_fault *fault,
				      struct iommufd_fault_record *records, size_t max)
{
	IOMMUFD_CHECK(fault, IOMMUFD_OBJ_FAULT);
	const size_t rec = sizeof(*records);
	ssize_t n;

	if (!fault)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!fault"));
	if (!records)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!records"));
	if (!max)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!max"));
	if (fault->fd < 0)
		return iommufd_ret(-EBADF);
	/* The count is returned as an int; asking for fewer records is always allowed. */
	if (max > INT_MAX / rec)
		max = INT_MAX / rec;
	n = read(fault->fd, records, max * rec);
	if (n < 0) {
		/* The kernel never blocks here; a file others set non-blocking may say EAGAIN. */
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return iommufd_ret(-errno);
	}
	/* The kernel hands out whole records only. */
	if ((size_t)n % rec)
		return iommufd_ret(-EIO);
	return (int)((size_t)n / rec);
}

LIBIOMMUFD_API int iommufd_fault_respond(struct iommufd_fault *fault, uint32_t cookie,
					 enum iommufd_fault_response code)
{
	IOMMUFD_CHECK(fault, IOMMUFD_OBJ_FAULT);
	struct iommu_hwpt_page_response resp = {
		.cookie = cookie,
	};
	ssize_t n;

	if (!fault)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!fault"));
	switch (code) {
	case IOMMUFD_FAULT_RESPONSE_SUCCESS:
		resp.code = IOMMUFD_PAGE_RESP_SUCCESS;
		break;
	case IOMMUFD_FAULT_RESPONSE_INVALID:
		resp.code = IOMMUFD_PAGE_RESP_INVALID;
		break;
	default:
		return iommufd_ret(iommufd_arg_error(-EINVAL, "code is no iommufd_fault_response"));
	}
	if (fault->fd < 0)
		return iommufd_ret(-EBADF);
	n = write(fault->fd, &resp, sizeof(resp));
	if (n < 0)
		return iommufd_ret(-errno);
	if ((size_t)n != sizeof(resp))
		return iommufd_ret(-EIO);
	return 0;
}
