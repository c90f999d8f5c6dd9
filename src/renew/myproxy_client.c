/*
 * myproxy_client.c: the only file of ours that includes Globus / MyProxy
 * headers. One MyProxy GET per call, the steps of myproxy-logon -a -n done
 * one by one so that we control the output (memory, not a file libmyproxy
 * would unlink and recreate), the timeouts and the error text.
 *
 * WORKER only. Invariants:
 *  1. Every error leaves the libmyproxy error text (verror), flattened to
 *     one line, in err.msg; the server's own refusal is kept verbatim.
 *  2. The Globus environment (X509_USER_*, X509_CERT_DIR) is set here,
 *     before the first Globus call of the attempt; X509_USER_PROXY is
 *     removed so that the service credential, not a user proxy, is used.
 *  3. All libmyproxy objects are allocated with calloc/strdup and released
 *     by myproxy_free() alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <myproxy.h>
#include <verror.h>

#include "clock.h"
#include "myproxy_client.h"

/* The libmyproxy error text as one printable line. */
static void
put_verror(struct pr_error *err, int code, const char *step)
{
	char text[PR_ERROR_MSG_MAX];
	const char *v = verror_is_error() ? verror_get_string() : NULL;
	size_t i, o = 0;
	int space = 0;

	for (i = 0; v != NULL && v[i] != '\0' && o + 1 < sizeof(text); i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c == 0x7f) {
			space = o > 0;
			continue;
		}
		if (space && c != ' ')
			text[o++] = ' ';
		space = 0;
		if (o + 1 < sizeof(text))
			text[o++] = (char)c;
	}
	text[o] = '\0';
	if (verror_is_error() && verror_get_errno() != 0 &&
	    o + 3 < sizeof(text))
		(void)snprintf(text + o, sizeof(text) - o, "%s%s",
		    o > 0 ? ": " : "", strerror(verror_get_errno()));
	if (text[0] == '\0')
		(void)snprintf(text, sizeof(text), "failed");
	if (*step == '\0')
		(void)pr_error_set(err, code, "%s", text);
	else
		(void)pr_error_set(err, code, "%s: %s", step, text);
}

static int
set_globus_env(const struct service_cred *svc, int timeout_sec,
    struct pr_error *err)
{
	char tmo[16];

	(void)snprintf(tmo, sizeof(tmo), "%d", timeout_sec);
	if (setenv("X509_USER_CERT", svc->cert, 1) == -1 ||
	    setenv("X509_USER_KEY", svc->key, 1) == -1 ||
	    setenv("X509_CERT_DIR", svc->cadir, 1) == -1 ||
	    setenv("MYPROXY_SOCKET_TIMEOUT", tmo, 1) == -1 ||
	    unsetenv("X509_USER_PROXY") == -1)
		return pr_error_set(err, errno, "setenv: %s", strerror(errno));
	return 0;
}

/* Bound every later read/write on the connected socket. */
static int
set_io_timeout(int fd, int timeout_sec, struct pr_error *err)
{
	struct timeval tv = { .tv_sec = timeout_sec, .tv_usec = 0 };
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		return pr_error_set(err, PR_ERR_GENERIC, "setsockopt: %s",
		    strerror(errno));
	return 0;
}

static int
new_objects(const struct renew_server *srv, const char *username,
    const char *authz, int lifetime_sec, myproxy_socket_attrs_t **attrs,
    myproxy_request_t **req, myproxy_response_t **resp)
{
	*attrs = calloc(1, sizeof(**attrs));
	*req = calloc(1, sizeof(**req));
	*resp = calloc(1, sizeof(**resp));
	if (*attrs == NULL || *req == NULL || *resp == NULL)
		return -1;
	(*attrs)->socket_fd = -1;
	(*attrs)->psport = srv->port;
	(*req)->command_type = MYPROXY_GET_PROXY;
	(*req)->proxy_lifetime = lifetime_sec;
	if (((*attrs)->pshost = strdup(srv->host)) == NULL ||
	    ((*req)->version = strdup(MYPROXY_VERSION)) == NULL ||
	    ((*req)->username = strdup(username)) == NULL ||
	    (authz != NULL && ((*req)->authzcreds = strdup(authz)) == NULL))
		return -1;
	/* passphrase stays empty: renewal is authorised by authzcreds */
	return 0;
}

