/*
 * sched.c: the renewal timer. One loop timer is armed for the earliest
 * next_renewal in the store (an indexed query, never a scan); when it fires,
 * each due proxy is read once and either expired here or handed to
 * sched_renewal.c, which owns it until its result is recorded.
 *
 * Rules:
 *  (1) At most one timer is armed (sched.timer), for sched.armed_for.
 *  (2) next_renewal is wall time; the timer is monotonic. A timer is never
 *      armed more than SCHED_MAX_SLEEP_SEC ahead, so a wall-clock step is
 *      noticed within that time. Nothing scheduled: no timer at all.
 *  (3) held = 1 when due work was refused because every worker is busy:
 *      until sched_kick() (a renewal finished, SIGUSR1, RENEW_ALL,
 *      start-up) the timer is armed only for the next expiry of a due
 *      proxy or the next proxy becoming due (both later than now: no busy
 *      loop), so expiry never waits for a worker slot.
 *  (3a) Each firing first expires every due proxy past its not_after
 *      (store_next_expiry_due), before any renewal is handed out.
 *  (4) A proxy due at or after its not_after has expired: its record stays
 *      (its jobs answer 1909 until they unregister, LIST no longer shows
 *      it), next_renewal becomes 0, and its file is removed after the
 *      commit. A vanished file found at start-up is expired the same way.
 *  (5) Each firing handles at most SCHED_BATCH proxies, then yields to the
 *      loop with a 0 ms timer, so a large backlog never starves clients.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "daemon.h"
#include "hook.h"
#include "fault.h"
#include "log.h"
#include "loop.h"
#include "repo_files.h"
#include "repo_reconcile.h"
#include "store.h"
#include "xmalloc.h"

#define SCHED_MAX_SLEEP_SEC	3600
#define SCHED_BATCH		64	/* proxies handled per firing */
#define SCHED_HOLD		(-1)	/* every worker is busy */

static void sched_fire(struct loop *l, long long id, void *arg);

static void
sched_disarm(struct daemon *d)
{
	if (d->sched.timer != 0)
		loop_del_timer(d->loop, d->sched.timer);
	d->sched.timer = 0;
	d->sched.armed_for = 0;
}

static void
sched_arm(struct daemon *d, int64_t when)
{
	int64_t delay = clock_secs_until(when, SCHED_MAX_SLEEP_SEC);

	sched_disarm(d);
	d->sched.timer = loop_add_timer(d->loop, delay * 1000, sched_fire, d);
	d->sched.armed_for = when;
	log_debug("sched: next renewal at %lld (in %lld s)", (long long)when,
	    (long long)delay);
}

void
sched_init(struct daemon *d)
{
	d->sched.timer = 0;
	d->sched.armed_for = 0;
	d->sched.held = 0;
	TAILQ_INIT(&d->sched.in_flight);
	runner_init(&d->runner, d->loop, (int)d->opts.workers);
	sched_kick(d);
}

/*
 * The next proxy due: the store's earliest, or one whose failed attempt the
 * store could not record (its next attempt kept in memory, store_hold.c),
 * whichever is earlier. A kept proxy's row in the store is stale: when it
 * is the store's earliest, only the kept times count (until the kept
 * entries are handed out again, at most a backoff away).
 * 0, PR_ERR_NOT_REGISTERED when nothing is scheduled, or a store error.
 */
int
sched_next_due(struct daemon *d, int64_t *id, int64_t *when,
    struct pr_error *err)
{
	int64_t kept_id, kept_when;
	int rc;

	rc = store_next_due(d->store, id, when, err);
	if (rc != 0 && rc != PR_ERR_NOT_REGISTERED)
		return rc;
	if (store_hold_next(d, &kept_id, &kept_when) == 0 &&
	    (rc != 0 || store_hold_is_kept(d, *id) || kept_when < *when)) {
		*id = kept_id;
		*when = kept_when;
		pr_error_clear(err);
		return 0;
	}
	return rc;
}

/* Re-read the earliest next_renewal and arm for it. */
void
sched_kick(struct daemon *d)
{
	struct pr_error err;
	int64_t id, when;
	int rc;

	d->sched.held = 0;
	pr_error_clear(&err);
	rc = sched_next_due(d, &id, &when, &err);
	if (rc == PR_ERR_NOT_REGISTERED) {
		sched_disarm(d);
		return;
	}
	if (rc != 0) {
		log_warnx("sched: %s", err.msg);
		return;
	}
	sched_arm(d, when);
}

/* A proxy's next_renewal was just set: arm earlier if it is the first. */
void
sched_note(struct daemon *d, int64_t next_renewal)
{
	if (d->sched.held || next_renewal <= 0)
		return;
	if (d->sched.timer == 0 || next_renewal < d->sched.armed_for)
		sched_arm(d, next_renewal);
}

