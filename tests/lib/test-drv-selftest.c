// SPDX-License-Identifier: MIT
/*
 * test-drv-selftest.c - <iommufd/selftest.h> as a test author uses it,
 * against the mock's model of the kernel's selftest driver: a mock device
 * made with IOMMUFD_SELFTEST_CMD, its hw_info, a nested HWPT with the
 * selftest data and its invalidation checked IOTLB entry by entry, a
 * selftest vIOMMU with its in/out data, a vDEVICE's cache invalidated
 * through the vIOMMU, and a vEVENT carrying the vDEVICE's virt_id.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <iommufd/selftest.h>

#include "iommufd-uapi.h"
#include "iommufd_test.h"
#include "drv-helpers.h"

#define VIRT_ID 0x99

struct st {
	int fd;
	uint32_t ioas, stdev, idev, hwpt;
};

static int selftest(int fd, struct iommufd_selftest_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return ioctl(fd, IOMMUFD_SELFTEST_CMD, cmd) ? errno : 0;
}

static int check_iotlb(int fd, uint32_t hwpt, uint32_t id, uint32_t val)
{
	struct iommufd_selftest_cmd cmd = {
		.op = IOMMUFD_SELFTEST_OP_MD_CHECK_IOTLB, .id = hwpt,
		.check_iotlb = { .id = id, .iotlb = val },
	};

	return selftest(fd, &cmd);
}

static int check_cache(int fd, uint32_t idev, uint32_t id, uint32_t val)
{
	struct iommufd_selftest_cmd cmd = {
		.op = IOMMUFD_SELFTEST_OP_DEV_CHECK_CACHE, .id = idev,
		.check_dev_cache = { .id = id, .cache = val },
	};

	return selftest(fd, &cmd);
}

static int alloc(struct st *s, uint32_t flags, uint32_t pt, uint32_t type, const void *data,
		 uint32_t len, uint32_t *id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = s->idev, .pt_id = pt,
		.data_type = type, .data_len = len, .data_uptr = (uintptr_t)data,
	};
	int rc = drv_ioctl(s->fd, IOMMU_HWPT_ALLOC, &cmd);

	if (!rc && id)
		*id = cmd.out_hwpt_id;
	return rc;
}

static int invalidate(int fd, uint32_t id, uint32_t type, const void *e, uint32_t len,
		      uint32_t *num)
{
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd), .hwpt_id = id, .data_uptr = (uintptr_t)e,
		.data_type = type, .entry_len = len, .entry_num = *num,
	};
	int rc = drv_ioctl(fd, IOMMU_HWPT_INVALIDATE, &cmd);

	*num = cmd.entry_num;
	return rc;
}

static int destroy(int fd, uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return drv_ioctl(fd, IOMMU_DESTROY, &cmd);
}

static int st_setup(void **state)
{
	static struct st s;
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct iommufd_selftest_cmd md = { .op = IOMMUFD_SELFTEST_OP_MOCK_DOMAIN };

	s.fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (s.fd < 0 || drv_ioctl(s.fd, IOMMU_IOAS_ALLOC, &ia))
		return -1;
	s.ioas = ia.out_ioas_id;
	md.id = s.ioas;
	if (selftest(s.fd, &md))
		return -1;
	s.stdev = md.mock_domain.out_stdev_id;
	s.hwpt = md.mock_domain.out_hwpt_id;
	s.idev = md.mock_domain.out_idev_id;
	*state = &s;
	return 0;
}

static int st_teardown(void **state)
{
	struct st *s = *state;

	close(s->fd); /* releases every object */
	return 0;
}

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct iommufd_selftest_cmd), sizeof(struct iommu_test_cmd));
	assert_int_equal(offsetof(struct iommufd_selftest_cmd, last),
			 offsetof(struct iommu_test_cmd, last));
	assert_int_equal(offsetof(struct iommufd_selftest_cmd, check_iotlb.iotlb),
			 offsetof(struct iommu_test_cmd, check_iotlb.iotlb));
	assert_int_equal(sizeof(struct iommufd_selftest_hwpt_data), 8);
	assert_int_equal(sizeof(struct iommufd_selftest_viommu_data), 24);
	assert_int_equal(sizeof(struct iommufd_selftest_viommu_inv), 12);
	assert_int_equal(IOMMUFD_SELFTEST_CMD, IOMMU_TEST_CMD);
}

