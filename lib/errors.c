// SPDX-License-Identifier: MIT
/*
 * errors.c - library-wide services that belong to no object: describing
 * error codes, the per-thread record of the last failure
 * (iommufd_last_error()) and the library version.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/*
 * What an errno means, for any libiommufd call; iommufd_last_error() has
 * the call's own words. The names are for messages (strerrorname_np() is
 * not in every C library).
 */
static const struct {
	int err;
	const char *name;
	const char *msg;
} iommufd_errors[] = {
	{ EBUSY, "EBUSY", "Object in use: devices, page tables or queues depend on it" },
	{ ENOENT, "ENOENT", "No such object, file or mapping" },
	{ EEXIST, "EEXIST", "Already exists or already in use" },
	{ EINVAL, "EINVAL", "Invalid argument (iommufd_last_error() tells which)" },
	{ EOVERFLOW, "EOVERFLOW", "Address range wraps around or is too large" },
	{ E2BIG, "E2BIG", "Unknown non-zero fields in an extensible struct (newer than the kernel "
			  "or library)" },
	{ ENOTTY, "ENOTTY", "Command not supported by this kernel, or not an iommufd/VFIO file" },
	{ EOPNOTSUPP, "EOPNOTSUPP", "Flag, option or type not supported" },
	{ EFAULT, "EFAULT", "Bad user memory address (unmapped buffer or argument)" },
	{ ENOMEM, "ENOMEM", "Out of memory, or RLIMIT_MEMLOCK exceeded by pinned pages" },
	{ ENOSPC, "ENOSPC", "No free space (IOVA range, queue or table) large enough" },
	{ EADDRINUSE, "EADDRINUSE", "Address range conflicts with a reserved or allowed range" },
	{ EMSGSIZE, "EMSGSIZE", "Output array too small: the count tells the size needed" },
	{ EPERM, "EPERM", "Operation needs a privilege (e.g. CAP_SYS_RESOURCE)" },
	{ ENODEV, "ENODEV", "No such device, or no compatibility IOAS set" },
	{ EBADF, "EBADF", "Bad file descriptor" },
	{ EAGAIN, "EAGAIN", "Nothing to read now, or state kept changing; try again" },
	{ EIO, "EIO", "Input/output error" },
	{ EACCES, "EACCES", "Permission denied" },
	{ ENXIO, "ENXIO", "No such device or address" },
};

static const char *errno_name(int err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(iommufd_errors); i++) {
		if (iommufd_errors[i].err == err)
			return iommufd_errors[i].name;
	}
	return NULL;
}

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

/* The ioctls the library issues, by name, for messages. */
#define IOCTL_NAME(cmd) { cmd, #cmd }
static const struct {
	unsigned long cmd;
	const char *name;
} ioctl_names[] = {
	IOCTL_NAME(IOMMU_DESTROY),
	IOCTL_NAME(IOMMU_IOAS_ALLOC),
	IOCTL_NAME(IOMMU_IOAS_ALLOW_IOVAS),
	IOCTL_NAME(IOMMU_IOAS_COPY),
	IOCTL_NAME(IOMMU_IOAS_IOVA_RANGES),
	IOCTL_NAME(IOMMU_IOAS_MAP),
	IOCTL_NAME(IOMMU_IOAS_MAP_FILE),
	IOCTL_NAME(IOMMU_IOAS_UNMAP),
	IOCTL_NAME(IOMMU_IOAS_CHANGE_PROCESS),
	IOCTL_NAME(IOMMU_OPTION),
	IOCTL_NAME(IOMMU_HWPT_ALLOC),
	IOCTL_NAME(IOMMU_GET_HW_INFO),
	IOCTL_NAME(IOMMU_HWPT_SET_DIRTY_TRACKING),
	IOCTL_NAME(IOMMU_HWPT_GET_DIRTY_BITMAP),
	IOCTL_NAME(IOMMU_HWPT_INVALIDATE),
	IOCTL_NAME(IOMMU_FAULT_QUEUE_ALLOC),
	IOCTL_NAME(IOMMU_VIOMMU_ALLOC),
	IOCTL_NAME(IOMMU_VDEVICE_ALLOC),
	IOCTL_NAME(IOMMU_VEVENTQ_ALLOC),
	IOCTL_NAME(IOMMU_HW_QUEUE_ALLOC),
	IOCTL_NAME(VFIO_GET_API_VERSION),
	IOCTL_NAME(VFIO_DEVICE_BIND_IOMMUFD),
	IOCTL_NAME(VFIO_DEVICE_ATTACH_IOMMUFD_PT),
	IOCTL_NAME(VFIO_DEVICE_DETACH_IOMMUFD_PT),
	IOCTL_NAME(VFIO_DEVICE_GET_INFO),
	IOCTL_NAME(VFIO_DEVICE_GET_REGION_INFO),
	IOCTL_NAME(VFIO_DEVICE_RESET),
	IOCTL_NAME(VFIO_DEVICE_GET_IRQ_INFO),
	IOCTL_NAME(VFIO_DEVICE_SET_IRQS),
};

