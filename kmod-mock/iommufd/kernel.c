// SPDX-License-Identifier: MIT
/*
 * kernel.c - the mock kernel as core.h presents it (no single kernel file is
 * its counterpart): the instance (mock_kernel_new() boots a release and a
 * machine, mock_kernel_free() tears both down), its open files
 * (anon_inode_getfile() and fs/file_table.c: mock_file_alloc() sets a file's
 * f_op by its type), the VFS's dispatch of a system call to the file's f_op
 * (fs/open.c, fs/ioctl.c, fs/read_write.c, mm/mmap.c: the vfs_*() below) and
 * core.h's entry points on top (mock_open(), mock_ioctl(), ... record their
 * caller as "current"), plus the queries the tests use.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd_private.h"
#include "vfio.h"

void mock_call_init(struct mock_call *call, const struct mock_task *task)
{
	memset(call, 0, sizeof(*call));
	call->task = task;
	call->retval_newfd = -1;
	call->fd_room = MOCK_MAX_NEWFD;
}

unsigned int mock_kernel_nr_files(const struct mock_kernel *k)
{
	unsigned int n = 0;

	for (const struct mock_file *f = k->files; f; f = f->next)
		n++;
	return n;
}

uint32_t mock_file_nr_objects(const struct mock_file *f)
{
	if (f->f_op != &iommufd_fops)
		return 0;
	return ((const struct iommufd_ctx *)f->private_data)->nr_objects;
}

void mock_iopt_struct_sizes(size_t *area, size_t *pages)
{
	*area = sizeof(struct iopt_area);
	*pages = sizeof(struct iopt_pages);
}

void mock_kernel_set_fget(struct mock_kernel *k, mock_fget_fn fn, void *priv)
{
	k->fget = fn;
	k->fget_priv = priv;
}

/* ---------------- kernel instance and files ---------------- */

int mock_kernel_new(const struct mock_kernel_config *cfg, struct mock_kernel **out)
{
	struct mock_kernel_config c = { .sz = sizeof(c) };
	struct mock_kernel *k;
	int rc;

	if (!out)
		return -EINVAL;
	if (cfg && cfg->sz < sizeof(size_t))
		return -EINVAL;
	/* an older, smaller config: the fields it lacks keep their defaults */
	if (cfg)
		memcpy(&c, cfg, cfg->sz < sizeof(c) ? cfg->sz : sizeof(c));
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->test_memory_limit = 65536;
	mock_list_init(&k->mmaps);
	rc = mock_release_parse(c.sz >= offsetofend(struct mock_kernel_config, kernel) ? c.kernel : NULL,
				&k->kv, c.sz >= offsetofend(struct mock_kernel_config, err_len) ? c.err : NULL,
				c.err_len);
	if (rc) {
		free(k);
		return rc;
	}
	rc = mock_machine_init(k, c.devices,
			       c.sz >= offsetofend(struct mock_kernel_config, iommu_group_base) ?
				       c.iommu_group_base : 0,
			       c.sz >= offsetofend(struct mock_kernel_config, err_len) ? c.err : NULL,
			       c.err_len);
	if (rc) {
		free(k);
		return rc;
	}
	*out = k;
	return 0;
}

unsigned int mock_kernel_device_faults(struct mock_kernel *k, unsigned int index)
{
	if (!k || index >= k->nr_pci_devs)
		return 0;
	return k->pci_devs[index]->mdev.nr_faults;
}

void mock_kernel_free(struct mock_kernel *k)
{
	struct mock_file *f;

	if (!k)
		return;
	/* mappings the server did not put hold contexts */
	iommufd_mmap_drop_all(k);
	/*
	 * Files the server still holds are released as on a close. Releasing
	 * one may free others (an access file holds its context), so restart
	 * the walk each time.
	 */
	for (;;) {
		for (f = k->files; f && f->released; f = f->next)
			;
		if (!f)
			break;
		mock_release(f);
	}
	/* Released files a refcount bug kept alive: leak-free exit anyway */
	while (k->files)
		mock_file_free(k->files);
	mock_mm_free_all(k);
	mock_machine_free(k);
	mock_fail_nth_free(k);
	free(k);
}

