/*
 * test_loop.c: the epoll event loop of src/daemon/loop.c: timer order,
 * cancellation from inside callbacks, fd handlers removed or replaced
 * during a pass, and sleeping without timers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "daemon/loop.h"

struct rec {
	struct loop *l;
	char order[64];		/* labels of the callbacks, in call order */
	size_t n;
	long long victim;	/* timer a callback cancels */
	int victim_fd;		/* fd a callback removes */
	int stop_after;		/* loop_stop() at this many calls; 0 never */
};

static struct rec R;

static void
note(char c)
{
	if (R.n + 1 < sizeof(R.order))
		R.order[R.n++] = c;
	R.order[R.n] = '\0';
	if (R.stop_after && (int)R.n >= R.stop_after)
		loop_stop(R.l);
}

static void
on_timer(struct loop *l, long long id, void *arg)
{
	(void)l;
	(void)id;
	note(*(const char *)arg);
}

static void
on_timer_cancel(struct loop *l, long long id, void *arg)
{
	(void)id;
	note(*(const char *)arg);
	loop_del_timer(l, R.victim);
}

static int
setup(void **state)
{
	(void)state;
	memset(&R, 0, sizeof(R));
	R.l = loop_new();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	loop_free(R.l);
	return 0;
}

/* Run until nothing is armed (bounded). */
static void
drain(void)
{
	int i;

	for (i = 0; i < 100 && loop_timer_count(R.l) > 0; i++)
		assert_int_equal(loop_run_once(R.l, 1000), 0);
	assert_int_equal(loop_timer_count(R.l), 0);
}

/* Timers fire by due time, ties in creation order, whatever the add order. */
static void
test_timers_in_order(void **state)
{
	(void)state;
	loop_add_timer(R.l, 30, on_timer, "c");
	loop_add_timer(R.l, 10, on_timer, "a");
	loop_add_timer(R.l, 20, on_timer, "b");
	loop_add_timer(R.l, 10, on_timer, "A");
	loop_add_timer(R.l, 0, on_timer, "0");
	loop_add_timer(R.l, -5, on_timer, "n");
	assert_int_equal(loop_timer_count(R.l), 6);
	drain();
	assert_string_equal(R.order, "0naAbc");
}

/* A timer is not called before its time. */
static void
test_timer_not_early(void **state)
{
	int64_t t0 = loop_now_ms();

	(void)state;
	loop_add_timer(R.l, 50, on_timer, "x");
	assert_int_equal(loop_run_once(R.l, 0), 0);
	assert_string_equal(R.order, "");
	drain();
	assert_string_equal(R.order, "x");
	assert_true(loop_now_ms() - t0 >= 50);
}

/* A callback cancels a later timer due in the same pass: it never fires. */
static void
test_cancel_in_callback(void **state)
{
	(void)state;
	loop_add_timer(R.l, 0, on_timer_cancel, "k");
	R.victim = loop_add_timer(R.l, 0, on_timer, "v");
	loop_add_timer(R.l, 0, on_timer, "w");
	usleep(2000);
	assert_int_equal(loop_run_once(R.l, 0), 0);
	assert_string_equal(R.order, "kw");
	assert_int_equal(loop_timer_count(R.l), 0);
}

/* Cancelling an unknown, fired or cancelled id is harmless. */
static void
test_cancel_twice(void **state)
{
	long long id;

	(void)state;
	id = loop_add_timer(R.l, 1000, on_timer, "z");
	loop_del_timer(R.l, id);
	loop_del_timer(R.l, id);
	loop_del_timer(R.l, 0);
	loop_del_timer(R.l, 12345);
	assert_int_equal(loop_timer_count(R.l), 0);
	assert_int_equal(loop_run_once(R.l, 0), 0);
	assert_string_equal(R.order, "");
}

static void
on_timer_rearm(struct loop *l, long long id, void *arg)
{
	(void)id;
	note(*(const char *)arg);
	if (R.n < 3)
		loop_add_timer(l, 0, on_timer_rearm, arg);
}

/* A timer re-armed with delay 0 from its callback waits for the next pass. */
static void
test_rearm_next_pass(void **state)
{
	(void)state;
	loop_add_timer(R.l, 0, on_timer_rearm, "r");
	assert_int_equal(loop_run_once(R.l, 0), 0);
	assert_string_equal(R.order, "r");
	drain();
	assert_string_equal(R.order, "rrr");
}

