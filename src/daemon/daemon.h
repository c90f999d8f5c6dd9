/*
 * daemon.h: the master process of proxy-renewd: its settings, its state and
 * the prototypes of each file under src/daemon/.
 *
 * Rules:
 *  (1) All process state lives in one struct daemon, created in main.c and
 *      passed down; there are no mutable globals in src/daemon/.
 *  (2) Only main.c and the SIGHUP path (daemon_reload) replace d->opts, and
 *      only with a struct options that loaded completely.
 *  (3) A struct conn is created by server.c:conn_accept() and destroyed by
 *      server.c:conn_free() alone; command handlers never free one.
 *  (4) A response with code 0 is queued only after the commit holding its
 *      change returned 0 (store_commit, or the group commit of batch.c).
 */
#ifndef PR_DAEMON_H
#define PR_DAEMON_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "frame_io.h"
#include "pr_error.h"

struct batch;
struct cred_memo;
struct credwatch;
struct hooks;
struct keygen;
struct loop;
struct metrics;
struct store;
struct pr_msg;
struct pr_request;

/* The settings: each has its row in opt_table (options_table.c). */
enum opt_id {
	OPT_DEBUG,
	OPT_REPOSITORY,
	OPT_CONDOR_LIMIT,
	OPT_CA_DIR,
	OPT_VOMS_DIR,
	OPT_ENABLE_VOMS,
	OPT_VOMS_CONFIG,
	OPT_CERT,
	OPT_KEY,
	OPT_ORDER_ATTRIBUTES,
	OPT_SOCKET,
	OPT_MYPROXY_SERVER,
	OPT_MAX_FRAME,
	OPT_TIMEOUT,
	OPT_LIFETIME,
	OPT_WORKERS,
	OPT_WORKER_TIMEOUT,
	OPT_COOLDOWN,
	OPT_BACKOFF_MIN,
	OPT_BACKOFF_MAX,
	OPT_PID_FILE,
	OPT_FOREGROUND,
	OPT_USER,
	OPT_RUN_AS_ROOT,
	OPT_ALLOW_USER,
	OPT_ALLOW_GROUP,
	OPT_METRICS_FILE,
	OPT_METRICS_INTERVAL,
	OPT_METRICS_TOTALS_ONLY,
	OPT_TRUST_CLOCK,
	OPT_HOOK,
	OPT_HOOK_TIMEOUT,
	OPT_HOOK_FAILURES,
	OPT_HISTORY,
	OPT_KEY_POOL_SIZE,
	OPT_KEY_POOL_MAX_AGE,
	OPT_KEY_BITS,
	OPT_INSPECTORS,
	OPT_CRED_CHECK_INTERVAL,
	OPT_CRED_WARNING,
	OPT_CRED_SHORT_DELAY,
	OPT__COUNT
};

