// SPDX-License-Identifier: MIT
/*
 * test-ioas.c - IOAS handles against the mock kernel: create/adopt/destroy,
 * map (automatic, fixed, file), copy, unmap, IOVA ranges, allowed ranges,
 * the huge-pages option, EFAULT on bad memory, concurrent use and pinned
 * memory accounting. One behaviour per test, the errno asserted.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define FIXED_IOVA (1UL << 30)

static const struct iommufd_ioas_map_opts *fixed_opts(void)
{
	static const struct iommufd_ioas_map_opts opts = {
		.sz = sizeof(opts),
		.flags = IOMMUFD_MAP_FIXED_IOVA,
	};
	return &opts;
}

static void test_create_destroy(void **state)
{
	struct fixture *f = *state;
	struct iommufd_ioas *ioas;

	assert_int_equal(0, iommufd_ioas_create(f->ctx, &ioas));
	assert_int_not_equal(0, iommufd_ioas_get_id(ioas));
	assert_int_not_equal(iommufd_ioas_get_id(f->ioas), iommufd_ioas_get_id(ioas));
	assert_ptr_equal(f->ctx, iommufd_ioas_get_ctx(ioas));
	assert_int_equal(0, iommufd_ioas_destroy(ioas));
	assert_errno(EINVAL, iommufd_ioas_create(f->ctx, NULL));
}

static void test_destroy_busy(void **state)
{
	struct fixture *f = *state;
	uint32_t stdev_id;
	uint64_t iova;

	require_selftest(f->ctx);
	assert_int_equal(0, mock_domain(f->ctx, iommufd_ioas_get_id(f->ioas), &stdev_id, NULL,
					NULL));
	assert_errno(EBUSY, iommufd_ioas_destroy(f->ioas));
	assert_int_equal(IOMMUFD_ERROR_KERNEL, iommufd_last_error_origin());
	assert_string_equal(iommufd_last_error(),
			    "iommufd_ioas_destroy: the kernel failed IOMMU_DESTROY with EBUSY: the "
			    "object is still in use: devices are attached to it, or HWPTs, "
			    "vIOMMUs, vDEVICEs or queues are built on it");
	/* The handle is still valid after the failure. */
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->buffer_size, &iova, NULL));
	assert_int_equal(0, iommufd_ctx_destroy_id(f->ctx, stdev_id));
	assert_int_equal(0, iommufd_ioas_destroy(f->ioas));
	f->ioas = NULL;
}

static void test_adopt(void **state)
{
	struct fixture *f = *state;
	struct iommufd_ioas *ioas;
	uint32_t hwpt_id;

	assert_int_equal(0, iommufd_ioas_adopt(f->ctx, iommufd_ioas_get_id(f->ioas), &ioas));
	assert_int_equal(iommufd_ioas_get_id(f->ioas), iommufd_ioas_get_id(ioas));
	iommufd_ioas_free(ioas);
	assert_errno(EINVAL, iommufd_ioas_adopt(f->ctx, 0, &ioas));
	assert_errno(ENOENT, iommufd_ioas_adopt(f->ctx, 0x7fff0000, &ioas));
	if (iommufd_ctx_has_feature(f->ctx, IOMMUFD_FEATURE_SELFTEST)) {
		/* An id of another object type is not an IOAS. */
		assert_int_equal(0, mock_domain(f->ctx, iommufd_ioas_get_id(f->ioas), NULL,
						&hwpt_id, NULL));
		assert_errno(ENOENT, iommufd_ioas_adopt(f->ctx, hwpt_id, &ioas));
	}
}

static void test_map_auto(void **state)
{
	struct fixture *f = *state;
	uint64_t iova = 0, unmapped = 0;

	errno = 1234;
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->buffer_size, &iova, NULL));
	/* Success leaves errno alone. */
	assert_int_equal(1234, errno);
	assert_int_equal(0, iommufd_ioas_unmap(f->ioas, iova, f->buffer_size, &unmapped));
	assert_int_equal(f->buffer_size, unmapped);
}

