// SPDX-License-Identifier: MIT
/*
 * test-trust.c - the mock's trust boundary (doc/reliability.md, "Trust
 * model"): the daemon and the shim must be no weaker a boundary than the
 * kernel they stand for. One test per finding of issue 13, each in a child
 * with a private daemon of its own:
 *  - A: after the daemon's idle exit another user binds its name: the next
 *    open must not talk to it and gets a fresh daemon; a daemon of our own
 *    user that names an address outside the argument gets nothing stored;
 *  - B: a root process's child that dropped to another uid may use the file
 *    it inherited, on its own memory only, never as its parent on the
 *    parent's connection;
 *  - C: a process that never held a file cannot act on it by its inode;
 *  - F: a daemon at its fd limit answers new clients (ENFILE) and does not spin;
 *  - G: an ioctl whose fd another thread closes during the call says EBADF
 *    (or completes), never reaches whatever has the number now.
 * Needs root (to become another user, and to set the daemon's fd limit).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "iommufd-mock.h"
#include "iommufd-uapi.h"
#include "proto.h"
#include "rel.h"

#define PAGE 4096UL
#define SECRET_VA 0x567200000000ULL

/* Runs @fn in a forked child, bounded; returns its exit status (or 128 + signal, 255 on timeout). */
static int in_child(int (*fn)(void), unsigned int seconds)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		/* A private daemon for this child alone. */
		unsetenv(MOCK_ENV_SOCKET);
		_exit(fn());
	}
	st = rel_wait_child(pid, seconds);
	if (st == -1)
		return 255;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool process_gone(pid_t pid)
{
	char path[64], buf[256], *s;
	bool gone = true;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	if (fgets(buf, sizeof(buf), f)) {
		s = strrchr(buf, ')');
		gone = s && (s[2] == 'Z' || s[2] == 'X');
	}
	fclose(f);
	return gone;
}

static bool wait_gone(pid_t pid)
{
	for (int i = 0; i < 500; i++) {
		if (process_gone(pid))
			return true;
		usleep(10000);
	}
	return false;
}

/* A connection to the daemon we are told of, replies awaited 3 s at most; -1 on failure. */
static int raw_connect(void)
{
	const struct timeval tv = { .tv_sec = 3 };
	struct sockaddr_un sa;
	socklen_t len;
	int fd;

	if (mock_proto_addr(getenv(MOCK_ENV_SOCKET), &sa, &len))
		return -1;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, len) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One raw request on @sock: the reply's ret, or -ECONNRESET without one. */
static long raw_on(int sock, uint32_t op, uint64_t ino, uint32_t cmd, uint64_t arg, int proof)
{
	struct mock_req req = { .version = MOCK_PROTO_VERSION, .op = op, .ino = ino,
				.cmd = cmd, .arg = arg };
	struct mock_reply rep;
	ssize_t n = rel_send_req(sock, &req, proof);

	if (n != (ssize_t)sizeof(req))
		return n < 0 ? n : -ECONNRESET;
	return rel_recv_rep(sock, &rep) ? -ECONNRESET : (long)rep.ret;
}

static uint64_t ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* ---- A: the daemon is authenticated, and its replies bounded ---- */

/* Opens and closes a context in a thread of its own: its connection goes with it. */
static void *use_and_leave(void *arg)
{
	pid_t *dpid = arg;
	struct iommufd_ctx *ctx;

	if (iommufd_ctx_open(NULL, &ctx))
		return NULL;
	*dpid = iommufd_mock_daemon_pid();
	iommufd_ctx_close(ctx);
	return NULL;
}

/*
 * Another user on the freed name: accepts for as long as @done stays empty,
 * counting what clients send; reports the count on @report.
 */
