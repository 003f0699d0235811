/* SPDX-License-Identifier: MIT */
/*
 * vfio.h - the mock's VFIO side (the kernel's drivers/vfio/vfio.h and
 * vfio_pci_core): configured PCI devices, their cdev files and the device
 * models behind BAR0 (QEMU's edu, or a plain device).
 */
#ifndef KMOD_MOCK_VFIO_H
#define KMOD_MOCK_VFIO_H

#include <stdbool.h>
#include <stdint.h>

#include "iommufd_private.h"

#define VFIO_PCI_OFFSET_SHIFT 40
#define VFIO_PCI_INDEX_TO_OFFSET(index) ((uint64_t)(index) << VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_OFFSET_TO_INDEX(off) ((off) >> VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_OFFSET_MASK ((1ULL << VFIO_PCI_OFFSET_SHIFT) - 1)

#define MOCK_PCI_CFG_SIZE 256
#define MOCK_PCI_BAR0_SIZE (1ULL << 20)

/* PCI config space registers the mock virtualises. */
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_BASE_ADDRESS_0 0x10

/* The edu device (QEMU hw/misc/edu.c). */
#define EDU_DMA_START 0x40000
#define EDU_DMA_SIZE 4096
#define EDU_DMA_RUN 0x1
#define EDU_DMA_TO_PCI 0x2 /* direction bit: 1 = edu buffer -> RAM */
#define EDU_DMA_IRQ 0x4

enum mock_pci_model {
	MOCK_PCI_EDU,
	MOCK_PCI_PLAIN, /* config space and an inert BAR0, no DMA engine */
};

struct edu_state {
	uint32_t addr4;
	uint32_t fact;
	uint32_t status;
	uint32_t irq_status;
	uint64_t dma_src, dma_dst, dma_cnt, dma_cmd;
	uint64_t dma_mask;
	unsigned int nr_dma;     /* transfers started */
	unsigned int nr_dma_err; /* transfers refused (range) or faulted */
	uint8_t dma_buf[EDU_DMA_SIZE];
};

/* A configured VFIO PCI device, /dev/vfio/devices/vfio<index>. */
struct mock_pci_dev {
	struct mock_kernel *k;
	unsigned int index;
	enum mock_pci_model model;
	bool reset_works;
	unsigned int dma_bits;
	struct mock_dev mdev; /* what its IOMMU knows of it */
	uint8_t config[MOCK_PCI_CFG_SIZE];
	uint32_t bar0_addr;
	bool bar0_sizing; /* all-ones was written to BAR0 */
	struct edu_state edu;
	/* the cdev file that has the device open (vfio's open_count), and its bind */
	struct vfio_device_file *open_df;
};

/* One open of a device cdev (kernel: struct vfio_device_file). */
struct vfio_device_file {
	struct mock_pci_dev *device;
	struct mock_file *file;
	struct iommufd_ctx *iommufd;
	struct iommufd_device *idev;
	bool access_granted;
};

/* machine.c */
int mock_machine_init(struct mock_kernel *k, const char *spec, char *err, size_t err_len);
void mock_machine_free(struct mock_kernel *k);
void mock_pci_dev_reset(struct mock_pci_dev *pdev);

/* device_cdev.c */
int vfio_device_fops_cdev_open(struct mock_kernel *k, const char *path, int oflags,
			       struct mock_file **out);
void vfio_device_fops_release(struct mock_file *f);
long vfio_device_fops_unl_ioctl(struct mock_file *f, unsigned int cmd, unsigned long arg,
				struct mock_call *call);
ssize_t vfio_device_fops_rw(struct mock_file *f, uint64_t ubuf, size_t len, uint64_t off,
			    bool write, struct mock_call *call);

/* vfio_pci_core.c */
long vfio_pci_core_ioctl(struct mock_pci_dev *pdev, unsigned int cmd, unsigned long arg,
			 const struct mock_task *task);
ssize_t vfio_pci_rw(struct mock_pci_dev *pdev, void *buf, size_t len, uint64_t off, bool write);

/* edu.c */
void edu_reset(struct mock_pci_dev *pdev);
uint64_t edu_mmio_read(struct mock_pci_dev *pdev, uint64_t addr, unsigned int size);
void edu_mmio_write(struct mock_pci_dev *pdev, uint64_t addr, uint64_t val, unsigned int size);

#endif /* KMOD_MOCK_VFIO_H */
