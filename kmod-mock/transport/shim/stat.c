// SPDX-License-Identifier: MIT
/*
 * stat.c - the path calls that look at files without opening them: stat,
 * lstat, fstat, fstatat, statx, access, faccessat, readlink, readlinkat and
 * realpath. They answer for the mock's device nodes as the kernel's devtmpfs
 * would (S_IFCHR with the numbers sysfs names: sysfs.h), see the mock
 * devices' sysfs tree (sysfs.c), and pass everything else to libc. The
 * shim's own books use the kernel's fstat (shim_raw_fstat), which still
 * says socket.
 *
 * Not seen: the glibc < 2.33 entry points (__xstat and kin) of old binaries,
 * and lookups glibc makes internally (its own realpath is replaced here).
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/sysmacros.h>

#include "shim-internal.h"
#include "sysfs.h"

/* The next definition of @name after ours, looked up once. */
static void *next_fn(void **slot, const char *name)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (!p) {
		p = dlsym(RTLD_NEXT, name);
		if (!p)
			abort(); /* no libc underneath */
		__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	}
	return p;
}

#define NEXT(type, name)                                                                  \
	({                                                                                 \
		static void *slot_;                                                        \
		(type) next_fn(&slot_, name);                                              \
	})

typedef int (*stat_fn)(const char *, struct stat *);
typedef int (*stat64_fn)(const char *, struct stat64 *);
typedef int (*fstat_fn)(int, struct stat *);
typedef int (*fstat64_fn)(int, struct stat64 *);
typedef int (*fstatat_fn)(int, const char *, struct stat *, int);
typedef int (*fstatat64_fn)(int, const char *, struct stat64 *, int);
typedef int (*statx_fn)(int, const char *, int, unsigned int, struct statx *);
typedef int (*access_fn)(const char *, int);
typedef int (*faccessat_fn)(int, const char *, int, int);
typedef ssize_t (*readlink_fn)(const char *, char *, size_t);
typedef ssize_t (*readlinkat_fn)(int, const char *, char *, size_t);
typedef char *(*realpath_fn)(const char *, char *);

static void to64(const struct stat *s, struct stat64 *d)
{
	memset(d, 0, sizeof(*d));
	d->st_dev = s->st_dev;
	d->st_ino = s->st_ino;
	d->st_mode = s->st_mode;
	d->st_nlink = s->st_nlink;
	d->st_uid = s->st_uid;
	d->st_gid = s->st_gid;
	d->st_rdev = s->st_rdev;
	d->st_size = s->st_size;
	d->st_blksize = s->st_blksize;
	d->st_blocks = s->st_blocks;
	d->st_atim = s->st_atim;
	d->st_mtim = s->st_mtim;
	d->st_ctim = s->st_ctim;
}

