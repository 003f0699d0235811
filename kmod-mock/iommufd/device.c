// SPDX-License-Identifier: MIT
/*
 * device.c - DEVICE objects and in-kernel accesses (the kernel's device.c):
 * binding a (mock) device, attaching it to an IOAS through an automatic
 * paging HWPT or to an explicit HWPT, and the access API the selftest's
 * access files use (pin, unpin, rw, replace, unmap notification).
 */
#include <errno.h>
#include <stdlib.h>

#include "iommufd_private.h"
#include "iommufd_test.h"

struct iommufd_device *iommufd_device_bind(struct iommufd_ctx *ictx, struct mock_dev *mdev)
{
	struct iommufd_device *idev;

	idev = (struct iommufd_device *)iommufd_object_alloc(ictx, sizeof(*idev),
							      IOMMUFD_OBJ_DEVICE);
	if (!idev)
		return NULL;
	idev->mdev = mdev;
	mdev->idev = idev;
	/* the driver's reference: users cannot destroy a bound device */
	idev->obj.users++;
	iommufd_object_finalize(ictx, &idev->obj);
	return idev;
}

void iommufd_device_unbind(struct iommufd_device *idev)
{
	/* 7.3: the vDEVICE is destroyed first and its id left as a tombstone */
	iommufd_device_remove_vdev(idev);
	iommufd_object_destroy_user(idev->obj.ictx, &idev->obj);
}

void iommufd_device_destroy(struct iommufd_object *obj)
{
	struct iommufd_device *idev = (struct iommufd_device *)obj;

	while (idev->pasids)
		iommufd_device_detach(idev, idev->pasids->pasid);
	iommufd_device_detach(idev, IOMMU_NO_PASID);
	if (idev->mdev->idev == idev)
		idev->mdev->idev = NULL;
}

static struct iommufd_pasid_attach **pasid_slot(struct iommufd_device *idev, uint32_t pasid)
{
	struct iommufd_pasid_attach **pp;

	for (pp = &idev->pasids; *pp; pp = &(*pp)->next)
		if ((*pp)->pasid == pasid)
			return pp;
	return pp;
}

struct iommufd_hw_pagetable *iommufd_device_pasid_hwpt(struct iommufd_device *idev,
						       uint32_t pasid)
{
	if (pasid == IOMMU_NO_PASID)
		return idev->hwpt;
	return *pasid_slot(idev, pasid) ? (*pasid_slot(idev, pasid))->hwpt : NULL;
}

static bool device_has_pasid_attach(struct iommufd_device *idev)
{
	return idev->pasids != NULL;
}

/* iommufd_hwpt_pasid_compat(): PASID use needs PASID-compatible domains everywhere. */
static int hwpt_pasid_compat(struct iommufd_hw_pagetable *hwpt, struct iommufd_device *idev,
			     uint32_t pasid)
{
	if (pasid == IOMMU_NO_PASID) {
		if (!hwpt->pasid_compat && device_has_pasid_attach(idev))
			return -EINVAL;
		return 0;
	}
	if (!hwpt->pasid_compat)
		return -EINVAL;
	if (idev->hwpt && !idev->hwpt->pasid_compat)
		return -EINVAL;
	return 0;
}

/* The domain the IOMMU driver would program: checks of attach_dev()/set_dev_pasid(). */
static int hwpt_driver_attach(struct iommufd_hw_pagetable *hwpt, struct iommufd_device *idev,
			      uint32_t pasid)
{
	struct iommufd_hwpt_paging *paging = find_hwpt_paging(hwpt);
	struct mock_dev *mdev = idev->mdev;

	if (!paging)
		return -EINVAL;
	if (hwpt->obj.type == IOMMUFD_OBJ_HWPT_NESTED) {
		if (((struct iommufd_hwpt_nested *)hwpt)->domain.owner != dev_iommu_ops(mdev))
			return -EINVAL;
	} else if (!mock_domain_compatible(&paging->domain, mdev)) {
		return -EINVAL;
	}
	if (pasid != IOMMU_NO_PASID && pasid >> mdev->pasid_log2)
		return -EINVAL;
	if (mock_should_fail(NULL))
		return -ENOMEM;
	if (pasid == IOMMU_NO_PASID) {
		struct iommufd_viommu *viommu = NULL;
		uint64_t vdev_id = 0;

		/* a vIOMMU's stage 1 needs the device's vDEVICE there */
		if (hwpt->obj.type == IOMMUFD_OBJ_HWPT_NESTED)
			viommu = ((struct iommufd_hwpt_nested *)hwpt)->viommu;
		if (viommu) {
			const struct mock_nested_domain *nd =
				&((const struct iommufd_hwpt_nested *)hwpt)->domain;

			/*
			 * Without one only what the driver allows (SMMUv3: an STE
			 * that translates nothing: abort, bypass, the guest's GBPA).
			 */
			if (idev->vdev && idev->vdev->viommu == viommu)
				vdev_id = idev->vdev->virt_id;
			else if (!nd->owner->nested_attach_no_vdev ||
				 !nd->owner->nested_attach_no_vdev(nd))
				return -ENOENT;
		}
		mdev->viommu = viommu;
		mdev->vdev_id = vdev_id;
	}
	return 0;
}

