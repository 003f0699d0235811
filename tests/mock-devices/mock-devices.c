// SPDX-License-Identifier: MIT
/*
 * mock-devices.c - kmod-mock's VFIO PCI devices seen through raw ioctls and
 * pread/pwrite, as a VMM sees them: bind, attach, GET_HW_INFO, region access,
 * the edu DMA engine translated by the IOMMU (both directions checked byte
 * for byte, Bus Master, faults after unmap and on read-only mappings, dirty
 * bits, VT-d nested stage 1), SMMUv3 and AMD vIOMMUs (guest STE checks,
 * vSMMU invalidation) and the errnos of every VFIO device ioctl path.
 *
 * The machine comes from IOMMUFD_MOCK_DEVICES (see meson.build); argv[1]
 * names the group of tests that fits it: default, two, selftest, viommu or none.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "iommufd-mock.h"
#include "iommufd-uapi.h"
#include "iommufd_test.h"

#define EDU_BUF 0x40000ULL
#define IOVA_A 0x100000ULL
#define IOVA_B 0x200000ULL
#define IOVA_T 0x300000ULL /* VT-d stage-1 tables */
#define PG 4096UL

struct machine {
	int iommufd;
	int dev;
	uint32_t ioas_id;
	uint32_t dev_id;
	uint32_t hwpt_id;
	uint64_t bar0;
	uint64_t cfg;
	uint8_t *a, *b;
};

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static uint32_t ioas_alloc(int fd)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	assert_int_equal(xioctl(fd, IOMMU_IOAS_ALLOC, &cmd), 0);
	return cmd.out_ioas_id;
}

static int ioas_map(struct machine *m, void *buf, size_t len, uint64_t iova, uint32_t flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags | IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = m->ioas_id,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	return xioctl(m->iommufd, IOMMU_IOAS_MAP, &cmd);
}

static int ioas_unmap(struct machine *m, uint64_t iova, uint64_t len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd), .ioas_id = m->ioas_id, .iova = iova, .length = len
	};

	return xioctl(m->iommufd, IOMMU_IOAS_UNMAP, &cmd);
}

static int destroy(int fd, uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return xioctl(fd, IOMMU_DESTROY, &cmd);
}

static int dev_open(unsigned int n)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%u", n);
	return open(path, O_RDWR | O_CLOEXEC);
}

static int bind_dev(int dev, int iommufd, uint32_t *dev_id)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = iommufd };
	int rc = xioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind);

	if (!rc && dev_id)
		*dev_id = bind.out_devid;
	return rc;
}

static int attach_pt(int dev, uint32_t *pt_id)
{
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = *pt_id };
	int rc = xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);

	if (!rc)
		*pt_id = at.pt_id;
	return rc;
}

static uint64_t region_offset(int dev, uint32_t index, uint64_t *size)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };

	assert_int_equal(xioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri), 0);
	if (size)
		*size = ri.size;
	return ri.offset;
}

static uint32_t rd32(struct machine *m, uint64_t reg)
{
	uint32_t v = 0;

	assert_int_equal(pread(m->dev, &v, 4, (off_t)(m->bar0 + reg)), 4);
	return v;
}

static void wr32(struct machine *m, uint64_t reg, uint32_t v)
{
	assert_int_equal(pwrite(m->dev, &v, 4, (off_t)(m->bar0 + reg)), 4);
}

static uint64_t rd64(struct machine *m, uint64_t reg)
{
	uint64_t v = 0;

	assert_int_equal(pread(m->dev, &v, 8, (off_t)(m->bar0 + reg)), 8);
	return v;
}

static void wr64(struct machine *m, uint64_t reg, uint64_t v)
{
	assert_int_equal(pwrite(m->dev, &v, 8, (off_t)(m->bar0 + reg)), 8);
}

static void bus_master(struct machine *m, bool on)
{
	uint16_t cmd;

	assert_int_equal(pread(m->dev, &cmd, 2, (off_t)(m->cfg + 4)), 2);
	cmd = on ? (uint16_t)(cmd | 0x4) : (uint16_t)(cmd & ~0x4);
	assert_int_equal(pwrite(m->dev, &cmd, 2, (off_t)(m->cfg + 4)), 2);
}

/* One edu transfer; it has finished once the command register's RUN bit is clear. */
static void edu_dma(struct machine *m, uint64_t src, uint64_t dst, uint64_t cnt, bool to_ram)
{
	wr64(m, 0x80, src);
	wr64(m, 0x88, dst);
	wr64(m, 0x90, cnt);
	wr64(m, 0x98, 0x1 | (to_ram ? 0x2 : 0));
	assert_int_equal(rd64(m, 0x98) & 0x1, 0);
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed * 13 + (i >> 8));
}

/* Open /dev/iommu and device @n, bind, attach to a new IOAS, map A and B (read/write). */
static void machine_up(struct machine *m, unsigned int n)
{
	const uint32_t rw = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;

	memset(m, 0, sizeof(*m));
	m->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	assert_true(m->iommufd >= 0);
	m->ioas_id = ioas_alloc(m->iommufd);
	m->dev = dev_open(n);
	assert_true(m->dev >= 0);
	assert_int_equal(bind_dev(m->dev, m->iommufd, &m->dev_id), 0);
	m->hwpt_id = m->ioas_id;
	assert_int_equal(attach_pt(m->dev, &m->hwpt_id), 0);
	assert_int_not_equal(m->hwpt_id, m->ioas_id);
	m->bar0 = region_offset(m->dev, VFIO_PCI_BAR0_REGION_INDEX, NULL);
	m->cfg = region_offset(m->dev, VFIO_PCI_CONFIG_REGION_INDEX, NULL);
	m->a = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m->b = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m->a != MAP_FAILED && m->b != MAP_FAILED);
	assert_int_equal(ioas_map(m, m->a, PG, IOVA_A, rw), 0);
	assert_int_equal(ioas_map(m, m->b, PG, IOVA_B, rw), 0);
}

static void machine_down(struct machine *m)
{
	munmap(m->a, PG);
	munmap(m->b, PG);
	close(m->dev);
	close(m->iommufd);
}

/* ---------------- default machine: edu behind VT-d ---------------- */

static void test_default_hw_info(void **state)
{
	struct iommu_hw_info_vtd vtd;
	struct iommu_hw_info info = {
		.size = sizeof(info), .data_len = sizeof(vtd), .data_uptr = (uintptr_t)&vtd
	};
	struct iommu_iova_range r[4];
	struct iommu_ioas_iova_ranges ranges = {
		.size = sizeof(ranges), .num_iovas = 4, .allowed_iovas = (uintptr_t)r
	};
	struct iommu_ioas_map map = { .size = sizeof(map) };
	struct iommu_hwpt_alloc ha = { .size = sizeof(ha) };
	struct iommu_hwpt_set_dirty_tracking sd = { .size = sizeof(sd) };
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC), dev;
	uint32_t ioas, dev_id = 0, pt;
	void *buf;

	(void)state;
	assert_true(fd >= 0);
	ioas = ioas_alloc(fd);
	dev = dev_open(0);
	assert_true(dev >= 0);
	assert_int_equal(bind_dev(dev, fd, &dev_id), 0);

	info.dev_id = dev_id;
	assert_int_equal(xioctl(fd, IOMMU_GET_HW_INFO, &info), 0);
	assert_int_equal(info.out_data_type, IOMMU_HW_INFO_TYPE_INTEL_VTD);
	assert_int_equal(info.data_len, 24);
	/* Linux 7.3 reports that edu, which has no ATS capability, cannot use ATS */
	assert_int_equal(info.out_capabilities, IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	assert_int_equal(info.out_max_pasid_log2, 0);
	assert_int_equal(vtd.flags, 1);
	assert_int_equal(vtd.cap_reg, 0xd2008c22260206ULL);
	assert_int_equal(vtd.ecap_reg, 0xf00f4aULL);

	/* before an attach the IOAS spans everything */
	ranges.ioas_id = ioas;
	assert_int_equal(xioctl(fd, IOMMU_IOAS_IOVA_RANGES, &ranges), 0);
	assert_int_equal(ranges.num_iovas, 1);

	pt = ioas;
	assert_int_equal(attach_pt(dev, &pt), 0);
	ranges.num_iovas = 0;
	assert_int_equal(xioctl(fd, IOMMU_IOAS_IOVA_RANGES, &ranges), EMSGSIZE);
	assert_int_equal(ranges.num_iovas, 2);
	ranges.num_iovas = 4;
	assert_int_equal(xioctl(fd, IOMMU_IOAS_IOVA_RANGES, &ranges), 0);
	assert_int_equal(ranges.num_iovas, 2);
	assert_int_equal(ranges.out_iova_alignment, 0x1000);
	assert_int_equal(r[0].start, 0);
	assert_int_equal(r[0].last, 0xfedfffffULL);
	assert_int_equal(r[1].start, 0xfef00000ULL);
	assert_int_equal(r[1].last, 0x7fffffffffULL);

	buf = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	map.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = ioas;
	map.user_va = (uintptr_t)buf;
	map.length = PG;
	assert_int_equal(xioctl(fd, IOMMU_IOAS_MAP, &map), 0);
	assert_int_equal(map.iova, 0x1000);
	/* the MSI window is reserved */
	map.flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
	map.iova = 0xfee00000ULL;
	assert_int_equal(xioctl(fd, IOMMU_IOAS_MAP, &map), EINVAL);

	ha.dev_id = dev_id;
	ha.pt_id = ioas;
	ha.flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	assert_int_equal(xioctl(fd, IOMMU_HWPT_ALLOC, &ha), EOPNOTSUPP);
	ha.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	assert_int_equal(xioctl(fd, IOMMU_HWPT_ALLOC, &ha), EOPNOTSUPP);
	ha.flags = 0;
	assert_int_equal(xioctl(fd, IOMMU_HWPT_ALLOC, &ha), 0);
	sd.hwpt_id = ha.out_hwpt_id;
	sd.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	assert_int_equal(xioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &sd), EOPNOTSUPP);

	/* replace the automatic domain by the explicit one: the auto one goes */
	pt = ha.out_hwpt_id;
	assert_int_equal(attach_pt(dev, &pt), 0);
	assert_int_equal(pt, ha.out_hwpt_id);
	assert_int_equal(destroy(fd, ha.out_hwpt_id), EBUSY);
	munmap(buf, PG);
	close(dev);
	/* the close unbound the device: the HWPT and IOAS are free again */
	assert_int_equal(destroy(fd, dev_id), ENOENT);
	assert_int_equal(destroy(fd, ha.out_hwpt_id), 0);
	close(fd);
}

