// SPDX-License-Identifier: MIT
/*
 * vfio_compat.c - the VFIO type1 container emulation on the iommufd fd (the
 * kernel's vfio_compat.c): IOMMU_VFIO_IOAS chooses the compat IOAS, and the
 * container ioctls (API version, extensions, SET_IOMMU, GET_INFO with its
 * capability chain, MAP_DMA, UNMAP_DMA) act on it. TYPE1 (v1) may unmap
 * inside a mapping: it turns large pages off and cuts areas at the edges.
 */
#include <errno.h>
#include <stdlib.h>

#include "iommufd_private.h"

static struct iommufd_ioas *get_compat_ioas(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas = ictx->vfio_ioas;

	if (!ioas || !ioas->obj.finalized)
		return NULL;
	ioas->obj.users++;
	return ioas;
}

int iommufd_vfio_compat_ioas_get_id(struct iommufd_ctx *ictx, uint32_t *out_ioas_id)
{
	struct iommufd_ioas *ioas = get_compat_ioas(ictx);

	if (!ioas)
		return -ENODEV;
	*out_ioas_id = ioas->obj.id;
	iommufd_put_object(ictx, &ioas->obj);
	return 0;
}

/*
 * The compat IOAS a VFIO group's SET_CONTAINER needs: a new one (an ordinary
 * IOAS object the program can see and destroy) unless one is set already.
 */
int iommufd_vfio_compat_ioas_create(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;

	if (ictx->vfio_ioas && ictx->vfio_ioas->obj.finalized)
		return 0;
	ioas = iommufd_ioas_alloc(ictx);
	if (!ioas)
		return -ENOMEM;
	ictx->vfio_ioas = ioas;
	iommufd_object_finalize(ictx, &ioas->obj);
	return 0;
}

int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		ioas = get_compat_ioas(ucmd->ictx);
		if (!ioas)
			return -ENODEV;
		cmd->ioas_id = ioas->obj.id;
		iommufd_put_object(ucmd->ictx, &ioas->obj);
		return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
		if (!ioas)
			return -ENOENT;
		ucmd->ictx->vfio_ioas = ioas;
		iommufd_put_object(ucmd->ictx, &ioas->obj);
		return 0;
	case IOMMU_VFIO_IOAS_CLEAR:
		ucmd->ictx->vfio_ioas = NULL;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int vfio_map_dma(struct iommufd_ctx *ictx, const struct mock_task *task, uint64_t arg)
{
	const uint32_t supported = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	struct vfio_iommu_type1_dma_map map;
	int iommu_prot = IOMMU_CACHE;
	struct iommufd_ioas *ioas;
	uint64_t iova;
	int rc;

	if (copy_from_user(task, &map, arg, minsz))
		return -EFAULT;
	if (map.argsz < minsz || (map.flags & ~supported))
		return -EINVAL;
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		iommu_prot |= IOMMU_READ;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		iommu_prot |= IOMMU_WRITE;

	ioas = get_compat_ioas(ictx);
	if (!ioas)
		return -ENODEV;
	/* legacy maps always use VFIO's (per-process) accounting */
	iova = map.iova;
	rc = iopt_map_user_pages(ictx, task, &ioas->iopt, &iova, map.vaddr, map.size,
				 iommu_prot, 0);
	iommufd_put_object(ictx, &ioas->obj);
	return rc;
}

