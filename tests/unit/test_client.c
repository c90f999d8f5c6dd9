/*
 * test_client.c: libproxyrenew (src/client/renewal.c, transport.c) against
 * a fake daemon: a thread on a unix socket in a private temp directory that
 * answers one connection with a canned frame, or misbehaves on purpose.
 * Focus: the exact request bytes of the gLite API, response handling,
 * timeout (1911), EOF (1901), oversized and malformed responses; and the
 * proxy-renew command (src/client/proxy-renew.c, its main renamed) run with
 * argument vectors, its stdout, stderr and exit status captured.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/transport.c"
#include "client/peer.c"
#include "client/renewal.c"
#include "client/json.c"
#include "client/renew_oneshot.c"
#include "client/cli_renew.c"
#include "client/cli_monitor.c"
#include "client/cli_history.c"
#define main proxy_renew_main
#include "client/proxy-renew.c"
#undef main

enum fake_mode {
	FAKE_REPLY,	/* read the request, send reply */
	FAKE_SILENT,	/* read the request, never answer */
	FAKE_CLOSE,	/* read the request, close */
	FAKE_HUGE,	/* answer with length 2^32-1 */
	FAKE_SHORT,	/* announce 100 bytes, send 4, close */
	FAKE_BIG,	/* announce 2 MiB, send nothing, close */
};

struct fake {
	char dir[64];			/* private temp directory */
	char path[128];			/* socket inside it */
	int lfd;			/* listening socket */
	enum fake_mode mode;
	const char *reply;		/* payload; sent with its NUL */
	char req[65536];		/* the request payload received */
	size_t req_len;			/* bytes in req */
	uint32_t req_frame_len;		/* the length the client announced */
	pthread_t th;
};

static int
read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = recv(fd, p, len, 0)) <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
write_full(int fd, const void *buf, size_t len)
{
	(void)send(fd, buf, len, MSG_NOSIGNAL);	/* the client may be gone */
}

static void
wait_close(int fd)
{
	char c;

	while (recv(fd, &c, 1, 0) > 0)
		;
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	unsigned char hdr[4];
	size_t len;
	int fd;

	if ((fd = accept(f->lfd, NULL, NULL)) == -1)
		return NULL;
	if (read_full(fd, hdr, 4) == 0) {
		f->req_frame_len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
		    (uint32_t)hdr[2] << 8 | hdr[3];
		len = f->req_frame_len < sizeof(f->req) ? f->req_frame_len : 0;
		if (read_full(fd, f->req, len) == 0)
			f->req_len = len;
	}
	switch (f->mode) {
	case FAKE_REPLY:
		len = strlen(f->reply) + 1;
		frame_encode_len((uint32_t)len, hdr);
		write_full(fd, hdr, 4);		/* two writes, as gLite peers */
		write_full(fd, f->reply, len);
		break;
	case FAKE_SILENT:
		wait_close(fd);
		break;
	case FAKE_CLOSE:
		break;
	case FAKE_HUGE:
		write_full(fd, "\xff\xff\xff\xff", 4);
		wait_close(fd);
		break;
	case FAKE_SHORT:
		write_full(fd, "\0\0\0\x64Resp", 8);
		break;
	case FAKE_BIG:
		write_full(fd, "\0\x20\0\0", 4);
		break;
	}
	(void)close(fd);
	return NULL;
}

/* Listen on a fresh socket, named in PROXY_RENEWD_SOCKET; no thread yet. */
static void
fake_listen(struct fake *f, enum fake_mode mode, const char *reply)
{
	struct sockaddr_un sun;

	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->reply = reply;
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/test_client.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	(void)snprintf(f->path, sizeof(f->path), "%s/sock", f->dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, f->path, strlen(f->path) + 1);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	assert_int_equal(setenv("PROXY_RENEWD_SOCKET", f->path, 1), 0);
}

