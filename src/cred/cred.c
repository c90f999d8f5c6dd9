/*
 * cred.c: reading and inspecting proxy credentials with OpenSSL 3.
 *
 * Owns: the checks a proxy must pass before the master stores it or
 * accepts a worker's result (cred_inspect), and reading a proxy file for
 * them (cred_read_file, through small_file_read()). No Globus, no I/O
 * besides that read, no logging: every failure fills struct pr_error.
 *
 * Invariants:
 *  (1) A file is read by small_file_read() (small_file.h): one fd opened
 *      O_NOFOLLOW|O_NONBLOCK, type and size checked before allocating.
 *  (2) cred_inspect accepts a file only if it holds at least one certificate,
 *      a private key matching the first one, and, when the first is a proxy,
 *      a chain of proxies ending at an end-entity certificate, each proxy
 *      signed by the next certificate in the file.
 *  (3) On error *info holds nothing (all pointers NULL); on success the
 *      caller owns it and frees it with cred_info_free.
 *  (4) The OpenSSL error queue is left empty on return.
 *  (5) VOMS ACs are read by voms_ac.c (not verified: that needs the
 *      vomsdir and is the worker's business) from the first proxy
 *      certificate, walking from the first, that carries the AC extension;
 *      fqans keeps their order, ac_not_after is the earliest AC notAfter.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cred.h"
#include "small_file.h"
#include "voms_ac.h"

#define CRED_FQANS_MAX_BYTES	(64 * 1024)	/* all FQANs of one proxy */

/* ==== reading ==== */

int
cred_read_file(const char *path, size_t max_bytes, char **bufp, size_t *lenp,
    struct pr_error *err)
{
	return small_file_read("proxy", path, max_bytes, bufp, lenp, NULL, err);
}

/* ==== certificate helpers ==== */

/* Subject minus its last entry equals the issuer, and that entry is CN=proxy. */
static int
is_legacy_proxy(X509 *x)
{
	const X509_NAME *subj = X509_get_subject_name(x);
	X509_NAME *base = NULL;
	const X509_NAME_ENTRY *last;
	const ASN1_STRING *v;
	int n, ok = 0;

	if ((n = X509_NAME_entry_count(subj)) < 2)
		return 0;
	last = X509_NAME_get_entry(subj, n - 1);
	if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(last)) != NID_commonName)
		return 0;
	v = X509_NAME_ENTRY_get_data(last);
	if (!((ASN1_STRING_length(v) == 5 &&
	    memcmp(ASN1_STRING_get0_data(v), "proxy", 5) == 0) ||
	    (ASN1_STRING_length(v) == 13 &&
	    memcmp(ASN1_STRING_get0_data(v), "limited proxy", 13) == 0)))
		return 0;
	if ((base = X509_NAME_dup(subj)) == NULL)
		return 0;
	X509_NAME_ENTRY_free(X509_NAME_delete_entry(base, n - 1));
	ok = X509_NAME_cmp(base, X509_get_issuer_name(x)) == 0;
	X509_NAME_free(base);
	return ok;
}

static int
is_rfc_proxy(X509 *x)
{
	return X509_get_ext_by_NID(x, NID_proxyCertInfo, -1) >= 0;
}

static char *
name_oneline(const X509_NAME *name)
{
	char *s, *copy;

	if ((s = X509_NAME_oneline(name, NULL, 0)) == NULL)
		return NULL;
	copy = strdup(s);
	OPENSSL_free(s);
	return copy;
}

static int
sha256_hex(const char *s, char out[CRED_HASH_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL) != 1 ||
	    n * 2 != CRED_HASH_HEX_LEN)
		return -1;
	for (i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[CRED_HASH_HEX_LEN] = '\0';
	return 0;
}

/* ==== parsing ==== */

/* What the PEM text holds, in file order. */
struct pem_parts {
	STACK_OF(X509) *certs;	/* every certificate, first = the proxy */
	EVP_PKEY *key;		/* the first private key found; NULL if none */
};

/*
 * OpenSSL 3.0 builds a decoder context (every provider's decoders, matched
 * by name) for each key it reads, and d2i_X509 reads the public key of every
 * certificate that way: ~0.2 ms of the ~0.25 ms a certificate costs here,
 * most of an inspection. So a decoder kept for many inspections parses
 * certificates in a library context with no algorithms ("null" provider:
 * the key is left undecoded, the certificate is whole) and decodes the keys
 * it needs with two contexts made once: private keys, and certificates'
 * public keys. A general context costs ~0.5 ms to build, so the decoder
 * made for one inspection builds only the private key's and lets OpenSSL
 * decode the certificates' keys as usual (bare NULL).
 */
