/*
 * proxy_assemble.c: WORKER: a fresh RFC 3820 proxy with VOMS ACs, built
 * with OpenSSL (see proxy_assemble.h), and PEM credential loading.
 *
 * Invariants:
 * (1) The new proxy never outlives its issuer: notAfter is capped at the
 *     issuer's notAfter, notBefore never precedes the issuer's notBefore.
 * (2) The AC bytes are copied verbatim (already DER from the VOMS server);
 *     only the two SEQUENCE headers around them are written here, with
 *     ASN1_put_object, after the total size was bounded.
 * (3) Private key bytes exist only in OpenSSL objects and the returned PEM.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "proxy_assemble.h"

#define VOMS_ACSEQ_OID		"1.3.6.1.4.1.8005.100.100.5"
#define ACS_MAX_BYTES		(512 * 1024)	/* all ACs of one proxy */

static int
ssl_fail(struct pr_error *err, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char buf[256];

	buf[0] = '\0';
	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	(void)pr_error_set(err, PR_ERR_SSL, "proxy assembly: %s%s%s", what,
	    buf[0] ? ": " : "", buf);
	return -1;
}

void
pem_cred_free(struct pem_cred *cred)
{
	X509_free(cred->cert);
	EVP_PKEY_free(cred->key);
	sk_X509_pop_free(cred->chain, X509_free);
	memset(cred, 0, sizeof(*cred));
}

/* One PEM block into cred (certificates and a single private key). */
static int
pem_cred_add(struct pem_cred *cred, const char *name, const unsigned char *d,
    long n)
{
	const unsigned char *p = d;
	X509 *x;

	if (strcmp(name, PEM_STRING_X509) == 0) {
		if ((x = d2i_X509(NULL, &p, n)) == NULL || p != d + n) {
			X509_free(x);
			return -1;
		}
		if (cred->cert == NULL)
			cred->cert = x;
		else if (sk_X509_push(cred->chain, x) <= 0) {
			X509_free(x);
			return -1;
		}
		return 0;
	}
	if (strcmp(name, PEM_STRING_PKCS8INF) == 0 ||
	    strcmp(name, PEM_STRING_RSA) == 0 ||
	    strcmp(name, "EC PRIVATE KEY") == 0) {
		if (cred->key != NULL)
			return -1;	/* one key per credential */
		cred->key = d2i_AutoPrivateKey(NULL, &p, n);
		return cred->key == NULL ? -1 : 0;
	}
	return 0;	/* other blocks are ignored */
}

int
pem_cred_load(const char *pem, size_t len, int need_key,
    struct pem_cred *cred, struct pr_error *err)
{
	BIO *bio;
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long n;
	int rc = 0;

