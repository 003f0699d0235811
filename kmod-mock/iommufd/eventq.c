// SPDX-License-Identifier: MIT
/*
 * eventq.c - event queues (the kernel's eventq.c and the event half of
 * driver.c): FAULT objects with their fd (page requests read as
 * iommu_hwpt_pgfault records, answered by writing iommu_hwpt_page_response
 * by cookie) and vEVENTQ objects with their fd (iommufd_vevent_header plus
 * payload, sequence numbers, one LOST_EVENTS header on overflow). Also the
 * delivery side: TRIGGER_IOPF, vIOMMU event reports and the DMA faults of the
 * machine's devices.
 *
 * Every queue file holds a users reference on its object and a reference on
 * the context, as the kernel's anon inode files do; the server is told with
 * the notify hook whenever what mock_poll() answers may have changed.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd_private.h"
#include "iommufd_test.h"

void mock_file_notify(struct mock_file *f)
{
	if (f && !f->released && f->k->notify)
		f->k->notify(f->k->notify_priv, f);
}

static void eventq_notify(struct iommufd_eventq *eventq)
{
	mock_file_notify(eventq->filep);
}

/* ---------------- common file plumbing ---------------- */

/*
 * Make the file of a new queue object: it holds the object (users) and the
 * context, and is reported in @call for the server to install; the fd number
 * goes to @uaddr.
 */
static int eventq_init(struct iommufd_eventq *eventq, struct iommufd_ucmd *ucmd,
		       enum mock_file_type type, uint64_t uaddr)
{
	struct mock_call *call = ucmd->call;
	struct mock_file *f;

	mock_list_init(&eventq->deliver);
	/* get_unused_fd_flags(): the fd is reserved before the file exists */
	if (call->nr_newfd >= MOCK_MAX_NEWFD || call->nr_newfd >= call->fd_room)
		return -EMFILE;
	f = mock_file_alloc(ucmd->ictx->k, type, eventq, O_RDWR);
	if (!f)
		return -ENOMEM;
	eventq->ictx = ucmd->ictx;
	iommufd_ctx_get(ucmd->ictx);
	eventq->filep = f;
	eventq->obj.users++;
	call->newfd[call->nr_newfd].file = f;
	call->newfd[call->nr_newfd].uaddr = uaddr;
	call->newfd[call->nr_newfd].oflags = O_CLOEXEC;
	call->nr_newfd++;
	return 0;
}

/* Undo eventq_init() when the ioctl fails after it: the file was never handed out. */
static void eventq_abort_file(struct iommufd_eventq *eventq, struct mock_call *call)
{
	struct mock_file *f = eventq->filep;

	if (!f)
		return;
	call->nr_newfd--;
	call->newfd[call->nr_newfd].file = NULL;
	eventq->filep = NULL;
	eventq->obj.users--;
	mock_file_free(f);
	iommufd_ctx_put(eventq->ictx);
}

void iommufd_eventq_release(struct mock_file *f)
{
	struct iommufd_eventq *eventq = f->private_data;
	struct iommufd_ctx *ictx = eventq->ictx;

	eventq->filep = NULL;
	eventq->obj.users--;
	/* the object may be gone with this; the context too */
	iommufd_ctx_put(ictx);
}

unsigned int iommufd_eventq_poll(struct mock_file *f)
{
	struct iommufd_eventq *eventq = f->private_data;
	unsigned int mask = 0;

	if (eventq->obj.type == IOMMUFD_OBJ_FAULT)
		mask |= POLLOUT;
	if (!mock_list_empty(&eventq->deliver))
		mask |= POLLIN | POLLRDNORM;
	return mask;
}

/* ---------------- FAULT ---------------- */

static struct iommufd_fault *eventq_to_fault(struct iommufd_eventq *eventq)
{
	return (struct iommufd_fault *)eventq;
}

static void iopf_group_free(struct iopf_group *group)
{
	mock_list_del(&group->node);
	free(group);
}

