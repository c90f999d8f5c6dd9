/*
 * test_history.c: the row a renewal attempt leaves in the audit trail
 * (src/daemon/history.c): which servers it names, in which order, with
 * which outcome, one line each, bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "daemon.h"
#include "renew_contract.h"
#include "store.h"

static void
add_error(struct renew_result *res, const char *server, int unreachable,
    const char *msg)
{
	struct renew_server_error *e = &res->errors[res->n_errors++];

	snprintf(e->server, sizeof(e->server), "%s", server);
	e->code = 1907;
	e->is_unreachable = unreachable;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
}

/* What the row a of an attempt says. */
static void
assert_attempt(const struct store_attempt *a, const char *servers,
    const char *cls, const char *message, int64_t not_after,
    int64_t ac_not_after)
{
	assert_string_equal(a->servers, servers);
	assert_string_equal(a->cls, cls);
	assert_string_equal(a->message, message);
	assert_int_equal(a->not_after, not_after);
	assert_int_equal(a->ac_not_after, ac_not_after);
}

/*
 * MyProxy failures, then the server that renewed, then VOMS failures,
 * then the VOMS servers that gave an AC.
 */
static void
test_success_order(void **state)
{
	struct renew_result res;
	struct store_attempt a;
	char buf[1024];

	(void)state;
	memset(&res, 0, sizeof(res));
	add_error(&res, "a:1", 1, "Connection refused");
	add_error(&res, "voms:v:15000", 0, "not a member");
	snprintf(res.server, sizeof(res.server), "b:2");
	snprintf(res.voms_ok[res.n_voms_ok++], sizeof(res.voms_ok[0]),
	    "voms:w:15001");
	res.end_time = 5000;
	history_attempt_of(&a, &res, "", 100, 42, 4000, buf, sizeof(buf));
	assert_attempt(&a, "a:1 unreachable: Connection refused\n"
	    "b:2 renewed\nvoms:v:15000 failed: not a member\n"
	    "voms:w:15001 gave AC", "", "", 5000, 4000);
	assert_int_equal(a.duration_ms, 42);
	assert_int_equal(a.at, 100);
}

/* A failure: its class and message; no end times; skipped servers named. */
static void
test_failure(void **state)
{
	struct renew_result res;
	struct store_attempt a;
	char buf[1024];

	(void)state;
	memset(&res, 0, sizeof(res));
	res.code = 1907;
	res.end_time = 5000;	/* ignored on failure */
	snprintf(res.msg, sizeof(res.msg), "a:1: Connection refused");
	add_error(&res, "a:1", 1, "Connection\nrefused");
	history_attempt_of(&a, &res, "c:3 (40 s left)", 100, 7, 4000, buf,
	    sizeof(buf));
	assert_attempt(&a, "a:1 unreachable: Connection refused\n"
	    "(cooling down) not tried: c:3 (40 s left)", "transient",
	    "a:1: Connection refused", 0, 0);
}

/* Nothing tried (the worker did not start): empty; a small buffer: cut. */
static void
test_none_and_bounded(void **state)
{
	struct renew_result res;
	char buf[16], big[4096];
	size_t i;

	(void)state;
	memset(&res, 0, sizeof(res));
	res.code = 2;
	history_servers_text(&res, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "");
	for (i = 0; i < RENEW_SERVERS_MAX; i++)
		add_error(&res, "host.example.org:7512", 1,
		    "a very long message that goes on and on and on and on "
		    "and on and on and on and on and on and on and on and on "
		    "and on and on and on and on and on and on and on and on");
	history_servers_text(&res, NULL, buf, sizeof(buf));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	history_servers_text(&res, NULL, big, sizeof(big));
	/* one line per server, each server's text cut at 200 bytes */
	for (i = 0; big[i] != '\0' && big[i] != '\n'; i++)
		;
	assert_true(i <= strlen("host.example.org:7512 unreachable: ") + 200);
	{
		size_t lines = 1;
		const char *p;

		for (p = big; (p = strchr(p, '\n')) != NULL; p++)
			lines++;
		assert_int_equal(lines, RENEW_SERVERS_MAX);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_success_order),
		cmocka_unit_test(test_failure),
		cmocka_unit_test(test_none_and_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
