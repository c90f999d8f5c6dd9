/*
 * voms_ac.h: read the VOMS attribute certificates (ACs) that a proxy
 * carries, with OpenSSL ASN.1 templates and without verifying any
 * signature (the master inspects; the worker verifies what it fetches
 * against the vomsdir through the VOMS library). The only AC reader of the
 * project: cred_inspect fills cred_info.fqans / ac_not_after from it, the
 * VOMS renewal asks each AC's server for the same FQANs.
 *
 * The ACs live in the X.509 extension 1.3.6.1.4.1.8005.100.100.5 of a proxy
 * certificate: SEQUENCE { SEQUENCE OF AttributeCertificate } (RFC 5755;
 * VOMS's AC_SEQ). Each AC carries the VOMS attribute
 * 1.3.6.1.4.1.8005.100.100.4 whose policy authority is the URI
 * "<vo>://<host>:<port>" and whose values are the FQANs in the order the
 * server issued them.
 * Lower layer: fills struct pr_error, never logs. All input is untrusted:
 * sizes and counts are checked against the VOMS_AC_* bounds.
 */
#ifndef PR_VOMS_AC_H
#define PR_VOMS_AC_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "pr_error.h"

#define VOMS_AC_EXT_OID		"1.3.6.1.4.1.8005.100.100.5"
#define VOMS_AC_MAX		16	/* ACs in one proxy */
#define VOMS_AC_FQANS_MAX	64	/* FQANs in one AC */
#define VOMS_AC_FQAN_MAX_BYTES	1024	/* one FQAN */
#define VOMS_AC_NAME_MAX_BYTES	255	/* VO name, host:port */
#define VOMS_AC_EXT_MAX_BYTES	(1024 * 1024)	/* the whole extension */

struct voms_ac {
	char *vo;		/* VO name from the policy authority URI */
	char *uri;		/* "host:port" of the issuing server */
	char *fqans;		/* FQANs of this AC in order, '\n'-separated */
	int n_fqans;		/* lines in fqans, >= 1 */
	int64_t not_before;	/* Unix time */
	int64_t not_after;	/* Unix time */
};

struct voms_ac_list {
	struct voms_ac acs[VOMS_AC_MAX];	/* in extension order */
	int n_acs;				/* 0 when the proxy has none */
};

/*
 * Parse the AC extension value (the DER inside the extension's OCTET
 * STRING). Fills *list (empty on entry is not required; it is reset); an
 * empty AC list gives n_acs 0. Every AC has vo, uri and >= 1 FQAN.
 * Returns 0, or -1 with err set: PR_ERR_VOMS (err.msg says what is
 * malformed) or ENOMEM. On error *list is empty.
 */
int voms_ac_parse_der(const unsigned char *der, size_t len,
    struct voms_ac_list *list, struct pr_error *err);

/*
 * The ACs of the first certificate, from cert up through chain (which may
 * be NULL), that carries the extension; none is not an error (n_acs 0).
 */
int voms_ac_parse_chain(X509 *cert, STACK_OF(X509) *chain,
    struct voms_ac_list *list, struct pr_error *err);

/* All FQANs of all ACs in order, '\n'-separated ("" when none); NULL on ENOMEM. */
char *voms_ac_fqans(const struct voms_ac_list *list);

/* The earliest AC notAfter, 0 when there is no AC. */
int64_t voms_ac_not_after(const struct voms_ac_list *list);

/* Free what the list holds and make it empty. */
void voms_ac_list_free(struct voms_ac_list *list);

/* t (UTCTime or GeneralizedTime) as Unix time; -1 when NULL or unreadable.
 * Also cred.c's reading of certificate validity. */
int voms_ac_time_to_unix(const ASN1_TIME *t, int64_t *out);

#endif /* PR_VOMS_AC_H */
