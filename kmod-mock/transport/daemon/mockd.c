// SPDX-License-Identifier: MIT
/*
 * mockd.c - iommufd-mockd, the process that plays the kernel for kmod-mock.
 *
 * It owns one struct mock_kernel and serves it over the protocol of proto.h:
 * a single-threaded poll loop over the listening socket, the control
 * connections of client threads and the daemon ends ("D") of every mock file.
 * The core serialises nothing itself, so one thread here is the serialisation.
 *
 * The caller's pid and uid come from the credentials the kernel attaches to
 * each request (SCM_CREDENTIALS), never from the request; a connection
 * serves only the process that made it, and acts only on files that process
 * has shown it holds (doc/reliability.md, "Trust model"). The core reaches
 * the caller's memory by pid; this file never touches it.
 *
 * It also mirrors each file's readiness onto its client end (proto.h) and
 * counts, per process, the references that process's mappings hold on the
 * core's mmap regions, dropping them when the process exits (a pidfd says so).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "core.h"
#include "proto.h"

#ifndef MOCK_VERSION
#define MOCK_VERSION "unknown"
#endif

_Static_assert(MOCK_MAX_NEWFD <= MOCK_PROTO_MAX_NEWFD, "reply cannot carry every new fd");
_Static_assert(MOCK_PROTO_INLINE_MAX <= MOCK_UWIN_MAX, "window smaller than an inline argument");
_Static_assert(MOCK_UWIN_MAX_WR < MOCK_PROTO_MAX_WR, "reply cannot carry every logged write");

/* How long a daemon started with --exit-when-idle waits for its first client. */
#define FIRST_CLIENT_TIMEOUT_MS 30000

struct conn {
	int fd;
	pid_t pid;   /* the process that connected: the only one served here */
	int pidfd;   /* of that process (-1: none); readable once it has exited */
	/* Inodes of the files the process showed it holds (an fd passed once). */
	uint64_t *held;
	size_t nr_held, cap_held;
	/*
	 * The file whose fd the client was told to drain one byte from in the
	 * last reply (0: none). The client drains before its next request, so
	 * that request (or the connection's end) settles the order.
	 */
	uint64_t drain_ino;
};

struct mfile {
	uint64_t ino; /* inode number of the client end */
	int dfd;      /* daemon end */
	struct mock_file *file;
	/*
	 * Readiness mirror (proto.h): a byte of ours sits in the client end for
	 * the file's current readability, and drain orders not yet settled.
	 */
	bool signalled;
	bool ever_signalled; /* only such files need the stray-byte check */
	unsigned int pending_drains;
};

/* A mapping reference a process holds (one per mapping, counted). */
struct mref {
	uint64_t cookie;
	unsigned int count;
};

/* A process with mappings; its pidfd becomes readable when it exits. */
struct mproc {
	pid_t pid;
	int pidfd; /* -1 when pidfds are unavailable: checked when a connection ends */
	struct mref *refs;
	size_t nr_refs, cap_refs;
};

static struct mock_kernel *kern;
static struct conn *conns;
static size_t nr_conns, cap_conns;
static struct mfile *files;
static size_t nr_files, cap_files;
static struct mproc *procs;
static size_t nr_procs, cap_procs;
static _Atomic int stop_signal; /* set by stop_watch */

/* Files the core said may have changed readiness during the current call. */
#define MAX_DIRTY 16
static struct mock_file *dirty[MAX_DIRTY];
static unsigned int nr_dirty;
static bool dirty_overflow;

