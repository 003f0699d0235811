/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what the library's files share and users never see: the
 * layout of the context and of object handles, the single ioctl helper, the
 * options-struct loader and the errno convention.
 *
 * Only the library sources include this, and only here is the kernel uAPI header pulled
 * in, so the public headers stay free of kernel types.
 */
#ifndef LIBIOMMUFD_INTERNAL_H
#define LIBIOMMUFD_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include <iommufd/iommufd.h>

#include "iommufd-uapi.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define offsetofend(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))

/* Branch hints for the per-call paths (map, unmap): errors are the rare case. */
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Intrusive doubly linked list of the handles of a context. */
struct iommufd_list {
	struct iommufd_list *prev, *next;
};

/*
 * The part every handle (IOAS now; devices, HWPTs, ... later) starts with.
 * The context keeps all of them on its list so iommufd_ctx_close() can free
 * what the caller did not.
 */
/* What a handle is: page-table views (struct iommufd_pt) are checked against it. */
enum iommufd_obj_kind {
	IOMMUFD_OBJ_IOAS = 1 << 0,
	IOMMUFD_OBJ_DEVICE = 1 << 1,
	IOMMUFD_OBJ_HWPT = 1 << 2,
	IOMMUFD_OBJ_FAULT = 1 << 3,
	IOMMUFD_OBJ_VIOMMU = 1 << 4,
	IOMMUFD_OBJ_VDEVICE = 1 << 5,
	IOMMUFD_OBJ_HW_QUEUE = 1 << 6,
	IOMMUFD_OBJ_VEVENTQ = 1 << 7,
};

/*
 * Magic words at the start of handles (the opt-in handle check, debug.c):
 * live object handles, live contexts, and anything freed.
 */
#define IOMMUFD_OBJ_MAGIC 0x6a626f69u   /* "iobj" */
#define IOMMUFD_CTX_MAGIC 0x78746369u   /* "ictx" */
#define IOMMUFD_LOOP_MAGIC 0x706f6c69u  /* "ilop" */
#define IOMMUFD_FREED_MAGIC 0xdeadf4eeu

struct iommufd_obj {
	struct iommufd_list node;
	struct iommufd_ctx *ctx;
	uint32_t id;
	uint32_t kind; /* enum iommufd_obj_kind */
	uint32_t magic;
	/* the public function that released the handle, for the handle check */
	const char *released_by;
	/* Frees the handle's memory (and any fd it owns); never touches the kernel object. */
	void (*release)(struct iommufd_obj *obj);
};

/*
 * The start of the handles that are no kernel object (the context, the event
 * loop): the magic word and who released the handle, for the handle check.
 */
struct iommufd_handle_hdr {
	uint32_t magic;
	const char *released_by;
};

struct iommufd_ctx {
	struct iommufd_handle_hdr hdr;
	int fd;
	bool owns_fd;
	/* Protects objects and the probe results. */
	pthread_mutex_t lock;
	struct iommufd_list objects;
	bool probed;
	uint64_t cmds;     /* bit (nr - IOMMUFD_CMD_BASE) set: the ioctl exists */
	uint32_t features; /* bit (enum iommufd_feature) set: present */
};

struct iommufd_ioas {
	struct iommufd_obj obj;
};

/* obj.id is the device id; fd is -1 for a device adopted by id. */
struct iommufd_device {
	struct iommufd_obj obj;
	int fd;
	bool owns_fd;
	/* regions mapped by iommufd_device_mmap_region(), under ctx->lock (vfio.c) */
	struct iommufd_device_map {
		void *addr;
		uint64_t length;
	} *maps;
	size_t nr_maps;
};

struct iommufd_hwpt {
	struct iommufd_obj obj;
};

/* fd is the queue's file, owned; -1 once closed (by a destroy the kernel refused). */
struct iommufd_fault {
	struct iommufd_obj obj;
	int fd;
};

struct iommufd_viommu {
	struct iommufd_obj obj;
	/* what iommufd_viommu_mmap() mapped and munmap may undo (under ctx->lock) */
	struct iommufd_viommu_map {
		void *addr;
		uint64_t length;
	} *maps;
	size_t nr_maps;
};

struct iommufd_vdevice {
	struct iommufd_obj obj;
	uint64_t virt_id;
};

struct iommufd_hw_queue {
	struct iommufd_obj obj;
};

/*
 * The sequence-number accounting of a vEVENTQ (veventq.c). Sequence numbers
 * are 31 bits and wrap; both "last" fields start at 2^31 - 1 (-1 modulo
 * 2^31), so a first event numbered 0 has nothing lost before it.
 */
