// SPDX-License-Identifier: MIT
/*
 * device.c - device handles: VFIO_DEVICE_BIND_IOMMUFD of a cdev (or adoption
 * of a device id), VFIO_DEVICE_{ATTACH,DETACH}_IOMMUFD_PT whole or per PASID,
 * IOMMU_GET_HW_INFO with the decoders of its driver data, and the small VFIO
 * device calls (GET_INFO, GET_REGION_INFO, RESET).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

/* The library's values are the kernel's. */
#define SAME_VALUE(lib, kernel) _Static_assert((int)(lib) == (int)(kernel), #lib)
SAME_VALUE(IOMMUFD_HW_INFO_TYPE_NONE, IOMMU_HW_INFO_TYPE_NONE);
SAME_VALUE(IOMMUFD_HW_INFO_TYPE_DEFAULT, IOMMU_HW_INFO_TYPE_DEFAULT);
SAME_VALUE(IOMMUFD_HW_INFO_TYPE_INTEL_VTD, IOMMU_HW_INFO_TYPE_INTEL_VTD);
SAME_VALUE(IOMMUFD_HW_INFO_TYPE_ARM_SMMUV3, IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
SAME_VALUE(IOMMUFD_HW_INFO_TYPE_TEGRA241_CMDQV, IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV);
SAME_VALUE(IOMMUFD_HW_INFO_TYPE_AMD, IOMMU_HW_INFO_TYPE_AMD);
SAME_VALUE(IOMMUFD_HW_CAP_DIRTY_TRACKING, IOMMU_HW_CAP_DIRTY_TRACKING);
SAME_VALUE(IOMMUFD_HW_CAP_PCI_PASID_EXEC, IOMMU_HW_CAP_PCI_PASID_EXEC);
SAME_VALUE(IOMMUFD_HW_CAP_PCI_PASID_PRIV, IOMMU_HW_CAP_PCI_PASID_PRIV);
SAME_VALUE(IOMMUFD_HW_CAP_PCI_ATS_NOT_SUPPORTED, IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
SAME_VALUE(IOMMUFD_HW_INFO_INPUT_TYPE, IOMMU_HW_INFO_FLAG_INPUT_TYPE);
SAME_VALUE(IOMMUFD_DEVICE_INFO_RESET, VFIO_DEVICE_FLAGS_RESET);
SAME_VALUE(IOMMUFD_DEVICE_INFO_PCI, VFIO_DEVICE_FLAGS_PCI);
SAME_VALUE(IOMMUFD_DEVICE_INFO_PLATFORM, VFIO_DEVICE_FLAGS_PLATFORM);
SAME_VALUE(IOMMUFD_DEVICE_INFO_AMBA, VFIO_DEVICE_FLAGS_AMBA);
SAME_VALUE(IOMMUFD_DEVICE_INFO_CCW, VFIO_DEVICE_FLAGS_CCW);
SAME_VALUE(IOMMUFD_DEVICE_INFO_AP, VFIO_DEVICE_FLAGS_AP);
SAME_VALUE(IOMMUFD_DEVICE_INFO_FSL_MC, VFIO_DEVICE_FLAGS_FSL_MC);
SAME_VALUE(IOMMUFD_DEVICE_INFO_CAPS, VFIO_DEVICE_FLAGS_CAPS);
SAME_VALUE(IOMMUFD_DEVICE_INFO_CDX, VFIO_DEVICE_FLAGS_CDX);
SAME_VALUE(IOMMUFD_REGION_INFO_READ, VFIO_REGION_INFO_FLAG_READ);
SAME_VALUE(IOMMUFD_REGION_INFO_WRITE, VFIO_REGION_INFO_FLAG_WRITE);
SAME_VALUE(IOMMUFD_REGION_INFO_MMAP, VFIO_REGION_INFO_FLAG_MMAP);
SAME_VALUE(IOMMUFD_REGION_INFO_CAPS, VFIO_REGION_INFO_FLAG_CAPS);

static void device_release(struct iommufd_obj *obj)
{
	struct iommufd_device *dev = (struct iommufd_device *)obj;

	if (dev->owns_fd)
		close(dev->fd);
	free(dev->maps);
	iommufd_obj_free(&dev->obj);
}

static int device_new(struct iommufd_ctx *ctx, uint32_t id, int fd, bool owns_fd,
		      struct iommufd_device **out)
{
	struct iommufd_device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return -ENOMEM;
	dev->fd = fd;
	dev->owns_fd = owns_fd;
	iommufd_obj_add(ctx, &dev->obj, IOMMUFD_OBJ_DEVICE, id, device_release);
	*out = dev;
	return 0;
}

/*
 * Binds @fd; on success the handle owns it when @adopt. Without a token the
 * argument ends at out_devid, the size every cdev kernel (6.6 on) accepts.
 */
static int device_bind(struct iommufd_ctx *ctx, int fd, const struct iommufd_device_bind_opts *opts,
		       bool adopt, struct iommufd_device **out)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = offsetofend(struct vfio_device_bind_iommufd, out_devid),
		.iommufd = ctx->fd,
	};
	int ret;

	if (opts->flags & IOMMUFD_DEVICE_BIND_TOKEN) {
		bind.argsz = sizeof(bind);
		bind.flags = VFIO_DEVICE_BIND_FLAG_TOKEN;
		bind.token_uuid_ptr = (uintptr_t)opts->token;
	}
	ret = (int)iommufd_fd_ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
	if (ret)
		return ret;
	if (!bind.out_devid)
		return -EIO;
	/*
	 * Out of memory after a bind cannot be undone short of closing the fd,
	 * which is the caller's unless adopted: a borrowed fd stays bound.
	 */
	return device_new(ctx, bind.out_devid, fd, adopt, out);
}

