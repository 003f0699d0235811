// SPDX-License-Identifier: MIT
/*
 * test-machine.c - in-process tests of kmod-mock's machine configuration
 * (struct mock_kernel_config.devices) and of the VFIO cdev files it creates:
 * which configurations are accepted, which device paths exist, that a device
 * file refuses everything but BIND before it is bound, and that a blocked
 * device's DMA is recorded as a fault.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core.h"
#include "iommufd-uapi.h"

static struct mock_kernel *machine_groups(const char *devices, unsigned int group_base, int *rc,
					  char *err, size_t len)
{
	struct mock_kernel_config cfg = {
		.sz = sizeof(cfg), .devices = devices, .err = err, .err_len = len,
		.iommu_group_base = group_base,
	};
	struct mock_kernel *k = NULL;

	*rc = mock_kernel_new(&cfg, &k);
	return k;
}

static struct mock_kernel *machine(const char *devices, int *rc, char *err, size_t len)
{
	return machine_groups(devices, 0, rc, err, len);
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

/* fd numbers the group tests hand to SET_CONTAINER: fd 100 + i is files[i] */
static struct mock_file *fget_files[4];

static struct mock_file *fget_table(void *priv, const struct mock_task *task, int fd)
{
	(void)priv;
	(void)task;
	return fd >= 100 && fd < 104 ? fget_files[fd - 100] : NULL;
}

/* GET_DEVICE_FD of @name on @g: 0 and the new file, or the errno. */
static long get_device_file(struct mock_file *g, const char *name, const struct mock_task *task,
			    struct mock_file **out)
{
	struct mock_call call;
	long rc;

	mock_call_init(&call, task);
	rc = mock_ioctl(g, VFIO_GROUP_GET_DEVICE_FD, (unsigned long)name, &call);
	if (rc)
		return rc;
	assert_int_equal(call.nr_newfd, 1);
	assert_int_equal(call.retval_newfd, 0);
	*out = call.newfd[0].file;
	return 0;
}

static long group_ioctl(struct mock_file *f, unsigned int cmd, unsigned long arg,
			const struct mock_task *task)
{
	struct mock_call call;

	mock_call_init(&call, task);
	return mock_ioctl(f, cmd, arg, &call);
}

/*
 * The group files /dev/vfio/N (device <index> in group <base + index>) and
 * their lifetimes: a group device file outlives its group and container,
 * two groups share one container, and nothing is left once all are closed,
 * in any order, or when the kernel goes with everything open.
 */
