// SPDX-License-Identifier: MIT
/*
 * veventq.c - vEVENTQ handles: IOMMU_VEVENTQ_ALLOC, the serialised reads of
 * the queue's file, the parser of what the kernel writes there (headers,
 * payloads, lost-events markers) with the sequence-number accounting of
 * dropped events, and the decoders of the typed payloads.
 */
#include <endian.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define SAME_VALUE(lib, kernel) _Static_assert((int)(lib) == (int)(kernel), #lib)
SAME_VALUE(IOMMUFD_VEVENTQ_TYPE_ARM_SMMUV3, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3);
SAME_VALUE(IOMMUFD_VEVENTQ_TYPE_TEGRA241_CMDQV, IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV);
_Static_assert(sizeof(struct iommufd_vevent_header) == 8, "vEVENT header size");
_Static_assert(sizeof(struct iommu_vevent_arm_smmuv3) <= IOMMUFD_VEVENT_DATA_MAX, "payload");
_Static_assert(sizeof(struct iommu_vevent_tegra241_cmdqv) <= IOMMUFD_VEVENT_DATA_MAX, "payload");

/* Sequence numbers count modulo 2^31. */
#define SEQ_MASK 0x7fffffffu

/* Events per read of the handle's buffer when the caller does not size it. */
#define READ_BUFFER_EVENTS 64

uint32_t iommufd_vevent_type_size(uint32_t type)
{
	switch (type) {
	case IOMMU_VEVENTQ_TYPE_ARM_SMMUV3:
		return sizeof(struct iommu_vevent_arm_smmuv3);
	case IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV:
		return sizeof(struct iommu_vevent_tegra241_cmdqv);
	case IOMMUFD_VEVENTQ_TYPE_SELFTEST:
		/* The selftest's layout, which the public struct repeats (checked by the tests). */
		return sizeof(struct iommufd_vevent_selftest);
	default:
		return 0;
	}
}

void iommufd_vevent_seq_init(struct iommufd_vevent_seq *seq)
{
	seq->last_seq = SEQ_MASK;
	seq->last_event_seq = SEQ_MASK;
	seq->lost_total = 0;
}

/*
 * The kernel numbers every event it is given, queued or dropped. A dropped
 * event's number shows up either as the sequence of a lost-events marker
 * (which carries the number of the latest dropped event) or only as a gap
 * before the next delivered event (the kernel withdraws a trailing marker
 * when an event is queued after it). So a marker accounts for the numbers
 * since the last one consumed, itself included, and an event for those
 * strictly between.
 */
int iommufd_vevent_parse(struct iommufd_vevent_seq *seq, uint32_t type, uint32_t event_size,
			 const void *buf, size_t len, struct iommufd_vevent *events, size_t max,
			 uint64_t *lost)
{
	const unsigned char *p = buf;
	struct iommufd_vevent_seq s = *seq;
	uint64_t found = 0;
	size_t off = 0, n = 0;

	if (event_size > IOMMUFD_VEVENT_DATA_MAX)
		return -EIO;
	while (off < len) {
		struct iommufd_vevent_header hdr;
		struct iommufd_vevent *ev;

		if (len - off < sizeof(hdr))
			return -EIO;
		memcpy(&hdr, p + off, sizeof(hdr));
		off += sizeof(hdr);
		if (hdr.sequence > SEQ_MASK)
			return -EIO;
		if (hdr.flags & IOMMU_VEVENTQ_FLAG_LOST_EVENTS) {
			found += (hdr.sequence - s.last_seq) & SEQ_MASK;
			s.last_seq = hdr.sequence;
			continue;
		}
		if (len - off < event_size || n == max)
			return -EIO;
		ev = &events[n++];
		memset(ev, 0, sizeof(*ev));
		ev->sequence = hdr.sequence;
		ev->lost_before = (hdr.sequence - s.last_event_seq - 1) & SEQ_MASK;
		ev->type = type;
		ev->data_len = event_size;
		memcpy(ev->data, p + off, event_size);
		off += event_size;
		found += (hdr.sequence - s.last_seq - 1) & SEQ_MASK;
		s.last_seq = hdr.sequence;
		s.last_event_seq = hdr.sequence;
	}
	s.lost_total += found;
	*seq = s;
	if (lost)
		*lost = found;
	return (int)n;
}

static void veventq_release(struct iommufd_obj *obj)
{
	struct iommufd_veventq *veventq = (struct iommufd_veventq *)obj;

	if (veventq->fd >= 0)
		close(veventq->fd);
	pthread_mutex_destroy(&veventq->lock);
	if (veventq->owns_buf)
		free(veventq->buf);
	iommufd_obj_free(&veventq->obj);
}

