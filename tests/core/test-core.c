// SPDX-License-Identifier: MIT
/*
 * test-core.c - in-process tests of the mock kernel core: a struct mock_task
 * for this process, /dev/iommu opened through mock_open() and ioctls issued
 * with pointers into our own memory (the core reads them with
 * process_vm_readv on ourselves). Errnos are those of Linux 7.3's iommufd.
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
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "iommufd-uapi.h"
#include "iommufd_test.h"

#define PAGE 4096UL
#define BUF_PAGES 16
#define PAGE_MASK_U64 (~(uint64_t)(PAGE - 1))

struct env {
	struct harness h;
	struct mock_file *f; /* the iommufd (not in the fd table) */
	uint32_t ioas;
	uint8_t *buf;
};

static int env_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(harness_init(&e->h, NULL), 0);
	assert_int_equal(mock_open(e->h.k, "/dev/iommu", O_RDWR, &e->h.task, &e->f), 0);
	e->buf = mmap(NULL, BUF_PAGES * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	assert_true(e->buf != MAP_FAILED);
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
	munmap(e->buf, BUF_PAGES * PAGE);
	free(e);
	return 0;
}

static long xioctl(struct env *e, unsigned int cmd, void *arg)
{
	return harness_fioctl(&e->h, e->f, cmd, (uintptr_t)arg);
}

static uint32_t ioas_alloc(struct env *e)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	assert_int_equal(xioctl(e, IOMMU_IOAS_ALLOC, &cmd), 0);
	assert_int_not_equal(cmd.out_ioas_id, 0);
	return cmd.out_ioas_id;
}

static long ioas_map(struct env *e, uint32_t ioas, void *va, uint64_t len, uint64_t *iova,
		     uint32_t flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = *iova,
	};
	long rc = xioctl(e, IOMMU_IOAS_MAP, &cmd);

	if (!rc)
		*iova = cmd.iova;
	return rc;
}

static long ioas_unmap(struct env *e, uint32_t ioas, uint64_t iova, uint64_t len,
		       uint64_t *out)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .iova = iova, .length = len,
	};
	long rc = xioctl(e, IOMMU_IOAS_UNMAP, &cmd);

	if (out)
		*out = cmd.length;
	return rc;
}

static long destroy(struct env *e, uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return xioctl(e, IOMMU_DESTROY, &cmd);
}

static long mock_domain(struct env *e, uint32_t pt, uint32_t flags, uint32_t *stdev,
			uint32_t *hwpt, uint32_t *idev)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS, .id = pt,
		.mock_domain_flags = { .dev_flags = flags },
	};
	long rc = xioctl(e, IOMMU_TEST_CMD, &cmd);

	if (stdev)
		*stdev = cmd.mock_domain.out_stdev_id;
	if (hwpt)
		*hwpt = cmd.mock_domain.out_hwpt_id;
	if (idev)
		*idev = cmd.mock_domain.out_idev_id;
	return rc;
}

static long check_refs(struct env *e, void *va, uint64_t len, uint32_t refs)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = { .length = len, .uptr = (uintptr_t)va, .refs = refs },
	};

	return xioctl(e, IOMMU_TEST_CMD, &cmd);
}

static long check_map(struct env *e, uint32_t hwpt, uint64_t iova, void *va, uint64_t len)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_MD_CHECK_MAP, .id = hwpt,
		.check_map = { .iova = iova, .length = len, .uptr = (uintptr_t)va },
	};

	return xioctl(e, IOMMU_TEST_CMD, &cmd);
}

static bool has_cap(cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	cap_get_flag(caps, cap, CAP_EFFECTIVE, &v);
	cap_free(caps);
	return v == CAP_SET;
}

/* ---------------------------------------------------------------- */

static void test_generic_contract(void **state)
{
	struct env *e = *state;
	struct {
		struct iommu_destroy cmd;
		uint8_t extra;
	} big = { .cmd = { .size = 7 }, .extra = 0xff };

	assert_int_equal(destroy(e, 0), -ENOENT);
	assert_int_equal(destroy(e, 12345), -ENOENT);
	assert_int_equal(xioctl(e, IOMMU_DESTROY, NULL), -EFAULT);
	assert_int_equal(xioctl(e, _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE - 1), &big), -ENOTTY);
	/* in the table but not implemented / wrong encoding */
	big.cmd.size = sizeof(big.cmd);
	assert_int_equal(xioctl(e, _IO(IOMMUFD_TYPE, 0x9f), &big), -ENOTTY);
	assert_int_equal(xioctl(e, _IOW(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY, int), &big), -ENOTTY);
	big.cmd.size = 7;
	assert_int_equal(xioctl(e, IOMMU_DESTROY, &big), -EINVAL);
	big.cmd.size = sizeof(big.cmd) + 1;
	assert_int_equal(xioctl(e, IOMMU_DESTROY, &big), -E2BIG);
	big.extra = 0;
	assert_int_equal(xioctl(e, IOMMU_DESTROY, &big), -ENOENT);
	/* a wrong type of id is ENOENT */
	e->ioas = ioas_alloc(e);
	{
		struct iommu_ioas_iova_ranges r = { .size = sizeof(r), .ioas_id = e->ioas + 1 };

		assert_int_equal(xioctl(e, IOMMU_IOAS_IOVA_RANGES, &r), -ENOENT);
	}
	assert_int_equal(destroy(e, e->ioas), 0);
	assert_int_equal(destroy(e, e->ioas), -ENOENT);
	/* ids are reused lowest first and never 0 */
	assert_int_equal(ioas_alloc(e), e->ioas);
}

