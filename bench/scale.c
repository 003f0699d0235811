// SPDX-License-Identifier: MIT
/*
 * scale.c - how the mock core's cost per operation grows with the number of
 * areas in one IOAS, in-process (mock_ioctl, no sockets): N one-page areas
 * are mapped (IOMMU_IOAS_MAP at fixed IOVAs, or at IOVAs the core allocates),
 * looked up (IOMMU_IOAS_COPY of one area into a scratch IOAS, which finds the
 * source area in the interval tree, then UNMAP of the copy) and unmapped, in
 * a scrambled order so that lookups and unmaps do not walk the tree in order.
 *
 * The baseline is the same operation at N = 10^3 in the same run. Targets:
 * cost per operation at 10^6 <= 3x the cost at 10^3, and <= 256 bytes of
 * core memory per area (malloc'd bytes in use, mallinfo2, after the maps
 * minus before, divided by N). There is no domain, so nothing is pinned and
 * every area maps the same page of this process.
 *
 * A phase that takes longer than the budget (default 20 s) stops early and
 * is reported with how far it got; a size whose map phase is projected, from
 * the growth seen so far, to exceed the budget is skipped with the projection.
 *
 * Usage: bench-scale [--quick] [--budget SECONDS] [--max-exp E]   (N = 10^3 .. 10^E)
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "iommufd-uapi.h"

#define PAGE 4096ULL
#define FIXED_BASE (1ULL << 32)
#define SCRATCH_IOVA (1ULL << 40)
#define STRIDE 7919ULL /* prime: i * STRIDE mod 10^k visits every index once */
#define TARGET_GROWTH 3.0
#define TARGET_BYTES 256.0
#define MAX_SIZES 4

enum { PH_MAP, PH_LOOKUP, PH_UNMAP, PH_NR };
static const char *const ph_name[PH_NR] = { "map", "lookup", "unmap" };

struct result {
	unsigned long n;       /* areas asked for */
	unsigned long done[PH_NR];
	double ns[PH_NR];      /* per operation; < 0 not run */
	double bytes_per_area;
	bool skipped;
	double projected_s;
};

struct env {
	struct mock_kernel *k;
	struct mock_file *f;
	struct mock_task task;
	uint32_t ioas, scratch;
	void *page;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long xioctl(struct env *e, unsigned int cmd, void *arg)
{
	struct mock_call call;

	mock_call_init(&call, &e->task);
	return mock_ioctl(e->f, cmd, (unsigned long)(uintptr_t)arg, &call);
}

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static int env_open(struct env *e)
{
	struct mock_kernel_config cfg = { .sz = sizeof(cfg), .devices = "" };
	struct iommu_ioas_alloc a = { .size = sizeof(a) };

	memset(e, 0, sizeof(*e));
	e->task.pid = getpid();
	e->task.tid = gettid();
	e->task.uid = getuid();
	if (mock_kernel_new(&cfg, &e->k))
		return -1;
	if (mock_open(e->k, "/dev/iommu", O_RDWR, &e->task, &e->f))
		return -1;
	if (xioctl(e, IOMMU_IOAS_ALLOC, &a))
		return -1;
	e->ioas = a.out_ioas_id;
	if (xioctl(e, IOMMU_IOAS_ALLOC, &a))
		return -1;
	e->scratch = a.out_ioas_id;
	return 0;
}

static void env_close(struct env *e)
{
	if (e->f)
		mock_release(e->f);
	if (e->k)
		mock_kernel_free(e->k);
}

static int map_one(struct env *e, bool fixed, uint64_t *iova)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE |
			 (fixed ? IOMMU_IOAS_MAP_FIXED_IOVA : 0),
		.ioas_id = e->ioas,
		.user_va = (uintptr_t)e->page,
		.length = PAGE,
		.iova = fixed ? *iova : 0,
	};

	if (xioctl(e, IOMMU_IOAS_MAP, &m))
		return -1;
	*iova = m.iova;
	return 0;
}

static int unmap_one(struct env *e, uint32_t ioas, uint64_t iova)
{
	struct iommu_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = ioas, .iova = iova, .length = PAGE,
	};

	return xioctl(e, IOMMU_IOAS_UNMAP, &u) || u.length != PAGE ? -1 : 0;
}

