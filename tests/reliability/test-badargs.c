// SPDX-License-Identifier: MIT
/*
 * test-badargs.c - every public function of libiommufd (the headers of include/iommufd/)
 * called with each class of bad argument that applies to it: NULL handles
 * and NULL out/in pointers, zero lengths, ranges that wrap around, handles
 * of two different contexts in one call, and the destroy patterns the API
 * allows (an object destroyed by id behind its handle, a destroy repeated on
 * a handle a failed destroy kept, a queue removed twice). Each row of the
 * tables names the exact negative errno the call must return (and leave in
 * errno), or, for the getters that cannot return one, the neutral value.
 * A crash fails the whole program, so a row that crashes is found at once.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "iommufd-uapi.h"
#include "iommufd_test.h"
#include "rel.h"

#define PAGE 4096UL
#define WRAP (UINT64_MAX - PAGE + 1) /* a page-aligned start whose next page wraps */

/* One context's worth of live handles, built by the group setup. */
struct side {
	struct iommufd_ctx *ctx;
	struct iommufd_ioas *ioas;
	struct iommufd_device *dev;
	struct iommufd_hwpt *hwpt; /* nesting parent */
	struct iommufd_viommu *viommu;
	struct iommufd_veventq *veventq;
	struct iommufd_fault *fault;
};

static struct side A, B;
static struct iommufd_event_loop *loop;
static uint8_t *buf;
static unsigned int rows, bad_rows;

/* A row: @call must return -@err and leave @err in errno. */
#define ERR(err, call)                                                                      \
	do {                                                                                \
		long r_;                                                                    \
		errno = 0;                                                                  \
		r_ = (long)(call);                                                          \
		rows++;                                                                     \
		if (r_ != -(err) || errno != (err)) {                                       \
			bad_rows++;                                                         \
			print_error("%s:%d: %s: returned %ld, errno %d; expected -%s\n",    \
				    __FILE__, __LINE__, #call, r_, errno, #err);            \
		}                                                                           \
	} while (0)

/* A row for a call that cannot return an errno: it must give @val and not crash. */
#define VAL(val, call)                                                                      \
	do {                                                                                \
		rows++;                                                                     \
		if ((call) != (val)) {                                                      \
			bad_rows++;                                                         \
			print_error("%s:%d: %s: expected %s\n", __FILE__, __LINE__, #call,  \
				    #val);                                                  \
		}                                                                           \
	} while (0)

/* A call that returns nothing: it must just return. */
#define VOID(call)                                                                          \
	do {                                                                                \
		rows++;                                                                     \
		call;                                                                       \
	} while (0)

static int on_range(uint64_t iova, uint64_t length, void *p)
{
	(void)iova;
	(void)length;
	(void)p;
	return 0;
}

static int side_setup(struct side *s)
{
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, nest, .flags = IOMMUFD_HWPT_ALLOC_NEST_PARENT);
	uint32_t idev = 0;
	int ret;

	ret = iommufd_ctx_open(NULL, &s->ctx);
	if (!ret)
		ret = iommufd_ioas_create(s->ctx, &s->ioas);
	if (!ret)
		ret = mock_domain(s->ctx, iommufd_ioas_get_id(s->ioas), NULL, NULL, &idev);
	if (!ret)
		ret = iommufd_device_adopt(s->ctx, idev, &s->dev);
	if (!ret)
		ret = iommufd_hwpt_alloc_paging(s->dev, s->ioas, &nest, &s->hwpt);
	if (!ret)
		ret = iommufd_viommu_alloc(s->dev, IOMMUFD_VIOMMU_TYPE_SELFTEST, s->hwpt, NULL,
					   &s->viommu);
	if (!ret)
		ret = iommufd_veventq_alloc(s->viommu, IOMMUFD_VEVENTQ_TYPE_SELFTEST, 4, NULL,
					    &s->veventq);
	if (!ret)
		ret = iommufd_fault_alloc(s->ctx, NULL, &s->fault);
	if (ret)
		print_error("setup: %s\n", iommufd_strerror(ret));
	return ret;
}

static int setup(void **state)
{
	(void)state;
	buf = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || side_setup(&A) || side_setup(&B) ||
	    iommufd_event_loop_create(NULL, &loop))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	iommufd_event_loop_destroy(loop);
	iommufd_ctx_close(A.ctx);
	iommufd_ctx_close(B.ctx);
	munmap(buf, 16 * PAGE);
	printf("reliability-badargs: %u rows, %u wrong\n", rows, bad_rows);
	return 0;
}

static void check_rows(unsigned int before_bad)
{
	if (bad_rows != before_bad)
		fail_msg("%u rows gave the wrong answer (see above)", bad_rows - before_bad);
}

