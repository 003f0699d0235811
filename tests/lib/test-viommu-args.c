// SPDX-License-Identifier: MIT
/*
 * test-viommu-args.c - what the fault queue, vIOMMU, vDEVICE, vEVENTQ and HW
 * queue calls reject before asking the kernel, checked without a kernel:
 * handles hung on contexts with no file behind them, so an argument the
 * library lets through reaches an ioctl that fails with EBADF.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal-helpers.h"

static void release_free(struct iommufd_obj *obj)
{
	free(obj);
}

/* A handle of any of the simple kinds (obj first), with @id, on @ctx. */
static void *fake_obj(struct iommufd_ctx *ctx, size_t size, uint32_t kind, uint32_t id)
{
	struct iommufd_obj *obj = calloc(1, size);

	assert_non_null(obj);
	iommufd_obj_add(ctx, obj, kind, id, release_free);
	return obj;
}

struct afix {
	struct iommufd_ctx *ctx, *ctx2;
	struct iommufd_device *dev, *dev2;
	struct iommufd_hwpt *hwpt;
	struct iommufd_viommu *viommu;
};

static int afix_setup(void **state)
{
	struct afix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->ctx = fake_ctx();
	f->ctx2 = fake_ctx();
	f->dev = fake_obj(f->ctx, sizeof(*f->dev), IOMMUFD_OBJ_DEVICE, 1);
	f->dev->fd = -1;
	f->dev2 = fake_obj(f->ctx2, sizeof(*f->dev2), IOMMUFD_OBJ_DEVICE, 1);
	f->dev2->fd = -1;
	f->hwpt = fake_obj(f->ctx, sizeof(*f->hwpt), IOMMUFD_OBJ_HWPT, 2);
	f->viommu = fake_obj(f->ctx, sizeof(*f->viommu), IOMMUFD_OBJ_VIOMMU, 3);
	*state = f;
	return 0;
}

static int afix_teardown(void **state)
{
	struct afix *f = *state;

	iommufd_ctx_close(f->ctx);
	iommufd_ctx_close(f->ctx2);
	free(f);
	return 0;
}

static void test_fault_alloc_args(void **state)
{
	struct afix *f = *state;
	struct iommufd_fault *fault = NULL;
	IOMMUFD_OPTS(iommufd_fault_alloc_opts, flags, .flags = 1);
	struct {
		struct iommufd_fault_alloc_opts opts;
		uint64_t extra;
	} big = { .opts = { .sz = sizeof(big) }, .extra = 1 };
	struct iommufd_fault_alloc_opts tiny = { .sz = 1 };

	assert_errno(EINVAL, iommufd_fault_alloc(NULL, NULL, &fault));
	assert_errno(EINVAL, iommufd_fault_alloc(f->ctx, NULL, NULL));
	assert_errno(EOPNOTSUPP, iommufd_fault_alloc(f->ctx, &flags, &fault));
	assert_errno(E2BIG, iommufd_fault_alloc(f->ctx, &big.opts, &fault));
	assert_errno(EINVAL, iommufd_fault_alloc(f->ctx, &tiny, &fault));
	/* Valid: the (missing) kernel answers. */
	big.extra = 0;
	assert_errno(EBADF, iommufd_fault_alloc(f->ctx, &big.opts, &fault));
	assert_null(fault);
}

static void test_viommu_alloc_args(void **state)
{
	struct afix *f = *state;
	struct iommufd_viommu *viommu = NULL;
	struct iommufd_viommu_tegra241_cmdqv info;
	uint32_t data = 0;
	IOMMUFD_OPTS(iommufd_viommu_alloc_opts, flags, .flags = 1);
	IOMMUFD_OPTS(iommufd_viommu_alloc_opts, no_len, .data = &data);
	IOMMUFD_OPTS(iommufd_viommu_alloc_opts, no_data, .data_len = 4);
	IOMMUFD_OPTS(iommufd_viommu_alloc_opts, with_data, .data = &data, .data_len = 4);
	const uint32_t t = IOMMUFD_VIOMMU_TYPE_SELFTEST;

	assert_errno(EINVAL, iommufd_viommu_alloc(NULL, t, f->hwpt, NULL, &viommu));
	assert_errno(EINVAL, iommufd_viommu_alloc(f->dev, t, NULL, NULL, &viommu));
	assert_errno(EINVAL, iommufd_viommu_alloc(f->dev, t, f->hwpt, NULL, NULL));
	/* A device and a parent of different contexts. */
	assert_errno(EINVAL, iommufd_viommu_alloc(f->dev2, t, f->hwpt, NULL, &viommu));
	assert_errno(EOPNOTSUPP, iommufd_viommu_alloc(f->dev, t, f->hwpt, &flags, &viommu));
	assert_errno(EINVAL, iommufd_viommu_alloc(f->dev, t, f->hwpt, &no_len, &viommu));
	assert_errno(EINVAL, iommufd_viommu_alloc(f->dev, t, f->hwpt, &no_data, &viommu));
	assert_errno(EBADF, iommufd_viommu_alloc(f->dev, t, f->hwpt, &with_data, &viommu));
	assert_errno(EBADF, iommufd_viommu_alloc(f->dev, t, f->hwpt, NULL, &viommu));

	assert_errno(EINVAL, iommufd_viommu_alloc_tegra241_cmdqv(f->dev, f->hwpt, NULL, NULL,
								 &viommu));
	/* The typed call encodes the data itself. */
	assert_errno(EINVAL, iommufd_viommu_alloc_tegra241_cmdqv(f->dev, f->hwpt, &with_data,
								 &info, &viommu));
	assert_errno(EINVAL, iommufd_viommu_alloc_tegra241_cmdqv(f->dev2, f->hwpt, NULL, &info,
								 &viommu));
	assert_errno(EBADF, iommufd_viommu_alloc_tegra241_cmdqv(f->dev, f->hwpt, NULL, &info,
								&viommu));
	assert_null(viommu);
}

