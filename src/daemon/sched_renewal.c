/*
 * sched_renewal.c: one renewal, from "due" to "recorded". sched.c hands a
 * due proxy (its row, read once) to sched_renewal_start(): the proxy is
 * leased, a request is built and runner.c starts a worker with it. When
 * the worker is done, renewal_done() verifies the new proxy (parsed once),
 * commits it (rename + record in one transaction), sets the next time and
 * logs one line.
 *
 * Rules:
 *  (1) A proxy in flight has a lease: its next_renewal is pushed past the
 *      worker's hard timeout (never past its expiry), so the scheduler does
 *      not pick it again and a restart mid-renewal retries it soon.
 *  (2) A result is recorded only on the record it was started for (the
 *      store checks: same id, file, identity, servers, not expired); for
 *      a record unregistered, replaced or expired meanwhile it is discarded.
 *  (3) The new proxy replaces the repository file only after the master
 *      re-checked it (parses, key matches, same identity, later expiry,
 *      same VOMS attributes), inside the transaction that records it;
 *      otherwise the temp file is removed and the old proxy stays.
 *  (4) Every attempt ends in exactly one store record and one log line
 *      (identity, servers, outcome with the servers' own text, duration,
 *      next attempt); a worker that could not start, crashed or hung is
 *      one failed attempt. The record holds its row of the audit trail
 *      (history.c), in the same transaction.
 *  (5) RENEW_ALL / SIGUSR1 asks for every proxy renewed after the request
 *      (an operator fixed a CA directory, a server, a credential): an
 *      attempt in flight began before it, so whatever its outcome its
 *      proxy is due again when it ends: at once after a failure, a second
 *      later after a success (a proxy ending in the same second as the
 *      one just stored would be refused as not longer).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cred.h"
#include "credwatch_policy.h"
#include "daemon.h"
#include "failure_class.h"
#include "hook.h"
#include "keygen.h"
#include "log.h"
#include "loop.h"
#include "pr_limits.h"
#include "renew_contract.h"
#include "repo_files.h"
#include "small_file.h"
#include "store.h"
#include "xmalloc.h"

#define LEASE_SLACK_SEC		10	/* lease beyond the hard timeout */

struct renewal {
	TAILQ_ENTRY(renewal) entry;	/* in sched.in_flight */
	struct daemon *d;
	struct store_proxy p;		/* the record, as read when due */
	char *tmp;			/* temp file name; NULL once gone */
	char skipped[256];		/* cooling-down servers passed as Skip= */
	char given[RENEW_SERVERS_MAX][RENEW_SERVER_NAME_MAX];	/* not skipped */
	size_t n_given;
	int new_key;			/* 1: the worker gets a pooled key */
	int is_unrecorded;		/* its failure could not be recorded */
	int again;			/* renew-all came during the attempt */
};

/* ---- one renewal's life */

static char *
repo_path_of(const struct daemon *d, const char *name)
{
	return xasprintf("%s/%s", d->repo_path, name);
}

static void
renewal_free(struct renewal *r)
{
	struct pr_error err;

	if (r->tmp != NULL && repo_remove(r->d->repo_fd, r->tmp, &err) != 0)
		log_warnx("%s", err.msg);
	free(r->tmp);
	store_proxy_free(&r->p);
	free(r);
}

/* Rule (1): keep the scheduler off a proxy in flight. */
static int
renewal_lease(struct daemon *d, int64_t id, struct pr_error *err)
{
	return store_lease_for_renewal(d->store, id, (int64_t)time(NULL) +
	    d->opts.worker_timeout + LEASE_SLACK_SEC, err);
}

