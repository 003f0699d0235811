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
 * input range. Nothing is stored per PTE except dirty bits: a mapped PTE is
 * PAGE_SIZE, or 1 MiB in a HUGE domain when one area covers the whole 1 MiB
 * block (what the real table would use for such a mapping).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arm_smmuv3.h"
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

	/* SMMUv3 and AMD have no domain_alloc_nested op: only through a vIOMMU */
	if ((cmd->flags & ~release_nested_flags(mock_kv(ictx))) || !cmd->data_len ||
	    idev->mdev->model == MOCK_IOMMU_ARM_SMMUV3 ||
	    idev->mdev->model == MOCK_IOMMU_AMD) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	if (parent->auto_domain || !parent->nest_parent ||
	    parent->domain.model != idev->mdev->model) {
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
			if (idev->mdev->model != MOCK_IOMMU_SELFTEST ||
			    cmd->data_type != IOMMU_HWPT_DATA_SELFTEST ||
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

		if (idev->mdev->no_iommu || idev->mdev->model != viommu->model) {
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

/* ---------------- dirty tracking ---------------- */

/* The IO PTE that maps @iova, as [*first, *last]; false if @iova is not mapped. */
static bool mock_domain_pte(struct mock_domain *domain, uint64_t iova, uint64_t *first,
			    uint64_t *last)
{
	struct iopt_area *area;

	if (!domain->iopt)
		return false;
	area = iopt_area_iter_first(domain->iopt, iova, iova);
	if (!area || !area->pages || !area->storage_domain)
		return false;
	if (domain->pagetable_type == MOCK_IOMMUPT_HUGE || domain->huge_iova) {
		uint64_t b = iova & ~(uint64_t)(MOCK_HUGE_PAGE_SIZE - 1);

		if (iopt_area_iova(area) <= b &&
		    iopt_area_last_iova(area) >= b + MOCK_HUGE_PAGE_SIZE - 1) {
			*first = b;
			*last = b + MOCK_HUGE_PAGE_SIZE - 1;
			return true;
		}
	}
	if (domain->io_pages_2k) {
		*first = iova & ~(uint64_t)(MOCK_PAGE_SIZE - 1);
		*last = *first + MOCK_PAGE_SIZE - 1;
		return true;
	}
	*first = iova & PAGE_MASK;
	*last = *first + PAGE_SIZE - 1;
	return true;
}

bool mock_domain_set_dirty(struct mock_domain *domain, uint64_t iova)
{
	struct interval_tree_node *n;
	uint64_t first, last;

	if (!mock_domain_pte(domain, iova, &first, &last))
		return false;
	if (interval_tree_iter_first(&domain->dirty, first, last))
		return true;
	n = calloc(1, sizeof(*n));
	if (!n)
		return false;
	n->start = first;
	n->last = last;
	interval_tree_insert(n, &domain->dirty);
	return true;
}

void mock_domain_clear_dirty(struct mock_domain *domain, uint64_t first, uint64_t last)
{
	struct interval_tree_node *n;

	while ((n = interval_tree_iter_first(&domain->dirty, first, last))) {
		interval_tree_remove(n, &domain->dirty);
		free(n);
	}
}

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

/*
 * The user bitmap is assembled in a core-side window and merged into user
 * memory with one read and one write per window (the role iova_bitmap's
 * mapped pages play in the kernel): the cost follows the bitmap size, not the
 * number of dirty PTEs. Only PTEs whose bits reached user memory are
 * cleared, all at the end.
 */
#define DIRTY_WIN_BYTES (64 * 1024)

struct dirty_win {
	const struct mock_task *task;
	struct mock_domain *domain;
	uint64_t ubitmap;
	uint64_t run_first, run_last, page_size;
	uint64_t base; /* first bitmap byte of the window */
	size_t used;   /* bytes of the window touched, 0 = empty */
	/* IOVA of the PTEs whose bits are in the window / already in user memory */
	bool have_pend, have_done;
	uint64_t pend_first, pend_last, done_first, done_last;
	size_t nr_pend, nr_done;
	unsigned char *buf, *ubuf; /* the same memory as buf64, ubuf64 */
	uint64_t *buf64, *ubuf64;
};

static int dirty_win_flush(struct dirty_win *w)
{
	size_t i;
	int rc;

	if (w->used) {
		size_t lo = 0, hi = w->used;

		/* bytes we set entirely need not be read back (every PTE dirty) */
		while (hi - lo >= 8 && w->buf64[lo / 8] == UINT64_MAX)
			lo += 8;
		while (lo != hi && w->buf[lo] == 0xff)
			lo++;
		while (hi != lo && w->buf[hi - 1] == 0xff)
			hi--;
		if (lo != hi) {
			rc = copy_from_user(w->task, w->ubuf + lo, w->ubitmap + w->base + lo,
					    hi - lo);
			if (rc)
				return rc;
		}
		/* whole words: bytes outside [lo, hi) are overwritten just below */
		for (i = lo / 8; i < (hi + 7) / 8; i++)
			w->ubuf64[i] |= w->buf64[i];
		memset(w->ubuf, 0xff, lo);
		memset(w->ubuf + hi, 0xff, w->used - hi);
		rc = copy_to_user(w->task, w->ubitmap + w->base, w->ubuf, w->used);
		if (rc)
			return rc;
		memset(w->buf, 0, w->used);
		w->used = 0;
	}
	if (w->have_pend) {
		if (!w->have_done)
			w->done_first = w->pend_first;
		w->done_last = w->pend_last;
		w->have_done = true;
		w->nr_done += w->nr_pend;
		w->nr_pend = 0;
		w->have_pend = false;
	}
	return 0;
}

static void dirty_node_free(struct interval_tree_node *node, void *arg)
{
	(void)arg;
	free(node);
}

/*
 * One rebuild of the dirty tree when the PTEs read are a good share of it,
 * one removal each (O(log n)) when they are few.
 */
static void dirty_clear_done(struct dirty_win *w)
{
	struct interval_tree_root *t = &w->domain->dirty;

	if (w->nr_done * 16 >= t->count &&
	    !interval_tree_remove_range(t, w->done_first, w->done_last, dirty_node_free, NULL))
		return;
	mock_domain_clear_dirty(w->domain, w->done_first, w->done_last);
}

/* Set bitmap bits [first, last], flushing and moving the window as needed. */
static int dirty_win_set(struct dirty_win *w, uint64_t first, uint64_t last)
{
	int rc;

	for (;;) {
		uint64_t fb = first / 8, lb, end_bit;
		size_t i0, i1;

		if (w->used && fb >= w->base + DIRTY_WIN_BYTES) {
			rc = dirty_win_flush(w);
			if (rc)
				return rc;
		}
		if (!w->used)
			w->base = fb;
		end_bit = (w->base + DIRTY_WIN_BYTES) * 8 - 1;
		if (end_bit > last)
			end_bit = last;
		lb = end_bit / 8;
		i0 = (size_t)(fb - w->base);
		i1 = (size_t)(lb - w->base);
		if (i0 == i1) {
			w->buf[i0] |= (unsigned char)((0xffU << (first % 8)) &
						      (0xffU >> (7 - end_bit % 8)));
		} else {
			w->buf[i0] |= (unsigned char)(0xffU << (first % 8));
			memset(w->buf + i0 + 1, 0xff, i1 - i0 - 1);
			w->buf[i1] |= (unsigned char)(0xffU >> (7 - end_bit % 8));
		}
		if (i1 + 1 > w->used)
			w->used = i1 + 1;
		if (end_bit == last)
			return 0;
		first = end_bit + 1;
	}
}

static int dirty_win_node(struct interval_tree_node *n, void *arg)
{
	struct dirty_win *w = arg;
	uint64_t s = n->start > w->run_first ? n->start : w->run_first;
	uint64_t l = n->last < w->run_last ? n->last : w->run_last;
	int rc;

	rc = dirty_win_set(w, (s - w->run_first) / w->page_size,
			   (l - w->run_first) / w->page_size);
	if (rc)
		return rc;
	/* A node is one PTE; the kernel clears a PTE it reads as a whole. */
	if (!w->have_pend)
		w->pend_first = n->start;
	w->pend_last = n->last;
	w->have_pend = true;
	w->nr_pend++;
	return 0;
}

int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;
	struct dirty_win w = { 0 };
	uint64_t last_iova;
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
	if (!iopt_contig_run(&hwpt->ioas->iopt, cmd->iova, last_iova, &w.run_last))
		goto out_put;
	if (!interval_tree_iter_first(&hwpt->domain.dirty, cmd->iova, w.run_last))
		goto out_put;

	w.task = ucmd->task;
	w.domain = &hwpt->domain;
	w.ubitmap = cmd->data;
	w.buf64 = calloc(2, DIRTY_WIN_BYTES);
	if (!w.buf64) {
		rc = -ENOMEM;
		goto out_put;
	}
	w.ubuf64 = w.buf64 + DIRTY_WIN_BYTES / 8;
	w.buf = (unsigned char *)w.buf64;
	w.ubuf = (unsigned char *)w.ubuf64;
	w.run_first = cmd->iova;
	w.page_size = cmd->page_size;
	rc = interval_tree_visit(&hwpt->domain.dirty, w.run_first, w.run_last, dirty_win_node,
				 &w);
	if (!rc)
		rc = dirty_win_flush(&w);
	free(w.buf64);
	if (w.have_done && !(cmd->flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR))
		dirty_clear_done(&w);
out_put:
	iommufd_put_object(ucmd->ictx, &hwpt->common.obj);
	return rc;
}