static int load_bind_opts(struct iommufd_device_bind_opts *opts,
			  const struct iommufd_device_bind_opts *uopts)
{
	const uint32_t known = IOMMUFD_DEVICE_BIND_ADOPT_FD | IOMMUFD_DEVICE_BIND_TOKEN;
	int ret = IOMMUFD_OPTS_LOAD(opts, uopts, token);

	if (ret)
		return ret;
	if (opts->flags & ~known)
		return -EOPNOTSUPP;
	return 0;
}

LIBIOMMUFD_API int iommufd_device_bind(struct iommufd_ctx *ctx, int fd,
				       const struct iommufd_device_bind_opts *uopts,
				       struct iommufd_device **out)
{
	IOMMUFD_CHECK(ctx, IOMMUFD_OBJ_CTX);
	struct iommufd_device_bind_opts opts;
	int ret;

	ret = load_bind_opts(&opts, uopts);
	if (ret)
		return iommufd_ret(ret);
	if (!ctx)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ctx"));
	if (!out)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!out"));
	if (fd < 0)
		return iommufd_ret(-EBADF);
	return iommufd_ret(device_bind(ctx, fd, &opts, opts.flags & IOMMUFD_DEVICE_BIND_ADOPT_FD,
				       out));
}

LIBIOMMUFD_API int iommufd_device_bind_path(struct iommufd_ctx *ctx, const char *path,
					    const struct iommufd_device_bind_opts *uopts,
					    struct iommufd_device **out)
{
	IOMMUFD_CHECK(ctx, IOMMUFD_OBJ_CTX);
	struct iommufd_device_bind_opts opts;
	int fd, ret;

	ret = load_bind_opts(&opts, uopts);
	if (ret)
		return iommufd_ret(ret);
	if (!ctx)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ctx"));
	if (!path)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!path"));
	if (!out)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!out"));
	if (opts.flags & IOMMUFD_DEVICE_BIND_ADOPT_FD)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "opts.flags & ADOPT_FD (no fd)"));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return iommufd_ret(-errno);
	ret = device_bind(ctx, fd, &opts, true, out);
	if (ret)
		close(fd);
	return iommufd_ret(ret);
}

/* IOMMU_GET_HW_INFO of a device id (data_len 0 when @data is NULL). */
static int hw_info(const struct iommufd_ctx *ctx, uint32_t dev_id, struct iommu_hw_info *cmd)
{
	cmd->size = sizeof(*cmd);
	cmd->dev_id = dev_id;
	return (int)iommufd_ioctl(ctx, IOMMU_GET_HW_INFO, cmd);
}