static void test_hw_info(void **state)
{
	struct st *s = *state;
	struct iommufd_selftest_hw_info data = { 0 };
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd), .dev_id = s->idev, .data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};

	assert_int_equal(drv_ioctl(s->fd, IOMMU_GET_HW_INFO, &cmd), 0);
	assert_int_equal(cmd.out_data_type, IOMMUFD_SELFTEST_HW_INFO_TYPE);
	assert_int_equal(cmd.data_len, sizeof(data));
	assert_int_equal(data.flags, 0);
	assert_int_equal(data.test_reg, IOMMUFD_SELFTEST_HW_INFO_REGVAL);
}

static void test_nested_invalidate(void **state)
{
	struct st *s = *state;
	struct iommufd_selftest_hwpt_data data = { .iotlb = IOMMUFD_SELFTEST_IOTLB_DEFAULT };
	struct iommufd_selftest_hwpt_inv inv[2] = { { .iotlb_id = 1 }, { .iotlb_id = 3 } };
	uint32_t parent = 0, nested = 0, num;

	assert_int_equal(alloc(s, IOMMU_HWPT_ALLOC_NEST_PARENT, s->ioas, 0, NULL, 0, &parent), 0);
	assert_int_equal(alloc(s, 0, parent, IOMMUFD_SELFTEST_HWPT_DATA_TYPE, &data, sizeof(data),
			       &nested), 0);
	for (uint32_t i = 0; i < IOMMUFD_SELFTEST_IOTLB_NUM; i++)
		assert_int_equal(check_iotlb(s->fd, nested, i, IOMMUFD_SELFTEST_IOTLB_DEFAULT), 0);
	/* entries 1 and 3 reset, 0 and 2 kept */
	num = 2;
	assert_int_equal(invalidate(s->fd, nested, IOMMUFD_SELFTEST_HWPT_INV_TYPE, inv,
				    sizeof(inv[0]), &num), 0);
	assert_int_equal(num, 2);
	assert_int_equal(check_iotlb(s->fd, nested, 0, IOMMUFD_SELFTEST_IOTLB_DEFAULT), 0);
	assert_int_equal(check_iotlb(s->fd, nested, 1, 0), 0);
	assert_int_equal(check_iotlb(s->fd, nested, 2, IOMMUFD_SELFTEST_IOTLB_DEFAULT), 0);
	assert_int_equal(check_iotlb(s->fd, nested, 3, 0), 0);
	/* the check itself fails on a wrong value */
	assert_int_equal(check_iotlb(s->fd, nested, 0, 0), EINVAL);
	/* an id past the last entry: EINVAL, the first entry taken */
	inv[1].iotlb_id = IOMMUFD_SELFTEST_IOTLB_ID_MAX + 1;
	num = 2;
	assert_int_equal(invalidate(s->fd, nested, IOMMUFD_SELFTEST_HWPT_INV_TYPE, inv,
				    sizeof(inv[0]), &num), EINVAL);
	assert_int_equal(num, 1);
	/* the refused type */
	num = 1;
	assert_int_equal(invalidate(s->fd, nested, IOMMUFD_SELFTEST_HWPT_INV_TYPE_INVALID, inv,
				    sizeof(inv[0]), &num), EINVAL);
	assert_int_equal(num, 0);
	/* FLAG_ALL resets every entry */
	inv[0].flags = IOMMUFD_SELFTEST_INV_FLAG_ALL;
	num = 1;
	assert_int_equal(invalidate(s->fd, nested, IOMMUFD_SELFTEST_HWPT_INV_TYPE, inv,
				    sizeof(inv[0]), &num), 0);
	for (uint32_t i = 0; i < IOMMUFD_SELFTEST_IOTLB_NUM; i++)
		assert_int_equal(check_iotlb(s->fd, nested, i, 0), 0);
	assert_int_equal(destroy(s->fd, nested), 0);
	assert_int_equal(destroy(s->fd, parent), 0);
}

