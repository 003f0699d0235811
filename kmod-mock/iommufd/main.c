// SPDX-License-Identifier: MIT
/*
 * main.c - the kernel's drivers/iommu/iommufd/main.c: the per-context object
 * table (non-zero ids from one namespace, users refcounts so a busy object
 * cannot be destroyed), the ioctl table with minimum sizes and the generic
 * ioctl contract, IOMMU_DESTROY and IOMMU_OPTION, and the /dev/iommu file
 * (iommufd_fops_open() and iommufd_fops). The kernel instance, its files and
 * core.h's entry points are in kernel.c; the accounting is in mm.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd_private.h"
#include "iommufd_test.h"

/* ---------------- objects ---------------- */

struct iommufd_object_ops {
	void (*destroy)(struct iommufd_object *obj);
	void (*abort)(struct iommufd_object *obj);
};

static const struct iommufd_object_ops iommufd_object_ops[IOMMUFD_OBJ_MAX] = {
	[IOMMUFD_OBJ_ACCESS] = { .destroy = iommufd_access_destroy_object },
	[IOMMUFD_OBJ_DEVICE] = { .destroy = iommufd_device_destroy },
	[IOMMUFD_OBJ_HWPT_PAGING] = { .destroy = iommufd_hwpt_paging_destroy,
				      .abort = iommufd_hwpt_paging_abort },
	[IOMMUFD_OBJ_HWPT_NESTED] = { .destroy = iommufd_hwpt_nested_destroy },
	[IOMMUFD_OBJ_IOAS] = { .destroy = iommufd_ioas_destroy },
	[IOMMUFD_OBJ_SELFTEST] = { .destroy = iommufd_selftest_destroy },
	[IOMMUFD_OBJ_FAULT] = { .destroy = iommufd_fault_destroy },
	[IOMMUFD_OBJ_VEVENTQ] = { .destroy = iommufd_veventq_destroy },
	[IOMMUFD_OBJ_VIOMMU] = { .destroy = iommufd_viommu_destroy },
	[IOMMUFD_OBJ_VDEVICE] = { .destroy = iommufd_vdevice_destroy },
	[IOMMUFD_OBJ_HW_QUEUE] = { .destroy = iommufd_hw_queue_destroy },
};

/*
 * The slot of a destroyed object whose id must not come back (a vDEVICE that
 * went with its device): lookups and IOMMU_DESTROY see ENOENT, allocation
 * skips it, until the context is released.
 */
static struct iommufd_object iommufd_tombstone = { .type = IOMMUFD_OBJ_NONE };

static bool is_tombstone(const struct iommufd_object *obj)
{
	return obj == &iommufd_tombstone;
}

struct iommufd_object *iommufd_object_alloc(struct iommufd_ctx *ictx, size_t size,
					    enum iommufd_object_type type)
{
	struct iommufd_object *obj;
	uint32_t id;

	obj = mock_zalloc(1, size);
	if (!obj)
		return NULL;
	for (id = ictx->first_free; id < ictx->nr_slots && ictx->objects[id]; id++)
		;
	if (id >= ictx->nr_slots) {
		uint32_t n = ictx->nr_slots ? ictx->nr_slots * 2 : 64;
		struct iommufd_object **t;

		if (id >= INT32_MAX) {
			free(obj);
			return NULL;
		}
		t = realloc(ictx->objects, n * sizeof(*t));
		if (!t) {
			free(obj);
			return NULL;
		}
		memset(t + ictx->nr_slots, 0, (n - ictx->nr_slots) * sizeof(*t));
		ictx->objects = t;
		ictx->nr_slots = n;
	}
	obj->type = type;
	obj->id = id;
	obj->users = 1;
	obj->ictx = ictx;
	ictx->objects[id] = obj;
	ictx->first_free = id + 1;
	ictx->nr_objects++;
	return obj;
}

struct iommufd_object *iommufd_object_alloc_ucmd(struct iommufd_ucmd *ucmd, size_t size,
						 enum iommufd_object_type type)
{
	struct iommufd_object *obj;

