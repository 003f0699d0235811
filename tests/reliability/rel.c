// SPDX-License-Identifier: MIT
/*
 * rel.c - raw requests to the mock daemon and bounded waits on its books,
 * for the reliability suites (rel.h). The requests speak proto.h directly,
 * on a connection of their own: the shim's connection always tells the truth
 * about the caller, these may not.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "iommufd-mock.h"
#include "iommufd-uapi.h"
#include "iommufd_test.h"
#include "proto.h"
#include "rel.h"

long rel_raw_call(uint32_t op, pid_t tid, uint64_t ino, uint32_t cmd, uint64_t arg,
		  uint64_t len)
{
	return rel_raw_call_fd(op, tid, ino, cmd, arg, len, -1);
}

long rel_raw_call_fd(uint32_t op, pid_t tid, uint64_t ino, uint32_t cmd, uint64_t arg,
		     uint64_t len, int proof_fd)
{
	struct mock_req req = {
		.version = MOCK_PROTO_VERSION, .op = op, .tid = tid, .cmd = cmd,
		.ino = ino, .arg = arg, .len = len,
	};
	struct mock_reply rep;
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int) * MOCK_PROTO_MAX_NEWFD)];
	} cbuf;
	struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.b,
			      .msg_controllen = sizeof(cbuf.b) };
	const char *name = getenv(MOCK_ENV_SOCKET);
	struct sockaddr_un sa;
	struct cmsghdr *cm;
	socklen_t alen;
	ssize_t n;
	int fd;

	if (!name || mock_proto_addr(name, &sa, &alen))
		return -ENODEV;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, alen)) {
		close(fd);
		return -ENODEV;
	}
	n = rel_send_req(fd, &req, proof_fd);
	if (n != (ssize_t)sizeof(req)) {
		close(fd);
		return n == -EBADF ? -EBADF : -ECONNRESET;
	}
	n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	for (cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL; cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int nfd;

			memcpy(&nfd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			close(nfd);
		}
	}
	close(fd);
	if (n != (ssize_t)sizeof(rep))
		return -ECONNRESET;
	return (long)rep.ret;
}

long rel_raw_ioctl(int fd, unsigned long cmd, void *arg, pid_t tid)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	/* We hold the file: the fd goes along as the proof (proto.h). */
	return rel_raw_call_fd(MOCK_OP_IOCTL, tid, st.st_ino, (uint32_t)cmd, (uintptr_t)arg, 0, fd);
}

ssize_t rel_send_req(int sock, const struct mock_req *req, int proof_fd)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct iovec iov = { .iov_base = (void *)req, .iov_len = sizeof(*req) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (proof_fd >= 0) {
		struct cmsghdr *cm;

		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.b;
		msg.msg_controllen = sizeof(cbuf.b);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &proof_fd, sizeof(int));
	}
	n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
}

long rel_recv_rep(int sock, struct mock_reply *rep)
{
	ssize_t n = recv(sock, rep, sizeof(*rep), 0);

	return n == (ssize_t)sizeof(*rep) ? 0 : -ECONNRESET;
}

long rel_pinned_pages(pid_t pid)
{
	return rel_raw_call(MOCK_OP_PINNED_VM, 0, 0, 0, (uint64_t)pid, 0);
}

/* Polls @probe until it returns @want, for at most 5 s; returns its last answer. */
static long wait_for(long (*probe)(long), long arg, long want)
{
	long got = probe(arg);

	for (int i = 0; i < 500 && got != want; i++) {
		usleep(10000);
		got = probe(arg);
	}
	return got;
}

static long files_probe(long unused)
{
	(void)unused;
	return iommufd_mock_daemon_files();
}

static long pinned_probe(long pid)
{
	return rel_pinned_pages((pid_t)pid);
}

long rel_wait_files(long files)
{
	return wait_for(files_probe, 0, files);
}

long rel_wait_unpinned(pid_t pid)
{
	return wait_for(pinned_probe, pid, 0);
}

unsigned int rel_iterations(unsigned int dflt)
{
	const char *s = getenv("RELIABILITY_ITERATIONS");
	long n = s ? strtol(s, NULL, 10) : 0;

	return n > 0 && n < 1000000 ? (unsigned int)n : dflt;
}

int rel_wait_child(pid_t pid, unsigned int seconds)
{
	struct timespec t0, t;
	int st;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return st;
		if (r < 0)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= (time_t)seconds) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		usleep(2000);
	}
}

bool rel_have_cap(int cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	if (!caps)
		return false;
	if (cap_get_flag(caps, (cap_value_t)cap, CAP_EFFECTIVE, &v))
		v = CAP_CLEAR;
	cap_free(caps);
	return v == CAP_SET;
}

