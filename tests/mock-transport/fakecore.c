// SPDX-License-Identifier: MIT
/*
 * fakecore.c - a tiny stand-in for the kmod-mock core (core.h), linked with the
 * real daemon (mockd_sources) into mock-transport-fakemockd. It lets the transport
 * tests drive readiness and mmap references deterministically, whatever the
 * real core can do yet. Never linked with the real core.
 *
 * "/dev/iommu" is a root file. Its ioctls (type ';', numbers in fakecore.h):
 * FAKE_QUEUE_ALLOC makes an event queue file (new fd as the result);
 * FAKE_PUSH queues arg events (on a queue: into it; on a root: into every
 * queue of that root); FAKE_REFS answers the references on the root's mmap
 * region; FAKE_DESTROY_REGION is -EBUSY while it is mapped. A queue reads as
 * 8-byte records (other sizes: -ESPIPE, as the kernel's fault queue). The
 * root maps two pages at offsets 0 and 4096 (-ENXIO beyond); a queue cannot
 * be mapped (-ENODEV).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core.h"
#include "fakecore.h"

#define REGION_PAGES 2
#define REGION_COOKIE 42

struct mock_file {
	struct mock_kernel *k;
	struct mock_file *root; /* NULL for a root */
	struct mock_file *next; /* k->files */
	uint64_t queued, seq;
	bool released;
};

struct mock_kernel {
	struct mock_file *files;
	mock_notify_fn notify;
	void *notify_priv;
	int memfd;
	unsigned int refs;
};

void mock_call_init(struct mock_call *call, const struct mock_task *task)
{
	memset(call, 0, sizeof(*call));
	call->task = task;
	call->retval_newfd = -1;
}

int mock_kernel_new(const struct mock_kernel_config *cfg, struct mock_kernel **out)
{
	struct mock_kernel *k = calloc(1, sizeof(*k));

	(void)cfg;
	if (!k)
		return -ENOMEM;
	k->memfd = memfd_create("fake-region", MFD_CLOEXEC);
	if (k->memfd < 0 || ftruncate(k->memfd, REGION_PAGES * sysconf(_SC_PAGESIZE))) {
		if (k->memfd >= 0)
			close(k->memfd);
		free(k);
		return -ENOMEM;
	}
	*out = k;
	return 0;
}

void mock_kernel_free(struct mock_kernel *k)
{
	while (k->files) {
		struct mock_file *f = k->files;

		k->files = f->next;
		free(f);
	}
	close(k->memfd);
	free(k);
}

void mock_kernel_set_fget(struct mock_kernel *k, mock_fget_fn fn, void *priv)
{
	(void)k;
	(void)fn;
	(void)priv;
}

/* The fake core names no file by fd number, so the daemon's hook is never asked. */
bool mock_user_fd_fgettable(const struct mock_task *task, int fd)
{
	(void)task;
	(void)fd;
	return false;
}

void mock_kernel_set_notify(struct mock_kernel *k, mock_notify_fn fn, void *priv)
{
	k->notify = fn;
	k->notify_priv = priv;
}

static struct mock_file *file_new(struct mock_kernel *k, struct mock_file *root)
{
	struct mock_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->k = k;
	f->root = root;
	f->next = k->files;
	k->files = f;
	return f;
}

int mock_open(struct mock_kernel *k, const char *path, int oflags,
	      const struct mock_task *task, struct mock_file **out)
{
	(void)oflags;
	(void)task;
	if (strcmp(path, "/dev/iommu"))
		return -ENOENT;
	*out = file_new(k, NULL);
	return *out ? 0 : -ENOMEM;
}

