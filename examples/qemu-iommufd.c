// SPDX-License-Identifier: MIT
/*
 * qemu-iommufd.c - QEMU's iommufd + VFIO cdev flow, written with libiommufd:
 * a tiny VMM with QEMU's split into an iommufd backend (backends/iommufd.c:
 * one /dev/iommu per VM, opened or passed by the management layer), a
 * container (hw/vfio/iommufd.c: one IOAS per address space and the HWPTs the
 * "auto domains" allocate in it) and a device (a VFIO cdev, opened or passed,
 * bound to the backend). A memory listener maps the VM's RAM sections into
 * the IOAS as QEMU does (a memfd-backed pc.ram through IOMMU_IOAS_MAP_FILE
 * where the kernel has it, a read-only BIOS ROM, a hot-pluggable DIMM), and
 * QEMU's edu device proves by DMA that the mappings work, that the ROM is
 * read-only and that an unplugged DIMM is gone. Where the IOMMU can track
 * dirty pages, the migration path runs: global dirty tracking on, device
 * writes, the dirty bitmap of each RAM section, tracking off.
 *
 * Usage: qemu-iommufd [--pass-fds] [--ioas-attach] [--migrate]
 *                     [/dev/vfio/devices/vfioN [/dev/vfio/devices/vfioM]]
 *   (a second device joins the first one's container: QEMU's auto domains
 *   give it the first device's HWPT when the kernel lets it attach there)
 *   --pass-fds     open /dev/iommu and the device cdev here, as libvirt does,
 *                  and pass the fds (QEMU's -object iommufd,fd= and
 *                  -device vfio-pci,fd=)
 *   --ioas-attach  attach the device to the IOAS itself, without an auto
 *                  domain (QEMU's path for mdevs)
 *   --migrate      dirty tracking is required: skip (77) without it
 * Exit 0 on success, 1 on failure, 77 without a VFIO edu device (or, with
 * --migrate, without IOMMU dirty tracking).
 *
 * Every step goes through the library; no raw ioctl. What QEMU's flow does
 * that is left out here: interrupts (edu is polled: the library has no
 * VFIO_DEVICE_GET_IRQ_INFO / SET_IRQS helpers), the PCI hot reset with
 * device ids (VFIO_DEVICE_PCI_HOT_RESET), the capability chains of device
 * and region info (sparse mmap areas, device-specific regions), the KVM-VFIO
 * device, the device's own dirty tracking and migration state
 * (VFIO_DEVICE_FEATURE), and CPR, which needs a handle for a VFIO fd that is
 * already bound (iommufd_device_adopt() takes an id without an fd).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create() */
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iommufd/iommufd.h>

#include "edu.h"

#define PROG "qemu-iommufd"
#define EXIT_SKIP 77
#define KIB 1024ULL
#define MIB (1024ULL * 1024ULL)

/* The VM's memory: guest physical addresses, which are the device's IOVAs (no vIOMMU). */
#define RAM_SIZE (4 * MIB)   /* pc.ram, one memfd */
#define LOW_END (640 * KIB)  /* pc.ram below the VGA hole */
#define HIGH_START (1 * MIB) /* pc.ram above 1 MiB */
#define BIOS_GPA (896 * KIB) /* pc.bios: the last 128 KiB below 1 MiB */
#define BIOS_SIZE (128 * KIB)
#define DIMM_GPA (4 * MIB) /* dimm0, a memfd of its own, unplugged at the end */
#define DIMM_SIZE (1 * MIB)

#define MAX_HWPTS 4
#define MAX_DEVICES 2
#define NR_SECTIONS 4

static uint64_t host_page_size;

/* A failed libiommufd call: the library says which call failed and why. */
static int fail(const char *what, int ret)
{
	fprintf(stderr, PROG ": %s failed: %s\n", what, iommufd_last_error());
	return ret;
}

/* ---- backend: backends/iommufd.c ---------------------------------------- */

/* The VM's iommufd, shared by all its devices (IOMMUFDBackend). */
struct backend {
	int fd;      /* the passed fd, or -1: open /dev/iommu */
	unsigned int users;
	struct iommufd_ctx *ctx;
};

/* The first user opens /dev/iommu, or takes the passed fd (which stays the caller's). */
static int backend_connect(struct backend *be)
{
	IOMMUFD_OPTS(iommufd_ctx_opts, opts, .flags = IOMMUFD_CTX_BORROW_FD, .fd = be->fd);
	int ret;

	if (be->users) {
		be->users++;
		return 0;
	}
	ret = iommufd_ctx_open(be->fd >= 0 ? &opts : NULL, &be->ctx);
	if (ret)
		return fail(be->fd >= 0 ? "using the passed iommufd" : "opening /dev/iommu", ret);
	be->users = 1;
	printf("backend: %s, fd %d\n", be->fd >= 0 ? "iommufd passed by the caller" :
						    "opened /dev/iommu",
	       iommufd_ctx_get_fd(be->ctx));
	return 0;
}

