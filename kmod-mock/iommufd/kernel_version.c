// SPDX-License-Identifier: MIT
/*
 * kernel_version.c - which Linux release the mock kernel presents.
 *
 * A real program meets the iommufd of whatever kernel it runs on, so the mock
 * can be any of a few releases (IOMMUFD_MOCK_KERNEL=6.12, iommufd-mock-run
 * --kernel 6.12): the ioctls that release has, its struct sizes (bytes past
 * them are E2BIG), its flags, data types and errnos. The default is the
 * newest. Everything version-dependent is written at its point of use as
 * "mock_kv(k) < MOCK_KV(6, 13)", so each difference reads like the kernel
 * change that made it; this file only names the releases.
 *
 * The releases offered are those whose behaviour we can state: 7.3 and 6.12
 * are checked test by test against real kernels (tests/kernel); 6.6, 6.8 and
 * 6.15 follow the uAPI history (doc/mock-divergences.md, "Kernel releases").
 */
#include <stdio.h>
#include <string.h>

#include "iommufd_private.h"

static const struct {
	const char *name;
	unsigned int kv;
} mock_releases[] = {
	{ "6.6", MOCK_KV(6, 6) },
	{ "6.8", MOCK_KV(6, 8) },
	{ "6.12", MOCK_KV(6, 12) },
	{ "6.15", MOCK_KV(6, 15) },
	{ "7.3", MOCK_KV(7, 3) },
};

int mock_release_parse(const char *name, unsigned int *kv, char *err, size_t err_len)
{
	size_t i, off = 0;

	if (!name || !*name) {
		*kv = MOCK_KV_NEWEST;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(mock_releases); i++) {
		if (!strcmp(name, mock_releases[i].name)) {
			*kv = mock_releases[i].kv;
			return 0;
		}
	}
	if (err && err_len) {
		int n = snprintf(err, err_len, "unknown kernel release '%s' (offered:", name);

		off = n > 0 ? (size_t)n : 0;
		for (i = 0; i < ARRAY_SIZE(mock_releases) && off < err_len; i++) {
			n = snprintf(err + off, err_len - off, " %s", mock_releases[i].name);
			off += n > 0 ? (size_t)n : 0;
		}
		if (off < err_len)
			snprintf(err + off, err_len - off, ")");
	}
	return -EINVAL;
}

const char *mock_release_name(unsigned int kv)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mock_releases); i++)
		if (mock_releases[i].kv == kv)
			return mock_releases[i].name;
	return "?";
}

/*
 * The highest iommufd command number of the release. Commands were only ever
 * added at the end of the table, so a release has exactly 0x80..last.
 */
unsigned int mock_release_last_cmd(unsigned int kv)
{
	if (kv < MOCK_KV(6, 7))
		return IOMMUFD_CMD_GET_HW_INFO;
	if (kv < MOCK_KV(6, 8))
		return IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP;
	if (kv < MOCK_KV(6, 11))
		return IOMMUFD_CMD_HWPT_INVALIDATE;
	if (kv < MOCK_KV(6, 13))
		return IOMMUFD_CMD_FAULT_QUEUE_ALLOC;
	if (kv < MOCK_KV(6, 15))
		return IOMMUFD_CMD_IOAS_CHANGE_PROCESS;
	if (kv < MOCK_KV(6, 17))
		return IOMMUFD_CMD_VEVENTQ_ALLOC;
	if (kv < MOCK_KV(6, 18))
		return IOMMUFD_CMD_HW_QUEUE_ALLOC;
	return IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA;
}
