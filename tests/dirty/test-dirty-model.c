// SPDX-License-Identifier: MIT
/*
 * test-dirty-model.c - dirty tracking of a paging HWPT (libiommufd over
 * kmod-mock) checked against an independent model, with random but
 * reproducible scenarios.
 *
 * The model is a plain array per 2 KiB IO page (MOCK_PAGE_SIZE) of the
 * test's IOVA window: which area maps it and whether its IO PTE is dirty.
 * It is computed by the test alone from what it asked for, never read back
 * from the mock. The rules it encodes are the Linux 7.3 kernel's:
 *
 * - IOMMU_TEST_OP_DIRTY marks the whole IO PTE holding each marked IOVA
 *   (selftest.c iommufd_test_dirty -> the page table's set_dirty); unmapped
 *   IOVAs are counted in out_nr_dirty but mark nothing.
 * - IO PTEs: with huge pages off (as the kernel selftest's non-huge dirty
 *   variants run) every PTE is PAGE_SIZE; in a MOCK_IOMMUPT_HUGE table a PTE
 *   is MOCK_HUGE_PAGE_SIZE where one mapping covers the whole aligned block
 *   (memory assumed physically contiguous, as with the selftest's hugetlbfs
 *   buffer), else PAGE_SIZE.
 * - GET_DIRTY_BITMAP sets bit i when a dirty PTE overlaps
 *   [iova + i * page_size, iova + (i + 1) * page_size); it only sets bits;
 *   unless NO_CLEAR the PTEs it reported become clean, whole (a huge PTE
 *   cut by a dirty_ranges chunk end is clean for the next chunk). Only the run of
 *   contiguous mappings starting at the range's first IOVA is walked
 *   (io_pagetable.c __iommu_read_and_clear_dirty stops at the first hole, and
 *   iommu_read_and_clear_dirty ignores that error and returns 0).
 * - Enabling tracking (even when on) cleans every PTE; disabling keeps the
 *   dirty bits, which GET_DIRTY_BITMAP still reports; TEST_OP_DIRTY then
 *   fails with EINVAL. Unmapping drops the PTEs, so their dirty state.
 *
 * Seeds: a fixed list, or the one in DIRTY_SEED; each scenario prints its
 * seed. The "contig" group (no argument) only reads inside runs of
 * contiguous mappings; the "holes" group (argument "holes") reads ranges
 * that cross unmapped IOVA and so depends on the first-hole rule above.
 * Reads of a HUGE table start and end on huge PTE boundaries: how the
 * kernel's page table reports a PTE cut by the range is not modelled.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "iommufd_test.h"

#define GRAN ((uint64_t)MOCK_PAGE_SIZE)
#define HUGE_PTE ((uint64_t)MOCK_HUGE_PAGE_SIZE)
#define WIN_BASE ((uint64_t)MOCK_APERTURE_START)
#define MAX_AREAS 512
#define ROUNDS 16

static const uint64_t default_seeds[] = { 1, 7, 0x5eed, 20260521, 0xdeadbeefcafeULL };

/* ---------------- reproducible randomness (splitmix64) ---------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static uint64_t rnd_range(uint64_t lo, uint64_t hi)
{
	return lo + rnd() % (hi - lo + 1);
}

static bool chance(unsigned int percent)
{
	return rnd() % 100 < percent;
}

/* ---------------- the model ---------------- */

struct area {
	uint64_t iova;
	uint64_t len;
	bool live;
};

struct model {
	bool huge;        /* MOCK_IOMMUPT_HUGE table */
	uint64_t pgsize;  /* CPU page size, the small IO PTE */
	uint64_t align;   /* IOVA alignment of maps and bitmap ranges */
	uint64_t size;    /* window [WIN_BASE, WIN_BASE + size) */
	uint64_t ngran;
	int *area_of;     /* per 2 KiB page: area index or -1 */
	bool *dirty;      /* per 2 KiB page: its PTE is dirty */
	struct area areas[MAX_AREAS];
	unsigned int nareas;
};

static uint64_t gidx(const struct model *m, uint64_t iova)
{
	(void)m;
	return (iova - WIN_BASE) / GRAN;
}

static bool in_window(const struct model *m, uint64_t iova)
{
	return iova >= WIN_BASE && iova < WIN_BASE + m->size;
}

static int model_area_at(const struct model *m, uint64_t iova)
{
	return in_window(m, iova) ? m->area_of[gidx(m, iova)] : -1;
}

/* The PTE mapping @iova as [*first, *first + *len); false if unmapped. */
static bool model_pte(const struct model *m, uint64_t iova, uint64_t *first, uint64_t *len)
{
	int a = model_area_at(m, iova);

	if (a < 0)
		return false;
	if (m->huge) {
		uint64_t b = iova & ~(HUGE_PTE - 1);
		const struct area *ar = &m->areas[a];

		if (ar->iova <= b && ar->iova + ar->len >= b + HUGE_PTE) {
			*first = b;
			*len = HUGE_PTE;
			return true;
		}
	}
	*first = iova & ~(m->pgsize - 1);
	*len = m->pgsize;
	return true;
}

