/*
 * test_cred.c: cred_read_file and cred_inspect against credentials made in
 * the test (testcert.c): RFC 3820, legacy and nested proxies, bad keys,
 * missing chains, expiry, garbage, symlinks, oversized and special files.
 * VOMS ACs: a real proxy made by voms-proxy-fake (embedded in testcert.c),
 * a proxy on top of it, malformed and empty AC extensions.
 * Each case checks the exact error code the daemon will answer with.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/rsa.h>

#include "testdir.c"

#include "testcert.c"
#include "cred/cred.h"
#include "cred/voms_ac.h"

#define ALICE_DN	"/C=XX/O=Test/CN=Alice"
#define ALICE_HASH \
	"b56ac444e99a07c8f769db247be1fe177baef80136a2d7753d3eb3b6eade1e53"

struct fx {
	int64_t now;			/* test start, Unix time */
	struct tc_cred ca, user, bob;	/* CA, Alice, Bob */
	struct tc_cred rfc, legacy, limited, nested, expired, long_rfc;
	char dir[64];			/* temp dir for file tests */
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->now = (int64_t)time(NULL);
	tc_ca(&f->ca, "/C=XX/O=Test/CN=Test CA", f->now - 3600, f->now + 86400 * 30);
	tc_user(&f->user, &f->ca, ALICE_DN, f->now - 3600, f->now + 86400 * 10);
	tc_user(&f->bob, &f->ca, "/C=XX/O=Test/CN=Bob", f->now - 3600,
	    f->now + 86400 * 10);
	tc_proxy(&f->rfc, &f->user, TC_PROXY_RFC, f->now - 60, f->now + 3600);
	tc_proxy(&f->legacy, &f->user, TC_PROXY_LEGACY, f->now - 60,
	    f->now + 3600);
	tc_proxy(&f->limited, &f->user, TC_PROXY_LEGACY_LIMITED, f->now - 60,
	    f->now + 3600);
	tc_proxy(&f->nested, &f->rfc, TC_PROXY_RFC, f->now - 60, f->now + 1800);
	tc_proxy(&f->expired, &f->user, TC_PROXY_RFC, f->now - 7200,
	    f->now - 3600);
	/* outlives the user certificate: not_after is the user's */
	tc_proxy(&f->long_rfc, &f->user, TC_PROXY_RFC, f->now - 60,
	    f->now + 86400 * 20);
	testdir_make(f->dir, sizeof(f->dir), "test_cred");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tc_cred_free(&f->ca);
	tc_cred_free(&f->user);
	tc_cred_free(&f->bob);
	tc_cred_free(&f->rfc);
	tc_cred_free(&f->legacy);
	tc_cred_free(&f->limited);
	tc_cred_free(&f->nested);
	tc_cred_free(&f->expired);
	tc_cred_free(&f->long_rfc);
	testdir_remove(f->dir);
	free(f);
	return 0;
}

/* Inspect PEM built from (cert, key, chain) and return the code. */
static int
inspect(struct fx *f, X509 *first, EVP_PKEY *key, int traditional,
    X509 *const *chain, int n, struct cred_info *info, struct pr_error *err)
{
	char *pem;
	size_t len;
	int rc;

	pem = tc_pem(first, key, traditional, chain, n, &len);
	pr_error_clear(err);
	rc = cred_inspect(pem, len, (time_t)f->now, info, err);
	free(pem);
	if (rc != 0) {
		assert_int_equal(err->code, rc);
		assert_true(err->msg[0] != '\0');
		assert_null(info->subject);
		assert_null(info->identity);
	}
	return rc;
}

static void
test_rfc_proxy(void **state)
{
	struct fx *f = *state;
	struct cred_info info;
	struct pr_error err;

	assert_int_equal(inspect(f, f->rfc.cert, f->rfc.key, 0, &f->user.cert,
	    1, &info, &err), 0);
	assert_string_equal(info.identity, ALICE_DN);
	assert_string_equal(info.identity_hash, ALICE_HASH);
	assert_true(strncmp(info.subject, ALICE_DN "/CN=", strlen(ALICE_DN) +
	    4) == 0);
	assert_int_equal(info.not_after, f->now + 3600);
	assert_int_equal(info.not_before, f->now - 60);
	assert_int_equal(info.n_certs, 2);
	assert_int_equal(info.is_legacy, 0);
	assert_string_equal(info.fqans, "");
	assert_int_equal(info.ac_not_after, 0);
	assert_int_equal(cred_expiry(&info), f->now + 3600);
	cred_info_free(&info);
}

