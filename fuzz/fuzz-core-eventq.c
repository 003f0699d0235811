// SPDX-License-Identifier: MIT
/*
 * fuzz-core-eventq.c - libFuzzer harness of the mock core's fault and
 * vEVENTQ file protocols. Each input starts from the same machine: an IOAS,
 * a selftest device, a nesting parent, a vIOMMU with a vDEVICE, a fault
 * queue with an IOPF-capable nested HWPT, and a vEVENTQ of fuzzed depth.
 * The input then queues events (TRIGGER_IOPF with fuzzed fields,
 * TRIGGER_VEVENT), moves the device between HWPTs, and reads and writes both
 * queue files with fuzzed sizes, buffers and page responses (cookies taken
 * from what was read, or raw), closes and re-creates queues, destroys
 * objects. At the end all files are released and the machine freed, so the
 * leak check sees any queued event or fault group the core forgot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>

#include "iommufd-uapi.h"
#include "iommufd_test.h"
#include "arena.h"
#include "cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct st {
	struct harness e;
	int ictx;
	uint32_t ioas, stdev, idev, parent, viommu, vdev, fault_id, iopf_hwpt, nested;
	uint32_t veventq_id;
	int fault_fd, veventq_fd;
	uint32_t cookies[8];
	unsigned int nr_cookies;
};

/* Runs one command through the arena (where the core can reach it) and copies it back. */
static long cmd(struct st *s, unsigned int nr, void *arg, size_t len)
{
	uint8_t *a = fuzz_arena();
	long rc;

	memcpy(a, arg, len);
	rc = harness_ioctl(&s->e, s->ictx, nr, (uintptr_t)a);
	memcpy(arg, a, len);
	return rc;
}

static long test_cmd(struct st *s, struct iommu_test_cmd *t)
{
	t->size = sizeof(*t);
	return cmd(s, IOMMU_TEST_CMD, t, sizeof(*t));
}

static long hwpt_alloc(struct st *s, uint32_t pt, uint32_t flags, uint32_t fault_id, bool nested,
		       uint32_t *out)
{
	struct iommu_hwpt_selftest hs = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc h = {
		.size = sizeof(h), .flags = flags, .dev_id = s->idev, .pt_id = pt,
		.fault_id = fault_id,
	};
	uint8_t *data = fuzz_arena() + 2048;
	long rc;

	if (nested) {
		memcpy(data, &hs, sizeof(hs));
		h.data_type = IOMMU_HWPT_DATA_SELFTEST;
		h.data_len = sizeof(hs);
		h.data_uptr = (uintptr_t)data;
	}
	rc = cmd(s, IOMMU_HWPT_ALLOC, &h, sizeof(h));
	*out = h.out_hwpt_id;
	return rc;
}

static long replace(struct st *s, uint32_t pt)
{
	struct iommu_test_cmd t = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, .id = s->stdev,
		.mock_domain_replace = { .pt_id = pt },
	};

	return test_cmd(s, &t);
}

static void fault_alloc(struct st *s)
{
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };

	if (cmd(s, IOMMU_FAULT_QUEUE_ALLOC, &fa, sizeof(fa)))
		return;
	s->fault_id = fa.out_fault_id;
	s->fault_fd = (int)fa.out_fault_fd;
}

static void veventq_alloc(struct st *s, uint32_t depth)
{
	struct iommu_veventq_alloc va = {
		.size = sizeof(va), .viommu_id = s->viommu, .type = IOMMU_VEVENTQ_TYPE_SELFTEST,
		.veventq_depth = depth,
	};

	if (cmd(s, IOMMU_VEVENTQ_ALLOC, &va, sizeof(va)))
		return;
	s->veventq_id = va.out_veventq_id;
	s->veventq_fd = (int)va.out_veventq_fd;
}

static int setup(struct st *s, struct cursor *c)
{
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_test_cmd md = { .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	struct iommu_viommu_alloc v = { .size = sizeof(v), .type = IOMMU_VIOMMU_TYPE_SELFTEST };
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd), .virt_id = 0x99 };

	memset(s, 0, sizeof(*s));
	s->fault_fd = -1;
	s->veventq_fd = -1;
	if (fuzz_harness_init(&s->e, "selftest,dirty,nesting,pasid=20"))
		return -1;
	s->ictx = harness_open(&s->e, "/dev/iommu", O_RDWR);
	if (s->ictx < 0 || cmd(s, IOMMU_IOAS_ALLOC, &ioas, sizeof(ioas)))
		return -1;
	s->ioas = ioas.out_ioas_id;
	md.id = s->ioas;
	if (test_cmd(s, &md))
		return -1;
	s->stdev = md.mock_domain.out_stdev_id;
	s->idev = md.mock_domain.out_idev_id;
	if (hwpt_alloc(s, s->ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0, false, &s->parent))
		return -1;
	v.dev_id = s->idev;
	v.hwpt_id = s->parent;
	if (cmd(s, IOMMU_VIOMMU_ALLOC, &v, sizeof(v)))
		return -1;
	s->viommu = v.out_viommu_id;
	vd.viommu_id = s->viommu;
	vd.dev_id = s->idev;
	if (cmd(s, IOMMU_VDEVICE_ALLOC, &vd, sizeof(vd)))
		return -1;
	s->vdev = vd.out_vdevice_id;
	fault_alloc(s);
	if (hwpt_alloc(s, s->parent, IOMMU_HWPT_FAULT_ID_VALID, s->fault_id, true, &s->iopf_hwpt))
		return -1;
	if (hwpt_alloc(s, s->viommu, 0, 0, true, &s->nested))
		return -1;
	veventq_alloc(s, 1 + cur_u8(c) % 8);
	return 0;
}

