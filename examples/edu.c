// SPDX-License-Identifier: MIT
/*
 * edu.c - the helpers of edu.h: device lookup and QEMU's edu device driven
 * through pread/pwrite on its VFIO device fd.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "edu.h"

/* vfio-pci's fixed region indexes, from <iommufd/vfio_pci.h>. */
#define VFIO_PCI_BAR0 IOMMUFD_VFIO_PCI_BAR0_REGION_INDEX
#define VFIO_PCI_CONFIG IOMMUFD_VFIO_PCI_CONFIG_REGION_INDEX

#define PCI_VENDOR_ID 0x00
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8

#define EDU_REG_IDENT 0x00
#define EDU_REG_LIVENESS 0x04
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_COUNT 0x90
#define EDU_REG_DMA_CMD 0x98
#define EDU_CMD_START 0x1
#define EDU_CMD_TO_RAM 0x2

#define VFIO_DEVICES "/dev/vfio/devices/"
#define MAX_PROBE 64

int edu_fail(const char *prog, const char *what, int ret)
{
	fprintf(stderr, "%s: %s failed: %s (%s)\n", prog, what, iommufd_strerror(ret),
		strerror(-ret));
	return ret;
}

/* The N of "vfioN", or -1 for any other name. */
static long vfio_index(const char *name)
{
	char *end;
	long n;

	if (strncmp(name, "vfio", 4) || name[4] < '0' || name[4] > '9')
		return -1;
	errno = 0;
	n = strtol(name + 4, &end, 10);
	if (errno || *end || n < 0 || n >= 1000000)
		return -1;
	return n;
}

const char *edu_find_device(const char *arg)
{
	static char path[sizeof(VFIO_DEVICES) + 32]; /* "vfio" and any long */
	const char *env;
	struct dirent *de;
	long best = -1, n;
	DIR *dir;

	if (arg && *arg)
		return arg;
	env = getenv("RK_VFIO_DEV");
	if (!env || !*env)
		env = getenv("KT_VFIO_DEV");
	if (env && *env)
		return env;

	dir = opendir(VFIO_DEVICES);
	if (dir) {
		while ((de = readdir(dir))) {
			n = vfio_index(de->d_name);
			if (n >= 0 && (best < 0 || n < best))
				best = n;
		}
		closedir(dir);
	}
	if (best < 0) {
		/*
		 * No directory to list (kmod-mock serves the cdevs to open()
		 * only): try the names the kernel would give, in order.
		 */
		for (n = 0; n < MAX_PROBE && best < 0; n++) {
			int fd;

			snprintf(path, sizeof(path), VFIO_DEVICES "vfio%ld", n);
			fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd >= 0)
				close(fd);
			if (fd >= 0 || errno != ENOENT)
				best = n;
		}
	}
	if (best < 0)
		return NULL;
	snprintf(path, sizeof(path), VFIO_DEVICES "vfio%ld", best);
	return path;
}