/* The operations of each kind of file (anon_inode_getfile()'s fops). */
static const struct mock_file_operations *const file_fops[] = {
	[MOCK_FILE_IOMMUFD] = &iommufd_fops,
	[MOCK_FILE_TEST_ACCESS] = &iommufd_test_staccess_fops,
	[MOCK_FILE_FAULT] = &iommufd_fault_fops,
	[MOCK_FILE_VEVENTQ] = &iommufd_veventq_fops,
	[MOCK_FILE_VFIO_DEVICE] = &vfio_device_fops,
	[MOCK_FILE_DMABUF] = &mock_dmabuf_fops,
	[MOCK_FILE_VFIO_GROUP] = &vfio_group_fops,
};

struct mock_file *mock_file_alloc(struct mock_kernel *k, enum mock_file_type type,
				  void *private_data, int oflags)
{
	struct mock_file *f = mock_zalloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->type = type;
	f->f_op = file_fops[type];
	f->k = k;
	f->oflags = oflags;
	f->private_data = private_data;
	f->next = k->files;
	if (k->files)
		k->files->prev = f;
	k->files = f;
	return f;
}

void mock_file_free(struct mock_file *f)
{
	if (!f)
		return;
	if (f->prev)
		f->prev->next = f->next;
	else
		f->k->files = f->next;
	if (f->next)
		f->next->prev = f->prev;
	free(f);
}

/*
 * Open the device node @path: /dev/iommu, /dev/vfio/vfio (iommufd's too, with
 * IOMMUFD_VFIO_CONTAINER), a VFIO device cdev or a VFIO group /dev/vfio/N.
 */
static int vfs_open(struct mock_kernel *k, const char *path, int oflags,
		    const struct mock_task *task, struct mock_file **out)
{
	bool vfio_container;

	if (!k || !path || !task || !out)
		return -EINVAL;
	if (!strncmp(path, "/dev/vfio/devices/", 18))
		return vfio_device_fops_cdev_open(k, path, oflags, out);
	vfio_container = !strcmp(path, "/dev/vfio/vfio");
	if (!vfio_container && !strncmp(path, "/dev/vfio/", 10))
		return vfio_group_fops_open(k, path, oflags, out);
	if (strcmp(path, "/dev/iommu") != 0 && !vfio_container)
		return -ENOENT;
	return iommufd_fops_open(k, oflags, task, vfio_container, out);
}

/* The last close of @f (the kernel's __fput()): its release op, then the file. */
static void vfs_release(struct mock_file *f)
{
	const struct mock_file_operations *fops;

	if (!f || f->released)
		return;
	f->released = true;
	fops = f->f_op; /* a release_keeps_file release may free @f */
	if (fops->release)
		fops->release(f);
	if (!fops->release_keeps_file)
		mock_file_free(f);
}

/* The vfs_*() below check the call and go to the file's op (see struct mock_file_operations). */
static long vfs_ioctl(struct mock_file *f, unsigned int cmd, unsigned long arg,
		      struct mock_call *call)
{
	if (!f || !call || !call->task)
		return -EINVAL;
	if (!f->f_op->unlocked_ioctl)
		return -ENOTTY;
	return f->f_op->unlocked_ioctl(f, cmd, arg, call);
}

static ssize_t vfs_read(struct mock_file *f, uint64_t ubuf, size_t len, struct mock_call *call)
{
	if (!f || !call || !call->task)
		return -EBADF;
	if (!f->f_op->read)
		return -EINVAL;
	return f->f_op->read(f, ubuf, len, call);
}

static ssize_t vfs_write(struct mock_file *f, uint64_t ubuf, size_t len, struct mock_call *call)
{
	if (!f || !call || !call->task)
		return -EBADF;
	if (!f->f_op->write)
		return -EINVAL;
	return f->f_op->write(f, ubuf, len, call);
}

static ssize_t vfs_pread(struct mock_file *f, uint64_t ubuf, size_t len, uint64_t off,
			 struct mock_call *call)
{
	if (!f || !call || !call->task)
		return -EBADF;
	if (!f->f_op->pread)
		return -ESPIPE;
	return f->f_op->pread(f, ubuf, len, off, call);
}

static ssize_t vfs_pwrite(struct mock_file *f, uint64_t ubuf, size_t len, uint64_t off,
			  struct mock_call *call)
{
	if (!f || !call || !call->task)
		return -EBADF;
	if (!f->f_op->pwrite)
		return -ESPIPE;
	return f->f_op->pwrite(f, ubuf, len, off, call);
}