static int vfio_unmap_dma(struct iommufd_ctx *ictx, const struct mock_task *task,
			  uint64_t arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	struct vfio_iommu_type1_dma_unmap unmap;
	struct iommufd_ioas *ioas;
	uint64_t unmapped = 0;
	int rc;

	if (copy_from_user(task, &unmap, arg, minsz))
		return -EFAULT;
	/* GET_DIRTY_BITMAP is obsolete: only ALL is accepted */
	if (unmap.argsz < minsz || (unmap.flags & ~(uint32_t)VFIO_DMA_UNMAP_FLAG_ALL))
		return -EINVAL;

	ioas = get_compat_ioas(ictx);
	if (!ioas)
		return -ENODEV;
	if (unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		if (unmap.iova || unmap.size) {
			rc = -EINVAL;
			goto out_put;
		}
		rc = iopt_unmap_all(&ioas->iopt, &unmapped);
	} else {
		if (ioas->iopt.disable_large_pages) {
			/* type1 v1: cut at both ends so the unmap can land inside maps */
			uint64_t iovas[] = { unmap.iova + unmap.size - 1, unmap.iova - 1 };

			rc = iopt_cut_iova(&ioas->iopt, iovas, unmap.iova ? 2 : 1);
			if (rc)
				goto out_put;
		}
		rc = iopt_unmap_iova(&ioas->iopt, unmap.iova, unmap.size, &unmapped);
	}
	unmap.size = unmapped;
	if (copy_to_user(task, arg, &unmap, minsz))
		rc = -EFAULT;
out_put:
	iommufd_put_object(ictx, &ioas->obj);
	return rc;
}

static int vfio_cc_iommu(struct iommufd_ctx *ictx)
{
	struct iommufd_hwpt_paging *hwpt;
	struct iommufd_ioas *ioas;
	int rc = 1;

	ioas = get_compat_ioas(ictx);
	if (!ioas)
		return -ENODEV;
	for (hwpt = ioas->hwpt_list; hwpt; hwpt = hwpt->next_in_ioas)
		if (!hwpt->enforce_cache_coherency)
			rc = 0;
	iommufd_put_object(ictx, &ioas->obj);
	return rc;
}

static int vfio_check_extension(struct iommufd_ctx *ictx, unsigned long type)
{
	switch (type) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	case VFIO_NOIOMMU_IOMMU:
		/* IS_ENABLED(CONFIG_VFIO_NOIOMMU): on in the test kernel and Debian's */
		return 1;
	case VFIO_DMA_CC_IOMMU:
		return vfio_cc_iommu(ictx);
	default:
		/* VADDR updates are never offered */
		return 0;
	}
}

static int vfio_set_iommu(struct iommufd_ctx *ictx, unsigned long type)
{
	struct iommufd_ioas *ioas;
	int rc = 0;

	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU)
		return -EINVAL;
	/* VFIO fails SET_IOMMU without a group; here: without a compat IOAS */
	ioas = get_compat_ioas(ictx);
	if (!ioas)
		return -ENODEV;
	/* v1 may unmap inside a mapping, which large IO pages would forbid */
	if (type == VFIO_TYPE1_IOMMU)
		rc = iopt_disable_large_pages(&ioas->iopt);
	iommufd_put_object(ictx, &ioas->obj);
	return rc;
}

static uint64_t domain_pgsize_bitmap(const struct mock_domain *domain)
{
	if (domain->pagetable_type == MOCK_IOMMUPT_HUGE)
		return MOCK_HUGE_PAGE_SIZE | PAGE_SIZE;
	return ~(domain->pgsize - 1);
}

static uint64_t vfio_get_pagesizes(struct iommufd_ioas *ioas)
{
	struct io_pagetable *iopt = &ioas->iopt;
	uint64_t bitmap = UINT64_MAX;
	unsigned int i;

	for (i = 0; i != iopt->next_domain_id; i++)
		bitmap &= domain_pgsize_bitmap(iopt->domains[i]);
	/* like vfio_update_pgsize_bitmap(): nothing below PAGE_SIZE */
	if (bitmap & ~PAGE_MASK) {
		bitmap &= PAGE_MASK;
		bitmap |= PAGE_SIZE;
	}
	return bitmap > iopt->iova_alignment ? bitmap : iopt->iova_alignment;
}

