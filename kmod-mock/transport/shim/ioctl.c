// SPDX-License-Identifier: MIT
/*
 * ioctl.c - ioctl(2) on mock files: the inline argument and the fds that travel
 * with a request.
 */
/* Define open/open64, pread/pread64, fcntl/fcntl64 as the distinct symbols they are. */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "shim-internal.h"

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
	shim_copy_plain(&size, head, sizeof(size));
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
		shim_copy_plain(ia->buf, (const void *)arg, ia->len);
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
 * The ioctls that may hand out new fds (fault queues, vEVENTQs, the
 * selftest's access and dma-buf files, VFIO group device fds): for them the
 * shim tells the daemon how many fds the process can still open, so that
 * EMFILE comes before anything is made, as the kernel reserves the fd first
 * (else the daemon opens the device and releases it when the fd is dropped).
 */
static bool ioctl_makes_fds(unsigned long request)
{
	return request == IOMMU_FAULT_QUEUE_ALLOC || request == IOMMU_VEVENTQ_ALLOC ||
	       request == IOMMU_TEST_CMD || request == VFIO_GROUP_GET_DEVICE_FD;
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
	uint64_t ino = shim_fdt_get(fd);
	const char *name;
	int err;

	if (!ino) {
		ino = shim_sock_ino(fd);
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
	inline_get(arg, shim_ctl_get(false) >= 0 ? shim_ctl.pid : 0, &ia);
	req.inline_len = ia.len;
	ioctl_pass_fds(request, &ia, &req);
	if (ia.writable)
		req.flags |= MOCK_REQ_INLINE_RW;
	err = shim_transact(&req, ia.buf, ia.len, false, fd, &rep, fds);
	if (err == -EBADF) {
		/* Closed by another thread during the call: as a kernel's fdget would say. */
		*ret = err;
		return 1;
	}
	if (err) {
		if (req.flags & MOCK_REQ_PROBE)
			return 0;
		if (err == -ENODEV && shim_fdt_stale(fd, ino))
			return mock_ioctl_fd(fd, request, arg, ret);
		*ret = err;
		return 1;
	}
	if (!(req.flags & MOCK_REQ_PROBE) && rep.ret == -ENODEV && !rep.nr_fd &&
	    shim_fdt_stale(fd, ino))
		return mock_ioctl_fd(fd, request, arg, ret);
	if (rep.flags & MOCK_REPLY_NOT_MINE) {
		if (shim_not_mine_closed(fd, ino, req.flags & MOCK_REQ_PROBE)) {
			*ret = -EBADF;
			return 1;
		}
		if (!(req.flags & MOCK_REQ_PROBE))
			return mock_ioctl_fd(fd, request, arg, ret); /* a stale entry: as a stranger */
		return 0;
	}
	if (req.flags & MOCK_REQ_PROBE)
		shim_fdt_set(fd, ino);
	if (rep.flags & MOCK_REPLY_DRAIN)
		shim_drain_one(fd, ino);
	*ret = shim_finish(&rep, fds);
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
		return (int)shim_fail(ret);
	return REAL(R_IOCTL, ioctl_fn)(fd, request, arg);
}
