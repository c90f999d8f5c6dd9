/*
 * store.c: the repository's metadata in SQLite (see store.h).
 *
 * Owns: repository.db (and its -wal/-shm files), its schema and every query.
 * Divisions: errors, statements, rows, queries; opening, the schema and
 * closing are in store_open.c, transactions and group commit in store_txn.c.
 *
 * Invariants:
 *  (1) Every request-path query is answered by an index (O(log n)):
 *      job by job_id (primary key), proxy by id, by file (unique), shareable
 *      by (identity_hash, servers, fqans, is_unique, not_after), next due by
 *      next_renewal, next suffix by (identity_hash, suffix).
 *  (2) proxy.n_jobs equals the job rows pointing at it: store_add_job and
 *      store_remove_job change both inside one savepoint, and the proxy row
 *      whose last job leaves is deleted in that same savepoint (store.h
 *      rule 3). store_delete_proxy of an id already gone is not an error.
 *  (3) repository.db is created by us with O_EXCL|O_NOFOLLOW and mode 0600
 *      before SQLite opens it; SQLite gives -wal/-shm the same mode. An
 *      existing file must be a regular file of our euid, no group/other bits.
 *  (4) Statements are prepared once in store_open and reset after each use;
 *      no statement is left active between calls except inside
 *      store_foreach_proxy, which must not be re-entered from its callback.
 *  (5) Job ids are 1..PR_JOBID_MAX_BYTES bytes, no NUL and no newline,
 *      stored as BLOBs so any other byte survives unchanged.
 * Lower layer: fills struct pr_error, never logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "pr_limits.h"
#include "db_ident.h"
#include "store.h"
#include "store_db.h"

#define STORE_JOBID_MAX_BYTES	PR_JOBID_MAX_BYTES


#define PROXY_COLS "id, identity, identity_hash, file, servers, fqans, " \
	"is_unique, not_after, obtained, next_renewal, last_attempt, " \
	"last_result, last_error, failures, n_jobs, last_success"

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SAVEPOINT] = "SAVEPOINT store_op",
	[S_RELEASE] = "RELEASE store_op",
	[S_ROLLBACK_TO] = "ROLLBACK TO store_op",
	[S_FIND_JOB] = "SELECT proxy_id FROM job WHERE job_id = ?1",
	[S_GET_PROXY] = "SELECT " PROXY_COLS " FROM proxy WHERE id = ?1",
	[S_GET_BY_FILE] = "SELECT " PROXY_COLS " FROM proxy WHERE file = ?1",
	[S_FIND_SHAREABLE] = "SELECT " PROXY_COLS " FROM proxy"
	    " WHERE identity_hash = ?1 AND servers = ?2 AND fqans = ?3"
	    " AND is_unique = 0 AND not_after > ?4"
	    " ORDER BY not_after DESC LIMIT 1",
	/* First gap in the suffixes of one identity, walked in index order. */
	[S_NEXT_SUFFIX] = "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM proxy"
	    " WHERE identity_hash = ?1 AND suffix = 0) THEN 0 ELSE"
	    " (SELECT p.suffix + 1 FROM proxy p WHERE p.identity_hash = ?1"
	    " AND p.suffix >= 0 AND NOT EXISTS (SELECT 1 FROM proxy q"
	    " WHERE q.identity_hash = ?1 AND q.suffix = p.suffix + 1)"
	    " ORDER BY p.suffix LIMIT 1) END",
	[S_INSERT_PROXY] = "INSERT INTO proxy (identity, identity_hash, file,"
	    " suffix, servers, fqans, is_unique, not_after, obtained,"
	    " next_renewal, last_attempt, last_result, last_error, failures,"
	    " n_jobs) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
	    " ?12, ?13, ?14, 0)",
	[S_ADD_JOB] = "INSERT INTO job (job_id, proxy_id) VALUES (?1, ?2)",
	[S_INC_JOBS] = "UPDATE proxy SET n_jobs = n_jobs + 1 WHERE id = ?1",
	[S_DEL_JOB] = "DELETE FROM job WHERE job_id = ?1",
	[S_DEC_JOBS] = "UPDATE proxy SET n_jobs = n_jobs - 1 WHERE id = ?1",
	[S_GET_N_JOBS] = "SELECT n_jobs FROM proxy WHERE id = ?1",
	[S_DEL_PROXY] = "DELETE FROM proxy WHERE id = ?1",
	[S_DEL_PROXY_JOBS] = "DELETE FROM job WHERE proxy_id = ?1",
	[S_NEXT_DUE] = "SELECT id, next_renewal FROM proxy"
	    " WHERE next_renewal > 0 ORDER BY next_renewal LIMIT 1",
	[S_ALL_PROXIES] = "SELECT " PROXY_COLS " FROM proxy",
	[S_COUNT_PROXIES] = "SELECT count(*) FROM proxy",
	[S_COUNT_JOBS] = "SELECT count(*) FROM job",
	[S_BATCH_SAVEPOINT] = "SAVEPOINT batch_req",
	[S_BATCH_RELEASE] = "RELEASE batch_req",
	[S_BATCH_ROLLBACK_TO] = "ROLLBACK TO batch_req",
};

