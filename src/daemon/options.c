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
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "pr_limits.h"
#include "renew.h"
#include "xmalloc.h"

#define CONFIG_MAX_BYTES	(64 * 1024)	/* a config file */
#define SUN_PATH_BYTES		sizeof(((struct sockaddr_un *)0)->sun_path)

enum opt_kind {
	K_FLAG,			/* int 0/1; no argument on the command line */
	K_STR,			/* char *, non-empty */
	K_NUM			/* int64_t within [min, max] */
};

struct opt_desc {
	enum opt_id id;
	const char *name;	/* long option and config key */
	int short_opt;		/* 0 when none */
	enum opt_kind kind;
	size_t off;		/* offset of the field in struct options */
	int64_t min, max;	/* K_NUM range */
	const char *arg;	/* argument name for the usage text */
};

#define F(field)	offsetof(struct options, field)
#define DAY		(24 * 3600)

/* Indexed by enum opt_id (checked by options_self_check in the tests). */
static const struct opt_desc opt_table[OPT__COUNT] = {
	{ OPT_DEBUG, "debug", 'd', K_FLAG, F(debug), 0, 1, NULL },
	{ OPT_REPOSITORY, "repository", 'r', K_STR, F(repository), 0, 0, "DIR" },
	{ OPT_CONDOR_LIMIT, "condor-limit", 'c', K_NUM, F(condor_limit),
	    0, 30 * DAY, "SECS" },
	{ OPT_CA_DIR, "CAdir", 'C', K_STR, F(ca_dir), 0, 0, "DIR" },
	{ OPT_VOMS_DIR, "VOMSdir", 'V', K_STR, F(voms_dir), 0, 0, "DIR" },
	{ OPT_ENABLE_VOMS, "enable-voms", 'A', K_FLAG, F(enable_voms), 0, 1, NULL },
	{ OPT_VOMS_CONFIG, "voms-config", 'G', K_STR, F(voms_config), 0, 0, "FILE" },
	{ OPT_CERT, "cert", 't', K_STR, F(cert), 0, 0, "FILE" },
	{ OPT_KEY, "key", 'k', K_STR, F(key), 0, 0, "FILE" },
	{ OPT_ORDER_ATTRIBUTES, "order-attributes", 'O', K_FLAG,
	    F(order_attributes), 0, 1, NULL },
	{ OPT_SOCKET, "socket", 's', K_STR, F(socket_path), 0, 0, "PATH" },
	{ OPT_MYPROXY_SERVER, "myproxy-server", 0, K_STR, F(myproxy_server),
	    0, 0, "LIST" },
	{ OPT_MAX_FRAME, "max-frame", 0, K_NUM, F(max_frame),
	    64, 64 * 1024 * 1024, "BYTES" },
	{ OPT_TIMEOUT, "timeout", 0, K_NUM, F(timeout), 1, DAY, "SECS" },
	{ OPT_LIFETIME, "lifetime", 0, K_NUM, F(lifetime), 1, 24 * 366, "HOURS" },
	{ OPT_WORKERS, "workers", 'j', K_NUM, F(workers), 1, 256, "N" },
	{ OPT_WORKER_TIMEOUT, "worker-timeout", 0, K_NUM, F(worker_timeout),
	    1, DAY, "SECS" },
	{ OPT_COOLDOWN, "cooldown", 0, K_NUM, F(cooldown), 0, DAY, "SECS" },
	{ OPT_BACKOFF_MIN, "backoff-min", 0, K_NUM, F(backoff_min), 1, DAY, "SECS" },
	{ OPT_BACKOFF_MAX, "backoff-max", 0, K_NUM, F(backoff_max), 1, DAY, "SECS" },
	{ OPT_PID_FILE, "pid-file", 0, K_STR, F(pid_file), 0, 0, "FILE" },
};

/* Command-line-only options, after the settings in getopt's value space. */
#define LONG_ONLY_BASE	256
enum {
	CLI_HELP = 'h',
	CLI_VERSION = 'v',
	CLI_CHECK = 'n',
	CLI_CONFIG = LONG_ONLY_BASE + OPT__COUNT
};

