// SPDX-License-Identifier: MIT
/*
 * transport.c - tests of kmod-mock's transport: the shim (linked in here, so no
 * LD_PRELOAD is needed), the daemon and the wrapper. They check what a kernel
 * guarantees about files whatever the driver does: paths that are not mock
 * devices pass through, fds survive dup, fork and exec, the last close releases
 * the file, bad pointers are EFAULT, a dead daemon is an errno and not a hang,
 * and threads may call concurrently. Only IOMMU_IOAS_ALLOC, IOMMU_DESTROY and
 * IOMMU_FAULT_QUEUE_ALLOC of the core are used.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "iommufd-mock.h"
#include "iommufd-uapi.h"

static int ioas_alloc(int fd, uint32_t *id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int ret = ioctl(fd, IOMMU_IOAS_ALLOC, &cmd);

	if (ret == 0)
		*id = cmd.out_ioas_id;
	return ret;
}

static int destroy(int fd, uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &cmd);
}

static int open_iommu(void)
{
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

/* Wait for @pid and return its exit status, or 128+signal. */
static int wait_status(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_open_passthrough(void **state)
{
	int fd;

	(void)state;
	fd = open("/dev/null", O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(iommufd_mock_is_mock_fd(fd), 0);
	assert_int_equal(write(fd, "x", 1), 1);
	/* ';' ioctls on a non-socket are the kernel's business. */
	assert_int_equal(ioctl(fd, IOMMU_IOAS_ALLOC, NULL), -1);
	assert_int_equal(errno, ENOTTY);
	close(fd);

	errno = 0;
	assert_int_equal(open("/dev/iommu-not-a-mock-path", O_RDONLY), -1);
	assert_int_equal(errno, ENOENT);

	/* The mode argument of a passed-through open still arrives. */
	{
		char path[] = "/tmp/mock-transport-XXXXXX";
		struct stat st;

		fd = mkstemp(path);
		assert_true(fd >= 0);
		close(fd);
		unlink(path);
		umask(022);
		fd = openat(AT_FDCWD, path, O_CREAT | O_EXCL | O_RDWR, 0640);
		assert_true(fd >= 0);
		assert_int_equal(fstat(fd, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0640);
		close(fd);
		unlink(path);
	}
}

static void test_socket_passthrough(void **state)
{
	int sv[2], n = -1;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* An unknown socket: the daemon is asked, says no, the kernel answers. */
	assert_int_equal(ioctl(sv[0], IOMMU_IOAS_ALLOC, NULL), -1);
	assert_true(errno == ENOTTY || errno == EINVAL || errno == EOPNOTSUPP);
	assert_int_equal(write(sv[0], "ab", 2), 2);
	assert_int_equal(ioctl(sv[1], FIONREAD, &n), 0);
	assert_int_equal(n, 2);
	close(sv[0]);
	close(sv[1]);
}

static void test_open_mock(void **state)
{
	uint32_t id = 0;
	int fd, fd2;

	(void)state;
	fd = open_iommu();
	assert_int_equal(iommufd_mock_is_mock_fd(fd), 1);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	fd2 = openat(AT_FDCWD, "/dev/iommu", O_RDWR);
	assert_true(fd2 >= 0);
	assert_false(fcntl(fd2, F_GETFD) & FD_CLOEXEC);

	assert_int_equal(ioas_alloc(fd, &id), 0);
	assert_int_equal(destroy(fd, id), 0);
	assert_int_equal(destroy(fd, id), -1);
	assert_int_equal(errno, ENOENT);
	/* Two opens are two contexts. */
	assert_int_equal(ioas_alloc(fd, &id), 0);
	assert_int_equal(destroy(fd2, id), -1);
	assert_int_equal(errno, ENOENT);
	close(fd);
	close(fd2);
}

static void test_efault(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	void *none;
	int fd;

	(void)state;
	fd = open_iommu();
	assert_int_equal(ioctl(fd, IOMMU_IOAS_ALLOC, NULL), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(ioctl(fd, IOMMU_IOAS_ALLOC, (void *)1), -1);
	assert_int_equal(errno, EFAULT);
	none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(none != MAP_FAILED);
	assert_int_equal(ioctl(fd, IOMMU_IOAS_ALLOC, none), -1);
	assert_int_equal(errno, EFAULT);
	munmap(none, page);
	/* The file is still fine afterwards. */
	{
		uint32_t id = 0;

		assert_int_equal(ioas_alloc(fd, &id), 0);
	}
	close(fd);
}

/*
 * The shim sends an ioctl's argument along with the request (proto.h): the
 * answers must be the kernel's wherever the argument lives and however long
 * it claims to be.
 */
static void test_inline_arg(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	struct iommu_ioas_alloc *heap, *ro, *edge;
	unsigned char big[320];
	char *map;
	uint32_t id = 0;
	int fd;

	(void)state;
	fd = open_iommu();
	/* Not on the stack: read through the kernel, the output written back. */
	heap = calloc(1, sizeof(*heap));
	assert_non_null(heap);
	heap->size = sizeof(*heap);
	assert_int_equal(ioctl(fd, IOMMU_IOAS_ALLOC, heap), 0);
	assert_int_equal(destroy(fd, heap->out_ioas_id), 0);
	free(heap);

	/* Readable but not writable: the output cannot be stored, EFAULT. */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	ro = (struct iommu_ioas_alloc *)map;
	ro->size = sizeof(*ro);
	assert_int_equal(mprotect(map, page, PROT_READ), 0);
	assert_int_equal(ioctl(fd, IOMMU_IOAS_ALLOC, ro), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(ro->out_ioas_id, 0);

	/* The size word readable, the rest of the struct not: EFAULT. */
	assert_int_equal(mprotect(map, 2 * page, PROT_READ | PROT_WRITE), 0);
	edge = (struct iommu_ioas_alloc *)(map + page - sizeof(uint32_t));
	edge->size = sizeof(*edge);
	assert_int_equal(mprotect(map + page, page, PROT_NONE), 0);
	assert_int_equal(ioctl(fd, IOMMU_IOAS_ALLOC, edge), -1);
	assert_int_equal(errno, EFAULT);
	munmap(map, 2 * page);

	/* Longer than what travels inline: a zero tail is accepted, a non-zero one E2BIG. */
	memset(big, 0, sizeof(big));
	((struct iommu_ioas_alloc *)big)->size = sizeof(big);
	assert_int_equal(ioctl(fd, IOMMU_IOAS_ALLOC, big), 0);
	memcpy(&id, big + offsetof(struct iommu_ioas_alloc, out_ioas_id), sizeof(id));
	assert_int_equal(destroy(fd, id), 0);
	assert_int_equal(big[sizeof(big) - 1], 0);
	big[sizeof(big) - 1] = 1; /* past the inline bytes */
	assert_int_equal(ioctl(fd, IOMMU_IOAS_ALLOC, big), -1);
	assert_int_equal(errno, E2BIG);
	big[sizeof(big) - 1] = 0;
	big[100] = 1; /* among them */
	assert_int_equal(ioctl(fd, IOMMU_IOAS_ALLOC, big), -1);
	assert_int_equal(errno, E2BIG);
	close(fd);
}

static void test_dup_fork(void **state)
{
	int fd, fd2, fd3, p[2];
	uint32_t id = 0;
	pid_t pid;

	(void)state;
	fd = open_iommu();
	fd2 = dup(fd);
	fd3 = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	assert_true(fd2 >= 0 && fd3 >= 100);
	assert_int_equal(ioas_alloc(fd2, &id), 0);
	assert_int_equal(destroy(fd3, id), 0);

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The child shares the context: its object is the parent's. */
		if (ioas_alloc(fd2, &id) || write(p[1], &id, sizeof(id)) != sizeof(id))
			_exit(1);
		_exit(0);
	}
	assert_int_equal(wait_status(pid), 0);
	assert_int_equal(read(p[0], &id, sizeof(id)), (ssize_t)sizeof(id));
	assert_int_equal(destroy(fd, id), 0);
	close(p[0]);
	close(p[1]);
	close(fd);
	close(fd2);
	close(fd3);
}

static void test_last_close_releases(void **state)
{
	long base;
	int fd, fd2;
	pid_t pid;

	(void)state;
	fd = open_iommu();
	base = iommufd_mock_daemon_files();
	assert_true(base >= 1);
	fd2 = dup(fd);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fd);
		close(fd2);
		_exit(iommufd_mock_daemon_files() == base ? 0 : 1);
	}
	assert_int_equal(wait_status(pid), 0);
	assert_int_equal(iommufd_mock_daemon_files(), base);
	close(fd);
	assert_int_equal(iommufd_mock_daemon_files(), base);
	close(fd2);
	assert_int_equal(iommufd_mock_daemon_files(), base - 1);

	/* A child's copy alone keeps it alive, and its exit is a close. */
	fd = open_iommu();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint32_t id = 0;

		usleep(100000);
		_exit(ioas_alloc(fd, &id) ? 1 : 0);
	}
	close(fd);
	assert_int_equal(iommufd_mock_daemon_files(), base);
	assert_int_equal(wait_status(pid), 0);
	assert_int_equal(iommufd_mock_daemon_files(), base - 1);
}

static void test_new_fd(void **state)
{
	struct iommu_fault_alloc cmd = { .size = sizeof(cmd) };
	long base;
	int fd, ret;

	(void)state;
	fd = open_iommu();
	base = iommufd_mock_daemon_files();
	ret = ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &cmd);
	if (ret && errno == ENOTTY) {
		close(fd);
		skip();
	}
	assert_int_equal(ret, 0);
	assert_true((int)cmd.out_fault_fd > fd);
	assert_int_equal(iommufd_mock_is_mock_fd((int)cmd.out_fault_fd), 1);
	assert_int_equal(iommufd_mock_daemon_files(), base + 1);
	close((int)cmd.out_fault_fd);
	assert_int_equal(iommufd_mock_daemon_files(), base);
	close(fd);
}