static void test_map_unmap(void **state)
{
	struct env *e = *state;
	uint64_t iova = 1UL << 20, out = 0;
	uint32_t ioas = ioas_alloc(e);

	/* fixed */
	assert_int_equal(ioas_map(e, ioas, e->buf, PAGE * 4, &iova, IOMMU_IOAS_MAP_FIXED_IOVA), 0);
	assert_int_equal(iova, 1UL << 20);
	assert_int_equal(ioas_map(e, ioas, e->buf, PAGE, &iova, IOMMU_IOAS_MAP_FIXED_IOVA),
			 -EEXIST);
	/* bad flags, no prot, overflow, bad ioas */
	{
		struct iommu_ioas_map cmd = { .size = sizeof(cmd), .flags = 1 << 5, .ioas_id = ioas,
					      .user_va = (uintptr_t)e->buf, .length = PAGE };

		assert_int_equal(xioctl(e, IOMMU_IOAS_MAP, &cmd), -EOPNOTSUPP);
		cmd.flags = 0;
		assert_int_equal(xioctl(e, IOMMU_IOAS_MAP, &cmd), -EINVAL);
		cmd.flags = IOMMU_IOAS_MAP_READABLE;
		cmd.length = UINT64_MAX;
		assert_int_equal(xioctl(e, IOMMU_IOAS_MAP, &cmd), -EOVERFLOW);
		cmd.length = 0;
		assert_int_equal(xioctl(e, IOMMU_IOAS_MAP, &cmd), -EINVAL);
		cmd.length = PAGE;
		cmd.ioas_id = 999;
		assert_int_equal(xioctl(e, IOMMU_IOAS_MAP, &cmd), -ENOENT);
		cmd.ioas_id = ioas;
		cmd.user_va = UINT64_MAX - 10;
		assert_int_equal(xioctl(e, IOMMU_IOAS_MAP, &cmd), -EOVERFLOW);
	}
	/* automatic: aligned to min(roundup_pow2(len), lowest bit of va), keeps page offset */
	iova = 0;
	assert_int_equal(ioas_map(e, ioas, e->buf + 8 * PAGE, PAGE * 2, &iova, 0), 0);
	assert_int_equal(iova % (PAGE * 2 < (1UL << __builtin_ctzl((uintptr_t)e->buf + 8 * PAGE)) ?
				 PAGE * 2 : 1UL << __builtin_ctzl((uintptr_t)e->buf + 8 * PAGE)),
			 0);
	assert_true(iova >= PAGE);
	{
		uint64_t iova2 = 0;

		assert_int_equal(ioas_map(e, ioas, e->buf + 100, 50, &iova2, 0), 0);
		assert_int_equal(iova2 % PAGE, 100);
		assert_int_equal(ioas_unmap(e, ioas, iova2, 50, &out), 0);
		assert_int_equal(out, 50);
	}
	/* unmap needs whole areas */
	assert_int_equal(ioas_unmap(e, ioas, 1UL << 20, PAGE, NULL), -ENOENT);
	assert_int_equal(ioas_unmap(e, ioas, (1UL << 20) + PAGE, PAGE * 3, NULL), -ENOENT);
	assert_int_equal(ioas_unmap(e, ioas, 1UL << 40, PAGE, NULL), -ENOENT);
	assert_int_equal(ioas_unmap(e, ioas, 1UL << 20, 0, NULL), -EINVAL);
	assert_int_equal(ioas_unmap(e, ioas, 1UL << 20, PAGE * 4, &out), 0);
	assert_int_equal(out, PAGE * 4);
	/* no domain: nothing is touched, unmapped memory maps fine */
	iova = 0;
	assert_int_equal(ioas_map(e, ioas, (void *)(1UL << 31), PAGE, &iova, 0), 0);
	/* unmap all */
	assert_int_equal(ioas_unmap(e, ioas, 0, UINT64_MAX, &out), 0);
	assert_int_equal(out, PAGE * 3);
	assert_int_equal(ioas_unmap(e, ioas, 0, UINT64_MAX, &out), 0);
	assert_int_equal(out, 0);
	/* a range holding several whole areas */
	for (int i = 0; i != 4; i++) {
		iova = (1UL << 24) + i * PAGE * 2;
		assert_int_equal(ioas_map(e, ioas, e->buf, PAGE * 2, &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA), 0);
	}
	assert_int_equal(ioas_unmap(e, ioas, 1UL << 23, 1UL << 25, &out), 0);
	assert_int_equal(out, PAGE * 8);
}

static void test_iova_ranges_allow_reserved(void **state)
{
	struct env *e = *state;
	uint32_t ioas = ioas_alloc(e);
	struct iommu_iova_range ranges[4];
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .num_iovas = 0,
		.allowed_iovas = (uintptr_t)ranges,
	};
	struct iommu_test_cmd res = {
		.size = sizeof(res), .op = IOMMU_TEST_OP_ADD_RESERVED, .id = ioas,
		.add_reserved = { .start = PAGE * 16, .length = PAGE * 16 },
	};
	struct iommu_ioas_allow_iovas allow = {
		.size = sizeof(allow), .ioas_id = ioas, .num_iovas = 1,
		.allowed_iovas = (uintptr_t)ranges,
	};
	uint64_t iova;

	memset(ranges, 0xaa, sizeof(ranges));
	assert_int_equal(xioctl(e, IOMMU_IOAS_IOVA_RANGES, &cmd), -EMSGSIZE);
	assert_int_equal(cmd.num_iovas, 1);
	assert_int_equal(cmd.out_iova_alignment, 1);
	assert_int_equal(ranges[0].start, 0xaaaaaaaaaaaaaaaaULL);
	assert_int_equal(xioctl(e, IOMMU_IOAS_IOVA_RANGES, &cmd), 0);
	assert_int_equal(ranges[0].start, 0);
	assert_int_equal(ranges[0].last, UINT64_MAX);

	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &res), 0);
	cmd.num_iovas = 1;
	assert_int_equal(xioctl(e, IOMMU_IOAS_IOVA_RANGES, &cmd), -EMSGSIZE);
	assert_int_equal(cmd.num_iovas, 2);
	assert_int_equal(ranges[1].start, 0xaaaaaaaaaaaaaaaaULL);
	assert_int_equal(xioctl(e, IOMMU_IOAS_IOVA_RANGES, &cmd), 0);
	assert_int_equal(ranges[0].last, PAGE * 16 - 1);
	assert_int_equal(ranges[1].start, PAGE * 32);
	/* reserved: fixed map into it is EINVAL */
	iova = PAGE * 20;
	assert_int_equal(ioas_map(e, ioas, e->buf, PAGE, &iova, IOMMU_IOAS_MAP_FIXED_IOVA),
			 -EINVAL);
	res.add_reserved.length = 0;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &res), -EINVAL);
	res.add_reserved.start = UINT64_MAX;
	res.add_reserved.length = 2;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &res), -EOVERFLOW);

	/* allowed ranges */
	ranges[0].start = PAGE * 20;
	ranges[0].last = PAGE * 40;
	assert_int_equal(xioctl(e, IOMMU_IOAS_ALLOW_IOVAS, &allow), -EADDRINUSE);
	ranges[0].start = 1UL << 32;
	ranges[0].last = (1UL << 32) + PAGE * 64 - 1;
	ranges[1].start = 1UL << 33;
	ranges[1].last = 1UL << 33;
	allow.num_iovas = 2;
	assert_int_equal(xioctl(e, IOMMU_IOAS_ALLOW_IOVAS, &allow), -EINVAL);
	ranges[1].last = (1UL << 33) + PAGE - 1;
	ranges[1].start = (1UL << 32) + PAGE;
	assert_int_equal(xioctl(e, IOMMU_IOAS_ALLOW_IOVAS, &allow), -EINVAL); /* overlap */
	allow.num_iovas = 1;
	assert_int_equal(xioctl(e, IOMMU_IOAS_ALLOW_IOVAS, &allow), 0);
	iova = 0;
	assert_int_equal(ioas_map(e, ioas, e->buf, PAGE * 4, &iova, 0), 0);
	assert_true(iova >= (1UL << 32) && iova + PAGE * 4 - 1 <= ranges[0].last);
	iova = 0;
	assert_int_equal(ioas_map(e, ioas, e->buf, PAGE * 128, &iova, 0), -ENOSPC);
	/* reserving over an allowed range or area */
	res.add_reserved.start = 1UL << 32;
	res.add_reserved.length = PAGE;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &res), -EADDRINUSE);
	allow.num_iovas = 0;
	assert_int_equal(xioctl(e, IOMMU_IOAS_ALLOW_IOVAS, &allow), 0);
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &res), -EADDRINUSE); /* area */
	allow.allowed_iovas = 0;
	allow.num_iovas = 1;
	assert_int_equal(xioctl(e, IOMMU_IOAS_ALLOW_IOVAS, &allow), -EFAULT);
}

