/*
 * renewal_core.c: gLite's renewal_core API (renewal_core.h) in
 * libproxyrenew, on top of oneshot_renew(): the very path of
 * proxyrenew_renew(), the confined worker, with VOMS renewal on.
 *
 * Invariants:
 *  1. The result is a new file PROXY.myproxy.XXXXXX beside the current
 *     proxy (as gLite made it), mode 0600, checked like every renewal
 *     (same identity, later expiry); it is the caller's; on failure no
 *     file is left and *new_proxy is untouched.
 *  2. err_message is the context's own malloc'ed string: replaced on every
 *     failure, NULL after a success; freed by reset_err / destroy_ctx.
 *  3. Nothing is logged unless the caller asked (log_dst, log_level).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "../../include/glite/security/proxyrenewal/renewal_core.h"
#include "client.h"
#include "port.h"
#include "pr_limits.h"
#include "renew_oneshot_int.h"

#define CORE_DEFAULT_PORT	7512	/* MyProxy's */

static char *
vformat(const char *format, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, format, ap) == -1)
		return NULL;
	return s;
}

PR_EXPORT void
glite_renewal_core_set_err(glite_renewal_core_context ctx,
    const char *format, ...)
{
	va_list ap;

	if (ctx == NULL)
		return;
	free(ctx->err_message);
	va_start(ap, format);
	ctx->err_message = vformat(format, ap);
	va_end(ap);
}

PR_EXPORT void
glite_renewal_core_update_err(glite_renewal_core_context ctx,
    const char *format, ...)
{
	char *add, *joined = NULL;
	va_list ap;

	if (ctx == NULL)
		return;
	va_start(ap, format);
	add = vformat(format, ap);
	va_end(ap);
	if (add == NULL || ctx->err_message == NULL) {
		if (add != NULL) {
			ctx->err_message = add;
		}
		return;
	}
	if (asprintf(&joined, "%s; %s", ctx->err_message, add) != -1) {
		free(ctx->err_message);
		ctx->err_message = joined;
	}
	free(add);
}

PR_EXPORT char *
glite_renewal_core_get_err(glite_renewal_core_context ctx)
{
	return ctx != NULL ? ctx->err_message : NULL;
}

PR_EXPORT void
glite_renewal_core_reset_err(glite_renewal_core_context ctx)
{
	if (ctx == NULL)
		return;
	free(ctx->err_message);
	ctx->err_message = NULL;
}

PR_EXPORT int
glite_renewal_core_init_ctx(glite_renewal_core_context *context)
{
	if (context == NULL)
		return EINVAL;
	if ((*context = calloc(1, sizeof(**context))) == NULL)
		return ENOMEM;
	(*context)->log_dst = GLITE_RENEWAL_LOG_NONE;
	(*context)->log_level = LOG_ERR;
	return 0;
}

PR_EXPORT int
glite_renewal_core_destroy_ctx(glite_renewal_core_context context)
{
	if (context != NULL) {
		free(context->err_message);
		free(context);
	}
	return 0;
}

/* Rule 3: the failure where the caller wants it. */
static void
report(glite_renewal_core_context ctx)
{
	if (ctx->err_message == NULL || ctx->log_level < LOG_ERR)
		return;
	if (ctx->log_dst == GLITE_RENEWAL_LOG_STDOUT)
		(void)printf("proxy renewal: %s\n", ctx->err_message);
	else if (ctx->log_dst == GLITE_RENEWAL_LOG_SYSLOG)
		syslog(LOG_ERR, "proxy renewal: %s", ctx->err_message);
}

/* "host", "host:port" and the port argument -> "host:port". */
static int
server_name(const char *server, unsigned int port, char *out, size_t size,
    struct pr_error *err)
{
	const char *colon;
	int named;

	if (server == NULL || server[0] == '\0')
		server = getenv("MYPROXY_SERVER");
	if (server == NULL || server[0] == '\0')
		return pr_error_set(err, EINVAL, "no MyProxy server given "
		    "(argument or MYPROXY_SERVER)");
	if (port > 65535)
		return pr_error_set(err, EINVAL, "MyProxy port %u out of range",
		    port);
	colon = strchr(server, ':');
	if (colon != NULL && port != 0 && (port_parse(colon + 1,
	    strlen(colon + 1), &named) != 0 || (unsigned int)named != port))
		return pr_error_set(err, EINVAL, "MyProxy server %s and port %u "
		    "disagree", server, port);
	if (colon != NULL)
		(void)snprintf(out, size, "%s", server);
	else
		(void)snprintf(out, size, "%s:%u", server,
		    port != 0 ? port : CORE_DEFAULT_PORT);
	if (strlen(out) + 1 >= size)
		return pr_error_set(err, ENAMETOOLONG, "MyProxy server name "
		    "too long");
	return 0;
}

/* $X509_USER_CERT and $X509_USER_KEY, or the proxy itself (as gLite). */
static void
service_cred(const char *current, struct proxyrenew_renew_opts *o)
{
	const char *cert = getenv("X509_USER_CERT");
	const char *key = getenv("X509_USER_KEY");

	memset(o, 0, sizeof(*o));
	if (cert != NULL && cert[0] != '\0' && key != NULL && key[0] != '\0') {
		o->cert = cert;
		o->key = key;
	} else {
		o->cert = current;
		o->key = current;
	}
}

PR_EXPORT int
glite_renewal_core_renew(glite_renewal_core_context ctx,
    const char *myproxy_server, unsigned int myproxy_port,
    const char *current_proxy, char **new_proxy)
{
	struct proxyrenew_renew_opts o;
	struct proxyrenew_renew_info info;
	struct oneshot_job j;
	struct pr_error err;
	char server[PROXYRENEW_SERVER_NAME_MAX];
	char prefix[PR_PATH_MAX_BYTES + 1], tmp[PR_PATH_MAX_BYTES + 16];
	int rc;

	if (ctx == NULL)
		return EINVAL;
	glite_renewal_core_reset_err(ctx);
	pr_error_clear(&err);
	memset(&j, 0, sizeof(j));
	rc = server_name(myproxy_server, myproxy_port, server, sizeof(server),
	    &err);
	if (rc == 0 && (current_proxy == NULL || new_proxy == NULL))
		rc = pr_error_set(&err, EINVAL, "current proxy and new_proxy "
		    "are required");
	if (rc == 0 && (size_t)snprintf(prefix, sizeof(prefix), "%s.myproxy",
	    current_proxy) >= sizeof(prefix))
		rc = pr_error_set(&err, ENAMETOOLONG, "proxy path too long");
	if (rc == 0) {
		service_cred(current_proxy, &o);
		j.servers = server;
		j.current = current_proxy;
		j.tmp_prefix = prefix;
		j.opts = &o;
		j.voms = 1;
		j.vomses = ctx->voms_conf;
		rc = oneshot_renew(&j, tmp, sizeof(tmp), &info, &err);
	}
	if (rc == 0 && (*new_proxy = strdup(tmp)) == NULL) {
		(void)unlink(tmp);
		rc = pr_error_set(&err, ENOMEM, "out of memory");
	}
	if (rc != 0) {
		glite_renewal_core_set_err(ctx, "%s", err.msg[0] != '\0' ?
		    err.msg : pr_strerror(rc));
		report(ctx);
	}
	return rc;
}
