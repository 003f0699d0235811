// SPDX-License-Identifier: MIT
/*
 * vfio-pci-calls.c - the rest of what QEMU calls on a vfio-pci device, checked with the same
 * expectations on a real kernel and on kmod-mock: the kernel is the oracle.
 *
 * KT_VFIO_DEV names the device's /dev/vfio/devices/vfioN (exit 77 without it): QEMU's edu on
 * the root bus of a q35 machine, bound to vfio-pci (tests/kernel/kernel-test.sh run test73
 * --viommu), or kmod-mock's default edu (meson test vfio-pci-calls, under iommufd-mock-run).
 * With KT_EDU_BRIDGE=1 the device sits alone behind a PCI bridge, at 01:01.0 (kernel-test.sh
 * --edu-bridge; the mock's device option "bridge"), and the reset checks expect what vfio-pci
 * does there: a bus reset.
 * The device is bound through the cdev to a fresh iommufd, then:
 *   - VFIO_DEVICE_GET_PCI_HOT_RESET_INFO / VFIO_DEVICE_PCI_HOT_RESET: the header checks, the
 *     group-fd array refused for a cdev-opened device, and ENODEV: a device on the root bus
 *     has neither a slot nor a bus that can be reset; VFIO_DEVICE_RESET is refused too (edu has
 *     no FLR and no PM capability). Behind a bridge: ENOSPC with the count for a header alone,
 *     the device listed by its dev-id with VFIO_PCI_HOT_RESET_FLAG_DEV_ID(_OWNED), the
 *     zero-length reset and VFIO_DEVICE_RESET succeed, and leave config space (restored by
 *     the kernel) and edu's registers (QEMU's edu has no reset) as they were;
 *   - VFIO_DEVICE_FEATURE as vfio-pci without a migration driver answers: the migration and
 *     dirty-logging features, low-power entry/exit (with and without a wakeup eventfd), the VF
 *     token, dma-buf, zPCI error, an unknown feature; PROBE, GET and SET of each;
 *   - the ERR and REQ interrupts: GET_IRQ_INFO, and SET_IRQS TRIGGER with an eventfd, with
 *     DATA_NONE and DATA_BOOL loopback, and switched off;
 *   - BAR0 mmap (vfio_pci_core_mmap()): the region's flags (MMAP, no caps), the refusals
 *     (private, past the end, empty BAR, ROM, config, VGA, no region) and what is mapped
 *     (read-only, PROT_NONE, an offset), edu's registers through the mapping against
 *     pread/pwrite (ident, liveness, factorial and status, interrupt raise/ack, 8-byte DMA
 *     address), SIGSEGV for a store to a read-only mapping, SIGBUS with memory decoding off
 *     and in low power (LOW_POWER_ENTRY until LOW_POWER_EXIT),
 *     a fork child's access, the mapping after close of a dup of the fd, and IOMMU_IOAS_MAP
 *     of the mapping (EFAULT: iommufd pins pages, a VM_PFNMAP range has none); then, on the
 *     root bus (group 1, 0000:00:01.0, in the VM and the mock alike), the same device through
 *     the legacy API after the cdev is closed: /dev/vfio/vfio (iommufd's container emulation
 *     in the test kernel) with type1v2, BAR0 mapped from the group's device fd, and
 *     VFIO_IOMMU_MAP_DMA of it: EFAULT, where ordinary memory maps.
 * Output is KTAP, one line per check, with the errno seen.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iommufd-uapi.h"

/* short names of the features (the values are uapi/iommufd-uapi.h's) */
#define F_MIGRATION VFIO_DEVICE_FEATURE_MIGRATION
#define F_MIG_DEVICE_STATE VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE
#define F_LOW_POWER_ENTRY VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY
#define F_LOW_POWER_ENTRY_WITH_WAKEUP VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP
#define F_LOW_POWER_EXIT VFIO_DEVICE_FEATURE_LOW_POWER_EXIT
#define F_DMA_LOGGING_START VFIO_DEVICE_FEATURE_DMA_LOGGING_START
#define F_DMA_LOGGING_STOP VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP
#define F_DMA_LOGGING_REPORT VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT
#define F_MIG_DATA_SIZE VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
#define F_MIG_PRECOPY_INFOV2 VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2
#define F_ZPCI_ERROR VFIO_DEVICE_FEATURE_ZPCI_ERROR

#define GET VFIO_DEVICE_FEATURE_GET
#define SET VFIO_DEVICE_FEATURE_SET
#define PROBE VFIO_DEVICE_FEATURE_PROBE

static unsigned int step_no, failures;

static void result(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u ", ok ? "ok" : "not ok", ++step_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failures++;
}

/* the errno of a call, 0 for success */
static int err_of(int rc)
{
	return rc < 0 ? errno : 0;
}

/* expect NAME: errno @want from an ioctl that returned @rc */
static void expect(const char *name, int rc, int want)
{
	int got = err_of(rc);

	result(got == want, "%s # want %s, got %s (rc %d)", name, want ? strerror(want) : "0",
	       got ? strerror(got) : "0", rc);
}

static int feature(int dev, uint32_t flags, const void *data, size_t len, uint32_t argsz_adj)
{
	unsigned char buf[sizeof(struct vfio_device_feature) + 64];
	struct vfio_device_feature *f = (struct vfio_device_feature *)buf;

	memset(buf, 0, sizeof(buf));
	f->argsz = (uint32_t)(sizeof(*f) + len) - argsz_adj;
	f->flags = flags;
	if (len)
		memcpy(f->data, data, len);
	return ioctl(dev, VFIO_DEVICE_FEATURE, f);
}

