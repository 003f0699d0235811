// SPDX-License-Identifier: MIT
/*
 * vfio_main.c - the VFIO device file's operations (the kernel's
 * vfio_device_fops in drivers/vfio/vfio_main.c); the ops themselves are in
 * device_cdev.c.
 */
#include "iommufd_private.h"
#include "vfio.h"

/*
 * A load or store trapped in a BAR mapping: what vfio_pci_mmap_huge_fault()
 * refuses with VM_FAULT_SIGBUS before the access is made. It also refuses
 * with memory decoding off, which the region access itself answers (-EIO).
 */
static bool vfio_mmio_fault_refused(struct mock_file *f, const struct mock_call *call)
{
	const struct vfio_device_file *df = f->private_data;

	return call->mmio_fault && df->pm_engaged;
}

static ssize_t vfio_device_fops_read(struct mock_file *f, uint64_t ubuf, size_t len,
				     uint64_t off, struct mock_call *call)
{
	if (vfio_mmio_fault_refused(f, call))
		return -EIO;
	return vfio_device_fops_rw(f, ubuf, len, off, false, call);
}

static ssize_t vfio_device_fops_write(struct mock_file *f, uint64_t ubuf, size_t len,
				      uint64_t off, struct mock_call *call)
{
	if (vfio_mmio_fault_refused(f, call))
		return -EIO;
	return vfio_device_fops_rw(f, ubuf, len, off, true, call);
}

/*
 * vfio_device_fops_mmap(): EINVAL before the bind grants access; then the
 * driver's (vfio_pci_core_mmap()).
 */
static int vfio_device_fops_mmap(struct mock_file *f, uint64_t offset, uint64_t length, int prot,
				 int flags, struct mock_mmap_result *res)
{
	struct vfio_device_file *df = f->private_data;

	(void)prot; /* vfio-pci looks at none of PROT_*: a store to a read-only mapping faults */
	if (!df->access_granted)
		return -EINVAL;
	return vfio_pci_core_mmap(df, offset, length, flags, res);
}

const struct mock_file_operations vfio_device_fops = {
	.release = vfio_device_fops_release,
	.unlocked_ioctl = vfio_device_fops_unl_ioctl,
	.pread = vfio_device_fops_read,
	.pwrite = vfio_device_fops_write,
	.mmap = vfio_device_fops_mmap,
};
