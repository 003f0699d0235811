// SPDX-License-Identifier: MIT
/*
 * edu-guest.c - the checks tests/qemu runs inside a Linux guest of QEMU 10 on an edu device
 * (1234:11e8): QEMU's emulated one (the control) or the mock's, passed through with vfio-pci.
 *
 *   edu-guest mmio              find the device in /sys/bus/pci, read its ident and liveness
 *                               registers through BAR0 (sysfs resource0, mmap)
 *   edu-guest dma-phys          Bus Master on, DMA both ways between edu's buffer and a page
 *                               named by its guest-physical address (/proc/self/pagemap):
 *                               only without a guest IOMMU, where bus address == physical
 *   edu-guest intx-uio          count INTx interrupts through uio_pci_generic (/dev/uio0)
 *   edu-guest vfio              the guest's vfio-pci (type1 container behind the emulated
 *                               VT-d): Bus Master, DMA both ways through guest IOVAs, DMA to an
 *                               unmapped IOVA blocked (write and read), INTx and MSI counted
 *                               through eventfds
 *
 * Every check prints exactly one line "QT-CHECK NAME pass|fail DETAIL"; the host harness
 * (qemu-test.sh) parses them against the list it expects for the machine. The exit status is
 * 1 when a check failed, 0 otherwise.
 *
 * edu facts relied on: 0x00 ident (0x010000ed in QEMU's edu), 0x04 returns the inverse of what
 * was written, 0x08 factorial (0x20 bit 0x80: interrupt 0x1 when done), 0x24 interrupt status, 0x60
 * raise, 0x64 acknowledge; 0x80/0x88/0x90/0x98 DMA source, destination, count and command (bit 0
 * start, bit 1 device-to-RAM, bit 2 interrupt 0x100 when done), buffer at device
 * address 0x40000; DMA addresses are cut to 28 bits (the guest has at most 256 MiB and IOVAs
 * stay below that); a raised interrupt is MSI when the guest enabled MSI, else INTx until
 * acknowledged.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_IDENT 0x00
#define EDU_LIVENESS 0x04
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_CMD_START 0x1
#define EDU_CMD_TO_RAM 0x2
#define EDU_CMD_IRQ 0x4
#define EDU_FACT 0x08
#define EDU_STATUS 0x20
#define EDU_STATUS_IRQ_FACT 0x80
#define EDU_IRQ_FACT_DONE 0x1
#define EDU_IRQ_DMA_DONE 0x100
#define EDU_BUF 0x40000ULL
#define XFER 2048U
#define BAR0_SIZE 4096U

#define PAGE 4096UL
#define IOVA_SRC 0x100000ULL
#define IOVA_DST 0x200000ULL

#define PCI_COMMAND 0x04
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_INTX_DISABLE 0x400

#define N_IRQS 3
#define IRQ_TIMEOUT_MS 5000
#define DMA_TIMEOUT_MS 5000

static int failures;
static char bdf[256];
static char devdir[300];

static void check(const char *name, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void check(const char *name, int ok, const char *fmt, ...)
{
	va_list ap;

	printf("QT-CHECK %s %s ", name, ok ? "pass" : "fail");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failures++;
}

static unsigned long read_hex(const char *dir, const char *file)
{
	char p[400], buf[64];
	FILE *f;
	unsigned long v = ~0UL;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	f = fopen(p, "r");
	if (!f)
		return v;
	if (fgets(buf, sizeof(buf), f))
		v = strtoul(buf, NULL, 16);
	fclose(f);
	return v;
}

/* the first 1234:11e8 on the bus; 0 when found */
static int find_edu(void)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	char p[300];

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s", e->d_name);
		if (read_hex(p, "vendor") == EDU_VENDOR && read_hex(p, "device") == EDU_DEVICE) {
			snprintf(bdf, sizeof(bdf), "%s", e->d_name);
			snprintf(devdir, sizeof(devdir), "/sys/bus/pci/devices/%s", bdf);
			closedir(d);
			return 0;
		}
	}
	closedir(d);
	return -ENODEV;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static volatile uint8_t *bar;

