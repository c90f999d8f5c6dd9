/*
 * loop.c: the epoll(7) event loop (see loop.h for its rules).
 *
 * File handlers live in a table indexed by fd, each with a generation
 * number; an fd is registered with the kernel once (level-triggered) and
 * changed only when its handler or events change, so a pass costs the
 * ready fds, not every open one. Each epoll event carries the fd and the
 * generation it was registered with: an fd removed, or closed and reused,
 * by a callback earlier in the same pass is not handed stale events.
 * Timers live in slots (an id names its slot, so cancelling is O(1) to
 * find) ordered by a binary heap on (due, id): add, cancel and fire are
 * O(log n) in the number of armed timers.
 */
#include <sys/epoll.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"
#include "xmalloc.h"

#define LOOP_MAX_EVENTS		64	/* events taken per epoll_wait */
#define TIMER_SLOT_BITS		24	/* id = seq << bits | slot */
#define TIMER_SLOTS_MAX		(1 << TIMER_SLOT_BITS)

struct loop_fd {
	loop_fd_fn *fn;		/* NULL: slot unused or removed */
	void *arg;
	int events;		/* LOOP_READ|LOOP_WRITE */
	int in_kernel;		/* registered with epoll (until loop_del_fd) */
	uint32_t gen;		/* bumped on every add and delete */
};

struct loop_timer {
	long long id;		/* > 0 while armed; 0: slot free */
	int64_t due_ms;		/* CLOCK_MONOTONIC */
	loop_timer_fn *fn;
	void *arg;
	int heap_i;		/* index in heap while armed; next free slot else */
};

/*
 * Timer rules: (1) slot s is armed iff slots[s].id != 0, and then
 * heap[slots[s].heap_i] == s; (2) heap[0..n_heap) is a min-heap on
 * (due_ms, id); (3) free slots are chained through heap_i from free_slot.
 */
struct loop {
	int epfd;
	struct loop_fd *fds;	/* indexed by fd, n_fds slots */
	int n_fds;
	struct epoll_event ev[LOOP_MAX_EVENTS];
	struct loop_timer *slots;	/* n_slots, armed or free */
	int n_slots;
	int free_slot;		/* head of the free chain; -1 none */
	int *heap;		/* slot numbers, n_heap of them (cap n_slots) */
	int n_heap;
	long long seq;		/* last timer sequence number handed out */
	int stop;		/* loop_stop() was called */
	int64_t last_pass_ms;	/* end of epoll_wait() in the last pass; 0 none */
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
	int epfd;

	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return NULL;
	l = xcalloc(1, sizeof(*l));
	l->epfd = epfd;
	l->free_slot = -1;
	return l;
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	(void)close(l->epfd);
	free(l->fds);
	free(l->slots);
	free(l->heap);
	free(l);
}

/* Tell the kernel about fd's (new) events: ADD or MOD, whichever applies. */
static int
loop_fd_register(struct loop *l, int fd, struct loop_fd *f)
{
	struct epoll_event ev;
	int op = f->in_kernel ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	memset(&ev, 0, sizeof(ev));
	ev.events = ((f->events & LOOP_READ) ? EPOLLIN : 0) |
	    ((f->events & LOOP_WRITE) ? EPOLLOUT : 0);
	ev.data.u64 = (uint64_t)f->gen << 32 | (uint32_t)fd;
	if (epoll_ctl(l->epfd, op, fd, &ev) == -1) {
		/* closed and reopened behind our back: the other op fits */
		if (errno == ENOENT && op == EPOLL_CTL_MOD)
			op = EPOLL_CTL_ADD;
		else if (errno == EEXIST && op == EPOLL_CTL_ADD)
			op = EPOLL_CTL_MOD;
		else
			return -1;
		if (epoll_ctl(l->epfd, op, fd, &ev) == -1)
			return -1;
	}
	f->in_kernel = 1;
	return 0;
}

int
loop_add_fd(struct loop *l, int fd, int events, loop_fd_fn *fn, void *arg)
{
	struct loop_fd *f;

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
	f = &l->fds[fd];
	f->gen++;
	f->events = events & (LOOP_READ | LOOP_WRITE);
	if (loop_fd_register(l, fd, f) == -1) {
		int saved = errno;

		loop_del_fd(l, fd);
		errno = saved;
		return -1;
	}
	f->fn = fn;
	f->arg = arg;
	return 0;
}