/* Reserve the device's reserved regions in the IOAS behind @paging. */
static int device_attach_reserved_iova(struct iommufd_device *idev,
				       struct iommufd_hwpt_paging *paging)
{
	struct mock_dev *mdev = idev->mdev;
	unsigned int i;
	int rc;

	for (i = 0; i != mdev->nr_resv; i++) {
		rc = iopt_reserve_iova(&paging->ioas->iopt, mdev->resv[i].start,
				       mdev->resv[i].last, idev);
		if (rc) {
			iopt_remove_reserved_iova(&paging->ioas->iopt, idev);
			return rc;
		}
	}
	return 0;
}

static void hwpt_get_attach(struct iommufd_hw_pagetable *hwpt)
{
	hwpt->obj.users++;
	hwpt->nr_attach++;
}

/* Drop one attachment of @hwpt; an automatic domain dies with its last device. */
static void hwpt_put_attach(struct iommufd_ctx *ictx, struct iommufd_hw_pagetable *hwpt)
{
	struct iommufd_hwpt_paging *paging = to_hwpt_paging(hwpt);

	hwpt->nr_attach--;
	if (paging && paging->auto_domain && !hwpt->nr_attach)
		(void)iommufd_object_remove(ictx, &hwpt->obj, 0);
	else
		hwpt->obj.users--;
}

/* iommufd_hw_pagetable_attach(): a new attachment of @pasid (must be unattached). */
static int hwpt_attach(struct iommufd_hw_pagetable *hwpt, struct iommufd_device *idev,
		       uint32_t pasid)
{
	struct iommufd_hwpt_paging *paging = find_hwpt_paging(hwpt);
	struct iommufd_pasid_attach *pa = NULL;
	int rc;

	if (iommufd_device_pasid_hwpt(idev, pasid))
		return -EBUSY;
	rc = hwpt_pasid_compat(hwpt, idev, pasid);
	if (rc)
		return rc;
	if (pasid != IOMMU_NO_PASID) {
		pa = mock_zalloc(1, sizeof(*pa));
		if (!pa)
			return -ENOMEM;
	} else if (paging) {
		rc = device_attach_reserved_iova(idev, paging);
		if (rc)
			return rc;
	}
	rc = hwpt_driver_attach(hwpt, idev, pasid);
	if (!rc && pasid != IOMMU_NO_PASID)
		rc = mock_set_dev_pasid(idev->mdev, pasid, false);
	if (rc) {
		if (pasid == IOMMU_NO_PASID && paging)
			iopt_remove_reserved_iova(&paging->ioas->iopt, idev);
		free(pa);
		return rc;
	}
	hwpt_get_attach(hwpt);
	if (pa) {
		pa->pasid = pasid;
		pa->hwpt = hwpt;
		pa->next = idev->pasids;
		idev->pasids = pa;
	} else {
		idev->hwpt = hwpt;
	}
	return 0;
}

