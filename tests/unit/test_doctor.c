/*
 * test_doctor.c: the pure parts of proxy-renewd --doctor (doctor.c is
 * included for its static helpers): trust-directory names, the checklist
 * lines and the exit status; the checks themselves run in test 123.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/doctor.c"

static void
test_trust_names(void **state)
{
	(void)state;
	assert_true(is_hashed("1a2b3c4d.0", ""));
	assert_true(is_hashed("1a2b3c4d.12", ""));
	assert_false(is_hashed("1a2b3c4d.namespaces", ""));
	assert_false(is_hashed("1a2b3c4d.", ""));
	assert_true(is_hashed("1a2b3c4d.r0", "r"));
	assert_false(is_hashed("1a2b3c4d.r", "r"));
	assert_false(is_hashed("1a2b3c4d.0", "r"));
	assert_true(is_hashed("1a2b3c4d.signing_policy", "signing_policy"));
	assert_false(is_hashed("1a2b3c4d.signing_policy", ""));
	assert_false(is_hashed("1A2B3C4D.0", ""));	/* new-style hashes */
	assert_false(is_hashed("1a2b3c.0", ""));
	assert_false(is_hashed("", ""));
}

/* A hint only under FAIL and WARN; FAIL counts for the exit status. */
static void
test_report_lines(void **state)
{
	struct doctor doc;
	char buf[1024];
	FILE *f;

	(void)state;
	memset(&doc, 0, sizeof(doc));
	memset(buf, 0, sizeof(buf));
	assert_non_null(f = fmemopen(buf, sizeof(buf) - 1, "w"));
	doc.out = f;
	doc_report(&doc, DOC_OK, "a", "never shown", "fine %d", 1);
	doc_report(&doc, DOC_FAIL, "b", "do this", "broken");
	doc_report(&doc, DOC_WARN, "c", "maybe that", "odd");
	doc_report(&doc, DOC_SKIP, "d", "never shown", "not checked");
	(void)fclose(f);
	assert_string_equal(buf, "[ OK ] a: fine 1\n[FAIL] b: broken\n"
	    "       hint: do this\n[WARN] c: odd\n       hint: maybe that\n"
	    "[SKIP] d: not checked\n");
	assert_int_equal(doc.n_fail, 1);
	assert_int_equal(doc.n_warn, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trust_names),
		cmocka_unit_test(test_report_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
