// SPDX-License-Identifier: MIT
/*
 * shim.c - libiommufd-mock.so, the client side of kmod-mock.
 *
 * Loaded with LD_PRELOAD (or linked into a test program), it makes the mock
 * devices appear: open() of /dev/iommu, /dev/vfio/vfio and /dev/vfio/devices/vfioN
 * gets a socket from iommufd-mockd instead, and ioctl/read/write/pread/pwrite
 * on such fds are forwarded to the daemon, which touches the caller's memory
 * itself. Everything else goes straight to libc. This file owns: the
 * interposed libc entry points, the per-thread control connection, the
 * process-local fd -> mock inode table, and starting a private daemon.
 */
/* Define open/open64, pread/pread64, fcntl/fcntl64 as the distinct symbols they are. */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iommufd-mock.h"
#include "proto.h"

#ifndef MOCK_MOCKD_PATH
#define MOCK_MOCKD_PATH "/usr/local/libexec/iommufd-mockd"
#endif

/* ioctl type of every iommufd and VFIO request: ';'. */
#define MOCK_IOC_TYPE 0x3b

#define EXPORT __attribute__((visibility("default")))

/* ---------------------------------------------------------------- libc ---- */

enum real_fn {
	R_OPEN, R_OPEN64, R_OPENAT, R_OPENAT64, R_CLOSE, R_IOCTL, R_READ, R_WRITE, R_PREAD,
	R_PREAD64, R_PWRITE, R_PWRITE64, R_READ_CHK, R_PREAD_CHK, R_PREAD64_CHK, R_DUP, R_DUP2,
	R_DUP3, R_FCNTL, R_FCNTL64, R_MAX
};

static const char *const real_names[R_MAX] = {
	[R_OPEN] = "open", [R_OPEN64] = "open64", [R_OPENAT] = "openat",
	[R_OPENAT64] = "openat64", [R_CLOSE] = "close", [R_IOCTL] = "ioctl", [R_READ] = "read",
	[R_WRITE] = "write", [R_PREAD] = "pread", [R_PREAD64] = "pread64", [R_PWRITE] = "pwrite",
	[R_PWRITE64] = "pwrite64", [R_READ_CHK] = "__read_chk", [R_PREAD_CHK] = "__pread_chk",
	[R_PREAD64_CHK] = "__pread64_chk", [R_DUP] = "dup", [R_DUP2] = "dup2", [R_DUP3] = "dup3",
	[R_FCNTL] = "fcntl", [R_FCNTL64] = "fcntl64",
};

static void *real_fns[R_MAX];

/* The next definition of @i after ours; lazily, as we may be called before our constructor. */
static void *real(enum real_fn i)
{
	void *p = __atomic_load_n(&real_fns[i], __ATOMIC_ACQUIRE);

	if (!p) {
		p = dlsym(RTLD_NEXT, real_names[i]);
		if (!p && i == R_FCNTL64)
			p = real(R_FCNTL);
		if (!p)
			abort(); /* no libc underneath: nothing sensible is possible */
		__atomic_store_n(&real_fns[i], p, __ATOMIC_RELEASE);
	}
	return p;
}

#define REAL(i, type) ((type)real(i))

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*close_fn)(int);
typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef ssize_t (*rw_fn)(int, void *, size_t);
typedef ssize_t (*prw_fn)(int, void *, size_t, off_t);
typedef ssize_t (*prw64_fn)(int, void *, size_t, off64_t);
typedef ssize_t (*read_chk_fn)(int, void *, size_t, size_t);
typedef ssize_t (*pread_chk_fn)(int, void *, size_t, off_t, size_t);
typedef ssize_t (*pread64_chk_fn)(int, void *, size_t, off64_t, size_t);
typedef int (*dup_fn)(int);
typedef int (*dup2_fn)(int, int);
typedef int (*dup3_fn)(int, int, int);
typedef int (*fcntl_fn)(int, int, ...);

static int sys_close(int fd)
{
	return REAL(R_CLOSE, close_fn)(fd);
}