static void test_option(void **state)
{
	struct env *e = *state;
	struct iommu_option cmd = {
		.size = sizeof(cmd), .option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_GET,
	};
	uint32_t ioas;
	uint64_t iova;

	assert_int_equal(xioctl(e, IOMMU_OPTION, &cmd), 0);
	assert_int_equal(cmd.val64, 0);
	cmd.op = IOMMU_OPTION_OP_SET;
	cmd.val64 = 1;
	if (!has_cap(CAP_SYS_RESOURCE)) {
		assert_int_equal(xioctl(e, IOMMU_OPTION, &cmd), -EPERM);
	} else {
		assert_int_equal(xioctl(e, IOMMU_OPTION, &cmd), 0);
		cmd.val64 = 2;
		assert_int_equal(xioctl(e, IOMMU_OPTION, &cmd), -EINVAL);
		cmd.op = IOMMU_OPTION_OP_GET;
		assert_int_equal(xioctl(e, IOMMU_OPTION, &cmd), 0);
		assert_int_equal(cmd.val64, 1);
	}
	cmd.op = IOMMU_OPTION_OP_GET;
	cmd.object_id = 1;
	assert_int_equal(xioctl(e, IOMMU_OPTION, &cmd), -EOPNOTSUPP);
	cmd.object_id = 0;
	cmd.__reserved = 1;
	assert_int_equal(xioctl(e, IOMMU_OPTION, &cmd), -EOPNOTSUPP);
	cmd.__reserved = 0;
	cmd.option_id = 99;
	assert_int_equal(xioctl(e, IOMMU_OPTION, &cmd), -EOPNOTSUPP);

	ioas = ioas_alloc(e);
	cmd.option_id = IOMMU_OPTION_RLIMIT_MODE;
	cmd.op = IOMMU_OPTION_OP_SET;
	cmd.val64 = 0;
	assert_int_equal(xioctl(e, IOMMU_OPTION, &cmd),
			 has_cap(CAP_SYS_RESOURCE) ? -EBUSY : -EPERM);

	cmd.option_id = IOMMU_OPTION_HUGE_PAGES;
	cmd.op = IOMMU_OPTION_OP_GET;
	assert_int_equal(xioctl(e, IOMMU_OPTION, &cmd), -ENOENT);
	cmd.object_id = ioas;
	assert_int_equal(xioctl(e, IOMMU_OPTION, &cmd), 0);
	assert_int_equal(cmd.val64, 1);
	cmd.op = IOMMU_OPTION_OP_SET;
	cmd.val64 = 2;
	assert_int_equal(xioctl(e, IOMMU_OPTION, &cmd), -EINVAL);
	/* an area that is not PAGE_SIZE aligned blocks disabling huge pages */
	iova = 0;
	assert_int_equal(ioas_map(e, ioas, e->buf + 16, 100, &iova, 0), 0);
	cmd.val64 = 0;
	assert_int_equal(xioctl(e, IOMMU_OPTION, &cmd), -EADDRINUSE);
	assert_int_equal(ioas_unmap(e, ioas, 0, UINT64_MAX, NULL), 0);
	assert_int_equal(xioctl(e, IOMMU_OPTION, &cmd), 0);
	iova = 0;
	assert_int_equal(ioas_map(e, ioas, e->buf + 16, 100, &iova, 0), -EINVAL);
	{
		struct iommu_ioas_iova_ranges r = { .size = sizeof(r), .ioas_id = ioas };

		assert_int_equal(xioctl(e, IOMMU_IOAS_IOVA_RANGES, &r), -EMSGSIZE);
		assert_int_equal(r.out_iova_alignment, PAGE);
	}
	cmd.op = IOMMU_OPTION_OP_GET;
	assert_int_equal(xioctl(e, IOMMU_OPTION, &cmd), 0);
	assert_int_equal(cmd.val64, 0);
	cmd.op = 7;
	assert_int_equal(xioctl(e, IOMMU_OPTION, &cmd), -EOPNOTSUPP);
}

static void test_copy(void **state)
{
	struct env *e = *state;
	uint32_t a = ioas_alloc(e), b = ioas_alloc(e);
	uint64_t iova = 1UL << 24, dst = 0;
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_READABLE,
		.dst_ioas_id = b,
		.src_ioas_id = a,
		.length = PAGE * 2,
		.src_iova = iova + PAGE,
	};
	uint32_t hwpt;

	assert_int_equal(ioas_map(e, a, e->buf, PAGE * 4, &iova, IOMMU_IOAS_MAP_FIXED_IOVA), 0);
	/* the domain first: its aperture is reserved before the copy picks an IOVA */
	assert_int_equal(mock_domain(e, b, 0, NULL, &hwpt, NULL), 0);
	assert_int_equal(xioctl(e, IOMMU_IOAS_COPY, &cmd), 0);
	dst = cmd.dst_iova;
	assert_true(dst >= MOCK_APERTURE_START);
	/* source must be inside mapped areas */
	cmd.src_iova = iova + PAGE * 3;
	assert_int_equal(xioctl(e, IOMMU_IOAS_COPY, &cmd), -ENOENT);
	cmd.src_iova = iova;
	cmd.length = 0;
	assert_int_equal(xioctl(e, IOMMU_IOAS_COPY, &cmd), -EINVAL);
	cmd.length = PAGE;
	cmd.src_ioas_id = 999;
	assert_int_equal(xioctl(e, IOMMU_IOAS_COPY, &cmd), -ENOENT);
	cmd.src_ioas_id = a;
	cmd.flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
	cmd.dst_iova = dst;
	assert_int_equal(xioctl(e, IOMMU_IOAS_COPY, &cmd), -EEXIST);
	/* pins are shared: copies do not add pins */
	assert_int_equal(check_refs(e, e->buf + PAGE, PAGE * 2, 1), 0);
	assert_int_equal(check_refs(e, e->buf, PAGE, 0), 0);
	assert_int_equal(mock_domain(e, a, 0, NULL, NULL, NULL), 0);
	assert_int_equal(check_refs(e, e->buf, PAGE * 4, 1), 0);
	assert_int_equal(check_map(e, hwpt, dst, e->buf + PAGE, PAGE * 2), 0);
	assert_int_equal(check_map(e, hwpt, dst, e->buf, PAGE * 2), -EINVAL);
}

