/*
 * cli_monitor.c: `proxy-renew status` (no argument) and `proxy-renew
 * check`, both from one STATUS_ALL request (doc/protocol.md); and the
 * output of `proxy-renew list` (LIST).
 *
 * The daemon's own clock (Now=) is used for every "time left", so a probe
 * on a host with a wrong clock still judges what the daemon sees.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_monitor.h"
#include "client.h"
#include "json.h"

#define IDENT_COLS	22	/* identity column of the status table */
#define CHECK_LEFT_SEC_DEFAULT	3600	/* CRITICAL: expires within, failing */
#define CHECK_STALE_SEC_DEFAULT	(6 * 3600)	/* CRITICAL: failing this long */
#define CHECK_WARN_FAILURES_DEFAULT	3
#define CHECK_TIMEOUT_SEC_DEFAULT	"10"
#define DUE_GRACE_SEC	300	/* a renewal this late counts as missed */
#define CHECK_CRED_LEFT_SEC_DEFAULT	(7 * 86400)	/* WARNING: stored
							 * credential ends */

enum { NAGIOS_OK, NAGIOS_WARNING, NAGIOS_CRITICAL, NAGIOS_UNKNOWN };
static const char *const nagios_names[] = { "OK", "WARNING", "CRITICAL",
    "UNKNOWN" };

struct rec {
	const char *file, *identity, *cls, *last_error;
	int64_t start, end, next, last_attempt, jobs, failures, last_result;
	int64_t last_success;	/* 0: never renewed */
	int64_t cred_end;	/* the stored credential's end; 0 unknown */
	int is_failing;		/* the last attempt failed */
	int is_judged;		/* check: raised already */
};

struct all {
	struct pr_msg resp;
	struct rec *recs;
	size_t n;
	int64_t now;		/* the daemon's clock */
	int64_t omitted;	/* records the daemon left out */
	const char *cooling;	/* first server cooling down, or NULL */
	size_t n_cooling;
};

int64_t
cli_num(const char *v)
{
	int64_t x = 0;

	if (v == NULL || msg_strtoi64(v, &x) != 0)
		return 0;
	return x;
}

/* Split the reply at each Proxy_name= (status.c rule 1). */
static void
split_records(struct all *a)
{
	const struct pr_msg *m = &a->resp;
	struct rec *r = NULL;
	size_t i;

	a->recs = calloc(msg_count(m, PR_KEY_PROXY_NAME) + 1, sizeof(*a->recs));
	if (a->recs == NULL)
		return;
	for (i = 0; i < m->n_kv; i++) {
		const char *k = m->kv[i].key, *v = m->kv[i].value;

		if (strcmp(k, PR_KEY_PROXY_NAME) == 0) {
			r = &a->recs[a->n++];
			r->file = v;
			r->identity = r->cls = r->last_error = "";
		} else if (strcmp(k, PR_KEY_NOW) == 0) {
			a->now = cli_num(v);
		} else if (strcmp(k, PR_KEY_OMITTED) == 0) {
			a->omitted = cli_num(v);
		} else if (strcmp(k, PR_KEY_COOLING) == 0) {
			if (a->n_cooling++ == 0)
				a->cooling = v;
		} else if (r == NULL) {
			continue;
		} else if (strcmp(k, PR_KEY_IDENTITY) == 0) {
			r->identity = v;
		} else if (strcmp(k, PR_KEY_FAILURE_CLASS) == 0) {
			r->cls = v;
		} else if (strcmp(k, PR_KEY_LAST_ERROR) == 0) {
			r->last_error = v;
		} else if (strcmp(k, PR_KEY_START_TIME) == 0) {
			r->start = cli_num(v);
		} else if (strcmp(k, PR_KEY_END_TIME) == 0) {
			r->end = cli_num(v);
		} else if (strcmp(k, PR_KEY_RENEWAL_TIME) == 0) {
			r->next = cli_num(v);
		} else if (strcmp(k, PR_KEY_LAST_ATTEMPT) == 0) {
			r->last_attempt = cli_num(v);
		} else if (strcmp(k, PR_KEY_LAST_RESULT) == 0) {
			r->last_result = cli_num(v);
		} else if (strcmp(k, PR_KEY_LAST_SUCCESS) == 0) {
			r->last_success = cli_num(v);
		} else if (strcmp(k, PR_KEY_JOBS) == 0) {
			r->jobs = cli_num(v);
		} else if (strcmp(k, PR_KEY_FAILURES) == 0) {
			r->failures = cli_num(v);
		} else if (strcmp(k, PR_KEY_CRED_END_TIME) == 0) {
			r->cred_end = cli_num(v);
		}
	}
	for (i = 0; i < a->n; i++)
		a->recs[i].is_failing = a->recs[i].last_attempt > 0 &&
		    a->recs[i].last_result != 0;
}