int iommufd_veventq_new(struct iommufd_ctx *ctx, uint32_t id, int fd, uint32_t type,
			uint32_t event_size, void *buf, size_t buf_size,
			struct iommufd_veventq **out)
{
	struct iommufd_veventq *veventq = calloc(1, sizeof(*veventq));

	if (!veventq)
		return -ENOMEM;
	veventq->owns_buf = !buf;
	veventq->buf = buf ? buf : malloc(buf_size);
	if (!veventq->buf || pthread_mutex_init(&veventq->lock, NULL)) {
		if (veventq->owns_buf)
			free(veventq->buf);
		free(veventq);
		return -ENOMEM;
	}
	veventq->fd = fd;
	veventq->type = type;
	veventq->event_size = event_size;
	veventq->buf_size = buf_size;
	iommufd_vevent_seq_init(&veventq->seq);
	iommufd_obj_add(ctx, &veventq->obj, IOMMUFD_OBJ_VEVENTQ, id, veventq_release);
	*out = veventq;
	return 0;
}

LIBIOMMUFD_API int iommufd_veventq_alloc(struct iommufd_viommu *viommu, uint32_t type,
					 uint32_t depth,
					 const struct iommufd_veventq_alloc_opts *uopts,
					 struct iommufd_veventq **out)
{
	IOMMUFD_CHECK(viommu, IOMMUFD_OBJ_VIOMMU);
	struct iommufd_veventq_alloc_opts opts;
	struct iommu_veventq_alloc cmd = {
		.size = sizeof(cmd),
		.type = type,
		.veventq_depth = depth,
	};
	uint32_t event_size;
	size_t rec, buf_size;
	int ret;

	ret = IOMMUFD_OPTS_LOAD(&opts, uopts, read_buffer);
	if (ret)
		return iommufd_ret(ret);
	if (!viommu)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!viommu"));
	if (!out)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!out"));
	if (!depth)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!depth"));
	/* The kernel has no default vEVENTQ type. */
	if (opts.flags || type == IOMMU_VEVENTQ_TYPE_DEFAULT)
		return iommufd_ret(-EOPNOTSUPP);
	event_size = opts.event_size ? opts.event_size : iommufd_vevent_type_size(type);
	if (!event_size)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!event_size"));
	if (event_size > IOMMUFD_VEVENT_DATA_MAX)
		return iommufd_ret(iommufd_arg_error(-EINVAL,
						     "event_size > IOMMUFD_VEVENT_DATA_MAX"));
	rec = sizeof(struct iommufd_vevent_header) + event_size;
	if (opts.read_buffer && !opts.read_buffer_size)
		return iommufd_ret(iommufd_arg_error(-EINVAL,
						     "opts.read_buffer && !opts.read_buffer_size"));
	buf_size = opts.read_buffer_size ? opts.read_buffer_size : READ_BUFFER_EVENTS * rec;
	if (buf_size < rec)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "buf_size < rec"));

	cmd.viommu_id = viommu->obj.id;
	ret = (int)iommufd_ioctl(viommu->obj.ctx, IOMMU_VEVENTQ_ALLOC, &cmd);
	if (ret)
		return iommufd_ret(ret);
	ret = iommufd_veventq_new(viommu->obj.ctx, cmd.out_veventq_id, (int)cmd.out_veventq_fd,
				  type, event_size, opts.read_buffer, buf_size, out);
	if (ret) {
		close((int)cmd.out_veventq_fd);
		iommufd_destroy_id(viommu->obj.ctx, cmd.out_veventq_id);
	}
	return iommufd_ret(ret);
}

LIBIOMMUFD_API int iommufd_veventq_destroy(struct iommufd_veventq *veventq)
{
	IOMMUFD_CHECK(veventq, IOMMUFD_OBJ_VEVENTQ);
	int ret;

	if (!veventq)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!veventq"));
	/* The file holds a reference on the object: close it first. */
	if (veventq->fd >= 0) {
		close(veventq->fd);
		veventq->fd = -1;
	}
	ret = iommufd_destroy_id(veventq->obj.ctx, veventq->obj.id);
	if (ret)
		return iommufd_ret(ret);
	iommufd_obj_del(&veventq->obj);
	veventq_release(&veventq->obj);
	return 0;
}

LIBIOMMUFD_API uint32_t iommufd_veventq_get_id(const struct iommufd_veventq *veventq)
{
	IOMMUFD_CHECK(veventq, IOMMUFD_OBJ_VEVENTQ);
	return veventq ? veventq->obj.id : 0;
}

