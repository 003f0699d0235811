/* SPDX-License-Identifier: MIT */
/*
 * iommufd_private.h - internal types of the mock kernel core, shaped like the
 * kernel's drivers/iommu/iommufd/iommufd_private.h: the per-file context, the
 * object table and object types, and the entry points each .c file provides.
 */
#ifndef KMOD_MOCK_IOMMUFD_PRIVATE_H
#define KMOD_MOCK_IOMMUFD_PRIVATE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#include "core.h"
#include "iommufd-uapi.h"
#include "io_pagetable.h"
#include "iommu.h"
#include "iommufd_driver.h"
#include "list.h"
#include "uaccess.h"
#include "iommufd_test.h"

/*
 * Kernel releases (kernel_version.c): MOCK_KV(6, 12) < MOCK_KV(7, 3). Behaviour that
 * changed between releases tests mock_kv(k) at its point of use.
 */
/* MOCK_KV() is in iommu.h (drivers name the release that brought them) */
#define MOCK_KV_NEWEST MOCK_KV(7, 3)
int mock_release_parse(const char *name, unsigned int *kv, char *err, size_t err_len);
const char *mock_release_name(unsigned int kv);
unsigned int mock_release_last_cmd(unsigned int kv);

/* Largest automatic IOVA alignment (the kernel's HPAGE_SIZE with THP). */
#define MOCK_HPAGE_SIZE (2UL * 1024 * 1024)

/* Kinds of mock_file. Room for the files later capabilities add. */
enum mock_file_type {
	MOCK_FILE_IOMMUFD,
	MOCK_FILE_TEST_ACCESS,
	MOCK_FILE_FAULT,
	MOCK_FILE_VEVENTQ,
	MOCK_FILE_VFIO_DEVICE,
	MOCK_FILE_DMABUF,
	MOCK_FILE_VFIO_GROUP,
};

struct mock_call;
struct mock_file;
struct mock_mmap_result;

/*
 * The kernel's file_operations, as far as the mock's files go; set when the
 * file is made. A NULL member is an op the file does not have: release
 * frees nothing, ioctl -ENOTTY, read/write -EINVAL, pread/pwrite -ESPIPE,
 * poll always ready, mmap -ENODEV.
 */
struct mock_file_operations {
	/* the file struct itself outlives release (the iommufd ctx frees it) */
	bool release_keeps_file;
	void (*release)(struct mock_file *f);
	long (*unlocked_ioctl)(struct mock_file *f, unsigned int cmd, unsigned long arg,
			       struct mock_call *call);
	ssize_t (*read)(struct mock_file *f, uint64_t ubuf, size_t len, struct mock_call *call);
	ssize_t (*write)(struct mock_file *f, uint64_t ubuf, size_t len, struct mock_call *call);
	ssize_t (*pread)(struct mock_file *f, uint64_t ubuf, size_t len, uint64_t off,
			 struct mock_call *call);
	ssize_t (*pwrite)(struct mock_file *f, uint64_t ubuf, size_t len, uint64_t off,
			  struct mock_call *call);
	unsigned int (*poll)(struct mock_file *f);
	int (*mmap)(struct mock_file *f, uint64_t offset, uint64_t length, int prot, int flags,
		    struct mock_mmap_result *res);
};

/* Each kind of file's operations (mock_file_alloc() sets them by type). */
extern const struct mock_file_operations iommufd_fops;
extern const struct mock_file_operations iommufd_test_staccess_fops;
extern const struct mock_file_operations iommufd_fault_fops;
extern const struct mock_file_operations iommufd_veventq_fops;
/* Open /dev/iommu (main.c); kernel.c's vfs_open() routes the path here. */
int iommufd_fops_open(struct mock_kernel *k, int oflags, const struct mock_task *task,
		      bool vfio_container, struct mock_file **out);
extern const struct mock_file_operations vfio_device_fops;
extern const struct mock_file_operations mock_dmabuf_fops;
extern const struct mock_file_operations vfio_group_fops;

