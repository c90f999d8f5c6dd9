/*
 * bench_cred.c: the time cred_inspect takes per proxy (REGISTER spends
 * most of its CPU there).
 *
 *   bench_cred PROXY_FILE N
 *
 * Reads the file once, inspects it N times with a decoder made for each
 * call (cred_inspect) and N times with one decoder reused
 * (cred_inspect_with, what the daemon does), alternating in blocks; prints
 * and N times through the daemon's memo (cred_inspect_memo: the same
 * bytes again, a hit after the first); prints
 *   n=N fresh_ms=X reused_ms=Y memo_hit_ms=Z      (per inspection)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"
#include "cred.h"

/*
 * Milliseconds per inspection of n: with memo when not NULL, else with dec
 * (NULL: a fresh decoder each).
 */
static double
per_parse_ms(struct cred_memo *memo, struct cred_decoder *dec,
    const char *pem, size_t len, long n)
{
	struct cred_info info;
	struct pr_error err;
	double t0 = bench_now_ms();
	long i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = memo ? cred_inspect_memo(memo, pem, len, time(NULL), &info,
		    &err) : cred_inspect_with(dec, pem, len, time(NULL), &info,
		    &err);
		if (rc != 0) {
			fprintf(stderr, "bench_cred: %s\n", err.msg);
			exit(1);
		}
		cred_info_free(&info);
	}
	return (bench_now_ms() - t0) / n;
}

int
main(int argc, char **argv)
{
	struct cred_decoder *dec;
	struct cred_memo *memo;
	struct pr_error err;
	char *pem;
	size_t len;
	long n;
	double fresh = 0, reused = 0, hit = 0;
	int round;

	if (argc != 3 || (n = strtol(argv[2], NULL, 10)) < 10) {
		fprintf(stderr, "usage: bench_cred PROXY_FILE N (N >= 10)\n");
		return 2;
	}
	if (cred_read_file(argv[1], 1 << 20, &pem, &len, &err) != 0) {
		fprintf(stderr, "bench_cred: %s\n", err.msg);
		return 1;
	}
	if ((dec = cred_decoder_new()) == NULL ||
	    (memo = cred_memo_new()) == NULL)
		return 1;
	for (round = 0; round < 10; round++) {
		fresh += per_parse_ms(NULL, NULL, pem, len, n / 10) / 10;
		reused += per_parse_ms(NULL, dec, pem, len, n / 10) / 10;
		hit += per_parse_ms(memo, NULL, pem, len, n / 10) / 10;
	}
	printf("n=%ld fresh_ms=%.3f reused_ms=%.3f memo_hit_ms=%.4f\n", n,
	    fresh, reused, hit);
	cred_memo_free(memo);
	cred_decoder_free(dec);
	free(pem);
	return 0;
}