/* The last user closes the context (and /dev/iommu, unless it was passed). */
static void backend_disconnect(struct backend *be)
{
	if (!be->users || --be->users)
		return;
	iommufd_ctx_close(be->ctx);
	be->ctx = NULL;
	printf("backend: closed\n");
}

/* ---- container: the IOAS of an address space, hw/vfio/iommufd.c -------- */

/* A HWPT the auto domains allocated (VFIOIOASHwpt). */
struct hwpt_entry {
	struct iommufd_hwpt *hwpt;
	uint32_t flags;
	unsigned int devices;
};

struct container {
	struct backend *be;
	struct iommufd_ioas *ioas;
	struct hwpt_entry hwpts[MAX_HWPTS]; /* a slot is free while its hwpt is NULL */
	struct iommufd_iova_range *ranges;
	uint32_t nr_ranges;
	uint64_t pgsize;
	bool dirty_pages_supported;
	unsigned int devices;
};

struct device {
	const char *name;
	const char *label; /* the name's last component */
	int fd;           /* the passed cdev fd, or -1: open name */
	bool ioas_attach; /* no auto domain: attach the IOAS (QEMU's mdev path) */
	struct iommufd_device *dev;
	struct container *container;
	struct hwpt_entry *hwpt; /* NULL while attached to the IOAS itself */
	bool dirty_tracking;
	struct iommufd_device_info info;
	struct edu edu;
};

static int attach_ioas(struct device *d, struct container *c)
{
	uint32_t hwpt_id = 0;
	int ret;

	ret = iommufd_device_attach(d->dev, iommufd_ioas_as_pt(c->ioas), &hwpt_id);
	if (ret)
		return fail("attaching the device to the IOAS", ret);
	printf("container: device attached to IOAS %" PRIu32 " (the kernel's HWPT %" PRIu32 ")\n",
	       iommufd_ioas_get_id(c->ioas), hwpt_id);
	return 0;
}

/*
 * QEMU's auto domains: reuse a HWPT of the container the device can be
 * attached to (EINVAL: incompatible, try the next), else allocate a paging
 * HWPT, with dirty tracking when the IOMMU reports it, and attach that.
 * QEMU stops there with an error; this port attaches the IOAS itself where
 * the kernel lacks GET_HW_INFO or HWPT_ALLOC (ENOTTY, before 6.6).
 */
static int autodomains_get(struct device *d, struct container *c)
{
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts);
	struct iommufd_hwpt *hwpt = NULL;
	struct iommufd_hw_info info;
	struct hwpt_entry *h;
	unsigned int i;
	int ret;

	for (i = 0; i < MAX_HWPTS; i++) {
		h = &c->hwpts[i];
		if (!h->hwpt)
			continue;
		ret = iommufd_device_attach(d->dev, iommufd_hwpt_as_pt(h->hwpt), NULL);
		if (ret == -EINVAL)
			continue;
		if (ret)
			return fail("attaching the device to an existing HWPT", ret);
		h->devices++;
		d->hwpt = h;
		d->dirty_tracking = h->flags & IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING;
		printf("container: device attached to existing HWPT %" PRIu32 "\n",
		       iommufd_hwpt_get_id(h->hwpt));
		return 0;
	}
	for (i = 0; i < MAX_HWPTS && c->hwpts[i].hwpt; i++)
		;
	if (i == MAX_HWPTS) {
		fprintf(stderr, PROG ": too many HWPTs in the container\n");
		return -ENOSPC;
	}

	ret = iommufd_device_get_hw_info(d->dev, NULL, &info, NULL, 0);
	if (ret == -ENOTTY) {
		printf("container: no IOMMU_GET_HW_INFO (kernel before 6.6): attaching the IOAS\n");
		return attach_ioas(d, c);
	}
	if (ret)
		return fail("IOMMU_GET_HW_INFO", ret);
	if (info.capabilities & IOMMUFD_HW_CAP_DIRTY_TRACKING)
		opts.flags = IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING;

	ret = iommufd_hwpt_alloc_paging(d->dev, c->ioas, &opts, &hwpt);
	if (ret == -ENOTTY) {
		printf("container: no IOMMU_HWPT_ALLOC: attaching the IOAS\n");
		return attach_ioas(d, c);
	}
	if (ret)
		return fail("allocating a paging HWPT", ret);
	ret = iommufd_device_attach(d->dev, iommufd_hwpt_as_pt(hwpt), NULL);
	if (ret) {
		fail("attaching the device to its HWPT", ret);
		iommufd_hwpt_destroy(hwpt);
		return ret;
	}
	h = &c->hwpts[i];
	h->hwpt = hwpt;
	h->flags = opts.flags;
	h->devices = 1;
	d->hwpt = h;
	d->dirty_tracking = opts.flags & IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING;
	c->dirty_pages_supported |= d->dirty_tracking;
	printf("container: auto domain: paging HWPT %" PRIu32 " on IOAS %" PRIu32
	       "%s, device attached\n", iommufd_hwpt_get_id(hwpt), iommufd_ioas_get_id(c->ioas),
	       d->dirty_tracking ? " with dirty tracking" : "");
	if (c->dirty_pages_supported && !d->dirty_tracking)
		printf("container: warning: the IOMMU of %s cannot track dirty pages\n", d->name);
	return 0;
}