static void test_vfio_errnos(void **state)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct vfio_device_detach_iommufd_pt de = { .argsz = sizeof(de) };
	struct vfio_device_info di = { .argsz = sizeof(di) };
	struct vfio_region_info ri = { .argsz = sizeof(ri) };
	unsigned char uuid[16] = { 1 };
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC), dev, dev2;
	uint32_t ioas, dev_id, v;

	(void)state;
	assert_true(fd >= 0);
	ioas = ioas_alloc(fd);
	dev = dev_open(0);
	assert_true(dev >= 0);
	assert_int_equal(dev_open(99), -1);
	assert_int_equal(errno, ENOENT);

	/* nothing but BIND before a bind */
	assert_int_equal(xioctl(dev, VFIO_DEVICE_GET_INFO, &di), EINVAL);
	assert_int_equal(xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), EINVAL);
	assert_int_equal(pread(dev, &v, 4, 0), -1);
	assert_int_equal(errno, EINVAL);

	bind.iommufd = fd;
	bind.argsz = offsetof(struct vfio_device_bind_iommufd, out_devid);
	assert_int_equal(xioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EINVAL);
	bind.argsz = sizeof(bind);
	bind.flags = 2;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EINVAL);
	bind.flags = 0;
	bind.iommufd = -1;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EINVAL);
	bind.iommufd = 999;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EBADF);
	bind.iommufd = fd;
	bind.flags = VFIO_DEVICE_BIND_FLAG_TOKEN;
	bind.token_uuid_ptr = 8;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EFAULT);
	bind.token_uuid_ptr = (uintptr_t)uuid;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EINVAL);
	bind.flags = 0;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, NULL), EFAULT);
	{
		/* fget() skips O_PATH files, also one of an iommufd: EBADF */
		char path[64];
		int opath;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		opath = open(path, O_PATH | O_CLOEXEC);
		assert_true(opath >= 0);
		bind.iommufd = opath;
		assert_int_equal(xioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EBADF);
		close(opath);
		bind.iommufd = fd;
	}
	assert_int_equal(xioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), 0);
	dev_id = bind.out_devid;
	assert_int_not_equal(dev_id, 0);
	assert_int_equal(xioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EINVAL);
	/* a second open cannot bind while the first is bound */
	dev2 = dev_open(0);
	assert_true(dev2 >= 0);
	assert_int_equal(bind_dev(dev2, fd, NULL), EINVAL);
	/* a bound device cannot be destroyed through iommufd */
	assert_int_equal(destroy(fd, dev_id), EBUSY);

	assert_int_equal(xioctl(dev, VFIO_DEVICE_GET_INFO, &di), 0);
	assert_int_equal(di.flags, VFIO_DEVICE_FLAGS_PCI);
	assert_int_equal(di.num_regions, 9);
	assert_int_equal(di.num_irqs, 5);
	di.argsz = 8;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_GET_INFO, &di), EINVAL);
	assert_int_equal(xioctl(dev, VFIO_DEVICE_GET_INFO, NULL), EFAULT);
	ri.index = VFIO_PCI_VGA_REGION_INDEX;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri), EINVAL);
	ri.index = 9;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri), EINVAL);
	ri.index = VFIO_PCI_BAR1_REGION_INDEX;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri), 0);
	assert_int_equal(ri.size, 0);
	ri.index = VFIO_PCI_BAR0_REGION_INDEX;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri), 0);
	assert_int_equal(ri.size, 0x100000);
	assert_int_equal(ri.offset, 0);
	assert_int_equal(ri.flags, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
					   VFIO_REGION_INFO_FLAG_MMAP);
	ri.argsz = 16;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri), EINVAL);
	/* QEMU's edu has no FLR and sits on the root bus: no reset */
	assert_int_equal(xioctl(dev, VFIO_DEVICE_RESET, NULL), EINVAL);
	assert_int_equal(xioctl(dev, _IO(VFIO_TYPE, VFIO_BASE + 60), NULL), ENOTTY);
	/* region ends and regions that do not exist */
	assert_int_equal(pread(dev, &v, 4, (off_t)(7ULL << 40) + 256), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(pread(dev, &v, 4, (off_t)(1ULL << 40)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(pread(dev, &v, 4, 0x100000), -1);
	assert_int_equal(errno, EINVAL);

	at.argsz = 8;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), EINVAL);
	at.argsz = sizeof(at);
	at.flags = 2;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), EINVAL);
	at.flags = VFIO_DEVICE_ATTACH_PASID;
	at.argsz = 12;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), EINVAL);
	at.argsz = sizeof(at);
	at.pt_id = ioas;
	at.pasid = 5;
	/* the edu device has no PASID */
	assert_int_equal(xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), EINVAL);
	at.flags = 0;
	at.pt_id = 12345;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), ENOENT);
	at.pt_id = dev_id;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), EINVAL);
	at.pt_id = ioas;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
	/* re-attach = replace, the same automatic domain */
	v = at.pt_id;
	at.pt_id = ioas;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
	assert_int_equal(at.pt_id, v);
	assert_int_equal(destroy(fd, ioas), EBUSY);

	de.argsz = 4;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &de), EINVAL);
	de.argsz = sizeof(de);
	de.flags = 4;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &de), EINVAL);
	de.flags = VFIO_DEVICE_DETACH_PASID;
	de.argsz = 8;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &de), EINVAL);
	de.flags = 0;
	de.argsz = sizeof(de);
	assert_int_equal(xioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &de), 0);
	/* the automatic domain died with its last device */
	assert_int_equal(destroy(fd, v), ENOENT);
	assert_int_equal(xioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &de), 0);

	/* closing the iommufd first: the bound device keeps the context alive */
	close(fd);
	assert_int_equal(xioctl(dev, VFIO_DEVICE_GET_INFO, &di), EINVAL); /* argsz 8 still */
	di.argsz = sizeof(di);
	assert_int_equal(xioctl(dev, VFIO_DEVICE_GET_INFO, &di), 0);
	close(dev);
	/* now the second open may bind */
	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	assert_int_equal(bind_dev(dev2, fd, NULL), 0);
	close(dev2);
	close(fd);
}

static void test_config_and_registers(void **state)
{
	struct machine m;
	uint32_t id, bar, v;
	uint16_t cmd;

	(void)state;
	machine_up(&m, 0);
	assert_int_equal(pread(m.dev, &id, 4, (off_t)m.cfg), 4);
	assert_int_equal(id, 0x11e81234);
	assert_int_equal(pread(m.dev, &cmd, 2, (off_t)(m.cfg + 4)), 2);
	assert_int_equal(cmd & 0x4, 0); /* Bus Master off after open */
	assert_int_equal(pread(m.dev, &bar, 4, (off_t)(m.cfg + 0x10)), 4);
	v = 0xffffffff;
	assert_int_equal(pwrite(m.dev, &v, 4, (off_t)(m.cfg + 0x10)), 4);
	assert_int_equal(pread(m.dev, &v, 4, (off_t)(m.cfg + 0x10)), 4);
	assert_int_equal(v, 0xfff00000); /* 1 MiB BAR */
	assert_int_equal(pwrite(m.dev, &bar, 4, (off_t)(m.cfg + 0x10)), 4);
	/* the vendor id is read-only */
	v = 0;
	assert_int_equal(pwrite(m.dev, &v, 2, (off_t)m.cfg), 2);
	assert_int_equal(pread(m.dev, &id, 4, (off_t)m.cfg), 4);
	assert_int_equal(id, 0x11e81234);

	assert_int_equal(rd32(&m, 0x00), 0x010000ed);
	wr32(&m, 0x04, 0x12345678);
	assert_int_equal(rd32(&m, 0x04), ~0x12345678u);
	wr32(&m, 0x08, 5);
	assert_int_equal(rd32(&m, 0x20) & 1, 0);
	assert_int_equal(rd32(&m, 0x08), 120);
	/* edu only takes 4-byte accesses below 0x80 */
	assert_int_equal(pread(m.dev, &cmd, 2, (off_t)m.bar0), 2);
	assert_int_equal(cmd, 0xffff);
	/* the DMA buffer is not MMIO */
	assert_int_equal(rd32(&m, EDU_BUF), 0xffffffff);
	machine_down(&m);
}

static void test_dma_roundtrip(void **state)
{
	struct machine m;
	int i;

	(void)state;
	machine_up(&m, 0);
	bus_master(&m, true);
	for (i = 0; i < 3; i++) {
		fill(m.a, PG, (unsigned int)i);
		memset(m.b, 0, PG);
		/* in two halves, as the 6.12 VM test does, then all at once */
		if (i < 2) {
			edu_dma(&m, IOVA_A, EDU_BUF, 2048, false);
			edu_dma(&m, EDU_BUF, IOVA_B, 2048, true);
			edu_dma(&m, IOVA_A + 2048, EDU_BUF + 2048, 2048, false);
			edu_dma(&m, EDU_BUF + 2048, IOVA_B + 2048, 2048, true);
		} else {
			edu_dma(&m, IOVA_A, EDU_BUF, PG, false);
			edu_dma(&m, EDU_BUF, IOVA_B, PG, true);
		}
		assert_memory_equal(m.a, m.b, PG);
	}
	/* unaligned transfer across the A/B boundary is two IO pages */
	memset(m.b, 0xee, PG);
	edu_dma(&m, EDU_BUF + 100, IOVA_B + 4000, 50, true);
	for (i = 0; i < 50; i++)
		assert_int_equal(m.b[4000 + i], m.a[100 + i]);
	assert_int_equal(m.b[3999], 0xee);
	/* the DMA address is clamped to 28 bits like QEMU's edu */
	memset(m.b, 0, PG);
	edu_dma(&m, EDU_BUF, (1ULL << 28) | IOVA_B, 64, true);
	assert_memory_equal(m.a, m.b, 64);
	machine_down(&m);
}

static void test_dma_blocked(void **state)
{
	struct machine m;
	uint8_t copy[PG];

	(void)state;
	machine_up(&m, 0);
	fill(m.a, PG, 3);
	bus_master(&m, true);
	edu_dma(&m, IOVA_A, EDU_BUF, PG, false);

	/* Bus Master off: nothing reaches memory */
	bus_master(&m, false);
	memset(m.b, 0x5a, PG);
	edu_dma(&m, EDU_BUF, IOVA_B, PG, true);
	memcpy(copy, m.b, PG);
	for (size_t i = 0; i < PG; i++)
		assert_int_equal(copy[i], 0x5a);

	/* after unmap the device faults and memory stays as it was */
	bus_master(&m, true);
	assert_int_equal(ioas_unmap(&m, IOVA_B, PG), 0);
	edu_dma(&m, EDU_BUF, IOVA_B, PG, true);
	for (size_t i = 0; i < PG; i++)
		assert_int_equal(m.b[i], 0x5a);
	/* a transfer partly on a mapped page faults as a whole */
	memset(m.a, 0x11, PG);
	edu_dma(&m, EDU_BUF, IOVA_A + PG - 16, 32, true);
	for (size_t i = 0; i < PG; i++)
		assert_int_equal(m.a[i], 0x11);

	/* a read-only mapping: the device may read but not write it */
	assert_int_equal(ioas_map(&m, m.b, PG, IOVA_B, IOMMU_IOAS_MAP_READABLE), 0);
	edu_dma(&m, EDU_BUF, IOVA_B, PG, true);
	for (size_t i = 0; i < PG; i++)
		assert_int_equal(m.b[i], 0x5a);
	fill(m.b, PG, 9);
	edu_dma(&m, IOVA_B, EDU_BUF, PG, false);
	edu_dma(&m, EDU_BUF, IOVA_A, PG, true);
	assert_memory_equal(m.a, m.b, PG);

	/* detached: the IOMMU blocks the device */
	{
		struct vfio_device_detach_iommufd_pt de = { .argsz = sizeof(de) };

		memset(m.a, 0x22, PG);
		assert_int_equal(xioctl(m.dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &de), 0);
		edu_dma(&m, EDU_BUF, IOVA_A, PG, true);
		for (size_t i = 0; i < PG; i++)
			assert_int_equal(m.a[i], 0x22);
	}
	machine_down(&m);
}

/*
 * ---- exec (issue 13 E) ----
 *
 * A process maps private memory A and a shared memfd page S, attaches edu,
 * then execs itself keeping the iommufd, the device and the memfd. In the
 * kernel the pins hold the old image's pages: A is gone with the old mm (the
 * mock: DMA to it fails), S lives on in its file, and the new image is
 * untouched, with VmPin 0 (VmPin belongs to the mm). The new image checks that
 * and reports by exit status; without cmocka, as it runs outside the runner.
 */
#define EXEC_IMAGE "exec-image"
#define EXEC_SKIP 77 /* the new image has something else at A's address */

/* Without asserts: the plain checks of the new image and of the child before exec. */
#define CHECK(cond, code)                                                                  \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "exec test: %s failed (%d)\n", #cond, code);      \
			return code;                                                       \
		}                                                                          \
	} while (0)

static int plain_dma(int dev, uint64_t bar0, uint64_t src, uint64_t dst, uint64_t cnt,
		     bool to_ram)
{
	uint64_t regs[4] = { src, dst, cnt, 0x1 | (to_ram ? 0x2 : 0) }, cmd = 1;

	for (int i = 0; i < 4; i++)
		if (pwrite(dev, &regs[i], 8, (off_t)(bar0 + 0x80 + 8 * i)) != 8)
			return -1;
	if (pread(dev, &cmd, 8, (off_t)(bar0 + 0x98)) != 8 || (cmd & 1))
		return -1;
	return 0;
}

