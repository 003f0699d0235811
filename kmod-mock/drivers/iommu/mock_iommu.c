// SPDX-License-Identifier: MIT
/*
 * mock_iommu.c - the IOMMU drivers behind the mock's devices: the kernel
 * selftest's mock IOMMU and models of Intel VT-d, ARM SMMUv3 and AMD-Vi as
 * iommufd sees them (hw_info data, domain geometry, which HWPT flags and
 * nested data they take, nested cache invalidation), and the DMA engine side
 * of the IOMMU: translating a device's IOVA through its attached domain
 * (stage 1, then stage 2) into the mapping owner's memory.
 *
 * The kernel spreads this over drivers/iommu/{intel,arm,amd}/ and
 * iommufd/selftest.c; the mock keeps only what user space can observe.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arm_smmuv3.h"
#include "iommufd_private.h"
#include "iommufd_test.h"

/* Input address bits of the amdv1 mock format with starting level 2 (2 KiB granule). */
#define MOCK_HUGE_APERTURE_LAST ((1ULL << 38) - 1)

void mock_dev_init_selftest(struct mock_dev *mdev, uint32_t flags)
{
	unsigned int i;

	mdev->flags = flags;
	mdev->model = MOCK_IOMMU_SELFTEST;
	mdev->dirty = !(flags & MOCK_FLAGS_DEVICE_NO_DIRTY);
	mdev->nesting = true;
	/* the selftest device is not PCI: ATS is never usable */
	mdev->no_ats = true;
	mdev->pasid_log2 = (flags & MOCK_FLAGS_DEVICE_PASID) ? MOCK_PASID_WIDTH : 0;
	for (i = 0; i != MOCK_DEV_CACHE_NUM; i++)
		mdev->cache[i] = IOMMU_TEST_DEV_CACHE_DEFAULT;
}

