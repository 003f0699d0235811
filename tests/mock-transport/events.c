// SPDX-License-Identifier: MIT
/*
 * events.c - readiness and mmap through the transport, against the stand-in
 * core of fakecore.c (run by mock-transport-fakemockd, which the shim linked
 * in here starts): poll/epoll/select on a queue fd that becomes readable, no
 * lost wake-up with two readers, mmap/munmap and the references mappings
 * hold (EBUSY while mapped, partial munmap, fork, process exit, MAP_FIXED
 * over a mapping, close while mapped), and mmap errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fakecore.h"
#include "iommufd-mock.h"

static long page;

static int open_root(void)
{
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static int queue_alloc(int root)
{
	int q = ioctl(root, FAKE_QUEUE_ALLOC, 0);

	assert_true(q >= 0);
	assert_int_equal(iommufd_mock_is_mock_fd(q), 1);
	return q;
}

static bool readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

static void test_poll_readiness(void **state)
{
	uint64_t rec[4];
	int root, q;

	(void)state;
	root = open_root();
	q = queue_alloc(root);
	assert_false(readable(q, 0));
	assert_int_equal(ioctl(q, FAKE_PUSH, 2), 0);
	assert_true(readable(q, 0));
	/* Reading part of the queue leaves it readable. */
	assert_int_equal(read(q, rec, sizeof(rec[0])), (ssize_t)sizeof(rec[0]));
	assert_true(readable(q, 0));
	assert_int_equal(read(q, rec, sizeof(rec)), (ssize_t)sizeof(rec[0]));
	assert_false(readable(q, 0));
	/* A read that finds nothing changes nothing. */
	assert_int_equal(read(q, rec, sizeof(rec)), 0);
	assert_false(readable(q, 0));
	/* Bad sizes are the core's business, and leave readiness alone. */
	assert_int_equal(ioctl(root, FAKE_PUSH, 1), 0);
	assert_int_equal(read(q, rec, 3), -1);
	assert_int_equal(errno, ESPIPE);
	assert_true(readable(q, 0));
	assert_int_equal(read(q, rec, sizeof(rec)), (ssize_t)sizeof(rec[0]));
	assert_false(readable(q, 0));
	close(q);
	close(root);
}

static void test_epoll_select(void **state)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	uint64_t rec[8];
	struct timeval tv = { 0, 0 };
	fd_set rd;
	int root, q, ep;

	(void)state;
	root = open_root();
	q = queue_alloc(root);
	ep = epoll_create1(EPOLL_CLOEXEC);
	assert_true(ep >= 0);
	ev.data.fd = q;
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, q, &ev), 0);
	assert_int_equal(epoll_wait(ep, &out, 1, 0), 0);
	/* The event arrives through a call on another file (the root). */
	assert_int_equal(ioctl(root, FAKE_PUSH, 3), 0);
	assert_int_equal(epoll_wait(ep, &out, 1, 1000), 1);
	assert_int_equal(out.data.fd, q);
	FD_ZERO(&rd);
	FD_SET(q, &rd);
	assert_int_equal(select(q + 1, &rd, NULL, NULL, &tv), 1);
	assert_int_equal(read(q, rec, sizeof(rec)), 3 * (ssize_t)sizeof(rec[0]));
	assert_int_equal(epoll_wait(ep, &out, 1, 0), 0);
	FD_ZERO(&rd);
	FD_SET(q, &rd);
	assert_int_equal(select(q + 1, &rd, NULL, NULL, &tv), 0);
	/* Edge-triggered: a new event is a new edge. */
	ev.events = EPOLLIN | EPOLLET;
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_MOD, q, &ev), 0);
	assert_int_equal(ioctl(q, FAKE_PUSH, 1), 0);
	assert_int_equal(epoll_wait(ep, &out, 1, 1000), 1);
	assert_int_equal(read(q, rec, sizeof(rec)), (ssize_t)sizeof(rec[0]));
	assert_int_equal(ioctl(q, FAKE_PUSH, 1), 0);
	assert_int_equal(epoll_wait(ep, &out, 1, 1000), 1);
	close(ep);
	close(q);
	close(root);
}

/* ---- two readers sharing one queue fd, a pusher in another process ---- */

