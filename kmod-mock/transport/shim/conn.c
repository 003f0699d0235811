// SPDX-License-Identifier: MIT
/*
 * conn.c - the conversation with the daemon: starting a private one, this
 * thread's control connection, one request and its reply (proto.h).
 */
/* Define open/open64, pread/pread64, fcntl/fcntl64 as the distinct symbols they are. */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "shim-internal.h"

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

		shim_sys_close(p[0]);
		shim_sys_close(p[1]);
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
	shim_sys_close(p[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	do {
		got = (int)REAL(R_READ, rw_fn)(p[0], &c, 1);
	} while (got < 0 && errno == EINTR);
	shim_sys_close(p[0]);
	if (got != 1)
		return -ENODEV;
	/* Children join the same daemon, so a forked child shares the files. */
	setenv(MOCK_ENV_SOCKET, name, 1);
	return 0;
}

/*
 * How long a new connection waits for its first reply. Every request is
 * answered at once (the daemon never blocks); a daemon that does not answer
 * the first one never took the connection (stopped, wedged, at its fd
 * limit), and the program would wait forever.
 */
#define CTL_FIRST_REPLY_SECONDS 10

unsigned int shim_fork_gen;

__thread struct ctl shim_ctl = { .fd = -1 };
static pthread_key_t ctl_key;
static pthread_once_t ctl_once = PTHREAD_ONCE_INIT;

void shim_ctl_forget(struct ctl *c, bool close_it)
{
	if (c->fd >= 0 && close_it && shim_sock_ino(c->fd) == c->ino) {
		shim_fdt_set(c->fd, 0);
		shim_sys_close(c->fd);
	}
	c->fd = -1;
}

static void ctl_thread_exit(void *p)
{
	struct ctl *c = p;

	shim_ctl_forget(c, c->pid == getpid());
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
		shim_sys_close(fd);
		return -ENODEV;
	}
	if (!mock_proto_peer_ok(fd) || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		shim_sys_close(fd);
		return -ENODEV;
	}
	return fd;
}

/*
 * This thread's connection to the daemon, made if needed. @may_start: start a
 * private daemon if none is named (only an open of a mock path does).
 */
