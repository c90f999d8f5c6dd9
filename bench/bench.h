/*
 * bench.h: what the bench programs agree on (job names of a filled
 * repository). Benchmark code only.
 */
#ifndef PR_BENCH_H
#define PR_BENCH_H

#include <stdio.h>

/* Job i of a repository filled by bench_fill. */
#define BENCH_JOB_FMT	"https://wms.example.org:9000/bench/%08ld"

static inline void
bench_job_name(char *buf, size_t size, long i)
{
	snprintf(buf, size, BENCH_JOB_FMT, i);
}

#endif /* PR_BENCH_H */