struct mock_file {
	enum mock_file_type type;
	const struct mock_file_operations *f_op;
	struct mock_kernel *k;
	int oflags;
	bool released; /* mock_release() ran: the server no longer holds it */
	void *private_data;
	/* every file of the kernel, so mock_kernel_free() can release what is left */
	struct mock_file *next, *prev;
};

/* Accounting modes of pinned pages (IOMMU_OPTION_RLIMIT_MODE). */
enum iopt_pages_account_mode {
	IOPT_PAGES_ACCOUNT_NONE = 0,
	IOPT_PAGES_ACCOUNT_USER = 1,
	IOPT_PAGES_ACCOUNT_MM = 2,
	IOPT_PAGES_ACCOUNT_MODE_NUM = 3,
};

struct iommufd_ioas;

struct iommufd_ctx {
	struct mock_kernel *k;
	struct mock_file *file;
	unsigned int refs; /* the file itself + every access (iommufd_ctx_get) */
	struct iommufd_object **objects; /* index = id; NULL = free */
	uint32_t nr_slots;
	uint32_t first_free;
	uint32_t nr_objects;
	enum iopt_pages_account_mode account_mode;
	struct iommufd_ioas *vfio_ioas;
	struct mock_list mmaps; /* struct iommufd_mmap of this context, by offset */
};

/*
 * One user memory owner ("mm"): the address space of a process, held through
 * its /proc/<pid>/mem file (uaccess.c), which dies when the process exits or
 * execs; a new image at the same pid gets a record of its own.
 */
struct mock_mm {
	struct mock_mm *next;
	struct mock_kernel *k; /* the kernel that keeps it */
	pid_t pid;
	int mem_fd; /* /proc/<pid>/mem, -1 if it could not be opened */
	unsigned int refs;
	uint64_t locked_vm; /* pages, IOPT_PAGES_ACCOUNT_MM */
	uint64_t pinned_vm; /* pages, any mode (VmPin) */
};

/* Per-uid pinned page count (the kernel's user_struct::locked_vm). */
struct mock_user {
	struct mock_user *next;
	uid_t uid;
	uint64_t locked_vm;
};

/* Global pin counts per physical-page identity. */
struct mock_pin_key {
	uint64_t dev; /* 0/0 for anonymous user memory: off is then the user VA */
	uint64_t ino;
	uint64_t off;
};

struct mock_pin_table {
	struct mock_pin_slot *slots;
	size_t cap;
	size_t used; /* live + tombstones */
};

struct mock_kernel {
	unsigned int kv; /* the release presented, MOCK_KV(major, minor) (kernel_version.c) */
	struct mock_pin_table pins;
	struct mock_mm *mms;
	struct mock_user *users;
	uint32_t test_memory_limit;
	uint32_t next_mock_dev_id;
	mock_fget_fn fget;
	void *fget_priv;
	struct mock_file *files; /* every live mock_file */
	struct mock_pci_dev **pci_devs; /* /dev/vfio/devices/vfio<index> */
	unsigned int nr_pci_devs;
	mock_notify_fn notify;
	void *notify_priv;
	struct mock_list mmaps; /* every struct iommufd_mmap, for mock_mmap_get/put */
	uint64_t next_mmap_cookie;
	struct mock_fail_nth *fail_nth; /* armed fail-nth counters, one per thread */
	unsigned int nr_fail_nth, cap_fail_nth;
};

/* The release the context's kernel presents (kernel_version.c). */
static inline unsigned int mock_kv(const struct iommufd_ctx *ictx)
{
	return ictx->k->kv;
}

struct iommufd_ucmd {
	struct iommufd_ctx *ictx;
	struct mock_call *call;
	const struct mock_task *task;
	uint64_t ubuffer;
	uint32_t user_size;
	size_t ksize; /* the command's struct size in the release presented */
	void *cmd;
	struct iommufd_object *new_obj;
};

/* ---- fail_nth.c: fault injection ---- */
/*
 * A fault point: true when it must fail for @task (NULL: the caller of the
 * entry point running now), because that thread's fail-nth counter reached 0.
 */
bool mock_should_fail(const struct mock_task *task);
/*
 * @npoints fault points in a row (a loop the kernel runs that many times,
 * one point each): true if one of them fails. Nothing before it is undone by
 * the caller's unwind that the kernel would not undo too: use it only where
 * the work is all or nothing anyway.
 */