/* Detach; the last device of an auto-domain HWPT frees it. */
static void container_detach_device(struct device *d)
{
	struct container *c = d->container;
	struct hwpt_entry *h = d->hwpt;
	int ret;

	ret = iommufd_device_detach(d->dev);
	if (ret)
		fail("detaching the device", ret);
	c->devices--;
	d->container = NULL;
	d->hwpt = NULL;
	printf("container: device detached\n");
	if (!h || --h->devices)
		return;
	printf("container: HWPT %" PRIu32 " freed (its last device left)\n",
	       iommufd_hwpt_get_id(h->hwpt));
	ret = iommufd_hwpt_destroy(h->hwpt);
	if (ret)
		fail("destroying the HWPT", ret);
	memset(h, 0, sizeof(*h));
}

/*
 * The IOVA ranges the IOAS allows (IOMMU_IOAS_IOVA_RANGES, asked twice as
 * QEMU does: the library sizes the array) and its alignment, QEMU's
 * pgsizes; the whole 64-bit space and the host page size if it cannot.
 */
static void container_get_iova_ranges(struct container *c)
{
	uint32_t i;
	int ret;

	ret = iommufd_ioas_get_iova_ranges_alloc(c->ioas, &c->ranges, &c->nr_ranges, &c->pgsize);
	if (ret) {
		fail("reading the IOVA ranges", ret);
		printf("container: falling back to the 64-bit IOVA space and %#" PRIx64
		       " pages\n", host_page_size);
		c->ranges = NULL;
		c->nr_ranges = 0;
		c->pgsize = host_page_size;
		return;
	}
	printf("container: IOVA alignment %#" PRIx64 ", %" PRIu32 " usable range%s:", c->pgsize,
	       c->nr_ranges, c->nr_ranges == 1 ? "" : "s");
	for (i = 0; i < c->nr_ranges; i++)
		printf(" [%#" PRIx64 " - %#" PRIx64 "]", c->ranges[i].start, c->ranges[i].last);
	printf("\n");
	/* QEMU's HOST_IOMMU_DEVICE_CAP_AW_BITS: the bits of the highest usable IOVA */
	if (c->nr_ranges) {
		uint64_t last = c->ranges[c->nr_ranges - 1].last;
		unsigned int bits = 0;

		while (bits < 64 && last >> bits)
			bits++;
		printf("container: address width %u bits\n", bits);
	}
}

static void container_destroy(struct container *c)
{
	int ret;

	if (c->devices || !c->ioas)
		return;
	free(c->ranges);
	c->ranges = NULL;
	printf("container: IOAS %" PRIu32 " freed\n", iommufd_ioas_get_id(c->ioas));
	ret = iommufd_ioas_destroy(c->ioas);
	if (ret)
		fail("destroying the IOAS", ret);
	c->ioas = NULL;
}

/* ---- the memory listener: RAM sections in and out of the IOAS ---------- */

struct section {
	const char *name;
	uint64_t gpa; /* also the IOVA */
	uint64_t size;
	uint8_t *host;
	int fd; /* the RAM block's memfd, or -1 */
	uint64_t fd_offset;
	bool readonly;
	bool mapped;
};

static bool in_iova_ranges(const struct container *c, uint64_t iova, uint64_t size)
{
	uint32_t i;

	if (!c->ranges)
		return true;
	for (i = 0; i < c->nr_ranges; i++)
		if (iova >= c->ranges[i].start && iova + size - 1 <= c->ranges[i].last)
			return true;
	return false;
}

/*
 * region_add: a RAM block with an fd is mapped by file (MAP_FILE, Linux
 * 6.13; the mapping then outlives the process's mmap, as QEMU's CPR
 * needs), other RAM by address; ROM is readable only.
 */
static int region_add(struct container *c, struct section *s)
{
	IOMMUFD_OPTS(iommufd_ioas_map_opts, opts,
		     .flags = IOMMUFD_MAP_FIXED_IOVA | IOMMUFD_MAP_READABLE);
	bool by_file = s->fd >= 0 && iommufd_ctx_has_cmd(c->be->ctx, IOMMUFD_IOCTL_IOAS_MAP_FILE);
	uint64_t iova = s->gpa;
	int ret;

	if (s->gpa % c->pgsize || s->size % c->pgsize || !in_iova_ranges(c, s->gpa, s->size)) {
		fprintf(stderr, PROG ": %s [%#" PRIx64 " +%#" PRIx64 "] is not a usable IOVA range\n",
			s->name, s->gpa, s->size);
		return -EINVAL;
	}
	if (!s->readonly)
		opts.flags |= IOMMUFD_MAP_WRITEABLE;
	if (by_file)
		ret = iommufd_ioas_map_file(c->ioas, s->fd, s->fd_offset, s->size, &iova, &opts);
	else
		ret = iommufd_ioas_map(c->ioas, s->host, s->size, &iova, &opts);
	if (ret)
		return fail(s->name, ret);
	s->mapped = true;
	printf("listener: map   %-10s IOVA [0x%07" PRIx64 " - 0x%07" PRIx64 "] %s ", s->name, s->gpa,
	       s->gpa + s->size - 1, s->readonly ? "r-" : "rw");
	if (by_file)
		printf("memfd offset %#" PRIx64 " (IOMMU_IOAS_MAP_FILE)\n", s->fd_offset);
	else
		printf("%s (IOMMU_IOAS_MAP)\n", s->fd >= 0 ? "memfd by address" : "anonymous");
	return 0;
}

