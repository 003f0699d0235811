/* SPDX-License-Identifier: MIT */
/*
 * io_pagetable.h - the IOVA -> user page layer (the kernel's io_pagetable.h):
 * an io_pagetable holds areas (in an interval tree), allowed and reserved
 * ranges, the attached domains and accesses; an iopt_pages is a pinnable run
 * of user or file pages shared by every area (and COPY) that maps it.
 */
#ifndef KMOD_MOCK_IO_PAGETABLE_H
#define KMOD_MOCK_IO_PAGETABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "interval_tree.h"
#include "iommu.h"

struct mock_kernel;
struct mock_task;
struct mock_mm;
struct mock_domain;
struct iommufd_access;
struct iommufd_ctx;
struct mock_pin_key;

enum { IOPT_ALLOC_IOVA = 1 << 0 };

enum iopt_address_type {
	IOPT_ADDRESS_USER = 0,
	IOPT_ADDRESS_FILE,
};

struct io_pagetable {
	struct interval_tree_root area_itree;
	struct interval_tree_root allowed_itree;
	struct interval_tree_root reserved_itree;
	struct mock_domain **domains;
	unsigned int next_domain_id; /* number of domains */
	unsigned int domains_cap;
	struct iommufd_access **access_list;
	unsigned int nr_accesses;
	unsigned int access_cap;
	unsigned long iova_alignment;
	bool disable_large_pages;
};

/*
 * Kept small (one per MAP, issue 7's memory target): what only FILE pages
 * need lives in struct iopt_file_pages around them (iopt_pages_file()).
 */
struct iopt_pages {
	/* 64-bit fields first, then 32-bit, then bytes: no padding holes */
	uint64_t uptr;   /* page aligned, USER */
	uint64_t npages;
	uint64_t npinned;
	uint64_t last_npinned;
	struct mock_mm *source_mm; /* also the way to the kernel: source_mm->k */
	/* areas that are in domains (by pages_node) and access pins: pinned = union */
	struct interval_tree_root domains_itree;
	struct interval_tree_root access_itree;
	unsigned int refs;
	pid_t source_pid; /* the task whose RLIMIT_MEMLOCK applies */
	uid_t source_uid;
	uint8_t type;         /* enum iopt_address_type */
	uint8_t account_mode; /* IOPT_PAGES_ACCOUNT_* */
	bool writable;
	bool dmabuf_revoked;
};

/* FILE pages: the pages object and the file behind it, in one allocation. */
struct iopt_file_pages {
	struct iopt_pages pages;
	uint64_t file_dev, file_ino;
	uint64_t start;  /* page aligned file offset */
	/* an imported dma-buf (FILE pages on the exporter's memfd) */
	struct mock_dmabuf *dmabuf;
	struct iopt_pages *dmabuf_next; /* the dma-buf's importers */
	int file_fd;     /* our own reference to the file */
};

/* The FILE part of @pages (type IOPT_ADDRESS_FILE only). */
static inline struct iopt_file_pages *iopt_pages_file(struct iopt_pages *pages)
{
	return (struct iopt_file_pages *)pages; /* pages is the first member */
}

struct iopt_area {
	struct interval_tree_node node;       /* IOVA range */
	struct interval_tree_node pages_node; /* page index range in pages */
	struct io_pagetable *iopt;
	struct iopt_pages *pages;
	struct mock_domain *storage_domain;
	unsigned int num_accesses;
	unsigned int num_locks;
	uint16_t page_offset; /* start_byte % PAGE_SIZE */
	uint8_t iommu_prot;   /* IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE */
	bool prevent_access;
};

/* One piece of a mapping request: a slice of a pages object. */
struct iopt_pages_list {
	struct iopt_pages *pages;
	struct iopt_area *area;
	uint64_t start_byte;
	uint64_t length;
};

static inline uint64_t iopt_area_iova(const struct iopt_area *area)
{
	return area->node.start;
}

static inline uint64_t iopt_area_last_iova(const struct iopt_area *area)
{
	return area->node.last;
}

static inline uint64_t iopt_area_length(const struct iopt_area *area)
{
	return area->node.last - area->node.start + 1;
}

static inline uint64_t iopt_area_index(const struct iopt_area *area)
{
	return area->pages_node.start;
}

static inline uint64_t iopt_area_last_index(const struct iopt_area *area)
{
	return area->pages_node.last;
}

/* Byte offset inside the pages object of @iova. */
static inline uint64_t iopt_area_start_byte(const struct iopt_area *area, uint64_t iova)
{
	return (iova - iopt_area_iova(area)) + area->page_offset +
	       iopt_area_index(area) * PAGE_SIZE;
}

static inline uint64_t iopt_area_iova_to_index(const struct iopt_area *area, uint64_t iova)
{
	return iopt_area_start_byte(area, iova) / PAGE_SIZE;
}

struct iopt_area *iopt_area_iter_first(struct io_pagetable *iopt, uint64_t start,
				       uint64_t last);
struct iopt_area *iopt_area_iter_next(struct io_pagetable *iopt, struct iopt_area *area,
				      uint64_t start, uint64_t last);