static void impostor(const char *name, int ready, int done, int report)
{
	struct sockaddr_un sa;
	socklen_t len;
	long total = 0;
	int lfd;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		_exit(2);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (lfd < 0 || mock_proto_addr(name, &sa, &len) ||
	    bind(lfd, (struct sockaddr *)&sa, len) || listen(lfd, 8))
		_exit(3);
	if (write(ready, "r", 1) != 1)
		_exit(4);
	for (;;) {
		struct pollfd p[2] = { { .fd = lfd, .events = POLLIN }, { .fd = done, .events = POLLIN } };
		char buf[4096];
		int c;

		if (poll(p, 2, 20000) <= 0 || p[1].revents)
			break;
		c = accept(lfd, NULL, NULL);
		if (c < 0)
			continue;
		/* Whatever the client sends at once; then hang up (no reply: an old shim gives up). */
		if (poll(&(struct pollfd){ .fd = c, .events = POLLIN }, 1, 1000) == 1) {
			ssize_t n = recv(c, buf, sizeof(buf), MSG_DONTWAIT);

			if (n > 0)
				total += n;
		}
		close(c);
	}
	_exit(write(report, &total, sizeof(total)) == sizeof(total) ? 0 : 5);
}

static int impostor_child(void)
{
	char old[MOCK_SOCKET_NAME_MAX + 1];
	int ready[2], done[2], report[2], fd;
	const char *now;
	pid_t dpid = 0, ipid;
	pthread_t th;
	long got = -1;
	char c;

	if (geteuid() != 0)
		return 77; /* only root can become another user */
	if (pthread_create(&th, NULL, use_and_leave, &dpid) || pthread_join(th, NULL) || dpid <= 0)
		return 10;
	/* Nothing open, nobody connected: the private daemon exits. */
	if (!wait_gone(dpid))
		return 11;
	snprintf(old, sizeof(old), "%s", getenv(MOCK_ENV_SOCKET));
	if (pipe(ready) || pipe(done) || pipe(report))
		return 12;
	ipid = fork();
	if (ipid < 0)
		return 13;
	if (ipid == 0)
		impostor(old, ready[1], done[0], report[1]);
	if (read(ready[0], &c, 1) != 1)
		return 14;

	/* The next open must neither talk to it nor fail: a fresh daemon. */
	fd = open("/dev/iommu", O_RDWR);
	if (write(done[1], "d", 1) != 1 || read(report[0], &got, sizeof(got)) != sizeof(got))
		return 15;
	waitpid(ipid, NULL, 0);
	if (got != 0)
		return 16; /* the impostor received our request */
	if (fd < 0)
		return 17;
	now = getenv(MOCK_ENV_SOCKET);
	if (!now || !strcmp(now, old))
		return 18;
	dpid = iommufd_mock_daemon_pid();
	if (dpid <= 0 || dpid == ipid)
		return 19;
	close(fd);
	return 0;
}

static void test_impostor_after_idle_exit(void **state)
{
	int ret;

	(void)state;
	ret = in_child(impostor_child, 60);
	if (ret == 77)
		skip();
	assert_int_equal(0, ret);
}

/* A daemon of our own user that names, for the new fd's number, an address outside the argument. */
static int victim_int = -7;

struct liar {
	int lfd;
};

static void liar_reply(int c, int64_t ret, uint64_t uaddr, int retval_newfd)
{
	struct mock_reply rep = { .ret = ret, .nr_fd = 1, .retval_newfd = retval_newfd };
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.b,
			      .msg_controllen = sizeof(cbuf.b) };
	struct cmsghdr *cm;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return;
	rep.fd[0].uaddr = uaddr;
	memset(&cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &sv[1], sizeof(int));
	sendmsg(c, &msg, MSG_NOSIGNAL);
	close(sv[1]); /* sv[0] stays: the file lives */
}

/* Answers an open with a socket, then every ioctl with a new "fd" to store at &victim_int. */
static void *liar_thread(void *arg)
{
	struct liar *l = arg;
	int c = accept(l->lfd, NULL, NULL);

	for (;;) {
		struct mock_req req;
		char buf[4096];
		ssize_t n = recv(c, buf, sizeof(buf), 0);

		if (n < (ssize_t)sizeof(req))
			break;
		memcpy(&req, buf, sizeof(req));
		if (req.op == MOCK_OP_OPEN)
			liar_reply(c, 0, 0, 0);
		else
			liar_reply(c, 0, (uintptr_t)&victim_int, -1);
	}
	close(c);
	return NULL;
}

