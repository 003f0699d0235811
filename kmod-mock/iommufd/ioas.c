// SPDX-License-Identifier: MIT
/*
 * ioas.c - the IOAS object and its ioctls (the kernel's ioas.c): alloc,
 * iova_ranges, allow_iovas, map, map_file, copy, unmap, change_process and
 * the IOAS / rlimit options.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "iommufd_private.h"

void iommufd_ioas_destroy(struct iommufd_object *obj)
{
	struct iommufd_ioas *ioas = (struct iommufd_ioas *)obj;

	(void)iopt_unmap_all(&ioas->iopt, NULL);
	iopt_destroy_table(&ioas->iopt);
}

struct iommufd_ioas *iommufd_ioas_alloc(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;

	ioas = (struct iommufd_ioas *)iommufd_object_alloc(ictx, sizeof(*ioas), IOMMUFD_OBJ_IOAS);
	if (!ioas)
		return NULL;
	iopt_init_table(&ioas->iopt);
	return ioas;
}

struct iommufd_ioas *iommufd_get_ioas(struct iommufd_ctx *ictx, uint32_t id)
{
	return (struct iommufd_ioas *)iommufd_get_object(ictx, id, IOMMUFD_OBJ_IOAS);
}

int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;

	ioas = iommufd_ioas_alloc(ucmd->ictx);
	if (!ioas)
		return -ENOMEM;

	cmd->out_ioas_id = ioas->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iommufd_object_abort_and_destroy(ucmd->ictx, &ioas->obj);
		return rc;
	}
	iommufd_object_finalize(ucmd->ictx, &ioas->obj);
	return 0;
}

int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	uint64_t cur = 0, hs, hl;
	uint32_t max_iovas;
	int rc = 0;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;

	max_iovas = cmd->num_iovas;
	cmd->num_iovas = 0;
	cmd->out_iova_alignment = ioas->iopt.iova_alignment;
	while (interval_tree_first_hole(&ioas->iopt.reserved_itree, NULL, cur, UINT64_MAX, &hs,
					&hl)) {
		if (cmd->num_iovas < max_iovas) {
			struct iommu_iova_range elm = { .start = hs, .last = hl };

			if (copy_to_user(ucmd->task,
					 cmd->allowed_iovas + cmd->num_iovas * sizeof(elm), &elm,
					 sizeof(elm))) {
				rc = -EFAULT;
				goto out_put;
			}
		}
		cmd->num_iovas++;
		if (hl == UINT64_MAX)
			break;
		cur = hl + 1;
	}
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_put;
	if (cmd->num_iovas > max_iovas)
		rc = -EMSGSIZE;
out_put:
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

static int iommufd_ioas_load_iovas(const struct mock_task *task,
				   struct interval_tree_root *itree, uint64_t uranges,
				   uint32_t num)
{
	uint32_t i;

	for (i = 0; i != num; i++) {
		struct iommu_iova_range range;
		struct interval_tree_node *allowed;

		if (copy_from_user(task, &range, uranges + (uint64_t)i * sizeof(range),
				   sizeof(range)))
			return -EFAULT;
		if (range.start >= range.last)
			return -EINVAL;
		if (interval_tree_iter_first(itree, range.start, range.last))
			return -EINVAL;
		allowed = mock_zalloc_for(task, 1, sizeof(*allowed));
		if (!allowed)
			return -ENOMEM;
		allowed->start = range.start;
		allowed->last = range.last;
		interval_tree_insert(allowed, itree);
	}
	return 0;
}

int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	struct interval_tree_root allowed = INTERVAL_TREE_ROOT_INIT;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;

	rc = iommufd_ioas_load_iovas(ucmd->task, &allowed, cmd->allowed_iovas, cmd->num_iovas);
	if (!rc)
		rc = iopt_set_allow_iova(&ioas->iopt, &allowed);
	iopt_free_allowed(&allowed);
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

static int conv_iommu_prot(uint32_t map_flags)
{
	/* only cache coherent devices are accepted, so IOMMU_CACHE always */
	int iommu_prot = IOMMU_CACHE;

	if (map_flags & IOMMU_IOAS_MAP_WRITEABLE)
		iommu_prot |= IOMMU_WRITE;
	if (map_flags & IOMMU_IOAS_MAP_READABLE)
		iommu_prot |= IOMMU_READ;
	return iommu_prot;
}

#define MAP_FLAGS_ALL \
	(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)

