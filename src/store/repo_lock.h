/*
 * repo_lock.h: one daemon per repository.
 *
 * The lock is flock(2) on "repository.lock" in the repository directory,
 * taken before anything in the directory is touched. flock locks belong to
 * the open file description, so the lock survives the daemon's fork into
 * the background and ends only when the last descriptor closes (or the
 * process dies: a kill -9 leaves no stale lock). The file holds the pid of
 * the daemon, for the refusal message of a second one.
 */
#ifndef PR_REPO_LOCK_H
#define PR_REPO_LOCK_H

#include "pr_error.h"

#define REPO_LOCK_NAME	"repository.lock"

/*
 * Lock the repository open as dirfd (dir is its name, for messages).
 * Returns the lock fd (close-on-exec), or -1 with err naming the pid that
 * holds it.
 */
int repo_lock(int dirfd, const char *dir, struct pr_error *err);

/* Write our pid into the lock file (after the fork into the background). */
int repo_lock_write_pid(int lockfd, struct pr_error *err);

#endif /* PR_REPO_LOCK_H */
