/* SPDX-License-Identifier: MIT */
/*
 * pci.h - the mock's PCI side: the configured PCI devices (machine.c), their
 * config space, and the device models behind BAR0 (QEMU's edu, edu.c, or a
 * plain device). VFIO hands them to programs (drivers/vfio/vfio.h).
 */
#ifndef KMOD_MOCK_PCI_H
#define KMOD_MOCK_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "iommufd_private.h"

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

struct vfio_device_file;

/* A configured PCI device, /dev/vfio/devices/vfio<index> to VFIO. */
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

/* machine.c */
int mock_machine_init(struct mock_kernel *k, const char *spec, char *err, size_t err_len);
void mock_machine_free(struct mock_kernel *k);
void mock_pci_dev_reset(struct mock_pci_dev *pdev);

/* edu.c */
void edu_reset(struct mock_pci_dev *pdev);
uint64_t edu_mmio_read(struct mock_pci_dev *pdev, uint64_t addr, unsigned int size);
void edu_mmio_write(struct mock_pci_dev *pdev, uint64_t addr, uint64_t val, unsigned int size);

#endif /* KMOD_MOCK_PCI_H */