static void
sched_expired_hook(struct daemon *d, const struct store_proxy *p,
    const char *why)
{
	struct hook_event ev;
	char *path;

	if (!hook_is_on(d))
		return;		/* its facts cost a store query */
	path = xasprintf("%s/%s", d->repo_path, p->file);
	ev = (struct hook_event){ HOOK_PROXY_EXPIRED, p->identity, path,
	    p->n_jobs, p->not_after, credwatch_end_of(d, p->identity_hash),
	    p->failures, "", why, NULL, 0 };
	hook_fire(d, &ev);
	free(path);
}

/* Rule (4). 0, or a store error (logged). */
static int
sched_expire(struct daemon *d, const struct store_proxy *p, int64_t now,
    int code, const char *why)
{
	struct pr_error err;
	int rc;

	pr_error_clear(&err);
	if ((rc = store_expire(d->store, p->id, now, code, why, &err)) != 0) {
		if (rc != PR_ERR_NOT_REGISTERED)	/* store_hold.c */
			store_hold_failed(d, now, err.msg);
		if (d->sched.n_store_fail > 1)	/* its cause logged once */
			log_debug("%s: expiry not recorded, held", p->file);
		else
			log_warnx("%s: expiring: %s", p->file, err.msg);
		return rc;
	}
	store_hold_recorded(d);
	FAULT_POINT("expire-committed");
	if (repo_remove(d->repo_fd, p->file, &err) != 0)
		log_warnx("%s", err.msg);
	log_warnx("%s (%s): %s; file removed, its %lld jobs get %d until "
	    "unregistered", p->file, p->identity, why, (long long)p->n_jobs,
	    PR_ERR_EXPIRED);
	sched_expired_hook(d, p, why);
	return 0;
}

/* Hand a due proxy to a renewal: 0, SCHED_HOLD, or a store error. */
static int
sched_dispatch(struct daemon *d, struct store_proxy *p)
{
	struct pr_error err;
	int rc;

	pr_error_clear(&err);
	if ((rc = sched_renewal_start(d, p, &err)) == 0)
		return 0;
	if (rc != ENOSYS) {
		log_debug("sched: %s: %s", p->file, err.msg);
		return SCHED_HOLD;
	}
	/* Renewal disabled: nothing to do before the proxy expires. */
	log_warnx("%s (%s): %s; kept until it expires at %lld", p->file,
	    p->identity, err.msg, (long long)p->not_after);
	if ((rc = store_lease_for_renewal(d->store, p->id, p->not_after,
	    &err)) != 0)
		log_warnx("%s: %s", p->file, err.msg);
	return rc;
}

/*
 * Read proxy id once and expire it (past its not_after) or hand it to a
 * renewal: 0, SCHED_HOLD, or a store error (logged).
 */
static int
sched_handle(struct daemon *d, int64_t id, int64_t now)
{
	struct store_proxy p;
	struct pr_error err;
	int rc, was_kept;

	pr_error_clear(&err);
	was_kept = store_hold_drop(d, id);	/* handed out, or gone */
	if ((rc = store_get_proxy(d->store, id, &p, &err)) != 0) {
		if (rc == PR_ERR_NOT_REGISTERED && was_kept)
			return 0;	/* unregistered since it was kept */
		log_warnx("sched: %s", err.msg);
		return rc;
	}
	if (p.not_after <= now)
		rc = sched_expire(d, &p, now, PR_ERR_EXPIRED,
		    "expired without a successful renewal");
	else
		rc = sched_dispatch(d, &p);
	if (rc != 0 && was_kept)	/* not taken: still due */
		store_hold_keep(d, id, now);
	store_proxy_free(&p);
	return rc;
}

/* Handle one due proxy: 0 done, 1 nothing due, SCHED_HOLD, or an error. */
static int
sched_one(struct daemon *d, int64_t now)
{
	struct pr_error err;
	int64_t id, when;
	int rc;

	if ((when = store_hold_until(d, now)) != 0) {	/* store_hold.c */
		sched_arm(d, when);
		return 1;
	}
	pr_error_clear(&err);
	rc = sched_next_due(d, &id, &when, &err);
	if (rc == PR_ERR_NOT_REGISTERED)
		return 1;
	if (rc != 0) {
		log_warnx("sched: %s", err.msg);
		return rc;
	}
	if (when > now) {
		sched_arm(d, when);
		return 1;
	}
	return sched_handle(d, id, now);
}

/* Rule (3a): 0 when no due proxy is past its not_after any more. */
static int
sched_expire_due(struct daemon *d, int64_t now)
{
	struct pr_error err;
	int64_t id, not_after;
	int i, rc;

	for (i = 0; i < SCHED_BATCH; i++) {
		pr_error_clear(&err);
		rc = store_next_expiry_due(d->store, now, &id, &not_after, &err);
		if (rc == PR_ERR_NOT_REGISTERED || (rc == 0 && not_after > now))
			return 0;
		if (rc != 0) {
			log_warnx("sched: %s", err.msg);
			return rc;
		}
		if ((rc = sched_handle(d, id, now)) != 0)
			return rc;
	}
	return 0;
}