/* region_del: as QEMU, an unmap of nothing (ENOENT) is no error. */
static int region_del(struct container *c, struct section *s)
{
	uint64_t unmapped = 0;
	int ret;

	ret = iommufd_ioas_unmap(c->ioas, s->gpa, s->size, &unmapped);
	if (ret == -ENOENT) {
		printf("listener: unmap %-10s: nothing mapped there (ENOENT, ignored as QEMU does)\n",
		       s->name);
		return 0;
	}
	if (ret)
		return fail(s->name, ret);
	s->mapped = false;
	printf("listener: unmap %-10s %" PRIu64 " KiB\n", s->name, unmapped / 1024);
	return 0;
}

/* QEMU's set_dirty_page_tracking: every tracking HWPT, undone on a failure. */
static int set_dirty_page_tracking(struct container *c, bool start)
{
	unsigned int i, j;
	int ret;

	for (i = 0; i < MAX_HWPTS; i++) {
		if (!(c->hwpts[i].flags & IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING))
			continue;
		ret = iommufd_hwpt_set_dirty_tracking(c->hwpts[i].hwpt, start);
		if (ret) {
			fail(start ? "starting dirty tracking" : "stopping dirty tracking", ret);
			for (j = 0; j < i; j++)
				if (c->hwpts[j].flags & IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING)
					iommufd_hwpt_set_dirty_tracking(c->hwpts[j].hwpt, !start);
			return ret;
		}
	}
	printf("migration: dirty tracking %s\n", start ? "started" : "stopped");
	return 0;
}

/*
 * QEMU's query_dirty_bitmap: the dirty pages of [iova, iova + size) of every
 * tracking HWPT, in one bitmap of @words words. QEMU lets the kernel set the
 * bits of each HWPT into one bitmap; the library zeroes the bitmap it is
 * given, so each HWPT's goes to @scratch and is ORed in.
 */
static int query_dirty_bitmap(struct container *c, uint64_t iova, uint64_t size, uint64_t *bitmap,
			      uint64_t *scratch, uint64_t words)
{
	unsigned int i;
	uint64_t w;
	int ret;

	memset(bitmap, 0, words * sizeof(*bitmap));
	for (i = 0; i < MAX_HWPTS; i++) {
		if (!(c->hwpts[i].flags & IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING))
			continue;
		ret = iommufd_hwpt_get_dirty_bitmap(c->hwpts[i].hwpt, iova, size, host_page_size,
						    scratch, 0);
		if (ret)
			return fail("reading the dirty bitmap", ret);
		for (w = 0; w < words; w++)
			bitmap[w] |= scratch[w];
	}
	return 0;
}

/* ---- device: the VFIO cdev, hw/vfio/iommufd.c + hw/vfio/device.c ------- */

static const char *const region_names[] = { "BAR0", "BAR1", "BAR2", "BAR3", "BAR4",
					    "BAR5", "ROM",  "config", "VGA" };

static int device_describe(struct device *d)
{
	struct iommufd_hw_info info;
	struct iommufd_region_info r;
	uint32_t i;
	int ret;

	ret = iommufd_device_get_info(d->dev, &d->info);
	if (ret)
		return fail("VFIO_DEVICE_GET_INFO", ret);
	printf("device: flags %#x (%s%s), %u regions, %u irqs\n", d->info.flags,
	       d->info.flags & IOMMUFD_DEVICE_INFO_PCI ? "pci" : "not pci",
	       d->info.flags & IOMMUFD_DEVICE_INFO_RESET ? ", reset" : "", d->info.num_regions,
	       d->info.num_irqs);
	for (i = 0; i < d->info.num_regions && i < IOMMUFD_VFIO_PCI_NUM_REGIONS; i++) {
		ret = iommufd_device_get_region_info(d->dev, i, &r);
		if (ret == -EINVAL)
			continue; /* e.g. no VGA region */
		if (ret)
			return fail("VFIO_DEVICE_GET_REGION_INFO", ret);
		if (!r.size)
			continue;
		printf("device: region %u %-6s %#10" PRIx64 " bytes at fd offset %#" PRIx64
		       " %s%s%s\n", i, region_names[i], r.size, r.offset,
		       r.flags & IOMMUFD_REGION_INFO_READ ? "r" : "-",
		       r.flags & IOMMUFD_REGION_INFO_WRITE ? "w" : "-",
		       r.flags & IOMMUFD_REGION_INFO_MMAP ? "m" : "-");
	}
	/* the host IOMMU device QEMU gives a vIOMMU: its type and capabilities */
	ret = iommufd_device_get_hw_info(d->dev, NULL, &info, NULL, 0);
	if (ret == -ENOTTY)
		return 0;
	if (ret)
		return fail("IOMMU_GET_HW_INFO", ret);
	printf("device: host IOMMU type %" PRIu32 ", capabilities %#" PRIx64 " (dirty tracking %s)\n",
	       info.data_type, info.capabilities,
	       info.capabilities & IOMMUFD_HW_CAP_DIRTY_TRACKING ? "yes" : "no");
	return 0;
}

