// SPDX-License-Identifier: MIT
/*
 * vfio_pci_intrs.c - vfio-pci's device interrupts (the kernel's
 * drivers/vfio/pci/vfio_pci_intrs.c and the IRQ ioctls of vfio_pci_core.c):
 * VFIO_DEVICE_GET_IRQ_INFO from the device's config space, VFIO_DEVICE_SET_IRQS
 * (DATA_NONE/BOOL/EVENTFD for TRIGGER, MASK, UNMASK) with the kernel's errnos,
 * INTx automasking, MSI, and the ERR/REQ eventfds.
 *
 * An eventfd is the daemon's own fd of the caller's file, passed along with
 * the call (struct mock_call.fds); signalling it is an 8-byte write, as
 * eventfd_signal() adds 1. The resampler (UNMASK with an eventfd) is not
 * watched in the background: it is looked at whenever the device is used
 * (vfio_pci_irqs_poll()), which is the only time a new interrupt can arise.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vfio.h"

/*
 * eventfd_signal(). The file is the caller's, blocking or not: a counter
 * the program filled to its maximum would block the write, and the daemon
 * with it, so the signal is dropped unless the eventfd is writable now
 * (the kernel's eventfd_signal() never waits either).
 */
static void efd_signal(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	uint64_t one = 1;

	if (fd < 0 || poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT))
		return;
	if (write(fd, &one, sizeof(one)) != (ssize_t)sizeof(one)) {
		/* nothing to do: the program holds the counter */
	}
}

static void efd_put(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* eventfd_ctx_fdget(): EBADF for no file, EINVAL for a file that is no eventfd. */
static int efd_get(const struct mock_call *call, int32_t ufd, int *out)
{
	char path[64], link[64];
	unsigned int i;
	ssize_t n;

	for (i = 0; i < call->nr_fds; i++)
		if (call->fds[i].ufd == ufd && call->fds[i].fd >= 0)
			break;
	if (i == call->nr_fds)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", call->fds[i].fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -EBADF;
	link[n] = '\0';
	if (strcmp(link, "anon_inode:[eventfd]"))
		return -EINVAL;
	*out = fcntl(call->fds[i].fd, F_DUPFD_CLOEXEC, 0);
	return *out < 0 ? -ENOMEM : 0;
}

/*
 * eventfd_ctx_fdget() of an fd the caller did not pass along (the low-power
 * wakeup eventfd, which the mock never signals): EBADF for no file, EINVAL
 * for a file that is no eventfd, looked at in the caller's fd table.
 */
int vfio_pci_eventfd_check(const struct mock_call *call, int32_t ufd)
{
	char path[64], link[64];
	ssize_t n;

	if (!mock_user_fd_fgettable(call->task, ufd))
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)call->task->pid, (int)ufd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -EBADF;
	link[n] = '\0';
	return strcmp(link, "anon_inode:[eventfd]") ? -EINVAL : 0;
}

static bool is_intx(const struct mock_pci_dev *pdev)
{
	return pdev->irqs.type == VFIO_PCI_INTX_IRQ_INDEX;
}

static bool is_irq_none(const struct mock_pci_dev *pdev)
{
	return pdev->irqs.type < 0;
}

void vfio_pci_irqs_init(struct mock_pci_dev *pdev)
{
	struct mock_pci_irqs *irqs = &pdev->irqs;

	memset(irqs, 0, sizeof(*irqs));
	irqs->type = -1;
	irqs->intx_trigger = irqs->intx_unmask = -1;
	irqs->err_trigger = irqs->req_trigger = -1;
	for (unsigned int i = 0; i < MOCK_PCI_MAX_MSI; i++)
		irqs->msi_trigger[i] = -1;
}

static unsigned int irq_count(const struct mock_pci_dev *pdev, unsigned int index)
{
	const uint8_t *c = pdev->config;

	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		return c[PCI_INTERRUPT_PIN] ? 1 : 0;
	case VFIO_PCI_MSI_IRQ_INDEX:
		if (c[0x34] != MOCK_PCI_MSI_CAP || c[MOCK_PCI_MSI_CAP] != 0x05)
			return 0;
		return 1U << ((c[MOCK_PCI_MSI_CAP + 2] & PCI_MSI_FLAGS_QMASK) >> 1);
	case VFIO_PCI_MSIX_IRQ_INDEX:
		return 0; /* no device of the mock has MSI-X */
	case VFIO_PCI_ERR_IRQ_INDEX:
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	default:
		return 0;
	}
}

