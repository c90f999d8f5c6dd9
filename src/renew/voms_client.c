/*
 * voms_client.c: WORKER: VOMS AC renewal (see voms_client.h).
 *
 * Invariants:
 * (1) The FQANs asked for are exactly those of the old AC, in its order;
 *     the new proxy is handed back only if its ACs verify against the
 *     vomsdir and carry the very same FQAN list, AC by AC. A server that
 *     drops a role therefore fails the renewal: never a weaker proxy.
 * (2) Servers for one AC: the AC's own URI first, then the vomses entries
 *     of its VO, each host:port once, at most VOMS_CLIENT_SERVERS_MAX.
 *     The error of every server tried is kept in err.msg and, when the
 *     caller gives room, in opts->errors (one entry per server). Servers
 *     in opts->skip are passed over unless all of the VO's servers are.
 * (3) One struct vomsdata per server attempt (the library's ordering list
 *     is cumulative), destroyed before the next one.
 * (4) The credentials handed to the VOMS library are duplicated by it
 *     (vomsdata::LoadCredentials); we keep ownership of ours.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <voms/voms_apic.h>

#include "cred.h"
#include "pr_error.h"
#include "pr_limits.h"
#include "port.h"
#include "proxy_assemble.h"
#include "small_file.h"
#include "voms_ac.h"
#include "voms_client.h"
#include "voms_server_errors.h"

#define CMD_MAX_BYTES		8192	/* the comma-separated request */
#define AC_MAX_BYTES		(256 * 1024)	/* one AC from a server */
#define WHY_MAX_BYTES		200	/* one server's error in err.msg */

struct voms_server {
	char host[VOMS_AC_NAME_MAX_BYTES + 1];
	int port;
	char dn[512];		/* expected server subject; "" unknown */
};

struct voms_request {
	char cmd[CMD_MAX_BYTES];	/* "B/vo:role,G/vo/g,..." */
	char orders[VOMS_AC_FQANS_MAX][VOMS_AC_FQAN_MAX_BYTES];	/* "/vo/g:role" */
	int n_orders;
};

/*
 * After a failed contact: can host:port be reached at all? The library
 * reports a refused or timed-out connection as a failed "SSL handshake"
 * with a stale OpenSSL error; this says what really happened. Returns 0
 * when some address accepts a connection, else -1 with why filled.
 */
static int
probe_connect(const char *host, int port, int timeout_sec, char *why,
    size_t why_size)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct pollfd pfd;
	char serv[16];
	int fd, rc, soerr, e = 0;
	socklen_t sl;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	(void)snprintf(serv, sizeof(serv), "%d", port);
	if ((rc = getaddrinfo(host, serv, &hints, &res)) != 0) {
		(void)snprintf(why, why_size, "cannot resolve %.128s: %s", host,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1) {
			e = errno;
			continue;
		}
		rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (rc == -1 && errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			sl = sizeof(soerr);
			if (poll(&pfd, 1, timeout_sec * 1000) != 1)
				errno = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0)
				errno = soerr;
			rc = errno == 0 ? 0 : -1;
		}
		e = errno;
		(void)close(fd);	/* a probe only */
		if (rc == 0) {
			freeaddrinfo(res);
			return 0;
		}
	}
	freeaddrinfo(res);
	(void)snprintf(why, why_size, "cannot connect: %s", strerror(e));
	return -1;
}

/* Printable, no separators the request syntax uses. */
static int
fqan_char_ok(char c)
{
	return c > 0x20 && c < 0x7f && c != ',' && c != ':' && c != '"';
}

int
voms_client_fqan_request(const char *fqan, char *cmd, size_t cmd_size,
    char *order, size_t order_size)
{
	char group[VOMS_AC_FQAN_MAX_BYTES], role[VOMS_AC_FQAN_MAX_BYTES];
	const char *r, *end;
	size_t i, n;

	n = strlen(fqan);
	if (n < 2 || n >= sizeof(group) || fqan[0] != '/')
		return -1;
	for (i = 0; i < n; i++)
		if (!fqan_char_ok(fqan[i]))
			return -1;
	role[0] = '\0';
	if ((r = strstr(fqan, "/Role=")) != NULL) {
		end = strstr(r + 6, "/Capability=");
		n = end != NULL ? (size_t)(end - (r + 6)) : strlen(r + 6);
		if (n == 0 || strchr(r + 6, '/') != end)
			return -1;
		if (!(n == 4 && strncmp(r + 6, "NULL", 4) == 0))
			(void)snprintf(role, sizeof(role), "%.*s", (int)n, r + 6);
		n = (size_t)(r - fqan);
	} else {
		end = strstr(fqan, "/Capability=");
		n = end != NULL ? (size_t)(end - fqan) : strlen(fqan);
	}
	if (n < 2)
		return -1;
	(void)snprintf(group, sizeof(group), "%.*s", (int)n, fqan);
	if (role[0] != '\0') {
		if ((size_t)snprintf(cmd, cmd_size, "B%s:%s", group, role) >= cmd_size ||
		    (size_t)snprintf(order, order_size, "%s:%s", group, role) >= order_size)
			return -1;
	} else if ((size_t)snprintf(cmd, cmd_size, "G%s", group) >= cmd_size ||
	    (size_t)snprintf(order, order_size, "%s", group) >= order_size)
		return -1;
	return 0;
}

