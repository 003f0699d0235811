// SPDX-License-Identifier: MIT
/*
 * test-handles.c - the opt-in handle check (IOMMUFD_DEBUG=handles, set for
 * this program by tests/lib/meson.build): a use after destroy, a double
 * destroy or close, an unbind after iommufd_ctx_close() and a pointer that is
 * no handle each abort a forked child with a message on stderr that names the
 * call, the argument and the mistake. The parent makes and releases the
 * handles; the children only make the mistake (no ioctl runs in a child).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

/* Runs @fn(@arg) in a child with stderr on a pipe; asserts SIGABRT and @want on stderr. */
static void expect_abort(void (*fn)(void *), void *arg, const char *want)
{
	char out[1024];
	size_t len = 0;
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(0, pipe(pipefd));
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		close(pipefd[0]);
		dup2(pipefd[1], STDERR_FILENO);
		fn(arg);
		_exit(0); /* not caught: the parent sees a normal exit */
	}
	close(pipefd[1]);
	while (len < sizeof(out) - 1 &&
	       (n = read(pipefd[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(pipefd[0]);
	assert_int_equal(pid, waitpid(pid, &status, 0));
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
		fail_msg("no SIGABRT (status %#x); stderr: '%s'", status, out);
	if (!strstr(out, want))
		fail_msg("stderr '%s' lacks '%s'", out, want);
}

static void map_freed_ioas(void *arg)
{
	char buf[64];
	uint64_t iova;

	iommufd_ioas_map(arg, buf, sizeof(buf), &iova, NULL);
}

static void destroy_ioas(void *arg)
{
	iommufd_ioas_destroy(arg);
}

static void close_ctx(void *arg)
{
	iommufd_ctx_close(arg);
}

static void unbind_device(void *arg)
{
	iommufd_device_unbind(arg);
}

static void attach_device(void *arg)
{
	uint32_t id;

	iommufd_device_attach(arg, NULL, &id);
}

static void view_ioas(void *arg)
{
	iommufd_ioas_as_pt(arg);
}

static void test_use_after_destroy(void **state)
{
	struct fixture *f = *state;
	struct iommufd_ioas *ioas;
	char want[160];

	assert_int_equal(0, iommufd_ioas_create(f->ctx, &ioas));
	assert_int_equal(0, iommufd_ioas_destroy(ioas));
	snprintf(want, sizeof(want),
		 "libiommufd: iommufd_ioas_map(): ioas (%p) was released by "
		 "iommufd_ioas_destroy(): use after destroy [IOMMUFD_DEBUG=handles]", (void *)ioas);
	expect_abort(map_freed_ioas, ioas, want);
	snprintf(want, sizeof(want),
		 "libiommufd: iommufd_ioas_destroy(): ioas (%p) was already released by "
		 "iommufd_ioas_destroy(): double destroy", (void *)ioas);
	expect_abort(destroy_ioas, ioas, want);
}

/* A handle the kernel refused to destroy stays valid: no false alarm after EBUSY. */
static void test_failed_destroy_keeps_handle(void **state)
{
	struct fixture *f = *state;
	uint32_t stdev_id;
	uint64_t iova;

	require_selftest(f->ctx);
	assert_int_equal(0, mock_domain(f->ctx, iommufd_ioas_get_id(f->ioas), &stdev_id, NULL,
					NULL));
	assert_errno(EBUSY, iommufd_ioas_destroy(f->ioas));
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->buffer_size, &iova, NULL));
	assert_int_equal(0, iommufd_ctx_destroy_id(f->ctx, stdev_id));
}

static void test_double_close(void **state)
{
	struct iommufd_ctx *ctx;
	char want[160];

	(void)state;
	assert_int_equal(0, iommufd_ctx_open(NULL, &ctx));
	iommufd_ctx_close(ctx);
	snprintf(want, sizeof(want),
		 "libiommufd: iommufd_ctx_close(): ctx (%p) was already released by "
		 "iommufd_ctx_close(): double close", (void *)ctx);
	expect_abort(close_ctx, ctx, want);
}

/* The handles of a closed context went with it. */
static void test_after_ctx_close(void **state)
{
	struct iommufd_device *dev;
	struct iommufd_ioas *ioas;
	struct iommufd_ctx *ctx;
	uint32_t idev_id;
	char want[200];

	(void)state;
	assert_int_equal(0, iommufd_ctx_open(NULL, &ctx));
	require_selftest(ctx);
	assert_int_equal(0, iommufd_ioas_create(ctx, &ioas));
	assert_int_equal(0, mock_domain(ctx, iommufd_ioas_get_id(ioas), NULL, NULL, &idev_id));
	assert_int_equal(0, iommufd_device_adopt(ctx, idev_id, &dev));
	iommufd_ctx_close(ctx);
	snprintf(want, sizeof(want),
		 "libiommufd: iommufd_device_unbind(): dev (%p) was already released by "
		 "iommufd_ctx_close(): unbind after close", (void *)dev);
	expect_abort(unbind_device, dev, want);
	snprintf(want, sizeof(want),
		 "libiommufd: iommufd_device_attach(): dev (%p) was released by "
		 "iommufd_ctx_close(): use after close", (void *)dev);
	expect_abort(attach_device, dev, want);
	snprintf(want, sizeof(want),
		 "libiommufd: iommufd_ioas_as_pt(): ioas (%p) was released by "
		 "iommufd_ctx_close(): use after close", (void *)ioas);
	expect_abort(view_ioas, ioas, want);
}

static void destroy_loop(void *arg)
{
	iommufd_event_loop_destroy(arg);
}

static void wait_loop(void *arg)
{
	iommufd_event_loop_wait(arg, 0);
}

/* The event loop, a handle of the library alone, is checked the same way. */
static void test_event_loop(void **state)
{
	struct iommufd_event_loop *loop;
	char want[200];

	(void)state;
	assert_int_equal(0, iommufd_event_loop_create(NULL, &loop));
	iommufd_event_loop_destroy(loop);
	snprintf(want, sizeof(want),
		 "libiommufd: iommufd_event_loop_destroy(): loop (%p) was already released by "
		 "iommufd_event_loop_destroy(): double destroy", (void *)loop);
	expect_abort(destroy_loop, loop, want);
	snprintf(want, sizeof(want),
		 "libiommufd: iommufd_event_loop_wait(): loop (%p) was released by "
		 "iommufd_event_loop_destroy(): use after destroy", (void *)loop);
	expect_abort(wait_loop, loop, want);
}

static void test_not_a_handle(void **state)
{
	static uint64_t zeros[16];
	char want[160];

	(void)state;
	snprintf(want, sizeof(want),
		 "libiommufd: iommufd_ioas_map(): ioas (%p) is no libiommufd handle", (void *)zeros);
	expect_abort(map_freed_ioas, zeros, want);
}

/* NULL is no mistake the check reports: the calls answer -EINVAL as always. */
static void test_null_passes(void **state)
{
	(void)state;
	assert_errno(EINVAL, iommufd_ioas_destroy(NULL));
	iommufd_ctx_close(NULL);
	iommufd_device_unbind(NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_use_after_destroy),
		T(test_failed_destroy_keeps_handle),
		cmocka_unit_test(test_double_close),
		cmocka_unit_test(test_after_ctx_close),
		cmocka_unit_test(test_event_loop),
		cmocka_unit_test(test_not_a_handle),
		cmocka_unit_test(test_null_passes),
	};
	const char *debug = getenv("IOMMUFD_DEBUG");

	if (!debug || !strstr(debug, "handles")) {
		fprintf(stderr, "test-handles: run with IOMMUFD_DEBUG=handles\n");
		return 1;
	}
	return cmocka_run_group_tests_name("lib-handles", tests, NULL, NULL);
}
