/*
 * teststore.c: what the store's unit tests share: a fresh repository.db in
 * a scratch directory per test, and the query-plan check. Included by
 * test programs after testdir.c and the store's headers or sources.
 */
#include <sqlite3.h>

struct fx {
	char dir[64];		/* the repository (mkdtemp) */
	struct store *st;	/* open store */
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct pr_error err;

	assert_non_null(f);
	testdir_make(f->dir, sizeof(f->dir), "test_store");
	assert_int_equal(store_open(f->dir, &f->st, &err), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->st);
	testdir_remove(f->dir);
	free(f);
	return 0;
}

/* The plan of sql on db never scans a table (an index is used). */
static void __attribute__((unused))
assert_no_scan(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	char plan[1024];
	const char *detail;

	snprintf(plan, sizeof(plan), "EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(sqlite3_prepare_v2(db, plan, -1, &s, NULL),
	    SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		detail = (const char *)sqlite3_column_text(s, 3);
		if (strncmp(detail, "SCAN ", 5) == 0 &&
		    strcmp(detail, "SCAN CONSTANT ROW") != 0)
			fail_msg("%s: %s", sql, detail);
	}
	sqlite3_finalize(s);
}
