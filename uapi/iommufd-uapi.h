/* SPDX-License-Identifier: MIT */
/*
 * iommufd-uapi.h - the Linux 7.3 iommufd user ABI (/dev/iommu) and the subset of the VFIO
 * user ABI that is used together with iommufd (cdev binding, type1 compatibility container).
 *
 * This is the single definition of the kernel ABI inside libiommufd; it is written
 * independently but uses the kernel's own identifiers so that code reads like the kernel
 * documentation. Every name, value and layout here is checked against the kernel's
 * include/uapi/linux/{iommufd,vfio}.h by tests/uapi. It never includes the system's
 * <linux/iommufd.h> or <linux/vfio.h>, which may be older than the ABI described here.
 */
#ifndef LIBIOMMUFD_UAPI_H
#define LIBIOMMUFD_UAPI_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* =============================== iommufd (/dev/iommu) =============================== */

/* ioctl "type" character shared by iommufd and VFIO. */
#define IOMMUFD_TYPE (';')

/* Command numbers: the nr field of every iommufd ioctl (the size field is always 0). */
enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
	IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f,
	IOMMUFD_CMD_VIOMMU_ALLOC = 0x90,
	IOMMUFD_CMD_VDEVICE_ALLOC = 0x91,
	IOMMUFD_CMD_IOAS_CHANGE_PROCESS = 0x92,
	IOMMUFD_CMD_VEVENTQ_ALLOC = 0x93,
	IOMMUFD_CMD_HW_QUEUE_ALLOC = 0x94,
	IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA = 0x95,
};

/* IOMMU_DESTROY: drop the object with the given id. */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

/* IOMMU_IOAS_ALLOC: create an empty I/O address space. */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

/* One inclusive IOVA interval [start, last]. */
struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/* IOMMU_IOAS_IOVA_RANGES: report the usable IOVA intervals and the required alignment. */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
	__aligned_u64 out_iova_alignment;
};
#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

/* IOMMU_IOAS_ALLOW_IOVAS: restrict automatic IOVA allocation to the given intervals. */
struct iommu_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
};
#define IOMMU_IOAS_ALLOW_IOVAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

/* Flags of IOMMU_IOAS_MAP, IOMMU_IOAS_MAP_FILE and IOMMU_IOAS_COPY. */
enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

/* IOMMU_IOAS_MAP: map user memory [user_va, user_va + length) into an IOAS. */
struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

/* IOMMU_IOAS_NOIOMMU_GET_PA: translate an IOVA of a no-IOMMU IOAS to a physical address. */
struct iommu_ioas_noiommu_get_pa {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 out_phys;
};
#define IOMMU_IOAS_NOIOMMU_GET_PA _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA)

/* IOMMU_IOAS_MAP_FILE: map [start, start + length) of a memfd / file into an IOAS. */
struct iommu_ioas_map_file {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__s32 fd;
	__aligned_u64 start;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP_FILE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP_FILE)

/* IOMMU_IOAS_COPY: map the pages behind a range of one IOAS into another. */
struct iommu_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};
#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)

/* IOMMU_IOAS_UNMAP: remove whole mappings inside a range; length returns what was removed. */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

/* Option ids of IOMMU_OPTION. */
enum iommufd_option {
	IOMMU_OPTION_RLIMIT_MODE = 0,
	IOMMU_OPTION_HUGE_PAGES = 1,
};

/* Operations of IOMMU_OPTION. */
enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

/* IOMMU_OPTION: get or set a per-fd or per-object tunable. */
struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};
#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)

/* Operations of IOMMU_VFIO_IOAS. */
enum iommufd_vfio_ioas_op {
	IOMMU_VFIO_IOAS_GET = 0,
	IOMMU_VFIO_IOAS_SET = 1,
	IOMMU_VFIO_IOAS_CLEAR = 2,
};

/* IOMMU_VFIO_IOAS: query or choose the IOAS used by the VFIO type1 compatibility layer. */
struct iommu_vfio_ioas {
	__u32 size;
	__u32 ioas_id;
	__u16 op;
	__u16 __reserved;
};
#define IOMMU_VFIO_IOAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)

