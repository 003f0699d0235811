/* SPDX-License-Identifier: MIT */
/*
 * iommufd/selftest.h - for test authors: the data types of the kernel's
 * iommufd selftest driver (CONFIG_IOMMUFD_TEST) and of kmod-mock, which
 * models it. Not included by <iommufd/iommufd.h>: include it explicitly.
 */
#ifndef IOMMUFD_SELFTEST_H
#define IOMMUFD_SELFTEST_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup selftest Selftest driver data (for tests)
 *
 * The kernel's iommufd selftest driver (CONFIG_IOMMUFD_TEST) and kmod-mock
 * offer a mock IOMMU with every iommufd feature: nested HWPTs with their
 * own data and invalidation types, a vIOMMU (IOMMUFD_VIOMMU_TYPE_SELFTEST)
 * with vDEVICE caches, vEVENTs (IOMMUFD_VEVENTQ_TYPE_SELFTEST) and HW queues
 * (IOMMUFD_HW_QUEUE_TYPE_SELFTEST), and a test command
 * (IOMMUFD_SELFTEST_CMD, an ioctl on the iommufd) that makes mock devices
 * and checks the driver's state, e.g. the IOTLB of a nested HWPT after an
 * invalidation. This header gives those types and values under the
 * library's names, in the kernel's layout (Linux 7.3). It is for tests:
 * nothing of it exists on a kernel without CONFIG_IOMMUFD_TEST (check
 * IOMMUFD_FEATURE_SELFTEST).
 *
 * @{
 */

/** The hw_info data type the selftest driver reports (struct iommufd_selftest_hw_info). */
#define IOMMUFD_SELFTEST_HW_INFO_TYPE 0xfeedbeefU
/** The value of iommufd_selftest_hw_info::test_reg. */
#define IOMMUFD_SELFTEST_HW_INFO_REGVAL 0xdeadbeefU

/** The hw_info data of the selftest driver (IOMMUFD_SELFTEST_HW_INFO_TYPE, 8 bytes). */
struct iommufd_selftest_hw_info {
	uint32_t flags;    /**< No flags are defined. */
	uint32_t test_reg; /**< Always IOMMUFD_SELFTEST_HW_INFO_REGVAL. */
};

/** The HWPT data type of a selftest nested HWPT (struct iommufd_selftest_hwpt_data). */
#define IOMMUFD_SELFTEST_HWPT_DATA_TYPE 0xdeadU
/** The initial value of every IOTLB entry of a selftest nested HWPT. */
#define IOMMUFD_SELFTEST_IOTLB_DEFAULT 0xbadbeefU
/** The initial value of every cache entry of a selftest vDEVICE. */
#define IOMMUFD_SELFTEST_DEV_CACHE_DEFAULT 0xbaddadU

/** Page table formats of iommufd_selftest_hwpt_data::pagetable_type (Linux 6.18). */
enum iommufd_selftest_pagetable {
	IOMMUFD_SELFTEST_PAGETABLE_DEFAULT = 0, /**< The mock's default format. */
	IOMMUFD_SELFTEST_PAGETABLE_HUGE = 1,    /**< A format with huge pages. */
};

/**
 * The data of a selftest nested HWPT (IOMMUFD_SELFTEST_HWPT_DATA_TYPE, 8
 * bytes; 4 before Linux 6.18, without pagetable_type).
 */
struct iommufd_selftest_hwpt_data {
	/** The value every IOTLB entry starts with (IOMMUFD_SELFTEST_IOTLB_DEFAULT). */
	uint32_t iotlb;
	/** The page table format (enum iommufd_selftest_pagetable). */
	uint32_t pagetable_type;
};

/** The invalidation data type of a selftest nested HWPT (struct iommufd_selftest_hwpt_inv). */
#define IOMMUFD_SELFTEST_HWPT_INV_TYPE 0xdeadbeefU
/** An invalidation data type the selftest driver refuses, to test the error path. */
#define IOMMUFD_SELFTEST_HWPT_INV_TYPE_INVALID 0xdadbeefU

/** Flags of the selftest invalidation entries. */
enum iommufd_selftest_inv_flags {
	/** Invalidate every entry: the id field is ignored. */
	IOMMUFD_SELFTEST_INV_FLAG_ALL = 1 << 0,
};

/** Bounds of the selftest caches. */
enum iommufd_selftest_limits {
	/** The largest IOTLB id of a nested HWPT. */
	IOMMUFD_SELFTEST_IOTLB_ID_MAX = 3,
	/** The number of IOTLB entries of a nested HWPT. */
	IOMMUFD_SELFTEST_IOTLB_NUM = 4,
	/** The largest cache id of a vDEVICE. */
	IOMMUFD_SELFTEST_DEV_CACHE_ID_MAX = 3,
	/** The number of cache entries of a vDEVICE. */
	IOMMUFD_SELFTEST_DEV_CACHE_NUM = 4,
	/** The number of HW queues a selftest vIOMMU takes. */
	IOMMUFD_SELFTEST_HW_QUEUE_MAX = 2,
	/** The PASID width of a selftest device with PASID. */
	IOMMUFD_SELFTEST_PASID_WIDTH = 20,
	/** A PASID whose non-blocking attach fails every second time (to test rollback). */
	IOMMUFD_SELFTEST_PASID_RESERVED = 1024,
};

/** One invalidation entry of a selftest nested HWPT (IOMMUFD_SELFTEST_HWPT_INV_TYPE, 8 bytes). */
struct iommufd_selftest_hwpt_inv {
	/** Flags from enum iommufd_selftest_inv_flags. */
	uint32_t flags;
	/** The IOTLB entry to reset to 0, up to IOMMUFD_SELFTEST_IOTLB_ID_MAX. */
	uint32_t iotlb_id;
};

/** The in and out data of a selftest vIOMMU (IOMMUFD_VIOMMU_TYPE_SELFTEST, 24 bytes). */
struct iommufd_selftest_viommu_data {
	/** Any value: the driver copies it to out_data. */
	uint32_t in_data;
	/** Output: in_data. */
	uint32_t out_data;
	/** Output: the mmap offset of the vIOMMU's page (Linux 6.17). */
	uint64_t out_mmap_offset;
	/** Output: the mmap length of the vIOMMU's page (Linux 6.17). */
	uint64_t out_mmap_length;
};

/** The invalidation data type of a selftest vIOMMU (struct iommufd_selftest_viommu_inv). */
#define IOMMUFD_SELFTEST_VIOMMU_INV_TYPE 0xdeadbeefU
/** A vIOMMU invalidation data type the selftest driver refuses. */
#define IOMMUFD_SELFTEST_VIOMMU_INV_TYPE_INVALID 0xdadbeefU

/** One invalidation entry of a selftest vIOMMU (IOMMUFD_SELFTEST_VIOMMU_INV_TYPE, 12 bytes). */
struct iommufd_selftest_viommu_inv {
	/** Flags from enum iommufd_selftest_inv_flags. */
	uint32_t flags;
	/** The vDEVICE, by its virt_id. */
	uint32_t vdev_id;
	/** The cache entry to reset to 0, up to IOMMUFD_SELFTEST_DEV_CACHE_ID_MAX. */
	uint32_t cache_id;
};

/** The payload of a selftest vEVENT (IOMMUFD_VEVENTQ_TYPE_SELFTEST, 4 bytes). */
struct iommufd_selftest_vevent {
	uint32_t virt_id; /**< The virt_id of the device's vDEVICE. */
};

/** The selftest command: an ioctl on the iommufd with struct iommufd_selftest_cmd. */
#define IOMMUFD_SELFTEST_CMD 0x3ba0U

/** Operations of the selftest command (iommufd_selftest_cmd::op). */
enum iommufd_selftest_op {
	/** Reserve an IOVA range of the IOAS @c id (add_reserved). */
	IOMMUFD_SELFTEST_OP_ADD_RESERVED = 1,
	/** Make a mock device attached to the IOAS or HWPT @c id (mock_domain). */
	IOMMUFD_SELFTEST_OP_MOCK_DOMAIN = 2,
	/** Check that a HWPT maps an IOVA range to a buffer (check_map). */
	IOMMUFD_SELFTEST_OP_MD_CHECK_MAP = 3,
	/** Check the pin count of a buffer's pages (check_refs). */
	IOMMUFD_SELFTEST_OP_MD_CHECK_REFS = 4,
	/** Make an access object, a stand-in for an emulated device (create_access). */
	IOMMUFD_SELFTEST_OP_CREATE_ACCESS = 5,
	/** Unpin pages an access pinned (destroy_access_pages). */
	IOMMUFD_SELFTEST_OP_DESTROY_ACCESS_PAGES = 6,
	/** Pin pages through an access (access_pages). */
	IOMMUFD_SELFTEST_OP_ACCESS_PAGES = 7,
	/** Read or write IOVA through an access (access_rw). */
	IOMMUFD_SELFTEST_OP_ACCESS_RW = 8,
	/** Set a temporary memory limit in pages (memory_limit). */
	IOMMUFD_SELFTEST_OP_SET_TEMP_MEMORY_LIMIT = 9,
	/** Replace a mock device's attachment (mock_domain_replace). */
	IOMMUFD_SELFTEST_OP_MOCK_DOMAIN_REPLACE = 10,
	/** Move an access to another IOAS (access_replace_ioas). */
	IOMMUFD_SELFTEST_OP_ACCESS_REPLACE_IOAS = 11,
	/** Make a mock device with flags (mock_domain_flags). */
	IOMMUFD_SELFTEST_OP_MOCK_DOMAIN_FLAGS = 12,
	/** Mark IOVA pages of a HWPT dirty (dirty). */
	IOMMUFD_SELFTEST_OP_DIRTY = 13,
	/** Check an IOTLB entry of a nested HWPT (check_iotlb). */
	IOMMUFD_SELFTEST_OP_MD_CHECK_IOTLB = 14,
	/** Raise an I/O page fault for a device (trigger_iopf). */
	IOMMUFD_SELFTEST_OP_TRIGGER_IOPF = 15,
	/** Check a cache entry of a vDEVICE (check_dev_cache). */
	IOMMUFD_SELFTEST_OP_DEV_CHECK_CACHE = 16,
	/** Report a vEVENT for a device (trigger_vevent). */
	IOMMUFD_SELFTEST_OP_TRIGGER_VEVENT = 17,
	/** Attach a PASID of a mock device (pasid_attach). */
	IOMMUFD_SELFTEST_OP_PASID_ATTACH = 18,
	/** Replace a PASID's attachment (pasid_replace). */
	IOMMUFD_SELFTEST_OP_PASID_REPLACE = 19,
	/** Detach a PASID (pasid_detach). */
	IOMMUFD_SELFTEST_OP_PASID_DETACH = 20,
	/** Check which HWPT a PASID is attached to (pasid_check). */
	IOMMUFD_SELFTEST_OP_PASID_CHECK_HWPT = 21,
	/** Get a dma-buf of test memory (dmabuf_get). */
	IOMMUFD_SELFTEST_OP_DMABUF_GET = 22,
	/** Revoke or restore a test dma-buf (dmabuf_revoke). */
	IOMMUFD_SELFTEST_OP_DMABUF_REVOKE = 23,
};

/** Flags of a mock device (iommufd_selftest_cmd::mock_domain_flags.dev_flags). */
enum iommufd_selftest_dev_flags {
	IOMMUFD_SELFTEST_DEV_NO_DIRTY = 1 << 0, /**< The device's IOMMU cannot track dirty pages. */
	IOMMUFD_SELFTEST_DEV_PASID = 1 << 2,    /**< The device has PASIDs. */
};

/** Flags of iommufd_selftest_cmd::create_access.flags. */
enum iommufd_selftest_access_create_flags {
	/** The access needs its pages pinned (as for a mediated device). */
	IOMMUFD_SELFTEST_ACCESS_CREATE_NEEDS_PIN_PAGES = 1 << 0,
};

/** Flags of iommufd_selftest_cmd::access_pages.flags. */
enum iommufd_selftest_access_pages_flags {
	IOMMUFD_SELFTEST_ACCESS_PAGES_WRITE = 1 << 0, /**< Pin for writing. */
	IOMMUFD_SELFTEST_ACCESS_PAGES_SYZ = 1 << 16,  /**< The IOVA is a fuzzer's cookie. */
};

/** Flags of iommufd_selftest_cmd::access_rw.flags. */
enum iommufd_selftest_access_rw_flags {
	IOMMUFD_SELFTEST_ACCESS_RW_WRITE = 1 << 0,     /**< Write the IOVA (else read). */
	IOMMUFD_SELFTEST_ACCESS_RW_SLOW_PATH = 1 << 2, /**< Take the page-by-page path. */
};

/** The mock IOMMU's domain geometry. */
enum iommufd_selftest_geometry {
	IOMMUFD_SELFTEST_APERTURE_START = 1 << 24,        /**< First IOVA of a mock domain. */
	IOMMUFD_SELFTEST_APERTURE_LAST = 0x7fffffff,      /**< Last IOVA of a mock domain. */
	IOMMUFD_SELFTEST_PAGE_SIZE = 2048,                /**< The mock IOMMU's page size. */
	IOMMUFD_SELFTEST_HUGE_PAGE_SIZE = 512 * 2048,     /**< Its huge page size. */
};

/**
 * The argument of IOMMUFD_SELFTEST_CMD, in the kernel's layout: a header
 * and one member of the union per operation.
 */
struct iommufd_selftest_cmd {
	uint32_t size;     /**< sizeof(struct iommufd_selftest_cmd). */
	uint32_t op;       /**< The operation (enum iommufd_selftest_op). */
	uint32_t id;       /**< The object the operation is on (an IOAS, HWPT, device...). */
	uint32_t reserved; /**< Must be 0. */
	/** The arguments of each operation. */
	union {
		/** IOMMUFD_SELFTEST_OP_ADD_RESERVED. */
		struct {
			uint64_t start;  /**< First IOVA. */
			uint64_t length; /**< Length in bytes. */
		} add_reserved;
		/** IOMMUFD_SELFTEST_OP_MOCK_DOMAIN. */
		struct {
			uint32_t out_stdev_id; /**< The selftest device object. */
			uint32_t out_hwpt_id;  /**< The HWPT it was attached to. */
			uint32_t out_idev_id;  /**< The bound device (for the device calls). */
		} mock_domain;
		/** IOMMUFD_SELFTEST_OP_MOCK_DOMAIN_FLAGS. */
		struct {
			uint32_t out_stdev_id; /**< The selftest device object. */
			uint32_t out_hwpt_id;  /**< The HWPT it was attached to. */
			uint32_t out_idev_id;  /**< The bound device. */
			uint32_t dev_flags;    /**< enum iommufd_selftest_dev_flags. */
		} mock_domain_flags;
		/** IOMMUFD_SELFTEST_OP_MOCK_DOMAIN_REPLACE. */
		struct {
			uint32_t pt_id; /**< The new IOAS or HWPT. */
		} mock_domain_replace;
		/** IOMMUFD_SELFTEST_OP_MD_CHECK_MAP. */
		struct {
			uint64_t iova;   /**< First IOVA. */
			uint64_t length; /**< Length in bytes. */
			uint64_t uptr;   /**< The buffer it must map. */
		} check_map;
		/** IOMMUFD_SELFTEST_OP_MD_CHECK_REFS. */
		struct {
			uint64_t length; /**< Length in bytes. */
			uint64_t uptr;   /**< The buffer. */
			uint32_t refs;   /**< The pin count every page must have. */
		} check_refs;
		/** IOMMUFD_SELFTEST_OP_CREATE_ACCESS. */
		struct {
			uint32_t out_access_fd; /**< The access's file descriptor. */
			uint32_t flags;         /**< enum iommufd_selftest_access_create_flags. */
		} create_access;
		/** IOMMUFD_SELFTEST_OP_DESTROY_ACCESS_PAGES. */
		struct {
			uint32_t access_pages_id; /**< The pinned pages. */
		} destroy_access_pages;
		/** IOMMUFD_SELFTEST_OP_ACCESS_PAGES. */
		struct {
			uint32_t flags;               /**< enum iommufd_selftest_access_pages_flags. */
			uint32_t out_access_pages_id; /**< The pinned pages. */
			uint64_t iova;                /**< First IOVA. */
			uint64_t length;              /**< Length in bytes. */
			uint64_t uptr;                /**< Where the pages must be. */
		} access_pages;
		/** IOMMUFD_SELFTEST_OP_ACCESS_RW. */
		struct {
			uint64_t iova;   /**< First IOVA. */
			uint64_t length; /**< Length in bytes. */
			uint64_t uptr;   /**< The caller's buffer. */
			uint32_t flags;  /**< enum iommufd_selftest_access_rw_flags. */
		} access_rw;
		/** IOMMUFD_SELFTEST_OP_SET_TEMP_MEMORY_LIMIT. */
		struct {
			uint32_t limit; /**< Pages. */
		} memory_limit;
		/** IOMMUFD_SELFTEST_OP_ACCESS_REPLACE_IOAS. */
		struct {
			uint32_t ioas_id; /**< The new IOAS. */
		} access_replace_ioas;
		/** IOMMUFD_SELFTEST_OP_DIRTY. */
		struct {
			uint32_t flags;        /**< Must be 0. */
			uint64_t iova;         /**< First IOVA. */
			uint64_t length;       /**< Length in bytes. */
			uint64_t page_size;    /**< The granule of a bit. */
			uint64_t uptr;         /**< A bitmap of the pages to mark. */
			uint64_t out_nr_dirty; /**< Pages marked. */
		} dirty;
		/** IOMMUFD_SELFTEST_OP_MD_CHECK_IOTLB. */
		struct {
			uint32_t id;    /**< The IOTLB entry. */
			uint32_t iotlb; /**< Its expected value. */
		} check_iotlb;
		/** IOMMUFD_SELFTEST_OP_TRIGGER_IOPF. */
		struct {
			uint32_t dev_id; /**< The bound device. */
			uint32_t pasid;  /**< Its PASID. */
			uint32_t grpid;  /**< The page request group. */
			uint32_t perm;   /**< IOMMU_PGFAULT_PERM_* bits. */
			uint64_t addr;   /**< The faulting address. */
		} trigger_iopf;
		/** IOMMUFD_SELFTEST_OP_DEV_CHECK_CACHE. */
		struct {
			uint32_t id;    /**< The cache entry. */
			uint32_t cache; /**< Its expected value. */
		} check_dev_cache;
		/** IOMMUFD_SELFTEST_OP_TRIGGER_VEVENT. */
		struct {
			uint32_t dev_id; /**< The bound device. */
		} trigger_vevent;
		/** IOMMUFD_SELFTEST_OP_PASID_ATTACH. */
		struct {
			uint32_t pasid; /**< The PASID. */
			uint32_t pt_id; /**< The HWPT. */
		} pasid_attach;
		/** IOMMUFD_SELFTEST_OP_PASID_REPLACE. */
		struct {
			uint32_t pasid; /**< The PASID. */
			uint32_t pt_id; /**< The new HWPT. */
		} pasid_replace;
		/** IOMMUFD_SELFTEST_OP_PASID_DETACH. */
		struct {
			uint32_t pasid; /**< The PASID. */
		} pasid_detach;
		/** IOMMUFD_SELFTEST_OP_PASID_CHECK_HWPT. */
		struct {
			uint32_t pasid;   /**< The PASID. */
			uint32_t hwpt_id; /**< The HWPT it must be attached to (0: none). */
		} pasid_check;
		/** IOMMUFD_SELFTEST_OP_DMABUF_GET. */
		struct {
			uint32_t length;     /**< Bytes. */
			uint32_t open_flags; /**< Flags of the new fd (O_CLOEXEC...). */
		} dmabuf_get;
		/** IOMMUFD_SELFTEST_OP_DMABUF_REVOKE. */
		struct {
			int32_t dmabuf_fd; /**< The dma-buf. */
			uint32_t revoked;  /**< 1 to revoke, 0 to restore. */
		} dmabuf_revoke;
	};
	uint32_t last; /**< End marker: the kernel's struct size runs to here. */
};

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_SELFTEST_H */