/* What an errno means for one ioctl, where that says more than the generic text. */
static const struct {
	unsigned long cmd;
	int err;
	const char *msg;
} ioctl_errors[] = {
	{ IOMMU_DESTROY, EBUSY, "the object is still in use: devices are attached to it, or "
				"HWPTs, vIOMMUs, vDEVICEs or queues are built on it" },
	{ IOMMU_DESTROY, ENOENT, "no object has this id (destroyed already?)" },
	{ IOMMU_IOAS_MAP, EINVAL, "a bad flag, an IOVA or length not aligned to the IOAS's page "
				  "size, or an IOVA range that is reserved or not allowed" },
	{ IOMMU_IOAS_MAP_FILE, EINVAL, "a bad flag, an IOVA, offset or length not aligned to the "
				       "IOAS's page size, a reserved IOVA range, or a file "
				       "that cannot be pinned (memfd and hugetlbfs files can)" },
	{ IOMMU_IOAS_COPY, EINVAL, "a bad flag, an unaligned IOVA or length, or a reserved IOVA "
				   "range in the destination" },
	{ IOMMU_IOAS_MAP, EEXIST, "the fixed IOVA range is already mapped" },
	{ IOMMU_IOAS_MAP_FILE, EEXIST, "the fixed IOVA range is already mapped" },
	{ IOMMU_IOAS_COPY, EEXIST, "the fixed destination IOVA range is already mapped" },
	{ IOMMU_IOAS_MAP, ENOSPC, "no free IOVA range of the IOAS is large enough" },
	{ IOMMU_IOAS_MAP, EFAULT, "the buffer is not (all) mapped in this process" },
	{ IOMMU_IOAS_MAP, ENOMEM, "out of memory, or the pinned pages exceed RLIMIT_MEMLOCK" },
	{ IOMMU_IOAS_COPY, ENOENT, "nothing is mapped over the whole source range" },
	{ IOMMU_IOAS_UNMAP, ENOENT, "nothing is mapped in the range, or the range cuts a mapping "
				    "(unmap whole mappings)" },
	{ IOMMU_IOAS_ALLOW_IOVAS, EBUSY, "mappings or reserved ranges lie outside the allowed "
					 "ranges" },
	{ IOMMU_HWPT_ALLOC, EINVAL, "the parent cannot serve this device: a nested HWPT needs a "
				    "NEST_PARENT HWPT or a vIOMMU of the device's IOMMU and valid "
				    "data of its type" },
	{ IOMMU_HWPT_ALLOC, EOPNOTSUPP, "the IOMMU cannot do these flags or this data type" },
	{ IOMMU_HWPT_ALLOC, ENOENT, "the device, parent or fault queue is gone" },
	{ IOMMU_HWPT_INVALIDATE, EINVAL, "an entry is invalid, or the data type is not the one of "
					 "this HWPT or vIOMMU" },
	{ IOMMU_HWPT_SET_DIRTY_TRACKING, EOPNOTSUPP, "the HWPT was not allocated with "
						     "IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING" },
	{ IOMMU_HWPT_GET_DIRTY_BITMAP, EINVAL, "the range is not aligned to the page size, or "
					       "the HWPT is no paging HWPT" },
	{ IOMMU_VIOMMU_ALLOC, EOPNOTSUPP, "the IOMMU has no vIOMMU of this type" },
	{ IOMMU_VIOMMU_ALLOC, EINVAL, "the parent is no NEST_PARENT HWPT of the device's IOMMU, "
				      "or the driver data is invalid" },
	{ IOMMU_VDEVICE_ALLOC, EEXIST, "the device already has a vDEVICE on this vIOMMU, or the "
				       "virtual id is taken" },
	{ IOMMU_VEVENTQ_ALLOC, EEXIST, "the vIOMMU already has a vEVENTQ of this type" },
	{ VFIO_DEVICE_BIND_IOMMUFD, EINVAL, "the device is already bound to an iommufd, or the "
					    "file is no iommufd" },
	{ VFIO_DEVICE_BIND_IOMMUFD, EBUSY, "the device is in use through another path (group or "
					   "cdev)" },
	{ VFIO_DEVICE_ATTACH_IOMMUFD_PT, EINVAL, "this page table cannot serve this device "
						 "(another IOMMU, a HWPT without PASID "
						 "support, or a nested HWPT without the "
						 "device's vDEVICE)" },
	{ VFIO_DEVICE_ATTACH_IOMMUFD_PT, ENOENT, "the page table is gone" },
	{ VFIO_DEVICE_GET_IRQ_INFO, ENOTTY, "the device's driver offers no interrupts" },
	{ VFIO_DEVICE_SET_IRQS, ENOTTY, "this action is not supported on this interrupt index "
					"(vfio-pci masks and unmasks INTx only)" },
	{ VFIO_DEVICE_SET_IRQS, EINVAL, "vectors beyond the index's count, an index not enabled, "
					"or an MSI/MSI-X resize while enabled" },
};

