// SPDX-License-Identifier: MIT
/*
 * io_pagetable.c - the IOVA side (the kernel's io_pagetable.c): areas in an
 * interval tree, allowed and reserved ranges, automatic IOVA allocation with
 * the kernel's alignment rules, map/copy/unmap of whole areas, and keeping
 * every attached domain filled with every area.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iommufd_private.h"

struct iopt_allowed {
	struct interval_tree_node node;
};

struct iopt_reserved {
	struct interval_tree_node node;
	void *owner;
};

static struct iopt_area *to_area(struct interval_tree_node *n)
{
	return (struct iopt_area *)n; /* node is the first member */
}

struct iopt_area *iopt_area_iter_first(struct io_pagetable *iopt, uint64_t start,
				       uint64_t last)
{
	return to_area(interval_tree_iter_first(&iopt->area_itree, start, last));
}

struct iopt_area *iopt_area_iter_next(struct io_pagetable *iopt, struct iopt_area *area,
				      uint64_t start, uint64_t last)
{
	return to_area(interval_tree_iter_next(&iopt->area_itree, &area->node, start, last));
}

static struct iopt_reserved *iopt_reserved_iter_first(struct io_pagetable *iopt,
						      uint64_t start, uint64_t last)
{
	return (struct iopt_reserved *)interval_tree_iter_first(&iopt->reserved_itree, start,
								 last);
}

struct iopt_area *iopt_area_contig_init(struct iopt_area_contig_iter *iter,
					struct io_pagetable *iopt, uint64_t iova,
					uint64_t last_iova)
{
	iter->cur_iova = iova;
	iter->last_iova = last_iova;
	iter->iopt = iopt;
	iter->area = iopt_area_iter_first(iopt, iova, iova);
	if (!iter->area)
		return NULL;
	if (!iter->area->pages) {
		iter->area = NULL;
		return NULL;
	}
	return iter->area;
}

struct iopt_area *iopt_area_contig_next(struct iopt_area_contig_iter *iter)
{
	uint64_t last_iova;

	if (!iter->area)
		return NULL;
	last_iova = iopt_area_last_iova(iter->area);
	if (iter->last_iova <= last_iova)
		return NULL;

	iter->cur_iova = last_iova + 1;
	iter->area = iopt_area_iter_next(iter->iopt, iter->area, iter->cur_iova,
					 iter->last_iova);
	if (!iter->area)
		return NULL;
	if (iter->cur_iova != iopt_area_iova(iter->area) || !iter->area->pages) {
		iter->area = NULL;
		return NULL;
	}
	return iter->area;
}

bool iopt_contig_run(struct io_pagetable *iopt, uint64_t iova, uint64_t last_iova,
		     uint64_t *run_last)
{
	uint64_t us;

	if (!interval_tree_first_used(&iopt->area_itree, NULL, iova, last_iova, &us, run_last))
		return false;
	return us == iova;
}

/* ---------------- IOVA allocation ---------------- */

static uint64_t roundup_pow_of_two(uint64_t v)
{
	uint64_t r = 1;

	while (r < v)
		r <<= 1;
	return r;
}

static bool alloc_iova_check_range(uint64_t *start, uint64_t last, uint64_t length,
				   uint64_t iova_alignment, uint64_t page_offset)
{
	uint64_t aligned_start;

	if (__builtin_add_overflow(*start, iova_alignment - 1, &aligned_start))
		return false;
	aligned_start &= ~(iova_alignment - 1);
	aligned_start |= page_offset;

	if (aligned_start >= last || last - aligned_start < length - 1)
		return false;
	*start = aligned_start;
	return true;
}