/* struct vfio_pci_hot_reset_info / vfio_pci_hot_reset with room for their arrays */
struct hot_reset_info {
	__u32 argsz, flags, count;
	struct vfio_pci_dependent_device devices[4];
};
_Static_assert(offsetof(struct hot_reset_info, devices) ==
		       offsetof(struct vfio_pci_hot_reset_info, devices),
	       "hot reset info header");
struct hot_reset {
	__u32 argsz, flags, count;
	__s32 fds[2];
};
_Static_assert(offsetof(struct hot_reset, fds) == offsetof(struct vfio_pci_hot_reset, group_fds),
	       "hot reset header");
#define GET_PCI_HOT_RESET_INFO VFIO_DEVICE_GET_PCI_HOT_RESET_INFO
#define PCI_HOT_RESET VFIO_DEVICE_PCI_HOT_RESET

static void hot_reset_checks(int dev, int iommufd)
{
	struct hot_reset_info info = { .argsz = 11 };
	struct hot_reset hr = { .argsz = 11 };

	expect("hot-reset-info-short-argsz", ioctl(dev, GET_PCI_HOT_RESET_INFO, &info), EINVAL);
	memset(&info, 0, sizeof(info));
	info.argsz = 12;
	expect("hot-reset-info-root-bus-header-only", ioctl(dev, GET_PCI_HOT_RESET_INFO, &info),
	       ENODEV);
	info.argsz = sizeof(info);
	expect("hot-reset-info-root-bus", ioctl(dev, GET_PCI_HOT_RESET_INFO, &info), ENODEV);
	result(info.count == 0 && info.flags == 0, "hot-reset-info-untouched # flags %#x count %u",
	       info.flags, info.count);

	expect("hot-reset-short-argsz", ioctl(dev, PCI_HOT_RESET, &hr), EINVAL);
	hr.argsz = 12;
	hr.flags = 1;
	expect("hot-reset-flags", ioctl(dev, PCI_HOT_RESET, &hr), EINVAL);
	/* an fd array is the group form: refused for a device opened through its cdev */
	hr.argsz = sizeof(hr);
	hr.flags = 0;
	hr.count = 1;
	hr.fds[0] = iommufd;
	expect("hot-reset-fd-array-on-cdev", ioctl(dev, PCI_HOT_RESET, &hr), EINVAL);
	hr.count = 0;
	hr.argsz = 12;
	expect("hot-reset-zero-length-root-bus", ioctl(dev, PCI_HOT_RESET, &hr), ENODEV);
}

/* config space (command, BAR0) and edu's liveness and factorial registers */
struct dev_state {
	uint32_t cmd, bar0, live, fact;
};

static int dev_state(int dev, struct dev_state *st)
{
	struct vfio_region_info cfg = { .argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	struct vfio_region_info bar = { .argsz = sizeof(bar), .index = VFIO_PCI_BAR0_REGION_INDEX };
	uint16_t cmd = 0;

	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &cfg) ||
	    ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &bar) ||
	    pread(dev, &cmd, 2, (off_t)cfg.offset + 4) != 2 ||
	    pread(dev, &st->bar0, 4, (off_t)cfg.offset + 0x10) != 4 ||
	    pread(dev, &st->live, 4, (off_t)bar.offset + 4) != 4 ||
	    pread(dev, &st->fact, 4, (off_t)bar.offset + 8) != 4)
		return -1;
	st->cmd = cmd;
	return 0;
}

/* set Bus Master and INTx disable, the liveness and factorial registers */
static int dev_touch(int dev)
{
	struct vfio_region_info cfg = { .argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	struct vfio_region_info bar = { .argsz = sizeof(bar), .index = VFIO_PCI_BAR0_REGION_INDEX };
	uint32_t live = 0x12345678, fact = 5;
	uint16_t cmd = 0;

	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &cfg) ||
	    ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &bar) ||
	    pread(dev, &cmd, 2, (off_t)cfg.offset + 4) != 2)
		return -1;
	cmd |= 0x4 | 0x400;
	if (pwrite(dev, &cmd, 2, (off_t)cfg.offset + 4) != 2 ||
	    pwrite(dev, &live, 4, (off_t)bar.offset + 4) != 4 ||
	    pwrite(dev, &fact, 4, (off_t)bar.offset + 8) != 4)
		return -1;
	/* QEMU's edu computes in a thread: wait (up to 2 s) for status bit 0, "computing", to clear */
	for (int i = 0; i < 2000; i++) {
		uint32_t status = 1;

		if (pread(dev, &status, 4, (off_t)bar.offset + 0x20) != 4)
			return -1;
		if (!(status & 1))
			return 0;
		usleep(1000);
	}
	return -1;
}

static void same_state(const char *name, int dev, const struct dev_state *before)
{
	struct dev_state after = { 0 };
	int rc = dev_state(dev, &after);

	result(!rc && !memcmp(before, &after, sizeof(after)),
	       "%s # command %#x -> %#x, BAR0 %#x -> %#x, liveness %#x -> %#x, factorial %u -> %u",
	       name, before->cmd, after.cmd, before->bar0, after.bar0, before->live, after.live,
	       before->fact, after.fact);
}

/*
 * The address sysfs gives the device of vfio-dev node @path
 * (/sys/class/vfio-dev/vfioN/device): 0, or -1 when it cannot be read.
 */
