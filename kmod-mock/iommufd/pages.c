// SPDX-License-Identifier: MIT
/*
 * pages.c - iopt_pages (the kernel's pages.c): a run of user (or file) pages
 * shared by every area that maps it. A page index is pinned while an area of
 * the pages is in a domain (domains_itree) or an access holds it
 * (access_itree): one pin per page however many domains and copies use it.
 * Pinning a user page means checking that the owner process still has it
 * mapped and counting the pin against the page's identity; pins are
 * accounted against RLIMIT_MEMLOCK per user or per process, or not at all
 * for a CAP_IPC_LOCK owner. A failed pin leaves nothing half done.
 *
 * The kernel's pin keeps a page alive after its owner exits. The mock reads
 * user pages through the live owner, so at pin time it also keeps the backing
 * object of every shared mapping under the pinned range (/proc/<pid>/map_files)
 * and reads and writes through that when the owner cannot be reached. Private
 * memory has no such object: it is gone with its process, or with the old
 * image when the process execs (the mm is the address space, uaccess.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "iommufd_private.h"

/* statfs f_type of the filesystems whose pages memfd_pin_folios() pins */
#define MOCK_TMPFS_MAGIC 0x01021994
#define MOCK_HUGETLBFS_MAGIC 0x958458f6

struct iopt_pages_access {
	struct interval_tree_node node;
	unsigned int users;
};

/*
 * A kept shared backing of USER pages: [lo, hi) of the owner's VA is the file
 * behind fd from offset off on. Kept aside, keyed by pages, until the pages
 * object goes; newest first, so a VA range pinned again after a remap finds
 * the newer mapping.
 */
struct pages_backing {
	struct pages_backing *next;
	const struct iopt_pages *pages;
	uint64_t lo, hi, off;
	uint64_t dev, ino;
	int fd;
};

static struct pages_backing *backings;

static void backing_drop_all(const struct iopt_pages *pages)
{
	struct pages_backing **pp = &backings;

	while (*pp) {
		struct pages_backing *b = *pp;

		if (b->pages != pages) {
			pp = &b->next;
			continue;
		}
		*pp = b->next;
		close(b->fd);
		free(b);
	}
}

static int backing_add(void *priv, uint64_t lo, uint64_t hi, uint64_t off, int fd)
{
	const struct iopt_pages *pages = priv;
	struct pages_backing *b;
	struct stat st;

	if (fstat(fd, &st)) {
		close(fd);
		return 0;
	}
	for (b = backings; b; b = b->next) {
		/* the newest backing of this VA: the same one again needs nothing */
		if (b->pages != pages || b->hi <= lo || b->lo >= hi)
			continue;
		if (b->lo <= lo && b->hi >= hi && b->off - b->lo == off - lo &&
		    b->dev == (uint64_t)st.st_dev && b->ino == (uint64_t)st.st_ino) {
			close(fd);
			return 0;
		}
		break;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		close(fd); /* only the after-exit view is lost */
		return 0;
	}
	*b = (struct pages_backing){ .next = backings, .pages = pages, .lo = lo, .hi = hi,
				     .off = off, .dev = (uint64_t)st.st_dev,
				     .ino = (uint64_t)st.st_ino, .fd = fd };
	backings = b;
	return 0;
}

/* The newest kept backing of @va in @pages, or NULL. */
static const struct pages_backing *backing_find(const struct iopt_pages *pages, uint64_t va)
{
	const struct pages_backing *b;

	for (b = backings; b; b = b->next)
		if (b->pages == pages && va >= b->lo && va < b->hi)
			return b;
	return NULL;
}

/* Copy through the kept backings: the owner's memory after the owner is gone. */
static int backing_rw(const struct iopt_pages *pages, uint64_t va, void *data, uint64_t length,
		      bool write)
{
	uint64_t done = 0;

	while (done < length) {
		const struct pages_backing *b = backing_find(pages, va + done);
		uint64_t n = length - done;
		ssize_t got;

		if (!b)
			return -EFAULT;
		if (n > b->hi - (va + done))
			n = b->hi - (va + done);
		if (write)
			got = pwrite(b->fd, (char *)data + done, n, (off_t)(b->off + va + done - b->lo));
		else
			got = pread(b->fd, (char *)data + done, n, (off_t)(b->off + va + done - b->lo));
		if (got <= 0)
			return -EFAULT;
		done += (uint64_t)got;
	}
	return 0;
}

