/*
 * bench_fill.c: fill a stopped daemon's repository with many jobs, fast.
 *
 *   bench_fill REPO N_JOBS N_PROXIES PEM_FILE SERVERS
 *
 * REPO must hold a repository.db the daemon created (schema in place) and
 * nothing else registered. Adds N_PROXIES proxy records ("fill <i>"
 * identities, valid 12 h, next renewal in 9 h: nothing falls due during a
 * bench) and N_JOBS jobs spread round-robin over them (job i is
 * BENCH_JOB_FMT), in one transaction, and writes each record's repository
 * file as a copy of PEM_FILE (the start-up check wants the files; GET
 * never reads them). This is the schema's own SQL, not the daemon's code
 * path: REGISTER through the daemon is what bench_requests measures, and
 * a million of those would take the bench an hour.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bench.h"

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "bench_fill: %s: %s\n", what, why);
	exit(1);
}

static void
check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		die(what, sqlite3_errmsg(db));
}

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(1 << 20);

	if (f == NULL || buf == NULL)
		die(path, "cannot read");
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static void
write_copy(const char *repo, const char *file, const char *pem, size_t len)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", repo, file);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 || write(fd, pem, len) != (ssize_t)len || close(fd) != 0)
		die(path, "cannot write");
}

static void
fill_proxies(sqlite3 *db, const char *repo, long n, const char *servers,
    const char *pem, size_t pem_len)
{
	sqlite3_stmt *s;
	int64_t now = (int64_t)time(NULL);
	char identity[64], hash[65], file[80];
	long i;

	check(db, sqlite3_prepare_v2(db, "INSERT INTO proxy (id, identity,"
	    " identity_hash, file, suffix, servers, fqans, is_unique,"
	    " not_after, obtained, next_renewal, last_attempt, last_result,"
	    " last_error, failures, n_jobs) VALUES (?1, ?2, ?3, ?4, 0, ?5,"
	    " '', 0, ?6, ?7, ?8, 0, 0, '', 0, ?9)", -1, &s, NULL), "prepare");
	for (i = 1; i <= n; i++) {
		snprintf(identity, sizeof(identity), "/C=XX/O=Test/CN=fill %ld",
		    i);
		snprintf(hash, sizeof(hash), "%064lx", (unsigned long)i);
		snprintf(file, sizeof(file), "%s.0", hash);
		sqlite3_bind_int64(s, 1, i);
		sqlite3_bind_text(s, 2, identity, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, file, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, servers, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 6, now + 12 * 3600);
		sqlite3_bind_int64(s, 7, now);
		sqlite3_bind_int64(s, 8, now + 9 * 3600);
		sqlite3_bind_int64(s, 9, 0);
		check(db, sqlite3_step(s), "insert proxy");
		sqlite3_reset(s);
		write_copy(repo, file, pem, pem_len);
	}
	sqlite3_finalize(s);
}

static void
fill_jobs(sqlite3 *db, long n_jobs, long n_proxies)
{
	sqlite3_stmt *s;
	char job[128];
	long i;

	check(db, sqlite3_prepare_v2(db, "INSERT INTO job (job_id, proxy_id)"
	    " VALUES (?1, ?2)", -1, &s, NULL), "prepare");
	for (i = 0; i < n_jobs; i++) {
		bench_job_name(job, sizeof(job), i);
		sqlite3_bind_blob(s, 1, job, (int)strlen(job), SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, i % n_proxies + 1);
		check(db, sqlite3_step(s), "insert job");
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	check(db, sqlite3_exec(db, "UPDATE proxy SET n_jobs = (SELECT count(*)"
	    " FROM job WHERE proxy_id = proxy.id)", NULL, NULL, NULL),
	    "count jobs");
}

int
main(int argc, char **argv)
{
	char path[4096], *pem;
	size_t pem_len;
	sqlite3 *db;
	long n_jobs, n_proxies;

	if (argc != 6) {
		fprintf(stderr, "usage: bench_fill REPO N_JOBS N_PROXIES "
		    "PEM_FILE SERVERS\n");
		return 2;
	}
	n_jobs = strtol(argv[2], NULL, 10);
	n_proxies = strtol(argv[3], NULL, 10);
	if (n_jobs <= 0 || n_proxies <= 0 || n_proxies > n_jobs)
		die("counts", "need 0 < N_PROXIES <= N_JOBS");
	pem = read_all(argv[4], &pem_len);
	snprintf(path, sizeof(path), "%s/repository.db", argv[1]);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		die(path, "cannot open");
	check(db, sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), "begin");
	fill_proxies(db, argv[1], n_proxies, argv[5], pem, pem_len);
	fill_jobs(db, n_jobs, n_proxies);
	check(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit");
	sqlite3_close(db);
	free(pem);
	sync();
	return 0;
}
