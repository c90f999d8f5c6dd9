/*
 * test_sched_policy.c: the renewal time and retry backoff arithmetic of
 * src/daemon/sched_policy.c (architecture.md, "Scheduling").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/daemon.h"

#define NOW	1800000000LL
#define HOUR	3600LL

/* A 12 h proxy: L/4 = 3 h is larger than 1800 + 300. */
static void
test_renew_at_long_proxy(void **state)
{
	(void)state;
	assert_int_equal(sched_renew_at(NOW + 12 * HOUR, NOW, 1800, NOW),
	    NOW + 9 * HOUR);
}

/* A 1 h proxy: the condor limit plus skew (2100 s) wins over L/4. */
static void
test_renew_at_short_proxy(void **state)
{
	(void)state;
	assert_int_equal(sched_renew_at(NOW + HOUR, NOW, 1800, NOW),
	    NOW + HOUR - 2100);
}

/* Registered with 20 minutes left: due at once (clamped to now). */
static void
test_renew_at_clamped_to_now(void **state)
{
	(void)state;
	assert_int_equal(sched_renew_at(NOW + 1200, NOW - 11 * HOUR, 1800, NOW),
	    NOW);
	assert_int_equal(sched_renew_at(NOW - 10, NOW - HOUR, 1800, NOW), NOW);
}

/* The condor limit is a setting: a larger one moves the time earlier. */
static void
test_renew_at_condor_limit(void **state)
{
	(void)state;
	assert_int_equal(sched_renew_at(NOW + 4 * HOUR, NOW, 2 * HOUR, NOW),
	    NOW + 4 * HOUR - 2 * HOUR - 300);
	assert_int_equal(sched_renew_at(NOW + 4 * HOUR, NOW, 0, NOW),
	    NOW + 3 * HOUR);
}

/* obtained after expiry (bad clock, odd certificate): L counts as 0. */
static void
test_renew_at_obtained_after_expiry(void **state)
{
	(void)state;
	assert_int_equal(sched_renew_at(NOW + 10 * HOUR, NOW + 20 * HOUR, 1800,
	    NOW), NOW + 10 * HOUR - 2100);
}

/* Extreme certificate times saturate instead of overflowing. */
static void
test_renew_at_extremes(void **state)
{
	int64_t at;

	(void)state;
	at = sched_renew_at(INT64_MAX, INT64_MIN, 1800, NOW);
	assert_true(at >= NOW);
	at = sched_renew_at(INT64_MIN, INT64_MAX, INT64_MAX, NOW);
	assert_int_equal(at, NOW);
	at = sched_renew_at(INT64_MAX, NOW, 1800, NOW);
	assert_true(at > NOW && at < INT64_MAX);
}

/* Without jitter: 60, 120, 240, 480, then capped at 900. */
static void
test_backoff_doubles_and_caps(void **state)
{
	(void)state;
	assert_int_equal(sched_backoff(1, 60, 900, 0), 60);
	assert_int_equal(sched_backoff(2, 60, 900, 0), 120);
	assert_int_equal(sched_backoff(3, 60, 900, 0), 240);
	assert_int_equal(sched_backoff(4, 60, 900, 0), 480);
	assert_int_equal(sched_backoff(5, 60, 900, 0), 900);
	assert_int_equal(sched_backoff(6, 60, 900, 0), 900);
	assert_int_equal(sched_backoff(1000000, 60, 900, 0), 900);
	assert_int_equal(sched_backoff(0, 60, 900, 0), 60);
	assert_int_equal(sched_backoff(-5, 60, 900, 0), 60);
}

/* Jitter takes away at most a quarter, and every value in range occurs. */
static void
test_backoff_jitter_bounds(void **state)
{
	int seen_low = 0, seen_high = 0;
	uint32_t j;

	(void)state;
	for (j = 0; j < 5000; j++) {
		int64_t d = sched_backoff(5, 60, 900, j * 2654435761u);

		assert_true(d >= 900 - 225 && d <= 900);
		seen_low |= d == 900 - 225;
		seen_high |= d == 900;
	}
	assert_true(seen_low && seen_high);
	assert_int_equal(sched_backoff(1, 60, 900, 15), 45);
	assert_int_equal(sched_backoff(1, 60, 900, 16), 60);
}

/* Nonsense settings still give a positive delay within the cap. */
static void
test_backoff_degenerate(void **state)
{
	(void)state;
	assert_int_equal(sched_backoff(3, 0, 0, 0), 1);
	assert_int_equal(sched_backoff(3, 100, 10, 0), 100);
	assert_int_equal(sched_backoff(63, 1, INT64_MAX, 0), INT64_C(1) << 62);
	assert_int_equal(sched_backoff(64, 1, INT64_MAX, 0), INT64_MAX);
	assert_true(sched_backoff(200, 1, INT64_MAX, 0) > 0);
	assert_int_equal(sched_backoff(1, 1, 1, 0xffffffffu), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_renew_at_long_proxy),
		cmocka_unit_test(test_renew_at_short_proxy),
		cmocka_unit_test(test_renew_at_clamped_to_now),
		cmocka_unit_test(test_renew_at_condor_limit),
		cmocka_unit_test(test_renew_at_obtained_after_expiry),
		cmocka_unit_test(test_renew_at_extremes),
		cmocka_unit_test(test_backoff_doubles_and_caps),
		cmocka_unit_test(test_backoff_jitter_bounds),
		cmocka_unit_test(test_backoff_degenerate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
