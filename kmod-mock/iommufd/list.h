/* SPDX-License-Identifier: MIT */
/*
 * list.h - the mock's include/linux/list.h: an intrusive circular doubly
 * linked list.
 */
#ifndef KMOD_MOCK_LIST_H
#define KMOD_MOCK_LIST_H

#include <stdbool.h>
#include <stddef.h>

/* A circular doubly linked list (event queues keep their events in order). */
struct mock_list {
	struct mock_list *prev, *next;
};

static inline void mock_list_init(struct mock_list *h)
{
	h->prev = h;
	h->next = h;
}

static inline bool mock_list_empty(const struct mock_list *h)
{
	return h->next == h;
}

static inline void mock_list_insert(struct mock_list *n, struct mock_list *prev,
				    struct mock_list *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

static inline void mock_list_add_tail(struct mock_list *n, struct mock_list *h)
{
	mock_list_insert(n, h->prev, h);
}

static inline void mock_list_add_head(struct mock_list *n, struct mock_list *h)
{
	mock_list_insert(n, h, h->next);
}

static inline void mock_list_del(struct mock_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n;
	n->next = n;
}

/* Is @n linked into some list (a deleted node points at itself). */
static inline bool mock_list_linked(const struct mock_list *n)
{
	return n->next != n && n->next != NULL;
}

#define mock_list_entry(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

#endif /* KMOD_MOCK_LIST_H */
