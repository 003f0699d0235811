// SPDX-License-Identifier: MIT
/*
 * test-releases.c - the mock's kernel release profiles, seen from a program.
 *
 * Run once per release: `test-releases REL` sets IOMMUFD_MOCK_KERNEL=REL
 * before its first open of /dev/iommu (the linked-in shim starts the daemon
 * then). It checks that the library's feature probe reports exactly what that
 * release has, against a table written here from the uAPI history (the
 * release each command, struct field and flag first appeared in), and that
 * raw ioctls meet that release's struct sizes, flags and errnos.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include <iommufd/iommufd.h>

#include "iommufd-uapi.h"
#include "iommufd_test.h"

#define KV(major, minor) (((major) << 8) | (minor))

static unsigned int kv; /* the release under test */

/* ---- what each release has (uAPI history; doc/mock-divergences.md) ---- */

static const struct {
	enum iommufd_cmd cmd;
	unsigned int since;
} cmd_since[] = {
	{ IOMMUFD_IOCTL_DESTROY, KV(6, 2) },
	{ IOMMUFD_IOCTL_IOAS_ALLOC, KV(6, 2) },
	{ IOMMUFD_IOCTL_IOAS_ALLOW_IOVAS, KV(6, 2) },
	{ IOMMUFD_IOCTL_IOAS_COPY, KV(6, 2) },
	{ IOMMUFD_IOCTL_IOAS_IOVA_RANGES, KV(6, 2) },
	{ IOMMUFD_IOCTL_IOAS_MAP, KV(6, 2) },
	{ IOMMUFD_IOCTL_IOAS_UNMAP, KV(6, 2) },
	{ IOMMUFD_IOCTL_OPTION, KV(6, 2) },
	{ IOMMUFD_IOCTL_VFIO_IOAS, KV(6, 2) },
	{ IOMMUFD_IOCTL_HWPT_ALLOC, KV(6, 6) },
	{ IOMMUFD_IOCTL_GET_HW_INFO, KV(6, 6) },
	{ IOMMUFD_IOCTL_HWPT_SET_DIRTY_TRACKING, KV(6, 7) },
	{ IOMMUFD_IOCTL_HWPT_GET_DIRTY_BITMAP, KV(6, 7) },
	{ IOMMUFD_IOCTL_HWPT_INVALIDATE, KV(6, 8) },
	{ IOMMUFD_IOCTL_FAULT_QUEUE_ALLOC, KV(6, 11) },
	{ IOMMUFD_IOCTL_IOAS_MAP_FILE, KV(6, 13) },
	{ IOMMUFD_IOCTL_VIOMMU_ALLOC, KV(6, 13) },
	{ IOMMUFD_IOCTL_VDEVICE_ALLOC, KV(6, 13) },
	{ IOMMUFD_IOCTL_IOAS_CHANGE_PROCESS, KV(6, 13) },
	{ IOMMUFD_IOCTL_VEVENTQ_ALLOC, KV(6, 15) },
	{ IOMMUFD_IOCTL_HW_QUEUE_ALLOC, KV(6, 17) },
	{ IOMMUFD_IOCTL_IOAS_NOIOMMU_GET_PA, KV(7, 3) },
};

static const struct {
	enum iommufd_feature feature;
	unsigned int since; /* 0: every release the mock offers */
} feature_since[] = {
	{ IOMMUFD_FEATURE_VFIO_COMPAT, 0 },
	{ IOMMUFD_FEATURE_SELFTEST, 0 },
	{ IOMMUFD_FEATURE_HWPT_DATA, KV(6, 7) },
	{ IOMMUFD_FEATURE_HWPT_FAULT_ID, KV(6, 11) },
	{ IOMMUFD_FEATURE_HW_INFO_CAPABILITIES, KV(6, 7) },
	{ IOMMUFD_FEATURE_HW_INFO_INPUT_TYPE, KV(6, 17) },
	{ IOMMUFD_FEATURE_VIOMMU_DATA, KV(6, 17) },
};

/* ---- helpers ---- */

struct env {
	struct iommufd_ctx *ctx;
	int fd;
	uint32_t ioas_id;
	void *buf;
	size_t len;
};

