// SPDX-License-Identifier: MIT
/*
 * vfio.c - the VFIO device calls a VMM makes next to iommufd on a bound
 * device: interrupts (VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_SET_IRQS with
 * eventfds), PCI config space through the config region (and the command
 * register's bus-master and memory bits), and mmap of regions that offer it.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define SAME_VALUE(lib, kernel) _Static_assert((int)(lib) == (int)(kernel), #lib)
SAME_VALUE(IOMMUFD_IRQ_INFO_EVENTFD, VFIO_IRQ_INFO_EVENTFD);
SAME_VALUE(IOMMUFD_IRQ_INFO_MASKABLE, VFIO_IRQ_INFO_MASKABLE);
SAME_VALUE(IOMMUFD_IRQ_INFO_AUTOMASKED, VFIO_IRQ_INFO_AUTOMASKED);
SAME_VALUE(IOMMUFD_IRQ_INFO_NORESIZE, VFIO_IRQ_INFO_NORESIZE);
SAME_VALUE(IOMMUFD_VFIO_PCI_CONFIG_REGION_INDEX, VFIO_PCI_CONFIG_REGION_INDEX);
SAME_VALUE(IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX, VFIO_PCI_INTX_IRQ_INDEX);
SAME_VALUE(IOMMUFD_VFIO_PCI_REQ_IRQ_INDEX, VFIO_PCI_REQ_IRQ_INDEX);

/* PCI command register: offset and the bits iommufd_device_set_bus_master() changes. */
#define CFG_COMMAND 0x04
#define CMD_MEMORY 0x2
#define CMD_MASTER 0x4

/* 0 if @dev has a VFIO fd to issue device ioctls on (as device.c's check). */
static int vfio_fd_check(const struct iommufd_device *dev)
{
	if (!dev)
		return iommufd_arg_error(-EINVAL, "!dev");
	return dev->fd < 0 ? -EOPNOTSUPP : 0;
}

LIBIOMMUFD_API int iommufd_device_get_irq_info(struct iommufd_device *dev, uint32_t index,
					       struct iommufd_irq_info *info)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	struct vfio_irq_info cmd = {
		.argsz = sizeof(cmd),
		.index = index,
	};
	int ret;

	if (!info)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!info"));
	ret = vfio_fd_check(dev);
	if (ret)
		return iommufd_ret(ret);
	ret = (int)iommufd_fd_ioctl(dev->fd, VFIO_DEVICE_GET_IRQ_INFO, &cmd);
	if (ret)
		return iommufd_ret(ret);
	memset(info, 0, sizeof(*info));
	info->index = index;
	info->flags = cmd.flags;
	info->count = cmd.count;
	return 0;
}

/*
 * VFIO_DEVICE_SET_IRQS with @flags over vectors @start .. @start + @count - 1
 * and @data_len bytes of @data after the header (at most one int32_t per
 * vector). The header and data go in one buffer, as the uAPI lays them out.
 */
static int set_irqs(struct iommufd_device *dev, uint32_t flags, uint32_t index, uint32_t start,
		    uint32_t count, const void *data, size_t data_len)
{
	struct vfio_irq_set *cmd;
	size_t sz = sizeof(*cmd) + data_len;
	int ret;

	ret = vfio_fd_check(dev);
	if (ret)
		return ret;
	/* the kernel's own limit: start + count must not reach 2^32 - 1 */
	if (count >= UINT32_MAX - start)
		return iommufd_arg_error(-EINVAL, "count >= UINT32_MAX - start");
	cmd = calloc(1, sz);
	if (!cmd)
		return -ENOMEM;
	cmd->argsz = (uint32_t)sz;
	cmd->flags = flags;
	cmd->index = index;
	cmd->start = start;
	cmd->count = count;
	if (data_len)
		memcpy(cmd->data, data, data_len);
	ret = (int)iommufd_fd_ioctl(dev->fd, VFIO_DEVICE_SET_IRQS, cmd);
	free(cmd);
	return ret;
}

/* -EINVAL (noted) if an fd of @fds is below -1, the only negative value with a meaning. */
static int check_eventfds(const int32_t *fds, uint32_t count)
{
	uint32_t i;

	for (i = 0; i < count; i++)
		if (fds[i] < -1)
			return iommufd_arg_error(-EINVAL, "fds[i] < -1");
	return 0;
}