struct key_decoder {
	OSSL_DECODER_CTX *ctx;	/* DER -> slot */
	EVP_PKEY *slot;		/* where ctx puts a key; taken at once */
};

struct cred_decoder {
	OSSL_LIB_CTX *bare;	/* certificates parsed without their keys */
	OSSL_PROVIDER *none;	/* bare's only provider, "null" */
	struct key_decoder priv;	/* a private key of any type */
	struct key_decoder pub;		/* a SubjectPublicKeyInfo (bare only) */
};

/* ctx keeps &kd->slot: kd must not move (it is inside a heap object). */
static int
key_decoder_init(struct key_decoder *kd, const char *structure, int selection)
{
	kd->slot = NULL;
	kd->ctx = OSSL_DECODER_CTX_new_for_pkey(&kd->slot, "DER", structure,
	    NULL, selection, NULL, NULL);
	return kd->ctx != NULL ? 0 : -1;
}

/* The key in der[0, len), or NULL. */
static EVP_PKEY *
key_decoder_run(struct key_decoder *kd, const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	size_t left = len;
	EVP_PKEY *key;

	kd->slot = NULL;
	if (OSSL_DECODER_from_data(kd->ctx, &p, &left) != 1) {
		EVP_PKEY_free(kd->slot);
		kd->slot = NULL;
	}
	key = kd->slot;
	kd->slot = NULL;
	return key;
}

/* kept: for many inspections (bare library context); else for one */
static struct cred_decoder *
decoder_new(int kept)
{
	struct cred_decoder *dec;

	if ((dec = calloc(1, sizeof(*dec))) == NULL)
		return NULL;
	if (key_decoder_init(&dec->priv, NULL, EVP_PKEY_KEYPAIR) != 0)
		goto fail;
	/* an explicit provider: otherwise the default one loads on first use */
	if (kept && ((dec->bare = OSSL_LIB_CTX_new()) == NULL ||
	    (dec->none = OSSL_PROVIDER_load(dec->bare, "null")) == NULL ||
	    key_decoder_init(&dec->pub, "SubjectPublicKeyInfo",
	    EVP_PKEY_PUBLIC_KEY) != 0))
		goto fail;
	return dec;
fail:
	cred_decoder_free(dec);
	ERR_clear_error();
	return NULL;
}

struct cred_decoder *
cred_decoder_new(void)
{
	return decoder_new(1);
}

void
cred_decoder_free(struct cred_decoder *dec)
{
	if (dec == NULL)
		return;
	OSSL_DECODER_CTX_free(dec->priv.ctx);
	OSSL_DECODER_CTX_free(dec->pub.ctx);
	if (dec->none != NULL)		/* the load's reference */
		OSSL_PROVIDER_unload(dec->none);
	OSSL_LIB_CTX_free(dec->bare);	/* NULL is fine */
	free(dec);
}

/* A certificate's public key (the caller frees it), or NULL. */
static EVP_PKEY *
cert_key(struct cred_decoder *dec, X509 *x)
{
	unsigned char *der = NULL;
	EVP_PKEY *key;
	int n;

	if (dec->bare == NULL)		/* OpenSSL decoded it while parsing */
		return X509_get_pubkey(x);
	if ((n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der)) <= 0)
		return NULL;
	key = key_decoder_run(&dec->pub, der, (size_t)n);
	OPENSSL_free(der);
	return key;
}

/* The signed part of a certificate: the first element of its SEQUENCE. */
static int
tbs_span(const unsigned char *der, long len, const unsigned char **tbs,
    size_t *tbs_len)
{
	const unsigned char *p = der;
	long n;
	int tag, cls;

	/* 0x80: error; 0x01: indefinite length (then n says nothing) */
	if ((ASN1_get_object(&p, &n, &tag, &cls, len) & 0x81) != 0 ||
	    tag != V_ASN1_SEQUENCE)
		return -1;
	*tbs = p;
	if ((ASN1_get_object(&p, &n, &tag, &cls, len - (p - der)) & 0x81) != 0 ||
	    tag != V_ASN1_SEQUENCE)
		return -1;
	*tbs_len = (size_t)(p - *tbs) + (size_t)n;
	return 0;
}

/*
 * X509_verify(x, issuer), also for a certificate parsed in dec->bare, whose
 * library context has no digests: the same checks, the same bytes (the
 * signed part keeps its original encoding). A signature algorithm without
 * a separate digest (RSA-PSS, EdDSA) or an odd encoding goes to
 * X509_verify on a copy parsed the usual way. 1: good.
 */