/* Flags of IOMMU_HWPT_ALLOC. */
enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
	IOMMU_HWPT_ALLOC_PASID = 1 << 3,
};

/* Flags of struct iommu_hwpt_vtd_s1. */
enum iommu_hwpt_vtd_s1_flags {
	IOMMU_VTD_S1_SRE = 1 << 0,
	IOMMU_VTD_S1_EAFE = 1 << 1,
	IOMMU_VTD_S1_WPE = 1 << 2,
};

/* Intel VT-d stage-1 page table description (IOMMU_HWPT_DATA_VTD_S1). */
struct iommu_hwpt_vtd_s1 {
	__aligned_u64 flags;
	__aligned_u64 pgtbl_addr;
	__u32 addr_width;
	__u32 __reserved;
};

/* ARM SMMUv3 nested stream table entry, little endian (IOMMU_HWPT_DATA_ARM_SMMUV3). */
struct iommu_hwpt_arm_smmuv3 {
	__aligned_le64 ste[2];
};

/* AMD guest device table entry (IOMMU_HWPT_DATA_AMD_GUEST). */
struct iommu_hwpt_amd_guest {
	__aligned_u64 dte[4];
};

/* Type of the driver data passed to IOMMU_HWPT_ALLOC. */
enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
	IOMMU_HWPT_DATA_ARM_SMMUV3 = 2,
	IOMMU_HWPT_DATA_AMD_GUEST = 3,
};

/* IOMMU_HWPT_ALLOC: create a HW page table (paging or nested) for a device. */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;
	__u32 __reserved2;
};
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

/* Flags of struct iommu_hw_info_vtd. */
enum iommu_hw_info_vtd_flags {
	IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0,
};

/* Intel VT-d capability registers (IOMMU_HW_INFO_TYPE_INTEL_VTD). */
struct iommu_hw_info_vtd {
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 cap_reg;
	__aligned_u64 ecap_reg;
};

/* Flags of struct iommu_hw_info_arm_smmuv3. */
enum iommu_hw_info_arm_smmuv3_flags {
	IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI = 1 << 0,
};

/* ARM SMMUv3 ID registers (IOMMU_HW_INFO_TYPE_ARM_SMMUV3). */
struct iommu_hw_info_arm_smmuv3 {
	__u32 flags;
	__u32 __reserved;
	__u32 idr[6];
	__u32 iidr;
	__u32 aidr;
};

/* NVIDIA Tegra241 CMDQV description (IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV). */
struct iommu_hw_info_tegra241_cmdqv {
	__u32 flags;
	__u8 version;
	__u8 log2vcmdqs;
	__u8 log2vsids;
	__u8 __reserved;
};

/* AMD extended feature registers (IOMMU_HW_INFO_TYPE_AMD). */
struct iommu_hw_info_amd {
	__aligned_u64 efr;
	__aligned_u64 efr2;
};

/* Type of the data IOMMU_GET_HW_INFO returns (NONE and DEFAULT are the same value). */
enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_DEFAULT = 0,
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3,
	IOMMU_HW_INFO_TYPE_AMD = 4,
};

/* Generic capability bits in iommu_hw_info.out_capabilities. */
enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
	IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED = 1 << 3,
};

/* Flags of IOMMU_GET_HW_INFO. */
enum iommufd_hw_info_flags {
	IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0,
};

/* IOMMU_GET_HW_INFO: read the IOMMU description of a bound device. */
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	union {
		/* requested type when IOMMU_HW_INFO_FLAG_INPUT_TYPE is set */
		__u32 in_data_type;
		/* type actually written to data_uptr */
		__u32 out_data_type;
	};
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};
#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

/* Flags of IOMMU_HWPT_SET_DIRTY_TRACKING. */
enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

/* IOMMU_HWPT_SET_DIRTY_TRACKING: start or stop dirty tracking on a HWPT. */
struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};
#define IOMMU_HWPT_SET_DIRTY_TRACKING _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

/* Flags of IOMMU_HWPT_GET_DIRTY_BITMAP. */
enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

/* IOMMU_HWPT_GET_DIRTY_BITMAP: read (and by default clear) dirty bits of an IOVA range. */
struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};
#define IOMMU_HWPT_GET_DIRTY_BITMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

