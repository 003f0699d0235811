// SPDX-License-Identifier: MIT
/*
 * selftest.c - IOMMU_TEST_CMD (the kernel's selftest.c, CONFIG_IOMMUFD_TEST):
 * reserved ranges, mock devices with their auto domains, checks of domain
 * contents and pin counts, and the access files (pin, rw, replace). Mock
 * domains have 2 KiB IO pages and the aperture [1 << 24, (1 << 31) - 1].
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd_private.h"
#include "iommufd_test.h"

enum selftest_obj_type { TYPE_IDEV };

struct selftest_obj {
	struct iommufd_object obj;
	enum selftest_obj_type type;
	struct iommufd_device *idev;
	struct mock_dev *mdev;
};

struct selftest_access_item {
	struct selftest_access_item *next;
	uint64_t iova;
	uint64_t length;
	uint32_t id;
};

struct selftest_access {
	struct iommufd_access *access;
	struct mock_file *file;
	struct selftest_access_item *items;
	uint32_t next_id;
};

/* ---------------- mock devices ---------------- */

/*
 * The MOCK_FLAGS_DEVICE_* a release's mock devices take: 1 MiB IO pages were
 * a device flag until the selftest moved to the generic page table (after
 * 6.17), where they became a domain's page-table type.
 */
static uint32_t release_dev_flags(unsigned int kv)
{
	uint32_t flags = MOCK_FLAGS_DEVICE_NO_DIRTY;

	if (kv < MOCK_KV(6, 18))
		flags |= MOCK_FLAGS_DEVICE_HUGE_IOVA_612;
	if (kv >= MOCK_KV(6, 15))
		flags |= MOCK_FLAGS_DEVICE_PASID;
	return flags;
}

/* The last IOMMU_TEST_OP_* of a release: ops were only ever appended. */
static uint32_t release_last_test_op(unsigned int kv)
{
	if (kv < MOCK_KV(6, 7))
		return IOMMU_TEST_OP_ACCESS_REPLACE_IOAS;
	if (kv < MOCK_KV(6, 11))
		return IOMMU_TEST_OP_MD_CHECK_IOTLB;
	if (kv < MOCK_KV(6, 13))
		return IOMMU_TEST_OP_TRIGGER_IOPF;
	if (kv < MOCK_KV(6, 15))
		return IOMMU_TEST_OP_DEV_CHECK_CACHE;
	if (kv < MOCK_KV(6, 18))
		return IOMMU_TEST_OP_PASID_CHECK_HWPT;
	return IOMMU_TEST_OP_DMABUF_REVOKE;
}

static int iommufd_test_mock_domain(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct selftest_obj *sobj;
	uint32_t pt_id = cmd->id;
	uint32_t dev_flags = 0;
	int rc;

	sobj = (struct selftest_obj *)iommufd_object_alloc(ictx, sizeof(*sobj),
							    IOMMUFD_OBJ_SELFTEST);
	if (!sobj)
		return -ENOMEM;
	sobj->type = TYPE_IDEV;

	if (cmd->op == IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS)
		dev_flags = cmd->mock_domain_flags.dev_flags;
	if (dev_flags & ~release_dev_flags(mock_kv(ictx))) {
		rc = -EINVAL;
		goto out_sobj;
	}
	sobj->mdev = mock_zalloc_for(ucmd->task, 1, sizeof(*sobj->mdev));
	if (!sobj->mdev) {
		rc = -ENOMEM;
		goto out_sobj;
	}
	mock_dev_init_selftest(sobj->mdev, dev_flags);
	(void)mock_dev_probe_iommu(sobj->mdev, mock_kv(ictx)); /* every release has it */
	sobj->mdev->id = ictx->k->next_mock_dev_id++;

	sobj->idev = iommufd_device_bind(ictx, sobj->mdev);
	if (!sobj->idev) {
		rc = -ENOMEM;
		goto out_mdev;
	}
	rc = iommufd_device_attach(sobj->idev, IOMMU_NO_PASID, &pt_id);
	if (rc)
		goto out_unbind;

	/* userspace destroys the stdev id to remove the device */
	cmd->mock_domain.out_hwpt_id = pt_id;
	cmd->mock_domain.out_stdev_id = sobj->obj.id;
	cmd->mock_domain.out_idev_id = sobj->idev->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_detach;
	iommufd_object_finalize(ictx, &sobj->obj);
	return 0;

out_detach:
	iommufd_device_detach(sobj->idev, IOMMU_NO_PASID);
out_unbind:
	iommufd_device_unbind(sobj->idev);
out_mdev:
	free(sobj->mdev);
out_sobj:
	iommufd_object_abort(ictx, &sobj->obj);
	return rc;
}

