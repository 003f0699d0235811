// SPDX-License-Identifier: MIT
/*
 * transport.c - what a call on a kmod-mock fd costs, against what it cannot
 * cost less than: a bare AF_UNIX SOCK_SEQPACKET request/reply round trip of
 * the same message sizes between two processes, measured in the same run.
 *
 * Rows: the baseline; the core alone (mock_ioctl in this process, no
 * transport); ioctls, a read and a pread through the shim (linked in) and
 * the daemon. Each row is the median of several batches (the machine is
 * shared). The target is an ioctl through shim + daemon <= 1.5x the baseline.
 *
 * By default everything runs on one CPU (the bench pins itself before it
 * forks the echo process and starts its private daemon): on a small or
 * virtual machine a cross-CPU wake-up costs several times a same-CPU one and
 * varies from run to run, which would drown the transport's own cost.
 *
 * Usage: bench-transport [--no-pin] [ITERATIONS]   (IOMMUFD_MOCKD names the daemon)
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "iommufd-uapi.h"
#include "proto.h"

#define BATCHES 7
#define TARGET_RATIO 1.5

typedef int (*bench_fn)(void *ctx, long iters);

struct row {
	const char *name;
	double ns; /* per operation; < 0: not measured */
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median ns per operation over BATCHES batches of @iters, after a warm-up batch. */
static double measure(bench_fn fn, void *ctx, long iters)
{
	double t[BATCHES];

	if (fn(ctx, iters / 10 + 1))
		return -1;
	for (int b = 0; b < BATCHES; b++) {
		double t0 = now_ns();

		if (fn(ctx, iters))
			return -1;
		t[b] = (now_ns() - t0) / (double)iters;
	}
	qsort(t, BATCHES, sizeof(t[0]), cmp_double);
	return t[BATCHES / 2];
}

/* ---- baseline: request/reply over SOCK_SEQPACKET between two processes ---- */

struct pingpong {
	int fd;
};

static int pingpong_run(void *ctx, long iters)
{
	struct pingpong *pp = ctx;
	struct mock_req req = { .version = MOCK_PROTO_VERSION, .op = MOCK_OP_IOCTL };
	struct mock_reply rep;

	for (long i = 0; i < iters; i++) {
		if (send(pp->fd, &req, sizeof(req), 0) != (ssize_t)sizeof(req) ||
		    recv(pp->fd, &rep, sizeof(rep), 0) != (ssize_t)sizeof(rep))
			return -1;
	}
	return 0;
}

static double bench_baseline(long iters)
{
	struct pingpong pp;
	int sv[2], st;
	double ns;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* The echo side mirrors the daemon: a poll, a receive, a reply. */
		struct mock_req req;
		struct mock_reply rep = { 0 };
		struct pollfd p = { .fd = sv[1], .events = POLLIN };

		close(sv[0]);
		for (;;) {
			if (poll(&p, 1, -1) < 0 && errno != EINTR)
				_exit(1);
			if (recv(sv[1], &req, sizeof(req), 0) <= 0)
				_exit(0);
			if (send(sv[1], &rep, sizeof(rep), 0) != (ssize_t)sizeof(rep))
				_exit(1);
		}
	}
	close(sv[1]);
	pp.fd = sv[0];
	ns = measure(pingpong_run, &pp, iters);
	close(sv[0]);
	waitpid(pid, &st, 0);
	return ns;
}

/* ---- the core alone, in this process ---- */

struct core_ctx {
	struct mock_file *f;
	struct mock_task task;
};

static int core_destroy_run(void *ctx, long iters)
{
	struct core_ctx *c = ctx;
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = 0 };

	for (long i = 0; i < iters; i++) {
		struct mock_call call;

		mock_call_init(&call, &c->task);
		if (mock_ioctl(c->f, IOMMU_DESTROY, (unsigned long)(uintptr_t)&cmd, &call) !=
		    -ENOENT)
			return -1;
	}
	return 0;
}

static double bench_core(long iters)
{
	struct mock_kernel_config cfg = { .sz = sizeof(cfg), .devices = "" };
	struct mock_kernel *k;
	struct core_ctx c = { .task = { .pid = getpid(), .tid = gettid(), .uid = getuid() } };
	double ns = -1;

	if (mock_kernel_new(&cfg, &k))
		return -1;
	if (!mock_open(k, "/dev/iommu", O_RDWR, &c.task, &c.f)) {
		ns = measure(core_destroy_run, &c, iters);
		mock_release(c.f);
	}
	mock_kernel_free(k);
	return ns;
}

/* ---- through the shim and the daemon ---- */

struct fd_ctx {
	int fd;
};

