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

#include <iommufd/iommufd.h>

#include "iommufd-uapi.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define offsetofend(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))

/* Intrusive doubly linked list of the handles of a context. */
struct iommufd_list {
	struct iommufd_list *prev, *next;
};

/*
 * The part every handle (IOAS now; devices, HWPTs, ... later) starts with.
 * The context keeps all of them on its list so iommufd_ctx_close() can free
 * what the caller did not.
 */
struct iommufd_obj {
	struct iommufd_list node;
	struct iommufd_ctx *ctx;
	uint32_t id;
	/* Frees the handle's memory (and any fd it owns); never touches the kernel object. */
	void (*release)(struct iommufd_obj *obj);
};

struct iommufd_ctx {
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
};

struct iommufd_hwpt {
	struct iommufd_obj obj;
};

/*
 * The single place that issues an ioctl on the context's file and
 * translates the answer: the ioctl's non-negative result, or -errno.
 */
long iommufd_ioctl(const struct iommufd_ctx *ctx, unsigned long cmd, void *arg);

/* The same translation for an ioctl on another file (a VFIO device fd; device.c). */
long iommufd_fd_ioctl(int fd, unsigned long cmd, void *arg);

/*
 * Every public function returns through this: a negative result is also
 * left in errno as a positive value (libbpf 1.0 convention); success leaves
 * errno alone.
 */
static inline int iommufd_ret(int ret)
{
	if (ret < 0)
		errno = -ret;
	return ret;
}

/*
 * Copies a caller's options struct into @dst (@dst_sz bytes, zeroed first).
 * @known is where the last field this library knows ends: a larger caller
 * struct must be zero beyond it (else -E2BIG), a smaller one leaves the
 * missing fields zero. NULL @opts means all defaults.
 */
int iommufd_opts_load(void *dst, size_t dst_sz, const void *opts, size_t known);

#define IOMMUFD_OPTS_LOAD(dst, opts, last_field)                                            \
	iommufd_opts_load(dst, sizeof(*(dst)), opts,                                        \
			  offsetofend(__typeof__(*(dst)), last_field))

/* Handle bookkeeping of the context (ctx.c). */
void iommufd_obj_add(struct iommufd_ctx *ctx, struct iommufd_obj *obj, uint32_t id,
		     void (*release)(struct iommufd_obj *obj));
void iommufd_obj_del(struct iommufd_obj *obj);

/* IOMMU_DESTROY of a raw id (ctx.c). */
int iommufd_destroy_id(const struct iommufd_ctx *ctx, uint32_t id);

/* IOMMU_OPTION on @object_id (0: the context); @val in and out (ctx.c). */
int iommufd_option(const struct iommufd_ctx *ctx, uint32_t option_id, uint16_t op,
		   uint32_t object_id, uint64_t *val);

#endif /* LIBIOMMUFD_INTERNAL_H */
