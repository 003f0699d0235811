// SPDX-License-Identifier: MIT
/*
 * viommu.c - vIOMMU and vDEVICE handles: IOMMU_VIOMMU_ALLOC with driver data
 * in and out (and the Tegra241 CMDQV encoding), the mmap interface of the
 * iommufd file for pages a driver hands out, and IOMMU_VDEVICE_ALLOC.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define SAME_VALUE(lib, kernel) _Static_assert((int)(lib) == (int)(kernel), #lib)
SAME_VALUE(IOMMUFD_VIOMMU_TYPE_ARM_SMMUV3, IOMMU_VIOMMU_TYPE_ARM_SMMUV3);
SAME_VALUE(IOMMUFD_VIOMMU_TYPE_TEGRA241_CMDQV, IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV);
SAME_VALUE(IOMMUFD_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3);

static void viommu_release(struct iommufd_obj *obj)
{
	struct iommufd_viommu *viommu = (struct iommufd_viommu *)obj;

	free(viommu->maps);
	iommufd_obj_free(&viommu->obj);
}

static int viommu_alloc(struct iommufd_device *dev, uint32_t type, struct iommufd_hwpt *parent,
			const struct iommufd_viommu_alloc_opts *opts, struct iommufd_viommu **out)
{
	struct iommu_viommu_alloc cmd = {
		.size = sizeof(cmd),
		.type = type,
		.data_len = opts->data_len,
		.data_uptr = (uintptr_t)opts->data,
	};
	struct iommufd_ctx *ctx = dev->obj.ctx;
	struct iommufd_viommu *viommu;
	int ret;

	cmd.dev_id = dev->obj.id;
	cmd.hwpt_id = iommufd_hwpt_get_id(parent);
	viommu = calloc(1, sizeof(*viommu));
	if (!viommu)
		return -ENOMEM;
	ret = (int)iommufd_ioctl(ctx, IOMMU_VIOMMU_ALLOC, &cmd);
	if (ret) {
		free(viommu);
		return ret;
	}
	iommufd_obj_add(ctx, &viommu->obj, IOMMUFD_OBJ_VIOMMU, cmd.out_viommu_id,
			viommu_release);
	*out = viommu;
	return 0;
}

static int load_viommu_opts(struct iommufd_viommu_alloc_opts *opts,
			    const struct iommufd_viommu_alloc_opts *uopts)
{
	int ret = IOMMUFD_OPTS_LOAD(opts, uopts, data);

	if (ret)
		return ret;
	if (opts->flags)
		return -EOPNOTSUPP;
	if (!opts->data != !opts->data_len)
		return iommufd_arg_error(-EINVAL, "!opts->data != !opts->data_len");
	return 0;
}

#define VIOMMU_ARGS_CHECK "a NULL dev, parent or out, or parent of another context"

static bool viommu_args_ok(const struct iommufd_device *dev, const struct iommufd_hwpt *parent,
			   struct iommufd_viommu **out)
{
	return dev && parent && out && iommufd_hwpt_get_ctx(parent) == dev->obj.ctx;
}

LIBIOMMUFD_API int iommufd_viommu_alloc(struct iommufd_device *dev, uint32_t type,
					struct iommufd_hwpt *parent,
					const struct iommufd_viommu_alloc_opts *uopts,
					struct iommufd_viommu **out)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	IOMMUFD_CHECK(parent, IOMMUFD_OBJ_HWPT);
	struct iommufd_viommu_alloc_opts opts;
	int ret;

	ret = load_viommu_opts(&opts, uopts);
	if (ret)
		return iommufd_ret(ret);
	if (!viommu_args_ok(dev, parent, out))
		return iommufd_ret(iommufd_arg_error(-EINVAL, VIOMMU_ARGS_CHECK));
	return iommufd_ret(viommu_alloc(dev, type, parent, &opts, out));
}

LIBIOMMUFD_API int
iommufd_viommu_alloc_tegra241_cmdqv(struct iommufd_device *dev, struct iommufd_hwpt *parent,
				    const struct iommufd_viommu_alloc_opts *uopts,
				    struct iommufd_viommu_tegra241_cmdqv *info,
				    struct iommufd_viommu **out)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	IOMMUFD_CHECK(parent, IOMMUFD_OBJ_HWPT);
	struct iommu_viommu_tegra241_cmdqv data = { 0 };
	struct iommufd_viommu_alloc_opts opts;
	int ret;

	ret = load_viommu_opts(&opts, uopts);
	if (ret)
		return iommufd_ret(ret);
	if (!viommu_args_ok(dev, parent, out))
		return iommufd_ret(iommufd_arg_error(-EINVAL, VIOMMU_ARGS_CHECK));
	if (!info)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!info"));
	if (opts.data)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "opts.data"));
	opts.data = &data;
	opts.data_len = sizeof(data);
	ret = viommu_alloc(dev, IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV, parent, &opts, out);
	if (ret)
		return iommufd_ret(ret);
	info->mmap_offset = data.out_vintf_mmap_offset;
	info->mmap_length = data.out_vintf_mmap_length;
	return 0;
}

LIBIOMMUFD_API int iommufd_viommu_destroy(struct iommufd_viommu *viommu)
{
	IOMMUFD_CHECK(viommu, IOMMUFD_OBJ_VIOMMU);
	int ret;

	if (!viommu)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!viommu"));
	ret = iommufd_destroy_id(viommu->obj.ctx, viommu->obj.id);
	if (ret)
		return iommufd_ret(ret);
	iommufd_obj_del(&viommu->obj);
	viommu_release(&viommu->obj);
	return 0;
}

LIBIOMMUFD_API uint32_t iommufd_viommu_get_id(const struct iommufd_viommu *viommu)
{
	IOMMUFD_CHECK(viommu, IOMMUFD_OBJ_VIOMMU);
	return viommu ? viommu->obj.id : 0;
}

LIBIOMMUFD_API struct iommufd_pt *iommufd_viommu_as_pt(struct iommufd_viommu *viommu)
{
	IOMMUFD_CHECK(viommu, IOMMUFD_OBJ_VIOMMU);
	return viommu ? iommufd_obj_pt(&viommu->obj) : NULL;
}

LIBIOMMUFD_API struct iommufd_ctx *iommufd_viommu_get_ctx(const struct iommufd_viommu *viommu)
{
	IOMMUFD_CHECK(viommu, IOMMUFD_OBJ_VIOMMU);
	return viommu ? viommu->obj.ctx : NULL;
}

LIBIOMMUFD_API int iommufd_viommu_invalidate(struct iommufd_viommu *viommu, uint32_t data_type,
					     const void *entries, uint32_t entry_len,
					     uint32_t *entry_num)
{
	IOMMUFD_CHECK(viommu, IOMMUFD_OBJ_VIOMMU);
	return iommufd_ret(iommufd_invalidate(viommu ? &viommu->obj : NULL, data_type, entries,
					      entry_len, entry_num));
}

static uint64_t page_mask(void)
{
	long sz = sysconf(_SC_PAGESIZE);

	return (uint64_t)(sz > 0 ? sz : 4096) - 1;
}

LIBIOMMUFD_API int iommufd_viommu_mmap(struct iommufd_viommu *viommu, uint64_t offset,
				       uint64_t length, int prot, void **addr)
{
	IOMMUFD_CHECK(viommu, IOMMUFD_OBJ_VIOMMU);
	struct iommufd_viommu_map *maps;
	void *p;

	if (!viommu)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!viommu"));
	if (!addr)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!addr"));
	if (!length)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!length"));
	if (((offset | length) & page_mask()))
		return iommufd_ret(iommufd_arg_error(-EINVAL, "((offset | length) & page_mask())"));
	/* Shared and never executable: the kernel refuses anything else. */
	if (prot & ~(PROT_READ | PROT_WRITE))
		return iommufd_ret(iommufd_arg_error(-EINVAL, "prot & ~(PROT_READ | PROT_WRITE)"));
	if (offset > (uint64_t)INT64_MAX || length > SIZE_MAX)
		return iommufd_ret(-EOVERFLOW);
	p = mmap(NULL, (size_t)length, prot, MAP_SHARED, viommu->obj.ctx->fd, (off_t)offset);
	if (p == MAP_FAILED)
		return iommufd_ret(-errno);
	/* remembered, so that munmap undoes this mapping and nothing else */
	pthread_mutex_lock(&viommu->obj.ctx->lock);
	maps = realloc(viommu->maps, (viommu->nr_maps + 1) * sizeof(*maps));
	if (maps) {
		viommu->maps = maps;
		maps[viommu->nr_maps++] = (struct iommufd_viommu_map){ p, length };
	}
	pthread_mutex_unlock(&viommu->obj.ctx->lock);
	if (!maps) {
		munmap(p, (size_t)length);
		return iommufd_ret(-ENOMEM);
	}
	*addr = p;
	return 0;
}

