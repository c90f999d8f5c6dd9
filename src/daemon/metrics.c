/*
 * metrics.c: what the daemon knows, in the Prometheus text exposition
 * format (version 0.0.4): the request counters it keeps in memory, and
 * the proxies' state read from the store. Served by the METRICS request
 * (proxy-renew metrics, metrics_reply.c) and written to --metrics-file
 * (metrics_file.c).
 *
 * Rules:
 *  (1) Rendering reads memory and the store only (one walk of the proxy
 *      table, as LIST, and the credential watch's row of each identity by
 *      its key): no network, no child, no wait.
 *  (2) Every family is written with its HELP and TYPE lines, and every
 *      label value is escaped; promtool check metrics accepts the output
 *      (test 121).
 *  (3) Per-proxy series (label file = the repository file name) can be
 *      turned off (--metrics-totals-only) for very large sites.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "failure_class.h"
#include "inspector.h"
#include "keygen.h"
#include "log.h"
#include "loop.h"
#include "message.h"
#include "renew_contract.h"
#include "store.h"
#include "xmalloc.h"

#define METRICS_REQ_SERIES_MAX	64	/* (command, code) pairs kept */
#define METRICS_CMDS_MAX	16	/* commands with a latency histogram */
#define METRICS_CMD_NAME_MAX	16
#define PFX			"proxy_renewd_"
#define METRICS_SERVERS_MAX	64	/* MyProxy / VOMS servers counted */

/* Request latency buckets, seconds (upper bounds; +Inf is implicit). */
static const double latency_le[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5
};
#define N_LE	(sizeof(latency_le) / sizeof(latency_le[0]))

/* Renewal duration buckets, seconds. */
static const double renewal_le[] = { 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
    120 };
#define N_RLE	(sizeof(renewal_le) / sizeof(renewal_le[0]))

struct req_count {
	char cmd[METRICS_CMD_NAME_MAX];	/* REGISTER, ..., "unknown" */
	int code;			/* response code */
	uint64_t n;
};

struct req_hist {
	char cmd[METRICS_CMD_NAME_MAX];
	uint64_t bucket[N_LE];		/* not cumulative; summed at render */
	uint64_t count;
	double sum_sec;
};

struct server_count {
	char name[RENEW_SERVER_NAME_MAX];	/* "host:port", "voms:host:port" */
	uint64_t attempts;		/* a worker talked to it (or tried) */
	uint64_t failures;		/* of those, failed */
};

struct metrics {
	int64_t start_time;		/* Unix seconds */
	struct server_count servers[METRICS_SERVERS_MAX];
	size_t n_servers;
	struct req_count req[METRICS_REQ_SERIES_MAX];
	size_t n_req;
	unsigned long dropped;		/* requests beyond the series cap */
	struct req_hist hist[METRICS_CMDS_MAX];
	size_t n_hist;
	uint64_t attempts[FCLASS__COUNT];	/* [FCLASS_NONE]: successes */
	uint64_t renewal_bucket[N_RLE];	/* not cumulative */
	uint64_t renewal_count;
	double renewal_sum_sec;
	long long file_timer;		/* metrics_file.c; 0 none */
	char *file_error;		/* last --metrics-file failure logged */
};

void
metrics_init(struct daemon *d)
{
	d->metrics = xcalloc(1, sizeof(*d->metrics));
	d->metrics->start_time = (int64_t)time(NULL);
}

void
metrics_free(struct daemon *d)
{
	if (d->metrics == NULL)
		return;
	free(d->metrics->file_error);
	free(d->metrics);
	d->metrics = NULL;
}

long long *
metrics_file_timer(struct daemon *d)
{
	return &d->metrics->file_timer;
}

char **
metrics_file_error(struct daemon *d)
{
	return &d->metrics->file_error;
}

static struct req_hist *
hist_of(struct metrics *m, const char *cmd)
{
	size_t i;

	for (i = 0; i < m->n_hist; i++)
		if (strcmp(m->hist[i].cmd, cmd) == 0)
			return &m->hist[i];
	if (m->n_hist == METRICS_CMDS_MAX)
		return NULL;
	(void)snprintf(m->hist[m->n_hist].cmd, METRICS_CMD_NAME_MAX, "%s", cmd);
	return &m->hist[m->n_hist++];
}