static const char opt_usage_text[] =
"usage: proxy-renewd [options]\n"
"  -h, --help                 show this help and exit\n"
"  -v, --version              show the version and exit\n"
"  -d, --debug                stay in the foreground, log to stderr, debug level\n"
"  -n, --check-config         check the settings, print \"configuration OK\", exit\n"
"      --config FILE          read settings from FILE (key = value lines)\n"
"  -r, --repository DIR       proxy repository (" PR_REPOSITORY_DEFAULT ")\n"
"  -s, --socket PATH          listening socket (" PR_SOCKET_PREFIX "<uid>)\n"
"  -c, --condor-limit SECS    renew this long before expiry at least (1800)\n"
"      --myproxy-server LIST  default host[:port],... (else $MYPROXY_SERVER)\n"
"      --max-frame BYTES      largest request accepted (1048576)\n"
"      --timeout SECS         per-connection deadline (else $GLITE_PR_TIMEOUT, 120)\n"
"      --pid-file FILE        write the daemon's pid there\n"
"  -C, --CAdir DIR            CA certificates for MyProxy/VOMS servers\n"
"  -V, --VOMSdir DIR          VOMS .lsc files (else $X509_VOMS_DIR,\n"
"                             /etc/grid-security/vomsdir)\n"
"  -A, --enable-voms          renew VOMS attributes\n"
"  -G, --voms-config FILE     vomses file or dir (else $X509_VOMSES,\n"
"                             /etc/vomses, /etc/grid-security/vomses)\n"
"  -O, --order-attributes     accepted for compatibility: order is always kept\n"
"  -t, --cert FILE            service certificate\n"
"  -k, --key FILE             service key\n"
"      --lifetime HOURS       lifetime asked from MyProxy (12)\n"
"  -j, --workers N            concurrent renewals (4)\n"
"      --worker-timeout SECS  hard limit per renewal (120)\n"
"      --cooldown SECS        skip a failed MyProxy server this long (300)\n"
"      --backoff-min SECS     first retry delay (60)\n"
"      --backoff-max SECS     longest retry delay (900)\n";

const char *
options_usage(void)
{
	return opt_usage_text;
}

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
		free(*(char **)(void *)field);
		*(char **)(void *)field = xstrdup(v);
		break;
	case K_NUM:
		if (opt_strtonum(v, od->min, od->max,
		    (int64_t *)(void *)field) == -1)
			return pr_error_set(err, EINVAL,
			    "%s: '%.64s' is not a number from %lld to %lld",
			    od->name, v ? v : "", (long long)od->min,
			    (long long)od->max);
		break;
	}
	o->is_set[od->id] = 1;
	return 0;
}

void
options_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->repository = xstrdup(PR_REPOSITORY_DEFAULT);
	o->condor_limit = PR_CONDOR_LIMIT_SEC_DEFAULT;
	o->socket_path = xasprintf("%s%u", PR_SOCKET_PREFIX, (unsigned)getuid());
	o->max_frame = PR_FRAME_MAX_BYTES_DEFAULT;
	o->timeout = PR_TIMEOUT_SEC_DEFAULT;
	o->lifetime = PR_LIFETIME_HOURS_DEFAULT;
	o->workers = PR_WORKERS_DEFAULT;
	o->worker_timeout = PR_WORKER_TIMEOUT_SEC_DEFAULT;
	o->cooldown = PR_SERVER_COOLDOWN_SEC_DEFAULT;
	o->backoff_min = PR_BACKOFF_MIN_SEC_DEFAULT;
	o->backoff_max = PR_BACKOFF_MAX_SEC_DEFAULT;
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
			free(*(char **)(void *)to);
			*(char **)(void *)to =
			    xstrdup(*(char *const *)(const void *)from);
			break;
		case K_NUM:
			*(int64_t *)(void *)to =
			    *(const int64_t *)(const void *)from;
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
	if (o->is_set[od->id])
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
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, rc;

	/* O_NONBLOCK: a FIFO must not block us in open(); fstat refuses it */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) ==
	    -1)
		return pr_error_set(err, errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == -1) {
		rc = pr_error_set(err, errno, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = pr_error_set(err, EINVAL, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_size > CONFIG_MAX_BYTES) {
		rc = pr_error_set(err, EFBIG, "%s: larger than %d bytes", path,
		    CONFIG_MAX_BYTES);
		goto fail;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = pr_error_set(err, n == 0 ? EIO : errno, "%s: %s",
			    path, n == 0 ? "file shrank while read" :
			    strerror(errno));
			free(buf);
			goto fail;
		}
		got += (size_t)n;
	}
	(void)close(fd);
	rc = options_parse_text(path, buf, got, o, err);
	free(buf);
	return rc;
fail:
	(void)close(fd);
	return rc;
}

