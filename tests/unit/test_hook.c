/*
 * test_hook.c: the --hook runner (src/daemon/hook.c) with real /bin/sh
 * processes: the PROXY_RENEWD_* variables and stdin at EOF, the timeout
 * (the hook's whole process group killed), at most 4 at once, the queue
 * bound, and shutdown.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/daemon.h"
#include "daemon/hook.h"
#include "daemon/loop.h"

#include "testdir.c"

static struct daemon D;
static char dir[64];

static int
setup(void **state)
{
	(void)state;
	memset(&D, 0, sizeof(D));
	options_defaults(&D.opts);
	D.loop = loop_new();
	testdir_make(dir, sizeof(dir), "test_hook");
	assert_int_equal(setenv("HOOK_DIR", dir, 1), 0);
	return 0;
}

static void
hooks_on(const char *command, int64_t timeout_sec)
{
	hook_shutdown(&D);
	hook_init(&D, command, timeout_sec);
}

static int
teardown(void **state)
{
	(void)state;
	hook_shutdown(&D);
	loop_free(D.loop);
	options_free(&D.opts);
	testdir_remove(dir);
	return 0;
}

/* Run the loop until no hook is left (at most secs); the time it took. */
static int64_t
drain(int secs)
{
	int64_t t0 = loop_now_ms();

	while (hook_pending(&D) > 0 && loop_now_ms() - t0 < secs * 1000)
		assert_int_equal(loop_run_once(D.loop, 100), 0);
	assert_int_equal(hook_pending(&D), 0);
	return loop_now_ms() - t0;
}

static void
fire(const char *event, const char *file)
{
	struct hook_event ev = { event, "/C=XX/O=Test/CN=alice", file, 3,
	    1800000000, 1800500000, 2, "needs-user-action",
	    "No credentials exist for username \"/C=XX/O=Test/CN=alice\".",
	    "localhost:7512", 172800 };

	hook_fire(&D, &ev);
}

static size_t
count_files(const char *prefix)
{
	struct dirent *de;
	DIR *dp;
	size_t n = 0;

	assert_non_null(dp = opendir(dir));
	while ((de = readdir(dp)) != NULL)
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	(void)closedir(dp);
	return n;
}

static void
test_variables_and_stdin(void **state)
{
	char path[128], buf[2048];
	FILE *f;
	size_t n;

	(void)state;
	hooks_on("{ env | grep '^PROXY_RENEWD_' | sort; "
	    "if read x; then echo stdin=data; else echo stdin=eof; fi; } "
	    "> \"$HOOK_DIR/out\"", 60);
	fire("needs-user-action", "/r/abc.0");
	drain(10);
	(void)snprintf(path, sizeof(path), "%s/out", dir);
	assert_non_null(f = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	assert_string_equal(buf,
	    "PROXY_RENEWD_CREDENTIAL_END_TIME=1800500000\n"
	    "PROXY_RENEWD_CREDENTIAL_SERVER=localhost:7512\n"
	    "PROXY_RENEWD_END_TIME=1800000000\n"
	    "PROXY_RENEWD_EVENT=needs-user-action\n"
	    "PROXY_RENEWD_FAILURES=2\n"
	    "PROXY_RENEWD_FAILURE_CLASS=needs-user-action\n"
	    "PROXY_RENEWD_FILE=/r/abc.0\n"
	    "PROXY_RENEWD_IDENTITY=/C=XX/O=Test/CN=alice\n"
	    "PROXY_RENEWD_JOBS=3\n"
	    "PROXY_RENEWD_MESSAGE=No credentials exist for username "
	    "\"/C=XX/O=Test/CN=alice\".\n"
	    "PROXY_RENEWD_WARNING_LEAD=172800\n"
	    "stdin=eof\n");
}

/* A hook (and the child it started) outliving --hook-timeout is killed. */
static void
test_timeout(void **state)
{
	int64_t ms;

	(void)state;
	hooks_on("sleep 30 & sleep 30; touch \"$HOOK_DIR/late\"", 1);
	fire("renewed", "/r/a.0");
	ms = drain(10);
	assert_true(ms >= 900 && ms < 5000);
	assert_int_equal(count_files("late"), 0);
}

/* At most 4 at once; all run in the end. */
static void
test_concurrency(void **state)
{
	char path[128], line[64];
	FILE *f;
	int i, max = 0, n = 0;

	(void)state;
	hooks_on("touch \"$HOOK_DIR/run.$$\"; "
	    "ls \"$HOOK_DIR\" | grep -c '^run\\.' >> \"$HOOK_DIR/conc\"; "
	    "sleep 0.3; rm \"$HOOK_DIR/run.$$\"; touch \"$HOOK_DIR/done.$$\"",
	    60);
	for (i = 0; i < 7; i++)
		fire("renewed", "/r/a.0");
	assert_int_equal(hook_pending(&D), 7);
	drain(20);
	assert_int_equal(count_files("done."), 7);
	(void)snprintf(path, sizeof(path), "%s/conc", dir);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		n++;
		if (atoi(line) > max)
			max = atoi(line);
	}
	(void)fclose(f);
	assert_int_equal(n, 7);
	assert_true(max >= 1 && max <= 4);
}

/* 4 running + 64 waiting: the rest is dropped, not queued without bound. */
static void
test_queue_bound(void **state)
{
	int i;

	(void)state;
	hooks_on("touch \"$HOOK_DIR/ran.$$\"", 60);
	for (i = 0; i < 4 + 64 + 5; i++)
		fire("renewed", "/r/a.0");
	assert_int_equal(hook_pending(&D), 4 + 64);
	drain(30);
	assert_int_equal(count_files("ran."), 4 + 64);
}

/* Without --hook nothing runs; shutdown kills what still runs. */
static void
test_off_and_shutdown(void **state)
{
	(void)state;
	hooks_on(NULL, 60);
	fire("renewed", "/r/a.0");
	assert_int_equal(hook_pending(&D), 0);
	hooks_on("sleep 30", 60);
	fire("renewed", "/r/a.0");
	fire("renewed", "/r/b.0");
	assert_int_equal(hook_pending(&D), 2);
	hook_shutdown(&D);
	assert_int_equal(hook_pending(&D), 0);
	hook_init(&D, NULL, 60);	/* for teardown */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_variables_and_stdin, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrency, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_queue_bound, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_off_and_shutdown, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