struct options {
	int debug;		/* -d: foreground, stderr, debug level */
	char *repository;	/* repository directory */
	int64_t condor_limit;	/* seconds */
	char *ca_dir;		/* CA certificates directory; NULL = default */
	char *voms_dir;		/* VOMS server certificates; NULL = default */
	int enable_voms;	/* 0/1 */
	char *voms_config;	/* vomses file; NULL = default */
	char *cert;		/* service certificate; NULL = default */
	char *key;		/* service key; NULL = default */
	int order_attributes;	/* 0/1: keep FQAN order when renewing ACs */
	char *socket_path;	/* listening socket */
	char *myproxy_server;	/* default "host[:port],..."; NULL = none */
	int64_t max_frame;	/* bytes, request payload limit */
	double timeout;		/* seconds (fractions allowed), per-connection deadline */
	int64_t lifetime;	/* hours, requested from MyProxy */
	int64_t workers;	/* concurrent renewal workers */
	int64_t worker_timeout;	/* seconds, hard limit per worker */
	int64_t cooldown;	/* seconds a failed MyProxy server is skipped */
	int64_t backoff_min;	/* seconds, first retry delay */
	int64_t backoff_max;	/* seconds, retry delay cap */
	char *pid_file;		/* NULL = none */
	int foreground;		/* -F: no fork, log to stderr (systemd) */
	char *user;		/* --user: drop to it when started as root */
	int run_as_root;	/* 0/1: root without --user is allowed */
	char *allow_user;	/* "name|uid,..." also served; NULL none */
	char *allow_group;	/* "name|gid,..." also served; NULL none */
	char *metrics_file;	/* Prometheus text rewritten there; NULL none */
	int64_t metrics_interval;	/* seconds between metrics_file writes */
	int metrics_totals_only;	/* 0/1: no per-proxy series */
	char *hook;		/* --hook: sh command run per event; NULL none */
	int64_t hook_timeout;	/* seconds a hook may run */
	int64_t hook_failures;	/* renewal-failed after this many in a row */
	int64_t history;	/* renewal attempts kept per proxy; 0 none */
	int64_t key_pool_size;	/* keys made ahead; 0: no pool */
	int64_t key_pool_max_age;	/* seconds a pooled key may wait */
	int64_t key_bits;	/* RSA bits of the pool's keys */
	int64_t inspectors;	/* proxy inspector children; 0: the master */
	int64_t cred_check_interval;	/* seconds between MyProxy INFOs */
	char *cred_warning;	/* warning lead times, "7d,2d" */
	int64_t cred_short_delay;	/* INFO this long after a short renewal */
	int trust_clock;	/* 0/1: expire at start-up despite the check */
	char *import_glite;	/* --import-glite DIR (command line only) */
	char *doctor_identity;	/* --doctor --identity FILE (command line) */
	char *config_file;	/* --config; only meaningful on the command line */
	int check_config;	/* -n: check and exit */
	unsigned char is_set[OPT__COUNT];	/* 1 when given (cli or file) */
};

/* Outcome of options_parse_args(). */
enum opt_action {
	OPT_ACTION_RUN,
	OPT_ACTION_HELP,
	OPT_ACTION_VERSION,
	OPT_ACTION_IMPORT,	/* --import-glite DIR, then exit */
	OPT_ACTION_DOCTOR	/* --doctor: checklist, then exit */
};

enum conn_state {
	CONN_READ,		/* reading the request frame */
	CONN_WAIT,		/* request run; its answer waits for a commit */
	CONN_WRITE,		/* writing the reply; nothing more is read */
	CONN_LINGER,		/* refused mid-request: reply sent, reading
				   the rest so the close does not reset it */
	CONN_CLOSING		/* reply written or peer gone: free it */
};

/*
 * One client connection, one request. Rules:
 *  (1) The request body is allocated only after its length passed
 *      0 < n <= max_frame (frame_io.h rule 1).
 *  (2) The deadline timer covers the whole exchange (read and write).
 */
struct conn {
	TAILQ_ENTRY(conn) entry;	/* in server.conns */
	struct daemon *d;		/* owner */
	int fd;				/* non-blocking, close-on-exec */
	uid_t uid;			/* SO_PEERCRED at accept */
	gid_t gid;
	pid_t pid;
	int uid_slot;			/* index into server.n_uid */
	enum conn_state state;
	struct frame_reader rd;		/* the request */
	struct frame_writer wr;		/* the reply */
	long long timer;		/* deadline timer id; 0 = none */
	const char *cmd_name;		/* request's command (static), metrics */
	int64_t req_ms;			/* loop_now_ms() when it was complete */
	int unread;			/* refused before its request was read */
	size_t drained;			/* bytes discarded while lingering */
};
TAILQ_HEAD(conn_list, conn);

