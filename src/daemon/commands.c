/*
 * commands.c: what each request does. A static table gives, per command
 * code, its name, handler and required keys; anything not in the table
 * (gLite's internal 6 included) is answered 1905. REGISTER is in
 * register.c, STATUS in status.c, HISTORY in history.c, METRICS in metrics.c.
 *
 * Rules:
 *  (1) A handler fills body (the keys of a success) and returns 0, or
 *      returns a code with err.msg set; commands_handle() adds Version,
 *      Response and, on error, Message, and logs the request once.
 *  (2) A change is answered 0 only after store_commit() returned 0; a
 *      failed transaction is rolled back and a repository file created by
 *      it is removed (a file that existed before is never removed).
 *  (3) Files are only ever named by their stored name inside the repository
 *      (repo_fd); a client's Proxy_name never reaches an unlink.
 *  (4) Every lookup is one indexed store query: O(log n) per request;
 *      only LIST and RENEW_ALL walk all proxies.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "fault.h"
#include "log.h"
#include "message.h"
#include "pr_limits.h"
#include "repo_files.h"
#include "store.h"
#include "xmalloc.h"

#define REQ_JOBID	0x1
#define REQ_PROXY_NAME	0x2
#define LOG_JOBID_BYTES	160	/* escaped job id in a log line */

typedef int cmd_fn(struct daemon *d, const struct pr_request *req,
    struct pr_msg *body, struct pr_error *err);

struct cmd_desc {
	int code;		/* enum pr_command */
	const char *name;
	cmd_fn *fn;
	unsigned required;	/* REQ_* keys that must be present */
	int is_batched;		/* success waits for the group commit */
};

static cmd_fn cmd_unregister, cmd_get, cmd_list,
    cmd_renew_all;

static const struct cmd_desc cmds[] = {
	{ PR_CMD_REGISTER, "REGISTER", register_command, REQ_JOBID | REQ_PROXY_NAME,
	  1 },
	{ PR_CMD_UNREGISTER, "UNREGISTER", cmd_unregister, REQ_JOBID, 0 },
	{ PR_CMD_GET, "GET", cmd_get, REQ_JOBID, 0 },
	{ PR_CMD_LIST, "LIST", cmd_list, 0, 0 },
	{ PR_CMD_STATUS, "STATUS", status_command, REQ_PROXY_NAME, 0 },
	{ PR_CMD_RENEW_ALL, "RENEW_ALL", cmd_renew_all, 0, 0 },
	{ PR_CMD_METRICS, "METRICS", metrics_command, 0, 0 },
	{ PR_CMD_STATUS_ALL, "STATUS_ALL", status_all_command, 0, 0 },
	/* Proxy_name or Jobid: the handler checks that one is given */
	{ PR_CMD_HISTORY, "HISTORY", history_command, 0, 0 },
};
#define N_CMDS	(sizeof(cmds) / sizeof(cmds[0]))
_Static_assert(sizeof(cmds) / sizeof(cmds[0]) == 9, "one row per command");

static const struct cmd_desc *
cmd_find(int code)
{
	size_t i;

	for (i = 0; i < N_CMDS; i++)
		if (cmds[i].code == code)
			return &cmds[i];
	return NULL;
}

/* Start-up check of the table: unique codes, never gLite's 6. 0 or -1. */
int
commands_self_check(void)
{
	size_t i, j;

	for (i = 0; i < N_CMDS; i++) {
		if (cmds[i].code == 6 || cmds[i].fn == NULL)
			return -1;
		for (j = i + 1; j < N_CMDS; j++)
			if (cmds[i].code == cmds[j].code)
				return -1;
	}
	return 0;
}

/* Add key=value, turning control characters into '?' (one-line values). */
void
body_add(struct pr_msg *m, const char *key, const char *value)
{
	char *v = xstrdup(value ? value : "");
	char *p;

	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (msg_add(m, key, v) != 0)
		fatalx("msg_add %s failed", key);
	free(v);
}