int iommufd_ioas_map_file(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map_file *cmd = ucmd->cmd;
	uint64_t iova = cmd->iova;
	struct iommufd_ioas *ioas;
	unsigned int flags = 0;
	int rc;

	if (cmd->flags & ~MAP_FLAGS_ALL)
		return -EOPNOTSUPP;
	if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;

	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	rc = iopt_map_file_pages(ucmd->ictx, ucmd->task, &ioas->iopt, &iova, cmd->fd,
				 cmd->start, cmd->length, conv_iommu_prot(cmd->flags), flags);
	if (rc)
		goto out_put;

	cmd->iova = iova;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

/*
 * IOMMU_IOAS_NOIOMMU_GET_PA: the "physical" address behind an IOVA of an IOAS
 * whose area is held by a no-IOMMU domain (devices configured `noiommu`).
 * The mock's physical address of a page is its identity offset (the user VA
 * or file offset), contiguous as far as the area's pages are.
 */
int iommufd_ioas_noiommu_get_pa(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_noiommu_get_pa *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	struct iopt_area *area;
	uint64_t byte, len;
	struct mock_pin_key key;
	int rc = 0;

	if (!mock_task_capable(ucmd->task, CAP_SYS_RAWIO))
		return -EPERM;
	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	if (!cmd->length)
		return -EINVAL;
	if (cmd->iova >= UINT64_MAX)
		return -EOVERFLOW;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;

	area = iopt_area_iter_first(&ioas->iopt, cmd->iova, cmd->iova);
	if (!area || !area->pages) {
		rc = -ENOENT;
		goto out_put;
	}
	if (area->pages->dmabuf_revoked) {
		rc = -EINVAL;
		goto out_put;
	}
	if (!area->storage_domain || !area->storage_domain->no_iommu) {
		rc = -EOPNOTSUPP;
		goto out_put;
	}
	byte = iopt_area_start_byte(area, cmd->iova);
	iopt_pages_key(area->pages, byte, &key);
	cmd->out_phys = key.off + (byte % PAGE_SIZE);
	/* the pages object is virtually contiguous: so is its "physical" range */
	len = iopt_area_last_iova(area) - cmd->iova + 1;
	cmd->length = len < cmd->length ? len : cmd->length;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

int iommufd_ioas_map(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	uint64_t iova = cmd->iova;
	struct iommufd_ioas *ioas;
	unsigned int flags = 0;
	int rc;

	if ((cmd->flags & ~MAP_FLAGS_ALL) || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;

	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	rc = iopt_map_user_pages(ucmd->ictx, ucmd->task, &ioas->iopt, &iova, cmd->user_va,
				 cmd->length, conv_iommu_prot(cmd->flags), flags);
	if (rc)
		goto out_put;

	cmd->iova = iova;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

int iommufd_ioas_copy(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	struct iommufd_ioas *src_ioas, *dst_ioas;
	struct iopt_pages_list *list = NULL;
	unsigned int nr = 0, flags = 0;
	uint64_t iova;
	int rc;

	if (cmd->flags & ~MAP_FLAGS_ALL)
		return -EOPNOTSUPP;
	if (cmd->length >= UINT64_MAX || cmd->src_iova >= UINT64_MAX ||
	    cmd->dst_iova >= UINT64_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;

	src_ioas = iommufd_get_ioas(ucmd->ictx, cmd->src_ioas_id);
	if (!src_ioas)
		return -ENOENT;
	rc = iopt_get_pages(&src_ioas->iopt, cmd->src_iova, cmd->length, &list, &nr);
	iommufd_put_object(ucmd->ictx, &src_ioas->obj);
	if (rc)
		return rc;

	dst_ioas = iommufd_get_ioas(ucmd->ictx, cmd->dst_ioas_id);
	if (!dst_ioas) {
		rc = -ENOENT;
		goto out_pages;
	}
	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	iova = cmd->dst_iova;
	rc = iopt_map_pages(ucmd->task, &dst_ioas->iopt, list, nr, cmd->length, &iova,
			    conv_iommu_prot(cmd->flags), flags);
	if (rc)
		goto out_put_dst;

	cmd->dst_iova = iova;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put_dst:
	iommufd_put_object(ucmd->ictx, &dst_ioas->obj);
out_pages:
	iopt_free_pages_list(list, nr);
	return rc;
}

int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	uint64_t unmapped = 0;
	int rc;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;

	if (cmd->iova == 0 && cmd->length == UINT64_MAX) {
		rc = iopt_unmap_all(&ioas->iopt, &unmapped);
		if (rc)
			goto out_put;
	} else {
		if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX) {
			rc = -EOVERFLOW;
			goto out_put;
		}
		rc = iopt_unmap_iova(&ioas->iopt, cmd->iova, cmd->length, &unmapped);
		if (rc)
			goto out_put;
		if (!unmapped) {
			rc = -ENOENT;
			goto out_put;
		}
	}

	cmd->length = unmapped;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

/* ---------------- IOMMU_IOAS_CHANGE_PROCESS ---------------- */

#define for_each_ctx_area(ictx, id, ioas, area)                                            \
	for (id = 1; id < (ictx)->nr_slots; id++)                                          \
		if (((ioas) = (struct iommufd_ioas *)(ictx)->objects[id]) &&               \
		    (ioas)->obj.type == IOMMUFD_OBJ_IOAS && (ioas)->obj.finalized)         \
			for (area = iopt_area_iter_first(&(ioas)->iopt, 0, UINT64_MAX); area; \
			     area = iopt_area_iter_next(&(ioas)->iopt, area, 0, UINT64_MAX))

static bool need_charge_update(struct iopt_pages *pages, struct mock_mm *cur_mm, uid_t uid)
{
	switch (pages->account_mode) {
	case IOPT_PAGES_ACCOUNT_NONE:
		return false;
	case IOPT_PAGES_ACCOUNT_MM:
		return pages->source_mm != cur_mm;
	case IOPT_PAGES_ACCOUNT_USER:
		/* also moves mm->pinned_vm */
		return pages->source_uid != uid || pages->source_mm != cur_mm;
	}
	return true;
}

int iommufd_ioas_change_process(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_change_process *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	const struct mock_task *task = ucmd->task;
	uint64_t all_npinned[IOPT_PAGES_ACCOUNT_MODE_NUM] = { 0 };
	struct iopt_pages tmp = { 0 };
	struct iommufd_ioas *ioas;
	struct iopt_area *area;
	struct mock_mm *cur_mm;
	unsigned int mode;
	uint32_t id;
	int rc = 0;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	for_each_ctx_area(ictx, id, ioas, area) {
		if (!area->pages)
			return -EBUSY;
		if (area->pages->type != IOPT_ADDRESS_FILE)
			return -EINVAL;
	}

	cur_mm = mock_mm_get(ictx->k, task->pid);
	if (!cur_mm)
		return -ENOMEM;

	/* Count each pages object once: clear last_npinned as it is summed */
	for_each_ctx_area(ictx, id, ioas, area) {
		struct iopt_pages *pages = area->pages;

		if (need_charge_update(pages, cur_mm, task->uid)) {
			all_npinned[pages->account_mode] += pages->last_npinned;
			pages->last_npinned = 0;
		}
	}

	tmp.source_mm = cur_mm;
	tmp.source_pid = task->pid;
	tmp.source_uid = task->uid;
	for (mode = 0; mode != IOPT_PAGES_ACCOUNT_MODE_NUM; mode++) {
		if (!all_npinned[mode])
			continue;
		tmp.account_mode = (int)mode;
		rc = iopt_pages_update_pinned(&tmp, all_npinned[mode], true);
		if (rc)
			break;
	}
	if (rc) {
		while (mode--) {
			if (!all_npinned[mode])
				continue;
			tmp.account_mode = (int)mode;
			iopt_pages_update_pinned(&tmp, all_npinned[mode], false);
		}
		for_each_ctx_area(ictx, id, ioas, area)
			area->pages->last_npinned = area->pages->npinned;
		mock_mm_put(ictx->k, cur_mm);
		return rc;
	}

	for_each_ctx_area(ictx, id, ioas, area) {
		struct iopt_pages *pages = area->pages;

		if (need_charge_update(pages, cur_mm, task->uid)) {
			/* uncharge the old owner; restores last_npinned */
			iopt_pages_update_pinned(pages, pages->npinned, false);
		}
		if (pages->source_mm != cur_mm) {
			cur_mm->refs++;
			mock_mm_put(ictx->k, pages->source_mm);
			pages->source_mm = cur_mm;
		}
		pages->source_pid = task->pid;
		pages->source_uid = task->uid;
	}
	mock_mm_put(ictx->k, cur_mm);
	return 0;
}

/* ---------------- options ---------------- */

int iommufd_option_rlimit_mode(struct iommufd_ucmd *ucmd, struct iommu_option *cmd)
{
	struct iommufd_ctx *ictx = ucmd->ictx;

	if (cmd->object_id)
		return -EOPNOTSUPP;

	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = ictx->account_mode == IOPT_PAGES_ACCOUNT_MM;
		return 0;
	}
	if (cmd->op == IOMMU_OPTION_OP_SET) {
		if (!mock_task_capable(ucmd->task, CAP_SYS_RESOURCE))
			return -EPERM;
		if (ictx->nr_objects)
			return -EBUSY;
		if (cmd->val64 == 0)
			ictx->account_mode = IOPT_PAGES_ACCOUNT_USER;
		else if (cmd->val64 == 1)
			ictx->account_mode = IOPT_PAGES_ACCOUNT_MM;
		else
			return -EINVAL;
		return 0;
	}
	return -EOPNOTSUPP;
}

static int iommufd_ioas_option_huge_pages(struct iommu_option *cmd, struct iommufd_ioas *ioas)
{
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = !ioas->iopt.disable_large_pages;
		return 0;
	}
	if (cmd->op == IOMMU_OPTION_OP_SET) {
		if (cmd->val64 == 0)
			return iopt_disable_large_pages(&ioas->iopt);
		if (cmd->val64 == 1) {
			iopt_enable_large_pages(&ioas->iopt);
			return 0;
		}
		return -EINVAL;
	}
	return -EOPNOTSUPP;
}

int iommufd_ioas_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->object_id);
	if (!ioas)
		return -ENOENT;

	switch (cmd->option_id) {
	case IOMMU_OPTION_HUGE_PAGES:
		rc = iommufd_ioas_option_huge_pages(cmd, ioas);
		break;
	default:
		rc = -EOPNOTSUPP;
	}
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}
