// SPDX-License-Identifier: MIT
/*
 * files.c - the mock files as the daemon holds them: for each, the daemon end
 * of the socketpair whose client end the program holds as its fd (the inode
 * of the client end names the file in requests), its readiness mirrored onto
 * that client end (a byte of ours while mock_poll() says readable; drain
 * orders the client settles before its next request: proto.h), the handover
 * of the files a call created (install_newfds()) and their release when the
 * last client copy is closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "mockd.h"

struct mfile *files;
size_t nr_files, cap_files;

/* Files the core said may have changed readiness during the current call. */
#define MAX_DIRTY 16
static struct mock_file *dirty[MAX_DIRTY];
static unsigned int nr_dirty;
static bool dirty_overflow;

struct mfile *file_find(uint64_t ino)
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
struct mock_file *fget_by_proc(void *priv, const struct mock_task *task, int fd)
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

void file_drop(size_t i)
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
bool file_event(size_t i, short revents)
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

void on_notify(void *priv, struct mock_file *f)
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
void file_update(struct mfile *mf, struct conn *c, struct mock_reply *rep)
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
void flush_dirty(const struct mfile *self)
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
void conn_settle_drain(struct conn *c)
{
	struct mfile *mf;

	if (!c->drain_ino)
		return;
	mf = file_find(c->drain_ino);
	if (mf && mf->pending_drains)
		mf->pending_drains--;
	c->drain_ino = 0;
}

/* Turn the files a call created into socketpairs; on failure release them all. */
int install_newfds(struct mock_call *call, struct mock_reply *rep, int *cfds)
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