struct iommufd_vevent_seq {
	uint32_t last_seq;       /* the last number consumed: an event or a lost-events marker */
	uint32_t last_event_seq; /* the last number of a delivered event */
	uint64_t lost_total;
};

struct iommufd_veventq {
	struct iommufd_obj obj;
	int fd; /* as struct iommufd_fault */
	uint32_t type;
	uint32_t event_size;
	/* Serialises reads: the accounting must see the events in the kernel's order. */
	pthread_mutex_t lock;
	void *buf;
	size_t buf_size;
	bool owns_buf;
	struct iommufd_vevent_seq seq;
};

/*
 * The failed half of iommufd_fd_ioctl(): errno as a negative value (-EIO if
 * the ioctl left none), noted with @cmd for iommufd_last_error(). Out of line
 * and cold so the inlined helper stays a call and a test at each of its
 * sites (errors.c).
 */
long iommufd_ioctl_errno(unsigned long cmd) __attribute__((cold));

/*
 * A library-side refusal: notes @what (the check that failed, as C text, a
 * static string) for iommufd_last_error() and returns @err (negative).
 */
int iommufd_arg_error(int err, const char *what) __attribute__((cold));

/*
 * Drops what iommufd_ioctl_errno() noted, after a failure the library
 * handled itself (a probe), so that no later error is blamed on it.
 */
void iommufd_error_forget(void);

/*
 * The single place that issues an ioctl and translates the answer: the
 * ioctl's non-negative result, or -errno. Inline because map and unmap are
 * per-I/O paths where a call frame costs as much as the checks around it.
 * errno is read before anything else can change it.
 */
static inline long iommufd_fd_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	if (unlikely(ret < 0))
		return iommufd_ioctl_errno(cmd);
	return ret;
}

/* The same on the context's iommufd file. */
static inline long iommufd_ioctl(const struct iommufd_ctx *ctx, unsigned long cmd, void *arg)
{
	return iommufd_fd_ioctl(ctx->fd, cmd, arg);
}

/*
 * The failed half of iommufd_ret(): sets errno to -@ret, records the error
 * of @func for iommufd_last_error(), returns @ret (errors.c).
 */
int iommufd_ret_errno(const char *func, int ret) __attribute__((cold));

/*
 * Every public function returns through this: a negative result is also
 * left in errno as a positive value (libbpf 1.0 convention) and recorded,
 * with the name of the public function, for iommufd_last_error(); success
 * leaves both alone. The store is out of line: a call the compiler can make
 * a tail call keeps the success paths from saving registers for it. Only
 * exported functions return through it (their __func__ is the name the
 * caller knows); internal helpers return plain negative errnos.
 */
static inline int iommufd_ret_at(const char *func, int ret)
{
	if (unlikely(ret < 0))
		return iommufd_ret_errno(func, ret);
	return ret;
}

#if defined(__OPTIMIZE__) && defined(__GNUC__) && !defined(__clang__)
/*
 * Optimised gcc builds enforce "only exported functions": the name test is
 * folded at compile time, and a call left in a function not named iommufd_*
 * is a compile error.
 */
extern void iommufd_ret_outside_api(void)
	__attribute__((error("iommufd_ret() in a function that is not exported: return a "
			     "plain negative errno, or use iommufd_ret_at()")));
#define iommufd_ret(ret)                                                                    \
	((__builtin_strncmp(__func__, "iommufd_", 8) ? iommufd_ret_outside_api() : (void)0), \
	 iommufd_ret_at(__func__, (ret)))
#else
#define iommufd_ret(ret) iommufd_ret_at(__func__, (ret))
#endif

/* The non-NULL half of iommufd_opts_load(), @dst already zeroed (ctx.c). */
int iommufd_opts_copy(void *dst, const void *opts, size_t known);

/*
 * Copies a caller's options struct into @dst (@dst_sz bytes, zeroed first).
 * @known is where the last field this library knows ends: a larger caller
 * struct must be zero beyond it (else -E2BIG), a smaller one leaves the
 * missing fields zero. NULL @opts means all defaults. Inline so that the
 * common NULL case is a few stores (@dst_sz is a constant at every site).
 */
static inline int iommufd_opts_load(void *dst, size_t dst_sz, const void *opts, size_t known)
{
	memset(dst, 0, dst_sz);
	if (likely(!opts))
		return 0;
	return iommufd_opts_copy(dst, opts, known);
}

#define IOMMUFD_OPTS_LOAD(dst, opts, last_field)                                            \
	iommufd_opts_load(dst, sizeof(*(dst)), opts,                                        \
			  offsetofend(__typeof__(*(dst)), last_field))

