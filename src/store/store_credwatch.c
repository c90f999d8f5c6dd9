/*
 * store_credwatch.c: the credential watch's rows (store.h, "The credential
 * watch"): table credwatch of schema version 2 (store_open.c), one row per
 * identity. Every statement is indexed: by identity_hash (the primary
 * key) or next_check (credwatch_due); the proxy of an identity through
 * proxy_share, whose first column is identity_hash.
 * Lower layer: fills struct pr_error, never logs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_db.h"

enum watch_stmt {
	W_WATCH, W_GET, W_NEXT, W_PROXY, W_RECORD, W_FAILED, W_WARNED,
	W_FORGET, W_COUNT
};

_Static_assert(STORE_WATCH_SLOT0 + W_COUNT <= STORE_INTENT_SLOTS,
    "store_db.h: too few slots");

#define COLS "identity_hash, identity, cred_end, server, renew_allowed," \
	" renewers, checked, next_check, warned, last_error"

static const char *const watch_sql[W_COUNT] = {
	[W_WATCH] = "INSERT INTO credwatch (identity_hash, identity,"
	    " next_check) VALUES (?1, ?2, ?3) ON CONFLICT (identity_hash)"
	    " DO UPDATE SET next_check = MIN(next_check, excluded.next_check)",
	[W_GET] = "SELECT " COLS " FROM credwatch WHERE identity_hash = ?1",
	[W_NEXT] = "SELECT " COLS " FROM credwatch ORDER BY next_check LIMIT 1",
	[W_PROXY] = "SELECT id FROM proxy WHERE identity_hash = ?1"
	    " AND next_renewal > 0 ORDER BY not_after DESC LIMIT 1",
	[W_RECORD] = "UPDATE credwatch SET cred_end = ?2, server = ?3,"
	    " renew_allowed = ?4, renewers = ?5, checked = ?6,"
	    " next_check = ?7, warned = ?8, last_error = ''"
	    " WHERE identity_hash = ?1",
	[W_FAILED] = "UPDATE credwatch SET last_error = ?2, next_check = ?3"
	    " WHERE identity_hash = ?1",
	[W_WARNED] = "UPDATE credwatch SET warned = ?2"
	    " WHERE identity_hash = ?1",
	[W_FORGET] = "DELETE FROM credwatch WHERE identity_hash = ?1",
};

#define watch_step(st, w, must_change, err, ...) \
	store_db_step((st), STORE_WATCH_SLOT0 + (w), watch_sql[(w)], \
	    (must_change), (err), __VA_ARGS__)

static int
row_to_cred(sqlite3_stmt *s, struct store_cred *c)
{
	memset(c, 0, sizeof(*c));
	c->identity_hash = store_db_text(s, 0);
	c->identity = store_db_text(s, 1);
	c->cred_end = sqlite3_column_int64(s, 2);
	c->server = store_db_text(s, 3);
	c->renew_allowed = sqlite3_column_int(s, 4);
	c->renewers = store_db_text(s, 5);
	c->checked = sqlite3_column_int64(s, 6);
	c->next_check = sqlite3_column_int64(s, 7);
	c->warned = (unsigned)sqlite3_column_int64(s, 8);
	c->last_error = store_db_text(s, 9);
	if (c->identity_hash == NULL || c->identity == NULL ||
	    c->server == NULL || c->renewers == NULL || c->last_error == NULL) {
		store_cred_free(c);
		return ENOMEM;
	}
	return 0;
}

/* One row of read w (?1 = key when not NULL): 0, or NOT_REGISTERED. */
static int
read_one(struct store *st, enum watch_stmt w, const char *key,
    struct store_cred *c, int64_t *id, struct pr_error *err)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK, ret = 0;

	if ((s = store_db_intent(st, STORE_WATCH_SLOT0 + w, watch_sql[w],
	    err)) == NULL)
		return err->code;
	if (key != NULL)
		rc = sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (id != NULL)
			*id = sqlite3_column_int64(s, 0);
		else if (row_to_cred(s, c) != 0)
			ret = pr_error_set(err, ENOMEM, "store: out of memory");
	} else if (rc == SQLITE_DONE) {
		ret = PR_ERR_NOT_REGISTERED;
	} else {
		ret = store_db_fail(st, rc, watch_sql[w], err);
	}
	(void)sqlite3_reset(s);
	(void)sqlite3_clear_bindings(s);
	return ret;
}

int
store_cred_watch(struct store *st, const char *identity_hash,
    const char *identity, int64_t when, struct pr_error *err)
{
	return watch_step(st, W_WATCH, 0, err, "ssi", identity_hash, identity,
	    when);
}

int
store_cred_get(struct store *st, const char *identity_hash,
    struct store_cred *c, struct pr_error *err)
{
	return read_one(st, W_GET, identity_hash, c, NULL, err);
}

int
store_cred_next(struct store *st, struct store_cred *c, struct pr_error *err)
{
	return read_one(st, W_NEXT, NULL, c, NULL, err);
}

int
store_cred_proxy(struct store *st, const char *identity_hash,
    int64_t *proxy_id, struct pr_error *err)
{
	return read_one(st, W_PROXY, identity_hash, NULL, proxy_id, err);
}

/* The statements below are transactions of their own (store_begin flushes
 * an open batch first). */
int
store_cred_record(struct store *st, const struct store_cred *c, int64_t when,
    struct pr_error *err)
{
	int rc;

	if ((rc = store_begin(st, err)) != 0)
		return rc;
	return store_db_tx_end(st, watch_step(st, W_RECORD, 1, err, "sisisiii",
	    c->identity_hash, c->cred_end, c->server,
	    (int64_t)c->renew_allowed, c->renewers, when, c->next_check,
	    (int64_t)c->warned), err);
}

int
store_cred_failed(struct store *st, const char *identity_hash,
    const char *why, int64_t next, struct pr_error *err)
{
	int rc;

	if ((rc = store_begin(st, err)) != 0)
		return rc;
	return store_db_tx_end(st, watch_step(st, W_FAILED, 1, err, "ssi",
	    identity_hash, why, next), err);
}

int
store_cred_warned(struct store *st, const char *identity_hash,
    unsigned warned, struct pr_error *err)
{
	int rc;

	if ((rc = store_begin(st, err)) != 0)
		return rc;
	return store_db_tx_end(st, watch_step(st, W_WARNED, 1, err, "si",
	    identity_hash, (int64_t)warned), err);
}

int
store_cred_forget(struct store *st, const char *identity_hash,
    struct pr_error *err)
{
	int rc;

	if ((rc = store_begin(st, err)) != 0)
		return rc;
	return store_db_tx_end(st, watch_step(st, W_FORGET, 0, err, "s",
	    identity_hash), err);
}

void
store_cred_free(struct store_cred *c)
{
	free(c->identity_hash);
	free(c->identity);
	free(c->server);
	free(c->renewers);
	free(c->last_error);
	memset(c, 0, sizeof(*c));
}
