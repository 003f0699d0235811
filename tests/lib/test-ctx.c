// SPDX-License-Identifier: MIT
/*
 * test-ctx.c - the context against the mock kernel: opening, adopting and
 * borrowing fds, feature probing, raw destroy, the RLIMIT_MODE option,
 * IOAS_CHANGE_PROCESS, sharing across fork() and release on the last close.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

static void test_open_default_and_path(void **state)
{
	IOMMUFD_OPTS(iommufd_ctx_opts, opts, .path = "/dev/iommu");
	struct iommufd_ctx *ctx;

	(void)state;
	assert_int_equal(0, iommufd_ctx_open(NULL, &ctx));
	assert_true(iommufd_ctx_get_fd(ctx) >= 0);
	iommufd_ctx_close(ctx);
	assert_int_equal(0, iommufd_ctx_open(&opts, &ctx));
	assert_true(iommufd_ctx_get_fd(ctx) >= 0);
	iommufd_ctx_close(ctx);
}

static void test_adopt_fd(void **state)
{
	struct iommufd_ctx *ctx;
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	{
		IOMMUFD_OPTS(iommufd_ctx_opts, opts, .flags = IOMMUFD_CTX_ADOPT_FD, .fd = fd);
		assert_int_equal(0, iommufd_ctx_open(&opts, &ctx));
	}
	assert_int_equal(fd, iommufd_ctx_get_fd(ctx));
	iommufd_ctx_close(ctx);
	/* The context owned it and closed it. */
	errno = 0;
	assert_int_equal(-1, fcntl(fd, F_GETFD));
	assert_int_equal(EBADF, errno);
}

static void test_borrow_fd(void **state)
{
	struct iommufd_ctx *ctx, *ctx2;
	struct iommufd_ioas *ioas, *again;
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	IOMMUFD_OPTS(iommufd_ctx_opts, opts, .flags = IOMMUFD_CTX_BORROW_FD, .fd = fd);
	uint32_t id;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(0, iommufd_ctx_open(&opts, &ctx));
	assert_int_equal(0, iommufd_ioas_create(ctx, &ioas));
	id = iommufd_ioas_get_id(ioas);
	/* Closing frees the handle; the fd and the kernel object stay. */
	iommufd_ctx_close(ctx);
	assert_true(fcntl(fd, F_GETFD) >= 0);

	assert_int_equal(0, iommufd_ctx_open(&opts, &ctx2));
	assert_int_equal(0, iommufd_ioas_adopt(ctx2, id, &again));
	assert_int_equal(id, iommufd_ioas_get_id(again));
	assert_int_equal(0, iommufd_ioas_destroy(again));
	iommufd_ctx_close(ctx2);
	close(fd);
}

static void test_has_cmd(void **state)
{
	struct fixture *f = *state;

	assert_true(iommufd_ctx_has_cmd(f->ctx, IOMMUFD_IOCTL_DESTROY));
	assert_true(iommufd_ctx_has_cmd(f->ctx, IOMMUFD_IOCTL_IOAS_ALLOC));
	assert_true(iommufd_ctx_has_cmd(f->ctx, IOMMUFD_IOCTL_IOAS_MAP));
	assert_true(iommufd_ctx_has_cmd(f->ctx, IOMMUFD_IOCTL_IOAS_UNMAP));
	assert_true(iommufd_ctx_has_cmd(f->ctx, IOMMUFD_IOCTL_OPTION));
	assert_false(iommufd_ctx_has_cmd(f->ctx, (enum iommufd_cmd)0x7f));
	assert_false(iommufd_ctx_has_cmd(f->ctx, (enum iommufd_cmd)0x96));
	assert_false(iommufd_ctx_has_feature(f->ctx, (enum iommufd_feature)99));
	/* The mock is a selftest kernel. */
	assert_true(iommufd_ctx_has_feature(f->ctx, IOMMUFD_FEATURE_SELFTEST));
}

struct probe_arg {
	struct iommufd_ctx *ctx;
	bool map, map_file;
};

