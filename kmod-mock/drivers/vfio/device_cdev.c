// SPDX-License-Identifier: MIT
/*
 * device_cdev.c - the VFIO device cdev /dev/vfio/devices/vfioN (the kernel's
 * drivers/vfio/device_cdev.c, the cdev paths of vfio_main.c and iommufd.c):
 * open, VFIO_DEVICE_BIND_IOMMUFD, ATTACH/DETACH_IOMMUFD_PT (with the PASID
 * forms), the device ioctls and region access, all refused with EINVAL until
 * the file is bound, and unbind on the last close.
 *
 * A bound device is an ordinary DEVICE object of the iommufd context, made
 * by the same iommufd_device_bind() and attached by the same code in
 * device.c as the selftest's mock devices.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfio.h"

static const char vfio_devices_dir[] = "/dev/vfio/devices/vfio";

int vfio_device_fops_cdev_open(struct mock_kernel *k, const char *path, int oflags,
			       struct mock_file **out)
{
	const char *num = path + sizeof(vfio_devices_dir) - 1;
	struct vfio_device_file *df;
	unsigned long index = 0;
	struct mock_file *f;

	if (strncmp(path, vfio_devices_dir, sizeof(vfio_devices_dir) - 1) || !*num)
		return -ENOENT;
	/* decimal, no sign, no leading zero: the names the kernel creates */
	if (num[0] == '0' && num[1])
		return -ENOENT;
	for (; *num; num++) {
		if (*num < '0' || *num > '9' || index > MOCK_PCI_CFG_SIZE)
			return -ENOENT;
		index = index * 10 + (unsigned long)(*num - '0');
	}
	if (index >= k->nr_pci_devs)
		return -ENOENT;
	df = mock_zalloc(1, sizeof(*df));
	if (!df)
		return -ENOMEM;
	f = mock_file_alloc(k, MOCK_FILE_VFIO_DEVICE, df, oflags);
	if (!f) {
		free(df);
		return -ENOMEM;
	}
	df->device = k->pci_devs[index];
	df->file = f;
	*out = f;
	return 0;
}

/* vfio_df_close() + the iommufd unbind: detach everything, destroy the DEVICE. */
static void vfio_df_unbind(struct vfio_device_file *df)
{
	struct iommufd_ctx *ictx = df->iommufd;

	if (!df->access_granted)
		return;
	df->access_granted = false;
	df->pm_engaged = false;
	iommufd_device_unbind(df->idev);
	df->idev = NULL;
	df->device->open_df = NULL;
	vfio_pci_irqs_release(df->device);
	/* vfio-pci disables the device on the last close */
	mock_pci_dev_reset(df->device);
	df->iommufd = NULL;
	iommufd_ctx_put(ictx);
}

void vfio_device_fops_release(struct mock_file *f)
{
	struct vfio_device_file *df = f->private_data;

	if (df->group)
		vfio_df_group_close(df);
	else
		vfio_df_unbind(df);
	free(df);
}

static long vfio_df_ioctl_bind_iommufd(struct vfio_device_file *df, unsigned long arg,
				       struct mock_call *call)
{
	const size_t minsz = offsetofend(struct vfio_device_bind_iommufd, out_devid);
	const struct mock_task *task = call->task;
	struct mock_pci_dev *device = df->device;
	struct mock_kernel *k = device->k;
	struct vfio_device_bind_iommufd bind;
	struct iommufd_device *idev;
	struct mock_file *ifile;
	uint32_t user_size;
	int rc;

