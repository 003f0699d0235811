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

#endif /* IOMMUFD_IOMMUFD_H */