static void warn_errno(const char *what, int err)
{
	fprintf(stderr, "iommufd-mockd: %s: %s\n", what, strerror(err));
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	p = reallocarray(*arr, ncap, elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static struct mfile *file_find(uint64_t ino)
{
	for (size_t i = 0; i < nr_files; i++)
		if (files[i].ino == ino)
			return &files[i];
	return NULL;
}

/*
 * The mock file behind fd @fd of the calling process, for calls that name
 * another file by number (the selftest's access fd). The caller's fd table
 * is only visible through /proc: a mock fd is a socket whose inode we know.
 */
static struct mock_file *fget_by_proc(void *priv, const struct mock_task *task, int fd)
{
	char path[64], link[64];
	unsigned long long ino;
	struct mfile *mf;
	ssize_t n;

	(void)priv;
	if (fd < 0 || !mock_user_fd_fgettable(task, fd))
		return NULL;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)task->pid, fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return NULL;
	link[n] = '\0';
	if (sscanf(link, "socket:[%llu]", &ino) != 1)
		return NULL;
	mf = file_find(ino);
	return mf ? mf->file : NULL;
}

static void conn_forget_file(uint64_t ino);

static void file_drop(size_t i)
{
	struct mock_file *f = files[i].file;

	conn_forget_file(files[i].ino);

	close(files[i].dfd);
	files[i] = files[--nr_files];
	mock_release(f);
}

/*
 * Poll events on the daemon end of file @i: the last client copy is gone
 * (release it), or a program wrote to its mock fd behind the shim's back
 * (drop the bytes). Returns true when the file was dropped.
 */
static bool file_event(size_t i, short revents)
{
	bool gone = revents & (POLLHUP | POLLERR | POLLNVAL);
	char junk[256];

	if (!gone && (revents & POLLIN)) {
		ssize_t r = recv(files[i].dfd, junk, sizeof(junk), MSG_DONTWAIT);

		gone = r == 0;
	}
	if (gone)
		file_drop(i);
	return gone;
}

/* ---- readiness ---- */

static void on_notify(void *priv, struct mock_file *f)
{
	(void)priv;
	for (unsigned int i = 0; i < nr_dirty; i++)
		if (dirty[i] == f)
			return;
	if (nr_dirty < MAX_DIRTY)
		dirty[nr_dirty++] = f;
	else
		dirty_overflow = true;
}

/* Bytes of ours still unread in the client end of @mf. */
static bool bytes_outstanding(const struct mfile *mf)
{
	int q = 0;

	return ioctl(mf->dfd, SIOCOUTQ, &q) == 0 && q > 0;
}

/*
 * Mirror mock_poll() of @mf onto its client end. @c and @rep: the request on
 * this very file being answered, which may carry a drain order; NULL when
 * the change came from a call on another file (a withdrawn readiness then
 * stays visible until the next call on the file: a spurious wake-up).
 */
static void file_update(struct mfile *mf, struct conn *c, struct mock_reply *rep)
{
	bool want = mock_poll(mf->file) & POLLIN;

	/*
	 * With no drain order in flight, the client end holds exactly our
	 * signal byte, unless a client died between a reply and its drain: adopt
	 * such a stray byte as the signal, so that it is drained in turn.
	 */
	if (mf->ever_signalled && !mf->pending_drains && !mf->signalled && !want)
		mf->signalled = bytes_outstanding(mf);

	if (want && !mf->signalled) {
		if (send(mf->dfd, "!", 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1)
			mf->signalled = mf->ever_signalled = true;
	} else if (!want && mf->signalled && c && rep) {
		mf->signalled = false;
		mf->pending_drains++;
		c->drain_ino = mf->ino;
		rep->flags |= MOCK_REPLY_DRAIN;
	}
}

static struct mfile *file_find_by_file(struct mock_file *f)
{
	for (size_t i = 0; i < nr_files; i++)
		if (files[i].file == f)
			return &files[i];
	return NULL;
}

/* After a call: mirror every file the core notified about (@self: done by the caller). */
static void flush_dirty(const struct mfile *self)
{
	if (dirty_overflow) {
		for (size_t i = 0; i < nr_files; i++)
			if (&files[i] != self)
				file_update(&files[i], NULL, NULL);
	} else {
		for (unsigned int i = 0; i < nr_dirty; i++) {
			/* A notified file may have been released since: look it up, never use it. */
			struct mfile *mf = file_find_by_file(dirty[i]);

			if (mf && mf != self)
				file_update(mf, NULL, NULL);
		}
	}
	nr_dirty = 0;
	dirty_overflow = false;
}

/* The client of @c has drained what its last reply ordered (or is gone). */
static void conn_settle_drain(struct conn *c)
{
	struct mfile *mf;

	if (!c->drain_ino)
		return;
	mf = file_find(c->drain_ino);
	if (mf && mf->pending_drains)
		mf->pending_drains--;
	c->drain_ino = 0;
}

/* ---- mapping references, per process ---- */

static struct mproc *proc_find(pid_t pid)
{
	for (size_t i = 0; i < nr_procs; i++)
		if (procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

static struct mproc *proc_get(pid_t pid)
{
	struct mproc *p = proc_find(pid);

	if (p)
		return p;
	if (grow((void **)&procs, &cap_procs, nr_procs + 1, sizeof(*procs)))
		return NULL;
	p = &procs[nr_procs++];
	*p = (struct mproc){ .pid = pid, .pidfd = -1 };
#ifdef SYS_pidfd_open
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p->pidfd >= 0)
		fcntl(p->pidfd, F_SETFD, FD_CLOEXEC);
#endif
	return p;
}

/* Drop every reference of process @i (it exited or exec'd) and forget it. */
static void proc_drop(size_t i)
{
	struct mproc *p = &procs[i];

	for (size_t r = 0; r < p->nr_refs; r++)
		for (unsigned int n = 0; n < p->refs[r].count; n++)
			mock_mmap_put(kern, p->refs[r].cookie);
	if (p->pidfd >= 0)
		close(p->pidfd);
	free(p->refs);
	procs[i] = procs[--nr_procs];
}

static int proc_ref_add(pid_t pid, uint64_t cookie)
{
	struct mproc *p = proc_get(pid);
	size_t r;

	if (!p)
		return -ENOMEM;
	for (r = 0; r < p->nr_refs; r++)
		if (p->refs[r].cookie == cookie)
			break;
	if (r == p->nr_refs) {
		if (grow((void **)&p->refs, &p->cap_refs, p->nr_refs + 1, sizeof(*p->refs))) {
			if (!p->nr_refs)
				proc_drop((size_t)(p - procs));
			return -ENOMEM;
		}
		p->refs[p->nr_refs++] = (struct mref){ .cookie = cookie };
	}
	p->refs[r].count++;
	return 0;
}

/* Drop one reference of @pid on @cookie; -EINVAL if it holds none. */
static int proc_ref_put(pid_t pid, uint64_t cookie)
{
	struct mproc *p = proc_find(pid);

	if (!p)
		return -EINVAL;
	for (size_t r = 0; r < p->nr_refs; r++) {
		if (p->refs[r].cookie != cookie)
			continue;
		mock_mmap_put(kern, cookie);
		if (--p->refs[r].count == 0)
			p->refs[r] = p->refs[--p->nr_refs];
		if (!p->nr_refs)
			proc_drop((size_t)(p - procs));
		return 0;
	}
	return -EINVAL;
}

static bool cookie_held(uint64_t cookie)
{
	for (size_t i = 0; i < nr_procs; i++)
		for (size_t r = 0; r < procs[i].nr_refs; r++)
			if (procs[i].refs[r].cookie == cookie)
				return true;
	return false;
}

/* Without pidfds: forget processes that are gone, whenever a connection ends. */
static void procs_check_alive(void)
{
	for (size_t i = nr_procs; i-- > 0;)
		if (procs[i].pidfd < 0 && kill(procs[i].pid, 0) && errno == ESRCH)
			proc_drop(i);
}

static void conn_drop(size_t i)
{
	conn_settle_drain(&conns[i]);
	close(conns[i].fd);
	if (conns[i].pidfd >= 0)
		close(conns[i].pidfd);
	free(conns[i].held);
	conns[i] = conns[--nr_conns];
	procs_check_alive();
}

/* ---- connections: who may talk, and on which files ---- */

/* The device of socket inodes (sockfs), to tell a socket's inode from a file's. */
static dev_t sock_dev;

/*
 * A spare fd, given up when accept() finds the daemon at its fd limit: the
 * waiting client is taken, told -ENFILE and let go, instead of staying in
 * the backlog (where the listening socket stays readable: a busy loop, and a
 * client waiting forever).
 */
static int reserve_fd = -1;
static bool fd_limit_logged;

static void reserve_take(void)
{
	if (reserve_fd < 0)
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* Out of fds: refuse the oldest waiting client; false when there was none. */
static bool refuse_one(int lfd, int err)
{
	const struct mock_reply rep = { .ret = -ENFILE, .retval_newfd = -1 };
	int fd;

	if (!fd_limit_logged) {
		fprintf(stderr,
			"iommufd-mockd: out of file descriptors (%s): refusing new clients with "
			"ENFILE until some close\n",
			strerror(err));
		fd_limit_logged = true;
	}
	if (reserve_fd >= 0) {
		close(reserve_fd);
		reserve_fd = -1;
	}
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd >= 0) {
		char junk[64];

		/*
		 * One datagram: the answer to whatever the client sends first.
		 * Then no more requests (the client's send says EPIPE), and none
		 * left unread, which would make the client's receive ECONNRESET.
		 */
		send(fd, &rep, sizeof(rep), MSG_NOSIGNAL | MSG_DONTWAIT);
		shutdown(fd, SHUT_RD);
		while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
			;
		close(fd);
	}
	reserve_take();
	return fd >= 0;
}

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

/* A pidfd of the process that made connection @fd (pid @pid), or -1. */
static int conn_pidfd(int fd, pid_t pid)
{
	socklen_t len = sizeof(int);
	int pidfd = -1;

	if (!getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) && pidfd >= 0) {
		fcntl(pidfd, F_SETFD, FD_CLOEXEC);
		return pidfd;
	}
#ifdef SYS_pidfd_open
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0)
		fcntl(pidfd, F_SETFD, FD_CLOEXEC);
#else
	(void)pid;
#endif
	return pidfd;
}

/*
 * Any user may connect (an abstract name has no permissions, and a child
 * that dropped privileges keeps the files it inherited); what each request
 * may do is decided per request, from its credentials.
 */
static void accept_conns(int lfd, bool *had_client)
{
	for (;;) {
		struct ucred cred;
		socklen_t clen = sizeof(cred);
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), pidfd;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				if (refuse_one(lfd, errno))
					continue;
			} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
				warn_errno("accept", errno);
			}
			return;
		}
		fd_limit_logged = false;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) || cred.pid <= 0 ||
		    grow((void **)&conns, &cap_conns, nr_conns + 1, sizeof(*conns))) {
			close(fd);
			continue;
		}
		pidfd = conn_pidfd(fd, cred.pid);
		if (pidfd < 0 && (errno == EMFILE || errno == ENFILE)) {
			const struct mock_reply rep = { .ret = -ENFILE, .retval_newfd = -1 };

			send(fd, &rep, sizeof(rep), MSG_NOSIGNAL | MSG_DONTWAIT);
			shutdown(fd, SHUT_RD);
			close(fd);
			continue;
		}
		conns[nr_conns++] = (struct conn){ .fd = fd, .pid = cred.pid, .pidfd = pidfd };
		*had_client = true;
	}
}

