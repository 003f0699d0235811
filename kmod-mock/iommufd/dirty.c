// SPDX-License-Identifier: MIT
/*
 * dirty.c - the dirty bits of a mock domain (the driver side of dirty
 * tracking: set_dirty, read_and_clear_dirty) and the assembly of the user's
 * bitmap for IOMMU_HWPT_GET_DIRTY_BITMAP.
 *
 * A domain keeps one bit per dirty granule (a 4 KiB IO PTE in 7.3, a 2 KiB
 * IO page in releases <= 6.17: domain->io_pages_2k) in chunks of
 * DIRTY_CHUNK_BITS granules, found through an interval tree keyed by the
 * chunk's IOVA span and allocated on first use. A huge PTE (HUGE format, an
 * area covering a whole MOCK_HUGE_PAGE_SIZE block) sets the bits of all its
 * granules plus one bit of the chunk's huge map: it is one PTE, so it is
 * cleared as a whole even by a read of part of it. Reading and clearing are
 * word operations: the cost follows the range read, not the number of dirty
 * PTEs or of areas.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd_private.h"
#include "iommufd_test.h"

#define DIRTY_CHUNK_BITS 32768U
#define DIRTY_CHUNK_WORDS (DIRTY_CHUNK_BITS / 64)
#define DIRTY_HUGE_SHIFT 20
#define DIRTY_SHIFT_2K 11
/* huge blocks in a chunk at the largest granule, PAGE_SIZE: 32768 * 4 KiB / 1 MiB */
#define DIRTY_HUGE_WORDS ((DIRTY_CHUNK_BITS >> (DIRTY_HUGE_SHIFT - PAGE_SHIFT)) / 64)

_Static_assert(MOCK_HUGE_PAGE_SIZE == 1U << DIRTY_HUGE_SHIFT, "huge PTE size");
_Static_assert(MOCK_PAGE_SIZE == 1U << DIRTY_SHIFT_2K, "IO page size");

struct dirty_chunk {
	struct interval_tree_node node; /* the IOVA span of its granules; first member */
	uint64_t huge[DIRTY_HUGE_WORDS]; /* dirty huge PTEs, one bit per block */
	uint64_t bits[DIRTY_CHUNK_WORDS]; /* dirty granules */
};

static struct dirty_chunk *to_chunk(struct interval_tree_node *n)
{
	return (struct dirty_chunk *)n;
}

/*
 * log2 of the IOVA one dirty bit stands for: a 2 KiB IO page in the <= 6.17
 * selftest table, else a 4 KiB PTE.
 */
static unsigned int dirty_shift(const struct mock_domain *domain)
{
	return domain->io_pages_2k ? DIRTY_SHIFT_2K : PAGE_SHIFT;
}

static uint64_t chunk_span(unsigned int shift)
{
	return (uint64_t)DIRTY_CHUNK_BITS << shift;
}

/* ---------------- bit runs ---------------- */

static uint64_t word_mask(size_t a, size_t b) /* bits a..b of one word, a <= b < 64 */
{
	return (UINT64_MAX << a) & (UINT64_MAX >> (63 - b));
}

/* Set (or clear) bits [a, b] of @w. */
static void bits_assign(uint64_t *w, size_t a, size_t b, bool set)
{
	size_t wa = a / 64, wb = b / 64;

	if (wa == wb) {
		uint64_t m = word_mask(a % 64, b % 64);

		w[wa] = set ? w[wa] | m : w[wa] & ~m;
		return;
	}
	w[wa] = set ? w[wa] | (UINT64_MAX << (a % 64)) : w[wa] & ~(UINT64_MAX << (a % 64));
	memset(w + wa + 1, set ? 0xff : 0, (wb - wa - 1) * sizeof(*w));
	w[wb] = set ? w[wb] | (UINT64_MAX >> (63 - b % 64)) :
		      w[wb] & ~(UINT64_MAX >> (63 - b % 64));
}

/* The first bit in [from, end) equal to @set, or @end. */
static size_t bits_next(const uint64_t *w, size_t from, size_t end, bool set)
{
	uint64_t flip = set ? 0 : UINT64_MAX, v;
	size_t i, last, bit;

	if (from >= end)
		return end;
	i = from / 64;
	last = (end - 1) / 64;
	v = (w[i] ^ flip) & (UINT64_MAX << (from % 64));
	while (!v) {
		if (i == last)
			return end;
		/* the words in between, four at a time (sparse bits are long runs of zeros) */
		for (i++; last - i >= 4; i += 4)
			if ((w[i] ^ flip) | (w[i + 1] ^ flip) | (w[i + 2] ^ flip) | (w[i + 3] ^ flip))
				break;
		v = w[i] ^ flip;
	}
	bit = i * 64 + (size_t)__builtin_ctzll(v);
	return bit < end ? bit : end;
}

