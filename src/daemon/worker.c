/*
 * worker.c: MASTER side of the renewal worker pool (issue 3). Each renewal
 * runs in its own proxy-renewd-worker process (contract: src/renew/renew.h);
 * this file starts them, talks to them through the event loop, enforces the
 * hard timeout, reaps them, verifies and commits what they return, records
 * every attempt and schedules the next one.
 *
 * Rules:
 *  (1) At most pool.max workers run; worker_start() answers EAGAIN beyond
 *      that and the scheduler holds until worker_done() kicks it.
 *  (2) The master never blocks on a worker: the socket is non-blocking and
 *      driven by the loop; exits arrive through a SIGCHLD signalfd and are
 *      reaped with waitpid(pid, WNOHANG) for our own pids only.
 *  (3) A proxy in flight has a lease: its next_renewal is pushed past the
 *      worker's hard timeout (never past its expiry), so the scheduler does
 *      not pick it again and a restart mid-renewal retries it soon.
 *      Completion rewrites it; a result for a record that expired, was
 *      unregistered or replaced meanwhile is discarded.
 *  (4) A worker's result replaces the repository file only after the master
 *      re-checked it (cred_inspect through renew_verify: parses, key
 *      matches, same identity, later expiry, same VOMS attributes) and the
 *      record is still the one the worker was started for; otherwise the
 *      temp file is removed and the old proxy stays.
 *  (5) Every attempt ends in exactly one store_record_attempt and one log
 *      line (identity, servers, outcome with the servers' own text,
 *      duration, next attempt); a crash or hang is one failed attempt.
 *  (6) A MyProxy server reported unreachable is skipped (Skip=) for
 *      opts.cooldown seconds; a success from it ends its cool-down. A VOMS
 *      server reported unreachable ("voms:host:port") is cooled down in
 *      the same list and every cooling one goes with a -A job as Skip=
 *      (the worker knows which VO each serves and tries all of a VO when
 *      all of them are cooling).
 */
#include <sys/types.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cred.h"
#include "daemon.h"
#include "log.h"
#include "loop.h"
#include "message.h"
#include "pr_limits.h"
#include "renew.h"
#include "repo_files.h"
#include "store.h"
#include "worker_path.h"
#include "xmalloc.h"

#define WORKER_LEASE_SLACK_SEC	10	/* lease beyond the hard timeout */
#define WORKER_SERVER_TIMEOUT_MAX 30	/* seconds per MyProxy server */
#define COOL_MAX		64	/* servers remembered as cooling down */

struct cooldown {
	char name[RENEW_SERVER_NAME_MAX];	/* "host:port" */
	int64_t until_ms;			/* loop_now_ms() clock */
};

struct worker {
	TAILQ_ENTRY(worker) entry;	/* in pool.running */
	struct daemon *d;
	int64_t proxy_id;
	char *file;			/* repository file name at start */
	char *identity;			/* its base subject */
	char *servers;			/* its server list */
	char *tmp;			/* temp file name; NULL once gone */
	char skipped[256];		/* cooling-down servers passed as Skip= */
	pid_t pid;
	int fd;				/* our end of the socketpair; -1 closed */
	unsigned char *req;		/* request frame */
	size_t req_len, req_off;	/* bytes, bytes sent */
	unsigned char hdr[4];		/* result frame length */
	size_t hdr_off;
	char *res;			/* result payload, res_len bytes */
	size_t res_len, res_off;
	int bad_frame;			/* result longer than allowed */
	int exited;			/* reaped: status valid */
	int status;			/* waitpid status */
	int timed_out;			/* we sent SIGKILL at the deadline */
	long long timer;		/* hard timeout; 0 = none */
	int64_t started_ms;		/* loop_now_ms() at spawn */
};

static void	worker_done(struct worker *w);

/* ---- start-up: service credential and executable */

static int
file_missing(const char *path)
{
	return access(path, F_OK) == -1 && errno == ENOENT;
}

