// SPDX-License-Identifier: MIT
/*
 * fail_nth_proc.c - the fault-injection files of a CONFIG_FAULT_INJECTION kernel,
 * for programs under kmod-mock (the kernel's iommufd_fail_nth selftest).
 *
 * - /proc/self/fail-nth, /proc/thread-self/fail-nth and
 *   /proc/{self,<our pid>}/task/<tid>/fail-nth: a real fd (a memfd, so that
 *   close, dup and fcntl just work) whose read and write shim.c hands to us;
 *   they read and set the thread's counter in the daemon (MOCK_OP_FAIL_NTH),
 *   whose core counts its fault points down. Always faked under the mock: a
 *   real kernel's counter would fail the shim's own syscalls, never the mock.
 * - /sys/kernel/debug/: only when the real one cannot be used (no writable
 *   failslab/ignore-gfp-wait): opendir/readdir/dirfd/closedir give a listing
 *   of the fail* directories, and their knobs open (through the dir fd or by
 *   absolute path) as memfds holding a default value that accept any write.
 *   The mock has one kind of fault point, so the knobs change nothing.
 *
 * Both exist only while a daemon is named (IOMMUFD_MOCK_SOCKET); without one
 * everything goes to libc. Requests use a short-lived control connection of
 * their own, so this file needs nothing of shim.c's connection handling.
 * Known limits: a dup of a fail-nth fd reads and writes the empty memfd; a
 * knob does not keep what was written; the fake DIR supports opendir,
 * readdir(64), rewinddir, dirfd and closedir only.
 */
/* readdir and readdir64 are distinct symbols; both are interposed. */
#undef _FILE_OFFSET_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fail_nth_proc.h"
#include "sysfs.h"
#include "memcheck.h"
#include "procfs.h"
#include "proto.h"

#define EXPORT __attribute__((visibility("default")))

static const char debugfs[] = "/sys/kernel/debug";

/* The fault-injection directories of a kernel with the iommufd selftest. */
static const char *const fail_dirs[] = { "failslab", "fail_page_alloc", "fail_iommufd" };

struct knob {
	const char *name;
	const char *value;
	unsigned int dir_mask; /* bit i: present in fail_dirs[i] */
};

static const struct knob knobs[] = {
	{ "probability", "0\n", 7 },
	{ "interval", "1\n", 7 },
	{ "times", "1\n", 7 },
	{ "space", "0\n", 7 },
	{ "verbose", "2\n", 7 },
	{ "verbose_ratelimit_interval_ms", "5000\n", 7 },
	{ "verbose_ratelimit_burst", "10\n", 7 },
	{ "task-filter", "N\n", 7 },
	{ "ignore-gfp-wait", "Y\n", 3 },
	{ "cache-filter", "N\n", 1 },
	{ "ignore-gfp-highmem", "Y\n", 2 },
	{ "min-order", "1\n", 2 },
};

/* ------------------------------------------------------------ registry ---- */

enum fake_kind { FAKE_DIR, FAKE_NTH };

/* An fd we made: confirmed by inode before use, as the program may close and reuse it. */
struct fake_fd {
	struct fake_fd *next;
	enum fake_kind kind;
	int fd;
	ino_t ino;
	pid_t tid; /* FAKE_NTH: whose counter */
};

struct fake_dir {
	struct fake_dir *next;
	int fd;
	unsigned int pos;
	struct dirent ent;
	struct dirent64 ent64;
};

unsigned int failnth_nr_fds;
static unsigned int nr_dir_fds;
static struct fake_fd *fake_fds;
static struct fake_dir *fake_dirs;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* A fork while another thread holds the lock must not leave the child's copy held. */
static void lock_take(void)
{
	pthread_mutex_lock(&lock);
}

static void lock_drop(void)
{
	pthread_mutex_unlock(&lock);
}

__attribute__((constructor)) static void failnth_init(void)
{
	pthread_atfork(lock_take, lock_drop, lock_drop);
}

static ino_t fd_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