void
metrics_note_request(struct daemon *d, const char *cmd, int code,
    int64_t dur_ms)
{
	struct metrics *m = d->metrics;
	struct req_hist *h;
	double sec = dur_ms > 0 ? (double)dur_ms / 1000.0 : 0.0;
	size_t i;

	if (m == NULL)
		return;
	if (cmd == NULL)
		cmd = "unknown";
	for (i = 0; i < m->n_req; i++)
		if (m->req[i].code == code && strcmp(m->req[i].cmd, cmd) == 0)
			break;
	if (i == m->n_req && m->n_req < METRICS_REQ_SERIES_MAX) {
		(void)snprintf(m->req[i].cmd, METRICS_CMD_NAME_MAX, "%s", cmd);
		m->req[i].code = code;
		m->n_req++;
	}
	if (i < m->n_req)
		m->req[i].n++;
	else
		m->dropped++;
	if ((h = hist_of(m, cmd)) == NULL)
		return;
	for (i = 0; i < N_LE && sec > latency_le[i]; i++)
		;
	if (i < N_LE)
		h->bucket[i]++;
	h->count++;
	h->sum_sec += sec;
}

void
metrics_note_attempt(struct daemon *d, int code, int cls, int64_t dur_ms)
{
	struct metrics *m = d->metrics;
	double sec = dur_ms > 0 ? (double)dur_ms / 1000.0 : 0.0;
	size_t i;

	if (m == NULL || cls < 0 || cls >= FCLASS__COUNT)
		return;
	m->attempts[code == 0 ? FCLASS_NONE : cls]++;
	for (i = 0; i < N_RLE && sec > renewal_le[i]; i++)
		;
	if (i < N_RLE)
		m->renewal_bucket[i]++;
	m->renewal_count++;
	m->renewal_sum_sec += sec;
}

static void
server_note(struct metrics *m, const char *name, int failed)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		return;
	for (i = 0; i < m->n_servers; i++)
		if (strcmp(m->servers[i].name, name) == 0)
			break;
	if (i == m->n_servers) {
		if (m->n_servers == METRICS_SERVERS_MAX)
			return;
		(void)snprintf(m->servers[i].name, sizeof(m->servers[i].name),
		    "%s", name);
		m->n_servers++;
	}
	m->servers[i].attempts++;
	m->servers[i].failures += (uint64_t)(failed != 0);
}

void
metrics_note_servers(struct daemon *d, const struct renew_result *res)
{
	size_t i;

	if (d->metrics == NULL)
		return;
	for (i = 0; i < res->n_errors; i++)
		server_note(d->metrics, res->errors[i].server, 1);
	for (i = 0; i < res->n_voms_ok; i++)
		server_note(d->metrics, res->voms_ok[i], 0);
	if (res->code == 0)
		server_note(d->metrics, res->server, 0);
}

/* ---- rendering */

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	(void)fprintf(f, "# HELP " PFX "%s %s\n# TYPE " PFX "%s %s\n", name,
	    help, name, type);
}

/* A label value with \\, \" and \n escaped (rule 2), in runs. */
static void
label_value(FILE *f, const char *v)
{
	size_t n;

	for (;;) {
		n = strcspn(v, "\\\"\n");
		(void)fwrite(v, 1, n, f);
		if (v[n] == '\0')
			return;
		(void)fputs(v[n] == '\n' ? "\\n" : v[n] == '"' ? "\\\"" :
		    "\\\\", f);
		v += n + 1;
	}
}

enum proxy_state { PS_PENDING, PS_OK, PS_FAILING, PS__COUNT };
static const char *const state_names[PS__COUNT] = { "pending", "ok",
    "failing" };

struct totals {
	int64_t now;
	int64_t proxies[PS__COUNT];
	int64_t jobs[PS__COUNT];
	int64_t failing[FCLASS__COUNT];	/* by class */
	int64_t waiting;		/* due, no worker yet */
};

static enum proxy_state
state_of(const struct store_proxy *p)
{
	if (p->last_attempt == 0)
		return PS_PENDING;
	return p->last_result == 0 ? PS_OK : PS_FAILING;
}

