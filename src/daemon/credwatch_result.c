/*
 * credwatch_result.c: what a MyProxy INFO answer means (credwatch.c asks
 * it): the stored credential's end, its server and whether this service
 * may renew it are recorded on the identity's row; a warning lead time
 * crossed gives one log warning, one hook event credential-expiring and
 * its bit in the row (credwatch_warning: once per lead and identity, until
 * a later credential re-arms it); a failed INFO is logged once per cause
 * and asked again later, never in a storm.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "credwatch_int.h"
#include "hook.h"
#include "log.h"
#include "renew_contract.h"
#include "xmalloc.h"

int64_t
credwatch_end_of(const struct daemon *d, const char *identity_hash)
{
	struct store_cred c;
	struct pr_error err;
	int64_t end = 0;

	pr_error_clear(&err);
	if (identity_hash != NULL &&
	    store_cred_get(d->store, identity_hash, &c, &err) == 0) {
		end = c.cred_end;
		store_cred_free(&c);
	}
	return end;
}

/* A failed INFO is asked again after this: no storm, but not a day. */
static int64_t
retry_after(const struct daemon *d)
{
	int64_t r = d->opts.cred_check_interval / 8;

	if (r < d->opts.backoff_max)
		r = d->opts.backoff_max;
	return r < d->opts.cred_check_interval ? r : d->opts.cred_check_interval;
}

void
credwatch_failed(struct daemon *d, struct watch_run *run, const char *why,
    int64_t now)
{
	struct pr_error err;
	char t_next[32];
	int64_t next = now + retry_after(d);

	clock_fmt_utc(next, t_next, sizeof(t_next));
	if (strcmp(run->c.last_error, why) != 0)
		log_warnx("credential watch: MyProxy INFO for %s (servers %s) "
		    "failed: %s; asked again at %s (logged once)",
		    run->c.identity, run->p.servers ? run->p.servers : "-", why,
		    t_next);
	else
		log_debug("credential watch: INFO for %s failed again (as "
		    "before); next %s", run->c.identity, t_next);
	pr_error_clear(&err);
	if (store_cred_failed(d->store, run->c.identity_hash, why, next,
	    &err) != 0 && err.code != PR_ERR_NOT_REGISTERED)
		credwatch_not_recorded(d, err.msg, now);
}

void
credwatch_not_recorded(struct daemon *d, const char *why, int64_t now)
{
	struct credwatch *w = d->watch;

	if (w->hold_until == 0)
		log_warnx("credential watch: cannot record in the repository "
		    "(%s): paused, asked again in %lld s (logged once)", why,
		    (long long)retry_after(d));
	w->hold_until = now + retry_after(d);
}

/* One warning: the log line and the hook event. */
static void
warn_expiring(struct daemon *d, const struct watch_run *run, int64_t lead,
    int64_t now)
{
	const struct store_cred *c = &run->c;
	char t_end[32], msg[512], *path;
	struct hook_event ev;

	clock_fmt_utc(c->cred_end, t_end, sizeof(t_end));
	(void)snprintf(msg, sizeof(msg), "the long-term credential of %s "
	    "stored on %s ends at %s (in %lld h), within the warning lead "
	    "time of %lld h: renewals stop then unless its owner stores a new "
	    "one (myproxy-init)", c->identity, c->server, t_end,
	    (long long)((c->cred_end - now) / 3600), (long long)(lead / 3600));
	log_warnx("credential watch: %s", msg);
	if (!hook_is_on(d))
		return;
	path = xasprintf("%s/%s", d->repo_path, run->p.file);
	memset(&ev, 0, sizeof(ev));
	ev.event = HOOK_CREDENTIAL_EXPIRING;
	ev.identity = c->identity;
	ev.file = path;
	ev.jobs = run->p.n_jobs;
	ev.end_time = run->p.not_after;
	ev.credential_end_time = c->cred_end;
	ev.failures = run->p.failures;
	ev.failure_class = "";
	ev.message = msg;
	ev.credential_server = c->server;
	ev.lead = lead;
	hook_fire(d, &ev);
	free(path);
}

/* The one log line of an answer (info when something changed). */
static void
log_answer(const struct watch_run *run, int64_t prev_end, int prev_allowed,
    int64_t dur_ms)
{
	const struct store_cred *c = &run->c;
	char t_end[32], t_next[32];
	int changed = c->cred_end != prev_end ||
	    c->renew_allowed != prev_allowed;

	clock_fmt_utc(c->cred_end, t_end, sizeof(t_end));
	clock_fmt_utc(c->next_check, t_next, sizeof(t_next));
	(changed ? log_info : log_debug)("credential watch: %s: the stored "
	    "credential on %s ends at %s; renewal by this service: %s%s%s%s; "
	    "INFO took %lld ms; next check %s", c->identity, c->server, t_end,
	    renew_allowed_name(c->renew_allowed), c->renewers[0] ?
	    " (its renewers policy: " : "", c->renewers, c->renewers[0] ?
	    ")" : "", (long long)dur_ms, t_next);
	if (c->renew_allowed == RENEW_ALLOWED_NO &&
	    prev_allowed != RENEW_ALLOWED_NO)
		log_warnx("credential watch: %s: the stored credential on %s "
		    "may not be renewed by this service (its renewers policy "
		    "is '%s'): renewals will fail until its owner stores it "
		    "again allowing this service (myproxy-init -R)",
		    c->identity, c->server, c->renewers);
}

/* The answer into run->c; the next check and the warnings decided. */
static int
take_answer(struct daemon *d, struct watch_run *run,
    const struct renew_result *res, int64_t now)
{
	struct store_cred *c = &run->c;
	int64_t leads[CREDWATCH_LEADS_MAX], t;
	size_t n = credwatch_leads(d, leads);
	int lead;

	c->cred_end = res->end_time;
	free(c->server);
	c->server = xstrdup(res->server);
	free(c->renewers);
	c->renewers = xstrdup(res->renewers);
	c->renew_allowed = res->renew_allowed;
	c->warned = credwatch_rearm(c->warned, c->cred_end, now, leads, n);
	lead = credwatch_warning(c->cred_end, now, leads, n, &c->warned);
	c->next_check = credwatch_next(now, d->opts.cred_check_interval,
	    run->p.not_after);
	t = credwatch_next_lead(c->cred_end, now, leads, n, c->warned);
	if (t > 0 && t < c->next_check)
		c->next_check = t;	/* ask again when the next lead comes */
	return lead >= 0 ? (int)leads[lead] : -1;
}

void
credwatch_result(struct daemon *d, struct watch_run *run,
    const struct renew_result *res, int64_t now, int64_t dur_ms)
{
	struct pr_error err;
	int64_t prev_end = run->c.cred_end;
	int prev_allowed = run->c.renew_allowed, lead;

	if (res->code != 0 || !res->is_info) {
		credwatch_failed(d, run, res->code != 0 ? res->msg :
		    "the worker's answer is no INFO result", now);
		return;
	}
	lead = take_answer(d, run, res, now);
	pr_error_clear(&err);
	if (store_cred_record(d->store, &run->c, now, &err) != 0) {
		if (err.code != PR_ERR_NOT_REGISTERED)
			credwatch_not_recorded(d, err.msg, now);
		return;		/* not recorded: not warned either */
	}
	d->watch->hold_until = 0;
	log_answer(run, prev_end, prev_allowed, dur_ms);
	if (lead >= 0)
		warn_expiring(d, run, lead, now);
}
