// SPDX-License-Identifier: MIT
/*
 * fuzz-lib-parse.c - libFuzzer harness of every library function that
 * decodes what a kernel hands back: the vEVENT stream parser with its
 * lost-event accounting and the payload decoders, the fault record reader
 * and the vEVENTQ reader over stand-in files (a socket pair and a pipe fed
 * the fuzzed bytes), and the GET_HW_INFO data decoders. Linked with the
 * library's internal static library to reach the parser and the handle
 * constructors. The first input byte picks the subject.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t vevent_types[] = {
	IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV,
	IOMMUFD_VEVENTQ_TYPE_SELFTEST, IOMMU_VEVENTQ_TYPE_DEFAULT, 0x55,
};

/* A context without a file, to hang handles over stand-in fds on (as the lib tests do). */
static struct iommufd_ctx *fake_ctx(void)
{
	struct iommufd_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->fd = -1;
	pthread_mutex_init(&ctx->lock, NULL);
	ctx->objects.prev = &ctx->objects;
	ctx->objects.next = &ctx->objects;
	ctx->probed = true;
	return ctx;
}

static void decode_all(const struct iommufd_vevent *ev, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct iommufd_vevent_arm_smmuv3 a;
		struct iommufd_vevent_tegra241_cmdqv t;
		struct iommufd_vevent_selftest s;

		if (ev[i].data_len > IOMMUFD_VEVENT_DATA_MAX || ev[i].sequence > 0x7fffffffu)
			abort();
		iommufd_vevent_decode_arm_smmuv3(&ev[i], &a);
		iommufd_vevent_decode_tegra241_cmdqv(&ev[i], &t);
		iommufd_vevent_decode_selftest(&ev[i], &s);
	}
}

static void fuzz_vevent_parse(struct cursor *c)
{
	struct iommufd_vevent_seq seq;
	struct iommufd_vevent ev[32];
	uint32_t type = vevent_types[cur_u8(c) % 5];
	uint32_t esize = cur_u8(c) % (IOMMUFD_VEVENT_DATA_MAX + 9);
	size_t max = cur_u8(c) % 33;
	uint64_t lost, before;
	int n, round;

	if (type != 0x55 && (cur_u8(c) & 1) && iommufd_vevent_type_size(type))
		esize = iommufd_vevent_type_size(type);
	iommufd_vevent_seq_init(&seq);
	if (cur_u8(c) & 1) {
		seq.last_seq = cur_u32(c) & 0x7fffffffu;
		seq.last_event_seq = cur_u32(c) & 0x7fffffffu;
	}
	/* Several reads in a row share the accounting. */
	for (round = 0; round < 4 && c->left; round++) {
		size_t len = cur_u16(c) % 1024;
		uint8_t *buf = malloc(len ? len : 1);

		if (!buf)
			return;
		cur_bytes(c, buf, len);
		before = seq.lost_total;
		n = iommufd_vevent_parse(&seq, type, esize, buf, len, ev, max, &lost);
		if (n > (int)max)
			abort();
		if (n >= 0) {
			if (seq.lost_total != before + lost)
				abort();
			decode_all(ev, n);
		}
		free(buf);
	}
}

static void fuzz_hw_info(struct cursor *c)
{
	struct iommufd_hw_info info = { 0 };
	uint8_t data[128];
	uint32_t data_len = cur_u8(c) % (sizeof(data) + 1);
	struct iommufd_hw_info_vtd vtd;
	struct iommufd_hw_info_arm_smmuv3 smmu;
	struct iommufd_hw_info_tegra241_cmdqv tegra;
	struct iommufd_hw_info_amd amd;
	uint8_t *heap;

	info.data_type = cur_u8(c) % 6;
	info.data_len = cur_u32(c);
	if (cur_u8(c) & 1)
		info.data_len %= 128;
	cur_bytes(c, data, sizeof(data));
	/* the buffer on the heap at its exact size, so ASan sees an over-read */
	heap = malloc(data_len ? data_len : 1);
	if (!heap)
		return;
	memcpy(heap, data, data_len);
	iommufd_hw_info_decode_vtd(&info, heap, data_len, &vtd);
	iommufd_hw_info_decode_arm_smmuv3(&info, heap, data_len, &smmu);
	iommufd_hw_info_decode_tegra241_cmdqv(&info, heap, data_len, &tegra);
	iommufd_hw_info_decode_amd(&info, heap, data_len, &amd);
	free(heap);
}

/* The fault reader over a socket pair: whatever bytes a "kernel" writes. */
static void fuzz_fault_read(struct cursor *c)
{
	struct iommufd_ctx *ctx = fake_ctx();
	struct iommufd_fault *fault;
	struct iommufd_fault_record rec[8];
	int sv[2];
	int round;

	if (!ctx)
		return;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv)) {
		free(ctx);
		return;
	}
	if (iommufd_fault_new(ctx, 3, sv[0], &fault)) {
		close(sv[0]);
		goto out;
	}
	for (round = 0; round < 8 && c->left; round++) {
		size_t len = cur_u16(c) % 512;
		size_t max = 1 + cur_u8(c) % 8;
		uint8_t buf[512];
		int n;

		cur_bytes(c, buf, len);
		if (write(sv[1], buf, len) < 0)
			break;
		n = iommufd_fault_read(fault, rec, max);
		if (n > (int)max)
			abort();
		if (cur_u8(c) & 1)
			iommufd_fault_respond(fault, cur_u32(c), (enum iommufd_fault_response)(cur_u8(c) % 3));
	}
	/* the kernel refuses nothing here: ctx fd -1 makes the destroy fail, then free by hand */
	if (iommufd_fault_destroy(fault))
		fault->obj.release(&fault->obj);
out:
	close(sv[1]);
	free(ctx);
}

/* The vEVENTQ reader over a pipe. */
static void fuzz_veventq_read(struct cursor *c)
{
	struct iommufd_ctx *ctx = fake_ctx();
	struct iommufd_veventq *q;
	struct iommufd_vevent ev[16];
	uint32_t type = vevent_types[cur_u8(c) % 3];
	uint32_t esize = iommufd_vevent_type_size(type);
	size_t buf_size = 8 + cur_u16(c) % 1024;
	int fds[2];
	int round;

	if (!ctx)
		return;
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK)) {
		free(ctx);
		return;
	}
	if (iommufd_veventq_new(ctx, 5, fds[0], type, esize, NULL, buf_size, &q)) {
		close(fds[0]);
		goto out;
	}
	for (round = 0; round < 8 && c->left; round++) {
		size_t len = cur_u16(c) % 1024;
		size_t max = 1 + cur_u8(c) % 16;
		uint8_t buf[1024];
		uint64_t lost;
		int n;

		cur_bytes(c, buf, len);
		if (len && write(fds[1], buf, len) < 0)
			break;
		n = iommufd_veventq_read(q, ev, max, &lost);
		if (n > (int)max)
			abort();
		if (n > 0)
			decode_all(ev, n);
		iommufd_veventq_get_lost(q);
	}
	if (iommufd_veventq_destroy(q))
		q->obj.release(&q->obj);
out:
	close(fds[1]);
	free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = { data, size };

	switch (cur_u8(&c) % 4) {
	case 0:
		fuzz_vevent_parse(&c);
		break;
	case 1:
		fuzz_hw_info(&c);
		break;
	case 2:
		fuzz_fault_read(&c);
		break;
	case 3:
		fuzz_veventq_read(&c);
		break;
	}
	return 0;
}