static void test_mock_domain(void **state)
{
	struct env *e = *state;
	uint32_t ioas = ioas_alloc(e), stdev, hwpt, idev, stdev2, hwpt2;
	uint64_t iova = MOCK_APERTURE_START;
	struct iommu_iova_range r[2];
	struct iommu_ioas_iova_ranges rc = {
		.size = sizeof(rc), .ioas_id = ioas, .num_iovas = 2,
		.allowed_iovas = (uintptr_t)r,
	};
	uint8_t *tmp;

	assert_int_equal(ioas_map(e, ioas, e->buf, PAGE * BUF_PAGES, &iova,
				  IOMMU_IOAS_MAP_FIXED_IOVA), 0);
	assert_int_equal(check_refs(e, e->buf, PAGE * BUF_PAGES, 0), 0);
	assert_int_equal(mock_domain(e, ioas, 0, &stdev, &hwpt, &idev), 0);
	assert_true(stdev && hwpt && idev);
	assert_int_equal(check_refs(e, e->buf, PAGE * BUF_PAGES, 1), 0);
	assert_int_equal(check_refs(e, e->buf, PAGE * BUF_PAGES, 2), -EIO);
	assert_int_equal(check_refs(e, e->buf + 1, PAGE, 1), -EINVAL);
	assert_int_equal(check_map(e, hwpt, iova, e->buf, PAGE * BUF_PAGES), 0);
	assert_int_equal(check_map(e, hwpt, iova + 2048, e->buf + 2048, 2048), 0);
	assert_int_equal(check_map(e, hwpt, iova + 1, e->buf, 2048), -EINVAL);
	assert_int_equal(check_map(e, ioas, iova, e->buf, 2048), -ENOENT);
	/* auto domain is reused by a second device */
	assert_int_equal(mock_domain(e, ioas, MOCK_FLAGS_DEVICE_PASID, &stdev2, &hwpt2, NULL), 0);
	assert_int_equal(hwpt2, hwpt);
	assert_int_equal(check_refs(e, e->buf, PAGE * BUF_PAGES, 1), 0);
	assert_int_equal(mock_domain(e, ioas, 1 << 7, NULL, NULL, NULL), -EINVAL);
	/* busy objects */
	assert_int_equal(destroy(e, ioas), -EBUSY);
	assert_int_equal(destroy(e, hwpt), -EBUSY);
	assert_int_equal(destroy(e, idev), -EBUSY);
	/* aperture and alignment */
	assert_int_equal(xioctl(e, IOMMU_IOAS_IOVA_RANGES, &rc), 0);
	assert_int_equal(rc.num_iovas, 1);
	assert_int_equal(r[0].start, MOCK_APERTURE_START);
	assert_int_equal(r[0].last, MOCK_APERTURE_LAST);
	assert_int_equal(rc.out_iova_alignment, MOCK_PAGE_SIZE);
	/* with a domain, pages are pinned at map time: unmapped memory fails */
	tmp = mmap(NULL, PAGE * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(tmp != MAP_FAILED);
	assert_int_equal(munmap(tmp + PAGE * 2, PAGE * 2), 0);
	iova = 0;
	assert_int_equal(ioas_map(e, ioas, tmp, PAGE * 4, &iova, 0), -EFAULT);
	assert_int_equal(check_refs(e, tmp, PAGE * 2, 0), 0);
	assert_int_equal(munmap(tmp, PAGE * 2), 0);
	iova = 0;
	assert_int_equal(ioas_map(e, ioas, e->buf + 100, 100, &iova, 0), -EINVAL); /* 2K align */
	/* last device leaves: the auto domain goes, pins go */
	assert_int_equal(destroy(e, stdev), 0);
	assert_int_equal(check_refs(e, e->buf, PAGE * BUF_PAGES, 1), 0);
	assert_int_equal(destroy(e, stdev2), 0);
	assert_int_equal(destroy(e, hwpt), -ENOENT);
	assert_int_equal(check_refs(e, e->buf, PAGE * BUF_PAGES, 0), 0);
	assert_int_equal(xioctl(e, IOMMU_IOAS_IOVA_RANGES, &rc), 0);
	assert_int_equal(r[0].start, 0);
	assert_int_equal(rc.out_iova_alignment, 1);
	/* explicit hwpt id and closing everything */
	assert_int_equal(mock_domain(e, ioas, 0, &stdev, &hwpt, NULL), 0);
	assert_int_equal(mock_domain(e, hwpt, 0, NULL, &hwpt2, NULL), 0);
	assert_int_equal(hwpt2, hwpt);
	assert_int_equal(mock_domain(e, 999, 0, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(mock_domain(e, stdev, 0, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(check_refs(e, e->buf, PAGE * BUF_PAGES, 1), 0);
	mock_release(e->f);
	e->f = NULL;
	assert_int_equal(mock_open(e->h.k, "/dev/iommu", O_RDWR, &e->h.task, &e->f), 0);
	assert_int_equal(check_refs(e, e->buf, PAGE * BUF_PAGES, 0), 0);
}

static void test_access(void **state)
{
	struct env *e = *state;
	uint32_t ioas = ioas_alloc(e), ioas2 = ioas_alloc(e);
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_CREATE_ACCESS, .id = ioas,
		.create_access = { .flags = MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES },
	};
	uint64_t iova = 1UL << 24, out;
	int fd, fd2;
	uint32_t item;
	char data[64];

	assert_int_equal(ioas_map(e, ioas, e->buf, PAGE * 8, &iova, IOMMU_IOAS_MAP_FIXED_IOVA), 0);
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), 0);
	fd = (int)cmd.create_access.out_access_fd;
	assert_true(fd >= 100);
	assert_int_equal(destroy(e, ioas), -EBUSY);

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = IOMMU_TEST_OP_ACCESS_PAGES;
	cmd.id = fd;
	cmd.access_pages.iova = iova + PAGE;
	cmd.access_pages.length = PAGE * 2;
	cmd.access_pages.uptr = (uintptr_t)e->buf + PAGE;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), 0);
	item = cmd.access_pages.out_access_pages_id;
	assert_int_equal(check_refs(e, e->buf + PAGE, PAGE * 2, 1), 0);
	assert_int_equal(check_refs(e, e->buf, PAGE, 0), 0);
	/* same range again: shared pin */
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), 0);
	assert_int_equal(check_refs(e, e->buf + PAGE, PAGE * 2, 1), 0);
	/* wrong pages */
	cmd.access_pages.uptr = (uintptr_t)e->buf;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), -EBADE);
	cmd.access_pages.uptr = (uintptr_t)e->buf + PAGE;
	cmd.access_pages.iova = iova + PAGE * 7;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), -ENOENT);
	cmd.access_pages.length = 32 * 1024 * 1024;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), -ENOMEM);
	cmd.access_pages.length = PAGE;
	cmd.access_pages.flags = 1 << 3;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), -EOPNOTSUPP);
	cmd.access_pages.flags = 0;
	cmd.id = 7;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), -EBADFD);

	/* destroy one item */
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = IOMMU_TEST_OP_DESTROY_ACCESS_PAGES;
	cmd.id = fd;
	cmd.destroy_access_pages.access_pages_id = item;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), 0);
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), -ENOENT);
	assert_int_equal(check_refs(e, e->buf + PAGE, PAGE * 2, 1), 0);
	/* unmapping drops the remaining access pins through the callback */
	assert_int_equal(ioas_unmap(e, ioas, 0, UINT64_MAX, &out), 0);
	assert_int_equal(out, PAGE * 8);
	assert_int_equal(check_refs(e, e->buf, PAGE * 8, 0), 0);
	cmd.destroy_access_pages.access_pages_id = item + 1;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), -ENOENT);

	/* rw without pins, unaligned */
	iova = 1UL << 24;
	assert_int_equal(ioas_map(e, ioas, e->buf, PAGE * 8, &iova, IOMMU_IOAS_MAP_FIXED_IOVA), 0);
	memcpy(e->buf + PAGE - 10, "hello world, spanning pages", 28);
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = IOMMU_TEST_OP_ACCESS_RW;
	cmd.id = fd;
	cmd.access_rw.iova = iova + PAGE - 10;
	cmd.access_rw.length = 28;
	cmd.access_rw.uptr = (uintptr_t)data;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), 0);
	assert_string_equal(data, "hello world, spanning pages");
	memcpy(data, "HELLO", 5);
	cmd.access_rw.flags = MOCK_ACCESS_RW_WRITE;
	cmd.access_rw.length = 5;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), 0);
	assert_memory_equal(e->buf + PAGE - 10, "HELLO", 5);
	cmd.access_rw.iova = iova + PAGE * 8 - 2;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), -ENOENT);

	/* replace the IOAS: the old one is free again */
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = IOMMU_TEST_OP_ACCESS_REPLACE_IOAS;
	cmd.id = fd;
	cmd.access_replace_ioas.ioas_id = ioas2;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), 0);
	assert_int_equal(destroy(e, ioas2), -EBUSY);

	/* an access without NEEDS_PIN cannot pin; closing it frees the IOAS */
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = IOMMU_TEST_OP_CREATE_ACCESS;
	cmd.id = ioas;
	cmd.create_access.flags = 2;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), -EOPNOTSUPP);
	cmd.create_access.flags = 0;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), 0);
	fd2 = (int)cmd.create_access.out_access_fd;
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = IOMMU_TEST_OP_ACCESS_PAGES;
	cmd.id = fd2;
	cmd.access_pages.iova = iova;
	cmd.access_pages.length = PAGE;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), -EOPNOTSUPP);
	harness_close(&e->h, fd2);
	assert_int_equal(ioas_unmap(e, ioas, 0, UINT64_MAX, NULL), 0);
	assert_int_equal(destroy(e, ioas), 0);

	/* the access keeps the context alive after the iommufd is closed */
	mock_release(e->f);
	e->f = NULL;
	harness_close(&e->h, fd);
}