bool mock_should_fail_n(const struct mock_task *task, uint64_t npoints);

/* calloc() as the kernel's kzalloc(): a fault point of @task (NULL: current) first. */
static inline void *mock_zalloc_for(const struct mock_task *task, size_t n, size_t size)
{
	return mock_should_fail(task) ? NULL : calloc(n, size);
}

/* mock_zalloc_for() the current task. */
static inline void *mock_zalloc(size_t n, size_t size)
{
	return mock_zalloc_for(NULL, n, size);
}

/* Who called the core entry point running now (the kernel's "current"). */
struct mock_current {
	struct mock_kernel *k;
	const struct mock_task *task;
};

void mock_current_enter(struct mock_kernel *k, const struct mock_task *task,
			struct mock_current *saved);
void mock_current_leave(const struct mock_current *saved);
void mock_fail_nth_free(struct mock_kernel *k);

/* ---- main.c ---- */
struct iommufd_object *iommufd_object_alloc(struct iommufd_ctx *ictx, size_t size,
					    enum iommufd_object_type type);
struct iommufd_object *iommufd_object_alloc_ucmd(struct iommufd_ucmd *ucmd, size_t size,
						 enum iommufd_object_type type);
void iommufd_object_finalize(struct iommufd_ctx *ictx, struct iommufd_object *obj);
void iommufd_object_abort(struct iommufd_ctx *ictx, struct iommufd_object *obj);
void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx, struct iommufd_object *obj);
struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, uint32_t id,
					  enum iommufd_object_type type);
void iommufd_put_object(struct iommufd_ctx *ictx, struct iommufd_object *obj);
int iommufd_object_remove(struct iommufd_ctx *ictx, struct iommufd_object *to_destroy,
			  uint32_t id);
/* Destroy an object the kernel itself holds a user reference on. */
void iommufd_object_destroy_user(struct iommufd_ctx *ictx, struct iommufd_object *obj);
int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t cmd_len);
void iommufd_ctx_get(struct iommufd_ctx *ictx);
void iommufd_ctx_put(struct iommufd_ctx *ictx);
struct mock_file *mock_file_alloc(struct mock_kernel *k, enum mock_file_type type,
				  void *private_data, int oflags);
/* Free a file that was never handed out, or whose owner is gone. */
void mock_file_free(struct mock_file *f);
struct mock_mm *mock_mm_get(struct mock_kernel *k, pid_t pid);
void mock_mm_put(struct mock_kernel *k, struct mock_mm *mm);
struct mock_user *mock_user_get(struct mock_kernel *k, uid_t uid);
void mock_pin_inc(struct mock_kernel *k, const struct mock_pin_key *key);
void mock_pin_dec(struct mock_kernel *k, const struct mock_pin_key *key);
uint64_t mock_pin_count(struct mock_kernel *k, const struct mock_pin_key *key);
void mock_mm_free_all(struct mock_kernel *k);

/* ---- ioas.c ---- */
struct iommufd_ioas {
	struct iommufd_object obj;
	struct io_pagetable iopt;
	struct iommufd_hwpt_paging *hwpt_list; /* auto and explicit paging HWPTs */
};

struct iommufd_ioas *iommufd_get_ioas(struct iommufd_ctx *ictx, uint32_t id);
struct iommufd_ioas *iommufd_ioas_alloc(struct iommufd_ctx *ictx);
void iommufd_ioas_destroy(struct iommufd_object *obj);
int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd);
int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd);
int iommufd_ioas_map(struct iommufd_ucmd *ucmd);
int iommufd_ioas_map_file(struct iommufd_ucmd *ucmd);
int iommufd_ioas_copy(struct iommufd_ucmd *ucmd);
int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd);
int iommufd_ioas_change_process(struct iommufd_ucmd *ucmd);
int iommufd_ioas_option(struct iommufd_ucmd *ucmd);
int iommufd_ioas_noiommu_get_pa(struct iommufd_ucmd *ucmd);
int iommufd_option_rlimit_mode(struct iommufd_ucmd *ucmd, struct iommu_option *cmd);

