// SPDX-License-Identifier: MIT
/*
 * test-vevent.c - the event-queue logic that needs no kernel: the vEVENT
 * parser and its lost-event accounting (markers, withdrawn markers, gaps
 * across reads, 31-bit wrap-around, malformed input), the payload decoders,
 * and the fault and vEVENTQ handles over stand-in files (pipes, socket
 * pairs): record reads, responses, read sizing, a refused destroy, and two
 * threads reading one vEVENTQ handle.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal-helpers.h"
#include "iommufd_test.h"

#define SEQ_MAX 0x7fffffffu

/* Asserts that @call returned -@err and left @err in errno. */
static int parse(struct iommufd_vevent_seq *seq, const struct vbuf *v,
		 struct iommufd_vevent *ev, size_t max, uint64_t *lost)
{
	return iommufd_vevent_parse(seq, IOMMUFD_VEVENTQ_TYPE_SELFTEST, sizeof(uint32_t), v->b,
				    v->len, ev, max, lost);
}

static uint32_t virt_id_of(const struct iommufd_vevent *ev)
{
	struct iommufd_vevent_selftest st;

	assert_int_equal(0, iommufd_vevent_decode_selftest(ev, &st));
	return st.virt_id;
}

static void test_parse_in_order(void **state)
{
	struct iommufd_vevent_seq seq;
	struct iommufd_vevent ev[4];
	struct vbuf v = { .len = 0 };
	uint64_t lost = 99;
	int i;

	(void)state;
	iommufd_vevent_seq_init(&seq);
	for (i = 0; i < 3; i++)
		vbuf_event(&v, (uint32_t)i, 0x90 + (uint32_t)i);
	assert_int_equal(3, parse(&seq, &v, ev, 4, &lost));
	assert_int_equal(0, lost);
	for (i = 0; i < 3; i++) {
		assert_int_equal(i, ev[i].sequence);
		assert_int_equal(0, ev[i].lost_before);
		assert_int_equal(IOMMUFD_VEVENTQ_TYPE_SELFTEST, ev[i].type);
		assert_int_equal(4, ev[i].data_len);
		assert_int_equal(0x90 + i, virt_id_of(&ev[i]));
	}
	assert_int_equal(0, seq.lost_total);
}

static void test_parse_empty(void **state)
{
	struct iommufd_vevent_seq seq;
	struct iommufd_vevent ev[1];
	struct vbuf v = { .len = 0 };
	uint64_t lost = 99;

	(void)state;
	iommufd_vevent_seq_init(&seq);
	assert_int_equal(0, parse(&seq, &v, ev, 1, &lost));
	assert_int_equal(0, lost);
	/* NULL lost is allowed. */
	assert_int_equal(0, parse(&seq, &v, ev, 1, NULL));
}

/* Events 2..5 dropped: the kernel reports them with a marker numbered 5. */
static void test_parse_lost_marker(void **state)
{
	struct iommufd_vevent_seq seq;
	struct iommufd_vevent ev[4];
	struct vbuf v = { .len = 0 };
	uint64_t lost;

	(void)state;
	iommufd_vevent_seq_init(&seq);
	vbuf_event(&v, 0, 1);
	vbuf_event(&v, 1, 1);
	vbuf_lost(&v, 5);
	vbuf_event(&v, 6, 1);
	assert_int_equal(3, parse(&seq, &v, ev, 4, &lost));
	assert_int_equal(4, lost);
	assert_int_equal(0, ev[1].lost_before);
	assert_int_equal(6, ev[2].sequence);
	assert_int_equal(4, ev[2].lost_before);
	assert_int_equal(4, seq.lost_total);
}

/* The kernel withdraws a trailing marker when an event is queued after it: only the gap tells. */
static void test_parse_gap_without_marker(void **state)
{
	struct iommufd_vevent_seq seq;
	struct iommufd_vevent ev[4];
	struct vbuf v = { .len = 0 };
	uint64_t lost;

	(void)state;
	iommufd_vevent_seq_init(&seq);
	vbuf_event(&v, 0, 1);
	vbuf_event(&v, 1, 1);
	vbuf_event(&v, 6, 1);
	assert_int_equal(3, parse(&seq, &v, ev, 4, &lost));
	assert_int_equal(4, lost);
	assert_int_equal(4, ev[2].lost_before);
}