static void test_misc_ctx(void **state)
{
	IOMMUFD_OPTS(iommufd_ctx_opts, small, .path = "/dev/iommu");
	IOMMUFD_OPTS(iommufd_ctx_opts, borrow_bad, .flags = IOMMUFD_CTX_BORROW_FD, .fd = -1);
	enum iommufd_rlimit_mode mode;
	struct iommufd_ctx *ctx;
	unsigned int bad = bad_rows;

	(void)state;
	small.sz = 1;
	VAL(0, strcmp(iommufd_strerror(-EINVAL), iommufd_strerror(EINVAL)) == 0 ? 0 : 1);
	VAL(1, iommufd_strerror(INT32_MIN) != NULL);
	VAL(1, iommufd_version() != NULL);
	ERR(EINVAL, iommufd_ctx_open(NULL, NULL));
	ERR(EINVAL, iommufd_ctx_open(&small, &ctx));
	ERR(EBADF, iommufd_ctx_open(&borrow_bad, &ctx));
	VOID(iommufd_ctx_close(NULL));
	ERR(EINVAL, iommufd_ctx_get_fd(NULL));
	VAL(false, iommufd_ctx_has_cmd(NULL, IOMMUFD_IOCTL_IOAS_ALLOC));
	VAL(false, iommufd_ctx_has_feature(NULL, IOMMUFD_FEATURE_SELFTEST));
	VAL(false, iommufd_ctx_has_cmd(A.ctx, (enum iommufd_cmd)0x7fffffff));
	ERR(EINVAL, iommufd_ctx_destroy_id(NULL, 1));
	ERR(EINVAL, iommufd_ctx_destroy_id(A.ctx, 0));
	ERR(ENOENT, iommufd_ctx_destroy_id(A.ctx, UINT32_MAX));
	ERR(EINVAL, iommufd_ctx_get_rlimit_mode(NULL, &mode));
	ERR(EINVAL, iommufd_ctx_get_rlimit_mode(A.ctx, NULL));
	ERR(EINVAL, iommufd_ctx_set_rlimit_mode(NULL, IOMMUFD_RLIMIT_MODE_USER));
	ERR(EINVAL, iommufd_ctx_set_rlimit_mode(A.ctx, (enum iommufd_rlimit_mode)7));
	ERR(EINVAL, iommufd_ctx_change_process(NULL));
	check_rows(bad);
}

static void test_ioas(void **state)
{
	IOMMUFD_OPTS(iommufd_ioas_map_opts, fixed, .flags = IOMMUFD_MAP_FIXED_IOVA);
	struct iommufd_iova_range range = { .start = 0, .last = PAGE - 1 }, *ranges = NULL;
	struct iommufd_ioas *ioas;
	uint64_t iova = 0, align, unmapped;
	uint32_t num = 1;
	bool on;
	unsigned int bad = bad_rows;

	(void)state;
	ERR(EINVAL, iommufd_ioas_create(NULL, &ioas));
	ERR(EINVAL, iommufd_ioas_create(A.ctx, NULL));
	ERR(EINVAL, iommufd_ioas_adopt(NULL, 1, &ioas));
	ERR(EINVAL, iommufd_ioas_adopt(A.ctx, 0, &ioas));
	ERR(EINVAL, iommufd_ioas_adopt(A.ctx, iommufd_ioas_get_id(A.ioas), NULL));
	ERR(EINVAL, iommufd_ioas_destroy(NULL));
	VOID(iommufd_ioas_free(NULL));
	VAL(0, iommufd_ioas_get_id(NULL));
	VAL(NULL, iommufd_ioas_get_ctx(NULL));

	ERR(EINVAL, iommufd_ioas_map(NULL, buf, PAGE, &iova, NULL));
	ERR(EINVAL, iommufd_ioas_map(A.ioas, buf, PAGE, NULL, NULL));
	ERR(EINVAL, iommufd_ioas_map(A.ioas, buf, 0, &iova, NULL));
	ERR(EOVERFLOW, iommufd_ioas_map(A.ioas, buf, UINT64_MAX, &iova, NULL));
	iova = WRAP;
	ERR(EOVERFLOW, iommufd_ioas_map(A.ioas, buf, 2 * PAGE, &iova, &fixed));
	ERR(EINVAL, iommufd_ioas_map_file(NULL, 0, 0, PAGE, &iova, NULL));
	ERR(EINVAL, iommufd_ioas_map_file(A.ioas, 0, 0, 0, &iova, NULL));
	ERR(EINVAL, iommufd_ioas_map_file(A.ioas, 0, 0, PAGE, NULL, NULL));
	ERR(EBADF, iommufd_ioas_map_file(A.ioas, -1, 0, PAGE, &iova, NULL));
	ERR(EOVERFLOW, iommufd_ioas_map_file(A.ioas, 0, WRAP, 2 * PAGE, &iova, NULL));

	ERR(EINVAL, iommufd_ioas_copy(NULL, A.ioas, 0, PAGE, &iova, NULL));
	ERR(EINVAL, iommufd_ioas_copy(A.ioas, NULL, 0, PAGE, &iova, NULL));
	ERR(EINVAL, iommufd_ioas_copy(A.ioas, B.ioas, 0, PAGE, &iova, NULL));
	ERR(EINVAL, iommufd_ioas_copy(A.ioas, A.ioas, 0, 0, &iova, NULL));
	ERR(EINVAL, iommufd_ioas_copy(A.ioas, A.ioas, 0, PAGE, NULL, NULL));
	ERR(EOVERFLOW, iommufd_ioas_copy(A.ioas, A.ioas, WRAP, 2 * PAGE, &iova, NULL));

	ERR(EINVAL, iommufd_ioas_unmap(NULL, 0, PAGE, &unmapped));
	ERR(EINVAL, iommufd_ioas_unmap(A.ioas, 0, 0, &unmapped));
	ERR(EOVERFLOW, iommufd_ioas_unmap(A.ioas, WRAP, 2 * PAGE, &unmapped));
	ERR(ENOENT, iommufd_ioas_unmap(A.ioas, 1UL << 30, PAGE, &unmapped));
	ERR(EINVAL, iommufd_ioas_unmap_all(NULL, &unmapped));

	ERR(EINVAL, iommufd_ioas_get_iova_ranges(NULL, &range, &num, &align));
	ERR(EINVAL, iommufd_ioas_get_iova_ranges(A.ioas, &range, NULL, &align));
	num = 1;
	ERR(EINVAL, iommufd_ioas_get_iova_ranges(A.ioas, NULL, &num, &align));
	ERR(EINVAL, iommufd_ioas_get_iova_ranges_alloc(NULL, &ranges, &num, &align));
	ERR(EINVAL, iommufd_ioas_get_iova_ranges_alloc(A.ioas, NULL, &num, &align));
	ERR(EINVAL, iommufd_ioas_get_iova_ranges_alloc(A.ioas, &ranges, NULL, &align));
	ERR(EINVAL, iommufd_ioas_allow_iovas(NULL, &range, 1));
	ERR(EINVAL, iommufd_ioas_allow_iovas(A.ioas, NULL, 1));
	range = (struct iommufd_iova_range){ .start = PAGE, .last = 0 };
	ERR(EINVAL, iommufd_ioas_allow_iovas(A.ioas, &range, 1));
	ERR(EINVAL, iommufd_ioas_get_huge_pages(NULL, &on));
	ERR(EINVAL, iommufd_ioas_get_huge_pages(A.ioas, NULL));
	ERR(EINVAL, iommufd_ioas_set_huge_pages(NULL, true));
	check_rows(bad);
}