static bool conn_holds(const struct conn *c, uint64_t ino)
{
	for (size_t i = 0; i < c->nr_held; i++)
		if (c->held[i] == ino)
			return true;
	return false;
}

/* File @ino is released: no connection holds it any more. */
static void conn_forget_file(uint64_t ino)
{
	for (size_t i = 0; i < nr_conns; i++) {
		struct conn *c = &conns[i];

		for (size_t k = 0; k < c->nr_held; k++) {
			if (c->held[k] == ino) {
				c->held[k] = c->held[--c->nr_held];
				break;
			}
		}
	}
}

/* Is @fd (passed by the client) the client end of file @ino? */
static bool proof_matches(int fd, uint64_t ino)
{
	struct stat st;

	return fd >= 0 && !fstat(fd, &st) && S_ISSOCK(st.st_mode) && st.st_dev == sock_dev &&
	       st.st_ino == ino;
}

/*
 * The file @req names, if the caller may act on it: only a holder may, as
 * with a kernel's fd. A connection that has not shown it holds the file is
 * asked to (MOCK_REPLY_PROVE, whether or not the file exists); with the fd
 * attached (@proof_fd) it is checked and remembered. Returns 0 and *@out, or
 * the reply's error: -EBADF (not proven; with MOCK_REPLY_NOT_MINE, @proof_fd
 * is not that file), -ENODEV (a socket of ours no more: its daemon is gone),
 * -ENOTTY with MOCK_REPLY_NOT_MINE for a probe of a socket that is no mock file.
 */
static long conn_file(struct conn *c, const struct mock_req *req, int proof_fd,
		      struct mock_reply *rep, struct mfile **out)
{
	struct mfile *mf = file_find(req->ino);
	bool probe = req->flags & MOCK_REQ_PROBE;