struct reader {
	int q;
	volatile bool *stop;
	uint64_t got;
	int errors;
};

static uint64_t total_got(struct reader *r, int n)
{
	uint64_t t = 0;

	for (int i = 0; i < n; i++)
		t += __atomic_load_n(&r[i].got, __ATOMIC_RELAXED);
	return t;
}

static void *reader_fn(void *p)
{
	struct reader *r = p;

	while (!__atomic_load_n(r->stop, __ATOMIC_RELAXED)) {
		uint64_t rec[2];
		ssize_t n;

		/* Only a wake-up leads to a read: a lost one shows as a stall. */
		if (!readable(r->q, 20))
			continue;
		n = read(r->q, rec, sizeof(rec));
		if (n < 0)
			r->errors++;
		else
			__atomic_add_fetch(&r->got, (uint64_t)n / sizeof(rec[0]), __ATOMIC_RELAXED);
	}
	return NULL;
}

#define BURSTS 60

static void test_two_readers(void **state)
{
	volatile bool stop = false;
	struct reader r[2];
	pthread_t th[2];
	uint64_t pushed = 0;
	int root, q, stalls = 0, ctl[2], done[2];
	pid_t pid;

	(void)state;
	root = open_root();
	q = queue_alloc(root);
	assert_int_equal(pipe(ctl), 0);
	assert_int_equal(pipe(done), 0);
	/* The pusher is another process sharing the root: its calls come on its own connection. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		unsigned int n;

		close(ctl[1]);
		close(done[0]);
		while (read(ctl[0], &n, sizeof(n)) == (ssize_t)sizeof(n)) {
			for (unsigned int i = 0; i < n; i++)
				if (ioctl(i & 1 ? root : q, FAKE_PUSH, 1))
					_exit(1);
			if (write(done[1], &n, sizeof(n)) != (ssize_t)sizeof(n))
				_exit(2);
		}
		_exit(0);
	}
	for (int i = 0; i < 2; i++) {
		r[i] = (struct reader){ .q = q, .stop = &stop };
		assert_int_equal(pthread_create(&th[i], NULL, reader_fn, &r[i]), 0);
	}
	srand(1);
	for (int b = 0; b < BURSTS && !stalls; b++) {
		unsigned int n = 1 + (unsigned int)rand() % 5;
		struct timespec t0, t;

		if (write(ctl[1], &n, sizeof(n)) != (ssize_t)sizeof(n) ||
		    read(done[0], &n, sizeof(n)) != (ssize_t)sizeof(n)) {
			stalls = -1;
			break;
		}
		pushed += n;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (total_got(r, 2) < pushed) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec > 3) {
				stalls++;
				break;
			}
			usleep(200);
		}
	}
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	close(ctl[1]);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(stalls, 0);
	assert_int_equal(r[0].errors + r[1].errors, 0);
	assert_int_equal(total_got(r, 2), pushed);
	/* Spurious wake-ups are allowed; once quiet, the fd is not readable. */
	{
		uint64_t rec[4];

		while (read(q, rec, sizeof(rec)) > 0)
			;
		assert_false(readable(q, 0));
	}
	close(ctl[0]);
	close(done[0]);
	close(done[1]);
	close(q);
	close(root);
}

/* ---- mmap ---- */

static long refs(int root)
{
	return ioctl(root, FAKE_REFS, 0);
}

static void test_mmap_roundtrip(void **state)
{
	char *p, *p2;
	int root;

	(void)state;
	root = open_root();
	p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, root, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(refs(root), 1);
	strcpy(p, "shared");
	/* A second mapping of the same offset sees the same memory. */
	p2 = mmap(NULL, (size_t)page * 2, PROT_READ, MAP_SHARED, root, 0);
	assert_true(p2 != MAP_FAILED);
	assert_int_equal(refs(root), 2);
	assert_string_equal(p2, "shared");
	assert_int_equal(ioctl(root, FAKE_DESTROY_REGION, 0), -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(munmap(p2, (size_t)page * 2), 0);
	assert_int_equal(refs(root), 1);
	assert_int_equal(munmap(p, (size_t)page), 0);
	assert_int_equal(refs(root), 0);
	assert_int_equal(ioctl(root, FAKE_DESTROY_REGION, 0), 0);
	/* The second page, by offset. */
	p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, root, page);
	assert_true(p != MAP_FAILED);
	assert_int_equal(munmap(p, (size_t)page), 0);
	assert_int_equal(refs(root), 0);
	close(root);
}

