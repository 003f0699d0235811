// SPDX-License-Identifier: MIT
/*
 * test-machine.c - in-process tests of kmod-mock's machine configuration
 * (struct mock_kernel_config.devices) and of the VFIO cdev files it creates:
 * which configurations are accepted, which device paths exist, that a device
 * file refuses everything but BIND before it is bound, and that a blocked
 * device's DMA is recorded as a fault.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core.h"
#include "iommufd-uapi.h"

static struct mock_kernel *machine(const char *devices, int *rc, char *err, size_t len)
{
	struct mock_kernel_config cfg = {
		.sz = sizeof(cfg), .devices = devices, .err = err, .err_len = len
	};
	struct mock_kernel *k = NULL;

	*rc = mock_kernel_new(&cfg, &k);
	return k;
}

static void test_config_syntax(void **state)
{
	static const char *const good[] = {
		"edu", "", "edu;edu", "edu,dirty,nesting,pasid=20", "selftest,dirty,nesting,pasid=20",
		"plain,hwinfo=smmuv3,pasid=8", "edu,hwinfo=amd,nesting", "edu,resv=none",
		"edu,resv=0x1000-0x1fff,resv=0x8000-0x8fff", "edu,cap=0x1,ecap=0x2,reset,no-ats",
		"edu,aperture=48,dma-bits=32", " edu ; plain ",
	};
	static const char *const bad[] = {
		"bogus", "edu,bogus", "edu,pasid=21", "edu,pasid", "edu,resv=5", "edu,resv=9-1",
		"edu,aperture=7", "dirty", "edu,hwinfo=power", "edu,dirty=1", "edu,dma-bits=x",
	};
	char err[128];
	unsigned int i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct mock_kernel *k = machine(good[i], &rc, err, sizeof(err));

		assert_int_equal(rc, 0);
		mock_kernel_free(k);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_null(machine(bad[i], &rc, err, sizeof(err)));
		assert_int_equal(rc, -EINVAL);
		assert_true(err[0] != '\0');
	}
}

static void test_device_paths(void **state)
{
	struct mock_task task = { .pid = getpid(), .tid = getpid(), .uid = getuid() };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct mock_kernel *k;
	struct mock_file *f;
	struct mock_call call;
	int rc;

	(void)state;
	/* the default machine: one device */
	assert_int_equal(mock_kernel_new(NULL, &k), 0);
	assert_int_equal(mock_open(k, "/dev/vfio/devices/vfio0", O_RDWR, &task, &f), 0);
	mock_call_init(&call, &task);
	assert_int_equal(mock_ioctl(f, VFIO_DEVICE_GET_INFO, (unsigned long)&info, &call),
			 -EINVAL);
	assert_int_equal(mock_pread(f, (uintptr_t)&info, 4, 0, &call), -EINVAL);
	mock_release(f);
	assert_int_equal(mock_open(k, "/dev/vfio/devices/vfio1", O_RDWR, &task, &f), -ENOENT);
	assert_int_equal(mock_open(k, "/dev/vfio/devices/vfio00", O_RDWR, &task, &f), -ENOENT);
	assert_int_equal(mock_open(k, "/dev/vfio/devices/vfio", O_RDWR, &task, &f), -ENOENT);
	assert_int_equal(mock_open(k, "/dev/vfio/devices/vfio-1", O_RDWR, &task, &f), -ENOENT);
	assert_int_equal(mock_kernel_device_faults(k, 0), 0);
	mock_kernel_free(k);

	k = machine("edu;plain;selftest", &rc, NULL, 0);
	assert_int_equal(rc, 0);
	assert_int_equal(mock_open(k, "/dev/vfio/devices/vfio2", O_RDWR, &task, &f), 0);
	mock_release(f);
	assert_int_equal(mock_open(k, "/dev/vfio/devices/vfio3", O_RDWR, &task, &f), -ENOENT);
	mock_kernel_free(k);

	k = machine("", &rc, NULL, 0);
	assert_int_equal(rc, 0);
	assert_int_equal(mock_open(k, "/dev/vfio/devices/vfio0", O_RDWR, &task, &f), -ENOENT);
	mock_kernel_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_syntax),
		cmocka_unit_test(test_device_paths),
	};

	return cmocka_run_group_tests_name("core-machine", tests, NULL, NULL);
}
