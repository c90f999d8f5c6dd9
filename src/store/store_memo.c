/*
 * store_memo.c: GET from memory (issue 10). The job index (job_index.h)
 * and the proxy memo (proxy_memo.h) hold committed rows of the job and
 * proxy tables; this file keeps them so, from the store's side:
 *
 *  - transactions: store_db_run reports every BEGIN, COMMIT, SAVEPOINT,
 *    RELEASE and ROLLBACK (TO) here; additions of jobs apply when their
 *    commit returned (job_index.h rule 1);
 *  - job rows: store.c reports each job added and removed, and the jobs
 *    of a proxy before it deletes them;
 *  - proxy rows: SQLite's update hook reports every row inserted, changed
 *    or deleted (the renewal intents, RENEW_ALL, ...), and its record is
 *    forgotten at once. A proxy deleted other than by store_delete_proxy
 *    would leave its jobs in the index: the index then switches off.
 *  - the start-up load: store_memo_load reads both tables a chunk at a
 *    time between transactions, so the daemon answers from the first
 *    moment (from SQLite until the index holds a job).
 *
 * Whatever is not in memory is read from SQLite, and a row read outside
 * any transaction (so committed) is remembered.
 * Lower layer: fills struct pr_error, never logs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "job_index.h"
#include "pr_limits.h"
#include "proxy_memo.h"
#include "store.h"
#include "store_db.h"

#define LOAD_PROXIES	1024	/* rows per load step: a few ms, so a GET */
#define LOAD_JOBS	2048	/* waits no longer behind one */

enum { M_PROXIES, M_JOBS, M_ID_JOBS, M_COUNT };

static const char *const memo_sql[M_COUNT] = {
	[M_PROXIES] = "SELECT id, file, servers, obtained, not_after,"
	    " next_renewal, n_jobs FROM proxy WHERE id > ?1 ORDER BY id"
	    " LIMIT ?2",
	[M_JOBS] = "SELECT job_id, proxy_id FROM job"
	    " WHERE job_id > ?1 ORDER BY job_id"
	    " LIMIT ?2",
	[M_ID_JOBS] = "SELECT job_id FROM job WHERE proxy_id = ?1",
};

_Static_assert(STORE_MEMO_SLOT0 + M_COUNT <= STORE_INTENT_SLOTS,
    "store_db.h: too few slots");

enum load_phase { LOAD_PROXY_ROWS, LOAD_JOB_ROWS, LOAD_DONE };

struct store_memo {
	struct job_index *jobs;		/* NULL once switched off */
	struct proxy_memo *proxies;
	int64_t deleting;		/* proxy store_delete_proxy deletes */
	enum load_phase phase;
	int64_t proxy_cursor;		/* last id loaded */
	int64_t jobs_expected;		/* sum of n_jobs: the index's size */
	int job_cursor_len;		/* last job id loaded: */
	unsigned char job_cursor[PR_JOBID_MAX_BYTES];
};

static void
jobs_off(struct store_memo *m)
{
	job_index_free(m->jobs);
	m->jobs = NULL;
}

/* SQLite's update hook: a proxy row inserted, changed or deleted. */
static void
row_changed(void *arg, int op, const char *db, const char *table,
    sqlite3_int64 rowid)
{
	struct store_memo *m = arg;

	(void)db;
	if (strcmp(table, "proxy") != 0)
		return;
	proxy_memo_forget(m->proxies, rowid);
	if (op == SQLITE_DELETE && rowid != m->deleting)
		jobs_off(m);	/* its jobs may still name it */
	else if (op == SQLITE_DELETE)
		m->deleting = 0;
}

int
store_memo_enable(struct store *st)
{
	struct store_memo *m;

	if (st->memo != NULL)
		return 0;
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->jobs = job_index_new()) == NULL ||
	    (m->proxies = proxy_memo_new()) == NULL) {
		if (m != NULL)
			job_index_free(m->jobs);
		free(m);
		return -1;
	}
	st->memo = m;
	(void)sqlite3_update_hook(st->db, row_changed, m);
	return 0;
}

void
store_memo_free(struct store *st)
{
	struct store_memo *m = st->memo;

	if (m == NULL)
		return;
	(void)sqlite3_update_hook(st->db, NULL, NULL);
	job_index_free(m->jobs);
	proxy_memo_free(m->proxies);
	free(m);
	st->memo = NULL;
}

/* ==== reports from store.c and store_txn.c ==== */