/* Find unused, unreserved IOVA inside the allowed ranges; never IOVA 0. */
static int iopt_alloc_iova(struct io_pagetable *iopt, uint64_t *iova, uint64_t addr,
			   uint64_t length)
{
	uint64_t page_offset = addr % PAGE_SIZE;
	uint64_t lo = PAGE_SIZE, hi = UINT64_MAX - PAGE_SIZE;
	uint64_t iova_alignment;
	uint64_t cur = lo;

	if (length == 0 || length >= UINT64_MAX / 2)
		return -EOVERFLOW;

	/* Keep the alignment of addr, which helps huge mappings */
	if (!addr)
		iova_alignment = roundup_pow_of_two(length);
	else {
		uint64_t a = 1ULL << __builtin_ctzll(addr);

		iova_alignment = roundup_pow_of_two(length);
		if (a < iova_alignment)
			iova_alignment = a;
	}
	if (iova_alignment >= MOCK_HPAGE_SIZE)
		iova_alignment = MOCK_HPAGE_SIZE;

	if (iova_alignment < iopt->iova_alignment)
		return -EINVAL;

	for (;;) {
		uint64_t us, ul, hs, hl, hcur;

		if (interval_tree_empty(&iopt->allowed_itree)) {
			if (cur != lo)
				break;
			us = lo;
			ul = hi;
		} else if (!interval_tree_first_used(&iopt->allowed_itree, NULL, cur, hi, &us,
						     &ul)) {
			break;
		}
		cur = ul + 1;
		if (!alloc_iova_check_range(&us, ul, length, iova_alignment, page_offset)) {
			if (ul >= hi)
				break;
			continue;
		}
		hcur = us;
		/* holes shorter than length can never fit: skip them in O(log n) */
		while (interval_tree_find_hole(&iopt->area_itree, &iopt->reserved_itree, hcur,
					       ul, length, &hs, &hl)) {
			uint64_t s = hs;

			if (alloc_iova_check_range(&s, hl, length, iova_alignment, page_offset)) {
				*iova = s;
				return 0;
			}
			if (hl >= ul)
				break;
			hcur = hl + 1;
		}
		if (ul >= hi)
			break;
		if (interval_tree_empty(&iopt->allowed_itree))
			break;
	}
	return -ENOSPC;
}

static int iopt_check_iova(struct io_pagetable *iopt, uint64_t iova, uint64_t length)
{
	uint64_t last;

	if (iova & (iopt->iova_alignment - 1))
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (iopt_reserved_iter_first(iopt, iova, last))
		return -EINVAL;
	if (iopt_area_iter_first(iopt, iova, last))
		return -EEXIST;
	return 0;
}

static int iopt_insert_area(struct io_pagetable *iopt, struct iopt_area *area,
			    struct iopt_pages *pages, uint64_t iova, uint64_t start_byte,
			    uint64_t length, int iommu_prot)
{
	uint64_t last_byte;

	if ((iommu_prot & IOMMU_WRITE) && !pages->writable)
		return -EPERM;

	area->iommu_prot = iommu_prot;
	area->page_offset = start_byte % PAGE_SIZE;
	if (area->page_offset & (iopt->iova_alignment - 1))
		return -EINVAL;

	area->node.start = iova;
	if (__builtin_add_overflow(iova, length - 1, &area->node.last))
		return -EOVERFLOW;

	area->pages_node.start = start_byte / PAGE_SIZE;
	if (__builtin_add_overflow(start_byte, length - 1, &last_byte))
		return -EOVERFLOW;
	area->pages_node.last = last_byte / PAGE_SIZE;
	if (area->pages_node.last >= pages->npages)
		return -EOVERFLOW;

	/* Inserted with NULL pages: the IOVA is taken but not usable yet */
	area->iopt = iopt;
	interval_tree_insert(&area->node, &iopt->area_itree);
	return 0;
}

static void iopt_abort_area(struct iopt_area *area)
{
	if (area->iopt)
		interval_tree_remove(&area->node, &area->iopt->area_itree);
	free(area);
}

static int iopt_alloc_area_pages(struct io_pagetable *iopt, struct iopt_pages_list *list,
				 unsigned int nr, uint64_t length, uint64_t *dst_iova,
				 int iommu_prot, unsigned int flags)
{
	uint64_t iova, start = 0;
	unsigned int i;
	int rc;

	for (i = 0; i != nr; i++) {
		list[i].area = mock_zalloc(1, sizeof(*list[i].area));
		if (!list[i].area)
			return -ENOMEM;
	}

	if ((length & (iopt->iova_alignment - 1)) || !length)
		return -EINVAL;

	if (flags & IOPT_ALLOC_IOVA) {
		/* The first piece guesses the best alignment */
		switch (list[0].pages->type) {
		case IOPT_ADDRESS_USER:
			start = list[0].start_byte + list[0].pages->uptr;
			break;
		case IOPT_ADDRESS_FILE:
			start = list[0].start_byte + iopt_pages_file(list[0].pages)->start;
			break;
		}
		rc = iopt_alloc_iova(iopt, dst_iova, start, length);
		if (rc)
			return rc;
		if (iopt_check_iova(iopt, *dst_iova, length))
			return -EINVAL;
	} else {
		rc = iopt_check_iova(iopt, *dst_iova, length);
		if (rc)
			return rc;
	}

	iova = *dst_iova;
	for (i = 0; i != nr; i++) {
		rc = iopt_insert_area(iopt, list[i].area, list[i].pages, iova,
				      list[i].start_byte, list[i].length, iommu_prot);
		if (rc)
			return rc;
		iova += list[i].length;
	}
	return 0;
}