static void
fake_start(struct fake *f, enum fake_mode mode, const char *reply)
{
	fake_listen(f, mode, reply);
	assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static void
fake_stop(struct fake *f)
{
	assert_int_equal(pthread_join(f->th, NULL), 0);
	(void)close(f->lfd);
	(void)unlink(f->path);
	(void)rmdir(f->dir);
	f->req[f->req_len < sizeof(f->req) ? f->req_len : 0] = '\0';
}

static double
now_sec(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
setup(void **state)
{
	(void)state;
	return setenv("GLITE_PR_TIMEOUT", "5", 1);
}

#define OK_REPLY "Version=EDG Proxy Renewal 1.0\nResponse=0\n"

/* ==== the gLite API, request bytes and responses ==== */

static void
test_register_request_bytes(void **state)
{
	struct fake f;
	char *repo = NULL, *cwd, expect[8192];
	int rc;

	(void)state;
	fake_start(&f, FAKE_REPLY, OK_REPLY "End_time=4102444800\n"
	    "Proxy_name=/r/abc.0\n");
	rc = glite_renewal_RegisterProxy("x509up", "localhost", 1234,
	    "https://wms/j1", EDG_WLPR_FLAG_UNIQUE, &repo);
	fake_stop(&f);
	assert_int_equal(rc, 0);
	assert_string_equal(repo, "/r/abc.0");
	free(repo);
	cwd = getcwd(NULL, 0);
	assert_non_null(cwd);
	(void)snprintf(expect, sizeof(expect), "Version=EDG Proxy Renewal 1.0\n"
	    "Command=1\nMyproxy_server=localhost:1234\nProxy_name=%s/x509up\n"
	    "Jobid=https://wms/j1\nUnique=1\n", cwd);
	free(cwd);
	assert_int_equal(f.req_frame_len, strlen(expect) + 1);	/* NUL counted */
	assert_int_equal(f.req[f.req_len - 1], '\0');
	assert_string_equal(f.req, expect);
}

static void
test_register_server_forms(void **state)
{
	struct fake f;
	char *repo = NULL;

	(void)state;
	fake_start(&f, FAKE_REPLY, OK_REPLY "Proxy_name=/r/a.0\n");
	assert_int_equal(glite_renewal_RegisterProxy("/p", "h1:7512,h2", 1234,
	    "j", 0, &repo), 0);
	fake_stop(&f);
	free(repo);
	assert_non_null(strstr(f.req, "\nMyproxy_server=h1:7512,h2\n"));
	assert_null(strstr(f.req, "Unique="));

	fake_start(&f, FAKE_REPLY, OK_REPLY "Proxy_name=/r/a.0\n");
	assert_int_equal(glite_renewal_RegisterProxy("/p", NULL, 0, "j", 0, NULL), 0);
	fake_stop(&f);
	assert_null(strstr(f.req, "Myproxy_server"));

	assert_int_equal(glite_renewal_RegisterProxy("/p", "h", 65536, "j", 0,
	    &repo), EINVAL);
	assert_null(repo);
	assert_int_equal(glite_renewal_RegisterProxy("/p", "h", 0, "j\nCommand=6",
	    0, &repo), EINVAL);
}

static void
test_register_success_without_path(void **state)
{
	struct fake f;
	char *repo = NULL;

	(void)state;
	fake_start(&f, FAKE_REPLY, OK_REPLY);
	assert_int_equal(glite_renewal_RegisterProxy("/p", "h", 0, "j", 0, &repo),
	    EDG_WLPR_ERROR_PROTO_PARSE_NOT_FOUND);
	fake_stop(&f);
	assert_null(repo);
}

static void
test_get_error_code(void **state)
{
	struct fake f;
	char *repo = NULL;

	(void)state;
	fake_start(&f, FAKE_REPLY, "Version=EDG Proxy Renewal 1.0\nResponse=1908\n"
	    "Message=job j is not registered\n");
	assert_int_equal(glite_renewal_GetProxy("j", &repo),
	    EDG_WLPR_PROXY_NOT_REGISTERED);
	fake_stop(&f);
	assert_null(repo);
	assert_string_equal(f.req, "Version=EDG Proxy Renewal 1.0\nCommand=3\n"
	    "Jobid=j\n");
	assert_string_equal(edg_wlpr_GetErrorText(EDG_WLPR_PROXY_NOT_REGISTERED),
	    "Proxy not registered");
}

static void
test_unregister_request_bytes(void **state)
{
	struct fake f;

	(void)state;
	fake_start(&f, FAKE_REPLY, OK_REPLY);
	assert_int_equal(glite_renewal_UnregisterProxy("j", "/r/a.0"), 0);
	fake_stop(&f);
	assert_string_equal(f.req, "Version=EDG Proxy Renewal 1.0\nCommand=2\n"
	    "Jobid=j\nProxy_name=/r/a.0\n");
}

static void
test_get_list(void **state)
{
	struct fake f;
	char *list = NULL;
	int count = -1;

	(void)state;
	fake_start(&f, FAKE_REPLY, OK_REPLY "Proxy_name=/r/a.0\n"
	    "Proxy_name=/r/b.0\nProxy_name=/r/c.1\n");
	assert_int_equal(edg_wlpr_GetList(&count, &list), 0);
	fake_stop(&f);
	assert_int_equal(count, 3);
	assert_string_equal(list, "/r/a.0\n/r/b.0\n/r/c.1");
	free(list);

	fake_start(&f, FAKE_REPLY, OK_REPLY);
	assert_int_equal(edg_wlpr_GetList(&count, &list), 0);
	fake_stop(&f);
	assert_int_equal(count, 0);
	assert_string_equal(list, "");
	free(list);
}

static void
test_get_status(void **state)
{
	struct fake f;
	char *info = NULL;

	(void)state;
	fake_start(&f, FAKE_REPLY, OK_REPLY "Proxy_name=/r/a.0\nFqan=/vo\n"
	    "Fqan=/vo/sub\nJobs=2\nLast_error=\n");
	assert_int_equal(edg_wlpr_GetStatus("/r/a.0", &info), 0);
	fake_stop(&f);
	assert_string_equal(info, "Proxy_name=/r/a.0\nFqan=/vo\nFqan=/vo/sub\n"
	    "Jobs=2\nLast_error=\n");
	free(info);
	assert_string_equal(f.req, "Version=EDG Proxy Renewal 1.0\nCommand=5\n"
	    "Proxy_name=/r/a.0\n");
}

/* ==== threads ==== */

#define N_THREADS	4
#define N_CALLS		25	/* per thread */

/* Answer n connections in turn: Proxy_name=/r/<the request's Jobid>. */
static void *
echo_main(void *arg)
{
	struct fake *f = arg;
	unsigned char hdr[4];
	char reply[256];
	struct pr_msg m;
	struct pr_error err;
	uint32_t len;
	int fd, i, n;

	for (i = 0; i < N_THREADS * N_CALLS; i++) {
		if ((fd = accept(f->lfd, NULL, NULL)) == -1)
			return NULL;
		if (read_full(fd, hdr, 4) == 0 &&
		    (len = (uint32_t)hdr[2] << 8 | hdr[3]) < sizeof(f->req) &&
		    read_full(fd, f->req, len) == 0 &&
		    msg_parse(f->req, len, &m, &err) == 0) {
			n = snprintf(reply, sizeof(reply), OK_REPLY "Proxy_name=/r/%s\n",
			    msg_get(&m, PR_KEY_JOBID));
			msg_free(&m);
			frame_encode_len((uint32_t)n + 1, hdr);
			write_full(fd, hdr, 4);
			write_full(fd, reply, (size_t)n + 1);
		}
		(void)close(fd);
	}
	return NULL;
}

static void *
caller_main(void *arg)
{
	long id = (long)(intptr_t)arg, bad = 0;
	char jobid[32], want[40], *repo;
	int i;

	for (i = 0; i < N_CALLS; i++) {
		(void)snprintf(jobid, sizeof(jobid), "t%ld-%d", id, i);
		(void)snprintf(want, sizeof(want), "/r/%s", jobid);
		repo = NULL;
		if (glite_renewal_GetProxy(jobid, &repo) != 0 || repo == NULL ||
		    strcmp(repo, want) != 0)
			bad++;
		free(repo);
	}
	return (void *)(intptr_t)bad;
}

static void
test_threads_do_not_interfere(void **state)
{
	pthread_t th[N_THREADS];
	struct fake f;
	void *bad;
	long i;

	(void)state;
	fake_listen(&f, FAKE_REPLY, NULL);
	assert_int_equal(pthread_create(&f.th, NULL, echo_main, &f), 0);
	for (i = 0; i < N_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, caller_main,
		    (void *)(intptr_t)i), 0);
	for (i = 0; i < N_THREADS; i++) {
		assert_int_equal(pthread_join(th[i], &bad), 0);
		assert_int_equal((intptr_t)bad, 0);
	}
	fake_stop(&f);
}

/* ==== transport failures ==== */

static void
test_timeout_1911(void **state)
{
	struct fake f;
	char *repo = NULL;
	double t0, dt;

	(void)state;
	assert_int_equal(setenv("GLITE_PR_TIMEOUT", "0.3", 1), 0);
	fake_start(&f, FAKE_SILENT, NULL);
	t0 = now_sec();
	assert_int_equal(glite_renewal_GetProxy("j", &repo), EDG_WLPR_ERROR_TIMEOUT);
	dt = now_sec() - t0;
	fake_stop(&f);
	assert_null(repo);
	assert_true(dt >= 0.25);
	assert_true(dt < 2.0);
	assert_int_equal(setenv("GLITE_PR_TIMEOUT", "5", 1), 0);
}

static void
test_eof_1901(void **state)
{
	struct fake f;
	char *repo = NULL;

	(void)state;
	fake_start(&f, FAKE_CLOSE, NULL);
	assert_int_equal(glite_renewal_GetProxy("j", &repo),
	    EDG_WLPR_ERROR_UNEXPECTED_EOF);
	fake_stop(&f);
	fake_start(&f, FAKE_SHORT, NULL);
	assert_int_equal(glite_renewal_GetProxy("j", &repo),
	    EDG_WLPR_ERROR_UNEXPECTED_EOF);
	fake_stop(&f);
	assert_null(repo);
}

static void
test_huge_response_refused(void **state)
{
	struct fake f;
	int count = -1;
	char *list = NULL;

	(void)state;
	fake_start(&f, FAKE_HUGE, NULL);
	assert_int_equal(edg_wlpr_GetList(&count, &list),
	    EDG_WLPR_ERROR_PROTO_PARSE_ERROR);
	fake_stop(&f);
	assert_null(list);
	assert_int_equal(count, 0);
}

/*
 * The response bound follows the request: 1 MiB, METRICS its own larger
 * one. A 2 MiB length is refused before allocating for LIST, taken for
 * METRICS (then the missing body is an EOF); 4 GiB is refused for both.
 */
static void
test_response_bound_per_command(void **state)
{
	struct fake f;
	struct pr_msg req, resp;
	struct pr_error err;

	(void)state;
	assert_int_equal(pr_client_request(&req, PR_CMD_LIST), 0);
	assert_int_equal(pr_client_response_max(&req),
	    PR_CLIENT_RESPONSE_MAX_BYTES);
	msg_free(&req);
	assert_int_equal(pr_client_request(&req, PR_CMD_METRICS), 0);
	assert_int_equal(pr_client_response_max(&req),
	    PR_METRICS_REPLY_MAX_BYTES);
	assert_true(PR_METRICS_REPLY_MAX_BYTES > 2 * 1024 * 1024);
	msg_free(&req);
	msg_init(&req);
	assert_int_equal(pr_client_response_max(&req),
	    PR_CLIENT_RESPONSE_MAX_BYTES);	/* no Command: the small one */
	msg_free(&req);

	fake_start(&f, FAKE_BIG, NULL);
	assert_int_equal(pr_client_request(&req, PR_CMD_LIST), 0);
	assert_int_equal(pr_client_call(NULL, &req, &resp, &err),
	    PR_ERR_PROTO_PARSE);
	msg_free(&req);
	msg_free(&resp);
	fake_stop(&f);
	fake_start(&f, FAKE_BIG, NULL);
	assert_int_equal(pr_client_request(&req, PR_CMD_METRICS), 0);
	assert_int_equal(pr_client_call(NULL, &req, &resp, &err),
	    PR_ERR_UNEXPECTED_EOF);
	msg_free(&resp);
	fake_stop(&f);
	fake_start(&f, FAKE_HUGE, NULL);
	assert_int_equal(pr_client_call(NULL, &req, &resp, &err),
	    PR_ERR_PROTO_PARSE);
	msg_free(&req);
	msg_free(&resp);
	fake_stop(&f);
}

static void
test_malformed_responses(void **state)
{
	struct fake f;

	(void)state;
	fake_start(&f, FAKE_REPLY, "Version=EDG Proxy Renewal 1.0\n Response=0\n");
	assert_int_equal(glite_renewal_UnregisterProxy("j", NULL),
	    EDG_WLPR_ERROR_PROTO_PARSE_ERROR);
	fake_stop(&f);
	fake_start(&f, FAKE_REPLY, "Version=EDG Proxy Renewal 1.0\n");
	assert_int_equal(glite_renewal_UnregisterProxy("j", NULL),
	    EDG_WLPR_ERROR_PROTO_PARSE_NOT_FOUND);
	fake_stop(&f);
	fake_start(&f, FAKE_REPLY, "Response=zero\n");
	assert_int_equal(glite_renewal_UnregisterProxy("j", NULL),
	    EDG_WLPR_ERROR_PROTO_PARSE_ERROR);
	fake_stop(&f);
}

static void
test_no_daemon(void **state)
{
	char *repo = NULL;

	(void)state;
	assert_int_equal(setenv("PROXY_RENEWD_SOCKET",
	    "/tmp/test_client.nonexistent/sock", 1), 0);
	assert_int_equal(glite_renewal_GetProxy("j", &repo), ENOENT);
	assert_null(repo);
}

static void
test_socket_path_and_timeout_env(void **state)
{
	struct pr_error err;
	char buf[128], expect[64];

	(void)state;
	assert_int_equal(unsetenv("PROXY_RENEWD_SOCKET"), 0);
	assert_int_equal(pr_client_socket_path(buf, sizeof(buf), &err), 0);
	(void)snprintf(expect, sizeof(expect), "/tmp/dgpr_renew_%lu",
	    (unsigned long)getuid());
	assert_string_equal(buf, expect);
	assert_int_equal(pr_client_socket_path(buf, 5, &err), ENAMETOOLONG);
	assert_int_equal(setenv("GLITE_PR_TIMEOUT", "2.5", 1), 0);
	assert_true(pr_client_timeout_sec() == 2.5);
	assert_int_equal(setenv("GLITE_PR_TIMEOUT", "abc", 1), 0);
	assert_true(pr_client_timeout_sec() == 120);
	assert_int_equal(setenv("GLITE_PR_TIMEOUT", "-1", 1), 0);
	assert_true(pr_client_timeout_sec() == 120);
	assert_int_equal(setenv("GLITE_PR_TIMEOUT", "5", 1), 0);
}


/* ==== the proxy-renew command ==== */

struct cli_out {
	int status;		/* what main returned */
	char out[8192];		/* stdout */
	char err[8192];		/* stderr */
};

static void
slurp(FILE *f, char *buf, size_t size)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	(void)fclose(f);
}