/* VmPin of this process in kB (the shim adds what the daemon pinned for it). */
static long vm_pin_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* The new image: argv = [prog, EXEC_IMAGE, dev, memfd, A, bar0]. */
static int exec_image_main(char **argv)
{
	int dev = atoi(argv[2]), mfd = atoi(argv[3]);
	uint8_t *a = (uint8_t *)(uintptr_t)strtoull(argv[4], NULL, 0);
	uint64_t bar0 = strtoull(argv[5], NULL, 0);
	uint8_t page[PG], want[PG];
	uint8_t *mine;

	/* the old image's pins are not this image's */
	CHECK(vm_pin_kb() == 0, 10);
	mine = mmap(a, PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (mine != a)
		return EXEC_SKIP;
	memset(mine, 0x5a, PG);

	/* S still reaches the device through its file: read it into edu's buffer */
	fill(want, PG, 4);
	CHECK(pwrite(mfd, want, PG, 0) == (ssize_t)PG, 11);
	CHECK(plain_dma(dev, bar0, IOVA_B, EDU_BUF, PG, false) == 0, 12);
	/* a write through A's IOVA must not land in this image */
	CHECK(plain_dma(dev, bar0, EDU_BUF, IOVA_A, PG, true) == 0, 13);
	for (size_t i = 0; i < PG; i++)
		CHECK(mine[i] == 0x5a, 14);
	/* nor may a read through it fetch this image's memory */
	CHECK(plain_dma(dev, bar0, IOVA_A, EDU_BUF, PG, false) == 0, 15);
	memset(page, 0, PG);
	CHECK(pwrite(mfd, page, PG, 0) == (ssize_t)PG, 16);
	CHECK(plain_dma(dev, bar0, EDU_BUF, IOVA_B, PG, true) == 0, 17);
	CHECK(pread(mfd, page, PG, 0) == (ssize_t)PG, 18);
	CHECK(memcmp(page, want, PG) == 0, 19);
	CHECK(vm_pin_kb() == 0, 20);
	return 0;
}

/* The old image: set up, then exec the new one. Returns only on failure. */
static int exec_old_image(const char *self)
{
	const uint32_t rw = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	char sdev[16], smfd[16], sa[32], sbar[32];
	struct machine m;
	uint16_t cmd;
	int mfd;

	memset(&m, 0, sizeof(m));
	m.iommufd = open("/dev/iommu", O_RDWR);
	CHECK(m.iommufd >= 0, 30);
	{
		struct iommu_ioas_alloc al = { .size = sizeof(al) };

		CHECK(xioctl(m.iommufd, IOMMU_IOAS_ALLOC, &al) == 0, 31);
		m.ioas_id = al.out_ioas_id;
	}
	m.dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	CHECK(m.dev >= 0, 32);
	CHECK(bind_dev(m.dev, m.iommufd, &m.dev_id) == 0, 33);
	m.hwpt_id = m.ioas_id;
	CHECK(attach_pt(m.dev, &m.hwpt_id) == 0, 34);
	{
		struct vfio_region_info ri = { .argsz = sizeof(ri),
					       .index = VFIO_PCI_BAR0_REGION_INDEX };

		CHECK(xioctl(m.dev, VFIO_DEVICE_GET_REGION_INFO, &ri) == 0, 35);
		m.bar0 = ri.offset;
		ri = (struct vfio_region_info){ .argsz = sizeof(ri),
						.index = VFIO_PCI_CONFIG_REGION_INDEX };
		CHECK(xioctl(m.dev, VFIO_DEVICE_GET_REGION_INFO, &ri) == 0, 36);
		m.cfg = ri.offset;
	}
	CHECK(pread(m.dev, &cmd, 2, (off_t)(m.cfg + 4)) == 2, 37);
	cmd |= 0x4;
	CHECK(pwrite(m.dev, &cmd, 2, (off_t)(m.cfg + 4)) == 2, 38);
	mfd = memfd_create("exec-shared", 0);
	CHECK(mfd >= 0 && ftruncate(mfd, PG) == 0, 39);
	m.a = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m.b = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	CHECK(m.a != MAP_FAILED && m.b != MAP_FAILED, 40);
	memset(m.a, 0x11, PG);
	memset(m.b, 0x22, PG);
	CHECK(ioas_map(&m, m.a, PG, IOVA_A, rw) == 0, 41);
	CHECK(ioas_map(&m, m.b, PG, IOVA_B, rw) == 0, 42);
	/* both pinned (the domain is attached): VmPin counts them */
	CHECK(vm_pin_kb() == 2 * PG / 1024, 43);
	/* DMA works in the old image */
	CHECK(plain_dma(m.dev, m.bar0, IOVA_B, EDU_BUF, PG, false) == 0, 44);
	CHECK(plain_dma(m.dev, m.bar0, EDU_BUF, IOVA_A, PG, true) == 0, 45);
	CHECK(m.a[0] == 0x22 && m.a[PG - 1] == 0x22, 46);

	snprintf(sdev, sizeof(sdev), "%d", m.dev);
	snprintf(smfd, sizeof(smfd), "%d", mfd);
	snprintf(sa, sizeof(sa), "%#llx", (unsigned long long)(uintptr_t)m.a);
	snprintf(sbar, sizeof(sbar), "%#llx", (unsigned long long)m.bar0);
	/* the fds above were opened without O_CLOEXEC: the new image inherits them */
	execl("/proc/self/exe", self, EXEC_IMAGE, sdev, smfd, sa, sbar, (char *)NULL);
	return 47;
}

static void test_dma_after_exec(void **state)
{
	int st = 0;

	(void)state;
	/* the new image may find A's address taken (ASLR): try again */
	for (int tries = 0; tries < 5; tries++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0)
			_exit(exec_old_image("mock-devices"));
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		if (WEXITSTATUS(st) != EXEC_SKIP)
			break;
	}
	assert_int_equal(WEXITSTATUS(st), 0);
}

/*
 * ---- a FIFO and SIGTERM (issue 13 D) ----
 *
 * MAP_FILE of a FIFO without a writer: the daemon used to open it through
 * /proc and wait for a writer, stalling every client and ignoring SIGTERM.
 * 7.3 maps any file lazily and refuses it when pinning (EINVAL). A child
 * with a daemon of its own checks both answers come at once (an alarm kills
 * it otherwise), then that SIGTERM ends the daemon.
 */
static int fifo_child(void)
{
	char dir[] = "/tmp/mock-fifo-XXXXXX", path[64];
	struct iommu_ioas_map_file mf = {
		.size = sizeof(mf),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA,
		.length = PG,
		.iova = IOVA_A,
	};
	struct machine m;
	struct pollfd pfd;
	int fifo, lazy_rc, rc;
	uint32_t lazy;
	pid_t dpid;

	/* a daemon of our own, not the one the other tests share */
	unsetenv("IOMMUFD_MOCK_SOCKET");
	alarm(30);
	CHECK(mkdtemp(dir) != NULL, 50);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0, 51);
	fifo = open(path, O_RDONLY | O_NONBLOCK);
	CHECK(fifo >= 0, 52);
	m.iommufd = open("/dev/iommu", O_RDWR);
	CHECK(m.iommufd >= 0, 53);
	{
		struct iommu_ioas_alloc al = { .size = sizeof(al) };

		CHECK(xioctl(m.iommufd, IOMMU_IOAS_ALLOC, &al) == 0, 54);
		lazy = al.out_ioas_id;
		CHECK(xioctl(m.iommufd, IOMMU_IOAS_ALLOC, &al) == 0, 55);
		m.ioas_id = al.out_ioas_id;
	}
	m.dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	CHECK(m.dev >= 0 && bind_dev(m.dev, m.iommufd, &m.dev_id) == 0, 56);
	m.hwpt_id = m.ioas_id;
	CHECK(attach_pt(m.dev, &m.hwpt_id) == 0, 57);

	mf.fd = fifo;
	mf.ioas_id = lazy;
	lazy_rc = xioctl(m.iommufd, IOMMU_IOAS_MAP_FILE, &mf);
	mf.ioas_id = m.ioas_id;
	rc = xioctl(m.iommufd, IOMMU_IOAS_MAP_FILE, &mf);
	unlink(path);
	rmdir(dir);
	CHECK(lazy_rc == 0, 58);
	CHECK(rc == EINVAL, 59);

	dpid = iommufd_mock_daemon_pid();
	CHECK(dpid > 0, 60);
	pfd.fd = (int)syscall(SYS_pidfd_open, dpid, 0);
	pfd.events = POLLIN;
	CHECK(pfd.fd >= 0, 61);
	CHECK(kill(dpid, SIGTERM) == 0, 62);
	/* the pidfd becomes readable when the daemon has exited */
	CHECK(poll(&pfd, 1, -1) == 1, 63);
	return 0;
}