static void model_set_dirty(struct model *m, uint64_t first, uint64_t len, bool val)
{
	uint64_t g;

	for (g = gidx(m, first); g < gidx(m, first + len); g++)
		m->dirty[g] = val;
}

static void model_mark(struct model *m, uint64_t iova)
{
	uint64_t first, len;

	if (model_pte(m, iova, &first, &len))
		model_set_dirty(m, first, len, true);
}

static void model_add_area(struct model *m, uint64_t iova, uint64_t len)
{
	unsigned int a = m->nareas++;
	uint64_t g;

	m->areas[a] = (struct area){ .iova = iova, .len = len, .live = true };
	for (g = gidx(m, iova); g < gidx(m, iova + len); g++) {
		m->area_of[g] = (int)a;
		m->dirty[g] = false; /* a new mapping starts clean */
	}
}

/* The area @a, unmapped, mapped again at the same index (clean). */
static void model_readd_area(struct model *m, unsigned int a)
{
	uint64_t g;

	for (g = gidx(m, m->areas[a].iova); g < gidx(m, m->areas[a].iova + m->areas[a].len); g++) {
		m->area_of[g] = (int)a;
		m->dirty[g] = false;
	}
	m->areas[a].live = true;
}

static void model_remove_area(struct model *m, unsigned int a)
{
	uint64_t g;

	for (g = gidx(m, m->areas[a].iova); g < gidx(m, m->areas[a].iova + m->areas[a].len); g++) {
		m->area_of[g] = -1;
		m->dirty[g] = false;
	}
	m->areas[a].live = false;
}

/*
 * The kernel's walk of [iova, end): the run of contiguous mappings that
 * starts at @iova; returns where it stops (== @iova if @iova is unmapped).
 */
static uint64_t model_cover_end(const struct model *m, uint64_t iova, uint64_t end)
{
	uint64_t cur = iova;

	while (cur < end) {
		int a = model_area_at(m, cur);

		if (a < 0)
			break;
		cur = m->areas[a].iova + m->areas[a].len;
	}
	return cur < end ? cur : end;
}

/*
 * What GET_DIRTY_BITMAP of [iova, iova + nbits * ps) reports, into @bits
 * (one bool per bit); cleans what it reported unless @no_clear.
 */
static uint64_t model_read(struct model *m, uint64_t iova, uint64_t nbits, uint64_t ps,
			   bool no_clear, bool *bits)
{
	uint64_t end = iova + nbits * ps, cov = model_cover_end(m, iova, end), a, first, len;

	memset(bits, 0, nbits * sizeof(*bits));
	for (a = iova; a < cov; a += GRAN)
		if (m->dirty[gidx(m, a)])
			bits[(a - iova) / ps] = true;
	if (no_clear)
		return cov;
	/* a PTE only partly inside the range is cleaned whole */
	for (a = iova; a < cov; a += GRAN)
		if (m->dirty[gidx(m, a)] && model_pte(m, a, &first, &len))
			model_set_dirty(m, first, len, false);
	return cov;
}

/* ---------------- the system under test ---------------- */

struct scenario {
	const char *name;
	uint64_t seed;
	bool huge;
	bool holes;
	struct iommufd_ctx *ctx;
	struct iommufd_ioas *ioas;
	struct iommufd_hwpt *hwpt;
	uint32_t hwpt_id;
	uint8_t *buf;       /* backs the window, WIN_BASE + x <-> buf + x */
	void *buf_map;
	size_t buf_map_len;
	struct model m;
	unsigned int step;  /* operation counter, for messages */
	uint64_t bits_checked, bits_set, runs_checked, huge_ptes;
	/* scratch */
	bool *exp;
	uint8_t *raw;
	size_t raw_len;
};

#define FAILF(s, ...)                                                                       \
	do {                                                                                \
		print_error("dirty-model: %s seed=%" PRIu64 " step=%u: ", (s)->name, (s)->seed, \
			    (s)->step);                                                     \
		print_error(__VA_ARGS__);                                                   \
		print_error("\n");                                                          \
		fail();                                                                     \
	} while (0)

/* IOMMU_TEST_OP_DIRTY over [iova, iova + nbits * ps) with the byte bitmap @bm. */
static int op_mark(struct scenario *s, uint64_t iova, uint64_t nbits, uint64_t ps,
		   const uint8_t *bm, uint64_t *nr)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_DIRTY,
		.id = s->hwpt_id,
		.dirty = { .iova = iova, .length = nbits * ps, .page_size = ps,
			   .uptr = (uintptr_t)bm },
	};
	int ret = test_cmd(s->ctx, &cmd);

	if (!ret && nr)
		*nr = cmd.dirty.out_nr_dirty;
	return ret;
}