void
body_add_int(struct pr_msg *m, const char *key, int64_t value)
{
	if (msg_add_int(m, key, value) != 0)
		fatalx("msg_add_int %s failed", key);
}

void
body_add_lines(struct pr_msg *m, const char *key, const char *text)
{
	const char *nl;
	char *one;

	for (; text != NULL && *text != '\0'; text = nl != NULL ? nl + 1 :
	    NULL) {
		nl = strchr(text, '\n');
		one = nl != NULL ? xstrndup(text, (size_t)(nl - text)) :
		    xstrdup(text);
		if (*one != '\0')
			body_add(m, key, one);
		free(one);
	}
}

int
body_list_begin(struct body_list *l)
{
	if (l->bytes > PR_REPLY_LIST_MAX_BYTES) {
		l->n_omitted++;
		return 0;
	}
	l->first = l->body->n_kv;
	return 1;
}

void
body_list_end(struct body_list *l)
{
	size_t i;

	for (i = l->first; i < l->body->n_kv; i++)	/* "Key=value\n" */
		l->bytes += strlen(l->body->kv[i].key) + 2 +
		    l->body->kv[i].value_len;
}

static char *
repo_abs(const struct daemon *d, const char *file)
{
	return xasprintf("%s/%s", d->repo_path, file);
}

/*
 * The stored file name a client's Proxy_name denotes: "<repo>/<name>" or a
 * bare "<name>"; NULL when it cannot be a repository file.
 */
const char *
repo_file_of(const struct daemon *d, const char *proxy_name)
{
	size_t n = strlen(d->repo_path);
	const char *name = proxy_name;

	if (strncmp(proxy_name, d->repo_path, n) == 0 && proxy_name[n] == '/')
		name = proxy_name + n + 1;
	return repo_name_ok(name) ? name : NULL;
}

void
body_add_proxy(const struct daemon *d, struct pr_msg *body,
    const struct store_proxy *p)
{
	char *path = repo_abs(d, p->file);

	body_add(body, PR_KEY_PROXY_NAME, path);
	body_add_int(body, PR_KEY_START_TIME, p->obtained);
	body_add_int(body, PR_KEY_END_TIME, p->not_after);
	body_add_int(body, PR_KEY_RENEWAL_TIME, p->next_renewal);
	body_add(body, PR_KEY_MYPROXY_SERVER, p->servers);
	free(path);
}

static int
cmd_unregister(struct daemon *d, const struct pr_request *req,
    struct pr_msg *body, struct pr_error *err)
{
	struct store_proxy p;
	const char *name;
	int64_t proxy_id, remaining = 1;
	int rc;

	(void)body;
	memset(&p, 0, sizeof(p));
	if ((rc = store_begin(d->store, err)) != 0)
		return rc;
	if ((rc = store_find_job(d->store, req->jobid, req->jobid_len,
	    &proxy_id, err)) != 0 ||
	    (rc = store_get_proxy(d->store, proxy_id, &p, err)) != 0)
		goto fail;
	if (req->proxy_name != NULL && ((name = repo_file_of(d,
	    req->proxy_name)) == NULL || strcmp(name, p.file) != 0)) {
		rc = pr_error_set(err, PR_ERR_NOT_REGISTERED, "Proxy_name is not "
		    "the repository file of this job");
		goto fail;
	}
	/* the last job's removal deletes the proxy row too (store.h) */
	if ((rc = store_remove_job(d->store, req->jobid, req->jobid_len,
	    &proxy_id, &remaining, err)) != 0 ||
	    (rc = store_commit(d->store, err)) != 0)
		goto fail;
	if (remaining == 0) {
		struct pr_error rmerr;

		FAULT_POINT("unregister-committed");
		/* The record is gone for good; a file left behind is
		 * logged now and removed by the next start-up check. */
		if (repo_remove(d->repo_fd, p.file, &rmerr) != 0)
			log_warnx("%s", rmerr.msg);
		else
			log_info("%s: last job left; removed", p.file);
	}
	store_proxy_free(&p);
	return 0;
fail:
	store_rollback(d->store);
	store_proxy_free(&p);
	return rc;
}