LIBIOMMUFD_API struct iommufd_ctx *iommufd_veventq_get_ctx(const struct iommufd_veventq *veventq)
{
	IOMMUFD_CHECK(veventq, IOMMUFD_OBJ_VEVENTQ);
	return veventq ? veventq->obj.ctx : NULL;
}

LIBIOMMUFD_API int iommufd_veventq_get_fd(const struct iommufd_veventq *veventq)
{
	IOMMUFD_CHECK(veventq, IOMMUFD_OBJ_VEVENTQ);
	if (!veventq)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!veventq"));
	if (veventq->fd < 0)
		return iommufd_ret(-EBADF);
	return veventq->fd;
}

LIBIOMMUFD_API int iommufd_veventq_read(struct iommufd_veventq *veventq,
					struct iommufd_vevent *events, size_t max,
					uint64_t *lost)
{
	IOMMUFD_CHECK(veventq, IOMMUFD_OBJ_VEVENTQ);
	size_t rec, fit;
	ssize_t n;
	int ret;

	if (lost)
		*lost = 0;
	if (!veventq)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!veventq"));
	if (!events)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!events"));
	if (!max)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!max"));
	if (max > INT_MAX)
		max = INT_MAX;
	/*
	 * Ask for whole events only, no more than @max: markers take less room
	 * than events, so the kernel cannot return more events than that.
	 */
	rec = sizeof(struct iommufd_vevent_header) + veventq->event_size;
	fit = veventq->buf_size / rec;
	if (fit > max)
		fit = max;

	/* Read and parse under one lock: the accounting needs the kernel's order. */
	pthread_mutex_lock(&veventq->lock);
	if (veventq->fd < 0) {
		ret = -EBADF;
	} else {
		n = read(veventq->fd, veventq->buf, fit * rec);
		if (n < 0)
			ret = (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
		else
			ret = iommufd_vevent_parse(&veventq->seq, veventq->type,
						   veventq->event_size, veventq->buf, (size_t)n,
						   events, fit, lost);
	}
	pthread_mutex_unlock(&veventq->lock);
	return iommufd_ret(ret);
}

LIBIOMMUFD_API uint64_t iommufd_veventq_get_lost(struct iommufd_veventq *veventq)
{
	IOMMUFD_CHECK(veventq, IOMMUFD_OBJ_VEVENTQ);
	uint64_t lost;

	if (!veventq)
		return 0;
	pthread_mutex_lock(&veventq->lock);
	lost = veventq->seq.lost_total;
	pthread_mutex_unlock(&veventq->lock);
	return lost;
}

/* The payload of @event if it is of @type and at least @len bytes; NULL otherwise. */
static const void *vevent_payload(const struct iommufd_vevent *event, uint32_t type, size_t len)
{
	if (!event || event->type != type || event->data_len < len ||
	    event->data_len > IOMMUFD_VEVENT_DATA_MAX)
		return NULL;
	return event->data;
}

LIBIOMMUFD_API int iommufd_vevent_decode_arm_smmuv3(const struct iommufd_vevent *event,
					     struct iommufd_vevent_arm_smmuv3 *out)
{
	const void *data = vevent_payload(event, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
					  sizeof(struct iommu_vevent_arm_smmuv3));
	struct iommu_vevent_arm_smmuv3 k;
	size_t i;

	if (!data)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!data"));
	if (!out)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!out"));
	memcpy(&k, data, sizeof(k));
	for (i = 0; i < ARRAY_SIZE(k.evt); i++)
		out->evt[i] = le64toh(k.evt[i]);
	return 0;
}

LIBIOMMUFD_API int iommufd_vevent_decode_tegra241_cmdqv(const struct iommufd_vevent *event,
						 struct iommufd_vevent_tegra241_cmdqv *out)
{
	const void *data = vevent_payload(event, IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV,
					  sizeof(struct iommu_vevent_tegra241_cmdqv));
	struct iommu_vevent_tegra241_cmdqv k;
	size_t i;

	if (!data)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!data"));
	if (!out)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!out"));
	memcpy(&k, data, sizeof(k));
	for (i = 0; i < ARRAY_SIZE(k.lvcmdq_err_map); i++)
		out->lvcmdq_err_map[i] = le64toh(k.lvcmdq_err_map[i]);
	return 0;
}

LIBIOMMUFD_API int iommufd_vevent_decode_selftest(const struct iommufd_vevent *event,
					   struct iommufd_vevent_selftest *out)
{
	const void *data = vevent_payload(event, IOMMUFD_VEVENTQ_TYPE_SELFTEST,
					  sizeof(struct iommufd_vevent_selftest));

	if (!data)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!data"));
	if (!out)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!out"));
	memcpy(out, data, sizeof(*out));
	return 0;
}
