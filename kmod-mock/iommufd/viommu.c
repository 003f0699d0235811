// SPDX-License-Identifier: MIT
/*
 * viommu.c - vIOMMU, vDEVICE and HW queue objects (the kernel's viommu.c) with
 * the drivers' vIOMMUs behind them: the selftest driver's (driver data
 * loopback, a 2-page mmap region, per-device cache invalidation, two chained
 * HW queues), the ARM SMMUv3 vSMMU (arm_smmuv3.c) and the AMD one, and
 * the iommufd file's mmap regions (the kernel's mt_mmap): offsets handed to
 * user space, backed here by a memfd the core owns, each mapping holding a
 * users reference on the region's owner object.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iommufd_private.h"
#include "iommufd_test.h"

struct iommufd_viommu *iommufd_get_viommu(struct iommufd_ctx *ictx, uint32_t id)
{
	return (struct iommufd_viommu *)iommufd_get_object(ictx, id, IOMMUFD_OBJ_VIOMMU);
}

/* ---------------- mmap regions ---------------- */

static void iommufd_destroy_mmap(struct iommufd_mmap *immap)
{
	if (!immap)
		return;
	mock_list_del(&immap->ctx_node);
	mock_list_del(&immap->k_node);
	close(immap->memfd);
	free(immap);
}

