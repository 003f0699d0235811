// SPDX-License-Identifier: MIT
/*
 * stress.c - many users of one iommufd context at once, through the library
 * against the mock daemon: 8 threads doing mixed map / unmap / copy / attach
 * (selftest mock devices) / replace / detach / dirty-bitmap reads on two
 * shared IOASes, and forked processes mapping their own memory into the same
 * IOASes through the inherited context, for a given number of seconds
 * (the last argument, default 5). Every thread keeps its own book of what it mapped;
 * at the end the books must match the kernel: unmapping everything returns
 * exactly the bytes still booked, no page of any buffer stays pinned
 * (MD_CHECK_REFS 0), and once the context is closed the daemon holds as many
 * files as before it was opened.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <iommufd/iommufd.h>

#include "iommufd-mock.h"
#include "iommufd-uapi.h"
#include "iommufd_test.h"

#define NR_THREADS 8
#define NR_CHILDREN 2
#define NR_IOAS 2
#define NR_BUFS 8
#define BUF_PAGES 4
#define PAGE 4096UL
#define MAX_MAPS 64
#define NR_DEVS 2

struct mapping {
	int ioas;
	uint64_t iova;
	uint64_t len;
};

struct worker {
	unsigned int seed;
	uint8_t *bufs[NR_BUFS];
	struct mapping maps[MAX_MAPS];
	unsigned int nr_maps;
	uint32_t stdev[NR_DEVS], hwpt[NR_DEVS];
	uint64_t ops[8];
	uint64_t errors; /* unexpected results */
	char first_error[160];
};

enum { OP_MAP, OP_UNMAP, OP_COPY, OP_ATTACH, OP_REPLACE, OP_DETACH, OP_DIRTY, NR_OPS };
static const char *const op_names[NR_OPS] = {
	"map", "unmap", "copy", "attach", "replace", "detach", "dirty",
};

static struct iommufd_ctx *ctx;
static uint64_t va_base; /* where worker buffers go; 0: anywhere */
static struct iommufd_ioas *ioas[NR_IOAS];
static struct timespec deadline;

static void fail(struct worker *w, const char *what, int ret)
{
	if (!w->errors++)
		snprintf(w->first_error, sizeof(w->first_error), "%s: %d (%s)", what, ret,
			 strerror(ret < 0 ? -ret : ret));
}

static bool expired(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline.tv_sec ||
	       (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

static int test_cmd(struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	if (ioctl(iommufd_ctx_get_fd(ctx), IOMMU_TEST_CMD, cmd))
		return -errno;
	return 0;
}

static int check_refs(void *buf, uint64_t len, uint32_t refs)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = { .length = len, .uptr = (uintptr_t)buf, .refs = refs },
	};

	return test_cmd(&cmd);
}

static void book(struct worker *w, int i, uint64_t iova, uint64_t len)
{
	w->maps[w->nr_maps++] = (struct mapping){ .ioas = i, .iova = iova, .len = len };
}

static void do_map(struct worker *w)
{
	uint8_t *buf = w->bufs[rand_r(&w->seed) % NR_BUFS];
	uint64_t len = PAGE * (1 + rand_r(&w->seed) % BUF_PAGES);
	int i = rand_r(&w->seed) % NR_IOAS;
	uint64_t iova = 0;
	int ret;

	if (w->nr_maps == MAX_MAPS)
		return;
	ret = iommufd_ioas_map(ioas[i], buf, len, &iova, NULL);
	if (ret)
		fail(w, "map", ret);
	else
		book(w, i, iova, len);
}

static void do_unmap(struct worker *w)
{
	unsigned int k;
	uint64_t unmapped = 0;
	int ret;

	if (!w->nr_maps)
		return;
	k = rand_r(&w->seed) % w->nr_maps;
	ret = iommufd_ioas_unmap(ioas[w->maps[k].ioas], w->maps[k].iova, w->maps[k].len, &unmapped);
	if (ret || unmapped != w->maps[k].len)
		fail(w, "unmap", ret ? ret : (int)unmapped);
	w->maps[k] = w->maps[--w->nr_maps];
}

