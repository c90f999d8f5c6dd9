/*
 * history.c: the renewal audit trail as the daemon sees it: the row an
 * attempt leaves (built from the worker's result, recorded by
 * sched_renewal.c through the store's renewal intents) and HISTORY, which
 * reads a proxy's rows back (the store's table attempt, store_history.c).
 *
 * Rules:
 *  (1) HISTORY is answered as STATUS is (any caller the daemon serves):
 *      the record's keys, History_kept=, then the attempts newest first,
 *      each starting with Attempt_time= (a client splits there).
 *  (2) The reply stays below PR_REPLY_LIST_MAX_BYTES: older attempts past
 *      it are counted in Omitted=, never cut.
 *  (3) A server's line holds no newline: the servers text is split into
 *      one Attempt_server= per line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "failure_class.h"
#include "message.h"
#include "pr_limits.h"
#include "renew_contract.h"
#include "store.h"

#define SERVER_TEXT_MAX	200	/* one server's own text in its line */

/* Append a server's line to buf at *off; its newlines become spaces. */
static void
servers_add(char *buf, size_t size, size_t *off, const char *name,
    const char *outcome, const char *text)
{
	size_t start = *off, i;
	int n;

	if (*off >= size)
		return;
	n = snprintf(buf + *off, size - *off, "%s%s %s%s%.*s",
	    *off ? "\n" : "", name, outcome, text != NULL ? ": " : "",
	    SERVER_TEXT_MAX, text != NULL ? text : "");
	if (n < 0)
		return;
	*off = (size_t)n < size - *off ? *off + (size_t)n : size - 1;
	for (i = start + (start ? 1 : 0); i < *off; i++)
		if (buf[i] == '\n' || buf[i] == '\r')
			buf[i] = ' ';
}

static int
is_voms_name(const char *name)
{
	return strncmp(name, RENEW_VOMS_NAME_PREFIX,
	    strlen(RENEW_VOMS_NAME_PREFIX)) == 0;
}

/*
 * MyProxy servers in the order tried, the one that renewed, then the VOMS
 * servers that failed and those that gave an AC.
 */
void
history_servers_text(const struct renew_result *res, const char *skipped,
    char *buf, size_t size)
{
	const struct renew_server_error *e;
	size_t i, off = 0;
	int voms;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (voms = 0; voms <= 1; voms++) {
		for (i = 0; i < res->n_errors && i < RENEW_SERVERS_MAX; i++) {
			e = &res->errors[i];
			if (is_voms_name(e->server) == voms)
				servers_add(buf, size, &off, e->server,
				    e->is_unreachable ? "unreachable" :
				    "failed", e->msg);
		}
		if (!voms && res->code == 0 && res->server[0] != '\0')
			servers_add(buf, size, &off, res->server, "renewed",
			    NULL);
	}
	for (i = 0; i < res->n_voms_ok && i < RENEW_SERVERS_MAX; i++)
		servers_add(buf, size, &off, res->voms_ok[i], "gave AC", NULL);
	if (skipped != NULL && *skipped != '\0')
		servers_add(buf, size, &off, "(cooling down)", "not tried",
		    skipped);
}

void
history_attempt_of(struct store_attempt *a, const struct renew_result *res,
    const char *skipped, int64_t now, int64_t dur_ms, int64_t ac_end,
    char *servers_buf, size_t size)
{
	memset(a, 0, sizeof(*a));
	a->at = now;
	a->duration_ms = dur_ms;
	a->result = res->code;
	a->cls = res->code != 0 ? fclass_name(fclass_classify(res->code,
	    res->msg, NULL)) : "";
	history_servers_text(res, skipped, servers_buf, size);
	a->servers = servers_buf;
	a->not_after = res->code == 0 ? res->end_time : 0;
	a->ac_not_after = res->code == 0 ? ac_end : 0;
	a->message = res->code != 0 ? res->msg : "";
}

static int
history_one(const struct store_attempt *a, void *arg)
{
	struct body_list *l = arg;

	if (!body_list_begin(l))	/* rule (2) */
		return 0;
	body_add_int(l->body, PR_KEY_ATTEMPT_TIME, a->at);
	body_add_int(l->body, PR_KEY_ATTEMPT_DURATION_MS, a->duration_ms);
	body_add_int(l->body, PR_KEY_ATTEMPT_RESULT, a->result);
	body_add(l->body, PR_KEY_ATTEMPT_CLASS, a->cls);
	body_add_lines(l->body, PR_KEY_ATTEMPT_SERVER, a->servers); /* rule 3 */
	body_add_int(l->body, PR_KEY_ATTEMPT_END_TIME, a->not_after);
	body_add_int(l->body, PR_KEY_ATTEMPT_AC_END_TIME, a->ac_not_after);
	body_add(l->body, PR_KEY_ATTEMPT_MESSAGE, a->message);
	body_list_end(l);
	return 0;
}

/* The record HISTORY asks about: by Jobid, else by Proxy_name. */
static int
history_record(struct daemon *d, const struct pr_request *req,
    struct store_proxy *p, struct pr_error *err)
{
	const char *name;
	int64_t id;
	int rc;

	if (req->jobid != NULL && req->jobid_len > 0) {
		if ((rc = store_find_job(d->store, req->jobid, req->jobid_len,
		    &id, err)) != 0)
			return rc;
		return store_get_proxy(d->store, id, p, err);
	}
	if (req->proxy_name == NULL || *req->proxy_name == '\0')
		return pr_error_set(err, PR_ERR_PROTO_NOT_FOUND, "HISTORY needs "
		    "Proxy_name or Jobid");
	if ((name = repo_file_of(d, req->proxy_name)) == NULL)
		return pr_error_set(err, PR_ERR_NOT_REGISTERED, "Proxy_name is "
		    "not a file of the repository %s", d->repo_path);
	return store_get_proxy_by_file(d->store, name, p, err);
}

int
history_command(struct daemon *d, const struct pr_request *req,
    struct pr_msg *body, struct pr_error *err)
{
	struct body_list h = { body, 0, 0, 0 };
	struct store_proxy p;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = history_record(d, req, &p, err)) == 0) {
		body_add_proxy(d, body, &p);
		body_add(body, PR_KEY_IDENTITY, p.identity);
		body_add_int(body, PR_KEY_HISTORY_KEPT,
		    store_history_keep(d->store));
		rc = store_history_foreach(d->store, p.id, history_one, &h,
		    err);
		body_add_int(body, PR_KEY_OMITTED, h.n_omitted);
	}
	store_proxy_free(&p);
	return rc;
}
