// SPDX-License-Identifier: MIT
/*
 * mappings.c - the references each process's mappings hold on the core's mmap
 * regions (one per mapping, counted, by the region's cookie), kept per process
 * and dropped when the process exits or execs (its pidfd becomes readable, or,
 * without pidfds, it is found gone when a connection ends).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mockd.h"

struct mproc *procs;
size_t nr_procs, cap_procs;

struct mproc *proc_find(pid_t pid)
{
	for (size_t i = 0; i < nr_procs; i++)
		if (procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

static struct mproc *proc_get(pid_t pid)
{
	struct mproc *p = proc_find(pid);

	if (p)
		return p;
	if (grow((void **)&procs, &cap_procs, nr_procs + 1, sizeof(*procs)))
		return NULL;
	p = &procs[nr_procs++];
	*p = (struct mproc){ .pid = pid, .pidfd = -1 };
#ifdef SYS_pidfd_open
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p->pidfd >= 0)
		fcntl(p->pidfd, F_SETFD, FD_CLOEXEC);
#endif
	return p;
}

/* Drop every reference of process @i (it exited or exec'd) and forget it. */
void proc_drop(size_t i)
{
	struct mproc *p = &procs[i];

	for (size_t r = 0; r < p->nr_refs; r++)
		for (unsigned int n = 0; n < p->refs[r].count; n++)
			mock_mmap_put(kern, p->refs[r].cookie);
	if (p->pidfd >= 0)
		close(p->pidfd);
	free(p->refs);
	procs[i] = procs[--nr_procs];
}

int proc_ref_add(pid_t pid, uint64_t cookie)
{
	struct mproc *p = proc_get(pid);
	size_t r;

	if (!p)
		return -ENOMEM;
	for (r = 0; r < p->nr_refs; r++)
		if (p->refs[r].cookie == cookie)
			break;
	if (r == p->nr_refs) {
		if (grow((void **)&p->refs, &p->cap_refs, p->nr_refs + 1, sizeof(*p->refs))) {
			if (!p->nr_refs)
				proc_drop((size_t)(p - procs));
			return -ENOMEM;
		}
		p->refs[p->nr_refs++] = (struct mref){ .cookie = cookie };
	}
	p->refs[r].count++;
	return 0;
}

/* Drop one reference of @pid on @cookie; -EINVAL if it holds none. */
int proc_ref_put(pid_t pid, uint64_t cookie)
{
	struct mproc *p = proc_find(pid);

	if (!p)
		return -EINVAL;
	for (size_t r = 0; r < p->nr_refs; r++) {
		if (p->refs[r].cookie != cookie)
			continue;
		mock_mmap_put(kern, cookie);
		if (--p->refs[r].count == 0)
			p->refs[r] = p->refs[--p->nr_refs];
		if (!p->nr_refs)
			proc_drop((size_t)(p - procs));
		return 0;
	}
	return -EINVAL;
}

bool cookie_held(uint64_t cookie)
{
	for (size_t i = 0; i < nr_procs; i++)
		for (size_t r = 0; r < procs[i].nr_refs; r++)
			if (procs[i].refs[r].cookie == cookie)
				return true;
	return false;
}

/* Without pidfds: forget processes that are gone, whenever a connection ends. */
void procs_check_alive(void)
{
	for (size_t i = nr_procs; i-- > 0;)
		if (procs[i].pidfd < 0 && kill(procs[i].pid, 0) && errno == ESRCH)
			proc_drop(i);
}
