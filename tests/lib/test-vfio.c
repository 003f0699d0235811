// SPDX-License-Identifier: MIT
/*
 * test-vfio.c - the VFIO device helpers on a bound cdev: config space
 * access and bus mastering, region mmap (refused where the region does not
 * offer it), interrupt info and SET_IRQS with eventfds, and the library's
 * own refusals with their exact errno and last-error origin.
 *
 * The same binary runs under kmod-mock and, built without the shim, in the
 * test73 VM (QEMU's edu bound to vfio-pci behind VT-d): kernel-lib73 compares
 * the two test by test. test_irqs drives real interrupts and skips where
 * GET_IRQ_INFO answers ENOTTY (kmod-mock until issue 15):
 * tests/kernel/kdiff-allow-lib73.txt names that difference.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "iommufd-uapi.h"
#include "iommufd_test.h"

#define VFIO_CDEV "/dev/vfio/devices/vfio0"

/* QEMU's edu: ids and the BAR0 registers of its interrupt logic. */
#define EDU_IDS 0x11e81234U
#define EDU_IDENT 0x00
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64

#define PCI_CMD 0x04
#define PCI_CMD_MEMORY 0x2
#define PCI_CMD_MASTER 0x4

struct vfix {
	struct fixture f;
	struct iommufd_device *dev;
	int fd;
};

/* The fixture with the first VFIO cdev bound; skips where there is none. */
static int vfix_setup(void **state)
{
	struct vfix *v = calloc(1, sizeof(*v));
	void *fs;

	assert_non_null(v);
	assert_int_equal(0, fixture_setup(&fs));
	v->f = *(struct fixture *)fs;
	free(fs);
	v->fd = -1;
	*state = v;
	return 0;
}

static int vfix_teardown(void **state)
{
	struct vfix *v = *state;
	struct fixture *f = malloc(sizeof(*f));

	iommufd_device_unbind(v->dev);
	assert_non_null(f);
	*f = v->f;
	free(v);
	*state = f;
	return fixture_teardown(state);
}

static struct iommufd_device *bind_or_skip(struct vfix *v)
{
	int fd = open(VFIO_CDEV, O_RDWR | O_CLOEXEC);
	IOMMUFD_OPTS(iommufd_device_bind_opts, opts, .flags = IOMMUFD_DEVICE_BIND_ADOPT_FD);

	if (fd < 0) {
		print_message("skipped: cannot open %s: %s\n", VFIO_CDEV, strerror(errno));
		skip();
	}
	assert_int_equal(0, iommufd_device_bind(v->f.ctx, fd, &opts, &v->dev));
	v->fd = fd;
	return v->dev;
}

#define assert_lib_refusal(err, call, what)                                                 \
	do {                                                                                \
		assert_errno((err), (call));                                                \
		assert_int_equal(IOMMUFD_ERROR_LIBRARY, iommufd_last_error_origin());        \
		assert_non_null(strstr(iommufd_last_error(), (what)));                       \
	} while (0)

static void test_null_handle(void **state)
{
	struct iommufd_irq_info info;
	int32_t efd = -1;
	uint8_t b;
	void *p;
	uint64_t len;

	(void)state;
	assert_lib_refusal(EINVAL, iommufd_device_get_irq_info(NULL, 0, &info), "dev");
	assert_lib_refusal(EINVAL, iommufd_device_set_irq_eventfds(NULL, 0, 0, 1, &efd), "dev");
	assert_lib_refusal(EINVAL, iommufd_device_set_irq_eventfds(NULL, 0, 0, 0, NULL), "dev");
	assert_lib_refusal(EINVAL, iommufd_device_disable_irq(NULL, 0), "dev");
	assert_lib_refusal(EINVAL, iommufd_device_mask_irq(NULL, 0, 0, 1), "dev");
	assert_lib_refusal(EINVAL, iommufd_device_unmask_irq(NULL, 0, 0, 1), "dev");
	assert_lib_refusal(EINVAL, iommufd_device_set_irq_unmask_eventfd(NULL, 0, 0, -1), "dev");
	assert_lib_refusal(EINVAL, iommufd_device_read_config(NULL, 0, &b, 1), "dev");
	assert_lib_refusal(EINVAL, iommufd_device_write_config(NULL, 0, &b, 1), "dev");
	assert_lib_refusal(EINVAL, iommufd_device_set_bus_master(NULL, true), "dev");
	assert_lib_refusal(EINVAL, iommufd_device_mmap_region(NULL, 0, PROT_READ, &p, &len),
			   "dev");
	assert_lib_refusal(EINVAL, iommufd_device_munmap_region(NULL, &b, 1), "dev");
}