static int
cmd_get(struct daemon *d, const struct pr_request *req, struct pr_msg *body,
    struct pr_error *err)
{
	struct store_proxy p;
	int rc;

	if ((rc = store_get_job_proxy(d->store, req->jobid, req->jobid_len,
	    &p, err)) != 0)
		goto out;
	if (p.not_after <= (int64_t)time(NULL)) {
		rc = pr_error_set(err, PR_ERR_EXPIRED, "the proxy of this job "
		    "expired at %lld", (long long)p.not_after);
		goto out;
	}
	body_add_proxy(d, body, &p);
out:
	store_proxy_free(&p);
	return rc;
}

struct list_arg {
	const struct daemon *d;
	struct pr_msg *body;
	int64_t now;		/* expired proxies have no file: not listed */
};

static int
list_one(const struct store_proxy *p, void *arg)
{
	struct list_arg *la = arg;
	char *path;

	if (p->not_after <= la->now)
		return 0;
	path = repo_abs(la->d, p->file);

	body_add(la->body, PR_KEY_PROXY_NAME, path);
	free(path);
	/* ours, after each name: gLite clients read Proxy_name= alone */
	body_add_int(la->body, PR_KEY_LAST_ATTEMPT, p->last_attempt);
	body_add_int(la->body, PR_KEY_LAST_RESULT, p->last_result);
	body_add(la->body, PR_KEY_FAILURE_CLASS, status_class(la->d, p));
	return 0;
}

static int
cmd_list(struct daemon *d, const struct pr_request *req, struct pr_msg *body,
    struct pr_error *err)
{
	struct list_arg la = { d, body, (int64_t)time(NULL) };

	(void)req;
	return store_foreach_proxy(d->store, list_one, &la, err);
}

static int
cmd_renew_all(struct daemon *d, const struct pr_request *req,
    struct pr_msg *body, struct pr_error *err)
{
	int64_t n;
	int rc;

	(void)req;
	(void)body;
	if ((rc = sched_renew_all(d, &n, err)) == 0)
		log_info("renew-all: %lld proxies due now", (long long)n);
	return rc;
}

/* Version, Response, then Message (error) or the body (success). */
static void
compose(int code, const char *message, const struct pr_msg *body, char **out,
    size_t *out_len)
{
	struct pr_msg m;
	size_t i;
	int rc;

	msg_init(&m);
	body_add(&m, PR_KEY_VERSION, PR_PROTO_VERSION);
	body_add_int(&m, PR_KEY_RESPONSE, code);
	if (code != 0) {
		body_add(&m, PR_KEY_MESSAGE, message && *message ? message :
		    pr_strerror(code));
	} else if (body != NULL) {
		for (i = 0; i < body->n_kv; i++)
			if (msg_add_len(&m, body->kv[i].key, body->kv[i].value,
			    body->kv[i].value_len) != 0)
				fatalx("msg_add_len failed");
	}
	if ((rc = msg_encode(&m, out, out_len)) != 0)
		fatalx("msg_encode: %s", pr_strerror(rc));
	msg_free(&m);
}

void
commands_error_reply(int code, const char *message, char **out,
    size_t *out_len)
{
	compose(code, message, NULL, out, out_len);
}

/* "uid U pid P: CMD jobid J proxy F", escaped; caller frees. */
static char *
request_line(uid_t uid, pid_t pid, const struct cmd_desc *cd,
    const struct pr_request *req, const struct pr_msg *body, int code)
{
	char jobid[LOG_JOBID_BYTES], file[LOG_JOBID_BYTES], cmd[32];
	const char *pn = NULL;

	/* LIST answers many names: log none of them. */
	if (code == 0 && cd != NULL && cd->code != PR_CMD_LIST)
		pn = msg_get(body, PR_KEY_PROXY_NAME);
	if (pn == NULL)
		pn = req->proxy_name;
	if (cd != NULL)
		(void)snprintf(cmd, sizeof(cmd), "%s", cd->name);
	else
		(void)snprintf(cmd, sizeof(cmd), "command %d", req->command);
	(void)log_escape(req->jobid ? req->jobid : "-", req->jobid ?
	    req->jobid_len : 1, jobid, sizeof(jobid));
	(void)log_escape(pn ? pn : "-", pn ? strlen(pn) : 1, file,
	    sizeof(file));
	return xasprintf("uid %u pid %ld: %s jobid %s proxy %s",
	    (unsigned)uid, (long)pid, cmd, jobid, file);
}