/* The request for all FQANs of one AC, in order. */
static int
build_request(const struct voms_ac *ac, struct voms_request *req,
    struct pr_error *err)
{
	char one[VOMS_AC_FQAN_MAX_BYTES + 8], line[VOMS_AC_FQAN_MAX_BYTES + 1];
	const char *p = ac->fqans, *nl;
	size_t used = 0, n;

	memset(req, 0, sizeof(*req));
	while (*p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n >= sizeof(line) || req->n_orders >= VOMS_AC_FQANS_MAX)
			goto bad;
		memcpy(line, p, n);
		line[n] = '\0';
		if (voms_client_fqan_request(line, one, sizeof(one),
		    req->orders[req->n_orders], sizeof(req->orders[0])) == -1)
			goto bad;
		req->n_orders++;
		if (used + (used > 0) + strlen(one) >= sizeof(req->cmd))
			goto bad;
		used += (size_t)snprintf(req->cmd + used, sizeof(req->cmd) - used,
		    "%s%s", used > 0 ? "," : "", one);
		p += n + (nl != NULL);
	}
	if (req->n_orders > 0)
		return 0;
bad:
	(void)pr_error_set(err, PR_ERR_VOMS, "VOMS %s: cannot turn FQANs into "
	    "a request", ac->vo);
	return -1;
}

static int
server_add(struct voms_server *srv, int *n, const char *host, int port,
    const char *dn)
{
	int i;

	if (*n >= VOMS_CLIENT_SERVERS_MAX || port <= 0 || port > 65535 ||
	    host == NULL || strlen(host) == 0 || strlen(host) >= sizeof(srv->host))
		return 0;
	for (i = 0; i < *n; i++)
		if (srv[i].port == port && strcmp(srv[i].host, host) == 0) {
			if (srv[i].dn[0] == '\0' && dn != NULL)
				(void)snprintf(srv[i].dn, sizeof(srv[i].dn), "%s", dn);
			return 0;
		}
	(void)snprintf(srv[*n].host, sizeof(srv->host), "%s", host);
	srv[*n].port = port;
	(void)snprintf(srv[*n].dn, sizeof(srv->dn), "%s", dn != NULL ? dn : "");
	(*n)++;
	return 0;
}

/* vomses entries of one VO from one file or directory, via the library. */
static void
servers_from_vomses(struct voms_server *srv, int *n, const char *vo,
    const char *path)
{
	struct vomsdata *vd;
	struct contactdata **cd;
	int e = 0, i;

	if ((vd = VOMS_Init(NULL, NULL)) == NULL)
		return;
	cd = VOMS_FindByVO(vd, (char *)vo, (char *)path, (char *)path, &e);
	for (i = 0; cd != NULL && cd[i] != NULL; i++) {
		(void)server_add(srv, n, cd[i]->host, cd[i]->port, cd[i]->contact);
		/* VOMS_DeleteContacts frees the array, not these strdup()s */
		free(cd[i]->nick);
		free(cd[i]->host);
		free(cd[i]->contact);
		free(cd[i]->vo);
	}
	VOMS_DeleteContacts(cd);
	VOMS_Destroy(vd);
}

/* The AC's URI first, then the vomses configuration (invariant 2). */
static int
servers_for(const struct voms_ac *ac, const struct voms_client_opts *o,
    struct voms_server *srv)
{
	char host[VOMS_AC_NAME_MAX_BYTES + 1], *colon;
	const char *env;
	int n = 0, port;