static int answered(int r)
{
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

/* A mock device node's stat: 1 answered (0 or -1 in *ret), 0 not ours. */
static int node_stat(const char *path, bool follow, struct stat *st, int *ret)
{
	int r = shim_sysfs_node_stat(path, follow, st);

	if (r)
		*ret = answered(r);
	return r != 0;
}

/* fstat of a mock file opened as a device node. */
static bool fd_stat(int fd, struct stat *st)
{
	uint64_t ino = shim_fdt_get(fd);

	return ino && shim_sysfs_fd_stat(ino, st);
}

#define REDIRECT(path, buf) shim_sysfs_redirect(path, buf, sizeof(buf), false) ?: (path)

EXPORT int stat(const char *path, struct stat *st)
{
	char buf[PATH_MAX];
	int ret;

	if (node_stat(path, true, st, &ret))
		return ret;
	return NEXT(stat_fn, "stat")(REDIRECT(path, buf), st);
}

EXPORT int lstat(const char *path, struct stat *st)
{
	char buf[PATH_MAX];
	int ret;

	if (node_stat(path, false, st, &ret))
		return ret;
	return NEXT(stat_fn, "lstat")(REDIRECT(path, buf), st);
}

EXPORT int stat64(const char *path, struct stat64 *st)
{
	char buf[PATH_MAX];
	struct stat s;
	int ret;

	if (node_stat(path, true, &s, &ret)) {
		to64(&s, st);
		return ret;
	}
	return NEXT(stat64_fn, "stat64")(REDIRECT(path, buf), st);
}

EXPORT int lstat64(const char *path, struct stat64 *st)
{
	char buf[PATH_MAX];
	struct stat s;
	int ret;

	if (node_stat(path, false, &s, &ret)) {
		to64(&s, st);
		return ret;
	}
	return NEXT(stat64_fn, "lstat64")(REDIRECT(path, buf), st);
}

EXPORT int fstat(int fd, struct stat *st)
{
	if (fd_stat(fd, st))
		return 0;
	return NEXT(fstat_fn, "fstat")(fd, st);
}

EXPORT int fstat64(int fd, struct stat64 *st)
{
	struct stat s;

	if (fd_stat(fd, &s)) {
		to64(&s, st);
		return 0;
	}
	return NEXT(fstat64_fn, "fstat64")(fd, st);
}

/* fstatat and statx: 1 when answered here (*st filled, or -1 in *ret). */
static int at_stat(int dirfd, const char *path, int flags, struct stat *st, int *ret)
{
	if (path && !*path && (flags & AT_EMPTY_PATH)) {
		*ret = 0;
		return fd_stat(dirfd, st);
	}
	return path && path[0] == '/' && node_stat(path, !(flags & AT_SYMLINK_NOFOLLOW), st, ret);
}

EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	char buf[PATH_MAX];
	int ret;

	if (at_stat(dirfd, path, flags, st, &ret))
		return ret;
	return NEXT(fstatat_fn, "fstatat")(dirfd, REDIRECT(path, buf), st, flags);
}

EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	char buf[PATH_MAX];
	struct stat s;
	int ret;

	if (at_stat(dirfd, path, flags, &s, &ret)) {
		to64(&s, st);
		return ret;
	}
	return NEXT(fstatat64_fn, "fstatat64")(dirfd, REDIRECT(path, buf), st, flags);
}

EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx)
{
	char buf[PATH_MAX];
	struct stat s;
	int ret;

	if (at_stat(dirfd, path, flags, &s, &ret)) {
		if (ret)
			return ret;
		memset(stx, 0, sizeof(*stx));
		stx->stx_mask = STATX_BASIC_STATS;
		stx->stx_blksize = (uint32_t)s.st_blksize;
		stx->stx_nlink = (uint32_t)s.st_nlink;
		stx->stx_uid = s.st_uid;
		stx->stx_gid = s.st_gid;
		stx->stx_mode = (uint16_t)s.st_mode;
		stx->stx_ino = s.st_ino;
		stx->stx_atime = (struct statx_timestamp){ s.st_atim.tv_sec, (uint32_t)s.st_atim.tv_nsec, 0 };
		stx->stx_mtime = (struct statx_timestamp){ s.st_mtim.tv_sec, (uint32_t)s.st_mtim.tv_nsec, 0 };
		stx->stx_ctime = (struct statx_timestamp){ s.st_ctim.tv_sec, (uint32_t)s.st_ctim.tv_nsec, 0 };
		stx->stx_rdev_major = major(s.st_rdev);
		stx->stx_rdev_minor = minor(s.st_rdev);
		stx->stx_dev_major = major(s.st_dev);
		stx->stx_dev_minor = minor(s.st_dev);
		return 0;
	}
	return NEXT(statx_fn, "statx")(dirfd, REDIRECT(path, buf), flags, mask, stx);
}

EXPORT int access(const char *path, int mode)
{
	char buf[PATH_MAX];
	struct stat s;
	int ret;

	if (node_stat(path, true, &s, &ret))
		return ret;
	return NEXT(access_fn, "access")(REDIRECT(path, buf), mode);
}

EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	char buf[PATH_MAX];
	struct stat s;
	int ret;

	if (path[0] == '/' && node_stat(path, !(flags & AT_SYMLINK_NOFOLLOW), &s, &ret))
		return ret;
	return NEXT(faccessat_fn, "faccessat")(dirfd, REDIRECT(path, buf), mode, flags);
}

