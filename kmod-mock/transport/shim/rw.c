// SPDX-License-Identifier: MIT
/*
 * rw.c - read, write, pread, pwrite (and the fortified reads) on mock files.
 */
/* Define open/open64, pread/pread64, fcntl/fcntl64 as the distinct symbols they are. */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "shim-internal.h"

/* ------------------------------------------------------- read and write ---- */

/* @ubuf is an address the daemon reaches, never touched here. */
static ssize_t mock_rw(enum mock_proto_op op, int fd, uint64_t ino, uint64_t ubuf,
		       size_t len, uint64_t off)
{
	struct mock_req req = { .op = op, .ino = ino, .arg = ubuf, .len = len, .off = off };
	struct mock_reply rep;
	int fds[MOCK_PROTO_MAX_NEWFD];
	int err = shim_transact(&req, NULL, 0, false, fd, &rep, fds);

	if (err)
		return shim_fail(err);
	/* Not that file (any more): -EBADF if closed meanwhile, else a stale entry (mock_done). */
	if (rep.flags & MOCK_REPLY_NOT_MINE)
		return shim_fail(shim_not_mine_closed(fd, ino, false) ? -EBADF : -ENODEV);
	if (rep.flags & MOCK_REPLY_DRAIN)
		shim_drain_one(fd, ino);
	return shim_fail(shim_finish(&rep, fds));
}

/* False when @fd turned out not to be the mock file our table said: pass it through. */
static bool mock_done(ssize_t r, int fd, uint64_t ino)
{
	return !(r == -1 && errno == ENODEV && shim_fdt_stale(fd, ino));
}

EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	uint64_t ino = shim_fdt_get(fd);

	if (failnth_is_fd(fd)) /* fail-nth: fail_nth_proc.c */
		return failnth_read(fd, buf, len, true, 0);
	if (ino) {
		ssize_t r = mock_rw(MOCK_OP_READ, fd, ino, (uintptr_t)buf, len, 0);

		if (mock_done(r, fd, ino))
			return r;
	}
	return REAL(R_READ, rw_fn)(fd, buf, len);
}

EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	uint64_t ino = shim_fdt_get(fd);

	if (failnth_is_fd(fd)) /* fail-nth: fail_nth_proc.c */
		return failnth_write(fd, buf, len);
	if (ino) {
		ssize_t r = mock_rw(MOCK_OP_WRITE, fd, ino, (uintptr_t)buf, len, 0);

		if (mock_done(r, fd, ino))
			return r;
	}
	return REAL(R_WRITE, rw_fn)(fd, (void *)buf, len);
}

/* A negative offset is EINVAL for pread/pwrite before anything else. */
static ssize_t mock_prw(enum mock_proto_op op, int fd, uint64_t ino, uint64_t ubuf,
			size_t len, int64_t off)
{
	if (off < 0)
		return shim_fail(-EINVAL);
	return mock_rw(op, fd, ino, ubuf, len, (uint64_t)off);
}

EXPORT ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	uint64_t ino = shim_fdt_get(fd);

	if (failnth_is_fd(fd)) /* fail-nth: fail_nth_proc.c */
		return failnth_read(fd, buf, len, false, off);
	if (ino) {
		ssize_t r = mock_prw(MOCK_OP_PREAD, fd, ino, (uintptr_t)buf, len, off);

		if (mock_done(r, fd, ino))
			return r;
	}
	return REAL(R_PREAD, prw_fn)(fd, buf, len, off);
}

EXPORT ssize_t pread64(int fd, void *buf, size_t len, off64_t off)
{
	uint64_t ino = shim_fdt_get(fd);

	if (failnth_is_fd(fd)) /* fail-nth: fail_nth_proc.c */
		return failnth_read(fd, buf, len, false, off);
	if (ino) {
		ssize_t r = mock_prw(MOCK_OP_PREAD, fd, ino, (uintptr_t)buf, len, off);

		if (mock_done(r, fd, ino))
			return r;
	}
	return REAL(R_PREAD64, prw64_fn)(fd, buf, len, off);
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	uint64_t ino = shim_fdt_get(fd);

	if (failnth_is_fd(fd)) /* fail-nth: fail_nth_proc.c */
		return failnth_write(fd, buf, len);
	if (ino) {
		ssize_t r = mock_prw(MOCK_OP_PWRITE, fd, ino, (uintptr_t)buf, len, off);

		if (mock_done(r, fd, ino))
			return r;
	}
	return REAL(R_PWRITE, prw_fn)(fd, (void *)buf, len, off);
}

EXPORT ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	uint64_t ino = shim_fdt_get(fd);

	if (failnth_is_fd(fd)) /* fail-nth: fail_nth_proc.c */
		return failnth_write(fd, buf, len);
	if (ino) {
		ssize_t r = mock_prw(MOCK_OP_PWRITE, fd, ino, (uintptr_t)buf, len, off);

		if (mock_done(r, fd, ino))
			return r;
	}
	return REAL(R_PWRITE64, prw64_fn)(fd, (void *)buf, len, off);
}

ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
ssize_t __pread_chk(int fd, void *buf, size_t len, off_t off, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t len, off64_t off, size_t buflen);

/* Fortified reads: libc's own check (and abort) first when the buffer is too small. */
EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	uint64_t ino = len <= buflen ? shim_fdt_get(fd) : 0;

	if (len <= buflen && failnth_is_fd(fd)) /* fail-nth: fail_nth_proc.c */
		return failnth_read(fd, buf, len, true, 0);
	if (ino) {
		ssize_t r = mock_rw(MOCK_OP_READ, fd, ino, (uintptr_t)buf, len, 0);

		if (mock_done(r, fd, ino))
			return r;
	}
	return REAL(R_READ_CHK, read_chk_fn)(fd, buf, len, buflen);
}

EXPORT ssize_t __pread_chk(int fd, void *buf, size_t len, off_t off, size_t buflen)
{
	uint64_t ino = len <= buflen ? shim_fdt_get(fd) : 0;

	if (len <= buflen && failnth_is_fd(fd)) /* fail-nth: fail_nth_proc.c */
		return failnth_read(fd, buf, len, false, off);
	if (ino) {
		ssize_t r = mock_prw(MOCK_OP_PREAD, fd, ino, (uintptr_t)buf, len, off);

		if (mock_done(r, fd, ino))
			return r;
	}
	return REAL(R_PREAD_CHK, pread_chk_fn)(fd, buf, len, off, buflen);
}

EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t len, off64_t off, size_t buflen)
{
	uint64_t ino = len <= buflen ? shim_fdt_get(fd) : 0;

	if (len <= buflen && failnth_is_fd(fd)) /* fail-nth: fail_nth_proc.c */
		return failnth_read(fd, buf, len, false, off);
	if (ino) {
		ssize_t r = mock_prw(MOCK_OP_PREAD, fd, ino, (uintptr_t)buf, len, off);

		if (mock_done(r, fd, ino))
			return r;
	}
	return REAL(R_PREAD64_CHK, pread64_chk_fn)(fd, buf, len, off, buflen);
}
