/*
 * bench.h: what the bench programs agree on (job names of a filled
 * repository, the clock they time with). Benchmark code only.
 */
#ifndef PR_BENCH_H
#define PR_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Job i of a repository filled by bench_fill. */
#define BENCH_JOB_FMT	"https://wms.example.org:9000/bench/%08ld"

static inline void
bench_job_name(char *buf, size_t size, long i)
{
	snprintf(buf, size, BENCH_JOB_FMT, i);
}

/* CLOCK_MONOTONIC in milliseconds, with the fraction (timings below 1 ms). */
static inline double
bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* qsort order of doubles, smallest first. */
static inline int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The p-th percentile (0..100) of n values sorted by bench_cmp_double. */
static inline double
bench_pct(const double *sorted, long n, double p)
{
	return sorted[(long)(p / 100 * (n - 1) + 0.5)];
}

#endif /* PR_BENCH_H */
