// SPDX-License-Identifier: MIT
/*
 * drv-helpers.c - the raw-ioctl mock machine of the driver data suites (see
 * drv-helpers.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iommufd/vfio_pci.h>

#include "iommufd-uapi.h"
#include "drv-helpers.h"

#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_CMD_START 0x1
#define EDU_CMD_TO_RAM 0x2
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MASTER 0x4

int drv_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

int drv_map(struct drv_machine *m, void *buf, size_t len, uint64_t iova, bool writeable)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 (writeable ? IOMMU_IOAS_MAP_WRITEABLE : 0),
		.ioas_id = m->ioas_id,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	return drv_ioctl(m->iommufd, IOMMU_IOAS_MAP, &cmd);
}

int drv_destroy(struct drv_machine *m, uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return drv_ioctl(m->iommufd, IOMMU_DESTROY, &cmd);
}

int drv_attach(struct drv_machine *m, uint32_t pt_id)
{
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = pt_id };

	return drv_ioctl(m->dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
}

int drv_hwpt_alloc(struct drv_machine *m, uint32_t flags, uint32_t pt_id, uint32_t data_type,
		   const void *data, uint32_t data_len, uint32_t *id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = m->dev_id, .pt_id = pt_id,
		.data_type = data_type, .data_len = data_len, .data_uptr = (uintptr_t)data,
	};
	int rc = drv_ioctl(m->iommufd, IOMMU_HWPT_ALLOC, &cmd);

	if (!rc && id)
		*id = cmd.out_hwpt_id;
	return rc;
}

int drv_viommu_alloc(struct drv_machine *m, uint32_t type, uint32_t parent, uint32_t *id)
{
	struct iommu_viommu_alloc cmd = {
		.size = sizeof(cmd), .type = type, .dev_id = m->dev_id, .hwpt_id = parent,
	};
	int rc = drv_ioctl(m->iommufd, IOMMU_VIOMMU_ALLOC, &cmd);

	if (!rc && id)
		*id = cmd.out_viommu_id;
	return rc;
}

int drv_viommu_alloc_data(int fd, uint32_t dev_id, uint32_t type, uint32_t parent, void *data,
			  uint32_t data_len, uint32_t *id)
{
	struct iommu_viommu_alloc cmd = {
		.size = sizeof(cmd), .type = type, .dev_id = dev_id, .hwpt_id = parent,
		.data_len = data_len, .data_uptr = (uintptr_t)data,
	};
	int rc = drv_ioctl(fd, IOMMU_VIOMMU_ALLOC, &cmd);

	if (!rc && id)
		*id = cmd.out_viommu_id;
	return rc;
}

int drv_vdevice_alloc(struct drv_machine *m, uint32_t viommu, uint64_t virt_id, uint32_t *id)
{
	struct iommu_vdevice_alloc cmd = {
		.size = sizeof(cmd), .viommu_id = viommu, .dev_id = m->dev_id, .virt_id = virt_id,
	};
	int rc = drv_ioctl(m->iommufd, IOMMU_VDEVICE_ALLOC, &cmd);

	if (!rc && id)
		*id = cmd.out_vdevice_id;
	return rc;
}

int drv_invalidate(struct drv_machine *m, uint32_t id, uint32_t type, const void *entries,
		   uint32_t entry_len, uint32_t *num)
{
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd), .hwpt_id = id, .data_uptr = (uintptr_t)entries,
		.data_type = type, .entry_len = entry_len, .entry_num = *num,
	};
	int rc = drv_ioctl(m->iommufd, IOMMU_HWPT_INVALIDATE, &cmd);

	*num = cmd.entry_num;
	return rc;
}

int drv_hw_info(struct drv_machine *m, void *data, uint32_t len, uint32_t *type)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd), .dev_id = m->dev_id, .data_len = len,
		.data_uptr = (uintptr_t)data,
	};
	int rc = drv_ioctl(m->iommufd, IOMMU_GET_HW_INFO, &cmd);

	if (!rc)
		*type = cmd.out_data_type;
	return rc;
}

int drv_region(struct drv_machine *m, uint32_t index, uint64_t *offset, uint64_t *size)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };
	int rc = drv_ioctl(m->dev, VFIO_DEVICE_GET_REGION_INFO, &ri);

	if (rc)
		return rc;
	*offset = ri.offset;
	if (size)
		*size = ri.size;
	return 0;
}

/*
 * A copy of the machine a test brought up: the test's own struct is on a
 * stack that a failed assertion has left by the time teardown runs.
 */