static void
test_traditional_key(void **state)
{
	struct fx *f = *state;
	struct cred_info info;
	struct pr_error err;

	assert_int_equal(inspect(f, f->rfc.cert, f->rfc.key, 1, &f->user.cert,
	    1, &info, &err), 0);
	assert_string_equal(info.identity, ALICE_DN);
	cred_info_free(&info);
}

static void
test_key_first(void **state)
{
	struct fx *f = *state;
	struct cred_info info;
	struct pr_error err;
	X509 *chain[2] = { f->rfc.cert, f->user.cert };

	assert_int_equal(inspect(f, NULL, f->rfc.key, 0, chain, 2, &info,
	    &err), 0);
	assert_string_equal(info.identity, ALICE_DN);
	cred_info_free(&info);
}

static void
test_legacy_proxy(void **state)
{
	struct fx *f = *state;
	struct cred_info info;
	struct pr_error err;

	assert_int_equal(inspect(f, f->legacy.cert, f->legacy.key, 0,
	    &f->user.cert, 1, &info, &err), 0);
	assert_string_equal(info.identity, ALICE_DN);
	assert_string_equal(info.identity_hash, ALICE_HASH);
	assert_string_equal(info.subject, ALICE_DN "/CN=proxy");
	assert_int_equal(info.is_legacy, 1);
	cred_info_free(&info);

	assert_int_equal(inspect(f, f->limited.cert, f->limited.key, 0,
	    &f->user.cert, 1, &info, &err), 0);
	assert_string_equal(info.identity, ALICE_DN);
	assert_int_equal(info.is_legacy, 1);
	cred_info_free(&info);
}

static void
test_proxy_of_proxy(void **state)
{
	struct fx *f = *state;
	struct cred_info info;
	struct pr_error err;
	X509 *chain[3] = { f->rfc.cert, f->user.cert, f->ca.cert };

	assert_int_equal(inspect(f, f->nested.cert, f->nested.key, 0, chain, 2,
	    &info, &err), 0);
	assert_string_equal(info.identity, ALICE_DN);
	assert_int_equal(info.n_certs, 3);
	assert_int_equal(info.not_after, f->now + 1800);
	cred_info_free(&info);

	/* the CA certificate appended too: still Alice */
	assert_int_equal(inspect(f, f->nested.cert, f->nested.key, 0, chain, 3,
	    &info, &err), 0);
	assert_string_equal(info.identity, ALICE_DN);
	assert_int_equal(info.n_certs, 4);
	cred_info_free(&info);

	/* chain cut after the first proxy: no end-entity */
	assert_int_equal(inspect(f, f->nested.cert, f->nested.key, 0, chain, 1,
	    &info, &err), PR_ERR_SSL);
}

static void
test_user_cert(void **state)
{
	struct fx *f = *state;
	struct cred_info info;
	struct pr_error err;

	assert_int_equal(inspect(f, f->user.cert, f->user.key, 0, NULL, 0,
	    &info, &err), 0);
	assert_string_equal(info.identity, ALICE_DN);
	assert_string_equal(info.subject, ALICE_DN);
	assert_int_equal(info.n_certs, 1);
	cred_info_free(&info);
}

static void
test_earliest_not_after(void **state)
{
	struct fx *f = *state;
	struct cred_info info;
	struct pr_error err;

	assert_int_equal(inspect(f, f->long_rfc.cert, f->long_rfc.key, 0,
	    &f->user.cert, 1, &info, &err), 0);
	assert_int_equal(info.not_after, f->now + 86400 * 10);
	cred_info_free(&info);
}