/* An adopted device id has no VFIO fd: every helper says so. */
static void test_adopted_no_vfio(void **state)
{
	struct vfix *v = *state;
	struct iommufd_irq_info info;
	struct iommufd_device *dev = NULL;
	int32_t efd = -1;
	uint32_t idev_id;
	uint64_t len;
	uint8_t b;
	void *p;

	require_selftest(v->f.ctx);
	assert_int_equal(0, mock_domain(v->f.ctx, iommufd_ioas_get_id(v->f.ioas), NULL, NULL,
					&idev_id));
	assert_int_equal(0, iommufd_device_adopt(v->f.ctx, idev_id, &dev));
	assert_errno(EOPNOTSUPP, iommufd_device_get_irq_info(dev, 0, &info));
	assert_errno(EOPNOTSUPP, iommufd_device_set_irq_eventfds(dev, 0, 0, 1, &efd));
	assert_errno(EOPNOTSUPP, iommufd_device_disable_irq(dev, 0));
	assert_errno(EOPNOTSUPP, iommufd_device_mask_irq(dev, 0, 0, 1));
	assert_errno(EOPNOTSUPP, iommufd_device_unmask_irq(dev, 0, 0, 1));
	assert_errno(EOPNOTSUPP, iommufd_device_set_irq_unmask_eventfd(dev, 0, 0, -1));
	assert_errno(EOPNOTSUPP, iommufd_device_read_config(dev, 0, &b, 1));
	assert_errno(EOPNOTSUPP, iommufd_device_write_config(dev, 0, &b, 1));
	assert_errno(EOPNOTSUPP, iommufd_device_set_bus_master(dev, true));
	assert_errno(EOPNOTSUPP, iommufd_device_mmap_region(dev, 0, PROT_READ, &p, &len));
	/* nothing was mapped through this handle */
	assert_lib_refusal(EINVAL, iommufd_device_munmap_region(dev, &b, 1),
			   "not a mapping of this device");
	iommufd_device_unbind(dev);
}