static int sysfs_address(const char *path, unsigned int *seg, unsigned int *bus,
			 unsigned int *slot, unsigned int *fn)
{
	const char *node = strrchr(path, '/');
	char link[512];
	char *rp;
	int n;

	snprintf(link, sizeof(link), "/sys/class/vfio-dev/%s/device", node ? node + 1 : path);
	rp = realpath(link, NULL);
	if (!rp)
		return -1;
	n = sscanf(strrchr(rp, '/') + 1, "%x:%x:%x.%x", seg, bus, slot, fn);
	free(rp);
	return n == 4 ? 0 : -1;
}

/* The hot-reset info names the device where sysfs has it: bus 1, slot 1 behind the bridge. */
static void bridge_hot_reset_checks(int dev, int iommufd, uint32_t devid, const char *path)
{
	unsigned int seg = ~0u, bus = ~0u, slot = ~0u, fn = ~0u;
	struct hot_reset_info info = { .argsz = 11 };
	struct hot_reset hr = { .argsz = 11 };
	struct dev_state st = { 0 };
	int rc;

	expect("hot-reset-info-short-argsz", ioctl(dev, GET_PCI_HOT_RESET_INFO, &info), EINVAL);
	memset(&info, 0, sizeof(info));
	info.argsz = 12;
	info.flags = 0xff;
	expect("hot-reset-info-header-only", ioctl(dev, GET_PCI_HOT_RESET_INFO, &info), ENOSPC);
	result(info.count == 1 && info.flags == 0, "hot-reset-info-count # flags %#x count %u",
	       info.flags, info.count);
	memset(&info, 0, sizeof(info));
	info.argsz = 12 + 8;
	rc = ioctl(dev, GET_PCI_HOT_RESET_INFO, &info);
	expect("hot-reset-info-bus", rc, 0);
	(void)sysfs_address(path, &seg, &bus, &slot, &fn);
	result(info.flags == 3 && info.count == 1 && info.devices[0].devid == devid &&
		       info.devices[0].segment == seg && info.devices[0].bus == 1 &&
		       info.devices[0].bus == bus && info.devices[0].devfn == 8 &&
		       info.devices[0].devfn == (slot << 3 | fn),
	       "hot-reset-info-dev-id-owned # flags %#x count %u devid %u (bound %u) %04x:%02x:%02x.%x"
	       " (sysfs %04x:%02x:%02x.%x)",
	       info.flags, info.count, info.devices[0].devid, devid,
	       info.devices[0].segment, info.devices[0].bus, info.devices[0].devfn >> 3,
	       info.devices[0].devfn & 7, seg, bus, slot, fn);

	expect("hot-reset-short-argsz", ioctl(dev, PCI_HOT_RESET, &hr), EINVAL);
	hr.argsz = 12;
	hr.flags = 1;
	expect("hot-reset-flags", ioctl(dev, PCI_HOT_RESET, &hr), EINVAL);
	hr.argsz = sizeof(hr);
	hr.flags = 0;
	hr.count = 1;
	hr.fds[0] = iommufd;
	expect("hot-reset-fd-array-on-cdev", ioctl(dev, PCI_HOT_RESET, &hr), EINVAL);
	result(!dev_touch(dev) && !dev_state(dev, &st), "hot-reset-setup # command %#x", st.cmd);
	hr.count = 0;
	hr.argsz = 12;
	expect("hot-reset-zero-length-bus", ioctl(dev, PCI_HOT_RESET, &hr), 0);
	same_state("hot-reset-keeps-state", dev, &st);
}

static void bridge_reset_checks(int dev)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	struct dev_state st = { 0 };
	int rc = ioctl(dev, VFIO_DEVICE_GET_INFO, &di);

	result(!rc && (di.flags & VFIO_DEVICE_FLAGS_PCI) && (di.flags & VFIO_DEVICE_FLAGS_RESET),
	       "device-info-reset-flag # rc %d flags %#x", rc, di.flags);
	result(!dev_state(dev, &st), "device-reset-setup");
	expect("device-reset-through-bus", ioctl(dev, VFIO_DEVICE_RESET), 0);
	same_state("device-reset-keeps-state", dev, &st);
}

static void reset_checks(int dev)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	int rc = ioctl(dev, VFIO_DEVICE_GET_INFO, &di);

	result(!rc && (di.flags & VFIO_DEVICE_FLAGS_PCI) && !(di.flags & VFIO_DEVICE_FLAGS_RESET),
	       "device-info-no-reset-flag # rc %d flags %#x", rc, di.flags);
	expect("device-reset-without-method", ioctl(dev, VFIO_DEVICE_RESET), EINVAL);
}

