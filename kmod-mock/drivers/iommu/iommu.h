/* SPDX-License-Identifier: MIT */
/*
 * iommu.h - the mock's include/linux/iommu.h: what the IOMMU core
 * (drivers/iommu/iommu.c), the IOMMU drivers beside it and the device models
 * share with iommufd. The driver ops tables (the kernel's iommu_ops,
 * iommu_domain_ops and iommufd_viommu_ops), the device as the IOMMU knows it
 * (struct mock_dev, the kernel's struct device + dev_iommu), the domains
 * (struct iommu_domain) and their IO page table (iommu_pt.c, dirty.c).
 * iommufd's own state stays in iommufd/iommufd_private.h.
 */
#ifndef KMOD_MOCK_IOMMU_H
#define KMOD_MOCK_IOMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommufd-uapi.h"
#include "iommufd_test.h"
#include "interval_tree.h"

struct io_pagetable;
struct iopt_pages;

/* The page size of the machine (asm/page.h) and the IO PTE protections. */
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

#define IOMMU_READ (1 << 0)
#define IOMMU_WRITE (1 << 1)
#define IOMMU_CACHE (1 << 2)

/* Kernel releases (kernel_version.c): MOCK_KV(6, 12) < MOCK_KV(7, 3). */
#define MOCK_KV(major, minor) (((major) << 8) | (minor))

/* The MSI window x86 IOMMUs (VT-d, AMD) reserve in every domain. */
#define MOCK_X86_MSI_START 0xfee00000ULL
#define MOCK_X86_MSI_LAST 0xfeefffffULL

struct iommufd_device;
struct iommufd_ucmd;
struct iommufd_viommu;
struct iommu_hwpt_invalidate;
struct iommu_viommu_alloc;
struct mock_dev;
struct mock_task;

/*
 * The kernel's iommufd_viommu_ops: what a driver's vIOMMU does. A NULL or
 * false member is an op the driver does not have (the core answers for it).
 */
struct mock_viommu_ops {
	bool alloc_domain_nested; /* nested domains are allocated on the vIOMMU */
	int (*cache_invalidate)(struct iommufd_viommu *viommu, const struct mock_task *task,
				struct iommu_hwpt_invalidate *cmd);
	/* get_hw_queue_size()/hw_queue_init_phys(): HW queues of @type */
	bool (*hw_queue_supported)(uint32_t type);
	/*
	 * A stage-1 DMA fault of the device @vdev_id names under the vIOMMU: the
	 * driver reports its vEVENT (@smmu_evt: the SMMU's event record, or NULL).
	 */
	void (*report_fault)(struct iommufd_viommu *viommu, uint64_t vdev_id,
			     const uint64_t *smmu_evt);
};

struct mock_domain;
struct mock_nested_domain;
struct iommu_hwpt_alloc;
struct iommu_hwpt_selftest;

/* What a device's configuration set itself: the driver's dev_defaults() leaves it alone. */
struct mock_dev_config {
	bool resv;          /* resv= (the reserved regions) */
	bool hw_info_flags; /* hwinfo-flags= */
	bool hw_info_reg[2]; /* cap=/efr= and ecap=/efr2= */
};

/*
 * One IOMMU driver (kmod-mock/drivers/iommu/<driver>.c), one per model: the
 * kernel's iommu_ops, the iommu_domain_ops of its nested domains and its
 * iommufd_viommu_ops, as far as user space can tell the drivers apart. A
 * NULL or false member is an op the driver does not have.
 */
struct mock_iommu_ops {
	/*
	 * ---- the probe of a device behind it (the machine, drivers/pci/machine.c) ----
	 * names: what hwinfo=/iommu= take (NULL-terminated, case-insensitive;
	 * names[0] is the one messages list). desc, since_desc: "an <desc>
	 * IOMMU needs <since_desc>" when the release is older than since_kv,
	 * the first release whose iommufd reports this IOMMU (0: all).
	 */
	const char *const *names;
	const char *desc, *since_desc;
	unsigned int since_kv;
	/* releases before this one give the devices 2 KiB IO pages (the selftest table); 0: none */
	unsigned int io_pages_2k_before_kv;
	/* dirty tracking and nesting unless the configuration says */
	bool default_dirty, default_nesting;
	/* the rest of the device's power-on state: what the IOMMU reports unless @set says */
	void (*dev_defaults)(struct mock_dev *mdev, const struct mock_dev_config *set);