void iopt_free_pages_list(struct iopt_pages_list *list, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i != nr; i++) {
		if (list[i].area)
			iopt_abort_area(list[i].area);
		if (list[i].pages)
			iopt_put_pages(list[i].pages);
	}
	free(list);
}

/* Map @area (filled, with @pages) into @domain's IO page table. */
static int iopt_area_map_domain(struct iopt_area *area, struct iopt_pages *pages,
				struct mock_domain *domain)
{
	return mock_domain_map_pages(domain, iopt_area_iova(area), iopt_area_last_iova(area), pages,
				     iopt_area_start_byte(area, iopt_area_iova(area)),
				     area->iommu_prot);
}

static void iopt_area_unmap_domains(struct iopt_area *area, unsigned int nr)
{
	for (unsigned int i = 0; i != nr; i++)
		mock_domain_unmap_pages(area->iopt->domains[i], iopt_area_iova(area),
					iopt_area_last_iova(area));
}

/* Pin the area's pages and map them into every domain of the iopt. */
static int iopt_area_fill_domains(struct iopt_area *area, struct iopt_pages *pages)
{
	struct io_pagetable *iopt = area->iopt;
	unsigned int i;
	int rc;

	if (!iopt->next_domain_id)
		return 0;
	area->pages = pages;
	rc = iopt_area_fill_domain_pins(area);
	if (rc)
		goto out;
	if (mock_should_fail(NULL)) {
		iopt_area_unfill_domain_pins(area);
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i != iopt->next_domain_id; i++) {
		rc = iopt_area_map_domain(area, pages, iopt->domains[i]);
		if (rc) {
			iopt_area_unmap_domains(area, i);
			iopt_area_unfill_domain_pins(area);
			goto out;
		}
	}
	area->storage_domain = iopt->domains[0];
out:
	area->pages = NULL;
	return rc;
}

static void iopt_area_unfill_domains(struct iopt_area *area, struct iopt_pages *pages)
{
	if (!area->storage_domain)
		return;
	iopt_area_unmap_domains(area, area->iopt->next_domain_id);
	area->pages = pages;
	iopt_area_unfill_domain_pins(area);
	area->pages = NULL;
	area->storage_domain = NULL;
}

int iopt_map_pages(const struct mock_task *task, struct io_pagetable *iopt,
		   struct iopt_pages_list *list, unsigned int nr, uint64_t length,
		   uint64_t *dst_iova, int iommu_prot, unsigned int flags)
{
	unsigned int i;
	int rc;

	(void)task;
	rc = iopt_alloc_area_pages(iopt, list, nr, length, dst_iova, iommu_prot, flags);
	if (rc)
		return rc;

	for (i = 0; i != nr; i++) {
		rc = iopt_area_fill_domains(list[i].area, list[i].pages);
		if (rc) {
			while (i--)
				iopt_area_unfill_domains(list[i].area, list[i].pages);
			return rc;
		}
	}
	/* The areas take over the pages references from the list */
	for (i = 0; i != nr; i++) {
		list[i].area->pages = list[i].pages;
		list[i].pages = NULL;
		list[i].area = NULL;
	}
	return 0;
}