/* Changes and errors at info/warning; a successful GET only at debug. */
static void
log_request(const char *line, const struct cmd_desc *cd, int code,
    const struct pr_error *err)
{
	if (code != 0)
		log_warnx("%s: %d: %s", line, code, err->msg[0] ? err->msg :
		    pr_strerror(code));
	else if (cd != NULL && cd->code == PR_CMD_GET)
		log_debug("%s: 0", line);
	else
		log_info("%s: 0", line);
}

static int
request_run(struct daemon *d, const struct cmd_desc **cdp,
    struct pr_request *req, struct pr_msg *body, const char *buf,
    size_t len, struct pr_error *err)
{
	const struct cmd_desc *cd;
	int rc;

	*cdp = NULL;
	if ((rc = request_parse(buf, len, req, err)) != 0) {
		if (rc == ENOMEM)
			fatalx("request_parse: out of memory");
		memset(req, 0, sizeof(*req));
		msg_init(&req->msg);
		return rc;
	}
	if ((cd = *cdp = cmd_find(req->command)) == NULL)
		return req->command == PR_CMD_NONE ?
		    pr_error_set(err, PR_ERR_UNKNOWN_COMMAND, "no Command") :
		    pr_error_set(err, PR_ERR_UNKNOWN_COMMAND,
		    "unknown command %d", req->command);
	if ((cd->required & REQ_JOBID) && (req->jobid == NULL ||
	    req->jobid_len == 0))
		return pr_error_set(err, PR_ERR_PROTO_NOT_FOUND,
		    "%s needs Jobid", cd->name);
	if ((cd->required & REQ_PROXY_NAME) &&
	    (req->proxy_name == NULL || *req->proxy_name == '\0'))
		return pr_error_set(err, PR_ERR_PROTO_NOT_FOUND,
		    "%s needs Proxy_name", cd->name);
	return cd->fn(d, req, body, err);
}

/* The request being run, for a handler that parks it. */
struct cmd_call {
	struct conn *c;
	struct pr_request *req;
	batch_reply_fn *later;
	void *later_arg;
	struct cmd_park *park;	/* set by commands_park */
};

struct cmd_park {
	TAILQ_ENTRY(cmd_park) entry;
	struct daemon *d;
	struct conn *c;		/* NULL once gone */
	uid_t uid;		/* the client, for the log line */
	pid_t pid;
	const struct cmd_desc *cd;
	struct pr_request req;	/* moved from commands_submit */
	batch_reply_fn *later;
	void *later_arg;
};
TAILQ_HEAD(cmd_parks, cmd_park);

/*
 * The request's answer: held for the group commit (a batched success),
 * else composed and logged now; *out NULL when held.
 */
static void
request_answer(struct daemon *d, struct conn *c, uid_t uid, pid_t pid,
    const struct cmd_desc *cd, const struct pr_request *req, int rc,
    struct pr_msg *body, const struct pr_error *err, batch_reply_fn *later,
    void *arg, char **out, size_t *out_len)
{
	char *line, *reply;
	size_t reply_len;

	*out = NULL;
	*out_len = 0;
	/* a successful GET (the common request) is logged at debug only */
	line = rc == 0 && cd->code == PR_CMD_GET && !log_debug_on() ? NULL :
	    request_line(uid, pid, cd, req, body, rc);
	if (rc == 0 && cd->is_batched) {
		compose(0, NULL, body, &reply, &reply_len);
		batch_defer(d, c, later, arg, reply, reply_len, line);
		return;
	}
	if (line != NULL)
		log_request(line, cd, rc, err);
	compose(rc, err->msg, body, out, out_len);
	free(line);
}

