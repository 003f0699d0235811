// SPDX-License-Identifier: MIT
/*
 * tutorial-nested.c - part 2 of doc/tutorial.md: a device given to a guest
 * behind a virtual IOMMU. The VMM owns stage 2 (guest physical -> host), the
 * guest owns stage 1; the vIOMMU, the vDEVICE, the nested HWPT, cache
 * invalidation and the vEVENTQ connect the two. The code between the
 * "tutorial: begin/end NAME" lines is the page's code.
 *
 * The driver-specific types are those of the kernel's selftest IOMMU driver,
 * the one whose vIOMMU kmod-mock models completely (see the page for what
 * changes on ARM SMMUv3).
 *
 * Usage: tutorial-nested [/dev/vfio/devices/vfioN]   (default vfio0)
 * Against the mock: iommufd-mock-run --device edu,hwinfo=selftest,nesting tutorial-nested
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include <iommufd/iommufd.h>
/* tutorial: begin selftest-types */
/* The selftest driver's data types: its nested HWPT data, invalidation entries, vEVENTs. */
#include <iommufd/selftest.h>
/* tutorial: end selftest-types */

#include "tutorial.h"

#define PAGE_SIZE 4096UL
#define GUEST_RAM_SIZE (4 * PAGE_SIZE)
/* the selftest IOMMU's aperture starts at 16 MiB; edu reaches 28 bits */
#define GUEST_RAM_GPA 0x1000000ULL
#define GPA_NOT_MAPPED 0x2000000ULL

