/*
 * options_table.c: the daemon's settings, one row each, and everything
 * derived from the rows: getopt_long's tables, the usage text and the
 * table's own check (options_table_check(), run by the unit tests).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "options_table.h"
#include "pr_limits.h"

#define USAGE_COL	29	/* where the help text starts */
#define USAGE_WIDTH	79	/* help text wraps before this column */
#define USAGE_MAX_BYTES	8192

#define F(field)	offsetof(struct options, field)
#define DAY		(24 * 3600)

/*
 * Indexed by enum opt_id through designated initializers, so a row sits at
 * its id whatever the order; options_table_check() (a unit test) finds a
 * missing row. Adding a setting: its id (daemon.h), its field in struct
 * options, its row here.
 */
const struct opt_desc opt_table[OPT__COUNT] = {
	[OPT_DEBUG] = { .name = "debug", .short_opt = 'd', .kind = K_FLAG,
	    .off = F(debug), .max = 1,
	    .help = "stay in the foreground, log to stderr, debug level" },
	[OPT_REPOSITORY] = { .name = "repository", .short_opt = 'r',
	    .kind = K_STR, .off = F(repository),
	    .def_str = PR_REPOSITORY_DEFAULT, .arg = "DIR",
	    .help = "proxy repository" },
	[OPT_SOCKET] = { .name = "socket", .short_opt = 's', .kind = K_STR,
	    .off = F(socket_path), .arg = "PATH", .help = "listening socket",
	    .shown_def = PR_SOCKET_PREFIX "<uid>" },
	[OPT_CONDOR_LIMIT] = { .name = "condor-limit", .short_opt = 'c',
	    .kind = K_NUM, .off = F(condor_limit), .max = 30 * DAY,
	    .def = PR_CONDOR_LIMIT_SEC_DEFAULT, .arg = "SECS",
	    .help = "renew this long before expiry at least" },
	[OPT_MYPROXY_SERVER] = { .name = "myproxy-server", .kind = K_STR,
	    .off = F(myproxy_server), .env = "MYPROXY_SERVER", .arg = "LIST",
	    .help = "default host[:port],..." },
	[OPT_MAX_FRAME] = { .name = "max-frame", .kind = K_NUM,
	    .off = F(max_frame), .min = 64, .max = 64 * 1024 * 1024,
	    .def = PR_FRAME_MAX_BYTES_DEFAULT, .arg = "BYTES",
	    .help = "largest request accepted" },
	[OPT_TIMEOUT] = { .name = "timeout", .kind = K_SECS, .off = F(timeout),
	    .max = DAY, .def = PR_TIMEOUT_SEC_DEFAULT, .env = "GLITE_PR_TIMEOUT",
	    .arg = "SECS", .help = "per-connection deadline" },
	[OPT_PID_FILE] = { .name = "pid-file", .kind = K_STR, .off = F(pid_file),
	    .arg = "FILE", .help = "write the daemon's pid there" },
	[OPT_CA_DIR] = { .name = "CAdir", .short_opt = 'C', .kind = K_STR,
	    .off = F(ca_dir), .arg = "DIR",
	    .help = "CA certificates for MyProxy/VOMS servers" },
	[OPT_VOMS_DIR] = { .name = "VOMSdir", .short_opt = 'V', .kind = K_STR,
	    .off = F(voms_dir), .arg = "DIR", .help = "VOMS .lsc files",
	    .shown_def = "else $X509_VOMS_DIR, /etc/grid-security/vomsdir" },
	[OPT_ENABLE_VOMS] = { .name = "enable-voms", .short_opt = 'A',
	    .kind = K_FLAG, .off = F(enable_voms), .max = 1,
	    .help = "renew VOMS attributes" },
	[OPT_VOMS_CONFIG] = { .name = "voms-config", .short_opt = 'G',
	    .kind = K_STR, .off = F(voms_config), .arg = "FILE",
	    .help = "vomses file or dir", .shown_def = "else $X509_VOMSES, "
	    "/etc/vomses, /etc/grid-security/vomses" },
	[OPT_ORDER_ATTRIBUTES] = { .name = "order-attributes",
	    .short_opt = 'O', .kind = K_FLAG, .off = F(order_attributes),
	    .max = 1, .help = "accepted for compatibility: order is always "
	    "kept" },
	[OPT_CERT] = { .name = "cert", .short_opt = 't', .kind = K_STR,
	    .off = F(cert), .arg = "FILE", .help = "service certificate" },
	[OPT_KEY] = { .name = "key", .short_opt = 'k', .kind = K_STR,
	    .off = F(key), .arg = "FILE", .help = "service key" },
	[OPT_LIFETIME] = { .name = "lifetime", .kind = K_NUM, .off = F(lifetime),
	    .min = 1, .max = 24 * 366, .def = PR_LIFETIME_HOURS_DEFAULT,
	    .arg = "HOURS", .help = "lifetime asked from MyProxy" },
	[OPT_WORKERS] = { .name = "workers", .short_opt = 'j', .kind = K_NUM,
	    .off = F(workers), .min = 1, .max = 256, .def = PR_WORKERS_DEFAULT,
	    .arg = "N", .help = "concurrent renewals" },
	[OPT_WORKER_TIMEOUT] = { .name = "worker-timeout", .kind = K_NUM,
	    .off = F(worker_timeout), .min = 1, .max = DAY,
	    .def = PR_WORKER_TIMEOUT_SEC_DEFAULT, .arg = "SECS",
	    .help = "hard limit per renewal" },
	[OPT_COOLDOWN] = { .name = "cooldown", .kind = K_NUM, .off = F(cooldown),
	    .max = DAY, .def = PR_SERVER_COOLDOWN_SEC_DEFAULT, .arg = "SECS",
	    .help = "skip a failed MyProxy server this long" },
	[OPT_BACKOFF_MIN] = { .name = "backoff-min", .kind = K_NUM,
	    .off = F(backoff_min), .min = 1, .max = DAY,
	    .def = PR_BACKOFF_MIN_SEC_DEFAULT, .arg = "SECS",
	    .help = "first retry delay" },
	[OPT_BACKOFF_MAX] = { .name = "backoff-max", .kind = K_NUM,
	    .off = F(backoff_max), .min = 1, .max = DAY,
	    .def = PR_BACKOFF_MAX_SEC_DEFAULT, .arg = "SECS",
	    .help = "longest retry delay" },
	[OPT_FOREGROUND] = { .name = "foreground", .short_opt = 'F',
	    .kind = K_FLAG, .off = F(foreground), .max = 1,
	    .help = "stay in the foreground, log to stderr (systemd)" },
	[OPT_USER] = { .name = "user", .kind = K_STR, .off = F(user),
	    .arg = "NAME", .help = "started as root: drop to NAME before "
	    "serving" },
	[OPT_RUN_AS_ROOT] = { .name = "run-as-root", .kind = K_FLAG,
	    .off = F(run_as_root), .max = 1,
	    .help = "started as root without --user: run as root" },
	[OPT_TRUST_CLOCK] = { .name = "trust-clock", .kind = K_FLAG,
	    .off = F(trust_clock), .max = 1,
	    .help = "start although the clock looks far ahead" },
	[OPT_ALLOW_USER] = { .name = "allow-user", .kind = K_STR,
	    .off = F(allow_user), .arg = "LIST",
	    .help = "serve these users too (names or uids, comma-separated)" },
	[OPT_ALLOW_GROUP] = { .name = "allow-group", .kind = K_STR,
	    .off = F(allow_group), .arg = "LIST",
	    .help = "serve members of these groups too" },
	[OPT_METRICS_FILE] = { .name = "metrics-file", .kind = K_STR,
	    .off = F(metrics_file), .arg = "PATH", .help = "rewrite the "
	    "Prometheus metrics there (node_exporter textfile collector)" },
	[OPT_METRICS_INTERVAL] = { .name = "metrics-interval", .kind = K_NUM,
	    .off = F(metrics_interval), .min = 1, .max = DAY,
	    .def = PR_METRICS_INTERVAL_SEC_DEFAULT, .arg = "SECS",
	    .help = "how often --metrics-file is rewritten" },
	[OPT_METRICS_TOTALS_ONLY] = { .name = "metrics-totals-only",
	    .kind = K_FLAG, .off = F(metrics_totals_only), .max = 1,
	    .help = "metrics without per-proxy series (very large sites)" },
	[OPT_HOOK] = { .name = "hook", .kind = K_STR, .off = F(hook),
	    .arg = "COMMAND", .help = "run this sh command for each event of "
	    "a proxy (PROXY_RENEWD_* variables)" },
	[OPT_HOOK_TIMEOUT] = { .name = "hook-timeout", .kind = K_NUM,
	    .off = F(hook_timeout), .min = 1, .max = DAY,
	    .def = PR_HOOK_TIMEOUT_SEC_DEFAULT, .arg = "SECS",
	    .help = "a hook still running after this is killed" },
	[OPT_HOOK_FAILURES] = { .name = "hook-failures", .kind = K_NUM,
	    .off = F(hook_failures), .min = 1, .max = 1000,
	    .def = PR_HOOK_FAILURES_DEFAULT, .arg = "N",
	    .help = "renewal-failed event after N failures in a row" },
	[OPT_HISTORY] = { .name = "history", .kind = K_NUM, .off = F(history),
	    .max = PR_HISTORY_MAX, .def = PR_HISTORY_DEFAULT, .arg = "N",
	    .help = "renewal attempts kept per proxy (proxy-renew history); "
	    "0 keeps none" },
	[OPT_KEY_POOL_SIZE] = { .name = "key-pool-size", .kind = K_NUM,
	    .off = F(key_pool_size), .min = 0, .max = 65536,
	    .def = PR_KEY_POOL_SIZE_DEFAULT, .arg = "N",
	    .help = "keys made ahead in idle time (0: none)" },
	[OPT_KEY_POOL_MAX_AGE] = { .name = "key-pool-max-age", .kind = K_NUM,
	    .off = F(key_pool_max_age), .min = 60, .max = 30 * DAY,
	    .def = PR_KEY_POOL_MAX_AGE_SEC_DEFAULT, .arg = "SECS",
	    .help = "a pooled key older than this is wiped unused" },
	[OPT_KEY_BITS] = { .name = "key-bits", .kind = K_NUM,
	    .off = F(key_bits), .min = 2048, .max = 8192,
	    .def = PR_KEY_BITS_DEFAULT, .arg = "BITS",
	    .help = "RSA size of the pool's keys" },
	[OPT_INSPECTORS] = { .name = "inspectors", .kind = K_NUM,
	    .off = F(inspectors), .min = 0, .max = PR_INSPECTORS_MAX,
	    .def = PR_INSPECTORS_DEFAULT, .arg = "N",
	    .help = "processes parsing REGISTER's proxy files (0: the "
	    "daemon itself)" },
	[OPT_CRED_CHECK_INTERVAL] = { .name = "credential-check-interval",
	    .kind = K_NUM, .off = F(cred_check_interval), .min = 60,
	    .max = 30 * DAY, .def = PR_CRED_CHECK_INTERVAL_DEFAULT,
	    .arg = "SECS", .help = "ask MyProxy (INFO) this often when each "
	    "stored credential ends" },
	[OPT_CRED_WARNING] = { .name = "credential-warning", .kind = K_STR,
	    .off = F(cred_warning), .def_str = PR_CRED_WARNING_DEFAULT,
	    .arg = "LIST", .help = "warn (log, hook, check) when a stored "
	    "credential ends within each of these lead times" },
	[OPT_CRED_SHORT_DELAY] = { .name = "credential-short-delay",
	    .kind = K_NUM, .off = F(cred_short_delay), .min = 1, .max = DAY,
	    .def = PR_CRED_SHORT_DELAY_DEFAULT, .arg = "SECS",
	    .help = "ask MyProxy (INFO) this long after a renewal came back "
	    "shorter than asked" },
};