/* Run proxy-renew with the NULL-terminated arguments after argv[0]. */
static void
run_cli(struct cli_out *o, ...)
{
	char *argv[32];
	int argc = 0, saved_out, saved_err;
	FILE *fo, *fe;
	va_list ap;

	argv[argc++] = "proxy-renew";
	va_start(ap, o);
	while ((argv[argc] = va_arg(ap, char *)) != NULL && argc < 30)
		argc++;
	va_end(ap);
	assert_non_null(fo = tmpfile());
	assert_non_null(fe = tmpfile());
	(void)fflush(stdout);
	(void)fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	assert_true(saved_out >= 0 && saved_err >= 0);
	assert_true(dup2(fileno(fo), 1) == 1 && dup2(fileno(fe), 2) == 2);
	optind = 0;	/* glibc: re-initialise getopt */
	o->status = proxy_renew_main(argc, argv);
	(void)fflush(stdout);
	(void)fflush(stderr);
	assert_true(dup2(saved_out, 1) == 1 && dup2(saved_err, 2) == 2);
	(void)close(saved_out);
	(void)close(saved_err);
	slurp(fo, o->out, sizeof(o->out));
	slurp(fe, o->err, sizeof(o->err));
}

static void
test_cli_start(void **state)
{
	struct cli_out o;
	struct fake f;

	(void)state;
	fake_start(&f, FAKE_REPLY, OK_REPLY "Proxy_name=/r/a.0\nEnd_time=5\n");
	/* --socket wins over the environment */
	assert_int_equal(setenv("PROXY_RENEWD_SOCKET", "/nonexistent", 1), 0);
	run_cli(&o, "--socket", f.path, "-s", "mp.example.org", "-p", "1234",
	    "-f", "/tmp/x509up_u1", "-j", "job 1", "-u", "start", NULL);
	fake_stop(&f);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out, "/r/a.0\n");
	assert_string_equal(o.err, "");
	assert_string_equal(f.req, "Version=EDG Proxy Renewal 1.0\nCommand=1\n"
	    "Myproxy_server=mp.example.org:1234\nProxy_name=/tmp/x509up_u1\n"
	    "Jobid=job 1\nUnique=1\n");
}

