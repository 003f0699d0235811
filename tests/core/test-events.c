// SPDX-License-Identifier: MIT
/*
 * test-events.c - in-process tests of the mock core's newest iommufd objects:
 * fault queues (read/write/poll and the readiness notify hook), vIOMMU with
 * its mmap region (mock_mmap, mock_mmap_get/put), vDEVICE tombstones,
 * vEVENTQ overflow, HW queues and test dma-bufs. New files land in the fd
 * table of tests/harness.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

struct env {
	struct harness h;
	struct mock_file *f; /* the iommufd (not in the fd table) */
	uint32_t ioas, stdev, hwpt, idev, parent, viommu;
	uint8_t *buf;
};

static long xioctl(struct env *e, unsigned int cmd, void *arg)
{
	return harness_fioctl(&e->h, e->f, cmd, (uintptr_t)arg);
}

static struct mock_file *fdf(struct env *e, int fd)
{
	return harness_file(&e->h, fd);
}

static ssize_t xread(struct env *e, int fd, void *buf, size_t len)
{
	return harness_read(&e->h, fd, (uintptr_t)buf, len);
}

static ssize_t xwrite(struct env *e, int fd, const void *buf, size_t len)
{
	return harness_write(&e->h, fd, (uintptr_t)buf, len);
}

static long destroy(struct env *e, uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return xioctl(e, IOMMU_DESTROY, &cmd);
}

static long test_cmd(struct env *e, struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return xioctl(e, IOMMU_TEST_CMD, cmd);
}

static long hwpt_alloc(struct env *e, uint32_t pt, uint32_t flags, uint32_t fault_id,
		       bool nested, uint32_t *out)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = e->idev, .pt_id = pt,
		.fault_id = fault_id,
	};
	long rc;

	if (nested) {
		cmd.data_type = IOMMU_HWPT_DATA_SELFTEST;
		cmd.data_len = sizeof(data);
		cmd.data_uptr = (uintptr_t)&data;
	}
	rc = xioctl(e, IOMMU_HWPT_ALLOC, &cmd);
	if (out)
		*out = cmd.out_hwpt_id;
	return rc;
}

static long replace(struct env *e, uint32_t pt)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, .id = e->stdev,
		.mock_domain_replace = { .pt_id = pt },
	};

	return test_cmd(e, &cmd);
}

static long viommu_alloc(struct env *e, void *data, uint32_t len, uint32_t *out)
{
	struct iommu_viommu_alloc cmd = {
		.size = sizeof(cmd), .type = IOMMU_VIOMMU_TYPE_SELFTEST, .dev_id = e->idev,
		.hwpt_id = e->parent, .data_len = len, .data_uptr = (uintptr_t)data,
	};
	long rc = xioctl(e, IOMMU_VIOMMU_ALLOC, &cmd);

	*out = cmd.out_viommu_id;
	return rc;
}

static long vdevice_alloc(struct env *e, uint32_t viommu, uint64_t virt_id, uint32_t *out)
{
	struct iommu_vdevice_alloc cmd = {
		.size = sizeof(cmd), .viommu_id = viommu, .dev_id = e->idev, .virt_id = virt_id,
	};
	long rc = xioctl(e, IOMMU_VDEVICE_ALLOC, &cmd);

	*out = cmd.out_vdevice_id;
	return rc;
}

/* An IOAS, a selftest mock device on it, a NEST_PARENT HWPT and a vIOMMU. */
static int env_setup(void **state)
{
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_test_cmd md = { .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(harness_init(&e->h, NULL), 0);
	assert_int_equal(mock_open(e->h.k, "/dev/iommu", O_RDWR, &e->h.task, &e->f), 0);
	e->buf = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	assert_true(e->buf != MAP_FAILED);

	assert_int_equal(xioctl(e, IOMMU_IOAS_ALLOC, &ioas), 0);
	e->ioas = ioas.out_ioas_id;
	md.id = e->ioas;
	assert_int_equal(test_cmd(e, &md), 0);
	e->stdev = md.mock_domain.out_stdev_id;
	e->hwpt = md.mock_domain.out_hwpt_id;
	e->idev = md.mock_domain.out_idev_id;
	assert_int_equal(hwpt_alloc(e, e->ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0, false,
				    &e->parent), 0);
	assert_int_equal(viommu_alloc(e, NULL, 0, &e->viommu), 0);
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;

	harness_close_all(&e->h);
	if (e->f)
		mock_release(e->f);
	harness_fini(&e->h);
	munmap(e->buf, 4 * PAGE);
	free(e);
	return 0;
}

static void trigger_iopf(struct env *e, uint32_t pasid)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_TRIGGER_IOPF,
		.trigger_iopf = { .dev_id = e->idev, .pasid = pasid, .grpid = 2,
				  .perm = IOMMU_PGFAULT_PERM_READ, .addr = 0xdeadb000 },
	};

	assert_int_equal(test_cmd(e, &cmd), 0);
}

