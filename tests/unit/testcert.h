/*
 * testcert.h: throwaway X.509 credentials for unit tests, made in memory with
 * OpenSSL: a CA, user certificates, RFC 3820 and legacy Globus proxies.
 * Test helper only: every failure aborts the test program.
 * Keys are EC P-256 (fast to generate); times are Unix seconds.
 */
#ifndef PR_TESTCERT_H
#define PR_TESTCERT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct tc_cred {
	X509 *cert;		/* the certificate */
	EVP_PKEY *key;		/* its private key */
};

enum tc_proxy_kind {
	TC_PROXY_RFC,		/* RFC 3820: proxyCertInfo, CN=<serial> */
	TC_PROXY_LEGACY,	/* Globus legacy: CN=proxy */
	TC_PROXY_LEGACY_LIMITED	/* Globus legacy: CN=limited proxy */
};

/*
 * From now on every credential made (CA, user, proxy) uses key instead of a
 * fresh one: only the certificates differ (benchmarks make thousands of
 * identities this way). NULL goes back to fresh keys. The caller keeps key.
 */
void tc_share_key(EVP_PKEY *key);

/* Self-signed CA with subject dn ("/C=XX/O=Test/CN=Test CA"). */
void tc_ca(struct tc_cred *out, const char *dn, int64_t not_before,
    int64_t not_after);
/* End-entity certificate signed by ca. */
void tc_user(struct tc_cred *out, const struct tc_cred *ca, const char *dn,
    int64_t not_before, int64_t not_after);
/* Proxy signed by issuer (a user certificate or another proxy). */
void tc_proxy(struct tc_cred *out, const struct tc_cred *issuer,
    enum tc_proxy_kind kind, int64_t not_before, int64_t not_after);

/*
 * PEM text as grid-proxy-init writes it: first's certificate, then key (if
 * not NULL; traditional "RSA/EC PRIVATE KEY" form when traditional is set,
 * else PKCS#8), then chain[0..n_chain-1]. NUL-terminated; caller frees.
 */
char *tc_pem(X509 *first, EVP_PKEY *key, int traditional, X509 *const *chain,
    int n_chain, size_t *len);

/* Write data to path with mode 0600 (replacing it). */
void tc_write_file(const char *path, const void *data, size_t len);

void tc_cred_free(struct tc_cred *c);

/* A real VOMS proxy (voms-proxy-fake), see testcert.c. */
extern const char tc_voms_proxy_pem[];
#define TC_VOMS_NOT_BEFORE	1795465451
#define TC_VOMS_NOT_AFTER	1795552151
#define TC_VOMS_AC_NOT_AFTER	1795508951
#define TC_VOMS_NOW		(TC_VOMS_NOT_BEFORE + 600)
#define TC_VOMS_FQANS \
	"/testvo/Role=NULL/Capability=NULL\n/testvo/sub/Role=admin/Capability=NULL"

/* Proxy like tc_proxy(TC_PROXY_RFC) plus an extension oid with DER content. */
void tc_proxy_ext(struct tc_cred *out, const struct tc_cred *issuer,
    const char *oid, const unsigned char *der, size_t der_len,
    int64_t not_before, int64_t not_after);

#endif /* PR_TESTCERT_H */
