// SPDX-License-Identifier: MIT
/*
 * conn.c - the connections: the listening socket (an abstract name, every
 * request carrying its sender's credentials), accepting clients (refusing
 * them with ENFILE when the daemon is out of fds), and the trust model
 * (doc/reliability.md): a request is served only for the process that made
 * the connection, with the pid and uid the kernel attached (SCM_CREDENTIALS),
 * a thread only if it is one of that process's, and a file only once the
 * connection has shown it holds it (its fd passed once as proof).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "mockd.h"

struct conn *conns;
size_t nr_conns, cap_conns;

void conn_drop(size_t i)
{
	conn_settle_drain(&conns[i]);
	close(conns[i].fd);
	if (conns[i].pidfd >= 0)
		close(conns[i].pidfd);
	free(conns[i].held);
	conns[i] = conns[--nr_conns];
	procs_check_alive();
}


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
void accept_conns(int lfd, bool *had_client)
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
void conn_forget_file(uint64_t ino)
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
long conn_file(struct conn *c, const struct mock_req *req, int proof_fd,
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
int conn_caller(const struct conn *c, const struct ucred *cred, struct mock_task *task)
{
	if (!cred || cred->pid != c->pid)
		return -EPERM;
	task->pid = cred->pid;
	task->uid = cred->uid;
	return 0;
}

/* Is @tid a thread of process @pid? */
bool tid_of(pid_t pid, pid_t tid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)pid, (int)tid);
	return !stat(path, &st);
}

int listen_on(const char *name)
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

/* At exit: the listening socket and the spare fd kept for refusing clients. */
void listen_close(int lfd)
{
	close(lfd);
	if (reserve_fd >= 0)
		close(reserve_fd);
	reserve_fd = -1;
}
