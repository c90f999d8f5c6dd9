/*
 * test_renew.c: the renewal logic without Globus: server list parsing,
 * failover order, cool-down skipping, verification of what a (fake)
 * MyProxy fetch returns (identity, no shortening, garbage), the output
 * file, and the service credential check (key mode, mismatch, expiry).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testdir.c"

#include "testcert.c"
#include "common/pr_limits.h"
#include "renew/renew_engine.h"

#define ALICE_DN "/C=XX/O=Test/CN=Alice"

/* What the fake fetcher answers, per server index. */
struct fake_answer {
	int code;		/* 0: deliver pem */
	int unreachable;
	const char *pem;	/* NUL-terminated */
};

static struct {
	struct fake_answer ans[RENEW_SERVERS_MAX];
	int n_calls;
	char called[RENEW_SERVERS_MAX][RENEW_SERVER_NAME_MAX];
	char username[256];
	char certreq[64];	/* the last request's certreq path, or "" */
} fake;

struct fx {
	int64_t now;
	struct tc_cred ca, alice, bob, cur, longer, shorter, bobs;
	char *pem_longer, *pem_shorter, *pem_bob;
	char dir[64], cur_path[128], out_path[128];
	int out_fd;
};

static int
fake_fetch(const struct renew_server *srv, const char *username,
    const char *authz, int lifetime_sec, const char *certreq,
    const struct service_cred *svc, int timeout_sec, char **pem,
    size_t *pem_len, int *is_unreachable, struct pr_error *err)
{
	int i = fake.n_calls++;

	(void)authz;
	snprintf(fake.certreq, sizeof(fake.certreq), "%s",
	    certreq != NULL ? certreq : "");
	(void)lifetime_sec;
	(void)svc;
	(void)timeout_sec;
	assert_true(i < RENEW_SERVERS_MAX);
	snprintf(fake.called[i], sizeof(fake.called[i]), "%s", srv->name);
	snprintf(fake.username, sizeof(fake.username), "%s", username);
	*is_unreachable = fake.ans[i].unreachable;
	if (fake.ans[i].code != 0)
		return pr_error_set(err, fake.ans[i].code, "fake error %d", i);
	*pem_len = strlen(fake.ans[i].pem);
	*pem = strdup(fake.ans[i].pem);
	assert_non_null(*pem);
	return 0;
}