static void feature_checks(int dev, int iommufd)
{
	unsigned char zero[64] = { 0 };
	struct {
		int32_t wakeup_eventfd;
		uint32_t reserved;
	} wake;
	static const struct {
		const char *name;
		uint32_t feature;
	} mig[] = {
		{ "migration", F_MIGRATION },
		{ "mig-device-state", F_MIG_DEVICE_STATE },
		{ "dma-logging-start", F_DMA_LOGGING_START },
		{ "dma-logging-stop", F_DMA_LOGGING_STOP },
		{ "dma-logging-report", F_DMA_LOGGING_REPORT },
		{ "mig-data-size", F_MIG_DATA_SIZE },
		{ "zpci-error", F_ZPCI_ERROR },
		{ "pci-vf-token", VFIO_DEVICE_FEATURE_PCI_VF_TOKEN },
		{ "dma-buf", VFIO_DEVICE_FEATURE_DMA_BUF },
		{ "unknown-99", 99 },
	};
	char name[96];
	int efd, closed;

	/* the header */
	expect("feature-short-argsz", feature(dev, PROBE | GET | F_MIGRATION, NULL, 0, 1), EINVAL);
	expect("feature-unknown-flag", feature(dev, (1U << 19) | F_MIGRATION, NULL, 0, 0), EINVAL);
	expect("feature-get-and-set", feature(dev, GET | SET | F_MIGRATION, NULL, 0, 0), EINVAL);

	/* no migration driver, no dirty logging, no SR-IOV, no dma-buf export: ENOTTY for all */
	for (size_t i = 0; i < sizeof(mig) / sizeof(mig[0]); i++) {
		static const uint32_t ops[] = { PROBE | GET, PROBE | SET, GET, SET, PROBE };
		static const char *const opn[] = { "probe-get", "probe-set", "get", "set", "probe" };

		for (size_t j = 0; j < sizeof(ops) / sizeof(ops[0]); j++) {
			snprintf(name, sizeof(name), "feature-%s-%s", mig[i].name, opn[j]);
			expect(name, feature(dev, ops[j] | mig[i].feature, zero, 32, 0), ENOTTY);
		}
	}
	/* PRECOPY_INFOv2 is refused before the driver is asked: no PRE_COPY migration */
	expect("feature-mig-precopy-info-v2-probe-set",
	       feature(dev, PROBE | SET | F_MIG_PRECOPY_INFOV2, NULL, 0, 0), EINVAL);
	expect("feature-mig-precopy-info-v2-set", feature(dev, SET | F_MIG_PRECOPY_INFOV2, NULL, 0, 0),
	       EINVAL);

	/* low power: SET only, no payload */
	expect("low-power-entry-probe-set", feature(dev, PROBE | SET | F_LOW_POWER_ENTRY, NULL, 0, 0),
	       0);
	expect("low-power-entry-probe-get", feature(dev, PROBE | GET | F_LOW_POWER_ENTRY, NULL, 0, 0),
	       EINVAL);
	expect("low-power-entry-probe", feature(dev, PROBE | F_LOW_POWER_ENTRY, NULL, 0, 0), 0);
	expect("low-power-entry-get", feature(dev, GET | F_LOW_POWER_ENTRY, NULL, 0, 0), EINVAL);
	expect("low-power-entry-neither", feature(dev, F_LOW_POWER_ENTRY, NULL, 0, 0), EINVAL);
	expect("low-power-exit-probe-set", feature(dev, PROBE | SET | F_LOW_POWER_EXIT, NULL, 0, 0),
	       0);
	expect("low-power-exit-get", feature(dev, GET | F_LOW_POWER_EXIT, NULL, 0, 0), EINVAL);
	expect("low-power-exit-not-entered", feature(dev, SET | F_LOW_POWER_EXIT, NULL, 0, 0), 0);
	expect("low-power-entry-set", feature(dev, SET | F_LOW_POWER_ENTRY, NULL, 0, 0), 0);
	expect("low-power-entry-again", feature(dev, SET | F_LOW_POWER_ENTRY, NULL, 0, 0), EINVAL);
	expect("low-power-exit-set", feature(dev, SET | F_LOW_POWER_EXIT, NULL, 0, 0), 0);
	expect("low-power-exit-again", feature(dev, SET | F_LOW_POWER_EXIT, NULL, 0, 0), 0);

	/* with a wakeup eventfd */
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	closed = dup(efd);
	close(closed);
	expect("low-power-wakeup-probe-set",
	       feature(dev, PROBE | SET | F_LOW_POWER_ENTRY_WITH_WAKEUP, NULL, 0, 0), 0);
	expect("low-power-wakeup-probe-get",
	       feature(dev, PROBE | GET | F_LOW_POWER_ENTRY_WITH_WAKEUP, NULL, 0, 0), EINVAL);
	wake.reserved = 0;
	wake.wakeup_eventfd = efd;
	expect("low-power-wakeup-short", feature(dev, SET | F_LOW_POWER_ENTRY_WITH_WAKEUP, &wake, 4, 0),
	       EINVAL);
	wake.wakeup_eventfd = -1;
	expect("low-power-wakeup-negative-fd",
	       feature(dev, SET | F_LOW_POWER_ENTRY_WITH_WAKEUP, &wake, 8, 0), EINVAL);
	wake.wakeup_eventfd = closed;
	expect("low-power-wakeup-closed-fd",
	       feature(dev, SET | F_LOW_POWER_ENTRY_WITH_WAKEUP, &wake, 8, 0), EBADF);
	wake.wakeup_eventfd = iommufd;
	expect("low-power-wakeup-not-eventfd",
	       feature(dev, SET | F_LOW_POWER_ENTRY_WITH_WAKEUP, &wake, 8, 0), EINVAL);
	wake.wakeup_eventfd = efd;
	expect("low-power-wakeup-set", feature(dev, SET | F_LOW_POWER_ENTRY_WITH_WAKEUP, &wake, 8, 0),
	       0);
	expect("low-power-wakeup-again", feature(dev, SET | F_LOW_POWER_ENTRY_WITH_WAKEUP, &wake, 8, 0),
	       EINVAL);
	expect("low-power-entry-while-wakeup", feature(dev, SET | F_LOW_POWER_ENTRY, NULL, 0, 0),
	       EINVAL);
	expect("low-power-wakeup-exit", feature(dev, SET | F_LOW_POWER_EXIT, NULL, 0, 0), 0);
	/* the device works after low power */
	{
		struct vfio_region_info ri = { .argsz = sizeof(ri), .index = VFIO_PCI_BAR0_REGION_INDEX };
		uint32_t ident = 0;
		ssize_t n = -1;

		if (!ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri))
			n = pread(dev, &ident, 4, (off_t)ri.offset);

		result(n == 4 && (ident & 0xff) == 0xed, "low-power-bar0-after-exit # n %zd ident %#x",
		       n, ident);
	}
	close(efd);
}