int rel_drop_cap(int cap)
{
	cap_value_t v = (cap_value_t)cap;
	cap_t caps = cap_get_proc();
	int ret;

	if (!caps)
		return -1;
	ret = cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_CLEAR) ||
	      cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_CLEAR) || cap_set_proc(caps);
	cap_free(caps);
	return ret ? -1 : 0;
}

int rel_on_fault(struct iommufd_fault *fault, const struct iommufd_fault_record *recs, size_t n,
		 void *priv)
{
	(void)fault;
	(void)recs;
	(void)n;
	(void)priv;
	return 0;
}

int rel_on_vevent(struct iommufd_veventq *q, const struct iommufd_vevent *events, size_t n,
		  uint64_t lost, void *priv)
{
	(void)q;
	(void)events;
	(void)n;
	(void)lost;
	(void)priv;
	return 0;
}

#define STEP(call)                                                                          \
	do {                                                                                \
		int ret_ = (call);                                                          \
		if (ret_ < 0)                                                               \
			return ret_;                                                        \
		s->step++;                                                                  \
	} while (0)

int rel_scene_build(struct rel_scene *s, void *buf, uint64_t len)
{
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, hopts,
		     .flags = IOMMUFD_HWPT_ALLOC_NEST_PARENT | IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING);
	IOMMUFD_OPTS(iommufd_ioas_map_opts, fixed, .flags = IOMMUFD_MAP_FIXED_IOVA);
	const struct iommufd_iova_range aperture = {
		.start = TEST_MOCK_APERTURE_START, .last = TEST_MOCK_APERTURE_LAST,
	};
	struct iommu_viommu_selftest vdata = { .in_data = 1 };
	IOMMUFD_OPTS(iommufd_viommu_alloc_opts, vopts, .data = &vdata, .data_len = sizeof(vdata));
	uint64_t iova = TEST_MOCK_APERTURE_START, iova2 = 0, bitmap[4];
	uint32_t idev_id = 0;

	memset(s, 0, sizeof(*s));
	STEP(iommufd_ctx_open(NULL, &s->ctx));
	STEP(iommufd_ioas_create(s->ctx, &s->ioas));
	STEP(iommufd_ioas_allow_iovas(s->ioas, &aperture, 1));
	STEP(mock_domain(s->ctx, iommufd_ioas_get_id(s->ioas), NULL, NULL, &idev_id));
	STEP(iommufd_device_adopt(s->ctx, idev_id, &s->dev));
	STEP(iommufd_hwpt_alloc_paging(s->dev, s->ioas, &hopts, &s->hwpt));
	STEP(mock_domain(s->ctx, iommufd_hwpt_get_id(s->hwpt), NULL, NULL, NULL));
	STEP(iommufd_ioas_map(s->ioas, buf, len, &iova, &fixed));
	STEP(iommufd_ioas_create(s->ctx, &s->ioas2));
	STEP(iommufd_ioas_copy(s->ioas2, s->ioas, iova, len, &iova2, NULL));
	STEP(iommufd_hwpt_set_dirty_tracking(s->hwpt, true));
	STEP(iommufd_hwpt_get_dirty_bitmap(s->hwpt, iova, 4096 * 64, 4096, bitmap, 0));
	STEP(iommufd_fault_alloc(s->ctx, NULL, &s->fault));
	STEP(iommufd_viommu_alloc(s->dev, IOMMUFD_VIOMMU_TYPE_SELFTEST, s->hwpt, &vopts,
				  &s->viommu));
	STEP(iommufd_viommu_mmap(s->viommu, vdata.out_mmap_offset, vdata.out_mmap_length,
				 PROT_READ | PROT_WRITE, &s->window));
	s->window_len = vdata.out_mmap_length;
	STEP(iommufd_veventq_alloc(s->viommu, IOMMUFD_VEVENTQ_TYPE_SELFTEST, 8, NULL, &s->veventq));
	STEP(iommufd_event_loop_create(NULL, &s->loop));
	STEP(iommufd_event_loop_add_fault(s->loop, s->fault, rel_on_fault, NULL));
	STEP(iommufd_event_loop_add_veventq(s->loop, s->veventq, rel_on_vevent, NULL));
	STEP(iommufd_event_loop_wait(s->loop, 0));
	return 0;
}

void rel_scene_teardown(struct rel_scene *s)
{
	iommufd_event_loop_destroy(s->loop);
	if (s->window)
		iommufd_viommu_munmap(s->viommu, s->window, s->window_len);
	iommufd_ctx_close(s->ctx);
	memset(s, 0, sizeof(*s));
}

/* A private daemon lives as long as some file of it does: one held for the whole program. */
static struct iommufd_ctx *keeper;

int rel_keep_daemon(void **state)
{
	(void)state;
	return iommufd_ctx_open(NULL, &keeper) ? -1 : 0;
}

int rel_release_daemon(void **state)
{
	(void)state;
	iommufd_ctx_close(keeper);
	keeper = NULL;
	return 0;
}
