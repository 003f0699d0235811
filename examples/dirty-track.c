// SPDX-License-Identifier: MIT
/*
 * dirty-track.c - the dirty-page loop of a live migration with libiommufd: a
 * paging HWPT with dirty tracking holds the "guest memory", QEMU's edu device
 * writes into a few of its pages by DMA, and each round reads and clears the
 * IOMMU's dirty bitmap with iommufd_hwpt_walk_dirty(), prints the dirty
 * ranges (what a VMM would copy to the destination again) and checks them
 * against the pages the device really wrote. Writes by the CPU must not show
 * up: the IOMMU only sees the device's writes.
 *
 * Usage: dirty-track [/dev/vfio/devices/vfioN]   (device chosen as vfio-dma does)
 * Exit 0 on success, 1 on failure, 77 without a VFIO edu device or when its
 * IOMMU cannot track dirty pages (QEMU 7.2's VT-d cannot).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iommufd/iommufd.h>

#include "edu.h"

#define PROG "dirty-track"
#define PAGE 4096ULL
#define EXIT_SKIP 77

#define GUEST_PAGES 64U
#define GUEST_SIZE (GUEST_PAGES * PAGE)
/* below edu's 28-bit DMA limit */
#define GUEST_IOVA 0x1000000ULL
/*
 * A small chunk, so that the walk reads the bitmap in several ioctls and a
 * run crossing a chunk boundary (pages 15-16 below) shows being merged.
 */
#define CHUNK_PAGES 16U

/* One DMA write of the device: EDU_XFER bytes at guest page @page, byte @offset. */
struct write {
	unsigned int page;
	unsigned int offset;
};

struct round {
	const char *what;
	struct write writes[4];
	unsigned int nr_writes;
	/* a page the CPU writes during the round: it must not come out dirty */
	int cpu_page;
};

static const struct round rounds[] = {
	{ "device writes pages 3, 4, 5 and 20", { { 3, 0 }, { 4, 0 }, { 5, 0 }, { 20, 0 } }, 4,
	  -1 },
	{ "only the CPU writes (page 7)", { { 0, 0 } }, 0, 7 },
	{ "device writes page 9 (upper half), pages 15-16 (one write across them), page 63",
	  { { 9, 2048 }, { 15, 3072 }, { 63, 0 } }, 3, -1 },
	{ "device writes page 4 again", { { 4, 1024 } }, 1, -1 },
};

struct walk {
	bool seen[GUEST_PAGES];
	unsigned int nr_ranges;
	bool bad;
};

/* iommufd_hwpt_walk_dirty_fn: one run of contiguous dirty pages. */
static int on_range(uint64_t iova, uint64_t length, void *priv)
{
	struct walk *w = priv;
	uint64_t first, n, i;

	w->nr_ranges++;
	if (iova < GUEST_IOVA || length > GUEST_SIZE || iova - GUEST_IOVA > GUEST_SIZE - length ||
	    length % PAGE) {
		fprintf(stderr, PROG ": dirty range %#" PRIx64 " + %#" PRIx64
			" is outside the walked range\n", iova, length);
		w->bad = true;
		return 0;
	}
	first = (iova - GUEST_IOVA) / PAGE;
	n = length / PAGE;
	printf("    dirty: IOVA [%#" PRIx64 " - %#" PRIx64 "]  page%s %" PRIu64, iova,
	       iova + length - 1, n > 1 ? "s" : "", first);
	if (n > 1)
		printf("-%" PRIu64, first + n - 1);
	printf("\n");
	for (i = first; i < first + n; i++)
		w->seen[i] = true;
	return 0;
}

static bool page_set(const struct round *r, unsigned int page)
{
	unsigned int i;

	for (i = 0; i < r->nr_writes; i++) {
		const struct write *wr = &r->writes[i];
		uint64_t start = wr->page * PAGE + wr->offset;

		if (start / PAGE <= page && (start + EDU_XFER - 1) / PAGE >= page)
			return true;
	}
	return false;
}

