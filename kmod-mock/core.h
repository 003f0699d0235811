/* SPDX-License-Identifier: MIT */
/*
 * core.h - the boundary between the mock kernel (kmod-mock core) and whatever
 * serves it to programs: the daemon (iommufd-mockd), in-process tests,
 * benchmarks and fuzzers.
 *
 * The core is a plain library. It knows nothing of sockets or fds: a "file"
 * is a struct mock_file, the caller's identity is a struct mock_task, and user
 * pointers are addresses in the memory of task->pid, always reached through
 * process_vm_readv/process_vm_writev (uaccess.c), so a bad pointer is -EFAULT
 * and never a crash. The core is single-threaded: the server serialises calls.
 */
#ifndef KMOD_MOCK_CORE_H
#define KMOD_MOCK_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mock_kernel;
struct mock_file;

/*
 * What the server knows of the caller's memory around one call (uaccess.c):
 * a copy of [uaddr, uaddr + len) that came with the request (the shim sends
 * an ioctl's argument along), and a log of what the call wrote. Reads inside
 * the window are served from buf; writes update buf as well. With
 * defer_writes (the caller vouches that the range is writable) writes inside
 * the window go to buf only, marked in dirty[], and the server hands them
 * back for the caller to store. Writes made straight into the caller's memory
 * are logged in wr[] (for valgrind's memcheck, which cannot see them);
 * overlapping or adjacent ones are merged, and past MOCK_UWIN_MAX_WR the last
 * entry grows to cover the new one.
 */
#define MOCK_UWIN_MAX 256
#define MOCK_UWIN_MAX_WR 8

struct mock_uwin {
	uint64_t uaddr;
	uint32_t len;        /* 0: no copy; at most MOCK_UWIN_MAX */
	bool defer_writes;
	unsigned char *buf;  /* len bytes, owned by the server */
	uint64_t dirty[MOCK_UWIN_MAX / 64];
	unsigned int nr_wr;
	struct {
		uint64_t uaddr, len;
	} wr[MOCK_UWIN_MAX_WR];
};

/* The caller of a file operation ("current" in the kernel). */
struct mock_task {
	pid_t pid; /* thread group id: user pointers refer to this process's memory */
	pid_t tid; /* calling thread (fault injection is per thread) */
	uid_t uid; /* real uid (per-user pinned-memory accounting) */
	struct mock_uwin *uwin; /* NULL, or the window of the call being served */
};

/* Files a call created that the server must turn into fds for the caller. */
#define MOCK_MAX_NEWFD 2
/* Caller files passed along with one call (struct mock_call.fds). */
#define MOCK_MAX_CALL_FDS 8

struct mock_newfd {
	struct mock_file *file; /* the new file; the server owns it from now on */
	uint64_t uaddr;         /* caller address where the fd number (an int) goes; 0 = none */
	int oflags;             /* O_CLOEXEC, O_NONBLOCK, ... for the new fd */
};

struct mock_call {
	const struct mock_task *task;
	unsigned int nr_newfd;
	struct mock_newfd newfd[MOCK_MAX_NEWFD];
	int retval_newfd; /* -1, or the index in newfd[] whose fd number is the return value */
	unsigned int fd_room; /* how many new fds the caller can take (default MOCK_MAX_NEWFD) */
	/*
	 * Files of the caller the call names by fd number and the server passed
	 * along (the eventfds of VFIO_DEVICE_SET_IRQS): the caller's number and
	 * the server's own fd of the same file. A call that keeps one sets its
	 * fd to -1; the server closes the rest afterwards.
	 */
	unsigned int nr_fds;
	struct mock_call_fd {
		int ufd;
		int fd;
	} fds[MOCK_MAX_CALL_FDS];
	/*
	 * A pread/pwrite that is a load or store the caller trapped in a
	 * register mapping (mock_mmap_result.mmio): the driver applies what its
	 * mmap fault handler checks as well (-EIO: the caller raises SIGBUS).
	 */
	bool mmio_fault;
};

/* Initialise a call for @task (no new fds, retval_newfd = -1). */
void mock_call_init(struct mock_call *call, const struct mock_task *task);