unsigned int mock_poll(struct mock_file *f)
{
	if (!f)
		return POLLNVAL;
	if (!f->f_op->poll)
		/* files without a poll op are always ready */
		return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
	return f->f_op->poll(f);
}

void mock_kernel_set_notify(struct mock_kernel *k, mock_notify_fn fn, void *priv)
{
	if (!k)
		return;
	k->notify = fn;
	k->notify_priv = priv;
}

static int vfs_mmap(struct mock_file *f, uint64_t offset, uint64_t length, int prot, int flags,
		    struct mock_call *call, struct mock_mmap_result *res)
{
	if (!f || !call || !call->task || !res)
		return -EINVAL;
	if (f->released)
		return -EBADF;
	if (!f->f_op->mmap)
		return -ENODEV;
	return f->f_op->mmap(f, offset, length, prot, flags, res);
}


/*
 * The entry points record their caller as "current" for the fault points
 * (fail_nth.c); a release has none: as in the kernel, teardown cannot fail.
 */
int mock_open(struct mock_kernel *k, const char *path, int oflags,
	      const struct mock_task *task, struct mock_file **out)
{
	struct mock_current saved;
	int ret;

	mock_current_enter(k, task, &saved);
	ret = vfs_open(k, path, oflags, task, out);
	mock_current_leave(&saved);
	return ret;
}

void mock_release(struct mock_file *f)
{
	struct mock_current saved;

	if (!f)
		return;
	mock_current_enter(f->k, NULL, &saved);
	vfs_release(f);
	mock_current_leave(&saved);
}

long mock_ioctl(struct mock_file *f, unsigned int cmd, unsigned long arg, struct mock_call *call)
{
	struct mock_current saved;
	long ret;

	if (!f || !call || !call->task)
		return -EINVAL;
	mock_current_enter(f->k, call->task, &saved);
	ret = vfs_ioctl(f, cmd, arg, call);
	mock_current_leave(&saved);
	return ret;
}

ssize_t mock_read(struct mock_file *f, uint64_t ubuf, size_t len, struct mock_call *call)
{
	struct mock_current saved;
	ssize_t ret;

	if (!f || !call || !call->task)
		return -EBADF;
	mock_current_enter(f->k, call->task, &saved);
	ret = vfs_read(f, ubuf, len, call);
	mock_current_leave(&saved);
	return ret;
}

ssize_t mock_write(struct mock_file *f, uint64_t ubuf, size_t len, struct mock_call *call)
{
	struct mock_current saved;
	ssize_t ret;

	if (!f || !call || !call->task)
		return -EBADF;
	mock_current_enter(f->k, call->task, &saved);
	ret = vfs_write(f, ubuf, len, call);
	mock_current_leave(&saved);
	return ret;
}

ssize_t mock_pread(struct mock_file *f, uint64_t ubuf, size_t len, uint64_t off,
		   struct mock_call *call)
{
	struct mock_current saved;
	ssize_t ret;

	if (!f || !call || !call->task)
		return -EBADF;
	mock_current_enter(f->k, call->task, &saved);
	ret = vfs_pread(f, ubuf, len, off, call);
	mock_current_leave(&saved);
	return ret;
}

ssize_t mock_pwrite(struct mock_file *f, uint64_t ubuf, size_t len, uint64_t off,
		    struct mock_call *call)
{
	struct mock_current saved;
	ssize_t ret;

	if (!f || !call || !call->task)
		return -EBADF;
	mock_current_enter(f->k, call->task, &saved);
	ret = vfs_pwrite(f, ubuf, len, off, call);
	mock_current_leave(&saved);
	return ret;
}

int mock_mmap(struct mock_file *f, uint64_t offset, uint64_t length, int prot, int flags,
	      struct mock_call *call, struct mock_mmap_result *res)
{
	struct mock_current saved;
	int ret;

	if (!f || !call || !call->task || !res)
		return -EINVAL;
	mock_current_enter(f->k, call->task, &saved);
	ret = vfs_mmap(f, offset, length, prot, flags, call, res);
	mock_current_leave(&saved);
	return ret;
}