static void test_map_fifo_then_sigterm(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fifo_child());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st))
		fail_msg("child killed by signal %d (SIGALRM: the daemon blocked)", WTERMSIG(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/*
 * SIGTERM while the daemon waits in a call that no catchable signal ends: the
 * pin of memory registered with userfaultfd (missing mode) waits for the
 * client to supply the page, in a sleep only a fatal signal breaks. The
 * client's second thread sees the fault arrive (the daemon is waiting),
 * sends SIGTERM and waits for the daemon to exit; the map then fails.
 */
struct uffd_watch {
	int uffd;
	pid_t dpid;
	int result;
};

static void *uffd_watch_fn(void *arg)
{
	struct uffd_watch *w = arg;
	struct pollfd pfd = { .fd = w->uffd, .events = POLLIN };
	struct uffd_msg msg;

	w->result = 70;
	if (poll(&pfd, 1, -1) != 1 || read(w->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return NULL;
	w->result = 71;
	if (kill(w->dpid, SIGTERM))
		return NULL;
	pfd.fd = (int)syscall(SYS_pidfd_open, w->dpid, 0);
	w->result = 72;
	if (pfd.fd < 0 || poll(&pfd, 1, -1) != 1)
		return NULL;
	close(pfd.fd);
	w->result = 0;
	return NULL;
}

static int blocked_child(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffd_watch w = { .result = -1 };
	struct machine m;
	pthread_t th;
	uint8_t *p;
	int rc;

	unsetenv("IOMMUFD_MOCK_SOCKET");
	alarm(30);
	w.uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (w.uffd < 0 || ioctl(w.uffd, UFFDIO_API, &api))
		return EXEC_SKIP; /* no userfaultfd here */
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, 80);
	reg.range.start = (uintptr_t)p;
	reg.range.len = PG;
	CHECK(ioctl(w.uffd, UFFDIO_REGISTER, &reg) == 0, 81);
	m.iommufd = open("/dev/iommu", O_RDWR);
	CHECK(m.iommufd >= 0, 82);
	{
		struct iommu_ioas_alloc al = { .size = sizeof(al) };

		CHECK(xioctl(m.iommufd, IOMMU_IOAS_ALLOC, &al) == 0, 83);
		m.ioas_id = al.out_ioas_id;
	}
	m.dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	CHECK(m.dev >= 0 && bind_dev(m.dev, m.iommufd, &m.dev_id) == 0, 84);
	m.hwpt_id = m.ioas_id;
	CHECK(attach_pt(m.dev, &m.hwpt_id) == 0, 85);
	w.dpid = iommufd_mock_daemon_pid();
	CHECK(w.dpid > 0, 86);
	CHECK(pthread_create(&th, NULL, uffd_watch_fn, &w) == 0, 87);
	/* the domain pins at once: the daemon touches the missing page and waits */
	rc = ioas_map(&m, p, PG, IOVA_A, IOMMU_IOAS_MAP_READABLE);
	pthread_join(th, NULL);
	CHECK(w.result == 0, w.result);
	CHECK(rc != 0, 88);
	return 0;
}

static void test_sigterm_while_blocked(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(blocked_child());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st))
		fail_msg("child killed by signal %d (SIGALRM: the daemon ignored SIGTERM)",
			 WTERMSIG(st));
	if (WEXITSTATUS(st) == EXEC_SKIP)
		skip();
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* An edu DMA fault under a HWPT with a fault queue arrives as a page request. */
static void test_dma_iopf(void **state)
{
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_hwpt_alloc ha = { .size = sizeof(ha), .flags = IOMMU_HWPT_FAULT_ID_VALID };
	struct iommu_hwpt_page_response resp = { .code = IOMMUFD_PAGE_RESP_SUCCESS };
	struct iommu_hwpt_pgfault rec;
	struct machine m;
	uint32_t pt;

	(void)state;
	machine_up(&m, 0);
	assert_int_equal(xioctl(m.iommufd, IOMMU_FAULT_QUEUE_ALLOC, &fa), 0);
	ha.dev_id = m.dev_id;
	ha.pt_id = m.ioas_id;
	ha.fault_id = fa.out_fault_id;
	assert_int_equal(xioctl(m.iommufd, IOMMU_HWPT_ALLOC, &ha), 0);
	pt = ha.out_hwpt_id;
	assert_int_equal(attach_pt(m.dev, &pt), 0);
	bus_master(&m, true);

	/* nothing pending: an empty read */
	assert_int_equal(read((int)fa.out_fault_fd, &rec, sizeof(rec)), 0);
	/* edu -> RAM at an unmapped IOVA: a write fault on that page */
	edu_dma(&m, EDU_BUF, IOVA_T + 0x10, 16, true);
	assert_int_equal(read((int)fa.out_fault_fd, &rec, sizeof(rec)), sizeof(rec));
	assert_int_equal(rec.dev_id, m.dev_id);
	assert_int_equal(rec.addr, IOVA_T);
	assert_int_equal(rec.perm, IOMMU_PGFAULT_PERM_WRITE);
	assert_int_equal(rec.flags, IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	resp.cookie = rec.cookie;
	assert_int_equal(write((int)fa.out_fault_fd, &resp, sizeof(resp)), sizeof(resp));

	/* back on the IOAS's own domain: faults are only counted */
	pt = m.ioas_id;
	assert_int_equal(attach_pt(m.dev, &pt), 0);
	edu_dma(&m, EDU_BUF, IOVA_T, 16, true);
	assert_int_equal(read((int)fa.out_fault_fd, &rec, sizeof(rec)), 0);
	assert_int_equal(destroy(m.iommufd, ha.out_hwpt_id), 0);
	close((int)fa.out_fault_fd);
	machine_down(&m);
}

/* ---------------- two devices: edu, and edu with dirty tracking and nesting ---------------- */

static void test_two_devices(void **state)
{
	struct iommu_hwpt_alloc ha = { .size = sizeof(ha) };
	struct iommu_hwpt_set_dirty_tracking sd = { .size = sizeof(sd) };
	struct iommu_hw_info_vtd vtd;
	struct iommu_hw_info info = {
		.size = sizeof(info), .data_len = sizeof(vtd), .data_uptr = (uintptr_t)&vtd
	};
	uint64_t bitmap[8] = { 0 };
	struct iommu_hwpt_get_dirty_bitmap gb = {
		.size = sizeof(gb), .iova = IOVA_A, .length = 2 * 0x100000ULL, .page_size = PG,
		.data = (uintptr_t)bitmap,
	};
	struct machine m;
	int dev1;
	uint32_t dev1_id = 0, pt;

	(void)state;
	assert_int_equal(dev_open(2), -1);
	assert_int_equal(errno, ENOENT);
	machine_up(&m, 0);
	dev1 = dev_open(1);
	assert_true(dev1 >= 0);
	assert_int_equal(bind_dev(dev1, m.iommufd, &dev1_id), 0);
	info.dev_id = dev1_id;
	assert_int_equal(xioctl(m.iommufd, IOMMU_GET_HW_INFO, &info), 0);
	assert_int_equal(info.out_capabilities,
			 IOMMU_HW_CAP_DIRTY_TRACKING | IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	assert_int_not_equal(vtd.ecap_reg & (1ULL << 26), 0);

	/* compatible devices share the automatic domain */
	pt = m.ioas_id;
	assert_int_equal(attach_pt(dev1, &pt), 0);
	assert_int_equal(pt, m.hwpt_id);

	ha.pt_id = m.ioas_id;
	ha.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	ha.dev_id = m.dev_id;
	assert_int_equal(xioctl(m.iommufd, IOMMU_HWPT_ALLOC, &ha), EOPNOTSUPP);
	ha.dev_id = dev1_id;
	assert_int_equal(xioctl(m.iommufd, IOMMU_HWPT_ALLOC, &ha), 0);
	/* the device without dirty tracking cannot use the dirty domain */
	pt = ha.out_hwpt_id;
	assert_int_equal(attach_pt(m.dev, &pt), EINVAL);
	pt = ha.out_hwpt_id;
	assert_int_equal(attach_pt(dev1, &pt), 0);
	sd.hwpt_id = ha.out_hwpt_id;
	sd.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	assert_int_equal(xioctl(m.iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &sd), 0);

	/* device 1 writes B: exactly B's page is dirty */
	close(m.dev);
	m.dev = dev1;
	m.bar0 = region_offset(dev1, VFIO_PCI_BAR0_REGION_INDEX, NULL);
	m.cfg = region_offset(dev1, VFIO_PCI_CONFIG_REGION_INDEX, NULL);
	bus_master(&m, true);
	fill(m.a, PG, 5);
	edu_dma(&m, IOVA_A, EDU_BUF, PG, false);
	edu_dma(&m, EDU_BUF, IOVA_B, PG, true);
	assert_memory_equal(m.a, m.b, PG);
	gb.hwpt_id = ha.out_hwpt_id;
	/*
	 * From IOVA_A the kernel walks only the areas contiguous with A and stops
	 * silently at the hole after it: B (page 256) is neither reported nor
	 * cleared, A (only read) is clean.
	 */
	assert_int_equal(xioctl(m.iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &gb), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(bitmap[i], 0);
	/* From IOVA_B: exactly B's first page is dirty. */
	gb.iova = IOVA_B;
	gb.length = 0x100000ULL;
	assert_int_equal(xioctl(m.iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &gb), 0);
	assert_int_equal(bitmap[0], 1);
	for (int i = 1; i < 4; i++)
		assert_int_equal(bitmap[i], 0);
	gb.length = 64 * PG;
	gb.iova = IOVA_B;
	bitmap[0] = 0;
	edu_dma(&m, EDU_BUF, IOVA_B + PG / 2, 16, true);
	assert_int_equal(xioctl(m.iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &gb), 0);
	assert_int_equal(bitmap[0], 1);
	/* reading A left it clean, and the bitmap was cleared */
	bitmap[0] = 0;
	gb.iova = IOVA_A;
	edu_dma(&m, IOVA_A, EDU_BUF, PG, false);
	assert_int_equal(xioctl(m.iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &gb), 0);
	assert_int_equal(bitmap[0], 0);
	machine_down(&m);
}

/* Build a 4-level x86 first-level table in @t mapping stage-1 @s1 -> stage-2 @s2 (4 KiB). */
static void vtd_build_table(uint64_t *t, uint64_t t_iova, uint64_t s1, uint64_t s2, bool w)
{
	const uint64_t p = 1, rw = 2;
	uint64_t *pml4 = t, *pdpt = t + 512, *pd = t + 1024, *pte = t + 1536;

	memset(t, 0, 4 * PG);
	pml4[(s1 >> 39) & 511] = (t_iova + 1 * PG) | p | rw;
	pdpt[(s1 >> 30) & 511] = (t_iova + 2 * PG) | p | rw;
	pd[(s1 >> 21) & 511] = (t_iova + 3 * PG) | p | rw;
	pte[(s1 >> 12) & 511] = s2 | p | (w ? rw : 0);
}

static void test_vtd_nested_dma(void **state)
{
	struct iommu_hwpt_vtd_s1 s1 = { .addr_width = 48, .pgtbl_addr = IOVA_T };
	struct iommu_hwpt_alloc ha = { .size = sizeof(ha) };
	const uint64_t s1_iova = 0x5000000ULL;
	struct machine m;
	uint64_t *tables;
	uint32_t parent, pt;

	(void)state;
	machine_up(&m, 1);
	tables = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(tables != MAP_FAILED);
	vtd_build_table(tables, IOVA_T, s1_iova, IOVA_B, true);
	assert_int_equal(ioas_map(&m, tables, 4 * PG, IOVA_T, IOMMU_IOAS_MAP_READABLE), 0);

	ha.dev_id = m.dev_id;
	ha.pt_id = m.ioas_id;
	ha.flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	assert_int_equal(xioctl(m.iommufd, IOMMU_HWPT_ALLOC, &ha), 0);
	parent = ha.out_hwpt_id;
	ha.pt_id = parent;
	ha.flags = 0;
	ha.data_type = IOMMU_HWPT_DATA_VTD_S1;
	ha.data_len = sizeof(s1);
	ha.data_uptr = (uintptr_t)&s1;
	s1.addr_width = 40;
	assert_int_equal(xioctl(m.iommufd, IOMMU_HWPT_ALLOC, &ha), EINVAL);
	s1.addr_width = 48;
	ha.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3;
	assert_int_equal(xioctl(m.iommufd, IOMMU_HWPT_ALLOC, &ha), EOPNOTSUPP);
	ha.data_type = IOMMU_HWPT_DATA_VTD_S1;
	assert_int_equal(xioctl(m.iommufd, IOMMU_HWPT_ALLOC, &ha), 0);
	pt = ha.out_hwpt_id;
	assert_int_equal(attach_pt(m.dev, &pt), 0);
	assert_int_equal(destroy(m.iommufd, parent), EBUSY);

	bus_master(&m, true);
	fill(m.a, PG, 11);
	memset(m.b, 0, PG);
	/* map A at stage 1 too, then A -> edu -> B through both stages */
	tables[1536 + (((s1_iova + PG) >> 12) & 511)] = IOVA_A | 1;
	edu_dma(&m, s1_iova + PG, EDU_BUF, PG, false);
	edu_dma(&m, EDU_BUF, s1_iova, PG, true);
	assert_memory_equal(m.a, m.b, PG);
	/* stage 1 without write permission blocks the device write */
	memset(m.b, 0x33, PG);
	tables[1536 + ((s1_iova >> 12) & 511)] = IOVA_B | 1;
	edu_dma(&m, EDU_BUF, s1_iova, PG, true);
	for (size_t i = 0; i < PG; i++)
		assert_int_equal(m.b[i], 0x33);

	pt = m.ioas_id;
	assert_int_equal(attach_pt(m.dev, &pt), 0);
	assert_int_equal(destroy(m.iommufd, ha.out_hwpt_id), 0);
	assert_int_equal(destroy(m.iommufd, parent), 0);
	munmap(tables, 4 * PG);
	machine_down(&m);
}

/* ---------------- a selftest-type device with nesting, dirty tracking and PASID ---------------- */

static void test_selftest_device(void **state)
{
	struct iommu_test_hw_info sti;
	struct iommu_hw_info info = {
		.size = sizeof(info), .data_len = sizeof(sti), .data_uptr = (uintptr_t)&sti
	};
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_invalidate_selftest inv = { .iotlb_id = 1 };
	struct iommu_hwpt_invalidate hi = { .size = sizeof(hi) };
	struct iommu_hwpt_alloc ha = { .size = sizeof(ha) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct vfio_device_detach_iommufd_pt de = { .argsz = sizeof(de) };
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC), dev = dev_open(0);
	uint32_t ioas, dev_id = 0, parent, nested, pasid_hwpt, pt;

	(void)state;
	assert_true(fd >= 0 && dev >= 0);
	ioas = ioas_alloc(fd);
	assert_int_equal(bind_dev(dev, fd, &dev_id), 0);
	info.dev_id = dev_id;
	assert_int_equal(xioctl(fd, IOMMU_GET_HW_INFO, &info), 0);
	assert_int_equal(info.out_data_type, IOMMU_HW_INFO_TYPE_SELFTEST);
	assert_int_equal(sti.test_reg, IOMMU_HW_INFO_SELFTEST_REGVAL);
	assert_int_equal(info.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING,
			 IOMMU_HW_CAP_DIRTY_TRACKING);
	assert_int_equal(info.out_max_pasid_log2, 20);

	ha.dev_id = dev_id;
	ha.pt_id = ioas;
	ha.flags = IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	assert_int_equal(xioctl(fd, IOMMU_HWPT_ALLOC, &ha), 0);
	parent = ha.out_hwpt_id;
	ha.pt_id = parent;
	ha.flags = 0;
	ha.data_type = IOMMU_HWPT_DATA_SELFTEST;
	ha.data_len = sizeof(data);
	ha.data_uptr = (uintptr_t)&data;
	assert_int_equal(xioctl(fd, IOMMU_HWPT_ALLOC, &ha), 0);
	nested = ha.out_hwpt_id;
	pt = nested;
	assert_int_equal(attach_pt(dev, &pt), 0);

	hi.hwpt_id = nested;
	hi.data_uptr = (uintptr_t)&inv;
	hi.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST;
	hi.entry_len = sizeof(inv);
	hi.entry_num = 1;
	assert_int_equal(xioctl(fd, IOMMU_HWPT_INVALIDATE, &hi), 0);
	assert_int_equal(hi.entry_num, 1);
	hi.hwpt_id = parent;
	assert_int_equal(xioctl(fd, IOMMU_HWPT_INVALIDATE, &hi), EINVAL);
	assert_int_equal(hi.entry_num, 0);

	/* PASIDs need PASID-compatible domains on the RID and the PASID */
	ha.pt_id = ioas;
	ha.flags = IOMMU_HWPT_ALLOC_PASID;
	ha.data_type = 0;
	ha.data_len = 0;
	ha.data_uptr = 0;
	assert_int_equal(xioctl(fd, IOMMU_HWPT_ALLOC, &ha), 0);
	pasid_hwpt = ha.out_hwpt_id;
	at.flags = VFIO_DEVICE_ATTACH_PASID;
	at.pasid = 7;
	at.pt_id = pasid_hwpt;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), EINVAL);
	pt = pasid_hwpt;
	assert_int_equal(attach_pt(dev, &pt), 0);
	assert_int_equal(xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
	/* now the RID cannot go back to a domain without PASID support */
	pt = parent;
	assert_int_equal(attach_pt(dev, &pt), EINVAL);
	at.pasid = 1U << 20;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), EINVAL);
	de.flags = VFIO_DEVICE_DETACH_PASID;
	de.pasid = 7;
	assert_int_equal(xioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &de), 0);
	pt = parent;
	assert_int_equal(attach_pt(dev, &pt), 0);
	assert_int_equal(destroy(fd, pasid_hwpt), 0);
	assert_int_equal(destroy(fd, nested), 0);
	close(dev);
	assert_int_equal(destroy(fd, parent), 0);
	assert_int_equal(destroy(fd, ioas), 0);
	close(fd);
}

/* ---------------- no devices ---------------- */

static void test_no_device(void **state)
{
	(void)state;
	assert_int_equal(dev_open(0), -1);
	assert_int_equal(errno, ENOENT);
}

/* ---------------- SMMUv3 and AMD vIOMMUs (machine "viommu") ---------------- */

/* vfio0 SMMUv3 with nesting, vfio1 AMD with nesting, vfio2 SMMUv3 without, vfio3 VT-d */

static int viommu_alloc(int fd, uint32_t dev_id, uint32_t hwpt_id, uint32_t type, uint32_t *id)
{
	struct iommu_viommu_alloc va = {
		.size = sizeof(va), .type = type, .dev_id = dev_id, .hwpt_id = hwpt_id
	};
	int rc = xioctl(fd, IOMMU_VIOMMU_ALLOC, &va);

	if (!rc && id)
		*id = va.out_viommu_id;
	return rc;
}

static int nest_alloc(int fd, uint32_t dev_id, uint32_t pt_id, uint32_t flags, uint32_t type,
		      const void *data, uint32_t len, uint32_t *id)
{
	struct iommu_hwpt_alloc ha = {
		.size = sizeof(ha), .flags = flags, .dev_id = dev_id, .pt_id = pt_id,
		.data_type = type, .data_len = len, .data_uptr = (uintptr_t)data,
	};
	int rc = xioctl(fd, IOMMU_HWPT_ALLOC, &ha);

	if (!rc && id)
		*id = ha.out_hwpt_id;
	return rc;
}

static int ste_alloc(int fd, uint32_t dev_id, uint32_t viommu, uint64_t s0, uint64_t s1,
		     uint32_t *id)
{
	struct iommu_hwpt_arm_smmuv3 ste = { .ste = { s0, s1 } };

	return nest_alloc(fd, dev_id, viommu, 0, IOMMU_HWPT_DATA_ARM_SMMUV3, &ste, sizeof(ste),
			  id);
}

static int vsmmu_inv(int fd, uint32_t id, uint32_t type, const uint64_t *cmds, uint32_t *num)
{
	struct iommu_hwpt_invalidate inv = {
		.size = sizeof(inv), .hwpt_id = id, .data_uptr = (uintptr_t)cmds,
		.data_type = type, .entry_len = 16, .entry_num = *num,
	};
	int rc = xioctl(fd, IOMMU_HWPT_INVALIDATE, &inv);

	*num = inv.entry_num;
	return rc;
}

static void test_smmuv3_viommu(void **state)
{
	const uint32_t smmu = IOMMU_HWPT_DATA_ARM_SMMUV3;
	const uint32_t inv_smmu = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3;
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd), .virt_id = 0x42 };
	struct iommu_hwpt_arm_smmuv3 ste = { .ste = { 0x9, 0 } };
	uint32_t parent, viommu, bypass, abort_pt, s1, pt, num;
	uint64_t cmds[8];
	struct machine m;

	(void)state;
	machine_up(&m, 0);
	assert_int_equal(nest_alloc(m.iommufd, m.dev_id, m.ioas_id, IOMMU_HWPT_ALLOC_NEST_PARENT,
				    0, NULL, 0, &parent), 0);
	/* stage-1 data goes through a vIOMMU only */
	assert_int_equal(nest_alloc(m.iommufd, m.dev_id, parent, 0, smmu, &ste, sizeof(ste), NULL),
			 EOPNOTSUPP);

	assert_int_equal(viommu_alloc(m.iommufd, m.dev_id, parent, IOMMU_VIOMMU_TYPE_DEFAULT,
				      NULL), EOPNOTSUPP);
	assert_int_equal(viommu_alloc(m.iommufd, m.dev_id, parent,
				      IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV, NULL), EOPNOTSUPP);
	assert_int_equal(viommu_alloc(m.iommufd, m.dev_id, parent, IOMMU_VIOMMU_TYPE_SELFTEST,
				      NULL), EOPNOTSUPP);
	assert_int_equal(viommu_alloc(m.iommufd, m.dev_id, m.hwpt_id,
				      IOMMU_VIOMMU_TYPE_ARM_SMMUV3, NULL), EINVAL);
	assert_int_equal(viommu_alloc(m.iommufd, m.dev_id, parent, IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
				      &viommu), 0);

	/* the guest STE, as arm_smmu_validate_vste() checks it */
	assert_int_equal(nest_alloc(m.iommufd, m.dev_id, viommu, IOMMU_HWPT_ALLOC_PASID, smmu,
				    &ste, sizeof(ste), NULL), EOPNOTSUPP);
	assert_int_equal(nest_alloc(m.iommufd, m.dev_id, viommu, 0, IOMMU_HWPT_DATA_VTD_S1, &ste,
				    sizeof(ste), NULL), EINVAL);
	assert_int_equal(nest_alloc(m.iommufd, m.dev_id, viommu, 0, smmu, &ste, 8, NULL), EINVAL);
	assert_int_equal(nest_alloc(m.iommufd, m.dev_id, viommu, 0, smmu, &ste, 0, NULL), EINVAL);
	assert_int_equal(ste_alloc(m.iommufd, m.dev_id, viommu, 0x1 | (6 << 1), 0, NULL), EIO);
	assert_int_equal(ste_alloc(m.iommufd, m.dev_id, viommu, 0x1 | (7 << 1), 0, NULL), EIO);
	assert_int_equal(ste_alloc(m.iommufd, m.dev_id, viommu, 0x9 | (1ULL << 52), 0, NULL), EIO);
	assert_int_equal(ste_alloc(m.iommufd, m.dev_id, viommu, 0x9 | (1ULL << 55), 0, NULL), EIO);
	assert_int_equal(ste_alloc(m.iommufd, m.dev_id, viommu, 0x9, 1ULL << 19, NULL), EIO);
	assert_int_equal(ste_alloc(m.iommufd, m.dev_id, viommu, 0x9, 2ULL << 28, NULL), EIO);
	/* V clear: an abort STE whatever the rest says */
	assert_int_equal(ste_alloc(m.iommufd, m.dev_id, viommu, 0x6 | (1ULL << 55), ~0ULL,
				   &abort_pt), 0);
	assert_int_equal(ste_alloc(m.iommufd, m.dev_id, viommu, 0x9, 1ULL << 28, &bypass), 0);
	assert_int_equal(ste_alloc(m.iommufd, m.dev_id, viommu,
				   0x1 | (5 << 1) | 0x1000 | (1ULL << 59), 0x1, &s1), 0);
	assert_int_equal(destroy(m.iommufd, viommu), EBUSY);

	/* without a vDEVICE only abort and bypass STEs attach (the guest's GBPA) */
	pt = s1;
	assert_int_equal(attach_pt(m.dev, &pt), ENOENT);
	pt = abort_pt;
	assert_int_equal(attach_pt(m.dev, &pt), 0);
	pt = bypass;
	assert_int_equal(attach_pt(m.dev, &pt), 0);

	/* vDEVICE: the vSID is virt_id */
	vd.viommu_id = viommu;
	vd.dev_id = m.dev_id;
	assert_int_equal(xioctl(m.iommufd, IOMMU_VDEVICE_ALLOC, &vd), 0);
	assert_int_equal(xioctl(m.iommufd, IOMMU_VDEVICE_ALLOC, &vd), EEXIST);

	/* bypass: DMA through stage 2 only */
	bus_master(&m, true);
	pt = bypass;
	assert_int_equal(attach_pt(m.dev, &pt), 0);
	fill(m.a, PG, 5);
	memset(m.b, 0, PG);
	edu_dma(&m, IOVA_A, EDU_BUF, PG, false);
	edu_dma(&m, EDU_BUF, IOVA_B, PG, true);
	assert_memory_equal(m.a, m.b, PG);
	/* abort: the DMA faults */
	pt = abort_pt;
	assert_int_equal(attach_pt(m.dev, &pt), 0);
	memset(m.b, 0x33, PG);
	edu_dma(&m, EDU_BUF, IOVA_B, PG, true);
	assert_int_equal(m.b[0], 0x33);
	/* S1 translate with substreams on and S1DSS bypass: DMA without PASID skips stage 1 */
	pt = s1;
	assert_int_equal(attach_pt(m.dev, &pt), 0);
	edu_dma(&m, EDU_BUF, IOVA_B, PG, true);
	assert_memory_equal(m.a, m.b, PG);

	/* invalidation: the whole array is read, entry_num counts what was taken */
	num = 0;
	assert_int_equal(vsmmu_inv(m.iommufd, viommu, inv_smmu, cmds, &num), EINVAL);
	assert_int_equal(num, 0);
	cmds[0] = 0x10;
	cmds[1] = 0;
	num = 1;
	assert_int_equal(vsmmu_inv(m.iommufd, viommu, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, cmds,
				   &num), EINVAL);
	assert_int_equal(num, 0);
	cmds[0] = 0x10 | (7ULL << 32); /* TLBI_NH_ALL, VMID replaced by the host */
	cmds[2] = 0x30;                 /* TLBI_NSNH_ALL */
	cmds[3] = 0;
	cmds[4] = 0x06 | (0x42ULL << 32); /* CFGI_CD_ALL of vSID 0x42 */
	cmds[5] = 0;
	cmds[6] = 0x06 | (0x43ULL << 32); /* no vDEVICE with that vSID */
	cmds[7] = 0;
	num = 4;
	assert_int_equal(vsmmu_inv(m.iommufd, viommu, inv_smmu, cmds, &num), EIO);
	assert_int_equal(num, 3);
	num = 3;
	assert_int_equal(vsmmu_inv(m.iommufd, viommu, inv_smmu, cmds, &num), 0);
	assert_int_equal(num, 3);
	cmds[0] = 0x12 | (0x1234ULL << 48); /* TLBI_NH_VA, 16-bit ASID */
	cmds[1] = 0x5000 | 1;
	cmds[2] = 0x40 | (0x42ULL << 32); /* ATC_INV, size 52 (all) */
	cmds[3] = 52;
	cmds[4] = 0x40 | (0x42ULL << 32);
	cmds[5] = 53;
	num = 3;
	assert_int_equal(vsmmu_inv(m.iommufd, viommu, inv_smmu, cmds, &num), EIO);
	assert_int_equal(num, 2);
	cmds[0] = 0x28; /* TLBI_S12_VMALL: the host's, not the guest's */
	cmds[1] = 0;
	num = 1;
	assert_int_equal(vsmmu_inv(m.iommufd, viommu, inv_smmu, cmds, &num), EIO);
	assert_int_equal(num, 0);
	cmds[0] = 0x10 | (1ULL << 12); /* a field TLBI_NH_ALL does not have */
	num = 1;
	assert_int_equal(vsmmu_inv(m.iommufd, viommu, inv_smmu, cmds, &num), EIO);
	assert_int_equal(num, 0);
	/* the nested domain itself takes no invalidation */
	cmds[0] = 0x10;
	num = 1;
	assert_int_equal(vsmmu_inv(m.iommufd, bypass, inv_smmu, cmds, &num), EOPNOTSUPP);
	assert_int_equal(num, 0);

	pt = m.ioas_id;
	assert_int_equal(attach_pt(m.dev, &pt), 0);
	assert_int_equal(destroy(m.iommufd, s1), 0);
	assert_int_equal(destroy(m.iommufd, bypass), 0);
	assert_int_equal(destroy(m.iommufd, abort_pt), 0);
	assert_int_equal(destroy(m.iommufd, viommu), EBUSY);
	assert_int_equal(destroy(m.iommufd, vd.out_vdevice_id), 0);
	assert_int_equal(destroy(m.iommufd, viommu), 0);
	assert_int_equal(destroy(m.iommufd, parent), 0);
	machine_down(&m);
}

