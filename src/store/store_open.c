/*
 * store_open.c: opening repository.db (file checks, pragmas, schema) and
 * closing it; the queries are in store.c, the renewal intents in
 * store_renewal.c.
 *
 * Invariant (3) of store.c: repository.db is created by us with
 * O_EXCL|O_NOFOLLOW and mode 0600 before SQLite opens it; SQLite gives
 * -wal/-shm the same mode. An existing file must be a regular file of our
 * euid, no group/other bits.
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

#define STORE_DB_NAME		PR_DB_NAME
#define STORE_SCHEMA_VERSION	3
#define STORE_BUSY_MS		5000	/* wait for another writer */
#define STORE_PATH_MAX_BYTES	PR_PATH_MAX_BYTES

/*
 * The schema is built by steps keyed on PRAGMA user_version: step i takes a
 * database at version i to version i + 1, in a transaction of its own, so
 * an existing repository.db of any older version opens and is upgraded.
 */
static const char schema_v1[] =
	"CREATE TABLE proxy ("
	" id INTEGER PRIMARY KEY,"
	" identity TEXT NOT NULL,"
	" identity_hash TEXT NOT NULL,"
	" file TEXT NOT NULL UNIQUE,"
	" suffix INTEGER NOT NULL,"	/* n of "<hash>.<n>", -1 otherwise */
	" servers TEXT NOT NULL,"
	" fqans TEXT NOT NULL,"
	" is_unique INTEGER NOT NULL,"
	" not_after INTEGER NOT NULL,"
	" obtained INTEGER NOT NULL,"
	" next_renewal INTEGER NOT NULL,"
	" last_attempt INTEGER NOT NULL,"
	" last_result INTEGER NOT NULL,"
	" last_error TEXT NOT NULL,"
	" failures INTEGER NOT NULL,"
	" n_jobs INTEGER NOT NULL CHECK (n_jobs >= 0));"
	"CREATE INDEX proxy_share ON proxy"
	" (identity_hash, servers, fqans, is_unique, not_after);"
	"CREATE INDEX proxy_suffix ON proxy (identity_hash, suffix);"
	"CREATE INDEX proxy_due ON proxy (next_renewal);"
	"CREATE TABLE job ("
	" job_id BLOB PRIMARY KEY,"
	" proxy_id INTEGER NOT NULL REFERENCES proxy (id) ON DELETE CASCADE"
	") WITHOUT ROWID;"
	"CREATE INDEX job_proxy ON job (proxy_id);"
	"PRAGMA user_version = 1;";

/*
 * Version 2: the renewal audit trail (store_history.c) and the time of the
 * last successful renewal. A version 1 row whose last attempt succeeded
 * gets that attempt's time; otherwise none is known (0).
 */
static const char schema_v2[] =
	"CREATE TABLE attempt ("
	" id INTEGER PRIMARY KEY,"
	" proxy_id INTEGER NOT NULL REFERENCES proxy (id) ON DELETE CASCADE,"
	" at INTEGER NOT NULL,"		/* when it ended, Unix time */
	" duration_ms INTEGER NOT NULL,"
	" result INTEGER NOT NULL,"	/* 0 or the failure's code */
	" class TEXT NOT NULL,"		/* failure class, "" on success */
	" servers TEXT NOT NULL,"	/* "host:port outcome[: text]" lines */
	" not_after INTEGER NOT NULL,"	/* success: the new proxy's end */
	" ac_not_after INTEGER NOT NULL,"	/* success: its ACs' end, 0 */
	" message TEXT NOT NULL);"
	"CREATE INDEX attempt_proxy ON attempt (proxy_id, id);"
	"ALTER TABLE proxy ADD COLUMN last_success INTEGER NOT NULL DEFAULT 0;"
	"UPDATE proxy SET last_success = last_attempt"
	" WHERE last_result = 0 AND last_attempt > 0;"
	"PRAGMA user_version = 2;";

