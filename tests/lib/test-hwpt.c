// SPDX-License-Identifier: MIT
/*
 * test-hwpt.c - hardware page table handles: argument checks of every call,
 * and against the selftest's mock IOMMU: paging and nested allocation (with
 * the mock's own data type), typed nested data the mock refuses, adoption,
 * destroy while in use, invalidation with the kernel's entry_num semantics,
 * dirty tracking, the dirty bitmap and the chunked dirty-range walk. One
 * behaviour per test, the errno asserted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "helpers.h"
#include "iommufd-uapi.h"
#include "iommufd_test.h"

#define DIRTY_IOVA MOCK_APERTURE_START
#define DIRTY_PAGES 128 /* CPU pages, the mock IOMMU's PTE size: two bitmap words */

static void require_cmd(struct iommufd_ctx *ctx, enum iommufd_cmd cmd, const char *name)
{
	require_selftest(ctx);
	if (!iommufd_ctx_has_cmd(ctx, cmd)) {
		print_message("skipped: the kernel has no %s\n", name);
		skip();
	}
}

/* IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS: a mock device with @dev_flags on @pt_id; its idev id. */
static uint32_t mock_device_flags(struct iommufd_ctx *ctx, uint32_t pt_id, uint32_t dev_flags)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.id = pt_id,
		.mock_domain_flags = { .dev_flags = dev_flags },
	};

	assert_int_equal(0, test_cmd(ctx, &cmd));
	return cmd.mock_domain_flags.out_idev_id;
}

/* A mock device on the fixture's IOAS, adopted; *@hwpt_id gets its automatic HWPT. */
static struct iommufd_device *mock_device(struct fixture *f, uint32_t *hwpt_id)
{
	struct iommufd_device *dev = NULL;
	uint32_t idev_id;

	require_selftest(f->ctx);
	assert_int_equal(0, mock_domain(f->ctx, iommufd_ioas_get_id(f->ioas), NULL, hwpt_id,
					&idev_id));
	assert_int_equal(0, iommufd_device_adopt(f->ctx, idev_id, &dev));
	return dev;
}

/* IOMMU_TEST_OP_MD_CHECK_IOTLB: slot @slot of nested HWPT @id holds @val. */
static int check_iotlb(struct iommufd_ctx *ctx, uint32_t id, uint32_t slot, uint32_t val)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MD_CHECK_IOTLB,
		.id = id,
		.check_iotlb = { .id = slot, .iotlb = val },
	};

	return test_cmd(ctx, &cmd);
}

/* IOMMU_TEST_OP_DIRTY: marks the pages whose bits are set in @bitmap dirty; how many. */
static uint64_t mark_dirty(struct iommufd_ctx *ctx, uint32_t hwpt_id, uint64_t iova,
			   uint64_t length, uint64_t page_size, const uint64_t *bitmap)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_DIRTY,
		.id = hwpt_id,
		.dirty = { .iova = iova, .length = length, .page_size = page_size,
			   .uptr = (uintptr_t)bitmap },
	};

	assert_int_equal(0, test_cmd(ctx, &cmd));
	return cmd.dirty.out_nr_dirty;
}

static const struct iommufd_hwpt_alloc_opts *nest_parent_opts(void)
{
	static const struct iommufd_hwpt_alloc_opts opts = {
		.sz = sizeof(opts),
		.flags = IOMMUFD_HWPT_ALLOC_NEST_PARENT,
	};
	return &opts;
}

/* A nested HWPT of the mock's own data type on a fresh nesting parent. */
static struct iommufd_hwpt *alloc_nested(struct iommufd_device *dev, struct fixture *f,
					 struct iommufd_hwpt **parent)
{
	static const struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .data_type = IOMMU_HWPT_DATA_SELFTEST,
		     .data = &data, .data_len = sizeof(data));
	struct iommufd_hwpt *nested = NULL;

	assert_int_equal(0, iommufd_hwpt_alloc_paging(dev, f->ioas, nest_parent_opts(), parent));
	assert_int_equal(0, iommufd_hwpt_alloc_nested(dev, iommufd_hwpt_as_pt(*parent), &opts,
						      &nested));
	return nested;
}

static void test_alloc_args(void **state)
{
	struct fixture *f = *state;
	struct iommufd_hwpt *hwpt;
	struct iommufd_hwpt_vtd_s1 s1 = { 0 };
	struct iommufd_hwpt_arm_smmuv3 ste = { { 0 } };
	struct iommufd_hwpt_amd_guest dte = { { 0 } };

	struct iommufd_pt *pt = iommufd_ioas_as_pt(f->ioas);

	assert_errno(EINVAL, iommufd_hwpt_alloc(NULL, pt, NULL, &hwpt));
	assert_errno(EINVAL, iommufd_hwpt_alloc_paging(NULL, f->ioas, NULL, &hwpt));
	assert_errno(EINVAL, iommufd_hwpt_alloc_nested(NULL, NULL, NULL, &hwpt));
	assert_errno(EINVAL, iommufd_hwpt_alloc_nested_vtd_s1(NULL, pt, &s1, NULL, &hwpt));
	assert_errno(EINVAL, iommufd_hwpt_alloc_nested_arm_smmuv3(NULL, pt, &ste, NULL, &hwpt));
	assert_errno(EINVAL, iommufd_hwpt_alloc_nested_amd_guest(NULL, pt, &dte, NULL, &hwpt));
}