/* SMMUv3 stage 1 as the guest builds it: a CD table and VMSAv8-64 tables at stage-2 IOVAs. */
#define SMMU_CD0 ((16ULL << 0) | (1ULL << 30) | (1ULL << 31) | (5ULL << 32) | (1ULL << 41) | \
		  (1ULL << 48))
#define LPAE_TABLE 0x3ULL
#define LPAE_PAGE (0x3ULL | (1ULL << 10))
#define LPAE_RDONLY (1ULL << 7)

static void smmu_build_tables(uint64_t *t, uint64_t s1, uint64_t s2, uint64_t attrs)
{
	uint64_t *l0 = t + 512, *l1 = t + 1024, *l2 = t + 1536, *l3 = t + 2048;

	memset(t, 0, 5 * PG);
	t[0] = SMMU_CD0;                 /* CD 0: 48-bit TTB0, 4 KiB granule, AArch64, V */
	t[1] = IOVA_T + PG;              /* TTB0 */
	l0[(s1 >> 39) & 511] = (IOVA_T + 2 * PG) | LPAE_TABLE;
	l1[(s1 >> 30) & 511] = (IOVA_T + 3 * PG) | LPAE_TABLE;
	l2[(s1 >> 21) & 511] = (IOVA_T + 4 * PG) | LPAE_TABLE;
	l3[(s1 >> 12) & 511] = s2 | attrs;
}

