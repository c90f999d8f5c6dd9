/*
 * doctor_net.c: the server checks of --doctor: each configured MyProxy
 * server (every address resolves and connects, the TLS handshake with the
 * service credential, the server's certificate verifies against the CA
 * directory and names the host), and the VOMS configuration (vomsdir,
 * vomses entries reachable).
 *
 * Plain OpenSSL TLS: a myproxy-server speaks standard TLS before any MyProxy
 * message, so the handshake is checked without the Globus libraries (which
 * only the worker links). Every connection has DOCTOR_TIMEOUT_SEC.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "daemon.h"
#include "doctor.h"
#include "renew_contract.h"

#define DOCTOR_TIMEOUT_SEC	5
#define VOMSES_LINE_MAX		1024

/* Connect to one address within the timeout; the fd or -1 (errno set). */
static int
connect_addr(const struct addrinfo *ai)
{
	struct timeval tv = { DOCTOR_TIMEOUT_SEC, 0 };
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, fl, so_err = 0;

	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol)) == -1)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    errno != EINPROGRESS)
		goto fail;
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&pfd, 1, DOCTOR_TIMEOUT_SEC * 1000) != 1) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_err, &len) == -1)
		goto fail;
	if (so_err != 0) {
		errno = so_err;
		goto fail;
	}
	/* blocking again, with timeouts, for the handshake */
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		goto fail;
	return fd;
fail:
	so_err = errno;
	(void)close(fd);
	errno = so_err;
	return -1;
}

static void
addr_text(const struct addrinfo *ai, char *buf, size_t size)
{
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, buf, (socklen_t)size,
	    NULL, 0, NI_NUMERICHOST) != 0)
		(void)snprintf(buf, size, "?");
}

/*
 * Resolve host:port and connect to every address. Returns a connected fd
 * (the first that worked; -1 when none) and reports the outcome as what.
 */
static int
reach(struct doctor *doc, const char *what, const char *host, int port,
    const char *hint)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[16], addr[64], bad[256] = "";
	int fd = -1, one, rc, n = 0, n_bad = 0;
	size_t used = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	(void)snprintf(portstr, sizeof(portstr), "%d", port);
	if ((rc = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		doc_report(doc, DOC_FAIL, what, "check the name (DNS, "
		    "/etc/hosts)", "%s: does not resolve: %s", host,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next, n++) {
		addr_text(ai, addr, sizeof(addr));
		if ((one = connect_addr(ai)) == -1) {
			n_bad++;
			if (used < sizeof(bad))
				used += (size_t)snprintf(bad + used,
				    sizeof(bad) - used, "%s%s: %s", used ? "; " :
				    "", addr, strerror(errno));
		} else if (fd == -1) {
			fd = one;
		} else {
			(void)close(one);
		}
	}
	freeaddrinfo(res);
	if (fd == -1)
		doc_report(doc, DOC_FAIL, what, hint, "%s:%d: cannot connect "
		    "(%s)", host, port, bad);
	else if (n_bad > 0)
		doc_report(doc, DOC_WARN, what, "an address that does not "
		    "answer costs each renewal a timeout", "%s:%d: %d of %d "
		    "addresses do not answer (%s)", host, port, n_bad, n, bad);
	else
		doc_report(doc, DOC_OK, what, NULL, "%s:%d: every address "
		    "(%d) connects", host, port, n);
	return fd;
}

static SSL_CTX *
tls_context(const struct doctor *doc)
{
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(ctx, NULL, doc->cadir) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, doc->cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, doc->key, SSL_FILETYPE_PEM) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* The TLS handshake on fd (closed here): server verified, host named. */
static void
tls_check(struct doctor *doc, const char *what, int fd, const char *host,
    int port)
{
	char subject[512] = "?", why[256];
	SSL_CTX *ctx;
	SSL *ssl = NULL;
	X509 *peer = NULL;
	long vr;

	ERR_clear_error();
	if ((ctx = tls_context(doc)) == NULL) {
		doc_report(doc, DOC_SKIP, what, NULL, "%s:%d: TLS not checked: "
		    "the service credential or CA directory cannot be loaded",
		    host, port);
		(void)close(fd);
		return;
	}
	if ((ssl = SSL_new(ctx)) != NULL && SSL_set_fd(ssl, fd) == 1 &&
	    SSL_set1_host(ssl, host) == 1 && SSL_connect(ssl) == 1 &&
	    (peer = SSL_get1_peer_certificate(ssl)) != NULL) {
		(void)X509_NAME_oneline(X509_get_subject_name(peer), subject,
		    sizeof(subject));
		doc_report(doc, DOC_OK, what, NULL, "%s:%d: TLS handshake with "
		    "the service credential; server %s verified, names the "
		    "host", host, port, subject);
	} else {
		vr = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
		if (vr != X509_V_OK)
			(void)snprintf(why, sizeof(why), "server certificate: %s",
			    X509_verify_cert_error_string(vr));
		else
			(void)snprintf(why, sizeof(why), "%s",
			    ERR_reason_error_string(ERR_peek_last_error()) ?
			    ERR_reason_error_string(ERR_peek_last_error()) :
			    "handshake failed");
		doc_report(doc, DOC_FAIL, what, "the CA directory must hold the "
		    "server's CA (and fresh CRLs), the server's certificate must "
		    "name the host as given (use its DNS name, not an address)",
		    "%s:%d: TLS: %s", host, port, why);
	}
	X509_free(peer);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	(void)close(fd);
}

void
doctor_myproxy(struct doctor *doc, const char *servers)
{
	struct renew_server srv[RENEW_SERVERS_MAX];
	struct pr_error err;
	size_t n, i;
	int fd;

	if (servers == NULL) {
		doc_report(doc, DOC_SKIP, "MyProxy", NULL, "no --myproxy-server "
		    "configured (each registration names its servers)");
		return;
	}
	pr_error_clear(&err);
	if (renew_parse_servers(servers, srv, RENEW_SERVERS_MAX, &n,
	    &err) != 0) {
		doc_report(doc, DOC_FAIL, "MyProxy", "--myproxy-server takes "
		    "host[:port],host[:port] without spaces", "%s", err.msg);
		return;
	}
	for (i = 0; i < n; i++) {
		fd = reach(doc, "MyProxy", srv[i].host, srv[i].port,
		    "is myproxy-server running there, and the port open in "
		    "the firewalls between?");
		if (fd != -1)
			tls_check(doc, "MyProxy TLS", fd, srv[i].host,
			    srv[i].port);
	}
}

/* The next "quoted" field of a vomses line into buf; NULL at the end. */
static const char *
vomses_field(const char *p, char *buf, size_t size)
{
	const char *q;

	if ((p = strchr(p, '"')) == NULL || (q = strchr(p + 1, '"')) == NULL)
		return NULL;
	(void)snprintf(buf, size, "%.*s", (int)(q - p - 1), p + 1);
	return q + 1;
}

/* Each entry of one vomses file: "alias" "host" "port" "dn" "vo". */
static int
vomses_file(struct doctor *doc, const char *path)
{
	char line[VOMSES_LINE_MAX], alias[256], host[256], port[16], what[300];
	const char *p;
	FILE *f;
	int n = 0, fd;

	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((p = vomses_field(line, alias, sizeof(alias))) == NULL ||
		    (p = vomses_field(p, host, sizeof(host))) == NULL ||
		    vomses_field(p, port, sizeof(port)) == NULL)
			continue;
		n++;
		(void)snprintf(what, sizeof(what), "VOMS %s", alias);
		if ((fd = reach(doc, what, host, atoi(port), "is voms-server "
		    "running for this VO there (vomses entry)?")) != -1)
			(void)close(fd);
	}
	(void)fclose(f);
	return n;
}

