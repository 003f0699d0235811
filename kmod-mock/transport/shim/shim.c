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
 * process-local fd -> mock inode table, the table of mappings of mock files,
 * and starting a private daemon.
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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fail_nth_proc.h" /* fail-nth */
#include "iommufd-mock.h"
#include "iommufd_test.h" /* the ioctl numbers of the calls that make fds */
#include "memcheck.h"
#include "procfs.h" /* /proc/<pid>/status */
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
	R_DUP3, R_FCNTL, R_FCNTL64, R_MMAP, R_MMAP64, R_MUNMAP, R_CLOSE_RANGE, R_CLOSEFROM, R_MAX
};

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
static void *real(enum real_fn i)
{
	void *p = __atomic_load_n(&real_fns[i], __ATOMIC_ACQUIRE);

	if (!p) {
		p = dlsym(RTLD_NEXT, real_names[i]);
		if (!p && i == R_FCNTL64)
			p = real(R_FCNTL);
		if (!p && i == R_MMAP64)
			p = real(R_MMAP);
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
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*munmap_fn)(void *, size_t);
typedef int (*close_range_fn)(unsigned int, unsigned int, int);
typedef void (*closefrom_fn)(int);

static int sys_close(int fd)
{
	return REAL(R_CLOSE, close_fn)(fd);
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
#define FDT_CTL (1ull << 63)

static uint64_t *fdt[FDT_TOP];
static unsigned int ctl_epoch;

static uint64_t fdt_raw(int fd)
{
	uint64_t *chunk;

	if (fd < 0 || fd >= FDT_CHUNK * FDT_TOP)
		return 0;
	chunk = __atomic_load_n(&fdt[fd / FDT_CHUNK], __ATOMIC_ACQUIRE);
	return chunk ? __atomic_load_n(&chunk[fd % FDT_CHUNK], __ATOMIC_RELAXED) : 0;
}

/* The inode of @fd if it is a mock file we know; 0 otherwise. */
static uint64_t fdt_get(int fd)
{
	uint64_t v = fdt_raw(fd);

	return v & FDT_CTL ? 0 : v;
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

/* @fd is going away (close, or the target of dup2): forget it. */
static void fdt_forget(int fd)
{
	uint64_t v = fdt_raw(fd);

	if (!v)
		return;
	if (v & FDT_CTL)
		__atomic_add_fetch(&ctl_epoch, 1, __ATOMIC_ACQ_REL);
	fdt_set(fd, 0);
}

/*
 * A call on @fd, a mock file by our table, failed with ENODEV: was the entry
 * stale (the fd closed behind our back and the number reused)? Then forget it.
 */
static bool fdt_stale(int fd, uint64_t ino)
{
	if (sock_ino(fd) == ino)
		return false;
	fdt_set(fd, 0);
	return true;
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
	pid_t tid;    /* this thread, for the requests */
	uint64_t ino; /* to tell whether the program closed or replaced fd */
	unsigned int gen, epoch; /* fork_gen and ctl_epoch when last known good */
	bool fresh;   /* no reply yet: the daemon may not even have accepted it */
};

/*
 * How long a new connection waits for its first reply. Every request is
 * answered at once (the daemon never blocks); a daemon that does not answer
 * the first one never took the connection (stopped, wedged, at its fd
 * limit), and the program would wait forever.
 */
#define CTL_FIRST_REPLY_SECONDS 10

/* Bumped in every fork child (pthread_atfork), so a thread sees a fork with one load. */
static unsigned int fork_gen;

static __thread struct ctl ctl = { .fd = -1 };
static pthread_key_t ctl_key;
static pthread_once_t ctl_once = PTHREAD_ONCE_INIT;

static void ctl_forget(struct ctl *c, bool close_it)
{
	if (c->fd >= 0 && close_it && sock_ino(c->fd) == c->ino) {
		fdt_set(c->fd, 0);
		sys_close(c->fd);
	}
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
 * A connection to the daemon @name, if one we trust listens there (proto.h:
 * mock_proto_peer_ok): nothing is sent to anyone else. The first reply is
 * awaited for CTL_FIRST_REPLY_SECONDS at most.
 */
static int ctl_connect(const char *name)
{
	const struct timeval tv = { .tv_sec = CTL_FIRST_REPLY_SECONDS };
	struct sockaddr_un sa;
	socklen_t len;
	int fd;

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
	if (!mock_proto_peer_ok(fd) || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		sys_close(fd);
		return -ENODEV;
	}
	return fd;
}

/* nr_maps (mappings, below), readable without the lock: every mmap and munmap checks it. */
static size_t nr_maps_hint;

/* Does this process hold a mock file (an fd our table knows, or a mapping)? */
static bool holds_mock_files(void)
{
	if (__atomic_load_n(&nr_maps_hint, __ATOMIC_ACQUIRE))
		return true;
	for (int top = 0; top < FDT_TOP; top++) {
		uint64_t *chunk = __atomic_load_n(&fdt[top], __ATOMIC_ACQUIRE);

		for (int i = 0; chunk && i < FDT_CHUNK; i++) {
			uint64_t v = __atomic_load_n(&chunk[i], __ATOMIC_RELAXED);

			if (v && !(v & FDT_CTL) && sock_ino(top * FDT_CHUNK + i) == v)
				return true;
		}
	}
	return false;
}

/*
 * This thread's connection to the daemon, made if needed. @may_start: start a
 * private daemon if none is named (only an open of a mock path does).
 */
static int ctl_get(bool may_start)
{
	unsigned int gen = __atomic_load_n(&fork_gen, __ATOMIC_ACQUIRE);
	unsigned int epoch = __atomic_load_n(&ctl_epoch, __ATOMIC_ACQUIRE);
	const char *name;
	pid_t pid;
	int fd, err;

	/* The fast path: no fork, and no close of any control connection, since last time. */
	if (ctl.fd >= 0 && ctl.gen == gen && ctl.epoch == epoch)
		return ctl.fd;
	pid = getpid();
	if (ctl.fd >= 0) {
		if (ctl.pid == pid && sock_ino(ctl.fd) == ctl.ino) {
			ctl.gen = gen;
			ctl.epoch = epoch;
			return ctl.fd;
		}
		/* A copy inherited from our parent goes; one the program reused stays. */
		ctl_forget(&ctl, ctl.pid != pid);
	}

	name = getenv(MOCK_ENV_SOCKET);
	fd = name && *name ? ctl_connect(name) : -ENODEV;
	/*
	 * No daemon of ours there: never started, exited when idle (and the
	 * name may be anyone's now), or killed. Only an open starts one, and
	 * when none is named or the process holds no file of the named one
	 * (which, had it exited idle, it cannot): else the daemon was killed
	 * under its files, which stay dead, and so does the name (-ENODEV).
	 */
	if (fd < 0 && may_start && (!name || !*name || !holds_mock_files())) {
		char tried[MOCK_SOCKET_NAME_MAX + 1];

		snprintf(tried, sizeof(tried), "%s", name ? name : "");
		pthread_mutex_lock(&start_lock);
		name = getenv(MOCK_ENV_SOCKET);
		/* Another thread may have started one meanwhile. */
		err = name && *name && strcmp(name, tried) ? 0 : start_daemon();
		pthread_mutex_unlock(&start_lock);
		if (err)
			return -ENODEV;
		name = getenv(MOCK_ENV_SOCKET);
		fd = name ? ctl_connect(name) : -ENODEV;
	}
	if (fd < 0)
		return -ENODEV;
	ctl = (struct ctl){ .fd = fd, .pid = pid, .tid = gettid(), .ino = sock_ino(fd),
			    .gen = gen, .epoch = epoch, .fresh = true };
	fdt_set(fd, FDT_CTL);
	pthread_once(&ctl_once, ctl_key_init);
	if (ctl_key != (pthread_key_t)-1)
		pthread_setspecific(ctl_key, &ctl);
	return fd;
}

/*
 * Copy @len bytes between the program's memory and ours with plain loads and
 * stores: in a program built with ASan, libc's memcpy is intercepted and
 * would report the bytes of the argument the program's own frame keeps as
 * redzones, which only the kernel's view (a range of bytes) may touch.
 */
static void copy_plain(void *dst, const void *src, size_t len)
{
	volatile unsigned char *d = dst;
	const volatile unsigned char *s = src;

	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
}

/* What a reply says the call wrote (proto.h): check it all, then store and mark. */
static int reply_writes(const struct mock_req *req, const struct mock_reply *rep,
			const unsigned char *extra, size_t extra_len)
{
	struct mock_reply_wr wr[MOCK_PROTO_MAX_WR];
	const unsigned char *data;
	uint64_t lo = req->arg, hi = req->arg + req->inline_len, bytes = 0;

	if (rep->nr_wr > MOCK_PROTO_MAX_WR || rep->wr_bytes > MOCK_PROTO_INLINE_MAX ||
	    extra_len != rep->nr_wr * sizeof(wr[0]) + rep->wr_bytes)
		return -EPROTO;
	memcpy(wr, extra, rep->nr_wr * sizeof(wr[0]));
	data = extra + rep->nr_wr * sizeof(wr[0]);
	/* Held-back writes only ever land inside the argument we vouched writable. */
	for (unsigned int i = 0; i < rep->nr_wr; i++) {
		if (!(wr[i].flags & MOCK_WR_DATA))
			continue;
		if (!(req->flags & MOCK_REQ_INLINE_RW) || wr[i].uaddr < lo || wr[i].uaddr > hi ||
		    wr[i].len > hi - wr[i].uaddr || wr[i].len > rep->wr_bytes - bytes)
			return -EPROTO;
		bytes += wr[i].len;
	}
	if (bytes != rep->wr_bytes)
		return -EPROTO;
	for (unsigned int i = 0; i < rep->nr_wr; i++) {
		if (wr[i].flags & MOCK_WR_DATA) {
			copy_plain((void *)(uintptr_t)wr[i].uaddr, data, wr[i].len);
			data += wr[i].len;
		} else if (wr[i].len <= SIZE_MAX) {
			shim_mark_defined((const void *)(uintptr_t)wr[i].uaddr, (size_t)wr[i].len);
		}
	}
	return 0;
}

/*
 * The fd numbers a reply asks us to store go only into the argument we sent
 * (an iommufd call's out_*_fd field), never at another address it names.
 */
static bool reply_fds_ok(const struct mock_req *req, const struct mock_reply *rep)
{
	uint64_t lo = req->arg, hi = req->arg + req->inline_len;

	for (unsigned int i = 0; i < rep->nr_fd && i < MOCK_PROTO_MAX_NEWFD; i++) {
		uint64_t a = rep->fd[i].uaddr;

		if (!a)
			continue;
		if (req->op != MOCK_OP_IOCTL || a < lo || a > hi || hi - a < sizeof(int))
			return false;
	}
	return true;
}

/*
 * One send and its reply on @fd, @attach (if >= 0) passed along as the proof
 * that we hold the file (proto.h). Returns 0, -EBADF when @attach is no open
 * fd (closed by another thread meanwhile), -ETIMEDOUT when a new connection
 * got no first reply, -ENODEV when the daemon is gone or speaks nonsense.
 */
static int round_trip(int fd, struct mock_req *req, const void *payload, size_t payload_len,
		      int attach, struct mock_reply *rep, int *fds)
{
	struct iovec iov[2];
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int) * (MOCK_PROTO_MAX_FDS + 1 + MOCK_PROTO_MAX_NEWFD))];
	} cbuf;
	union {
		struct mock_reply rep;
		unsigned char raw[MOCK_PROTO_REPLY_MAX];
	} rbuf;
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 1 };
	int send_fds[MOCK_PROTO_MAX_FDS + 1];
	unsigned int nr_send = 0;
	struct cmsghdr *cm;
	unsigned int nfds = 0;
	ssize_t n;

	iov[0] = (struct iovec){ .iov_base = req, .iov_len = sizeof(*req) };
	if (payload_len) {
		iov[1] = (struct iovec){ .iov_base = (void *)payload, .iov_len = payload_len };
		msg.msg_iovlen = 2;
	}
	/* the caller files the request names, then the proof (proto.h) */
	for (unsigned int i = 0; i < req->nr_fds && i < MOCK_PROTO_MAX_FDS; i++)
		send_fds[nr_send++] = req->fds[i];
	if (attach >= 0)
		send_fds[nr_send++] = attach;
	if (nr_send) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.b;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nr_send);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nr_send);
		memcpy(CMSG_DATA(cm), send_fds, sizeof(int) * nr_send);
	}
	while ((n = sendmsg(fd, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (n < 0) {
		if (nr_send && errno == EBADF)
			return -EBADF;
		/* Refused at once (the daemon at its fd limit): its one answer waits for us. */
		if (errno == EPIPE && ctl.fresh &&
		    recv(fd, &rbuf, sizeof(rbuf), MSG_DONTWAIT) == (ssize_t)sizeof(*rep) &&
		    rbuf.rep.ret < 0 && !rbuf.rep.nr_fd && !rbuf.rep.nr_wr && !rbuf.rep.flags) {
			*rep = rbuf.rep;
			ctl_forget(&ctl, true);
			return 0;
		}
		ctl_forget(&ctl, true);
		return -ENODEV;
	}

	iov[0] = (struct iovec){ .iov_base = &rbuf, .iov_len = sizeof(rbuf) };
	msg = (struct msghdr){ .msg_iov = iov, .msg_iovlen = 1, .msg_control = cbuf.b,
			       .msg_controllen = sizeof(cbuf.b) };
	while ((n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	/* A refusal may report the hang-up (ECONNRESET) before its answer, still queued. */
	if (n < 0 && errno == ECONNRESET && ctl.fresh) {
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0)
			errno = ECONNRESET; /* nothing queued: gone (-ENODEV below) */
	}
	if (n < 0 && ctl.fresh && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		static const char m[] = "libiommufd-mock: the mock daemon does not answer "
					"(stopped, or at its fd limit?)\n";

		if (write(2, m, sizeof(m) - 1) < 0) {
			/* nothing more to say */
		}
		ctl_forget(&ctl, true);
		return -ETIMEDOUT;
	}
	if (n > 0 && ctl.fresh) {
		const struct timeval none = { 0 };

		/* Accepted and answering: later calls wait as long as they take. */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
		ctl.fresh = false;
	}
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
	if (n >= (ssize_t)sizeof(*rep))
		*rep = rbuf.rep;
	if (n >= (ssize_t)sizeof(*rep) &&
	    (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) == MSG_CTRUNC && reply_fds_ok(req, rep)) {
		/* No room in our fd table: the kernel dropped the fds; the daemon releases them. */
		while (nfds)
			sys_close(fds[--nfds]);
		reply_writes(req, rep, rbuf.raw + sizeof(*rep), (size_t)n - sizeof(*rep));
		return -EMFILE;
	}
	if (n < (ssize_t)sizeof(*rep) || (msg.msg_flags & MSG_TRUNC) || rep->nr_fd != nfds ||
	    (rep->ret < 0 && nfds) || !reply_fds_ok(req, rep) ||
	    reply_writes(req, rep, rbuf.raw + sizeof(*rep), (size_t)n - sizeof(*rep))) {
		while (nfds)
			sys_close(fds[--nfds]);
		/* The daemon died, or speaks nonsense: this connection is done. */
		ctl_forget(&ctl, true);
		return -ENODEV;
	}
	return 0;
}

/*
 * One request; @payload (the path of an open, an ioctl's inline argument)
 * follows it. On success the reply is in @rep and its fds in @fds
 * (close-on-exec for now), and what the call wrote into our memory is stored
 * or marked. @proof_fd: the fd of the file the request names, sent along
 * when the daemon asks for proof that we hold it (a query sends it at once).
 * Returns -ENODEV when there is no daemon, -EBADF when @proof_fd was closed
 * meanwhile.
 */
static int transact(struct mock_req *req, const void *payload, size_t payload_len,
		    bool may_start, int proof_fd, struct mock_reply *rep, int *fds)
{
	int fd = ctl_get(may_start), err;

	if (fd < 0)
		return fd;
	req->version = MOCK_PROTO_VERSION;
	req->tid = ctl.tid;
	err = round_trip(fd, req, payload, payload_len,
			 req->op == MOCK_OP_QUERY ? proof_fd : -1, rep, fds);
	if (!err && (rep->flags & MOCK_REPLY_PROVE) && proof_fd >= 0 && req->op != MOCK_OP_QUERY)
		err = round_trip(fd, req, payload, payload_len, proof_fd, rep, fds);
	return err;
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
		if (process_vm_writev(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)sizeof(nr)) {
			close_all(fds, rep->nr_fd);
			return -EFAULT;
		}
		shim_mark_defined(remote.iov_base, sizeof(nr));
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

/*
 * The reply withdrew the file's readiness (proto.h): take one byte out of
 * @fd, if it is still the file the request named.
 */
static void drain_one(int fd, uint64_t ino)
{
	char b;

	if (sock_ino(fd) == ino)
		while (recv(fd, &b, 1, MSG_DONTWAIT) < 0 && errno == EINTR)
			;
}

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
	int err;

	if (strlen(path) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	err = transact(&req, path, strlen(path) + 1, true, -1, &rep, fds);
	/* Our daemon went away since the last call (idle exit): once more, which starts one. */
	if (err == -ENODEV)
		err = transact(&req, path, strlen(path) + 1, true, -1, &rep, fds);
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

	if (failnth_owns_path(AT_FDCWD, path)) /* fail-nth: fail_nth_proc.c */
		return failnth_open(AT_FDCWD, path, flags);
	if (procfs_owns_path(AT_FDCWD, path, flags)) /* VmPin/VmLck: procfs.c */
		return procfs_open(AT_FDCWD, path, flags);
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

	if (failnth_owns_path(AT_FDCWD, path)) /* fail-nth: fail_nth_proc.c */
		return failnth_open(AT_FDCWD, path, flags);
	if (procfs_owns_path(AT_FDCWD, path, flags)) /* VmPin/VmLck: procfs.c */
		return procfs_open(AT_FDCWD, path, flags);
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

	if (failnth_owns_path(dirfd, path)) /* fail-nth: fail_nth_proc.c */
		return failnth_open(dirfd, path, flags);
	if (procfs_owns_path(dirfd, path, flags)) /* VmPin/VmLck: procfs.c */
		return procfs_open(dirfd, path, flags);
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

	if (failnth_owns_path(dirfd, path)) /* fail-nth: fail_nth_proc.c */
		return failnth_open(dirfd, path, flags);
	if (procfs_owns_path(dirfd, path, flags)) /* VmPin/VmLck: procfs.c */
		return procfs_open(dirfd, path, flags);
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
 * The inline argument (proto.h). Every iommufd ioctl argument begins with
 * its size (VFIO's with argsz): the shim sends that many bytes, bounded, so
 * the daemon reads neither the size word nor the struct from our memory.
 * The bytes are read only where reading cannot fault: the live part of this
 * thread's stack (between our frame and the stack's top: also writable, so
 * the daemon hands writes back), else through the kernel (process_vm_readv
 * on ourselves: an unreadable argument just travels without a copy, and the
 * daemon's own access gives the kernel's EFAULT).
 */
struct inline_arg {
	uint32_t len;
	bool writable;
	unsigned char buf[MOCK_PROTO_INLINE_MAX];
};

/* This thread's stack [stk_lo, stk_hi); stk_hi == 1: unknown. */
static __thread uintptr_t stk_lo, stk_hi;

static void stack_bounds(void)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;

	stk_hi = 1;
	if (pthread_getattr_np(pthread_self(), &attr))
		return;
	if (!pthread_attr_getstack(&attr, &addr, &size) && size) {
		stk_lo = (uintptr_t)addr;
		stk_hi = stk_lo + size;
	}
	pthread_attr_destroy(&attr);
}

/* Bytes to send of an argument that starts at @head: its size word, bounded by @avail readable. */
static uint32_t inline_len(const unsigned char *head, size_t avail)
{
	uint32_t size;

	if (avail < sizeof(size))
		return 0;
	copy_plain(&size, head, sizeof(size));
	if (size < sizeof(size))
		size = sizeof(size);
	if (size > MOCK_PROTO_INLINE_MAX)
		size = MOCK_PROTO_INLINE_MAX;
	return size < avail ? size : (uint32_t)avail;
}

__attribute__((noinline)) static void inline_get(unsigned long arg, pid_t self,
						struct inline_arg *ia)
{
	uintptr_t frame = (uintptr_t)__builtin_frame_address(0);

	ia->len = 0;
	ia->writable = false;
	if (!stk_hi)
		stack_bounds();
	/* Above our own frame and below the top, a thread's stack is mapped and in use. */
	if (frame >= stk_lo && frame < stk_hi && arg > frame && arg < stk_hi) {
		ia->len = inline_len((const unsigned char *)arg, stk_hi - arg);
		copy_plain(ia->buf, (const void *)arg, ia->len);
		ia->writable = true;
	} else if (self > 0 && arg <= UINTPTR_MAX - MOCK_PROTO_INLINE_MAX) {
		/* Two pieces at the page boundary: a transfer never stops inside one. */
		uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
		size_t first = page - (arg & (page - 1));
		struct iovec local = { ia->buf, MOCK_PROTO_INLINE_MAX }, remote[2];
		ssize_t got;

		if (first > MOCK_PROTO_INLINE_MAX)
			first = MOCK_PROTO_INLINE_MAX;
		remote[0] = (struct iovec){ (void *)arg, first };
		remote[1] = (struct iovec){ (void *)(arg + first), MOCK_PROTO_INLINE_MAX - first };
		got = process_vm_readv(self, &local, 1, remote, first < MOCK_PROTO_INLINE_MAX ? 2 : 1,
				       0);
		if (got > 0)
			ia->len = inline_len(ia->buf, (size_t)got);
	}
	/* The kernel does not look at which bytes the program left uninitialised either. */
	shim_mark_defined(ia->buf, ia->len);
}

/*
 * The iommufd ioctls that may hand out new fds (fault queues, vEVENTQs, the
 * selftest's access and dma-buf files): for them the shim tells the daemon
 * how many fds the process can still open.
 */
static bool ioctl_makes_fds(unsigned long request)
{
	return request == IOMMU_FAULT_QUEUE_ALLOC || request == IOMMU_VEVENTQ_ALLOC ||
	       request == IOMMU_TEST_CMD;
}

/* How many more fds (at most MOCK_PROTO_MAX_NEWFD) this process can open now. */
static uint32_t fd_room(int fd)
{
	int got[MOCK_PROTO_MAX_NEWFD];
	uint32_t n;

	for (n = 0; n < MOCK_PROTO_MAX_NEWFD; n++) {
		got[n] = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (got[n] < 0)
			break;
	}
	for (uint32_t i = 0; i < n; i++)
		close(got[i]);
	return n;
}

/*
 * The daemon says the fd we sent as proof is not file @ino (proto.h). Was @fd
 * closed (through us, or replaced by dup2) while the call was on its way?
 * Then the call is -EBADF, never passed on to whatever now has the number.
 * Otherwise our table's entry was stale (a close behind our back): it goes,
 * and the fd is treated as the stranger it is.
 */
static bool not_mine_closed(int fd, uint64_t ino, bool probe)
{
	if (probe)
		return sock_ino(fd) != ino;
	if (fdt_get(fd) != ino)
		return true;
	fdt_set(fd, 0);
	return false;
}

/*
 * VFIO_DEVICE_SET_IRQS with DATA_EVENTFD names eventfds of ours by number:
 * they travel with the request (proto.h, "Caller files"). Numbers that are
 * no open fd stay behind: the daemon answers EBADF for them as the kernel does.
 */
static void ioctl_pass_fds(unsigned long request, const struct inline_arg *ia,
			   struct mock_req *req)
{
	const size_t minsz = offsetof(struct vfio_irq_set, data);
	struct vfio_irq_set hdr;
	size_t count;

	if (request != VFIO_DEVICE_SET_IRQS || ia->len < minsz)
		return;
	memcpy(&hdr, ia->buf, minsz);
	if ((hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) != VFIO_IRQ_SET_DATA_EVENTFD)
		return;
	count = (ia->len - minsz) / sizeof(int32_t);
	if (count > hdr.count)
		count = hdr.count;
	for (size_t i = 0; i < count && req->nr_fds < MOCK_PROTO_MAX_FDS; i++) {
		int32_t efd;
		bool dup = false;

		memcpy(&efd, ia->buf + minsz + i * sizeof(efd), sizeof(efd));
		for (uint32_t j = 0; j < req->nr_fds; j++)
			dup |= req->fds[j] == efd;
		if (efd >= 0 && !dup && fcntl(efd, F_GETFD) >= 0)
			req->fds[req->nr_fds++] = efd;
	}
}

/*
 * Forward an ioctl on a socket that may be a mock file. Returns 1 and the
 * result in *ret when the daemon handled it, 0 when it is not ours.
 */
static int mock_ioctl_fd(int fd, unsigned long request, unsigned long arg, long *ret)
{
	struct mock_req req = { .op = MOCK_OP_IOCTL, .cmd = (uint32_t)request, .arg = arg };
	struct mock_reply rep;
	struct inline_arg ia;
	int fds[MOCK_PROTO_MAX_NEWFD];
	uint64_t ino = fdt_get(fd);
	const char *name;
	int err;

	if (!ino) {
		ino = sock_ino(fd);
		if (!ino)
			return 0;
		/* Inherited across exec or received from elsewhere: ask, if there is a daemon. */
		name = getenv(MOCK_ENV_SOCKET);
		if (!name || !*name)
			return 0;
		req.flags = MOCK_REQ_PROBE;
	}
	req.ino = ino;
	if (ioctl_makes_fds(request)) {
		req.flags |= MOCK_REQ_FD_ROOM;
		req.fd_room = fd_room(fd);
	}
	inline_get(arg, ctl_get(false) >= 0 ? ctl.pid : 0, &ia);
	req.inline_len = ia.len;
	ioctl_pass_fds(request, &ia, &req);
	if (ia.writable)
		req.flags |= MOCK_REQ_INLINE_RW;
	err = transact(&req, ia.buf, ia.len, false, fd, &rep, fds);
	if (err == -EBADF) {
		/* Closed by another thread during the call: as a kernel's fdget would say. */
		*ret = err;
		return 1;
	}
	if (err) {
		if (req.flags & MOCK_REQ_PROBE)
			return 0;
		if (err == -ENODEV && fdt_stale(fd, ino))
			return mock_ioctl_fd(fd, request, arg, ret);
		*ret = err;
		return 1;
	}
	if (!(req.flags & MOCK_REQ_PROBE) && rep.ret == -ENODEV && !rep.nr_fd &&
	    fdt_stale(fd, ino))
		return mock_ioctl_fd(fd, request, arg, ret);
	if (rep.flags & MOCK_REPLY_NOT_MINE) {
		if (not_mine_closed(fd, ino, req.flags & MOCK_REQ_PROBE)) {
			*ret = -EBADF;
			return 1;
		}
		if (!(req.flags & MOCK_REQ_PROBE))
			return mock_ioctl_fd(fd, request, arg, ret); /* a stale entry: as a stranger */
		return 0;
	}
	if (req.flags & MOCK_REQ_PROBE)
		fdt_set(fd, ino);
	if (rep.flags & MOCK_REPLY_DRAIN)
		drain_one(fd, ino);
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

/* @ubuf is an address the daemon reaches, never touched here. */
static ssize_t mock_rw(enum mock_proto_op op, int fd, uint64_t ino, uint64_t ubuf,
		       size_t len, uint64_t off)
{
	struct mock_req req = { .op = op, .ino = ino, .arg = ubuf, .len = len, .off = off };
	struct mock_reply rep;
	int fds[MOCK_PROTO_MAX_NEWFD];
	int err = transact(&req, NULL, 0, false, fd, &rep, fds);

	if (err)
		return fail(err);
	/* Not that file (any more): -EBADF if closed meanwhile, else a stale entry (mock_done). */
	if (rep.flags & MOCK_REPLY_NOT_MINE)
		return fail(not_mine_closed(fd, ino, false) ? -EBADF : -ENODEV);
	if (rep.flags & MOCK_REPLY_DRAIN)
		drain_one(fd, ino);
	return fail(finish(&rep, fds));
}

/* False when @fd turned out not to be the mock file our table said: pass it through. */
static bool mock_done(ssize_t r, int fd, uint64_t ino)
{
	return !(r == -1 && errno == ENODEV && fdt_stale(fd, ino));
}

EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	uint64_t ino = fdt_get(fd);

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
	uint64_t ino = fdt_get(fd);

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
		return fail(-EINVAL);
	return mock_rw(op, fd, ino, ubuf, len, (uint64_t)off);
}

EXPORT ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	uint64_t ino = fdt_get(fd);

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
	uint64_t ino = fdt_get(fd);

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
	uint64_t ino = fdt_get(fd);

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
	uint64_t ino = fdt_get(fd);

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
	uint64_t ino = len <= buflen ? fdt_get(fd) : 0;

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
	uint64_t ino = len <= buflen ? fdt_get(fd) : 0;

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
	uint64_t ino = len <= buflen ? fdt_get(fd) : 0;

	if (len <= buflen && failnth_is_fd(fd)) /* fail-nth: fail_nth_proc.c */
		return failnth_read(fd, buf, len, false, off);
	if (ino) {
		ssize_t r = mock_prw(MOCK_OP_PREAD, fd, ino, (uintptr_t)buf, len, off);

		if (mock_done(r, fd, ino))
			return r;
	}
	return REAL(R_PREAD64_CHK, pread64_chk_fn)(fd, buf, len, off, buflen);
}

/* ------------------------------------------------------------- mappings ---- */

/* A still-mapped piece [start, end) of a mapping. */
struct piece {
	uintptr_t start, end;
};

struct mapping {
	uint64_t cookie;   /* the daemon's name for it */
	int hold_fd;       /* our duplicate of the mock fd: the mapping holds the file */
	unsigned int nr_pieces;
	struct piece *pieces;
};

static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mapping *maps;
static size_t nr_maps, cap_maps;

static size_t page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

static void map_release(uint64_t cookie, int hold_fd)
{
	struct mock_req req = { .op = MOCK_OP_MUNMAP, .arg = cookie };
	struct mock_reply rep;
	int fds[MOCK_PROTO_MAX_NEWFD];

	if (!transact(&req, NULL, 0, false, -1, &rep, fds))
		finish(&rep, fds);
	if (hold_fd >= 0)
		sys_close(hold_fd);
}

/*
 * [start, end) is no longer mapped (munmap, or a MAP_FIXED mapping over it):
 * trim every mapping it overlaps; release those with nothing left.
 */
static void maps_unmapped(uintptr_t start, uintptr_t end)
{
	struct mapping gone[8];
	unsigned int nr_gone = 0;
	bool more = true;

	if (!__atomic_load_n(&nr_maps_hint, __ATOMIC_ACQUIRE) || end <= start)
		return;
	while (more) {
		more = false;
		pthread_mutex_lock(&maps_lock);
		for (size_t i = nr_maps; i-- > 0;) {
			struct mapping *m = &maps[i];

			for (unsigned int k = m->nr_pieces; k-- > 0;) {
				struct piece p = m->pieces[k];
				struct piece *np;

				if (p.end <= start || p.start >= end)
					continue;
				if (p.start < start && p.end > end) {
					/* A hole in the middle: one piece becomes two. */
					np = reallocarray(m->pieces, m->nr_pieces + 1, sizeof(*np));
					if (!np)
						continue; /* keep it whole: released at exit */
					m->pieces = np;
					np[m->nr_pieces++] = (struct piece){ end, p.end };
					np[k].end = start;
				} else if (p.start < start) {
					m->pieces[k].end = start;
				} else if (p.end > end) {
					m->pieces[k].start = end;
				} else {
					m->pieces[k] = m->pieces[--m->nr_pieces];
				}
			}
			if (m->nr_pieces)
				continue;
			if (nr_gone == sizeof(gone) / sizeof(gone[0])) {
				more = true;
				break;
			}
			free(m->pieces);
			gone[nr_gone++] = *m;
			maps[i] = maps[--nr_maps];
		}
		__atomic_store_n(&nr_maps_hint, nr_maps, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&maps_lock);
		/* Tell the daemon outside the lock: another thread may be mapping. */
		while (nr_gone) {
			nr_gone--;
			map_release(gone[nr_gone].cookie, gone[nr_gone].hold_fd);
		}
	}
}

static int maps_add(uintptr_t start, uintptr_t end, uint64_t cookie, int hold_fd)
{
	struct piece *p = malloc(sizeof(*p));
	int err = 0;

	if (!p)
		return -ENOMEM;
	*p = (struct piece){ start, end };
	pthread_mutex_lock(&maps_lock);
	if (nr_maps == cap_maps) {
		size_t ncap = cap_maps ? cap_maps * 2 : 8;
		struct mapping *nm = reallocarray(maps, ncap, sizeof(*nm));

		if (nm) {
			maps = nm;
			cap_maps = ncap;
		} else {
			err = -ENOMEM;
		}
	}
	if (!err) {
		maps[nr_maps++] = (struct mapping){ .cookie = cookie, .hold_fd = hold_fd,
						    .nr_pieces = 1, .pieces = p };
		__atomic_store_n(&nr_maps_hint, nr_maps, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&maps_lock);
	if (err)
		free(p);
	return err;
}

static void *map_fail(int err)
{
	errno = err;
	return MAP_FAILED;
}

/* mmap(2) of mock fd @fd: the daemon says what memory backs it. */
static void *mock_mmap_fd(void *addr, size_t len, int prot, int flags, int fd, uint64_t ino,
			  int64_t off)
{
	size_t ps = page_size();
	struct mock_req req = { .op = MOCK_OP_MMAP, .ino = ino, .cmd = (uint32_t)prot,
				.oflags = flags };
	struct mock_reply rep;
	int fds[MOCK_PROTO_MAX_NEWFD];
	int err, hold, saved;
	void *p;

	if (len == 0 || off < 0 || ((uint64_t)off & (ps - 1)) || len > SIZE_MAX - ps)
		return map_fail(EINVAL);
	req.off = (uint64_t)off;
	req.len = (len + ps - 1) & ~(uint64_t)(ps - 1);
	err = transact(&req, NULL, 0, false, fd, &rep, fds);
	if (err)
		return map_fail(-err);
	if (rep.flags & MOCK_REPLY_NOT_MINE)
		return map_fail(not_mine_closed(fd, ino, false) ? EBADF : ENODEV);
	if (rep.ret < 0)
		return map_fail((int)-rep.ret);
	if (!(rep.flags & MOCK_REPLY_MMAP) || rep.nr_fd != 1) {
		close_all(fds, rep.nr_fd);
		return map_fail(EIO);
	}
	hold = REAL(R_FCNTL, fcntl_fn)(fd, F_DUPFD_CLOEXEC, 0);
	if (hold < 0) {
		saved = errno;
		sys_close(fds[0]);
		map_release(rep.cookie, -1);
		return map_fail(saved);
	}
	p = REAL(R_MMAP, mmap_fn)(addr, len, prot, flags, fds[0], (off_t)rep.mmap_off);
	saved = errno;
	sys_close(fds[0]);
	if (p == MAP_FAILED) {
		map_release(rep.cookie, hold);
		return map_fail(saved);
	}
	/* MAP_FIXED replaced whatever was there, mock mappings included. */
	if (flags & MAP_FIXED)
		maps_unmapped((uintptr_t)p, (uintptr_t)p + (uintptr_t)req.len);
	err = maps_add((uintptr_t)p, (uintptr_t)p + (uintptr_t)req.len, rep.cookie, hold);
	if (err) {
		REAL(R_MUNMAP, munmap_fn)(p, len);
		map_release(rep.cookie, hold);
		return map_fail(-err);
	}
	return p;
}

static void *do_mmap(enum real_fn which, void *addr, size_t len, int prot, int flags, int fd,
		     off_t off)
{
	uint64_t ino = fd >= 0 && !(flags & MAP_ANONYMOUS) ? fdt_get(fd) : 0;
	void *p;

	if (ino) {
		p = mock_mmap_fd(addr, len, prot, flags, fd, ino, off);
		if (p != MAP_FAILED || errno != ENODEV || !fdt_stale(fd, ino))
			return p;
	}
	p = REAL(which, mmap_fn)(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && (flags & MAP_FIXED))
		maps_unmapped((uintptr_t)p, (uintptr_t)p + len);
	return p;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return do_mmap(R_MMAP, addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off);

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
	return do_mmap(R_MMAP64, addr, len, prot, flags, fd, (off_t)off);
}

EXPORT int munmap(void *addr, size_t len)
{
	int r = REAL(R_MUNMAP, munmap_fn)(addr, len);

	if (r == 0 && len) {
		size_t ps = page_size();
		uintptr_t start = (uintptr_t)addr;

		maps_unmapped(start, start + ((len + ps - 1) & ~(ps - 1)));
	}
	return r;
}

/* fork: hold the table still across it, so the child inherits a consistent copy. */
static void maps_prepare(void)
{
	pthread_mutex_lock(&maps_lock);
}

static void maps_parent(void)
{
	pthread_mutex_unlock(&maps_lock);
}

/* The child maps what its parent mapped: one reference more per mapping. */
static void maps_child(void)
{
	/* Every thread's connection is the parent's now: make new ones. */
	__atomic_add_fetch(&fork_gen, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&maps_lock);
	for (size_t i = 0; i < nr_maps; i++) {
		struct mock_req req = { .op = MOCK_OP_MMAP_DUP, .arg = maps[i].cookie };
		struct mock_reply rep;
		int fds[MOCK_PROTO_MAX_NEWFD];

		if (!transact(&req, NULL, 0, false, -1, &rep, fds))
			finish(&rep, fds);
	}
}

/* --------------------------------------------------- fd table upkeep ---- */

EXPORT int close(int fd)
{
	/* Forget first: once closed, another thread may get this number. */
	fdt_forget(fd);
	return sys_close(fd);
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
		fdt_forget((int)fd);
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
		fdt_set(r, fdt_get(fd));
	return r;
}

EXPORT int dup2(int fd, int fd2)
{
	int r;

	if (fd != fd2 && fdt_raw(fd2) & FDT_CTL)
		fdt_forget(fd2);
	r = REAL(R_DUP2, dup2_fn)(fd, fd2);
	if (r >= 0 && fd != fd2)
		fdt_set(r, fdt_get(fd));
	return r;
}

EXPORT int dup3(int fd, int fd2, int flags)
{
	int r;

	if (fd != fd2 && fdt_raw(fd2) & FDT_CTL)
		fdt_forget(fd2);
	r = REAL(R_DUP3, dup3_fn)(fd, fd2, flags);
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

/* @fd: the file @ino names (the proof that we hold it), or -1. */
static long simple_op(enum mock_proto_op op, uint64_t ino, bool may_start, int fd)
{
	struct mock_req req = { .op = op, .ino = ino };
	struct mock_reply rep;
	int fds[MOCK_PROTO_MAX_NEWFD];
	int err = transact(&req, NULL, 0, may_start, fd, &rep, fds);

	if (err)
		return fail(err);
	return fail(finish(&rep, fds));
}

IOMMUFD_MOCK_API long iommufd_mock_daemon_files(void)
{
	return simple_op(MOCK_OP_STATS, 0, false, -1);
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
		    fd == ctl.fd)
			continue;
		ino = sock_ino((int)fd);
		if (ino && simple_op(MOCK_OP_QUERY, ino, false, (int)fd) == 1)
			fdt_set((int)fd, ino);
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

	if (ctl.fd >= 0)
		ctl_forget(&ctl, ctl.pid == getpid());
	errno = saved;
}

__attribute__((constructor)) static void shim_init(void)
{
	int saved = errno;

	/* The daemon reads and writes our memory like a kernel; Yama may be absent. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	pthread_atfork(maps_prepare, maps_parent, maps_child);
	adopt_inherited_fds();
	errno = saved;
}