	if (mf && conn_holds(c, mf->ino)) {
		*out = mf;
		return 0;
	}
	if (proof_fd < 0) {
		rep->flags |= MOCK_REPLY_PROVE;
		return -EBADF;
	}
	if (!proof_matches(proof_fd, req->ino)) {
		rep->flags |= MOCK_REPLY_NOT_MINE;
		return probe ? -ENOTTY : -EBADF;
	}
	if (!mf) {
		if (probe) {
			rep->flags |= MOCK_REPLY_NOT_MINE;
			return -ENOTTY;
		}
		/* The shim made this fd with another daemon, which is gone. */
		return -ENODEV;
	}
	if (grow((void **)&c->held, &c->cap_held, c->nr_held + 1, sizeof(*c->held)))
		return -ENOMEM;
	c->held[c->nr_held++] = mf->ino;
	*out = mf;
	return 0;
}

/*
 * The caller's identity for one request, from the credentials the kernel
 * attached (@cred: NULL if none): the process that made the connection,
 * else -EPERM (a fork child on its parent's connection, a passed socket).
 */
static int conn_caller(const struct conn *c, const struct ucred *cred, struct mock_task *task)
{
	if (!cred || cred->pid != c->pid)
		return -EPERM;
	task->pid = cred->pid;
	task->uid = cred->uid;
	return 0;
}

/* Turn the files a call created into socketpairs; on failure release them all. */
static int install_newfds(struct mock_call *call, struct mock_reply *rep, int *cfds)
{
	int dfds[MOCK_MAX_NEWFD];
	unsigned int i, n = call->nr_newfd;
	int err = 0;

	if (n > MOCK_MAX_NEWFD)
		return -EINVAL; /* a core bug; the files cannot be trusted either */
	if (grow((void **)&files, &cap_files, nr_files + n, sizeof(*files)))
		err = -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
			err = errno == ENFILE ? -ENFILE : -EMFILE;
			break;
		}
		dfds[i] = sv[0];
		cfds[i] = sv[1];
	}
	if (err) {
		while (i-- > 0) {
			close(dfds[i]);
			close(cfds[i]);
		}
		for (i = 0; i < n; i++)
			mock_release(call->newfd[i].file);
		return err;
	}
	for (i = 0; i < n; i++) {
		struct stat st;

		/* Cannot fail on a socket we hold; the inode names the file from now on. */
		fstat(cfds[i], &st);
		fcntl(dfds[i], F_SETFL, O_NONBLOCK);
		files[nr_files++] = (struct mfile){
			.ino = st.st_ino, .dfd = dfds[i], .file = call->newfd[i].file
		};
		rep->fd[i].uaddr = call->newfd[i].uaddr;
		rep->fd[i].oflags = call->newfd[i].oflags;
	}
	rep->nr_fd = n;
	rep->retval_newfd = call->retval_newfd >= 0 && (unsigned int)call->retval_newfd < n ?
				    call->retval_newfd : -1;
	return 0;
}

/* What serve() needs to know about a request besides its reply. */
struct served {
	uint64_t ino;     /* the file the request named, if any (files[] may move) */
	int mmap_fd;      /* MOCK_OP_MMAP: the core's fd to send, else -1 */
};

static long do_mmap(struct conn *c, struct mfile *mf, const struct mock_req *req,
		    struct mock_call *call, struct mock_reply *rep, struct served *sv)
{
	struct mock_mmap_result res = { .memfd = -1 };
	int ret;

	if (req->len == 0)
		return -EINVAL;
	ret = mock_mmap(mf->file, req->off, req->len, (int)req->cmd, req->oflags, call, &res);
	if (ret)
		return ret;
	if (res.memfd < 0) {
		mock_mmap_put(kern, res.cookie);
		return -EIO; /* a core bug; nothing to hand out */
	}
	/* mock_mmap's reference becomes this process's until munmap or exit. */
	ret = proc_ref_add(c->pid, res.cookie);
	if (ret) {
		mock_mmap_put(kern, res.cookie);
		return ret;
	}
	sv->mmap_fd = res.memfd;
	rep->flags |= MOCK_REPLY_MMAP;
	rep->mmap_off = res.memfd_off;
	rep->cookie = res.cookie;
	return 0;
}

/* Is @tid a thread of process @pid? */
static bool tid_of(pid_t pid, pid_t tid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)pid, (int)tid);
	return !stat(path, &st);
}

static long dispatch(struct conn *c, const struct mock_req *req, const char *path,
		     int proof_fd, struct mock_call *call, struct mock_reply *rep,
		     struct served *sv)
{
	struct mfile *mf = NULL;
	long err;