/* A vomses file, or a directory of them. */
static int
vomses_walk(struct doctor *doc, const char *path)
{
	char sub[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int n = 0;

	if (stat(path, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return vomses_file(doc, path);
	if ((dir = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(void)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		n += vomses_file(doc, sub);
	}
	(void)closedir(dir);
	return n;
}

void
doctor_voms(struct doctor *doc, const struct options *o)
{
	const char *dir = o->voms_dir, *vomses = o->voms_config, *e;
	struct stat st;
	int n;

	if (!o->enable_voms) {
		doc_report(doc, DOC_SKIP, "VOMS", NULL, "VOMS renewal off (-A "
		    "not given)");
		return;
	}
	if (dir == NULL)
		dir = (e = getenv("X509_VOMS_DIR")) != NULL && *e != '\0' ? e :
		    "/etc/grid-security/vomsdir";
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		doc_report(doc, DOC_FAIL, "vomsdir", "give it with -V "
		    "(X509_VOMS_DIR): <vo>/<host>.lsc files", "%s: not a "
		    "directory", dir);
	else
		doc_report(doc, DOC_OK, "vomsdir", NULL, "%s", dir);
	if (vomses == NULL && (e = getenv("X509_VOMSES")) != NULL && *e)
		vomses = e;
	if (vomses != NULL)
		n = vomses_walk(doc, vomses);
	else if ((n = vomses_walk(doc, "/etc/vomses")) < 0)
		n = vomses_walk(doc, vomses = "/etc/grid-security/vomses");
	else
		vomses = "/etc/vomses";
	if (n < 0)
		doc_report(doc, DOC_WARN, "vomses", "give it with -G "
		    "(X509_VOMSES) to have failover servers", "%s: %s",
		    vomses, strerror(errno));
	else if (n == 0)
		doc_report(doc, DOC_WARN, "vomses", "only each AC's own server "
		    "is tried without vomses entries", "%s: no entry", vomses);
}