/* A marker at the end of one read, the next event in the next read. */
static void test_parse_across_reads(void **state)
{
	struct iommufd_vevent_seq seq;
	struct iommufd_vevent ev[4];
	struct vbuf v1 = { .len = 0 }, v2 = { .len = 0 }, v3 = { .len = 0 };
	uint64_t lost;

	(void)state;
	iommufd_vevent_seq_init(&seq);
	vbuf_event(&v1, 0, 1);
	vbuf_event(&v1, 1, 1);
	vbuf_lost(&v1, 5);
	assert_int_equal(2, parse(&seq, &v1, ev, 4, &lost));
	assert_int_equal(4, lost);

	/* More dropped after the marker was read: 6 and 7; a new marker says 7. */
	vbuf_lost(&v2, 7);
	assert_int_equal(0, parse(&seq, &v2, ev, 4, &lost));
	assert_int_equal(2, lost);

	vbuf_event(&v3, 8, 1);
	vbuf_event(&v3, 9, 1);
	assert_int_equal(2, parse(&seq, &v3, ev, 4, &lost));
	assert_int_equal(0, lost);
	/* Everything between event 1 and event 8. */
	assert_int_equal(6, ev[0].lost_before);
	assert_int_equal(0, ev[1].lost_before);
	assert_int_equal(6, seq.lost_total);
}

/* Events 0..2 dropped before anything was read. */
static void test_parse_first_events_lost(void **state)
{
	struct iommufd_vevent_seq seq;
	struct iommufd_vevent ev[2];
	struct vbuf v = { .len = 0 };
	uint64_t lost;

	(void)state;
	iommufd_vevent_seq_init(&seq);
	vbuf_lost(&v, 2);
	vbuf_event(&v, 3, 1);
	assert_int_equal(1, parse(&seq, &v, ev, 2, &lost));
	assert_int_equal(3, lost);
	assert_int_equal(3, ev[0].lost_before);
}

static void test_parse_wrap(void **state)
{
	struct iommufd_vevent_seq seq;
	struct iommufd_vevent ev[8];
	struct vbuf v1 = { .len = 0 }, v2 = { .len = 0 };
	uint64_t lost;

	(void)state;
	iommufd_vevent_seq_init(&seq);
	seq.last_seq = SEQ_MAX - 2;
	seq.last_event_seq = SEQ_MAX - 2;
	vbuf_event(&v1, SEQ_MAX - 1, 1);
	vbuf_event(&v1, SEQ_MAX, 1);
	vbuf_event(&v1, 0, 1);
	vbuf_event(&v1, 1, 1);
	assert_int_equal(4, parse(&seq, &v1, ev, 8, &lost));
	assert_int_equal(0, lost);
	assert_int_equal(0, ev[2].lost_before);

	/* Up to SEQ_MAX - 2 delivered, then SEQ_MAX - 1 .. 2 dropped across the wrap. */
	seq.last_seq = SEQ_MAX - 2;
	seq.last_event_seq = SEQ_MAX - 2;
	seq.lost_total = 0;
	vbuf_lost(&v2, 1);
	vbuf_event(&v2, 3, 1);
	assert_int_equal(1, parse(&seq, &v2, ev, 8, &lost));
	/* SEQ_MAX - 1, SEQ_MAX, 0, 1 by the marker, 2 by the gap. */
	assert_int_equal(5, lost);
	assert_int_equal(5, ev[0].lost_before);
	assert_int_equal(5, seq.lost_total);
}