static char *
proxy_pem(const struct tc_cred *proxy, const struct tc_cred *user)
{
	size_t len;

	return tc_pem(proxy->cert, proxy->key, 0, &user->cert, 1, &len);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *cur;
	size_t len;

	assert_non_null(f);
	f->now = (int64_t)time(NULL);
	tc_ca(&f->ca, "/C=XX/O=Test/CN=Test CA", f->now - 3600, f->now + 86400);
	tc_user(&f->alice, &f->ca, ALICE_DN, f->now - 3600, f->now + 86400);
	tc_user(&f->bob, &f->ca, "/C=XX/O=Test/CN=Bob", f->now - 3600,
	    f->now + 86400);
	tc_proxy(&f->cur, &f->alice, TC_PROXY_RFC, f->now - 60, f->now + 1200);
	tc_proxy(&f->longer, &f->alice, TC_PROXY_RFC, f->now - 60,
	    f->now + 43200);
	tc_proxy(&f->shorter, &f->alice, TC_PROXY_RFC, f->now - 60,
	    f->now + 600);
	tc_proxy(&f->bobs, &f->bob, TC_PROXY_RFC, f->now - 60, f->now + 43200);
	f->pem_longer = proxy_pem(&f->longer, &f->alice);
	f->pem_shorter = proxy_pem(&f->shorter, &f->alice);
	f->pem_bob = proxy_pem(&f->bobs, &f->bob);
	testdir_make(f->dir, sizeof(f->dir), "test_renew");
	snprintf(f->cur_path, sizeof(f->cur_path), "%s/cur.pem", f->dir);
	snprintf(f->out_path, sizeof(f->out_path), "%s/out.pem", f->dir);
	cur = tc_pem(f->cur.cert, f->cur.key, 0, &f->alice.cert, 1, &len);
	tc_write_file(f->cur_path, cur, len);
	free(cur);
	f->out_fd = open(f->out_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	assert_true(f->out_fd >= 0);
	memset(&fake, 0, sizeof(fake));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	close(f->out_fd);
	tc_cred_free(&f->ca);
	tc_cred_free(&f->alice);
	tc_cred_free(&f->bob);
	tc_cred_free(&f->cur);
	tc_cred_free(&f->longer);
	tc_cred_free(&f->shorter);
	tc_cred_free(&f->bobs);
	free(f->pem_longer);
	free(f->pem_shorter);
	free(f->pem_bob);
	testdir_remove(f->dir);
	free(f);
	return 0;
}

static void
request(struct fx *f, struct renew_request *req, const char *servers)
{
	memset(req, 0, sizeof(*req));
	req->servers = servers;
	req->proxy_path = f->cur_path;
	req->lifetime_sec = 3600;
	req->server_timeout_sec = 5;
	req->fetch = fake_fetch;
	req->out_fd = f->out_fd;
	req->now = (time_t)f->now;
}

static off_t
out_size(struct fx *f)
{
	struct stat st;

	assert_int_equal(fstat(f->out_fd, &st), 0);
	return st.st_size;
}

/* ---- server lists */

static void
test_parse_servers_good(void **state)
{
	struct renew_server s[RENEW_SERVERS_MAX];
	struct pr_error err;
	size_t n;

	(void)state;
	assert_int_equal(renew_parse_servers("localhost", s, 8, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(s[0].host, "localhost");
	assert_int_equal(s[0].port, 7512);
	assert_string_equal(s[0].name, "localhost:7512");
	assert_int_equal(renew_parse_servers("a.example:1,b-2.example,"
	    "10.0.0.1:65535", s, 8, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(s[0].port, 1);
	assert_string_equal(s[1].name, "b-2.example:7512");
	assert_int_equal(s[2].port, 65535);
}

static void
test_parse_servers_bad(void **state)
{
	static const char *bad[] = {
		"", "a, b", " a", "a,", ",a", "a,,b", "a:", "a:0", "a:65536",
		"a:12x", "a:-1", "a:+1", "a:123456", ":7512", "a b", "a\tb",
		"a_b", "a:7512:1", "a/b", "a\nb",
	};
	struct renew_server s[RENEW_SERVERS_MAX];
	struct pr_error err;
	char big[PR_SERVERS_MAX_BYTES + 2], host[300];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pr_error_clear(&err);
		assert_int_equal(renew_parse_servers(bad[i], s, 8, &n, &err),
		    EINVAL);
		assert_true(err.msg[0] != '\0');
	}
	assert_int_equal(renew_parse_servers(NULL, s, 8, &n, &err), EINVAL);
	assert_int_equal(renew_parse_servers("a,b,c", s, 2, &n, &err), EINVAL);
	memset(host, 'h', 256);
	host[256] = '\0';
	assert_int_equal(renew_parse_servers(host, s, 8, &n, &err), EINVAL);
	host[255] = '\0';
	assert_int_equal(renew_parse_servers(host, s, 8, &n, &err), 0);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(renew_parse_servers(big, s, 8, &n, &err), EINVAL);
	assert_int_equal(renew_parse_servers("a, b", s, 8, &n, &err), EINVAL);
	assert_non_null(strstr(err.msg, "no spaces"));
}

/* ---- renew_run */

static void
test_run_success(void **state)
{
	struct fx *f = *state;
	struct renew_request req;
	struct renew_result res;
	char buf[16384];
	ssize_t r;

	fake.ans[0].pem = f->pem_longer;
	request(f, &req, "one:1,two:2");
	assert_int_equal(renew_run(&req, &res), 0);
	assert_int_equal(fake.n_calls, 1);
	assert_string_equal(fake.username, ALICE_DN);
	assert_string_equal(fake.certreq, "");	/* MyProxy makes the key */
	assert_string_equal(res.server, "one:1");
	assert_string_equal(res.identity, ALICE_DN);
	assert_int_equal(res.end_time, f->now + 43200);
	assert_int_equal(res.old_end_time, f->now + 1200);
	assert_int_equal(res.n_errors, 0);
	r = pread(f->out_fd, buf, sizeof(buf), 0);
	assert_int_equal((size_t)r, strlen(f->pem_longer));
	assert_memory_equal(buf, f->pem_longer, (size_t)r);
}

/*
 * A key made ahead: the fetch gets the request's path, MyProxy's answer
 * (certificate and chain, no key) gets the key after the certificate, and
 * the usual checks judge the whole: a key that is not the certificate's
 * fails that server and nothing is written.
 */
static void
test_run_new_key(void **state)
{
	struct fx *f = *state;
	struct renew_request req;
	struct renew_result res;
	struct renew_new_key nk;
	char *certs, *key, *want, buf[16384];
	size_t len, klen;
	ssize_t r;

	certs = tc_pem(f->longer.cert, NULL, 0, &f->alice.cert, 1, &len);
	key = tc_pem(NULL, f->longer.key, 1, NULL, 0, &klen);
	want = tc_pem(f->longer.cert, f->longer.key, 1, &f->alice.cert, 1,
	    &len);
	nk.certreq_path = "/proc/self/fd/9";
	nk.key_pem = key;
	nk.key_len = klen;
	fake.ans[0].pem = certs;
	request(f, &req, "one:1");
	req.new_key = &nk;
	assert_int_equal(renew_run(&req, &res), 0);
	assert_string_equal(fake.certreq, "/proc/self/fd/9");
	r = pread(f->out_fd, buf, sizeof(buf), 0);
	assert_int_equal((size_t)r, len);
	assert_memory_equal(buf, want, len);
	free(key);
	/* another key: the certificate does not match it */
	key = tc_pem(NULL, f->shorter.key, 1, NULL, 0, &klen);
	nk.key_pem = key;
	nk.key_len = klen;
	assert_int_equal(ftruncate(f->out_fd, 0), 0);
	memset(&fake, 0, sizeof(fake));
	fake.ans[0].pem = certs;
	fake.ans[1].pem = "no certificate here\n";
	request(f, &req, "one:1,two:2");
	req.new_key = &nk;
	assert_int_not_equal(renew_run(&req, &res), 0);
	assert_int_equal(res.n_errors, 2);
	assert_non_null(strstr(res.errors[0].msg, "does not match"));
	assert_non_null(strstr(res.errors[1].msg, "no certificate"));
	assert_int_equal(out_size(f), 0);
	free(certs);
	free(key);
	free(want);
}

static void
test_run_failover(void **state)
{
	struct fx *f = *state;
	struct renew_request req;
	struct renew_result res;

	fake.ans[0].code = PR_ERR_GENERIC;
	fake.ans[0].unreachable = 1;
	fake.ans[1].code = PR_ERR_MYPROXY;
	fake.ans[2].pem = f->pem_longer;
	request(f, &req, "one:1,two:2,three:3");
	assert_int_equal(renew_run(&req, &res), 0);
	assert_int_equal(fake.n_calls, 3);
	assert_string_equal(res.server, "three:3");
	assert_int_equal(res.n_errors, 2);
	assert_string_equal(res.errors[0].server, "one:1");
	assert_int_equal(res.errors[0].is_unreachable, 1);
	assert_string_equal(res.errors[0].msg, "fake error 0");
	assert_string_equal(res.errors[1].server, "two:2");
	assert_int_equal(res.errors[1].code, PR_ERR_MYPROXY);
	assert_int_equal(res.errors[1].is_unreachable, 0);
}

static void
test_run_all_fail(void **state)
{
	struct fx *f = *state;
	struct renew_request req;
	struct renew_result res;

	fake.ans[0].code = PR_ERR_GENERIC;
	fake.ans[1].code = PR_ERR_MYPROXY;
	request(f, &req, "one:1,two:2");
	assert_int_equal(renew_run(&req, &res), PR_ERR_MYPROXY);
	assert_int_equal(res.n_errors, 2);
	assert_non_null(strstr(res.msg, "one:1: fake error 0; two:2: fake error 1"));
	assert_int_equal(out_size(f), 0);
}

static void
test_run_skip(void **state)
{
	struct fx *f = *state;
	const char *skip[] = { "one:1" };
	const char *skip_all[] = { "two:2", "one:1" };
	struct renew_request req;
	struct renew_result res;

	fake.ans[0].pem = f->pem_longer;
	fake.ans[1].pem = f->pem_longer;
	request(f, &req, "one:1,two:2");
	req.skip = skip;
	req.n_skip = 1;
	assert_int_equal(renew_run(&req, &res), 0);
	assert_int_equal(fake.n_calls, 1);
	assert_string_equal(fake.called[0], "two:2");
	/* every server cooling down: they are all tried, in order */
	fake.n_calls = 0;
	req.skip = skip_all;
	req.n_skip = 2;
	assert_int_equal(renew_run(&req, &res), 0);
	assert_string_equal(fake.called[0], "one:1");
}

static void
test_run_no_shortening(void **state)
{
	struct fx *f = *state;
	struct renew_request req;
	struct renew_result res;

	fake.ans[0].pem = f->pem_shorter;
	fake.ans[1].pem = f->pem_longer;
	request(f, &req, "one:1");
	assert_int_equal(renew_run(&req, &res), PR_ERR_MYPROXY);
	assert_non_null(strstr(res.msg, "new proxy would end earlier"));
	assert_int_equal(out_size(f), 0);
	/* the next server may have a longer credential */
	fake.n_calls = 0;
	request(f, &req, "one:1,two:2");
	assert_int_equal(renew_run(&req, &res), 0);
	assert_string_equal(res.server, "two:2");
	assert_int_equal(res.n_errors, 1);
}

static void
test_run_wrong_identity_and_garbage(void **state)
{
	struct fx *f = *state;
	struct renew_request req;
	struct renew_result res;

	fake.ans[0].pem = f->pem_bob;
	fake.ans[1].pem = "-----BEGIN CERTIFICATE-----\ngarbage\n";
	request(f, &req, "one:1,two:2");
	assert_int_equal(renew_run(&req, &res), PR_ERR_SSL);
	assert_non_null(strstr(res.errors[0].msg, "not for " ALICE_DN));
	assert_int_equal(res.errors[1].code, PR_ERR_SSL);
	assert_int_equal(out_size(f), 0);
}

static void
test_run_no_voms_needs_no_hook(void **state)
{
	struct fx *f = *state;
	struct renew_request req;
	struct renew_result res;

	/* no VOMS in these proxies: the hook is not needed */
	fake.ans[0].pem = f->pem_longer;
	request(f, &req, "one:1");
	req.voms = NULL;
	assert_int_equal(renew_run(&req, &res), 0);
}

/* ---- VOMS once, after MyProxy */

/* The fake VOMS hook: fails (code != 0) naming one VOMS server, or delivers. */
static struct {
	int n_calls;
	int code;
	const char *pem;
} fake_voms_state;

static int
fake_voms(const struct renew_request *req, const char *pem, size_t pem_len,
    char **out, size_t *out_len, struct renew_result *res,
    struct pr_error *err)
{
	struct renew_server_error *se = &res->errors[res->n_errors++];

	(void)req;
	(void)pem;
	(void)pem_len;
	fake_voms_state.n_calls++;
	if (fake_voms_state.code != 0) {
		snprintf(se->server, sizeof(se->server), "voms:v:15000");
		se->code = fake_voms_state.code;
		se->is_unreachable = 1;
		return pr_error_set(err, fake_voms_state.code, "VOMS testvo: "
		    "v:15000: cannot connect");
	}
	res->n_errors--;	/* nothing failed */
	*out_len = strlen(fake_voms_state.pem);
	*out = strdup(fake_voms_state.pem);
	return 0;
}

/* The current proxy of f with the VOMS AC of tc_voms_proxy_pem copied in. */
static void
voms_current(struct fx *f)
{
	BIO *b = BIO_new_mem_buf(tc_voms_proxy_pem, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.8005.100.100.5", 1);
	X509_EXTENSION *ext;
	ASN1_OCTET_STRING *der;
	struct tc_cred p;
	char *pem;
	size_t len;

	assert_non_null(x);
	ext = X509_get_ext(x, X509_get_ext_by_OBJ(x, oid, -1));
	assert_non_null(ext);
	der = X509_EXTENSION_get_data(ext);
	tc_proxy_ext(&p, &f->alice, "1.3.6.1.4.1.8005.100.100.5",
	    ASN1_STRING_get0_data(der), (size_t)ASN1_STRING_length(der),
	    f->now - 60, f->now + 1200);
	pem = tc_pem(p.cert, p.key, 0, &f->alice.cert, 1, &len);
	tc_write_file(f->cur_path, pem, len);
	free(pem);
	tc_cred_free(&p);
	ASN1_OBJECT_free(oid);
	X509_free(x);
	BIO_free(b);
	memset(&fake_voms_state, 0, sizeof(fake_voms_state));
}

static void
test_run_voms_failure_blames_no_myproxy_server(void **state)
{
	struct fx *f = *state;
	struct renew_request req;
	struct renew_result res;

	voms_current(f);
	fake.ans[0].pem = f->pem_longer;
	fake.ans[1].pem = f->pem_longer;
	fake_voms_state.code = PR_ERR_VOMS;
	request(f, &req, "one:1,two:2");
	req.voms = fake_voms;
	assert_int_equal(renew_run(&req, &res), PR_ERR_VOMS);
	assert_int_equal(fake.n_calls, 1);		/* one MyProxy GET */
	assert_int_equal(fake_voms_state.n_calls, 1);	/* VOMS once */
	assert_int_equal(res.n_errors, 1);		/* only the VOMS server */
	assert_string_equal(res.errors[0].server, "voms:v:15000");
	assert_true(res.errors[0].is_unreachable);
	assert_non_null(strstr(res.msg, "VOMS testvo: v:15000: cannot connect"));
	assert_null(strstr(res.msg, "one:1"));
	assert_int_equal(out_size(f), 0);
}

static void
test_run_voms_after_myproxy_failover(void **state)
{
	struct fx *f = *state;
	struct renew_request req;
	struct renew_result res;

	voms_current(f);
	fake.ans[0].code = PR_ERR_MYPROXY;
	fake.ans[0].unreachable = 1;
	fake.ans[1].pem = f->pem_longer;
	fake_voms_state.pem = f->pem_longer;
	request(f, &req, "one:1,two:2");
	req.voms = fake_voms;
	assert_int_equal(renew_run(&req, &res), 0);
	assert_int_equal(fake.n_calls, 2);
	assert_int_equal(fake_voms_state.n_calls, 1);
	assert_string_equal(res.server, "two:2");
	assert_int_equal(res.n_errors, 1);
	assert_string_equal(res.errors[0].server, "one:1");
	assert_true(out_size(f) > 0);
}

static void
test_run_voms_needs_hook_before_any_get(void **state)
{
	struct fx *f = *state;
	struct renew_request req;
	struct renew_result res;

	voms_current(f);
	fake.ans[0].pem = f->pem_longer;
	request(f, &req, "one:1");
	req.voms = NULL;
	assert_int_equal(renew_run(&req, &res), PR_ERR_VOMS);
	assert_non_null(strstr(res.msg, "VOMS renewal is not available"));
	assert_int_equal(fake.n_calls, 0);
	assert_int_equal(out_size(f), 0);
}

static void
test_run_bad_input(void **state)
{
	struct fx *f = *state;
	struct renew_request req;
	struct renew_result res;
	char missing[160];

	request(f, &req, "one:1, two:2");
	assert_int_equal(renew_run(&req, &res), EINVAL);
	assert_int_equal(fake.n_calls, 0);
	snprintf(missing, sizeof(missing), "%s/none.pem", f->dir);
	request(f, &req, "one:1");
	req.proxy_path = missing;
	assert_int_equal(renew_run(&req, &res), ENOENT);
	assert_non_null(strstr(res.msg, "current proxy"));
	assert_int_equal(fake.n_calls, 0);
	/* expired current proxy: not renewable */
	request(f, &req, "one:1");
	req.now = (time_t)(f->now + 7200);
	assert_int_equal(renew_run(&req, &res), PR_ERR_EXPIRED);
	assert_int_equal(fake.n_calls, 0);
}

/* ---- service credential */

static void
write_svc(struct fx *f, const struct tc_cred *c, const char *name,
    int with_key, mode_t mode, char *path, size_t size)
{
	char *pem;
	size_t len;

	snprintf(path, size, "%s/%s", f->dir, name);
	pem = with_key ? tc_pem(NULL, c->key, 1, NULL, 0, &len) :
	    tc_pem(c->cert, NULL, 0, NULL, 0, &len);
	tc_write_file(path, pem, len);
	free(pem);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_service_cred(void **state)
{
	struct fx *f = *state;
	struct service_cred svc;
	struct pr_error err;
	struct tc_cred old;
	char cert[128], key[128], bobkey[128], oldc[128], oldk[128];

	write_svc(f, &f->alice, "svc.pem", 0, 0644, cert, sizeof(cert));
	write_svc(f, &f->alice, "svckey.pem", 1, 0600, key, sizeof(key));
	write_svc(f, &f->bob, "bobkey.pem", 1, 0600, bobkey, sizeof(bobkey));
	svc.cert = cert;
	svc.key = key;
	svc.cadir = f->dir;
	assert_int_equal(renew_check_service_cred(&svc, (time_t)f->now, &err), 0);
	/* key readable by others: refused with the reason and the fix */
	assert_int_equal(chmod(key, 0640), 0);
	assert_int_equal(renew_check_service_cred(&svc, (time_t)f->now, &err),
	    EACCES);
	assert_non_null(strstr(err.msg, "silently ignore"));
	assert_non_null(strstr(err.msg, "chmod 600"));
	assert_int_equal(chmod(key, 0600), 0);
	/* key of another certificate */
	svc.key = bobkey;
	assert_int_equal(renew_check_service_cred(&svc, (time_t)f->now, &err),
	    PR_ERR_SSL);
	/* expired certificate */
	tc_user(&old, &f->ca, "/C=XX/O=Test/CN=old service", f->now - 7200,
	    f->now - 3600);
	write_svc(f, &old, "old.pem", 0, 0644, oldc, sizeof(oldc));
	write_svc(f, &old, "oldkey.pem", 1, 0600, oldk, sizeof(oldk));
	tc_cred_free(&old);
	svc.cert = oldc;
	svc.key = oldk;
	assert_int_equal(renew_check_service_cred(&svc, (time_t)f->now, &err),
	    PR_ERR_EXPIRED);
	/* missing file, not a certificate, CA dir missing */
	svc.cert = "/nonexistent/cert.pem";
	assert_int_equal(renew_check_service_cred(&svc, (time_t)f->now, &err),
	    ENOENT);
	svc.cert = key;
	svc.key = key;
	assert_int_equal(renew_check_service_cred(&svc, (time_t)f->now, &err),
	    PR_ERR_SSL);
	svc.cert = cert;
	svc.cadir = "/nonexistent";
	assert_int_equal(renew_check_service_cred(&svc, (time_t)f->now, &err),
	    ENOENT);
}

static void
test_service_cred_defaults(void **state)
{
	struct service_cred svc = { NULL, "/given/key", NULL };

	(void)state;
	assert_int_equal(setenv("X509_USER_CERT", "/env/cert", 1), 0);
	assert_int_equal(unsetenv("X509_CERT_DIR"), 0);
	renew_service_cred_defaults(&svc);
	assert_string_equal(svc.cert, "/env/cert");
	assert_string_equal(svc.key, "/given/key");
	assert_string_equal(svc.cadir, RENEW_DEFAULT_CADIR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_servers_good),
		cmocka_unit_test(test_parse_servers_bad),
		cmocka_unit_test_setup_teardown(test_run_success, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_new_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_failover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_all_fail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_skip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_no_shortening, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_run_wrong_identity_and_garbage,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_run_voms_failure_blames_no_myproxy_server, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_run_voms_after_myproxy_failover, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_run_voms_needs_hook_before_any_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_no_voms_needs_no_hook, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_run_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_service_cred, setup, teardown),
		cmocka_unit_test(test_service_cred_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
