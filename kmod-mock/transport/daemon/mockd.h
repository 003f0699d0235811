/* SPDX-License-Identifier: MIT */
/*
 * mockd.h - private to iommufd-mockd: the daemon's books (connections, mock
 * files, processes holding mappings) and what its files call in each other.
 * The daemon is single-threaded (stop.c's thread only takes signals), so
 * these globals need no lock.
 */
#ifndef MOCKD_H
#define MOCKD_H

#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "core.h"
#include "proto.h"

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

/* mockd.c: the kernel served, and helpers */
extern struct mock_kernel *kern;
void warn_errno(const char *what, int err);
int grow(void **arr, size_t *cap, size_t need, size_t elem);

/* conn.c: connections, who may talk, and on which files */
extern struct conn *conns;
extern size_t nr_conns, cap_conns;
int listen_on(const char *name);
void listen_close(int lfd);
void accept_conns(int lfd, bool *had_client);
void conn_drop(size_t i);
void conn_forget_file(uint64_t ino);
long conn_file(struct conn *c, const struct mock_req *req, int proof_fd,
	       struct mock_reply *rep, struct mfile **out);
int conn_caller(const struct conn *c, const struct ucred *cred, struct mock_task *task);
bool tid_of(pid_t pid, pid_t tid);

/* files.c: the mock files, their readiness mirror and their handover */
extern struct mfile *files;
extern size_t nr_files, cap_files;
struct mfile *file_find(uint64_t ino);
struct mock_file *fget_by_proc(void *priv, const struct mock_task *task, int fd);
void file_drop(size_t i);
bool file_event(size_t i, short revents);
void on_notify(void *priv, struct mock_file *f);
void file_update(struct mfile *mf, struct conn *c, struct mock_reply *rep);
void flush_dirty(const struct mfile *self);
void conn_settle_drain(struct conn *c);
int install_newfds(struct mock_call *call, struct mock_reply *rep, int *cfds);

/* mappings.c: the mapping references of each process */
extern struct mproc *procs;
extern size_t nr_procs, cap_procs;
struct mproc *proc_find(pid_t pid);
void proc_drop(size_t i);
int proc_ref_add(pid_t pid, uint64_t cookie);
int proc_ref_put(pid_t pid, uint64_t cookie);
bool cookie_held(uint64_t cookie);
void procs_check_alive(void);

/* request.c: one request, received, dispatched and answered */
bool serve(struct conn *c);

/* stop.c: the stop signals */
extern _Atomic int stop_signal;
void stop_signals(sigset_t *set);
int stop_watch_start(void);
void stop_watch_loop_done(void);

#endif
