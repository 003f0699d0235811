/* SPDX-License-Identifier: MIT */
/*
 * sysfs.h - the mock devices' identity as a kernel shows it (sysfs.c): the
 * files and links under /sys a Linux kernel has for a PCI device bound to
 * vfio-pci, and the device nodes' numbers (stat.c answers stat() with them).
 */
#ifndef KMOD_MOCK_SHIM_SYSFS_H
#define KMOD_MOCK_SHIM_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* The PCI domain of the mock's devices: BDFs 00ed:00:01.0, 00ed:00:02.0, ... */
#define SHIM_PCI_DOMAIN 0xed
/* vfio-dev's (dynamic) major and /dev/iommu's misc minor on Debian's 6.12 */
#define SHIM_VFIO_DEV_MAJOR 244
#define SHIM_MISC_MAJOR 10
#define SHIM_IOMMU_MINOR 260
#define SHIM_VFIO_MINOR 196

/*
 * Where a path the program names really is: @path itself (NULL returned) or
 * a file of the per-process tree that mirrors the mock devices' sysfs (in
 * @buf). Only absolute paths under the mock's own names are redirected; every
 * other path, the host's PCI devices included, is left alone. @for_open: the
 * file is about to be opened (a config file is refreshed from the device).
 */
const char *shim_sysfs_redirect(const char *path, char *buf, size_t len, bool for_open);

/*
 * stat() of a mock device node: /dev/iommu, /dev/vfio/vfio,
 * /dev/vfio/devices/vfioN and (when @follow) /dev/char/MAJ:MIN. Returns 1 with
 * *st filled, 0 when @path is none of them, -errno (-ENOENT for a vfioN the
 * machine lacks).
 */
int shim_sysfs_node_stat(const char *path, bool follow, struct stat *st);

/* The path of the mock device node /dev/char/MAJ:MIN names (in @buf), or NULL. */
const char *shim_sysfs_dev_char(const char *path, char *buf, size_t len);

/* A mock file was opened as @path (shim.c): fstat() of it answers with the node. */
void shim_sysfs_opened(uint64_t ino, const char *path);
/* fstat() of the mock file @ino: 1 with *st filled, 0 when no node is known for it. */
int shim_sysfs_fd_stat(uint64_t ino, struct stat *st);

#endif /* KMOD_MOCK_SHIM_SYSFS_H */
