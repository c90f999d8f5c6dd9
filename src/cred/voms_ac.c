/*
 * voms_ac.c: parse the VOMS AC extension of a proxy certificate (see
 * voms_ac.h for the layout). Owns nothing global.
 *
 * Invariants:
 * (1) The DER is walked through struct der_cur only: every element is read
 *     with ASN1_get_object and its length checked against what is left of
 *     the enclosing element, so no read can leave the buffer.
 * (2) Indefinite lengths (not DER) are refused.
 * (3) Strings copied out are bounded (VOMS_AC_*_MAX_BYTES) and limited to
 *     printable ASCII, so they are safe in logs, '\n'-joined lists and the
 *     key=value protocol.
 * (4) On any error the list is freed and left empty.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "voms_ac.h"

/* DER content of OID 1.3.6.1.4.1.8005.100.100.4 (the VOMS FQAN attribute). */
static const unsigned char voms_attr_oid[] = {
	0x2b, 0x06, 0x01, 0x04, 0x01, 0xbe, 0x45, 0x64, 0x64, 0x04
};

struct der_cur {
	const unsigned char *p;	/* next unread byte */
	long left;		/* bytes left in the enclosing element */
};

/*
 * Read the next element; it must have tag `tag` of class `cls`. Its
 * content becomes *in; c moves past it. Returns 0 or -1 (malformed or
 * another tag).
 */
static int
der_next(struct der_cur *c, int tag, int cls, struct der_cur *in)
{
	const unsigned char *q = c->p;
	long len, hdr;
	int t, k, r;

	if (c->left <= 0)
		return -1;
	r = ASN1_get_object(&q, &len, &t, &k, c->left);
	if ((r & 0x80) || (r & 0x01))
		return -1;
	hdr = q - c->p;
	if (hdr <= 0 || hdr > c->left || len < 0 || len > c->left - hdr)
		return -1;
	if (tag >= 0 && (t != tag || k != cls))
		return -1;
	if (in != NULL) {
		in->p = q;
		in->left = len;
	}
	c->p = q + len;
	c->left -= hdr + len;
	return 0;
}

/* Like der_next, but also returns the whole element (header included). */
static int
der_next_tlv(struct der_cur *c, int tag, int cls, const unsigned char **tlv,
    long *tlv_len)
{
	const unsigned char *start = c->p;
	long before = c->left;

	if (der_next(c, tag, cls, NULL) == -1)
		return -1;
	*tlv = start;
	*tlv_len = before - c->left;
	return 0;
}

static int
der_peek_tag(const struct der_cur *c, int *tag, int *cls)
{
	const unsigned char *q = c->p;
	long len;
	int r;

	if (c->left <= 0)
		return -1;
	r = ASN1_get_object(&q, &len, tag, cls, c->left);
	return (r & 0x80) ? -1 : 0;
}

/* A bounded printable-ASCII copy of a string's content, or NULL. */
static char *
der_strdup(const struct der_cur *s, size_t max)
{
	char *out;
	long i;

	if (s->left <= 0 || (size_t)s->left > max)
		return NULL;
	for (i = 0; i < s->left; i++)
		if (s->p[i] < 0x20 || s->p[i] > 0x7e)
			return NULL;
	if ((out = malloc((size_t)s->left + 1)) == NULL)
		return NULL;
	memcpy(out, s->p, (size_t)s->left);
	out[s->left] = '\0';
	return out;
}

