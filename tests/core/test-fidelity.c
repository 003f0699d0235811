// SPDX-License-Identifier: MIT
/*
 * test-fidelity.c - behaviours measured on real 6.12 and 7.3 kernels that
 * the mock got wrong (issue 13): writable maps of memory the process cannot
 * write, MAP_FILE of every kind of file (a FIFO must not block), an O_PATH
 * fd, mmap of an unbound VFIO cdev, BIND_IOMMUFD with a foreign fd, the
 * default machine's capabilities and a length near 2^64. In-process against
 * the core, with the release named by argv[1] ("7.3" or "6.12"): each check
 * holds under both profiles, with the errno the release gives.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "iommufd-uapi.h"
#include "iommufd_test.h"

#define PAGE 4096UL
#define TMPFS_MAGIC_ 0x01021994

static const char *release = "7.3";
static bool is_612;

struct env {
	struct harness h;
	struct mock_file *f; /* the iommufd, fake fd ifd (for BIND_IOMMUFD) */
	int ifd;
};

/* A kernel with machine @devices (NULL: the default, one edu behind VT-d) and its iommufd. */
static void env_machine(struct env *e, const char *devices)
{
	struct mock_kernel_config cfg = { .sz = sizeof(cfg), .kernel = release,
					  .devices = devices };

	assert_int_equal(harness_init(&e->h, &cfg), 0);
	e->ifd = harness_open(&e->h, "/dev/iommu", O_RDWR);
	assert_true(e->ifd >= 0);
	e->f = harness_file(&e->h, e->ifd);
}

static int env_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	env_machine(e, NULL);
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;

	harness_fini(&e->h);
	free(e);
	return 0;
}

static long fioctl(struct env *e, struct mock_file *f, unsigned int cmd, void *arg)
{
	return harness_fioctl(&e->h, f, cmd, (uintptr_t)arg);
}

static long xioctl(struct env *e, unsigned int cmd, void *arg)
{
	return fioctl(e, e->f, cmd, arg);
}

static uint32_t ioas_alloc(struct env *e)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	assert_int_equal(xioctl(e, IOMMU_IOAS_ALLOC, &cmd), 0);
	return cmd.out_ioas_id;
}

static long ioas_map(struct env *e, uint32_t ioas, const void *va, uint64_t len, uint64_t iova,
		     uint32_t flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd), .flags = flags | IOMMU_IOAS_MAP_FIXED_IOVA, .ioas_id = ioas,
		.user_va = (uintptr_t)va, .length = len, .iova = iova,
	};

	return xioctl(e, IOMMU_IOAS_MAP, &cmd);
}

static long map_file(struct env *e, uint32_t ioas, int fd, uint64_t len, uint64_t iova,
		     uint32_t flags)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd), .flags = flags | IOMMU_IOAS_MAP_FIXED_IOVA, .ioas_id = ioas,
		.fd = fd, .start = 0, .length = len, .iova = iova,
	};

	return xioctl(e, IOMMU_IOAS_MAP_FILE, &cmd);
}

static long unmap_all(struct env *e, uint32_t ioas)
{
	struct iommu_ioas_unmap cmd = { .size = sizeof(cmd), .ioas_id = ioas, .length = UINT64_MAX };

	return xioctl(e, IOMMU_IOAS_UNMAP, &cmd);
}

/* A selftest mock domain (a device and its paging HWPT) attached to @pt. */
static long mock_domain(struct env *e, uint32_t pt)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_MOCK_DOMAIN, .id = pt,
	};

	return xioctl(e, IOMMU_TEST_CMD, &cmd);
}

/* An access object on @ioas (fake fd returned), as a mediated driver has. */
static int access_create(struct env *e, uint32_t ioas)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_CREATE_ACCESS, .id = ioas,
		.create_access = { .flags = MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES },
	};

	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), 0);
	return (int)cmd.create_access.out_access_fd;
}

static long access_pages(struct env *e, int afd, uint64_t iova, uint64_t len, const void *va)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_ACCESS_PAGES, .id = (uint32_t)afd,
		.access_pages = { .iova = iova, .length = len, .uptr = (uintptr_t)va },
	};

	return xioctl(e, IOMMU_TEST_CMD, &cmd);
}

static long access_rw(struct env *e, int afd, uint64_t iova, void *buf, uint64_t len,
		      bool write)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_ACCESS_RW, .id = (uint32_t)afd,
		.access_rw = { .iova = iova, .length = len, .uptr = (uintptr_t)buf,
			       .flags = write ? MOCK_ACCESS_RW_WRITE : 0 },
	};

	return xioctl(e, IOMMU_TEST_CMD, &cmd);
}