/* The listening socket and its clients. */
struct server {
	int fd;			/* listening socket; -1 when closed */
	char *path;		/* socket path */
	dev_t dev;		/* identity of the socket file we bound, */
	ino_t ino;		/* so we only ever unlink our own */
	int accepting;		/* 1 while fd is in the loop */
	int max_conns;		/* PR_MAX_CONNS, lowered by RLIMIT_NOFILE */
	int n_conns;		/* open client connections */
	int n_uid[3];		/* open per served uid: [0] euid, [1] root,
				   [2] all allowed others together */
	long long resume_timer;	/* retry accept after EMFILE; 0 = none */
	int64_t log_window_ms;	/* start of the connection-log window */
	int log_lines;		/* connection log lines in that window */
	unsigned long log_suppressed;	/* held back since the window began */
	long long log_timer;	/* logs the suppressed count; 0 = none */
	long long grace_timer;	/* shutdown deadline; 0 = none */
	struct conn_list conns;
};

/* Servers skipped for a while (cooldown.c). */
struct cooldown;
struct cooldown_table {
	struct cooldown *e;	/* COOL_MAX entries once used; NULL before */
	size_t n;		/* entries in use */
};

struct hold_next;		/* store_hold.c: a next attempt kept in memory */
struct renewal;			/* sched_renewal.c: one renewal in flight */
TAILQ_HEAD(renewal_list, renewal);

/* The scheduler: the renewal timer and the renewals it started. */
struct sched {
	long long timer;	/* loop timer id; 0 = none armed */
	int64_t armed_for;	/* Unix seconds the timer is for */
	int held;		/* due work that no worker could take: wait for a kick */
	int enabled;		/* 1: a usable service credential was found */
	char *cert;		/* service credential, resolved at start-up */
	char *key;
	char *cadir;
	struct renewal_list in_flight;	/* one per running worker */
	struct cooldown_table cool;	/* servers skipped until a time */
	int n_store_fail;	/* recordings failed in a row (store_hold.c) */
	int64_t store_hold_until;	/* no renewal starts before; 0 none */
	char store_hold_why[256];	/* the first failure's reason */
	struct hold_next *held_next;	/* store_hold_keep()'s, n_held_next */
	size_t n_held_next;
};

struct run;			/* runner.c: one worker process */
TAILQ_HEAD(run_list, run);

/*
 * What became of a worker: its result (a crash or hang is a failed one),
 * or NULL when it was abandoned at shutdown; dur_ms since it started.
 */
struct renew_result;
typedef void runner_done_fn(void *arg, const struct renew_result *res,
    int64_t dur_ms);

/* Worker processes in flight (runner.c); knows no store and no policy. */
struct runner {
	struct loop *loop;
	char *path;		/* the proxy-renewd-worker executable; NULL: none */
	int max;		/* opts.workers */
	int n_running;		/* workers alive */
	int chld_fd;		/* signalfd for SIGCHLD; -1 none */
	struct run_list running;	/* n_running entries */
};

/* Peers served besides the daemon's uid and root (access.c). */
struct access_list {
	unsigned *uids;		/* --allow-user, resolved; n_uids entries */
	size_t n_uids;
	unsigned *gids;		/* --allow-group, resolved; n_gids entries */
	size_t n_gids;
	mode_t sock_mode;	/* 0600, 0660 (one group) or 0666 */
};

/* What systemd was told (notify.c); all zero without $NOTIFY_SOCKET. */
struct notify {
	int enabled;		/* 1: READY=1 reached a listener */
	long long status_timer;	/* loop timer ids; 0 = none */
	long long watchdog_timer;
	int64_t watchdog_ms;	/* ping period: half of WatchdogSec= */
	int64_t last_renewal;	/* Unix seconds of the last success; 0 none */
};

