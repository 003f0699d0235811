// SPDX-License-Identifier: MIT
/*
 * vfio_compat.c - the VFIO type1 container emulation on the iommufd fd (the
 * kernel's vfio_compat.c). Not implemented yet: every command is unknown.
 */
#include <errno.h>

#include "iommufd_private.h"

long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd, unsigned long arg,
			struct mock_call *call)
{
	(void)ictx;
	(void)cmd;
	(void)arg;
	(void)call;
	return -ENOTTY;
}
