// SPDX-License-Identifier: MIT
/*
 * test-device.c - device handles: argument checks of every call (no kernel
 * needed), adoption of the selftest's mock devices, IOMMU_GET_HW_INFO against
 * the mock (data, truncation, input type), the hw-info decoders on
 * kernel-layout data, and binding/attaching a VFIO cdev when one can be
 * opened. One behaviour per test, the errno asserted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "iommufd-uapi.h"
#include "iommufd_test.h"

#define VFIO_CDEV "/dev/vfio/devices/vfio0"

/* Skips unless the kernel has the selftest and @cmd (the mock may not have it yet). */
static void require_cmd(struct iommufd_ctx *ctx, enum iommufd_cmd cmd, const char *name)
{
	require_selftest(ctx);
	if (!iommufd_ctx_has_cmd(ctx, cmd)) {
		print_message("skipped: the kernel has no %s\n", name);
		skip();
	}
}

/* A mock device on the fixture's IOAS, adopted. */
static struct iommufd_device *mock_device(struct fixture *f)
{
	struct iommufd_device *dev = NULL;
	uint32_t idev_id;

	require_selftest(f->ctx);
	assert_int_equal(0, mock_domain(f->ctx, iommufd_ioas_get_id(f->ioas), NULL, NULL,
					&idev_id));
	assert_int_equal(0, iommufd_device_adopt(f->ctx, idev_id, &dev));
	return dev;
}

/* Opens the first VFIO cdev, or skips the test saying why. */
static int open_cdev_or_skip(void)
{
	int fd = open(VFIO_CDEV, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		print_message("skipped: cannot open %s: %s\n", VFIO_CDEV, strerror(errno));
		skip();
	}
	return fd;
}

static void test_bind_args(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;

	assert_errno(EINVAL, iommufd_device_bind(NULL, 0, NULL, &dev));
	assert_errno(EINVAL, iommufd_device_bind(f->ctx, 0, NULL, NULL));
	assert_errno(EBADF, iommufd_device_bind(f->ctx, -1, NULL, &dev));
	assert_errno(EINVAL, iommufd_device_bind_path(NULL, VFIO_CDEV, NULL, &dev));
	assert_errno(EINVAL, iommufd_device_bind_path(f->ctx, NULL, NULL, &dev));
	assert_errno(EINVAL, iommufd_device_bind_path(f->ctx, VFIO_CDEV, NULL, NULL));
}

static void test_bind_opts(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct {
		struct iommufd_device_bind_opts base;
		uint32_t future;
	} big;

	{
		IOMMUFD_OPTS(iommufd_device_bind_opts, opts, .flags = 1u << 9);
		assert_errno(EOPNOTSUPP, iommufd_device_bind(f->ctx, 0, &opts, &dev));
		assert_errno(EOPNOTSUPP, iommufd_device_bind_path(f->ctx, VFIO_CDEV, &opts, &dev));
	}
	{
		IOMMUFD_OPTS(iommufd_device_bind_opts, opts, .flags = IOMMUFD_DEVICE_BIND_ADOPT_FD);
		/* A path is always owned: asking to adopt it is a mistake. */
		assert_errno(EINVAL, iommufd_device_bind_path(f->ctx, VFIO_CDEV, &opts, &dev));
	}
	memset(&big, 0, sizeof(big));
	big.base.sz = sizeof(big);
	big.future = 1;
	assert_errno(E2BIG, iommufd_device_bind(f->ctx, 0, &big.base, &dev));
}

static void test_bind_path_missing(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;

	assert_errno(ENOENT, iommufd_device_bind_path(f->ctx, "/nonexistent/vfio9", NULL, &dev));
}

static void test_bind_not_vfio(void **state)
{
	IOMMUFD_OPTS(iommufd_device_bind_opts, opts, .flags = IOMMUFD_DEVICE_BIND_ADOPT_FD);
	struct fixture *f = *state;
	struct iommufd_device *dev;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_errno(ENOTTY, iommufd_device_bind(f->ctx, fd, &opts, &dev));
	/* On failure an fd to adopt stays the caller's. */
	assert_true(fcntl(fd, F_GETFD) >= 0);
	close(fd);
}

