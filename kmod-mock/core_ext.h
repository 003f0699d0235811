/* SPDX-License-Identifier: MIT */
/*
 * core_ext.h - additions to the core.h boundary that the core needs from its
 * server (proposed for core.h; kept apart because core.h is fixed).
 *
 * Some ioctls name other files by fd number (the selftest's access fd in
 * IOMMU_TEST_CMD). Only the server knows which mock_file a caller's fd is, so
 * it registers a lookup. Without one, such fds are -EBADFD.
 */
#ifndef KMOD_MOCK_CORE_EXT_H
#define KMOD_MOCK_CORE_EXT_H

#include <stdint.h>
#include <sys/types.h>

#include "core.h"

/* Return the mock_file behind @fd of @task, or NULL when it is not a mock fd. */
typedef struct mock_file *(*mock_fget_fn)(void *priv, const struct mock_task *task, int fd);

void mock_kernel_set_fget(struct mock_kernel *k, mock_fget_fn fn, void *priv);

/* Pages pinned (VmPin) and locked (VmLck) on behalf of process @pid, in pages. */
void mock_kernel_pinned_vm(struct mock_kernel *k, pid_t pid, uint64_t *pinned,
			   uint64_t *locked);

#endif /* KMOD_MOCK_CORE_EXT_H */
