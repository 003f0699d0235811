// SPDX-License-Identifier: MIT
/*
 * viommu-events.c - what a VMM does for a device it gives a guest behind a
 * virtual IOMMU: a nesting-parent HWPT (the guest's stage 2) over an IOAS of
 * guest memory, a vIOMMU on it, a vDEVICE that gives the device its guest id,
 * a vEVENTQ and a fault queue, and nested HWPTs (the guest's stage 1) on the
 * vIOMMU. Then QEMU's edu device faults on purpose: with the plain nested
 * HWPT the faults arrive as vEVENTs (sequence numbers, and the exact count of
 * those a full queue dropped); with the nested HWPT that has a fault queue
 * they arrive as I/O page requests, which are read and answered, once by
 * hand and once through the library's event loop.
 *
 * Only the kernel selftest's IOMMU driver has a vIOMMU that the mock models,
 * so the vIOMMU, vEVENTQ and nested HWPT types and data are the selftest
 * driver's (see uapi/iommufd_test.h); on a kernel or device without
 * them the program skips.
 *
 * Usage: viommu-events [/dev/vfio/devices/vfioN]
 * Exit 0 on success, 1 on failure, 77 when there is no VFIO edu device or its
 * IOMMU has no (selftest) vIOMMU, nesting or event queues.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iommufd/iommufd.h>
#include <iommufd/selftest.h>

#include "edu.h"

#define PROG "viommu-events"
#define PAGE 4096UL
#define EXIT_SKIP 77

/* The device's id in the guest's IOMMU (a virtual RID / stream id). */
#define VIRT_ID 0x42U
/* Small on purpose: the lost-event accounting shows once it overflows. */
#define VEVENTQ_DEPTH 4U
#define OVERFLOW_FAULTS (VEVENTQ_DEPTH + 3U)

/*
 * The selftest driver's stage 1 (<iommufd/selftest.h>) is an identity map,
 * so guest IOVA == guest physical address.
 * Guest physical addresses: the selftest IOMMU's aperture starts at 16 MiB
 * and edu reaches 28 bits. Pages A and B are guest RAM mapped from the start,
 * C is mapped only when the guest "handles" a page request for it, and
 * HOLE is never mapped.
 */
#define GPA_A 0x1000000ULL
#define GPA_B 0x1001000ULL
#define GPA_C 0x1002000ULL
#define GPA_HOLE 0x2000000ULL

struct setup {
	struct iommufd_ctx *ctx;
	struct iommufd_device *dev;
	struct iommufd_ioas *ioas;
	struct iommufd_hwpt *s2;	  /* nesting parent: the guest's stage 2 */
	struct iommufd_viommu *viommu;
	struct iommufd_vdevice *vdev;
	struct iommufd_veventq *veventq;
	struct iommufd_fault *fault;
	struct iommufd_hwpt *s1;	  /* nested, faults become vEVENTs */
	struct iommufd_hwpt *s1_iopf;	  /* nested with a fault queue: page requests */
	struct edu edu;
	uint8_t *ram;			  /* 3 pages: A, B, C */
};

/* A skip when the kernel or IOMMU lacks the feature, else a failure. */
static int unsupported(int ret)
{
	return ret == -EOPNOTSUPP || ret == -ENOTTY || ret == -ENODEV;
}

static int step_fail(const char *what, int ret)
{
	edu_fail(PROG, what, ret);
	if (unsupported(ret)) {
		printf(PROG ": SKIP: %s is not supported here (%s)\n", what, strerror(-ret));
		return EXIT_SKIP;
	}
	return 1;
}

static int map_page(struct setup *s, uint8_t *buf, uint64_t gpa, const char *name)
{
	IOMMUFD_OPTS(iommufd_ioas_map_opts, opts,
		     .flags = IOMMUFD_MAP_FIXED_IOVA | IOMMUFD_MAP_READABLE |
			      IOMMUFD_MAP_WRITEABLE);
	uint64_t iova = gpa;
	int ret = iommufd_ioas_map(s->ioas, buf, PAGE, &iova, &opts);

	if (ret)
		return edu_fail(PROG, name, ret);
	printf("  mapped %s at GPA %#" PRIx64 "\n", name, iova);
	return 0;
}

