/*
 * worker_main.c: proxy-renewd-worker, one MyProxy renewal per process.
 * The contract with the parent is at the top of renew_contract.h.
 *
 * Order matters: the process narrows itself (fds, no_new_privs, no core
 * dumps, umask) before it reads the request, and checks the output file
 * and the service credential before the first Globus call. It never forks,
 * never daemonizes, never renames or creates files; the parent owns the
 * output file and the timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "confine.h"
#include "cred.h"
#include "frame_io.h"
#include "pr_limits.h"
#include "myproxy_client.h"
#include "new_key.h"
#include "renew_engine.h"
#include "small_file.h"
#include "voms_client.h"

#ifdef PR_WORKER_TEST_HOOKS
/* worker_probe.c, linked into the test build's probe worker only */
int worker_test_probe(char *msg, size_t size);
#else
static int
worker_test_probe(char *msg, size_t size)
{
	(void)msg;
	(void)size;
	return 0;
}
#endif

#define WORKER_SKIP_MAX (2 * RENEW_SERVERS_MAX)	/* MyProxy + VOMS */

/*
 * A worker whose master is gone has no one to report to.
 * SIGKILL on the parent's death; a master that died before the prctl has
 * already closed its end of the socketpair: POLLHUP on stdout (stdin may
 * be a pipe its writer closed after the request, or a socket shut for
 * writing: both are normal).
 */
static void
die_with_parent(void)
{
	struct pollfd p = { .fd = 1, .events = 0 };

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)) != 0)
		_exit(RENEW_EXIT_CONTRACT);
}

