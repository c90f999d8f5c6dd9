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

/*
 * Jitter: never later than the policy's time (so the 30-minute floor
 * holds), never before now, within 4 % of the time left, and spread.
 */
static void
test_jitter_bounds_and_spread(void **state)
{
	int64_t t = NOW + 12 * HOUR, at = sched_renew_at(t, NOW, 1800, NOW);
	int64_t j, lo = INT64_MAX, hi = INT64_MIN, short_at;
	uint32_t r;
	int distinct = 0;

	(void)state;
	for (r = 0; r < 2000; r++) {
		j = sched_jitter(at, t, NOW, r * 2654435761u);
		assert_true(j <= at);
		assert_true(j >= at - 12 * HOUR * 4 / 100);
		if (j < lo)
			lo = j;
		if (j > hi)
			hi = j;
	}
	assert_true(hi - lo > 12 * HOUR * 3 / 100);	/* over most of 4 % */
	for (r = 1; r < 1000; r++)
		distinct += sched_jitter(at, t, NOW, r) !=
		    sched_jitter(at, t, NOW, r - 1);
	assert_true(distinct > 900);
	/* a 1 h proxy: still at least condor + skew before expiry */
	short_at = sched_renew_at(NOW + HOUR, NOW, 1800, NOW);
	for (r = 0; r < 1000; r++)
		assert_true(sched_jitter(short_at, NOW + HOUR, NOW,
		    r * 40503u) <= NOW + HOUR - 2100);
	/* due now or expired: now, whatever the jitter */
	assert_int_equal(sched_jitter(NOW, NOW + 600, NOW, 12345), NOW);
	assert_int_equal(sched_jitter(NOW - 5, NOW - 1, NOW, 7), NOW);
	/* a time just after now: never before now */
	for (r = 0; r < 100; r++)
		assert_true(sched_jitter(NOW + 3, NOW + 10 * HOUR, NOW, r) >= NOW);
	/* extremes saturate */
	assert_true(sched_jitter(INT64_MAX, INT64_MAX, INT64_MIN, 99) <=
	    INT64_MAX);
	assert_true(sched_jitter(INT64_MAX - 1, INT64_MAX, 0, UINT32_MAX) > 0);
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
		cmocka_unit_test(test_jitter_bounds_and_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
