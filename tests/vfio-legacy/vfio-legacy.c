// SPDX-License-Identifier: MIT
/*
 * vfio-legacy.c - the legacy VFIO API (containers /dev/vfio/vfio, groups
 * /dev/vfio/N, group device fds) on QEMU's edu device, as a kernel built like
 * the project's 7.3 test kernel serves it: no legacy type1 driver
 * (VFIO_CONTAINER off), /dev/vfio/vfio is iommufd's container emulation
 * (IOMMUFD_VFIO_CONTAINER), VFIO_NOIOMMU on.
 *
 * The same binary runs under iommufd-mock-run (tests/vfio-legacy/meson.build)
 * and in the real 7.3 VM (tests/kernel/kernel-test.sh run test73 --viommu):
 * there the edu device sits at 0000:00:01.0 in IOMMU group 1 behind VT-d and
 * is bound to vfio-pci, under the mock at 00ed:00:01.0 in the first group the
 * host does not have. The device's name and group are found as a program of
 * the legacy API finds them, in sysfs: the device of the vfio-dev node
 * (KT_VFIO_DEV, default /dev/vfio/devices/vfio0) and its iommu_group link.
 * VFIO_LEGACY_GROUP and VFIO_LEGACY_BDF override the group number and the
 * device name, VFIO_LEGACY_SKIP names tests to skip (cmocka's skip filter).
 * Every call's result and errno are asserted; the VM is the oracle for the
 * expected values.
 *
 * edu facts relied on (as tests/kernel/vfio-edu-smoke.c): BAR0 0x00 is the
 * ident (low byte 0xed), 0x80/0x88/0x90/0x98 the DMA source, destination,
 * count and command; its buffer is at device address 0x40000; QEMU runs a
 * transfer later (a timer), so completion is polled; transfers are 2 KiB.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "iommufd-uapi.h"

#define PG 4096UL
#define offsetofend(T, m) (offsetof(T, m) + sizeof(((T *)0)->m))
#define XFER 2048U
#define EDU_BUF 0x40000ULL
#define IOVA_SRC 0x100000ULL
#define IOVA_DST 0x200000ULL

static char group_path[64];
static const char *bdf;
static char sysfs_bdf[32];
static const char *cdev_path = "/dev/vfio/devices/vfio0";

/*
 * The fds a test holds, closed by the teardown when an assertion ends the
 * test early, so that the next one finds the group closed.
 */
static int held[32];
static unsigned int nr_held;

static int hold(int fd)
{
	if (fd >= 0 && nr_held < sizeof(held) / sizeof(held[0]))
		held[nr_held++] = fd;
	return fd;
}

static void xclose(int fd)
{
	for (unsigned int i = 0; i < nr_held; i++) {
		if (held[i] == fd) {
			held[i] = held[--nr_held];
			break;
		}
	}
	close(fd);
}

static int xopen(const char *path)
{
	return hold(open(path, O_RDWR | O_CLOEXEC));
}

static int teardown(void **state)
{
	(void)state;
	while (nr_held)
		close(held[--nr_held]);
	return 0;
}

/* 0, or the errno of a failed ioctl */
static int xioctl(int fd, unsigned long cmd, unsigned long arg)
{
	return ioctl(fd, cmd, arg) < 0 ? errno : 0;
}

static int open_err(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		xclose(fd);
		return 0;
	}
	return errno;
}

static int container_open(void)
{
	int fd = xopen("/dev/vfio/vfio");

	assert_true(fd >= 0);
	return fd;
}

static int group_open(void)
{
	int fd = xopen(group_path);

	assert_true(fd >= 0);
	return fd;
}

static uint32_t group_status(int group)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	assert_int_equal(xioctl(group, VFIO_GROUP_GET_STATUS, (unsigned long)&st), 0);
	return st.flags;
}

static int set_container(int group, int container)
{
	return xioctl(group, VFIO_GROUP_SET_CONTAINER, (unsigned long)&container);
}

static int get_device_fd(int group, const char *name)
{
	int fd = hold(ioctl(group, VFIO_GROUP_GET_DEVICE_FD, name));

	return fd < 0 ? -errno : fd;
}