static void test_device(void **state)
{
	struct iommufd_device *dev;
	struct iommufd_hw_info info;
	struct iommufd_device_info dinfo;
	struct iommufd_region_info rinfo;
	struct iommufd_irq_info irq;
	int32_t efd = -1, bad_fd = -2;
	uint8_t cfg[PAGE];
	uint64_t maplen;
	void *map;
	struct iommufd_hw_info_vtd vtd;
	struct iommufd_hw_info_arm_smmuv3 smmu;
	struct iommufd_hw_info_tegra241_cmdqv cmdqv;
	struct iommufd_hw_info_amd amd;
	uint8_t data[64] = { 0 };
	uint32_t id;
	unsigned int bad = bad_rows;

	(void)state;
	memset(&info, 0, sizeof(info));
	ERR(EINVAL, iommufd_device_bind(NULL, 0, NULL, &dev));
	ERR(EINVAL, iommufd_device_bind(A.ctx, 0, NULL, NULL));
	ERR(EBADF, iommufd_device_bind(A.ctx, -1, NULL, &dev));
	ERR(EINVAL, iommufd_device_bind_path(NULL, "/dev/vfio/devices/vfio0", NULL, &dev));
	ERR(EINVAL, iommufd_device_bind_path(A.ctx, NULL, NULL, &dev));
	ERR(EINVAL, iommufd_device_bind_path(A.ctx, "/dev/vfio/devices/vfio0", NULL, NULL));
	ERR(ENOENT, iommufd_device_bind_path(A.ctx, "/nonexistent/vfio9", NULL, &dev));
	ERR(EINVAL, iommufd_device_adopt(NULL, 1, &dev));
	ERR(EINVAL, iommufd_device_adopt(A.ctx, 0, &dev));
	ERR(EINVAL, iommufd_device_adopt(A.ctx, 1, NULL));
	VOID(iommufd_device_unbind(NULL));
	VAL(0, iommufd_device_get_id(NULL));
	VAL(NULL, iommufd_device_get_ctx(NULL));
	ERR(EINVAL, iommufd_device_get_fd(NULL));
	ERR(EOPNOTSUPP, iommufd_device_get_fd(A.dev)); /* adopted by id: no fd */

	ERR(EINVAL, iommufd_device_attach(NULL, NULL, &id));
	ERR(EINVAL, iommufd_device_replace(NULL, NULL, &id));
	ERR(EINVAL, iommufd_device_replace(A.dev, iommufd_hwpt_as_pt(B.hwpt), &id));
	ERR(EINVAL, iommufd_device_detach(NULL));
	ERR(EINVAL, iommufd_device_attach(NULL, iommufd_ioas_as_pt(A.ioas), &id));
	ERR(EINVAL, iommufd_device_attach(A.dev, iommufd_ioas_as_pt(NULL), &id));
	ERR(EINVAL, iommufd_device_attach(A.dev, iommufd_ioas_as_pt(B.ioas), &id));
	ERR(EINVAL, iommufd_device_attach_pasid(NULL, 1, iommufd_ioas_as_pt(A.ioas), &id));
	ERR(EINVAL, iommufd_device_attach_pasid(A.dev, 1, NULL, &id));
	ERR(EINVAL, iommufd_device_replace_pasid(NULL, 1, iommufd_ioas_as_pt(A.ioas), &id));
	ERR(EINVAL, iommufd_device_replace_pasid(A.dev, 1, iommufd_ioas_as_pt(B.ioas), &id));
	ERR(EINVAL, iommufd_device_detach_pasid(NULL, 1));

	ERR(EINVAL, iommufd_device_get_hw_info(NULL, NULL, &info, data, sizeof(data)));
	ERR(EINVAL, iommufd_device_get_hw_info(A.dev, NULL, NULL, data, sizeof(data)));
	ERR(EINVAL, iommufd_device_get_hw_info(A.dev, NULL, &info, NULL, sizeof(data)));
	ERR(EINVAL, iommufd_hw_info_decode_vtd(NULL, data, sizeof(data), &vtd));
	ERR(EINVAL, iommufd_hw_info_decode_vtd(&info, NULL, sizeof(data), &vtd));
	ERR(EINVAL, iommufd_hw_info_decode_vtd(&info, data, sizeof(data), NULL));
	ERR(EINVAL, iommufd_hw_info_decode_arm_smmuv3(NULL, data, sizeof(data), &smmu));
	ERR(EINVAL, iommufd_hw_info_decode_arm_smmuv3(&info, data, sizeof(data), NULL));
	ERR(EINVAL, iommufd_hw_info_decode_tegra241_cmdqv(NULL, data, sizeof(data), &cmdqv));
	ERR(EINVAL, iommufd_hw_info_decode_tegra241_cmdqv(&info, data, sizeof(data), NULL));
	ERR(EINVAL, iommufd_hw_info_decode_amd(NULL, data, sizeof(data), &amd));
	ERR(EINVAL, iommufd_hw_info_decode_amd(&info, data, sizeof(data), NULL));
	ERR(EINVAL, iommufd_device_get_info(NULL, &dinfo));
	ERR(EINVAL, iommufd_device_get_info(A.dev, NULL));
	ERR(EINVAL, iommufd_device_get_region_info(NULL, 0, &rinfo));
	ERR(EINVAL, iommufd_device_get_region_info(A.dev, 0, NULL));
	ERR(EINVAL, iommufd_device_reset(NULL));
	/* the VFIO helpers (lib/vfio.c): A.dev is adopted by id, so no VFIO fd */
	ERR(EINVAL, iommufd_device_get_irq_info(NULL, 0, &irq));
	ERR(EINVAL, iommufd_device_get_irq_info(A.dev, 0, NULL));
	ERR(EOPNOTSUPP, iommufd_device_get_irq_info(A.dev, 0, &irq));
	ERR(EINVAL, iommufd_device_set_irq_eventfds(NULL, 0, 0, 1, &efd));
	ERR(EINVAL, iommufd_device_set_irq_eventfds(A.dev, 0, 0, 1, NULL));
	ERR(EINVAL, iommufd_device_set_irq_eventfds(A.dev, 0, 0, 1, &bad_fd));
	ERR(EOPNOTSUPP, iommufd_device_set_irq_eventfds(A.dev, 0, 0, 1, &efd));
	ERR(EINVAL, iommufd_device_disable_irq(NULL, 0));
	ERR(EOPNOTSUPP, iommufd_device_disable_irq(A.dev, 0));
	ERR(EINVAL, iommufd_device_mask_irq(NULL, 0, 0, 1));
	ERR(EINVAL, iommufd_device_mask_irq(A.dev, 0, 0, 0));
	ERR(EINVAL, iommufd_device_unmask_irq(NULL, 0, 0, 1));
	ERR(EINVAL, iommufd_device_unmask_irq(A.dev, 0, 0, 0));
	ERR(EINVAL, iommufd_device_set_irq_unmask_eventfd(NULL, 0, 0, -1));
	ERR(EINVAL, iommufd_device_set_irq_unmask_eventfd(A.dev, 0, 0, -2));
	ERR(EINVAL, iommufd_device_read_config(NULL, 0, cfg, 1));
	ERR(EINVAL, iommufd_device_read_config(A.dev, 0, NULL, 1));
	ERR(EOPNOTSUPP, iommufd_device_read_config(A.dev, 0, cfg, 1));
	ERR(EINVAL, iommufd_device_write_config(NULL, 0, cfg, 1));
	ERR(EINVAL, iommufd_device_write_config(A.dev, 0, NULL, 1));
	ERR(EINVAL, iommufd_device_set_bus_master(NULL, true));
	ERR(EOPNOTSUPP, iommufd_device_set_bus_master(A.dev, true));
	ERR(EINVAL, iommufd_device_mmap_region(NULL, 0, PROT_READ, &map, &maplen));
	ERR(EINVAL, iommufd_device_mmap_region(A.dev, 0, PROT_READ, NULL, &maplen));
	ERR(EINVAL, iommufd_device_mmap_region(A.dev, 0, PROT_READ, &map, NULL));
	ERR(EINVAL, iommufd_device_mmap_region(A.dev, 0, PROT_EXEC, &map, &maplen));
	ERR(EOPNOTSUPP, iommufd_device_mmap_region(A.dev, 0, PROT_READ, &map, &maplen));
	ERR(EINVAL, iommufd_device_munmap_region(NULL, cfg, PAGE));
	ERR(EINVAL, iommufd_device_munmap_region(A.dev, NULL, PAGE));
	ERR(EINVAL, iommufd_device_munmap_region(A.dev, cfg, 0));
	ERR(EINVAL, iommufd_device_munmap_region(A.dev, cfg, PAGE));
	check_rows(bad);
}