static uint32_t rd32(unsigned int off)
{
	return *(volatile uint32_t *)(bar + off);
}

static void wr32(unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(bar + off) = v;
}

static void wr64(unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)(bar + off) = v;
}

/* one edu transfer of XFER bytes; 0 when the device reports it done in time */
static int edu_dma(uint64_t src, uint64_t dst, int to_ram)
{
	uint64_t t0 = now_ms();

	wr64(EDU_DMA_SRC, src);
	wr64(EDU_DMA_DST, dst);
	wr64(EDU_DMA_COUNT, XFER);
	wr64(EDU_DMA_CMD, EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	while (rd32(EDU_DMA_CMD) & EDU_CMD_START) {
		if (now_ms() - t0 > DMA_TIMEOUT_MS)
			return -ETIMEDOUT;
		usleep(1000);
	}
	return 0;
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7 + (i >> 8));
}

/* index of the first differing byte, or -1 */
static long first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return (long)i;
	return -1;
}

static int map_resource0(void)
{
	char p[400];
	int fd;
	void *m;

	snprintf(p, sizeof(p), "%s/resource0", devdir);
	fd = open(p, O_RDWR | O_SYNC);
	if (fd < 0)
		return -errno;
	m = mmap(NULL, BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -errno;
	bar = m;
	return 0;
}

static int cmd_mmio(void)
{
	uint32_t ident, live;
	int ret = find_edu();

	check("find", !ret, "edu %04x:%04x at %s (class %#lx)", EDU_VENDOR, EDU_DEVICE, ret ? "-" : bdf,
	      ret ? 0UL : read_hex(devdir, "class"));
	if (ret)
		return 1;
	ret = map_resource0();
	if (ret) {
		check("ident", 0, "mmap of %s/resource0: %s", devdir, strerror(-ret));
		return 1;
	}
	ident = rd32(EDU_IDENT);
	check("ident", (ident & 0xff) == 0xed, "register 0x00 = %#010x (edu: 0x......ed)", ident);
	wr32(EDU_LIVENESS, 0x12345678);
	live = rd32(EDU_LIVENESS);
	wr32(EDU_LIVENESS, 0xa5a5f00f);
	check("liveness", live == ~0x12345678U && rd32(EDU_LIVENESS) == ~0xa5a5f00fU,
	      "register 0x04 inverts: %#010x after 0x12345678", live);
	return 0;
}

/* sets the bits set in the command register through the sysfs config file, clears clear */
static int sysfs_command(uint16_t set, uint16_t clear)
{
	char p[400];
	uint16_t cmd;
	int fd, ok;

	snprintf(p, sizeof(p), "%s/config", devdir);
	fd = open(p, O_RDWR);
	if (fd < 0)
		return -errno;
	ok = pread(fd, &cmd, 2, PCI_COMMAND) == 2;
	cmd = (uint16_t)((cmd | set) & ~clear);
	ok = ok && pwrite(fd, &cmd, 2, PCI_COMMAND) == 2;
	ok = ok && pread(fd, &cmd, 2, PCI_COMMAND) == 2 && (cmd & set) == set && !(cmd & clear);
	close(fd);
	return ok ? 0 : -EIO;
}

/* a locked page of this process and its guest-physical address */
static int phys_page(uint8_t **page, uint64_t *phys)
{
	uint64_t ent;
	void *m;
	int fd;

	m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	if (m == MAP_FAILED)
		return -errno;
	memset(m, 0, PAGE);
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return -errno;
	if (pread(fd, &ent, sizeof(ent), (off_t)((uintptr_t)m / PAGE * sizeof(ent))) != sizeof(ent)) {
		close(fd);
		return -EIO;
	}
	close(fd);
	if (!(ent & (1ULL << 63)) || !(ent & ((1ULL << 55) - 1)))
		return -ENOENT; /* not present, or the PFN hidden (not root) */
	*page = m;
	*phys = (ent & ((1ULL << 55) - 1)) * PAGE;
	return 0;
}

static int cmd_dma_phys(void)
{
	uint8_t *src, *dst;
	uint64_t psrc, pdst;
	long diff;
	int ret;

	if (find_edu() || map_resource0())
		return 1;
	ret = sysfs_command(PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY, 0);
	check("busmaster", !ret, "command register through %s/config", devdir);
	if (phys_page(&src, &psrc) || phys_page(&dst, &pdst)) {
		check("dma-to-device", 0, "no guest-physical page from /proc/self/pagemap");
		return 1;
	}
	fill(src, XFER, 0x31);
	memset(dst, 0, PAGE);
	ret = edu_dma(psrc, EDU_BUF, 0);
	ret = ret ? ret : edu_dma(EDU_BUF, pdst, 1);
	diff = first_diff(src, dst, XFER);
	check("dma-to-device", !ret, "RAM %#" PRIx64 " -> edu buffer, %u bytes: %s", psrc, XFER,
	      ret ? strerror(-ret) : "done");
	if (diff < 0)
		check("dma-from-device", !ret, "edu buffer -> RAM %#" PRIx64 ": byte for byte", pdst);
	else
		check("dma-from-device", 0, "edu buffer -> RAM %#" PRIx64 ": first difference at byte %ld", pdst, diff);
	return 0;
}

/* waits for one interrupt on fd, which reads as n bytes (eventfd 8, uio 4); 0 when it came */
static int wait_irq(int fd, size_t n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t v = 0;
	int r = poll(&pfd, 1, IRQ_TIMEOUT_MS);

	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	if (read(fd, &v, n) != (ssize_t)n)
		return -errno;
	return 0;
}

static int cmd_intx_uio(void)
{
	int fd, got = 0, ret = 0;
	uint32_t st = 0;

	if (find_edu() || map_resource0())
		return 1;
	fd = open("/dev/uio0", O_RDWR);
	if (fd < 0) {
		check("intx", 0, "open /dev/uio0 (uio_pci_generic): %s", strerror(errno));
		return 1;
	}
	for (int i = 0; i < N_IRQS; i++) {
		/* uio_pci_generic masks INTx in the command register on each interrupt */
		ret = sysfs_command(0, PCI_COMMAND_INTX_DISABLE);
		if (ret)
			break;
		wr32(EDU_IRQ_RAISE, 1u << i);
		ret = wait_irq(fd, sizeof(int32_t));
		st = rd32(EDU_IRQ_STATUS);
		wr32(EDU_IRQ_ACK, st);
		if (ret || st != 1u << i)
			break;
		got++;
	}
	/* no interrupt without a raise */
	if (!ret && got == N_IRQS) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (!sysfs_command(0, PCI_COMMAND_INTX_DISABLE) && poll(&pfd, 1, 200) != 0)
			ret = -EEXIST;
	}
	close(fd);
	check("intx", !ret && got == N_IRQS, "uio_pci_generic: %d of %d raised INTx counted, status %#x%s%s", got,
	      N_IRQS, st, ret ? ": " : "", ret == -EEXIST ? "an interrupt nobody raised" : ret ? strerror(-ret) : "");
	return 0;
}

