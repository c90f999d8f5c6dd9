/*
 * options.c: the daemon's settings, from the command line (getopt_long, the
 * gLite option names plus ours) and from a config file of "key = value"
 * lines whose keys are the long option names.
 *
 * Rules:
 *  (1) Precedence: built-in default < environment (MYPROXY_SERVER,
 *      GLITE_PR_TIMEOUT) < config file < command line.
 *  (2) Every number goes through opt_strtonum() with the setting's range.
 *  (3) options_load() builds a fresh struct and fills *out only when all of
 *      it loaded, so SIGHUP can swap it in or keep the old one whole.
 *  (4) Config errors read "file:line: message"; nothing here logs or exits.
 */
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "credwatch_policy.h"
#include "daemon.h"
#include "options_table.h"
#include "pr_limits.h"
#include "renew_contract.h"
#include "small_file.h"
#include "xmalloc.h"

#define CONFIG_MAX_BYTES	(64 * 1024)	/* a config file */
#define SUN_PATH_BYTES		sizeof(((struct sockaddr_un *)0)->sun_path)

/*
 * The one checked decimal reader: optional sign, digits, nothing else (no
 * leading blanks, no trailing text), within [min, max]. 0 or -1.
 */
int
opt_strtonum(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static const struct opt_desc *
opt_find(const char *name, size_t len)
{
	int i;

	for (i = 0; i < OPT__COUNT; i++) {
		if (strlen(opt_table[i].name) == len &&
		    memcmp(opt_table[i].name, name, len) == 0)
			return &opt_table[i];
	}
	return NULL;
}

static int
opt_parse_bool(const char *v, int *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "on") == 0 || strcmp(v, "1") == 0)
		*out = 1;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 ||
	    strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

/* Set one setting from text (v NULL: a flag given on the command line). */
/* *dst becomes a copy of v; its old value is freed. */
static void
str_replace(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static int
opt_set(struct options *o, const struct opt_desc *od, const char *v,
    struct pr_error *err)
{
	char *field = (char *)o + od->off;

	switch (od->kind) {
	case K_FLAG:
		if (v == NULL)
			*(int *)(void *)field = 1;
		else if (opt_parse_bool(v, (int *)(void *)field) == -1)
			return pr_error_set(err, EINVAL,
			    "%s: '%.64s' is not yes or no", od->name, v);
		break;
	case K_STR:
		if (v == NULL || *v == '\0')
			return pr_error_set(err, EINVAL, "%s: empty value",
			    od->name);
		str_replace((char **)(void *)field, v);
		break;
	case K_NUM:
		if (opt_strtonum(v, od->min, od->max,
		    (int64_t *)(void *)field) == -1)
			return pr_error_set(err, EINVAL,
			    "%s: '%.64s' is not a number from %lld to %lld",
			    od->name, v ? v : "", (long long)od->min,
			    (long long)od->max);
		break;
	case K_SECS:
		if (clock_parse_sec(v, (double)od->max,
		    (double *)(void *)field) == -1)
			return pr_error_set(err, EINVAL, "%s: '%.64s' is not a "
			    "number of seconds above 0 up to %lld (fractions "
			    "allowed)", od->name, v ? v : "",
			    (long long)od->max);
		break;
	}
	o->is_set[opt_id_of(od)] = 1;
	return 0;
}

void
options_defaults(struct options *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < OPT__COUNT; i++) {
		const struct opt_desc *od = &opt_table[i];
		char *field = (char *)o + od->off;

		switch (od->kind) {
		case K_FLAG:
			*(int *)(void *)field = (int)od->def;
			break;
		case K_STR:
			if (od->def_str != NULL)
				*(char **)(void *)field = xstrdup(od->def_str);
			break;
		case K_NUM:
			*(int64_t *)(void *)field = od->def;
			break;
		case K_SECS:
			*(double *)(void *)field = (double)od->def;
			break;
		}
	}
	/* the one default that is not a constant (gLite's name) */
	o->socket_path = xasprintf("%s%u", PR_SOCKET_PREFIX, (unsigned)getuid());
}

void
options_free(struct options *o)
{
	int i;

	for (i = 0; i < OPT__COUNT; i++) {
		if (opt_table[i].kind == K_STR) {
			char **p = (char **)(void *)((char *)o + opt_table[i].off);

			free(*p);
			*p = NULL;
		}
	}
	free(o->config_file);
	o->config_file = NULL;
	free(o->import_glite);
	o->import_glite = NULL;
	free(o->doctor_identity);
	o->doctor_identity = NULL;
}

