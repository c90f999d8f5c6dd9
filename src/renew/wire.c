/*
 * wire.c: the frames between a parent and the renewal worker (contract at
 * the top of renew_contract.h): the parent's request (renew_job_frame), the worker's
 * result (renew_result_frame) and the parent's strict reading of it
 * (renew_result_parse), plus starting the worker (renew_worker_spawn).
 *
 * Pure message code except renew_worker_spawn; no logging, no exit. The
 * parent trusts nothing in a result: every count and length is bounded and
 * an ill-formed result is PR_ERR_PROTO_PARSE, never a success.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame_io.h"
#include "renew_contract.h"
#include "renew_util.h"

extern char **environ;

/*
 * A frame being built: each put is skipped after the first failure, whose
 * code stays in rc; wire_finish() turns it into the frame or the error.
 */
struct wire_msg {
	struct pr_msg m;
	int rc;			/* 0, or the first msg_add* failure */
};

static void
put(struct wire_msg *w, const char *key, const char *value)
{
	if (w->rc == 0)
		w->rc = msg_add(&w->m, key, value);	/* NULL: EINVAL */
}

static void
put_opt(struct wire_msg *w, const char *key, const char *value)
{
	if (value != NULL)
		put(w, key, value);
}

static void
put_int(struct wire_msg *w, const char *key, int64_t value)
{
	if (w->rc == 0)
		w->rc = msg_add_int(&w->m, key, value);
}

/* The whole frame (header + payload) of w, or err saying what_failed. */
static int
wire_finish(struct wire_msg *w, const char *what_failed,
    unsigned char **frame, size_t *len, struct pr_error *err)
{
	char *payload = NULL;
	size_t plen = 0;
	int rc = w->rc;

	if (rc != 0)
		pr_error_set(err, rc, "%s", what_failed);
	else if ((rc = msg_encode(&w->m, &payload, &plen)) != 0)
		pr_error_set(err, rc, "worker frame: cannot encode");
	else if ((rc = frame_build(payload, plen, RENEW_FRAME_MAX_BYTES, frame,
	    len, err)) != 0)
		rc = pr_error_prefix(err, "worker frame");
	free(payload);
	msg_free(&w->m);
	return rc;
}

int
renew_job_frame(const struct renew_job *job, unsigned char **frame,
    size_t *len, struct pr_error *err)
{
	struct wire_msg w = { .rc = 0 };
	size_t i;

	msg_init(&w.m);
	put(&w, RENEW_KEY_SERVERS, job->servers);
	put(&w, RENEW_KEY_PROXY, job->proxy_path);
	if (job->out_path != NULL || !job->handed_fds)
		put(&w, RENEW_KEY_OUT, job->out_path);
	if (job->handed_fds)
		put(&w, RENEW_KEY_FDS, "1");
	if (job->new_key_fd)
		put(&w, RENEW_KEY_NEW_KEY_FD, "1");
	if (job->lifetime_sec > 0)
		put_int(&w, RENEW_KEY_LIFETIME, job->lifetime_sec);
	if (job->server_timeout_sec > 0)
		put_int(&w, RENEW_KEY_SERVER_TIMEOUT, job->server_timeout_sec);
	put_opt(&w, RENEW_KEY_CERT, job->svc.cert);
	put_opt(&w, RENEW_KEY_KEY, job->svc.key);
	put_opt(&w, RENEW_KEY_CADIR, job->svc.cadir);
	for (i = 0; i < job->n_skip; i++)
		put(&w, RENEW_KEY_SKIP, job->skip[i]);
	if (job->info)
		put(&w, RENEW_KEY_MODE, RENEW_MODE_INFO);
	if (job->voms) {
		put(&w, RENEW_KEY_VOMS, "1");
		put_opt(&w, RENEW_KEY_VOMSDIR, job->vomsdir);
		put_opt(&w, RENEW_KEY_VOMSES, job->vomses);
	}
	return wire_finish(&w, "worker request: missing or invalid value (a "
	    "newline in a path or server list?)", frame, len, err);
}

int
renew_result_frame(const struct renew_result *res, unsigned char **frame,
    size_t *len, struct pr_error *err)
{
	struct wire_msg w = { .rc = 0 };
	size_t i;

	msg_init(&w.m);
	put_int(&w, RENEW_KEY_RESPONSE, res->code);
	if (res->msg[0] != '\0')
		put(&w, RENEW_KEY_MESSAGE, res->msg);
	if (res->identity[0] != '\0')
		put(&w, RENEW_KEY_IDENTITY, res->identity);
	if (res->code == 0) {
		put(&w, RENEW_KEY_SERVER, res->server);
		put_int(&w, RENEW_KEY_END_TIME, res->end_time);
	}
	if (res->code == 0 && res->is_info) {
		put(&w, RENEW_KEY_RENEW_ALLOWED,
		    renew_allowed_name(res->renew_allowed));
		if (res->renewers[0] != '\0')
			put(&w, RENEW_KEY_RENEWERS, res->renewers);
	}
	for (i = 0; i < res->n_errors && w.rc == 0; i++) {
		w.rc = msg_addf(&w.m, RENEW_KEY_SERVER_ERROR, "%s: %s",
		    res->errors[i].server, res->errors[i].msg);
		if (res->errors[i].is_unreachable)
			put(&w, RENEW_KEY_UNREACHABLE, res->errors[i].server);
	}
	for (i = 0; i < res->n_voms_ok; i++)
		put(&w, RENEW_KEY_VOMS_SERVER, res->voms_ok[i]);
	return wire_finish(&w, "worker result: cannot encode", frame, len, err);
}