	/* ---- iommu_ops ---- */
	/* hw_info(): the driver's IOMMU_HW_INFO_TYPE_* and its data (<= 64 bytes, returns the length) */
	uint32_t hw_info_type;
	uint32_t (*hw_info)(const struct mock_dev *mdev, void *buf);
	/* capable(IOMMU_CAP_PCI_ATS_SUPPORTED) is never true (the selftest's mock IOMMU) */
	bool no_pci_ats;
	/*
	 * domain_alloc_paging_flags(), after the core checked the flags against
	 * the device: shape the paging domain (aperture, page size) from the
	 * driver data @cfg (NULL: none).
	 */
	int (*domain_alloc_paging)(struct mock_domain *domain, const struct mock_dev *mdev,
				   const struct iommu_hwpt_selftest *cfg);
	/* has domain_alloc_nested() (else nested domains come only from a vIOMMU) */
	bool domain_alloc_nested;
	/*
	 * domain_alloc_nested() or the vIOMMU's alloc_domain_nested(): take and
	 * check the user data of a stage-1 domain on @parent.
	 */
	int (*nested_domain_init)(struct mock_nested_domain *nd, const struct mock_domain *parent,
				  const struct mock_dev *mdev, uint32_t flags,
				  const struct mock_task *task, const struct iommu_hwpt_alloc *cmd);
	/* set_dev_pasid() of a non-blocking (or, @blocked, the blocking) domain */
	int (*set_dev_pasid)(struct mock_dev *mdev, uint32_t pasid, bool blocked);
	/* the driver data a paging domain takes (IOMMU_HWPT_DATA_NONE: none) */
	uint32_t paging_data_type;
	/* the device's PASIDs are in a user PASID table: the RID's nested domain takes their faults */
	bool user_pasid_table;

	/* ---- iommu_domain_ops of its nested domains ---- */
	/* cache_invalidate_user(); sets cmd->entry_num to the number done */
	int (*cache_invalidate_user)(struct mock_nested_domain *nd, const struct mock_task *task,
				     struct iommu_hwpt_invalidate *cmd);
	/*
	 * Stage 1 of a DMA at @iova: the stage-2 IOVA it lands on (tables are
	 * read through @s2, mock_domain_read_u64()), or a fault (-ENOENT,
	 * -EACCES, -EPERM) with the SMMU event record in @evt (evt[0] == 0: none).
	 */
	int (*s1_translate)(const struct mock_nested_domain *nd, struct mock_domain *s2,
			    uint64_t iova, bool write, uint64_t *s2_iova, uint64_t evt[4]);
	/* attach_dev() without the device's vDEVICE: may the nested domain be installed? */
	bool (*nested_attach_no_vdev)(const struct mock_nested_domain *nd);

	/* ---- the vIOMMU ---- */
	/* the size of the driver's vIOMMU object of @type on @mdev's IOMMU, 0: none */
	size_t (*get_viommu_size)(const struct mock_dev *mdev, uint32_t type);
	/* viommu->ops is set (to viommu_ops) before it is called */
	int (*viommu_init)(struct iommufd_viommu *viommu, struct iommufd_device *idev,
			   struct iommufd_ucmd *ucmd, const struct iommu_viommu_alloc *cmd);
	const struct mock_viommu_ops *viommu_ops;
};

/* drivers/iommu/iommu.c: the driver one of whose names is @name, or NULL. */
const struct mock_iommu_ops *mock_iommu_find(const char *name);
/* The drivers' first names, "a, b or c", in @buf (for messages). */
void mock_iommu_names(char *buf, size_t len);
/* The driver of @mdev's IOMMU (the kernel's dev_iommu_ops()). */
const struct mock_iommu_ops *dev_iommu_ops(const struct mock_dev *mdev);
/*
 * Probe @mdev behind its driver on release @kv: -EOPNOTSUPP when the release
 * has no such IOMMU; sets the release-dependent state (io_pages_2k).
 */
int mock_dev_probe_iommu(struct mock_dev *mdev, unsigned int kv);
/* Add the reserved region [start, last] to @mdev: -EINVAL when full or empty. */
int mock_dev_add_resv(struct mock_dev *mdev, uint64_t start, uint64_t last);
/*
 * The paging domain of the generic page table (VT-d, SMMUv3, AMD): the
 * device's input address width, PAGE_SIZE pages, no driver data.
 */
