/*
 * myproxy_client.h: the one interface of ours to libmyproxy / Globus GSI.
 * WORKER only: the Globus libraries keep global state, block, and leak;
 * they must never be linked into the master or the client library.
 */
#ifndef PR_MYPROXY_CLIENT_H
#define PR_MYPROXY_CLIENT_H

#include "renew_engine.h"

/*
 * WORKER: MyProxy GET of username's credential from srv with an empty
 * passphrase, authenticated by the service credential svc (exported to
 * Globus as X509_USER_CERT / X509_USER_KEY / X509_CERT_DIR; X509_USER_PROXY
 * is unset), authorised by the proxy at authz_proxy_path (as myproxy-logon
 * -a does); with certreq (a PEM certificate request's path) the server
 * signs that request (myproxy_request_cert): *pem is certificate and chain
 * without a key. Connect and every read are bounded by timeout_sec. A
 * renew_fetch_fn: 0 and the delegated proxy in *pem, or PR_ERR_MYPROXY
 * (the server refused: err.msg holds its text), PR_ERR_TIMEOUT, or
 * PR_ERR_GENERIC; *is_unreachable when the server could not be talked to.
 */
int myproxy_fetch(const struct renew_server *srv, const char *username,
    const char *authz_proxy_path, int lifetime_sec, const char *certreq,
    const struct service_cred *svc, int timeout_sec, char **pem,
    size_t *pem_len, int *is_unreachable, struct pr_error *err);


/*
 * WORKER: MyProxy INFO for username's stored credentials on srv,
 * authenticated with the user's own proxy at proxy_path (as myproxy-info:
 * X509_USER_PROXY is set, X509_USER_CERT/KEY unset), trusting cadir. 0 and
 * *info (the default credential, else the first), or PR_ERR_MYPROXY (the
 * server's text in err.msg, e.g. no credential), PR_ERR_GENERIC;
 * *is_unreachable when the server could not be talked to.
 */
int myproxy_info(const struct renew_server *srv, const char *username,
    const char *proxy_path, const char *cadir, int timeout_sec,
    struct myproxy_cred_info *info, int *is_unreachable,
    struct pr_error *err);

#endif /* PR_MYPROXY_CLIENT_H */
