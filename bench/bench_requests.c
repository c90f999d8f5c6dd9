/*
 * bench_requests.c: requests per second of a running proxy-renewd, measured
 * through the public gLite API (libproxyrenew), as a job manager sees it.
 *
 *   bench_requests PROXY_FILE SERVER N_JOBS N_GET
 *
 * Registers N_JOBS jobs (all sharing one stored proxy, as jobs of one user
 * do), then performs N_GET GETs of random registered jobs, and prints the
 * rate of each phase. The socket comes from PROXY_RENEWD_SOCKET.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glite/security/proxyrenewal/renewal.h>

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long
parse_count(const char *s, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v <= 0 || v > 10000000) {
		fprintf(stderr, "bench_requests: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static void
job_name(char *buf, size_t size, long i)
{
	snprintf(buf, size, "https://wms.example.org:9000/bench/%08ld", i);
}

static int
phase_register(const char *proxy, const char *server, long n)
{
	char jobid[128], *path;
	double t0 = now_sec(), dt;
	long i;
	int rc;

	for (i = 0; i < n; i++) {
		job_name(jobid, sizeof(jobid), i);
		path = NULL;
		rc = glite_renewal_RegisterProxy(proxy, server, 0, jobid, 0, &path);
		if (rc != 0) {
			fprintf(stderr, "register %ld: %s\n", i, edg_wlpr_GetErrorText(rc));
			return -1;
		}
		free(path);
	}
	dt = now_sec() - t0;
	printf("REGISTER: %ld requests in %.3f s: %.0f req/s (%.3f ms each)\n",
	    n, dt, n / dt, dt * 1000 / n);
	return 0;
}

static int
phase_get(long n_jobs, long n)
{
	char jobid[128], *path;
	double t0 = now_sec(), dt;
	long i;
	int rc;

	srand(1);
	for (i = 0; i < n; i++) {
		job_name(jobid, sizeof(jobid), rand() % n_jobs);
		path = NULL;
		rc = glite_renewal_GetProxy(jobid, &path);
		if (rc != 0) {
			fprintf(stderr, "get %ld: %s\n", i, edg_wlpr_GetErrorText(rc));
			return -1;
		}
		free(path);
	}
	dt = now_sec() - t0;
	printf("GET (%ld jobs registered): %ld requests in %.3f s: %.0f req/s (%.3f ms each)\n",
	    n_jobs, n, dt, n / dt, dt * 1000 / n);
	return 0;
}

int
main(int argc, char **argv)
{
	long n_jobs, n_get;

	if (argc != 5) {
		fprintf(stderr, "usage: bench_requests PROXY_FILE SERVER N_JOBS N_GET\n");
		return 2;
	}
	n_jobs = parse_count(argv[3], "N_JOBS");
	n_get = parse_count(argv[4], "N_GET");
	if (phase_register(argv[1], argv[2], n_jobs) != 0)
		return 1;
	if (phase_get(n_jobs, n_get) != 0)
		return 1;
	return 0;
}