struct daemon {
	struct options cli;	/* command line as given, kept for SIGHUP */
	struct options opts;	/* live settings (rule 2) */
	struct loop *loop;
	struct store *store;
	struct cred_memo *cred_memo;	/* OpenSSL decoder + last inspections */
	struct batch *batch;		/* group commit of REGISTERs (batch.c) */
	int repo_fd;		/* O_DIRECTORY fd of the repository */
	char *repo_path;	/* canonical absolute path of the repository */
	int lock_fd;		/* flock'ed repository.lock; -1 none */
	int sig_fd;		/* signalfd: TERM INT HUP USR1 */
	int stopping;		/* 1 after SIGTERM/SIGINT */
	uid_t euid;		/* served besides root */
	struct server srv;
	struct sched sched;
	struct runner runner;
	struct access_list access;
	struct notify notify;
	int pid_fd;		/* --pid-file opened before the drop; -1 none */
	struct metrics *metrics;	/* counters for metrics.c */
	struct hooks *hooks;		/* --hook runs (hook.c) */
	struct keygen *keygen;		/* keys made ahead (keygen.c) */
	struct inspector *inspector;	/* REGISTER's parsing (inspector.c) */
	struct cmd_call *call;		/* the request being run (commands.c) */
	struct cmd_parks *parks;	/* requests that wait (commands.c) */
	struct credwatch *watch;	/* MyProxy INFO of stored credentials */
	int64_t memo_load_ms;		/* GET memory's load began; 0 done */
	long long memo_timer;		/* its next load step; 0 none */
};

/* options.c */
int	opt_strtonum(const char *s, int64_t min, int64_t max, int64_t *out);
int	servers_check(const char *spec, struct pr_error *err);
void	options_defaults(struct options *o);
int	options_parse_args(int argc, char **argv, struct options *cli,
	    enum opt_action *action, struct pr_error *err);
int	options_parse_file(const char *path, struct options *o,
	    struct pr_error *err);
int	options_parse_text(const char *name, const char *text, size_t len,
	    struct options *o, struct pr_error *err);
int	options_load(const struct options *cli, struct options *out,
	    struct pr_error *err);
void	options_free(struct options *o);

/* options_table.c */
const char *options_usage(void);
/* 0, or EINVAL naming a missing row, a clash or a default out of range. */
int	options_table_check(struct pr_error *err);

/* server.c */
int	server_listen(struct daemon *d, const char *path, struct pr_error *err);
void	server_start(struct daemon *d);
void	server_shutdown(struct daemon *d);
void	server_close(struct daemon *d);
void	conn_free(struct conn *c);

/* conn_limit.c */
double	conn_request_secs(const struct daemon *d);
void	conn_rearm(struct conn *c);
void	conn_deadline(struct loop *l, long long id, void *arg);
int	conn_make_room(struct daemon *d, int slot, uid_t uid);
struct conn *conn_oldest_waiting(struct daemon *d, int slot);
void	conn_reply_now(int fd, int code, const char *why);
int	conn_drain(int fd, size_t *drained, size_t max_bytes);
int	conn_log_allow(struct daemon *d);
void	conn_log_stop(struct daemon *d);
/* A connection log line, within the per-second budget. */
#define conn_log(d, fn, ...) \
	do { if (conn_log_allow(d)) fn(__VA_ARGS__); } while (0)

/*
 * batch.c: group commit. An answer held for a commit is handed to a
 * batch_reply_fn (which owns out) once the commit returned.
 */
typedef void batch_reply_fn(struct conn *c, int code, char *out, size_t len,
    void *arg);
void	batch_init(struct daemon *d);
void	batch_free(struct daemon *d);
int	batch_begin(struct daemon *d, struct pr_error *err);
void	batch_note(struct daemon *d, const char *created, int renamed,
	    int64_t next_renewal);
void	batch_abort(struct daemon *d);
void	batch_defer(struct daemon *d, struct conn *c, batch_reply_fn *fn,
	    void *arg, char *reply, size_t reply_len, char *log_line);
void	batch_forget(struct daemon *d, const struct conn *c);
void	batch_flush(struct daemon *d);

/* commands.c */
int	commands_submit(struct daemon *d, struct conn *c, const char *buf,
	    size_t len, char **out, size_t *out_len, batch_reply_fn *later,
	    void *arg, int *deferred);