/* Builds the nested setup; returns 0, 1 or EXIT_SKIP. */
static int build(struct setup *s)
{
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, parent_opts, .flags = IOMMUFD_HWPT_ALLOC_NEST_PARENT);
	struct iommufd_selftest_hwpt_data s1_data = { .iotlb = IOMMUFD_SELFTEST_IOTLB_DEFAULT };
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, s1_opts, .data_type = IOMMUFD_SELFTEST_HWPT_DATA_TYPE,
		     .data = &s1_data, .data_len = sizeof(s1_data));
	uint32_t id;
	int ret;

	ret = iommufd_ioas_create(s->ctx, &s->ioas);
	if (ret)
		return step_fail("creating the IOAS (guest memory)", ret);
	ret = iommufd_hwpt_alloc_paging(s->dev, s->ioas, &parent_opts, &s->s2);
	if (ret)
		return step_fail("allocating a NEST_PARENT paging HWPT", ret);
	printf("IOAS %" PRIu32 " (guest memory), stage-2 HWPT %" PRIu32 " (nesting parent)\n",
	       iommufd_ioas_get_id(s->ioas), iommufd_hwpt_get_id(s->s2));

	ret = iommufd_viommu_alloc(s->dev, IOMMUFD_VIOMMU_TYPE_SELFTEST, s->s2, NULL, &s->viommu);
	if (ret)
		return step_fail("allocating a selftest vIOMMU", ret);
	ret = iommufd_vdevice_alloc(s->viommu, s->dev, VIRT_ID, &s->vdev);
	if (ret)
		return step_fail("allocating the vDEVICE", ret);
	printf("vIOMMU %" PRIu32 " on HWPT %" PRIu32 ", vDEVICE %" PRIu32 " (virt_id %#" PRIx64
	       ")\n", iommufd_viommu_get_id(s->viommu), iommufd_hwpt_get_id(s->s2),
	       iommufd_vdevice_get_id(s->vdev), iommufd_vdevice_get_virt_id(s->vdev));

	ret = iommufd_veventq_alloc(s->viommu, IOMMUFD_VEVENTQ_TYPE_SELFTEST, VEVENTQ_DEPTH, NULL,
				    &s->veventq);
	if (ret)
		return step_fail("allocating the vEVENTQ", ret);
	ret = iommufd_fault_alloc(s->ctx, NULL, &s->fault);
	if (ret)
		return step_fail("allocating the fault queue", ret);
	printf("vEVENTQ %" PRIu32 " (depth %u), fault queue %" PRIu32 "\n",
	       iommufd_veventq_get_id(s->veventq), VEVENTQ_DEPTH, iommufd_fault_get_id(s->fault));

	/* the guest's stage 1, twice: with and without I/O page faults */
	ret = iommufd_hwpt_alloc(s->dev, iommufd_viommu_as_pt(s->viommu), &s1_opts, &s->s1);
	if (ret)
		return step_fail("allocating a nested HWPT on the vIOMMU", ret);
	s1_opts.flags = IOMMUFD_HWPT_ALLOC_FAULT_ID;
	s1_opts.fault = s->fault;
	ret = iommufd_hwpt_alloc(s->dev, iommufd_viommu_as_pt(s->viommu), &s1_opts,
				 &s->s1_iopf);
	if (ret)
		return step_fail("allocating a nested HWPT with FAULT_ID on the vIOMMU", ret);
	printf("nested HWPTs on the vIOMMU: %" PRIu32 " (faults -> vEVENTQ), %" PRIu32
	       " (faults -> fault queue %" PRIu32 ")\n", iommufd_hwpt_get_id(s->s1),
	       iommufd_hwpt_get_id(s->s1_iopf), iommufd_fault_get_id(s->fault));

	ret = iommufd_device_attach(s->dev, iommufd_hwpt_as_pt(s->s1), &id);
	if (ret)
		return step_fail("attaching the device to the nested HWPT", ret);
	printf("device %" PRIu32 " attached to nested HWPT %" PRIu32 "\n",
	       iommufd_device_get_id(s->dev), id);

	ret = edu_open(&s->edu, s->dev, PROG);
	if (ret == -ENODEV) {
		printf(PROG ": SKIP: the device is not an edu\n");
		return EXIT_SKIP;
	}
	if (ret)
		return 1;
	if (map_page(s, s->ram, GPA_A, "guest page A") ||
	    map_page(s, s->ram + PAGE, GPA_B, "guest page B"))
		return 1;
	return 0;
}