	rc = get_user_u32(task, &user_size, arg);
	if (rc)
		return rc;
	if (user_size < minsz)
		return -EINVAL;
	/* the VF token came in 6.17: the struct ended at out_devid before */
	memset(&bind, 0, sizeof(bind));
	rc = copy_struct_from_user(task, &bind, k->kv < MOCK_KV(6, 17) ? minsz : sizeof(bind), arg,
				   user_size);
	if (rc)
		return rc;
	if (bind.iommufd < 0 || (bind.flags & ~(uint32_t)VFIO_DEVICE_BIND_FLAG_TOKEN) ||
	    ((bind.flags & VFIO_DEVICE_BIND_FLAG_TOKEN) && k->kv < MOCK_KV(6, 17)))
		return -EINVAL;
	/* only cdev files bind, and not while the device's group file is open */
	if (df->group)
		return -EINVAL;
	if (vfio_device_group_opened(device))
		return -EBUSY;
	/* one file binds once */
	if (df->access_granted)
		return -EINVAL;
	/* vfio-pci's match_token_uuid(): only SR-IOV PFs and VFs take a VF token */
	if (bind.flags & VFIO_DEVICE_BIND_FLAG_TOKEN) {
		unsigned char uuid[16];

		if (copy_from_user(task, uuid, bind.token_uuid_ptr, sizeof(uuid)))
			return -EFAULT;
		return -EINVAL;
	}
	/* iommufd_ctx_from_fd(): no file is EBADF, a file that is not an iommufd EBADFD */
	ifile = k->fget ? k->fget(k->fget_priv, task, bind.iommufd) : NULL;
	if (!ifile)
		return mock_user_fd_fgettable(task, bind.iommufd) ? -EBADFD : -EBADF;
	if (ifile->type != MOCK_FILE_IOMMUFD)
		return -EBADFD;
	/* the cdev path cannot open a device twice */
	if (device->open_df)
		return -EINVAL;

	idev = iommufd_device_bind(ifile->private_data, &device->mdev);
	if (!idev)
		return -ENOMEM;
	if (copy_to_user(task, arg + offsetof(struct vfio_device_bind_iommufd, out_devid),
			 &idev->obj.id, sizeof(idev->obj.id))) {
		iommufd_device_unbind(idev);
		return -EFAULT;
	}
	df->iommufd = ifile->private_data;
	iommufd_ctx_get(df->iommufd);
	df->idev = idev;
	df->access_granted = true;
	device->open_df = df;
	return 0;
}

static long vfio_df_ioctl_attach_pt(struct vfio_device_file *df, unsigned long arg,
				    const struct mock_task *task)
{
	const size_t minsz = offsetofend(struct vfio_device_attach_iommufd_pt, pt_id);
	const size_t xend = offsetofend(struct vfio_device_attach_iommufd_pt, pasid);
	struct vfio_device_attach_iommufd_pt attach = { 0 };
	struct iommufd_device *idev = df->idev;
	uint32_t pasid = IOMMU_NO_PASID;
	int rc;

	if (copy_from_user(task, &attach, arg, minsz))
		return -EFAULT;
	if (attach.argsz < minsz)
		return -EINVAL;
	/* PASID attach came in 6.15 */
	if (attach.flags & ~(uint32_t)VFIO_DEVICE_ATTACH_PASID ||
	    ((attach.flags & VFIO_DEVICE_ATTACH_PASID) && df->device->k->kv < MOCK_KV(6, 15)))
		return -EINVAL;
	if (attach.flags & VFIO_DEVICE_ATTACH_PASID) {
		if (attach.argsz < xend)
			return -EINVAL;
		if (copy_from_user(task, &attach.pasid, arg + minsz, xend - minsz))
			return -EFAULT;
		/* IOMMU_NO_PASID is the RID, never a PASID */
		if (attach.pasid == IOMMU_NO_PASID)
			return -EINVAL;
		pasid = attach.pasid;
	}
	if (iommufd_device_pasid_hwpt(idev, pasid))
		rc = iommufd_device_replace(idev, pasid, &attach.pt_id);
	else
		rc = iommufd_device_attach(idev, pasid, &attach.pt_id);
	if (rc)
		return rc;
	if (copy_to_user(task, arg + offsetof(struct vfio_device_attach_iommufd_pt, pt_id),
			 &attach.pt_id, sizeof(attach.pt_id))) {
		iommufd_device_detach(idev, pasid);
		return -EFAULT;
	}
	return 0;
}

static long vfio_df_ioctl_detach_pt(struct vfio_device_file *df, unsigned long arg,
				    const struct mock_task *task)
{
	const size_t minsz = offsetofend(struct vfio_device_detach_iommufd_pt, flags);
	const size_t xend = offsetofend(struct vfio_device_detach_iommufd_pt, pasid);
	struct vfio_device_detach_iommufd_pt detach = { 0 };
	uint32_t pasid = IOMMU_NO_PASID;

	if (copy_from_user(task, &detach, arg, minsz))
		return -EFAULT;
	if (detach.argsz < minsz)
		return -EINVAL;
	if (detach.flags & ~(uint32_t)VFIO_DEVICE_DETACH_PASID ||
	    ((detach.flags & VFIO_DEVICE_DETACH_PASID) && df->device->k->kv < MOCK_KV(6, 15)))
		return -EINVAL;
	if (detach.flags & VFIO_DEVICE_DETACH_PASID) {
		if (detach.argsz < xend)
			return -EINVAL;
		if (copy_from_user(task, &detach.pasid, arg + minsz, xend - minsz))
			return -EFAULT;
		if (detach.pasid == IOMMU_NO_PASID)
			return 0;
		pasid = detach.pasid;
	}
	iommufd_device_detach(df->idev, pasid);
	return 0;
}

