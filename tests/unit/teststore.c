/*
 * teststore.c: what the store's unit tests share: a fresh repository.db in
 * a scratch directory per test, a proxy row and a job added, a version 1
 * repository.db, its user_version, and the query-plan check. Included by
 * test programs after testdir.c and the store's headers or sources.
 */
#include <sqlite3.h>

#include "teststore_proxy.h"

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

/* Insert the proxy row of teststore_proxy.h with fqans and is_unique; its id. */
static int64_t __attribute__((unused))
add_proxy(struct fx *f, const char *hash, int suffix, const char *servers,
    const char *fqans, int is_unique, int64_t not_after)
{
	struct store_proxy p;
	struct pr_error err;
	char file[128];

	teststore_proxy(&p, file, sizeof(file), hash, suffix, servers,
	    not_after);
	p.fqans = (char *)fqans;
	p.is_unique = is_unique;
	assert_int_equal(store_insert_proxy(f->st, &p, &err), 0);
	assert_true(p.id > 0);
	return p.id;
}

/* Attach jobid (a C string) to proxy_id; must succeed. */
static void __attribute__((unused))
add_job(struct fx *f, const char *jobid, int64_t proxy_id)
{
	struct pr_error err;

	assert_int_equal(store_add_job(f->st, jobid, strlen(jobid), proxy_id,
	    &err), 0);
}

/* repository.db as version 1 wrote it: its schema, frozen here. */
#define TESTSTORE_SCHEMA_V1 \
	"CREATE TABLE proxy (id INTEGER PRIMARY KEY, identity TEXT NOT NULL," \
	" identity_hash TEXT NOT NULL, file TEXT NOT NULL UNIQUE," \
	" suffix INTEGER NOT NULL, servers TEXT NOT NULL, fqans TEXT NOT NULL," \
	" is_unique INTEGER NOT NULL, not_after INTEGER NOT NULL," \
	" obtained INTEGER NOT NULL, next_renewal INTEGER NOT NULL," \
	" last_attempt INTEGER NOT NULL, last_result INTEGER NOT NULL," \
	" last_error TEXT NOT NULL, failures INTEGER NOT NULL," \
	" n_jobs INTEGER NOT NULL CHECK (n_jobs >= 0));" \
	"CREATE INDEX proxy_share ON proxy" \
	" (identity_hash, servers, fqans, is_unique, not_after);" \
	"CREATE INDEX proxy_suffix ON proxy (identity_hash, suffix);" \
	"CREATE INDEX proxy_due ON proxy (next_renewal);" \
	"CREATE TABLE job (job_id BLOB PRIMARY KEY, proxy_id INTEGER NOT NULL" \
	" REFERENCES proxy (id) ON DELETE CASCADE) WITHOUT ROWID;" \
	"CREATE INDEX job_proxy ON job (proxy_id);"

/*
 * f's repository.db replaced by a version 1 one holding rows (SQL run
 * after TESTSTORE_SCHEMA_V1); the store is left closed (f->st NULL).
 */
static void __attribute__((unused))
teststore_make_v1(struct fx *f, const char *rows)
{
	char path[128];
	sqlite3 *db;
	int fd;

	store_close(f->st);
	f->st = NULL;
	snprintf(path, sizeof(path), "%s/repository.db-wal", f->dir);
	(void)unlink(path);
	snprintf(path, sizeof(path), "%s/repository.db", f->dir);
	assert_int_equal(unlink(path), 0);
	assert_true((fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600)) >= 0);
	close(fd);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, TESTSTORE_SCHEMA_V1 "PRAGMA "
	    "user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, rows, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* PRAGMA user_version of dir/repository.db (opened apart from the store). */
static int __attribute__((unused))
teststore_user_version(const char *dir)
{
	char path[128];
	sqlite3 *db;
	sqlite3_stmt *s;
	int v = -1;

	(void)snprintf(path, sizeof(path), "%s/repository.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s,
	    NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/*
 * f's repository.db made version 1 holding rows (teststore_make_v1), then
 * opened (and so upgraded) by the store.
 */
static void __attribute__((unused))
teststore_open_v1(struct fx *f, const char *rows)
{
	struct pr_error err;

	teststore_make_v1(f, rows);
	assert_int_equal(teststore_user_version(f->dir), 1);
	assert_int_equal(store_open(f->dir, &f->st, &err), 0);
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