LIBIOMMUFD_API int iommufd_viommu_munmap(struct iommufd_viommu *viommu, void *addr,
					 uint64_t length)
{
	IOMMUFD_CHECK(viommu, IOMMUFD_OBJ_VIOMMU);
	size_t i;
	int ret = -EINVAL;

	if (!viommu)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!viommu"));
	if (!addr)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!addr"));
	if (!length)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!length"));
	if (length > SIZE_MAX)
		return iommufd_ret(-EOVERFLOW);
	/* only a whole mapping this vIOMMU made: never someone else's memory */
	pthread_mutex_lock(&viommu->obj.ctx->lock);
	for (i = 0; i < viommu->nr_maps; i++) {
		if (viommu->maps[i].addr != addr || viommu->maps[i].length != length)
			continue;
		ret = munmap(addr, (size_t)length) ? -errno : 0;
		if (!ret)
			viommu->maps[i] = viommu->maps[--viommu->nr_maps];
		break;
	}
	pthread_mutex_unlock(&viommu->obj.ctx->lock);
	return ret ? iommufd_ret(ret) : 0;
}

static void vdevice_release(struct iommufd_obj *obj)
{
	iommufd_obj_free(obj);
}

LIBIOMMUFD_API int iommufd_vdevice_alloc(struct iommufd_viommu *viommu,
					 struct iommufd_device *dev, uint64_t virt_id,
					 struct iommufd_vdevice **out)
{
	IOMMUFD_CHECK(viommu, IOMMUFD_OBJ_VIOMMU);
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	struct iommu_vdevice_alloc cmd = {
		.size = sizeof(cmd),
		.virt_id = virt_id,
	};
	struct iommufd_vdevice *vdev;
	int ret;

