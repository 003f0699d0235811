// SPDX-License-Identifier: MIT
/*
 * helpers.c - the shared fixture and the raw IOMMU_TEST_CMD wrappers of the
 * library test suites.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "iommufd_test.h"

int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->page_size = (size_t)sysconf(_SC_PAGESIZE);
	f->buffer_size = BUFFER_PAGES * f->page_size;
	f->buffer = mmap(NULL, f->buffer_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (f->buffer == MAP_FAILED)
		goto err_free;
	if (iommufd_ctx_open(NULL, &f->ctx))
		goto err_unmap;
	if (iommufd_ioas_create(f->ctx, &f->ioas))
		goto err_close;
	*state = f;
	return 0;

err_close:
	iommufd_ctx_close(f->ctx);
err_unmap:
	munmap(f->buffer, f->buffer_size);
err_free:
	free(f);
	return -1;
}

int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	iommufd_ctx_close(f->ctx);
	munmap(f->buffer, f->buffer_size);
	free(f);
	return 0;
}

void require_selftest(struct iommufd_ctx *ctx)
{
	if (!iommufd_ctx_has_feature(ctx, IOMMUFD_FEATURE_SELFTEST))
		skip();
}

int test_cmd(struct iommufd_ctx *ctx, struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	if (ioctl(iommufd_ctx_get_fd(ctx), IOMMU_TEST_CMD, cmd))
		return -errno;
	return 0;
}

int mock_domain(struct iommufd_ctx *ctx, uint32_t pt_id, uint32_t *stdev_id,
		uint32_t *hwpt_id, uint32_t *idev_id)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = pt_id,
	};
	int ret = test_cmd(ctx, &cmd);

	if (ret)
		return ret;
	if (stdev_id)
		*stdev_id = cmd.mock_domain.out_stdev_id;
	if (hwpt_id)
		*hwpt_id = cmd.mock_domain.out_hwpt_id;
	if (idev_id)
		*idev_id = cmd.mock_domain.out_idev_id;
	return 0;
}

int add_reserved(struct iommufd_ctx *ctx, uint32_t ioas_id, uint64_t start, uint64_t length)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ADD_RESERVED,
		.id = ioas_id,
		.add_reserved = { .start = start, .length = length },
	};

	return test_cmd(ctx, &cmd);
}

int check_refs(struct iommufd_ctx *ctx, void *buf, uint64_t length, uint32_t refs)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = { .length = length, .uptr = (uintptr_t)buf, .refs = refs },
	};

	return test_cmd(ctx, &cmd);
}

int check_map(struct iommufd_ctx *ctx, uint32_t hwpt_id, uint64_t iova, uint64_t length,
	      void *buf)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MD_CHECK_MAP,
		.id = hwpt_id,
		.check_map = { .iova = iova, .length = length, .uptr = (uintptr_t)buf },
	};

	return test_cmd(ctx, &cmd);
}