static int liar_child(void)
{
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	char name[MOCK_SOCKET_NAME_MAX + 1];
	struct sockaddr_un sa;
	struct liar l;
	socklen_t len;
	pthread_t th;
	int fd, ret;

	snprintf(name, sizeof(name), "libiommufd-trust-liar.%d", (int)getpid());
	l.lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (l.lfd < 0 || mock_proto_addr(name, &sa, &len) ||
	    bind(l.lfd, (struct sockaddr *)&sa, len) || listen(l.lfd, 8))
		return 2;
	if (pthread_create(&th, NULL, liar_thread, &l))
		return 3;
	setenv(MOCK_ENV_SOCKET, name, 1);
	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0)
		return 4;
	ret = ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fa);
	if (victim_int != -7)
		return 5; /* the shim stored an fd number where the reply said */
	/* A reply that breaks the rules ends the connection: no daemon, as far as we know. */
	if (ret != -1 || errno != ENODEV)
		return 6;
	/* The connection is gone: the liar sees its end. */
	pthread_join(th, NULL);
	close(fd);
	close(l.lfd);
	return 0;
}

static void test_reply_addresses(void **state)
{
	(void)state;
	assert_int_equal(0, in_child(liar_child, 30));
}

/* ---- B: a child that dropped privileges, on an inherited file ---- */

/* The request the child forges: filled before the fork, so the parent's copy says the same. */
static struct iommu_ioas_map forged = { .size = sizeof(forged) };

static int dropped_child(int ctx_fd, int parent_conn, int go)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	uint8_t *own = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	struct iommu_ioas_map map = forged;
	char c;
	long ret;

	if (own == MAP_FAILED)
		return 20;
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 21;
	if (read(go, &c, 1) != 1)
		return 22;
	/* On the parent's connection, naming the parent's file: not as the parent. */
	ret = raw_on(parent_conn, MOCK_OP_IOCTL, ino_of(ctx_fd), IOMMU_IOAS_MAP,
		     (uintptr_t)&forged, -1);
	if (ret != -EPERM)
		return 23;
	/* Through the shim (a connection of its own): the inherited file works... */
	if (ioctl(ctx_fd, IOMMU_IOAS_ALLOC, &alloc))
		return 24;
	/* ...on the child's own memory: the parent's page is not there. */
	if (ioctl(ctx_fd, IOMMU_IOAS_MAP, &map) != -1 || errno != EFAULT)
		return 25;
	map.ioas_id = alloc.out_ioas_id;
	map.user_va = (uintptr_t)own;
	map.flags = IOMMU_IOAS_MAP_READABLE;
	if (ioctl(ctx_fd, IOMMU_IOAS_MAP, &map))
		return 26;
	return 0;
}

static int inherited_child(void)
{
	struct iommufd_ctx *ctx;
	struct iommufd_ioas *ioas;
	int conn, go[2], st;
	void *secret;
	pid_t pid;

	if (geteuid() != 0)
		return 77;
	/* A domain attached: mappings pin, so the memory read is the caller's. */
	if (iommufd_ctx_open(NULL, &ctx) || iommufd_ioas_create(ctx, &ioas) ||
	    mock_domain(ctx, iommufd_ioas_get_id(ioas), NULL, NULL, NULL))
		return 2;
	/* A connection of ours that has shown it holds the context. */
	conn = raw_connect();
	if (conn < 0 || raw_on(conn, MOCK_OP_QUERY, ino_of(iommufd_ctx_get_fd(ctx)), 0, 0,
			       iommufd_ctx_get_fd(ctx)) != 1)
		return 3;
	forged.ioas_id = iommufd_ioas_get_id(ioas);
	forged.user_va = SECRET_VA;
	forged.length = PAGE;
	forged.iova = TEST_MOCK_APERTURE_START;
	forged.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA;
	if (pipe(go))
		return 4;
	pid = fork();
	if (pid < 0)
		return 5;
	if (pid == 0)
		_exit(dropped_child(iommufd_ctx_get_fd(ctx), conn, go[0]));
	/* A page only the parent has, made after the fork. */
	secret = mmap((void *)SECRET_VA, PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_POPULATE, -1, 0);
	if (secret == MAP_FAILED || write(go[1], "g", 1) != 1)
		return 6;
	st = rel_wait_child(pid, 30);
	if (st == -1 || !WIFEXITED(st))
		return 7;
	if (WEXITSTATUS(st))
		return WEXITSTATUS(st);
	/* Nothing of the parent's was pinned on the child's word. */
	if (rel_pinned_pages(getpid()) != 0)
		return 8;
	close(conn);
	iommufd_ctx_close(ctx);
	return 0;
}

