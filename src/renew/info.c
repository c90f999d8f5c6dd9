/*
 * info.c: the worker's Mode=info (renew_engine.h): MyProxy INFO of the
 * stored credential behind the current proxy, asked with that proxy
 * itself (as myproxy-info does), servers in order until one answers; the
 * credential watch of the daemon (credwatch.c) asks it.
 *
 * Invariants (as renew.c): every server tried and failed leaves one entry
 * in res->errors with its own text; no Globus, no logging, no exit (the
 * INFO call is req->info).
 */
#include <errno.h>
#include <string.h>

#include "cred.h"
#include "renew_engine.h"
#include "renew_util.h"

/* The identity the INFO asks about: the current proxy's base subject. */
static int
info_identity(const struct info_request *req, struct renew_result *res)
{
	struct cred_info cur;
	struct pr_error err;
	int rc;

	memset(&cur, 0, sizeof(cur));
	pr_error_clear(&err);
	if ((rc = cred_inspect(req->proxy_pem, req->proxy_len, req->now, &cur,
	    &err)) != 0) {
		res->code = rc;
		renew_fmt_field(res->msg, sizeof(res->msg), "current proxy: %s",
		    err.msg);
		return rc;
	}
	res->old_end_time = cred_expiry(&cur);
	renew_fmt_field(res->identity, sizeof(res->identity), "%s",
	    cur.identity);
	cred_info_free(&cur);
	return 0;
}

/* One server answered: what the watch keeps. */
static void
info_take(const struct info_request *req, const struct renew_server *srv,
    const struct myproxy_cred_info *ci, struct renew_result *res)
{
	res->code = 0;
	res->is_info = 1;
	res->end_time = ci->end_time;
	renew_fmt_field(res->server, sizeof(res->server), "%s", srv->name);
	renew_fmt_field(res->renewers, sizeof(res->renewers), "%s",
	    ci->renewers);
	res->renew_allowed = renew_policy_allows(ci->renewers,
	    req->service_dn);
}

int
info_run(const struct info_request *req, struct renew_result *res)
{
	struct renew_server srv[RENEW_SERVERS_MAX];
	struct myproxy_cred_info ci;
	struct pr_error err;
	unsigned char pass[RENEW_SERVERS_MAX];
	size_t i, n_srv = 0, n_skipped;
	int rc, unreachable;

	memset(res, 0, sizeof(*res));
	pr_error_clear(&err);
	if (renew_parse_servers(req->servers, srv, RENEW_SERVERS_MAX, &n_srv,
	    &err) != 0) {
		res->code = err.code;
		renew_fmt_field(res->msg, sizeof(res->msg), "%s", err.msg);
		return res->code;
	}
	if (info_identity(req, res) != 0)
		return res->code;
	n_skipped = renew_pass_over(srv, n_srv, req->skip, req->n_skip, pass);
	for (i = 0; i < n_srv; i++) {
		if (pass[i])
			continue;
		pr_error_clear(&err);
		unreachable = 0;
		rc = req->info(&srv[i], res->identity, req->authz_path,
		    req->cadir, req->server_timeout_sec, &ci, &unreachable,
		    &err);
		if (rc == 0 && ci.end_time > 0) {
			info_take(req, &srv[i], &ci, res);
			return 0;
		}
		if (rc == 0)
			(void)pr_error_set(&err, rc = PR_ERR_MYPROXY, "no end "
			    "time in the INFO reply");
		renew_note_failure(res, srv[i].name, rc, unreachable, err.msg);
	}
	renew_summarize_failure(res, "credential check", (int)n_skipped);
	return res->code;
}