static int do_round(struct edu *e, struct iommufd_hwpt *hwpt, uint8_t *guest, const uint8_t *src,
		    unsigned int no, const struct round *r)
{
	IOMMUFD_OPTS(iommufd_hwpt_walk_dirty_opts, opts, .chunk_pages = CHUNK_PAGES);
	struct walk w = { .nr_ranges = 0 };
	unsigned int i, bad = 0;
	int ret;

	printf("round %u: %s\n", no, r->what);
	if (r->cpu_page >= 0)
		memset(guest + r->cpu_page * PAGE, 0xc5, PAGE);
	for (i = 0; i < r->nr_writes; i++) {
		const struct write *wr = &r->writes[i];
		uint64_t off = wr->page * PAGE + wr->offset;

		ret = edu_dma(e, GUEST_IOVA + off, EDU_XFER, true);
		if (ret)
			return ret;
		if (memcmp(guest + off, src, EDU_XFER)) {
			fprintf(stderr, PROG ": FAIL: the DMA to guest page %u did not land\n",
				wr->page);
			return -EIO;
		}
	}

	ret = iommufd_hwpt_walk_dirty(hwpt, GUEST_IOVA, GUEST_SIZE, PAGE, &opts, on_range, &w);
	if (ret)
		return edu_fail(PROG, "reading the dirty ranges", ret);
	if (!w.nr_ranges)
		printf("    no dirty pages\n");
	for (i = 0; i < GUEST_PAGES; i++) {
		if (w.seen[i] == page_set(r, i))
			continue;
		fprintf(stderr, PROG ": FAIL: page %u is %s but was %s\n", i,
			w.seen[i] ? "dirty" : "clean", w.seen[i] ? "not written" : "written");
		bad++;
	}
	if (bad || w.bad)
		return -EIO;
	printf("    matches the pages the device wrote\n");
	return 0;
}

static int check_capability(struct iommufd_device *dev)
{
	struct iommufd_hw_info info;
	int ret;

	/* kernels before 6.6 have no GET_HW_INFO: HWPT_ALLOC will tell */
	ret = iommufd_device_get_hw_info(dev, NULL, &info, NULL, 0);
	if (ret == -ENOTTY)
		return 0;
	if (ret)
		return edu_fail(PROG, "IOMMU_GET_HW_INFO", ret);
	printf("IOMMU: data type %" PRIu32 ", capabilities %#" PRIx64 ": dirty tracking %s\n",
	       info.data_type, info.capabilities,
	       info.capabilities & IOMMUFD_HW_CAP_DIRTY_TRACKING ? "supported" : "not reported");
	return 0;
}

/*
 * Everything between binding and unbinding; returns the exit status. The
 * objects are torn down in the kernel's order: detach, HWPT, IOAS.
 */