static int iopt_map_common(struct iommufd_ctx *ictx, const struct mock_task *task,
			   struct io_pagetable *iopt, struct iopt_pages *pages, uint64_t *iova,
			   uint64_t length, uint64_t start_byte, int iommu_prot,
			   unsigned int flags)
{
	struct iopt_pages_list *list;
	int rc;

	list = mock_zalloc(1, sizeof(*list));
	if (!list) {
		iopt_put_pages(pages);
		return -ENOMEM;
	}
	list->pages = pages;
	list->start_byte = start_byte;
	list->length = length;
	if (ictx->account_mode == IOPT_PAGES_ACCOUNT_MM &&
	    pages->account_mode == IOPT_PAGES_ACCOUNT_USER)
		pages->account_mode = IOPT_PAGES_ACCOUNT_MM;

	rc = iopt_map_pages(task, iopt, list, 1, length, iova, iommu_prot, flags);
	iopt_free_pages_list(list, 1);
	return rc;
}

int iopt_map_user_pages(struct iommufd_ctx *ictx, const struct mock_task *task,
			struct io_pagetable *iopt, uint64_t *iova, uint64_t uptr,
			uint64_t length, int iommu_prot, unsigned int flags)
{
	struct iopt_pages *pages;
	int err = 0;

	pages = iopt_alloc_user_pages(ictx->k, task, uptr, length, iommu_prot & IOMMU_WRITE,
				      &err);
	if (!pages)
		return err;
	return iopt_map_common(ictx, task, iopt, pages, iova, length, uptr - pages->uptr,
			       iommu_prot, flags);
}

int iopt_map_file_pages(struct iommufd_ctx *ictx, const struct mock_task *task,
			struct io_pagetable *iopt, uint64_t *iova, int fd, uint64_t start,
			uint64_t length, int iommu_prot, unsigned int flags)
{
	struct iopt_pages *pages;
	uint64_t start_byte, last, dev, ino;
	int err = 0, ofd;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(start, length - 1, &last))
		return -EOVERFLOW;

	start_byte = start - (start & PAGE_MASK);
	if (ictx->k->fget) {
		struct mock_file *f = ictx->k->fget(ictx->k->fget_priv, task, fd);

		if (f && f->f_op == &mock_dmabuf_fops) { /* is_dma_buf_file() */
			pages = iopt_alloc_dmabuf_pages(ictx->k, task, f->private_data, start_byte,
							start, length, iommu_prot & IOMMU_WRITE,
							&err);
			if (!pages)
				return err;
			return iopt_map_common(ictx, task, iopt, pages, iova, length, start_byte,
					       iommu_prot, flags);
		}
	}
	err = mock_open_user_file(task, fd, iommu_prot & IOMMU_WRITE, &ofd, &dev, &ino);
	if (err)
		return err;
	pages = iopt_alloc_file_pages(ictx->k, task, ofd, dev, ino, start_byte, start, length,
				      iommu_prot & IOMMU_WRITE, &err);
	if (!pages) {
		close(ofd);
		return err;
	}
	return iopt_map_common(ictx, task, iopt, pages, iova, length, start_byte, iommu_prot,
			       flags);
}

int iopt_get_pages(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		   struct iopt_pages_list **out, unsigned int *out_nr)
{
	struct iopt_area_contig_iter iter;
	struct iopt_pages_list *list = NULL;
	unsigned int nr = 0, cap = 0;
	struct iopt_area *area;
	uint64_t last_iova;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last_iova))
		return -EOVERFLOW;

	iopt_for_each_contig_area(&iter, area, iopt, iova, last_iova) {
		uint64_t last = last_iova < iopt_area_last_iova(area) ? last_iova :
									 iopt_area_last_iova(area);

		if (nr == cap) {
			struct iopt_pages_list *n;

			cap = cap ? cap * 2 : 4;
			n = mock_should_fail(NULL) ? NULL : realloc(list, cap * sizeof(*n));
			if (!n) {
				iopt_free_pages_list(list, nr);
				return -ENOMEM;
			}
			list = n;
		}
		memset(&list[nr], 0, sizeof(list[nr]));
		list[nr].start_byte = iopt_area_start_byte(area, iter.cur_iova);
		list[nr].pages = area->pages;
		list[nr].length = last - iter.cur_iova + 1;
		iopt_get_pages_ref(area->pages);
		nr++;
	}
	if (!iopt_area_contig_done(&iter)) {
		iopt_free_pages_list(list, nr);
		return -ENOENT;
	}
	*out = list;
	*out_nr = nr;
	return 0;
}

