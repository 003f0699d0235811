// SPDX-License-Identifier: MIT
/*
 * uaccess.c - the only place that touches user memory and user process state:
 * copy_from_user/copy_to_user over process_vm_readv/writev on the caller's
 * pid, page probing of a mapping owner ("mm"), page identities from
 * /proc/<pid>/maps, the caller's files through /proc/<pid>/fd, and the
 * caller's capabilities and RLIMIT_MEMLOCK. A bad pointer is -EFAULT, never a
 * crash. The caller's accesses go through the window of the call, when the
 * server gave one (struct mock_uwin); the mapping owner's (mm_read,
 * mm_write: device DMA, pinned pages) always reach its memory, through the
 * owner's /proc/<pid>/mem: the address space itself, gone at exit or exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "iommufd_private.h"

static int vm_rw(pid_t pid, void *kbuf, uint64_t uaddr, size_t len, bool write)
{
	size_t done = 0;

	if (!len)
		return 0;
	if (uaddr + len < uaddr)
		return -EFAULT;
	while (done < len) {
		struct iovec local = { (char *)kbuf + done, len - done };
		struct iovec remote = { (void *)(uintptr_t)(uaddr + done), len - done };
		ssize_t n;

		if (write)
			n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
		else
			n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -EFAULT;
		}
		if (n == 0)
			return -EFAULT;
		done += (size_t)n;
	}
	return 0;
}

/*
 * The window of the call (core.h: struct mock_uwin). The shim sends an
 * ioctl's argument with the request, so the size word and the struct that
 * every iommufd ioctl reads cost no process_vm_readv; a range not wholly
 * inside the window still goes to the caller's memory, so a bad pointer
 * stays -EFAULT exactly where the kernel's would.
 */
static bool uwin_covers(const struct mock_uwin *w, uint64_t uaddr, size_t len)
{
	return w && len <= w->len && uaddr >= w->uaddr && uaddr - w->uaddr <= w->len - len;
}

/* The part of [uaddr, uaddr + len) inside the window: *wofs in buf, *aofs in the range. */
static size_t uwin_overlap(const struct mock_uwin *w, uint64_t uaddr, size_t len, size_t *wofs,
			   size_t *aofs)
{
	uint64_t lo, hi;

	if (!w || !w->len || !len)
		return 0;
	lo = uaddr > w->uaddr ? uaddr : w->uaddr;
	hi = w->uaddr + w->len;
	if (uaddr + len < hi)
		hi = uaddr + len;
	if (lo >= hi)
		return 0;
	*wofs = (size_t)(lo - w->uaddr);
	*aofs = (size_t)(lo - uaddr);
	return (size_t)(hi - lo);
}

static void uwin_log_write(struct mock_uwin *w, uint64_t uaddr, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < w->nr_wr; i++) {
		uint64_t a = w->wr[i].uaddr, e = a + w->wr[i].len;

		if (uaddr <= e && a <= uaddr + len)
			break; /* overlapping or adjacent */
	}
	if (i == w->nr_wr) {
		if (w->nr_wr < MOCK_UWIN_MAX_WR) {
			w->wr[w->nr_wr].uaddr = uaddr;
			w->wr[w->nr_wr++].len = len;
			return;
		}
		i = w->nr_wr - 1;
	}
	{
		uint64_t a = w->wr[i].uaddr, e = a + w->wr[i].len;

		if (uaddr < a)
			a = uaddr;
		if (uaddr + len > e)
			e = uaddr + len;
		w->wr[i].uaddr = a;
		w->wr[i].len = e - a;
	}
}

int copy_from_user(const struct mock_task *task, void *dst, uint64_t usrc, size_t len)
{
	const struct mock_uwin *w = task->uwin;
	size_t wofs, aofs, n;
	int rc;

	if (len && uwin_covers(w, usrc, len)) {
		memcpy(dst, w->buf + (usrc - w->uaddr), len);
		return 0;
	}
	rc = vm_rw(task->pid, dst, usrc, len, false);
	/* Writes held back in the window are newer than the caller's memory. */
	if (!rc && w && w->defer_writes) {
		n = uwin_overlap(w, usrc, len, &wofs, &aofs);
		if (n)
			memcpy((char *)dst + aofs, w->buf + wofs, n);
	}
	return rc;
}