void iommufd_selftest_destroy(struct iommufd_object *obj)
{
	struct selftest_obj *sobj = (struct selftest_obj *)obj;

	switch (sobj->type) {
	case TYPE_IDEV:
		iommufd_device_detach(sobj->idev, IOMMU_NO_PASID);
		iommufd_device_unbind(sobj->idev);
		free(sobj->mdev);
		break;
	}
}

static struct selftest_obj *iommufd_test_get_selftest_obj(struct iommufd_ctx *ictx,
							  uint32_t id)
{
	struct iommufd_object *obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_SELFTEST);

	if (!obj)
		return NULL;
	if (((struct selftest_obj *)obj)->type != TYPE_IDEV) {
		iommufd_put_object(ictx, obj);
		return NULL;
	}
	return (struct selftest_obj *)obj;
}

static int iommufd_test_mock_domain_replace(struct iommufd_ucmd *ucmd, uint32_t device_id,
					    uint32_t pt_id, struct iommu_test_cmd *cmd)
{
	struct selftest_obj *sobj;
	int rc;

	sobj = iommufd_test_get_selftest_obj(ucmd->ictx, device_id);
	if (!sobj)
		return -ENOENT;
	rc = iommufd_device_replace(sobj->idev, IOMMU_NO_PASID, &pt_id);
	if (rc)
		goto out_put;
	cmd->mock_domain_replace.pt_id = pt_id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iommufd_put_object(ucmd->ictx, &sobj->obj);
	return rc;
}

static int iommufd_test_dirty(struct iommufd_ucmd *ucmd, uint32_t mockpt_id, uint64_t iova,
			      uint64_t length, uint64_t page_size, uint64_t uptr)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;
	uint64_t i, max, count = 0;
	unsigned char *bits;
	int rc;

	if (!page_size || !length || iova % page_size || length % page_size || !uptr)
		return -EINVAL;
	max = length / page_size;
	if (max > 16ULL * 1024 * 1024 * 8)
		return -EOVERFLOW;

	hwpt = iommufd_get_hwpt_paging(ucmd->ictx, mockpt_id);
	if (!hwpt)
		return -ENOENT;
	if (!hwpt->domain.dirty_enabled) {
		rc = -EINVAL;
		goto out_put;
	}
	bits = mock_zalloc(1, (max + 7) / 8);
	if (!bits) {
		rc = -ENOMEM;
		goto out_put;
	}
	if (copy_from_user(ucmd->task, bits, uptr, (max + 7) / 8)) {
		rc = -EFAULT;
		goto out_free;
	}
	for (i = 0; i != max; i++) {
		if (!(bits[i / 8] & (1U << (i % 8))))
			continue;
		if (hwpt->domain.io_pages_2k) {
			/*
			 * The <= 6.17 driver indexes its 2 KiB IO pages by
			 * IOVA / page_size, and counts only the mapped ones.
			 */
			uint64_t io_page = (iova + i * page_size) / page_size;

			if (mock_domain_set_dirty(&hwpt->domain, io_page * MOCK_PAGE_SIZE))
				count++;
			continue;
		}
		/* like the driver's set_dirty(): an unmapped IOVA is counted anyway */
		(void)mock_domain_set_dirty(&hwpt->domain, iova + i * page_size);
		count++;
	}
	cmd->dirty.out_nr_dirty = count;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_free:
	free(bits);
out_put:
	iommufd_put_object(ucmd->ictx, &hwpt->common.obj);
	return rc;
}

static int iommufd_test_add_reserved(struct iommufd_ucmd *ucmd, uint32_t mockpt_id,
				     uint64_t start, uint64_t length)
{
	struct iommufd_ioas *ioas;
	uint64_t last;
	int rc;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(start, length - 1, &last))
		return -EOVERFLOW;

	ioas = iommufd_get_ioas(ucmd->ictx, mockpt_id);
	if (!ioas)
		return -ENOENT;
	rc = iopt_reserve_iova(&ioas->iopt, start, last, NULL);
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