static void test_mmap_partial_and_fixed(void **state)
{
	char *p, *a;
	int root;

	(void)state;
	root = open_root();
	/* Partial munmap: the mapping is released once every page is gone. */
	p = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_SHARED, root, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(munmap(p + page, (size_t)page), 0);
	assert_int_equal(refs(root), 1);
	assert_int_equal(ioctl(root, FAKE_DESTROY_REGION, 0), -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(munmap(p, (size_t)page), 0);
	assert_int_equal(refs(root), 0);

	/* An anonymous MAP_FIXED mapping over it replaces it. */
	p = mmap(NULL, (size_t)page * 2, PROT_READ, MAP_SHARED, root, 0);
	assert_true(p != MAP_FAILED);
	a = mmap(p, (size_t)page * 2, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	assert_ptr_equal(a, p);
	assert_int_equal(refs(root), 0);
	/* ...and a mock mapping MAP_FIXED over anonymous memory is one. */
	p = mmap(a, (size_t)page, PROT_READ, MAP_SHARED | MAP_FIXED, root, 0);
	assert_ptr_equal(p, a);
	assert_int_equal(refs(root), 1);
	assert_int_equal(munmap(a, (size_t)page * 2), 0);
	assert_int_equal(refs(root), 0);
	close(root);
}

static void test_mmap_fork_exit(void **state)
{
	long files;
	char *p;
	int root, st;
	pid_t pid;

	(void)state;
	root = open_root();
	files = iommufd_mock_daemon_files();
	p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, root, 0);
	assert_true(p != MAP_FAILED);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The child's copy holds its own reference... */
		if (refs(root) != 2)
			_exit(1);
		strcpy(p, "child");
		if (munmap(p, (size_t)page) || refs(root) != 1)
			_exit(2);
		if (mmap(p, (size_t)page, PROT_READ, MAP_SHARED | MAP_FIXED, root, 0) != p ||
		    refs(root) != 2)
			_exit(3);
		/* ...dropped when it exits still mapping it. */
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_string_equal(p, "child");
	assert_int_equal(refs(root), 1);

	/* A mapping holds its file, as a VMA does: close() does not release it. */
	{
		int root2 = dup(root);

		close(root);
		assert_int_equal(refs(root2), 1);
		close(root2);
	}
	assert_int_equal(iommufd_mock_daemon_files(), files);
	assert_int_equal(munmap(p, (size_t)page), 0);
	assert_int_equal(iommufd_mock_daemon_files(), files - 1);
}

static void test_mmap_errors(void **state)
{
	int root, q;

	(void)state;
	root = open_root();
	q = queue_alloc(root);
	errno = 0;
	assert_ptr_equal(mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, root, page * 2),
			 MAP_FAILED);
	assert_int_equal(errno, ENXIO);
	assert_ptr_equal(mmap(NULL, (size_t)page * 3, PROT_READ, MAP_SHARED, root, 0),
			 MAP_FAILED);
	assert_int_equal(errno, ENXIO);
	assert_ptr_equal(mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, q, 0), MAP_FAILED);
	assert_int_equal(errno, ENODEV);
	assert_ptr_equal(mmap(NULL, 0, PROT_READ, MAP_SHARED, root, 0), MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_ptr_equal(mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, root, 1), MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	/* The core's own refusal (the stand-in wants MAP_SHARED). */
	assert_ptr_equal(mmap(NULL, (size_t)page, PROT_READ, MAP_PRIVATE, root, 0), MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(refs(root), 0);
	close(q);
	close(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poll_readiness),
		cmocka_unit_test(test_epoll_select),
		cmocka_unit_test(test_two_readers),
		cmocka_unit_test(test_mmap_roundtrip),
		cmocka_unit_test(test_mmap_partial_and_fixed),
		cmocka_unit_test(test_mmap_fork_exit),
		cmocka_unit_test(test_mmap_errors),
	};

	page = sysconf(_SC_PAGESIZE);
	/* Our own private daemon, with the stand-in core. */
	unsetenv("IOMMUFD_MOCK_SOCKET");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
