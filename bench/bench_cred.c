/*
 * bench_cred.c: the time cred_inspect takes per proxy (REGISTER spends
 * most of its CPU there).
 *
 *   bench_cred PROXY_FILE N
 *
 * Reads the file once, inspects it N times with a decoder made for each
 * call (cred_inspect), N times with one decoder reused (cred_inspect_with,
 * what the daemon does) and N times through the daemon's memo
 * (cred_inspect_memo: the same bytes again, a hit after the first); the
 * baseline, N times, is OpenSSL's own calls for the same checks
 * (PEM_X509_INFO_read_bio, X509_check_private_key, X509_verify: each
 * certificate's key decoded by a decoder built for it). Alternating in
 * blocks; prints, per inspection,
 *   n=N openssl_ms=W fresh_ms=X reused_ms=Y memo_hit_ms=Z
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

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

/* The baseline: the key matches the first certificate, which the second signed. */
static int
openssl_checks(const char *pem, size_t len)
{
	STACK_OF(X509_INFO) *infos;
	X509_INFO *first, *second;
	BIO *bio;
	int ok;

	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return -1;
	infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ok = infos != NULL && sk_X509_INFO_num(infos) >= 2;
	if (ok) {
		first = sk_X509_INFO_value(infos, 0);
		second = sk_X509_INFO_value(infos, 1);
		ok = first->x509 != NULL && first->x_pkey != NULL &&
		    second->x509 != NULL &&
		    X509_check_private_key(first->x509,
		    first->x_pkey->dec_pkey) == 1 &&
		    X509_verify(first->x509,
		    X509_get0_pubkey(second->x509)) == 1;
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	ERR_clear_error();
	return ok ? 0 : -1;
}

static double
openssl_ms(const char *pem, size_t len, long n)
{
	double t0 = bench_now_ms();
	long i;

	for (i = 0; i < n; i++)
		if (openssl_checks(pem, len) != 0) {
			fprintf(stderr, "bench_cred: OpenSSL refused the file\n");
			exit(1);
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
	double base = 0, fresh = 0, reused = 0, hit = 0;
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
		base += openssl_ms(pem, len, n / 10) / 10;
		fresh += per_parse_ms(NULL, NULL, pem, len, n / 10) / 10;
		reused += per_parse_ms(NULL, dec, pem, len, n / 10) / 10;
		hit += per_parse_ms(memo, NULL, pem, len, n / 10) / 10;
	}
	printf("n=%ld openssl_ms=%.3f fresh_ms=%.3f reused_ms=%.3f "
	    "memo_hit_ms=%.4f\n", n, base, fresh, reused, hit);
	cred_memo_free(memo);
	cred_decoder_free(dec);
	free(pem);
	return 0;
}