static void test_parse_malformed(void **state)
{
	struct iommufd_vevent_seq seq, before;
	struct iommufd_vevent ev[2];
	struct vbuf v = { .len = 0 };
	struct iommufd_vevent_header bad = { .flags = 0, .sequence = 0x80000000u };
	uint64_t lost = 7;

	(void)state;
	iommufd_vevent_seq_init(&seq);
	vbuf_event(&v, 0, 1);
	before = seq;

	/* A header cut short. */
	v.len = SELFTEST_REC + 5;
	assert_int_equal(-EIO, parse(&seq, &v, ev, 2, &lost));
	/* A payload cut short. */
	v.len = SELFTEST_REC - 1;
	assert_int_equal(-EIO, parse(&seq, &v, ev, 2, &lost));
	assert_memory_equal(&before, &seq, sizeof(seq));

	/* More events than room for them. */
	v.len = 0;
	vbuf_event(&v, 0, 1);
	vbuf_event(&v, 1, 1);
	assert_int_equal(-EIO, parse(&seq, &v, ev, 1, &lost));
	assert_memory_equal(&before, &seq, sizeof(seq));

	/* A sequence number beyond 31 bits. */
	v.len = 0;
	vbuf_event(&v, 0, 1);
	vbuf_put(&v, &bad, sizeof(bad));
	vbuf_put(&v, &bad, sizeof(uint32_t));
	assert_int_equal(-EIO, parse(&seq, &v, ev, 2, &lost));
	assert_memory_equal(&before, &seq, sizeof(seq));

	/* An event size beyond what an event holds. */
	assert_int_equal(-EIO, iommufd_vevent_parse(&seq, 1, IOMMUFD_VEVENT_DATA_MAX + 1, v.b,
						     v.len, ev, 2, &lost));
}

static void test_decoders(void **state)
{
	struct iommufd_vevent ev = { .type = IOMMUFD_VEVENTQ_TYPE_ARM_SMMUV3, .data_len = 32 };
	struct iommufd_vevent_arm_smmuv3 smmu;
	struct iommufd_vevent_tegra241_cmdqv cmdqv;
	struct iommufd_vevent_selftest st;
	uint64_t le[4];
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		le[i] = htole64(UINT64_C(0x0102030405060708) * (i + 1));
	memcpy(ev.data, le, sizeof(le));
	assert_int_equal(0, iommufd_vevent_decode_arm_smmuv3(&ev, &smmu));
	for (i = 0; i < 4; i++)
		assert_true(smmu.evt[i] == UINT64_C(0x0102030405060708) * (i + 1));
	/* Of another type, or too short for its type. */
	assert_errno(EINVAL, iommufd_vevent_decode_tegra241_cmdqv(&ev, &cmdqv));
	assert_errno(EINVAL, iommufd_vevent_decode_selftest(&ev, &st));
	ev.data_len = 31;
	assert_errno(EINVAL, iommufd_vevent_decode_arm_smmuv3(&ev, &smmu));
	assert_errno(EINVAL, iommufd_vevent_decode_arm_smmuv3(NULL, &smmu));
	assert_errno(EINVAL, iommufd_vevent_decode_arm_smmuv3(&ev, NULL));

	ev.type = IOMMUFD_VEVENTQ_TYPE_TEGRA241_CMDQV;
	ev.data_len = 16;
	assert_int_equal(0, iommufd_vevent_decode_tegra241_cmdqv(&ev, &cmdqv));
	assert_true(cmdqv.lvcmdq_err_map[1] == UINT64_C(0x0102030405060708) * 2);

	/* The public selftest payload repeats the selftest header's. */
	assert_int_equal(sizeof(struct iommu_viommu_event_selftest), sizeof(st));
	assert_int_equal(IOMMU_VEVENTQ_TYPE_SELFTEST, IOMMUFD_VEVENTQ_TYPE_SELFTEST);
	assert_int_equal(IOMMU_VIOMMU_TYPE_SELFTEST, IOMMUFD_VIOMMU_TYPE_SELFTEST);
	assert_int_equal(IOMMU_HW_QUEUE_TYPE_SELFTEST, IOMMUFD_HW_QUEUE_TYPE_SELFTEST);
	assert_int_equal(4, iommufd_vevent_type_size(IOMMUFD_VEVENTQ_TYPE_SELFTEST));
	assert_int_equal(32, iommufd_vevent_type_size(IOMMUFD_VEVENTQ_TYPE_ARM_SMMUV3));
	assert_int_equal(16, iommufd_vevent_type_size(IOMMUFD_VEVENTQ_TYPE_TEGRA241_CMDQV));
	assert_int_equal(0, iommufd_vevent_type_size(0x1234));
}