/*
 * Version 3: the credential watch (store_credwatch.c), one row per
 * identity: what MyProxy INFO said of its stored credential, when to ask
 * again, the warnings given. The live identities of an older repository
 * get their row, due at once.
 */
static const char schema_v3[] =
	"CREATE TABLE credwatch ("
	" identity_hash TEXT PRIMARY KEY,"
	" identity TEXT NOT NULL,"
	" cred_end INTEGER NOT NULL DEFAULT 0,"	/* 0: not known yet */
	" server TEXT NOT NULL DEFAULT '',"
	" renew_allowed INTEGER NOT NULL DEFAULT -1,"
	" renewers TEXT NOT NULL DEFAULT '',"
	" checked INTEGER NOT NULL DEFAULT 0,"
	" next_check INTEGER NOT NULL,"
	" warned INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT NOT NULL DEFAULT ''"
	") WITHOUT ROWID;"
	"CREATE INDEX credwatch_due ON credwatch (next_check);"
	/* the identities stored before: asked at once */
	"INSERT INTO credwatch (identity_hash, identity, next_check)"
	" SELECT identity_hash, MIN(identity), 0 FROM proxy"
	" WHERE next_renewal > 0 GROUP BY identity_hash;"
	"PRAGMA user_version = 3;";

/* schema_steps[i] takes version i to i + 1. */
static const char *const schema_steps[STORE_SCHEMA_VERSION] = {
	schema_v1, schema_v2, schema_v3,
};

/* Create repository.db 0600 ourselves, or check the existing one. */
static int
db_file_check(const char *path, struct pr_error *err)
{
	struct stat sb;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 && errno == EEXIST)
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1)
		return pr_error_set(err, errno, "store %s: open: %s", path,
		    errno == ELOOP ? "is a symbolic link" : strerror(errno));
	if (fstat(fd, &sb) == -1) {
		(void)close(fd);	/* nothing written */
		return pr_error_set(err, errno, "store %s: fstat: %s", path,
		    strerror(errno));
	}
	(void)close(fd);	/* nothing written */
	if (!S_ISREG(sb.st_mode))
		return pr_error_set(err, EINVAL, "store %s: not a regular file",
		    path);
	if (sb.st_uid != geteuid())
		return pr_error_set(err, EPERM, "store %s: owned by uid %u, not "
		    "%u", path, (unsigned)sb.st_uid, (unsigned)geteuid());
	if ((sb.st_mode & 077) != 0)
		return pr_error_set(err, EPERM, "store %s: mode %04o: chmod 0600 "
		    "%s", path, (unsigned)(sb.st_mode & 07777), path);
	return 0;
}

/* Invariant (3) for the -wal and -shm files, when they exist. */
static int
db_side_files_check(const char *db_path, struct pr_error *err)
{
	static const char *const suffixes[] = { "-wal", "-shm" };
	char path[STORE_PATH_MAX_BYTES + 8];
	struct stat sb;
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		(void)snprintf(path, sizeof(path), "%s%s", db_path, suffixes[i]);
		if (lstat(path, &sb) == -1) {
			if (errno == ENOENT)
				continue;
			return pr_error_set(err, errno, "store %s: %s", path,
			    strerror(errno));
		}
		if (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
		    (sb.st_mode & 077) != 0)
			return pr_error_set(err, EPERM, "store %s: not a private "
			    "regular file of uid %u", path, (unsigned)geteuid());
	}
	return 0;
}

/* journal_mode answers with the mode in force: it must be WAL. */
static int
db_wal(struct store *st, struct pr_error *err)
{
	sqlite3_stmt *s;
	const unsigned char *mode;
	int rc, ok;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s,
	    NULL);
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, "journal_mode", err);
	rc = sqlite3_step(s);
	mode = rc == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
	ok = mode != NULL && strcmp((const char *)mode, "wal") == 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return store_db_fail(st, rc, "journal_mode", err);
	if (!ok)
		return pr_error_set(err, PR_ERR_GENERIC,
		    "store: cannot use WAL journal mode");
	return 0;
}

