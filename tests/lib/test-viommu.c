// SPDX-License-Identifier: MIT
/*
 * test-viommu.c - fault queues, vIOMMUs, vDEVICEs, vEVENTQs and HW queues
 * against the selftest's mock IOMMU, through the library: I/O page faults
 * read and answered, destroy order, vIOMMU driver data and its mmap
 * window, vDEVICE ids, vEVENTQ overflow and the lost-event counts, HW queue
 * index and range rules. A test whose command the kernel (or kmod-mock)
 * lacks is skipped with the reason printed; argument checks that need no
 * kernel are in test-viommu-args.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "iommufd-uapi.h"
#include "iommufd_test.h"

static void require_cmd(struct iommufd_ctx *ctx, enum iommufd_cmd cmd, const char *name)
{
	require_selftest(ctx);
	if (!iommufd_ctx_has_cmd(ctx, cmd)) {
		print_message("skipped: the kernel has no %s\n", name);
		skip();
	}
}

/* IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE: moves mock device @stdev_id to @pt_id. */
static int replace(struct iommufd_ctx *ctx, uint32_t stdev_id, uint32_t pt_id)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = stdev_id,
		.mock_domain_replace = { .pt_id = pt_id },
	};

	return test_cmd(ctx, &cmd);
}

/* A mock device on the fixture's IOAS with a nesting parent and a selftest vIOMMU over it. */
struct vsetup {
	uint32_t stdev_id;
	struct iommufd_device *dev;
	struct iommufd_hwpt *parent;
	struct iommufd_viommu *viommu;
};

static void vsetup(struct fixture *f, struct vsetup *v)
{
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, nest, .flags = IOMMUFD_HWPT_ALLOC_NEST_PARENT);
	uint32_t idev_id;

	require_cmd(f->ctx, IOMMUFD_IOCTL_VIOMMU_ALLOC, "IOMMU_VIOMMU_ALLOC");
	memset(v, 0, sizeof(*v));
	assert_int_equal(0, mock_domain(f->ctx, iommufd_ioas_get_id(f->ioas), &v->stdev_id, NULL,
					&idev_id));
	assert_int_equal(0, iommufd_device_adopt(f->ctx, idev_id, &v->dev));
	assert_int_equal(0, iommufd_hwpt_alloc_paging(v->dev, f->ioas, &nest, &v->parent));
	assert_int_equal(0, iommufd_viommu_alloc(v->dev, IOMMUFD_VIOMMU_TYPE_SELFTEST, v->parent,
						 NULL, &v->viommu));
}

/* A nested HWPT of the selftest's data type on the vIOMMU, sending faults to @fault if set. */
static struct iommufd_hwpt *nested_on_viommu(struct vsetup *v, struct iommufd_fault *fault)
{
	static const struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts, .data_type = IOMMU_HWPT_DATA_SELFTEST,
		     .data = &data, .data_len = sizeof(data));
	struct iommufd_hwpt *hwpt = NULL;

	if (fault) {
		opts.flags = IOMMUFD_HWPT_ALLOC_FAULT_ID;
		opts.fault = fault;
	}
	assert_int_equal(0, iommufd_hwpt_alloc(v->dev, iommufd_viommu_as_pt(v->viommu), &opts,
					       &hwpt));
	return hwpt;
}

static void test_fault_queue(void **state)
{
	struct fixture *f = *state;
	struct iommufd_fault_record rec[2];
	struct iommufd_fault *fault = NULL;
	int fd;

	require_cmd(f->ctx, IOMMUFD_IOCTL_FAULT_QUEUE_ALLOC, "IOMMU_FAULT_QUEUE_ALLOC");
	assert_int_equal(0, iommufd_fault_alloc(f->ctx, NULL, &fault));
	assert_int_not_equal(0, iommufd_fault_get_id(fault));
	assert_ptr_equal(f->ctx, iommufd_fault_get_ctx(fault));
	fd = iommufd_fault_get_fd(fault);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* Nothing pending: no records, and no response is awaited. */
	assert_int_equal(0, iommufd_fault_read(fault, rec, 2));
	assert_errno(EINVAL, iommufd_fault_respond(fault, 12345, IOMMUFD_FAULT_RESPONSE_SUCCESS));
	assert_int_equal(0, iommufd_fault_destroy(fault));
}

