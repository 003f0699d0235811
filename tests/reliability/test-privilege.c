// SPDX-License-Identifier: MIT
/*
 * test-privilege.c - privilege and isolation as the kernel enforces them,
 * checked on the mock through the library and with forged raw requests:
 *  - an fd never names another context's objects (ENOENT), and the library
 *    refuses handles of two contexts in one call;
 *  - IOMMU_OPTION_RLIMIT_MODE needs CAP_SYS_RESOURCE in the initial user
 *    namespace (this machine's root lacks it: the allowed direction runs only
 *    where it is present), also for a process that is root in a user
 *    namespace of its own;
 *  - pinning respects RLIMIT_MEMLOCK unless CAP_IPC_LOCK, and a request
 *    cannot borrow another thread's capabilities by naming its tid;
 *  - the daemon serves another uid nothing it could not have from a kernel
 *    (no open, no books, no file it does not hold), and it only reads the
 *    memory of the caller, whatever pid or tid a request names.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "iommufd-mock.h"
#include "iommufd-uapi.h"
#include "iommufd_test.h"
#include "proto.h"
#include "rel.h"

#define PAGE 4096UL

/* Runs @fn in a forked child, bounded; returns its exit status (or 128 + signal, 255 on timeout). */
static int in_child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn(arg));
	st = rel_wait_child(pid, 30);
	if (st == -1)
		return 255;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- contexts are isolated ---- */

static void test_ids_are_per_context(void **state)
{
	struct iommufd_ctx *a, *b;
	struct iommufd_ioas *ioas_a, *ioas_b, *adopted;
	uint8_t *buf = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	struct iommu_ioas_map map = { .size = sizeof(map) };
	uint64_t iova = 0, unmapped = 1;
	uint32_t id_a, stdev = 0;

	(void)state;
	assert_true(buf != MAP_FAILED);
	assert_int_equal(0, iommufd_ctx_open(NULL, &a));
	assert_int_equal(0, iommufd_ctx_open(NULL, &b));
	assert_int_equal(0, iommufd_ioas_create(a, &ioas_a));
	assert_int_equal(0, mock_domain(a, iommufd_ioas_get_id(ioas_a), &stdev, NULL, NULL));
	id_a = iommufd_ioas_get_id(ioas_a);

	/* B has nothing yet: every id of A is unknown to it. */
	assert_errno(ENOENT, iommufd_ioas_adopt(b, id_a, &adopted));
	assert_errno(ENOENT, iommufd_ctx_destroy_id(b, id_a));
	assert_errno(ENOENT, iommufd_ctx_destroy_id(b, stdev));
	assert_errno(ENOENT, iommufd_hwpt_adopt(b, stdev, (struct iommufd_hwpt **)&adopted));
	map.ioas_id = id_a;
	map.user_va = (uintptr_t)buf;
	map.length = PAGE;
	map.flags = IOMMU_IOAS_MAP_READABLE;
	assert_int_equal(-1, ioctl(iommufd_ctx_get_fd(b), IOMMU_IOAS_MAP, &map));
	assert_int_equal(ENOENT, errno);

	/* B's own IOAS may get the same number: it is still B's. */
	assert_int_equal(0, iommufd_ioas_create(b, &ioas_b));
	assert_int_equal(0, iommufd_ioas_map(ioas_b, buf, 4 * PAGE, &iova, NULL));
	assert_int_equal(0, iommufd_ioas_unmap_all(ioas_a, &unmapped));
	assert_int_equal(0, unmapped);
	assert_int_equal(0, iommufd_ioas_unmap_all(ioas_b, &unmapped));
	assert_int_equal(4 * PAGE, unmapped);

	/* Handles of two contexts in one call are refused before any ioctl. */
	assert_errno(EINVAL, iommufd_ioas_copy(ioas_a, ioas_b, iova, PAGE, &iova, NULL));
	iommufd_ctx_close(a);
	/* A's end takes nothing of B's with it. */
	assert_int_equal(0, iommufd_ioas_map(ioas_b, buf, PAGE, &iova, NULL));
	iommufd_ctx_close(b);
	munmap(buf, 4 * PAGE);
}

/* ---- RLIMIT_MODE needs CAP_SYS_RESOURCE ---- */

static int set_mode_child(void *arg)
{
	enum iommufd_rlimit_mode mode = IOMMUFD_RLIMIT_MODE_USER;
	struct iommufd_ctx *ctx;
	int ret;

	if (arg && rel_drop_cap(CAP_SYS_RESOURCE))
		return 2;
	if (iommufd_ctx_open(NULL, &ctx))
		return 3;
	ret = iommufd_ctx_set_rlimit_mode(ctx, IOMMUFD_RLIMIT_MODE_PROCESS);
	if (rel_have_cap(CAP_SYS_RESOURCE) ? ret != 0 : ret != -EPERM)
		return 4;
	if (iommufd_ctx_get_rlimit_mode(ctx, &mode))
		return 5;
	if (mode != (ret ? IOMMUFD_RLIMIT_MODE_USER : IOMMUFD_RLIMIT_MODE_PROCESS))
		return 6;
	iommufd_ctx_close(ctx);
	return 0;
}