static void test_fault_queue(void **state)
{
	struct env *e = *state;
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_hwpt_pgfault rec[2];
	struct iommu_hwpt_page_response resp = { .code = IOMMUFD_PAGE_RESP_SUCCESS };
	uint32_t iopf_hwpt;
	int fd;

	fa.flags = 1;
	assert_int_equal(xioctl(e, IOMMU_FAULT_QUEUE_ALLOC, &fa), -EOPNOTSUPP);
	fa.flags = 0;
	assert_int_equal(xioctl(e, IOMMU_FAULT_QUEUE_ALLOC, &fa), 0);
	fd = (int)fa.out_fault_fd;
	assert_true(fd >= 100);
	assert_int_equal(mock_poll(fdf(e, fd)), POLLOUT);
	assert_int_equal(xread(e, fd, rec, sizeof(rec[0])), 0);

	assert_int_equal(hwpt_alloc(e, e->parent, IOMMU_HWPT_FAULT_ID_VALID, UINT32_MAX, true,
				    &iopf_hwpt), -ENOENT);
	assert_int_equal(hwpt_alloc(e, e->parent, IOMMU_HWPT_FAULT_ID_VALID, fa.out_fault_id,
				    true, &iopf_hwpt), 0);
	/* not attached: the request is dropped */
	trigger_iopf(e, 0);
	assert_int_equal(mock_poll(fdf(e, fd)), POLLOUT);

	assert_int_equal(replace(e, iopf_hwpt), 0);
	e->h.notified = 0;
	trigger_iopf(e, 1);
	assert_true(e->h.notified >= 1);
	assert_ptr_equal(e->h.last_notified, fdf(e, fd));
	assert_int_equal(mock_poll(fdf(e, fd)), POLLOUT | POLLIN | POLLRDNORM);

	assert_int_equal(xread(e, fd, rec, sizeof(rec[0]) - 1), -ESPIPE);
	assert_int_equal(xread(e, fd, rec, 0), -EINVAL);
	assert_int_equal(xread(e, fd, rec, sizeof(rec)), sizeof(rec[0]));
	assert_int_equal(rec[0].dev_id, e->idev);
	assert_int_equal(rec[0].addr, 0xdeadb000);
	assert_int_equal(rec[0].grpid, 2);
	assert_int_equal(rec[0].pasid, 1);
	assert_int_equal(rec[0].flags,
			 IOMMU_PGFAULT_FLAGS_LAST_PAGE | IOMMU_PGFAULT_FLAGS_PASID_VALID);
	assert_int_equal(rec[0].cookie, 1);
	assert_int_equal(mock_poll(fdf(e, fd)), POLLOUT);

	resp.cookie = 7;
	assert_int_equal(xwrite(e, fd, &resp, sizeof(resp)), -EINVAL);
	resp.cookie = 1;
	assert_int_equal(xwrite(e, fd, &resp, sizeof(resp) - 1), -ESPIPE);
	resp.code = 5;
	assert_int_equal(xwrite(e, fd, &resp, sizeof(resp)), -EINVAL);
	resp.code = IOMMUFD_PAGE_RESP_INVALID;
	assert_int_equal(xwrite(e, fd, &resp, sizeof(resp)), sizeof(resp));
	assert_int_equal(xwrite(e, fd, &resp, sizeof(resp)), -EINVAL);

	/* a pending request is answered when the device leaves the HWPT */
	trigger_iopf(e, 0);
	assert_true(mock_poll(fdf(e, fd)) & POLLIN);
	assert_int_equal(destroy(e, iopf_hwpt), -EBUSY);
	assert_int_equal(replace(e, e->ioas), 0);
	assert_false(mock_poll(fdf(e, fd)) & POLLIN);

	/* the HWPT and the file both hold the FAULT object */
	assert_int_equal(destroy(e, fa.out_fault_id), -EBUSY);
	assert_int_equal(destroy(e, iopf_hwpt), 0);
	assert_int_equal(destroy(e, fa.out_fault_id), -EBUSY);
	harness_close(&e->h, fd);
	assert_int_equal(destroy(e, fa.out_fault_id), 0);
}

