/*
 * test_client_json.c: JSON string escaping for proxy-renew --json
 * (src/client/json.c). Focus: control characters, quotes, valid UTF-8
 * passed through, invalid bytes replaced so the output stays valid JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/json.c"

/* json_string of len bytes of s, as a malloc'ed C string. */
static char *
escape(const char *s, size_t len)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f;

	f = open_memstream(&out, &n);
	assert_non_null(f);
	json_string(f, s, len);
	assert_int_equal(fclose(f), 0);
	return out;
}

static void
check(const char *in, size_t len, const char *want)
{
	char *got = escape(in, len);

	assert_string_equal(got, want);
	free(got);
}

static void
test_json_plain_and_specials(void **state)
{
	(void)state;
	check("", 0, "\"\"");
	check("/r/a.0", 6, "\"/r/a.0\"");
	check("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	check("l1\nl2\t\r", 7, "\"l1\\nl2\\t\\r\"");
	check("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	check("a\0b", 3, "\"a\\u0000b\"");
}

static void
test_json_utf8(void **state)
{
	(void)state;
	/* é, €, U+1F600 pass through */
	check("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
	    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* lone continuation, truncated sequence, overlong, surrogate, > U+10FFFF */
	check("\x80", 1, "\"\\ufffd\"");
	check("\xc3", 1, "\"\\ufffd\"");
	check("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
	check("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	check("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	check("\xff" "a", 2, "\"\\ufffda\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_plain_and_specials),
		cmocka_unit_test(test_json_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