/* Type of the entries of IOMMU_HWPT_INVALIDATE. */
enum iommu_hwpt_invalidate_data_type {
	IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
	IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1,
};

/* Flags of struct iommu_hwpt_vtd_s1_invalidate. */
enum iommu_hwpt_vtd_s1_invalidate_flags {
	IOMMU_VTD_INV_FLAGS_LEAF = 1 << 0,
};

/* One VT-d stage-1 invalidation request. */
struct iommu_hwpt_vtd_s1_invalidate {
	__aligned_u64 addr;
	__aligned_u64 npages;
	__u32 flags;
	__u32 __reserved;
};

/* One raw ARM SMMUv3 command queue entry, little endian. */
struct iommu_viommu_arm_smmuv3_invalidate {
	__aligned_le64 cmd[2];
};

/* IOMMU_HWPT_INVALIDATE: run an array of cache invalidations on a HWPT or vIOMMU. */
struct iommu_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num;
	__u32 __reserved;
};
#define IOMMU_HWPT_INVALIDATE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE)

/* Flags of struct iommu_hwpt_pgfault. */
enum iommu_hwpt_pgfault_flags {
	IOMMU_PGFAULT_FLAGS_PASID_VALID = (1 << 0),
	IOMMU_PGFAULT_FLAGS_LAST_PAGE = (1 << 1),
};

/* Access permissions of struct iommu_hwpt_pgfault. */
enum iommu_hwpt_pgfault_perm {
	IOMMU_PGFAULT_PERM_READ = (1 << 0),
	IOMMU_PGFAULT_PERM_WRITE = (1 << 1),
	IOMMU_PGFAULT_PERM_EXEC = (1 << 2),
	IOMMU_PGFAULT_PERM_PRIV = (1 << 3),
};

/* One I/O page fault record as read from a fault queue fd. */
struct iommu_hwpt_pgfault {
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 grpid;
	__u32 perm;
	__u32 __reserved;
	__aligned_u64 addr;
	__u32 length;
	__u32 cookie;
};

/* Response codes of struct iommu_hwpt_page_response. */
enum iommufd_page_response_code {
	IOMMUFD_PAGE_RESP_SUCCESS = 0,
	IOMMUFD_PAGE_RESP_INVALID = 1,
};

/* One page fault response as written to a fault queue fd. */
struct iommu_hwpt_page_response {
	__u32 cookie;
	__u32 code;
};

/* IOMMU_FAULT_QUEUE_ALLOC: create a fault queue object and its fd. */
struct iommu_fault_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_fault_id;
	__u32 out_fault_fd;
};
#define IOMMU_FAULT_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC)

/* vIOMMU flavours of IOMMU_VIOMMU_ALLOC. */
enum iommu_viommu_type {
	IOMMU_VIOMMU_TYPE_DEFAULT = 0,
	IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV = 2,
};

/* Tegra241 CMDQV vIOMMU output: where to mmap the VINTF page on the iommufd. */
struct iommu_viommu_tegra241_cmdqv {
	__aligned_u64 out_vintf_mmap_offset;
	__aligned_u64 out_vintf_mmap_length;
};

/* IOMMU_VIOMMU_ALLOC: create a virtual IOMMU on top of a nesting parent HWPT. */
struct iommu_viommu_alloc {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 dev_id;
	__u32 hwpt_id;
	__u32 out_viommu_id;
	__u32 data_len;
	__u32 __reserved;
	__aligned_u64 data_uptr;
};
#define IOMMU_VIOMMU_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VIOMMU_ALLOC)

/* IOMMU_VDEVICE_ALLOC: give a device a virtual id (e.g. guest stream id) in a vIOMMU. */
struct iommu_vdevice_alloc {
	__u32 size;
	__u32 viommu_id;
	__u32 dev_id;
	__u32 out_vdevice_id;
	__aligned_u64 virt_id;
};
#define IOMMU_VDEVICE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VDEVICE_ALLOC)

/* IOMMU_IOAS_CHANGE_PROCESS: move pinned-page accounting of file mappings to the caller. */
struct iommu_ioas_change_process {
	__u32 size;
	__u32 __reserved;
};
#define IOMMU_IOAS_CHANGE_PROCESS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_CHANGE_PROCESS)

