/* SPDX-License-Identifier: MIT */
/*
 * iommufd/ctx.h - the iommufd context: one open /dev/iommu file, the objects
 * made through it, and what the running kernel supports.
 */
#ifndef IOMMUFD_CTX_H
#define IOMMUFD_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iommufd/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup ctx Context
 *
 * A context is one iommufd file (normally an open of /dev/iommu). Every
 * kernel object (IOAS, device binding, HWPT, ...) belongs to the file, so a
 * context is the first thing a program creates.
 *
 * The kernel's state belongs to the open file, not to the process: after
 * fork() parent and child share it, and the kernel releases every object when
 * the last copy of the fd is closed.
 *
 * Thread safety: the functions of this group, and the object calls that only
 * read a handle or issue one ioctl (map, unmap, copy, ranges, options), may be
 * called from several threads at once on the same context. A handle must not
 * be destroyed while another thread still uses it, and iommufd_ctx_close()
 * must be the last call on a context and on every handle made from it.
 *
 * @{
 */

/** An open iommufd file and the handles created through it (opaque). */
struct iommufd_ctx;

/**
 * A page table, as the calls that accept more than one kind of it take it:
 * a view of an IOAS, a HWPT or a vIOMMU handle, from iommufd_ioas_as_pt(),
 * iommufd_hwpt_as_pt() or iommufd_viommu_as_pt(). Not an object of its own:
 * it is valid as long as the handle it was taken from, and is never freed.
 * Each call says which kinds it accepts (-EINVAL for another).
 */
struct iommufd_pt;

/** Flags of iommufd_ctx_opts::flags, selecting where the file comes from. */
enum iommufd_ctx_flags {
	/**
	 * Use iommufd_ctx_opts::fd instead of opening a path. The context owns
	 * the fd from a successful open on, and iommufd_ctx_close() closes it.
	 * On failure the fd stays the caller's.
	 */
	IOMMUFD_CTX_ADOPT_FD = 1 << 0,
	/**
	 * Use iommufd_ctx_opts::fd instead of opening a path; the caller keeps
	 * ownership and must keep it open until iommufd_ctx_close().
	 */
	IOMMUFD_CTX_BORROW_FD = 1 << 1,
};

/** Options of iommufd_ctx_open(); declare with @ref IOMMUFD_OPTS. */
struct iommufd_ctx_opts {
	/** Size of this struct as the caller knows it: sizeof(struct iommufd_ctx_opts). */
	size_t sz;
	/** Flags from enum iommufd_ctx_flags; 0 opens a path. */
	uint32_t flags;
	/** The iommufd fd to use with IOMMUFD_CTX_ADOPT_FD or IOMMUFD_CTX_BORROW_FD. */
	int fd;
	/** Path of the device to open when no fd is given; NULL means "/dev/iommu". */
	const char *path;
};

/**
 * Opens a context: opens @p opts->path (default /dev/iommu, read-write,
 * close-on-exec) or takes the fd given in @p opts, and checks that the file
 * answers iommufd ioctls.
 *
 * @param opts  NULL for /dev/iommu, or options (see struct iommufd_ctx_opts)
 * @param[out] out the new context
 * @return 0, or a negative errno: -EINVAL (NULL @p out, both fd flags, a path
 *         together with an fd flag), -EOPNOTSUPP (unknown flags), -E2BIG
 *         (unknown options), the errno of open(2) (-ENOENT: no iommufd in
 *         this kernel, -EACCES), -EBADF (negative or closed fd), -ENOTTY (the
 *         file is not an iommufd), -ENOMEM.
 */
LIBIOMMUFD_API int iommufd_ctx_open(const struct iommufd_ctx_opts *opts,
				    struct iommufd_ctx **out);

/**
 * Closes a context: frees every handle still made from it (IOAS, ...), then
 * closes the fd if the context owns it. The kernel objects behind those
 * handles are released by the kernel when the last copy of the fd is closed
 * (immediately for an owned fd not shared with a child); with a borrowed fd
 * they stay alive in the caller's file.
 *
 * @param ctx the context; NULL does nothing
 */
LIBIOMMUFD_API void iommufd_ctx_close(struct iommufd_ctx *ctx);

/**
 * The iommufd file descriptor of a context, for callers that issue their own
 * ioctls (e.g. VFIO_DEVICE_BIND_IOMMUFD). It stays owned by the context.
 *
 * @param ctx the context
 * @return the fd (>= 0), or -EINVAL for a NULL @p ctx
 */
LIBIOMMUFD_API int iommufd_ctx_get_fd(const struct iommufd_ctx *ctx);

/**
 * The iommufd ioctls, as library values for iommufd_ctx_has_cmd(). Each value
 * is the command number of the kernel ioctl (IOMMU_DESTROY is 0x80, ...).
 */
enum iommufd_cmd {
	IOMMUFD_IOCTL_DESTROY = 0x80,             /**< IOMMU_DESTROY (Linux 6.2) */
	IOMMUFD_IOCTL_IOAS_ALLOC = 0x81,          /**< IOMMU_IOAS_ALLOC (6.2) */
	IOMMUFD_IOCTL_IOAS_ALLOW_IOVAS = 0x82,    /**< IOMMU_IOAS_ALLOW_IOVAS (6.2) */
	IOMMUFD_IOCTL_IOAS_COPY = 0x83,           /**< IOMMU_IOAS_COPY (6.2) */
	IOMMUFD_IOCTL_IOAS_IOVA_RANGES = 0x84,    /**< IOMMU_IOAS_IOVA_RANGES (6.2) */
	IOMMUFD_IOCTL_IOAS_MAP = 0x85,            /**< IOMMU_IOAS_MAP (6.2) */
	IOMMUFD_IOCTL_IOAS_UNMAP = 0x86,          /**< IOMMU_IOAS_UNMAP (6.2) */
	IOMMUFD_IOCTL_OPTION = 0x87,              /**< IOMMU_OPTION (6.2) */
	IOMMUFD_IOCTL_VFIO_IOAS = 0x88,           /**< IOMMU_VFIO_IOAS (6.2) */
	IOMMUFD_IOCTL_HWPT_ALLOC = 0x89,          /**< IOMMU_HWPT_ALLOC (6.6) */
	IOMMUFD_IOCTL_GET_HW_INFO = 0x8a,         /**< IOMMU_GET_HW_INFO (6.6) */
	IOMMUFD_IOCTL_HWPT_SET_DIRTY_TRACKING = 0x8b, /**< IOMMU_HWPT_SET_DIRTY_TRACKING (6.7) */
	IOMMUFD_IOCTL_HWPT_GET_DIRTY_BITMAP = 0x8c,   /**< IOMMU_HWPT_GET_DIRTY_BITMAP (6.7) */
	IOMMUFD_IOCTL_HWPT_INVALIDATE = 0x8d,     /**< IOMMU_HWPT_INVALIDATE (6.8) */
	IOMMUFD_IOCTL_FAULT_QUEUE_ALLOC = 0x8e,   /**< IOMMU_FAULT_QUEUE_ALLOC (6.11) */
	IOMMUFD_IOCTL_IOAS_MAP_FILE = 0x8f,       /**< IOMMU_IOAS_MAP_FILE (6.13) */
	IOMMUFD_IOCTL_VIOMMU_ALLOC = 0x90,        /**< IOMMU_VIOMMU_ALLOC (6.13) */
	IOMMUFD_IOCTL_VDEVICE_ALLOC = 0x91,       /**< IOMMU_VDEVICE_ALLOC (6.13) */
	IOMMUFD_IOCTL_IOAS_CHANGE_PROCESS = 0x92, /**< IOMMU_IOAS_CHANGE_PROCESS (6.13) */
	IOMMUFD_IOCTL_VEVENTQ_ALLOC = 0x93,       /**< IOMMU_VEVENTQ_ALLOC (6.15) */
	IOMMUFD_IOCTL_HW_QUEUE_ALLOC = 0x94,      /**< IOMMU_HW_QUEUE_ALLOC (6.17) */
	IOMMUFD_IOCTL_IOAS_NOIOMMU_GET_PA = 0x95, /**< IOMMU_IOAS_NOIOMMU_GET_PA (7.x) */
};

/**
 * Tells whether the kernel behind @p ctx implements an iommufd ioctl. The
 * first query probes every command once (an ioctl with a zero-sized argument
 * answers EINVAL where the command exists and ENOTTY where it does not) and
 * caches the answers; later queries cost nothing. Thread-safe.
 *
 * @param ctx the context
 * @param cmd the command
 * @return true if the command exists; false if not, for an unknown @p cmd or
 *         a NULL @p ctx
 */
LIBIOMMUFD_API bool iommufd_ctx_has_cmd(struct iommufd_ctx *ctx, enum iommufd_cmd cmd);

/** Capabilities of the kernel that are not a single ioctl, for iommufd_ctx_has_feature(). */
enum iommufd_feature {
	/**
	 * The iommufd file also serves the VFIO type1 container ioctls
	 * (CONFIG_IOMMUFD_VFIO_CONTAINER): VFIO_GET_API_VERSION answers.
	 */
	IOMMUFD_FEATURE_VFIO_COMPAT = 0,
	/**
	 * The kernel has the iommufd selftest interface (CONFIG_IOMMUFD_TEST,
	 * IOMMU_TEST_CMD): a test kernel or kmod-mock.
	 */
	IOMMUFD_FEATURE_SELFTEST = 1,
	/**
	 * IOMMU_HWPT_ALLOC takes driver data (data_type, data_len, data_uptr) and
	 * the NEST_PARENT and DIRTY_TRACKING flags: nested HWPTs (Linux 6.7).
	 */
	IOMMUFD_FEATURE_HWPT_DATA = 2,
	/** IOMMU_HWPT_ALLOC takes a fault queue (fault_id, Linux 6.11). */
	IOMMUFD_FEATURE_HWPT_FAULT_ID = 3,
	/** IOMMU_GET_HW_INFO reports out_capabilities (Linux 6.7). */
	IOMMUFD_FEATURE_HW_INFO_CAPABILITIES = 4,
	/**
	 * IOMMU_GET_HW_INFO takes the data type wanted
	 * (IOMMU_HW_INFO_FLAG_INPUT_TYPE, Linux 6.17).
	 */
	IOMMUFD_FEATURE_HW_INFO_INPUT_TYPE = 5,
	/** IOMMU_VIOMMU_ALLOC takes driver data (data_len, data_uptr; Linux 6.17). */
	IOMMUFD_FEATURE_VIOMMU_DATA = 6,
};

/**
 * Tells whether the kernel behind @p ctx has a feature. Probed once per
 * context together with iommufd_ctx_has_cmd(); thread-safe.
 *
 * @param ctx the context
 * @param feature the feature
 * @return true if present; false if absent, unknown or @p ctx is NULL
 */
LIBIOMMUFD_API bool iommufd_ctx_has_feature(struct iommufd_ctx *ctx,
					    enum iommufd_feature feature);

/**
 * Destroys any kernel object by id (IOMMU_DESTROY), for callers that create
 * objects with their own ioctls. Do not use it on the id of an object that a
 * library handle still represents: destroy the handle instead.
 *
 * @param ctx the context
 * @param id  the object id
 * @return 0, or a negative errno: -EINVAL (NULL @p ctx, id 0), -ENOENT (no
 *         such object), -EBUSY (the object still has users)
 */
LIBIOMMUFD_API int iommufd_ctx_destroy_id(struct iommufd_ctx *ctx, uint32_t id);

/** How the kernel accounts pinned memory against RLIMIT_MEMLOCK (IOMMU_OPTION_RLIMIT_MODE). */
enum iommufd_rlimit_mode {
	/** Charge pinned pages to the user owning the process (the default). */
	IOMMUFD_RLIMIT_MODE_USER = 0,
	/** Charge pinned pages to the process (like mlock()), as VFIO type1 does. */
	IOMMUFD_RLIMIT_MODE_PROCESS = 1,
};

/**
 * Reads the pinned-memory accounting mode of the context.
 *
 * @param ctx the context
 * @param[out] mode the current mode
 * @return 0, or a negative errno (-EINVAL for NULL arguments)
 */
LIBIOMMUFD_API int iommufd_ctx_get_rlimit_mode(struct iommufd_ctx *ctx,
					       enum iommufd_rlimit_mode *mode);

/**
 * Sets the pinned-memory accounting mode of the context. The kernel allows
 * this only to a process with CAP_SYS_RESOURCE and only while the context
 * holds no object at all, i.e. right after iommufd_ctx_open().
 *
 * @param ctx the context
 * @param mode the new mode
 * @return 0, or a negative errno: -EINVAL (NULL @p ctx, unknown @p mode),
 *         -EPERM (not privileged), -EBUSY (the context already has objects)
 */
LIBIOMMUFD_API int iommufd_ctx_set_rlimit_mode(struct iommufd_ctx *ctx,
					       enum iommufd_rlimit_mode mode);

/**
 * Moves the pinned-memory accounting of every file-backed mapping of the
 * context to the calling process (IOMMU_IOAS_CHANGE_PROCESS), e.g. after a
 * VMM hands its iommufd to a new process during live update.
 *
 * @param ctx the context
 * @return 0, or a negative errno: -EINVAL (NULL @p ctx, or a mapping that is
 *         not file-backed exists), -ENOTTY (kernel older than 6.13), -ENOMEM
 *         (the new owner's RLIMIT_MEMLOCK is too small)
 */
LIBIOMMUFD_API int iommufd_ctx_change_process(struct iommufd_ctx *ctx);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_CTX_H */
