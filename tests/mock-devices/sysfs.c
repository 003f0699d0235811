// SPDX-License-Identifier: MIT
/*
 * sysfs.c - the identity of kmod-mock's VFIO PCI devices as a program under
 * the shim sees it: /sys/bus/pci/devices/BDF (the files and links a Debian
 * 6.12 kernel shows for QEMU's edu bound to vfio-pci), /sys/class/vfio-dev,
 * /sys/kernel/iommu_groups/N, the character devices' stat()/fstat() and
 * /dev/char/MAJ:MIN, as QEMU's host= and sysfsdev= forms walk them. The
 * host's own PCI devices must stay reachable.
 *
 * argv[1]: "default" (one edu), "two" (IOMMUFD_MOCK_DEVICES with two edus) or
 * "bridge" (an edu, then an edu behind a PCI bridge).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "iommufd-mock.h"
#include "iommufd-uapi.h"

/* What the mock presents (doc/mock-divergences.md): its own PCI domain. */
#define BDF0 "00ed:00:01.0"
#define BDF1 "00ed:00:02.0"
#define DEV0 "/sys/bus/pci/devices/" BDF0
#define VFIO_DEV_MAJOR 244 /* vfio-dev's dynamic major on the Debian 6.12 VM */

static unsigned int nr_devs = 1;
static bool bridged; /* device 1 sits behind a bridge */

/* The whole of small file @path, NUL-terminated; -errno on failure. */
static int slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return (int)n;
}

static void assert_file(const char *dir, const char *name, const char *want)
{
	char path[PATH_MAX], buf[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(slurp(path, buf, sizeof(buf)), (int)strlen(want));
	assert_string_equal(buf, want);
}

static void assert_link(const char *path, const char *want)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	assert_true(n > 0);
	buf[n] = 0;
	assert_string_equal(buf, want);
}

static void test_identity_files(void **state)
{
	char buf[4096];
	char *p;

	(void)state;
	assert_file(DEV0, "vendor", "0x1234\n");
	assert_file(DEV0, "device", "0x11e8\n");
	assert_file(DEV0, "subsystem_vendor", "0x1af4\n");
	assert_file(DEV0, "subsystem_device", "0x1100\n");
	assert_file(DEV0, "class", "0x00ff00\n");
	assert_file(DEV0, "revision", "0x10\n");
	assert_file(DEV0, "irq", "10\n");
	assert_file(DEV0, "driver_override", "vfio-pci\n");
	assert_file(DEV0, "modalias", "pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00\n");
	assert_file(DEV0, "uevent",
		    "DRIVER=vfio-pci\nPCI_CLASS=FF00\nPCI_ID=1234:11E8\nPCI_SUBSYS_ID=1AF4:1100\n"
		    "PCI_SLOT_NAME=" BDF0 "\n"
		    "MODALIAS=pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00\n");
	/* resource: BAR0 (1 MiB, memory) then 12 empty lines, as 6.12 prints them */
	assert_int_equal(slurp(DEV0 "/resource", buf, sizeof(buf)), 13 * 57);
	p = strchr(buf, '\n');
	assert_non_null(p);
	assert_int_equal(p - buf, 56);
	assert_memory_equal(buf + 19, "0x", 2);
	assert_string_equal(buf + 38, "0x0000000000040200\n" /* IORESOURCE_MEM | SIZEALIGN */
			    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
			    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
			    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
			    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
			    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
			    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
			    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
			    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
			    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
			    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
			    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
			    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	{
		unsigned long long start, end;

		assert_int_equal(sscanf(buf, "0x%llx 0x%llx", &start, &end), 2);
		assert_int_equal(end - start + 1, 1 << 20);
	}
	/* unknown names are ENOENT, as on a kernel */
	assert_int_equal(slurp(DEV0 "/no_such_file", buf, sizeof(buf)), -ENOENT);
}

static void test_config(void **state)
{
	unsigned char cfg[300];
	int fd;
	struct stat st;

	(void)state;
	fd = open(DEV0 "/config", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 256);
	assert_int_equal(read(fd, cfg, sizeof(cfg)), 256);
	close(fd);
	assert_int_equal(cfg[0], 0x34);
	assert_int_equal(cfg[1], 0x12);
	assert_int_equal(cfg[2], 0xe8);
	assert_int_equal(cfg[3], 0x11);
	assert_int_equal(cfg[8], 0x10);   /* revision */
	assert_int_equal(cfg[0x0b], 0x00); /* class */
	assert_int_equal(cfg[0x0a], 0xff);
	assert_int_equal(cfg[0x2c], 0xf4); /* subsystem vendor */
	assert_int_equal(cfg[0x2d], 0x1a);
	assert_int_equal(cfg[0x3d], 0x01); /* INTA */
	assert_int_equal(cfg[0x34], 0x40); /* capabilities: MSI at 0x40 */
	assert_int_equal(cfg[0x40], 0x05);
}

/* config reads the device as it is now: Bus Master set through VFIO shows at the next open. */
static void test_config_follows_device(void **state)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	const off_t cfg_region = (off_t)(7ULL << 40);
	unsigned char cfg[256];
	uint16_t cmd;
	int iommufd, dev;

	(void)state;
	assert_int_equal(slurp(DEV0 "/config", (char *)cfg, sizeof(cfg)), 255);
	assert_int_equal(cfg[4] & 0x4, 0); /* Bus Master off at power-on */
	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	dev = open("/dev/vfio/devices/vfio0", O_RDWR | O_CLOEXEC);
	assert_true(iommufd >= 0 && dev >= 0);
	bind.iommufd = iommufd;
	assert_int_equal(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), 0);
	assert_int_equal(pread(dev, &cmd, 2, cfg_region + 4), 2);
	cmd |= 0x4;
	assert_int_equal(pwrite(dev, &cmd, 2, cfg_region + 4), 2);
	assert_int_equal(slurp(DEV0 "/config", (char *)cfg, sizeof(cfg)), 255);
	assert_int_equal(cfg[4] & 0x4, 0x4);
	close(dev);
	close(iommufd);
	/* the last close disables the device again */
	assert_int_equal(slurp(DEV0 "/config", (char *)cfg, sizeof(cfg)), 255);
	assert_int_equal(cfg[4] & 0x4, 0);
}

