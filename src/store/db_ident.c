/*
 * db_ident.c: repository.db's identity (see db_ident.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db_ident.h"

int
db_ident_record(struct db_ident *id, const char *path, struct pr_error *err)
{
	struct stat sb;

	if (stat(path, &sb) == -1)
		return pr_error_set(err, errno, "store %s: stat: %s", path,
		    strerror(errno));
	free(id->path);
	if ((id->path = strdup(path)) == NULL)
		return pr_error_set(err, ENOMEM, "store: out of memory");
	id->dev = sb.st_dev;
	id->ino = sb.st_ino;
	return 0;
}

int
db_ident_check(const struct db_ident *id, struct pr_error *err)
{
	struct stat sb;

	if (id->path == NULL)
		return 0;
	if (stat(id->path, &sb) == -1) {
		if (errno == ENOENT)
			return pr_error_set(err, ESTALE, "store %s was removed "
			    "under the running daemon: nothing more is stored; "
			    "restore it and restart the daemon", id->path);
		return pr_error_set(err, errno, "store %s: stat: %s", id->path,
		    strerror(errno));
	}
	if (sb.st_dev != id->dev || sb.st_ino != id->ino)
		return pr_error_set(err, ESTALE, "store %s was replaced under "
		    "the running daemon (inode %llu, now %llu): nothing more "
		    "is stored; restart the daemon", id->path,
		    (unsigned long long)id->ino, (unsigned long long)sb.st_ino);
	return 0;
}

void
db_ident_free(struct db_ident *id)
{
	free(id->path);
	id->path = NULL;
}