static void
count_one(struct totals *t, const struct store_proxy *p)
{
	enum proxy_state s = state_of(p);

	t->proxies[s]++;
	t->jobs[s] += p->n_jobs;
	if (s == PS_FAILING)
		t->failing[fclass_classify(p->last_result, p->last_error,
		    NULL)]++;
	if (p->next_renewal > 0 && p->next_renewal <= t->now)
		t->waiting++;
}

/*
 * The per-proxy families (rule 3 turns them off): each family's lines
 * gather in a stream of its own during the one walk (rule 1), and are
 * appended after the totals.
 */
enum { PP_NOT_AFTER, PP_NEXT, PP_SUCCESS, PP_FAILURES, PP_JOBS, PP_CRED_END,
	PP__COUNT };

static const struct {
	const char *name, *help;
} pp_families[PP__COUNT] = {
	[PP_NOT_AFTER] = { "proxy_not_after_timestamp_seconds",
	    "Earliest expiry of the stored proxy (X.509 and VOMS ACs)." },
	[PP_NEXT] = { "proxy_next_renewal_timestamp_seconds",
	    "When the next renewal attempt is due (0: none scheduled)." },
	[PP_SUCCESS] = { "proxy_last_success_timestamp_seconds",
	    "When the proxy was last renewed successfully (0: not yet)." },
	[PP_FAILURES] = { "proxy_consecutive_failures",
	    "Failed renewal attempts in a row." },
	[PP_JOBS] = { "proxy_jobs", "Jobs registered on the proxy." },
	[PP_CRED_END] = { "proxy_credential_end_timestamp_seconds",
	    "When the long-term credential stored in MyProxy for the proxy's "
	    "identity ends, as MyProxy INFO said (0: not known yet)." },
};

struct walk {
	const struct daemon *d;
	struct totals t;
	FILE *f[PP__COUNT];	/* per-proxy families; NULL: totals only */
	char *text[PP__COUNT];
	size_t len[PP__COUNT];
};

static void
proxy_lines(struct walk *w, const struct store_proxy *p)
{
	int64_t v[PP__COUNT] = { [PP_NOT_AFTER] = p->not_after,
	    [PP_NEXT] = p->next_renewal, [PP_SUCCESS] = p->last_success,
	    [PP_FAILURES] = p->failures, [PP_JOBS] = p->n_jobs,
	    [PP_CRED_END] = credwatch_end_of(w->d, p->identity_hash) };
	int i;

	for (i = 0; i < PP__COUNT; i++) {
		(void)fprintf(w->f[i], PFX "%s{file=\"", pp_families[i].name);
		label_value(w->f[i], p->file);
		(void)fprintf(w->f[i], "\"} %lld\n", (long long)v[i]);
	}
}

static int
walk_one(const struct store_proxy *p, void *arg)
{
	struct walk *w = arg;

	count_one(&w->t, p);
	if (w->f[0] != NULL)
		proxy_lines(w, p);
	return 0;
}

static void
proxies_open(struct walk *w)
{
	int i;

	for (i = 0; i < PP__COUNT; i++) {
		if ((w->f[i] = open_memstream(&w->text[i], &w->len[i])) == NULL)
			fatal("open_memstream");
		family(w->f[i], pp_families[i].name, "gauge",
		    pp_families[i].help);
	}
}

/* The per-proxy families after the totals (out NULL: dropped). */
static void
proxies_close(struct walk *w, FILE *out)
{
	int i;

	for (i = 0; i < PP__COUNT && w->f[0] != NULL; i++) {
		if (fclose(w->f[i]) != 0)
			fatal("metrics: fclose");
		if (out != NULL)
			(void)fwrite(w->text[i], 1, w->len[i], out);
		free(w->text[i]);
	}
}