static void test_alloc_args_device(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev = mock_device(f, NULL);
	struct iommufd_hwpt *hwpt, *parent;
	struct iommufd_pt *pt;

	require_cmd(f->ctx, IOMMUFD_IOCTL_HWPT_ALLOC, "IOMMU_HWPT_ALLOC");
	assert_int_equal(0, iommufd_hwpt_alloc_paging(dev, f->ioas, nest_parent_opts(), &parent));
	pt = iommufd_hwpt_as_pt(parent);
	assert_errno(EINVAL, iommufd_hwpt_alloc(dev, NULL, NULL, &hwpt));
	assert_errno(EINVAL, iommufd_hwpt_alloc(dev, iommufd_ioas_as_pt(f->ioas), NULL, NULL));
	assert_errno(EINVAL, iommufd_hwpt_alloc_paging(dev, NULL, NULL, &hwpt));
	assert_errno(EINVAL, iommufd_hwpt_alloc_paging(dev, f->ioas, NULL, NULL));
	/* Nested needs data. */
	assert_errno(EINVAL, iommufd_hwpt_alloc_nested(dev, pt, NULL, &hwpt));
	assert_errno(EINVAL, iommufd_hwpt_alloc_nested_vtd_s1(dev, pt, NULL, NULL, &hwpt));
	assert_errno(EINVAL, iommufd_hwpt_alloc_nested_arm_smmuv3(dev, pt, NULL, NULL, &hwpt));
	assert_errno(EINVAL, iommufd_hwpt_alloc_nested_amd_guest(dev, pt, NULL, NULL, &hwpt));
	assert_int_equal(0, iommufd_hwpt_destroy(parent));
}

/* A nested HWPT needs a HWPT or vIOMMU parent: an IOAS is refused by the library. */
static void test_alloc_nested_on_ioas(void **state)
{
	static const struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .data_type = IOMMU_HWPT_DATA_SELFTEST,
		     .data = &data, .data_len = sizeof(data));
	struct iommufd_hwpt_vtd_s1 s1 = { .pgtbl_addr = 0x1000, .addr_width = 48 };
	struct fixture *f = *state;
	struct iommufd_device *dev = mock_device(f, NULL);
	struct iommufd_pt *pt = iommufd_ioas_as_pt(f->ioas);
	struct iommufd_hwpt *hwpt;

	assert_errno(EINVAL, iommufd_hwpt_alloc_nested(dev, pt, &opts, &hwpt));
	assert_errno(EINVAL, iommufd_hwpt_alloc_nested_vtd_s1(dev, pt, &s1, NULL, &hwpt));
}

/* The fault queue is a handle of the device's context, given with its flag. */
static void test_alloc_fault_handle(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev = mock_device(f, NULL);
	struct iommufd_fault *fault, *fault2;
	struct iommufd_ctx *ctx2;
	struct iommufd_hwpt *hwpt;

	require_cmd(f->ctx, IOMMUFD_IOCTL_FAULT_QUEUE_ALLOC, "IOMMU_FAULT_QUEUE_ALLOC");
	assert_int_equal(0, iommufd_fault_alloc(f->ctx, NULL, &fault));
	assert_int_equal(0, iommufd_ctx_open(NULL, &ctx2));
	assert_int_equal(0, iommufd_fault_alloc(ctx2, NULL, &fault2));
	{
		/* a queue without the flag */
		IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .fault = fault);
		assert_errno(EINVAL, iommufd_hwpt_alloc_paging(dev, f->ioas, &opts, &hwpt));
	}
	{
		IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .flags = IOMMUFD_HWPT_ALLOC_FAULT_ID,
			     .fault = fault2);
		assert_errno(EINVAL, iommufd_hwpt_alloc_paging(dev, f->ioas, &opts, &hwpt));
	}
	iommufd_ctx_close(ctx2);
	assert_int_equal(0, iommufd_fault_destroy(fault));
}