/* Flags of struct iommufd_vevent_header. */
enum iommu_veventq_flag {
	IOMMU_VEVENTQ_FLAG_LOST_EVENTS = (1U << 0),
};

/* Header that precedes every vEVENT read from a vEVENTQ fd. */
struct iommufd_vevent_header {
	__u32 flags;
	__u32 sequence;
};

/* vEVENTQ flavours of IOMMU_VEVENTQ_ALLOC. */
enum iommu_veventq_type {
	IOMMU_VEVENTQ_TYPE_DEFAULT = 0,
	IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV = 2,
};

/* ARM SMMUv3 event record payload, little endian. */
struct iommu_vevent_arm_smmuv3 {
	__aligned_le64 evt[4];
};

/* Tegra241 CMDQV error map payload, little endian. */
struct iommu_vevent_tegra241_cmdqv {
	__aligned_le64 lvcmdq_err_map[2];
};

/* IOMMU_VEVENTQ_ALLOC: create a virtual event queue on a vIOMMU and its fd. */
struct iommu_veventq_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 veventq_depth;
	__u32 out_veventq_id;
	__u32 out_veventq_fd;
	__u32 __reserved;
};
#define IOMMU_VEVENTQ_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VEVENTQ_ALLOC)

/* HW queue flavours of IOMMU_HW_QUEUE_ALLOC. */
enum iommu_hw_queue_type {
	IOMMU_HW_QUEUE_TYPE_DEFAULT = 0,
	IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV = 1,
};

/* IOMMU_HW_QUEUE_ALLOC: hand a guest queue in IOAS memory to the HW of a vIOMMU. */
struct iommu_hw_queue_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 index;
	__u32 out_hw_queue_id;
	__aligned_u64 nesting_parent_iova;
	__aligned_u64 length;
};
#define IOMMU_HW_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HW_QUEUE_ALLOC)

/* ================================ VFIO (subset) ================================ */

#define VFIO_API_VERSION 0

/* IOMMU models / extensions known to VFIO_CHECK_EXTENSION and VFIO_SET_IOMMU. */
#define VFIO_TYPE1_IOMMU 1
#define VFIO_SPAPR_TCE_IOMMU 2
#define VFIO_TYPE1v2_IOMMU 3
#define VFIO_DMA_CC_IOMMU 4
#define VFIO_EEH 5
#define VFIO_SPAPR_TCE_v2_IOMMU 7
#define VFIO_NOIOMMU_IOMMU 8
#define VFIO_UNMAP_ALL 9
#define VFIO_UPDATE_VADDR 10

/* VFIO ioctls share ';' with iommufd and number from VFIO_BASE. */
#define VFIO_TYPE (';')
#define VFIO_BASE 100

/* Header of every capability in a VFIO info chain; next is an offset from the info start. */
struct vfio_info_cap_header {
	__u16 id;
	__u16 version;
	__u32 next;
};

/* Container (/dev/vfio/vfio, or /dev/iommu in compat mode) ioctls. */
#define VFIO_GET_API_VERSION _IO(VFIO_TYPE, VFIO_BASE + 0)
#define VFIO_CHECK_EXTENSION _IO(VFIO_TYPE, VFIO_BASE + 1)
#define VFIO_SET_IOMMU _IO(VFIO_TYPE, VFIO_BASE + 2)

/* VFIO_GROUP_GET_STATUS: legacy group fd state (a group can also join an iommufd container). */
struct vfio_group_status {
	__u32 argsz;
	__u32 flags;
};
#define VFIO_GROUP_FLAGS_VIABLE (1 << 0)
#define VFIO_GROUP_FLAGS_CONTAINER_SET (1 << 1)
#define VFIO_GROUP_GET_STATUS _IO(VFIO_TYPE, VFIO_BASE + 3)
#define VFIO_GROUP_SET_CONTAINER _IO(VFIO_TYPE, VFIO_BASE + 4)
#define VFIO_GROUP_UNSET_CONTAINER _IO(VFIO_TYPE, VFIO_BASE + 5)
#define VFIO_GROUP_GET_DEVICE_FD _IO(VFIO_TYPE, VFIO_BASE + 6)

