// SPDX-License-Identifier: MIT
/*
 * fail_nth.c - per-thread fault injection, the model of the kernel's
 * /proc/<pid>/task/<tid>/fail-nth (lib/fault-inject.c).
 *
 * A thread arms a counter N; every fault point the core passes on behalf of
 * that thread (allocations, page pins, domain maps: each mock_should_fail()
 * call) counts it down, and the point where it reaches zero fails. Reading
 * the counter back then gives 0, which is how a caller learns that its n-th
 * point fired. Only calls made by the thread itself count: the core knows
 * the calling thread through the "current" task every entry point records,
 * so fault points deep in the core need not be handed the task.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "iommufd_private.h"

/* At most this many threads armed at once (stale ones of dead processes are purged). */
#define MOCK_FAIL_NTH_MAX 4096

struct mock_fail_nth {
	pid_t pid;
	pid_t tid;
	unsigned int nth;
};

/* The caller of the core entry point running now ("current"); the core is single-threaded. */
static struct mock_current cur;

void mock_current_enter(struct mock_kernel *k, const struct mock_task *task,
			struct mock_current *saved)
{
	*saved = cur;
	cur.k = k;
	cur.task = task;
}

void mock_current_leave(const struct mock_current *saved)
{
	cur = *saved;
}

static struct mock_fail_nth *fail_nth_find(struct mock_kernel *k, pid_t tid)
{
	for (unsigned int i = 0; i < k->nr_fail_nth; i++)
		if (k->fail_nth[i].tid == tid)
			return &k->fail_nth[i];
	return NULL;
}

static void fail_nth_remove(struct mock_kernel *k, struct mock_fail_nth *e)
{
	*e = k->fail_nth[--k->nr_fail_nth];
}

bool mock_should_fail_n(const struct mock_task *task, uint64_t npoints)
{
	struct mock_fail_nth *e;

	if (!task)
		task = cur.task;
	if (!cur.k || !task || !cur.k->nr_fail_nth || !npoints)
		return false;
	e = fail_nth_find(cur.k, task->tid);
	if (!e || e->pid != task->pid)
		return false;
	if (e->nth > npoints) {
		e->nth -= (unsigned int)npoints;
		return false;
	}
	/* fired: the counter reads 0 from now on, as a disarmed one does */
	fail_nth_remove(cur.k, e);
	return true;
}

bool mock_should_fail(const struct mock_task *task)
{
	return mock_should_fail_n(task, 1);
}

/* Is @tid a thread of process @pid (and both still alive)? */
static bool thread_of(pid_t pid, pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)pid, (int)tid);
	return access(path, F_OK) == 0;
}

static void fail_nth_purge_dead(struct mock_kernel *k)
{
	unsigned int i = 0;

	while (i < k->nr_fail_nth) {
		if (kill(k->fail_nth[i].pid, 0) && errno == ESRCH)
			fail_nth_remove(k, &k->fail_nth[i]);
		else
			i++;
	}
}

int mock_fail_nth(struct mock_kernel *k, const struct mock_task *task, pid_t tid, bool set,
		  unsigned int *nth)
{
	struct mock_fail_nth *e;

	if (!k || !task || !nth || tid <= 0)
		return -EINVAL;
	if (tid != task->tid && !thread_of(task->pid, tid))
		return -ESRCH;
	e = fail_nth_find(k, tid);
	if (e && e->pid != task->pid) {
		/* a dead thread's counter whose tid came back */
		fail_nth_remove(k, e);
		e = NULL;
	}
	if (!set) {
		*nth = e ? e->nth : 0;
		return 0;
	}
	if (!*nth) {
		if (e)
			fail_nth_remove(k, e);
		return 0;
	}
	if (!e) {
		if (k->nr_fail_nth == k->cap_fail_nth) {
			unsigned int cap = k->cap_fail_nth ? k->cap_fail_nth * 2 : 8;
			struct mock_fail_nth *n;

			fail_nth_purge_dead(k);
			if (k->nr_fail_nth == k->cap_fail_nth) {
				if (cap > MOCK_FAIL_NTH_MAX)
					return -ENOMEM;
				n = realloc(k->fail_nth, cap * sizeof(*n));
				if (!n)
					return -ENOMEM;
				k->fail_nth = n;
				k->cap_fail_nth = cap;
			}
		}
		e = &k->fail_nth[k->nr_fail_nth++];
		e->pid = task->pid;
		e->tid = tid;
	}
	e->nth = *nth;
	return 0;
}

void mock_fail_nth_free(struct mock_kernel *k)
{
	free(k->fail_nth);
	k->fail_nth = NULL;
	k->nr_fail_nth = k->cap_fail_nth = 0;
}
