/*
 * test_renew_info.c: the worker's Mode=info without Globus (info.c with a
 * fake INFO): failover in order, cooling servers skipped (unless all
 * are), every failure named, the renewers policy judged against the
 * service DN (renew_policy_allows). Its frames: test_renew_wire.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "testcert.c"
#include "renew/renew_engine.h"

#define ALICE_DN "/C=XX/O=Test/CN=Alice"
#define SVC_DN "/C=XX/O=Test/CN=renewal service"

static struct {
	int code[RENEW_SERVERS_MAX];	/* 0: answer */
	int unreachable[RENEW_SERVERS_MAX];
	const char *renewers;
	int n_calls;
	char called[RENEW_SERVERS_MAX][RENEW_SERVER_NAME_MAX];
	char username[256];
} fake;

static int
fake_info(const struct renew_server *srv, const char *username,
    const char *proxy_path, const char *cadir, int timeout_sec,
    struct myproxy_cred_info *info, int *is_unreachable, struct pr_error *err)
{
	int i = fake.n_calls++;

	(void)proxy_path;
	(void)cadir;
	(void)timeout_sec;
	memset(info, 0, sizeof(*info));
	snprintf(fake.called[i], sizeof(fake.called[i]), "%s", srv->name);
	snprintf(fake.username, sizeof(fake.username), "%s", username);
	*is_unreachable = fake.unreachable[i];
	if (fake.code[i] != 0)
		return pr_error_set(err, fake.code[i], "fake error %d", i);
	info->end_time = 1900000000;
	info->n_creds = 1;
	snprintf(info->renewers, sizeof(info->renewers), "%s",
	    fake.renewers ? fake.renewers : "");
	return 0;
}

struct fx {
	struct tc_cred ca, alice, cur;
	char *pem;
	size_t len;
	int64_t now;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->now = (int64_t)time(NULL);
	tc_ca(&f->ca, "/C=XX/O=Test/CN=Test CA", f->now - 3600, f->now + 86400);
	tc_user(&f->alice, &f->ca, ALICE_DN, f->now - 3600, f->now + 86400);
	tc_proxy(&f->cur, &f->alice, TC_PROXY_RFC, f->now - 60, f->now + 1200);
	f->pem = tc_pem(f->cur.cert, f->cur.key, 0, &f->alice.cert, 1,
	    &f->len);
	memset(&fake, 0, sizeof(fake));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tc_cred_free(&f->ca);
	tc_cred_free(&f->alice);
	tc_cred_free(&f->cur);
	free(f->pem);
	free(f);
	return 0;
}

static void
request(struct fx *f, struct info_request *req, const char *servers)
{
	memset(req, 0, sizeof(*req));
	req->servers = servers;
	req->proxy_pem = f->pem;
	req->proxy_len = f->len;
	req->authz_path = "/proc/self/fd/3";
	req->service_dn = SVC_DN;
	req->server_timeout_sec = 5;
	req->info = fake_info;
	req->now = (time_t)f->now;
}

/* The first server down, the second answers: its end, failure named. */
static void
test_failover(void **state)
{
	struct fx *f = *state;
	struct info_request req;
	struct renew_result res;

	request(f, &req, "a:1,b:2");
	fake.code[0] = PR_ERR_MYPROXY;
	fake.unreachable[0] = 1;
	assert_int_equal(info_run(&req, &res), 0);
	assert_int_equal(fake.n_calls, 2);
	assert_string_equal(fake.username, ALICE_DN);
	assert_string_equal(res.server, "b:2");
	assert_int_equal(res.end_time, 1900000000);
	assert_true(res.is_info);
	assert_int_equal(res.renew_allowed, RENEW_ALLOWED_UNKNOWN);
	assert_int_equal(res.n_errors, 1);
	assert_string_equal(res.errors[0].server, "a:1");
	assert_int_equal(res.errors[0].is_unreachable, 1);
}

/* All fail: the last code, every server's text; cooling one skipped. */
static void
test_all_fail_and_skip(void **state)
{
	struct fx *f = *state;
	const char *skip[] = { "a:1" };
	struct info_request req;
	struct renew_result res;

	request(f, &req, "a:1,b:2");
	req.skip = skip;
	req.n_skip = 1;
	fake.code[0] = PR_ERR_MYPROXY;
	assert_int_equal(info_run(&req, &res), PR_ERR_MYPROXY);
	assert_int_equal(fake.n_calls, 1);
	assert_string_equal(fake.called[0], "b:2");
	assert_non_null(strstr(res.msg, "credential check failed (1 server(s) "
	    "cooling down, not tried): b:2: fake error 0"));
	/* every server cooling down: all tried */
	memset(&fake, 0, sizeof(fake));
	request(f, &req, "a:1");
	req.skip = skip;
	req.n_skip = 1;
	assert_int_equal(info_run(&req, &res), 0);
	assert_int_equal(fake.n_calls, 1);
	request(f, &req, "bad list");
	assert_int_equal(info_run(&req, &res), EINVAL);
}

static void
test_policy(void **state)
{
	struct fx *f = *state;
	struct info_request req;
	struct renew_result res;

	assert_int_equal(renew_policy_allows("", SVC_DN), RENEW_ALLOWED_UNKNOWN);
	assert_int_equal(renew_policy_allows(SVC_DN, SVC_DN), RENEW_ALLOWED_YES);
	assert_int_equal(renew_policy_allows("*/CN=renewal service", SVC_DN),
	    RENEW_ALLOWED_YES);
	assert_int_equal(renew_policy_allows("/C=XX/O=Test/CN=rogue", SVC_DN),
	    RENEW_ALLOWED_NO);
	assert_int_equal(renew_policy_allows("*", ""), RENEW_ALLOWED_NO);
	request(f, &req, "a:1");
	fake.renewers = "/C=XX/O=Test/CN=rogue";
	assert_int_equal(info_run(&req, &res), 0);
	assert_int_equal(res.renew_allowed, RENEW_ALLOWED_NO);
	assert_string_equal(res.renewers, "/C=XX/O=Test/CN=rogue");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_failover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_fail_and_skip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_policy, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