static void fake_unlink_locked(struct fake_fd **pp)
{
	struct fake_fd *f = *pp;

	*pp = f->next;
	if (f->kind == FAKE_NTH)
		__atomic_sub_fetch(&failnth_nr_fds, 1, __ATOMIC_RELAXED);
	else
		__atomic_sub_fetch(&nr_dir_fds, 1, __ATOMIC_RELAXED);
	free(f);
}

/* The registered fd @fd of @kind, if it is still ours (copied out: no pointer escapes). */
static bool fake_lookup(int fd, enum fake_kind kind, struct fake_fd *out)
{
	struct fake_fd **pp;
	bool found = false;
	ino_t ino;

	if (fd < 0)
		return false;
	ino = fd_ino(fd);
	pthread_mutex_lock(&lock);
	for (pp = &fake_fds; *pp; pp = &(*pp)->next) {
		if ((*pp)->fd != fd || (*pp)->kind != kind)
			continue;
		if ((*pp)->ino == ino && ino) {
			*out = **pp;
			found = true;
		} else {
			fake_unlink_locked(pp); /* closed and reused */
		}
		break;
	}
	pthread_mutex_unlock(&lock);
	return found;
}

static int fake_register(int fd, enum fake_kind kind, pid_t tid)
{
	struct fake_fd *f = calloc(1, sizeof(*f)), **pp;

	if (!f)
		return -ENOMEM;
	*f = (struct fake_fd){ .kind = kind, .fd = fd, .ino = fd_ino(fd), .tid = tid };
	pthread_mutex_lock(&lock);
	/* An older entry for the same number is stale: that fd was closed. */
	for (pp = &fake_fds; *pp; pp = &(*pp)->next) {
		if ((*pp)->fd == fd) {
			fake_unlink_locked(pp);
			break;
		}
	}
	f->next = fake_fds;
	fake_fds = f;
	if (kind == FAKE_NTH)
		__atomic_add_fetch(&failnth_nr_fds, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&nr_dir_fds, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&lock);
	return 0;
}

static void fake_unregister(int fd)
{
	struct fake_fd **pp;

	pthread_mutex_lock(&lock);
	for (pp = &fake_fds; *pp; pp = &(*pp)->next) {
		if ((*pp)->fd == fd) {
			fake_unlink_locked(pp);
			break;
		}
	}
	pthread_mutex_unlock(&lock);
}

bool failnth_is_fd_slow(int fd)
{
	struct fake_fd f;

	return fake_lookup(fd, FAKE_NTH, &f);
}

/* ---------------------------------------------------------------- daemon ---- */

static bool under_mock(void)
{
	const char *name = getenv(MOCK_ENV_SOCKET);

	return name && *name;
}

/* One MOCK_OP_FAIL_NTH round trip; the result, or a negative errno. */
static long nth_request(pid_t tid, bool set, unsigned int nth)
{
	struct mock_req req = { .version = MOCK_PROTO_VERSION, .op = MOCK_OP_FAIL_NTH,
				.tid = gettid(), .cmd = set, .arg = (uint64_t)tid, .len = nth };

	return mock_proto_oneshot(&req);
}

/* ----------------------------------------------------------------- paths ---- */

/* The rest of @path after "/sys/kernel/debug" and its slashes, or NULL if elsewhere. */
static const char *debugfs_rest(const char *path)
{
	size_t n = sizeof(debugfs) - 1;

	if (strncmp(path, debugfs, n) || (path[n] && path[n] != '/'))
		return NULL;
	path += n;
	while (*path == '/')
		path++;
	return path;
}

static bool real_debugfs_usable(void)
{
	return access("/sys/kernel/debug/failslab/ignore-gfp-wait", W_OK) == 0;
}

static bool fake_debugfs(void)
{
	return under_mock() && !real_debugfs_usable();
}

