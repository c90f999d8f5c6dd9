/*
 * store_renewal.c: the renewal's transactions, named after what happened
 * (see store.h, "Renewal intents"). Each is one UPDATE statement. Lease,
 * failed attempt, expire and all-due are transactions of their own
 * (store_begin, so an open group-commit batch is flushed first); a
 * success and a replacement run inside the caller's transaction, which
 * also holds the file rename.
 *
 * Rules:
 *  (1) These statements are the only writers of next_renewal, not_after,
 *      obtained and the attempt columns after a row was inserted: which
 *      columns change together is decided here, nowhere else.
 *  (2) A result is recorded only on the record it was started for: same
 *      id, file, identity and servers, still scheduled (next_renewal > 0,
 *      i.e. not expired). A success must also outlive the record's current
 *      not_after. Otherwise PR_ERR_NOT_REGISTERED and nothing changes.
 *  (3) A lease never postpones the expiry: next_renewal <= not_after.
 *  (4) A success or failed attempt and its audit trail row (store_history.c)
 *      are one change: both or neither.
 * Lower layer: fills struct pr_error, never logs.
 */
#include <errno.h>
#include <stdarg.h>

#include <sqlite3.h>

#include "store.h"
#include "store_db.h"

enum intent {
	I_LEASE, I_SUCCESS, I_FAILURE, I_EXPIRE, I_REPLACED, I_ALL_DUE,
	I_NEXT_EXPIRY, I_NEXT_AFTER,	/* reads for the scheduler */
	I_COUNT
};

/* ?1..?4 name the record a renewal was started for (rule 2). */
#define SAME_RECORD "id = ?1 AND file = ?2 AND identity = ?3 AND servers = ?4" \
	" AND next_renewal > 0"

static const char *const intent_sql[I_COUNT] = {
	[I_LEASE] = "UPDATE proxy SET next_renewal = MIN(?2, not_after)"
	    " WHERE id = ?1 AND next_renewal > 0",
	[I_SUCCESS] = "UPDATE proxy SET not_after = ?5, obtained = ?6,"
	    " next_renewal = ?7, last_attempt = ?6, last_result = 0,"
	    " last_error = '', failures = 0, last_success = ?6"
	    " WHERE " SAME_RECORD " AND not_after < ?5",
	[I_FAILURE] = "UPDATE proxy SET last_attempt = ?5, last_result = ?6,"
	    " last_error = ?7, next_renewal = ?8, failures = failures + 1"
	    " WHERE " SAME_RECORD,
	[I_EXPIRE] = "UPDATE proxy SET not_after = MIN(not_after, ?2),"
	    " next_renewal = 0, last_attempt = ?2, last_result = ?3,"
	    " last_error = ?4, failures = failures + 1 WHERE id = ?1",
	[I_REPLACED] = "UPDATE proxy SET not_after = ?2, obtained = ?3,"
	    " next_renewal = ?4 WHERE id = ?1",
	[I_ALL_DUE] = "UPDATE proxy SET next_renewal = ?1 WHERE not_after > ?1",
	[I_NEXT_EXPIRY] = "SELECT id, not_after FROM proxy"
	    " WHERE next_renewal > 0 AND next_renewal <= ?1"
	    " ORDER BY not_after LIMIT 1",
	[I_NEXT_AFTER] = "SELECT next_renewal, 0 FROM proxy"
	    " WHERE next_renewal > ?1 ORDER BY next_renewal LIMIT 1",
};

_Static_assert(I_COUNT <= STORE_WATCH_SLOT0, "store_db.h: too few slots");

/*
 * Run the statement of slot (sql) with values bound in order from ?1
 * ('i' int64_t, 's' const char *). must_change: PR_ERR_NOT_REGISTERED when
 * no row matched. Shared with store_credwatch.c (store_db.h).
 */
int
store_db_step(struct store *st, int slot, const char *sql, int must_change,
    struct pr_error *err, const char *types, ...)
{
	sqlite3_stmt *s;
	va_list ap;
	const char *v;
	int col, rc = SQLITE_OK;

	if ((s = store_db_intent(st, slot, sql, err)) == NULL)
		return err->code;
	va_start(ap, types);
	for (col = 1; types[col - 1] != '\0' && rc == SQLITE_OK; col++) {
		if (types[col - 1] == 'i') {
			rc = sqlite3_bind_int64(s, col, va_arg(ap, int64_t));
		} else {
			v = va_arg(ap, const char *);
			rc = sqlite3_bind_text(s, col, v != NULL ? v : "", -1,
			    SQLITE_STATIC);
		}
	}
	va_end(ap);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_DONE)
		rc = SQLITE_OK;
	(void)sqlite3_reset(s);
	(void)sqlite3_clear_bindings(s);
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, sql, err);
	if (must_change && sqlite3_changes(sqlite3_db_handle(s)) == 0)
		return pr_error_set(err, PR_ERR_NOT_REGISTERED, "store: the "
		    "record is gone or changed");
	return 0;
}