/* The servers the worker is asked to try (those not passed as Skip=). */
static void
renewal_note_given(struct renewal *r, const struct renew_server *srv,
    size_t n_srv, const char *const *skip, size_t n_skip)
{
	size_t i, j;

	r->n_given = 0;
	for (i = 0; i < n_srv; i++) {
		for (j = 0; j < n_skip && strcmp(skip[j], srv[i].name) != 0; j++)
			;
		if (j < n_skip && n_skip < n_srv)
			continue;	/* skipped (unless all were: all tried) */
		for (j = 0; j < r->n_given && strcmp(r->given[j],
		    srv[i].name) != 0; j++)
			;
		if (j == r->n_given)
			(void)snprintf(r->given[r->n_given++],
			    RENEW_SERVER_NAME_MAX, "%s", srv[i].name);
	}
}

/*
 * The worker was killed at its hard timeout and said nothing: the servers
 * it was given (one of them hung, those before it failed) are named as
 * unreachable, so they are logged, counted and cooled down like any other.
 */
static void
renewal_name_hang(const struct renewal *r, struct renew_result *res)
{
	size_t i, off = strlen(res->msg);

	if (res->code != PR_ERR_TIMEOUT || res->n_errors > 0 ||
	    strstr(res->msg, "hard timeout") == NULL)
		return;
	for (i = 0; i < r->n_given && i < RENEW_SERVERS_MAX; i++) {
		struct renew_server_error *se = &res->errors[res->n_errors++];

		(void)snprintf(se->server, sizeof(se->server), "%s",
		    r->given[i]);
		se->code = PR_ERR_TIMEOUT;
		se->is_unreachable = 1;
		(void)snprintf(se->msg, sizeof(se->msg), "no answer before the "
		    "worker's hard timeout");
		if (off < sizeof(res->msg))
			off += (size_t)snprintf(res->msg + off,
			    sizeof(res->msg) - off, "%s%s", i == 0 ?
			    " while trying " : ", ", r->given[i]);
	}
}

/* The request frame: paths, lifetime, timeouts, Skip=. */
static int
renewal_request(struct renewal *r, unsigned char **frame, size_t *len,
    struct pr_error *err)
{
	struct daemon *d = r->d;
	struct renew_server srv[RENEW_SERVERS_MAX];
	const char *skip[2 * RENEW_SERVERS_MAX];	/* MyProxy, then VOMS */
	struct renew_job job;
	char *cur = repo_path_of(d, r->p.file), *out = repo_path_of(d, r->tmp);
	size_t n_srv;
	int64_t life = d->opts.lifetime * 3600;
	int rc;

	sched_job_base(d, &r->p, cur, &job, srv, &n_srv, skip, r->skipped,
	    sizeof(r->skipped));
	renewal_note_given(r, srv, n_srv, skip, job.n_skip);
	job.out_path = out;
	job.new_key_fd = r->new_key;
	job.lifetime_sec = (int)(life < RENEW_LIFETIME_SEC_MAX ? life :
	    RENEW_LIFETIME_SEC_MAX);
	job.voms = d->opts.enable_voms;
	if (job.voms) {
		sched_voms_paths(&d->opts, &job.vomsdir, &job.vomses);
		job.n_skip = cool_skip_voms(&d->sched.cool, skip, job.n_skip,
		    sizeof(skip) / sizeof(skip[0]), r->skipped,
		    sizeof(r->skipped));
	}
	rc = renew_job_frame(&job, frame, len, err);
	free(cur);
	free(out);
	return rc;
}

/* "a:1 (unreachable), b:2 (failed), c:3 (renewed)" */
static void
servers_tried(const struct renew_result *res, char *buf, size_t size)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < res->n_errors && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s (%s)",
		    off ? ", " : "", res->errors[i].server,
		    res->errors[i].is_unreachable ? "unreachable" : "failed");
	if (res->code == 0 && off < size)
		(void)snprintf(buf + off, size - off, "%s%s (renewed)",
		    off ? ", " : "", res->server);
	if (buf[0] == '\0')
		(void)snprintf(buf, size, "none");
}