/* The thread whose counter @path names, or 0 when it is not a fail-nth path of ours. */
static pid_t nth_target(const char *path)
{
	const char *s, *e = NULL;
	pid_t pid, tid;

	if (strncmp(path, "/proc/", 6))
		return 0;
	s = path + 6;
	if (!strcmp(s, "thread-self/fail-nth"))
		return gettid();
	if (!strncmp(s, "self/", 5)) {
		s += 5;
	} else {
		pid = procfs_parse_pid(s, &e);
		if (pid != getpid() || *e != '/')
			return 0;
		s = e + 1;
	}
	if (!strcmp(s, "fail-nth"))
		return getpid();
	if (strncmp(s, "task/", 5))
		return 0;
	tid = procfs_parse_pid(s + 5, &e);
	return tid && !strcmp(e, "/fail-nth") ? tid : 0;
}

static int dir_index(const char *name, size_t len)
{
	for (unsigned int i = 0; i < sizeof(fail_dirs) / sizeof(fail_dirs[0]); i++)
		if (strlen(fail_dirs[i]) == len && !strncmp(fail_dirs[i], name, len))
			return (int)i;
	return -1;
}

/* The knob "dir/knob" (extra slashes allowed) names, or NULL. */
static const struct knob *knob_find(const char *rest)
{
	const char *slash = strchr(rest, '/'), *name;
	int d;

	if (!slash)
		return NULL;
	d = dir_index(rest, (size_t)(slash - rest));
	if (d < 0)
		return NULL;
	for (name = slash; *name == '/'; name++)
		;
	for (unsigned int i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if ((knobs[i].dir_mask & (1u << d)) && !strcmp(knobs[i].name, name))
			return &knobs[i];
	return NULL;
}

/* What @dirfd + @path names inside the fake debugfs ("" = its root), or NULL. */
static const char *fake_debugfs_rest(int dirfd, const char *path)
{
	struct fake_fd f;

	if (path[0] == '/')
		return debugfs_rest(path);
	if (dirfd >= 0 && __atomic_load_n(&nr_dir_fds, __ATOMIC_RELAXED) &&
	    fake_lookup(dirfd, FAKE_DIR, &f))
		return path;
	return NULL;
}

bool failnth_owns_path(int dirfd, const char *path)
{
	const char *rest;

	if (!path)
		return false;
	if (!strncmp(path, "/proc/", 6))
		return nth_target(path) && under_mock();
	rest = fake_debugfs_rest(dirfd, path);
	/* a fake dir fd exists only while we fake; an absolute path asks again */
	return rest && (path[0] != '/' || fake_debugfs());
}

/* A memfd holding @content, or -1 with errno set. */
static int content_fd(const char *name, const char *content, int flags)
{
	size_t len = strlen(content);
	int fd = memfd_create(name, (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);

	if (fd < 0)
		return -1;
	if (len && pwrite(fd, content, len, 0) != (ssize_t)len) {
		int e = errno;

		close(fd);
		errno = e ? e : EIO;
		return -1;
	}
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY && ftruncate(fd, 0)) {
		close(fd);
		return -1;
	}
	if ((flags & O_APPEND) && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int fail_errno(int err)
{
	errno = err;
	return -1;
}

int failnth_open(int dirfd, const char *path, int flags)
{
	const struct knob *knob;
	const char *rest;
	char task[64];
	pid_t tid;
	int fd;

	tid = nth_target(path);
	if (tid) {
		/* the kernel's proc lookup: only a live thread of ours has the file */
		snprintf(task, sizeof(task), "/proc/self/task/%d", (int)tid);
		if (access(task, F_OK))
			return fail_errno(ENOENT);
		if (flags & O_DIRECTORY)
			return fail_errno(ENOTDIR);
		fd = memfd_create("fail-nth", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
		if (fd < 0)
			return -1;
		if (fake_register(fd, FAKE_NTH, tid)) {
			close(fd);
			return fail_errno(ENOMEM);
		}
		return fd;
	}

	rest = fake_debugfs_rest(dirfd, path);
	if (!rest)
		return fail_errno(ENOENT);
	if (!*rest) {
		/* the root itself: an fd that openat() resolves knobs against */
		if ((flags & O_ACCMODE) != O_RDONLY)
			return fail_errno(EISDIR);
		fd = memfd_create("debugfs", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
		if (fd < 0)
			return -1;
		if (fake_register(fd, FAKE_DIR, 0)) {
			close(fd);
			return fail_errno(ENOMEM);
		}
		return fd;
	}
	knob = knob_find(rest);
	if (!knob)
		return fail_errno(dir_index(rest, strlen(rest)) >= 0 ? EISDIR : ENOENT);
	if (flags & O_DIRECTORY)
		return fail_errno(ENOTDIR);
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return fail_errno(EEXIST);
	return content_fd(knob->name, knob->value, flags);
}

/* ------------------------------------------------------ fail-nth files ---- */

ssize_t failnth_read(int fd, void *buf, size_t len, bool at_pos, int64_t off)
{
	struct fake_fd f;
	char num[16];
	long ret;
	size_t n;

	if (!fake_lookup(fd, FAKE_NTH, &f))
		return fail_errno(EBADF);
	if (at_pos) {
		off = lseek(fd, 0, SEEK_CUR);
		if (off < 0)
			return -1;
	} else if (off < 0) {
		return fail_errno(EINVAL);
	}
	ret = nth_request(f.tid, false, 0);
	if (ret < 0)
		return fail_errno((int)-ret);
	snprintf(num, sizeof(num), "%u\n", (unsigned int)ret);
	n = strlen(num);
	if ((uint64_t)off >= n || !len)
		return 0;
	n -= (size_t)off;
	if (n > len)
		n = len;
	{
		/* Through the kernel: a bad buffer is EFAULT, not a crash. */
		struct iovec local = { .iov_base = num + off, .iov_len = n };
		struct iovec remote = { .iov_base = buf, .iov_len = n };

		if (process_vm_writev(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)n)
			return fail_errno(EFAULT);
		shim_mark_defined(buf, n);
	}
	if (at_pos && lseek(fd, off + (int64_t)n, SEEK_SET) < 0)
		return -1;
	return (ssize_t)n;
}

/* The kernel's kstrtouint(s, 0): [+]digits in base 0 (0x hex, 0 octal), one trailing '\n'. */
static int parse_uint(const char *s, unsigned int *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	bool any = false;

	if (*s == '+')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    ((s[2] >= '0' && s[2] <= '9') || (s[2] >= 'a' && s[2] <= 'f') ||
	     (s[2] >= 'A' && s[2] <= 'F'))) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	for (;; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (*s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			break;
		if (d >= base)
			break;
		v = v * base + d;
		if (v > UINT32_MAX)
			return -ERANGE;
		any = true;
	}
	if (*s == '\n')
		s++;
	if (!any || *s)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

ssize_t failnth_write(int fd, const void *buf, size_t len)
{
	/* what the kernel reads of the buffer: at most 34 characters of an unsigned int */
	char s[35];
	size_t n = len < sizeof(s) - 1 ? len : sizeof(s) - 1;
	struct iovec local = { .iov_base = s, .iov_len = n };
	struct iovec remote = { .iov_base = (void *)buf, .iov_len = n };
	struct fake_fd f;
	unsigned int nth;
	long ret;
	int err;

	if (!fake_lookup(fd, FAKE_NTH, &f))
		return fail_errno(EBADF);
	if (n && process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)n)
		return fail_errno(EFAULT);
	s[n] = '\0';
	err = parse_uint(s, &nth);
	if (err)
		return fail_errno(-err);
	ret = nth_request(f.tid, true, nth);
	if (ret < 0)
		return fail_errno((int)-ret);
	return (ssize_t)len;
}

/* ------------------------------------------------- fake debugfs listing ---- */

typedef DIR *(*opendir_fn)(const char *);
typedef struct dirent *(*readdir_fn)(DIR *);
typedef struct dirent64 *(*readdir64_fn)(DIR *);
typedef int (*closedir_fn)(DIR *);
typedef int (*dirfd_fn)(DIR *);
typedef void (*rewinddir_fn)(DIR *);

static void *real_fn(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p)
		abort(); /* no libc underneath */
	return p;
}

#define REAL_FN(type, name) ((type)real_fn(name))

static struct fake_dir *dir_find(DIR *d)
{
	struct fake_dir *fd;

	if (!__atomic_load_n(&fake_dirs, __ATOMIC_ACQUIRE))
		return NULL;
	pthread_mutex_lock(&lock);
	for (fd = fake_dirs; fd && (DIR *)fd != d; fd = fd->next)
		;
	pthread_mutex_unlock(&lock);
	return fd;
}

EXPORT DIR *opendir(const char *name)
{
	struct fake_dir *d;
	const char *rest = debugfs_rest(name);

	if (!rest || *rest || !fake_debugfs()) {
		char buf[PATH_MAX]; /* the mock devices' sysfs: sysfs.c */

		return REAL_FN(opendir_fn, "opendir")(shim_sysfs_redirect(name, buf, sizeof(buf),
									   false) ?: name);
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	d->fd = failnth_open(AT_FDCWD, debugfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0) {
		free(d);
		return NULL;
	}
	pthread_mutex_lock(&lock);
	d->next = fake_dirs;
	__atomic_store_n(&fake_dirs, d, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&lock);
	return (DIR *)d;
}

/* The name and type of entry @pos of the listing; false past the end. */
static bool dir_entry(unsigned int pos, const char **name, unsigned char *type)
{
	static const char *const dots[] = { ".", ".." };
	unsigned int nr_dirs = sizeof(fail_dirs) / sizeof(fail_dirs[0]);

	*type = DT_DIR;
	if (pos < 2) {
		*name = dots[pos];
		return true;
	}
	if (pos - 2 < nr_dirs) {
		*name = fail_dirs[pos - 2];
		return true;
	}
	return false;
}

EXPORT struct dirent *readdir(DIR *dir)
{
	struct fake_dir *d = dir_find(dir);
	unsigned char type;
	const char *name;

	if (!d)
		return REAL_FN(readdir_fn, "readdir")(dir);
	if (!dir_entry(d->pos, &name, &type))
		return NULL;
	memset(&d->ent, 0, sizeof(d->ent));
	d->ent.d_ino = 1000 + d->pos;
	d->ent.d_off = ++d->pos;
	d->ent.d_reclen = sizeof(d->ent);
	d->ent.d_type = type;
	snprintf(d->ent.d_name, sizeof(d->ent.d_name), "%s", name);
	return &d->ent;
}

EXPORT struct dirent64 *readdir64(DIR *dir)
{
	struct fake_dir *d = dir_find(dir);
	unsigned char type;
	const char *name;

	if (!d)
		return REAL_FN(readdir64_fn, "readdir64")(dir);
	if (!dir_entry(d->pos, &name, &type))
		return NULL;
	memset(&d->ent64, 0, sizeof(d->ent64));
	d->ent64.d_ino = 1000 + d->pos;
	d->ent64.d_off = ++d->pos;
	d->ent64.d_reclen = sizeof(d->ent64);
	d->ent64.d_type = type;
	snprintf(d->ent64.d_name, sizeof(d->ent64.d_name), "%s", name);
	return &d->ent64;
}

EXPORT void rewinddir(DIR *dir)
{
	struct fake_dir *d = dir_find(dir);

	if (!d) {
		REAL_FN(rewinddir_fn, "rewinddir")(dir);
		return;
	}
	d->pos = 0;
}

EXPORT int dirfd(DIR *dir)
{
	struct fake_dir *d = dir_find(dir);

	if (!d)
		return REAL_FN(dirfd_fn, "dirfd")(dir);
	return d->fd;
}

EXPORT int closedir(DIR *dir)
{
	struct fake_dir **pp, *d = NULL;

	if (__atomic_load_n(&fake_dirs, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&lock);
		for (pp = &fake_dirs; *pp; pp = &(*pp)->next) {
			if ((DIR *)*pp == dir) {
				d = *pp;
				*pp = d->next;
				break;
			}
		}
		pthread_mutex_unlock(&lock);
	}
	if (!d)
		return REAL_FN(closedir_fn, "closedir")(dir);
	fake_unregister(d->fd);
	close(d->fd);
	free(d);
	return 0;
}