static void
test_after_2038(void **state)
{
	struct fx *f = *state;
	struct tc_cred ca, user, proxy;
	struct cred_info info;
	struct pr_error err;

	tc_ca(&ca, "/C=XX/O=Test/CN=Long CA", f->now - 60, 4102444800 + 86400);
	tc_user(&user, &ca, ALICE_DN, f->now - 60, 4102444800 + 3600);
	tc_proxy(&proxy, &user, TC_PROXY_RFC, f->now - 60, 4102444800);
	assert_int_equal(inspect(f, proxy.cert, proxy.key, 0, &user.cert, 1,
	    &info, &err), 0);
	assert_int_equal(info.not_after, 4102444800);
	cred_info_free(&info);
	tc_cred_free(&ca);
	tc_cred_free(&user);
	tc_cred_free(&proxy);
}

static void
test_expired(void **state)
{
	struct fx *f = *state;
	struct cred_info info;
	struct pr_error err;

	assert_int_equal(inspect(f, f->expired.cert, f->expired.key, 0,
	    &f->user.cert, 1, &info, &err), PR_ERR_EXPIRED);
}

static void
test_wrong_key(void **state)
{
	struct fx *f = *state;
	struct cred_info info;
	struct pr_error err;

	assert_int_equal(inspect(f, f->rfc.cert, f->legacy.key, 0,
	    &f->user.cert, 1, &info, &err), PR_ERR_SSL);
	assert_non_null(strstr(err.msg, "does not match"));
}

/* cert with its public key replaced by pub's (NULL: kept), signed by signer. */
static X509 *
resigned(X509 *cert, EVP_PKEY *pub, EVP_PKEY *signer, const EVP_MD *md)
{
	X509 *x = X509_dup(cert);

	assert_non_null(x);
	if (pub != NULL)
		assert_int_equal(X509_set_pubkey(x, pub), 1);
	assert_true(X509_sign(x, signer, md) > 0);	/* md NULL: EdDSA */
	return x;
}

/* Alice's RFC proxy (rfc.key) over the user certificate user: the code. */
static int
inspect_signed(struct fx *f, X509 *proxy, X509 *user, struct pr_error *err)
{
	struct cred_info info;
	int rc;

	rc = inspect(f, proxy, f->rfc.key, 0, &user, 1, &info, err);
	cred_info_free(&info);
	return rc;
}

/*
 * Each proxy's signature is checked against the next certificate's key
 * (certificates are parsed without their keys, cred.c): names that match
 * do not make a signature good, one flipped bit makes it bad, and every
 * kind of signature a grid CA or client makes is accepted: ECDSA, RSA
 * PKCS#1 with SHA-256 and SHA-512, RSA-PSS and Ed25519 (the last two have
 * no separate digest and go through X509_verify).
 */