/* A GeneralizedTime element as Unix time. */
static int
der_time(struct der_cur *c, int64_t *t)
{
	const unsigned char *tlv, *q;
	long tlv_len;
	ASN1_GENERALIZEDTIME *gt;
	struct tm tm;
	int ok;

	if (der_next_tlv(c, V_ASN1_GENERALIZEDTIME, V_ASN1_UNIVERSAL, &tlv,
	    &tlv_len) == -1)
		return -1;
	q = tlv;
	if ((gt = d2i_ASN1_GENERALIZEDTIME(NULL, &q, tlv_len)) == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	ok = ASN1_GENERALIZEDTIME_check(gt) && ASN1_TIME_to_tm(gt, &tm);
	ASN1_GENERALIZEDTIME_free(gt);
	if (!ok)
		return -1;
	*t = (int64_t)timegm(&tm);
	return 0;
}

/* "vo://host:port" into ac->vo and ac->uri. */
static int
ac_set_uri(struct voms_ac *ac, const struct der_cur *s)
{
	char *all, *sep;

	if ((all = der_strdup(s, 2 * VOMS_AC_NAME_MAX_BYTES + 3)) == NULL)
		return -1;
	sep = strstr(all, "://");
	if (sep == NULL || sep == all || sep[3] == '\0' ||
	    (size_t)(sep - all) > VOMS_AC_NAME_MAX_BYTES ||
	    strlen(sep + 3) > VOMS_AC_NAME_MAX_BYTES) {
		free(all);
		return -1;
	}
	*sep = '\0';
	ac->uri = strdup(sep + 3);
	ac->vo = all;
	return ac->uri == NULL ? -1 : 0;
}

/* Append one FQAN to ac->fqans. */
static int
ac_add_fqan(struct voms_ac *ac, const struct der_cur *s)
{
	char *f, *joined;
	size_t old;

	if (ac->n_fqans >= VOMS_AC_FQANS_MAX)
		return -1;
	if ((f = der_strdup(s, VOMS_AC_FQAN_MAX_BYTES)) == NULL)
		return -1;
	if (f[0] != '/') {
		free(f);
		return -1;
	}
	if (ac->fqans == NULL) {
		ac->fqans = f;
	} else {
		old = strlen(ac->fqans);
		joined = realloc(ac->fqans, old + 1 + strlen(f) + 1);
		if (joined == NULL) {
			free(f);
			return -1;
		}
		joined[old] = '\n';
		memcpy(joined + old + 1, f, strlen(f) + 1);
		ac->fqans = joined;
		free(f);
	}
	ac->n_fqans++;
	return 0;
}

/*
 * IetfAttrSyntax ::= SEQUENCE { policyAuthority [0] GeneralNames OPTIONAL,
 *     values SEQUENCE OF (OCTET STRING | OID | UTF8String) }
 * VOMS puts the URI in policyAuthority and the FQANs as OCTET STRINGs.
 */
static const char *
ac_parse_ietfattr(struct voms_ac *ac, struct der_cur *c)
{
	struct der_cur seq, pa, name, vals, v;
	int tag, cls;

	if (der_next(c, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &seq) == -1)
		return "attribute value is not a SEQUENCE";
	if (der_peek_tag(&seq, &tag, &cls) == 0 && tag == 0 &&
	    cls == V_ASN1_CONTEXT_SPECIFIC) {
		if (der_next(&seq, 0, V_ASN1_CONTEXT_SPECIFIC, &pa) == -1)
			return "bad policy authority";
		/* GeneralName uniformResourceIdentifier [6] IA5String */
		if (ac->vo == NULL &&
		    der_next(&pa, 6, V_ASN1_CONTEXT_SPECIFIC, &name) == 0 &&
		    ac_set_uri(ac, &name) == -1)
			return "bad policy authority URI";
	}
	if (der_next(&seq, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &vals) == -1)
		return "no FQAN values";
	while (vals.left > 0) {
		if (der_next(&vals, V_ASN1_OCTET_STRING, V_ASN1_UNIVERSAL,
		    &v) == -1)
			return "FQAN is not an OCTET STRING";
		if (ac_add_fqan(ac, &v) == -1)
			return "bad FQAN (empty, too long, too many, not printable)";
	}
	return NULL;
}

/* attributes SEQUENCE OF Attribute { type OID, values SET OF ... } */
static const char *
ac_parse_attrs(struct voms_ac *ac, struct der_cur *attrs)
{
	struct der_cur attr, oid, set;
	const char *why;

	while (attrs->left > 0) {
		if (der_next(attrs, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL,
		    &attr) == -1 ||
		    der_next(&attr, V_ASN1_OBJECT, V_ASN1_UNIVERSAL, &oid) == -1 ||
		    der_next(&attr, V_ASN1_SET, V_ASN1_UNIVERSAL, &set) == -1)
			return "bad attribute";
		if (oid.left != (long)sizeof(voms_attr_oid) ||
		    memcmp(oid.p, voms_attr_oid, sizeof(voms_attr_oid)) != 0)
			continue;
		while (set.left > 0)
			if ((why = ac_parse_ietfattr(ac, &set)) != NULL)
				return why;
	}
	return NULL;
}

/*
 * AttributeCertificate ::= SEQUENCE { acinfo, signatureAlgorithm, signature }
 * acinfo ::= SEQUENCE { version, holder, issuer, signature, serialNumber,
 *     attrCertValidityPeriod, attributes, issuerUniqueID?, extensions? }
 */
static const char *
ac_parse_one(struct voms_ac *ac, struct der_cur *c)
{
	struct der_cur acd, info, validity, attrs;
	const char *why;
	int i;

	if (der_next(c, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &acd) == -1 ||
	    der_next(&acd, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &info) == -1)
		return "AC is not a SEQUENCE";
	if (der_next(&info, V_ASN1_INTEGER, V_ASN1_UNIVERSAL, NULL) == -1)
		return "AC has no version";
	/* holder, issuer, signature algorithm, serial: not needed here */
	for (i = 0; i < 4; i++)
		if (der_next(&info, -1, 0, NULL) == -1)
			return "AC header truncated";
	if (der_next(&info, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &validity) == -1 ||
	    der_time(&validity, &ac->not_before) == -1 ||
	    der_time(&validity, &ac->not_after) == -1)
		return "bad AC validity period";
	if (der_next(&info, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &attrs) == -1)
		return "AC has no attributes";
	if ((why = ac_parse_attrs(ac, &attrs)) != NULL)
		return why;
	if (ac->n_fqans == 0)
		return "AC carries no FQAN";
	if (ac->vo == NULL)
		return "AC carries no VO URI";
	return NULL;
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

int
voms_ac_parse_der(const unsigned char *der, size_t len,
    struct voms_ac_list *list, struct pr_error *err)
{
	struct der_cur top, outer, inner;
	const char *why = NULL;

	memset(list, 0, sizeof(*list));
	if (der == NULL || len == 0 || len > VOMS_AC_EXT_MAX_BYTES) {
		(void)pr_error_set(err, PR_ERR_SSL,
		    "VOMS AC extension: empty or over %d bytes",
		    VOMS_AC_EXT_MAX_BYTES);
		return -1;
	}
	top.p = der;
	top.left = (long)len;
	if (der_next(&top, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &outer) == -1 ||
	    top.left != 0) {
		why = "not one DER SEQUENCE";
		goto fail;
	}
	while (why == NULL && outer.left > 0) {
		if (der_next(&outer, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL,
		    &inner) == -1) {
			why = "AC list is not a SEQUENCE";
			break;
		}
		while (why == NULL && inner.left > 0) {
			if (list->n_acs >= VOMS_AC_MAX) {
				why = "too many ACs";
				break;
			}
			why = ac_parse_one(&list->acs[list->n_acs++], &inner);
		}
	}
	if (why == NULL && list->n_acs == 0)
		why = "no AC";
	if (why == NULL)
		return 0;
fail:
	voms_ac_list_free(list);
	(void)pr_error_set(err, PR_ERR_SSL, "VOMS AC extension: %s", why);
	return -1;
}

int
voms_ac_parse_chain(X509 *cert, STACK_OF(X509) *chain,
    struct voms_ac_list *list, struct pr_error *err)
{
	ASN1_OBJECT *oid;
	X509_EXTENSION *ext;
	ASN1_OCTET_STRING *val;
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
		if (x == NULL)
			continue;
		if ((pos = X509_get_ext_by_OBJ(x, oid, -1)) < 0)
			continue;
		ASN1_OBJECT_free(oid);
		if ((ext = X509_get_ext(x, pos)) == NULL ||
		    (val = X509_EXTENSION_get_data(ext)) == NULL) {
			(void)pr_error_set(err, PR_ERR_SSL,
			    "VOMS AC extension: unreadable");
			return -1;
		}
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
