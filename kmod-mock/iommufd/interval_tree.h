/* SPDX-License-Identifier: MIT */
/*
 * interval_tree.h - an augmented AVL tree of closed intervals [start, last]
 * (the role lib/interval_tree.c plays for the kernel's iommufd). Intervals may
 * overlap; every operation is O(log n) (iteration O(log^2 n) worst case), so
 * an IOAS with millions of areas stays fast. Each subtree also caches its
 * lowest start and its largest hole, so that the first hole of a given size
 * (IOVA allocation) is found without stepping over every node below it.
 * Nodes are embedded in their owner.
 */
#ifndef KMOD_MOCK_INTERVAL_TREE_H
#define KMOD_MOCK_INTERVAL_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct interval_tree_node {
	/* the children, with the AVL height in their low bits (interval_tree.c) */
	_Alignas(8) uintptr_t left_h;
	uintptr_t right_h;
	uint64_t start;
	uint64_t last;
	uint64_t subtree_last;
	/* lowest start in the subtree, and an upper bound of its largest inner hole */
	uint64_t subtree_first;
	uint64_t subtree_gap;
};

struct interval_tree_root {
	struct interval_tree_node *root;
};

#define INTERVAL_TREE_ROOT_INIT ((struct interval_tree_root){ NULL })

static inline bool interval_tree_empty(const struct interval_tree_root *t)
{
	return !t->root;
}

void interval_tree_insert(struct interval_tree_node *node, struct interval_tree_root *t);
void interval_tree_remove(struct interval_tree_node *node, struct interval_tree_root *t);

/*
 * Remove every node overlapping [start, last] and then pass each to @fn (which
 * may free it), in one O(n) rebuild of the tree: cheaper than removing them
 * one by one once they are a good share of the tree. -ENOMEM leaves the tree
 * as it was.
 */
int interval_tree_remove_range(struct interval_tree_root *t, uint64_t start, uint64_t last,
			       void (*fn)(struct interval_tree_node *node, void *arg),
			       void *arg);

/*
 * Call @fn on every node overlapping [start, last] in (start, address) order,
 * in O(k + log n); stops at and returns the first non-zero value of @fn. @fn
 * must not change the tree.
 */
int interval_tree_visit(const struct interval_tree_root *t, uint64_t start, uint64_t last,
			int (*fn)(struct interval_tree_node *node, void *arg), void *arg);

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
/*
 * The first hole of the union of @a and @b (@b may be NULL), clipped to
 * [start, last], that is at least @minsize (>= 1) bytes long. O(log n) per
 * tree while nodes do not overlap, and per alternation between the trees.
 */
bool interval_tree_find_hole(const struct interval_tree_root *a,
			     const struct interval_tree_root *b, uint64_t start,
			     uint64_t last, uint64_t minsize, uint64_t *hole_start,
			     uint64_t *hole_last);
bool interval_tree_first_used(const struct interval_tree_root *a,
			      const struct interval_tree_root *b, uint64_t start,
			      uint64_t last, uint64_t *used_start, uint64_t *used_last);

#endif /* KMOD_MOCK_INTERVAL_TREE_H */
