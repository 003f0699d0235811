// SPDX-License-Identifier: MIT
/*
 * vfio_pci_core.c - what vfio-pci does for a bound device (the kernel's
 * drivers/vfio/pci/vfio_pci_core.c, vfio_pci_config.c, vfio_pci_rdwr.c):
 * VFIO_DEVICE_GET_INFO, GET_REGION_INFO, RESET, the PCI hot reset, the
 * device features of vfio-pci (low power, VF token, dma-buf), and region access by
 * offset (index << 40): a virtualised config space (command register and BAR
 * sizing writable) and BAR0 cut into naturally aligned 8/4/2/1-byte MMIO
 * accesses as vfio-pci's ioread/iowrite loop does.
 *
 * BAR0 is mmap-able (VFIO_REGION_INFO_FLAG_MMAP, as vfio-pci offers a
 * page-aligned memory BAR): vfio_pci_core_mmap() checks the request as the
 * kernel does and answers with a trapping mapping (mock_mmap_result.mmio):
 * the shim performs each load and store of it as a region access, so the
 * registers keep their side effects (transport/shim/mmio.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "vfio.h"

static long vfio_pci_ioctl_get_info(struct mock_pci_dev *pdev, unsigned long arg,
				    const struct mock_task *task)
{
	const size_t minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(task, &info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI;
	if (pdev->reset_works || pdev->behind_bridge)
		info.flags |= VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	return copy_to_user(task, arg, &info, minsz) ? -EFAULT : 0;
}

static long vfio_pci_ioctl_get_region_info(struct mock_pci_dev *pdev, unsigned long arg,
					   const struct mock_task *task)
{
	const size_t minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;

	(void)pdev; /* every device has the same regions */
	if (copy_from_user(task, &info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	switch (info.index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.offset = VFIO_PCI_INDEX_TO_OFFSET(info.index);
		info.size = MOCK_PCI_CFG_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		info.offset = VFIO_PCI_INDEX_TO_OFFSET(info.index);
		info.size = info.index == VFIO_PCI_BAR0_REGION_INDEX ? MOCK_PCI_BAR0_SIZE : 0;
		/*
		 * A memory BAR of at least a page is mmap-able; edu has no
		 * MSI-X table to carve out of it, so no sparse mmap cap
		 */
		info.flags = info.size ? VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
						 VFIO_REGION_INFO_FLAG_MMAP :
					 0;
		break;
	case VFIO_PCI_ROM_REGION_INDEX:
		/* no option ROM */
		info.offset = VFIO_PCI_INDEX_TO_OFFSET(info.index);
		info.size = 0;
		info.flags = 0;
		break;
	default:
		/* VGA (not a VGA device) and anything past the PCI regions */
		return -EINVAL;
	}
	info.cap_offset = 0;
	return copy_to_user(task, arg, &info, minsz) ? -EFAULT : 0;
}

/*
 * vfio_pci_core_mmap(): @offset is the file offset (index << 40 | start in
 * the region, page-aligned), @length whole pages. Every refusal is EINVAL: a
 * region past the PCI ones, a private mapping (VM_SHARED clear), config space,
 * the ROM and VGA, a BAR without mmap (size 0 here), a range past the BAR's
 * end. PROT_* is not looked at. The fault handler's checks (memory decoding
 * off: SIGBUS) happen at each access, in the region access itself (-EIO).
 */
int vfio_pci_core_mmap(struct vfio_device_file *df, uint64_t offset, uint64_t length, int flags,
		       struct mock_mmap_result *res)
{
	uint64_t index = VFIO_PCI_OFFSET_TO_INDEX(offset);
	uint64_t start = offset & VFIO_PCI_OFFSET_MASK;
	uint64_t phys_len;

	(void)df;
	if (index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	if ((flags & MAP_TYPE) != MAP_SHARED && (flags & MAP_TYPE) != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (index >= VFIO_PCI_ROM_REGION_INDEX)
		return -EINVAL;
	if (index != VFIO_PCI_BAR0_REGION_INDEX)
		return -EINVAL; /* size 0: no bar_mmap_supported */
	phys_len = MOCK_PCI_BAR0_SIZE;
	if (length > phys_len || start > phys_len - length)
		return -EINVAL;
	*res = (struct mock_mmap_result){ .memfd = -1, .mmio = true };
	return 0;
}

/*
 * VFIO_DEVICE_GET_PCI_HOT_RESET_INFO. vfio-pci resets a slot or, through the
 * bridge above it, a bus. A device on the root bus (00:NN.0, like edu on
 * QEMU's q35) has neither: ENODEV once the header is read, which is left as
 * it was. A device alone behind a bridge (option "bridge") is the only one
 * the bus reset hits: a cdev open lists it by its dev-id in the caller's
 * iommufd (bound: DEV_ID and DEV_ID_OWNED), a group open by its group number
 * (flags 0). Its address is the machine's (drivers/pci/machine.c).
 */
static long vfio_pci_ioctl_get_pci_hot_reset_info(struct vfio_device_file *df, unsigned long arg,
						  const struct mock_task *task)
{
	const size_t minsz = offsetofend(struct vfio_pci_hot_reset_info, count);
	struct mock_pci_dev *pdev = df->device;
	struct vfio_pci_dependent_device dep = { 0 };
	struct vfio_pci_hot_reset_info hdr;
	long rc = 0;

	if (copy_from_user(task, &hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz)
		return -EINVAL;
	hdr.flags = 0;
	/* pci_probe_reset_slot(): no slot; pci_probe_reset_bus(): no bridge above the root bus */
	if (!pdev->behind_bridge)
		return -ENODEV;
	hdr.count = 1;
	if ((hdr.argsz - minsz) / sizeof(dep) < 1) {
		rc = -ENOSPC;
	} else {
		/* a group open lists the group (flags 0), a cdev open the dev-id */
		dep.devid = df->group ? pdev->iommu_group : df->idev->obj.id;
		dep.segment = pdev->segment;
		dep.bus = pdev->bus;
		dep.devfn = pdev->devfn;
		if (copy_to_user(task, arg + minsz, &dep, sizeof(dep)))
			return -EFAULT;
		if (!df->group)
			hdr.flags = VFIO_PCI_HOT_RESET_FLAG_DEV_ID |
				    VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED;
	}
	if (copy_to_user(task, arg, &hdr, minsz))
		return -EFAULT;
	return rc;
}

/*
 * A reset through the bus (vfio_pci_dev_set_hot_reset(), and
 * VFIO_DEVICE_RESET when the bus is the device's only reset method): the
 * kernel saves config space and restores it after the secondary bus reset,
 * vfio-pci's interrupt setup is untouched, and QEMU's edu has no reset of its
 * own, so its registers stay (measured: tests/kernel/vfio-pci-calls.c with
 * kernel-test.sh --edu-bridge). Nothing the program can see changes.
 */
static void vfio_pci_bus_reset(struct mock_pci_dev *pdev)
{
	(void)pdev;
}

/*
 * VFIO_DEVICE_PCI_HOT_RESET. A cdev-opened device takes only the zero-length
 * form (the devices to reset are those its iommufd owns), never an array of
 * group fds; then, as above, a root-bus device cannot be reset. The only
 * device of a bridged bus is the caller's, bound to its iommufd: owned.
 */
static long vfio_pci_ioctl_pci_hot_reset(struct mock_pci_dev *pdev, unsigned long arg,
					 const struct mock_task *task)
{
	const size_t minsz = offsetofend(struct vfio_pci_hot_reset, count);
	struct vfio_pci_hot_reset hdr;

	if (copy_from_user(task, &hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz || hdr.flags)
		return -EINVAL;
	/* every open of the mock is a cdev open */
	if (hdr.count)
		return -EINVAL;
	if (!pdev->behind_bridge)
		return -ENODEV;
	vfio_pci_bus_reset(pdev);
	return 0;
}

/*
 * vfio_check_feature(): 1 to go on, 0 for a PROBE that found @supported_ops,
 * else the error.
 */
static int vfio_check_feature(uint32_t flags, size_t argsz, uint32_t supported_ops, size_t minsz)
{
	if ((flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)) & ~supported_ops)
		return -EINVAL;
	if (flags & VFIO_DEVICE_FEATURE_PROBE)
		return 0;
	if (!(flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)))
		return -EINVAL;
	if (argsz < minsz)
		return -EINVAL;
	return 1;
}

/*
 * Low power (vfio_pci_core_pm_entry() and friends). The mock's devices have
 * no power management: entering marks the device as the program's to put to
 * sleep, a second entry is refused until the exit, and the device never
 * actually suspends, so a wakeup eventfd is checked and never signalled
 * (doc/mock-divergences.md).
 */
static long pm_entry(struct vfio_device_file *df)
{
	if (df->pm_engaged)
		return -EINVAL;
	df->pm_engaged = true;
	return 0;
}

long vfio_pci_core_ioctl_feature(struct vfio_device_file *df, uint32_t flags, unsigned long arg,
				 size_t argsz, const struct mock_call *call)
{
	struct vfio_device_low_power_entry_with_wakeup entry;
	int rc;

	switch (flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
		rc = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
		if (rc != 1)
			return rc;
		return pm_entry(df);
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP:
		rc = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, sizeof(entry));
		if (rc != 1)
			return rc;
		if (copy_from_user(call->task, &entry, arg, sizeof(entry)))
			return -EFAULT;
		if (entry.wakeup_eventfd < 0)
			return -EINVAL;
		rc = vfio_pci_eventfd_check(call, entry.wakeup_eventfd);
		if (rc)
			return rc;
		return pm_entry(df);
	case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
		rc = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
		if (rc != 1)
			return rc;
		df->pm_engaged = false;
		return 0;
	case VFIO_DEVICE_FEATURE_PCI_VF_TOKEN:
		/* only an SR-IOV PF has a VF token */
	case VFIO_DEVICE_FEATURE_DMA_BUF:
		/*
		 * a kernel without VFIO_PCI_DMABUF (no PCI_P2PDMA), like the
		 * project's test kernel: doc/mock-divergences.md
		 */
	case VFIO_DEVICE_FEATURE_ZPCI_ERROR:
		/* s390 only */
	default:
		return -ENOTTY;
	}
}

long vfio_pci_core_ioctl(struct vfio_device_file *df, unsigned int cmd, unsigned long arg,
			 const struct mock_call *call)
{
	const struct mock_task *task = call->task;
	struct mock_pci_dev *pdev = df->device;

	switch (cmd) {
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vfio_pci_ioctl_get_irq_info(pdev, arg, task);
	case VFIO_DEVICE_SET_IRQS:
		return vfio_pci_ioctl_set_irqs(pdev, arg, call);
	case VFIO_DEVICE_GET_INFO:
		return vfio_pci_ioctl_get_info(pdev, arg, task);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vfio_pci_ioctl_get_region_info(pdev, arg, task);
	case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO:
		return vfio_pci_ioctl_get_pci_hot_reset_info(df, arg, task);
	case VFIO_DEVICE_PCI_HOT_RESET:
		return vfio_pci_ioctl_pci_hot_reset(pdev, arg, task);
	case VFIO_DEVICE_RESET:
		/* the device's own reset ("reset") comes before the bus's ("bridge") */
		if (pdev->reset_works)
			mock_pci_dev_reset(pdev);
		else if (pdev->behind_bridge)
			vfio_pci_bus_reset(pdev);
		else
			return -EINVAL;
		return 0;
	default:
		return -ENOTTY;
	}
}

/* Writes to config space: only what vfio-pci lets through or virtualises. */
static void config_write(struct mock_pci_dev *pdev, unsigned int pos, uint8_t val)
{
	static const uint16_t cmd_mask = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
					 0x0040 /* parity */ | 0x0100 /* SERR */ |
					 PCI_COMMAND_INTX_DISABLE;

	if (pos == PCI_COMMAND || pos == PCI_COMMAND + 1) {
		uint8_t m = (uint8_t)(pos == PCI_COMMAND ? cmd_mask : cmd_mask >> 8);
		uint8_t old = pdev->config[pos];

		pdev->config[pos] = (uint8_t)((pdev->config[pos] & ~m) | (val & m));
		/* vfio-pci virtualises INTx disable as its INTx mask */
		if (pos == PCI_COMMAND + 1 && ((old ^ val) & (PCI_COMMAND_INTX_DISABLE >> 8)))
			vfio_pci_intx_disable_write(pdev,
						    val & (PCI_COMMAND_INTX_DISABLE >> 8));
		return;
	}
	/*
	 * The MSI capability is virtual (vfio_pci_config.c): the program may
	 * write enable and multiple message enable, the address and the data.
	 */
	if (pos == MOCK_PCI_MSI_CAP + 2) {
		pdev->config[pos] = (uint8_t)((pdev->config[pos] & ~(PCI_MSI_FLAGS_ENABLE |
								       PCI_MSI_FLAGS_QSIZE)) |
					      (val & (PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE)));
		return;
	}
	if (pos >= MOCK_PCI_MSI_CAP + 4 && pos < MOCK_PCI_MSI_CAP + 14) {
		pdev->config[pos] = val;
		return;
	}
	if (pos >= PCI_BASE_ADDRESS_0 && pos < PCI_BASE_ADDRESS_0 + 4) {
		unsigned int shift = (pos - PCI_BASE_ADDRESS_0) * 8;
		uint32_t bar = pdev->bar0_addr;

		bar = (bar & ~(0xffU << shift)) | ((uint32_t)val << shift);
		/* a BAR takes addresses aligned to its size; all-ones reads the size back */
		pdev->bar0_addr = bar & ~(uint32_t)(MOCK_PCI_BAR0_SIZE - 1);
		pdev->config[pos] = (uint8_t)(pdev->bar0_addr >> shift);
		return;
	}
	if (pos == 0x3c) /* interrupt line: scratch for the OS */
		pdev->config[pos] = val;
}

static ssize_t config_rw(struct mock_pci_dev *pdev, void *buf, size_t len, uint64_t pos,
			 bool write)
{
	size_t i;

	if (pos >= MOCK_PCI_CFG_SIZE)
		return -EINVAL;
	if (len > MOCK_PCI_CFG_SIZE - pos)
		len = MOCK_PCI_CFG_SIZE - pos;
	for (i = 0; i != len; i++) {
		if (write)
			config_write(pdev, (unsigned int)(pos + i), ((uint8_t *)buf)[i]);
		else
			((uint8_t *)buf)[i] = pdev->config[pos + i];
	}
	return (ssize_t)len;
}

static uint64_t bar0_read(struct mock_pci_dev *pdev, uint64_t addr, unsigned int size)
{
	if (pdev->model == MOCK_PCI_EDU)
		return edu_mmio_read(pdev, addr, size);
	return ~0ULL;
}

static void bar0_write(struct mock_pci_dev *pdev, uint64_t addr, uint64_t val, unsigned int size)
{
	if (pdev->model == MOCK_PCI_EDU)
		edu_mmio_write(pdev, addr, val, size);
}

static ssize_t bar_rw(struct mock_pci_dev *pdev, unsigned int index, uint8_t *buf, size_t len,
		      uint64_t pos, bool write)
{
	uint64_t end = index == VFIO_PCI_BAR0_REGION_INDEX ? MOCK_PCI_BAR0_SIZE : 0;
	size_t done = 0;

	if (pos >= end)
		return -EINVAL;
	if (len > end - pos)
		len = (size_t)(end - pos);
	/* vfio-pci refuses BAR access while memory decoding is off */
	if (!(pdev->config[PCI_COMMAND] & PCI_COMMAND_MEMORY))
		return -EIO;
	while (done < len) {
		uint64_t at = pos + done, val = 0;
		size_t left = len - done;
		unsigned int size;

		if (left >= 8 && !(at % 8))
			size = 8;
		else if (left >= 4 && !(at % 4))
			size = 4;
		else if (left >= 2 && !(at % 2))
			size = 2;
		else
			size = 1;
		if (write) {
			memcpy(&val, buf + done, size);
			bar0_write(pdev, at, val, size);
		} else {
			val = bar0_read(pdev, at, size);
			memcpy(buf + done, &val, size);
		}
		done += size;
	}
	return (ssize_t)len;
}

/* vfio_pci_rw(): @buf is the caller's data, already copied in (write) or to be copied out. */
ssize_t vfio_pci_rw(struct mock_pci_dev *pdev, void *buf, size_t len, uint64_t off, bool write)
{
	uint64_t index = VFIO_PCI_OFFSET_TO_INDEX(off);
	uint64_t pos = off & VFIO_PCI_OFFSET_MASK;

	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return config_rw(pdev, buf, len, pos, write);
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		return bar_rw(pdev, (unsigned int)index, buf, len, pos, write);
	default:
		/* no ROM, no VGA, nothing past the PCI regions */
		return -EINVAL;
	}
}