static void test_map_auto_aligned(void **state)
{
	struct fixture *f = *state;
	uint64_t iovas[BUFFER_PAGES];
	size_t i;

	/*
	 * The kernel aligns an automatic IOVA to the length (rounded up to a
	 * power of two) unless the buffer's own alignment is smaller: use a
	 * 2 GiB aligned address, which needs no memory without a domain.
	 */
	for (i = 0; i < BUFFER_PAGES; i++) {
		size_t length = f->page_size * (i + 1);

		assert_int_equal(0, iommufd_ioas_map(f->ioas, (void *)(1UL << 31), length,
						     &iovas[i], NULL));
		assert_int_equal(0, iovas[i] % (1UL << __builtin_ctzl(length)));
	}
	for (i = 0; i < BUFFER_PAGES; i++)
		assert_int_equal(0, iommufd_ioas_unmap(f->ioas, iovas[i], f->page_size * (i + 1),
						       NULL));
}

static void test_map_fixed(void **state)
{
	struct fixture *f = *state;
	uint64_t iova = FIXED_IOVA, iova2;

	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->buffer_size, &iova,
					     fixed_opts()));
	assert_int_equal(FIXED_IOVA, iova);
	/* Existing IOVA cannot be replaced. */
	iova2 = FIXED_IOVA + f->page_size;
	assert_errno(EEXIST, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova2,
					      fixed_opts()));
	assert_int_equal(FIXED_IOVA + f->page_size, iova2);
}

static void test_map_flags(void **state)
{
	struct fixture *f = *state;
	uint64_t iova;

	{
		IOMMUFD_OPTS(iommufd_ioas_map_opts, opts, .flags = IOMMUFD_MAP_READABLE);
		assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova,
						     &opts));
	}
	{
		IOMMUFD_OPTS(iommufd_ioas_map_opts, opts, .flags = IOMMUFD_MAP_WRITEABLE);
		assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova,
						     &opts));
	}
	{
		IOMMUFD_OPTS(iommufd_ioas_map_opts, opts, .flags = 1u << 8);
		assert_errno(EOPNOTSUPP, iommufd_ioas_map(f->ioas, f->buffer, f->page_size,
							  &iova, &opts));
	}
}

/* A caller built against a newer library. */
struct map_opts_v2 {
	struct iommufd_ioas_map_opts base;
	uint64_t future;
};

static void test_map_opts_size(void **state)
{
	struct fixture *f = *state;
	struct map_opts_v2 big;
	struct iommufd_ioas_map_opts small;
	uint64_t iova = FIXED_IOVA;

	memset(&big, 0, sizeof(big));
	big.base.sz = sizeof(big);
	big.base.flags = IOMMUFD_MAP_FIXED_IOVA;
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova,
					     &big.base));
	assert_int_equal(FIXED_IOVA, iova);
	big.future = 1;
	assert_errno(E2BIG, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova,
					     &big.base));
	/* An older caller that knows only sz: flags are not read, defaults apply. */
	memset(&small, 0, sizeof(small));
	small.sz = sizeof(size_t);
	small.flags = IOMMUFD_MAP_FIXED_IOVA;
	iova = FIXED_IOVA;
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova, &small));
	assert_int_not_equal(FIXED_IOVA, iova);
	small.sz = 1;
	assert_errno(EINVAL, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova, &small));
}

static void test_map_args(void **state)
{
	struct fixture *f = *state;
	uint64_t iova;

	assert_errno(EINVAL, iommufd_ioas_map(f->ioas, NULL, f->page_size, &iova, NULL));
	assert_errno(EINVAL, iommufd_ioas_map(f->ioas, f->buffer, 0, &iova, NULL));
	assert_errno(EINVAL, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, NULL, NULL));
	assert_errno(EOVERFLOW, iommufd_ioas_map(f->ioas, (void *)(UINTPTR_MAX - 100),
						 f->page_size, &iova, NULL));
	iova = UINT64_MAX - 10;
	assert_errno(EOVERFLOW, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova,
						 fixed_opts()));
}