static int ioctl_destroy_run(void *ctx, long iters)
{
	struct fd_ctx *c = ctx;
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = 0 };

	for (long i = 0; i < iters; i++)
		if (ioctl(c->fd, IOMMU_DESTROY, &cmd) != -1 || errno != ENOENT)
			return -1;
	return 0;
}

static int ioctl_alloc_destroy_run(void *ctx, long iters)
{
	struct fd_ctx *c = ctx;

	for (long i = 0; i < iters; i++) {
		struct iommu_ioas_alloc a = { .size = sizeof(a) };
		struct iommu_destroy d = { .size = sizeof(d) };

		if (ioctl(c->fd, IOMMU_IOAS_ALLOC, &a))
			return -1;
		d.id = a.out_ioas_id;
		if (ioctl(c->fd, IOMMU_DESTROY, &d))
			return -1;
	}
	return 0;
}

static int read_run(void *ctx, long iters)
{
	struct fd_ctx *c = ctx;
	char buf[256];

	for (long i = 0; i < iters; i++)
		if (read(c->fd, buf, sizeof(buf)) < 0)
			return -1;
	return 0;
}

static int pread_run(void *ctx, long iters)
{
	struct fd_ctx *c = ctx;
	char buf[64];

	for (long i = 0; i < iters; i++)
		if (pread(c->fd, buf, sizeof(buf), 0) != -1 || errno != ESPIPE)
			return -1;
	return 0;
}

static void print_row(const struct row *r, double base)
{
	if (r->ns < 0) {
		printf("  %-36s %12s\n", r->name, "n/a");
		return;
	}
	printf("  %-36s %9.2f us %8.2fx\n", r->name, r->ns / 1000.0,
	       base > 0 ? r->ns / base : 0.0);
}

/* Pin to the CPU we run on; children and the private daemon inherit it. */
static int pin_here(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -1 : cpu;
}

int main(int argc, char **argv)
{
	bool pin = true;
	long iters;
	int cpu = -1;
	struct row rows[8];
	unsigned int n = 0;
	struct fd_ctx c = { -1 };
	double base;
	int fd, qfd = -1;

	if (argc > 1 && !strcmp(argv[1], "--no-pin")) {
		pin = false;
		argc--;
		argv++;
	}
	iters = argc > 1 ? atol(argv[1]) : 5000;
	if (iters <= 0 || argc > 2) {
		fprintf(stderr, "usage: bench-transport [--no-pin] [ITERATIONS]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (pin)
		cpu = pin_here();
	/* A private daemon, started from here: pinned with us, and fresh. */
	unsetenv(MOCK_ENV_SOCKET);
	base = bench_baseline(iters);
	rows[n++] = (struct row){ "baseline: SEQPACKET round trip", base };
	rows[n++] = (struct row){ "core only: mock_ioctl(DESTROY)", bench_core(iters) };

	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "bench-transport: open /dev/iommu through the mock: %s\n",
			strerror(errno));
		return 1;
	}
	c.fd = fd;
	rows[n++] = (struct row){ "ioctl(IOMMU_DESTROY) -> ENOENT",
				  measure(ioctl_destroy_run, &c, iters) };
	rows[n++] = (struct row){ "ioctl IOAS_ALLOC + DESTROY (per call)",
				  measure(ioctl_alloc_destroy_run, &c, iters / 2) / 2 };
	rows[n++] = (struct row){ "pread on /dev/iommu -> ESPIPE", measure(pread_run, &c, iters) };
	{
		struct iommu_fault_alloc fa = { .size = sizeof(fa) };

		if (ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fa) == 0)
			qfd = (int)fa.out_fault_fd;
	}
	c.fd = qfd;
	rows[n++] = (struct row){ "read of an empty fault queue",
				  qfd >= 0 ? measure(read_run, &c, iters) : -1 };
	if (qfd >= 0)
		close(qfd);
	close(fd);

	printf("kmod-mock transport, %ld iterations x %d batches (median), ", iters, BATCHES);
	if (cpu >= 0)
		printf("all processes on CPU %d:\n", cpu);
	else
		printf("not pinned:\n");
	printf("  %-36s %12s %9s\n", "operation", "per op", "vs base");
	for (unsigned int i = 0; i < n; i++)
		print_row(&rows[i], base);
	if (base > 0 && rows[2].ns > 0) {
		double ratio = rows[2].ns / base;

		printf("target: ioctl through shim + daemon <= %.1fx baseline: %.2fx, %s\n",
		       TARGET_RATIO, ratio, ratio <= TARGET_RATIO ? "met" : "NOT met");
	}
	return 0;
}
