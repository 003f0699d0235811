// SPDX-License-Identifier: MIT
/*
 * test-fail-nth.c - fault injection in the mock kernel core (fail_nth.c),
 * in-process: the fail-nth counter's semantics, then the sweep the kernel's
 * iommufd_fail_nth selftest does, over a scenario with domains, copies and
 * pinned accesses. For every n the n-th fault point fails; whatever call it
 * hits must fail as a whole (no object left behind), and once every file is
 * closed nothing may remain: no file, no pinned page, no pin accounting.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "iommufd-uapi.h"
#include "iommufd_test.h"

#define PAGE 4096UL
#define BUF_PAGES 64

struct env {
	struct harness h;
	struct mock_file *f; /* the iommufd, fake fd ifd */
	int ifd;
	uint8_t *buf;
	bool retry; /* STEP: redo a call that failed, instead of stopping */
};

static int env_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(harness_init(&e->h, NULL), 0);
	e->buf = mmap(NULL, BUF_PAGES * PAGE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	assert_true(e->buf != MAP_FAILED);
	*state = e;
	return 0;
}

static void close_all(struct env *e)
{
	harness_close_all(&e->h);
	e->f = NULL;
}

static int env_teardown(void **state)
{
	struct env *e = *state;

	close_all(e);
	harness_fini(&e->h);
	munmap(e->buf, BUF_PAGES * PAGE);
	free(e);
	return 0;
}

/* open("/dev/iommu") as e->f: 0 or a negative errno. */
static int open_iommufd(struct env *e)
{
	int fd = harness_open(&e->h, "/dev/iommu", O_RDWR);

	e->f = NULL;
	if (fd < 0)
		return fd;
	e->ifd = fd;
	e->f = harness_file(&e->h, fd);
	return 0;
}

static long xioctl(struct env *e, unsigned int cmd, void *arg)
{
	return harness_fioctl(&e->h, e->f, cmd, (uintptr_t)arg);
}

static int set_nth(struct env *e, unsigned int n)
{
	return mock_fail_nth(e->h.k, &e->h.task, e->h.task.tid, true, &n);
}

static unsigned int get_nth(struct env *e)
{
	unsigned int n = 12345;

	assert_int_equal(mock_fail_nth(e->h.k, &e->h.task, e->h.task.tid, false, &n), 0);
	return n;
}

static uint32_t nr_objects(struct env *e)
{
	return e->f ? mock_file_nr_objects(e->f) : 0;
}

static unsigned int nr_files(struct env *e)
{
	return mock_kernel_nr_files(e->h.k);
}

static long test_cmd(struct env *e, struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return xioctl(e, IOMMU_TEST_CMD, cmd);
}

static long ioas_alloc(struct env *e, uint32_t *id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	long rc = xioctl(e, IOMMU_IOAS_ALLOC, &cmd);

	*id = cmd.out_ioas_id;
	return rc;
}

/* ------------------------------------------------- counter semantics ---- */

static void test_counter(void **state)
{
	struct env *e = *state;
	struct mock_task other = e->h.task;
	unsigned int n;
	uint32_t ioas;

	assert_int_equal(open_iommufd(e), 0);
	assert_int_equal(get_nth(e), 0);

	/* the first fault point of the next call fails; the counter then reads 0 */
	assert_int_equal(set_nth(e, 1), 0);
	assert_int_equal(get_nth(e), 1);
	assert_int_equal(ioas_alloc(e, &ioas), -ENOMEM);
	assert_int_equal(nr_objects(e), 0);
	assert_int_equal(get_nth(e), 0);
	assert_int_equal(ioas_alloc(e, &ioas), 0);

	/* a large count is consumed, not fired; 0 disarms */
	assert_int_equal(set_nth(e, 1000), 0);
	assert_int_equal(ioas_alloc(e, &ioas), 0);
	n = get_nth(e);
	assert_true(n > 0 && n < 1000);
	assert_int_equal(set_nth(e, 0), 0);
	assert_int_equal(get_nth(e), 0);

	/* another thread's counter does not fire in our calls */
	other.tid = e->h.task.tid + 100000;
	n = 1;
	assert_int_equal(set_nth(e, 0), 0);
	assert_int_equal(mock_fail_nth(e->h.k, &e->h.task, other.tid, true, &n), -ESRCH);
	n = 1;
	assert_int_equal(mock_fail_nth(e->h.k, &other, other.tid, true, &n), 0);
	assert_int_equal(ioas_alloc(e, &ioas), 0);
	assert_int_equal(mock_fail_nth(e->h.k, &other, other.tid, false, &n), 0);
	assert_int_equal(n, 1);

	/* only a thread of the caller's process */
	n = 1;
	assert_int_equal(mock_fail_nth(e->h.k, &e->h.task, 1, true, &n), getpid() == 1 ? 0 : -ESRCH);
	assert_int_equal(mock_fail_nth(NULL, &e->h.task, e->h.task.tid, true, &n), -EINVAL);
	assert_int_equal(mock_fail_nth(e->h.k, &e->h.task, 0, true, &n), -EINVAL);

	/* a release is no task's call: armed counters do not fail it */
	assert_int_equal(set_nth(e, 1), 0);
	close_all(e);
	assert_int_equal(get_nth(e), 1);
	assert_int_equal(set_nth(e, 0), 0);
	/* open is a fault point too */
	assert_int_equal(set_nth(e, 1), 0);
	assert_int_equal(open_iommufd(e), -ENOMEM);
	e->f = NULL;
	assert_int_equal(nr_files(e), 0);
}