static void
render_totals(const struct daemon *d, const struct totals *t, FILE *f)
{
	int i;

	family(f, "proxies", "gauge", "Stored proxies by the state of their "
	    "last renewal attempt (pending: none yet).");
	for (i = 0; i < PS__COUNT; i++)
		(void)fprintf(f, PFX "proxies{state=\"%s\"} %lld\n",
		    state_names[i], (long long)t->proxies[i]);
	family(f, "jobs", "gauge", "Registered jobs by the state of their "
	    "proxy.");
	for (i = 0; i < PS__COUNT; i++)
		(void)fprintf(f, PFX "jobs{state=\"%s\"} %lld\n",
		    state_names[i], (long long)t->jobs[i]);
	family(f, "failing_proxies", "gauge", "Proxies whose last renewal "
	    "failed, by failure class.");
	for (i = FCLASS_TRANSIENT; i < FCLASS__COUNT; i++)
		(void)fprintf(f, PFX "failing_proxies{class=\"%s\"} %lld\n",
		    fclass_name((enum fclass)i), (long long)t->failing[i]);
	family(f, "renewals_waiting", "gauge", "Renewals due but not started "
	    "(no worker free yet).");
	(void)fprintf(f, PFX "renewals_waiting %lld\n", (long long)t->waiting);
	family(f, "workers_busy", "gauge", "Renewal workers running.");
	(void)fprintf(f, PFX "workers_busy %d\n", d->runner.n_running);
	family(f, "workers_max", "gauge", "Renewal workers allowed at once.");
	(void)fprintf(f, PFX "workers_max %lld\n", (long long)d->opts.workers);
	family(f, "repository_writable", "gauge", "0 while renewals are held "
	    "because results cannot be recorded (full or read-only).");
	(void)fprintf(f, PFX "repository_writable %d\n",
	    store_hold_reason(d) == NULL ? 1 : 0);
	family(f, "renewal_enabled", "gauge", "1 when a usable service "
	    "credential was found at start-up.");
	(void)fprintf(f, PFX "renewal_enabled %d\n", d->sched.enabled ? 1 : 0);
}

static void
render_attempts(const struct metrics *m, FILE *f)
{
	uint64_t cum = 0;
	size_t i;

	family(f, "renewal_attempts_total", "counter", "Renewal attempts by "
	    "result and failure class.");
	(void)fprintf(f, PFX "renewal_attempts_total{result=\"success\","
	    "class=\"\"} %llu\n", (unsigned long long)m->attempts[FCLASS_NONE]);
	for (i = FCLASS_TRANSIENT; i < FCLASS__COUNT; i++)
		(void)fprintf(f, PFX "renewal_attempts_total{result=\"failure\","
		    "class=\"%s\"} %llu\n", fclass_name((enum fclass)i),
		    (unsigned long long)m->attempts[i]);
	family(f, "renewal_duration_seconds", "histogram", "Time from a "
	    "renewal's start to its recorded outcome.");
	for (i = 0; i < N_RLE; i++) {
		cum += m->renewal_bucket[i];
		(void)fprintf(f, PFX "renewal_duration_seconds_bucket{le=\"%g\"} "
		    "%llu\n", renewal_le[i], (unsigned long long)cum);
	}
	(void)fprintf(f, PFX "renewal_duration_seconds_bucket{le=\"+Inf\"} "
	    "%llu\n" PFX "renewal_duration_seconds_sum %.3f\n" PFX
	    "renewal_duration_seconds_count %llu\n",
	    (unsigned long long)m->renewal_count, m->renewal_sum_sec,
	    (unsigned long long)m->renewal_count);
}

/* Per server, labels kind (myproxy, voms) and server (host:port). */
static void
render_servers(const struct daemon *d, FILE *f)
{
	static const char *const fam[] = { "server_attempts_total",
	    "server_failures_total", "server_cooling_down" };
	static const char *const type[] = { "counter", "counter", "gauge" };
	static const char *const help[] = { "Renewal attempts that reached (or "
	    "tried) a MyProxy or VOMS server.", "Of those, the ones the server "
	    "failed.", "1 while the server is skipped after being unreachable "
	    "(--cooldown)." };
	const struct metrics *m = d->metrics;
	size_t plen = strlen(RENEW_VOMS_NAME_PREFIX), i, k;

	for (k = 0; k < 3; k++) {
		family(f, fam[k], type[k], help[k]);
		for (i = 0; i < m->n_servers; i++) {
			const char *n = m->servers[i].name;
			int voms = strncmp(n, RENEW_VOMS_NAME_PREFIX, plen) == 0;
			uint64_t v = k == 0 ? m->servers[i].attempts : k == 1 ?
			    m->servers[i].failures :
			    (uint64_t)(cool_left_ms(&d->sched.cool, n) > 0);

			(void)fprintf(f, PFX "%s{kind=\"%s\",server=\"", fam[k],
			    voms ? "voms" : "myproxy");
			label_value(f, voms ? n + plen : n);
			(void)fprintf(f, "\"} %llu\n", (unsigned long long)v);
		}
	}
}