static void test_dropped_child(void **state)
{
	int ret;

	(void)state;
	ret = in_child(inherited_child, 60);
	if (ret == 77)
		skip();
	assert_int_equal(0, ret);
}

/* ---- C: only a holder acts on a file ---- */

static int stranger(int in, int out)
{
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	uint64_t ino;
	int sv[2], conn;
	char r = 0;

	if (read(in, &ino, sizeof(ino)) != sizeof(ino) ||
	    read(in, &destroy.id, sizeof(destroy.id)) != sizeof(destroy.id))
		return 30;
	conn = raw_connect();
	if (conn < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 31;
	/* By its inode alone, and with a socket that is not the file. */
	if (raw_on(conn, MOCK_OP_IOCTL, ino, IOMMU_DESTROY, (uintptr_t)&destroy, -1) != -EBADF)
		r = 32;
	else if (raw_on(conn, MOCK_OP_IOCTL, ino, IOMMU_DESTROY, (uintptr_t)&destroy, sv[0]) !=
		 -EBADF)
		r = 33;
	else if (raw_on(conn, MOCK_OP_QUERY, ino, 0, 0, -1) != -EBADF)
		r = 34;
	close(conn);
	return write(out, &r, 1) == 1 ? 0 : 35;
}

static int not_held_child(void)
{
	struct iommufd_ctx *ctx;
	struct iommufd_ioas *ioas;
	int to[2], from[2], st;
	uint64_t ino;
	uint32_t id;
	pid_t pid;
	char r;

	/* The daemon first, so that the stranger knows it; then the stranger, then the file. */
	if (iommufd_mock_daemon_pid() <= 0 || pipe(to) || pipe(from))
		return 2;
	pid = fork();
	if (pid < 0)
		return 3;
	if (pid == 0)
		_exit(stranger(to[0], from[1]));
	if (iommufd_ctx_open(NULL, &ctx) || iommufd_ioas_create(ctx, &ioas))
		return 4;
	ino = ino_of(iommufd_ctx_get_fd(ctx));
	id = iommufd_ioas_get_id(ioas);
	if (write(to[1], &ino, sizeof(ino)) != sizeof(ino) || write(to[1], &id, sizeof(id)) != sizeof(id))
		return 5;
	if (read(from[0], &r, 1) != 1)
		return 6;
	st = rel_wait_child(pid, 20);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st))
		return 7;
	if (r)
		return r;
	/* The IOAS is still there, and its holder destroys it. */
	if (iommufd_ctx_destroy_id(ctx, id))
		return 8;
	iommufd_ctx_close(ctx);
	return 0;
}

static void test_not_held(void **state)
{
	(void)state;
	assert_int_equal(0, in_child(not_held_child, 60));
}

/* ---- F: the daemon at its fd limit ---- */

