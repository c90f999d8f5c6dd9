/*
 * hook.c: the --hook command. Each event runs `/bin/sh -c COMMAND` in its
 * own process (own process group), with the daemon's environment plus the
 * event as PROXY_RENEWD_* variables, stdin from /dev/null and stdout and
 * stderr on the daemon's stderr (the journal under systemd).
 *
 * Rules:
 *  (1) Never blocks the loop: while hooks run, a loop timer every
 *      HOOK_REAP_MS reaps them with waitpid(pid, WNOHANG) on their own pids
 *      alone (the renewal runner owns SIGCHLD and reaps only its pids; a
 *      pidfd would do without the timer, but valgrind, which runs the unit
 *      tests, does not know pidfd_open); nothing is armed when none runs.
 *      A hook still running after its timeout gets SIGKILL, with its whole
 *      process group.
 *  (2) Bounded: at most HOOK_MAX_RUNNING at once, HOOK_MAX_QUEUED waiting;
 *      an event beyond that is dropped and counted in one log line.
 *  (3) Every hook that fails (non-zero exit, signal, timeout, cannot start)
 *      is logged with its event and file; a success at debug level.
 *  (4) Callers fire an event once per occurrence; this file does not
 *      deduplicate.
 */
#include <sys/queue.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "hook.h"
#include "log.h"
#include "loop.h"
#include "xmalloc.h"

#define HOOK_MAX_RUNNING	4
#define HOOK_MAX_QUEUED		64
#define HOOK_VALUE_MAX_BYTES	1024	/* a PROXY_RENEWD_* value */
#define HOOK_N_VARS		11
#define HOOK_REAP_MS		100	/* exit noticed within this */

extern char **environ;

struct hook_job {
	TAILQ_ENTRY(hook_job) entry;
	struct daemon *d;
	char *vars[HOOK_N_VARS + 1];	/* "PROXY_RENEWD_X=v", NULL-ended */
	char *label;			/* "EVENT for FILE", for the log */
	pid_t pid;			/* 0 while queued */
	long long timer;		/* timeout; 0 none */
	int64_t start_ms;
	int timed_out;
};
TAILQ_HEAD(hook_list, hook_job);

struct hooks {
	char *command;			/* sh command; NULL: hooks off */
	int64_t timeout_sec;		/* a run longer than this is killed */
	struct hook_list running;
	struct hook_list queued;
	int n_running, n_queued;
	long long reap_timer;		/* armed while n_running > 0 */
	unsigned long n_dropped;	/* rule (2), since the last log line */
};

static void hook_start_next(struct daemon *d);

void
hook_init(struct daemon *d, const char *command, int64_t timeout_sec)
{
	d->hooks = xcalloc(1, sizeof(*d->hooks));
	d->hooks->command = command != NULL ? xstrdup(command) : NULL;
	d->hooks->timeout_sec = timeout_sec;
	TAILQ_INIT(&d->hooks->running);
	TAILQ_INIT(&d->hooks->queued);
}

static char *
var(const char *name, const char *value)
{
	return xasprintf("PROXY_RENEWD_%s=%.*s", name, HOOK_VALUE_MAX_BYTES,
	    value != NULL ? value : "");
}

static char *
var_int(const char *name, int64_t value)
{
	return xasprintf("PROXY_RENEWD_%s=%lld", name, (long long)value);
}

static struct hook_job *
job_new(struct daemon *d, const struct hook_event *ev)
{
	struct hook_job *j = xcalloc(1, sizeof(*j));
	int n = 0;

	j->d = d;
	j->vars[n++] = var("EVENT", ev->event);
	j->vars[n++] = var("IDENTITY", ev->identity);
	j->vars[n++] = var("FILE", ev->file);
	j->vars[n++] = var_int("JOBS", ev->jobs);
	j->vars[n++] = var_int("END_TIME", ev->end_time);
	j->vars[n++] = var_int("CREDENTIAL_END_TIME", ev->credential_end_time);
	j->vars[n++] = var_int("FAILURES", ev->failures);
	j->vars[n++] = var("FAILURE_CLASS", ev->failure_class);
	j->vars[n++] = var("MESSAGE", ev->message);
	j->vars[n++] = var("CREDENTIAL_SERVER", ev->credential_server);
	j->vars[n++] = var_int("WARNING_LEAD", ev->lead);
	j->vars[n] = NULL;
	j->label = xasprintf("hook %s for %s", ev->event, ev->file ? ev->file :
	    "-");
	return j;
}