static int iommufd_test_dev_check_cache(struct iommufd_ucmd *ucmd, uint32_t idev_id,
					unsigned int cache_id, uint32_t cache)
{
	struct iommufd_device *idev;
	int rc = 0;

	idev = (struct iommufd_device *)iommufd_get_object(ucmd->ictx, idev_id,
							    IOMMUFD_OBJ_DEVICE);
	if (!idev)
		return -ENOENT;
	if (cache_id > MOCK_DEV_CACHE_ID_MAX || idev->mdev->cache[cache_id] != cache)
		rc = -EINVAL;
	iommufd_put_object(ucmd->ictx, &idev->obj);
	return rc;
}

/* ---------------- page identity checks ---------------- */

/* Identity of the page holding @byte of @pages, and the byte offset in that page. */
static int pages_identity(struct iopt_pages *pages, uint64_t byte, struct mock_pin_key *key,
			  uint64_t *offset)
{
	bool is_file;

	if (pages->type == IOPT_ADDRESS_FILE) {
		iopt_pages_key(pages, byte, key);
		*offset = (iopt_pages_file(pages)->start + byte) % PAGE_SIZE;
		return 0;
	}
	*offset = (pages->uptr + byte) % PAGE_SIZE;
	if (!mock_mm_alive(pages->source_mm) ||
	    mock_va_identity(pages->source_mm->pid, (pages->uptr + byte) & PAGE_MASK, key,
			     &is_file))
		iopt_pages_key(pages, byte, key);
	return 0;
}

/* The same for the page mapped at @iova in @iopt (no domain needed: an access). */
static int iova_identity(struct io_pagetable *iopt, uint64_t iova, struct mock_pin_key *key,
			 uint64_t *offset)
{
	struct iopt_area *area = iopt_area_iter_first(iopt, iova, iova);

	if (!area || !area->pages)
		return -EINVAL;
	return pages_identity(area->pages, iopt_area_start_byte(area, iova), key, offset);
}

/* The same for the page @iova translates to in @domain's IO page table. */
static int domain_identity(struct mock_domain *domain, uint64_t iova, struct mock_pin_key *key,
			   uint64_t *offset)
{
	struct iopt_pages *pages;
	uint64_t byte;
	int prot;

	if (!mock_domain_iova_to_pages(domain, iova, &pages, &byte, &prot, NULL, NULL))
		return -EINVAL;
	return pages_identity(pages, byte, key, offset);
}

static bool key_eq(const struct mock_pin_key *a, const struct mock_pin_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->off == b->off;
}

/* The caller's page at @uptr must exist (get_user_pages_fast) */
static int user_identity(const struct mock_task *task, uint64_t uptr, struct mock_pin_key *key)
{
	unsigned char b;
	bool is_file;

	if (copy_from_user(task, &b, uptr, 1))
		return -EFAULT;
	return mock_va_identity(task->pid, uptr & PAGE_MASK, key, &is_file);
}

static int iommufd_test_md_check_pa(struct iommufd_ucmd *ucmd, uint32_t mockpt_id,
				    uint64_t iova, uint64_t length, uint64_t uptr)
{
	struct iommufd_hwpt_paging *hwpt;
	uint64_t page_size = MOCK_PAGE_SIZE, end;
	int rc = 0;

	hwpt = (struct iommufd_hwpt_paging *)iommufd_get_object(ucmd->ictx, mockpt_id,
								 IOMMUFD_OBJ_HWPT_PAGING);
	if (!hwpt)
		return -ENOENT;
	if (iova % page_size || length % page_size || uptr % page_size ||
	    __builtin_add_overflow(uptr, length, &end)) {
		rc = -EINVAL;
		goto out_put;
	}
	for (; length; length -= page_size) {
		struct mock_pin_key ukey, ikey;
		uint64_t ioff;

		rc = user_identity(ucmd->task, uptr, &ukey);
		if (rc)
			goto out_put;
		if (domain_identity(&hwpt->domain, iova, &ikey, &ioff) ||
		    !key_eq(&ukey, &ikey) || ioff != uptr % PAGE_SIZE) {
			rc = -EINVAL;
			goto out_put;
		}
		iova += page_size;
		uptr += page_size;
	}
out_put:
	iommufd_put_object(ucmd->ictx, &hwpt->common.obj);
	return rc;
}