/* The library's refusals on a bound device: no ioctl is needed to know. */
static void test_args(void **state)
{
	struct vfix *v = *state;
	struct iommufd_device *dev = bind_or_skip(v);
	struct iommufd_region_info cfg;
	int32_t fds[2] = { -1, -2 };
	uint64_t len;
	uint8_t b[4];
	void *p;

	assert_lib_refusal(EINVAL, iommufd_device_get_irq_info(dev, 0, NULL), "info");
	assert_lib_refusal(EINVAL, iommufd_device_set_irq_eventfds(dev, 0, 0, 1, NULL), "fds");
	/* -1 unassigns; anything lower is no fd */
	assert_lib_refusal(EINVAL, iommufd_device_set_irq_eventfds(dev, 0, 0, 2, fds), "fds");
	/* the kernel's own bound: start + count < 2^32 - 1 */
	assert_lib_refusal(EINVAL, iommufd_device_set_irq_eventfds(dev, 0, UINT32_MAX - 1, 1, fds),
			   "UINT32_MAX - start");
	assert_lib_refusal(EINVAL, iommufd_device_set_irq_eventfds(dev, 0, 0, UINT32_MAX / 2, fds),
			   "argsz");
	assert_lib_refusal(EINVAL, iommufd_device_mask_irq(dev, 0, 0, 0), "count");
	assert_lib_refusal(EINVAL, iommufd_device_unmask_irq(dev, 0, 0, 0), "count");
	assert_lib_refusal(EINVAL, iommufd_device_mask_irq(dev, 0, UINT32_MAX, 1),
			   "UINT32_MAX - start");
	assert_lib_refusal(EINVAL, iommufd_device_set_irq_unmask_eventfd(dev, 0, 0, -2), "fd");

	assert_int_equal(0, iommufd_device_get_region_info(dev, IOMMUFD_VFIO_PCI_CONFIG_REGION_INDEX,
							   &cfg));
	assert_true(cfg.size >= 256);
	assert_lib_refusal(EINVAL, iommufd_device_read_config(dev, 0, NULL, 1), "buf");
	assert_lib_refusal(EINVAL, iommufd_device_write_config(dev, 0, NULL, 1), "buf");
	assert_lib_refusal(EINVAL, iommufd_device_read_config(dev, 0, b, 0), "len");
	assert_lib_refusal(EINVAL, iommufd_device_write_config(dev, 0, b, 0), "len");
	assert_lib_refusal(EINVAL, iommufd_device_read_config(dev, (uint32_t)cfg.size, b, 1),
			   "config region size");
	assert_lib_refusal(EINVAL, iommufd_device_read_config(dev, (uint32_t)cfg.size - 1, b, 2),
			   "config region size");
	assert_lib_refusal(EINVAL, iommufd_device_write_config(dev, (uint32_t)cfg.size - 2, b, 4),
			   "config region size");
	assert_lib_refusal(EINVAL, iommufd_device_read_config(dev, UINT32_MAX, b, 1),
			   "config region size");

	assert_lib_refusal(EINVAL, iommufd_device_mmap_region(dev, 0, PROT_READ, NULL, &len),
			   "addr");
	assert_lib_refusal(EINVAL, iommufd_device_mmap_region(dev, 0, PROT_READ, &p, NULL),
			   "length");
	assert_lib_refusal(EINVAL, iommufd_device_mmap_region(dev, 0, PROT_EXEC, &p, &len),
			   "prot");
	assert_lib_refusal(EINVAL, iommufd_device_munmap_region(dev, NULL, 4096), "addr");
	assert_lib_refusal(EINVAL, iommufd_device_munmap_region(dev, b, 0), "length");
	assert_lib_refusal(EINVAL, iommufd_device_munmap_region(dev, b, 4096),
			   "not a mapping of this device");
}

/* Config space through the helpers is what pread/pwrite of the region give. */
static void test_config(void **state)
{
	struct vfix *v = *state;
	struct iommufd_device *dev = bind_or_skip(v);
	struct iommufd_region_info cfg;
	uint8_t *a, *b;
	uint32_t ids;

	assert_int_equal(0, iommufd_device_get_region_info(dev, IOMMUFD_VFIO_PCI_CONFIG_REGION_INDEX,
							   &cfg));
	assert_int_equal(0, iommufd_device_read_config(dev, 0, &ids, sizeof(ids)));
	if (ids != EDU_IDS) {
		print_message("skipped: %s is %08x, not QEMU's edu\n", VFIO_CDEV, ids);
		skip();
	}
	/* the standard header, whole, in one call and in one pread */
	a = calloc(2, 64);
	assert_non_null(a);
	b = a + 64;
	assert_int_equal(0, iommufd_device_read_config(dev, 0, a, 64));
	assert_int_equal(64, pread(v->fd, b, 64, (off_t)cfg.offset));
	assert_memory_equal(a, b, 64);
	/* unaligned, odd lengths: vfio-pci chops them, the helper reads all */
	assert_int_equal(0, iommufd_device_read_config(dev, 1, b, 7));
	assert_memory_equal(a + 1, b, 7);
	/* the last byte of the region is in reach */
	assert_int_equal(0, iommufd_device_read_config(dev, (uint32_t)cfg.size - 1, b, 1));
	free(a);
}

static uint16_t command(struct iommufd_device *dev)
{
	uint16_t cmd;

	assert_int_equal(0, iommufd_device_read_config(dev, PCI_CMD, &cmd, sizeof(cmd)));
	return cmd;
}