	if (ucmd->new_obj)
		return NULL;
	obj = iommufd_object_alloc(ucmd->ictx, size, type);
	ucmd->new_obj = obj;
	return obj;
}

static void object_slot_free(struct iommufd_ctx *ictx, uint32_t id)
{
	ictx->objects[id] = NULL;
	ictx->nr_objects--;
	if (id < ictx->first_free)
		ictx->first_free = id;
}

void iommufd_object_finalize(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	(void)ictx;
	obj->finalized = true;
}

void iommufd_object_abort(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	object_slot_free(ictx, obj->id);
	free(obj);
}

void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	const struct iommufd_object_ops *ops = &iommufd_object_ops[obj->type];

	if (ops->abort)
		ops->abort(obj);
	else if (ops->destroy)
		ops->destroy(obj);
	iommufd_object_abort(ictx, obj);
}

struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, uint32_t id,
					  enum iommufd_object_type type)
{
	struct iommufd_object *obj;

	if (mock_should_fail(NULL))
		return NULL;
	if (id >= ictx->nr_slots)
		return NULL;
	obj = ictx->objects[id];
	if (!obj || is_tombstone(obj) || !obj->finalized ||
	    (type != IOMMUFD_OBJ_ANY && obj->type != type))
		return NULL;
	obj->users++;
	return obj;
}

void iommufd_put_object(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	(void)ictx;
	obj->users--;
}

static void object_destroy_free(struct iommufd_object *obj)
{
	if (iommufd_object_ops[obj->type].destroy)
		iommufd_object_ops[obj->type].destroy(obj);
	free(obj);
}

/*
 * Remove @id (or @to_destroy, whose caller holds one extra users reference)
 * if nothing else uses it: -ENOENT / -EBUSY otherwise.
 */
int iommufd_object_remove(struct iommufd_ctx *ictx, struct iommufd_object *to_destroy,
			  uint32_t id)
{
	struct iommufd_object *obj;

	if (to_destroy)
		id = to_destroy->id;
	obj = id < ictx->nr_slots ? ictx->objects[id] : NULL;
	if (to_destroy) {
		obj->users--;
		if (obj != to_destroy)
			return -ENOENT;
	} else if (!obj || is_tombstone(obj) || !obj->finalized) {
		return -ENOENT;
	}
	if (obj->users != 1)
		return -EBUSY;
	obj->users = 0;
	object_slot_free(ictx, id);
	if (ictx->vfio_ioas && &ictx->vfio_ioas->obj == obj)
		ictx->vfio_ioas = NULL;
	object_destroy_free(obj);
	return 0;
}

void iommufd_object_tombstone_user(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	uint32_t id = obj->id;

	if (obj->users != 1 || ictx->objects[id] != obj)
		return; /* a users refcount bug: leave it to the context release */
	obj->users = 0;
	ictx->objects[id] = &iommufd_tombstone;
	ictx->nr_objects--;
	object_destroy_free(obj);
}

void iommufd_object_destroy_user(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	/* Drops the kernel-side users reference; single threaded, so it succeeds */
	(void)iommufd_object_remove(ictx, obj, 0);
}

int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t cmd_len)
{
	size_t n = ucmd->user_size < cmd_len ? ucmd->user_size : cmd_len;

	/* an older release's struct ends earlier: it writes nothing past it */
	if (ucmd->ksize && n > ucmd->ksize)
		n = ucmd->ksize;

	if (copy_to_user(ucmd->task, ucmd->ubuffer, ucmd->cmd, n))
		return -EFAULT;
	return 0;
}

static int iommufd_destroy(struct iommufd_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;

	return iommufd_object_remove(ucmd->ictx, NULL, cmd->id);
}

void iommufd_ctx_get(struct iommufd_ctx *ictx)
{
	ictx->refs++;
}