/* A selftest vEVENTQ handle reading the pipe @fds[0]; @fds[1] stands in for the kernel. */
static struct iommufd_veventq *pipe_veventq(struct iommufd_ctx *ctx, int fds[2], size_t buf_size)
{
	struct iommufd_veventq *q = NULL;

	assert_int_equal(0, pipe2(fds, O_CLOEXEC));
	assert_int_equal(0, iommufd_veventq_new(ctx, 7, fds[0], IOMMUFD_VEVENTQ_TYPE_SELFTEST, 4,
						NULL, buf_size, &q));
	return q;
}

static void write_vbuf(int fd, const struct vbuf *v)
{
	assert_int_equal((ssize_t)v->len, write(fd, v->b, v->len));
}

static void test_veventq_read_pipe(void **state)
{
	struct iommufd_ctx *ctx = fake_ctx();
	struct iommufd_vevent ev[8];
	struct vbuf v = { .len = 0 };
	struct iommufd_veventq *q;
	uint64_t lost;
	int fds[2];

	(void)state;
	q = pipe_veventq(ctx, fds, 64 * SELFTEST_REC);
	assert_int_equal(7, iommufd_veventq_get_id(q));
	assert_int_equal(fds[0], iommufd_veventq_get_fd(q));
	assert_ptr_equal(ctx, iommufd_veventq_get_ctx(q));

	vbuf_event(&v, 0, 0x99);
	vbuf_event(&v, 1, 0x99);
	vbuf_lost(&v, 3);
	vbuf_event(&v, 4, 0x98);
	vbuf_event(&v, 5, 0x98);
	write_vbuf(fds[1], &v);

	/* max bounds the read: the kernel is asked for whole events only. */
	assert_int_equal(2, iommufd_veventq_read(q, ev, 2, &lost));
	assert_int_equal(0, lost);
	assert_int_equal(1, ev[1].sequence);
	assert_int_equal(2, iommufd_veventq_read(q, ev, 8, &lost));
	assert_int_equal(2, lost);
	assert_int_equal(4, ev[0].sequence);
	assert_int_equal(2, ev[0].lost_before);
	assert_int_equal(0x98, virt_id_of(&ev[0]));
	assert_int_equal(2, iommufd_veventq_get_lost(q));

	/* An empty non-blocking file reads as no events. */
	assert_int_equal(0, fcntl(fds[0], F_SETFL, O_NONBLOCK));
	assert_int_equal(0, iommufd_veventq_read(q, ev, 8, &lost));
	assert_int_equal(0, lost);

	/* Bytes that do not parse. */
	assert_int_equal(3, write(fds[1], "abc", 3));
	assert_errno(EIO, iommufd_veventq_read(q, ev, 8, &lost));

	close(fds[1]);
	iommufd_ctx_close(ctx);
}

/* The handle's buffer bounds a read too. */
static void test_veventq_read_buffer(void **state)
{
	struct iommufd_ctx *ctx = fake_ctx();
	struct iommufd_vevent ev[8];
	struct vbuf v = { .len = 0 };
	struct iommufd_veventq *q;
	int fds[2], i;

	(void)state;
	q = pipe_veventq(ctx, fds, 2 * SELFTEST_REC + 5);
	for (i = 0; i < 5; i++)
		vbuf_event(&v, (uint32_t)i, 1);
	write_vbuf(fds[1], &v);
	assert_int_equal(2, iommufd_veventq_read(q, ev, 8, NULL));
	assert_int_equal(2, iommufd_veventq_read(q, ev, 8, NULL));
	assert_int_equal(1, iommufd_veventq_read(q, ev, 8, NULL));
	assert_int_equal(4, ev[0].sequence);
	close(fds[1]);
	iommufd_ctx_close(ctx);
}