int iommufd_fault_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_fault_alloc *cmd = ucmd->cmd;
	struct iommufd_fault *fault;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	fault = (struct iommufd_fault *)iommufd_object_alloc_ucmd(ucmd, sizeof(*fault),
								   IOMMUFD_OBJ_FAULT);
	if (!fault)
		return -ENOMEM;
	mock_list_init(&fault->response);
	rc = eventq_init(&fault->common, ucmd, MOCK_FILE_FAULT,
			 ucmd->ubuffer + offsetof(struct iommu_fault_alloc, out_fault_fd));
	if (rc)
		return rc;

	cmd->out_fault_id = fault->common.obj.id;
	cmd->out_fault_fd = 0; /* the server writes the fd number it installs */
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		eventq_abort_file(&fault->common, ucmd->call);
	return rc;
}

void iommufd_fault_destroy(struct iommufd_object *obj)
{
	struct iommufd_fault *fault = (struct iommufd_fault *)obj;

	/* every pending group is answered INVALID: the driver's response is a nop */
	while (!mock_list_empty(&fault->common.deliver))
		iopf_group_free(mock_list_entry(fault->common.deliver.next, struct iopf_group,
						node));
	while (!mock_list_empty(&fault->response))
		iopf_group_free(mock_list_entry(fault->response.next, struct iopf_group, node));
}

struct iommufd_fault *iommufd_get_fault(struct iommufd_ctx *ictx, uint32_t id)
{
	return (struct iommufd_fault *)iommufd_get_object(ictx, id, IOMMUFD_OBJ_FAULT);
}

void iommufd_auto_response_faults(struct iommufd_hw_pagetable *hwpt,
				  struct iommufd_device *idev, uint32_t pasid)
{
	struct iommufd_fault *fault = hwpt ? hwpt->fault : NULL;
	struct mock_list *lists[2], *n, *next;
	bool changed = false;
	unsigned int i;

	if (!fault)
		return;
	lists[0] = &fault->common.deliver;
	lists[1] = &fault->response;
	for (i = 0; i != 2; i++) {
		for (n = lists[i]->next; n != lists[i]; n = next) {
			struct iopf_group *group = mock_list_entry(n, struct iopf_group, node);

			next = n->next;
			if (group->idev != idev || group->hwpt != hwpt ||
			    group->attach_pasid != pasid)
				continue;
			iopf_group_free(group);
			changed |= i == 0;
		}
	}
	if (changed)
		eventq_notify(&fault->common);
}

/* The lowest free cookie >= 1 (the kernel's XA_FLAGS_ALLOC1 xarray). */
static int fault_alloc_cookie(struct iommufd_fault *fault, uint32_t *cookie)
{
	uint32_t c;

	for (c = 1; c; c++) {
		struct mock_list *n;
		bool used = false;

		for (n = fault->response.next; n != &fault->response; n = n->next) {
			if (mock_list_entry(n, struct iopf_group, node)->cookie == c) {
				used = true;
				break;
			}
		}
		if (!used) {
			*cookie = c;
			return 0;
		}
	}
	return -EBUSY;
}

static ssize_t fault_read(struct iommufd_fault *fault, uint64_t ubuf, size_t count,
			  const struct mock_task *task)
{
	const size_t fault_size = sizeof(struct iommu_hwpt_pgfault);
	size_t done = 0;
	int rc = 0;

	if (count % fault_size)
		return -ESPIPE;

	while (!mock_list_empty(&fault->common.deliver)) {
		struct iopf_group *group = mock_list_entry(fault->common.deliver.next,
							   struct iopf_group, node);
		struct iommu_hwpt_pgfault data;

		if (done >= count || group->fault_count * fault_size > count - done) {
			/* not even the first group fits */
			if (done == 0)
				rc = -EINVAL;
			break;
		}
		rc = fault_alloc_cookie(fault, &group->cookie);
		if (rc)
			break;
		data = group->fault;
		data.dev_id = group->idev->obj.id;
		data.length = 0;
		data.cookie = group->cookie;
		if (copy_to_user(task, ubuf + done, &data, fault_size)) {
			rc = -EFAULT;
			break;
		}
		mock_list_del(&group->node);
		mock_list_add_tail(&group->node, &fault->response);
		done += fault_size;
	}
	if (done)
		eventq_notify(&fault->common);
	return done == 0 ? rc : (ssize_t)done;
}