/* Tears down in the order the kernel's references need; returns 0 or 1. */
static int teardown(struct setup *s)
{
	int ret, rc = 0;

#define UNDO(call, what)                                                  \
	do {                                                               \
		ret = (call);                                              \
		if (ret) {                                                 \
			edu_fail(PROG, what, ret);                         \
			rc = 1;                                            \
		}                                                          \
	} while (0)

	if (s->dev)
		UNDO(iommufd_device_detach(s->dev), "detaching the device");
	if (s->s1_iopf)
		UNDO(iommufd_hwpt_destroy(s->s1_iopf), "destroying the IOPF nested HWPT");
	if (s->s1)
		UNDO(iommufd_hwpt_destroy(s->s1), "destroying the nested HWPT");
	if (s->fault)
		UNDO(iommufd_fault_destroy(s->fault), "destroying the fault queue");
	if (s->veventq)
		UNDO(iommufd_veventq_destroy(s->veventq), "destroying the vEVENTQ");
	if (s->vdev)
		UNDO(iommufd_vdevice_destroy(s->vdev), "destroying the vDEVICE");
	if (s->viommu)
		UNDO(iommufd_viommu_destroy(s->viommu), "destroying the vIOMMU");
	if (s->s2)
		UNDO(iommufd_hwpt_destroy(s->s2), "destroying the stage-2 HWPT");
	if (s->ioas)
		UNDO(iommufd_ioas_destroy(s->ioas), "destroying the IOAS");
#undef UNDO
	return rc;
}

static bool all_bytes(const uint8_t *p, size_t len, uint8_t v)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Waits up to a second for the queue's fd to become readable. */
static int wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n = poll(&pfd, 1, 1000);

	if (n < 0)
		return -errno;
	return n && (pfd.revents & POLLIN) ? 0 : -ETIMEDOUT;
}

static void print_vevent(const struct iommufd_vevent *ev)
{
	struct iommufd_vevent_selftest st;

	if (iommufd_vevent_decode_selftest(ev, &st)) {
		printf("    vEVENT seq %" PRIu32 ", lost before it %" PRIu32 ", type %#" PRIx32
		       ", %" PRIu32 " bytes\n", ev->sequence, ev->lost_before, ev->type,
		       ev->data_len);
		return;
	}
	printf("    vEVENT seq %" PRIu32 ", lost before it %" PRIu32 ": selftest event, virt_id %#"
	       PRIx32 "\n", ev->sequence, ev->lost_before, st.virt_id);
}

/*
 * Reads everything pending; checks the count of events and of lost events
 * and that each event names the vDEVICE. Returns 0 or -EIO.
 */
static int read_vevents(struct setup *s, unsigned int want, uint64_t want_lost)
{
	struct iommufd_vevent ev[16];
	uint64_t lost = 0, l;
	unsigned int total = 0;
	int n, i;

	if (want || want_lost) {
		n = wait_readable(iommufd_veventq_get_fd(s->veventq));
		if (n)
			return edu_fail(PROG, "waiting for the vEVENTQ", n);
	}
	do {
		n = iommufd_veventq_read(s->veventq, ev, 16, &l);
		if (n < 0)
			return edu_fail(PROG, "iommufd_veventq_read", n);
		lost += l;
		for (i = 0; i < n; i++) {
			struct iommufd_vevent_selftest st;

			print_vevent(&ev[i]);
			if (iommufd_vevent_decode_selftest(&ev[i], &st) || st.virt_id != VIRT_ID) {
				fprintf(stderr, PROG ": FAIL: the event does not name virt_id %#x\n",
					VIRT_ID);
				return -EIO;
			}
		}
		total += (unsigned int)n;
	} while (n > 0 || l);
	if (!total && !lost)
		printf("  vEVENTQ empty (%" PRIu64 " lost in total)\n",
		       iommufd_veventq_get_lost(s->veventq));
	else
		printf("  read %u vEVENT(s); the reads found %" PRIu64 " lost (%" PRIu64
		       " in total)\n", total, lost, iommufd_veventq_get_lost(s->veventq));
	if (total != want || lost != want_lost) {
		fprintf(stderr, PROG ": FAIL: expected %u event(s) and %" PRIu64 " lost\n", want,
			want_lost);
		return -EIO;
	}
	return 0;
}