static int dev_pread(struct edu *e, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(e->fd, buf, len, (off_t)off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int dev_pwrite(struct edu *e, const void *buf, size_t len, uint64_t off)
{
	ssize_t n = pwrite(e->fd, buf, len, (off_t)off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int edu_read32(struct edu *e, uint32_t reg, uint32_t *val)
{
	return dev_pread(e, val, sizeof(*val), e->bar0 + reg);
}

/*
 * 32-bit accesses only: edu takes 4 or 8 bytes at 0x80 and up, and vfio-pci
 * before Linux 6.11 passes no 8-byte access through.
 */
int edu_write32(struct edu *e, uint32_t reg, uint32_t val)
{
	return dev_pwrite(e, &val, sizeof(val), e->bar0 + reg);
}

int edu_open(struct edu *e, struct iommufd_device *dev, const char *prog)
{
	struct iommufd_region_info bar0, cfg;
	struct iommufd_device_info info;
	uint16_t ids[2], cmd;
	uint32_t ident, live;
	int ret;

	memset(e, 0, sizeof(*e));
	e->dev = dev;
	e->prog = prog;
	e->fd = iommufd_device_get_fd(dev);
	if (e->fd < 0)
		return edu_fail(prog, "getting the VFIO device fd", e->fd);
	ret = iommufd_device_get_info(dev, &info);
	if (ret)
		return edu_fail(prog, "VFIO_DEVICE_GET_INFO", ret);
	if (!(info.flags & IOMMUFD_DEVICE_INFO_PCI) || info.num_regions <= VFIO_PCI_CONFIG) {
		fprintf(stderr, "%s: not a vfio-pci device (flags %#x, %u regions)\n", prog,
			info.flags, info.num_regions);
		return -ENODEV;
	}
	ret = iommufd_device_get_region_info(dev, VFIO_PCI_BAR0, &bar0);
	if (!ret)
		ret = iommufd_device_get_region_info(dev, VFIO_PCI_CONFIG, &cfg);
	if (ret)
		return edu_fail(prog, "VFIO_DEVICE_GET_REGION_INFO", ret);
	e->bar0 = bar0.offset;
	e->cfg = cfg.offset;

	ret = dev_pread(e, ids, sizeof(ids), e->cfg + PCI_VENDOR_ID);
	if (ret)
		return edu_fail(prog, "reading PCI config space", ret);
	if (ids[0] != EDU_VENDOR || ids[1] != EDU_DEVICE || bar0.size < 0x1000 ||
	    (bar0.flags & (IOMMUFD_REGION_INFO_READ | IOMMUFD_REGION_INFO_WRITE)) !=
		    (IOMMUFD_REGION_INFO_READ | IOMMUFD_REGION_INFO_WRITE)) {
		fprintf(stderr, "%s: PCI device %04x:%04x is not QEMU's edu (1234:11e8)\n", prog,
			ids[0], ids[1]);
		return -ENODEV;
	}

	ret = edu_read32(e, EDU_REG_IDENT, &ident);
	if (!ret)
		ret = edu_write32(e, EDU_REG_LIVENESS, 0x12345678);
	if (!ret)
		ret = edu_read32(e, EDU_REG_LIVENESS, &live);
	if (ret)
		return edu_fail(prog, "accessing BAR0", ret);
	if ((ident & 0xff) != 0xed || live != ~0x12345678U) {
		fprintf(stderr, "%s: edu does not answer: ident %#x, liveness %#x\n", prog, ident,
			live);
		return -EIO;
	}

	ret = dev_pread(e, &cmd, sizeof(cmd), e->cfg + PCI_COMMAND);
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (!ret)
		ret = dev_pwrite(e, &cmd, sizeof(cmd), e->cfg + PCI_COMMAND);
	if (!ret)
		ret = dev_pread(e, &cmd, sizeof(cmd), e->cfg + PCI_COMMAND);
	if (ret)
		return edu_fail(prog, "enabling bus mastering", ret);
	if (!(cmd & PCI_COMMAND_MASTER)) {
		fprintf(stderr, "%s: bus mastering stays off (command %#x)\n", prog, cmd);
		return -EIO;
	}
	printf("edu: BAR0 %#llx bytes at fd offset %#llx, ident %#x, bus master on\n",
	       (unsigned long long)bar0.size, (unsigned long long)bar0.offset, ident);
	return 0;
}

int edu_dma(struct edu *e, uint64_t iova, uint32_t len, bool to_ram)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	uint64_t src = to_ram ? EDU_BUF_ADDR : iova;
	uint64_t dst = to_ram ? iova : EDU_BUF_ADDR;
	uint32_t cmd;
	int ret, i;

	if (len > EDU_XFER || iova >= EDU_DMA_LIMIT || EDU_DMA_LIMIT - iova < len)
		return -EINVAL;
	ret = edu_write32(e, EDU_REG_DMA_SRC, (uint32_t)src);
	if (!ret)
		ret = edu_write32(e, EDU_REG_DMA_DST, (uint32_t)dst);
	if (!ret)
		ret = edu_write32(e, EDU_REG_DMA_COUNT, len);
	if (!ret)
		ret = edu_write32(e, EDU_REG_DMA_CMD,
				  EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	if (ret)
		return edu_fail(e->prog, "starting an edu DMA", ret);
	/* QEMU runs a transfer 100 ms (virtual time) after the start; the mock at once */
	for (i = 0; i < 2000; i++) {
		ret = edu_read32(e, EDU_REG_DMA_CMD, &cmd);
		if (ret)
			return edu_fail(e->prog, "polling the edu DMA", ret);
		if (!(cmd & EDU_CMD_START))
			return 0;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "%s: edu DMA did not finish\n", e->prog);
	return -ETIMEDOUT;
}
