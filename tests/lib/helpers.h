/* SPDX-License-Identifier: MIT */
/*
 * helpers.h - what the library test suites share: a fixture with a context,
 * an IOAS and a buffer, and raw IOMMU_TEST_CMD wrappers for the selftest
 * operations the library does not expose (mock devices, reserved ranges,
 * pin reference checks). Tests only; the library knows nothing of these.
 */
#ifndef LIBIOMMUFD_TESTS_HELPERS_H
#define LIBIOMMUFD_TESTS_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <iommufd/iommufd.h>

#include "asserts.h"

struct iommu_test_cmd;

/* Geometry of the selftest mock IOMMU domain (SELFTEST-SPEC.md section 3). */
#define TEST_MOCK_PAGE_SIZE 2048UL
#define TEST_MOCK_APERTURE_START (1UL << 24)
#define TEST_MOCK_APERTURE_LAST ((1UL << 31) - 1)

#define BUFFER_PAGES 16

struct fixture {
	struct iommufd_ctx *ctx;
	struct iommufd_ioas *ioas;
	void *buffer; /* BUFFER_PAGES pages, MAP_SHARED so a forked child sees the same pages */
	size_t buffer_size;
	size_t page_size;
};

/* cmocka group/test setup: a context on /dev/iommu, one IOAS, a buffer. */
int fixture_setup(void **state);
int fixture_teardown(void **state);

/* Skips the running test unless the kernel has IOMMU_TEST_CMD. */
void require_selftest(struct iommufd_ctx *ctx);

/* IOMMU_TEST_OP_MOCK_DOMAIN: a mock device attached to @pt_id. 0 or -errno. */
int mock_domain(struct iommufd_ctx *ctx, uint32_t pt_id, uint32_t *stdev_id,
		uint32_t *hwpt_id, uint32_t *idev_id);

/* IOMMU_TEST_OP_ADD_RESERVED. 0 or -errno. */
int add_reserved(struct iommufd_ctx *ctx, uint32_t ioas_id, uint64_t start, uint64_t length);

/* IOMMU_TEST_OP_MD_CHECK_REFS: every page of [buf, buf + length) pinned @refs times. */
int check_refs(struct iommufd_ctx *ctx, void *buf, uint64_t length, uint32_t refs);

/* IOMMU_TEST_OP_MD_CHECK_MAP: [iova, iova + length) of HWPT @hwpt_id maps @buf. */
int check_map(struct iommufd_ctx *ctx, uint32_t hwpt_id, uint64_t iova, uint64_t length,
	      void *buf);

/* IOMMU_TEST_CMD with @cmd->size set: 0 or -errno. */
int test_cmd(struct iommufd_ctx *ctx, struct iommu_test_cmd *cmd);

#endif /* LIBIOMMUFD_TESTS_HELPERS_H */