static void
test_cli_get_error(void **state)
{
	struct cli_out o;
	struct fake f;

	(void)state;
	fake_start(&f, FAKE_REPLY, "Version=EDG Proxy Renewal 1.0\nResponse=1908\n"
	    "Message=job j is not registered\n");
	run_cli(&o, "get", "-j", "j", NULL);	/* options after the command */
	fake_stop(&f);
	assert_int_equal(o.status, 1);
	assert_string_equal(o.out, "");
	assert_string_equal(o.err, "proxy-renew: get: Proxy not registered: "
	    "job j is not registered\n");
}

static void
test_cli_json_error(void **state)
{
	struct cli_out o;
	struct fake f;

	(void)state;
	fake_start(&f, FAKE_REPLY, "Version=EDG Proxy Renewal 1.0\nResponse=1905\n"
	    "Message=say \"what\"\n");
	run_cli(&o, "--json", "renew-all", NULL);
	fake_stop(&f);
	assert_int_equal(o.status, 1);
	assert_string_equal(o.out, "{\"command\":\"renew-all\",\"response\":1905,"
	    "\"error\":\"Unknown protocol command\",\"message\":\"say \\\"what\\\"\"}\n");
	assert_string_equal(f.req, "Version=EDG Proxy Renewal 1.0\nCommand=7\n");
}