static int lookup_one(struct env *e, uint64_t iova)
{
	struct iommu_ioas_copy c = {
		.size = sizeof(c),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
		.dst_ioas_id = e->scratch,
		.src_ioas_id = e->ioas,
		.length = PAGE,
		.dst_iova = SCRATCH_IOVA,
		.src_iova = iova,
	};

	if (xioctl(e, IOMMU_IOAS_COPY, &c))
		return -1;
	return unmap_one(e, e->scratch, SCRATCH_IOVA);
}

/* One size in one mode; the areas' IOVAs are kept to look them up and unmap them. */
static int run_size(bool fixed, struct result *r, double budget)
{
	struct env e;
	uint64_t *iovas;
	unsigned long n = r->n, i, done;
	size_t heap0;
	double t0;
	int rc = -1;

	iovas = calloc(n, sizeof(*iovas));
	if (!iovas || env_open(&e))
		goto out;
	e.page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (e.page == MAP_FAILED)
		goto out_env;

	heap0 = heap_in_use();
	t0 = now_s();
	for (i = 0; i != n; i++) {
		iovas[i] = FIXED_BASE + 2 * PAGE * i;
		if (map_one(&e, fixed, &iovas[i])) {
			fprintf(stderr, "bench-scale: map %lu failed\n", i);
			goto out_unmap;
		}
		if (!(i & 1023) && i && now_s() - t0 > budget) {
			i++;
			break;
		}
	}
	done = i;
	r->done[PH_MAP] = done;
	r->ns[PH_MAP] = (now_s() - t0) * 1e9 / (double)done;
	r->bytes_per_area = (double)(heap_in_use() - heap0) / (double)done;

	t0 = now_s();
	for (i = 0; i != done; i++) {
		if (lookup_one(&e, iovas[(i * STRIDE) % done])) {
			fprintf(stderr, "bench-scale: lookup %lu failed\n", i);
			goto out_unmap;
		}
		if (!(i & 1023) && i && now_s() - t0 > budget) {
			i++;
			break;
		}
	}
	r->done[PH_LOOKUP] = i;
	r->ns[PH_LOOKUP] = (now_s() - t0) * 1e9 / (double)i;

	t0 = now_s();
	for (i = 0; i != done; i++) {
		uint64_t *p = &iovas[(i * STRIDE) % done];

		if (unmap_one(&e, e.ioas, *p)) {
			fprintf(stderr, "bench-scale: unmap %lu failed\n", i);
			goto out_unmap;
		}
		*p = 0;
	}
	r->done[PH_UNMAP] = done;
	r->ns[PH_UNMAP] = (now_s() - t0) * 1e9 / (double)done;
	rc = 0;
out_unmap:
	munmap(e.page, PAGE);
out_env:
	env_close(&e); /* frees whatever is still mapped */
out:
	free(iovas);
	return rc;
}

