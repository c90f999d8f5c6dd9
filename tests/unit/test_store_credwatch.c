/*
 * test_store_credwatch.c: the schema upgrade of an existing version 1
 * repository (store_open.c: its proxies and jobs kept, the credwatch table
 * added, user_version 3) and the credential watch's rows
 * (store_credwatch.c): watch (earlier only), get, next, the proxy to ask
 * with, record, failed, warned, forget; a row without a live proxy.
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
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "testdir.c"

#include "store/store.h"

#include "teststore.c"

/* The rows of the version 1 repository (teststore_make_v1). */
static const char rows_v1[] =
	"INSERT INTO proxy VALUES (7, '/CN=alice', 'h1', 'h1.0', 0,"
	" 'localhost:7512', '', 0, 2000000000, 1800000000, 1900000000, 0, 0,"
	" '', 0, 1);"
	"INSERT INTO job VALUES (CAST('job-1' AS BLOB), 7);";

/* A version 1 repository.db, then opened (and upgraded) by the store. */
static int
setup_v1(void **state)
{
	setup(state);
	teststore_open_v1(*state, rows_v1);
	return 0;
}

/* The old records are there, the new table works, the version is 2. */
static void
test_upgrade_v1(void **state)
{
	struct fx *f = *state;
	struct store_proxy p;
	struct store_cred c;
	struct pr_error err;
	int64_t id;

	assert_int_equal(store_find_job(f->st, "job-1", 5, &id, &err), 0);
	assert_int_equal(id, 7);
	assert_int_equal(store_get_proxy(f->st, 7, &p, &err), 0);
	assert_string_equal(p.file, "h1.0");
	assert_int_equal(p.n_jobs, 1);
	store_proxy_free(&p);
	/* the live identity of the old repository: watched, due at once */
	assert_int_equal(store_cred_get(f->st, "h1", &c, &err), 0);
	assert_string_equal(c.identity, "/CN=alice");
	assert_int_equal(c.next_check, 0);
	store_cred_free(&c);
	assert_int_equal(store_cred_watch(f->st, "h1", "/CN=alice", 100, &err),
	    0);
	assert_int_equal(store_cred_get(f->st, "h1", &c, &err), 0);
	assert_int_equal(c.next_check, 0);	/* only ever earlier */
	assert_int_equal(c.cred_end, 0);
	assert_int_equal(c.renew_allowed, -1);
	store_cred_free(&c);
	store_close(f->st);
	assert_int_equal(teststore_user_version(f->dir), 3);	/* 2: history */
	/* opens again as it is */
	assert_int_equal(store_open(f->dir, &f->st, &err), 0);
	assert_int_equal(store_cred_get(f->st, "h1", &c, &err), 0);
	store_cred_free(&c);
}

/* watch only moves next_check earlier; next is the earliest row. */
static void
test_watch_next(void **state)
{
	struct fx *f = *state;
	struct store_cred c;
	struct pr_error err;

	assert_int_equal(store_cred_forget(f->st, "h1", &err), 0);
	assert_int_equal(store_cred_watch(f->st, "h1", "/CN=alice", 500, &err),
	    0);
	assert_int_equal(store_cred_watch(f->st, "h2", "/CN=bob", 300, &err), 0);
	assert_int_equal(store_cred_watch(f->st, "h1", "/CN=alice", 900, &err),
	    0);
	assert_int_equal(store_cred_get(f->st, "h1", &c, &err), 0);
	assert_int_equal(c.next_check, 500);
	store_cred_free(&c);
	assert_int_equal(store_cred_watch(f->st, "h1", "/CN=alice", 200, &err),
	    0);
	assert_int_equal(store_cred_next(f->st, &c, &err), 0);
	assert_string_equal(c.identity_hash, "h1");
	assert_int_equal(c.next_check, 200);
	store_cred_free(&c);
}

/* record, warned, failed, forget; the proxy to ask with. */
static void
test_record_failed_forget(void **state)
{
	struct fx *f = *state;
	struct store_cred c;
	struct pr_error err;
	int64_t id;

	assert_int_equal(store_cred_watch(f->st, "h1", "/CN=alice", 1, &err), 0);
	assert_int_equal(store_cred_proxy(f->st, "h1", &id, &err), 0);
	assert_int_equal(id, 7);
	assert_int_equal(store_cred_proxy(f->st, "h2", &id, &err),
	    PR_ERR_NOT_REGISTERED);
	assert_int_equal(store_cred_get(f->st, "h1", &c, &err), 0);
	c.cred_end = 1900000000;
	free(c.server);
	c.server = strdup("localhost:7512");
	c.renew_allowed = 1;
	c.next_check = 1800086400;
	c.warned = 1;
	assert_int_equal(store_cred_record(f->st, &c, 1800000000, &err), 0);
	store_cred_free(&c);
	assert_int_equal(store_cred_failed(f->st, "h1", "Connection refused",
	    1800003600, &err), 0);
	assert_int_equal(store_cred_warned(f->st, "h1", 3, &err), 0);
	assert_int_equal(store_cred_get(f->st, "h1", &c, &err), 0);
	assert_int_equal(c.cred_end, 1900000000);	/* kept by a failure */
	assert_string_equal(c.server, "localhost:7512");
	assert_int_equal(c.renew_allowed, 1);
	assert_int_equal(c.checked, 1800000000);
	assert_int_equal(c.next_check, 1800003600);
	assert_int_equal(c.warned, 3u);
	assert_string_equal(c.last_error, "Connection refused");
	store_cred_free(&c);
	assert_int_equal(store_cred_failed(f->st, "nope", "x", 1, &err),
	    PR_ERR_NOT_REGISTERED);
	assert_int_equal(store_cred_forget(f->st, "h1", &err), 0);
	assert_int_equal(store_cred_get(f->st, "h1", &c, &err),
	    PR_ERR_NOT_REGISTERED);
	assert_int_equal(store_cred_next(f->st, &c, &err),
	    PR_ERR_NOT_REGISTERED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_upgrade_v1, setup_v1,
		    teardown),
		cmocka_unit_test_setup_teardown(test_watch_next, setup_v1,
		    teardown),
		cmocka_unit_test_setup_teardown(test_record_failed_forget,
		    setup_v1, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