/* iommufd_device_do_replace(): move an attached @pasid to @hwpt; *old gets the old HWPT. */
static int hwpt_replace(struct iommufd_hw_pagetable *hwpt, struct iommufd_device *idev,
			uint32_t pasid, struct iommufd_hw_pagetable **old)
{
	struct iommufd_hwpt_paging *paging = find_hwpt_paging(hwpt), *old_paging;
	struct iommufd_hw_pagetable *old_hwpt = iommufd_device_pasid_hwpt(idev, pasid);
	bool move_resv;
	int rc;

	*old = NULL;
	if (!old_hwpt)
		return -EINVAL;
	if (hwpt == old_hwpt)
		return 0;
	old_paging = find_hwpt_paging(old_hwpt);
	move_resv = pasid == IOMMU_NO_PASID && paging &&
		    (!old_paging || old_paging->ioas != paging->ioas);

	rc = hwpt_pasid_compat(hwpt, idev, pasid);
	if (rc)
		return rc;
	if (move_resv) {
		rc = device_attach_reserved_iova(idev, paging);
		if (rc)
			return rc;
	}
	rc = hwpt_driver_attach(hwpt, idev, pasid);
	if (!rc && pasid != IOMMU_NO_PASID) {
		rc = mock_set_dev_pasid(idev->mdev, pasid, false);
		if (rc) /* the core puts the old domain back */
			(void)mock_set_dev_pasid(idev->mdev, pasid, false);
	}
	if (rc) {
		if (move_resv)
			iopt_remove_reserved_iova(&paging->ioas->iopt, idev);
		return rc;
	}
	if (pasid == IOMMU_NO_PASID && old_paging &&
	    (!paging || old_paging->ioas != paging->ioas))
		iopt_remove_reserved_iova(&old_paging->ioas->iopt, idev);

	hwpt_get_attach(hwpt);
	if (pasid == IOMMU_NO_PASID)
		idev->hwpt = hwpt;
	else
		(*pasid_slot(idev, pasid))->hwpt = hwpt;
	/* page requests of the old attachment are answered INVALID */
	iommufd_auto_response_faults(old_hwpt, idev, pasid);
	*old = old_hwpt;
	return 0;
}

typedef int (*attach_fn)(struct iommufd_hw_pagetable *hwpt, struct iommufd_device *idev,
			 uint32_t pasid, struct iommufd_hw_pagetable **old);

static int do_attach(struct iommufd_hw_pagetable *hwpt, struct iommufd_device *idev,
		     uint32_t pasid, struct iommufd_hw_pagetable **old)
{
	*old = NULL;
	return hwpt_attach(hwpt, idev, pasid);
}

static int device_auto_get_domain(struct iommufd_device *idev, uint32_t pasid,
				  struct iommufd_ioas *ioas, uint32_t *pt_id, attach_fn fn,
				  struct iommufd_hw_pagetable **old)
{
	struct iommufd_ctx *ictx = idev->obj.ictx;
	struct iommufd_hwpt_paging *hwpt;
	int rc;

	/* Reuse an automatic domain the device can use */
	for (hwpt = ioas->hwpt_list; hwpt; hwpt = hwpt->next_in_ioas) {
		if (!hwpt->auto_domain || !hwpt->common.obj.finalized)
			continue;
		rc = fn(&hwpt->common, idev, pasid, old);
		if (rc == -EINVAL)
			continue;
		if (rc)
			return rc;
		*pt_id = hwpt->common.obj.id;
		return 0;
	}

	hwpt = iommufd_hwpt_paging_alloc(ictx, ioas, idev, 0, true, NULL, &rc);
	if (!hwpt)
		return rc;
	hwpt->auto_domain = true;
	rc = fn(&hwpt->common, idev, pasid, old);
	if (rc) {
		iommufd_object_abort_and_destroy(ictx, &hwpt->common.obj);
		return rc;
	}
	iommufd_object_finalize(ictx, &hwpt->common.obj);
	*pt_id = hwpt->common.obj.id;
	return 0;
}

struct iommufd_device *iommufd_get_device(struct iommufd_ctx *ictx, uint32_t id)
{
	return (struct iommufd_device *)iommufd_get_object(ictx, id, IOMMUFD_OBJ_DEVICE);
}

