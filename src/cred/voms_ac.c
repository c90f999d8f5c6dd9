/*
 * voms_ac.c: parse the VOMS AC extension of a proxy certificate (see
 * voms_ac.h for the layout) with OpenSSL ASN.1 templates. The one AC
 * reader of the project: cred_inspect (master) and the VOMS renewal
 * (worker) both use it. Owns nothing global.
 *
 * Invariants:
 * (1) All DER is decoded by OpenSSL's template decoder (ASN1_item_d2i),
 *     which checks every length against its enclosing one; each top-level
 *     decode must consume exactly the bytes it was given, and the extension
 *     must re-encode to the very same bytes (DER: no indefinite lengths or
 *     other BER forms).
 * (2) Sizes are bounded before decoding (VOMS_AC_EXT_MAX_BYTES) and counts
 *     after (VOMS_AC_MAX ACs, VOMS_AC_FQANS_MAX FQANs per AC).
 * (3) Strings copied out are bounded (VOMS_AC_*_MAX_BYTES) and limited to
 *     printable ASCII, so they are safe in logs, '\n'-joined lists and the
 *     key=value protocol. FQANs start with '/'.
 * (4) Every AC has a VO, a "host:port" URI and at least one FQAN; an
 *     extension with an empty AC list is "no AC" (n_acs 0), not an error.
 * (5) On any error the list is freed and left empty; the OpenSSL error
 *     queue is left as it was found (decode errors are popped).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "voms_ac.h"

#define VOMS_AC_ATTR_OID	"1.3.6.1.4.1.8005.100.100.4"	/* FQANs */

/*
 * RFC 5755 AttributeCertificate, as far as read here. The ASN.1 macros
 * need typedef'd names; all are file-local. Holder and issuer are kept as
 * ANY: only validity and attributes are read (nothing is verified here).
 */
typedef struct {
	ASN1_GENERALIZEDTIME *not_before;
	ASN1_GENERALIZEDTIME *not_after;
} PR_AC_VALIDITY;

typedef struct {
	ASN1_INTEGER *version;
	ASN1_TYPE *holder;
	ASN1_TYPE *issuer;
	X509_ALGOR *sig_alg;
	ASN1_INTEGER *serial;
	PR_AC_VALIDITY *validity;
	STACK_OF(X509_ATTRIBUTE) *attributes;
	ASN1_BIT_STRING *issuer_uid;
	STACK_OF(X509_EXTENSION) *extensions;
} PR_AC_INFO;

typedef struct {
	PR_AC_INFO *info;
	X509_ALGOR *sig_alg;
	ASN1_BIT_STRING *signature;
} PR_AC;

DEFINE_STACK_OF(PR_AC)

/* The extension value: SEQUENCE { SEQUENCE OF AttributeCertificate }. */
typedef struct {
	STACK_OF(PR_AC) *acs;
} PR_AC_SEQ;

/* IetfAttrSyntax: URI in the policy authority, FQANs as OCTET STRINGs. */
typedef struct {
	STACK_OF(GENERAL_NAME) *authority;
	STACK_OF(ASN1_TYPE) *values;
} PR_IETFATTR;

ASN1_SEQUENCE(PR_AC_VALIDITY) = {
	ASN1_SIMPLE(PR_AC_VALIDITY, not_before, ASN1_GENERALIZEDTIME),
	ASN1_SIMPLE(PR_AC_VALIDITY, not_after, ASN1_GENERALIZEDTIME),
} static_ASN1_SEQUENCE_END(PR_AC_VALIDITY)

ASN1_SEQUENCE(PR_AC_INFO) = {
	ASN1_SIMPLE(PR_AC_INFO, version, ASN1_INTEGER),
	ASN1_SIMPLE(PR_AC_INFO, holder, ASN1_ANY),
	ASN1_SIMPLE(PR_AC_INFO, issuer, ASN1_ANY),
	ASN1_SIMPLE(PR_AC_INFO, sig_alg, X509_ALGOR),
	ASN1_SIMPLE(PR_AC_INFO, serial, ASN1_INTEGER),
	ASN1_SIMPLE(PR_AC_INFO, validity, PR_AC_VALIDITY),
	ASN1_SEQUENCE_OF(PR_AC_INFO, attributes, X509_ATTRIBUTE),
	ASN1_OPT(PR_AC_INFO, issuer_uid, ASN1_BIT_STRING),
	ASN1_SEQUENCE_OF_OPT(PR_AC_INFO, extensions, X509_EXTENSION),
} static_ASN1_SEQUENCE_END(PR_AC_INFO)

