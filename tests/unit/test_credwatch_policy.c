/*
 * test_credwatch_policy.c: the credential watch's pure decisions
 * (src/daemon/credwatch_policy.c): one warning per lead time and identity,
 * re-armed by a new credential; the next INFO time; Limited_by.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
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
	assert_int_equal(credwatch_next(NOW, DAY, NOW + 10 * DAY), NOW + DAY);
	assert_int_equal(credwatch_next(NOW, 300, NOW + 10 * DAY), NOW + 300);
	assert_int_equal(credwatch_next(NOW, DAY, NOW + 3600), NOW + 3600);
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

static void
test_parse_leads(void **state)
{
	int64_t l[CREDWATCH_LEADS_MAX];
	const char *why;
	size_t n;

	(void)state;
	assert_int_equal(credwatch_parse_leads("7d,2d", l, &n, &why), 0);
	assert_int_equal(n, 2);
	assert_int_equal(l[0], 7 * DAY);
	assert_int_equal(l[1], 2 * DAY);
	assert_int_equal(credwatch_parse_leads("36h,90m,45s,600", l, &n, &why),
	    0);
	assert_int_equal(n, 4);
	assert_int_equal(l[0], 36 * 3600);
	assert_int_equal(l[1], 90 * 60);
	assert_int_equal(l[2], 45);
	assert_int_equal(l[3], 600);
	assert_int_equal(credwatch_parse_leads("365d", l, &n, &why), 0);
	assert_int_equal(credwatch_parse_leads("366d", l, &n, &why), -1);
	assert_int_equal(credwatch_parse_leads("", l, &n, &why), -1);
	assert_int_equal(credwatch_parse_leads("7d,", l, &n, &why), -1);
	assert_int_equal(credwatch_parse_leads(",7d", l, &n, &why), -1);
	assert_int_equal(credwatch_parse_leads("7d 2d", l, &n, &why), -1);
	assert_int_equal(credwatch_parse_leads(" 7d", l, &n, &why), -1);
	assert_int_equal(credwatch_parse_leads("-7d", l, &n, &why), -1);
	assert_int_equal(credwatch_parse_leads("0", l, &n, &why), -1);
	assert_int_equal(credwatch_parse_leads("7w", l, &n, &why), -1);
	assert_int_equal(credwatch_parse_leads("1,2,3,4,5,6,7,8", l, &n, &why),
	    0);
	assert_int_equal(credwatch_parse_leads("1,2,3,4,5,6,7,8,9", l, &n,
	    &why), -1);
	assert_non_null(strstr(why, "7d,2d"));
}

/* The next lead crossed, for leads not yet warned about. */
static void
test_next_lead(void **state)
{
	(void)state;
	assert_int_equal(credwatch_next_lead(NOW + 10 * DAY, NOW, leads, 2, 0),
	    NOW + 3 * DAY);
	assert_int_equal(credwatch_next_lead(NOW + 3 * DAY, NOW, leads, 2, 1),
	    NOW + DAY);
	assert_int_equal(credwatch_next_lead(NOW + DAY, NOW, leads, 2, 3), 0);
	assert_int_equal(credwatch_next_lead(0, NOW, leads, 2, 0), 0);
}

/* Shorter than asked (by more than 5 min): why, in words. */
static void
test_short_reason(void **state)
{
	char buf[512];

	(void)state;
	assert_int_equal(credwatch_short_reason(NOW, 12 * 3600, NOW + 12 * 3600
	    - 60, LIMITED_X509, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(credwatch_short_reason(NOW, 12 * 3600, NOW + 3 * 3600
	    + 300, LIMITED_STORED_CRED, NOW + 3 * 3600 + 300, buf,
	    sizeof(buf)), 1);
	assert_non_null(strstr(buf, "asked for 12 h and got 3 h 05 min"));
	assert_non_null(strstr(buf, "long-term credential stored in MyProxy"));
	assert_int_equal(credwatch_short_reason(NOW, 12 * 3600, NOW + 3600,
	    LIMITED_VOMS_AC, 0, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "VOMS"));
	assert_int_equal(credwatch_short_reason(NOW, 12 * 3600, NOW + 3600,
	    LIMITED_X509, 0, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "policy limits"));
	assert_int_equal(credwatch_short_reason(0, 12 * 3600, NOW,
	    LIMITED_X509, 0, buf, sizeof(buf)), 0);
}

/* Renewals first: an INFO takes a slot only when they leave one spare. */
static void
test_may_start(void **state)
{
	(void)state;
	assert_int_equal(credwatch_may_start(0, 4, 0, 0), 1);
	assert_int_equal(credwatch_may_start(2, 4, 0, 0), 1);
	assert_int_equal(credwatch_may_start(3, 4, 0, 0), 0);	/* the last */
	assert_int_equal(credwatch_may_start(0, 4, 0, 1), 0);	/* one due */
	assert_int_equal(credwatch_may_start(0, 4, 1, 0), 0);	/* held */
	assert_int_equal(credwatch_may_start(0, 2, 0, 0), 1);
	assert_int_equal(credwatch_may_start(1, 2, 0, 0), 0);
	assert_int_equal(credwatch_may_start(0, 1, 0, 0), 1);	/* only one */
	assert_int_equal(credwatch_may_start(1, 1, 0, 0), 0);
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
		cmocka_unit_test(test_parse_leads),
		cmocka_unit_test(test_next_lead),
		cmocka_unit_test(test_short_reason),
		cmocka_unit_test(test_may_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