static int map_dma(int container, void *va, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)va,
		.iova = iova,
		.size = size,
	};

	return xioctl(container, VFIO_IOMMU_MAP_DMA, (unsigned long)&map);
}

/* The size unmapped, or minus the errno. */
static int64_t unmap_dma(int container, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap), .iova = iova, .size = size
	};
	int rc = xioctl(container, VFIO_IOMMU_UNMAP_DMA, (unsigned long)&unmap);

	return rc ? -rc : (int64_t)unmap.size;
}

static uint64_t region_offset(int dev, uint32_t index, uint64_t *size)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };

	assert_int_equal(xioctl(dev, VFIO_DEVICE_GET_REGION_INFO, (unsigned long)&ri), 0);
	if (size)
		*size = ri.size;
	return ri.offset;
}

static uint32_t rd32(int dev, uint64_t off)
{
	uint32_t v = 0;

	assert_int_equal(pread(dev, &v, 4, (off_t)off), 4);
	return v;
}

static uint64_t rd64(int dev, uint64_t off)
{
	uint64_t v = 0;

	assert_int_equal(pread(dev, &v, 8, (off_t)off), 8);
	return v;
}

static void wr64(int dev, uint64_t off, uint64_t v)
{
	assert_int_equal(pwrite(dev, &v, 8, (off_t)off), 8);
}

static void bus_master(int dev)
{
	uint64_t cfg = region_offset(dev, VFIO_PCI_CONFIG_REGION_INDEX, NULL);
	uint16_t cmd;

	assert_int_equal(pread(dev, &cmd, 2, (off_t)(cfg + 4)), 2);
	cmd |= 0x6; /* memory space, bus master */
	assert_int_equal(pwrite(dev, &cmd, 2, (off_t)(cfg + 4)), 2);
}

/* One edu transfer, waited for (QEMU runs it from a timer). */
static void edu_dma(int dev, uint64_t src, uint64_t dst, bool to_ram)
{
	uint64_t bar0 = region_offset(dev, VFIO_PCI_BAR0_REGION_INDEX, NULL);
	struct timespec ts = { 0, 1000000 };
	int i;

	wr64(dev, bar0 + 0x80, src);
	wr64(dev, bar0 + 0x88, dst);
	wr64(dev, bar0 + 0x90, XFER);
	wr64(dev, bar0 + 0x98, 0x1 | (to_ram ? 0x2 : 0));
	for (i = 0; i < 5000 && (rd64(dev, bar0 + 0x98) & 0x1); i++)
		nanosleep(&ts, NULL);
	assert_int_equal(rd64(dev, bar0 + 0x98) & 0x1, 0);
}

static void *page_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* ---- the container alone ---- */

static void test_container_alone(void **state)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	int c = container_open();
	void *buf = page_alloc(PG);

	(void)state;
	assert_int_equal(ioctl(c, VFIO_GET_API_VERSION), VFIO_API_VERSION);
	assert_int_equal(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU), 1);
	assert_int_equal(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU), 1);
	assert_int_equal(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_UNMAP_ALL), 1);
	/* CONFIG_VFIO_NOIOMMU=y in the test kernel */
	assert_int_equal(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU), 1);
	assert_int_equal(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR), 0);
	assert_int_equal(ioctl(c, VFIO_CHECK_EXTENSION, 1000), 0);
	/* DMA_CC asks the compat IOAS, which only a group's SET_CONTAINER makes */
	assert_int_equal(xioctl(c, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU), ENODEV);
	/* "VFIO fails SET_IOMMU without a group" */
	assert_int_equal(xioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), ENODEV);
	assert_int_equal(xioctl(c, VFIO_SET_IOMMU, 1000), EINVAL);
	assert_int_equal(xioctl(c, VFIO_IOMMU_GET_INFO, (unsigned long)&info), ENODEV);
	assert_int_equal(map_dma(c, buf, IOVA_SRC, PG), ENODEV);
	assert_int_equal(unmap_dma(c, IOVA_SRC, PG), -ENODEV);
	assert_int_equal(xioctl(c, VFIO_GROUP_GET_STATUS, 0), ENOTTY);
	xclose(c);
	munmap(buf, PG);
}

