/*
 * proxy-renew.c: the proxy-renew command, a gLite-compatible front end to
 * proxy-renewd (start/stop/get as gLite's client, plus list, status,
 * renew-all, metrics, history and the one-shot renew).
 *
 * Output contract: results on stdout (one JSON object with --json), errors
 * on stderr as "proxy-renew: <command>: <gLite text>[: <daemon message>]".
 * Exit status: 0 success, 1 the request failed, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../include/glite/security/proxyrenewal/renewal.h"
#include "cli_history.h"
#include "cli_monitor.h"
#include "cli_renew.h"
#include "client.h"
#include "json.h"
#include "port.h"
#include "pr_limits.h"

#define EXIT_FAIL	1
#define EXIT_USAGE	2
#define MAX_ARGS	4	/* positional arguments after the command */

enum { OPT_SOCKET = 256, OPT_JSON };

/* What the command line asked for. */
struct cli {
	const char *socket_path;	/* --socket; NULL: library default */
	const char *server;		/* -s: MyProxy contact or list */
	unsigned int port;		/* -p: 0 when absent */
	const char *file;		/* -f: proxy (start) or repository file */
	const char *jobid;		/* -j */
	int unique;			/* -u: EDG_WLPR_FLAG_UNIQUE */
	int json;			/* --json */
	const char *command;		/* first positional argument */
	const char *args[MAX_ARGS];	/* the positional arguments after it */
	int n_args;
};

/* Response keys printed as JSON numbers when they parse as integers. */
static const char *const numeric_keys[] = {
	PR_KEY_START_TIME, PR_KEY_END_TIME, PR_KEY_RENEWAL_TIME,
	PR_KEY_LAST_ATTEMPT, PR_KEY_LAST_RESULT, PR_KEY_FAILURES, PR_KEY_JOBS,
	PR_KEY_UNIQUE, PR_KEY_LAST_SUCCESS,
};

static void
usage(FILE *f)
{
	(void)fprintf(f,
	    "usage: proxy-renew [--socket PATH] [--json] -s server [-p port] "
	    "-f file -j jobid [-u] start\n"
	    "       proxy-renew [--socket PATH] [--json] -j jobid [-f file] stop\n"
	    "       proxy-renew [--socket PATH] [--json] -j jobid get\n"
	    "       proxy-renew [--socket PATH] [--json] list\n"
	    "       proxy-renew [--socket PATH] [--json] status [FILE]\n"
	    "       proxy-renew [--socket PATH] check [--critical-left SECS] "
	    "[--stale SECS]\n"
	    "                   [--warn-failures N] [--timeout SECS]\n"
	    "       proxy-renew [--socket PATH] [--json] renew-all\n"
	    "       proxy-renew [--socket PATH] [--json] metrics\n"
	    "       proxy-renew [--socket PATH] [--json] history FILE | "
	    "-j jobid history\n"
	    "       proxy-renew renew -s SERVERS -f CURRENT -o OUT [options]\n"
	    "       proxy-renew -h | --help | -v | --version\n"
	    "Environment: PROXY_RENEWD_SOCKET (default %s<uid>), "
	    "GLITE_PR_TIMEOUT (seconds, default %d).\n",
	    PR_SOCKET_PREFIX, PR_TIMEOUT_SEC_DEFAULT);
}

static int
usage_error(const char *fmt, const char *arg)
{
	(void)fputs("proxy-renew: ", stderr);
	(void)fprintf(stderr, fmt, arg);
	(void)fputs("\nTry 'proxy-renew --help'.\n", stderr);
	return EXIT_USAGE;
}

/* ==== output ==== */

static int
is_numeric_key(const char *key, const char *value)
{
	int64_t v;
	size_t i;

	for (i = 0; i < sizeof(numeric_keys) / sizeof(numeric_keys[0]); i++)
		if (strcmp(key, numeric_keys[i]) == 0)
			return msg_strtoi64(value, &v) == 0;
	return 0;
}

static void
json_key(const char *key)
{
	char buf[128];
	size_t i;

	for (i = 0; key[i] != '\0' && i < sizeof(buf) - 1; i++)
		buf[i] = (key[i] >= 'A' && key[i] <= 'Z') ? key[i] - 'A' + 'a' : key[i];
	buf[i] = '\0';
	(void)printf(",");
	json_str(stdout, buf);
	(void)printf(":");
}