/* VFIO_DEVICE_GET_INFO: basic properties of a device fd. */
struct vfio_device_info {
	__u32 argsz;
	__u32 flags;
	__u32 num_regions;
	__u32 num_irqs;
	__u32 cap_offset;
	__u32 pad;
};
#define VFIO_DEVICE_FLAGS_RESET (1 << 0)
#define VFIO_DEVICE_FLAGS_PCI (1 << 1)
#define VFIO_DEVICE_FLAGS_PLATFORM (1 << 2)
#define VFIO_DEVICE_FLAGS_AMBA (1 << 3)
#define VFIO_DEVICE_FLAGS_CCW (1 << 4)
#define VFIO_DEVICE_FLAGS_AP (1 << 5)
#define VFIO_DEVICE_FLAGS_FSL_MC (1 << 6)
#define VFIO_DEVICE_FLAGS_CAPS (1 << 7)
#define VFIO_DEVICE_FLAGS_CDX (1 << 8)
#define VFIO_DEVICE_GET_INFO _IO(VFIO_TYPE, VFIO_BASE + 7)

/* VFIO_DEVICE_GET_REGION_INFO: size, offset and access of one device region. */
struct vfio_region_info {
	__u32 argsz;
	__u32 flags;
	__u32 index;
	__u32 cap_offset;
	__aligned_u64 size;
	__aligned_u64 offset;
};
#define VFIO_REGION_INFO_FLAG_READ (1 << 0)
#define VFIO_REGION_INFO_FLAG_WRITE (1 << 1)
#define VFIO_REGION_INFO_FLAG_MMAP (1 << 2)
#define VFIO_REGION_INFO_FLAG_CAPS (1 << 3)
#define VFIO_DEVICE_GET_REGION_INFO _IO(VFIO_TYPE, VFIO_BASE + 8)

/* VFIO_DEVICE_GET_IRQ_INFO: flags and vector count of one interrupt index. */
struct vfio_irq_info {
	__u32 argsz;
	__u32 flags;
	__u32 index;
	__u32 count;
};
#define VFIO_IRQ_INFO_EVENTFD (1 << 0)
#define VFIO_IRQ_INFO_MASKABLE (1 << 1)
#define VFIO_IRQ_INFO_AUTOMASKED (1 << 2)
#define VFIO_IRQ_INFO_NORESIZE (1 << 3)
#define VFIO_DEVICE_GET_IRQ_INFO _IO(VFIO_TYPE, VFIO_BASE + 9)

/*
 * VFIO_DEVICE_SET_IRQS: one action (trigger, mask, unmask) on vectors
 * start .. start + count - 1 of an index, with no data, a bool or an
 * eventfd (__s32) per vector after the header.
 */
struct vfio_irq_set {
	__u32 argsz;
	__u32 flags;
	__u32 index;
	__u32 start;
	__u32 count;
	__u8 data[];
};
#define VFIO_IRQ_SET_DATA_NONE (1 << 0)
#define VFIO_IRQ_SET_DATA_BOOL (1 << 1)
#define VFIO_IRQ_SET_DATA_EVENTFD (1 << 2)
#define VFIO_IRQ_SET_ACTION_MASK (1 << 3)
#define VFIO_IRQ_SET_ACTION_UNMASK (1 << 4)
#define VFIO_IRQ_SET_ACTION_TRIGGER (1 << 5)
#define VFIO_IRQ_SET_DATA_TYPE_MASK \
	(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_DATA_EVENTFD)
#define VFIO_IRQ_SET_ACTION_TYPE_MASK \
	(VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_ACTION_TRIGGER)
#define VFIO_DEVICE_SET_IRQS _IO(VFIO_TYPE, VFIO_BASE + 10)

/* VFIO_DEVICE_RESET: function-level reset of the device. */
#define VFIO_DEVICE_RESET _IO(VFIO_TYPE, VFIO_BASE + 11)

