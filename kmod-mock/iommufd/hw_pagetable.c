// SPDX-License-Identifier: MIT
/*
 * hw_pagetable.c - HWPT objects (the kernel's hw_pagetable.c): paging HWPTs
 * holding a mock domain, created automatically when a device attaches to an
 * IOAS (auto domains) or explicitly with IOMMU_HWPT_ALLOC, and their dirty
 * tracking (SET_DIRTY_TRACKING, GET_DIRTY_BITMAP).
 *
 * The mock domain is the 7.3 selftest's "amdv1_mock" page table seen from
 * outside: MOCK_IOMMUPT_DEFAULT has 2 KiB IO pages and the mock aperture;
 * MOCK_IOMMUPT_HUGE has PAGE_SIZE and 1 MiB pages and the format's whole
 * input range. Nothing is stored per PTE except dirty bits (dirty.c): a
 * mapped PTE is PAGE_SIZE, or 1 MiB in a HUGE domain when one area covers the
 * whole 1 MiB block (what the real table would use for such a mapping).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd_private.h"
#include "iommufd_test.h"

static void hwpt_unlink(struct iommufd_hwpt_paging *hwpt)
{
	struct iommufd_hwpt_paging **pp;

	for (pp = &hwpt->ioas->hwpt_list; *pp; pp = &(*pp)->next_in_ioas) {
		if (*pp == hwpt) {
			*pp = hwpt->next_in_ioas;
			break;
		}
	}
}

static void mock_domain_free_dirty(struct mock_domain *domain)
{
	mock_domain_clear_dirty(domain, 0, UINT64_MAX);
}

static void hwpt_paging_teardown(struct iommufd_hwpt_paging *hwpt, bool domain_added)
{
	mock_domain_free_dirty(&hwpt->domain);
	if (!hwpt->ioas)
		return;
	if (domain_added) {
		hwpt_unlink(hwpt);
		iopt_table_remove_domain(&hwpt->ioas->iopt, &hwpt->domain);
	}
	hwpt->ioas->obj.users--;
	hwpt->ioas = NULL;
}

static void hwpt_put_fault(struct iommufd_hw_pagetable *hwpt)
{
	if (hwpt->fault) {
		hwpt->fault->common.obj.users--;
		hwpt->fault = NULL;
	}
}

void iommufd_hwpt_paging_destroy(struct iommufd_object *obj)
{
	hwpt_put_fault(&((struct iommufd_hwpt_paging *)obj)->common);
	hwpt_paging_teardown((struct iommufd_hwpt_paging *)obj, true);
}

void iommufd_hwpt_paging_abort(struct iommufd_object *obj)
{
	struct iommufd_hwpt_paging *hwpt = (struct iommufd_hwpt_paging *)obj;
	struct iommufd_hwpt_paging *it;
	bool added = false;

	hwpt_put_fault(&hwpt->common);
	if (hwpt->ioas)
		for (it = hwpt->ioas->hwpt_list; it; it = it->next_in_ioas)
			added |= it == hwpt;
	hwpt_paging_teardown(hwpt, added);
}

/*
 * Allocate a paging HWPT with a mock domain on @ioas and fill it with every
 * area. The object is not finalized: the caller does that (or aborts). On
 * failure returns NULL with the errno in *err.
 */
/* The IOMMU_HWPT_ALLOC flags a paging HWPT takes in release @kv. */
static uint32_t release_paging_flags(unsigned int kv)
{
	uint32_t flags = 0;

	if (kv >= MOCK_KV(6, 7))
		flags |= IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	/* 6.11 reported faults of nested HWPTs only; paging ones followed in 6.13 */
	if (kv >= MOCK_KV(6, 13))
		flags |= IOMMU_HWPT_FAULT_ID_VALID;
	if (kv >= MOCK_KV(6, 15))
		flags |= IOMMU_HWPT_ALLOC_PASID;
	return flags;
}

/* ... and a nested one. */
static uint32_t release_nested_flags(unsigned int kv)
{
	uint32_t flags = 0;

	if (kv >= MOCK_KV(6, 11))
		flags |= IOMMU_HWPT_FAULT_ID_VALID;
	if (kv >= MOCK_KV(6, 15))
		flags |= IOMMU_HWPT_ALLOC_PASID;
	return flags;
}

