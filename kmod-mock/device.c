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
	/* the driver's reference: users cannot destroy a bound device */
	idev->obj.users++;
	iommufd_object_finalize(ictx, &idev->obj);
	return idev;
}

void iommufd_device_unbind(struct iommufd_device *idev)
{
	iommufd_object_destroy_user(idev->obj.ictx, &idev->obj);
}

void iommufd_device_destroy(struct iommufd_object *obj)
{
	struct iommufd_device *idev = (struct iommufd_device *)obj;

	if (idev->hwpt)
		iommufd_device_detach(idev);
}

static int hwpt_attach_dev(struct iommufd_hwpt_paging *hwpt, struct iommufd_device *idev)
{
	if ((idev->mdev->flags & MOCK_FLAGS_DEVICE_NO_DIRTY) && hwpt->domain.dirty_tracking)
		return -EINVAL;
	if (mock_should_fail(NULL))
		return -ENOMEM;
	hwpt->obj.users++;
	hwpt->nr_devices++;
	idev->hwpt = hwpt;
	return 0;
}

static int device_auto_get_domain(struct iommufd_device *idev, struct iommufd_ioas *ioas,
				  uint32_t *pt_id)
{
	struct iommufd_ctx *ictx = idev->obj.ictx;
	struct iommufd_hwpt_paging *hwpt;
	int rc;

	/* Reuse an automatic domain the device can use */
	for (hwpt = ioas->hwpt_list; hwpt; hwpt = hwpt->next_in_ioas) {
		if (!hwpt->auto_domain || !hwpt->obj.finalized)
			continue;
		rc = hwpt_attach_dev(hwpt, idev);
		if (rc == -EINVAL)
			continue;
		if (rc)
			return rc;
		*pt_id = hwpt->obj.id;
		return 0;
	}

	hwpt = iommufd_hwpt_paging_alloc(ictx, ioas, idev, 0, true, NULL, &rc);
	if (!hwpt)
		return rc;
	hwpt->auto_domain = true;
	rc = hwpt_attach_dev(hwpt, idev);
	if (rc) {
		iommufd_object_abort_and_destroy(ictx, &hwpt->obj);
		return rc;
	}
	iommufd_object_finalize(ictx, &hwpt->obj);
	*pt_id = hwpt->obj.id;
	return 0;
}

struct iommufd_device *iommufd_get_device(struct iommufd_ctx *ictx, uint32_t id)
{
	return (struct iommufd_device *)iommufd_get_object(ictx, id, IOMMUFD_OBJ_DEVICE);
}

static int device_do_attach(struct iommufd_device *idev, uint32_t *pt_id)
{
	struct iommufd_ctx *ictx = idev->obj.ictx;
	struct iommufd_object *pt_obj;
	int rc;

	pt_obj = iommufd_get_object(ictx, *pt_id, IOMMUFD_OBJ_ANY);
	if (!pt_obj)
		return -ENOENT;

	switch (pt_obj->type) {
	case IOMMUFD_OBJ_HWPT_PAGING:
		rc = hwpt_attach_dev((struct iommufd_hwpt_paging *)pt_obj, idev);
		break;
	case IOMMUFD_OBJ_IOAS:
		rc = device_auto_get_domain(idev, (struct iommufd_ioas *)pt_obj, pt_id);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	iommufd_put_object(ictx, pt_obj);
	return rc;
}

int iommufd_device_attach(struct iommufd_device *idev, uint32_t *pt_id)
{
	if (idev->hwpt)
		return -EBUSY;
	return device_do_attach(idev, pt_id);
}

static void hwpt_drop_dev(struct iommufd_device *idev, struct iommufd_hwpt_paging *hwpt)
{
	hwpt->nr_devices--;
	if (hwpt->auto_domain && !hwpt->nr_devices)
		(void)iommufd_object_remove(idev->obj.ictx, &hwpt->obj, 0);
	else
		hwpt->obj.users--;
}

void iommufd_device_detach(struct iommufd_device *idev)
{
	struct iommufd_hwpt_paging *hwpt = idev->hwpt;

	if (!hwpt)
		return;
	idev->hwpt = NULL;
	hwpt_drop_dev(idev, hwpt);
}

/*
 * Move an attached device to @pt_id (IOAS or paging HWPT) without a window
 * where it is detached: the new attachment is made first, then the old one
 * (an automatic domain dies with its last device) is dropped.
 */
int iommufd_device_replace(struct iommufd_device *idev, uint32_t *pt_id)
{
	struct iommufd_hwpt_paging *old = idev->hwpt;
	int rc;

	if (!old)
		return -EINVAL;
	idev->hwpt = NULL;
	rc = device_do_attach(idev, pt_id);
	if (rc) {
		idev->hwpt = old;
		return rc;
	}
	hwpt_drop_dev(idev, old);
	return 0;
}

/* ---------------- IOMMU_GET_HW_INFO ---------------- */

int iommufd_get_hw_info(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	struct iommu_test_hw_info info = { .test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL };
	struct iommufd_device *idev;
	uint32_t data_len = sizeof(info), copy_len;
	int rc;

	if (cmd->flags & ~(uint32_t)IOMMU_HW_INFO_FLAG_INPUT_TYPE)
		return -EOPNOTSUPP;
	if (cmd->__reserved[0] || cmd->__reserved[1] || cmd->__reserved[2])
		return -EOPNOTSUPP;
	/* drivers take no random input type */
	if (!(cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE))
		cmd->in_data_type = IOMMU_HW_INFO_TYPE_DEFAULT;

	idev = iommufd_get_device(ucmd->ictx, cmd->dev_id);
	if (!idev)
		return -ENOENT;

	/* the mock driver's hw_info() */
	if (cmd->in_data_type != IOMMU_HW_INFO_TYPE_DEFAULT &&
	    cmd->in_data_type != IOMMU_HW_INFO_TYPE_SELFTEST) {
		rc = -EOPNOTSUPP;
		goto out_put;
	}
	cmd->out_data_type = IOMMU_HW_INFO_TYPE_SELFTEST;

	copy_len = cmd->data_len < data_len ? cmd->data_len : data_len;
	if (copy_to_user(ucmd->task, cmd->data_uptr, &info, copy_len)) {
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

	cmd->out_capabilities = 0;
	if (!(idev->mdev->flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		cmd->out_capabilities |= IOMMU_HW_CAP_DIRTY_TRACKING;
	/* the mock device is not PCI: ATS is never usable */
	cmd->out_capabilities |= IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED;
	cmd->out_max_pasid_log2 = 0;
	if (idev->mdev->flags & MOCK_FLAGS_DEVICE_PASID)
		cmd->out_max_pasid_log2 = MOCK_PASID_WIDTH;
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
