// SPDX-License-Identifier: MIT
/*
 * interval_tree.c - augmented AVL interval tree (see interval_tree.h). Nodes
 * are ordered by (start, node address) so equal intervals can coexist; each
 * node caches the largest 'last' of its subtree to prune overlap searches,
 * and its lowest start and largest inner hole to prune hole searches.
 */
#include <errno.h>
#include <stdlib.h>

#include "interval_tree.h"

typedef struct interval_tree_node itnode;

/*
 * The children's addresses are 8-aligned: their low 3 bits hold the node's
 * AVL height, 3 bits in each (heights up to 63: far more nodes than memory).
 */
#define TAG ((uintptr_t)7)

static itnode *L(const itnode *n)
{
	return (itnode *)(n->left_h & ~TAG);
}

static itnode *R(const itnode *n)
{
	return (itnode *)(n->right_h & ~TAG);
}

static void set_L(itnode *n, itnode *c)
{
	n->left_h = (uintptr_t)c | (n->left_h & TAG);
}

static void set_R(itnode *n, itnode *c)
{
	n->right_h = (uintptr_t)c | (n->right_h & TAG);
}

static void set_h(itnode *n, int height)
{
	n->left_h = (n->left_h & ~TAG) | ((uintptr_t)height & TAG);
	n->right_h = (n->right_h & ~TAG) | (((uintptr_t)height >> 3) & TAG);
}

static int h(const itnode *n)
{
	return n ? (int)((n->left_h & TAG) | ((n->right_h & TAG) << 3)) : 0;
}

/* Positions strictly between a cover ending at @covered and a node starting at @next */
static uint64_t hole_after(uint64_t covered, uint64_t next)
{
	return next > covered && next - covered > 1 ? next - covered - 1 : 0;
}

static void update(itnode *n)
{
	const itnode *l = L(n), *r = R(n);
	uint64_t m = n->last, cov = n->last, gap = 0, g;
	int hl = h(l), hr = h(r);

	n->subtree_first = n->start;
	if (l) {
		if (l->subtree_last > m)
			m = l->subtree_last;
		if (l->subtree_last > cov)
			cov = l->subtree_last;
		n->subtree_first = l->subtree_first;
		gap = l->subtree_gap;
		g = hole_after(l->subtree_last, n->start);
		if (g > gap)
			gap = g;
	}
	if (r) {
		if (r->subtree_last > m)
			m = r->subtree_last;
		if (r->subtree_gap > gap)
			gap = r->subtree_gap;
		g = hole_after(cov, r->subtree_first);
		if (g > gap)
			gap = g;
	}
	n->subtree_last = m;
	n->subtree_gap = gap;
	set_h(n, (hl > hr ? hl : hr) + 1);
}

static itnode *rotate_right(itnode *n)
{
	itnode *l = L(n);

	set_L(n, R(l));
	set_R(l, n);
	update(n);
	update(l);
	return l;
}

static itnode *rotate_left(itnode *n)
{
	itnode *r = R(n);

	set_R(n, L(r));
	set_L(r, n);
	update(n);
	update(r);
	return r;
}