static void test_groups(void **state)
{
	struct mock_task task = { .pid = getpid(), .tid = getpid(), .uid = getuid() };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct mock_file *c, *g1, *g2, *d1, *d2, *d1b, *f;
	struct mock_kernel *k;
	int rc, fd;

	(void)state;
	k = machine_groups("edu;plain", 1, &rc, NULL, 0);
	assert_int_equal(rc, 0);
	mock_kernel_set_fget(k, fget_table, NULL);
	for (unsigned int i = 0; i < 6; i++) {
		static const char *const bad[] = {
			"/dev/vfio/0", "/dev/vfio/3", "/dev/vfio/01", "/dev/vfio/", "/dev/vfio/1x",
			"/dev/vfio/-1",
		};

		assert_int_equal(mock_open(k, bad[i], O_RDWR, &task, &f), -ENOENT);
	}
	assert_int_equal(mock_open(k, "/dev/vfio/vfio", O_RDWR, &task, &c), 0);
	assert_int_equal(mock_open(k, "/dev/vfio/1", O_RDWR, &task, &g1), 0);
	assert_int_equal(mock_open(k, "/dev/vfio/1", O_RDWR, &task, &f), -EBUSY);
	assert_int_equal(mock_open(k, "/dev/vfio/2", O_RDWR, &task, &g2), 0);
	fget_files[0] = c;
	fget_files[1] = g1;
	fd = 101; /* a group is no container */
	assert_int_equal(group_ioctl(g2, VFIO_GROUP_SET_CONTAINER, (unsigned long)&fd, &task),
			 -EBADFD);
	fd = 100;
	assert_int_equal(group_ioctl(g1, VFIO_GROUP_SET_CONTAINER, (unsigned long)&fd, &task), 0);
	assert_int_equal(group_ioctl(g2, VFIO_GROUP_SET_CONTAINER, (unsigned long)&fd, &task), 0);
	/* each group knows its own device only */
	assert_int_equal(get_device_file(g1, "00ed:00:02.0", &task, &f), -ENODEV);
	assert_int_equal(get_device_file(g2, "00ed:00:01.0", &task, &f), -ENODEV);
	assert_int_equal(get_device_file(g1, "00ed:00:01.0", &task, &d1), 0);
	assert_int_equal(get_device_file(g1, "00ed:00:01.0", &task, &d1b), 0);
	assert_int_equal(get_device_file(g2, "00ed:00:02.0", &task, &d2), 0);
	/* the device objects of both sit in the container's context */
	assert_true(mock_file_nr_objects(c) >= 3);
	/* group and container go first: the device files work on */
	mock_release(g1);
	mock_release(c);
	assert_int_equal(group_ioctl(d1, VFIO_DEVICE_GET_INFO, (unsigned long)&info, &task), 0);
	/* the group opens again; its device is open, so it is not viable */
	assert_int_equal(mock_open(k, "/dev/vfio/1", O_RDWR, &task, &g1), 0);
	assert_int_equal(group_ioctl(g1, VFIO_GROUP_GET_STATUS, (unsigned long)&st, &task), 0);
	assert_int_equal(st.flags, 0);
	mock_release(d1);
	assert_int_equal(group_ioctl(d1b, VFIO_DEVICE_GET_INFO, (unsigned long)&info, &task), 0);
	mock_release(d1b);
	assert_int_equal(group_ioctl(g1, VFIO_GROUP_GET_STATUS, (unsigned long)&st, &task), 0);
	assert_int_equal(st.flags, VFIO_GROUP_FLAGS_VIABLE);
	mock_release(g1);
	mock_release(d2);
	mock_release(g2);
	assert_int_equal(mock_kernel_nr_files(k), 0);
	assert_int_equal(mock_kernel_mm_refs(k), 0);

	/* the kernel goes with everything open */
	assert_int_equal(mock_open(k, "/dev/vfio/vfio", O_RDWR, &task, &c), 0);
	assert_int_equal(mock_open(k, "/dev/vfio/2", O_RDWR, &task, &g2), 0);
	fget_files[0] = c;
	assert_int_equal(group_ioctl(g2, VFIO_GROUP_SET_CONTAINER, (unsigned long)&fd, &task), 0);
	assert_int_equal(get_device_file(g2, "00ed:00:02.0", &task, &d2), 0);
	mock_kernel_free(k);
	memset(fget_files, 0, sizeof(fget_files));
}

/* The host's highest IOMMU group number, 0 when it has none. */
static unsigned int host_last_group(void)
{
	DIR *d = opendir("/sys/kernel/iommu_groups");
	unsigned int last = 0;
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (de->d_name[0] >= '0' && de->d_name[0] <= '9' &&
		    strtoul(de->d_name, NULL, 10) > last)
			last = (unsigned int)strtoul(de->d_name, NULL, 10);
	if (d)
		closedir(d);
	return last;
}

static void assert_ident(struct mock_kernel *k, unsigned int index, const char *name,
			 const char *bridge, unsigned int group)
{
	struct mock_pci_ident id;
	char buf[32];

	assert_int_equal(mock_kernel_pci_ident(k, index, &id), 0);
	snprintf(buf, sizeof(buf), "%04x:%02x:%02x.%u", id.segment, id.bus, id.devfn >> 3,
		 id.devfn & 7u);
	assert_string_equal(buf, name);
	assert_int_equal(id.behind_bridge, bridge != NULL);
	if (bridge) {
		snprintf(buf, sizeof(buf), "%04x:%02x:%02x.%u", id.segment, id.bridge_bus,
			 id.bridge_devfn >> 3, id.bridge_devfn & 7u);
		assert_string_equal(buf, bridge);
	}
	assert_int_equal(id.iommu_group, group);
}