int copy_to_user(const struct mock_task *task, uint64_t udst, const void *src, size_t len)
{
	struct mock_uwin *w = task->uwin;
	size_t wofs, aofs, n;
	int rc;

	if (!len)
		return 0;
	if (w && w->defer_writes && uwin_covers(w, udst, len)) {
		size_t first = (size_t)(udst - w->uaddr);

		memcpy(w->buf + first, src, len);
		for (size_t i = first; i < first + len; i++)
			w->dirty[i / 64] |= 1ull << (i % 64);
		return 0;
	}
	rc = vm_rw(task->pid, (void *)src, udst, len, true);
	if (rc || !w)
		return rc;
	n = uwin_overlap(w, udst, len, &wofs, &aofs);
	if (n)
		memcpy(w->buf + wofs, (const char *)src + aofs, n);
	uwin_log_write(w, udst, len);
	return 0;
}

int clear_user(const struct mock_task *task, uint64_t udst, size_t len)
{
	static const char zero[4096];

	while (len) {
		size_t n = len < sizeof(zero) ? len : sizeof(zero);
		int rc = copy_to_user(task, udst, zero, n);

		if (rc)
			return rc;
		udst += n;
		len -= n;
	}
	return 0;
}

int get_user_u32(const struct mock_task *task, uint32_t *val, uint64_t usrc)
{
	return copy_from_user(task, val, usrc, sizeof(*val));
}

/* The kernel's copy_struct_from_user(): zero-extend, E2BIG on a non-zero tail. */
int copy_struct_from_user(const struct mock_task *task, void *dst, size_t ksize,
			  uint64_t usrc, size_t usize)
{
	size_t size = usize < ksize ? usize : ksize;
	int rc;

	if (usize > ksize) {
		uint64_t pos = usrc + ksize;
		size_t rest = usize - ksize;
		unsigned char buf[256];

		while (rest) {
			size_t n = rest < sizeof(buf) ? rest : sizeof(buf);
			size_t i;

			rc = copy_from_user(task, buf, pos, n);
			if (rc)
				return rc;
			for (i = 0; i != n; i++)
				if (buf[i])
					return -E2BIG;
			pos += n;
			rest -= n;
		}
	}
	memset(dst, 0, ksize);
	return copy_from_user(task, dst, usrc, size);
}

/*
 * The mm's identity is the /proc/<pid>/mem file opened when the record was
 * made (main.c: mock_mm_get): that file holds the address space it was opened
 * on, not the pid. Once the process exits or execs, the old mm's last user is
 * gone and every read of the file returns 0 bytes; while it lives, a read of
 * address 0 (never mapped: vm.mmap_min_addr) fails with EIO. So a pid reused
 * by a new image, or a pid that exec'd, is never mistaken for the old mm.
 */
int mm_open_mem(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	return open(path, O_RDWR | O_CLOEXEC);
}

bool mock_mm_alive(const struct mock_mm *mm)
{
	char b;

	if (mm->mem_fd < 0)
		return false;
	return pread(mm->mem_fd, &b, 1, 0) != 0;
}

/*
 * Device DMA and accesses to pinned pages go through the mm's mem file, so
 * they reach the address space that was pinned, never a new image at the
 * same pid. 0 bytes means the mm is gone; EIO an unmapped page: both EFAULT.
 * The file reads and writes with FOLL_FORCE: a pinned page is reached
 * whatever the process did to the mapping's protection since, as DMA would
 * (the pin checked writability; see mm_copy_unpinned for pages nobody pinned).
 */