/* ---- hw_pagetable.c / device.c ---- */

/* The common part of paging and nested HWPTs (kernel: struct iommufd_hw_pagetable). */
struct iommufd_fault;

struct iommufd_hw_pagetable {
	struct iommufd_object obj;
	bool pasid_compat; /* allocated with IOMMU_HWPT_ALLOC_PASID */
	unsigned int nr_attach; /* device RIDs and PASIDs attached */
	struct iommufd_fault *fault; /* FAULT_ID_VALID: where page requests go */
};

struct iommufd_hwpt_paging {
	struct iommufd_hw_pagetable common;
	struct iommufd_ioas *ioas;
	struct iommufd_hwpt_paging *next_in_ioas;
	struct mock_domain domain;
	bool auto_domain;
	bool nest_parent;
	bool enforce_cache_coherency;
};


struct iommufd_hwpt_nested {
	struct iommufd_hw_pagetable common;
	struct iommufd_hwpt_paging *parent;
	struct iommufd_viommu *viommu; /* allocated on a vIOMMU (holds it, not the parent) */
	struct mock_nested_domain domain;
};

/* One PASID of a device attached to a HWPT. */
struct iommufd_pasid_attach {
	struct iommufd_pasid_attach *next;
	uint32_t pasid;
	struct iommufd_hw_pagetable *hwpt;
};

struct iommufd_device {
	struct iommufd_object obj;
	struct mock_dev *mdev;
	struct iommufd_hw_pagetable *hwpt; /* RID attachment, or NULL */
	struct iommufd_pasid_attach *pasids;
	struct iommufd_vdevice *vdev; /* its vDEVICE, at most one */
};

static inline struct iommufd_hwpt_paging *to_hwpt_paging(struct iommufd_hw_pagetable *hwpt)
{
	return hwpt && hwpt->obj.type == IOMMUFD_OBJ_HWPT_PAGING ?
		       (struct iommufd_hwpt_paging *)hwpt : NULL;
}

/* The paging HWPT a HWPT translates through (itself, or a nested HWPT's parent). */
static inline struct iommufd_hwpt_paging *find_hwpt_paging(struct iommufd_hw_pagetable *hwpt)
{
	if (!hwpt)
		return NULL;
	if (hwpt->obj.type == IOMMUFD_OBJ_HWPT_NESTED)
		return ((struct iommufd_hwpt_nested *)hwpt)->parent;
	return to_hwpt_paging(hwpt);
}

struct iommufd_access {
	struct iommufd_object obj;
	struct iommufd_ioas *ioas;
	struct iommufd_ioas *ioas_unpin;
	bool needs_pin_pages;
	unsigned long iova_alignment;
	void (*unmap)(void *data, uint64_t iova, uint64_t length);
	void *data;
};

struct iommufd_hwpt_paging *iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx,
						      struct iommufd_ioas *ioas,
						      struct iommufd_device *idev, uint32_t flags,
						      bool immediate_attach,
						      const struct iommu_hwpt_selftest *cfg,
						      int *err);
struct iommufd_hwpt_paging *iommufd_get_hwpt_paging(struct iommufd_ctx *ictx, uint32_t id);
int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd);
void iommufd_hwpt_nested_destroy(struct iommufd_object *obj);
int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd);
struct iommufd_device *iommufd_get_device(struct iommufd_ctx *ictx, uint32_t id);
int iommufd_get_hw_info(struct iommufd_ucmd *ucmd);
void iommufd_hwpt_paging_destroy(struct iommufd_object *obj);
void iommufd_hwpt_paging_abort(struct iommufd_object *obj);
struct iommufd_device *iommufd_device_bind(struct iommufd_ctx *ictx, struct mock_dev *mdev);
void iommufd_device_unbind(struct iommufd_device *idev);
int iommufd_device_attach(struct iommufd_device *idev, uint32_t pasid, uint32_t *pt_id);
void iommufd_device_detach(struct iommufd_device *idev, uint32_t pasid);
int iommufd_device_replace(struct iommufd_device *idev, uint32_t pasid, uint32_t *pt_id);
/* The HWPT @pasid of @idev is attached to, or NULL. */
struct iommufd_hw_pagetable *iommufd_device_pasid_hwpt(struct iommufd_device *idev,
						       uint32_t pasid);
