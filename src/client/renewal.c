/*
 * renewal.c: libproxyrenew, the gLite-compatible client API
 * (glite/security/proxyrenewal/renewal.h), on top of transport.c.
 *
 * Invariants:
 * - Only the functions marked PR_EXPORT are visible in the shared library;
 *   the pr_client_* helpers serve the proxy-renew command (static library).
 * - No globals and no static buffers: every call builds its own request and
 *   owns its response, so calls from several threads do not interfere.
 * - On success each char ** output is a fresh malloc'ed string; on failure
 *   it is left NULL. Return codes are the gLite ones: errno values, or
 *   1901..1912 (pr_error.h), including the daemon's Response= code.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Relative so that unit tests which #include this file find it too. */
#include "../../include/glite/security/proxyrenewal/renewal.h"
#include "client.h"
#include "pr_limits.h"

_Static_assert((int)EDG_WLPR_ERROR_UNEXPECTED_EOF == (int)PR_ERR_UNEXPECTED_EOF &&
    (int)EDG_WLPR_PROXY_NOT_REGISTERED == (int)PR_ERR_NOT_REGISTERED &&
    (int)EDG_WLPR_ERROR_ERRNO == (int)PR_ERR_ERRNO, "public and internal codes agree");

#define PR_SOCKET_PATH_MAX	4096	/* bigger than any sun_path */

/* ==== helpers for the library and the command ==== */

int
pr_client_request(struct pr_msg *req, int command)
{
	int rc;

	msg_init(req);
	if ((rc = msg_add(req, PR_KEY_VERSION, PR_PROTO_VERSION)) != 0 ||
	    (rc = msg_add_int(req, PR_KEY_COMMAND, command)) != 0)
		msg_free(req);
	return rc;
}

int
pr_client_call(const char *socket_path, const struct pr_msg *req,
    struct pr_msg *resp, struct pr_error *err)
{
	char path[PR_SOCKET_PATH_MAX];
	const char *text;
	int64_t code;
	int rc;

	pr_error_clear(err);
	msg_init(resp);
	if (socket_path == NULL) {
		if ((rc = pr_client_socket_path(path, sizeof(path), err)) != 0)
			return rc;
		socket_path = path;
	}
	if ((rc = pr_client_exchange(socket_path, pr_client_timeout_sec(), req,
	    resp, err)) != 0)
		return rc;
	if ((rc = msg_get_int(resp, PR_KEY_RESPONSE, &code)) != 0)
		return pr_error_set(err, rc, "the response has no valid %s code",
		    PR_KEY_RESPONSE);
	if (code < 0 || code > INT32_MAX)
		return pr_error_set(err, PR_ERR_PROTO_PARSE,
		    "the response code %lld is out of range", (long long)code);
	if (code == 0)
		return 0;
	text = msg_get(resp, PR_KEY_MESSAGE);
	return pr_error_set(err, (int)code, "%s", text != NULL ? text : "");
}

int
pr_client_server_contact(const char *server, unsigned int port, char **out)
{
	*out = NULL;
	if (port > 65535)
		return EINVAL;
	/* A contact that names its port, or a list, is sent as given. */
	if (port == 0 || strchr(server, ':') != NULL || strchr(server, ',') != NULL)
		*out = strdup(server);
	else if (asprintf(out, "%s:%u", server, port) < 0)
		*out = NULL;
	return *out != NULL ? 0 : ENOMEM;
}

int
pr_client_absolute_path(const char *path, char **out)
{
	char *cwd;
	int n;

	*out = NULL;
	if (path[0] == '/') {
		*out = strdup(path);
		return *out != NULL ? 0 : ENOMEM;
	}
	/* The daemon resolves paths in its own directory: send an absolute one. */
	if ((cwd = getcwd(NULL, 0)) == NULL)
		return errno != 0 ? errno : ENOMEM;
	n = asprintf(out, "%s/%s", cwd, path);
	free(cwd);
	if (n < 0) {
		*out = NULL;
		return ENOMEM;
	}
	return 0;
}

/* ==== the gLite API ==== */

/* Call the default socket; on success hand out Proxy_name when asked. */
static int
call_for_path(const struct pr_msg *req, char **repository_filename)
{
	struct pr_error err;
	struct pr_msg resp;
	const char *path;
	int rc;

	if ((rc = pr_client_call(NULL, req, &resp, &err)) == 0 &&
	    repository_filename != NULL) {
		if ((path = msg_get(&resp, PR_KEY_PROXY_NAME)) == NULL)
			rc = PR_ERR_PROTO_NOT_FOUND;
		else if ((*repository_filename = strdup(path)) == NULL)
			rc = ENOMEM;
	}
	msg_free(&resp);
	return rc;
}

int
pr_client_register_request(struct pr_msg *req, const char *filename,
    const char *server, unsigned int port, const char *jobid, int flags)
{
	char *s = NULL;
	int rc;

	if (server != NULL && *server != '\0') {
		if ((rc = pr_client_server_contact(server, port, &s)) != 0)
			return rc;
		rc = msg_add(req, PR_KEY_MYPROXY_SERVER, s);
		free(s);
		if (rc != 0)
			return rc;
	}
	if (filename != NULL && *filename != '\0') {
		if ((rc = pr_client_absolute_path(filename, &s)) != 0)
			return rc;
		rc = msg_add(req, PR_KEY_PROXY_NAME, s);
		free(s);
		if (rc != 0)
			return rc;
	}
	/* A missing jobid or file is the daemon's 1904 to give. */
	if (jobid != NULL && (rc = msg_add(req, PR_KEY_JOBID, jobid)) != 0)
		return rc;
	if ((flags & EDG_WLPR_FLAG_UNIQUE) &&
	    (rc = msg_add(req, PR_KEY_UNIQUE, "1")) != 0)
		return rc;
	return 0;
}