/* ---- the group file ---- */

static void test_group_file(void **state)
{
	struct vfio_group_status st = { .argsz = offsetof(struct vfio_group_status, flags) };
	int g, null_fd, c;

	(void)state;
	/* group 0 is the host bridge, no VFIO group; no such group at all */
	assert_int_equal(open_err("/dev/vfio/0"), ENOENT);
	assert_int_equal(open_err("/dev/vfio/99"), ENOENT);
	g = group_open();
	/* one open at a time */
	assert_int_equal(open_err(group_path), EBUSY);
	assert_int_equal(group_status(g), VFIO_GROUP_FLAGS_VIABLE);
	assert_int_equal(xioctl(g, VFIO_GROUP_GET_STATUS, (unsigned long)&st), EINVAL);
	assert_int_equal(xioctl(g, VFIO_GROUP_GET_STATUS, 8), EFAULT);
	assert_int_equal(xioctl(g, VFIO_GET_API_VERSION, 0), ENOTTY);
	assert_int_equal(xioctl(g, VFIO_DEVICE_GET_INFO, 0), ENOTTY);
	/* no container yet */
	assert_int_equal(get_device_fd(g, bdf), -EINVAL);
	assert_int_equal(get_device_fd(g, "0000:00:1f.0"), -ENODEV);
	assert_int_equal(get_device_fd(g, ""), -ENODEV);
	assert_int_equal(xioctl(g, VFIO_GROUP_GET_DEVICE_FD, 8), EFAULT);
	assert_int_equal(xioctl(g, VFIO_GROUP_UNSET_CONTAINER, 0), EINVAL);
	/* SET_CONTAINER: the fd must be a file, and an iommufd one */
	assert_int_equal(set_container(g, -1), EBADF);
	assert_int_equal(set_container(g, 1000), EBADF);
	assert_int_equal(xioctl(g, VFIO_GROUP_SET_CONTAINER, 8), EFAULT);
	null_fd = xopen("/dev/null");
	assert_true(null_fd >= 0);
	assert_int_equal(set_container(g, null_fd), EBADFD);
	assert_int_equal(set_container(g, g), EBADFD);
	/* set, then a second set is EINVAL */
	c = container_open();
	assert_int_equal(set_container(g, c), 0);
	assert_int_equal(group_status(g), VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET);
	assert_int_equal(set_container(g, c), EINVAL);
	assert_int_equal(set_container(g, null_fd), EINVAL);
	assert_int_equal(xioctl(g, VFIO_GROUP_UNSET_CONTAINER, 0), 0);
	assert_int_equal(group_status(g), VFIO_GROUP_FLAGS_VIABLE);
	assert_int_equal(xioctl(g, VFIO_GROUP_UNSET_CONTAINER, 0), EINVAL);
	xclose(null_fd);
	xclose(c);
	xclose(g);
	/* closed: it opens again */
	g = group_open();
	xclose(g);
}

/* ---- the whole legacy flow, type1v2 (what QEMU and DPDK do) ---- */

