/* SPDX-License-Identifier: MIT */
/*
 * rel.h - what the reliability suites share: raw requests to the mock daemon
 * (to forge what a hostile client could send, and to read the daemon's books:
 * live files, pages pinned for a process), bounded waits for those books to
 * settle, and the size of the long runs (RELIABILITY_ITERATIONS).
 */
#ifndef LIBIOMMUFD_TESTS_RELIABILITY_H
#define LIBIOMMUFD_TESTS_RELIABILITY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <iommufd/iommufd.h>

/*
 * One request on a fresh control connection to the daemon the shim talks to
 * (IOMMUFD_MOCK_SOCKET; open a context first), tid forged to @tid when it is
 * non-zero. Returns the reply's ret, -ECONNRESET when the daemon hung up on
 * us without a reply, -ENODEV when there is no daemon. Fds the reply carries
 * are closed.
 */
long rel_raw_call(uint32_t op, pid_t tid, uint64_t ino, uint32_t cmd, uint64_t arg,
		  uint64_t len);

/* The same, with @proof_fd attached (SCM_RIGHTS) as the proof of holding @ino; -1: none. */
long rel_raw_call_fd(uint32_t op, pid_t tid, uint64_t ino, uint32_t cmd, uint64_t arg,
		     uint64_t len, int proof_fd);

/*
 * One request on connection @sock, @proof_fd attached if >= 0: bytes sent or
 * a negative errno; and one reply (0, or -ECONNRESET when none came whole).
 */
struct mock_req;
struct mock_reply;
ssize_t rel_send_req(int sock, const struct mock_req *req, int proof_fd);
long rel_recv_rep(int sock, struct mock_reply *rep);

/*
 * IOCTL @cmd on mock fd @fd with @arg, the request claiming to come from
 * thread @tid; @fd goes along as the proof that we hold the file.
 */
long rel_raw_ioctl(int fd, unsigned long cmd, void *arg, pid_t tid);

/* Pages the daemon pinned on behalf of process @pid (its VmPin), or a negative errno. */
long rel_pinned_pages(pid_t pid);

/* Waits (bounded, 5 s) until the daemon holds @files live files; returns the last count. */
long rel_wait_files(long files);

/* Waits (bounded, 5 s) until the daemon pins no page for @pid; returns the last count. */
long rel_wait_unpinned(pid_t pid);

/* Iterations of the fault loops: RELIABILITY_ITERATIONS, else @dflt. */
unsigned int rel_iterations(unsigned int dflt);

/* Waits for @pid with a bound of @seconds; returns its wait status, -1 on timeout (it is killed). */
int rel_wait_child(pid_t pid, unsigned int seconds);

/* Whether the calling thread has @cap (a CAP_* number) in its effective set. */
bool rel_have_cap(int cap);

/* Removes @cap from the calling thread's effective and permitted sets; 0 or -1. */
int rel_drop_cap(int cap);

/*
 * A context with one of every kind of object the library makes, built step by
 * step: two IOASes, a selftest mock device (adopted) on a dirty-tracking
 * nesting-parent HWPT, a mapping of @buf and its copy, a dirty read, a fault
 * queue, a vIOMMU with its mmap window mapped, a vEVENTQ and an event loop
 * over both queues. @step counts the steps that succeeded; rel_scene_build
 * returns 0 or the first step's negative errno. rel_scene_teardown releases
 * whatever was built (the context last).
 */
struct rel_scene {
	struct iommufd_ctx *ctx;
	struct iommufd_ioas *ioas, *ioas2;
	struct iommufd_device *dev;
	struct iommufd_hwpt *hwpt;
	struct iommufd_fault *fault;
	struct iommufd_viommu *viommu;
	struct iommufd_veventq *veventq;
	struct iommufd_event_loop *loop;
	void *window;
	uint64_t window_len;
	unsigned int step;
};

int rel_scene_build(struct rel_scene *s, void *buf, uint64_t len);
void rel_scene_teardown(struct rel_scene *s);

/* Event-loop callbacks that take the records and do nothing with them. */
int rel_on_fault(struct iommufd_fault *fault, const struct iommufd_fault_record *recs, size_t n,
		 void *priv);
int rel_on_vevent(struct iommufd_veventq *q, const struct iommufd_vevent *events, size_t n,
		  uint64_t lost, void *priv);

/* cmocka group setup and teardown: a context held open so the private daemon stays. */
int rel_keep_daemon(void **state);
int rel_release_daemon(void **state);

#endif /* LIBIOMMUFD_TESTS_RELIABILITY_H */