/*
 * The error record of this thread. A failure is noted as "pending" where it
 * happens (an ioctl, an argument check) and committed with the name of the
 * public function when that returns it (iommufd_ret()); the text is made
 * only when asked for.
 */
struct err_record {
	int err;                 /* positive errno; 0: none */
	enum iommufd_error_origin origin;
	const char *func;        /* the public function */
	const char *what;        /* the failed check (library) */
	unsigned long cmd;       /* the ioctl (kernel) */
};

static _Thread_local struct {
	struct err_record pending, last;
	bool formatted;
	char msg[384];
} err_tls;

long iommufd_ioctl_errno(unsigned long cmd)
{
	int err = errno > 0 ? errno : EIO;

	err_tls.pending = (struct err_record){ .err = err, .origin = IOMMUFD_ERROR_KERNEL,
					       .cmd = cmd };
	return -err;
}

int iommufd_arg_error(int err, const char *what)
{
	err_tls.pending = (struct err_record){ .err = -err, .origin = IOMMUFD_ERROR_LIBRARY,
					       .what = what };
	return err;
}

void iommufd_error_forget(void)
{
	err_tls.pending.err = 0;
}

int iommufd_ret_errno(const char *func, int ret)
{
	int err = ret == INT32_MIN ? INT32_MAX : -ret;

	if (err_tls.pending.err == err) {
		err_tls.last = err_tls.pending;
	} else {
		/* memory, a system call, a queue's contents: the library's own failure */
		err_tls.last = (struct err_record){ .err = err,
						    .origin = IOMMUFD_ERROR_LIBRARY };
	}
	err_tls.last.func = func;
	err_tls.pending.err = 0;
	err_tls.formatted = false;
	errno = err;
	return ret;
}

static const char *ioctl_name(unsigned long cmd)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ioctl_names); i++) {
		if (ioctl_names[i].cmd == cmd)
			return ioctl_names[i].name;
	}
	return NULL;
}

static const char *ioctl_error(unsigned long cmd, int err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ioctl_errors); i++) {
		if (ioctl_errors[i].cmd == cmd && ioctl_errors[i].err == err)
			return ioctl_errors[i].msg;
	}
	if (err == ENOTTY)
		return "the kernel has no such ioctl (too old, or not built with it), or the file "
		       "is not the right kind";
	return iommufd_strerror(err);
}

/* "!name" with name a plain variable or member access: the argument is NULL or 0. */
static bool is_null_check(const char *what)
{
	if (what[0] != '!' || !what[1])
		return false;
	return !what[1 + strspn(what + 1, "abcdefghijklmnopqrstuvwxyz0123456789_.->")];
}

static void format_last(void)
{
	const struct err_record *e = &err_tls.last;
	const char *name = errno_name(e->err);
	char ebuf[16];

	if (!name) {
		snprintf(ebuf, sizeof(ebuf), "errno %d", e->err);
		name = ebuf;
	}
	if (e->origin == IOMMUFD_ERROR_KERNEL) {
		const char *ioctl = ioctl_name(e->cmd);
		char cbuf[32];

		if (!ioctl) {
			snprintf(cbuf, sizeof(cbuf), "ioctl %#lx", e->cmd);
			ioctl = cbuf;
		}
		snprintf(err_tls.msg, sizeof(err_tls.msg), "%s: the kernel failed %s with %s: %s",
			 e->func, ioctl, name, ioctl_error(e->cmd, e->err));
	} else if (e->what && is_null_check(e->what)) {
		snprintf(err_tls.msg, sizeof(err_tls.msg),
			 "%s: %s from the library's argument check (the kernel was not asked): "
			 "%s is NULL or 0", e->func, name, e->what + 1);
	} else if (e->what) {
		snprintf(err_tls.msg, sizeof(err_tls.msg),
			 "%s: %s from the library's argument check (the kernel was not asked): "
			 "failed check '%s'", e->func, name, e->what);
	} else {
		snprintf(err_tls.msg, sizeof(err_tls.msg), "%s: %s in the library: %s", e->func,
			 name, iommufd_strerror(e->err));
	}
	err_tls.formatted = true;
}

LIBIOMMUFD_API const char *iommufd_last_error(void)
{
	if (!err_tls.last.err)
		return "";
	if (!err_tls.formatted)
		format_last();
	return err_tls.msg;
}

LIBIOMMUFD_API enum iommufd_error_origin iommufd_last_error_origin(void)
{
	return err_tls.last.err ? err_tls.last.origin : IOMMUFD_ERROR_NONE;
}

LIBIOMMUFD_API const char *iommufd_version(void)
{
	return IOMMUFD_VERSION_STRING;
}
