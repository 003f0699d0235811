/* SPDX-License-Identifier: MIT */
/*
 * procfs.h - the shim's /proc/<pid>/status (procfs.c), as seen by the
 * interposed open family of shim.c: one hook call at the top of each wrapper.
 * fopen/fopen64 are interposed by procfs.c itself.
 */
#ifndef KMOD_MOCK_SHIM_PROCFS_H
#define KMOD_MOCK_SHIM_PROCFS_H

#include <stdbool.h>
#include <sys/types.h>

/* Does procfs.c serve open(@path, @flags) relative to @dirfd (AT_FDCWD for open())? */
bool procfs_owns_path(int dirfd, const char *path, int flags);
/* Open it: a real fd (a memfd holding the rewritten file) or -1 with errno set. */
int procfs_open(int dirfd, const char *path, int flags);

/* Parse a decimal pid at @s (end in *@end); 0 if @s does not start with one. */
pid_t procfs_parse_pid(const char *s, const char **end);

#endif /* KMOD_MOCK_SHIM_PROCFS_H */