int iommufd_mmap_file(struct iommufd_ctx *ictx, uint64_t offset, uint64_t length, int prot,
		      int flags, struct mock_mmap_result *res)
{
	struct iommufd_mmap *immap = NULL;
	struct mock_list *n;

	if (length % PAGE_SIZE || !length)
		return -EINVAL;
	if ((flags & MAP_TYPE) != MAP_SHARED && (flags & MAP_TYPE) != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (prot & PROT_EXEC)
		return -EPERM;
	for (n = ictx->mmaps.next; n != &ictx->mmaps; n = n->next) {
		struct iommufd_mmap *cur = mock_list_entry(n, struct iommufd_mmap, ctx_node);

		if (offset >= cur->offset && offset - cur->offset < cur->length) {
			immap = cur;
			break;
		}
	}
	/* only the exact region may be mapped */
	if (!immap || offset != immap->offset || length != immap->length)
		return -ENXIO;
	immap->owner->users++;
	immap->refs++;
	/* the mapping keeps the file (and so the context) alive, like vm_file */
	iommufd_ctx_get(ictx);
	res->memfd = immap->memfd;
	res->memfd_off = 0;
	res->cookie = immap->cookie;
	return 0;
}

static struct iommufd_mmap *mmap_by_cookie(struct mock_kernel *k, uint64_t cookie)
{
	struct mock_list *n;

	for (n = k->mmaps.next; n != &k->mmaps; n = n->next) {
		struct iommufd_mmap *immap = mock_list_entry(n, struct iommufd_mmap, k_node);

		if (immap->cookie == cookie)
			return immap;
	}
	return NULL;
}

void mock_mmap_get(struct mock_kernel *k, uint64_t cookie)
{
	struct iommufd_mmap *immap = k ? mmap_by_cookie(k, cookie) : NULL;

	if (!immap || !immap->refs)
		return;
	immap->owner->users++;
	immap->refs++;
	iommufd_ctx_get(immap->ictx);
}

void mock_mmap_put(struct mock_kernel *k, uint64_t cookie)
{
	struct iommufd_mmap *immap = k ? mmap_by_cookie(k, cookie) : NULL;

	if (!immap || !immap->refs)
		return;
	immap->refs--;
	immap->owner->users--;
	/* last: the context may go (and the region with its owner) */
	iommufd_ctx_put(immap->ictx);
}

void iommufd_mmap_drop_all(struct mock_kernel *k)
{
	struct mock_list *n;

restart:
	for (n = k->mmaps.next; n != &k->mmaps; n = n->next) {
		struct iommufd_mmap *immap = mock_list_entry(n, struct iommufd_mmap, k_node);

		if (immap->refs) {
			mock_mmap_put(k, immap->cookie);
			goto restart;
		}
	}
}

/* ---------------- vIOMMU ---------------- */

/* The IOMMU instance a device sits behind (one per driver model in the mock). */
static const struct mock_iommu_ops *device_iommu(struct iommufd_device *idev)
{
	return dev_iommu_ops(idev->mdev);
}

/* Does the vIOMMU's driver allocate nested domains (viommu ops alloc_domain_nested)? */
bool iommufd_viommu_has_nested(const struct iommufd_viommu *viommu)
{
	return viommu->ops->alloc_domain_nested;
}

int iommufd_viommu_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_viommu_alloc *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt_paging;
	const struct mock_iommu_ops *ops;
	struct iommufd_viommu *viommu;
	struct iommufd_device *idev;
	size_t size;
	int rc;

	if (cmd->flags || cmd->type == IOMMU_VIOMMU_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	idev = iommufd_get_device(ucmd->ictx, cmd->dev_id);
	if (!idev)
		return -ENOENT;
	ops = device_iommu(idev);
	/* the driver's get_viommu_size(): 0 if it has no vIOMMU of @type */
	size = idev->mdev->no_iommu || !ops->get_viommu_size ?
		       0 : ops->get_viommu_size(idev->mdev, cmd->type);
	if (!size) {
		rc = -EOPNOTSUPP;
		goto out_put_idev;
	}
	hwpt_paging = iommufd_get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (!hwpt_paging) {
		rc = -ENOENT;
		goto out_put_idev;
	}
	if (!hwpt_paging->nest_parent) {
		rc = -EINVAL;
		goto out_put_hwpt;
	}
	viommu = (struct iommufd_viommu *)iommufd_object_alloc_ucmd(ucmd, size,
								     IOMMUFD_OBJ_VIOMMU);
	if (!viommu) {
		rc = -ENOMEM;
		goto out_put_hwpt;
	}
	viommu->type = cmd->type;
	viommu->iommu = device_iommu(idev);
	viommu->hwpt = hwpt_paging;
	hwpt_paging->common.obj.users++;
	mock_list_init(&viommu->veventqs);

	viommu->ops = ops->viommu_ops;
	rc = ops->viommu_init(viommu, idev, ucmd, cmd);
	if (rc)
		goto out_put_hwpt;

	cmd->out_viommu_id = viommu->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put_hwpt:
	iommufd_put_object(ucmd->ictx, &hwpt_paging->common.obj);
out_put_idev:
	iommufd_put_object(ucmd->ictx, &idev->obj);
	return rc;
}

void iommufd_viommu_destroy(struct iommufd_object *obj)
{
	struct iommufd_viommu *viommu = (struct iommufd_viommu *)obj;

	iommufd_destroy_mmap(viommu->immap);
	viommu->immap = NULL;
	if (viommu->hwpt)
		viommu->hwpt->common.obj.users--;
}

int iommufd_viommu_cache_invalidate(struct iommufd_viommu *viommu,
				    const struct mock_task *task,
				    struct iommu_hwpt_invalidate *cmd)
{
	/* e.g. the AMD vIOMMU has no cache_invalidate op: nothing done */
	if (!viommu->ops->cache_invalidate) {
		cmd->entry_num = 0;
		return -EOPNOTSUPP;
	}
	return viommu->ops->cache_invalidate(viommu, task, cmd);
}

/* ---------------- vDEVICE ---------------- */

int iommufd_vdevice_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_vdevice_alloc *cmd = ucmd->cmd;
	struct iommufd_vdevice *vdev;
	struct iommufd_viommu *viommu;
	struct iommufd_device *idev;
	int rc;

	/* virt_id indexes an xarray (unsigned long) */
	if (sizeof(unsigned long) < sizeof(uint64_t) && cmd->virt_id > UINT32_MAX)
		return -EINVAL;
	viommu = iommufd_get_viommu(ucmd->ictx, cmd->viommu_id);
	if (!viommu)
		return -ENOENT;
	idev = iommufd_get_device(ucmd->ictx, cmd->dev_id);
	if (!idev) {
		rc = -ENOENT;
		goto out_put_viommu;
	}
	if (idev->mdev->no_iommu || device_iommu(idev) != viommu->iommu) {
		rc = -EINVAL;
		goto out_put_idev;
	}
	if (idev->vdev) {
		rc = -EEXIST;
		goto out_put_idev;
	}
	if (iommufd_viommu_find_dev(viommu, cmd->virt_id)) {
		rc = -EEXIST;
		goto out_put_idev;
	}
	vdev = (struct iommufd_vdevice *)iommufd_object_alloc(ucmd->ictx, sizeof(*vdev),
							       IOMMUFD_OBJ_VDEVICE);
	if (!vdev) {
		rc = -ENOMEM;
		goto out_put_idev;
	}
	vdev->virt_id = cmd->virt_id;
	vdev->viommu = viommu;
	viommu->obj.users++;
	/* the vDEVICE keeps the users reference on the device taken above */
	vdev->idev = idev;
	idev->vdev = vdev;
	vdev->next_in_viommu = viommu->vdevs;
	viommu->vdevs = vdev;

	cmd->out_vdevice_id = vdev->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iommufd_object_abort_and_destroy(ucmd->ictx, &vdev->obj);
		goto out_put_viommu;
	}
	iommufd_object_finalize(ucmd->ictx, &vdev->obj);
	goto out_put_viommu;

