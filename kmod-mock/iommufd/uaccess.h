/* SPDX-License-Identifier: MIT */
/*
 * uaccess.h - what uaccess.c (the only code that touches user memory) offers
 * the core and the drivers: the kernel's linux/uaccess.h (copy_*_user()),
 * the mm and task queries behind them, and the size helpers of
 * linux/kernel.h and linux/stddef.h that go with copying structs.
 */
#ifndef KMOD_MOCK_UACCESS_H
#define KMOD_MOCK_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mock_mm;
struct mock_pin_key;
struct mock_task;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define offsetofend(T, m) (offsetof(T, m) + sizeof(((T *)0)->m))

int copy_from_user(const struct mock_task *task, void *dst, uint64_t usrc, size_t len);
int copy_to_user(const struct mock_task *task, uint64_t udst, const void *src, size_t len);
int clear_user(const struct mock_task *task, uint64_t udst, size_t len);
int copy_struct_from_user(const struct mock_task *task, void *dst, size_t ksize,
			  uint64_t usrc, size_t usize);

/*
 * driver.c: the kernel's iommu_copy_struct_from_full_user_array() into an array
 * allocated here (kzalloc, so a fault point first): @n entries of @klen bytes
 * from @n user entries of @ulen bytes at @uptr, each zero-extended or checked
 * for a zero tail. 0 with *out set (free() it), or -ENOMEM, -EFAULT, -E2BIG.
 */
int mock_memdup_user_array(const struct mock_task *task, void **out, uint32_t n, size_t klen,
			   uint64_t uptr, uint32_t ulen);

int get_user_u32(const struct mock_task *task, uint32_t *val, uint64_t usrc);
/* Open @pid's /proc/<pid>/mem (the identity of its current mm), or -1. */
int mm_open_mem(pid_t pid);
bool mock_mm_alive(const struct mock_mm *mm);
int mm_read(const struct mock_mm *mm, void *dst, uint64_t usrc, size_t len);
int mm_write(const struct mock_mm *mm, uint64_t udst, const void *src, size_t len);
/* A copy to or from pages of @mm nobody pinned: the mapping's protection counts. */
int mm_copy_unpinned(const struct mock_mm *mm, void *kbuf, uint64_t uaddr, size_t len,
		     bool write);
/* How many of @npages pages from @uaddr are readable in @mm (0..npages), < 0 on error. */
long mm_probe_pages(const struct mock_mm *mm, uint64_t uaddr, size_t npages);
/*
 * The shared mappings of @mm's process that cover [@start, @end): for each, its
 * backing object opened through /proc/<pid>/map_files (@writable: for writing
 * too) is given to @fn with the VA piece [lo, hi) it backs and the file
 * offset of lo; @fn owns the fd. A non-zero return of @fn stops the walk and
 * is returned. Private memory is skipped. With @writable (a pin with
 * FOLL_WRITE) a mapping of the range the process cannot write is -EFAULT.
 * A NULL @fn only checks that.
 */
typedef int (*mm_backing_fn)(void *priv, uint64_t lo, uint64_t hi, uint64_t off, int fd);
int mm_for_each_shared_backing(const struct mock_mm *mm, uint64_t start, uint64_t end,
			       bool writable, mm_backing_fn fn, void *priv);
/* Identity of the page behind @va in @pid (file mapping or the VA itself). */
int mock_va_identity(pid_t pid, uint64_t va, struct mock_pin_key *key, bool *is_file);
/* The flags of @task's open fd @fd (/proc/<pid>/fdinfo), -EBADF if it is not open. */
int mock_user_fd_flags(const struct mock_task *task, int fd, int *flags);
int mock_open_user_file(const struct mock_task *task, int fd, bool writable, int *out_fd,
			uint64_t *dev, uint64_t *ino);
bool mock_task_capable(const struct mock_task *task, int cap);
int mock_task_memlock_limit(pid_t pid, uint64_t *limit_pages);

#endif /* KMOD_MOCK_UACCESS_H */