static void test_alloc_opts(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev = mock_device(f, NULL);
	struct iommufd_hwpt *hwpt;
	struct iommufd_hwpt_vtd_s1 s1 = { 0 };
	uint32_t data = 0;
	struct {
		struct iommufd_hwpt_alloc_opts base;
		uint64_t future;
	} big;

	{
		IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .flags = 1u << 10);
		assert_errno(EOPNOTSUPP, iommufd_hwpt_alloc_paging(dev, f->ioas, &opts, &hwpt));
	}
	{
		IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .data_type = 7, .data = &data);
		assert_errno(EINVAL, iommufd_hwpt_alloc_paging(dev, f->ioas, &opts, &hwpt));
	}
	{
		IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .data_type = 7, .data_len = 4);
		assert_errno(EINVAL, iommufd_hwpt_alloc_paging(dev, f->ioas, &opts, &hwpt));
	}
	{
		IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .data = &data, .data_len = 4);
		/* Data needs a type. */
		assert_errno(EINVAL, iommufd_hwpt_alloc_paging(dev, f->ioas, &opts, &hwpt));
	}
	{
		IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .flags = IOMMUFD_HWPT_ALLOC_FAULT_ID);
		assert_errno(EINVAL, iommufd_hwpt_alloc_paging(dev, f->ioas, &opts, &hwpt));
	}
	{
		/* The typed calls bring their own data. */
		IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .data_type = 7, .data = &data,
			     .data_len = 4);
		assert_errno(EINVAL, iommufd_hwpt_alloc_nested_vtd_s1(dev, iommufd_ioas_as_pt(f->ioas),
								      &s1, &opts, &hwpt));
	}
	memset(&big, 0, sizeof(big));
	big.base.sz = sizeof(big);
	big.future = 1;
	assert_errno(E2BIG, iommufd_hwpt_alloc_paging(dev, f->ioas, &big.base, &hwpt));
}

static void test_alloc_other_ctx(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev = mock_device(f, NULL);
	struct iommufd_ctx *ctx2;
	struct iommufd_ioas *ioas2;
	struct iommufd_hwpt *hwpt2, *hwpt;
	uint32_t hwpt2_id;

	assert_int_equal(0, iommufd_ctx_open(NULL, &ctx2));
	assert_int_equal(0, iommufd_ioas_create(ctx2, &ioas2));
	assert_errno(EINVAL, iommufd_hwpt_alloc_paging(dev, ioas2, NULL, &hwpt));
	assert_int_equal(0, mock_domain(ctx2, iommufd_ioas_get_id(ioas2), NULL, &hwpt2_id, NULL));
	assert_int_equal(0, iommufd_hwpt_adopt(ctx2, hwpt2_id, &hwpt2));
	{
		uint32_t data = 0;
		IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .data_type = IOMMU_HWPT_DATA_SELFTEST,
			     .data = &data, .data_len = sizeof(data));
		assert_errno(EINVAL, iommufd_hwpt_alloc_nested(dev, iommufd_hwpt_as_pt(hwpt2), &opts,
							       &hwpt));
	}
	iommufd_ctx_close(ctx2);
}

static void test_null_handle(void **state)
{
	uint32_t num = 0;
	uint64_t bitmap[1];

	(void)state;
	assert_int_equal(0, iommufd_hwpt_get_id(NULL));
	assert_null(iommufd_hwpt_get_ctx(NULL));
	assert_errno(EINVAL, iommufd_hwpt_destroy(NULL));
	iommufd_hwpt_free(NULL);
	assert_errno(EINVAL, iommufd_hwpt_invalidate(NULL, 0, NULL, 0, &num));
	assert_errno(EINVAL, iommufd_hwpt_set_dirty_tracking(NULL, true));
	assert_errno(EINVAL, iommufd_hwpt_get_dirty_bitmap(NULL, 0, 4096, 4096, bitmap, 0));
	assert_errno(EINVAL, iommufd_hwpt_walk_dirty(NULL, 0, 4096, 4096, NULL, NULL, NULL));
}

static void test_adopt_args(void **state)
{
	struct fixture *f = *state;
	struct iommufd_hwpt *hwpt;

	assert_errno(EINVAL, iommufd_hwpt_adopt(NULL, 1, &hwpt));
	assert_errno(EINVAL, iommufd_hwpt_adopt(f->ctx, 0, &hwpt));
	assert_errno(EINVAL, iommufd_hwpt_adopt(f->ctx, 1, NULL));
}

static void test_adopt_auto_hwpt(void **state)
{
	struct fixture *f = *state;
	struct iommufd_hwpt *hwpt;
	uint32_t hwpt_id;

	mock_device(f, &hwpt_id);
	assert_int_equal(0, iommufd_hwpt_adopt(f->ctx, hwpt_id, &hwpt));
	assert_int_equal(hwpt_id, iommufd_hwpt_get_id(hwpt));
	assert_ptr_equal(f->ctx, iommufd_hwpt_get_ctx(hwpt));
	/* In use by the device: the kernel refuses, the handle stays valid. */
	assert_errno(EBUSY, iommufd_hwpt_destroy(hwpt));
	assert_int_equal(hwpt_id, iommufd_hwpt_get_id(hwpt));
	iommufd_hwpt_free(hwpt);
}