/* Rule (3): every worker busy; wake for the next expiry or due proxy. */
static void
sched_hold(struct daemon *d, int64_t now)
{
	struct pr_error err;
	int64_t id, expiry = 0, due = 0;

	d->sched.held = 1;
	pr_error_clear(&err);
	if (store_next_expiry_due(d->store, now, &id, &expiry, &err) != 0 ||
	    expiry <= now)
		expiry = 0;
	if (store_next_due_after(d->store, now, &due, &err) != 0)
		due = 0;
	if (expiry > 0 && (due == 0 || expiry < due))
		due = expiry;
	if (due > 0)
		sched_arm(d, due);
}

static void
sched_fire(struct loop *l, long long tid, void *arg)
{
	struct daemon *d = arg;
	int64_t now = (int64_t)time(NULL), when;
	int i, rc;

	(void)l;
	(void)tid;
	d->sched.timer = 0;
	d->sched.armed_for = 0;
	if (sched_expire_due(d, now) != 0) {	/* store trouble */
		when = store_hold_until(d, now);
		sched_arm(d, when != 0 ? when : now + d->opts.backoff_min);
		return;
	}
	for (i = 0; i < SCHED_BATCH; i++) {
		if ((rc = sched_one(d, now)) == 1)
			return;
		if (rc == SCHED_HOLD) {
			sched_hold(d, now);
			return;
		}
		if (rc != 0) {		/* store trouble: retry later */
			sched_arm(d, now + d->opts.backoff_min);
			return;
		}
	}
	sched_arm(d, now);	/* rule (5) */
}

/*
 * SIGUSR1 / RENEW_ALL: make every stored proxy that has not expired due
 * now, in one statement, then kick the timer. A renewal in flight began
 * before the request: it is done again when it ends (sched_renewal.c
 * rule 5).
 */
int
sched_renew_all(struct daemon *d, int64_t *n, struct pr_error *err)
{
	int64_t again;
	int rc;

	if ((rc = store_make_all_due(d->store, (int64_t)time(NULL), n,
	    err)) != 0)
		return rc;
	if ((again = sched_renewal_again_all(d)) > 0)
		log_info("renew all: %lld in flight, each done again when "
		    "it ends", (long long)again);
	sched_kick(d);
	return 0;
}

/* repo_reconcile's reports, one log line each. */
static void
sched_recover_note(void *arg, enum recon_event ev, const char *name,
    const char *detail)
{
	static const char *const what[] = {
		[RECON_TEMP_REMOVED] = "stale temporary file removed",
		[RECON_ORPHAN_REMOVED] = "proxy file of no record removed",
		[RECON_EXPIRED_REMOVED] = "file of an expired record removed",
		[RECON_FOREIGN_KEPT] = "not a repository file; left alone",
		[RECON_NOT_PRIVATE] = "not a private regular file of ours",
		[RECON_REMOVE_FAILED] = "cannot remove",
	};
	struct daemon *d = arg;

	log_warnx("start-up check: %s/%s: %s%s%s", d->repo_path, name, what[ev],
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

/*
 * Start-up: files and records reconciled both ways (repo_reconcile.c); a
 * record whose file vanished is expired (rule 4), so its path is never
 * handed out again.
 */
void
sched_recover(struct daemon *d)
{
	struct store_proxy p;
	struct pr_error err;
	int64_t n_proxies, n_jobs, now = (int64_t)time(NULL), *missing;
	int64_t n_orphans;
	size_t i, n_missing;

	pr_error_clear(&err);
	if (repo_reconcile(d->repo_fd, d->store, now, sched_recover_note, d,
	    &missing, &n_missing, &err) != 0)
		log_warnx("start-up check: %s", err.msg);
	for (i = 0; i < n_missing; i++) {
		if (store_get_proxy(d->store, missing[i], &p, &err) != 0)
			continue;
		(void)sched_expire(d, &p, now, ENOENT,
		    "repository file missing at start-up");	/* logs */
		store_proxy_free(&p);
	}
	free(missing);
	if (store_history_drop_orphans(d->store, &n_orphans, &err) != 0)
		log_warnx("start-up check: %s", err.msg);
	else if (n_orphans > 0)
		log_info("start-up check: %lld renewal attempts of no record "
		    "removed", (long long)n_orphans);
	if (store_count(d->store, &n_proxies, &n_jobs, &err) == 0)
		log_info("repository %s: %lld stored proxies, %lld jobs",
		    d->repo_path, (long long)n_proxies, (long long)n_jobs);
}

void
sched_stop(struct daemon *d)
{
	sched_disarm(d);
}
