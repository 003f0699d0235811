// SPDX-License-Identifier: MIT
/*
 * procfs.c - /proc/<pid>/status as a kernel with iommufd shows it, for
 * programs under kmod-mock (the kernel selftest's change_process tests).
 *
 * The kernel counts the pages iommufd pins in mm->pinned_vm (VmPin) and, with
 * IOMMU_OPTION_RLIMIT_MODE per process, in mm->locked_vm (VmLck). The mock
 * daemon keeps those counts per process (mock_kernel_pinned_vm); the real
 * file cannot show them. So an open for reading of /proc/self/status,
 * /proc/thread-self/status, /proc/<pid>/status or /proc/<pid>/task/<tid>/status
 * reads the real file, adds the daemon's counts of that process to its VmPin
 * and VmLck lines (MOCK_OP_PINNED_VM) and hands out a memfd holding the
 * result: a real fd, so read, close, dup and stdio just work. The snapshot is
 * taken at open time (the kernel makes it at the first read).
 *
 * Only while a daemon is named (IOMMUFD_MOCK_SOCKET); when the daemon cannot
 * answer, the real file is opened unchanged. glibc's fopen opens through an
 * internal entry that open() interposition does not see, so fopen and fopen64
 * are interposed here. Requests use a short-lived control connection of their
 * own, as in fail_nth_proc.c.
 */
#undef _FILE_OFFSET_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "procfs.h"
#include "sysfs.h"
#include "proto.h"

#define EXPORT __attribute__((visibility("default")))

/* The real status file is ~1.5 KiB; anything beyond this is not a status file. */
#define STATUS_MAX (64 * 1024)

static bool under_mock(void)
{
	const char *name = getenv(MOCK_ENV_SOCKET);

	return name && *name;
}

pid_t procfs_parse_pid(const char *s, const char **end)
{
	long v = 0;

	if (*s < '1' || *s > '9')
		return 0;
	while (*s >= '0' && *s <= '9' && v <= INT_MAX)
		v = v * 10 + (*s++ - '0');
	*end = s;
	return v > INT_MAX ? 0 : (pid_t)v;
}

/* The process whose status @path names, or 0 when it is not a status path. */
static pid_t status_target(const char *path)
{
	const char *s, *e = NULL;
	pid_t pid;

	if (strncmp(path, "/proc/", 6))
		return 0;
	s = path + 6;
	if (!strcmp(s, "thread-self/status"))
		return getpid();
	if (!strncmp(s, "self/", 5)) {
		pid = getpid();
		s += 4;
	} else {
		pid = procfs_parse_pid(s, &e);
		if (!pid)
			return 0;
		s = e;
	}
	if (!strcmp(s, "/status"))
		return pid;
	/* a thread's file shows its process's memory counters */
	if (strncmp(s, "/task/", 6) || !procfs_parse_pid(s + 6, &e))
		return 0;
	return strcmp(e, "/status") ? 0 : pid;
}

bool procfs_owns_path(int dirfd, const char *path, int flags)
{
	(void)dirfd; /* only absolute paths are ours, and they ignore it */
	return path && (flags & O_ACCMODE) == O_RDONLY && !(flags & (O_CREAT | O_DIRECTORY)) &&
	       status_target(path) && under_mock();
}

/* One MOCK_OP_PINNED_VM round trip: pages, or a negative errno. */
static long pinned_request(pid_t pid, bool locked)
{
	struct mock_req req = { .version = MOCK_PROTO_VERSION, .op = MOCK_OP_PINNED_VM,
				.tid = gettid(), .cmd = locked, .arg = (uint64_t)pid };

	return mock_proto_oneshot(&req);
}