	switch (req->op) {
	case MOCK_OP_OPEN: {
		struct mock_file *f;
		int ret;

		/* The device nodes are the daemon's user's (mode 0600, as it were). */
		if (call->task->uid != geteuid())
			return -EACCES;
		ret = mock_open(kern, path, req->oflags, call->task, &f);

		if (ret)
			return ret;
		call->nr_newfd = 1;
		call->newfd[0] = (struct mock_newfd){
			.file = f, .uaddr = 0, .oflags = req->oflags & (O_CLOEXEC | O_NONBLOCK)
		};
		call->retval_newfd = 0;
		return 0;
	}
	case MOCK_OP_STATS: /* the daemon's own books: its user's business */
		return call->task->uid == geteuid() ? (long)nr_files : -EACCES;
	case MOCK_OP_QUERY: /* only about a file one holds */
		err = conn_file(c, req, proof_fd, rep, &mf);
		if (err && !(rep->flags & MOCK_REPLY_PROVE)) {
			rep->flags &= ~MOCK_REPLY_NOT_MINE;
			return 0;
		}
		return err ? err : 1;
	case MOCK_OP_MUNMAP:
		return proc_ref_put(c->pid, req->arg);
	case MOCK_OP_MMAP_DUP:
		/* Only a mapping some process holds: a fork child's copy of its parent's. */
		if (!cookie_held(req->arg))
			return -EINVAL;
		mock_mmap_get(kern, req->arg);
		if (proc_ref_add(c->pid, req->arg)) {
			mock_mmap_put(kern, req->arg);
			return -ENOMEM;
		}
		return 0;
	case MOCK_OP_MMAP_FORGET: {
		struct mproc *p = proc_find(c->pid);

		if (p)
			proc_drop((size_t)(p - procs));
		return 0;
	}
	case MOCK_OP_FAIL_NTH: { /* fail-nth: the shim's fail_nth_proc.c */
		unsigned int nth = (unsigned int)req->len;
		int ret;

		if (req->arg > INT32_MAX || req->len > UINT32_MAX || req->cmd > 1)
			return -EINVAL;
		ret = mock_fail_nth(kern, call->task, (pid_t)req->arg, req->cmd == 1, &nth);
		return ret ? ret : (long)nth;
	}
	case MOCK_OP_PINNED_VM: { /* /proc/<pid>/status: the shim's procfs.c */
		uint64_t pinned, locked;

		if (req->arg == 0 || req->arg > INT32_MAX || req->cmd > 1)
			return -EINVAL;
		mock_kernel_pinned_vm(kern, (pid_t)req->arg, &pinned, &locked);
		pinned = req->cmd ? locked : pinned;
		return pinned > LONG_MAX ? LONG_MAX : (long)pinned;
	}
	case MOCK_OP_PCI_CONFIG: { /* sysfs: the shim's sysfs.c */
		uint32_t val;
		int ret;

		if (call->task->uid != geteuid())
			return -EACCES;
		if (req->arg > UINT32_MAX || req->off > UINT32_MAX)
			return -EINVAL;
		ret = mock_kernel_pci_config(kern, (unsigned int)req->arg, (unsigned int)req->off,
					     &val);
		return ret ? ret : (long)val;
	}
	case MOCK_OP_IOCTL:
	case MOCK_OP_READ:
	case MOCK_OP_WRITE:
	case MOCK_OP_PREAD:
	case MOCK_OP_PWRITE:
	case MOCK_OP_MMAP:
		break;
	default:
		return -EINVAL;
	}

	err = conn_file(c, req, proof_fd, rep, &mf);
	if (err)
		return err;
	sv->ino = mf->ino;
	if (req->op != MOCK_OP_IOCTL && req->len > SSIZE_MAX)
		return -EINVAL;

	switch (req->op) {
	case MOCK_OP_IOCTL:
		return mock_ioctl(mf->file, req->cmd, (unsigned long)req->arg, call);
	case MOCK_OP_READ:
		return mock_read(mf->file, req->arg, req->len, call);
	case MOCK_OP_WRITE:
		return mock_write(mf->file, req->arg, req->len, call);
	case MOCK_OP_PREAD:
		return mock_pread(mf->file, req->arg, req->len, req->off, call);
	case MOCK_OP_PWRITE:
		return mock_pwrite(mf->file, req->arg, req->len, req->off, call);
	default:
		return do_mmap(c, mf, req, call, rep, sv);
	}
}

/* The parts of a reply after its header: what the call wrote into the caller (proto.h). */
struct reply_wr {
	struct mock_reply_wr wr[MOCK_PROTO_MAX_WR];
	unsigned char data[MOCK_PROTO_INLINE_MAX];
};

/*
 * Fill @rep->nr_wr, @rep->wr_bytes and @out from the window of the call:
 * runs of held-back writes with their bytes first, then the direct writes.
 * Past the room for runs, the last run grows over the rest (bytes between
 * runs go back unchanged: buf holds what the caller's memory held).
 */
static void reply_writes(const struct mock_uwin *w, struct mock_reply *rep, struct reply_wr *out)
{
	const unsigned int max_runs = MOCK_PROTO_MAX_WR - MOCK_UWIN_MAX_WR;
	unsigned int nr = 0;
	uint32_t bytes = 0;

	for (uint32_t i = 0; i < w->len && w->defer_writes;) {
		uint32_t end;

		if (!(w->dirty[i / 64] >> (i % 64))) {
			i = (i / 64 + 1) * 64; /* nothing more in this word */
			continue;
		}
		if (!(w->dirty[i / 64] & (1ull << (i % 64)))) {
			i++;
			continue;
		}
		for (end = i + 1; end < w->len && (w->dirty[end / 64] & (1ull << (end % 64))); end++)
			;
		if (nr == max_runs) {
			struct mock_reply_wr *last = &out->wr[nr - 1];
			uint32_t from = (uint32_t)(last->uaddr - w->uaddr);

			bytes -= (uint32_t)last->len;
			last->len = end - from;
		} else {
			out->wr[nr++] = (struct mock_reply_wr){ .uaddr = w->uaddr + i, .len = end - i,
								 .flags = MOCK_WR_DATA };
		}
		{
			const struct mock_reply_wr *last = &out->wr[nr - 1];
			uint32_t from = (uint32_t)(last->uaddr - w->uaddr);

			memcpy(out->data + bytes, w->buf + from, last->len);
			bytes += (uint32_t)last->len;
		}
		i = end;
	}
	for (unsigned int i = 0; i < w->nr_wr; i++)
		out->wr[nr++] = (struct mock_reply_wr){ .uaddr = w->wr[i].uaddr, .len = w->wr[i].len };
	rep->nr_wr = nr;
	rep->wr_bytes = bytes;
}

