// SPDX-License-Identifier: MIT
/*
 * interval_tree.c - augmented AVL interval tree (see interval_tree.h). Nodes
 * are ordered by (start, node address) so equal intervals can coexist; each
 * node caches the largest 'last' of its subtree to prune overlap searches.
 */
#include "interval_tree.h"

typedef struct interval_tree_node itnode;

static int h(const itnode *n)
{
	return n ? n->height : 0;
}

static void update(itnode *n)
{
	uint64_t m = n->last;
	int hl = h(n->left), hr = h(n->right);

	if (n->left && n->left->subtree_last > m)
		m = n->left->subtree_last;
	if (n->right && n->right->subtree_last > m)
		m = n->right->subtree_last;
	n->subtree_last = m;
	n->height = (hl > hr ? hl : hr) + 1;
}

static itnode *rotate_right(itnode *n)
{
	itnode *l = n->left;

	n->left = l->right;
	l->right = n;
	update(n);
	update(l);
	return l;
}

static itnode *rotate_left(itnode *n)
{
	itnode *r = n->right;

	n->right = r->left;
	r->left = n;
	update(n);
	update(r);
	return r;
}

static itnode *balance(itnode *n)
{
	int bf;

	update(n);
	bf = h(n->left) - h(n->right);
	if (bf > 1) {
		if (h(n->left->left) < h(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (bf < -1) {
		if (h(n->right->right) < h(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

/* <0 if a sorts before b */
static int cmp(const itnode *a, const itnode *b)
{
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a == b)
		return 0;
	return (uintptr_t)a < (uintptr_t)b ? -1 : 1;
}

static itnode *insert(itnode *root, itnode *n)
{
	if (!root)
		return n;
	if (cmp(n, root) < 0)
		root->left = insert(root->left, n);
	else
		root->right = insert(root->right, n);
	return balance(root);
}

void interval_tree_insert(struct interval_tree_node *node, struct interval_tree_root *t)
{
	node->left = node->right = NULL;
	node->height = 1;
	node->subtree_last = node->last;
	t->root = insert(t->root, node);
	t->count++;
}

static itnode *remove_min(itnode *n, itnode **min)
{
	if (!n->left) {
		*min = n;
		return n->right;
	}
	n->left = remove_min(n->left, min);
	return balance(n);
}

static itnode *remove_node(itnode *root, itnode *n, bool *found)
{
	int c;

	if (!root)
		return NULL;
	c = cmp(n, root);
	if (c < 0) {
		root->left = remove_node(root->left, n, found);
	} else if (c > 0) {
		root->right = remove_node(root->right, n, found);
	} else {
		itnode *l = root->left, *r = root->right, *m;

		*found = true;
		if (!r)
			return l;
		r = remove_min(r, &m);
		m->left = l;
		m->right = r;
		return balance(m);
	}
	return balance(root);
}

void interval_tree_remove(struct interval_tree_node *node, struct interval_tree_root *t)
{
	bool found = false;

	t->root = remove_node(t->root, node, &found);
	if (found)
		t->count--;
	node->left = node->right = NULL;
}

/* First overlapping node whose key is greater than @after (NULL = no bound). */
static itnode *search(itnode *x, const itnode *after, uint64_t start, uint64_t last)
{
	itnode *r;

	while (x) {
		if (x->subtree_last < start)
			return NULL;
		if (after && cmp(x, after) <= 0) {
			x = x->right;
			continue;
		}
		r = search(x->left, after, start, last);
		if (r)
			return r;
		if (x->start > last)
			return NULL;
		if (x->last >= start)
			return x;
		x = x->right;
	}
	return NULL;
}

struct interval_tree_node *interval_tree_iter_first(const struct interval_tree_root *t,
						    uint64_t start, uint64_t last)
{
	return search(t->root, NULL, start, last);
}

struct interval_tree_node *interval_tree_iter_next(const struct interval_tree_root *t,
						   const struct interval_tree_node *node,
						   uint64_t start, uint64_t last)
{
	return search(t->root, node, start, last);
}

/* The largest 'last' among nodes covering @pos in either tree; false if uncovered. */
static bool covered(const struct interval_tree_root *a, const struct interval_tree_root *b,
		    uint64_t pos, uint64_t *end)
{
	const struct interval_tree_root *trees[2] = { a, b };
	bool any = false;
	int i;

	for (i = 0; i != 2; i++) {
		itnode *n;

		if (!trees[i])
			continue;
		for (n = interval_tree_iter_first(trees[i], pos, pos); n;
		     n = interval_tree_iter_next(trees[i], n, pos, pos)) {
			if (!any || n->last > *end)
				*end = n->last;
			any = true;
			/* lowest start first: one is enough when it reaches far */
			if (n->last == UINT64_MAX)
				return true;
			break;
		}
	}
	return any;
}

bool interval_tree_first_hole(const struct interval_tree_root *a,
			      const struct interval_tree_root *b, uint64_t start,
			      uint64_t last, uint64_t *hole_start, uint64_t *hole_last)
{
	uint64_t cur = start, end = 0, hl;
	itnode *n;

	if (start > last)
		return false;
	while (covered(a, b, cur, &end)) {
		if (end >= last)
			return false;
		cur = end + 1;
	}
	hl = last;
	n = interval_tree_iter_first(a, cur, last);
	if (n && n->start - 1 < hl)
		hl = n->start - 1;
	if (b) {
		n = interval_tree_iter_first(b, cur, last);
		if (n && n->start - 1 < hl)
			hl = n->start - 1;
	}
	*hole_start = cur;
	*hole_last = hl;
	return true;
}

bool interval_tree_first_used(const struct interval_tree_root *a,
			      const struct interval_tree_root *b, uint64_t start,
			      uint64_t last, uint64_t *used_start, uint64_t *used_last)
{
	uint64_t cur, end = 0;
	itnode *na, *nb = NULL;

	if (start > last)
		return false;
	na = interval_tree_iter_first(a, start, last);
	if (b)
		nb = interval_tree_iter_first(b, start, last);
	if (!na && !nb)
		return false;
	if (!na || (nb && nb->start < na->start))
		na = nb;
	cur = na->start > start ? na->start : start;
	*used_start = cur;
	while (covered(a, b, cur, &end)) {
		if (end >= last) {
			*used_last = last;
			return true;
		}
		cur = end + 1;
	}
	*used_last = cur - 1;
	return true;
}