/* ---------------------------------------------------- fd -> inode table ---- */

/*
 * Which fds are mock files, to keep read/write on every other fd at one
 * memory load. Two levels so it never moves (lock-free readers); entries
 * only hint: a match is confirmed with fstat before any forwarding.
 */
#define FDT_CHUNK 1024
#define FDT_TOP 1024

static uint64_t *fdt[FDT_TOP];

static uint64_t fdt_get(int fd)
{
	uint64_t *chunk;

	if (fd < 0 || fd >= FDT_CHUNK * FDT_TOP)
		return 0;
	chunk = __atomic_load_n(&fdt[fd / FDT_CHUNK], __ATOMIC_ACQUIRE);
	return chunk ? __atomic_load_n(&chunk[fd % FDT_CHUNK], __ATOMIC_RELAXED) : 0;
}

static void fdt_set(int fd, uint64_t ino)
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

static uint64_t sock_ino(int fd)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISSOCK(st.st_mode))
		return 0;
	return st.st_ino;
}

/* The inode of @fd if it is (still) a mock file we know; 0 otherwise. */
static uint64_t fdt_check(int fd)
{
	uint64_t ino = fdt_get(fd);

	if (!ino)
		return 0;
	if (sock_ino(fd) != ino) {
		fdt_set(fd, 0); /* closed behind our back (close_range, exec...) and reused */
		return 0;
	}
	return ino;
}

/* --------------------------------------------------------------- daemon ---- */

static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Start a private daemon for this process and its children; returns 0 once it
 * accepts connections. Between fork and exec only async-signal-safe calls:
 * other threads may hold locks.
 */
static int start_daemon(void)
{
	char name[MOCK_SOCKET_NAME_MAX + 1];
	const char *exe = getenv(MOCK_ENV_MOCKD);
	char *argv[9];
	static const char msg[] = "libiommufd-mock: cannot run the mock daemon ";
	int p[2], status, got;
	pid_t pid;
	char c;

	if (!exe || !*exe)
		exe = MOCK_MOCKD_PATH;
	mock_proto_make_name(name, sizeof(name));
	argv[0] = (char *)exe;
	argv[1] = (char *)"--socket";
	argv[2] = name;
	argv[3] = (char *)"--ready-fd";
	argv[4] = (char *)"3";
	argv[5] = (char *)"--exit-when-idle";
	argv[6] = (char *)"--foreground";
	argv[7] = NULL;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = errno;

		sys_close(p[0]);
		sys_close(p[1]);
		return -err;
	}
	if (pid == 0) {
		sigset_t all;
		int null;

		/* Double fork: the daemon is nobody's child here, and never a zombie of ours. */
		pid = fork();
		if (pid != 0)
			_exit(pid < 0);
		setsid();
		if (p[1] == 3)
			fcntl(3, F_SETFD, 0);
		else if (dup2(p[1], 3) != 3)
			_exit(127);
		null = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		/* Keep stderr (errors only); no other fd of the program may be held open. */
		syscall(SYS_close_range, 4, ~0U, 0);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		execv(exe, argv);
		if (write(2, msg, sizeof(msg) - 1) >= 0 && write(2, exe, strlen(exe)) >= 0 &&
		    write(2, "\n", 1) >= 0)
			_exit(127);
		_exit(127);
	}
	sys_close(p[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	do {
		got = (int)REAL(R_READ, rw_fn)(p[0], &c, 1);
	} while (got < 0 && errno == EINTR);
	sys_close(p[0]);
	if (got != 1)
		return -ENODEV;
	/* Children join the same daemon, so a forked child shares the files. */
	setenv(MOCK_ENV_SOCKET, name, 1);
	return 0;
}

/* The control connection of this thread. */
struct ctl {
	int fd;
	pid_t pid;    /* process that made it: after fork the child needs its own */
	uint64_t ino; /* to tell whether the program closed or replaced fd */
};

static __thread struct ctl ctl = { .fd = -1 };
static pthread_key_t ctl_key;
static pthread_once_t ctl_once = PTHREAD_ONCE_INIT;

static void ctl_forget(struct ctl *c, bool close_it)
{
	if (c->fd >= 0 && close_it && sock_ino(c->fd) == c->ino)
		sys_close(c->fd);
	c->fd = -1;
}

static void ctl_thread_exit(void *p)
{
	struct ctl *c = p;

	ctl_forget(c, c->pid == getpid());
}

static void ctl_key_init(void)
{
	if (pthread_key_create(&ctl_key, ctl_thread_exit))
		ctl_key = (pthread_key_t)-1;
}

/*
 * This thread's connection to the daemon, made if needed. @may_start: start a
 * private daemon if none is named (only an open of a mock path does).
 */
static int ctl_get(bool may_start)
{
	pid_t pid = getpid();
	struct sockaddr_un sa;
	socklen_t len;
	const char *name;
	int fd, err;

	if (ctl.fd >= 0) {
		if (ctl.pid == pid && sock_ino(ctl.fd) == ctl.ino)
			return ctl.fd;
		/* A copy inherited from our parent goes; one the program reused stays. */
		ctl_forget(&ctl, ctl.pid != pid);
	}

	name = getenv(MOCK_ENV_SOCKET);
	if (!name || !*name) {
		if (!may_start)
			return -ENODEV;
		pthread_mutex_lock(&start_lock);
		name = getenv(MOCK_ENV_SOCKET);
		err = name && *name ? 0 : start_daemon();
		pthread_mutex_unlock(&start_lock);
		if (err)
			return -ENODEV;
		name = getenv(MOCK_ENV_SOCKET);
		if (!name)
			return -ENODEV;
	}
	if (mock_proto_addr(name, &sa, &len))
		return -ENODEV;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sa, len)) {
		if (errno == EINTR)
			continue;
		sys_close(fd);
		return -ENODEV;
	}
	ctl = (struct ctl){ .fd = fd, .pid = pid, .ino = sock_ino(fd) };
	pthread_once(&ctl_once, ctl_key_init);
	if (ctl_key != (pthread_key_t)-1)
		pthread_setspecific(ctl_key, &ctl);
	return fd;
}

