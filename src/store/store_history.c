/*
 * store_history.c: the renewal audit trail, table attempt (store.h, "Audit
 * trail"): the last N attempts of each proxy, written by the renewal
 * intents (store_renewal.c) in their own transaction, read by HISTORY.
 *
 * Rules:
 *  (1) An attempt is added only inside the transaction that records it on
 *      its proxy row, and the proxy's rows are pruned to N in that same
 *      transaction: a committed attempt is never beside more than N-1
 *      others of its proxy, nor missing while its row says it happened.
 *  (2) Rows belong to their proxy row: ON DELETE CASCADE removes them with
 *      it; start-up removes any whose proxy is gone (a database written
 *      without foreign keys).
 *  (3) Every read and write is indexed by (proxy_id, id): O(log n + N).
 * Lower layer: fills struct pr_error, never logs.
 */
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_db.h"

enum hist_stmt { H_INSERT, H_PRUNE, H_READ, H_ORPHANS, H_COUNT };

static const char *const hist_sql[H_COUNT] = {
	[H_INSERT] = "INSERT INTO attempt (proxy_id, at, duration_ms, result,"
	    " class, servers, not_after, ac_not_after, message)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	/* everything but the newest ?2 of proxy ?1 (?2 = 0: all of them) */
	[H_PRUNE] = "DELETE FROM attempt WHERE proxy_id = ?1 AND id <="
	    " (SELECT id FROM attempt WHERE proxy_id = ?1"
	    " ORDER BY id DESC LIMIT 1 OFFSET ?2)",
	[H_READ] = "SELECT at, duration_ms, result, class, servers, not_after,"
	    " ac_not_after, message FROM attempt WHERE proxy_id = ?1"
	    " ORDER BY id DESC",
	[H_ORPHANS] = ("DELETE FROM attempt WHERE proxy_id NOT IN"
	    " (SELECT id FROM proxy)"),	/* () for clang's -Wstring-concatenation */
};

_Static_assert(STORE_HISTORY_SLOT0 + H_COUNT <= STORE_INTENT_SLOTS,
    "store_db.h: too few slots");

#define hist_stmt(st, h, err) \
	store_db_intent((st), STORE_HISTORY_SLOT0 + (h), hist_sql[(h)], (err))
#define hist_step(st, h, err, ...) \
	store_db_step((st), STORE_HISTORY_SLOT0 + (h), hist_sql[(h)], 0, \
	    (err), __VA_ARGS__)

void
store_set_history_keep(struct store *st, int n)
{
	st->history_keep = n < 0 ? 0 : n > STORE_HISTORY_MAX ?
	    STORE_HISTORY_MAX : n;
}

int
store_history_keep(const struct store *st)
{
	return st->history_keep;
}

/* v, at most max bytes of it, cut before a UTF-8 continuation byte. */
static int
bind_text(sqlite3_stmt *s, int col, const char *v, size_t max)
{
	size_t len;

	if (v == NULL)
		v = "";
	if ((len = strlen(v)) > max) {
		len = max;
		while (len > 0 && ((unsigned char)v[len] & 0xc0) == 0x80)
			len--;
	}
	/* static: v outlives the step */
	return sqlite3_bind_text(s, col, v, (int)len, SQLITE_STATIC);
}

/* Rule (1): the caller's transaction holds both statements. */
int
store_history_add(struct store *st, int64_t proxy_id,
    const struct store_attempt *a, struct pr_error *err)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK;

	if (st->history_keep > 0) {
		if ((s = hist_stmt(st, H_INSERT, err)) == NULL)
			return err->code;
		if ((rc = sqlite3_bind_int64(s, 1, proxy_id)) == SQLITE_OK &&
		    (rc = sqlite3_bind_int64(s, 2, a->at)) == SQLITE_OK &&
		    (rc = sqlite3_bind_int64(s, 3, a->duration_ms)) ==
		    SQLITE_OK &&
		    (rc = sqlite3_bind_int(s, 4, a->result)) == SQLITE_OK &&
		    (rc = bind_text(s, 5, a->cls, STORE_HISTORY_MSG_MAX_BYTES)) ==
		    SQLITE_OK &&
		    (rc = bind_text(s, 6, a->servers,
		    STORE_HISTORY_SERVERS_MAX_BYTES)) == SQLITE_OK &&
		    (rc = sqlite3_bind_int64(s, 7, a->not_after)) == SQLITE_OK &&
		    (rc = sqlite3_bind_int64(s, 8, a->ac_not_after)) == SQLITE_OK)
			rc = bind_text(s, 9, a->message,
			    STORE_HISTORY_MSG_MAX_BYTES);
		if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_DONE)
			rc = SQLITE_OK;
		(void)sqlite3_reset(s);
		(void)sqlite3_clear_bindings(s);
		if (rc != SQLITE_OK)
			return store_db_fail(st, rc, hist_sql[H_INSERT], err);
	}
	return hist_step(st, H_PRUNE, err, "ii", proxy_id,
	    (int64_t)st->history_keep);
}

static const char *
col_str(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t != NULL ? (const char *)t : "";
}

int
store_history_foreach(struct store *st, int64_t proxy_id,
    int (*fn)(const struct store_attempt *a, void *arg), void *arg,
    struct pr_error *err)
{
	struct store_attempt a;
	sqlite3_stmt *s;
	int rc, stop = 0;

	if ((s = hist_stmt(st, H_READ, err)) == NULL)
		return err->code;
	rc = sqlite3_bind_int64(s, 1, proxy_id);
	while (rc == SQLITE_OK && !stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&a, 0, sizeof(a));
		a.at = sqlite3_column_int64(s, 0);
		a.duration_ms = sqlite3_column_int64(s, 1);
		a.result = sqlite3_column_int(s, 2);
		a.cls = col_str(s, 3);
		a.servers = col_str(s, 4);
		a.not_after = sqlite3_column_int64(s, 5);
		a.ac_not_after = sqlite3_column_int64(s, 6);
		a.message = col_str(s, 7);
		stop = fn(&a, arg);
		rc = SQLITE_OK;
	}
	(void)sqlite3_reset(s);
	(void)sqlite3_clear_bindings(s);
	if (!stop && rc != SQLITE_DONE && rc != SQLITE_OK)
		return store_db_fail(st, rc, "read attempts", err);
	return 0;
}

int
store_history_drop_orphans(struct store *st, int64_t *n,
    struct pr_error *err)
{
	int rc;

	*n = 0;
	if ((rc = store_begin(st, err)) != 0)
		return rc;
	if ((rc = hist_step(st, H_ORPHANS, err, "")) == 0)
		*n = sqlite3_changes(st->db);
	return store_db_tx_end(st, rc, err);
}
