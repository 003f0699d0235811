// SPDX-License-Identifier: MIT
/*
 * group.c - the VFIO group files /dev/vfio/N (the kernel's
 * drivers/vfio/group.c and the group paths of vfio_main.c and iommufd.c), as
 * a kernel built with VFIO_GROUP and IOMMUFD_VFIO_CONTAINER but without the
 * legacy VFIO_CONTAINER serves them: the only containers are iommufd
 * contexts, /dev/vfio/vfio (the same iommufd file, opened with VFIO's
 * accounting) or /dev/iommu itself, and the container ioctls are those of
 * iommufd/vfio_compat.c.
 *
 * Each PCI device sits alone in its IOMMU group; its group number and its
 * name are where the machine put it (drivers/pci/machine.c): the default edu
 * is "00ed:00:01.0" in the first group the host does not have, the sysfs the
 * shim presents names the same.
 *
 * A group file is opened once at a time (EBUSY), and not while a device of
 * the group is bound through its cdev (EBUSY both ways). SET_CONTAINER takes
 * an iommufd file and makes sure its compat IOAS exists; GET_DEVICE_FD opens
 * the device by name: the first open binds it to the container's context and
 * attaches it to the compat IOAS, later ones share that open, the last close
 * unbinds it. Unlike the legacy container, a device fd holds neither the
 * group file nor the container: UNSET_CONTAINER and the group's close leave
 * open devices working.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfio.h"

static const char vfio_dir[] = "/dev/vfio/";

/* What the kernel keeps per group (struct vfio_group) and per device open (open_count). */
struct vfio_group {
	struct mock_pci_dev *device; /* the group's only device */
	struct mock_file *opened_file;
	struct iommufd_ctx *iommufd; /* the container, or NULL */
	/* the device opened through the group: open_count, its bind, what edu.c sees */
	unsigned int open_count;
	struct vfio_device_file dev_open;
};

static unsigned int vfio_group_number(const struct mock_pci_dev *pdev)
{
	return pdev->iommu_group;
}

/* pci_name(): the address the machine gave it (drivers/pci/machine.c). */
void vfio_device_name(const struct mock_pci_dev *pdev, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%u", pdev->segment, pdev->bus, pdev->devfn >> 3,
		 pdev->devfn & 7u);
}

/* The group state lives while the file is open or the device is open through it. */
static void vfio_group_put_if_unused(struct vfio_group *group)
{
	if (group->opened_file || group->open_count)
		return;
	group->device->group = NULL;
	free(group);
}

/* Is the device bound through its cdev (the kernel's cdev_device_open_cnt)? */
static bool vfio_group_cdev_bound(const struct mock_pci_dev *pdev)
{
	return pdev->open_df && !pdev->open_df->group;
}

bool vfio_device_group_opened(const struct mock_pci_dev *pdev)
{
	return pdev->group && pdev->group->opened_file;
}

int vfio_group_fops_open(struct mock_kernel *k, const char *path, int oflags,
			 struct mock_file **out)
{
	const char *num = path + sizeof(vfio_dir) - 1;
	struct mock_pci_dev *pdev = NULL;
	struct vfio_group *group;
	unsigned long n = 0;
	struct mock_file *f;

	if (strncmp(path, vfio_dir, sizeof(vfio_dir) - 1) || !*num || (num[0] == '0' && num[1]))
		return -ENOENT;
	for (; *num; num++) {
		if (*num < '0' || *num > '9' || n > 1000000)
			return -ENOENT;
		n = n * 10 + (unsigned long)(*num - '0');
	}
	for (unsigned int i = 0; i != k->nr_pci_devs; i++)
		if (vfio_group_number(k->pci_devs[i]) == n)
			pdev = k->pci_devs[i];
	if (!pdev)
		return -ENOENT;
	if (vfio_group_cdev_bound(pdev))
		return -EBUSY;
	/* one open of the group at a time */
	if (pdev->group && pdev->group->opened_file)
		return -EBUSY;
	group = pdev->group;
	if (!group) {
		group = mock_zalloc(1, sizeof(*group));
		if (!group)
			return -ENOMEM;
		group->device = pdev;
		pdev->group = group;
	}
	f = mock_file_alloc(k, MOCK_FILE_VFIO_GROUP, group, oflags);
	if (!f) {
		vfio_group_put_if_unused(group);
		return -ENOMEM;
	}
	group->opened_file = f;
	*out = f;
	return 0;
}

static void vfio_group_unset_iommufd(struct vfio_group *group)
{
	if (group->iommufd) {
		iommufd_ctx_put(group->iommufd);
		group->iommufd = NULL;
	}
}

static void vfio_group_fops_release(struct mock_file *f)
{
	struct vfio_group *group = f->private_data;

	vfio_group_unset_iommufd(group);
	group->opened_file = NULL;
	vfio_group_put_if_unused(group);
}

