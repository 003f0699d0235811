// SPDX-License-Identifier: MIT
/*
 * realkernel.c - target 6 of issue 7, run inside a VM on a real kernel
 * (bench/real-kernel.sh): 10,000 IOMMU_IOAS_MAP + IOMMU_IOAS_UNMAP pairs
 * through libiommufd against the same ioctls written by hand, on the same
 * /dev/iommu IOAS in the same boot. The two loops alternate in blocks of 100
 * pairs (A B B A A B ..., after a warm-up of each), so that drift in the VM's
 * speed hits both alike; a round is 10,000 pairs of each and its ratio the
 * median of its block ratios (a host preemption, common on a loaded host
 * running QEMU/TCG, spoils one block, not the round); the verdict is the
 * median over the rounds.
 *
 * The IOAS has no device and no domain: a MAP then only records the area
 * (nothing is pinned), the cheapest iommufd path, where the library's share
 * is largest. One page of this process is mapped at an IOVA the kernel
 * chooses, as iommufd_ioas_map() without options does.
 *
 * Target: library / raw <= 1.02 (median of the rounds).
 *
 * Usage: bench-realkernel [PAIRS [ROUNDS]]      (defaults 10000, 11, or
 *        BENCH_PAIRS / BENCH_ROUNDS from the environment: the VM passes no arguments)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <iommufd/iommufd.h>

#include "bench.h"
#include "iommufd-uapi.h"

#define TARGET_RATIO 1.02
#define MAX_ROUNDS 101
#define BLOCK 100 /* pairs per block: a host preemption spoils one block, not a round */
#define MAX_BLOCKS 1000

static void *page;
static size_t page_len;

static int raw_loop(int fd, uint32_t ioas_id, long pairs)
{
	for (long i = 0; i < pairs; i++) {
		struct iommu_ioas_map map = {
			.size = sizeof(map),
			.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = ioas_id,
			.user_va = (uintptr_t)page,
			.length = page_len,
		};
		struct iommu_ioas_unmap unmap = { .size = sizeof(unmap), .ioas_id = ioas_id };

		if (ioctl(fd, IOMMU_IOAS_MAP, &map))
			return -errno;
		unmap.iova = map.iova;
		unmap.length = page_len;
		if (ioctl(fd, IOMMU_IOAS_UNMAP, &unmap))
			return -errno;
	}
	return 0;
}

static int lib_loop(struct iommufd_ioas *ioas, long pairs)
{
	for (long i = 0; i < pairs; i++) {
		uint64_t iova;
		int rc;

		rc = iommufd_ioas_map(ioas, page, page_len, &iova, NULL);
		if (rc)
			return rc;
		rc = iommufd_ioas_unmap(ioas, iova, page_len, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *ep = getenv("BENCH_PAIRS"), *er = getenv("BENCH_ROUNDS");
	long pairs = argc > 1 ? strtol(argv[1], NULL, 0) : ep ? strtol(ep, NULL, 0) : 10000;
	int rounds = argc > 2 ? atoi(argv[2]) : er ? atoi(er) : 11;
	double lib_ns[MAX_ROUNDS], raw_ns[MAX_ROUNDS], ratio[MAX_ROUNDS], med;
	double block_ratio[MAX_BLOCKS];
	long block = pairs < BLOCK ? pairs : BLOCK, nblocks;
	struct iommufd_ctx *ctx;
	struct iommufd_ioas *ioas;
	uint32_t ioas_id;
	int fd, rc;

	if (pairs < 1 || pairs / block > MAX_BLOCKS || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: bench-realkernel [PAIRS (1..%d) [ROUNDS (1..%d)]]\n",
			MAX_BLOCKS * BLOCK, MAX_ROUNDS);
		return 2;
	}
	nblocks = pairs / block;
	pairs = nblocks * block;
	if (access("/dev/iommu", F_OK)) {
		printf("bench-realkernel: no /dev/iommu here (run it in the VM: bench/real-kernel.sh)\n");
		return 77;
	}
	page_len = (size_t)sysconf(_SC_PAGESIZE);
	page = mmap(NULL, page_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 1;
	memset(page, 0, page_len);
	rc = iommufd_ctx_open(NULL, &ctx);
	if (!rc)
		rc = iommufd_ioas_create(ctx, &ioas);
	if (rc) {
		fprintf(stderr, "bench-realkernel: iommufd setup: %s\n", strerror(-rc));
		return 1;
	}
	fd = iommufd_ctx_get_fd(ctx);
	ioas_id = iommufd_ioas_get_id(ioas);

	/* warm-up: page tables, caches, lazy binding */
	rc = lib_loop(ioas, pairs / 10 + 1);
	if (!rc)
		rc = raw_loop(fd, ioas_id, pairs / 10 + 1);
	for (int r = 0; r < rounds && !rc; r++) {
		lib_ns[r] = raw_ns[r] = 0;
		for (long b = 0; b < nblocks && !rc; b++) {
			double t0, t1, t2, tl, tr;

			/* A B, then B A: neither loop always runs first */
			t0 = now_ns();
			rc = b & 1 ? raw_loop(fd, ioas_id, block) : lib_loop(ioas, block);
			t1 = now_ns();
			if (!rc)
				rc = b & 1 ? lib_loop(ioas, block) : raw_loop(fd, ioas_id, block);
			t2 = now_ns();
			tl = b & 1 ? t2 - t1 : t1 - t0;
			tr = b & 1 ? t1 - t0 : t2 - t1;
			lib_ns[r] += tl;
			raw_ns[r] += tr;
			block_ratio[b] = tl / tr;
		}
		if (rc)
			break;
		ratio[r] = median_double(block_ratio, (size_t)nblocks);
		printf("round %2d: library %8.1f ns/pair, raw ioctls %8.1f ns/pair, "
		       "median block ratio %.4f\n",
		       r, lib_ns[r] / (double)pairs, raw_ns[r] / (double)pairs, ratio[r]);
	}
	iommufd_ioas_free(ioas);
	iommufd_ctx_close(ctx);
	if (rc) {
		fprintf(stderr, "bench-realkernel: map/unmap: %s\n", strerror(-rc));
		return 1;
	}
	med = median_double(ratio, (size_t)rounds);
	printf("%ld map+unmap pairs per side x %d rounds, alternating blocks of %ld pairs "
	       "(ABBA): median library %.1f ns/pair, raw %.1f ns/pair; round ratios min %.4f "
	       "median %.4f max %.4f\n",
	       pairs, rounds, block, median_double(lib_ns, (size_t)rounds) / (double)pairs,
	       median_double(raw_ns, (size_t)rounds) / (double)pairs, ratio[0], med,
	       ratio[rounds - 1]);
	printf("target: real kernel, library vs raw ioctl loop <= %.2f: %.4f, %s\n", TARGET_RATIO,
	       med, med <= TARGET_RATIO ? "met" : "NOT met");
	return 0;
}