/* A buffer of the caller's: used, and left to the caller. */
static void test_veventq_caller_buffer(void **state)
{
	struct iommufd_ctx *ctx = fake_ctx();
	unsigned char *buf = malloc(3 * SELFTEST_REC);
	struct iommufd_vevent ev[8];
	struct vbuf v = { .len = 0 };
	struct iommufd_veventq *q = NULL;
	int fds[2], i;

	(void)state;
	assert_non_null(buf);
	assert_int_equal(0, pipe2(fds, O_CLOEXEC));
	assert_int_equal(0, iommufd_veventq_new(ctx, 7, fds[0], IOMMUFD_VEVENTQ_TYPE_SELFTEST, 4,
						buf, 3 * SELFTEST_REC, &q));
	for (i = 0; i < 4; i++)
		vbuf_event(&v, (uint32_t)i, 0x42);
	write_vbuf(fds[1], &v);
	assert_int_equal(3, iommufd_veventq_read(q, ev, 8, NULL));
	/* The raw bytes of the last read are in the caller's buffer. */
	assert_memory_equal(v.b, buf, 3 * SELFTEST_REC);
	assert_int_equal(1, iommufd_veventq_read(q, ev, 8, NULL));
	close(fds[1]);
	iommufd_ctx_close(ctx);
	/* Still the caller's (valgrind and ASan see a double free otherwise). */
	free(buf);
}

static void test_veventq_args(void **state)
{
	struct iommufd_ctx *ctx = fake_ctx();
	struct iommufd_vevent ev[1];
	struct iommufd_veventq *q;
	uint64_t lost = 5;
	int fds[2];

	(void)state;
	q = pipe_veventq(ctx, fds, 64);
	assert_errno(EINVAL, iommufd_veventq_read(NULL, ev, 1, &lost));
	assert_int_equal(0, lost);
	assert_errno(EINVAL, iommufd_veventq_read(q, NULL, 1, &lost));
	assert_errno(EINVAL, iommufd_veventq_read(q, ev, 0, &lost));
	assert_errno(EINVAL, iommufd_veventq_get_fd(NULL));
	assert_int_equal(0, iommufd_veventq_get_id(NULL));
	assert_null(iommufd_veventq_get_ctx(NULL));
	assert_int_equal(0, iommufd_veventq_get_lost(NULL));
	assert_errno(EINVAL, iommufd_veventq_destroy(NULL));

	/*
	 * A destroy the kernel refuses (here: no kernel at all) leaves the
	 * handle valid, its file closed.
	 */
	assert_errno(EBADF, iommufd_veventq_destroy(q));
	assert_errno(EBADF, iommufd_veventq_get_fd(q));
	assert_errno(EBADF, iommufd_veventq_read(q, ev, 1, &lost));
	assert_int_equal(7, iommufd_veventq_get_id(q));
	close(fds[1]);
	iommufd_ctx_close(ctx);
}

/* A fault handle over one end of a socket pair; the test plays the kernel on the other. */
static struct iommufd_fault *socket_fault(struct iommufd_ctx *ctx, int sv[2])
{
	struct iommufd_fault *fault = NULL;