/*
 * One identity per device (mock_kernel_pci_ident()): the address the machine
 * gives it, the bridge above it, its group; /dev/vfio/<group> opens and
 * GET_DEVICE_FD takes exactly that name; hot reset reports the same address.
 * Groups follow the host's own unless the configuration names a base.
 */
static void test_ident(void **state)
{
	struct mock_task task = { .pid = getpid(), .tid = getpid(), .uid = getuid() };
	/* struct vfio_pci_hot_reset_info with room for two devices */
	union {
		struct vfio_pci_hot_reset_info info;
		char room[sizeof(struct vfio_pci_hot_reset_info) +
			  2 * sizeof(struct vfio_pci_dependent_device)];
	} hr = { .info.argsz = sizeof(hr) };
	struct mock_pci_ident id;
	struct mock_file *c, *g, *d, *f;
	unsigned int base = host_last_group() + 1;
	struct mock_kernel *k;
	char path[32];
	int rc, fd = 100;

	(void)state;
	k = machine("edu;edu,bridge;plain", &rc, NULL, 0);
	assert_int_equal(rc, 0);
	assert_ident(k, 0, "00ed:00:01.0", NULL, base);
	assert_ident(k, 1, "00ed:01:01.0", "00ed:00:02.0", base + 1);
	assert_ident(k, 2, "00ed:00:03.0", NULL, base + 2);
	assert_int_equal(mock_kernel_pci_ident(k, 3, &id), -ENODEV);

	mock_kernel_set_fget(k, fget_table, NULL);
	assert_int_equal(mock_open(k, "/dev/vfio/vfio", O_RDWR, &task, &c), 0);
	fget_files[0] = c;
	snprintf(path, sizeof(path), "/dev/vfio/%u", base + 1);
	assert_int_equal(mock_open(k, path, O_RDWR, &task, &g), 0);
	assert_int_equal(group_ioctl(g, VFIO_GROUP_SET_CONTAINER, (unsigned long)&fd, &task), 0);
	assert_int_equal(get_device_file(g, "00ed:00:02.0", &task, &f), -ENODEV); /* the bridge */
	assert_int_equal(get_device_file(g, "0000:01:01.0", &task, &f), -ENODEV);
	assert_int_equal(get_device_file(g, "00ed:01:01.0", &task, &d), 0);
	/* a group open: the device is listed by its group, at the same address */
	assert_int_equal(group_ioctl(d, _IO(VFIO_TYPE, VFIO_BASE + 12), (unsigned long)&hr,
				     &task), 0);
	assert_int_equal(hr.info.count, 1);
	assert_int_equal(hr.info.flags, 0);
	assert_int_equal(hr.info.devices[0].devid, base + 1);
	assert_int_equal(hr.info.devices[0].segment, 0xed);
	assert_int_equal(hr.info.devices[0].bus, 1);
	assert_int_equal(hr.info.devices[0].devfn, 1 << 3);
	mock_release(d);
	mock_release(g);
	mock_release(c);
	memset(fget_files, 0, sizeof(fget_files));
	assert_int_equal(mock_kernel_nr_files(k), 0);
	mock_kernel_free(k);

	/* a full root bus goes on at the next bus number free; a named group base */
	{
		char spec[33 * 8];

		snprintf(spec, sizeof(spec), "edu,bridge");
		for (unsigned int i = 1; i < 33; i++)
			strcat(spec, ";plain");
		k = machine_groups(spec, 40, &rc, NULL, 0);
	}
	assert_int_equal(rc, 0);
	assert_ident(k, 0, "00ed:01:01.0", "00ed:00:01.0", 40);
	assert_ident(k, 30, "00ed:00:1f.0", NULL, 70);
	assert_ident(k, 31, "00ed:02:01.0", NULL, 71);
	assert_ident(k, 32, "00ed:02:02.0", NULL, 72);
	mock_kernel_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_syntax),
		cmocka_unit_test(test_device_paths),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_ident),
	};

	return cmocka_run_group_tests_name("core-machine", tests, NULL, NULL);
}