/*
 * Parse one request payload and run it. Returns the response code with the
 * response payload in *out (caller frees), or, with *deferred set, 0 and
 * nothing in *out: the answer waits for the group commit or a parked
 * command, and later(c, code, out, len, arg) receives it (batch.c rule 1).
 */
int
commands_submit(struct daemon *d, struct conn *c, const char *buf,
    size_t len, char **out, size_t *out_len, batch_reply_fn *later,
    void *arg, int *deferred)
{
	struct cmd_call call = { c, NULL, later, arg, NULL };
	const struct cmd_desc *cd;
	struct pr_request req;
	struct pr_error err;
	struct pr_msg body;
	int rc;

	*deferred = 0;
	pr_error_clear(&err);
	msg_init(&body);
	call.req = &req;
	d->call = &call;
	rc = request_run(d, &cd, &req, &body, buf, len, &err);
	d->call = NULL;
	if (c != NULL)
		c->cmd_name = cd != NULL ? cd->name : NULL;
	if (call.park != NULL) {
		*deferred = 1;		/* commands_resume answers */
	} else {
		request_answer(d, c, c ? c->uid : 0, c ? c->pid : 0, cd, &req,
		    rc, &body, &err, later, arg, out, out_len);
		*deferred = *out == NULL;
	}
	msg_free(&body);
	request_free(&req);
	return rc;
}

int
commands_can_park(const struct daemon *d)
{
	return d->call != NULL && d->call->c != NULL && d->call->park == NULL;
}

struct cmd_park *
commands_park(struct daemon *d)
{
	struct cmd_call *call = d->call;
	struct cmd_park *p = xcalloc(1, sizeof(*p));

	p->d = d;
	p->c = call->c;
	p->uid = call->c->uid;
	p->pid = call->c->pid;
	p->cd = cmd_find(call->req->command);
	p->req = *call->req;		/* the strings move with msg */
	memset(call->req, 0, sizeof(*call->req));
	msg_init(&call->req->msg);
	p->later = call->later;
	p->later_arg = call->later_arg;
	call->park = p;
	if (d->parks == NULL) {
		d->parks = xcalloc(1, sizeof(*d->parks));
		TAILQ_INIT(d->parks);
	}
	TAILQ_INSERT_TAIL(d->parks, p, entry);
	return p;
}

const struct pr_request *
commands_park_request(const struct cmd_park *p)
{
	return &p->req;
}

void
commands_resume(struct cmd_park *p, int code, struct pr_msg *body,
    const struct pr_error *err)
{
	char *out;
	size_t len;

	TAILQ_REMOVE(p->d->parks, p, entry);
	request_answer(p->d, p->c, p->uid, p->pid, p->cd, &p->req, code, body,
	    err, p->later, p->later_arg, &out, &len);
	if (out != NULL && p->c != NULL)
		p->later(p->c, code, out, len, p->later_arg);
	else
		free(out);
	request_free(&p->req);
	free(p);
}

void
commands_forget(struct daemon *d, const struct conn *c)
{
	struct cmd_park *p;

	batch_forget(d, c);
	if (d->parks != NULL)
		TAILQ_FOREACH(p, d->parks, entry)
			if (p->c == c)
				p->c = NULL;
}

struct sync_reply {
	int code;
	char *out;
	size_t len;
};

static void
sync_reply_take(struct conn *c, int code, char *out, size_t len, void *arg)
{
	struct sync_reply *r = arg;

	(void)c;
	r->code = code;
	r->out = out;
	r->len = len;
}

/* commands_submit, then the group commit at once: the final answer. */
int
commands_handle(struct daemon *d, struct conn *c, const char *buf,
    size_t len, char **out, size_t *out_len)
{
	struct sync_reply r = { PR_ERR_GENERIC, NULL, 0 };
	int rc, deferred;

	rc = commands_submit(d, c, buf, len, out, out_len, sync_reply_take, &r,
	    &deferred);
	if (!deferred)
		return rc;
	batch_flush(d);
	*out = r.out;
	*out_len = r.len;
	return r.code;
}