static void iommufd_ctx_destroy(struct iommufd_ctx *ictx)
{
	/* Objects that depend on others hold users refs; peel until empty */
	while (ictx->nr_objects) {
		unsigned int destroyed = 0;
		uint32_t id;

		for (id = 1; id < ictx->nr_slots; id++) {
			struct iommufd_object *obj = ictx->objects[id];

			if (!obj || is_tombstone(obj) || obj->users != 1)
				continue;
			obj->users = 0;
			object_slot_free(ictx, id);
			object_destroy_free(obj);
			destroyed++;
		}
		if (!destroyed)
			break; /* a users refcount bug: leak rather than crash */
	}
	free(ictx->objects);
	mock_file_free(ictx->file);
	free(ictx);
}

void iommufd_ctx_put(struct iommufd_ctx *ictx)
{
	if (--ictx->refs == 0)
		iommufd_ctx_destroy(ictx);
}


/*
 * Open /dev/iommu, or /dev/vfio/vfio when @vfio_container: a new context, the
 * file's private data (the kernel's iommufd_fops_open()).
 */
int iommufd_fops_open(struct mock_kernel *k, int oflags, const struct mock_task *task,
		      bool vfio_container, struct mock_file **out)
{
	struct iommufd_ctx *ictx;
	struct mock_file *f;

	ictx = mock_zalloc_for(task, 1, sizeof(*ictx));
	if (!ictx)
		return -ENOMEM;
	f = mock_file_alloc(k, MOCK_FILE_IOMMUFD, ictx, oflags);
	if (!f) {
		free(ictx);
		return -ENOMEM;
	}
	ictx->k = k;
	ictx->file = f;
	ictx->refs = 1;
	ictx->first_free = 1;
	/* /dev/vfio/vfio accounts as VFIO did: per process */
	ictx->account_mode = vfio_container ? IOPT_PAGES_ACCOUNT_MM : IOPT_PAGES_ACCOUNT_USER;
	mock_list_init(&ictx->mmaps);
	*out = f;
	return 0;
}

/* The iommufd file's release: the ctx frees the file struct when its last reference goes. */
static void iommufd_fops_release(struct mock_file *f)
{
	iommufd_ctx_put(f->private_data);
}

/* ---------------- IOMMU_OPTION ---------------- */

static int iommufd_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	switch (cmd->option_id) {
	case IOMMU_OPTION_RLIMIT_MODE:
		rc = iommufd_option_rlimit_mode(ucmd, cmd);
		break;
	case IOMMU_OPTION_HUGE_PAGES:
		rc = iommufd_ioas_option(ucmd);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	if (copy_to_user(ucmd->task, ucmd->ubuffer + offsetof(struct iommu_option, val64),
			 &cmd->val64, sizeof(cmd->val64)))
		return -EFAULT;
	return 0;
}

/* ---------------- ioctl dispatch ---------------- */

union ucmd_buffer {
	struct iommu_destroy destroy;
	struct iommu_ioas_alloc alloc;
	struct iommu_ioas_allow_iovas allow_iovas;
	struct iommu_ioas_copy ioas_copy;
	struct iommu_ioas_iova_ranges iova_ranges;
	struct iommu_ioas_map map;
	struct iommu_ioas_map_file map_file;
	struct iommu_ioas_unmap unmap;
	struct iommu_ioas_change_process change_process;
	struct iommu_option option;
	struct iommu_test_cmd test;
	struct iommu_hwpt_alloc hwpt;
	struct iommu_hw_info info;
	struct iommu_hwpt_set_dirty_tracking set_dirty_tracking;
	struct iommu_hwpt_get_dirty_bitmap get_dirty_bitmap;
	struct iommu_hwpt_invalidate hwpt_invalidate;
	struct iommu_vfio_ioas vfio_ioas;
	struct iommu_fault_alloc fault;
	struct iommu_hw_queue_alloc hw_queue;
	struct iommu_ioas_noiommu_get_pa noiommu_get_pa;
	struct iommu_vdevice_alloc vdev;
	struct iommu_veventq_alloc veventq;
	struct iommu_viommu_alloc viommu;
	/* room for the structs of later ioctls */
	unsigned char pad[256];
};

struct iommufd_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct iommufd_ucmd *ucmd);
};

