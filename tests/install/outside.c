// SPDX-License-Identifier: MIT
/*
 * An "outside" program for the install test: it is compiled against the
 * STAGED installation with nothing but `pkg-config --cflags --libs libiommufd`,
 * so it proves that the installed header set is self-contained and that the
 * .pc file, the soname and the symbol versions work for a consumer. It opens
 * a context, creates an IOAS, maps a buffer, prints the IOVA and tears
 * everything down, checking each result.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iommufd/iommufd.h>

static int fail(const char *what, int ret)
{
	fprintf(stderr, "outside: %s: %s (%d)\n", what, strerror(-ret), ret);
	return 1;
}

int main(void)
{
	const size_t len = 16 * (size_t)sysconf(_SC_PAGESIZE);
	struct iommufd_ioas *ioas = NULL;
	struct iommufd_ctx *ctx = NULL;
	uint64_t iova = 0, unmapped = 0;
	int ret, status = 1;
	void *buf;

	printf("outside: libiommufd %s (header %s)\n", iommufd_version(),
	       IOMMUFD_VERSION_STRING);

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("outside: mmap");
		return 1;
	}
	memset(buf, 0x5a, len);

	ret = iommufd_ctx_open(NULL, &ctx);
	if (ret < 0) {
		fail("iommufd_ctx_open", ret);
		goto out_unmap;
	}
	ret = iommufd_ioas_create(ctx, &ioas);
	if (ret < 0) {
		fail("iommufd_ioas_create", ret);
		goto out_close;
	}
	ret = iommufd_ioas_map(ioas, buf, len, &iova, NULL);
	if (ret < 0) {
		fail("iommufd_ioas_map", ret);
		goto out_destroy;
	}
	printf("outside: ioas %" PRIu32 " maps %zu bytes at iova 0x%" PRIx64 "\n",
	       iommufd_ioas_get_id(ioas), len, iova);

	ret = iommufd_ioas_unmap(ioas, iova, len, &unmapped);
	if (ret < 0) {
		fail("iommufd_ioas_unmap", ret);
		goto out_destroy;
	}
	if (unmapped != len) {
		fprintf(stderr, "outside: unmapped %" PRIu64 " bytes, expected %zu\n",
			unmapped, len);
		goto out_destroy;
	}
	status = 0;

out_destroy:
	ret = iommufd_ioas_destroy(ioas);
	if (ret < 0)
		status = fail("iommufd_ioas_destroy", ret);
out_close:
	iommufd_ctx_close(ctx);
out_unmap:
	munmap(buf, len);
	if (status == 0)
		printf("outside: OK\n");
	return status;
}