static void test_bus_master(void **state)
{
	struct vfix *v = *state;
	struct iommufd_device *dev = bind_or_skip(v);
	const uint16_t bits = PCI_CMD_MEMORY | PCI_CMD_MASTER;
	uint16_t cmd, other;

	assert_int_equal(0, iommufd_device_set_bus_master(dev, true));
	cmd = command(dev);
	assert_int_equal(bits, cmd & bits);
	other = cmd & (uint16_t)~bits;
	assert_int_equal(0, iommufd_device_set_bus_master(dev, false));
	cmd = command(dev);
	assert_int_equal(0, cmd & bits);
	/* the other bits stay as they were */
	assert_int_equal(other, cmd & (uint16_t)~bits);
	/* again: nothing to change, still 0 */
	assert_int_equal(0, iommufd_device_set_bus_master(dev, false));
	/* the write helper reaches the same register */
	cmd |= PCI_CMD_MASTER;
	assert_int_equal(0, iommufd_device_write_config(dev, PCI_CMD, &cmd, sizeof(cmd)));
	assert_int_equal(PCI_CMD_MASTER, command(dev) & bits);
	assert_int_equal(0, iommufd_device_set_bus_master(dev, true));
	assert_int_equal(bits, command(dev) & bits);
}

/*
 * mmap of a region: refused with EINVAL (and the library's reason) where the
 * region does not offer it (always the config space; BAR0 under the mock),
 * mapped and readable where it does (edu's BAR0 on vfio-pci).
 */
static void test_region_mmap(void **state)
{
	struct vfix *v = *state;
	struct iommufd_device *dev = bind_or_skip(v);
	struct iommufd_region_info bar0;
	uint32_t ident, ids;
	uint64_t len = 0;
	void *p = NULL;

	assert_int_equal(0, iommufd_device_read_config(dev, 0, &ids, sizeof(ids)));
	if (ids != EDU_IDS) {
		print_message("skipped: %s is %08x, not QEMU's edu\n", VFIO_CDEV, ids);
		skip();
	}
	assert_lib_refusal(EINVAL,
			   iommufd_device_mmap_region(dev, IOMMUFD_VFIO_PCI_CONFIG_REGION_INDEX,
						      PROT_READ, &p, &len),
			   "IOMMUFD_REGION_INFO_MMAP");
	assert_null(p);
	/* an index the device lacks: the kernel's EINVAL from GET_REGION_INFO */
	assert_errno(EINVAL, iommufd_device_mmap_region(dev, 1000, PROT_READ, &p, &len));
	assert_int_equal(IOMMUFD_ERROR_KERNEL, iommufd_last_error_origin());

	assert_int_equal(0, iommufd_device_get_region_info(dev, IOMMUFD_VFIO_PCI_BAR0_REGION_INDEX,
							   &bar0));
	if (!(bar0.flags & IOMMUFD_REGION_INFO_MMAP)) {
		assert_lib_refusal(EINVAL,
				   iommufd_device_mmap_region(dev, IOMMUFD_VFIO_PCI_BAR0_REGION_INDEX,
							      PROT_READ | PROT_WRITE, &p, &len),
				   "IOMMUFD_REGION_INFO_MMAP");
		assert_null(p);
		return;
	}
	assert_int_equal(0, iommufd_device_set_bus_master(dev, true));
	assert_int_equal(0, iommufd_device_mmap_region(dev, IOMMUFD_VFIO_PCI_BAR0_REGION_INDEX,
						       PROT_READ | PROT_WRITE, &p, &len));
	assert_non_null(p);
	assert_int_equal(bar0.size, len);
	assert_int_equal(sizeof(ident), pread(v->fd, &ident, sizeof(ident),
					      (off_t)(bar0.offset + EDU_IDENT)));
	assert_int_equal(ident, *(volatile uint32_t *)p);
	/* only the whole mapping, once */
	assert_errno(EINVAL, iommufd_device_munmap_region(dev, p, len - 4096));
	assert_int_equal(0, iommufd_device_munmap_region(dev, p, len));
	assert_errno(EINVAL, iommufd_device_munmap_region(dev, p, len));
}