/* A user buffer for a read or write: mostly in the arena's second half, sometimes bad. */
static uint64_t ubuf(struct cursor *c)
{
	uint8_t sel = cur_u8(c);
	uint16_t off = cur_u16(c);

	if (sel < 0xe0)
		return (uintptr_t)fuzz_arena() + 65536 + off;
	return fuzz_uptr(sel, off);
}

/* Remembers the cookies of fault records a read returned (in the arena at @buf). */
static void note_cookies(struct st *s, uint64_t buf, ssize_t n)
{
	ssize_t off;

	if (n <= 0 || !fuzz_in_arena(buf, (size_t)n))
		return;
	for (off = 0; off + (ssize_t)sizeof(struct iommu_hwpt_pgfault) <= n;
	     off += sizeof(struct iommu_hwpt_pgfault)) {
		struct iommu_hwpt_pgfault rec;

		memcpy(&rec, (void *)(uintptr_t)(buf + (uint64_t)off), sizeof(rec));
		s->cookies[s->nr_cookies++ % 8] = rec.cookie;
	}
}

static void respond(struct st *s, struct cursor *c)
{
	uint8_t mode = cur_u8(c);
	struct iommu_hwpt_page_response r;
	uint8_t *buf = fuzz_arena() + 4096;
	size_t len = sizeof(r);

	cur_bytes(c, &r, sizeof(r));
	if (!(mode & 1) && s->nr_cookies)
		r.cookie = s->cookies[cur_u8(c) % (s->nr_cookies < 8 ? s->nr_cookies : 8)];
	if (!(mode & 2))
		r.code = (mode & 4) ? IOMMUFD_PAGE_RESP_INVALID : IOMMUFD_PAGE_RESP_SUCCESS;
	memcpy(buf, &r, sizeof(r));
	if (mode & 8) {
		/* several responses in one write, or an odd size */
		len = (mode & 0x10) ? cur_u8(c) : sizeof(r) * (1 + cur_u8(c) % 4);
		if (len > sizeof(r))
			cur_bytes(c, buf + sizeof(r), len - sizeof(r));
	}
	harness_write(&s->e, s->fault_fd, (mode & 0x20) ? ubuf(c) : (uintptr_t)buf, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = { data, size };
	struct st s;
	unsigned int steps = 0;

	if (setup(&s, &c))
		goto out;
	while (c.left && steps++ < 128) {
		struct iommu_test_cmd t = { 0 };
		uint64_t b;
		ssize_t n;

		switch (cur_u8(&c) % 14) {
		case 0: /* an IOPF */
			t.op = IOMMU_TEST_OP_TRIGGER_IOPF;
			t.trigger_iopf.dev_id = (cur_u8(&c) & 1) ? cur_u32(&c) : s.idev;
			t.trigger_iopf.pasid = cur_u8(&c) & 3;
			t.trigger_iopf.grpid = cur_u8(&c) & 7;
			t.trigger_iopf.perm = cur_u8(&c);
			t.trigger_iopf.addr = cur_u64(&c);
			test_cmd(&s, &t);
			break;
		case 1: /* a vEVENT */
			t.op = IOMMU_TEST_OP_TRIGGER_VEVENT;
			t.trigger_vevent.dev_id = (cur_u8(&c) & 1) ? cur_u32(&c) : s.idev;
			test_cmd(&s, &t);
			break;
		case 2:
			b = ubuf(&c);
			n = harness_read(&s.e, s.fault_fd, b, cur_u16(&c) % 512);
			note_cookies(&s, b, n);
			break;
		case 3:
			respond(&s, &c);
			break;
		case 4:
			harness_read(&s.e, s.veventq_fd, ubuf(&c), cur_u16(&c) % 512);
			break;
		case 5:
			harness_write(&s.e, s.veventq_fd, ubuf(&c), cur_u8(&c));
			break;
		case 6: { /* where the device is attached decides where events go */
			const uint32_t pts[] = { s.ioas, s.iopf_hwpt, s.nested, s.parent };

			replace(&s, pts[cur_u8(&c) % 4]);
			break;
		}
		case 7:
			harness_close(&s.e, s.fault_fd);
			s.fault_fd = -1;
			break;
		case 8:
			harness_close(&s.e, s.veventq_fd);
			s.veventq_fd = -1;
			break;
		case 9: { /* destroy one of the objects (most refuse while in use) */
			const uint32_t ids[] = { s.fault_id, s.veventq_id, s.iopf_hwpt, s.nested,
						 s.vdev, s.viommu, s.stdev, s.parent };
			struct iommu_destroy d = { .size = sizeof(d), .id = ids[cur_u8(&c) % 8] };

			cmd(&s, IOMMU_DESTROY, &d, sizeof(d));
			break;
		}
		case 10:
			if (s.fault_fd < 0)
				fault_alloc(&s);
			break;
		case 11:
			if (s.veventq_fd < 0)
				veventq_alloc(&s, cur_u32(&c) % 64);
			break;
		case 12:
			if (harness_file(&s.e, s.fault_fd))
				mock_poll(harness_file(&s.e, s.fault_fd));
			if (harness_file(&s.e, s.veventq_fd))
				mock_poll(harness_file(&s.e, s.veventq_fd));
			break;
		case 13: /* a new IOPF-capable HWPT on the current fault queue */
			hwpt_alloc(&s, s.parent, IOMMU_HWPT_FAULT_ID_VALID, s.fault_id, true,
				   &s.iopf_hwpt);
			break;
		}
	}
out:
	if (s.e.k)
		harness_fini(&s.e);
	return 0;
}
