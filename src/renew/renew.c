/*
 * renew.c: the worker's engine (renew_engine.h): MyProxy with failover
 * over the servers in order, then VOMS once, then verification of the new
 * proxy before it is written.
 *
 * Invariants:
 *  1. Nothing is written to out_fd unless renew_verify() accepted the proxy
 *     (same identity as the current proxy, strictly later earliest expiry).
 *  2. Every MyProxy server tried and failed leaves exactly one entry in
 *     res->errors, in the order tried, with that server's own error text;
 *     the VOMS hook appends the VOMS servers that failed after them.
 *  3. Buffers that held private keys are wiped before they are freed.
 * No Globus, no logging, no exit: the MyProxy call is req->fetch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cred.h"
#include "pr_limits.h"
#include "renew_engine.h"
#include "renew_util.h"
#include "small_file.h"

static int
write_all(int fd, const char *buf, size_t len, struct pr_error *err)
{
	ssize_t w;

	if (ftruncate(fd, 0) == -1 || lseek(fd, 0, SEEK_SET) == -1)
		return pr_error_set(err, errno, "output file: %s",
		    strerror(errno));
	while (len > 0) {
		w = write(fd, buf, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return pr_error_set(err, w == -1 ? errno : EIO,
			    "output file: write: %s", strerror(errno));
		buf += w;
		len -= (size_t)w;
	}
	if (fsync(fd) == -1)
		return pr_error_set(err, errno, "output file: fsync: %s",
		    strerror(errno));
	return 0;
}


/*
 * What MyProxy delivered: the same identity, and an X.509 part ending
 * later than the current proxy (its ACs, if any, come from VOMS next, so
 * only without VOMS is this the whole check).
 */
static int
check_fetched(const char *pem, size_t len, const struct cred_info *cur,
    time_t now, int voms_follows, int64_t *end, struct pr_error *err)
{
	struct cred_info info;
	int rc;

	memset(&info, 0, sizeof(info));
	if ((rc = cred_inspect(pem, len, now, &info, err)) != 0)
		return rc == ENOMEM ? rc : PR_ERR_SSL;
	if (voms_follows)
		info.ac_not_after = 0;
	rc = renew_verify_info(&info, cur->identity, cred_expiry(cur), end,
	    err);
	cred_info_free(&info);
	return rc;
}

/*
 * certs (certificate, chain) with the key after the first certificate:
 * the layout MyProxy's own delegation writes. Replaces *pem.
 */
static int
splice_key(char **pem, size_t *pem_len, const struct renew_new_key *nk,
    struct pr_error *err)
{
	static const char end_cert[] = "-----END CERTIFICATE-----\n";
	const char *at = memmem(*pem, *pem_len, end_cert,
	    sizeof(end_cert) - 1);
	size_t head, len;
	char *out;

	if (at == NULL)
		return pr_error_set(err, PR_ERR_SSL, "MyProxy delivered no "
		    "certificate for the request");
	head = (size_t)(at - *pem) + sizeof(end_cert) - 1;
	len = *pem_len + nk->key_len;
	if ((out = malloc(len + 1)) == NULL)
		return pr_error_set(err, ENOMEM, "out of memory");
	memcpy(out, *pem, head);
	memcpy(out + head, nk->key_pem, nk->key_len);
	memcpy(out + head + nk->key_len, *pem + head, *pem_len - head);
	out[len] = '\0';
	wipe_free(*pem, *pem_len);
	*pem = out;
	*pem_len = len;
	return 0;
}

/* One server's GET; with a key made ahead, its certificate plus the key. */
static int
fetch_one(const struct renew_request *req, const struct renew_server *srv,
    const struct cred_info *cur, char **pem, size_t *pem_len,
    int *unreachable, struct pr_error *err)
{
	const struct renew_new_key *nk = req->new_key;
	int rc;

	rc = req->fetch(srv, cur->identity, req->authz_path != NULL ?
	    req->authz_path : req->proxy_path, req->lifetime_sec,
	    nk != NULL ? nk->certreq_path : NULL, &req->svc,
	    req->server_timeout_sec, pem, pem_len, unreachable, err);
	if (rc == 0 && nk != NULL && (rc = splice_key(pem, pem_len, nk,
	    err)) != 0) {
		wipe_free(*pem, *pem_len);
		*pem = NULL;
	}
	return rc;
}

