/*
 * loop.h: a small epoll(7) event loop (in the spirit of Redis ae.c): file
 * descriptor handlers and one-shot timers, run until stopped.
 *
 * Rules:
 *  (1) Any handler or timer may be removed at any time, from any callback.
 *      A removed entry is never called again, even later in the same pass.
 *  (1a) Remove an fd (loop_del_fd) before closing it: a copy of it in a
 *      child being forked would keep the kernel reporting it otherwise.
 *      A forked child must not add or remove fds of its parent's loop
 *      (the epoll interest list is shared); loop_free() in it is harmless.
 *  (2) Timers use CLOCK_MONOTONIC milliseconds and fire once, in order of
 *      their due time (ties: creation order). Timer ids are > 0, never reused.
 *  (3) With no timer armed, the loop sleeps in epoll_wait() until an fd is ready:
 *      no periodic wakeups.
 *  (4) Knows nothing about proxy-renewd; never logs; never exits.
 */
#ifndef PR_LOOP_H
#define PR_LOOP_H

#include <stdint.h>

#define LOOP_READ	0x1
#define LOOP_WRITE	0x2

struct loop;

/* events: LOOP_READ/LOOP_WRITE that are ready (errors/hangup count as both). */
typedef void loop_fd_fn(struct loop *l, int fd, int events, void *arg);
typedef void loop_timer_fn(struct loop *l, long long id, void *arg);

/* NULL with errno when epoll_create1 fails. */
struct loop	*loop_new(void);
void		 loop_free(struct loop *l);

/* Watch fd for events (replaces an earlier registration of fd). 0 or -1. */
int		 loop_add_fd(struct loop *l, int fd, int events, loop_fd_fn *fn,
		    void *arg);
void		 loop_del_fd(struct loop *l, int fd);

/* Call fn once, delay_ms from now (negative counts as 0). Returns the id. */
long long	 loop_add_timer(struct loop *l, int64_t delay_ms, loop_timer_fn *fn,
		    void *arg);
/* Cancel a timer; unknown or already fired ids are ignored. */
void		 loop_del_timer(struct loop *l, long long id);

/*
 * Wait at most max_wait_ms (-1: until something happens) and dispatch what
 * is ready. Returns 0, or -1 with errno when epoll_wait fails (not EINTR).
 */
int		 loop_run_once(struct loop *l, int64_t max_wait_ms);
/* loop_run_once until loop_stop(). 0, or -1 with errno. */
int		 loop_run(struct loop *l);
void		 loop_stop(struct loop *l);

/* Number of live timers (tests, and checks that nothing is left armed). */
int		 loop_timer_count(const struct loop *l);

/* loop_now_ms() when the last pass woke up (heartbeat); 0 before any. */
int64_t		 loop_last_pass_ms(const struct loop *l);

/* The clock of the loop's timers: clock_mono_ms() (clock.h). */
int64_t		 loop_now_ms(void);

#endif /* PR_LOOP_H */