ASN1_SEQUENCE(PR_AC) = {
	ASN1_SIMPLE(PR_AC, info, PR_AC_INFO),
	ASN1_SIMPLE(PR_AC, sig_alg, X509_ALGOR),
	ASN1_SIMPLE(PR_AC, signature, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(PR_AC)

ASN1_SEQUENCE(PR_AC_SEQ) = {
	ASN1_SEQUENCE_OF(PR_AC_SEQ, acs, PR_AC),
} static_ASN1_SEQUENCE_END(PR_AC_SEQ)

ASN1_SEQUENCE(PR_IETFATTR) = {
	ASN1_IMP_SEQUENCE_OF_OPT(PR_IETFATTR, authority, GENERAL_NAME, 0),
	ASN1_SEQUENCE_OF(PR_IETFATTR, values, ASN1_ANY),
} static_ASN1_SEQUENCE_END(PR_IETFATTR)

/* Invariant (1): decode exactly len bytes as item, or NULL. */
static void *
decode_all(const unsigned char *der, long len, const ASN1_ITEM *it)
{
	const unsigned char *p = der;
	ASN1_VALUE *v;

	if ((v = ASN1_item_d2i(NULL, &p, len, it)) == NULL)
		return NULL;
	if (p != der + len) {
		ASN1_item_free(v, it);
		return NULL;
	}
	return v;
}

/* Invariant (1): the input was DER (no BER forms such as indefinite lengths). */
static int
is_der(const ASN1_VALUE *v, const unsigned char *der, long len,
    const ASN1_ITEM *it)
{
	unsigned char *enc = NULL;
	int n, ok;

	n = ASN1_item_i2d(v, &enc, it);
	ok = n == len && memcmp(enc, der, (size_t)len) == 0;
	OPENSSL_free(enc);
	return ok;
}

/* A bounded printable-ASCII copy of a string's content, or NULL. */
static char *
str_copy(const ASN1_STRING *s, size_t max)
{
	const unsigned char *d = ASN1_STRING_get0_data(s);
	int n = ASN1_STRING_length(s), i;
	char *out;

	if (n <= 0 || (size_t)n > max)
		return NULL;
	for (i = 0; i < n; i++)
		if (d[i] < 0x20 || d[i] > 0x7e)
			return NULL;
	if ((out = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(out, d, (size_t)n);
	out[n] = '\0';
	return out;
}

int
voms_ac_time_to_unix(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;
	time_t v;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	if ((v = timegm(&tm)) == (time_t)-1)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* AC validity is GeneralizedTime only (RFC 5755). */
static int
gtime_to_unix(const ASN1_GENERALIZEDTIME *gt, int64_t *t)
{
	if (!ASN1_GENERALIZEDTIME_check(gt))
		return -1;
	return voms_ac_time_to_unix(gt, t);
}

/* "vo://host:port" into ac->vo and ac->uri. */
static const char *
ac_set_uri(struct voms_ac *ac, const ASN1_IA5STRING *s)
{
	char *all, *sep;

	if ((all = str_copy(s, 2 * VOMS_AC_NAME_MAX_BYTES + 3)) == NULL)
		return "bad policy authority URI";
	sep = strstr(all, "://");
	if (sep == NULL || sep == all || sep[3] == '\0' ||
	    (size_t)(sep - all) > VOMS_AC_NAME_MAX_BYTES ||
	    strlen(sep + 3) > VOMS_AC_NAME_MAX_BYTES) {
		free(all);
		return "bad policy authority URI";
	}
	*sep = '\0';
	if ((ac->uri = strdup(sep + 3)) == NULL) {
		free(all);
		return "out of memory";
	}
	ac->vo = all;
	return NULL;
}

/* Append one FQAN to ac->fqans ('\n'-separated). */
static const char *
ac_add_fqan(struct voms_ac *ac, const ASN1_OCTET_STRING *v)
{
	char *f, *joined;
	size_t old, n;

	if (ac->n_fqans >= VOMS_AC_FQANS_MAX)
		return "too many FQANs in one AC";
	if ((f = str_copy(v, VOMS_AC_FQAN_MAX_BYTES)) == NULL || f[0] != '/') {
		free(f);
		return "bad FQAN (empty, too long, not printable, relative)";
	}
	if (ac->fqans == NULL) {
		ac->fqans = f;
	} else {
		old = strlen(ac->fqans);
		n = strlen(f);
		if ((joined = realloc(ac->fqans, old + 1 + n + 1)) == NULL) {
			free(f);
			return "out of memory";
		}
		joined[old] = '\n';
		memcpy(joined + old + 1, f, n + 1);
		ac->fqans = joined;
		free(f);
	}
	ac->n_fqans++;
	return NULL;
}

/* One IetfAttrSyntax value of the VOMS attribute. */
static const char *
ac_read_ietfattr(struct voms_ac *ac, const ASN1_TYPE *t)
{
	PR_IETFATTR *ia;
	GENERAL_NAME *gn;
	ASN1_TYPE *v;
	const char *why = NULL;
	int i;

	if (t == NULL || t->type != V_ASN1_SEQUENCE)
		return "attribute value is not a SEQUENCE";
	ia = decode_all(ASN1_STRING_get0_data(t->value.sequence),
	    ASN1_STRING_length(t->value.sequence),
	    ASN1_ITEM_rptr(PR_IETFATTR));
	if (ia == NULL)
		return "malformed attribute value";
	/* the first URI names the VO and its server */
	for (i = 0; ac->vo == NULL && i < sk_GENERAL_NAME_num(ia->authority);
	    i++) {
		gn = sk_GENERAL_NAME_value(ia->authority, i);
		if (gn->type == GEN_URI)
			why = ac_set_uri(ac, gn->d.uniformResourceIdentifier);
		if (why != NULL)
			break;
	}
	for (i = 0; why == NULL && i < sk_ASN1_TYPE_num(ia->values); i++) {
		v = sk_ASN1_TYPE_value(ia->values, i);
		if (v->type != V_ASN1_OCTET_STRING)
			why = "FQAN is not an OCTET STRING";
		else
			why = ac_add_fqan(ac, v->value.octet_string);
	}
	ASN1_item_free((ASN1_VALUE *)ia, ASN1_ITEM_rptr(PR_IETFATTR));
	return why;
}

/* Validity, VO, URI and FQANs of one AC (invariant 4). */
static const char *
ac_read(struct voms_ac *ac, const PR_AC *in, const ASN1_OBJECT *attr_oid)
{
	X509_ATTRIBUTE *attr;
	const char *why = NULL;
	int i, j;

	if (gtime_to_unix(in->info->validity->not_before, &ac->not_before) ||
	    gtime_to_unix(in->info->validity->not_after, &ac->not_after))
		return "bad AC validity period";
	for (i = 0; why == NULL &&
	    i < sk_X509_ATTRIBUTE_num(in->info->attributes); i++) {
		attr = sk_X509_ATTRIBUTE_value(in->info->attributes, i);
		if (OBJ_cmp(X509_ATTRIBUTE_get0_object(attr), attr_oid) != 0)
			continue;
		for (j = 0; why == NULL && j < X509_ATTRIBUTE_count(attr); j++)
			why = ac_read_ietfattr(ac, X509_ATTRIBUTE_get0_type(attr,
			    j));
	}
	if (why == NULL && ac->n_fqans == 0)
		why = "AC carries no FQAN";
	if (why == NULL && ac->vo == NULL)
		why = "AC carries no VO URI";
	return why;
}

void
voms_ac_list_free(struct voms_ac_list *list)
{
	int i;

	for (i = 0; i < VOMS_AC_MAX; i++) {
		free(list->acs[i].vo);
		free(list->acs[i].uri);
		free(list->acs[i].fqans);
	}
	memset(list, 0, sizeof(*list));
}

/* Every AC of seq into list; NULL or why not. */
static const char *
read_all(const PR_AC_SEQ *seq, struct voms_ac_list *list)
{
	ASN1_OBJECT *attr_oid;
	const char *why = NULL;
	int i, n = sk_PR_AC_num(seq->acs);

	if (n > VOMS_AC_MAX)
		return "too many ACs";
	if ((attr_oid = OBJ_txt2obj(VOMS_AC_ATTR_OID, 1)) == NULL)
		return "out of memory";
	for (i = 0; why == NULL && i < n; i++) {
		why = ac_read(&list->acs[i], sk_PR_AC_value(seq->acs, i),
		    attr_oid);
		list->n_acs++;
	}
	ASN1_OBJECT_free(attr_oid);
	return why;
}

int
voms_ac_parse_der(const unsigned char *der, size_t len,
    struct voms_ac_list *list, struct pr_error *err)
{
	PR_AC_SEQ *seq;
	const char *why;

	memset(list, 0, sizeof(*list));
	if (der == NULL || len == 0 || len > VOMS_AC_EXT_MAX_BYTES) {
		(void)pr_error_set(err, PR_ERR_VOMS,
		    "VOMS AC extension: empty or over %d bytes",
		    VOMS_AC_EXT_MAX_BYTES);
		return -1;
	}
	ERR_set_mark();
	seq = decode_all(der, (long)len, ASN1_ITEM_rptr(PR_AC_SEQ));
	if (seq == NULL)
		why = "malformed DER";
	else if (!is_der((ASN1_VALUE *)seq, der, (long)len,
	    ASN1_ITEM_rptr(PR_AC_SEQ)))
		why = "not DER (BER forms)";
	else
		why = read_all(seq, list);
	(void)ERR_pop_to_mark();
	ASN1_item_free((ASN1_VALUE *)seq, ASN1_ITEM_rptr(PR_AC_SEQ));
	if (why == NULL)
		return 0;
	voms_ac_list_free(list);
	(void)pr_error_set(err, strcmp(why, "out of memory") == 0 ? ENOMEM :
	    PR_ERR_VOMS, "VOMS AC extension: %s", why);
	return -1;
}

int
voms_ac_parse_chain(X509 *cert, STACK_OF(X509) *chain,
    struct voms_ac_list *list, struct pr_error *err)
{
	ASN1_OBJECT *oid;
	const ASN1_OCTET_STRING *val;
	X509 *x;
	int i, n, pos;

	memset(list, 0, sizeof(*list));
	if ((oid = OBJ_txt2obj(VOMS_AC_EXT_OID, 1)) == NULL) {
		(void)pr_error_set(err, ENOMEM, "VOMS AC: out of memory");
		return -1;
	}
	n = chain == NULL ? 0 : sk_X509_num(chain);
	for (i = -1; i < n; i++) {
		x = i < 0 ? cert : sk_X509_value(chain, i);
		if (x == NULL || (pos = X509_get_ext_by_OBJ(x, oid, -1)) < 0)
			continue;
		ASN1_OBJECT_free(oid);
		val = X509_EXTENSION_get_data(X509_get_ext(x, pos));
		return voms_ac_parse_der(ASN1_STRING_get0_data(val),
		    (size_t)ASN1_STRING_length(val), list, err);
	}
	ASN1_OBJECT_free(oid);
	return 0;
}

char *
voms_ac_fqans(const struct voms_ac_list *list)
{
	size_t total = 1, off = 0, n;
	char *out;
	int i;

	for (i = 0; i < list->n_acs; i++)
		total += strlen(list->acs[i].fqans) + 1;
	if ((out = malloc(total)) == NULL)
		return NULL;
	out[0] = '\0';
	for (i = 0; i < list->n_acs; i++) {
		n = strlen(list->acs[i].fqans);
		if (off > 0)
			out[off++] = '\n';
		memcpy(out + off, list->acs[i].fqans, n + 1);
		off += n;
	}
	return out;
}

int64_t
voms_ac_not_after(const struct voms_ac_list *list)
{
	int64_t t = 0;
	int i;

	for (i = 0; i < list->n_acs; i++)
		if (t == 0 || list->acs[i].not_after < t)
			t = list->acs[i].not_after;
	return t;
}
