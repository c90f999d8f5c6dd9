/*
 * loop.c: the poll(2) event loop (see loop.h for its rules).
 *
 * File handlers live in a table indexed by fd, each with a generation
 * number: a pass remembers the generation it polled, so an fd closed and
 * reused by a callback earlier in the same pass is not handed stale events.
 * Timers live in a list sorted by (due, id); insertion and cancellation are
 * O(number of timers), which is bounded by the number of client connections
 * plus a few (never by the number of stored proxies).
 */
#include <sys/queue.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "loop.h"
#include "xmalloc.h"

struct loop_fd {
	loop_fd_fn *fn;		/* NULL: slot unused or removed */
	void *arg;
	int events;		/* LOOP_READ|LOOP_WRITE */
	unsigned gen;		/* bumped on every add and delete */
};

struct loop_timer {
	TAILQ_ENTRY(loop_timer) entry;
	long long id;		/* > 0; 0 once cancelled or fired */
	int64_t due_ms;		/* CLOCK_MONOTONIC */
	loop_timer_fn *fn;
	void *arg;
};
TAILQ_HEAD(loop_timer_list, loop_timer);

struct loop {
	struct loop_fd *fds;	/* indexed by fd, n_fds slots */
	int n_fds;
	struct pollfd *pfd;	/* scratch for poll(), cap_pfd slots */
	unsigned *pgen;		/* generation of each pfd entry */
	int cap_pfd;
	struct loop_timer_list timers;	/* sorted by (due_ms, id) */
	int n_timers;		/* live (not cancelled) timers */
	long long next_id;	/* last id handed out */
	int stop;		/* loop_stop() was called */
	int64_t last_pass_ms;	/* end of poll() in the last pass; 0 none */
};

int64_t
loop_last_pass_ms(const struct loop *l)
{
	return l->last_pass_ms;
}

int64_t
loop_now_ms(void)
{
	return clock_mono_ms();
}

struct loop *
loop_new(void)
{
	struct loop *l;

	l = xcalloc(1, sizeof(*l));
	TAILQ_INIT(&l->timers);
	return l;
}

void
loop_free(struct loop *l)
{
	struct loop_timer *t;

	if (l == NULL)
		return;
	while ((t = TAILQ_FIRST(&l->timers)) != NULL) {
		TAILQ_REMOVE(&l->timers, t, entry);
		free(t);
	}
	free(l->fds);
	free(l->pfd);
	free(l->pgen);
	free(l);
}

int
loop_add_fd(struct loop *l, int fd, int events, loop_fd_fn *fn, void *arg)
{
	if (fd < 0 || fn == NULL || (events & (LOOP_READ | LOOP_WRITE)) == 0) {
		errno = EINVAL;
		return -1;
	}
	if (fd >= l->n_fds) {
		int n = fd + 1 > 2 * l->n_fds ? fd + 1 : 2 * l->n_fds;

		l->fds = xreallocarray(l->fds, n, sizeof(*l->fds));
		memset(l->fds + l->n_fds, 0, (n - l->n_fds) * sizeof(*l->fds));
		l->n_fds = n;
	}
	l->fds[fd].fn = fn;
	l->fds[fd].arg = arg;
	l->fds[fd].events = events;
	l->fds[fd].gen++;
	return 0;
}

void
loop_del_fd(struct loop *l, int fd)
{
	if (fd < 0 || fd >= l->n_fds || l->fds[fd].fn == NULL)
		return;
	l->fds[fd].fn = NULL;
	l->fds[fd].arg = NULL;
	l->fds[fd].events = 0;
	l->fds[fd].gen++;
}

long long
loop_add_timer(struct loop *l, int64_t delay_ms, loop_timer_fn *fn, void *arg)
{
	struct loop_timer *t, *p;

	if (delay_ms < 0)
		delay_ms = 0;
	if (delay_ms > INT64_MAX / 2)
		delay_ms = INT64_MAX / 2;
	t = xcalloc(1, sizeof(*t));
	t->id = ++l->next_id;
	t->due_ms = clock_mono_ms() + delay_ms;
	t->fn = fn;
	t->arg = arg;
	/* Walk from the back: new timers are mostly the latest. */
	TAILQ_FOREACH_REVERSE(p, &l->timers, loop_timer_list, entry)
		if (p->due_ms <= t->due_ms)
			break;
	if (p == NULL)
		TAILQ_INSERT_HEAD(&l->timers, t, entry);
	else
		TAILQ_INSERT_AFTER(&l->timers, p, t, entry);
	l->n_timers++;
	return t->id;
}