static void test_viommu_mmap(void **state)
{
	struct env *e = *state;
	struct iommu_viommu_selftest data = { .in_data = 0xbeef };
	struct mock_mmap_result res;
	struct mock_call call;
	uint32_t viommu, in = 0;

	assert_int_equal(viommu_alloc(e, &data, sizeof(data), &viommu), 0);
	assert_int_equal(data.out_data, 0xbeef);
	assert_int_equal(data.out_mmap_length, 2 * PAGE);
	assert_true(data.out_mmap_offset >= PAGE && !(data.out_mmap_offset % PAGE));

	mock_call_init(&call, &e->h.task);
	assert_int_equal(mock_mmap(e->f, data.out_mmap_offset + PAGE, data.out_mmap_length,
				   PROT_READ, MAP_SHARED, &call, &res), -ENXIO);
	assert_int_equal(mock_mmap(e->f, data.out_mmap_offset, data.out_mmap_length / 2,
				   PROT_READ, MAP_SHARED, &call, &res), -ENXIO);
	assert_int_equal(mock_mmap(e->f, data.out_mmap_offset, data.out_mmap_length * 2,
				   PROT_READ, MAP_SHARED, &call, &res), -ENXIO);
	assert_int_equal(mock_mmap(e->f, data.out_mmap_offset, data.out_mmap_length,
				   PROT_READ, MAP_PRIVATE, &call, &res), -EINVAL);
	assert_int_equal(mock_mmap(e->f, data.out_mmap_offset, data.out_mmap_length,
				   PROT_READ | PROT_EXEC, MAP_SHARED, &call, &res), -EPERM);
	assert_int_equal(mock_mmap(e->f, data.out_mmap_offset, data.out_mmap_length,
				   PROT_READ | PROT_WRITE, MAP_SHARED, &call, &res), 0);
	assert_true(res.memfd >= 0);
	assert_int_equal(pread(res.memfd, &in, sizeof(in), (off_t)res.memfd_off), sizeof(in));
	assert_int_equal(in, 0xbeef);

	/* each mapping holds the vIOMMU */
	assert_int_equal(destroy(e, viommu), -EBUSY);
	mock_mmap_get(e->h.k, res.cookie); /* a fork duplicated it */
	mock_mmap_put(e->h.k, res.cookie);
	assert_int_equal(destroy(e, viommu), -EBUSY);
	mock_mmap_put(e->h.k, res.cookie);
	mock_mmap_put(e->h.k, res.cookie); /* one too many: ignored */
	assert_int_equal(destroy(e, viommu), 0);
	mock_mmap_get(e->h.k, res.cookie); /* gone: ignored */

	/* other files have no mmap */
	assert_int_equal(viommu_alloc(e, &data, sizeof(data), &viommu), 0);
	assert_int_equal(mock_mmap(e->f, data.out_mmap_offset, data.out_mmap_length,
				   PROT_READ, MAP_SHARED, &call, &res), 0);
	/* the mapping outlives the file: mock_kernel_free() drops it */
}

