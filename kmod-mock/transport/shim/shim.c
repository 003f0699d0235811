// SPDX-License-Identifier: MIT
/*
 * shim.c - libiommufd-mock.so, the client side of kmod-mock.
 *
 * Loaded with LD_PRELOAD (or linked into a test program), it makes the mock
 * devices appear: open() of /dev/iommu, /dev/vfio/vfio and /dev/vfio/devices/vfioN
 * gets a socket from iommufd-mockd instead, and ioctl/read/write/pread/pwrite
 * on such fds are forwarded to the daemon, which touches the caller's memory
 * itself. Everything else goes straight to libc. This file owns open() of
 * the mock paths, the test API and the constructor; the rest is in
 * fds.c (libc underneath, the fd -> mock inode table and its upkeep),
 * conn.c (starting a private daemon, the per-thread control connection, one
 * request and its reply), ioctl.c, rw.c and mappings.c (shim-internal.h).
 *
 * mmap of a mock fd maps memory the daemon sends (proto.h); the shim keeps a
 * close-on-exec duplicate of the mock fd per mapping, as a kernel VMA holds
 * its file, so the file outlives a close() of the fd while it is mapped.
 * Known limits: mremap of such a mapping is not followed; a munmap releases a
 * mapping once every page of it is gone (pieces are tracked), a raw munmap
 * syscall is not seen.
 */
/* Define open/open64, pread/pread64, fcntl/fcntl64 as the distinct symbols they are. */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "shim-internal.h"
#include "sysfs.h"

/* ----------------------------------------------------------------- open ---- */

static bool is_mock_path(const char *path)
{
	static const char devices[] = "/dev/vfio/devices/";
	static const char groups[] = "/dev/vfio/";

	if (!path)
		return false;
	/* the VFIO groups /dev/vfio/N: digits only */
	if (!strncmp(path, groups, sizeof(groups) - 1) && path[sizeof(groups) - 1] &&
	    strspn(path + sizeof(groups) - 1, "0123456789") == strlen(path + sizeof(groups) - 1))
		return true;
	return !strcmp(path, "/dev/iommu") || !strcmp(path, "/dev/vfio/vfio") ||
	       (!strncmp(path, devices, sizeof(devices) - 1) && path[sizeof(devices) - 1]);
}