static void
render_requests(const struct metrics *m, FILE *f)
{
	uint64_t cum;
	size_t i, j;

	family(f, "requests_total", "counter", "Requests answered, by command "
	    "and response code.");
	for (i = 0; i < m->n_req; i++)
		(void)fprintf(f, PFX "requests_total{command=\"%s\",code=\"%d\"} "
		    "%llu\n", m->req[i].cmd, m->req[i].code,
		    (unsigned long long)m->req[i].n);
	family(f, "requests_uncounted_total", "counter", "Requests beyond the "
	    "kept (command, code) series.");
	(void)fprintf(f, PFX "requests_uncounted_total %lu\n", m->dropped);
	family(f, "request_duration_seconds", "histogram", "Time from a "
	    "complete request to its answer being queued (a REGISTER waits "
	    "for its group commit).");
	for (i = 0; i < m->n_hist; i++) {
		const struct req_hist *h = &m->hist[i];

		for (j = 0, cum = 0; j < N_LE; j++) {
			cum += h->bucket[j];
			(void)fprintf(f, PFX "request_duration_seconds_bucket{"
			    "command=\"%s\",le=\"%g\"} %llu\n", h->cmd,
			    latency_le[j], (unsigned long long)cum);
		}
		(void)fprintf(f, PFX "request_duration_seconds_bucket{command="
		    "\"%s\",le=\"+Inf\"} %llu\n", h->cmd,
		    (unsigned long long)h->count);
		(void)fprintf(f, PFX "request_duration_seconds_sum{command="
		    "\"%s\"} %.6f\n", h->cmd, h->sum_sec);
		(void)fprintf(f, PFX "request_duration_seconds_count{command="
		    "\"%s\"} %llu\n", h->cmd, (unsigned long long)h->count);
	}
}

/* Wall time of the loop's last pass: now minus how long ago it was. */
static double
heartbeat(const struct daemon *d, const struct timespec *now)
{
	int64_t last = loop_last_pass_ms(d->loop);
	double t = (double)now->tv_sec + (double)now->tv_nsec / 1e9;

	if (last == 0)
		return t;
	return t - (double)(loop_now_ms() - last) / 1000.0;
}

/* Families with one unlabelled sample each: v[i] for desc[i]. */
struct family_desc {
	const char *name, *type, *help;
};

static void
render_table(FILE *f, const struct family_desc *desc, const uint64_t *v,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		family(f, desc[i].name, desc[i].type, desc[i].help);
		(void)fprintf(f, PFX "%s %llu\n", desc[i].name,
		    (unsigned long long)v[i]);
	}
}

/* The key pool (keygen.h): what it holds, makes and hands out. */
static void
render_key_pool(const struct daemon *d, FILE *f)
{
	struct keygen_stats st;
	static const struct family_desc fam[] = {
	    { "key_pool_keys", "gauge", "Keys made ahead, waiting in the pool." },
	    { "key_pool_capacity", "gauge", "Keys the pool holds at most "
	      "(0: no pool)." },
	    { "key_pool_made_total", "counter", "Keys the generator made." },
	    { "key_pool_hits_total", "counter", "Renewals that got a key "
	      "from the pool." },
	    { "key_pool_misses_total", "counter", "Renewals that found the "
	      "pool empty (the key was made in the exchange)." },
	    { "key_pool_discarded_total", "counter", "Keys wiped unused "
	      "(too old, or the pool was full)." },
	    { "key_pool_generator_restarts_total", "counter", "Generator "
	      "processes started again after one died." },
	};
	uint64_t v[7];

	keygen_stats(d, &st);
	v[0] = st.size, v[1] = st.capacity, v[2] = st.made, v[3] = st.hits;
	v[4] = st.misses, v[5] = st.discarded, v[6] = st.restarts;
	render_table(f, fam, v, sizeof(fam) / sizeof(fam[0]));
}