static int raw_get_bitmap(struct scenario *s, uint64_t iova, uint64_t len, uint64_t ps,
			  void *data, bool no_clear)
{
	struct iommu_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd),
		.hwpt_id = s->hwpt_id,
		.flags = no_clear ? IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR : 0,
		.iova = iova,
		.length = len,
		.page_size = ps,
		.data = (uintptr_t)data,
	};

	if (ioctl(iommufd_ctx_get_fd(s->ctx), IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd))
		return -errno;
	return 0;
}

static void report_diff(struct scenario *s, const char *what, uint64_t iova, uint64_t nbits,
			uint64_t ps, bool no_clear, uint64_t cov, uint64_t bit, bool got)
{
	FAILF(s,
	      "%s iova=0x%" PRIx64 " len=0x%" PRIx64 " page_size=0x%" PRIx64 " %s: bit %" PRIu64
	      " (iova 0x%" PRIx64 ") is %d, model says %d (kernel walk of this range covers "
	      "[0x%" PRIx64 ", 0x%" PRIx64 ")%s)",
	      what, iova, nbits * ps, ps, no_clear ? "NO_CLEAR" : "clear", bit, iova + bit * ps,
	      got, !got, iova, cov,
	      cov < iova + nbits * ps ? ": a hole stops it, later dirty pages are not reported" :
					"");
}

/* One GET_DIRTY_BITMAP compared with the model, through the library or raw at a byte offset. */
static void check_read(struct scenario *s, uint64_t iova, uint64_t len, uint64_t ps, bool no_clear,
		       bool raw, size_t off)
{
	uint64_t nbits = len / ps, i, cov;
	size_t nbytes = (size_t)((nbits + 7) / 8), words = (size_t)((nbits + 63) / 64);
	uint8_t *pre;

	s->step++;
	cov = model_read(&s->m, iova, nbits, ps, no_clear, s->exp);
	if (!raw) {
		uint64_t *bm = malloc(words * sizeof(*bm));
		int ret;

		assert_non_null(bm);
		memset(bm, 0xa5, words * sizeof(*bm)); /* the library must zero it */
		ret = iommufd_hwpt_get_dirty_bitmap(s->hwpt, iova, len, ps, bm,
						    no_clear ? IOMMUFD_DIRTY_NO_CLEAR : 0);
		if (ret)
			FAILF(s, "iommufd_hwpt_get_dirty_bitmap(0x%" PRIx64 ", 0x%" PRIx64
				 ", 0x%" PRIx64 ") = %d", iova, len, ps, ret);
		s->bits_checked += nbits;
		for (i = 0; i < nbits; i++) {
			bool got = (bm[i / 64] >> (i % 64)) & 1;

			s->bits_set += got;

			if (got != s->exp[i]) {
				free(bm);
				report_diff(s, "get_dirty_bitmap", iova, nbits, ps, no_clear, cov, i,
					    got);
			}
		}
		free(bm);
		return;
	}

	/* Raw: an unaligned user bitmap with garbage bits, framed by guard bytes. */
	assert_true(off + words * 8 + 64 <= s->raw_len);
	pre = malloc(nbytes);
	assert_non_null(pre);
	memset(s->raw, 0x3c, s->raw_len);
	for (i = 0; i < nbytes; i++)
		pre[i] = (uint8_t)rnd();
	memcpy(s->raw + off, pre, nbytes);
	{
		int ret = raw_get_bitmap(s, iova, len, ps, s->raw + off, no_clear);

		if (ret)
			FAILF(s, "IOMMU_HWPT_GET_DIRTY_BITMAP(0x%" PRIx64 ", 0x%" PRIx64
				 ", 0x%" PRIx64 ", data+%zu) = %d", iova, len, ps, off, ret);
	}
	s->bits_checked += nbits;
	for (i = 0; i < nbits; i++)
		s->bits_set += s->exp[i];
	for (i = 0; i < nbytes * 8; i++) {
		bool was = (pre[i / 8] >> (i % 8)) & 1;
		bool got = (s->raw[off + i / 8] >> (i % 8)) & 1;
		bool want = was || (i < nbits && s->exp[i]);

		if (got == want)
			continue;
		free(pre);
		if (i >= nbits || was)
			FAILF(s, "raw bitmap at byte offset %zu: bit %" PRIu64 " (of %" PRIu64
				 ") was %d before and is %d after: the kernel only sets bits of "
				 "dirty pages inside the range", off, i, nbits, was, got);
		report_diff(s, "raw get_dirty_bitmap", iova, nbits, ps, no_clear, cov, i, got);
	}
	free(pre);
	for (i = 0; i < s->raw_len; i++) {
		if (i >= off && i < off + nbytes)
			continue;
		if (s->raw[i] != 0x3c)
			FAILF(s, "raw bitmap at byte offset %zu (%zu bytes): byte %zu outside it "
				 "changed to 0x%02x", off, nbytes, i, s->raw[i]);
	}
}