/* ------------------------------------------------------------------ vfio -- */
static int container = -1, group = -1, device = -1;
static uint64_t cfg_off;

static int vfio_open(char *why, size_t n)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_region_info ri = { .argsz = sizeof(ri) };
	char p[400], link[200];
	ssize_t l;
	void *m;

	snprintf(p, sizeof(p), "%s/iommu_group", devdir);
	l = readlink(p, link, sizeof(link) - 1);
	if (l < 0)
		return snprintf(why, n, "no IOMMU group: %s", strerror(errno)), -1;
	link[l] = 0;
	snprintf(p, sizeof(p), "/dev/vfio/%s", strrchr(link, '/') + 1);
	container = open("/dev/vfio/vfio", O_RDWR);
	group = open(p, O_RDWR);
	if (container < 0 || group < 0)
		return snprintf(why, n, "open /dev/vfio/vfio or %s: %s", p, strerror(errno)), -1;
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &gs) || !(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
		return snprintf(why, n, "group %s not viable", p), -1;
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		return snprintf(why, n, "VFIO_GROUP_SET_CONTAINER: %s", strerror(errno)), -1;
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return snprintf(why, n, "VFIO_SET_IOMMU type1v2: %s", strerror(errno)), -1;
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (device < 0)
		return snprintf(why, n, "VFIO_GROUP_GET_DEVICE_FD %s: %s", bdf, strerror(errno)), -1;
	ri.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return snprintf(why, n, "config region info: %s", strerror(errno)), -1;
	cfg_off = ri.offset;
	ri.index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &ri) || !(ri.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return snprintf(why, n, "BAR0 region info (mmap): %s", strerror(errno)), -1;
	m = mmap(NULL, BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, device, (off_t)ri.offset);
	if (m == MAP_FAILED)
		return snprintf(why, n, "mmap BAR0: %s", strerror(errno)), -1;
	bar = m;
	snprintf(why, n, "group %s, type1v2 container, device fd", p);
	return 0;
}

