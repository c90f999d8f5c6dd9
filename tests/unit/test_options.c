/*
 * test_options.c: command line and config file parsing of
 * src/daemon/options.c: defaults, the gLite option names, checked numbers,
 * "file:line: message" errors, precedence (cli > file > environment >
 * default) and the all-or-nothing load used by SIGHUP.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "daemon/daemon.h"
#include "daemon/options_table.h"

static struct options cli, out;
static struct pr_error err;
static char cfg_path[64];

static int
setup(void **state)
{
	(void)state;
	memset(&cli, 0, sizeof(cli));
	memset(&out, 0, sizeof(out));
	pr_error_clear(&err);
	unsetenv("MYPROXY_SERVER");
	unsetenv("GLITE_PR_TIMEOUT");
	cfg_path[0] = '\0';
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	options_free(&cli);
	options_free(&out);
	if (cfg_path[0] != '\0')
		unlink(cfg_path);
	return 0;
}

/* argv from a NULL-terminated list of literals. */
#define ARGS(...)	char *argv[] = { "proxy-renewd", __VA_ARGS__, NULL }; \
			int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1

static int
parse(int argc, char **argv, enum opt_action *action)
{
	options_free(&cli);
	return options_parse_args(argc, argv, &cli, action, &err);
}

static void
write_cfg(const char *text)
{
	FILE *f;
	int fd;

	snprintf(cfg_path, sizeof(cfg_path), "/tmp/test_options.XXXXXX");
	assert_true((fd = mkstemp(cfg_path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
test_strtonum(void **state)
{
	int64_t v = 42;

	(void)state;
	assert_int_equal(opt_strtonum("1800", 0, 10000, &v), 0);
	assert_int_equal(v, 1800);
	assert_int_equal(opt_strtonum("-3", -5, 5, &v), 0);
	assert_int_equal(v, -3);
	assert_int_equal(opt_strtonum("", 0, 10, &v), -1);
	assert_int_equal(opt_strtonum(" 5", 0, 10, &v), -1);
	assert_int_equal(opt_strtonum("5 ", 0, 10, &v), -1);
	assert_int_equal(opt_strtonum("5x", 0, 10, &v), -1);
	assert_int_equal(opt_strtonum("0x10", 0, 100, &v), -1);
	assert_int_equal(opt_strtonum("11", 0, 10, &v), -1);
	assert_int_equal(opt_strtonum("-1", 0, 10, &v), -1);
	assert_int_equal(opt_strtonum("99999999999999999999", 0, INT64_MAX,
	    &v), -1);
	assert_int_equal(opt_strtonum(NULL, 0, 10, &v), -1);
	assert_int_equal(v, -3);	/* untouched by failures */
}

static void
test_defaults(void **state)
{
	enum opt_action a;
	char sock[64];
	ARGS("-n");

	(void)state;
	assert_int_equal(parse(argc, argv, &a), 0);
	assert_int_equal(a, OPT_ACTION_RUN);
	assert_int_equal(cli.check_config, 1);
	assert_int_equal(options_load(&cli, &out, &err), 0);
	assert_string_equal(out.repository, "/var/spool/proxy-renewd");
	snprintf(sock, sizeof(sock), "/tmp/dgpr_renew_%u", (unsigned)getuid());
	assert_string_equal(out.socket_path, sock);
	assert_int_equal(out.condor_limit, 1800);
	assert_int_equal(out.max_frame, 1024 * 1024);
	assert_int_equal(out.timeout, 120);
	assert_int_equal(out.lifetime, 12);
	assert_int_equal(out.workers, 4);
	assert_int_equal(out.worker_timeout, 120);
	assert_int_equal(out.cooldown, 300);
	assert_int_equal(out.backoff_min, 60);
	assert_int_equal(out.backoff_max, 900);
	assert_null(out.myproxy_server);
	assert_null(out.cert);
	assert_int_equal(out.debug, 0);
	assert_int_equal(out.check_config, 1);
}

/* Every gLite short option, and our long ones. */
static void
test_glite_options(void **state)
{
	enum opt_action a;
	ARGS("-d", "-r", "/srv/repo", "-c", "600", "-C", "/ca", "-V", "/vomsdir",
	    "-A", "-G", "/vomses", "-t", "/cert.pem", "-k", "/key.pem", "-O",
	    "-s", "/tmp/s", "-j", "8", "--myproxy-server", "a:1,b",
	    "--max-frame", "4096", "--timeout", "5", "--lifetime", "24",
	    "--worker-timeout", "30", "--cooldown", "0", "--backoff-min", "2",
	    "--backoff-max", "10", "--pid-file", "/run/p.pid");

	(void)state;
	assert_int_equal(parse(argc, argv, &a), 0);
	assert_int_equal(options_load(&cli, &out, &err), 0);
	assert_int_equal(out.debug, 1);
	assert_string_equal(out.repository, "/srv/repo");
	assert_int_equal(out.condor_limit, 600);
	assert_string_equal(out.ca_dir, "/ca");
	assert_string_equal(out.voms_dir, "/vomsdir");
	assert_int_equal(out.enable_voms, 1);
	assert_string_equal(out.voms_config, "/vomses");
	assert_string_equal(out.cert, "/cert.pem");
	assert_string_equal(out.key, "/key.pem");
	assert_int_equal(out.order_attributes, 1);
	assert_string_equal(out.socket_path, "/tmp/s");
	assert_int_equal(out.workers, 8);
	assert_string_equal(out.myproxy_server, "a:1,b");
	assert_int_equal(out.max_frame, 4096);
	assert_int_equal(out.timeout, 5);
	assert_int_equal(out.lifetime, 24);
	assert_int_equal(out.worker_timeout, 30);
	assert_int_equal(out.cooldown, 0);
	assert_int_equal(out.backoff_min, 2);
	assert_int_equal(out.backoff_max, 10);
	assert_string_equal(out.pid_file, "/run/p.pid");
}

static void
test_long_names(void **state)
{
	enum opt_action a;
	ARGS("--debug", "--repository=/r", "--condor-limit", "0", "--CAdir",
	    "/c", "--VOMSdir", "/v", "--enable-voms", "--voms-config", "/g",
	    "--cert", "/t", "--key", "/k", "--order-attributes", "--socket",
	    "/s", "--workers", "1");

	(void)state;
	assert_int_equal(parse(argc, argv, &a), 0);
	assert_int_equal(options_load(&cli, &out, &err), 0);
	assert_string_equal(out.repository, "/r");
	assert_int_equal(out.condor_limit, 0);
	assert_int_equal(out.workers, 1);
	assert_int_equal(out.enable_voms + out.order_attributes + out.debug, 3);
}

static void
test_help_version(void **state)
{
	enum opt_action a;

	(void)state;
	{
		ARGS("-h", "--bogus");
		assert_int_equal(parse(argc, argv, &a), 0);
		assert_int_equal(a, OPT_ACTION_HELP);
	}
	{
		ARGS("--version");
		assert_int_equal(parse(argc, argv, &a), 0);
		assert_int_equal(a, OPT_ACTION_VERSION);
	}
	assert_non_null(strstr(options_usage(), "--condor-limit"));
}

/* One bad command line each: EINVAL and a message naming the problem. */
static void
bad_args(int argc, char **argv, const char *needle)
{
	enum opt_action a;

	pr_error_clear(&err);
	assert_int_equal(parse(argc, argv, &a), EINVAL);
	if (strstr(err.msg, needle) == NULL)
		fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

/*
 * A command line that parses but does not load: options_load gives code,
 * its message naming needle (NULL: not checked).
 */
static void
bad_load(int argc, char **argv, int code, const char *needle)
{
	enum opt_action a;

	assert_int_equal(parse(argc, argv, &a), 0);
	assert_int_equal(options_load(&cli, &out, &err), code);
	if (needle != NULL && strstr(err.msg, needle) == NULL)
		fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

/* A command line that parses and loads into out. */
static void
good_load(int argc, char **argv)
{
	enum opt_action a;

	assert_int_equal(parse(argc, argv, &a), 0);
	assert_int_equal(options_load(&cli, &out, &err), 0);
}

static void
test_bad_args(void **state)
{
	(void)state;
	{ ARGS("-c", "abc"); bad_args(argc, argv, "condor-limit: 'abc'"); }
	{ ARGS("-c", "-1"); bad_args(argc, argv, "condor-limit"); }
	{ ARGS("-c", "1800s"); bad_args(argc, argv, "condor-limit"); }
	{ ARGS("-j", "0"); bad_args(argc, argv, "workers: '0'"); }
	{ ARGS("-j", "100000"); bad_args(argc, argv, "workers"); }
	{ ARGS("--timeout", ""); bad_args(argc, argv, "timeout"); }
	{ ARGS("--max-frame", "99999999999999999999");
	    bad_args(argc, argv, "max-frame"); }
	{ ARGS("--max-frame", "1"); bad_args(argc, argv, "max-frame"); }
	{ ARGS("-x"); bad_args(argc, argv, "unknown option"); }
	{ ARGS("--nope"); bad_args(argc, argv, "unknown option '--nope'"); }
	{ ARGS("-r"); bad_args(argc, argv, "needs a value"); }
	{ ARGS("--socket"); bad_args(argc, argv, "needs a value"); }
	{ ARGS("stray"); bad_args(argc, argv, "unexpected argument 'stray'"); }
	{ ARGS("-r", ""); bad_args(argc, argv, "repository: empty value"); }
}

static void
test_cross_checks(void **state)
{
	char longpath[200];

	(void)state;
	{
		ARGS("--backoff-min", "100", "--backoff-max", "50");
		bad_load(argc, argv, EINVAL, "backoff-min");
	}
	{
		ARGS("--credential-warning", "7d,2x");
		bad_load(argc, argv, EINVAL, "credential-warning: '7d,2x'");
	}
	{
		ARGS("--credential-warning", "3d,12h",
		    "--credential-check-interval", "3600");
		good_load(argc, argv);
		assert_string_equal(out.cred_warning, "3d,12h");
		assert_int_equal(out.cred_check_interval, 3600);
		options_free(&out);
	}
	{
		ARGS("--myproxy-server", "a,,b");
		bad_load(argc, argv, EINVAL, "Myproxy_server");
	}
	options_free(&cli);
	setenv("MYPROXY_SERVER", "host:99999", 1);
	{
		ARGS("-n");
		bad_load(argc, argv, EINVAL, NULL);
	}
	unsetenv("MYPROXY_SERVER");
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	{
		ARGS("-s", longpath);
		bad_load(argc, argv, ENAMETOOLONG, "socket");
	}
}

static void
test_config_text(void **state)
{
	struct options o;
	const char *text =
	    "# a comment\n"
	    "\n"
	    "   repository =  /srv/r  \n"
	    "condor-limit=900\r\n"
	    "\tenable-voms = yes\n"
	    "order-attributes = off\n"
	    "myproxy-server = m1:7512,m2\n"
	    "  # indented comment\n"
	    "workers = 2";	/* no final newline */

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(options_parse_text("t.conf", text, strlen(text), &o,
	    &err), 0);
	assert_string_equal(o.repository, "/srv/r");
	assert_int_equal(o.condor_limit, 900);
	assert_int_equal(o.enable_voms, 1);
	assert_int_equal(o.order_attributes, 0);
	assert_int_equal(o.is_set[OPT_ORDER_ATTRIBUTES], 1);
	assert_string_equal(o.myproxy_server, "m1:7512,m2");
	assert_int_equal(o.workers, 2);
	assert_int_equal(o.is_set[OPT_TIMEOUT], 0);
	options_free(&o);
}

/* One bad config text each: the exact "file:line: message". */
static void
bad_text(const char *text, size_t len, const char *expect)
{
	struct options o;

	memset(&o, 0, sizeof(o));
	pr_error_clear(&err);
	assert_int_not_equal(options_parse_text("x.conf", text, len, &o, &err),
	    0);
	if (strncmp(err.msg, expect, strlen(expect)) != 0)
		fail_msg("got '%s', expected '%s...'", err.msg, expect);
	options_free(&o);
}

#define BAD_TEXT(t, e)	bad_text(t, sizeof(t) - 1, e)

static void
test_config_errors(void **state)
{
	(void)state;
	BAD_TEXT("workers = 2\nbogus = 1\n", "x.conf:2: unknown setting 'bogus'");
	BAD_TEXT("\n\n\ncondor-limit = soon\n",
	    "x.conf:4: condor-limit: 'soon' is not a number");
	BAD_TEXT("# c\nrepository\n", "x.conf:2: expected 'key = value'");
	BAD_TEXT("timeout = 5\ntimeout = 6\n", "x.conf:2: timeout set twice");
	BAD_TEXT("enable-voms = maybe\n",
	    "x.conf:1: enable-voms: 'maybe' is not yes or no");
	BAD_TEXT("socket =\n", "x.conf:1: socket: empty value");
	BAD_TEXT("= 5\n", "x.conf:1: unknown setting ''");
	BAD_TEXT("workers = 1\0\n", "x.conf: contains a NUL byte");
	BAD_TEXT("lifetime = 0\n", "x.conf:1: lifetime: '0' is not a number");
}

/* Precedence: default < environment < file < command line. */
static void
test_precedence(void **state)
{
	char cfg_opt[80];

	(void)state;
	write_cfg("timeout = 30\nworkers = 3\ncondor-limit = 100\n"
	    "myproxy-server = fromfile\n");
	snprintf(cfg_opt, sizeof(cfg_opt), "--config=%s", cfg_path);
	setenv("GLITE_PR_TIMEOUT", "7", 1);
	setenv("MYPROXY_SERVER", "fromenv", 1);
	{
		ARGS(cfg_opt, "-j", "5");
		good_load(argc, argv);
	}
	assert_int_equal(out.workers, 5);		/* cli over file */
	assert_int_equal(out.timeout, 30);		/* file over env */
	assert_int_equal(out.condor_limit, 100);	/* file over default */
	assert_string_equal(out.myproxy_server, "fromfile");
	assert_string_equal(out.config_file, cfg_path);
	options_free(&out);
	{
		ARGS("-j", "5");
		good_load(argc, argv);
	}
	assert_int_equal(out.timeout, 7);		/* env over default */
	assert_string_equal(out.myproxy_server, "fromenv");
	options_free(&out);
	setenv("GLITE_PR_TIMEOUT", "soon", 1);
	assert_int_equal(options_load(&cli, &out, &err), EINVAL);
	assert_non_null(strstr(err.msg, "GLITE_PR_TIMEOUT"));
}

/* A bad file leaves *out untouched (SIGHUP keeps the old settings). */
static void
test_load_all_or_nothing(void **state)
{
	enum opt_action a;
	char cfg_opt[80];

	(void)state;
	write_cfg("workers = 3\n\nworkers = x\n");
	snprintf(cfg_opt, sizeof(cfg_opt), "--config=%s", cfg_path);
	{
		ARGS(cfg_opt);
		assert_int_equal(parse(argc, argv, &a), 0);
	}
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(options_load(&cli, &out, &err), EINVAL);
	assert_non_null(strstr(err.msg, ":3: workers set twice"));
	assert_int_equal(out.workers, 0x5a5a5a5a5a5a5a5aLL);
	memset(&out, 0, sizeof(out));
	options_free(&cli);
	{
		ARGS("--config", "/nonexistent/proxy-renewd.conf");
		assert_int_equal(parse(argc, argv, &a), 0);
	}
	assert_int_equal(options_load(&cli, &out, &err), ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/proxy-renewd.conf"));
}

/* The shipped example config parses. */
static void
test_example_config(void **state)
{
	struct options o;
	char path[4096];
	const char *me = __FILE__;	/* absolute in CMake builds */
	const char *tail = strstr(me, "tests/unit/test_options.c");

	(void)state;
	assert_non_null(tail);
	snprintf(path, sizeof(path), "%.*setc/proxy-renewd.conf",
	    (int)(tail - me), me);
	memset(&o, 0, sizeof(o));
	if (options_parse_file(path, &o, &err) != 0)
		fail_msg("%s", err.msg);
	options_free(&o);
}

/* The table has a row per setting, no clashes, defaults in range. */
static void
test_table_check(void **state)
{
	(void)state;
	if (options_table_check(&err) != 0)
		fail_msg("%s", err.msg);
}

/*
 * Usage and getopt come from the table: every setting is in the usage
 * with its short option, and its short option parses to it.
 */
static void
test_usage_and_getopt_from_table(void **state)
{
	struct option lo[OPT_LONGOPTS_MAX];
	char shortopts[OPT_SHORTOPTS_MAX], needle[64];
	int i;

	(void)state;
	options_getopt(lo, shortopts);
	for (i = 0; i < OPT__COUNT; i++) {
		const struct opt_desc *od = &opt_table[i];

		(void)snprintf(needle, sizeof(needle), "--%s", od->name);
		assert_non_null(strstr(options_usage(), needle));
		if (od->short_opt == 0)
			continue;
		(void)snprintf(needle, sizeof(needle), "-%c, --%s",
		    od->short_opt, od->name);
		assert_non_null(strstr(options_usage(), needle));
		assert_non_null(strchr(shortopts, od->short_opt));
		assert_ptr_equal(opt_by_val(od->short_opt), od);
	}
	assert_non_null(strstr(options_usage(), "(1800)"));
	assert_non_null(strstr(options_usage(), "$GLITE_PR_TIMEOUT"));
}

/* GLITE_PR_TIMEOUT and --timeout take fractions, as the client does. */
static void
test_timeout_fractions(void **state)
{
	double t = 0;

	(void)state;
	assert_int_equal(clock_parse_sec("0.5", 10, &t), 0);
	assert_true(t == 0.5);
	assert_int_equal(clock_parse_sec(".25", 10, &t), 0);
	assert_true(t == 0.25);
	assert_int_equal(clock_parse_sec("7", 10, &t), 0);
	assert_true(t == 7);
	assert_int_equal(clock_parse_sec("0", 10, &t), -1);
	assert_int_equal(clock_parse_sec("11", 10, &t), -1);
	assert_int_equal(clock_parse_sec("-1", 10, &t), -1);
	assert_int_equal(clock_parse_sec(" 1", 10, &t), -1);
	assert_int_equal(clock_parse_sec("1e1", 100, &t), -1);
	assert_int_equal(clock_parse_sec("1.2.3", 10, &t), -1);
	assert_int_equal(clock_parse_sec(".", 10, &t), -1);
	assert_int_equal(clock_parse_sec("", 10, &t), -1);
	setenv("GLITE_PR_TIMEOUT", "0.5", 1);
	{
		ARGS("-n");
		good_load(argc, argv);
		assert_true(out.timeout == 0.5);
		options_free(&out);
	}
	{
		ARGS("--timeout", "2.25");
		good_load(argc, argv);
		assert_true(out.timeout == 2.25);
	}
	{ ARGS("--timeout", "0"); bad_args(argc, argv, "timeout: '0'"); }
	{ ARGS("--timeout", "86401"); bad_args(argc, argv, "timeout"); }
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_strtonum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glite_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cross_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_example_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_and_getopt_from_table,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_fractions, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