/* Serve one request; returns false when the connection must be dropped. */
static bool serve(struct conn *c)
{
	union {
		struct mock_req req;
		char raw[sizeof(struct mock_req) + PATH_MAX + 1];
	} buf;
	struct mock_reply rep = { .retval_newfd = -1 };
	struct mock_uwin uw = { .len = 0 };
	struct reply_wr wr;
	struct mock_task task = { .pid = c->pid, .uid = (uid_t)-1, .uwin = &uw };
	struct served sv = { .ino = 0, .mmap_fd = -1 };
	struct mfile *mf;
	struct mock_call call;
	struct iovec iov[3] = { { .iov_base = &buf, .iov_len = sizeof(buf) - 1 } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 1 };
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int) * MOCK_PROTO_MAX_NEWFD)];
	} cbuf;
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(struct ucred)) +
		       CMSG_SPACE(sizeof(int) * (MOCK_PROTO_MAX_FDS + 1))];
	} rcbuf;
	int rfds[MOCK_PROTO_MAX_FDS + 1];
	unsigned int nr_rfds = 0;
	struct ucred cred_buf, *cred = NULL;
	int cfds[MOCK_MAX_NEWFD];
	const char *path = NULL;
	unsigned int nr_send = 0;
	int proof_fd = -1;
	size_t rep_len;
	ssize_t n;
	long ret;

	/* The kernel's credentials of the sender (SO_PASSCRED), and a proof fd. */
	msg.msg_control = rcbuf.b;
	msg.msg_controllen = sizeof(rcbuf.b);
	n = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_CREDENTIALS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
			memcpy(&cred_buf, CMSG_DATA(cm), sizeof(cred_buf));
			cred = &cred_buf;
		} else if (cm->cmsg_type == SCM_RIGHTS) {
			size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < k; i++) {
				int f;

				memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				if (nr_rfds < MOCK_PROTO_MAX_FDS + 1)
					rfds[nr_rfds++] = f;
				else
					close(f);
			}
		}
	}
	if (n == 0) {
		while (nr_rfds)
			close(rfds[--nr_rfds]);
		return false;
	}

	/* The client drained what the previous reply ordered before asking again. */
	conn_settle_drain(c);
	task.tid = c->pid;
	mock_call_init(&call, &task);
	/* The caller files the request names come first, then the proof fd (proto.h). */
	if ((size_t)n >= sizeof(buf.req) && buf.req.nr_fds <= MOCK_PROTO_MAX_FDS &&
	    buf.req.nr_fds <= nr_rfds) {
		for (unsigned int i = 0; i < buf.req.nr_fds; i++)
			call.fds[call.nr_fds++] =
				(struct mock_call_fd){ .ufd = buf.req.fds[i], .fd = rfds[i] };
	}
	for (unsigned int i = call.nr_fds; i < nr_rfds; i++) {
		if (proof_fd < 0)
			proof_fd = rfds[i];
		else
			close(rfds[i]);
	}
	if ((size_t)n < sizeof(buf.req) || (msg.msg_flags & MSG_TRUNC) ||
	    buf.req.version != MOCK_PROTO_VERSION) {
		ret = -EINVAL;
	} else if ((ret = conn_caller(c, cred, &task))) {
		/* Not the connection's process: nothing is done on its behalf. */
	} else if ((msg.msg_flags & MSG_CTRUNC) && proof_fd < 0) {
		ret = -ENFILE; /* a proof fd came, but we had no room for it */
	} else {
		/*
		 * The thread is the client's word: it must be one of the
		 * process's own (its capabilities and fail-nth count), never a
		 * stranger whose capabilities it would borrow: another tid
		 * is not believed, the call is the process's.
		 */
		if (buf.req.tid > 0 && (buf.req.tid == c->pid || tid_of(c->pid, buf.req.tid)))
			task.tid = buf.req.tid;
		if (buf.req.flags & MOCK_REQ_FD_ROOM)
			call.fd_room = buf.req.fd_room;
		if (buf.req.op == MOCK_OP_OPEN) {
			buf.raw[n] = '\0';
			path = buf.raw + sizeof(buf.req);
			if ((size_t)n == sizeof(buf.req) || buf.req.inline_len ||
			    strlen(path) != (size_t)n - sizeof(buf.req) - 1)
				buf.req.op = 0; /* not exactly one NUL-terminated path: -EINVAL */
		} else if ((size_t)n != sizeof(buf.req) + buf.req.inline_len ||
			   (buf.req.inline_len &&
			    (buf.req.op != MOCK_OP_IOCTL ||
			     buf.req.inline_len > MOCK_PROTO_INLINE_MAX ||
			     buf.req.arg + buf.req.inline_len < buf.req.arg))) {
			buf.req.op = 0; /* the inline argument is not what the header says */
		} else if (buf.req.inline_len) {
			uw.uaddr = buf.req.arg;
			uw.len = buf.req.inline_len;
			uw.buf = (unsigned char *)buf.raw + sizeof(buf.req);
			uw.defer_writes = buf.req.flags & MOCK_REQ_INLINE_RW;
		}
		ret = dispatch(c, &buf.req, path, proof_fd, &call, &rep, &sv);
	}
	if (proof_fd >= 0)
		close(proof_fd);
	for (unsigned int i = 0; i < call.nr_fds; i++)
		if (call.fds[i].fd >= 0)
			close(call.fds[i].fd);

	if (ret < 0 && call.nr_newfd) {
		for (unsigned int i = 0; i < call.nr_newfd && i < MOCK_MAX_NEWFD; i++)
			mock_release(call.newfd[i].file);
		call.nr_newfd = 0;
	}
	if (call.nr_newfd) {
		int err = install_newfds(&call, &rep, cfds);

		if (err)
			ret = err;
		else
			nr_send = rep.nr_fd;
	}
	rep.ret = ret;

	/*
	 * Readiness after the call: the file it named (its reply may order a
	 * drain), then whatever else the core notified about, new files included.
	 */
	mf = sv.ino ? file_find(sv.ino) : NULL;
	if (mf)
		file_update(mf, c, &rep);
	if (nr_dirty || dirty_overflow)
		flush_dirty(mf);

	if (sv.mmap_fd >= 0) {
		cfds[0] = sv.mmap_fd;
		nr_send = rep.nr_fd = 1;
	}

	reply_writes(&uw, &rep, &wr);
	iov[0] = (struct iovec){ .iov_base = &rep, .iov_len = sizeof(rep) };
	iov[1] = (struct iovec){ .iov_base = wr.wr, .iov_len = rep.nr_wr * sizeof(wr.wr[0]) };
	iov[2] = (struct iovec){ .iov_base = wr.data, .iov_len = rep.wr_bytes };
	rep_len = iov[0].iov_len + iov[1].iov_len + iov[2].iov_len;
	msg = (struct msghdr){ .msg_iov = iov, .msg_iovlen = 3 };
	if (nr_send) {
		struct cmsghdr *cm;

		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.b;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nr_send);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nr_send);
		memcpy(CMSG_DATA(cm), cfds, sizeof(int) * nr_send);
	}
	n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (sv.mmap_fd >= 0) {
		/* The core keeps its fd; a mapping that never reached the client is not held. */
		if (n != (ssize_t)rep_len)
			proc_ref_put(c->pid, rep.cookie);
	} else {
		/*
		 * Our copies of the client ends go now; if the reply did not leave,
		 * the daemon ends see a hangup and the new files are released.
		 */
		for (unsigned int i = 0; i < nr_send; i++)
			close(cfds[i]);
	}
	if (n != (ssize_t)rep_len)
		conn_settle_drain(c);
	return n == (ssize_t)rep_len;
}