static void test_temp_memory_limit(void **state)
{
	struct env *e = *state;
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT,
		.memory_limit = { .limit = 11 },
	};

	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), -EINVAL);
	cmd.memory_limit.limit = 16;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), 0);
	cmd.memory_limit.limit = 65536;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), 0);
	/* no page size, no length */
	cmd.op = IOMMU_TEST_OP_DIRTY;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cmd), -EINVAL);
}

static void test_map_file_change_process(void **state)
{
	struct env *e = *state;
	uint32_t ioas = ioas_alloc(e), hwpt;
	int mfd = memfd_create("core-test", 0);
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.fd = mfd,
		.start = 0,
		.length = PAGE * 2,
	};
	struct iommu_ioas_change_process cp = { .size = sizeof(cp) };
	uint8_t *va;
	uint64_t iova = 0;

	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, PAGE * 4), 0);
	va = mmap(NULL, PAGE * 4, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	assert_true(va != MAP_FAILED);
	va[0] = 1;
	assert_int_equal(mock_domain(e, ioas, 0, NULL, &hwpt, NULL), 0);
	assert_int_equal(xioctl(e, IOMMU_IOAS_MAP_FILE, &cmd), 0);
	assert_int_equal(check_refs(e, va, PAGE * 2, 1), 0);
	assert_int_equal(check_refs(e, va + PAGE * 2, PAGE * 2, 0), 0);
	assert_int_equal(check_map(e, hwpt, cmd.iova, va, PAGE * 2), 0);
	/* beyond the file with a domain: EINVAL */
	cmd.length = PAGE * 4 + 1;
	assert_int_equal(xioctl(e, IOMMU_IOAS_MAP_FILE, &cmd), -EINVAL);
	cmd.length = 0;
	assert_int_equal(xioctl(e, IOMMU_IOAS_MAP_FILE, &cmd), -EINVAL);
	cmd.length = PAGE;
	cmd.fd = 9999;
	assert_int_equal(xioctl(e, IOMMU_IOAS_MAP_FILE, &cmd), -EBADF);
	cmd.fd = mfd;
	assert_int_equal(xioctl(e, IOMMU_IOAS_CHANGE_PROCESS, &cp), 0);
	assert_int_equal(ioas_map(e, ioas, e->buf, PAGE, &iova, 0), 0);
	assert_int_equal(xioctl(e, IOMMU_IOAS_CHANGE_PROCESS, &cp), -EINVAL);
	cp.__reserved = 1;
	assert_int_equal(xioctl(e, IOMMU_IOAS_CHANGE_PROCESS, &cp), -EOPNOTSUPP);
	assert_int_equal(ioas_unmap(e, ioas, 0, UINT64_MAX, NULL), 0);
	assert_int_equal(check_refs(e, va, PAGE * 4, 0), 0);
	munmap(va, PAGE * 4);
	close(mfd);
}

/* A child without CAP_IPC_LOCK is held to RLIMIT_MEMLOCK, per user. */
static void test_rlimit_accounting(void **state)
{
	struct env *e = *state;
	pid_t child;
	int status;

	child = fork();
	assert_true(child >= 0);
	if (!child) {
		struct rlimit rl = { PAGE * 4, PAGE * 4 };
		cap_value_t v = CAP_IPC_LOCK;
		uint64_t iova = 0, pinned, locked;
		uint32_t ioas;
		cap_t caps = cap_get_proc();
		int ok = 1;

		cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_CLEAR);
		if (cap_set_proc(caps) || setrlimit(RLIMIT_MEMLOCK, &rl))
			_exit(2);
		cap_free(caps);
		e->h.task.pid = getpid();
		e->h.task.tid = getpid();
		ioas = ioas_alloc(e);
		ok &= mock_domain(e, ioas, 0, NULL, NULL, NULL) == 0;
		ok &= ioas_map(e, ioas, e->buf, PAGE * 8, &iova, 0) == -ENOMEM;
		ok &= check_refs(e, e->buf, PAGE * 8, 0) == 0;
		iova = 0;
		ok &= ioas_map(e, ioas, e->buf, PAGE * 4, &iova, 0) == 0;
		mock_kernel_pinned_vm(e->h.k, getpid(), &pinned, &locked);
		ok &= pinned == 4 && locked == 0;
		iova = 0;
		ok &= ioas_map(e, ioas, e->buf + PAGE * 4, PAGE, &iova, 0) == -ENOMEM;
		ok &= ioas_unmap(e, ioas, 0, UINT64_MAX, NULL) == 0;
		mock_kernel_pinned_vm(e->h.k, getpid(), &pinned, &locked);
		ok &= pinned == 0;
		iova = 0;
		ok &= ioas_map(e, ioas, e->buf + PAGE * 4, PAGE * 4, &iova, 0) == 0;
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The mapping's owner is gone: pinning its pages later fails with EFAULT. */
static void test_fork_gone(void **state)
{
	struct env *e = *state;
	uint32_t ioas = ioas_alloc(e);
	uint8_t *shared = mmap(NULL, PAGE * 2, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	/* built before the fork so the child has the same bytes at the same address */
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = ioas,
		.user_va = (uintptr_t)shared,
		.length = PAGE * 2,
		.iova = MOCK_APERTURE_START,
	};
	struct mock_task child_task = { .uid = getuid() };
	struct mock_call call;
	int pfd[2], status;
	pid_t child;
	char c;

	assert_true(shared != MAP_FAILED);
	assert_int_equal(pipe(pfd), 0);
	child = fork();
	assert_true(child >= 0);
	if (!child) {
		close(pfd[1]);
		(void)!read(pfd[0], &c, 1);
		_exit(0);
	}
	close(pfd[0]);
	child_task.pid = child_task.tid = child;
	/* the child issues the map: its mm owns the pages */
	mock_call_init(&call, &child_task);
	assert_int_equal(mock_ioctl(e->f, IOMMU_IOAS_MAP, (unsigned long)&cmd, &call), 0);
	close(pfd[1]);
	assert_int_equal(waitpid(child, &status, 0), child);
	/* nothing pinned yet; attaching a domain now must pin the dead owner's pages */
	assert_int_equal(mock_domain(e, ioas, 0, NULL, NULL, NULL), -EFAULT);
	assert_int_equal(check_refs(e, shared, PAGE * 2, 0), 0);
	assert_int_equal(ioas_unmap(e, ioas, 0, UINT64_MAX, NULL), 0);
	munmap(shared, PAGE * 2);
}

static void test_scale(void **state)
{
	struct env *e = *state;
	uint32_t ioas = ioas_alloc(e);
	const unsigned int n = 100000;
	uint64_t out, iova;
	unsigned int i;

	for (i = 0; i != n; i++) {
		iova = (uint64_t)(i * 2 + 1) * PAGE;
		assert_int_equal(ioas_map(e, ioas, e->buf, PAGE, &iova, IOMMU_IOAS_MAP_FIXED_IOVA),
				 0);
	}
	iova = 0;
	assert_int_equal(ioas_map(e, ioas, e->buf, PAGE, &iova, 0), 0);
	assert_int_equal(ioas_unmap(e, ioas, iova, PAGE, NULL), 0);
	for (i = 0; i < n; i += 2)
		assert_int_equal(ioas_unmap(e, ioas, (uint64_t)(i * 2 + 1) * PAGE, PAGE, NULL), 0);
	assert_int_equal(ioas_unmap(e, ioas, 0, UINT64_MAX, &out), 0);
	assert_int_equal(out, (uint64_t)(n / 2) * PAGE);
}


/* mock_kernel_free() with live files and objects releases them as closes would. */
static void test_kernel_free_live(void **state)
{
	struct env *e = *state;
	uint32_t ioas = ioas_alloc(e);
	struct iommu_test_cmd acc = {
		.size = sizeof(acc), .op = IOMMU_TEST_OP_CREATE_ACCESS, .id = ioas,
		.create_access = { .flags = MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES },
	};
	uint64_t iova = 0;

	assert_int_equal(mock_domain(e, ioas, 0, NULL, NULL, NULL), 0);
	assert_int_equal(ioas_map(e, ioas, e->buf, PAGE * 2, &iova, 0), 0);
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &acc), 0);
	/* the iommufd goes first: the access keeps the context alive */
	mock_release(e->f);
	e->f = NULL;
	mock_kernel_free(e->h.k);
	e->h.k = NULL;
	memset(e->h.fds, 0, sizeof(e->h.fds));
}