static void test_map_unmapped_without_domain(void **state)
{
	struct fixture *f = *state;
	uint64_t iova;

	/* Nothing pins without a domain, so the memory is not looked at. */
	assert_int_equal(0, iommufd_ioas_map(f->ioas, (void *)(1UL << 31), f->buffer_size,
					     &iova, NULL));
}

static void test_map_efault_with_domain(void **state)
{
	struct fixture *f = *state;
	uint64_t iova;
	void *gone;

	require_selftest(f->ctx);
	assert_int_equal(0, mock_domain(f->ctx, iommufd_ioas_get_id(f->ioas), NULL, NULL, NULL));
	gone = mmap(NULL, f->buffer_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	assert_true(gone != MAP_FAILED);
	assert_int_equal(0, munmap(gone, f->buffer_size));
	assert_errno(EFAULT, iommufd_ioas_map(f->ioas, gone, f->buffer_size, &iova, NULL));
	/* Only the tail gone is still a fault. */
	gone = mmap(NULL, f->buffer_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	assert_true(gone != MAP_FAILED);
	memset(gone, 1, f->buffer_size);
	assert_int_equal(0, munmap((char *)gone + f->buffer_size / 2, f->buffer_size / 2));
	assert_errno(EFAULT, iommufd_ioas_map(f->ioas, gone, f->buffer_size, &iova, NULL));
	munmap(gone, f->buffer_size / 2);
}

static void test_map_pins_with_domain(void **state)
{
	struct fixture *f = *state;
	uint32_t hwpt_id;
	uint64_t iova;

	require_selftest(f->ctx);
	assert_int_equal(0, mock_domain(f->ctx, iommufd_ioas_get_id(f->ioas), NULL, &hwpt_id,
					NULL));
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->buffer_size, &iova, NULL));
	assert_int_equal(0, check_map(f->ctx, hwpt_id, iova, f->buffer_size, f->buffer));
	assert_int_equal(0, check_refs(f->ctx, f->buffer, f->buffer_size, 1));
	assert_int_equal(0, iommufd_ioas_unmap(f->ioas, iova, f->buffer_size, NULL));
	assert_int_equal(0, check_refs(f->ctx, f->buffer, f->buffer_size, 0));
}

/* What failed, in words: the library's check or the kernel's ioctl, with its meaning. */
static void test_last_error_kernel(void **state)
{
	struct fixture *f = *state;
	uint64_t iova = FIXED_IOVA, iova2 = FIXED_IOVA;
	uint32_t stdev_id;

	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->buffer_size, &iova,
					     fixed_opts()));
	assert_errno(EEXIST, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova2,
					      fixed_opts()));
	assert_int_equal(IOMMUFD_ERROR_KERNEL, iommufd_last_error_origin());
	assert_string_equal(iommufd_last_error(),
			    "iommufd_ioas_map: the kernel failed IOMMU_IOAS_MAP with EEXIST: the "
			    "fixed IOVA range is already mapped");
	/* a success leaves the record */
	assert_int_equal(0, iommufd_ioas_unmap(f->ioas, FIXED_IOVA, f->buffer_size, NULL));
	assert_int_equal(IOMMUFD_ERROR_KERNEL, iommufd_last_error_origin());

	assert_errno(ENOENT, iommufd_ioas_unmap(f->ioas, FIXED_IOVA, f->page_size, NULL));
	assert_string_equal(iommufd_last_error(),
			    "iommufd_ioas_unmap: the kernel failed IOMMU_IOAS_UNMAP with ENOENT: "
			    "nothing is mapped in the range, or the range cuts a mapping (unmap "
			    "whole mappings)");

	/*
	 * The same errno, told apart: the kernel's EINVAL (an IOVA not aligned
	 * to the page size a domain imposes) ...
	 */
	require_selftest(f->ctx);
	assert_int_equal(0, mock_domain(f->ctx, iommufd_ioas_get_id(f->ioas), &stdev_id, NULL,
					NULL));
	iova = FIXED_IOVA + 1;
	assert_errno(EINVAL, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova,
					      fixed_opts()));
	assert_int_equal(IOMMUFD_ERROR_KERNEL, iommufd_last_error_origin());
	assert_non_null(strstr(iommufd_last_error(), "the kernel failed IOMMU_IOAS_MAP with "
						     "EINVAL"));
	/* ... and the library's (a zero length), which never reaches the kernel */
	assert_errno(EINVAL, iommufd_ioas_map(f->ioas, f->buffer, 0, &iova, NULL));
	assert_int_equal(IOMMUFD_ERROR_LIBRARY, iommufd_last_error_origin());
	assert_string_equal(iommufd_last_error(),
			    "iommufd_ioas_map: EINVAL from the library's argument check (the "
			    "kernel was not asked): length is NULL or 0");
	assert_int_equal(0, iommufd_ctx_destroy_id(f->ctx, stdev_id));
}

