// SPDX-License-Identifier: MIT
/*
 * edu-irq.c - interrupt-driven DMA with libiommufd's VFIO helpers: bind a
 * VFIO device cdev, attach it to an IOAS, map two buffers, switch on bus
 * mastering, connect edu's MSI (or, without MSI, its INTx) to an eventfd,
 * then let QEMU's edu copy one buffer into the other in two DMA transfers,
 * each of which raises an interrupt when done: the program sleeps in poll(2)
 * on the eventfd instead of polling the device, acknowledges the interrupt
 * (and unmasks INTx), and checks the bytes.
 *
 * Usage: edu-irq [/dev/vfio/devices/vfioN]
 * Exit 0 on success, 1 on failure, 77 when there is no VFIO device, no
 * iommufd, no edu, or no interrupts (VFIO_DEVICE_GET_IRQ_INFO answers
 * ENOTTY: a VFIO driver without interrupts, or kmod-mock before issue 15).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iommufd/iommufd.h>

#include "edu.h"

#define PROG "edu-irq"
#define PAGE 4096UL
#define EXIT_SKIP 77

#define IOVA_A 0x100000ULL
#define IOVA_B 0x200000ULL

/* edu's registers beyond edu.h: DMA, and the interrupt status/acknowledge pair. */
#define EDU_REG_IRQ_STATUS 0x24
#define EDU_REG_IRQ_ACK 0x64
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_COUNT 0x90
#define EDU_REG_DMA_CMD 0x98
#define EDU_CMD_START 0x1
#define EDU_CMD_TO_RAM 0x2
#define EDU_CMD_IRQ 0x4       /* raise EDU_IRQ_DMA when the transfer is done */
#define EDU_IRQ_DMA 0x100

/* QEMU (TCG) runs a transfer 100 ms of virtual time later; allow a slow host. */
#define IRQ_TIMEOUT_MS 30000

struct irq {
	uint32_t index; /* IOMMUFD_VFIO_PCI_MSI_IRQ_INDEX or _INTX_IRQ_INDEX */
	int efd;
};

/* Connects the first vector of MSI, else INTx, to a new eventfd. 77: no interrupts. */
static int irq_setup(struct iommufd_device *dev, struct irq *irq)
{
	struct iommufd_irq_info msi, intx;
	int ret;

	ret = iommufd_device_get_irq_info(dev, IOMMUFD_VFIO_PCI_MSI_IRQ_INDEX, &msi);
	if (ret == -ENOTTY) {
		printf(PROG ": SKIP: no interrupts: VFIO_DEVICE_GET_IRQ_INFO answers ENOTTY "
		       "(a VFIO driver without interrupts)\n");
		return EXIT_SKIP;
	}
	if (ret)
		return edu_fail(PROG, "reading the MSI interrupt info", ret);
	ret = iommufd_device_get_irq_info(dev, IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX, &intx);
	if (ret)
		return edu_fail(PROG, "reading the INTx interrupt info", ret);
	printf("interrupts: MSI %" PRIu32 " vector(s) (flags %#" PRIx32 "), INTx %" PRIu32
	       " (flags %#" PRIx32 ")\n", msi.count, msi.flags, intx.count, intx.flags);
	irq->index = msi.count ? IOMMUFD_VFIO_PCI_MSI_IRQ_INDEX : IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX;
	if (!msi.count && !intx.count) {
		printf(PROG ": SKIP: the device has neither MSI nor INTx\n");
		return EXIT_SKIP;
	}
	irq->efd = eventfd(0, EFD_CLOEXEC);
	if (irq->efd < 0)
		return edu_fail(PROG, "eventfd", -errno);
	ret = iommufd_device_set_irq_eventfds(dev, irq->index, 0, 1, &irq->efd);
	if (ret) {
		close(irq->efd);
		irq->efd = -1;
		return edu_fail(PROG, "connecting the interrupt to an eventfd", ret);
	}
	printf("%s vector 0 signals eventfd %d\n",
	       irq->index == IOMMUFD_VFIO_PCI_MSI_IRQ_INDEX ? "MSI" : "INTx", irq->efd);
	return 0;
}