static int
db_exec(struct store *st, const char *sql, struct pr_error *err)
{
	int rc;

	if ((rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return store_db_fail(st, rc, sql, err);
	return 0;
}

/* One step of the schema (schema_steps) in a transaction of its own. */
static int
db_schema_step(struct store *st, const char *sql, struct pr_error *err)
{
	if (db_exec(st, "BEGIN IMMEDIATE", err) != 0)
		return err != NULL ? err->code : PR_ERR_GENERIC;
	if (db_exec(st, sql, err) != 0 || db_exec(st, "COMMIT", err) != 0) {
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return err != NULL ? err->code : PR_ERR_GENERIC;
	}
	return 0;
}

static int
db_schema(struct store *st, struct pr_error *err)
{
	sqlite3_stmt *s;
	int rc, version;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, "read schema version", err);
	rc = sqlite3_step(s);
	version = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_finalize(s);
	if (version < 0)
		return store_db_fail(st, rc, "read schema version", err);
	if (version > STORE_SCHEMA_VERSION)
		return pr_error_set(err, PR_ERR_GENERIC, "store: schema version "
		    "%d is newer than this program (%d)", version,
		    STORE_SCHEMA_VERSION);
	/* version 0: a new database; older ones are upgraded step by step */
	for (; version < STORE_SCHEMA_VERSION; version++)
		if ((rc = db_schema_step(st, schema_steps[version], err)) != 0)
			return rc;
	return 0;
}

int
store_open(const char *dir, struct store **out, struct pr_error *err)
{
	struct store *st;
	char path[STORE_PATH_MAX_BYTES];
	int rc;

	*out = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_NAME) >=
	    sizeof(path))
		return pr_error_set(err, ENAMETOOLONG, "store: path too long");
	if ((rc = db_file_check(path, err)) != 0)
		return rc;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return pr_error_set(err, ENOMEM, "store: out of memory");
	st->history_keep = STORE_HISTORY_DEFAULT;
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = store_db_fail(st, rc, path, err);
		goto fail;
	}
	(void)sqlite3_extended_result_codes(st->db, 1);	/* always succeeds */
	if ((rc = sqlite3_busy_timeout(st->db, STORE_BUSY_MS)) != SQLITE_OK) {
		rc = store_db_fail(st, rc, "busy timeout", err);
		goto fail;
	}
	/*
	 * The daemon is the database's only user (the repository lock keeps
	 * it so): exclusive locking keeps the WAL index in our memory and
	 * takes the file locks once, not around every statement (a GET paid
	 * six fcntl calls). Set before WAL mode, so no -shm file is used.
	 */
	if ((rc = db_side_files_check(path, err)) != 0 ||
	    (rc = db_exec(st, "PRAGMA locking_mode = EXCLUSIVE", err)) != 0 ||
	    (rc = db_wal(st, err)) != 0 ||
	    (rc = db_exec(st, "PRAGMA synchronous = FULL", err)) != 0 ||
	    (rc = db_exec(st, "PRAGMA foreign_keys = ON", err)) != 0 ||
	    (rc = db_schema(st, err)) != 0 ||
	    (rc = store_db_prepare_all(st, err)) != 0 ||
	    (rc = db_side_files_check(path, err)) != 0 ||
	    (rc = db_ident_record(&st->ident, path, err)) != 0)
		goto fail;
	*out = st;
	return 0;
fail:
	store_close(st);
	return rc;
}

void
store_close(struct store *st)
{
	int i;

	if (st == NULL)
		return;
	store_memo_free(st);
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);	/* NULL is a no-op */
	for (i = 0; i < STORE_INTENT_SLOTS; i++)
		sqlite3_finalize(st->intent[i]);
	(void)sqlite3_close(st->db);	/* all statements finalized */
	db_ident_free(&st->ident);
	free(st);
}
