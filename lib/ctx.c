// SPDX-License-Identifier: MIT
/*
 * ctx.c - the context: opening or adopting the iommufd file, the list of
 * handles made through it, the cached probe of what the kernel supports,
 * context-wide options and raw object destruction. Also the out-of-line halves
 * of the ioctl helper and of the options-struct loader (internal.h).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"
#include "iommufd_test.h"

#define IOMMUFD_DEFAULT_PATH "/dev/iommu"

/* The library's command values are the kernel's command numbers. */
#define CHECK_CMD_NR(name) \
	_Static_assert((int)IOMMUFD_IOCTL_##name == (int)IOMMUFD_CMD_##name, #name)
CHECK_CMD_NR(DESTROY);
CHECK_CMD_NR(IOAS_ALLOC);
CHECK_CMD_NR(IOAS_ALLOW_IOVAS);
CHECK_CMD_NR(IOAS_COPY);
CHECK_CMD_NR(IOAS_IOVA_RANGES);
CHECK_CMD_NR(IOAS_MAP);
CHECK_CMD_NR(IOAS_UNMAP);
CHECK_CMD_NR(OPTION);
CHECK_CMD_NR(VFIO_IOAS);
CHECK_CMD_NR(HWPT_ALLOC);
CHECK_CMD_NR(GET_HW_INFO);
CHECK_CMD_NR(HWPT_SET_DIRTY_TRACKING);
CHECK_CMD_NR(HWPT_GET_DIRTY_BITMAP);
CHECK_CMD_NR(HWPT_INVALIDATE);
CHECK_CMD_NR(FAULT_QUEUE_ALLOC);
CHECK_CMD_NR(IOAS_MAP_FILE);
CHECK_CMD_NR(VIOMMU_ALLOC);
CHECK_CMD_NR(VDEVICE_ALLOC);
CHECK_CMD_NR(IOAS_CHANGE_PROCESS);
CHECK_CMD_NR(VEVENTQ_ALLOC);
CHECK_CMD_NR(HW_QUEUE_ALLOC);
CHECK_CMD_NR(IOAS_NOIOMMU_GET_PA);

/* The selftest command sits outside the regular table (uapi/iommufd_test.h). */
#define IOMMUFD_TEST_CMD_NR _IOC_NR(IOMMU_TEST_CMD)

int iommufd_opts_copy(void *dst, const void *opts, size_t known)
{
	const unsigned char *bytes = opts;
	size_t sz, i;

	memcpy(&sz, opts, sizeof(sz));
	if (sz < sizeof(size_t))
		return iommufd_arg_error(-EINVAL, "opts->sz < sizeof(size_t)");
	for (i = known; i < sz; i++) {
		if (bytes[i])
			return iommufd_arg_error(-E2BIG, "opts: non-zero bytes past known fields");
	}
	memcpy(dst, opts, sz < known ? sz : known);
	return 0;
}

static void list_init(struct iommufd_list *head)
{
	head->prev = head;
	head->next = head;
}

void iommufd_obj_add(struct iommufd_ctx *ctx, struct iommufd_obj *obj, uint32_t kind,
		     uint32_t id, void (*release)(struct iommufd_obj *obj))
{
	obj->ctx = ctx;
	obj->id = id;
	obj->kind = kind;
	obj->magic = IOMMUFD_OBJ_MAGIC;
	obj->release = release;
	pthread_mutex_lock(&ctx->lock);
	obj->node.prev = ctx->objects.prev;
	obj->node.next = &ctx->objects;
	ctx->objects.prev->next = &obj->node;
	ctx->objects.prev = &obj->node;
	pthread_mutex_unlock(&ctx->lock);
}

int iommufd_pt_id(const struct iommufd_pt *pt, uint32_t kinds, const struct iommufd_ctx *ctx,
		  uint32_t *id)
{
	/* A view is the address of the handle's struct iommufd_obj (iommufd_obj_pt()). */
	const struct iommufd_obj *obj = (const struct iommufd_obj *)(const void *)pt;

	if (!obj)
		return iommufd_arg_error(-EINVAL, "!pt");
	if (!(obj->kind & kinds))
		return iommufd_arg_error(-EINVAL, "pt is of a kind this call does not take");
	if (obj->ctx != ctx)
		return iommufd_arg_error(-EINVAL, "pt is of another context");
	*id = obj->id;
	return 0;
}

void iommufd_obj_del(struct iommufd_obj *obj)
{
	struct iommufd_ctx *ctx = obj->ctx;

	pthread_mutex_lock(&ctx->lock);
	obj->node.prev->next = obj->node.next;
	obj->node.next->prev = obj->node.prev;
	list_init(&obj->node);
	pthread_mutex_unlock(&ctx->lock);
}

/*
 * A size-0 argument makes the kernel stop before doing anything: EINVAL
 * (shorter than the command's minimum) if the command exists, ENOTTY if not.
 */
static bool probe_cmd(const struct iommufd_ctx *ctx, unsigned int nr)
{
	uint32_t size = 0;

	return iommufd_ioctl(ctx, _IO(IOMMUFD_TYPE, nr), &size) == -EINVAL;
}

/*
 * Fields a later release added to a command's struct: a kernel that predates
 * one refuses a nonzero byte there with E2BIG before doing anything else, a
 * kernel that knows it fails later (no object has id 0) with another errno.
 * Flags are probed the same way where the kernel checks them before looking
 * up objects.
 */
static uint32_t probe_struct_features(const struct iommufd_ctx *ctx)
{
	uint32_t features = 0;
	int rc;

	if (ctx->cmds & (UINT64_C(1) << (IOMMUFD_IOCTL_HWPT_ALLOC - IOMMUFD_CMD_BASE))) {
		/* data_len without data_type: EINVAL once the fields exist */
		struct iommu_hwpt_alloc hwpt = {
			.size = offsetofend(struct iommu_hwpt_alloc, data_uptr),
			.data_len = 1,
		};

		if (iommufd_ioctl(ctx, IOMMU_HWPT_ALLOC, &hwpt) != -E2BIG)
			features |= 1u << IOMMUFD_FEATURE_HWPT_DATA;
		hwpt.size = sizeof(hwpt);
		hwpt.fault_id = 1;
		if (iommufd_ioctl(ctx, IOMMU_HWPT_ALLOC, &hwpt) != -E2BIG)
			features |= 1u << IOMMUFD_FEATURE_HWPT_FAULT_ID;
	}
	if (ctx->cmds & (UINT64_C(1) << (IOMMUFD_IOCTL_GET_HW_INFO - IOMMUFD_CMD_BASE))) {
		struct iommu_hw_info info = { .size = sizeof(info), .out_capabilities = 1 };

		if (iommufd_ioctl(ctx, IOMMU_GET_HW_INFO, &info) != -E2BIG)
			features |= 1u << IOMMUFD_FEATURE_HW_INFO_CAPABILITIES;
		info = (struct iommu_hw_info){ .size = sizeof(info),
					       .flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE };
		rc = iommufd_ioctl(ctx, IOMMU_GET_HW_INFO, &info);
		if (rc != -EOPNOTSUPP && rc != -E2BIG)
			features |= 1u << IOMMUFD_FEATURE_HW_INFO_INPUT_TYPE;
	}
	if (ctx->cmds & (UINT64_C(1) << (IOMMUFD_IOCTL_VIOMMU_ALLOC - IOMMUFD_CMD_BASE))) {
		struct iommu_viommu_alloc viommu = { .size = sizeof(viommu), .data_len = 1 };

		if (iommufd_ioctl(ctx, IOMMU_VIOMMU_ALLOC, &viommu) != -E2BIG)
			features |= 1u << IOMMUFD_FEATURE_VIOMMU_DATA;
	}
	return features;
}

static void ctx_probe_locked(struct iommufd_ctx *ctx)
{
	unsigned int nr;

	if (ctx->probed)
		return;
	for (nr = IOMMUFD_IOCTL_DESTROY; nr <= IOMMUFD_IOCTL_IOAS_NOIOMMU_GET_PA; nr++) {
		if (probe_cmd(ctx, nr))
			ctx->cmds |= UINT64_C(1) << (nr - IOMMUFD_CMD_BASE);
	}
	if (probe_cmd(ctx, IOMMUFD_TEST_CMD_NR))
		ctx->features |= 1u << IOMMUFD_FEATURE_SELFTEST;
	ctx->features |= probe_struct_features(ctx);
	/* The compat layer answers the VFIO container's version query with 0. */
	if (iommufd_ioctl(ctx, VFIO_GET_API_VERSION, NULL) == VFIO_API_VERSION)
		ctx->features |= 1u << IOMMUFD_FEATURE_VFIO_COMPAT;
	ctx->probed = true;
	/* The probes fail on purpose: no later error is theirs. */
	iommufd_error_forget();
}

LIBIOMMUFD_API bool iommufd_ctx_has_cmd(struct iommufd_ctx *ctx, enum iommufd_cmd cmd)
{
	IOMMUFD_CHECK(ctx, IOMMUFD_OBJ_CTX);
	bool ret;

	if (!ctx || (unsigned int)cmd < IOMMUFD_IOCTL_DESTROY ||
	    (unsigned int)cmd > IOMMUFD_IOCTL_IOAS_NOIOMMU_GET_PA)
		return false;
	pthread_mutex_lock(&ctx->lock);
	ctx_probe_locked(ctx);
	ret = ctx->cmds & (UINT64_C(1) << ((unsigned int)cmd - IOMMUFD_CMD_BASE));
	pthread_mutex_unlock(&ctx->lock);
	return ret;
}

LIBIOMMUFD_API bool iommufd_ctx_has_feature(struct iommufd_ctx *ctx,
					    enum iommufd_feature feature)
{
	IOMMUFD_CHECK(ctx, IOMMUFD_OBJ_CTX);
	bool ret;

	if (!ctx || (unsigned int)feature > IOMMUFD_FEATURE_VIOMMU_DATA)
		return false;
	pthread_mutex_lock(&ctx->lock);
	ctx_probe_locked(ctx);
	ret = ctx->features & (1u << (unsigned int)feature);
	pthread_mutex_unlock(&ctx->lock);
	return ret;
}

/*
 * Checks that @fd is an iommufd file: IOMMU_DESTROY with a zero size is
 * refused by iommufd with EINVAL before it looks at anything else; another
 * file answers ENOTTY (or EBADF if it is not open).
 */
static int check_iommufd(int fd)
{
	uint32_t size = 0;

	switch (iommufd_fd_ioctl(fd, IOMMU_DESTROY, &size)) {
	case -EINVAL:
		iommufd_error_forget();
		return 0;
	case -EBADF:
		return iommufd_arg_error(-EBADF, "the fd is not open");
	default:
		return iommufd_arg_error(-ENOTTY, "the file is no iommufd");
	}
}

LIBIOMMUFD_API int iommufd_ctx_open(const struct iommufd_ctx_opts *uopts,
				    struct iommufd_ctx **out)
{
	const uint32_t fd_flags = IOMMUFD_CTX_ADOPT_FD | IOMMUFD_CTX_BORROW_FD;
	struct iommufd_ctx_opts opts;
	struct iommufd_ctx *ctx;
	int fd, ret;

	ret = IOMMUFD_OPTS_LOAD(&opts, uopts, path);
	if (ret)
		return iommufd_ret(ret);
	if (!out)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!out"));
	if (opts.flags & ~fd_flags)
		return iommufd_ret(-EOPNOTSUPP);
	if ((opts.flags & fd_flags) == fd_flags)
		return iommufd_ret(iommufd_arg_error(-EINVAL,
						     "(opts.flags & fd_flags) == fd_flags"));
	if ((opts.flags & fd_flags) && opts.path)
		return iommufd_ret(iommufd_arg_error(-EINVAL,
						     "(opts.flags & fd_flags) && opts.path"));

	if (opts.flags & fd_flags) {
		if (opts.fd < 0)
			return iommufd_ret(-EBADF);
		fd = opts.fd;
	} else {
		fd = open(opts.path ? opts.path : IOMMUFD_DEFAULT_PATH, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return iommufd_ret(-errno);
	}

	ret = check_iommufd(fd);
	if (ret)
		goto err_close;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		ret = -ENOMEM;
		goto err_close;
	}
	ret = -pthread_mutex_init(&ctx->lock, NULL);
	if (ret) {
		free(ctx);
		goto err_close;
	}
	ctx->hdr.magic = IOMMUFD_CTX_MAGIC;
	ctx->fd = fd;
	ctx->owns_fd = !(opts.flags & IOMMUFD_CTX_BORROW_FD);
	list_init(&ctx->objects);
	*out = ctx;
	return 0;

err_close:
	/* An fd given by the caller stays the caller's on failure. */
	if (!(opts.flags & fd_flags))
		close(fd);
	return iommufd_ret(ret);
}

LIBIOMMUFD_API void iommufd_ctx_close(struct iommufd_ctx *ctx)
{
	IOMMUFD_CHECK(ctx, IOMMUFD_OBJ_CTX);
	int saved_errno = errno;

	if (!ctx)
		return;
	while (ctx->objects.next != &ctx->objects) {
		struct iommufd_obj *obj = (struct iommufd_obj *)ctx->objects.next;

		ctx->objects.next = obj->node.next;
		obj->released_by = "iommufd_ctx_close";
		obj->release(obj);
	}
	if (ctx->owns_fd)
		close(ctx->fd);
	pthread_mutex_destroy(&ctx->lock);
	ctx->hdr.released_by = "iommufd_ctx_close";
	iommufd_handle_free(ctx, &ctx->hdr.magic);
	errno = saved_errno;
}

LIBIOMMUFD_API int iommufd_ctx_get_fd(const struct iommufd_ctx *ctx)
{
	IOMMUFD_CHECK(ctx, IOMMUFD_OBJ_CTX);
	if (!ctx)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ctx"));
	return ctx->fd;
}

int iommufd_destroy_id(const struct iommufd_ctx *ctx, uint32_t id)
{
	struct iommu_destroy cmd = {
		.size = sizeof(cmd),
		.id = id,
	};

	return (int)iommufd_ioctl(ctx, IOMMU_DESTROY, &cmd);
}

LIBIOMMUFD_API int iommufd_ctx_destroy_id(struct iommufd_ctx *ctx, uint32_t id)
{
	IOMMUFD_CHECK(ctx, IOMMUFD_OBJ_CTX);
	if (!ctx)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ctx"));
	if (!id)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!id"));
	return iommufd_ret(iommufd_destroy_id(ctx, id));
}

int iommufd_option(const struct iommufd_ctx *ctx, uint32_t option_id, uint16_t op,
		   uint32_t object_id, uint64_t *val)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = option_id,
		.op = op,
		.object_id = object_id,
		.val64 = *val,
	};
	int ret;

	ret = (int)iommufd_ioctl(ctx, IOMMU_OPTION, &cmd);
	if (!ret)
		*val = cmd.val64;
	return ret;
}

