/* SPDX-License-Identifier: MIT */
/*
 * fail_nth_proc.h - the shim's fault-injection files (fail_nth_proc.c), as seen by the
 * interposed open/read/write family of shim.c: one hook call at the top of
 * each wrapper.
 */
#ifndef KMOD_MOCK_SHIM_FAILNTH_H
#define KMOD_MOCK_SHIM_FAILNTH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* How many fail-nth fds are open; read/write on other fds cost one load. */
extern unsigned int failnth_nr_fds;

/* Does fail_nth_proc.c serve open(@path) relative to @dirfd (AT_FDCWD for open())? */
bool failnth_owns_path(int dirfd, const char *path);
/* Open it: a real fd (memfd) or -1 with errno set. */
int failnth_open(int dirfd, const char *path, int flags);

bool failnth_is_fd_slow(int fd);

/* Is @fd a /proc/.../fail-nth file fail_nth_proc.c made? */
static inline bool failnth_is_fd(int fd)
{
	return __atomic_load_n(&failnth_nr_fds, __ATOMIC_RELAXED) && failnth_is_fd_slow(fd);
}

/*
 * read (@at_pos: at the file position, which moves) or pread at @off of a
 * fail-nth fd; -1 with errno on error.
 */
ssize_t failnth_read(int fd, void *buf, size_t len, bool at_pos, int64_t off);
/* write/pwrite of a fail-nth fd (the offset does not matter, as in the kernel). */
ssize_t failnth_write(int fd, const void *buf, size_t len);

#endif /* KMOD_MOCK_SHIM_FAILNTH_H */
