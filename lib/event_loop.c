// SPDX-License-Identifier: MIT
/*
 * event_loop.c - the poll(2) loop over fault queues and vEVENTQs: the set
 * of queues (safe to change from callbacks), one wait-and-dispatch round,
 * the run-until-stopped loop and the eventfd that wakes it from elsewhere.
 */
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_BATCH 64

enum source_kind {
	SOURCE_FAULT,
	SOURCE_VEVENTQ,
};

struct source {
	enum source_kind kind;
	/* NULL once removed; the slot is reclaimed after the dispatch round. */
	void *queue;
	iommufd_fault_fn fault_fn;
	iommufd_veventq_fn veventq_fn;
	void *priv;
};

struct iommufd_event_loop {
	struct iommufd_handle_hdr hdr; /* first: the handle check reads it */
	int efd;
	uint32_t batch;
	struct source *sources;
	size_t nr, cap;
	struct pollfd *pfds;
	size_t pfd_cap;
	struct iommufd_fault_record *records;
	struct iommufd_vevent *events;
	bool dispatching;
	/* Set by iommufd_event_loop_stop() from any thread, taken by run(). */
	atomic_int stop;
};

LIBIOMMUFD_API int iommufd_event_loop_create(const struct iommufd_event_loop_opts *uopts,
					     struct iommufd_event_loop **out)
{
	struct iommufd_event_loop_opts opts;
	struct iommufd_event_loop *loop;
	int ret;

	ret = IOMMUFD_OPTS_LOAD(&opts, uopts, batch);
	if (ret)
		return iommufd_ret(ret);
	if (!out)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!out"));
	loop = calloc(1, sizeof(*loop));
	if (!loop)
		return iommufd_ret(-ENOMEM);
	loop->batch = opts.batch ? opts.batch : DEFAULT_BATCH;
	loop->records = calloc(loop->batch, sizeof(*loop->records));
	loop->events = calloc(loop->batch, sizeof(*loop->events));
	if (!loop->records || !loop->events) {
		ret = -ENOMEM;
		goto err_free;
	}
	loop->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->efd < 0) {
		ret = -errno;
		goto err_free;
	}
	atomic_init(&loop->stop, 0);
	loop->hdr.magic = IOMMUFD_LOOP_MAGIC;
	*out = loop;
	return 0;

err_free:
	free(loop->records);
	free(loop->events);
	free(loop);
	return iommufd_ret(ret);
}

LIBIOMMUFD_API void iommufd_event_loop_destroy(struct iommufd_event_loop *loop)
{
	IOMMUFD_CHECK(loop, IOMMUFD_OBJ_LOOP);
	int saved_errno = errno;

	if (!loop)
		return;
	close(loop->efd);
	free(loop->sources);
	free(loop->pfds);
	free(loop->records);
	free(loop->events);
	loop->hdr.released_by = "iommufd_event_loop_destroy";
	iommufd_handle_free(loop, &loop->hdr.magic);
	errno = saved_errno;
}

static struct source *find_source(struct iommufd_event_loop *loop, const void *queue)
{
	size_t i;

	for (i = 0; i < loop->nr; i++) {
		if (loop->sources[i].queue == queue)
			return &loop->sources[i];
	}
	return NULL;
}

/* Drops the slots of removed queues; not while a dispatch round walks them. */
static void compact(struct iommufd_event_loop *loop)
{
	size_t i, j = 0;

	if (loop->dispatching)
		return;
	for (i = 0; i < loop->nr; i++) {
		if (loop->sources[i].queue)
			loop->sources[j++] = loop->sources[i];
	}
	loop->nr = j;
}