int mock_domain_alloc_paging_generic(struct mock_domain *domain, const struct mock_dev *mdev,
				     const struct iommu_hwpt_selftest *cfg);
/* Read the 8-byte table entry at @gpa through paging domain @s2 (host order): 0 or -errno. */
int mock_domain_read_u64(struct mock_domain *s2, uint64_t gpa, uint64_t *val);

#define MOCK_MAX_RESV 8
#define IOMMU_NO_PASID 0U

struct mock_resv_region {
	uint64_t start;
	uint64_t last;
};

/* One DMA the IOMMU refused (kept for later IOPF / vEVENT reporting). */
struct mock_dma_fault {
	uint64_t iova;
	uint32_t pasid;
	bool write;
	int reason; /* -ENOENT not mapped, -EACCES permission, -EFAULT memory gone */
};

#define MOCK_DMA_FAULT_LOG 16

/* What the IOMMU knows of one device (a selftest mock device or a VFIO PCI device). */
struct mock_dev {
	uint32_t id;
	uint32_t flags; /* MOCK_FLAGS_DEVICE_* of a selftest device */
	uint32_t cache[MOCK_DEV_CACHE_NUM]; /* vIOMMU-invalidated cache slots */
	const struct mock_iommu_ops *iommu; /* the driver it sits behind (dev->iommu) */
	bool dirty;   /* IOMMU_CAP_DIRTY_TRACKING */
	bool nesting; /* NEST_PARENT domains and nested HWPTs */
	bool no_ats;  /* the IOMMU has no ATS (SMMUv3 IDR0.ATS clear) */
	bool ats;     /* the device has ATS: 7.3 clears IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED */
	unsigned int pasid_log2; /* 0: no PASID */
	unsigned int aperture_bits; /* input address width (non-selftest models) */
	unsigned int nr_resv;
	struct mock_resv_region resv[MOCK_MAX_RESV];
	uint32_t hw_info_flags;
	uint64_t hw_info_reg[2]; /* VT-d cap/ecap, AMD efr/efr2 */
	uint32_t smmu_idr[6];
	bool pasid_1024_fake_error; /* the selftest driver's replace failure injection */
	bool io_pages_2k; /* a selftest device of a release <= 6.17 (struct mock_domain) */
	unsigned int nr_faults; /* total DMA faults; the last MOCK_DMA_FAULT_LOG are kept */
	struct mock_dma_fault faults[MOCK_DMA_FAULT_LOG];
	bool no_iommu; /* VFIO no-IOMMU mode: DMA uses physical addresses */
	struct iommufd_device *idev;   /* bound DEVICE object, or NULL */
	struct iommufd_viommu *viommu; /* vIOMMU of the attached nested domain (RID) */
	uint64_t vdev_id;              /* its virtual id there, 0 = none */
	uint32_t next_grpid;           /* page request group ids of DMA faults */
};

/* Initialise @mdev as a selftest mock device with MOCK_FLAGS_DEVICE_* @flags. */
void mock_dev_init_selftest(struct mock_dev *mdev, uint32_t flags);
/* Are @ops the selftest driver's (the mock device's own IOMMU)? */
bool mock_selftest_owns(const struct mock_iommu_ops *ops);
struct mock_domain;
struct mock_nested_domain;
struct iommufd_hw_pagetable;
int mock_domain_init(struct mock_domain *domain, const struct mock_dev *mdev, uint32_t flags,
		     const struct iommu_hwpt_selftest *cfg);
bool mock_domain_compatible(const struct mock_domain *domain, const struct mock_dev *mdev);
uint64_t mock_hw_capabilities(const struct mock_dev *mdev);
int mock_hw_info(const struct mock_dev *mdev, uint32_t in_type, uint32_t *out_type, void *buf,
		 uint32_t *len);
int mock_copy_struct_from_user(const struct mock_task *task, void *dst, size_t klen,
			       size_t min_len, uint32_t want_type, uint32_t type, uint64_t uptr,
			       uint64_t ulen);
int mock_nested_domain_init(struct mock_nested_domain *nd, const struct mock_domain *parent,
			    const struct mock_dev *mdev, uint32_t flags,
			    const struct mock_task *task, const struct iommu_hwpt_alloc *cmd);
int mock_nested_cache_invalidate(struct mock_nested_domain *nd, const struct mock_task *task,
				 struct iommu_hwpt_invalidate *cmd);