static int mm_rw(const struct mock_mm *mm, void *kbuf, uint64_t uaddr, size_t len, bool write)
{
	size_t done = 0;

	if (mm->mem_fd < 0)
		return -EFAULT;
	if (uaddr + len < uaddr || uaddr + len > (uint64_t)INT64_MAX)
		return -EFAULT;
	while (done < len) {
		ssize_t n;

		if (write)
			n = pwrite(mm->mem_fd, (const char *)kbuf + done, len - done,
				   (off_t)(uaddr + done));
		else
			n = pread(mm->mem_fd, (char *)kbuf + done, len - done, (off_t)(uaddr + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EFAULT;
		done += (size_t)n;
	}
	return 0;
}

int mm_read(const struct mock_mm *mm, void *dst, uint64_t usrc, size_t len)
{
	return mm_rw(mm, dst, usrc, len, false);
}

int mm_write(const struct mock_mm *mm, uint64_t udst, const void *src, size_t len)
{
	return mm_rw(mm, (void *)src, udst, len, true);
}

/*
 * A copy to or from pages nobody pinned (the kernel's copy_to_user into the
 * owner's mm): the mapping's protection counts, so process_vm_readv/writev,
 * which the mem file's FOLL_FORCE would bypass. They take the mm by pid: the
 * owner is checked before (and a read after, so that an exec that came in
 * between is not read from); a write racing the exec itself could still
 * reach the new image.
 */
int mm_copy_unpinned(const struct mock_mm *mm, void *kbuf, uint64_t uaddr, size_t len,
		     bool write)
{
	int rc;

	if (!mock_mm_alive(mm))
		return -EFAULT;
	rc = vm_rw(mm->pid, kbuf, uaddr, len, write);
	if (!rc && !write && !mock_mm_alive(mm))
		rc = -EFAULT;
	return rc;
}

long mm_probe_pages(const struct mock_mm *mm, uint64_t uaddr, size_t npages)
{
	enum { BATCH = 256 };
	struct iovec local[BATCH], remote[BATCH];
	unsigned char sink[BATCH];
	size_t done = 0;

	if (!mock_mm_alive(mm))
		return -EFAULT;
	while (done < npages) {
		size_t n = npages - done < BATCH ? npages - done : BATCH;
		ssize_t got;
		size_t i;

		for (i = 0; i != n; i++) {
			local[i].iov_base = &sink[i];
			local[i].iov_len = 1;
			remote[i].iov_base = (void *)(uintptr_t)(uaddr + (done + i) * PAGE_SIZE);
			remote[i].iov_len = 1;
		}
		got = process_vm_readv(mm->pid, local, n, remote, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EFAULT)
				return (long)done;
			return -EFAULT;
		}
		done += (size_t)got;
		if ((size_t)got != n)
			break;
	}
	/* probed by pid: if the process exec'd meanwhile, that was another mm */
	if (!mock_mm_alive(mm))
		return -EFAULT;
	return (long)done;
}

/* Open the object behind /proc/.../map_files/... or fd/N without blocking: see mock_open_user_file. */
static int open_nonblocking(const char *path, bool writable, struct stat *st)
{
	char self[64];
	int opath, fd;

	/* O_PATH opens nothing: no FIFO wait, no device open, no lease break */
	opath = open(path, O_PATH | O_CLOEXEC);
	if (opath < 0)
		return -errno;
	if (fstat(opath, st)) {
		fd = -errno;
		close(opath);
		return fd;
	}
	if (!S_ISREG(st->st_mode))
		return opath; /* an O_PATH fd: enough to fstat, never to read */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", opath);
	fd = -1;
	if (writable)
		fd = open(self, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		fd = open(self, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return opath;
	close(opath);
	return fd;
}

int mm_for_each_shared_backing(const struct mock_mm *mm, uint64_t start, uint64_t end,
			       bool writable, mm_backing_fn fn, void *priv)
{
	char path[96], line[512];
	int rc = 0;
	FILE *f;

	if (!mock_mm_alive(mm))
		return -EFAULT;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)mm->pid);
	f = fopen(path, "re");
	if (!f)
		return -EFAULT;
	while (!rc && fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, off, ino;
		unsigned int maj, min;
		struct stat st;
		char perms[8];
		int fd;

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu", &lo, &hi, perms, &off, &maj,
			   &min, &ino) != 7)
			continue;
		if (hi <= start || lo >= end)
			continue;
		/* pin_user_pages(FOLL_WRITE) refuses a mapping the process cannot write */
		if (writable && perms[1] != 'w') {
			rc = -EFAULT;
			break;
		}
		if (!fn || perms[3] != 's' || !ino)
			continue;
		/* the kernel's own name of the mapping's object, usable after the process is gone */
		snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", (int)mm->pid, lo, hi);
		fd = open_nonblocking(path, writable && perms[1] == 'w', &st);
		if (fd < 0)
			continue;
		if (!S_ISREG(st.st_mode)) {
			close(fd); /* a device mapping: nothing to read it through */
			continue;
		}
		if (lo < start) {
			off += start - lo;
			lo = start;
		}
		rc = fn(priv, lo, hi < end ? hi : end, off, fd);
	}
	fclose(f);
	/* read by pid: if the process exec'd meanwhile, that was another mm */
	if (!rc && !mock_mm_alive(mm))
		rc = -EFAULT;
	return rc;
}