/* Command-line-only options; their values lie outside the settings'. */
static const struct cli_desc {
	const char *name;
	int val;		/* getopt_long value (a short option or > 255) */
	const char *arg;	/* NULL: takes none */
	const char *help;
} cli_table[] = {
	{ "help", CLI_HELP, NULL, "show this help and exit" },
	{ "version", CLI_VERSION, NULL, "show the version and exit" },
	{ "check-config", CLI_CHECK, NULL,
	    "check the settings, print \"configuration OK\", exit" },
	{ "config", CLI_CONFIG, "FILE",
	    "read settings from FILE (key = value lines)" },
	{ "import-glite", CLI_IMPORT, "DIR",
	    "import a gLite proxy renewal repository, then exit" },
	{ "doctor", CLI_DOCTOR, NULL,
	    "check the renewal path (credential, CAs, servers, modes, clock), "
	    "print a checklist, exit 1 on any failure" },
	{ "identity", CLI_IDENTITY, "FILE",
	    "with --doctor: may this service renew the credential stored in "
	    "MyProxy for this proxy (a file, or a repository file name)?" },
};
#define CLI_COUNT	(sizeof(cli_table) / sizeof(cli_table[0]))
_Static_assert(OPT__COUNT + CLI_COUNT < OPT_LONGOPTS_MAX,
    "OPT_LONGOPTS_MAX holds every option and the terminator");