static int mock_open_path(const char *path, int flags)
{
	struct mock_req req = { .op = MOCK_OP_OPEN, .oflags = flags };
	struct mock_reply rep;
	int fds[MOCK_PROTO_MAX_NEWFD];
	int err, fd;

	if (strlen(path) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	err = shim_transact(&req, path, strlen(path) + 1, true, -1, &rep, fds);
	/* Our daemon went away since the last call (idle exit): once more, which starts one. */
	if (err == -ENODEV)
		err = shim_transact(&req, path, strlen(path) + 1, true, -1, &rep, fds);
	if (err)
		return (int)shim_fail(err);
	fd = (int)shim_fail(shim_finish(&rep, fds));
	if (fd >= 0) /* its fstat() shows the device node: sysfs.c */
		shim_sysfs_opened(shim_fdt_get(fd), path);
	return fd;
}

static mode_t open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

EXPORT int open(const char *path, int flags, ...)
{
	char buf[PATH_MAX];
	va_list ap;
	mode_t mode;

	if (failnth_owns_path(AT_FDCWD, path)) /* fail-nth: fail_nth_proc.c */
		return failnth_open(AT_FDCWD, path, flags);
	if (procfs_owns_path(AT_FDCWD, path, flags)) /* VmPin/VmLck: procfs.c */
		return procfs_open(AT_FDCWD, path, flags);
	if (is_mock_path(path))
		return mock_open_path(path, flags);
	if (shim_sysfs_dev_char(path, buf, sizeof(buf))) /* /dev/char/MAJ:MIN: sysfs.c */
		return mock_open_path(buf, flags);
	path = shim_sysfs_redirect(path, buf, sizeof(buf), true) ?: path;
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return REAL(R_OPEN, open_fn)(path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
	char buf[PATH_MAX];
	va_list ap;
	mode_t mode;

	if (failnth_owns_path(AT_FDCWD, path)) /* fail-nth: fail_nth_proc.c */
		return failnth_open(AT_FDCWD, path, flags);
	if (procfs_owns_path(AT_FDCWD, path, flags)) /* VmPin/VmLck: procfs.c */
		return procfs_open(AT_FDCWD, path, flags);
	if (is_mock_path(path))
		return mock_open_path(path, flags);
	if (shim_sysfs_dev_char(path, buf, sizeof(buf))) /* /dev/char/MAJ:MIN: sysfs.c */
		return mock_open_path(buf, flags);
	path = shim_sysfs_redirect(path, buf, sizeof(buf), true) ?: path;
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return REAL(R_OPEN64, open_fn)(path, flags, mode);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	char buf[PATH_MAX];
	va_list ap;
	mode_t mode;

	if (failnth_owns_path(dirfd, path)) /* fail-nth: fail_nth_proc.c */
		return failnth_open(dirfd, path, flags);
	if (procfs_owns_path(dirfd, path, flags)) /* VmPin/VmLck: procfs.c */
		return procfs_open(dirfd, path, flags);
	/* An absolute path ignores dirfd, AT_FDCWD included. */
	if (is_mock_path(path))
		return mock_open_path(path, flags);
	if (shim_sysfs_dev_char(path, buf, sizeof(buf))) /* /dev/char/MAJ:MIN: sysfs.c */
		return mock_open_path(buf, flags);
	path = shim_sysfs_redirect(path, buf, sizeof(buf), true) ?: path;
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return REAL(R_OPENAT, openat_fn)(dirfd, path, flags, mode);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	char buf[PATH_MAX];
	va_list ap;
	mode_t mode;

	if (failnth_owns_path(dirfd, path)) /* fail-nth: fail_nth_proc.c */
		return failnth_open(dirfd, path, flags);
	if (procfs_owns_path(dirfd, path, flags)) /* VmPin/VmLck: procfs.c */
		return procfs_open(dirfd, path, flags);
	if (is_mock_path(path))
		return mock_open_path(path, flags);
	if (shim_sysfs_dev_char(path, buf, sizeof(buf))) /* /dev/char/MAJ:MIN: sysfs.c */
		return mock_open_path(buf, flags);
	path = shim_sysfs_redirect(path, buf, sizeof(buf), true) ?: path;
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return REAL(R_OPENAT64, openat_fn)(dirfd, path, flags, mode);
}

/* The _FORTIFY_SOURCE entry points: open without a mode argument. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

EXPORT int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

EXPORT int __open64_2(const char *path, int flags)
{
	return open64(path, flags);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return openat64(dirfd, path, flags);
}


/* ------------------------------------------------------------ test API ---- */

/* @fd: the file @ino names (the proof that we hold it), or -1. */
static long simple_op(enum mock_proto_op op, uint64_t ino, bool may_start, int fd)
{
	struct mock_req req = { .op = op, .ino = ino };
	struct mock_reply rep;
	int fds[MOCK_PROTO_MAX_NEWFD];
	int err = shim_transact(&req, NULL, 0, may_start, fd, &rep, fds);

	if (err)
		return shim_fail(err);
	return shim_fail(shim_finish(&rep, fds));
}

IOMMUFD_MOCK_API long iommufd_mock_daemon_files(void)
{
	return simple_op(MOCK_OP_STATS, 0, false, -1);
}

IOMMUFD_MOCK_API pid_t iommufd_mock_daemon_pid(void)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd = shim_ctl_get(true);

	if (fd < 0)
		return (pid_t)shim_fail(fd);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return -1;
	return cred.pid;
}

IOMMUFD_MOCK_API int iommufd_mock_is_mock_fd(int fd)
{
	uint64_t ino = shim_sock_ino(fd);

	if (!ino)
		return 0;
	return (int)simple_op(MOCK_OP_QUERY, ino, false, fd);
}


/* ---------------------------------------------------------- constructor ---- */

/*
 * After exec the fd table is empty, but mock fds may have been inherited: ask
 * the daemon about every socket we hold, so read/write on them keep working.
 * Only when a daemon is named, so ordinary programs pay nothing.
 */
static void adopt_inherited_fds(void)
{
	const char *name = getenv(MOCK_ENV_SOCKET);
	struct dirent *de;
	DIR *dir;

	if (!name || !*name)
		return;
	/* A fresh image maps nothing: references the old one held are void. */
	simple_op(MOCK_OP_MMAP_FORGET, 0, false, -1);
	dir = opendir("/proc/self/fd");
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		uint64_t ino;

		if (*end || end == de->d_name || fd < 0 || fd > INT_MAX || fd == dirfd(dir) ||
		    fd == shim_ctl.fd)
			continue;
		ino = shim_sock_ino((int)fd);
		if (ino && simple_op(MOCK_OP_QUERY, ino, false, (int)fd) == 1)
			shim_fdt_set((int)fd, ino);
	}
	closedir(dir);
}

/*
 * At exit the thread calling exit() closes its control connection (other
 * threads' go with their pthread key destructors): the program ends with no
 * fd of ours open, as it would on a real kernel. A call made after this,
 * from a later destructor, connects again.
 */
__attribute__((destructor)) static void shim_fini(void)
{
	int saved = errno;

	if (shim_ctl.fd >= 0)
		shim_ctl_forget(&shim_ctl, shim_ctl.pid == getpid());
	errno = saved;
}

__attribute__((constructor)) static void shim_init(void)
{
	int saved = errno;

	/* The daemon reads and writes our memory like a kernel; Yama may be absent. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	pthread_atfork(shim_maps_prepare, shim_maps_parent, shim_maps_child);
	adopt_inherited_fds();
	errno = saved;
}
