/* SPDX-License-Identifier: MIT */
/*
 * internal-helpers.h - for the suites that test the library's internal logic
 * without a kernel (linked with the internal static library): a context
 * with no file behind it, to hang handles over stand-in fds (pipes, socket
 * pairs) on, and builders of the bytes a vEVENTQ file would give.
 */
#ifndef LIBIOMMUFD_TESTS_INTERNAL_HELPERS_H
#define LIBIOMMUFD_TESTS_INTERNAL_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "asserts.h"
#include "internal.h"

/* A context without a file (fd -1): its handles' ioctls fail with EBADF. */
static inline struct iommufd_ctx *fake_ctx(void)
{
	struct iommufd_ctx *ctx = calloc(1, sizeof(*ctx));

	assert_non_null(ctx);
	ctx->hdr.magic = IOMMUFD_CTX_MAGIC;
	ctx->fd = -1;
	ctx->owns_fd = false;
	assert_int_equal(0, pthread_mutex_init(&ctx->lock, NULL));
	ctx->objects.prev = &ctx->objects;
	ctx->objects.next = &ctx->objects;
	ctx->probed = true;
	return ctx;
}

/* What a vEVENTQ read returns, built up record by record. */
struct vbuf {
	unsigned char b[8192];
	size_t len;
};

static inline void vbuf_put(struct vbuf *v, const void *p, size_t len)
{
	assert_true(v->len + len <= sizeof(v->b));
	memcpy(v->b + v->len, p, len);
	v->len += len;
}

/* A selftest event (4-byte payload: the virt_id). */
static inline void vbuf_event(struct vbuf *v, uint32_t seq, uint32_t virt_id)
{
	struct iommufd_vevent_header hdr = { .flags = 0, .sequence = seq };

	vbuf_put(v, &hdr, sizeof(hdr));
	vbuf_put(v, &virt_id, sizeof(virt_id));
}

/* A lost-events marker carrying the number of the latest dropped event. */
static inline void vbuf_lost(struct vbuf *v, uint32_t seq)
{
	struct iommufd_vevent_header hdr = {
		.flags = IOMMU_VEVENTQ_FLAG_LOST_EVENTS,
		.sequence = seq,
	};

	vbuf_put(v, &hdr, sizeof(hdr));
}

/* The size of one selftest event record: header and payload. */
#define SELFTEST_REC (sizeof(struct iommufd_vevent_header) + sizeof(uint32_t))

#endif /* LIBIOMMUFD_TESTS_INTERNAL_HELPERS_H */
