/*
 * store_db.h: what store.c lends the other files of src/store (private to
 * the store: nothing outside src/store includes it).
 */
#ifndef PR_STORE_DB_H
#define PR_STORE_DB_H

#include <sqlite3.h>

#include "pr_error.h"

struct store;

#define STORE_INTENT_SLOTS	8	/* statements of store_renewal.c */

/* The statement for slot, prepared on first use and kept; NULL and err. */
sqlite3_stmt	*store_db_intent(struct store *st, int slot, const char *sql,
		    struct pr_error *err);

/* err from an SQLite result code (errno-style code, "store: what: text"). */
int		 store_db_fail(struct store *st, int rc, const char *what,
		    struct pr_error *err);

#endif /* PR_STORE_DB_H */