LIBIOMMUFD_API int iommufd_device_adopt(struct iommufd_ctx *ctx, uint32_t id,
					struct iommufd_device **out)
{
	IOMMUFD_CHECK(ctx, IOMMUFD_OBJ_CTX);
	struct iommu_hw_info cmd = { 0 };
	int ret;

	if (!ctx)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ctx"));
	if (!id)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!id"));
	if (!out)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!out"));
	/*
	 * Only a device answers a hw info query. Kernels without the ioctl
	 * (before 6.6) cannot be asked, and a device without an IOMMU driver
	 * answers EOPNOTSUPP: both are accepted.
	 */
	ret = hw_info(ctx, id, &cmd);
	if (ret && ret != -ENOTTY && ret != -EOPNOTSUPP)
		return iommufd_ret(ret);
	iommufd_error_forget();
	return iommufd_ret(device_new(ctx, id, -1, false, out));
}

LIBIOMMUFD_API void iommufd_device_unbind(struct iommufd_device *dev)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	int saved_errno = errno;

	if (!dev)
		return;
	iommufd_obj_del(&dev->obj);
	device_release(&dev->obj);
	errno = saved_errno;
}

LIBIOMMUFD_API uint32_t iommufd_device_get_id(const struct iommufd_device *dev)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	return dev ? dev->obj.id : 0;
}

LIBIOMMUFD_API struct iommufd_ctx *iommufd_device_get_ctx(const struct iommufd_device *dev)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	return dev ? dev->obj.ctx : NULL;
}

/* 0 if @dev has a VFIO fd to issue device ioctls on. */
static int check_vfio(const struct iommufd_device *dev)
{
	if (!dev)
		return iommufd_arg_error(-EINVAL, "!dev");
	return dev->fd < 0 ? -EOPNOTSUPP : 0;
}

LIBIOMMUFD_API int iommufd_device_get_fd(const struct iommufd_device *dev)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	int ret = check_vfio(dev);

	if (ret)
		return iommufd_ret(ret);
	return dev->fd;
}

/*
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT. The argument ends at pt_id unless a PASID
 * is given, so kernels before PASID support (6.15) accept it.
 */
static int device_attach(struct iommufd_device *dev, bool with_pasid, uint32_t pasid,
			 const struct iommufd_pt *pt, uint32_t *attached_id)
{
	struct vfio_device_attach_iommufd_pt cmd = {
		.argsz = offsetofend(struct vfio_device_attach_iommufd_pt, pt_id),
	};
	int ret;

	if (!dev)
		return iommufd_arg_error(-EINVAL, "!dev");
	/* The page table is checked first: a wrong one is refused before any VFIO call. */
	ret = iommufd_pt_id(pt, IOMMUFD_OBJ_IOAS | IOMMUFD_OBJ_HWPT, dev->obj.ctx, &cmd.pt_id);
	if (ret)
		return ret;
	ret = check_vfio(dev);
	if (ret)
		return ret;
	if (with_pasid) {
		cmd.argsz = sizeof(cmd);
		cmd.flags = VFIO_DEVICE_ATTACH_PASID;
		cmd.pasid = pasid;
	}
	ret = (int)iommufd_fd_ioctl(dev->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &cmd);
	if (ret)
		return ret;
	/* The kernel writes back the HWPT it attached (for an IOAS, its own). */
	if (attached_id)
		*attached_id = cmd.pt_id;
	return 0;
}

LIBIOMMUFD_API int iommufd_device_attach(struct iommufd_device *dev, struct iommufd_pt *pt,
					 uint32_t *attached_id)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	IOMMUFD_CHECK(pt, IOMMUFD_OBJ_ANY);
	return iommufd_ret(device_attach(dev, false, 0, pt, attached_id));
}

LIBIOMMUFD_API int iommufd_device_replace(struct iommufd_device *dev, struct iommufd_pt *pt,
					  uint32_t *attached_id)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	IOMMUFD_CHECK(pt, IOMMUFD_OBJ_ANY);
	return iommufd_ret(device_attach(dev, false, 0, pt, attached_id));
}

LIBIOMMUFD_API int iommufd_device_attach_pasid(struct iommufd_device *dev, uint32_t pasid,
					       struct iommufd_pt *pt, uint32_t *attached_id)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	IOMMUFD_CHECK(pt, IOMMUFD_OBJ_ANY);
	return iommufd_ret(device_attach(dev, true, pasid, pt, attached_id));
}