#define THREADS 6
#define ROUNDS 200

struct thread_arg {
	int fd;
	int own_fd;
	int errors;
};

static void *thread_fn(void *p)
{
	struct thread_arg *a = p;

	for (int i = 0; i < ROUNDS; i++) {
		uint32_t id = 0;
		int fd = a->fd;

		if (i % 50 == 0) {
			if (a->own_fd >= 0)
				close(a->own_fd);
			a->own_fd = open("/dev/iommu", O_RDWR);
			if (a->own_fd < 0)
				a->errors++;
		}
		if (i & 1)
			fd = a->own_fd;
		if (ioas_alloc(fd, &id) || destroy(fd, id))
			a->errors++;
	}
	close(a->own_fd);
	return NULL;
}

static void test_threads(void **state)
{
	struct thread_arg args[THREADS];
	pthread_t th[THREADS];
	long base;
	int fd;

	(void)state;
	fd = open_iommu();
	base = iommufd_mock_daemon_files();
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct thread_arg){ .fd = fd, .own_fd = -1 };
		assert_int_equal(pthread_create(&th[i], NULL, thread_fn, &args[i]), 0);
	}
	/* Join every thread before any assert: they use this stack frame. */
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(args[i].errors, 0);
	assert_int_equal(iommufd_mock_daemon_files(), base);
	close(fd);
}