static int device_change_pt(struct iommufd_device *idev, uint32_t pasid, uint32_t *pt_id,
			    attach_fn fn)
{
	struct iommufd_ctx *ictx = idev->obj.ictx;
	struct iommufd_hw_pagetable *old = NULL;
	struct iommufd_object *pt_obj;
	int rc;

	pt_obj = iommufd_get_object(ictx, *pt_id, IOMMUFD_OBJ_ANY);
	if (!pt_obj)
		return -ENOENT;

	switch (pt_obj->type) {
	case IOMMUFD_OBJ_HWPT_PAGING:
	case IOMMUFD_OBJ_HWPT_NESTED:
		rc = fn((struct iommufd_hw_pagetable *)pt_obj, idev, pasid, &old);
		break;
	case IOMMUFD_OBJ_IOAS:
		rc = device_auto_get_domain(idev, pasid, (struct iommufd_ioas *)pt_obj, pt_id, fn,
					    &old);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	iommufd_put_object(ictx, pt_obj);
	if (old)
		hwpt_put_attach(ictx, old);
	return rc;
}

int iommufd_device_attach(struct iommufd_device *idev, uint32_t pasid, uint32_t *pt_id)
{
	return device_change_pt(idev, pasid, pt_id, do_attach);
}

/*
 * Move an attached device (or PASID) to @pt_id (IOAS, paging or nested HWPT)
 * without a window where it is detached: the new attachment is made first,
 * then the old one (an automatic domain dies with its last device) dropped.
 */
int iommufd_device_replace(struct iommufd_device *idev, uint32_t pasid, uint32_t *pt_id)
{
	return device_change_pt(idev, pasid, pt_id, hwpt_replace);
}

void iommufd_device_detach(struct iommufd_device *idev, uint32_t pasid)
{
	struct iommufd_hw_pagetable *hwpt;

	if (pasid == IOMMU_NO_PASID) {
		struct iommufd_hwpt_paging *paging;

		hwpt = idev->hwpt;
		if (!hwpt)
			return;
		paging = find_hwpt_paging(hwpt);
		if (paging)
			iopt_remove_reserved_iova(&paging->ioas->iopt, idev);
		idev->hwpt = NULL;
		idev->mdev->viommu = NULL;
		idev->mdev->vdev_id = 0;
	} else {
		struct iommufd_pasid_attach **pp = pasid_slot(idev, pasid), *pa = *pp;

		if (!pa)
			return;
		hwpt = pa->hwpt;
		*pp = pa->next;
		free(pa);
		(void)mock_set_dev_pasid(idev->mdev, pasid, true);
	}
	iommufd_auto_response_faults(hwpt, idev, pasid);
	hwpt_put_attach(idev->obj.ictx, hwpt);
}

/* ---------------- IOMMU_GET_HW_INFO ---------------- */

int iommufd_get_hw_info(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	struct iommufd_device *idev;
	uint32_t data_len = 0, copy_len, type;
	uint64_t data[8] = { 0 };
	int rc;

	/* an input type came in 6.17; flags were "must be 0" before */
	if (cmd->flags & ~(mock_kv(ucmd->ictx) >= MOCK_KV(6, 17) ?
				   (uint32_t)IOMMU_HW_INFO_FLAG_INPUT_TYPE : 0))
		return -EOPNOTSUPP;
	if (cmd->__reserved[0] || cmd->__reserved[1] || cmd->__reserved[2])
		return -EOPNOTSUPP;
	/* drivers take no random input type */
	if (!(cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE))
		cmd->in_data_type = IOMMU_HW_INFO_TYPE_DEFAULT;

	idev = iommufd_get_device(ucmd->ictx, cmd->dev_id);
	if (!idev)
		return -ENOENT;

	rc = mock_hw_info(idev->mdev, cmd->in_data_type, &type, data, &data_len);
	if (rc)
		goto out_put;
	cmd->out_data_type = type;

	copy_len = cmd->data_len < data_len ? cmd->data_len : data_len;
	if (copy_to_user(ucmd->task, cmd->data_uptr, data, copy_len)) {
		rc = -EFAULT;
		goto out_put;
	}
	/* a bigger user buffer gets zeroes past what the kernel has */
	if (copy_len < cmd->data_len &&
	    clear_user(ucmd->task, cmd->data_uptr + copy_len, cmd->data_len - copy_len)) {
		rc = -EFAULT;
		goto out_put;
	}
	cmd->data_len = data_len;
	cmd->out_capabilities = mock_hw_capabilities(idev->mdev);
	/* (after 6.17) */
	if (mock_kv(ucmd->ictx) < MOCK_KV(6, 18))
		cmd->out_capabilities &= ~(uint64_t)IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED;
	/* the PASID width: in Debian's 6.12, a reserved byte in 6.8 */
	if (mock_kv(ucmd->ictx) >= MOCK_KV(6, 12))
		cmd->out_max_pasid_log2 = (uint8_t)idev->mdev->pasid_log2;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iommufd_put_object(ucmd->ictx, &idev->obj);
	return rc;
}

/* ---------------- accesses ---------------- */

struct iommufd_access *iommufd_access_create(struct iommufd_ctx *ictx, bool needs_pin,
					     void (*unmap)(void *, uint64_t, uint64_t),
					     void *data)
{
	struct iommufd_access *access;

	access = (struct iommufd_access *)iommufd_object_alloc(ictx, sizeof(*access),
								IOMMUFD_OBJ_ACCESS);
	if (!access)
		return NULL;
	/* the driver's reference */
	access->obj.users++;
	access->needs_pin_pages = needs_pin;
	access->iova_alignment = needs_pin ? PAGE_SIZE : 1;
	access->unmap = unmap;
	access->data = data;
	iommufd_ctx_get(ictx);
	iommufd_object_finalize(ictx, &access->obj);
	return access;
}

static int iommufd_access_change_ioas(struct iommufd_access *access,
				      struct iommufd_ioas *new_ioas)
{
	struct iommufd_ioas *cur_ioas = access->ioas;
	int rc;

	if (cur_ioas != access->ioas_unpin)
		return -EBUSY;
	if (cur_ioas == new_ioas)
		return 0;

	access->ioas = NULL;
	if (new_ioas) {
		rc = iopt_add_access(&new_ioas->iopt, access);
		if (rc) {
			access->ioas = cur_ioas;
			return rc;
		}
		new_ioas->obj.users++;
	}
	if (cur_ioas) {
		if (access->unmap)
			access->unmap(access->data, 0, UINT64_MAX);
		iopt_remove_access(&cur_ioas->iopt, access);
		cur_ioas->obj.users--;
	}
	access->ioas = new_ioas;
	access->ioas_unpin = new_ioas;
	return 0;
}

static int iommufd_access_change_ioas_id(struct iommufd_access *access, uint32_t id)
{
	struct iommufd_ctx *ictx = access->obj.ictx;
	struct iommufd_ioas *ioas = iommufd_get_ioas(ictx, id);
	int rc;

	if (!ioas)
		return -ENOENT;
	rc = iommufd_access_change_ioas(access, ioas);
	iommufd_put_object(ictx, &ioas->obj);
	return rc;
}

void iommufd_access_destroy_object(struct iommufd_object *obj)
{
	struct iommufd_access *access = (struct iommufd_access *)obj;
	struct iommufd_ctx *ictx = obj->ictx;

	if (access->ioas)
		(void)iommufd_access_change_ioas(access, NULL);
	iommufd_ctx_put(ictx);
}

void iommufd_access_destroy(struct iommufd_access *access)
{
	struct iommufd_ctx *ictx = access->obj.ictx;

	/* the ctx may go with the access's reference: keep it for the removal */
	iommufd_ctx_get(ictx);
	iommufd_object_destroy_user(ictx, &access->obj);
	iommufd_ctx_put(ictx);
}

int iommufd_access_attach(struct iommufd_access *access, uint32_t ioas_id)
{
	if (access->ioas)
		return -EINVAL;
	return iommufd_access_change_ioas_id(access, ioas_id);
}

int iommufd_access_replace(struct iommufd_access *access, uint32_t ioas_id)
{
	if (!access->ioas)
		return -ENOENT;
	return iommufd_access_change_ioas_id(access, ioas_id);
}

void iommufd_access_notify_unmap(struct io_pagetable *iopt, uint64_t iova, uint64_t length)
{
	unsigned int i;

	/* callbacks may drop accesses from the list: walk from the end */
	for (i = iopt->nr_accesses; i--;) {
		struct iommufd_access *access;

		if (i >= iopt->nr_accesses)
			continue;
		access = iopt->access_list[i];
		if (access->unmap)
			access->unmap(access->data, iova, length);
	}
}

void iommufd_access_unpin_pages(struct iommufd_access *access, uint64_t iova,
				uint64_t length)
{
	struct iopt_area_contig_iter iter;
	struct io_pagetable *iopt;
	struct iopt_area *area;
	uint64_t last_iova;

	if (!length || __builtin_add_overflow(iova, length - 1, &last_iova))
		return;
	if (!access->ioas_unpin)
		return;
	iopt = &access->ioas_unpin->iopt;
	iopt_for_each_contig_area(&iter, area, iopt, iova, last_iova) {
		uint64_t last = last_iova < iopt_area_last_iova(area) ? last_iova :
									 iopt_area_last_iova(area);

		iopt_area_remove_access(area, iopt_area_iova_to_index(area, iter.cur_iova),
					iopt_area_iova_to_index(area, last));
	}
}

static bool iopt_area_contig_is_aligned(struct iopt_area_contig_iter *iter)
{
	if (iopt_area_start_byte(iter->area, iter->cur_iova) % PAGE_SIZE)
		return false;
	if (!iopt_area_contig_done(iter) &&
	    (iopt_area_start_byte(iter->area, iopt_area_last_iova(iter->area)) % PAGE_SIZE) !=
		    (PAGE_SIZE - 1))
		return false;
	return true;
}

static bool check_area_prot(struct iopt_area *area, unsigned int flags)
{
	if (flags & IOMMUFD_ACCESS_RW_WRITE)
		return area->iommu_prot & IOMMU_WRITE;
	return area->iommu_prot & IOMMU_READ;
}

int iommufd_access_pin_pages(struct iommufd_access *access, uint64_t iova, uint64_t length,
			     unsigned int flags)
{
	struct iopt_area_contig_iter iter;
	struct io_pagetable *iopt;
	struct iopt_area *area;
	uint64_t last_iova;
	int rc = 0;

	if (access->iova_alignment != PAGE_SIZE || !access->unmap)
		return -EINVAL;
	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last_iova))
		return -EOVERFLOW;
	if (!access->ioas)
		return -ENOENT;
	iopt = &access->ioas->iopt;

	iopt_for_each_contig_area(&iter, area, iopt, iova, last_iova) {
		uint64_t last = last_iova < iopt_area_last_iova(area) ? last_iova :
									 iopt_area_last_iova(area);
		uint64_t last_index = iopt_area_iova_to_index(area, last);
		uint64_t index = iopt_area_iova_to_index(area, iter.cur_iova);

		if (area->prevent_access || !iopt_area_contig_is_aligned(&iter)) {
			rc = -EINVAL;
			goto err_remove;
		}
		if (!check_area_prot(area, flags)) {
			rc = -EPERM;
			goto err_remove;
		}
		rc = iopt_area_add_access(area, index, last_index, flags);
		if (rc)
			goto err_remove;
	}
	if (!iopt_area_contig_done(&iter)) {
		rc = -ENOENT;
		goto err_remove;
	}
	return 0;