/* ------------------------------------------------------------- sweep ---- */

/*
 * One call of the scenario: all or nothing for the objects of the context.
 * A call that fails must have failed at the injected point (the counter
 * reads 0) and left no trace: with e->retry the same call is made again,
 * now without injection, and must work; otherwise the scenario stops.
 */
/* STEP's count of new objects when a call may add or drop a varying number */
#define ANY 1000

#define STEP(expr, new_objs)                                                  \
	do {                                                                  \
		uint32_t before_ = nr_objects(e);                             \
		long rc_ = (expr);                                            \
		if (rc_ < 0) {                                                \
			if (getenv("FAIL_NTH_DEBUG"))                         \
				print_message("line %d: %ld\n", __LINE__, rc_); \
			assert_int_equal(get_nth(e), 0);                      \
			assert_int_equal(nr_objects(e), before_);             \
			if (!e->retry)                                        \
				return rc_;                                   \
			rc_ = (expr);                                         \
			assert_int_equal(rc_, 0);                             \
		}                                                             \
		if ((new_objs) != ANY)                                        \
			assert_int_equal(nr_objects(e), before_ + (new_objs)); \
	} while (0)

/*
 * Domains filled at map time and at attach time, a copy between IOASes, a
 * pinned and a read access, with a small temporary memory limit so pins go
 * in several batches.
 */