void
store_memo_txn(struct store *st, int id, int ok)
{
	struct job_index *ix = st->memo != NULL ? st->memo->jobs : NULL;

	if (ix == NULL)
		return;
	if (!ok) {	/* the transaction's state is unclear: drop, safely */
		job_index_abort(ix);
		return;
	}
	switch (id) {
	case S_BEGIN:
	case S_ROLLBACK:
		job_index_abort(ix);
		break;
	case S_COMMIT:
		job_index_commit(ix);
		break;
	case S_SAVEPOINT:
	case S_BATCH_SAVEPOINT:
		job_index_savepoint(ix);
		break;
	case S_RELEASE:
	case S_BATCH_RELEASE:
		job_index_release(ix);
		/* the outermost RELEASE outside BEGIN is a commit */
		if (sqlite3_get_autocommit(st->db))
			job_index_commit(ix);
		break;
	case S_ROLLBACK_TO:
	case S_BATCH_ROLLBACK_TO:
		job_index_rollback_to(ix);
		break;
	}
}

void
store_memo_job(struct store *st, const char *jobid, size_t len,
    int64_t added_to)
{
	struct job_index *ix = st->memo != NULL ? st->memo->jobs : NULL;
	struct job_key k;

	if (ix == NULL)
		return;
	if (job_index_key(ix, jobid, len, &k) != 0) {
		jobs_off(st->memo);	/* cannot follow the change */
		return;
	}
	if (added_to == 0)
		job_index_remove(ix, &k);
	else if (sqlite3_get_autocommit(st->db))
		job_index_put(ix, &k, added_to);
	else
		job_index_pend(ix, &k, added_to);
}

int
store_memo_proxy_deleting(struct store *st, int64_t id, struct pr_error *err)
{
	struct store_memo *m = st->memo;
	sqlite3_stmt *s;
	int rc;

	if (m == NULL)
		return 0;
	m->deleting = id;
	if (m->jobs == NULL)
		return 0;
	if ((s = store_db_intent(st, STORE_MEMO_SLOT0 + M_ID_JOBS,
	    memo_sql[M_ID_JOBS], err)) == NULL)
		return err->code;
	(void)sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		store_memo_job(st, (const char *)sqlite3_column_blob(s, 0),
		    (size_t)sqlite3_column_bytes(s, 0), 0);
	(void)sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, rc, memo_sql[M_ID_JOBS], err);
	return 0;
}

/* ==== the start-up load ==== */

/* One chunk of proxy rows; at the end, room for their jobs. */
static int
load_proxies(struct store *st, sqlite3_stmt *s)
{
	struct store_memo *m = st->memo;
	int rc, n = 0;

	(void)sqlite3_bind_int64(s, 1, m->proxy_cursor);
	(void)sqlite3_bind_int(s, 2, LOAD_PROXIES);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		m->proxy_cursor = sqlite3_column_int64(s, 0);
		proxy_memo_put(m->proxies, m->proxy_cursor,
		    (const char *)sqlite3_column_text(s, 1),
		    (const char *)sqlite3_column_text(s, 2),
		    sqlite3_column_int64(s, 3), sqlite3_column_int64(s, 4),
		    sqlite3_column_int64(s, 5));
		m->jobs_expected += sqlite3_column_int64(s, 6);
		n++;
	}
	if (rc == SQLITE_DONE && n < LOAD_PROXIES) {
		m->phase = LOAD_JOB_ROWS;
		proxy_memo_fit(m->proxies);
		if (m->jobs != NULL && m->jobs_expected > 0)
			job_index_reserve(m->jobs, (size_t)m->jobs_expected);
	}
	return rc;
}

/* One chunk of job rows, in key order from the last one loaded. */
static int
load_jobs(struct store *st, sqlite3_stmt *s)
{
	struct store_memo *m = st->memo;
	const void *id;
	int rc, len, n = 0;

	/* a zero-length blob (not NULL) sorts before every job id */
	(void)sqlite3_bind_blob(s, 1, m->job_cursor, m->job_cursor_len,
	    SQLITE_TRANSIENT);
	(void)sqlite3_bind_int(s, 2, LOAD_JOBS);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && m->jobs != NULL) {
		id = sqlite3_column_blob(s, 0);
		len = sqlite3_column_bytes(s, 0);
		if (len <= 0 || len > (int)sizeof(m->job_cursor))
			return SQLITE_CORRUPT;	/* store.c never writes one */
		memcpy(m->job_cursor, id, (size_t)len);
		m->job_cursor_len = len;
		store_memo_job(st, id, (size_t)len, sqlite3_column_int64(s, 1));
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	if (n < LOAD_JOBS || m->jobs == NULL)
		m->phase = LOAD_DONE;
	return SQLITE_DONE;
}