/* The driver's domain_alloc_paging_flags(): validate and shape the domain. */
int mock_domain_init(struct mock_domain *domain, const struct mock_dev *mdev, uint32_t flags,
		     const struct iommu_hwpt_selftest *cfg)
{
	const uint32_t paging_flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
				      IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_PASID;
	bool has_dirty = flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING;

	if ((flags & ~paging_flags) || (has_dirty && !mdev->dirty))
		return -EOPNOTSUPP;
	if ((flags & IOMMU_HWPT_ALLOC_NEST_PARENT) && !mdev->nesting)
		return -EOPNOTSUPP;

	domain->model = mdev->model;
	domain->flags = flags;
	domain->dirty_tracking = has_dirty;
	domain->no_iommu = mdev->no_iommu;
	if (mdev->model != MOCK_IOMMU_SELFTEST) {
		/* only the selftest driver takes driver data for a paging domain */
		if (cfg)
			return -EOPNOTSUPP;
		domain->pagetable_type = MOCK_IOMMUPT_DEFAULT;
		domain->aperture_start = 0;
		domain->aperture_last = mdev->aperture_bits >= 64 ?
						UINT64_MAX :
						(1ULL << mdev->aperture_bits) - 1;
		domain->pgsize = PAGE_SIZE;
		return 0;
	}
	domain->io_pages_2k = mdev->io_pages_2k;
	domain->huge_iova = mdev->io_pages_2k && (mdev->flags & MOCK_FLAGS_DEVICE_HUGE_IOVA_612);
	domain->pagetable_type = cfg ? cfg->pagetable_type : MOCK_IOMMUPT_DEFAULT;
	switch (domain->pagetable_type) {
	case MOCK_IOMMUPT_DEFAULT:
		domain->aperture_start = MOCK_APERTURE_START;
		domain->aperture_last = MOCK_APERTURE_LAST;
		domain->pgsize = MOCK_PAGE_SIZE;
		return 0;
	case MOCK_IOMMUPT_HUGE:
		/* only huge pages, plus PAGE_SIZE so iommufd accepts the domain */
		domain->aperture_start = 0;
		domain->aperture_last = MOCK_HUGE_APERTURE_LAST;
		domain->pgsize = PAGE_SIZE;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* Can a domain of @domain's driver be attached to @mdev at all? */
bool mock_domain_compatible(const struct mock_domain *domain, const struct mock_dev *mdev)
{
	if (domain->model != mdev->model || domain->no_iommu != mdev->no_iommu)
		return false;
	/* a device whose IOMMU lacks dirty tracking cannot use a dirty domain */
	if (domain->dirty_tracking && !mdev->dirty)
		return false;
	return true;
}

/* ---------------- IOMMU_GET_HW_INFO ---------------- */

uint64_t mock_hw_capabilities(const struct mock_dev *mdev)
{
	uint64_t caps = 0;

	if (mdev->dirty)
		caps |= IOMMU_HW_CAP_DIRTY_TRACKING;
	/*
	 * IOMMU_CAP_PCI_ATS_SUPPORTED needs a PCI device with an ATS capability
	 * and an IOMMU that takes it: only a device configured `ats`
	 * (QEMU's edu has none; the selftest IOMMU never reports it).
	 */
	if (!mdev->ats || mdev->no_ats || mdev->model == MOCK_IOMMU_SELFTEST)
		caps |= IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED;
	return caps;
}

/*
 * The driver's hw_info(): fill @buf (at least 64 bytes) and set *@len and
 * *@type; -EOPNOTSUPP when the caller asks for a type the driver has not.
 */
int mock_hw_info(const struct mock_dev *mdev, uint32_t in_type, uint32_t *out_type, void *buf,
		 uint32_t *len)
{
	uint32_t type;

	switch (mdev->model) {
	case MOCK_IOMMU_SELFTEST:
		type = IOMMU_HW_INFO_TYPE_SELFTEST;
		break;
	case MOCK_IOMMU_INTEL_VTD:
		type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
		break;
	case MOCK_IOMMU_ARM_SMMUV3:
		type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
		break;
	default:
		type = IOMMU_HW_INFO_TYPE_AMD;
		break;
	}
	if (in_type != IOMMU_HW_INFO_TYPE_DEFAULT && in_type != type)
		return -EOPNOTSUPP;

	switch (type) {
	case IOMMU_HW_INFO_TYPE_SELFTEST: {
		struct iommu_test_hw_info info = { .test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL };

		memcpy(buf, &info, sizeof(info));
		*len = sizeof(info);
		break;
	}
	case IOMMU_HW_INFO_TYPE_INTEL_VTD: {
		struct iommu_hw_info_vtd info = {
			.flags = mdev->hw_info_flags,
			.cap_reg = mdev->hw_info_reg[0],
			.ecap_reg = mdev->hw_info_reg[1],
		};

		memcpy(buf, &info, sizeof(info));
		*len = sizeof(info);
		break;
	}
	case IOMMU_HW_INFO_TYPE_ARM_SMMUV3: {
		struct iommu_hw_info_arm_smmuv3 info = { .flags = mdev->hw_info_flags };

		memcpy(info.idr, mdev->smmu_idr, sizeof(info.idr));
		info.iidr = 0x43b;
		info.aidr = 0x2;
		memcpy(buf, &info, sizeof(info));
		*len = sizeof(info);
		break;
	}
	default: {
		struct iommu_hw_info_amd info = {
			.efr = mdev->hw_info_reg[0],
			.efr2 = mdev->hw_info_reg[1],
		};

		memcpy(buf, &info, sizeof(info));
		*len = sizeof(info);
		break;
	}
	}
	*out_type = type;
	return 0;
}

/* ---------------- driver data from user space ---------------- */

/*
 * iommu_copy_struct_from_user(): the type must match, the user length lie in
 * [min_len, klen]; a shorter struct is zero extended.
 */
int mock_copy_struct_from_user(const struct mock_task *task, void *dst, size_t klen,
			       size_t min_len, uint32_t want_type, uint32_t type, uint64_t uptr,
			       uint64_t ulen)
{
	if (type != want_type)
		return -EINVAL;
	if (ulen < min_len || ulen > klen)
		return -EINVAL;
	return copy_struct_from_user(task, dst, klen, uptr, (size_t)ulen);
}

/* The driver's domain_alloc_nested(). */
int mock_nested_domain_init(struct mock_nested_domain *nd, const struct mock_domain *parent,
			    const struct mock_dev *mdev, uint32_t flags,
			    const struct mock_task *task, const struct iommu_hwpt_alloc *cmd)
{
	unsigned int i;
	int rc;

	if (flags & ~(uint32_t)IOMMU_HWPT_ALLOC_PASID)
		return -EOPNOTSUPP;
	nd->model = mdev->model;
	nd->data_type = cmd->data_type;

	switch (mdev->model) {
	case MOCK_IOMMU_SELFTEST: {
		struct iommu_hwpt_selftest cfg;

		if (parent->model != MOCK_IOMMU_SELFTEST)
			return -EINVAL;
		if (cmd->data_type != IOMMU_HWPT_DATA_SELFTEST)
			return -EOPNOTSUPP;
		rc = mock_copy_struct_from_user(task, &cfg, sizeof(cfg),
						offsetofend(struct iommu_hwpt_selftest, iotlb),
						IOMMU_HWPT_DATA_SELFTEST, cmd->data_type,
						cmd->data_uptr, cmd->data_len);
		if (rc)
			return rc;
		for (i = 0; i != MOCK_NESTED_DOMAIN_IOTLB_NUM; i++)
			nd->iotlb[i] = cfg.iotlb;
		return 0;
	}
	case MOCK_IOMMU_INTEL_VTD: {
		struct iommu_hwpt_vtd_s1 *vtd = &nd->data.vtd;

		if (!mdev->nesting)
			return -EOPNOTSUPP;
		if (cmd->data_type != IOMMU_HWPT_DATA_VTD_S1)
			return -EOPNOTSUPP;
		if (parent->model != MOCK_IOMMU_INTEL_VTD || !(parent->flags &
							       IOMMU_HWPT_ALLOC_NEST_PARENT))
			return -EINVAL;
		rc = mock_copy_struct_from_user(task, vtd, sizeof(*vtd),
						offsetofend(struct iommu_hwpt_vtd_s1, __reserved),
						IOMMU_HWPT_DATA_VTD_S1, cmd->data_type,
						cmd->data_uptr, cmd->data_len);
		if (rc)
			return rc;
		/* what the driver checks when it programs the PASID entry */
		if (vtd->flags & ~(uint64_t)(IOMMU_VTD_S1_SRE | IOMMU_VTD_S1_EAFE |
					     IOMMU_VTD_S1_WPE))
			return -EINVAL;
		if (vtd->addr_width != 48 && vtd->addr_width != 57)
			return -EINVAL;
		if (vtd->pgtbl_addr & (PAGE_SIZE - 1))
			return -EINVAL;
		return 0;
	}
	case MOCK_IOMMU_ARM_SMMUV3: {
		/* arm_vsmmu_alloc_domain_nested(): a guest STE, reached only via a vIOMMU */
		struct iommu_hwpt_arm_smmuv3 *ste = &nd->data.smmu;

		if (flags)
			return -EOPNOTSUPP;
		rc = mock_copy_struct_from_user(task, ste, sizeof(*ste),
						offsetofend(struct iommu_hwpt_arm_smmuv3, ste),
						IOMMU_HWPT_DATA_ARM_SMMUV3, cmd->data_type,
						cmd->data_uptr, cmd->data_len);
		if (rc)
			return rc;
		return arm_vsmmu_validate_ste(ste);
	}
	default:
		/* 7.3's AMD vIOMMU has no alloc_domain_nested; nor has its iommu_ops */
		return -EOPNOTSUPP;
	}
}

/* The driver's cache_invalidate_user(); cmd->entry_num becomes the number done. */
int mock_nested_cache_invalidate(struct mock_nested_domain *nd, const struct mock_task *task,
				 struct iommu_hwpt_invalidate *cmd)
{
	uint32_t processed = 0, i;
	int rc = 0;

	switch (nd->model) {
	case MOCK_IOMMU_SELFTEST:
		if (cmd->data_type != IOMMU_HWPT_INVALIDATE_DATA_SELFTEST) {
			rc = -EINVAL;
			break;
		}
		for (i = 0; i < cmd->entry_num; i++) {
			struct iommu_hwpt_invalidate_selftest inv;
			unsigned int j;

			rc = mock_copy_struct_from_user(
				task, &inv, sizeof(inv),
				offsetofend(struct iommu_hwpt_invalidate_selftest, iotlb_id),
				IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, cmd->data_type,
				cmd->data_uptr + (uint64_t)i * cmd->entry_len, cmd->entry_len);
			if (rc)
				break;
			if (inv.flags & ~(uint32_t)IOMMU_TEST_INVALIDATE_FLAG_ALL) {
				rc = -EOPNOTSUPP;
				break;
			}
			if (inv.iotlb_id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX) {
				rc = -EINVAL;
				break;
			}
			if (inv.flags & IOMMU_TEST_INVALIDATE_FLAG_ALL) {
				for (j = 0; j != MOCK_NESTED_DOMAIN_IOTLB_NUM; j++)
					nd->iotlb[j] = 0;
			} else {
				nd->iotlb[inv.iotlb_id] = 0;
			}
			processed++;
		}
		break;
	case MOCK_IOMMU_INTEL_VTD:
		/* the mock walks the guest table on every DMA: nothing is cached */
		if (cmd->data_type != IOMMU_HWPT_INVALIDATE_DATA_VTD_S1) {
			rc = -EINVAL;
			break;
		}
		for (i = 0; i < cmd->entry_num; i++) {
			struct iommu_hwpt_vtd_s1_invalidate inv;

			rc = mock_copy_struct_from_user(
				task, &inv, sizeof(inv),
				offsetofend(struct iommu_hwpt_vtd_s1_invalidate, __reserved),
				IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, cmd->data_type,
				cmd->data_uptr + (uint64_t)i * cmd->entry_len, cmd->entry_len);
			if (rc)
				break;
			if ((inv.flags & ~(uint32_t)IOMMU_VTD_INV_FLAGS_LEAF) || inv.__reserved) {
				rc = -EOPNOTSUPP;
				break;
			}
			if ((inv.addr & (PAGE_SIZE - 1)) || !inv.npages) {
				rc = -EINVAL;
				break;
			}
			processed++;
		}
		break;
	default:
		rc = -EOPNOTSUPP;
		break;
	}
	cmd->entry_num = processed;
	return rc;
}

/*
 * The selftest driver's set_dev_pasid(): PASID 1024 fails every second
 * non-blocking attach so that user space can test the replace rollback.
 */
int mock_set_dev_pasid(struct mock_dev *mdev, uint32_t pasid, bool blocked)
{
	if (mdev->model != MOCK_IOMMU_SELFTEST || pasid != IOMMU_TEST_PASID_RESERVED)
		return 0;
	if (blocked) {
		mdev->pasid_1024_fake_error = false;
		return 0;
	}
	if (mdev->pasid_1024_fake_error) {
		mdev->pasid_1024_fake_error = false;
		return -ENOMEM;
	}
	mdev->pasid_1024_fake_error = true;
	return 0;
}

/* ---------------- DMA translation ---------------- */

/* Where one IO page of a DMA lands: a slice of a pages object. */
struct mock_dma_seg {
	struct iopt_area *area;
	struct mock_domain *domain;
	uint64_t s2_iova;
	uint64_t len;
};

/* Stage 2 (or the only stage): @iova in a paging domain, with @write permission. */
static int s2_translate(struct iommufd_hwpt_paging *hwpt, uint64_t iova, bool write,
			struct iopt_area **out)
{
	struct mock_domain *domain = &hwpt->domain;
	struct iopt_area *area;

	if (!domain->iopt || iova < domain->aperture_start || iova > domain->aperture_last)
		return -ENOENT;
	area = iopt_area_iter_first(domain->iopt, iova, iova);
	if (!area || !area->pages || !area->storage_domain)
		return -ENOENT;
	if (!(area->iommu_prot & (write ? IOMMU_WRITE : IOMMU_READ)))
		return -EACCES;
	*out = area;
	return 0;
}

/* Read the 8-byte stage-1 table entry at guest address @gpa through stage 2. */
static int s2_read_u64(struct iommufd_hwpt_paging *hwpt, uint64_t gpa, uint64_t *val)
{
	struct iopt_area *area;
	int rc;

	if (gpa & 7)
		return -EINVAL;
	rc = s2_translate(hwpt, gpa, false, &area);
	if (rc)
		return rc;
	rc = iopt_pages_rw_access(area->pages, iopt_area_start_byte(area, gpa), val,
				  sizeof(*val), 0);
	return rc ? -EFAULT : 0;
}

#define VTD_FL_P (1ULL << 0)
#define VTD_FL_RW (1ULL << 1)
#define VTD_FL_PS (1ULL << 7)
#define VTD_FL_ADDR_MASK 0x000ffffffffff000ULL

/*
 * Stage 1 of a VT-d nested domain: walk the guest's x86 first-level table
 * (4 or 5 levels) whose table addresses are stage-2 IOVAs.
 */
static int vtd_s1_translate(struct iommufd_hwpt_nested *nested, uint64_t iova, bool write,
			    uint64_t *gpa)
{
	const struct iommu_hwpt_vtd_s1 *vtd = &nested->domain.data.vtd;
	unsigned int levels = vtd->addr_width == 57 ? 5 : 4, level;
	uint64_t table = vtd->pgtbl_addr;
	int rc;

	/* canonical lower half only: the device has no kernel addresses */
	if (iova >> vtd->addr_width)
		return -ENOENT;
	for (level = levels; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t pte;

		rc = s2_read_u64(nested->parent, table + ((iova >> shift) & 511) * 8, &pte);
		if (rc)
			return rc == -EACCES ? -ENOENT : rc;
		if (!(pte & VTD_FL_P))
			return -ENOENT;
		if (write && !(pte & VTD_FL_RW))
			return -EACCES;
		if (level == 1 || ((level == 2 || level == 3) && (pte & VTD_FL_PS))) {
			uint64_t mask = (1ULL << shift) - 1;

			*gpa = ((pte & VTD_FL_ADDR_MASK) & ~mask) | (iova & mask);
			return 0;
		}
		table = pte & VTD_FL_ADDR_MASK;
	}
	return -ENOENT;
}

static int smmu_s2_read(void *priv, uint64_t ipa, uint64_t *val)
{
	int rc = s2_read_u64(priv, ipa, val);

	if (!rc)
		*val = le64toh(*val);
	return rc;
}

/*
 * One IO page of a DMA through @hwpt: where it lands (no memory is touched).
 * A fault may come with the event record an SMMUv3 would queue (@evt).
 */
static int dma_translate(struct iommufd_hw_pagetable *hwpt, uint64_t iova, bool write,
			 struct mock_dma_seg *seg, uint64_t evt[4])
{
	struct iommufd_hwpt_paging *paging = find_hwpt_paging(hwpt);
	uint64_t s2_iova = iova;
	int rc;

	if (!paging)
		return -ENOENT;
	if (hwpt->obj.type == IOMMUFD_OBJ_HWPT_NESTED) {
		struct iommufd_hwpt_nested *nested = (struct iommufd_hwpt_nested *)hwpt;

		switch (nested->domain.model) {
		case MOCK_IOMMU_SELFTEST:
			/* the selftest stage 1 is an identity map */
			break;
		case MOCK_IOMMU_INTEL_VTD:
			rc = vtd_s1_translate(nested, iova, write, &s2_iova);
			if (rc)
				return rc;
			break;
		case MOCK_IOMMU_ARM_SMMUV3:
			/* bypass leaves stage 2 alone, abort blocks, S1 walks the guest's CD */
			switch (arm_vsmmu_ste_cfg(&nested->domain.data.smmu)) {
			case ARM_STE_CFG_BYPASS:
				break;
			case ARM_STE_CFG_S1_TRANS:
				rc = arm_vsmmu_s1_translate(&nested->domain.data.smmu, iova, write,
							    smmu_s2_read, nested->parent, &s2_iova,
							    evt);
				if (rc)
					return rc;
				break;
			default:
				return -EPERM;
			}
			break;
		default:
			return -ENOENT;
		}
	}
	rc = s2_translate(paging, s2_iova, write, &seg->area);
	if (rc)
		return rc;
	seg->domain = &paging->domain;
	seg->s2_iova = s2_iova;
	return 0;
}

static void record_fault(struct mock_dev *mdev, struct iommufd_hw_pagetable *hwpt,
			 uint64_t iova, uint32_t pasid, bool write, int reason, const uint64_t *evt)
{
	struct mock_dma_fault *f = &mdev->faults[mdev->nr_faults % MOCK_DMA_FAULT_LOG];

	f->iova = iova;
	f->pasid = pasid;
	f->write = write;
	f->reason = reason;
	mdev->nr_faults++;
	/* a fault queue or a vIOMMU's vEVENTQ hears of it */
	iommufd_dma_fault(mdev, hwpt, pasid, iova, write, evt);
}

/*
 * A DMA of @len bytes by @mdev at @iova (@pasid) through @hwpt (NULL: DMA
 * blocked). @write means device -> memory. Every IO page is translated before
 * anything moves: a fault on any page is recorded and nothing is touched.
 * Returns 0, or the negative reason of the fault.
 */
int mock_iommu_dma(struct mock_dev *mdev, struct iommufd_hw_pagetable *hwpt, uint32_t pasid,
		   uint64_t iova, void *buf, size_t len, bool write)
{
	struct mock_dma_seg *segs;
	uint64_t last, cur;
	size_t n = 0, i;
	int rc = 0;

	if (!len)
		return 0;
	if (__builtin_add_overflow(iova, (uint64_t)len - 1, &last)) {
		record_fault(mdev, hwpt, iova, pasid, write, -ENOENT, NULL);
		return -ENOENT;
	}
	segs = calloc((len / PAGE_SIZE) + 2, sizeof(*segs));
	if (!segs)
		return -ENOMEM;
	for (cur = iova;; ) {
		uint64_t page_last = cur | (PAGE_SIZE - 1);
		uint64_t seg_last = page_last < last ? page_last : last;
		uint64_t evt[4] = { 0 };

		if (!hwpt)
			rc = -ENOENT;
		else
			rc = dma_translate(hwpt, cur, write, &segs[n], evt);
		if (rc) {
			record_fault(mdev, hwpt, cur, pasid, write, rc, evt[0] ? evt : NULL);
			goto out;
		}
		segs[n++].len = seg_last - cur + 1;
		if (seg_last == last)
			break;
		cur = seg_last + 1;
	}
	for (i = 0; i != n; i++) {
		struct iopt_area *area = segs[i].area;

		rc = iopt_pages_rw_access(area->pages,
					  iopt_area_start_byte(area, segs[i].s2_iova), buf,
					  segs[i].len, write ? IOMMUFD_ACCESS_RW_WRITE : 0);
		if (rc) {
			record_fault(mdev, hwpt, segs[i].s2_iova, pasid, write, -EFAULT, NULL);
			rc = -EFAULT;
			goto out;
		}
		if (write && segs[i].domain->dirty_enabled)
			(void)mock_domain_set_dirty(segs[i].domain, segs[i].s2_iova);
		buf = (char *)buf + segs[i].len;
	}
out:
	free(segs);
	return rc;
}

/* ---- the selftest driver's vIOMMU (the kernel's selftest mock_viommu) ---- */

static size_t selftest_get_viommu_size(const struct mock_dev *mdev, uint32_t type)
{
	(void)mdev;
	return type == IOMMU_VIOMMU_TYPE_SELFTEST ? sizeof(struct iommufd_viommu) : 0;
}

static int selftest_viommu_init(struct iommufd_viommu *viommu, struct iommufd_device *idev,
				struct iommufd_ucmd *ucmd, const struct iommu_viommu_alloc *cmd)
{
	int rc;

	(void)idev;
	if (!cmd->data_len)
		return 0;
	{
	struct iommu_viommu_selftest data;
	uint32_t in;

	rc = mock_copy_struct_from_user(ucmd->task, &data, sizeof(data),
					offsetofend(struct iommu_viommu_selftest, out_data),
					IOMMU_VIOMMU_TYPE_SELFTEST, cmd->type, cmd->data_uptr,
					cmd->data_len);
	if (rc)
		return rc;
	viommu->immap = iommufd_alloc_mmap(ucmd->ictx, &viommu->obj, PAGE_SIZE * 2, &rc);
	if (!viommu->immap)
		return rc;
	in = data.in_data;
	if (pwrite(viommu->immap->memfd, &in, sizeof(in), 0) != (ssize_t)sizeof(in)) {
		return -ENOMEM;
	}
	data.out_data = data.in_data;
	data.out_mmap_length = PAGE_SIZE * 2;
	data.out_mmap_offset = viommu->immap->offset;
	/* iommu_copy_struct_to_user(): at most what the user gave, from out_data */
	{
		size_t len = cmd->data_len < sizeof(data) ? cmd->data_len : sizeof(data);
		size_t off = offsetof(struct iommu_viommu_selftest, out_data);

		if (copy_to_user(ucmd->task, cmd->data_uptr + off, (char *)&data + off,
				 len - off)) {
			return -EFAULT;
		}
	}
	}
	return 0;
}

/* The selftest vIOMMU's cache_invalidate(): clears the device caches named. */
static int selftest_viommu_cache_invalidate(struct iommufd_viommu *viommu,
					    const struct mock_task *task,
					    struct iommu_hwpt_invalidate *cmd)
{
	struct iommu_viommu_invalidate_selftest *cmds;
	uint32_t i = 0, n = cmd->entry_num;
	int rc = 0;

	/* an empty array checks the data type */
	if (n == 0 && cmd->data_type == IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST) {
		cmd->entry_num = 0;
		return 0;
	}
	if (cmd->data_type != IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST || !n) {
		cmd->entry_num = 0;
		return -EINVAL;
	}
	/* the whole array is read before anything is done */
	rc = mock_memdup_user_array(task, (void **)&cmds, n, sizeof(*cmds), cmd->data_uptr,
				    cmd->entry_len);
	if (rc) {
		cmd->entry_num = 0;
		return rc;
	}
	for (; i != n; i++) {
		struct iommufd_device *idev;
		unsigned int j;

		if (cmds[i].flags & ~(uint32_t)IOMMU_TEST_INVALIDATE_FLAG_ALL) {
			rc = -EOPNOTSUPP;
			break;
		}
		if (cmds[i].cache_id > MOCK_DEV_CACHE_ID_MAX) {
			rc = -EINVAL;
			break;
		}
		idev = iommufd_viommu_find_dev(viommu, cmds[i].vdev_id);
		if (!idev) {
			rc = -EINVAL;
			break;
		}
		if (cmds[i].flags & IOMMU_TEST_INVALIDATE_FLAG_ALL) {
			for (j = 0; j != MOCK_DEV_CACHE_NUM; j++)
				idev->mdev->cache[j] = 0;
		} else {
			idev->mdev->cache[cmds[i].cache_id] = 0;
		}
	}
	cmd->entry_num = i;
	free(cmds);
	return rc;
}

static bool selftest_hw_queue_supported(uint32_t type)
{
	return type == IOMMU_HW_QUEUE_TYPE_SELFTEST;
}

static void selftest_viommu_report_fault(struct iommufd_viommu *viommu, uint64_t vdev_id,
					 const uint64_t *smmu_evt)
{
	struct iommu_viommu_event_selftest ev = { .virt_id = (uint32_t)vdev_id };

	(void)smmu_evt;
	(void)iommufd_viommu_report_event(viommu, IOMMU_VEVENTQ_TYPE_SELFTEST, &ev, sizeof(ev));
}

static const struct mock_viommu_ops selftest_viommu_ops = {
	.alloc_domain_nested = true,
	.cache_invalidate = selftest_viommu_cache_invalidate,
	.hw_queue_supported = selftest_hw_queue_supported,
	.report_fault = selftest_viommu_report_fault,
};

const struct mock_iommu_ops mock_selftest_iommu_ops = {
	.get_viommu_size = selftest_get_viommu_size,
	.viommu_init = selftest_viommu_init,
	.viommu_ops = &selftest_viommu_ops,
	.domain_alloc_nested = true,
	.paging_data_type = IOMMU_HWPT_DATA_SELFTEST,
	.user_pasid_table = true,
};

/* ---- Intel VT-d: no vIOMMU in the releases modelled ---- */

const struct mock_iommu_ops mock_intel_iommu_ops = {
	.domain_alloc_nested = true,
};

/* The AMD (and SMMUv3) viommu_init(): the parent must be the driver's own S2 domain. */
int mock_viommu_init_parent(struct iommufd_viommu *viommu)
{
	return viommu->hwpt->domain.model != viommu->model ? -EINVAL : 0;
}
