/*
 * clock_check.c: see clock_check.h.
 */
#include <sys/stat.h>

#include <fcntl.h>

#include "clock_check.h"
#include "pr_limits.h"
#include "repo_reconcile.h"
#include "store.h"

static int64_t
mtime_of(int dirfd, const char *name)
{
	struct stat sb;

	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;
	return (int64_t)sb.st_mtime;
}

int64_t
clock_check_files(int dirfd)
{
	int64_t db = mtime_of(dirfd, PR_DB_NAME);
	int64_t wal = mtime_of(dirfd, PR_DB_NAME "-wal");

	return db > wal ? db : wal;
}

struct walk {
	int64_t now;
	struct clock_check *cc;
};

static int
clock_check_one(const struct store_proxy *p, void *arg)
{
	struct walk *w = arg;
	struct clock_check *cc = w->cc;

	if (p->obtained > cc->last_write)
		cc->last_write = p->obtained;
	if (p->last_attempt > cc->last_write)
		cc->last_write = p->last_attempt;
	return 0;
}

static int
clock_check_count(const struct store_proxy *p, void *arg)
{
	struct walk *w = arg;
	struct clock_check *cc = w->cc;

	if (repo_record_expired(p->next_renewal, p->not_after, cc->last_write))
		return 0;
	cc->n_live++;
	if (p->not_after <= w->now)
		cc->n_would_expire++;
	return 0;
}

int
clock_check_records(struct store *st, int64_t now, struct clock_check *cc,
    struct pr_error *err)
{
	struct walk w = { now, cc };
	int rc;

	cc->n_live = 0;
	cc->n_would_expire = 0;
	if ((rc = store_foreach_proxy(st, clock_check_one, &w, err)) != 0)
		return rc;
	return store_foreach_proxy(st, clock_check_count, &w, err);
}

int
clock_check_suspect(const struct clock_check *cc, int64_t now, int64_t max_gap)
{
	return cc->last_write > 0 && now - cc->last_write > max_gap &&
	    cc->n_would_expire > 0;
}