static void test_unmap_errors(void **state)
{
	struct fixture *f = *state;
	uint64_t iova = FIXED_IOVA, unmapped = 99;

	assert_errno(ENOENT, iommufd_ioas_unmap(f->ioas, FIXED_IOVA, f->page_size, &unmapped));
	assert_int_equal(99, unmapped);
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->buffer_size, &iova,
					     fixed_opts()));
	/* Cutting through a mapping is refused and changes nothing. */
	assert_errno(ENOENT, iommufd_ioas_unmap(f->ioas, FIXED_IOVA, f->page_size, NULL));
	assert_errno(ENOENT, iommufd_ioas_unmap(f->ioas, FIXED_IOVA + f->page_size,
						f->buffer_size, NULL));
	assert_errno(EINVAL, iommufd_ioas_unmap(f->ioas, FIXED_IOVA, 0, NULL));
	assert_errno(EOVERFLOW, iommufd_ioas_unmap(f->ioas, UINT64_MAX - 10, 100, NULL));
	assert_int_equal(0, iommufd_ioas_unmap(f->ioas, FIXED_IOVA, f->buffer_size, &unmapped));
	assert_int_equal(f->buffer_size, unmapped);
}

static void test_unmap_fully_contained(void **state)
{
	struct fixture *f = *state;
	uint64_t iova, unmapped = 0;
	int i;

	/* Two mappings with a hole between them, unmapped by one covering range. */
	for (i = 0; i < 2; i++) {
		iova = FIXED_IOVA + (uint64_t)i * 2 * f->buffer_size;
		assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->buffer_size, &iova,
						     fixed_opts()));
	}
	assert_int_equal(0, iommufd_ioas_unmap(f->ioas, FIXED_IOVA - f->page_size,
					       4 * f->buffer_size, &unmapped));
	assert_int_equal(2 * f->buffer_size, unmapped);
}

static void test_unmap_all(void **state)
{
	struct fixture *f = *state;
	uint64_t iova, unmapped = 99;

	assert_int_equal(0, iommufd_ioas_unmap_all(f->ioas, &unmapped));
	assert_int_equal(0, unmapped);
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->buffer_size, &iova, NULL));
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova, NULL));
	assert_int_equal(0, iommufd_ioas_unmap_all(f->ioas, &unmapped));
	assert_int_equal(f->buffer_size + f->page_size, unmapped);
	assert_int_equal(0, iommufd_ioas_unmap_all(f->ioas, NULL));
}

