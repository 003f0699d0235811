// SPDX-License-Identifier: MIT
/*
 * test-event-loop.c - the event loop without a kernel: fault and vEVENTQ
 * handles over socket pairs and pipes stand in for the queues' files. Adding
 * and removing queues, dispatch of records and lost-event counts, timeouts,
 * wakeups and stop requests from other threads, callbacks that fail or
 * change the set of queues, read errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal-helpers.h"

struct lfix {
	struct iommufd_ctx *ctx;
	struct iommufd_event_loop *loop;
	struct iommufd_fault *fault;
	struct iommufd_veventq *veventq;
	int fault_peer; /* the "kernel" end of the fault queue's socket pair */
	int vevent_w;   /* the write end of the vEVENTQ's pipe */
	/* What the callbacks saw. */
	int fault_calls, vevent_calls;
	size_t faults, events;
	uint64_t lost;
	uint32_t last_cookie;
	int fault_ret; /* what the fault callback returns */
	bool remove_other, remove_self;
	atomic_int items; /* records and events seen, for another thread to wait on */
	/*
	 * What went wrong in a callback. Callbacks may run in another thread
	 * (test_run_stop), where a cmocka assertion must not be made; the
	 * teardown checks this in the test's thread.
	 */
	atomic_int bad;
};

static int lfix_setup(void **state)
{
	struct lfix *f = calloc(1, sizeof(*f));
	int sv[2], p[2];

	if (!f)
		return -1;
	f->ctx = fake_ctx();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) || pipe2(p, O_CLOEXEC))
		return -1;
	/* The kernel's queue files never block a read. */
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) || fcntl(p[0], F_SETFL, O_NONBLOCK))
		return -1;
	if (iommufd_fault_new(f->ctx, 1, sv[0], &f->fault) ||
	    iommufd_veventq_new(f->ctx, 2, p[0], IOMMUFD_VEVENTQ_TYPE_SELFTEST, 4, NULL,
				64 * SELFTEST_REC, &f->veventq))
		return -1;
	f->fault_peer = sv[1];
	f->vevent_w = p[1];
	if (iommufd_event_loop_create(NULL, &f->loop))
		return -1;
	atomic_init(&f->items, 0);
	atomic_init(&f->bad, 0);
	*state = f;
	return 0;
}

static int lfix_teardown(void **state)
{
	struct lfix *f = *state;

	assert_int_equal(0, atomic_load(&f->bad));
	iommufd_event_loop_destroy(f->loop);
	close(f->fault_peer);
	close(f->vevent_w);
	iommufd_ctx_close(f->ctx);
	free(f);
	return 0;
}

static int on_fault(struct iommufd_fault *fault, const struct iommufd_fault_record *rec,
		    size_t n, void *priv)
{
	struct lfix *f = priv;

	if (fault != f->fault || !n)
		atomic_fetch_add(&f->bad, 1);
	f->fault_calls++;
	f->faults += n;
	f->last_cookie = rec[n - 1].cookie;
	if (iommufd_fault_respond(fault, rec[n - 1].cookie, IOMMUFD_FAULT_RESPONSE_SUCCESS))
		atomic_fetch_add(&f->bad, 1);
	if (f->remove_other && iommufd_event_loop_remove_veventq(f->loop, f->veventq))
		atomic_fetch_add(&f->bad, 1);
	if (f->remove_self && iommufd_event_loop_remove_fault(f->loop, fault))
		atomic_fetch_add(&f->bad, 1);
	atomic_fetch_add(&f->items, (int)n);
	return f->fault_ret;
}

static int on_vevent(struct iommufd_veventq *veventq, const struct iommufd_vevent *ev, size_t n,
		     uint64_t lost, void *priv)
{
	struct lfix *f = priv;

	if (veventq != f->veventq || (n && !ev) || (!n && !lost))
		atomic_fetch_add(&f->bad, 1);
	f->vevent_calls++;
	f->events += n;
	f->lost += lost;
	atomic_fetch_add(&f->items, (int)n);
	return 0;
}

static void send_faults(struct lfix *f, uint32_t cookie, int n)
{
	struct iommu_hwpt_pgfault k = { .dev_id = 1, .cookie = cookie };
	int i;

	for (i = 0; i < n; i++) {
		k.flags = i == n - 1 ? IOMMU_PGFAULT_FLAGS_LAST_PAGE : 0;
		assert_int_equal(sizeof(k), write(f->fault_peer, &k, sizeof(k)));
	}
}

static void send_events(struct lfix *f, uint32_t first_seq, int n)
{
	struct vbuf v = { .len = 0 };
	int i;

	for (i = 0; i < n; i++)
		vbuf_event(&v, first_seq + (uint32_t)i, 0x99);
	assert_int_equal((ssize_t)v.len, write(f->vevent_w, v.b, v.len));
}

