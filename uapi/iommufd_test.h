/* SPDX-License-Identifier: MIT */
/*
 * iommufd_test.h - the IOMMU_TEST_CMD ABI of the kernel's iommufd selftest mock driver
 * (Linux 7.3, CONFIG_IOMMUFD_TEST), as served by kmod-mock.
 *
 * Written independently with the kernel's identifiers so that the kernel selftests compile
 * against it unchanged; tests/uapi proves every value and layout equal to the kernel's
 * drivers/iommu/iommufd/iommufd_test.h of 7.3 (and the shared part of 6.12).
 */
#ifndef LIBIOMMUFD_IOMMUFD_TEST_H
#define LIBIOMMUFD_IOMMUFD_TEST_H

#include <linux/types.h>
#include "iommufd-uapi.h"

/* Operations of IOMMU_TEST_CMD (iommu_test_cmd.op). */
enum {
	IOMMU_TEST_OP_ADD_RESERVED = 1,
	IOMMU_TEST_OP_MOCK_DOMAIN,
	IOMMU_TEST_OP_MD_CHECK_MAP,
	IOMMU_TEST_OP_MD_CHECK_REFS,
	IOMMU_TEST_OP_CREATE_ACCESS,
	IOMMU_TEST_OP_DESTROY_ACCESS_PAGES,
	IOMMU_TEST_OP_ACCESS_PAGES,
	IOMMU_TEST_OP_ACCESS_RW,
	IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT,
	IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
	IOMMU_TEST_OP_ACCESS_REPLACE_IOAS,
	IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
	IOMMU_TEST_OP_DIRTY,
	IOMMU_TEST_OP_MD_CHECK_IOTLB,
	IOMMU_TEST_OP_TRIGGER_IOPF,
	IOMMU_TEST_OP_DEV_CHECK_CACHE,
	IOMMU_TEST_OP_TRIGGER_VEVENT,
	IOMMU_TEST_OP_PASID_ATTACH,
	IOMMU_TEST_OP_PASID_REPLACE,
	IOMMU_TEST_OP_PASID_DETACH,
	IOMMU_TEST_OP_PASID_CHECK_HWPT,
	IOMMU_TEST_OP_DMABUF_GET,
	IOMMU_TEST_OP_DMABUF_REVOKE,
};

/* Page table formats of the mock domain (iommu_hwpt_selftest.pagetable_type). */
enum {
	MOCK_IOMMUPT_DEFAULT = 0,
	MOCK_IOMMUPT_HUGE,
};

/* Geometry of a MOCK_IOMMUPT_DEFAULT mock domain. */
enum {
	MOCK_APERTURE_START = 1UL << 24,
	MOCK_APERTURE_LAST = (1UL << 31) - 1,
	MOCK_PAGE_SIZE = 2048,
	MOCK_HUGE_PAGE_SIZE = 512 * MOCK_PAGE_SIZE,
};

/* create_access.flags. */
enum {
	MOCK_FLAGS_ACCESS_WRITE = 1 << 0,
	MOCK_FLAGS_ACCESS_SYZ = 1 << 16,
};

/* access_rw.flags. */
enum {
	MOCK_ACCESS_RW_WRITE = 1 << 0,
	MOCK_ACCESS_RW_SLOW_PATH = 1 << 2,
};

/* create_access.flags: the access wants pinned pages (no unmap callback possible). */
enum {
	MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES = 1 << 0,
};

/* mock_domain_flags.dev_flags. */
enum {
	MOCK_FLAGS_DEVICE_NO_DIRTY = 1 << 0,
	MOCK_FLAGS_DEVICE_PASID = 1 << 2,
};

/*
 * Linux 6.12 only (dropped later; bit 1 is unused in 7.3): the mock device's domain used
 * huge IOVA pages. Kept under a distinct name so the mock can present 6.12 behaviour.
 */
#define MOCK_FLAGS_DEVICE_HUGE_IOVA_612 (1 << 1)

/* Number and highest index of the IOTLB slots of a nested mock domain. */
enum {
	MOCK_NESTED_DOMAIN_IOTLB_ID_MAX = 3,
	MOCK_NESTED_DOMAIN_IOTLB_NUM = 4,
};

/* Number and highest index of the cache slots of a mock device (vIOMMU invalidation). */
enum {
	MOCK_DEV_CACHE_ID_MAX = 3,
	MOCK_DEV_CACHE_NUM = 4,
};

/* A PASID the mock refuses in replace, to exercise the failure path. */
#define IOMMU_TEST_PASID_RESERVED 1024