/* "host:port: text" -> one errors[] entry. */
static int
parse_server_error(const char *v, struct renew_server_error *se)
{
	const char *sep = strstr(v, ": ");
	size_t n;

	if (sep == NULL || (n = (size_t)(sep - v)) == 0 ||
	    n >= sizeof(se->server) || memchr(v, ' ', n) != NULL)
		return -1;
	memcpy(se->server, v, n);
	se->server[n] = '\0';
	renew_fmt_field(se->msg, sizeof(se->msg), "%s", sep + 2);
	se->code = PR_ERR_MYPROXY;
	return 0;
}

static void
mark_unreachable(const struct pr_msg *m, struct renew_result *res)
{
	const char *u;
	size_t i, j;

	for (j = 0; (u = msg_get_nth(m, RENEW_KEY_UNREACHABLE, j)) != NULL; j++)
		for (i = 0; i < res->n_errors; i++)
			if (strcmp(res->errors[i].server, u) == 0)
				res->errors[i].is_unreachable = 1;
}

/* Voms_server=: at most RENEW_SERVERS_MAX names "voms:host:port". */
static int
result_voms_ok(const struct pr_msg *m, struct renew_result *res,
    struct pr_error *err)
{
	size_t i, n = msg_count(m, RENEW_KEY_VOMS_SERVER), plen =
	    strlen(RENEW_VOMS_NAME_PREFIX);
	const char *v;

	if (n > RENEW_SERVERS_MAX)
		return pr_error_set(err, PR_ERR_PROTO_PARSE, "worker result: "
		    "%zu VOMS servers", n);
	for (i = 0; i < n; i++) {
		v = msg_get_nth(m, RENEW_KEY_VOMS_SERVER, i);
		if (strncmp(v, RENEW_VOMS_NAME_PREFIX, plen) != 0 ||
		    v[plen] == '\0' || strlen(v) >= RENEW_SERVER_NAME_MAX ||
		    strchr(v, ' ') != NULL)
			return pr_error_set(err, PR_ERR_PROTO_PARSE, "worker "
			    "result: malformed Voms_server");
		memcpy(res->voms_ok[i], v, strlen(v) + 1);
	}
	res->n_voms_ok = n;
	return 0;
}

/* As strict as a client request: each single-valued key at most once. */
static int
result_check_keys(const struct pr_msg *m, struct pr_error *err)
{
	static const char *const once[] = {
		RENEW_KEY_RESPONSE, RENEW_KEY_MESSAGE, RENEW_KEY_IDENTITY,
		RENEW_KEY_SERVER, RENEW_KEY_END_TIME, RENEW_KEY_RENEW_ALLOWED,
		RENEW_KEY_RENEWERS,
	};
	size_t k;

	for (k = 0; k < sizeof(once) / sizeof(once[0]); k++)
		if (msg_count(m, once[k]) > 1)
			return pr_error_set(err, PR_ERR_PROTO_PARSE, "worker "
			    "result: duplicate key %s", once[k]);
	return 0;
}

/* Mode=info: Renew_allowed= (and the policy) make it an INFO result. */
static int
result_info(const struct pr_msg *m, struct renew_result *res,
    struct pr_error *err)
{
	const char *v = msg_get(m, RENEW_KEY_RENEW_ALLOWED);

	if (v == NULL)
		return 0;
	if ((res->renew_allowed = renew_allowed_parse(v)) < -1)
		return pr_error_set(err, PR_ERR_PROTO_PARSE, "worker result: "
		    "bad Renew_allowed");
	res->is_info = 1;
	if ((v = msg_get(m, RENEW_KEY_RENEWERS)) != NULL)
		renew_fmt_field(res->renewers, sizeof(res->renewers), "%s", v);
	return 0;
}

static int
result_from_msg(const struct pr_msg *m, struct renew_result *res,
    struct pr_error *err)
{
	const char *v;
	int64_t code, end = 0;
	size_t i, n = msg_count(m, RENEW_KEY_SERVER_ERROR);
	int rc;

