// SPDX-License-Identifier: MIT
/*
 * libcost.c - what libiommufd adds to a map + unmap pair: client-side
 * instructions of iommufd_ioas_map() + iommufd_ioas_unmap() against the same
 * IOMMU_IOAS_MAP + IOMMU_IOAS_UNMAP ioctls written by hand, counted by
 * valgrind's callgrind (an instruction count is steady where a time is not).
 *
 * The backend is this program's own ioctl(): it is exported, so it also
 * interposes the library's calls to ioctl (no LD_PRELOAD), answers like
 * iommufd (an IOVA for a map, the length for an unmap) and switches
 * callgrind's collection off while it runs: only the caller's side counts,
 * and both loops see the very same backend.
 *
 * Run without valgrind, the program runs itself twice under
 * `valgrind --tool=callgrind --collect-atstart=no` (once per loop), reads
 * the totals and prints the table. Targets: <= 5% more instructions, and
 * <= 100 instructions added per call.
 *
 * Usage: bench-libcost [ITERATIONS]          (VALGRIND names valgrind)
 *        bench-libcost --child raw|lib ITERATIONS   (under callgrind)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <valgrind/callgrind.h>

#include <iommufd/iommufd.h>

#include "iommufd-uapi.h"

#define TARGET_RATIO 1.05
#define TARGET_ADDED 100.0
#define MAP_LEN 4096ULL
#define FAKE_IOAS_ID 7

static int fake_fd = -1;
static bool measuring; /* collection is on in the measured loop, off inside ioctl */
static uint64_t next_iova = 1ULL << 32;

/* The stand-in for iommufd: enough of DESTROY, IOAS_ALLOC, MAP and UNMAP. */
static int fake_iommufd(unsigned long req, void *arg)
{
	switch (req) {
	case IOMMU_DESTROY:
		/* iommufd refuses a zero size first: how the library recognises it */
		errno = EINVAL;
		return -1;
	case IOMMU_IOAS_ALLOC: {
		struct iommu_ioas_alloc *a = arg;

		a->out_ioas_id = FAKE_IOAS_ID;
		return 0;
	}
	case IOMMU_IOAS_MAP: {
		struct iommu_ioas_map *m = arg;

		if (m->ioas_id != FAKE_IOAS_ID) {
			errno = ENOENT;
			return -1;
		}
		if (!(m->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
			m->iova = next_iova;
		return 0;
	}
	case IOMMU_IOAS_UNMAP: {
		struct iommu_ioas_unmap *u = arg;

		if (u->ioas_id != FAKE_IOAS_ID || u->iova != next_iova) {
			errno = ENOENT;
			return -1;
		}
		return 0;
	}
	default:
		errno = ENOTTY;
		return -1;
	}
}

/* Exported on purpose: the shared library's ioctl calls bind to it. */
__attribute__((visibility("default"))) int ioctl(int fd, unsigned long req, ...)
{
	bool m = measuring;
	va_list ap;
	void *arg;
	int rc;

	if (m)
		CALLGRIND_TOGGLE_COLLECT;
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != fake_fd) {
		errno = EBADF;
		rc = -1;
	} else {
		rc = fake_iommufd(req, arg);
	}
	if (m)
		CALLGRIND_TOGGLE_COLLECT;
	return rc;
}

/* ---- the two loops; noinline so callgrind shows them by name ---- */

static char buf[MAP_LEN] __attribute__((aligned(4096)));

__attribute__((noinline)) static int raw_loop(int fd, uint32_t ioas_id, long iters)
{
	for (long i = 0; i < iters; i++) {
		struct iommu_ioas_map map = {
			.size = sizeof(map),
			.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = ioas_id,
			.user_va = (uintptr_t)buf,
			.length = sizeof(buf),
		};
		struct iommu_ioas_unmap unmap = { .size = sizeof(unmap), .ioas_id = ioas_id };

		if (ioctl(fd, IOMMU_IOAS_MAP, &map))
			return -errno;
		unmap.iova = map.iova;
		unmap.length = sizeof(buf);
		if (ioctl(fd, IOMMU_IOAS_UNMAP, &unmap))
			return -errno;
	}
	return 0;
}

__attribute__((noinline)) static int lib_loop(struct iommufd_ioas *ioas, long iters)
{
	for (long i = 0; i < iters; i++) {
		uint64_t iova;
		int rc;

		rc = iommufd_ioas_map(ioas, buf, sizeof(buf), &iova, NULL);
		if (rc)
			return rc;
		rc = iommufd_ioas_unmap(ioas, iova, sizeof(buf), NULL);
		if (rc)
			return rc;
	}
	return 0;
}

/* One measured loop, meant to run under callgrind with --collect-atstart=no. */
static int child(const char *which, long iters)
{
	IOMMUFD_OPTS(iommufd_ctx_opts, copts, .flags = IOMMUFD_CTX_BORROW_FD);
	struct iommufd_ctx *ctx;
	struct iommufd_ioas *ioas;
	bool lib = !strcmp(which, "lib");
	int rc;

	fake_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fake_fd < 0)
		return 1;
	copts.fd = fake_fd;
	if (iommufd_ctx_open(&copts, &ctx) || iommufd_ioas_create(ctx, &ioas)) {
		fprintf(stderr, "bench-libcost: library setup on the fake backend failed\n");
		return 1;
	}
	/* Warm up: lazy symbol binding and cold paths stay out of the count. */
	rc = lib ? lib_loop(ioas, 16) : raw_loop(fake_fd, FAKE_IOAS_ID, 16);
	measuring = true;
	CALLGRIND_TOGGLE_COLLECT;
	if (!rc)
		rc = lib ? lib_loop(ioas, iters) : raw_loop(fake_fd, FAKE_IOAS_ID, iters);
	CALLGRIND_TOGGLE_COLLECT;
	measuring = false;
	iommufd_ctx_close(ctx);
	close(fake_fd);
	if (rc) {
		fprintf(stderr, "bench-libcost: %s loop: %s\n", which, strerror(-rc));
		return 1;
	}
	return 0;
}

