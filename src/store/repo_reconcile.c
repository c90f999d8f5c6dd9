/*
 * repo_reconcile.c: start-up files <-> records (see repo_reconcile.h).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pr_limits.h"
#include "repo_files.h"
#include "repo_lock.h"
#include "repo_reconcile.h"
#include "store.h"

#define HASH_HEX_CHARS	64	/* SHA-256 of the identity */

struct recon {
	int dirfd;
	int64_t now;
	recon_note_fn *note;
	void *arg;
	int64_t *missing;
	size_t n_missing, cap_missing;
	int oom;		/* the missing list could not grow */
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
	size_t i;

	for (i = 0; i < HASH_HEX_CHARS; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'a' && name[i] <= 'f')))
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

/* One directory entry: keep it, or remove it and say why. */
static int
recon_entry(struct recon *r, struct store *st, const char *name,
    struct pr_error *err)
{
	struct store_proxy p;
	int rc, expired;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    is_db_name(name) || strcmp(name, REPO_LOCK_NAME) == 0)
		return 0;
	if (repo_is_temp_name(name)) {
		recon_remove(r, name, RECON_TEMP_REMOVED);
		return 0;
	}
	if (!is_proxy_name(name)) {
		r->note(r->arg, RECON_FOREIGN_KEPT, name, NULL);
		return 0;
	}
	rc = store_get_proxy_by_file(st, name, &p, err);
	if (rc == PR_ERR_NOT_REGISTERED) {
		recon_remove(r, name, RECON_ORPHAN_REMOVED);
		return 0;
	}
	if (rc != 0)
		return rc;
	expired = repo_record_expired(p.next_renewal, p.not_after, r->now);
	store_proxy_free(&p);
	if (expired)
		recon_remove(r, name, RECON_EXPIRED_REMOVED);
	return 0;
}

static int
recon_files(struct recon *r, struct store *st, struct pr_error *err)
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
	while (rc == 0 && (de = readdir(dir)) != NULL)
		rc = recon_entry(r, st, de->d_name, err);
	(void)closedir(dir);	/* read-only */
	return rc;
}

/* store_foreach_proxy callback: a live record must have its file. */
static int
recon_record(const struct store_proxy *p, void *arg)
{
	struct recon *r = arg;
	struct stat sb;

	if (repo_record_expired(p->next_renewal, p->not_after, r->now))
		return 0;
	if (fstatat(r->dirfd, p->file, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
		    (sb.st_mode & 077) != 0)
			r->note(r->arg, RECON_NOT_PRIVATE, p->file, NULL);
		return 0;
	}
	if (errno != ENOENT)
		return 0;
	if (r->n_missing == r->cap_missing) {
		size_t cap = r->cap_missing ? 2 * r->cap_missing : 16;
		int64_t *ids = realloc(r->missing, cap * sizeof(*ids));

		if (ids == NULL) {
			r->oom = 1;
			return 1;	/* stop the walk */
		}
		r->missing = ids;
		r->cap_missing = cap;
	}
	r->missing[r->n_missing++] = p->id;
	return 0;
}

int
repo_reconcile(int dirfd, struct store *st, int64_t now, recon_note_fn *note,
    void *arg, int64_t **missing, size_t *n_missing, struct pr_error *err)
{
	struct recon r = { dirfd, now, note, arg, NULL, 0, 0, 0 };
	int rc;

	*missing = NULL;
	*n_missing = 0;
	if ((rc = recon_files(&r, st, err)) == 0 &&
	    (rc = store_foreach_proxy(st, recon_record, &r, err)) == 0 && r.oom)
		rc = pr_error_set(err, ENOMEM, "repository: out of memory");
	if (rc != 0) {
		free(r.missing);
		return rc;
	}
	*missing = r.missing;
	*n_missing = r.n_missing;
	return 0;
}