/*
 * One round trip. On success the reply is in @rep and its fds in @fds
 * (close-on-exec for now). Returns -ENODEV when there is no daemon.
 */
static int transact(struct mock_req *req, const char *path, bool may_start,
		    struct mock_reply *rep, int *fds)
{
	struct iovec iov[2];
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int) * MOCK_PROTO_MAX_NEWFD)];
	} cbuf;
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	unsigned int nfds = 0;
	ssize_t n;
	int fd = ctl_get(may_start);

	if (fd < 0)
		return fd;
	req->version = MOCK_PROTO_VERSION;
	req->tid = gettid();
	iov[0] = (struct iovec){ .iov_base = req, .iov_len = sizeof(*req) };
	if (path) {
		iov[1] = (struct iovec){ .iov_base = (void *)path, .iov_len = strlen(path) + 1 };
		msg.msg_iovlen = 2;
	}
	while ((n = sendmsg(fd, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (n < 0) {
		ctl_forget(&ctl, true);
		return -ENODEV;
	}

	iov[0] = (struct iovec){ .iov_base = rep, .iov_len = sizeof(*rep) };
	msg = (struct msghdr){ .msg_iov = iov, .msg_iovlen = 1, .msg_control = cbuf.b,
			       .msg_controllen = sizeof(cbuf.b) };
	while ((n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	for (cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL; cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			unsigned int k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (unsigned int i = 0; i < k; i++) {
				int f;

				memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				if (nfds < MOCK_PROTO_MAX_NEWFD)
					fds[nfds++] = f;
				else
					sys_close(f);
			}
		}
	}
	if (n == (ssize_t)sizeof(*rep) &&
	    (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) == MSG_CTRUNC) {
		/* No room in our fd table: the kernel dropped the fds; the daemon releases them. */
		while (nfds)
			sys_close(fds[--nfds]);
		return -EMFILE;
	}
	if (n != (ssize_t)sizeof(*rep) || (msg.msg_flags & MSG_TRUNC) || rep->nr_fd != nfds ||
	    (rep->ret < 0 && nfds)) {
		while (nfds)
			sys_close(fds[--nfds]);
		/* The daemon died, or speaks nonsense: this connection is done. */
		ctl_forget(&ctl, true);
		return -ENODEV;
	}
	return 0;
}

static void close_all(const int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		fdt_set(fds[i], 0);
		sys_close(fds[i]);
	}
}

/* Install the new fds of a reply; returns the call's result or -errno. */
static long finish(const struct mock_reply *rep, const int *fds)
{
	pid_t self = getpid();

	if (rep->ret < 0)
		return rep->ret;
	for (unsigned int i = 0; i < rep->nr_fd; i++) {
		if (!(rep->fd[i].oflags & O_CLOEXEC))
			fcntl(fds[i], F_SETFD, 0);
		if (rep->fd[i].oflags & O_NONBLOCK)
			fcntl(fds[i], F_SETFL, O_NONBLOCK);
		fdt_set(fds[i], sock_ino(fds[i]));
	}
	for (unsigned int i = 0; i < rep->nr_fd; i++) {
		int nr = fds[i];
		struct iovec local = { .iov_base = &nr, .iov_len = sizeof(nr) };
		struct iovec remote = { .iov_base = (void *)(uintptr_t)rep->fd[i].uaddr,
					.iov_len = sizeof(nr) };

		if (!rep->fd[i].uaddr)
			continue;
		/* Through the kernel, so a bad address is EFAULT and not a crash. */
		if (process_vm_writev(self, &local, 1, &remote, 1, 0) != (ssize_t)sizeof(nr)) {
			close_all(fds, rep->nr_fd);
			return -EFAULT;
		}
	}
	if (rep->retval_newfd >= 0 && (unsigned int)rep->retval_newfd < rep->nr_fd)
		return fds[rep->retval_newfd];
	return rep->ret;
}

static long fail(long ret)
{
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

/* ----------------------------------------------------------------- open ---- */

static bool is_mock_path(const char *path)
{
	static const char devices[] = "/dev/vfio/devices/";

	if (!path)
		return false;
	return !strcmp(path, "/dev/iommu") || !strcmp(path, "/dev/vfio/vfio") ||
	       (!strncmp(path, devices, sizeof(devices) - 1) && path[sizeof(devices) - 1]);
}

static int mock_open_path(const char *path, int flags)
{
	struct mock_req req = { .op = MOCK_OP_OPEN, .oflags = flags };
	struct mock_reply rep;
	int fds[MOCK_PROTO_MAX_NEWFD];
	int err;

	if (strlen(path) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	err = transact(&req, path, true, &rep, fds);
	if (err)
		return (int)fail(err);
	return (int)fail(finish(&rep, fds));
}

static mode_t open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	if (is_mock_path(path))
		return mock_open_path(path, flags);
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return REAL(R_OPEN, open_fn)(path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	if (is_mock_path(path))
		return mock_open_path(path, flags);
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return REAL(R_OPEN64, open_fn)(path, flags, mode);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	/* An absolute path ignores dirfd, AT_FDCWD included. */
	if (is_mock_path(path))
		return mock_open_path(path, flags);
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return REAL(R_OPENAT, openat_fn)(dirfd, path, flags, mode);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	if (is_mock_path(path))
		return mock_open_path(path, flags);
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

/* ---------------------------------------------------------------- ioctl ---- */

/*
 * Forward an ioctl on a socket that may be a mock file. Returns 1 and the
 * result in *ret when the daemon handled it, 0 when it is not ours.
 */
static int mock_ioctl_fd(int fd, unsigned long request, unsigned long arg, long *ret)
{
	struct mock_req req = { .op = MOCK_OP_IOCTL, .cmd = (uint32_t)request, .arg = arg };
	struct mock_reply rep;
	int fds[MOCK_PROTO_MAX_NEWFD];
	uint64_t ino = sock_ino(fd);
	const char *name;
	int err;

	if (!ino)
		return 0;
	if (fdt_get(fd) != ino) {
		/* Inherited across exec or received from elsewhere: ask, if there is a daemon. */
		name = getenv(MOCK_ENV_SOCKET);
		if (!name || !*name)
			return 0;
		req.flags = MOCK_REQ_PROBE;
	}
	req.ino = ino;
	err = transact(&req, NULL, false, &rep, fds);
	if (err) {
		if (req.flags & MOCK_REQ_PROBE)
			return 0;
		*ret = err;
		return 1;
	}
	if (rep.flags & MOCK_REPLY_NOT_MINE)
		return 0;
	if (req.flags & MOCK_REQ_PROBE)
		fdt_set(fd, ino);
	*ret = finish(&rep, fds);
	return 1;
}

EXPORT int ioctl(int fd, unsigned long request, ...)
{
	unsigned long arg;
	va_list ap;
	long ret;

	/* Requests without an argument leave garbage here; it is only ever forwarded. */
	va_start(ap, request);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	if (_IOC_TYPE(request) == MOCK_IOC_TYPE && mock_ioctl_fd(fd, request, arg, &ret))
		return (int)fail(ret);
	return REAL(R_IOCTL, ioctl_fn)(fd, request, arg);
}

/* ------------------------------------------------------- read and write ---- */

static ssize_t mock_rw(enum mock_proto_op op, uint64_t ino, const void *buf, size_t len,
		       uint64_t off)
{
	struct mock_req req = { .op = op, .ino = ino, .arg = (uintptr_t)buf, .len = len,
				.off = off };
	struct mock_reply rep;
	int fds[MOCK_PROTO_MAX_NEWFD];
	int err = transact(&req, NULL, false, &rep, fds);

	if (err)
		return fail(err);
	return fail(finish(&rep, fds));
}

EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	uint64_t ino = fdt_check(fd);

	if (ino)
		return mock_rw(MOCK_OP_READ, ino, buf, len, 0);
	return REAL(R_READ, rw_fn)(fd, buf, len);
}

EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	uint64_t ino = fdt_check(fd);

	if (ino)
		return mock_rw(MOCK_OP_WRITE, ino, buf, len, 0);
	return REAL(R_WRITE, rw_fn)(fd, (void *)buf, len);
}

/* A negative offset is EINVAL for pread/pwrite before anything else. */
static ssize_t mock_prw(enum mock_proto_op op, uint64_t ino, const void *buf, size_t len,
			int64_t off)
{
	if (off < 0)
		return fail(-EINVAL);
	return mock_rw(op, ino, buf, len, (uint64_t)off);
}

EXPORT ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	uint64_t ino = fdt_check(fd);

	if (ino)
		return mock_prw(MOCK_OP_PREAD, ino, buf, len, off);
	return REAL(R_PREAD, prw_fn)(fd, buf, len, off);
}

EXPORT ssize_t pread64(int fd, void *buf, size_t len, off64_t off)
{
	uint64_t ino = fdt_check(fd);

	if (ino)
		return mock_prw(MOCK_OP_PREAD, ino, buf, len, off);
	return REAL(R_PREAD64, prw64_fn)(fd, buf, len, off);
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	uint64_t ino = fdt_check(fd);

	if (ino)
		return mock_prw(MOCK_OP_PWRITE, ino, buf, len, off);
	return REAL(R_PWRITE, prw_fn)(fd, (void *)buf, len, off);
}

EXPORT ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	uint64_t ino = fdt_check(fd);

	if (ino)
		return mock_prw(MOCK_OP_PWRITE, ino, buf, len, off);
	return REAL(R_PWRITE64, prw64_fn)(fd, (void *)buf, len, off);
}

ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
ssize_t __pread_chk(int fd, void *buf, size_t len, off_t off, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t len, off64_t off, size_t buflen);

/* Fortified reads: libc's own check (and abort) first when the buffer is too small. */
EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	uint64_t ino = len <= buflen ? fdt_check(fd) : 0;

	if (ino)
		return mock_rw(MOCK_OP_READ, ino, buf, len, 0);
	return REAL(R_READ_CHK, read_chk_fn)(fd, buf, len, buflen);
}

