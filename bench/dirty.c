// SPDX-License-Identifier: MIT
/*
 * dirty.c - what reading and clearing the dirty bitmap of a large mapped
 * range costs in the mock core (IOMMU_HWPT_GET_DIRTY_BITMAP, in-process),
 * against a plain scan of a bitmap of the same size in this process (read
 * every word, count the set bits, clear it), and whether the cost follows
 * the range or the number of areas.
 *
 * Setup, so that 64 GiB of IOVA maps in seconds without 64 GiB of memory: a
 * sparse 64 GiB memfd (nothing is ever written to it) mapped with
 * IOMMU_IOAS_MAP_FILE, either as one area or as 2 MiB areas laid end to end
 * (32768 for 64 GiB), into an IOAS whose only domain is a dirty-tracking
 * selftest HWPT of the HUGE format (1 MiB IO PTEs, 256 GiB aperture): a
 * selftest mock device is attached (IOMMU_TEST_OP_MOCK_DOMAIN) and moved to
 * that HWPT. Pinning a memfd checks its size and counts each page in the
 * core's pin table (the table is what takes memory: ~80 bytes per page).
 * Dirty PTEs are set with IOMMU_TEST_OP_DIRTY (none, 1 in 64, all); the
 * bitmap is read at 4 KiB granularity (2 MiB of bitmap for 64 GiB).
 *
 * Target: read + clear <= 3x the plain scan, for both layouts.
 *
 * Usage: bench-dirty [--quick] [--gib N]     (--quick: 4 GiB)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "bench.h"
#include "iommufd-uapi.h"
#include "iommufd_test.h"

#define PAGE 4096ULL
#define PTE (1ULL << 20) /* HUGE mock domain IO page */
#define BASE_IOVA (1ULL << 32)
#define TARGET_RATIO 3.0
#define REPS 5

struct env {
	struct mock_kernel *k;
	struct mock_file *f;
	struct mock_task task;
	uint32_t ioas, hwpt;
	int memfd;
};

static long xioctl(struct env *e, unsigned int cmd, void *arg)
{
	struct mock_call call;

	mock_call_init(&call, &e->task);
	return mock_ioctl(e->f, cmd, (unsigned long)(uintptr_t)arg, &call);
}

static int fail(const char *what, long rc)
{
	fprintf(stderr, "bench-dirty: %s: %s\n", what, strerror((int)-rc));
	return -1;
}

static void env_close(struct env *e)
{
	if (e->f)
		mock_release(e->f);
	if (e->k)
		mock_kernel_free(e->k);
	if (e->memfd >= 0)
		close(e->memfd);
}