static ssize_t fault_write(struct iommufd_fault *fault, uint64_t ubuf, size_t count,
			   const struct mock_task *task)
{
	const size_t response_size = sizeof(struct iommu_hwpt_page_response);
	size_t done = 0;
	int rc = 0;

	if (count % response_size)
		return -ESPIPE;

	while (count > done) {
		struct iommu_hwpt_page_response response;
		struct iopf_group *group = NULL;
		struct mock_list *n;

		if (copy_from_user(task, &response, ubuf + done, response_size)) {
			rc = -EFAULT;
			break;
		}
		if (response.code != IOMMUFD_PAGE_RESP_SUCCESS &&
		    response.code != IOMMUFD_PAGE_RESP_INVALID) {
			rc = -EINVAL;
			break;
		}
		for (n = fault->response.next; n != &fault->response; n = n->next) {
			if (mock_list_entry(n, struct iopf_group, node)->cookie == response.cookie) {
				group = mock_list_entry(n, struct iopf_group, node);
				break;
			}
		}
		if (!group) {
			rc = -EINVAL;
			break;
		}
		/* the device's page response: nothing retries the DMA in the mock */
		iopf_group_free(group);
		done += response_size;
	}
	return done == 0 ? rc : (ssize_t)done;
}

/* The HWPT a page request of @idev with @flags/@pasid is handled by (find_fault_handler). */
static struct iommufd_hw_pagetable *iopf_find_hwpt(struct iommufd_device *idev, uint32_t flags,
						   uint32_t pasid, uint32_t *attach_pasid)
{
	struct iommufd_hw_pagetable *hwpt = NULL;

	if (flags & IOMMU_PGFAULT_FLAGS_PASID_VALID) {
		hwpt = iommufd_device_pasid_hwpt(idev, pasid);
		*attach_pasid = pasid;
		/* a driver with a user PASID table takes the RID's nested domain */
		if (!hwpt && dev_iommu_ops(idev->mdev)->user_pasid_table && idev->hwpt &&
		    idev->hwpt->obj.type == IOMMUFD_OBJ_HWPT_NESTED) {
			hwpt = idev->hwpt;
			*attach_pasid = IOMMU_NO_PASID;
		}
	} else {
		hwpt = idev->hwpt;
		*attach_pasid = IOMMU_NO_PASID;
	}
	return hwpt;
}

int iommufd_report_iopf(struct iommufd_device *idev, uint32_t flags, uint32_t pasid,
			uint32_t grpid, uint32_t perm, uint64_t addr)
{
	struct iommufd_hw_pagetable *hwpt;
	struct iommufd_fault *fault;
	struct iopf_group *group;
	uint32_t attach_pasid;

	hwpt = iopf_find_hwpt(idev, flags, pasid, &attach_pasid);
	if (!hwpt || !hwpt->fault)
		return -ENODEV;
	fault = hwpt->fault;
	group = calloc(1, sizeof(*group));
	if (!group)
		return -ENOMEM;
	group->idev = idev;
	group->hwpt = hwpt;
	group->attach_pasid = attach_pasid;
	group->fault_count = 1;
	group->fault.flags = flags;
	group->fault.pasid = pasid;
	group->fault.grpid = grpid;
	group->fault.perm = perm;
	group->fault.addr = addr;
	mock_list_add_tail(&group->node, &fault->common.deliver);
	eventq_notify(&fault->common);
	return 0;
}

/* ---------------- vEVENTQ ---------------- */

static struct iommufd_veventq *eventq_to_veventq(struct iommufd_eventq *eventq)
{
	return (struct iommufd_veventq *)eventq;
}

static bool vevent_is_lost_header(const struct iommufd_vevent *vevent)
{
	return vevent->header.flags & IOMMU_VEVENTQ_FLAG_LOST_EVENTS;
}

static void vevent_free(struct iommufd_vevent *vevent)
{
	free(vevent->event_data);
	free(vevent);
}

struct iommufd_veventq *iommufd_viommu_find_veventq(struct iommufd_viommu *viommu, uint32_t type)
{
	struct mock_list *n;

	for (n = viommu->veventqs.next; n != &viommu->veventqs; n = n->next) {
		struct iommufd_veventq *veventq = mock_list_entry(n, struct iommufd_veventq, node);

		if (veventq->type == type)
			return veventq;
	}
	return NULL;
}

/* An arbitrary upper bound of veventq_depth, the kernel's */
#define VEVENTQ_MAX_DEPTH (1U << 19)