static void add_both(struct lfix *f)
{
	assert_int_equal(0, iommufd_event_loop_add_fault(f->loop, f->fault, on_fault, f));
	assert_int_equal(0, iommufd_event_loop_add_veventq(f->loop, f->veventq, on_vevent, f));
}

static void test_args(void **state)
{
	struct lfix *f = *state;
	struct iommufd_event_loop *loop;
	struct {
		struct iommufd_event_loop_opts opts;
		uint64_t extra;
	} big = { .opts = { .sz = sizeof(big) }, .extra = 1 };

	assert_errno(EINVAL, iommufd_event_loop_create(NULL, NULL));
	assert_errno(E2BIG, iommufd_event_loop_create(&big.opts, &loop));
	assert_errno(EINVAL, iommufd_event_loop_add_fault(NULL, f->fault, on_fault, f));
	assert_errno(EINVAL, iommufd_event_loop_add_fault(f->loop, NULL, on_fault, f));
	assert_errno(EINVAL, iommufd_event_loop_add_fault(f->loop, f->fault, NULL, f));
	assert_errno(EINVAL, iommufd_event_loop_add_veventq(NULL, f->veventq, on_vevent, f));
	assert_errno(EINVAL, iommufd_event_loop_add_veventq(f->loop, NULL, on_vevent, f));
	assert_errno(EINVAL, iommufd_event_loop_add_veventq(f->loop, f->veventq, NULL, f));
	assert_errno(EINVAL, iommufd_event_loop_remove_fault(NULL, f->fault));
	assert_errno(EINVAL, iommufd_event_loop_remove_fault(f->loop, NULL));
	assert_errno(ENOENT, iommufd_event_loop_remove_fault(f->loop, f->fault));
	assert_errno(ENOENT, iommufd_event_loop_remove_veventq(f->loop, f->veventq));
	assert_errno(EINVAL, iommufd_event_loop_wait(NULL, 0));
	assert_errno(EINVAL, iommufd_event_loop_wakeup(NULL));
	assert_errno(EINVAL, iommufd_event_loop_stop(NULL));
	assert_errno(EINVAL, iommufd_event_loop_run(NULL));
	iommufd_event_loop_destroy(NULL);

	add_both(f);
	assert_errno(EEXIST, iommufd_event_loop_add_fault(f->loop, f->fault, on_fault, f));
	assert_errno(EEXIST, iommufd_event_loop_add_veventq(f->loop, f->veventq, on_vevent, f));
	assert_int_equal(0, iommufd_event_loop_remove_fault(f->loop, f->fault));
	assert_errno(ENOENT, iommufd_event_loop_remove_fault(f->loop, f->fault));
	assert_int_equal(0, iommufd_event_loop_add_fault(f->loop, f->fault, on_fault, f));
}

static void test_timeout(void **state)
{
	struct lfix *f = *state;

	add_both(f);
	assert_int_equal(0, iommufd_event_loop_wait(f->loop, 0));
	assert_int_equal(0, iommufd_event_loop_wait(f->loop, 10));
	assert_int_equal(0, f->fault_calls + f->vevent_calls);
}

static void test_dispatch(void **state)
{
	struct lfix *f = *state;
	struct iommu_hwpt_page_response resp;

	add_both(f);
	send_faults(f, 42, 3);
	send_events(f, 0, 5);
	assert_int_equal(2, iommufd_event_loop_wait(f->loop, 1000));
	assert_int_equal(3, f->faults);
	assert_int_equal(42, f->last_cookie);
	assert_int_equal(5, f->events);
	assert_int_equal(0, f->lost);
	/* The callback's response went to the "kernel". */
	assert_int_equal(sizeof(resp), read(f->fault_peer, &resp, sizeof(resp)));
	assert_int_equal(42, resp.cookie);

	/* Drained: nothing more. */
	assert_int_equal(0, iommufd_event_loop_wait(f->loop, 0));

	/* A read that finds only dropped events still reaches the callback. */
	{
		struct vbuf v = { .len = 0 };

		vbuf_lost(&v, 9);
		assert_int_equal((ssize_t)v.len, write(f->vevent_w, v.b, v.len));
	}
	assert_int_equal(1, iommufd_event_loop_wait(f->loop, 1000));
	assert_int_equal(5, f->events);
	assert_int_equal(5, f->lost);
}

/* One read per ready queue per wait: a batch smaller than what is pending leaves the rest. */
static void test_batch(void **state)
{
	struct lfix *f = *state;
	IOMMUFD_OPTS(iommufd_event_loop_opts, opts, .batch = 2);

	iommufd_event_loop_destroy(f->loop);
	assert_int_equal(0, iommufd_event_loop_create(&opts, &f->loop));
	add_both(f);
	send_events(f, 0, 5);
	assert_int_equal(1, iommufd_event_loop_wait(f->loop, 1000));
	assert_int_equal(2, f->events);
	assert_int_equal(1, iommufd_event_loop_wait(f->loop, 1000));
	assert_int_equal(1, iommufd_event_loop_wait(f->loop, 1000));
	assert_int_equal(5, f->events);
	assert_int_equal(3, f->vevent_calls);
}