/* Rule (4): the one log line of an attempt (a failure's cls and rule). */
static void
renewal_log(const struct renewal *r, const struct renew_result *res,
    int64_t end, int64_t next, int64_t dur_ms, enum fclass cls,
    const struct fclass_rule *rule)
{
	const struct store_proxy *p = &r->p;
	char tried[512], t_next[32], t_end[32];
	const char *sk = r->skipped[0] ? "; skipped (cooling down): " : "";

	servers_tried(res, tried, sizeof(tried));
	clock_fmt_utc(next, t_next, sizeof(t_next));
	clock_fmt_utc(end, t_end, sizeof(t_end));
	if (res->code == 0)
		log_info("renewal of %s (%s): renewed in %lld ms; servers "
		    "tried: %s%s%s; valid until %s; next renewal %s", p->file,
		    p->identity, (long long)dur_ms, tried, sk, r->skipped,
		    t_end, t_next);
	else
		log_warnx("renewal of %s (%s): FAILED in %lld ms (failure %d, "
		    "code %d, %s%s%s%s): %s; servers tried: %s%s%s; proxy kept, "
		    "valid until %s; next attempt %s", p->file, p->identity,
		    (long long)dur_ms, p->failures + 1, res->code,
		    fclass_name(cls), rule ? ": " : "", rule ? rule->reason : "",
		    cls == FCLASS_USER ? "; retried at the longest backoff" : "",
		    res->msg, tried,
		    sk, r->skipped, t_end, t_next);
}

/*
 * A failure whose full line was logged once already (a repeat of the same
 * needs-user-action or local failure, or one the repository cannot record
 * while its cause was logged): one info line saying why it is short.
 */
static void
renewal_log_short(const struct renewal *r, const struct renew_result *res,
    int64_t next, enum fclass cls, const char *why)
{
	char t_next[32];

	clock_fmt_utc(next, t_next, sizeof(t_next));
	log_info("renewal of %s (%s): failed%s (failure %d, code %d, %s, %s); "
	    "next attempt %s", r->p.file, r->p.identity, r->is_unrecorded ? "" :
	    " again", r->p.failures + 1, res->code, fclass_name(cls), why,
	    t_next);
}

/* The hook's facts for p (the row as read when due); res NULL: success. */
static void
renewal_hook(struct renewal *r, const char *event, int64_t end,
    int failures, enum fclass cls, const struct renew_result *res)
{
	struct daemon *d = r->d;
	struct hook_event ev;
	char *path;

	if (!hook_is_on(d))
		return;		/* its facts cost a store query */
	path = repo_path_of(d, r->p.file);
	ev = (struct hook_event){ event, r->p.identity, path, r->p.n_jobs, end,
	    credwatch_end_of(d, r->p.identity_hash), failures,
	    fclass_name(cls), res != NULL ? res->msg : "", NULL, 0 };
	hook_fire(d, &ev);
	free(path);
}

static void
log_discarded(const struct renewal *r)
{
	log_info("renewal of %s (%s): result discarded, the record was "
	    "unregistered, replaced or expired meanwhile", r->p.file,
	    r->p.identity);
}

/* Rule (3), first half: parse the new proxy once and judge it. */
static int
renewal_verify(const struct renewal *r, int64_t now, int64_t *new_end,
    int64_t *ac_end, struct pr_error *err)
{
	struct cred_info info;
	char *path = repo_path_of(r->d, r->tmp), *pem = NULL;
	size_t len = 0;
	int rc;

	memset(&info, 0, sizeof(info));
	rc = cred_read_file(path, PR_PROXY_FILE_MAX_BYTES, &pem, &len, err);
	free(path);
	if (rc == 0 && (rc = cred_inspect_with(cred_memo_decoder(
	    r->d->cred_memo), pem, len, now, &info, err)) != 0 &&
	    rc != ENOMEM)
		rc = PR_ERR_SSL;
	wipe_free(pem, len);	/* it holds a private key */
	if (rc == 0)
		rc = renew_verify_info(&info, r->p.identity, r->p.not_after,
		    new_end, err);
	if (rc == 0 && strcmp(info.fqans, r->p.fqans) != 0)
		rc = pr_error_set(err, PR_ERR_VOMS, "new proxy's VOMS "
		    "attributes differ from the registered ones");
	*ac_end = info.ac_not_after;
	cred_info_free(&info);
	return rc;
}