/*
 * VOMS paths for the worker (-A): -V, else X509_VOMS_DIR, else
 * /etc/grid-security/vomsdir; -G, else X509_VOMSES, else NULL (the worker
 * then reads /etc/vomses and /etc/grid-security/vomses).
 */
static void
voms_paths(const struct options *o, const char **dir, const char **ses)
{
	const char *e;

	*dir = o->voms_dir;
	if (*dir == NULL && (e = getenv("X509_VOMS_DIR")) != NULL && *e != '\0')
		*dir = e;
	if (*dir == NULL)
		*dir = "/etc/grid-security/vomsdir";
	*ses = o->voms_config;
	if (*ses == NULL && (e = getenv("X509_VOMSES")) != NULL && *e != '\0')
		*ses = e;
}

/*
 * Resolve and check the service credential (-t/-k, else X509_USER_CERT/KEY,
 * else /etc/grid-security/host{cert,key}.pem) and the worker executable.
 * Only a credential nobody asked for (all defaults) that does not exist
 * disables renewal; anything given explicitly must work. 0 or err.
 */
int
worker_pool_check(struct daemon *d, struct pr_error *err)
{
	struct worker_pool *wp = &d->workers;
	struct service_cred svc = { d->opts.cert, d->opts.key, d->opts.ca_dir };
	const char *e, *vdir, *vses;
	char exe[PATH_MAX];
	int explicit, rc;

	wp->chld_fd = -1;
	explicit = svc.cert != NULL || svc.key != NULL ||
	    ((e = getenv("X509_USER_CERT")) != NULL && *e != '\0') ||
	    ((e = getenv("X509_USER_KEY")) != NULL && *e != '\0');
	renew_service_cred_defaults(&svc);
	if (!explicit && file_missing(svc.cert) && file_missing(svc.key)) {
		log_warnx("RENEWAL DISABLED: no service credential (%s, %s do "
		    "not exist and neither -t/-k nor X509_USER_CERT/KEY is "
		    "set); stored proxies are kept until they expire",
		    svc.cert, svc.key);
		wp->enabled = 0;
		return 0;
	}
	if ((rc = renew_check_service_cred(&svc, time(NULL), err)) != 0)
		return rc;
	e = worker_path_find(exe, sizeof(exe));
	if (access(e, X_OK) == -1)
		return pr_error_set(err, errno, "renewal worker %s: %s (set %s "
		    "to its path)", e, strerror(errno), WORKER_PATH_ENV);
	wp->path = xstrdup(e);
	wp->cert = xstrdup(svc.cert);
	wp->key = xstrdup(svc.key);
	wp->cadir = xstrdup(svc.cadir);
	wp->enabled = 1;
	log_info("renewal: service credential %s, CA directory %s, worker %s",
	    wp->cert, wp->cadir, wp->path);
	if (d->opts.enable_voms) {
		voms_paths(&d->opts, &vdir, &vses);
		log_info("renewal: VOMS attributes renewed too (-A): vomsdir "
		    "%s, vomses %s", vdir, vses != NULL ? vses :
		    "/etc/vomses, /etc/grid-security/vomses");
	}
	return 0;
}

/* ---- cool-down of unreachable servers (rule 6) */

static struct cooldown *
cool_find(struct worker_pool *wp, const char *name)
{
	size_t i;

	for (i = 0; i < wp->n_cool; i++)
		if (strcmp(wp->cool[i].name, name) == 0)
			return &wp->cool[i];
	return NULL;
}

