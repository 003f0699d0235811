// SPDX-License-Identifier: MIT
/*
 * iommu_pt.c - the IO page table of each paging domain (the role the
 * drivers' page tables, drivers/iommu/generic_pt/, play for the kernel): the
 * mapped IOVA ranges of one domain, each a slice of a pages object with its
 * protection. io_pagetable.c maps an area into every domain of its IOAS when
 * it fills it and unmaps it when it unfills it, as the kernel's
 * iopt_area_fill_domains() calls iommu_map(); a DMA (driver.c) translates
 * through the domain's own table. The mock keeps one entry per area and
 * domain (split when the area is split), so a domain sees exactly the areas
 * that are filled into it.
 */
#include <errno.h>
#include <stdlib.h>

#include "iommufd_private.h"

struct mock_pt_entry {
	struct interval_tree_node node; /* IOVA */
	struct iopt_pages *pages;
	uint64_t start_byte; /* of node.start in pages */
	uint8_t prot;        /* IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE */
};

static struct mock_pt_entry *to_entry(struct interval_tree_node *n)
{
	return (struct mock_pt_entry *)((char *)n - offsetof(struct mock_pt_entry, node));
}

int mock_domain_map_pages(struct mock_domain *domain, uint64_t iova, uint64_t last,
			  struct iopt_pages *pages, uint64_t start_byte, int prot)
{
	struct mock_pt_entry *e = malloc(sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->node.start = iova;
	e->node.last = last;
	e->pages = pages;
	e->start_byte = start_byte;
	e->prot = (uint8_t)prot;
	interval_tree_insert(&e->node, &domain->pt);
	return 0;
}

void mock_domain_unmap_pages(struct mock_domain *domain, uint64_t iova, uint64_t last)
{
	struct interval_tree_node *n;

	/* entries are whole areas: an unmap never cuts one */
	while ((n = interval_tree_iter_first(&domain->pt, iova, last))) {
		interval_tree_remove(n, &domain->pt);
		free(to_entry(n));
	}
}

void mock_domain_unmap_all(struct mock_domain *domain)
{
	mock_domain_unmap_pages(domain, 0, UINT64_MAX);
}

struct mock_pt_entry *mock_pt_entry_alloc(void)
{
	return malloc(sizeof(struct mock_pt_entry));
}

void mock_domain_pt_split(struct mock_domain *domain, uint64_t iova, struct mock_pt_entry *spare)
{
	struct interval_tree_node *n = interval_tree_iter_first(&domain->pt, iova, iova);
	struct mock_pt_entry *e, *rhs = spare;

	if (!n || n->last == iova) {
		free(spare);
		return;
	}
	e = to_entry(n);
	interval_tree_remove(&e->node, &domain->pt);
	rhs->node.start = iova + 1;
	rhs->node.last = e->node.last;
	rhs->pages = e->pages;
	rhs->start_byte = e->start_byte + (iova + 1 - e->node.start);
	rhs->prot = e->prot;
	e->node.last = iova;
	interval_tree_insert(&e->node, &domain->pt);
	interval_tree_insert(&rhs->node, &domain->pt);
}

bool mock_domain_iova_to_pages(struct mock_domain *domain, uint64_t iova,
			       struct iopt_pages **pages, uint64_t *byte, int *prot,
			       uint64_t *first, uint64_t *last)
{
	struct interval_tree_node *n = interval_tree_iter_first(&domain->pt, iova, iova);
	struct mock_pt_entry *e;

	if (!n)
		return false;
	e = to_entry(n);
	*pages = e->pages;
	*byte = e->start_byte + (iova - e->node.start);
	*prot = e->prot;
	if (first)
		*first = e->node.start;
	if (last)
		*last = e->node.last;
	return true;
}