static void
test_cli_list(void **state)
{
	struct cli_out o;
	struct fake f;

	(void)state;
	/* a.0 failing, b.0 from a daemon that sends the names only */
	fake_start(&f, FAKE_REPLY, OK_REPLY "Proxy_name=/r/a.0\n"
	    "Last_attempt=100\nLast_result=1907\nFailure_class=transient\n"
	    "Proxy_name=/r/b.0\n");
	run_cli(&o, "list", NULL);
	fake_stop(&f);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out, "LAST   CLASS             FILE\n"
	    "1907   transient         /r/a.0\n"
	    "-      -                 /r/b.0\n");
	fake_start(&f, FAKE_REPLY, OK_REPLY "Proxy_name=/r/a.0\n"
	    "Last_attempt=100\nLast_result=0\nFailure_class=\n"
	    "Proxy_name=/r/b.0\n");
	run_cli(&o, "--json", "list", NULL);
	fake_stop(&f);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out, "{\"command\":\"list\",\"response\":0,\"count\":2,"
	    "\"proxies\":[\"/r/a.0\",\"/r/b.0\"],\"records\":["
	    "{\"proxy_name\":\"/r/a.0\",\"last_attempt\":100,\"last_result\":0,"
	    "\"failure_class\":\"\"},"
	    "{\"proxy_name\":\"/r/b.0\",\"last_attempt\":0,\"last_result\":0,"
	    "\"failure_class\":\"\"}]}\n");
	fake_start(&f, FAKE_REPLY, OK_REPLY);
	run_cli(&o, "list", NULL);
	fake_stop(&f);
	assert_string_equal(o.out, "");	/* nothing stored: no header */
}

#define HISTORY_REPLY OK_REPLY "Proxy_name=/r/aa.0\nStart_time=1\n" \
	"End_time=1764590000\nRenewal_time=2\nMyproxy_server=h:1\n" \
	"Identity=/C=XX/O=Test/CN=alice\nHistory_kept=20\n" \
	"Attempt_time=1764547200\nAttempt_duration_ms=31\n" \
	"Attempt_result=1907\nAttempt_class=transient\n" \
	"Attempt_server=h:1 unreachable: connect to h:1: Connection refused " \
	"(the server may be down or the port wrong; tried 3 addresses " \
	"one after the other)\nAttempt_end_time=0\nAttempt_ac_end_time=0\n" \
	"Attempt_message=renewal failed\n" \
	"Attempt_time=1764543600\nAttempt_duration_ms=1412\n" \
	"Attempt_result=0\nAttempt_class=\nAttempt_server=h:1 renewed\n" \
	"Attempt_end_time=1764586800\nAttempt_ac_end_time=1764580000\n" \
	"Attempt_message=\nOmitted=0\n"

