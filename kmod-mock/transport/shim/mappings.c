// SPDX-License-Identifier: MIT
/*
 * mappings.c - mmap of mock files and the table of their mappings.
 */
/* Define open/open64, pread/pread64, fcntl/fcntl64 as the distinct symbols they are. */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "shim-internal.h"

/* ------------------------------------------------------------- mappings ---- */

/* A still-mapped piece [start, end) of a mapping. */
struct piece {
	uintptr_t start, end;
};

struct mapping {
	uint64_t cookie;   /* the daemon's name for it; 0 for device registers */
	int hold_fd;       /* our duplicate of the mock fd: the mapping holds the file */
	unsigned int nr_pieces;
	struct piece *pieces;
	/* device registers (MOCK_REPLY_MMIO): a trapping range, mmio.c */
	bool mmio;
	int prot;
	uint64_t ino;        /* the file's, for the region accesses */
	uintptr_t base;      /* where the mapping began ... */
	uint64_t region_off; /* ... and the file offset mapped there */
};

static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mapping *maps;
static size_t nr_maps, cap_maps;
size_t shim_nr_maps_hint;

static size_t page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

/* @cookie 0: device registers, which the daemon holds no reference for. */
static void map_release(uint64_t cookie, int hold_fd)
{
	struct mock_req req = { .op = MOCK_OP_MUNMAP, .arg = cookie };
	struct mock_reply rep;
	int fds[MOCK_PROTO_MAX_NEWFD];

	if (cookie && !shim_transact(&req, NULL, 0, false, -1, &rep, fds))
		shim_finish(&rep, fds);
	if (hold_fd >= 0)
		shim_sys_close(hold_fd);
}

/*
 * [start, end) is no longer mapped (munmap, or a MAP_FIXED mapping over it):
 * trim every mapping it overlaps; release those with nothing left.
 */
static void maps_unmapped(uintptr_t start, uintptr_t end)
{
	struct mapping gone[8];
	unsigned int nr_gone = 0;
	bool more = true;

	if (!__atomic_load_n(&shim_nr_maps_hint, __ATOMIC_ACQUIRE) || end <= start)
		return;
	while (more) {
		more = false;
		pthread_mutex_lock(&maps_lock);
		for (size_t i = nr_maps; i-- > 0;) {
			struct mapping *m = &maps[i];

			for (unsigned int k = m->nr_pieces; k-- > 0;) {
				struct piece p = m->pieces[k];
				struct piece *np;

				if (p.end <= start || p.start >= end)
					continue;
				if (p.start < start && p.end > end) {
					/* A hole in the middle: one piece becomes two. */
					np = reallocarray(m->pieces, m->nr_pieces + 1, sizeof(*np));
					if (!np)
						continue; /* keep it whole: released at exit */
					m->pieces = np;
					np[m->nr_pieces++] = (struct piece){ end, p.end };
					np[k].end = start;
				} else if (p.start < start) {
					m->pieces[k].end = start;
				} else if (p.end > end) {
					m->pieces[k].start = end;
				} else {
					m->pieces[k] = m->pieces[--m->nr_pieces];
				}
			}
			if (m->nr_pieces)
				continue;
			if (nr_gone == sizeof(gone) / sizeof(gone[0])) {
				more = true;
				break;
			}
			free(m->pieces);
			gone[nr_gone++] = *m;
			maps[i] = maps[--nr_maps];
		}
		__atomic_store_n(&shim_nr_maps_hint, nr_maps, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&maps_lock);
		/* Tell the daemon outside the lock: another thread may be mapping. */
		while (nr_gone) {
			nr_gone--;
			map_release(gone[nr_gone].cookie, gone[nr_gone].hold_fd);
		}
	}
}