/* Connect and authenticate. */
static int
connect_server(myproxy_socket_attrs_t *attrs, int timeout_sec,
    struct pr_error *err)
{
	if (myproxy_init_client(attrs) < 0) {
		put_verror(err, PR_ERR_GENERIC, "connect");
		return -1;
	}
	if (set_io_timeout(attrs->socket_fd, timeout_sec, err) != 0)
		return -1;
	if (myproxy_authenticate_init(attrs, NULL) < 0) {
		put_verror(err, PR_ERR_GENERIC, "authentication");
		return -1;
	}
	return 0;
}

/*
 * The server says "no passphrase authentication failed" whenever it did not
 * take our certificate as a renewer: name the usual causes after its text.
 * (A credential stored with a passphrase gets "invalid credential
 * passphrase" instead, whoever asks: test 140.)
 */
static void
add_refusal_hint(struct pr_error *err)
{
	size_t n = strlen(err->msg);

	if (strstr(err->msg, "no passphrase authentication failed") == NULL)
		return;
	(void)snprintf(err->msg + n, sizeof(err->msg) - n, " (the server did "
	    "not accept the service certificate as a renewer: is its DN in "
	    "authorized_renewers and in the credential's renewers?)");
}

/*
 * Send req and read the server's response into resp (GET and INFO alike).
 * -1 with err set; *is_refusal when the server answered with an error.
 */
static int
exchange(myproxy_socket_attrs_t *attrs, myproxy_request_t *req,
    myproxy_response_t *resp, int *is_refusal, struct pr_error *err)
{
	char *buf = NULL;
	int len;

	*is_refusal = 0;
	if ((len = myproxy_serialize_request_ex(req, &buf)) < 0) {
		put_verror(err, PR_ERR_GENERIC, "request");
		return -1;
	}
	if (myproxy_send(attrs, buf, len) < 0) {
		free(buf);
		put_verror(err, PR_ERR_GENERIC, "send");
		return -1;
	}
	free(buf);
	if (myproxy_recv_response_ex(attrs, resp, req) != 0) {
		*is_refusal = resp->response_type == MYPROXY_ERROR_RESPONSE;
		put_verror(err, *is_refusal ? PR_ERR_MYPROXY : PR_ERR_GENERIC,
		    "");
		return -1;
	}
	return 0;
}

/*
 * The delegation: the library makes the key, or (certreq) the server signs
 * our request and sends certificate and chain only.
 */
static int
get_delegation(myproxy_socket_attrs_t *attrs, myproxy_request_t *req,
    myproxy_response_t *resp, const char *certreq, char **pem,
    size_t *pem_len, int *is_server_refusal, struct pr_error *err)
{
	char *cred = NULL;
	int cred_len = 0, rc;

	if (exchange(attrs, req, resp, is_server_refusal, err) != 0) {
		if (*is_server_refusal)
			add_refusal_hint(err);
		return -1;
	}
	if (certreq != NULL)
		rc = myproxy_request_cert(attrs, (char *)certreq, &cred,
		    &cred_len);
	else
		rc = myproxy_accept_delegation_ex(attrs, &cred, &cred_len,
		    NULL);
	if (rc < 0 || cred == NULL || cred_len <= 0) {
		free(cred);
		put_verror(err, PR_ERR_MYPROXY, "delegation");
		return -1;
	}
	*pem = cred;
	*pem_len = (size_t)cred_len;
	return 0;
}