EXPORT ssize_t __pread_chk(int fd, void *buf, size_t len, off_t off, size_t buflen)
{
	uint64_t ino = len <= buflen ? fdt_check(fd) : 0;

	if (ino)
		return mock_prw(MOCK_OP_PREAD, ino, buf, len, off);
	return REAL(R_PREAD_CHK, pread_chk_fn)(fd, buf, len, off, buflen);
}

EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t len, off64_t off, size_t buflen)
{
	uint64_t ino = len <= buflen ? fdt_check(fd) : 0;

	if (ino)
		return mock_prw(MOCK_OP_PREAD, ino, buf, len, off);
	return REAL(R_PREAD64_CHK, pread64_chk_fn)(fd, buf, len, off, buflen);
}

/* --------------------------------------------------- fd table upkeep ---- */

EXPORT int close(int fd)
{
	/* Forget first: once closed, another thread may get this number. */
	if (fdt_get(fd))
		fdt_set(fd, 0);
	return sys_close(fd);
}

EXPORT int dup(int fd)
{
	int r = REAL(R_DUP, dup_fn)(fd);

	if (r >= 0)
		fdt_set(r, fdt_get(fd));
	return r;
}

EXPORT int dup2(int fd, int fd2)
{
	int r = REAL(R_DUP2, dup2_fn)(fd, fd2);

	if (r >= 0 && fd != fd2)
		fdt_set(r, fdt_get(fd));
	return r;
}

