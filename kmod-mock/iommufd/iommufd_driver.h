/* SPDX-License-Identifier: MIT */
/*
 * iommufd_driver.h - the mock's include/linux/iommufd.h, the part IOMMU drivers
 * see: the objects a driver embeds or reads (struct iommufd_object and the
 * vIOMMU, vDEVICE, HW queue and mmap region) and what driver.c lets drivers
 * and the IOMMU core (drivers/iommu/iommu.c) call. The rest of the core's
 * state is iommufd_private.h's.
 */
#ifndef KMOD_MOCK_IOMMUFD_DRIVER_H
#define KMOD_MOCK_IOMMUFD_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu.h"
#include "list.h"

struct iommufd_device;
struct iommufd_hwpt_paging;
struct iommufd_ioas;
struct iommufd_veventq;

enum iommufd_object_type {
	IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_ANY = IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_DEVICE,
	IOMMUFD_OBJ_HWPT_PAGING,
	IOMMUFD_OBJ_HWPT_NESTED,
	IOMMUFD_OBJ_IOAS,
	IOMMUFD_OBJ_ACCESS,
	IOMMUFD_OBJ_FAULT,
	IOMMUFD_OBJ_VIOMMU,
	IOMMUFD_OBJ_VDEVICE,
	IOMMUFD_OBJ_VEVENTQ,
	IOMMUFD_OBJ_HW_QUEUE,
	IOMMUFD_OBJ_SELFTEST,
	IOMMUFD_OBJ_MAX,
};

struct iommufd_ctx;

struct iommufd_object {
	enum iommufd_object_type type;
	uint32_t id;
	/* 1 = only the table holds it; destroy needs exactly that. */
	unsigned int users;
	bool finalized;
	struct iommufd_ctx *ictx;
};

/* A range of the iommufd file's mmap offsets, backed by core-owned memory. */
struct iommufd_mmap {
	struct mock_list ctx_node; /* ictx->mmaps */
	struct mock_list k_node;   /* k->mmaps */
	struct iommufd_ctx *ictx;
	struct iommufd_object *owner;
	uint64_t offset;
	uint64_t length;
	int memfd;
	uint64_t cookie;
	unsigned int refs; /* mappings the server holds */
};

struct iommufd_hw_queue;

struct iommufd_viommu {
	struct iommufd_object obj;
	struct iommufd_hwpt_paging *hwpt;
	const struct mock_iommu_ops *iommu; /* the IOMMU instance's driver (viommu->iommu_dev) */
	const struct mock_viommu_ops *ops;
	uint32_t type;
	struct mock_list veventqs;
	struct iommufd_vdevice *vdevs; /* by virt_id, a short list */
	/* the selftest driver's vIOMMU */
	struct iommufd_hw_queue *hw_queue[IOMMU_TEST_HW_QUEUE_MAX];
	struct iommufd_mmap *immap;
};

struct iommufd_vdevice {
	struct iommufd_object obj;
	struct iommufd_viommu *viommu;
	struct iommufd_device *idev;
	uint64_t virt_id;
	struct iommufd_vdevice *next_in_viommu;
};

struct iommufd_hw_queue {
	struct iommufd_object obj;
	struct iommufd_viommu *viommu;
	struct iommufd_hw_queue *prev;
	struct iommufd_ioas *ioas; /* where the pinned queue memory is */
	uint32_t type;
	uint32_t index;
	bool installed; /* in viommu->hw_queue[index] */
	uint64_t base_addr;
	uint64_t length;
	uint64_t pin_iova, pin_length; /* page-aligned pinned range, 0 length = none */
};

/* driver.c: a vIOMMU mmap region of @len bytes the user mmap()s through the iommufd, owned by @owner. */
struct iommufd_mmap *iommufd_alloc_mmap(struct iommufd_ctx *ictx,
					       struct iommufd_object *owner, uint64_t length,
					       int *err);
/* The AMD and SMMUv3 viommu_init(): -EINVAL unless the parent is the driver's own domain. */
int mock_viommu_init_parent(struct iommufd_viommu *viommu);
/* The device behind @idev (what a driver may read of a DEVICE object). */
struct mock_dev *iommufd_device_mdev(const struct iommufd_device *idev);
/* Does the vIOMMU's driver allocate nested domains on it? */
bool iommufd_viommu_has_nested(const struct iommufd_viommu *viommu);
/* The device @virt_id names in @viommu, or NULL. */
struct iommufd_device *iommufd_viommu_find_dev(struct iommufd_viommu *viommu,
					       uint64_t virt_id);
/* driver.c: queue a vEVENT of @type on @viommu's vEVENTQ of that type. */
int iommufd_viommu_report_event(struct iommufd_viommu *viommu, uint32_t type,
				const void *event_data, size_t data_len);
/* The vEVENTQ of @type on @viommu, or NULL. */
struct iommufd_veventq *iommufd_viommu_find_veventq(struct iommufd_viommu *viommu, uint32_t type);
/*
 * driver.c, for the IOMMU core (drivers/iommu/iommu.c): the domain @pasid of
 * @mdev is attached to (kernel: iommu_get_domain_for_dev_pasid()), as its
 * stage-2 (paging) domain and, if nested, its stage 1; false (both NULL): none.
 */
bool iommufd_dev_domain(struct mock_dev *mdev, uint32_t pasid, struct mock_domain **s2,
			struct mock_nested_domain **s1);
/* A DMA of @mdev at @iova (@pasid) faulted: iommufd_dma_fault() on the HWPT attached there. */
void iommufd_dev_report_fault(struct mock_dev *mdev, uint32_t pasid, uint64_t iova, bool write,
			      const uint64_t *smmu_evt);
/* Is @iova mapped in paging domain @domain, @write allowed: 0, -ENOENT or -EACCES. */
int iommufd_domain_lookup(struct mock_domain *domain, uint64_t iova, bool write);
/*
 * Copy @len bytes (within one IO page) at mapped @iova of @domain to or from
 * @buf; a write marks the IO page dirty. 0 or -EFAULT.
 */
int iommufd_domain_rw(struct mock_domain *domain, uint64_t iova, void *buf, size_t len,
		      bool write);

#endif /* KMOD_MOCK_IOMMUFD_DRIVER_H */