EXPORT ssize_t readlink(const char *path, char *out, size_t len)
{
	char buf[PATH_MAX];

	return NEXT(readlink_fn, "readlink")(REDIRECT(path, buf), out, len);
}

EXPORT ssize_t readlinkat(int dirfd, const char *path, char *out, size_t len)
{
	char buf[PATH_MAX];

	return NEXT(readlinkat_fn, "readlinkat")(dirfd, REDIRECT(path, buf), out, len);
}

ssize_t __readlink_chk(const char *path, char *out, size_t len, size_t outlen);

EXPORT ssize_t __readlink_chk(const char *path, char *out, size_t len, size_t outlen)
{
	if (len > outlen)
		abort(); /* as glibc's check */
	return readlink(path, out, len);
}

/* ------------------------------------------------------------- realpath ---- */

/* Drop the last component of @res (at least "/" stays, as ""). */
static void up(char *res, size_t *rl)
{
	while (*rl && res[*rl - 1] != '/')
		(*rl)--;
	if (*rl)
		(*rl)--;
	res[*rl] = 0;
}

/*
 * realpath() that follows links with the readlink and lstat above, so that
 * a path through the mock's sysfs names what a kernel would name. @path is
 * absolute.
 */
static char *resolve(const char *path, char *out)
{
	char work[2 * PATH_MAX], res[PATH_MAX], target[PATH_MAX], comp[NAME_MAX + 1];
	size_t rl = 0;
	unsigned int links = 0;
	const char *p;

	if (strlen(path) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	snprintf(work, sizeof(work), "%s", path);
	p = work;
	res[0] = 0;
	while (*p) {
		size_t n;
		struct stat st;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n)
			break;
		if (n > NAME_MAX) {
			errno = ENAMETOOLONG;
			return NULL;
		}
		memcpy(comp, p, n);
		comp[n] = 0;
		p += n;
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			up(res, &rl);
			continue;
		}
		if (rl + 1 + n >= sizeof(res)) {
			errno = ENAMETOOLONG;
			return NULL;
		}
		res[rl++] = '/';
		memcpy(res + rl, comp, n + 1);
		rl += n;
		if (lstat(res, &st))
			return NULL;
		if (S_ISLNK(st.st_mode)) {
			char rest[2 * PATH_MAX];
			ssize_t tl;

			if (++links > 40) {
				errno = ELOOP;
				return NULL;
			}
			tl = readlink(res, target, sizeof(target) - 1);
			if (tl < 0)
				return NULL;
			target[tl] = 0;
			if ((size_t)snprintf(rest, sizeof(rest), "%s/%s", target, p) >= sizeof(work)) {
				errno = ENAMETOOLONG;
				return NULL;
			}
			memcpy(work, rest, strlen(rest) + 1);
			p = work;
			if (target[0] == '/') {
				rl = 0;
				res[0] = 0;
			} else {
				up(res, &rl);
			}
		} else if (*p && !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			return NULL;
		}
	}
	if (!rl) {
		res[rl++] = '/';
		res[rl] = 0;
	}
	if (!out) {
		out = strdup(res);
		if (!out)
			errno = ENOMEM;
		return out;
	}
	memcpy(out, res, rl + 1);
	return out;
}

/* Only paths that can reach the mock's names are resolved here. */
static bool resolve_here(const char *path)
{
	return path && (!strncmp(path, "/sys/", 5) || !strncmp(path, "/dev/char/", 10));
}

EXPORT char *realpath(const char *path, char *out)
{
	if (resolve_here(path))
		return resolve(path, out);
	return NEXT(realpath_fn, "realpath")(path, out);
}

char *__realpath_chk(const char *path, char *out, size_t outlen);

EXPORT char *__realpath_chk(const char *path, char *out, size_t outlen)
{
	if (out && outlen < PATH_MAX)
		abort(); /* as glibc's check */
	return realpath(path, out);
}

EXPORT char *canonicalize_file_name(const char *path)
{
	return realpath(path, NULL);
}