/*
 * A MyProxy server list as the renewal engine will read it (renew.h):
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
	if (o->myproxy_server != NULL &&
	    servers_check(o->myproxy_server, err) != 0)
		return err->code;
	if (o->backoff_min > o->backoff_max)
		return pr_error_set(err, EINVAL,
		    "backoff-min (%lld) is larger than backoff-max (%lld)",
		    (long long)o->backoff_min, (long long)o->backoff_max);
	if (strlen(o->socket_path) >= SUN_PATH_BYTES)
		return pr_error_set(err, ENAMETOOLONG,
		    "socket: path longer than %zu bytes", SUN_PATH_BYTES - 1);
	return 0;
}

int
options_load(const struct options *cli, struct options *out,
    struct pr_error *err)
{
	struct options o, file;
	const char *env;

	options_defaults(&o);
	if ((env = getenv("MYPROXY_SERVER")) != NULL && *env != '\0')
		o.myproxy_server = xstrdup(env);
	if ((env = getenv("GLITE_PR_TIMEOUT")) != NULL &&
	    opt_strtonum(env, opt_table[OPT_TIMEOUT].min,
	    opt_table[OPT_TIMEOUT].max, &o.timeout) == -1) {
		pr_error_set(err, EINVAL, "GLITE_PR_TIMEOUT: '%.64s' is not a "
		    "number of seconds from 1 to %d", env, DAY);
		goto fail;
	}
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
	if (options_check(&o, err) != 0)
		goto fail;
	*out = o;
	return 0;
fail:
	options_free(&o);
	return err->code;
}

/* Build the getopt_long table from opt_table plus the cli-only options. */
static void
options_longopts(struct option *lo)
{
	int i;

	for (i = 0; i < OPT__COUNT; i++) {
		lo[i].name = opt_table[i].name;
		lo[i].has_arg = opt_table[i].kind == K_FLAG ? no_argument :
		    required_argument;
		lo[i].flag = NULL;
		lo[i].val = opt_table[i].short_opt ? opt_table[i].short_opt :
		    LONG_ONLY_BASE + i;
	}
	lo[i++] = (struct option){ "help", no_argument, NULL, CLI_HELP };
	lo[i++] = (struct option){ "version", no_argument, NULL, CLI_VERSION };
	lo[i++] = (struct option){ "check-config", no_argument, NULL, CLI_CHECK };
	lo[i++] = (struct option){ "config", required_argument, NULL, CLI_CONFIG };
	lo[i] = (struct option){ NULL, 0, NULL, 0 };
}

static const struct opt_desc *
opt_by_val(int val)
{
	int i;

	for (i = 0; i < OPT__COUNT; i++) {
		if ((opt_table[i].short_opt && opt_table[i].short_opt == val) ||
		    LONG_ONLY_BASE + i == val)
			return &opt_table[i];
	}
	return NULL;
}

/*
 * Parse argv into cli (zeroed first; is_set marks what was given).
 * Returns 0 with *action, or EINVAL with err (a usage error).
 */
int
options_parse_args(int argc, char **argv, struct options *cli,
    enum opt_action *action, struct pr_error *err)
{
	struct option lo[OPT__COUNT + 5];
	const struct opt_desc *od;
	int ch;

	memset(cli, 0, sizeof(*cli));
	*action = OPT_ACTION_RUN;
	options_longopts(lo);
	optind = 0;		/* glibc: full reset, so tests can parse again */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hvdnr:c:C:V:AG:t:k:Os:j:",
	    lo, NULL)) != -1) {
		switch (ch) {
		case CLI_HELP:
			*action = OPT_ACTION_HELP;
			return 0;
		case CLI_VERSION:
			*action = OPT_ACTION_VERSION;
			return 0;
		case CLI_CHECK:
			cli->check_config = 1;
			break;
		case CLI_CONFIG:
			free(cli->config_file);
			cli->config_file = xstrdup(optarg);
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