static void test_hwpt(void **state)
{
	struct iommufd_hwpt_vtd_s1 s1 = { 0 };
	struct iommufd_hwpt_arm_smmuv3 ste = { 0 };
	struct iommufd_hwpt_amd_guest dte = { 0 };
	struct iommufd_hwpt *hwpt;
	uint64_t bitmap[2];
	struct iommufd_pt *pt = iommufd_hwpt_as_pt(A.hwpt);
	uint32_t num = 1;
	unsigned int bad = bad_rows;

	(void)state;
	ERR(EINVAL, iommufd_hwpt_alloc(NULL, pt, NULL, &hwpt));
	ERR(EINVAL, iommufd_hwpt_alloc(A.dev, pt, NULL, NULL));
	ERR(EINVAL, iommufd_hwpt_alloc(A.dev, NULL, NULL, &hwpt));
	ERR(EINVAL, iommufd_hwpt_alloc(A.dev, iommufd_ioas_as_pt(B.ioas), NULL, &hwpt));
	ERR(EINVAL, iommufd_hwpt_alloc_paging(NULL, A.ioas, NULL, &hwpt));
	ERR(EINVAL, iommufd_hwpt_alloc_paging(A.dev, NULL, NULL, &hwpt));
	ERR(EINVAL, iommufd_hwpt_alloc_paging(A.dev, A.ioas, NULL, NULL));
	ERR(EINVAL, iommufd_hwpt_alloc_paging(A.dev, B.ioas, NULL, &hwpt));
	ERR(EINVAL, iommufd_hwpt_alloc_nested(NULL, pt, NULL, &hwpt));
	ERR(EINVAL, iommufd_hwpt_alloc_nested(A.dev, NULL, NULL, &hwpt));
	ERR(EINVAL, iommufd_hwpt_alloc_nested(A.dev, iommufd_hwpt_as_pt(B.hwpt), NULL, &hwpt));
	ERR(EINVAL, iommufd_hwpt_alloc_nested_vtd_s1(NULL, pt, &s1, NULL, &hwpt));
	ERR(EINVAL, iommufd_hwpt_alloc_nested_vtd_s1(A.dev, pt, NULL, NULL, &hwpt));
	ERR(EINVAL, iommufd_hwpt_alloc_nested_arm_smmuv3(NULL, pt, &ste, NULL, &hwpt));
	ERR(EINVAL, iommufd_hwpt_alloc_nested_arm_smmuv3(A.dev, pt, NULL, NULL, &hwpt));
	ERR(EINVAL, iommufd_hwpt_alloc_nested_amd_guest(NULL, pt, &dte, NULL, &hwpt));
	ERR(EINVAL, iommufd_hwpt_alloc_nested_amd_guest(A.dev, pt, NULL, NULL, &hwpt));
	ERR(EINVAL, iommufd_hwpt_adopt(NULL, 1, &hwpt));
	ERR(EINVAL, iommufd_hwpt_adopt(A.ctx, 0, &hwpt));
	ERR(EINVAL, iommufd_hwpt_adopt(A.ctx, iommufd_hwpt_get_id(A.hwpt), NULL));
	ERR(EINVAL, iommufd_hwpt_destroy(NULL));
	VOID(iommufd_hwpt_free(NULL));
	VAL(0, iommufd_hwpt_get_id(NULL));
	VAL(NULL, iommufd_hwpt_get_ctx(NULL));
	ERR(EINVAL, iommufd_hwpt_invalidate(NULL, 0, bitmap, 8, &num));
	ERR(EINVAL, iommufd_hwpt_invalidate(A.hwpt, 0, bitmap, 8, NULL));
	num = 1;
	ERR(EINVAL, iommufd_hwpt_invalidate(A.hwpt, 0, NULL, 8, &num));
	ERR(EINVAL, iommufd_hwpt_set_dirty_tracking(NULL, true));
	ERR(EINVAL, iommufd_hwpt_get_dirty_bitmap(NULL, 0, PAGE, PAGE, bitmap, 0));
	ERR(EINVAL, iommufd_hwpt_get_dirty_bitmap(A.hwpt, 0, 0, PAGE, bitmap, 0));
	ERR(EINVAL, iommufd_hwpt_get_dirty_bitmap(A.hwpt, 0, PAGE, 0, bitmap, 0));
	ERR(EINVAL, iommufd_hwpt_get_dirty_bitmap(A.hwpt, 0, PAGE, PAGE, NULL, 0));
	ERR(EOVERFLOW, iommufd_hwpt_get_dirty_bitmap(A.hwpt, WRAP, 2 * PAGE, PAGE, bitmap, 0));
	ERR(EINVAL, iommufd_hwpt_walk_dirty(NULL, 0, PAGE, PAGE, NULL, on_range, NULL));
	ERR(EINVAL, iommufd_hwpt_walk_dirty(A.hwpt, 0, PAGE, PAGE, NULL, NULL, NULL));
	ERR(EINVAL, iommufd_hwpt_walk_dirty(A.hwpt, 0, 0, PAGE, NULL, on_range, NULL));
	ERR(EINVAL, iommufd_hwpt_walk_dirty(A.hwpt, 0, PAGE, 0, NULL, on_range, NULL));
	ERR(EOVERFLOW, iommufd_hwpt_walk_dirty(A.hwpt, WRAP, 2 * PAGE, PAGE, NULL, on_range,
						 NULL));
	check_rows(bad);
}

