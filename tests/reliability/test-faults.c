// SPDX-License-Identifier: MIT
/*
 * test-faults.c - faults a client of iommufd must survive, through the
 * library against the mock daemon:
 *  - a client killed (SIGKILL) in the middle of map loops, attach/detach,
 *    dirty reads or a blocked event read: the daemon frees its files, objects
 *    and pins (its VmPin count returns to 0) and keeps serving the others;
 *    a child killed while it works in a context it shares with its parent
 *    leaves that context usable, and the parent's unmap frees its pins;
 *  - the daemon killed (SIGKILL) or stopped (SIGTERM) while threads map,
 *    run an event loop and block in a queue read, and another process maps:
 *    every call ends, promptly, with -ENODEV;
 *  - out of memory: every fault point of the core (fail-nth) failed in turn
 *    under a scene with every kind of object; each failure is a negative
 *    errno, and the teardown leaves no file, object or pin behind;
 *  - fd exhaustion: the same scene with RLIMIT_NOFILE just below what each
 *    step needs: -EMFILE, never a crash, nothing left behind.
 * RELIABILITY_ITERATIONS sets the number of kills (long runs).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "iommufd-mock.h"
#include "iommufd-uapi.h"
#include "iommufd_test.h"
#include "rel.h"

#define PAGE 4096UL
#define BUF_PAGES 64

/* Figures for doc/reliability.md. */
static unsigned int kills, fail_points, fd_limits;

static void *shared_buffer(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	memset(p, 0x5a, len);
	return p;
}

/* ---- a client killed mid-operation ---- */

enum kill_mode { KILL_MAP, KILL_ATTACH, KILL_DIRTY, KILL_EVENT_READ, NR_KILL_MODES };

/* The victim: a scene of its own, then one kind of operation forever. */
static void victim(enum kill_mode mode, void *buf, int ready)
{
	struct rel_scene s;
	uint64_t bitmap[BUF_PAGES / 64 + 1];
	unsigned int seed = (unsigned int)getpid();
	char c = 'r';

	if (rel_scene_build(&s, buf, BUF_PAGES * PAGE))
		_exit(10 + (int)s.step);
	if (write(ready, &c, 1) != 1)
		_exit(2);
	for (;;) {
		switch (mode) {
		case KILL_MAP: {
			uint64_t iova = 0, len = PAGE * (1 + rand_r(&seed) % BUF_PAGES);

			if (iommufd_ioas_map(s.ioas2, buf, len, &iova, NULL) ||
			    iommufd_ioas_unmap(s.ioas2, iova, len, NULL))
				_exit(3);
			break;
		}
		case KILL_ATTACH: {
			uint32_t stdev = 0;
			struct iommufd_hwpt *h;

			/* The first IOAS: its mappings are inside the mock aperture. */
			if (mock_domain(s.ctx, iommufd_ioas_get_id(s.ioas), &stdev, NULL, NULL) ||
			    iommufd_hwpt_alloc_paging(s.dev, s.ioas, NULL, &h) ||
			    iommufd_hwpt_destroy(h) || iommufd_ctx_destroy_id(s.ctx, stdev))
				_exit(4);
			break;
		}
		case KILL_DIRTY:
			if (iommufd_hwpt_get_dirty_bitmap(s.hwpt, TEST_MOCK_APERTURE_START,
							  BUF_PAGES * PAGE, PAGE, bitmap, 0))
				_exit(5);
			break;
		default: {
			struct pollfd p = { .fd = iommufd_fault_get_fd(s.fault), .events = POLLIN };

			/* Blocks: nothing ever faults. */
			if (poll(&p, 1, -1) > 0) {
				struct iommufd_fault_record r;

				iommufd_fault_read(s.fault, &r, 1);
			}
			break;
		}
		}
	}
}