/* Mapping a file pins nothing without a domain: past the end is only caught on pinning. */
static void test_map_file_no_domain(void **state)
{
	struct env *e = *state;
	uint32_t ioas = ioas_alloc(e), stdev;
	int mfd = memfd_create("core-test", 0);
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = ioas,
		.fd = mfd,
		.start = PAGE * 4,
		.length = PAGE,
		.iova = MOCK_APERTURE_START,
	};

	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, PAGE * 4), 0);
	assert_int_equal(xioctl(e, IOMMU_IOAS_MAP_FILE, &cmd), 0);
	/* the domain has to pin it now */
	assert_int_equal(mock_domain(e, ioas, 0, &stdev, NULL, NULL), -EINVAL);
	assert_int_equal(ioas_unmap(e, ioas, 0, UINT64_MAX, NULL), 0);
	assert_int_equal(mock_domain(e, ioas, 0, &stdev, NULL, NULL), 0);
	assert_int_equal(xioctl(e, IOMMU_IOAS_MAP_FILE, &cmd), -EINVAL);
	cmd.flags = 0;
	assert_int_equal(xioctl(e, IOMMU_IOAS_MAP_FILE, &cmd), -EINVAL);
	cmd.flags = 1U << 5;
	assert_int_equal(xioctl(e, IOMMU_IOAS_MAP_FILE, &cmd), -EOPNOTSUPP);
	close(mfd);
}

static long hwpt_alloc(struct env *e, uint32_t idev, uint32_t pt, uint32_t flags,
		       uint32_t data_type, void *data, uint32_t data_len, uint32_t *out)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = idev, .pt_id = pt,
		.data_type = data_type, .data_len = data_len, .data_uptr = (uintptr_t)data,
	};
	long rc = xioctl(e, IOMMU_HWPT_ALLOC, &cmd);

	if (out)
		*out = cmd.out_hwpt_id;
	return rc;
}

static void test_hw_info_cache_replace(void **state)
{
	struct env *e = *state;
	uint32_t ioas = ioas_alloc(e), ioas2 = ioas_alloc(e), stdev, hwpt, idev, idev_nd, hwpt2;
	struct iommu_test_hw_info info;
	uint8_t big[16];
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd), .data_len = sizeof(big), .data_uptr = (uintptr_t)big,
	};
	struct iommu_test_cmd cache = {
		.size = sizeof(cache), .op = IOMMU_TEST_OP_DEV_CHECK_CACHE,
		.check_dev_cache = { .id = 0, .cache = IOMMU_TEST_DEV_CACHE_DEFAULT },
	};
	struct iommu_test_cmd rep = {
		.size = sizeof(rep), .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
	};

	assert_int_equal(mock_domain(e, ioas, 0, &stdev, &hwpt, &idev), 0);
	assert_int_equal(mock_domain(e, ioas, MOCK_FLAGS_DEVICE_NO_DIRTY, NULL, NULL, &idev_nd),
			 0);
	/* GET_HW_INFO: no device, the data and its zero-filled tail, capabilities */
	cmd.dev_id = ioas;
	assert_int_equal(xioctl(e, IOMMU_GET_HW_INFO, &cmd), -ENOENT);
	cmd.dev_id = idev;
	memset(big, 0xaa, sizeof(big));
	assert_int_equal(xioctl(e, IOMMU_GET_HW_INFO, &cmd), 0);
	memcpy(&info, big, sizeof(info));
	assert_int_equal(info.test_reg, IOMMU_HW_INFO_SELFTEST_REGVAL);
	assert_int_equal(big[sizeof(info)], 0);
	assert_int_equal(big[sizeof(big) - 1], 0);
	assert_int_equal(cmd.data_len, sizeof(info));
	assert_int_equal(cmd.out_data_type, IOMMU_HW_INFO_TYPE_SELFTEST);
	assert_true(cmd.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING);
	cmd.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	cmd.in_data_type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	assert_int_equal(xioctl(e, IOMMU_GET_HW_INFO, &cmd), -EOPNOTSUPP);
	cmd.flags = 0;
	cmd.dev_id = idev_nd;
	cmd.data_len = 0;
	assert_int_equal(xioctl(e, IOMMU_GET_HW_INFO, &cmd), 0);
	assert_false(cmd.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING);

	/* DEV_CHECK_CACHE: default slots, bad slot, not a device */
	cache.id = idev;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cache), 0);
	cache.check_dev_cache.id = MOCK_DEV_CACHE_ID_MAX + 1;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cache), -EINVAL);
	cache.id = ioas;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &cache), -ENOENT);

	/* MOCK_DOMAIN_REPLACE: the old auto domain dies with its last device */
	assert_int_equal(hwpt_alloc(e, idev, ioas2, 0, 0, NULL, 0, &hwpt2), 0);
	rep.id = stdev;
	rep.mock_domain_replace.pt_id = hwpt2;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &rep), 0);
	assert_int_equal(destroy(e, hwpt2), -EBUSY);
	rep.mock_domain_replace.pt_id = ioas;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &rep), 0);
	assert_int_equal(rep.mock_domain_replace.pt_id, hwpt);
	assert_int_equal(destroy(e, hwpt2), 0);
	rep.id = idev;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &rep), -ENOENT);
}