/* Machine configuration; starts with its size so it can grow. */
struct mock_kernel_config {
	size_t sz;
	/*
	 * The VFIO PCI devices, /dev/vfio/devices/vfio0, vfio1, ... in the syntax
	 * of doc/mock-devices.md ("edu;selftest,dirty,nesting,pasid=20"). NULL
	 * means the default machine (one edu device behind Intel VT-d); "" none.
	 */
	const char *devices;
	/* Where mock_kernel_new() explains a configuration it rejects (may be NULL). */
	char *err;
	size_t err_len;
	/*
	 * The Linux release whose iommufd the mock presents ("6.12"; see
	 * doc/mock-devices.md): its commands, struct sizes, flags and errnos.
	 * NULL or "" means the newest.
	 */
	const char *kernel;
	/*
	 * The IOMMU group number of device 0 (/dev/vfio/N); device <index> is in
	 * group <base + index>. 0 means the first number after the host's own
	 * groups (/sys/kernel/iommu_groups), so no group the host has is shadowed.
	 */
	unsigned int iommu_group_base;
};

/* The DMA faults device @index (/dev/vfio/devices/vfio<index>) has taken so far. */
unsigned int mock_kernel_device_faults(struct mock_kernel *k, unsigned int index);

/* -EINVAL (with cfg->err filled) for a configuration it cannot build. */
int mock_kernel_new(const struct mock_kernel_config *cfg, struct mock_kernel **out);
void mock_kernel_free(struct mock_kernel *k);

/*
 * Some calls name other files by fd number (the selftest's access fd in
 * IOMMU_TEST_CMD). Only the server knows which mock_file a caller's fd is, so
 * it registers a lookup: return the mock_file behind @fd of @task, or NULL
 * when it is not a mock fd (the call then fails with -EBADFD).
 */
typedef struct mock_file *(*mock_fget_fn)(void *priv, const struct mock_task *task, int fd);

void mock_kernel_set_fget(struct mock_kernel *k, mock_fget_fn fn, void *priv);

/*
 * Whether fd @fd of @task is open for operations, as fget() finds it: false
 * for a closed fd and for an O_PATH file (which the kernel's fget() skips).
 * A server's fget hook uses it, so an O_PATH fd of a mock file is no file.
 */
bool mock_user_fd_fgettable(const struct mock_task *task, int fd);

/* Pages pinned (VmPin) and locked (VmLck) on behalf of process @pid, in pages. */
void mock_kernel_pinned_vm(struct mock_kernel *k, pid_t pid, uint64_t *pinned,
			   uint64_t *locked);

/*
 * The config space dword at @off (a multiple of 4 below 256) of PCI device
 * @index (/dev/vfio/devices/vfio<index>), as sysfs's config file reads it:
 * 0, -ENODEV past the last device, -EINVAL for a bad offset.
 */
int mock_kernel_pci_config(struct mock_kernel *k, unsigned int index, unsigned int off,
			   uint32_t *val);

/*
 * Where the machine put PCI device @index: segment, bus, devfn, the bridge
 * above it if any, and its IOMMU group. VFIO's group and device names, hot
 * reset's answer and the shim's sysfs all come from this.
 */
struct mock_pci_ident {
	uint16_t segment;
	uint8_t bus, devfn;
	bool behind_bridge;
	uint8_t bridge_bus, bridge_devfn; /* the bridge's own address, on the root bus */
	unsigned int iommu_group;
};

/* 0, or -ENODEV past the last device. */
int mock_kernel_pci_ident(struct mock_kernel *k, unsigned int index, struct mock_pci_ident *id);

/*
 * What leak checks count once every file is closed: the references held on
 * process address spaces (mm) and the pages charged to users (locked_vm),
 * each summed over all of them.
 */
unsigned int mock_kernel_mm_refs(const struct mock_kernel *k);
uint64_t mock_kernel_user_locked_vm(const struct mock_kernel *k);

/* Files the kernel holds (released by the server or not): what leak checks count. */
unsigned int mock_kernel_nr_files(const struct mock_kernel *k);

/* Objects in the iommufd context of @f (/dev/iommu), 0 for any other file. */
uint32_t mock_file_nr_objects(const struct mock_file *f);