static struct drv_machine drv_current;
static bool drv_is_up;

void drv_up(struct drv_machine *m)
{
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };

	memset(m, 0, sizeof(*m));
	m->iommufd = m->dev = -1;
	m->a = m->b = MAP_FAILED;
	drv_current = *m;
	drv_is_up = true;
	m->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	drv_current.iommufd = m->iommufd;
	assert_true(m->iommufd >= 0);
	assert_int_equal(drv_ioctl(m->iommufd, IOMMU_IOAS_ALLOC, &ia), 0);
	m->ioas_id = ia.out_ioas_id;
	m->dev = open("/dev/vfio/devices/vfio0", O_RDWR | O_CLOEXEC);
	drv_current.dev = m->dev;
	assert_true(m->dev >= 0);
	bind.iommufd = m->iommufd;
	assert_int_equal(drv_ioctl(m->dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), 0);
	m->dev_id = bind.out_devid;

	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = m->ioas_id };

	assert_int_equal(drv_ioctl(m->dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
	m->hwpt_id = at.pt_id;
	/* the region indexes of <iommufd/vfio_pci.h> */
	assert_int_equal(drv_region(m, IOMMUFD_VFIO_PCI_BAR0_REGION_INDEX, &m->bar0, NULL), 0);
	assert_int_equal(drv_region(m, IOMMUFD_VFIO_PCI_CONFIG_REGION_INDEX, &m->cfg, NULL), 0);
	m->a = mmap(NULL, DRV_PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	m->b = mmap(NULL, DRV_PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	drv_current.a = m->a;
	drv_current.b = m->b;
	assert_true(m->a != MAP_FAILED && m->b != MAP_FAILED);
	assert_int_equal(drv_map(m, m->a, DRV_PG, DRV_IOVA_A, true), 0);
	assert_int_equal(drv_map(m, m->b, DRV_PG, DRV_IOVA_B, true), 0);
}

void drv_down(struct drv_machine *m)
{
	if (m->dev >= 0)
		close(m->dev);
	if (m->iommufd >= 0)
		close(m->iommufd);
	if (m->a != MAP_FAILED)
		munmap(m->a, DRV_PG);
	if (m->b != MAP_FAILED)
		munmap(m->b, DRV_PG);
	m->iommufd = m->dev = -1;
	m->a = m->b = MAP_FAILED;
	drv_is_up = false;
}

int drv_teardown(void **state)
{
	(void)state;
	if (drv_is_up)
		drv_down(&drv_current);
	return 0;
}

static void wr64(struct drv_machine *m, uint64_t reg, uint64_t v)
{
	assert_int_equal(pwrite(m->dev, &v, 8, (off_t)(m->bar0 + reg)), 8);
}

void drv_bus_master(struct drv_machine *m)
{
	uint16_t cmd;

	assert_int_equal(pread(m->dev, &cmd, 2, (off_t)(m->cfg + PCI_COMMAND)), 2);
	cmd = (uint16_t)(cmd | PCI_COMMAND_MASTER);
	assert_int_equal(pwrite(m->dev, &cmd, 2, (off_t)(m->cfg + PCI_COMMAND)), 2);
}

void drv_edu_dma(struct drv_machine *m, uint64_t iova, bool to_ram)
{
	uint64_t cmd = 0;

	wr64(m, EDU_DMA_SRC, to_ram ? DRV_EDU_BUF : iova);
	wr64(m, EDU_DMA_DST, to_ram ? iova : DRV_EDU_BUF);
	wr64(m, EDU_DMA_COUNT, DRV_PG);
	wr64(m, EDU_DMA_CMD, EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	/* the mock's edu finishes the transfer before the write returns */
	assert_int_equal(pread(m->dev, &cmd, 8, (off_t)(m->bar0 + EDU_DMA_CMD)), 8);
	assert_int_equal(cmd & EDU_CMD_START, 0);
}