/* fds 3, 4, 5 are kept until the request says whether they are handed. */
static int
harden(void)
{
	struct rlimit rl = { 0, 0 };
	long fd, max;

	die_with_parent();
	if (close_range(RENEW_NEW_KEY_FD + 1, ~0U, 0) == -1) {
		/* kernels before 5.9: close them one by one */
		max = sysconf(_SC_OPEN_MAX);
		for (fd = RENEW_NEW_KEY_FD + 1; fd < (max > 0 ? max : 1024); fd++)
			(void)close((int)fd);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    setrlimit(RLIMIT_CORE, &rl) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		return -1;
	(void)umask(077);
	return 0;
}

/* The request frame on stdin; the master bounds the time (it kills us). */
static int
read_request(struct pr_msg *m, struct pr_error *err)
{
	char *body;
	size_t len;
	int rc;

	if ((rc = frame_recv(0, RENEW_FRAME_MAX_BYTES, FRAME_NO_DEADLINE, &body,
	    &len, err)) != 0)
		return pr_error_prefix(err, "request on stdin");
	rc = msg_parse(body, len, m, err);
	free(body);
	return rc;
}

static int
get_bounded(const struct pr_msg *m, const char *key, int def, int min,
    int max, int *out, struct pr_error *err)
{
	int64_t v;

	*out = def;
	if (msg_get(m, key) == NULL)
		return 0;
	if (msg_get_int(m, key, &v) != 0 || v < min || v > max)
		return pr_error_set(err, EINVAL, "request: %s must be a "
		    "number in %d..%d", key, min, max);
	*out = (int)v;
	return 0;
}

/* WORKER: the renew_voms_fn hook: fresh ACs for the current proxy's FQANs. */
static int
worker_voms(const struct renew_request *req, const char *pem, size_t len,
    char **out, size_t *out_len, struct renew_result *res,
    struct pr_error *err)
{
	struct voms_client_opts o;

	memset(&o, 0, sizeof(o));
	o.vomsdir = req->vomsdir;
	o.vomses = req->vomses;
	o.certdir = req->svc.cadir;
	o.skip = req->skip;		/* the "voms:" entries concern it */
	o.n_skip = req->n_skip;
	o.errors = res->errors;		/* after the MyProxy servers */
	o.errors_max = RENEW_SERVERS_MAX;
	o.n_errors = &res->n_errors;
	o.delivered = res->voms_ok;
	o.delivered_max = RENEW_SERVERS_MAX;
	o.n_delivered = &res->n_voms_ok;
	/*
	 * VOMS_ContactRaw opens two connections per server (observed with
	 * voms-server 2.1): each gets half of the per-server budget, so one
	 * hung VOMS server costs what one MyProxy server may.
	 */
	o.timeout_sec = req->server_timeout_sec > 1 ?
	    req->server_timeout_sec / 2 : 1;
	if (voms_client_renew(req->proxy_pem, req->proxy_len, pem, len, &o,
	    out, out_len, err) == -1)
		return err->code != 0 ? err->code : PR_ERR_VOMS;
	if (*out == NULL)
		return pr_error_set(err, PR_ERR_VOMS, "VOMS: the current proxy "
		    "carries no AC any more");
	return 0;
}

static int
handed_fds(const struct pr_msg *m)
{
	const char *v = msg_get(m, RENEW_KEY_FDS);

	return v != NULL && strcmp(v, "1") == 0;
}

/* Mode=info: a credential watch question, no renewal and no output. */
static int
info_mode(const struct pr_msg *m)
{
	const char *v = msg_get(m, RENEW_KEY_MODE);

	return v != NULL && strcmp(v, RENEW_MODE_INFO) == 0;
}

/* Request frame -> renew_request (pointers into m). */
static int
build_request(const struct pr_msg *m, struct renew_request *req,
    const char **skip, struct pr_error *err)
{
	const char *v;
	size_t i;
	int rc;

	memset(req, 0, sizeof(*req));
	req->servers = msg_get(m, RENEW_KEY_SERVERS);
	req->proxy_path = msg_get(m, RENEW_KEY_PROXY);
	if ((v = msg_get(m, RENEW_KEY_MODE)) != NULL && !info_mode(m))
		return pr_error_set(err, EINVAL, "request: unknown Mode=%s", v);
	if (req->servers == NULL || req->proxy_path == NULL ||
	    (msg_get(m, RENEW_KEY_OUT) == NULL && !handed_fds(m) &&
	    !info_mode(m)))
		return pr_error_set(err, PR_ERR_PROTO_NOT_FOUND, "request: "
		    "Servers, Proxy and Out (or Fds=1) are required");
	if ((rc = get_bounded(m, RENEW_KEY_LIFETIME, RENEW_LIFETIME_SEC_DEFAULT,
	    60, RENEW_LIFETIME_SEC_MAX, &req->lifetime_sec, err)) != 0 ||
	    (rc = get_bounded(m, RENEW_KEY_SERVER_TIMEOUT,
	    RENEW_SERVER_TIMEOUT_SEC_DEFAULT, 1, 3600,
	    &req->server_timeout_sec, err)) != 0)
		return rc;
	req->svc.cert = msg_get(m, RENEW_KEY_CERT);
	req->svc.key = msg_get(m, RENEW_KEY_KEY);
	req->svc.cadir = msg_get(m, RENEW_KEY_CADIR);
	renew_service_cred_defaults(&req->svc);
	req->n_skip = msg_count(m, RENEW_KEY_SKIP);
	if (req->n_skip > WORKER_SKIP_MAX)
		return pr_error_set(err, EINVAL, "request: more than %d Skip",
		    WORKER_SKIP_MAX);
	for (i = 0; i < req->n_skip; i++)
		skip[i] = msg_get_nth(m, RENEW_KEY_SKIP, i);
	req->skip = skip;
	req->fetch = myproxy_fetch;
	if ((v = msg_get(m, RENEW_KEY_VOMS)) != NULL && strcmp(v, "1") == 0)
		req->voms = worker_voms;
	req->vomsdir = msg_get(m, RENEW_KEY_VOMSDIR);
	req->vomses = msg_get(m, RENEW_KEY_VOMSES);
	req->now = time(NULL);
	return 0;
}

/* The parent's exclusive temp file: regular, empty, ours, writable. */
static int
check_out(int fd, const char *name, struct pr_error *err)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || (fl & O_ACCMODE) == O_RDONLY || fstat(fd, &st) == -1 ||
	    !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    st.st_size != 0 || (st.st_mode & 077) != 0)
		return pr_error_set(err, EINVAL, "output file %s: not an "
		    "empty regular file of ours with mode 0600 open for "
		    "writing", name);
	return 0;
}

