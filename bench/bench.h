/* SPDX-License-Identifier: MIT */
/*
 * bench.h - the clock and sorting helpers the issue 7 benchmarks share
 * (header-only: each benchmark is one program).
 */
#ifndef LIBIOMMUFD_BENCH_H
#define LIBIOMMUFD_BENCH_H

#include <stdlib.h>
#include <time.h>

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of @v[0, n) (n >= 1); sorts @v. */
static inline double median_double(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

#endif /* LIBIOMMUFD_BENCH_H */