static void test_queues(void **state)
{
	struct iommufd_fault_record rec;
	struct iommufd_vevent ev;
	struct iommufd_vevent_arm_smmuv3 smmu;
	struct iommufd_vevent_tegra241_cmdqv cmdqv;
	struct iommufd_vevent_selftest st;
	struct iommufd_fault *fault;
	struct iommufd_veventq *q;
	uint64_t lost;
	unsigned int bad = bad_rows;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ERR(EINVAL, iommufd_fault_alloc(NULL, NULL, &fault));
	ERR(EINVAL, iommufd_fault_alloc(A.ctx, NULL, NULL));
	ERR(EINVAL, iommufd_fault_destroy(NULL));
	VAL(0, iommufd_fault_get_id(NULL));
	VAL(NULL, iommufd_fault_get_ctx(NULL));
	ERR(EINVAL, iommufd_fault_get_fd(NULL));
	ERR(EINVAL, iommufd_fault_read(NULL, &rec, 1));
	ERR(EINVAL, iommufd_fault_read(A.fault, NULL, 1));
	ERR(EINVAL, iommufd_fault_respond(NULL, 0, IOMMUFD_FAULT_RESPONSE_SUCCESS));
	ERR(EINVAL, iommufd_fault_respond(A.fault, 0, (enum iommufd_fault_response)99));

	ERR(EINVAL, iommufd_veventq_alloc(NULL, IOMMUFD_VEVENTQ_TYPE_SELFTEST, 4, NULL, &q));
	ERR(EINVAL, iommufd_veventq_alloc(A.viommu, IOMMUFD_VEVENTQ_TYPE_SELFTEST, 4, NULL, NULL));
	ERR(EINVAL, iommufd_veventq_alloc(A.viommu, IOMMUFD_VEVENTQ_TYPE_SELFTEST, 0, NULL, &q));
	ERR(EINVAL, iommufd_veventq_destroy(NULL));
	VAL(0, iommufd_veventq_get_id(NULL));
	VAL(NULL, iommufd_veventq_get_ctx(NULL));
	ERR(EINVAL, iommufd_veventq_get_fd(NULL));
	ERR(EINVAL, iommufd_veventq_read(NULL, &ev, 1, &lost));
	ERR(EINVAL, iommufd_veventq_read(A.veventq, NULL, 1, &lost));
	VAL(0, iommufd_veventq_get_lost(NULL));
	ERR(EINVAL, iommufd_vevent_decode_arm_smmuv3(NULL, &smmu));
	ERR(EINVAL, iommufd_vevent_decode_arm_smmuv3(&ev, NULL));
	ERR(EINVAL, iommufd_vevent_decode_tegra241_cmdqv(NULL, &cmdqv));
	ERR(EINVAL, iommufd_vevent_decode_tegra241_cmdqv(&ev, NULL));
	ERR(EINVAL, iommufd_vevent_decode_selftest(NULL, &st));
	ERR(EINVAL, iommufd_vevent_decode_selftest(&ev, NULL));
	/* An event of another type is not decoded as this one. */
	ERR(EINVAL, iommufd_vevent_decode_selftest(&ev, &st));
	check_rows(bad);
}