static void
cool_set(struct daemon *d, const char *name)
{
	struct worker_pool *wp = &d->workers;
	struct cooldown *c;
	int64_t now = loop_now_ms();
	size_t i, old = 0, plen = strlen(RENEW_VOMS_NAME_PREFIX);
	int is_voms = strncmp(name, RENEW_VOMS_NAME_PREFIX, plen) == 0;

	if (d->opts.cooldown <= 0)
		return;
	if (wp->cool == NULL)
		wp->cool = xcalloc(COOL_MAX, sizeof(*wp->cool));
	if ((c = cool_find(wp, name)) == NULL) {
		if (wp->n_cool < COOL_MAX) {
			c = &wp->cool[wp->n_cool++];
		} else {	/* replace the one ending first */
			for (i = 1; i < wp->n_cool; i++)
				if (wp->cool[i].until_ms < wp->cool[old].until_ms)
					old = i;
			c = &wp->cool[old];
		}
		(void)snprintf(c->name, sizeof(c->name), "%s", name);
	}
	c->until_ms = now + d->opts.cooldown * 1000;
	log_info("%s server %s unreachable: skipped for %lld s (cool-down)",
	    is_voms ? "VOMS" : "MyProxy", name + (is_voms ? plen : 0),
	    (long long)d->opts.cooldown);
}

static void
cool_clear(struct worker_pool *wp, const char *name)
{
	struct cooldown *c = cool_find(wp, name);

	if (c != NULL && c->until_ms > loop_now_ms()) {
		log_info("MyProxy server %s answered: cool-down ended", name);
		c->until_ms = 0;
	}
}

/*
 * The servers of spec now cooling down, as Skip= values (into skip[]); none
 * when all are (the worker would try them all anyway).
 */
static size_t
cool_skip_list(struct worker *w, const char *spec,
    struct renew_server *srv, const char **skip, size_t *n_srv)
{
	struct worker_pool *wp = &w->d->workers;
	struct cooldown *c;
	struct pr_error err;
	size_t n = 0, i, n_skip = 0, off = 0;
	int64_t now = loop_now_ms();

	*n_srv = 1;
	if (renew_parse_servers(spec, srv, RENEW_SERVERS_MAX, &n, &err) != 0)
		return 0;	/* the worker reports the bad list */
	*n_srv = n;
	for (i = 0; i < n; i++) {
		if ((c = cool_find(wp, srv[i].name)) == NULL ||
		    c->until_ms <= now)
			continue;
		skip[n_skip++] = srv[i].name;
		if (off < sizeof(w->skipped))
			off += (size_t)snprintf(w->skipped + off,
			    sizeof(w->skipped) - off, "%s%s (%lld s left)",
			    off ? ", " : "", srv[i].name,
			    (long long)((c->until_ms - now + 999) / 1000));
	}
	if (n_skip == n) {	/* all cooling down: the worker tries all */
		w->skipped[0] = '\0';
		return 0;
	}
	return n_skip;
}

/*
 * Append the VOMS servers now cooling down (all of them: which serve this
 * proxy's VOs only the worker knows) to skip[n_skip..max), and to
 * w->skipped. Returns the new count.
 */
static size_t
cool_skip_voms(struct worker *w, const char **skip, size_t n_skip,
    size_t max)
{
	struct worker_pool *wp = &w->d->workers;
	size_t i, off = strlen(w->skipped);
	int64_t now = loop_now_ms();

	for (i = 0; i < wp->n_cool && n_skip < max; i++) {
		if (wp->cool[i].until_ms <= now ||
		    strncmp(wp->cool[i].name, RENEW_VOMS_NAME_PREFIX,
		    strlen(RENEW_VOMS_NAME_PREFIX)) != 0)
			continue;
		skip[n_skip++] = wp->cool[i].name;
		if (off < sizeof(w->skipped))
			off += (size_t)snprintf(w->skipped + off,
			    sizeof(w->skipped) - off, "%s%s (%lld s left)",
			    off ? ", " : "", wp->cool[i].name,
			    (long long)((wp->cool[i].until_ms - now + 999) /
			    1000));
	}
	return n_skip;
}

/* ---- one worker's life */

static char *
repo_path_of(const struct daemon *d, const char *name)
{
	return xasprintf("%s/%s", d->repo_path, name);
}