/* Shorter than asked: the credential watch asks INFO soon (credwatch.c). */
static int
renewal_watch_short(struct renewal *r, int64_t now, int64_t end,
    struct pr_error *err)
{
	struct daemon *d = r->d;
	int64_t asked = d->opts.lifetime * 3600, when;
	char why[8];

	if (asked > RENEW_LIFETIME_SEC_MAX)
		asked = RENEW_LIFETIME_SEC_MAX;
	if (!credwatch_short_reason(now, asked, end, LIMITED_X509, 0, why,
	    sizeof(why)))
		return 0;
	when = credwatch_next(now, d->opts.cred_short_delay, end);
	credwatch_note(d, when);
	return store_cred_watch(d->store, r->p.identity_hash, r->p.identity,
	    when, err);
}

/* Rule (3), second half: record and rename in one transaction. */
static int
renewal_commit(struct renewal *r, int64_t now, int64_t end, int64_t next,
    const struct store_attempt *a, struct pr_error *err)
{
	struct daemon *d = r->d;
	int rc;

	if ((rc = store_begin(d->store, err)) == 0 &&
	    (rc = store_record_renewal_success(d->store, &r->p, end, now, next,
	    a, err)) == 0 && (rc = renewal_watch_short(r, now, end, err)) == 0) {
		rc = repo_commit_temp(d->repo_fd, r->tmp, r->p.file, err);
		free(r->tmp);	/* renamed, or removed by repo_commit_temp */
		r->tmp = NULL;
	}
	if (rc == 0)
		rc = store_commit(d->store, err);
	if (rc != 0)
		store_rollback(d->store);
	return rc;
}

/* A failed attempt: next try after the back-off, never after the expiry. */
static void
renewal_failed(struct renewal *r, const struct renew_result *res,
    int64_t now, int64_t dur_ms)
{
	struct daemon *d = r->d;
	const struct store_proxy *p = &r->p;
	const struct fclass_rule *rule, *prev_rule;
	struct store_attempt a;
	struct pr_error err;
	enum fclass cls, prev;
	char servers[STORE_HISTORY_SERVERS_MAX_BYTES + 1];
	int64_t next;
	int rc, is_repeat;

	cls = fclass_classify(res->code, res->msg, &rule);
	prev = p->failures > 0 ? fclass_classify(p->last_result, p->last_error,
	    &prev_rule) : FCLASS_NONE;
	is_repeat = prev == cls && prev_rule == rule &&
	    (cls == FCLASS_USER || cls == FCLASS_LOCAL);
	/* needs-user-action: only the owner can fix it, no quicker retries */
	next = now + (cls == FCLASS_USER ? d->opts.backoff_max :
	    sched_backoff(p->failures + 1, d->opts.backoff_min,
	    d->opts.backoff_max, arc4random()));
	if (r->again)		/* rule (5) */
		next = now;
	if (next > p->not_after)	/* expire on time */
		next = p->not_after > now ? p->not_after : now;
	metrics_note_attempt(d, res->code, cls, dur_ms);
	pr_error_clear(&err);
	history_attempt_of(&a, res, r->skipped, now, dur_ms, 0, servers,
	    sizeof(servers));
	rc = store_record_failed_attempt(d->store, p, now, res->code, res->msg,
	    next, &a, &err);
	if (rc == PR_ERR_NOT_REGISTERED) {
		log_discarded(r);
		return;
	}
	if (rc != 0) {
		store_hold_failed(d, now, err.msg);	/* logs it once */
		store_hold_keep(d, p->id, next);	/* not the store's lease */
		is_repeat = r->is_unrecorded = d->sched.n_store_fail > 1;
	} else {
		store_hold_recorded(d);
	}
	if (is_repeat)
		renewal_log_short(r, res, next, cls, r->is_unrecorded ?
		    "not recorded: the repository is held, its cause logged "
		    "once" : "as before: logged once");
	else
		renewal_log(r, res, p->not_after, next, dur_ms, cls, rule);
	if (cls == FCLASS_USER && prev != FCLASS_USER)
		renewal_hook(r, HOOK_NEEDS_USER_ACTION, p->not_after,
		    p->failures + 1, cls, res);
	if (p->failures + 1 == d->opts.hook_failures)
		renewal_hook(r, HOOK_RENEWAL_FAILED, p->not_after,
		    p->failures + 1, cls, res);
}