static struct mock_file *open_vfio0(struct env *e)
{
	struct mock_file *dev = NULL;

	assert_int_equal(mock_open(e->h.k, "/dev/vfio/devices/vfio0", O_RDWR, &e->h.task, &dev), 0);
	return dev;
}

static long bind_dev(struct env *e, struct mock_file *dev, int iommufd, uint32_t *dev_id)
{
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b), .iommufd = iommufd };
	long rc = fioctl(e, dev, VFIO_DEVICE_BIND_IOMMUFD, &b);

	if (!rc && dev_id)
		*dev_id = b.out_devid;
	return rc;
}

#define RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define IOVA (1UL << 24) /* inside the selftest domain's aperture */

/*
 * Fidelity 1: pin_user_pages(FOLL_WRITE) of memory the process mapped
 * PROT_READ fails EFAULT: at map time with a domain, at attach or access
 * time without; a readable-only map of it is fine. Both private anonymous
 * memory and a read-only shared mapping of a memfd.
 */
static void test_writable_map_of_readonly_memory(void **state)
{
	struct env *e = *state;
	uint32_t with_dom = ioas_alloc(e), lazy = ioas_alloc(e);
	int mfd = memfd_create("fidelity-ro", 0);
	uint8_t *priv, *shared, byte = 0x5a;
	const void *bufs[2];
	int afd;

	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, 4 * PAGE), 0);
	priv = mmap(NULL, 4 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	shared = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, mfd, 0);
	assert_true(priv != MAP_FAILED && shared != MAP_FAILED);
	bufs[0] = priv;
	bufs[1] = shared;

	assert_int_equal(mock_domain(e, with_dom), 0);
	for (unsigned int i = 0; i != 2; i++) {
		/* pinned now, for writing: refused; for reading: fine */
		assert_int_equal(ioas_map(e, with_dom, bufs[i], 4 * PAGE, IOVA, RW), -EFAULT);
		assert_int_equal(ioas_map(e, with_dom, bufs[i], 4 * PAGE, IOVA,
					  IOMMU_IOAS_MAP_READABLE), 0);
		assert_int_equal(unmap_all(e, with_dom), 0);

		/* no domain: the map is lazy, the pin at attach or access fails */
		assert_int_equal(ioas_map(e, lazy, bufs[i], 4 * PAGE, IOVA, RW), 0);
		assert_int_equal(mock_domain(e, lazy), -EFAULT);
		afd = access_create(e, lazy);
		assert_int_equal(access_pages(e, afd, IOVA, PAGE, bufs[i]), -EFAULT);
		/* an unpinned write is a copy_to_user: EFAULT as well; a read works */
		assert_int_equal(access_rw(e, afd, IOVA, &byte, 1, true), -EFAULT);
		assert_int_equal(access_rw(e, afd, IOVA, &byte, 1, false), 0);
		assert_int_equal(byte, 0);
		byte = 0x5a;
		assert_int_equal(unmap_all(e, lazy), 0);
		harness_close(&e->h, afd);
	}
	/* the private page was never written: it is still the zero page */
	assert_int_equal(priv[0], 0);
	munmap(priv, 4 * PAGE);
	munmap(shared, 4 * PAGE);
	close(mfd);
}

/*
 * MAP_FILE of a file opened read-only, WRITEABLE: 7.3's memfd_pin_folios()
 * does not look at the file's mode, so the map and its pins succeed and a
 * write through the IOVA reaches the file. 6.12 has no MAP_FILE (ENOTTY).
 */
static void test_map_file_readonly_fd(void **state)
{
	struct env *e = *state;
	uint32_t ioas = ioas_alloc(e);
	int mfd = memfd_create("fidelity-file", 0), ro, afd;
	char path[64], got[4] = "", data[4] = "dma";

	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, 4 * PAGE), 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(ro >= 0);
	assert_int_equal(mock_domain(e, ioas), 0);
	if (is_612) {
		assert_int_equal(map_file(e, ioas, ro, 4 * PAGE, IOVA, RW), -ENOTTY);
	} else {
		assert_int_equal(map_file(e, ioas, ro, 4 * PAGE, IOVA, RW), 0);
		afd = access_create(e, ioas);
		assert_int_equal(access_rw(e, afd, IOVA + 8, data, sizeof(data), true), 0);
		assert_int_equal(pread(mfd, got, sizeof(got), 8), (ssize_t)sizeof(got));
		assert_memory_equal(got, data, sizeof(data));
	}
	close(ro);
	close(mfd);
}

