/*
 * bench_history.c: what the renewal audit trail costs a recorded attempt.
 *
 *   bench_history DIR N
 *
 * Opens a store in DIR (an empty directory, mode 0700), adds two proxies
 * and records N failed attempts on each, alternating one by one: on A
 * with the trail kept (the default 20, A's rows pruned at 20 after a
 * warm-up) and on B with none kept (--history 0): each attempt is the
 * daemon's own transaction (store_record_failed_attempt, synchronous=FULL,
 * so one WAL sync each). Then reads A's 20 rows N times (what HISTORY
 * does). Prints
 *   n=N none_ms=X kept_ms=Y read_ms=Z     (per attempt / per read)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "store.h"
#include "teststore_proxy.h"

#define WARM_UP	25	/* attempts on A before measuring: its rows pruned */

static int64_t
add_proxy(struct store *st, const char *hash)
{
	struct store_proxy p;
	struct pr_error err;
	char file[80];

	teststore_proxy(&p, file, sizeof(file), hash, 0, "localhost:7512",
	    (int64_t)time(NULL) + 86400);
	if (store_insert_proxy(st, &p, &err) != 0) {
		fprintf(stderr, "bench_history: %s\n", err.msg);
		exit(1);
	}
	return p.id;
}

/* One failed attempt on id with keep kept; its time in ms. */
static double
attempt(struct store *st, int64_t id, int keep, int64_t at)
{
	struct store_attempt a = { at, 31, 1907, "transient",
	    "localhost:7512 unreachable: connect to localhost:7512: "
	    "Connection refused", 0, 0, "renewal failed: localhost:7512: "
	    "Connection refused" };
	struct store_proxy p;
	struct pr_error err;
	double t0;
	int rc;

	if (store_get_proxy(st, id, &p, &err) != 0)
		goto fail;
	store_set_history_keep(st, keep);
	t0 = bench_now_ms();
	rc = store_record_failed_attempt(st, &p, at, 1907, a.message, at + 60,
	    &a, &err);
	t0 = bench_now_ms() - t0;
	store_proxy_free(&p);
	if (rc == 0)
		return t0;
fail:
	fprintf(stderr, "bench_history: %s\n", err.msg);
	exit(1);
}

static int
count_row(const struct store_attempt *a, void *arg)
{
	(void)a;
	++*(int *)arg;
	return 0;
}

int
main(int argc, char **argv)
{
	struct store *st;
	struct pr_error err;
	double none = 0, kept = 0, t0;
	int64_t a, b;
	long n, i;
	int rows = 0;

	if (argc != 3 || (n = strtol(argv[2], NULL, 10)) < 10) {
		fprintf(stderr, "usage: bench_history DIR N (N >= 10)\n");
		return 2;
	}
	if (store_open(argv[1], &st, &err) != 0) {
		fprintf(stderr, "bench_history: %s\n", err.msg);
		return 1;
	}
	a = add_proxy(st, "aa");
	b = add_proxy(st, "bb");
	for (i = 0; i < WARM_UP; i++)
		(void)attempt(st, a, STORE_HISTORY_DEFAULT, 1000 + i);
	for (i = 0; i < n; i++) {
		kept += attempt(st, a, STORE_HISTORY_DEFAULT, 2000 + i);
		none += attempt(st, b, 0, 2000 + i);
	}
	t0 = bench_now_ms();
	for (i = 0; i < n; i++)
		if (store_history_foreach(st, a, count_row, &rows, &err) != 0) {
			fprintf(stderr, "bench_history: %s\n", err.msg);
			return 1;
		}
	t0 = bench_now_ms() - t0;
	if (rows != n * STORE_HISTORY_DEFAULT) {
		fprintf(stderr, "bench_history: %d rows read, not %ld\n", rows,
		    n * STORE_HISTORY_DEFAULT);
		return 1;
	}
	printf("n=%ld none_ms=%.3f kept_ms=%.3f read_ms=%.4f\n", n, none / n,
	    kept / n, t0 / n);
	store_close(st);
	return 0;
}