static void
worker_drop_tmp(struct worker *w)
{
	struct pr_error err;

	if (w->tmp != NULL && repo_remove(w->d->repo_fd, w->tmp, &err) != 0)
		log_warnx("%s", err.msg);
	free(w->tmp);
	w->tmp = NULL;
}

static void
worker_close(struct worker *w)
{
	if (w->fd != -1) {
		loop_del_fd(w->d->loop, w->fd);
		(void)close(w->fd);
		w->fd = -1;
	}
	if (w->timer != 0)
		loop_del_timer(w->d->loop, w->timer);
	w->timer = 0;
}

static void
worker_free(struct worker *w)
{
	worker_close(w);
	worker_drop_tmp(w);
	free(w->file);
	free(w->identity);
	free(w->servers);
	free(w->req);
	free(w->res);
	free(w);
}

/* Read what the worker sent; 1 at EOF (or a broken frame), else 0. */
static int
worker_read(struct worker *w)
{
	ssize_t n;

	for (;;) {
		if (w->hdr_off < sizeof(w->hdr)) {
			n = read(w->fd, w->hdr + w->hdr_off,
			    sizeof(w->hdr) - w->hdr_off);
		} else if (w->res == NULL) {
			struct pr_error err;

			if (frame_decode_len(w->hdr, RENEW_FRAME_MAX_BYTES,
			    &w->res_len, &err) != 0) {
				w->bad_frame = 1;
				return 1;
			}
			w->res = xmalloc(w->res_len);
			continue;
		} else if (w->res_off < w->res_len) {
			n = read(w->fd, w->res + w->res_off,
			    w->res_len - w->res_off);
		} else {
			char c;	/* a complete frame: expect EOF */

			n = read(w->fd, &c, 1);
			if (n > 0) {
				w->bad_frame = 1;
				return 1;
			}
		}
		if (n == 0)
			return 1;
		if (n == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : 1;
		if (w->hdr_off < sizeof(w->hdr))
			w->hdr_off += (size_t)n;
		else if (w->res_off < w->res_len)
			w->res_off += (size_t)n;
	}
}

static void
worker_io(struct loop *l, int fd, int events, void *arg)
{
	struct worker *w = arg;
	ssize_t n;

	if ((events & LOOP_WRITE) && w->req_off < w->req_len) {
		n = write(fd, w->req + w->req_off, w->req_len - w->req_off);
		if (n > 0)
			w->req_off += (size_t)n;
		else if (n == -1 && errno != EAGAIN && errno != EINTR)
			w->req_off = w->req_len;	/* it died: see exit */
		if (w->req_off == w->req_len &&
		    loop_add_fd(l, fd, LOOP_READ, worker_io, w) == -1)
			fatal("loop_add_fd");
	}
	if ((events & LOOP_READ) && worker_read(w))
		loop_del_fd(l, fd);	/* EOF: wait for the exit */
}

static void
worker_timeout(struct loop *l, long long id, void *arg)
{
	struct worker *w = arg;

	(void)l;
	(void)id;
	w->timer = 0;
	if (w->exited)
		return;
	w->timed_out = 1;
	if (kill(w->pid, SIGKILL) == -1)
		log_warn("kill worker %ld", (long)w->pid);
}

/* SIGCHLD: reap our workers that exited and finish them. */
static void
worker_sigchld(struct loop *l, int fd, int events, void *arg)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;
	struct worker *w, *next;
	pid_t r;
	int st;

	(void)l;
	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		;
	for (w = TAILQ_FIRST(&d->workers.running); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		do
			r = waitpid(w->pid, &st, WNOHANG);
		while (r == -1 && errno == EINTR);
		if (r == 0)
			continue;
		if (r == -1) {		/* not ours any more: cannot happen */
			log_warn("waitpid %ld", (long)w->pid);
			st = 0;
		}
		w->exited = 1;
		w->status = st;
		if (w->fd != -1)
			(void)worker_read(w);	/* all it wrote is queued */
		worker_done(w);
	}
}

/* ---- outcome of an attempt */

static void
fmt_time(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, size, "%lld", (long long)t);
}

