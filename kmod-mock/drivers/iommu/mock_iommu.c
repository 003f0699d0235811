// SPDX-License-Identifier: MIT
/*
 * mock_iommu.c - what is left of the drivers' domain side outside their own
 * files: the AMD-Vi hw_info (amd.c's ops point here until it moves).
 */
#include <string.h>

#include "iommufd_private.h"

uint32_t mock_amd_hw_info(const struct mock_dev *mdev, void *buf);

uint32_t mock_amd_hw_info(const struct mock_dev *mdev, void *buf)
{
	struct iommu_hw_info_amd info = {
		.efr = mdev->hw_info_reg[0],
		.efr2 = mdev->hw_info_reg[1],
	};

	memcpy(buf, &info, sizeof(info));
	return sizeof(info);
}