/* ---------------- unmap ---------------- */

static int iopt_unmap_iova_range(struct io_pagetable *iopt, uint64_t start, uint64_t last,
				 uint64_t *unmapped)
{
	uint64_t unmapped_bytes = 0;
	unsigned int tries = 0;
	struct iopt_area *area;
	int rc = 0;

	while ((area = iopt_area_iter_first(iopt, start, last))) {
		uint64_t area_last = iopt_area_last_iova(area);
		uint64_t area_first = iopt_area_iova(area);
		struct iopt_pages *pages;

		if (!area->pages || area->num_locks) {
			rc = -EBUSY;
			break;
		}
		if (area_first < start || area_last > last) {
			rc = -ENOENT;
			break;
		}
		if (area_first != start)
			tries = 0;

		if (area->num_accesses) {
			start = area_first;
			area->prevent_access = true;
			iommufd_access_notify_unmap(iopt, area_first, iopt_area_length(area));
			if (++tries > 100) {
				rc = -EDEADLK;
				break;
			}
			continue;
		}

		pages = area->pages;
		area->pages = NULL;
		iopt_area_unfill_domains(area, pages);
		for (unsigned int i = 0; i != iopt->next_domain_id; i++)
			mock_domain_clear_dirty(iopt->domains[i], area_first, area_last);
		iopt_abort_area(area);
		iopt_put_pages(pages);

		unmapped_bytes += area_last - area_first + 1;
		if (area_last >= last)
			break;
		start = area_last + 1;
	}
	if (unmapped)
		*unmapped = unmapped_bytes;
	return rc;
}

int iopt_unmap_iova(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		    uint64_t *unmapped)
{
	uint64_t iova_last;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &iova_last))
		return -EOVERFLOW;
	return iopt_unmap_iova_range(iopt, iova, iova_last, unmapped);
}

int iopt_unmap_all(struct io_pagetable *iopt, uint64_t *unmapped)
{
	return iopt_unmap_iova_range(iopt, 0, UINT64_MAX, unmapped);
}

/* ---------------- allowed and reserved ranges ---------------- */

void iopt_free_allowed(struct interval_tree_root *allowed)
{
	struct interval_tree_node *n;

	while ((n = interval_tree_iter_first(allowed, 0, UINT64_MAX))) {
		interval_tree_remove(n, allowed);
		free(n);
	}
}

/* Swap @allowed in; on success @allowed holds the old ranges for the caller to free. */
int iopt_set_allow_iova(struct io_pagetable *iopt, struct interval_tree_root *allowed)
{
	struct interval_tree_root tmp = iopt->allowed_itree;
	struct interval_tree_node *n;

	iopt->allowed_itree = *allowed;
	*allowed = tmp;
	for (n = interval_tree_iter_first(&iopt->allowed_itree, 0, UINT64_MAX); n;
	     n = interval_tree_iter_next(&iopt->allowed_itree, n, 0, UINT64_MAX)) {
		if (iopt_reserved_iter_first(iopt, n->start, n->last)) {
			tmp = iopt->allowed_itree;
			iopt->allowed_itree = *allowed;
			*allowed = tmp;
			return -EADDRINUSE;
		}
	}
	return 0;
}

int iopt_reserve_iova(struct io_pagetable *iopt, uint64_t start, uint64_t last, void *owner)
{
	struct iopt_reserved *reserved;

	if (iopt_area_iter_first(iopt, start, last) ||
	    interval_tree_iter_first(&iopt->allowed_itree, start, last))
		return -EADDRINUSE;

	reserved = mock_zalloc(1, sizeof(*reserved));
	if (!reserved)
		return -ENOMEM;
	reserved->node.start = start;
	reserved->node.last = last;
	reserved->owner = owner;
	interval_tree_insert(&reserved->node, &iopt->reserved_itree);
	return 0;
}

void iopt_remove_reserved_iova(struct io_pagetable *iopt, void *owner)
{
	struct interval_tree_node *n, *next;

	for (n = interval_tree_iter_first(&iopt->reserved_itree, 0, UINT64_MAX); n; n = next) {
		next = interval_tree_iter_next(&iopt->reserved_itree, n, 0, UINT64_MAX);
		if (((struct iopt_reserved *)n)->owner == owner) {
			interval_tree_remove(n, &iopt->reserved_itree);
			free(n);
		}
	}
}