#define IOCTL_OP(_ioctl, _fn, _struct, _last)                  \
	[_IOC_NR(_ioctl) - IOMMUFD_CMD_BASE] = {               \
		.size = sizeof(_struct),                       \
		.min_size = offsetofend(_struct, _last),       \
		.ioctl_num = _ioctl,                           \
		.execute = _fn,                                \
	}

static const struct iommufd_ioctl_op iommufd_ioctl_ops[] = {
	IOCTL_OP(IOMMU_DESTROY, iommufd_destroy, struct iommu_destroy, id),
	IOCTL_OP(IOMMU_FAULT_QUEUE_ALLOC, iommufd_fault_alloc, struct iommu_fault_alloc,
		 out_fault_fd),
	IOCTL_OP(IOMMU_HW_QUEUE_ALLOC, iommufd_hw_queue_alloc_ioctl,
		 struct iommu_hw_queue_alloc, length),
	IOCTL_OP(IOMMU_GET_HW_INFO, iommufd_get_hw_info, struct iommu_hw_info, __reserved),
	IOCTL_OP(IOMMU_HWPT_ALLOC, iommufd_hwpt_alloc, struct iommu_hwpt_alloc, __reserved),
	IOCTL_OP(IOMMU_HWPT_GET_DIRTY_BITMAP, iommufd_hwpt_get_dirty_bitmap,
		 struct iommu_hwpt_get_dirty_bitmap, data),
	IOCTL_OP(IOMMU_HWPT_INVALIDATE, iommufd_hwpt_invalidate, struct iommu_hwpt_invalidate,
		 __reserved),
	IOCTL_OP(IOMMU_HWPT_SET_DIRTY_TRACKING, iommufd_hwpt_set_dirty_tracking,
		 struct iommu_hwpt_set_dirty_tracking, __reserved),
	IOCTL_OP(IOMMU_IOAS_ALLOC, iommufd_ioas_alloc_ioctl, struct iommu_ioas_alloc,
		 out_ioas_id),
	IOCTL_OP(IOMMU_IOAS_ALLOW_IOVAS, iommufd_ioas_allow_iovas,
		 struct iommu_ioas_allow_iovas, allowed_iovas),
	IOCTL_OP(IOMMU_IOAS_CHANGE_PROCESS, iommufd_ioas_change_process,
		 struct iommu_ioas_change_process, __reserved),
	IOCTL_OP(IOMMU_IOAS_COPY, iommufd_ioas_copy, struct iommu_ioas_copy, src_iova),
	IOCTL_OP(IOMMU_IOAS_IOVA_RANGES, iommufd_ioas_iova_ranges,
		 struct iommu_ioas_iova_ranges, out_iova_alignment),
	IOCTL_OP(IOMMU_IOAS_MAP, iommufd_ioas_map, struct iommu_ioas_map, iova),
	IOCTL_OP(IOMMU_IOAS_MAP_FILE, iommufd_ioas_map_file, struct iommu_ioas_map_file, iova),
	IOCTL_OP(IOMMU_IOAS_NOIOMMU_GET_PA, iommufd_ioas_noiommu_get_pa,
		 struct iommu_ioas_noiommu_get_pa, out_phys),
	IOCTL_OP(IOMMU_IOAS_UNMAP, iommufd_ioas_unmap, struct iommu_ioas_unmap, length),
	IOCTL_OP(IOMMU_OPTION, iommufd_option, struct iommu_option, val64),
	IOCTL_OP(IOMMU_TEST_CMD, iommufd_test, struct iommu_test_cmd, last),
	IOCTL_OP(IOMMU_VDEVICE_ALLOC, iommufd_vdevice_alloc_ioctl, struct iommu_vdevice_alloc,
		 virt_id),
	IOCTL_OP(IOMMU_VEVENTQ_ALLOC, iommufd_veventq_alloc, struct iommu_veventq_alloc,
		 out_veventq_fd),
	IOCTL_OP(IOMMU_VFIO_IOAS, iommufd_vfio_ioas, struct iommu_vfio_ioas, __reserved),
	IOCTL_OP(IOMMU_VIOMMU_ALLOC, iommufd_viommu_alloc_ioctl, struct iommu_viommu_alloc,
		 out_viommu_id),
};