/* After exec the shim knows nothing; the inherited fd must still work. */
static void test_exec(void **state)
{
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	char arg[16], qarg[16] = "-1";
	int fd;
	pid_t pid;

	(void)state;
	fd = open("/dev/iommu", O_RDWR);
	assert_true(fd >= 0);
	snprintf(arg, sizeof(arg), "%d", fd);
	if (ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fa) == 0) {
		/* Kernel fault fds are close-on-exec; this test wants one across exec. */
		fcntl((int)fa.out_fault_fd, F_SETFD, 0);
		snprintf(qarg, sizeof(qarg), "%d", (int)fa.out_fault_fd);
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/proc/self/exe", "transport", "--exec-child", arg, qarg, (char *)NULL);
		_exit(99);
	}
	assert_int_equal(wait_status(pid), 0);
	if (atoi(qarg) >= 0)
		close(atoi(qarg));
	close(fd);
}

static int exec_child(int fd, int qfd)
{
	uint32_t id = 0;
	char c;

	if (ioas_alloc(fd, &id) || destroy(fd, id))
		return 1;
	if (iommufd_mock_is_mock_fd(fd) != 1)
		return 2;
	/*
	 * A fault record is bigger than one byte: ESPIPE from the mock (as the
	 * kernel; EINVAL from older cores). Had the read reached the socket
	 * instead, it would block: the alarm fails it.
	 */
	alarm(5);
	if (qfd >= 0 && (read(qfd, &c, 1) != -1 || (errno != ESPIPE && errno != EINVAL)))
		return 3;
	return 0;
}

static bool process_gone(pid_t pid)
{
	char path[64], buf[256], *s;
	FILE *f;
	bool gone = true;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	if (fgets(buf, sizeof(buf), f)) {
		s = strrchr(buf, ')');
		gone = s && (s[2] == 'Z' || s[2] == 'X');
	}
	fclose(f);
	return gone;
}

static bool wait_gone(pid_t pid)
{
	for (int i = 0; i < 500; i++) {
		if (process_gone(pid))
			return true;
		usleep(10000);
	}
	return false;
}

/* A private daemon (started by the shim) goes away with its last client. */
static void test_private_daemon_exits(void **state)
{
	int p[2];
	pid_t pid, dpid = 0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd;

		unsetenv("IOMMUFD_MOCK_SOCKET");
		fd = open("/dev/iommu", O_RDWR);
		dpid = iommufd_mock_daemon_pid();
		if (fd < 0 || dpid <= 0 || dpid == getpid())
			_exit(1);
		if (write(p[1], &dpid, sizeof(dpid)) != sizeof(dpid))
			_exit(2);
		_exit(0);
	}
	assert_int_equal(wait_status(pid), 0);
	assert_int_equal(read(p[0], &dpid, sizeof(dpid)), (ssize_t)sizeof(dpid));
	assert_true(wait_gone(dpid));
	close(p[0]);
	close(p[1]);
}

