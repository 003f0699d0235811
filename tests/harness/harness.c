// SPDX-License-Identifier: MIT
/*
 * harness.c - the in-process harness of the mock kernel core (see harness.h).
 * The core reaches "user" memory with process_vm_readv/writev on our own pid:
 * user pointers are plain pointers into this process.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static struct mock_file *harness_fget(void *priv, const struct mock_task *task, int fd)
{
	(void)task;
	return harness_file(priv, fd);
}

static void harness_notify(void *priv, struct mock_file *f)
{
	struct harness *h = priv;

	h->notified++;
	h->last_notified = f;
}

int harness_init(struct harness *h, const struct mock_kernel_config *cfg)
{
	int ret;

	memset(h, 0, sizeof(*h));
	h->task.pid = getpid();
	h->task.tid = gettid();
	h->task.uid = getuid();
	ret = mock_kernel_new(cfg, &h->k);
	if (ret)
		return ret;
	mock_kernel_set_fget(h->k, harness_fget, h);
	mock_kernel_set_notify(h->k, harness_notify, h);
	return 0;
}

void harness_close_all(struct harness *h)
{
	for (unsigned int i = 0; i != HARNESS_NFDS; i++) {
		if (h->fds[i])
			mock_release(h->fds[i]);
		h->fds[i] = NULL;
	}
}

void harness_fini(struct harness *h)
{
	for (unsigned int i = 0; i != h->nr_cookies; i++)
		mock_mmap_put(h->k, h->cookies[i]);
	h->nr_cookies = 0;
	harness_close_all(h);
	mock_kernel_free(h->k);
	h->k = NULL;
}

static int slot_free(struct harness *h)
{
	for (int slot = 0; slot != HARNESS_NFDS; slot++)
		if (!h->fds[slot])
			return slot;
	return -1;
}

int harness_install(struct harness *h, struct mock_file *f)
{
	int slot = slot_free(h);

	if (slot < 0)
		return -EMFILE;
	h->fds[slot] = f;
	return HARNESS_FD_BASE + slot;
}

int harness_open(struct harness *h, const char *path, int oflags)
{
	struct mock_file *f;
	int ret;

	if (slot_free(h) < 0)
		return -EMFILE;
	ret = mock_open(h->k, path, oflags, &h->task, &f);
	if (ret)
		return ret;
	return harness_install(h, f);
}

struct mock_file *harness_file(struct harness *h, int fd)
{
	if (fd < HARNESS_FD_BASE || fd >= HARNESS_FD_BASE + HARNESS_NFDS)
		return NULL;
	return h->fds[fd - HARNESS_FD_BASE];
}

void harness_close(struct harness *h, int fd)
{
	struct mock_file *f = harness_file(h, fd);

	if (!f)
		return;
	h->fds[fd - HARNESS_FD_BASE] = NULL;
	mock_release(f);
}

/* What the daemon does with the files a call created: install them, or release them all. */
static long finish(struct harness *h, struct mock_call *call, long rc)
{
	int fdnum[MOCK_MAX_NEWFD];
	unsigned int i;
	bool ok = rc >= 0;

	for (i = 0; i != call->nr_newfd; i++) {
		uint64_t ua = call->newfd[i].uaddr;

		fdnum[i] = -1;
		if (!ok || (ua && h->user_ok && !h->user_ok(ua, sizeof(int)))) {
			ok = false;
			continue;
		}
		/* reserve the slot so the next file takes another */
		fdnum[i] = harness_install(h, call->newfd[i].file);
		if (fdnum[i] < 0)
			ok = false;
	}
	if (!ok) {
		for (i = 0; i != call->nr_newfd; i++) {
			if (fdnum[i] >= 0)
				h->fds[fdnum[i] - HARNESS_FD_BASE] = NULL;
			mock_release(call->newfd[i].file);
		}
		return rc < 0 ? rc : -EMFILE;
	}
	for (i = 0; i != call->nr_newfd; i++) {
		if (call->newfd[i].uaddr)
			memcpy((void *)(uintptr_t)call->newfd[i].uaddr, &fdnum[i], sizeof(int));
		if (!rc && call->retval_newfd == (int)i)
			rc = fdnum[i];
	}
	return rc;
}

long harness_fioctl(struct harness *h, struct mock_file *f, unsigned int cmd, uint64_t arg)
{
	struct mock_call call;

	if (!f)
		return -EBADF;
	mock_call_init(&call, &h->task);
	return finish(h, &call, mock_ioctl(f, cmd, (unsigned long)arg, &call));
}

long harness_ioctl(struct harness *h, int fd, unsigned int cmd, uint64_t arg)
{
	return harness_fioctl(h, harness_file(h, fd), cmd, arg);
}

enum rw_op { RW_READ, RW_WRITE, RW_PREAD, RW_PWRITE };

static ssize_t rw(struct harness *h, int fd, enum rw_op op, uint64_t ubuf, size_t len,
		  uint64_t off)
{
	struct mock_file *f = harness_file(h, fd);
	struct mock_call call;
	ssize_t rc;

	if (!f)
		return -EBADF;
	mock_call_init(&call, &h->task);
	switch (op) {
	case RW_READ:
		rc = mock_read(f, ubuf, len, &call);
		break;
	case RW_WRITE:
		rc = mock_write(f, ubuf, len, &call);
		break;
	case RW_PREAD:
		rc = mock_pread(f, ubuf, len, off, &call);
		break;
	default:
		rc = mock_pwrite(f, ubuf, len, off, &call);
		break;
	}
	return finish(h, &call, rc);
}

ssize_t harness_read(struct harness *h, int fd, uint64_t ubuf, size_t len)
{
	return rw(h, fd, RW_READ, ubuf, len, 0);
}

ssize_t harness_write(struct harness *h, int fd, uint64_t ubuf, size_t len)
{
	return rw(h, fd, RW_WRITE, ubuf, len, 0);
}

ssize_t harness_pread(struct harness *h, int fd, uint64_t ubuf, size_t len, uint64_t off)
{
	return rw(h, fd, RW_PREAD, ubuf, len, off);
}

ssize_t harness_pwrite(struct harness *h, int fd, uint64_t ubuf, size_t len, uint64_t off)
{
	return rw(h, fd, RW_PWRITE, ubuf, len, off);
}

int harness_mmap(struct harness *h, int fd, uint64_t off, uint64_t len, int prot, int flags)
{
	struct mock_file *f = harness_file(h, fd);
	struct mock_mmap_result res;
	struct mock_call call;
	int ret;

	if (!f)
		return -EBADF;
	if (h->nr_cookies == HARNESS_MAX_MMAPS)
		return -ENOMEM;
	mock_call_init(&call, &h->task);
	ret = mock_mmap(f, off, len, prot, flags, &call, &res);
	if (!ret)
		h->cookies[h->nr_cookies++] = res.cookie;
	return ret;
}
