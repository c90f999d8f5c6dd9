/*
 * repo_reconcile.c: start-up files <-> records (see repo_reconcile.h).
 *
 * One walk over the records (in table order, so the pages are read once,
 * in order) checks each live record's file and notes every record's file
 * name; the directory's entries are then looked up in those names, sorted,
 * instead of one indexed query each (100,000 random B-tree lookups took
 * most of a start-up at a million jobs).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hex.h"
#include "pr_limits.h"
#include "repo_files.h"
#include "repo_lock.h"
#include "repo_reconcile.h"
#include "room_for_one.h"
#include "store.h"

#define HASH_HEX_CHARS	64	/* SHA-256 of the identity */

struct record_file {
	char *name;
	int expired;		/* repo_record_expired at now */
};

struct recon {
	int dirfd;
	int64_t now;
	recon_note_fn *note;
	void *arg;
	int64_t *missing;
	size_t n_missing, cap_missing;
	struct record_file *files;	/* every record's, sorted by name */
	size_t n_files, cap_files;
	int oom;		/* a list could not grow */
};

int
repo_record_expired(int64_t next_renewal, int64_t not_after, int64_t now)
{
	return next_renewal == 0 && not_after <= now;
}

/* "<64 hex>.<decimal>", the only names the daemon gives proxy files. */
static int
is_proxy_name(const char *name)
{
	size_t i = HASH_HEX_CHARS;

	if (!hex_lower_run(name, HASH_HEX_CHARS))
		return 0;
	if (name[i++] != '.' || name[i] == '\0')
		return 0;
	for (; name[i] != '\0'; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	return 1;
}

static int
is_db_name(const char *name)
{
	size_t n = strlen(PR_DB_NAME);

	return strncmp(name, PR_DB_NAME, n) == 0 && (name[n] == '\0' ||
	    strcmp(name + n, "-wal") == 0 || strcmp(name + n, "-shm") == 0 ||
	    strcmp(name + n, "-journal") == 0);
}

static void
recon_remove(struct recon *r, const char *name, enum recon_event ev)
{
	struct pr_error err;

	pr_error_clear(&err);
	if (repo_remove(r->dirfd, name, &err) != 0)
		r->note(r->arg, RECON_REMOVE_FAILED, name, err.msg);
	else
		r->note(r->arg, ev, name, NULL);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct record_file *)a)->name,
	    ((const struct record_file *)b)->name);
}

/* One directory entry: keep it, or remove it and say why. */
static void
recon_entry(struct recon *r, const char *name)
{
	struct record_file key = { (char *)name, 0 }, *rec;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    is_db_name(name) || strcmp(name, REPO_LOCK_NAME) == 0)
		return;
	if (repo_is_temp_name(name)) {
		recon_remove(r, name, RECON_TEMP_REMOVED);
		return;
	}
	if (!is_proxy_name(name)) {
		r->note(r->arg, RECON_FOREIGN_KEPT, name, NULL);
		return;
	}
	rec = r->n_files == 0 ? NULL : bsearch(&key, r->files, r->n_files,
	    sizeof(*r->files), by_name);
	if (rec == NULL)
		recon_remove(r, name, RECON_ORPHAN_REMOVED);
	else if (rec->expired)
		recon_remove(r, name, RECON_EXPIRED_REMOVED);
}

static int
recon_files(struct recon *r, struct pr_error *err)
{
	struct dirent *de;
	DIR *dir;
	int fd, rc = 0;

	if ((fd = fcntl(r->dirfd, F_DUPFD_CLOEXEC, 0)) == -1 ||
	    (dir = fdopendir(fd)) == NULL) {
		rc = pr_error_set(err, errno, "repository: read directory: %s",
		    strerror(errno));
		if (fd != -1)
			(void)close(fd);	/* read-only directory fd */
		return rc;
	}
	rewinddir(dir);
	for (;;) {
		errno = 0;
		if ((de = readdir(dir)) == NULL)
			break;
		recon_entry(r, de->d_name);
	}
	if (errno != 0)
		rc = pr_error_set(err, errno, "repository: read directory: %s",
		    strerror(errno));
	(void)closedir(dir);	/* read-only */
	return rc;
}

/* store_foreach_proxy callback: note the record's file, which must exist
 * while the record is live. */
static int
recon_record(const struct store_proxy *p, void *arg)
{
	struct recon *r = arg;
	struct record_file *f;
	struct stat sb;
	int64_t *ids;

	if ((f = room_for_one(r->files, &r->cap_files, r->n_files,
	    sizeof(*f))) == NULL) {
		r->oom = 1;
		return 1;	/* stop the walk */
	}
	r->files = f;
	f = &r->files[r->n_files];
	f->expired = repo_record_expired(p->next_renewal, p->not_after, r->now);
	if ((f->name = strdup(p->file)) == NULL) {
		r->oom = 1;
		return 1;
	}
	r->n_files++;
	if (f->expired)
		return 0;
	if (fstatat(r->dirfd, p->file, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
		    (sb.st_mode & 077) != 0)
			r->note(r->arg, RECON_NOT_PRIVATE, p->file, NULL);
		return 0;
	}
	if (errno != ENOENT)
		return 0;
	if ((ids = room_for_one(r->missing, &r->cap_missing, r->n_missing,
	    sizeof(*ids))) == NULL) {
		r->oom = 1;
		return 1;
	}
	r->missing = ids;
	r->missing[r->n_missing++] = p->id;
	return 0;
}

int
repo_reconcile(int dirfd, struct store *st, int64_t now, recon_note_fn *note,
    void *arg, int64_t **missing, size_t *n_missing, struct pr_error *err)
{
	struct recon r;
	size_t i;
	int rc;

	memset(&r, 0, sizeof(r));
	r.dirfd = dirfd;
	r.now = now;
	r.note = note;
	r.arg = arg;
	*missing = NULL;
	*n_missing = 0;
	/* the names first: an entry not among them is removed */
	if ((rc = store_foreach_proxy(st, recon_record, &r, err)) == 0 &&
	    r.oom)
		rc = pr_error_set(err, ENOMEM, "repository: out of memory");
	if (rc == 0) {
		if (r.n_files > 0)	/* qsort and bsearch want an array */
			qsort(r.files, r.n_files, sizeof(*r.files), by_name);
		rc = recon_files(&r, err);
	}
	for (i = 0; i < r.n_files; i++)
		free(r.files[i].name);
	free(r.files);
	if (rc != 0) {
		free(r.missing);
		return rc;
	}
	*missing = r.missing;
	*n_missing = r.n_missing;
	return 0;
}