LIBIOMMUFD_API int iommufd_device_replace_pasid(struct iommufd_device *dev, uint32_t pasid,
						struct iommufd_pt *pt, uint32_t *attached_id)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	IOMMUFD_CHECK(pt, IOMMUFD_OBJ_ANY);
	return iommufd_ret(device_attach(dev, true, pasid, pt, attached_id));
}

static int device_detach(struct iommufd_device *dev, bool with_pasid, uint32_t pasid)
{
	struct vfio_device_detach_iommufd_pt cmd = {
		.argsz = offsetofend(struct vfio_device_detach_iommufd_pt, flags),
	};
	int ret;

	ret = check_vfio(dev);
	if (ret)
		return ret;
	if (with_pasid) {
		cmd.argsz = sizeof(cmd);
		cmd.flags = VFIO_DEVICE_DETACH_PASID;
		cmd.pasid = pasid;
	}
	return (int)iommufd_fd_ioctl(dev->fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &cmd);
}

LIBIOMMUFD_API int iommufd_device_detach(struct iommufd_device *dev)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	return iommufd_ret(device_detach(dev, false, 0));
}

LIBIOMMUFD_API int iommufd_device_detach_pasid(struct iommufd_device *dev, uint32_t pasid)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	return iommufd_ret(device_detach(dev, true, pasid));
}

LIBIOMMUFD_API int iommufd_device_get_hw_info(struct iommufd_device *dev,
					      const struct iommufd_hw_info_opts *uopts,
					      struct iommufd_hw_info *info, void *data,
					      uint32_t data_len)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	struct iommufd_hw_info_opts opts;
	struct iommu_hw_info cmd = { 0 };
	int ret;

	ret = IOMMUFD_OPTS_LOAD(&opts, uopts, data_type);
	if (ret)
		return iommufd_ret(ret);
	if (!dev)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!dev"));
	if (!info)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!info"));
	if ((data_len && !data))
		return iommufd_ret(iommufd_arg_error(-EINVAL, "(data_len && !data)"));
	if (opts.flags & ~(uint32_t)IOMMUFD_HW_INFO_INPUT_TYPE)
		return iommufd_ret(-EOPNOTSUPP);
	if (opts.flags & IOMMUFD_HW_INFO_INPUT_TYPE) {
		cmd.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
		cmd.in_data_type = opts.data_type;
	}
	cmd.data_len = data_len;
	cmd.data_uptr = (uintptr_t)data;
	ret = hw_info(dev->obj.ctx, dev->obj.id, &cmd);
	if (ret)
		return iommufd_ret(ret);
	memset(info, 0, sizeof(*info));
	info->data_type = cmd.out_data_type;
	info->data_len = cmd.data_len;
	info->capabilities = cmd.out_capabilities;
	info->max_pasid_log2 = cmd.out_max_pasid_log2;
	return 0;
}

/*
 * Copies the part of the caller's buffer the kernel filled into the kernel
 * struct @kdata (zeroed past it), after checking the type.
 */
static int hw_info_load(const struct iommufd_hw_info *info, const void *data, uint32_t data_len,
			uint32_t type, void *kdata, size_t ksize, const void *out)
{
	size_t len;

	if (!info)
		return iommufd_arg_error(-EINVAL, "!info");
	if (!data)
		return iommufd_arg_error(-EINVAL, "!data");
	if (!out)
		return iommufd_arg_error(-EINVAL, "!out");
	if (info->data_type != type)
		return iommufd_arg_error(-EINVAL, "info->data_type != type");
	len = data_len < info->data_len ? data_len : info->data_len;
	if (len > ksize)
		len = ksize;
	memset(kdata, 0, ksize);
	memcpy(kdata, data, len);
	return 0;
}

