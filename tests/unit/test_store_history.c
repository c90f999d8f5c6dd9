/*
 * test_store_history.c: the renewal audit trail in the store
 * (store_history.c) and the schema upgrade that made it (store_open.c).
 * Focus: an attempt is written with its success / failed attempt and not
 * without it, pruning to N (and 0 keeping none), newest first, bounded
 * texts, rows going with their proxy row, orphans dropped, last_success,
 * a version 1 repository.db opened, upgraded and kept, and the query
 * plans (store_history.c is included for its statements).
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
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "testdir.c"

#include "store/store_history.c"

#include "teststore.c"

/* alice's proxy "<hash>.0" at s:7512 (teststore.c's add_proxy). */
static int64_t
add(struct fx *f, const char *hash, int64_t not_after)
{
	return add_proxy(f, hash, 0, "s:7512", "", 0, not_after);
}

/* What the rows of a proxy say, newest first. */
struct seen {
	int n;
	int64_t at[64];
	int result[64];
	char cls[64][32];
	size_t servers_len, message_len;	/* of the newest */
};

static int
seen_cb(const struct store_attempt *a, void *arg)
{
	struct seen *s = arg;

	if (s->n == 0) {
		s->servers_len = strlen(a->servers);
		s->message_len = strlen(a->message);
	}
	s->at[s->n] = a->at;
	s->result[s->n] = a->result;
	snprintf(s->cls[s->n], sizeof(s->cls[0]), "%s", a->cls);
	s->n++;
	return 0;
}

static struct seen
seen_of(struct fx *f, int64_t id)
{
	struct seen s;
	struct pr_error err;

	memset(&s, 0, sizeof(s));
	assert_int_equal(store_history_foreach(f->st, id, seen_cb, &s, &err),
	    0);
	return s;
}

static void
fail_at(struct fx *f, int64_t id, int64_t at, int expect)
{
	struct store_proxy p;
	struct store_attempt a = { at, 12, 1907, "transient",
	    "localhost:1 unreachable: Connection refused", 0, 0, "refused" };
	struct pr_error err;

	assert_int_equal(store_get_proxy(f->st, id, &p, &err), 0);
	assert_int_equal(store_record_failed_attempt(f->st, &p, at, 1907,
	    "refused", at + 60, &a, &err), expect);
	store_proxy_free(&p);
}

/* The row of a success at 2000 (its new proxy valid until 60000). */
static const struct store_attempt success_row = { 2000, 400, 0, "",
    "s:7512 renewed", 60000, 50000, "" };

/* success_row recorded on id in a transaction left open. */
static void
success_begun(struct fx *f, int64_t id)
{
	struct store_proxy p;
	struct pr_error err;

	assert_int_equal(store_get_proxy(f->st, id, &p, &err), 0);
	assert_int_equal(store_begin(f->st, &err), 0);
	assert_int_equal(store_record_renewal_success(f->st, &p, 60000, 2000,
	    50000, &success_row, &err), 0);
	store_proxy_free(&p);
}

/* A success and a failure, each with its row; last_success the success's. */
static void
test_written_with_intents(void **state)
{
	struct fx *f = *state;
	struct store_proxy p;
	struct pr_error err;
	struct seen s;
	int64_t id = add(f, "aa", 10000);

	fail_at(f, id, 1000, 0);
	assert_int_equal(store_get_proxy(f->st, id, &p, &err), 0);
	assert_int_equal(p.last_success, 0);
	store_proxy_free(&p);
	success_begun(f, id);
	assert_int_equal(store_commit(f->st, &err), 0);
	assert_int_equal(store_get_proxy(f->st, id, &p, &err), 0);
	assert_int_equal(p.last_success, 2000);
	assert_int_equal(p.last_attempt, 2000);
	/* a result discarded (record changed) leaves no row either */
	free(p.servers);
	p.servers = strdup("other");
	assert_int_equal(store_record_failed_attempt(f->st, &p, 3000, 1907,
	    "x", 3060, &success_row, &err), PR_ERR_NOT_REGISTERED);
	store_proxy_free(&p);
	s = seen_of(f, id);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.at[0], 2000);	/* newest first */
	assert_int_equal(s.result[0], 0);
	assert_string_equal(s.cls[0], "");
	assert_int_equal(s.at[1], 1000);
	assert_int_equal(s.result[1], 1907);
	assert_string_equal(s.cls[1], "transient");
}

/* A rolled-back success takes its row with it (one transaction). */
static void
test_rolled_back_together(void **state)
{
	struct fx *f = *state;
	struct store_proxy p;
	struct pr_error err;
	int64_t id = add(f, "aa", 10000);

	success_begun(f, id);
	store_rollback(f->st);
	assert_int_equal(seen_of(f, id).n, 0);
	assert_int_equal(store_get_proxy(f->st, id, &p, &err), 0);
	assert_int_equal(p.last_success, 0);
	store_proxy_free(&p);
}