static long vfio_group_ioctl_get_status(struct vfio_group *group, unsigned long arg,
					const struct mock_task *task)
{
	const size_t minsz = offsetofend(struct vfio_group_status, flags);
	struct vfio_group_status status;

	if (copy_from_user(task, &status, arg, minsz))
		return -EFAULT;
	if (status.argsz < minsz)
		return -EINVAL;
	status.flags = 0;
	/*
	 * With an iommufd container the DMA ownership is claimed at
	 * GET_DEVICE_FD, so a group with a container is always called viable.
	 */
	if (group->iommufd)
		status.flags = VFIO_GROUP_FLAGS_CONTAINER_SET | VFIO_GROUP_FLAGS_VIABLE;
	else if (!group->device->open_df)
		status.flags = VFIO_GROUP_FLAGS_VIABLE;
	return copy_to_user(task, arg, &status, minsz) ? -EFAULT : 0;
}

/* iommufd_vfio_compat_ioas_create() is the core's; this is the group side of SET_CONTAINER. */
static long vfio_group_ioctl_set_container(struct vfio_group *group, unsigned long arg,
					   const struct mock_task *task)
{
	struct mock_kernel *k = group->device->k;
	struct iommufd_ctx *ictx;
	struct mock_file *cfile;
	uint32_t ufd;
	int fd, rc;

	if (get_user_u32(task, &ufd, arg))
		return -EFAULT;
	fd = (int)ufd;
	cfile = fd >= 0 && k->fget ? k->fget(k->fget_priv, task, fd) : NULL;
	if (!cfile && (fd < 0 || !mock_user_fd_fgettable(task, fd)))
		return -EBADF;
	if (group->iommufd)
		return -EINVAL;
	/* no legacy container: only an iommufd file (/dev/vfio/vfio or /dev/iommu) will do */
	if (!cfile || cfile->f_op != &iommufd_fops)
		return -EBADFD;
	ictx = cfile->private_data;
	rc = iommufd_vfio_compat_ioas_create(ictx);
	if (rc)
		return rc;
	iommufd_ctx_get(ictx);
	group->iommufd = ictx;
	return 0;
}

static long vfio_group_ioctl_unset_container(struct vfio_group *group)
{
	if (!group->iommufd)
		return -EINVAL;
	/* open devices keep their own bind: no EBUSY as the legacy container has */
	vfio_group_unset_iommufd(group);
	return 0;
}

/* The last close of the device opened through the group (vfio_df_device_last_close()). */
static void vfio_group_device_last_close(struct vfio_group *group)
{
	struct vfio_device_file *open = &group->dev_open;
	struct mock_pci_dev *pdev = group->device;

	iommufd_device_unbind(open->idev);
	iommufd_ctx_put(open->iommufd);
	pdev->open_df = NULL;
	vfio_pci_irqs_release(pdev);
	/* vfio-pci disables the device on the last close */
	mock_pci_dev_reset(pdev);
	memset(open, 0, sizeof(*open));
}

/* vfio_df_group_open(): bind and attach on the first open, share it afterwards. */
static int vfio_df_group_open(struct vfio_group *group, struct vfio_device_file *df)
{
	struct vfio_device_file *open = &group->dev_open;
	struct mock_pci_dev *pdev = group->device;
	struct iommufd_device *idev;
	uint32_t ioas_id;
	int rc;

	if (!group->iommufd)
		return -EINVAL;
	/* only the group path opens a device more than once */
	if (!group->open_count) {
		if (pdev->open_df)
			return -EINVAL;
		idev = iommufd_device_bind(group->iommufd, &pdev->mdev);
		if (!idev)
			return -ENOMEM;
		rc = iommufd_vfio_compat_ioas_get_id(group->iommufd, &ioas_id);
		if (!rc)
			rc = iommufd_device_attach(idev, IOMMU_NO_PASID, &ioas_id);
		if (rc) {
			iommufd_device_unbind(idev);
			return rc;
		}
		open->device = pdev;
		open->group = group;
		open->idev = idev;
		open->iommufd = group->iommufd;
		open->access_granted = true;
		iommufd_ctx_get(open->iommufd);
		pdev->open_df = open;
	}
	group->open_count++;
	df->idev = open->idev;
	df->iommufd = open->iommufd;
	df->access_granted = true;
	return 0;
}

void vfio_df_group_close(struct vfio_device_file *df)
{
	struct vfio_group *group = df->group;

	if (!df->access_granted)
		return;
	df->access_granted = false;
	df->idev = NULL;
	df->iommufd = NULL;
	if (--group->open_count == 0)
		vfio_group_device_last_close(group);
	vfio_group_put_if_unused(group);
}