out_put_idev:
	iommufd_put_object(ucmd->ictx, &idev->obj);
out_put_viommu:
	iommufd_put_object(ucmd->ictx, &viommu->obj);
	return rc;
}

void iommufd_vdevice_destroy(struct iommufd_object *obj)
{
	struct iommufd_vdevice *vdev = (struct iommufd_vdevice *)obj;
	struct iommufd_viommu *viommu = vdev->viommu;
	struct iommufd_vdevice **pp;

	for (pp = &viommu->vdevs; *pp; pp = &(*pp)->next_in_viommu) {
		if (*pp == vdev) {
			*pp = vdev->next_in_viommu;
			break;
		}
	}
	viommu->obj.users--;
	vdev->idev->vdev = NULL;
	vdev->idev->obj.users--;
}

void iommufd_device_remove_vdev(struct iommufd_device *idev)
{
	if (!idev->vdev)
		return;
	/* the vDEVICE goes with the device; its id stays unusable (ENOENT) */
	iommufd_object_tombstone_user(idev->obj.ictx, &idev->vdev->obj);
}

/* ---------------- HW queues ---------------- */

static void hw_queue_unpin(struct iommufd_hw_queue *hw_queue)
{
	struct iopt_area_contig_iter iter;
	struct iopt_area *area;
	uint64_t last;

	if (!hw_queue->pin_length)
		return;
	last = hw_queue->pin_iova + hw_queue->pin_length - 1;
	iopt_for_each_contig_area(&iter, area, &hw_queue->ioas->iopt, hw_queue->pin_iova, last) {
		uint64_t l = last < iopt_area_last_iova(area) ? last : iopt_area_last_iova(area);

		iopt_area_remove_access(area, iopt_area_iova_to_index(area, iter.cur_iova),
					iopt_area_iova_to_index(area, l));
		if (area->num_locks)
			area->num_locks--;
	}
	hw_queue->pin_length = 0;
}

/*
 * The core's internal access: pin the queue's pages and lock their areas so
 * that IOAS_UNMAP answers EBUSY while the HW may read them.
 */
static int hw_queue_pin(struct iommufd_hw_queue *hw_queue, uint64_t iova, uint64_t length)
{
	struct iopt_area_contig_iter iter;
	struct iopt_area *area;
	uint64_t last = iova + length - 1;
	int rc = 0;

	iopt_for_each_contig_area(&iter, area, &hw_queue->ioas->iopt, iova, last) {
		uint64_t l = last < iopt_area_last_iova(area) ? last : iopt_area_last_iova(area);
		bool aligned = !(iopt_area_start_byte(area, iter.cur_iova) % PAGE_SIZE);

		if (!iopt_area_contig_done(&iter) &&
		    iopt_area_start_byte(area, iopt_area_last_iova(area)) % PAGE_SIZE !=
			    PAGE_SIZE - 1)
			aligned = false;
		if (area->prevent_access || !aligned) {
			rc = -EINVAL;
			break;
		}
		if (!(area->iommu_prot & IOMMU_READ)) {
			rc = -EPERM;
			break;
		}
		rc = iopt_area_add_access(area, iopt_area_iova_to_index(area, iter.cur_iova),
					  iopt_area_iova_to_index(area, l), 0);
		if (rc)
			break;
		area->num_locks++;
	}
	if (!rc && !iopt_area_contig_done(&iter))
		rc = -ENOENT;
	if (rc && iova < iter.cur_iova) {
		hw_queue->pin_iova = iova;
		hw_queue->pin_length = iter.cur_iova - iova;
		hw_queue_unpin(hw_queue);
		return rc;
	}
	if (!rc) {
		hw_queue->pin_iova = iova;
		hw_queue->pin_length = length;
	}
	return rc;
}