static void
job_free(struct hook_job *j)
{
	size_t i;

	for (i = 0; j->vars[i] != NULL; i++)
		free(j->vars[i]);
	free(j->label);
	free(j);
}

/* The daemon's environment without PROXY_RENEWD_*, then the job's. */
static char **
job_env(const struct hook_job *j)
{
	size_t n = 0, k = 0, i;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = xcalloc(n + HOOK_N_VARS + 1, sizeof(*env));
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "PROXY_RENEWD_", 13) != 0)
			env[k++] = environ[i];
	for (i = 0; j->vars[i] != NULL; i++)
		env[k++] = j->vars[i];
	env[k] = NULL;
	return env;
}

/* posix_spawn with stdin /dev/null, stdout on stderr, default signals. */
static int
job_spawn(struct hook_job *j, const char *command)
{
	char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	char **env = job_env(j);
	int rc;

	(void)sigemptyset(&none);
	(void)sigfillset(&all);
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		fatalx("posix_spawn_file_actions_init: %s", strerror(rc));
	if ((rc = posix_spawnattr_init(&at)) != 0)
		fatalx("posix_spawnattr_init: %s", strerror(rc));
	if ((rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
	    O_RDONLY, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, 2, 1)) == 0 &&
	    (rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&at, &none)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&at, &all)) == 0 &&
	    (rc = posix_spawnattr_setpgroup(&at, 0)) == 0)
		rc = posix_spawn(&j->pid, argv[0], &fa, &at, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(env);
	return rc;
}

static void
hook_timeout(struct loop *l, long long id, void *arg)
{
	struct hook_job *j = arg;

	(void)l;
	(void)id;
	j->timer = 0;
	j->timed_out = 1;
	(void)kill(-j->pid, SIGKILL);	/* its process group: rule (1) */
}

static void
job_log_end(const struct hook_job *j, int st)
{
	long long ms = (long long)(loop_now_ms() - j->start_ms);

	if (j->timed_out)
		log_warnx("%s: killed after its timeout of %lld s", j->label,
		    (long long)j->d->hooks->timeout_sec);
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		log_debug("%s: done in %lld ms", j->label, ms);
	else if (WIFEXITED(st))
		log_warnx("%s: exited with status %d after %lld ms", j->label,
		    WEXITSTATUS(st), ms);
	else
		log_warnx("%s: killed by signal %d after %lld ms", j->label,
		    WIFSIGNALED(st) ? WTERMSIG(st) : -1, ms);
}

static void
job_finish(struct hook_job *j, int st)
{
	struct daemon *d = j->d;

	job_log_end(j, st);
	if (j->timer != 0)
		loop_del_timer(d->loop, j->timer);
	TAILQ_REMOVE(&d->hooks->running, j, entry);
	d->hooks->n_running--;
	job_free(j);
}

/* Rule (1): reap the hooks that exited, start waiting ones, re-arm. */
static void
hook_reap(struct loop *l, long long id, void *arg)
{
	struct daemon *d = arg;
	struct hook_job *j, *next;
	int st;
	pid_t r;

	(void)l;
	(void)id;
	d->hooks->reap_timer = 0;
	for (j = TAILQ_FIRST(&d->hooks->running); j != NULL; j = next) {
		next = TAILQ_NEXT(j, entry);
		st = 0;
		while ((r = waitpid(j->pid, &st, WNOHANG)) == -1 &&
		    errno == EINTR)
			;
		if (r == -1)
			st = 0x7f00;	/* reaped elsewhere: a failure */
		if (r != 0)
			job_finish(j, st);
	}
	hook_start_next(d);
}