/* What the worker said, or why it said nothing (rule 5: never fatal). */
static void
worker_result(struct worker *w, struct renew_result *res)
{
	struct pr_error err;
	int st = w->status;

	memset(res, 0, sizeof(*res));
	pr_error_clear(&err);
	if (w->timed_out) {
		res->code = PR_ERR_TIMEOUT;
		(void)snprintf(res->msg, sizeof(res->msg), "worker killed after "
		    "its hard timeout of %lld s", (long long)
		    w->d->opts.worker_timeout);
	} else if (w->res != NULL && w->res_off == w->res_len &&
	    !w->bad_frame) {
		if (renew_result_parse(w->res, w->res_len, res, &err) != 0) {
			res->code = PR_ERR_PROTO_PARSE;
			(void)snprintf(res->msg, sizeof(res->msg), "malformed "
			    "worker result: %.400s", err.msg);
		} else if (res->code == 0 && (!WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)) {
			res->code = PR_ERR_GENERIC;
			(void)snprintf(res->msg, sizeof(res->msg), "worker "
			    "reported success but did not exit 0");
		}
	} else if (WIFSIGNALED(st)) {
		const char *sig = sigabbrev_np(WTERMSIG(st));

		res->code = PR_ERR_GENERIC;
		(void)snprintf(res->msg, sizeof(res->msg), "worker died of "
		    "signal %d (SIG%s)", WTERMSIG(st), sig ? sig : "?");
	} else {
		res->code = PR_ERR_GENERIC;
		(void)snprintf(res->msg, sizeof(res->msg), "worker exited with "
		    "status %d without a %sresult", WIFEXITED(st) ?
		    WEXITSTATUS(st) : -1, w->bad_frame ? "well-formed " : "");
	}
}