static void do_copy(struct worker *w)
{
	struct mapping *m;
	uint64_t iova = 0;
	int dst, ret;

	if (!w->nr_maps || w->nr_maps == MAX_MAPS)
		return;
	m = &w->maps[rand_r(&w->seed) % w->nr_maps];
	dst = rand_r(&w->seed) % NR_IOAS;
	ret = iommufd_ioas_copy(ioas[dst], ioas[m->ioas], m->iova, m->len, &iova, NULL);
	if (ret)
		fail(w, "copy", ret);
	else
		book(w, dst, iova, m->len);
}

static void do_attach(struct worker *w)
{
	unsigned int d = rand_r(&w->seed) % NR_DEVS;
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = iommufd_ioas_get_id(ioas[rand_r(&w->seed) % NR_IOAS]),
	};
	int ret;

	if (w->stdev[d])
		return;
	ret = test_cmd(&cmd);
	if (ret) {
		fail(w, "attach", ret);
		return;
	}
	w->stdev[d] = cmd.mock_domain.out_stdev_id;
	w->hwpt[d] = cmd.mock_domain.out_hwpt_id;
}

static void do_replace(struct worker *w)
{
	unsigned int d = rand_r(&w->seed) % NR_DEVS;
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = w->stdev[d],
		.mock_domain_replace = {
			.pt_id = iommufd_ioas_get_id(ioas[rand_r(&w->seed) % NR_IOAS]) },
	};
	int ret;

	if (!w->stdev[d])
		return;
	ret = test_cmd(&cmd);
	if (ret)
		fail(w, "replace", ret);
	else
		w->hwpt[d] = cmd.mock_domain_replace.pt_id;
}

static void do_detach(struct worker *w)
{
	unsigned int d = rand_r(&w->seed) % NR_DEVS;
	int ret;

	if (!w->stdev[d])
		return;
	ret = iommufd_ctx_destroy_id(ctx, w->stdev[d]);
	if (ret)
		fail(w, "detach", ret);
	w->stdev[d] = 0;
	w->hwpt[d] = 0;
}

/*
 * A dirty read of one of our mappings through the HWPT a device of ours is
 * on. Another thread may take the device's HWPT away meanwhile (only ours
 * move it, but an IOAS's auto domain is shared): ENOENT is fine then.
 */
static void do_dirty(struct worker *w)
{
	unsigned int d = rand_r(&w->seed) % NR_DEVS;
	struct iommufd_hwpt *hwpt;
	uint64_t bitmap[BUF_PAGES / 64 + 1];
	struct mapping *m;
	int ret;

	if (!w->stdev[d] || !w->nr_maps)
		return;
	m = &w->maps[rand_r(&w->seed) % w->nr_maps];
	ret = iommufd_hwpt_adopt(ctx, w->hwpt[d], &hwpt);
	if (ret) {
		/* the replace recorded an IOAS id, not a HWPT: nothing to read */
		return;
	}
	ret = iommufd_hwpt_set_dirty_tracking(hwpt, true);
	if (!ret)
		ret = iommufd_hwpt_get_dirty_bitmap(hwpt, m->iova, m->len, PAGE, bitmap, 0);
	/* a mapping of the other IOAS is not in this HWPT: -EINVAL/-ENOENT are the kernel's answers */
	if (ret && ret != -ENOENT && ret != -EINVAL && ret != -EOPNOTSUPP)
		fail(w, "dirty", ret);
	iommufd_hwpt_free(hwpt);
}

static void run(struct worker *w)
{
	while (!expired()) {
		unsigned int op = rand_r(&w->seed) % NR_OPS;

		switch (op) {
		case OP_MAP: do_map(w); break;
		case OP_UNMAP: do_unmap(w); break;
		case OP_COPY: do_copy(w); break;
		case OP_ATTACH: do_attach(w); break;
		case OP_REPLACE: do_replace(w); break;
		case OP_DETACH: do_detach(w); break;
		case OP_DIRTY: do_dirty(w); break;
		}
		w->ops[op]++;
	}
}