static void print_mode(const char *mode, struct result *res, unsigned int nr, int *met,
		       int *missed)
{
	printf("%s IOVAs:\n", mode);
	printf("  %9s %14s %14s %14s %12s\n", "N", "map ns/op", "lookup ns/op", "unmap ns/op",
	       "bytes/area");
	for (unsigned int s = 0; s < nr; s++) {
		struct result *r = &res[s];

		if (r->skipped) {
			printf("  %9lu   skipped: map phase projected at %.0f s\n", r->n,
			       r->projected_s);
			continue;
		}
		printf("  %9lu", r->n);
		for (int p = 0; p < PH_NR; p++)
			printf(" %14.0f", r->ns[p]);
		printf(" %12.1f", r->bytes_per_area);
		if (r->done[PH_MAP] != r->n || r->done[PH_LOOKUP] != r->done[PH_MAP])
			printf("   (budget hit: %lu maps, %lu lookups)", r->done[PH_MAP],
			       r->done[PH_LOOKUP]);
		printf("\n");
	}
	for (int p = 0; p < PH_NR; p++) {
		unsigned int last = nr - 1;
		double g;

		while (last > 0 && (res[last].skipped || res[last].ns[p] <= 0))
			last--;
		if (last == 0 || res[0].ns[p] <= 0)
			continue;
		g = res[last].ns[p] / res[0].ns[p];
		printf("target: %s %s cost at N=%lu%s <= %.0fx N=%lu: %.2fx, %s\n", mode, ph_name[p],
		       res[last].done[p], res[last].done[p] != res[last].n ? " (partial)" : "",
		       TARGET_GROWTH, res[0].n, g,
		       g > TARGET_GROWTH ? "NOT met" :
		       last == nr - 1	 ? "met" :
					   "NOT measured at the largest N (the maps are too slow)");
		if (g <= TARGET_GROWTH && last == nr - 1)
			(*met)++;
		else
			(*missed)++;
	}
	{
		double worst = 0;

		for (unsigned int s = 0; s < nr; s++)
			if (!res[s].skipped && res[s].bytes_per_area > worst)
				worst = res[s].bytes_per_area;
		printf("target: %s memory per area <= %.0f bytes: %.1f, %s\n", mode, TARGET_BYTES, worst,
		       worst <= TARGET_BYTES ? "met" : "NOT met");
		if (worst <= TARGET_BYTES)
			(*met)++;
		else
			(*missed)++;
	}
}

int main(int argc, char **argv)
{
	struct result res[2][MAX_SIZES];
	double budget = 20;
	int max_exp = 6, met = 0, missed = 0;
	unsigned int nr;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--quick")) {
			max_exp = 4;
			budget = 5;
		} else if (!strcmp(argv[a], "--budget") && a + 1 < argc) {
			budget = atof(argv[++a]);
		} else if (!strcmp(argv[a], "--max-exp") && a + 1 < argc) {
			max_exp = atoi(argv[++a]);
		} else {
			fprintf(stderr, "usage: bench-scale [--quick] [--budget S] [--max-exp E]\n");
			return 2;
		}
	}
	if (max_exp < 4 || max_exp > 6 || budget <= 0) {
		fprintf(stderr, "bench-scale: --max-exp 4..6, --budget > 0\n");
		return 2;
	}
	nr = (unsigned int)(max_exp - 2);
	printf("mock core scaling, in-process, one-page areas, budget %.0f s per phase\n", budget);
	for (int m = 0; m < 2; m++) {
		unsigned long n = 1000;
		unsigned int last_run = 0;
		double growth = 1;

		for (unsigned int s = 0; s < nr; s++, n *= 10) {
			struct result *r = &res[m][s];

			memset(r, 0, sizeof(*r));
			r->n = n;
			for (int p = 0; p < PH_NR; p++)
				r->ns[p] = -1;
			if (s > 0) {
				/*
				 * Project the map phase from the last measured size and the
				 * per-op growth per decade seen there (at least 1x).
				 */
				const struct result *q = &res[m][last_run];
				double per_op = q->ns[PH_MAP] * (double)q->n / (double)q->done[PH_MAP];

				for (unsigned int k = last_run + 1; k <= s; k++)
					per_op *= growth;
				r->projected_s = per_op * (double)n * 1e-9;
				if (res[m][s - 1].skipped || q->done[PH_MAP] != q->n ||
				    r->projected_s > 3 * budget) {
					r->skipped = true;
					continue;
				}
			}
			if (run_size(m == 0, r, budget))
				return 1;
			if (s > 0 && res[m][last_run].ns[PH_MAP] > 0) {
				growth = r->ns[PH_MAP] / res[m][last_run].ns[PH_MAP];
				if (growth < 1)
					growth = 1;
			}
			last_run = s;
		}
		print_mode(m == 0 ? "fixed" : "automatic", res[m], nr, &met, &missed);
	}
	/* Where an area's bytes go (malloc adds 8-16 bytes of header to each). */
	size_t area_bytes, pages_bytes;

	mock_iopt_struct_sizes(&area_bytes, &pages_bytes);
	printf("per area: struct iopt_area %zu + struct iopt_pages %zu bytes + malloc headers\n",
	       area_bytes, pages_bytes);
	printf("scale: %d targets met, %d NOT met\n", met, missed);
	return 0;
}