/* The selftest's IOPF round trip: a page request read, answered once. */
static void test_fault_iopf(void **state)
{
	struct fixture *f = *state;
	struct iommu_test_cmd trigger = {
		.op = IOMMU_TEST_OP_TRIGGER_IOPF,
		.trigger_iopf = { .pasid = 1, .grpid = 2,
				  .perm = IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE,
				  .addr = 0xdeadbeaf },
	};
	struct iommufd_fault_record rec[4];
	struct iommufd_fault *fault = NULL;
	struct iommufd_vdevice *vdev = NULL;
	struct iommufd_hwpt *hwpt;
	struct vsetup v;

	require_cmd(f->ctx, IOMMUFD_IOCTL_FAULT_QUEUE_ALLOC, "IOMMU_FAULT_QUEUE_ALLOC");
	require_cmd(f->ctx, IOMMUFD_IOCTL_VDEVICE_ALLOC, "IOMMU_VDEVICE_ALLOC");
	vsetup(f, &v);
	assert_int_equal(0, iommufd_fault_alloc(f->ctx, NULL, &fault));
	hwpt = nested_on_viommu(&v, fault);
	assert_int_equal(0, iommufd_vdevice_alloc(v.viommu, v.dev, 0x99, &vdev));
	assert_int_equal(0, replace(f->ctx, v.stdev_id, iommufd_hwpt_get_id(hwpt)));

	trigger.trigger_iopf.dev_id = iommufd_device_get_id(v.dev);
	assert_int_equal(0, test_cmd(f->ctx, &trigger));
	assert_int_equal(1, iommufd_fault_read(fault, rec, 4));
	assert_int_equal(iommufd_device_get_id(v.dev), rec[0].dev_id);
	assert_int_equal(2, rec[0].grpid);
	assert_int_equal(IOMMUFD_FAULT_PERM_READ | IOMMUFD_FAULT_PERM_WRITE, rec[0].perm);
	assert_true(rec[0].addr == 0xdeadbeaf);
	assert_int_equal(0, iommufd_fault_read(fault, rec, 4));
	assert_int_equal(0, iommufd_fault_respond(fault, rec[0].cookie,
						  IOMMUFD_FAULT_RESPONSE_SUCCESS));
	/* The cookie is spent. */
	assert_errno(EINVAL, iommufd_fault_respond(fault, rec[0].cookie,
						   IOMMUFD_FAULT_RESPONSE_SUCCESS));

	/* The HWPT holds the queue: the destroy fails (with the file closed) until it is gone. */
	assert_int_equal(0, replace(f->ctx, v.stdev_id, iommufd_ioas_get_id(f->ioas)));
	assert_errno(EBUSY, iommufd_fault_destroy(fault));
	assert_errno(EBADF, iommufd_fault_get_fd(fault));
	assert_int_equal(0, iommufd_hwpt_destroy(hwpt));
	assert_int_equal(0, iommufd_fault_destroy(fault));
	assert_int_equal(0, iommufd_vdevice_destroy(vdev));
	assert_int_equal(0, iommufd_viommu_destroy(v.viommu));
}