static int pipes[2][2];

static void
on_fd(struct loop *l, int fd, int events, void *arg)
{
	char c;

	assert_true(events & LOOP_READ);
	assert_int_equal(read(fd, &c, 1), 1);
	note(*(const char *)arg);
	if (R.victim_fd >= 0) {
		loop_del_fd(l, R.victim_fd);
		R.victim_fd = -1;
	}
}

/* Both fds ready; the first handler removes the other: it is not called. */
static void
test_fd_removed_in_callback(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_int_equal(pipe2(pipes[i], O_CLOEXEC), 0);
		assert_int_equal(write(pipes[i][1], "x", 1), 1);
	}
	R.victim_fd = pipes[0][0] < pipes[1][0] ? pipes[1][0] : pipes[0][0];
	assert_int_equal(loop_add_fd(R.l, pipes[0][0], LOOP_READ, on_fd, "p"), 0);
	assert_int_equal(loop_add_fd(R.l, pipes[1][0], LOOP_READ, on_fd, "q"), 0);
	assert_int_equal(loop_run_once(R.l, 1000), 0);
	assert_int_equal(R.n, 1);
	/* The removed one stays silent although its data is still there. */
	assert_int_equal(loop_run_once(R.l, 0), 0);
	assert_int_equal(R.n, 1);
	for (i = 0; i < 2; i++) {
		loop_del_fd(R.l, pipes[i][0]);
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
}

static void
on_write(struct loop *l, int fd, int events, void *arg)
{
	(void)fd;
	assert_true(events & LOOP_WRITE);
	note(*(const char *)arg);
	loop_del_fd(l, fd);
}

/* Write interest, and bad registrations refused. */
static void
test_fd_write_and_errors(void **state)
{
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(loop_add_fd(R.l, p[1], LOOP_WRITE, on_write, "w"), 0);
	assert_int_equal(loop_run_once(R.l, 1000), 0);
	assert_string_equal(R.order, "w");
	assert_int_equal(loop_add_fd(R.l, -1, LOOP_READ, on_fd, "e"), -1);
	assert_int_equal(loop_add_fd(R.l, p[0], 0, on_fd, "e"), -1);
	assert_int_equal(loop_add_fd(R.l, p[0], LOOP_READ, NULL, "e"), -1);
	loop_del_fd(R.l, 100000);	/* unknown: ignored */
	close(p[0]);
	close(p[1]);
}

/*
 * Many timers, a third cancelled in a scattered order: the rest fire in
 * (due, creation) order and the count stays right (the timer heap). A
 * timer's due time is the clock at its creation plus its delay, so each one
 * is made within one clock millisecond (made again if the clock ticked
 * meanwhile) and the expected order is computed from those times: a slow
 * or preempted test process changes the order, not the verdict.
 */
static long long
add_timer_at(int64_t delay, void *arg, int64_t *due)
{
	for (;;) {
		int64_t before = clock_mono_ms();
		long long id = loop_add_timer(R.l, delay, on_timer, arg);

		if (clock_mono_ms() == before) {
			*due = before + delay;
			return id;
		}
		loop_del_timer(R.l, id);
	}
}

static void
test_many_timers_cancelled(void **state)
{
	static const char labels[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN";
	long long ids[40];
	int64_t due[40], last = 0;
	int gone[40] = { 0 };
	char want[64];
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < 40; i++)	/* delays 0..4 ms, shuffled */
		ids[i] = add_timer_at((int64_t)((i * 7) % 5),
		    (void *)&labels[i], &due[i]);
	for (i = 0; i < 40; i += 3) {
		loop_del_timer(R.l, ids[(i * 13) % 40]);
		gone[(i * 13) % 40] = 1;
	}
	assert_int_equal(loop_timer_count(R.l), 40 - 14);
	for (i = 0; i < 40; i++)
		last = due[i] > last ? due[i] : last;
	for (int64_t t = due[0]; t <= last; t++)	/* by due, then creation */
		for (i = 0; i < 40; i++)
			if (due[i] == t && !gone[i])
				want[n++] = labels[i];
	want[n] = '\0';
	while (clock_mono_ms() <= last)
		usleep(1000);
	assert_int_equal(loop_run_once(R.l, 0), 0);
	assert_string_equal(R.order, want);
	assert_int_equal(loop_timer_count(R.l), 0);
}