/* Fixed region indexes of a vfio-pci device. */
enum {
	VFIO_PCI_BAR0_REGION_INDEX,
	VFIO_PCI_BAR1_REGION_INDEX,
	VFIO_PCI_BAR2_REGION_INDEX,
	VFIO_PCI_BAR3_REGION_INDEX,
	VFIO_PCI_BAR4_REGION_INDEX,
	VFIO_PCI_BAR5_REGION_INDEX,
	VFIO_PCI_ROM_REGION_INDEX,
	VFIO_PCI_CONFIG_REGION_INDEX,
	VFIO_PCI_VGA_REGION_INDEX,
	VFIO_PCI_NUM_REGIONS = 9,
};

/* Fixed interrupt indexes of a vfio-pci device. */
enum {
	VFIO_PCI_INTX_IRQ_INDEX,
	VFIO_PCI_MSI_IRQ_INDEX,
	VFIO_PCI_MSIX_IRQ_INDEX,
	VFIO_PCI_ERR_IRQ_INDEX,
	VFIO_PCI_REQ_IRQ_INDEX,
	VFIO_PCI_NUM_IRQS
};

/* VFIO_DEVICE_FEATURE: get/set/probe one feature; the payload follows in data[]. */
struct vfio_device_feature {
	__u32 argsz;
	__u32 flags;
	__u8 data[];
};
#define VFIO_DEVICE_FEATURE_MASK (0xffff)
#define VFIO_DEVICE_FEATURE_GET (1 << 16)
#define VFIO_DEVICE_FEATURE_SET (1 << 17)
#define VFIO_DEVICE_FEATURE_PROBE (1 << 18)
#define VFIO_DEVICE_FEATURE _IO(VFIO_TYPE, VFIO_BASE + 17)

/* VFIO_DEVICE_BIND_IOMMUFD: bind a device cdev fd to an iommufd; returns the device id. */
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
	__aligned_u64 token_uuid_ptr;
};
#define VFIO_DEVICE_BIND_FLAG_TOKEN (1 << 0)
#define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)

/* VFIO_DEVICE_ATTACH_IOMMUFD_PT: attach a bound device (or one PASID) to an IOAS/HWPT. */
struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;
	__u32 pasid;
};
#define VFIO_DEVICE_ATTACH_PASID (1 << 0)
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)

/* VFIO_DEVICE_DETACH_IOMMUFD_PT: detach a bound device (or one PASID). */
struct vfio_device_detach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pasid;
};
#define VFIO_DEVICE_DETACH_PASID (1 << 0)
#define VFIO_DEVICE_DETACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 20)

/* Feature VFIO_DEVICE_FEATURE_PCI_VF_TOKEN: set the VF token (a UUID) of a PF. */
#define VFIO_DEVICE_FEATURE_PCI_VF_TOKEN (0)

/* Feature VFIO_DEVICE_FEATURE_DMA_BUF: export ranges of a region as a dma-buf. */
#define VFIO_DEVICE_FEATURE_DMA_BUF 11

/* One range of a region exported by VFIO_DEVICE_FEATURE_DMA_BUF. */
struct vfio_region_dma_range {
	__u64 offset;
	__u64 length;
};

/* Payload of VFIO_DEVICE_FEATURE_DMA_BUF; nr_ranges entries follow. */
struct vfio_device_feature_dma_buf {
	__u32 region_index;
	__u32 open_flags;
	__u32 flags;
	__u32 nr_ranges;
	struct vfio_region_dma_range dma_ranges[];
};

/* Other features of VFIO_DEVICE_FEATURE (vfio_main.c and vfio-pci). */
#define VFIO_DEVICE_FEATURE_MIGRATION 1
#define VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE 2
#define VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY 3
#define VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP 4
#define VFIO_DEVICE_FEATURE_LOW_POWER_EXIT 5
#define VFIO_DEVICE_FEATURE_DMA_LOGGING_START 6
#define VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP 7
#define VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT 8
#define VFIO_DEVICE_FEATURE_MIG_DATA_SIZE 9
#define VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 12
#define VFIO_DEVICE_FEATURE_ZPCI_ERROR 13

/* Payload of VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP. */
struct vfio_device_low_power_entry_with_wakeup {
	__s32 wakeup_eventfd;
	__u32 reserved;
};