/* Reads one ARM_SMMUV3 vEVENT; returns its four event dwords. */
static void read_smmu_event(int qfd, uint64_t evt[4])
{
	struct {
		struct iommufd_vevent_header hdr;
		struct iommu_vevent_arm_smmuv3 ev;
	} rec;

	assert_int_equal(read(qfd, &rec, sizeof(rec)), (ssize_t)sizeof(rec));
	assert_int_equal(rec.hdr.flags, 0);
	for (int i = 0; i < 4; i++)
		evt[i] = le64toh(rec.ev.evt[i]);
}

static void test_smmuv3_nested_dma(void **state)
{
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd), .virt_id = 0x42 };
	struct iommu_veventq_alloc vq = {
		.size = sizeof(vq), .type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, .veventq_depth = 8,
	};
	const uint64_t s1_iova = 0x5000000ULL;
	uint32_t parent, viommu, s1, pt;
	uint64_t *tables, evt[4];
	struct machine m;

	(void)state;
	machine_up(&m, 0);
	tables = mmap(NULL, 5 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(tables != MAP_FAILED);
	smmu_build_tables(tables, s1_iova, IOVA_B, LPAE_PAGE);
	assert_int_equal(ioas_map(&m, tables, 5 * PG, IOVA_T, IOMMU_IOAS_MAP_READABLE), 0);
	assert_int_equal(nest_alloc(m.iommufd, m.dev_id, m.ioas_id, IOMMU_HWPT_ALLOC_NEST_PARENT,
				    0, NULL, 0, &parent), 0);
	assert_int_equal(viommu_alloc(m.iommufd, m.dev_id, parent, IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
				      &viommu), 0);
	vd.viommu_id = viommu;
	vd.dev_id = m.dev_id;
	assert_int_equal(xioctl(m.iommufd, IOMMU_VDEVICE_ALLOC, &vd), 0);
	vq.viommu_id = viommu;
	assert_int_equal(xioctl(m.iommufd, IOMMU_VEVENTQ_ALLOC, &vq), 0);
	/* STE: V, Config S1 translate, S1ContextPtr = the CD table, one CD */
	assert_int_equal(ste_alloc(m.iommufd, m.dev_id, viommu, 0x1 | (5 << 1) | IOVA_T, 0, &s1),
			 0);
	pt = s1;
	assert_int_equal(attach_pt(m.dev, &pt), 0);

	/* A -> edu through stage 2 only is not possible now: map A at stage 1 as well */
	bus_master(&m, true);
	fill(m.a, PG, 9);
	memset(m.b, 0, PG);
	tables[2048 + (((s1_iova + PG) >> 12) & 511)] = IOVA_A | LPAE_PAGE;
	edu_dma(&m, s1_iova + PG, EDU_BUF, PG, false);
	edu_dma(&m, EDU_BUF, s1_iova, PG, true);
	assert_memory_equal(m.a, m.b, PG);

	/* an unmapped stage-1 IOVA: F_TRANSLATION reaches the guest with its vSID */
	memset(m.b, 0x33, PG);
	edu_dma(&m, EDU_BUF, s1_iova + 2 * PG, 16, true);
	read_smmu_event(vq.out_veventq_fd, evt);
	assert_int_equal(evt[0] & 0xff, 0x10);
	assert_int_equal(evt[0] >> 32, 0x42);
	assert_int_equal(evt[2], s1_iova + 2 * PG);
	assert_int_equal((evt[1] >> 35) & 1, 0); /* a write */
	/* a read-only page: F_PERMISSION, nothing written */
	tables[2048 + ((s1_iova >> 12) & 511)] = IOVA_B | LPAE_PAGE | LPAE_RDONLY;
	edu_dma(&m, EDU_BUF, s1_iova, PG, true);
	read_smmu_event(vq.out_veventq_fd, evt);
	assert_int_equal(evt[0] & 0xff, 0x13);
	assert_int_equal(m.b[0], 0x33);
	/* the access flag clear (no hardware update in the CD): F_ACCESS */
	tables[2048 + ((s1_iova >> 12) & 511)] = IOVA_B | LPAE_TABLE;
	edu_dma(&m, EDU_BUF, s1_iova, 16, true);
	read_smmu_event(vq.out_veventq_fd, evt);
	assert_int_equal(evt[0] & 0xff, 0x12);
	/* an invalid CD: C_BAD_CD */
	tables[0] &= ~(1ULL << 31);
	edu_dma(&m, EDU_BUF, s1_iova, 16, true);
	read_smmu_event(vq.out_veventq_fd, evt);
	assert_int_equal(evt[0] & 0xff, 0x0a);
	assert_int_equal(m.b[0], 0x33);

	close(vq.out_veventq_fd);
	munmap(tables, 5 * PG);
	machine_down(&m);
}

static void test_amd_and_unsupported_viommu(void **state)
{
	struct iommu_hwpt_amd_guest dte = { .dte = { 0x1, 0, 0, 0 } };
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd), .virt_id = 7 };
	uint32_t amd_id = 0, s_id = 0, v_id = 0, parent, viommu, smmu_parent, num;
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC), amd, s, v;
	uint64_t cmds[2] = { 0x10, 0 };
	uint32_t ioas;

	(void)state;
	assert_true(fd >= 0);
	ioas = ioas_alloc(fd);
	amd = dev_open(1);
	s = dev_open(2);
	v = dev_open(3);
	assert_true(amd >= 0 && s >= 0 && v >= 0);
	assert_int_equal(bind_dev(amd, fd, &amd_id), 0);
	assert_int_equal(bind_dev(s, fd, &s_id), 0);
	assert_int_equal(bind_dev(v, fd, &v_id), 0);

	/* AMD (7.3): a vIOMMU of any type, but no nested domain or invalidation on it */
	assert_int_equal(nest_alloc(fd, amd_id, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0, NULL, 0,
				    &parent), 0);
	assert_int_equal(nest_alloc(fd, amd_id, parent, 0, IOMMU_HWPT_DATA_AMD_GUEST, &dte,
				    sizeof(dte), NULL), EOPNOTSUPP);
	assert_int_equal(viommu_alloc(fd, amd_id, parent, IOMMU_VIOMMU_TYPE_DEFAULT, NULL),
			 EOPNOTSUPP);
	assert_int_equal(viommu_alloc(fd, amd_id, parent, IOMMU_VIOMMU_TYPE_ARM_SMMUV3, &viommu),
			 0);
	assert_int_equal(nest_alloc(fd, amd_id, viommu, 0, IOMMU_HWPT_DATA_AMD_GUEST, &dte,
				    sizeof(dte), NULL), EOPNOTSUPP);
	num = 1;
	assert_int_equal(vsmmu_inv(fd, viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, cmds,
				   &num), EOPNOTSUPP);
	assert_int_equal(num, 0);
	vd.viommu_id = viommu;
	vd.dev_id = s_id; /* another IOMMU's device */
	assert_int_equal(xioctl(fd, IOMMU_VDEVICE_ALLOC, &vd), EINVAL);
	vd.dev_id = amd_id;
	assert_int_equal(xioctl(fd, IOMMU_VDEVICE_ALLOC, &vd), 0);
	assert_int_equal(destroy(fd, vd.out_vdevice_id), 0);

	/* an AMD parent under an SMMUv3 device's vIOMMU */
	assert_int_equal(viommu_alloc(fd, s_id, parent, IOMMU_VIOMMU_TYPE_ARM_SMMUV3, NULL),
			 EOPNOTSUPP);
	/* SMMUv3 without nesting and VT-d have no vIOMMU */
	assert_int_equal(nest_alloc(fd, s_id, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0, NULL, 0,
				    NULL), EOPNOTSUPP);
	assert_int_equal(viommu_alloc(fd, v_id, parent, IOMMU_VIOMMU_TYPE_ARM_SMMUV3, NULL),
			 EOPNOTSUPP);
	assert_int_equal(nest_alloc(fd, s_id, ioas, 0, 0, NULL, 0, &smmu_parent), 0);
	assert_int_equal(viommu_alloc(fd, amd_id, smmu_parent, IOMMU_VIOMMU_TYPE_ARM_SMMUV3, NULL),
			 EINVAL);

	assert_int_equal(destroy(fd, viommu), 0);
	assert_int_equal(destroy(fd, parent), 0);
	assert_int_equal(destroy(fd, smmu_parent), 0);
	close(amd);
	close(s);
	close(v);
	close(fd);
}

/* ---------------- interrupts (vfio-pci's GET_IRQ_INFO and SET_IRQS) ---------------- */

#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define IRQ_SET_HDR offsetof(struct vfio_irq_set, data)

static int irq_info(int dev, uint32_t index, uint32_t argsz, struct vfio_irq_info *info)
{
	memset(info, 0xa5, sizeof(*info));
	info->argsz = argsz;
	info->index = index;
	return xioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, info);
}

/* VFIO_DEVICE_SET_IRQS with @len bytes of @data; argsz covers exactly those. */
static int set_irqs(int dev, uint32_t flags, uint32_t index, uint32_t start, uint32_t count,
		    const void *data, size_t len)
{
	union {
		struct vfio_irq_set set;
		unsigned char raw[IRQ_SET_HDR + 64];
	} u;

	assert_true(len <= sizeof(u.raw) - IRQ_SET_HDR);
	memset(&u, 0, sizeof(u));
	u.set.argsz = (uint32_t)(IRQ_SET_HDR + len);
	u.set.flags = flags;
	u.set.index = index;
	u.set.start = start;
	u.set.count = count;
	if (len)
		memcpy(u.raw + IRQ_SET_HDR, data, len);
	return xioctl(dev, VFIO_DEVICE_SET_IRQS, &u.set);
}

static int set_efd(int dev, uint32_t action, uint32_t index, int32_t fd)
{
	return set_irqs(dev, VFIO_IRQ_SET_DATA_EVENTFD | action, index, 0, 1, &fd, sizeof(fd));
}

static int set_none(int dev, uint32_t action, uint32_t index, uint32_t count)
{
	return set_irqs(dev, VFIO_IRQ_SET_DATA_NONE | action, index, 0, count, NULL, 0);
}