static void test_adopt_missing(void **state)
{
	struct fixture *f = *state;
	struct iommufd_hwpt *hwpt;

	require_cmd(f->ctx, IOMMUFD_IOCTL_HWPT_GET_DIRTY_BITMAP, "IOMMU_HWPT_GET_DIRTY_BITMAP");
	assert_errno(ENOENT, iommufd_hwpt_adopt(f->ctx, 0x7fff0000, &hwpt));
}

static void test_alloc_paging(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_hwpt *hwpt;

	require_cmd(f->ctx, IOMMUFD_IOCTL_HWPT_ALLOC, "IOMMU_HWPT_ALLOC");
	dev = mock_device(f, NULL);
	assert_int_equal(0, iommufd_hwpt_alloc_paging(dev, f->ioas, NULL, &hwpt));
	assert_int_not_equal(0, iommufd_hwpt_get_id(hwpt));
	assert_ptr_equal(f->ctx, iommufd_hwpt_get_ctx(hwpt));
	assert_int_equal(0, iommufd_hwpt_destroy(hwpt));
}

static void test_alloc_paging_by_id(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_hwpt *hwpt;

	require_cmd(f->ctx, IOMMUFD_IOCTL_HWPT_ALLOC, "IOMMU_HWPT_ALLOC");
	dev = mock_device(f, NULL);
	assert_int_equal(0, iommufd_hwpt_alloc(dev, iommufd_ioas_as_pt(f->ioas),
					       nest_parent_opts(), &hwpt));
	assert_int_equal(0, iommufd_hwpt_destroy(hwpt));
	/* A handle of another kind is no page table. */
	assert_errno(EINVAL, iommufd_hwpt_alloc(dev, (struct iommufd_pt *)dev, NULL, &hwpt));
}

static void test_alloc_paging_flags(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_hwpt *hwpt;
	uint32_t flags[] = { IOMMUFD_HWPT_ALLOC_NEST_PARENT, IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING,
			     IOMMUFD_HWPT_ALLOC_NEST_PARENT | IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING };
	size_t i;

	require_cmd(f->ctx, IOMMUFD_IOCTL_HWPT_ALLOC, "IOMMU_HWPT_ALLOC");
	dev = mock_device(f, NULL);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .flags = flags[i]);
		assert_int_equal(0, iommufd_hwpt_alloc_paging(dev, f->ioas, &opts, &hwpt));
		assert_int_equal(0, iommufd_hwpt_destroy(hwpt));
	}
}

static void test_alloc_dirty_no_dirty_device(void **state)
{
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .flags = IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING);
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_hwpt *hwpt;

	require_cmd(f->ctx, IOMMUFD_IOCTL_HWPT_ALLOC, "IOMMU_HWPT_ALLOC");
	assert_int_equal(0, iommufd_device_adopt(f->ctx,
						 mock_device_flags(f->ctx,
								   iommufd_ioas_get_id(f->ioas),
								   MOCK_FLAGS_DEVICE_NO_DIRTY),
						 &dev));
	assert_errno(EOPNOTSUPP, iommufd_hwpt_alloc_paging(dev, f->ioas, &opts, &hwpt));
}

static void test_alloc_paging_selftest_data(void **state)
{
	struct iommu_hwpt_selftest data = { .iotlb = 0, .pagetable_type = MOCK_IOMMUPT_DEFAULT };
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .data_type = IOMMU_HWPT_DATA_SELFTEST,
		     .data = &data, .data_len = sizeof(data));
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_hwpt *hwpt;

	require_cmd(f->ctx, IOMMUFD_IOCTL_HWPT_ALLOC, "IOMMU_HWPT_ALLOC");
	dev = mock_device(f, NULL);
	assert_int_equal(0, iommufd_hwpt_alloc_paging(dev, f->ioas, &opts, &hwpt));
	assert_int_equal(0, iommufd_hwpt_destroy(hwpt));
}

static void test_alloc_nested(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_hwpt *parent, *nested;

	require_cmd(f->ctx, IOMMUFD_IOCTL_HWPT_ALLOC, "IOMMU_HWPT_ALLOC");
	dev = mock_device(f, NULL);
	nested = alloc_nested(dev, f, &parent);
	assert_int_not_equal(iommufd_hwpt_get_id(parent), iommufd_hwpt_get_id(nested));
	assert_int_equal(0, check_iotlb(f->ctx, iommufd_hwpt_get_id(nested), 0,
					IOMMU_TEST_IOTLB_DEFAULT));
	/* The parent is in use by the nested HWPT: EBUSY, handle still valid. */
	assert_errno(EBUSY, iommufd_hwpt_destroy(parent));
	assert_int_equal(0, iommufd_hwpt_destroy(nested));
	assert_int_equal(0, iommufd_hwpt_destroy(parent));
}