static void test_vdevice_veventq(void **state)
{
	struct env *e = *state;
	struct iommu_veventq_alloc va = {
		.size = sizeof(va), .viommu_id = e->viommu, .type = IOMMU_VEVENTQ_TYPE_SELFTEST,
		.veventq_depth = 2,
	};
	struct iommu_test_cmd trig = {
		.op = IOMMU_TEST_OP_TRIGGER_VEVENT, .trigger_vevent = { .dev_id = e->idev },
	};
	struct {
		struct iommufd_vevent_header hdr;
		struct iommu_viommu_event_selftest ev;
	} rec[3];
	uint32_t nested, vdev, vdev2;
	int fd, i;

	assert_int_equal(hwpt_alloc(e, e->viommu, 0, 0, true, &nested), 0);
	assert_int_equal(replace(e, nested), -ENOENT);
	assert_int_equal(xioctl(e, IOMMU_VEVENTQ_ALLOC, &va), 0);
	fd = (int)va.out_veventq_fd;
	assert_int_equal(xioctl(e, IOMMU_VEVENTQ_ALLOC, &va), -EEXIST);
	assert_int_equal(xread(e, fd, rec, 7), -EINVAL);
	assert_int_equal(xread(e, fd, rec, sizeof(rec)), 0);

	assert_int_equal(vdevice_alloc(e, e->viommu, 0x99, &vdev), 0);
	assert_int_equal(vdevice_alloc(e, e->viommu, 0x98, &vdev2), -EEXIST);
	assert_int_equal(test_cmd(e, &trig), -ENOENT); /* not attached to the vIOMMU yet */
	assert_int_equal(replace(e, nested), 0);
	for (i = 0; i != 3; i++)
		assert_int_equal(test_cmd(e, &trig), 0);
	assert_true(mock_poll(fdf(e, fd)) & POLLIN);
	assert_int_equal(xread(e, fd, rec, sizeof(rec[0].hdr)), -EINVAL);
	assert_int_equal(xread(e, fd, rec, sizeof(rec)),
			 2 * sizeof(rec[0]) + sizeof(struct iommufd_vevent_header));
	assert_int_equal(rec[0].hdr.sequence, 0);
	assert_int_equal(rec[0].hdr.flags, 0);
	assert_int_equal(rec[0].ev.virt_id, 0x99);
	assert_int_equal(rec[1].hdr.sequence, 1);
	assert_int_equal(rec[2].hdr.flags, IOMMU_VEVENTQ_FLAG_LOST_EVENTS);
	assert_int_equal(rec[2].hdr.sequence, 2);
	assert_false(mock_poll(fdf(e, fd)) & POLLIN);
	assert_int_equal(test_cmd(e, &trig), 0);
	assert_int_equal(xread(e, fd, rec, sizeof(rec)), sizeof(rec[0]));
	assert_int_equal(rec[0].hdr.sequence, 3);

	/* vIOMMU-based HWPT invalidation reaches the device's cache */
	{
		struct iommu_viommu_invalidate_selftest inv = { .vdev_id = 0x99, .cache_id = 2 };
		struct iommu_hwpt_invalidate cmd = {
			.size = sizeof(cmd), .hwpt_id = e->viommu,
			.data_uptr = (uintptr_t)&inv, .data_type = IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
			.entry_len = sizeof(inv), .entry_num = 1,
		};
		struct iommu_test_cmd chk = {
			.op = IOMMU_TEST_OP_DEV_CHECK_CACHE, .id = e->idev,
			.check_dev_cache = { .id = 2, .cache = 0 },
		};

		assert_int_equal(xioctl(e, IOMMU_HWPT_INVALIDATE, &cmd), 0);
		assert_int_equal(cmd.entry_num, 1);
		assert_int_equal(test_cmd(e, &chk), 0);
	}

	/* the device goes: its vDEVICE id is a tombstone */
	assert_int_equal(replace(e, e->ioas), 0);
	assert_int_equal(destroy(e, e->stdev), 0);
	assert_int_equal(destroy(e, vdev), -ENOENT);
	harness_close(&e->h, fd);
	assert_int_equal(destroy(e, va.out_veventq_id), 0);
	assert_int_equal(destroy(e, nested), 0);
}

static void test_hw_queue(void **state)
{
	struct env *e = *state;
	struct iommu_hw_queue_alloc q = {
		.size = sizeof(q), .viommu_id = e->viommu, .type = IOMMU_HW_QUEUE_TYPE_SELFTEST,
		.length = PAGE,
	};
	struct iommu_ioas_map map = {
		.size = sizeof(map), .ioas_id = e->ioas, .user_va = (uintptr_t)e->buf,
		.length = PAGE, .flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
	};
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap), .ioas_id = e->ioas };
	uint32_t q0, q1;

	q.nesting_parent_iova = MOCK_APERTURE_START;
	assert_int_equal(xioctl(e, IOMMU_HW_QUEUE_ALLOC, &q), -ENOENT);
	assert_int_equal(xioctl(e, IOMMU_IOAS_MAP, &map), 0);
	q.nesting_parent_iova = map.iova;
	q.index = 1;
	assert_int_equal(xioctl(e, IOMMU_HW_QUEUE_ALLOC, &q), -EIO);
	q.index = IOMMU_TEST_HW_QUEUE_MAX;
	assert_int_equal(xioctl(e, IOMMU_HW_QUEUE_ALLOC, &q), -EINVAL);
	q.index = 0;
	assert_int_equal(xioctl(e, IOMMU_HW_QUEUE_ALLOC, &q), 0);
	q0 = q.out_hw_queue_id;
	assert_int_equal(xioctl(e, IOMMU_HW_QUEUE_ALLOC, &q), -EEXIST);
	unmap.iova = map.iova;
	unmap.length = PAGE;
	assert_int_equal(xioctl(e, IOMMU_IOAS_UNMAP, &unmap), -EBUSY);
	q.index = 1;
	q.nesting_parent_iova = map.iova + PAGE / 2;
	q.length = PAGE / 2;
	assert_int_equal(xioctl(e, IOMMU_HW_QUEUE_ALLOC, &q), 0);
	q1 = q.out_hw_queue_id;
	assert_int_equal(destroy(e, q0), -EBUSY);
	assert_int_equal(destroy(e, q1), 0);
	assert_int_equal(destroy(e, q0), 0);
	unmap.length = PAGE;
	assert_int_equal(xioctl(e, IOMMU_IOAS_UNMAP, &unmap), 0);
}

