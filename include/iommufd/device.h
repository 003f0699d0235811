/* SPDX-License-Identifier: MIT */
/*
 * iommufd/device.h - devices bound to a context (VFIO device cdevs, or device
 * ids bound by other means): binding, attaching to an IOAS or a hardware page
 * table, the IOMMU's description of the device, and the few VFIO device
 * calls a VMM needs to drive it.
 */
#ifndef IOMMUFD_DEVICE_H
#define IOMMUFD_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iommufd/common.h>
#include <iommufd/ctx.h>
#include <iommufd/ioas.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup device Devices
 *
 * A device handle is a device bound to a context: normally a VFIO device
 * cdev (/dev/vfio/devices/vfioN) bound with VFIO_DEVICE_BIND_IOMMUFD, which
 * gives the device an id in the context's file. Bound, the device can be
 * attached to an IOAS (the kernel then finds or creates a hardware page table
 * for it) or to a hardware page table (see @ref hwpt), whole or one PASID at
 * a time, and it can describe its IOMMU (iommufd_device_get_hw_info()).
 *
 * A device id bound by other means (e.g. a mock device of the kernel's
 * selftest) can be adopted with iommufd_device_adopt(): such a handle has no
 * VFIO file, so the calls that need one (attach, detach, the VFIO helpers)
 * fail with -EOPNOTSUPP; the iommufd calls that take a device id (hardware
 * info, HWPT allocation) work.
 *
 * A device is unbound when its VFIO file is closed: iommufd_device_unbind()
 * closes it when the handle owns it.
 *
 * @{
 */

/** A device bound to a context (opaque). */
struct iommufd_device;

/** Flags of iommufd_device_bind_opts::flags. */
enum iommufd_device_bind_flags {
	/**
	 * iommufd_device_bind() only: the handle owns the VFIO fd from a
	 * successful bind on, and iommufd_device_unbind() closes it. On failure
	 * the fd stays the caller's. Without it the fd is borrowed: the caller
	 * keeps it open while the handle lives and closes it after.
	 */
	IOMMUFD_DEVICE_BIND_ADOPT_FD = 1 << 0,
	/**
	 * Present iommufd_device_bind_opts::token to the driver
	 * (VFIO_DEVICE_BIND_FLAG_TOKEN, Linux 6.17), e.g. the VF token a PCI
	 * PF driver requires before its VFs may be used.
	 */
	IOMMUFD_DEVICE_BIND_TOKEN = 1 << 1,
};

/**
 * Options of iommufd_device_bind() and iommufd_device_bind_path(); declare
 * with @ref IOMMUFD_OPTS.
 */
struct iommufd_device_bind_opts {
	/** Size of this struct as the caller knows it: sizeof(struct iommufd_device_bind_opts). */
	size_t sz;
	/** Flags from enum iommufd_device_bind_flags. */
	uint32_t flags;
	/** The token (a UUID, 16 bytes in network order) sent with IOMMUFD_DEVICE_BIND_TOKEN. */
	uint8_t token[16];
	/** Reserved (names the tail padding, so that every byte is defined); must be 0. */
	uint32_t reserved;
};

/**
 * Binds an open VFIO device cdev to the context (VFIO_DEVICE_BIND_IOMMUFD).
 *
 * @param ctx  the context
 * @param fd   the VFIO device fd (from opening /dev/vfio/devices/vfioN)
 * @param opts NULL (borrow the fd, no token) or options
 * @param[out] out the new device handle
 * @return 0, or a negative errno: -EINVAL (NULL arguments; from the kernel:
 *         the fd is already bound, or a token was given to a driver that
 *         takes none), -EBADF (negative fd), -EOPNOTSUPP (unknown flags),
 *         -E2BIG (unknown options), -ENOTTY (not a VFIO device cdev),
 *         -EPERM (a token is needed and missing or wrong), -EBUSY (the device
 *         is in use through the legacy VFIO group), -ENOMEM
 */
LIBIOMMUFD_API int iommufd_device_bind(struct iommufd_ctx *ctx, int fd,
				       const struct iommufd_device_bind_opts *opts,
				       struct iommufd_device **out);

/**
 * Opens a VFIO device cdev (read-write, close-on-exec) and binds it to the
 * context; the handle owns the fd.
 *
 * @param ctx  the context
 * @param path the cdev, e.g. "/dev/vfio/devices/vfio0"
 * @param opts NULL or options; IOMMUFD_DEVICE_BIND_ADOPT_FD is implied and
 *             must not be given
 * @param[out] out the new device handle
 * @return 0, or a negative errno: as iommufd_device_bind(), -EINVAL also for
 *         a NULL @p path or IOMMUFD_DEVICE_BIND_ADOPT_FD, and the errno of
 *         open(2) (-ENOENT, -EACCES, ...)
 */
LIBIOMMUFD_API int iommufd_device_bind_path(struct iommufd_ctx *ctx, const char *path,
					    const struct iommufd_device_bind_opts *opts,
					    struct iommufd_device **out);

/**
 * Makes a handle for a device id already bound to the context's file by
 * other means (another process sharing the fd, the selftest's mock devices).
 * Where the kernel has IOMMU_GET_HW_INFO the id is checked to name a device.
 * The handle has no VFIO fd: attach, detach and the VFIO helpers answer
 * -EOPNOTSUPP.
 *
 * @param ctx the context
 * @param id  the device id
 * @param[out] out the new handle
 * @return 0, or a negative errno: -EINVAL (NULL arguments, id 0), -ENOENT
 *         (no device with that id), -ENOMEM
 */
LIBIOMMUFD_API int iommufd_device_adopt(struct iommufd_ctx *ctx, uint32_t id,
					struct iommufd_device **out);

/**
 * Frees the handle, closing the VFIO fd if the handle owns it, which unbinds
 * the device (the kernel detaches it first). A borrowed fd stays open and
 * bound; an adopted id stays bound.
 *
 * @param dev the device; NULL does nothing
 */
LIBIOMMUFD_API void iommufd_device_unbind(struct iommufd_device *dev);

/**
 * The device id in the context's file, for raw ioctls and for the calls that
 * take a device (IOMMU_HWPT_ALLOC, IOMMU_VIOMMU_ALLOC, ...).
 *
 * @param dev the device
 * @return the id, or 0 (never a valid id) for a NULL @p dev
 */
LIBIOMMUFD_API uint32_t iommufd_device_get_id(const struct iommufd_device *dev);

/**
 * The context a device is bound to.
 *
 * @param dev the device
 * @return the context, or NULL for a NULL @p dev
 */
LIBIOMMUFD_API struct iommufd_ctx *iommufd_device_get_ctx(const struct iommufd_device *dev);

/**
 * The VFIO device fd, for the caller's own VFIO ioctls (regions, interrupts,
 * mmap of BARs). It stays owned as it was: do not close an adopted fd.
 *
 * @param dev the device
 * @return the fd (>= 0), or a negative errno: -EINVAL (NULL @p dev),
 *         -EOPNOTSUPP (an adopted device id without a VFIO fd)
 */
LIBIOMMUFD_API int iommufd_device_get_fd(const struct iommufd_device *dev);

/**
 * Attaches the device to an IOAS or a hardware page table
 * (VFIO_DEVICE_ATTACH_IOMMUFD_PT). Attaching a device that is already
 * attached replaces its page table without a window of blocked DMA (see
 * iommufd_device_replace()).
 *
 * @code
 * iommufd_device_attach(dev, iommufd_ioas_as_pt(ioas), &hwpt_id);
 * iommufd_device_attach(dev, iommufd_hwpt_as_pt(nested), NULL);
 * @endcode
 *
 * @param dev the device
 * @param pt  the page table: iommufd_ioas_as_pt() or iommufd_hwpt_as_pt()
 *            (paging or nested) of the device's context
 * @param[out] attached_id if not NULL, the id of the HWPT attached: for an
 *             IOAS the one the kernel found or created for it (it may be
 *             shared with other devices; iommufd_hwpt_adopt() gives a handle),
 *             otherwise the HWPT's own id
 * @return 0, or a negative errno: -EINVAL (NULL @p dev or @p pt, a vIOMMU or
 *         another context's page table; from the kernel: the page table
 *         cannot serve this device), -EOPNOTSUPP (no VFIO fd), -ENOENT (the
 *         object is gone), -EBUSY, -ENOMEM
 */
LIBIOMMUFD_API int iommufd_device_attach(struct iommufd_device *dev, struct iommufd_pt *pt,
					 uint32_t *attached_id);

/**
 * Replaces the page table of an attached device (the same ioctl as an
 * attach; this name says so at the call site). Devices replace atomically:
 * DMA goes through the old page table until the new one is in place.
 *
 * @param dev the device
 * @param pt  the new page table (IOAS or HWPT), as for iommufd_device_attach()
 * @param[out] attached_id as for iommufd_device_attach()
 * @return as iommufd_device_attach()
 */
LIBIOMMUFD_API int iommufd_device_replace(struct iommufd_device *dev, struct iommufd_pt *pt,
					  uint32_t *attached_id);

/**
 * Detaches the device from its page table (VFIO_DEVICE_DETACH_IOMMUFD_PT):
 * it can then do no DMA. The kernel accepts a detach of a device that is not
 * attached.
 *
 * @param dev the device
 * @return 0, or a negative errno: -EINVAL (NULL @p dev), -EOPNOTSUPP (no
 *         VFIO fd)
 */
LIBIOMMUFD_API int iommufd_device_detach(struct iommufd_device *dev);

/**
 * Attaches one PASID of the device to an IOAS or HWPT
 * (VFIO_DEVICE_ATTACH_IOMMUFD_PT with VFIO_DEVICE_ATTACH_PASID, Linux 6.15).
 * As for the whole device, attaching an attached PASID replaces. A HWPT
 * attached to a PASID must have been allocated with IOMMUFD_HWPT_ALLOC_PASID.
 *
 * @param dev   the device
 * @param pasid the PASID
 * @param pt    the page table (IOAS or HWPT), as for iommufd_device_attach()
 * @param[out] attached_id as for iommufd_device_attach()
 * @return as iommufd_device_attach(); -EOPNOTSUPP also when the device or
 *         its driver does not do PASID, -EINVAL for a PASID out of the
 *         device's range
 */
LIBIOMMUFD_API int iommufd_device_attach_pasid(struct iommufd_device *dev, uint32_t pasid,
					       struct iommufd_pt *pt, uint32_t *attached_id);

/**
 * Replaces the page table of an attached PASID; see
 * iommufd_device_attach_pasid().
 *
 * @param dev   the device
 * @param pasid the PASID
 * @param pt    the new page table (IOAS or HWPT)
 * @param[out] attached_id as for iommufd_device_attach()
 * @return as iommufd_device_attach_pasid()
 */
LIBIOMMUFD_API int iommufd_device_replace_pasid(struct iommufd_device *dev, uint32_t pasid,
						struct iommufd_pt *pt, uint32_t *attached_id);

/**
 * Detaches one PASID of the device (VFIO_DEVICE_DETACH_IOMMUFD_PT with
 * VFIO_DEVICE_DETACH_PASID).
 *
 * @param dev   the device
 * @param pasid the PASID
 * @return 0, or a negative errno: -EINVAL (NULL @p dev), -EOPNOTSUPP (no
 *         VFIO fd, or no PASID support)
 */
LIBIOMMUFD_API int iommufd_device_detach_pasid(struct iommufd_device *dev, uint32_t pasid);

/** Type of the IOMMU-specific data of iommufd_device_get_hw_info() (the kernel's values). */
enum iommufd_hw_info_type {
	/** No data: the IOMMU driver describes nothing more. */
	IOMMUFD_HW_INFO_TYPE_NONE = 0,
	/** As an input type: whatever the driver reports by default. */
	IOMMUFD_HW_INFO_TYPE_DEFAULT = 0,
	/** Intel VT-d: see struct iommufd_hw_info_vtd. */
	IOMMUFD_HW_INFO_TYPE_INTEL_VTD = 1,
	/** ARM SMMUv3: see struct iommufd_hw_info_arm_smmuv3. */
	IOMMUFD_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	/** NVIDIA Tegra241 CMDQV: see struct iommufd_hw_info_tegra241_cmdqv. */
	IOMMUFD_HW_INFO_TYPE_TEGRA241_CMDQV = 3,
	/** AMD IOMMU: see struct iommufd_hw_info_amd. */
	IOMMUFD_HW_INFO_TYPE_AMD = 4,
};

/** Bits of iommufd_hw_info::capabilities (the kernel's values). */
enum iommufd_hw_cap {
	/** The IOMMU can track DMA writes (HWPTs with IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING). */
	IOMMUFD_HW_CAP_DIRTY_TRACKING = 1 << 0,
	/** PCI PASID execute permission is enabled. */
	IOMMUFD_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	/** PCI PASID privileged mode is enabled. */
	IOMMUFD_HW_CAP_PCI_PASID_PRIV = 1 << 2,
	/** ATS cannot be used for this device (Linux 7.x). */
	IOMMUFD_HW_CAP_PCI_ATS_NOT_SUPPORTED = 1 << 3,
};

/** Flags of iommufd_hw_info_opts::flags. */
enum iommufd_hw_info_opts_flags {
	/**
	 * Ask for the data type in iommufd_hw_info_opts::data_type instead of
	 * the driver's default (IOMMU_HW_INFO_FLAG_INPUT_TYPE, Linux 6.17),
	 * for IOMMUs that can describe themselves in more than one way.
	 */
	IOMMUFD_HW_INFO_INPUT_TYPE = 1 << 0,
};

/** Options of iommufd_device_get_hw_info(); declare with @ref IOMMUFD_OPTS. */
struct iommufd_hw_info_opts {
	/** Size of this struct as the caller knows it: sizeof(struct iommufd_hw_info_opts). */
	size_t sz;
	/** Flags from enum iommufd_hw_info_opts_flags. */
	uint32_t flags;
	/**
	 * The requested type (enum iommufd_hw_info_type or a driver's value),
	 * with IOMMUFD_HW_INFO_INPUT_TYPE.
	 */
	uint32_t data_type;
};

/** What iommufd_device_get_hw_info() tells about the IOMMU of a device. */
struct iommufd_hw_info {
	/**
	 * Type of the data written to the caller's buffer (enum
	 * iommufd_hw_info_type or a driver's value).
	 */
	uint32_t data_type;
	/**
	 * Length of the data the kernel has, in bytes. It may be larger than
	 * the caller's buffer (which then holds the first bytes only) or
	 * smaller (the rest of the buffer is zeroed).
	 */
	uint32_t data_len;
	/** Bits of enum iommufd_hw_cap. */
	uint64_t capabilities;
	/** log2 of the number of PASIDs the device may use; 0 when PASID is not enabled. */
	uint8_t max_pasid_log2;
	/** Zero; room for later versions. */
	uint8_t reserved[7];
};

/**
 * Reads what the IOMMU behind a device can do (IOMMU_GET_HW_INFO, Linux 6.6):
 * the generic part into @p info, the IOMMU-specific registers into @p data
 * (decode them with iommufd_hw_info_decode_vtd() and its siblings).
 *
 * @param dev  the device (a bound or an adopted one)
 * @param opts NULL (the driver's default data type) or options
 * @param[out] info the description
 * @param[out] data buffer for the IOMMU-specific data; may be NULL if
 *             @p data_len is 0. Filled up to the smaller of @p data_len and
 *             the kernel's length, zeroed past the kernel's length.
 * @param data_len size of @p data in bytes
 * @return 0, or a negative errno: -EINVAL (NULL arguments), -EOPNOTSUPP
 *         (unknown flags; from the kernel: the requested type is not
 *         supported, or the device has no IOMMU), -E2BIG (unknown options),
 *         -ENOENT (the device id is not bound), -ENOTTY (kernel older than
 *         6.6)
 */
LIBIOMMUFD_API int iommufd_device_get_hw_info(struct iommufd_device *dev,
					      const struct iommufd_hw_info_opts *opts,
					      struct iommufd_hw_info *info, void *data,
					      uint32_t data_len);

/** Intel VT-d capability registers (IOMMUFD_HW_INFO_TYPE_INTEL_VTD). */
struct iommufd_hw_info_vtd {
	/** Errata flags: bit 0 is SPR17 erratum 772415 (no stage-2 dirty tracking when nested). */
	uint32_t flags;
	/** Zero (names the padding, so that every byte is defined). */
	uint32_t reserved;
	/** The Capability Register. */
	uint64_t cap_reg;
	/** The Extended Capability Register. */
	uint64_t ecap_reg;
};

/** ARM SMMUv3 ID registers (IOMMUFD_HW_INFO_TYPE_ARM_SMMUV3). */
struct iommufd_hw_info_arm_smmuv3 {
	/** Errata flags: bit 0 asks to issue every TLBI/CFGI command and its SYNC twice. */
	uint32_t flags;
	/** SMMU_IDR0 .. SMMU_IDR5 (only the fields the kernel lets through). */
	uint32_t idr[6];
	/** SMMU_IIDR. */
	uint32_t iidr;
	/** SMMU_AIDR. */
	uint32_t aidr;
};

/** NVIDIA Tegra241 CMDQV description (IOMMUFD_HW_INFO_TYPE_TEGRA241_CMDQV). */
struct iommufd_hw_info_tegra241_cmdqv {
	/** Flags; none defined. */
	uint32_t flags;
	/** Hardware version. */
	uint8_t version;
	/** log2 of the number of virtual command queues. */
	uint8_t log2vcmdqs;
	/** log2 of the number of stream-id mappings per VINTF. */
	uint8_t log2vsids;
	/** Zero (names the padding, so that every byte is defined). */
	uint8_t reserved;
};

/** AMD IOMMU extended feature registers (IOMMUFD_HW_INFO_TYPE_AMD). */
struct iommufd_hw_info_amd {
	/** The Extended Feature Register. */
	uint64_t efr;
	/** The Extended Feature 2 Register. */
	uint64_t efr2;
};

/**
 * Decodes the data of iommufd_device_get_hw_info() as Intel VT-d registers.
 * Fields the kernel's data does not reach (older kernel, short buffer) are 0.
 *
 * @param info the description returned with @p data
 * @param data the data buffer passed to iommufd_device_get_hw_info()
 * @param data_len its size, as passed
 * @param[out] out the registers
 * @return 0, or -EINVAL (NULL arguments, or @p info is of another type)
 */
LIBIOMMUFD_API int iommufd_hw_info_decode_vtd(const struct iommufd_hw_info *info, const void *data,
				       uint32_t data_len, struct iommufd_hw_info_vtd *out);

/**
 * Decodes the data of iommufd_device_get_hw_info() as ARM SMMUv3 registers;
 * as iommufd_hw_info_decode_vtd().
 *
 * @param info the description returned with @p data
 * @param data the data buffer passed to iommufd_device_get_hw_info()
 * @param data_len its size, as passed
 * @param[out] out the registers
 * @return 0, or -EINVAL (NULL arguments, or @p info is of another type)
 */
LIBIOMMUFD_API int iommufd_hw_info_decode_arm_smmuv3(const struct iommufd_hw_info *info,
					      const void *data, uint32_t data_len,
					      struct iommufd_hw_info_arm_smmuv3 *out);

/**
 * Decodes the data of iommufd_device_get_hw_info() as a Tegra241 CMDQV
 * description; as iommufd_hw_info_decode_vtd().
 *
 * @param info the description returned with @p data
 * @param data the data buffer passed to iommufd_device_get_hw_info()
 * @param data_len its size, as passed
 * @param[out] out the description
 * @return 0, or -EINVAL (NULL arguments, or @p info is of another type)
 */
LIBIOMMUFD_API int iommufd_hw_info_decode_tegra241_cmdqv(const struct iommufd_hw_info *info,
						  const void *data, uint32_t data_len,
						  struct iommufd_hw_info_tegra241_cmdqv *out);

/**
 * Decodes the data of iommufd_device_get_hw_info() as AMD IOMMU registers;
 * as iommufd_hw_info_decode_vtd().
 *
 * @param info the description returned with @p data
 * @param data the data buffer passed to iommufd_device_get_hw_info()
 * @param data_len its size, as passed
 * @param[out] out the registers
 * @return 0, or -EINVAL (NULL arguments, or @p info is of another type)
 */
LIBIOMMUFD_API int iommufd_hw_info_decode_amd(const struct iommufd_hw_info *info, const void *data,
				       uint32_t data_len, struct iommufd_hw_info_amd *out);

/** Bits of iommufd_device_info::flags (the kernel's VFIO_DEVICE_FLAGS_* values). */
enum iommufd_device_info_flags {
	IOMMUFD_DEVICE_INFO_RESET = 1 << 0,    /**< The device supports iommufd_device_reset(). */
	IOMMUFD_DEVICE_INFO_PCI = 1 << 1,      /**< A vfio-pci device. */
	IOMMUFD_DEVICE_INFO_PLATFORM = 1 << 2, /**< A vfio-platform device. */
	IOMMUFD_DEVICE_INFO_AMBA = 1 << 3,     /**< A vfio-amba device. */
	IOMMUFD_DEVICE_INFO_CCW = 1 << 4,      /**< A vfio-ccw device. */
	IOMMUFD_DEVICE_INFO_AP = 1 << 5,       /**< A vfio-ap device. */
	IOMMUFD_DEVICE_INFO_FSL_MC = 1 << 6,   /**< A vfio-fsl-mc device. */
	IOMMUFD_DEVICE_INFO_CAPS = 1 << 7,     /**< The device has a capability chain. */
	IOMMUFD_DEVICE_INFO_CDX = 1 << 8,      /**< A vfio-cdx device. */
};

/** Basic properties of a VFIO device (VFIO_DEVICE_GET_INFO). */
struct iommufd_device_info {
	/** Bits of enum iommufd_device_info_flags. */
	uint32_t flags;
	/** Number of regions (vfio-pci: BARs, ROM, config space, VGA, then device-specific). */
	uint32_t num_regions;
	/** Number of interrupt indexes. */
	uint32_t num_irqs;
};

/**
 * Reads the basic properties of the device (VFIO_DEVICE_GET_INFO). The
 * capability chain, if any, is not read: use iommufd_device_get_fd().
 *
 * @param dev the device
 * @param[out] info the properties
 * @return 0, or a negative errno: -EINVAL (NULL arguments), -EOPNOTSUPP (no
 *         VFIO fd)
 */
LIBIOMMUFD_API int iommufd_device_get_info(struct iommufd_device *dev,
					   struct iommufd_device_info *info);

/** Bits of iommufd_region_info::flags (the kernel's VFIO_REGION_INFO_FLAG_* values). */
enum iommufd_region_info_flags {
	IOMMUFD_REGION_INFO_READ = 1 << 0,  /**< The region may be read (pread on the fd). */
	IOMMUFD_REGION_INFO_WRITE = 1 << 1, /**< The region may be written. */
	IOMMUFD_REGION_INFO_MMAP = 1 << 2,  /**< The region may be mmap()ed from the fd. */
	IOMMUFD_REGION_INFO_CAPS = 1 << 3,  /**< The region has a capability chain. */
};

/** One region of a VFIO device (VFIO_DEVICE_GET_REGION_INFO). */
struct iommufd_region_info {
	/** The region index asked for. */
	uint32_t index;
	/** Bits of enum iommufd_region_info_flags. */
	uint32_t flags;
	/** Size of the region in bytes; 0 for a region the device lacks. */
	uint64_t size;
	/** Offset of the region in the device fd, for pread/pwrite/mmap. */
	uint64_t offset;
};

/**
 * Reads where and how one region of the device is reached through its fd
 * (VFIO_DEVICE_GET_REGION_INFO). The capability chain is not read.
 *
 * @param dev   the device
 * @param index the region index (< iommufd_device_info::num_regions)
 * @param[out] info the region
 * @return 0, or a negative errno: -EINVAL (NULL arguments, or an index the
 *         device does not have), -EOPNOTSUPP (no VFIO fd)
 */
LIBIOMMUFD_API int iommufd_device_get_region_info(struct iommufd_device *dev, uint32_t index,
						  struct iommufd_region_info *info);

/**
 * Resets the device (VFIO_DEVICE_RESET), when its flags have
 * IOMMUFD_DEVICE_INFO_RESET.
 *
 * @param dev the device
 * @return 0, or a negative errno: -EINVAL (NULL @p dev), -EOPNOTSUPP (no
 *         VFIO fd), -ENOTTY or -EINVAL (the device cannot reset), -EAGAIN
 */
LIBIOMMUFD_API int iommufd_device_reset(struct iommufd_device *dev);

/**
 * Reads bytes of the device's PCI configuration space through the config
 * region of the VFIO fd (vfio-pci region IOMMUFD_VFIO_PCI_CONFIG_REGION_INDEX),
 * as a VMM does for its guest. vfio-pci virtualises parts of it (BARs, the
 * command register's reserved bits, capabilities it hides). Multi-byte
 * fields are little-endian.
 *
 * @param dev    a bound vfio-pci device
 * @param offset the offset in config space
 * @param[out] buf the bytes read
 * @param len    how many, at least 1
 * @return 0 (all @p len bytes read), or a negative errno: -EINVAL (NULL
 *         arguments, @p len 0, or @p offset + @p len beyond the config
 *         region: a library-side refusal, see iommufd_last_error()),
 *         -EOPNOTSUPP (no VFIO fd), -EIO (the kernel read fewer bytes), or the
 *         errno of VFIO_DEVICE_GET_REGION_INFO or pread(2)
 */
LIBIOMMUFD_API int iommufd_device_read_config(struct iommufd_device *dev, uint32_t offset,
					      void *buf, size_t len);

/**
 * Writes bytes of the device's PCI configuration space; as
 * iommufd_device_read_config(). vfio-pci silently drops writes to bits it
 * virtualises as read-only.
 *
 * @param dev    a bound vfio-pci device
 * @param offset the offset in config space
 * @param buf    the bytes to write
 * @param len    how many, at least 1
 * @return as iommufd_device_read_config(), with pwrite(2)
 */
LIBIOMMUFD_API int iommufd_device_write_config(struct iommufd_device *dev, uint32_t offset,
					       const void *buf, size_t len);

/**
 * Switches the device's DMA on or off as a VMM does around its use of the
 * device: sets (or clears) Bus Master Enable and Memory Space Enable in the
 * PCI command register (bits 2 and 1), by a read-modify-write of the 16-bit
 * register through iommufd_device_read_config() and
 * iommufd_device_write_config(), leaving the other bits alone, then reads the
 * register back. Without bus mastering a device's DMA never leaves it.
 *
 * @param dev    a bound vfio-pci device
 * @param enable true: set both bits; false: clear both
 * @return 0, or a negative errno: as iommufd_device_read_config(), and -EIO
 *         when the register read back does not hold the change
 */
LIBIOMMUFD_API int iommufd_device_set_bus_master(struct iommufd_device *dev, bool enable);

/**
 * Maps a whole region of the device (a BAR) into the caller, shared, when
 * the region offers it (IOMMUFD_REGION_INFO_MMAP): mmap(2) of the VFIO fd at
 * the region's offset. The mapping keeps the device file open until
 * iommufd_device_munmap_region(), even past iommufd_device_unbind().
 *
 * A region without IOMMUFD_REGION_INFO_MMAP is refused with -EINVAL, the
 * errno vfio-pci's own mmap handler gives for such a region (the ROM, the
 * config space, a BAR of I/O ports); reach it with pread/pwrite at
 * iommufd_region_info::offset instead.
 *
 * @param dev   a bound VFIO device
 * @param index the region index (e.g. IOMMUFD_VFIO_PCI_BAR0_REGION_INDEX)
 * @param prot  PROT_READ and/or PROT_WRITE, each allowed by the region's
 *              READ and WRITE flags (PROT_EXEC is refused)
 * @param[out] addr   the address of the mapping
 * @param[out] length its length: the region's size
 * @return 0, or a negative errno: -EINVAL (NULL arguments, other @p prot
 *         bits or bits the region does not allow, a region without
 *         IOMMUFD_REGION_INFO_MMAP or of size 0: library-side refusals, see
 *         iommufd_last_error(); from the kernel: an index the device lacks),
 *         -EOPNOTSUPP (no VFIO fd), -EOVERFLOW (a region larger than the
 *         address space), -ENOMEM, or the errno of mmap(2)
 */
LIBIOMMUFD_API int iommufd_device_mmap_region(struct iommufd_device *dev, uint32_t index,
					      int prot, void **addr, uint64_t *length);

/**
 * Unmaps what iommufd_device_mmap_region() mapped for this device.
 *
 * @param dev    the device
 * @param addr   the address iommufd_device_mmap_region() gave
 * @param length the length it gave
 * @return 0, or a negative errno: -EINVAL (NULL arguments, zero @p length,
 *         or @p addr and @p length are not a mapping of this device that is
 *         still mapped), or the errno of munmap(2)
 */
LIBIOMMUFD_API int iommufd_device_munmap_region(struct iommufd_device *dev, void *addr,
						uint64_t length);

/** Bits of iommufd_irq_info::flags (the kernel's VFIO_IRQ_INFO_* values). */
enum iommufd_irq_info_flags {
	/** The vectors signal eventfds (iommufd_device_set_irq_eventfds()). */
	IOMMUFD_IRQ_INFO_EVENTFD = 1 << 0,
	/** The vectors can be masked and unmasked (iommufd_device_mask_irq()). */
	IOMMUFD_IRQ_INFO_MASKABLE = 1 << 1,
	/**
	 * A level interrupt (INTx): the kernel masks it when it fires; the
	 * program unmasks it (iommufd_device_unmask_irq()) once the device
	 * has been serviced.
	 */
	IOMMUFD_IRQ_INFO_AUTOMASKED = 1 << 2,
	/**
	 * The number of vectors cannot change while enabled: enabling more
	 * means disabling the index first (MSI).
	 */
	IOMMUFD_IRQ_INFO_NORESIZE = 1 << 3,
};

/** One interrupt index of a VFIO device (VFIO_DEVICE_GET_IRQ_INFO). */
struct iommufd_irq_info {
	/** The index asked for (enum iommufd_vfio_pci_irq for vfio-pci). */
	uint32_t index;
	/** Bits of enum iommufd_irq_info_flags. */
	uint32_t flags;
	/** Number of vectors of the index; 0 when the device has none of this kind. */
	uint32_t count;
};

/**
 * Reads what one interrupt index of the device offers
 * (VFIO_DEVICE_GET_IRQ_INFO).
 *
 * @param dev   a bound VFIO device
 * @param index the interrupt index (IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX ...)
 * @param[out] info the index's flags and vector count
 * @return 0, or a negative errno: -EINVAL (NULL arguments; from the kernel:
 *         an index the device lacks), -EOPNOTSUPP (no VFIO fd), -ENOTTY (the
 *         driver has no interrupts to offer, e.g. kmod-mock before it models
 *         them)
 */
LIBIOMMUFD_API int iommufd_device_get_irq_info(struct iommufd_device *dev, uint32_t index,
					       struct iommufd_irq_info *info);

/**
 * Connects vectors @p start .. @p start + @p count - 1 of an interrupt index
 * to eventfds (VFIO_DEVICE_SET_IRQS, DATA_EVENTFD | ACTION_TRIGGER): each
 * interrupt of vector start + i signals @p fds[i]; an fd of -1 disconnects
 * that vector. For MSI and MSI-X the first call enables the index with as
 * many vectors as start + count. @p count 0 disables the whole index, as
 * iommufd_device_disable_irq() does.
 *
 * @code
 * int efd = eventfd(0, EFD_CLOEXEC);
 * iommufd_device_set_irq_eventfds(dev, IOMMUFD_VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &efd);
 * @endcode
 *
 * @param dev   a bound VFIO device
 * @param index the interrupt index
 * @param start the first vector
 * @param count the number of vectors (and of @p fds), or 0
 * @param fds   @p count eventfds or -1; may be NULL when @p count is 0
 * @return 0, or a negative errno: -EINVAL (NULL @p dev, NULL @p fds with a
 *         non-zero @p count, an fd below -1, @p start + @p count beyond
 *         2^32 - 1: library-side refusals; from the kernel: vectors the
 *         index lacks, an MSI resize while enabled, a file that is no
 *         eventfd), -EBADF (from the kernel: a closed fd), -EOPNOTSUPP (no
 *         VFIO fd), -ENOTTY (the index takes no eventfds), -ENOMEM
 */
LIBIOMMUFD_API int iommufd_device_set_irq_eventfds(struct iommufd_device *dev, uint32_t index,
						   uint32_t start, uint32_t count,
						   const int32_t *fds);

/**
 * Disables an interrupt index (VFIO_DEVICE_SET_IRQS, DATA_NONE |
 * ACTION_TRIGGER with count 0): every vector is disconnected from its
 * eventfd and, for MSI and MSI-X, the index is switched off in the device.
 * vfio-pci refuses to disable an index that is not enabled (-EINVAL).
 *
 * @param dev   a bound VFIO device
 * @param index the interrupt index
 * @return 0, or a negative errno: -EINVAL (NULL @p dev; from the kernel: an
 *         index the device lacks or that is not enabled), -EOPNOTSUPP (no
 *         VFIO fd), -ENOTTY (the driver has no such interrupts)
 */
LIBIOMMUFD_API int iommufd_device_disable_irq(struct iommufd_device *dev, uint32_t index);

/**
 * Masks vectors of an index (VFIO_DEVICE_SET_IRQS, DATA_NONE | ACTION_MASK):
 * a masked vector does not signal its eventfd. vfio-pci masks INTx only;
 * for MSI and MSI-X it answers -ENOTTY.
 *
 * @param dev   a bound VFIO device
 * @param index the interrupt index (IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX)
 * @param start the first vector
 * @param count the number of vectors, at least 1
 * @return 0, or a negative errno: -EINVAL (NULL @p dev, @p count 0 or
 *         @p start + @p count beyond 2^32 - 1: library-side refusals; from
 *         the kernel: vectors the index lacks), -EOPNOTSUPP (no VFIO fd),
 *         -ENOTTY (the index cannot be masked)
 */
LIBIOMMUFD_API int iommufd_device_mask_irq(struct iommufd_device *dev, uint32_t index,
					   uint32_t start, uint32_t count);

/**
 * Unmasks vectors of an index (VFIO_DEVICE_SET_IRQS, DATA_NONE |
 * ACTION_UNMASK): after a level interrupt fired (IOMMUFD_IRQ_INFO_AUTOMASKED)
 * and the device was serviced, this lets it fire again.
 *
 * @param dev   a bound VFIO device
 * @param index the interrupt index (IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX)
 * @param start the first vector
 * @param count the number of vectors, at least 1
 * @return as iommufd_device_mask_irq()
 */
LIBIOMMUFD_API int iommufd_device_unmask_irq(struct iommufd_device *dev, uint32_t index,
					     uint32_t start, uint32_t count);

/**
 * Connects an eventfd that unmasks a vector when signalled
 * (VFIO_DEVICE_SET_IRQS, DATA_EVENTFD | ACTION_UNMASK): the resampler a VMM
 * hands to KVM's irqfd for a level-triggered INTx, so that the guest's EOI
 * unmasks the interrupt without a trip through the VMM. -1 disconnects it.
 *
 * @param dev    a bound VFIO device
 * @param index  the interrupt index (IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX)
 * @param vector the vector
 * @param fd     the eventfd, or -1
 * @return 0, or a negative errno: -EINVAL (NULL @p dev, an fd below -1:
 *         library-side refusals; from the kernel: a vector the index lacks,
 *         the index not enabled, a file that is no eventfd), -EBADF (a closed
 *         fd), -EOPNOTSUPP (no VFIO fd), -ENOTTY (the index cannot be
 *         unmasked)
 */
LIBIOMMUFD_API int iommufd_device_set_irq_unmask_eventfd(struct iommufd_device *dev,
							 uint32_t index, uint32_t vector,
							 int32_t fd);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_DEVICE_H */
