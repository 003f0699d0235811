// SPDX-License-Identifier: MIT
/*
 * vfio-edu-smoke.c - end-to-end check of the iommufd + VFIO cdev path on a real kernel, with
 * QEMU's "edu" PCI device (1234:11e8) behind an emulated Intel VT-d.
 *
 * Runs inside the guest that tests/kernel/kernel-test.sh boots; KT_VFIO_DEV names the edu
 * device's /dev/vfio/devices/vfioN (exit 77 without it). It binds the device to an iommufd,
 * attaches it to an IOAS, maps two buffers and lets the device copy one into the other by DMA,
 * then unmaps the target and checks that the IOMMU blocks the device: its writes must not land
 * and its reads must not return the old data. Output is KTAP, one result per step.
 *
 * edu facts relied on: BAR0 register 0x00 is the ident (low byte 0xed), 0x04 inverts what is
 * written, 0x80/0x88/0x90/0x98 are DMA source/destination/count/command; its internal buffer
 * is at device address 0x40000; DMA addresses are cut to 28 bits, so IOVAs stay below 256 MiB;
 * QEMU 7.2 rejects a transfer that reaches the very end of the 4 KiB buffer, so transfers are
 * 2 KiB.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "iommufd-uapi.h"

#define EDU_IDENT 0x00
#define EDU_LIVENESS 0x04
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_CMD_START 0x1
#define EDU_CMD_TO_RAM 0x2
#define EDU_BUF_ADDR 0x40000ULL
#define XFER 2048U

#define PAGE 4096UL
#define IOVA_SRC 0x100000ULL
#define IOVA_DST 0x200000ULL
#define IOVA_OTHER 0x300000ULL

#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4

#define NUM_STEPS 14

static unsigned int step_no;
static unsigned int failures;

static void result(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u ", ok ? "ok" : "not ok", ++step_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failures++;
}

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Report the steps that cannot run any more after a fatal failure, then leave. */
static int bail_out(void)
{
	while (step_no < NUM_STEPS)
		result(0, "not reached # a previous step failed");
	return 1;
}

struct edu {
	int dev_fd;
	volatile uint8_t *bar;
	uint64_t cfg_off;
};

static uint32_t rd32(struct edu *e, unsigned int reg)
{
	return *(volatile uint32_t *)(e->bar + reg);
}

static void wr32(struct edu *e, unsigned int reg, uint32_t val)
{
	*(volatile uint32_t *)(e->bar + reg) = val;
}

static void wr64(struct edu *e, unsigned int reg, uint64_t val)
{
	*(volatile uint64_t *)(e->bar + reg) = val;
}

/*
 * One edu DMA transfer; returns 0 when the device reports it done. A transfer blocked by the
 * IOMMU still completes from the device's point of view: the IOMMU drops the access.
 */
static int edu_dma(struct edu *e, uint64_t src, uint64_t dst, uint32_t len, int to_ram)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	wr64(e, EDU_DMA_SRC, src);
	wr64(e, EDU_DMA_DST, dst);
	wr64(e, EDU_DMA_COUNT, len);
	wr64(e, EDU_DMA_CMD, EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	/* edu finishes a transfer 100 ms (virtual time) after it starts */
	for (i = 0; i < 500; i++) {
		if (!(rd32(e, EDU_DMA_CMD) & EDU_CMD_START))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

static int ioas_map(int iommufd, uint32_t ioas, void *buf, uint64_t iova)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = PAGE,
		.iova = iova,
	};

	return ioctl(iommufd, IOMMU_IOAS_MAP, &map) ? -errno : 0;
}

static int ioas_unmap(int iommufd, uint32_t ioas, uint64_t iova, uint64_t *done)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = ioas,
		.iova = iova,
		.length = PAGE,
	};

	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap))
		return -errno;
	if (done)
		*done = unmap.length;
	return 0;
}

static int region_info(int dev_fd, uint32_t index, struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	return ioctl(dev_fd, VFIO_DEVICE_GET_REGION_INFO, ri) ? -errno : 0;
}

static void *page_buf(int fill)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, fill, PAGE);
	return p;
}

static int all_bytes(const uint8_t *p, size_t len, uint8_t v)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

