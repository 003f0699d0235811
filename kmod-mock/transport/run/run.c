// SPDX-License-Identifier: MIT
/*
 * run.c - iommufd-mock-run: run one program against kmod-mock.
 *
 * Starts a private iommufd-mockd, runs the program with libiommufd-mock.so
 * preloaded and IOMMUFD_MOCK_SOCKET naming that daemon (so every process the
 * program forks or execs shares the same mock kernel), waits for it, stops
 * the daemon and exits with the program's status (128+N if signal N killed it).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto.h"

#ifndef MOCK_MOCKD_PATH
#define MOCK_MOCKD_PATH "/usr/local/libexec/iommufd-mockd"
#endif
#ifndef MOCK_SHIM_PATH
#define MOCK_SHIM_PATH "/usr/local/lib/libiommufd-mock.so"
#endif
#ifndef MOCK_VERSION
#define MOCK_VERSION "unknown"
#endif

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: iommufd-mock-run [OPTION]... [--] PROGRAM [ARG]...\n"
		"Run PROGRAM with /dev/iommu, /dev/vfio/devices/*, /dev/vfio/vfio and the\n"
		"VFIO groups /dev/vfio/N served by kmod-mock, a user-space model of the\n"
		"Linux iommufd, instead of the kernel; the devices' sysfs\n"
		"(/sys/bus/pci/devices/BDF, /sys/class/vfio-dev) is shown to PROGRAM too.\n"
		"\n"
		"  --device SPEC  add a VFIO PCI device (repeatable; the first is\n"
		"                 /dev/vfio/devices/vfio0, the next vfio1, ...)\n"
		"  --no-device    a machine without VFIO devices\n"
		"  --kernel REL   present the iommufd of Linux release REL: 6.6, 6.8, 6.12,\n"
		"                 6.15 or 7.3 (default; also from " MOCK_ENV_KERNEL ")\n"
		"  --help         show this help\n"
		"  --version      show the version\n"
		"\n"
		"Without --device the machine has one QEMU edu device (1234:11e8) behind an\n"
		"Intel VT-d IOMMU that reports what Linux 6.12 reports under QEMU 7.2.\n"
		"SPEC is MODEL[,OPTION]... with MODEL edu, plain or selftest (a plain device\n"
		"behind the kernel selftest's mock IOMMU) and OPTIONs:\n"
		"  hwinfo=selftest|vtd|smmuv3|amd  the IOMMU (and GET_HW_INFO type)\n"
		"  dirty, nodirty                  dirty tracking\n"
		"  nesting, nonesting              NEST_PARENT and nested HWPTs\n"
		"  pasid=BITS                      PASID width, 0 to 20\n"
		"  aperture=BITS                   IOVA bits of its domains (VT-d: 39)\n"
		"  resv=START-LAST | resv=none     reserved IOVA, repeatable (x86: MSI window)\n"
		"  cap=N ecap=N | efr=N efr2=N     VT-d / AMD registers in GET_HW_INFO\n"
		"  hwinfo-flags=N  ats  no-ats  reset  dma-bits=BITS (edu; default 28)\n"
		"  bridge                          behind a PCI bridge (hot reset)\n"
		"Example: --device edu --device selftest,dirty,nesting,pasid=20\n"
		"The list also comes from " MOCK_ENV_DEVICES " (devices separated by ';').\n"
		"\n"
		"Environment: IOMMUFD_MOCKD (daemon binary, default %s),\n"
		"IOMMUFD_MOCK_SHIM (preloaded library, default %s).\n"
		"Exit status: PROGRAM's, or 128+N if signal N killed it; 125 if the mock\n"
		"itself failed (it could not start, or the daemon crashed or reported an\n"
		"error such as a leak at exit while PROGRAM succeeded).\n",
		MOCK_MOCKD_PATH, MOCK_SHIM_PATH);
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

/* Prepend or append @item to the @sep-separated list in variable @name. */
static int env_list_add(const char *name, const char *item, char sep, bool prepend)
{
	const char *old = getenv(name);
	char *val;
	int r;

	if (!old || !*old)
		return setenv(name, item, 1);
	if (prepend)
		r = asprintf(&val, "%s%c%s", item, sep, old);
	else
		r = asprintf(&val, "%s%c%s", old, sep, item);
	if (r < 0)
		return -1;
	r = setenv(name, val, 1);
	free(val);
	return r;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/*
 * A directory for this run, where the shim makes its sysfs trees
 * (MOCK_ENV_SYSFS_DIR): removed when the program is done, even one killed
 * before it could remove its own. Empty @dir if there is none.
 */
static void run_dir_make(char *dir, size_t len)
{
	const char *tmp = getenv("TMPDIR");

	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	if ((size_t)snprintf(dir, len, "%s/iommufd-mock-run.XXXXXX", tmp) >= len || !mkdtemp(dir) ||
	    setenv(MOCK_ENV_SYSFS_DIR, dir, 1))
		dir[0] = 0;
}

static void run_dir_remove(const char *dir)
{
	if (dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static pid_t start_daemon(const char *exe, const char *name)
{
	char *argv[] = { (char *)exe, (char *)"--socket", (char *)name, (char *)"--ready-fd",
			 (char *)"3", (char *)"--foreground", NULL };
	pid_t parent = getpid(), pid;
	int p[2], got, null;
	char c;

	if (pipe2(p, O_CLOEXEC)) {
		perror("iommufd-mock-run: pipe");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		perror("iommufd-mock-run: fork");
		return -1;
	}
	if (pid == 0) {
		/* If we are killed outright, the daemon must not linger. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		/* Its own session: a ^C for the program must not stop its kernel first. */
		setsid();
		if (p[1] == 3)
			fcntl(3, F_SETFD, 0);
		else if (dup2(p[1], 3) != 3)
			_exit(127);
		null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
		}
		close_range(4, ~0U, 0);
		execv(exe, argv);
		fprintf(stderr,
			"iommufd-mock-run: cannot run the mock daemon %s: %s (set %s to its path)\n",
			exe, strerror(errno), MOCK_ENV_MOCKD);
		_exit(127);
	}
	close(p[1]);
	do {
		got = (int)read(p[0], &c, 1);
	} while (got < 0 && errno == EINTR);
	close(p[0]);
	if (got != 1) {
		fprintf(stderr, "iommufd-mock-run: the mock daemon %s did not start\n", exe);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "no-device", no_argument, NULL, 'n' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char name[MOCK_SOCKET_NAME_MAX + 1];
	char run_dir[PATH_MAX];
	struct sigaction sa = { .sa_handler = forward_signal };
	const char *mockd = env_or(MOCK_ENV_MOCKD, MOCK_MOCKD_PATH);
	const char *shim = env_or(MOCK_ENV_SHIM, MOCK_SHIM_PATH);
	int opt, status = 0, dstatus = 0;
	pid_t daemon_pid, pid, w;
	char *devices = NULL;
	bool no_device = false;

	/* '+': options end at PROGRAM, whose own options are its business. */
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': {
			char *more;

			if (!*optarg || strchr(optarg, ';')) {
				fprintf(stderr, "iommufd-mock-run: bad --device '%s'\n", optarg);
				return 2;
			}
			if (asprintf(&more, "%s%s%s", devices ? devices : "", devices ? ";" : "",
				     optarg) < 0) {
				perror("iommufd-mock-run");
				return 125;
			}
			free(devices);
			devices = more;
			break;
		}
		case 'n':
			no_device = true;
			break;
		case 'k':
			/* the daemon checks the name and says which releases it offers */
			if (setenv(MOCK_ENV_KERNEL, optarg, 1)) {
				perror("iommufd-mock-run: setenv");
				return 125;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("iommufd-mock-run %s\n", MOCK_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}

	if (no_device && devices) {
		fprintf(stderr, "iommufd-mock-run: --no-device and --device exclude each other\n");
		return 2;
	}
	if ((no_device || devices) && setenv(MOCK_ENV_DEVICES, devices ? devices : "", 1)) {
		perror("iommufd-mock-run: setenv");
		return 125;
	}
	free(devices);

	/*
	 * Name the variables when the daemon or the shim is not where they say
	 * (e.g. a build tree's program run without `meson devenv`).
	 */
	if (access(mockd, X_OK)) {
		fprintf(stderr,
			"iommufd-mock-run: cannot run the mock daemon %s: %s\n"
			"iommufd-mock-run: set %s to the iommufd-mockd to use%s\n",
			mockd, strerror(errno), MOCK_ENV_MOCKD,
			getenv(MOCK_ENV_MOCKD) && *getenv(MOCK_ENV_MOCKD) ?
				"" : " (from a build tree: meson devenv -C BUILDDIR)");
		return 125;
	}
	/* a bare file name is the dynamic loader's to look up: not checked */
	if (strchr(shim, '/') && access(shim, R_OK)) {
		fprintf(stderr,
			"iommufd-mock-run: cannot read the mock shim %s: %s\n"
			"iommufd-mock-run: set %s to the libiommufd-mock.so to preload%s\n",
			shim, strerror(errno), MOCK_ENV_SHIM,
			getenv(MOCK_ENV_SHIM) && *getenv(MOCK_ENV_SHIM) ?
				"" : " (from a build tree: meson devenv -C BUILDDIR)");
		return 125;
	}

	mock_proto_make_name(name, sizeof(name));
	daemon_pid = start_daemon(mockd, name);
	if (daemon_pid < 0)
		return 125;

	if (setenv(MOCK_ENV_SOCKET, name, 1) || env_list_add("LD_PRELOAD", shim, ':', true) ||
	    env_list_add("ASAN_OPTIONS", "verify_asan_link_order=0", ':', false)) {
		perror("iommufd-mock-run: setenv");
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, NULL, 0);
		return 125;
	}

	run_dir_make(run_dir, sizeof(run_dir));
	pid = fork();
	if (pid < 0) {
		perror("iommufd-mock-run: fork");
		run_dir_remove(run_dir);
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, NULL, 0);
		return 125;
	}
	if (pid == 0) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "iommufd-mock-run: cannot run %s: %s\n", argv[optind],
			strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	child_pid = pid;
	/* Like system(): the terminal's signals reach the program directly. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (w < 0) {
		perror("iommufd-mock-run: waitpid");
		status = 125 << 8;
	}
	run_dir_remove(run_dir);

	kill(daemon_pid, SIGTERM);
	while (waitpid(daemon_pid, &dstatus, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(dstatus) || (WIFEXITED(dstatus) && WEXITSTATUS(dstatus))) {
		fprintf(stderr, "iommufd-mock-run: the mock daemon failed (status 0x%x)\n",
			(unsigned int)dstatus);
		/* A program that passed against a broken mock proves nothing. */
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			return 125;
	}

	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