static void
test_signatures(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	unsigned char *der = NULL, *p;
	const unsigned char *q;
	EVP_PKEY *rsa, *ed, *ed2;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *mctx;
	X509 *user, *proxy, *flipped;
	int n;

	/* same names, signed by Bob's key */
	proxy = resigned(f->rfc.cert, NULL, f->bob.key, EVP_sha256());
	assert_int_equal(inspect_signed(f, proxy, f->user.cert, &err),
	    PR_ERR_SSL);
	assert_non_null(strstr(err.msg, "bad signature by its issuer"));
	X509_free(proxy);

	/* one bit of the signature flipped (its last byte) */
	assert_true((n = i2d_X509(f->rfc.cert, &der)) > 0);
	der[n - 1] ^= 0x01;
	q = p = der;
	assert_non_null(flipped = d2i_X509(NULL, &q, n));
	assert_int_equal(inspect_signed(f, flipped, f->user.cert, &err),
	    PR_ERR_SSL);
	assert_non_null(strstr(err.msg, "bad signature"));
	X509_free(flipped);
	OPENSSL_free(p);

	/* RSA: PKCS#1 v1.5 with SHA-256 and SHA-512, then PSS */
	assert_non_null(rsa = EVP_RSA_gen(1024));
	user = resigned(f->user.cert, rsa, f->ca.key, EVP_sha256());
	proxy = resigned(f->rfc.cert, NULL, rsa, EVP_sha256());
	assert_int_equal(inspect_signed(f, proxy, user, &err), 0);
	X509_free(proxy);
	proxy = resigned(f->rfc.cert, NULL, rsa, EVP_sha512());
	assert_int_equal(inspect_signed(f, proxy, user, &err), 0);
	assert_non_null(mctx = EVP_MD_CTX_new());
	assert_int_equal(EVP_DigestSignInit(mctx, &pctx, EVP_sha256(), NULL,
	    rsa), 1);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(pctx,
	    RSA_PKCS1_PSS_PADDING) > 0);
	assert_true(X509_sign_ctx(proxy, mctx) > 0);
	assert_int_equal(OBJ_obj2nid(X509_get0_tbs_sigalg(proxy)->algorithm),
	    NID_rsassaPss);
	assert_int_equal(inspect_signed(f, proxy, user, &err), 0);
	/* the same RSA-PSS proxy over a certificate with another key */
	assert_int_equal(inspect_signed(f, proxy, f->user.cert, &err),
	    PR_ERR_SSL);
	EVP_MD_CTX_free(mctx);
	X509_free(proxy);
	X509_free(user);

	/* Ed25519, and a proxy signed by another Ed25519 key */
	assert_non_null(ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	assert_non_null(ed2 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	user = resigned(f->user.cert, ed, f->ca.key, EVP_sha256());
	proxy = resigned(f->rfc.cert, NULL, ed, NULL);
	assert_int_equal(inspect_signed(f, proxy, user, &err), 0);
	X509_free(proxy);
	proxy = resigned(f->rfc.cert, NULL, ed2, NULL);
	assert_int_equal(inspect_signed(f, proxy, user, &err), PR_ERR_SSL);
	assert_non_null(strstr(err.msg, "bad signature"));
	X509_free(proxy);
	X509_free(user);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(ed2);
}

static void
test_no_key(void **state)
{
	struct fx *f = *state;
	struct cred_info info;
	struct pr_error err;

	assert_int_equal(inspect(f, f->rfc.cert, NULL, 0, &f->user.cert, 1,
	    &info, &err), PR_ERR_SSL);
	assert_non_null(strstr(err.msg, "no private key"));
}

static void
test_no_chain(void **state)
{
	struct fx *f = *state;
	struct cred_info info;
	struct pr_error err;

	assert_int_equal(inspect(f, f->rfc.cert, f->rfc.key, 0, NULL, 0, &info,
	    &err), PR_ERR_SSL);
	assert_int_equal(inspect(f, f->legacy.cert, f->legacy.key, 0, NULL, 0,
	    &info, &err), PR_ERR_SSL);
}

static void
test_wrong_chain(void **state)
{
	struct fx *f = *state;
	struct cred_info info;
	struct pr_error err;

	/* Alice's proxy followed by Bob's certificate */
	assert_int_equal(inspect(f, f->rfc.cert, f->rfc.key, 0, &f->bob.cert,
	    1, &info, &err), PR_ERR_SSL);
}

static void
test_too_many_certs(void **state)
{
	struct fx *f = *state;
	struct cred_info info;
	struct pr_error err;
	X509 *chain[40];
	int i;

	for (i = 0; i < 40; i++)
		chain[i] = i == 0 ? f->user.cert : f->ca.cert;
	assert_int_equal(inspect(f, f->rfc.cert, f->rfc.key, 0, chain, 31,
	    &info, &err), 0);
	cred_info_free(&info);
	assert_int_equal(inspect(f, f->rfc.cert, f->rfc.key, 0, chain, 32,
	    &info, &err), PR_ERR_SSL);
	assert_non_null(strstr(err.msg, "more than"));
}

static void
test_garbage(void **state)
{
	struct fx *f = *state;
	static const char *const inputs[] = {
		"",
		"hello world\n",
		"-----BEGIN CERTIFICATE-----\nnot base64 !!\n"
		    "-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nMIIB\n",
	};
	struct cred_info info;
	struct pr_error err;
	size_t i;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		pr_error_clear(&err);
		assert_int_equal(cred_inspect(inputs[i], strlen(inputs[i]),
		    (time_t)f->now, &info, &err), PR_ERR_SSL);
		assert_int_equal(err.code, PR_ERR_SSL);
		assert_null(info.identity);
	}
	/* binary with NULs */
	assert_int_equal(cred_inspect("\0\x01\x02\xff", 4, (time_t)f->now,
	    &info, &err), PR_ERR_SSL);
}

/* ==== files ==== */

