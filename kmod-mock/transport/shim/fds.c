// SPDX-License-Identifier: MIT
/*
 * fds.c - the shim's view of the process's fds: the next definitions of the libc
 * functions it interposes, the fd -> mock inode table and its upkeep (close,
 * dup, fcntl, close_range).
 */
/* Define open/open64, pread/pread64, fcntl/fcntl64 as the distinct symbols they are. */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "shim-internal.h"

/* ---------------------------------------------------------------- libc ---- */

static const char *const real_names[R_MAX] = {
	[R_OPEN] = "open", [R_OPEN64] = "open64", [R_OPENAT] = "openat",
	[R_OPENAT64] = "openat64", [R_CLOSE] = "close", [R_IOCTL] = "ioctl", [R_READ] = "read",
	[R_WRITE] = "write", [R_PREAD] = "pread", [R_PREAD64] = "pread64", [R_PWRITE] = "pwrite",
	[R_PWRITE64] = "pwrite64", [R_READ_CHK] = "__read_chk", [R_PREAD_CHK] = "__pread_chk",
	[R_PREAD64_CHK] = "__pread64_chk", [R_DUP] = "dup", [R_DUP2] = "dup2", [R_DUP3] = "dup3",
	[R_FCNTL] = "fcntl", [R_FCNTL64] = "fcntl64", [R_MMAP] = "mmap", [R_MMAP64] = "mmap64",
	[R_MUNMAP] = "munmap", [R_CLOSE_RANGE] = "close_range", [R_CLOSEFROM] = "closefrom",
};

static void *real_fns[R_MAX];

/* The next definition of @i after ours; lazily, as we may be called before our constructor. */
void *shim_real(enum real_fn i)
{
	void *p = __atomic_load_n(&real_fns[i], __ATOMIC_ACQUIRE);

	if (!p) {
		p = dlsym(RTLD_NEXT, real_names[i]);
		if (!p && i == R_FCNTL64)
			p = shim_real(R_FCNTL);
		if (!p && i == R_MMAP64)
			p = shim_real(R_MMAP);
		if (!p)
			abort(); /* no libc underneath: nothing sensible is possible */
		__atomic_store_n(&real_fns[i], p, __ATOMIC_RELEASE);
	}
	return p;
}

/* ---------------------------------------------------- fd -> inode table ---- */

/*
 * Which fds are mock files, to keep read/write on every other fd at one
 * memory load. Two levels so it never moves (lock-free readers). The entries
 * are trusted without an fstat per call (that was a syscall on every
 * request): close, dup2, dup3, close_range and closefrom keep them right.
 * Only a raw close syscall behind our back can leave a stale entry; a call
 * on it then finds no file in the daemon (ENODEV), and only then do we
 * fstat, forget the entry and treat the fd as a stranger. Control
 * connections are marked FDT_CTL: a close of one bumps ctl_epoch, so that
 * its thread checks its connection before the next request.
 */
#define FDT_CHUNK 1024
#define FDT_TOP 1024


static uint64_t *fdt[FDT_TOP];
unsigned int shim_ctl_epoch;

uint64_t shim_fdt_raw(int fd)
{
	uint64_t *chunk;

	if (fd < 0 || fd >= FDT_CHUNK * FDT_TOP)
		return 0;
	chunk = __atomic_load_n(&fdt[fd / FDT_CHUNK], __ATOMIC_ACQUIRE);
	return chunk ? __atomic_load_n(&chunk[fd % FDT_CHUNK], __ATOMIC_RELAXED) : 0;
}

/* The inode of @fd if it is a mock file we know; 0 otherwise. */
uint64_t shim_fdt_get(int fd)
{
	uint64_t v = shim_fdt_raw(fd);

	return v & FDT_CTL ? 0 : v;
}

