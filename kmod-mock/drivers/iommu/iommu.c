// SPDX-License-Identifier: MIT
/*
 * iommu.c - the part of the kernel's drivers/iommu/iommu.c the mock needs: the
 * IOMMU core between iommufd, the device models and the drivers. It knows
 * the IOMMU drivers (the table below: adding a model is one driver file
 * filling a struct mock_iommu_ops plus one line here), probes a device behind
 * the driver its configuration names, makes
 * and checks domains through the driver's ops, and runs a device's DMA
 * through the domain attached to it (stage 1 by the driver, then stage 2),
 * reporting faults. It never tells models apart itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iommu.h"
#include "iommufd_driver.h"
#include "uaccess.h"

/*
 * The IOMMU drivers, one line each (the kernel's drivers register their
 * iommu_ops when they probe; here the table is the registry). The order is
 * the order messages list their names in.
 */
#define IOMMU_DRIVERS(DRIVER)           \
	DRIVER(mock_selftest_iommu_ops) \
	DRIVER(mock_intel_iommu_ops)    \
	DRIVER(mock_arm_smmu_v3_ops)    \
	DRIVER(mock_amd_iommu_ops)      \
	/* a new driver goes above this line */

#define DRIVER(ops) extern const struct mock_iommu_ops ops;
IOMMU_DRIVERS(DRIVER)
#undef DRIVER
#define DRIVER(ops) &ops,
static const struct mock_iommu_ops *const iommu_drivers[] = { IOMMU_DRIVERS(DRIVER) };
#undef DRIVER

#define NR_IOMMU_DRIVERS (sizeof(iommu_drivers) / sizeof(iommu_drivers[0]))

const struct mock_iommu_ops *mock_iommu_find(const char *name)
{
	for (size_t i = 0; i != NR_IOMMU_DRIVERS; i++) {
		for (const char *const *n = iommu_drivers[i]->names; n && *n; n++) {
			if (!strcasecmp(*n, name))
				return iommu_drivers[i];
		}
	}
	return NULL;
}

