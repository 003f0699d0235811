// SPDX-License-Identifier: MIT
/*
 * selftest.c - the kernel selftest's mock IOMMU driver (the driver half of
 * drivers/iommu/iommufd/selftest.c; the IOMMU_TEST_CMD half is
 * kmod-mock/iommufd/selftest.c): 2 KiB IO pages (or the generic page table's
 * selftest formats), an identity stage 1 with a fake IOTLB, per-device cache
 * slots its vIOMMU invalidates, a HW queue type, and the PASID 1024 replace
 * failure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iommufd_private.h"
#include "iommufd_test.h"

extern const struct mock_iommu_ops mock_selftest_iommu_ops; /* at the end */

/* Input address bits of the amdv1 mock format with starting level 2 (2 KiB granule). */
#define MOCK_HUGE_APERTURE_LAST ((1ULL << 38) - 1)

void mock_dev_init_selftest(struct mock_dev *mdev, uint32_t flags)
{
	unsigned int i;

	mdev->flags = flags;
	mdev->iommu = &mock_selftest_iommu_ops;
	mdev->dirty = !(flags & MOCK_FLAGS_DEVICE_NO_DIRTY);
	mdev->nesting = true;
	/* the selftest device is not PCI: ATS is never usable */
	mdev->no_ats = true;
	mdev->pasid_log2 = (flags & MOCK_FLAGS_DEVICE_PASID) ? MOCK_PASID_WIDTH : 0;
	for (i = 0; i != MOCK_DEV_CACHE_NUM; i++)
		mdev->cache[i] = IOMMU_TEST_DEV_CACHE_DEFAULT;
}

/* domain_alloc_paging_flags(): the only driver that takes driver data for a paging domain. */
static int selftest_domain_alloc_paging(struct mock_domain *domain, const struct mock_dev *mdev,
					const struct iommu_hwpt_selftest *cfg)
{
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

static uint32_t selftest_hw_info(const struct mock_dev *mdev, void *buf)
{
	struct iommu_test_hw_info info = { .test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL };

	(void)mdev;
	memcpy(buf, &info, sizeof(info));
	return sizeof(info);
}

static int selftest_domain_alloc_nested(struct mock_nested_domain *nd,
					const struct mock_domain *parent,
					const struct mock_dev *mdev, uint32_t flags,
					const struct mock_task *task,
					const struct iommu_hwpt_alloc *cmd)
{
	struct iommu_hwpt_selftest cfg;
	unsigned int i;
	int rc;

	(void)mdev;
	(void)flags;
	if (parent->owner != &mock_selftest_iommu_ops)
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

/* The nested domain's cache_invalidate_user(): clears the IOTLB entries named. */
static int selftest_cache_invalidate_user(struct mock_nested_domain *nd,
					  const struct mock_task *task,
					  struct iommu_hwpt_invalidate *cmd)
{
	uint32_t processed = 0, i;
	int rc = 0;

	if (cmd->data_type != IOMMU_HWPT_INVALIDATE_DATA_SELFTEST) {
		cmd->entry_num = 0;
		return -EINVAL;
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
	cmd->entry_num = processed;
	return rc;
}

/* The selftest stage 1 is an identity map. */
static int selftest_s1_translate(const struct mock_nested_domain *nd, struct mock_domain *s2,
				 uint64_t iova, bool write, uint64_t *s2_iova, uint64_t evt[4])
{
	(void)nd;
	(void)s2;
	(void)write;
	(void)evt;
	*s2_iova = iova;
	return 0;
}

/*
 * set_dev_pasid(): PASID 1024 fails every second non-blocking attach so that
 * user space can test the replace rollback.
 */
static int selftest_set_dev_pasid(struct mock_dev *mdev, uint32_t pasid, bool blocked)
{
	if (pasid != IOMMU_TEST_PASID_RESERVED)
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

bool mock_selftest_owns(const struct mock_iommu_ops *ops)
{
	return ops == &mock_selftest_iommu_ops;
}

static const char *const selftest_names[] = { "selftest", "mock", NULL };

const struct mock_iommu_ops mock_selftest_iommu_ops = {
	.names = selftest_names,
	.desc = "selftest",
	/* the selftest table of 2 KiB IO pages until the generic page table (6.18) */
	.io_pages_2k_before_kv = MOCK_KV(6, 18),
	.default_dirty = true,
	.default_nesting = true,
	.hw_info_type = IOMMU_HW_INFO_TYPE_SELFTEST,
	.hw_info = selftest_hw_info,
	.no_pci_ats = true,
	.domain_alloc_paging = selftest_domain_alloc_paging,
	.domain_alloc_nested = true,
	.nested_domain_init = selftest_domain_alloc_nested,
	.set_dev_pasid = selftest_set_dev_pasid,
	.paging_data_type = IOMMU_HWPT_DATA_SELFTEST,
	.user_pasid_table = true,
	.cache_invalidate_user = selftest_cache_invalidate_user,
	.s1_translate = selftest_s1_translate,
	.get_viommu_size = selftest_get_viommu_size,
	.viommu_init = selftest_viommu_init,
	.viommu_ops = &selftest_viommu_ops,
};