/* The proxy inspector (inspector.h): its work, and what waits for it. */
static void
render_inspector(const struct daemon *d, FILE *f)
{
	struct inspector_stats st;
	static const struct family_desc fam[] = {
	    { "inspector_inspected_total", "counter", "REGISTER proxies "
	      "parsed by the inspector process." },
	    { "inspector_inline_total", "counter", "REGISTER proxies parsed "
	      "in the master instead (no inspector running, or its queue "
	      "full)." },
	    { "inspector_restarts_total", "counter", "Inspector processes "
	      "started again after one died." },
	    { "inspector_waiting", "gauge", "REGISTER requests waiting for "
	      "the inspector." },
	};
	uint64_t v[4];

	inspector_stats(d, &st);
	v[0] = st.inspected, v[1] = st.inline_runs, v[2] = st.restarts;
	v[3] = st.waiting;
	render_table(f, fam, v, sizeof(fam) / sizeof(fam[0]));
}

/* GET's memory (store.h, store_memo_stats): how much it holds. */
static void
render_get_memory(const struct daemon *d, FILE *f)
{
	struct store_memo_stats ms;

	store_memo_stats(d->store, &ms);
	family(f, "get_memory_loaded", "gauge", "1 once the start-up load of "
	    "GET's memory is done (0: loading, or not in use).");
	(void)fprintf(f, PFX "get_memory_loaded %d\n", ms.enabled && ms.loaded);
	family(f, "get_memory_jobs", "gauge", "Jobs GET answers from memory "
	    "(-1: switched off for lack of memory; the rest reads SQLite).");
	(void)fprintf(f, PFX "get_memory_jobs %lld\n", (long long)ms.jobs);
	family(f, "get_memory_proxies", "gauge", "Proxy records GET answers "
	    "from memory.");
	(void)fprintf(f, PFX "get_memory_proxies %lld\n",
	    (long long)ms.proxies);
	family(f, "get_memory_bytes", "gauge", "Memory GET's job index and "
	    "proxy records take.");
	(void)fprintf(f, PFX "get_memory_bytes %zu\n", ms.bytes);
}

int
metrics_render(struct daemon *d, char **out, size_t *len,
    struct pr_error *err)
{
	struct walk w;
	struct timespec now;
	FILE *f;
	int rc;

	*out = NULL;
	*len = 0;
	(void)clock_gettime(CLOCK_REALTIME, &now);
	memset(&w, 0, sizeof(w));
	w.d = d;
	w.t.now = (int64_t)now.tv_sec;
	if ((f = open_memstream(out, len)) == NULL)
		fatal("open_memstream");
	family(f, "build_info", "gauge", "The daemon's version.");
	(void)fprintf(f, PFX "build_info{version=\"%s\"} 1\n", PR_VERSION);
	family(f, "start_time_seconds", "gauge", "When the daemon started "
	    "(Unix time).");
	(void)fprintf(f, PFX "start_time_seconds %lld\n",
	    (long long)d->metrics->start_time);
	family(f, "heartbeat_timestamp_seconds", "gauge", "When the event "
	    "loop last woke up (Unix time).");
	(void)fprintf(f, PFX "heartbeat_timestamp_seconds %.3f\n",
	    heartbeat(d, &now));
	if (!d->opts.metrics_totals_only)
		proxies_open(&w);
	rc = store_foreach_proxy(d->store, walk_one, &w, err);
	if (rc == 0)
		render_totals(d, &w.t, f);
	proxies_close(&w, rc == 0 ? f : NULL);
	render_attempts(d->metrics, f);
	render_servers(d, f);
	render_key_pool(d, f);
	render_inspector(d, f);
	render_get_memory(d, f);
	render_requests(d->metrics, f);
	if (fclose(f) != 0)
		fatal("metrics: fclose");
	if (rc != 0) {
		free(*out);
		*out = NULL;
		*len = 0;
	}
	return rc;
}
