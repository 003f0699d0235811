// SPDX-License-Identifier: MIT
/*
 * pci_sysfs.c - what the kernel's drivers/pci/pci-sysfs.c shows of a device:
 * the config space as the hardware holds it (not vfio-pci's virtualised
 * view). The shim builds /sys/bus/pci/devices/BDF from it (shim/sysfs.c).
 */
#include <errno.h>
#include <string.h>

#include "vfio.h"

int mock_kernel_pci_config(struct mock_kernel *k, unsigned int index, unsigned int off,
			   uint32_t *val)
{
	const struct mock_pci_dev *pdev;

	if (index >= k->nr_pci_devs)
		return -ENODEV;
	if (off % 4 || off >= MOCK_PCI_CFG_SIZE)
		return -EINVAL;
	pdev = k->pci_devs[index];
	*val = (uint32_t)pdev->config[off] | (uint32_t)pdev->config[off + 1] << 8 |
	       (uint32_t)pdev->config[off + 2] << 16 | (uint32_t)pdev->config[off + 3] << 24;
	return 0;
}

int mock_kernel_pci_ident(struct mock_kernel *k, unsigned int index, struct mock_pci_ident *id)
{
	const struct mock_pci_dev *pdev;

	if (index >= k->nr_pci_devs)
		return -ENODEV;
	pdev = k->pci_devs[index];
	memset(id, 0, sizeof(*id));
	id->segment = pdev->segment;
	id->bus = pdev->bus;
	id->devfn = pdev->devfn;
	id->behind_bridge = pdev->behind_bridge;
	if (pdev->behind_bridge) {
		id->bridge_bus = pdev->bridge_bus;
		id->bridge_devfn = pdev->bridge_devfn;
	}
	id->iommu_group = pdev->iommu_group;
	return 0;
}
