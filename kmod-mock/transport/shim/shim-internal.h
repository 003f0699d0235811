/* SPDX-License-Identifier: MIT */
/*
 * shim-internal.h - what the pieces of libiommufd-mock.so share: shim.c
 * (open, the test API, the constructor), fds.c (libc underneath, the fd ->
 * inode table), conn.c (the daemon and its requests), ioctl.c, rw.c and
 * mappings.c. Nothing here is exported: the library builds with
 * -fvisibility=hidden, and every name starts with shim_ so that a test
 * program linking the objects in keeps its own names.
 */
#ifndef KMOD_MOCK_SHIM_INTERNAL_H
#define KMOD_MOCK_SHIM_INTERNAL_H

#include <dlfcn.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fail_nth_proc.h" /* fail-nth */
#include "iommufd-mock.h"
#include "iommufd_test.h" /* the ioctl numbers of the calls that make fds */
#include "memcheck.h"
#include "procfs.h" /* /proc/<pid>/status */
#include "proto.h"

#ifndef MOCK_MOCKD_PATH
#define MOCK_MOCKD_PATH "/usr/local/libexec/iommufd-mockd"
#endif

/* ioctl type of every iommufd and VFIO request: ';'. */
#define MOCK_IOC_TYPE 0x3b

#define EXPORT __attribute__((visibility("default")))

/* ---------------------------------------------------------------- libc ---- */

enum real_fn {
	R_OPEN, R_OPEN64, R_OPENAT, R_OPENAT64, R_CLOSE, R_IOCTL, R_READ, R_WRITE, R_PREAD,
	R_PREAD64, R_PWRITE, R_PWRITE64, R_READ_CHK, R_PREAD_CHK, R_PREAD64_CHK, R_DUP, R_DUP2,
	R_DUP3, R_FCNTL, R_FCNTL64, R_MMAP, R_MMAP64, R_MUNMAP, R_CLOSE_RANGE, R_CLOSEFROM, R_MAX
};

/* The next definition of @i after ours (fds.c). */
void *shim_real(enum real_fn i);

#define REAL(i, type) ((type)shim_real(i))

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*close_fn)(int);
typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef ssize_t (*rw_fn)(int, void *, size_t);
typedef ssize_t (*prw_fn)(int, void *, size_t, off_t);
typedef ssize_t (*prw64_fn)(int, void *, size_t, off64_t);
typedef ssize_t (*read_chk_fn)(int, void *, size_t, size_t);
typedef ssize_t (*pread_chk_fn)(int, void *, size_t, off_t, size_t);
typedef ssize_t (*pread64_chk_fn)(int, void *, size_t, off64_t, size_t);
typedef int (*dup_fn)(int);
typedef int (*dup2_fn)(int, int);
typedef int (*dup3_fn)(int, int, int);
typedef int (*fcntl_fn)(int, int, ...);
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*munmap_fn)(void *, size_t);
typedef int (*close_range_fn)(unsigned int, unsigned int, int);
typedef void (*closefrom_fn)(int);

static inline int shim_sys_close(int fd)
{
	return REAL(R_CLOSE, close_fn)(fd);
}

/* fstat() of the kernel, not the one stat.c presents for the mock's device nodes. */
static inline int shim_raw_fstat(int fd, struct stat *st)
{
#ifdef SYS_fstat
	return (int)syscall(SYS_fstat, fd, st);
#else
	return (int)syscall(SYS_newfstatat, fd, "", st, AT_EMPTY_PATH);
#endif
}

/* ---------------------------------------------------- fd -> inode table ---- */

#define FDT_CTL (1ull << 63)

/* Bumped when a control connection is closed (fds.c). */
extern unsigned int shim_ctl_epoch;

uint64_t shim_fdt_raw(int fd);
uint64_t shim_fdt_get(int fd);
void shim_fdt_set(int fd, uint64_t ino);
uint64_t shim_sock_ino(int fd);
void shim_fdt_forget(int fd);
bool shim_fdt_stale(int fd, uint64_t ino);
bool shim_holds_mock_files(void);

/* --------------------------------------------------------------- daemon ---- */

/* The control connection of this thread. */
struct ctl {
	int fd;
	pid_t pid;    /* process that made it: after fork the child needs its own */
	pid_t tid;    /* this thread, for the requests */
	uint64_t ino; /* to tell whether the program closed or replaced fd */
	unsigned int gen, epoch; /* fork_gen and ctl_epoch when last known good */
	bool fresh;   /* no reply yet: the daemon may not even have accepted it */
};

extern __thread struct ctl shim_ctl;
/* Bumped in every fork child (pthread_atfork), so a thread sees a fork with one load. */
extern unsigned int shim_fork_gen;

void shim_ctl_forget(struct ctl *c, bool close_it);
int shim_ctl_get(bool may_start);
void shim_copy_plain(void *dst, const void *src, size_t len);
int shim_transact(struct mock_req *req, const void *payload, size_t payload_len,
		  bool may_start, int proof_fd, struct mock_reply *rep, int *fds);
void shim_close_all(const int *fds, unsigned int n);
long shim_finish(const struct mock_reply *rep, const int *fds);
long shim_fail(long ret);
void shim_drain_one(int fd, uint64_t ino);
bool shim_not_mine_closed(int fd, uint64_t ino, bool probe);

/* ------------------------------------------------------------- mappings ---- */

/* nr_maps, readable without the lock: every mmap and munmap checks it. */
extern size_t shim_nr_maps_hint;

void shim_maps_prepare(void);
void shim_maps_parent(void);
void shim_maps_child(void);

/* A trapped access into a device-register mapping (mappings.c, mmio.c). */
struct shim_mmio_at {
	uint64_t ino;  /* the mapped file */
	int hold_fd;   /* an fd of it that the mapping holds */
	int prot;      /* PROT_* the program asked for */
	uint64_t off;  /* file offset of the faulting address */
	uintptr_t end; /* where the mapped piece holding it ends */
};

bool shim_maps_mmio_find(uintptr_t addr, struct shim_mmio_at *at);
bool shim_maps_mmio_protect(uintptr_t start, uintptr_t end, int prot);
/* Before the first device-register mapping: the SIGSEGV handler (mmio.c). 0 or -errno. */
int shim_mmio_arm(void);
/* Make [addr, addr + len) inaccessible again, after the program's mprotect (mmio.c). */
void shim_mmio_reprotect(void *addr, size_t len);

#endif /* KMOD_MOCK_SHIM_INTERNAL_H */