	memset(cred, 0, sizeof(*cred));
	if (len == 0 || len > 1024 * 1024) {
		(void)pr_error_set(err, PR_ERR_SSL, "credential: bad size");
		return -1;
	}
	if ((cred->chain = sk_X509_new_null()) == NULL ||
	    (bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return ssl_fail(err, "out of memory");
	while (rc == 0 && PEM_read_bio(bio, &name, &header, &data, &n) == 1) {
		rc = pem_cred_add(cred, name, data, n);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
	}
	ERR_clear_error();	/* the loop ends on "no start line" */
	BIO_free(bio);
	if (rc == 0 && cred->cert != NULL && !need_key && cred->key == NULL)
		return 0;
	if (rc == 0 && cred->cert != NULL && cred->key != NULL &&
	    X509_check_private_key(cred->cert, cred->key) == 1)
		return 0;
	pem_cred_free(cred);
	return ssl_fail(err, "credential has no usable certificate and matching key");
}

/* SEQUENCE { SEQUENCE { AC ... } } from the DER ACs. */
static ASN1_OCTET_STRING *
acseq_encode(const struct proxy_assemble_in *in)
{
	ASN1_OCTET_STRING *os = NULL;
	unsigned char *buf, *p;
	size_t body = 0;
	int i, inner, outer;

	for (i = 0; i < in->n_acs; i++) {
		if (in->acs[i] == NULL || in->ac_lens[i] == 0 ||
		    in->ac_lens[i] > ACS_MAX_BYTES - body)
			return NULL;
		body += in->ac_lens[i];
	}
	inner = ASN1_object_size(1, (long)body, V_ASN1_SEQUENCE);
	outer = ASN1_object_size(1, inner, V_ASN1_SEQUENCE);
	if (inner <= 0 || outer <= 0 || (buf = malloc((size_t)outer)) == NULL)
		return NULL;
	p = buf;
	ASN1_put_object(&p, 1, inner, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	ASN1_put_object(&p, 1, (long)body, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	for (i = 0; i < in->n_acs; i++) {
		memcpy(p, in->acs[i], in->ac_lens[i]);
		p += in->ac_lens[i];
	}
	if (p == buf + outer && (os = ASN1_OCTET_STRING_new()) != NULL &&
	    ASN1_OCTET_STRING_set(os, buf, outer) != 1) {
		ASN1_OCTET_STRING_free(os);
		os = NULL;
	}
	free(buf);
	return os;
}

static int
add_ac_ext(X509 *x, const struct proxy_assemble_in *in)
{
	ASN1_OBJECT *oid;
	ASN1_OCTET_STRING *os;
	X509_EXTENSION *ext = NULL;
	int ok = 0;

	if ((oid = OBJ_txt2obj(VOMS_ACSEQ_OID, 1)) == NULL)
		return -1;
	if ((os = acseq_encode(in)) != NULL &&
	    (ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os)) != NULL)
		ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(oid);
	return ok == 1 ? 0 : -1;
}

/* basicConstraints, proxyCertInfo, keyUsage (a subset of the issuer's). */
static int
add_proxy_exts(X509 *x, X509 *issuer)
{
	BASIC_CONSTRAINTS *bc;
	PROXY_CERT_INFO_EXTENSION *pci;
	ASN1_BIT_STRING *ku;
	uint32_t iku;
	int ok, bit;

	if ((bc = BASIC_CONSTRAINTS_new()) == NULL)
		return -1;
	bc->ca = 0;
	ok = X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1, X509V3_ADD_DEFAULT);
	BASIC_CONSTRAINTS_free(bc);
	if (ok != 1 || (pci = PROXY_CERT_INFO_EXTENSION_new()) == NULL)
		return -1;
	ASN1_OBJECT_free(pci->proxyPolicy->policyLanguage);
	pci->proxyPolicy->policyLanguage = OBJ_nid2obj(NID_id_ppl_inheritAll);
	ok = X509_add1_ext_i2d(x, NID_proxyCertInfo, pci, 1, X509V3_ADD_DEFAULT);
	PROXY_CERT_INFO_EXTENSION_free(pci);
	if (ok != 1)
		return -1;
	if (!(X509_get_extension_flags(issuer) & EXFLAG_KUSAGE))
		return 0;
	iku = X509_get_key_usage(issuer);
	if ((ku = ASN1_BIT_STRING_new()) == NULL)
		return -1;
	ok = 1;
	for (bit = 0; bit < 3 && ok; bit++)	/* digSig, nonRep?, keyEnc */
		if (bit != 1 && (iku & (0x80u >> bit)))
			ok = ASN1_BIT_STRING_set_bit(ku, bit, 1);
	if (ok == 1)
		ok = X509_add1_ext_i2d(x, NID_key_usage, ku, 1, X509V3_ADD_DEFAULT);
	ASN1_BIT_STRING_free(ku);
	return ok == 1 ? 0 : -1;
}

/* Serial, subject (issuer subject + CN=serial), issuer, validity. */
static int
set_names(X509 *x, X509 *issuer, int64_t not_after)
{
	X509_NAME *name;
	uint32_t serial;
	char cn[16];
	time_t nb;
	int ok;

	if (RAND_bytes((unsigned char *)&serial, sizeof(serial)) != 1)
		return -1;
	serial = (serial & 0x7fffffffu) | 0x10000000u;	/* positive, 9+ digits */
	(void)snprintf(cn, sizeof(cn), "%u", serial);
	if (X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)serial) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(issuer)) != 1 ||
	    (name = X509_NAME_dup(X509_get_subject_name(issuer))) == NULL)
		return -1;
	ok = X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) == 1 &&
	    X509_set_subject_name(x, name) == 1;
	X509_NAME_free(name);
	if (!ok)
		return -1;
	nb = time(NULL) - PROXY_ASSEMBLE_SKEW_SEC;
	if (X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &nb) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after) == NULL)
		return -1;
	if (ASN1_TIME_compare(X509_get0_notBefore(x),
	    X509_get0_notBefore(issuer)) < 0 &&
	    X509_set1_notBefore(x, X509_get0_notBefore(issuer)) != 1)
		return -1;
	if (ASN1_TIME_compare(X509_get0_notAfter(issuer),
	    X509_get0_notAfter(x)) < 0 &&
	    X509_set1_notAfter(x, X509_get0_notAfter(issuer)) != 1)
		return -1;
	return 0;
}