static long scenario(struct env *e)
{
	uint64_t len = BUF_PAGES * PAGE, iova = MOCK_APERTURE_START, iova2 = 0;
	struct iommu_test_cmd cmd;
	uint32_t ioas, ioas2, stdev, stdev2, access_pages;
	uint8_t tmp[512];
	int access_fd = -1;
	int rc;

	rc = open_iommufd(e);
	if (rc) {
		e->f = NULL;
		assert_int_equal(rc, -ENOMEM);
		assert_int_equal(get_nth(e), 0);
		if (!e->retry)
			return rc;
		assert_int_equal(open_iommufd(e), 0);
	}
	STEP(ioas_alloc(e, &ioas), 1);
	STEP(ioas_alloc(e, &ioas2), 1);
	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT,
				       .memory_limit = { .limit = 32 } };
	STEP(test_cmd(e, &cmd), 0);

	/* selftest object, device and auto domain */
	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_MOCK_DOMAIN, .id = ioas };
	STEP(test_cmd(e, &cmd), 3);
	stdev = cmd.mock_domain.out_stdev_id;

	{
		struct iommu_ioas_map map = {
			.size = sizeof(map), .ioas_id = ioas, .user_va = (uintptr_t)e->buf,
			.length = len, .iova = iova,
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
		};

		STEP(xioctl(e, IOMMU_IOAS_MAP, &map), 0);
	}
	{
		struct iommu_ioas_copy copy = {
			.size = sizeof(copy), .dst_ioas_id = ioas2, .src_ioas_id = ioas,
			.src_iova = iova, .length = len, .dst_iova = iova,
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
		};

		STEP(xioctl(e, IOMMU_IOAS_COPY, &copy), 0);
		iova2 = copy.dst_iova;
	}
	/* a domain filled from the areas already there */
	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_MOCK_DOMAIN, .id = ioas2 };
	STEP(test_cmd(e, &cmd), 3);
	stdev2 = cmd.mock_domain.out_stdev_id;

	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_CREATE_ACCESS, .id = ioas,
				       .create_access = {
					       .flags = MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES } };
	STEP(test_cmd(e, &cmd), 1);
	access_fd = (int)cmd.create_access.out_access_fd;

	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_ACCESS_PAGES, .id = (uint32_t)access_fd,
				       .access_pages = { .iova = iova + PAGE, .length = 16 * PAGE,
							 .uptr = (uintptr_t)(e->buf + PAGE) } };
	STEP(test_cmd(e, &cmd), 0);
	access_pages = cmd.access_pages.out_access_pages_id;

	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_ACCESS_RW, .id = (uint32_t)access_fd,
				       .access_rw = { .iova = iova + 100, .length = sizeof(tmp),
						      .uptr = (uintptr_t)tmp,
						      .flags = MOCK_ACCESS_RW_SLOW_PATH } };
	STEP(test_cmd(e, &cmd), 0);

	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_DESTROY_ACCESS_PAGES,
				       .id = (uint32_t)access_fd,
				       .destroy_access_pages = { .access_pages_id = access_pages } };
	STEP(test_cmd(e, &cmd), 0);

	{
		struct iommu_destroy d = { .size = sizeof(d), .id = stdev };

		STEP(xioctl(e, IOMMU_DESTROY, &d), (uint32_t)-3);
	}
	{
		struct iommu_ioas_unmap unmap = { .size = sizeof(unmap), .ioas_id = ioas2,
						  .iova = iova2, .length = len };

		STEP(xioctl(e, IOMMU_IOAS_UNMAP, &unmap), 0);
	}
	(void)stdev2;
	return 0;
}


static long hwpt_alloc(struct env *e, uint32_t idev, uint32_t pt, uint32_t flags,
		       uint32_t fault_id, bool nested, uint32_t *out)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = idev, .pt_id = pt,
		.fault_id = fault_id,
	};
	long rc;

	if (nested) {
		cmd.data_type = IOMMU_HWPT_DATA_SELFTEST;
		cmd.data_len = sizeof(data);
		cmd.data_uptr = (uintptr_t)&data;
	}
	rc = xioctl(e, IOMMU_HWPT_ALLOC, &cmd);
	*out = cmd.out_hwpt_id;
	return rc;
}

/*
 * The kernel selftest's device case: a PASID-capable device, HWPT
 * replacement, a vIOMMU with a vDEVICE and a HW queue, fault and vEVENT
 * queues (their fds closed at once), a nested HWPT, PASID attach, replace
 * and detach.
 */