static long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *s;
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	s = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	/* After the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

static int count_dir(const char *path)
{
	char cmd[128];
	struct stat st;
	int n = 0;

	for (int fd = 0; fd < 4096; fd++) {
		snprintf(cmd, sizeof(cmd), "%s/%d", path, fd);
		if (!lstat(cmd, &st))
			n = fd + 1;
	}
	return n;
}

static int late_open(void)
{
	int fd = open("/dev/iommu", O_RDWR);

	if (fd >= 0)
		return 0;
	return errno == ENFILE ? 1 : 100 + errno;
}

static int fd_limit_child(void)
{
	struct iommufd_ctx *ctx;
	struct rlimit rl;
	char path[64];
	int conns[4], st;
	long t0, t1;
	pid_t dpid, pid;

	if (geteuid() != 0)
		return 77;
	if (iommufd_ctx_open(NULL, &ctx))
		return 2;
	dpid = iommufd_mock_daemon_pid();
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)dpid);
	/* Room for one more connection at most. */
	rl = (struct rlimit){ .rlim_cur = (rlim_t)count_dir(path) + 2, .rlim_max = 4096 };
	if (dpid <= 0 || prlimit(dpid, RLIMIT_NOFILE, &rl, NULL))
		return 3;
	for (int i = 0; i < 4; i++) {
		conns[i] = raw_connect();
		if (conns[i] >= 0)
			raw_on(conns[i], MOCK_OP_STATS, 0, 0, 0, -1);
	}
	/* A new client: an answer, and the one that says why. */
	pid = fork();
	if (pid < 0)
		return 4;
	if (pid == 0)
		_exit(late_open());
	st = rel_wait_child(pid, 25);
	if (st == -1)
		return 5; /* it hangs */
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 1)
		return WIFEXITED(st) && WEXITSTATUS(st) > 100 ? WEXITSTATUS(st) : 6;
	/* No busy loop on the listening socket while clients wait. */
	t0 = cpu_ticks(dpid);
	usleep(500000);
	t1 = cpu_ticks(dpid);
	if (t0 < 0 || t1 - t0 > 10)
		return 7;
	/* Room again: served again. */
	for (int i = 0; i < 4; i++)
		if (conns[i] >= 0)
			close(conns[i]);
	rl.rlim_cur = 1024;
	if (prlimit(dpid, RLIMIT_NOFILE, &rl, NULL))
		return 8;
	pid = fork();
	if (pid < 0)
		return 9;
	if (pid == 0)
		_exit(late_open());
	st = rel_wait_child(pid, 25);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 10;
	iommufd_ctx_close(ctx);
	return 0;
}

static void test_fd_limit(void **state)
{
	int ret;

	(void)state;
	ret = in_child(fd_limit_child, 90);
	if (ret == 77)
		skip();
	assert_int_equal(0, ret);
}

/* ---- G: an fd closed by another thread during the call ---- */

struct racer {
	int fd;
	pid_t tid;
	int ret, err;
};

static void *racer_thread(void *arg)
{
	struct racer *r = arg;
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	__atomic_store_n(&r->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	r->ret = ioctl(r->fd, IOMMU_IOAS_ALLOC, &alloc);
	r->err = errno;
	return NULL;
}

/* Is thread @tid blocked in recvmsg (waiting for its reply)? */
static bool in_recvmsg(pid_t tid)
{
	char path[64], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return atoi(buf) == SYS_recvmsg;
}

static int closed_child(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct racer r = { .ret = 0 };
	pthread_t th;
	pid_t dpid, tid = 0;
	int sv[2], i;

	r.fd = open("/dev/iommu", O_RDWR);
	if (r.fd < 0 || ioctl(r.fd, IOMMU_IOAS_ALLOC, &alloc))
		return 2;
	dpid = iommufd_mock_daemon_pid();
	if (dpid <= 0 || kill(dpid, SIGSTOP))
		return 3;
	if (pthread_create(&th, NULL, racer_thread, &r))
		return 4;
	/* The request is on its way (the thread waits for the reply)... */
	for (i = 0; i < 1000; i++) {
		tid = __atomic_load_n(&r.tid, __ATOMIC_ACQUIRE);
		if (tid && in_recvmsg(tid))
			break;
		usleep(5000);
	}
	/* ...when the fd is closed and its number given to another socket. */
	if (i == 1000 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ||
	    dup2(sv[0], r.fd) != r.fd) {
		kill(dpid, SIGCONT);
		return 5;
	}
	kill(dpid, SIGCONT);
	pthread_join(th, NULL);
	/* The kernel: completed on the file it started on, or EBADF; never the new socket's ENOTTY. */
	if (r.ret != 0 && r.err != EBADF)
		return r.err == ENOTTY ? 6 : 7;
	return 0;
}

static void test_close_during_ioctl(void **state)
{
	(void)state;
	assert_int_equal(0, in_child(closed_child, 60));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impostor_after_idle_exit),
		cmocka_unit_test(test_reply_addresses),
		cmocka_unit_test(test_dropped_child),
		cmocka_unit_test(test_not_held),
		cmocka_unit_test(test_fd_limit),
		cmocka_unit_test(test_close_during_ioctl),
	};

	if (!getenv("IOMMUFD_MOCKD")) {
		printf("reliability-trust: not under the mock (IOMMUFD_MOCKD unset), skipped\n");
		return 77;
	}
	if (geteuid() != 0)
		printf("reliability-trust: not root: the tests that need another uid skip\n");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