/* IOMMU_TEST_CMD argument: a common header, one op-specific union member, a trailing last. */
struct iommu_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		/* IOMMU_TEST_OP_ADD_RESERVED: reserve [start, start + length) in IOAS id */
		struct {
			__aligned_u64 start;
			__aligned_u64 length;
		} add_reserved;
		/* IOMMU_TEST_OP_MOCK_DOMAIN: new mock device attached to id */
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
		} mock_domain;
		/* IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS: as mock_domain, with device flags */
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
			__u32 dev_flags;
		} mock_domain_flags;
		/* IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE */
		struct {
			__u32 pt_id;
		} mock_domain_replace;
		/* IOMMU_TEST_OP_MD_CHECK_MAP */
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} check_map;
		/* IOMMU_TEST_OP_MD_CHECK_REFS */
		struct {
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 refs;
		} check_refs;
		/* IOMMU_TEST_OP_CREATE_ACCESS */
		struct {
			__u32 out_access_fd;
			__u32 flags;
		} create_access;
		/* IOMMU_TEST_OP_DESTROY_ACCESS_PAGES */
		struct {
			__u32 access_pages_id;
		} destroy_access_pages;
		/* IOMMU_TEST_OP_ACCESS_PAGES */
		struct {
			__u32 flags;
			__u32 out_access_pages_id;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} access_pages;
		/* IOMMU_TEST_OP_ACCESS_RW */
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 flags;
		} access_rw;
		/* IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT */
		struct {
			__u32 limit;
		} memory_limit;
		/* IOMMU_TEST_OP_ACCESS_REPLACE_IOAS */
		struct {
			__u32 ioas_id;
		} access_replace_ioas;
		/* IOMMU_TEST_OP_DIRTY: mark pages dirty from a user bitmap */
		struct {
			__u32 flags;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 page_size;
			__aligned_u64 uptr;
			__aligned_u64 out_nr_dirty;
		} dirty;
		/* IOMMU_TEST_OP_MD_CHECK_IOTLB */
		struct {
			__u32 id;
			__u32 iotlb;
		} check_iotlb;
		/* IOMMU_TEST_OP_TRIGGER_IOPF */
		struct {
			__u32 dev_id;
			__u32 pasid;
			__u32 grpid;
			__u32 perm;
			__u64 addr;
		} trigger_iopf;
		/* IOMMU_TEST_OP_DEV_CHECK_CACHE */
		struct {
			__u32 id;
			__u32 cache;
		} check_dev_cache;
		/* IOMMU_TEST_OP_TRIGGER_VEVENT */
		struct {
			__u32 dev_id;
		} trigger_vevent;
		/* IOMMU_TEST_OP_PASID_ATTACH (id is the mock device) */
		struct {
			__u32 pasid;
			__u32 pt_id;
		} pasid_attach;
		/* IOMMU_TEST_OP_PASID_REPLACE (id is the mock device) */
		struct {
			__u32 pasid;
			__u32 pt_id;
		} pasid_replace;
		/* IOMMU_TEST_OP_PASID_DETACH (id is the mock device) */
		struct {
			__u32 pasid;
		} pasid_detach;
		/* IOMMU_TEST_OP_PASID_CHECK_HWPT (id is the mock device) */
		struct {
			__u32 pasid;
			__u32 hwpt_id;
		} pasid_check;
		/* IOMMU_TEST_OP_DMABUF_GET */
		struct {
			__u32 length;
			__u32 open_flags;
		} dmabuf_get;
		/* IOMMU_TEST_OP_DMABUF_REVOKE */
		struct {
			__s32 dmabuf_fd;
			__u32 revoked;
		} dmabuf_revoke;
	};
	__u32 last;
};
#define IOMMU_TEST_CMD _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32)

/* PASID width reported by the mock device and IOMMU. */
#define MOCK_PASID_WIDTH 20

/* IOMMU_GET_HW_INFO data type and register value of the mock IOMMU. */
#define IOMMU_HW_INFO_TYPE_SELFTEST 0xfeedbeef
#define IOMMU_HW_INFO_SELFTEST_REGVAL 0xdeadbeef

/* IOMMU_GET_HW_INFO payload of the mock IOMMU. */
struct iommu_test_hw_info {
	__u32 flags;
	__u32 test_reg;
};

/* HWPT data type of the mock driver (distinct from every iommu_hwpt_data_type). */
#define IOMMU_HWPT_DATA_SELFTEST 0xdead
/* Initial value of every mock IOTLB slot. */
#define IOMMU_TEST_IOTLB_DEFAULT 0xbadbeef
/* Initial value of every mock device cache slot. */
#define IOMMU_TEST_DEV_CACHE_DEFAULT 0xbaddad

/* IOMMU_HWPT_DATA_SELFTEST payload (8 bytes in 7.3; 6.12 had only iotlb, 4 bytes). */
struct iommu_hwpt_selftest {
	__u32 iotlb;
	__u32 pagetable_type;
};

/* Invalidation data types of the mock driver (valid one, and one it rejects). */
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST 0xdeadbeef
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID 0xdadbeef

/* Flag of the selftest invalidation entries: invalidate every slot, ignore the index. */
#define IOMMU_TEST_INVALIDATE_FLAG_ALL (1 << 0)

/* One HWPT invalidation entry of the mock driver. */
struct iommu_hwpt_invalidate_selftest {
	__u32 flags;
	__u32 iotlb_id;
};

/* vIOMMU type of the mock driver. */
#define IOMMU_VIOMMU_TYPE_SELFTEST 0xdeadbeef

/* IOMMU_VIOMMU_ALLOC payload of the mock: loopback data plus an mmap window. */
struct iommu_viommu_selftest {
	__u32 in_data;
	__u32 out_data;
	__aligned_u64 out_mmap_offset;
	__aligned_u64 out_mmap_length;
};

/* vIOMMU invalidation data types of the mock driver (valid one, and one it rejects). */
#define IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST 0xdeadbeef
#define IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID 0xdadbeef

/* One vIOMMU invalidation entry of the mock driver. */
struct iommu_viommu_invalidate_selftest {
	__u32 flags;
	__u32 vdev_id;
	__u32 cache_id;
};

/* vEVENTQ type of the mock driver. */
#define IOMMU_VEVENTQ_TYPE_SELFTEST 0xbeefbeef

/* vEVENT payload of the mock driver. */
struct iommu_viommu_event_selftest {
	__u32 virt_id;
};

/* HW queue type of the mock driver and how many queues one mock vIOMMU takes. */
#define IOMMU_HW_QUEUE_TYPE_SELFTEST 0xdeadbeef
#define IOMMU_TEST_HW_QUEUE_MAX 2

#endif /* LIBIOMMUFD_IOMMUFD_TEST_H */