void shim_fdt_set(int fd, uint64_t ino)
{
	uint64_t *chunk, *fresh = NULL;

	if (fd < 0 || fd >= FDT_CHUNK * FDT_TOP)
		return;
	chunk = __atomic_load_n(&fdt[fd / FDT_CHUNK], __ATOMIC_ACQUIRE);
	if (!chunk) {
		if (!ino)
			return;
		fresh = calloc(FDT_CHUNK, sizeof(*fresh));
		if (!fresh)
			return; /* untracked: ioctl still works (probe), read/write pass through */
		if (__atomic_compare_exchange_n(&fdt[fd / FDT_CHUNK], &chunk, fresh, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			chunk = fresh;
		else
			free(fresh);
	}
	__atomic_store_n(&chunk[fd % FDT_CHUNK], ino, __ATOMIC_RELAXED);
}

uint64_t shim_sock_ino(int fd)
{
	struct stat st;

	if (shim_raw_fstat(fd, &st) || !S_ISSOCK(st.st_mode))
		return 0;
	return st.st_ino;
}

/* @fd is going away (close, or the target of dup2): forget it. */
void shim_fdt_forget(int fd)
{
	uint64_t v = shim_fdt_raw(fd);

	if (!v)
		return;
	if (v & FDT_CTL)
		__atomic_add_fetch(&shim_ctl_epoch, 1, __ATOMIC_ACQ_REL);
	shim_fdt_set(fd, 0);
}

/*
 * A call on @fd, a mock file by our table, failed with ENODEV: was the entry
 * stale (the fd closed behind our back and the number reused)? Then forget it.
 */
bool shim_fdt_stale(int fd, uint64_t ino)
{
	if (shim_sock_ino(fd) == ino)
		return false;
	shim_fdt_set(fd, 0);
	return true;
}

/* Does this process hold a mock file (an fd our table knows, or a mapping)? */
bool shim_holds_mock_files(void)
{
	if (__atomic_load_n(&shim_nr_maps_hint, __ATOMIC_ACQUIRE))
		return true;
	for (int top = 0; top < FDT_TOP; top++) {
		uint64_t *chunk = __atomic_load_n(&fdt[top], __ATOMIC_ACQUIRE);

		for (int i = 0; chunk && i < FDT_CHUNK; i++) {
			uint64_t v = __atomic_load_n(&chunk[i], __ATOMIC_RELAXED);

			if (v && !(v & FDT_CTL) && shim_sock_ino(top * FDT_CHUNK + i) == v)
				return true;
		}
	}
	return false;
}

/* --------------------------------------------------- fd table upkeep ---- */

EXPORT int close(int fd)
{
	/* Forget first: once closed, another thread may get this number. */
	shim_fdt_forget(fd);
	return shim_sys_close(fd);
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static void fdt_forget_range(unsigned int first, unsigned int last)
{
	unsigned int end = FDT_CHUNK * FDT_TOP - 1;

	if (last < end)
		end = last;
	for (unsigned int fd = first; fd <= end; fd++) {
		if (!__atomic_load_n(&fdt[fd / FDT_CHUNK], __ATOMIC_ACQUIRE)) {
			fd |= FDT_CHUNK - 1; /* nothing known in this chunk */
			continue;
		}
		shim_fdt_forget((int)fd);
	}
}

int close_range(unsigned int first, unsigned int last, int flags);
void closefrom(int lowfd);

EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	if (!(flags & CLOSE_RANGE_CLOEXEC) && first <= last)
		fdt_forget_range(first, last);
	return REAL(R_CLOSE_RANGE, close_range_fn)(first, last, flags);
}

EXPORT void closefrom(int lowfd)
{
	if (lowfd >= 0)
		fdt_forget_range((unsigned int)lowfd, ~0U);
	REAL(R_CLOSEFROM, closefrom_fn)(lowfd);
}

EXPORT int dup(int fd)
{
	int r = REAL(R_DUP, dup_fn)(fd);

	if (r >= 0)
		shim_fdt_set(r, shim_fdt_get(fd));
	return r;
}

EXPORT int dup2(int fd, int fd2)
{
	int r;

	if (fd != fd2 && shim_fdt_raw(fd2) & FDT_CTL)
		shim_fdt_forget(fd2);
	r = REAL(R_DUP2, dup2_fn)(fd, fd2);
	if (r >= 0 && fd != fd2)
		shim_fdt_set(r, shim_fdt_get(fd));
	return r;
}

EXPORT int dup3(int fd, int fd2, int flags)
{
	int r;

	if (fd != fd2 && shim_fdt_raw(fd2) & FDT_CTL)
		shim_fdt_forget(fd2);
	r = REAL(R_DUP3, dup3_fn)(fd, fd2, flags);
	if (r >= 0)
		shim_fdt_set(r, shim_fdt_get(fd));
	return r;
}

static int do_fcntl(enum real_fn which, int fd, int cmd, void *arg)
{
	int r = REAL(which, fcntl_fn)(fd, cmd, arg);

	if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		shim_fdt_set(r, shim_fdt_get(fd));
	return r;
}

/* Like libc: the third argument, whatever its type, travels as a pointer-sized word. */
EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(R_FCNTL, fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...);

EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(R_FCNTL64, fd, cmd, arg);
}
