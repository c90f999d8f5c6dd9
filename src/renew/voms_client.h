/*
 * voms_client.h: WORKER: renew the VOMS ACs of a proxy. For every AC of the
 * old proxy, ask that VO's VOMS servers (the AC's own URI first, then the
 * vomses configuration) for the same FQANs in the same order, authenticated
 * with the freshly renewed proxy, through the VOMS C API (VOMS_ContactRaw);
 * then build a new proxy signed by the renewed one carrying the fresh ACs
 * (proxy_assemble) and verify it against the vomsdir (VOMS_Retrieve) and
 * the old FQAN list before handing it back.
 * Lower layer: fills struct pr_error, never logs. Runs only in the worker
 * process (the VOMS library keeps global state and blocks).
 *
 * Cool-down (as for MyProxy servers, renew_contract.h): a VOMS server is named
 * "voms:host:port" (RENEW_VOMS_NAME_PREFIX) in the caller's skip list and
 * error report, so it never clashes with a MyProxy "host:port". Servers in
 * opts->skip are not contacted unless every server of that VO is listed.
 */
#ifndef PR_VOMS_CLIENT_H
#define PR_VOMS_CLIENT_H

#include <stddef.h>

#include "pr_error.h"
#include "renew_engine.h"

#define VOMS_CLIENT_TIMEOUT_SEC_DEFAULT	30	/* per server contacted */
#define VOMS_CLIENT_SERVERS_MAX		8	/* per VO */
#define VOMS_CLIENT_MIN_LIFETIME_SEC	300	/* AC lifetime asked, at least */
#define VOMS_CLIENT_NAME_PREFIX		RENEW_VOMS_NAME_PREFIX	/* "voms:" */

struct voms_client_opts {
	const char *vomsdir;	/* -V; NULL: $X509_VOMS_DIR, else /etc/grid-security/vomsdir */
	const char *certdir;	/* -C; NULL: $X509_CERT_DIR, else /etc/grid-security/certificates */
	const char *vomses;	/* -G file or dir; NULL: $X509_VOMSES, else /etc/vomses
				   and /etc/grid-security/vomses */
	int timeout_sec;	/* per server; 0: VOMS_CLIENT_TIMEOUT_SEC_DEFAULT */
	int bits;		/* RSA bits of the new proxy; 0: 2048 */
	const char *const *skip;	/* "voms:host:port" cooling down */
	size_t n_skip;
	struct renew_server_error *errors;	/* NULL, or room for errors_max:
					   every server that failed, once
					   (is_unreachable: could not connect) */
	size_t errors_max;
	size_t *n_errors;	/* entries used in errors; kept across calls */
	char (*delivered)[RENEW_SERVER_NAME_MAX];	/* NULL, or room for
					   delivered_max names: every server
					   that gave an AC, once */
	size_t delivered_max;
	size_t *n_delivered;	/* entries used in delivered */
};

/*
 * old_pem: the proxy being renewed (its ACs say what to ask for);
 * renewed_pem: the proxy just obtained from MyProxy (same identity, no AC
 * needed). On success *out_pem (malloc'd, NUL-terminated) is the new proxy
 * with fresh ACs, or NULL when the old proxy carries no AC (nothing to do:
 * use renewed_pem as is). Errors: PR_ERR_VOMS with the VOMS server's own
 * message for every server tried ("host:port: why; ..."), PR_ERR_SSL for
 * unusable input credentials, ENOMEM. Returns 0 or -1.
 */
int voms_client_renew(const char *old_pem, size_t old_len,
    const char *renewed_pem, size_t renewed_len,
    const struct voms_client_opts *opts, char **out_pem, size_t *out_len,
    struct pr_error *err);

/*
 * The same, reading the old proxy from old_path (cred_read_file: no
 * symlink, regular file, bounded size). For the worker's hook, which has
 * the current proxy's path and the PEM just fetched from MyProxy.
 */
int voms_client_renew_file(const char *old_path, const char *renewed_pem,
    size_t renewed_len, const struct voms_client_opts *opts, char **out_pem,
    size_t *out_len, struct pr_error *err);

/*
 * The VOMS request for one FQAN: "/vo/g/Role=r/Capability=NULL" gives
 * command "B/vo/g:r" and order "/vo/g:r"; "/vo/g[/Role=NULL...]" gives
 * "G/vo/g" and "/vo/g". Returns 0, or -1 for a malformed FQAN (empty, not
 * starting with '/', containing ',' ':' or whitespace, too long).
 */
int voms_client_fqan_request(const char *fqan, char *cmd, size_t cmd_size,
    char *order, size_t order_size);

#endif /* PR_VOMS_CLIENT_H */
