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
 * The verdict is taken side by side: batches of the baseline and of the
 * ioctl alternate, and the ratio is the median of the per-pair ratios, so
 * that load from other jobs that comes and goes falls on both alike. The
 * baseline's messages are as long as the shim's: the request header plus
 * the inline argument (struct iommu_destroy) and the reply header. The pairs
 * also count CPU time (both processes' on-CPU nanoseconds from schedstat),
 * which waiting for a CPU the other jobs hold does not inflate.
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
#include <limits.h>
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
#include "iommufd-mock.h"
#include "iommufd-uapi.h"
#include "proto.h"

#define BATCHES 7
#define PAIRS 15
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

/* On-CPU nanoseconds so far of thread @tid of @pid (of all of @pid if @tid is 0); -1 if unknown. */
static double cpu_ns(pid_t pid, pid_t tid)
{
	char path[64];
	unsigned long long ns;
	FILE *f;
	int ok;

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	ok = fscanf(f, "%llu", &ns) == 1;
	fclose(f);
	return ok ? (double)ns : -1;
}

/* On-CPU time of this thread and of the serving process @peer together. */
static double both_cpu_ns(pid_t peer)
{
	double a = cpu_ns(getpid(), gettid()), b = cpu_ns(peer, 0);

	return a < 0 || b < 0 ? -1 : a + b;
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

/* What the shim sends for ioctl(IOMMU_DESTROY): the header and the inline argument. */
#define BASE_REQ_LEN (sizeof(struct mock_req) + sizeof(struct iommu_destroy))
#define BASE_REP_LEN sizeof(struct mock_reply)

struct pingpong {
	int fd;
	pid_t pid;
};

static int pingpong_run(void *ctx, long iters)
{
	struct pingpong *pp = ctx;
	union {
		struct mock_req req;
		char raw[BASE_REQ_LEN];
	} req = { .req = { .version = MOCK_PROTO_VERSION, .op = MOCK_OP_IOCTL } };
	union {
		struct mock_reply rep;
		char raw[MOCK_PROTO_REPLY_MAX];
	} rep;

	for (long i = 0; i < iters; i++) {
		if (send(pp->fd, &req, BASE_REQ_LEN, 0) != (ssize_t)BASE_REQ_LEN ||
		    recv(pp->fd, &rep, sizeof(rep), 0) != (ssize_t)BASE_REP_LEN)
			return -1;
	}
	return 0;
}

/* The echo process of the baseline; it lives until pingpong_stop(). */
static int pingpong_start(struct pingpong *pp)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -1;
	pp->pid = fork();
	if (pp->pid < 0)
		return -1;
	if (pp->pid == 0) {
		/* The echo side mirrors the daemon: a poll, a receive, a reply. */
		char req[MOCK_PROTO_REPLY_MAX + PATH_MAX];
		struct mock_reply rep = { 0 };
		struct pollfd p = { .fd = sv[1], .events = POLLIN };

		close(sv[0]);
		for (;;) {
			if (poll(&p, 1, -1) < 0 && errno != EINTR)
				_exit(1);
			if (recv(sv[1], req, sizeof(req), 0) <= 0)
				_exit(0);
			if (send(sv[1], &rep, BASE_REP_LEN, 0) != (ssize_t)BASE_REP_LEN)
				_exit(1);
		}
	}
	close(sv[1]);
	pp->fd = sv[0];
	return 0;
}

static void pingpong_stop(struct pingpong *pp)
{
	int st;

	close(pp->fd);
	waitpid(pp->pid, &st, 0);
}

static double bench_baseline(long iters)
{
	struct pingpong pp;
	double ns;

	if (pingpong_start(&pp))
		return -1;
	ns = measure(pingpong_run, &pp, iters);
	pingpong_stop(&pp);
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
	/* A whole number of records, or the fault queue answers ESPIPE. */
	struct iommu_hwpt_pgfault buf[4];

	for (long i = 0; i < iters; i++)
		if (read(c->fd, buf, sizeof(buf)) < 0)
			return -1;
	return 0;
}

/*
 * Side by side: PAIRS batches of the baseline and of ioctl(IOMMU_DESTROY),
 * alternating; the median of the per-pair ratios, and of each side's times.
 */
struct pair_result {
	double ratio, base_ns, ioctl_ns;          /* wall time, medians */
	double cpu_ratio, base_cpu_ns, ioctl_cpu_ns; /* on-CPU time of both sides, medians */
};

static int bench_pairs(int fd, long iters, struct pair_result *res)
{
	struct pingpong pp;
	struct fd_ctx c = { fd };
	double r[PAIRS], b[PAIRS], t[PAIRS], cr[PAIRS], cb[PAIRS], ct[PAIRS];
	pid_t mockd = iommufd_mock_daemon_pid();

	if (pingpong_start(&pp))
		return -1;
	if (pingpong_run(&pp, iters / 10 + 1) || ioctl_destroy_run(&c, iters / 10 + 1)) {
		pingpong_stop(&pp);
		return -1;
	}
	for (int i = 0; i < PAIRS; i++) {
		double c0 = both_cpu_ns(pp.pid), t0 = now_ns(), t1, t2, c1, c2, c3;

		if (pingpong_run(&pp, iters))
			break;
		t1 = now_ns();
		c1 = both_cpu_ns(pp.pid);
		c2 = both_cpu_ns(mockd);
		t2 = now_ns();
		if (ioctl_destroy_run(&c, iters))
			break;
		t2 = (now_ns() - t2);
		c3 = both_cpu_ns(mockd);
		b[i] = (t1 - t0) / (double)iters;
		t[i] = t2 / (double)iters;
		r[i] = t[i] / b[i];
		cb[i] = (c1 - c0) / (double)iters;
		ct[i] = (c3 - c2) / (double)iters;
		cr[i] = c0 < 0 || c2 < 0 || mockd <= 0 ? -1 : ct[i] / cb[i];
		if (i == PAIRS - 1) {
			pingpong_stop(&pp);
			qsort(r, PAIRS, sizeof(r[0]), cmp_double);
			qsort(b, PAIRS, sizeof(b[0]), cmp_double);
			qsort(t, PAIRS, sizeof(t[0]), cmp_double);
			qsort(cr, PAIRS, sizeof(cr[0]), cmp_double);
			qsort(cb, PAIRS, sizeof(cb[0]), cmp_double);
			qsort(ct, PAIRS, sizeof(ct[0]), cmp_double);
			*res = (struct pair_result){ r[PAIRS / 2], b[PAIRS / 2], t[PAIRS / 2],
						     cr[0] < 0 ? -1 : cr[PAIRS / 2], cb[PAIRS / 2],
						     ct[PAIRS / 2] };
			return 0;
		}
	}
	pingpong_stop(&pp);
	return -1;
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
	struct pair_result pr = { .ratio = -1 };
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
	if (bench_pairs(fd, iters / 2, &pr))
		pr.ratio = -1;
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
	if (pr.ratio > 0) {
		printf("side by side, %d alternating batch pairs of %ld (medians):\n", PAIRS,
		       iters / 2);
		printf("  wall: baseline %.2f us, ioctl(IOMMU_DESTROY) %.2f us, ratio %.2fx\n",
		       pr.base_ns / 1000.0, pr.ioctl_ns / 1000.0, pr.ratio);
		if (pr.cpu_ratio > 0)
			printf("  CPU (both processes): baseline %.2f us, ioctl %.2f us, ratio %.2fx\n",
			       pr.base_cpu_ns / 1000.0, pr.ioctl_cpu_ns / 1000.0, pr.cpu_ratio);
		printf("target: ioctl through shim + daemon <= %.1fx baseline, side by side: %.2fx",
		       TARGET_RATIO, pr.ratio);
		if (pr.cpu_ratio > 0)
			printf(" (CPU time %.2fx)", pr.cpu_ratio);
		printf(", %s\n", pr.ratio <= TARGET_RATIO ? "met" : "NOT met");
	}
	return 0;
}