static void test_null_handle(void **state)
{
	struct iommufd_hw_info info;
	struct iommufd_device_info dinfo;
	struct iommufd_region_info rinfo;
	uint32_t id;

	(void)state;
	assert_int_equal(0, iommufd_device_get_id(NULL));
	assert_null(iommufd_device_get_ctx(NULL));
	assert_errno(EINVAL, iommufd_device_get_fd(NULL));
	assert_errno(EINVAL, iommufd_device_attach(NULL, NULL, &id));
	assert_errno(EINVAL, iommufd_device_replace(NULL, NULL, &id));
	assert_errno(EINVAL, iommufd_device_detach(NULL));
	assert_errno(EINVAL, iommufd_device_attach_pasid(NULL, 1, NULL, &id));
	assert_errno(EINVAL, iommufd_device_replace_pasid(NULL, 1, NULL, &id));
	assert_errno(EINVAL, iommufd_device_detach_pasid(NULL, 1));
	assert_errno(EINVAL, iommufd_device_get_hw_info(NULL, NULL, &info, NULL, 0));
	assert_errno(EINVAL, iommufd_device_get_info(NULL, &dinfo));
	assert_errno(EINVAL, iommufd_device_get_region_info(NULL, 0, &rinfo));
	assert_errno(EINVAL, iommufd_device_reset(NULL));
	errno = 1234;
	iommufd_device_unbind(NULL);
	assert_int_equal(1234, errno);
}

static void test_adopt_args(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;

	assert_errno(EINVAL, iommufd_device_adopt(NULL, 1, &dev));
	assert_errno(EINVAL, iommufd_device_adopt(f->ctx, 0, &dev));
	assert_errno(EINVAL, iommufd_device_adopt(f->ctx, 1, NULL));
}

static void test_adopt_mock_device(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev = mock_device(f);

	assert_int_not_equal(0, iommufd_device_get_id(dev));
	assert_ptr_equal(f->ctx, iommufd_device_get_ctx(dev));
	/* No VFIO file: the calls that need one say so. */
	assert_errno(EOPNOTSUPP, iommufd_device_get_fd(dev));
	iommufd_device_unbind(dev);
}

static void test_adopted_no_vfio_calls(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev = mock_device(f);
	struct iommufd_device_info dinfo;
	struct iommufd_region_info rinfo;
	struct iommufd_pt *pt = iommufd_ioas_as_pt(f->ioas);
	uint32_t id;

	assert_errno(EOPNOTSUPP, iommufd_device_attach(dev, pt, &id));
	assert_errno(EOPNOTSUPP, iommufd_device_replace(dev, pt, &id));
	assert_errno(EOPNOTSUPP, iommufd_device_detach(dev));
	assert_errno(EOPNOTSUPP, iommufd_device_attach_pasid(dev, 1, pt, &id));
	assert_errno(EOPNOTSUPP, iommufd_device_replace_pasid(dev, 1, pt, &id));
	assert_errno(EOPNOTSUPP, iommufd_device_detach_pasid(dev, 1));
	assert_errno(EOPNOTSUPP, iommufd_device_get_info(dev, &dinfo));
	assert_errno(EOPNOTSUPP, iommufd_device_get_region_info(dev, 0, &rinfo));
	assert_errno(EOPNOTSUPP, iommufd_device_reset(dev));
}

static void test_adopt_not_a_device(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;

	require_cmd(f->ctx, IOMMUFD_IOCTL_GET_HW_INFO, "IOMMU_GET_HW_INFO");
	assert_errno(ENOENT, iommufd_device_adopt(f->ctx, 0x7fff0000, &dev));
	assert_errno(ENOENT, iommufd_device_adopt(f->ctx, iommufd_ioas_get_id(f->ioas), &dev));
}

