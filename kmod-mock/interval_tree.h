/* SPDX-License-Identifier: MIT */
/*
 * interval_tree.h - an augmented AVL tree of closed intervals [start, last]
 * (the role lib/interval_tree.c plays for the kernel's iommufd). Intervals may
 * overlap; every operation is O(log n) (iteration O(log^2 n) worst case), so
 * an IOAS with millions of areas stays fast. Nodes are embedded in their owner.
 */
#ifndef KMOD_MOCK_INTERVAL_TREE_H
#define KMOD_MOCK_INTERVAL_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct interval_tree_node {
	struct interval_tree_node *left;
	struct interval_tree_node *right;
	uint64_t start;
	uint64_t last;
	uint64_t subtree_last;
	int height;
};

struct interval_tree_root {
	struct interval_tree_node *root;
	size_t count;
};

#define INTERVAL_TREE_ROOT_INIT ((struct interval_tree_root){ NULL, 0 })

static inline bool interval_tree_empty(const struct interval_tree_root *t)
{
	return !t->root;
}

void interval_tree_insert(struct interval_tree_node *node, struct interval_tree_root *t);
void interval_tree_remove(struct interval_tree_node *node, struct interval_tree_root *t);

/* The overlapping node with the lowest (start, address), or NULL. */
struct interval_tree_node *interval_tree_iter_first(const struct interval_tree_root *t,
						    uint64_t start, uint64_t last);
/* The next overlapping node after @node in (start, address) order, or NULL. */
struct interval_tree_node *interval_tree_iter_next(const struct interval_tree_root *t,
						   const struct interval_tree_node *node,
						   uint64_t start, uint64_t last);

/*
 * Spans over the union of up to two trees (@b may be NULL): the first hole
 * (range covered by no node) or the first used range (maximal range covered
 * by nodes, adjacent nodes merged) inside [start, last] at or after @start.
 * Return false when there is none.
 */
bool interval_tree_first_hole(const struct interval_tree_root *a,
			      const struct interval_tree_root *b, uint64_t start,
			      uint64_t last, uint64_t *hole_start, uint64_t *hole_last);
bool interval_tree_first_used(const struct interval_tree_root *a,
			      const struct interval_tree_root *b, uint64_t start,
			      uint64_t last, uint64_t *used_start, uint64_t *used_last);

#endif /* KMOD_MOCK_INTERVAL_TREE_H */