static void test_alloc_nested_not_parent(void **state)
{
	uint32_t data = IOMMU_TEST_IOTLB_DEFAULT;
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .data_type = IOMMU_HWPT_DATA_SELFTEST,
		     .data = &data, .data_len = sizeof(data));
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_hwpt *paging, *nested;

	require_cmd(f->ctx, IOMMUFD_IOCTL_HWPT_ALLOC, "IOMMU_HWPT_ALLOC");
	dev = mock_device(f, NULL);
	assert_int_equal(0, iommufd_hwpt_alloc_paging(dev, f->ioas, NULL, &paging));
	assert_errno(EINVAL, iommufd_hwpt_alloc_nested(dev, iommufd_hwpt_as_pt(paging), &opts,
						       &nested));
}

static void test_alloc_nested_typed_unsupported(void **state)
{
	struct iommufd_hwpt_vtd_s1 s1 = { .pgtbl_addr = 0x1000, .addr_width = 48 };
	struct iommufd_hwpt_arm_smmuv3 ste = { { 1, 2 } };
	struct iommufd_hwpt_amd_guest dte = { { 1, 2, 3, 4 } };
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_hwpt *parent, *nested;
	struct iommufd_pt *pt;

	require_cmd(f->ctx, IOMMUFD_IOCTL_HWPT_ALLOC, "IOMMU_HWPT_ALLOC");
	dev = mock_device(f, NULL);
	assert_int_equal(0, iommufd_hwpt_alloc_paging(dev, f->ioas, nest_parent_opts(), &parent));
	pt = iommufd_hwpt_as_pt(parent);
	/* The mock IOMMU nests only its own data type. */
	assert_errno(EOPNOTSUPP, iommufd_hwpt_alloc_nested_vtd_s1(dev, pt, &s1, NULL, &nested));
	assert_errno(EOPNOTSUPP, iommufd_hwpt_alloc_nested_arm_smmuv3(dev, pt, &ste, NULL,
								      &nested));
	assert_errno(EOPNOTSUPP, iommufd_hwpt_alloc_nested_amd_guest(dev, pt, &dte, NULL,
								     &nested));
}

static void test_invalidate(void **state)
{
	struct iommu_hwpt_invalidate_selftest inv[2] = { { .iotlb_id = 0 }, { .iotlb_id = 2 } };
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_hwpt *parent, *nested;
	uint32_t num = 2, id;

	require_cmd(f->ctx, IOMMUFD_IOCTL_HWPT_INVALIDATE, "IOMMU_HWPT_INVALIDATE");
	dev = mock_device(f, NULL);
	nested = alloc_nested(dev, f, &parent);
	id = iommufd_hwpt_get_id(nested);
	assert_int_equal(0, iommufd_hwpt_invalidate(nested, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
						    inv, sizeof(inv[0]), &num));
	assert_int_equal(2, num);
	assert_int_equal(0, check_iotlb(f->ctx, id, 0, 0));
	assert_int_equal(0, check_iotlb(f->ctx, id, 1, IOMMU_TEST_IOTLB_DEFAULT));
	assert_int_equal(0, check_iotlb(f->ctx, id, 2, 0));
}

static void test_invalidate_partial(void **state)
{
	struct iommu_hwpt_invalidate_selftest inv[3] = {
		{ .iotlb_id = 1 },
		{ .iotlb_id = MOCK_NESTED_DOMAIN_IOTLB_ID_MAX + 1 },
		{ .iotlb_id = 2 },
	};
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_hwpt *parent, *nested;
	uint32_t num = 3;

	require_cmd(f->ctx, IOMMUFD_IOCTL_HWPT_INVALIDATE, "IOMMU_HWPT_INVALIDATE");
	dev = mock_device(f, NULL);
	nested = alloc_nested(dev, f, &parent);
	/* The second entry is bad: one was handled, and the count says so. */
	assert_errno(EINVAL, iommufd_hwpt_invalidate(nested, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
						     inv, sizeof(inv[0]), &num));
	assert_int_equal(1, num);
	assert_int_equal(0, check_iotlb(f->ctx, iommufd_hwpt_get_id(nested), 1, 0));
	assert_int_equal(0, check_iotlb(f->ctx, iommufd_hwpt_get_id(nested), 2,
					IOMMU_TEST_IOTLB_DEFAULT));
}

static void test_invalidate_type_check(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_hwpt *parent, *nested;
	uint32_t num = 0;

	require_cmd(f->ctx, IOMMUFD_IOCTL_HWPT_INVALIDATE, "IOMMU_HWPT_INVALIDATE");
	dev = mock_device(f, NULL);
	nested = alloc_nested(dev, f, &parent);
	/* No entries: only the type is checked. */
	assert_int_equal(0, iommufd_hwpt_invalidate(nested, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
						    NULL, 0, &num));
	assert_int_equal(0, num);
	assert_errno(EINVAL, iommufd_hwpt_invalidate(nested,
						     IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID,
						     NULL, 0, &num));
	assert_int_equal(0, num);
}