int	commands_handle(struct daemon *d, struct conn *c, const char *buf,
	    size_t len, char **out, size_t *out_len);
void	commands_error_reply(int code, const char *message, char **out,
	    size_t *out_len);
int	commands_self_check(void);
/*
 * A command that waits for something outside the loop pass (REGISTER for
 * its proxy's inspection) parks its request: commands_can_park() says
 * whether it may (a client waits: not in commands_handle), commands_park()
 * keeps the request (now the park's) and the client's answer waits for
 * commands_resume(), which answers, logs and frees as commands_submit
 * would have. A client gone meanwhile is forgotten (commands_forget, from
 * conn_free): the request still runs, unanswered, as batch.c rule 4.
 */
struct cmd_park;
int	commands_can_park(const struct daemon *d);
struct cmd_park *commands_park(struct daemon *d);
const struct pr_request *commands_park_request(const struct cmd_park *p);
void	commands_resume(struct cmd_park *p, int code, struct pr_msg *body,
	    const struct pr_error *err);
void	commands_forget(struct daemon *d, const struct conn *c);
/* Reply bodies (one-line values; fatal only on an impossible key). */
void	body_add(struct pr_msg *m, const char *key, const char *value);
void	body_add_int(struct pr_msg *m, const char *key, int64_t value);
/* One key=line for each non-empty line of text (NULL: none). */
void	body_add_lines(struct pr_msg *m, const char *key, const char *text);
/*
 * A reply listing many entries (STATUS_ALL, HISTORY) stays below
 * PR_REPLY_LIST_MAX_BYTES: entries past it are counted, never cut.
 */
struct body_list {
	struct pr_msg *body;
	size_t bytes;		/* payload so far, about */
	size_t first;		/* body->n_kv when the entry began */
	int64_t n_omitted;	/* entries left out */
};
/* 1: add the entry, then body_list_end(); 0: it is counted as omitted. */
int	body_list_begin(struct body_list *l);
void	body_list_end(struct body_list *l);
/* Proxy_name (absolute), Start_time, End_time, Renewal_time, servers. */
struct store_proxy;
void	body_add_proxy(const struct daemon *d, struct pr_msg *body,
	    const struct store_proxy *p);
/* The stored file name a client's Proxy_name denotes, or NULL. */
const char *repo_file_of(const struct daemon *d, const char *proxy_name);

/* register.c: REGISTER. */
int	register_command(struct daemon *d, const struct pr_request *req,
	    struct pr_msg *body, struct pr_error *err);

/* status.c: STATUS and STATUS_ALL. */
const char *status_class(const struct daemon *d, const struct store_proxy *p);
int	status_command(struct daemon *d, const struct pr_request *req,
	    struct pr_msg *body, struct pr_error *err);
int	status_all_command(struct daemon *d, const struct pr_request *req,
	    struct pr_msg *body, struct pr_error *err);

/* history.c: the renewal audit trail (HISTORY, the rows of attempts). */
struct renew_result;
struct store_attempt;
int	history_command(struct daemon *d, const struct pr_request *req,
	    struct pr_msg *body, struct pr_error *err);
/* Every server an attempt tried, one "host:port outcome[: text]" a line
 * (skipped: the cooling-down servers passed over); "" when none. */
void	history_servers_text(const struct renew_result *res,
	    const char *skipped, char *buf, size_t size);
/* The row of an attempt; a's strings point into res and servers_buf. */
void	history_attempt_of(struct store_attempt *a,
	    const struct renew_result *res, const char *skipped, int64_t now,
	    int64_t dur_ms, int64_t ac_end, char *servers_buf, size_t size);

/* sched.c: the timer, due proxies, expiry, RENEW_ALL */
void	sched_init(struct daemon *d);
void	sched_note(struct daemon *d, int64_t next_renewal);
void	sched_kick(struct daemon *d);
int	sched_next_due(struct daemon *d, int64_t *id, int64_t *when,
	    struct pr_error *err);
