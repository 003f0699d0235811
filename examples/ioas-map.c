// SPDX-License-Identifier: MIT
/*
 * ioas-map.c - a tour of I/O address spaces with libiommufd: open a context,
 * create an IOAS, show its usable IOVA ranges, map one buffer at an IOVA the
 * kernel chooses and one at a fixed IOVA, copy a mapping into a second IOAS,
 * show what was mapped, and unmap it all.
 *
 * Usage: ioas-map [DEVICE]   (DEVICE defaults to /dev/iommu)
 */
/* MAP_ANONYMOUS is no ISO C: ask for it also under -std=c11 (tests/lib/check-std.sh). */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iommufd/iommufd.h>

#define BUF_SIZE (2UL << 20)
#define MAX_MAPPINGS 4

struct mapping {
	const char *what;
	struct iommufd_ioas *ioas;
	uint64_t iova;
	uint64_t length;
};

static int fail(const char *what, int ret)
{
	fprintf(stderr, "ioas-map: %s failed: %s (%s)\n  %s\n", what, iommufd_strerror(ret),
		strerror(-ret), iommufd_last_error());
	return ret;
}

static int print_ranges(struct iommufd_ioas *ioas)
{
	struct iommufd_iova_range *ranges;
	uint64_t alignment;
	uint32_t i, num;
	int ret;

	ret = iommufd_ioas_get_iova_ranges_alloc(ioas, &ranges, &num, &alignment);
	if (ret)
		return fail("reading the IOVA ranges", ret);
	printf("IOAS %" PRIu32 ": %" PRIu32 " usable IOVA range(s), alignment %#" PRIx64 "\n",
	       iommufd_ioas_get_id(ioas), num, alignment);
	for (i = 0; i < num; i++)
		printf("  [0x%016" PRIx64 " - 0x%016" PRIx64 "]\n", ranges[i].start, ranges[i].last);
	free(ranges);
	return 0;
}

/*
 * A fixed IOVA must lie in a usable range and respect the IOAS alignment:
 * take the first range that holds @length bytes at or above 1 GiB.
 */
static int pick_fixed_iova(struct iommufd_ioas *ioas, uint64_t length, uint64_t *iova)
{
	struct iommufd_iova_range *ranges;
	uint64_t alignment, align;
	uint32_t i, num;
	int ret;

	ret = iommufd_ioas_get_iova_ranges_alloc(ioas, &ranges, &num, &alignment);
	if (ret)
		return fail("reading the IOVA ranges", ret);
	align = alignment > BUF_SIZE ? alignment : BUF_SIZE;
	ret = -ENOSPC;
	for (i = 0; i < num; i++) {
		uint64_t start = ranges[i].start > (1ULL << 30) ? ranges[i].start : (1ULL << 30);

		start = (start + align - 1) & ~(align - 1);
		if (start >= ranges[i].start && start <= ranges[i].last &&
		    ranges[i].last - start >= length - 1) {
			*iova = start;
			ret = 0;
			break;
		}
	}
	free(ranges);
	if (ret)
		return fail("finding a free fixed IOVA", ret);
	return 0;
}

int main(int argc, char **argv)
{
	IOMMUFD_OPTS(iommufd_ctx_opts, ctx_opts, .path = argc > 1 ? argv[1] : NULL);
	IOMMUFD_OPTS(iommufd_ioas_map_opts, fixed, .flags = IOMMUFD_MAP_FIXED_IOVA);
	struct iommufd_ioas *ioas = NULL, *ioas2 = NULL;
	struct mapping maps[MAX_MAPPINGS];
	struct iommufd_ctx *ctx;
	unsigned int nmaps = 0, i;
	void *buf1, *buf2;
	uint64_t iova, unmapped;
	int ret;

	printf("libiommufd %s\n", iommufd_version());

	/* Page-aligned anonymous memory: what a VMM maps as guest RAM. */
	buf1 = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	buf2 = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf1 == MAP_FAILED || buf2 == MAP_FAILED) {
		perror("ioas-map: mmap");
		return 1;
	}
	memset(buf1, 0x11, BUF_SIZE);
	memset(buf2, 0x22, BUF_SIZE);

	ret = iommufd_ctx_open(&ctx_opts, &ctx);
	if (ret) {
		fail("opening the iommufd context", ret);
		return 1;
	}

	ret = iommufd_ioas_create(ctx, &ioas);
	if (ret) {
		fail("creating an IOAS", ret);
		goto out;
	}
	ret = print_ranges(ioas);
	if (ret)
		goto out;

	/* NULL options: readable and writeable, at an IOVA the kernel picks. */
	ret = iommufd_ioas_map(ioas, buf1, BUF_SIZE, &iova, NULL);
	if (ret) {
		fail("mapping buffer 1 at an automatic IOVA", ret);
		goto out;
	}
	maps[nmaps++] = (struct mapping){ "buffer 1 (automatic IOVA)", ioas, iova, BUF_SIZE };

	ret = pick_fixed_iova(ioas, BUF_SIZE, &iova);
	if (ret)
		goto out;
	ret = iommufd_ioas_map(ioas, buf2, BUF_SIZE, &iova, &fixed);
	if (ret) {
		fail("mapping buffer 2 at a fixed IOVA", ret);
		goto out;
	}
	maps[nmaps++] = (struct mapping){ "buffer 2 (fixed IOVA)", ioas, iova, BUF_SIZE };

	ret = iommufd_ioas_create(ctx, &ioas2);
	if (ret) {
		fail("creating a second IOAS", ret);
		goto out;
	}
	/* The copy shares buffer 1's pages with the first IOAS: no new pinning. */
	ret = iommufd_ioas_copy(ioas2, ioas, maps[0].iova, BUF_SIZE, &iova, NULL);
	if (ret) {
		fail("copying buffer 1 into the second IOAS", ret);
		goto out;
	}
	maps[nmaps++] = (struct mapping){ "copy of buffer 1", ioas2, iova, BUF_SIZE };

	printf("IOVA space created:\n");
	for (i = 0; i < nmaps; i++)
		printf("  IOAS %" PRIu32 ": [0x%016" PRIx64 " - 0x%016" PRIx64 "] %s\n",
		       iommufd_ioas_get_id(maps[i].ioas), maps[i].iova,
		       maps[i].iova + maps[i].length - 1, maps[i].what);

	for (i = 0; i < nmaps; i++) {
		if (maps[i].ioas != ioas)
			continue;
		ret = iommufd_ioas_unmap(ioas, maps[i].iova, maps[i].length, &unmapped);
		if (ret) {
			fail("unmapping", ret);
			goto out;
		}
		printf("unmapped %" PRIu64 " bytes at %#" PRIx64 " from IOAS %" PRIu32 "\n",
		       unmapped, maps[i].iova, iommufd_ioas_get_id(ioas));
	}
	ret = iommufd_ioas_unmap_all(ioas2, &unmapped);
	if (ret) {
		fail("unmapping everything from the second IOAS", ret);
		goto out;
	}
	printf("unmapped %" PRIu64 " bytes from IOAS %" PRIu32 "\n", unmapped,
	       iommufd_ioas_get_id(ioas2));

	ret = iommufd_ioas_destroy(ioas2);
	if (ret) {
		fail("destroying the second IOAS", ret);
		goto out;
	}
	ret = iommufd_ioas_destroy(ioas);
	if (ret)
		fail("destroying the IOAS", ret);
out:
	/* Closing the context frees whatever handles are left. */
	iommufd_ctx_close(ctx);
	munmap(buf1, BUF_SIZE);
	munmap(buf2, BUF_SIZE);
	return ret ? 1 : 0;
}
