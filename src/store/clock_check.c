/*
 * clock_check.c: see clock_check.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "clock_check.h"
#include "pr_limits.h"
#include "repo_reconcile.h"
#include "room_for_one.h"
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

/* The two times of a record the count needs, kept from the one walk. */
struct record_times {
	int64_t next_renewal, not_after;
};

struct walk {
	struct clock_check *cc;
	struct record_times *t;
	size_t n, cap;
	int oom;
};

/* One walk over the records (each costs a full table read): the newest
 * write, and the times the count needs once that is known. */
static int
clock_check_one(const struct store_proxy *p, void *arg)
{
	struct walk *w = arg;
	struct clock_check *cc = w->cc;
	struct record_times *t;

	if (p->obtained > cc->last_write)
		cc->last_write = p->obtained;
	if (p->last_attempt > cc->last_write)
		cc->last_write = p->last_attempt;
	if ((t = room_for_one(w->t, &w->cap, w->n, sizeof(*t))) == NULL) {
		w->oom = 1;
		return 1;	/* stop the walk */
	}
	w->t = t;
	w->t[w->n].next_renewal = p->next_renewal;
	w->t[w->n++].not_after = p->not_after;
	return 0;
}

int
clock_check_records(struct store *st, int64_t now, struct clock_check *cc,
    struct pr_error *err)
{
	struct walk w = { cc, NULL, 0, 0, 0 };
	size_t i;
	int rc;

	cc->n_live = 0;
	cc->n_would_expire = 0;
	if ((rc = store_foreach_proxy(st, clock_check_one, &w, err)) == 0 &&
	    w.oom)
		rc = pr_error_set(err, ENOMEM, "clock check: out of memory");
	for (i = 0; rc == 0 && i < w.n; i++) {
		if (repo_record_expired(w.t[i].next_renewal, w.t[i].not_after,
		    cc->last_write))
			continue;
		cc->n_live++;
		if (w.t[i].not_after <= now)
			cc->n_would_expire++;
	}
	free(w.t);
	return rc;
}

int
clock_check_suspect(const struct clock_check *cc, int64_t now, int64_t max_gap)
{
	return cc->last_write > 0 && now - cc->last_write > max_gap &&
	    cc->n_would_expire > 0;
}
