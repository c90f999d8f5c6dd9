/*
 * credwatch.c: the long-term credential watch. For each identity with a
 * live proxy the daemon asks MyProxy INFO (a worker in Mode=info,
 * confined like a renewal, authenticated with the registered proxy
 * itself) when the stored credential ends and whether this service may
 * renew it: at REGISTER of a new proxy (register.c writes the row; the
 * reply never waits for it), then every --credential-check-interval,
 * soon after a renewal came back shorter than asked (sched_renewal.c),
 * and when a warning lead time is crossed. What INFO said is judged and
 * recorded by credwatch_result.c.
 *
 * Rules:
 *  (1) Renewals come first: an INFO starts only while no renewal is due,
 *      the scheduler is not holding work for a slot, and a worker slot
 *      stays free for renewals (unless there is only one); otherwise it
 *      waits WATCH_RETRY_SEC. At most one INFO runs at a time.
 *  (2) One timer, armed for the earliest next_check (an indexed read),
 *      never more than WATCH_MAX_SLEEP_SEC ahead.
 *  (3) A row whose identity has no live proxy any more is dropped when it
 *      comes due (INFO needs a proxy to ask with).
 *  (4) No INFO goes out while every server of the proxy cools down (a
 *      renewal would try them anyway, cooldown.c rule 2): it would only
 *      hold a worker on a server known to fail. It counts as a failed
 *      INFO (logged once, asked again later), so the rows behind it get
 *      their turn.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "credwatch_int.h"
#include "log.h"
#include "loop.h"
#include "renew_contract.h"
#include "store.h"
#include "xmalloc.h"

#define WATCH_MAX_SLEEP_SEC	3600
#define WATCH_RETRY_SEC		10	/* every slot busy: look again */
#define WATCH_BATCH		16	/* forgotten rows per firing */

static void watch_fire(struct loop *l, long long id, void *arg);

static void
watch_disarm(struct credwatch *w)
{
	if (w->timer != 0)
		loop_del_timer(w->d->loop, w->timer);
	w->timer = 0;
	w->armed_for = 0;
	w->is_settled = 0;
}

static void
watch_arm(struct credwatch *w, int64_t when)
{
	int64_t delay = clock_secs_until(when, WATCH_MAX_SLEEP_SEC);

	watch_disarm(w);
	w->timer = loop_add_timer(w->d->loop, delay * 1000, watch_fire, w->d);
	w->armed_for = when;
}

void
credwatch_init(struct daemon *d)
{
	d->watch = xcalloc(1, sizeof(*d->watch));
	d->watch->d = d;
	credwatch_kick(d);
}

void
credwatch_note(struct daemon *d, int64_t when)
{
	struct credwatch *w = d->watch;

	if (w == NULL || w->busy != NULL)
		return;		/* its end kicks */
	if (w->timer == 0 || when < w->armed_for)
		watch_arm(w, when);
}

void
credwatch_kick(struct daemon *d)
{
	struct credwatch *w = d->watch;

	if (w == NULL || w->busy != NULL || d->stopping || w->is_settled)
		return;		/* settled: a look now finds the same */
	watch_arm(w, (int64_t)time(NULL));
}

int
credwatch_busy(const struct daemon *d)
{
	return d->watch != NULL && d->watch->busy != NULL ?
	    runner_pid_of(&d->runner, d->watch->busy) : 0;
}

size_t
credwatch_leads(const struct daemon *d, int64_t *leads)
{
	const char *why;
	size_t n = 0;

	/* options.c checked it; a failure leaves no lead at all */
	if (credwatch_parse_leads(d->opts.cred_warning, leads, &n, &why) != 0)
		n = 0;
	return n;
}

/* Rule (1): may an INFO take a worker now? */
static int
watch_slot_free(struct daemon *d, int64_t now)
{
	struct pr_error err;
	int64_t id, when;
	int due;

	pr_error_clear(&err);
	/* the kept schedule counts, as for renewals (store_hold.c) */
	due = sched_next_due(d, &id, &when, &err) == 0 && when <= now;
	return credwatch_may_start(d->runner.n_running, d->runner.max,
	    d->sched.held, due);
}

/* Rule (4): does every server of p cool down? */
static int
watch_all_cooling(struct daemon *d, const struct store_proxy *p)
{
	struct renew_server srv[RENEW_SERVERS_MAX];
	struct pr_error perr;
	size_t i, n = 0;

	if (renew_parse_servers(p->servers, srv, RENEW_SERVERS_MAX, &n,
	    &perr) != 0 || n == 0)
		return 0;	/* the worker reports a bad list */
	for (i = 0; i < n; i++)
		if (cool_left_ms(&d->sched.cool, srv[i].name) == 0)
			return 0;
	return 1;
}

/* The Mode=info request: the proxy's servers, not those cooling down. */
static int
watch_request(struct daemon *d, const struct store_proxy *p,
    unsigned char **frame, size_t *len, struct pr_error *err)
{
	struct renew_server srv[RENEW_SERVERS_MAX];
	const char *skip[RENEW_SERVERS_MAX];
	struct renew_job job;
	char why[256], *path = xasprintf("%s/%s", d->repo_path, p->file);
	size_t n_srv;
	int rc;

	sched_job_base(d, p, path, &job, srv, &n_srv, skip, why, sizeof(why));
	job.info = 1;
	rc = renew_job_frame(&job, frame, len, err);
	free(path);
	return rc;
}