/* new cert, new key, issuer cert, issuer chain, as one PEM string. */
static int
write_pem(X509 *x, EVP_PKEY *key, const struct pem_cred *issuer, char **pem,
    size_t *pem_len)
{
	BIO *bio;
	BUF_MEM *mem;
	int i, ok;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	ok = PEM_write_bio_X509(bio, x) == 1 &&
	    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1 &&
	    PEM_write_bio_X509(bio, issuer->cert) == 1;
	for (i = 0; ok && i < sk_X509_num(issuer->chain); i++)
		ok = PEM_write_bio_X509(bio, sk_X509_value(issuer->chain, i)) == 1;
	if (ok && BIO_get_mem_ptr(bio, &mem) == 1 &&
	    (*pem = malloc(mem->length + 1)) != NULL) {
		memcpy(*pem, mem->data, mem->length);
		(*pem)[mem->length] = '\0';
		*pem_len = mem->length;
	} else
		ok = 0;
	BIO_free(bio);	/* BIO_s_mem frees its buffer (with cleansing) */
	return ok ? 0 : -1;
}

int
proxy_assemble(const struct proxy_assemble_in *in, char **pem,
    size_t *pem_len, struct pr_error *err)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	int rc = -1;

	*pem = NULL;
	*pem_len = 0;
	if (in->issuer == NULL || in->issuer->cert == NULL ||
	    in->issuer->key == NULL || in->n_acs < 0 ||
	    in->n_acs > PROXY_ASSEMBLE_ACS_MAX) {
		(void)pr_error_set(err, EINVAL, "proxy assembly: bad input");
		return -1;
	}
	if ((key = EVP_RSA_gen(in->bits > 0 ? (unsigned)in->bits :
	    PROXY_ASSEMBLE_BITS_DEFAULT)) == NULL) {
		ssl_fail(err, "cannot generate the key");
		goto fail;
	}
	if ((x = X509_new()) == NULL || set_names(x, in->issuer->cert,
	    in->not_after) == -1 || X509_set_pubkey(x, key) != 1) {
		ssl_fail(err, "cannot fill the certificate");
		goto fail;
	}
	if (add_proxy_exts(x, in->issuer->cert) == -1 ||
	    (in->n_acs > 0 && add_ac_ext(x, in) == -1)) {
		ssl_fail(err, "cannot add the extensions");
		goto fail;
	}
	if (X509_sign(x, in->issuer->key, EVP_sha256()) <= 0) {
		ssl_fail(err, "cannot sign");
		goto fail;
	}
	if (write_pem(x, key, in->issuer, pem, pem_len) == -1) {
		ssl_fail(err, "cannot write PEM");
		goto fail;
	}
	rc = 0;
fail:
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}