static int maps_add(uintptr_t start, uintptr_t end, uint64_t cookie, int hold_fd,
		    const struct mapping *mmio)
{
	struct piece *p = malloc(sizeof(*p));
	int err = 0;

	if (!p)
		return -ENOMEM;
	*p = (struct piece){ start, end };
	pthread_mutex_lock(&maps_lock);
	if (nr_maps == cap_maps) {
		size_t ncap = cap_maps ? cap_maps * 2 : 8;
		struct mapping *nm = reallocarray(maps, ncap, sizeof(*nm));

		if (nm) {
			maps = nm;
			cap_maps = ncap;
		} else {
			err = -ENOMEM;
		}
	}
	if (!err) {
		maps[nr_maps] = mmio ? *mmio : (struct mapping){ 0 };
		maps[nr_maps].cookie = cookie;
		maps[nr_maps].hold_fd = hold_fd;
		maps[nr_maps].nr_pieces = 1;
		maps[nr_maps].pieces = p;
		nr_maps++;
		__atomic_store_n(&shim_nr_maps_hint, nr_maps, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&maps_lock);
	if (err)
		free(p);
	return err;
}

static void *map_fail(int err)
{
	errno = err;
	return MAP_FAILED;
}

/*
 * Device registers at file offset @off of @fd (inode @ino): an inaccessible
 * reservation whose every access mmio.c traps and performs through the
 * daemon. Nothing is referenced in the daemon; the mapping holds the file.
 */
static void *mmio_map(void *addr, size_t len, int prot, int flags, int fd, uint64_t ino,
		      uint64_t off)
{
	int keep = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	struct mapping m = { .mmio = true, .prot = prot, .ino = ino, .region_off = off };
	int err, hold, saved;
	void *p;

	err = shim_mmio_arm();
	if (err)
		return map_fail(-err);
	hold = REAL(R_FCNTL, fcntl_fn)(fd, F_DUPFD_CLOEXEC, 0);
	if (hold < 0)
		return map_fail(errno);
	p = REAL(R_MMAP, mmap_fn)(addr, len, PROT_NONE,
				  keep | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		saved = errno;
		shim_sys_close(hold);
		return map_fail(saved);
	}
	if (flags & MAP_FIXED)
		maps_unmapped((uintptr_t)p, (uintptr_t)p + len);
	m.base = (uintptr_t)p;
	err = maps_add((uintptr_t)p, (uintptr_t)p + len, 0, hold, &m);
	if (err) {
		REAL(R_MUNMAP, munmap_fn)(p, len);
		shim_sys_close(hold);
		return map_fail(-err);
	}
	return p;
}

/* mmap(2) of mock fd @fd: the daemon says what memory backs it. */
static void *mock_mmap_fd(void *addr, size_t len, int prot, int flags, int fd, uint64_t ino,
			  int64_t off)
{
	size_t ps = page_size();
	struct mock_req req = { .op = MOCK_OP_MMAP, .ino = ino, .cmd = (uint32_t)prot,
				.oflags = flags };
	struct mock_reply rep;
	int fds[MOCK_PROTO_MAX_NEWFD];
	int err, hold, saved;
	void *p;

	if (len == 0 || off < 0 || ((uint64_t)off & (ps - 1)) || len > SIZE_MAX - ps)
		return map_fail(EINVAL);
	req.off = (uint64_t)off;
	req.len = (len + ps - 1) & ~(uint64_t)(ps - 1);
	err = shim_transact(&req, NULL, 0, false, fd, &rep, fds);
	if (err)
		return map_fail(-err);
	if (rep.flags & MOCK_REPLY_NOT_MINE)
		return map_fail(shim_not_mine_closed(fd, ino, false) ? EBADF : ENODEV);
	if (rep.ret < 0)
		return map_fail((int)-rep.ret);
	if (rep.flags & MOCK_REPLY_MMIO)
		return mmio_map(addr, (size_t)req.len, prot, flags, fd, ino, rep.mmap_off);
	if (!(rep.flags & MOCK_REPLY_MMAP) || rep.nr_fd != 1) {
		shim_close_all(fds, rep.nr_fd);
		return map_fail(EIO);
	}
	hold = REAL(R_FCNTL, fcntl_fn)(fd, F_DUPFD_CLOEXEC, 0);
	if (hold < 0) {
		saved = errno;
		shim_sys_close(fds[0]);
		map_release(rep.cookie, -1);
		return map_fail(saved);
	}
	p = REAL(R_MMAP, mmap_fn)(addr, len, prot, flags, fds[0], (off_t)rep.mmap_off);
	saved = errno;
	shim_sys_close(fds[0]);
	if (p == MAP_FAILED) {
		map_release(rep.cookie, hold);
		return map_fail(saved);
	}
	/* MAP_FIXED replaced whatever was there, mock mappings included. */
	if (flags & MAP_FIXED)
		maps_unmapped((uintptr_t)p, (uintptr_t)p + (uintptr_t)req.len);
	err = maps_add((uintptr_t)p, (uintptr_t)p + (uintptr_t)req.len, rep.cookie, hold, NULL);
	if (err) {
		REAL(R_MUNMAP, munmap_fn)(p, len);
		map_release(rep.cookie, hold);
		return map_fail(-err);
	}
	return p;
}

static void *do_mmap(enum real_fn which, void *addr, size_t len, int prot, int flags, int fd,
		     off_t off)
{
	uint64_t ino = fd >= 0 && !(flags & MAP_ANONYMOUS) ? shim_fdt_get(fd) : 0;
	void *p;

	if (ino) {
		p = mock_mmap_fd(addr, len, prot, flags, fd, ino, off);
		if (p != MAP_FAILED || errno != ENODEV || !shim_fdt_stale(fd, ino))
			return p;
	}
	p = REAL(which, mmap_fn)(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && (flags & MAP_FIXED))
		maps_unmapped((uintptr_t)p, (uintptr_t)p + len);
	return p;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return do_mmap(R_MMAP, addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off);

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
	return do_mmap(R_MMAP64, addr, len, prot, flags, fd, (off_t)off);
}

EXPORT int munmap(void *addr, size_t len)
{
	int r = REAL(R_MUNMAP, munmap_fn)(addr, len);

	if (r == 0 && len) {
		size_t ps = page_size();
		uintptr_t start = (uintptr_t)addr;

		maps_unmapped(start, start + ((len + ps - 1) & ~(ps - 1)));
	}
	return r;
}

/* fork: hold the table still across it, so the child inherits a consistent copy. */
void shim_maps_prepare(void)
{
	pthread_mutex_lock(&maps_lock);
}

void shim_maps_parent(void)
{
	pthread_mutex_unlock(&maps_lock);
}

/* The child maps what its parent mapped: one reference more per mapping. */
void shim_maps_child(void)
{
	/* Every thread's connection is the parent's now: make new ones. */
	__atomic_add_fetch(&shim_fork_gen, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&maps_lock);
	for (size_t i = 0; i < nr_maps; i++) {
		struct mock_req req = { .op = MOCK_OP_MMAP_DUP, .arg = maps[i].cookie };
		struct mock_reply rep;
		int fds[MOCK_PROTO_MAX_NEWFD];

		if (maps[i].mmio)
			continue; /* nothing referenced: the inherited hold fd is enough */
		if (!shim_transact(&req, NULL, 0, false, -1, &rep, fds))
			shim_finish(&rep, fds);
	}
}

/*
 * The device-register mapping @addr falls in, for mmio.c's fault handler:
 * false if none. The faulting thread holds no shim lock (the shim never
 * touches such a mapping itself), so taking maps_lock here cannot deadlock.
 */
bool shim_maps_mmio_find(uintptr_t addr, struct shim_mmio_at *at)
{
	bool found = false;

	if (!__atomic_load_n(&shim_nr_maps_hint, __ATOMIC_ACQUIRE))
		return false;
	pthread_mutex_lock(&maps_lock);
	for (size_t i = 0; i < nr_maps && !found; i++) {
		const struct mapping *m = &maps[i];

		if (!m->mmio)
			continue;
		for (unsigned int k = 0; k < m->nr_pieces; k++) {
			if (addr < m->pieces[k].start || addr >= m->pieces[k].end)
				continue;
			*at = (struct shim_mmio_at){ .ino = m->ino, .hold_fd = m->hold_fd,
						     .prot = m->prot,
						     .off = m->region_off + (addr - m->base),
						     .end = m->pieces[k].end };
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&maps_lock);
	return found;
}

/*
 * mprotect() of a range holding device-register mappings: they record the
 * new PROT_* (what a trapped access may do) and stay PROT_NONE underneath,
 * so they keep trapping. A part of a mapping changed takes the whole
 * mapping's protection with it (doc/mock-divergences.md).
 */
bool shim_maps_mmio_protect(uintptr_t start, uintptr_t end, int prot)
{
	bool any = false;

	if (!__atomic_load_n(&shim_nr_maps_hint, __ATOMIC_ACQUIRE) || end <= start)
		return false;
	pthread_mutex_lock(&maps_lock);
	for (size_t i = 0; i < nr_maps; i++) {
		struct mapping *m = &maps[i];

		if (!m->mmio)
			continue;
		for (unsigned int k = 0; k < m->nr_pieces; k++) {
			uintptr_t lo = m->pieces[k].start > start ? m->pieces[k].start : start;
			uintptr_t hi = m->pieces[k].end < end ? m->pieces[k].end : end;

			if (lo >= hi)
				continue;
			shim_mmio_reprotect((void *)lo, hi - lo);
			m->prot = prot;
			any = true;
		}
	}
	pthread_mutex_unlock(&maps_lock);
	return any;
}
