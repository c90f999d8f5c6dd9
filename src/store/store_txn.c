/*
 * store_txn.c: transactions of the store and the group commit's batch
 * (see store.h, rules for batches); the statements are store.c's.
 *
 * A transaction begins only on the repository.db we opened (db_ident): a
 * change committed into a removed or replaced file would be lost, so it is
 * refused, and a failed commit says so when that is the cause.
 * Lower layer: fills struct pr_error, never logs.
 */

#include <errno.h>

#include <sqlite3.h>

#include "db_ident.h"
#include "store.h"
#include "store_db.h"

int
store_begin(struct store *st, struct pr_error *err)
{
	int rc;

	if (st->in_batch && st->flush != NULL)
		st->flush(st->flush_arg);	/* rule (4): no nesting */
	if (st->in_batch)
		return pr_error_set(err, EBUSY, "store: a batch is still open");
	/* a change into a removed or replaced file would be lost */
	if ((rc = db_ident_check(&st->ident, err)) != 0)
		return rc;
	return store_db_run(st, S_BEGIN, err);
}

/* ==== group commit ==== */

void
store_set_flush(struct store *st, void (*fn)(void *), void *arg)
{
	st->flush = fn;
	st->flush_arg = arg;
}

int
store_in_batch(const struct store *st)
{
	return st->in_batch;
}

int
store_batch_join(struct store *st, struct pr_error *err)
{
	int rc;

	if (!st->in_batch) {
		if ((rc = store_begin(st, err)) != 0)
			return rc;
		st->in_batch = 1;
	}
	return store_db_run(st, S_BATCH_SAVEPOINT, err);
}

void
store_batch_keep(struct store *st)
{
	/* RELEASE of an open savepoint inside a transaction cannot fail
	 * short of a broken connection, which the commit then reports. */
	(void)store_db_run(st, S_BATCH_RELEASE, NULL);
}

void
store_batch_drop(struct store *st)
{
	(void)store_db_run(st, S_BATCH_ROLLBACK_TO, NULL);	/* as above */
	(void)store_db_run(st, S_BATCH_RELEASE, NULL);
}

void
store_batch_rollback(struct store *st)
{
	st->in_batch = 0;
	store_rollback(st);
}

int
store_batch_commit(struct store *st, struct pr_error *err)
{
	if (!st->in_batch)
		return 0;
	st->in_batch = 0;
	return store_commit(st, err);
}

int
store_commit(struct store *st, struct pr_error *err)
{
	int rc, stale;

	if ((rc = store_db_run(st, S_COMMIT, err)) != 0) {
		store_rollback(st);
		/* say so when the failure is a removed or replaced file */
		if ((stale = db_ident_check(&st->ident, err)) != 0)
			rc = stale;
	}
	return rc;
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		(void)store_db_run(st, S_ROLLBACK, NULL);
	else	/* SQLite rolled back by itself (e.g. disk full) */
		store_memo_txn(st, S_ROLLBACK, 1);
}