void
loop_del_fd(struct loop *l, int fd)
{
	struct loop_fd *f;

	if (fd < 0 || fd >= l->n_fds)
		return;
	f = &l->fds[fd];
	if (f->fn == NULL && !f->in_kernel)
		return;
	/* fails only if fd was closed first (the kernel dropped it then) */
	if (f->in_kernel)
		(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	f->in_kernel = 0;
	f->fn = NULL;
	f->arg = NULL;
	f->events = 0;
	f->gen++;
}

/* ---- timers: a binary heap of slots on (due_ms, id) */

static int
timer_before(const struct loop *l, int a, int b)
{
	const struct loop_timer *x = &l->slots[a], *y = &l->slots[b];

	return x->due_ms < y->due_ms || (x->due_ms == y->due_ms && x->id < y->id);
}

static void
heap_set(struct loop *l, int i, int slot)
{
	l->heap[i] = slot;
	l->slots[slot].heap_i = i;
}

static void
heap_up(struct loop *l, int i)
{
	int slot = l->heap[i];

	while (i > 0 && timer_before(l, slot, l->heap[(i - 1) / 2])) {
		heap_set(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(l, i, slot);
}

static void
heap_down(struct loop *l, int i)
{
	int slot = l->heap[i], c;

	while ((c = 2 * i + 1) < l->n_heap) {
		if (c + 1 < l->n_heap && timer_before(l, l->heap[c + 1],
		    l->heap[c]))
			c++;
		if (!timer_before(l, l->heap[c], slot))
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, slot);
}

/* Disarm the timer in slot and free the slot. */
static void
timer_remove(struct loop *l, int slot)
{
	int i = l->slots[slot].heap_i, last = l->heap[--l->n_heap];

	if (i < l->n_heap) {
		heap_set(l, i, last);
		heap_down(l, i);
		heap_up(l, l->slots[last].heap_i);
	}
	l->slots[slot].id = 0;
	l->slots[slot].heap_i = l->free_slot;
	l->free_slot = slot;
}

static int
timer_slot_new(struct loop *l)
{
	int slot, n;

	if (l->free_slot == -1) {
		if (l->n_slots >= TIMER_SLOTS_MAX)
			abort();	/* ids cannot name more; never near */
		n = l->n_slots == 0 ? 16 : 2 * l->n_slots;
		if (n > TIMER_SLOTS_MAX)
			n = TIMER_SLOTS_MAX;
		l->slots = xreallocarray(l->slots, n, sizeof(*l->slots));
		l->heap = xreallocarray(l->heap, n, sizeof(*l->heap));
		for (slot = n - 1; slot >= l->n_slots; slot--) {
			l->slots[slot].id = 0;
			l->slots[slot].heap_i = l->free_slot;
			l->free_slot = slot;
		}
		l->n_slots = n;
	}
	slot = l->free_slot;
	l->free_slot = l->slots[slot].heap_i;
	return slot;
}

long long
loop_add_timer(struct loop *l, int64_t delay_ms, loop_timer_fn *fn, void *arg)
{
	struct loop_timer *t;
	int slot;

	if (delay_ms < 0)
		delay_ms = 0;
	if (delay_ms > INT64_MAX / 2)
		delay_ms = INT64_MAX / 2;
	slot = timer_slot_new(l);
	t = &l->slots[slot];
	t->id = ++l->seq << TIMER_SLOT_BITS | slot;
	t->due_ms = clock_mono_ms() + delay_ms;
	t->fn = fn;
	t->arg = arg;
	heap_set(l, l->n_heap++, slot);
	heap_up(l, l->n_heap - 1);
	return t->id;
}

void
loop_del_timer(struct loop *l, long long id)
{
	int slot;

	if (id <= 0)
		return;
	slot = (int)(id & (TIMER_SLOTS_MAX - 1));
	if (slot < l->n_slots && l->slots[slot].id == id)
		timer_remove(l, slot);
}

int
loop_timer_count(const struct loop *l)
{
	return l->n_heap;
}

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}

/* Milliseconds epoll_wait() may sleep: -1 with no timer, capped by max_wait_ms. */
static int
loop_wait_timeout(struct loop *l, int64_t max_wait_ms)
{
	int64_t wait = -1;

	if (l->n_heap > 0) {
		wait = l->slots[l->heap[0]].due_ms - clock_mono_ms();
		if (wait < 0)
			wait = 0;
	}
	if (max_wait_ms >= 0 && (wait < 0 || wait > max_wait_ms))
		wait = max_wait_ms;
	if (wait > 24 * 3600 * 1000)	/* epoll_wait() takes an int */
		wait = 24 * 3600 * 1000;
	return (int)wait;
}

/*
 * Fire every timer due now that existed when the pass started (a timer a
 * callback adds with delay 0 waits for the next pass, so a callback that
 * re-arms itself cannot starve the fds). A new timer is due no earlier
 * than now and has a larger id than every older one, so the first one met
 * at the top of the heap ends the round.
 */
static void
loop_fire_timers(struct loop *l)
{
	long long last_seq = l->seq;
	int64_t now = clock_mono_ms();

	while (l->n_heap > 0) {
		struct loop_timer *t = &l->slots[l->heap[0]];
		loop_timer_fn *fn = t->fn;
		void *arg = t->arg;
		long long id = t->id;

		if (t->due_ms > now || (id >> TIMER_SLOT_BITS) > last_seq)
			break;
		timer_remove(l, l->heap[0]);	/* fired: one-shot */
		fn(l, id, arg);
	}
}

static void
loop_dispatch(struct loop *l, const struct epoll_event *e)
{
	int fd = (int)(uint32_t)e->data.u64;
	struct loop_fd *f = &l->fds[fd];
	int ev = 0;

	if (f->fn == NULL || f->gen != (uint32_t)(e->data.u64 >> 32))
		return;		/* removed or replaced in this pass */
	if (e->events & (EPOLLHUP | EPOLLERR))
		ev = f->events;	/* let the handler see the error */
	if (e->events & EPOLLIN)
		ev |= LOOP_READ;
	if (e->events & EPOLLOUT)
		ev |= LOOP_WRITE;
	f->fn(l, fd, ev, f->arg);
}

int
loop_run_once(struct loop *l, int64_t max_wait_ms)
{
	int i, n;

	n = epoll_wait(l->epfd, l->ev, LOOP_MAX_EVENTS,
	    loop_wait_timeout(l, max_wait_ms));
	if (n == -1) {
		if (errno == EINTR)
			return 0;
		return -1;
	}
	l->last_pass_ms = loop_now_ms();
	for (i = 0; i < n; i++)
		loop_dispatch(l, &l->ev[i]);
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