/* Driver data in and out, and the mmap window the selftest driver hands out. */
static void test_viommu_data_mmap(void **state)
{
	struct fixture *f = *state;
	struct iommu_viommu_selftest data = { .in_data = 0xbeef };
	IOMMUFD_OPTS(iommufd_viommu_alloc_opts, opts, .data = &data, .data_len = sizeof(data));
	struct iommufd_viommu *viommu = NULL;
	uint64_t page = (uint64_t)f->page_size;
	struct vsetup v;
	void *p = NULL;

	vsetup(f, &v);
	assert_int_equal(0, iommufd_viommu_alloc(v.dev, IOMMUFD_VIOMMU_TYPE_SELFTEST, v.parent,
						 &opts, &viommu));
	assert_int_not_equal(0, iommufd_viommu_get_id(viommu));
	assert_ptr_equal(f->ctx, iommufd_viommu_get_ctx(viommu));
	assert_int_equal(data.in_data, data.out_data);

	/* Only the exact window maps. */
	assert_errno(ENXIO, iommufd_viommu_mmap(viommu, data.out_mmap_offset + page,
						data.out_mmap_length, PROT_READ, &p));
	if (data.out_mmap_length >= 2 * page)
		assert_errno(ENXIO, iommufd_viommu_mmap(viommu, data.out_mmap_offset,
							data.out_mmap_length / 2, PROT_READ, &p));
	assert_errno(ENXIO, iommufd_viommu_mmap(viommu, data.out_mmap_offset,
						data.out_mmap_length * 2, PROT_READ, &p));
	assert_int_equal(0, iommufd_viommu_mmap(viommu, data.out_mmap_offset,
						data.out_mmap_length, PROT_READ | PROT_WRITE, &p));
	assert_int_equal(data.in_data, *(uint32_t *)p);

	/* Mapped, the vIOMMU stays. */
	assert_errno(EBUSY, iommufd_viommu_destroy(viommu));
	/* only the whole mapping, once: never a piece of it or memory it no longer has */
	assert_errno(EINVAL, iommufd_viommu_munmap(viommu, p, data.out_mmap_length + page));
	assert_int_equal(0, iommufd_viommu_munmap(viommu, p, data.out_mmap_length));
	assert_errno(EINVAL, iommufd_viommu_munmap(viommu, p, data.out_mmap_length));
	assert_int_equal(0, iommufd_viommu_destroy(viommu));
	assert_int_equal(0, iommufd_viommu_destroy(v.viommu));
}

static void test_viommu_not_parent(void **state)
{
	struct fixture *f = *state;
	struct iommufd_hwpt *paging = NULL;
	struct iommufd_viommu *viommu = NULL;
	struct vsetup v;

	vsetup(f, &v);
	assert_int_equal(0, iommufd_hwpt_alloc_paging(v.dev, f->ioas, NULL, &paging));
	assert_errno(EINVAL, iommufd_viommu_alloc(v.dev, IOMMUFD_VIOMMU_TYPE_SELFTEST, paging,
						  NULL, &viommu));
	/* The parent is in use by the vIOMMU. */
	assert_errno(EBUSY, iommufd_hwpt_destroy(v.parent));
	/* No default type. */
	assert_errno(EOPNOTSUPP, iommufd_viommu_alloc(v.dev, 0, v.parent, NULL, &viommu));
	assert_null(viommu);
}

static void test_vdevice(void **state)
{
	struct fixture *f = *state;
	struct iommufd_vdevice *vdev = NULL, *dup = NULL;
	struct iommufd_hwpt *nested;
	struct vsetup v;

	require_cmd(f->ctx, IOMMUFD_IOCTL_VDEVICE_ALLOC, "IOMMU_VDEVICE_ALLOC");
	vsetup(f, &v);
	nested = nested_on_viommu(&v, NULL);
	/* Without its vDEVICE the device cannot use the vIOMMU's nested HWPT. */
	assert_int_equal(-ENOENT, replace(f->ctx, v.stdev_id, iommufd_hwpt_get_id(nested)));

	assert_int_equal(0, iommufd_vdevice_alloc(v.viommu, v.dev, 0x99, &vdev));
	assert_int_not_equal(0, iommufd_vdevice_get_id(vdev));
	assert_true(iommufd_vdevice_get_virt_id(vdev) == 0x99);
	assert_ptr_equal(f->ctx, iommufd_vdevice_get_ctx(vdev));
	assert_errno(EEXIST, iommufd_vdevice_alloc(v.viommu, v.dev, 0x99, &dup));
	assert_null(dup);
	assert_int_equal(0, replace(f->ctx, v.stdev_id, iommufd_hwpt_get_id(nested)));
	assert_int_equal(0, replace(f->ctx, v.stdev_id, iommufd_ioas_get_id(f->ioas)));
	assert_int_equal(0, iommufd_vdevice_destroy(vdev));
}