static void
json_value(const char *key, const struct pr_kv *kv)
{
	if (is_numeric_key(key, kv->value))
		(void)fputs(kv->value, stdout);
	else
		json_string(stdout, kv->value, kv->value_len);
}

/*
 * Every response key but Version/Response, lower-cased, in order of first
 * appearance; a repeated key (and Fqan, even once or never) is an array.
 */
static void
json_fields(const struct pr_msg *m, int fqan_array)
{
	size_t i, j, k, n;

	for (i = 0; i < m->n_kv; i++) {
		const char *key = m->kv[i].key;

		if (strcmp(key, PR_KEY_VERSION) == 0 ||
		    strcmp(key, PR_KEY_RESPONSE) == 0)
			continue;
		for (j = 0; j < i && strcmp(m->kv[j].key, key) != 0; j++)
			;
		if (j < i)
			continue;	/* printed with its first occurrence */
		n = msg_count(m, key);
		json_key(key);
		if (n == 1 && !(fqan_array && strcmp(key, PR_KEY_FQAN) == 0)) {
			json_value(key, &m->kv[i]);
			continue;
		}
		(void)printf("[");
		for (k = i, j = 0; k < m->n_kv; k++) {
			if (strcmp(m->kv[k].key, key) != 0)
				continue;
			(void)printf(j++ ? "," : "");
			json_value(key, &m->kv[k]);
		}
		(void)printf("]");
	}
	if (fqan_array && msg_get(m, PR_KEY_FQAN) == NULL)
		(void)printf(",\"fqan\":[]");
}

static void
print_time_field(const char *key, const char *value)
{
	char when[64];
	struct tm tm;
	int64_t t;
	time_t tt;

	if (msg_strtoi64(value, &t) != 0 || t <= 0 ||
	    (tt = (time_t)t, gmtime_r(&tt, &tm) == NULL) ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0) {
		(void)printf("%-16s %s\n", key, value);
		return;
	}
	(void)printf("%-16s %s (%s)\n", key, when, value);
}

static void
print_status(const struct pr_msg *m)
{
	char label[128];
	size_t i;

	for (i = 0; i < m->n_kv; i++) {
		const struct pr_kv *kv = &m->kv[i];

		if (strcmp(kv->key, PR_KEY_VERSION) == 0 ||
		    strcmp(kv->key, PR_KEY_RESPONSE) == 0)
			continue;
		(void)snprintf(label, sizeof(label), "%s:", kv->key);
		if (strstr(kv->key, "_time") != NULL ||
		    strcmp(kv->key, PR_KEY_LAST_ATTEMPT) == 0 ||
		    strcmp(kv->key, PR_KEY_LAST_SUCCESS) == 0 ||
		    strcmp(kv->key, PR_KEY_CRED_CHECKED) == 0)
			print_time_field(label, kv->value);
		else
			(void)printf("%-16s %s\n", label, kv->value);
	}
}

static void
print_result(const struct cli *c, const struct pr_msg *resp)
{
	const char *path;
	size_t i, n;

	if (strcmp(c->command, "history") == 0) {
		cli_history_print(stdout, resp, c->json);
		return;
	}
	if (strcmp(c->command, "list") == 0) {
		cli_list_print(stdout, resp, c->json);
		return;
	}
	if (c->json) {
		(void)printf("{\"command\":");
		json_str(stdout, c->command);
		(void)printf(",\"response\":0");
		if (strcmp(c->command, "stop") != 0 &&
		    strcmp(c->command, "renew-all") != 0) {
			json_fields(resp, strcmp(c->command, "status") == 0);
		}
		(void)printf("}\n");
		return;
	}
	if (strcmp(c->command, "status") == 0) {
		print_status(resp);
	} else if (strcmp(c->command, "metrics") == 0) {
		n = msg_count(resp, PR_KEY_METRICS);
		for (i = 0; i < n; i++)
			(void)printf("%s\n", msg_get_nth(resp, PR_KEY_METRICS, i));
	} else if (strcmp(c->command, "start") == 0 ||
	    strcmp(c->command, "get") == 0) {
		path = msg_get(resp, PR_KEY_PROXY_NAME);
		(void)printf("%s\n", path != NULL ? path : "");
	}
}

