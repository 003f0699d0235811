// SPDX-License-Identifier: MIT
/*
 * driver.c - what the IOMMU drivers (kmod-mock/drivers/iommu/) may call in the
 * core, as the kernel's drivers/iommu/iommufd/driver.c: a vIOMMU's mmap
 * region, its vDEVICE lookup, vEVENT reporting, and the user-array copy of
 * cache invalidation requests. Drivers plug in through struct mock_iommu_ops
 * (drivers/iommu/iommu.h), see these functions in iommufd_driver.h and call
 * nothing else of the core but uaccess.c (uaccess.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iommufd_private.h"

/* ---------------- a driver's view of the vIOMMU and its device ---------------- */

/* The AMD and SMMUv3 viommu_init(): the parent must be the driver's own S2 domain. */
int mock_viommu_init_parent(struct iommufd_viommu *viommu)
{
	return viommu->hwpt->domain.owner != viommu->iommu ? -EINVAL : 0;
}

struct mock_dev *iommufd_device_mdev(const struct iommufd_device *idev)
{
	return idev->mdev;
}

/* ---------------- vIOMMU mmap regions ---------------- */

/* Reserve the lowest free page-aligned range of offsets >= PAGE_SIZE for @owner. */
struct iommufd_mmap *iommufd_alloc_mmap(struct iommufd_ctx *ictx, struct iommufd_object *owner,
					uint64_t length, int *err)
{
	struct iommufd_mmap *immap, *cur;
	uint64_t start = PAGE_SIZE;
	struct mock_list *n, *pos;

	if (!length || length % PAGE_SIZE) {
		*err = -EINVAL;
		return NULL;
	}
	immap = mock_zalloc(1, sizeof(*immap));
	if (!immap) {
		*err = -ENOMEM;
		return NULL;
	}
	immap->memfd = memfd_create("iommufd-mmap", MFD_CLOEXEC);
	if (immap->memfd < 0 || ftruncate(immap->memfd, (off_t)length)) {
		*err = -ENOMEM;
		if (immap->memfd >= 0)
			close(immap->memfd);
		free(immap);
		return NULL;
	}
	/* ictx->mmaps is sorted by offset: first fit */
	pos = &ictx->mmaps;
	for (n = ictx->mmaps.next; n != &ictx->mmaps; n = n->next) {
		cur = mock_list_entry(n, struct iommufd_mmap, ctx_node);
		if (start + length <= cur->offset) {
			pos = n;
			break;
		}
		start = cur->offset + cur->length;
	}
	immap->ictx = ictx;
	immap->owner = owner;
	immap->offset = start;
	immap->length = length;
	immap->cookie = ++ictx->k->next_mmap_cookie;
	mock_list_add_tail(&immap->ctx_node, pos);
	mock_list_add_tail(&immap->k_node, &ictx->k->mmaps);
	return immap;
}

/* ---------------- vDEVICEs and vEVENTs ---------------- */

struct iommufd_device *iommufd_viommu_find_dev(struct iommufd_viommu *viommu,
					       uint64_t virt_id)
{
	struct iommufd_vdevice *vdev;

	for (vdev = viommu->vdevs; vdev; vdev = vdev->next_in_viommu)
		if (vdev->virt_id == virt_id)
			return vdev->idev;
	return NULL;
}

int mock_memdup_user_array(const struct mock_task *task, void **out, uint32_t n, size_t klen,
			   uint64_t uptr, uint32_t ulen)
{
	uint8_t *a = mock_zalloc(n, klen);
	int rc = 0;

	*out = NULL;
	if (!a)
		return -ENOMEM;
	if (ulen == klen) {
		if (copy_from_user(task, a, uptr, (size_t)n * klen))
			rc = -EFAULT;
	} else {
		for (uint32_t i = 0; i != n && !rc; i++)
			rc = copy_struct_from_user(task, a + klen * i, klen,
						   uptr + (uint64_t)ulen * i, ulen);
	}
	if (rc) {
		free(a);
		return rc;
	}
	*out = a;
	return 0;
}

int iommufd_viommu_report_event(struct iommufd_viommu *viommu, uint32_t type,
				const void *event_data, size_t data_len)
{
	struct iommufd_veventq *veventq;
	struct iommufd_vevent *vevent;
	int rc = 0;

	if (!data_len || !event_data)
		return -EINVAL;
	veventq = iommufd_viommu_find_veventq(viommu, type);
	if (!veventq)
		return -EOPNOTSUPP;

	if (veventq->num_events == veventq->depth) {
		vevent = &veventq->lost_events_header;
	} else {
		vevent = calloc(1, sizeof(*vevent));
		if (vevent) {
			vevent->event_data = malloc(data_len);
			if (!vevent->event_data) {
				free(vevent);
				vevent = NULL;
			}
		}
		if (!vevent) {
			vevent = &veventq->lost_events_header;
			rc = -ENOMEM;
		} else {
			vevent->data_len = (uint32_t)data_len;
			memcpy(vevent->event_data, event_data, data_len);
			veventq->num_events++;
		}
	}
	iommufd_vevent_handler(veventq, vevent);
	return rc;
}

/* ---------------- the IOMMU core's view of iommufd's domains ---------------- */

bool iommufd_dev_domain(struct mock_dev *mdev, uint32_t pasid, struct mock_domain **s2,
			struct mock_nested_domain **s1)
{
	struct iommufd_hw_pagetable *hwpt;
	struct iommufd_hwpt_paging *paging;

	*s2 = NULL;
	*s1 = NULL;
	hwpt = mdev->idev ? iommufd_device_pasid_hwpt(mdev->idev, pasid) : NULL;
	paging = find_hwpt_paging(hwpt);
	if (!paging)
		return false;
	*s2 = &paging->domain;
	if (hwpt->obj.type == IOMMUFD_OBJ_HWPT_NESTED)
		*s1 = &((struct iommufd_hwpt_nested *)hwpt)->domain;
	return true;
}

void iommufd_dev_report_fault(struct mock_dev *mdev, uint32_t pasid, uint64_t iova, bool write,
			      const uint64_t *smmu_evt)
{
	struct iommufd_hw_pagetable *hwpt;

	hwpt = mdev->idev ? iommufd_device_pasid_hwpt(mdev->idev, pasid) : NULL;
	iommufd_dma_fault(mdev, hwpt, pasid, iova, write, smmu_evt);
}

int iommufd_domain_lookup(struct mock_domain *domain, uint64_t iova, bool write)
{
	struct iopt_pages *pages;
	uint64_t byte;
	int prot;

	if (!mock_domain_iova_to_pages(domain, iova, &pages, &byte, &prot, NULL, NULL))
		return -ENOENT;
	if (!(prot & (write ? IOMMU_WRITE : IOMMU_READ)))
		return -EACCES;
	return 0;
}

int iommufd_domain_rw(struct mock_domain *domain, uint64_t iova, void *buf, size_t len,
		      bool write)
{
	struct iopt_pages *pages;
	uint64_t byte;
	int prot;

	if (!mock_domain_iova_to_pages(domain, iova, &pages, &byte, &prot, NULL, NULL) ||
	    iopt_pages_rw_access(pages, byte, buf, len, write ? IOMMUFD_ACCESS_RW_WRITE : 0))
		return -EFAULT;
	/* the IO PTE's dirty bit */
	if (write && domain->dirty_enabled)
		(void)mock_domain_set_dirty(domain, iova);
	return 0;
}
