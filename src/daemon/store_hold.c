/*
 * store_hold.c: renewals while the repository cannot be written (full,
 * read-only, I/O errors). A failed attempt that cannot be recorded would
 * leave its proxy due at once, so the scheduler would start it again
 * immediately: a retry storm. Instead the schedule is kept in memory: the
 * scheduler holds every renewal for a backoff that grows with each failed
 * recording (--backoff-min doubling to --backoff-max), the cause is logged
 * once with its remedy, STATUS and the metrics show it as a `local`
 * failure, and the first successful recording ends the hold (logged).
 *
 * A renewal in flight has a lease in the store (sched_renewal.c rule 1);
 * when its failure cannot be recorded the store still says "leased until
 * the worker's timeout" (or whatever it said before), so the next attempt
 * of every failure not recorded is kept here and the scheduler takes the
 * earlier of the two (sched.c); the hold still gates both.
 *
 * Rules:
 *  (1) Only the scheduler's choice of the next due proxy looks at the hold
 *      (sched.c); expiry is not held: a proxy past its end still expires
 *      (tried first at every firing), but an expiry that cannot be recorded
 *      holds like a failed recording, logged once, retried at the hold's
 *      time instead of every --backoff-min.
 *  (2) The hold lives in struct sched alone: nothing of it is stored.
 *  (3) At most one kept next attempt per proxy, at most HOLD_NEXT_MAX in
 *      all (one per attempt while the store cannot record: a few per
 *      backoff); an entry goes when its proxy is handed out again or is
 *      gone. Beyond the cap a proxy waits for its lease to run out: later,
 *      never sooner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "xmalloc.h"

#define HOLD_NEXT_MAX	1024	/* kept next attempts (rule 3) */

struct hold_next {
	int64_t id;		/* proxy id */
	int64_t next;		/* Unix seconds of its next attempt */
};

void
store_hold_failed(struct daemon *d, int64_t now, const char *why)
{
	struct sched *s = &d->sched;
	int64_t wait;

	s->n_store_fail++;
	wait = sched_backoff(s->n_store_fail, d->opts.backoff_min,
	    d->opts.backoff_max, arc4random());
	s->store_hold_until = now + wait;
	if (s->n_store_fail == 1) {
		(void)snprintf(s->store_hold_why, sizeof(s->store_hold_why),
		    "%s", why);
		log_warnx("repository %s cannot be written (%s): renewal "
		    "results cannot be recorded, so renewals are held in memory "
		    "and retried after %lld s, up to every %lld s (logged once; "
		    "free space or remount read-write)", d->repo_path, why,
		    (long long)wait, (long long)d->opts.backoff_max);
	}
}

void
store_hold_recorded(struct daemon *d)
{
	struct sched *s = &d->sched;

	if (s->n_store_fail == 0)
		return;
	log_info("repository %s writable again after %d failed recordings: "
	    "renewals resume", d->repo_path, s->n_store_fail);
	s->n_store_fail = 0;
	s->store_hold_until = 0;
	s->store_hold_why[0] = '\0';
}

int64_t
store_hold_until(const struct daemon *d, int64_t now)
{
	return d->sched.store_hold_until > now ? d->sched.store_hold_until : 0;
}

const char *
store_hold_reason(const struct daemon *d)
{
	return d->sched.n_store_fail > 0 ? d->sched.store_hold_why : NULL;
}

void
store_hold_keep(struct daemon *d, int64_t id, int64_t next)
{
	struct sched *s = &d->sched;

	store_hold_drop(d, id);
	if (s->n_held_next >= HOLD_NEXT_MAX)
		return;		/* rule 3: waits for its lease */
	s->held_next = xreallocarray(s->held_next, s->n_held_next + 1,
	    sizeof(*s->held_next));
	s->held_next[s->n_held_next].id = id;
	s->held_next[s->n_held_next].next = next;
	s->n_held_next++;
}

/* The index of proxy id's kept next attempt, or n_held_next. */
static size_t
kept_index(const struct sched *s, int64_t id)
{
	size_t i;

	for (i = 0; i < s->n_held_next && s->held_next[i].id != id; i++)
		;	/* few: rule 3 */
	return i;
}

int
store_hold_drop(struct daemon *d, int64_t id)
{
	struct sched *s = &d->sched;
	size_t i = kept_index(s, id);

	if (i == s->n_held_next)
		return 0;
	s->held_next[i] = s->held_next[--s->n_held_next];
	return 1;
}

int
store_hold_is_kept(const struct daemon *d, int64_t id)
{
	return kept_index(&d->sched, id) < d->sched.n_held_next;
}

int
store_hold_next(const struct daemon *d, int64_t *id, int64_t *when)
{
	const struct sched *s = &d->sched;
	size_t i, best = 0;

	if (s->n_held_next == 0)
		return -1;
	for (i = 1; i < s->n_held_next; i++)
		if (s->held_next[i].next < s->held_next[best].next)
			best = i;
	*id = s->held_next[best].id;
	*when = s->held_next[best].next;
	return 0;
}

void
store_hold_free(struct daemon *d)
{
	free(d->sched.held_next);
	d->sched.held_next = NULL;
	d->sched.n_held_next = 0;
}