static void test_hwpt_dirty(void **state)
{
	struct env *e = *state;
	uint32_t ioas = ioas_alloc(e), idev, idev_nd, hwpt, hwpt_huge, plain;
	struct iommu_hwpt_selftest cfg = { .pagetable_type = MOCK_IOMMUPT_DEFAULT };
	uint64_t iova = MOCK_APERTURE_START, bitmap = 0, marks = 0x5;
	struct iommu_hwpt_set_dirty_tracking sdt = { .size = sizeof(sdt) };
	struct iommu_hwpt_get_dirty_bitmap gdb = {
		.size = sizeof(gdb), .iova = MOCK_APERTURE_START, .length = PAGE * 4,
		.page_size = PAGE, .data = (uintptr_t)&bitmap,
	};
	struct iommu_test_cmd dirty = {
		.size = sizeof(dirty), .op = IOMMU_TEST_OP_DIRTY,
		.dirty = { .iova = MOCK_APERTURE_START, .length = PAGE * 4, .page_size = PAGE,
			   .uptr = (uintptr_t)&marks },
	};

	assert_int_equal(mock_domain(e, ioas, 0, NULL, NULL, &idev), 0);
	assert_int_equal(mock_domain(e, ioas, MOCK_FLAGS_DEVICE_NO_DIRTY, NULL, NULL, &idev_nd),
			 0);
	/* HWPT_ALLOC argument checks */
	assert_int_equal(hwpt_alloc(e, idev, ioas, 1U << 7, 0, NULL, 0, NULL), -EOPNOTSUPP);
	assert_int_equal(hwpt_alloc(e, idev, ioas, 0, 0, &cfg, sizeof(cfg), NULL), -EINVAL);
	assert_int_equal(hwpt_alloc(e, idev, ioas, 0, IOMMU_HWPT_DATA_SELFTEST, NULL, 0, NULL),
			 -EINVAL);
	assert_int_equal(hwpt_alloc(e, idev_nd, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, 0, NULL,
				    0, NULL), -EOPNOTSUPP);
	assert_int_equal(hwpt_alloc(e, ioas, ioas, 0, 0, NULL, 0, NULL), -ENOENT);
	assert_int_equal(hwpt_alloc(e, idev, idev, 0, 0, NULL, 0, NULL), -EINVAL);
	assert_int_equal(hwpt_alloc(e, idev, ioas, IOMMU_HWPT_FAULT_ID_VALID |
				    IOMMU_HWPT_ALLOC_NEST_PARENT, 0, NULL, 0, NULL), -EOPNOTSUPP);
	cfg.pagetable_type = 7;
	assert_int_equal(hwpt_alloc(e, idev, ioas, 0, IOMMU_HWPT_DATA_SELFTEST, &cfg,
				    sizeof(cfg), NULL), -EOPNOTSUPP);
	cfg.pagetable_type = MOCK_IOMMUPT_HUGE;
	assert_int_equal(hwpt_alloc(e, idev, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				    IOMMU_HWPT_DATA_SELFTEST, &cfg, sizeof(cfg), &hwpt_huge), 0);
	assert_int_equal(hwpt_alloc(e, idev, ioas, 0, 0, NULL, 0, &plain), 0);
	assert_int_equal(hwpt_alloc(e, idev, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, 0, NULL, 0,
				    &hwpt), 0);

	assert_int_equal(ioas_map(e, ioas, e->buf, PAGE * 4, &iova, IOMMU_IOAS_MAP_FIXED_IOVA),
			 0);
	/* dirty tracking: not capable, not enabled, then marks reported and cleared */
	sdt.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	sdt.hwpt_id = plain;
	assert_int_equal(xioctl(e, IOMMU_HWPT_SET_DIRTY_TRACKING, &sdt), -EOPNOTSUPP);
	gdb.hwpt_id = plain;
	assert_int_equal(xioctl(e, IOMMU_HWPT_GET_DIRTY_BITMAP, &gdb), -EOPNOTSUPP);
	dirty.id = hwpt;
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &dirty), -EINVAL);
	sdt.hwpt_id = hwpt;
	assert_int_equal(xioctl(e, IOMMU_HWPT_SET_DIRTY_TRACKING, &sdt), 0);
	assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &dirty), 0);
	assert_int_equal(dirty.dirty.out_nr_dirty, 2);
	gdb.hwpt_id = hwpt;
	gdb.flags = IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;
	assert_int_equal(xioctl(e, IOMMU_HWPT_GET_DIRTY_BITMAP, &gdb), 0);
	assert_int_equal(bitmap, 0x5);
	bitmap = 0;
	gdb.flags = 0;
	assert_int_equal(xioctl(e, IOMMU_HWPT_GET_DIRTY_BITMAP, &gdb), 0);
	assert_int_equal(bitmap, 0x5);
	bitmap = 0;
	assert_int_equal(xioctl(e, IOMMU_HWPT_GET_DIRTY_BITMAP, &gdb), 0);
	assert_int_equal(bitmap, 0);
	gdb.page_size = 0;
	assert_int_equal(xioctl(e, IOMMU_HWPT_GET_DIRTY_BITMAP, &gdb), -EINVAL);
	gdb.page_size = PAGE;
	gdb.iova += 1;
	assert_int_equal(xioctl(e, IOMMU_HWPT_GET_DIRTY_BITMAP, &gdb), -EINVAL);
	/* a NO_DIRTY device cannot join a domain with dirty tracking */
	assert_int_equal(mock_domain(e, hwpt, MOCK_FLAGS_DEVICE_NO_DIRTY, NULL, NULL, NULL),
			 -EINVAL);
	assert_int_equal(destroy(e, hwpt_huge), 0);
	assert_int_equal(destroy(e, hwpt), 0);
	assert_int_equal(destroy(e, plain), 0);
}

/*
 * GET_DIRTY_BITMAP over 16384 PTEs with dirty patterns that make many runs of
 * set bits (8192: more than the 4096 the core's window keeps as a list, so it
 * switches to its bitmap in the middle of the read), a few unaligned runs, the
 * two end PTEs, and every PTE: each read ORs exactly the dirty PTEs into the
 * user's own bits (guard words around untouched), and clears them.
 */
static void test_hwpt_dirty_runs(void **state)
{
	enum { NPTE = 16384, WORDS = NPTE / 64 };
	struct env *e = *state;
	uint32_t ioas = ioas_alloc(e), idev, hwpt;
	uint64_t iova = MOCK_APERTURE_START, marks[WORDS], bm[WORDS + 2], want[WORDS + 2];
	size_t len = (size_t)NPTE * PAGE;
	void *va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iommu_hwpt_set_dirty_tracking sdt = {
		.size = sizeof(sdt), .flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};
	struct iommu_hwpt_get_dirty_bitmap gdb = {
		.size = sizeof(gdb), .iova = MOCK_APERTURE_START, .length = len,
		.page_size = PAGE, .data = (uintptr_t)(bm + 1),
	};
	struct iommu_test_cmd dirty = {
		.size = sizeof(dirty), .op = IOMMU_TEST_OP_DIRTY,
		.dirty = { .iova = MOCK_APERTURE_START, .length = len, .page_size = PAGE,
			   .uptr = (uintptr_t)marks },
	};

	assert_ptr_not_equal(va, MAP_FAILED);
	assert_int_equal(mock_domain(e, ioas, 0, NULL, NULL, &idev), 0);
	assert_int_equal(hwpt_alloc(e, idev, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, 0, NULL, 0,
				    &hwpt), 0);
	assert_int_equal(ioas_map(e, ioas, va, len, &iova, IOMMU_IOAS_MAP_FIXED_IOVA), 0);
	sdt.hwpt_id = hwpt;
	assert_int_equal(xioctl(e, IOMMU_HWPT_SET_DIRTY_TRACKING, &sdt), 0);
	dirty.id = hwpt;
	gdb.hwpt_id = hwpt;
	for (int pass = 0; pass < 4; pass++) {
		memset(marks, 0, sizeof(marks));
		for (unsigned int i = 0; i < NPTE; i++) {
			bool on = pass == 0 ? !(i % 2) :
				  pass == 1 ? (i + 5) % 37 < 3 :
				  pass == 2 ? i == 0 || i == NPTE - 1 : true;

			if (on)
				marks[i / 64] |= 1ULL << (i % 64);
		}
		assert_int_equal(xioctl(e, IOMMU_TEST_CMD, &dirty), 0);
		/* the user's own bits, some inside the dirty runs, some between */
		for (unsigned int w = 0; w < WORDS + 2; w++) {
			bm[w] = 0x0123456789abcdefULL ^ (w * 0x9e3779b97f4a7c15ULL);
			want[w] = bm[w] | (w && w <= WORDS ? marks[w - 1] : 0);
		}
		assert_int_equal(xioctl(e, IOMMU_HWPT_GET_DIRTY_BITMAP, &gdb), 0);
		assert_memory_equal(bm, want, sizeof(bm));
		/* cleared: a second read sets nothing */
		assert_int_equal(xioctl(e, IOMMU_HWPT_GET_DIRTY_BITMAP, &gdb), 0);
		assert_memory_equal(bm, want, sizeof(bm));
	}
	assert_int_equal(destroy(e, hwpt), 0);
	munmap(va, len);
}

static long vfio(struct env *e, unsigned int cmd, unsigned long arg)
{
	return harness_fioctl(&e->h, e->f, cmd, arg);
}