static int worker_init(struct worker *w, unsigned int seed)
{
	unsigned int i;

	memset(w, 0, sizeof(*w));
	w->seed = seed;
	for (i = 0; i < NR_BUFS; i++) {
		void *hint = va_base ? (void *)(uintptr_t)(va_base + i * BUF_PAGES * PAGE) : NULL;

		w->bufs[i] = mmap(hint, BUF_PAGES * PAGE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE |
					  (hint ? MAP_FIXED_NOREPLACE : 0), -1, 0);
		if (w->bufs[i] == MAP_FAILED)
			return -1;
		memset(w->bufs[i], (int)i, BUF_PAGES * PAGE);
	}
	return 0;
}

/* Unmaps what the worker booked, one mapping at a time (the children's way out). */
static void worker_unmap_own(struct worker *w)
{
	while (w->nr_maps)
		do_unmap(w);
	for (unsigned int d = 0; d < NR_DEVS; d++)
		if (w->stdev[d])
			do_detach(w);
}

static void *thread_main(void *arg)
{
	run(arg);
	return NULL;
}

static uint64_t total_ops(const struct worker *w)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < NR_OPS; i++)
		n += w->ops[i];
	return n;
}

/* A child: its own memory into the shared IOASes, then all of it out again. */
static int child_main(unsigned int seed, int wfd)
{
	static struct worker w;
	uint64_t n;
	unsigned int i;

	/*
	 * kmod-mock keys the pins of anonymous memory by virtual address alone
	 * (struct mock_pin_key), not by process: a child's buffers at the
	 * addresses of the parent's or the other child's would share their pin
	 * counts, and MD_CHECK_REFS would see the others' pins. Unless
	 * STRESS_SAME_VA is set (to show that divergence), each child puts its
	 * buffers at addresses of its own: above where a PIE binary and its heap
	 * can land and inside the application ranges of both ASan's and TSan's
	 * memory layouts (TSan kills a process that maps into its metadata).
	 */
	if (!getenv("STRESS_SAME_VA"))
		va_base = 0x567000000000ULL + (uint64_t)(seed - 999) * 0x10000000ULL;
	if (worker_init(&w, seed))
		_exit(2);
	run(&w);
	worker_unmap_own(&w);
	for (i = 0; i < NR_BUFS; i++) {
		int ret = check_refs(w.bufs[i], BUF_PAGES * PAGE, 0);

		if (ret) {
			uint32_t r;

			for (r = 1; r < 16 && check_refs(w.bufs[i], PAGE, r); r++)
				;
			fprintf(stderr, "stress: child %u buffer %u (%p): first page pinned %u times\n",
				seed, i, (void *)w.bufs[i], r);
			fail(&w, "child check_refs", ret);
		}
	}
	n = total_ops(&w);
	if (write(wfd, &n, sizeof(n)) != sizeof(n))
		_exit(3);
	if (w.errors)
		fprintf(stderr, "stress: child %u: %" PRIu64 " errors, first %s\n", seed,
			w.errors, w.first_error);
	_exit(w.errors ? 1 : 0);
}