/* The eventfd's count, taken (0: nothing was signalled). The mock signals synchronously. */
static uint64_t efd_take(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != (ssize_t)sizeof(v)) {
		assert_int_equal(errno, EAGAIN);
		return 0;
	}
	return v;
}

static int new_efd(void)
{
	int efd = (int)syscall(SYS_eventfd2, 0, O_CLOEXEC | O_NONBLOCK);

	assert_true(efd >= 0);
	return efd;
}

static void cfg_cmd(struct machine *m, uint16_t set, uint16_t clear)
{
	uint16_t cmd;

	assert_int_equal(pread(m->dev, &cmd, 2, (off_t)(m->cfg + 4)), 2);
	cmd = (uint16_t)((cmd | set) & ~clear);
	assert_int_equal(pwrite(m->dev, &cmd, 2, (off_t)(m->cfg + 4)), 2);
}

/* PCI_STATUS_INTERRUPT (status bit 3): the device's INTx level, as hardware shows it. */
static bool cfg_intx_status(struct machine *m)
{
	uint16_t status;

	assert_int_equal(pread(m->dev, &status, 2, (off_t)(m->cfg + 6)), 2);
	return status & 0x8;
}

/* What vfio-pci answers for edu (measured in the 7.3 VM), and edu's MSI capability. */
static void test_irq_info(void **state)
{
	static const struct {
		uint32_t count, flags;
	} want[VFIO_PCI_NUM_IRQS] = {
		[VFIO_PCI_INTX_IRQ_INDEX] = { 1, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
							 VFIO_IRQ_INFO_AUTOMASKED },
		[VFIO_PCI_MSI_IRQ_INDEX] = { 1, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE },
		[VFIO_PCI_MSIX_IRQ_INDEX] = { 0, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE },
		[VFIO_PCI_ERR_IRQ_INDEX] = { 1, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE },
		[VFIO_PCI_REQ_IRQ_INDEX] = { 1, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE },
	};
	const uint32_t minsz = offsetof(struct vfio_irq_info, count) + sizeof(uint32_t);
	struct vfio_irq_info info;
	uint8_t cap[16];
	struct machine m;
	uint16_t status;

	(void)state;
	machine_up(&m, 0);
	for (uint32_t i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
		assert_int_equal(irq_info(m.dev, i, minsz, &info), 0);
		assert_int_equal(info.index, i);
		assert_int_equal(info.count, want[i].count);
		assert_int_equal(info.flags, want[i].flags);
		assert_int_equal(info.argsz, minsz);
	}
	assert_int_equal(irq_info(m.dev, VFIO_PCI_NUM_IRQS, minsz, &info), EINVAL);
	assert_int_equal(irq_info(m.dev, UINT32_MAX, minsz, &info), EINVAL);
	assert_int_equal(irq_info(m.dev, VFIO_PCI_INTX_IRQ_INDEX, minsz - 1, &info), EINVAL);

	/* QEMU's msi_init(1 vector, 64-bit, no per-vector mask) at 0x40, the list's only entry */
	assert_int_equal(pread(m.dev, &status, 2, (off_t)(m.cfg + 6)), 2);
	assert_int_equal(status & 0x10, 0x10);
	assert_int_equal(pread(m.dev, cap, 1, (off_t)(m.cfg + 0x34)), 1);
	assert_int_equal(cap[0], 0x40);
	assert_int_equal(pread(m.dev, cap, sizeof(cap), (off_t)(m.cfg + 0x40)), sizeof(cap));
	assert_int_equal(cap[0], 0x05);
	assert_int_equal(cap[1], 0x00);
	assert_int_equal(cap[2] | cap[3] << 8, 0x0080);
	/* the virtual capability takes enable, the address and the data; the QMASK is read-only */
	cap[2] = 0xff;
	cap[4] = 0x00;
	cap[5] = 0x10;
	cap[6] = 0xe0;
	cap[7] = 0xfe;
	cap[12] = 0x41;
	assert_int_equal(pwrite(m.dev, cap, 14, (off_t)(m.cfg + 0x40)), 14);
	memset(cap, 0, sizeof(cap));
	assert_int_equal(pread(m.dev, cap, 14, (off_t)(m.cfg + 0x40)), 14);
	assert_int_equal(cap[2], 0x80 | 0x70 | 0x01);
	assert_int_equal(cap[4] | cap[5] << 8 | cap[6] << 16 | (uint32_t)cap[7] << 24, 0xfee01000);
	assert_int_equal(cap[12], 0x41);
	assert_int_equal(irq_info(m.dev, VFIO_PCI_MSI_IRQ_INDEX, minsz, &info), 0);
	assert_int_equal(info.count, 1);
	machine_down(&m);
}

/* The errnos of vfio_set_irqs_validate_and_prepare() and vfio_pci_set_irqs_ioctl(). */
static void test_set_irqs_errnos(void **state)
{
	const uint32_t none = VFIO_IRQ_SET_DATA_NONE, trig = VFIO_IRQ_SET_ACTION_TRIGGER;
	struct vfio_irq_set hdr = { .argsz = IRQ_SET_HDR - 1, .flags = none | trig };
	int32_t fds[2];
	uint8_t one = 1, zero = 0;
	struct machine m;
	int efd = new_efd();

	(void)state;
	machine_up(&m, 0);
	/* the header */
	assert_int_equal(xioctl(m.dev, VFIO_DEVICE_SET_IRQS, &hdr), EINVAL);
	assert_int_equal(set_irqs(m.dev, none | trig | 0x400, 0, 0, 1, NULL, 0), EINVAL);
	assert_int_equal(set_irqs(m.dev, none | trig, VFIO_PCI_NUM_IRQS, 0, 1, NULL, 0), EINVAL);
	assert_int_equal(set_irqs(m.dev, none | trig, 0, 1, UINT32_MAX - 1, NULL, 0), EINVAL);
	/* vectors the index lacks: INTx has one, MSI-X none at all */
	assert_int_equal(set_irqs(m.dev, none | trig, VFIO_PCI_INTX_IRQ_INDEX, 1, 0, NULL, 0),
			 EINVAL);
	assert_int_equal(set_irqs(m.dev, none | trig, VFIO_PCI_INTX_IRQ_INDEX, 0, 2, NULL, 0),
			 EINVAL);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_MSIX_IRQ_INDEX, 0), EINVAL);
	/* two data types, and data shorter than count says */
	assert_int_equal(set_irqs(m.dev, none | VFIO_IRQ_SET_DATA_BOOL | trig, 0, 0, 1, &one, 1),
			 EINVAL);
	assert_int_equal(set_irqs(m.dev, VFIO_IRQ_SET_DATA_EVENTFD | trig, 0, 0, 1, &efd, 3),
			 EINVAL);
	/* two actions: no handler */
	assert_int_equal(set_irqs(m.dev, none | VFIO_IRQ_SET_ACTION_MASK |
						 VFIO_IRQ_SET_ACTION_UNMASK, 0, 0, 1, NULL, 0),
			 ENOTTY);
	/* vfio-pci cannot mask MSI, ERR or REQ */
	assert_int_equal(set_none(m.dev, VFIO_IRQ_SET_ACTION_MASK, VFIO_PCI_MSI_IRQ_INDEX, 1),
			 ENOTTY);
	assert_int_equal(set_none(m.dev, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_MSI_IRQ_INDEX, 1),
			 ENOTTY);
	assert_int_equal(set_none(m.dev, VFIO_IRQ_SET_ACTION_MASK, VFIO_PCI_REQ_IRQ_INDEX, 1),
			 ENOTTY);
	assert_int_equal(set_none(m.dev, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_ERR_IRQ_INDEX, 1),
			 ENOTTY);

	/* nothing enabled: mask, unmask, loopback and disable are refused */
	assert_int_equal(set_none(m.dev, VFIO_IRQ_SET_ACTION_MASK, VFIO_PCI_INTX_IRQ_INDEX, 1),
			 EINVAL);
	assert_int_equal(set_none(m.dev, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX_IRQ_INDEX, 1),
			 EINVAL);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_INTX_IRQ_INDEX, 1), EINVAL);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_INTX_IRQ_INDEX, 0), EINVAL);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_MSI_IRQ_INDEX, 0), EINVAL);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_MSI_IRQ_INDEX, 1), EINVAL);
	/* eventfd_ctx_fdget(): no file EBADF, a file that is no eventfd EINVAL */
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_INTX_IRQ_INDEX, 1000), EBADF);
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_INTX_IRQ_INDEX, m.dev), EINVAL);
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_MSI_IRQ_INDEX, m.iommufd), EINVAL);
	/* ... and the failed MSI enable is undone */
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_MSI_IRQ_INDEX, 0), EINVAL);

	/* INTx on: MSI is refused until INTx is off; masking with an eventfd is not implemented */
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_INTX_IRQ_INDEX, efd), 0);
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_MSI_IRQ_INDEX, efd), EINVAL);
	assert_int_equal(set_efd(m.dev, VFIO_IRQ_SET_ACTION_MASK, VFIO_PCI_INTX_IRQ_INDEX, efd),
			 ENOTTY);
	assert_int_equal(set_efd(m.dev, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX_IRQ_INDEX,
				 m.dev), EINVAL);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_INTX_IRQ_INDEX, 0), EINVAL);

	/* MSI: one vector only */
	fds[0] = fds[1] = efd;
	assert_int_equal(set_irqs(m.dev, VFIO_IRQ_SET_DATA_EVENTFD | trig, VFIO_PCI_MSI_IRQ_INDEX,
				  0, 2, fds, sizeof(fds)), EINVAL);
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_MSI_IRQ_INDEX, efd), 0);
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_INTX_IRQ_INDEX, efd), EINVAL);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_MSI_IRQ_INDEX, 0), 0);

	/* ERR and REQ: one eventfd each */
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_REQ_IRQ_INDEX, 1), EINVAL);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_REQ_IRQ_INDEX, 0), EINVAL);
	assert_int_equal(set_irqs(m.dev, VFIO_IRQ_SET_DATA_BOOL | trig, VFIO_PCI_ERR_IRQ_INDEX, 0,
				  0, NULL, 0), EINVAL);
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_ERR_IRQ_INDEX, -2), EINVAL);
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_REQ_IRQ_INDEX, -1), 0);
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_REQ_IRQ_INDEX, efd), 0);
	assert_int_equal(set_irqs(m.dev, VFIO_IRQ_SET_DATA_BOOL | trig, VFIO_PCI_REQ_IRQ_INDEX, 0,
				  1, &zero, 1), 0);
	assert_int_equal(efd_take(efd), 0);
	assert_int_equal(set_irqs(m.dev, VFIO_IRQ_SET_DATA_BOOL | trig, VFIO_PCI_REQ_IRQ_INDEX, 0,
				  1, &one, 1), 0);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_REQ_IRQ_INDEX, 1), 0);
	assert_int_equal(efd_take(efd), 2);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_REQ_IRQ_INDEX, 0), 0);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_REQ_IRQ_INDEX, 0), EINVAL);
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_ERR_IRQ_INDEX, efd), 0);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_ERR_IRQ_INDEX, 1), 0);
	assert_int_equal(efd_take(efd), 1);
	machine_down(&m);
	close(efd);
}