static void test_legacy_flow(void **state)
{
	struct vfio_iommu_type1_info *info;
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	uint8_t *src = page_alloc(PG), *dst = page_alloc(PG);
	uint64_t bar0, bar0_size = 0;
	int c, g, dev, dev2, cdev;
	size_t i;

	(void)state;
	c = container_open();
	g = group_open();
	assert_int_equal(set_container(g, c), 0);
	/* the compat IOAS exists now: DMA_CC answers (no domain yet: coherent) */
	assert_int_equal(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU), 1);
	assert_int_equal(xioctl(c, VFIO_SET_IOMMU, 1000), EINVAL);
	assert_int_equal(xioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);

	/* GET_INFO: page sizes and a capability chain with the IOVA ranges */
	info = calloc(1, 4096);
	assert_non_null(info);
	info->argsz = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes) - 1;
	assert_int_equal(xioctl(c, VFIO_IOMMU_GET_INFO, (unsigned long)info), EINVAL);
	info->argsz = 4096;
	assert_int_equal(xioctl(c, VFIO_IOMMU_GET_INFO, (unsigned long)info), 0);
	assert_true(info->flags & VFIO_IOMMU_INFO_PGSIZES);
	assert_true(info->flags & VFIO_IOMMU_INFO_CAPS);
	assert_true(info->iova_pgsizes & PG);
	assert_int_equal(info->iova_pgsizes & (PG - 1), 0);
	assert_int_equal(info->cap_offset, sizeof(*info));
	{
		bool iova_cap = false;
		uint32_t off = info->cap_offset;

		for (i = 0; off && i < 8; i++) {
			const struct vfio_info_cap_header *h =
				(const void *)((const char *)info + off);

			if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
				const struct vfio_iommu_type1_info_cap_iova_range *r = (const void *)h;

				iova_cap = true;
				assert_true(r->nr_iovas >= 1);
				assert_true(r->iova_ranges[0].start <= IOVA_SRC);
			}
			off = h->next;
		}
		assert_true(iova_cap);
	}
	free(info);

	/* MAP_DMA errnos, then the two buffers */
	assert_int_equal(map_dma(c, src, IOVA_SRC, 0), EINVAL);
	assert_int_equal(map_dma(c, src, IOVA_SRC, PG), 0);
	assert_int_equal(map_dma(c, src, IOVA_SRC, PG), EEXIST);
	assert_int_equal(map_dma(c, dst, IOVA_DST, PG), 0);

	/* the device by name */
	assert_int_equal(get_device_fd(g, "0000:00:1f.0"), -ENODEV);
	dev = get_device_fd(g, bdf);
	assert_true(dev >= 0);
	assert_true(fcntl(dev, F_GETFD) & FD_CLOEXEC);
	/* opened through the group: viable, container set */
	assert_int_equal(group_status(g), VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET);
	assert_int_equal(xioctl(dev, VFIO_DEVICE_GET_INFO, (unsigned long)&dinfo), 0);
	assert_true(dinfo.flags & VFIO_DEVICE_FLAGS_PCI);
	assert_int_equal(dinfo.num_regions, VFIO_PCI_NUM_REGIONS);
	bar0 = region_offset(dev, VFIO_PCI_BAR0_REGION_INDEX, &bar0_size);
	assert_int_equal(bar0_size, 1 << 20);
	assert_int_equal(rd32(dev, bar0) & 0xff, 0xed);
	/* cdev-only ioctls: BIND is refused, ATTACH goes to vfio-pci */
	bind.iommufd = c;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, (unsigned long)&bind), EINVAL);
	assert_int_equal(xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, (unsigned long)&at), ENOTTY);

	/* the cdev opens, but cannot bind while the group is open */
	cdev = xopen(cdev_path);
	assert_true(cdev >= 0);
	bind.iommufd = xopen("/dev/iommu");
	assert_true(bind.iommufd >= 0);
	assert_int_equal(xioctl(cdev, VFIO_DEVICE_BIND_IOMMUFD, (unsigned long)&bind), EBUSY);

	/* DMA through the container's mapping, both ways, byte for byte */
	bus_master(dev);
	for (i = 0; i < PG; i++)
		src[i] = (uint8_t)(i * 7 + 3 + (i >> 8));
	memset(dst, 0, PG);
	edu_dma(dev, IOVA_SRC, EDU_BUF, false);
	edu_dma(dev, EDU_BUF, IOVA_DST, true);
	assert_memory_equal(dst, src, XFER);
	for (i = XFER; i < PG; i++)
		assert_int_equal(dst[i], 0);

	/* a second fd of the same device shares the open */
	dev2 = get_device_fd(g, bdf);
	assert_true(dev2 >= 0);
	assert_int_equal(rd32(dev2, bar0) & 0xff, 0xed);
	xclose(dev2);
	assert_int_equal(rd32(dev, bar0) & 0xff, 0xed);

	/* unmapped: the device's write no longer lands */
	assert_int_equal(unmap_dma(c, IOVA_DST, PG), (int64_t)PG);
	assert_int_equal(unmap_dma(c, IOVA_DST, PG), 0);
	memset(dst, 0x5a, PG);
	edu_dma(dev, EDU_BUF, IOVA_DST, true);
	for (i = 0; i < PG; i++)
		assert_int_equal(dst[i], 0x5a);

	/* UNMAP_ALL */
	{
		struct vfio_iommu_type1_dma_unmap unmap = {
			.argsz = sizeof(unmap), .flags = VFIO_DMA_UNMAP_FLAG_ALL, .size = PG
		};

		assert_int_equal(xioctl(c, VFIO_IOMMU_UNMAP_DMA, (unsigned long)&unmap), EINVAL);
		unmap.size = 0;
		assert_int_equal(xioctl(c, VFIO_IOMMU_UNMAP_DMA, (unsigned long)&unmap), 0);
		assert_int_equal(unmap.size, PG);
	}

	xclose(cdev);
	xclose(bind.iommufd);
	xclose(dev);
	xclose(g);
	xclose(c);
	munmap(src, PG);
	munmap(dst, PG);
}

