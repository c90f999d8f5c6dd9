/*
 * store_err.c: a SQLite failure as the project's error: its code (errno
 * values where one fits, PR_ERR_NOT_REGISTERED for a missing parent row)
 * and "store: what: SQLite's text", with the errno behind an I/O failure
 * that SQLite itself does not tell (read-only, full, failing disk).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "pr_limits.h"
#include "repo_files.h"
#include "store.h"
#include "store_db.h"

static int
db_code(int rc)
{
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return PR_ERR_NOT_REGISTERED;
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return ENOMEM;
	case SQLITE_FULL:
		return ENOSPC;
	case SQLITE_IOERR:
		return EIO;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return EBUSY;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_CANTOPEN:
	case SQLITE_AUTH:
		return EACCES;
	case SQLITE_CONSTRAINT:
		return EEXIST;
	default:
		return PR_ERR_GENERIC;
	}
}

static int
is_disk_errno(int e)
{
	return e == EROFS || e == ENOSPC || e == EDQUOT || e == EIO;
}

/*
 * The errno behind an I/O failure: SQLite often keeps none and says only
 * "disk I/O error", so the repository directory is asked (a file created
 * and removed). The admin must learn read-only, full or failing.
 */
static int
db_disk_errno(struct store *st, int rc)
{
	char dir[PR_PATH_MAX_BYTES];
	const char *path, *slash;
	int e, dfd;

	if ((rc & 0xff) != SQLITE_IOERR && (rc & 0xff) != SQLITE_READONLY &&
	    (rc & 0xff) != SQLITE_CANTOPEN)
		return 0;
	if (st == NULL || st->db == NULL)
		return 0;
	if (is_disk_errno(e = sqlite3_system_errno(st->db)))
		return e;
	if ((path = sqlite3_db_filename(st->db, "main")) == NULL ||
	    (slash = strrchr(path, '/')) == NULL ||
	    (size_t)(slash - path) >= sizeof(dir))
		return 0;
	(void)snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 0;
	e = repo_probe_write(dfd);
	(void)close(dfd);
	return is_disk_errno(e) ? e : 0;
}

int
store_db_fail(struct store *st, int rc, const char *what,
    struct pr_error *err)
{
	int e = db_disk_errno(st, rc);

	return pr_error_set(err, e != 0 ? e : db_code(rc), "store: %s: %s%s%s",
	    what, st != NULL && st->db != NULL ? sqlite3_errmsg(st->db) :
	    sqlite3_errstr(rc), e != 0 ? ": " : "", e != 0 ? strerror(e) : "");
}
