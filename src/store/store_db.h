/*
 * store_db.h: what store.c lends the other files of src/store: the handle
 * and its statements (private to the store: nothing outside src/store
 * includes it).
 */
#ifndef PR_STORE_DB_H
#define PR_STORE_DB_H

#include <sqlite3.h>

#include "db_ident.h"
#include "pr_error.h"

#define STORE_INTENT_SLOTS	23	/* 0..7 store_renewal.c's statements, */
#define STORE_WATCH_SLOT0	8	/* 8..15 store_credwatch.c's, */
#define STORE_HISTORY_SLOT0	16	/* 16..19 store_history.c's, */
#define STORE_MEMO_SLOT0	20	/* 20..22 store_memo.c's */

/*
 * The statements of store.c, prepared once by store_open (store_open.c).
 * Transaction statements come first and last: store_db_run reports
 * those to store_memo.c.
 */
enum stmt_id {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_SAVEPOINT, S_RELEASE, S_ROLLBACK_TO,
	S_FIND_JOB, S_GET_PROXY, S_GET_BY_FILE, S_FIND_SHAREABLE, S_NEXT_SUFFIX,
	S_INSERT_PROXY, S_ADD_JOB,
	S_INC_JOBS, S_DEL_JOB, S_DEC_JOBS, S_GET_N_JOBS, S_DEL_PROXY,
	S_DEL_PROXY_JOBS, S_NEXT_DUE, S_ALL_PROXIES, S_COUNT_PROXIES,
	S_COUNT_JOBS, S_BATCH_SAVEPOINT, S_BATCH_RELEASE, S_BATCH_ROLLBACK_TO,
	S_COUNT
};

struct store {
	sqlite3 *db;			/* open connection */
	struct db_ident ident;		/* the repository.db we opened */
	sqlite3_stmt *stmt[S_COUNT];	/* prepared once, see invariant (4) */
	int in_batch;			/* a group-commit transaction is open */
	void (*flush)(void *);		/* commits the open batch (store_begin) */
	void *flush_arg;
	sqlite3_stmt *intent[STORE_INTENT_SLOTS];	/* prepared on first use */
	int history_keep;		/* attempts kept per proxy, 0 = none */
	struct store_memo *memo;	/* GET from memory, or NULL */
};

/* Step statement id of store.c (no row expected) and reset it; 0 or err. */
int		 store_db_run(struct store *st, enum stmt_id id,
		    struct pr_error *err);

/* Prepare every statement of store.c (store_open); err names the failing SQL. */
int		 store_db_prepare_all(struct store *st, struct pr_error *err);

/* The statement for slot, prepared on first use and kept; NULL and err. */
sqlite3_stmt	*store_db_intent(struct store *st, int slot, const char *sql,
		    struct pr_error *err);

/*
 * Run the statement of slot (sql, prepared on first use) with values bound
 * from ?1 ('i' int64_t, 's' const char *); must_change: no row changed is
 * PR_ERR_NOT_REGISTERED. 0 or err.
 */
int		 store_db_step(struct store *st, int slot, const char *sql,
		    int must_change, struct pr_error *err, const char *types,
		    ...);

/* End a transaction of its own (store_begin): commit when rc is 0, else
 * (or when the commit fails) roll back. Returns rc or the commit's error. */
int		 store_db_tx_end(struct store *st, int rc, struct pr_error *err);

/* A copy of column col's text ("" for NULL); NULL when out of memory. */
char		*store_db_text(sqlite3_stmt *s, int col);

/* err from an SQLite result code (errno-style code, "store: what: text"). */
int		 store_db_fail(struct store *st, int rc, const char *what,
		    struct pr_error *err);

/*
 * What store_memo.c must hear of (it keeps the rows it holds in memory
 * equal to the committed ones): the outcome (ok) of each transaction
 * statement id; a job added to proxy added_to (0: removed); a proxy about
 * to be deleted with its jobs. No-ops while the memo is not enabled.
 */
void		 store_memo_txn(struct store *st, int id, int ok);
void		 store_memo_job(struct store *st, const char *jobid, size_t len,
		    int64_t added_to);
int		 store_memo_proxy_deleting(struct store *st, int64_t id,
		    struct pr_error *err);
void		 store_memo_free(struct store *st);

#endif /* PR_STORE_DB_H */