struct iommufd_hwpt_paging *iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx,
						      struct iommufd_ioas *ioas,
						      struct iommufd_device *idev, uint32_t flags,
						      bool immediate_attach,
						      const struct iommu_hwpt_selftest *cfg,
						      int *err)
{
	const uint32_t valid_flags = release_paging_flags(mock_kv(ictx));
	struct iommufd_hwpt_paging *hwpt;
	int rc;

	(void)immediate_attach; /* mock domains are complete without an attach */
	if (flags & ~valid_flags) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) && !idev->mdev->dirty) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	if ((flags & IOMMU_HWPT_FAULT_ID_VALID) && (flags & IOMMU_HWPT_ALLOC_NEST_PARENT)) {
		*err = -EOPNOTSUPP;
		return NULL;
	}

	hwpt = (struct iommufd_hwpt_paging *)iommufd_object_alloc(ictx, sizeof(*hwpt),
								   IOMMUFD_OBJ_HWPT_PAGING);
	if (!hwpt) {
		*err = -ENOMEM;
		return NULL;
	}
	hwpt->ioas = ioas;
	ioas->obj.users++;
	hwpt->common.pasid_compat = flags & IOMMU_HWPT_ALLOC_PASID;
	hwpt->nest_parent = flags & IOMMU_HWPT_ALLOC_NEST_PARENT;
	hwpt->enforce_cache_coherency = true;

	rc = mock_domain_init(&hwpt->domain, idev->mdev,
			      flags & ~(uint32_t)IOMMU_HWPT_FAULT_ID_VALID, cfg);
	if (rc)
		goto out_abort;
	rc = iopt_table_add_domain(&ioas->iopt, &hwpt->domain);
	if (rc)
		goto out_abort;
	hwpt->next_in_ioas = ioas->hwpt_list;
	ioas->hwpt_list = hwpt;
	return hwpt;

out_abort:
	iommufd_object_abort_and_destroy(ictx, &hwpt->common.obj);
	*err = rc;
	return NULL;
}

struct iommufd_hwpt_paging *iommufd_get_hwpt_paging(struct iommufd_ctx *ictx, uint32_t id)
{
	return (struct iommufd_hwpt_paging *)iommufd_get_object(ictx, id,
								 IOMMUFD_OBJ_HWPT_PAGING);
}

/* iommu_copy_struct_from_user() of the selftest HWPT data (minimum: iotlb). */
static int copy_hwpt_selftest(struct iommufd_ucmd *ucmd, const struct iommu_hwpt_alloc *cmd,
			      struct iommu_hwpt_selftest *cfg)
{
	return mock_copy_struct_from_user(ucmd->task, cfg, sizeof(*cfg),
					  offsetofend(struct iommu_hwpt_selftest, iotlb),
					  IOMMU_HWPT_DATA_SELFTEST, cmd->data_type, cmd->data_uptr,
					  cmd->data_len);
}

void iommufd_hwpt_nested_destroy(struct iommufd_object *obj)
{
	struct iommufd_hwpt_nested *nested = (struct iommufd_hwpt_nested *)obj;

	hwpt_put_fault(&nested->common);
	if (nested->viommu)
		nested->viommu->obj.users--;
	else if (nested->parent)
		nested->parent->common.obj.users--;
}

/* iommufd_viommu_alloc_hwpt_nested(): the vIOMMU driver's stage-1 domain. */
static struct iommufd_hwpt_nested *viommu_hwpt_nested_alloc(struct iommufd_ucmd *ucmd,
							    struct iommufd_viommu *viommu,
							    struct iommufd_device *idev,
							    const struct iommu_hwpt_alloc *cmd,
							    int *err)
{
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_hwpt_nested *nested;
	int rc;

	if (cmd->flags & ~release_nested_flags(mock_kv(ictx))) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	if (!cmd->data_len || !iommufd_viommu_has_nested(viommu)) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	nested = (struct iommufd_hwpt_nested *)iommufd_object_alloc(ictx, sizeof(*nested),
								    IOMMUFD_OBJ_HWPT_NESTED);
	if (!nested) {
		*err = -ENOMEM;
		return NULL;
	}
	nested->common.pasid_compat = cmd->flags & IOMMU_HWPT_ALLOC_PASID;
	nested->viommu = viommu;
	viommu->obj.users++;
	nested->parent = viommu->hwpt;
	rc = mock_nested_domain_init(&nested->domain, &viommu->hwpt->domain, idev->mdev,
				     cmd->flags & ~(uint32_t)IOMMU_HWPT_FAULT_ID_VALID, ucmd->task,
				     cmd);
	if (rc) {
		iommufd_object_abort_and_destroy(ictx, &nested->common.obj);
		*err = rc;
		return NULL;
	}
	return nested;
}