/* strndup_user(arg, PAGE_SIZE): -EFAULT, or -EINVAL without a NUL in the first page's worth. */
static int vfio_strndup_user(const struct mock_task *task, uint64_t uaddr, char **out)
{
	size_t len = 0;
	char *buf;

	buf = malloc(PAGE_SIZE);
	if (!buf)
		return -ENOMEM;
	while (len < PAGE_SIZE) {
		/* never read across a page the string does not reach */
		size_t chunk = 64 - ((uaddr + len) & 63);
		char *nul;

		if (chunk > PAGE_SIZE - len)
			chunk = PAGE_SIZE - len;
		if (copy_from_user(task, buf + len, uaddr + len, chunk)) {
			free(buf);
			return -EFAULT;
		}
		nul = memchr(buf + len, 0, chunk);
		len += chunk;
		if (nul) {
			*out = buf;
			return 0;
		}
	}
	free(buf);
	return -EINVAL;
}

/* uuid_is_valid(): xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hex digits of either case. */
static bool vfio_uuid_valid(const char *s)
{
	for (unsigned int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i]) {
			return false;
		}
	}
	return true;
}

/*
 * vfio-pci's match op: 1 when @buf names the device (its BDF, then nothing or
 * a space and options), 0 when it does not, or -EINVAL. The only option is
 * one "vf_token=UUID", which no mock device takes: none is an SR-IOV PF or VF.
 */
static int vfio_pci_core_match(const struct mock_pci_dev *pdev, const char *buf)
{
	static const char vf_token_arg[] = "vf_token=";
	bool vf_token = false;
	char name[32];
	size_t len;

	vfio_device_name(pdev, name, sizeof(name));
	len = strlen(name);
	if (strncmp(name, buf, len))
		return 0;
	buf += len;
	if (*buf && *buf != ' ')
		return 0;
	while (*buf) {
		if (*buf == ' ') {
			buf++;
			continue;
		}
		if (vf_token || strncmp(buf, vf_token_arg, sizeof(vf_token_arg) - 1))
			return -EINVAL; /* unknown or repeated option */
		buf += sizeof(vf_token_arg) - 1;
		if (strlen(buf) < 36 || !vfio_uuid_valid(buf))
			return -EINVAL;
		vf_token = true;
		buf += 36;
	}
	/* match_token_uuid(): a token for a device that is neither PF nor VF */
	return vf_token ? -EINVAL : 1;
}

static long vfio_group_ioctl_get_device_fd(struct vfio_group *group, unsigned long arg,
					   struct mock_call *call)
{
	struct mock_pci_dev *pdev = group->device;
	struct vfio_device_file *df;
	struct mock_file *f;
	char *buf;
	int rc;

	rc = vfio_strndup_user(call->task, arg, &buf);
	if (rc)
		return rc;
	/* vfio_device_get_from_name(): no match is ENODEV */
	rc = vfio_pci_core_match(pdev, buf);
	free(buf);
	if (rc <= 0)
		return rc ? rc : -ENODEV;
	if (call->nr_newfd >= MOCK_MAX_NEWFD || call->nr_newfd >= call->fd_room)
		return -EMFILE;
	df = mock_zalloc(1, sizeof(*df));
	if (!df)
		return -ENOMEM;
	df->device = pdev;
	df->group = group;
	rc = vfio_df_group_open(group, df);
	if (rc) {
		free(df);
		return rc;
	}
	f = mock_file_alloc(pdev->k, MOCK_FILE_VFIO_DEVICE, df, O_RDWR);
	if (!f) {
		vfio_df_group_close(df);
		free(df);
		return -ENOMEM;
	}
	df->file = f;
	/* the fd number is the ioctl's return value */
	call->newfd[call->nr_newfd].file = f;
	call->newfd[call->nr_newfd].uaddr = 0;
	call->newfd[call->nr_newfd].oflags = O_CLOEXEC;
	call->retval_newfd = (int)call->nr_newfd;
	call->nr_newfd++;
	return 0;
}

static long vfio_group_fops_unl_ioctl(struct mock_file *f, unsigned int cmd, unsigned long arg,
				      struct mock_call *call)
{
	struct vfio_group *group = f->private_data;

	switch (cmd) {
	case VFIO_GROUP_GET_DEVICE_FD:
		return vfio_group_ioctl_get_device_fd(group, arg, call);
	case VFIO_GROUP_GET_STATUS:
		return vfio_group_ioctl_get_status(group, arg, call->task);
	case VFIO_GROUP_SET_CONTAINER:
		return vfio_group_ioctl_set_container(group, arg, call->task);
	case VFIO_GROUP_UNSET_CONTAINER:
		return vfio_group_ioctl_unset_container(group);
	default:
		return -ENOTTY;
	}
}

const struct mock_file_operations vfio_group_fops = {
	.release = vfio_group_fops_release,
	.unlocked_ioctl = vfio_group_fops_unl_ioctl,
};