#define run_intent(st, i, must_change, err, ...) \
	store_db_step((st), (i), intent_sql[(i)], (must_change), (err), \
	    __VA_ARGS__)

int
store_db_tx_end(struct store *st, int rc, struct pr_error *err)
{
	if (rc == 0)
		rc = store_commit(st, err);
	if (rc != 0)
		store_rollback(st);
	return rc;
}

int
store_lease_for_renewal(struct store *st, int64_t id, int64_t until,
    struct pr_error *err)
{
	int rc;

	if ((rc = store_begin(st, err)) != 0)
		return rc;
	return store_db_tx_end(st, run_intent(st, I_LEASE, 1, err, "ii", id,
	    until), err);
}

int
store_record_renewal_success(struct store *st, const struct store_proxy *p,
    int64_t not_after, int64_t when, int64_t next,
    const struct store_attempt *a, struct pr_error *err)
{
	int rc;

	rc = run_intent(st, I_SUCCESS, 1, err, "isssiii", p->id, p->file,
	    p->identity, p->servers, not_after, when, next);
	if (rc == 0 && a != NULL)	/* rule (4): the caller's transaction */
		rc = store_history_add(st, p->id, a, err);
	return rc;
}

int
store_record_failed_attempt(struct store *st, const struct store_proxy *p,
    int64_t when, int code, const char *msg, int64_t next,
    const struct store_attempt *a, struct pr_error *err)
{
	int rc;

	if ((rc = store_begin(st, err)) != 0)
		return rc;
	rc = run_intent(st, I_FAILURE, 1, err, "isssiisi", p->id, p->file,
	    p->identity, p->servers, when, (int64_t)code, msg, next);
	if (rc == 0 && a != NULL)	/* rule (4) */
		rc = store_history_add(st, p->id, a, err);
	return store_db_tx_end(st, rc, err);
}

int
store_expire(struct store *st, int64_t id, int64_t when, int code,
    const char *why, struct pr_error *err)
{
	int rc;

	if ((rc = store_begin(st, err)) != 0)
		return rc;
	return store_db_tx_end(st, run_intent(st, I_EXPIRE, 1, err, "iiis", id,
	    when, (int64_t)code, why), err);
}

int
store_record_replacement(struct store *st, int64_t id, int64_t not_after,
    int64_t obtained, int64_t next, struct pr_error *err)
{
	return run_intent(st, I_REPLACED, 1, err, "iiii", id, not_after,
	    obtained, next);
}

int
store_make_all_due(struct store *st, int64_t now, int64_t *n,
    struct pr_error *err)
{
	sqlite3_stmt *s;
	int rc;

	*n = 0;
	if ((rc = store_begin(st, err)) != 0)
		return rc;
	if ((rc = run_intent(st, I_ALL_DUE, 0, err, "i", now)) == 0 &&
	    (s = store_db_intent(st, I_ALL_DUE, intent_sql[I_ALL_DUE],
	    err)) != NULL)
		*n = sqlite3_changes(sqlite3_db_handle(s));
	return store_db_tx_end(st, rc, err);
}

/* One row of two integers from read i with ?1 = now. */
static int
read_pair(struct store *st, enum intent i, int64_t now, int64_t *a,
    int64_t *b, struct pr_error *err)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = store_db_intent(st, i, intent_sql[i], err)) == NULL)
		return err->code;
	rc = sqlite3_bind_int64(s, 1, now);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*a = sqlite3_column_int64(s, 0);
		*b = sqlite3_column_int64(s, 1);
	}
	(void)sqlite3_reset(s);
	(void)sqlite3_clear_bindings(s);
	if (rc == SQLITE_DONE)
		return PR_ERR_NOT_REGISTERED;
	if (rc != SQLITE_ROW)
		return store_db_fail(st, rc, intent_sql[i], err);
	return 0;
}

int
store_next_expiry_due(struct store *st, int64_t now, int64_t *id,
    int64_t *not_after, struct pr_error *err)
{
	return read_pair(st, I_NEXT_EXPIRY, now, id, not_after, err);
}

int
store_next_due_after(struct store *st, int64_t now, int64_t *when,
    struct pr_error *err)
{
	int64_t unused;

	return read_pair(st, I_NEXT_AFTER, now, when, &unused, err);
}