/* ---------------- the domain's dirty bits ---------------- */

static struct dirty_chunk *chunk_find(const struct mock_domain *domain, uint64_t iova)
{
	struct interval_tree_node *n = interval_tree_iter_first(&domain->dirty, iova, iova);

	return n ? to_chunk(n) : NULL;
}

static bool huge_dirty(const struct mock_domain *domain, uint64_t iova)
{
	struct dirty_chunk *c = chunk_find(domain, iova);
	uint64_t i;

	if (!c)
		return false;
	i = (iova - c->node.start) >> DIRTY_HUGE_SHIFT;
	return c->huge[i / 64] & (1ULL << (i % 64));
}

/*
 * The IO PTE that maps @iova, as [*first, *last] (a granule, or a whole huge
 * block when the domain has huge pages and one area covers the block); false
 * if @iova is not mapped. A <= 6.17 huge page is a run of 2 KiB entries that
 * the driver reads and clears together: one PTE here too.
 */
static bool mock_domain_pte(struct mock_domain *domain, uint64_t iova, uint64_t *first,
			    uint64_t *last, bool *huge)
{
	uint64_t granule = 1ULL << dirty_shift(domain);
	uint64_t map_first, map_last, byte;
	struct iopt_pages *pages;
	int prot;

	if (!mock_domain_iova_to_pages(domain, iova, &pages, &byte, &prot, &map_first, &map_last))
		return false;
	if (domain->pagetable_type == MOCK_IOMMUPT_HUGE || domain->huge_iova) {
		uint64_t b = iova & ~(uint64_t)(MOCK_HUGE_PAGE_SIZE - 1);

		if (map_first <= b && map_last >= b + MOCK_HUGE_PAGE_SIZE - 1) {
			*first = b;
			*last = b + MOCK_HUGE_PAGE_SIZE - 1;
			*huge = true;
			return true;
		}
	}
	*first = iova & ~(granule - 1);
	*last = *first + granule - 1;
	*huge = false;
	return true;
}

bool mock_domain_set_dirty(struct mock_domain *domain, uint64_t iova)
{
	unsigned int shift = dirty_shift(domain);
	struct dirty_chunk *c;
	uint64_t first, last;
	bool huge;

	if (!mock_domain_pte(domain, iova, &first, &last, &huge))
		return false;
	/* a PTE never crosses a chunk: both are aligned and a chunk is larger */
	c = chunk_find(domain, first);
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return false;
		c->node.start = first & ~(chunk_span(shift) - 1);
		c->node.last = c->node.start + chunk_span(shift) - 1;
		interval_tree_insert(&c->node, &domain->dirty);
	}
	bits_assign(c->bits, (first - c->node.start) >> shift, (last - c->node.start) >> shift,
		    true);
	if (huge) {
		uint64_t i = (first - c->node.start) >> DIRTY_HUGE_SHIFT;

		c->huge[i / 64] |= 1ULL << (i % 64);
	}
	return true;
}

static void chunk_free(struct interval_tree_node *n, void *arg)
{
	(void)arg;
	free(to_chunk(n));
}

/* Chunks emptied by one clear before the tree is rebuilt instead of pruned */
#define DIRTY_REBUILD_CHUNKS 64