/* Invalidations go to the vIOMMU handle itself; a vIOMMU is no page table to attach. */
static void test_viommu_invalidate(void **state)
{
	struct iommu_viommu_invalidate_selftest inv[3] = {
		{ .vdev_id = 0x99, .cache_id = 0 },
		{ .vdev_id = 0x99, .cache_id = 1 },
		{ .vdev_id = 0x99, .cache_id = 7 }, /* no such cache slot */
	};
	struct fixture *f = *state;
	struct iommufd_vdevice *vdev = NULL;
	struct vsetup v;
	uint32_t num, id;

	require_cmd(f->ctx, IOMMUFD_IOCTL_VDEVICE_ALLOC, "IOMMU_VDEVICE_ALLOC");
	vsetup(f, &v);
	assert_int_equal(0, iommufd_vdevice_alloc(v.viommu, v.dev, 0x99, &vdev));
	num = 2;
	assert_int_equal(0, iommufd_viommu_invalidate(v.viommu, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
						      inv, sizeof(inv[0]), &num));
	assert_int_equal(2, num);
	num = 3;
	assert_errno(EINVAL, iommufd_viommu_invalidate(v.viommu,
						       IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, inv,
						       sizeof(inv[0]), &num));
	assert_int_equal(2, num);
	num = 1;
	assert_errno(EINVAL, iommufd_viommu_invalidate(NULL, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
						       inv, sizeof(inv[0]), &num));
	assert_int_equal(0, num);
	assert_errno(EINVAL, iommufd_viommu_invalidate(v.viommu,
						       IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, inv,
						       sizeof(inv[0]), NULL));
	/* attach takes an IOAS or a HWPT, not a vIOMMU: refused by the library */
	assert_errno(EINVAL, iommufd_device_attach(v.dev, iommufd_viommu_as_pt(v.viommu), &id));
	assert_int_equal(0, iommufd_vdevice_destroy(vdev));
}

/* IOMMU_TEST_OP_TRIGGER_VEVENT @n times for the device. */
static void trigger_vevents(struct fixture *f, struct vsetup *v, int n)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_TRIGGER_VEVENT,
		.trigger_vevent = { .dev_id = iommufd_device_get_id(v->dev) },
	};

	while (n--)
		assert_int_equal(0, test_cmd(f->ctx, &cmd));
}

/* A depth-2 queue overflows: the events dropped are counted exactly. */
static void test_veventq_overflow(void **state)
{
	struct fixture *f = *state;
	struct iommufd_vevent_selftest st;
	struct iommufd_veventq *q = NULL, *dup = NULL;
	struct iommufd_vdevice *vdev = NULL;
	struct iommufd_vevent ev[8];
	struct iommufd_hwpt *nested;
	struct vsetup v;
	uint64_t lost;
	int fd;

	require_cmd(f->ctx, IOMMUFD_IOCTL_VEVENTQ_ALLOC, "IOMMU_VEVENTQ_ALLOC");
	require_cmd(f->ctx, IOMMUFD_IOCTL_VDEVICE_ALLOC, "IOMMU_VDEVICE_ALLOC");
	vsetup(f, &v);
	assert_int_equal(0, iommufd_veventq_alloc(v.viommu, IOMMUFD_VEVENTQ_TYPE_SELFTEST, 2, NULL,
						  &q));
	assert_errno(EEXIST, iommufd_veventq_alloc(v.viommu, IOMMUFD_VEVENTQ_TYPE_SELFTEST, 2,
						   NULL, &dup));
	fd = iommufd_veventq_get_fd(q);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(0, iommufd_veventq_read(q, ev, 8, &lost));

	nested = nested_on_viommu(&v, NULL);
	assert_int_equal(0, iommufd_vdevice_alloc(v.viommu, v.dev, 0x99, &vdev));
	assert_int_equal(0, replace(f->ctx, v.stdev_id, iommufd_hwpt_get_id(nested)));

	/* Three events into a queue of two: the third is dropped. */
	trigger_vevents(f, &v, 3);
	assert_int_equal(2, iommufd_veventq_read(q, ev, 8, &lost));
	assert_int_equal(1, lost);
	assert_int_equal(0, ev[0].sequence);
	assert_int_equal(1, ev[1].sequence);
	assert_int_equal(0, iommufd_vevent_decode_selftest(&ev[0], &st));
	assert_int_equal(0x99, st.virt_id);

	trigger_vevents(f, &v, 1);
	assert_int_equal(1, iommufd_veventq_read(q, ev, 8, &lost));
	assert_int_equal(0, lost);
	assert_int_equal(3, ev[0].sequence);
	assert_int_equal(1, ev[0].lost_before);
	assert_int_equal(1, iommufd_veventq_get_lost(q));

	assert_int_equal(0, replace(f->ctx, v.stdev_id, iommufd_ioas_get_id(f->ioas)));
	/* The queue holds the vIOMMU. */
	assert_errno(EBUSY, iommufd_viommu_destroy(v.viommu));
	assert_int_equal(0, iommufd_veventq_destroy(q));
}