void iommufd_device_destroy(struct iommufd_object *obj);

struct iommufd_access *iommufd_access_create(struct iommufd_ctx *ictx, bool needs_pin,
					     void (*unmap)(void *, uint64_t, uint64_t),
					     void *data);
void iommufd_access_destroy(struct iommufd_access *access);
void iommufd_access_destroy_object(struct iommufd_object *obj);
int iommufd_access_attach(struct iommufd_access *access, uint32_t ioas_id);
int iommufd_access_replace(struct iommufd_access *access, uint32_t ioas_id);
void iommufd_access_notify_unmap(struct io_pagetable *iopt, uint64_t iova, uint64_t length);
int iommufd_access_pin_pages(struct iommufd_access *access, uint64_t iova, uint64_t length,
			     unsigned int flags);
void iommufd_access_unpin_pages(struct iommufd_access *access, uint64_t iova,
				uint64_t length);
int iommufd_access_rw(struct iommufd_access *access, uint64_t iova, void *data,
		      size_t length, unsigned int flags);

#define IOMMUFD_ACCESS_RW_WRITE (1U << 0)
/* The selftest's MOCK_ACCESS_RW_SLOW_PATH: copy through pinned pages, not the process's mm. */
#define IOMMUFD_ACCESS_RW_SLOW_PATH (1U << 2)
/* How many batches (fault points) the kernel moves @npages pages in. */
uint64_t iopt_pages_nr_batches(const struct mock_kernel *k, uint64_t npages);

/* ---- eventq.c: fault queues and vEVENTQs ---- */

/* Common part of the FAULT and VEVENTQ objects: a queue read through a file. */
struct iommufd_eventq {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct mock_file *filep; /* NULL once the file is closed */
	struct mock_list deliver;
};

/* A page request group (one LAST_PAGE request: the mock has no partial groups). */
struct iopf_group {
	struct mock_list node; /* in the fault's deliver list or response list */
	struct iommufd_device *idev;
	struct iommufd_hw_pagetable *hwpt; /* the attach handle's domain */
	uint32_t attach_pasid; /* the attach handle's PASID */
	uint32_t cookie;
	unsigned int fault_count;
	struct iommu_hwpt_pgfault fault;
};

struct iommufd_fault {
	struct iommufd_eventq common;
	struct mock_list response; /* groups read and awaiting a response, by cookie */
};

struct iommufd_vevent {
	struct mock_list node;
	struct iommufd_vevent_header header;
	uint32_t data_len;
	unsigned char *event_data;
};

struct iommufd_veventq {
	struct iommufd_eventq common;
	struct iommufd_viommu *viommu;
	struct mock_list node; /* in viommu->veventqs */
	uint32_t type;
	uint32_t depth;
	uint32_t num_events;
	uint32_t sequence;
	struct iommufd_vevent lost_events_header;
};

int iommufd_fault_alloc(struct iommufd_ucmd *ucmd);
void iommufd_fault_destroy(struct iommufd_object *obj);
struct iommufd_fault *iommufd_get_fault(struct iommufd_ctx *ictx, uint32_t id);
int iommufd_veventq_alloc(struct iommufd_ucmd *ucmd);
void iommufd_veventq_destroy(struct iommufd_object *obj);
void iommufd_eventq_release(struct mock_file *f);
ssize_t iommufd_eventq_read(struct mock_file *f, uint64_t ubuf, size_t len,
			    const struct mock_task *task);
ssize_t iommufd_eventq_write(struct mock_file *f, uint64_t ubuf, size_t len,
			     const struct mock_task *task);
unsigned int iommufd_eventq_poll(struct mock_file *f);
/* Answer (INVALID) and drop the page requests of @idev's attachment @pasid to @hwpt. */
void iommufd_auto_response_faults(struct iommufd_hw_pagetable *hwpt,
				  struct iommufd_device *idev, uint32_t pasid);