static void test_client_killed(void **state)
{
	unsigned int n = rel_iterations(20), seed = 1;
	struct iommufd_ctx *ctx;
	long files;
	void *buf = shared_buffer(BUF_PAGES * PAGE);

	(void)state;
	assert_int_equal(0, iommufd_ctx_open(NULL, &ctx));
	files = iommufd_mock_daemon_files();
	assert_true(files > 0);
	for (unsigned int i = 0; i < n; i++) {
		enum kill_mode mode = (enum kill_mode)(i % NR_KILL_MODES);
		int p[2], st;
		pid_t pid;
		char c;

		assert_int_equal(0, pipe(p));
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			victim(mode, buf, p[1]);
		}
		close(p[1]);
		if (read(p[0], &c, 1) != 1) {
			st = rel_wait_child(pid, 10);
			fail_msg("victim %u (mode %d) failed before ready: status 0x%x", i, mode, st);
		}
		close(p[0]);
		/* Its mapping is pinned (a domain is attached) until it dies. */
		assert_true(rel_pinned_pages(pid) > 0);
		usleep(1000 * (rand_r(&seed) % 20));
		assert_int_equal(0, kill(pid, SIGKILL));
		st = rel_wait_child(pid, 10);
		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
			fail_msg("victim %u (mode %d) ended on its own: status 0x%x", i, mode, st);
		kills++;
		/* Its files, objects and pins are gone; nothing of ours went with them. */
		assert_int_equal(0, rel_wait_unpinned(pid));
		assert_int_equal(files, rel_wait_files(files));
		assert_int_equal(0, check_refs(ctx, buf, BUF_PAGES * PAGE, 0));
	}
	/* The daemon still serves a whole scene, and takes it all back. */
	{
		struct rel_scene s;

		assert_int_equal(0, rel_scene_build(&s, buf, BUF_PAGES * PAGE));
		assert_true(rel_pinned_pages(getpid()) > 0);
		rel_scene_teardown(&s);
		assert_int_equal(0, rel_wait_unpinned(getpid()));
		assert_int_equal(files, rel_wait_files(files));
	}
	iommufd_ctx_close(ctx);
	munmap(buf, BUF_PAGES * PAGE);
}

/* A child working in its parent's context is killed: the context stays whole. */
static void test_client_killed_shared_ctx(void **state)
{
	const struct iommufd_iova_range aperture = {
		.start = TEST_MOCK_APERTURE_START, .last = TEST_MOCK_APERTURE_LAST,
	};
	unsigned int n = rel_iterations(20) / 2 + 1;
	struct iommufd_ctx *ctx;
	struct iommufd_ioas *ioas;
	void *buf = shared_buffer(BUF_PAGES * PAGE);
	uint64_t unmapped, iova = 0;
	long files;

	(void)state;
	assert_int_equal(0, iommufd_ctx_open(NULL, &ctx));
	assert_int_equal(0, iommufd_ioas_create(ctx, &ioas));
	assert_int_equal(0, iommufd_ioas_allow_iovas(ioas, &aperture, 1));
	assert_int_equal(0, mock_domain(ctx, iommufd_ioas_get_id(ioas), NULL, NULL, NULL));
	files = iommufd_mock_daemon_files();
	for (unsigned int i = 0; i < n; i++) {
		int p[2], st;
		pid_t pid;
		char c;

		assert_int_equal(0, pipe(p));
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			/* Memory only the child has, mapped into the shared IOAS. */
			size_t len = 16 * PAGE;
			uint8_t *mine = mmap(NULL, len, PROT_READ | PROT_WRITE,
					     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
			struct iommufd_ioas *extra;
			uint64_t at = 0;

			close(p[0]);
			if (mine == MAP_FAILED || iommufd_ioas_map(ioas, mine, len, &at, NULL))
				_exit(2);
			if (write(p[1], "r", 1) != 1)
				_exit(3);
			for (;;) {
				uint64_t a = 0;

				if (iommufd_ioas_create(ctx, &extra) ||
				    iommufd_ioas_map(ioas, mine, PAGE, &a, NULL) ||
				    iommufd_ioas_unmap(ioas, a, PAGE, NULL) ||
				    iommufd_ioas_destroy(extra))
					_exit(4);
			}
		}
		close(p[1]);
		assert_int_equal(1, read(p[0], &c, 1));
		close(p[0]);
		usleep(1000 * (i % 10));
		assert_int_equal(0, kill(pid, SIGKILL));
		st = rel_wait_child(pid, 10);
		assert_true(WIFSIGNALED(st));
		kills++;
		/* The context still works, and its unmap frees the dead child's pins. */
		assert_int_equal(0, iommufd_ioas_map(ioas, buf, PAGE, &iova, NULL));
		assert_int_equal(0, iommufd_ioas_unmap_all(ioas, &unmapped));
		assert_true(unmapped >= PAGE);
		assert_int_equal(0, rel_wait_unpinned(pid));
		assert_int_equal(0, check_refs(ctx, buf, BUF_PAGES * PAGE, 0));
		assert_int_equal(files, iommufd_mock_daemon_files());
	}
	iommufd_ctx_close(ctx);
	munmap(buf, BUF_PAGES * PAGE);
}

/* ---- the daemon dies under its clients ---- */

struct dying {
	struct rel_scene s;
	struct iommufd_fault *blocked; /* a second queue, read without a loop */
	_Atomic int started;
	int loop_ret, map_ret, read_errno;
};

static void *loop_thread(void *arg)
{
	struct dying *d = arg;

	d->started++;
	d->loop_ret = iommufd_event_loop_run(d->s.loop);
	return NULL;
}