/* Ask for every record; 0, or the client error (err says why). */
static int
fetch_all(const char *socket_path, struct all *a, struct pr_error *err)
{
	struct pr_msg req;
	int rc;

	memset(a, 0, sizeof(*a));
	msg_init(&a->resp);
	msg_init(&req);
	if ((rc = pr_client_request(&req, PR_CMD_STATUS_ALL)) == 0)
		rc = pr_client_call(socket_path, &req, &a->resp, err);
	else
		(void)pr_error_set(err, rc, "cannot build the request");
	msg_free(&req);
	if (rc != 0)
		return rc;
	split_records(a);
	if (a->recs == NULL)
		return pr_error_set(err, ENOMEM, "out of memory");
	return 0;
}

static void
all_free(struct all *a)
{
	free(a->recs);
	msg_free(&a->resp);
}

/* Failing first (they need someone), then the earliest end. */
static int
by_urgency(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;

	if (a->is_failing != b->is_failing)
		return b->is_failing - a->is_failing;
	return (a->end > b->end) - (a->end < b->end);
}

/* "3d04h", "5h07m", "42m", "<1m"; past times as "-" + that. */
static void
fmt_rel(int64_t secs, char *buf, size_t size)
{
	const char *sign = secs < 0 ? "-" : "";
	int64_t s = secs < 0 ? -secs : secs;

	if (s >= 86400)
		(void)snprintf(buf, size, "%s%lldd%02lldh", sign,
		    (long long)(s / 86400), (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		(void)snprintf(buf, size, "%s%lldh%02lldm", sign,
		    (long long)(s / 3600), (long long)(s % 3600 / 60));
	else if (s >= 60)
		(void)snprintf(buf, size, "%s%lldm", sign, (long long)(s / 60));
	else
		(void)snprintf(buf, size, "%s<1m", sign);
}

/* A time column: none for 0 (unless NULL), past once at has come, else
 * the time left. */
static void
fmt_left(int64_t at, int64_t now, const char *none, const char *past,
    char *buf, size_t size)
{
	if (none != NULL && at <= 0)
		(void)snprintf(buf, size, "%s", none);
	else if (at <= now)
		(void)snprintf(buf, size, "%s", past);
	else
		fmt_rel(at - now, buf, size);
}

static void
print_row(const struct rec *r, int64_t now)
{
	char id[IDENT_COLS + 1], end[32], next[32], res[32], cred[32];
	size_t len = strlen(r->identity);

	if (len > IDENT_COLS)	/* the end of a DN says most (its CN) */
		(void)snprintf(id, sizeof(id), "...%s",
		    r->identity + len - (IDENT_COLS - 3));
	else
		(void)snprintf(id, sizeof(id), "%s", r->identity);
	fmt_left(r->end, now, NULL, "expired", end, sizeof(end));
	fmt_left(r->next, now, "-", "due", next, sizeof(next));
	fmt_left(r->cred_end, now, "?", "ended", cred, sizeof(cred));
	if (r->last_attempt == 0)
		(void)snprintf(res, sizeof(res), "-");
	else if (r->last_result == 0)
		(void)snprintf(res, sizeof(res), "ok");
	else
		(void)snprintf(res, sizeof(res), "%lld", (long long)r->last_result);
	(void)printf("%-*s %4lld %-8s %-8s %-8s %-6s %s\n", IDENT_COLS, id,
	    (long long)r->jobs, end, next, cred, res, r->cls[0] ? r->cls :
	    "-");
}

static void
print_json(const struct all *a)
{
	size_t i;

	(void)printf("{\"command\":\"status\",\"response\":0,\"now\":%lld,"
	    "\"count\":%zu,\"omitted\":%lld,\"proxies\":[", (long long)a->now,
	    a->n, (long long)a->omitted);
	for (i = 0; i < a->n; i++) {
		const struct rec *r = &a->recs[i];

		(void)printf("%s{\"proxy_name\":", i ? "," : "");
		json_str(stdout, r->file);
		(void)printf(",\"identity\":");
		json_str(stdout, r->identity);
		(void)printf(",\"jobs\":%lld,\"start_time\":%lld,\"end_time\":"
		    "%lld,\"renewal_time\":%lld,\"last_attempt\":%lld,"
		    "\"last_result\":%lld,\"last_success\":%lld,\"failures\":"
		    "%lld,\"failure_class\":", (long long)r->jobs,
		    (long long)r->start, (long long)r->end, (long long)r->next,
		    (long long)r->last_attempt, (long long)r->last_result,
		    (long long)r->last_success, (long long)r->failures);
		json_str(stdout, r->cls);
		(void)printf(",\"last_error\":");
		json_str(stdout, r->last_error);
		(void)printf(",\"credential_end_time\":%lld}",
		    (long long)r->cred_end);
	}
	(void)printf("]}\n");
}

int
cli_status_all(const char *socket_path, int json)
{
	struct pr_error err;
	struct all a;
	size_t i;
	int rc;

	pr_error_clear(&err);
	if ((rc = fetch_all(socket_path, &a, &err)) != 0) {
		(void)fprintf(stderr, "proxy-renew: status: %s%s%s\n",
		    pr_strerror(rc), err.msg[0] ? ": " : "", err.msg);
		all_free(&a);
		return 1;
	}
	qsort(a.recs, a.n, sizeof(*a.recs), by_urgency);
	if (json) {
		print_json(&a);
	} else {
		(void)printf("%-*s %4s %-8s %-8s %-8s %-6s %s\n", IDENT_COLS,
		    "IDENTITY", "JOBS", "ENDS IN", "NEXT", "CRED END", "LAST",
		    "CLASS");
		for (i = 0; i < a.n; i++)
			print_row(&a.recs[i], a.now);
		if (a.omitted > 0)
			(void)printf("(%lld more not shown: the reply would be "
			    "too large)\n", (long long)a.omitted);
	}
	all_free(&a);
	return 0;
}

/* ==== list */

/* The LIST keys after the idx-th Proxy_name= (the record's own). */
static void
list_record(const struct pr_msg *m, size_t idx, const char **file,
    int64_t *attempt, int64_t *result, const char **cls)
{
	size_t i, n = 0;

	*file = *cls = "";
	*attempt = *result = 0;
	for (i = 0; i < m->n_kv; i++) {
		const char *k = m->kv[i].key, *v = m->kv[i].value;

		if (strcmp(k, PR_KEY_PROXY_NAME) == 0 && n++ == idx)
			*file = v;
		else if (n != idx + 1)
			continue;
		else if (strcmp(k, PR_KEY_LAST_ATTEMPT) == 0)
			*attempt = cli_num(v);
		else if (strcmp(k, PR_KEY_LAST_RESULT) == 0)
			*result = cli_num(v);
		else if (strcmp(k, PR_KEY_FAILURE_CLASS) == 0)
			*cls = v;
	}
}

void
cli_list_print(FILE *f, const struct pr_msg *resp, int json)
{
	size_t i, n = msg_count(resp, PR_KEY_PROXY_NAME);
	const char *file, *cls;
	int64_t attempt, result;
	char res[24];

	if (json) {
		(void)fprintf(f, "{\"command\":\"list\",\"response\":0,"
		    "\"count\":%zu,\"proxies\":[", n);
		for (i = 0; i < n; i++) {
			(void)fprintf(f, i ? "," : "");
			json_str(f, msg_get_nth(resp, PR_KEY_PROXY_NAME, i));
		}
		(void)fprintf(f, "],\"records\":[");
	} else if (n > 0) {
		(void)fprintf(f, "%-6s %-17s %s\n", "LAST", "CLASS", "FILE");
	}
	for (i = 0; i < n; i++) {
		list_record(resp, i, &file, &attempt, &result, &cls);
		if (json) {
			(void)fprintf(f, "%s{\"proxy_name\":", i ? "," : "");
			json_str(f, file);
			(void)fprintf(f, ",\"last_attempt\":%lld,\"last_result\":"
			    "%lld,\"failure_class\":", (long long)attempt,
			    (long long)result);
			json_str(f, cls);
			(void)fprintf(f, "}");
			continue;
		}
		(void)snprintf(res, sizeof(res), attempt == 0 ? "-" :
		    result == 0 ? "ok" : "%lld", (long long)result);
		(void)fprintf(f, "%-6s %-17s %s\n", res, cls[0] ? cls : "-",
		    file);
	}
	if (json)
		(void)fprintf(f, "]}\n");
}

/* ==== check */

struct check_opts {
	int64_t critical_left;	/* seconds */
	int64_t stale;		/* seconds */
	int64_t warn_failures;
	int64_t cred_left;	/* seconds: WARNING, stored credential ends */
};

struct verdict {
	int state;		/* NAGIOS_* */
	size_t n_crit, n_warn, n_failing, n_user;
	int64_t jobs, min_left;
	char why[256];		/* the first, most severe problem */
};

static void
raise_to(struct verdict *v, int state, const struct rec *r, const char *fmt,
    const char *arg)
{
	char what[160];

	if (state == NAGIOS_CRITICAL)
		v->n_crit++;
	else
		v->n_warn++;
	if (state <= v->state)
		return;
	v->state = state;
	(void)snprintf(what, sizeof(what), fmt, arg);
	(void)snprintf(v->why, sizeof(v->why), "%s (%s): %s", r->identity,
	    strrchr(r->file, '/') ? strrchr(r->file, '/') + 1 : r->file, what);
}

/* 1 when r raised the verdict (CRITICAL or WARNING), else 0. */
static int
judge_one(const struct check_opts *o, const struct rec *r, int64_t now,
    struct verdict *v)
{
	int64_t left = r->end - now;
	int missed = r->next > 0 && r->next < now - DUE_GRACE_SEC;
	char t[32];

	v->jobs += r->jobs;
	if (left < v->min_left)
		v->min_left = left;
	v->n_failing += (size_t)r->is_failing;
	v->n_user += (size_t)(strcmp(r->cls, "needs-user-action") == 0);
	fmt_rel(left, t, sizeof(t));
	if (left <= 0)
		raise_to(v, NAGIOS_CRITICAL, r, "expired %s ago", t + 1);
	else if (left < o->critical_left && (r->is_failing || missed))
		raise_to(v, NAGIOS_CRITICAL, r, "expires in %s without a "
		    "successful renewal", t);
	else if (r->is_failing && now - r->start > o->stale)
		raise_to(v, NAGIOS_CRITICAL, r, "no successful renewal since %s "
		    "while due", (fmt_rel(now - r->start, t, sizeof(t)), t));
	else if (r->is_failing && strcmp(r->cls, "transient") != 0)
		raise_to(v, NAGIOS_WARNING, r, "%s", r->cls);
	else if (r->is_failing && r->failures >= o->warn_failures)
		raise_to(v, NAGIOS_WARNING, r, "%s", "failing renewals");
	else
		return 0;
	return 1;
}

/*
 * After judge_one, for the records it let pass: the credential stored in
 * MyProxy ends within --credential-left (a failing renewal is named first).
 */
static void
judge_credential(const struct check_opts *o, const struct rec *r, int64_t now,
    struct verdict *v)
{
	char t[32];

	if (r->cred_end <= 0 || r->cred_end - now >= o->cred_left)
		return;
	fmt_rel(r->cred_end - now, t, sizeof(t));
	raise_to(v, NAGIOS_WARNING, r, "the credential stored in MyProxy ends "
	    "in %s", t);
}

static int
check_usage(const char *msg)
{
	(void)printf("PROXY-RENEWD UNKNOWN - %s (usage: proxy-renew check "
	    "[--socket PATH] [--critical-left SECS] [--stale SECS] "
	    "[--warn-failures N] [--credential-left SECS] [--timeout SECS])"
	    "\n", msg);
	return NAGIOS_UNKNOWN;
}

static int
check_args(int argc, char **argv, struct check_opts *o, const char **sock)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "critical-left", required_argument, NULL, 'c' },
		{ "stale", required_argument, NULL, 'a' },
		{ "warn-failures", required_argument, NULL, 'w' },
		{ "credential-left", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	o->critical_left = CHECK_LEFT_SEC_DEFAULT;
	o->stale = CHECK_STALE_SEC_DEFAULT;
	o->warn_failures = CHECK_WARN_FAILURES_DEFAULT;
	o->cred_left = CHECK_CRED_LEFT_SEC_DEFAULT;
	if (getenv("GLITE_PR_TIMEOUT") == NULL &&
	    setenv("GLITE_PR_TIMEOUT", CHECK_TIMEOUT_SEC_DEFAULT, 1) == -1)
		return -1;
	optind = 0;	/* GNU: full re-initialisation after main's getopt */
	while ((ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		int64_t *dst = ch == 'c' ? &o->critical_left : ch == 'a' ?
		    &o->stale : ch == 'w' ? &o->warn_failures : ch == 'l' ?
		    &o->cred_left : NULL;

		if (ch == 's')
			*sock = optarg;
		else if (ch == 't' && setenv("GLITE_PR_TIMEOUT", optarg, 1) == -1)
			return -1;
		else if (dst != NULL && (msg_strtoi64(optarg, dst) != 0 ||
		    *dst < 0))
			return -1;
		else if (ch != 't' && ch != 's' && dst == NULL)
			return -1;
	}
	return optind == argc ? 0 : -1;
}

int
cli_check(int argc, char **argv, const char *socket_path)
{
	struct check_opts o;
	struct verdict v;
	struct pr_error err;
	struct all a;
	size_t i;
	int rc;

	if (check_args(argc, argv, &o, &socket_path) != 0)
		return check_usage("bad arguments");
	pr_error_clear(&err);
	if ((rc = fetch_all(socket_path, &a, &err)) != 0) {
		(void)printf("PROXY-RENEWD CRITICAL - the daemon does not "
		    "answer: %s%s%s\n", pr_strerror(rc), err.msg[0] ? ": " : "",
		    err.msg);
		all_free(&a);
		return NAGIOS_CRITICAL;
	}
	memset(&v, 0, sizeof(v));
	v.min_left = INT64_MAX;
	for (i = 0; i < a.n; i++)
		a.recs[i].is_judged = judge_one(&o, &a.recs[i], a.now, &v);
	for (i = 0; i < a.n; i++)
		if (!a.recs[i].is_judged)
			judge_credential(&o, &a.recs[i], a.now, &v);
	if (a.n == 0)
		v.min_left = 0;
	if (a.n_cooling > 0 && v.state < NAGIOS_WARNING) {
		v.state = NAGIOS_WARNING;
		v.n_warn++;
		(void)snprintf(v.why, sizeof(v.why), "%zu server%s cooling down "
		    "(%s%s)", a.n_cooling, a.n_cooling == 1 ? "" : "s",
		    a.cooling, a.n_cooling > 1 ? ", ..." : "");
	}
	(void)printf("PROXY-RENEWD %s - %zu proxies, %lld jobs, %zu failing, "
	    "%zu critical, %zu warning%s%s | proxies=%zu;;;0 jobs=%lld;;;0 "
	    "failing=%zu;;;0 needs_user_action=%zu;;;0 critical=%zu;;;0 "
	    "warning=%zu;;;0 min_time_left=%llds;;%lld;0\n",
	    nagios_names[v.state], a.n, (long long)v.jobs, v.n_failing,
	    v.n_crit, v.n_warn, v.why[0] ? "; " : "", v.why, a.n,
	    (long long)v.jobs, v.n_failing, v.n_user, v.n_crit, v.n_warn,
	    (long long)v.min_left, (long long)o.critical_left);
	all_free(&a);
	return v.state;
}