static void on_alarm(int sig)
{
	(void)sig;
	/* a MAP_FILE that blocks never returns: fail instead of hanging */
	static const char msg[] = "test-fidelity: blocked in the core (a FIFO open?)\n";

	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(2);
}

/*
 * MAP_FILE takes whatever fget() finds; only pinning checks the file
 * (memfd_pin_folios: shmem or hugetlbfs regular files, EINVAL otherwise).
 * A FIFO without a writer must not block (the daemon used to wait in
 * open(2) for a writer), nor a socket or a directory.
 */
static void test_map_file_kinds(void **state)
{
	struct env *e = *state;
	uint32_t lazy = ioas_alloc(e), dom = ioas_alloc(e);
	char dir[] = "/tmp/fidelity-XXXXXX", fifo[64];
	int sv[2], fds[5], n = 0, mfd, afd;
	struct statfs sfs;
	uint8_t byte;

	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fds[n++] = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* no writer */
	fds[n++] = sv[0];
	fds[n++] = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* a regular file of a disk filesystem: the test program itself */
	fds[n] = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	assert_true(fds[n] >= 0);
	assert_int_equal(fstatfs(fds[n], &sfs), 0);
	if (sfs.f_type != TMPFS_MAGIC_)
		n++;
	else
		close(fds[n]);
	mfd = memfd_create("fidelity-kinds", MFD_CLOEXEC);
	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, PAGE), 0);
	for (int i = 0; i != n; i++)
		assert_true(fds[i] >= 0);

	assert_int_equal(mock_domain(e, dom), 0);
	afd = access_create(e, lazy);
	signal(SIGALRM, on_alarm);
	alarm(20);
	for (int i = 0; i != n; i++) {
		if (is_612) {
			assert_int_equal(map_file(e, lazy, fds[i], PAGE, IOVA,
						  IOMMU_IOAS_MAP_READABLE), -ENOTTY);
			continue;
		}
		/* readable only: the daemon opened such a FIFO for reading, and waited */
		assert_int_equal(map_file(e, lazy, fds[i], PAGE, IOVA, IOMMU_IOAS_MAP_READABLE), 0);
		/* an access copy pins the page for the copy */
		assert_int_equal(access_rw(e, afd, IOVA, &byte, 1, false), -EINVAL);
		/* pinning it: attaching a domain */
		assert_int_equal(mock_domain(e, lazy), -EINVAL);
		assert_int_equal(unmap_all(e, lazy), 0);
		assert_int_equal(map_file(e, dom, fds[i], PAGE, IOVA, IOMMU_IOAS_MAP_READABLE),
				 -EINVAL);
		assert_int_equal(map_file(e, dom, fds[i], PAGE, IOVA, RW), -EINVAL);
	}
	if (!is_612) {
		/* a memfd pins */
		assert_int_equal(map_file(e, dom, mfd, PAGE, IOVA, RW), 0);
		/* a page that does not end inside the file does not */
		assert_int_equal(ftruncate(mfd, PAGE + 1), 0);
		assert_int_equal(map_file(e, dom, mfd, 2 * PAGE, IOVA + 4 * PAGE, RW), -EINVAL);
	}
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	for (int i = 0; i != n; i++)
		close(fds[i]);
	close(sv[1]);
	close(mfd);
	unlink(fifo);
	rmdir(dir);
}

/* Item G: fget() skips O_PATH files: MAP_FILE answers EBADF, as for a closed fd. */
static void test_map_file_o_path(void **state)
{
	struct env *e = *state;
	uint32_t ioas = ioas_alloc(e);
	int mfd = memfd_create("fidelity-opath", MFD_CLOEXEC), opath;
	char path[64];

	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, PAGE), 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	opath = open(path, O_PATH | O_CLOEXEC);
	assert_true(opath >= 0);
	assert_int_equal(map_file(e, ioas, opath, PAGE, IOVA, IOMMU_IOAS_MAP_READABLE),
			 is_612 ? -ENOTTY : -EBADF);
	assert_int_equal(map_file(e, ioas, 999, PAGE, IOVA, IOMMU_IOAS_MAP_READABLE),
			 is_612 ? -ENOTTY : -EBADF);
	close(opath);
	close(mfd);
}

/* Fidelity 2: mmap() of a VFIO device cdev that is not bound yet is EINVAL. */
static void test_vfio_mmap_unbound(void **state)
{
	struct env *e = *state;
	struct mock_file *dev = open_vfio0(e);
	struct mock_mmap_result res;
	struct mock_call call;

	mock_call_init(&call, &e->h.task);
	assert_int_equal(mock_mmap(dev, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, &call, &res),
			 -EINVAL);
	mock_release(dev);
}