/*
 * iommufd_cdev_attach: the cdev (opened, or passed), the backend, the bind,
 * a container (the address space's, or a new IOAS), the attach, then what
 * the device is. Returns 0 or a negative errno (-ENOENT: no such device).
 */
static int device_attach(struct device *d, struct backend *be, struct container *c)
{
	IOMMUFD_OPTS(iommufd_device_bind_opts, opts, .flags = IOMMUFD_DEVICE_BIND_ADOPT_FD);
	bool new_container = false;
	int ret;

	ret = backend_connect(be);
	if (ret)
		return ret;
	if (d->fd >= 0)
		ret = iommufd_device_bind(be->ctx, d->fd, &opts, &d->dev);
	else
		ret = iommufd_device_bind_path(be->ctx, d->name, NULL, &d->dev);
	if (ret) {
		fail(d->name, ret);
		goto err_disconnect;
	}
	d->fd = -1; /* the handle owns it now */
	d->label = strrchr(d->name, '/') ? strrchr(d->name, '/') + 1 : d->name;
	printf("device: %s bound, device id %" PRIu32 "\n", d->name, iommufd_device_get_id(d->dev));

	if (!c->ioas) {
		ret = iommufd_ioas_create(be->ctx, &c->ioas);
		if (ret) {
			fail("allocating an IOAS", ret);
			goto err_unbind;
		}
		c->be = be;
		new_container = true;
		printf("container: IOAS %" PRIu32 " allocated\n", iommufd_ioas_get_id(c->ioas));
	}
	ret = d->ioas_attach ? attach_ioas(d, c) : autodomains_get(d, c);
	if (ret)
		goto err_container;
	d->container = c;
	c->devices++;
	if (new_container)
		container_get_iova_ranges(c);

	ret = device_describe(d);
	if (ret) {
		container_detach_device(d);
		goto err_container;
	}
	return 0;

err_container:
	container_destroy(c);
err_unbind:
	iommufd_device_unbind(d->dev);
	d->dev = NULL;
err_disconnect:
	backend_disconnect(be);
	return ret;
}

/* iommufd_cdev_detach: detach, the container if it is empty, unbind, backend. */
static void device_detach(struct device *d, struct backend *be)
{
	struct container *c = d->container;

	container_detach_device(d);
	container_destroy(c);
	iommufd_device_unbind(d->dev); /* closes the cdev: the kernel unbinds */
	d->dev = NULL;
	printf("device: unbound\n");
	backend_disconnect(be);
}

/* QEMU resets the device at machine reset when VFIO says it can. */
static int device_reset(struct device *d)
{
	int ret;

	if (!(d->info.flags & IOMMUFD_DEVICE_INFO_RESET)) {
		printf("device: no VFIO_DEVICE_RESET for this device\n");
		return 0;
	}
	ret = iommufd_device_reset(d->dev);
	if (ret)
		return fail("VFIO_DEVICE_RESET", ret);
	printf("device: reset\n");
	return 0;
}

/* ---- the machine ------------------------------------------------------- */

struct machine {
	int ram_fd, dimm_fd;
	uint8_t *ram, *bios, *dimm;
	struct section sec[NR_SECTIONS];
};

enum { SEC_LOW, SEC_BIOS, SEC_HIGH, SEC_DIMM };