static void test_copy(void **state)
{
	struct fixture *f = *state;
	struct iommufd_ioas *dst;
	struct iommufd_ctx *other;
	struct iommufd_ioas *other_ioas;
	uint64_t iova = FIXED_IOVA, dst_iova, unmapped;

	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->buffer_size, &iova,
					     fixed_opts()));
	/* Inside one IOAS, to a fixed place. */
	dst_iova = FIXED_IOVA + f->buffer_size;
	assert_int_equal(0, iommufd_ioas_copy(f->ioas, f->ioas, FIXED_IOVA, f->page_size,
					      &dst_iova, fixed_opts()));
	assert_int_equal(FIXED_IOVA + f->buffer_size, dst_iova);
	/* To another IOAS, at an automatic IOVA; a part of the source is fine. */
	assert_int_equal(0, iommufd_ioas_create(f->ctx, &dst));
	assert_int_equal(0, iommufd_ioas_copy(dst, f->ioas, FIXED_IOVA + f->page_size,
					      2 * f->page_size, &dst_iova, NULL));
	assert_int_equal(0, iommufd_ioas_unmap(dst, dst_iova, 2 * f->page_size, &unmapped));
	assert_int_equal(2 * f->page_size, unmapped);
	/* The source must lie inside one mapping. */
	assert_errno(ENOENT, iommufd_ioas_copy(dst, f->ioas, FIXED_IOVA + f->buffer_size / 2,
					       f->buffer_size, &dst_iova, NULL));
	assert_errno(ENOENT, iommufd_ioas_copy(dst, f->ioas, 1UL << 40, f->page_size,
					       &dst_iova, NULL));
	assert_errno(EINVAL, iommufd_ioas_copy(dst, f->ioas, FIXED_IOVA, 0, &dst_iova, NULL));
	assert_errno(EINVAL, iommufd_ioas_copy(dst, f->ioas, FIXED_IOVA, f->page_size, NULL,
					       NULL));
	assert_errno(EOVERFLOW, iommufd_ioas_copy(dst, f->ioas, UINT64_MAX - 5, f->page_size,
						  &dst_iova, NULL));
	/* Handles of two contexts never mix. */
	assert_int_equal(0, iommufd_ctx_open(NULL, &other));
	assert_int_equal(0, iommufd_ioas_create(other, &other_ioas));
	assert_errno(EINVAL, iommufd_ioas_copy(other_ioas, f->ioas, FIXED_IOVA, f->page_size,
					       &dst_iova, NULL));
	iommufd_ctx_close(other);
}

static void test_copy_shares_pins(void **state)
{
	struct fixture *f = *state;
	struct iommufd_ioas *dst;
	uint32_t hwpt_id;
	uint64_t iova, dst_iova;

	require_selftest(f->ctx);
	assert_int_equal(0, iommufd_ioas_create(f->ctx, &dst));
	assert_int_equal(0, mock_domain(f->ctx, iommufd_ioas_get_id(f->ioas), NULL, NULL, NULL));
	assert_int_equal(0, mock_domain(f->ctx, iommufd_ioas_get_id(dst), NULL, &hwpt_id, NULL));
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->buffer_size, &iova, NULL));
	assert_int_equal(0, iommufd_ioas_copy(dst, f->ioas, iova, f->buffer_size, &dst_iova,
					      NULL));
	assert_int_equal(0, check_map(f->ctx, hwpt_id, dst_iova, f->buffer_size, f->buffer));
	/* One pin however many domains and copies. */
	assert_int_equal(0, check_refs(f->ctx, f->buffer, f->buffer_size, 1));
}

static void test_iova_ranges(void **state)
{
	struct fixture *f = *state;
	struct iommufd_iova_range ranges[4] = { { 0, 0 } }, *alloc;
	uint64_t alignment = 0;
	uint32_t num;

	num = 4;
	assert_int_equal(0, iommufd_ioas_get_iova_ranges(f->ioas, ranges, &num, &alignment));
	assert_int_equal(1, num);
	assert_int_equal(0, ranges[0].start);
	assert_int_equal(SIZE_MAX, ranges[0].last);
	assert_int_equal(1, alignment);

	/* Too small: the count needed comes back. */
	num = 0;
	assert_errno(EMSGSIZE, iommufd_ioas_get_iova_ranges(f->ioas, NULL, &num, NULL));
	assert_int_equal(1, num);

	assert_errno(EINVAL, iommufd_ioas_get_iova_ranges(f->ioas, ranges, NULL, NULL));
	num = 1;
	assert_errno(EINVAL, iommufd_ioas_get_iova_ranges(f->ioas, NULL, &num, NULL));

	if (!iommufd_ctx_has_feature(f->ctx, IOMMUFD_FEATURE_SELFTEST))
		return;
	assert_int_equal(0, add_reserved(f->ctx, iommufd_ioas_get_id(f->ioas), f->page_size,
					 f->page_size));
	memset(ranges, 0, sizeof(ranges));
	num = 1;
	assert_errno(EMSGSIZE, iommufd_ioas_get_iova_ranges(f->ioas, ranges, &num, &alignment));
	assert_int_equal(2, num);
	/* The ones that fit are filled in, the rest untouched. */
	assert_int_equal(0, ranges[0].start);
	assert_int_equal(f->page_size - 1, ranges[0].last);
	assert_int_equal(0, ranges[1].last);

	assert_int_equal(0, iommufd_ioas_get_iova_ranges_alloc(f->ioas, &alloc, &num, NULL));
	assert_int_equal(2, num);
	assert_int_equal(0, alloc[0].start);
	assert_int_equal(f->page_size - 1, alloc[0].last);
	assert_int_equal(2 * f->page_size, alloc[1].start);
	assert_int_equal(SIZE_MAX, alloc[1].last);
	free(alloc);
}