int iommufd_hw_queue_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_queue_alloc *cmd = ucmd->cmd;
	struct iommufd_hw_queue *hw_queue;
	struct iommufd_viommu *viommu;
	uint64_t last, aligned_iova, offset, length;
	int rc;

	if (cmd->flags || cmd->type == IOMMU_HW_QUEUE_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->length)
		return -EINVAL;
	if (__builtin_add_overflow(cmd->nesting_parent_iova, cmd->length - 1, &last))
		return -EOVERFLOW;

	viommu = iommufd_get_viommu(ucmd->ictx, cmd->viommu_id);
	if (!viommu)
		return -ENOENT;
	if (!viommu->ops->hw_queue_supported || !viommu->ops->hw_queue_supported(cmd->type)) {
		rc = -EOPNOTSUPP;
		goto out_put_viommu;
	}
	hw_queue = (struct iommufd_hw_queue *)iommufd_object_alloc_ucmd(ucmd, sizeof(*hw_queue),
									IOMMUFD_OBJ_HW_QUEUE);
	if (!hw_queue) {
		rc = -ENOMEM;
		goto out_put_viommu;
	}

	/* iommufd_hw_queue_alloc_phys(): whole pages around the queue */
	aligned_iova = cmd->nesting_parent_iova & PAGE_MASK;
	offset = cmd->nesting_parent_iova - aligned_iova;
	if (__builtin_add_overflow(offset, cmd->length, &length) ||
	    __builtin_add_overflow(length, PAGE_SIZE - 1, &length)) {
		rc = -ERANGE;
		goto out_put_viommu;
	}
	length &= PAGE_MASK;
	hw_queue->ioas = viommu->hwpt->ioas;
	rc = hw_queue_pin(hw_queue, aligned_iova, length);
	if (rc)
		goto out_put_viommu;

	hw_queue->viommu = viommu;
	viommu->obj.users++;
	hw_queue->type = cmd->type;
	hw_queue->length = cmd->length;
	hw_queue->base_addr = cmd->nesting_parent_iova;
	hw_queue->index = cmd->index;

	/* the selftest driver's hw_queue_init_phys() */
	if (cmd->index >= IOMMU_TEST_HW_QUEUE_MAX) {
		rc = -EINVAL;
		goto out_put_viommu;
	}
	if (viommu->hw_queue[cmd->index]) {
		rc = -EEXIST;
		goto out_put_viommu;
	}
	if (cmd->index) {
		hw_queue->prev = viommu->hw_queue[cmd->index - 1];
		if (!hw_queue->prev) {
			rc = -EIO;
			goto out_put_viommu;
		}
		/* a queue depends on the one before it: destroy in reverse order */
		hw_queue->prev->obj.users++;
	}
	viommu->hw_queue[cmd->index] = hw_queue;
	hw_queue->installed = true;

	cmd->out_hw_queue_id = hw_queue->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put_viommu:
	iommufd_put_object(ucmd->ictx, &viommu->obj);
	return rc;
}

void iommufd_hw_queue_destroy(struct iommufd_object *obj)
{
	struct iommufd_hw_queue *hw_queue = (struct iommufd_hw_queue *)obj;

	if (hw_queue->installed) {
		hw_queue->viommu->hw_queue[hw_queue->index] = NULL;
		if (hw_queue->prev)
			hw_queue->prev->obj.users--;
	}
	hw_queue_unpin(hw_queue);
	if (hw_queue->viommu)
		hw_queue->viommu->obj.users--;
}