static int raw(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	if (!e || iommufd_ctx_open(NULL, &e->ctx))
		return -1;
	e->fd = iommufd_ctx_get_fd(e->ctx);
	if (raw(e->fd, IOMMU_IOAS_ALLOC, &alloc))
		return -1;
	e->ioas_id = alloc.out_ioas_id;
	e->len = 1024 * 1024;
	e->buf = mmap(NULL, e->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (e->buf == MAP_FAILED)
		return -1;
	memset(e->buf, 0x5a, e->len);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	iommufd_ctx_close(e->ctx);
	munmap(e->buf, e->len);
	free(e);
	return 0;
}

/* A selftest mock device with @dev_flags attached to the IOAS: 0 or -errno. */
static int mock_device(struct env *e, uint32_t dev_flags, uint32_t *hwpt_id, uint32_t *idev_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = dev_flags == UINT32_MAX ? IOMMU_TEST_OP_MOCK_DOMAIN :
						IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.id = e->ioas_id,
		.mock_domain_flags = { .dev_flags = dev_flags == UINT32_MAX ? 0 : dev_flags },
	};
	int rc = raw(e->fd, IOMMU_TEST_CMD, &cmd);

	if (rc)
		return rc;
	if (hwpt_id)
		*hwpt_id = cmd.mock_domain_flags.out_hwpt_id;
	if (idev_id)
		*idev_id = cmd.mock_domain_flags.out_idev_id;
	return 0;
}

static int map_fixed(struct env *e, uint64_t iova, size_t len)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = e->ioas_id,
		.user_va = (uintptr_t)e->buf,
		.length = len,
		.iova = iova,
	};

	return raw(e->fd, IOMMU_IOAS_MAP, &map);
}

static int hwpt_alloc(struct env *e, uint32_t idev_id, uint32_t flags, uint32_t fault_id,
		      uint32_t *hwpt_id)
{
	struct iommu_hwpt_alloc a = {
		.size = sizeof(a),
		.flags = flags,
		.dev_id = idev_id,
		.pt_id = e->ioas_id,
		.fault_id = fault_id,
	};
	int rc = raw(e->fd, IOMMU_HWPT_ALLOC, &a);

	if (!rc && hwpt_id)
		*hwpt_id = a.out_hwpt_id;
	return rc;
}

/* ---- the library's probe ---- */

static void test_probe_commands(void **state)
{
	struct env *e = *state;

	for (size_t i = 0; i < sizeof(cmd_since) / sizeof(cmd_since[0]); i++) {
		bool want = kv >= cmd_since[i].since;

		if (iommufd_ctx_has_cmd(e->ctx, cmd_since[i].cmd) != want)
			fail_msg("command 0x%x: has_cmd %d, release has it: %d",
				 (unsigned int)cmd_since[i].cmd, !want, want);
	}
	/* a command past the release's table is ENOTTY on the raw fd too */
	for (size_t i = 0; i < sizeof(cmd_since) / sizeof(cmd_since[0]); i++) {
		uint32_t size = 0;
		int rc = raw(e->fd, _IO(IOMMUFD_TYPE, cmd_since[i].cmd), &size);

		assert_int_equal(rc, kv >= cmd_since[i].since ? -EINVAL : -ENOTTY);
	}
}

static void test_probe_features(void **state)
{
	struct env *e = *state;

	for (size_t i = 0; i < sizeof(feature_since) / sizeof(feature_since[0]); i++) {
		bool want = kv >= feature_since[i].since;

		if (iommufd_ctx_has_feature(e->ctx, feature_since[i].feature) != want)
			fail_msg("feature %u: has_feature %d, release has it: %d",
				 (unsigned int)feature_since[i].feature, !want, want);
	}
}

/* ---- raw behaviour that changed between releases ---- */

