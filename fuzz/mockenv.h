/* SPDX-License-Identifier: MIT */
/*
 * mockenv.h - what the mock-core fuzz harnesses share: an in-process mock
 * kernel, a fake fd table (fd = 100 + slot, as the core tests do), the
 * "user memory" the harness lets the core touch (an arena fenced by a large
 * PROT_NONE reservation, so a fuzzed pointer or length can make the core
 * fault but never write into the harness's own memory), and a byte cursor
 * over the fuzz input.
 */
#ifndef LIBIOMMUFD_FUZZ_MOCKENV_H
#define LIBIOMMUFD_FUZZ_MOCKENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core.h"
#include "cursor.h"

#define ME_NFDS 16
#define ME_FD_BASE 100
#define ME_ARENA_SIZE (256UL * 1024)
#define ME_MAX_MMAPS 8

struct mockenv {
	struct mock_kernel *k;
	struct mock_task task;
	struct mock_file *fds[ME_NFDS];
	uint64_t cookies[ME_MAX_MMAPS];
	unsigned int nr_cookies;
	int memfd; /* a file of the harness's own for IOAS_MAP_FILE */
};

/* The arena, mapped once per process: [arena, arena + ME_ARENA_SIZE) is read-write. */
uint8_t *me_arena(void);
/* An address in the PROT_NONE fence right after the arena. */
uint64_t me_guard(void);

/* A new machine with @devices (doc/mock-devices.md syntax); 0 or a negative errno. */
int me_init(struct mockenv *e, const char *devices);
/* Releases every file and mapping, then frees the machine. */
void me_fini(struct mockenv *e);

/* Opens @path into a free slot; the fd number or a negative errno. */
int me_open(struct mockenv *e, const char *path);
void me_close(struct mockenv *e, int fd);
struct mock_file *me_file(struct mockenv *e, int fd);

/* The syscalls on a fake fd; new files land in free slots (as a server would install them). */
long me_ioctl(struct mockenv *e, int fd, unsigned int cmd, uint64_t arg);
ssize_t me_read(struct mockenv *e, int fd, uint64_t ubuf, size_t len);
ssize_t me_write(struct mockenv *e, int fd, uint64_t ubuf, size_t len);
ssize_t me_pread(struct mockenv *e, int fd, uint64_t ubuf, size_t len, uint64_t off);
ssize_t me_pwrite(struct mockenv *e, int fd, uint64_t ubuf, size_t len, uint64_t off);
int me_mmap(struct mockenv *e, int fd, uint64_t off, uint64_t len, int prot, int flags);

/*
 * A user pointer chosen by @sel: into the arena at @off, NULL, the fence,
 * a kernel-half address, or the arena's last bytes (straddling the fence).
 */
uint64_t me_uptr(uint8_t sel, uint16_t off);
/* True when @uaddr lies in the arena (the harness may write @len bytes there). */
bool me_in_arena(uint64_t uaddr, size_t len);

#endif /* LIBIOMMUFD_FUZZ_MOCKENV_H */