static void
on_fd_switch(struct loop *l, int fd, int events, void *arg)
{
	(void)arg;
	if (events & LOOP_WRITE) {
		note('w');
		/* the same fd, now for reading only (a replaced registration) */
		assert_int_equal(loop_add_fd(l, fd, LOOP_READ, on_fd_switch,
		    NULL), 0);
	} else {
		note('r');
		loop_del_fd(l, fd);
	}
}

/* A handler changes its own events: the new ones count from the next pass. */
static void
test_fd_events_changed(void **state)
{
	int sv[2];
	char c;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(loop_add_fd(R.l, sv[0], LOOP_WRITE, on_fd_switch, NULL), 0);
	assert_int_equal(loop_run_once(R.l, 1000), 0);
	assert_string_equal(R.order, "w");
	assert_int_equal(loop_run_once(R.l, 0), 0);	/* nothing to read */
	assert_string_equal(R.order, "w");
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(loop_run_once(R.l, 1000), 0);
	assert_string_equal(R.order, "wr");
	assert_int_equal(read(sv[0], &c, 1), 1);
	close(sv[0]);
	close(sv[1]);
}

static int reuse_fd[2];

static void
on_fd_reuse(struct loop *l, int fd, int events, void *arg)
{
	int p[2];

	(void)events;
	note(*(const char *)arg);
	/* close the other one and get its number back for a new pipe */
	loop_del_fd(l, reuse_fd[1]);
	close(reuse_fd[1]);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	if (p[0] != reuse_fd[1]) {
		assert_int_equal(dup2(p[0], reuse_fd[1]), reuse_fd[1]);
		close(p[0]);
	}
	assert_int_equal(loop_add_fd(l, reuse_fd[1], LOOP_READ, on_fd, "n"), 0);
	close(p[1]);		/* it reads EOF: ready, but not this pass */
	loop_del_fd(l, fd);
}

/* An fd closed and reused in a pass is not handed its old events then. */
static void
test_fd_reused_in_pass(void **state)
{
	int a[2], b[2];

	(void)state;
	R.victim_fd = -1;
	assert_int_equal(pipe2(a, O_CLOEXEC), 0);
	assert_int_equal(pipe2(b, O_CLOEXEC), 0);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	reuse_fd[0] = a[0] < b[0] ? a[0] : b[0];
	reuse_fd[1] = a[0] < b[0] ? b[0] : a[0];
	assert_int_equal(loop_add_fd(R.l, reuse_fd[0], LOOP_READ, on_fd_reuse,
	    "o"), 0);
	assert_int_equal(loop_add_fd(R.l, reuse_fd[1], LOOP_READ, on_fd, "x"), 0);
	/* both ready; whichever comes first, "x" must not follow "o" */
	assert_int_equal(loop_run_once(R.l, 1000), 0);
	assert_true(strcmp(R.order, "o") == 0 || strcmp(R.order, "xo") == 0);
	loop_del_fd(R.l, reuse_fd[1]);
	close(reuse_fd[0]);
	close(reuse_fd[1]);
	close(a[1]);
	close(b[1]);
}

/* No timer and no fd: a bounded wait returns, nothing is called. */
static void
test_idle_wait(void **state)
{
	int64_t t0 = loop_now_ms();

	(void)state;
	assert_int_equal(loop_run_once(R.l, 20), 0);
	assert_true(loop_now_ms() - t0 >= 15);
	assert_int_equal(R.n, 0);
}

/* loop_run returns after loop_stop from a callback. */
static void
test_run_stop(void **state)
{
	(void)state;
	R.stop_after = 2;
	loop_add_timer(R.l, 1, on_timer, "1");
	loop_add_timer(R.l, 2, on_timer, "2");
	loop_add_timer(R.l, 5000, on_timer, "3");
	assert_int_equal(loop_run(R.l), 0);
	assert_string_equal(R.order, "12");
	assert_int_equal(loop_timer_count(R.l), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_timers_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_not_early, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_in_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rearm_next_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_removed_in_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_write_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_timers_cancelled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_events_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_reused_in_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_stop, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