static int
cert_signed_by(X509 *x, EVP_PKEY *issuer)
{
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;
	const unsigned char *tbs, *p;
	unsigned char *der = NULL;
	EVP_MD_CTX *md = NULL;
	X509 *full;
	size_t tbs_len;
	int n, md_nid, pk_nid, ok = 0;

	X509_get0_signature(&sig, &alg, x);
	if (X509_ALGOR_cmp(alg, X509_get0_tbs_sigalg(x)) != 0 ||
	    (sig->flags & 0x7) != 0 ||	/* unused bits: as X509_verify */
	    !OBJ_find_sigid_algs(OBJ_obj2nid(alg->algorithm), &md_nid, &pk_nid))
		return 0;
	if ((n = i2d_X509(x, &der)) <= 0)
		return 0;
	if (md_nid == NID_undef || tbs_span(der, n, &tbs, &tbs_len) != 0) {
		p = der;
		full = d2i_X509(NULL, &p, n);
		ok = full != NULL && X509_verify(full, issuer) == 1;
		X509_free(full);
	} else if (EVP_PKEY_is_a(issuer, OBJ_nid2sn(pk_nid)) &&
	    (md = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit_ex(md, NULL, OBJ_nid2sn(md_nid), NULL, NULL,
	    issuer, NULL) == 1)
		ok = EVP_DigestVerify(md, sig->data, (size_t)sig->length, tbs,
		    tbs_len) == 1;
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	return ok;
}

static int
is_key_block(const char *name)
{
	size_t n = strlen(name), k = strlen("PRIVATE KEY");

	return n >= k && strcmp(name + n - k, "PRIVATE KEY") == 0;
}

/* One PEM block: a certificate is kept, the first key decoded, others skipped. */
static int
pem_block(struct cred_decoder *dec, const char *name, const char *header,
    const unsigned char *der, long len, struct pem_parts *pp,
    struct pr_error *err)
{
	const unsigned char *p = der;
	X509 *x = NULL;

	if (strcmp(name, PEM_STRING_X509) == 0 ||
	    strcmp(name, PEM_STRING_X509_OLD) == 0)
		x = (X509 *)ASN1_item_d2i_ex(NULL, &p, len,
		    ASN1_ITEM_rptr(X509), dec->bare, NULL);
	else if (strcmp(name, PEM_STRING_X509_TRUSTED) == 0)
		x = d2i_X509_AUX(NULL, &p, len);
	else if (!is_key_block(name))
		return 0;		/* not ours (CRL, parameters...) */
	if (!is_key_block(name)) {
		if (x == NULL)
			return pr_error_set(err, PR_ERR_SSL,
			    "cannot parse certificate %d",
			    sk_X509_num(pp->certs));
		if (sk_X509_num(pp->certs) >= CRED_CERTS_MAX) {
			X509_free(x);
			return pr_error_set(err, PR_ERR_SSL,
			    "more than %d certificates", CRED_CERTS_MAX);
		}
		if (!sk_X509_push(pp->certs, x)) {
			X509_free(x);
			return pr_error_set(err, ENOMEM, "out of memory");
		}
		return 0;
	}
	/* proxy keys are never encrypted: an encrypted one is unusable */
	if (strcmp(name, PEM_STRING_PKCS8) == 0 || strstr(header, "ENCRYPTED"))
		return pr_error_set(err, PR_ERR_SSL, "private key is encrypted");
	if (pp->key != NULL)
		return 0;
	if ((pp->key = key_decoder_run(&dec->priv, der, (size_t)len)) == NULL)
		return pr_error_set(err, PR_ERR_SSL,
		    "cannot parse the private key");
	return 0;
}

/* Every block of the PEM text, in order; stops at the first bad one. */
static int
pem_parse(struct cred_decoder *dec, const char *pem, size_t len,
    struct pem_parts *pp, struct pr_error *err)
{
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	unsigned long e;
	long n = 0;
	BIO *bio;
	int rc = 0;

	pp->certs = NULL;
	pp->key = NULL;
	if (len > (size_t)INT32_MAX)	/* BIO lengths are int */
		return pr_error_set(err, PR_ERR_SSL, "proxy too large");
	if ((pp->certs = sk_X509_new_null()) == NULL ||
	    (bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return pr_error_set(err, ENOMEM, "out of memory");
	while (rc == 0) {
		if (PEM_read_bio(bio, &name, &header, &der, &n) != 1) {
			e = ERR_peek_last_error();
			if (ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
				rc = pr_error_set(err, PR_ERR_SSL,
				    "cannot parse PEM: %s",
				    ERR_reason_error_string(e) ?
				    ERR_reason_error_string(e) :
				    "unknown error");
			break;		/* no start line: the end */
		}
		rc = pem_block(dec, name, header, der, n, pp, err);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(der, (size_t)n);	/* may be a key */
		name = header = NULL;
		der = NULL;
	}
	BIO_free(bio);
	return rc;
}

static void
pem_parts_free(struct pem_parts *pp)
{
	sk_X509_pop_free(pp->certs, X509_free);
	EVP_PKEY_free(pp->key);
	pp->certs = NULL;
	pp->key = NULL;
}

/* ==== VOMS attribute certificates (parsed by voms_ac.c) ==== */

/* Invariant (5): ACs of the first proxy in [0, ee) that has any. */
static int
read_acs(STACK_OF(X509) *certs, int ee, struct cred_info *info,
    struct pr_error *err)
{
	struct voms_ac_list list;
	struct pr_error e;
	const ASN1_OCTET_STRING *val;
	ASN1_OBJECT *oid;
	X509 *x = NULL;
	int i, idx = -1;

	memset(&list, 0, sizeof(list));
	if ((oid = OBJ_txt2obj(VOMS_AC_EXT_OID, 1)) == NULL)
		return pr_error_set(err, ENOMEM, "out of memory");
	for (i = 0; i < ee && idx < 0; i++) {
		x = sk_X509_value(certs, i);
		idx = X509_get_ext_by_OBJ(x, oid, -1);
	}
	ASN1_OBJECT_free(oid);
	if (idx >= 0) {
		val = X509_EXTENSION_get_data(X509_get_ext(x, idx));
		pr_error_clear(&e);
		if (voms_ac_parse_der(ASN1_STRING_get0_data(val),
		    (size_t)ASN1_STRING_length(val), &list, &e) == -1)
			return pr_error_set(err, e.code, "%s", e.msg);
	}
	info->fqans = voms_ac_fqans(&list);
	info->ac_not_after = voms_ac_not_after(&list);
	voms_ac_list_free(&list);
	if (info->fqans == NULL)
		return pr_error_set(err, ENOMEM, "out of memory");
	if (strlen(info->fqans) > CRED_FQANS_MAX_BYTES)
		return pr_error_set(err, PR_ERR_VOMS,
		    "VOMS AC: FQANs longer than %d bytes", CRED_FQANS_MAX_BYTES);
	return 0;
}

/* ==== checks ==== */

/* X509_check_private_key, with the key decoded by dec. */
static int
key_matches(struct cred_decoder *dec, X509 *x, EVP_PKEY *key)
{
	EVP_PKEY *pub = cert_key(dec, x);
	int ok = pub != NULL && EVP_PKEY_eq(pub, key) == 1;

	EVP_PKEY_free(pub);
	return ok;
}

/*
 * Walk the proxies from the first certificate down to the end-entity;
 * returns its index, or -1 with err set. Each proxy must be signed by the
 * certificate after it.
 */
static int
find_end_entity(struct cred_decoder *dec, STACK_OF(X509) *certs,
    struct pr_error *err)
{
	X509 *x, *up;
	EVP_PKEY *pub;
	int i, n = sk_X509_num(certs), ok;

	for (i = 0; i < n; i++) {
		x = sk_X509_value(certs, i);
		if (!is_rfc_proxy(x) && !is_legacy_proxy(x))
			return i;
		if (i + 1 == n)
			break;
		up = sk_X509_value(certs, i + 1);
		if (X509_NAME_cmp(X509_get_issuer_name(x),
		    X509_get_subject_name(up)) != 0) {
			pr_error_set(err, PR_ERR_SSL, "certificate %d is not "
			    "issued by the next certificate in the file", i);
			return -1;
		}
		pub = cert_key(dec, up);
		ok = pub != NULL && cert_signed_by(x, pub) == 1;
		EVP_PKEY_free(pub);
		if (!ok) {
			pr_error_set(err, PR_ERR_SSL, "certificate %d: "
			    "bad signature by its issuer", i);
			return -1;
		}
	}
	pr_error_set(err, PR_ERR_SSL, i == 0 ? "proxy without its chain: no "
	    "user certificate in the file" : "no user (end-entity) "
	    "certificate in the proxy chain");
	return -1;
}

static int
check_times(STACK_OF(X509) *certs, time_t now, struct cred_info *info,
    struct pr_error *err)
{
	int64_t na, earliest = INT64_MAX;
	int i;

	if (voms_ac_time_to_unix(
	    X509_get0_notBefore(sk_X509_value(certs, 0)),
	    &info->not_before) != 0)
		return pr_error_set(err, PR_ERR_SSL,
		    "certificate 0: unreadable notBefore");
	for (i = 0; i < sk_X509_num(certs); i++) {
		if (voms_ac_time_to_unix(
		    X509_get0_notAfter(sk_X509_value(certs, i)), &na) != 0)
			return pr_error_set(err, PR_ERR_SSL,
			    "certificate %d: unreadable notAfter", i);
		if (na < earliest)
			earliest = na;
	}
	info->not_after = earliest;
	if (earliest <= (int64_t)now)
		return pr_error_set(err, PR_ERR_EXPIRED,
		    "proxy expired at %lld (now %lld)", (long long)earliest,
		    (long long)now);
	return 0;
}

static int
fill_names(STACK_OF(X509) *certs, int ee, struct cred_info *info,
    struct pr_error *err)
{
	X509 *first = sk_X509_value(certs, 0);

	info->subject = name_oneline(X509_get_subject_name(first));
	info->identity = name_oneline(X509_get_subject_name(
	    sk_X509_value(certs, ee)));
	if (info->subject == NULL || info->identity == NULL)
		return pr_error_set(err, ENOMEM, "out of memory");
	if (sha256_hex(info->identity, info->identity_hash) != 0)
		return pr_error_set(err, PR_ERR_SSL, "SHA-256 failed");
	info->n_certs = sk_X509_num(certs);
	info->is_legacy = is_legacy_proxy(first);
	return 0;
}

int
cred_inspect(const char *pem, size_t len, time_t now, struct cred_info *info,
    struct pr_error *err)
{
	return cred_inspect_with(NULL, pem, len, now, info, err);
}

int
cred_inspect_with(struct cred_decoder *dec, const char *pem, size_t len,
    time_t now, struct cred_info *info, struct pr_error *err)
{
	struct cred_decoder *own = NULL;
	struct pem_parts pp;
	X509 *first;
	int ee, rc;

	memset(info, 0, sizeof(*info));
	if (dec == NULL && (dec = own = decoder_new(0)) == NULL)
		return pr_error_set(err, ENOMEM, "no OpenSSL key decoder");
	if ((rc = pem_parse(dec, pem, len, &pp, err)) != 0)
		goto done;
	if (sk_X509_num(pp.certs) == 0) {
		rc = pr_error_set(err, PR_ERR_SSL, "no certificate found");
		goto done;
	}
	if (sk_X509_num(pp.certs) > CRED_CERTS_MAX) {
		rc = pr_error_set(err, PR_ERR_SSL, "more than %d certificates",
		    CRED_CERTS_MAX);
		goto done;
	}
	first = sk_X509_value(pp.certs, 0);
	if (pp.key == NULL) {
		rc = pr_error_set(err, PR_ERR_SSL, "no private key found");
		goto done;
	}
	if (!key_matches(dec, first, pp.key)) {
		rc = pr_error_set(err, PR_ERR_SSL,
		    "private key does not match certificate");
		goto done;
	}
	if ((ee = find_end_entity(dec, pp.certs, err)) < 0) {
		rc = err != NULL ? err->code : PR_ERR_SSL;
		goto done;
	}
	if ((rc = check_times(pp.certs, now, info, err)) != 0)
		goto done;
	if ((rc = fill_names(pp.certs, ee, info, err)) != 0)
		goto done;
	rc = read_acs(pp.certs, ee, info, err);
done:
	pem_parts_free(&pp);
	cred_decoder_free(own);
	ERR_clear_error();
	if (rc != 0)
		cred_info_free(info);
	return rc;
}

int
cred_inspect_file(const char *path, size_t max_bytes, time_t now,
    struct cred_info *info, struct pr_error *err)
{
	struct pr_error e;
	char *buf;
	size_t len;
	int rc;

	memset(info, 0, sizeof(*info));
	if ((rc = cred_read_file(path, max_bytes, &buf, &len, err)) != 0)
		return rc;
	pr_error_clear(&e);
	rc = cred_inspect(buf, len, now, info, &e);
	wipe_free(buf, len);	/* it held a private key */
	if (rc != 0)
		pr_error_set(err, rc, "proxy %s: %s", path, e.msg);
	return rc;
}

int64_t
cred_expiry(const struct cred_info *info)
{
	if (info->ac_not_after > 0 && info->ac_not_after < info->not_after)
		return info->ac_not_after;
	return info->not_after;
}

void
cred_info_free(struct cred_info *info)
{
	if (info == NULL)
		return;
	free(info->subject);
	free(info->identity);
	free(info->fqans);
	memset(info, 0, sizeof(*info));
}