static void test_hw_queue(void **state)
{
	struct fixture *f = *state;
	IOMMUFD_OPTS(iommufd_ioas_map_opts, fixed, .flags = IOMMUFD_MAP_FIXED_IOVA |
			     IOMMUFD_MAP_READABLE | IOMMUFD_MAP_WRITEABLE);
	const uint32_t t = IOMMUFD_HW_QUEUE_TYPE_SELFTEST;
	uint64_t page = (uint64_t)f->page_size, iova = TEST_MOCK_APERTURE_START;
	struct iommufd_hw_queue *q0 = NULL, *q1 = NULL, *dup = NULL;
	struct vsetup v;

	require_cmd(f->ctx, IOMMUFD_IOCTL_HW_QUEUE_ALLOC, "IOMMU_HW_QUEUE_ALLOC");
	vsetup(f, &v);
	assert_errno(EOPNOTSUPP, iommufd_hw_queue_alloc(v.viommu, 0, 0, iova, page, &q0));
	/* Not mapped yet. */
	assert_errno(ENOENT, iommufd_hw_queue_alloc(v.viommu, t, 0, iova, page, &q0));
	assert_int_equal(0, iommufd_ioas_map(f->ioas, f->buffer, 2 * page, &iova, &fixed));
	/* Indexes in order, below the driver's maximum. */
	assert_errno(EIO, iommufd_hw_queue_alloc(v.viommu, t, 1, iova, page, &q0));
	assert_errno(EINVAL, iommufd_hw_queue_alloc(v.viommu, t, IOMMU_TEST_HW_QUEUE_MAX, iova,
						    page, &q0));
	assert_int_equal(0, iommufd_hw_queue_alloc(v.viommu, t, 0, iova, page, &q0));
	assert_int_not_equal(0, iommufd_hw_queue_get_id(q0));
	assert_ptr_equal(f->ctx, iommufd_hw_queue_get_ctx(q0));
	assert_errno(EEXIST, iommufd_hw_queue_alloc(v.viommu, t, 0, iova, page, &dup));
	assert_int_equal(0, iommufd_hw_queue_alloc(v.viommu, t, 1, iova + page, page, &q1));
	/* The queue's memory stays mapped while it exists. */
	assert_errno(EBUSY, iommufd_ioas_unmap(f->ioas, iova, 2 * page, NULL));
	/* Reverse order. */
	assert_errno(EBUSY, iommufd_hw_queue_destroy(q0));
	assert_int_equal(0, iommufd_hw_queue_destroy(q1));
	assert_int_equal(0, iommufd_hw_queue_destroy(q0));
	assert_int_equal(0, iommufd_ioas_unmap(f->ioas, iova, 2 * page, NULL));
	assert_null(dup);
}

