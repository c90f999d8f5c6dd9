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
 * Rules:
 *  (1) Only the scheduler's choice of the next due proxy looks at the hold
 *      (sched.c); expiry is not held: a proxy past its end still expires.
 *  (2) The hold lives in struct sched alone: nothing of it is stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

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