/* ---------------- dirty_ranges ---------------- */

struct run {
	uint64_t iova;
	uint64_t len;
};

struct runs {
	struct run *v;
	size_t n, cap;
};

static void runs_add(struct runs *r, uint64_t iova, uint64_t len)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		assert_non_null(r->v);
	}
	r->v[r->n++] = (struct run){ iova, len };
}

static int collect_run(uint64_t iova, uint64_t length, void *priv)
{
	runs_add(priv, iova, length);
	return 0;
}

static void check_ranges(struct scenario *s, uint64_t iova, uint64_t len, uint64_t ps,
			 bool no_clear, uint64_t chunk_pages)
{
	IOMMUFD_OPTS(iommufd_hwpt_walk_dirty_opts, opts, .chunk_pages = chunk_pages,
		     .flags = no_clear ? IOMMUFD_DIRTY_NO_CLEAR : 0);
	uint64_t nbits = len / ps, done, i;
	struct runs got = { 0 }, want = { 0 };
	bool *all = calloc(nbits, sizeof(*all));
	int ret;

	s->step++;
	assert_non_null(all);
	/* The library reads chunk by chunk: the kernel's walk rules apply per ioctl. */
	for (done = 0; done < nbits; done += chunk_pages) {
		uint64_t n = nbits - done < chunk_pages ? nbits - done : chunk_pages;

		model_read(&s->m, iova + done * ps, n, ps, no_clear, s->exp);
		memcpy(all + done, s->exp, n * sizeof(*all));
	}
	for (i = 0; i < nbits; i++) {
		uint64_t j = i;

		if (!all[i])
			continue;
		while (j < nbits && all[j])
			j++;
		runs_add(&want, iova + i * ps, (j - i) * ps);
		i = j;
	}
	free(all);

	ret = iommufd_hwpt_walk_dirty(s->hwpt, iova, len, ps, &opts, collect_run, &got);
	if (ret)
		FAILF(s, "iommufd_hwpt_walk_dirty(0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64
			 ", chunk %" PRIu64 ") = %d", iova, len, ps, chunk_pages, ret);
	for (i = 0; i < got.n || i < want.n; i++) {
		if (i < got.n && i < want.n && got.v[i].iova == want.v[i].iova &&
		    got.v[i].len == want.v[i].len)
			continue;
		print_error("dirty_ranges runs, got %zu, model %zu:\n", got.n, want.n);
		for (size_t k = 0; k < got.n || k < want.n; k++) {
			if (k < got.n)
				print_error("  got   [0x%" PRIx64 ", +0x%" PRIx64 ")", got.v[k].iova,
					    got.v[k].len);
			else
				print_error("  got   -");
			if (k < want.n)
				print_error("   model [0x%" PRIx64 ", +0x%" PRIx64 ")\n",
					    want.v[k].iova, want.v[k].len);
			else
				print_error("   model -\n");
		}
		free(got.v);
		free(want.v);
		FAILF(s, "dirty_ranges iova=0x%" PRIx64 " len=0x%" PRIx64 " page_size=0x%" PRIx64
			 " chunk_pages=%" PRIu64 " %s: run %" PRIu64 " differs", iova, len, ps,
		      chunk_pages, no_clear ? "NO_CLEAR" : "clear", i);
	}
	s->runs_checked += want.n;
	free(got.v);
	free(want.v);
}

/* ---------------- picking ranges ---------------- */

/* Free IOVA [*iova, *iova + len) inside the window with @len bytes; false if none found. */
static bool pick_free(struct scenario *s, uint64_t len, uint64_t *iova)
{
	unsigned int tries;

	for (tries = 0; tries < 64; tries++) {
		uint64_t slots = (s->m.size - len) / s->m.align + 1;
		uint64_t at = WIN_BASE + rnd_range(0, slots - 1) * s->m.align, a;
		bool ok = true;

		for (a = at; a < at + len && ok; a += GRAN)
			ok = model_area_at(&s->m, a) < 0;
		if (ok) {
			*iova = at;
			return true;
		}
	}
	return false;
}

/*
 * A range for a bitmap read, aligned to @align: anywhere in the window in
 * the "holes" tests, else inside one run of contiguous mappings.
 */