long vfio_pci_ioctl_get_irq_info(struct mock_pci_dev *pdev, unsigned long arg,
				 const struct mock_task *task)
{
	const size_t minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(task, &info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	info.flags = VFIO_IRQ_INFO_EVENTFD;
	info.count = irq_count(pdev, info.index);
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else
		info.flags |= VFIO_IRQ_INFO_NORESIZE; /* no dynamic MSI-X */
	return copy_to_user(task, arg, &info, minsz) ? -EFAULT : 0;
}

/* ---------------- INTx ---------------- */

static void intx_send(struct mock_pci_dev *pdev)
{
	if (is_intx(pdev))
		efd_signal(pdev->irqs.intx_trigger);
}

/* vfio_intx_handler(): the pin rose while unmasked: mask, then tell the program. */
static void intx_fire(struct mock_pci_dev *pdev)
{
	struct mock_pci_irqs *irqs = &pdev->irqs;

	if (!is_intx(pdev) || irqs->intx_masked || !irqs->intx_level)
		return;
	irqs->intx_masked = true;
	intx_send(pdev);
}

static void intx_mask(struct mock_pci_dev *pdev)
{
	if (is_intx(pdev))
		pdev->irqs.intx_masked = true;
}

/* vfio_pci_intx_unmask_handler(): a pin still asserted stays masked and is sent again. */
static void intx_unmask(struct mock_pci_dev *pdev)
{
	struct mock_pci_irqs *irqs = &pdev->irqs;

	if (!is_intx(pdev) || !irqs->intx_masked)
		return;
	if (irqs->intx_level) {
		intx_send(pdev);
		return;
	}
	irqs->intx_masked = false;
}

static void intx_disable(struct mock_pci_dev *pdev)
{
	struct mock_pci_irqs *irqs = &pdev->irqs;

	efd_put(&irqs->intx_unmask);
	efd_put(&irqs->intx_trigger);
	irqs->intx_masked = false;
	irqs->type = -1;
}

void mock_pci_set_intx(struct mock_pci_dev *pdev, bool level)
{
	/* the program's INTx disable is vfio-pci's mask (vfio_pci_intx_disable_write()) */
	pdev->irqs.intx_level = level;
	/* the device's Interrupt Status (PCI_STATUS bit 3) follows its INTx line */
	if (level)
		pdev->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
	else
		pdev->config[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTERRUPT;
	intx_fire(pdev);
}

void vfio_pci_intx_disable_write(struct mock_pci_dev *pdev, bool disable)
{
	/* vfio-pci virtualises the bit: the program's INTx disable masks */
	if (disable)
		intx_mask(pdev);
	else
		intx_unmask(pdev);
}

void vfio_pci_irqs_poll(struct mock_pci_dev *pdev)
{
	struct pollfd p = { .fd = pdev->irqs.intx_unmask, .events = POLLIN };
	uint64_t cnt;

	if (p.fd < 0 || poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
		return;
	if (read(p.fd, &cnt, sizeof(cnt)) == (ssize_t)sizeof(cnt))
		intx_unmask(pdev);
}

static int set_intx_unmask(struct mock_pci_dev *pdev, unsigned int start, unsigned int count,
			   uint32_t flags, const void *data, const struct mock_call *call)
{
	if (!is_intx(pdev) || start != 0 || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		intx_unmask(pdev);
	} else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(const uint8_t *)data)
			intx_unmask(pdev);
	} else if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		int32_t fd;
		int efd, rc;

		memcpy(&fd, data, sizeof(fd));
		if (fd < 0) {
			efd_put(&pdev->irqs.intx_unmask);
			return 0;
		}
		rc = efd_get(call, fd, &efd);
		if (rc)
			return rc;
		efd_put(&pdev->irqs.intx_unmask);
		pdev->irqs.intx_unmask = efd;
	}
	return 0;
}

static int set_intx_mask(struct mock_pci_dev *pdev, unsigned int start, unsigned int count,
			 uint32_t flags, const void *data)
{
	if (!is_intx(pdev) || start != 0 || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		intx_mask(pdev);
	} else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(const uint8_t *)data)
			intx_mask(pdev);
	} else if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		return -ENOTTY; /* as vfio-pci: not implemented */
	}
	return 0;
}