EXPORT int dup3(int fd, int fd2, int flags)
{
	int r = REAL(R_DUP3, dup3_fn)(fd, fd2, flags);

	if (r >= 0)
		fdt_set(r, fdt_get(fd));
	return r;
}

static int do_fcntl(enum real_fn which, int fd, int cmd, void *arg)
{
	int r = REAL(which, fcntl_fn)(fd, cmd, arg);

	if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		fdt_set(r, fdt_get(fd));
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

/* ------------------------------------------------------------ test API ---- */

static long simple_op(enum mock_proto_op op, uint64_t ino, bool may_start)
{
	struct mock_req req = { .op = op, .ino = ino };
	struct mock_reply rep;
	int fds[MOCK_PROTO_MAX_NEWFD];
	int err = transact(&req, NULL, may_start, &rep, fds);

	if (err)
		return fail(err);
	return fail(finish(&rep, fds));
}

IOMMUFD_MOCK_API long iommufd_mock_daemon_files(void)
{
	return simple_op(MOCK_OP_STATS, 0, false);
}

IOMMUFD_MOCK_API pid_t iommufd_mock_daemon_pid(void)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd = ctl_get(true);

	if (fd < 0)
		return (pid_t)fail(fd);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return -1;
	return cred.pid;
}

IOMMUFD_MOCK_API int iommufd_mock_is_mock_fd(int fd)
{
	uint64_t ino = sock_ino(fd);

	if (!ino)
		return 0;
	return (int)simple_op(MOCK_OP_QUERY, ino, false);
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
	dir = opendir("/proc/self/fd");
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		uint64_t ino;

		if (*end || end == de->d_name || fd < 0 || fd > INT_MAX || fd == dirfd(dir) ||
		    fd == ctl.fd)
			continue;
		ino = sock_ino((int)fd);
		if (ino && simple_op(MOCK_OP_QUERY, ino, false) == 1)
			fdt_set((int)fd, ino);
	}
	closedir(dir);
}

__attribute__((constructor)) static void shim_init(void)
{
	int saved = errno;

	/* The daemon reads and writes our memory like a kernel; Yama may be absent. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	adopt_inherited_fds();
	errno = saved;
}
