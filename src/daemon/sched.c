/*
 * sched.c: the renewal timer. One loop timer is armed for the earliest
 * next_renewal in the store (an indexed query, never a scan); when it fires,
 * due proxies are handed to the worker pool.
 *
 * Rules:
 *  (1) At most one timer is armed (sched.timer), for sched.armed_for.
 *  (2) next_renewal is wall time; the timer is monotonic. A timer is never
 *      armed more than SCHED_MAX_SLEEP_SEC ahead, so a wall-clock step is
 *      noticed within that time. Nothing scheduled: no timer at all.
 *  (3) held = 1 when due work was refused by the worker pool: the timer is
 *      not re-armed (no busy loop) until sched_kick() (a worker finished,
 *      SIGUSR1, RENEW_ALL, start-up).
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "daemon.h"
#include "log.h"
#include "loop.h"
#include "store.h"
#include "xmalloc.h"

#define SCHED_MAX_SLEEP_SEC	3600

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
	int64_t delay = when - (int64_t)time(NULL);

	sched_disarm(d);
	if (delay < 0)
		delay = 0;
	if (delay > SCHED_MAX_SLEEP_SEC)
		delay = SCHED_MAX_SLEEP_SEC;
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
	sched_kick(d);
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
	rc = store_next_due(d->store, &id, &when, &err);
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
sched_fire(struct loop *l, long long tid, void *arg)
{
	struct daemon *d = arg;
	struct pr_error err;
	int64_t id, when, now = (int64_t)time(NULL);
	int i, rc;

	(void)l;
	(void)tid;
	d->sched.timer = 0;
	d->sched.armed_for = 0;
	/* A worker that takes a proxy clears its next_renewal (issue 3). */
	for (i = 0; i <= d->workers.max; i++) {
		pr_error_clear(&err);
		rc = store_next_due(d->store, &id, &when, &err);
		if (rc == PR_ERR_NOT_REGISTERED)
			return;
		if (rc != 0) {
			log_warnx("sched: %s", err.msg);
			return;
		}
		if (when > now) {
			sched_arm(d, when);
			return;
		}
		if (worker_start(d, id, &err) != 0) {
			log_debug("sched: proxy %lld due since %lld: %s",
			    (long long)id, (long long)when, err.msg);
			d->sched.held = 1;
			return;
		}
	}
}

struct id_list {
	int64_t *ids;
	size_t n, cap;
};

static int
sched_collect(const struct store_proxy *p, void *arg)
{
	struct id_list *ls = arg;

	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? 2 * ls->cap : 64;
		ls->ids = xreallocarray(ls->ids, ls->cap, sizeof(*ls->ids));
	}
	ls->ids[ls->n++] = p->id;
	return 0;
}

/*
 * SIGUSR1 / RENEW_ALL: make every stored proxy due now, in one transaction,
 * then kick the timer. This is the one operation that walks every proxy.
 */
int
sched_renew_all(struct daemon *d, int64_t *n, struct pr_error *err)
{
	struct id_list ls = { NULL, 0, 0 };
	struct store_proxy p;
	int64_t now = (int64_t)time(NULL);
	size_t i;
	int rc;

	*n = 0;
	if ((rc = store_foreach_proxy(d->store, sched_collect, &ls, err)) != 0)
		goto out;
	if ((rc = store_begin(d->store, err)) != 0)
		goto out;
	for (i = 0; i < ls.n; i++) {
		rc = store_get_proxy(d->store, ls.ids[i], &p, err);
		if (rc == PR_ERR_NOT_REGISTERED) {
			rc = 0;		/* unregistered meanwhile */
			continue;
		}
		if (rc != 0)
			break;
		rc = store_update_proxy_times(d->store, p.id, p.not_after,
		    p.obtained, now, err);
		store_proxy_free(&p);
		if (rc != 0)
			break;
	}
	if (rc == 0)
		rc = store_commit(d->store, err);
	if (rc != 0)
		store_rollback(d->store);
	else
		*n = (int64_t)ls.n;
out:
	free(ls.ids);
	if (rc == 0)
		sched_kick(d);
	return rc;
}

void
sched_stop(struct daemon *d)
{
	sched_disarm(d);
}
