/*
 * worker_main.c: proxy-renewd-worker, one MyProxy renewal per process.
 * The contract with the parent is at the top of renew.h.
 *
 * Order matters: the process narrows itself (fds, no_new_privs, no core
 * dumps, umask) before it reads the request, and checks the output file
 * and the service credential before the first Globus call. It never forks,
 * never daemonizes, never renames or creates files; the parent owns the
 * output file and the timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "message.h"
#include "myproxy_client.h"
#include "renew.h"
#include "voms_client.h"

#define WORKER_SKIP_MAX (2 * RENEW_SERVERS_MAX)	/* MyProxy + VOMS */

/*
 * VOMS servers that failed during this renewal (every call of the hook),
 * each once; appended to the result's Server_error / Unreachable lines as
 * "voms:host:port" so that the parent cools unreachable ones down.
 */
static struct renew_server_error voms_errors[RENEW_SERVERS_MAX];
static size_t n_voms_errors;

static int
harden(void)
{
	struct rlimit rl = { 0, 0 };
	long fd, max;

	if (close_range(3, ~0U, 0) == -1) {
		/* kernels before 5.9: close them one by one */
		max = sysconf(_SC_OPEN_MAX);
		for (fd = 3; fd < (max > 0 ? max : 1024); fd++)
			(void)close((int)fd);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    setrlimit(RLIMIT_CORE, &rl) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		return -1;
	(void)umask(077);
	return 0;
}

static int
read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t r;

	while (len > 0) {
		r = read(fd, p, len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int
write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t w;

	while (len > 0) {
		w = write(fd, p, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
read_request(struct pr_msg *m, struct pr_error *err)
{
	unsigned char hdr[FRAME_HEADER_BYTES];
	char *body;
	size_t len;
	int rc;

	if (read_full(0, hdr, sizeof(hdr)) == -1)
		return pr_error_set(err, PR_ERR_UNEXPECTED_EOF, "request: "
		    "no frame header on stdin");
	if ((rc = frame_decode_len(hdr, RENEW_FRAME_MAX_BYTES, &len, err)) != 0)
		return rc;
	if ((body = malloc(len)) == NULL)
		return pr_error_set(err, ENOMEM, "request: out of memory");
	if (read_full(0, body, len) == -1) {
		free(body);
		return pr_error_set(err, PR_ERR_UNEXPECTED_EOF, "request: "
		    "frame shorter than declared");
	}
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
    char **out, size_t *out_len, struct pr_error *err)
{
	struct voms_client_opts o;

	memset(&o, 0, sizeof(o));
	o.vomsdir = req->vomsdir;
	o.vomses = req->vomses;
	o.certdir = req->svc.cadir;
	o.skip = req->skip;		/* the "voms:" entries concern it */
	o.n_skip = req->n_skip;
	o.errors = voms_errors;
	o.errors_max = RENEW_SERVERS_MAX;
	o.n_errors = &n_voms_errors;
	/*
	 * VOMS_ContactRaw opens two connections per server (observed with
	 * voms-server 2.1): each gets half of the per-server budget, so one
	 * hung VOMS server costs what one MyProxy server may.
	 */
	o.timeout_sec = req->server_timeout_sec > 1 ?
	    req->server_timeout_sec / 2 : 1;
	if (voms_client_renew_file(req->proxy_path, pem, len, &o, out, out_len,
	    err) == -1)
		return err->code != 0 ? err->code : PR_ERR_VOMS;
	if (*out == NULL)
		return pr_error_set(err, PR_ERR_VOMS, "VOMS: the current proxy "
		    "carries no AC any more");
	return 0;
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
	if (req->servers == NULL || req->proxy_path == NULL ||
	    msg_get(m, RENEW_KEY_OUT) == NULL)
		return pr_error_set(err, PR_ERR_PROTO_NOT_FOUND, "request: "
		    "Servers, Proxy and Out are required");
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

/* The failed VOMS servers after the MyProxy ones, as room allows. */
static void
add_voms_errors(struct renew_result *res)
{
	size_t i;

	for (i = 0; i < n_voms_errors && res->n_errors < RENEW_SERVERS_MAX; i++)
		res->errors[res->n_errors++] = voms_errors[i];
}

/* The parent's exclusive temp file: regular, empty, ours. */
static int
open_out(const char *path, struct pr_error *err)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -pr_error_set(err, errno, "output file %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || st.st_size != 0 ||
	    (st.st_mode & 077) != 0) {
		(void)close(fd);
		return -pr_error_set(err, EINVAL, "output file %s: not an "
		    "empty regular file of ours with mode 0600", path);
	}
	return fd;
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
	if (renew_result_frame(res, &frame, &len, &err) == 0)
		(void)write_full(1, frame, len);
	free(frame);
}

int
main(int argc, char **argv)
{
	const char *skip[WORKER_SKIP_MAX];
	struct renew_request req;
	struct renew_result res;
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
	    (rc = build_request(&m, &req, skip, &err)) != 0)
		goto broken;
	if ((fd = open_out(msg_get(&m, RENEW_KEY_OUT), &err)) < 0) {
		rc = -fd;
		goto broken;
	}
	if ((rc = renew_check_service_cred(&req.svc, req.now, &err)) != 0) {
		write_result(rc, err.msg, NULL);
		goto done;
	}
	req.out_fd = fd;
	rc = renew_run(&req, &res);
	add_voms_errors(&res);
	write_result(rc, res.msg, &res);
done:
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