static int set_irqs(int dev, uint32_t flags, uint32_t index, uint32_t count, const void *data,
		    size_t len)
{
	unsigned char buf[sizeof(struct vfio_irq_set) + 8] = { 0 };
	struct vfio_irq_set *s = (struct vfio_irq_set *)buf;

	s->argsz = (uint32_t)(sizeof(*s) + len);
	s->flags = flags;
	s->index = index;
	s->start = 0;
	s->count = count;
	if (len)
		memcpy(s->data, data, len);
	return ioctl(dev, VFIO_DEVICE_SET_IRQS, s);
}

static uint64_t efd_count(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		return 0;
	return v;
}

static void err_req_checks(int dev, int iommufd)
{
	static const struct {
		const char *name;
		uint32_t index;
	} idx[] = { { "err", VFIO_PCI_ERR_IRQ_INDEX }, { "req", VFIO_PCI_REQ_IRQ_INDEX } };
	const uint32_t trig = VFIO_IRQ_SET_ACTION_TRIGGER;
	struct vfio_irq_info ii;
	char name[64];

	ii = (struct vfio_irq_info){ .argsz = sizeof(ii), .index = VFIO_PCI_NUM_IRQS };
	expect("irq-info-past-last", ioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, &ii), EINVAL);
	for (size_t i = 0; i < 2; i++) {
		int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), rc;
		int32_t fd = efd, off = -1;
		uint8_t one = 1, zero = 0;

		ii = (struct vfio_irq_info){ .argsz = sizeof(ii), .index = idx[i].index };
		rc = ioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, &ii);
		result(!rc && ii.count == 1 &&
			       ii.flags == (VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE),
		       "irq-info-%s # rc %d count %u flags %#x", idx[i].name, rc, ii.count, ii.flags);
#define X(what, call, want)                                                   \
	do {                                                                  \
		snprintf(name, sizeof(name), "irq-%s-%s", idx[i].name, what); \
		expect(name, call, want);                                     \
	} while (0)
		X("none-unset", set_irqs(dev, VFIO_IRQ_SET_DATA_NONE | trig, idx[i].index, 1, NULL, 0),
		  EINVAL);
		X("mask", set_irqs(dev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, idx[i].index,
				   1, NULL, 0),
		  ENOTTY);
		X("unmask", set_irqs(dev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK,
				     idx[i].index, 1, NULL, 0),
		  ENOTTY);
		X("count-2", set_irqs(dev, VFIO_IRQ_SET_DATA_EVENTFD | trig, idx[i].index, 2, &fd, 4),
		  EINVAL);
		X("not-eventfd",
		  set_irqs(dev, VFIO_IRQ_SET_DATA_EVENTFD | trig, idx[i].index, 1, &iommufd, 4),
		  EINVAL);
		X("eventfd", set_irqs(dev, VFIO_IRQ_SET_DATA_EVENTFD | trig, idx[i].index, 1, &fd, 4),
		  0);
		X("none-loopback", set_irqs(dev, VFIO_IRQ_SET_DATA_NONE | trig, idx[i].index, 1, NULL, 0),
		  0);
		snprintf(name, sizeof(name), "irq-%s-none-signalled", idx[i].name);
		result(efd_count(efd) == 1, "%s", name);
		X("bool-0", set_irqs(dev, VFIO_IRQ_SET_DATA_BOOL | trig, idx[i].index, 1, &zero, 1), 0);
		X("bool-1", set_irqs(dev, VFIO_IRQ_SET_DATA_BOOL | trig, idx[i].index, 1, &one, 1), 0);
		snprintf(name, sizeof(name), "irq-%s-bool-signalled-once", idx[i].name);
		result(efd_count(efd) == 1, "%s", name);
		X("bool-count-0", set_irqs(dev, VFIO_IRQ_SET_DATA_BOOL | trig, idx[i].index, 0, NULL, 0),
		  EINVAL);
		X("off", set_irqs(dev, VFIO_IRQ_SET_DATA_EVENTFD | trig, idx[i].index, 1, &off, 4), 0);
		X("none-after-off", set_irqs(dev, VFIO_IRQ_SET_DATA_NONE | trig, idx[i].index, 1, NULL, 0),
		  EINVAL);
		X("eventfd-again", set_irqs(dev, VFIO_IRQ_SET_DATA_EVENTFD | trig, idx[i].index, 1, &fd, 4),
		  0);
		X("none-count-0", set_irqs(dev, VFIO_IRQ_SET_DATA_NONE | trig, idx[i].index, 0, NULL, 0), 0);
		X("none-count-0-again",
		  set_irqs(dev, VFIO_IRQ_SET_DATA_NONE | trig, idx[i].index, 0, NULL, 0), EINVAL);
#undef X
		snprintf(name, sizeof(name), "irq-%s-nothing-after-off", idx[i].name);
		result(efd_count(efd) == 0, "%s", name);
		close(efd);
	}
}

/* ---------------- BAR0 mmap ---------------- */