/* `history`: the table within 80 columns, the JSON, the request. */
static void
test_cli_history(void **state)
{
	struct cli_out o;
	struct fake f;
	char *line, *save = NULL;

	(void)state;
	fake_start(&f, FAKE_REPLY, HISTORY_REPLY);
	run_cli(&o, "history", "/r/aa.0", NULL);
	fake_stop(&f);
	assert_int_equal(o.status, 0);
	assert_string_equal(f.req, "Version=EDG Proxy Renewal 1.0\n"
	    "Command=10\nProxy_name=/r/aa.0\n");
	assert_string_equal(o.out, "file      aa.0\n"
	    "identity  /C=XX/O=Test/CN=alice\n"
	    "2 attempts (the last 20 are kept), newest first, times in UTC\n"
	    "TIME                 RESULT  CLASS                  TOOK  NEW END\n"
	    "2025-12-01 00:00:00  1907    transient             31 ms  -\n"
	    "    h:1 unreachable: connect to h:1: Connection refused (the "
	    "server may be down\n"
	    "      or the port wrong; tried 3 addresses one after the other)\n"
	    "    message: renewal failed\n"
	    "2025-11-30 23:00:00  ok      -                     1.4 s  "
	    "2025-12-01 11:00:00\n"
	    "    VOMS AC end 2025-12-01 09:06:40\n"
	    "    h:1 renewed\n");
	for (line = strtok_r(o.out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		assert_true(strlen(line) <= 80);
	fake_start(&f, FAKE_REPLY, HISTORY_REPLY);
	run_cli(&o, "--json", "-j", "job 1", "history", NULL);
	fake_stop(&f);
	assert_int_equal(o.status, 0);
	assert_string_equal(f.req, "Version=EDG Proxy Renewal 1.0\n"
	    "Command=10\nJobid=job 1\n");
	assert_non_null(strstr(o.out, "\"history_kept\":20,\"omitted\":0,"
	    "\"attempts\":[{\"time\":1764547200,\"duration_ms\":31,"
	    "\"result\":1907,\"class\":\"transient\",\"servers\":[\"h:1 "
	    "unreachable: "));
	assert_non_null(strstr(o.out, "{\"time\":1764543600,\"duration_ms\":"
	    "1412,\"result\":0,\"class\":\"\",\"servers\":[\"h:1 renewed\"],"
	    "\"end_time\":1764586800,\"ac_end_time\":1764580000,"
	    "\"message\":\"\"}]}\n"));
	/* FILE or -j, one of them */
	run_cli(&o, "history", NULL);
	assert_int_equal(o.status, 2);
	run_cli(&o, "-j", "x", "history", "/r/aa.0", NULL);
	assert_int_equal(o.status, 2);
}

/* cli_wrap: at spaces, a long word cut, never inside a UTF-8 character. */
static void
test_cli_wrap(void **state)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f;

	(void)state;
	assert_non_null(f = open_memstream(&out, &n));
	cli_wrap(f, "> ", "  ", "aaa bbb ccc", 9);
	cli_wrap(f, "> ", "  ", "", 9);
	cli_wrap(f, "", "", "abcdefghijklmnop", 10);
	cli_wrap(f, "", "", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 10);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(out, "> aaa bbb\n  ccc\n> \n"
	    "abcdefghij\nklmnop\n"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n\xc3\xa9\n");
	free(out);
}

static void
test_cli_status_json(void **state)
{
	struct cli_out o;
	struct fake f;

	(void)state;
	fake_start(&f, FAKE_REPLY, OK_REPLY "Proxy_name=/r/a.0\nIdentity=/CN=u\n"
	    "Fqan=/vo\nFqan=/vo/sub\nUnique=0\nJobs=2\nEnd_time=4102444800\n"
	    "Last_error=\n");
	run_cli(&o, "--json", "status", "/r/a.0", NULL);
	fake_stop(&f);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out, "{\"command\":\"status\",\"response\":0,"
	    "\"proxy_name\":\"/r/a.0\",\"identity\":\"/CN=u\","
	    "\"fqan\":[\"/vo\",\"/vo/sub\"],\"unique\":0,\"jobs\":2,"
	    "\"end_time\":4102444800,\"last_error\":\"\"}\n");
	assert_string_equal(f.req, "Version=EDG Proxy Renewal 1.0\nCommand=5\n"
	    "Proxy_name=/r/a.0\n");

	fake_start(&f, FAKE_REPLY, OK_REPLY "Proxy_name=/r/a.0\nEnd_time=x\n");
	run_cli(&o, "--json", "status", "/r/a.0", NULL);
	fake_stop(&f);
	assert_string_equal(o.out, "{\"command\":\"status\",\"response\":0,"
	    "\"proxy_name\":\"/r/a.0\",\"end_time\":\"x\",\"fqan\":[]}\n");
}

static void
test_cli_stop_relative_file(void **state)
{
	struct cli_out o;
	struct fake f;
	char *cwd, expect[8192];

	(void)state;
	fake_start(&f, FAKE_REPLY, OK_REPLY);
	run_cli(&o, "-j", "j", "-f", "a.0", "stop", NULL);
	fake_stop(&f);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out, "");
	cwd = getcwd(NULL, 0);
	assert_non_null(cwd);
	(void)snprintf(expect, sizeof(expect), "Version=EDG Proxy Renewal 1.0\n"
	    "Command=2\nJobid=j\nProxy_name=%s/a.0\n", cwd);
	free(cwd);
	assert_string_equal(f.req, expect);
}