void mock_iommu_names(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i != NR_IOMMU_DRIVERS && used < len; i++) {
		const char *sep = !i ? "" : i + 1 == NR_IOMMU_DRIVERS ? " or " : ", ";
		int n = snprintf(buf + used, len - used, "%s%s", sep, iommu_drivers[i]->names[0]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

const struct mock_iommu_ops *dev_iommu_ops(const struct mock_dev *mdev)
{
	return mdev->iommu;
}

int mock_dev_probe_iommu(struct mock_dev *mdev, unsigned int kv)
{
	const struct mock_iommu_ops *ops = dev_iommu_ops(mdev);

	if (kv < ops->since_kv)
		return -EOPNOTSUPP;
	mdev->io_pages_2k = kv < ops->io_pages_2k_before_kv;
	return 0;
}

int mock_dev_add_resv(struct mock_dev *mdev, uint64_t start, uint64_t last)
{
	if (mdev->nr_resv == MOCK_MAX_RESV || last < start)
		return -EINVAL;
	mdev->resv[mdev->nr_resv].start = start;
	mdev->resv[mdev->nr_resv].last = last;
	mdev->nr_resv++;
	return 0;
}

/* ---------------- domains ---------------- */

/* domain_alloc_paging_flags(): the flags the device's IOMMU takes, then the driver's shape. */
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

	domain->owner = dev_iommu_ops(mdev);
	domain->flags = flags;
	domain->dirty_tracking = has_dirty;
	domain->no_iommu = mdev->no_iommu;
	return domain->owner->domain_alloc_paging(domain, mdev, cfg);
}

int mock_domain_alloc_paging_generic(struct mock_domain *domain, const struct mock_dev *mdev,
				     const struct iommu_hwpt_selftest *cfg)
{
	if (cfg)
		return -EOPNOTSUPP;
	domain->pagetable_type = MOCK_IOMMUPT_DEFAULT;
	domain->aperture_start = 0;
	domain->aperture_last = mdev->aperture_bits >= 64 ? UINT64_MAX :
							     (1ULL << mdev->aperture_bits) - 1;
	domain->pgsize = PAGE_SIZE;
	return 0;
}

/* Can a domain be attached to @mdev at all (the kernel's domain->owner check)? */
bool mock_domain_compatible(const struct mock_domain *domain, const struct mock_dev *mdev)
{
	if (domain->owner != dev_iommu_ops(mdev) || domain->no_iommu != mdev->no_iommu)
		return false;
	/* a device whose IOMMU lacks dirty tracking cannot use a dirty domain */
	if (domain->dirty_tracking && !mdev->dirty)
		return false;
	return true;
}

/* The driver's domain_alloc_nested() (or its vIOMMU's alloc_domain_nested()). */
int mock_nested_domain_init(struct mock_nested_domain *nd, const struct mock_domain *parent,
			    const struct mock_dev *mdev, uint32_t flags,
			    const struct mock_task *task, const struct iommu_hwpt_alloc *cmd)
{
	const struct mock_iommu_ops *ops = dev_iommu_ops(mdev);

	if (flags & ~(uint32_t)IOMMU_HWPT_ALLOC_PASID)
		return -EOPNOTSUPP;
	nd->owner = ops;
	nd->data_type = cmd->data_type;
	if (!ops->nested_domain_init)
		return -EOPNOTSUPP;
	return ops->nested_domain_init(nd, parent, mdev, flags, task, cmd);
}

/* The nested domain's cache_invalidate_user(); cmd->entry_num becomes the number done. */
int mock_nested_cache_invalidate(struct mock_nested_domain *nd, const struct mock_task *task,
				 struct iommu_hwpt_invalidate *cmd)
{
	if (!nd->owner->cache_invalidate_user) {
		cmd->entry_num = 0;
		return -EOPNOTSUPP;
	}
	return nd->owner->cache_invalidate_user(nd, task, cmd);
}

/* The driver's set_dev_pasid(): most drivers cannot fail it. */
int mock_set_dev_pasid(struct mock_dev *mdev, uint32_t pasid, bool blocked)
{
	const struct mock_iommu_ops *ops = dev_iommu_ops(mdev);

	return ops->set_dev_pasid ? ops->set_dev_pasid(mdev, pasid, blocked) : 0;
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
	if (!mdev->ats || mdev->no_ats || dev_iommu_ops(mdev)->no_pci_ats)
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
	const struct mock_iommu_ops *ops = dev_iommu_ops(mdev);

	if (in_type != IOMMU_HW_INFO_TYPE_DEFAULT && in_type != ops->hw_info_type)
		return -EOPNOTSUPP;
	*len = ops->hw_info(mdev, buf);
	*out_type = ops->hw_info_type;
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

/* ---------------- DMA through the attached domain ---------------- */

/* Where one IO page of a DMA lands: @s2_iova of paging domain @domain. */
struct mock_dma_seg {
	struct mock_domain *domain;
	uint64_t s2_iova;
	uint64_t len;
};

/* Stage 2 (or the only stage): @iova in a paging domain, with @write permission. */
static int s2_translate(struct mock_domain *domain, uint64_t iova, bool write)
{
	if (iova < domain->aperture_start || iova > domain->aperture_last)
		return -ENOENT;
	return iommufd_domain_lookup(domain, iova, write);
}

int mock_domain_read_u64(struct mock_domain *s2, uint64_t gpa, uint64_t *val)
{
	int rc;

	if (gpa & 7)
		return -EINVAL;
	rc = s2_translate(s2, gpa, false);
	if (rc)
		return rc;
	return iommufd_domain_rw(s2, gpa, val, sizeof(*val), false) ? -EFAULT : 0;
}

/*
 * One IO page of a DMA through stage 1 @s1 (NULL: none) and stage 2 @s2: where
 * it lands (no memory is touched). A fault may come with the event record an
 * SMMUv3 would queue (@evt).
 */
static int dma_translate(struct mock_nested_domain *s1, struct mock_domain *s2, uint64_t iova,
			 bool write, struct mock_dma_seg *seg, uint64_t evt[4])
{
	uint64_t s2_iova = iova;
	int rc;

	if (s1) {
		if (!s1->owner->s1_translate)
			return -ENOENT;
		rc = s1->owner->s1_translate(s1, s2, iova, write, &s2_iova, evt);
		if (rc)
			return rc;
	}
	rc = s2_translate(s2, s2_iova, write);
	if (rc)
		return rc;
	seg->domain = s2;
	seg->s2_iova = s2_iova;
	return 0;
}

/* The kernel's report_iommu_fault(): kept on the device, then handed to iommufd. */
static void record_fault(struct mock_dev *mdev, uint64_t iova, uint32_t pasid, bool write,
			 int reason, const uint64_t *evt)
{
	struct mock_dma_fault *f = &mdev->faults[mdev->nr_faults % MOCK_DMA_FAULT_LOG];

	f->iova = iova;
	f->pasid = pasid;
	f->write = write;
	f->reason = reason;
	mdev->nr_faults++;
	/* a fault queue or a vIOMMU's vEVENTQ hears of it */
	iommufd_dev_report_fault(mdev, pasid, iova, write, evt);
}

/*
 * Every IO page is translated before anything moves: a fault on any page is
 * recorded and nothing is touched. Returns 0, or the negative reason of the
 * fault.
 */
int mock_iommu_dma(struct mock_dev *mdev, uint32_t pasid, uint64_t iova, void *buf, size_t len,
		   bool write)
{
	struct mock_nested_domain *s1 = NULL;
	struct mock_domain *s2 = NULL;
	struct mock_dma_seg *segs;
	uint64_t last, cur;
	size_t n = 0, i;
	int rc = 0;

	if (!len)
		return 0;
	if (__builtin_add_overflow(iova, (uint64_t)len - 1, &last)) {
		record_fault(mdev, iova, pasid, write, -ENOENT, NULL);
		return -ENOENT;
	}
	segs = calloc((len / PAGE_SIZE) + 2, sizeof(*segs));
	if (!segs)
		return -ENOMEM;
	/* the kernel's iommu_get_domain_for_dev_pasid(); none: DMA blocked */
	(void)iommufd_dev_domain(mdev, pasid, &s2, &s1);
	for (cur = iova;; ) {
		uint64_t page_last = cur | (PAGE_SIZE - 1);
		uint64_t seg_last = page_last < last ? page_last : last;
		uint64_t evt[4] = { 0 };

		if (!s2)
			rc = -ENOENT;
		else
			rc = dma_translate(s1, s2, cur, write, &segs[n], evt);
		if (rc) {
			record_fault(mdev, cur, pasid, write, rc, evt[0] ? evt : NULL);
			goto out;
		}
		segs[n++].len = seg_last - cur + 1;
		if (seg_last == last)
			break;
		cur = seg_last + 1;
	}
	for (i = 0; i != n; i++) {
		if (iommufd_domain_rw(segs[i].domain, segs[i].s2_iova, buf, segs[i].len, write)) {
			record_fault(mdev, segs[i].s2_iova, pasid, write, -EFAULT, NULL);
			rc = -EFAULT;
			goto out;
		}
		buf = (char *)buf + segs[i].len;
	}
out:
	free(segs);
	return rc;
}
