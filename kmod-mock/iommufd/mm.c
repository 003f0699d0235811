// SPDX-License-Identifier: MIT
/*
 * mm.c - the mock's own memory accounting; the kernel keeps it outside
 * drivers/iommu/iommufd/ (struct mm_struct's pinned_vm/locked_vm,
 * struct user_struct's locked_vm, each page's pin count in its refcount):
 * the pinned page table (pin counts per (device, inode, offset), for the
 * MD_CHECK_REFS view), the per-process mm records and the per-user records
 * that IOPT_PAGES_ACCOUNT_* charge, and their core.h queries.
 */
#include <stdlib.h>
#include <unistd.h>

#include "iommufd_private.h"

/* ---------------- pinned page table (open addressing) ---------------- */

struct mock_pin_slot {
	struct mock_pin_key key;
	uint64_t count; /* 0 with state 2 = tombstone */
	int state;      /* 0 empty, 1 live, 2 tombstone */
};

static uint64_t pin_hash(const struct mock_pin_key *key)
{
	uint64_t h = key->off * 0x9E3779B97F4A7C15ULL;

	h ^= (key->ino + 0x632BE59BD9B4E019ULL) * 0xBF58476D1CE4E5B9ULL;
	h ^= (key->dev + 1) * 0x94D049BB133111EBULL;
	return h ^ (h >> 31);
}

static bool pin_key_eq(const struct mock_pin_key *a, const struct mock_pin_key *b)
{
	return a->off == b->off && a->ino == b->ino && a->dev == b->dev;
}

static struct mock_pin_slot *pin_find(struct mock_pin_table *t, const struct mock_pin_key *key,
				      bool insert)
{
	struct mock_pin_slot *tomb = NULL;
	size_t i, mask;

	if (!t->cap)
		return NULL;
	mask = t->cap - 1;
	for (i = pin_hash(key) & mask;; i = (i + 1) & mask) {
		struct mock_pin_slot *s = &t->slots[i];

		if (s->state == 0) {
			if (!insert)
				return NULL;
			if (tomb)
				return tomb;
			t->used++;
			return s;
		}
		if (s->state == 2) {
			if (!tomb)
				tomb = s;
			continue;
		}
		if (pin_key_eq(&s->key, key))
			return s;
	}
}

static int pin_grow(struct mock_pin_table *t)
{
	struct mock_pin_table nt = { NULL, t->cap ? t->cap * 2 : 1024, 0 };
	size_t i;

	nt.slots = calloc(nt.cap, sizeof(*nt.slots));
	if (!nt.slots)
		return -ENOMEM;
	for (i = 0; i != t->cap; i++) {
		struct mock_pin_slot *s;

		if (t->slots[i].state != 1)
			continue;
		s = pin_find(&nt, &t->slots[i].key, true);
		*s = t->slots[i];
	}
	free(t->slots);
	*t = nt;
	return 0;
}

void mock_pin_inc(struct mock_kernel *k, const struct mock_pin_key *key)
{
	struct mock_pin_slot *s;

	if ((k->pins.used + 1) * 4 >= k->pins.cap * 3 && pin_grow(&k->pins))
		return; /* only the MD_CHECK_REFS view degrades */
	s = pin_find(&k->pins, key, true);
	if (s->state != 1) {
		s->state = 1;
		s->key = *key;
		s->count = 0;
	}
	s->count++;
}

void mock_pin_dec(struct mock_kernel *k, const struct mock_pin_key *key)
{
	struct mock_pin_slot *s = pin_find(&k->pins, key, false);

	if (!s || s->state != 1)
		return;
	if (--s->count == 0)
		s->state = 2;
}

uint64_t mock_pin_count(struct mock_kernel *k, const struct mock_pin_key *key)
{
	struct mock_pin_slot *s = pin_find(&k->pins, key, false);

	return s && s->state == 1 ? s->count : 0;
}

/* ---------------- mm and user records ---------------- */

struct mock_mm *mock_mm_get(struct mock_kernel *k, pid_t pid)
{
	struct mock_mm *mm;

	for (mm = k->mms; mm; mm = mm->next) {
		if (mm->pid == pid && mock_mm_alive(mm)) {
			mm->refs++;
			return mm;
		}
	}
	mm = mock_zalloc(1, sizeof(*mm));
	if (!mm)
		return NULL;
	mm->k = k;
	mm->pid = pid;
	mm->mem_fd = mm_open_mem(pid);
	mm->refs = 1;
	mm->next = k->mms;
	k->mms = mm;
	return mm;
}

void mock_mm_put(struct mock_kernel *k, struct mock_mm *mm)
{
	struct mock_mm **pp;

	if (!mm || --mm->refs)
		return;
	for (pp = &k->mms; *pp; pp = &(*pp)->next) {
		if (*pp == mm) {
			*pp = mm->next;
			break;
		}
	}
	if (mm->mem_fd >= 0)
		close(mm->mem_fd);
	free(mm);
}

struct mock_user *mock_user_get(struct mock_kernel *k, uid_t uid)
{
	struct mock_user *u;

	for (u = k->users; u; u = u->next)
		if (u->uid == uid)
			return u;
	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->uid = uid;
	u->next = k->users;
	k->users = u;
	return u;
}

void mock_kernel_pinned_vm(struct mock_kernel *k, pid_t pid, uint64_t *pinned,
			   uint64_t *locked)
{
	struct mock_mm *mm;

	*pinned = 0;
	*locked = 0;
	for (mm = k->mms; mm; mm = mm->next) {
		if (mm->pid == pid && mock_mm_alive(mm)) {
			*pinned += mm->pinned_vm;
			*locked += mm->locked_vm;
		}
	}
}

unsigned int mock_kernel_mm_refs(const struct mock_kernel *k)
{
	unsigned int n = 0;

	for (const struct mock_mm *mm = k->mms; mm; mm = mm->next)
		n += mm->refs;
	return n;
}

uint64_t mock_kernel_user_locked_vm(const struct mock_kernel *k)
{
	uint64_t n = 0;

	for (const struct mock_user *u = k->users; u; u = u->next)
		n += u->locked_vm;
	return n;
}

/* At teardown: every mm record (whatever refs are left), user record and the pin table. */
void mock_mm_free_all(struct mock_kernel *k)
{
	while (k->mms) {
		struct mock_mm *mm = k->mms;

		k->mms = mm->next;
		if (mm->mem_fd >= 0)
			close(mm->mem_fd);
		free(mm);
	}
	while (k->users) {
		struct mock_user *u = k->users;

		k->users = u->next;
		free(u);
	}
	free(k->pins.slots);
}