static void test_links(void **state)
{
	char buf[PATH_MAX], *rp;
	struct stat st;

	(void)state;
	assert_link(DEV0, "../../../devices/pci00ed:00/" BDF0);
	assert_link(DEV0 "/iommu_group", "../../../kernel/iommu_groups/1");
	assert_link(DEV0 "/driver", "../../../bus/pci/drivers/vfio-pci");
	assert_link(DEV0 "/subsystem", "../../../bus/pci");
	assert_link(DEV0 "/vfio-dev/vfio0/device", "../../../" BDF0);
	assert_link(DEV0 "/vfio-dev/vfio0/subsystem", "../../../../../class/vfio-dev");
	assert_link("/sys/class/vfio-dev/vfio0", "../../devices/pci00ed:00/" BDF0 "/vfio-dev/vfio0");
	assert_link("/sys/kernel/iommu_groups/1/devices/" BDF0,
		    "../../../../devices/pci00ed:00/" BDF0);
	snprintf(buf, sizeof(buf), "/sys/dev/char/%d:0", VFIO_DEV_MAJOR);
	assert_link(buf, "../../devices/pci00ed:00/" BDF0 "/vfio-dev/vfio0");

	snprintf(buf, sizeof(buf), "%d:0\n", VFIO_DEV_MAJOR);
	assert_file(DEV0 "/vfio-dev/vfio0", "dev", buf);
	assert_file("/sys/class/vfio-dev/vfio0", "dev", buf);
	assert_file("/sys/kernel/iommu_groups/1", "type", "DMA-FQ\n");

	/* lstat sees the links, stat what they lead to */
	assert_int_equal(lstat(DEV0, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(DEV0, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(stat(DEV0 "/iommu_group", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(access(DEV0 "/vendor", R_OK), 0);
	assert_int_equal(faccessat(AT_FDCWD, DEV0 "/vfio-dev", X_OK, 0), 0);

	rp = realpath(DEV0 "/iommu_group", NULL);
	assert_non_null(rp);
	assert_string_equal(rp, "/sys/kernel/iommu_groups/1");
	free(rp);
	rp = realpath(DEV0, NULL);
	assert_non_null(rp);
	assert_string_equal(rp, "/sys/devices/pci00ed:00/" BDF0);
	free(rp);

	/* a device the machine does not have */
	errno = 0;
	assert_int_equal(stat("/sys/bus/pci/devices/00ed:00:1f.0", &st), -1);
	assert_int_equal(errno, ENOENT);
}

/* Sorted names of directory @path, joined with ' '. */
static void listing(const char *path, char *out, size_t len)
{
	char names[16][256];
	unsigned int n = 0;
	struct dirent *de;
	DIR *d = opendir(path);

	out[0] = 0;
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		assert_true(n < 16);
		snprintf(names[n++], sizeof(names[0]), "%s", de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	for (unsigned int i = 0; i < n; i++) {
		strncat(out, names[i], len - strlen(out) - 1);
		if (i + 1 < n)
			strncat(out, " ", len - strlen(out) - 1);
	}
}

static void test_readdir(void **state)
{
	char got[512];

	(void)state;
	listing(DEV0 "/vfio-dev", got, sizeof(got));
	assert_string_equal(got, "vfio0");
	listing("/sys/class/vfio-dev", got, sizeof(got));
	assert_string_equal(got, nr_devs == 2 ? "vfio0 vfio1" : "vfio0");
	listing("/sys/kernel/iommu_groups/1/devices", got, sizeof(got));
	assert_string_equal(got, BDF0);
	if (nr_devs == 2 && !bridged) {
		listing("/sys/bus/pci/devices/" BDF1 "/vfio-dev", got, sizeof(got));
		assert_string_equal(got, "vfio1");
		assert_link("/sys/bus/pci/devices/" BDF1 "/iommu_group",
			    "../../../kernel/iommu_groups/2");
	}
}

static void test_cdev_stat(void **state)
{
	struct stat st;
	int fd, iommufd;
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	(void)state;
	assert_int_equal(stat("/dev/vfio/devices/vfio0", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(VFIO_DEV_MAJOR, 0));
	assert_int_equal(stat("/dev/iommu", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(10, 260));
	errno = 0;
	assert_int_equal(stat("/dev/vfio/devices/vfio9", &st), -1);
	assert_int_equal(errno, ENOENT);

	fd = open("/dev/vfio/devices/vfio0", O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(VFIO_DEV_MAJOR, 0));
	assert_int_equal(fstatat(fd, "", &st, AT_EMPTY_PATH), 0);
	assert_true(S_ISCHR(st.st_mode));
	/* the shim's own books still know it for a mock file */
	assert_int_equal(iommufd_mock_is_mock_fd(fd), 1);

	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	assert_true(iommufd >= 0);
	assert_int_equal(fstat(iommufd, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(10, 260));
	assert_int_equal(ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc), 0);
	assert_int_equal(iommufd_mock_is_mock_fd(iommufd), 1);
	close(iommufd);
	close(fd);
}

static void test_dev_char(void **state)
{
	char path[64];
	struct stat st;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/dev/char/%d:0", VFIO_DEV_MAJOR);
	assert_link(path, "../vfio/devices/vfio0");
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(VFIO_DEV_MAJOR, 0));
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(iommufd_mock_is_mock_fd(fd), 1);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_rdev, makedev(VFIO_DEV_MAJOR, 0));
	close(fd);
	snprintf(path, sizeof(path), "/dev/char/%d:7", VFIO_DEV_MAJOR);
	errno = 0;
	assert_int_equal(open(path, O_RDWR), -1);
	assert_int_equal(errno, ENOENT);
}

/* The host's own PCI devices: the same bytes as without the shim (raw syscalls). */
static void test_host_device_untouched(void **state)
{
	char path[PATH_MAX], via_shim[64], raw[64];
	struct dirent *de;
	DIR *d = opendir("/sys/bus/pci/devices");
	const char *bdf = NULL;
	int fd;
	ssize_t n;

	(void)state;
	if (!d)
		skip();
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && strncmp(de->d_name, "00ed:", 5)) {
			bdf = de->d_name;
			break;
		}
	if (!bdf) {
		closedir(d);
		skip();
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", bdf);
	closedir(d);
	assert_true(slurp(path, via_shim, sizeof(via_shim)) > 0);
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = syscall(SYS_read, fd, raw, sizeof(raw) - 1);
	syscall(SYS_close, fd);
	assert_true(n > 0);
	raw[n] = 0;
	assert_string_equal(via_shim, raw);
}

/*
 * What a program of the legacy API does with a BDF (QEMU's host=, the
 * kernel's VFIO selftests): /sys/bus/pci/devices/BDF/iommu_group names N,
 * /dev/vfio/N opens and VFIO_GROUP_GET_DEVICE_FD takes the BDF. Each device
 * is found as such a program finds it, from its vfio-dev node.
 */
static void test_group_agrees(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < nr_devs; i++) {
		char path[PATH_MAX], link[PATH_MAX], *rp, *bdf, *group;
		int container, g, dev, api = VFIO_API_VERSION;
		ssize_t n;

		snprintf(path, sizeof(path), "/sys/class/vfio-dev/vfio%u/device", i);
		rp = realpath(path, NULL);
		assert_non_null(rp);
		bdf = strrchr(rp, '/') + 1;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
		n = readlink(path, link, sizeof(link) - 1);
		assert_true(n > 0);
		link[n] = 0;
		group = strrchr(link, '/') + 1;
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/devices/%s", group, bdf);
		assert_int_equal(access(path, F_OK), 0);
		container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
		assert_int_equal(ioctl(container, VFIO_GET_API_VERSION), api);
		snprintf(path, sizeof(path), "/dev/vfio/%s", group);
		g = open(path, O_RDWR | O_CLOEXEC);
		assert_true(g >= 0);
		assert_int_equal(ioctl(g, VFIO_GROUP_SET_CONTAINER, &container), 0);
		dev = ioctl(g, VFIO_GROUP_GET_DEVICE_FD, bdf);
		assert_true(dev >= 0);
		if (bridged && i == 1)
			assert_string_equal(rp, "/sys/devices/pci00ed:00/00ed:00:02.0/00ed:01:01.0");
		else
			assert_true(!strncmp(rp, "/sys/devices/pci00ed:00/00ed:00:", 32) &&
				    !strchr(rp + 24, '/'));
		close(dev);
		close(g);
		close(container);
		free(rp);
	}
}

/*
 * VFIO_GROUP_GET_DEVICE_FD makes an fd: with none free it is EMFILE before
 * the device is opened (the kernel reserves the fd first), so the daemon
 * holds no device file for it, not even for a moment.
 */
static void test_device_fd_emfile(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl;
		char link[PATH_MAX], path[PATH_MAX];
		ssize_t n = readlink(DEV0 "/iommu_group", link, sizeof(link) - 1);
		int c = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
		int last = -1, dev, fd, g;
		long files;

		if (n <= 0)
			_exit(1);
		link[n] = 0;
		snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(link, '/') + 1);
		g = open(path, O_RDWR | O_CLOEXEC);
		if (c < 0 || g < 0 || ioctl(g, VFIO_GROUP_SET_CONTAINER, &c))
			_exit(2);
		files = iommufd_mock_daemon_files();
		getrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur > 256)
			rl.rlim_cur = 256;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			_exit(3);
		while ((fd = dup(g)) >= 0)
			last = fd;
		if (errno != EMFILE || last < 0)
			_exit(4);
		errno = 0;
		dev = ioctl(g, VFIO_GROUP_GET_DEVICE_FD, BDF0);
		if (dev != -1 || errno != EMFILE)
			_exit(5);
		close(last);
		if (iommufd_mock_daemon_files() != files)
			_exit(6);
		dev = ioctl(g, VFIO_GROUP_GET_DEVICE_FD, BDF0);
		_exit(dev == last && iommufd_mock_daemon_files() == files + 1 ? 0 : 7);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* A device behind a bridge: where the real kernel shows it, links that resolve. */
static void test_bridge(void **state)
{
	static const char dir[] = "/sys/devices/pci00ed:00/00ed:00:02.0/00ed:01:01.0";
	char buf[PATH_MAX], *rp;
	struct stat st;

	(void)state;
	if (!bridged)
		skip();
	assert_link("/sys/bus/pci/devices/00ed:01:01.0",
		    "../../../devices/pci00ed:00/00ed:00:02.0/00ed:01:01.0");
	assert_link("/sys/bus/pci/devices/00ed:00:02.0", "../../../devices/pci00ed:00/00ed:00:02.0");
	assert_file("/sys/bus/pci/devices/00ed:00:02.0", "class", "0x060400\n");
	assert_file("/sys/bus/pci/devices/00ed:01:01.0", "vendor", "0x1234\n");
	assert_link("/sys/class/vfio-dev/vfio1", "../../devices/pci00ed:00/00ed:00:02.0/"
						  "00ed:01:01.0/vfio-dev/vfio1");
	assert_int_equal(stat("/sys/bus/pci/devices/00ed:01:01.0/iommu_group", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(stat("/sys/bus/pci/devices/00ed:01:01.0/driver", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(buf, sizeof(buf), "%s/vfio-dev/vfio1/subsystem", dir);
	rp = realpath(buf, NULL);
	assert_non_null(rp);
	assert_string_equal(rp, "/sys/class/vfio-dev");
	free(rp);
	rp = realpath("/sys/bus/pci/devices/00ed:01:01.0/subsystem", NULL);
	assert_non_null(rp);
	assert_string_equal(rp, "/sys/bus/pci");
	free(rp);
	/* config follows the device there too */
	assert_int_equal(slurp("/sys/bus/pci/devices/00ed:01:01.0/config", buf, sizeof(buf)), 256);
	assert_int_equal((unsigned char)buf[0], 0x34);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_files),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_config_follows_device),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_readdir),
		cmocka_unit_test(test_cdev_stat),
		cmocka_unit_test(test_dev_char),
		cmocka_unit_test(test_host_device_untouched),
		cmocka_unit_test(test_group_agrees),
		cmocka_unit_test(test_device_fd_emfile),
		cmocka_unit_test(test_bridge),
	};

	if (argc > 1 && (!strcmp(argv[1], "two") || !strcmp(argv[1], "bridge")))
		nr_devs = 2;
	bridged = argc > 1 && !strcmp(argv[1], "bridge");
	return cmocka_run_group_tests_name(bridged ? "mock-sysfs-bridge" :
					   nr_devs == 2 ? "mock-sysfs-two" : "mock-sysfs",
					   tests, NULL, NULL);
}