static void *probe_thread(void *p)
{
	struct probe_arg *arg = p;

	arg->map = iommufd_ctx_has_cmd(arg->ctx, IOMMUFD_IOCTL_IOAS_MAP);
	arg->map_file = iommufd_ctx_has_cmd(arg->ctx, IOMMUFD_IOCTL_IOAS_MAP_FILE);
	return NULL;
}

static void test_probe_threads(void **state)
{
	struct probe_arg args[4];
	pthread_t threads[4];
	struct iommufd_ctx *ctx;
	int i;

	(void)state;
	assert_int_equal(0, iommufd_ctx_open(NULL, &ctx));
	for (i = 0; i < 4; i++) {
		args[i].ctx = ctx;
		assert_int_equal(0, pthread_create(&threads[i], NULL, probe_thread, &args[i]));
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(0, pthread_join(threads[i], NULL));
		assert_true(args[i].map);
		assert_int_equal(args[0].map_file, args[i].map_file);
	}
	iommufd_ctx_close(ctx);
}

static void test_destroy_id(void **state)
{
	struct fixture *f = *state;
	struct iommufd_ioas *ioas;
	uint32_t id;

	assert_errno(EINVAL, iommufd_ctx_destroy_id(f->ctx, 0));
	assert_errno(ENOENT, iommufd_ctx_destroy_id(f->ctx, 0x7fff0000));
	assert_int_equal(0, iommufd_ioas_create(f->ctx, &ioas));
	id = iommufd_ioas_get_id(ioas);
	iommufd_ioas_free(ioas);
	assert_int_equal(0, iommufd_ctx_destroy_id(f->ctx, id));
	assert_errno(ENOENT, iommufd_ctx_destroy_id(f->ctx, id));
}

static void test_rlimit_mode(void **state)
{
	struct fixture *f = *state;
	enum iommufd_rlimit_mode mode = IOMMUFD_RLIMIT_MODE_PROCESS;
	struct iommufd_ctx *ctx;
	int ret;

	assert_int_equal(0, iommufd_ctx_get_rlimit_mode(f->ctx, &mode));
	assert_int_equal(IOMMUFD_RLIMIT_MODE_USER, mode);
	assert_errno(EINVAL, iommufd_ctx_get_rlimit_mode(f->ctx, NULL));
	assert_errno(EINVAL, iommufd_ctx_set_rlimit_mode(f->ctx, (enum iommufd_rlimit_mode)2));

	/* The fixture's context already holds an IOAS. */
	ret = iommufd_ctx_set_rlimit_mode(f->ctx, IOMMUFD_RLIMIT_MODE_PROCESS);
	assert_true(ret == -EBUSY || ret == -EPERM);

	assert_int_equal(0, iommufd_ctx_open(NULL, &ctx));
	ret = iommufd_ctx_set_rlimit_mode(ctx, IOMMUFD_RLIMIT_MODE_PROCESS);
	if (ret == -EPERM) {
		iommufd_ctx_close(ctx);
		skip();
	}
	assert_int_equal(0, ret);
	assert_int_equal(0, iommufd_ctx_get_rlimit_mode(ctx, &mode));
	assert_int_equal(IOMMUFD_RLIMIT_MODE_PROCESS, mode);
	assert_int_equal(0, iommufd_ctx_set_rlimit_mode(ctx, IOMMUFD_RLIMIT_MODE_USER));
	assert_int_equal(0, iommufd_ctx_get_rlimit_mode(ctx, &mode));
	assert_int_equal(IOMMUFD_RLIMIT_MODE_USER, mode);
	iommufd_ctx_close(ctx);
}

static void test_change_process(void **state)
{
	struct fixture *f = *state;
	uint64_t iova;

	if (!iommufd_ctx_has_cmd(f->ctx, IOMMUFD_IOCTL_IOAS_CHANGE_PROCESS))
		skip();
	assert_int_equal(0, iommufd_ctx_change_process(f->ctx));
	/* Anonymous memory cannot follow another process. */
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->buffer_size, &iova, NULL));
	assert_errno(EINVAL, iommufd_ctx_change_process(f->ctx));
}