/* IOAS + selftest device moved to a HUGE dirty-tracking HWPT; @range mapped as @area_len areas. */
static int env_open(struct env *e, uint64_t range, uint64_t area_len)
{
	struct mock_kernel_config cfg = { .sz = sizeof(cfg), .devices = "" };
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	struct iommu_test_cmd md = { .size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	struct iommu_hwpt_selftest data = { .pagetable_type = MOCK_IOMMUPT_HUGE };
	struct iommu_hwpt_alloc h = {
		.size = sizeof(h),
		.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};
	struct iommu_test_cmd rep = { .size = sizeof(rep), .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE };
	struct iommu_hwpt_set_dirty_tracking dt = {
		.size = sizeof(dt), .flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};
	long rc;

	memset(e, 0, sizeof(*e));
	e->memfd = -1;
	e->task.pid = getpid();
	e->task.tid = gettid();
	e->task.uid = getuid();
	if ((rc = mock_kernel_new(&cfg, &e->k)) || (rc = mock_open(e->k, "/dev/iommu", O_RDWR,
								  &e->task, &e->f)))
		return fail("mock kernel", rc);
	if ((rc = xioctl(e, IOMMU_IOAS_ALLOC, &a)))
		return fail("IOAS_ALLOC", rc);
	e->ioas = a.out_ioas_id;
	md.id = e->ioas;
	if ((rc = xioctl(e, IOMMU_TEST_CMD, &md)))
		return fail("TEST_OP_MOCK_DOMAIN", rc);
	h.dev_id = md.mock_domain.out_idev_id;
	h.pt_id = e->ioas;
	if ((rc = xioctl(e, IOMMU_HWPT_ALLOC, &h)))
		return fail("HWPT_ALLOC (dirty, HUGE)", rc);
	e->hwpt = h.out_hwpt_id;
	/* the automatic domain (2 GiB aperture) goes away with the move */
	rep.id = md.mock_domain.out_stdev_id;
	rep.mock_domain_replace.pt_id = e->hwpt;
	if ((rc = xioctl(e, IOMMU_TEST_CMD, &rep)))
		return fail("TEST_OP_MOCK_DOMAIN_REPLACE", rc);
	dt.hwpt_id = e->hwpt;
	if ((rc = xioctl(e, IOMMU_HWPT_SET_DIRTY_TRACKING, &dt)))
		return fail("SET_DIRTY_TRACKING", rc);

	e->memfd = memfd_create("bench-dirty", MFD_CLOEXEC);
	if (e->memfd < 0 || ftruncate(e->memfd, (off_t)range))
		return fail("memfd", -errno);
	for (uint64_t off = 0; off < range; off += area_len) {
		struct iommu_ioas_map_file m = {
			.size = sizeof(m),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = e->ioas,
			.fd = e->memfd,
			.start = off,
			.length = area_len,
			.iova = BASE_IOVA + off,
		};

		if ((rc = xioctl(e, IOMMU_IOAS_MAP_FILE, &m)))
			return fail("IOAS_MAP_FILE", rc);
	}
	return 0;
}

/* Dirty every @every-th IO PTE of the range (0: none). */
static int mark_dirty(struct env *e, uint64_t range, unsigned int every, uint64_t *bits)
{
	uint64_t nptes = range / PTE;
	struct iommu_test_cmd c = {
		.size = sizeof(c),
		.op = IOMMU_TEST_OP_DIRTY,
		.id = e->hwpt,
		.dirty = { .iova = BASE_IOVA, .length = range, .page_size = PTE,
			   .uptr = (uintptr_t)bits },
	};
	long rc;

	if (!every)
		return 0;
	memset(bits, 0, (nptes + 63) / 64 * 8);
	for (uint64_t i = 0; i < nptes; i += every)
		bits[i / 64] |= 1ULL << (i % 64);
	rc = xioctl(e, IOMMU_TEST_CMD, &c);
	return rc ? fail("TEST_OP_DIRTY", rc) : 0;
}

/* Median ns of GET_DIRTY_BITMAP (read + clear) of the whole range; the bits read in @set. */
static double read_clear(struct env *e, uint64_t range, unsigned int every, uint64_t *bitmap,
			 uint64_t *ptebits, uint64_t *set)
{
	struct iommu_hwpt_get_dirty_bitmap g = {
		.size = sizeof(g), .hwpt_id = e->hwpt, .iova = BASE_IOVA, .length = range,
		.page_size = PAGE, .data = (uintptr_t)bitmap,
	};
	size_t words = range / PAGE / 64;
	double t[REPS];

	for (int r = 0; r < REPS; r++) {
		double t0;
		long rc;

		if (mark_dirty(e, range, every, ptebits))
			return -1;
		memset(bitmap, 0, words * 8);
		t0 = now_ns();
		rc = xioctl(e, IOMMU_HWPT_GET_DIRTY_BITMAP, &g);
		t[r] = now_ns() - t0;
		if (rc)
			return fail("GET_DIRTY_BITMAP", rc);
		*set = 0;
		for (size_t w = 0; w < words; w++)
			*set += (uint64_t)__builtin_popcountll(bitmap[w]);
	}
	qsort(t, REPS, sizeof(t[0]), cmp_double);
	return t[REPS / 2];
}

/* The baseline: read every word of a bitmap of the same size, count and clear it. */
static double plain_scan(uint64_t *bitmap, size_t words, unsigned int every, uint64_t *set)
{
	double t[REPS];

	for (int r = 0; r < REPS; r++) {
		volatile uint64_t sink;
		uint64_t n = 0;
		double t0;

		memset(bitmap, 0, words * 8);
		if (every)
			for (size_t bit = 0; bit < words * 64; bit += (size_t)every * (PTE / PAGE))
				for (size_t b = bit; b < bit + PTE / PAGE; b++)
					bitmap[b / 64] |= 1ULL << (b % 64);
		t0 = now_ns();
		for (size_t w = 0; w < words; w++) {
			uint64_t v = bitmap[w];

			if (v) {
				n += (uint64_t)__builtin_popcountll(v);
				bitmap[w] = 0;
			}
		}
		sink = n;
		t[r] = now_ns() - t0;
		*set = sink;
	}
	qsort(t, REPS, sizeof(t[0]), cmp_double);
	return t[REPS / 2];
}

int main(int argc, char **argv)
{
	static const unsigned int densities[] = { 0, 64, 1 };
	static const char *const dname[] = { "no PTE dirty", "1 PTE in 64", "every PTE" };
	uint64_t gib = 64, range, *bitmap, *ptebits, small_area = 2ULL << 20;
	size_t words;
	double scan[3], res[2][3];
	int met = 0, missed = 0;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--quick"))
			gib = 4;
		else if (!strcmp(argv[a], "--gib") && a + 1 < argc)
			gib = strtoull(argv[++a], NULL, 0);
		else {
			fprintf(stderr, "usage: bench-dirty [--quick] [--gib N]\n");
			return 2;
		}
	}
	if (gib < 1 || gib > 192) {
		fprintf(stderr, "bench-dirty: --gib 1..192\n");
		return 2;
	}
	range = gib << 30;
	words = range / PAGE / 64;
	bitmap = aligned_alloc(4096, words * 8);
	ptebits = calloc(range / PTE / 64 + 1, 8);
	if (!bitmap || !ptebits)
		return 1;
	/*
	 * Without CAP_IPC_LOCK the pins count against RLIMIT_MEMLOCK; and the core
	 * keeps an fd of its own per MAP_FILE area (the kernel a file reference).
	 */
	{
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

		(void)setrlimit(RLIMIT_MEMLOCK, &rl);
		if (!getrlimit(RLIMIT_NOFILE, &rl)) {
			rlim_t need = range / small_area + 1024;

			/* raising the hard limit needs CAP_SYS_RESOURCE; else take what it allows */
			rl.rlim_cur = rl.rlim_max > need ? rl.rlim_max : need;
			rl.rlim_max = rl.rlim_cur;
			if (setrlimit(RLIMIT_NOFILE, &rl) && !getrlimit(RLIMIT_NOFILE, &rl)) {
				rl.rlim_cur = rl.rlim_max;
				(void)setrlimit(RLIMIT_NOFILE, &rl);
			}
		}
		/* 2 MiB areas, or the smallest power of two the fd limit allows */
		if (getrlimit(RLIMIT_NOFILE, &rl))
			return 1;
		while (range / small_area + 128 > rl.rlim_cur && small_area < range)
			small_area *= 2;
	}
	for (int d = 0; d < 3; d++) {
		uint64_t set;

		scan[d] = plain_scan(bitmap, words, densities[d], &set);
	}
	for (int l = 0; l < 2; l++) {
		uint64_t area_len = l ? small_area : range;
		struct env e;
		double t0 = now_ns();

		if (env_open(&e, range, area_len)) {
			env_close(&e);
			return 1;
		}
		fprintf(stderr, "bench-dirty: %llu area(s) mapped in %.1f s\n",
			(unsigned long long)(range / area_len), (now_ns() - t0) * 1e-9);
		for (int d = 0; d < 3; d++) {
			uint64_t set = 0, want = densities[d] ?
				(range / PTE + densities[d] - 1) / densities[d] * (PTE / PAGE) : 0;

			res[l][d] = read_clear(&e, range, densities[d], bitmap, ptebits, &set);
			if (res[l][d] < 0) {
				env_close(&e);
				return 1;
			}
			if (set != want)
				fprintf(stderr, "bench-dirty: read %llu dirty bits, expected %llu\n",
					(unsigned long long)set, (unsigned long long)want);
		}
		env_close(&e);
	}
	printf("dirty bitmap of %llu GiB (%zu KiB of bitmap at 4 KiB pages), median of %d:\n",
	       (unsigned long long)gib, words * 8 / 1024, REPS);
	printf("  %-14s %14s %16s %16s %9s %9s\n", "dirty", "plain scan", "GET_DIRTY 1 area",
	       "GET_DIRTY N area", "ratio 1", "ratio N");
	for (int d = 0; d < 3; d++) {
		double r1 = res[0][d] / scan[d], rn = res[1][d] / scan[d];

		printf("  %-14s %11.1f us %13.1f us %13.1f us %8.1fx %8.1fx\n", dname[d],
		       scan[d] / 1e3, res[0][d] / 1e3, res[1][d] / 1e3, r1, rn);
		for (int l = 0; l < 2; l++) {
			double r = l ? rn : r1;

			if (r <= TARGET_RATIO)
				met++;
			else
				missed++;
		}
	}
	printf("  (N = %llu areas of %llu MiB)\n", (unsigned long long)(range / small_area),
	       (unsigned long long)(small_area >> 20));
	for (int d = 0; d < 3; d++) {
		double r1 = res[0][d] / scan[d], rn = res[1][d] / scan[d];

		printf("target: read+clear <= %.0fx plain scan, %s: 1 area %.1fx %s, "
		       "%llu areas %.1fx %s\n",
		       TARGET_RATIO, dname[d], r1, r1 <= TARGET_RATIO ? "met" : "NOT met",
		       (unsigned long long)(range / small_area), rn,
		       rn <= TARGET_RATIO ? "met" : "NOT met");
	}
	printf("dirty: %d targets met, %d NOT met\n", met, missed);
	free(bitmap);
	free(ptebits);
	return 0;
}