void iopt_init_table(struct io_pagetable *iopt)
{
	memset(iopt, 0, sizeof(*iopt));
	/* A software table can use all of the u64 IOVA space, unaligned */
	iopt->iova_alignment = 1;
}

void iopt_destroy_table(struct io_pagetable *iopt)
{
	iopt_remove_reserved_iova(iopt, NULL);
	iopt_free_allowed(&iopt->allowed_itree);
	free(iopt->domains);
	free(iopt->access_list);
}

/* ---------------- domains ---------------- */

static int iopt_check_iova_alignment(struct io_pagetable *iopt, uint64_t new_iova_alignment)
{
	uint64_t align_mask = new_iova_alignment - 1;
	struct iopt_area *area;

	for (area = iopt_area_iter_first(iopt, 0, UINT64_MAX); area;
	     area = iopt_area_iter_next(iopt, area, 0, UINT64_MAX))
		if ((iopt_area_iova(area) & align_mask) ||
		    (iopt_area_length(area) & align_mask) || (area->page_offset & align_mask))
			return -EADDRINUSE;
	return 0;
}

static void iopt_unfill_all(struct io_pagetable *iopt, struct iopt_area *end_area)
{
	struct iopt_area *area;

	for (area = iopt_area_iter_first(iopt, 0, UINT64_MAX); area && area != end_area;
	     area = iopt_area_iter_next(iopt, area, 0, UINT64_MAX)) {
		if (!area->pages || !area->storage_domain)
			continue;
		iopt_area_unmap_domains(area, iopt->next_domain_id);
		iopt_area_unfill_domain_pins(area);
		area->storage_domain = NULL;
	}
}

int iopt_table_add_domain(struct io_pagetable *iopt, struct mock_domain *domain)
{
	uint64_t new_iova_alignment;
	struct iopt_area *area;
	unsigned int i;
	int rc;

	for (i = 0; i != iopt->next_domain_id; i++)
		if (iopt->domains[i] == domain)
			return -EEXIST;

	new_iova_alignment = domain->pgsize > iopt->iova_alignment ? domain->pgsize :
								      iopt->iova_alignment;
	if (new_iova_alignment > PAGE_SIZE)
		return -EINVAL;
	if (new_iova_alignment != iopt->iova_alignment) {
		rc = iopt_check_iova_alignment(iopt, new_iova_alignment);
		if (rc)
			return rc;
	}

	/* Nothing may exist outside the aperture */
	if (domain->aperture_start != 0) {
		rc = iopt_reserve_iova(iopt, 0, domain->aperture_start - 1, domain);
		if (rc)
			goto out_reserved;
	}
	if (domain->aperture_last != UINT64_MAX) {
		rc = iopt_reserve_iova(iopt, domain->aperture_last + 1, UINT64_MAX, domain);
		if (rc)
			goto out_reserved;
	}

	if (iopt->next_domain_id == iopt->domains_cap) {
		unsigned int n = iopt->domains_cap ? iopt->domains_cap * 2 : 4;
		struct mock_domain **d = mock_should_fail(NULL) ? NULL :
				realloc(iopt->domains, n * sizeof(*d));

		if (!d) {
			rc = -ENOMEM;
			goto out_reserved;
		}
		iopt->domains = d;
		iopt->domains_cap = n;
	}

	/* The first domain pins everything; later ones share those pins */
	if (!iopt->next_domain_id) {
		for (area = iopt_area_iter_first(iopt, 0, UINT64_MAX); area;
		     area = iopt_area_iter_next(iopt, area, 0, UINT64_MAX)) {
			if (!area->pages)
				continue;
			rc = iopt_area_fill_domain_pins(area);
			if (rc) {
				iopt_unfill_all(iopt, area);
				goto out_reserved;
			}
			area->storage_domain = domain;
		}
	}
	if (mock_should_fail(NULL)) {
		if (!iopt->next_domain_id)
			iopt_unfill_all(iopt, NULL);
		rc = -ENOMEM;
		goto out_reserved;
	}
	/* every filled area goes into the new domain's IO page table */
	for (area = iopt_area_iter_first(iopt, 0, UINT64_MAX); area;
	     area = iopt_area_iter_next(iopt, area, 0, UINT64_MAX)) {
		if (!area->pages || !area->storage_domain)
			continue;
		rc = iopt_area_map_domain(area, area->pages, domain);
		if (rc) {
			mock_domain_unmap_all(domain);
			if (!iopt->next_domain_id)
				iopt_unfill_all(iopt, NULL);
			goto out_reserved;
		}
	}

	iopt->iova_alignment = new_iova_alignment;
	iopt->domains[iopt->next_domain_id++] = domain;
	domain->iopt = iopt;
	return 0;

out_reserved:
	iopt_remove_reserved_iova(iopt, domain);
	return rc;
}