LIBIOMMUFD_API int iommufd_device_set_irq_eventfds(struct iommufd_device *dev, uint32_t index,
						   uint32_t start, uint32_t count,
						   const int32_t *fds)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	int ret;

	if (!dev)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!dev"));
	if (!count)
		return iommufd_ret(set_irqs(dev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
					    index, start, 0, NULL, 0));
	if (!fds)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!fds"));
	if (count > (UINT32_MAX - sizeof(struct vfio_irq_set)) / sizeof(int32_t))
		return iommufd_ret(iommufd_arg_error(-EINVAL, "count > VFIO_DEVICE_SET_IRQS's argsz"));
	ret = check_eventfds(fds, count);
	if (ret)
		return iommufd_ret(ret);
	return iommufd_ret(set_irqs(dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				    index, start, count, fds, (size_t)count * sizeof(int32_t)));
}

LIBIOMMUFD_API int iommufd_device_disable_irq(struct iommufd_device *dev, uint32_t index)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);

	return iommufd_ret(set_irqs(dev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
				    index, 0, 0, NULL, 0));
}

/* ACTION_MASK or ACTION_UNMASK with DATA_NONE over a non-empty range. */
static int mask_irq(struct iommufd_device *dev, uint32_t action, uint32_t index, uint32_t start,
		    uint32_t count)
{
	if (!dev)
		return iommufd_arg_error(-EINVAL, "!dev");
	if (!count)
		return iommufd_arg_error(-EINVAL, "!count");
	return set_irqs(dev, VFIO_IRQ_SET_DATA_NONE | action, index, start, count, NULL, 0);
}

LIBIOMMUFD_API int iommufd_device_mask_irq(struct iommufd_device *dev, uint32_t index,
					   uint32_t start, uint32_t count)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);

	return iommufd_ret(mask_irq(dev, VFIO_IRQ_SET_ACTION_MASK, index, start, count));
}

LIBIOMMUFD_API int iommufd_device_unmask_irq(struct iommufd_device *dev, uint32_t index,
					     uint32_t start, uint32_t count)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);

	return iommufd_ret(mask_irq(dev, VFIO_IRQ_SET_ACTION_UNMASK, index, start, count));
}

LIBIOMMUFD_API int iommufd_device_set_irq_unmask_eventfd(struct iommufd_device *dev,
							 uint32_t index, uint32_t vector,
							 int32_t fd)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);

	if (!dev)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!dev"));
	if (fd < -1)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "fd < -1"));
	return iommufd_ret(set_irqs(dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK,
				    index, vector, 1, &fd, sizeof(fd)));
}

/* The config region's offset in the fd, after checking @offset + @len against its size. */
static int config_region(struct iommufd_device *dev, uint32_t offset, size_t len, uint64_t *off)
{
	struct vfio_region_info cmd = {
		.argsz = sizeof(cmd),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	int ret;

	ret = vfio_fd_check(dev);
	if (ret)
		return ret;
	if (!len)
		return iommufd_arg_error(-EINVAL, "!len");
	ret = (int)iommufd_fd_ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, &cmd);
	if (ret)
		return ret;
	if (offset >= cmd.size || len > cmd.size - offset)
		return iommufd_arg_error(-EINVAL, "offset + len > config region size");
	if (cmd.offset > (uint64_t)INT64_MAX - cmd.size)
		return -EOVERFLOW;
	*off = cmd.offset + offset;
	return 0;
}

/* pread/pwrite of all @len bytes at @off: -EIO if the kernel does fewer. */
static int config_rw(struct iommufd_device *dev, void *buf, size_t len, uint64_t off, bool write)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write ? pwrite(dev->fd, (const char *)buf + done, len - done,
					   (off_t)(off + done)) :
				    pread(dev->fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return iommufd_arg_error(-EIO, "config space access made no progress");
		done += (size_t)n;
	}
	return 0;
}

LIBIOMMUFD_API int iommufd_device_read_config(struct iommufd_device *dev, uint32_t offset,
					      void *buf, size_t len)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	uint64_t off;
	int ret;

	if (!buf)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!buf"));
	ret = config_region(dev, offset, len, &off);
	if (!ret)
		ret = config_rw(dev, buf, len, off, false);
	return iommufd_ret(ret);
}

LIBIOMMUFD_API int iommufd_device_write_config(struct iommufd_device *dev, uint32_t offset,
					       const void *buf, size_t len)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	uint64_t off;
	int ret;

	if (!buf)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!buf"));
	ret = config_region(dev, offset, len, &off);
	if (!ret)
		ret = config_rw(dev, (void *)(uintptr_t)buf, len, off, true);
	return iommufd_ret(ret);
}

/* The 16-bit little-endian command register. */
static int read_command(struct iommufd_device *dev, uint64_t off, uint16_t *cmd)
{
	uint8_t b[2];
	int ret = config_rw(dev, b, sizeof(b), off, false);

	*cmd = (uint16_t)(b[0] | b[1] << 8);
	return ret;
}