/* Bytes past a release's struct must be zero (E2BIG) and are never written. */
static void test_struct_sizes(void **state)
{
	struct env *e = *state;
	struct iommu_hwpt_alloc a = { .size = sizeof(a), .data_len = 4 };
	struct iommu_hw_info info = { .size = sizeof(info), .out_capabilities = 1 };
	uint32_t idev_id;

	/* HWPT_ALLOC grew driver data in 6.7 and fault_id in 6.11 */
	assert_int_equal(raw(e->fd, IOMMU_HWPT_ALLOC, &a), kv < KV(6, 7) ? -E2BIG : -EINVAL);
	a = (struct iommu_hwpt_alloc){ .size = sizeof(a), .fault_id = 1 };
	assert_int_equal(raw(e->fd, IOMMU_HWPT_ALLOC, &a), kv < KV(6, 11) ? -E2BIG : -ENOENT);
	/* GET_HW_INFO grew out_capabilities in 6.7 */
	assert_int_equal(raw(e->fd, IOMMU_GET_HW_INFO, &info), kv < KV(6, 7) ? -E2BIG : -ENOENT);

	/* a 6.6 kernel writes 32 bytes: the capabilities of a dirty-capable device stay 0 */
	assert_int_equal(mock_device(e, UINT32_MAX, NULL, &idev_id), 0);
	info = (struct iommu_hw_info){ .size = sizeof(info), .dev_id = idev_id };
	assert_int_equal(raw(e->fd, IOMMU_GET_HW_INFO, &info), 0);
	assert_int_equal(info.out_data_type, IOMMU_HW_INFO_TYPE_SELFTEST);
	if (kv < KV(6, 7))
		assert_int_equal(info.out_capabilities, 0);
	else if (kv < KV(7, 0))
		assert_int_equal(info.out_capabilities, IOMMU_HW_CAP_DIRTY_TRACKING);
	else
		assert_int_equal(info.out_capabilities, IOMMU_HW_CAP_DIRTY_TRACKING |
							IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	/* asking for a data type: 6.17 */
	info = (struct iommu_hw_info){ .size = sizeof(info), .dev_id = idev_id,
				       .flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE,
				       .in_data_type = IOMMU_HW_INFO_TYPE_SELFTEST };
	assert_int_equal(raw(e->fd, IOMMU_GET_HW_INFO, &info), kv < KV(6, 17) ? -EOPNOTSUPP : 0);
}

static void test_mock_device_flags(void **state)
{
	struct env *e = *state;

	if (kv < KV(6, 7)) {
		/* before dirty tracking there were no device flags at all */
		assert_int_equal(mock_device(e, 0, NULL, NULL), -EOPNOTSUPP);
		return;
	}
	assert_int_equal(mock_device(e, MOCK_FLAGS_DEVICE_NO_DIRTY, NULL, NULL), 0);
	/* 1 MiB IO pages: a device flag until the generic page table (after 6.17) */
	assert_int_equal(mock_device(e, MOCK_FLAGS_DEVICE_HUGE_IOVA_612, NULL, NULL),
			 kv < KV(7, 0) ? 0 : -EINVAL);
	/* PASID-capable mock devices: 6.15 */
	assert_int_equal(mock_device(e, MOCK_FLAGS_DEVICE_PASID, NULL, NULL),
			 kv < KV(6, 15) ? -EINVAL : 0);
}

static void test_hwpt_flags(void **state)
{
	struct env *e = *state;
	uint32_t idev_id, hwpt_id;

	assert_int_equal(mock_device(e, UINT32_MAX, NULL, &idev_id), 0);
	assert_int_equal(hwpt_alloc(e, idev_id, 0, 0, &hwpt_id), 0);
	/* NEST_PARENT and DIRTY_TRACKING: 6.7 */
	assert_int_equal(hwpt_alloc(e, idev_id, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, 0, NULL),
			 kv < KV(6, 7) ? -EOPNOTSUPP : 0);
	/* PASID-capable HWPTs: 6.15 */
	assert_int_equal(hwpt_alloc(e, idev_id, IOMMU_HWPT_ALLOC_PASID, 0, NULL),
			 kv < KV(6, 15) ? -EOPNOTSUPP : 0);
	/* a paging HWPT with a fault queue: 6.13 (6.11 had it for nested ones only) */
	if (kv >= KV(6, 11))
		assert_int_equal(hwpt_alloc(e, idev_id, IOMMU_HWPT_FAULT_ID_VALID, 12345, NULL),
				 kv < KV(6, 13) ? -EOPNOTSUPP : -ENOENT);

	if (kv < KV(6, 8))
		return;
	/* invalidating a paging HWPT: the nested lookup failed before the vIOMMU (6.13) */
	struct iommu_hwpt_invalidate inv = { .size = sizeof(inv), .hwpt_id = hwpt_id };

	assert_int_equal(raw(e->fd, IOMMU_HWPT_INVALIDATE, &inv),
			 kv < KV(6, 13) ? -ENOENT : -EINVAL);
}

static void test_test_ops(void **state)
{
	struct env *e = *state;
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DEV_CHECK_CACHE,
	};

	/* an op the release does not have is EOPNOTSUPP; DEV_CHECK_CACHE is 6.13 */
	assert_int_equal(raw(e->fd, IOMMU_TEST_CMD, &cmd), kv < KV(6, 13) ? -EOPNOTSUPP : -ENOENT);
	cmd = (struct iommu_test_cmd){ .size = sizeof(cmd), .op = IOMMU_TEST_OP_DMABUF_GET };
	assert_int_equal(raw(e->fd, IOMMU_TEST_CMD, &cmd), kv < KV(7, 0) ? -EOPNOTSUPP : -EINVAL);
}

