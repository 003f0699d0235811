// SPDX-License-Identifier: MIT
/*
 * request.c - one request on a connection, start to end: receive it with its
 * credentials and passed fds, check its header and inline argument (proto.h),
 * dispatch it to the core (mock_open(), mock_ioctl(), ...) or to the daemon's
 * own books, then reply: the call's result, the writes it made into the
 * caller's memory, the new files' fds or the mapping's fd (SCM_RIGHTS), and
 * the readiness of the files the call changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mockd.h"

_Static_assert(MOCK_MAX_NEWFD <= MOCK_PROTO_MAX_NEWFD, "reply cannot carry every new fd");
_Static_assert(MOCK_PROTO_INLINE_MAX <= MOCK_UWIN_MAX, "window smaller than an inline argument");
_Static_assert(MOCK_UWIN_MAX_WR < MOCK_PROTO_MAX_WR, "reply cannot carry every logged write");

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
	if (res.mmio) {
		/* nothing to map, nothing referenced: the shim traps the range */
		rep->flags |= MOCK_REPLY_MMIO;
		rep->mmap_off = req->off;
		rep->cookie = 0;
		return 0;
	}
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
	case MOCK_OP_PCI_IDENT: { /* sysfs: the shim's sysfs.c */
		struct mock_pci_ident id;
		int ret;

		if (call->task->uid != geteuid())
			return -EACCES;
		if (req->arg > UINT32_MAX || req->cmd > MOCK_PCI_IDENT_GROUP)
			return -EINVAL;
		ret = mock_kernel_pci_ident(kern, (unsigned int)req->arg, &id);
		if (ret)
			return ret;
		if (req->cmd == MOCK_PCI_IDENT_GROUP)
			return (long)id.iommu_group;
		if (req->cmd == MOCK_PCI_IDENT_BRIDGE && !id.behind_bridge)
			return -ENOENT;
		return req->cmd == MOCK_PCI_IDENT_BRIDGE ? (long)id.segment << 16 | id.bridge_bus << 8 | id.bridge_devfn :
				       (long)id.segment << 16 | id.bus << 8 | id.devfn;
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
		call->mmio_fault = req->cmd & MOCK_RW_MMIO_FAULT;
		return mock_pread(mf->file, req->arg, req->len, req->off, call);
	case MOCK_OP_PWRITE:
		call->mmio_fault = req->cmd & MOCK_RW_MMIO_FAULT;
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
bool serve(struct conn *c)
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
