/*
 * test_small_file.c: the one safe read of a small file and the one wipe
 * (src/common/small_file.c), and the one port parser (src/common/port.c).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/port.h"
#include "common/small_file.h"
#include "testdir.c"

static char dir[64];
static char path[128];

static int
setup(void **state)
{
	(void)state;
	testdir_make(dir, sizeof(dir), "test_small_file");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	testdir_remove(dir);
	return 0;
}

/* dir/name holding text; returns its path (static buffer). */
static const char *
put(const char *name, const char *text)
{
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	return path;
}

static int
read_it(const char *p, size_t max, char **buf, size_t *len,
    struct pr_error *err)
{
	return small_file_read("thing", p, max, buf, len, NULL, err);
}

static void
test_reads_whole_file(void **state)
{
	struct pr_error err;
	struct stat st;
	char *buf;
	size_t len;

	(void)state;
	assert_int_equal(small_file_read("thing", put("a", "hello"), 5, &buf,
	    &len, &st, &err), 0);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "hello");	/* NUL-terminated */
	assert_int_equal(st.st_size, 5);
	wipe_free(buf, len);
	assert_int_equal(read_it(put("empty", ""), 5, &buf, &len, &err), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	wipe_free(buf, len);
	wipe_free(NULL, 3);
}

static void
test_refuses(void **state)
{
	struct pr_error err;
	char *buf = (char *)"x", link[160], fifo[160];
	size_t len;

	(void)state;
	assert_int_equal(read_it(put("big", "123456"), 5, &buf, &len, &err),
	    EFBIG);
	assert_null(buf);
	assert_non_null(strstr(err.msg, "thing "));
	assert_non_null(strstr(err.msg, "6 bytes"));
	(void)snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink(put("target", "t"), link), 0);
	assert_int_equal(read_it(link, 5, &buf, &len, &err), ELOOP);
	assert_non_null(strstr(err.msg, "symbolic link"));
	(void)snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(read_it(fifo, 5, &buf, &len, &err), EINVAL); /* no hang */
	assert_int_equal(read_it(dir, 5, &buf, &len, &err), EINVAL);
	(void)snprintf(link, sizeof(link), "%s/none", dir);
	assert_int_equal(read_it(link, 5, &buf, &len, &err), ENOENT);
	assert_null(buf);
}

static void
test_port_parse(void **state)
{
	int port = 42;

	(void)state;
	assert_int_equal(port_parse("7512", 4, &port), 0);
	assert_int_equal(port, 7512);
	assert_int_equal(port_parse("65535", 5, &port), 0);
	assert_int_equal(port, 65535);
	assert_int_equal(port_parse("1", 1, &port), 0);
	assert_int_equal(port_parse("80x", 2, &port), 0);	/* len bounds it */
	assert_int_equal(port, 80);
	port = 42;
	assert_int_equal(port_parse("0", 1, &port), -1);
	assert_int_equal(port_parse("65536", 5, &port), -1);
	assert_int_equal(port_parse("99999999999999999999", 20, &port), -1);
	assert_int_equal(port_parse("", 0, &port), -1);
	assert_int_equal(port_parse("+80", 3, &port), -1);
	assert_int_equal(port_parse(" 80", 3, &port), -1);
	assert_int_equal(port_parse("-1", 2, &port), -1);
	assert_int_equal(port, 42);		/* untouched on failure */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reads_whole_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refuses, setup, teardown),
		cmocka_unit_test(test_port_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