static int set_intx_trigger(struct mock_pci_dev *pdev, unsigned int start, unsigned int count,
			    uint32_t flags, const void *data, const struct mock_call *call)
{
	struct mock_pci_irqs *irqs = &pdev->irqs;

	if (is_intx(pdev) && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		intx_disable(pdev);
		return 0;
	}
	if (!(is_intx(pdev) || is_irq_none(pdev)) || start != 0 || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		int32_t fd;
		int efd = -1, rc;

		memcpy(&fd, data, sizeof(fd));
		if (fd >= 0) {
			rc = efd_get(call, fd, &efd);
			if (rc)
				return rc;
		}
		if (is_intx(pdev)) {
			efd_put(&irqs->intx_trigger);
			irqs->intx_trigger = efd;
			return 0;
		}
		/* vfio_intx_enable(): a device without a pin has no INTx */
		if (!pdev->config[PCI_INTERRUPT_PIN]) {
			efd_put(&efd);
			return -ENODEV;
		}
		irqs->type = VFIO_PCI_INTX_IRQ_INDEX;
		irqs->intx_trigger = efd;
		/* the program's INTx disable starts it masked; a pin already up fires */
		irqs->intx_masked = pdev->config[PCI_COMMAND + 1] & (PCI_COMMAND_INTX_DISABLE >> 8);
		intx_fire(pdev);
		return 0;
	}
	if (!is_intx(pdev))
		return -EINVAL;
	if ((flags & VFIO_IRQ_SET_DATA_NONE) ||
	    ((flags & VFIO_IRQ_SET_DATA_BOOL) && *(const uint8_t *)data))
		intx_send(pdev); /* loopback */
	return 0;
}

/* ---------------- MSI ---------------- */

bool mock_pci_msi_enabled(const struct mock_pci_dev *pdev)
{
	return pdev->irqs.type == VFIO_PCI_MSI_IRQ_INDEX;
}

void mock_pci_msi_notify(struct mock_pci_dev *pdev, unsigned int vector)
{
	if (mock_pci_msi_enabled(pdev) && vector < pdev->irqs.nr_msi)
		efd_signal(pdev->irqs.msi_trigger[vector]);
}

static void msi_disable(struct mock_pci_dev *pdev)
{
	struct mock_pci_irqs *irqs = &pdev->irqs;

	for (unsigned int i = 0; i < MOCK_PCI_MAX_MSI; i++)
		efd_put(&irqs->msi_trigger[i]);
	irqs->nr_msi = 0;
	irqs->type = -1;
}

/* vfio_msi_set_block(): all or nothing. */
static int msi_set_block(struct mock_pci_dev *pdev, unsigned int start, unsigned int count,
			 const int32_t *fds, const struct mock_call *call)
{
	struct mock_pci_irqs *irqs = &pdev->irqs;
	int efds[MOCK_PCI_MAX_MSI];
	unsigned int i;
	int rc = 0;

	if (start >= irqs->nr_msi || start + count > irqs->nr_msi)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		int32_t fd = fds ? fds[i] : -1;

		efds[i] = -1;
		if (fd >= 0 && (rc = efd_get(call, fd, &efds[i])))
			break;
	}
	if (rc) {
		while (i-- > 0)
			efd_put(&efds[i]);
		/* the kernel has released the vectors it set before the failure */
		for (i = start; i < start + count; i++)
			efd_put(&irqs->msi_trigger[i]);
		return rc;
	}
	for (i = 0; i < count; i++) {
		efd_put(&irqs->msi_trigger[start + i]);
		irqs->msi_trigger[start + i] = efds[i];
	}
	return 0;
}

static int set_msi_trigger(struct mock_pci_dev *pdev, unsigned int index, unsigned int start,
			   unsigned int count, uint32_t flags, const void *data,
			   const struct mock_call *call)
{
	struct mock_pci_irqs *irqs = &pdev->irqs;
	int32_t fds[MOCK_PCI_MAX_MSI];
	int rc;

	if (irqs->type == (int)index && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		msi_disable(pdev);
		return 0;
	}
	if (!(irqs->type == (int)index || is_irq_none(pdev)))
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		if (count > MOCK_PCI_MAX_MSI)
			return -EINVAL;
		memcpy(fds, data, count * sizeof(int32_t));
		if (irqs->type == (int)index)
			return msi_set_block(pdev, start, count, fds, call);
		irqs->type = (int)index;
		irqs->nr_msi = start + count;
		rc = msi_set_block(pdev, start, count, fds, call);
		if (rc)
			msi_disable(pdev);
		return rc;
	}
	if (irqs->type != (int)index)
		return -EINVAL;
	for (unsigned int i = start; i < start + count; i++) {
		if ((flags & VFIO_IRQ_SET_DATA_NONE) ||
		    ((flags & VFIO_IRQ_SET_DATA_BOOL) && ((const uint8_t *)data)[i - start]))
			efd_signal(irqs->msi_trigger[i]);
	}
	return 0;
}