static long scenario_device(struct env *e)
{
	uint64_t iova = MOCK_APERTURE_START;
	uint32_t ioas, ioas2, stdev, idev, hwpt, parent, test_hwpt, nested, viommu, vdev;
	struct iommu_test_cmd cmd;
	int rc;

	rc = open_iommufd(e);
	if (rc) {
		e->f = NULL;
		assert_int_equal(get_nth(e), 0);
		if (!e->retry)
			return rc;
		assert_int_equal(open_iommufd(e), 0);
	}
	STEP(ioas_alloc(e, &ioas), 1);
	STEP(ioas_alloc(e, &ioas2), 1);
	for (unsigned int i = 0; i < 2; i++) {
		struct iommu_ioas_map map = {
			.size = sizeof(map), .ioas_id = i ? ioas2 : ioas,
			.user_va = (uintptr_t)e->buf, .length = PAGE, .iova = iova,
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
		};

		STEP(xioctl(e, IOMMU_IOAS_MAP, &map), 0);
	}

	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS, .id = ioas,
				       .mock_domain_flags = { .dev_flags = MOCK_FLAGS_DEVICE_PASID } };
	STEP(test_cmd(e, &cmd), 3);
	stdev = cmd.mock_domain_flags.out_stdev_id;
	idev = cmd.mock_domain_flags.out_idev_id;

	STEP(hwpt_alloc(e, idev, ioas, IOMMU_HWPT_ALLOC_PASID, 0, false, &hwpt), 1);
	/* to an automatic domain of ioas2 (the one of ioas goes), then to hwpt */
	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, .id = stdev,
				       .mock_domain_replace = { .pt_id = ioas2 } };
	STEP(test_cmd(e, &cmd), ANY);
	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, .id = stdev,
				       .mock_domain_replace = { .pt_id = hwpt } };
	STEP(test_cmd(e, &cmd), ANY);

	STEP(hwpt_alloc(e, idev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_PASID, 0,
			false, &parent), 1);
	{
		struct iommu_viommu_alloc va = {
			.size = sizeof(va), .type = IOMMU_VIOMMU_TYPE_SELFTEST, .dev_id = idev,
			.hwpt_id = parent,
		};

		STEP(xioctl(e, IOMMU_VIOMMU_ALLOC, &va), 1);
		viommu = va.out_viommu_id;
	}
	{
		struct iommu_vdevice_alloc vd = {
			.size = sizeof(vd), .viommu_id = viommu, .dev_id = idev, .virt_id = 0,
		};

		STEP(xioctl(e, IOMMU_VDEVICE_ALLOC, &vd), 1);
		vdev = vd.out_vdevice_id;
	}
	{
		struct iommu_hw_queue_alloc q = {
			.size = sizeof(q), .viommu_id = viommu, .type = IOMMU_HW_QUEUE_TYPE_SELFTEST,
			.index = 0, .nesting_parent_iova = iova, .length = PAGE,
		};

		STEP(xioctl(e, IOMMU_HW_QUEUE_ALLOC, &q), 1);
	}
	{
		struct iommu_fault_alloc fa = { .size = sizeof(fa) };

		STEP(xioctl(e, IOMMU_FAULT_QUEUE_ALLOC, &fa), 1);
		harness_close(&e->h, (int)fa.out_fault_fd);
		STEP(hwpt_alloc(e, idev, parent, IOMMU_HWPT_FAULT_ID_VALID, fa.out_fault_id, true,
				&nested), 1);
	}
	{
		struct iommu_veventq_alloc vq = {
			.size = sizeof(vq), .viommu_id = viommu, .type = IOMMU_VEVENTQ_TYPE_SELFTEST,
			.veventq_depth = 2,
		};

		STEP(xioctl(e, IOMMU_VEVENTQ_ALLOC, &vq), 1);
		harness_close(&e->h, (int)vq.out_veventq_fd);
	}
	STEP(hwpt_alloc(e, idev, ioas, IOMMU_HWPT_ALLOC_PASID, 0, false, &test_hwpt), 1);

	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_PASID_ATTACH, .id = stdev,
				       .pasid_attach = { .pasid = 200, .pt_id = parent } };
	STEP(test_cmd(e, &cmd), 0);
	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_PASID_REPLACE, .id = stdev,
				       .pasid_replace = { .pasid = 200, .pt_id = test_hwpt } };
	STEP(test_cmd(e, &cmd), 0);
	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_PASID_DETACH, .id = stdev,
				       .pasid_detach = { .pasid = 200 } };
	STEP(test_cmd(e, &cmd), 0);
	(void)nested;
	(void)vdev;
	return 0;
}

/* An ioctl on a file other than e->f (a VFIO device). */
static long dioctl(struct mock_file *f, struct env *e, unsigned int cmd, unsigned long arg)
{
	return harness_fioctl(&e->h, f, cmd, arg);
}

/*
 * VFIO: the type1 compatibility layer on the IOAS, then a VFIO PCI device
 * (the default machine's edu) bound, attached to it (its automatic domain
 * filled from the mappings), more mappings, unmap, detach.
 */