/* iommu_report_device_fault(): a page request of @idev; -ENODEV if nothing takes it. */
int iommufd_report_iopf(struct iommufd_device *idev, uint32_t flags, uint32_t pasid,
			uint32_t grpid, uint32_t perm, uint64_t addr);
/* Queue @vevent (or the lost-events header) with the next sequence number; wakes readers. */
void iommufd_vevent_handler(struct iommufd_veventq *veventq, struct iommufd_vevent *vevent);
/* A DMA of @mdev through @hwpt faulted: deliver it as an IOPF or a vEVENT. */
/* @smmu_evt: the SMMUv3 event record of a stage-1 fault (4 dwords), or NULL */
void iommufd_dma_fault(struct mock_dev *mdev, struct iommufd_hw_pagetable *hwpt,
		       uint32_t pasid, uint64_t iova, bool write, const uint64_t *smmu_evt);
void mock_file_notify(struct mock_file *f);

/* ---- viommu.c: vIOMMU, vDEVICE, HW queue, mmap regions ---- */

struct iommufd_viommu *iommufd_get_viommu(struct iommufd_ctx *ictx, uint32_t id);
int iommufd_viommu_alloc_ioctl(struct iommufd_ucmd *ucmd);
void iommufd_viommu_destroy(struct iommufd_object *obj);
int iommufd_vdevice_alloc_ioctl(struct iommufd_ucmd *ucmd);
void iommufd_vdevice_destroy(struct iommufd_object *obj);
int iommufd_hw_queue_alloc_ioctl(struct iommufd_ucmd *ucmd);
void iommufd_hw_queue_destroy(struct iommufd_object *obj);
int iommufd_viommu_cache_invalidate(struct iommufd_viommu *viommu,
				    const struct mock_task *task,
				    struct iommu_hwpt_invalidate *cmd);
/* The device is going away: tombstone its vDEVICE (7.3's iommufd_device_remove_vdev). */
void iommufd_device_remove_vdev(struct iommufd_device *idev);
int iommufd_mmap_file(struct iommufd_ctx *ictx, uint64_t offset, uint64_t length, int prot,
		      int flags, struct mock_mmap_result *res);
void iommufd_mmap_drop_all(struct mock_kernel *k);

/* ---- main.c: tombstones ---- */
/* Remove @obj (the caller holds a users ref) leaving its id unusable (ENOENT). */
void iommufd_object_tombstone_user(struct iommufd_ctx *ictx, struct iommufd_object *obj);

/* ---- dma-bufs (selftest.c, pages.c) ---- */
struct mock_dmabuf {
	struct mock_file *file;
	int memfd;        /* the exporter's memory */
	uint64_t length;
	bool revoked;
	unsigned int refs; /* the file + each pages object importing it */
	struct iopt_pages *importers; /* linked by dmabuf_next */
};
void mock_dmabuf_put(struct mock_dmabuf *db);
/* The exporter revoked @db: every importing pages object loses its memory for good. */
void iopt_dmabuf_revoke_all(struct mock_dmabuf *db);
/* IOAS_MAP_FILE of a dma-buf: pages on its memory, or NULL with *err. */
struct iopt_pages *iopt_alloc_dmabuf_pages(struct mock_kernel *k, const struct mock_task *task,
					   struct mock_dmabuf *db, uint64_t start_byte,
					   uint64_t start, uint64_t length, bool writable,
					   int *err);
void mock_dmabuf_file_release(struct mock_file *f);

/* ---- selftest.c ---- */
int iommufd_test(struct iommufd_ucmd *ucmd);
void iommufd_selftest_destroy(struct iommufd_object *obj);
void iommufd_test_access_file_release(struct mock_file *f);

/* ---- vfio_compat.c ---- */
int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd);
/* For VFIO's group path (drivers/vfio/group.c): the compat IOAS, made on demand. */
int iommufd_vfio_compat_ioas_create(struct iommufd_ctx *ictx);
int iommufd_vfio_compat_ioas_get_id(struct iommufd_ctx *ictx, uint32_t *out_ioas_id);
long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd, unsigned long arg,
			struct mock_call *call);

#endif /* KMOD_MOCK_IOMMUFD_PRIVATE_H */