static int iommufd_test_md_check_refs(struct iommufd_ucmd *ucmd, uint64_t uptr,
				      uint64_t length, uint32_t refs)
{
	struct mock_kernel *k = ucmd->ictx->k;
	uint64_t end;

	if (length % PAGE_SIZE || uptr % PAGE_SIZE || __builtin_add_overflow(uptr, length, &end))
		return -EINVAL;

	for (; length; length -= PAGE_SIZE) {
		struct mock_pin_key va = { 0, 0, uptr }, key;
		uint64_t count;
		int rc;

		rc = user_identity(ucmd->task, uptr, &key);
		if (rc)
			return rc;
		count = mock_pin_count(k, &va);
		if (!key_eq(&key, &va))
			count += mock_pin_count(k, &key);
		if (count != refs)
			return -EIO;
		uptr += PAGE_SIZE;
	}
	return 0;
}

/* ---------------- access files ---------------- */

static struct selftest_access *iommufd_access_get(struct iommufd_ucmd *ucmd, int fd)
{
	struct mock_kernel *k = ucmd->ictx->k;
	struct mock_file *f;

	if (!k->fget)
		return NULL;
	f = k->fget(k->fget_priv, ucmd->task, fd);
	if (!f || f->f_op != &iommufd_test_staccess_fops)
		return NULL;
	return f->private_data;
}

static void iommufd_test_access_unmap(void *data, uint64_t iova, uint64_t length)
{
	uint64_t iova_last = iova + length - 1;
	struct selftest_access *staccess = data;
	struct selftest_access_item **pp = &staccess->items;

	while (*pp) {
		struct selftest_access_item *item = *pp;

		if (iova > item->iova + item->length - 1 || iova_last < item->iova) {
			pp = &item->next;
			continue;
		}
		*pp = item->next;
		iommufd_access_unpin_pages(staccess->access, item->iova, item->length);
		free(item);
	}
}

void iommufd_test_access_file_release(struct mock_file *f)
{
	struct selftest_access *staccess = f->private_data;

	if (staccess->access) {
		iommufd_test_access_unmap(staccess, 0, UINT64_MAX);
		iommufd_access_destroy(staccess->access);
	}
	free(staccess);
}

static int iommufd_test_create_access(struct iommufd_ucmd *ucmd, uint32_t ioas_id,
				      uint32_t flags)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;
	struct mock_call *call = ucmd->call;
	struct selftest_access *staccess;
	struct iommufd_access *access;
	int rc;

	if (flags & ~(uint32_t)MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		return -EOPNOTSUPP;
	if (call->nr_newfd >= MOCK_MAX_NEWFD || call->nr_newfd >= call->fd_room)
		return -EMFILE;

	staccess = mock_zalloc(1, sizeof(*staccess));
	if (!staccess)
		return -ENOMEM;
	staccess->file = mock_file_alloc(ucmd->ictx->k, MOCK_FILE_TEST_ACCESS, staccess, O_RDWR);
	if (!staccess->file) {
		free(staccess);
		return -ENOMEM;
	}

	access = iommufd_access_create(ucmd->ictx,
				       flags & MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				       iommufd_test_access_unmap, staccess);
	if (!access) {
		rc = -ENOMEM;
		goto out_free;
	}
	rc = iommufd_access_attach(access, ioas_id);
	if (rc)
		goto out_destroy;
	/* the server writes the real fd number when it installs the file */
	cmd->create_access.out_access_fd = 0;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_destroy;

	staccess->access = access;
	call->newfd[call->nr_newfd].file = staccess->file;
	call->newfd[call->nr_newfd].uaddr =
		ucmd->ubuffer + offsetof(struct iommu_test_cmd, create_access.out_access_fd);
	call->newfd[call->nr_newfd].oflags = O_CLOEXEC;
	call->nr_newfd++;
	return 0;

out_destroy:
	iommufd_access_destroy(access);
out_free:
	mock_file_free(staccess->file);
	free(staccess);
	return rc;
}

static int iommufd_test_access_replace_ioas(struct iommufd_ucmd *ucmd, uint32_t access_fd,
					    uint32_t ioas_id)
{
	struct selftest_access *staccess = iommufd_access_get(ucmd, (int)access_fd);

	if (!staccess)
		return -EBADFD;
	return iommufd_access_replace(staccess->access, ioas_id);
}