static void test_dmabuf(void **state)
{
	struct env *e = *state;
	struct iommu_test_cmd get = {
		.op = IOMMU_TEST_OP_DMABUF_GET, .dmabuf_get = { .length = 3 * PAGE + 1,
								.open_flags = O_CLOEXEC },
	};
	struct iommu_test_cmd rev = { .op = IOMMU_TEST_OP_DMABUF_REVOKE };
	struct iommu_ioas_map_file mf = {
		.size = sizeof(mf), .ioas_id = e->ioas, .start = 0, .length = 4 * PAGE,
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
	};
	long fd;

	get.dmabuf_get.length = 0;
	assert_int_equal(test_cmd(e, &get), -EINVAL);
	get.dmabuf_get.length = 3 * PAGE + 1;
	fd = test_cmd(e, &get);
	assert_true(fd >= 100);
	mf.fd = (int32_t)fd;
	mf.length = 4 * PAGE + 1;
	assert_int_equal(xioctl(e, IOMMU_IOAS_MAP_FILE, &mf), -EINVAL);
	mf.length = 4 * PAGE;
	assert_int_equal(xioctl(e, IOMMU_IOAS_MAP_FILE, &mf), 0);

	rev.dmabuf_revoke.dmabuf_fd = (int32_t)fd;
	rev.dmabuf_revoke.revoked = 1;
	assert_int_equal(test_cmd(e, &rev), 0);
	assert_int_equal(xioctl(e, IOMMU_IOAS_MAP_FILE, &mf), -ENODEV);
	rev.dmabuf_revoke.revoked = 0;
	assert_int_equal(test_cmd(e, &rev), 0);
	assert_int_equal(xioctl(e, IOMMU_IOAS_MAP_FILE, &mf), 0);
	rev.dmabuf_revoke.dmabuf_fd = 99;
	assert_int_equal(test_cmd(e, &rev), -EBADF);
	/* the mappings keep the buffer after its fd is closed */
	harness_close(&e->h, (int)fd);
}

/* IOMMU_IOAS_NOIOMMU_GET_PA on an IOMMU-backed IOAS: the kernel's errnos (probe73). */
static void test_noiommu_get_pa(void **state)
{
	struct env *e = *state;
	struct iommu_ioas_map map = {
		.size = sizeof(map), .ioas_id = e->ioas, .user_va = (uintptr_t)e->buf,
		.length = PAGE, .flags = IOMMU_IOAS_MAP_READABLE,
	};
	struct iommu_ioas_noiommu_get_pa pa = { .size = sizeof(pa), .ioas_id = e->ioas,
						.length = PAGE };

	assert_int_equal(xioctl(e, IOMMU_IOAS_MAP, &map), 0);
	pa.iova = map.iova;
	if (xioctl(e, IOMMU_IOAS_NOIOMMU_GET_PA, &pa) == -EPERM)
		skip(); /* no CAP_SYS_RAWIO */
	assert_int_equal(xioctl(e, IOMMU_IOAS_NOIOMMU_GET_PA, &pa), -EOPNOTSUPP);
	pa.length = 0;
	assert_int_equal(xioctl(e, IOMMU_IOAS_NOIOMMU_GET_PA, &pa), -EINVAL);
	pa.length = PAGE;
	pa.flags = 1;
	assert_int_equal(xioctl(e, IOMMU_IOAS_NOIOMMU_GET_PA, &pa), -EOPNOTSUPP);
	pa.flags = 0;
	pa.iova = map.iova + 16 * PAGE;
	assert_int_equal(xioctl(e, IOMMU_IOAS_NOIOMMU_GET_PA, &pa), -ENOENT);
	pa.ioas_id = 9999;
	assert_int_equal(xioctl(e, IOMMU_IOAS_NOIOMMU_GET_PA, &pa), -ENOENT);
	pa.size = 32;
	assert_int_equal(xioctl(e, IOMMU_IOAS_NOIOMMU_GET_PA, &pa), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fault_queue, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_viommu_mmap, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_vdevice_veventq, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_hw_queue, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_dmabuf, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_noiommu_get_pa, env_setup, env_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
