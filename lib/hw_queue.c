// SPDX-License-Identifier: MIT
/*
 * hw_queue.c - HW queue handles: IOMMU_HW_QUEUE_ALLOC on a vIOMMU, with the
 * range checks the kernel makes before it looks at any object.
 */
#include <stdlib.h>

#include "internal.h"

_Static_assert((int)IOMMUFD_HW_QUEUE_TYPE_TEGRA241_CMDQV ==
		       (int)IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV,
	       "HW queue type");

static void hw_queue_release(struct iommufd_obj *obj)
{
	iommufd_obj_free(obj);
}

LIBIOMMUFD_API int iommufd_hw_queue_alloc(struct iommufd_viommu *viommu, uint32_t type,
					  uint32_t index, uint64_t nesting_parent_iova,
					  uint64_t length, struct iommufd_hw_queue **out)
{
	IOMMUFD_CHECK(viommu, IOMMUFD_OBJ_VIOMMU);
	struct iommu_hw_queue_alloc cmd = {
		.size = sizeof(cmd),
		.type = type,
		.index = index,
		.nesting_parent_iova = nesting_parent_iova,
		.length = length,
	};
	struct iommufd_hw_queue *queue;
	uint64_t last;
	int ret;

	if (!viommu)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!viommu"));
	if (!out)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!out"));
	if (!length)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!length"));
	if (__builtin_add_overflow(nesting_parent_iova, length - 1, &last))
		return iommufd_ret(-EOVERFLOW);
	cmd.viommu_id = viommu->obj.id;
	queue = calloc(1, sizeof(*queue));
	if (!queue)
		return iommufd_ret(-ENOMEM);
	ret = (int)iommufd_ioctl(viommu->obj.ctx, IOMMU_HW_QUEUE_ALLOC, &cmd);
	if (ret) {
		free(queue);
		return iommufd_ret(ret);
	}
	iommufd_obj_add(viommu->obj.ctx, &queue->obj, IOMMUFD_OBJ_HW_QUEUE, cmd.out_hw_queue_id,
			hw_queue_release);
	*out = queue;
	return 0;
}

LIBIOMMUFD_API int iommufd_hw_queue_destroy(struct iommufd_hw_queue *queue)
{
	IOMMUFD_CHECK(queue, IOMMUFD_OBJ_HW_QUEUE);
	int ret;

	if (!queue)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!queue"));
	ret = iommufd_destroy_id(queue->obj.ctx, queue->obj.id);
	if (ret)
		return iommufd_ret(ret);
	iommufd_obj_del(&queue->obj);
	hw_queue_release(&queue->obj);
	return 0;
}

LIBIOMMUFD_API uint32_t iommufd_hw_queue_get_id(const struct iommufd_hw_queue *queue)
{
	IOMMUFD_CHECK(queue, IOMMUFD_OBJ_HW_QUEUE);
	return queue ? queue->obj.id : 0;
}

LIBIOMMUFD_API struct iommufd_ctx *iommufd_hw_queue_get_ctx(const struct iommufd_hw_queue *queue)
{
	IOMMUFD_CHECK(queue, IOMMUFD_OBJ_HW_QUEUE);
	return queue ? queue->obj.ctx : NULL;
}