static void test_attach_args(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev = mock_device(f);
	struct iommufd_ctx *ctx2;
	struct iommufd_ioas *ioas2;
	uint32_t id;

	assert_errno(EINVAL, iommufd_device_attach(dev, iommufd_ioas_as_pt(NULL), &id));
	/* An IOAS of another context is refused before any VFIO call. */
	assert_int_equal(0, iommufd_ctx_open(NULL, &ctx2));
	assert_int_equal(0, iommufd_ioas_create(ctx2, &ioas2));
	assert_errno(EINVAL, iommufd_device_attach(dev, iommufd_ioas_as_pt(ioas2), &id));
	assert_errno(EINVAL, iommufd_device_replace(dev, iommufd_ioas_as_pt(ioas2), &id));
	assert_errno(EINVAL, iommufd_device_attach_pasid(dev, 1, iommufd_ioas_as_pt(ioas2), &id));
	assert_errno(EINVAL, iommufd_device_replace_pasid(dev, 1, iommufd_ioas_as_pt(ioas2), &id));
	iommufd_ctx_close(ctx2);
}

static void test_hw_info_args(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev = mock_device(f);
	struct iommufd_hw_info info;
	uint8_t buf[8];
	struct {
		struct iommufd_hw_info_opts base;
		uint64_t future;
	} big;

	assert_errno(EINVAL, iommufd_device_get_hw_info(dev, NULL, NULL, buf, sizeof(buf)));
	assert_errno(EINVAL, iommufd_device_get_hw_info(dev, NULL, &info, NULL, sizeof(buf)));
	{
		IOMMUFD_OPTS(iommufd_hw_info_opts, opts, .flags = 1u << 5);
		assert_errno(EOPNOTSUPP, iommufd_device_get_hw_info(dev, &opts, &info, buf,
								    sizeof(buf)));
	}
	memset(&big, 0, sizeof(big));
	big.base.sz = sizeof(big);
	big.future = 1;
	assert_errno(E2BIG, iommufd_device_get_hw_info(dev, &big.base, &info, buf, sizeof(buf)));
}

static void test_hw_info_mock(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommu_test_hw_info data;
	struct iommufd_hw_info info;

	require_cmd(f->ctx, IOMMUFD_IOCTL_GET_HW_INFO, "IOMMU_GET_HW_INFO");
	dev = mock_device(f);
	memset(&data, 0xff, sizeof(data));
	memset(&info, 0xff, sizeof(info));
	assert_int_equal(0, iommufd_device_get_hw_info(dev, NULL, &info, &data, sizeof(data)));
	assert_int_equal(IOMMU_HW_INFO_TYPE_SELFTEST, info.data_type);
	assert_int_equal(sizeof(data), info.data_len);
	assert_int_equal(IOMMU_HW_INFO_SELFTEST_REGVAL, data.test_reg);
	assert_int_equal(0, data.flags);
	/* The mock IOMMU tracks dirty pages; a plain mock device has no PASID. */
	assert_true(info.capabilities & IOMMUFD_HW_CAP_DIRTY_TRACKING);
	assert_int_equal(0, info.max_pasid_log2);
	assert_int_equal(0, info.reserved[0]);
}

static void test_hw_info_truncated(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_hw_info info;
	uint8_t buf[16];
	size_t i;

	require_cmd(f->ctx, IOMMUFD_IOCTL_GET_HW_INFO, "IOMMU_GET_HW_INFO");
	dev = mock_device(f);
	memset(buf, 0xaa, sizeof(buf));
	/* A 4-byte buffer gets the first 4 bytes; the kernel still tells its full length. */
	assert_int_equal(0, iommufd_device_get_hw_info(dev, NULL, &info, buf, 4));
	assert_int_equal(sizeof(struct iommu_test_hw_info), info.data_len);
	for (i = 0; i < 4; i++)
		assert_int_equal(0, buf[i]);
	for (i = 4; i < sizeof(buf); i++)
		assert_int_equal(0xaa, buf[i]);
}