/* Judge, commit or discard, record, log. */
static void
renewal_record(struct renewal *r, struct renew_result *res, int64_t now,
    int64_t dur_ms)
{
	struct daemon *d = r->d;
	struct store_attempt a;
	struct pr_error err;
	char servers[STORE_HISTORY_SERVERS_MAX_BYTES + 1];
	int64_t next = 0, ac_end = 0;
	int rc;

	pr_error_clear(&err);
	if (res->code != 0) {
		renewal_failed(r, res, now, dur_ms);
		return;
	}
	if ((rc = renewal_verify(r, now, &res->end_time, &ac_end, &err)) == 0) {
		next = sched_jitter(sched_renew_at(res->end_time, now,
		    d->opts.condor_limit, now), res->end_time, now,
		    arc4random());
		if (r->again)	/* rule (5), a second on: it must end later */
			next = now + 1;
		history_attempt_of(&a, res, r->skipped, now, dur_ms, ac_end,
		    servers, sizeof(servers));
		rc = renewal_commit(r, now, res->end_time, next, &a, &err);
	}
	if (rc == 0) {
		store_hold_recorded(d);
		notify_renewed(d, now);
		metrics_note_attempt(d, 0, FCLASS_NONE, dur_ms);
		renewal_log(r, res, res->end_time, next, dur_ms, FCLASS_NONE,
		    NULL);
		renewal_hook(r, HOOK_RENEWED, res->end_time, 0, FCLASS_NONE,
		    NULL);
	} else if (rc == PR_ERR_NOT_REGISTERED) {
		log_discarded(r);
	} else {
		res->code = err.code;
		(void)snprintf(res->msg, sizeof(res->msg), "result rejected by "
		    "the daemon: %.450s", err.msg);
		renewal_failed(r, res, now, dur_ms);
	}
}

/* runner_done_fn: the worker is gone; NULL: abandoned at shutdown. */
static void
renewal_done(void *arg, const struct renew_result *wres, int64_t dur_ms)
{
	struct renewal *r = arg;
	struct daemon *d = r->d;
	struct renew_result res;

	TAILQ_REMOVE(&d->sched.in_flight, r, entry);
	if (wres == NULL) {
		log_info("renewal of %s abandoned at shutdown", r->p.file);
		renewal_free(r);
		return;
	}
	keygen_pause(d, d->runner.n_running > 0);
	res = *wres;
	renewal_name_hang(r, &res);
	metrics_note_servers(d, &res);
	cool_note_result(&d->sched.cool, &res, d->opts.cooldown);
	renewal_record(r, &res, (int64_t)time(NULL), dur_ms);
	renewal_free(r);
	if (!d->stopping) {
		sched_kick(d);
		credwatch_kick(d);	/* an INFO waiting for a slot may go */
	}
}

/*
 * Temp file, request, worker. The worker is handed the current proxy, the
 * temp file and (when the pool has one) a key made ahead as descriptors:
 * it opens nothing in the repository.
 */