/* A fault queue and a vEVENTQ served by one event loop against the mock. */
static int on_vevent(struct iommufd_veventq *q, const struct iommufd_vevent *ev, size_t n,
		     uint64_t lost, void *priv)
{
	size_t *count = priv;

	(void)q;
	(void)ev;
	(void)lost;
	*count += n;
	return 0;
}

static int on_fault(struct iommufd_fault *fault, const struct iommufd_fault_record *rec, size_t n,
		    void *priv)
{
	size_t *count = priv;

	*count += n;
	return iommufd_fault_respond(fault, rec[n - 1].cookie, IOMMUFD_FAULT_RESPONSE_SUCCESS);
}

static void test_event_loop_mock(void **state)
{
	struct fixture *f = *state;
	struct iommufd_event_loop *loop = NULL;
	struct iommufd_veventq *q = NULL;
	struct iommufd_vdevice *vdev = NULL;
	struct iommufd_fault *fault = NULL;
	size_t events = 0, faults = 0;
	struct iommufd_hwpt *nested;
	struct vsetup v;

	require_cmd(f->ctx, IOMMUFD_IOCTL_VEVENTQ_ALLOC, "IOMMU_VEVENTQ_ALLOC");
	require_cmd(f->ctx, IOMMUFD_IOCTL_VDEVICE_ALLOC, "IOMMU_VDEVICE_ALLOC");
	require_cmd(f->ctx, IOMMUFD_IOCTL_FAULT_QUEUE_ALLOC, "IOMMU_FAULT_QUEUE_ALLOC");
	vsetup(f, &v);
	assert_int_equal(0, iommufd_fault_alloc(f->ctx, NULL, &fault));
	assert_int_equal(0, iommufd_veventq_alloc(v.viommu, IOMMUFD_VEVENTQ_TYPE_SELFTEST, 8, NULL,
						  &q));
	nested = nested_on_viommu(&v, NULL);
	assert_int_equal(0, iommufd_vdevice_alloc(v.viommu, v.dev, 0x99, &vdev));
	assert_int_equal(0, replace(f->ctx, v.stdev_id, iommufd_hwpt_get_id(nested)));

	assert_int_equal(0, iommufd_event_loop_create(NULL, &loop));
	assert_int_equal(0, iommufd_event_loop_add_fault(loop, fault, on_fault, &faults));
	assert_int_equal(0, iommufd_event_loop_add_veventq(loop, q, on_vevent, &events));
	assert_int_equal(0, iommufd_event_loop_wait(loop, 0));
	trigger_vevents(f, &v, 3);
	assert_int_equal(1, iommufd_event_loop_wait(loop, 1000));
	assert_int_equal(3, events);
	assert_int_equal(0, faults);
	iommufd_event_loop_destroy(loop);
	assert_int_equal(0, replace(f->ctx, v.stdev_id, iommufd_ioas_get_id(f->ioas)));
}

static void test_null_handles(void **state)
{
	(void)state;
	assert_errno(EINVAL, iommufd_fault_destroy(NULL));
	assert_errno(EINVAL, iommufd_viommu_destroy(NULL));
	assert_errno(EINVAL, iommufd_vdevice_destroy(NULL));
	assert_errno(EINVAL, iommufd_veventq_destroy(NULL));
	assert_errno(EINVAL, iommufd_hw_queue_destroy(NULL));
	assert_errno(EINVAL, iommufd_fault_get_fd(NULL));
	assert_errno(EINVAL, iommufd_veventq_get_fd(NULL));
	assert_int_equal(0, iommufd_viommu_get_id(NULL));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_handles),
		T(test_fault_queue),
		T(test_fault_iopf),
		T(test_viommu_data_mmap),
		T(test_viommu_not_parent),
		T(test_vdevice),
		T(test_viommu_invalidate),
		T(test_veventq_overflow),
		T(test_hw_queue),
		T(test_event_loop_mock),
	};

	return cmocka_run_group_tests_name("lib-viommu", tests, NULL, NULL);
}