static bool pick_range(struct scenario *s, uint64_t align, uint64_t *iova, uint64_t *len)
{
	uint64_t starts[MAX_AREAS], ends[MAX_AREAS];
	unsigned int n = 0, i;
	uint64_t a, lo, hi, blocks, first, cnt;

	if (s->holes && !chance(10)) {
		blocks = s->m.size / align;
		first = rnd_range(0, blocks - 1);
		cnt = rnd_range(1, blocks - first < 64 ? blocks - first : 64);
		*iova = WIN_BASE + first * align;
		*len = cnt * align;
		return true;
	}
	/* runs of contiguous mappings, with room for one aligned block */
	for (a = WIN_BASE; a < WIN_BASE + s->m.size;) {
		uint64_t end;

		if (model_area_at(&s->m, a) < 0) {
			a += GRAN;
			continue;
		}
		end = model_cover_end(&s->m, a, WIN_BASE + s->m.size);
		lo = (a + align - 1) & ~(align - 1);
		hi = end & ~(align - 1);
		if (lo < hi && n < MAX_AREAS) {
			starts[n] = lo;
			ends[n] = hi;
			n++;
		}
		a = end;
	}
	if (!n)
		return false;
	i = (unsigned int)rnd_range(0, n - 1);
	blocks = (ends[i] - starts[i]) / align;
	first = rnd_range(0, blocks - 1);
	cnt = rnd_range(1, blocks - first);
	*iova = starts[i] + first * align;
	*len = cnt * align;
	return true;
}

/* Read alignment for a bitmap granule: the IOAS alignment, and whole huge PTEs. */
static uint64_t read_align(const struct scenario *s, uint64_t ps)
{
	uint64_t align = ps > s->m.align ? ps : s->m.align;

	/*
	 * Ranges that cut a huge PTE are not compared: how the kernel's page
	 * table reports a dirty PTE only partly inside the range is not
	 * pinned down here.
	 */
	if (s->huge && align < HUGE_PTE)
		align = HUGE_PTE;
	return align;
}

static uint64_t pick_ps(const struct scenario *s)
{
	unsigned int max_lg2 = s->huge ? 21 : 19;

	return UINT64_C(1) << rnd_range(11, max_lg2);
}

/* ---------------- operations ---------------- */

static void do_mark(struct scenario *s)
{
	static const unsigned int dens[] = { 2, 12, 50, 90 };
	uint64_t ps = UINT64_C(1) << rnd_range(11, s->huge ? 17 : 15);
	uint64_t blocks = s->m.size / ps, first, nbits, i, count = 0, nr = 0;
	unsigned int d = dens[rnd() % 4];
	uint8_t *bm;
	int ret;

	first = rnd_range(0, blocks - 1);
	nbits = rnd_range(1, blocks - first < 4096 ? blocks - first : 4096);
	bm = calloc((size_t)((nbits + 7) / 8), 1);
	assert_non_null(bm);
	for (i = 0; i < nbits; i++) {
		if (!chance(d))
			continue;
		bm[i / 8] |= (uint8_t)(1U << (i % 8));
		count++;
		model_mark(&s->m, WIN_BASE + (first + i) * ps);
	}
	s->step++;
	ret = op_mark(s, WIN_BASE + first * ps, nbits, ps, bm, &nr);
	free(bm);
	if (ret)
		FAILF(s, "IOMMU_TEST_OP_DIRTY = %d", ret);
	if (nr != count)
		FAILF(s, "IOMMU_TEST_OP_DIRTY out_nr_dirty %" PRIu64 ", %" PRIu64 " bits set", nr,
		      count);
}

static void do_read(struct scenario *s)
{
	uint64_t ps = pick_ps(s), iova, len;
	bool raw = chance(50);
	size_t off = raw ? (size_t)rnd_range(0, 15) : 0;

	while (!pick_range(s, read_align(s, ps), &iova, &len)) {
		if (ps <= GRAN)
			return;
		ps /= 2;
	}
	check_read(s, iova, len, ps, chance(40), raw, off);
}

static void do_ranges(struct scenario *s)
{
	uint64_t ps = pick_ps(s), iova, len, nbits, chunk, unit;
	bool no_clear;

	while (!pick_range(s, read_align(s, ps), &iova, &len)) {
		if (ps <= GRAN)
			return;
		ps /= 2;
	}
	nbits = len / ps;
	switch (rnd() % 4) {
	case 0:
		chunk = rnd_range(1, 8);
		break;
	case 1:
		chunk = rnd_range(1, nbits);
		break;
	case 2:
		chunk = 64 * rnd_range(1, 4);
		break;
	default:
		chunk = nbits + rnd_range(0, 100);
		break;
	}
	no_clear = chance(40);
	/*
	 * Every ioctl of the walk must start on the IOAS alignment (the
	 * library's contract asks page_size >= alignment; smaller granules,
	 * which the kernel takes, need whole multiples per chunk). A chunk
	 * that starts inside a dirty huge PTE is avoided as for plain reads;
	 * with clearing the PTE is clean by then.
	 */
	unit = ps < s->m.align ? s->m.align / ps : 1;
	if (s->huge && no_clear && ps < HUGE_PTE)
		unit = HUGE_PTE / ps;
	chunk = (chunk + unit - 1) / unit * unit;
	check_ranges(s, iova, len, ps, no_clear, chunk);
}

