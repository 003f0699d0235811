// SPDX-License-Identifier: MIT
/*
 * hw_pagetable.c - HWPT objects (the kernel's hw_pagetable.c). For now only
 * paging HWPTs holding a mock domain, created automatically when a device
 * attaches to an IOAS (auto domains) — IOMMU_HWPT_ALLOC and nested HWPTs
 * slot in here later.
 */
#include <errno.h>
#include <stdlib.h>

#include "iommufd_private.h"
#include "iommufd_test.h"

static void hwpt_unlink(struct iommufd_hwpt_paging *hwpt)
{
	struct iommufd_hwpt_paging **pp;

	for (pp = &hwpt->ioas->hwpt_list; *pp; pp = &(*pp)->next_in_ioas) {
		if (*pp == hwpt) {
			*pp = hwpt->next_in_ioas;
			break;
		}
	}
}

static void hwpt_paging_teardown(struct iommufd_hwpt_paging *hwpt, bool domain_added)
{
	if (!hwpt->ioas)
		return;
	if (domain_added) {
		hwpt_unlink(hwpt);
		iopt_table_remove_domain(&hwpt->ioas->iopt, &hwpt->domain);
	}
	hwpt->ioas->obj.users--;
	hwpt->ioas = NULL;
}

void iommufd_hwpt_paging_destroy(struct iommufd_object *obj)
{
	hwpt_paging_teardown((struct iommufd_hwpt_paging *)obj, true);
}

void iommufd_hwpt_paging_abort(struct iommufd_object *obj)
{
	struct iommufd_hwpt_paging *hwpt = (struct iommufd_hwpt_paging *)obj;
	struct iommufd_hwpt_paging *it;
	bool added = false;

	if (hwpt->ioas)
		for (it = hwpt->ioas->hwpt_list; it; it = it->next_in_ioas)
			added |= it == hwpt;
	hwpt_paging_teardown(hwpt, added);
}

/*
 * Allocate a paging HWPT with a mock domain on @ioas and fill it with every
 * area. The object is not finalized: the caller does that (or aborts).
 */
struct iommufd_hwpt_paging *iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx,
						      struct iommufd_ioas *ioas,
						      struct iommufd_device *idev, uint32_t flags,
						      bool immediate_attach)
{
	struct iommufd_hwpt_paging *hwpt;
	int rc;

	(void)idev;
	(void)immediate_attach;
	hwpt = (struct iommufd_hwpt_paging *)iommufd_object_alloc(ictx, sizeof(*hwpt),
								   IOMMUFD_OBJ_HWPT_PAGING);
	if (!hwpt)
		return NULL;
	hwpt->ioas = ioas;
	ioas->obj.users++;
	hwpt->domain.aperture_start = MOCK_APERTURE_START;
	hwpt->domain.aperture_last = MOCK_APERTURE_LAST;
	hwpt->domain.pgsize = MOCK_PAGE_SIZE;
	hwpt->domain.flags = flags;
	hwpt->enforce_cache_coherency = true;

	rc = iopt_table_add_domain(&ioas->iopt, &hwpt->domain);
	if (rc) {
		iommufd_object_abort_and_destroy(ictx, &hwpt->obj);
		errno = -rc;
		return NULL;
	}
	hwpt->next_in_ioas = ioas->hwpt_list;
	ioas->hwpt_list = hwpt;
	return hwpt;
}