/*
 * One transfer that ends with an interrupt: start it, sleep until the
 * eventfd fires, check that the device says "DMA done", acknowledge it (and
 * unmask INTx, which the kernel masked when it fired).
 */
static int dma_irq(struct edu *e, const struct irq *irq, uint64_t iova, bool to_ram)
{
	struct pollfd pfd = { .fd = irq->efd, .events = POLLIN };
	uint64_t src = to_ram ? EDU_BUF_ADDR : iova, dst = to_ram ? iova : EDU_BUF_ADDR;
	uint32_t status, cmd;
	uint64_t count;
	int ret;

	ret = edu_write32(e, EDU_REG_DMA_SRC, (uint32_t)src);
	if (!ret)
		ret = edu_write32(e, EDU_REG_DMA_DST, (uint32_t)dst);
	if (!ret)
		ret = edu_write32(e, EDU_REG_DMA_COUNT, EDU_XFER);
	if (!ret)
		ret = edu_write32(e, EDU_REG_DMA_CMD,
				  EDU_CMD_START | EDU_CMD_IRQ | (to_ram ? EDU_CMD_TO_RAM : 0));
	if (ret)
		return edu_fail(PROG, "starting the DMA", ret);
	ret = poll(&pfd, 1, IRQ_TIMEOUT_MS);
	if (ret < 0)
		return edu_fail(PROG, "poll", -errno);
	if (ret == 0) {
		fprintf(stderr, PROG ": FAIL: no interrupt within %d ms\n", IRQ_TIMEOUT_MS);
		return -ETIMEDOUT;
	}
	if (read(irq->efd, &count, sizeof(count)) != sizeof(count))
		return edu_fail(PROG, "reading the eventfd", -errno);
	ret = edu_read32(e, EDU_REG_IRQ_STATUS, &status);
	if (!ret)
		ret = edu_read32(e, EDU_REG_DMA_CMD, &cmd);
	if (ret)
		return edu_fail(PROG, "reading the interrupt status", ret);
	if (!(status & EDU_IRQ_DMA) || (cmd & EDU_CMD_START)) {
		fprintf(stderr, PROG ": FAIL: interrupt without a finished DMA (status %#x, "
			"command %#x)\n", status, cmd);
		return -EIO;
	}
	ret = edu_write32(e, EDU_REG_IRQ_ACK, status);
	if (!ret && irq->index == IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX)
		ret = iommufd_device_unmask_irq(e->dev, irq->index, 0, 1);
	if (ret)
		return edu_fail(PROG, "acknowledging the interrupt", ret);
	printf("DMA %s IOVA %#" PRIx64 ": interrupt (eventfd count %" PRIu64 ", status %#x)\n",
	       to_ram ? "edu ->" : "edu <-", iova, count, status);
	return 0;
}

static int map_fixed(struct iommufd_ioas *ioas, void *buf, uint64_t iova, uint32_t flags)
{
	IOMMUFD_OPTS(iommufd_ioas_map_opts, opts, .flags = IOMMUFD_MAP_FIXED_IOVA | flags);
	int ret = iommufd_ioas_map(ioas, buf, PAGE, &iova, &opts);

	return ret ? edu_fail(PROG, "mapping a buffer", ret) : 0;
}

