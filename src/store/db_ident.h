/*
 * db_ident.h: is repository.db still the file the store opened?
 *
 * SQLite keeps writing to the inode it opened: if repository.db is removed
 * or replaced (restored from a backup, another tool's rename) under the
 * running daemon, every commit "succeeds" into a file nobody will read
 * again. The store records the file's device and inode at open and checks
 * the path against them before each write transaction and after a failed
 * commit. Lower layer: fills struct pr_error, never logs.
 */
#ifndef PR_DB_IDENT_H
#define PR_DB_IDENT_H

#include <sys/types.h>

#include "pr_error.h"

struct db_ident {
	char *path;		/* repository.db; NULL before db_ident_record */
	dev_t dev;
	ino_t ino;
};

/* Record what path is now. 0, or an errno value with err set. */
int db_ident_record(struct db_ident *id, const char *path,
    struct pr_error *err);
/* 0 while path is still that file; ESTALE (err says which) when not. */
int db_ident_check(const struct db_ident *id, struct pr_error *err);
void db_ident_free(struct db_ident *id);

#endif /* PR_DB_IDENT_H */