/* Capabilities write only inside [ucap, ucap + avail) and return their full size. */
static long fill_cap_iova(struct iommufd_ioas *ioas, const struct mock_task *task,
			  uint64_t ucap, uint64_t avail)
{
	struct vfio_iommu_type1_info_cap_iova_range cap = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, .version = 1 },
	};
	uint64_t cur = 0, hs, hl;

	while (interval_tree_first_hole(&ioas->iopt.reserved_itree, NULL, cur, UINT64_MAX, &hs,
					&hl)) {
		struct vfio_iova_range range = { .start = hs, .end = hl };
		uint64_t off = sizeof(cap) + (uint64_t)cap.nr_iovas * sizeof(range);

		if (avail >= off + sizeof(range) &&
		    copy_to_user(task, ucap + off, &range, sizeof(range)))
			return -EFAULT;
		cap.nr_iovas++;
		if (hl == UINT64_MAX)
			break;
		cur = hl + 1;
	}
	if (avail >= sizeof(cap) + (uint64_t)cap.nr_iovas * sizeof(struct vfio_iova_range) &&
	    copy_to_user(task, ucap, &cap, sizeof(cap)))
		return -EFAULT;
	return (long)(sizeof(cap) + cap.nr_iovas * sizeof(struct vfio_iova_range));
}

static long fill_cap_dma_avail(struct iommufd_ioas *ioas, const struct mock_task *task,
			       uint64_t ucap, uint64_t avail)
{
	struct vfio_iommu_type1_info_dma_avail cap = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, .version = 1 },
		/* no per-mapping limit; qemu on s390 wants more than U16_MAX */
		.avail = UINT32_MAX,
	};

	(void)ioas;
	if (avail >= sizeof(cap) && copy_to_user(task, ucap, &cap, sizeof(cap)))
		return -EFAULT;
	return sizeof(cap);
}

static int vfio_iommu_get_info(struct iommufd_ctx *ictx, const struct mock_task *task,
			       uint64_t arg)
{
	typedef long (*fill_cap_fn)(struct iommufd_ioas *ioas, const struct mock_task *task,
				    uint64_t ucap, uint64_t avail);
	static const fill_cap_fn fill_fns[] = { fill_cap_dma_avail, fill_cap_iova };
	size_t minsz = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	struct vfio_iommu_type1_info info = { 0 };
	uint64_t total = sizeof(info), last_cap = 0;
	struct iommufd_ioas *ioas;
	unsigned int i;
	int rc;

	if (copy_from_user(task, &info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	minsz = info.argsz < sizeof(info) ? info.argsz : sizeof(info);

	ioas = get_compat_ioas(ictx);
	if (!ioas)
		return -ENODEV;
	info.flags = VFIO_IOMMU_INFO_PGSIZES;
	info.iova_pgsizes = vfio_get_pagesizes(ioas);
	info.cap_offset = 0;

	for (i = 0; i != ARRAY_SIZE(fill_fns); i++) {
		uint64_t avail = info.argsz > total ? info.argsz - total : 0;
		long size = fill_fns[i](ioas, task, avail ? arg + total : 0, avail);

		if (size < 0) {
			rc = (int)size;
			goto out_put;
		}
		size = (size + 7) & ~7L;
		if (last_cap && info.argsz >= total) {
			uint32_t next = (uint32_t)total;

			if (copy_to_user(task, last_cap + offsetof(struct vfio_info_cap_header, next),
					 &next, sizeof(next))) {
				rc = -EFAULT;
				goto out_put;
			}
		}
		last_cap = arg + total;
		total += (uint64_t)size;
	}
	/* too small for every cap: report the size needed, no chain */
	if (info.argsz >= total)
		info.cap_offset = sizeof(info);
	info.argsz = (uint32_t)total;
	info.flags |= VFIO_IOMMU_INFO_CAPS;
	rc = copy_to_user(task, arg, &info, minsz) ? -EFAULT : 0;
out_put:
	iommufd_put_object(ictx, &ioas->obj);
	return rc;
}

long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd, unsigned long arg,
			struct mock_call *call)
{
	const struct mock_task *task = call->task;

	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_SET_IOMMU:
		return vfio_set_iommu(ictx, arg);
	case VFIO_CHECK_EXTENSION:
		return vfio_check_extension(ictx, arg);
	case VFIO_IOMMU_GET_INFO:
		return vfio_iommu_get_info(ictx, task, arg);
	case VFIO_IOMMU_MAP_DMA:
		return vfio_map_dma(ictx, task, arg);
	case VFIO_IOMMU_UNMAP_DMA:
		return vfio_unmap_dma(ictx, task, arg);
	default:
		return -ENOTTY;
	}
}