static int iopt_calculate_iova_alignment(struct io_pagetable *iopt)
{
	uint64_t new_iova_alignment;
	unsigned int i;

	new_iova_alignment = iopt->disable_large_pages ? PAGE_SIZE : 1;
	for (i = 0; i != iopt->next_domain_id; i++)
		if (iopt->domains[i]->pgsize > new_iova_alignment)
			new_iova_alignment = iopt->domains[i]->pgsize;
	for (i = 0; i != iopt->nr_accesses; i++)
		if (iopt->access_list[i]->iova_alignment > new_iova_alignment)
			new_iova_alignment = iopt->access_list[i]->iova_alignment;

	if (new_iova_alignment > iopt->iova_alignment) {
		int rc = iopt_check_iova_alignment(iopt, new_iova_alignment);

		if (rc)
			return rc;
	}
	iopt->iova_alignment = new_iova_alignment;
	return 0;
}

void iopt_table_remove_domain(struct io_pagetable *iopt, struct mock_domain *domain)
{
	struct iopt_area *area;
	unsigned int i;

	for (i = 0; i != iopt->next_domain_id; i++)
		if (iopt->domains[i] == domain)
			break;
	if (i == iopt->next_domain_id)
		return;
	/* keep the array dense: the tail entry fills the hole */
	iopt->domains[i] = iopt->domains[--iopt->next_domain_id];

	if (iopt->next_domain_id) {
		for (area = iopt_area_iter_first(iopt, 0, UINT64_MAX); area;
		     area = iopt_area_iter_next(iopt, area, 0, UINT64_MAX))
			if (area->storage_domain == domain)
				area->storage_domain = iopt->domains[0];
	} else {
		iopt_unfill_all(iopt, NULL);
	}
	iopt_remove_reserved_iova(iopt, domain);
	mock_domain_unmap_all(domain);
	mock_domain_clear_dirty(domain, 0, UINT64_MAX);
	domain->iopt = NULL;
	(void)iopt_calculate_iova_alignment(iopt);
}

void iopt_enable_large_pages(struct io_pagetable *iopt)
{
	iopt->disable_large_pages = false;
	(void)iopt_calculate_iova_alignment(iopt);
}

int iopt_disable_large_pages(struct io_pagetable *iopt)
{
	int rc;

	if (iopt->disable_large_pages)
		return 0;
	/* Not once domains may have been mapped with large pages */
	if (iopt->next_domain_id && !interval_tree_empty(&iopt->area_itree))
		return -EINVAL;

	iopt->disable_large_pages = true;
	rc = iopt_calculate_iova_alignment(iopt);
	if (rc)
		iopt->disable_large_pages = false;
	return rc;
}

int iopt_add_access(struct io_pagetable *iopt, struct iommufd_access *access)
{
	int rc;

	if (iopt->nr_accesses == iopt->access_cap) {
		unsigned int n = iopt->access_cap ? iopt->access_cap * 2 : 4;
		struct iommufd_access **a = mock_should_fail(NULL) ? NULL :
				realloc(iopt->access_list, n * sizeof(*a));

		if (!a)
			return -ENOMEM;
		iopt->access_list = a;
		iopt->access_cap = n;
	}
	iopt->access_list[iopt->nr_accesses++] = access;
	rc = iopt_calculate_iova_alignment(iopt);
	if (rc)
		iopt->nr_accesses--;
	return rc;
}