static void test_hw_info_zero_tail(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_hw_info info;
	uint8_t buf[32];
	size_t i;

	require_cmd(f->ctx, IOMMUFD_IOCTL_GET_HW_INFO, "IOMMU_GET_HW_INFO");
	dev = mock_device(f);
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(0, iommufd_device_get_hw_info(dev, NULL, &info, buf, sizeof(buf)));
	assert_int_equal(sizeof(struct iommu_test_hw_info), info.data_len);
	/* Past the kernel's data the buffer is zeroed. */
	for (i = info.data_len; i < sizeof(buf); i++)
		assert_int_equal(0, buf[i]);
}

static void test_hw_info_no_buffer(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_hw_info info;

	require_cmd(f->ctx, IOMMUFD_IOCTL_GET_HW_INFO, "IOMMU_GET_HW_INFO");
	dev = mock_device(f);
	assert_int_equal(0, iommufd_device_get_hw_info(dev, NULL, &info, NULL, 0));
	assert_int_equal(IOMMU_HW_INFO_TYPE_SELFTEST, info.data_type);
	assert_int_equal(sizeof(struct iommu_test_hw_info), info.data_len);
}

static void test_hw_info_input_type(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommu_test_hw_info data;
	struct iommufd_hw_info info;

	require_cmd(f->ctx, IOMMUFD_IOCTL_GET_HW_INFO, "IOMMU_GET_HW_INFO");
	dev = mock_device(f);
	{
		IOMMUFD_OPTS(iommufd_hw_info_opts, opts, .flags = IOMMUFD_HW_INFO_INPUT_TYPE,
			     .data_type = IOMMU_HW_INFO_TYPE_SELFTEST);
		assert_int_equal(0, iommufd_device_get_hw_info(dev, &opts, &info, &data,
							       sizeof(data)));
		assert_int_equal(IOMMU_HW_INFO_TYPE_SELFTEST, info.data_type);
	}
	{
		/* The mock IOMMU speaks only its own type. */
		IOMMUFD_OPTS(iommufd_hw_info_opts, opts, .flags = IOMMUFD_HW_INFO_INPUT_TYPE,
			     .data_type = IOMMUFD_HW_INFO_TYPE_INTEL_VTD);
		assert_errno(EOPNOTSUPP, iommufd_device_get_hw_info(dev, &opts, &info, &data,
								    sizeof(data)));
	}
}

static void test_decode_vtd(void **state)
{
	struct iommu_hw_info_vtd k = { .flags = 1, .cap_reg = 0x1122334455667788ULL,
				       .ecap_reg = 0x99aabbccddeeff00ULL };
	struct iommufd_hw_info info = { .data_type = IOMMUFD_HW_INFO_TYPE_INTEL_VTD,
					.data_len = sizeof(k) };
	struct iommufd_hw_info_vtd out;

	(void)state;
	memset(&out, 0xff, sizeof(out));
	assert_int_equal(0, iommufd_hw_info_decode_vtd(&info, &k, sizeof(k), &out));
	assert_int_equal(1, out.flags);
	assert_true(out.cap_reg == k.cap_reg);
	assert_true(out.ecap_reg == k.ecap_reg);
}

static void test_decode_arm_smmuv3(void **state)
{
	struct iommu_hw_info_arm_smmuv3 k = { .flags = 1, .idr = { 10, 11, 12, 13, 14, 15 },
					      .iidr = 20, .aidr = 21 };
	struct iommufd_hw_info info = { .data_type = IOMMUFD_HW_INFO_TYPE_ARM_SMMUV3,
					.data_len = sizeof(k) };
	struct iommufd_hw_info_arm_smmuv3 out;
	int i;

	(void)state;
	assert_int_equal(0, iommufd_hw_info_decode_arm_smmuv3(&info, &k, sizeof(k), &out));
	assert_int_equal(1, out.flags);
	for (i = 0; i < 6; i++)
		assert_int_equal(10 + i, out.idr[i]);
	assert_int_equal(20, out.iidr);
	assert_int_equal(21, out.aidr);
}