/* A pages object in a zeroed block of @size bytes (it, or struct iopt_file_pages). */
static struct iopt_pages *iopt_alloc_pages(struct mock_kernel *k, const struct mock_task *task,
					   size_t size, uint64_t start_byte, uint64_t length,
					   bool writable, int *err)
{
	struct iopt_pages *pages;

	if (length > SIZE_MAX - PAGE_SIZE || length == 0) {
		*err = -EINVAL;
		return NULL;
	}
	if (mock_should_fail(task)) {
		*err = -ENOMEM;
		return NULL;
	}
	pages = calloc(1, size);
	if (!pages) {
		*err = -ENOMEM;
		return NULL;
	}
	pages->source_mm = mock_mm_get(k, task->pid);
	if (!pages->source_mm) {
		free(pages);
		*err = -ENOMEM;
		return NULL;
	}
	pages->refs = 1;
	pages->npages = (length + start_byte + PAGE_SIZE - 1) / PAGE_SIZE;
	pages->writable = writable;
	pages->account_mode = mock_task_capable(task, CAP_IPC_LOCK) ? IOPT_PAGES_ACCOUNT_NONE :
								       IOPT_PAGES_ACCOUNT_USER;
	pages->source_pid = task->pid;
	pages->source_uid = task->uid;
	return pages;
}

struct iopt_pages *iopt_alloc_user_pages(struct mock_kernel *k, const struct mock_task *task,
					 uint64_t uptr, uint64_t length, bool writable,
					 int *err)
{
	uint64_t uptr_down = uptr & PAGE_MASK;
	struct iopt_pages *pages;

	/*
	 * 6.13 (MAP_FILE's rework) moved the overflow check before the length
	 * check: a length near 2^64 was EINVAL before, EOVERFLOW after.
	 */
	if (k->kv < MOCK_KV(6, 13) && (length > SIZE_MAX - PAGE_SIZE || length == 0)) {
		*err = -EINVAL;
		return NULL;
	}
	if (uptr + length < uptr) {
		*err = -EOVERFLOW;
		return NULL;
	}
	pages = iopt_alloc_pages(k, task, sizeof(*pages), uptr - uptr_down, length, writable,
				 err);
	if (!pages)
		return NULL;
	pages->uptr = uptr_down;
	pages->type = IOPT_ADDRESS_USER;
	return pages;
}

struct iopt_pages *iopt_alloc_file_pages(struct mock_kernel *k, const struct mock_task *task,
					 int our_fd, uint64_t dev, uint64_t ino,
					 uint64_t start_byte, uint64_t start, uint64_t length,
					 bool writable, int *err)
{
	struct iopt_file_pages *fp;
	struct iopt_pages *pages;

	pages = iopt_alloc_pages(k, task, sizeof(*fp), start_byte, length, writable, err);
	if (!pages)
		return NULL;
	fp = iopt_pages_file(pages);
	fp->file_fd = our_fd;
	fp->file_dev = dev;
	fp->file_ino = ino;
	fp->start = start - start_byte;
	pages->type = IOPT_ADDRESS_FILE;
	return pages;
}

void iopt_get_pages_ref(struct iopt_pages *pages)
{
	pages->refs++;
}

static void dmabuf_unlink(struct iopt_file_pages *fp)
{
	struct iopt_pages **pp;

	for (pp = &fp->dmabuf->importers; *pp; pp = &iopt_pages_file(*pp)->dmabuf_next) {
		if (*pp == &fp->pages) {
			*pp = fp->dmabuf_next;
			break;
		}
	}
	mock_dmabuf_put(fp->dmabuf);
	fp->dmabuf = NULL;
}

struct iopt_pages *iopt_alloc_dmabuf_pages(struct mock_kernel *k, const struct mock_task *task,
					   struct mock_dmabuf *db, uint64_t start_byte,
					   uint64_t start, uint64_t length, bool writable,
					   int *err)
{
	struct iopt_pages *pages;
	struct stat st;
	int fd;

	if (db->length <= start + length - 1) {
		*err = -EINVAL;
		return NULL;
	}
	/* the exporter's map callback refuses a revoked buffer */
	if (db->revoked) {
		*err = -ENODEV;
		return NULL;
	}
	fd = fcntl(db->memfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		*err = -ENOMEM;
		return NULL;
	}
	pages = iopt_alloc_file_pages(k, task, fd, (uint64_t)st.st_dev, (uint64_t)st.st_ino,
				      start_byte, start, length, writable, err);
	if (!pages) {
		close(fd);
		return NULL;
	}
	/* dma-bufs are not accounted as pinned user memory */
	pages->account_mode = IOPT_PAGES_ACCOUNT_NONE;
	iopt_pages_file(pages)->dmabuf = db;
	db->refs++;
	iopt_pages_file(pages)->dmabuf_next = db->importers;
	db->importers = pages;
	return pages;
}