LIBIOMMUFD_API int iommufd_ctx_get_rlimit_mode(struct iommufd_ctx *ctx,
					       enum iommufd_rlimit_mode *mode)
{
	IOMMUFD_CHECK(ctx, IOMMUFD_OBJ_CTX);
	uint64_t val = 0;
	int ret;

	if (!ctx)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ctx"));
	if (!mode)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!mode"));
	ret = iommufd_option(ctx, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0, &val);
	if (ret)
		return iommufd_ret(ret);
	*mode = val ? IOMMUFD_RLIMIT_MODE_PROCESS : IOMMUFD_RLIMIT_MODE_USER;
	return 0;
}

LIBIOMMUFD_API int iommufd_ctx_set_rlimit_mode(struct iommufd_ctx *ctx,
					       enum iommufd_rlimit_mode mode)
{
	IOMMUFD_CHECK(ctx, IOMMUFD_OBJ_CTX);
	uint64_t val;

	if (!ctx)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ctx"));
	switch (mode) {
	case IOMMUFD_RLIMIT_MODE_USER:
		val = 0;
		break;
	case IOMMUFD_RLIMIT_MODE_PROCESS:
		val = 1;
		break;
	default:
		return iommufd_ret(iommufd_arg_error(-EINVAL, "mode is no iommufd_rlimit_mode"));
	}
	return iommufd_ret(iommufd_option(ctx, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET,
					  0, &val));
}

LIBIOMMUFD_API int iommufd_ctx_change_process(struct iommufd_ctx *ctx)
{
	IOMMUFD_CHECK(ctx, IOMMUFD_OBJ_CTX);
	struct iommu_ioas_change_process cmd = {
		.size = sizeof(cmd),
	};

	if (!ctx)
		return iommufd_ret(iommufd_arg_error(-EINVAL, "!ctx"));
	return iommufd_ret((int)iommufd_ioctl(ctx, IOMMU_IOAS_CHANGE_PROCESS, &cmd));
}