/* Maps window IOVA [iova, iova + len) to the buffer at the same offset. */
static void map_ioctl(struct scenario *s, uint64_t iova, uint64_t len)
{
	IOMMUFD_OPTS(iommufd_ioas_map_opts, opts, .flags = IOMMUFD_MAP_FIXED_IOVA);
	uint64_t at = iova;
	int ret;

	s->step++;
	ret = iommufd_ioas_map(s->ioas, s->buf + (iova - WIN_BASE), len, &at, &opts);
	if (ret)
		FAILF(s, "map [0x%" PRIx64 ", +0x%" PRIx64 ") = %d", iova, len, ret);
}

static void map_area(struct scenario *s, uint64_t iova, uint64_t len)
{
	map_ioctl(s, iova, len);
	model_add_area(&s->m, iova, len);
}

static uint64_t random_area_len(struct scenario *s)
{
	if (s->huge && chance(50))
		return HUGE_PTE * rnd_range(1, 3) + s->m.pgsize * rnd_range(0, 64);
	return s->m.pgsize * rnd_range(1, 48);
}

static void do_unmap(struct scenario *s)
{
	unsigned int live[MAX_AREAS], n = 0, i, a;
	uint64_t unmapped = 0;
	int ret;

	for (i = 0; i < s->m.nareas; i++)
		if (s->m.areas[i].live)
			live[n++] = i;
	if (n < 2)
		return;
	a = live[rnd() % n];
	s->step++;
	ret = iommufd_ioas_unmap(s->ioas, s->m.areas[a].iova, s->m.areas[a].len, &unmapped);
	if (ret || unmapped != s->m.areas[a].len)
		FAILF(s, "unmap [0x%" PRIx64 ", +0x%" PRIx64 ") = %d, %" PRIu64 " bytes",
		      s->m.areas[a].iova, s->m.areas[a].len, ret, unmapped);
	model_remove_area(&s->m, a);
}

static void do_remap(struct scenario *s)
{
	uint64_t len = random_area_len(s), iova;

	if (s->m.nareas < MAX_AREAS && pick_free(s, len, &iova))
		map_area(s, iova, len);
}

static void set_tracking(struct scenario *s, bool on)
{
	int ret;

	s->step++;
	ret = iommufd_hwpt_set_dirty_tracking(s->hwpt, on);
	if (ret)
		FAILF(s, "set_dirty_tracking(%d) = %d", on, ret);
	if (on) /* enabling takes a clean snapshot */
		memset(s->m.dirty, 0, s->m.ngran * sizeof(*s->m.dirty));
}

/* Reads the whole window, run by run (holes tests: straight), checking it all. */
static void check_all(struct scenario *s, bool no_clear)
{
	uint64_t a;

	if (s->holes) {
		check_read(s, WIN_BASE, s->m.size, GRAN, no_clear, false, 0);
		return;
	}
	for (a = WIN_BASE; a < WIN_BASE + s->m.size;) {
		uint64_t end;

		if (model_area_at(&s->m, a) < 0) {
			a += s->m.align;
			continue;
		}
		end = model_cover_end(&s->m, a, WIN_BASE + s->m.size);
		check_read(s, a, end - a, GRAN, no_clear, false, 0);
		a = end;
	}
}

/* ---------------- scenario ---------------- */