	(void)snprintf(host, sizeof(host), "%s", ac->uri);
	if ((colon = strrchr(host, ':')) != NULL) {
		*colon = '\0';
		if (port_parse(colon + 1, strlen(colon + 1), &port) == 0)
			(void)server_add(srv, &n, host, port, NULL);
	}
	if (o->vomses != NULL)
		servers_from_vomses(srv, &n, ac->vo, o->vomses);
	else if ((env = getenv("X509_VOMSES")) != NULL && env[0] != '\0')
		servers_from_vomses(srv, &n, ac->vo, env);
	else {
		servers_from_vomses(srv, &n, ac->vo, "/etc/vomses");
		servers_from_vomses(srv, &n, ac->vo, "/etc/grid-security/vomses");
	}
	/* the URI server's DN from vomses, when listed there (server_add fills it) */
	return n;
}

/* One server; 0 with *der set, or -1 with why filled. */
static int
contact_one(const struct voms_server *s, const struct voms_request *req,
    const struct pem_cred *cred, const struct voms_client_opts *o,
    int lifetime, unsigned char **der, size_t *der_len, int *unreachable,
    char *why, size_t why_size)
{
	struct vomsdata *vd;
	void *data = NULL;
	int e = 0, len = 0, version = 0, i, ok;

	if ((vd = VOMS_Init((char *)o->vomsdir, (char *)o->certdir)) == NULL) {
		(void)snprintf(why, why_size, "cannot initialise the VOMS library");
		return -1;
	}
	ok = VOMS_LoadCredentials(cred->cert, cred->key, cred->chain, vd, &e) &&
	    VOMS_SetLifetime(lifetime, vd, &e) &&
	    VOMS_SetTimeout(o->timeout_sec > 0 ? o->timeout_sec :
	    VOMS_CLIENT_TIMEOUT_SEC_DEFAULT, vd, &e);
	for (i = 0; ok && i < req->n_orders; i++)
		ok = VOMS_Ordering((char *)req->orders[i], vd, &e);
	if (ok)
		ok = VOMS_ContactRaw((char *)s->host, s->port, (char *)s->dn,
		    (char *)req->cmd, &data, &len, &version, vd, &e);
	if (ok && (len <= 0 || len > AC_MAX_BYTES)) {
		(void)snprintf(why, why_size, "answer of %d bytes", len);
		ok = 0;
	} else if (ok && (*der = malloc((size_t)len)) != NULL) {
		memcpy(*der, data, (size_t)len);
		*der_len = (size_t)len;
	} else if (ok) {
		(void)snprintf(why, why_size, "out of memory");
		ok = 0;
	} else if (e == VERR_COMM && probe_connect(s->host, s->port,
	    o->timeout_sec > 0 ? o->timeout_sec :
	    VOMS_CLIENT_TIMEOUT_SEC_DEFAULT, why, why_size) == -1) {
		*unreachable = 1;	/* why says why: a cool-down candidate */
	} else {
		voms_server_errors(vd != NULL ? vd->real : NULL, why, why_size);
		if (why[0] == '\0')
			(void)VOMS_ErrorMessage(vd, e, why, (int)why_size);
	}
	free(data);
	VOMS_Destroy(vd);
	return ok ? 0 : -1;
}