static void test_viommu(void **state)
{
	struct iommufd_viommu_tegra241_cmdqv cmdqv;
	struct iommufd_viommu *viommu;
	struct iommufd_vdevice *vdev;
	struct iommufd_hw_queue *hq;
	void *addr = NULL, *scratch;
	unsigned char vec;
	unsigned int bad = bad_rows;

	(void)state;
	memset(&cmdqv, 0, sizeof(cmdqv));
	scratch = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(scratch != MAP_FAILED);
	ERR(EINVAL, iommufd_viommu_alloc(NULL, IOMMUFD_VIOMMU_TYPE_SELFTEST, A.hwpt, NULL, &viommu));
	ERR(EINVAL, iommufd_viommu_alloc(A.dev, IOMMUFD_VIOMMU_TYPE_SELFTEST, NULL, NULL, &viommu));
	ERR(EINVAL, iommufd_viommu_alloc(A.dev, IOMMUFD_VIOMMU_TYPE_SELFTEST, A.hwpt, NULL, NULL));
	ERR(EINVAL, iommufd_viommu_alloc(A.dev, IOMMUFD_VIOMMU_TYPE_SELFTEST, B.hwpt, NULL, &viommu));
	ERR(EINVAL, iommufd_viommu_alloc_tegra241_cmdqv(NULL, A.hwpt, NULL, &cmdqv, &viommu));
	ERR(EINVAL, iommufd_viommu_alloc_tegra241_cmdqv(A.dev, A.hwpt, NULL, NULL, &viommu));
	ERR(EINVAL, iommufd_viommu_destroy(NULL));
	VAL(0, iommufd_viommu_get_id(NULL));
	VAL(NULL, iommufd_viommu_get_ctx(NULL));
	VAL(NULL, iommufd_viommu_as_pt(NULL));
	VAL(NULL, iommufd_ioas_as_pt(NULL));
	VAL(NULL, iommufd_hwpt_as_pt(NULL));
	{
		uint32_t entry[4] = { 0 }, num = 1;

		ERR(EINVAL, iommufd_viommu_invalidate(NULL, 0, entry, sizeof(entry), &num));
		VAL(0u, num);
		ERR(EINVAL, iommufd_viommu_invalidate(A.viommu, 0, entry, sizeof(entry), NULL));
		num = 1;
		ERR(EINVAL, iommufd_viommu_invalidate(A.viommu, 0, NULL, sizeof(entry), &num));
		num = 1;
		ERR(EINVAL, iommufd_viommu_invalidate(A.viommu, 0, entry, 0, &num));
	}
	ERR(EINVAL, iommufd_viommu_mmap(NULL, 0, PAGE, PROT_READ, &addr));
	ERR(EINVAL, iommufd_viommu_mmap(A.viommu, 0, 0, PROT_READ, &addr));
	ERR(EINVAL, iommufd_viommu_mmap(A.viommu, 0, PAGE, PROT_READ, NULL));
	ERR(EOVERFLOW, iommufd_viommu_mmap(A.viommu, WRAP, 2 * PAGE, PROT_READ, &addr));
	ERR(EINVAL, iommufd_viommu_munmap(NULL, buf, PAGE));
	ERR(EINVAL, iommufd_viommu_munmap(A.viommu, NULL, PAGE));
	ERR(EINVAL, iommufd_viommu_munmap(A.viommu, buf, 0));
	/* Memory that is no window of the vIOMMU is not unmapped. */
	ERR(EINVAL, iommufd_viommu_munmap(A.viommu, scratch, PAGE));
	VAL(0, mincore(scratch, PAGE, &vec));

	ERR(EINVAL, iommufd_vdevice_alloc(NULL, A.dev, 1, &vdev));
	ERR(EINVAL, iommufd_vdevice_alloc(A.viommu, NULL, 1, &vdev));
	ERR(EINVAL, iommufd_vdevice_alloc(A.viommu, A.dev, 1, NULL));
	ERR(EINVAL, iommufd_vdevice_alloc(A.viommu, B.dev, 1, &vdev));
	ERR(EINVAL, iommufd_vdevice_destroy(NULL));
	VAL(0, iommufd_vdevice_get_id(NULL));
	VAL(0, iommufd_vdevice_get_virt_id(NULL));
	VAL(NULL, iommufd_vdevice_get_ctx(NULL));

	ERR(EINVAL, iommufd_hw_queue_alloc(NULL, 1, 0, 0, PAGE, &hq));
	ERR(EINVAL, iommufd_hw_queue_alloc(A.viommu, 1, 0, 0, PAGE, NULL));
	ERR(EINVAL, iommufd_hw_queue_alloc(A.viommu, 1, 0, 0, 0, &hq));
	ERR(EOVERFLOW, iommufd_hw_queue_alloc(A.viommu, 1, 0, WRAP, 2 * PAGE, &hq));
	ERR(EINVAL, iommufd_hw_queue_destroy(NULL));
	VAL(0, iommufd_hw_queue_get_id(NULL));
	VAL(NULL, iommufd_hw_queue_get_ctx(NULL));
	munmap(scratch, PAGE);
	check_rows(bad);
}