/* The edu DMA of page A into @gpa (edu -> RAM), which faults if @gpa is not mapped. */
static int dma_to(struct setup *s, uint64_t gpa)
{
	return edu_dma(&s->edu, gpa, EDU_XFER, true);
}

/* Part 1: a working DMA through both stages, then faults reported as vEVENTs. */
static int vevents(struct setup *s)
{
	unsigned int i;

	for (i = 0; i < PAGE; i++)
		s->ram[i] = (uint8_t)(i * 13 + 1);
	memset(s->ram + PAGE, 0, PAGE);
	if (edu_dma(&s->edu, GPA_A, EDU_XFER, false) || dma_to(s, GPA_B))
		return -EIO;
	if (memcmp(s->ram, s->ram + PAGE, EDU_XFER)) {
		fprintf(stderr, PROG ": FAIL: the DMA through stage 1 + stage 2 did not land\n");
		return -EIO;
	}
	printf("DMA A -> edu -> B through the nested HWPT: %u bytes verified\n", EDU_XFER);
	if (read_vevents(s, 0, 0))
		return -EIO;

	printf("DMA to unmapped GPA %#llx (stage-1 fault of vDEVICE %#x):\n", GPA_HOLE, VIRT_ID);
	if (dma_to(s, GPA_HOLE) || read_vevents(s, 1, 0))
		return -EIO;

	printf("%u faults into a vEVENTQ of depth %u:\n", OVERFLOW_FAULTS, VEVENTQ_DEPTH);
	for (i = 0; i < OVERFLOW_FAULTS; i++)
		if (dma_to(s, GPA_HOLE))
			return -EIO;
	if (read_vevents(s, VEVENTQ_DEPTH, OVERFLOW_FAULTS - VEVENTQ_DEPTH))
		return -EIO;

	printf("one more fault after the overflow:\n");
	if (dma_to(s, GPA_HOLE) || read_vevents(s, 1, 0))
		return -EIO;
	/*
	 * The dropped events took sequence numbers too: the gap to the last
	 * delivered event is what lost_before shows; the reads count each
	 * dropped event once (at the kernel's lost-events marker).
	 */
	printf("  (the %u dropped events had sequence numbers %u..%u: lost_before counts the gap,\n"
	       "   the reads and the total count each of them once)\n",
	       OVERFLOW_FAULTS - VEVENTQ_DEPTH, VEVENTQ_DEPTH + 1, OVERFLOW_FAULTS);
	if (iommufd_veventq_get_lost(s->veventq) != OVERFLOW_FAULTS - VEVENTQ_DEPTH) {
		fprintf(stderr, PROG ": FAIL: %" PRIu64 " events lost in total, expected %u\n",
			iommufd_veventq_get_lost(s->veventq), OVERFLOW_FAULTS - VEVENTQ_DEPTH);
		return -EIO;
	}
	return 0;
}

static void print_fault(const struct iommufd_fault_record *r)
{
	printf("    page request: device %" PRIu32 ", addr %#" PRIx64 ", perm %s%s, grpid %" PRIu32
	       ", cookie %" PRIu32 "%s%s\n", r->dev_id, r->addr,
	       r->perm & IOMMUFD_FAULT_PERM_READ ? "r" : "",
	       r->perm & IOMMUFD_FAULT_PERM_WRITE ? "w" : "", r->grpid, r->cookie,
	       r->flags & IOMMUFD_FAULT_LAST_PAGE ? ", last page" : "",
	       r->flags & IOMMUFD_FAULT_PASID_VALID ? ", with PASID" : "");
}

