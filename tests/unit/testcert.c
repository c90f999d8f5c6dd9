/*
 * testcert.c: throwaway credentials for unit tests (see testcert.h).
 * Included by test programs (#include "testcert.c"): tests/unit/CMakeLists.txt
 * builds every test_*.c as its own program, so this helper is not one.
 * Test code: every failure aborts with a message.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/conf.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "testcert.h"

static void
tc_die(const char *what)
{
	fprintf(stderr, "testcert: %s failed\n", what);
	abort();
}

#define TC_CHECK(expr) do { if (!(expr)) { ERR_print_errors_fp(stderr); tc_die(#expr); } } while (0)

static EVP_PKEY *
tc_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	TC_CHECK(k != NULL);
	return k;
}

/* "/C=XX/O=Test/CN=name" into a new X509_NAME. */
static X509_NAME *
tc_name(const char *dn)
{
	X509_NAME *n = X509_NAME_new();
	char *copy = strdup(dn), *p, *next, *eq;

	TC_CHECK(n != NULL && copy != NULL && copy[0] == '/');
	for (p = copy + 1; p != NULL && *p != '\0'; p = next) {
		if ((next = strchr(p, '/')) != NULL)
			*next++ = '\0';
		TC_CHECK((eq = strchr(p, '=')) != NULL);
		*eq = '\0';
		TC_CHECK(X509_NAME_add_entry_by_txt(n, p, MBSTRING_ASC,
		    (unsigned char *)eq + 1, -1, -1, 0) == 1);
	}
	free(copy);
	return n;
}

static void
tc_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	CONF *conf = NCONF_new(NULL);	/* proxyCertInfo wants a database */

	TC_CHECK(conf != NULL);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509V3_set_nconf(&ctx, conf);
	TC_CHECK((ext = X509V3_EXT_nconf_nid(conf, &ctx, nid, value)) != NULL);
	TC_CHECK(X509_add_ext(x, ext, -1) == 1);
	X509_EXTENSION_free(ext);
	NCONF_free(conf);
}

static X509 *
tc_cert(const X509_NAME *subject, X509 *issuer, EVP_PKEY *key,
    uint32_t serial, int64_t nb, int64_t na)
{
	X509 *x = X509_new();

	TC_CHECK(x != NULL);
	TC_CHECK(X509_set_version(x, 2) == 1);
	TC_CHECK(ASN1_INTEGER_set_int64(X509_get_serialNumber(x), serial) == 1);
	TC_CHECK(X509_set_subject_name(x, subject) == 1);
	TC_CHECK(X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : subject) == 1);
	TC_CHECK(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) != NULL);
	TC_CHECK(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) != NULL);
	TC_CHECK(X509_set_pubkey(x, key) == 1);
	return x;
}

static uint32_t
tc_serial(void)
{
	uint32_t s;

	TC_CHECK(RAND_bytes((unsigned char *)&s, sizeof(s)) == 1);
	return (s & 0x7fffffff) | 1;
}

void
tc_ca(struct tc_cred *out, const char *dn, int64_t nb, int64_t na)
{
	X509_NAME *n = tc_name(dn);

	out->key = tc_key();
	out->cert = tc_cert(n, NULL, out->key, tc_serial(), nb, na);
	tc_ext(out->cert, out->cert, NID_basic_constraints, "critical,CA:TRUE");
	tc_ext(out->cert, out->cert, NID_key_usage,
	    "critical,keyCertSign,cRLSign");
	tc_ext(out->cert, out->cert, NID_subject_key_identifier, "hash");
	TC_CHECK(X509_sign(out->cert, out->key, EVP_sha256()) > 0);
	X509_NAME_free(n);
}

void
tc_user(struct tc_cred *out, const struct tc_cred *ca, const char *dn,
    int64_t nb, int64_t na)
{
	X509_NAME *n = tc_name(dn);

	out->key = tc_key();
	out->cert = tc_cert(n, ca->cert, out->key, tc_serial(), nb,
	    na);
	tc_ext(out->cert, ca->cert, NID_basic_constraints, "critical,CA:FALSE");
	TC_CHECK(X509_sign(out->cert, ca->key, EVP_sha256()) > 0);
	X509_NAME_free(n);
}

void
tc_proxy(struct tc_cred *out, const struct tc_cred *issuer,
    enum tc_proxy_kind kind, int64_t nb, int64_t na)
{
	X509_NAME *n;
	uint32_t serial = tc_serial();
	char cn[32];

	TC_CHECK((n = X509_NAME_dup(X509_get_subject_name(issuer->cert))) !=
	    NULL);
	if (kind == TC_PROXY_RFC)
		snprintf(cn, sizeof(cn), "%u", serial);
	else
		snprintf(cn, sizeof(cn), "%s", kind == TC_PROXY_LEGACY ?
		    "proxy" : "limited proxy");
	TC_CHECK(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (unsigned char *)cn, -1, -1, 0) == 1);
	out->key = tc_key();
	out->cert = tc_cert(n, issuer->cert, out->key, serial,
	    nb, na);
	if (kind == TC_PROXY_RFC)
		tc_ext(out->cert, issuer->cert, NID_proxyCertInfo,
		    "critical,language:id-ppl-inheritAll");
	TC_CHECK(X509_sign(out->cert, issuer->key, EVP_sha256()) > 0);
	X509_NAME_free(n);
}

char *
tc_pem(X509 *first, EVP_PKEY *key, int traditional, X509 *const *chain,
    int n_chain, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;
	int i;

	TC_CHECK(b != NULL);
	if (first != NULL)
		TC_CHECK(PEM_write_bio_X509(b, first) == 1);
	if (key != NULL && traditional)
		TC_CHECK(PEM_write_bio_PrivateKey_traditional(b, key, NULL,
		    NULL, 0, NULL, NULL) == 1);
	else if (key != NULL)
		TC_CHECK(PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL,
		    NULL) == 1);
	for (i = 0; i < n_chain; i++)
		TC_CHECK(PEM_write_bio_X509(b, chain[i]) == 1);
	n = BIO_get_mem_data(b, &data);
	TC_CHECK(n >= 0 && (out = malloc((size_t)n + 1)) != NULL);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	BIO_free(b);
	if (len != NULL)
		*len = (size_t)n;
	return out;
}

void
tc_write_file(const char *path, const void *data, size_t len)
{
	int fd;

	(void)unlink(path);	/* may not exist */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	TC_CHECK(fd != -1);
	TC_CHECK(write(fd, data, len) == (ssize_t)len);
	TC_CHECK(close(fd) == 0);
}

void
tc_cred_free(struct tc_cred *c)
{
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
	c->cert = NULL;
	c->key = NULL;
}