/* iommufd_hwpt_nested_alloc(): a stage-1 HWPT on a NEST_PARENT paging HWPT. */
static struct iommufd_hwpt_nested *hwpt_nested_alloc(struct iommufd_ucmd *ucmd,
						     struct iommufd_hwpt_paging *parent,
						     struct iommufd_device *idev,
						     const struct iommu_hwpt_alloc *cmd, int *err)
{
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_hwpt_nested *nested;
	int rc;

	/* e.g. SMMUv3 and AMD have no domain_alloc_nested op: only through a vIOMMU */
	if ((cmd->flags & ~release_nested_flags(mock_kv(ictx))) || !cmd->data_len ||
	    !dev_iommu_ops(idev->mdev)->domain_alloc_nested) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	if (parent->auto_domain || !parent->nest_parent ||
	    parent->domain.owner != dev_iommu_ops(idev->mdev)) {
		*err = -EINVAL;
		return NULL;
	}
	nested = (struct iommufd_hwpt_nested *)iommufd_object_alloc(ictx, sizeof(*nested),
								    IOMMUFD_OBJ_HWPT_NESTED);
	if (!nested) {
		*err = -ENOMEM;
		return NULL;
	}
	nested->common.pasid_compat = cmd->flags & IOMMU_HWPT_ALLOC_PASID;
	parent->common.obj.users++;
	nested->parent = parent;
	rc = mock_nested_domain_init(&nested->domain, &parent->domain, idev->mdev,
				     cmd->flags & ~(uint32_t)IOMMU_HWPT_FAULT_ID_VALID, ucmd->task,
				     cmd);
	if (rc) {
		iommufd_object_abort_and_destroy(ictx, &nested->common.obj);
		*err = rc;
		return NULL;
	}
	return nested;
}

int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_hw_pagetable *hwpt;
	struct iommu_hwpt_selftest cfg;
	struct iommufd_object *pt_obj;
	struct iommufd_device *idev;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if ((cmd->data_type == IOMMU_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != IOMMU_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;

	idev = iommufd_get_device(ictx, cmd->dev_id);
	if (!idev)
		return -ENOENT;
	pt_obj = iommufd_get_object(ictx, cmd->pt_id, IOMMUFD_OBJ_ANY);
	if (!pt_obj) {
		rc = -EINVAL;
		goto out_put_idev;
	}

	switch (pt_obj->type) {
	case IOMMUFD_OBJ_IOAS: {
		const struct iommu_hwpt_selftest *pcfg = NULL;
		struct iommufd_hwpt_paging *paging;

		if (cmd->data_len) {
			/* the mock driver takes its own type (or NONE) for paging domains */
			/* (after 6.17: the generic page table's selftest format types) */
			uint32_t data_type = dev_iommu_ops(idev->mdev)->paging_data_type;

			if (data_type == IOMMU_HWPT_DATA_NONE || cmd->data_type != data_type ||
			    mock_kv(ictx) < MOCK_KV(6, 18)) {
				rc = -EOPNOTSUPP;
				goto out_put_pt;
			}
			rc = copy_hwpt_selftest(ucmd, cmd, &cfg);
			if (rc)
				goto out_put_pt;
			pcfg = &cfg;
		}
		paging = iommufd_hwpt_paging_alloc(ictx, (struct iommufd_ioas *)pt_obj, idev,
						   cmd->flags, false, pcfg, &rc);
		if (!paging)
			goto out_put_pt;
		hwpt = &paging->common;
		break;
	}
	case IOMMUFD_OBJ_HWPT_PAGING: {
		struct iommufd_hwpt_nested *nested;

		nested = hwpt_nested_alloc(ucmd, (struct iommufd_hwpt_paging *)pt_obj, idev, cmd,
					   &rc);
		if (!nested)
			goto out_put_pt;
		hwpt = &nested->common;
		break;
	}
	case IOMMUFD_OBJ_VIOMMU: {
		struct iommufd_viommu *viommu = (struct iommufd_viommu *)pt_obj;
		struct iommufd_hwpt_nested *nested;

		if (idev->mdev->no_iommu || dev_iommu_ops(idev->mdev) != viommu->iommu) {
			rc = -EINVAL;
			goto out_put_pt;
		}
		nested = viommu_hwpt_nested_alloc(ucmd, viommu, idev, cmd, &rc);
		if (!nested)
			goto out_put_pt;
		hwpt = &nested->common;
		break;
	}
	default:
		rc = -EINVAL;
		goto out_put_pt;
	}

	if (cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) {
		struct iommufd_fault *fault = iommufd_get_fault(ictx, cmd->fault_id);

		if (!fault) {
			rc = -ENOENT;
			goto out_hwpt;
		}
		hwpt->fault = fault;
		fault->common.obj.users++;
		iommufd_put_object(ictx, &fault->common.obj);
	}

	cmd->out_hwpt_id = hwpt->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_hwpt;
	iommufd_object_finalize(ictx, &hwpt->obj);
	goto out_put_pt;

out_hwpt:
	iommufd_object_abort_and_destroy(ictx, &hwpt->obj);
out_put_pt:
	iommufd_put_object(ictx, pt_obj);
out_put_idev:
	iommufd_put_object(ictx, &idev->obj);
	return rc;
}

/* Upper bound of entry_num so that one call cannot occupy the kernel for long. */
#define IOMMU_HWPT_INVALIDATE_ENTRY_NUM_MAX (1U << 19)

int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_invalidate *cmd = ucmd->cmd;
	struct iommufd_object *pt_obj;
	uint32_t done_num = 0;
	int rc;

	if (cmd->__reserved) {
		rc = -EOPNOTSUPP;
		goto out;
	}
	if (cmd->entry_num && (!cmd->data_uptr || !cmd->entry_len || cmd->entry_len > PAGE_SIZE ||
			       cmd->entry_num > IOMMU_HWPT_INVALIDATE_ENTRY_NUM_MAX)) {
		rc = -EINVAL;
		goto out;
	}
	pt_obj = iommufd_get_object(ucmd->ictx, cmd->hwpt_id, IOMMUFD_OBJ_ANY);
	if (!pt_obj) {
		rc = -ENOENT;
		goto out;
	}
	if (pt_obj->type == IOMMUFD_OBJ_HWPT_NESTED) {
		struct iommufd_hwpt_nested *nested = (struct iommufd_hwpt_nested *)pt_obj;

		rc = mock_nested_cache_invalidate(&nested->domain, ucmd->task, cmd);
		done_num = cmd->entry_num;
	} else if (pt_obj->type == IOMMUFD_OBJ_VIOMMU) {
		rc = iommufd_viommu_cache_invalidate((struct iommufd_viommu *)pt_obj, ucmd->task,
						     cmd);
		done_num = cmd->entry_num;
	} else {
		/* before the vIOMMU (6.13) only a nested HWPT was looked up */
		rc = mock_kv(ucmd->ictx) < MOCK_KV(6, 13) ? -ENOENT : -EINVAL;
	}
	iommufd_put_object(ucmd->ictx, pt_obj);
out:
	cmd->entry_num = done_num;
	if (iommufd_ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;
	return rc;
}

/* ---------------- dirty tracking (the domain's dirty bits: dirty.c) ---------------- */

int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;
	bool enable;
	int rc = 0;

	if (cmd->flags & ~(uint32_t)IOMMU_HWPT_DIRTY_TRACKING_ENABLE)
		return -EOPNOTSUPP;
	hwpt = iommufd_get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (!hwpt)
		return -ENOENT;
	enable = cmd->flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	if (!hwpt->domain.dirty_tracking) {
		rc = -EOPNOTSUPP;
		goto out_put;
	}
	/* a clean snapshot: enabling starts with no dirty PTEs */
	if (enable)
		mock_domain_free_dirty(&hwpt->domain);
	hwpt->domain.dirty_enabled = enable;
out_put:
	iommufd_put_object(ucmd->ictx, &hwpt->common.obj);
	return rc;
}