static void test_viommu_handle_args(void **state)
{
	struct afix *f = *state;
	long page = sysconf(_SC_PAGESIZE);
	void *addr = NULL;

	assert_int_equal(3, iommufd_viommu_get_id(f->viommu));
	assert_ptr_equal(f->ctx, iommufd_viommu_get_ctx(f->viommu));
	assert_int_equal(0, iommufd_viommu_get_id(NULL));
	assert_null(iommufd_viommu_get_ctx(NULL));
	assert_errno(EINVAL, iommufd_viommu_destroy(NULL));
	/* The refused destroy leaves the handle. */
	assert_errno(EBADF, iommufd_viommu_destroy(f->viommu));
	assert_int_equal(3, iommufd_viommu_get_id(f->viommu));

	assert_errno(EINVAL, iommufd_viommu_mmap(NULL, 0, (uint64_t)page, PROT_READ, &addr));
	assert_errno(EINVAL, iommufd_viommu_mmap(f->viommu, 0, (uint64_t)page, PROT_READ, NULL));
	assert_errno(EINVAL, iommufd_viommu_mmap(f->viommu, 0, 0, PROT_READ, &addr));
	assert_errno(EINVAL, iommufd_viommu_mmap(f->viommu, 1, (uint64_t)page, PROT_READ, &addr));
	assert_errno(EINVAL, iommufd_viommu_mmap(f->viommu, 0, (uint64_t)page + 1, PROT_READ,
						 &addr));
	assert_errno(EINVAL, iommufd_viommu_mmap(f->viommu, 0, (uint64_t)page,
						 PROT_READ | PROT_EXEC, &addr));
	assert_errno(EOVERFLOW, iommufd_viommu_mmap(f->viommu, UINT64_C(1) << 63,
						    (uint64_t)page, PROT_READ, &addr));
	assert_errno(EBADF, iommufd_viommu_mmap(f->viommu, 0, (uint64_t)page, PROT_READ, &addr));
	assert_null(addr);

	assert_errno(EINVAL, iommufd_viommu_munmap(NULL, &addr, (uint64_t)page));
	assert_errno(EINVAL, iommufd_viommu_munmap(f->viommu, NULL, (uint64_t)page));
	assert_errno(EINVAL, iommufd_viommu_munmap(f->viommu, &addr, 0));
}

static void test_vdevice_args(void **state)
{
	struct afix *f = *state;
	struct iommufd_vdevice *vdev = NULL;

	assert_errno(EINVAL, iommufd_vdevice_alloc(NULL, f->dev, 1, &vdev));
	assert_errno(EINVAL, iommufd_vdevice_alloc(f->viommu, NULL, 1, &vdev));
	assert_errno(EINVAL, iommufd_vdevice_alloc(f->viommu, f->dev, 1, NULL));
	assert_errno(EINVAL, iommufd_vdevice_alloc(f->viommu, f->dev2, 1, &vdev));
	assert_errno(EBADF, iommufd_vdevice_alloc(f->viommu, f->dev, UINT64_MAX, &vdev));
	assert_null(vdev);
	assert_errno(EINVAL, iommufd_vdevice_destroy(NULL));
	assert_int_equal(0, iommufd_vdevice_get_id(NULL));
	assert_int_equal(0, iommufd_vdevice_get_virt_id(NULL));
	assert_null(iommufd_vdevice_get_ctx(NULL));
}