int
myproxy_fetch(const struct renew_server *srv, const char *username,
    const char *authz_proxy_path, int lifetime_sec, const char *certreq,
    const struct service_cred *svc, int timeout_sec, char **pem,
    size_t *pem_len, int *is_unreachable, struct pr_error *err)
{
	myproxy_socket_attrs_t *attrs = NULL;
	myproxy_request_t *req = NULL;
	myproxy_response_t *resp = NULL;
	int64_t t0_ms = clock_mono_ms();
	int rc = -1, refusal = 0;

	*pem = NULL;
	*pem_len = 0;
	*is_unreachable = 0;
	verror_clear();
	if (set_globus_env(svc, timeout_sec, err) != 0)
		return err->code;
	if (new_objects(srv, username, authz_proxy_path, lifetime_sec, &attrs,
	    &req, &resp) != 0) {
		myproxy_free(attrs, req, resp);
		return pr_error_set(err, ENOMEM, "out of memory");
	}
	if (connect_server(attrs, timeout_sec, err) != 0)
		*is_unreachable = 1;
	else if (get_delegation(attrs, req, resp, certreq, pem, pem_len,
	    &refusal, err) == 0)
		rc = 0;
	if (rc != 0 && !refusal &&
	    clock_mono_ms() - t0_ms >= (int64_t)timeout_sec * 1000 - 500) {
		*is_unreachable = 1;
		(void)pr_error_set(err, PR_ERR_TIMEOUT, "no answer within %d s",
		    timeout_sec);
	}
	myproxy_free(attrs, req, resp);
	verror_clear();
	return rc == 0 ? 0 : err->code;
}

/* INFO authenticates with the user's proxy, as myproxy-info does. */
static int
set_info_env(const char *proxy_path, const char *cadir, int timeout_sec,
    struct pr_error *err)
{
	char tmo[16];

	(void)snprintf(tmo, sizeof(tmo), "%d", timeout_sec);
	if (setenv("X509_USER_PROXY", proxy_path, 1) == -1 ||
	    setenv("X509_CERT_DIR", cadir, 1) == -1 ||
	    setenv("MYPROXY_SOCKET_TIMEOUT", tmo, 1) == -1 ||
	    unsetenv("X509_USER_CERT") == -1 || unsetenv("X509_USER_KEY") == -1)
		return pr_error_set(err, errno, "setenv: %s", strerror(errno));
	return 0;
}

/* The default credential (no name) of the reply, else its first one. */
static void
info_take(const myproxy_creds_t *creds, struct myproxy_cred_info *info)
{
	const myproxy_creds_t *c, *pick = creds;

	for (c = creds; c != NULL; c = c->next)
		if (c->credname == NULL || c->credname[0] == '\0') {
			pick = c;
			break;
		}
	for (c = creds; c != NULL; c = c->next)
		info->n_creds++;
	if (pick == NULL)
		return;
	info->start_time = (int64_t)pick->start_time;
	info->end_time = (int64_t)pick->end_time;
	(void)snprintf(info->owner, sizeof(info->owner), "%s",
	    pick->owner_name ? pick->owner_name : "");
	(void)snprintf(info->renewers, sizeof(info->renewers), "%s",
	    pick->renewers ? pick->renewers : "");
}

static int
info_exchange(myproxy_socket_attrs_t *attrs, myproxy_request_t *req,
    myproxy_response_t *resp, struct myproxy_cred_info *info,
    struct pr_error *err)
{
	int refusal;

	if (exchange(attrs, req, resp, &refusal, err) != 0)
		return -1;
	info_take(resp->info_creds, info);
	if (info->n_creds == 0) {
		(void)pr_error_set(err, PR_ERR_MYPROXY, "no credential stored "
		    "for %s", req->username);
		return -1;
	}
	return 0;
}

int
myproxy_info(const struct renew_server *srv, const char *username,
    const char *proxy_path, const char *cadir, int timeout_sec,
    struct myproxy_cred_info *info, int *is_unreachable,
    struct pr_error *err)
{
	myproxy_socket_attrs_t *attrs = NULL;
	myproxy_request_t *req = NULL;
	myproxy_response_t *resp = NULL;
	int rc = -1;

	memset(info, 0, sizeof(*info));
	*is_unreachable = 0;
	verror_clear();
	if (set_info_env(proxy_path, cadir, timeout_sec, err) != 0)
		return err->code;
	if (new_objects(srv, username, NULL, 0, &attrs, &req, &resp) != 0) {
		myproxy_free(attrs, req, resp);
		return pr_error_set(err, ENOMEM, "out of memory");
	}
	req->command_type = MYPROXY_INFO_PROXY;
	if (connect_server(attrs, timeout_sec, err) != 0)
		*is_unreachable = 1;
	else if (info_exchange(attrs, req, resp, info, err) == 0)
		rc = 0;
	myproxy_free(attrs, req, resp);
	verror_clear();
	return rc == 0 ? 0 : err->code;
}