/* ---------------- ERR and REQ ---------------- */

static int set_ctx_trigger_single(int *trigger, unsigned int count, uint32_t flags,
				  const void *data, const struct mock_call *call)
{
	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		if (*trigger < 0)
			return -EINVAL;
		if (count)
			efd_signal(*trigger);
		else
			efd_put(trigger);
		return 0;
	}
	if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (!count)
			return -EINVAL;
		if (*(const uint8_t *)data)
			efd_signal(*trigger);
		return 0;
	}
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		int32_t fd;
		int efd, rc;

		if (!count)
			return -EINVAL;
		memcpy(&fd, data, sizeof(fd));
		if (fd == -1) {
			efd_put(trigger);
			return 0;
		}
		if (fd >= 0) {
			rc = efd_get(call, fd, &efd);
			if (rc)
				return rc;
			efd_put(trigger);
			*trigger = efd;
			return 0;
		}
	}
	return -EINVAL;
}

/* ---------------- the ioctl ---------------- */

/* vfio_set_irqs_validate_and_prepare(): the header against the index's vector count. */
static int validate(const struct vfio_irq_set *hdr, unsigned int num_irqs, size_t *data_size)
{
	const size_t minsz = offsetofend(struct vfio_irq_set, count);
	size_t size;

	if (hdr->argsz < minsz || hdr->index >= VFIO_PCI_NUM_IRQS ||
	    hdr->count >= UINT32_MAX - hdr->start ||
	    (hdr->flags & ~(uint32_t)(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return -EINVAL;
	*data_size = 0;
	if (hdr->start >= num_irqs || hdr->start + hdr->count > num_irqs)
		return -EINVAL;
	switch (hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		size = 0;
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		size = sizeof(uint8_t);
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		size = sizeof(int32_t);
		break;
	default:
		return -EINVAL;
	}
	if (size) {
		if (hdr->argsz - minsz < (uint64_t)hdr->count * size)
			return -EINVAL;
		*data_size = hdr->count * size;
	}
	return 0;
}

long vfio_pci_ioctl_set_irqs(struct mock_pci_dev *pdev, unsigned long arg,
			     const struct mock_call *call)
{
	const size_t minsz = offsetofend(struct vfio_irq_set, count);
	uint32_t action, start, count, flags;
	struct vfio_irq_set hdr;
	uint8_t data[MOCK_PCI_MAX_MSI * sizeof(int32_t)];
	size_t data_size;
	int rc;

	if (copy_from_user(call->task, &hdr, arg, minsz))
		return -EFAULT;
	rc = validate(&hdr, irq_count(pdev, hdr.index), &data_size);
	if (rc)
		return rc;
	/* every index of the mock has at most MOCK_PCI_MAX_MSI vectors */
	if (data_size > sizeof(data))
		return -EINVAL;
	if (data_size && copy_from_user(call->task, data, arg + minsz, data_size))
		return -EFAULT;
	vfio_pci_irqs_poll(pdev);
	flags = hdr.flags;
	start = hdr.start;
	count = hdr.count;
	action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	switch (hdr.index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_MASK)
			return set_intx_mask(pdev, start, count, flags, data);
		if (action == VFIO_IRQ_SET_ACTION_UNMASK)
			return set_intx_unmask(pdev, start, count, flags, data, call);
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return set_intx_trigger(pdev, start, count, flags, data, call);
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		/* vfio-pci cannot mask MSI */
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return set_msi_trigger(pdev, hdr.index, start, count, flags, data, call);
		break;
	case VFIO_PCI_ERR_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER) {
			if (start != 0 || count > 1)
				return -EINVAL;
			return set_ctx_trigger_single(&pdev->irqs.err_trigger, count, flags, data,
						      call);
		}
		break;
	case VFIO_PCI_REQ_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER) {
			if (start != 0 || count > 1)
				return -EINVAL;
			return set_ctx_trigger_single(&pdev->irqs.req_trigger, count, flags, data,
						      call);
		}
		break;
	}
	return -ENOTTY;
}

/* vfio_pci_core_close_device(): every index off, every eventfd let go. */
void vfio_pci_irqs_release(struct mock_pci_dev *pdev)
{
	struct mock_pci_irqs *irqs = &pdev->irqs;

	intx_disable(pdev);
	msi_disable(pdev);
	efd_put(&irqs->err_trigger);
	efd_put(&irqs->req_trigger);
	vfio_pci_irqs_init(pdev);
}