static int vfio_map(void *va, uint64_t iova)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)va,
		.iova = iova,
		.size = PAGE,
	};

	return ioctl(container, VFIO_IOMMU_MAP_DMA, &map) ? -errno : 0;
}

static int vfio_unmap(uint64_t iova)
{
	struct vfio_iommu_type1_dma_unmap um = { .argsz = sizeof(um), .iova = iova, .size = PAGE };

	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &um))
		return -errno;
	return um.size == PAGE ? 0 : -EIO;
}

/* action on IRQ index: TRIGGER with one eventfd (efd >= 0) or off (efd < 0), or UNMASK */
static int vfio_irq(unsigned int index, unsigned int action, int efd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *s = (struct vfio_irq_set *)buf;

	memset(buf, 0, sizeof(buf));
	s->argsz = sizeof(*s);
	s->index = index;
	s->start = 0;
	if (action == VFIO_IRQ_SET_ACTION_TRIGGER && efd >= 0) {
		s->argsz = sizeof(buf);
		s->flags = VFIO_IRQ_SET_DATA_EVENTFD | action;
		s->count = 1;
		memcpy(s->data, &efd, sizeof(efd));
	} else {
		s->flags = VFIO_IRQ_SET_DATA_NONE | action;
		s->count = action == VFIO_IRQ_SET_ACTION_TRIGGER ? 0 : 1;
	}
	return ioctl(device, VFIO_DEVICE_SET_IRQS, s) ? -errno : 0;
}

/*
 * the interrupts edu raises itself, with the trigger eventfd efd of IRQ index in place: a DMA
 * and a factorial that each end with one (checks NAME-dma-done, NAME-factorial)
 */
