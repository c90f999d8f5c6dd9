/*
 * test_metrics_reply.c: the METRICS reply's own bound (metrics_reply.c):
 * the text plus "Metrics=" per line must fit, else an error naming the
 * size and the way out (--metrics-totals-only, --metrics-file).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "daemon.h"
#include "pr_limits.h"

static void
test_fits(void **state)
{
	struct pr_error err;

	(void)state;
	pr_error_clear(&err);
	assert_int_equal(metrics_reply_check(0, 0, 4096, &err), 0);
	/* 10,000 proxies' per-proxy series: 7.4 MB in 60,121 lines */
	assert_int_equal(metrics_reply_check(7437576, 60121,
	    PR_METRICS_REPLY_MAX_BYTES, &err), 0);
	/* 2000 bytes, 100 lines: 2000 + 100 * 8 + the slack (1 KiB) */
	assert_int_equal(metrics_reply_check(2000, 100, 2000 + 800 + 1024,
	    &err), 0);
}

static void
test_too_large(void **state)
{
	struct pr_error err;

	(void)state;
	pr_error_clear(&err);
	assert_int_equal(metrics_reply_check(2000, 100, 2000 + 800 + 1023,
	    &err), PR_ERR_GENERIC);
	assert_non_null(strstr(err.msg, "2000 bytes in 100 lines"));
	assert_non_null(strstr(err.msg, "--metrics-totals-only"));
	assert_non_null(strstr(err.msg, "--metrics-file"));
	pr_error_clear(&err);
	assert_int_equal(metrics_reply_check(PR_METRICS_REPLY_MAX_BYTES, 1,
	    PR_METRICS_REPLY_MAX_BYTES, &err), PR_ERR_GENERIC);
	pr_error_clear(&err);
	assert_int_equal(metrics_reply_check(1, SIZE_MAX / 2, SIZE_MAX, &err),
	    PR_ERR_GENERIC);	/* no overflow */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits),
		cmocka_unit_test(test_too_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