static long scenario_vfio(struct env *e)
{
	struct mock_file *dev;
	uint32_t ioas;
	int rc;

	rc = open_iommufd(e);
	if (rc) {
		e->f = NULL;
		assert_int_equal(get_nth(e), 0);
		if (!e->retry)
			return rc;
		assert_int_equal(open_iommufd(e), 0);
	}
	STEP(ioas_alloc(e, &ioas), 1);
	{
		struct iommu_vfio_ioas vi = { .size = sizeof(vi), .ioas_id = ioas,
					      .op = IOMMU_VFIO_IOAS_SET };

		STEP(xioctl(e, IOMMU_VFIO_IOAS, &vi), 0);
	}
	STEP(dioctl(e->f, e, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
	{
		struct vfio_iommu_type1_dma_map map = {
			.argsz = sizeof(map), .vaddr = (uintptr_t)e->buf, .iova = 0x100000,
			.size = 16 * PAGE, .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		};

		STEP(xioctl(e, VFIO_IOMMU_MAP_DMA, &map), 0);
	}

	rc = mock_open(e->h.k, "/dev/vfio/devices/vfio0", O_RDWR, &e->h.task, &dev);
	if (rc) {
		assert_int_equal(get_nth(e), 0);
		if (!e->retry)
			return rc;
		assert_int_equal(mock_open(e->h.k, "/dev/vfio/devices/vfio0", O_RDWR, &e->h.task, &dev),
				 0);
	}
	assert_true(harness_install(&e->h, dev) >= 0);
	{
		struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind),
							 .iommufd = e->ifd };

		STEP(dioctl(dev, e, VFIO_DEVICE_BIND_IOMMUFD, (uintptr_t)&bind), 1);
	}
	{
		struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = ioas };

		STEP(dioctl(dev, e, VFIO_DEVICE_ATTACH_IOMMUFD_PT, (uintptr_t)&at), ANY);
	}
	{
		struct vfio_iommu_type1_dma_map map = {
			.argsz = sizeof(map), .vaddr = (uintptr_t)(e->buf + 16 * PAGE),
			.iova = 0x200000, .size = 16 * PAGE,
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		};

		STEP(xioctl(e, VFIO_IOMMU_MAP_DMA, &map), 0);
	}
	{
		struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap),
							    .iova = 0x100000, .size = 16 * PAGE };

		STEP(xioctl(e, VFIO_IOMMU_UNMAP_DMA, &unmap), 0);
	}
	{
		struct vfio_device_detach_iommufd_pt dt = { .argsz = sizeof(dt) };

		STEP(dioctl(dev, e, VFIO_DEVICE_DETACH_IOMMUFD_PT, (uintptr_t)&dt), ANY);
	}
	return 0;
}

/* Everything a closed context held is gone. */
static void check_nothing_left(struct env *e)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_MD_CHECK_REFS,
				      .check_refs = { .length = BUF_PAGES * PAGE,
						      .uptr = (uintptr_t)e->buf, .refs = 0 } };
	uint64_t pinned = 1, locked = 1;

	assert_int_equal(nr_files(e), 0);
	mock_kernel_pinned_vm(e->h.k, getpid(), &pinned, &locked);
	assert_int_equal(pinned, 0);
	assert_int_equal(locked, 0);
	assert_int_equal(mock_kernel_mm_refs(e->h.k), 0);
	assert_int_equal(mock_kernel_user_locked_vm(e->h.k), 0);
	assert_int_equal(open_iommufd(e), 0);
	assert_int_equal(test_cmd(e, &cmd), 0);
	close_all(e);
}

/*
 * For n = 1, 2, ... until the scenario passes fewer than n fault points:
 * with the n-th failing, the scenario stops there and everything is closed,
 * then again redoing the failed call to the end.
 */
static void sweep(struct env *e, long (*run)(struct env *e), unsigned int min_points)
{
	unsigned int n, fired = 0;

	/* without injection the scenario works */
	assert_int_equal(run(e), 0);
	close_all(e);
	check_nothing_left(e);

	for (n = 1; n < 2000; n++) {
		long rc;

		e->retry = false;
		assert_int_equal(set_nth(e, n), 0);
		rc = run(e);
		if (get_nth(e) != 0) {
			/* fewer than n fault points: the sweep is complete */
			assert_int_equal(rc, 0);
			assert_int_equal(set_nth(e, 0), 0);
			close_all(e);
			check_nothing_left(e);
			break;
		}
		close_all(e);
		check_nothing_left(e);

		e->retry = true;
		assert_int_equal(set_nth(e, n), 0);
		assert_int_equal(run(e), 0);
		assert_int_equal(get_nth(e), 0);
		close_all(e);
		check_nothing_left(e);
		fired++;
	}
	assert_true(n < 2000);
	assert_true(fired >= min_points);
	print_message("fail-nth sweep: %u fault points\n", fired);
}

static void test_sweep_map(void **state)
{
	sweep(*state, scenario, 20);
}

static void test_sweep_device(void **state)
{
	sweep(*state, scenario_device, 20);
}

static void test_sweep_vfio(void **state)
{
	sweep(*state, scenario_vfio, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counter, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_sweep_map, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_sweep_device, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_sweep_vfio, env_setup, env_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