static void scenario_setup(struct scenario *s)
{
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .flags = IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING);
	struct iommu_hwpt_selftest huge_cfg = { .pagetable_type = MOCK_IOMMUPT_HUGE };
	struct iommufd_device *dev;
	uint32_t idev_id, num = 0;
	uint64_t align = 0, cursor, win;
	size_t maplen;
	uintptr_t p;
	int ret;

	s->m.huge = s->huge;
	s->m.pgsize = (uint64_t)sysconf(_SC_PAGESIZE);
	win = s->huge ? 16 * HUGE_PTE : 8 * HUGE_PTE;
	s->m.size = win;
	s->m.ngran = win / GRAN;
	s->m.area_of = malloc(s->m.ngran * sizeof(*s->m.area_of));
	s->m.dirty = calloc(s->m.ngran, sizeof(*s->m.dirty));
	s->exp = malloc((win / GRAN) * sizeof(*s->exp));
	assert_non_null(s->m.area_of);
	assert_non_null(s->m.dirty);
	assert_non_null(s->exp);
	memset(s->m.area_of, 0xff, s->m.ngran * sizeof(*s->m.area_of));
	s->raw_len = (size_t)(win / GRAN / 8) + 128;
	s->raw = malloc(s->raw_len);
	assert_non_null(s->raw);

	/* the buffer has the window's alignment modulo a huge PTE */
	maplen = (size_t)(win + 2 * HUGE_PTE);
	s->buf_map = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			  0);
	assert_true(s->buf_map != MAP_FAILED);
	s->buf_map_len = maplen;
	p = ((uintptr_t)s->buf_map + HUGE_PTE - 1) & ~(uintptr_t)(HUGE_PTE - 1);
	s->buf = (uint8_t *)p;

	assert_int_equal(0, iommufd_ctx_open(NULL, &s->ctx));
	if (!iommufd_ctx_has_feature(s->ctx, IOMMUFD_FEATURE_SELFTEST) ||
	    !iommufd_ctx_has_cmd(s->ctx, IOMMUFD_IOCTL_HWPT_GET_DIRTY_BITMAP)) {
		iommufd_ctx_close(s->ctx);
		s->ctx = NULL;
		skip();
	}
	assert_int_equal(0, iommufd_ioas_create(s->ctx, &s->ioas));
	/* the kernel selftest's non-huge dirty variants: PTEs are exactly PAGE_SIZE */
	if (!s->huge)
		assert_int_equal(0, iommufd_ioas_set_huge_pages(s->ioas, false));
	assert_int_equal(0, mock_domain(s->ctx, iommufd_ioas_get_id(s->ioas), NULL, NULL,
					&idev_id));
	assert_int_equal(0, iommufd_device_adopt(s->ctx, idev_id, &dev));
	if (s->huge) {
		opts.data_type = IOMMU_HWPT_DATA_SELFTEST;
		opts.data = &huge_cfg;
		opts.data_len = sizeof(huge_cfg);
	}
	ret = iommufd_hwpt_alloc_paging(dev, s->ioas, &opts, &s->hwpt);
	if (ret)
		FAILF(s, "iommufd_hwpt_alloc_paging(DIRTY_TRACKING%s) = %d",
		      s->huge ? ", MOCK_IOMMUPT_HUGE" : "", ret);
	s->hwpt_id = iommufd_hwpt_get_id(s->hwpt);
	/* a second mock device with the dirty HWPT as its domain */
	assert_int_equal(0, mock_domain(s->ctx, s->hwpt_id, NULL, NULL, NULL));

	/* maps need PAGE_SIZE alignment: huge pages off, or the HUGE table's 4K|1M */
	ret = iommufd_ioas_get_iova_ranges(s->ioas, NULL, &num, &align);
	if ((ret && ret != -EMSGSIZE) || align != s->m.pgsize)
		FAILF(s, "IOVA alignment %" PRIu64 " (ret %d), want %" PRIu64, align, ret,
		      s->m.pgsize);
	s->m.align = align;

	/* random areas: some adjacent, some with gaps, huge blocks in the HUGE table */
	cursor = WIN_BASE;
	for (;;) {
		uint64_t len;

		if (s->huge && chance(40))
			cursor = (cursor + HUGE_PTE - 1) & ~(HUGE_PTE - 1);
		else if (chance(65))
			cursor += s->m.pgsize * (chance(60) ? rnd_range(1, 8) : rnd_range(1, 64));
		len = random_area_len(s);
		if (cursor + len > WIN_BASE + win - win / 8 || s->m.nareas >= MAX_AREAS / 2)
			break;
		map_area(s, cursor, len);
		cursor += len;
	}
	for (cursor = WIN_BASE; cursor < WIN_BASE + win; cursor += HUGE_PTE) {
		uint64_t first, len;

		if (model_pte(&s->m, cursor, &first, &len) && len == HUGE_PTE)
			s->huge_ptes++;
	}
}

static void scenario_teardown(struct scenario *s)
{
	if (s->ctx)
		iommufd_ctx_close(s->ctx);
	if (s->buf_map)
		munmap(s->buf_map, s->buf_map_len);
	free(s->m.area_of);
	free(s->m.dirty);
	free(s->exp);
	free(s->raw);
}