/* ---- the compat container is iommufd: GET_DEVICE_FD needs no SET_IOMMU ---- */

static void test_no_set_iommu_needed(void **state)
{
	uint8_t *src = page_alloc(PG), *dst = page_alloc(PG);
	int c, g, dev;

	(void)state;
	c = container_open();
	g = group_open();
	assert_int_equal(set_container(g, c), 0);
	/* a legacy type1 kernel refuses both before SET_IOMMU (doc/mock-divergences.md) */
	dev = get_device_fd(g, bdf);
	assert_true(dev >= 0);
	assert_int_equal(map_dma(c, src, IOVA_SRC, PG), 0);
	assert_int_equal(map_dma(c, dst, IOVA_DST, PG), 0);
	/* and SET_IOMMU still works afterwards */
	assert_int_equal(xioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
	bus_master(dev);
	memset(src, 0xa5, PG);
	memset(dst, 0, PG);
	edu_dma(dev, IOVA_SRC, EDU_BUF, false);
	edu_dma(dev, EDU_BUF, IOVA_DST, true);
	assert_memory_equal(dst, src, XFER);
	xclose(dev);
	xclose(g);
	xclose(c);
	munmap(src, PG);
	munmap(dst, PG);
}

/* ---- type1 (v1): unmapping inside a mapping ---- */

static void test_type1_v1(void **state)
{
	uint8_t *buf = page_alloc(4 * PG);
	int c, g;

	(void)state;
	c = container_open();
	g = group_open();
	assert_int_equal(set_container(g, c), 0);
	assert_int_equal(xioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), 0);
	assert_int_equal(map_dma(c, buf, IOVA_SRC, 4 * PG), 0);
	/* v1 cuts the mapping: one page out of the middle */
	assert_int_equal(unmap_dma(c, IOVA_SRC + PG, PG), (int64_t)PG);
	assert_int_equal(unmap_dma(c, IOVA_SRC, 4 * PG), (int64_t)(3 * PG));
	xclose(g);
	xclose(c);
	munmap(buf, 4 * PG);
}

/* ---- /dev/iommu as the container ---- */

static void test_iommufd_container(void **state)
{
	struct iommu_vfio_ioas vio = { .size = sizeof(vio), .op = IOMMU_VFIO_IOAS_GET };
	uint8_t *src = page_alloc(PG), *dst = page_alloc(PG);
	int ifd, g, dev;

	(void)state;
	ifd = xopen("/dev/iommu");
	assert_true(ifd >= 0);
	assert_int_equal(xioctl(ifd, IOMMU_VFIO_IOAS, (unsigned long)&vio), ENODEV);
	g = group_open();
	assert_int_equal(set_container(g, ifd), 0);
	/* SET_CONTAINER made the compat IOAS, an ordinary IOAS of the context */
	assert_int_equal(xioctl(ifd, IOMMU_VFIO_IOAS, (unsigned long)&vio), 0);
	assert_true(vio.ioas_id != 0);
	dev = get_device_fd(g, bdf);
	assert_true(dev >= 0);
	{
		struct iommu_ioas_map map = {
			.size = sizeof(map),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = vio.ioas_id,
			.user_va = (uintptr_t)src,
			.length = PG,
			.iova = IOVA_SRC,
		};

		assert_int_equal(xioctl(ifd, IOMMU_IOAS_MAP, (unsigned long)&map), 0);
	}
	/* the type1 ioctls work on /dev/iommu as well */
	assert_int_equal(map_dma(ifd, dst, IOVA_DST, PG), 0);
	bus_master(dev);
	memset(src, 0x3c, PG);
	memset(dst, 0, PG);
	edu_dma(dev, IOVA_SRC, EDU_BUF, false);
	edu_dma(dev, EDU_BUF, IOVA_DST, true);
	assert_memory_equal(dst, src, XFER);
	/* the IOAS is in use by the attached device */
	{
		struct iommu_destroy d = { .size = sizeof(d), .id = vio.ioas_id };

		assert_int_equal(xioctl(ifd, IOMMU_DESTROY, (unsigned long)&d), EBUSY);
	}
	xclose(dev);
	xclose(g);
	xclose(ifd);
	munmap(src, PG);
	munmap(dst, PG);
}