static void
print_failure(const struct cli *c, int code, const struct pr_error *err)
{
	const char *text = edg_wlpr_GetErrorText(code);

	if (err->msg[0] != '\0')
		(void)fprintf(stderr, "proxy-renew: %s: %s: %s\n", c->command,
		    text, err->msg);
	else
		(void)fprintf(stderr, "proxy-renew: %s: %s\n", c->command, text);
	if (!c->json)
		return;
	(void)printf("{\"command\":");
	json_str(stdout, c->command);
	(void)printf(",\"response\":%d,\"error\":", code);
	json_str(stdout, text);
	(void)printf(",\"message\":");
	json_str(stdout, err->msg);
	(void)printf("}\n");
}

/* ==== commands ==== */

/* The proxy to register when -f is absent: as grid-proxy-init writes it. */
static const char *
default_proxy(char *buf, size_t size)
{
	const char *env = getenv("X509_USER_PROXY");

	if (env != NULL && *env != '\0')
		return env;
	(void)snprintf(buf, size, "/tmp/x509up_u%lu", (unsigned long)getuid());
	return buf;
}

/* Proxy_name=path, made absolute: the daemon stores absolute paths. */
static int
add_path(struct pr_msg *req, const char *path)
{
	char *abs;
	int rc;

	if ((rc = pr_client_absolute_path(path, &abs)) != 0)
		return rc;
	rc = msg_add(req, PR_KEY_PROXY_NAME, abs);
	free(abs);
	return rc;
}

/* Fill req for c->command; EXIT_USAGE (with a message) when it is not valid. */
static int
build_request(const struct cli *c, struct pr_msg *req, int *rc)
{
	static const struct {
		const char *name;
		int command;
		int needs_jobid;
		int n_args;
	} table[] = {
		{ "start",	PR_CMD_REGISTER,	1, 0 },
		{ "stop",	PR_CMD_UNREGISTER,	1, 0 },
		{ "get",	PR_CMD_GET,		1, 0 },
		{ "list",	PR_CMD_LIST,		0, 0 },
		{ "status",	PR_CMD_STATUS,		0, 1 },	/* 0: cli_monitor */
		{ "renew-all",	PR_CMD_RENEW_ALL,	0, 0 },
		{ "metrics",	PR_CMD_METRICS,		0, 0 },
		/* FILE, or -j jobid and no argument: checked below */
		{ "history",	PR_CMD_HISTORY,		0, -1 },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(c->command, table[i].name) == 0)
			break;
	if (i == sizeof(table) / sizeof(table[0]))
		return usage_error("unknown command '%s'", c->command);
	if (table[i].needs_jobid && c->jobid == NULL)
		return usage_error("%s needs -j jobid", c->command);
	if (table[i].n_args == -1 && c->n_args != (c->jobid == NULL))
		return usage_error("%s needs FILE or -j jobid (one of them)",
		    c->command);
	if (table[i].n_args != -1 && c->n_args != table[i].n_args)
		return usage_error(table[i].n_args ? "%s needs one argument" :
		    "%s takes no argument", c->command);
	if ((*rc = pr_client_request(req, table[i].command)) != 0)
		return 0;
	switch (table[i].command) {
	case PR_CMD_REGISTER:
		*rc = pr_client_register_request(req, c->file != NULL ? c->file :
		    default_proxy(buf, sizeof(buf)), c->server, c->port, c->jobid,
		    c->unique ? EDG_WLPR_FLAG_UNIQUE : 0);
		break;
	case PR_CMD_UNREGISTER:
		if ((*rc = msg_add(req, PR_KEY_JOBID, c->jobid)) == 0 &&
		    c->file != NULL)
			*rc = add_path(req, c->file);
		break;
	case PR_CMD_GET:
		*rc = msg_add(req, PR_KEY_JOBID, c->jobid);
		break;
	case PR_CMD_STATUS:
		*rc = add_path(req, c->args[0]);
		break;
	case PR_CMD_HISTORY:
		*rc = c->jobid != NULL ? msg_add(req, PR_KEY_JOBID, c->jobid) :
		    add_path(req, c->args[0]);
		break;
	}
	return 0;
}

