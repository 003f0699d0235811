// SPDX-License-Identifier: MIT
/*
 * std-check.c - compiled, not run, by tests/lib/check-std.sh: as ISO C11
 * with -pedantic (gcc, clang) and as C++17 (g++, clang++), all warnings
 * errors. Every public header is included on its own line (each must stand
 * alone, in any order) and IOMMUFD_OPTS declares every options struct, with
 * and without initialisers, at block and at file scope.
 */
#include <iommufd/version.h>
#include <iommufd/common.h>
#include <iommufd/ctx.h>
#include <iommufd/ioas.h>
#include <iommufd/device.h>
#include <iommufd/hwpt.h>
#include <iommufd/fault.h>
#include <iommufd/viommu.h>
#include <iommufd/veventq.h>
#include <iommufd/event_loop.h>
#include <iommufd/iommufd.h>

IOMMUFD_OPTS(iommufd_ctx_opts, file_scope_opts, .path = "/dev/iommu");

int std_check(struct iommufd_ctx *ctx, struct iommufd_device *dev, struct iommufd_ioas *ioas,
	      void *buf);

int std_check(struct iommufd_ctx *ctx, struct iommufd_device *dev, struct iommufd_ioas *ioas,
	      void *buf)
{
	IOMMUFD_OPTS(iommufd_ctx_opts, ctx_opts);
	IOMMUFD_OPTS(iommufd_device_bind_opts, bind_opts, .flags = IOMMUFD_DEVICE_BIND_ADOPT_FD);
	IOMMUFD_OPTS(iommufd_event_loop_opts, loop_opts, .batch = 8);
	IOMMUFD_OPTS(iommufd_fault_alloc_opts, fault_opts);
	IOMMUFD_OPTS(iommufd_hw_info_opts, hw_info_opts, .flags = IOMMUFD_HW_INFO_INPUT_TYPE,
		     .data_type = IOMMUFD_HW_INFO_TYPE_INTEL_VTD);
	IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, hwpt_opts, .flags = IOMMUFD_HWPT_ALLOC_NEST_PARENT);
	IOMMUFD_OPTS(iommufd_hwpt_walk_dirty_opts, walk_opts, .flags = IOMMUFD_DIRTY_NO_CLEAR,
		     .chunk_pages = 64);
	IOMMUFD_OPTS(iommufd_ioas_map_opts, map_opts,
		     .flags = IOMMUFD_MAP_READABLE | IOMMUFD_MAP_WRITEABLE);
	IOMMUFD_OPTS(iommufd_veventq_alloc_opts, veventq_opts, .event_size = 8);
	IOMMUFD_OPTS(iommufd_viommu_alloc_opts, viommu_opts);
	struct iommufd_hwpt *hwpt = NULL;
	uint64_t iova = 0;
	int ret;

	(void)ctx_opts;
	(void)bind_opts;
	(void)loop_opts;
	(void)fault_opts;
	(void)hw_info_opts;
	(void)walk_opts;
	(void)veventq_opts;
	(void)viommu_opts;
	(void)file_scope_opts;
	(void)ctx;
	ret = iommufd_ioas_map(ioas, buf, 4096, &iova, &map_opts);
	if (!ret)
		ret = iommufd_hwpt_alloc(dev, iommufd_ioas_as_pt(ioas), &hwpt_opts, &hwpt);
	return ret < 0 ? ret : (int)iommufd_hwpt_get_id(hwpt);
}
