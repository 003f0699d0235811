// SPDX-License-Identifier: MIT
/*
 * errors.c - library-wide services that belong to no object: describing
 * error codes in iommufd terms and telling the library version.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* What an errno means when the iommufd kernel interface returns it. */
static const struct {
	int err;
	const char *msg;
} iommufd_errors[] = {
	{ EBUSY, "Object in use: devices, page tables or accesses still depend on it" },
	{ ENOENT, "No such object id, or nothing mapped at that IOVA range "
		  "(unmap must cover whole mappings)" },
	{ EEXIST, "IOVA range already mapped, or object already exists" },
	{ EINVAL, "Invalid argument (bad size, flags, alignment or reserved IOVA)" },
	{ EOVERFLOW, "Address range wraps around or is too large" },
	{ E2BIG, "Unknown non-zero fields in an extensible struct (newer than the kernel "
		 "or library)" },
	{ ENOTTY, "Command not supported by this kernel, or not an iommufd file" },
	{ EOPNOTSUPP, "Flag, option or type not supported" },
	{ EFAULT, "Bad user memory address (unmapped buffer or argument)" },
	{ ENOMEM, "Out of memory, or RLIMIT_MEMLOCK exceeded by pinned pages" },
	{ ENOSPC, "No free IOVA range large enough" },
	{ EADDRINUSE, "IOVA range conflicts with a reserved or allowed range" },
	{ EMSGSIZE, "Output array too small: the count tells the size needed" },
	{ EPERM, "Operation needs a privilege (e.g. CAP_SYS_RESOURCE)" },
	{ ENODEV, "No such device, or no compatibility IOAS set" },
	{ EBADF, "Bad file descriptor" },
	{ EAGAIN, "State kept changing while being read; try again" },
};

LIBIOMMUFD_API const char *iommufd_strerror(int err)
{
	size_t i;

	if (err < 0)
		err = err == INT32_MIN ? INT32_MAX : -err; /* -INT32_MIN does not exist */
	if (!err)
		return "Success";
	for (i = 0; i < ARRAY_SIZE(iommufd_errors); i++) {
		if (iommufd_errors[i].err == err)
			return iommufd_errors[i].msg;
	}
#ifdef HAVE_STRERRORDESC_NP
	{
		const char *desc = strerrordesc_np(err);

		if (desc)
			return desc;
	}
#endif
	return "Unknown error";
}

LIBIOMMUFD_API const char *iommufd_version(void)
{
	return IOMMUFD_VERSION_STRING;
}