void iopt_dmabuf_revoke_all(struct mock_dmabuf *db)
{
	struct iopt_pages *pages;

	for (pages = db->importers; pages; pages = iopt_pages_file(pages)->dmabuf_next)
		pages->dmabuf_revoked = true;
}

void iopt_put_pages(struct iopt_pages *pages)
{
	if (--pages->refs)
		return;
	if (pages->type == IOPT_ADDRESS_FILE) {
		struct iopt_file_pages *fp = iopt_pages_file(pages);

		if (fp->dmabuf)
			dmabuf_unlink(fp);
		close(fp->file_fd);
	}
	/* every pin left with the last area; nothing left to account */
	backing_drop_all(pages);
	mock_mm_put(pages->source_mm->k, pages->source_mm);
	free(pages);
}

void iopt_pages_key(const struct iopt_pages *pages, uint64_t byte, struct mock_pin_key *key)
{
	if (pages->type == IOPT_ADDRESS_FILE) {
		const struct iopt_file_pages *fp = (const struct iopt_file_pages *)pages;

		key->dev = fp->file_dev;
		key->ino = fp->file_ino;
		key->off = (fp->start + byte) & PAGE_MASK;
	} else {
		key->dev = 0;
		key->ino = 0;
		key->off = (pages->uptr + byte) & PAGE_MASK;
	}
}

/* ---------------- accounting ---------------- */

int iopt_pages_update_pinned(struct iopt_pages *pages, uint64_t npages, bool inc)
{
	struct mock_kernel *k = pages->source_mm->k;
	uint64_t limit = 0;
	uint64_t *counter = NULL;

	switch (pages->account_mode) {
	case IOPT_PAGES_ACCOUNT_NONE:
		break;
	case IOPT_PAGES_ACCOUNT_USER: {
		struct mock_user *u = mock_user_get(k, pages->source_uid);

		if (!u)
			return -ENOMEM;
		counter = &u->locked_vm;
		break;
	}
	case IOPT_PAGES_ACCOUNT_MM:
		counter = &pages->source_mm->locked_vm;
		break;
	}
	if (counter) {
		if (inc) {
			if (mock_task_memlock_limit(pages->source_pid, &limit))
				return -ENOMEM;
			if (*counter + npages < *counter || *counter + npages > limit)
				return -ENOMEM;
			*counter += npages;
		} else {
			*counter -= npages < *counter ? npages : *counter;
		}
	}
	pages->last_npinned = pages->npinned;
	if (inc)
		pages->source_mm->pinned_vm += npages;
	else
		pages->source_mm->pinned_vm -= npages < pages->source_mm->pinned_vm ?
						       npages : pages->source_mm->pinned_vm;
	return 0;
}

static int pages_update_pinned(struct iopt_pages *pages)
{
	if (pages->npinned == pages->last_npinned)
		return 0;
	if (pages->npinned < pages->last_npinned)
		return iopt_pages_update_pinned(pages, pages->last_npinned - pages->npinned,
						false);
	if (mock_should_fail(NULL))
		return -ENOMEM;
	return iopt_pages_update_pinned(pages, pages->npinned - pages->last_npinned, true);
}

/* ---------------- pin / unpin of page index ranges ---------------- */

static void pin_keys(struct iopt_pages *pages, uint64_t index, uint64_t last, bool inc)
{
	uint64_t i;

	for (i = index; i <= last; i++) {
		struct mock_pin_key key;

		iopt_pages_key(pages, i * PAGE_SIZE, &key);
		if (inc)
			mock_pin_inc(pages->source_mm->k, &key);
		else
			mock_pin_dec(pages->source_mm->k, &key);
		if (i == UINT64_MAX)
			break;
	}
}

/*
 * The kernel moves pages in batches bounded by its temporary memory limit
 * (the selftest's SET_TEMP_MEMORY_LIMIT, in bytes; one page pointer each),
 * pinning each batch with a fault point: this many pages per fault point.
 */
static uint64_t pages_per_batch(const struct mock_kernel *k)
{
	uint64_t n = k->test_memory_limit / sizeof(uint64_t);

	return n ? n : 1;
}