void mock_domain_clear_dirty(struct mock_domain *domain, uint64_t first, uint64_t last)
{
	unsigned int shift = dirty_shift(domain);
	struct interval_tree_node *n, *next;
	uint64_t whole_first = UINT64_MAX, whole_last = 0;
	size_t nr_whole = 0;

	if (!first && last == UINT64_MAX) {
		/* everything: the domain goes or starts afresh; so does the window */
		free(domain->dirty_win);
		domain->dirty_win = NULL;
		domain->dirty_win_size = 0;
	}
	if (interval_tree_empty(&domain->dirty) || first > last)
		return;
	/* whole PTEs: granules, and huge PTEs reaching into the range */
	first &= ~((1ULL << shift) - 1);
	last |= (1ULL << shift) - 1;
	if (huge_dirty(domain, first))
		first &= ~(uint64_t)(MOCK_HUGE_PAGE_SIZE - 1);
	if (huge_dirty(domain, last))
		last |= MOCK_HUGE_PAGE_SIZE - 1;

	for (n = interval_tree_iter_first(&domain->dirty, first, last); n; n = next) {
		struct dirty_chunk *c = to_chunk(n);
		uint64_t a = n->start > first ? n->start : first;
		uint64_t b = n->last < last ? n->last : last;

		next = interval_tree_iter_next(&domain->dirty, n, first, last);
		if (a == n->start && b == n->last) {
			if (!nr_whole++)
				whole_first = a;
			whole_last = b;
			continue;
		}
		bits_assign(c->bits, (a - n->start) >> shift, (b - n->start) >> shift, false);
		/* a huge block only partly in [a, b] was not dirty as a huge PTE */
		bits_assign(c->huge, (a - n->start) >> DIRTY_HUGE_SHIFT,
			    (b - n->start) >> DIRTY_HUGE_SHIFT, false);
	}
	if (!nr_whole)
		return;
	/* the chunks wholly inside [first, last] go: one rebuild when many */
	if (nr_whole >= DIRTY_REBUILD_CHUNKS &&
	    !interval_tree_remove_range(&domain->dirty, whole_first, whole_last, chunk_free,
					NULL))
		return;
	for (n = interval_tree_iter_first(&domain->dirty, whole_first, whole_last); n; n = next) {
		next = interval_tree_iter_next(&domain->dirty, n, whole_first, whole_last);
		interval_tree_remove(n, &domain->dirty);
		free(to_chunk(n));
	}
}

/* ---------------- IOMMU_HWPT_GET_DIRTY_BITMAP ---------------- */

/*
 * The user bitmap is assembled in a core-side window and merged into user
 * memory with one read and one write per window (the role iova_bitmap's
 * mapped pages play in the kernel): the cost follows the bitmap size. What
 * dominates is the user copies (process_vm_readv/writev pin each page), so
 * the window is large and kept by the domain between reads. Dirty bits are
 * cleared only for the IOVA whose bits reached user memory.
 */
#define DIRTY_WIN_BYTES (1024 * 1024)
/*
 * Runs of set bits a window keeps as a list before it turns them into its
 * bitmap: merging a list costs per run, merging the bitmap per word of it,
 * so a sparse read (a few dirty PTEs per window) makes no pass over the
 * window at all.
 */
#define DIRTY_WIN_RUNS 4096U

struct dirty_run {
	uint64_t first, last; /* bitmap bits */
};

struct dirty_win {
	const struct mock_task *task;
	uint64_t ubitmap;
	uint64_t first, last, page_size; /* IOVA range read, bit 0 = @first */
	unsigned int shift; /* the domain's granule */
	size_t size;      /* bytes of the window */
	uint64_t base;    /* first bitmap byte of the window */
	size_t used;      /* bytes of the window touched, 0 = empty */
	uint64_t hi_bit;  /* last bitmap bit set in the window */
	bool have_done;   /* some bits reached user memory ... */
	uint64_t done_last; /* ... for IOVA [first, done_last] */
	/* the window's bits: the runs while there are few (!in_buf), else in buf */
	bool in_buf;
	unsigned int nr_runs;
	struct dirty_run *runs; /* DIRTY_WIN_RUNS */
	unsigned char *buf, *ubuf; /* the same memory as buf64, ubuf64 */
	uint64_t *buf64, *ubuf64;
};

/* Zero the window up to byte @end, whole words: the merge above ORs whole words. */
static void dirty_win_zero(struct dirty_win *w, size_t end)
{
	end = (end + 7) & ~(size_t)7;
	memset(w->buf, 0, end > w->size ? w->size : end);
}

/* Set bits [first, last] of the bytes at @b. */
static void bytes_set(unsigned char *b, uint64_t first, uint64_t last)
{
	size_t i0 = (size_t)(first / 8), i1 = (size_t)(last / 8);

	if (i0 == i1) {
		b[i0] |= (unsigned char)((0xffU << (first % 8)) & (0xffU >> (7 - last % 8)));
		return;
	}
	b[i0] |= (unsigned char)(0xffU << (first % 8));
	memset(b + i0 + 1, 0xff, i1 - i0 - 1);
	b[i1] |= (unsigned char)(0xffU >> (7 - last % 8));
}