/* The core's bookkeeping per mapped area (struct iopt_area, struct iopt_pages), in bytes. */
void mock_iopt_struct_sizes(size_t *area, size_t *pages);

/*
 * open(2) of @path ("/dev/iommu", later "/dev/vfio/devices/vfioN").
 * Returns 0 and a new file, -ENOENT if the path is not a mock device, or another
 * negative errno.
 */
int mock_open(struct mock_kernel *k, const char *path, int oflags,
	      const struct mock_task *task, struct mock_file **out);

/* The last user-space reference to @f is gone (the last close of its fd). */
void mock_release(struct mock_file *f);

/*
 * File operations. Return >= 0 or a negative errno, exactly what the kernel's
 * syscall would return. New files are reported in @call; the server installs
 * them as fds in the caller and writes the fd numbers where uaddr says. If it
 * cannot, it releases them with mock_release() and fails the call with that
 * errno (the objects the files held go away as on a close).
 */
long mock_ioctl(struct mock_file *f, unsigned int cmd, unsigned long arg,
		struct mock_call *call);
ssize_t mock_read(struct mock_file *f, uint64_t ubuf, size_t len, struct mock_call *call);
ssize_t mock_write(struct mock_file *f, uint64_t ubuf, size_t len, struct mock_call *call);
ssize_t mock_pread(struct mock_file *f, uint64_t ubuf, size_t len, uint64_t off,
		   struct mock_call *call);
ssize_t mock_pwrite(struct mock_file *f, uint64_t ubuf, size_t len, uint64_t off,
		    struct mock_call *call);

/*
 * Readiness. The core calls @fn whenever the poll(2) state of @f may have
 * changed (an event was queued, a queue was drained, a file became
 * readable), so the server can mirror mock_poll(f) onto the caller's fd.
 */
typedef void (*mock_notify_fn)(void *priv, struct mock_file *f);

void mock_kernel_set_notify(struct mock_kernel *k, mock_notify_fn fn, void *priv);

/*
 * mmap(2) of @f. The core backs what it maps with memory the server can hand
 * to the caller: on success it fills @res with a daemon-side fd (owned by the
 * core, valid while the mapping is referenced) and the offset into it that
 * the caller maps for @length bytes, plus a cookie naming the mapping. Errors
 * as the kernel's (-ENXIO for an offset/length the file does not offer,
 * -EINVAL, -ENODEV for a file without mmap).
 *
 * The kernel counts the VMAs that map a driver's pages (a vIOMMU with a
 * mapping cannot be destroyed): the server takes a reference per mapping
 * (mock_mmap gives the first one) and drops it on munmap or when the mapping
 * process is gone; a fork that duplicates the mapping takes another.
 */
struct mock_mmap_result {
	int memfd;
	uint64_t memfd_off;
	uint64_t cookie;
	/*
	 * Device registers (a vfio-pci BAR: VM_IO | VM_PFNMAP in the kernel):
	 * no memory backs them and no reference is taken (memfd -1, cookie 0).
	 * The caller traps every access to the range and performs it as a
	 * pread/pwrite of the file at the offset mapped there.
	 */
	bool mmio;
};

int mock_mmap(struct mock_file *f, uint64_t offset, uint64_t length, int prot, int flags,
	      struct mock_call *call, struct mock_mmap_result *res);
void mock_mmap_get(struct mock_kernel *k, uint64_t cookie);
void mock_mmap_put(struct mock_kernel *k, uint64_t cookie);

/*
 * Fault injection, /proc/<pid>/task/<tid>/fail-nth: thread @tid of @task's
 * process arms (@set, *@nth > 0) or disarms (*@nth == 0) its counter, or
 * reads it (!@set: *@nth = what is left, 0 once the n-th fault point of a
 * call by that thread failed). -ESRCH if @tid is not a thread of @task->pid.
 */
int mock_fail_nth(struct mock_kernel *k, const struct mock_task *task, pid_t tid, bool set,
		  unsigned int *nth);

/* poll(2) readiness of @f right now (POLLIN, POLLOUT, POLLERR bits). */
unsigned int mock_poll(struct mock_file *f);

#endif /* KMOD_MOCK_CORE_H */