static int
renewal_spawn(struct renewal *r, struct pr_error *err)
{
	struct daemon *d = r->d;
	unsigned char *req = NULL;
	size_t len = 0;
	int fds[3] = { -1, -1, -1 }, rc;

	fds[0] = openat(d->repo_fd, r->p.file, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC);
	if (fds[0] == -1)
		return pr_error_set(err, errno, "current proxy %s: %s",
		    r->p.file, strerror(errno));
	if ((fds[1] = repo_create_temp(d->repo_fd, &r->tmp, err)) == -1) {
		(void)close(fds[0]);
		return err->code;
	}
	r->new_key = keygen_hand(d, &fds[2]) == 0;
	if ((rc = renewal_request(r, &req, &len, err)) == 0)
		rc = runner_start(&d->runner, req, len, fds,
		    d->opts.worker_timeout, renewal_done, r, err);
	if (rc == 0)
		keygen_pause(d, 1);	/* workers run: no key made meanwhile */
	(void)close(fds[0]);
	(void)close(fds[1]);
	if (fds[2] != -1)
		(void)close(fds[2]);	/* unread when no worker: wiped with it */
	return rc;
}

/*
 * Start one renewal of p (the row read when it became due; taken over, p
 * is emptied, when a renewal owns it). 0 when a worker took it, or already
 * had it, or it could not start and that was recorded as a failed attempt;
 * ENOSYS when renewal is disabled, EAGAIN when every worker is busy, else
 * a store error; err set and nothing changed when not 0.
 */
int
sched_renewal_start(struct daemon *d, struct store_proxy *p,
    struct pr_error *err)
{
	struct renewal *r;
	struct renew_result res;

	if (!d->sched.enabled)
		return pr_error_set(err, ENOSYS, "not renewable: renewal is "
		    "disabled (no service credential)");
	if (d->stopping || d->runner.n_running >= d->runner.max)
		return pr_error_set(err, EAGAIN, "all %d renewal workers busy",
		    d->runner.max);
	TAILQ_FOREACH(r, &d->sched.in_flight, entry)
		if (r->p.id == p->id)	/* due again while in flight */
			return renewal_lease(d, p->id, err);
	r = xcalloc(1, sizeof(*r));
	r->d = d;
	r->p = *p;
	memset(p, 0, sizeof(*p));
	memset(&res, 0, sizeof(res));
	if ((res.code = renewal_spawn(r, err)) != 0) {
		/* could not start: one failed attempt */
		(void)snprintf(res.msg, sizeof(res.msg), "%s", err->msg);
		renewal_failed(r, &res, (int64_t)time(NULL), 0);
		renewal_free(r);
		pr_error_clear(err);
		return 0;
	}
	TAILQ_INSERT_TAIL(&d->sched.in_flight, r, entry);
	if (renewal_lease(d, r->p.id, err) != 0)
		log_warnx("renewal of %s: %s", r->p.file, err->msg);
	log_debug("renewal of %s (%s) started: worker %d, %s, servers %s%s%s",
	    r->p.file, r->p.identity, runner_pid_of(&d->runner, r),
	    r->new_key ? "key from the pool" : "key made in the exchange",
	    r->p.servers, r->skipped[0] ? ", skipping " : "", r->skipped);
	pr_error_clear(err);
	return 0;
}

/* Rule (5): every renewal in flight is done again when it ends. */
int64_t
sched_renewal_again_all(struct daemon *d)
{
	struct renewal *r;
	int64_t n = 0;

	TAILQ_FOREACH(r, &d->sched.in_flight, entry) {
		r->again = 1;
		n++;
	}
	return n;
}

void
sched_renewal_shutdown(struct daemon *d)
{
	struct sched *s = &d->sched;

	runner_shutdown(&d->runner);	/* each renewal hears "abandoned" */
	free(s->cert);
	free(s->key);
	free(s->cadir);
	s->cert = s->key = s->cadir = NULL;
	cool_free(&s->cool);
	store_hold_free(d);
}