/*
 * VFIO_DEVICE_FEATURE (vfio_main.c): the header, then the features of the
 * core: vfio-pci without a migration driver has no mig_ops and no log_ops, so
 * those answer ENOTTY before their flags are looked at, and PRECOPY_INFOv2
 * (7.3) EINVAL, as migration_flags lack PRE_COPY; the rest is vfio-pci's.
 */
static long vfio_ioctl_device_feature(struct vfio_device_file *df, unsigned long arg,
				      const struct mock_call *call)
{
	const size_t minsz = offsetofend(struct vfio_device_feature, flags);
	struct vfio_device_feature feature;

	if (copy_from_user(call->task, &feature, arg, minsz))
		return -EFAULT;
	if (feature.argsz < minsz)
		return -EINVAL;
	if (feature.flags & ~(uint32_t)(VFIO_DEVICE_FEATURE_MASK | VFIO_DEVICE_FEATURE_SET |
					VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_PROBE))
		return -EINVAL;
	if (!(feature.flags & VFIO_DEVICE_FEATURE_PROBE) &&
	    (feature.flags & VFIO_DEVICE_FEATURE_SET) && (feature.flags & VFIO_DEVICE_FEATURE_GET))
		return -EINVAL;
	switch (feature.flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_MIGRATION:
	case VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE:
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_START:
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP:
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT:
	case VFIO_DEVICE_FEATURE_MIG_DATA_SIZE:
		return -ENOTTY;
	case VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2:
		/* came after 6.15 (recalled: in 7.3, not in 6.15) */
		if (df->device->k->kv >= MOCK_KV(6, 18))
			return -EINVAL;
		break;
	}
	return vfio_pci_core_ioctl_feature(df, feature.flags, arg + minsz, feature.argsz - minsz,
					   call);
}

long vfio_device_fops_unl_ioctl(struct mock_file *f, unsigned int cmd, unsigned long arg,
				struct mock_call *call)
{
	struct vfio_device_file *df = f->private_data;

	if (cmd == VFIO_DEVICE_BIND_IOMMUFD)
		return vfio_df_ioctl_bind_iommufd(df, arg, call);
	if (!df->access_granted)
		return -EINVAL;

	/* cdev only: a device fd of a group goes on to vfio-pci (ENOTTY) */
	if (!df->group && cmd == VFIO_DEVICE_ATTACH_IOMMUFD_PT)
		return vfio_df_ioctl_attach_pt(df, arg, call->task);
	if (!df->group && cmd == VFIO_DEVICE_DETACH_IOMMUFD_PT)
		return vfio_df_ioctl_detach_pt(df, arg, call->task);
	switch (cmd) {
	case VFIO_DEVICE_FEATURE:
		return vfio_ioctl_device_feature(df, arg, call);
	default:
		return vfio_pci_core_ioctl(df, cmd, arg, call);
	}
}

/* Largest single region access the mock serves; larger ones come back short. */
#define VFIO_RW_MAX (1U << 20)

ssize_t vfio_device_fops_rw(struct mock_file *f, uint64_t ubuf, size_t len, uint64_t off,
			    bool write, struct mock_call *call)
{
	struct vfio_device_file *df = f->private_data;
	ssize_t n;
	void *buf;

	if (!df->access_granted)
		return -EINVAL;
	if (!len)
		return 0;
	if (len > VFIO_RW_MAX)
		len = VFIO_RW_MAX;
	buf = calloc(1, len);
	if (!buf)
		return -ENOMEM;
	if (write && copy_from_user(call->task, buf, ubuf, len)) {
		n = -EFAULT;
		goto out;
	}
	vfio_pci_irqs_poll(df->device);
	n = vfio_pci_rw(df->device, buf, len, off, write);
	if (n > 0 && !write && copy_to_user(call->task, ubuf, buf, (size_t)n))
		n = -EFAULT;
out:
	free(buf);
	return n;
}
