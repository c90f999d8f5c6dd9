/*
 * bench_requests.c: requests per second and latency of a running
 * proxy-renewd, through the public gLite API (libproxyrenew), as job
 * managers see it. The socket comes from PROXY_RENEWD_SOCKET.
 *
 *   bench_requests get CLIENTS N N_JOBS
 *       N GETs of random jobs among the N_JOBS of a bench_fill repository
 *   bench_requests register CLIENTS N TAG SERVER PROXY...
 *       N REGISTERs of new jobs (".../reg/TAG/<client>/<i>"), request k
 *       using PROXY number k modulo their count: one already registered
 *       proxy = every request joins it; N fresh identities = every request
 *       creates a record and a repository file
 *
 * CLIENTS processes (fork) share the N requests and start together; each
 * request is one connection, as with gLite. Prints one line:
 *   clients=C n=N secs=S rate=R p50_ms= p90_ms= p99_ms= max_ms=
 *   client_us= idle_pct=
 * client_us: the clients' CPU per request (user + system, getrusage);
 * idle_pct: the machine's idle share while they ran (/proc/stat, all
 * CPUs, idle + iowait). With the daemon's CPU per request they say where
 * a change of rate went: into a process, or into waiting.
 * Exit 1 on the first failed request (its message on stderr).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glite/security/proxyrenewal/renewal.h>

#include "bench.h"

struct spec {
	int is_get;
	long n_jobs;		/* get: jobs to pick from */
	const char *tag;	/* register: job id part of this run */
	const char *server;
	char **proxies;
	long n_proxies;
};

static long
parse_count(const char *s, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v <= 0 || v > 100000000) {
		fprintf(stderr, "bench_requests: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static int
one_request(const struct spec *sp, int client, long k, unsigned *seed)
{
	char jobid[256], *path = NULL;
	int rc;

	if (sp->is_get) {
		bench_job_name(jobid, sizeof(jobid), rand_r(seed) % sp->n_jobs);
		rc = glite_renewal_GetProxy(jobid, &path);
	} else {
		snprintf(jobid, sizeof(jobid),
		    "https://wms.example.org:9000/reg/%s/%d/%ld", sp->tag,
		    client, k);
		rc = glite_renewal_RegisterProxy(sp->proxies[k % sp->n_proxies],
		    sp->server, 0, jobid, 0, &path);
	}
	if (rc != 0)
		fprintf(stderr, "bench_requests: %s %s: %s\n",
		    sp->is_get ? "GET" : "REGISTER", jobid,
		    edg_wlpr_GetErrorText(rc));
	free(path);
	return rc;
}

/* Child: requests [from, to) of the shared latency array; exits. */
static void
client_run(const struct spec *sp, int client, long from, long to,
    double *lat_ms, int start_fd)
{
	unsigned seed = (unsigned)client * 7919u + 1;
	char go;
	double t;
	long k;

	if (read(start_fd, &go, 1) != 0)	/* released when closed */
		_exit(1);
	for (k = from; k < to; k++) {
		t = bench_now_ms();
		if (one_request(sp, client, k, &seed) != 0)
			_exit(1);
		lat_ms[k] = bench_now_ms() - t;
	}
	_exit(0);
}

/* Idle and total ticks of all CPUs (/proc/stat); 0 and 0 when unreadable. */
static void
cpu_ticks(unsigned long long *idle, unsigned long long *total)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int i;

	*idle = *total = 0;
	if (f == NULL)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
		for (i = 0; i < 8; i++)
			*total += v[i];
		*idle = v[3] + v[4];
	}
	(void)fclose(f);
}

static double
children_cpu_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_CHILDREN, &ru) == -1)
		return 0;
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static int
run(const struct spec *sp, int clients, long n)
{
	double *lat, t0, secs;
	unsigned long long idle0, total0, idle1, total1;
	int start[2], c, status, failed = 0;

	lat = mmap(NULL, (size_t)n * sizeof(double), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (lat == MAP_FAILED || pipe(start) == -1)
		return 1;
	for (c = 0; c < clients; c++) {
		pid_t pid = fork();

		if (pid == -1)
			return 1;
		if (pid == 0) {
			close(start[1]);
			client_run(sp, c, n * c / clients, n * (c + 1) / clients,
			    lat, start[0]);
		}
	}
	close(start[0]);
	cpu_ticks(&idle0, &total0);
	t0 = bench_now_ms();
	close(start[1]);		/* go */
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	secs = (bench_now_ms() - t0) / 1e3;
	cpu_ticks(&idle1, &total1);
	if (failed)
		return 1;
	qsort(lat, (size_t)n, sizeof(double), bench_cmp_double);
	printf("clients=%d n=%ld secs=%.3f rate=%.0f p50_ms=%.3f p90_ms=%.3f "
	    "p99_ms=%.3f max_ms=%.3f client_us=%.1f idle_pct=%.1f\n", clients,
	    n, secs, n / secs, bench_pct(lat, n, 50), bench_pct(lat, n, 90),
	    bench_pct(lat, n, 99), lat[n - 1], children_cpu_us() / n,
	    total1 > total0 ? 100.0 * (double)(idle1 - idle0) /
	    (double)(total1 - total0) : 0.0);
	return 0;
}

int
main(int argc, char **argv)
{
	struct spec sp;
	int clients;
	long n;

	memset(&sp, 0, sizeof(sp));
	if (argc == 5 && strcmp(argv[1], "get") == 0) {
		sp.is_get = 1;
		sp.n_jobs = parse_count(argv[4], "N_JOBS");
	} else if (argc >= 6 && strcmp(argv[1], "register") == 0) {
		sp.tag = argv[4];
		sp.server = argv[5];
		sp.proxies = argv + 6;
		sp.n_proxies = argc - 6;
	} else {
		fprintf(stderr, "usage: bench_requests get CLIENTS N N_JOBS\n"
		    "       bench_requests register CLIENTS N TAG SERVER "
		    "PROXY...\n");
		return 2;
	}
	if (!sp.is_get && sp.n_proxies == 0) {
		fprintf(stderr, "bench_requests: register needs a PROXY\n");
		return 2;
	}
	clients = (int)parse_count(argv[2], "CLIENTS");
	n = parse_count(argv[3], "N");
	if (clients > 256 || n < clients) {
		fprintf(stderr, "bench_requests: 1..256 clients, N >= CLIENTS\n");
		return 2;
	}
	return run(&sp, clients, n);
}