/* A setting without a short option gets a value above every char. */
static int
opt_val(int id)
{
	return opt_table[id].short_opt ? opt_table[id].short_opt : 256 + id;
}

const struct opt_desc *
opt_by_val(int val)
{
	int i;

	for (i = 0; i < OPT__COUNT; i++)
		if (opt_val(i) == val)
			return &opt_table[i];
	return NULL;
}

enum opt_id
opt_id_of(const struct opt_desc *od)
{
	return (enum opt_id)(od - opt_table);
}

void
options_getopt(struct option lo[OPT_LONGOPTS_MAX],
    char shortopts[OPT_SHORTOPTS_MAX])
{
	size_t i, n = 0, k = 0;
	int has_arg;

	shortopts[k++] = ':';	/* a missing value is ':', not '?' */
	for (i = 0; i < CLI_COUNT + OPT__COUNT; i++, n++) {
		if (i < CLI_COUNT) {
			has_arg = cli_table[i].arg != NULL;
			lo[n] = (struct option){ cli_table[i].name, has_arg,
			    NULL, cli_table[i].val };
		} else {
			const struct opt_desc *od = &opt_table[i - CLI_COUNT];

			has_arg = od->kind != K_FLAG;
			lo[n] = (struct option){ od->name, has_arg, NULL,
			    opt_val((int)(i - CLI_COUNT)) };
		}
		if (lo[n].val < 256) {
			shortopts[k++] = (char)lo[n].val;
			if (has_arg)
				shortopts[k++] = ':';
		}
	}
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	shortopts[k] = '\0';
}