/* The last N per proxy, others untouched; 0 keeps none. */
static void
test_pruned_to_n(void **state)
{
	struct fx *f = *state;
	struct seen s;
	int64_t a = add(f, "aa", 100000), b = add(f, "bb", 100000);
	int i;

	store_set_history_keep(f->st, 3);
	assert_int_equal(store_history_keep(f->st), 3);
	fail_at(f, b, 500, 0);
	for (i = 1; i <= 7; i++)
		fail_at(f, a, 1000 + i, 0);
	s = seen_of(f, a);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.at[0], 1007);
	assert_int_equal(s.at[2], 1005);
	assert_int_equal(seen_of(f, b).n, 1);
	store_set_history_keep(f->st, 0);
	fail_at(f, a, 2000, 0);
	assert_int_equal(seen_of(f, a).n, 0);
	assert_int_equal(seen_of(f, b).n, 1);	/* until its next attempt */
	store_set_history_keep(f->st, -5);
	assert_int_equal(store_history_keep(f->st), 0);
	store_set_history_keep(f->st, 1 << 30);
	assert_int_equal(store_history_keep(f->st), STORE_HISTORY_MAX);
}

/* Long texts are cut at their bound, never inside a UTF-8 character. */
static void
test_bounded(void **state)
{
	struct fx *f = *state;
	char big[STORE_HISTORY_SERVERS_MAX_BYTES * 2 + 1];
	struct store_attempt a = { 1000, 1, 1907, "transient", big, 0, 0, big };
	struct store_proxy p;
	struct pr_error err;
	struct seen s;
	int64_t id = add(f, "aa", 10000);
	size_t i;

	big[0] = 'x';	/* then U+00E9s: every bound falls inside one */
	for (i = 1; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[i] = '\0';
	assert_int_equal(store_get_proxy(f->st, id, &p, &err), 0);
	assert_int_equal(store_record_failed_attempt(f->st, &p, 1000, 1907,
	    "x", 1060, &a, &err), 0);
	store_proxy_free(&p);
	s = seen_of(f, id);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.servers_len, STORE_HISTORY_SERVERS_MAX_BYTES - 1);
	assert_int_equal(s.message_len, STORE_HISTORY_MSG_MAX_BYTES - 1);
}

/* Rows go with their proxy row; orphans are dropped at start-up. */
static void
test_removed_with_proxy(void **state)
{
	struct fx *f = *state;
	struct pr_error err;
	int64_t a = add(f, "aa", 10000), b = add(f, "bb", 10000);
	int64_t n = -1, remaining = -1, got;

	fail_at(f, a, 1000, 0);
	fail_at(f, b, 1000, 0);
	assert_int_equal(store_add_job(f->st, "j1", 2, a, &err), 0);
	assert_int_equal(store_remove_job(f->st, "j1", 2, &got, &remaining,
	    &err), 0);
	assert_int_equal(remaining, 0);
	assert_int_equal(seen_of(f, a).n, 0);
	assert_int_equal(store_delete_proxy(f->st, b, &err), 0);
	assert_int_equal(seen_of(f, b).n, 0);
	/* a row whose proxy went while foreign keys were off */
	b = add(f, "bb", 10000);
	fail_at(f, b, 1000, 0);
	store_close(f->st);
	{
		char path[128];
		sqlite3 *db;

		snprintf(path, sizeof(path), "%s/repository.db", f->dir);
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = OFF;"
		    "DELETE FROM proxy", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	assert_int_equal(store_open(f->dir, &f->st, &err), 0);
	assert_int_equal(store_history_drop_orphans(f->st, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(seen_of(f, b).n, 0);
}

/* The rows of a version 1 repository (teststore_make_v1). */
static const char rows_v1[] =
	"INSERT INTO proxy VALUES (1, '/CN=a', 'aa', 'aa.0', 0, 's', '', 0,"
	" 9000, 500, 8000, 700, 0, '', 0, 1);"
	"INSERT INTO proxy VALUES (2, '/CN=b', 'bb', 'bb.0', 0, 's', '', 0,"
	" 9000, 500, 8000, 800, 1907, 'refused', 2, 1);"
	"INSERT INTO job VALUES (CAST('j1' AS BLOB), 1);"
	"INSERT INTO job VALUES (CAST('j2' AS BLOB), 2);";

/* A version 1 repository opens, is upgraded, keeps its rows, and works. */
static void
test_upgrade_from_v1(void **state)
{
	struct fx *f = *state;
	struct store_proxy p;
	struct pr_error err;
	int64_t id;

	teststore_open_v1(f, rows_v1);
	assert_int_equal(store_find_job(f->st, "j1", 2, &id, &err), 0);
	assert_int_equal(store_get_proxy(f->st, id, &p, &err), 0);
	assert_int_equal(p.last_success, 700);	/* its last attempt worked */
	store_proxy_free(&p);
	assert_int_equal(store_get_proxy(f->st, 2, &p, &err), 0);
	assert_int_equal(p.last_success, 0);	/* failing: not known */
	assert_int_equal(p.failures, 2);
	store_proxy_free(&p);
	fail_at(f, 2, 900, 0);
	assert_int_equal(seen_of(f, 2).n, 1);
	/* upgraded for good: version 3 (2: history, 3: credential watch), left
	 * as it is when opened again */
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(teststore_user_version(f->dir), 3);
	assert_int_equal(store_open(f->dir, &f->st, &err), 0);
	assert_int_equal(seen_of(f, 2).n, 1);
}

/* Rule (3) of store_history.c: no statement of a renewal scans a table. */
static void
test_query_plans(void **state)
{
	struct fx *f = *state;
	int i;

	for (i = 0; i < H_COUNT; i++)
		if (i != H_ORPHANS)	/* start-up only: a full walk */
			assert_no_scan(f->st->db, hist_sql[i]);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_written_with_intents),
		T(test_rolled_back_together),
		T(test_pruned_to_n),
		T(test_bounded),
		T(test_removed_with_proxy),
		T(test_upgrade_from_v1),
		T(test_query_plans),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