static void test_viommu(void **state)
{
	struct st *s = *state;
	struct iommufd_selftest_viommu_data data = { .in_data = 0xabcd };
	struct iommufd_selftest_viommu_inv inv = { .vdev_id = VIRT_ID, .cache_id = 2 };
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd), .dev_id = s->idev, .virt_id = VIRT_ID };
	struct iommu_veventq_alloc vq = {
		.size = sizeof(vq), .type = IOMMU_VEVENTQ_TYPE_SELFTEST, .veventq_depth = 2,
	};
	struct iommufd_selftest_cmd trig = { .op = IOMMUFD_SELFTEST_OP_TRIGGER_VEVENT };
	struct iommufd_selftest_cmd replace = { .op = IOMMUFD_SELFTEST_OP_MOCK_DOMAIN_REPLACE };
	struct iommufd_selftest_hwpt_data hdata = { .iotlb = IOMMUFD_SELFTEST_IOTLB_DEFAULT };
	struct {
		struct iommufd_vevent_header hdr;
		struct iommufd_selftest_vevent ev;
	} rec;
	uint32_t parent = 0, viommu = 0, nested = 0, num;

	assert_int_equal(alloc(s, IOMMU_HWPT_ALLOC_NEST_PARENT, s->ioas, 0, NULL, 0, &parent), 0);
	assert_int_equal(drv_viommu_alloc_data(s->fd, s->idev, IOMMU_VIOMMU_TYPE_SELFTEST, parent,
					       &data, sizeof(data), &viommu), 0);
	assert_int_equal(data.out_data, 0xabcd);
	assert_int_not_equal(data.out_mmap_length, 0);
	vd.viommu_id = viommu;
	assert_int_equal(drv_ioctl(s->fd, IOMMU_VDEVICE_ALLOC, &vd), 0);

	/* the vDEVICE's cache, entry 2 reset through the vIOMMU */
	for (uint32_t i = 0; i < IOMMUFD_SELFTEST_DEV_CACHE_NUM; i++)
		assert_int_equal(check_cache(s->fd, s->idev, i, IOMMUFD_SELFTEST_DEV_CACHE_DEFAULT), 0);
	num = 1;
	assert_int_equal(invalidate(s->fd, viommu, IOMMUFD_SELFTEST_VIOMMU_INV_TYPE, &inv,
				    sizeof(inv), &num), 0);
	assert_int_equal(num, 1);
	assert_int_equal(check_cache(s->fd, s->idev, 2, 0), 0);
	assert_int_equal(check_cache(s->fd, s->idev, 1, IOMMUFD_SELFTEST_DEV_CACHE_DEFAULT), 0);
	/* a cache id past the last: EINVAL, nothing taken */
	inv.cache_id = IOMMUFD_SELFTEST_DEV_CACHE_ID_MAX + 1;
	num = 1;
	assert_int_equal(invalidate(s->fd, viommu, IOMMUFD_SELFTEST_VIOMMU_INV_TYPE, &inv,
				    sizeof(inv), &num), EINVAL);
	assert_int_equal(num, 0);

	/* a vEVENT of a device attached to the vIOMMU's stage 1 carries its virt_id */
	vq.viommu_id = viommu;
	assert_int_equal(drv_ioctl(s->fd, IOMMU_VEVENTQ_ALLOC, &vq), 0);
	trig.trigger_vevent.dev_id = s->idev;
	assert_int_equal(selftest(s->fd, &trig), ENOENT); /* not attached to it yet */
	assert_int_equal(alloc(s, 0, viommu, IOMMUFD_SELFTEST_HWPT_DATA_TYPE, &hdata,
			       sizeof(hdata), &nested), 0);
	replace.id = s->stdev;
	replace.mock_domain_replace.pt_id = nested;
	assert_int_equal(selftest(s->fd, &replace), 0);
	assert_int_equal(selftest(s->fd, &trig), 0);
	assert_int_equal(read(vq.out_veventq_fd, &rec, sizeof(rec)), (ssize_t)sizeof(rec));
	assert_int_equal(rec.ev.virt_id, VIRT_ID);

	close(vq.out_veventq_fd);
	assert_int_equal(destroy(s->fd, vq.out_veventq_id), 0);
	replace.mock_domain_replace.pt_id = s->ioas;
	assert_int_equal(selftest(s->fd, &replace), 0);
	assert_int_equal(destroy(s->fd, nested), 0);
	assert_int_equal(destroy(s->fd, vd.out_vdevice_id), 0);
	assert_int_equal(destroy(s->fd, viommu), 0);
	assert_int_equal(destroy(s->fd, parent), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_hw_info),
		cmocka_unit_test(test_nested_invalidate),
		cmocka_unit_test(test_viommu),
	};

	return cmocka_run_group_tests(tests, st_setup, st_teardown);
}