/* "voms:host:port", the name in skip lists and reports; -1 if too long. */
static int
server_name(const struct voms_server *s, char *buf, size_t size)
{
	int n = snprintf(buf, size, VOMS_CLIENT_NAME_PREFIX "%s:%d", s->host,
	    s->port);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int
is_cooling(const struct voms_client_opts *o, const struct voms_server *s)
{
	char name[RENEW_SERVER_NAME_MAX];
	size_t i;

	if (server_name(s, name, sizeof(name)) == -1)
		return 0;
	for (i = 0; i < o->n_skip; i++)
		if (strcmp(o->skip[i], name) == 0)
			return 1;
	return 0;
}

/* One entry per failed server in o->errors (the latest failure wins). */
static void
report_error(const struct voms_client_opts *o, const struct voms_server *s,
    int unreachable, const char *why)
{
	struct renew_server_error *se = NULL;
	char name[RENEW_SERVER_NAME_MAX];
	size_t i;

	if (o->errors == NULL || o->n_errors == NULL ||
	    server_name(s, name, sizeof(name)) == -1)
		return;
	for (i = 0; i < *o->n_errors && se == NULL; i++)
		if (strcmp(o->errors[i].server, name) == 0)
			se = &o->errors[i];
	if (se == NULL && *o->n_errors < o->errors_max)
		se = &o->errors[(*o->n_errors)++];
	if (se == NULL)
		return;
	(void)snprintf(se->server, sizeof(se->server), "%s", name);
	(void)snprintf(se->msg, sizeof(se->msg), "%s", why);
	se->code = PR_ERR_VOMS;
	se->is_unreachable = unreachable;
}

/* One entry per server that gave an AC in o->delivered. */
static void
report_delivered(const struct voms_client_opts *o,
    const struct voms_server *s)
{
	char name[RENEW_SERVER_NAME_MAX];
	size_t i;

	if (o->delivered == NULL || o->n_delivered == NULL ||
	    server_name(s, name, sizeof(name)) == -1)
		return;
	for (i = 0; i < *o->n_delivered; i++)
		if (strcmp(o->delivered[i], name) == 0)
			return;
	if (*o->n_delivered < o->delivered_max)
		memcpy(o->delivered[(*o->n_delivered)++], name,
		    strlen(name) + 1);
}

/* A fresh AC for `ac` from the first server that gives one. */
static int
fetch_ac(const struct voms_ac *ac, const struct pem_cred *cred,
    const struct voms_client_opts *o, int lifetime, unsigned char **der,
    size_t *der_len, struct pr_error *err)
{
	struct voms_server srv[VOMS_CLIENT_SERVERS_MAX];
	struct voms_request req;
	char why[WHY_MAX_BYTES], tried[PR_ERROR_MSG_MAX];
	size_t used = 0;
	int n, i, n_cool = 0, n_skipped = 0, unreachable;

	if (build_request(ac, &req, err) == -1)
		return -1;
	memset(srv, 0, sizeof(srv));
	if ((n = servers_for(ac, o, srv)) == 0) {
		(void)pr_error_set(err, PR_ERR_VOMS, "VOMS %s: no server known "
		    "(AC URI %s, no vomses entry)", ac->vo, ac->uri);
		return -1;
	}
	for (i = 0; i < n; i++)
		n_cool += is_cooling(o, &srv[i]);
	tried[0] = '\0';
	for (i = 0; i < n; i++) {
		/* all cooling down: try them all rather than fail untried */
		if (n_cool < n && is_cooling(o, &srv[i])) {
			n_skipped++;
			continue;
		}
		why[0] = '\0';
		unreachable = 0;
		if (contact_one(&srv[i], &req, cred, o, lifetime, der, der_len,
		    &unreachable, why, sizeof(why)) == 0) {
			report_delivered(o, &srv[i]);
			return 0;
		}
		why[strcspn(why, "\r\n")] = '\0';	/* one line */
		report_error(o, &srv[i], unreachable, why[0] ? why : "failed");
		if (used < sizeof(tried))
			used += (size_t)snprintf(tried + used, sizeof(tried) - used,
			    "%s%s:%d: %s", used > 0 ? "; " : "", srv[i].host,
			    srv[i].port, why[0] ? why : "failed");
	}
	if (n_skipped > 0 && used < sizeof(tried))
		(void)snprintf(tried + used, sizeof(tried) - used, " (%d "
		    "server(s) cooling down, not tried)", n_skipped);
	(void)pr_error_set(err, PR_ERR_VOMS, "VOMS %s: %s", ac->vo, tried);
	return -1;
}

/*
 * The new proxy's ACs must verify (signature, vomsdir .lsc, dates, holder)
 * and carry the old FQANs AC by AC (invariant 1).
 */
static int
verify_new(const char *pem, size_t len, const struct voms_ac_list *old,
    const struct voms_client_opts *o, struct pr_error *err)
{
	struct pem_cred nc;
	struct voms_ac_list fresh;
	struct vomsdata *vd;
	char why[WHY_MAX_BYTES];
	int e = 0, i, ok;

	if (pem_cred_load(pem, len, 1, &nc, err) == -1)
		return -1;
	if ((vd = VOMS_Init((char *)o->vomsdir, (char *)o->certdir)) == NULL) {
		pem_cred_free(&nc);
		(void)pr_error_set(err, ENOMEM, "VOMS: cannot initialise");
		return -1;
	}
	ok = VOMS_Retrieve(nc.cert, nc.chain, RECURSE_CHAIN, vd, &e);
	if (!ok)
		(void)VOMS_ErrorMessage(vd, e, why, sizeof(why));
	VOMS_Destroy(vd);
	if (!ok) {
		pem_cred_free(&nc);
		(void)pr_error_set(err, PR_ERR_VOMS, "VOMS: the new ACs do not "
		    "verify: %s", why);
		return -1;
	}
	if (voms_ac_parse_chain(nc.cert, NULL, &fresh, err) == -1) {
		pem_cred_free(&nc);
		return -1;
	}
	ok = fresh.n_acs == old->n_acs;
	for (i = 0; ok && i < old->n_acs; i++)
		ok = strcmp(fresh.acs[i].fqans, old->acs[i].fqans) == 0;
	if (!ok)
		(void)pr_error_set(err, PR_ERR_VOMS, "VOMS %s: the server "
		    "returned other FQANs than the proxy had (order or roles)",
		    old->acs[i > 0 ? i - 1 : 0].vo);
	voms_ac_list_free(&fresh);
	pem_cred_free(&nc);
	return ok ? 0 : -1;
}

/* Seconds the renewed proxy has left (at least the minimum asked). */
static int
lifetime_of(X509 *x)
{
	int days = 0, secs = 0;
	long total;

	if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x)) != 1)
		return VOMS_CLIENT_MIN_LIFETIME_SEC;
	total = (long)days * 86400 + secs;
	if (total < VOMS_CLIENT_MIN_LIFETIME_SEC)
		return VOMS_CLIENT_MIN_LIFETIME_SEC;
	return total > 100L * 86400 ? 100 * 86400 : (int)total;
}