void mock_release(struct mock_file *f)
{
	struct mock_file **pp;

	/* Queues keep a pointer to their root: a released root stays, marked. */
	f->released = true;
	if (!f->root) {
		for (struct mock_file *q = f->k->files; q; q = q->next)
			if (q->root == f && !q->released)
				return;
	}
	for (pp = &f->k->files; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	if (f->root && f->root->released)
		mock_release(f->root);
	free(f);
}

static void push(struct mock_file *q, uint64_t n)
{
	q->queued += n;
	if (n && q->k->notify)
		q->k->notify(q->k->notify_priv, q);
}

long mock_ioctl(struct mock_file *f, unsigned int cmd, unsigned long arg,
		struct mock_call *call)
{
	struct mock_kernel *k = f->k;

	switch (cmd) {
	case FAKE_QUEUE_ALLOC: {
		struct mock_file *q;

		if (f->root)
			return -ENOTTY;
		q = file_new(k, f);
		if (!q)
			return -ENOMEM;
		call->nr_newfd = 1;
		call->newfd[0] = (struct mock_newfd){ .file = q, .oflags = O_CLOEXEC };
		call->retval_newfd = 0;
		return 0;
	}
	case FAKE_PUSH:
		if (f->root) {
			push(f, arg);
		} else {
			for (struct mock_file *q = k->files; q; q = q->next)
				if (q->root == f)
					push(q, arg);
		}
		return 0;
	case FAKE_REFS:
		return k->refs;
	case FAKE_DESTROY_REGION:
		return k->refs ? -EBUSY : 0;
	default:
		return -ENOTTY;
	}
}

ssize_t mock_read(struct mock_file *f, uint64_t ubuf, size_t len, struct mock_call *call)
{
	uint64_t recs[64];
	size_t n = len / sizeof(recs[0]);
	struct iovec local, remote;

	if (!f->root)
		return -EINVAL;
	if (len % sizeof(recs[0]))
		return -ESPIPE;
	if (n > f->queued)
		n = f->queued;
	if (n > sizeof(recs) / sizeof(recs[0]))
		n = sizeof(recs) / sizeof(recs[0]);
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		recs[i] = ++f->seq;
	local = (struct iovec){ recs, n * sizeof(recs[0]) };
	remote = (struct iovec){ (void *)(uintptr_t)ubuf, n * sizeof(recs[0]) };
	if (process_vm_writev(call->task->pid, &local, 1, &remote, 1, 0) !=
	    (ssize_t)(n * sizeof(recs[0]))) {
		f->seq -= n;
		return -EFAULT;
	}
	f->queued -= n;
	if (!f->queued && f->k->notify)
		f->k->notify(f->k->notify_priv, f);
	return (ssize_t)(n * sizeof(recs[0]));
}

ssize_t mock_write(struct mock_file *f, uint64_t ubuf, size_t len, struct mock_call *call)
{
	(void)f;
	(void)ubuf;
	(void)call;
	return (ssize_t)len;
}

ssize_t mock_pread(struct mock_file *f, uint64_t ubuf, size_t len, uint64_t off,
		   struct mock_call *call)
{
	(void)f;
	(void)ubuf;
	(void)len;
	(void)off;
	(void)call;
	return -ESPIPE;
}

ssize_t mock_pwrite(struct mock_file *f, uint64_t ubuf, size_t len, uint64_t off,
		    struct mock_call *call)
{
	return mock_pread(f, ubuf, len, off, call);
}

int mock_mmap(struct mock_file *f, uint64_t offset, uint64_t length, int prot, int flags,
	      struct mock_call *call, struct mock_mmap_result *res)
{
	uint64_t size = REGION_PAGES * (uint64_t)sysconf(_SC_PAGESIZE);

	(void)prot;
	(void)call;
	if (f->root)
		return -ENODEV;
	if (!(flags & MAP_SHARED))
		return -EINVAL;
	if (offset > size || length > size - offset)
		return -ENXIO;
	f->k->refs++;
	*res = (struct mock_mmap_result){ .memfd = f->k->memfd, .memfd_off = offset,
					  .cookie = REGION_COOKIE };
	return 0;
}

void mock_mmap_get(struct mock_kernel *k, uint64_t cookie)
{
	if (cookie == REGION_COOKIE)
		k->refs++;
}

void mock_mmap_put(struct mock_kernel *k, uint64_t cookie)
{
	if (cookie == REGION_COOKIE && k->refs)
		k->refs--;
}

unsigned int mock_poll(struct mock_file *f)
{
	return POLLOUT | (f->queued ? POLLIN : 0);
}

int mock_fail_nth(struct mock_kernel *k, const struct mock_task *task, pid_t tid, bool set,
		  unsigned int *nth)
{
	(void)k;
	(void)task;
	(void)tid;
	(void)set;
	(void)nth;
	return -EOPNOTSUPP;
}

void mock_kernel_pinned_vm(struct mock_kernel *k, pid_t pid, uint64_t *pinned,
			   uint64_t *locked)
{
	(void)k;
	(void)pid;
	*pinned = 0;
	*locked = 0;
}

int mock_kernel_pci_config(struct mock_kernel *k, unsigned int index, unsigned int off,
			   uint32_t *val)
{
	(void)k;
	(void)index;
	(void)off;
	*val = 0;
	return -ENODEV; /* the fake kernel has no PCI devices */
}

int mock_kernel_pci_ident(struct mock_kernel *k, unsigned int index, struct mock_pci_ident *id)
{
	(void)k;
	(void)index;
	(void)id;
	return -ENODEV; /* the fake kernel has no PCI devices */
}