static void scenario_run(struct scenario *s)
{
	unsigned int round, i, n;
	uint64_t unmapped = 0, nr;
	uint8_t one = 1;

	/* marking needs tracking on */
	s->step++;
	if (op_mark(s, WIN_BASE, 1, GRAN, &one, &nr) != -EINVAL)
		FAILF(s, "IOMMU_TEST_OP_DIRTY with tracking off: want -EINVAL");
	set_tracking(s, true);
	check_all(s, true);

	for (round = 0; round < ROUNDS; round++) {
		n = (unsigned int)rnd_range(1, 3);
		for (i = 0; i < n; i++)
			do_mark(s);
		n = (unsigned int)rnd_range(4, 8);
		for (i = 0; i < n; i++)
			do_read(s);
		n = (unsigned int)rnd_range(1, 3);
		for (i = 0; i < n; i++)
			do_ranges(s);
		if (chance(35))
			do_unmap(s);
		if (chance(35))
			do_remap(s);
		if (chance(15))
			set_tracking(s, true); /* again: cleans everything */
	}

	/* a range not aligned to the IOAS (PAGE_SIZE) */
	s->step++;
	if (iommufd_hwpt_get_dirty_bitmap(s->hwpt, WIN_BASE + GRAN, s->m.pgsize, GRAN,
					  (uint64_t[1]){ 0 }, 0) != -EINVAL)
		FAILF(s, "GET_DIRTY_BITMAP at IOVA not aligned to the IOAS: want -EINVAL");

	/* off: the dirty bits stay and are reported, marking fails */
	do_mark(s);
	do_mark(s);
	set_tracking(s, false);
	s->step++;
	if (op_mark(s, WIN_BASE, 1, GRAN, &one, &nr) != -EINVAL)
		FAILF(s, "IOMMU_TEST_OP_DIRTY with tracking off: want -EINVAL");
	set_tracking(s, false);
	check_all(s, true);
	do_ranges(s);
	do_read(s);
	check_all(s, true);
	/* on again: a clean snapshot */
	set_tracking(s, true);
	check_all(s, true);

	/* unmapping drops the dirty state: remap everything, all clean */
	do_mark(s);
	do_mark(s);
	s->step++;
	assert_int_equal(0, iommufd_ioas_unmap_all(s->ioas, &unmapped));
	n = s->m.nareas;
	for (i = 0; i < n; i++) {
		if (!s->m.areas[i].live)
			continue;
		model_remove_area(&s->m, i);
		map_ioctl(s, s->m.areas[i].iova, s->m.areas[i].len);
		model_readd_area(&s->m, i);
	}
	check_all(s, false);
	do_mark(s);
	check_all(s, false);
	check_all(s, true);
}

/* The scenario running, freed by the test's teardown when an assertion jumps out. */
static struct scenario *current;

static int cleanup(void **state)
{
	(void)state;
	if (current)
		scenario_teardown(current);
	current = NULL;
	return 0;
}

static void run_seeds(bool huge, bool holes, const char *name)
{
	const char *env = getenv("DIRTY_SEED");
	uint64_t one;
	const uint64_t *seeds = default_seeds;
	size_t n = sizeof(default_seeds) / sizeof(default_seeds[0]), i;

	if (env && *env) {
		one = strtoull(env, NULL, 0);
		seeds = &one;
		n = 1;
	}
	for (i = 0; i < n; i++) {
		/* static: the test's teardown frees it after a failed assertion */
		static struct scenario s;

		memset(&s, 0, sizeof(s));
		s.name = name;
		s.seed = seeds[i];
		s.huge = huge;
		s.holes = holes;

		print_message("dirty-model: %s seed=%" PRIu64 " (DIRTY_SEED=%" PRIu64
			      " reruns it)\n", name, seeds[i], seeds[i]);
		rng_state = seeds[i] ^ (huge ? 0x4855474555ULL : 0) ^ (holes ? 0x484f4c45ULL : 0);
		current = &s;
		scenario_setup(&s);
		scenario_run(&s);
		print_message("dirty-model: %s seed=%" PRIu64 ": ok, %u steps, %u areas (%" PRIu64
			      " huge PTEs), %" PRIu64 " bitmap bits compared (%" PRIu64
			      " set), %" PRIu64 " runs\n", name, seeds[i], s.step, s.m.nareas,
			      s.huge_ptes, s.bits_checked, s.bits_set, s.runs_checked);
		cleanup(NULL);
	}
}

static void test_default_contig(void **state)
{
	(void)state;
	run_seeds(false, false, "default-contig");
}

static void test_default_holes(void **state)
{
	(void)state;
	run_seeds(false, true, "default-holes");
}

static void test_huge_contig(void **state)
{
	(void)state;
	run_seeds(true, false, "huge-contig");
}

static void test_huge_holes(void **state)
{
	(void)state;
	run_seeds(true, true, "huge-holes");
}

/* "dirty-model" runs the contig group; with the argument "holes", the holes group. */
int main(int argc, char **argv)
{
	const struct CMUnitTest contig[] = {
		cmocka_unit_test_teardown(test_default_contig, cleanup),
		cmocka_unit_test_teardown(test_huge_contig, cleanup),
	};
	const struct CMUnitTest holes[] = {
		cmocka_unit_test_teardown(test_default_holes, cleanup),
		cmocka_unit_test_teardown(test_huge_holes, cleanup),
	};

	if (argc > 1 && !strcmp(argv[1], "holes"))
		return cmocka_run_group_tests_name("dirty-model-holes", holes, NULL, NULL);
	return cmocka_run_group_tests_name("dirty-model", contig, NULL, NULL);
}
