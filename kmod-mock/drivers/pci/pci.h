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
#define PCI_STATUS 0x06
#define PCI_STATUS_INTERRUPT 0x08 /* INTx asserted (read-only) */
#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_INTERRUPT_PIN 0x3d
#define MOCK_PCI_MSI_CAP 0x40 /* edu's MSI capability */
#define PCI_MSI_FLAGS_ENABLE 0x1
#define PCI_MSI_FLAGS_QMASK 0xe
#define PCI_MSI_FLAGS_QSIZE 0x70

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
struct vfio_group;

/*
 * vfio-pci's interrupt state of a device (the kernel's irq_type, ctx[] and
 * the ERR/REQ eventfds). Eventfds are the daemon's fds of the caller's
 * eventfds (passed with SCM_RIGHTS), -1 for none.
 */
#define MOCK_PCI_MAX_MSI 1
struct mock_pci_irqs {
	int type;           /* the VFIO_PCI_*_IRQ_INDEX enabled, -1 none */
	int intx_trigger;   /* INTx eventfd */
	int intx_unmask;    /* the resampler: signalling it unmasks INTx */
	bool intx_masked;   /* by vfio-pci when it fired, or by the program */
	bool intx_level;    /* the device asserts its INTx pin */
	unsigned int nr_msi; /* vectors enabled */
	int msi_trigger[MOCK_PCI_MAX_MSI];
	int err_trigger, req_trigger;
};

/* A configured PCI device, /dev/vfio/devices/vfio<index> to VFIO. */
struct mock_pci_dev {
	struct mock_kernel *k;
	unsigned int index;
	enum mock_pci_model model;
	bool reset_works;
	/*
	 * alone behind a PCI bridge at bus index+1, slot 1 (device option
	 * "bridge"), so vfio-pci can reset it through the bus; else on the root bus
	 */
	bool behind_bridge;
	/*
	 * Where the machine put it (machine.c, the one source every view takes
	 * it from: VFIO's group and device names, hot reset, the shim's sysfs):
	 * PCI segment, bus and devfn, the bridge above it (behind_bridge) and
	 * its IOMMU group number (/dev/vfio/N).
	 */
	uint16_t segment;
	uint8_t bus, devfn;
	uint8_t bridge_bus, bridge_devfn;
	unsigned int iommu_group;
	unsigned int dma_bits;
	struct mock_dev mdev; /* what its IOMMU knows of it */
	uint8_t config[MOCK_PCI_CFG_SIZE];
	uint32_t bar0_addr;
	bool bar0_sizing; /* all-ones was written to BAR0 */
	struct edu_state edu;
	struct mock_pci_irqs irqs;
	/* the file that has the device open (vfio's open_count), and its bind */
	struct vfio_device_file *open_df;
	struct vfio_group *group; /* /dev/vfio/N while in use (drivers/vfio/group.c) */
};

/* machine.c */
int mock_machine_init(struct mock_kernel *k, const char *spec, unsigned int group_base, char *err,
		      size_t err_len);
void mock_machine_free(struct mock_kernel *k);
void mock_pci_dev_reset(struct mock_pci_dev *pdev);

/*
 * A device model's interrupt lines (the host side is vfio-pci's,
 * drivers/vfio/vfio_pci_intrs.c): the level of its INTx pin, an MSI message
 * of vector @vector, and whether the host has MSI enabled on it.
 */
void mock_pci_set_intx(struct mock_pci_dev *pdev, bool level);
void mock_pci_msi_notify(struct mock_pci_dev *pdev, unsigned int vector);
bool mock_pci_msi_enabled(const struct mock_pci_dev *pdev);

/*
 * A device model's DMA (the kernel's dma_map + the device's bus cycles): @len
 * bytes at bus address @iova with @pasid, @write meaning device -> memory,
 * through whatever domain the IOMMU has attached there (none: blocked). 0, or
 * the IOMMU fault (recorded and reported; nothing was touched).
 */
static inline int mock_pci_dma_rw(struct mock_pci_dev *pdev, uint32_t pasid, uint64_t iova,
				  void *buf, size_t len, bool write)
{
	return mock_iommu_dma(&pdev->mdev, pasid, iova, buf, len, write);
}

/* edu.c */
void edu_reset(struct mock_pci_dev *pdev);
uint64_t edu_mmio_read(struct mock_pci_dev *pdev, uint64_t addr, unsigned int size);
void edu_mmio_write(struct mock_pci_dev *pdev, uint64_t addr, uint64_t val, unsigned int size);

#endif /* KMOD_MOCK_PCI_H */