int iommufd_veventq_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_veventq_alloc *cmd = ucmd->cmd;
	struct iommufd_veventq *veventq;
	struct iommufd_viommu *viommu;
	int rc;

	if (cmd->flags || cmd->__reserved || cmd->type == IOMMU_VEVENTQ_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->veventq_depth || cmd->veventq_depth > VEVENTQ_MAX_DEPTH)
		return -EINVAL;

	viommu = iommufd_get_viommu(ucmd->ictx, cmd->viommu_id);
	if (!viommu)
		return -ENOENT;
	if (iommufd_viommu_find_veventq(viommu, cmd->type)) {
		rc = -EEXIST;
		goto out_put;
	}
	veventq = (struct iommufd_veventq *)iommufd_object_alloc(ucmd->ictx, sizeof(*veventq),
								  IOMMUFD_OBJ_VEVENTQ);
	if (!veventq) {
		rc = -ENOMEM;
		goto out_put;
	}
	veventq->type = cmd->type;
	veventq->viommu = viommu;
	viommu->obj.users++;
	veventq->depth = cmd->veventq_depth;
	mock_list_add_tail(&veventq->node, &viommu->veventqs);
	mock_list_init(&veventq->lost_events_header.node);
	veventq->lost_events_header.header.flags = IOMMU_VEVENTQ_FLAG_LOST_EVENTS;

	rc = eventq_init(&veventq->common, ucmd, MOCK_FILE_VEVENTQ,
			 ucmd->ubuffer + offsetof(struct iommu_veventq_alloc, out_veventq_fd));
	if (rc)
		goto out_abort;
	cmd->out_veventq_id = veventq->common.obj.id;
	cmd->out_veventq_fd = 0;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		eventq_abort_file(&veventq->common, ucmd->call);
		goto out_abort;
	}
	iommufd_object_finalize(ucmd->ictx, &veventq->common.obj);
	goto out_put;

out_abort:
	iommufd_object_abort_and_destroy(ucmd->ictx, &veventq->common.obj);
out_put:
	iommufd_put_object(ucmd->ictx, &viommu->obj);
	return rc;
}

void iommufd_veventq_destroy(struct iommufd_object *obj)
{
	struct iommufd_veventq *veventq = (struct iommufd_veventq *)obj;

	while (!mock_list_empty(&veventq->common.deliver)) {
		struct iommufd_vevent *cur = mock_list_entry(veventq->common.deliver.next,
							     struct iommufd_vevent, node);

		mock_list_del(&cur->node);
		if (cur != &veventq->lost_events_header)
			vevent_free(cur);
	}
	veventq->viommu->obj.users--;
	mock_list_del(&veventq->node);
}

/* Queue @vevent (which may be the lost-events header) with the next sequence number. */
void iommufd_vevent_handler(struct iommufd_veventq *veventq, struct iommufd_vevent *vevent)
{
	struct mock_list *lost = &veventq->lost_events_header.node;

	/*
	 * The header stands for everything lost since the last event: it
	 * moves to the tail with a fresh sequence number instead of queueing
	 * twice.
	 */
	if (mock_list_linked(lost))
		mock_list_del(lost);
	mock_list_add_tail(&vevent->node, &veventq->common.deliver);
	vevent->header.sequence = veventq->sequence;
	veventq->sequence = (veventq->sequence + 1) & INT32_MAX;
	eventq_notify(&veventq->common);
}