#define BAR_PG 4096UL
#define BAR0_SIZE 0x100000UL
#define EDU_IDENT 0x010000edu

static sigjmp_buf bar_jb;
static volatile sig_atomic_t bar_sig, bar_code;
static volatile uintptr_t bar_addr;

static void bar_catcher(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	bar_sig = sig;
	bar_code = si->si_code;
	bar_addr = (uintptr_t)si->si_addr;
	siglongjmp(bar_jb, 1);
}

/* mmap(2) of @dev: its errno, 0 if it mapped (and is unmapped again) */
static int bar_map_errno(int dev, size_t len, int prot, int flags, uint64_t off)
{
	void *p = mmap(NULL, len, prot, flags, dev, (off_t)off);

	if (p == MAP_FAILED)
		return -1;
	munmap(p, len);
	return 0;
}

static void expect_map(const char *name, int dev, size_t len, int prot, int flags, uint64_t off,
		       int want)
{
	expect(name, bar_map_errno(dev, len, prot, flags, off), want);
}

static void expect_u64(const char *name, uint64_t got, uint64_t want)
{
	result(got == want, "%s # want 0x%llx, got 0x%llx", name, (unsigned long long)want,
	       (unsigned long long)got);
}

static uint32_t bar_pread32(int dev, uint64_t reg)
{
	uint32_t v = 0;

	if (pread(dev, &v, 4, (off_t)reg) != 4)
		return 0xdeadbeef;
	return v;
}

static void bar_memory(int dev, bool on)
{
	uint64_t cfg = (uint64_t)VFIO_PCI_CONFIG_REGION_INDEX << 40;
	uint16_t cmd = 0;

	if (pread(dev, &cmd, 2, (off_t)(cfg + 4)) != 2)
		return;
	cmd = on ? (uint16_t)(cmd | 0x2) : (uint16_t)(cmd & ~0x2);
	if (pwrite(dev, &cmd, 2, (off_t)(cfg + 4)) != 2)
		printf("# cannot write the command register\n");
}

#define BAR_MMAP_CHECKS 50