/* runner_done_fn of an INFO; NULL: abandoned at shutdown. */
static void
watch_done(void *arg, const struct renew_result *res, int64_t dur_ms)
{
	struct watch_run *run = arg;
	struct daemon *d = run->d;

	d->watch->busy = NULL;
	if (res != NULL)
		credwatch_result(d, run, res, (int64_t)time(NULL), dur_ms);
	store_cred_free(&run->c);
	store_proxy_free(&run->p);
	free(run);
	if (res != NULL && !d->stopping) {
		sched_kick(d);		/* a slot is free */
		credwatch_kick(d);
	}
}

/* Start the INFO of run (the proxy handed as fd 3 alone). */
static int
watch_spawn(struct daemon *d, struct watch_run *run, struct pr_error *err)
{
	unsigned char *req = NULL;
	size_t len = 0;
	int fds[3] = { -1, -1, -1 }, rc;	/* the proxy alone */

	fds[0] = openat(d->repo_fd, run->p.file, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC);
	if (fds[0] == -1)
		return pr_error_set(err, errno, "current proxy %s: %s",
		    run->p.file, strerror(errno));
	if ((rc = watch_request(d, &run->p, &req, &len, err)) == 0)
		rc = runner_start(&d->runner, req, len, fds,
		    d->opts.worker_timeout, watch_done, run, err);
	(void)close(fds[0]);
	return rc;
}

/* The proxy to ask with for c; 1 when the row was dropped (rule 3). */
static int
watch_take(struct daemon *d, struct watch_run *run, struct pr_error *err)
{
	int64_t id;
	int rc;

	rc = store_cred_proxy(d->store, run->c.identity_hash, &id, err);
	if (rc == 0)
		return store_get_proxy(d->store, id, &run->p, err);
	if (rc != PR_ERR_NOT_REGISTERED)
		return rc;
	log_debug("credential watch: %s has no live proxy; not watched any "
	    "more", run->c.identity);
	pr_error_clear(err);
	if ((rc = store_cred_forget(d->store, run->c.identity_hash, err)) != 0)
		return rc;
	return 1;
}

/* One due row: 0 started or armed, 1 dropped (look again), or an error. */
static int
watch_one(struct daemon *d, int64_t now, struct pr_error *err)
{
	struct credwatch *w = d->watch;
	struct watch_run *run = xcalloc(1, sizeof(*run));
	int rc;

	run->d = d;
	if ((rc = store_cred_next(d->store, &run->c, err)) != 0 ||
	    run->c.next_check > now || !watch_slot_free(d, now)) {
		if (rc == 0)
			watch_arm(w, run->c.next_check > now ?
			    run->c.next_check : now + WATCH_RETRY_SEC);
		/* armed for the earliest row, or nothing watched (no
		 * timer): so until a row is written (credwatch_note) */
		w->is_settled = rc == PR_ERR_NOT_REGISTERED ||
		    (rc == 0 && run->c.next_check > now);
		if (rc == PR_ERR_NOT_REGISTERED)
			rc = 0;		/* nothing watched: no timer */
	} else if ((rc = watch_take(d, run, err)) == 0) {
		if (watch_all_cooling(d, &run->p))
			(void)pr_error_set(err, PR_ERR_MYPROXY, "not asked: "
			    "every server of the proxy is cooling down after "
			    "it failed (--cooldown)");
		else if (watch_spawn(d, run, err) == 0) {
			w->busy = run;
			log_debug("credential watch: INFO for %s started: worker "
			    "%d, servers %s", run->c.identity,
			    credwatch_busy(d), run->p.servers);
			return 0;
		}
		credwatch_failed(d, run, err->msg, now);	/* logs once */
		watch_arm(w, now);
		rc = 0;
	}
	store_cred_free(&run->c);
	store_proxy_free(&run->p);
	free(run);
	return rc;
}

static void
watch_fire(struct loop *l, long long id, void *arg)
{
	struct daemon *d = arg;
	struct credwatch *w = d->watch;
	struct pr_error err;
	int64_t now = (int64_t)time(NULL);
	int i, rc = 1;

	(void)l;
	(void)id;
	w->timer = 0;
	w->armed_for = 0;
	w->is_settled = 0;
	if (w->busy != NULL || d->runner.path == NULL || d->stopping)
		return;
	/* the store cannot record (renewals held), or could not record ours */
	if (store_hold_reason(d) != NULL || w->hold_until > now) {
		watch_arm(w, w->hold_until > now ? w->hold_until :
		    now + WATCH_RETRY_SEC);
		return;
	}
	for (i = 0; i < WATCH_BATCH && rc == 1; i++) {
		pr_error_clear(&err);
		rc = watch_one(d, now, &err);
	}
	if (rc == 1)
		watch_arm(w, now);	/* more rows to drop: yield first */
	else if (rc != 0) {
		log_warnx("credential watch: %s", err.msg);
		watch_arm(w, now + d->opts.backoff_max);
	}
}

/* Timer off (the INFO in flight is abandoned by runner_shutdown). */
void
credwatch_shutdown(struct daemon *d)
{
	if (d->watch != NULL)
		watch_disarm(d->watch);
}

/* After runner_shutdown: nothing of the watch runs any more. */
void
credwatch_free(struct daemon *d)
{
	free(d->watch);
	d->watch = NULL;
}