static void test_iova_ranges_domain(void **state)
{
	struct fixture *f = *state;
	struct iommufd_iova_range *ranges;
	uint64_t alignment;
	uint32_t num;

	require_selftest(f->ctx);
	assert_int_equal(0, mock_domain(f->ctx, iommufd_ioas_get_id(f->ioas), NULL, NULL, NULL));
	assert_int_equal(0, iommufd_ioas_get_iova_ranges_alloc(f->ioas, &ranges, &num,
							       &alignment));
	assert_int_equal(1, num);
	assert_int_equal(TEST_MOCK_APERTURE_START, ranges[0].start);
	assert_int_equal(TEST_MOCK_APERTURE_LAST, ranges[0].last);
	assert_int_equal(TEST_MOCK_PAGE_SIZE, alignment);
	free(ranges);
}

static void test_allow_iovas(void **state)
{
	struct fixture *f = *state;
	struct iommufd_iova_range allowed = {
		.start = 200 * f->page_size,
		.last = 600 * f->page_size - 1,
	};
	struct iommufd_iova_range bad = { .start = 10, .last = 5 };
	uint64_t iova;
	size_t i;

	assert_int_equal(0, iommufd_ioas_allow_iovas(f->ioas, &allowed, 1));
	for (i = 1; i <= 10; i++) {
		assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova,
						     NULL));
		assert_true(iova >= allowed.start && iova + f->page_size - 1 <= allowed.last);
	}
	assert_int_equal(0, iommufd_ioas_unmap_all(f->ioas, NULL));
	/* An empty list allows everything again. */
	assert_int_equal(0, iommufd_ioas_allow_iovas(f->ioas, NULL, 0));
	assert_errno(EINVAL, iommufd_ioas_allow_iovas(f->ioas, NULL, 1));
	assert_errno(EINVAL, iommufd_ioas_allow_iovas(f->ioas, &bad, 1));

	if (!iommufd_ctx_has_feature(f->ctx, IOMMUFD_FEATURE_SELFTEST))
		return;
	assert_int_equal(0, add_reserved(f->ctx, iommufd_ioas_get_id(f->ioas), 4 * f->page_size,
					 100 * f->page_size));
	allowed.start = f->page_size;
	allowed.last = 600 * f->page_size;
	assert_errno(EADDRINUSE, iommufd_ioas_allow_iovas(f->ioas, &allowed, 1));
}

static void test_huge_pages(void **state)
{
	struct fixture *f = *state;
	uint64_t iova;
	bool enabled = false;

	assert_int_equal(0, iommufd_ioas_get_huge_pages(f->ioas, &enabled));
	assert_true(enabled);
	assert_errno(EINVAL, iommufd_ioas_get_huge_pages(f->ioas, NULL));
	assert_int_equal(0, iommufd_ioas_set_huge_pages(f->ioas, false));
	assert_int_equal(0, iommufd_ioas_get_huge_pages(f->ioas, &enabled));
	assert_false(enabled);
	/* With huge pages off, IOVA must be PAGE_SIZE aligned. */
	iova = FIXED_IOVA + f->page_size / 2;
	assert_errno(EINVAL, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova,
					      fixed_opts()));
	assert_int_equal(0, iommufd_ioas_set_huge_pages(f->ioas, true));
	/* A mapping that is not page aligned keeps them on. */
	iova = FIXED_IOVA + f->page_size / 2;
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova,
					     fixed_opts()));
	assert_errno(EADDRINUSE, iommufd_ioas_set_huge_pages(f->ioas, false));
}

