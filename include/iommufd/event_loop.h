/* SPDX-License-Identifier: MIT */
/*
 * iommufd/event_loop.h - a small poll(2) loop over fault queues and vEVENTQs
 * for the IOMMU thread of a VMM: wait on all of them, read what arrives,
 * hand it to per-queue callbacks, stop on request from another thread.
 */
#ifndef IOMMUFD_EVENT_LOOP_H
#define IOMMUFD_EVENT_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include <iommufd/common.h>
#include <iommufd/fault.h>
#include <iommufd/veventq.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup event_loop Event loop
 *
 * An event loop holds fault queues (@ref fault) and vEVENTQs (@ref veventq),
 * each with a callback. iommufd_event_loop_wait() polls all their files at
 * once and, for each readable one, reads one batch and passes it to the
 * queue's callback; iommufd_event_loop_run() does that until
 * iommufd_event_loop_stop(). Programs with their own main loop do not need
 * it: they poll the queues' fds themselves.
 *
 * Thread safety: a loop belongs to one thread at a time, which makes every
 * call but iommufd_event_loop_wakeup() and iommufd_event_loop_stop(); those
 * two may be called from any thread (and from signal handlers) at any time
 * until iommufd_event_loop_destroy(). Callbacks run in the loop's thread and
 * may add and remove queues, respond to faults, stop the loop. A queue must
 * be removed from the loop before it is destroyed.
 *
 * @{
 */

/** A set of queues waited on together (opaque). */
struct iommufd_event_loop;

/**
 * Called with the faults read from a fault queue (whole groups). Respond to
 * each group with iommufd_fault_respond(), here or later.
 *
 * @param fault   the queue
 * @param records the faults, valid until the callback returns
 * @param n       the number of faults (at least 1)
 * @param priv    the pointer given with the queue
 * @return 0 to go on, or a negative errno to stop the wait, which returns it
 */
typedef int (*iommufd_fault_fn)(struct iommufd_fault *fault,
				const struct iommufd_fault_record *records, size_t n, void *priv);

/**
 * Called with the events read from a vEVENTQ.
 *
 * @param veventq the queue
 * @param events  the events, valid until the callback returns
 * @param n       the number of events (0 if the read only found lost ones)
 * @param lost    the events the read found dropped (see iommufd_veventq_read())
 * @param priv    the pointer given with the queue
 * @return 0 to go on, or a negative errno to stop the wait, which returns it
 */
typedef int (*iommufd_veventq_fn)(struct iommufd_veventq *veventq,
				  const struct iommufd_vevent *events, size_t n, uint64_t lost,
				  void *priv);

/** Options of iommufd_event_loop_create(); declare with @ref IOMMUFD_OPTS. */
struct iommufd_event_loop_opts {
	/** Size of this struct as the caller knows it: sizeof(struct iommufd_event_loop_opts). */
	size_t sz;
	/** The most faults or events one read passes to a callback; 0 means 64. */
	uint32_t batch;
	/** Reserved (names the tail padding, so that every byte is defined); must be 0. */
	uint32_t reserved;
};

/**
 * Creates an empty event loop (with an eventfd for wakeups).
 *
 * @param opts NULL or options
 * @param[out] out the new loop
 * @return 0, or a negative errno: -EINVAL (NULL @p out), -E2BIG (unknown
 *         options), -EMFILE, -ENOMEM
 */
LIBIOMMUFD_API int iommufd_event_loop_create(const struct iommufd_event_loop_opts *opts,
					     struct iommufd_event_loop **out);

/**
 * Frees a loop. The queues in it are not touched.
 *
 * @param loop the loop; NULL does nothing
 */
LIBIOMMUFD_API void iommufd_event_loop_destroy(struct iommufd_event_loop *loop);

/**
 * Adds a fault queue.
 *
 * @param loop  the loop
 * @param fault the queue
 * @param fn    its callback
 * @param priv  passed to @p fn
 * @return 0, or a negative errno: -EINVAL (NULL arguments), -EEXIST (already
 *         in the loop), -EBADF (the queue's file is closed), -ENOMEM
 */
LIBIOMMUFD_API int iommufd_event_loop_add_fault(struct iommufd_event_loop *loop,
						struct iommufd_fault *fault, iommufd_fault_fn fn,
						void *priv);

/**
 * Adds a vEVENTQ.
 *
 * @param loop    the loop
 * @param veventq the queue
 * @param fn      its callback
 * @param priv    passed to @p fn
 * @return as iommufd_event_loop_add_fault()
 */
LIBIOMMUFD_API int iommufd_event_loop_add_veventq(struct iommufd_event_loop *loop,
						  struct iommufd_veventq *veventq,
						  iommufd_veventq_fn fn, void *priv);

/**
 * Removes a fault queue; its callback is not called again.
 *
 * @param loop  the loop
 * @param fault the queue
 * @return 0, or a negative errno: -EINVAL (NULL arguments), -ENOENT (not in
 *         the loop)
 */
LIBIOMMUFD_API int iommufd_event_loop_remove_fault(struct iommufd_event_loop *loop,
						   struct iommufd_fault *fault);

/**
 * Removes a vEVENTQ; its callback is not called again.
 *
 * @param loop    the loop
 * @param veventq the queue
 * @return as iommufd_event_loop_remove_fault()
 */
LIBIOMMUFD_API int iommufd_event_loop_remove_veventq(struct iommufd_event_loop *loop,
						     struct iommufd_veventq *veventq);

/**
 * Waits until a queue is readable, a wakeup arrives or @p timeout_ms passes,
 * then reads one batch from every readable queue and calls their callbacks.
 *
 * @param loop       the loop
 * @param timeout_ms as poll(2): -1 waits without limit, 0 does not wait
 * @return the number of callbacks made (0: timeout or wakeup), or a negative
 *         errno: -EINVAL (NULL @p loop), -EINTR (a signal), a callback's
 *         negative result, the error of a read (the queue's callback is not
 *         called; the other queues are still served first)
 */
LIBIOMMUFD_API int iommufd_event_loop_wait(struct iommufd_event_loop *loop, int timeout_ms);

/**
 * Makes the current, or else the next, iommufd_event_loop_wait() return at
 * once. Async-signal-safe; any thread.
 *
 * @param loop the loop
 * @return 0, or a negative errno (-EINVAL for a NULL @p loop)
 */
LIBIOMMUFD_API int iommufd_event_loop_wakeup(struct iommufd_event_loop *loop);

/**
 * Waits and dispatches (as iommufd_event_loop_wait() without timeout) until
 * iommufd_event_loop_stop() is called or an error occurs. Signals do not
 * stop it.
 *
 * @param loop the loop
 * @return 0 when stopped, or the negative errno of a wait
 */
LIBIOMMUFD_API int iommufd_event_loop_run(struct iommufd_event_loop *loop);

/**
 * Asks iommufd_event_loop_run() to return, from any thread (or a callback, or
 * a signal handler). A stop requested before run() begins makes it return at
 * once; each run() consumes one request.
 *
 * @param loop the loop
 * @return 0, or a negative errno (-EINVAL for a NULL @p loop)
 */
LIBIOMMUFD_API int iommufd_event_loop_stop(struct iommufd_event_loop *loop);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_EVENT_LOOP_H */