static itnode *balance(itnode *n)
{
	int bf;

	update(n);
	bf = h(L(n)) - h(R(n));
	if (bf > 1) {
		if (h(L(L(n))) < h(R(L(n))))
			set_L(n, rotate_left(L(n)));
		return rotate_right(n);
	}
	if (bf < -1) {
		if (h(R(R(n))) < h(L(R(n))))
			set_R(n, rotate_right(R(n)));
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
		set_L(root, insert(L(root), n));
	else
		set_R(root, insert(R(root), n));
	return balance(root);
}

void interval_tree_insert(struct interval_tree_node *node, struct interval_tree_root *t)
{
	node->left_h = node->right_h = 0;
	set_h(node, 1);
	node->subtree_last = node->last;
	node->subtree_first = node->start;
	node->subtree_gap = 0;
	t->root = insert(t->root, node);
}

static itnode *remove_min(itnode *n, itnode **min)
{
	if (!L(n)) {
		*min = n;
		return R(n);
	}
	set_L(n, remove_min(L(n), min));
	return balance(n);
}

static itnode *remove_node(itnode *root, itnode *n, bool *found)
{
	int c;

	if (!root)
		return NULL;
	c = cmp(n, root);
	if (c < 0) {
		set_L(root, remove_node(L(root), n, found));
	} else if (c > 0) {
		set_R(root, remove_node(R(root), n, found));
	} else {
		itnode *l = L(root), *r = R(root), *m;

		*found = true;
		if (!r)
			return l;
		r = remove_min(r, &m);
		set_L(m, l);
		set_R(m, r);
		return balance(m);
	}
	return balance(root);
}

void interval_tree_remove(struct interval_tree_node *node, struct interval_tree_root *t)
{
	bool found = false;

	t->root = remove_node(t->root, node, &found);
	node->left_h = node->right_h = 0;
}

static size_t count(const itnode *n)
{
	size_t nr = 0;

	for (; n; n = R(n))
		nr += 1 + count(L(n));
	return nr;
}

static void collect(itnode *n, itnode **out, size_t *nr)
{
	while (n) {
		collect(L(n), out, nr);
		out[(*nr)++] = n;
		n = R(n);
	}
}

/* A perfectly balanced tree of the sorted nodes[lo, hi) is a valid AVL tree */
static itnode *build(itnode **nodes, size_t lo, size_t hi)
{
	size_t mid;
	itnode *n;

	if (lo == hi)
		return NULL;
	mid = lo + (hi - lo) / 2;
	n = nodes[mid];
	set_L(n, build(nodes, lo, mid));
	set_R(n, build(nodes, mid + 1, hi));
	update(n);
	return n;
}

int interval_tree_remove_range(struct interval_tree_root *t, uint64_t start, uint64_t last,
			       void (*fn)(struct interval_tree_node *node, void *arg),
			       void *arg)
{
	itnode **nodes, *removed = NULL, *n;
	size_t nr = 0, kept = 0, i;

	if (!t->root)
		return 0;
	nodes = malloc(count(t->root) * sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	collect(t->root, nodes, &nr);
	/* kept nodes stay in order at the front; removed ones are chained by ->right */
	for (i = 0; i != nr; i++) {
		n = nodes[i];
		if (n->start <= last && n->last >= start) {
			set_L(n, NULL);
			set_R(n, removed);
			removed = n;
			continue;
		}
		nodes[kept++] = n;
	}
	t->root = build(nodes, 0, kept);
	free(nodes);
	while (removed) {
		n = removed;
		removed = R(n);
		set_R(n, NULL);
		fn(n, arg);
	}
	return 0;
}

static int visit(itnode *n, uint64_t start, uint64_t last,
		 int (*fn)(struct interval_tree_node *node, void *arg), void *arg)
{
	int rc;

	while (n && n->subtree_last >= start) {
		rc = visit(L(n), start, last, fn, arg);
		if (rc)
			return rc;
		if (n->start > last)
			return 0;
		if (n->last >= start) {
			rc = fn(n, arg);
			if (rc)
				return rc;
		}
		n = R(n);
	}
	return 0;
}

int interval_tree_visit(const struct interval_tree_root *t, uint64_t start, uint64_t last,
			int (*fn)(struct interval_tree_node *node, void *arg), void *arg)
{
	return visit(t->root, start, last, fn, arg);
}

/* First overlapping node whose key is greater than @after (NULL = no bound). */
static itnode *search(itnode *x, const itnode *after, uint64_t start, uint64_t last)
{
	itnode *r;

	while (x) {
		if (x->subtree_last < start)
			return NULL;
		if (after && cmp(x, after) <= 0) {
			x = R(x);
			continue;
		}
		r = search(L(x), after, start, last);
		if (r)
			return r;
		if (x->start > last)
			return NULL;
		if (x->last >= start)
			return x;
		x = R(x);
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

/* [hs, hl] (hs <= hl) holds at least @minsize (>= 1) positions */
static bool fits(uint64_t hs, uint64_t hl, uint64_t minsize)
{
	return hl - hs >= minsize - 1;
}

struct hole_walk {
	uint64_t pos; /* lowest position not known to be covered */
	uint64_t minsize;
	uint64_t hs, hl;
};

/*
 * In-order walk that skips every subtree whose leading hole and inner holes
 * are all too small (its cached gap is an upper bound even when nodes
 * overlap). Returns 1 with the hole found, -1 when covered up to UINT64_MAX,
 * 0 to go on after the subtree.
 */
static int hole_walk(const itnode *n, struct hole_walk *w)
{
	int r;

	if (!n || n->subtree_last < w->pos)
		return 0;
	if ((n->subtree_first <= w->pos || !fits(w->pos, n->subtree_first - 1, w->minsize)) &&
	    n->subtree_gap < w->minsize) {
		if (n->subtree_last == UINT64_MAX)
			return -1;
		w->pos = n->subtree_last + 1;
		return 0;
	}
	r = hole_walk(L(n), w);
	if (r)
		return r;
	if (n->start > w->pos && fits(w->pos, n->start - 1, w->minsize)) {
		w->hs = w->pos;
		w->hl = n->start - 1;
		return 1;
	}
	if (n->last >= w->pos) {
		if (n->last == UINT64_MAX)
			return -1;
		w->pos = n->last + 1;
	}
	return hole_walk(R(n), w);
}

/* First hole of one tree at or after @from (clipped to it) of at least @minsize */
static bool tree_hole(const struct interval_tree_root *t, uint64_t from, uint64_t minsize,
		      uint64_t *hs, uint64_t *hl)
{
	struct hole_walk w = { .pos = from, .minsize = minsize };
	int r = t ? hole_walk(t->root, &w) : 0;

	if (r > 0) {
		*hs = w.hs;
		*hl = w.hl;
		return true;
	}
	if (r < 0 || !fits(w.pos, UINT64_MAX, minsize))
		return false;
	*hs = w.pos;
	*hl = UINT64_MAX;
	return true;
}

bool interval_tree_find_hole(const struct interval_tree_root *a,
			     const struct interval_tree_root *b, uint64_t start,
			     uint64_t last, uint64_t minsize, uint64_t *hole_start,
			     uint64_t *hole_last)
{
	uint64_t cur = start, ha, hla, hb, hlb;

	if (!minsize)
		minsize = 1;
	if (start > last)
		return false;
	for (;;) {
		if (!tree_hole(a, cur, minsize, &ha, &hla) || ha > last)
			return false;
		if (hla > last)
			hla = last;
		/* any later hole starts past @last */
		if (!fits(ha, hla, minsize))
			return false;
		if (b) {
			if (!tree_hole(b, ha, minsize, &hb, &hlb) || hb > last)
				return false;
			/* no big enough hole of @b starts in [ha, hb) */
			if (hb > hla) {
				cur = hb;
				continue;
			}
			if (hlb < hla)
				hla = hlb;
			if (!fits(hb, hla, minsize)) {
				if (hla >= last)
					return false;
				cur = hla + 1;
				continue;
			}
			ha = hb;
		}
		*hole_start = ha;
		*hole_last = hla;
		return true;
	}
}

bool interval_tree_first_hole(const struct interval_tree_root *a,
			      const struct interval_tree_root *b, uint64_t start,
			      uint64_t last, uint64_t *hole_start, uint64_t *hole_last)
{
	return interval_tree_find_hole(a, b, start, last, 1, hole_start, hole_last);
}

bool interval_tree_first_used(const struct interval_tree_root *a,
			      const struct interval_tree_root *b, uint64_t start,
			      uint64_t last, uint64_t *used_start, uint64_t *used_last)
{
	uint64_t hs, hl;

	if (start > last)
		return false;
	if (!interval_tree_find_hole(a, b, start, last, 1, &hs, &hl)) {
		*used_start = start;
		*used_last = last;
		return true;
	}
	if (hs > start) {
		*used_start = start;
		*used_last = hs - 1;
		return true;
	}
	if (hl >= last)
		return false;
	*used_start = hl + 1;
	if (interval_tree_find_hole(a, b, hl + 1, last, 1, &hs, &hl))
		*used_last = hs - 1;
	else
		*used_last = last;
	return true;
}