static int
run(const struct cli *c)
{
	struct pr_msg req, resp;
	struct pr_error err;
	int rc = 0, status;

	msg_init(&req);
	msg_init(&resp);
	pr_error_clear(&err);
	if ((status = build_request(c, &req, &rc)) != 0)
		return status;
	if (rc != 0)
		pr_error_set(&err, rc, "cannot build the request "
		    "(a value holds a newline?)");
	else
		rc = pr_client_call(c->socket_path, &req, &resp, &err);
	if (rc == 0)
		print_result(c, &resp);
	else
		print_failure(c, rc, &err);
	msg_free(&resp);
	msg_free(&req);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		(void)fprintf(stderr, "proxy-renew: %s: cannot write the output\n",
		    c->command);
		return EXIT_FAIL;
	}
	return rc == 0 ? 0 : EXIT_FAIL;
}

/* The command, then its arguments; -1 when there are too many. */
static int
add_positional(struct cli *c, const char *arg)
{
	if (c->command == NULL)
		c->command = arg;
	else if (c->n_args < MAX_ARGS)
		c->args[c->n_args++] = arg;
	else
		return -1;
	return 0;
}

/*
 * Options may come before and after the command ("-" mode keeps argv in
 * order); everything after "renew" belongs to the one-shot renewal.
 */
/* Store option ch of a request; 0, or the exit status of a usage error. */
static int
set_option(struct cli *c, int ch, char *arg)
{
	int port;

	switch (ch) {
	case 's':
		c->server = arg;
		return 0;
	case 'p':
		if (port_parse(arg, strlen(arg), &port) != 0)
			return usage_error("bad port '%s'", arg);
		c->port = (unsigned int)port;
		return 0;
	case 'f':
		c->file = arg;
		return 0;
	case 'j':
		c->jobid = arg;
		return 0;
	case 'u':
		c->unique = 1;
		return 0;
	case OPT_SOCKET:
		c->socket_path = arg;
		return 0;
	case OPT_JSON:
		c->json = 1;
		return 0;
	default:
		return usage_error("%s", "bad option");
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server",	required_argument,	NULL, 's' },
		{ "port",	required_argument,	NULL, 'p' },
		{ "file",	required_argument,	NULL, 'f' },
		{ "jobid",	required_argument,	NULL, 'j' },
		{ "unique",	no_argument,		NULL, 'u' },
		{ "socket",	required_argument,	NULL, OPT_SOCKET },
		{ "json",	no_argument,		NULL, OPT_JSON },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'v' },
		{ NULL,		0,			NULL, 0 },
	};
	struct cli c;
	int ch, rc;

	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "-s:p:f:j:uhv", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 1:
			if (c.command == NULL && strcmp(optarg, "renew") == 0)
				return cli_renew(argc - optind + 1,
				    argv + optind - 1);
			if (c.command == NULL && strcmp(optarg, "check") == 0)
				return cli_check(argc - optind + 1,
				    argv + optind - 1, c.socket_path);
			if (add_positional(&c, optarg) != 0)
				return usage_error("too many arguments%s", "");
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			(void)printf("proxy-renew %s\n", PR_VERSION);
			return 0;
		default:
			if ((rc = set_option(&c, ch, optarg)) != 0)
				return rc;
		}
	}
	for (; optind < argc; optind++)		/* after "--" */
		if (add_positional(&c, argv[optind]) != 0)
			return usage_error("too many arguments%s", "");
	if (c.command == NULL)
		return usage_error("no command given%s", "");
	/* STATUS is by file; -j would be silently ignored */
	if (strcmp(c.command, "status") == 0 && c.jobid != NULL)
		return usage_error("status takes a proxy FILE, not -j%s (a "
		    "job's proxy file: proxy-renew -j JOBID get)", "");
	if (strcmp(c.command, "status") == 0 && c.n_args == 0)
		return cli_status_all(c.socket_path, c.json);
	return run(&c);
}
