// SPDX-License-Identifier: MIT
/*
 * edu.c - a model of QEMU's educational PCI device (hw/misc/edu.c, 1234:11e8)
 * behind BAR0: identification, liveness check, factorial, interrupt status and
 * the DMA engine with its 4 KiB buffer at device address 0x40000.
 *
 * Unlike QEMU, which runs a transfer 100 ms (virtual time) after the command
 * write, the mock runs it synchronously inside that write: a program that
 * polls the command register sees it finished at once. Every page of a
 * transfer goes through the IOMMU (mock_pci_dma_rw()); a fault leaves memory
 * and the device buffer untouched and is recorded on the device.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pci.h"

#define EDU_STATUS_COMPUTING 0x01
#define EDU_STATUS_IRQFACT 0x80
#define EDU_FACT_IRQ 0x00000001
#define EDU_DMA_IRQ_STATUS 0x00000100

/*
 * edu_raise_irq() / edu_lower_irq(): with MSI enabled every raise is one
 * message; otherwise the INTx pin follows the status register.
 */
static void edu_raise_irq(struct mock_pci_dev *pdev, uint32_t val)
{
	struct edu_state *edu = &pdev->edu;

	edu->irq_status |= val;
	if (!edu->irq_status)
		return;
	if (mock_pci_msi_enabled(pdev))
		mock_pci_msi_notify(pdev, 0);
	else
		mock_pci_set_intx(pdev, true);
}

static void edu_lower_irq(struct mock_pci_dev *pdev, uint32_t val)
{
	struct edu_state *edu = &pdev->edu;

	edu->irq_status &= ~val;
	if (!edu->irq_status && !mock_pci_msi_enabled(pdev))
		mock_pci_set_intx(pdev, false);
}

void edu_reset(struct mock_pci_dev *pdev)
{
	struct edu_state *edu = &pdev->edu;

	memset(edu, 0, sizeof(*edu));
	pdev->irqs.intx_level = false;
	pdev->config[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTERRUPT;
	edu->dma_mask = pdev->dma_bits >= 64 ? UINT64_MAX : (1ULL << pdev->dma_bits) - 1;
}

/* The transfer length and buffer offset, or false when QEMU would go out of bounds. */
static bool edu_check_range(uint64_t xfer, uint64_t cnt, uint64_t *off)
{
	if (xfer < EDU_DMA_START || cnt > EDU_DMA_SIZE ||
	    xfer - EDU_DMA_START > EDU_DMA_SIZE - cnt)
		return false;
	*off = xfer - EDU_DMA_START;
	return true;
}

static void edu_dma_run(struct mock_pci_dev *pdev)
{
	struct edu_state *edu = &pdev->edu;
	bool to_ram = edu->dma_cmd & EDU_DMA_TO_PCI;
	uint64_t off, cnt = edu->dma_cnt;
	int rc = 0;

	edu->nr_dma++;
	/* with Bus Master off the transfer never reaches the IOMMU or memory */
	if (!(pdev->config[PCI_COMMAND] & PCI_COMMAND_MASTER))
		goto done;
	if (!edu_check_range(to_ram ? edu->dma_src : edu->dma_dst, cnt, &off)) {
		edu->nr_dma_err++;
		goto done;
	}
	if (to_ram) {
		rc = mock_pci_dma_rw(pdev, IOMMU_NO_PASID, edu->dma_dst & edu->dma_mask,
				     edu->dma_buf + off, cnt, true);
	} else {
		unsigned char tmp[EDU_DMA_SIZE];

		rc = mock_pci_dma_rw(pdev, IOMMU_NO_PASID, edu->dma_src & edu->dma_mask, tmp,
				     cnt, false);
		if (!rc)
			memcpy(edu->dma_buf + off, tmp, cnt);
	}
	if (rc)
		edu->nr_dma_err++;
done:
	edu->dma_cmd &= ~(uint64_t)EDU_DMA_RUN;
	if (edu->dma_cmd & EDU_DMA_IRQ)
		edu_raise_irq(pdev, EDU_DMA_IRQ_STATUS);
}

static uint32_t factorial(uint32_t n)
{
	uint32_t r = 1;

	while (n > 0)
		r *= n--;
	return r;
}

uint64_t edu_mmio_read(struct mock_pci_dev *pdev, uint64_t addr, unsigned int size)
{
	struct edu_state *edu = &pdev->edu;

	if (addr < 0x80 && size != 4)
		return ~0ULL;
	if (addr >= 0x80 && size != 4 && size != 8)
		return ~0ULL;
	switch (addr) {
	case 0x00:
		return 0x010000edu;
	case 0x04:
		return edu->addr4;
	case 0x08:
		return edu->fact;
	case 0x20:
		return edu->status;
	case 0x24:
		return edu->irq_status;
	case 0x80:
		return edu->dma_src;
	case 0x88:
		return edu->dma_dst;
	case 0x90:
		return edu->dma_cnt;
	case 0x98:
		return edu->dma_cmd;
	default:
		return ~0ULL;
	}
}

void edu_mmio_write(struct mock_pci_dev *pdev, uint64_t addr, uint64_t val, unsigned int size)
{
	struct edu_state *edu = &pdev->edu;

	if (addr < 0x80 && size != 4)
		return;
	if (addr >= 0x80 && size != 4 && size != 8)
		return;
	switch (addr) {
	case 0x04:
		edu->addr4 = ~(uint32_t)val;
		break;
	case 0x08:
		/* the factorial is done by the time anyone can look */
		edu->fact = factorial((uint32_t)val);
		if (edu->status & EDU_STATUS_IRQFACT)
			edu_raise_irq(pdev, EDU_FACT_IRQ);
		break;
	case 0x20:
		if (val & EDU_STATUS_IRQFACT)
			edu->status |= EDU_STATUS_IRQFACT;
		else
			edu->status &= ~(uint32_t)EDU_STATUS_IRQFACT;
		break;
	case 0x60:
		edu_raise_irq(pdev, (uint32_t)val);
		break;
	case 0x64:
		edu_lower_irq(pdev, (uint32_t)val);
		break;
	case 0x80:
		edu->dma_src = size == 4 ? (uint32_t)val : val;
		break;
	case 0x88:
		edu->dma_dst = size == 4 ? (uint32_t)val : val;
		break;
	case 0x90:
		edu->dma_cnt = size == 4 ? (uint32_t)val : val;
		break;
	case 0x98:
		if (!(val & EDU_DMA_RUN))
			break;
		edu->dma_cmd = size == 4 ? (uint32_t)val : val;
		edu_dma_run(pdev);
		break;
	default:
		break;
	}
}