uint64_t iopt_pages_nr_batches(const struct mock_kernel *k, uint64_t npages)
{
	uint64_t per = pages_per_batch(k);

	return npages / per + (npages % per != 0);
}

/*
 * memfd_pin_folios() on the file of @fp up to file byte @last: a regular
 * file of shmem (tmpfs, memfd) or hugetlbfs, reaching that far; anything else
 * (a FIFO, a socket, a directory, an ext4 file) is -EINVAL.
 */
static int file_pin_check(const struct iopt_file_pages *fp, uint64_t last)
{
	struct statfs sfs;
	struct stat st;

	if (fstat(fp->file_fd, &st) || fstatfs(fp->file_fd, &sfs))
		return -EFAULT;
	if (!S_ISREG(st.st_mode) ||
	    (sfs.f_type != MOCK_TMPFS_MAGIC && sfs.f_type != MOCK_HUGETLBFS_MAGIC))
		return -EINVAL;
	if (last >= (uint64_t)st.st_size)
		return -EINVAL;
	return 0;
}

/* "pin_user_pages" for [index, last]: all or nothing. */
static int pages_pin_range(struct iopt_pages *pages, uint64_t index, uint64_t last)
{
	uint64_t n = last - index + 1;
	int rc;

	/* a failing batch undoes the ones before it: as if none had been pinned */
	if (mock_should_fail_n(NULL, iopt_pages_nr_batches(pages->source_mm->k, n ? n : UINT64_MAX)))
		return -EFAULT;
	if (pages->type == IOPT_ADDRESS_USER) {
		long got = mm_probe_pages(pages->source_mm, pages->uptr + index * PAGE_SIZE, n);

		if (got < 0 || (uint64_t)got != n)
			return -EFAULT;
		/*
		 * FOLL_WRITE refuses memory the process cannot write (-EFAULT);
		 * the shared backings kept on the way are best effort: without
		 * them only the after-exit view is lost.
		 */
		rc = mm_for_each_shared_backing(pages->source_mm, pages->uptr + index * PAGE_SIZE,
						pages->uptr + (last + 1) * PAGE_SIZE,
						pages->writable, backing_add, pages);
		if (rc)
			return rc;
	} else {
		const struct iopt_file_pages *fp = iopt_pages_file(pages);

		/* whole pages: the last one must end inside the file */
		rc = file_pin_check(fp, fp->start + (last + 1) * PAGE_SIZE - 1);
		if (rc)
			return rc;
	}
	pin_keys(pages, index, last, true);
	pages->npinned += n;
	return 0;
}

static void pages_unpin_range(struct iopt_pages *pages, uint64_t index, uint64_t last)
{
	pin_keys(pages, index, last, false);
	pages->npinned -= last - index + 1;
}

/* Unpin the pages of [index, last] that nothing else holds. */
static void pages_unpin_holes(struct iopt_pages *pages, uint64_t index, uint64_t last)
{
	uint64_t cur = index, hs, hl;

	while (interval_tree_first_hole(&pages->domains_itree, &pages->access_itree, cur, last,
					&hs, &hl)) {
		pages_unpin_range(pages, hs, hl);
		if (hl >= last)
			break;
		cur = hl + 1;
	}
}

/*
 * Pin every page of [index, last] that is not pinned yet and account for
 * it; on failure everything done here is undone.
 */
static int pages_pin_holes(struct iopt_pages *pages, uint64_t index, uint64_t last)
{
	uint64_t cur = index, hs, hl;
	int rc;

	while (interval_tree_first_hole(&pages->domains_itree, &pages->access_itree, cur, last,
					&hs, &hl)) {
		rc = pages_pin_range(pages, hs, hl);
		if (rc) {
			if (hs > index)
				pages_unpin_holes(pages, index, hs - 1);
			return rc;
		}
		if (hl >= last)
			break;
		cur = hl + 1;
	}
	rc = pages_update_pinned(pages);
	if (rc) {
		pages_unpin_holes(pages, index, last);
		pages->last_npinned = pages->npinned;
		return rc;
	}
	return 0;
}

int iopt_area_fill_domain_pins(struct iopt_area *area)
{
	struct iopt_pages *pages = area->pages;
	int rc;

	rc = pages_pin_holes(pages, iopt_area_index(area), iopt_area_last_index(area));
	if (rc)
		return rc;
	interval_tree_insert(&area->pages_node, &pages->domains_itree);
	return 0;
}