sqlite3_stmt *
store_db_intent(struct store *st, int slot, const char *sql,
    struct pr_error *err)
{
	int rc;

	if (st->intent[slot] == NULL && (rc = sqlite3_prepare_v3(st->db, sql,
	    -1, SQLITE_PREPARE_PERSISTENT, &st->intent[slot], NULL)) !=
	    SQLITE_OK) {
		(void)store_db_fail(st, rc, sql, err);
		return NULL;
	}
	return st->intent[slot];
}

int
store_db_prepare_all(struct store *st, struct pr_error *err)
{
	int i, rc;

	for (i = 0; i < S_COUNT; i++) {
		rc = sqlite3_prepare_v3(st->db, stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &st->stmt[i], NULL);
		if (rc != SQLITE_OK)
			return store_db_fail(st, rc, stmt_sql[i], err);
	}
	return 0;
}

/* ==== statement helpers ==== */

/* Step a statement that returns no row; resets it. */
int
store_db_run(struct store *st, enum stmt_id id, struct pr_error *err)
{
	sqlite3_stmt *s = st->stmt[id];
	int rc;

	rc = sqlite3_step(s);
	(void)sqlite3_reset(s);	/* the step's code is what matters */
	(void)sqlite3_clear_bindings(s);
	if (id <= S_ROLLBACK_TO || id >= S_BATCH_SAVEPOINT)
		store_memo_txn(st, id, rc == SQLITE_DONE);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_db_fail(st, rc, stmt_sql[id], err);
	return 0;
}

static void
done(struct store *st, enum stmt_id id)
{
	(void)sqlite3_reset(st->stmt[id]);	/* errors were seen by step */
	(void)sqlite3_clear_bindings(st->stmt[id]);
}

static int
bind_text(struct store *st, enum stmt_id id, int col, const char *v,
    struct pr_error *err)
{
	int rc;

	rc = sqlite3_bind_text(st->stmt[id], col, v != NULL ? v : "", -1,
	    SQLITE_STATIC);
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, "bind", err);
	return 0;
}

static int
bind_int(struct store *st, enum stmt_id id, int col, int64_t v,
    struct pr_error *err)
{
	int rc;

	if ((rc = sqlite3_bind_int64(st->stmt[id], col, v)) != SQLITE_OK)
		return store_db_fail(st, rc, "bind", err);
	return 0;
}

static int
jobid_ok(const char *jobid, size_t len, struct pr_error *err)
{
	if (jobid == NULL || len == 0 || len > STORE_JOBID_MAX_BYTES)
		return pr_error_set(err, EINVAL, "store: job id of %zu bytes "
		    "(1 to %d allowed)", len, STORE_JOBID_MAX_BYTES);
	if (memchr(jobid, '\0', len) != NULL || memchr(jobid, '\n', len) != NULL)
		return pr_error_set(err, EINVAL,
		    "store: job id contains NUL or newline");
	return 0;
}