/* The window's bits are in buf (zeroed when empty): merge them with the user's bitmap. */
static int dirty_win_flush_buf(struct dirty_win *w)
{
	size_t i, lo = 0, hi = w->used;
	int rc;

	/* bytes we set entirely need not be read back (every PTE dirty) */
	while (hi - lo >= 8 && w->buf64[lo / 8] == UINT64_MAX)
		lo += 8;
	while (lo != hi && w->buf[lo] == 0xff)
		lo++;
	while (hi != lo && w->buf[hi - 1] == 0xff)
		hi--;
	if (lo == hi) {
		/* all set: nothing to read back */
		rc = copy_to_user(w->task, w->ubitmap + w->base, w->buf, w->used);
		if (!rc)
			dirty_win_zero(w, w->used);
		return rc;
	}
	{
		size_t wlo = lo / 8, whi = (hi + 7) / 8;

		rc = copy_from_user(w->task, w->ubuf + lo, w->ubitmap + w->base + lo, hi - lo);
		if (rc)
			return rc;
		/*
		 * Merge into the read-back copy and zero the window in one pass,
		 * whole words: the bytes around [lo, hi) in them are 0xff in buf
		 * (or past used, never written); the words outside are all 0xff.
		 */
		for (i = wlo; i < whi; i++) {
			w->ubuf64[i] |= w->buf64[i];
			w->buf64[i] = 0;
		}
		memset(w->ubuf, 0xff, wlo * 8);
		memset(w->buf, 0, wlo * 8);
		if (w->used > whi * 8) {
			memset(w->ubuf + whi * 8, 0xff, w->used - whi * 8);
			memset(w->buf + whi * 8, 0, ((w->used + 7) & ~(size_t)7) - whi * 8);
		}
	}
	return copy_to_user(w->task, w->ubitmap + w->base, w->ubuf, w->used);
}

/*
 * The window's bits are the runs: read back only the bytes the runs do not
 * set whole, set the runs in that copy, write it.
 */
static int dirty_win_flush_runs(struct dirty_win *w)
{
	const struct dirty_run *r0 = &w->runs[0], *rn = &w->runs[w->nr_runs - 1];
	uint64_t base_bit = w->base * 8;
	size_t lo, hi;
	int rc;

	/* the first run starts in byte 0, the last ends in byte used - 1 */
	lo = r0->first % 8 ? 0 : (size_t)((r0->last + 1 - base_bit) / 8);
	hi = (rn->last + 1) % 8 ? w->used : (size_t)((rn->first - base_bit + 7) / 8);
	if (lo < hi) {
		rc = copy_from_user(w->task, w->ubuf + lo, w->ubitmap + w->base + lo, hi - lo);
		if (rc)
			return rc;
	}
	for (unsigned int i = 0; i < w->nr_runs; i++)
		bytes_set(w->ubuf, w->runs[i].first - base_bit, w->runs[i].last - base_bit);
	return copy_to_user(w->task, w->ubitmap + w->base, w->ubuf, w->used);
}

static int dirty_win_flush(struct dirty_win *w)
{
	uint64_t end;
	int rc;

	if (!w->used)
		return 0;
	rc = w->in_buf ? dirty_win_flush_buf(w) : dirty_win_flush_runs(w);
	if (rc)
		return rc;
	w->used = 0;
	w->in_buf = false;
	w->nr_runs = 0;
	/* the IOVA of every bit up to hi_bit is in user memory now */
	end = w->first + (w->hi_bit + 1) * w->page_size - 1;
	w->done_last = end > w->first && end < w->last ? end : w->last;
	w->have_done = true;
	return 0;
}

/* Add bitmap bits [first, last] (inside the window, after its bits so far). */
static void dirty_win_add(struct dirty_win *w, uint64_t first, uint64_t last)
{
	uint64_t base_bit = w->base * 8;

	if (!w->in_buf) {
		struct dirty_run *r = w->nr_runs ? &w->runs[w->nr_runs - 1] : NULL;

		if (r && r->last + 1 == first) {
			r->last = last;
			return;
		}
		if (w->nr_runs < DIRTY_WIN_RUNS) {
			w->runs[w->nr_runs++] = (struct dirty_run){ first, last };
			return;
		}
		/* many runs: the window's bitmap from now on */
		for (unsigned int i = 0; i < w->nr_runs; i++)
			bytes_set(w->buf, w->runs[i].first - base_bit, w->runs[i].last - base_bit);
		w->nr_runs = 0;
		w->in_buf = true;
	}
	bytes_set(w->buf, first - base_bit, last - base_bit);
}