static void
write_pem(struct fx *f, const char *name, X509 *first, EVP_PKEY *key,
    X509 *const *chain, int n, char *path, size_t pathsize)
{
	char *pem;
	size_t len;

	snprintf(path, pathsize, "%s/%s", f->dir, name);
	pem = tc_pem(first, key, 0, chain, n, &len);
	tc_write_file(path, pem, len);
	free(pem);
}

static void
test_file_ok(void **state)
{
	struct fx *f = *state;
	char path[128];
	struct cred_info info;
	struct pr_error err;
	char *buf;
	size_t len;

	write_pem(f, "good", f->rfc.cert, f->rfc.key, &f->user.cert, 1, path,
	    sizeof(path));
	assert_int_equal(cred_read_file(path, 1024 * 1024, &buf, &len, &err),
	    0);
	assert_int_equal(strlen(buf), len);
	assert_non_null(strstr(buf, "BEGIN CERTIFICATE"));
	free(buf);
	assert_int_equal(cred_inspect_file(path, 1024 * 1024, (time_t)f->now,
	    &info, &err), 0);
	assert_string_equal(info.identity, ALICE_DN);
	cred_info_free(&info);
}

static void
test_file_errors(void **state)
{
	struct fx *f = *state;
	char path[128], link[128];
	struct cred_info info;
	struct pr_error err;
	char *buf;
	size_t len;

	write_pem(f, "wrongkey", f->rfc.cert, f->legacy.key, &f->user.cert, 1,
	    path, sizeof(path));
	assert_int_equal(cred_inspect_file(path, 1024 * 1024, (time_t)f->now,
	    &info, &err), PR_ERR_SSL);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg,
	    "private key does not match certificate"));

	/* too large: one byte over the limit */
	assert_int_equal(cred_read_file(path, 100, &buf, &len, &err), EFBIG);
	assert_null(buf);

	/* symlink to a good file */
	write_pem(f, "target", f->rfc.cert, f->rfc.key, &f->user.cert, 1, path,
	    sizeof(path));
	snprintf(link, sizeof(link), "%s/link", f->dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(cred_read_file(link, 1024 * 1024, &buf, &len, &err),
	    ELOOP);
	assert_int_equal(cred_inspect_file(link, 1024 * 1024, (time_t)f->now,
	    &info, &err), ELOOP);

	/* missing, directory, fifo (must not block) */
	snprintf(path, sizeof(path), "%s/missing", f->dir);
	assert_int_equal(cred_read_file(path, 1024, &buf, &len, &err), ENOENT);
	assert_int_equal(cred_read_file(f->dir, 1024, &buf, &len, &err),
	    EINVAL);
	snprintf(path, sizeof(path), "%s/fifo", f->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(cred_read_file(path, 1024, &buf, &len, &err), EINVAL);

	/* empty file: readable, but no certificate */
	snprintf(path, sizeof(path), "%s/empty", f->dir);
	tc_write_file(path, "", 0);
	assert_int_equal(cred_read_file(path, 1024, &buf, &len, &err), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	assert_int_equal(cred_inspect_file(path, 1024, (time_t)f->now, &info,
	    &err), PR_ERR_SSL);

	/* garbage file */
	snprintf(path, sizeof(path), "%s/garbage", f->dir);
	tc_write_file(path, "garbage\n", 8);
	assert_int_equal(cred_inspect_file(path, 1024, (time_t)f->now, &info,
	    &err), PR_ERR_SSL);

	/* expired file */
	write_pem(f, "expired", f->expired.cert, f->expired.key, &f->user.cert,
	    1, path, sizeof(path));
	assert_int_equal(cred_inspect_file(path, 1024 * 1024, (time_t)f->now,
	    &info, &err), PR_ERR_EXPIRED);

	/* unreadable (unless we are root) */
	if (geteuid() != 0) {
		assert_int_equal(chmod(path, 0), 0);
		assert_int_equal(cred_read_file(path, 1024 * 1024, &buf, &len,
		    &err), EACCES);
	}
}

/* ==== VOMS ==== */

static void
test_voms_proxy(void **state)
{
	struct cred_info info;
	struct pr_error err;

	(void)state;
	assert_int_equal(cred_inspect(tc_voms_proxy_pem,
	    strlen(tc_voms_proxy_pem), TC_VOMS_NOW, &info, &err), 0);
	assert_string_equal(info.identity, ALICE_DN);
	assert_string_equal(info.identity_hash, ALICE_HASH);
	assert_string_equal(info.fqans, TC_VOMS_FQANS);
	assert_int_equal(info.not_before, TC_VOMS_NOT_BEFORE);
	assert_int_equal(info.not_after, TC_VOMS_NOT_AFTER);
	assert_int_equal(info.ac_not_after, TC_VOMS_AC_NOT_AFTER);
	assert_int_equal(cred_expiry(&info), TC_VOMS_AC_NOT_AFTER);
	assert_int_equal(info.n_certs, 2);
	cred_info_free(&info);

	/* past the AC, before the proxy: still a valid X.509 proxy */
	assert_int_equal(cred_inspect(tc_voms_proxy_pem,
	    strlen(tc_voms_proxy_pem), TC_VOMS_AC_NOT_AFTER + 1, &info, &err),
	    0);
	assert_true(cred_expiry(&info) < TC_VOMS_AC_NOT_AFTER + 1);
	cred_info_free(&info);
	assert_int_equal(cred_inspect(tc_voms_proxy_pem,
	    strlen(tc_voms_proxy_pem), TC_VOMS_NOT_AFTER, &info, &err),
	    PR_ERR_EXPIRED);
}

/* The embedded VOMS proxy as a tc_cred plus its user certificate. */
static void
load_voms(struct tc_cred *proxy, X509 **user)
{
	BIO *b = BIO_new_mem_buf(tc_voms_proxy_pem, -1);
	STACK_OF(X509_INFO) *infos;
	X509_INFO *xi;
	int i;

	assert_non_null(b);
	infos = PEM_X509_INFO_read_bio(b, NULL, NULL, NULL);
	assert_non_null(infos);
	memset(proxy, 0, sizeof(*proxy));
	*user = NULL;
	for (i = 0; i < sk_X509_INFO_num(infos); i++) {
		xi = sk_X509_INFO_value(infos, i);
		if (xi->x_pkey != NULL && proxy->key == NULL) {
			proxy->key = xi->x_pkey->dec_pkey;
			xi->x_pkey->dec_pkey = NULL;
		}
		if (xi->x509 != NULL && proxy->cert == NULL)
			proxy->cert = xi->x509;
		else if (xi->x509 != NULL)
			*user = xi->x509;
		else
			continue;
		xi->x509 = NULL;
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(b);
	assert_non_null(proxy->cert);
	assert_non_null(proxy->key);
	assert_non_null(*user);
}

/*
 * The AC reader behind cred_inspect (voms_ac.c) on a real AC: the details
 * the VOMS renewal needs (VO, server URI, FQANs in order, validity), and
 * the real extension passes its DER check.
 */
static void
test_voms_parsers_agree(void **state)
{
	struct tc_cred voms;
	struct voms_ac_list list;
	struct pr_error err;
	X509 *user;
	char *fqans;

	(void)state;
	load_voms(&voms, &user);
	assert_int_equal(voms_ac_parse_chain(voms.cert, NULL, &list, &err), 0);
	assert_int_equal(list.n_acs, 1);
	assert_string_equal(list.acs[0].vo, "testvo");
	assert_string_equal(list.acs[0].uri, "voms.example.org:15000");
	assert_true(list.acs[0].not_before <= TC_VOMS_NOW);
	assert_int_equal(list.acs[0].not_after, TC_VOMS_AC_NOT_AFTER);
	assert_int_equal(list.acs[0].n_fqans, 2);	/* TC_VOMS_FQANS */
	assert_non_null(fqans = voms_ac_fqans(&list));
	assert_string_equal(fqans, TC_VOMS_FQANS);
	assert_int_equal(voms_ac_not_after(&list), TC_VOMS_AC_NOT_AFTER);
	free(fqans);
	voms_ac_list_free(&list);
	tc_cred_free(&voms);
	X509_free(user);
}

static void
test_voms_nested(void **state)
{
	struct fx *f = *state;
	struct tc_cred voms, inner;
	struct cred_info info;
	struct pr_error err;
	X509 *user, *chain[2];
	char *pem;
	size_t len;

	(void)f;
	load_voms(&voms, &user);
	tc_proxy(&inner, &voms, TC_PROXY_RFC, TC_VOMS_NOW - 60,
	    TC_VOMS_NOW + 3600);
	chain[0] = voms.cert;
	chain[1] = user;
	pem = tc_pem(inner.cert, inner.key, 0, chain, 2, &len);
	assert_int_equal(cred_inspect(pem, len, TC_VOMS_NOW, &info, &err), 0);
	assert_string_equal(info.identity, ALICE_DN);
	assert_string_equal(info.fqans, TC_VOMS_FQANS);
	assert_int_equal(info.ac_not_after, TC_VOMS_AC_NOT_AFTER);
	assert_int_equal(info.not_after, TC_VOMS_NOW + 3600);
	assert_int_equal(info.n_certs, 3);
	cred_info_free(&info);
	free(pem);
	tc_cred_free(&inner);
	tc_cred_free(&voms);
	X509_free(user);
}

static void
test_voms_bad_ac(void **state)
{
	struct fx *f = *state;
	static const unsigned char garbage[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	static const unsigned char empty[] = { 0x30, 0x02, 0x30, 0x00 };
	static const unsigned char indef[] = { 0x30, 0x80, 0x30, 0x00, 0, 0 };
	struct tc_cred p;
	struct cred_info info;
	struct pr_error err;

	tc_proxy_ext(&p, &f->user, "1.3.6.1.4.1.8005.100.100.5", garbage,
	    sizeof(garbage), f->now - 60, f->now + 3600);
	assert_int_equal(inspect(f, p.cert, p.key, 0, &f->user.cert, 1, &info,
	    &err), PR_ERR_VOMS);
	tc_cred_free(&p);

	/* the same empty list in BER (indefinite length): not DER, refused */
	tc_proxy_ext(&p, &f->user, "1.3.6.1.4.1.8005.100.100.5", indef,
	    sizeof(indef), f->now - 60, f->now + 3600);
	assert_int_equal(inspect(f, p.cert, p.key, 0, &f->user.cert, 1, &info,
	    &err), PR_ERR_VOMS);
	assert_non_null(strstr(err.msg, "not DER"));
	tc_cred_free(&p);

	/* a well-formed but empty AC list: no FQANs, no AC expiry */
	tc_proxy_ext(&p, &f->user, "1.3.6.1.4.1.8005.100.100.5", empty,
	    sizeof(empty), f->now - 60, f->now + 3600);
	assert_int_equal(inspect(f, p.cert, p.key, 0, &f->user.cert, 1, &info,
	    &err), 0);
	assert_string_equal(info.fqans, "");
	assert_int_equal(info.ac_not_after, 0);
	cred_info_free(&info);
	tc_cred_free(&p);
}

/*
 * One decoder reused across proxies of different identities, key types
 * and key encodings gives each its own key (the daemon keeps one decoder
 * for every REGISTER); an encrypted key is refused, not skipped.
 */
static void
test_decoder_reused(void **state)
{
	struct fx *f = *state;
	struct cred_decoder *dec = cred_decoder_new();
	struct tc_cred bob_proxy;
	struct cred_info info;
	struct pr_error err;
	EVP_PKEY *rsa = EVP_RSA_gen(1024);	/* any RSA key; small is fast */
	char *pem;
	size_t len;
	int round, trad;

	assert_non_null(dec);
	assert_non_null(rsa);
	tc_proxy(&bob_proxy, &f->bob, TC_PROXY_RFC, f->now - 60, f->now + 600);
	for (round = 0; round < 4; round++) {
		trad = round & 1;
		pem = tc_pem(f->rfc.cert, f->rfc.key, trad, &f->user.cert, 1,
		    &len);
		assert_int_equal(cred_inspect_with(dec, pem, len, f->now,
		    &info, &err), 0);
		assert_string_equal(info.identity, ALICE_DN);
		cred_info_free(&info);
		free(pem);
		pem = tc_pem(bob_proxy.cert, bob_proxy.key, trad, &f->bob.cert,
		    1, &len);
		assert_int_equal(cred_inspect_with(dec, pem, len, f->now,
		    &info, &err), 0);
		assert_string_equal(info.identity, "/C=XX/O=Test/CN=Bob");
		cred_info_free(&info);
		free(pem);
		/* an RSA key in the slot Alice's EC key had: no match */
		pem = tc_pem(f->rfc.cert, rsa, trad, &f->user.cert, 1, &len);
		assert_int_equal(cred_inspect_with(dec, pem, len, f->now,
		    &info, &err), PR_ERR_SSL);
		assert_non_null(strstr(err.msg, "does not match"));
		free(pem);
	}
	pem = strdup("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n"
	    "-----END ENCRYPTED PRIVATE KEY-----\n");
	assert_int_equal(cred_inspect_with(dec, pem, strlen(pem), f->now,
	    &info, &err), PR_ERR_SSL);
	assert_non_null(strstr(err.msg, "encrypted"));
	free(pem);
	EVP_PKEY_free(rsa);
	tc_cred_free(&bob_proxy);
	cred_decoder_free(dec);
}

/*
 * The memo answers the same bytes as an inspection would: same identity,
 * the expiry checked again on every hit, other bytes inspected afresh
 * (more files than it has slots included), failures never remembered.
 */
static void
test_memo(void **state)
{
	struct fx *f = *state;
	struct cred_memo *m = cred_memo_new();
	struct cred_info info, fresh;
	struct tc_cred other;
	struct pr_error err;
	char *alice, *bob, *bad;
	size_t alen, blen, badlen;
	int i;

	assert_non_null(m);
	alice = tc_pem(f->rfc.cert, f->rfc.key, 0, &f->user.cert, 1, &alen);
	bad = tc_pem(f->rfc.cert, f->bob.key, 0, &f->user.cert, 1, &badlen);
	for (i = 0; i < 40; i++) {
		assert_int_equal(cred_inspect_memo(m, alice, alen, f->now, &info,
		    &err), 0);
		assert_int_equal(cred_inspect(alice, alen, f->now, &fresh, &err),
		    0);
		assert_string_equal(info.identity, fresh.identity);
		assert_string_equal(info.subject, fresh.subject);
		assert_string_equal(info.fqans, fresh.fqans);
		assert_int_equal(info.not_after, fresh.not_after);
		cred_info_free(&info);
		cred_info_free(&fresh);
		/* a key that does not match: refused every time */
		assert_int_equal(cred_inspect_memo(m, bad, badlen, f->now,
		    &info, &err), PR_ERR_SSL);
		/* another valid proxy each round pushes alice out */
		tc_proxy(&other, &f->bob, TC_PROXY_RFC, f->now - 60,
		    f->now + 600);
		bob = tc_pem(other.cert, other.key, 0, &f->bob.cert, 1, &blen);
		assert_int_equal(cred_inspect_memo(m, bob, blen, f->now, &info,
		    &err), 0);
		assert_string_equal(info.identity, "/C=XX/O=Test/CN=Bob");
		cred_info_free(&info);
		tc_cred_free(&other);
		free(bob);
	}
	/* a hit past its expiry is an expired proxy */
	assert_int_equal(cred_inspect_memo(m, alice, alen, f->now, &info, &err),
	    0);
	cred_info_free(&info);
	assert_int_equal(cred_inspect_memo(m, alice, alen, f->now + 7200, &info,
	    &err), PR_ERR_EXPIRED);
	assert_null(info.identity);
	free(alice);
	free(bad);
	cred_memo_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_proxy),
		cmocka_unit_test(test_traditional_key),
		cmocka_unit_test(test_key_first),
		cmocka_unit_test(test_legacy_proxy),
		cmocka_unit_test(test_proxy_of_proxy),
		cmocka_unit_test(test_user_cert),
		cmocka_unit_test(test_earliest_not_after),
		cmocka_unit_test(test_after_2038),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_no_key),
		cmocka_unit_test(test_no_chain),
		cmocka_unit_test(test_wrong_chain),
		cmocka_unit_test(test_too_many_certs),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_file_ok),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_voms_proxy),
		cmocka_unit_test(test_voms_nested),
		cmocka_unit_test(test_voms_parsers_agree),
		cmocka_unit_test(test_voms_bad_ac),
		cmocka_unit_test(test_decoder_reused),
		cmocka_unit_test(test_memo),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