int main(int argc, char **argv)
{
	static struct worker workers[NR_THREADS];
	pthread_t threads[NR_THREADS];
	pid_t children[NR_CHILDREN];
	uint64_t booked[NR_IOAS] = { 0 }, unmapped, child_ops = 0, ops[NR_OPS] = { 0 };
	/* The last argument: meson's --test-args come after the suite's own. */
	double seconds = argc > 1 ? atof(argv[argc - 1]) : 5;
	long files_before, files_after = -1;
	int pfd[2], ret, status = 0, i, t;
	unsigned int k;

	if (seconds <= 0) {
		fprintf(stderr, "usage: %s [SECONDS]\n", argv[0]);
		return 2;
	}
	if (!getenv("IOMMUFD_MOCKD")) {
		fprintf(stderr, "stress: not under the mock (IOMMUFD_MOCKD unset), skipped\n");
		return 77;
	}
	ret = iommufd_ctx_open(NULL, &ctx);
	if (ret) {
		fprintf(stderr, "stress: iommufd_ctx_open: %d\n", ret);
		return 1;
	}
	/* The daemon's files with just our context open: the baseline to come back to (minus 1). */
	files_before = iommufd_mock_daemon_files() - 1;
	for (i = 0; i < NR_IOAS; i++) {
		/* Inside the selftest domain's aperture, or its devices cannot attach. */
		const struct iommufd_iova_range aperture = {
			.start = MOCK_APERTURE_START, .last = MOCK_APERTURE_LAST,
		};

		ret = iommufd_ioas_create(ctx, &ioas[i]);
		if (!ret)
			ret = iommufd_ioas_allow_iovas(ioas[i], &aperture, 1);
		if (ret) {
			fprintf(stderr, "stress: ioas_create: %d\n", ret);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)seconds;
	deadline.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}

	/* Fork before any thread starts: the children inherit the context fd and handles. */
	if (pipe(pfd))
		return 1;
	for (i = 0; i < NR_CHILDREN; i++) {
		children[i] = fork();
		if (children[i] < 0)
			return 1;
		if (!children[i]) {
			close(pfd[0]);
			child_main(1000 + (unsigned int)i, pfd[1]);
		}
	}
	close(pfd[1]);

	for (t = 0; t < NR_THREADS; t++) {
		if (worker_init(&workers[t], 1 + (unsigned int)t))
			return 1;
		if (pthread_create(&threads[t], NULL, thread_main, &workers[t]))
			return 1;
	}
	for (t = 0; t < NR_THREADS; t++)
		pthread_join(threads[t], NULL);
	for (i = 0; i < NR_CHILDREN; i++) {
		int st;
		uint64_t n = 0;

		if (read(pfd[0], &n, sizeof(n)) == sizeof(n))
			child_ops += n;
		if (waitpid(children[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "stress: child %d failed (status 0x%x)\n", i, st);
			status = 1;
		}
	}
	close(pfd[0]);

	/* The books against the kernel. Devices first: they hold nothing we count. */
	for (t = 0; t < NR_THREADS; t++) {
		struct worker *w = &workers[t];

		for (k = 0; k < NR_DEVS; k++)
			if (w->stdev[k])
				do_detach(w);
		for (k = 0; k < w->nr_maps; k++)
			booked[w->maps[k].ioas] += w->maps[k].len;
		for (k = 0; k < NR_OPS; k++)
			ops[k] += w->ops[k];
		if (w->errors) {
			fprintf(stderr, "stress: thread %d: %" PRIu64 " errors, first %s\n", t,
				w->errors, w->first_error);
			status = 1;
		}
	}
	for (i = 0; i < NR_IOAS; i++) {
		ret = iommufd_ioas_unmap_all(ioas[i], &unmapped);
		if (ret || unmapped != booked[i]) {
			fprintf(stderr, "stress: IOAS %d: unmap_all %d, %" PRIu64
				" bytes unmapped, %" PRIu64 " booked\n", i, ret, unmapped, booked[i]);
			status = 1;
		}
	}
	for (t = 0; t < NR_THREADS; t++) {
		for (k = 0; k < NR_BUFS; k++) {
			ret = check_refs(workers[t].bufs[k], BUF_PAGES * PAGE, 0);
			if (ret) {
				fprintf(stderr, "stress: thread %d buffer %u still pinned (%d)\n", t, k,
					ret);
				status = 1;
			}
		}
	}
	iommufd_ctx_close(ctx);
	/* The daemon learns of the last close asynchronously: give it a moment. */
	for (i = 0; i < 200; i++) {
		files_after = iommufd_mock_daemon_files();
		if (files_after == files_before)
			break;
		usleep(10000);
	}
	if (files_after != files_before) {
		fprintf(stderr, "stress: daemon files %ld, %ld before\n", files_after, files_before);
		status = 1;
	}

	printf("stress: %.1f s, %d threads, %d children:", seconds, NR_THREADS, NR_CHILDREN);
	for (k = 0; k < NR_OPS; k++)
		printf(" %s %" PRIu64, op_names[k], ops[k]);
	printf("; children %" PRIu64 " ops; still mapped at the end %" PRIu64 "+%" PRIu64
	       " bytes; daemon files %ld -> %ld\n", child_ops, booked[0], booked[1],
	       files_before, files_after);
	printf("stress: %s\n", status ? "FAILED" : "ok");
	return status;
}