/* Rule (4): re-check the temp file and rename it over the proxy file. */
static int
worker_commit(struct worker *w, const struct store_proxy *p, int64_t now,
    int64_t *new_end, struct pr_error *err)
{
	struct daemon *d = w->d;
	struct cred_info info;
	char *path, *pem = NULL;
	size_t len = 0;
	int rc;

	memset(&info, 0, sizeof(info));
	path = repo_path_of(d, w->tmp);
	rc = cred_read_file(path, PR_PROXY_FILE_MAX_BYTES, &pem, &len, err);
	free(path);
	if (rc == 0)
		rc = renew_verify(pem, len, p->identity, p->not_after, now,
		    new_end, err);
	if (rc == 0 && (rc = cred_inspect(pem, len, now, &info, err)) == 0 &&
	    strcmp(info.fqans, p->fqans) != 0)
		rc = pr_error_set(err, PR_ERR_VOMS, "new proxy's VOMS "
		    "attributes differ from the registered ones");
	cred_info_free(&info);
	if (pem != NULL) {
		explicit_bzero(pem, len);
		free(pem);
	}
	if (rc != 0)
		return rc;
	rc = repo_commit_temp(d->repo_fd, w->tmp, p->file, err);
	free(w->tmp);		/* renamed, or removed by repo_commit_temp */
	w->tmp = NULL;
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

/* Rule (5): store the attempt and its next time, log it. */
static void
worker_record(struct worker *w, const struct store_proxy *p, int64_t now,
    const struct renew_result *res, int64_t dur_ms)
{
	struct daemon *d = w->d;
	struct pr_error err;
	char tried[512], t_next[32], t_end[32];
	int64_t next, end = res->code == 0 ? res->end_time : p->not_after;
	int rc;

	pr_error_clear(&err);
	if (res->code == 0) {
		next = sched_jitter(sched_renew_at(end, now,
		    d->opts.condor_limit, now), end, now, arc4random());
	} else {
		next = now + sched_backoff(p->failures + 1, d->opts.backoff_min,
		    d->opts.backoff_max, arc4random());
		if (next > p->not_after)	/* expire on time */
			next = p->not_after > now ? p->not_after : now;
	}
	if ((rc = store_begin(d->store, &err)) == 0 &&
	    (res->code != 0 || (rc = store_update_proxy_times(d->store, p->id,
	    end, now, next, &err)) == 0) &&
	    (rc = store_record_attempt(d->store, p->id, now, res->code,
	    res->msg, next, &err)) == 0)
		rc = store_commit(d->store, &err);
	if (rc != 0) {
		store_rollback(d->store);
		log_warnx("renewal of %s: recording the attempt: %s", p->file,
		    err.msg);
	}
	if (rc == 0 && res->code == 0)
		notify_renewed(d, now);
	servers_tried(res, tried, sizeof(tried));
	fmt_time(next, t_next, sizeof(t_next));
	fmt_time(end, t_end, sizeof(t_end));
	if (res->code == 0)
		log_info("renewal of %s (%s): renewed in %lld ms; servers "
		    "tried: %s%s%s; valid until %s; next renewal %s", p->file,
		    p->identity, (long long)dur_ms, tried, w->skipped[0] ?
		    "; skipped (cooling down): " : "", w->skipped, t_end,
		    t_next);
	else
		log_warnx("renewal of %s (%s): FAILED in %lld ms (failure %d, "
		    "code %d): %s; servers tried: %s%s%s; proxy kept, valid "
		    "until %s; next attempt %s", p->file, p->identity,
		    (long long)dur_ms, p->failures + 1, res->code, res->msg,
		    tried, w->skipped[0] ? "; skipped (cooling down): " : "",
		    w->skipped, t_end, t_next);
}

/* The record is still the one the worker renewed (nothing to record if not). */
static int
worker_record_current(const struct worker *w, const struct store_proxy *p,
    int64_t now)
{
	if (strcmp(p->file, w->file) != 0 ||
	    strcmp(p->identity, w->identity) != 0 ||
	    strcmp(p->servers, w->servers) != 0)
		return 0;
	return !(p->next_renewal == 0 && p->not_after <= now);
}

/* A worker exited (reaped) : judge, commit or discard, record, free. */
static void
worker_done(struct worker *w)
{
	struct daemon *d = w->d;
	struct renew_result res;
	struct store_proxy p;
	struct pr_error err;
	int64_t now = (int64_t)time(NULL), dur = loop_now_ms() - w->started_ms;
	size_t i;

	worker_close(w);
	TAILQ_REMOVE(&d->workers.running, w, entry);
	d->workers.n_running--;
	worker_result(w, &res);
	for (i = 0; i < res.n_errors; i++)
		if (res.errors[i].is_unreachable)
			cool_set(d, res.errors[i].server);
	if (res.code == 0)
		cool_clear(&d->workers, res.server);
	memset(&p, 0, sizeof(p));
	pr_error_clear(&err);
	if (store_get_proxy(d->store, w->proxy_id, &p, &err) != 0 ||
	    !worker_record_current(w, &p, now)) {
		log_info("renewal of %s (%s): result discarded, the record was "
		    "unregistered, replaced or expired meanwhile", w->file,
		    w->identity);
	} else {
		if (res.code == 0 && worker_commit(w, &p, now, &res.end_time,
		    &err) != 0) {
			res.code = err.code;
			(void)snprintf(res.msg, sizeof(res.msg), "result "
			    "rejected by the daemon: %.450s", err.msg);
		}
		worker_record(w, &p, now, &res, dur);
	}
	store_proxy_free(&p);
	worker_free(w);
	if (!d->stopping)
		sched_kick(d);
}

/* ---- starting */

/* Rule (3): keep the scheduler off a proxy in flight. */
static int
worker_lease(struct daemon *d, const struct store_proxy *p,
    struct pr_error *err)
{
	int64_t until = (int64_t)time(NULL) + d->opts.worker_timeout +
	    WORKER_LEASE_SLACK_SEC;
	int rc;

	if (until > p->not_after)	/* expiry is never postponed */
		until = p->not_after;

	if ((rc = store_begin(d->store, err)) != 0 ||
	    (rc = store_update_proxy_times(d->store, p->id, p->not_after,
	    p->obtained, until, err)) != 0 ||
	    (rc = store_commit(d->store, err)) != 0)
		store_rollback(d->store);
	return rc;
}

/* The request frame for p (w->req): paths, lifetime, timeouts, Skip=. */
static int
worker_request(struct worker *w, const struct store_proxy *p,
    struct pr_error *err)
{
	struct daemon *d = w->d;
	struct worker_pool *wp = &d->workers;
	struct renew_server srv[RENEW_SERVERS_MAX];
	const char *skip[2 * RENEW_SERVERS_MAX];	/* MyProxy, then VOMS */
	struct renew_job job;
	char *cur = repo_path_of(d, p->file), *out = repo_path_of(d, w->tmp);
	size_t n_srv;
	int64_t per, life = d->opts.lifetime * 3600;
	int rc;

	memset(&job, 0, sizeof(job));
	job.servers = p->servers;
	job.proxy_path = cur;
	job.out_path = out;
	job.lifetime_sec = (int)(life < RENEW_LIFETIME_SEC_MAX ? life :
	    RENEW_LIFETIME_SEC_MAX);
	job.svc.cert = wp->cert;
	job.svc.key = wp->key;
	job.svc.cadir = wp->cadir;
	job.skip = skip;
	job.n_skip = cool_skip_list(w, p->servers, srv, skip, &n_srv);
	job.voms = d->opts.enable_voms;
	if (job.voms)
		voms_paths(&d->opts, &job.vomsdir, &job.vomses);
	/* every server tried gets its share of the hard timeout */
	per = d->opts.worker_timeout / (int64_t)(n_srv - job.n_skip);
	job.server_timeout_sec = (int)(per > WORKER_SERVER_TIMEOUT_MAX ?
	    WORKER_SERVER_TIMEOUT_MAX : per < 1 ? 1 : per);
	if (job.voms)
		job.n_skip = cool_skip_voms(w, skip, job.n_skip,
		    sizeof(skip) / sizeof(skip[0]));
	rc = renew_job_frame(&job, &w->req, &w->req_len, err);
	free(cur);
	free(out);
	return rc;
}

/* Temp file, request, socketpair, process, loop registration, timer. */
static int
worker_spawn(struct worker *w, const struct store_proxy *p,
    struct pr_error *err)
{
	struct daemon *d = w->d;
	int sv[2], fd, rc;

	if ((fd = repo_create_temp(d->repo_fd, &w->tmp, err)) == -1)
		return err->code;
	(void)close(fd);	/* the worker opens it by name */
	if ((rc = worker_request(w, p, err)) != 0)
		return rc;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return pr_error_set(err, errno, "socketpair: %s",
		    strerror(errno));
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1) {
		rc = pr_error_set(err, errno, "fcntl: %s", strerror(errno));
		(void)close(sv[0]);
		(void)close(sv[1]);
		return rc;
	}
	rc = renew_worker_spawn(d->workers.path, sv[1], &w->pid, err);
	(void)close(sv[1]);
	if (rc != 0) {
		(void)close(sv[0]);
		return rc;
	}
	w->fd = sv[0];
	w->started_ms = loop_now_ms();
	if (loop_add_fd(d->loop, w->fd, LOOP_READ | LOOP_WRITE, worker_io,
	    w) == -1)
		fatal("loop_add_fd");
	w->timer = loop_add_timer(d->loop, d->opts.worker_timeout * 1000,
	    worker_timeout, w);
	return 0;
}