/*
 * GET_DEVICE_FD makes an fd: with none free it is EMFILE and opens nothing
 * (the kernel reserves the fd before it opens the device); with one free
 * again it works. In a child, whose fd table it fills.
 */
static void test_device_fd_emfile(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { .rlim_cur = 256 };
		int c = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
		int g = open(group_path, O_RDWR | O_CLOEXEC);
		int last = -1, dev, fd;

		if (c < 0 || g < 0 || ioctl(g, VFIO_GROUP_SET_CONTAINER, &c))
			_exit(2);
		getrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur > 256)
			rl.rlim_cur = 256;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			_exit(3);
		while ((fd = dup(g)) >= 0)
			last = fd;
		if (errno != EMFILE || last < 0)
			_exit(4);
		errno = 0;
		dev = ioctl(g, VFIO_GROUP_GET_DEVICE_FD, bdf);
		if (dev != -1 || errno != EMFILE)
			_exit(dev >= 0 ? 5 : 6);
		close(last);
		dev = ioctl(g, VFIO_GROUP_GET_DEVICE_FD, bdf);
		if (dev != last)
			_exit(7);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- what the container reports once the device is attached ---- */

/* A container with the group set, SET_IOMMU type1v2 and the device open; *info filled. */
static void attached(int *c, int *g, int *dev, struct vfio_iommu_type1_info *info)
{
	*c = container_open();
	*g = group_open();
	assert_int_equal(set_container(*g, *c), 0);
	assert_int_equal(xioctl(*c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
	*dev = get_device_fd(*g, bdf);
	assert_true(*dev >= 0);
	info->argsz = 4096;
	assert_int_equal(xioctl(*c, VFIO_IOMMU_GET_INFO, (unsigned long)info), 0);
}

static void test_info_attached(void **state)
{
	struct vfio_iommu_type1_info *info = calloc(1, 4096);
	const struct vfio_iommu_type1_info_cap_iova_range *r;
	const struct vfio_iommu_type1_info_dma_avail *avail;
	int c, g, dev;

	(void)state;
	assert_non_null(info);
	attached(&c, &g, &dev, info);
	/* SET_IOMMU again, and v1 after v2: the emulation keeps no state to refuse it */
	assert_int_equal(xioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
	/* the chain: DMA_AVAIL, then the IOVA ranges around VT-d's MSI window */
	assert_int_equal(info->argsz, 88);
	assert_int_equal(info->flags, VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS);
	assert_int_equal(info->cap_offset, 24);
	avail = (const void *)((const char *)info + 24);
	assert_int_equal(avail->header.id, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	assert_int_equal(avail->header.version, 1);
	assert_int_equal(avail->header.next, 40);
	assert_int_equal(avail->avail, UINT32_MAX);
	r = (const void *)((const char *)info + 40);
	assert_int_equal(r->header.id, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	assert_int_equal(r->header.version, 1);
	assert_int_equal(r->header.next, 0);
	assert_int_equal(r->nr_iovas, 2);
	assert_int_equal(r->iova_ranges[0].start, 0);
	assert_int_equal(r->iova_ranges[0].end, 0xfedfffffULL);
	assert_int_equal(r->iova_ranges[1].start, 0xfef00000ULL);
	assert_int_equal(r->iova_ranges[1].end, (1ULL << 39) - 1);
	assert_int_equal(xioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), 0);
	xclose(dev);
	xclose(g);
	xclose(c);
	free(info);
}

/*
 * What QEMU's VT-d offers (its capability registers) seen through the
 * container: no snoop control, so DMA_CC_IOMMU is 0 once its domain is
 * there; 4 KiB, 2 MiB and 1 GiB IO pages. The mock's VT-d model differs in
 * both (doc/mock-divergences.md "VT-d domain: page sizes, cache
 * coherency"); the mock suite skips this test, kernel-legacy73 compares it
 * (kdiff-allow-legacy73.txt).
 */
static void test_vtd_attached(void **state)
{
	struct vfio_iommu_type1_info *info = calloc(1, 4096);
	int c, g, dev;

	(void)state;
	assert_non_null(info);
	attached(&c, &g, &dev, info);
	assert_int_equal(info->iova_pgsizes, 0x40201000ULL);
	assert_int_equal(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU), 0);
	xclose(dev);
	xclose(g);
	xclose(c);
	free(info);
}

/* ---- GET_DEVICE_FD's name: vfio-pci's match (BDF, then options) ---- */

static void test_device_names(void **state)
{
	static const char uuid[] = "bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3";
	char name[160];
	int c, g, dev;

	(void)state;
	c = container_open();
	g = group_open();
	assert_int_equal(set_container(g, c), 0);
	/* the BDF must match as a whole: shorter, or more without a space, is another device */
	snprintf(name, sizeof(name), "%.10s", bdf);
	assert_int_equal(get_device_fd(g, name), -ENODEV);
	snprintf(name, sizeof(name), "%sx", bdf);
	assert_int_equal(get_device_fd(g, name), -ENODEV);
	/* after a space come options: only vf_token=UUID, once */
	snprintf(name, sizeof(name), "%s foo", bdf);
	assert_int_equal(get_device_fd(g, name), -EINVAL);
	snprintf(name, sizeof(name), "%s vf_token=", bdf);
	assert_int_equal(get_device_fd(g, name), -EINVAL);
	snprintf(name, sizeof(name), "%s vf_token=bd8d9d2b-5a5f-4f5a-a211-f591514ba1fz", bdf);
	assert_int_equal(get_device_fd(g, name), -EINVAL);
	/* a valid token, but edu is neither an SR-IOV PF nor a VF */
	snprintf(name, sizeof(name), "%s vf_token=%s", bdf, uuid);
	assert_int_equal(get_device_fd(g, name), -EINVAL);
	snprintf(name, sizeof(name), "%s vf_token=%s vf_token=%s", bdf, uuid, uuid);
	assert_int_equal(get_device_fd(g, name), -EINVAL);
	/* spaces alone are no option */
	snprintf(name, sizeof(name), "%s   ", bdf);
	dev = get_device_fd(g, name);
	assert_true(dev >= 0);
	xclose(dev);
	xclose(g);
	xclose(c);
}

/* ---- a bound cdev keeps the group closed; the group's device fds outlive it ---- */

static void test_cdev_and_group(void **state)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	uint64_t bar0;
	int c, g, dev, cdev, ifd;

	(void)state;
	/* cdev bound: the group cannot be opened */
	ifd = xopen("/dev/iommu");
	assert_true(ifd >= 0);
	cdev = xopen(cdev_path);
	assert_true(cdev >= 0);
	assert_int_equal(open_err(group_path), 0); /* merely open: no block */
	bind.iommufd = ifd;
	assert_int_equal(xioctl(cdev, VFIO_DEVICE_BIND_IOMMUFD, (unsigned long)&bind), 0);
	assert_int_equal(open_err(group_path), EBUSY);
	xclose(cdev);
	g = group_open();

	/* the group's device fd works on after UNSET_CONTAINER and the group's close */
	c = container_open();
	assert_int_equal(set_container(g, c), 0);
	dev = get_device_fd(g, bdf);
	assert_true(dev >= 0);
	bar0 = region_offset(dev, VFIO_PCI_BAR0_REGION_INDEX, NULL);
	assert_int_equal(xioctl(g, VFIO_GROUP_UNSET_CONTAINER, 0), 0);
	/* DMA owned by the open device: not viable, no container */
	assert_int_equal(group_status(g), 0);
	assert_int_equal(get_device_fd(g, bdf), -EINVAL);
	assert_int_equal(rd32(dev, bar0) & 0xff, 0xed);
	xclose(g);
	xclose(c);
	assert_int_equal(rd32(dev, bar0) & 0xff, 0xed);
	/* the group opens again, still not viable while the device is open */
	g = group_open();
	assert_int_equal(group_status(g), 0);
	/* and the cdev cannot bind: the group is open */
	cdev = xopen(cdev_path);
	assert_true(cdev >= 0);
	assert_int_equal(xioctl(cdev, VFIO_DEVICE_BIND_IOMMUFD, (unsigned long)&bind), EBUSY);
	xclose(g);
	/* group closed, device still open through it: the cdev path cannot open it twice */
	assert_int_equal(xioctl(cdev, VFIO_DEVICE_BIND_IOMMUFD, (unsigned long)&bind), EINVAL);
	xclose(dev);
	/* all closed: viable again, and the cdev binds */
	assert_int_equal(xioctl(cdev, VFIO_DEVICE_BIND_IOMMUFD, (unsigned long)&bind), 0);
	xclose(cdev);
	g = group_open();
	assert_int_equal(group_status(g), VFIO_GROUP_FLAGS_VIABLE);
	xclose(g);
	xclose(ifd);
}

/*
 * The BDF and the IOMMU group of vfio-dev node @node from sysfs, as QEMU and
 * the kernel's VFIO selftests find them: 0, or -1.
 */
static int from_sysfs(const char *node, char *group, size_t group_len)
{
	const char *name = strrchr(node, '/');
	char path[PATH_MAX], link[PATH_MAX], *rp;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/vfio-dev/%s/device", name ? name + 1 : node);
	rp = realpath(path, NULL);
	if (!rp)
		return -1;
	snprintf(sysfs_bdf, sizeof(sysfs_bdf), "%s", strrchr(rp, '/') + 1);
	free(rp);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", sysfs_bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -1;
	link[n] = 0;
	name = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	if (strlen(name) >= group_len)
		return -1;
	memcpy(group, name, strlen(name) + 1);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_container_alone, teardown),
		cmocka_unit_test_teardown(test_group_file, teardown),
		cmocka_unit_test_teardown(test_legacy_flow, teardown),
		cmocka_unit_test_teardown(test_no_set_iommu_needed, teardown),
		cmocka_unit_test_teardown(test_type1_v1, teardown),
		cmocka_unit_test_teardown(test_iommufd_container, teardown),
		cmocka_unit_test_teardown(test_device_names, teardown),
		cmocka_unit_test_teardown(test_info_attached, teardown),
		cmocka_unit_test_teardown(test_vtd_attached, teardown),
		cmocka_unit_test_teardown(test_cdev_and_group, teardown),
		cmocka_unit_test_teardown(test_device_fd_emfile, teardown),
	};
	char group[16] = "";
	const char *s;

	if ((s = getenv("KT_VFIO_DEV")) && *s)
		cdev_path = s;
	if (!from_sysfs(cdev_path, group, sizeof(group)))
		bdf = sysfs_bdf;
	else
		fprintf(stderr, "vfio-legacy: no sysfs for %s: %s\n", cdev_path, strerror(errno));
	snprintf(group_path, sizeof(group_path), "/dev/vfio/%s",
		 (s = getenv("VFIO_LEGACY_GROUP")) && *s ? s : group);
	if ((s = getenv("VFIO_LEGACY_BDF")) && *s)
		bdf = s;
	if (!bdf || !group_path[sizeof("/dev/vfio/") - 1]) {
		fprintf(stderr, "vfio-legacy: set VFIO_LEGACY_BDF and VFIO_LEGACY_GROUP\n");
		return 1;
	}
	/* tests to skip (a known difference, see meson.build) */
	if ((s = getenv("VFIO_LEGACY_SKIP")) && *s)
		cmocka_set_skip_filter(s);
	return cmocka_run_group_tests_name("vfio-legacy", tests, NULL, NULL);
}