int mock_va_identity(pid_t pid, uint64_t va, struct mock_pin_key *key, bool *is_file)
{
	char path[64], line[512];
	FILE *f;

	key->dev = 0;
	key->ino = 0;
	key->off = va;
	*is_file = false;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -EFAULT;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, off, ino;
		unsigned int maj, min;
		char perms[8];

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu", &lo, &hi, perms, &off, &maj,
			   &min, &ino) != 7)
			continue;
		if (va < lo || va >= hi)
			continue;
		/* Only shared file mappings alias the file's pages */
		if (ino && perms[3] == 's') {
			key->dev = makedev(maj, min);
			key->ino = ino;
			key->off = off + (va - lo);
			*is_file = true;
		}
		break;
	}
	fclose(f);
	return 0;
}

int mock_user_fd_flags(const struct mock_task *task, int fd, int *flags)
{
	char path[64], line[128];
	unsigned int fl;
	bool found = false;
	FILE *f;

	if (fd < 0)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)task->pid, fd);
	f = fopen(path, "re");
	if (!f)
		return -EBADF;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "flags: %o", &fl) == 1;
	fclose(f);
	if (!found)
		return -EBADF;
	*flags = (int)fl;
	return 0;
}

bool mock_user_fd_fgettable(const struct mock_task *task, int fd)
{
	int flags;

	/* fget() skips O_PATH files: they are not open for any operation */
	return !mock_user_fd_flags(task, fd, &flags) && !(flags & O_PATH);
}

/*
 * The caller's file behind @fd, for IOMMU_IOAS_MAP_FILE. fget() either finds
 * an open file or answers EBADF (O_PATH files included); any kind of file is
 * taken then, and only pinning its pages checks it (pages.c). So the file is
 * first reached with O_PATH, which opens nothing: a FIFO without a writer, a
 * device, a file under a lease would otherwise block or act on the open. Only
 * a regular file is opened for reading (and writing when @writable, as the
 * kernel's pin writes whatever mode the caller opened it with), non-blocking;
 * anything else stays an O_PATH fd, enough for fstat.
 */
int mock_open_user_file(const struct mock_task *task, int fd, bool writable, int *out_fd,
			uint64_t *dev, uint64_t *ino)
{
	char path[64];
	struct stat st;
	int ofd;

	if (!mock_user_fd_fgettable(task, fd))
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)task->pid, fd);
	ofd = open_nonblocking(path, writable, &st);
	if (ofd < 0)
		return ofd == -ENOENT ? -EBADF : ofd;
	*out_fd = ofd;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

/* The inode of @pid's user namespace (0 if it cannot be read). */
static ino_t user_ns_ino(pid_t pid)
{
	char path[64];
	struct stat st;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/user");
	return stat(path, &st) ? 0 : st.st_ino;
}

/*
 * capable(): the capability in the kernel's (here: the daemon's) user
 * namespace. Root of a user namespace the caller made has none there.
 */
bool mock_task_capable(const struct mock_task *task, int cap)
{
	pid_t pid = task->tid ? task->tid : task->pid;
	cap_flag_value_t v = CAP_CLEAR;
	ino_t ns;
	cap_t caps;

	ns = user_ns_ino(pid);
	if (!ns || ns != user_ns_ino(0))
		return false;
	caps = cap_get_pid(pid);
	if (!caps)
		return false;
	if (cap_get_flag(caps, (cap_value_t)cap, CAP_EFFECTIVE, &v))
		v = CAP_CLEAR;
	cap_free(caps);
	return v == CAP_SET;
}

int mock_task_memlock_limit(pid_t pid, uint64_t *limit_pages)
{
	struct rlimit rl;

	if (prlimit(pid, RLIMIT_MEMLOCK, NULL, &rl))
		return -errno;
	if (rl.rlim_cur == RLIM_INFINITY)
		*limit_pages = UINT64_MAX;
	else
		*limit_pages = (uint64_t)rl.rlim_cur >> PAGE_SHIFT;
	return 0;
}