int mock_set_dev_pasid(struct mock_dev *mdev, uint32_t pasid, bool blocked);
/*
 * A DMA of @len bytes by @mdev at @iova (@pasid) through the domain attached
 * there (none: blocked); @write means device -> memory. 0 or the fault.
 */
int mock_iommu_dma(struct mock_dev *mdev, uint32_t pasid, uint64_t iova, void *buf, size_t len,
		   bool write);

/* A paging domain (kernel: struct iommu_domain of a paging HWPT). */
struct mock_domain {
	const struct mock_iommu_ops *owner; /* the driver that made it */
	uint64_t aperture_start;
	uint64_t aperture_last;
	uint64_t pgsize; /* smallest IO page */
	uint32_t flags;
	uint32_t pagetable_type; /* MOCK_IOMMUPT_* */
	bool dirty_tracking;     /* has dirty ops (allocated with DIRTY_TRACKING) */
	bool dirty_enabled;      /* IOMMU_HWPT_SET_DIRTY_TRACKING on */
	bool no_iommu;           /* the software table of a no-IOMMU device */
	/*
	 * The selftest table before the generic page table (<= 6.17): each
	 * 2 KiB IO page is a PTE of its own (own dirty bit); 1 MiB PTEs only
	 * where the device had MOCK_FLAGS_DEVICE_HUGE_IOVA (huge_iova).
	 */
	bool io_pages_2k, huge_iova;
	struct io_pagetable *iopt; /* the table it is in, NULL if none */
	struct interval_tree_root pt;    /* its IO page table (iommu_pt.c) */
	struct interval_tree_root dirty; /* dirty bits, in chunks (dirty.c) */
	uint64_t *dirty_win; /* GET_DIRTY_BITMAP's window, kept between reads (dirty.c) */
	size_t dirty_win_size;
};

/* A stage-1 domain on a NEST_PARENT paging domain. */
struct mock_nested_domain {
	const struct mock_iommu_ops *owner; /* the driver that made it */
	uint32_t data_type; /* IOMMU_HWPT_DATA_* */
	uint32_t iotlb[MOCK_NESTED_DOMAIN_IOTLB_NUM]; /* selftest */
	union {
		struct iommu_hwpt_vtd_s1 vtd;
		struct iommu_hwpt_arm_smmuv3 smmu;
		struct iommu_hwpt_amd_guest amd;
	} data;
};

/*
 * iommu_pt.c: a paging domain's IO page table. map_pages(): [iova, last] ->
 * @pages from @start_byte with @prot (-ENOMEM); unmap_pages() removes the
 * entries in [iova, last] (whole areas); split cuts the entry holding @iova
 * after it, with an entry from mock_pt_entry_alloc() (freed if unused).
 */
struct mock_pt_entry;
int mock_domain_map_pages(struct mock_domain *domain, uint64_t iova, uint64_t last,
			  struct iopt_pages *pages, uint64_t start_byte, int prot);
void mock_domain_unmap_pages(struct mock_domain *domain, uint64_t iova, uint64_t last);
void mock_domain_unmap_all(struct mock_domain *domain);
struct mock_pt_entry *mock_pt_entry_alloc(void);
void mock_domain_pt_split(struct mock_domain *domain, uint64_t iova, struct mock_pt_entry *spare);
/*
 * iova_to_phys(): the pages and byte @iova of @domain maps, its protection,
 * and the mapped range it is in (@first/@last may be NULL); false: unmapped.
 */
bool mock_domain_iova_to_pages(struct mock_domain *domain, uint64_t iova,
			       struct iopt_pages **pages, uint64_t *byte, int *prot,
			       uint64_t *first, uint64_t *last);
/* Mark the IO PTE mapping @iova dirty (TEST_OP_DIRTY); false if nothing maps it. */
bool mock_domain_set_dirty(struct mock_domain *domain, uint64_t iova);
/* The PTEs of [first, last] went away (unmap). */
void mock_domain_clear_dirty(struct mock_domain *domain, uint64_t first, uint64_t last);
/*
 * Merge the dirty bits of IOVA [first, last] into the user bitmap at @ubitmap
 * (bit 0 = @first, one bit per @page_size) and, if @clear, clear the PTEs read.
 */
int mock_domain_read_dirty(struct mock_domain *domain, const struct mock_task *task,
			   uint64_t first, uint64_t last, uint64_t page_size, uint64_t ubitmap,
			   bool clear);

#endif /* KMOD_MOCK_IOMMU_H */