/* INTx: vfio-pci masks it when it fires; unmasking a pin still up sends it again. */
static void test_intx(void **state)
{
	const uint32_t trig = VFIO_IRQ_SET_ACTION_TRIGGER;
	const uint32_t mask = VFIO_IRQ_SET_ACTION_MASK, unmask = VFIO_IRQ_SET_ACTION_UNMASK;
	int efd = new_efd(), rfd = new_efd();
	uint64_t one = 1;
	uint8_t yes = 1, no = 0;
	struct machine m;

	(void)state;
	machine_up(&m, 0);
	assert_false(cfg_intx_status(&m));
	/* the pin is up before INTx is enabled: it fires at once */
	wr32(&m, EDU_IRQ_RAISE, 0x1);
	/* the status register shows the pending INTx (a guest's uio_pci_generic reads it) */
	assert_true(cfg_intx_status(&m));
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_INTX_IRQ_INDEX, efd), 0);
	assert_int_equal(efd_take(efd), 1);
	/* automasked: more raises are not sent */
	wr32(&m, EDU_IRQ_RAISE, 0x2);
	assert_int_equal(efd_take(efd), 0);
	/* unmask with the pin still up: sent again, still masked */
	assert_int_equal(set_none(m.dev, unmask, VFIO_PCI_INTX_IRQ_INDEX, 1), 0);
	assert_int_equal(efd_take(efd), 1);
	wr32(&m, EDU_IRQ_ACK, 0x1);
	assert_int_equal(rd32(&m, EDU_IRQ_STATUS), 0x2);
	assert_int_equal(efd_take(efd), 0);
	wr32(&m, EDU_IRQ_ACK, 0x2);
	assert_int_equal(rd32(&m, EDU_IRQ_STATUS), 0);
	assert_false(cfg_intx_status(&m));
	assert_int_equal(set_irqs(m.dev, VFIO_IRQ_SET_DATA_BOOL | unmask, VFIO_PCI_INTX_IRQ_INDEX,
				  0, 1, &yes, 1), 0);
	assert_int_equal(efd_take(efd), 0);
	wr32(&m, EDU_IRQ_RAISE, 0x4);
	assert_int_equal(efd_take(efd), 1);
	wr32(&m, EDU_IRQ_ACK, 0x4);
	assert_int_equal(set_none(m.dev, unmask, VFIO_PCI_INTX_IRQ_INDEX, 1), 0);

	/* masked by the program (DATA_BOOL false does nothing) */
	assert_int_equal(set_irqs(m.dev, VFIO_IRQ_SET_DATA_BOOL | mask, VFIO_PCI_INTX_IRQ_INDEX, 0,
				  1, &no, 1), 0);
	wr32(&m, EDU_IRQ_RAISE, 0x8);
	assert_int_equal(efd_take(efd), 1);
	wr32(&m, EDU_IRQ_ACK, 0x8);
	assert_int_equal(set_none(m.dev, unmask, VFIO_PCI_INTX_IRQ_INDEX, 1), 0);
	assert_int_equal(set_none(m.dev, mask, VFIO_PCI_INTX_IRQ_INDEX, 1), 0);
	wr32(&m, EDU_IRQ_RAISE, 0x8);
	assert_int_equal(efd_take(efd), 0);
	assert_int_equal(set_none(m.dev, unmask, VFIO_PCI_INTX_IRQ_INDEX, 1), 0);
	assert_int_equal(efd_take(efd), 1);
	wr32(&m, EDU_IRQ_ACK, 0x8);
	assert_int_equal(set_none(m.dev, unmask, VFIO_PCI_INTX_IRQ_INDEX, 1), 0);

	/* the command register's INTx disable is the mask too */
	cfg_cmd(&m, 0x400, 0);
	wr32(&m, EDU_IRQ_RAISE, 0x10);
	assert_int_equal(efd_take(efd), 0);
	cfg_cmd(&m, 0, 0x400);
	assert_int_equal(efd_take(efd), 1);
	wr32(&m, EDU_IRQ_ACK, 0x10);
	assert_int_equal(set_none(m.dev, unmask, VFIO_PCI_INTX_IRQ_INDEX, 1), 0);

	/* the resampler: a signal on it unmasks */
	assert_int_equal(set_efd(m.dev, unmask, VFIO_PCI_INTX_IRQ_INDEX, rfd), 0);
	wr32(&m, EDU_IRQ_RAISE, 0x20);
	assert_int_equal(efd_take(efd), 1);
	wr32(&m, EDU_IRQ_ACK, 0x20);
	wr32(&m, EDU_IRQ_RAISE, 0x20);
	assert_int_equal(efd_take(efd), 0); /* still masked */
	wr32(&m, EDU_IRQ_ACK, 0x20);
	assert_int_equal(write(rfd, &one, sizeof(one)), sizeof(one));
	wr32(&m, EDU_IRQ_RAISE, 0x20);
	assert_int_equal(efd_take(efd), 1);
	assert_int_equal(efd_take(rfd), 0); /* consumed */
	wr32(&m, EDU_IRQ_ACK, 0x20);
	assert_int_equal(set_efd(m.dev, unmask, VFIO_PCI_INTX_IRQ_INDEX, -1), 0);

	/* loopback, a new eventfd in place, no eventfd at all, then off */
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_INTX_IRQ_INDEX, 1), 0);
	assert_int_equal(set_irqs(m.dev, VFIO_IRQ_SET_DATA_BOOL | trig, VFIO_PCI_INTX_IRQ_INDEX, 0,
				  1, &yes, 1), 0);
	assert_int_equal(efd_take(efd), 2);
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_INTX_IRQ_INDEX, rfd), 0);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_INTX_IRQ_INDEX, 1), 0);
	assert_int_equal(efd_take(rfd), 1);
	assert_int_equal(efd_take(efd), 0);
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_INTX_IRQ_INDEX, -1), 0);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_INTX_IRQ_INDEX, 1), 0);
	assert_int_equal(efd_take(rfd), 0);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	assert_int_equal(set_none(m.dev, mask, VFIO_PCI_INTX_IRQ_INDEX, 1), EINVAL);
	machine_down(&m);
	close(rfd);
	close(efd);
}

/* MSI: one message per raise, DMA and factorial completion interrupts, off at release. */
static void test_msi_and_completion(void **state)
{
	const uint32_t trig = VFIO_IRQ_SET_ACTION_TRIGGER;
	int efd = new_efd(), other = new_efd();
	uint8_t yes = 1;
	struct machine m;

	(void)state;
	machine_up(&m, 0);
	bus_master(&m, true);
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_MSI_IRQ_INDEX, efd), 0);
	/* no INTx while MSI is on */
	assert_int_equal(set_none(m.dev, VFIO_IRQ_SET_ACTION_MASK, VFIO_PCI_INTX_IRQ_INDEX, 1),
			 EINVAL);
	wr32(&m, EDU_IRQ_RAISE, 0x1);
	assert_int_equal(efd_take(efd), 1);
	wr32(&m, EDU_IRQ_RAISE, 0x1);
	wr32(&m, EDU_IRQ_RAISE, 0x2);
	assert_int_equal(efd_take(efd), 2);
	assert_int_equal(rd32(&m, EDU_IRQ_STATUS), 0x3);
	wr32(&m, EDU_IRQ_ACK, 0x3);
	assert_int_equal(rd32(&m, EDU_IRQ_STATUS), 0);
	assert_int_equal(efd_take(efd), 0);

	/* DMA completion with the command's interrupt bit (0x4): status 0x100, one message */
	fill(m.a, PG, 3);
	wr64(&m, 0x80, IOVA_A);
	wr64(&m, 0x88, EDU_BUF);
	wr64(&m, 0x90, 64);
	wr64(&m, 0x98, 0x1 | 0x4);
	assert_int_equal(rd64(&m, 0x98) & 0x1, 0);
	assert_int_equal(rd32(&m, EDU_IRQ_STATUS), 0x100);
	assert_int_equal(efd_take(efd), 1);
	wr32(&m, EDU_IRQ_ACK, 0x100);
	/* without the bit: done, and silent */
	edu_dma(&m, EDU_BUF, IOVA_B, 64, true);
	assert_int_equal(memcmp(m.a, m.b, 64), 0);
	assert_int_equal(rd32(&m, EDU_IRQ_STATUS), 0);
	assert_int_equal(efd_take(efd), 0);
	/* factorial with the status register's interrupt bit (0x80): status 0x1 */
	wr32(&m, 0x20, 0x80);
	wr32(&m, 0x08, 4);
	assert_int_equal(rd32(&m, 0x08), 24);
	assert_int_equal(rd32(&m, EDU_IRQ_STATUS), 0x1);
	assert_int_equal(efd_take(efd), 1);
	wr32(&m, EDU_IRQ_ACK, 0x1);
	wr32(&m, 0x20, 0);
	wr32(&m, 0x08, 3);
	assert_int_equal(rd32(&m, EDU_IRQ_STATUS), 0);
	assert_int_equal(efd_take(efd), 0);

	/* loopback, then the vector moved to another eventfd, then unassigned */
	assert_int_equal(set_irqs(m.dev, VFIO_IRQ_SET_DATA_BOOL | trig, VFIO_PCI_MSI_IRQ_INDEX, 0,
				  1, &yes, 1), 0);
	assert_int_equal(efd_take(efd), 1);
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_MSI_IRQ_INDEX, other), 0);
	wr32(&m, EDU_IRQ_RAISE, 0x1);
	assert_int_equal(efd_take(other), 1);
	assert_int_equal(efd_take(efd), 0);
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_MSI_IRQ_INDEX, -1), 0);
	wr32(&m, EDU_IRQ_RAISE, 0x1);
	assert_int_equal(efd_take(other), 0);
	wr32(&m, EDU_IRQ_ACK, 0x1);
	/* MSI is on when the device is closed: the release switches it off */
	assert_int_equal(set_efd(m.dev, trig, VFIO_PCI_MSI_IRQ_INDEX, efd), 0);
	machine_down(&m);
	machine_up(&m, 0);
	assert_int_equal(set_none(m.dev, trig, VFIO_PCI_MSI_IRQ_INDEX, 0), EINVAL);
	wr32(&m, EDU_IRQ_RAISE, 0x1);
	assert_int_equal(efd_take(efd), 0);
	machine_down(&m);
	close(other);
	close(efd);
}

/* A blocking eventfd at its counter's maximum: the signal is dropped, the daemon goes on. */
static void test_irq_full_eventfd(void **state)
{
	uint64_t full = UINT64_MAX - 1, v = 0;
	int efd = (int)syscall(SYS_eventfd2, 0, O_CLOEXEC);
	struct machine m;

	(void)state;
	assert_true(efd >= 0);
	assert_int_equal(write(efd, &full, sizeof(full)), sizeof(full));
	machine_up(&m, 0);
	assert_int_equal(set_efd(m.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSI_IRQ_INDEX, efd),
			 0);
	wr32(&m, EDU_IRQ_RAISE, 0x1);
	assert_int_equal(rd32(&m, EDU_IRQ_STATUS), 0x1);
	assert_int_equal(read(efd, &v, sizeof(v)), sizeof(v));
	assert_true(v == full);
	machine_down(&m);
	close(efd);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest default_tests[] = {
		cmocka_unit_test(test_default_hw_info),
		cmocka_unit_test(test_vfio_errnos),
		cmocka_unit_test(test_config_and_registers),
		cmocka_unit_test(test_dma_roundtrip),
		cmocka_unit_test(test_dma_blocked),
		cmocka_unit_test(test_dma_iopf),
		cmocka_unit_test(test_dma_after_exec),
		cmocka_unit_test(test_map_fifo_then_sigterm),
		cmocka_unit_test(test_sigterm_while_blocked),
		cmocka_unit_test(test_irq_info),
		cmocka_unit_test(test_set_irqs_errnos),
		cmocka_unit_test(test_intx),
		cmocka_unit_test(test_msi_and_completion),
		cmocka_unit_test(test_irq_full_eventfd),
	};
	const struct CMUnitTest two_tests[] = {
		cmocka_unit_test(test_two_devices),
		cmocka_unit_test(test_vtd_nested_dma),
	};
	const struct CMUnitTest selftest_tests[] = {
		cmocka_unit_test(test_selftest_device),
	};
	const struct CMUnitTest viommu_tests[] = {
		cmocka_unit_test(test_smmuv3_viommu),
		cmocka_unit_test(test_smmuv3_nested_dma),
		cmocka_unit_test(test_amd_and_unsupported_viommu),
	};
	const struct CMUnitTest none_tests[] = {
		cmocka_unit_test(test_no_device),
	};
	const char *group = argc > 1 ? argv[1] : "default";

	if (argc == 6 && !strcmp(group, EXEC_IMAGE))
		return exec_image_main(argv);
	if (argc == 3)
		cmocka_set_test_filter(argv[2]); /* one test, by name */

	if (!strcmp(group, "two"))
		return cmocka_run_group_tests_name("mock-devices-two", two_tests, NULL, NULL);
	if (!strcmp(group, "selftest"))
		return cmocka_run_group_tests_name("mock-devices-selftest", selftest_tests, NULL,
						   NULL);
	if (!strcmp(group, "viommu"))
		return cmocka_run_group_tests_name("mock-devices-viommu", viommu_tests, NULL, NULL);
	if (!strcmp(group, "none"))
		return cmocka_run_group_tests_name("mock-devices-none", none_tests, NULL, NULL);
	return cmocka_run_group_tests_name("mock-devices", default_tests, NULL, NULL);
}