static void test_daemon_killed(void **state)
{
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct iommu_fault_alloc fa = { .size = sizeof(fa) };
		char buf[64];
		uint32_t id = 0;
		pid_t dpid;
		int fd, qfd = -1;

		unsetenv("IOMMUFD_MOCK_SOCKET");
		fd = open("/dev/iommu", O_RDWR);
		if (fd < 0 || ioas_alloc(fd, &id))
			_exit(1);
		if (ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fa) == 0)
			qfd = (int)fa.out_fault_fd;
		dpid = iommufd_mock_daemon_pid();
		if (dpid <= 0 || kill(dpid, SIGKILL))
			_exit(2);
		if (ioas_alloc(fd, &id) != -1 || errno != ENODEV)
			_exit(3);
		if (qfd >= 0 && (read(qfd, buf, sizeof(buf)) != -1 || errno != ENODEV))
			_exit(4);
		/* The named daemon is gone: a new open fails too, and says why. */
		if (open("/dev/iommu", O_RDWR) != -1 || errno != ENODEV)
			_exit(5);
		close(fd);
		_exit(0);
	}
	assert_int_equal(wait_status(pid), 0);
}

#ifdef MOCK_RUN_PATH
static int run_wrapped(const char *const *argv)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		unsetenv("IOMMUFD_MOCK_SOCKET");
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execv(MOCK_RUN_PATH, (char *const *)argv);
		_exit(99);
	}
	return wait_status(pid);
}

static void test_wrapper(void **state)
{
	const char *ok[] = { MOCK_RUN_PATH, "--", MOCK_PRELOAD_PROG, NULL };
	const char *three[] = { MOCK_RUN_PATH, MOCK_PRELOAD_PROG, "exit", "3", NULL };
	const char *killed[] = { MOCK_RUN_PATH, MOCK_PRELOAD_PROG, "kill", "9", NULL };
	const char *help[] = { MOCK_RUN_PATH, "--help", NULL };

	(void)state;
	assert_int_equal(run_wrapped(ok), 0);
	assert_int_equal(run_wrapped(three), 3);
	assert_int_equal(run_wrapped(killed), 128 + SIGKILL);
	assert_int_equal(run_wrapped(help), 0);
}

/* The sysfs tree of a program killed outright goes with the wrapper's run, not later. */
static void test_wrapper_cleans_sysfs(void **state)
{
	const char *killed[] = { MOCK_RUN_PATH, MOCK_PRELOAD_PROG, "sysfs-kill", "9", NULL };
	char tmp[] = "/tmp/mock-transport-tmpdir.XXXXXX";
	char *old_tmp = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
	char *old_xdg = getenv("XDG_RUNTIME_DIR") ? strdup(getenv("XDG_RUNTIME_DIR")) : NULL;
	struct dirent *de;
	unsigned int left = 0;
	DIR *d;

	(void)state;
	assert_non_null(mkdtemp(tmp));
	setenv("TMPDIR", tmp, 1);
	unsetenv("XDG_RUNTIME_DIR");
	assert_int_equal(run_wrapped(killed), 128 + SIGKILL);
	if (old_tmp)
		setenv("TMPDIR", old_tmp, 1);
	else
		unsetenv("TMPDIR");
	if (old_xdg)
		setenv("XDG_RUNTIME_DIR", old_xdg, 1);
	free(old_tmp);
	free(old_xdg);
	d = opendir(tmp);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			char cmd[512];

			left++;
			snprintf(cmd, sizeof(cmd), "rm -rf '%s/%s'", tmp, de->d_name);
			assert_int_equal(system(cmd), 0);
		}
	closedir(d);
	rmdir(tmp);
	assert_int_equal(left, 0);
}
#endif

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_passthrough),
		cmocka_unit_test(test_socket_passthrough),
		cmocka_unit_test(test_open_mock),
		cmocka_unit_test(test_efault),
		cmocka_unit_test(test_inline_arg),
		cmocka_unit_test(test_dup_fork),
		cmocka_unit_test(test_last_close_releases),
		cmocka_unit_test(test_new_fd),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_private_daemon_exits),
		cmocka_unit_test(test_daemon_killed),
#ifdef MOCK_RUN_PATH
		cmocka_unit_test(test_wrapper),
		cmocka_unit_test(test_wrapper_cleans_sysfs),
#endif
	};

	if (argc == 4 && !strcmp(argv[1], "--exec-child"))
		return exec_child(atoi(argv[2]), atoi(argv[3]));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
