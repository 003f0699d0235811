// SPDX-License-Identifier: MIT
/*
 * mockenv.c - the shared fixture of the mock-core fuzz harnesses (see
 * mockenv.h). The core reaches "user" memory with process_vm_readv/writev on
 * our own pid, which ASan does not see: the harness must therefore never hand
 * it a pointer outside the arena, and bounds lengths so that anything past
 * the arena runs into the fence and ends in -EFAULT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mockenv.h"

/* 128 GiB of PROT_NONE after the arena: more than any clamped length reaches. */
#define FENCE_SIZE (128ULL << 30)
#define PAGE 4096UL

static uint8_t *arena;

uint8_t *me_arena(void)
{
	uint8_t *base;

	if (arena)
		return arena;
	/* A page of fence before, the arena, the big fence after. */
	base = mmap(NULL, PAGE + ME_ARENA_SIZE + FENCE_SIZE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		abort();
	if (mprotect(base + PAGE, ME_ARENA_SIZE, PROT_READ | PROT_WRITE))
		abort();
	arena = base + PAGE;
	return arena;
}

uint64_t me_guard(void)
{
	return (uintptr_t)me_arena() + ME_ARENA_SIZE;
}

uint64_t me_uptr(uint8_t sel, uint16_t off)
{
	uint64_t base = (uintptr_t)me_arena();

	switch (sel % 8) {
	case 1:
		return 0;
	case 2:
		return me_guard() + off;
	case 3:
		return 0xffff888000000000ULL + off;
	case 4:
		return base + ME_ARENA_SIZE - 1 - (off % 64);
	default:
		/* page-aligned more often than not: what mappings want */
		if (sel & 0x80)
			return base + ((uint64_t)off % ME_ARENA_SIZE);
		return base + ((uint64_t)off * PAGE) % ME_ARENA_SIZE;
	}
}

bool me_in_arena(uint64_t uaddr, size_t len)
{
	uint64_t base = (uintptr_t)me_arena();

	return uaddr >= base && len <= ME_ARENA_SIZE && uaddr - base <= ME_ARENA_SIZE - len;
}

static struct mock_file *me_fget(void *priv, const struct mock_task *task, int fd)
{
	struct mockenv *e = priv;

	(void)task;
	if (fd < ME_FD_BASE || fd >= ME_FD_BASE + ME_NFDS)
		return NULL;
	return e->fds[fd - ME_FD_BASE];
}

static void me_notify(void *priv, struct mock_file *f)
{
	(void)priv;
	(void)f;
}

int me_init(struct mockenv *e, const char *devices)
{
	struct mock_kernel_config cfg = { .sz = sizeof(cfg), .devices = devices };
	int ret;

	memset(e, 0, sizeof(*e));
	me_arena();
	e->task.pid = getpid();
	e->task.tid = getpid();
	e->task.uid = getuid();
	ret = mock_kernel_new(&cfg, &e->k);
	if (ret)
		return ret;
	mock_kernel_set_fget(e->k, me_fget, e);
	mock_kernel_set_notify(e->k, me_notify, e);
	e->memfd = memfd_create("fuzz-map-file", MFD_CLOEXEC);
	if (e->memfd >= 0 && ftruncate(e->memfd, 16 * PAGE)) {
		close(e->memfd);
		e->memfd = -1;
	}
	return 0;
}

void me_fini(struct mockenv *e)
{
	unsigned int i;

	for (i = 0; i != e->nr_cookies; i++)
		mock_mmap_put(e->k, e->cookies[i]);
	for (i = 0; i != ME_NFDS; i++) {
		if (e->fds[i])
			mock_release(e->fds[i]);
		e->fds[i] = NULL;
	}
	mock_kernel_free(e->k);
	e->k = NULL;
	if (e->memfd >= 0)
		close(e->memfd);
}

static int slot_free(struct mockenv *e)
{
	int slot;

	for (slot = 0; slot != ME_NFDS; slot++)
		if (!e->fds[slot])
			return slot;
	return -1;
}

int me_open(struct mockenv *e, const char *path)
{
	struct mock_file *f;
	int slot = slot_free(e);
	int ret;

	if (slot < 0)
		return -EMFILE;
	ret = mock_open(e->k, path, O_RDWR, &e->task, &f);
	if (ret)
		return ret;
	e->fds[slot] = f;
	return ME_FD_BASE + slot;
}

struct mock_file *me_file(struct mockenv *e, int fd)
{
	return me_fget(e, &e->task, fd);
}

void me_close(struct mockenv *e, int fd)
{
	struct mock_file *f = me_file(e, fd);

	if (!f)
		return;
	e->fds[fd - ME_FD_BASE] = NULL;
	mock_release(f);
}

/* What the daemon does with the files a call created: install them, or release them all. */
static long install(struct mockenv *e, struct mock_call *call, long rc)
{
	int fdnum[MOCK_MAX_NEWFD];
	unsigned int i;
	bool ok = true;

	for (i = 0; i != call->nr_newfd; i++) {
		int slot = slot_free(e);
		uint64_t ua = call->newfd[i].uaddr;

		if (slot < 0 || (ua && !me_in_arena(ua, sizeof(int)))) {
			ok = false;
			fdnum[i] = -1;
			continue;
		}
		/* reserve the slot so the next file takes another */
		e->fds[slot] = call->newfd[i].file;
		fdnum[i] = ME_FD_BASE + slot;
	}
	if (!ok) {
		for (i = 0; i != call->nr_newfd; i++) {
			if (fdnum[i] >= 0)
				e->fds[fdnum[i] - ME_FD_BASE] = NULL;
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

long me_ioctl(struct mockenv *e, int fd, unsigned int cmd, uint64_t arg)
{
	struct mock_file *f = me_file(e, fd);
	struct mock_call call;
	long rc;

	if (!f)
		return -EBADF;
	mock_call_init(&call, &e->task);
	rc = mock_ioctl(f, cmd, (unsigned long)arg, &call);
	return install(e, &call, rc);
}

ssize_t me_read(struct mockenv *e, int fd, uint64_t ubuf, size_t len)
{
	struct mock_file *f = me_file(e, fd);
	struct mock_call call;

	if (!f)
		return -EBADF;
	mock_call_init(&call, &e->task);
	return install(e, &call, mock_read(f, ubuf, len, &call));
}

ssize_t me_write(struct mockenv *e, int fd, uint64_t ubuf, size_t len)
{
	struct mock_file *f = me_file(e, fd);
	struct mock_call call;

	if (!f)
		return -EBADF;
	mock_call_init(&call, &e->task);
	return install(e, &call, mock_write(f, ubuf, len, &call));
}

ssize_t me_pread(struct mockenv *e, int fd, uint64_t ubuf, size_t len, uint64_t off)
{
	struct mock_file *f = me_file(e, fd);
	struct mock_call call;

	if (!f)
		return -EBADF;
	mock_call_init(&call, &e->task);
	return install(e, &call, mock_pread(f, ubuf, len, off, &call));
}

ssize_t me_pwrite(struct mockenv *e, int fd, uint64_t ubuf, size_t len, uint64_t off)
{
	struct mock_file *f = me_file(e, fd);
	struct mock_call call;

	if (!f)
		return -EBADF;
	mock_call_init(&call, &e->task);
	return install(e, &call, mock_pwrite(f, ubuf, len, off, &call));
}

int me_mmap(struct mockenv *e, int fd, uint64_t off, uint64_t len, int prot, int flags)
{
	struct mock_file *f = me_file(e, fd);
	struct mock_mmap_result res;
	struct mock_call call;
	int ret;

	if (!f)
		return -EBADF;
	if (e->nr_cookies == ME_MAX_MMAPS)
		return -ENOMEM;
	mock_call_init(&call, &e->task);
	ret = mock_mmap(f, off, len, prot, flags, &call, &res);
	if (!ret)
		e->cookies[e->nr_cookies++] = res.cookie;
	return ret;
}