static void test_decode_tegra241_cmdqv(void **state)
{
	struct iommu_hw_info_tegra241_cmdqv k = { .flags = 0, .version = 3, .log2vcmdqs = 7,
						  .log2vsids = 5 };
	struct iommufd_hw_info info = { .data_type = IOMMUFD_HW_INFO_TYPE_TEGRA241_CMDQV,
					.data_len = sizeof(k) };
	struct iommufd_hw_info_tegra241_cmdqv out;

	(void)state;
	assert_int_equal(0, iommufd_hw_info_decode_tegra241_cmdqv(&info, &k, sizeof(k), &out));
	assert_int_equal(3, out.version);
	assert_int_equal(7, out.log2vcmdqs);
	assert_int_equal(5, out.log2vsids);
}

static void test_decode_amd(void **state)
{
	struct iommu_hw_info_amd k = { .efr = 0xfeedULL << 40, .efr2 = 42 };
	struct iommufd_hw_info info = { .data_type = IOMMUFD_HW_INFO_TYPE_AMD,
					.data_len = sizeof(k) };
	struct iommufd_hw_info_amd out;

	(void)state;
	assert_int_equal(0, iommufd_hw_info_decode_amd(&info, &k, sizeof(k), &out));
	assert_true(out.efr == k.efr);
	assert_int_equal(42, out.efr2);
}

static void test_decode_short_data(void **state)
{
	struct iommu_hw_info_amd k = { .efr = 7, .efr2 = 9 };
	struct iommufd_hw_info info = { .data_type = IOMMUFD_HW_INFO_TYPE_AMD, .data_len = 8 };
	struct iommufd_hw_info_amd out;

	(void)state;
	/* An older kernel's shorter data: what it lacks reads as 0. */
	assert_int_equal(0, iommufd_hw_info_decode_amd(&info, &k, sizeof(k), &out));
	assert_int_equal(7, out.efr);
	assert_int_equal(0, out.efr2);
	/* A buffer shorter than the kernel's data: only what was filled is read. */
	info.data_len = sizeof(k);
	assert_int_equal(0, iommufd_hw_info_decode_amd(&info, &k, 8, &out));
	assert_int_equal(7, out.efr);
	assert_int_equal(0, out.efr2);
}

static void test_decode_args(void **state)
{
	struct iommu_hw_info_vtd k = { 0 };
	struct iommufd_hw_info info = { .data_type = IOMMUFD_HW_INFO_TYPE_AMD,
					.data_len = sizeof(k) };
	struct iommufd_hw_info_vtd vtd;
	struct iommufd_hw_info_arm_smmuv3 smmu;
	struct iommufd_hw_info_tegra241_cmdqv cmdqv;
	struct iommufd_hw_info_amd amd;

	(void)state;
	/* Data of another type is not decoded. */
	assert_errno(EINVAL, iommufd_hw_info_decode_vtd(&info, &k, sizeof(k), &vtd));
	assert_errno(EINVAL, iommufd_hw_info_decode_arm_smmuv3(&info, &k, sizeof(k), &smmu));
	assert_errno(EINVAL, iommufd_hw_info_decode_tegra241_cmdqv(&info, &k, sizeof(k), &cmdqv));
	assert_errno(EINVAL, iommufd_hw_info_decode_amd(NULL, &k, sizeof(k), &amd));
	assert_errno(EINVAL, iommufd_hw_info_decode_amd(&info, NULL, sizeof(k), &amd));
	assert_errno(EINVAL, iommufd_hw_info_decode_amd(&info, &k, sizeof(k), NULL));
}

