/* SPDX-License-Identifier: MIT */
/*
 * drv-helpers.h - what the driver data suites (test-drv-*.c) share: a mock
 * machine driven through raw ioctls, as a VMM drives the kernel, so that the
 * values of <iommufd/intel_vtd.h>, <iommufd/arm_smmuv3.h>, ... are what the
 * (mock) kernel and its devices see, byte for byte. The machine is
 * IOMMUFD_MOCK_DEVICES (tests/lib/meson.build); device 0 is an edu.
 */
#ifndef LIBIOMMUFD_TESTS_DRV_HELPERS_H
#define LIBIOMMUFD_TESTS_DRV_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define DRV_PG 4096UL
#define DRV_EDU_BUF 0x40000ULL /* the edu's internal buffer, in its DMA space */
#define DRV_IOVA_A 0x100000ULL
#define DRV_IOVA_B 0x200000ULL
#define DRV_IOVA_T 0x300000ULL /* guest tables (stage 1) */

struct drv_machine {
	int iommufd;
	int dev;          /* /dev/vfio/devices/vfio0 */
	uint32_t ioas_id;
	uint32_t dev_id;
	uint32_t hwpt_id; /* the HWPT the kernel made when the device was attached to the IOAS */
	uint64_t bar0;    /* file offsets of the edu's BAR 0 and config space */
	uint64_t cfg;
	uint8_t *a, *b;   /* one page each at DRV_IOVA_A and DRV_IOVA_B */
};

/* ioctl(): 0 or the errno. */
int drv_ioctl(int fd, unsigned long cmd, void *arg);

/* /dev/iommu, an IOAS, vfio0 bound and attached to it, pages A and B mapped. */
void drv_up(struct drv_machine *m);
void drv_down(struct drv_machine *m);
/*
 * cmocka teardown: drv_down() of the machine a failed test left up (closing
 * the files releases every object), so that the next test starts clean.
 */
int drv_teardown(void **state);

int drv_map(struct drv_machine *m, void *buf, size_t len, uint64_t iova, bool writeable);
int drv_destroy(struct drv_machine *m, uint32_t id);
int drv_attach(struct drv_machine *m, uint32_t pt_id);
int drv_hwpt_alloc(struct drv_machine *m, uint32_t flags, uint32_t pt_id, uint32_t data_type,
		   const void *data, uint32_t data_len, uint32_t *id);
int drv_viommu_alloc(struct drv_machine *m, uint32_t type, uint32_t parent, uint32_t *id);
/* IOMMU_VIOMMU_ALLOC on @fd for device @dev_id with driver data (in and out). */
int drv_viommu_alloc_data(int fd, uint32_t dev_id, uint32_t type, uint32_t parent, void *data,
			  uint32_t data_len, uint32_t *id);
int drv_vdevice_alloc(struct drv_machine *m, uint32_t viommu, uint64_t virt_id, uint32_t *id);
/* IOMMU_HWPT_INVALIDATE on @id; *@num in: entries, out: entries the kernel took. */
int drv_invalidate(struct drv_machine *m, uint32_t id, uint32_t type, const void *entries,
		   uint32_t entry_len, uint32_t *num);
/* IOMMU_GET_HW_INFO of the device: the data type, the data into @data. */
int drv_hw_info(struct drv_machine *m, void *data, uint32_t len, uint32_t *type);
/* VFIO_DEVICE_GET_REGION_INFO: the offset; the size into *@size unless NULL. */
int drv_region(struct drv_machine *m, uint32_t index, uint64_t *offset, uint64_t *size);

/* Bus Master on, then one edu DMA of a page: RAM at @iova -> edu buffer or back. */
void drv_bus_master(struct drv_machine *m);
void drv_edu_dma(struct drv_machine *m, uint64_t iova, bool to_ram);

#endif /* LIBIOMMUFD_TESTS_DRV_HELPERS_H */