PR_EXPORT int
glite_renewal_RegisterProxy(const char *filename, const char *server,
    unsigned int port, const char *jobid, int flags,
    char **repository_filename)
{
	struct pr_msg req;
	int rc;

	if (repository_filename != NULL)
		*repository_filename = NULL;
	if ((rc = pr_client_request(&req, PR_CMD_REGISTER)) != 0)
		return rc;
	if ((rc = pr_client_register_request(&req, filename, server, port, jobid,
	    flags)) == 0)
		rc = call_for_path(&req, repository_filename);
	msg_free(&req);
	return rc;
}

PR_EXPORT int
glite_renewal_UnregisterProxy(const char *jobid, const char *repository_filename)
{
	struct pr_msg req;
	int rc;

	if ((rc = pr_client_request(&req, PR_CMD_UNREGISTER)) != 0)
		return rc;
	if (jobid != NULL)
		rc = msg_add(&req, PR_KEY_JOBID, jobid);
	if (rc == 0 && repository_filename != NULL && *repository_filename != '\0')
		rc = msg_add(&req, PR_KEY_PROXY_NAME, repository_filename);
	if (rc == 0)
		rc = call_for_path(&req, NULL);
	msg_free(&req);
	return rc;
}

PR_EXPORT int
glite_renewal_GetProxy(const char *jobid, char **repository_filename)
{
	struct pr_msg req;
	int rc;

	if (repository_filename != NULL)
		*repository_filename = NULL;
	if ((rc = pr_client_request(&req, PR_CMD_GET)) != 0)
		return rc;
	if (jobid != NULL)
		rc = msg_add(&req, PR_KEY_JOBID, jobid);
	if (rc == 0)
		rc = call_for_path(&req, repository_filename);
	msg_free(&req);
	return rc;
}

/* Join every value of key (or every line but Version/Response when key is NULL). */
static int
join_values(const struct pr_msg *m, const char *key, char **out, int *count)
{
	size_t i, total = 1, n = 0;
	char *buf, *p;

	for (i = 0; i < m->n_kv; i++)
		if (key == NULL || strcmp(m->kv[i].key, key) == 0)
			total += strlen(m->kv[i].key) + m->kv[i].value_len + 2;
	if ((buf = malloc(total)) == NULL)
		return ENOMEM;
	p = buf;
	for (i = 0; i < m->n_kv; i++) {
		const struct pr_kv *kv = &m->kv[i];

		if (key != NULL && strcmp(kv->key, key) != 0)
			continue;
		if (key == NULL && (strcmp(kv->key, PR_KEY_VERSION) == 0 ||
		    strcmp(kv->key, PR_KEY_RESPONSE) == 0))
			continue;
		if (key == NULL)	/* "Key=value\n" */
			p += sprintf(p, "%s=", kv->key);
		else if (n > 0)		/* "value\nvalue" */
			*p++ = '\n';
		memcpy(p, kv->value, kv->value_len);
		p += kv->value_len;
		if (key == NULL)
			*p++ = '\n';
		n++;
	}
	*p = '\0';
	*out = buf;
	if (count != NULL)
		*count = (int)n;
	return 0;
}

PR_EXPORT int
edg_wlpr_GetList(int *count, char **list)
{
	struct pr_msg req, resp;
	struct pr_error err;
	char *s = NULL;
	int rc, n = 0;

	if (count != NULL)
		*count = 0;
	if (list != NULL)
		*list = NULL;
	if ((rc = pr_client_request(&req, PR_CMD_LIST)) != 0)
		return rc;
	if ((rc = pr_client_call(NULL, &req, &resp, &err)) == 0 &&
	    (rc = join_values(&resp, PR_KEY_PROXY_NAME, &s, &n)) == 0) {
		if (count != NULL)
			*count = n;
		if (list != NULL)
			*list = s;
		else
			free(s);
	}
	msg_free(&resp);
	msg_free(&req);
	return rc;
}

/* STATUS or HISTORY of a file or job: the reply's lines joined in *info. */
static int
get_record_lines(int command, const char *repository_filename,
    const char *jobid, char **info)
{
	struct pr_msg req, resp;
	struct pr_error err;
	char *s = NULL;
	int rc;

	if (info != NULL)
		*info = NULL;
	msg_init(&resp);
	if ((rc = pr_client_request(&req, command)) != 0)
		return rc;
	if (repository_filename != NULL)
		rc = msg_add(&req, PR_KEY_PROXY_NAME, repository_filename);
	if (rc == 0 && jobid != NULL)
		rc = msg_add(&req, PR_KEY_JOBID, jobid);
	if (rc == 0 && (rc = pr_client_call(NULL, &req, &resp, &err)) == 0 &&
	    (rc = join_values(&resp, NULL, &s, NULL)) == 0) {
		if (info != NULL)
			*info = s;
		else
			free(s);
	}
	msg_free(&resp);
	msg_free(&req);
	return rc;
}

PR_EXPORT int
edg_wlpr_GetStatus(const char *repository_filename, char **info)
{
	return get_record_lines(PR_CMD_STATUS, repository_filename, NULL, info);
}

PR_EXPORT int
edg_wlpr_GetHistory(const char *repository_filename, const char *jobid,
    char **info)
{
	return get_record_lines(PR_CMD_HISTORY, repository_filename, jobid,
	    info);
}

PR_EXPORT const char *
edg_wlpr_GetErrorText(int err_code)
{
	return pr_strerror(err_code);
}