/* The output file: handed as fd 4 (Fds=1) or opened by path. */
static int
take_out(const struct pr_msg *m, int *out_fd, struct pr_error *err)
{
	const char *out = msg_get(m, RENEW_KEY_OUT);

	if (info_mode(m)) {	/* no output file: fd 4 is not ours to use */
		(void)close(RENEW_OUT_FD);
		*out_fd = -1;
		return 0;
	}
	if (handed_fds(m)) {
		*out_fd = RENEW_OUT_FD;
		out = "(fd 4)";
	} else {
		(void)close(RENEW_PROXY_FD);
		(void)close(RENEW_OUT_FD);
		if ((*out_fd = open(out, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) ==
		    -1)
			return pr_error_set(err, errno, "output file %s: %s",
			    out, strerror(errno));
	}
	return check_out(*out_fd, out, err);
}

/*
 * The current proxy, read once: handed as fd 3 (Fds=1) or opened by path.
 * Its fd stays open for Landlock (that file only) and the MyProxy library
 * (authz_path).
 */
static int
take_proxy(const struct pr_msg *m, struct renew_request *req, int *fd,
    char **pem, size_t *pem_len, struct pr_error *err)
{
	int rc;

	if (handed_fds(m)) {
		*fd = RENEW_PROXY_FD;
		req->authz_path = "/proc/self/fd/3";
	} else if ((*fd = open(req->proxy_path, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC)) == -1) {
		return pr_error_set(err, errno, "current proxy %s: %s",
		    req->proxy_path, errno == ELOOP ? "is a symbolic link" :
		    strerror(errno));
	}
	rc = small_file_read_fd("current proxy", req->proxy_path, *fd,
	    PR_PROXY_FILE_MAX_BYTES, pem, pem_len, NULL, err);
	req->proxy_pem = *pem;
	req->proxy_len = *pem_len;
	return rc;
}

/*
 * A key made ahead (New_key_fd=1): read from fd 5, made into the request
 * MyProxy signs. Without it fd 5 is closed and MyProxy's exchange makes
 * the key, as always.
 */
static int
take_new_key(const struct pr_msg *m, struct renew_request *req,
    struct new_key *k, struct pr_error *err)
{
	const char *v = msg_get(m, RENEW_KEY_NEW_KEY_FD);

	k->csr_fd = -1;
	k->key_pem = NULL;
	if (v == NULL || strcmp(v, "1") != 0) {
		(void)close(RENEW_NEW_KEY_FD);
		return 0;
	}
	if (new_key_take(RENEW_NEW_KEY_FD, k, err) != 0)
		return err->code;
	req->new_key = &k->nk;
	return 0;
}

/* path, else the environment's value, else def (voms_client.h defaults). */
static const char *
path_or_env(const char *path, const char *env, const char *def)
{
	const char *v = getenv(env);

	if (path != NULL)
		return path;
	return v != NULL && v[0] != '\0' ? v : def;
}

/* What this renewal may read (confine.h); the proxy by its descriptor. */
static void
confine_spec_of(const struct renew_request *req, int proxy_fd,
    struct confine_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->read_paths[0] = req->svc.cadir;
	spec->read_paths[1] = req->svc.cert;
	spec->read_paths[2] = req->svc.key;
	if (req->voms != NULL) {
		spec->read_paths[3] = path_or_env(req->vomsdir, "X509_VOMS_DIR",
		    "/etc/grid-security/vomsdir");
		spec->read_paths[4] = path_or_env(req->vomses, "X509_VOMSES",
		    "/etc/vomses");
		if (spec->read_paths[4] == NULL ||
		    strcmp(spec->read_paths[4], "/etc/vomses") == 0)
			spec->read_paths[5] = "/etc/grid-security/vomses";
	}
	spec->proxy_fd = proxy_fd;
	spec->result_fd = 1;
}

/* The result frame on stdout; res NULL: only code and msg. */
static void
write_result(int code, const char *msg, const struct renew_result *res)
{
	struct renew_result only;
	struct pr_error err;
	unsigned char *frame = NULL;
	size_t len = 0;

	if (res == NULL || res->code != code) {
		memset(&only, 0, sizeof(only));
		only.code = code;
		(void)snprintf(only.msg, sizeof(only.msg), "%s", msg);
		res = &only;
	}
	if (renew_result_frame(res, &frame, &len, &err) == 0) {
		confine_result_written();
		(void)frame_send(1, frame, len, FRAME_NO_DEADLINE, &err);
	}
	free(frame);
}

/* Mode=info, once confined: the stored credential's end and policy. */
static int
info_confined(const struct renew_request *req, struct renew_result *res)
{
	struct info_request ir;
	struct pr_error err;
	char dn[1024];

	memset(&ir, 0, sizeof(ir));
	/* unreadable: a policy of the credential's own then says "no" */
	(void)renew_service_dn(req->svc.cert, dn, sizeof(dn), &err);
	ir.servers = req->servers;
	ir.proxy_pem = req->proxy_pem;
	ir.proxy_len = req->proxy_len;
	ir.authz_path = req->authz_path != NULL ? req->authz_path :
	    req->proxy_path;
	ir.cadir = req->svc.cadir;
	ir.service_dn = dn;
	ir.server_timeout_sec = req->server_timeout_sec;
	ir.skip = req->skip;
	ir.n_skip = req->n_skip;
	ir.info = myproxy_info;
	ir.now = req->now;
	return info_run(&ir, res);
}

/* Everything after a well-formed request: the result goes on stdout. */
static void
renew_confined(const struct pr_msg *m, struct renew_request *req, int out_fd)
{
	struct confine_spec spec;
	struct renew_result res;
	struct new_key key;
	struct pr_error err;
	char *pem = NULL;
	size_t pem_len = 0;
	int rc, proxy_fd = -1;

	pr_error_clear(&err);
	if ((rc = take_new_key(m, req, &key, &err)) != 0 ||
	    (rc = take_proxy(m, req, &proxy_fd, &pem, &pem_len, &err)) != 0 ||
	    (!info_mode(m) &&
	    (rc = renew_check_service_cred(&req->svc, req->now, &err)) != 0)) {
		write_result(rc, err.msg, NULL);
		goto done;
	}
	confine_spec_of(req, proxy_fd, &spec);
	if ((rc = confine_worker(&spec, &err)) != 0) {
		write_result(rc, err.msg, NULL);
		goto done;
	}
	if ((rc = worker_test_probe(err.msg, sizeof(err.msg))) != 0) {
		write_result(rc, err.msg, NULL);
		goto done;
	}
	req->out_fd = out_fd;
	rc = info_mode(m) ? info_confined(req, &res) : renew_run(req, &res);
	write_result(rc, res.msg, &res);
done:
	new_key_free(&key);
	wipe_free(pem, pem_len);
	if (proxy_fd >= 0)
		(void)close(proxy_fd);
}

int
main(int argc, char **argv)
{
	const char *skip[WORKER_SKIP_MAX];
	struct renew_request req;
	struct pr_error err;
	struct pr_msg m;
	int rc, fd = -1;

	(void)argv;
	pr_error_clear(&err);
	msg_init(&m);
	if (harden() == -1) {
		rc = pr_error_set(&err, errno, "worker: hardening failed: %s",
		    strerror(errno));
		goto broken;
	}
	if (argc != 1) {
		rc = pr_error_set(&err, EINVAL, "worker: takes no arguments "
		    "(the request comes on stdin)");
		goto broken;
	}
	if ((rc = read_request(&m, &err)) != 0 ||
	    (rc = build_request(&m, &req, skip, &err)) != 0 ||
	    (rc = take_out(&m, &fd, &err)) != 0)
		goto broken;
	renew_confined(&m, &req, fd);
	(void)close(fd);
	msg_free(&m);
	return 0;
broken:
	write_result(rc, err.msg, NULL);
	if (fd >= 0)
		(void)close(fd);
	msg_free(&m);
	return RENEW_EXIT_CONTRACT;
}
