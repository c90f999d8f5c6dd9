/*
 * test_store_hold.c: renewals held while the repository cannot be written
 * (src/daemon/store_hold.c): the hold's backoff and its end, and the next
 * attempts kept in memory for failures the store could not record (one
 * per proxy, the earliest first, dropped when handed out, bounded).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/daemon.h"

static struct daemon D;

static int
setup(void **state)
{
	(void)state;
	memset(&D, 0, sizeof(D));
	D.opts.backoff_min = 10;
	D.opts.backoff_max = 40;
	D.repo_path = "/nonexistent/repo";
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	store_hold_free(&D);
	return 0;
}

/* A failed recording holds (within the backoff), a recorded one ends it. */
static void
test_hold_and_end(void **state)
{
	int64_t until;

	(void)state;
	assert_int_equal(store_hold_until(&D, 1000), 0);
	assert_null(store_hold_reason(&D));
	store_hold_failed(&D, 1000, "store: COMMIT: Read-only file system");
	until = store_hold_until(&D, 1000);
	assert_true(until > 1000 && until <= 1000 + 40);
	assert_string_equal(store_hold_reason(&D),
	    "store: COMMIT: Read-only file system");
	assert_int_equal(store_hold_until(&D, until), 0);	/* its time over */
	assert_non_null(store_hold_reason(&D));	/* until a recording */
	store_hold_recorded(&D);
	assert_null(store_hold_reason(&D));
	assert_int_equal(store_hold_until(&D, 1000), 0);
}

/* Kept next attempts: one per proxy, the earliest first, dropped. */
static void
test_kept_next(void **state)
{
	int64_t id, when;

	(void)state;
	assert_int_equal(store_hold_next(&D, &id, &when), -1);
	store_hold_keep(&D, 7, 500);
	store_hold_keep(&D, 8, 300);
	store_hold_keep(&D, 9, 400);
	store_hold_keep(&D, 7, 200);	/* replaces 7's */
	assert_int_equal(D.sched.n_held_next, 3);
	assert_true(store_hold_is_kept(&D, 7));
	assert_false(store_hold_is_kept(&D, 6));
	assert_int_equal(store_hold_next(&D, &id, &when), 0);
	assert_int_equal(id, 7);
	assert_int_equal(when, 200);
	assert_int_equal(store_hold_drop(&D, 7), 1);
	assert_int_equal(store_hold_drop(&D, 7), 0);
	assert_int_equal(store_hold_next(&D, &id, &when), 0);
	assert_int_equal(id, 8);
	assert_int_equal(when, 300);
	assert_int_equal(store_hold_drop(&D, 8), 1);
	assert_int_equal(store_hold_drop(&D, 9), 1);
	assert_int_equal(store_hold_next(&D, &id, &when), -1);
}

/* The kept attempts are bounded: beyond the cap a proxy is not kept. */
static void
test_kept_bounded(void **state)
{
	int64_t i;

	(void)state;
	for (i = 1; i <= 5000; i++)
		store_hold_keep(&D, i, 1000 + i);
	assert_true(D.sched.n_held_next > 0 && D.sched.n_held_next < 5000);
	assert_true(store_hold_is_kept(&D, 1));
	assert_false(store_hold_is_kept(&D, 5000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hold_and_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_next, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_bounded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