int	sched_renew_all(struct daemon *d, int64_t *n, struct pr_error *err);
void	sched_recover(struct daemon *d);
void	sched_stop(struct daemon *d);

/* sched_setup.c: service credential, worker, VOMS paths */
int	sched_renewal_check(struct daemon *d, struct pr_error *err);
void	sched_voms_paths(const struct options *o, const char **dir,
	    const char **ses);
struct store_proxy;
struct renew_job;
struct renew_server;
/*
 * What every worker request about p shares (a renewal's, an INFO's): its
 * servers (parsed into srv, *n_srv of them; those cooling down go to skip
 * and are named in why), the service credential, fds handed, and each
 * server's share of the hard timeout.
 */
void	sched_job_base(struct daemon *d, const struct store_proxy *p,
	    const char *proxy_path, struct renew_job *job,
	    struct renew_server *srv, size_t *n_srv, const char **skip,
	    char *why, size_t why_size);

/* sched_renewal.c: one renewal, from due to recorded */
struct store_proxy;
int	sched_renewal_start(struct daemon *d, struct store_proxy *p,
	    struct pr_error *err);
int64_t	sched_renewal_again_all(struct daemon *d);
void	sched_renewal_shutdown(struct daemon *d);

/* store_hold.c: renewals held while the repository cannot be written. */
void	store_hold_failed(struct daemon *d, int64_t now, const char *why);
void	store_hold_recorded(struct daemon *d);
/* The time renewals are held until, or 0 when they are not. */
int64_t	store_hold_until(const struct daemon *d, int64_t now);
/* Why, while a hold lasts (also after its time until a success); or NULL. */
const char *store_hold_reason(const struct daemon *d);
/* A failure the store could not record: its next attempt, in memory. */
void	store_hold_keep(struct daemon *d, int64_t id, int64_t next);
/* The proxy is handed out again (or gone): forget what was kept of it (1). */
int	store_hold_drop(struct daemon *d, int64_t id);
/* 1 when a next attempt of proxy id is kept (its stored one is stale). */
int	store_hold_is_kept(const struct daemon *d, int64_t id);
/* The earliest kept next attempt: 0 with id and when, -1 when none. */
int	store_hold_next(const struct daemon *d, int64_t *id, int64_t *when);
void	store_hold_free(struct daemon *d);

/* sched_policy.c: pure arithmetic, Unix seconds. */
int64_t	sched_renew_at(int64_t expiry, int64_t obtained, int64_t condor_limit,
	    int64_t now);
/* rule (4) of sched_policy.c: at, earlier by jitter mod a few % of T-now */
int64_t	sched_jitter(int64_t at, int64_t expiry, int64_t now, uint32_t jitter);
int64_t	sched_backoff(int n_failures, int64_t min, int64_t max,
	    uint32_t jitter);

/* cooldown.c */
struct renew_server;
void	cool_note_result(struct cooldown_table *t,
	    const struct renew_result *res, int64_t period_sec);
size_t	cool_skip_servers(struct cooldown_table *t,
	    const struct renew_server *srv, size_t n, const char **skip,
	    char *why, size_t why_size);
size_t	cool_skip_voms(struct cooldown_table *t, const char **skip,
	    size_t n_skip, size_t max, char *why, size_t why_size);
void	cool_free(struct cooldown_table *t);
/* Milliseconds name still cools down; 0 when it does not. */
int64_t	cool_left_ms(const struct cooldown_table *t, const char *name);
/* The next server cooling down from index *i on (advanced), or NULL. */
const char *cool_nth_cooling(const struct cooldown_table *t, size_t *i);

/* runner.c (fds: NULL, or the worker's fds 3, 4, 5; -1 for none) */
void	runner_init(struct runner *r, struct loop *l, int max);
int	runner_start(struct runner *r, unsigned char *req, size_t req_len,
	    const int *fds, int64_t timeout_sec, runner_done_fn *done,
	    void *arg, struct pr_error *err);