LIBIOMMUFD_API int iommufd_device_set_bus_master(struct iommufd_device *dev, bool enable)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	const uint16_t bits = CMD_MEMORY | CMD_MASTER;
	uint16_t cmd, want;
	uint64_t off;
	uint8_t b[2];
	int ret;

	ret = config_region(dev, CFG_COMMAND, sizeof(cmd), &off);
	if (!ret)
		ret = read_command(dev, off, &cmd);
	if (ret)
		return iommufd_ret(ret);
	want = enable ? (uint16_t)(cmd | bits) : (uint16_t)(cmd & ~bits);
	if (want != cmd) {
		b[0] = (uint8_t)want;
		b[1] = (uint8_t)(want >> 8);
		ret = config_rw(dev, b, sizeof(b), off, true);
		if (!ret)
			ret = read_command(dev, off, &cmd);
		if (ret)
			return iommufd_ret(ret);
	}
	if ((cmd & bits) != (want & bits))
		return iommufd_ret(iommufd_arg_error(-EIO, "the command register did not take "
							    "bus master and memory space"));
	return 0;
}

LIBIOMMUFD_API int iommufd_device_mmap_region(struct iommufd_device *dev, uint32_t index,
					      int prot, void **addr, uint64_t *length)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	struct vfio_region_info cmd = {
		.argsz = sizeof(cmd),
		.index = index,
	};
	struct iommufd_device_map *maps;
	void *p;
	int ret;

	if (!addr)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!addr"));
	if (!length)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!length"));
	if (prot & ~(PROT_READ | PROT_WRITE))
		return iommufd_ret(iommufd_arg_error(-EINVAL, "prot & ~(PROT_READ | PROT_WRITE)"));
	ret = vfio_fd_check(dev);
	if (ret)
		return iommufd_ret(ret);
	ret = (int)iommufd_fd_ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, &cmd);
	if (ret)
		return iommufd_ret(ret);
	/* vfio-pci's mmap handler answers EINVAL for these: say why before it does */
	if (!(cmd.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!(region.flags & "
							      "IOMMUFD_REGION_INFO_MMAP)"));
	if (!cmd.size)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!region.size"));
	if (((prot & PROT_READ) && !(cmd.flags & VFIO_REGION_INFO_FLAG_READ)) ||
	    ((prot & PROT_WRITE) && !(cmd.flags & VFIO_REGION_INFO_FLAG_WRITE)))
		return iommufd_ret(iommufd_arg_error(-EINVAL, "prot beyond the region's READ/WRITE "
							      "flags"));
	if (cmd.size > SIZE_MAX || cmd.offset > (uint64_t)INT64_MAX)
		return iommufd_ret(-EOVERFLOW);
	p = mmap(NULL, (size_t)cmd.size, prot, MAP_SHARED, dev->fd, (off_t)cmd.offset);
	if (p == MAP_FAILED)
		return iommufd_ret(-errno);
	/* remembered, so that munmap undoes this mapping and nothing else */
	pthread_mutex_lock(&dev->obj.ctx->lock);
	maps = realloc(dev->maps, (dev->nr_maps + 1) * sizeof(*maps));
	if (maps) {
		dev->maps = maps;
		maps[dev->nr_maps++] = (struct iommufd_device_map){ p, cmd.size };
	}
	pthread_mutex_unlock(&dev->obj.ctx->lock);
	if (!maps) {
		munmap(p, (size_t)cmd.size);
		return iommufd_ret(-ENOMEM);
	}
	*addr = p;
	*length = cmd.size;
	return 0;
}

LIBIOMMUFD_API int iommufd_device_munmap_region(struct iommufd_device *dev, void *addr,
						uint64_t length)
{
	IOMMUFD_CHECK(dev, IOMMUFD_OBJ_DEVICE);
	bool found = false;
	size_t i;
	int ret = 0;

	if (!dev)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!dev"));
	if (!addr)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!addr"));
	if (!length)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!length"));
	/* only a whole mapping this device made: never someone else's memory */
	pthread_mutex_lock(&dev->obj.ctx->lock);
	for (i = 0; i < dev->nr_maps; i++) {
		if (dev->maps[i].addr != addr || dev->maps[i].length != length)
			continue;
		found = true;
		ret = munmap(addr, (size_t)length) ? -errno : 0;
		if (!ret)
			dev->maps[i] = dev->maps[--dev->nr_maps];
		break;
	}
	pthread_mutex_unlock(&dev->obj.ctx->lock);
	if (!found)
		ret = iommufd_arg_error(-EINVAL, "not a mapping of this device");
	return ret ? iommufd_ret(ret) : 0;
}