static void
test_cli_status_text(void **state)
{
	struct cli_out o;
	struct fake f;

	(void)state;
	fake_start(&f, FAKE_REPLY, OK_REPLY "Proxy_name=/r/a.0\n"
	    "End_time=4102444800\nLast_attempt=0\n");
	run_cli(&o, "status", "/r/a.0", NULL);
	fake_stop(&f);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out, "Proxy_name:      /r/a.0\n"
	    "End_time:        2100-01-01 00:00:00 UTC (4102444800)\n"
	    "Last_attempt:    0\n");
}

static void
test_cli_usage_errors(void **state)
{
	struct cli_out o;

	(void)state;
	run_cli(&o, NULL);
	assert_int_equal(o.status, 2);
	run_cli(&o, "start", NULL);		/* no -j */
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "start needs -j jobid"));
	run_cli(&o, "status", "a", "b", NULL);
	assert_int_equal(o.status, 2);
	run_cli(&o, "list", "extra", NULL);
	assert_int_equal(o.status, 2);
	run_cli(&o, "frobnicate", NULL);
	assert_int_equal(o.status, 2);
	run_cli(&o, "-p", "0", "-j", "j", "start", NULL);
	assert_int_equal(o.status, 2);
	run_cli(&o, "-p", "65536", "-j", "j", "start", NULL);
	assert_int_equal(o.status, 2);
	run_cli(&o, "--bogus", "list", NULL);
	assert_int_equal(o.status, 2);
	run_cli(&o, "--help", NULL);
	assert_int_equal(o.status, 0);
	assert_non_null(strstr(o.out, "usage: proxy-renew"));
	run_cli(&o, "-v", NULL);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out, "proxy-renew " PR_VERSION "\n");
}

/* One STATUS_ALL record: end and next relative to NOW_T. */
#define NOW_T	2000000000LL
#define REC(file, id, end, next, attempt, result, fails, cls) \
	"Proxy_name=/r/" file "\nStart_time=1999990000\nEnd_time=" end \
	"\nRenewal_time=" next "\nMyproxy_server=mp:7512\nIdentity=" id \
	"\nUnique=0\nJobs=2\nLast_attempt=" attempt "\nLast_result=" result \
	"\nLast_error=x\nFailures=" fails "\nFailure_class=" cls "\n"

/* status without argument: STATUS_ALL, failing first, then by end. */
static void
test_cli_status_all(void **state)
{
	struct cli_out o;
	struct fake f;
	char *line, *save = NULL;
	int n = 0;

	(void)state;
	fake_start(&f, FAKE_REPLY, OK_REPLY
	    REC("ok.0", "/C=XX/O=Test/CN=ok", "2000007200", "2000003600",
	    "1999999000", "0", "0", "") "Credential_end_time=2000259200\n"
	    REC("late.0", "/C=XX/O=Test/OU=A very long unit name/CN=late",
	    "2000090000", "2000000060", "1999999990", "1907", "4",
	    "needs-user-action")
	    REC("soon.0", "/C=XX/O=Test/CN=soon", "2000001800", "1999999000",
	    "1999999990", "1902", "1", "transient")
	    "Now=2000000000\nOmitted=0\n");
	run_cli(&o, "status", NULL);
	fake_stop(&f);
	assert_int_equal(o.status, 0);
	assert_non_null(strstr(f.req, "Command=9\n"));
	for (line = strtok_r(o.out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), n++) {
		assert_true(strlen(line) <= 80);
		if (n == 1)
			assert_string_equal(line, "/C=XX/O=Test/CN=soon"
			    "      2 30m      due      ?        1902   transient");
		if (n == 2)
			assert_string_equal(line, "...g unit name/CN=late"
			    "    2 1d01h    1m       ?        1907   "
			    "needs-user-action");
		if (n == 3)
			assert_non_null(strstr(line, "2 2h00m    1h00m    3d00h    "
			    "ok"));
	}
	assert_int_equal(n, 4);
	fake_start(&f, FAKE_REPLY, OK_REPLY REC("ok.0", "/CN=ok",
	    "2000007200", "2000003600", "0", "0", "0", "")
	    "Now=2000000000\nOmitted=0\n");
	run_cli(&o, "--json", "status", NULL);
	fake_stop(&f);
	assert_int_equal(o.status, 0);
	assert_non_null(strstr(o.out, "\"count\":1,\"omitted\":0,\"proxies\":"
	    "[{\"proxy_name\":\"/r/ok.0\",\"identity\":\"/CN=ok\",\"jobs\":2,"));
}

/* check: the exit code and status line of each verdict. */
static void
check_case(const char *reply, int expect, const char *text)
{
	struct cli_out o;
	struct fake f;

	fake_start(&f, FAKE_REPLY, reply);
	run_cli(&o, "check", "--critical-left", "3600", NULL);
	fake_stop(&f);
	assert_int_equal(o.status, expect);
	if (strstr(o.out, text) == NULL)
		fail_msg("check: '%s' not in '%s'", text, o.out);
	assert_non_null(strstr(o.out, " | proxies="));
}

