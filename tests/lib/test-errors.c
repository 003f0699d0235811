// SPDX-License-Identifier: MIT
/*
 * test-errors.c - what the library decides on its own, without a kernel:
 * argument validation, the options-struct size rules, the errno convention,
 * error strings and the version.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(iommufd_strerror(-EBUSY), iommufd_strerror(EBUSY));
	assert_non_null(strstr(iommufd_strerror(-EBUSY), "in use"));
	assert_non_null(strstr(iommufd_strerror(-EMSGSIZE), "too small"));
	assert_string_equal(iommufd_strerror(0), "Success");
	assert_non_null(iommufd_strerror(4095));
	/* Errors iommufd gives no special meaning fall back to the C library's text. */
	assert_string_equal(iommufd_strerror(-EPIPE), strerror(EPIPE));
	/*
	 * The texts are about any call, not about one ioctl: EINVAL used to read
	 * "bad size, flags, alignment or reserved IOVA" even for a double bind.
	 */
	assert_null(strstr(iommufd_strerror(-EINVAL), "IOVA"));
	assert_non_null(strstr(iommufd_strerror(-EINVAL), "iommufd_last_error()"));
	assert_null(strstr(iommufd_strerror(-ENOENT), "IOVA"));
	assert_null(strstr(iommufd_strerror(-EEXIST), "IOVA"));
}

/* The record of a thread that has had no failure. */
static void *fresh_thread(void *arg)
{
	(void)arg;
	if (iommufd_last_error()[0] || iommufd_last_error_origin() != IOMMUFD_ERROR_NONE)
		return (void *)1;
	/* and a failure here stays here */
	if (iommufd_ioas_destroy(NULL) != -EINVAL)
		return (void *)2;
	return NULL;
}

/* The library's own refusals name the call and the argument; the kernel was not asked. */
static void test_last_error_library(void **state)
{
	struct iommufd_hwpt *hwpt;
	pthread_t t;
	void *res;
	char buf[8];
	uint64_t iova;

	(void)state;
	assert_errno(EINVAL, iommufd_ioas_map(NULL, buf, sizeof(buf), &iova, NULL));
	assert_string_equal(iommufd_last_error(),
			    "iommufd_ioas_map: EINVAL from the library's argument check (the "
			    "kernel was not asked): ioas is NULL or 0");
	assert_int_equal(IOMMUFD_ERROR_LIBRARY, iommufd_last_error_origin());

	/* a later argument of the same call */
	assert_errno(EINVAL, iommufd_hwpt_alloc(NULL, NULL, NULL, &hwpt));
	assert_non_null(strstr(iommufd_last_error(), "iommufd_hwpt_alloc: EINVAL"));
	assert_non_null(strstr(iommufd_last_error(), "dev is NULL"));

	/* calls that do not fail leave the record alone, like errno */
	assert_string_equal(iommufd_strerror(EINVAL), iommufd_strerror(-EINVAL));
	assert_null(iommufd_ioas_as_pt(NULL));
	assert_non_null(strstr(iommufd_last_error(), "iommufd_hwpt_alloc:"));

	/* each thread has its own */
	assert_int_equal(0, pthread_create(&t, NULL, fresh_thread, NULL));
	assert_int_equal(0, pthread_join(t, &res));
	assert_null(res);
	assert_non_null(strstr(iommufd_last_error(), "iommufd_hwpt_alloc:"));

	/* an options struct from the future */
	{
		struct {
			struct iommufd_ctx_opts base;
			uint64_t future;
		} big;
		struct iommufd_ctx *ctx = NULL;

		memset(&big, 0, sizeof(big));
		big.base.sz = sizeof(big);
		big.future = 1;
		assert_errno(E2BIG, iommufd_ctx_open(&big.base, &ctx));
		assert_non_null(strstr(iommufd_last_error(), "iommufd_ctx_open: E2BIG from the "
							     "library's argument check"));
		assert_non_null(strstr(iommufd_last_error(), "non-zero bytes past known fields"));
	}
}

static void test_version(void **state)
{
	(void)state;
	assert_string_equal(iommufd_version(), IOMMUFD_VERSION_STRING);
	assert_true(IOMMUFD_VERSION_CHECK(0, 0, 0));
	assert_true(IOMMUFD_VERSION_CHECK(IOMMUFD_VERSION_MAJOR, IOMMUFD_VERSION_MINOR,
					  IOMMUFD_VERSION_PATCH));
	assert_false(IOMMUFD_VERSION_CHECK(IOMMUFD_VERSION_MAJOR + 1, 0, 0));
}