static void bar_mmap_checks(int dev, int iommufd)
{
	const int rw = PROT_READ | PROT_WRITE;
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = VFIO_PCI_BAR0_REGION_INDEX };
	struct sigaction sa = { .sa_sigaction = bar_catcher, .sa_flags = SA_SIGINFO };
	struct sigaction old_segv, old_bus;
	struct iommu_ioas_alloc al = { .size = sizeof(al) };
	volatile uint32_t *r32, *ro;
	volatile uint64_t *r64;
	int st, dup_fd;
	void *p;
	pid_t pid;

	expect("bar0-region-info", ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri), 0);
	expect_u64("bar0-region-flags", ri.flags,
		   VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			   VFIO_REGION_INFO_FLAG_MMAP);
	expect_u64("bar0-region-size", ri.size, BAR0_SIZE);
	expect_u64("bar0-region-cap-offset", ri.cap_offset, 0);
	ri = (struct vfio_region_info){ .argsz = sizeof(ri), .index = VFIO_PCI_BAR1_REGION_INDEX };
	expect("bar1-region-info", ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri), 0);
	expect_u64("bar1-region-flags", ri.flags, 0);

	expect_map("mmap-bar0-page", dev, BAR_PG, rw, MAP_SHARED, 0, 0);
	expect_map("mmap-bar0-whole", dev, BAR0_SIZE, rw, MAP_SHARED, 0, 0);
	expect_map("mmap-bar0-last-page-validate", dev, BAR_PG, rw, MAP_SHARED_VALIDATE,
		   BAR0_SIZE - BAR_PG, 0);
	expect_map("mmap-bar0-read-only", dev, BAR_PG, PROT_READ, MAP_SHARED, 0, 0);
	expect_map("mmap-bar0-prot-none", dev, BAR_PG, PROT_NONE, MAP_SHARED, 0, 0);
	expect_map("mmap-bar0-private", dev, BAR_PG, rw, MAP_PRIVATE, 0, EINVAL);
	expect_map("mmap-bar0-too-long", dev, BAR0_SIZE + BAR_PG, rw, MAP_SHARED, 0, EINVAL);
	expect_map("mmap-bar0-past-end", dev, 2 * BAR_PG, rw, MAP_SHARED, BAR0_SIZE - BAR_PG,
		   EINVAL);
	expect_map("mmap-bar0-at-end", dev, BAR_PG, rw, MAP_SHARED, BAR0_SIZE, EINVAL);
	expect_map("mmap-bar0-unaligned", dev, BAR_PG, rw, MAP_SHARED, 0x100, EINVAL);
	expect_map("mmap-bar1-empty", dev, BAR_PG, rw, MAP_SHARED, 1ULL << 40, EINVAL);
	expect_map("mmap-rom", dev, BAR_PG, rw, MAP_SHARED, 6ULL << 40, EINVAL);
	expect_map("mmap-config", dev, BAR_PG, rw, MAP_SHARED, 7ULL << 40, EINVAL);
	expect_map("mmap-vga", dev, BAR_PG, rw, MAP_SHARED, 8ULL << 40, EINVAL);
	expect_map("mmap-no-region", dev, BAR_PG, rw, MAP_SHARED, 9ULL << 40, EINVAL);

	p = mmap(NULL, BAR0_SIZE, rw, MAP_SHARED, dev, 0);
	expect("mmap-bar0", p == MAP_FAILED ? -1 : 0, 0);
	if (p == MAP_FAILED) {
		for (int i = 0; i < BAR_MMAP_CHECKS - 22; i++)
			result(0, "bar0-mapping # SKIP not mapped");
		return;
	}
	r32 = p;
	r64 = p;
	expect_u64("bar0-ident", r32[0], EDU_IDENT);
	expect_u64("bar0-ident-pread", bar_pread32(dev, 0), r32[0]);
	r32[1] = 0x12345678;
	expect_u64("bar0-liveness", r32[1], ~0x12345678u);
	expect_u64("bar0-liveness-pread", bar_pread32(dev, 4), ~0x12345678u);
	r32[0x08 / 4] = 5;
	/* QEMU's edu computes in a thread: bit 0 of the status is set until it is done */
	for (int i = 0; i < 1000000 && (r32[0x20 / 4] & 1); i++)
		;
	expect_u64("bar0-factorial-status", r32[0x20 / 4] & 1, 0);
	expect_u64("bar0-factorial", r32[0x08 / 4], 120);
	r32[0x60 / 4] = 0x10;
	expect_u64("bar0-irq-raise-status", r32[0x24 / 4], 0x10);
	r32[0x64 / 4] = 0x10;
	expect_u64("bar0-irq-ack-status", bar_pread32(dev, 0x24), 0);
	r64[0x80 / 8] = 0x12345678abcULL;
	expect_u64("bar0-dma-src-64", r64[0x80 / 8], 0x12345678abcULL);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	ro = mmap(NULL, BAR_PG, PROT_READ, MAP_SHARED, dev, 0);
	bar_sig = 0;
	if (ro != MAP_FAILED && !sigsetjmp(bar_jb, 1))
		ro[1] = 1;
	expect_u64("bar0-read-only-store-sigsegv", bar_sig, SIGSEGV);
	expect_u64("bar0-read-only-store-addr", bar_addr, (uintptr_t)(ro + 1));
	if (ro != MAP_FAILED)
		munmap((void *)ro, BAR_PG);
	bar_memory(dev, false);
	bar_sig = 0;
	if (!sigsetjmp(bar_jb, 1))
		(void)r32[0];
	bar_memory(dev, true);
	expect_u64("bar0-memory-off-sigbus", bar_sig, SIGBUS);
	expect_u64("bar0-memory-off-sigbus-code", bar_code, BUS_ADRERR);
	expect_u64("bar0-memory-back-ident", r32[0], EDU_IDENT);
	/* vfio-pci's fault handler refuses while the program has put the device in low power */
	expect("bar0-low-power-entry", feature(dev, SET | F_LOW_POWER_ENTRY, NULL, 0, 0), 0);
	bar_sig = 0;
	if (!sigsetjmp(bar_jb, 1))
		(void)r32[0];
	expect_u64("bar0-low-power-sigbus", bar_sig, SIGBUS);
	expect("bar0-low-power-exit", feature(dev, SET | F_LOW_POWER_EXIT, NULL, 0, 0), 0);
	expect_u64("bar0-low-power-exit-ident", r32[0], EDU_IDENT);
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(r32[0] == EDU_IDENT ? (r32[1] = 0x55, r32[1] == ~0x55u ? 0 : 2) : 1);
	expect("bar0-fork-child", pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
					  !WEXITSTATUS(st) ? 0 : -1, 0);
	expect_u64("bar0-fork-child-store", r32[1], ~0x55u);

	/* a mapping through a dup that is closed at once: the vma holds the file */
	dup_fd = dup(dev);
	ro = dup_fd >= 0 ? mmap(NULL, BAR_PG, rw, MAP_SHARED, dup_fd, 0) : MAP_FAILED;
	if (dup_fd >= 0)
		close(dup_fd);
	expect("bar0-map-dup", ro == MAP_FAILED ? -1 : 0, 0);
	expect_u64("bar0-after-close-ident", ro != MAP_FAILED ? ro[0] : 0, EDU_IDENT);
	if (ro != MAP_FAILED)
		munmap((void *)ro, BAR_PG);

	/*
	 * iommufd pins with pin_user_pages() when a domain needs the pages: an IOAS
	 * without a device maps the range (nothing is pinned), one with the device
	 * attached refuses it, EFAULT: a VM_PFNMAP range has no pages to pin.
	 */
	expect("bar0-ioas-alloc", ioctl(iommufd, IOMMU_IOAS_ALLOC, &al), 0);
	{
		struct iommu_ioas_map map = {
			.size = sizeof(map),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = al.out_ioas_id,
			.user_va = (uintptr_t)p,
			.length = BAR_PG,
			.iova = 0x100000,
		};
		struct iommu_ioas_unmap unmap = { .size = sizeof(unmap), .ioas_id = al.out_ioas_id,
						  .iova = 0, .length = UINT64_MAX };
		struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at),
							    .pt_id = al.out_ioas_id };

		expect("bar0-ioas-map-no-device", ioctl(iommufd, IOMMU_IOAS_MAP, &map), 0);
		expect("bar0-ioas-unmap-no-device", ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap), 0);
		expect("bar0-attach", ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
		expect("bar0-ioas-map-attached", ioctl(iommufd, IOMMU_IOAS_MAP, &map), EFAULT);
		map.flags &= ~IOMMU_IOAS_MAP_WRITEABLE;
		expect("bar0-ioas-map-attached-readonly", ioctl(iommufd, IOMMU_IOAS_MAP, &map),
		       EFAULT);
	}
	munmap(p, BAR0_SIZE);
}

#define BAR_TYPE1_CHECKS 9

