/* SPDX-License-Identifier: MIT */
/*
 * vfio.h - the mock's VFIO side (the kernel's drivers/vfio/vfio.h and
 * vfio_pci_core): the cdev files of the PCI devices of drivers/pci/pci.h,
 * their regions and ioctls.
 */
#ifndef KMOD_MOCK_VFIO_H
#define KMOD_MOCK_VFIO_H

#include <stdbool.h>
#include <stdint.h>

#include "iommufd_private.h"
#include "pci.h"

#define VFIO_PCI_OFFSET_SHIFT 40
#define VFIO_PCI_INDEX_TO_OFFSET(index) ((uint64_t)(index) << VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_OFFSET_TO_INDEX(off) ((off) >> VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_OFFSET_MASK ((1ULL << VFIO_PCI_OFFSET_SHIFT) - 1)

struct vfio_group;

/* One open of a device, its cdev or through its group (kernel: struct vfio_device_file). */
struct vfio_device_file {
	struct mock_pci_dev *device;
	struct vfio_group *group; /* opened by VFIO_GROUP_GET_DEVICE_FD (group.c) */
	struct mock_file *file;
	struct iommufd_ctx *iommufd;
	struct iommufd_device *idev;
	bool access_granted;
	/* vfio-pci's pm_runtime_engaged: LOW_POWER_ENTRY until LOW_POWER_EXIT or close */
	bool pm_engaged;
};

/* device_cdev.c */
int vfio_device_fops_cdev_open(struct mock_kernel *k, const char *path, int oflags,
			       struct mock_file **out);
void vfio_device_fops_release(struct mock_file *f);
long vfio_device_fops_unl_ioctl(struct mock_file *f, unsigned int cmd, unsigned long arg,
				struct mock_call *call);
ssize_t vfio_device_fops_rw(struct mock_file *f, uint64_t ubuf, size_t len, uint64_t off,
			    bool write, struct mock_call *call);

/* group.c */
int vfio_group_fops_open(struct mock_kernel *k, const char *path, int oflags,
			 struct mock_file **out);
/* The device's name in its group: its address, "00ed:00:01.0" (drivers/pci/machine.c). */
void vfio_device_name(const struct mock_pci_dev *pdev, char *buf, size_t len);
/* Is the device's group file open (a cdev bind is then EBUSY)? */
bool vfio_device_group_opened(const struct mock_pci_dev *pdev);
void vfio_df_group_close(struct vfio_device_file *df);

/* vfio_pci_core.c */
long vfio_pci_core_ioctl(struct vfio_device_file *df, unsigned int cmd, unsigned long arg,
			 const struct mock_call *call);
long vfio_pci_core_ioctl_feature(struct vfio_device_file *df, uint32_t flags, unsigned long arg,
				 size_t argsz, const struct mock_call *call);
int vfio_pci_core_mmap(struct vfio_device_file *df, uint64_t offset, uint64_t length, int flags,
		       struct mock_mmap_result *res);
ssize_t vfio_pci_rw(struct mock_pci_dev *pdev, void *buf, size_t len, uint64_t off, bool write);

/* vfio_pci_intrs.c */
void vfio_pci_irqs_init(struct mock_pci_dev *pdev);
void vfio_pci_irqs_release(struct mock_pci_dev *pdev);
void vfio_pci_irqs_poll(struct mock_pci_dev *pdev);
void vfio_pci_intx_disable_write(struct mock_pci_dev *pdev, bool disable);
long vfio_pci_ioctl_get_irq_info(struct mock_pci_dev *pdev, unsigned long arg,
				 const struct mock_task *task);
long vfio_pci_ioctl_set_irqs(struct mock_pci_dev *pdev, unsigned long arg,
			     const struct mock_call *call);
int vfio_pci_eventfd_check(const struct mock_call *call, int32_t ufd);

#endif /* KMOD_MOCK_VFIO_H */