static void *map_memfd(const char *name, uint64_t size, int *fd)
{
	void *p;

	*fd = memfd_create(name, MFD_CLOEXEC);
	if (*fd < 0 || ftruncate(*fd, (off_t)size)) {
		perror(PROG ": memfd");
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (p == MAP_FAILED) {
		perror(PROG ": mmap");
		return NULL;
	}
	return p;
}

static void set_section(struct section *s, const char *name, uint64_t gpa, uint64_t size,
			uint8_t *host, int fd, uint64_t fd_offset, bool readonly)
{
	s->name = name;
	s->gpa = gpa;
	s->size = size;
	s->host = host;
	s->fd = fd;
	s->fd_offset = fd_offset;
	s->readonly = readonly;
	s->mapped = false;
}

static int machine_init(struct machine *m)
{
	void *p;
	uint64_t i;

	m->ram_fd = m->dimm_fd = -1;
	m->ram = m->bios = m->dimm = NULL;
	m->ram = (uint8_t *)map_memfd("pc.ram", RAM_SIZE, &m->ram_fd);
	m->dimm = (uint8_t *)map_memfd("dimm0", DIMM_SIZE, &m->dimm_fd);
	p = mmap(NULL, BIOS_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		m->bios = (uint8_t *)p;
	if (!m->ram || !m->dimm || !m->bios)
		return -ENOMEM;
	/* the "firmware" is loaded before the ROM is mapped, as QEMU's ROMs are */
	for (i = 0; i < BIOS_SIZE; i++)
		m->bios[i] = (uint8_t)(i * 7 + 3);
	set_section(&m->sec[SEC_LOW], "pc.ram", 0, LOW_END, m->ram, m->ram_fd, 0, false);
	set_section(&m->sec[SEC_BIOS], "pc.bios", BIOS_GPA, BIOS_SIZE, m->bios, -1, 0, true);
	set_section(&m->sec[SEC_HIGH], "pc.ram@1M", HIGH_START, RAM_SIZE - HIGH_START,
		    m->ram + HIGH_START, m->ram_fd, HIGH_START, false);
	set_section(&m->sec[SEC_DIMM], "dimm0", DIMM_GPA, DIMM_SIZE, m->dimm, m->dimm_fd, 0, false);
	return 0;
}

static void machine_free(struct machine *m)
{
	if (m->ram)
		munmap(m->ram, RAM_SIZE);
	if (m->dimm)
		munmap(m->dimm, DIMM_SIZE);
	if (m->bios)
		munmap(m->bios, BIOS_SIZE);
	if (m->ram_fd >= 0)
		close(m->ram_fd);
	if (m->dimm_fd >= 0)
		close(m->dimm_fd);
}

/* ---- what the guest does ----------------------------------------------- */

/* The guest byte at @gpa as the VMM sees it, or NULL outside the machine's memory. */
static uint8_t *gpa_host(struct machine *m, uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < NR_SECTIONS; i++) {
		struct section *s = &m->sec[i];

		if (gpa >= s->gpa && gpa - s->gpa < s->size)
			return s->host + (gpa - s->gpa);
	}
	return NULL;
}

/* edu reads the start of the BIOS into its buffer and writes it to @gpa: did it land? */
static int dma_to(struct device *d, struct machine *m, uint64_t gpa, bool must_land)
{
	uint8_t *host = gpa_host(m, gpa);
	uint8_t *src = gpa_host(m, BIOS_GPA);
	int ret, landed;

	if (!must_land)
		memset(host, 0x5a, EDU_XFER);
	ret = edu_dma(&d->edu, BIOS_GPA, EDU_XFER, false);
	if (!ret)
		ret = edu_dma(&d->edu, gpa, EDU_XFER, true);
	if (ret)
		return ret;
	landed = !memcmp(host, src, EDU_XFER);
	printf("guest: %s: edu DMA -> 0x%07" PRIx64 ": %s\n", d->label, gpa,
	       landed ? "landed" : "blocked by the IOMMU (the device reports it done)");
	if (landed != must_land) {
		fprintf(stderr, PROG ": FAIL: the DMA to %#" PRIx64 " should %s\n", gpa,
			must_land ? "have landed" : "not have landed");
		return -EIO;
	}
	return 0;
}

/* The device reads the BIOS and writes RAM and the DIMM; it cannot write the ROM. */
static int guest_dma(struct device *d, struct machine *m)
{
	uint8_t file[64];
	uint8_t *bios_copy;
	int ret;

	printf("guest: %s: edu DMA <- 0x%07llx (pc.bios, read-only) before each write\n",
	       d->label, BIOS_GPA);
	ret = dma_to(d, m, 0x8000, true);
	if (!ret)
		ret = dma_to(d, m, 0x200000, true);
	if (!ret)
		ret = dma_to(d, m, DIMM_GPA + 0x10000, true);
	if (ret)
		return ret;
	/* the memfd itself holds what the device wrote */
	if (pread(m->ram_fd, file, sizeof(file), 0x200000) != (ssize_t)sizeof(file) ||
	    memcmp(file, m->bios, sizeof(file))) {
		fprintf(stderr, PROG ": FAIL: pc.ram's memfd does not hold the DMA data\n");
		return -EIO;
	}
	printf("guest: %s: pc.ram's memfd holds the data at offset 0x200000\n", d->label);

	/* a write to the ROM must fault: the zeros of RAM page 0x2000 must not land there */
	bios_copy = (uint8_t *)malloc(EDU_XFER);
	if (!bios_copy)
		return -ENOMEM;
	memcpy(bios_copy, m->bios + 0x1000, EDU_XFER);
	ret = edu_dma(&d->edu, 0x2000, EDU_XFER, false);
	if (!ret)
		ret = edu_dma(&d->edu, BIOS_GPA + 0x1000, EDU_XFER, true);
	if (!ret && memcmp(bios_copy, m->bios + 0x1000, EDU_XFER)) {
		fprintf(stderr, PROG ": FAIL: the device wrote into the read-only pc.bios\n");
		ret = -EIO;
	}
	free(bios_copy);
	if (!ret)
		printf("guest: %s: edu DMA -> 0x%07llx (pc.bios): blocked, the ROM is unchanged\n",
		       d->label, BIOS_GPA + 0x1000);
	return ret;
}

/* One page of the RAM section bitmap: is it set? */
static bool bit(const uint64_t *bitmap, uint64_t page)
{
	return bitmap[page / 64] >> (page % 64) & 1;
}

/*
 * Migration: dirty tracking on, the tracked devices dirty three pages, the
 * CPU one; the bitmap must show exactly the devices' pages, then none.
 */
static int migrate(struct device *devs, unsigned int nr, struct machine *m)
{
	static const uint64_t dirtied[] = { 0x3000, 0x9f000, 0x180000 };
	static const unsigned int ram_sections[] = { SEC_LOW, SEC_HIGH };
	struct container *c = devs[0].container;
	struct device *trackers[MAX_DEVICES];
	unsigned int i, round, want, seen, nr_trackers = 0;
	uint64_t *bitmap, *scratch;
	uint64_t words, p, gpa;
	int ret, stop;

	for (i = 0; i < nr; i++)
		if (devs[i].dirty_tracking)
			trackers[nr_trackers++] = &devs[i];

	words = (RAM_SIZE / host_page_size + 63) / 64;
	bitmap = (uint64_t *)calloc(words, sizeof(*bitmap));
	scratch = (uint64_t *)calloc(words, sizeof(*scratch));
	if (!bitmap || !scratch) {
		ret = -ENOMEM;
		goto out;
	}
	ret = set_dirty_page_tracking(c, true);
	if (ret)
		goto out;
	/* the devices that are tracked take turns: each HWPT has its own dirty pages */
	for (i = 0; !ret && i < sizeof(dirtied) / sizeof(dirtied[0]); i++)
		ret = dma_to(trackers[i % nr_trackers], m, dirtied[i], true);
	memset(m->ram + 0x5000, 0xc3, 64); /* the CPU's writes are not the IOMMU's to see */
	for (round = 1; !ret && round <= 2; round++) {
		want = round == 1 ? sizeof(dirtied) / sizeof(dirtied[0]) : 0;
		seen = 0;
		for (i = 0; !ret && i < 2; i++) {
			struct section *s = &m->sec[ram_sections[i]];

			ret = query_dirty_bitmap(c, s->gpa, s->size, bitmap, scratch,
						 (s->size / host_page_size + 63) / 64);
			for (p = 0; !ret && p < s->size / host_page_size; p++) {
				if (!bit(bitmap, p))
					continue;
				gpa = s->gpa + p * host_page_size;
				printf("migration: round %u: %s page 0x%07" PRIx64 " dirty\n", round,
				       s->name, gpa);
				seen++;
				if (round == 1 && (gpa == dirtied[0] || gpa == dirtied[1] ||
						   gpa == dirtied[2]))
					continue;
				fprintf(stderr, PROG ": FAIL: page %#" PRIx64 " was not written by the device\n",
					gpa);
				ret = -EIO;
			}
		}
		if (!ret && seen != want) {
			fprintf(stderr, PROG ": FAIL: round %u: %u dirty pages, expected %u\n", round,
				seen, want);
			ret = -EIO;
		}
		if (!ret)
			printf("migration: round %u: %u dirty page%s, as the device wrote%s\n", round,
			       seen, seen == 1 ? "" : "s", round == 2 ? " (the query cleared them)" : "");
	}
	stop = set_dirty_page_tracking(c, false);
	if (!ret)
		ret = stop;
out:
	free(scratch);
	free(bitmap);
	return ret;
}

struct config {
	bool pass_fds, ioas_attach, migrate;
	const char *paths[MAX_DEVICES];
	unsigned int nr_paths;
};

/*
 * The VM's life: the first device makes the container, the listener maps
 * the sections, the other devices join the container with the mappings in
 * place (hot-plug); reset, guest DMA through each, migration, DIMM unplug,
 * teardown in QEMU's order.
 */
static int run_vm(const struct config *cfg, struct backend *be, struct device *devs,
		  unsigned int nr, struct machine *m)
{
	bool tracked = false;
	unsigned int i, attached;
	struct container c;
	int ret, rc = 1;

	memset(&c, 0, sizeof(c));
	ret = device_attach(&devs[0], be, &c);
	if (ret)
		return ret == -ENOENT ? EXIT_SKIP : 1;
	attached = 1;
	for (i = 0; i < NR_SECTIONS; i++) {
		ret = region_add(&c, &m->sec[i]);
		if (ret)
			goto out;
	}
	for (; attached < nr; attached++) {
		ret = device_attach(&devs[attached], be, &c);
		if (ret)
			goto out;
	}
	for (i = 0; i < nr; i++) {
		ret = device_reset(&devs[i]);
		if (!ret)
			ret = edu_open(&devs[i].edu, devs[i].dev, PROG);
		if (ret) {
			rc = ret == -ENODEV ? EXIT_SKIP : 1;
			goto out;
		}
		ret = guest_dma(&devs[i], m);
		if (ret)
			goto out;
		tracked |= devs[i].dirty_tracking;
	}

	if (tracked) {
		ret = migrate(devs, nr, m);
		if (ret)
			goto out;
	} else {
		printf("migration: the IOMMU cannot track dirty pages: %s\n",
		       cfg->migrate ? "SKIP (--migrate)" :
				      "a VMM would need the device's own dirty tracking");
	}

	/* dimm0 is unplugged: its section leaves the IOAS, the devices lose it */
	ret = region_del(&c, &m->sec[SEC_DIMM]);
	for (i = 0; !ret && i < nr; i++)
		ret = dma_to(&devs[i], m, DIMM_GPA + 0x10000, false);
	if (!ret)
		ret = region_del(&c, &m->sec[SEC_DIMM]);
	if (ret)
		goto out;
	rc = cfg->migrate && !tracked ? EXIT_SKIP : 0;

out:
	/* listener unregister: every section still mapped leaves the IOAS */
	for (i = NR_SECTIONS; i-- > 0;) {
		if (m->sec[i].mapped && region_del(&c, &m->sec[i]))
			rc = 1;
	}
	while (attached-- > 0)
		device_detach(&devs[attached], be);
	return rc;
}

int main(int argc, char **argv)
{
	struct device devs[MAX_DEVICES];
	struct config cfg;
	struct backend be;
	struct machine m;
	unsigned int n, nr;
	int i, rc, err;

	memset(&cfg, 0, sizeof(cfg));
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pass-fds"))
			cfg.pass_fds = true;
		else if (!strcmp(argv[i], "--ioas-attach"))
			cfg.ioas_attach = true;
		else if (!strcmp(argv[i], "--migrate"))
			cfg.migrate = true;
		else if (argv[i][0] != '-' && cfg.nr_paths < MAX_DEVICES)
			cfg.paths[cfg.nr_paths++] = argv[i];
		else {
			fprintf(stderr, "Usage: %s [--pass-fds] [--ioas-attach] [--migrate] "
					"[/dev/vfio/devices/vfioN [/dev/vfio/devices/vfioM]]\n",
				argv[0]);
			return 1;
		}
	}
	printf("libiommufd %s\n", iommufd_version());
	host_page_size = (uint64_t)sysconf(_SC_PAGESIZE);

	memset(&be, 0, sizeof(be));
	be.fd = -1;
	memset(devs, 0, sizeof(devs));
	nr = cfg.nr_paths ? cfg.nr_paths : 1;
	for (n = 0; n < nr; n++) {
		devs[n].fd = -1;
		devs[n].ioas_attach = cfg.ioas_attach;
		devs[n].name = n ? cfg.paths[n] : edu_find_device(cfg.paths[0]);
	}
	if (!devs[0].name) {
		printf(PROG ": SKIP: no VFIO device (/dev/vfio/devices/vfioN)\n");
		return EXIT_SKIP;
	}
	if (cfg.pass_fds) {
		/* the management layer opens the files and passes them */
		be.fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
		if (be.fd < 0) {
			err = errno;
			perror(PROG ": /dev/iommu");
			return err == ENOENT ? EXIT_SKIP : 1;
		}
		for (n = 0; n < nr; n++) {
			devs[n].fd = open(devs[n].name, O_RDWR | O_CLOEXEC);
			if (devs[n].fd >= 0)
				continue;
			err = errno;
			perror(devs[n].name);
			while (n-- > 0)
				close(devs[n].fd);
			close(be.fd);
			return err == ENOENT ? EXIT_SKIP : 1;
		}
		printf("management: passes iommufd fd %d and device fd%s", be.fd, nr > 1 ? "s" : "");
		for (n = 0; n < nr; n++)
			printf(" %d", devs[n].fd);
		printf("\n");
	}

	if (machine_init(&m)) {
		rc = 1;
	} else {
		printf("machine: pc.ram %llu MiB (memfd), pc.bios %llu KiB (ROM), dimm0 %llu MiB "
		       "(memfd), host pages %#" PRIx64 "\n", RAM_SIZE / MIB, BIOS_SIZE / KIB,
		       DIMM_SIZE / MIB, host_page_size);
		rc = run_vm(&cfg, &be, devs, nr, &m);
	}
	machine_free(&m);
	for (n = 0; n < nr; n++)
		if (devs[n].fd >= 0)
			close(devs[n].fd); /* a passed fd no bind took */
	if (be.fd >= 0)
		close(be.fd);
	printf(PROG ": %s\n", rc == 0 ? "PASS" : rc == EXIT_SKIP ? "SKIP" : "FAIL");
	return rc;
}
