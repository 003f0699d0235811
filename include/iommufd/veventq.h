/* SPDX-License-Identifier: MIT */
/*
 * iommufd/veventq.h - virtual event queues of a vIOMMU: the file the kernel
 * reports a guest's IOMMU events through, the reads with exact accounting of
 * the events the kernel had to drop, and the decoders of the typed payloads.
 */
#ifndef IOMMUFD_VEVENTQ_H
#define IOMMUFD_VEVENTQ_H

#include <stddef.h>
#include <stdint.h>

#include <iommufd/common.h>
#include <iommufd/ctx.h>
#include <iommufd/viommu.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup veventq Virtual event queues (vEVENTQ)
 *
 * A vEVENTQ (IOMMU_VEVENTQ_ALLOC, Linux 6.15) carries the events of one type
 * that a vIOMMU raises for the guest (e.g. ARM SMMUv3 event records of a
 * stage-1 fault, already carrying the guest's stream id). The kernel queues
 * at most `depth` events; the ones that arrive while the queue is full are
 * dropped. Every event, delivered or dropped, takes the next number of a
 * 31-bit sequence (wrapping from 2^31 - 1 to 0), and the kernel tells of
 * dropped ones with a "lost events" marker. iommufd_veventq_read() turns
 * this into counts: each event says how many were lost just before it,
 * each read says how many it found lost, and the handle keeps the total.
 * The counts are exact as long as fewer than 2^31 events are lost between
 * two reads.
 *
 * The queue's file is readable while events are pending: wait on
 * iommufd_veventq_get_fd() with poll(2)/epoll(7), or use @ref event_loop.
 * Reads never block: an empty queue reads as 0 events.
 *
 * Thread safety: several threads may read one handle; the handle serialises
 * the reads so the accounting sees the events in the kernel's order. Read
 * the file only through the handle. Destroy must be the last call.
 *
 * @{
 */

/** A virtual event queue of a vIOMMU (opaque). */
struct iommufd_veventq;

/** vEVENTQ types (the kernel's values); drivers may define more. */
enum iommufd_veventq_type {
	/** ARM SMMUv3 event records (32 bytes): see iommufd_vevent_decode_arm_smmuv3(). */
	IOMMUFD_VEVENTQ_TYPE_ARM_SMMUV3 = 1,
	/** Tegra241 CMDQV error maps (16 bytes): see iommufd_vevent_decode_tegra241_cmdqv(). */
	IOMMUFD_VEVENTQ_TYPE_TEGRA241_CMDQV = 2,
};

/** The vEVENTQ type of the kernel's selftest driver (4 bytes): see iommufd_vevent_decode_selftest(). */
#define IOMMUFD_VEVENTQ_TYPE_SELFTEST 0xbeefbeefu

/** The largest event payload iommufd_vevent::data holds, in bytes. */
#define IOMMUFD_VEVENT_DATA_MAX 64

/** Options of iommufd_veventq_alloc(); declare with @ref IOMMUFD_OPTS. */
struct iommufd_veventq_alloc_opts {
	/** Size of this struct as the caller knows it: sizeof(struct iommufd_veventq_alloc_opts) */
	size_t sz;
	/** Flags for the kernel; none are defined, must be 0. */
	uint32_t flags;
	/**
	 * The payload size of one event, in bytes (1 to
	 * IOMMUFD_VEVENT_DATA_MAX). 0 means the size of the known types
	 * (ARM SMMUv3, Tegra241 CMDQV, selftest); required for other types.
	 */
	uint32_t event_size;
	/**
	 * The size in bytes of the buffer the handle reads the file into. 0
	 * means room for 64 events (not allowed with read_buffer). A read
	 * returns at most the events that fit.
	 */
	size_t read_buffer_size;
	/**
	 * A buffer of read_buffer_size bytes for the handle to read into, which
	 * the caller keeps valid and unused until the handle is destroyed (and
	 * frees after); NULL lets the handle allocate its own.
	 */
	void *read_buffer;
};

/** One event read from a vEVENTQ. */
struct iommufd_vevent {
	/** The kernel's sequence number of the event (0 to 2^31 - 1, wrapping). */
	uint32_t sequence;
	/**
	 * How many events the kernel dropped between the event read before
	 * this one from the same queue (through any read) and this one.
	 */
	uint32_t lost_before;
	/** The queue's type. */
	uint32_t type;
	/** Length of the payload in iommufd_vevent::data, in bytes. */
	uint32_t data_len;
	/**
	 * The payload as the kernel wrote it (its layout and byte order for the
	 * type), starting at an offset aligned to 8 bytes; copy it out (memcpy)
	 * or decode it with iommufd_vevent_decode_arm_smmuv3() and its siblings.
	 */
	uint8_t data[IOMMUFD_VEVENT_DATA_MAX];
};

/**
 * Allocates a vEVENTQ on a vIOMMU (at most one per type). The kernel creates
 * the queue's file close-on-exec; the handle owns that fd and closes it in
 * iommufd_veventq_destroy() (or iommufd_ctx_close()).
 *
 * @param viommu the vIOMMU
 * @param type   the type (enum iommufd_veventq_type or a driver's value)
 * @param depth  the most events the kernel queues (1 to 2^19)
 * @param opts   NULL or options
 * @param[out] out the new vEVENTQ
 * @return 0, or a negative errno: -EINVAL (NULL arguments, @p depth 0, no
 *         event size for an unknown type, an event size above
 *         IOMMUFD_VEVENT_DATA_MAX, a read buffer smaller than one event or
 *         given without its size;
 *         from the kernel: depth too large), -EOPNOTSUPP (flags; from the
 *         kernel: type 0), -EEXIST (the vIOMMU has a queue of that type),
 *         -E2BIG (unknown options), -ENOENT (no such vIOMMU), -ENOTTY (kernel
 *         older than 6.15), -EMFILE, -ENOMEM
 */
LIBIOMMUFD_API int iommufd_veventq_alloc(struct iommufd_viommu *viommu, uint32_t type,
					 uint32_t depth,
					 const struct iommufd_veventq_alloc_opts *opts,
					 struct iommufd_veventq **out);

/**
 * Closes the queue's file, then destroys the queue in the kernel
 * (IOMMU_DESTROY; the open file holds the object), and frees the handle. On
 * failure the handle stays valid, its file already closed.
 *
 * @param veventq the vEVENTQ
 * @return 0, or a negative errno: -EINVAL (NULL @p veventq), -EBUSY (a copy
 *         of the fd still holds the queue)
 */
LIBIOMMUFD_API int iommufd_veventq_destroy(struct iommufd_veventq *veventq);

/**
 * The kernel id of a vEVENTQ.
 *
 * @param veventq the vEVENTQ
 * @return the id, or 0 (never a valid id) for a NULL @p veventq
 */
LIBIOMMUFD_API uint32_t iommufd_veventq_get_id(const struct iommufd_veventq *veventq);

/**
 * The context a vEVENTQ belongs to.
 *
 * @param veventq the vEVENTQ
 * @return the context, or NULL for a NULL @p veventq
 */
LIBIOMMUFD_API struct iommufd_ctx *iommufd_veventq_get_ctx(const struct iommufd_veventq *veventq);

/**
 * The queue's file descriptor, to wait on (readable: events are pending). It
 * stays owned by the handle: do not close or read it.
 *
 * @param veventq the vEVENTQ
 * @return the fd, or a negative errno: -EINVAL (NULL @p veventq), -EBADF
 *         (closed by a failed iommufd_veventq_destroy())
 */
LIBIOMMUFD_API int iommufd_veventq_get_fd(const struct iommufd_veventq *veventq);

/**
 * Reads pending events, at most @p max (and at most what the handle's read
 * buffer holds), in the kernel's order, and accounts for the ones the
 * kernel dropped.
 *
 * @param veventq the vEVENTQ
 * @param[out] events the events
 * @param max     the size of @p events
 * @param[out] lost NULL, or the number of dropped events this read found
 *             out about (those before each event, iommufd_vevent::lost_before,
 *             plus those the kernel reported after the last event read)
 * @return the number of events read (0: none pending, though @p lost may
 *         be non-zero), or a negative errno: -EINVAL (NULL arguments, @p max
 *         0), -EBADF (file closed), -EIO (the kernel's data does not parse
 *         with the queue's event size), -EFAULT, -ENOMEM
 */
LIBIOMMUFD_API int iommufd_veventq_read(struct iommufd_veventq *veventq,
					struct iommufd_vevent *events, size_t max,
					uint64_t *lost);

/**
 * The total number of events the kernel dropped that reads of this handle
 * found out about.
 *
 * @param veventq the vEVENTQ
 * @return the count; 0 for a NULL @p veventq
 */
LIBIOMMUFD_API uint64_t iommufd_veventq_get_lost(struct iommufd_veventq *veventq);

/** An ARM SMMUv3 event record (IOMMUFD_VEVENTQ_TYPE_ARM_SMMUV3), in CPU byte order. */
struct iommufd_vevent_arm_smmuv3 {
	/** The four 64-bit words of the record; the stream id is the guest's. */
	uint64_t evt[4];
};

/** A Tegra241 CMDQV error report (IOMMUFD_VEVENTQ_TYPE_TEGRA241_CMDQV), in CPU byte order. */
struct iommufd_vevent_tegra241_cmdqv {
	/** Bit i set: the VINTF's logical command queue i hit an error. */
	uint64_t lvcmdq_err_map[2];
};

/** An event of the selftest driver (IOMMUFD_VEVENTQ_TYPE_SELFTEST). */
struct iommufd_vevent_selftest {
	/** The virtual id of the vDEVICE the test raised the event for. */
	uint32_t virt_id;
};

/**
 * Decodes an ARM SMMUv3 event.
 *
 * @param event an event of a queue of that type
 * @param[out] out the record
 * @return 0, or -EINVAL (NULL arguments, another type or a short payload)
 */
LIBIOMMUFD_API int iommufd_vevent_decode_arm_smmuv3(const struct iommufd_vevent *event,
					     struct iommufd_vevent_arm_smmuv3 *out);

/**
 * Decodes a Tegra241 CMDQV event.
 *
 * @param event an event of a queue of that type
 * @param[out] out the error maps
 * @return 0, or -EINVAL (NULL arguments, another type or a short payload)
 */
LIBIOMMUFD_API int iommufd_vevent_decode_tegra241_cmdqv(const struct iommufd_vevent *event,
						 struct iommufd_vevent_tegra241_cmdqv *out);

/**
 * Decodes a selftest event.
 *
 * @param event an event of a queue of that type
 * @param[out] out the event
 * @return 0, or -EINVAL (NULL arguments, another type or a short payload)
 */
LIBIOMMUFD_API int iommufd_vevent_decode_selftest(const struct iommufd_vevent *event,
					   struct iommufd_vevent_selftest *out);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_VEVENTQ_H */