static void test_rlimit_mode_needs_cap(void **state)
{
	(void)state;
	if (!rel_have_cap(CAP_SYS_RESOURCE))
		print_message("no CAP_SYS_RESOURCE here: only the refused direction runs\n");
	/* As we are: allowed exactly when we have the capability. */
	assert_int_equal(0, in_child(set_mode_child, NULL));
	/* Without it: refused. */
	assert_int_equal(0, in_child(set_mode_child, (void *)1));
}

/* Root of a user namespace of its own has every capability there, none that counts here. */
static int userns_child(void *arg)
{
	struct iommufd_ctx *ctx = arg;
	int ret;

	(void)arg;
	if (unshare(CLONE_NEWUSER))
		return errno == EPERM || errno == EINVAL || errno == ENOSPC ? 77 : 2;
	if (!rel_have_cap(CAP_SYS_RESOURCE))
		return 3; /* the namespace should give it, as a local capability */
	ret = iommufd_ctx_set_rlimit_mode(ctx, IOMMUFD_RLIMIT_MODE_PROCESS);
	return ret == -EPERM ? 0 : 4;
}

static void test_rlimit_mode_user_namespace(void **state)
{
	struct iommufd_ctx *ctx;
	int ret;

	(void)state;
	assert_int_equal(0, iommufd_ctx_open(NULL, &ctx));
	ret = in_child(userns_child, ctx);
	iommufd_ctx_close(ctx);
	if (ret == 77)
		skip();
	assert_int_equal(0, ret);
}

/* ---- RLIMIT_MEMLOCK unless CAP_IPC_LOCK, capabilities not borrowed ---- */

struct pin_args {
	bool drop;      /* drop CAP_IPC_LOCK */
	pid_t borrow;   /* forge this tid into the map request */
};

static int pin_child(void *arg)
{
	const struct pin_args *a = arg;
	struct rlimit lim = { .rlim_cur = 4 * PAGE, .rlim_max = 4 * PAGE };
	size_t len = 32 * PAGE;
	uint8_t *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	struct iommu_ioas_map map = { .size = sizeof(map) };
	struct iommufd_ctx *ctx;
	struct iommufd_ioas *ioas;
	uint64_t iova = 0;
	long ret;

	if (buf == MAP_FAILED)
		return 2;
	if (a->drop && rel_drop_cap(CAP_IPC_LOCK))
		return 3;
	if (setrlimit(RLIMIT_MEMLOCK, &lim))
		return 4;
	if (iommufd_ctx_open(NULL, &ctx) || iommufd_ioas_create(ctx, &ioas) ||
	    mock_domain(ctx, iommufd_ioas_get_id(ioas), NULL, NULL, NULL))
		return 5;
	if (a->borrow) {
		map.ioas_id = iommufd_ioas_get_id(ioas);
		map.user_va = (uintptr_t)buf;
		map.length = len;
		map.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
		ret = rel_raw_ioctl(iommufd_ctx_get_fd(ctx), IOMMU_IOAS_MAP, &map, a->borrow);
	} else {
		ret = iommufd_ioas_map(ioas, buf, len, &iova, NULL);
	}
	if (rel_have_cap(CAP_IPC_LOCK) ? ret != 0 : ret != -ENOMEM)
		return 6;
	/* Within the limit it pins either way. */
	if (iommufd_ioas_unmap_all(ioas, NULL) ||
	    iommufd_ioas_map(ioas, buf, 2 * PAGE, &iova, NULL))
		return 7;
	iommufd_ctx_close(ctx);
	return 0;
}

static void test_memlock(void **state)
{
	struct pin_args with = { .drop = false }, without = { .drop = true };

	(void)state;
	if (!rel_have_cap(CAP_IPC_LOCK))
		print_message("no CAP_IPC_LOCK here: only the limited direction runs\n");
	assert_int_equal(0, in_child(pin_child, &with));
	assert_int_equal(0, in_child(pin_child, &without));
}

/*
 * A process without CAP_IPC_LOCK names its parent's tid (which has it) in
 * the request: the daemon must judge the caller, not the tid it claims.
 */
static void test_memlock_tid_forged(void **state)
{
	struct pin_args forged = { .drop = true, .borrow = getpid() };

	(void)state;
	if (!rel_have_cap(CAP_IPC_LOCK))
		skip();
	assert_int_equal(0, in_child(pin_child, &forged));
}

/* ---- the socket serves its owner only ---- */

/*
 * Another user may connect (a child that dropped privileges keeps the files
 * it inherited: test-trust.c), but gets nothing it could not get from a
 * kernel: no device node of the daemon's user, not its books, no file it
 * does not hold, no fault injection in another's threads.
 */
struct stranger {
	uint64_t ino; /* the owner's context */
	int fd;       /* its fd, closed in the child: held no more */
};