/*
 * Start one renewal of proxy_id. 0 when a worker took it, or already had
 * it, or it could not start and that was recorded as a failed attempt;
 * ENOSYS when renewal is disabled, EAGAIN when every worker is busy, else
 * a store error; err set and nothing changed when not 0.
 */
int
worker_start(struct daemon *d, int64_t proxy_id, struct pr_error *err)
{
	struct worker_pool *wp = &d->workers;
	struct renew_result res;
	struct store_proxy p;
	struct worker *w;
	int busy = 0, rc;

	if (!wp->enabled)
		return pr_error_set(err, ENOSYS, "not renewable: renewal is "
		    "disabled (no service credential)");
	if (d->stopping || wp->n_running >= wp->max)
		return pr_error_set(err, EAGAIN, "all %d renewal workers busy",
		    wp->max);
	TAILQ_FOREACH(w, &wp->running, entry)
		busy |= w->proxy_id == proxy_id;
	memset(&p, 0, sizeof(p));
	if ((rc = store_get_proxy(d->store, proxy_id, &p, err)) != 0)
		return rc;
	if (busy) {
		rc = worker_lease(d, &p, err);
		store_proxy_free(&p);
		return rc;
	}
	w = xcalloc(1, sizeof(*w));
	w->d = d;
	w->proxy_id = p.id;
	w->fd = -1;
	w->file = xstrdup(p.file);
	w->identity = xstrdup(p.identity);
	w->servers = xstrdup(p.servers);
	if ((rc = worker_spawn(w, &p, err)) == 0 &&
	    (rc = worker_lease(d, &p, err)) != 0)
		log_warnx("renewal of %s: %s", p.file, err->msg);
	if (w->fd != -1) {
		TAILQ_INSERT_TAIL(&wp->running, w, entry);
		wp->n_running++;
		log_debug("renewal of %s (%s) started: worker %ld, servers %s%s%s",
		    p.file, p.identity, (long)w->pid, p.servers,
		    w->skipped[0] ? ", skipping " : "", w->skipped);
		store_proxy_free(&p);
		return 0;
	}
	memset(&res, 0, sizeof(res));	/* could not start: one failure */
	res.code = rc;
	(void)snprintf(res.msg, sizeof(res.msg), "%s", err->msg);
	worker_record(w, &p, (int64_t)time(NULL), &res, 0);
	worker_free(w);
	store_proxy_free(&p);
	pr_error_clear(err);
	return 0;
}