/*
 * The opt-in handle check (debug.c): IOMMUFD_DEBUG=handles in the
 * environment at load time. Every exported function checks its handle
 * arguments with IOMMUFD_CHECK(); a freed handle (use after destroy, a
 * double destroy or close, a handle of a closed context) or a pointer that is
 * no handle aborts with a message naming the call, the argument and who
 * freed it. Freed handles then stay in a quarantine instead of going back to
 * malloc, so that their poisoned magic word can be read.
 */
extern bool iommufd_debug_handles;

/* Pseudo-kinds of the context and the event loop for IOMMUFD_CHECK(). */
#define IOMMUFD_OBJ_CTX (1u << 30)
#define IOMMUFD_OBJ_LOOP (1u << 29)
/* Page-table views: any object passes (the calls themselves refuse a wrong kind). */
#define IOMMUFD_OBJ_ANY 0xffu

void iommufd_check_handle(const void *handle, uint32_t kinds, const char *func, const char *arg);

#define IOMMUFD_CHECK(handle, kinds)                                                        \
	do {                                                                                \
		if (unlikely(iommufd_debug_handles))                                        \
			iommufd_check_handle((const void *)(handle), (kinds), __func__, #handle); \
	} while (0)

/*
 * Frees the memory of a handle whose release is done: poisons its magic word,
 * and keeps it in the quarantine when the handle check is on.
 */
void iommufd_handle_free(void *handle, uint32_t *magic);

static inline void iommufd_obj_free(struct iommufd_obj *obj)
{
	/* obj is the first member of every handle: its address is the handle's */
	iommufd_handle_free(obj, &obj->magic);
}

/* Handle bookkeeping of the context (ctx.c). */
void iommufd_obj_add(struct iommufd_ctx *ctx, struct iommufd_obj *obj, uint32_t kind,
		     uint32_t id, void (*release)(struct iommufd_obj *obj));

/*
 * The id behind a page-table view, if @pt is a handle of one of @kinds (a
 * mask of enum iommufd_obj_kind) on @ctx; -EINVAL otherwise (ctx.c).
 */
int iommufd_pt_id(const struct iommufd_pt *pt, uint32_t kinds, const struct iommufd_ctx *ctx,
		  uint32_t *id);

/* The view of a handle as a page table (NULL for NULL). */
static inline struct iommufd_pt *iommufd_obj_pt(struct iommufd_obj *obj)
{
	return (struct iommufd_pt *)(void *)obj;
}
void iommufd_obj_del(struct iommufd_obj *obj);

/* IOMMU_DESTROY of a raw id (ctx.c). */
int iommufd_destroy_id(const struct iommufd_ctx *ctx, uint32_t id);

/*
 * Handles over a queue file @fd, which they own from success on (fault.c,
 * veventq.c). Split from the ioctls so tests can stand a pipe in for the
 * kernel's file; @event_size and @buf_size are already checked, a NULL @buf
 * makes the handle allocate its own.
 */
int iommufd_fault_new(struct iommufd_ctx *ctx, uint32_t id, int fd, struct iommufd_fault **out);
int iommufd_veventq_new(struct iommufd_ctx *ctx, uint32_t id, int fd, uint32_t type,
			uint32_t event_size, void *buf, size_t buf_size,
			struct iommufd_veventq **out);

/* The payload size of the vEVENTQ types the library knows; 0 for others (veventq.c). */
uint32_t iommufd_vevent_type_size(uint32_t type);

void iommufd_vevent_seq_init(struct iommufd_vevent_seq *seq);

/*
 * Parses @len bytes the kernel read from a vEVENTQ of @type (payloads of
 * @event_size bytes) into at most @max events, and advances @seq. Returns
 * the number of events; *@lost (may be NULL) gets the dropped events found.
 * -EIO if the bytes do not parse or hold more than @max events; @seq is then
 * unchanged.
 */
int iommufd_vevent_parse(struct iommufd_vevent_seq *seq, uint32_t type, uint32_t event_size,
			 const void *buf, size_t len, struct iommufd_vevent *events, size_t max,
			 uint64_t *lost);

/*
 * IOMMU_HWPT_INVALIDATE on a nested HWPT or a vIOMMU (hwpt.c); *@entry_num
 * in and out (0 when the kernel did not say).
 */
int iommufd_invalidate(const struct iommufd_obj *obj, uint32_t data_type, const void *entries,
		       uint32_t entry_len, uint32_t *entry_num);

/* IOMMU_OPTION on @object_id (0: the context); @val in and out (ctx.c). */
int iommufd_option(const struct iommufd_ctx *ctx, uint32_t option_id, uint16_t op,
		   uint32_t object_id, uint64_t *val);

#endif /* LIBIOMMUFD_INTERNAL_H */
