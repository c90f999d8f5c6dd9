/*
 * doctor_cred.c: proxy-renewd --doctor --identity FILE: for one user's
 * proxy (a file, or the name of a repository file), what MyProxy INFO says
 * of its stored credential on the --myproxy-server list (the worker in
 * Mode=info, as the daemon's credential watch asks it): when it ends and
 * whether its renewers policy lets this service renew it. A credential
 * without a policy of its own leaves the answer to the server's
 * authorized_renewers, which INFO does not show: then one trial renewal
 * with the service credential into a private temporary file, removed
 * unread, settles it. Nothing in the repository or on the server changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "doctor.h"
#include "renew_contract.h"
#include "xmalloc.h"

#define DOC_WORKER_TIMEOUT_SEC	60
#define DOC_SERVER_TIMEOUT_SEC	15
#define DOC_TRIAL_LIFETIME_SEC	RENEW_LIFETIME_SEC_MAX	/* the longest */

/* One worker run on the proxy (fd 3), info or a trial renewal (out_fd). */
static int
doc_worker(struct doctor *doc, const char *servers, const char *proxy,
    int info, int out_fd, struct renew_result *res, struct pr_error *err)
{
	struct renew_job job;
	unsigned char *req = NULL;
	size_t len = 0;
	int fds[2] = { -1, out_fd }, rc;

	memset(&job, 0, sizeof(job));
	job.servers = servers;
	job.proxy_path = proxy;
	job.handed_fds = 1;
	job.info = info;
	job.lifetime_sec = DOC_TRIAL_LIFETIME_SEC;
	job.server_timeout_sec = DOC_SERVER_TIMEOUT_SEC;
	job.svc.cert = doc->cert;
	job.svc.key = doc->key;
	job.svc.cadir = doc->cadir;
	if ((fds[0] = open(proxy, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return pr_error_set(err, errno, "%s: %s", proxy,
		    strerror(errno));
	if ((rc = renew_job_frame(&job, &req, &len, err)) == 0)
		rc = renew_worker_run(req, len, fds, DOC_WORKER_TIMEOUT_SEC,
		    res, err);
	free(req);
	(void)close(fds[0]);
	return rc;
}

/* A trial renewal into a private temporary file, removed unread. */
static int
doc_trial(struct doctor *doc, const char *servers, const char *proxy,
    struct renew_result *res, struct pr_error *err)
{
	char dir[] = "/tmp/proxy-renewd-doctor.XXXXXX", path[64];
	int fd, rc;

	if (mkdtemp(dir) == NULL)
		return pr_error_set(err, errno, "mkdtemp: %s", strerror(errno));
	(void)snprintf(path, sizeof(path), "%s/trial", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		rc = pr_error_set(err, errno, "%s: %s", path, strerror(errno));
	else
		rc = doc_worker(doc, servers, proxy, 0, fd, res, err);
	if (fd != -1) {
		if (ftruncate(fd, 0) == -1)	/* it held a private key */
			(void)fprintf(doc->out, "(cannot empty %s: %s)\n", path,
			    strerror(errno));
		(void)close(fd);
		(void)unlink(path);
	}
	(void)rmdir(dir);
	return rc;
}

/* The answer of INFO: the credential's end, then who may renew it. */
static void
doc_info_answer(struct doctor *doc, const char *servers, const char *proxy,
    const struct renew_result *res)
{
	struct renew_result trial;
	struct pr_error err;
	char dn[1024] = "", hint[1200];
	int64_t left = res->end_time - doc->now;

	doc_report(doc, left > 0 ? DOC_OK : DOC_FAIL, "stored credential",
	    "its owner stores a new one: myproxy-init -d -n (with this service "
	    "as renewer)", "%s on %s ends in %lld days %lld h", res->identity,
	    res->server, (long long)(left / 86400),
	    (long long)(left % 86400 / 3600));
	(void)renew_service_dn(doc->cert, dn, sizeof(dn), &err);
	if (res->renew_allowed == RENEW_ALLOWED_YES) {
		doc_report(doc, DOC_OK, "may renew", NULL, "its renewers policy "
		    "'%s' names this service (%s)", res->renewers, dn);
		return;
	}
	if (res->renew_allowed == RENEW_ALLOWED_NO) {
		(void)snprintf(hint, sizeof(hint), "its owner stores it again "
		    "allowing this service: myproxy-init -d -n -x -R '%s' (-x: "
		    "a DN; without it -R takes a CN)", dn);
		doc_report(doc, DOC_FAIL, "may renew", hint, "its renewers "
		    "policy '%s' does not name this service (%s)",
		    res->renewers, dn);
		return;
	}
	pr_error_clear(&err);
	if (doc_trial(doc, servers, proxy, &trial, &err) != 0)
		doc_report(doc, DOC_FAIL, "may renew", NULL, "trial renewal: %s",
		    err.msg);
	else if (trial.code != 0 && strstr(trial.msg, "would end earlier"))
		doc_report(doc, DOC_OK, "may renew", NULL, "no renewers policy "
		    "of its own; the server delivered a proxy to this service "
		    "(%s) in a trial renewal (ending no later than this one: "
		    "thrown away)", dn);
	else if (trial.code != 0)
		doc_report(doc, DOC_FAIL, "may renew", "the server's "
		    "authorized_renewers and default_renewers (myproxy-server."
		    "config) must match this service's DN, or the owner stores "
		    "the credential with myproxy-init -R", "no renewers policy "
		    "of its own, and the server refused a trial renewal by this "
		    "service (%s): %s", dn, trial.msg);
	else
		doc_report(doc, DOC_OK, "may renew", NULL, "no renewers policy "
		    "of its own; a trial renewal by this service (%s) from %s "
		    "worked (the new proxy was thrown away)", dn, trial.server);
}

void
doctor_identity(struct doctor *doc, const char *repo, const char *servers,
    const char *which)
{
	struct renew_result res;
	struct pr_error err;
	char *proxy = strchr(which, '/') != NULL ? xstrdup(which) :
	    xasprintf("%s/%s", repo, which);

	pr_error_clear(&err);
	if (servers == NULL)
		doc_report(doc, DOC_FAIL, "stored credential", "give "
		    "--myproxy-server LIST", "no MyProxy server to ask for %s",
		    proxy);
	else if (doc_worker(doc, servers, proxy, 1, -1, &res, &err) != 0)
		doc_report(doc, DOC_FAIL, "stored credential", "is the worker "
		    "installed (PROXY_RENEWD_WORKER)?", "%s: %s", proxy, err.msg);
	else if (res.code != 0 || !res.is_info)
		doc_report(doc, DOC_FAIL, "stored credential", "the proxy must "
		    "be valid and its credential stored on these servers "
		    "(myproxy-init -d -n)", "MyProxy INFO with %s: %s", proxy,
		    res.msg);
	else
		doc_info_answer(doc, servers, proxy, &res);
	free(proxy);
}
