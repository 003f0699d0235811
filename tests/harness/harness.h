/* SPDX-License-Identifier: MIT */
/*
 * harness.h - the in-process harness of the mock kernel core, for the tests
 * in tests/core and the fuzz harnesses in fuzz/: a mock kernel, one task
 * (this process), a fake fd table (fd = HARNESS_FD_BASE + slot) that the
 * core's fget reaches, and the syscalls on those fds. New files a call
 * creates are handled as the daemon handles them: installed in free slots
 * (their numbers written where the call asked), or all released when the call
 * failed or they cannot all be installed.
 */
#ifndef LIBIOMMUFD_TESTS_HARNESS_H
#define LIBIOMMUFD_TESTS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core.h"

#define HARNESS_NFDS 16
#define HARNESS_FD_BASE 100 /* above the real fds of a test process (fuzz inputs name these numbers) */
#define HARNESS_MAX_MMAPS 8

struct harness {
	struct mock_kernel *k;
	struct mock_task task;
	struct mock_file *fds[HARNESS_NFDS];
	uint64_t cookies[HARNESS_MAX_MMAPS]; /* mappings to put at harness_fini() */
	unsigned int nr_cookies;
	/*
	 * Whether the harness may write a new fd number to @uaddr; NULL: always.
	 * (The fuzz harnesses only trust their arena.)
	 */
	bool (*user_ok)(uint64_t uaddr, size_t len);
	/* the core's notifications (a file became readable) */
	unsigned int notified;
	struct mock_file *last_notified;
};

/* A new kernel (@cfg may be NULL: the default machine); 0 or a negative errno. */
int harness_init(struct harness *h, const struct mock_kernel_config *cfg);
/* Releases every file in the table. */
void harness_close_all(struct harness *h);
/* Releases every file and mapping, then frees the kernel. */
void harness_fini(struct harness *h);

/* Opens @path into a free slot; the fd number or a negative errno (-EMFILE: table full). */
int harness_open(struct harness *h, const char *path, int oflags);
/* Puts @f in a free slot: its fd number, or -EMFILE. */
int harness_install(struct harness *h, struct mock_file *f);
/* The file behind @fd, or NULL. */
struct mock_file *harness_file(struct harness *h, int fd);
/* Releases the file behind @fd (nothing if there is none). */
void harness_close(struct harness *h, int fd);

/* The syscalls on a fake fd: -EBADF when @fd is none. */
long harness_ioctl(struct harness *h, int fd, unsigned int cmd, uint64_t arg);
/* ioctl(2) on a file that need not be in the table. */
long harness_fioctl(struct harness *h, struct mock_file *f, unsigned int cmd, uint64_t arg);
ssize_t harness_read(struct harness *h, int fd, uint64_t ubuf, size_t len);
ssize_t harness_write(struct harness *h, int fd, uint64_t ubuf, size_t len);
ssize_t harness_pread(struct harness *h, int fd, uint64_t ubuf, size_t len, uint64_t off);
ssize_t harness_pwrite(struct harness *h, int fd, uint64_t ubuf, size_t len, uint64_t off);
/* mmap(2): 0 or a negative errno; the mapping is put at harness_fini(). */
int harness_mmap(struct harness *h, int fd, uint64_t off, uint64_t len, int prot, int flags);

#endif /* LIBIOMMUFD_TESTS_HARNESS_H */