static void *map_thread(void *arg)
{
	struct dying *d = arg;
	static uint8_t page[PAGE] __attribute__((aligned(PAGE)));
	int ret;

	d->started++;
	do {
		uint64_t iova = 0;

		ret = iommufd_ioas_map(d->s.ioas2, page, PAGE, &iova, NULL);
		if (!ret)
			ret = iommufd_ioas_unmap(d->s.ioas2, iova, PAGE, NULL);
	} while (!ret);
	d->map_ret = ret;
	return NULL;
}

static void *read_thread(void *arg)
{
	struct dying *d = arg;
	struct pollfd p = { .fd = iommufd_fault_get_fd(d->blocked), .events = POLLIN };
	char buf[64];

	d->started++;
	d->read_errno = 0;
	if (poll(&p, 1, 20000) != 1)
		d->read_errno = -1; /* no wake-up: a hang, in effect */
	else if (read(p.fd, buf, sizeof(buf)) < 0)
		d->read_errno = errno;
	return NULL;
}

/* In a child with a daemon of its own: threads at work, the daemon gets @sig. */
static int daemon_dies(int sig)
{
	static uint8_t buf[BUF_PAGES * PAGE] __attribute__((aligned(PAGE)));
	void *(*fns[3])(void *) = { loop_thread, map_thread, read_thread };
	struct iommufd_ctx *other;
	struct timespec dl;
	pthread_t th[3];
	struct dying d;
	pid_t dpid, other_pid;
	int st;

	memset(&d, 0, sizeof(d));
	unsetenv("IOMMUFD_MOCK_SOCKET");
	if (rel_scene_build(&d.s, buf, sizeof(buf)) ||
	    iommufd_fault_alloc(d.s.ctx, NULL, &d.blocked))
		return 2;
	dpid = iommufd_mock_daemon_pid();
	if (dpid <= 0)
		return 3;
	/* Another process on the same daemon, in the inherited context. */
	other_pid = fork();
	if (other_pid < 0)
		return 4;
	if (other_pid == 0) {
		d.started = 2;
		map_thread(&d);
		_exit(d.map_ret == -ENODEV ? 0 : 1);
	}
	for (int i = 0; i < 3; i++)
		if (pthread_create(&th[i], NULL, fns[i], &d))
			return 4;
	while (d.started < 3)
		usleep(1000);
	usleep(20000);
	if (kill(dpid, sig))
		return 5;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 20;
	for (int i = 0; i < 3; i++)
		if (pthread_timedjoin_np(th[i], NULL, &dl))
			return 6 + i; /* a thread hangs */
	if (d.loop_ret != -ENODEV)
		return 10;
	if (d.map_ret != -ENODEV)
		return 11;
	if (d.read_errno != ENODEV)
		return 12;
	st = rel_wait_child(other_pid, 20);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st))
		return 15;
	/* Every later call says the same, and nothing new opens. */
	if (iommufd_fault_destroy(d.blocked) != -ENODEV && errno != ENODEV)
		return 13;
	if (iommufd_ctx_open(NULL, &other) != -ENODEV)
		return 14;
	rel_scene_teardown(&d.s);
	return 0;
}

static void check_daemon_dies(int sig)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(daemon_dies(sig));
	st = rel_wait_child(pid, 60);
	assert_int_not_equal(st, -1);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail_msg("daemon killed by signal %d: child status 0x%x", sig, st);
	kills++;
}

static void test_daemon_killed(void **state)
{
	(void)state;
	check_daemon_dies(SIGKILL);
}

static void test_daemon_terminated(void **state)
{
	(void)state;
	check_daemon_dies(SIGTERM);
}

/* ---- out of memory: fail-nth ---- */

static int fail_nth_fd(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth", (long)syscall(SYS_gettid));
	return open(path, O_RDWR);
}

static void fail_nth_set(int fd, unsigned int n)
{
	char v[16];
	int len = snprintf(v, sizeof(v), "%u", n);

	assert_int_equal(len, pwrite(fd, v, (size_t)len, 0));
}

static unsigned int fail_nth_get(int fd)
{
	char v[16] = { 0 };

	assert_true(pread(fd, v, sizeof(v) - 1, 0) > 0);
	return (unsigned int)strtoul(v, NULL, 10);
}

