// SPDX-License-Identifier: MIT
/*
 * tutorial-dirty.c - part 3 of doc/tutorial.md: the dirty-page tracking of a
 * live migration. A paging HWPT allocated with dirty tracking holds the
 * guest's memory; after the device wrote some pages, the VMM reads (and
 * clears) which, as a bitmap or as ranges. The code between the
 * "tutorial: begin/end NAME" lines is the page's code.
 *
 * Usage: tutorial-dirty [/dev/vfio/devices/vfioN]   (default vfio0)
 * Against the mock: iommufd-mock-run --device edu,dirty tutorial-dirty
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include <iommufd/iommufd.h>

#include "tutorial.h"

#define PAGE_SIZE 4096UL
#define GUEST_PAGES 16U
#define GUEST_RAM_SIZE (GUEST_PAGES * PAGE_SIZE)
#define GUEST_RAM_GPA 0x100000ULL

/* The device writes EDU_XFER bytes at a page of guest RAM. */
static void device_writes(struct edu *edu, unsigned int page, unsigned int offset)
{
	TRY(edu_dma(edu, GUEST_RAM_GPA + page * PAGE_SIZE + offset, EDU_XFER, true));
}

/* tutorial: begin on-range */
struct copy_list {
	uint64_t pages;
	unsigned int ranges;
};

/* Called once for each run of contiguous dirty pages, in IOVA order. */
static int on_dirty_range(uint64_t iova, uint64_t length, void *priv)
{
	struct copy_list *todo = priv;

	printf("  copy GPA [%#" PRIx64 ", %#" PRIx64 "] again\n", iova, iova + length - 1);
	todo->pages += length / PAGE_SIZE;
	todo->ranges++;
	return 0; /* non-zero stops the walk */
}
/* tutorial: end on-range */

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/vfio/devices/vfio0";
	struct iommufd_device *dev;
	struct iommufd_ioas *ioas;
	struct iommufd_ctx *ctx;
	struct iommufd_hw_info info;
	uint8_t *ram;
	uint64_t iova;
	struct edu edu;

	open_device(path, &ctx, &dev);
	ram = mmap(NULL, GUEST_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	if (ram == MAP_FAILED)
		return EXIT_FAILURE;

	/* tutorial: begin dirty-hwpt */
	struct iommufd_hwpt *hwpt;
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, hwpt_opts,
		     .flags = IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING);

	TRY(iommufd_device_get_hw_info(dev, NULL, &info, NULL, 0));
	if (!(info.capabilities & IOMMUFD_HW_CAP_DIRTY_TRACKING)) {
		printf("this IOMMU cannot track dirty pages\n");
		return EXIT_SKIP;
	}
	TRY(iommufd_ioas_create(ctx, &ioas));
	TRY(iommufd_hwpt_alloc_paging(dev, ioas, &hwpt_opts, &hwpt));
	TRY(iommufd_device_attach(dev, iommufd_hwpt_as_pt(hwpt), NULL));

	IOMMUFD_OPTS(iommufd_ioas_map_opts, map_opts, .flags = IOMMUFD_MAP_FIXED_IOVA);
	iova = GUEST_RAM_GPA;
	TRY(iommufd_ioas_map(ioas, ram, GUEST_RAM_SIZE, &iova, &map_opts));
	/* tutorial: end dirty-hwpt */

	if (edu_open(&edu, dev, "tutorial-dirty") == -ENODEV)
		return EXIT_SKIP;

	/* tutorial: begin enable */
	TRY(iommufd_hwpt_set_dirty_tracking(hwpt, true)); /* starts with every page clean */
	/* tutorial: end enable */

	/* tutorial: begin bitmap */
	uint64_t bitmap[(GUEST_PAGES + 63) / 64];

	device_writes(&edu, 2, 0);
	device_writes(&edu, 5, 0);
	memset(ram + 7 * PAGE_SIZE, 1, PAGE_SIZE); /* the CPU's writes: not the IOMMU's business */

	TRY(iommufd_hwpt_get_dirty_bitmap(hwpt, GUEST_RAM_GPA, GUEST_RAM_SIZE, PAGE_SIZE, bitmap,
					  0));
	printf("dirty bitmap %#" PRIx64 "\n", bitmap[0]);
	EXPECT(bitmap[0] == ((1 << 2) | (1 << 5)));
	/* tutorial: end bitmap */

	/* tutorial: begin ranges */
	struct copy_list todo = { 0 };

	device_writes(&edu, 9, 3072); /* one write across pages 9 and 10 */
	device_writes(&edu, 2, 0);
	TRY(iommufd_hwpt_walk_dirty(hwpt, GUEST_RAM_GPA, GUEST_RAM_SIZE, PAGE_SIZE, NULL,
				      on_dirty_range, &todo));
	EXPECT(todo.ranges == 2 && todo.pages == 3);

	/* read and cleared: a second walk finds nothing */
	todo = (struct copy_list){ 0 };
	TRY(iommufd_hwpt_walk_dirty(hwpt, GUEST_RAM_GPA, GUEST_RAM_SIZE, PAGE_SIZE, NULL,
				      on_dirty_range, &todo));
	EXPECT(todo.ranges == 0);
	/* tutorial: end ranges */

	/* tutorial: begin disable */
	TRY(iommufd_hwpt_set_dirty_tracking(hwpt, false));
	TRY(iommufd_device_detach(dev));
	TRY(iommufd_hwpt_destroy(hwpt));
	TRY(iommufd_ioas_destroy(ioas));
	/* tutorial: end disable */
	iommufd_device_unbind(dev);
	iommufd_ctx_close(ctx);
	munmap(ram, GUEST_RAM_SIZE);
	printf("tutorial-dirty: PASS\n");
	return 0;
}