/* ---- the pool */

void
worker_pool_init(struct daemon *d)
{
	struct worker_pool *wp = &d->workers;
	sigset_t set;

	wp->n_running = 0;
	wp->max = (int)d->opts.workers;
	wp->chld_fd = -1;
	TAILQ_INIT(&wp->running);
	if (!wp->enabled)
		return;
	if (sigemptyset(&set) == -1 || sigaddset(&set, SIGCHLD) == -1 ||
	    sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask SIGCHLD");
	if ((wp->chld_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) ==
	    -1)
		fatal("signalfd SIGCHLD");
	if (loop_add_fd(d->loop, wp->chld_fd, LOOP_READ, worker_sigchld, d) ==
	    -1)
		fatal("loop_add_fd");
}

/* Kill and reap what still runs (its lease retries it after a restart). */
void
worker_pool_shutdown(struct daemon *d)
{
	struct worker_pool *wp = &d->workers;
	struct worker *w;
	int st;

	while ((w = TAILQ_FIRST(&wp->running)) != NULL) {
		TAILQ_REMOVE(&wp->running, w, entry);
		if (!w->exited) {
			(void)kill(w->pid, SIGKILL);
			while (waitpid(w->pid, &st, 0) == -1 && errno == EINTR)
				;
		}
		log_info("renewal of %s abandoned at shutdown", w->file);
		worker_free(w);
	}
	wp->n_running = 0;
	if (wp->chld_fd >= 0) {
		loop_del_fd(d->loop, wp->chld_fd);
		(void)close(wp->chld_fd);
		wp->chld_fd = -1;
	}
	free(wp->path);
	free(wp->cert);
	free(wp->key);
	free(wp->cadir);
	free(wp->cool);
	wp->path = wp->cert = wp->key = wp->cadir = NULL;
	wp->cool = NULL;
	wp->n_cool = 0;
}