/*
 * Dirty granularity of the selftest domain: a 2 KiB IO page is a PTE of its
 * own until the generic page table (after 6.17), where the PTE is PAGE_SIZE.
 */
static void test_dirty_granularity(void **state)
{
	struct env *e = *state;
	const uint64_t iova = 1UL << 24, len = 64 * 1024;
	uint64_t marks = 0, bitmap = 0;
	uint32_t idev_id, hwpt_id;

	if (kv < KV(6, 7))
		skip();
	assert_int_equal(mock_device(e, UINT32_MAX, NULL, &idev_id), 0);
	assert_int_equal(hwpt_alloc(e, idev_id, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, 0, &hwpt_id), 0);
	assert_int_equal(map_fixed(e, iova, len), 0);

	struct iommu_hwpt_set_dirty_tracking on = {
		.size = sizeof(on),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
		.hwpt_id = hwpt_id,
	};

	assert_int_equal(raw(e->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &on), 0);

	/* mark the first 2 KiB IO page dirty */
	marks = 1;
	struct iommu_test_cmd dirty = {
		.size = sizeof(dirty),
		.op = IOMMU_TEST_OP_DIRTY,
		.id = hwpt_id,
		.dirty = { .iova = iova, .length = 64 * 2048, .page_size = 2048,
			   .uptr = (uintptr_t)&marks },
	};

	assert_int_equal(raw(e->fd, IOMMU_TEST_CMD, &dirty), 0);
	assert_int_equal(dirty.dirty.out_nr_dirty, 1);

	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get),
		.hwpt_id = hwpt_id,
		.iova = iova,
		.length = 64 * 2048,
		.page_size = 2048,
		.data = (uintptr_t)&bitmap,
	};

	assert_int_equal(raw(e->fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &get), 0);
	assert_int_equal(bitmap, kv < KV(7, 0) ? 0x1 : 0x3);
}

/* The VFIO cdev side (an edu with 8 PASID bits at vfio0): BIND token 6.17, PASID 6.15. */
static void test_vfio_cdev(void **state)
{
	struct env *e = *state;
	unsigned char uuid[16] = { 1 };
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.flags = VFIO_DEVICE_BIND_FLAG_TOKEN,
		.iommufd = e->fd,
		.token_uuid_ptr = (uintptr_t)uuid,
	};
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.flags = VFIO_DEVICE_ATTACH_PASID,
		.pt_id = e->ioas_id,
		.pasid = 1,
	};
	int dev = open("/dev/vfio/devices/vfio0", O_RDWR);

	assert_true(dev >= 0);
	/* a token is for SR-IOV devices only (EINVAL), but older kernels refuse its field */
	assert_int_equal(raw(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), kv < KV(6, 17) ? -E2BIG : -EINVAL);
	bind = (struct vfio_device_bind_iommufd){
		.argsz = offsetof(struct vfio_device_bind_iommufd, token_uuid_ptr),
		.iommufd = e->fd,
	};
	assert_int_equal(raw(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), 0);
	if (kv < KV(6, 15)) {
		assert_int_equal(raw(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach), -EINVAL);
	} else {
		/* a PASID needs PASID-capable domains on it and on the RID */
		struct vfio_device_attach_iommufd_pt rid = { .argsz = 12 };

		assert_int_equal(hwpt_alloc(e, bind.out_devid, IOMMU_HWPT_ALLOC_PASID, 0,
					    &rid.pt_id), 0);
		assert_int_equal(raw(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &rid), 0);
		attach.pt_id = rid.pt_id;
		assert_int_equal(raw(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach), 0);
	}
	close(dev);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_features, setup, teardown),
		cmocka_unit_test_setup_teardown(test_struct_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mock_device_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hwpt_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_test_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirty_granularity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vfio_cdev, setup, teardown),
	};
	unsigned int major, minor;
	char name[64];

	if (argc != 2 || sscanf(argv[1], "%u.%u", &major, &minor) != 2) {
		fprintf(stderr, "usage: %s RELEASE (e.g. 6.12)\n", argv[0]);
		return 2;
	}
	kv = KV(major, minor);
	/* read by the daemon the shim starts at the first open of /dev/iommu */
	if (setenv("IOMMUFD_MOCK_KERNEL", argv[1], 1) ||
	    setenv("IOMMUFD_MOCK_DEVICES", "edu,pasid=8", 1))
		return 2;
	snprintf(name, sizeof(name), "release-%s", argv[1]);
	return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}