static void test_null_handles(void **state)
{
	struct iommufd_iova_range range = { 0, 0 }, *rangesp;
	enum iommufd_rlimit_mode mode;
	uint64_t iova = 0, u64;
	uint32_t num = 1;
	char buf[64];
	bool b;

	(void)state;
	assert_errno(EINVAL, iommufd_ctx_open(NULL, NULL));
	assert_errno(EINVAL, iommufd_ctx_get_fd(NULL));
	assert_errno(EINVAL, iommufd_ctx_destroy_id(NULL, 1));
	assert_errno(EINVAL, iommufd_ctx_get_rlimit_mode(NULL, &mode));
	assert_errno(EINVAL, iommufd_ctx_set_rlimit_mode(NULL, IOMMUFD_RLIMIT_MODE_USER));
	assert_errno(EINVAL, iommufd_ctx_change_process(NULL));
	assert_false(iommufd_ctx_has_cmd(NULL, IOMMUFD_IOCTL_IOAS_MAP));
	assert_false(iommufd_ctx_has_feature(NULL, IOMMUFD_FEATURE_SELFTEST));
	iommufd_ctx_close(NULL);

	assert_errno(EINVAL, iommufd_ioas_create(NULL, NULL));
	assert_errno(EINVAL, iommufd_ioas_adopt(NULL, 1, NULL));
	assert_errno(EINVAL, iommufd_ioas_destroy(NULL));
	iommufd_ioas_free(NULL);
	assert_int_equal(0, iommufd_ioas_get_id(NULL));
	assert_null(iommufd_ioas_get_ctx(NULL));
	assert_errno(EINVAL, iommufd_ioas_map(NULL, buf, sizeof(buf), &iova, NULL));
	assert_errno(EINVAL, iommufd_ioas_map_file(NULL, 0, 0, 4096, &iova, NULL));
	assert_errno(EINVAL, iommufd_ioas_copy(NULL, NULL, 0, 4096, &iova, NULL));
	assert_errno(EINVAL, iommufd_ioas_unmap(NULL, 0, 4096, &u64));
	assert_errno(EINVAL, iommufd_ioas_unmap_all(NULL, &u64));
	assert_errno(EINVAL, iommufd_ioas_get_iova_ranges(NULL, &range, &num, &u64));
	assert_errno(EINVAL, iommufd_ioas_get_iova_ranges_alloc(NULL, &rangesp, &num, &u64));
	assert_errno(EINVAL, iommufd_ioas_allow_iovas(NULL, &range, 1));
	assert_errno(EINVAL, iommufd_ioas_get_huge_pages(NULL, &b));
	assert_errno(EINVAL, iommufd_ioas_set_huge_pages(NULL, true));
}

static void test_ctx_open_args(void **state)
{
	struct iommufd_ctx *ctx = NULL;
	int fd;

	(void)state;
	{
		IOMMUFD_OPTS(iommufd_ctx_opts, opts, .flags = IOMMUFD_CTX_ADOPT_FD |
							  IOMMUFD_CTX_BORROW_FD);
		assert_errno(EINVAL, iommufd_ctx_open(&opts, &ctx));
	}
	{
		IOMMUFD_OPTS(iommufd_ctx_opts, opts, .flags = 1u << 7);
		assert_errno(EOPNOTSUPP, iommufd_ctx_open(&opts, &ctx));
	}
	{
		IOMMUFD_OPTS(iommufd_ctx_opts, opts, .flags = IOMMUFD_CTX_BORROW_FD, .fd = 0,
			     .path = "/dev/iommu");
		assert_errno(EINVAL, iommufd_ctx_open(&opts, &ctx));
	}
	{
		IOMMUFD_OPTS(iommufd_ctx_opts, opts, .flags = IOMMUFD_CTX_ADOPT_FD, .fd = -1);
		assert_errno(EBADF, iommufd_ctx_open(&opts, &ctx));
	}
	{
		IOMMUFD_OPTS(iommufd_ctx_opts, opts, .path = "/nonexistent/iommu");
		assert_errno(ENOENT, iommufd_ctx_open(&opts, &ctx));
	}

	/* A file that is not an iommufd, opened by path: refused and not leaked. */
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	{
		IOMMUFD_OPTS(iommufd_ctx_opts, opts, .path = "/dev/null");
		assert_errno(ENOTTY, iommufd_ctx_open(&opts, &ctx));
	}
	assert_int_equal(fd, open("/dev/null", O_RDONLY));

	/* Given as an fd: refused, and the fd stays the caller's. */
	{
		IOMMUFD_OPTS(iommufd_ctx_opts, opts, .flags = IOMMUFD_CTX_ADOPT_FD, .fd = fd);
		assert_errno(ENOTTY, iommufd_ctx_open(&opts, &ctx));
		assert_int_equal(0, fcntl(fd, F_GETFD) < 0);
	}
	close(fd);
	{
		IOMMUFD_OPTS(iommufd_ctx_opts, opts, .flags = IOMMUFD_CTX_BORROW_FD, .fd = fd);
		assert_errno(EBADF, iommufd_ctx_open(&opts, &ctx));
	}
	assert_null(ctx);
}

