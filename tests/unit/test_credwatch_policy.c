/*
 * test_credwatch_policy.c: the credential watch's pure decisions
 * (src/daemon/credwatch_policy.c): one warning per lead time and identity,
 * re-armed by a new credential; the next INFO time; Limited_by.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/credwatch_policy.h"

#define NOW	1800000000LL
#define DAY	86400LL

static const int64_t leads[] = CREDWATCH_LEAD_SEC_DEFAULTS;	/* 7 d, 2 d */

/* 10 days left: nothing; 6 days: the 7-day warning, once; 1 day: 2-day. */
static void
test_once_per_threshold(void **state)
{
	unsigned w = 0;

	(void)state;
	assert_int_equal(credwatch_warning(NOW + 10 * DAY, NOW, leads, 2, &w),
	    -1);
	assert_int_equal(credwatch_warning(NOW + 6 * DAY, NOW, leads, 2, &w), 0);
	assert_int_equal(credwatch_warning(NOW + 6 * DAY, NOW, leads, 2, &w),
	    -1);
	assert_int_equal(credwatch_warning(NOW + 6 * DAY, NOW + DAY, leads, 2,
	    &w), -1);
	assert_int_equal(credwatch_warning(NOW + DAY, NOW, leads, 2, &w), 1);
	assert_int_equal(credwatch_warning(NOW + DAY, NOW, leads, 2, &w), -1);
	assert_int_equal(w, 3u);
}

/* First seen with 3 days left: one warning (7 d), not two; then 2 d. */
static void
test_first_seen_late(void **state)
{
	unsigned w = 0;

	(void)state;
	assert_int_equal(credwatch_warning(NOW + 3 * DAY, NOW, leads, 2, &w), 0);
	assert_int_equal(credwatch_warning(NOW + 3 * DAY, NOW, leads, 2, &w),
	    -1);
	/* first seen with 1 day left: only the most urgent, both marked */
	w = 0;
	assert_int_equal(credwatch_warning(NOW + DAY, NOW, leads, 2, &w), 1);
	assert_int_equal(w, 3u);
	assert_int_equal(credwatch_warning(NOW + DAY, NOW, leads, 2, &w), -1);
}

/* Unknown end: nothing. A new credential (30 days) re-arms both. */
static void
test_unknown_and_rearm(void **state)
{
	unsigned w = 0;

	(void)state;
	assert_int_equal(credwatch_warning(0, NOW, leads, 2, &w), -1);
	assert_int_equal(credwatch_warning(NOW + DAY, NOW, leads, 2, &w), 1);
	assert_int_equal(credwatch_rearm(w, NOW + 30 * DAY, NOW, leads, 2), 0u);
	assert_int_equal(credwatch_rearm(w, NOW + 5 * DAY, NOW, leads, 2), 1u);
}

static void
test_next(void **state)
{
	(void)state;
	assert_int_equal(credwatch_next(NOW, DAY, 0, NOW + 10 * DAY), NOW + DAY);
	assert_int_equal(credwatch_next(NOW, DAY, 1, NOW + 10 * DAY), NOW + 300);
	assert_int_equal(credwatch_next(NOW, DAY, 0, NOW + 3600), NOW + 3600);
}

static void
test_limited_by(void **state)
{
	const char *n;

	(void)state;
	assert_int_equal(limited_by(NOW + 12 * 3600, 0, 0, &n), LIMITED_X509);
	assert_string_equal(n, "x509");
	assert_int_equal(limited_by(NOW + 12 * 3600, NOW + 3600, 0, &n),
	    LIMITED_VOMS_AC);
	assert_string_equal(n, "voms-ac");
	/* the chain ends with the stored credential: it cut it short */
	assert_int_equal(limited_by(NOW + 3600, 0, NOW + 3600 + 5, &n),
	    LIMITED_STORED_CRED);
	assert_string_equal(n, "stored-credential");
	/* a stored credential ending much later does not limit */
	assert_int_equal(limited_by(NOW + 3600, 0, NOW + 30 * DAY, &n),
	    LIMITED_X509);
	/* the AC before both wins */
	assert_int_equal(limited_by(NOW + 3600, NOW + 600, NOW + 3600, &n),
	    LIMITED_VOMS_AC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_once_per_threshold),
		cmocka_unit_test(test_first_seen_late),
		cmocka_unit_test(test_unknown_and_rearm),
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_limited_by),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