err_remove:
	if (iova < iter.cur_iova) {
		last_iova = iter.cur_iova - 1;
		iopt_for_each_contig_area(&iter, area, iopt, iova, last_iova) {
			uint64_t last = last_iova < iopt_area_last_iova(area) ?
						last_iova : iopt_area_last_iova(area);

			iopt_area_remove_access(area,
						iopt_area_iova_to_index(area, iter.cur_iova),
						iopt_area_iova_to_index(area, last));
		}
	}
	return rc;
}

/*
 * The kernel copies file pages, and user pages on the selftest's slow path,
 * through pages it pins for the copy in batches, each a fault point; the
 * plain copy_to_user path has none.
 */
static bool access_rw_should_fail(struct iopt_pages *pages, uint64_t start_byte, uint64_t bytes,
				  unsigned int flags)
{
	uint64_t npages = (start_byte + bytes - 1) / PAGE_SIZE - start_byte / PAGE_SIZE + 1;

	if (pages->type != IOPT_ADDRESS_FILE && !(flags & IOMMUFD_ACCESS_RW_SLOW_PATH))
		return false;
	return mock_should_fail_n(NULL, iopt_pages_nr_batches(pages->source_mm->k, npages));
}

int iommufd_access_rw(struct iommufd_access *access, uint64_t iova, void *data,
		      size_t length, unsigned int flags)
{
	struct iopt_area_contig_iter iter;
	struct io_pagetable *iopt;
	struct iopt_area *area;
	uint64_t last_iova;
	int rc = -EINVAL;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last_iova))
		return -EOVERFLOW;
	if (!access->ioas)
		return -ENOENT;
	iopt = &access->ioas->iopt;

	iopt_for_each_contig_area(&iter, area, iopt, iova, last_iova) {
		uint64_t last = last_iova < iopt_area_last_iova(area) ? last_iova :
									 iopt_area_last_iova(area);
		uint64_t bytes = last - iter.cur_iova + 1;

		if (area->prevent_access)
			return -EINVAL;
		if (!check_area_prot(area, flags))
			return -EPERM;
		if (access_rw_should_fail(area->pages, iopt_area_start_byte(area, iter.cur_iova),
					  bytes, flags))
			return -EINVAL;
		rc = iopt_pages_rw_access(area->pages, iopt_area_start_byte(area, iter.cur_iova),
					  data, bytes, flags);
		if (rc)
			return rc;
		data = (char *)data + bytes;
	}
	if (!iopt_area_contig_done(&iter))
		rc = -ENOENT;
	return rc;
}