static void test_invalidate_paging(void **state)
{
	struct iommu_hwpt_invalidate_selftest inv = { 0 };
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_hwpt *paging;
	uint32_t num = 1;

	require_cmd(f->ctx, IOMMUFD_IOCTL_HWPT_INVALIDATE, "IOMMU_HWPT_INVALIDATE");
	dev = mock_device(f, NULL);
	assert_int_equal(0, iommufd_hwpt_alloc_paging(dev, f->ioas, NULL, &paging));
	assert_errno(EINVAL, iommufd_hwpt_invalidate(paging, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
						     &inv, sizeof(inv), &num));
	assert_int_equal(0, num);
}

static void test_invalidate_args(void **state)
{
	struct fixture *f = *state;
	struct iommufd_hwpt *hwpt;
	uint32_t hwpt_id, num = 2, entries[4] = { 0 };

	mock_device(f, &hwpt_id);
	assert_int_equal(0, iommufd_hwpt_adopt(f->ctx, hwpt_id, &hwpt));
	assert_errno(EINVAL, iommufd_hwpt_invalidate(hwpt, 0, entries, 8, NULL));
	assert_errno(EINVAL, iommufd_hwpt_invalidate(hwpt, 0, NULL, 8, &num));
	assert_int_equal(0, num);
	num = 2;
	assert_errno(EINVAL, iommufd_hwpt_invalidate(hwpt, 0, entries, 0, &num));
	assert_int_equal(0, num);
}

/* A paging HWPT with dirty tracking on, a mock device attached, a buffer mapped at DIRTY_IOVA. */
static struct iommufd_hwpt *dirty_setup(struct fixture *f, void **buf, size_t *len)
{
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .flags = IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING);
	IOMMUFD_OPTS(iommufd_ioas_map_opts, map, .flags = IOMMUFD_MAP_FIXED_IOVA);
	struct iommufd_device *dev;
	struct iommufd_hwpt *hwpt;
	uint64_t iova = DIRTY_IOVA;

	require_cmd(f->ctx, IOMMUFD_IOCTL_HWPT_GET_DIRTY_BITMAP, "IOMMU_HWPT_GET_DIRTY_BITMAP");
	dev = mock_device(f, NULL);
	assert_int_equal(0, iommufd_hwpt_alloc_paging(dev, f->ioas, &opts, &hwpt));
	assert_int_equal(0, mock_domain(f->ctx, iommufd_hwpt_get_id(hwpt), NULL, NULL, NULL));
	*len = DIRTY_PAGES * f->page_size;
	*buf = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(*buf != MAP_FAILED);
	/*
	 * One page per map: a real kernel's page table may use one larger PTE
	 * (one dirty bit) for physically contiguous pages mapped together, which
	 * would make the expected bitmaps depend on where the pages landed.
	 */
	for (size_t i = 0; i < DIRTY_PAGES; i++) {
		iova = DIRTY_IOVA + i * f->page_size;
		assert_int_equal(0, iommufd_ioas_map(f->ioas, (char *)*buf + i * f->page_size,
						     f->page_size, &iova, &map));
	}
	assert_int_equal(0, iommufd_hwpt_set_dirty_tracking(hwpt, true));
	return hwpt;
}

static void test_dirty_bitmap(void **state)
{
	struct fixture *f = *state;
	struct iommufd_hwpt *hwpt;
	uint64_t mark[2] = { 0x8000000000000e01ULL, 0x1ULL }, bitmap[2] = { ~0ULL, ~0ULL };
	size_t len;
	void *buf;

	hwpt = dirty_setup(f, &buf, &len);
	assert_int_equal(6, mark_dirty(f->ctx, iommufd_hwpt_get_id(hwpt), DIRTY_IOVA, len,
				       f->page_size, mark));
	assert_int_equal(0, iommufd_hwpt_get_dirty_bitmap(hwpt, DIRTY_IOVA, len, f->page_size,
							  bitmap, 0));
	assert_int_equal(mark[0], bitmap[0]);
	assert_int_equal(mark[1], bitmap[1]);
	/* Read and cleared: the next read finds nothing (the library zeroed the bitmap). */
	assert_int_equal(0, iommufd_hwpt_get_dirty_bitmap(hwpt, DIRTY_IOVA, len, f->page_size,
							  bitmap, 0));
	assert_true(bitmap[0] == 0 && bitmap[1] == 0);
	munmap(buf, len);
}

static void test_dirty_bitmap_granule(void **state)
{
	struct fixture *f = *state;
	struct iommufd_hwpt *hwpt;
	uint64_t mark[1] = { 0x1ULL }, bitmap[4];
	uint64_t per_pte;
	size_t len;
	void *buf;

	hwpt = dirty_setup(f, &buf, &len);
	/*
	 * The IOMMU tracks whole PTEs (CPU pages on the mock): a bitmap with a
	 * finer granule shows every granule of a dirty PTE dirty.
	 */
	per_pte = f->page_size / MOCK_PAGE_SIZE;
	mark_dirty(f->ctx, iommufd_hwpt_get_id(hwpt), DIRTY_IOVA, MOCK_PAGE_SIZE * 64,
		   MOCK_PAGE_SIZE, mark);
	assert_int_equal(0, iommufd_hwpt_get_dirty_bitmap(hwpt, DIRTY_IOVA, MOCK_PAGE_SIZE * 64,
							  MOCK_PAGE_SIZE, bitmap, 0));
	assert_int_equal((UINT64_C(1) << per_pte) - 1, bitmap[0]);
	munmap(buf, len);
}