LIBIOMMUFD_API int iommufd_hw_info_decode_vtd(const struct iommufd_hw_info *info, const void *data,
				       uint32_t data_len, struct iommufd_hw_info_vtd *out)
{
	struct iommu_hw_info_vtd k;
	int ret;

	ret = hw_info_load(info, data, data_len, IOMMU_HW_INFO_TYPE_INTEL_VTD, &k, sizeof(k), out);
	if (ret)
		return iommufd_ret(ret);
	memset(out, 0, sizeof(*out));
	out->flags = k.flags;
	out->cap_reg = k.cap_reg;
	out->ecap_reg = k.ecap_reg;
	return 0;
}

LIBIOMMUFD_API int iommufd_hw_info_decode_arm_smmuv3(const struct iommufd_hw_info *info,
					      const void *data, uint32_t data_len,
					      struct iommufd_hw_info_arm_smmuv3 *out)
{
	struct iommu_hw_info_arm_smmuv3 k;
	size_t i;
	int ret;

	ret = hw_info_load(info, data, data_len, IOMMU_HW_INFO_TYPE_ARM_SMMUV3, &k, sizeof(k),
			   out);
	if (ret)
		return iommufd_ret(ret);
	memset(out, 0, sizeof(*out));
	out->flags = k.flags;
	for (i = 0; i < ARRAY_SIZE(out->idr); i++)
		out->idr[i] = k.idr[i];
	out->iidr = k.iidr;
	out->aidr = k.aidr;
	return 0;
}

LIBIOMMUFD_API int iommufd_hw_info_decode_tegra241_cmdqv(const struct iommufd_hw_info *info,
						  const void *data, uint32_t data_len,
						  struct iommufd_hw_info_tegra241_cmdqv *out)
{
	struct iommu_hw_info_tegra241_cmdqv k;
	int ret;

	ret = hw_info_load(info, data, data_len, IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV, &k,
			   sizeof(k), out);
	if (ret)
		return iommufd_ret(ret);
	memset(out, 0, sizeof(*out));
	out->flags = k.flags;
	out->version = k.version;
	out->log2vcmdqs = k.log2vcmdqs;
	out->log2vsids = k.log2vsids;
	return 0;
}

LIBIOMMUFD_API int iommufd_hw_info_decode_amd(const struct iommufd_hw_info *info, const void *data,
				       uint32_t data_len, struct iommufd_hw_info_amd *out)
{
	struct iommu_hw_info_amd k;
	int ret;

	ret = hw_info_load(info, data, data_len, IOMMU_HW_INFO_TYPE_AMD, &k, sizeof(k), out);
	if (ret)
		return iommufd_ret(ret);
	memset(out, 0, sizeof(*out));
	out->efr = k.efr;
	out->efr2 = k.efr2;
	return 0;
}

LIBIOMMUFD_API int iommufd_device_get_info(struct iommufd_device *dev,
					   struct iommufd_device_info *info)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	struct vfio_device_info cmd = {
		.argsz = sizeof(cmd),
	};
	int ret;

	if (!info)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!info"));
	ret = check_vfio(dev);
	if (ret)
		return iommufd_ret(ret);
	ret = (int)iommufd_fd_ioctl(dev->fd, VFIO_DEVICE_GET_INFO, &cmd);
	if (ret)
		return iommufd_ret(ret);
	memset(info, 0, sizeof(*info));
	info->flags = cmd.flags;
	info->num_regions = cmd.num_regions;
	info->num_irqs = cmd.num_irqs;
	return 0;
}

LIBIOMMUFD_API int iommufd_device_get_region_info(struct iommufd_device *dev, uint32_t index,
						  struct iommufd_region_info *info)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	struct vfio_region_info cmd = {
		.argsz = sizeof(cmd),
		.index = index,
	};
	int ret;

	if (!info)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!info"));
	ret = check_vfio(dev);
	if (ret)
		return iommufd_ret(ret);
	ret = (int)iommufd_fd_ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, &cmd);
	if (ret)
		return iommufd_ret(ret);
	memset(info, 0, sizeof(*info));
	info->index = index;
	info->flags = cmd.flags;
	info->size = cmd.size;
	info->offset = cmd.offset;
	return 0;
}

LIBIOMMUFD_API int iommufd_device_reset(struct iommufd_device *dev)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	int ret = check_vfio(dev);

	if (ret)
		return iommufd_ret(ret);
	return iommufd_ret((int)iommufd_fd_ioctl(dev->fd, VFIO_DEVICE_RESET, NULL));
}