	if ((rc = result_check_keys(m, err)) != 0)
		return rc;
	if (msg_get_int(m, RENEW_KEY_RESPONSE, &code) != 0 || code < 0 ||
	    code > PR_ERR_LAST)
		return pr_error_set(err, PR_ERR_PROTO_PARSE, "worker result: "
		    "no valid Response");
	if (n > RENEW_SERVERS_MAX)
		return pr_error_set(err, PR_ERR_PROTO_PARSE, "worker result: "
		    "%zu server errors", n);
	res->code = (int)code;
	if ((v = msg_get(m, RENEW_KEY_MESSAGE)) != NULL)
		renew_fmt_field(res->msg, sizeof(res->msg), "%s", v);
	if ((v = msg_get(m, RENEW_KEY_IDENTITY)) != NULL)
		renew_fmt_field(res->identity, sizeof(res->identity), "%s", v);
	for (i = 0; i < n; i++, res->n_errors++)
		if (parse_server_error(msg_get_nth(m, RENEW_KEY_SERVER_ERROR,
		    i), &res->errors[i]) != 0)
			return pr_error_set(err, PR_ERR_PROTO_PARSE, "worker "
			    "result: malformed Server_error");
	mark_unreachable(m, res);
	if ((rc = result_voms_ok(m, res, err)) != 0 || res->code != 0)
		return rc;
	v = msg_get(m, RENEW_KEY_SERVER);
	if (v == NULL || *v == '\0' || strlen(v) >= sizeof(res->server) ||
	    msg_get_int(m, RENEW_KEY_END_TIME, &end) != 0 || end <= 0)
		return pr_error_set(err, PR_ERR_PROTO_PARSE, "worker result: "
		    "success without Server and End_time");
	renew_fmt_field(res->server, sizeof(res->server), "%s", v);
	res->end_time = end;
	return result_info(m, res, err);
}

int
renew_result_parse(const char *payload, size_t len, struct renew_result *res,
    struct pr_error *err)
{
	struct pr_msg m;
	int rc;

	memset(res, 0, sizeof(*res));
	msg_init(&m);
	if ((rc = msg_parse(payload, len, &m, err)) == 0)
		rc = result_from_msg(&m, res, err);
	msg_free(&m);
	return rc;
}

/* fd as a descriptor >= 10 (so that dup2 to 3, 4, 5 cannot clobber it). */
static int
high_dup(int fd, struct pr_error *err)
{
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 10);

	if (d == -1)
		return -pr_error_set(err, errno, "dup: %s", strerror(errno));
	return d;
}

/* handed[i] (unless -1) becomes the worker's fd 3 + i. */
static int
add_handed(posix_spawn_file_actions_t *fa, const int *handed, int *dups,
    struct pr_error *err)
{
	int i, rc;

	for (i = 0; handed != NULL && i < 3; i++) {
		if (handed[i] == -1)
			continue;
		if ((dups[i] = high_dup(handed[i], err)) < 0)
			return err->code;
		if ((rc = posix_spawn_file_actions_adddup2(fa, dups[i],
		    RENEW_PROXY_FD + i)) != 0)
			return pr_error_set(err, rc, "posix_spawn: %s",
			    strerror(rc));
	}
	return 0;
}

static int
spawn(const char *path, int child_fd, const int *handed, pid_t *pid,
    struct pr_error *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char *argv[2] = { (char *)path, NULL };
	int i, rc, dups[3] = { -1, -1, -1 };

	(void)sigemptyset(&none);
	(void)sigfillset(&all);
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return pr_error_set(err, rc, "posix_spawn: %s", strerror(rc));
	if ((rc = posix_spawnattr_init(&attr)) != 0) {
		(void)posix_spawn_file_actions_destroy(&fa);
		return pr_error_set(err, rc, "posix_spawn: %s", strerror(rc));
	}
	if ((rc = posix_spawn_file_actions_adddup2(&fa, child_fd, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, child_fd, 1)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&attr, &none)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&attr, &all)) == 0 &&
	    (rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF)) == 0) {
		if (add_handed(&fa, handed, dups, err) != 0)
			rc = -1;
		else
			rc = posix_spawn(pid, path, &fa, &attr, argv, environ);
	}
	(void)posix_spawn_file_actions_destroy(&fa);
	(void)posix_spawnattr_destroy(&attr);
	for (i = 0; i < 3; i++)
		if (dups[i] >= 0)
			(void)close(dups[i]);
	if (rc == -1)
		return err->code;
	if (rc != 0)
		return pr_error_set(err, rc, "cannot run the renewal worker %s: "
		    "%s", path, strerror(rc));
	return 0;
}

int
renew_worker_spawn(const char *path, int child_fd, pid_t *pid,
    struct pr_error *err)
{
	return spawn(path, child_fd, NULL, pid, err);
}

int
renew_worker_spawn_fds(const char *path, int child_fd, int proxy_fd,
    int out_fd, int key_fd, pid_t *pid, struct pr_error *err)
{
	const int handed[3] = { proxy_fd, out_fd, key_fd };

	return spawn(path, child_fd, handed, pid, err);
}