/* Walk areas that cover [iova, last_iova] contiguously (iopt_for_each_contig_area). */
struct iopt_area_contig_iter {
	uint64_t cur_iova;
	uint64_t last_iova;
	struct iopt_area *area;
	struct io_pagetable *iopt;
};
struct iopt_area *iopt_area_contig_init(struct iopt_area_contig_iter *iter,
					struct io_pagetable *iopt, uint64_t iova,
					uint64_t last_iova);
struct iopt_area *iopt_area_contig_next(struct iopt_area_contig_iter *iter);
static inline bool iopt_area_contig_done(struct iopt_area_contig_iter *iter)
{
	uint64_t last_iova;

	if (!iter->area)
		return false;
	last_iova = iopt_area_last_iova(iter->area);
	return iter->last_iova <= last_iova;
}
#define iopt_for_each_contig_area(iter, area, iopt, iova, last_iova)          \
	for (area = iopt_area_contig_init(iter, iopt, iova, last_iova); area; \
	     area = iopt_area_contig_next(iter))
/*
 * The end (clipped to @last_iova) of the run of contiguous areas that starts
 * at @iova, in O(log n) however many areas it holds; false if no area covers
 * @iova. Same span as iopt_for_each_contig_area: areas without pages only
 * exist inside the ioctl that creates or destroys them.
 */
bool iopt_contig_run(struct io_pagetable *iopt, uint64_t iova, uint64_t last_iova,
		     uint64_t *run_last);

void iopt_init_table(struct io_pagetable *iopt);
void iopt_destroy_table(struct io_pagetable *iopt);
int iopt_map_user_pages(struct iommufd_ctx *ictx, const struct mock_task *task,
			struct io_pagetable *iopt, uint64_t *iova, uint64_t uptr,
			uint64_t length, int iommu_prot, unsigned int flags);
int iopt_map_file_pages(struct iommufd_ctx *ictx, const struct mock_task *task,
			struct io_pagetable *iopt, uint64_t *iova, int fd, uint64_t start,
			uint64_t length, int iommu_prot, unsigned int flags);
int iopt_get_pages(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		   struct iopt_pages_list **list, unsigned int *nr);
void iopt_free_pages_list(struct iopt_pages_list *list, unsigned int nr);
int iopt_map_pages(const struct mock_task *task, struct io_pagetable *iopt,
		   struct iopt_pages_list *list, unsigned int nr, uint64_t length,
		   uint64_t *dst_iova, int iommu_prot, unsigned int flags);
int iopt_unmap_iova(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		    uint64_t *unmapped);
int iopt_unmap_all(struct io_pagetable *iopt, uint64_t *unmapped);
/* Split the areas containing each of @iovas so that the IOVA ends an area. */
int iopt_cut_iova(struct io_pagetable *iopt, const uint64_t *iovas, size_t num_iovas);
int iopt_set_allow_iova(struct io_pagetable *iopt, struct interval_tree_root *allowed);
int iopt_reserve_iova(struct io_pagetable *iopt, uint64_t start, uint64_t last,
		      void *owner);
void iopt_remove_reserved_iova(struct io_pagetable *iopt, void *owner);
int iopt_table_add_domain(struct io_pagetable *iopt, struct mock_domain *domain);
void iopt_table_remove_domain(struct io_pagetable *iopt, struct mock_domain *domain);
void iopt_enable_large_pages(struct io_pagetable *iopt);
int iopt_disable_large_pages(struct io_pagetable *iopt);
int iopt_add_access(struct io_pagetable *iopt, struct iommufd_access *access);
void iopt_remove_access(struct io_pagetable *iopt, struct iommufd_access *access);
void iopt_free_allowed(struct interval_tree_root *allowed);

/* pages.c */
struct iopt_pages *iopt_alloc_user_pages(struct mock_kernel *k, const struct mock_task *task,
					 uint64_t uptr, uint64_t length, bool writable,
					 int *err);
struct iopt_pages *iopt_alloc_file_pages(struct mock_kernel *k, const struct mock_task *task,
					 int our_fd, uint64_t dev, uint64_t ino,
					 uint64_t start_byte, uint64_t start, uint64_t length,
					 bool writable, int *err);
void iopt_get_pages_ref(struct iopt_pages *pages);
void iopt_put_pages(struct iopt_pages *pages);
int iopt_area_fill_domain_pins(struct iopt_area *area);
void iopt_area_unfill_domain_pins(struct iopt_area *area);
int iopt_area_add_access(struct iopt_area *area, uint64_t index, uint64_t last_index,
			 unsigned int flags);
void iopt_area_remove_access(struct iopt_area *area, uint64_t index, uint64_t last_index);
int iopt_pages_rw_access(struct iopt_pages *pages, uint64_t start_byte, void *data,
			 uint64_t length, unsigned int flags);
int iopt_pages_update_pinned(struct iopt_pages *pages, uint64_t npages, bool inc);
/* Identity of the page at byte @byte of @pages. */
void iopt_pages_key(const struct iopt_pages *pages, uint64_t byte, struct mock_pin_key *key);

#endif /* KMOD_MOCK_IO_PAGETABLE_H */