int	runner_pid_of(const struct runner *r, const void *arg);
void	runner_shutdown(struct runner *r);

/* access.c */
int	access_init(struct access_list *a, const struct options *o,
	    struct pr_error *err);
void	access_free(struct access_list *a);
int	access_peer_allowed(const struct access_list *a, int fd, uid_t uid,
	    gid_t gid);
int	access_socket_mode(const struct access_list *a, const char *path,
	    dev_t dev, ino_t ino, struct pr_error *err);

/* glite_import.c: --import-glite; the repository is open and locked */
int	glite_import(struct daemon *d, const char *gdir, FILE *out,
	    struct pr_error *err);

/* privdrop.c */
int	privdrop(struct options *o, struct pr_error *err);

/* notify.c: sd_notify(3); no-ops without $NOTIFY_SOCKET */
void	notify_ready(struct daemon *d);
void	notify_reloading(struct daemon *d);
void	notify_reloaded(struct daemon *d);
void	notify_stopping(struct daemon *d);
void	notify_renewed(struct daemon *d, int64_t when);
void	notify_stop(struct daemon *d);

/* metrics.c: Prometheus text from memory and the store. */
void	metrics_init(struct daemon *d);
void	metrics_free(struct daemon *d);
void	metrics_note_request(struct daemon *d, const char *cmd, int code,
	    int64_t dur_ms);
/* A renewal attempt: code 0 or its failure, class (failure_class.h). */
void	metrics_note_attempt(struct daemon *d, int code, int cls,
	    int64_t dur_ms);
struct renew_result;
/* Per server: the attempt's server answers and failures. */
void	metrics_note_servers(struct daemon *d, const struct renew_result *res);
int	metrics_render(struct daemon *d, char **out, size_t *len,
	    struct pr_error *err);
long long *metrics_file_timer(struct daemon *d);
char	**metrics_file_error(struct daemon *d);

/* metrics_reply.c: METRICS, within PR_METRICS_REPLY_MAX_BYTES. */
int	metrics_command(struct daemon *d, const struct pr_request *req,
	    struct pr_msg *body, struct pr_error *err);
/*
 * 0 when text_len bytes of metrics in n_lines lines fit a METRICS reply of
 * max_bytes; else PR_ERR_GENERIC with the reason and the way out in err.
 */
int	metrics_reply_check(size_t text_len, size_t n_lines, size_t max_bytes,
	    struct pr_error *err);

/* metrics_file.c: --metrics-file, rewritten every --metrics-interval. */
void	metrics_file_write(struct daemon *d);
void	metrics_file_start(struct daemon *d);
void	metrics_file_stop(struct daemon *d);

/* memo_load.c: GET's memory (store_memo_enable), loaded between requests. */
void	memo_load_start(struct daemon *d);
void	memo_load_stop(struct daemon *d);

/* credwatch.c: the long-term credential watch (MyProxy INFO). */
void	credwatch_init(struct daemon *d);
/* An INFO of identity is wanted by `when` (row written by the caller). */
void	credwatch_note(struct daemon *d, int64_t when);
/* A worker slot freed: re-read the earliest INFO due and arm for it,
 * unless the watch is armed for that already (or nothing is watched). */
void	credwatch_kick(struct daemon *d);
/* The INFO worker in flight, or 0 (for runner_pid_of in tests). */
int	credwatch_busy(const struct daemon *d);
void	credwatch_shutdown(struct daemon *d);
void	credwatch_free(struct daemon *d);
/* The warning lead times of the settings (checked by options.c). */
size_t	credwatch_leads(const struct daemon *d, int64_t *leads);
/* credwatch_result.c: the stored credential's end for identity, or 0. */
int64_t	credwatch_end_of(const struct daemon *d, const char *identity_hash);

/* main.c */
void	daemon_reload(struct daemon *d);

#endif /* PR_DAEMON_H */