static void test_dirty_bitmap_no_clear(void **state)
{
	struct fixture *f = *state;
	struct iommufd_hwpt *hwpt;
	uint64_t mark[2] = { 0x30ULL, 0 }, bitmap[2];
	size_t len;
	void *buf;
	int i;

	hwpt = dirty_setup(f, &buf, &len);
	mark_dirty(f->ctx, iommufd_hwpt_get_id(hwpt), DIRTY_IOVA, len, f->page_size, mark);
	for (i = 0; i < 2; i++) {
		assert_int_equal(0, iommufd_hwpt_get_dirty_bitmap(hwpt, DIRTY_IOVA, len,
								  f->page_size, bitmap,
								  IOMMUFD_DIRTY_NO_CLEAR));
		assert_true(bitmap[0] == mark[0]);
	}
	munmap(buf, len);
}

static void test_dirty_tracking_off(void **state)
{
	struct fixture *f = *state;
	struct iommufd_hwpt *hwpt;
	size_t len;
	void *buf;

	hwpt = dirty_setup(f, &buf, &len);
	assert_int_equal(0, iommufd_hwpt_set_dirty_tracking(hwpt, false));
	assert_int_equal(0, iommufd_hwpt_set_dirty_tracking(hwpt, true));
	munmap(buf, len);
}

static void test_dirty_bitmap_args(void **state)
{
	struct fixture *f = *state;
	struct iommufd_hwpt *hwpt;
	uint64_t bitmap[4];
	uint32_t hwpt_id;

	mock_device(f, &hwpt_id);
	assert_int_equal(0, iommufd_hwpt_adopt(f->ctx, hwpt_id, &hwpt));
	assert_errno(EINVAL, iommufd_hwpt_get_dirty_bitmap(hwpt, 0, 4096, 4096, NULL, 0));
	assert_errno(EINVAL, iommufd_hwpt_get_dirty_bitmap(hwpt, 0, 0, 4096, bitmap, 0));
	assert_errno(EINVAL, iommufd_hwpt_get_dirty_bitmap(hwpt, 0, 4096, 0, bitmap, 0));
	assert_errno(EINVAL, iommufd_hwpt_get_dirty_bitmap(hwpt, 0, 4096, 3072, bitmap, 0));
	assert_errno(EINVAL, iommufd_hwpt_get_dirty_bitmap(hwpt, 1024, 4096, 4096, bitmap, 0));
	assert_errno(EINVAL, iommufd_hwpt_get_dirty_bitmap(hwpt, 0, 4096 + 1024, 4096, bitmap,
							   0));
	assert_errno(EOVERFLOW, iommufd_hwpt_get_dirty_bitmap(hwpt, UINT64_MAX - 4095, 8192, 4096,
							      bitmap, 0));
	assert_errno(EOPNOTSUPP, iommufd_hwpt_get_dirty_bitmap(hwpt, 0, 4096, 4096, bitmap,
							       1u << 4));
}

struct ranges {
	uint64_t iova[8], length[8];
	int n, stop_at;
};

static int collect(uint64_t iova, uint64_t length, void *priv)
{
	struct ranges *r = priv;

	if (r->n == 8)
		return -ENOSPC;
	r->iova[r->n] = iova;
	r->length[r->n] = length;
	r->n++;
	return r->n == r->stop_at ? 42 : 0;
}

static void dirty_ranges_with_chunk(void **state, uint64_t chunk_pages)
{
	IOMMUFD_OPTS(iommufd_hwpt_walk_dirty_opts, opts, .chunk_pages = chunk_pages);
	struct fixture *f = *state;
	struct iommufd_hwpt *hwpt;
	/* Page 0; pages 60..70 (across the word boundary); pages 100..127 (to the end). */
	uint64_t mark[2] = { 0xf000000000000001ULL, 0xfffffff00000007fULL };
	struct ranges r = { .n = 0 };
	size_t len;
	void *buf;

	hwpt = dirty_setup(f, &buf, &len);
	mark_dirty(f->ctx, iommufd_hwpt_get_id(hwpt), DIRTY_IOVA, len, f->page_size, mark);
	assert_int_equal(0, iommufd_hwpt_walk_dirty(hwpt, DIRTY_IOVA, len, f->page_size,
						      &opts, collect, &r));
	assert_int_equal(3, r.n);
	assert_true(r.iova[0] == DIRTY_IOVA && r.length[0] == f->page_size);
	assert_true(r.iova[1] == DIRTY_IOVA + 60 * f->page_size);
	assert_true(r.length[1] == 11 * f->page_size);
	assert_true(r.iova[2] == DIRTY_IOVA + 100 * f->page_size);
	assert_true(r.length[2] == 28 * f->page_size);
	/* Cleared as read. */
	r.n = 0;
	assert_int_equal(0, iommufd_hwpt_walk_dirty(hwpt, DIRTY_IOVA, len, f->page_size,
						      &opts, collect, &r));
	assert_int_equal(0, r.n);
	munmap(buf, len);
}

