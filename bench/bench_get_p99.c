/*
 * bench_get_p99.c: latency percentiles of GET through libproxyrenew, for
 * the idle-connection comparison of issue 9 defect 4 (bench/idle.sh).
 *
 *   bench_get_p99 PROXY_FILE SERVER N_GET
 *
 * Registers one job, then times N_GET GETs of it one by one and prints
 * "p50_ms X p99_ms Y". The socket comes from PROXY_RENEWD_SOCKET.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <glite/security/proxyrenewal/renewal.h>

#include "bench.h"

#define JOBID	"https://wms.example.org:9000/bench/p99"

int
main(int argc, char **argv)
{
	double *lat, t0;
	char *path = NULL;
	long i, n;
	int rc;

	if (argc != 4 || (n = strtol(argv[3], NULL, 10)) < 1 || n > 10000000) {
		fprintf(stderr, "usage: bench_get_p99 PROXY SERVER N_GET\n");
		return 2;
	}
	if ((rc = glite_renewal_RegisterProxy(argv[1], argv[2], 0, JOBID, 0,
	    &path)) != 0) {
		fprintf(stderr, "register: %s\n", edg_wlpr_GetErrorText(rc));
		return 1;
	}
	free(path);
	if ((lat = calloc((size_t)n, sizeof(*lat))) == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		t0 = bench_now_ms();
		path = NULL;
		if ((rc = glite_renewal_GetProxy(JOBID, &path)) != 0) {
			fprintf(stderr, "get %ld: %s\n", i,
			    edg_wlpr_GetErrorText(rc));
			return 1;
		}
		free(path);
		lat[i] = bench_now_ms() - t0;
	}
	qsort(lat, (size_t)n, sizeof(*lat), bench_cmp_double);
	printf("p50_ms %.3f p99_ms %.3f\n", bench_pct(lat, n, 50),
	    bench_pct(lat, n, 99));
	free(lat);
	return 0;
}