static int other_uid_child(void *arg)
{
	const struct stranger *a = arg;
	const uint64_t *ino = &a->ino;
	long ret;
	int fd, sv[2];

	close(a->fd);
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 2;
	/* Through the shim: no context for another user. */
	fd = open("/dev/iommu", O_RDWR);
	if (fd >= 0 || errno != EACCES)
		return 3;
	/* Raw: the daemon's count of files is its user's business. */
	ret = rel_raw_call(MOCK_OP_STATS, 0, 0, 0, 0, 0);
	if (ret != -EACCES)
		return 4;
	/* Nor the devices' config space or where they sit (the sysfs the shim presents). */
	if (rel_raw_call(MOCK_OP_PCI_CONFIG, 0, 0, 0, 0, 0) != -EACCES ||
	    rel_raw_call(MOCK_OP_PCI_IDENT, 0, 0, 0, 0, 0) != -EACCES ||
	    rel_raw_call(MOCK_OP_PCI_IDENT, 0, 0, 2, 0, 0) != -EACCES)
		return 9;
	/* Naming the owner's file by its inode: not held, so not touched. */
	if (rel_raw_call(MOCK_OP_IOCTL, 0, *ino, IOMMU_DESTROY, 0, 0) != -EBADF ||
	    rel_raw_call(MOCK_OP_QUERY, 0, *ino, 0, 0, 0) != -EBADF)
		return 5;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
	    rel_raw_call_fd(MOCK_OP_IOCTL, 0, *ino, IOMMU_DESTROY, 0, 0, sv[0]) != -EBADF)
		return 6;
	if (rel_raw_call(MOCK_OP_FAIL_NTH, 0, 0, 1, (uint64_t)getppid(), 1) != -ESRCH)
		return 7;
	/* VmPin of any process: /proc/PID/status is world-readable on a kernel too. */
	return rel_pinned_pages(1) == 0 ? 0 : 8;
}

static void test_socket_owner_only(void **state)
{
	long files = iommufd_mock_daemon_files();
	struct iommufd_ctx *ctx;
	struct stranger a;
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip(); /* only root can become another user to knock */
	assert_int_equal(0, iommufd_ctx_open(NULL, &ctx));
	a.fd = iommufd_ctx_get_fd(ctx);
	assert_int_equal(0, fstat(a.fd, &st));
	a.ino = st.st_ino;
	assert_int_equal(0, in_child(other_uid_child, &a));
	/* The owner is still served, its context whole. */
	assert_int_equal(files + 1, iommufd_mock_daemon_files());
	iommufd_ctx_close(ctx);
}

/* ---- only the caller's memory ---- */

#define SECRET_VA 0x567100000000ULL

static void test_memory_of_caller_only(void **state)
{
	struct iommufd_ctx *ctx;
	struct iommufd_ioas *ioas;
	struct iommu_ioas_map map = { .size = sizeof(map) };
	int p[2];
	pid_t victim;
	char c;

	(void)state;
	/* A victim of our uid with a page at an address we leave empty. */
	assert_int_equal(0, pipe(p));
	victim = fork();
	assert_true(victim >= 0);
	if (victim == 0) {
		void *s = mmap((void *)SECRET_VA, PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (s == MAP_FAILED)
			_exit(2);
		memset(s, 0xab, PAGE);
		if (write(p[1], "r", 1) != 1)
			_exit(3);
		pause();
		_exit(0);
	}
	assert_int_equal(1, read(p[0], &c, 1));
	assert_int_equal(0, iommufd_ctx_open(NULL, &ctx));
	assert_int_equal(0, iommufd_ioas_create(ctx, &ioas));
	assert_int_equal(0, mock_domain(ctx, iommufd_ioas_get_id(ioas), NULL, NULL, NULL));
	map.ioas_id = iommufd_ioas_get_id(ioas);
	map.user_va = SECRET_VA;
	map.length = PAGE;
	map.flags = IOMMU_IOAS_MAP_READABLE;
	/* Ours, honestly: nothing there. */
	assert_int_equal(-1, ioctl(iommufd_ctx_get_fd(ctx), IOMMU_IOAS_MAP, &map));
	assert_int_equal(EFAULT, errno);
	/* Claiming to be the victim's thread changes nothing. */
	assert_int_equal(-EFAULT, rel_raw_ioctl(iommufd_ctx_get_fd(ctx), IOMMU_IOAS_MAP, &map,
						victim));
	assert_int_equal(0, rel_pinned_pages(victim));
	/* Nor can we arm the victim's fault injection. */
	assert_int_equal(-ESRCH, rel_raw_call(MOCK_OP_FAIL_NTH, 0, 0, 1, (uint64_t)victim, 1));
	iommufd_ctx_close(ctx);
	kill(victim, SIGKILL);
	waitpid(victim, NULL, 0);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_are_per_context),
		cmocka_unit_test(test_rlimit_mode_needs_cap),
		cmocka_unit_test(test_rlimit_mode_user_namespace),
		cmocka_unit_test(test_memlock),
		cmocka_unit_test(test_memlock_tid_forged),
		cmocka_unit_test(test_socket_owner_only),
		cmocka_unit_test(test_memory_of_caller_only),
	};

	if (!getenv("IOMMUFD_MOCKD")) {
		printf("reliability-privilege: not under the mock (IOMMUFD_MOCKD unset), skipped\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, rel_keep_daemon, rel_release_daemon);
}
