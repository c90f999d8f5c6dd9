/*
 * renew_oneshot.c: proxyrenew_renew(), one renewal by running the renewal
 * worker (contract at the top of src/renew/renew_contract.h) and committing its
 * result atomically.
 *
 * Rules (library code):
 *  1. Only this process creates, renames or unlinks the temporary file;
 *     it is created exclusively (mkostemp, 0600) next to out_path, and
 *     either renamed over out_path after our own check or unlinked.
 *  2. The worker is bounded by one deadline (opts->timeout_sec) covering
 *     the request, the answer and its exit; past it, it is SIGKILLed and
 *     always reaped (no zombie left behind).
 *  3. No SIGPIPE (socketpair + MSG_NOSIGNAL), no exit, no logging; the
 *     worker gets default signal dispositions and an empty signal mask.
 *  4. What the worker wrote is re-checked here (same identity as the
 *     current proxy, later expiry) before it replaces anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "cred.h"
#include "pr_limits.h"
#include "frame_io.h"
#include "renew_contract.h"
#include "renew_oneshot.h"
#include "renew_oneshot_int.h"
#include "small_file.h"
#include "worker_path.h"


static int
build_frame(const struct oneshot_job *j, const char *tmp, unsigned char **out,
    size_t *out_len, struct pr_error *err)
{
	const struct proxyrenew_renew_opts *o = j->opts;
	struct renew_job job;

	memset(&job, 0, sizeof(job));
	job.servers = j->servers;
	job.proxy_path = j->current;
	job.out_path = tmp;	/* for messages: the worker gets fd 4 */
	job.handed_fds = 1;
	job.voms = j->voms;
	job.vomses = j->vomses;
	job.lifetime_sec = o->lifetime_sec;
	job.server_timeout_sec = o->server_timeout_sec;
	job.svc.cert = o->cert;
	job.svc.key = o->key;
	job.svc.cadir = o->cadir;
	return renew_job_frame(&job, out, out_len, err);
}

/* Our own check of what the worker wrote (rule 4). */
static int
recheck(const char *cur_path, const char *tmp, int64_t *end,
    struct pr_error *err)
{
	struct cred_info cur;
	char *nbuf = NULL;
	size_t nlen = 0;
	int rc;

	rc = cred_inspect_file(cur_path, PR_PROXY_FILE_MAX_BYTES, time(NULL),
	    &cur, err);
	if (rc != 0)
		return rc;
	rc = cred_read_file(tmp, PR_PROXY_FILE_MAX_BYTES, &nbuf, &nlen, err);
	if (rc == 0)
		rc = renew_verify(nbuf, nlen, cur.identity, cred_expiry(&cur),
		    time(NULL), end, err);
	wipe_free(nbuf, nlen);
	cred_info_free(&cur);
	return rc;
}

/* rename(tmp, out) and make it durable. */
static int
commit(const char *tmp, const char *out, struct pr_error *err)
{
	char dir[PR_PATH_MAX_BYTES + 1];
	int dfd;

	if (rename(tmp, out) == -1)
		return pr_error_set(err, errno, "%s: rename: %s", out,
		    strerror(errno));
	(void)snprintf(dir, sizeof(dir), "%s", out);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1 || fsync(dfd) == -1) {
		if (dfd != -1)
			(void)close(dfd);
		return pr_error_set(err, errno, "%s: fsync of the directory: "
		    "%s", out, strerror(errno));
	}
	(void)close(dfd);
	return 0;
}

/* The worker's verdict: 0, or its code and Message. */
static int
worker_verdict(const struct renew_result *res,
    struct proxyrenew_renew_info *info, struct pr_error *err)
{
	if (res->code != 0)
		return pr_error_set(err, res->code, "%s", res->msg[0] != '\0' ?
		    res->msg : pr_strerror(res->code));
	(void)snprintf(info->server, sizeof(info->server), "%s", res->server);
	return 0;
}

static int
renew_via_tmp(const struct oneshot_job *j, const char *tmp, const int *fds,
    struct proxyrenew_renew_info *info, struct pr_error *err)
{
	const struct proxyrenew_renew_opts *o = j->opts;
	struct renew_result res;
	unsigned char *req = NULL;
	size_t req_len = 0;
	int64_t end = 0;
	int rc;

	memset(&res, 0, sizeof(res));
	rc = build_frame(j, tmp, &req, &req_len, err);
	if (rc == 0)
		rc = renew_worker_run(req, req_len, fds, o->timeout_sec > 0 ?
		    o->timeout_sec : PR_WORKER_TIMEOUT_SEC_DEFAULT, &res, err);
	if (rc == 0)
		rc = worker_verdict(&res, info, err);
	if (rc == 0)
		rc = recheck(j->current, tmp, &end, err);
	if (rc == 0 && j->out_path != NULL)
		rc = commit(tmp, j->out_path, err);
	if (rc == 0)
		info->end_time = end;
	free(req);
	return rc;
}

/*
 * The worker opens nothing of ours: the current proxy (read-only) and the
 * temporary output file are handed to it as descriptors.
 */
int
oneshot_renew(const struct oneshot_job *j, char *tmp, size_t tmp_size,
    struct proxyrenew_renew_info *info, struct pr_error *err)
{
	int fds[2], rc;

	if (strlen(j->tmp_prefix) > PR_PATH_MAX_BYTES ||
	    tmp_size < strlen(j->tmp_prefix) + 8)
		return pr_error_set(err, ENAMETOOLONG, "output path too long");
	fds[0] = open(j->current, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fds[0] == -1)
		return pr_error_set(err, errno, "current proxy %s: %s",
		    j->current, errno == ELOOP ? "is a symbolic link" :
		    strerror(errno));
	(void)snprintf(tmp, tmp_size, "%s.XXXXXX", j->tmp_prefix);
	if ((fds[1] = mkostemp(tmp, O_CLOEXEC)) == -1) {
		rc = pr_error_set(err, errno, "%s: cannot create a temporary "
		    "file: %s", tmp, strerror(errno));
		(void)close(fds[0]);
		return rc;
	}
	rc = renew_via_tmp(j, tmp, fds, info, err);
	(void)close(fds[0]);
	(void)close(fds[1]);
	if (rc != 0)
		(void)unlink(tmp);
	return rc;
}

PR_EXPORT int
proxyrenew_renew(const char *servers, const char *current_proxy,
    const char *out_path, const struct proxyrenew_renew_opts *opts,
    struct proxyrenew_renew_info *info, char **message)
{
	struct proxyrenew_renew_opts o0;
	struct proxyrenew_renew_info i0;
	struct oneshot_job j;
	struct pr_error err;
	char tmp[PR_PATH_MAX_BYTES + 8];
	int rc;

	memset(&o0, 0, sizeof(o0));
	pr_error_clear(&err);
	if (message != NULL)
		*message = NULL;
	if (info == NULL)
		info = &i0;
	memset(info, 0, sizeof(*info));
	if (servers == NULL || current_proxy == NULL || out_path == NULL) {
		rc = pr_error_set(&err, EINVAL, "servers, current proxy and "
		    "output path are required");
	} else {
		memset(&j, 0, sizeof(j));
		j.servers = servers;
		j.current = current_proxy;
		j.out_path = out_path;
		j.tmp_prefix = out_path;
		j.opts = opts != NULL ? opts : &o0;
		rc = oneshot_renew(&j, tmp, sizeof(tmp), info, &err);
	}
	if (rc != 0 && message != NULL)
		*message = strdup(err.msg[0] != '\0' ? err.msg :
		    pr_strerror(rc));
	return rc;
}