static void test_callback_error(void **state)
{
	struct lfix *f = *state;

	add_both(f);
	f->fault_ret = -ECANCELED;
	send_faults(f, 1, 1);
	assert_errno(ECANCELED, iommufd_event_loop_wait(f->loop, 1000));
	/* The round stopped at the failing callback (the fault queue was added first). */
	assert_int_equal(0, f->vevent_calls);
}

/* A callback removes the other queue (ready in the same round) and itself. */
static void test_remove_in_callback(void **state)
{
	struct lfix *f = *state;

	add_both(f);
	f->remove_other = true;
	f->remove_self = true;
	send_faults(f, 1, 1);
	send_events(f, 0, 1);
	assert_int_equal(1, iommufd_event_loop_wait(f->loop, 1000));
	assert_int_equal(1, f->fault_calls);
	assert_int_equal(0, f->vevent_calls);
	assert_errno(ENOENT, iommufd_event_loop_remove_fault(f->loop, f->fault));
	assert_errno(ENOENT, iommufd_event_loop_remove_veventq(f->loop, f->veventq));
	/* Nothing left to serve. */
	assert_int_equal(0, iommufd_event_loop_wait(f->loop, 0));
}

/* A queue whose read fails does not keep the others from being served. */
static void test_read_error(void **state)
{
	struct lfix *f = *state;

	add_both(f);
	/* Half a fault record: the fault read fails with EIO. */
	assert_int_equal(20, write(f->fault_peer, "01234567890123456789", 20));
	send_events(f, 0, 2);
	assert_errno(EIO, iommufd_event_loop_wait(f->loop, 1000));
	assert_int_equal(0, f->fault_calls);
	assert_int_equal(2, f->events);
}

static void *wake_later(void *arg)
{
	struct iommufd_event_loop *loop = arg;
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 50 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	if (iommufd_event_loop_wakeup(loop))
		abort();
	return NULL;
}

static void test_wakeup(void **state)
{
	struct lfix *f = *state;
	pthread_t t;

	add_both(f);
	assert_int_equal(0, pthread_create(&t, NULL, wake_later, f->loop));
	/* Would wait forever without the wakeup. */
	assert_int_equal(0, iommufd_event_loop_wait(f->loop, -1));
	assert_int_equal(0, pthread_join(t, NULL));
	/* A wakeup ahead of the wait makes it return at once, once. */
	assert_int_equal(0, iommufd_event_loop_wakeup(f->loop));
	assert_int_equal(0, iommufd_event_loop_wakeup(f->loop));
	assert_int_equal(0, iommufd_event_loop_wait(f->loop, -1));
	assert_int_equal(0, iommufd_event_loop_wait(f->loop, 0));
}

static void *run_loop(void *arg)
{
	struct lfix *f = arg;

	return (void *)(intptr_t)iommufd_event_loop_run(f->loop);
}

/* The IOMMU-thread pattern: run() in a thread, events arrive, stop() from the main thread. */
static void test_run_stop(void **state)
{
	struct lfix *f = *state;
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 1000 * 1000 };
	pthread_t t;
	void *ret;
	int i;

	add_both(f);
	assert_int_equal(0, pthread_create(&t, NULL, run_loop, f));
	send_events(f, 0, 3);
	send_faults(f, 7, 2);
	for (i = 0; i < 5000 && atomic_load(&f->items) < 5; i++)
		nanosleep(&ts, NULL);
	assert_int_equal(0, iommufd_event_loop_stop(f->loop));
	assert_int_equal(0, pthread_join(t, &ret));
	assert_int_equal(0, (intptr_t)ret);
	assert_int_equal(3, f->events);
	assert_int_equal(2, f->faults);

	/* A stop requested before run() makes it return at once. */
	assert_int_equal(0, iommufd_event_loop_stop(f->loop));
	assert_int_equal(0, iommufd_event_loop_run(f->loop));
}

/* A queue whose file was closed (by a refused destroy) cannot be added. */
static void test_closed_queue(void **state)
{
	struct lfix *f = *state;

	assert_errno(EBADF, iommufd_fault_destroy(f->fault));
	assert_errno(EBADF, iommufd_event_loop_add_fault(f->loop, f->fault, on_fault, f));
	assert_errno(EBADF, iommufd_veventq_destroy(f->veventq));
	assert_errno(EBADF, iommufd_event_loop_add_veventq(f->loop, f->veventq, on_vevent, f));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, lfix_setup, lfix_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_args),
		T(test_timeout),
		T(test_dispatch),
		T(test_batch),
		T(test_callback_error),
		T(test_remove_in_callback),
		T(test_read_error),
		T(test_wakeup),
		T(test_run_stop),
		T(test_closed_queue),
	};

	return cmocka_run_group_tests_name("lib-event-loop", tests, NULL, NULL);
}