/* A caller built against a newer library whose struct has one more field. */
struct ctx_opts_v2 {
	struct iommufd_ctx_opts base;
	uint64_t future_field;
};

static void test_opts_size_rules(void **state)
{
	struct ctx_opts_v2 big;
	struct iommufd_ctx_opts small;
	struct iommufd_ctx *ctx = NULL;
	int ret;

	(void)state;
	/* Too small to even hold sz. */
	memset(&small, 0, sizeof(small));
	small.sz = sizeof(uint32_t);
	assert_errno(EINVAL, iommufd_ctx_open(&small, &ctx));
	small.sz = 0;
	assert_errno(EINVAL, iommufd_ctx_open(&small, &ctx));

	/* Larger with a zero tail: accepted (the path is used, hence ENOENT). */
	memset(&big, 0, sizeof(big));
	big.base.sz = sizeof(big);
	big.base.path = "/nonexistent/iommu";
	assert_errno(ENOENT, iommufd_ctx_open(&big.base, &ctx));

	/* Larger with a non-zero unknown field: refused. */
	big.future_field = 1;
	assert_errno(E2BIG, iommufd_ctx_open(&big.base, &ctx));

	/* Older and smaller: fields past sz are not read (path ignored: /dev/iommu is opened). */
	memset(&small, 0, sizeof(small));
	small.sz = offsetof(struct iommufd_ctx_opts, path);
	small.path = "/dev/null";
	ret = iommufd_ctx_open(&small, &ctx);
	assert_int_not_equal(-ENOTTY, ret);
	if (!ret)
		iommufd_ctx_close(ctx);
}

/*
 * Every byte of an options struct past its last field is a named field:
 * IOMMUFD_OPTS() builds the struct from a compound literal, whose padding
 * C leaves unspecified (gcc -O0 copies stack garbage there), while the
 * library refuses a nonzero byte past the fields it knows with E2BIG.
 */
#define NO_TAIL_PADDING(T, last)                                                           \
	_Static_assert(sizeof(struct T) ==                                                  \
			       offsetof(struct T, last) + sizeof(((struct T *)0)->last),    \
		       #T " has tail padding")
NO_TAIL_PADDING(iommufd_ctx_opts, path);
NO_TAIL_PADDING(iommufd_device_bind_opts, reserved);
NO_TAIL_PADDING(iommufd_hw_info_opts, data_type);
NO_TAIL_PADDING(iommufd_event_loop_opts, reserved);
NO_TAIL_PADDING(iommufd_fault_alloc_opts, reserved);
NO_TAIL_PADDING(iommufd_hwpt_alloc_opts, fault);
NO_TAIL_PADDING(iommufd_hwpt_walk_dirty_opts, chunk_pages);
NO_TAIL_PADDING(iommufd_ioas_map_opts, reserved);
NO_TAIL_PADDING(iommufd_veventq_alloc_opts, read_buffer);
NO_TAIL_PADDING(iommufd_viommu_alloc_opts, data);

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_last_error_library),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_null_handles),
		cmocka_unit_test(test_ctx_open_args),
		cmocka_unit_test(test_opts_size_rules),
	};

	return cmocka_run_group_tests_name("lib-errors", tests, NULL, NULL);
}