/* Set bitmap bits [first, last], flushing and moving the window as needed. */
static int dirty_win_set(struct dirty_win *w, uint64_t first, uint64_t last)
{
	int rc;

	for (;;) {
		uint64_t fb = first / 8, end_bit;
		size_t i1;

		if (w->used && fb >= w->base + w->size) {
			rc = dirty_win_flush(w);
			if (rc)
				return rc;
		}
		if (!w->used)
			w->base = fb;
		end_bit = (w->base + w->size) * 8 - 1;
		if (end_bit > last)
			end_bit = last;
		dirty_win_add(w, first, end_bit);
		i1 = (size_t)(end_bit / 8 - w->base);
		if (i1 + 1 > w->used)
			w->used = i1 + 1;
		w->hi_bit = end_bit;
		if (end_bit == last)
			return 0;
		first = end_bit + 1;
	}
}

/* Every run of dirty granules of one chunk inside [w->first, w->last]. */
static int dirty_win_chunk(struct interval_tree_node *n, void *arg)
{
	struct dirty_chunk *c = to_chunk(n);
	struct dirty_win *w = arg;
	unsigned int shift = w->shift;
	uint64_t a = n->start > w->first ? n->start : w->first;
	uint64_t b = n->last < w->last ? n->last : w->last;
	size_t i = (size_t)((a - n->start) >> shift), end = (size_t)((b - n->start) >> shift) + 1;
	int rc;

	while ((i = bits_next(c->bits, i, end, true)) != end) {
		size_t j = bits_next(c->bits, i, end, false);
		uint64_t s = n->start + ((uint64_t)i << shift);
		uint64_t l = n->start + ((uint64_t)j << shift) - 1;

		if (s < w->first)
			s = w->first;
		if (l > w->last)
			l = w->last;
		rc = dirty_win_set(w, (s - w->first) / w->page_size, (l - w->first) / w->page_size);
		if (rc)
			return rc;
		i = j;
	}
	return 0;
}

int mock_domain_read_dirty(struct mock_domain *domain, const struct mock_task *task,
			   uint64_t first, uint64_t last, uint64_t page_size, uint64_t ubitmap,
			   bool clear)
{
	struct dirty_win w = { 0 };
	uint64_t bytes;
	int rc;

	if (!interval_tree_iter_first(&domain->dirty, first, last))
		return 0;
	/* the window: the whole bitmap when smaller, allocated zeroed and kept zeroed */
	bytes = ((last - first) / page_size / 8 + 8) & ~(uint64_t)7;
	w.size = bytes < DIRTY_WIN_BYTES ? (size_t)bytes : DIRTY_WIN_BYTES;
	if (domain->dirty_win_size < w.size) {
		free(domain->dirty_win);
		domain->dirty_win_size = 0;
		/* buf (zeroed), ubuf, the runs */
		domain->dirty_win = calloc(1, 2 * w.size + DIRTY_WIN_RUNS * sizeof(struct dirty_run));
		if (!domain->dirty_win)
			return -ENOMEM;
		domain->dirty_win_size = w.size;
	}
	w.buf64 = domain->dirty_win;
	w.ubuf64 = w.buf64 + domain->dirty_win_size / 8;
	w.runs = (struct dirty_run *)(w.ubuf64 + domain->dirty_win_size / 8);
	w.buf = (unsigned char *)w.buf64;
	w.ubuf = (unsigned char *)w.ubuf64;
	w.task = task;
	w.ubitmap = ubitmap;
	w.first = first;
	w.last = last;
	w.page_size = page_size;
	w.shift = dirty_shift(domain);
	rc = interval_tree_visit(&domain->dirty, first, last, dirty_win_chunk, &w);
	if (!rc)
		rc = dirty_win_flush(&w);
	if (rc) /* the window stays zeroed for the next read */
		dirty_win_zero(&w, w.size);
	/* the kernel clears a PTE it reads as a whole */
	if (clear && !rc)
		mock_domain_clear_dirty(domain, first, last);
	else if (clear && w.have_done)
		mock_domain_clear_dirty(domain, first, w.done_last);
	return rc;
}
