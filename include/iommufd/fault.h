/* SPDX-License-Identifier: MIT */
/*
 * iommufd/fault.h - I/O page fault queues: the object a nested HWPT sends
 * its devices' page requests to, the file they are read from and the
 * responses written back.
 */
#ifndef IOMMUFD_FAULT_H
#define IOMMUFD_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include <iommufd/common.h>
#include <iommufd/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup fault Fault queues (IOPF)
 *
 * A fault queue (IOMMU_FAULT_QUEUE_ALLOC, Linux 6.11) collects the I/O page
 * faults (PCI PRI page requests) of the devices attached to HWPTs allocated
 * with IOMMUFD_HWPT_ALLOC_FAULT_ID and the queue's id. The kernel hands the
 * faults to user space through a file: iommufd_fault_read() reads them,
 * iommufd_fault_respond() answers a fault group by its cookie. Use
 * iommufd_fault_get_fd() to wait for faults in an event loop (the file is
 * readable while faults are pending), or let @ref event_loop do it.
 *
 * Faults come in groups (one PRI page request group): the kernel always
 * reads whole groups, gives every record of a group the same cookie, and
 * marks the group's last record with IOMMUFD_FAULT_LAST_PAGE. One response
 * answers the whole group.
 *
 * Reads never block: an empty queue reads as 0 records.
 *
 * Thread safety: reads and responses on one handle may come from several
 * threads (the kernel serialises them); destroy must be the last call.
 *
 * @{
 */

/** A fault queue of a context (opaque). */
struct iommufd_fault;

/** Options of iommufd_fault_alloc(); declare with @ref IOMMUFD_OPTS. */
struct iommufd_fault_alloc_opts {
	/** Size of this struct as the caller knows it: sizeof(struct iommufd_fault_alloc_opts). */
	size_t sz;
	/** Flags for the kernel; none are defined, must be 0. */
	uint32_t flags;
	/** Reserved (names the tail padding, so that every byte is defined); must be 0. */
	uint32_t reserved;
};

/** Bits of iommufd_fault_record::flags (the kernel's values). */
enum iommufd_fault_flags {
	/** iommufd_fault_record::pasid is valid: the request came with a PASID. */
	IOMMUFD_FAULT_PASID_VALID = 1 << 0,
	/** The last record of its group: respond to the group after handling it. */
	IOMMUFD_FAULT_LAST_PAGE = 1 << 1,
};

/** Bits of iommufd_fault_record::perm, the access the device asked for. */
enum iommufd_fault_perm {
	IOMMUFD_FAULT_PERM_READ = 1 << 0,  /**< Read access. */
	IOMMUFD_FAULT_PERM_WRITE = 1 << 1, /**< Write access. */
	IOMMUFD_FAULT_PERM_EXEC = 1 << 2,  /**< Execute access. */
	IOMMUFD_FAULT_PERM_PRIV = 1 << 3,  /**< Privileged access. */
};

/**
 * One I/O page fault. The layout is the kernel's (struct iommu_hwpt_pgfault,
 * 40 bytes), so faults are read straight into an array of these.
 */
struct iommufd_fault_record {
	/** Bits of enum iommufd_fault_flags. */
	uint32_t flags;
	/** The id (in the context) of the device that faulted. */
	uint32_t dev_id;
	/** The PASID, valid with IOMMUFD_FAULT_PASID_VALID. */
	uint32_t pasid;
	/** The page request group index the device gave. */
	uint32_t grpid;
	/** Bits of enum iommufd_fault_perm. */
	uint32_t perm;
	/** Zero. */
	uint32_t reserved;
	/** The faulting address (an IOVA of the device's stage-1 table). */
	uint64_t addr;
	/** Zero: the kernel reports single pages. */
	uint32_t length;
	/** The group's cookie, to pass to iommufd_fault_respond(). */
	uint32_t cookie;
};

/** Response codes of iommufd_fault_respond() (the kernel's values). */
enum iommufd_fault_response {
	/** The fault is handled: the device retries the access. */
	IOMMUFD_FAULT_RESPONSE_SUCCESS = 0,
	/** The request is invalid: the device gives up (no retry). */
	IOMMUFD_FAULT_RESPONSE_INVALID = 1,
};

/**
 * Allocates a fault queue (IOMMU_FAULT_QUEUE_ALLOC). The kernel creates the
 * queue's file close-on-exec; the handle owns that fd and closes it in
 * iommufd_fault_destroy() (or iommufd_ctx_close()). A child made with fork()
 * shares the file: closing the handle's fd does not release the queue while
 * a copy of the fd stays open anywhere.
 *
 * @param ctx  the context
 * @param opts NULL or options
 * @param[out] out the new fault queue
 * @return 0, or a negative errno: -EINVAL (NULL @p ctx or @p out),
 *         -EOPNOTSUPP (flags), -E2BIG (unknown options), -ENOTTY (kernel
 *         older than 6.11), -EMFILE, -ENOMEM
 */
LIBIOMMUFD_API int iommufd_fault_alloc(struct iommufd_ctx *ctx,
				       const struct iommufd_fault_alloc_opts *opts,
				       struct iommufd_fault **out);

/**
 * Closes the queue's file, then destroys the queue in the kernel
 * (IOMMU_DESTROY), and frees the handle. This order is the kernel's: the
 * open file holds the object. HWPTs allocated with the queue's id hold it
 * too and must be destroyed first.
 *
 * On failure the handle stays valid but its file is already closed
 * (iommufd_fault_get_fd() gives -EBADF); call it again once the HWPTs are
 * gone.
 *
 * @param fault the fault queue
 * @return 0, or a negative errno: -EINVAL (NULL @p fault), -EBUSY (a HWPT,
 *         or a copy of the fd, still holds the queue)
 */
LIBIOMMUFD_API int iommufd_fault_destroy(struct iommufd_fault *fault);

/**
 * The kernel id of a fault queue (as the fault records of HWPTs name it).
 *
 * @param fault the fault queue
 * @return the id, or 0 (never a valid id) for a NULL @p fault
 */
LIBIOMMUFD_API uint32_t iommufd_fault_get_id(const struct iommufd_fault *fault);

/**
 * The context a fault queue belongs to.
 *
 * @param fault the fault queue
 * @return the context, or NULL for a NULL @p fault
 */
LIBIOMMUFD_API struct iommufd_ctx *iommufd_fault_get_ctx(const struct iommufd_fault *fault);

/**
 * The queue's file descriptor, to wait on with poll(2)/epoll(7) (readable:
 * faults are pending). It stays owned by the handle: do not close it, and
 * read it only through iommufd_fault_read().
 *
 * @param fault the fault queue
 * @return the fd, or a negative errno: -EINVAL (NULL @p fault), -EBADF
 *         (closed by a failed iommufd_fault_destroy())
 */
LIBIOMMUFD_API int iommufd_fault_get_fd(const struct iommufd_fault *fault);

/**
 * Reads pending faults, whole groups only, as many as fit in @p records.
 *
 * @param fault   the fault queue
 * @param[out] records the faults
 * @param max     the size of @p records, in records
 * @return the number of records read (0: none pending), or a negative errno:
 *         -EINVAL (NULL arguments, @p max 0; from the kernel: the first
 *         pending group has more than @p max faults, retry with a larger
 *         array), -EBADF (file closed), -EFAULT
 */
LIBIOMMUFD_API int iommufd_fault_read(struct iommufd_fault *fault,
				      struct iommufd_fault_record *records, size_t max);

/**
 * Answers a fault group: the kernel passes @p code to the device and
 * forgets the cookie.
 *
 * @param fault  the fault queue the group was read from
 * @param cookie iommufd_fault_record::cookie of the group
 * @param code   the response
 * @return 0, or a negative errno: -EINVAL (NULL @p fault, unknown @p code;
 *         from the kernel: no group with that cookie waits for a response),
 *         -EBADF (file closed)
 */
LIBIOMMUFD_API int iommufd_fault_respond(struct iommufd_fault *fault, uint32_t cookie,
					 enum iommufd_fault_response code);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_FAULT_H */