static void completion_irqs(const char *name, unsigned int index, int efd)
{
	char c[64];
	uint32_t st, fact = 0;
	int ret;

	wr64(EDU_DMA_SRC, IOVA_SRC);
	wr64(EDU_DMA_DST, EDU_BUF);
	wr64(EDU_DMA_COUNT, XFER);
	wr64(EDU_DMA_CMD, EDU_CMD_START | EDU_CMD_IRQ);
	ret = wait_irq(efd, sizeof(uint64_t));
	st = rd32(EDU_IRQ_STATUS);
	wr32(EDU_IRQ_ACK, st);
	if (!ret && index == VFIO_PCI_INTX_IRQ_INDEX)
		ret = vfio_irq(index, VFIO_IRQ_SET_ACTION_UNMASK, -1);
	snprintf(c, sizeof(c), "%s-dma-done", name);
	check(c, !ret && st == EDU_IRQ_DMA_DONE && !(rd32(EDU_DMA_CMD) & EDU_CMD_START),
	      "a DMA with the interrupt bit: %s, status %#x (want %#x)", ret ? strerror(-ret) : "interrupt", st,
	      EDU_IRQ_DMA_DONE);

	wr32(EDU_STATUS, EDU_STATUS_IRQ_FACT);
	wr32(EDU_FACT, 5);
	ret = wait_irq(efd, sizeof(uint64_t));
	st = rd32(EDU_IRQ_STATUS);
	fact = rd32(EDU_FACT);
	wr32(EDU_IRQ_ACK, st);
	wr32(EDU_STATUS, 0);
	if (!ret && index == VFIO_PCI_INTX_IRQ_INDEX)
		ret = vfio_irq(index, VFIO_IRQ_SET_ACTION_UNMASK, -1);
	snprintf(c, sizeof(c), "%s-factorial", name);
	check(c, !ret && st == EDU_IRQ_FACT_DONE && fact == 120,
	      "5! with the interrupt bit: %s, status %#x (want %#x), result %u", ret ? strerror(-ret) : "interrupt",
	      st, EDU_IRQ_FACT_DONE, fact);
}

/* counts N_IRQS raised interrupts of IRQ index through an eventfd, then edu's own */
static void vfio_irq_check(const char *name, unsigned int index)
{
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = index };
	int efd, ret, got = 0;
	uint32_t st = 0;

	if (ioctl(device, VFIO_DEVICE_GET_IRQ_INFO, &ii) || ii.count < 1) {
		check(name, 0, "VFIO_DEVICE_GET_IRQ_INFO index %u: %s, count %u", index, strerror(errno), ii.count);
		return;
	}
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ret = efd < 0 ? -errno : vfio_irq(index, VFIO_IRQ_SET_ACTION_TRIGGER, efd);
	for (int i = 0; !ret && i < N_IRQS; i++) {
		wr32(EDU_IRQ_RAISE, 1u << i);
		ret = wait_irq(efd, sizeof(uint64_t));
		st = rd32(EDU_IRQ_STATUS);
		wr32(EDU_IRQ_ACK, st);
		if (!ret && st != 1u << i)
			ret = -EPROTO;
		if (!ret && index == VFIO_PCI_INTX_IRQ_INDEX)
			ret = vfio_irq(index, VFIO_IRQ_SET_ACTION_UNMASK, -1);
		if (!ret)
			got++;
	}
	if (!ret) {
		/* nothing raised, nothing counted */
		struct pollfd pfd = { .fd = efd, .events = POLLIN };

		if (poll(&pfd, 1, 200) != 0)
			ret = -EEXIST;
	}
	check(name, !ret && got == N_IRQS, "vfio-pci eventfd (irq info flags %#x): %d of %d raised counted, status %#x%s%s",
	      ii.flags, got, N_IRQS, st, ret ? ": " : "",
	      ret == -EEXIST ? "an interrupt nobody raised" : ret ? strerror(-ret) : "");
	if (efd >= 0) {
		completion_irqs(name, index, efd);
		vfio_irq(index, VFIO_IRQ_SET_ACTION_TRIGGER, -1);
		close(efd);
	}
}