void iopt_area_unfill_domain_pins(struct iopt_area *area)
{
	struct iopt_pages *pages = area->pages;

	interval_tree_remove(&area->pages_node, &pages->domains_itree);
	pages_unpin_holes(pages, iopt_area_index(area), iopt_area_last_index(area));
	pages_update_pinned(pages);
}

static struct iopt_pages_access *find_exact_access(struct iopt_pages *pages, uint64_t index,
						   uint64_t last)
{
	struct interval_tree_node *n;

	for (n = interval_tree_iter_first(&pages->access_itree, index, index); n;
	     n = interval_tree_iter_next(&pages->access_itree, n, index, index)) {
		if (n->start == index && n->last == last)
			return (struct iopt_pages_access *)n;
	}
	return NULL;
}

int iopt_area_add_access(struct iopt_area *area, uint64_t index, uint64_t last_index,
			 unsigned int flags)
{
	struct iopt_pages *pages = area->pages;
	struct iopt_pages_access *acc;
	int rc;

	if ((flags & IOMMUFD_ACCESS_RW_WRITE) && !pages->writable)
		return -EPERM;
	acc = find_exact_access(pages, index, last_index);
	if (acc) {
		area->num_accesses++;
		acc->users++;
		return 0;
	}
	acc = mock_zalloc(1, sizeof(*acc));
	if (!acc)
		return -ENOMEM;
	rc = pages_pin_holes(pages, index, last_index);
	if (rc) {
		free(acc);
		return rc;
	}
	acc->node.start = index;
	acc->node.last = last_index;
	acc->users = 1;
	interval_tree_insert(&acc->node, &pages->access_itree);
	area->num_accesses++;
	return 0;
}

void iopt_area_remove_access(struct iopt_area *area, uint64_t index, uint64_t last_index)
{
	struct iopt_pages *pages = area->pages;
	struct iopt_pages_access *acc;

	acc = find_exact_access(pages, index, last_index);
	if (!acc)
		return;
	if (area->num_accesses)
		area->num_accesses--;
	if (--acc->users)
		return;
	interval_tree_remove(&acc->node, &pages->access_itree);
	pages_unpin_holes(pages, index, last_index);
	pages_update_pinned(pages);
	free(acc);
}

int iopt_pages_rw_access(struct iopt_pages *pages, uint64_t start_byte, void *data,
			 uint64_t length, unsigned int flags)
{
	bool write = flags & IOMMUFD_ACCESS_RW_WRITE;
	bool unpinned;
	uint64_t hs, hl;
	int rc;

	if (write && !pages->writable)
		return -EPERM;
	if (pages->dmabuf_revoked)
		return -EFAULT;
	/* pages no domain or access holds: the kernel pins (or copies to) them for the copy */
	unpinned = length && interval_tree_first_hole(&pages->domains_itree, &pages->access_itree,
						      start_byte / PAGE_SIZE,
						      (start_byte + length - 1) / PAGE_SIZE, &hs, &hl);
	if (pages->type == IOPT_ADDRESS_FILE) {
		const struct iopt_file_pages *fp = iopt_pages_file(pages);
		uint64_t done = 0;

		/* a file it cannot pin is EINVAL */
		if (!fp->dmabuf && unpinned) {
			rc = file_pin_check(fp, fp->start + ((start_byte + length - 1) | (PAGE_SIZE - 1)));
			if (rc)
				return rc;
		}

		while (done < length) {
			ssize_t n;

			if (write)
				n = pwrite(fp->file_fd, (char *)data + done, length - done,
					   (off_t)(fp->start + start_byte + done));
			else
				n = pread(fp->file_fd, (char *)data + done, length - done,
					  (off_t)(fp->start + start_byte + done));
			if (n <= 0)
				return -EFAULT;
			done += (uint64_t)n;
		}
		return 0;
	}
	/*
	 * mm_write() writes what is pinned, as DMA does, whatever the process
	 * did to its mapping since; the kernel's copy to pages nobody pinned
	 * (copy_to_user) needs a writable mapping.
	 */
	if (unpinned)
		rc = mm_copy_unpinned(pages->source_mm, data, pages->uptr + start_byte, length,
				      write);
	else if (write)
		rc = mm_write(pages->source_mm, pages->uptr + start_byte, data, length);
	else
		rc = mm_read(pages->source_mm, data, pages->uptr + start_byte, length);
	/* the owner exited (or unmapped them): its pinned pages are still there */
	if (rc == -EFAULT)
		rc = backing_rw(pages, pages->uptr + start_byte, data, length, write);
	return rc;
}