static ssize_t veventq_read(struct iommufd_veventq *veventq, uint64_t ubuf, size_t count,
			    const struct mock_task *task)
{
	const size_t hdr_size = sizeof(struct iommufd_vevent_header);
	struct mock_list *list = &veventq->common.deliver;
	size_t done = 0;
	int rc = 0;

	if (count < hdr_size)
		return -EINVAL;

	while (!mock_list_empty(list)) {
		struct iommufd_vevent *cur = mock_list_entry(list->next, struct iommufd_vevent,
							     node);
		bool lost = vevent_is_lost_header(cur);

		/*
		 * What does not fit stays queued; the lost-events header is
		 * taken off first and put back only on an otherwise empty
		 * queue, as the kernel does with its copy of it.
		 */
		if (done >= count || hdr_size > count - done) {
			if (lost && list->next->next != list)
				mock_list_del(&cur->node);
			break;
		}
		if (!lost && hdr_size + cur->data_len > count - done) {
			/* not even one normal event fits */
			if (done == 0)
				rc = -EINVAL;
			break;
		}
		if (copy_to_user(task, ubuf + done, &cur->header, hdr_size)) {
			if (lost && list->next->next != list)
				mock_list_del(&cur->node);
			rc = -EFAULT;
			break;
		}
		if (!lost && cur->data_len &&
		    copy_to_user(task, ubuf + done + hdr_size, cur->event_data, cur->data_len)) {
			rc = -EFAULT;
			break;
		}
		done += hdr_size + (lost ? 0 : cur->data_len);
		mock_list_del(&cur->node);
		if (!lost) {
			veventq->num_events--;
			vevent_free(cur);
		}
	}
	if (done)
		eventq_notify(&veventq->common);
	return done == 0 ? rc : (ssize_t)done;
}

/* ---------------- file operations ---------------- */

ssize_t iommufd_eventq_read(struct mock_file *f, uint64_t ubuf, size_t len,
			    const struct mock_task *task)
{
	struct iommufd_eventq *eventq = f->private_data;

	if (eventq->obj.type == IOMMUFD_OBJ_FAULT)
		return fault_read(eventq_to_fault(eventq), ubuf, len, task);
	return veventq_read(eventq_to_veventq(eventq), ubuf, len, task);
}

ssize_t iommufd_eventq_write(struct mock_file *f, uint64_t ubuf, size_t len,
			     const struct mock_task *task)
{
	struct iommufd_eventq *eventq = f->private_data;

	if (eventq->obj.type == IOMMUFD_OBJ_FAULT)
		return fault_write(eventq_to_fault(eventq), ubuf, len, task);
	/* the vEVENTQ file has no write op */
	return -EINVAL;
}

/* ---------------- DMA faults of the machine's devices ---------------- */

void iommufd_dma_fault(struct mock_dev *mdev, struct iommufd_hw_pagetable *hwpt,
		       uint32_t pasid, uint64_t iova, bool write, const uint64_t *smmu_evt)
{
	struct iommufd_device *idev = mdev->idev;

	if (!idev || !hwpt)
		return;
	if (hwpt->fault) {
		uint32_t flags = IOMMU_PGFAULT_FLAGS_LAST_PAGE;

		if (pasid != IOMMU_NO_PASID)
			flags |= IOMMU_PGFAULT_FLAGS_PASID_VALID;
		(void)iommufd_report_iopf(idev, flags, pasid, mdev->next_grpid++ & 0x1ff,
					  write ? IOMMU_PGFAULT_PERM_WRITE :
						  IOMMU_PGFAULT_PERM_READ,
					  iova & PAGE_MASK);
		return;
	}
	/* a stage-1 fault under a vIOMMU: the driver reports a vEVENT */
	if (hwpt->obj.type == IOMMUFD_OBJ_HWPT_NESTED && mdev->viommu && mdev->vdev_id &&
	    mdev->viommu->ops->report_fault)
		mdev->viommu->ops->report_fault(mdev->viommu, mdev->vdev_id, smmu_evt);
}

/* ---------------- the fault and vEVENTQ files' operations ---------------- */

static ssize_t eventq_fops_read(struct mock_file *f, uint64_t ubuf, size_t len,
				struct mock_call *call)
{
	return iommufd_eventq_read(f, ubuf, len, call->task);
}

static ssize_t eventq_fops_write(struct mock_file *f, uint64_t ubuf, size_t len,
				 struct mock_call *call)
{
	return iommufd_eventq_write(f, ubuf, len, call->task);
}

const struct mock_file_operations iommufd_fault_fops = {
	.release = iommufd_eventq_release,
	.read = eventq_fops_read,
	.write = eventq_fops_write,
	.poll = iommufd_eventq_poll,
};

/* The same ops: iommufd_eventq_write() refuses the vEVENTQ (it has no write op). */
const struct mock_file_operations iommufd_veventq_fops = {
	.release = iommufd_eventq_release,
	.read = eventq_fops_read,
	.write = eventq_fops_write,
	.poll = iommufd_eventq_poll,
};