static int cmd_vfio(void)
{
	char why[1024];
	uint8_t *src, *dst, *ref;
	uint16_t cmd = 0;
	long diff;
	int ret, ok;

	if (find_edu()) {
		check("vfio-open", 0, "no edu device");
		return 1;
	}
	ret = vfio_open(why, sizeof(why));
	check("vfio-open", !ret, "%s: %s", bdf, why);
	if (ret)
		return 1;
	ok = pread(device, &cmd, 2, (off_t)(cfg_off + PCI_COMMAND)) == 2;
	cmd |= PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;
	ok = ok && pwrite(device, &cmd, 2, (off_t)(cfg_off + PCI_COMMAND)) == 2;
	ok = ok && pread(device, &cmd, 2, (off_t)(cfg_off + PCI_COMMAND)) == 2 && (cmd & PCI_COMMAND_MASTER);
	check("vfio-busmaster", ok, "command register %#x through the config region", cmd);
	ok = (rd32(EDU_IDENT) & 0xff) == 0xed;
	check("vfio-mmio", ok, "ident %#010x through the mmap of the BAR0 region", rd32(EDU_IDENT));

	src = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED)
		return 1;
	dst = src + PAGE;
	ref = src + 2 * PAGE;
	fill(src, PAGE, 0x47);
	memset(dst, 0, PAGE);
	ret = vfio_map(src, IOVA_SRC);
	ret = ret ? ret : vfio_map(dst, IOVA_DST);
	check("viommu-map", !ret, "VFIO_IOMMU_MAP_DMA IOVA %#llx and %#llx: %s", IOVA_SRC, IOVA_DST,
	      ret ? strerror(-ret) : "mapped");
	if (ret)
		return 1;
	ret = edu_dma(IOVA_SRC, EDU_BUF, 0);
	check("viommu-dma-to-device", !ret, "IOVA %#llx -> edu buffer, %u bytes: %s", IOVA_SRC, XFER,
	      ret ? strerror(-ret) : "done");
	ret = ret ? ret : edu_dma(EDU_BUF, IOVA_DST, 1);
	diff = first_diff(src, dst, XFER);
	if (diff < 0)
		check("viommu-dma-from-device", !ret, "edu buffer -> IOVA %#llx: byte for byte", IOVA_DST);
	else
		check("viommu-dma-from-device", 0, "edu buffer -> IOVA %#llx: first difference at byte %ld", IOVA_DST,
		      diff);

	/* the device's write to an unmapped IOVA must not reach the page that was there */
	memset(dst, 0x5a, PAGE);
	memcpy(ref, dst, PAGE);
	ret = vfio_unmap(IOVA_DST);
	ret = ret ? ret : edu_dma(EDU_BUF, IOVA_DST, 1);
	diff = first_diff(ref, dst, PAGE);
	if (ret || diff < 0)
		check("viommu-blocked-write", !ret, "edu buffer -> unmapped IOVA %#llx: %s", IOVA_DST,
		      ret ? strerror(-ret) : "the old page untouched");
	else
		check("viommu-blocked-write", 0, "edu buffer -> unmapped IOVA %#llx: the old page changed at byte %ld",
		      IOVA_DST, diff);
	/*
	 * and its read of the unmapped IOVA must not return that page's 0x5a bytes (refilled: this
	 * check must not depend on the write above having been blocked)
	 */
	memset(dst, 0x5a, PAGE);
	ret = edu_dma(IOVA_DST, EDU_BUF, 0);
	memset(src, 0, PAGE);
	ret = ret ? ret : edu_dma(EDU_BUF, IOVA_SRC, 1);
	ok = !ret && first_diff(src, ref, XFER) >= 0;
	check("viommu-blocked-read", ok, "unmapped IOVA %#llx -> edu buffer: %s (first bytes %02x %02x)", IOVA_DST,
	      ret ? strerror(-ret) : ok ? "page not read" : "the unmapped page's data arrived", src[0], src[1]);

	vfio_irq_check("intx", VFIO_PCI_INTX_IRQ_INDEX);
	vfio_irq_check("msi", VFIO_PCI_MSI_IRQ_INDEX);
	return 0;
}

int main(int argc, char **argv)
{
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: edu-guest mmio|dma-phys|intx-uio|vfio\n");
		return 2;
	}
	if (!strcmp(argv[1], "mmio"))
		r = cmd_mmio();
	else if (!strcmp(argv[1], "dma-phys"))
		r = cmd_dma_phys();
	else if (!strcmp(argv[1], "intx-uio"))
		r = cmd_intx_uio();
	else if (!strcmp(argv[1], "vfio"))
		r = cmd_vfio();
	else
		return 2;
	return r || failures ? 1 : 0;
}