static int run(struct iommufd_ctx *ctx, struct iommufd_device *dev, uint8_t *guest, uint8_t *src)
{
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, hwpt_opts,
		     .flags = IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING);
	IOMMUFD_OPTS(iommufd_ioas_map_opts, map_opts, .flags = IOMMUFD_MAP_FIXED_IOVA);
	IOMMUFD_OPTS(iommufd_ioas_map_opts, ro_opts,
		     .flags = IOMMUFD_MAP_FIXED_IOVA | IOMMUFD_MAP_READABLE);
	struct iommufd_hwpt *hwpt = NULL;
	struct iommufd_ioas *ioas = NULL;
	bool attached = false;
	uint64_t iova;
	unsigned int i;
	struct edu e;
	int ret, rc = 1;

	if (check_capability(dev))
		return 1;
	ret = iommufd_ioas_create(ctx, &ioas);
	if (ret) {
		edu_fail(PROG, "creating an IOAS", ret);
		return 1;
	}
	ret = iommufd_hwpt_alloc_paging(dev, ioas, &hwpt_opts, &hwpt);
	if (ret == -EOPNOTSUPP || ret == -ENOTTY) {
		printf(PROG ": SKIP: the device's IOMMU cannot track dirty pages "
		       "(IOMMU_HWPT_ALLOC with DIRTY_TRACKING: %s)\n", strerror(-ret));
		rc = EXIT_SKIP;
		goto out;
	}
	if (ret) {
		edu_fail(PROG, "allocating a HWPT with dirty tracking", ret);
		goto out;
	}
	ret = iommufd_device_attach(dev, iommufd_hwpt_as_pt(hwpt), NULL);
	if (ret) {
		edu_fail(PROG, "attaching the device to the HWPT", ret);
		goto out;
	}
	attached = true;
	printf("attached device %" PRIu32 " to HWPT %" PRIu32 " (IOAS %" PRIu32
	       ", dirty tracking allowed)\n", iommufd_device_get_id(dev), iommufd_hwpt_get_id(hwpt),
	       iommufd_ioas_get_id(ioas));

	ret = edu_open(&e, dev, PROG);
	if (ret) {
		rc = ret == -ENODEV ? EXIT_SKIP : 1;
		goto out;
	}

	/* the data the device writes around comes from a page outside guest memory */
	for (i = 0; i < EDU_XFER; i++)
		src[i] = (uint8_t)(i * 13 + 1);
	iova = GUEST_IOVA;
	ret = iommufd_ioas_map(ioas, guest, GUEST_SIZE, &iova, &map_opts);
	if (!ret) {
		iova = GUEST_IOVA - PAGE;
		ret = iommufd_ioas_map(ioas, src, PAGE, &iova, &ro_opts);
	}
	if (ret) {
		edu_fail(PROG, "mapping guest memory", ret);
		goto out;
	}
	printf("guest memory: %u pages at IOVA [%#llx - %#llx], source page at %#llx (read-only)\n",
	       GUEST_PAGES, GUEST_IOVA, GUEST_IOVA + GUEST_SIZE - 1, GUEST_IOVA - PAGE);

	ret = iommufd_hwpt_set_dirty_tracking(hwpt, true);
	if (ret) {
		edu_fail(PROG, "starting dirty tracking", ret);
		goto out;
	}
	printf("dirty tracking on\n");
	/* edu's buffer gets the source data once; a device read dirties nothing */
	ret = edu_dma(&e, GUEST_IOVA - PAGE, EDU_XFER, false);
	for (i = 0; !ret && i < sizeof(rounds) / sizeof(rounds[0]); i++)
		ret = do_round(&e, hwpt, guest, src, i + 1, &rounds[i]);
	if (ret) {
		iommufd_hwpt_set_dirty_tracking(hwpt, false);
		goto out;
	}
	ret = iommufd_hwpt_set_dirty_tracking(hwpt, false);
	if (ret) {
		edu_fail(PROG, "stopping dirty tracking", ret);
		goto out;
	}
	printf("dirty tracking off\n");
	rc = 0;

out:
	if (attached) {
		ret = iommufd_device_detach(dev);
		if (ret) {
			edu_fail(PROG, "detaching the device", ret);
			rc = 1;
		}
	}
	if (hwpt) {
		ret = iommufd_hwpt_destroy(hwpt);
		if (ret) {
			edu_fail(PROG, "destroying the HWPT", ret);
			rc = 1;
		}
	}
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
	uint8_t *guest, *src;
	const char *path;
	int ret, rc;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "Usage: %s [/dev/vfio/devices/vfioN]\n", argv[0]);
		return 1;
	}
	printf("libiommufd %s\n", iommufd_version());
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

	guest = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	src = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guest == MAP_FAILED || src == MAP_FAILED) {
		perror(PROG ": mmap");
		rc = 1;
	} else {
		rc = run(ctx, dev, guest, src);
	}

	iommufd_device_unbind(dev);
	iommufd_ctx_close(ctx);
	if (guest != MAP_FAILED)
		munmap(guest, GUEST_SIZE);
	if (src != MAP_FAILED)
		munmap(src, PAGE);
	printf(PROG ": %s\n", rc == 0 ? "PASS" : rc == EXIT_SKIP ? "SKIP" : "FAIL");
	return rc;
}