static int
bind_jobid(struct store *st, enum stmt_id id, const char *jobid, size_t len,
    struct pr_error *err)
{
	int rc;

	if ((rc = jobid_ok(jobid, len, err)) != 0)
		return rc;
	rc = sqlite3_bind_blob(st->stmt[id], 1, jobid, (int)len, SQLITE_STATIC);
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, "bind", err);
	return 0;
}

/* A savepoint around a multi-statement change, nested or not. */
static int
op_begin(struct store *st, struct pr_error *err)
{
	return store_db_run(st, S_SAVEPOINT, err);
}

static int
op_end(struct store *st, int rc, struct pr_error *err)
{
	if (rc == 0 && (rc = store_db_run(st, S_RELEASE, err)) == 0)
		return 0;
	(void)store_db_run(st, S_ROLLBACK_TO, NULL);	/* undo this operation only */
	(void)store_db_run(st, S_RELEASE, NULL);
	return rc;
}

/* ==== rows ==== */

char *
store_db_text(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return strdup(t != NULL ? (const char *)t : "");
}

static int
row_to_proxy(struct store *st, sqlite3_stmt *s, struct store_proxy *p,
    struct pr_error *err)
{
	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(s, 0);
	p->identity = store_db_text(s, 1);
	p->identity_hash = store_db_text(s, 2);
	p->file = store_db_text(s, 3);
	p->servers = store_db_text(s, 4);
	p->fqans = store_db_text(s, 5);
	p->is_unique = sqlite3_column_int(s, 6);
	p->not_after = sqlite3_column_int64(s, 7);
	p->obtained = sqlite3_column_int64(s, 8);
	p->next_renewal = sqlite3_column_int64(s, 9);
	p->last_attempt = sqlite3_column_int64(s, 10);
	p->last_result = sqlite3_column_int(s, 11);
	p->last_error = store_db_text(s, 12);
	p->failures = sqlite3_column_int(s, 13);
	p->n_jobs = sqlite3_column_int64(s, 14);
	p->last_success = sqlite3_column_int64(s, 15);
	if (p->identity == NULL || p->identity_hash == NULL ||
	    p->file == NULL || p->servers == NULL || p->fqans == NULL ||
	    p->last_error == NULL) {
		store_proxy_free(p);
		return store_db_fail(st, SQLITE_NOMEM, "read proxy", err);
	}
	return 0;
}

/* Step a bound proxy query: 0 and *p, or PR_ERR_NOT_REGISTERED. */
static int
get_one_proxy(struct store *st, enum stmt_id id, struct store_proxy *p,
    const char *what, struct pr_error *err)
{
	int rc;

	memset(p, 0, sizeof(*p));
	rc = sqlite3_step(st->stmt[id]);
	if (rc == SQLITE_ROW)
		rc = row_to_proxy(st, st->stmt[id], p, err);
	else if (rc == SQLITE_DONE)
		rc = pr_error_set(err, PR_ERR_NOT_REGISTERED,
		    "store: no such proxy (%s)", what);
	else
		rc = store_db_fail(st, rc, stmt_sql[id], err);
	done(st, id);
	return rc;
}

void
store_proxy_free(struct store_proxy *p)
{
	if (p == NULL)
		return;
	free(p->identity);
	free(p->identity_hash);
	free(p->file);
	free(p->servers);
	free(p->fqans);
	free(p->last_error);
	memset(p, 0, sizeof(*p));
}

/* ==== queries ==== */