/* Total instructions (Ir) callgrind collected for one child run; < 0 on failure. */
static double count_ir(const char *self, const char *which, long iters)
{
	char out[] = "/tmp/bench-libcost-XXXXXX";
	char opt[64], itb[32], line[512];
	const char *vg = getenv("VALGRIND");
	double ir = -1;
	FILE *f;
	pid_t pid;
	int fd, st;

	fd = mkstemp(out);
	if (fd < 0)
		return -1;
	close(fd);
	snprintf(opt, sizeof(opt), "--callgrind-out-file=%s", out);
	snprintf(itb, sizeof(itb), "%ld", iters);
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		if (devnull >= 0)
			dup2(devnull, STDOUT_FILENO);
		execlp(vg ? vg : "valgrind", "valgrind", "--tool=callgrind", "--quiet",
		       "--collect-atstart=no", opt, self, "--child", which, itb, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		goto out;
	f = fopen(out, "r");
	if (!f)
		goto out;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "summary:", 8) || !strncmp(line, "totals:", 7))
			ir = strtod(strchr(line, ':') + 1, NULL);
	}
	fclose(f);
out:
	unlink(out);
	return ir;
}

int main(int argc, char **argv)
{
	long iters;
	double raw, lib, ratio, added;

	if (argc == 4 && !strcmp(argv[1], "--child"))
		return child(argv[2], atol(argv[3]));
	iters = argc > 1 ? atol(argv[1]) : 10000;
	if (iters <= 0 || argc > 2) {
		fprintf(stderr, "usage: bench-libcost [ITERATIONS]\n");
		return 2;
	}
	if (RUNNING_ON_VALGRIND) {
		fprintf(stderr, "bench-libcost: run it directly, it starts callgrind itself\n");
		return 2;
	}
	raw = count_ir(argv[0], "raw", iters);
	lib = count_ir(argv[0], "lib", iters);
	if (raw <= 0 || lib <= 0) {
		fprintf(stderr, "bench-libcost: callgrind runs failed (is valgrind installed?)\n");
		return 77;
	}
	ratio = lib / raw;
	added = (lib - raw) / (2.0 * (double)iters);
	printf("library overhead, %ld map+unmap pairs, client-side instructions (callgrind Ir):\n",
	       iters);
	printf("  %-36s %12s %12s\n", "loop", "Ir total", "Ir per pair");
	printf("  %-36s %12.0f %12.1f\n", "raw ioctl MAP + UNMAP (by hand)", raw,
	       raw / (double)iters);
	printf("  %-36s %12.0f %12.1f\n", "iommufd_ioas_map + _unmap", lib, lib / (double)iters);
	printf("target: <= %.0f%% more: %+.1f%%, %s; <= %.0f instructions added per call: "
	       "%.1f, %s\n",
	       (TARGET_RATIO - 1) * 100, (ratio - 1) * 100, ratio <= TARGET_RATIO ? "met" : "NOT met",
	       TARGET_ADDED, added, added <= TARGET_ADDED ? "met" : "NOT met");
	return 0;
}
