/*
 * renew_engine.h: the worker's engine: one renewal, MyProxy with failover
 * over the servers in order, then the VOMS ACs once, then verification of
 * the result (renew.c). Linked into proxy-renewd-worker and the unit tests
 * only, never into proxy-renewd or libproxyrenew.
 *
 * No Globus here either: the MyProxy GET and the VOMS refresh are
 * callbacks (myproxy_client.c, voms_client.c, linked only into the
 * worker), so the logic is unit-tested with fakes. Lower layer: fills
 * struct renew_result / struct pr_error, never logs, never exits.
 */
#ifndef PR_RENEW_ENGINE_H
#define PR_RENEW_ENGINE_H

#include "renew_contract.h"

/*
 * WORKER: one MyProxy GET from one server. Returns 0 with *pem (malloc'ed,
 * caller wipes and frees) holding the delegated proxy (certificate, key,
 * chain), or an error code with err.msg carrying the server's own text.
 * With certreq (the path of a PEM certificate request) the server signs
 * that request and *pem holds certificate and chain only, no key.
 * *is_unreachable is set when the server could not be talked to at all.
 */
typedef int (*renew_fetch_fn)(const struct renew_server *srv,
    const char *username, const char *authz_proxy_path, int lifetime_sec,
    const char *certreq, const struct service_cred *svc, int timeout_sec,
    char **pem, size_t *pem_len, int *is_unreachable, struct pr_error *err);

/* WORKER: a key made ahead (New_key_fd=1) and the request made from it. */
struct renew_new_key {
	const char *certreq_path;	/* PEM certificate request */
	const char *key_pem;		/* the key as the new proxy holds it */
	size_t key_len;
};

/*
 * WORKER: VOMS hook (-A): given the request (current proxy, vomsdir,
 * vomses) and the proxy just fetched from MyProxy, return in *out a new
 * PEM carrying fresh ACs with the current proxy's FQANs in the same order.
 * Called once per renewal, after MyProxy delivered, and only when the
 * current proxy carries FQANs; it fails over between a VO's servers
 * itself and appends each VOMS server that failed ("voms:host:port") to
 * res->errors. When no hook is set (-A not given) renewal of such a proxy
 * fails (PR_ERR_VOMS) before any MyProxy GET, rather than silently
 * dropping the attributes.
 */
struct renew_request;
typedef int (*renew_voms_fn)(const struct renew_request *req, const char *pem,
    size_t pem_len, char **out, size_t *out_len, struct renew_result *res,
    struct pr_error *err);

struct renew_request {
	const char *servers;		/* "host[:port],..." */
	const char *proxy_path;		/* current proxy: identity + authorisation */
	const char *proxy_pem;		/* its content when already read; NULL:
					 * read proxy_path */
	size_t proxy_len;
	const char *authz_path;		/* the path the MyProxy library opens for
					 * it; NULL: proxy_path */
	int lifetime_sec;		/* requested lifetime, seconds */
	int server_timeout_sec;		/* per server, seconds */
	struct service_cred svc;
	const char *const *skip;	/* "host:port" cooling down */
	size_t n_skip;
	renew_fetch_fn fetch;		/* myproxy_fetch in the worker */
	const struct renew_new_key *new_key;	/* NULL: MyProxy's exchange
					 * makes the key */
	renew_voms_fn voms;		/* NULL: -A not given */
	const char *vomsdir;		/* -V; NULL: library default */
	const char *vomses;		/* -G; NULL: library default */
	int out_fd;			/* receives the verified proxy; -1: don't write */
	time_t now;			/* wall clock for expiry checks */
};

/*
 * WORKER: read the current proxy; MyProxy: try each server in order
 * (skipping those cooling down) until one delivers a proxy of the same
 * identity ending later (with new_key: a certificate for that key, which
 * is put after it, as MyProxy puts its own); then, for a proxy with VOMS attributes, VOMS
 * once; verify the result (parses, key matches, same identity, later
 * earliest expiry) and write it to req->out_fd. A VOMS failure blames no
 * MyProxy server and repeats no GET. Returns res->code.
 */
int renew_run(const struct renew_request *req, struct renew_result *res);

/* What a MyProxy INFO reply says about the stored credential. */
struct myproxy_cred_info {
	int64_t start_time;		/* Unix time */
	int64_t end_time;		/* when the stored credential ends */
	int n_creds;			/* credentials stored for the user */
	char owner[512];		/* the owner's DN */
	char renewers[512];		/* its renewers policy; "" server default */
};

/* WORKER: one MyProxy INFO on one server (myproxy_info in the worker). */
typedef int (*renew_info_fn)(const struct renew_server *srv,
    const char *username, const char *proxy_path, const char *cadir,
    int timeout_sec, struct myproxy_cred_info *info, int *is_unreachable,
    struct pr_error *err);

/* Mode=info: one credential watch question (info.c). */
struct info_request {
	const char *servers;		/* "host[:port],..." */
	const char *proxy_pem;		/* the current proxy: who asks */
	size_t proxy_len;
	const char *authz_path;		/* the path the MyProxy library opens */
	const char *cadir;		/* trusted CAs */
	const char *service_dn;		/* judged against the renewers policy */
	int server_timeout_sec;
	const char *const *skip;	/* "host:port" cooling down */
	size_t n_skip;
	renew_info_fn info;		/* myproxy_info in the worker */
	time_t now;
};

/*
 * WORKER: MyProxy INFO for the current proxy's identity, servers in order
 * (those cooling down skipped unless all are) until one answers: 0 with
 * res->server, res->end_time (the stored credential's end), the renewers
 * policy and res->renew_allowed; or the failure with every server's text
 * in res->errors (as renew_run). Returns res->code.
 */
int info_run(const struct info_request *req, struct renew_result *res);

#endif /* PR_RENEW_ENGINE_H */