static void test_dirty_ranges(void **state)
{
	dirty_ranges_with_chunk(state, 0);
}

static void test_dirty_ranges_small_chunks(void **state)
{
	/* Runs cross chunk boundaries and are merged. */
	dirty_ranges_with_chunk(state, 3);
}

static void test_dirty_ranges_stop(void **state)
{
	struct fixture *f = *state;
	struct iommufd_hwpt *hwpt;
	uint64_t mark[2] = { 0x5ULL, 0x1ULL };
	struct ranges r = { .n = 0, .stop_at = 2 };
	size_t len;
	void *buf;

	hwpt = dirty_setup(f, &buf, &len);
	mark_dirty(f->ctx, iommufd_hwpt_get_id(hwpt), DIRTY_IOVA, len, f->page_size, mark);
	errno = 1234;
	/* A non-zero callback result stops the walk and is returned; errno untouched. */
	assert_int_equal(42, iommufd_hwpt_walk_dirty(hwpt, DIRTY_IOVA, len, f->page_size,
						       NULL, collect, &r));
	assert_int_equal(1234, errno);
	assert_int_equal(2, r.n);
	munmap(buf, len);
}

static void test_dirty_ranges_args(void **state)
{
	struct fixture *f = *state;
	struct iommufd_hwpt *hwpt;
	struct ranges r = { .n = 0 };
	uint32_t hwpt_id;
	struct {
		struct iommufd_hwpt_walk_dirty_opts base;
		uint64_t future;
	} big;

	mock_device(f, &hwpt_id);
	assert_int_equal(0, iommufd_hwpt_adopt(f->ctx, hwpt_id, &hwpt));
	assert_errno(EINVAL, iommufd_hwpt_walk_dirty(hwpt, 0, 4096, 4096, NULL, NULL, &r));
	assert_errno(EINVAL, iommufd_hwpt_walk_dirty(hwpt, 0, 0, 4096, NULL, collect, &r));
	assert_errno(EINVAL, iommufd_hwpt_walk_dirty(hwpt, 0, 4096, 6000, NULL, collect, &r));
	assert_errno(EOVERFLOW, iommufd_hwpt_walk_dirty(hwpt, UINT64_MAX - 4095, 8192, 4096,
							  NULL, collect, &r));
	{
		IOMMUFD_OPTS(iommufd_hwpt_walk_dirty_opts, opts, .flags = 1u << 3);
		assert_errno(EOPNOTSUPP, iommufd_hwpt_walk_dirty(hwpt, 0, 4096, 4096, &opts,
								   collect, &r));
	}
	memset(&big, 0, sizeof(big));
	big.base.sz = sizeof(big);
	big.future = 1;
	assert_errno(E2BIG, iommufd_hwpt_walk_dirty(hwpt, 0, 4096, 4096, &big.base, collect,
						      &r));
	assert_int_equal(0, r.n);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_alloc_args),
		T(test_alloc_args_device),
		T(test_alloc_nested_on_ioas),
		T(test_alloc_fault_handle),
		T(test_alloc_opts),
		T(test_alloc_other_ctx),
		cmocka_unit_test(test_null_handle),
		T(test_adopt_args),
		T(test_adopt_auto_hwpt),
		T(test_adopt_missing),
		T(test_alloc_paging),
		T(test_alloc_paging_by_id),
		T(test_alloc_paging_flags),
		T(test_alloc_dirty_no_dirty_device),
		T(test_alloc_paging_selftest_data),
		T(test_alloc_nested),
		T(test_alloc_nested_not_parent),
		T(test_alloc_nested_typed_unsupported),
		T(test_invalidate),
		T(test_invalidate_partial),
		T(test_invalidate_type_check),
		T(test_invalidate_paging),
		T(test_invalidate_args),
		T(test_dirty_bitmap),
		T(test_dirty_bitmap_granule),
		T(test_dirty_bitmap_no_clear),
		T(test_dirty_tracking_off),
		T(test_dirty_bitmap_args),
		T(test_dirty_ranges),
		T(test_dirty_ranges_small_chunks),
		T(test_dirty_ranges_stop),
		T(test_dirty_ranges_args),
	};

	return cmocka_run_group_tests_name("lib-hwpt", tests, NULL, NULL);
}
