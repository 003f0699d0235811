// SPDX-License-Identifier: MIT
/*
 * tutorial-dma.c - part 1 of doc/tutorial.md: from opening /dev/iommu to a
 * device doing DMA into "guest memory" through the IOMMU. The code between
 * the "tutorial: begin NAME" and "tutorial: end NAME" lines is the page's
 * code, character for character (doc/check-tutorial.py compares them).
 *
 * Usage: tutorial-dma [/dev/vfio/devices/vfioN]   (default vfio0)
 * Against the mock: iommufd-mock-run tutorial-dma  (one edu behind a VT-d)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include <iommufd/iommufd.h>

#include "tutorial.h"

/* tutorial: begin guest-layout */
#define PAGE_SIZE 4096UL
#define GUEST_RAM_SIZE (16 * PAGE_SIZE)
/* where the guest sees its RAM, and so the IOVA its devices use */
#define GUEST_RAM_GPA 0x100000ULL
/* tutorial: end guest-layout */

static void print_ranges(struct iommufd_ioas *ioas)
{
	/* tutorial: begin ranges */
	struct iommufd_iova_range *ranges;
	uint64_t alignment;
	uint32_t i, num;

	TRY(iommufd_ioas_get_iova_ranges_alloc(ioas, &ranges, &num, &alignment));
	for (i = 0; i < num; i++)
		printf("usable IOVA [%#" PRIx64 ", %#" PRIx64 "]\n", ranges[i].start,
		       ranges[i].last);
	printf("IOVA alignment %#" PRIx64 "\n", alignment);
	free(ranges);
	/* tutorial: end ranges */
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/vfio/devices/vfio0";
	struct iommufd_device *dev;
	struct iommufd_ioas *ioas;
	uint64_t iova, unmapped;
	uint32_t hwpt_id;
	uint8_t *ram;
	struct edu edu;
	int ret;

	/* tutorial: begin open */
	struct iommufd_ctx *ctx;

	ret = iommufd_ctx_open(NULL, &ctx); /* opens /dev/iommu */
	if (ret) {
		fprintf(stderr, "/dev/iommu: %s\n", iommufd_strerror(ret));
		return ret == -ENOENT ? EXIT_SKIP : EXIT_FAILURE;
	}
	printf("libiommufd %s; IOMMU_HWPT_ALLOC %s\n", iommufd_version(),
	       iommufd_ctx_has_cmd(ctx, IOMMUFD_IOCTL_HWPT_ALLOC) ? "supported" : "missing");
	/* tutorial: end open */

	/* tutorial: begin bind */
	ret = iommufd_device_bind_path(ctx, path, NULL, &dev);
	if (ret == -ENOENT) {
		printf("%s: no such VFIO device\n", path);
		iommufd_ctx_close(ctx);
		return EXIT_SKIP;
	}
	TRY(ret);
	printf("%s is device %" PRIu32 "\n", path, iommufd_device_get_id(dev));
	/* tutorial: end bind */

	/* tutorial: begin attach */
	TRY(iommufd_ioas_create(ctx, &ioas));
	TRY(iommufd_device_attach(dev, iommufd_ioas_as_pt(ioas), &hwpt_id));
	printf("device attached to IOAS %" PRIu32 " through HWPT %" PRIu32 "\n",
	       iommufd_ioas_get_id(ioas), hwpt_id);
	/* tutorial: end attach */
	print_ranges(ioas);

	/* tutorial: begin map */
	ram = mmap(NULL, GUEST_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	if (ram == MAP_FAILED)
		return EXIT_FAILURE;

	IOMMUFD_OPTS(iommufd_ioas_map_opts, map_opts,
		     .flags = IOMMUFD_MAP_FIXED_IOVA | IOMMUFD_MAP_READABLE |
			      IOMMUFD_MAP_WRITEABLE);
	iova = GUEST_RAM_GPA;
	TRY(iommufd_ioas_map(ioas, ram, GUEST_RAM_SIZE, &iova, &map_opts));
	/* tutorial: end map */

	if (edu_open(&edu, dev, "tutorial-dma") == -ENODEV)
		return EXIT_SKIP;

	/* tutorial: begin dma */
	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		ram[i] = (uint8_t)i;
	memset(ram + PAGE_SIZE, 0, PAGE_SIZE);
	/* guest page 0 -> edu's buffer -> guest page 1 */
	TRY(edu_dma(&edu, GUEST_RAM_GPA, EDU_XFER, false));
	TRY(edu_dma(&edu, GUEST_RAM_GPA + PAGE_SIZE, EDU_XFER, true));
	EXPECT(memcmp(ram, ram + PAGE_SIZE, EDU_XFER) == 0);
	printf("DMA through the IOMMU: %u bytes copied\n", EDU_XFER);
	/* tutorial: end dma */

	/* tutorial: begin unmap */
	/* part of a mapping cannot be unmapped: ENOENT */
	ret = iommufd_ioas_unmap(ioas, GUEST_RAM_GPA + PAGE_SIZE, PAGE_SIZE, &unmapped);
	EXPECT(ret == -ENOENT);

	TRY(iommufd_ioas_unmap(ioas, GUEST_RAM_GPA, GUEST_RAM_SIZE, &unmapped));
	memset(ram + PAGE_SIZE, 0, PAGE_SIZE);
	TRY(edu_dma(&edu, GUEST_RAM_GPA + PAGE_SIZE, EDU_XFER, true));
	EXPECT(ram[PAGE_SIZE + 1] == 0); /* the IOMMU blocked the write */
	printf("unmapped %" PRIu64 " bytes; the DMA into them was blocked\n", unmapped);
	/* tutorial: end unmap */

	/* tutorial: begin teardown */
	TRY(iommufd_device_detach(dev));
	TRY(iommufd_ioas_destroy(ioas)); /* and every mapping in it */
	iommufd_device_unbind(dev);      /* closes the VFIO device fd */
	iommufd_ctx_close(ctx);
	munmap(ram, GUEST_RAM_SIZE);
	/* tutorial: end teardown */
	printf("tutorial-dma: PASS\n");
	return 0;
}