/* Copy every setting src has set into dst. */
static void
options_merge(struct options *dst, const struct options *src)
{
	int i;

	for (i = 0; i < OPT__COUNT; i++) {
		const struct opt_desc *od = &opt_table[i];
		const char *from = (const char *)src + od->off;
		char *to = (char *)dst + od->off;

		if (!src->is_set[i])
			continue;
		switch (od->kind) {
		case K_FLAG:
			*(int *)(void *)to = *(const int *)(const void *)from;
			break;
		case K_STR:
			str_replace((char **)(void *)to,
			    *(char *const *)(const void *)from);
			break;
		case K_NUM:
			*(int64_t *)(void *)to =
			    *(const int64_t *)(const void *)from;
			break;
		case K_SECS:
			*(double *)(void *)to =
			    *(const double *)(const void *)from;
			break;
		}
		dst->is_set[i] = 1;
	}
}

static void
opt_trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t' || **s == '\r'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' ||
	    (*e)[-1] == '\r'))
		(*e)--;
}

/* One non-blank, non-comment line [s, e). */
static int
options_parse_line(const char *name, int lineno, const char *s, const char *e,
    struct options *o, struct pr_error *err)
{
	const struct opt_desc *od;
	const char *eq, *ks, *ke, *vs, *ve;
	char *value;
	int rc;

	if ((eq = memchr(s, '=', e - s)) == NULL)
		return pr_error_set(err, EINVAL,
		    "%s:%d: expected 'key = value'", name, lineno);
	ks = s;
	ke = eq;
	vs = eq + 1;
	ve = e;
	opt_trim(&ks, &ke);
	opt_trim(&vs, &ve);
	if ((od = opt_find(ks, ke - ks)) == NULL)
		return pr_error_set(err, EINVAL, "%s:%d: unknown setting '%.*s'",
		    name, lineno, (int)(ke - ks > 64 ? 64 : ke - ks), ks);
	if (o->is_set[opt_id_of(od)])
		return pr_error_set(err, EINVAL, "%s:%d: %s set twice",
		    name, lineno, od->name);
	value = xstrndup(vs, ve - vs);
	rc = opt_set(o, od, value, err);
	free(value);
	if (rc != 0) {
		char msg[PR_ERROR_MSG_MAX];

		memcpy(msg, err->msg, sizeof(msg));
		return pr_error_set(err, rc, "%s:%d: %s", name, lineno, msg);
	}
	return 0;
}

/* Parse config text into o (whose is_set marks what the text set). */
int
options_parse_text(const char *name, const char *text, size_t len,
    struct options *o, struct pr_error *err)
{
	const char *p = text, *end = text + len;
	int lineno = 0;

	if (memchr(text, '\0', len) != NULL)
		return pr_error_set(err, EINVAL, "%s: contains a NUL byte", name);
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *le = nl ? nl : end;
		const char *s = p, *e = le;

		lineno++;
		opt_trim(&s, &e);
		if (s < e && *s != '#' &&
		    options_parse_line(name, lineno, s, e, o, err) != 0)
			return err->code;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int
options_parse_file(const char *path, struct options *o, struct pr_error *err)
{
	char *buf;
	size_t len;
	int rc;

	if ((rc = small_file_read("config file", path, CONFIG_MAX_BYTES, &buf,
	    &len, NULL, err)) != 0)
		return rc;
	rc = options_parse_text(path, buf, len, o, err);
	free(buf);
	return rc;
}

/*
 * A MyProxy server list as the renewal engine will read it (renew_contract.h):
 * "host[:port],..." with no blanks or empty entries, valid ports, at most
 * RENEW_SERVERS_MAX. 0 or EINVAL with err.
 */
int
servers_check(const char *spec, struct pr_error *err)
{
	struct renew_server srv[RENEW_SERVERS_MAX];
	size_t n;
	char msg[PR_ERROR_MSG_MAX];

	if (renew_parse_servers(spec, srv, RENEW_SERVERS_MAX, &n, err) == 0)
		return 0;
	memcpy(msg, err->msg, sizeof(msg));
	return pr_error_set(err, EINVAL, "Myproxy_server: %s", msg);
}

static int
options_check(const struct options *o, struct pr_error *err)
{
	int64_t leads[CREDWATCH_LEADS_MAX];
	const char *why;
	size_t n;

	if (o->myproxy_server != NULL &&
	    servers_check(o->myproxy_server, err) != 0)
		return err->code;
	if (credwatch_parse_leads(o->cred_warning, leads, &n, &why) != 0)
		return pr_error_set(err, EINVAL, "credential-warning: '%s': "
		    "expected %s", o->cred_warning, why);
	if (o->backoff_min > o->backoff_max)
		return pr_error_set(err, EINVAL,
		    "backoff-min (%lld) is larger than backoff-max (%lld)",
		    (long long)o->backoff_min, (long long)o->backoff_max);
	if (strlen(o->socket_path) >= SUN_PATH_BYTES)
		return pr_error_set(err, ENAMETOOLONG,
		    "socket: path longer than %zu bytes", SUN_PATH_BYTES - 1);
	return 0;
}

/* Settings with an environment variable (rule 1), over the defaults. */
static int
options_from_env(struct options *o, struct pr_error *err)
{
	const char *env;
	int i;

	for (i = 0; i < OPT__COUNT; i++) {
		if (opt_table[i].env == NULL ||
		    (env = getenv(opt_table[i].env)) == NULL || *env == '\0')
			continue;
		if (opt_set(o, &opt_table[i], env, err) != 0)
			return pr_error_prefix(err, opt_table[i].env);
	}
	return 0;
}

int
options_load(const struct options *cli, struct options *out,
    struct pr_error *err)
{
	struct options o, file;