struct usage {
	char text[USAGE_MAX_BYTES];
	size_t len;
	int truncated;
};

static void __attribute__((format(printf, 2, 3)))
usage_add(struct usage *u, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(u->text + u->len, sizeof(u->text) - u->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(u->text) - u->len) {
		u->truncated = 1;
		u->len = sizeof(u->text) - 1;
	} else {
		u->len += (size_t)n;
	}
}

/* "  -r, --repository DIR", then the help text from USAGE_COL, wrapped. */
static void
usage_row(struct usage *u, int short_opt, const char *name, const char *arg,
    const char *help)
{
	size_t start = u->len, col, n;

	if (short_opt > 0 && short_opt < 256)
		usage_add(u, "  -%c, --%s", short_opt, name);
	else
		usage_add(u, "      --%s", name);
	if (arg != NULL)
		usage_add(u, " %s", arg);
	col = u->len - start;
	if (col >= USAGE_COL - 1) {
		usage_add(u, "\n");
		col = 0;
	}
	usage_add(u, "%*s", (int)(USAGE_COL - col), "");
	col = USAGE_COL;
	while (*help != '\0') {
		n = strcspn(help, " ");
		if (col > USAGE_COL && col + 1 + n > USAGE_WIDTH) {
			usage_add(u, "\n%*s", USAGE_COL, "");
			col = USAGE_COL;
		} else if (col > USAGE_COL) {
			usage_add(u, " ");
			col++;
		}
		usage_add(u, "%.*s", (int)n, help);
		col += n;
		help += n + strspn(help + n, " ");
	}
	usage_add(u, "\n");
}