static void test_veventq_alloc_args(void **state)
{
	struct afix *f = *state;
	struct iommufd_veventq *q = NULL;
	const uint32_t t = IOMMUFD_VEVENTQ_TYPE_SELFTEST;
	IOMMUFD_OPTS(iommufd_veventq_alloc_opts, flags, .flags = 1);
	IOMMUFD_OPTS(iommufd_veventq_alloc_opts, huge, .event_size = IOMMUFD_VEVENT_DATA_MAX + 1);
	IOMMUFD_OPTS(iommufd_veventq_alloc_opts, sized, .event_size = 24);
	IOMMUFD_OPTS(iommufd_veventq_alloc_opts, small_buf, .read_buffer_size = 11);
	IOMMUFD_OPTS(iommufd_veventq_alloc_opts, one_buf, .read_buffer_size = 12);
	unsigned char mem[12];
	IOMMUFD_OPTS(iommufd_veventq_alloc_opts, no_size, .read_buffer = mem);
	IOMMUFD_OPTS(iommufd_veventq_alloc_opts, mine, .read_buffer = mem,
		     .read_buffer_size = sizeof(mem));

	assert_errno(EINVAL, iommufd_veventq_alloc(NULL, t, 2, NULL, &q));
	assert_errno(EINVAL, iommufd_veventq_alloc(f->viommu, t, 2, NULL, NULL));
	assert_errno(EINVAL, iommufd_veventq_alloc(f->viommu, t, 0, NULL, &q));
	assert_errno(EOPNOTSUPP, iommufd_veventq_alloc(f->viommu, t, 2, &flags, &q));
	/* The kernel has no default type. */
	assert_errno(EOPNOTSUPP, iommufd_veventq_alloc(f->viommu, 0, 2, NULL, &q));
	/* A type the library does not know needs its event size. */
	assert_errno(EINVAL, iommufd_veventq_alloc(f->viommu, 0x77, 2, NULL, &q));
	assert_errno(EBADF, iommufd_veventq_alloc(f->viommu, 0x77, 2, &sized, &q));
	assert_errno(EINVAL, iommufd_veventq_alloc(f->viommu, t, 2, &huge, &q));
	/* The read buffer must hold one event: 8 + 4 bytes for the selftest type. */
	assert_errno(EINVAL, iommufd_veventq_alloc(f->viommu, t, 2, &small_buf, &q));
	assert_errno(EBADF, iommufd_veventq_alloc(f->viommu, t, 2, &one_buf, &q));
	/* A buffer of the caller's comes with its size. */
	assert_errno(EINVAL, iommufd_veventq_alloc(f->viommu, t, 2, &no_size, &q));
	assert_errno(EBADF, iommufd_veventq_alloc(f->viommu, t, 2, &mine, &q));
	assert_errno(EBADF, iommufd_veventq_alloc(f->viommu, IOMMUFD_VEVENTQ_TYPE_ARM_SMMUV3,
						  1u << 20, NULL, &q));
	assert_null(q);
}

static void test_hw_queue_args(void **state)
{
	struct afix *f = *state;
	struct iommufd_hw_queue *queue = NULL;
	const uint32_t t = IOMMUFD_HW_QUEUE_TYPE_SELFTEST;

	assert_errno(EINVAL, iommufd_hw_queue_alloc(NULL, t, 0, 0x1000, 0x1000, &queue));
	assert_errno(EINVAL, iommufd_hw_queue_alloc(f->viommu, t, 0, 0x1000, 0x1000, NULL));
	assert_errno(EINVAL, iommufd_hw_queue_alloc(f->viommu, t, 0, 0x1000, 0, &queue));
	assert_errno(EOVERFLOW, iommufd_hw_queue_alloc(f->viommu, t, 0, UINT64_MAX - 0xfff,
						       0x2000, &queue));
	/* The last byte of the IOVA space is fine. */
	assert_errno(EBADF, iommufd_hw_queue_alloc(f->viommu, t, 0, UINT64_MAX - 0xfff, 0x1000,
						   &queue));
	assert_null(queue);
	assert_errno(EINVAL, iommufd_hw_queue_destroy(NULL));
	assert_int_equal(0, iommufd_hw_queue_get_id(NULL));
	assert_null(iommufd_hw_queue_get_ctx(NULL));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, afix_setup, afix_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fault_alloc_args),
		T(test_viommu_alloc_args),
		T(test_viommu_handle_args),
		T(test_vdevice_args),
		T(test_veventq_alloc_args),
		T(test_hw_queue_args),
	};

	return cmocka_run_group_tests_name("lib-viommu-args", tests, NULL, NULL);
}