/*
 * The allowed list steers automatic IOVA only: a fixed IOVA outside it maps,
 * and a mapping outside it does not stop the list from being set (the
 * kernel's iopt_set_allow_iova() checks reserved ranges, nothing else).
 */
static void test_allow_iovas_steers_only(void **state)
{
	struct fixture *f = *state;
	struct iommufd_iova_range allowed = {
		.start = 200 * f->page_size,
		.last = 600 * f->page_size - 1,
	};
	uint64_t iova = FIXED_IOVA, auto_iova;

	assert_true(FIXED_IOVA > allowed.last);
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova,
					     fixed_opts()));
	assert_int_equal(0, iommufd_ioas_allow_iovas(f->ioas, &allowed, 1));
	iova = FIXED_IOVA + f->page_size;
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova,
					     fixed_opts()));
	assert_int_equal(FIXED_IOVA + f->page_size, iova);
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &auto_iova,
					     NULL));
	assert_true(auto_iova >= allowed.start && auto_iova + f->page_size - 1 <= allowed.last);
	assert_int_equal(0, iommufd_ioas_unmap_all(f->ioas, NULL));
}

/* Huge pages cannot be turned off under an attached domain that has mappings. */
static void test_huge_pages_domain(void **state)
{
	struct fixture *f = *state;
	uint64_t iova;

	require_selftest(f->ctx);
	assert_int_equal(0, mock_domain(f->ctx, iommufd_ioas_get_id(f->ioas), NULL, NULL, NULL));
	/* No mappings yet: allowed. */
	assert_int_equal(0, iommufd_ioas_set_huge_pages(f->ioas, false));
	assert_int_equal(0, iommufd_ioas_set_huge_pages(f->ioas, true));
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, f->page_size, &iova, NULL));
	assert_errno(EINVAL, iommufd_ioas_set_huge_pages(f->ioas, false));
	assert_int_equal(0, iommufd_ioas_unmap_all(f->ioas, NULL));
	assert_int_equal(0, iommufd_ioas_set_huge_pages(f->ioas, false));
}