static void test_fail_nth(void **state)
{
	void *buf = shared_buffer(BUF_PAGES * PAGE);
	long files = iommufd_mock_daemon_files();
	unsigned int n;
	int fd;

	(void)state;
	fd = fail_nth_fd();
	assert_true(fd >= 0);
	for (n = 1; n < 100000; n++) {
		struct rel_scene s;
		int ret;

		fail_nth_set(fd, n);
		ret = rel_scene_build(&s, buf, BUF_PAGES * PAGE);
		if (fail_nth_get(fd)) {
			/* Every fault point passed: the scene must be whole. */
			fail_nth_set(fd, 0);
			assert_int_equal(0, ret);
			rel_scene_teardown(&s);
			break;
		}
		fail_points++;
		if (ret >= 0 || ret < -4095)
			fail_msg("fault point %u: step %u returned %d", n, s.step, ret);
		if (getenv("RELIABILITY_VERBOSE"))
			print_message("fault point %u: step %u: %d\n", n, s.step, ret);
		rel_scene_teardown(&s);
		assert_int_equal(0, rel_wait_unpinned(getpid()));
		if (files >= 0)
			assert_int_equal(files, rel_wait_files(files));
	}
	assert_true(n > 10); /* the scene has many fault points; none seen: the knob is dead */
	close(fd);
	munmap(buf, BUF_PAGES * PAGE);
}

/* ---- fd exhaustion ---- */

static int count_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* In a child: the scene with @room fds to spare; 0 when it ends cleanly. */
static int scene_with_fds(unsigned int room, void *buf)
{
	struct rlimit rl = { .rlim_cur = 0, .rlim_max = 4096 };
	struct rel_scene s;
	int ret;

	/* The control connection first: a thread without one cannot even ask. */
	if (iommufd_mock_daemon_files() < 0)
		return 2;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = (rlim_t)count_fds() + room;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return 3;
	ret = rel_scene_build(&s, buf, BUF_PAGES * PAGE);
	if (ret && ret != -EMFILE)
		return 100 + (int)s.step; /* another errno, or a wrong one */
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	rel_scene_teardown(&s);
	return ret ? 4 : 0;
}

static void test_fd_exhaustion(void **state)
{
	void *buf = shared_buffer(BUF_PAGES * PAGE);
	long files = iommufd_mock_daemon_files();
	unsigned int room;
	bool whole = false;

	(void)state;
	for (room = 0; room < 16 && !whole; room++) {
		pid_t pid = fork();
		int st;

		assert_true(pid >= 0);
		if (pid == 0)
			_exit(scene_with_fds(room, buf));
		st = rel_wait_child(pid, 30);
		assert_true(st != -1 && WIFEXITED(st));
		if (WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 4)
			fail_msg("%u fds to spare: child exit %d", room, WEXITSTATUS(st));
		whole = WEXITSTATUS(st) == 0;
		fd_limits++;
		assert_int_equal(0, rel_wait_unpinned(pid));
		assert_int_equal(files, rel_wait_files(files));
	}
	assert_true(whole);
	munmap(buf, BUF_PAGES * PAGE);
}

/*
 * EMFILE at the fd of a new fault queue unwinds the queue, as the kernel's
 * get_unused_fd_flags() before the object is finalized: no object is left
 * behind under the id the failed call would have had.
 */
static void test_fd_exhaustion_no_object(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl;
		struct iommufd_ctx *ctx;
		struct iommufd_ioas *ioas;
		struct iommufd_fault *fault;
		uint32_t next;
		int ret;

		if (iommufd_ctx_open(NULL, &ctx) || iommufd_ioas_create(ctx, &ioas))
			_exit(2);
		next = iommufd_ioas_get_id(ioas) + 1;
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = (rlim_t)count_fds();
		if (setrlimit(RLIMIT_NOFILE, &rl))
			_exit(3);
		ret = iommufd_fault_alloc(ctx, NULL, &fault);
		if (ret != -EMFILE)
			_exit(4);
		ret = iommufd_ctx_destroy_id(ctx, next);
		_exit(ret == -ENOENT ? 0 : 5);
	}
	st = rel_wait_child(pid, 30);
	assert_true(st != -1 && WIFEXITED(st));
	assert_int_equal(0, WEXITSTATUS(st));
}

static int report(void **state)
{
	rel_release_daemon(state);
	printf("reliability-faults: %u clients or daemons killed, %u fault points failed, "
	       "%u fd limits\n", kills, fail_points, fd_limits);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_killed),
		cmocka_unit_test(test_client_killed_shared_ctx),
		cmocka_unit_test(test_daemon_killed),
		cmocka_unit_test(test_daemon_terminated),
		cmocka_unit_test(test_fail_nth),
		cmocka_unit_test(test_fd_exhaustion),
		cmocka_unit_test(test_fd_exhaustion_no_object),
	};

	if (!getenv("IOMMUFD_MOCKD")) {
		printf("reliability-faults: not under the mock (IOMMUFD_MOCKD unset), skipped\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, rel_keep_daemon, report);
}
