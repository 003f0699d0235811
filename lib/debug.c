// SPDX-License-Identifier: MIT
/*
 * debug.c - the opt-in handle check (IOMMUFD_DEBUG=handles): every exported
 * function checks the handles it is given; a freed one or a pointer that is
 * no handle aborts the program with a message that names the mistake. The
 * library otherwise never prints and never aborts: this is for debugging.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

bool iommufd_debug_handles;

/*
 * Freed handles kept out of malloc's reach while the check is on, so that
 * their poisoned magic word stays readable: the oldest is really freed when
 * the quarantine is full. A handle used after more than this many later
 * frees may go unnoticed.
 */
#define QUARANTINE_SIZE 16384

static struct {
	pthread_mutex_t lock;
	void *slot[QUARANTINE_SIZE];
	size_t next;
} quarantine = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* IOMMUFD_DEBUG is a comma-separated list; "handles" switches the check on. */
static bool debug_wants(const char *list, const char *what)
{
	size_t len = strlen(what);

	while (list && *list) {
		if (!strncmp(list, what, len) && (list[len] == ',' || !list[len]))
			return true;
		list = strchr(list, ',');
		if (list)
			list++;
	}
	return false;
}

static void __attribute__((constructor)) debug_init(void)
{
	iommufd_debug_handles = debug_wants(getenv("IOMMUFD_DEBUG"), "handles");
}

void iommufd_handle_free(void *handle, uint32_t *magic)
{
	void *old;

	*magic = IOMMUFD_FREED_MAGIC;
	if (!iommufd_debug_handles) {
		free(handle);
		return;
	}
	pthread_mutex_lock(&quarantine.lock);
	old = quarantine.slot[quarantine.next];
	quarantine.slot[quarantine.next] = handle;
	quarantine.next = (quarantine.next + 1) % QUARANTINE_SIZE;
	pthread_mutex_unlock(&quarantine.lock);
	free(old);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* "destroy" for iommufd_ioas_destroy() and the like; NULL for other functions. */
static const char *release_verb(const char *func)
{
	static const char *const verbs[] = { "destroy", "free", "unbind", "close" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(verbs); i++) {
		char suffix[16];

		snprintf(suffix, sizeof(suffix), "_%s", verbs[i]);
		if (ends_with(func, suffix))
			return verbs[i];
	}
	return NULL;
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	abort();
}

void iommufd_check_handle(const void *handle, uint32_t kinds, const char *func, const char *arg)
{
	const char *verb = release_verb(func);
	const char *released_by;
	uint32_t magic;

	if (!handle)
		return;
	if (kinds & (IOMMUFD_OBJ_CTX | IOMMUFD_OBJ_LOOP)) {
		/* the context and the event loop start with a struct iommufd_handle_hdr */
		struct iommufd_handle_hdr *hdr = (struct iommufd_handle_hdr *)handle;
		uint32_t want = (kinds & IOMMUFD_OBJ_CTX) ? IOMMUFD_CTX_MAGIC : IOMMUFD_LOOP_MAGIC;

		magic = hdr->magic;
		released_by = hdr->released_by;
		if (magic == want) {
			if (verb)
				hdr->released_by = func;
			return;
		}
		if (magic == IOMMUFD_CTX_MAGIC || magic == IOMMUFD_LOOP_MAGIC)
			die("libiommufd: %s(): %s (%p) is a handle of another kind "
			    "[IOMMUFD_DEBUG=handles]\n", func, arg, handle);
	} else {
		const struct iommufd_obj *obj = handle;

		magic = obj->magic;
		released_by = obj->released_by;
		if (magic == IOMMUFD_OBJ_MAGIC && (obj->kind & kinds)) {
			if (verb)
				((struct iommufd_obj *)obj)->released_by = func;
			return;
		}
		if (magic == IOMMUFD_OBJ_MAGIC)
			die("libiommufd: %s(): %s (%p) is a handle of another kind "
			    "[IOMMUFD_DEBUG=handles]\n", func, arg, handle);
	}
	if (magic == IOMMUFD_FREED_MAGIC) {
		if (!released_by)
			released_by = "the library";
		if (verb && strcmp(released_by, func) && !strcmp(released_by, "iommufd_ctx_close"))
			die("libiommufd: %s(): %s (%p) was already released by %s(): %s after "
			    "close [IOMMUFD_DEBUG=handles]\n", func, arg, handle, released_by, verb);
		if (verb)
			die("libiommufd: %s(): %s (%p) was already released by %s(): double %s "
			    "[IOMMUFD_DEBUG=handles]\n", func, arg, handle, released_by, verb);
		die("libiommufd: %s(): %s (%p) was released by %s(): use after %s "
		    "[IOMMUFD_DEBUG=handles]\n", func, arg, handle, released_by,
		    release_verb(released_by) ? release_verb(released_by) : "free");
	}
	die("libiommufd: %s(): %s (%p) is no libiommufd handle (never allocated, or freed "
	    "long ago and reused) [IOMMUFD_DEBUG=handles]\n", func, arg, handle);
}