int
store_find_job(struct store *st, const char *jobid, size_t jobid_len,
    int64_t *proxy_id, struct pr_error *err)
{
	int rc;

	if ((rc = bind_jobid(st, S_FIND_JOB, jobid, jobid_len, err)) != 0)
		return rc;
	rc = sqlite3_step(st->stmt[S_FIND_JOB]);
	if (rc == SQLITE_ROW) {
		*proxy_id = sqlite3_column_int64(st->stmt[S_FIND_JOB], 0);
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = pr_error_set(err, PR_ERR_NOT_REGISTERED,
		    "store: job not registered");
	else
		rc = store_db_fail(st, rc, "find job", err);
	done(st, S_FIND_JOB);
	return rc;
}

int
store_get_proxy(struct store *st, int64_t id, struct store_proxy *p,
    struct pr_error *err)
{
	int rc;

	if ((rc = bind_int(st, S_GET_PROXY, 1, id, err)) != 0)
		return rc;
	return get_one_proxy(st, S_GET_PROXY, p, "by id", err);
}

int
store_get_proxy_by_file(struct store *st, const char *file,
    struct store_proxy *p, struct pr_error *err)
{
	int rc;

	if ((rc = bind_text(st, S_GET_BY_FILE, 1, file, err)) != 0)
		return rc;
	return get_one_proxy(st, S_GET_BY_FILE, p, "by file", err);
}

int
store_find_shareable(struct store *st, const char *identity_hash,
    const char *servers, const char *fqans, int64_t min_not_after,
    struct store_proxy *p, struct pr_error *err)
{
	int rc;

	if ((rc = bind_text(st, S_FIND_SHAREABLE, 1, identity_hash, err)) != 0 ||
	    (rc = bind_text(st, S_FIND_SHAREABLE, 2, servers, err)) != 0 ||
	    (rc = bind_text(st, S_FIND_SHAREABLE, 3, fqans, err)) != 0 ||
	    (rc = bind_int(st, S_FIND_SHAREABLE, 4, min_not_after, err)) != 0) {
		done(st, S_FIND_SHAREABLE);
		return rc;
	}
	return get_one_proxy(st, S_FIND_SHAREABLE, p, "shareable", err);
}

int
store_next_suffix(struct store *st, const char *identity_hash, int *suffix,
    struct pr_error *err)
{
	sqlite3_stmt *s = st->stmt[S_NEXT_SUFFIX];
	int64_t v;
	int rc;

	if ((rc = bind_text(st, S_NEXT_SUFFIX, 1, identity_hash, err)) != 0)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		v = sqlite3_column_int64(s, 0);
		if (v < 0 || v > INT32_MAX)
			rc = pr_error_set(err, PR_ERR_GENERIC,
			    "store: suffixes exhausted");
		else {
			*suffix = (int)v;
			rc = 0;
		}
	} else
		rc = store_db_fail(st, rc, "next suffix", err);
	done(st, S_NEXT_SUFFIX);
	return rc;
}

/* n of "<hash>.<n>" (decimal, no sign, no leading zero), else -1. */
static int64_t
file_suffix(const char *file, const char *hash)
{
	size_t hl = strlen(hash);
	const char *p;
	int64_t n = 0;

	if (strncmp(file, hash, hl) != 0 || file[hl] != '.')
		return -1;
	p = file + hl + 1;
	if (*p == '\0' || (p[0] == '0' && p[1] != '\0'))
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || n > INT32_MAX / 10)
			return -1;
		n = n * 10 + (*p - '0');
	}
	return n <= INT32_MAX ? n : -1;
}

int
store_insert_proxy(struct store *st, struct store_proxy *p,
    struct pr_error *err)
{
	enum stmt_id id = S_INSERT_PROXY;
	int rc;

