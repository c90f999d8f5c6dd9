/*
 * renew_contract.c: what both sides of the worker contract need besides
 * the frames (wire.c) and the service credential (svc_cred.c): server
 * lists, the check that a new proxy may replace the current one, and the
 * small helpers of src/renew (renew_util.h). No Globus.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred.h"
#include "port.h"
#include "pr_limits.h"
#include "renew_contract.h"
#include "renew_util.h"

void
renew_fmt_field(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(dst, size, fmt, ap);
	va_end(ap);
}

/* A failed server, once, in the order tried (renew.c invariant 2). */
void
renew_note_failure(struct renew_result *res, const char *server, int rc,
    int unreachable, const char *msg)
{
	struct renew_server_error *se;

	if (res->n_errors >= RENEW_SERVERS_MAX)
		return;
	se = &res->errors[res->n_errors++];
	se->code = rc;
	se->is_unreachable = unreachable;
	renew_fmt_field(se->server, sizeof(se->server), "%s", server);
	renew_fmt_field(se->msg, sizeof(se->msg), "%s", msg);
}

size_t
renew_pass_over(const struct renew_server *srv, size_t n_srv,
    const char *const *skip, size_t n_skip, unsigned char *pass)
{
	size_t i, j, n = 0;

	for (i = 0; i < n_srv; i++) {
		for (j = 0; j < n_skip && strcmp(skip[j], srv[i].name) != 0; j++)
			;
		pass[i] = j < n_skip;
		n += pass[i];
	}
	if (n == n_srv) {	/* all cooling down: try them all */
		memset(pass, 0, n_srv);
		n = 0;
	}
	return n;
}

/* res->code and res->msg from the servers' errors: "WHAT failed: ...". */
void
renew_summarize_failure(struct renew_result *res, const char *what,
    int n_skipped)
{
	size_t i, off;
	int last = res->n_errors > 0 ? res->errors[res->n_errors - 1].code :
	    PR_ERR_MYPROXY;

	res->code = last;
	off = (size_t)snprintf(res->msg, sizeof(res->msg), "%s failed", what);
	if (n_skipped > 0 && off < sizeof(res->msg))
		off += (size_t)snprintf(res->msg + off, sizeof(res->msg) - off,
		    " (%d server(s) cooling down, not tried)", n_skipped);
	for (i = 0; i < res->n_errors && off < sizeof(res->msg); i++)
		off += (size_t)snprintf(res->msg + off, sizeof(res->msg) - off,
		    "%s %s: %s", i == 0 ? ":" : ";", res->errors[i].server,
		    res->errors[i].msg);
}

const char *
renew_allowed_name(int allowed)
{
	return allowed == RENEW_ALLOWED_YES ? "yes" :
	    allowed == RENEW_ALLOWED_NO ? "no" : "server-default";
}

int
renew_allowed_parse(const char *name)
{
	if (strcmp(name, "yes") == 0)
		return RENEW_ALLOWED_YES;
	if (strcmp(name, "no") == 0)
		return RENEW_ALLOWED_NO;
	if (strcmp(name, "server-default") == 0)
		return RENEW_ALLOWED_UNKNOWN;
	return -2;
}

int
renew_policy_allows(const char *policy, const char *dn)
{
	if (policy == NULL || policy[0] == '\0')
		return RENEW_ALLOWED_UNKNOWN;
	if (dn == NULL || dn[0] == '\0')
		return RENEW_ALLOWED_NO;
	return fnmatch(policy, dn, 0) == 0 ? RENEW_ALLOWED_YES :
	    RENEW_ALLOWED_NO;
}

static int
parse_one_server(const char *s, size_t len, struct renew_server *srv,
    struct pr_error *err)
{
	const char *colon = memchr(s, ':', len);
	size_t hlen = colon != NULL ? (size_t)(colon - s) : len;
	size_t i;

	if (hlen == 0)
		return pr_error_set(err, EINVAL, "server list: empty host name");
	if (hlen > RENEW_HOST_MAX_BYTES)
		return pr_error_set(err, EINVAL, "server list: host name longer "
		    "than %d bytes", RENEW_HOST_MAX_BYTES);
	for (i = 0; i < hlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '.' && c != '-')
			return pr_error_set(err, EINVAL, "server list: invalid "
			    "character 0x%02x in host name (no spaces allowed)",
			    c);
	}
	memcpy(srv->host, s, hlen);
	srv->host[hlen] = '\0';
	srv->port = PR_MYPROXY_PORT_DEFAULT;
	if (colon != NULL && port_parse(colon + 1, len - hlen - 1,
	    &srv->port) == -1)
		return pr_error_set(err, EINVAL, "server list: bad port for "
		    "host %s (1..65535)", srv->host);
	renew_fmt_field(srv->name, sizeof(srv->name), "%s:%d", srv->host,
	    srv->port);
	return 0;
}

int
renew_parse_servers(const char *spec, struct renew_server *out, size_t max,
    size_t *n, struct pr_error *err)
{
	const char *p = spec, *comma;
	size_t len;
	int rc;

	*n = 0;
	if (spec == NULL || *spec == '\0')
		return pr_error_set(err, EINVAL, "no MyProxy server given");
	if (strnlen(spec, PR_SERVERS_MAX_BYTES + 1) > PR_SERVERS_MAX_BYTES)
		return pr_error_set(err, EINVAL, "server list longer than %d "
		    "bytes", PR_SERVERS_MAX_BYTES);
	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (*n == max)
			return pr_error_set(err, EINVAL, "server list: more "
			    "than %zu servers", max);
		if ((rc = parse_one_server(p, len, &out[*n], err)) != 0)
			return rc;
		(*n)++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

int
renew_verify_info(const struct cred_info *info, const char *cur_identity,
    int64_t cur_end, int64_t *new_end, struct pr_error *err)
{
	*new_end = cred_expiry(info);
	if (strcmp(info->identity, cur_identity) != 0)
		return pr_error_set(err, PR_ERR_SSL, "new proxy is for %s, not "
		    "for %s", info->identity, cur_identity);
	if (*new_end <= cur_end)
		return pr_error_set(err, PR_ERR_MYPROXY, "new proxy would end "
		    "earlier (%lld) than the current one (%lld): the stored "
		    "credential is ending", (long long)*new_end,
		    (long long)cur_end);
	return 0;
}

int
renew_verify(const char *new_pem, size_t new_len, const char *cur_identity,
    int64_t cur_end, time_t now, int64_t *new_end, struct pr_error *err)
{
	struct cred_info info;
	int rc;

	memset(&info, 0, sizeof(info));
	if ((rc = cred_inspect(new_pem, new_len, now, &info, err)) != 0)
		return rc == ENOMEM ? rc : PR_ERR_SSL;
	rc = renew_verify_info(&info, cur_identity, cur_end, new_end, err);
	cred_info_free(&info);
	return rc;
}