_Static_assert(sizeof(union ucmd_buffer) >= sizeof(struct iommu_test_cmd), "ucmd_buffer");

/*
 * The size of @op's struct in release @kv, where a later release grew it: a
 * caller's bytes past it must be zero (E2BIG), as they were then.
 */
static size_t release_op_size(const struct iommufd_ioctl_op *op, unsigned int kv)
{
	switch (op->ioctl_num) {
	case IOMMU_HWPT_ALLOC:
		/* 6.7 added the driver data (nesting), 6.11 the fault queue id */
		if (kv < MOCK_KV(6, 7))
			return offsetofend(struct iommu_hwpt_alloc, __reserved);
		if (kv < MOCK_KV(6, 11))
			return offsetofend(struct iommu_hwpt_alloc, data_uptr);
		break;
	case IOMMU_GET_HW_INFO:
		/* 6.7 added out_capabilities */
		if (kv < MOCK_KV(6, 7))
			return offsetofend(struct iommu_hw_info, __reserved);
		break;
	case IOMMU_VIOMMU_ALLOC:
		/* 6.17 added driver data */
		if (kv < MOCK_KV(6, 17))
			return offsetofend(struct iommu_viommu_alloc, out_viommu_id);
		break;
	}
	return op->size;
}

static long iommufd_fops_ioctl(struct iommufd_ctx *ictx, unsigned int cmd, unsigned long arg,
			       struct mock_call *call)
{
	const struct iommufd_ioctl_op *op;
	struct iommufd_ucmd ucmd = { 0 };
	union ucmd_buffer buf;
	unsigned int nr;
	int ret;

	nr = _IOC_NR(cmd);
	if (nr < IOMMUFD_CMD_BASE || (nr - IOMMUFD_CMD_BASE) >= ARRAY_SIZE(iommufd_ioctl_ops))
		return iommufd_vfio_ioctl(ictx, cmd, arg, call);

	ucmd.ictx = ictx;
	ucmd.call = call;
	ucmd.task = call->task;
	ucmd.ubuffer = arg;
	ret = get_user_u32(call->task, &ucmd.user_size, arg);
	if (ret)
		return ret;

	op = &iommufd_ioctl_ops[nr - IOMMUFD_CMD_BASE];
	if (!op->execute || op->ioctl_num != cmd)
		return -ENOTTY;
	/* IOMMU_TEST_CMD sits past the table's end in every release */
	if (nr > mock_release_last_cmd(mock_kv(ictx)) && cmd != IOMMU_TEST_CMD)
		return -ENOTTY;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;

	ucmd.cmd = &buf;
	/* the release's struct may end earlier: bytes past its end must be zero */
	ucmd.ksize = release_op_size(op, mock_kv(ictx));
	if (ucmd.ksize < op->size)
		memset((char *)&buf + ucmd.ksize, 0, op->size - ucmd.ksize);
	ret = copy_struct_from_user(call->task, ucmd.cmd, ucmd.ksize, arg, ucmd.user_size);
	if (ret)
		return ret;
	ret = op->execute(&ucmd);

	if (ucmd.new_obj) {
		if (ret)
			iommufd_object_abort_and_destroy(ictx, ucmd.new_obj);
		else
			iommufd_object_finalize(ictx, ucmd.new_obj);
	}
	return ret;
}

static long iommufd_fops_unlocked_ioctl(struct mock_file *f, unsigned int cmd,
					unsigned long arg, struct mock_call *call)
{
	return iommufd_fops_ioctl(f->private_data, cmd, arg, call);
}

static int iommufd_fops_mmap(struct mock_file *f, uint64_t offset, uint64_t length, int prot,
			     int flags, struct mock_mmap_result *res)
{
	return iommufd_mmap_file(f->private_data, offset, length, prot, flags, res);
}

const struct mock_file_operations iommufd_fops = {
	.release_keeps_file = true,
	.release = iommufd_fops_release,
	.unlocked_ioctl = iommufd_fops_unlocked_ioctl,
	.mmap = iommufd_fops_mmap,
};