/* A setting's help with its default: "what it does (default)". */
static void
usage_setting(struct usage *u, const struct opt_desc *od)
{
	char help[256], def[128] = "";

	if (od->shown_def != NULL)
		(void)snprintf(def, sizeof(def), "%s", od->shown_def);
	else if (od->kind == K_STR && od->def_str != NULL)
		(void)snprintf(def, sizeof(def), "%s", od->def_str);
	else if (od->kind == K_NUM || od->kind == K_SECS)
		(void)snprintf(def, sizeof(def), "%lld", (long long)od->def);
	if (od->env != NULL)
		(void)snprintf(help, sizeof(help), "%s (else $%s%s%s)",
		    od->help, od->env, def[0] ? ", " : "", def);
	else
		(void)snprintf(help, sizeof(help), def[0] ? "%s (%s)" : "%s",
		    od->help, def);
	usage_row(u, od->short_opt, od->name, od->arg, help);
}

static const struct usage *
usage_build(void)
{
	static struct usage u;
	size_t i;

	if (u.len > 0)
		return &u;
	usage_add(&u, "usage: proxy-renewd [options]\n");
	for (i = 0; i < CLI_COUNT; i++)
		usage_row(&u, cli_table[i].val, cli_table[i].name,
		    cli_table[i].arg, cli_table[i].help);
	for (i = 0; i < OPT__COUNT; i++)
		usage_setting(&u, &opt_table[i]);
	return &u;
}

const char *
options_usage(void)
{
	return usage_build()->text;
}

/* A name or short option used twice, across both tables. */
static int
table_check_unique(struct pr_error *err)
{
	struct option lo[OPT_LONGOPTS_MAX];
	char shortopts[OPT_SHORTOPTS_MAX];
	size_t i, j;

	options_getopt(lo, shortopts);
	for (i = 0; lo[i].name != NULL; i++)
		for (j = i + 1; lo[j].name != NULL; j++)
			if (strcmp(lo[i].name, lo[j].name) == 0 ||
			    lo[i].val == lo[j].val)
				return pr_error_set(err, EINVAL, "options "
				    "--%s and --%s share a name or a short "
				    "option", lo[i].name, lo[j].name);
	return 0;
}

/* Each row is there (no hole in the designated initializers) and sane. */
int
options_table_check(struct pr_error *err)
{
	int i;

	for (i = 0; i < OPT__COUNT; i++) {
		const struct opt_desc *od = &opt_table[i];

		if (od->name == NULL || od->help == NULL)
			return pr_error_set(err, EINVAL, "setting %d has no "
			    "row in opt_table", i);
		if ((od->kind == K_FLAG) != (od->arg == NULL))
			return pr_error_set(err, EINVAL, "%s: a flag takes no "
			    "argument, anything else names one", od->name);
		if ((od->kind == K_NUM && (od->def < od->min ||
		    od->def > od->max)) || (od->kind == K_SECS &&
		    (od->def <= 0 || od->def > od->max)))
			return pr_error_set(err, EINVAL, "%s: default %lld "
			    "out of its range", od->name, (long long)od->def);
	}
	if (table_check_unique(err) != 0)
		return err->code;
	if (usage_build()->truncated)
		return pr_error_set(err, EMSGSIZE, "usage text longer than %d "
		    "bytes", USAGE_MAX_BYTES);
	return 0;
}