void
loop_del_timer(struct loop *l, long long id)
{
	struct loop_timer *t;

	if (id <= 0)
		return;
	TAILQ_FOREACH(t, &l->timers, entry) {
		if (t->id == id) {
			t->id = 0;	/* reaped by loop_reap_timers() */
			l->n_timers--;
			return;
		}
	}
}

int
loop_timer_count(const struct loop *l)
{
	return l->n_timers;
}

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}

static void
loop_reap_timers(struct loop *l)
{
	struct loop_timer *t, *next;

	for (t = TAILQ_FIRST(&l->timers); t != NULL; t = next) {
		next = TAILQ_NEXT(t, entry);
		if (t->id == 0) {
			TAILQ_REMOVE(&l->timers, t, entry);
			free(t);
		}
	}
}

/* Milliseconds poll() may sleep: -1 with no timer, capped by max_wait_ms. */
static int
loop_poll_timeout(struct loop *l, int64_t max_wait_ms)
{
	struct loop_timer *t;
	int64_t wait = -1;

	TAILQ_FOREACH(t, &l->timers, entry) {
		if (t->id != 0) {
			wait = t->due_ms - clock_mono_ms();
			if (wait < 0)
				wait = 0;
			break;
		}
	}
	if (max_wait_ms >= 0 && (wait < 0 || wait > max_wait_ms))
		wait = max_wait_ms;
	if (wait > 24 * 3600 * 1000)	/* poll() takes an int */
		wait = 24 * 3600 * 1000;
	return (int)wait;
}

/*
 * Fire every timer due now that existed when the pass started (a timer a
 * callback adds with delay 0 waits for the next pass, so a callback that
 * re-arms itself cannot starve the fds).
 */
static void
loop_fire_timers(struct loop *l)
{
	struct loop_timer *t;
	long long last_id = l->next_id;
	int64_t now = clock_mono_ms();

	TAILQ_FOREACH(t, &l->timers, entry) {
		long long id;

		if (t->due_ms > now)
			break;
		if (t->id == 0 || t->id > last_id)
			continue;
		id = t->id;
		t->id = 0;		/* fired: one-shot */
		l->n_timers--;
		t->fn(l, id, t->arg);
	}
	loop_reap_timers(l);
}

static int
loop_build_pollfd(struct loop *l)
{
	int fd, n = 0;

	if (l->cap_pfd < l->n_fds) {
		l->pfd = xreallocarray(l->pfd, l->n_fds, sizeof(*l->pfd));
		l->pgen = xreallocarray(l->pgen, l->n_fds, sizeof(*l->pgen));
		l->cap_pfd = l->n_fds;
	}
	for (fd = 0; fd < l->n_fds; fd++) {
		if (l->fds[fd].fn == NULL)
			continue;
		l->pfd[n].fd = fd;
		l->pfd[n].events = 0;
		if (l->fds[fd].events & LOOP_READ)
			l->pfd[n].events |= POLLIN;
		if (l->fds[fd].events & LOOP_WRITE)
			l->pfd[n].events |= POLLOUT;
		l->pfd[n].revents = 0;
		l->pgen[n] = l->fds[fd].gen;
		n++;
	}
	return n;
}

int
loop_run_once(struct loop *l, int64_t max_wait_ms)
{
	int i, n, ready;

	n = loop_build_pollfd(l);
	ready = poll(l->pfd, (nfds_t)n, loop_poll_timeout(l, max_wait_ms));
	if (ready == -1) {
		if (errno == EINTR)
			return 0;
		return -1;
	}
	l->last_pass_ms = loop_now_ms();
	for (i = 0; i < n && ready > 0; i++) {
		struct loop_fd *f = &l->fds[l->pfd[i].fd];
		int ev = 0;

		if (l->pfd[i].revents == 0)
			continue;
		ready--;
		if (f->fn == NULL || f->gen != l->pgen[i])
			continue;	/* removed or replaced in this pass */
		if (l->pfd[i].revents & (POLLHUP | POLLERR | POLLNVAL))
			ev = f->events;	/* let the handler see the error */
		if (l->pfd[i].revents & POLLIN)
			ev |= LOOP_READ;
		if (l->pfd[i].revents & POLLOUT)
			ev |= LOOP_WRITE;
		f->fn(l, l->pfd[i].fd, ev, f->arg);
	}
	loop_fire_timers(l);
	return 0;
}

int
loop_run(struct loop *l)
{
	l->stop = 0;
	while (!l->stop) {
		if (loop_run_once(l, -1) == -1)
			return -1;
	}
	return 0;
}