int
store_memo_load(struct store *st, struct pr_error *err)
{
	struct store_memo *m = st->memo;
	sqlite3_stmt *s;
	int rc, slot;

	if (m == NULL || m->phase == LOAD_DONE)
		return 0;
	if (!sqlite3_get_autocommit(st->db))
		return 1;	/* committed rows only: after this transaction */
	slot = m->phase == LOAD_PROXY_ROWS ? M_PROXIES : M_JOBS;
	if ((s = store_db_intent(st, STORE_MEMO_SLOT0 + slot, memo_sql[slot],
	    err)) == NULL)
		return -1;
	rc = slot == M_PROXIES ? load_proxies(st, s) : load_jobs(st, s);
	(void)sqlite3_reset(s);
	(void)sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		m->phase = LOAD_DONE;
		(void)store_db_fail(st, rc, memo_sql[slot], err);
		return -1;
	}
	return m->phase != LOAD_DONE;
}

void
store_memo_stats(const struct store *st, struct store_memo_stats *ms)
{
	const struct store_memo *m = st->memo;

	memset(ms, 0, sizeof(*ms));
	if (m == NULL)
		return;
	ms->enabled = 1;
	ms->loaded = m->phase == LOAD_DONE;
	ms->jobs = m->jobs != NULL ? job_index_count(m->jobs) : -1;
	ms->proxies = (int64_t)proxy_memo_count(m->proxies);
	ms->bytes = proxy_memo_bytes(m->proxies) +
	    (m->jobs != NULL ? job_index_bytes(m->jobs) : 0);
}

/* ==== GET ==== */

static int
answer_from(const struct proxy_memo_rec *r, int64_t id, struct store_proxy *p,
    struct pr_error *err)
{
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->obtained = r->obtained;
	p->not_after = r->not_after;
	p->next_renewal = r->next_renewal;
	if ((p->file = strdup(r->file)) == NULL ||
	    (p->servers = strdup(r->servers)) == NULL) {
		store_proxy_free(p);
		return pr_error_set(err, ENOMEM, "store: out of memory");
	}
	return 0;
}

#ifdef PR_STORE_MEMO_VERIFY
/* Test builds: every answer from memory must be SQLite's. */
static void
verify(struct store *st, const char *jobid, size_t len,
    const struct store_proxy *got)
{
	struct store_proxy p;
	struct pr_error err;
	int64_t id;

	if (store_find_job(st, jobid, len, &id, &err) != 0 ||
	    store_get_proxy(st, id, &p, &err) != 0) {
		fprintf(stderr, "store_memo: %.*s answered from memory, but "
		    "SQLite says: %s\n", (int)len, jobid, err.msg);
		abort();
	}
	if (p.id != got->id || strcmp(p.file, got->file) != 0 ||
	    strcmp(p.servers, got->servers) != 0 ||
	    p.obtained != got->obtained || p.not_after != got->not_after ||
	    p.next_renewal != got->next_renewal) {
		fprintf(stderr, "store_memo: %.*s: memory says proxy %lld "
		    "(%s), SQLite %lld (%s)\n", (int)len, jobid,
		    (long long)got->id, got->file, (long long)p.id, p.file);
		abort();
	}
	store_proxy_free(&p);
}
#endif

int
store_get_job_proxy(struct store *st, const char *jobid, size_t len,
    struct store_proxy *p, struct pr_error *err)
{
	struct store_memo *m = st->memo;
	struct proxy_memo_rec r;
	struct job_key k;
	int64_t id = 0;
	int rc, keyed = 0, known = 0;

	memset(p, 0, sizeof(*p));
	if (m != NULL && m->jobs != NULL && len <= PR_JOBID_MAX_BYTES &&
	    job_index_key(m->jobs, jobid, len, &k) == 0) {
		keyed = 1;
		if ((id = job_index_find(m->jobs, &k)) > 0)
			known = proxy_memo_get(m->proxies, id, &r);
	}
	if (known) {
		if ((rc = answer_from(&r, id, p, err)) == 0) {
#ifdef PR_STORE_MEMO_VERIFY
			verify(st, jobid, len, p);
#endif
		}
		return rc;
	}
	if ((id == 0 && (rc = store_find_job(st, jobid, len, &id, err)) != 0) ||
	    (rc = store_get_proxy(st, id, p, err)) != 0)
		return rc;
	if (m != NULL && sqlite3_get_autocommit(st->db)) {	/* committed */
		if (keyed && m->jobs != NULL)
			job_index_put(m->jobs, &k, id);
		proxy_memo_put(m->proxies, id, p->file, p->servers,
		    p->obtained, p->not_after, p->next_renewal);
	}
	return 0;
}