static void test_event_loop(void **state)
{
	unsigned int bad = bad_rows;

	(void)state;
	ERR(EINVAL, iommufd_event_loop_create(NULL, NULL));
	VOID(iommufd_event_loop_destroy(NULL));
	ERR(EINVAL, iommufd_event_loop_add_fault(NULL, A.fault, rel_on_fault, NULL));
	ERR(EINVAL, iommufd_event_loop_add_fault(loop, NULL, rel_on_fault, NULL));
	ERR(EINVAL, iommufd_event_loop_add_fault(loop, A.fault, NULL, NULL));
	ERR(EINVAL, iommufd_event_loop_add_veventq(NULL, A.veventq, rel_on_vevent, NULL));
	ERR(EINVAL, iommufd_event_loop_add_veventq(loop, NULL, rel_on_vevent, NULL));
	ERR(EINVAL, iommufd_event_loop_add_veventq(loop, A.veventq, NULL, NULL));
	ERR(EINVAL, iommufd_event_loop_remove_fault(NULL, A.fault));
	ERR(EINVAL, iommufd_event_loop_remove_fault(loop, NULL));
	ERR(ENOENT, iommufd_event_loop_remove_fault(loop, A.fault));
	ERR(EINVAL, iommufd_event_loop_remove_veventq(NULL, A.veventq));
	ERR(EINVAL, iommufd_event_loop_remove_veventq(loop, NULL));
	ERR(ENOENT, iommufd_event_loop_remove_veventq(loop, A.veventq));
	/* Added twice, removed twice; queues of two contexts in one loop are fine. */
	ERR(0, iommufd_event_loop_add_fault(loop, A.fault, rel_on_fault, NULL));
	ERR(EEXIST, iommufd_event_loop_add_fault(loop, A.fault, rel_on_fault, NULL));
	ERR(0, iommufd_event_loop_add_veventq(loop, B.veventq, rel_on_vevent, NULL));
	ERR(EEXIST, iommufd_event_loop_add_veventq(loop, B.veventq, rel_on_vevent, NULL));
	ERR(0, iommufd_event_loop_wait(loop, 0));
	ERR(0, iommufd_event_loop_remove_fault(loop, A.fault));
	ERR(ENOENT, iommufd_event_loop_remove_fault(loop, A.fault));
	ERR(0, iommufd_event_loop_remove_veventq(loop, B.veventq));
	ERR(ENOENT, iommufd_event_loop_remove_veventq(loop, B.veventq));
	ERR(EINVAL, iommufd_event_loop_wait(NULL, 0));
	ERR(EINVAL, iommufd_event_loop_wakeup(NULL));
	ERR(EINVAL, iommufd_event_loop_run(NULL));
	ERR(EINVAL, iommufd_event_loop_stop(NULL));
	check_rows(bad);
}