static int run(struct iommufd_ctx *ctx, struct iommufd_device *dev, uint8_t *a, uint8_t *b)
{
	struct irq irq = { .efd = -1 };
	struct iommufd_ioas *ioas = NULL;
	struct edu e;
	unsigned int i;
	int ret, rc = 1;

	ret = iommufd_ioas_create(ctx, &ioas);
	if (ret) {
		edu_fail(PROG, "creating an IOAS", ret);
		return 1;
	}
	ret = iommufd_device_attach(dev, iommufd_ioas_as_pt(ioas), NULL);
	if (ret) {
		edu_fail(PROG, "attaching the device", ret);
		goto out_ioas;
	}
	ret = edu_open(&e, dev, PROG);
	if (ret) {
		rc = ret == -ENODEV ? EXIT_SKIP : 1;
		goto out_detach;
	}
	/* edu_open switched them on already; this is the library's way */
	ret = iommufd_device_set_bus_master(dev, true);
	if (ret) {
		edu_fail(PROG, "enabling bus mastering", ret);
		goto out_detach;
	}
	ret = irq_setup(dev, &irq);
	if (ret) {
		rc = ret == EXIT_SKIP ? EXIT_SKIP : 1;
		goto out_detach;
	}

	for (i = 0; i < PAGE; i++)
		a[i] = (uint8_t)(i * 13 + 5);
	memset(b, 0, PAGE);
	if (map_fixed(ioas, a, IOVA_A, IOMMUFD_MAP_READABLE) ||
	    map_fixed(ioas, b, IOVA_B, IOMMUFD_MAP_READABLE | IOMMUFD_MAP_WRITEABLE))
		goto out_irq;
	if (dma_irq(&e, &irq, IOVA_A, false) || dma_irq(&e, &irq, IOVA_B, true))
		goto out_irq;
	if (memcmp(a, b, EDU_XFER)) {
		fprintf(stderr, PROG ": FAIL: buffer B does not hold A's %u bytes\n", EDU_XFER);
		goto out_irq;
	}
	for (i = EDU_XFER; i < PAGE; i++) {
		if (b[i]) {
			fprintf(stderr, PROG ": FAIL: byte %u of B past the transfer changed\n", i);
			goto out_irq;
		}
	}
	printf("A -> edu -> B: %u bytes, two interrupts, verified byte for byte\n", EDU_XFER);
	rc = 0;

out_irq:
	ret = iommufd_device_disable_irq(dev, irq.index);
	if (ret) {
		edu_fail(PROG, "disabling the interrupt", ret);
		rc = 1;
	}
	close(irq.efd);
	iommufd_device_set_bus_master(dev, false);
out_detach:
	ret = iommufd_device_detach(dev);
	if (ret) {
		edu_fail(PROG, "detaching the device", ret);
		rc = 1;
	}
out_ioas:
	ret = iommufd_ioas_destroy(ioas);
	if (ret) {
		edu_fail(PROG, "destroying the IOAS", ret);
		rc = 1;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct iommufd_device *dev = NULL;
	struct iommufd_ctx *ctx = NULL;
	const char *path;
	uint8_t *a, *b;
	int ret, rc;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "Usage: %s [/dev/vfio/devices/vfioN]\n", argv[0]);
		return 1;
	}
	path = edu_find_device(argc > 1 ? argv[1] : NULL);
	if (!path) {
		printf(PROG ": SKIP: no VFIO device (/dev/vfio/devices/vfioN)\n");
		return EXIT_SKIP;
	}
	ret = iommufd_ctx_open(NULL, &ctx);
	if (ret) {
		edu_fail(PROG, "opening /dev/iommu", ret);
		return ret == -ENOENT ? EXIT_SKIP : 1;
	}
	ret = iommufd_device_bind_path(ctx, path, NULL, &dev);
	if (ret) {
		edu_fail(PROG, path, ret);
		iommufd_ctx_close(ctx);
		return ret == -ENOENT ? EXIT_SKIP : 1;
	}
	printf("bound %s: device id %" PRIu32 "\n", path, iommufd_device_get_id(dev));
	a = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED || b == MAP_FAILED) {
		perror(PROG ": mmap");
		rc = 1;
	} else {
		rc = run(ctx, dev, a, b);
	}
	iommufd_device_unbind(dev);
	iommufd_ctx_close(ctx);
	if (a != MAP_FAILED)
		munmap(a, PAGE);
	if (b != MAP_FAILED)
		munmap(b, PAGE);
	printf(PROG ": %s\n", rc == 0 ? "PASS" : rc == EXIT_SKIP ? "SKIP" : "FAIL");
	return rc;
}