int main(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct vfio_device_detach_iommufd_pt detach = { .argsz = sizeof(detach) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	struct vfio_region_info bar0, cfg;
	const char *path = getenv("KT_VFIO_DEV");
	uint8_t *src, *dst, *other;
	struct edu e = { .dev_fd = -1 };
	uint64_t unmapped = 0;
	uint32_t ident, live;
	uint16_t command;
	int iommufd, ret, ok;

	if (!path || !*path) {
		printf("1..0 # SKIP KT_VFIO_DEV is not set: no edu device on vfio-pci\n");
		return 77;
	}
	printf("1..%d\n", NUM_STEPS);

	src = page_buf(0xa5);
	dst = page_buf(0x00);
	other = page_buf(0x00);
	if (!src || !dst || !other) {
		diag("mmap: %s", strerror(errno));
		return bail_out();
	}
	for (unsigned int i = 0; i < XFER; i++)
		src[i] = (uint8_t)(i * 7 + 3);

	/* 1: iommufd and an IOAS */
	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ret = iommufd < 0 ? -errno : 0;
	if (!ret && ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc))
		ret = -errno;
	result(!ret, "open /dev/iommu and allocate an IOAS (id %u)", alloc.out_ioas_id);
	if (ret) {
		diag("%s", strerror(-ret));
		return bail_out();
	}

	/* 2: bind the device cdev to the iommufd and attach it to the IOAS */
	e.dev_fd = open(path, O_RDWR | O_CLOEXEC);
	ret = e.dev_fd < 0 ? -errno : 0;
	bind.iommufd = iommufd;
	if (!ret && ioctl(e.dev_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		ret = -errno;
	attach.pt_id = alloc.out_ioas_id;
	if (!ret && ioctl(e.dev_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		ret = -errno;
	result(!ret, "bind %s (device id %u) and attach it to the IOAS (hwpt %u)", path,
	       bind.out_devid, attach.pt_id);
	if (ret) {
		diag("%s", strerror(-ret));
		return bail_out();
	}

	/* 3: the IOMMU behind the device is VT-d */
	{
		struct iommu_hw_info_vtd vtd;
		struct iommu_hw_info info = {
			.size = sizeof(info),
			.dev_id = bind.out_devid,
			.data_len = sizeof(vtd),
			.data_uptr = (uintptr_t)&vtd,
		};

		memset(&vtd, 0, sizeof(vtd));
		ret = ioctl(iommufd, IOMMU_GET_HW_INFO, &info) ? -errno : 0;
		result(!ret && info.out_data_type == IOMMU_HW_INFO_TYPE_INTEL_VTD,
		       "GET_HW_INFO reports an Intel VT-d (type %u, cap_reg %#llx)",
		       info.out_data_type, (unsigned long long)vtd.cap_reg);
	}

	/* 4: map the source and the destination page */
	ret = ioas_map(iommufd, alloc.out_ioas_id, src, IOVA_SRC);
	if (!ret)
		ret = ioas_map(iommufd, alloc.out_ioas_id, dst, IOVA_DST);
	result(!ret, "map a source page at IOVA %#llx and a destination at %#llx",
	       IOVA_SRC, IOVA_DST);
	if (ret) {
		diag("IOAS_MAP: %s", strerror(-ret));
		return bail_out();
	}

	/* 5: BAR0 through the device fd: edu answers */
	ret = region_info(e.dev_fd, VFIO_PCI_BAR0_REGION_INDEX, &bar0);
	if (!ret)
		ret = region_info(e.dev_fd, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	if (!ret && !(bar0.flags & VFIO_REGION_INFO_FLAG_MMAP))
		ret = -EOPNOTSUPP;
	if (!ret) {
		void *p = mmap(NULL, bar0.size, PROT_READ | PROT_WRITE, MAP_SHARED, e.dev_fd,
			       (off_t)bar0.offset);

		if (p == MAP_FAILED)
			ret = -errno;
		else
			e.bar = p;
	}
	ident = live = 0;
	if (!ret) {
		ident = rd32(&e, EDU_IDENT);
		wr32(&e, EDU_LIVENESS, 0x12345678);
		live = rd32(&e, EDU_LIVENESS);
	}
	result(!ret && (ident & 0xff) == 0xed && live == ~0x12345678U,
	       "mmap BAR0 (%#llx bytes): ident %#x, liveness %#x", ret ? 0ULL :
	       (unsigned long long)bar0.size, ident, live);
	if (ret || (ident & 0xff) != 0xed) {
		diag("BAR0: %s", ret ? strerror(-ret) : "not an edu device");
		return bail_out();
	}

	/* 6: bus master on, through the config space region */
	e.cfg_off = cfg.offset;
	ret = pread(e.dev_fd, &command, sizeof(command), (off_t)(cfg.offset + PCI_COMMAND)) ==
	      sizeof(command) ? 0 : -EIO;
	command |= PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;
	if (!ret && pwrite(e.dev_fd, &command, sizeof(command),
			   (off_t)(cfg.offset + PCI_COMMAND)) != sizeof(command))
		ret = -EIO;
	command = 0;
	if (!ret && pread(e.dev_fd, &command, sizeof(command),
			  (off_t)(cfg.offset + PCI_COMMAND)) != sizeof(command))
		ret = -EIO;
	result(!ret && (command & PCI_COMMAND_MASTER), "enable bus mastering (command %#x)",
	       command);

	/* 7: DMA source page -> edu -> destination page through the IOMMU */
	ret = edu_dma(&e, IOVA_SRC, EDU_BUF_ADDR, XFER, 0);
	if (!ret)
		ret = edu_dma(&e, EDU_BUF_ADDR, IOVA_DST, XFER, 1);
	ok = !ret && !memcmp(src, dst, XFER) && all_bytes(dst + XFER, PAGE - XFER, 0);
	result(ok, "DMA through the IOMMU copies %u bytes from IOVA %#llx to %#llx", XFER,
	       IOVA_SRC, IOVA_DST);

	/* 8: unmap the destination */
	ret = ioas_unmap(iommufd, alloc.out_ioas_id, IOVA_DST, &unmapped);
	result(!ret && unmapped == PAGE, "unmap IOVA %#llx (%llu bytes)", IOVA_DST,
	       (unsigned long long)unmapped);

	/* 9: a second unmap of the same range finds nothing */
	ret = ioas_unmap(iommufd, alloc.out_ioas_id, IOVA_DST, NULL);
	result(ret == -ENOENT, "unmapping it again fails with ENOENT (got %s)",
	       ret ? strerror(-ret) : "success");

	/* 10: device writes to the unmapped IOVA are blocked */
	memset(dst, 0x5a, PAGE);
	ret = edu_dma(&e, EDU_BUF_ADDR, IOVA_DST, XFER, 1);
	result(!ret && all_bytes(dst, PAGE, 0x5a),
	       "DMA write to the unmapped IOVA leaves the old page untouched");

	/*
	 * 11: device reads of the unmapped IOVA do not see the page: whatever edu's buffer holds
	 * afterwards (old data or zeroes), it is not the 0x5a pattern of the unmapped page.
	 */
	ret = edu_dma(&e, IOVA_DST, EDU_BUF_ADDR, XFER, 0);
	if (!ret)
		ret = ioas_map(iommufd, alloc.out_ioas_id, other, IOVA_OTHER);
	if (!ret)
		ret = edu_dma(&e, EDU_BUF_ADDR, IOVA_OTHER, XFER, 1);
	result(!ret && !all_bytes(other, XFER, 0x5a),
	       "DMA read of the unmapped IOVA does not return the page's data");

	/* 12: a new mapping at the old IOVA works again */
	memset(dst, 0, PAGE);
	ret = ioas_map(iommufd, alloc.out_ioas_id, dst, IOVA_DST);
	if (!ret)
		ret = edu_dma(&e, IOVA_SRC, EDU_BUF_ADDR, XFER, 0);
	if (!ret)
		ret = edu_dma(&e, EDU_BUF_ADDR, IOVA_DST, XFER, 1);
	result(!ret && !memcmp(src, dst, XFER), "after remapping IOVA %#llx, DMA reaches it again",
	       IOVA_DST);

	/* 13: the IOAS cannot go while the device is attached */
	destroy.id = alloc.out_ioas_id;
	ret = ioctl(iommufd, IOMMU_DESTROY, &destroy) ? -errno : 0;
	result(ret == -EBUSY, "destroying the attached IOAS fails with EBUSY (got %s)",
	       ret ? strerror(-ret) : "success");

	/* 14: detach, then the IOAS can be destroyed */
	ret = ioctl(e.dev_fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach) ? -errno : 0;
	if (!ret && ioctl(iommufd, IOMMU_DESTROY, &destroy))
		ret = -errno;
	result(!ret, "detach the device and destroy the IOAS");

	munmap((void *)e.bar, bar0.size);
	close(e.dev_fd);
	close(iommufd);
	printf("# %u of %u steps failed\n", failures, NUM_STEPS);
	return failures ? 1 : 0;
}