int
voms_client_renew(const char *old_pem, size_t old_len,
    const char *renewed_pem, size_t renewed_len,
    const struct voms_client_opts *opts, char **out_pem, size_t *out_len,
    struct pr_error *err)
{
	struct pem_cred old, renewed;
	struct voms_ac_list acs;
	struct proxy_assemble_in in;
	unsigned char *der[VOMS_AC_MAX];
	size_t der_len[VOMS_AC_MAX];
	int i, rc = -1, lifetime;

	*out_pem = NULL;
	*out_len = 0;
	memset(der, 0, sizeof(der));
	memset(&renewed, 0, sizeof(renewed));
	memset(&acs, 0, sizeof(acs));
	if (pem_cred_load(old_pem, old_len, 0, &old, err) == -1)
		return -1;
	if (voms_ac_parse_chain(old.cert, old.chain, &acs, err) == -1)
		goto done;
	if (acs.n_acs == 0) {
		rc = 0;		/* nothing to renew */
		goto done;
	}
	if (pem_cred_load(renewed_pem, renewed_len, 1, &renewed, err) == -1)
		goto done;
	lifetime = lifetime_of(renewed.cert);
	for (i = 0; i < acs.n_acs; i++)
		if (fetch_ac(&acs.acs[i], &renewed, opts, lifetime, &der[i],
		    &der_len[i], err) == -1)
			goto done;
	memset(&in, 0, sizeof(in));
	in.issuer = &renewed;
	in.n_acs = acs.n_acs;
	in.bits = opts->bits;
	/* unreadable: 0, which proxy_assemble refuses */
	(void)voms_ac_time_to_unix(X509_get0_notAfter(renewed.cert),
	    &in.not_after);
	for (i = 0; i < acs.n_acs; i++) {
		in.acs[i] = der[i];
		in.ac_lens[i] = der_len[i];
	}
	if (proxy_assemble(&in, out_pem, out_len, err) == -1)
		goto done;
	if (verify_new(*out_pem, *out_len, &acs, opts, err) == -1) {
		free(*out_pem);
		*out_pem = NULL;
		*out_len = 0;
		goto done;
	}
	rc = 0;
done:
	for (i = 0; i < VOMS_AC_MAX; i++)
		free(der[i]);
	voms_ac_list_free(&acs);
	pem_cred_free(&renewed);
	pem_cred_free(&old);
	return rc;
}

int
voms_client_renew_file(const char *old_path, const char *renewed_pem,
    size_t renewed_len, const struct voms_client_opts *opts, char **out_pem,
    size_t *out_len, struct pr_error *err)
{
	char *old = NULL;
	size_t old_len = 0;
	int rc;

	*out_pem = NULL;
	*out_len = 0;
	if (cred_read_file(old_path, PR_PROXY_FILE_MAX_BYTES, &old, &old_len,
	    err) != 0)
		return -1;
	rc = voms_client_renew(old, old_len, renewed_pem, renewed_len, opts,
	    out_pem, out_len, err);
	wipe_free(old, old_len);	/* it held the old proxy's key */
	return rc;
}