	if (!viommu)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!viommu"));
	if (!dev)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!dev"));
	if (!out)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!out"));
	if (viommu->obj.ctx != dev->obj.ctx)
		return iommufd_ret(iommufd_arg_error(-EINVAL,
						     "viommu and dev are of different contexts"));
	cmd.viommu_id = viommu->obj.id;
	cmd.dev_id = dev->obj.id;
	vdev = calloc(1, sizeof(*vdev));
	if (!vdev)
		return iommufd_ret(-ENOMEM);
	ret = (int)iommufd_ioctl(viommu->obj.ctx, IOMMU_VDEVICE_ALLOC, &cmd);
	if (ret) {
		free(vdev);
		return iommufd_ret(ret);
	}
	vdev->virt_id = virt_id;
	iommufd_obj_add(viommu->obj.ctx, &vdev->obj, IOMMUFD_OBJ_VDEVICE, cmd.out_vdevice_id,
			vdevice_release);
	*out = vdev;
	return 0;
}

LIBIOMMUFD_API int iommufd_vdevice_destroy(struct iommufd_vdevice *vdev)
{
	IOMMUFD_CHECK(vdev, IOMMUFD_OBJ_VDEVICE);
	int ret;

	if (!vdev)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!vdev"));
	ret = iommufd_destroy_id(vdev->obj.ctx, vdev->obj.id);
	if (ret)
		return iommufd_ret(ret);
	iommufd_obj_del(&vdev->obj);
	vdevice_release(&vdev->obj);
	return 0;
}

LIBIOMMUFD_API uint32_t iommufd_vdevice_get_id(const struct iommufd_vdevice *vdev)
{
	IOMMUFD_CHECK(vdev, IOMMUFD_OBJ_VDEVICE);
	return vdev ? vdev->obj.id : 0;
}

LIBIOMMUFD_API uint64_t iommufd_vdevice_get_virt_id(const struct iommufd_vdevice *vdev)
{
	IOMMUFD_CHECK(vdev, IOMMUFD_OBJ_VDEVICE);
	return vdev ? vdev->virt_id : 0;
}

LIBIOMMUFD_API struct iommufd_ctx *iommufd_vdevice_get_ctx(const struct iommufd_vdevice *vdev)
{
	IOMMUFD_CHECK(vdev, IOMMUFD_OBJ_VDEVICE);
	return vdev ? vdev->obj.ctx : NULL;
}
