/*
 * test_glite_meta.c: the gLite repository metadata parser
 * (src/daemon/glite_meta.c, format in doc/glite-repository.md): full and
 * old-format lines, free slots, every malformed case, job lists.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/glite_meta.h"

static void
test_names(void **state)
{
	(void)state;
	assert_true(glite_is_data_name("0123456789abcdef0123456789abcdef.data"));
	assert_false(glite_is_data_name("0123456789ABCDEF0123456789abcdef.data"));
	assert_false(glite_is_data_name("0123456789abcdef0123456789abcdef.0"));
	assert_false(glite_is_data_name("0123456789abcdef0123456789abcde.data"));
	assert_false(glite_is_data_name("0123456789abcdef0123456789abcdef.data~"));
	assert_false(glite_is_data_name(""));
}

static void
test_full_line(void **state)
{
	struct glite_record r;
	struct pr_error err;

	(void)state;
	pr_error_clear(&err);
	assert_int_equal(glite_record_parse("suffix=4, unique=1, voms_exts=1, "
	    "server=mp.example.org:7512, next_renewal=1700000000, "
	    "end_time=1700003600, fqans=/vo/Role=NULL/Capability=NULL:/vo/sub",
	    &r, &err), 0);
	assert_int_equal(r.suffix, 4);
	assert_true(r.is_unique);
	assert_true(r.voms_exts);
	assert_string_equal(r.server, "mp.example.org:7512");
	assert_int_equal(r.next_renewal, 1700000000);
	assert_int_equal(r.end_time, 1700003600);
	assert_string_equal(r.fqans, "/vo/Role=NULL/Capability=NULL:/vo/sub");
	assert_int_equal(r.n_jobids, 0);
	glite_record_free(&r);
}

static void
test_old_format_jobids_and_free_slot(void **state)
{
	struct glite_record r;
	struct pr_error err;

	(void)state;
	pr_error_clear(&err);
	assert_int_equal(glite_record_parse("suffix=0, unique=0, voms_exts=0, "
	    "server=h, next_renewal=1, end_time=2, jobid=https://wms/a, "
	    "jobid=https://wms/b", &r, &err), 0);
	assert_int_equal(r.n_jobids, 2);
	assert_string_equal(r.jobids[1], "https://wms/b");
	assert_null(r.fqans);
	glite_record_free(&r);
	assert_int_equal(glite_record_parse("suffix=2, unique=0, voms_exts=0, "
	    "server=, next_renewal=0, end_time=0", &r, &err), 0);
	assert_string_equal(r.server, "");
	assert_int_equal(r.n_jobids, 0);
	glite_record_free(&r);
}

static void
test_malformed_lines(void **state)
{
	static const char *const bad[] = {
		"",
		"this is not a record",
		"suffix=0, unique=0, server=h, next_renewal=1",	/* no end_time */
		"suffix=x, unique=0, server=h, next_renewal=1, end_time=2",
		"suffix=-1, unique=0, server=h, next_renewal=1, end_time=2",
		"suffix=0, suffix=1, unique=0, server=h, next_renewal=1, end_time=2",
		"suffix=0, unique=0, server=h, next_renewal=1, end_time=2, colour=red",
		"suffix=0, unique=0, server=h, next_renewal=1, end_time=2, jobid=",
		"suffix=0, unique=0, server=h, next_renewal= 1, end_time=2",
	};
	struct glite_record r;
	struct pr_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pr_error_clear(&err);
		assert_int_not_equal(glite_record_parse(bad[i], &r, &err), 0);
		assert_true(err.msg[0] != '\0');
		assert_null(r.server);
	}
}

static void
test_jobs_file(void **state)
{
	static const char ok[] = "https://wms/1\nhttps://wms/2\n";
	struct pr_error err;
	char **ids;
	size_t n;

	(void)state;
	pr_error_clear(&err);
	assert_int_equal(glite_jobs_parse(ok, strlen(ok), &ids, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], "https://wms/1");
	glite_jobids_free(ids, n);
	assert_int_equal(glite_jobs_parse("", 0, &ids, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_not_equal(glite_jobs_parse("a\nb", 3, &ids, &n, &err), 0);
	assert_int_not_equal(glite_jobs_parse("a\n\n", 3, &ids, &n, &err), 0);
	assert_int_not_equal(glite_jobs_parse("a\0b\n", 4, &ids, &n, &err), 0);
	assert_null(ids);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_full_line),
		cmocka_unit_test(test_old_format_jobids_and_free_slot),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_jobs_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