/*
 * ---- stop signals ----
 *
 * SIGTERM, SIGINT and SIGHUP are blocked in every thread and taken by a
 * thread of their own (stop_watch), so one is answered in every state of the
 * loop: it sets stop_signal and wakes ppoll() with SIGWAKE (unblocked only
 * there), and the loop stops after the work in hand. Work that does not come
 * back (a syscall only a fatal signal ends: a client's userfaultfd page, a
 * FUSE file) must not keep the daemon from stopping: after STOP_GRACE_S the
 * thread ends the daemon with status 1.
 */
#define SIGWAKE SIGUSR1
#define STOP_GRACE_S 2

static pthread_t loop_thread;
static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cond = PTHREAD_COND_INITIALIZER;
static bool loop_done;

static void on_wake(int sig)
{
	(void)sig;
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

static void *stop_watch(void *arg)
{
	struct timespec dl;
	sigset_t set;
	int sig = 0, rc = 0;

	(void)arg;
	stop_signals(&set);
	while (sigwait(&set, &sig))
		;
	stop_signal = sig;
	pthread_kill(loop_thread, SIGWAKE);
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += STOP_GRACE_S;
	pthread_mutex_lock(&stop_lock);
	while (!loop_done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&stop_cond, &stop_lock, &dl);
	pthread_mutex_unlock(&stop_lock);
	if (rc == ETIMEDOUT) {
		static const char msg[] = "iommufd-mockd: a call did not return; stopped anyway\n";
		ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);

		(void)n;
		_exit(1);
	}
	return NULL;
}

/* Before the loop: block the stop signals everywhere and start their thread. */
static int stop_watch_start(void)
{
	struct sigaction sa = { .sa_handler = on_wake };
	pthread_t th;
	sigset_t set;
	int err;

	stop_signals(&set);
	sigaddset(&set, SIGWAKE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigaction(SIGWAKE, &sa, NULL);
	loop_thread = pthread_self();
	err = pthread_create(&th, NULL, stop_watch, NULL);
	if (err)
		return -err;
	pthread_detach(th);
	return 0;
}

/* After the loop: a stop in progress need not wait any longer. */
static void stop_watch_loop_done(void)
{
	pthread_mutex_lock(&stop_lock);
	loop_done = true;
	pthread_cond_signal(&stop_cond);
	pthread_mutex_unlock(&stop_lock);
}

static int listen_on(const char *name)
{
	struct sockaddr_un sa;
	socklen_t len;
	int fd, err = mock_proto_addr(name, &sa, &len);

	if (err) {
		warn_errno("bad socket name", -err);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		warn_errno("socket", errno);
		return -1;
	}
	/* Accepted connections inherit it: every request carries its sender's credentials. */
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int))) {
		warn_errno("SO_PASSCRED", errno);
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, len) || listen(fd, 128)) {
		fprintf(stderr, "iommufd-mockd: cannot listen on @%s: %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	{
		struct stat st;

		if (!fstat(fd, &st))
			sock_dev = st.st_dev;
	}
	reserve_take();
	return fd;
}