void iopt_remove_access(struct io_pagetable *iopt, struct iommufd_access *access)
{
	unsigned int i;

	for (i = 0; i != iopt->nr_accesses; i++) {
		if (iopt->access_list[i] == access) {
			memmove(&iopt->access_list[i], &iopt->access_list[i + 1],
				(iopt->nr_accesses - i - 1) * sizeof(access));
			iopt->nr_accesses--;
			break;
		}
	}
	(void)iopt_calculate_iova_alignment(iopt);
}

/* ---------------- splitting (VFIO type1 v1 unmap) ---------------- */

/* Split @area so that @iova is the last IOVA of the first half. */
static int iopt_area_split(struct iopt_area *area, uint64_t iova)
{
	struct io_pagetable *iopt = area->iopt;
	uint64_t alignment = iopt->iova_alignment;
	uint64_t start_iova = iopt_area_iova(area);
	uint64_t last_iova = iopt_area_last_iova(area);
	struct iopt_pages *pages = area->pages;
	struct mock_pt_entry **spare = NULL;
	uint64_t new_start = iova + 1;
	struct iopt_area *lhs, *rhs;
	unsigned int i, nr_spare = 0;
	int rc;

	if (iova == start_iova || iova == last_iova)
		return 0;
	if (!pages || area->prevent_access)
		return -EBUSY;
	if ((new_start & (alignment - 1)) ||
	    (iopt_area_start_byte(area, new_start) & (alignment - 1)))
		return -EINVAL;
	/* accesses are not tracked finely enough to be split */
	if (area->num_accesses)
		return -EINVAL;
	/* a domain may hold it in large IO pages */
	if (area->storage_domain && !iopt->disable_large_pages)
		return -EINVAL;

	lhs = mock_zalloc(1, sizeof(*lhs));
	rhs = lhs ? calloc(1, sizeof(*rhs)) : NULL;
	if (!rhs) {
		free(lhs);
		return -ENOMEM;
	}
	/* each domain's IO page table entry of the area is cut too */
	if (area->storage_domain) {
		spare = calloc(iopt->next_domain_id, sizeof(*spare));
		rc = spare ? 0 : -ENOMEM;
		for (; !rc && nr_spare != iopt->next_domain_id; nr_spare++) {
			spare[nr_spare] = mock_pt_entry_alloc();
			if (!spare[nr_spare])
				rc = -ENOMEM;
		}
		if (rc)
			goto err_spare;
	}

	interval_tree_remove(&area->node, &iopt->area_itree);
	rc = iopt_insert_area(iopt, lhs, pages, start_iova, iopt_area_start_byte(area, start_iova),
			      new_start - start_iova, area->iommu_prot);
	if (rc)
		goto err_insert;
	rc = iopt_insert_area(iopt, rhs, pages, new_start, iopt_area_start_byte(area, new_start),
			      last_iova - new_start + 1, area->iommu_prot);
	if (rc)
		goto err_remove_lhs;

	if (area->storage_domain) {
		interval_tree_remove(&area->pages_node, &pages->domains_itree);
		interval_tree_insert(&lhs->pages_node, &pages->domains_itree);
		interval_tree_insert(&rhs->pages_node, &pages->domains_itree);
	}
	lhs->storage_domain = area->storage_domain;
	rhs->storage_domain = area->storage_domain;
	lhs->pages = pages;
	rhs->pages = pages;
	iopt_get_pages_ref(pages);
	for (i = 0; i != nr_spare; i++)
		mock_domain_pt_split(iopt->domains[i], iova, spare[i]);
	free(spare);
	free(area);
	/* the pages are unchanged: nothing to redo in pins */
	return 0;

err_remove_lhs:
	interval_tree_remove(&lhs->node, &iopt->area_itree);
err_insert:
	interval_tree_insert(&area->node, &iopt->area_itree);
err_spare:
	for (i = 0; i != nr_spare; i++)
		free(spare[i]);
	free(spare);
	free(lhs);
	free(rhs);
	return rc;
}

int iopt_cut_iova(struct io_pagetable *iopt, const uint64_t *iovas, size_t num_iovas)
{
	size_t i;
	int rc = 0;

	for (i = 0; i != num_iovas; i++) {
		struct iopt_area *area = iopt_area_iter_first(iopt, iovas[i], iovas[i]);

		if (!area)
			continue;
		rc = iopt_area_split(area, iovas[i]);
		if (rc)
			break;
	}
	return rc;
}