/* What the event loop's callback reports back. */
struct iopf_ctx {
	struct setup *s;
	unsigned int faults;
	int error;
};

/*
 * The guest's page fault handler, in short: the request is for page C,
 * which the guest now backs with memory (an IOAS map in the VMM), then it
 * answers SUCCESS so the device retries.
 */
static int on_fault(struct iommufd_fault *fault, const struct iommufd_fault_record *records,
		    size_t n, void *priv)
{
	struct iopf_ctx *c = priv;
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		print_fault(&records[i]);
		c->faults++;
		if (records[i].addr != GPA_C || !(records[i].perm & IOMMUFD_FAULT_PERM_WRITE)) {
			fprintf(stderr, PROG ": FAIL: expected a write request for %#llx\n", GPA_C);
			c->error = -EIO;
		} else if (map_page(c->s, c->s->ram + 2 * PAGE, GPA_C, "guest page C")) {
			c->error = -EIO;
		}
		if (!(records[i].flags & IOMMUFD_FAULT_LAST_PAGE))
			continue;
		ret = iommufd_fault_respond(fault, records[i].cookie,
					    c->error ? IOMMUFD_FAULT_RESPONSE_INVALID :
						       IOMMUFD_FAULT_RESPONSE_SUCCESS);
		if (ret)
			return edu_fail(PROG, "iommufd_fault_respond", ret);
		printf("    answered cookie %" PRIu32 " with %s\n", records[i].cookie,
		       c->error ? "INVALID" : "SUCCESS");
	}
	return 0;
}

static int on_vevent(struct iommufd_veventq *veventq, const struct iommufd_vevent *events,
		     size_t n, uint64_t lost, void *priv)
{
	struct iopf_ctx *c = priv;

	(void)veventq;
	(void)events;
	fprintf(stderr, PROG ": FAIL: %zu vEVENT(s), %" PRIu64 " lost, during the IOPF part\n", n,
		lost);
	c->error = -EIO;
	return 0;
}

