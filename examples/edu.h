/* SPDX-License-Identifier: MIT */
/*
 * edu.h - what the device examples share: finding a VFIO device cdev and
 * driving QEMU's "edu" PCI device (1234:11e8) through a libiommufd device
 * handle. Registers are reached with pread/pwrite on the VFIO device fd at
 * the offset VFIO_DEVICE_GET_REGION_INFO reports, never with mmap, so that
 * the same code runs on a real kernel and on kmod-mock.
 */
#ifndef EXAMPLES_EDU_H
#define EXAMPLES_EDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iommufd/iommufd.h>

/* edu's DMA engine sees a 4 KiB buffer at this device address. */
#define EDU_BUF_ADDR 0x40000ULL
/*
 * QEMU 7.2's edu aborts on a transfer that reaches the very end of its
 * buffer and cuts DMA addresses to 28 bits: transfers stay at 2 KiB, IOVAs
 * below EDU_DMA_LIMIT.
 */
#define EDU_XFER 2048U
#define EDU_DMA_LIMIT (1ULL << 28)

struct edu {
	struct iommufd_device *dev;
	int fd;
	uint64_t bar0; /* offset of BAR0 in the device fd */
	uint64_t cfg;  /* offset of PCI config space in the device fd */
	const char *prog;
};

/*
 * The VFIO device to use: @arg if given, else $RK_VFIO_DEV or $KT_VFIO_DEV
 * (the real-kernel harness sets them), else the lowest-numbered
 * /dev/vfio/devices/vfioN that can be opened. Returns NULL when none exists;
 * the result is static or @arg.
 */
const char *edu_find_device(const char *arg);

/*
 * Checks that the bound device is an edu (config space ids, liveness
 * register) and switches on memory decoding and bus mastering, without which
 * edu's DMA never leaves the device. Returns 0, -ENODEV for another device,
 * or a negative errno (printed).
 */
int edu_open(struct edu *e, struct iommufd_device *dev, const char *prog);

int edu_read32(struct edu *e, uint32_t reg, uint32_t *val);
int edu_write32(struct edu *e, uint32_t reg, uint32_t val);

/*
 * One DMA transfer of @len bytes, @to_ram: from edu's buffer to @iova, else
 * from @iova into the buffer. Waits until the command register says done: a
 * transfer the IOMMU blocks completes too, as far as the device knows.
 * Returns 0 or a negative errno (-ETIMEDOUT).
 */
int edu_dma(struct edu *e, uint64_t iova, uint32_t len, bool to_ram);

/* Prints "PROG: WHAT failed: reason" for a negative errno and returns it. */
int edu_fail(const char *prog, const char *what, int ret);

#endif /* EXAMPLES_EDU_H */