static void test_cdev_bind_attach(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_hwpt *auto_hwpt;
	uint32_t hwpt_id = 0, again = 0;
	int fd = open_cdev_or_skip();

	assert_int_equal(0, iommufd_device_bind(f->ctx, fd, NULL, &dev));
	assert_int_not_equal(0, iommufd_device_get_id(dev));
	assert_int_equal(fd, iommufd_device_get_fd(dev));
	/* A second bind of the same fd: the kernel's EINVAL, said in VFIO's terms. */
	{
		struct iommufd_device *again_dev = NULL;

		assert_errno(EINVAL, iommufd_device_bind(f->ctx, fd, NULL, &again_dev));
		assert_null(again_dev);
		assert_int_equal(IOMMUFD_ERROR_KERNEL, iommufd_last_error_origin());
		assert_string_equal(iommufd_last_error(),
				    "iommufd_device_bind: the kernel failed VFIO_DEVICE_BIND_IOMMUFD "
				    "with EINVAL: the device is already bound to an iommufd, or "
				    "the file is no iommufd");
	}
	/* Attaching to an IOAS gives the HWPT the kernel made for it. */
	assert_int_equal(0, iommufd_device_attach(dev, iommufd_ioas_as_pt(f->ioas), &hwpt_id));
	assert_int_not_equal(0, hwpt_id);
	assert_int_not_equal(iommufd_ioas_get_id(f->ioas), hwpt_id);
	/* The kernel's HWPT, adopted: a handle like any other. */
	assert_int_equal(0, iommufd_hwpt_adopt(f->ctx, hwpt_id, &auto_hwpt));
	assert_int_equal(0, iommufd_device_replace(dev, iommufd_hwpt_as_pt(auto_hwpt), &again));
	assert_int_equal(hwpt_id, again);
	iommufd_hwpt_free(auto_hwpt);
	assert_int_equal(0, iommufd_device_detach(dev));
	iommufd_device_unbind(dev);
	/* A borrowed fd stays open. */
	assert_true(fcntl(fd, F_GETFD) >= 0);
	close(fd);
}

static void test_cdev_bind_twice(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev, *dev2;
	int fd = open_cdev_or_skip();

	assert_int_equal(0, iommufd_device_bind(f->ctx, fd, NULL, &dev));
	assert_errno(EINVAL, iommufd_device_bind(f->ctx, fd, NULL, &dev2));
	iommufd_device_unbind(dev);
	close(fd);
}

static void test_cdev_bind_path_info(void **state)
{
	struct fixture *f = *state;
	struct iommufd_device *dev;
	struct iommufd_device_info info;
	struct iommufd_region_info region;

	close(open_cdev_or_skip());
	assert_int_equal(0, iommufd_device_bind_path(f->ctx, VFIO_CDEV, NULL, &dev));
	assert_true(iommufd_device_get_fd(dev) >= 0);
	assert_int_equal(0, iommufd_device_get_info(dev, &info));
	if (info.num_regions) {
		assert_int_equal(0, iommufd_device_get_region_info(dev, 0, &region));
		assert_int_equal(0, region.index);
	}
	assert_errno(EINVAL, iommufd_device_get_info(dev, NULL));
	assert_errno(EINVAL, iommufd_device_get_region_info(dev, 0, NULL));
	iommufd_device_unbind(dev);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bind_args),
		T(test_bind_opts),
		T(test_bind_path_missing),
		T(test_bind_not_vfio),
		cmocka_unit_test(test_null_handle),
		T(test_adopt_args),
		T(test_adopt_mock_device),
		T(test_adopted_no_vfio_calls),
		T(test_adopt_not_a_device),
		T(test_attach_args),
		T(test_hw_info_args),
		T(test_hw_info_mock),
		T(test_hw_info_truncated),
		T(test_hw_info_zero_tail),
		T(test_hw_info_no_buffer),
		T(test_hw_info_input_type),
		cmocka_unit_test(test_decode_vtd),
		cmocka_unit_test(test_decode_arm_smmuv3),
		cmocka_unit_test(test_decode_tegra241_cmdqv),
		cmocka_unit_test(test_decode_amd),
		cmocka_unit_test(test_decode_short_data),
		cmocka_unit_test(test_decode_args),
		T(test_cdev_bind_attach),
		T(test_cdev_bind_twice),
		T(test_cdev_bind_path_info),
	};

	return cmocka_run_group_tests_name("lib-device", tests, NULL, NULL);
}