static int add_source(struct iommufd_event_loop *loop, const struct source *src)
{
	if (find_source(loop, src->queue))
		return -EEXIST;
	if (loop->nr == loop->cap) {
		size_t cap = loop->cap ? loop->cap * 2 : 8;
		struct source *s = realloc(loop->sources, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		loop->sources = s;
		loop->cap = cap;
	}
	loop->sources[loop->nr++] = *src;
	return 0;
}

LIBIOMMUFD_API int iommufd_event_loop_add_fault(struct iommufd_event_loop *loop,
						struct iommufd_fault *fault, iommufd_fault_fn fn,
						void *priv)
{
	IOMMUFD_CHECK(loop, IOMMUFD_OBJ_LOOP);
	IOMMUFD_CHECK(fault, IOMMUFD_OBJ_FAULT);
	struct source src = {
		.kind = SOURCE_FAULT,
		.queue = fault,
		.fault_fn = fn,
		.priv = priv,
	};

	if (!loop)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!loop"));
	if (!fault)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!fault"));
	if (!fn)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!fn"));
	if (fault->fd < 0)
		return iommufd_ret(-EBADF);
	return iommufd_ret(add_source(loop, &src));
}

LIBIOMMUFD_API int iommufd_event_loop_add_veventq(struct iommufd_event_loop *loop,
						  struct iommufd_veventq *veventq,
						  iommufd_veventq_fn fn, void *priv)
{
	IOMMUFD_CHECK(loop, IOMMUFD_OBJ_LOOP);
	IOMMUFD_CHECK(veventq, IOMMUFD_OBJ_VEVENTQ);
	struct source src = {
		.kind = SOURCE_VEVENTQ,
		.queue = veventq,
		.veventq_fn = fn,
		.priv = priv,
	};

	if (!loop)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!loop"));
	if (!veventq)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!veventq"));
	if (!fn)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!fn"));
	if (veventq->fd < 0)
		return iommufd_ret(-EBADF);
	return iommufd_ret(add_source(loop, &src));
}

static int remove_source(struct iommufd_event_loop *loop, const void *queue)
{
	struct source *src;

	if (!loop)
		return iommufd_arg_error(-EINVAL, "!loop");
	if (!queue)
		return iommufd_arg_error(-EINVAL, "!queue");
	src = find_source(loop, queue);
	if (!src)
		return -ENOENT;
	src->queue = NULL;
	compact(loop);
	return 0;
}

LIBIOMMUFD_API int iommufd_event_loop_remove_fault(struct iommufd_event_loop *loop,
						   struct iommufd_fault *fault)
{
	IOMMUFD_CHECK(loop, IOMMUFD_OBJ_LOOP);
	IOMMUFD_CHECK(fault, IOMMUFD_OBJ_FAULT);
	return iommufd_ret(remove_source(loop, fault));
}

LIBIOMMUFD_API int iommufd_event_loop_remove_veventq(struct iommufd_event_loop *loop,
						     struct iommufd_veventq *veventq)
{
	IOMMUFD_CHECK(loop, IOMMUFD_OBJ_LOOP);
	IOMMUFD_CHECK(veventq, IOMMUFD_OBJ_VEVENTQ);
	return iommufd_ret(remove_source(loop, veventq));
}

static int source_fd(const struct source *src)
{
	if (src->kind == SOURCE_FAULT)
		return ((const struct iommufd_fault *)src->queue)->fd;
	return ((const struct iommufd_veventq *)src->queue)->fd;
}

/*
 * Reads one batch of a readable queue and calls its callback. Returns 1 if
 * it called it (its negative result in *@cb_err), 0 if there was nothing to
 * read, or the read's -errno.
 */
static int dispatch(struct iommufd_event_loop *loop, size_t i, int *cb_err)
{
	/* A copy: callbacks may add queues, which may move the array. */
	struct source src = loop->sources[i];
	uint64_t lost;
	int n;

	if (src.kind == SOURCE_FAULT) {
		n = iommufd_fault_read(src.queue, loop->records, loop->batch);
		if (n <= 0)
			return n;
		n = src.fault_fn(src.queue, loop->records, (size_t)n, src.priv);
	} else {
		n = iommufd_veventq_read(src.queue, loop->events, loop->batch, &lost);
		if (n < 0 || (!n && !lost))
			return n;
		n = src.veventq_fn(src.queue, loop->events, (size_t)n, lost, src.priv);
	}
	if (n < 0)
		*cb_err = n;
	return 1;
}

/* Empties the wakeup counter; a failure only means it was empty. */
static void drain_wakeups(struct iommufd_event_loop *loop)
{
	uint64_t val;

	if (read(loop->efd, &val, sizeof(val)) < 0)
		return;
}

static int wait_round(struct iommufd_event_loop *loop, int timeout_ms)
{
	size_t nr = loop->nr, i;
	int calls = 0, err = 0, ret;

	if (nr + 1 > loop->pfd_cap) {
		struct pollfd *p = realloc(loop->pfds, (nr + 1) * sizeof(*p));

		if (!p)
			return -ENOMEM;
		loop->pfds = p;
		loop->pfd_cap = nr + 1;
	}
	loop->pfds[0] = (struct pollfd){ .fd = loop->efd, .events = POLLIN };
	for (i = 0; i < nr; i++)
		loop->pfds[i + 1] = (struct pollfd){ .fd = source_fd(&loop->sources[i]),
						     .events = POLLIN };
	ret = poll(loop->pfds, nr + 1, timeout_ms);
	if (ret < 0)
		return -errno;
	if (loop->pfds[0].revents & POLLIN)
		drain_wakeups(loop);

	loop->dispatching = true;
	for (i = 0; i < nr; i++) {
		short revents = loop->pfds[i + 1].revents;
		int cb_err = 0;

		/* Removed by an earlier callback of this round. */
		if (!loop->sources[i].queue || !revents)
			continue;
		if (revents & POLLNVAL) {
			if (!err)
				err = -EBADF;
			continue;
		}
		ret = dispatch(loop, i, &cb_err);
		if (ret > 0)
			calls++;
		else if (ret < 0 && !err)
			err = ret;
		/* A callback's error ends the round; a read error lets the others be served. */
		if (cb_err) {
			err = cb_err;
			break;
		}
	}
	loop->dispatching = false;
	compact(loop);
	return err ? err : calls;
}

LIBIOMMUFD_API int iommufd_event_loop_wait(struct iommufd_event_loop *loop, int timeout_ms)
{
	IOMMUFD_CHECK(loop, IOMMUFD_OBJ_LOOP);
	if (!loop)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!loop"));
	return iommufd_ret(wait_round(loop, timeout_ms));
}

LIBIOMMUFD_API int iommufd_event_loop_wakeup(struct iommufd_event_loop *loop)
{
	IOMMUFD_CHECK(loop, IOMMUFD_OBJ_LOOP);
	uint64_t one = 1;

	if (!loop)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!loop"));
	/* EAGAIN: the counter is saturated, so a wakeup is pending anyway. */
	if (write(loop->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return iommufd_ret(-errno);
	return 0;
}

LIBIOMMUFD_API int iommufd_event_loop_stop(struct iommufd_event_loop *loop)
{
	IOMMUFD_CHECK(loop, IOMMUFD_OBJ_LOOP);
	if (!loop)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!loop"));
	atomic_store(&loop->stop, 1);
	return iommufd_event_loop_wakeup(loop);
}

LIBIOMMUFD_API int iommufd_event_loop_run(struct iommufd_event_loop *loop)
{
	IOMMUFD_CHECK(loop, IOMMUFD_OBJ_LOOP);
	int ret;

	if (!loop)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!loop"));
	for (;;) {
		if (atomic_exchange(&loop->stop, 0))
			return 0;
		ret = wait_round(loop, -1);
		if (ret < 0 && ret != -EINTR)
			return iommufd_ret(ret);
	}
}