static void
test_cli_check(void **state)
{
	struct cli_out o;

	(void)state;
	check_case(OK_REPLY REC("ok.0", "/CN=ok", "2000007200", "2000003600",
	    "1999999000", "0", "0", "") "Now=2000000000\nOmitted=0\n", 0,
	    "PROXY-RENEWD OK - 1 proxies, 2 jobs, 0 failing");
	/* transient, twice: not yet a warning (--warn-failures 3) */
	check_case(OK_REPLY REC("t.0", "/CN=t", "2000090000", "2000000060",
	    "1999999990", "1902", "2", "transient")
	    "Now=2000000000\nOmitted=0\n", 0, "PROXY-RENEWD OK");
	check_case(OK_REPLY REC("t.0", "/CN=t", "2000090000", "2000000060",
	    "1999999990", "1902", "3", "transient")
	    "Now=2000000000\nOmitted=0\n", 1, "failing renewals");
	check_case(OK_REPLY REC("u.0", "/CN=u", "2000090000", "2000000060",
	    "1999999990", "1907", "1", "needs-user-action")
	    "Now=2000000000\nOmitted=0\n", 1,
	    "PROXY-RENEWD WARNING - 1 proxies, 2 jobs, 1 failing, 0 critical, "
	    "1 warning; /CN=u (u.0): needs-user-action");
	check_case(OK_REPLY REC("c.0", "/CN=c", "2000001800", "2000000060",
	    "1999999990", "1902", "1", "transient")
	    "Now=2000000000\nOmitted=0\n", 2, "expires in 30m without a "
	    "successful renewal");
	/* a server cooling down: a warning even when every proxy is fine */
	check_case(OK_REPLY REC("ok.0", "/CN=ok", "2000007200", "2000003600",
	    "1999999000", "0", "0", "") "Cooling=mp:7512\nNow=2000000000\n"
	    "Omitted=0\n", 1, "PROXY-RENEWD WARNING - 1 proxies, 2 jobs, 0 "
	    "failing, 0 critical, 1 warning; 1 server cooling down (mp:7512)");
	/* the credential stored in MyProxy ends within 7 days */
	check_case(OK_REPLY REC("ok.0", "/CN=ok", "2000007200", "2000003600",
	    "1999999000", "0", "0", "") "Credential_end_time=2000172800\n"
	    "Now=2000000000\nOmitted=0\n", 1, "PROXY-RENEWD WARNING - 1 "
	    "proxies, 2 jobs, 0 failing, 0 critical, 1 warning; /CN=ok (ok.0): "
	    "the credential stored in MyProxy ends in 2d00h");
	/* due long ago and never attempted (renewal disabled) */
	check_case(OK_REPLY REC("d.0", "/CN=d", "2000001800", "1999990000",
	    "0", "0", "0", "") "Now=2000000000\nOmitted=0\n", 2,
	    "PROXY-RENEWD CRITICAL");
	/* failing for longer than --stale (6 h by default) */
	check_case(OK_REPLY REC("s.0", "/CN=s", "2000090000", "2000000060",
	    "1999999990", "1902", "1", "transient")
	    "Now=2000030000\nOmitted=0\n", 2, "no successful renewal since");
	assert_int_equal(setenv("PROXY_RENEWD_SOCKET", "/nonexistent/s", 1), 0);
	run_cli(&o, "check", NULL);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.out, "PROXY-RENEWD CRITICAL - the daemon does "
	    "not answer"));
	run_cli(&o, "check", "--stale", "x", NULL);
	assert_int_equal(o.status, 3);
	assert_non_null(strstr(o.out, "PROXY-RENEWD UNKNOWN"));
	assert_int_equal(unsetenv("GLITE_PR_TIMEOUT"), 0);
}

/* "renew" hands its options to cli_renew (-o is its, not ours). */
static void
test_cli_renew_options(void **state)
{
	struct cli_out o;

	(void)state;
	run_cli(&o, "renew", "-s", "h", "-o", "out", NULL);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "-s, -f and -o are required"));
	run_cli(&o, "renew", "-s", "h", "-f", "cur", "-o", "out",
	    "--lifetime", "999", NULL);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "--lifetime"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_request_bytes),
		cmocka_unit_test(test_register_server_forms),
		cmocka_unit_test(test_register_success_without_path),
		cmocka_unit_test(test_get_error_code),
		cmocka_unit_test(test_unregister_request_bytes),
		cmocka_unit_test(test_get_list),
		cmocka_unit_test(test_get_status),
		cmocka_unit_test(test_threads_do_not_interfere),
		cmocka_unit_test(test_timeout_1911),
		cmocka_unit_test(test_eof_1901),
		cmocka_unit_test(test_huge_response_refused),
		cmocka_unit_test(test_malformed_responses),
		cmocka_unit_test(test_response_bound_per_command),
		cmocka_unit_test(test_no_daemon),
		cmocka_unit_test(test_socket_path_and_timeout_env),
		cmocka_unit_test(test_cli_start),
		cmocka_unit_test(test_cli_get_error),
		cmocka_unit_test(test_cli_json_error),
		cmocka_unit_test(test_cli_list),
		cmocka_unit_test(test_cli_history),
		cmocka_unit_test(test_cli_wrap),
		cmocka_unit_test(test_cli_status_json),
		cmocka_unit_test(test_cli_stop_relative_file),
		cmocka_unit_test(test_cli_status_text),
		cmocka_unit_test(test_cli_usage_errors),
		cmocka_unit_test(test_cli_renew_options),
		cmocka_unit_test(test_cli_status_all),
		cmocka_unit_test(test_cli_check),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