static int serve_loop(int lfd, bool exit_when_idle)
{
	struct pollfd *pfd = NULL;
	size_t cap_pfd = 0;
	bool had_client = false;
	sigset_t wake;

	stop_signals(&wake); /* in ppoll(): still blocked, and SIGWAKE not */
	while (!stop_signal) {
		size_t nc = nr_conns, nf = nr_files, np = nr_procs, n = 1 + 2 * nc + nf + np;
		struct timespec ts = { FIRST_CLIENT_TIMEOUT_MS / 1000, 0 };
		struct pollfd *pc = pfd + 1, *pf, *pp, *pk;
		int r;

		if (exit_when_idle && had_client && nr_conns == 0 && nr_files == 0)
			break;
		if (grow((void **)&pfd, &cap_pfd, n, sizeof(*pfd))) {
			warn_errno("poll set", ENOMEM);
			free(pfd);
			return 1;
		}
		pc = pfd + 1;
		pf = pc + nc;
		pp = pf + nf;
		pk = pp + np;
		pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (size_t i = 0; i < nc; i++)
			pc[i] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
		for (size_t i = 0; i < nf; i++)
			pf[i] = (struct pollfd){ .fd = files[i].dfd, .events = POLLIN };
		for (size_t i = 0; i < np; i++)
			pp[i] = (struct pollfd){ .fd = procs[i].pidfd, .events = POLLIN };
		/* The process a connection serves has exited: what is left in it is nobody's. */
		for (size_t i = 0; i < nc; i++)
			pk[i] = (struct pollfd){ .fd = conns[i].pidfd, .events = POLLIN };

		r = ppoll(pfd, n, exit_when_idle && !had_client ? &ts : NULL, &wake);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			warn_errno("poll", errno);
			free(pfd);
			return 1;
		}
		if (r == 0)
			break; /* nobody came */

		/*
		 * Closes and exits first: one that happened before a client sent its
		 * request is seen by the same poll pass (the states are levels), and
		 * must be, as a kernel's last fput runs before close() returns.
		 * Walk backwards: the drops move the last entry into the hole.
		 */
		for (size_t i = nf; i-- > 0;)
			if (pf[i].revents)
				file_event(i, pf[i].revents);
		for (size_t i = np; i-- > 0;)
			if (pp[i].revents)
				proc_drop(i);

		for (size_t i = nc; i-- > 0;) {
			short rev = pc[i].revents;

			if (pk[i].revents) {
				conn_drop(i);
			} else if (rev & POLLIN) {
				if (!serve(&conns[i]))
					conn_drop(i);
			} else if (rev & (POLLHUP | POLLERR | POLLNVAL)) {
				conn_drop(i);
			}
		}
		if (pfd[0].revents & POLLIN)
			accept_conns(lfd, &had_client);
	}
	free(pfd);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: iommufd-mockd [OPTION]...\n"
		"Serve the kmod-mock user-space iommufd kernel to programs running with\n"
		"libiommufd-mock.so (see iommufd-mock-run).\n"
		"\n"
		"  --socket NAME     listen on the abstract Unix socket @NAME (default: a fresh\n"
		"                    name, printed on standard output)\n"
		"  --ready-fd N      write one byte to fd N and close it once accepting clients\n"
		"  --exit-when-idle  exit when the last client and the last mock file are gone\n"
		"  --foreground      do not detach\n"
		"  --help            show this help\n"
		"  --version         show the version\n"
		"\n"
		"Environment: " MOCK_ENV_DEVICES " describes the machine's VFIO devices\n"
		"(default: one edu device behind Intel VT-d; empty: none); see\n"
		"iommufd-mock-run --help and doc/mock-devices.md. " MOCK_ENV_KERNEL " names\n"
		"the Linux release whose iommufd it presents (6.6, 6.8, 6.12, 6.15, 7.3;\n"
		"default 7.3).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "exit-when-idle", no_argument, NULL, 'i' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char cfg_err[256] = "";
	struct mock_kernel_config cfg = {
		.sz = sizeof(cfg),
		.devices = getenv(MOCK_ENV_DEVICES),
		.kernel = getenv(MOCK_ENV_KERNEL),
		.err = cfg_err,
		.err_len = sizeof(cfg_err),
	};
	char namebuf[MOCK_SOCKET_NAME_MAX + 1];
	const char *name = NULL;
	bool exit_when_idle = false, foreground = false, print_name = false;
	int ready_fd = -1, detach_fd = -1, lfd, opt, err, rc;
	sigset_t block;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			name = optarg;
			break;
		case 'r': {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 0 || v > INT_MAX ||
			    fcntl((int)v, F_GETFD) < 0) {
				fprintf(stderr, "iommufd-mockd: bad --ready-fd '%s'\n", optarg);
				return 2;
			}
			ready_fd = (int)v;
			fcntl(ready_fd, F_SETFD, FD_CLOEXEC);
			break;
		}
		case 'i':
			exit_when_idle = true;
			break;
		case 'f':
			foreground = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("iommufd-mockd %s\n", MOCK_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!name) {
		mock_proto_make_name(namebuf, sizeof(namebuf));
		name = namebuf;
		print_name = true;
	}

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, NULL); /* until stop_watch takes them */

	lfd = listen_on(name);
	if (lfd < 0)
		return 1;
	err = mock_kernel_new(&cfg, &kern);
	if (err) {
		if (cfg_err[0])
			fprintf(stderr, "iommufd-mockd: %s\n", cfg_err);
		else
			warn_errno("cannot create the mock kernel", -err);
		return 1;
	}
	mock_kernel_set_fget(kern, fget_by_proc, NULL);
	mock_kernel_set_notify(kern, on_notify, NULL);

	if (!foreground) {
		int p[2];
		pid_t pid;
		char c;

		if (pipe2(p, O_CLOEXEC)) {
			warn_errno("pipe", errno);
			return 1;
		}
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			warn_errno("fork", errno);
			return 1;
		}
		if (pid > 0) {
			/* Exit only once the detached daemon is up, so callers can rely on it. */
			close(p[1]);
			if (read(p[0], &c, 1) != 1)
				return 1;
			if (print_name)
				printf("%s\n", name);
			return 0;
		}
		close(p[0]);
		detach_fd = p[1];
		setsid();
	} else if (print_name) {
		printf("%s\n", name);
		fflush(stdout);
	}
	if (!foreground) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			close(null);
		}
	}
	if (ready_fd >= 0) {
		if (write(ready_fd, "R", 1) != 1)
			warn_errno("ready fd", errno);
		close(ready_fd);
	}
	if (detach_fd >= 0) {
		if (write(detach_fd, "R", 1) != 1)
			warn_errno("detach pipe", errno);
		close(detach_fd);
	}

	err = stop_watch_start();
	if (err) {
		warn_errno("stop signal thread", -err);
		return 1;
	}
	rc = serve_loop(lfd, exit_when_idle);
	stop_watch_loop_done();

	close(lfd);
	if (reserve_fd >= 0)
		close(reserve_fd);
	while (nr_conns)
		conn_drop(nr_conns - 1);
	while (nr_procs)
		proc_drop(nr_procs - 1);
	while (nr_files)
		file_drop(nr_files - 1);
	mock_kernel_free(kern);
	free(conns);
	free(files);
	free(procs);
	return rc;
}