static int iommufd_test_access_item_destroy(struct iommufd_ucmd *ucmd, uint32_t access_fd,
					    uint32_t item_id)
{
	struct selftest_access *staccess = iommufd_access_get(ucmd, (int)access_fd);
	struct selftest_access_item **pp;

	if (!staccess)
		return -EBADFD;
	for (pp = &staccess->items; *pp; pp = &(*pp)->next) {
		struct selftest_access_item *item = *pp;

		if (item->id == item_id) {
			*pp = item->next;
			iommufd_access_unpin_pages(staccess->access, item->iova, item->length);
			free(item);
			return 0;
		}
	}
	return -ENOENT;
}

/* The pinned pages of [iova, iova + length) must be the caller's pages at uptr. */
static int iommufd_test_check_pages(struct iommufd_ucmd *ucmd, struct iommufd_access *access,
				    uint64_t iova, uint64_t length, uint64_t uptr)
{
	uint64_t first = iova & PAGE_MASK;
	uint64_t npages = (((iova + length + PAGE_SIZE - 1) & PAGE_MASK) - first) / PAGE_SIZE;
	uint64_t i;

	uptr -= iova - first;
	for (i = 0; i != npages; i++) {
		uint64_t at = first + i * PAGE_SIZE, off;
		struct mock_pin_key ukey, ikey;
		int rc;

		if (at < iova)
			at = iova;
		rc = user_identity(ucmd->task, uptr + i * PAGE_SIZE, &ukey);
		if (rc)
			return rc;
		if (iova_identity(&access->ioas->iopt, at, &ikey, &off) ||
		    !key_eq(&ukey, &ikey))
			return -EBADE;
	}
	return 0;
}

static int iommufd_test_access_pages(struct iommufd_ucmd *ucmd, uint32_t access_fd,
				     uint64_t iova, uint64_t length, uint64_t uptr,
				     uint32_t flags)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;
	struct selftest_access_item *item;
	struct selftest_access *staccess;
	int rc;

	if (length > 16 * 1024 * 1024)
		return -ENOMEM;
	if (flags & ~(uint32_t)(MOCK_FLAGS_ACCESS_WRITE | MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;

	staccess = iommufd_access_get(ucmd, (int)access_fd);
	if (!staccess)
		return -EBADFD;
	if (!staccess->access->needs_pin_pages)
		return -EOPNOTSUPP;

	rc = iommufd_access_pin_pages(staccess->access, iova, length,
				      flags & MOCK_FLAGS_ACCESS_WRITE);
	if (rc)
		return rc;

	/* syzkaller may pass a NULL uptr to skip the check */
	if (uptr) {
		rc = iommufd_test_check_pages(ucmd, staccess->access, iova, length, uptr);
		if (rc)
			goto out_unaccess;
	}

	item = mock_zalloc(1, sizeof(*item));
	if (!item) {
		rc = -ENOMEM;
		goto out_unaccess;
	}
	item->iova = iova;
	item->length = length;
	item->id = staccess->next_id++;

	cmd->access_pages.out_access_pages_id = item->id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		free(item);
		goto out_unaccess;
	}
	item->next = staccess->items;
	staccess->items = item;
	return 0;

out_unaccess:
	iommufd_access_unpin_pages(staccess->access, iova, length);
	return rc;
}

