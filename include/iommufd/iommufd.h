/* SPDX-License-Identifier: MIT */
/*
 * iommufd/iommufd.h - the umbrella header of libiommufd: include this one.
 */
#ifndef IOMMUFD_IOMMUFD_H
#define IOMMUFD_IOMMUFD_H

/**
 * @mainpage libiommufd
 *
 * libiommufd is a thin C library over the Linux iommufd interface
 * (/dev/iommu). It builds the kernel's ioctl arguments, issues the ioctl and
 * turns the answer into a result: opaque handles, `iommufd_<object>_<verb>()`
 * functions and negative errno returns.
 *
 * Include `<iommufd/iommufd.h>` and link with `pkg-config --libs libiommufd`.
 *
 * - @ref common : conventions, errors, options structs
 * - @ref version : library version
 * - @ref ctx : the context (an open /dev/iommu) and kernel feature probing
 * - @ref ioas : I/O address spaces and their mappings
 * - @ref device : devices bound to a context (VFIO cdevs), attach, IOMMU info
 * - @ref hwpt : hardware page tables: paging, nested, invalidation, dirty tracking
 * - @ref fault : I/O page fault queues: read faults, respond
 * - @ref viommu : virtual IOMMUs and their MMIO pages; @ref vdevice : virtual
 *   devices; @ref hw_queue : hardware queues
 * - @ref veventq : virtual event queues, with exact lost-event accounting
 * - @ref event_loop : poll several fault queues and vEVENTQs at once
 *
 * @code
 * struct iommufd_ctx *ctx;
 * struct iommufd_ioas *ioas;
 * uint64_t iova;
 * int ret = iommufd_ctx_open(NULL, &ctx);
 * if (ret < 0)
 *         return ret;
 * ret = iommufd_ioas_create(ctx, &ioas);
 * if (!ret)
 *         ret = iommufd_ioas_map(ioas, buf, len, &iova, NULL);
 * iommufd_ctx_close(ctx);
 * @endcode
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
#include <iommufd/intel_vtd.h>
#include <iommufd/arm_smmuv3.h>
#include <iommufd/amd_iommu.h>
#include <iommufd/tegra241_cmdqv.h>
#include <iommufd/vfio_pci.h>

#endif /* IOMMUFD_IOMMUFD_H */