int shim_ctl_get(bool may_start)
{
	unsigned int gen = __atomic_load_n(&shim_fork_gen, __ATOMIC_ACQUIRE);
	unsigned int epoch = __atomic_load_n(&shim_ctl_epoch, __ATOMIC_ACQUIRE);
	const char *name;
	pid_t pid;
	int fd, err;

	/* The fast path: no fork, and no close of any control connection, since last time. */
	if (shim_ctl.fd >= 0 && shim_ctl.gen == gen && shim_ctl.epoch == epoch)
		return shim_ctl.fd;
	pid = getpid();
	if (shim_ctl.fd >= 0) {
		if (shim_ctl.pid == pid && shim_sock_ino(shim_ctl.fd) == shim_ctl.ino) {
			shim_ctl.gen = gen;
			shim_ctl.epoch = epoch;
			return shim_ctl.fd;
		}
		/* A copy inherited from our parent goes; one the program reused stays. */
		shim_ctl_forget(&shim_ctl, shim_ctl.pid != pid);
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
	if (fd < 0 && may_start && (!name || !*name || !shim_holds_mock_files())) {
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
	shim_ctl = (struct ctl){ .fd = fd, .pid = pid, .tid = gettid(), .ino = shim_sock_ino(fd),
			    .gen = gen, .epoch = epoch, .fresh = true };
	shim_fdt_set(fd, FDT_CTL);
	pthread_once(&ctl_once, ctl_key_init);
	if (ctl_key != (pthread_key_t)-1)
		pthread_setspecific(ctl_key, &shim_ctl);
	return fd;
}

/*
 * Copy @len bytes between the program's memory and ours with plain loads and
 * stores: in a program built with ASan, libc's memcpy is intercepted and
 * would report the bytes of the argument the program's own frame keeps as
 * redzones, which only the kernel's view (a range of bytes) may touch.
 */
void shim_copy_plain(void *dst, const void *src, size_t len)
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
			shim_copy_plain((void *)(uintptr_t)wr[i].uaddr, data, wr[i].len);
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
		if (errno == EPIPE && shim_ctl.fresh &&
		    recv(fd, &rbuf, sizeof(rbuf), MSG_DONTWAIT) == (ssize_t)sizeof(*rep) &&
		    rbuf.rep.ret < 0 && !rbuf.rep.nr_fd && !rbuf.rep.nr_wr && !rbuf.rep.flags) {
			*rep = rbuf.rep;
			shim_ctl_forget(&shim_ctl, true);
			return 0;
		}
		shim_ctl_forget(&shim_ctl, true);
		return -ENODEV;
	}

	iov[0] = (struct iovec){ .iov_base = &rbuf, .iov_len = sizeof(rbuf) };
	msg = (struct msghdr){ .msg_iov = iov, .msg_iovlen = 1, .msg_control = cbuf.b,
			       .msg_controllen = sizeof(cbuf.b) };
	while ((n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	/* A refusal may report the hang-up (ECONNRESET) before its answer, still queued. */
	if (n < 0 && errno == ECONNRESET && shim_ctl.fresh) {
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0)
			errno = ECONNRESET; /* nothing queued: gone (-ENODEV below) */
	}
	if (n < 0 && shim_ctl.fresh && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		static const char m[] = "libiommufd-mock: the mock daemon does not answer "
					"(stopped, or at its fd limit?)\n";

		if (write(2, m, sizeof(m) - 1) < 0) {
			/* nothing more to say */
		}
		shim_ctl_forget(&shim_ctl, true);
		return -ETIMEDOUT;
	}
	if (n > 0 && shim_ctl.fresh) {
		const struct timeval none = { 0 };

		/* Accepted and answering: later calls wait as long as they take. */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
		shim_ctl.fresh = false;
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
					shim_sys_close(f);
			}
		}
	}
	if (n >= (ssize_t)sizeof(*rep))
		*rep = rbuf.rep;
	if (n >= (ssize_t)sizeof(*rep) &&
	    (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) == MSG_CTRUNC && reply_fds_ok(req, rep)) {
		/* No room in our fd table: the kernel dropped the fds; the daemon releases them. */
		while (nfds)
			shim_sys_close(fds[--nfds]);
		reply_writes(req, rep, rbuf.raw + sizeof(*rep), (size_t)n - sizeof(*rep));
		return -EMFILE;
	}
	if (n < (ssize_t)sizeof(*rep) || (msg.msg_flags & MSG_TRUNC) || rep->nr_fd != nfds ||
	    (rep->ret < 0 && nfds) || !reply_fds_ok(req, rep) ||
	    reply_writes(req, rep, rbuf.raw + sizeof(*rep), (size_t)n - sizeof(*rep))) {
		while (nfds)
			shim_sys_close(fds[--nfds]);
		/* The daemon died, or speaks nonsense: this connection is done. */
		shim_ctl_forget(&shim_ctl, true);
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
int shim_transact(struct mock_req *req, const void *payload, size_t payload_len,
		    bool may_start, int proof_fd, struct mock_reply *rep, int *fds)
{
	int fd = shim_ctl_get(may_start), err;

	if (fd < 0)
		return fd;
	req->version = MOCK_PROTO_VERSION;
	req->tid = shim_ctl.tid;
	err = round_trip(fd, req, payload, payload_len,
			 req->op == MOCK_OP_QUERY ? proof_fd : -1, rep, fds);
	if (!err && (rep->flags & MOCK_REPLY_PROVE) && proof_fd >= 0 && req->op != MOCK_OP_QUERY)
		err = round_trip(fd, req, payload, payload_len, proof_fd, rep, fds);
	return err;
}

void shim_close_all(const int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		shim_fdt_set(fds[i], 0);
		shim_sys_close(fds[i]);
	}
}

/* Install the new fds of a reply; returns the call's result or -errno. */
long shim_finish(const struct mock_reply *rep, const int *fds)
{
	if (rep->ret < 0)
		return rep->ret;
	for (unsigned int i = 0; i < rep->nr_fd; i++) {
		if (!(rep->fd[i].oflags & O_CLOEXEC))
			fcntl(fds[i], F_SETFD, 0);
		if (rep->fd[i].oflags & O_NONBLOCK)
			fcntl(fds[i], F_SETFL, O_NONBLOCK);
		shim_fdt_set(fds[i], shim_sock_ino(fds[i]));
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
			shim_close_all(fds, rep->nr_fd);
			return -EFAULT;
		}
		shim_mark_defined(remote.iov_base, sizeof(nr));
	}
	if (rep->retval_newfd >= 0 && (unsigned int)rep->retval_newfd < rep->nr_fd)
		return fds[rep->retval_newfd];
	return rep->ret;
}

long shim_fail(long ret)
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
void shim_drain_one(int fd, uint64_t ino)
{
	char b;

	if (shim_sock_ino(fd) == ino)
		while (recv(fd, &b, 1, MSG_DONTWAIT) < 0 && errno == EINTR)
			;
}


/*
 * The daemon says the fd we sent as proof is not file @ino (proto.h). Was @fd
 * closed (through us, or replaced by dup2) while the call was on its way?
 * Then the call is -EBADF, never passed on to whatever now has the number.
 * Otherwise our table's entry was stale (a close behind our back): it goes,
 * and the fd is treated as the stranger it is.
 */
bool shim_not_mine_closed(int fd, uint64_t ino, bool probe)
{
	if (probe)
		return shim_sock_ino(fd) != ino;
	if (shim_fdt_get(fd) != ino)
		return true;
	shim_fdt_set(fd, 0);
	return false;
}