/*
 * A type1 v1 unmap inside a map splits the area: the domain's IO page table
 * keeps the halves that stay mapped (MD_CHECK_MAP reads the domain's table)
 * and loses the one unmapped.
 */
static void test_vfio_compat_split_domain(void **state)
{
	struct env *e = *state;
	uint32_t ioas = ioas_alloc(e), hwpt = 0;
	const uint64_t iova = MOCK_APERTURE_START;
	struct iommu_vfio_ioas vi = { .size = sizeof(vi), .op = IOMMU_VFIO_IOAS_SET, .ioas_id = ioas };
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map), .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)e->buf, .iova = iova, .size = PAGE * 4,
	};
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap), .iova = iova + PAGE, .size = PAGE,
	};
	uint8_t *buf = e->buf;

	assert_int_equal(xioctl(e, IOMMU_VFIO_IOAS, &vi), 0);
	assert_int_equal(vfio(e, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), 0);
	assert_int_equal(mock_domain(e, ioas, 0, NULL, &hwpt, NULL), 0);
	assert_int_equal(vfio(e, VFIO_IOMMU_MAP_DMA, (uintptr_t)&map), 0);
	assert_int_equal(check_map(e, hwpt, iova, buf, PAGE * 4), 0);
	assert_int_equal(vfio(e, VFIO_IOMMU_UNMAP_DMA, (uintptr_t)&unmap), 0);
	assert_int_equal(unmap.size, PAGE);
	assert_int_equal(check_map(e, hwpt, iova, buf, PAGE), 0);
	assert_int_equal(check_map(e, hwpt, iova + PAGE, buf + PAGE, PAGE), -EINVAL);
	assert_int_equal(check_map(e, hwpt, iova + 2 * PAGE, buf + 2 * PAGE, PAGE * 2), 0);
	/* and a second cut of the right half */
	unmap.iova = iova + 3 * PAGE;
	assert_int_equal(vfio(e, VFIO_IOMMU_UNMAP_DMA, (uintptr_t)&unmap), 0);
	assert_int_equal(check_map(e, hwpt, iova + 2 * PAGE, buf + 2 * PAGE, PAGE), 0);
	assert_int_equal(check_map(e, hwpt, iova + 3 * PAGE, buf + 3 * PAGE, PAGE), -EINVAL);
	assert_int_equal(check_map(e, hwpt, iova, buf, PAGE), 0);
}

static void test_vfio_compat(void **state)
{
	struct env *e = *state;
	uint32_t ioas = ioas_alloc(e);
	struct iommu_vfio_ioas vi = { .size = sizeof(vi), .op = IOMMU_VFIO_IOAS_GET };
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map), .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)e->buf, .iova = 1UL << 20, .size = PAGE * 4,
	};
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap), .iova = (1UL << 20) + PAGE, .size = PAGE,
	};
	union {
		struct vfio_iommu_type1_info info;
		uint8_t raw[256];
	} u;
	struct iommu_option opt = {
		.size = sizeof(opt), .option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_GET, .object_id = ioas,
	};
	struct vfio_iommu_type1_info_dma_avail avail;
	unsigned int argsz;

	assert_int_equal(vfio(e, VFIO_GET_API_VERSION, 0), VFIO_API_VERSION);
	assert_int_equal(vfio(e, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU), 1);
	assert_int_equal(vfio(e, VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR), 0);
	assert_int_equal(vfio(e, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), -ENODEV);
	assert_int_equal(vfio(e, VFIO_IOMMU_MAP_DMA, (uintptr_t)&map), -ENODEV);
	assert_int_equal(vfio(e, _IO(VFIO_TYPE, VFIO_BASE + 20), 0), -ENOTTY);
	assert_int_equal(xioctl(e, IOMMU_VFIO_IOAS, &vi), -ENODEV);
	vi.op = IOMMU_VFIO_IOAS_SET;
	vi.ioas_id = ioas + 100;
	assert_int_equal(xioctl(e, IOMMU_VFIO_IOAS, &vi), -ENOENT);
	vi.ioas_id = ioas;
	assert_int_equal(xioctl(e, IOMMU_VFIO_IOAS, &vi), 0);
	vi.op = IOMMU_VFIO_IOAS_GET;
	vi.ioas_id = 0;
	assert_int_equal(xioctl(e, IOMMU_VFIO_IOAS, &vi), 0);
	assert_int_equal(vi.ioas_id, ioas);

	/* type1 v1: large pages off, unmapping inside a map splits it */
	assert_int_equal(vfio(e, VFIO_SET_IOMMU, 42), -EINVAL);
	assert_int_equal(vfio(e, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), 0);
	assert_int_equal(xioctl(e, IOMMU_OPTION, &opt), 0);
	assert_int_equal(opt.val64, 0);
	map.flags |= 1U << 5;
	assert_int_equal(vfio(e, VFIO_IOMMU_MAP_DMA, (uintptr_t)&map), -EINVAL);
	map.flags &= ~(1U << 5);
	assert_int_equal(vfio(e, VFIO_IOMMU_MAP_DMA, (uintptr_t)&map), 0);
	assert_int_equal(vfio(e, VFIO_IOMMU_UNMAP_DMA, (uintptr_t)&unmap), 0);
	assert_int_equal(unmap.size, PAGE);
	unmap.flags = VFIO_DMA_UNMAP_FLAG_ALL;
	assert_int_equal(vfio(e, VFIO_IOMMU_UNMAP_DMA, (uintptr_t)&unmap), -EINVAL);
	unmap.iova = 0;
	unmap.size = 0;
	assert_int_equal(vfio(e, VFIO_IOMMU_UNMAP_DMA, (uintptr_t)&unmap), 0);
	assert_int_equal(unmap.size, PAGE * 3);

	/* GET_INFO: too small reports the size needed and writes nothing past argsz */
	memset(&u, 0xaa, sizeof(u));
	u.info.argsz = sizeof(u.info);
	assert_int_equal(vfio(e, VFIO_IOMMU_GET_INFO, (uintptr_t)&u), 0);
	argsz = u.info.argsz;
	assert_true(argsz > sizeof(u.info) && argsz <= sizeof(u));
	assert_int_equal(u.info.cap_offset, 0);
	assert_int_equal(u.raw[sizeof(u.info)], 0xaa);
	assert_true(u.info.flags & VFIO_IOMMU_INFO_CAPS);
	assert_int_equal(u.info.iova_pgsizes, PAGE_MASK_U64);
	memset(&u, 0xaa, sizeof(u));
	u.info.argsz = argsz;
	assert_int_equal(vfio(e, VFIO_IOMMU_GET_INFO, (uintptr_t)&u), 0);
	assert_int_equal(u.info.cap_offset, sizeof(u.info));
	memcpy(&avail, u.raw + sizeof(u.info), sizeof(avail));
	assert_int_equal(avail.header.id, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	assert_int_equal(avail.header.next, sizeof(u.info) + 16);
	assert_int_equal(u.raw[argsz], 0xaa);
	u.info.argsz = 8;
	assert_int_equal(vfio(e, VFIO_IOMMU_GET_INFO, (uintptr_t)&u), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_generic_contract, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_map_unmap, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_iova_ranges_allow_reserved, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(test_option, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_copy, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_mock_domain, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_access, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_temp_memory_limit, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_map_file_change_process, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(test_rlimit_accounting, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_fork_gone, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_scale, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_kernel_free_live, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_map_file_no_domain, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(test_hw_info_cache_replace, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(test_hwpt_dirty, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_hwpt_dirty_runs, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_vfio_compat, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_vfio_compat_split_domain, env_setup,
						env_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
