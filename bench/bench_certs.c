/*
 * bench_certs.c: many distinct test identities, fast, for make bench.
 *
 *   bench_certs CA_DIR OUT_DIR PREFIX N MINUTES
 *
 * Issues N user certificates "/C=XX/O=Test/CN=PREFIX<i>" (i = 1..N) with
 * the CA in CA_DIR/ca/{cert,key}.pem (tests/integration/lib/ca.sh layout)
 * and writes, for each, OUT_DIR/PREFIX<i>/{cert,key}.pem (the user
 * credential, as ca_issue does) and OUT_DIR/PREFIX<i>.proxy (an RFC 3820
 * proxy valid MINUTES from now, grid-proxy-init layout).
 *
 * Every user and proxy shares ONE RSA-2048 key: only the certificates
 * differ. Making 100k distinct keys would take hours; the daemon never
 * compares keys between identities, so the shared key changes nothing it
 * measures (RESULTS.md says so).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/pem.h>

#include "testcert.h"

static void
die(const char *what, const char *arg)
{
	fprintf(stderr, "bench_certs: %s %s\n", what, arg ? arg : "");
	exit(1);
}

static void
read_ca(const char *dir, struct tc_cred *ca)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ca/cert.pem", dir);
	if ((f = fopen(path, "r")) == NULL ||
	    (ca->cert = PEM_read_X509(f, NULL, NULL, NULL)) == NULL)
		die("cannot read", path);
	fclose(f);
	snprintf(path, sizeof(path), "%s/ca/key.pem", dir);
	if ((f = fopen(path, "r")) == NULL ||
	    (ca->key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL)
		die("cannot read", path);
	fclose(f);
}

static void
write_pem(const char *path, X509 *first, EVP_PKEY *key, X509 *chain)
{
	size_t len;
	char *pem = tc_pem(first, key, 1, chain ? &chain : NULL,
	    chain ? 1 : 0, &len);

	tc_write_file(path, pem, len);
	free(pem);
}

static void
one_identity(const struct tc_cred *ca, const char *out, const char *prefix,
    long i, int64_t now, long minutes)
{
	struct tc_cred user, proxy;
	char dn[256], path[4096];

	snprintf(dn, sizeof(dn), "/C=XX/O=Test/CN=%s%ld", prefix, i);
	tc_user(&user, ca, dn, now - 3600, now + 30 * 86400);
	tc_proxy(&proxy, &user, TC_PROXY_RFC, now - 300, now + minutes * 60);
	snprintf(path, sizeof(path), "%s/%s%ld", out, prefix, i);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		die("mkdir", path);
	snprintf(path, sizeof(path), "%s/%s%ld/cert.pem", out, prefix, i);
	write_pem(path, user.cert, NULL, NULL);
	(void)chmod(path, 0644);	/* as ca_issue leaves it */
	snprintf(path, sizeof(path), "%s/%s%ld/key.pem", out, prefix, i);
	write_pem(path, NULL, user.key, NULL);
	snprintf(path, sizeof(path), "%s/%s%ld.proxy", out, prefix, i);
	write_pem(path, proxy.cert, proxy.key, user.cert);
	tc_cred_free(&proxy);
	tc_cred_free(&user);
}

int
main(int argc, char **argv)
{
	struct tc_cred ca;
	EVP_PKEY *shared;
	long n, minutes, i;
	int64_t now = (int64_t)time(NULL);

	if (argc != 6) {
		fprintf(stderr, "usage: bench_certs CA_DIR OUT_DIR PREFIX N "
		    "MINUTES\n");
		return 2;
	}
	n = strtol(argv[4], NULL, 10);
	minutes = strtol(argv[5], NULL, 10);
	if (n <= 0 || n > 10000000 || minutes <= 0)
		die("bad N or MINUTES", NULL);
	read_ca(argv[1], &ca);
	if ((shared = EVP_RSA_gen(2048)) == NULL)
		die("RSA key generation failed", NULL);
	tc_share_key(shared);
	for (i = 1; i <= n; i++)
		one_identity(&ca, argv[2], argv[3], i, now, minutes);
	tc_share_key(NULL);
	EVP_PKEY_free(shared);
	tc_cred_free(&ca);
	return 0;
}