static void
reap_arm(struct daemon *d)
{
	if (d->hooks->reap_timer == 0 && d->hooks->n_running > 0)
		d->hooks->reap_timer = loop_add_timer(d->loop, HOOK_REAP_MS,
		    hook_reap, d);
}

static void
job_run(struct daemon *d, struct hook_job *j)
{
	int rc;

	j->start_ms = loop_now_ms();
	if ((rc = job_spawn(j, d->hooks->command)) != 0) {
		log_warnx("%s: cannot start /bin/sh: %s", j->label,
		    strerror(rc));
		job_free(j);
		return;
	}
	j->timer = loop_add_timer(d->loop, d->hooks->timeout_sec * 1000,
	    hook_timeout, j);
	TAILQ_INSERT_TAIL(&d->hooks->running, j, entry);
	d->hooks->n_running++;
}

static void
hook_start_next(struct daemon *d)
{
	struct hooks *h = d->hooks;
	struct hook_job *j;

	while (h->n_running < HOOK_MAX_RUNNING &&
	    (j = TAILQ_FIRST(&h->queued)) != NULL) {
		TAILQ_REMOVE(&h->queued, j, entry);
		h->n_queued--;
		job_run(d, j);
	}
	reap_arm(d);
}

int
hook_is_on(const struct daemon *d)
{
	return d->hooks != NULL && d->hooks->command != NULL;
}

void
hook_fire(struct daemon *d, const struct hook_event *ev)
{
	struct hooks *h = d->hooks;
	struct hook_job *j;

	if (!hook_is_on(d))
		return;
	if (h->n_queued >= HOOK_MAX_QUEUED) {
		if (h->n_dropped++ == 0)
			log_warnx("hook: %d hooks waiting: event %s for %s "
			    "dropped (and any more until one finishes)",
			    h->n_queued, ev->event, ev->file ? ev->file : "-");
		return;
	}
	if (h->n_dropped > 0)
		log_warnx("hook: %lu events were dropped", h->n_dropped);
	h->n_dropped = 0;
	j = job_new(d, ev);	/* TAILQ macros evaluate elm more than once */
	TAILQ_INSERT_TAIL(&h->queued, j, entry);
	h->n_queued++;
	hook_start_next(d);
}

void
hook_configure(struct daemon *d, const char *command, int64_t timeout_sec)
{
	struct hooks *h = d->hooks;

	free(h->command);
	h->command = command != NULL ? xstrdup(command) : NULL;
	h->timeout_sec = timeout_sec;
}

int
hook_pending(const struct daemon *d)
{
	return d->hooks == NULL ? 0 : d->hooks->n_running + d->hooks->n_queued;
}

void
hook_shutdown(struct daemon *d)
{
	struct hooks *h = d->hooks;
	struct hook_job *j;
	int st;

	if (h == NULL)
		return;
	while ((j = TAILQ_FIRST(&h->queued)) != NULL) {
		TAILQ_REMOVE(&h->queued, j, entry);
		log_warnx("%s: not run (shutting down)", j->label);
		job_free(j);
	}
	h->n_queued = 0;
	while ((j = TAILQ_FIRST(&h->running)) != NULL) {
		(void)kill(-j->pid, SIGKILL);
		while (waitpid(j->pid, &st, 0) == -1 && errno == EINTR)
			;
		j->timed_out = 0;
		log_warnx("%s: killed at shutdown", j->label);
		if (j->timer != 0)
			loop_del_timer(d->loop, j->timer);
		TAILQ_REMOVE(&h->running, j, entry);
		job_free(j);
	}
	h->n_running = 0;
	if (h->reap_timer != 0)
		loop_del_timer(d->loop, h->reap_timer);
	free(h->command);
	free(h);
	d->hooks = NULL;
}