/*
 * The device's PCI address and its group's node, as a VFIO user finds them:
 * /sys/class/vfio-dev/vfioN/device is the device, its iommu_group link names
 * the group (KT_VFIO_BDF and KT_VFIO_GROUP override).
 */
static void sysfs_bdf_group(const char *path, char *bdf, size_t bdf_len, char *grp,
			    size_t grp_len)
{
	const char *node = strrchr(path, '/');
	char dir[256], link[512];
	char *rp;
	ssize_t n;

	snprintf(bdf, bdf_len, "%s", getenv("KT_VFIO_BDF") ? getenv("KT_VFIO_BDF") : "");
	snprintf(grp, grp_len, "%s", getenv("KT_VFIO_GROUP") ? getenv("KT_VFIO_GROUP") : "");
	snprintf(dir, sizeof(dir), "/sys/class/vfio-dev/%s/device", node ? node + 1 : path);
	rp = realpath(dir, NULL);
	if (!rp)
		return;
	if (!*bdf)
		snprintf(bdf, bdf_len, "%s", strrchr(rp, '/') + 1);
	snprintf(dir, sizeof(dir), "%s/iommu_group", rp);
	free(rp);
	n = readlink(dir, link, sizeof(link) - 1);
	if (n > 0 && !*grp) {
		link[n] = '\0';
		snprintf(grp, grp_len, "/dev/vfio/%s", strrchr(link, '/') + 1);
	}
}

static void bar_type1_checks(const char *path)
{
	char bdf[64], grp[64];
	struct vfio_iommu_type1_dma_map dm = { .argsz = sizeof(dm),
					       .flags = VFIO_DMA_MAP_FLAG_READ |
							VFIO_DMA_MAP_FLAG_WRITE,
					       .size = BAR_PG,
					       .iova = 0x100000 };
	int container, group, dev;
	void *p, *ram;

	sysfs_bdf_group(path, bdf, sizeof(bdf), grp, sizeof(grp));
	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	expect("type1-container-open", container, 0);
	group = open(grp, O_RDWR | O_CLOEXEC);
	expect("type1-group-open", group, 0);
	expect("type1-set-container", ioctl(group, VFIO_GROUP_SET_CONTAINER, &container), 0);
	expect("type1-set-iommu", ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	expect("type1-get-device-fd", dev < 0 ? -1 : 0, 0);
	p = dev >= 0 ? mmap(NULL, BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, dev, 0) :
		       MAP_FAILED;
	expect("type1-mmap-bar0", p == MAP_FAILED ? -1 : 0, 0);
	expect_u64("type1-bar0-ident", p != MAP_FAILED ? ((volatile uint32_t *)p)[0] : 0,
		   EDU_IDENT);
	dm.vaddr = (uintptr_t)p;
	expect("type1-map-dma-bar0", p != MAP_FAILED ? ioctl(container, VFIO_IOMMU_MAP_DMA, &dm) :
						       0,
	       EFAULT);
	ram = mmap(NULL, BAR_PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dm.vaddr = (uintptr_t)ram;
	expect("type1-map-dma-ram", ioctl(container, VFIO_IOMMU_MAP_DMA, &dm), 0);
	if (p != MAP_FAILED)
		munmap(p, BAR0_SIZE);
	if (ram != MAP_FAILED)
		munmap(ram, BAR_PG);
	if (dev >= 0)
		close(dev);
	if (group >= 0)
		close(group);
	if (container >= 0)
		close(container);
}

int main(void)
{
	const char *path = getenv("KT_VFIO_DEV");
	struct vfio_device_bind_iommufd bind = { .argsz = offsetof(struct vfio_device_bind_iommufd,
								  out_devid) + 4 };
	struct hot_reset_info info = { .argsz = sizeof(info) };
	int dev, iommufd, rc;
	bool bridge;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!path) {
		printf("1..0 # SKIP KT_VFIO_DEV is not set: no device on vfio-pci\n");
		return 77;
	}
	printf("TAP version 13\n");
	dev = open(path, O_RDWR | O_CLOEXEC);
	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (dev < 0 || iommufd < 0) {
		printf("1..0 # SKIP cannot open %s or /dev/iommu: %s\n", path, strerror(errno));
		return 77;
	}
	bridge = getenv("KT_EDU_BRIDGE") && !strcmp(getenv("KT_EDU_BRIDGE"), "1");
	printf("1..%d\n", 2 + (bridge ? 11 + 4 : 8 + 2) + 3 + 10 * 5 + 2 + 12 + 11 + 1 + 2 * 19 +
	       BAR_MMAP_CHECKS + (bridge ? 0 : BAR_TYPE1_CHECKS));
	expect("unbound-hot-reset-info", ioctl(dev, GET_PCI_HOT_RESET_INFO, &info), EINVAL);
	bind.iommufd = iommufd;
	rc = ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind);
	expect("bind", rc, 0);
	if (rc)
		return 1;
	if (bridge) {
		bridge_hot_reset_checks(dev, iommufd, bind.out_devid, path);
		bridge_reset_checks(dev);
	} else {
		hot_reset_checks(dev, iommufd);
		reset_checks(dev);
	}
	feature_checks(dev, iommufd);
	err_req_checks(dev, iommufd);
	bar_mmap_checks(dev, iommufd);
	close(dev);
	close(iommufd);
	if (!bridge)
		bar_type1_checks(path);
	printf("# %u checks, %u failed\n", step_no, failures);
	return failures ? 1 : 0;
}