/* Waits for @efd to be signalled (the VM is slow: a bound, not a timing). */
static uint64_t wait_eventfd(int efd)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	uint64_t n = 0;

	assert_int_equal(1, poll(&pfd, 1, 20000));
	assert_int_equal(sizeof(n), read(efd, &n, sizeof(n)));
	return n;
}

static bool eventfd_quiet(int efd)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 0;
}

static void edu_write(struct vfix *v, uint64_t bar0, uint32_t reg, uint32_t val)
{
	assert_int_equal(sizeof(val), pwrite(v->fd, &val, sizeof(val), (off_t)(bar0 + reg)));
}

/*
 * Interrupts for real: the index descriptions of a vfio-pci edu, an MSI and
 * an INTx raised by edu's interrupt register arriving on eventfds, INTx
 * masking and unmasking, the resampler eventfd, and the kernel's refusals.
 * Skips where GET_IRQ_INFO answers ENOTTY (kmod-mock before issue 15).
 */
static void test_irqs(void **state)
{
	struct vfix *v = *state;
	struct iommufd_device *dev = bind_or_skip(v);
	struct iommufd_irq_info intx, msi, msix, req, info;
	struct iommufd_region_info bar0;
	int32_t efd, rfd, none = -1;
	uint32_t ids;
	int ret;

	ret = iommufd_device_get_irq_info(dev, IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX, &intx);
	if (ret == -ENOTTY) {
		print_message("skipped: VFIO_DEVICE_GET_IRQ_INFO answers ENOTTY "
			      "(no interrupts: kmod-mock before issue 15)\n");
		skip();
	}
	assert_int_equal(0, ret);
	assert_int_equal(0, iommufd_device_read_config(dev, 0, &ids, sizeof(ids)));
	if (ids != EDU_IDS) {
		print_message("skipped: %s is %08x, not QEMU's edu\n", VFIO_CDEV, ids);
		skip();
	}
	/* what vfio-pci says about edu's interrupts */
	assert_int_equal(IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX, intx.index);
	assert_int_equal(1, intx.count);
	assert_int_equal(IOMMUFD_IRQ_INFO_EVENTFD | IOMMUFD_IRQ_INFO_MASKABLE |
				 IOMMUFD_IRQ_INFO_AUTOMASKED,
			 intx.flags);
	assert_int_equal(0, iommufd_device_get_irq_info(dev, IOMMUFD_VFIO_PCI_MSI_IRQ_INDEX, &msi));
	assert_int_equal(1, msi.count);
	assert_int_equal(IOMMUFD_IRQ_INFO_EVENTFD | IOMMUFD_IRQ_INFO_NORESIZE, msi.flags);
	assert_int_equal(0, iommufd_device_get_irq_info(dev, IOMMUFD_VFIO_PCI_MSIX_IRQ_INDEX,
							&msix));
	assert_int_equal(0, msix.count); /* edu has no MSI-X capability */
	assert_int_equal(0, iommufd_device_get_irq_info(dev, IOMMUFD_VFIO_PCI_ERR_IRQ_INDEX, &info));
	assert_true(info.count <= 1); /* 1 on PCIe only */
	assert_int_equal(0, iommufd_device_get_irq_info(dev, IOMMUFD_VFIO_PCI_REQ_IRQ_INDEX, &req));
	assert_int_equal(1, req.count);
	assert_true(req.flags & IOMMUFD_IRQ_INFO_EVENTFD);
	assert_errno(EINVAL, iommufd_device_get_irq_info(dev, IOMMUFD_VFIO_PCI_NUM_IRQS, &info));
	assert_int_equal(IOMMUFD_ERROR_KERNEL, iommufd_last_error_origin());

	assert_int_equal(0, iommufd_device_get_region_info(dev, IOMMUFD_VFIO_PCI_BAR0_REGION_INDEX,
							   &bar0));
	assert_int_equal(0, iommufd_device_set_bus_master(dev, true));
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	rfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(efd >= 0 && rfd >= 0);

	/* MSI: one vector; edu signals it when its raise register is written */
	assert_errno(EINVAL, iommufd_device_set_irq_eventfds(dev, IOMMUFD_VFIO_PCI_MSI_IRQ_INDEX,
							     0, 2, (int32_t[]){ efd, efd }));
	assert_int_equal(IOMMUFD_ERROR_KERNEL, iommufd_last_error_origin());
	assert_int_equal(0, iommufd_device_set_irq_eventfds(dev, IOMMUFD_VFIO_PCI_MSI_IRQ_INDEX,
							    0, 1, &efd));
	edu_write(v, bar0.offset, EDU_IRQ_RAISE, 0x1);
	assert_int_equal(1, wait_eventfd(efd));
	edu_write(v, bar0.offset, EDU_IRQ_ACK, 0x1);
	/* vfio-pci cannot mask MSI */
	assert_errno(ENOTTY, iommufd_device_mask_irq(dev, IOMMUFD_VFIO_PCI_MSI_IRQ_INDEX, 0, 1));
	/* the vector unassigned: a raise reaches no eventfd */
	assert_int_equal(0, iommufd_device_set_irq_eventfds(dev, IOMMUFD_VFIO_PCI_MSI_IRQ_INDEX,
							    0, 1, &none));
	edu_write(v, bar0.offset, EDU_IRQ_RAISE, 0x2);
	edu_write(v, bar0.offset, EDU_IRQ_ACK, 0x2);
	assert_true(eventfd_quiet(efd));
	assert_int_equal(0, iommufd_device_disable_irq(dev, IOMMUFD_VFIO_PCI_MSI_IRQ_INDEX));
	/* disabling an index that is not enabled: the kernel's EINVAL */
	assert_errno(EINVAL, iommufd_device_disable_irq(dev, IOMMUFD_VFIO_PCI_MSI_IRQ_INDEX));
	assert_int_equal(IOMMUFD_ERROR_KERNEL, iommufd_last_error_origin());
	/* a file that is no eventfd: EINVAL, and the kernel switches MSI off again */
	assert_errno(EINVAL, iommufd_device_set_irq_eventfds(dev, IOMMUFD_VFIO_PCI_MSI_IRQ_INDEX,
							     0, 1, &v->fd));
	assert_errno(EINVAL, iommufd_device_disable_irq(dev, IOMMUFD_VFIO_PCI_MSI_IRQ_INDEX));

	/* INTx: level, masked by the kernel when it fires, unmasked by the program */
	assert_int_equal(0, iommufd_device_set_irq_eventfds(dev, IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX,
							    0, 1, &efd));
	edu_write(v, bar0.offset, EDU_IRQ_RAISE, 0x4);
	assert_int_equal(1, wait_eventfd(efd));
	edu_write(v, bar0.offset, EDU_IRQ_ACK, 0x4);
	assert_int_equal(0, iommufd_device_unmask_irq(dev, IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX, 0, 1));
	/* masked by the program: the next one waits for the unmask */
	assert_int_equal(0, iommufd_device_mask_irq(dev, IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX, 0, 1));
	edu_write(v, bar0.offset, EDU_IRQ_RAISE, 0x8);
	assert_true(eventfd_quiet(efd));
	assert_int_equal(0, iommufd_device_unmask_irq(dev, IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX, 0, 1));
	assert_int_equal(1, wait_eventfd(efd));
	edu_write(v, bar0.offset, EDU_IRQ_ACK, 0x8);
	/* the resampler: signalling it unmasks */
	assert_int_equal(0, iommufd_device_set_irq_unmask_eventfd(
				    dev, IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX, 0, rfd));
	assert_int_equal(0, iommufd_device_set_irq_unmask_eventfd(
				    dev, IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX, 0, -1));
	/* vectors INTx lacks */
	assert_errno(EINVAL, iommufd_device_mask_irq(dev, IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX, 1, 1));
	assert_int_equal(0, iommufd_device_disable_irq(dev, IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX));
	assert_errno(EINVAL, iommufd_device_disable_irq(dev, IOMMUFD_VFIO_PCI_INTX_IRQ_INDEX));
	close(rfd);
	close(efd);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, vfix_setup, vfix_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_handle),
		T(test_adopted_no_vfio),
		T(test_args),
		T(test_config),
		T(test_bus_master),
		T(test_region_mmap),
		T(test_irqs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
