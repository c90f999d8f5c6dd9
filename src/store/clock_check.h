/*
 * clock_check.h: is the clock believable, before start-up expires anything?
 *
 * A clock far ahead makes every stored proxy look expired, and expiry
 * removes files for good. Before the daemon expires anything it compares
 * now with the repository's last write (the newest of repository.db's and
 * its WAL's mtime, taken before the store is opened, and of the records'
 * obtained and last_attempt times): when now is more than max_gap after
 * it and some proxy that was valid then would now be expired, the clock is
 * suspect. Lower layer: no logging.
 */
#ifndef PR_CLOCK_CHECK_H
#define PR_CLOCK_CHECK_H

#include <stdint.h>

#include "pr_error.h"

struct store;

struct clock_check {
	int64_t last_write;	/* Unix seconds; 0 = a new repository */
	int64_t n_live;		/* records valid at last_write */
	int64_t n_would_expire;	/* of those, expired at now */
};

/* mtime of repository.db / -wal in the directory dirfd (0 if none). */
int64_t clock_check_files(int dirfd);

/*
 * Walk the records (cc->last_write holds clock_check_files() on entry):
 * fills cc. 0 or a store error.
 */
int clock_check_records(struct store *st, int64_t now, struct clock_check *cc,
    struct pr_error *err);

/* 1 when the clock is suspect (see above), else 0. */
int clock_check_suspect(const struct clock_check *cc, int64_t now,
    int64_t max_gap);

#endif /* PR_CLOCK_CHECK_H */