/* One device a PCI hot reset affects; group_id in the group form, devid with FLAG_DEV_ID. */
struct vfio_pci_dependent_device {
	union {
		__u32 group_id;
		__u32 devid;
	};
	__u16 segment;
	__u8 bus;
	__u8 devfn;
};
#define VFIO_PCI_DEVID_OWNED 0
#define VFIO_PCI_DEVID_NOT_OWNED (-1)

/* VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: the devices a hot reset of this one affects. */
struct vfio_pci_hot_reset_info {
	__u32 argsz;
	__u32 flags;
	__u32 count;
	struct vfio_pci_dependent_device devices[];
};
#define VFIO_PCI_HOT_RESET_FLAG_DEV_ID (1 << 0)
#define VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED (1 << 1)
#define VFIO_DEVICE_GET_PCI_HOT_RESET_INFO _IO(VFIO_TYPE, VFIO_BASE + 12)

/* VFIO_DEVICE_PCI_HOT_RESET: reset the slot or bus; group fds (none with dev-ids) own it. */
struct vfio_pci_hot_reset {
	__u32 argsz;
	__u32 flags;
	__u32 count;
	__s32 group_fds[];
};
#define VFIO_DEVICE_PCI_HOT_RESET _IO(VFIO_TYPE, VFIO_BASE + 13)

/* VFIO_IOMMU_GET_INFO: properties of the type1 (or compat) IOMMU of a container. */
struct vfio_iommu_type1_info {
	__u32 argsz;
	__u32 flags;
	__aligned_u64 iova_pgsizes;
	__u32 cap_offset;
	__u32 pad;
};
#define VFIO_IOMMU_INFO_PGSIZES (1 << 0)
#define VFIO_IOMMU_INFO_CAPS (1 << 1)

/* Capability VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE: the usable IOVA intervals. */
#define VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE 1

/* One inclusive IOVA interval [start, end] of the IOVA_RANGE capability. */
struct vfio_iova_range {
	__u64 start;
	__u64 end;
};

/* IOVA_RANGE capability body; nr_iovas entries follow. */
struct vfio_iommu_type1_info_cap_iova_range {
	struct vfio_info_cap_header header;
	__u32 nr_iovas;
	__u32 reserved;
	struct vfio_iova_range iova_ranges[];
};

/* Capability VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL: how many more DMA mappings are allowed. */
#define VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL 3

/* DMA_AVAIL capability body. */
struct vfio_iommu_type1_info_dma_avail {
	struct vfio_info_cap_header header;
	__u32 avail;
};
#define VFIO_IOMMU_GET_INFO _IO(VFIO_TYPE, VFIO_BASE + 12)

/* VFIO_IOMMU_MAP_DMA: map [vaddr, vaddr + size) at iova. */
struct vfio_iommu_type1_dma_map {
	__u32 argsz;
	__u32 flags;
	__u64 vaddr;
	__u64 iova;
	__u64 size;
};
#define VFIO_DMA_MAP_FLAG_READ (1 << 0)
#define VFIO_DMA_MAP_FLAG_WRITE (1 << 1)
#define VFIO_DMA_MAP_FLAG_VADDR (1 << 2)
#define VFIO_IOMMU_MAP_DMA _IO(VFIO_TYPE, VFIO_BASE + 13)

/* VFIO_IOMMU_UNMAP_DMA: unmap [iova, iova + size); size returns what was unmapped. */
struct vfio_iommu_type1_dma_unmap {
	__u32 argsz;
	__u32 flags;
	__u64 iova;
	__u64 size;
	__u8 data[];
};
#define VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP (1 << 0)
#define VFIO_DMA_UNMAP_FLAG_ALL (1 << 1)
#define VFIO_DMA_UNMAP_FLAG_VADDR (1 << 2)
#define VFIO_IOMMU_UNMAP_DMA _IO(VFIO_TYPE, VFIO_BASE + 14)

/* VFIO_IOMMU_DIRTY_PAGES: type1 dirty tracking; the iommufd compat layer rejects it. */
#define VFIO_IOMMU_DIRTY_PAGES _IO(VFIO_TYPE, VFIO_BASE + 17)

#endif /* LIBIOMMUFD_UAPI_H */