	assert_int_equal(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	assert_int_equal(0, iommufd_fault_new(ctx, 3, sv[0], &fault));
	return fault;
}

static void test_fault_read_respond(void **state)
{
	struct iommufd_ctx *ctx = fake_ctx();
	struct iommu_hwpt_pgfault k[3] = {
		{ .flags = IOMMU_PGFAULT_FLAGS_PASID_VALID, .dev_id = 2, .pasid = 5, .grpid = 1,
		  .perm = IOMMU_PGFAULT_PERM_READ, .addr = 0x1000, .cookie = 9 },
		{ .flags = IOMMU_PGFAULT_FLAGS_PASID_VALID | IOMMU_PGFAULT_FLAGS_LAST_PAGE,
		  .dev_id = 2, .pasid = 5, .grpid = 1, .perm = IOMMU_PGFAULT_PERM_WRITE,
		  .addr = 0x2000, .cookie = 9 },
		{ .flags = IOMMU_PGFAULT_FLAGS_LAST_PAGE, .dev_id = 3, .grpid = 2,
		  .addr = UINT64_C(0xdeadbeef000), .cookie = 10 },
	};
	struct iommufd_fault_record rec[4];
	struct iommu_hwpt_page_response resp[2];
	struct iommufd_fault *fault;
	int sv[2];

	(void)state;
	fault = socket_fault(ctx, sv);
	assert_int_equal(3, iommufd_fault_get_id(fault));
	assert_int_equal(sv[0], iommufd_fault_get_fd(fault));
	assert_ptr_equal(ctx, iommufd_fault_get_ctx(fault));

	assert_int_equal(sizeof(k), write(sv[1], k, sizeof(k)));
	assert_int_equal(2, iommufd_fault_read(fault, rec, 2));
	assert_int_equal(IOMMUFD_FAULT_PASID_VALID, rec[0].flags);
	assert_int_equal(5, rec[0].pasid);
	assert_int_equal(IOMMUFD_FAULT_PERM_WRITE, rec[1].perm);
	assert_true(rec[1].flags & IOMMUFD_FAULT_LAST_PAGE);
	assert_true(rec[1].addr == 0x2000);
	assert_int_equal(1, iommufd_fault_read(fault, rec, 4));
	assert_true(rec[0].addr == UINT64_C(0xdeadbeef000));
	assert_int_equal(10, rec[0].cookie);

	assert_int_equal(0, iommufd_fault_respond(fault, 9, IOMMUFD_FAULT_RESPONSE_SUCCESS));
	assert_int_equal(0, iommufd_fault_respond(fault, 10, IOMMUFD_FAULT_RESPONSE_INVALID));
	assert_int_equal(sizeof(resp), read(sv[1], resp, sizeof(resp)));
	assert_int_equal(9, resp[0].cookie);
	assert_int_equal(IOMMUFD_PAGE_RESP_SUCCESS, resp[0].code);
	assert_int_equal(10, resp[1].cookie);
	assert_int_equal(IOMMUFD_PAGE_RESP_INVALID, resp[1].code);

	/* Empty and non-blocking: no records. */
	assert_int_equal(0, fcntl(sv[0], F_SETFL, O_NONBLOCK));
	assert_int_equal(0, iommufd_fault_read(fault, rec, 4));
	/* Half a record: not what a kernel gives. */
	assert_int_equal(20, write(sv[1], k, 20));
	assert_errno(EIO, iommufd_fault_read(fault, rec, 4));

	close(sv[1]);
	iommufd_ctx_close(ctx);
}

static void test_fault_args(void **state)
{
	struct iommufd_ctx *ctx = fake_ctx();
	struct iommufd_fault_record rec[1];
	struct iommufd_fault *fault;
	int sv[2];

	(void)state;
	fault = socket_fault(ctx, sv);
	assert_errno(EINVAL, iommufd_fault_read(NULL, rec, 1));
	assert_errno(EINVAL, iommufd_fault_read(fault, NULL, 1));
	assert_errno(EINVAL, iommufd_fault_read(fault, rec, 0));
	assert_errno(EINVAL, iommufd_fault_respond(NULL, 1, IOMMUFD_FAULT_RESPONSE_SUCCESS));
	assert_errno(EINVAL, iommufd_fault_respond(fault, 1, (enum iommufd_fault_response)2));
	assert_errno(EINVAL, iommufd_fault_get_fd(NULL));
	assert_int_equal(0, iommufd_fault_get_id(NULL));
	assert_null(iommufd_fault_get_ctx(NULL));
	assert_errno(EINVAL, iommufd_fault_destroy(NULL));

	/* A refused destroy: the file is closed, the handle stays, a retry is possible. */
	assert_errno(EBADF, iommufd_fault_destroy(fault));
	assert_errno(EBADF, iommufd_fault_get_fd(fault));
	assert_errno(EBADF, iommufd_fault_read(fault, rec, 1));
	assert_errno(EBADF, iommufd_fault_respond(fault, 1, IOMMUFD_FAULT_RESPONSE_SUCCESS));
	assert_errno(EBADF, iommufd_fault_destroy(fault));
	close(sv[1]);
	iommufd_ctx_close(ctx);
}

#define CONC_EVENTS 20000
#define CONC_START (SEQ_MAX - 5000) /* the numbers wrap half way */

struct conc {
	struct iommufd_veventq *q;
	int wfd;
	uint64_t expected_lost;
	uint32_t delivered;
};

struct reader {
	struct conc *c;
	uint64_t events, lost, lost_before;
	int err;
};

/* Plays the kernel: events in order, every seventh dropped, written one at a time. */
static void *conc_writer(void *arg)
{
	struct conc *c = arg;
	uint32_t i;

	for (i = 0; i < CONC_EVENTS; i++) {
		uint32_t seq = (CONC_START + i) & SEQ_MAX;
		struct vbuf v = { .len = 0 };

		/* The last one is always delivered, so every loss is seen as a gap. */
		if (i % 7 == 3 && i != CONC_EVENTS - 1) {
			c->expected_lost++;
			continue;
		}
		vbuf_event(&v, seq, i);
		if (write(c->wfd, v.b, v.len) != (ssize_t)v.len)
			abort();
		c->delivered++;
	}
	close(c->wfd);
	return NULL;
}

static void *conc_reader(void *arg)
{
	struct reader *r = arg;
	struct iommufd_vevent ev[5];
	uint64_t lost;
	int n, i;

	/* The pipe blocks: a read of 0 is the writer's end. */
	while ((n = iommufd_veventq_read(r->c->q, ev, 5, &lost)) > 0) {
		r->events += (uint64_t)n;
		r->lost += lost;
		for (i = 0; i < n; i++)
			r->lost_before += ev[i].lost_before;
	}
	r->err = n;
	return NULL;
}

/* Two threads read one handle while the "kernel" writes: the accounting stays exact. */
static void test_veventq_concurrent_readers(void **state)
{
	struct iommufd_ctx *ctx = fake_ctx();
	struct reader r[2] = { { .events = 0 }, { .events = 0 } };
	struct conc c = { .expected_lost = 0 };
	pthread_t w, t[2];
	int fds[2], i;

	(void)state;
	c.q = pipe_veventq(ctx, fds, 64 * SELFTEST_REC);
	c.wfd = fds[1];
	c.q->seq.last_seq = (CONC_START - 1) & SEQ_MAX;
	c.q->seq.last_event_seq = (CONC_START - 1) & SEQ_MAX;
	for (i = 0; i < 2; i++) {
		r[i].c = &c;
		assert_int_equal(0, pthread_create(&t[i], NULL, conc_reader, &r[i]));
	}
	assert_int_equal(0, pthread_create(&w, NULL, conc_writer, &c));
	assert_int_equal(0, pthread_join(w, NULL));
	for (i = 0; i < 2; i++)
		assert_int_equal(0, pthread_join(t[i], NULL));

	assert_int_equal(0, r[0].err);
	assert_int_equal(0, r[1].err);
	assert_int_equal(c.delivered, r[0].events + r[1].events);
	assert_int_equal(c.expected_lost, r[0].lost + r[1].lost);
	assert_int_equal(c.expected_lost, r[0].lost_before + r[1].lost_before);
	assert_int_equal(c.expected_lost, iommufd_veventq_get_lost(c.q));
	iommufd_ctx_close(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_in_order),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_lost_marker),
		cmocka_unit_test(test_parse_gap_without_marker),
		cmocka_unit_test(test_parse_across_reads),
		cmocka_unit_test(test_parse_first_events_lost),
		cmocka_unit_test(test_parse_wrap),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_decoders),
		cmocka_unit_test(test_veventq_read_pipe),
		cmocka_unit_test(test_veventq_read_buffer),
		cmocka_unit_test(test_veventq_caller_buffer),
		cmocka_unit_test(test_veventq_args),
		cmocka_unit_test(test_fault_read_respond),
		cmocka_unit_test(test_fault_args),
		cmocka_unit_test(test_veventq_concurrent_readers),
	};

	return cmocka_run_group_tests_name("lib-vevent", tests, NULL, NULL);
}
