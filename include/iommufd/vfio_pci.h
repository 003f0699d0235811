/* SPDX-License-Identifier: MIT */
/*
 * iommufd/vfio_pci.h - the fixed region and interrupt indexes of a vfio-pci
 * device, for the region and IRQ calls on a device bound to iommufd.
 */
#ifndef IOMMUFD_VFIO_PCI_H
#define IOMMUFD_VFIO_PCI_H

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup vfio_pci VFIO PCI indexes
 *
 * A vfio-pci device numbers its regions and interrupts the same way on
 * every kernel: BARs 0 to 5, the expansion ROM, the configuration space and
 * the VGA ranges, then device-specific regions from
 * IOMMUFD_VFIO_PCI_NUM_REGIONS on (found through the region info's
 * capability chain); INTx, MSI, MSI-X, the error and the request
 * notifications. Use them as the region index of the region info call (and
 * its offset for pread/pwrite/mmap on the device fd) and as the IRQ index of
 * VFIO_DEVICE_GET_IRQ_INFO / VFIO_DEVICE_SET_IRQS.
 *
 * @{
 */

/** Region indexes of a vfio-pci device (the kernel's values). */
enum iommufd_vfio_pci_region {
	IOMMUFD_VFIO_PCI_BAR0_REGION_INDEX = 0,   /**< BAR 0. */
	IOMMUFD_VFIO_PCI_BAR1_REGION_INDEX = 1,   /**< BAR 1. */
	IOMMUFD_VFIO_PCI_BAR2_REGION_INDEX = 2,   /**< BAR 2. */
	IOMMUFD_VFIO_PCI_BAR3_REGION_INDEX = 3,   /**< BAR 3. */
	IOMMUFD_VFIO_PCI_BAR4_REGION_INDEX = 4,   /**< BAR 4. */
	IOMMUFD_VFIO_PCI_BAR5_REGION_INDEX = 5,   /**< BAR 5. */
	IOMMUFD_VFIO_PCI_ROM_REGION_INDEX = 6,    /**< The expansion ROM. */
	IOMMUFD_VFIO_PCI_CONFIG_REGION_INDEX = 7, /**< The configuration space. */
	/** The legacy VGA ranges (memory 0xa0000-0xbffff, I/O 0x3b0-0x3bb and 0x3c0-0x3df). */
	IOMMUFD_VFIO_PCI_VGA_REGION_INDEX = 8,
	/** Number of fixed regions; device-specific regions have this index and above. */
	IOMMUFD_VFIO_PCI_NUM_REGIONS = 9,
};

/** Interrupt indexes of a vfio-pci device (the kernel's values). */
enum iommufd_vfio_pci_irq {
	IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX = 0, /**< The legacy INTx pin (one vector, level). */
	IOMMUFD_VFIO_PCI_MSI_IRQ_INDEX = 1,  /**< MSI vectors. */
	IOMMUFD_VFIO_PCI_MSIX_IRQ_INDEX = 2, /**< MSI-X vectors. */
	IOMMUFD_VFIO_PCI_ERR_IRQ_INDEX = 3,  /**< Notification of an uncorrectable AER error. */
	IOMMUFD_VFIO_PCI_REQ_IRQ_INDEX = 4,  /**< Notification that the kernel wants the device back. */
	IOMMUFD_VFIO_PCI_NUM_IRQS = 5,       /**< Number of interrupt indexes. */
};

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_VFIO_PCI_H */