static int iommufd_test_access_rw(struct iommufd_ucmd *ucmd, uint32_t access_fd,
				  uint64_t iova, uint64_t length, uint64_t ubuf, uint32_t flags)
{
	struct selftest_access *staccess;
	void *tmp;
	int rc;

	if (length > 16 * 1024 * 1024)
		return -ENOMEM;
	if (flags & ~(uint32_t)(MOCK_ACCESS_RW_WRITE | MOCK_ACCESS_RW_SLOW_PATH |
				MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;

	staccess = iommufd_access_get(ucmd, (int)access_fd);
	if (!staccess)
		return -EBADFD;

	tmp = mock_zalloc(1, length ? length : 1);
	if (!tmp)
		return -ENOMEM;
	if (flags & MOCK_ACCESS_RW_WRITE) {
		if (copy_from_user(ucmd->task, tmp, ubuf, length)) {
			rc = -EFAULT;
			goto out_free;
		}
	}
	rc = iommufd_access_rw(staccess->access, iova, tmp, length,
			       (flags & MOCK_ACCESS_RW_WRITE ? IOMMUFD_ACCESS_RW_WRITE : 0) |
			       (flags & MOCK_ACCESS_RW_SLOW_PATH ? IOMMUFD_ACCESS_RW_SLOW_PATH : 0));
	if (rc)
		goto out_free;
	if (!(flags & MOCK_ACCESS_RW_WRITE)) {
		if (copy_to_user(ucmd->task, ubuf, tmp, length))
			rc = -EFAULT;
	}
out_free:
	free(tmp);
	return rc;
}

/* ---------------- nested domains and PASIDs ---------------- */

static int iommufd_test_md_check_iotlb(struct iommufd_ucmd *ucmd, uint32_t mockpt_id,
				       unsigned int iotlb_id, uint32_t iotlb)
{
	struct iommufd_hwpt_nested *nested;
	int rc = 0;

	nested = (struct iommufd_hwpt_nested *)iommufd_get_object(ucmd->ictx, mockpt_id,
								  IOMMUFD_OBJ_HWPT_NESTED);
	if (!nested)
		return -ENOENT;
	/* the kernel's domain->owner != &mock_ops */
	if (!mock_selftest_owns(nested->domain.owner)) {
		rc = -EINVAL;
		goto out_put;
	}
	if (iotlb_id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX || nested->domain.iotlb[iotlb_id] != iotlb)
		rc = -EINVAL;
out_put:
	iommufd_put_object(ucmd->ictx, &nested->common.obj);
	return rc;
}

static int iommufd_test_pasid_attach(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd,
				     bool replace)
{
	struct selftest_obj *sobj;
	int rc;

	sobj = iommufd_test_get_selftest_obj(ucmd->ictx, cmd->id);
	if (!sobj)
		return -ENOENT;
	if (replace)
		rc = iommufd_device_replace(sobj->idev, cmd->pasid_attach.pasid,
					    &cmd->pasid_attach.pt_id);
	else
		rc = iommufd_device_attach(sobj->idev, cmd->pasid_attach.pasid,
					   &cmd->pasid_attach.pt_id);
	if (rc)
		goto out_put;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc && !replace)
		iommufd_device_detach(sobj->idev, cmd->pasid_attach.pasid);
out_put:
	iommufd_put_object(ucmd->ictx, &sobj->obj);
	return rc;
}

static int iommufd_test_pasid_detach(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct selftest_obj *sobj;

	sobj = iommufd_test_get_selftest_obj(ucmd->ictx, cmd->id);
	if (!sobj)
		return -ENOENT;
	iommufd_device_detach(sobj->idev, cmd->pasid_detach.pasid);
	iommufd_put_object(ucmd->ictx, &sobj->obj);
	return 0;
}

static int iommufd_test_pasid_check_hwpt(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct iommufd_hw_pagetable *attached;
	struct selftest_obj *sobj;
	int rc = 0;

	sobj = iommufd_test_get_selftest_obj(ucmd->ictx, cmd->id);
	if (!sobj)
		return -ENOENT;
	attached = iommufd_device_pasid_hwpt(sobj->idev, cmd->pasid_check.pasid);
	if (!cmd->pasid_check.hwpt_id) {
		/* 0 asks whether the PASID is detached */
		if (attached)
			rc = -EINVAL;
	} else {
		struct iommufd_object *obj;

		obj = iommufd_get_object(ucmd->ictx, cmd->pasid_check.hwpt_id, IOMMUFD_OBJ_ANY);
		if (!obj) {
			rc = -ENOENT;
		} else {
			if (obj->type != IOMMUFD_OBJ_HWPT_PAGING &&
			    obj->type != IOMMUFD_OBJ_HWPT_NESTED)
				rc = -EINVAL;
			else if (!attached || &attached->obj != obj)
				rc = -EINVAL;
			iommufd_put_object(ucmd->ictx, obj);
		}
	}
	iommufd_put_object(ucmd->ictx, &sobj->obj);
	return rc;
}

/* ---------------- event triggers ---------------- */

static int iommufd_test_trigger_iopf(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct iommufd_device *idev;
	uint32_t flags = IOMMU_PGFAULT_FLAGS_LAST_PAGE;

	idev = iommufd_get_device(ucmd->ictx, cmd->trigger_iopf.dev_id);
	if (!idev)
		return -ENOENT;
	if (!mock_selftest_owns(dev_iommu_ops(idev->mdev))) {
		iommufd_put_object(ucmd->ictx, &idev->obj);
		return -EINVAL;
	}
	if (cmd->trigger_iopf.pasid != IOMMU_NO_PASID)
		flags |= IOMMU_PGFAULT_FLAGS_PASID_VALID;
	/* a request nothing takes is dropped: the op succeeds anyway */
	(void)iommufd_report_iopf(idev, flags, cmd->trigger_iopf.pasid, cmd->trigger_iopf.grpid,
				  cmd->trigger_iopf.perm, cmd->trigger_iopf.addr);
	iommufd_put_object(ucmd->ictx, &idev->obj);
	return 0;
}

static int iommufd_test_trigger_vevent(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct iommu_viommu_event_selftest test = { 0 };
	struct iommufd_device *idev;
	struct mock_dev *mdev;
	int rc = -ENOENT;

	idev = iommufd_get_device(ucmd->ictx, cmd->trigger_vevent.dev_id);
	if (!idev)
		return -ENOENT;
	mdev = idev->mdev;
	if (mdev->viommu && mdev->vdev_id) {
		test.virt_id = (uint32_t)mdev->vdev_id;
		rc = iommufd_viommu_report_event(mdev->viommu, IOMMU_VEVENTQ_TYPE_SELFTEST, &test,
						 sizeof(test));
	}
	iommufd_put_object(ucmd->ictx, &idev->obj);
	return rc;
}

/* ---------------- test dma-bufs ---------------- */

void mock_dmabuf_put(struct mock_dmabuf *db)
{
	if (!db || --db->refs)
		return;
	if (db->memfd >= 0)
		close(db->memfd);
	free(db);
}

void mock_dmabuf_file_release(struct mock_file *f)
{
	struct mock_dmabuf *db = f->private_data;

	db->file = NULL;
	mock_dmabuf_put(db);
}

static int iommufd_test_dmabuf_get(struct iommufd_ucmd *ucmd, unsigned int open_flags,
				   uint64_t len)
{
	struct mock_call *call = ucmd->call;
	struct mock_dmabuf *db;

	len = (len + PAGE_SIZE - 1) & PAGE_MASK;
	if (len == 0 || len > PAGE_SIZE * 512)
		return -EINVAL;
	if (call->nr_newfd >= MOCK_MAX_NEWFD || call->nr_newfd >= call->fd_room)
		return -EMFILE;
	db = mock_zalloc(1, sizeof(*db));
	if (!db)
		return -ENOMEM;
	db->length = len;
	db->refs = 1;
	db->memfd = memfd_create("iommufd-test-dmabuf", MFD_CLOEXEC);
	if (db->memfd < 0 || ftruncate(db->memfd, (off_t)len)) {
		mock_dmabuf_put(db);
		return -ENOMEM;
	}
	db->file = mock_file_alloc(ucmd->ictx->k, MOCK_FILE_DMABUF, db, (int)open_flags);
	if (!db->file) {
		mock_dmabuf_put(db);
		return -ENOMEM;
	}
	/* the fd number is the ioctl's return value (see doc/mock-divergences.md) */
	call->newfd[call->nr_newfd].file = db->file;
	call->newfd[call->nr_newfd].uaddr = 0;
	call->newfd[call->nr_newfd].oflags = (int)(open_flags & O_CLOEXEC);
	call->retval_newfd = (int)call->nr_newfd;
	call->nr_newfd++;
	return 0;
}

static int iommufd_test_dmabuf_revoke(struct iommufd_ucmd *ucmd, int fd, bool revoked)
{
	struct mock_kernel *k = ucmd->ictx->k;
	struct mock_dmabuf *db;
	struct mock_file *f;

	f = k->fget ? k->fget(k->fget_priv, ucmd->task, fd) : NULL;
	if (!f)
		return -EBADF;
	if (f->f_op != &mock_dmabuf_fops)
		return -EINVAL;
	db = f->private_data;
	db->revoked = revoked;
	/* importers drop their mappings; a revoked import stays revoked */
	if (revoked)
		iopt_dmabuf_revoke_all(db);
	return 0;
}

int iommufd_test(struct iommufd_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;

	if (cmd->op > release_last_test_op(mock_kv(ucmd->ictx)))
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_TEST_OP_ADD_RESERVED:
		return iommufd_test_add_reserved(ucmd, cmd->id, cmd->add_reserved.start,
						 cmd->add_reserved.length);
	case IOMMU_TEST_OP_MOCK_DOMAIN:
	case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
		return iommufd_test_mock_domain(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_MAP:
		return iommufd_test_md_check_pa(ucmd, cmd->id, cmd->check_map.iova,
						cmd->check_map.length, cmd->check_map.uptr);
	case IOMMU_TEST_OP_MD_CHECK_REFS:
		return iommufd_test_md_check_refs(ucmd, cmd->check_refs.uptr,
						  cmd->check_refs.length, cmd->check_refs.refs);
	case IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE:
		return iommufd_test_mock_domain_replace(ucmd, cmd->id,
							cmd->mock_domain_replace.pt_id, cmd);
	case IOMMU_TEST_OP_DIRTY:
		return iommufd_test_dirty(ucmd, cmd->id, cmd->dirty.iova, cmd->dirty.length,
					  cmd->dirty.page_size, cmd->dirty.uptr);
	case IOMMU_TEST_OP_MD_CHECK_IOTLB:
		return iommufd_test_md_check_iotlb(ucmd, cmd->id, cmd->check_iotlb.id,
						   cmd->check_iotlb.iotlb);
	case IOMMU_TEST_OP_PASID_ATTACH:
		return iommufd_test_pasid_attach(ucmd, cmd, false);
	case IOMMU_TEST_OP_PASID_REPLACE:
		return iommufd_test_pasid_attach(ucmd, cmd, true);
	case IOMMU_TEST_OP_PASID_DETACH:
		return iommufd_test_pasid_detach(ucmd, cmd);
	case IOMMU_TEST_OP_PASID_CHECK_HWPT:
		return iommufd_test_pasid_check_hwpt(ucmd, cmd);
	case IOMMU_TEST_OP_DEV_CHECK_CACHE:
		return iommufd_test_dev_check_cache(ucmd, cmd->id, cmd->check_dev_cache.id,
						    cmd->check_dev_cache.cache);
	case IOMMU_TEST_OP_CREATE_ACCESS:
		return iommufd_test_create_access(ucmd, cmd->id, cmd->create_access.flags);
	case IOMMU_TEST_OP_ACCESS_REPLACE_IOAS:
		return iommufd_test_access_replace_ioas(ucmd, cmd->id,
							cmd->access_replace_ioas.ioas_id);
	case IOMMU_TEST_OP_ACCESS_PAGES:
		return iommufd_test_access_pages(ucmd, cmd->id, cmd->access_pages.iova,
						 cmd->access_pages.length, cmd->access_pages.uptr,
						 cmd->access_pages.flags);
	case IOMMU_TEST_OP_ACCESS_RW:
		return iommufd_test_access_rw(ucmd, cmd->id, cmd->access_rw.iova,
					      cmd->access_rw.length, cmd->access_rw.uptr,
					      cmd->access_rw.flags);
	case IOMMU_TEST_OP_DESTROY_ACCESS_PAGES:
		return iommufd_test_access_item_destroy(ucmd, cmd->id,
							cmd->destroy_access_pages.access_pages_id);
	case IOMMU_TEST_OP_TRIGGER_IOPF:
		return iommufd_test_trigger_iopf(ucmd, cmd);
	case IOMMU_TEST_OP_TRIGGER_VEVENT:
		return iommufd_test_trigger_vevent(ucmd, cmd);
	case IOMMU_TEST_OP_DMABUF_GET:
		return iommufd_test_dmabuf_get(ucmd, cmd->dmabuf_get.open_flags,
					       cmd->dmabuf_get.length);
	case IOMMU_TEST_OP_DMABUF_REVOKE:
		return iommufd_test_dmabuf_revoke(ucmd, cmd->dmabuf_revoke.dmabuf_fd,
						  cmd->dmabuf_revoke.revoked);
	case IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT:
		/* must hold one batch element */
		if (cmd->memory_limit.limit < sizeof(unsigned long) + sizeof(uint32_t))
			return -EINVAL;
		ucmd->ictx->k->test_memory_limit = cmd->memory_limit.limit;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* The selftest access file and the selftest dma-buf: a release op only. */
const struct mock_file_operations iommufd_test_staccess_fops = {
	.release = iommufd_test_access_file_release,
};

const struct mock_file_operations mock_dmabuf_fops = {
	.release = mock_dmabuf_file_release,
};