/* Runs @fn in a child; returns its exit status. */
static int in_child(int (*fn)(struct fixture *f, int pipe_fd), struct fixture *f,
		    int pipe_fd, pid_t *child)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(f, pipe_fd));
	*child = pid;
	return pid > 0 ? 0 : -1;
}

static int child_map_fixed(struct fixture *f, int pipe_fd)
{
	IOMMUFD_OPTS(iommufd_ioas_map_opts, opts, .flags = IOMMUFD_MAP_FIXED_IOVA);
	uint64_t iova = 1UL << 30;
	char c = 0;

	if (iommufd_ioas_map(f->ioas, f->buffer, f->buffer_size, &iova, &opts))
		return 1;
	if (pipe_fd >= 0) {
		/* Stay alive until the parent is done. */
		if (write(pipe_fd, &c, 1) != 1 || read(pipe_fd, &c, 1) != 1)
			return 2;
	}
	return 0;
}

static int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void test_fork_shares_state(void **state)
{
	struct fixture *f = *state;
	uint64_t unmapped = 0;
	pid_t pid;

	assert_int_equal(0, in_child(child_map_fixed, f, -1, &pid));
	assert_int_equal(0, wait_child(pid));
	/* The child's mapping lives in the shared file. */
	assert_int_equal(0, iommufd_ioas_unmap(f->ioas, 1UL << 30, f->buffer_size, &unmapped));
	assert_int_equal(f->buffer_size, unmapped);
}

static void test_fork_gone(void **state)
{
	struct fixture *f = *state;
	pid_t pid;

	require_selftest(f->ctx);
	assert_int_equal(0, in_child(child_map_fixed, f, -1, &pid));
	assert_int_equal(0, wait_child(pid));
	/* Pinning now needs the pages of a process that is gone. */
	assert_int_equal(-EFAULT,
			 mock_domain(f->ctx, iommufd_ioas_get_id(f->ioas), NULL, NULL, NULL));
}

static void test_fork_present(void **state)
{
	struct fixture *f = *state;
	int sv[2];
	char c;
	pid_t pid;

	require_selftest(f->ctx);
	assert_int_equal(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	assert_int_equal(0, in_child(child_map_fixed, f, sv[1], &pid));
	assert_int_equal(1, read(sv[0], &c, 1));
	/* The owner is alive: its pages can be pinned. */
	assert_int_equal(0, mock_domain(f->ctx, iommufd_ioas_get_id(f->ioas), NULL, NULL, NULL));
	assert_int_equal(1, write(sv[0], &c, 1));
	assert_int_equal(0, wait_child(pid));
	close(sv[0]);
	close(sv[1]);
}

static void test_last_close_releases(void **state)
{
	struct fixture *f = *state;
	struct iommufd_ctx *ctx, *ctx2;
	struct iommufd_ioas *ioas;
	uint64_t iova;

	require_selftest(f->ctx);
	assert_int_equal(0, iommufd_ctx_open(NULL, &ctx));
	assert_int_equal(0, iommufd_ioas_create(ctx, &ioas));
	assert_int_equal(0, mock_domain(ctx, iommufd_ioas_get_id(ioas), NULL, NULL, NULL));
	assert_int_equal(0, iommufd_ioas_map(ioas, f->buffer, f->buffer_size, &iova, NULL));
	assert_int_equal(0, check_refs(ctx, f->buffer, f->buffer_size, 1));
	/* Handles still alive are freed; the last close unpins everything. */
	iommufd_ctx_close(ctx);
	assert_int_equal(0, iommufd_ctx_open(NULL, &ctx2));
	assert_int_equal(0, check_refs(ctx2, f->buffer, f->buffer_size, 0));
	iommufd_ctx_close(ctx2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_default_and_path),
		cmocka_unit_test(test_adopt_fd),
		cmocka_unit_test(test_borrow_fd),
		cmocka_unit_test(test_probe_threads),
		cmocka_unit_test_setup_teardown(test_has_cmd, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_destroy_id, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_rlimit_mode, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_change_process, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_fork_shares_state, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_fork_gone, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_fork_present, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_last_close_releases, fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests_name("lib-ctx", tests, NULL, NULL);
}