	if (p->file == NULL || p->identity_hash == NULL || p->identity == NULL)
		return pr_error_set(err, EINVAL, "store: incomplete proxy");
	if ((rc = bind_text(st, id, 1, p->identity, err)) != 0 ||
	    (rc = bind_text(st, id, 2, p->identity_hash, err)) != 0 ||
	    (rc = bind_text(st, id, 3, p->file, err)) != 0 ||
	    (rc = bind_int(st, id, 4, file_suffix(p->file, p->identity_hash),
	    err)) != 0 ||
	    (rc = bind_text(st, id, 5, p->servers, err)) != 0 ||
	    (rc = bind_text(st, id, 6, p->fqans, err)) != 0 ||
	    (rc = bind_int(st, id, 7, p->is_unique != 0, err)) != 0 ||
	    (rc = bind_int(st, id, 8, p->not_after, err)) != 0 ||
	    (rc = bind_int(st, id, 9, p->obtained, err)) != 0 ||
	    (rc = bind_int(st, id, 10, p->next_renewal, err)) != 0 ||
	    (rc = bind_int(st, id, 11, p->last_attempt, err)) != 0 ||
	    (rc = bind_int(st, id, 12, p->last_result, err)) != 0 ||
	    (rc = bind_text(st, id, 13, p->last_error, err)) != 0 ||
	    (rc = bind_int(st, id, 14, p->failures, err)) != 0) {
		done(st, id);
		return rc;
	}
	if ((rc = store_db_run(st, id, err)) != 0)
		return rc;
	p->id = sqlite3_last_insert_rowid(st->db);
	p->n_jobs = 0;
	return 0;
}

/* Run an UPDATE by id; PR_ERR_NOT_REGISTERED when no row changed. */
static int
run_update(struct store *st, enum stmt_id id, struct pr_error *err)
{
	int rc;

	if ((rc = store_db_run(st, id, err)) != 0)
		return rc;
	if (sqlite3_changes(st->db) == 0)
		return pr_error_set(err, PR_ERR_NOT_REGISTERED,
		    "store: no such proxy");
	return 0;
}

int
store_add_job(struct store *st, const char *jobid, size_t jobid_len,
    int64_t proxy_id, struct pr_error *err)
{
	int rc;

	if ((rc = jobid_ok(jobid, jobid_len, err)) != 0)
		return rc;
	if ((rc = op_begin(st, err)) != 0)
		return rc;
	if ((rc = bind_jobid(st, S_ADD_JOB, jobid, jobid_len, err)) != 0 ||
	    (rc = bind_int(st, S_ADD_JOB, 2, proxy_id, err)) != 0) {
		done(st, S_ADD_JOB);
		return op_end(st, rc, err);
	}
	rc = store_db_run(st, S_ADD_JOB, err);
	if (rc == EEXIST)
		rc = pr_error_set(err, EEXIST, "store: job already registered");
	else if (rc == PR_ERR_NOT_REGISTERED)
		rc = pr_error_set(err, rc, "store: add job: no such proxy");
	if (rc == 0)
		store_memo_job(st, jobid, jobid_len, proxy_id);
	if (rc == 0 && (rc = bind_int(st, S_INC_JOBS, 1, proxy_id, err)) == 0)
		rc = run_update(st, S_INC_JOBS, err);
	return op_end(st, rc, err);
}

static int
get_n_jobs(struct store *st, int64_t proxy_id, int64_t *n,
    struct pr_error *err)
{
	int rc;

	if ((rc = bind_int(st, S_GET_N_JOBS, 1, proxy_id, err)) != 0)
		return rc;
	rc = sqlite3_step(st->stmt[S_GET_N_JOBS]);
	if (rc == SQLITE_ROW) {
		*n = sqlite3_column_int64(st->stmt[S_GET_N_JOBS], 0);
		rc = 0;
	} else
		rc = store_db_fail(st, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc,
		    "job without proxy", err);
	done(st, S_GET_N_JOBS);
	return rc;
}