/* MyProxy: one server after the other until one delivers (*pem). */
static int
fetch_with_failover(const struct renew_request *req,
    const struct renew_server *srv, size_t n_srv, const struct cred_info *cur,
    int voms_follows, struct renew_result *res, char **pem, size_t *pem_len,
    int *n_skipped)
{
	struct pr_error err;
	unsigned char pass[RENEW_SERVERS_MAX];
	size_t i;
	int rc, unreachable;

	*n_skipped = (int)renew_pass_over(srv, n_srv, req->skip, req->n_skip,
	    pass);
	for (i = 0; i < n_srv; i++) {
		if (pass[i])
			continue;
		pr_error_clear(&err);
		unreachable = 0;
		rc = fetch_one(req, &srv[i], cur, pem, pem_len, &unreachable,
		    &err);
		if (rc == 0 && (rc = check_fetched(*pem, *pem_len, cur,
		    req->now, voms_follows, &res->end_time, &err)) != 0) {
			wipe_free(*pem, *pem_len);
			*pem = NULL;
		}
		if (rc == 0) {
			renew_fmt_field(res->server, sizeof(res->server), "%s",
			    srv[i].name);
			return 0;
		}
		renew_note_failure(res, srv[i].name, rc, unreachable, err.msg);
	}
	return -1;
}

/*
 * VOMS, once, on what MyProxy delivered: the hook fails over between the
 * VO's servers itself and adds the ones that failed to res->errors. The
 * MyProxy server is not blamed for a VOMS failure.
 */
static int
refresh_voms(const struct renew_request *req, const struct cred_info *cur,
    char **pem, size_t *pem_len, struct renew_result *res,
    struct pr_error *err)
{
	char *vpem = NULL;
	size_t vlen = 0;
	int rc;

	if ((rc = req->voms(req, *pem, *pem_len, &vpem, &vlen, res,
	    err)) != 0)
		return rc;
	wipe_free(*pem, *pem_len);
	*pem = vpem;
	*pem_len = vlen;
	return renew_verify(*pem, *pem_len, cur->identity, cred_expiry(cur),
	    req->now, &res->end_time, err);
}


static int
load_current(const struct renew_request *req, struct cred_info *cur,
    struct renew_result *res)
{
	struct pr_error err;
	int rc;

	pr_error_clear(&err);
	if (req->proxy_pem != NULL)
		rc = cred_inspect(req->proxy_pem, req->proxy_len, req->now, cur,
		    &err);
	else	/* err.msg: "proxy PATH: why" */
		rc = cred_inspect_file(req->proxy_path, PR_PROXY_FILE_MAX_BYTES,
		    req->now, cur, &err);
	if (rc != 0) {
		res->code = rc;
		if (req->proxy_pem != NULL)
			renew_fmt_field(res->msg, sizeof(res->msg),
			    "current proxy %s: %s", req->proxy_path, err.msg);
		else
			renew_fmt_field(res->msg, sizeof(res->msg),
			    "current %s", err.msg);
		return rc;
	}
	res->old_end_time = cred_expiry(cur);
	renew_fmt_field(res->identity, sizeof(res->identity), "%s",
	    cur->identity);
	return 0;
}

/* A failure after MyProxy delivered (VOMS, the final check, writing). */
static int
fail_after_fetch(struct renew_result *res, int rc, const struct pr_error *err)
{
	res->code = rc;
	res->server[0] = '\0';
	renew_fmt_field(res->msg, sizeof(res->msg), "renewal failed: %s",
	    err->msg);
	return rc;
}

int
renew_run(const struct renew_request *req, struct renew_result *res)
{
	struct renew_server srv[RENEW_SERVERS_MAX];
	struct cred_info cur;
	struct pr_error err;
	char *pem = NULL;
	size_t n_srv, pem_len = 0;
	int n_skipped = 0, voms, rc;

	memset(res, 0, sizeof(*res));
	memset(&cur, 0, sizeof(cur));
	pr_error_clear(&err);
	if ((res->code = renew_parse_servers(req->servers, srv,
	    RENEW_SERVERS_MAX, &n_srv, &err)) != 0) {
		renew_fmt_field(res->msg, sizeof(res->msg), "%s", err.msg);
		return res->code;
	}
	if (load_current(req, &cur, res) != 0)
		return res->code;
	/* VOMS ACs must be re-acquired, never dropped */
	voms = cur.fqans != NULL && cur.fqans[0] != '\0';
	if (voms && req->voms == NULL) {
		rc = fail_after_fetch(res, pr_error_set(&err, PR_ERR_VOMS,
		    "proxy carries VOMS attributes and VOMS renewal is not "
		    "available"), &err);
	} else if (fetch_with_failover(req, srv, n_srv, &cur, voms, res, &pem,
	    &pem_len, &n_skipped) != 0) {
		renew_summarize_failure(res, "renewal", n_skipped);
		rc = res->code;
	} else if ((voms && (rc = refresh_voms(req, &cur, &pem, &pem_len, res,
	    &err)) != 0) || (req->out_fd != -1 && (rc = write_all(req->out_fd,
	    pem, pem_len, &err)) != 0)) {
		fail_after_fetch(res, rc, &err);
	} else {
		rc = res->code = 0;
	}
	wipe_free(pem, pem_len);
	cred_info_free(&cur);
	return rc;
}