/*
 * Fidelity 3: BIND_IOMMUFD with an fd that is open but is not an iommufd is
 * EBADFD; a closed fd number (and an O_PATH fd, which fget skips) EBADF.
 */
static void test_bind_foreign_fd(void **state)
{
	struct env *e = *state;
	struct mock_file *dev = open_vfio0(e);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int opath = open("/dev/null", O_PATH | O_CLOEXEC);
	uint32_t dev_id = 0;

	assert_true(null >= 0 && opath >= 0);
	assert_int_equal(bind_dev(e, dev, null, NULL), -EBADFD);
	assert_int_equal(bind_dev(e, dev, 999, NULL), -EBADF);
	assert_int_equal(bind_dev(e, dev, opath, NULL), -EBADF);
	assert_int_equal(bind_dev(e, dev, e->ifd, &dev_id), 0);
	assert_int_not_equal(dev_id, 0);
	close(null);
	close(opath);
	mock_release(dev);
}

/*
 * Fidelity 4: the default machine (QEMU's VT-d + edu) reports what the
 * release reports: 7.3 sets PCI_ATS_NOT_SUPPORTED (edu has no ATS), 6.12
 * has no such bit.
 */
static void test_default_capabilities(void **state)
{
	struct env *e = *state;
	struct mock_file *dev = open_vfio0(e);
	struct iommu_hw_info info = { .size = sizeof(info) };
	uint32_t dev_id = 0;

	assert_int_equal(bind_dev(e, dev, e->ifd, &dev_id), 0);
	info.dev_id = dev_id;
	assert_int_equal(xioctl(e, IOMMU_GET_HW_INFO, &info), 0);
	assert_int_equal(info.out_data_type, IOMMU_HW_INFO_TYPE_INTEL_VTD);
	assert_int_equal(info.out_capabilities, is_612 ? 0 : IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	mock_release(dev);
}

/* A device configured `ats` can use ATS: no PCI_ATS_NOT_SUPPORTED. */
static void test_ats_device(void **state)
{
	struct env *e = *state;
	struct iommu_hw_info info = { .size = sizeof(info) };
	struct mock_file *dev[2];
	uint32_t dev_id = 0;

	/* a machine of its own */
	harness_fini(&e->h);
	env_machine(e, "edu,ats;edu,ats,no-ats");
	for (unsigned int i = 0; i != 2; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%u", i);
		assert_int_equal(mock_open(e->h.k, path, O_RDWR, &e->h.task, &dev[i]), 0);
		assert_int_equal(bind_dev(e, dev[i], e->ifd, &dev_id), 0);
		info = (struct iommu_hw_info){ .size = sizeof(info), .dev_id = dev_id };
		assert_int_equal(xioctl(e, IOMMU_GET_HW_INFO, &info), 0);
		/* an IOMMU without ATS (no-ats) takes it from the device again */
		assert_int_equal(info.out_capabilities,
				 is_612 || i == 0 ? 0 : IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	}
	for (unsigned int i = 0; i != 2; i++)
		mock_release(dev[i]);
}

/*
 * Fidelity 5: a length of 2^64 - 2 passes the ioctl's own check; 6.12's
 * iopt_alloc_pages() then refuses it (EINVAL) before any overflow check,
 * 7.3 checks the user range first (EOVERFLOW).
 */
static void test_map_length_near_max(void **state)
{
	struct env *e = *state;
	uint32_t ioas = ioas_alloc(e);
	static uint8_t buf[PAGE] __attribute__((aligned(PAGE)));
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd), .flags = IOMMU_IOAS_MAP_READABLE, .ioas_id = ioas,
		.user_va = (uintptr_t)buf, .length = UINT64_MAX - 1,
	};

	assert_int_equal(xioctl(e, IOMMU_IOAS_MAP, &cmd), is_612 ? -EINVAL : -EOVERFLOW);
	cmd.length = UINT64_MAX;
	assert_int_equal(xioctl(e, IOMMU_IOAS_MAP, &cmd), -EOVERFLOW);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_writable_map_of_readonly_memory, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(test_map_file_readonly_fd, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_map_file_kinds, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_map_file_o_path, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_vfio_mmap_unbound, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_bind_foreign_fd, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_default_capabilities, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(test_ats_device, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_map_length_near_max, env_setup, env_teardown),
	};

	if (argc > 1)
		release = argv[1];
	if (argc > 2)
		cmocka_set_test_filter(argv[2]); /* one test, by name */
	is_612 = !strcmp(release, "6.12");
	return cmocka_run_group_tests_name(release, tests, NULL, NULL);
}