/* Inside a savepoint: detach, and delete the proxy with its last job. */
static int
remove_job_op(struct store *st, const char *jobid, size_t jobid_len,
    int64_t *proxy_id, int64_t *remaining, struct pr_error *err)
{
	int rc;

	if ((rc = store_find_job(st, jobid, jobid_len, proxy_id, err)) != 0)
		return rc;
	if ((rc = bind_jobid(st, S_DEL_JOB, jobid, jobid_len, err)) != 0 ||
	    (rc = store_db_run(st, S_DEL_JOB, err)) != 0)
		return rc;
	store_memo_job(st, jobid, jobid_len, 0);
	if ((rc = bind_int(st, S_DEC_JOBS, 1, *proxy_id, err)) != 0 ||
	    (rc = run_update(st, S_DEC_JOBS, err)) != 0)
		return rc;
	if ((rc = get_n_jobs(st, *proxy_id, remaining, err)) != 0)
		return rc;
	if (*remaining == 0)	/* store.h rule (3) */
		rc = store_delete_proxy(st, *proxy_id, err);
	return rc;
}

int
store_remove_job(struct store *st, const char *jobid, size_t jobid_len,
    int64_t *proxy_id, int64_t *remaining, struct pr_error *err)
{
	int rc;

	*remaining = 0;
	if ((rc = jobid_ok(jobid, jobid_len, err)) != 0)
		return rc;
	if ((rc = op_begin(st, err)) != 0)
		return rc;
	rc = remove_job_op(st, jobid, jobid_len, proxy_id, remaining, err);
	return op_end(st, rc, err);
}

int
store_delete_proxy(struct store *st, int64_t id, struct pr_error *err)
{
	int rc;

	if ((rc = op_begin(st, err)) != 0)
		return rc;
	if ((rc = store_memo_proxy_deleting(st, id, err)) == 0 &&
	    (rc = bind_int(st, S_DEL_PROXY_JOBS, 1, id, err)) == 0 &&
	    (rc = store_db_run(st, S_DEL_PROXY_JOBS, err)) == 0 &&
	    (rc = bind_int(st, S_DEL_PROXY, 1, id, err)) == 0)
		rc = store_db_run(st, S_DEL_PROXY, err);
	return op_end(st, rc, err);
}

int
store_next_due(struct store *st, int64_t *id, int64_t *when,
    struct pr_error *err)
{
	sqlite3_stmt *s = st->stmt[S_NEXT_DUE];
	int rc;

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		*when = sqlite3_column_int64(s, 1);
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = pr_error_set(err, PR_ERR_NOT_REGISTERED,
		    "store: nothing scheduled");
	else
		rc = store_db_fail(st, rc, "next due", err);
	done(st, S_NEXT_DUE);
	return rc;
}

int
store_foreach_proxy(struct store *st,
    int (*fn)(const struct store_proxy *p, void *arg), void *arg,
    struct pr_error *err)
{
	sqlite3_stmt *s = st->stmt[S_ALL_PROXIES];
	struct store_proxy p;
	int rc, stop = 0;

	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((rc = row_to_proxy(st, s, &p, err)) != 0) {
			done(st, S_ALL_PROXIES);
			return rc;
		}
		stop = fn(&p, arg);
		store_proxy_free(&p);
	}
	done(st, S_ALL_PROXIES);
	if (!stop && rc != SQLITE_DONE)
		return store_db_fail(st, rc, "list proxies", err);
	return 0;
}

static int
count(struct store *st, enum stmt_id id, int64_t *n, struct pr_error *err)
{
	int rc;

	rc = sqlite3_step(st->stmt[id]);
	if (rc == SQLITE_ROW) {
		*n = sqlite3_column_int64(st->stmt[id], 0);
		rc = 0;
	} else
		rc = store_db_fail(st, rc, stmt_sql[id], err);
	done(st, id);
	return rc;
}

int
store_count(struct store *st, int64_t *n_proxies, int64_t *n_jobs,
    struct pr_error *err)
{
	int rc;

	if ((rc = count(st, S_COUNT_PROXIES, n_proxies, err)) != 0)
		return rc;
	return count(st, S_COUNT_JOBS, n_jobs, err);
}
