/*
 * proxy_assemble.h: WORKER: build a fresh RFC 3820 proxy signed by a
 * (renewed) proxy, carrying VOMS ACs, with OpenSSL alone (Debian 12's
 * VOMS_MakeProxy refuses proxy issuers). Also loads PEM credentials.
 * Lower layer: fills struct pr_error, never logs.
 */
#ifndef PR_PROXY_ASSEMBLE_H
#define PR_PROXY_ASSEMBLE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pr_error.h"

#define PROXY_ASSEMBLE_ACS_MAX		16	/* = VOMS_AC_MAX */
#define PROXY_ASSEMBLE_BITS_DEFAULT	2048	/* RSA key of the new proxy */
#define PROXY_ASSEMBLE_SKEW_SEC		300	/* notBefore back-dating */

/* A credential in memory: first certificate, its key, the rest of the chain. */
struct pem_cred {
	X509 *cert;		/* first certificate in the file */
	EVP_PKEY *key;		/* the (first) private key in the file */
	STACK_OF(X509) *chain;	/* the other certificates, in file order */
};

struct proxy_assemble_in {
	const struct pem_cred *issuer;	/* signs the new proxy; key required */
	const unsigned char *acs[PROXY_ASSEMBLE_ACS_MAX];	/* DER ACs */
	size_t ac_lens[PROXY_ASSEMBLE_ACS_MAX];	/* bytes of each */
	int n_acs;			/* 0 .. PROXY_ASSEMBLE_ACS_MAX */
	int bits;			/* RSA bits, 0: default */
	int64_t not_after;		/* Unix time, capped at the issuer's */
};

/*
 * Parse a PEM credential (certificates and at most one private key, any
 * order of blocks; the first certificate is the leaf). A key present must
 * match the leaf; with need_key it must be present. Errors: PR_ERR_SSL.
 * Returns 0 or -1; on success free with pem_cred_free.
 */
int pem_cred_load(const char *pem, size_t len, int need_key,
    struct pem_cred *cred, struct pr_error *err);

void pem_cred_free(struct pem_cred *cred);

/*
 * Build the proxy: subject = issuer subject + CN=<serial>, fresh key,
 * critical basicConstraints CA:FALSE, critical proxyCertInfo (inheritAll),
 * keyUsage only when the issuer has one (then a subset of it), and the VOMS
 * AC extension (SEQUENCE OF SEQUENCE OF AC) when n_acs > 0. *pem (malloc'd,
 * NUL-terminated) holds new cert, new key, issuer cert, issuer chain.
 * Errors: PR_ERR_SSL, EINVAL. Returns 0 or -1.
 */
int proxy_assemble(const struct proxy_assemble_in *in, char **pem,
    size_t *pem_len, struct pr_error *err);

#endif /* PR_PROXY_ASSEMBLE_H */
