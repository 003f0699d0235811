/* SPDX-License-Identifier: MIT */
/*
 * tutorial.h - what the programs of doc/tutorial.md share: TRY(), which ends
 * the program when a libiommufd call fails, and the edu helpers of
 * examples/edu.h that make QEMU's edu device do DMA. Nothing here is part of
 * the library's API.
 */
#ifndef EXAMPLES_TUTORIAL_H
#define EXAMPLES_TUTORIAL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommufd/iommufd.h>

#include "../edu.h"

/* The exit status of a test that could not run here (meson, automake). */
#define EXIT_SKIP 77

/*
 * Every libiommufd call returns 0 (or a count) or a negative errno; the
 * tutorial's programs treat any failure as fatal, with the call's text and
 * what the library says went wrong (iommufd_last_error(): the library's check
 * or the kernel's ioctl that failed).
 */
#define TRY(call)                                                                        \
	do {                                                                             \
		int try_ret_ = (call);                                                   \
		if (try_ret_ < 0) {                                                      \
			fprintf(stderr, "%s:%d: %s: %s (%s)\n  %s\n", __FILE__, __LINE__,  \
				#call, iommufd_strerror(try_ret_), strerror(-try_ret_),   \
				iommufd_last_error());                                    \
			exit(EXIT_FAILURE);                                              \
		}                                                                        \
	} while (0)

/* Ends the program with a message when a check of the device's work fails. */
#define EXPECT(cond)                                                                     \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); \
			exit(EXIT_FAILURE);                                              \
		}                                                                        \
	} while (0)

/*
 * Parts 2 and 3 start as part 1 does (open a context, bind the device at
 * @path); without iommufd or without the device the program skips.
 */
static inline void open_device(const char *path, struct iommufd_ctx **ctx,
			       struct iommufd_device **dev)
{
	int ret = iommufd_ctx_open(NULL, ctx);

	if (ret == -ENOENT)
		exit(EXIT_SKIP);
	TRY(ret);
	ret = iommufd_device_bind_path(*ctx, path, NULL, dev);
	if (ret == -ENOENT)
		exit(EXIT_SKIP);
	TRY(ret);
}

#endif /* EXAMPLES_TUTORIAL_H */