/* Part 2: the same device on the nested HWPT with a fault queue: page requests. */
static int page_requests(struct setup *s)
{
	struct iopf_ctx c = { .s = s };
	struct iommufd_fault_record rec[4];
	struct iommufd_event_loop *loop = NULL;
	uint32_t id;
	int n, ret;

	ret = iommufd_device_replace(s->dev, iommufd_hwpt_as_pt(s->s1_iopf), &id);
	if (ret)
		return edu_fail(PROG, "replacing the nested HWPT", ret);
	printf("device replaced onto nested HWPT %" PRIu32 " (fault queue %" PRIu32 ")\n", id,
	       iommufd_fault_get_id(s->fault));

	/* by hand: poll, read, answer; the guest has nothing at HOLE, so INVALID */
	printf("DMA to unmapped GPA %#llx, page request read and answered by hand:\n", GPA_HOLE);
	if (dma_to(s, GPA_HOLE))
		return -EIO;
	ret = wait_readable(iommufd_fault_get_fd(s->fault));
	if (ret)
		return edu_fail(PROG, "waiting for the fault queue", ret);
	n = iommufd_fault_read(s->fault, rec, 4);
	if (n < 0)
		return edu_fail(PROG, "iommufd_fault_read", n);
	if (n != 1 || rec[0].addr != GPA_HOLE || !(rec[0].perm & IOMMUFD_FAULT_PERM_WRITE) ||
	    !(rec[0].flags & IOMMUFD_FAULT_LAST_PAGE) ||
	    rec[0].dev_id != iommufd_device_get_id(s->dev)) {
		fprintf(stderr, PROG ": FAIL: expected one write request for %#llx, read %d\n",
			GPA_HOLE, n);
		return -EIO;
	}
	print_fault(&rec[0]);
	ret = iommufd_fault_respond(s->fault, rec[0].cookie, IOMMUFD_FAULT_RESPONSE_INVALID);
	if (ret)
		return edu_fail(PROG, "iommufd_fault_respond", ret);
	printf("    answered cookie %" PRIu32 " with INVALID (no guest memory there)\n",
	       rec[0].cookie);
	n = iommufd_fault_read(s->fault, rec, 4);
	if (n != 0) {
		fprintf(stderr, PROG ": FAIL: the fault queue is not empty (%d)\n", n);
		return -EIO;
	}

	/* through the event loop, both queues watched: the fault resolves, the DMA is redone */
	printf("DMA to GPA %#llx (not mapped yet), handled by the event loop:\n", GPA_C);
	ret = iommufd_event_loop_create(NULL, &loop);
	if (!ret)
		ret = iommufd_event_loop_add_fault(loop, s->fault, on_fault, &c);
	if (!ret)
		ret = iommufd_event_loop_add_veventq(loop, s->veventq, on_vevent, &c);
	if (ret) {
		edu_fail(PROG, "setting up the event loop", ret);
		goto out;
	}
	memset(s->ram + 2 * PAGE, 0, PAGE);
	ret = dma_to(s, GPA_C);
	if (ret)
		goto out;
	ret = iommufd_event_loop_wait(loop, 1000);
	if (ret < 0) {
		edu_fail(PROG, "iommufd_event_loop_wait", ret);
		goto out;
	}
	if (ret != 1 || c.faults != 1 || c.error) {
		fprintf(stderr, PROG ": FAIL: %d callback(s), %u fault(s)\n", ret, c.faults);
		ret = -EIO;
		goto out;
	}
	/* the device retries after SUCCESS; edu has no PRI of its own, so the VMM redoes it */
	ret = dma_to(s, GPA_C);
	if (ret)
		goto out;
	if (memcmp(s->ram, s->ram + 2 * PAGE, EDU_XFER) ||
	    !all_bytes(s->ram + 2 * PAGE + EDU_XFER, PAGE - EDU_XFER, 0)) {
		fprintf(stderr, PROG ": FAIL: the retried DMA did not reach page C\n");
		ret = -EIO;
		goto out;
	}
	printf("  retried DMA reached page C: %u bytes verified\n", EDU_XFER);
	/* nothing more may be pending on either queue */
	ret = iommufd_event_loop_wait(loop, 0);
	if (ret != 0 || c.error) {
		fprintf(stderr, PROG ": FAIL: unexpected events after the retry (%d)\n", ret);
		ret = -EIO;
	}
out:
	if (loop) {
		(void)iommufd_event_loop_remove_fault(loop, s->fault);
		(void)iommufd_event_loop_remove_veventq(loop, s->veventq);
		iommufd_event_loop_destroy(loop);
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct setup s = { 0 };
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
	ret = iommufd_ctx_open(NULL, &s.ctx);
	if (ret) {
		edu_fail(PROG, "opening /dev/iommu", ret);
		return ret == -ENOENT ? EXIT_SKIP : 1;
	}
	ret = iommufd_device_bind_path(s.ctx, path, NULL, &s.dev);
	if (ret) {
		edu_fail(PROG, path, ret);
		iommufd_ctx_close(s.ctx);
		return ret == -ENOENT ? EXIT_SKIP : 1;
	}
	printf("bound %s: device id %" PRIu32 "\n", path, iommufd_device_get_id(s.dev));

	s.ram = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s.ram == MAP_FAILED) {
		perror(PROG ": mmap");
		s.ram = NULL;
		rc = 1;
	} else {
		rc = build(&s);
		if (!rc && (vevents(&s) || page_requests(&s)))
			rc = 1;
	}
	if (teardown(&s))
		rc = rc == EXIT_SKIP ? rc : 1;

	iommufd_device_unbind(s.dev);
	iommufd_ctx_close(s.ctx);
	if (s.ram)
		munmap(s.ram, 3 * PAGE);
	printf(PROG ": %s\n", rc == 0 ? "PASS" : rc == EXIT_SKIP ? "SKIP" : "FAIL");
	return rc;
}