	options_defaults(&o);
	if (options_from_env(&o, err) != 0)
		goto fail;
	if (cli->config_file != NULL) {
		memset(&file, 0, sizeof(file));
		if (options_parse_file(cli->config_file, &file, err) != 0) {
			options_free(&file);
			goto fail;
		}
		options_merge(&o, &file);
		options_free(&file);
		o.config_file = xstrdup(cli->config_file);
	}
	options_merge(&o, cli);
	o.check_config = cli->check_config;
	if (cli->import_glite != NULL)
		o.import_glite = xstrdup(cli->import_glite);
	if (cli->doctor_identity != NULL)
		o.doctor_identity = xstrdup(cli->doctor_identity);
	if (options_check(&o, err) != 0)
		goto fail;
	*out = o;
	return 0;
fail:
	options_free(&o);
	return err->code;
}

/* The options of the command line alone (not in the config file). */
static void
options_cli_only(int ch, const char *arg, struct options *cli,
    enum opt_action *action)
{
	switch (ch) {
	case CLI_CHECK:
		cli->check_config = 1;
		break;
	case CLI_CONFIG:
		str_replace(&cli->config_file, arg);
		break;
	case CLI_DOCTOR:
		*action = OPT_ACTION_DOCTOR;
		break;
	case CLI_IDENTITY:
		str_replace(&cli->doctor_identity, arg);
		break;
	case CLI_IMPORT:
		str_replace(&cli->import_glite, arg);
		*action = OPT_ACTION_IMPORT;
		break;
	}
}

/*
 * Parse argv into cli (zeroed first; is_set marks what was given).
 * Returns 0 with *action, or EINVAL with err (a usage error).
 */
int
options_parse_args(int argc, char **argv, struct options *cli,
    enum opt_action *action, struct pr_error *err)
{
	struct option lo[OPT_LONGOPTS_MAX];
	char shortopts[OPT_SHORTOPTS_MAX];
	const struct opt_desc *od;
	int ch;

	memset(cli, 0, sizeof(*cli));
	*action = OPT_ACTION_RUN;
	options_getopt(lo, shortopts);
	optind = 0;		/* glibc: full reset, so tests can parse again */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
		switch (ch) {
		case CLI_HELP:
			*action = OPT_ACTION_HELP;
			return 0;
		case CLI_VERSION:
			*action = OPT_ACTION_VERSION;
			return 0;
		case CLI_CHECK:
		case CLI_CONFIG:
		case CLI_DOCTOR:
		case CLI_IDENTITY:
		case CLI_IMPORT:
			options_cli_only(ch, optarg, cli, action);
			break;
		case ':':
			return pr_error_set(err, EINVAL,
			    "option '%.64s' needs a value", argv[optind - 1]);
		case '?':
			return pr_error_set(err, EINVAL, "unknown option '%.64s'",
			    argv[optind - 1]);
		default:
			if ((od = opt_by_val(ch)) == NULL)
				return pr_error_set(err, EINVAL,
				    "unknown option '%.64s'", argv[optind - 1]);
			if (opt_set(cli, od, od->kind == K_FLAG ? NULL : optarg,
			    err) != 0)
				return err->code;
			break;
		}
	}
	if (optind < argc)
		return pr_error_set(err, EINVAL, "unexpected argument '%.64s'",
		    argv[optind]);
	return 0;
}