static void test_map_file(void **state)
{
	struct fixture *f = *state;
	uint64_t iova, unmapped;
	int fd;

	assert_errno(EBADF, iommufd_ioas_map_file(f->ioas, -1, 0, f->page_size, &iova, NULL));
	assert_errno(EINVAL, iommufd_ioas_map_file(f->ioas, 0, 0, 0, &iova, NULL));
	if (!iommufd_ctx_has_cmd(f->ctx, IOMMUFD_IOCTL_IOAS_MAP_FILE))
		skip();
	fd = memfd_create("test-ioas", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(0, ftruncate(fd, (off_t)(4 * f->page_size)));
	assert_int_equal(0, iommufd_ioas_map_file(f->ioas, fd, 0, 4 * f->page_size, &iova,
						  NULL));
	assert_int_equal(0, iommufd_ioas_unmap(f->ioas, iova, 4 * f->page_size, &unmapped));
	assert_int_equal(4 * f->page_size, unmapped);
	/*
	 * Past the end of the file: the kernel looks at the file's size only
	 * when it pins the pages, so with no domain the map succeeds, and once a
	 * domain is attached the same map fails.
	 */
	assert_int_equal(0, iommufd_ioas_map_file(f->ioas, fd, 4 * f->page_size, f->page_size,
						  &iova, NULL));
	assert_int_equal(0, iommufd_ioas_unmap(f->ioas, iova, f->page_size, &unmapped));
	require_selftest(f->ctx);
	{
		uint32_t stdev_id, hwpt_id, idev_id;

		assert_int_equal(0, mock_domain(f->ctx, iommufd_ioas_get_id(f->ioas), &stdev_id,
						&hwpt_id, &idev_id));
		assert_errno(EINVAL, iommufd_ioas_map_file(f->ioas, fd, 4 * f->page_size,
							   f->page_size, &iova, NULL));
		assert_int_equal(0, iommufd_ctx_destroy_id(f->ctx, stdev_id));
	}
	close(fd);
}

struct thread_arg {
	struct fixture *f;
	int failures;
};

static void *map_unmap_thread(void *p)
{
	struct thread_arg *arg = p;
	int i;

	for (i = 0; i < 200; i++) {
		uint64_t iova, unmapped = 0;

		if (iommufd_ioas_map(arg->f->ioas, arg->f->buffer, arg->f->buffer_size, &iova,
				     NULL) ||
		    iommufd_ioas_unmap(arg->f->ioas, iova, arg->f->buffer_size, &unmapped) ||
		    unmapped != arg->f->buffer_size)
			arg->failures++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fixture *f = *state;
	struct thread_arg args[4];
	pthread_t threads[4];
	uint64_t unmapped = 1;
	int i;

	for (i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){ .f = f };
		assert_int_equal(0, pthread_create(&threads[i], NULL, map_unmap_thread, &args[i]));
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(0, pthread_join(threads[i], NULL));
		assert_int_equal(0, args[i].failures);
	}
	assert_int_equal(0, iommufd_ioas_unmap_all(f->ioas, &unmapped));
	assert_int_equal(0, unmapped);
}

/*
 * In a child without CAP_IPC_LOCK and with a small RLIMIT_MEMLOCK: pinning
 * more than the limit fails with ENOMEM, less succeeds.
 */
static int pin_limit_child(struct fixture *f)
{
	struct rlimit lim = { .rlim_cur = 4 * f->page_size, .rlim_max = 4 * f->page_size };
	struct iommufd_ctx *ctx;
	struct iommufd_ioas *ioas;
	cap_value_t ipc_lock = CAP_IPC_LOCK;
	cap_t caps;
	uint64_t iova;
	int ret;

	caps = cap_get_proc();
	if (!caps || cap_set_flag(caps, CAP_EFFECTIVE, 1, &ipc_lock, CAP_CLEAR) ||
	    cap_set_proc(caps))
		return 10;
	cap_free(caps);
	if (setrlimit(RLIMIT_MEMLOCK, &lim))
		return 11;
	if (iommufd_ctx_open(NULL, &ctx) || iommufd_ioas_create(ctx, &ioas))
		return 12;
	if (mock_domain(ctx, iommufd_ioas_get_id(ioas), NULL, NULL, NULL))
		return 13;
	ret = iommufd_ioas_map(ioas, f->buffer, f->buffer_size, &iova, NULL);
	if (ret != -ENOMEM)
		return 14;
	ret = iommufd_ioas_map(ioas, f->buffer, 2 * f->page_size, &iova, NULL);
	if (ret)
		return 15;
	iommufd_ctx_close(ctx);
	return 0;
}

static void test_pin_accounting(void **state)
{
	struct fixture *f = *state;
	int status;
	pid_t pid;

	require_selftest(f->ctx);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(pin_limit_child(f));
	assert_int_equal(pid, waitpid(pid, &status, 0));
	assert_true(WIFEXITED(status));
	assert_int_equal(0, WEXITSTATUS(status));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_destroy),
		T(test_destroy_busy),
		T(test_adopt),
		T(test_map_auto),
		T(test_map_auto_aligned),
		T(test_map_fixed),
		T(test_map_flags),
		T(test_map_opts_size),
		T(test_map_args),
		T(test_map_unmapped_without_domain),
		T(test_map_efault_with_domain),
		T(test_map_pins_with_domain),
		T(test_unmap_errors),
		T(test_last_error_kernel),
		T(test_unmap_fully_contained),
		T(test_unmap_all),
		T(test_copy),
		T(test_copy_shares_pins),
		T(test_iova_ranges),
		T(test_iova_ranges_domain),
		T(test_allow_iovas),
		T(test_allow_iovas_steers_only),
		T(test_huge_pages_domain),
		T(test_huge_pages),
		T(test_map_file),
		T(test_threads),
		T(test_pin_accounting),
	};

	return cmocka_run_group_tests_name("lib-ioas", tests, NULL, NULL);
}