static int check_dirty_range(struct io_pagetable *iopt,
			     const struct iommu_hwpt_get_dirty_bitmap *cmd, uint64_t *last_iova)
{
	uint64_t pgsize = iopt->iova_alignment;

	if (!cmd->length)
		return -EINVAL;
	if (__builtin_add_overflow(cmd->iova, cmd->length - 1, last_iova))
		return -EOVERFLOW;
	if ((cmd->iova & (pgsize - 1)) || ((*last_iova + 1) & (pgsize - 1)))
		return -EINVAL;
	if (!cmd->page_size)
		return -EINVAL;
	if ((cmd->iova & (cmd->page_size - 1)) || ((*last_iova + 1) & (cmd->page_size - 1)))
		return -EINVAL;
	return 0;
}

int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;
	uint64_t last_iova, run_last;
	int rc;

	if ((cmd->flags & ~(uint32_t)IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) || cmd->__reserved)
		return -EOPNOTSUPP;
	hwpt = iommufd_get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (!hwpt)
		return -ENOENT;
	rc = check_dirty_range(&hwpt->ioas->iopt, cmd, &last_iova);
	if (rc)
		goto out_put;
	if (!hwpt->domain.dirty_tracking) {
		rc = -EOPNOTSUPP;
		goto out_put;
	}
	/*
	 * Like the kernel, walk only the run of areas that starts at cmd->iova:
	 * a range that starts in a hole reports nothing, and the walk ends
	 * silently at the first hole (dirty bits beyond it stay set). The run's
	 * end is one hole search, whatever the number of areas in it.
	 */
	if (iopt_contig_run(&hwpt->ioas->iopt, cmd->iova, last_iova, &run_last))
		rc = mock_domain_read_dirty(&hwpt->domain, ucmd->task, cmd->iova, run_last,
					    cmd->page_size, cmd->data,
					    !(cmd->flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR));
out_put:
	iommufd_put_object(ucmd->ictx, &hwpt->common.obj);
	return rc;
}