/* the device's id in the guest's IOMMU (its vRID / vSID) */
#define VIRT_ID 0x42U

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/vfio/devices/vfio0";
	struct iommufd_viommu *viommu;
	struct iommufd_vdevice *vdev;
	struct iommufd_veventq *veventq;
	struct iommufd_hwpt *s2, *s1;
	struct iommufd_device *dev;
	struct iommufd_ioas *ioas;
	struct iommufd_ctx *ctx;
	struct iommufd_hw_info info;
	uint32_t num;
	uint8_t *ram;
	uint64_t iova;
	struct edu edu;
	int ret;

	open_device(path, &ctx, &dev);

	/* tutorial: begin hw-info */
	TRY(iommufd_device_get_hw_info(dev, NULL, &info, NULL, 0));
	printf("IOMMU data type %" PRIu32 ", capabilities %#" PRIx64 "\n", info.data_type,
	       info.capabilities);
	if (!iommufd_ctx_has_cmd(ctx, IOMMUFD_IOCTL_VEVENTQ_ALLOC)) {
		printf("this kernel has no vEVENTQ (Linux 6.15)\n");
		return EXIT_SKIP;
	}
	/* tutorial: end hw-info */

	/* tutorial: begin stage2 */
	ram = mmap(NULL, GUEST_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	if (ram == MAP_FAILED)
		return EXIT_FAILURE;
	IOMMUFD_OPTS(iommufd_ioas_map_opts, map_opts, .flags = IOMMUFD_MAP_FIXED_IOVA);
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, parent_opts,
		     .flags = IOMMUFD_HWPT_ALLOC_NEST_PARENT);

	TRY(iommufd_ioas_create(ctx, &ioas));
	iova = GUEST_RAM_GPA; /* guest physical addresses are stage 2's IOVAs */
	TRY(iommufd_ioas_map(ioas, ram, GUEST_RAM_SIZE, &iova, &map_opts));
	ret = iommufd_hwpt_alloc_paging(dev, ioas, &parent_opts, &s2);
	if (ret == -EOPNOTSUPP) {
		printf("this IOMMU cannot nest (no NEST_PARENT)\n");
		return EXIT_SKIP;
	}
	TRY(ret);
	/* tutorial: end stage2 */

	/* tutorial: begin viommu */
	ret = iommufd_viommu_alloc(dev, IOMMUFD_VIOMMU_TYPE_SELFTEST, s2, NULL, &viommu);
	if (ret == -EOPNOTSUPP) {
		printf("this IOMMU has no vIOMMU of the selftest type\n");
		return EXIT_SKIP;
	}
	TRY(ret);
	TRY(iommufd_vdevice_alloc(viommu, dev, VIRT_ID, &vdev));
	TRY(iommufd_veventq_alloc(viommu, IOMMUFD_VEVENTQ_TYPE_SELFTEST, 16, NULL, &veventq));
	printf("vIOMMU %" PRIu32 ", vDEVICE %" PRIu32 " (virt_id %#" PRIx64 "), vEVENTQ %" PRIu32
	       "\n", iommufd_viommu_get_id(viommu), iommufd_vdevice_get_id(vdev),
	       iommufd_vdevice_get_virt_id(vdev), iommufd_veventq_get_id(veventq));
	/* tutorial: end viommu */

	/* tutorial: begin stage1 */
	struct iommufd_selftest_hwpt_data s1_data = { .iotlb = IOMMUFD_SELFTEST_IOTLB_DEFAULT };
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, s1_opts, .data_type = IOMMUFD_SELFTEST_HWPT_DATA_TYPE,
		     .data = &s1_data, .data_len = sizeof(s1_data));

	TRY(iommufd_hwpt_alloc(dev, iommufd_viommu_as_pt(viommu), &s1_opts, &s1));
	TRY(iommufd_device_attach(dev, iommufd_hwpt_as_pt(s1), NULL));
	/* tutorial: end stage1 */

	if (edu_open(&edu, dev, "tutorial-nested") == -ENODEV)
		return EXIT_SKIP;

	/* tutorial: begin nested-dma */
	memset(ram, 0x11, PAGE_SIZE);
	memset(ram + PAGE_SIZE, 0, PAGE_SIZE);
	TRY(edu_dma(&edu, GUEST_RAM_GPA, EDU_XFER, false));
	TRY(edu_dma(&edu, GUEST_RAM_GPA + PAGE_SIZE, EDU_XFER, true));
	EXPECT(ram[PAGE_SIZE] == 0x11);
	printf("DMA through stage 1 and stage 2: done\n");
	/* tutorial: end nested-dma */

	/* tutorial: begin invalidate */
	struct iommufd_selftest_viommu_inv inv[] = {
		{ .vdev_id = VIRT_ID, .cache_id = 0 },
		{ .vdev_id = VIRT_ID, .cache_id = 1 },
		{ .vdev_id = VIRT_ID, .cache_id = 7 }, /* no such slot */
	};

	num = 2;
	TRY(iommufd_viommu_invalidate(viommu, IOMMUFD_SELFTEST_VIOMMU_INV_TYPE, inv, sizeof(inv[0]),
				      &num));
	printf("invalidated %" PRIu32 " cache entries\n", num);

	num = 3;
	ret = iommufd_viommu_invalidate(viommu, IOMMUFD_SELFTEST_VIOMMU_INV_TYPE, inv, sizeof(inv[0]),
					&num);
	EXPECT(ret == -EINVAL && num == 2); /* entries 0 and 1 were done, 2 failed */
	/* tutorial: end invalidate */

	/* tutorial: begin vevent */
	TRY(edu_dma(&edu, GPA_NOT_MAPPED, EDU_XFER, true)); /* faults */

	struct pollfd pfd = { .fd = iommufd_veventq_get_fd(veventq), .events = POLLIN };
	struct iommufd_vevent events[8];
	struct iommufd_vevent_selftest st;
	uint64_t lost;
	int n;

	EXPECT(poll(&pfd, 1, 1000) == 1);
	n = iommufd_veventq_read(veventq, events, 8, &lost);
	TRY(n);
	EXPECT(n == 1 && lost == 0);
	TRY(iommufd_vevent_decode_selftest(&events[0], &st));
	printf("vEVENT %" PRIu32 ": a fault of the device the guest calls %#" PRIx32 "\n",
	       events[0].sequence, st.virt_id);
	EXPECT(st.virt_id == VIRT_ID);
	/* tutorial: end vevent */

	/* tutorial: begin nested-teardown */
	TRY(iommufd_device_detach(dev));
	TRY(iommufd_hwpt_destroy(s1));
	TRY(iommufd_veventq_destroy(veventq));
	TRY(iommufd_vdevice_destroy(vdev));
	TRY(iommufd_viommu_destroy(viommu));
	TRY(iommufd_hwpt_destroy(s2));
	TRY(iommufd_ioas_destroy(ioas));
	/* tutorial: end nested-teardown */
	iommufd_device_unbind(dev);
	iommufd_ctx_close(ctx);
	munmap(ram, GUEST_RAM_SIZE);
	printf("tutorial-nested: PASS\n");
	return 0;
}