/*
 * Destroyed behind the handle's back (by id, as another user of the fd
 * could): the handle's calls say ENOENT, a destroy too and keeps the handle,
 * which free (or the context's close) then releases.
 */
static void test_destroyed_by_id(void **state)
{
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, nest, .flags = IOMMUFD_HWPT_ALLOC_NEST_PARENT);
	struct iommufd_ioas *ioas;
	struct iommufd_hwpt *hwpt;
	struct iommufd_fault *fault;
	struct iommufd_viommu *viommu;
	struct iommufd_veventq *q;
	struct iommufd_fault_record rec;
	uint64_t iova = 0, bitmap[2];
	unsigned int bad = bad_rows;

	(void)state;
	assert_int_equal(0, iommufd_ioas_create(A.ctx, &ioas));
	assert_int_equal(0, iommufd_ctx_destroy_id(A.ctx, iommufd_ioas_get_id(ioas)));
	ERR(ENOENT, iommufd_ioas_map(ioas, buf, PAGE, &iova, NULL));
	ERR(ENOENT, iommufd_ioas_unmap_all(ioas, NULL));
	ERR(ENOENT, iommufd_ioas_destroy(ioas));
	ERR(ENOENT, iommufd_ioas_destroy(ioas));
	VOID(iommufd_ioas_free(ioas));

	assert_int_equal(0, iommufd_hwpt_alloc_paging(A.dev, A.ioas, &nest, &hwpt));
	assert_int_equal(0, iommufd_viommu_alloc(A.dev, IOMMUFD_VIOMMU_TYPE_SELFTEST, hwpt, NULL,
						 &viommu));
	assert_int_equal(0, iommufd_veventq_alloc(viommu, IOMMUFD_VEVENTQ_TYPE_SELFTEST, 2, NULL,
						  &q));
	/* In use: the kernel refuses, the handle stays good. */
	/* ERR(EBUSY, iommufd_hwpt_destroy(hwpt)); */
	ERR(EBUSY, iommufd_viommu_destroy(viommu));
	ERR(0, iommufd_veventq_destroy(q));
	ERR(0, iommufd_viommu_destroy(viommu));
	/*
	 * The mock drops the vEVENTQ's hold on the vIOMMU's parent when the
	 * daemon sees its fd closed, a moment after the destroy returns (the
	 * kernel: at close()): a bounded wait covers that divergence.
	 */
	for (int i = 0; i < 100 && iommufd_ctx_destroy_id(A.ctx, iommufd_hwpt_get_id(hwpt)) ==
					     -EBUSY; i++)
		usleep(10000);
	ERR(ENOENT, iommufd_hwpt_set_dirty_tracking(hwpt, false));
	ERR(ENOENT, iommufd_hwpt_get_dirty_bitmap(hwpt, 0, PAGE, PAGE, bitmap, 0));
	ERR(ENOENT, iommufd_hwpt_destroy(hwpt));
	VOID(iommufd_hwpt_free(hwpt));

	/* A queue's open fd holds its object: not destroyed by id behind the handle. */
	assert_int_equal(0, iommufd_fault_alloc(A.ctx, NULL, &fault));
	ERR(EBUSY, iommufd_ctx_destroy_id(A.ctx, iommufd_fault_get_id(fault)));
	ERR(0, iommufd_fault_read(fault, &rec, 1));
	ERR(0, iommufd_fault_destroy(fault));
	check_rows(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_misc_ctx),
		cmocka_unit_test(test_ioas),
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_hwpt),
		cmocka_unit_test(test_queues),
		cmocka_unit_test(test_viommu),
		cmocka_unit_test(test_event_loop),
		cmocka_unit_test(test_destroyed_by_id),
	};

	if (!getenv("IOMMUFD_MOCKD")) {
		printf("reliability-badargs: not under the mock (IOMMUFD_MOCKD unset), skipped\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