/* Read all of @fd into @buf (at most @cap bytes); the length or -1. */
static ssize_t read_all(int fd, char *buf, size_t cap)
{
	size_t done = 0;

	while (done < cap) {
		ssize_t n = read(fd, buf + done, cap - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static bool write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

struct status_add {
	const char *tag;         /* "VmPin:" */
	unsigned long long kb;   /* added to the line's value */
};

/*
 * Copy @in to @out (which has room for @len plus 32 bytes per added line) with
 * the values of the lines @add names raised, in the kernel's layout (the value
 * right-aligned in 8 columns).
 */
static size_t rewrite(const char *in, size_t len, char *out, const struct status_add *add,
		      unsigned int nr_add)
{
	unsigned int done = 0; /* bit a: add[a] applied; only the first such line */
	size_t o = 0, i = 0;

	while (i < len) {
		const char *nl = memchr(in + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (in + i)) + 1 : len - i;
		unsigned int a;

		for (a = 0; a != nr_add; a++) {
			size_t tlen = strlen(add[a].tag);

			if (!(done & (1u << a)) && add[a].kb && l > tlen &&
			    !strncmp(in + i, add[a].tag, tlen))
				break;
		}
		if (a != nr_add) {
			unsigned long long v = strtoull(in + i + strlen(add[a].tag), NULL, 10);

			/* at most 6 + 1 + 20 + 4 bytes: room as promised */
			done |= 1u << a;
			o += (size_t)sprintf(out + o, "%s\t%8llu kB\n", add[a].tag, v + add[a].kb);
		} else {
			memcpy(out + o, in + i, l);
			o += l;
		}
		i += l;
	}
	return o;
}

int procfs_open(int dirfd, const char *path, int flags)
{
	long pinned, locked, kb_per_page = sysconf(_SC_PAGESIZE) / 1024;
	int real_fd, memfd = -1, err;
	char *in = NULL, *out = NULL;
	struct status_add add[2];
	ssize_t len;

	real_fd = (int)syscall(SYS_openat, dirfd, path, flags, 0);
	if (real_fd < 0)
		return -1;
	pinned = pinned_request(status_target(path), false);
	locked = pinned_request(status_target(path), true);
	if (pinned < 0 || locked < 0 || kb_per_page <= 0)
		return real_fd; /* no daemon answer: the real file */
	in = malloc(STATUS_MAX);
	out = malloc(STATUS_MAX + 128);
	if (!in || !out)
		goto fail;
	len = read_all(real_fd, in, STATUS_MAX);
	if (len < 0)
		goto fail;
	add[0] = (struct status_add){ "VmLck:", (unsigned long long)locked * kb_per_page };
	add[1] = (struct status_add){ "VmPin:", (unsigned long long)pinned * kb_per_page };
	/* two rewritten lines of at most 32 bytes each fit in the margin */
	len = (ssize_t)rewrite(in, (size_t)len, out, add, 2);
	memfd = memfd_create("status", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (memfd < 0)
		goto fail;
	if (!write_all(memfd, out, (size_t)len) || lseek(memfd, 0, SEEK_SET))
		goto fail;
	free(in);
	free(out);
	close(real_fd);
	return memfd;
fail:
	err = errno ? errno : ENOMEM;
	if (memfd >= 0)
		close(memfd);
	free(in);
	free(out);
	close(real_fd);
	errno = err;
	return -1;
}

/* ---------------------------------------------------------------- stdio ---- */

typedef FILE *(*fopen_fn)(const char *, const char *);

/* The open(2) flags of a read-only fopen @mode, or -1 for any other mode. */
static int read_mode_flags(const char *mode)
{
	int flags = O_RDONLY;

	if (!mode || mode[0] != 'r')
		return -1;
	for (mode++; *mode && *mode != ','; mode++) {
		if (*mode == '+')
			return -1;
		if (*mode == 'e')
			flags |= O_CLOEXEC;
	}
	return flags;
}

static FILE *status_fopen(const char *path, const char *mode, const char *real_name)
{
	int flags = read_mode_flags(mode);
	char buf[PATH_MAX];
	fopen_fn real;
	FILE *f;
	int fd;

	if (flags >= 0 && procfs_owns_path(AT_FDCWD, path, flags)) {
		fd = procfs_open(AT_FDCWD, path, flags);
		if (fd < 0)
			return NULL;
		f = fdopen(fd, "r");
		if (!f) {
			int err = errno;

			close(fd);
			errno = err;
		}
		return f;
	}
	real = (fopen_fn)dlsym(RTLD_NEXT, real_name);
	if (!real) {
		errno = ENOSYS;
		return NULL;
	}
	/* the mock devices' sysfs: sysfs.c */
	return real(shim_sysfs_redirect(path, buf, sizeof(buf), true) ?: path, mode);
}

FILE *fopen64(const char *path, const char *mode);

EXPORT FILE *fopen(const char *path, const char *mode)
{
	return status_fopen(path, mode, "fopen");
}

EXPORT FILE *fopen64(const char *path, const char *mode)
{
	return status_fopen(path, mode, "fopen64");
}
