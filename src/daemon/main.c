/*
 * main.c: proxy-renewd start-up, signals and shutdown. Owns the one
 * struct daemon and everything it points to.
 *
 * Start-up order: settings; logging to stderr; the pid file (opened while
 * still root); the drop to --user (privdrop.c); repository directory;
 * listening socket (so "another daemon is running" reaches the terminal);
 * detach unless -d or -F; store, loop, signals, scheduler; then tell the
 * waiting parent (or systemd: notify.c) we are ready and, detached, switch
 * logging to syslog. The parent exits 0 only after that, so a failed start
 * gives a non-zero exit status and its reason on the terminal.
 *
 * Signals arrive through a signalfd in the loop (they are blocked, so no
 * handler ever runs): TERM/INT stop, HUP reloads the config, USR1 renews
 * everything now. Children (the renewal workers) must unblock them.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "confine.h"
#include "cred.h"
#include "daemon.h"
#include "doctor.h"
#include "hook.h"
#include "inspect_wire.h"
#include "inspector.h"
#include "keygen.h"
#include "pr_limits.h"
#include "log.h"
#include "loop.h"
#include "repo_files.h"
#include "repo_lock.h"
#include "clock_check.h"
#include "store.h"
#include "xmalloc.h"

#define LOG_TAG		"proxy-renewd"

/*
 * First thing: this process will hold private keys in memory, so no core
 * file and no ptrace by other processes of our uid; and descriptors
 * inherited from whoever started us are closed (stdin/out/err stay).
 */
static void
daemon_harden(void)
{
	const struct rlimit none = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &none) == -1)
		fatal("setrlimit RLIMIT_CORE");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl PR_SET_DUMPABLE");
	if (close_range(STDERR_FILENO + 1, ~0U, 0) == -1)
		fatal("close_range");
}

/* Make *p absolute against the current directory (we chdir("/") later). */
static void
make_absolute(char **p)
{
	char *cwd, *abs;

	if (*p == NULL || (*p)[0] == '/')
		return;
	if ((cwd = getcwd(NULL, 0)) == NULL)
		fatal("getcwd");
	abs = xasprintf("%s/%s", cwd, *p);
	free(cwd);
	free(*p);
	*p = abs;
}

static void
daemon_open_repository(struct daemon *d)
{
	struct pr_error err;

	pr_error_clear(&err);
	if ((d->repo_fd = repo_open_dir(d->opts.repository, &err)) == -1)
		fatalx("%s", err.msg);
	if ((d->repo_path = realpath(d->opts.repository, NULL)) == NULL)
		fatal("realpath %s", d->opts.repository);
	/* Before anything in it is touched: another daemon's files stay. */
	if ((d->lock_fd = repo_lock(d->repo_fd, d->repo_path, &err)) == -1)
		fatalx("refusing to start: %s", err.msg);
}

/*
 * Before anything is expired at start-up (clock_check.h): a clock far
 * ahead of the repository's last write that would expire proxies valid
 * then is refused, unless --trust-clock says the downtime was real.
 */
static int
daemon_check_clock(struct daemon *d, int64_t last_write, struct pr_error *err)
{
	struct clock_check cc = { last_write, 0, 0 };
	int64_t now = (int64_t)time(NULL);
	int rc;

	if ((rc = clock_check_records(d->store, now, &cc, err)) != 0)
		return rc;
	if (!clock_check_suspect(&cc, now, PR_CLOCK_JUMP_MAX_SEC))
		return 0;
	if (d->opts.trust_clock) {
		log_warnx("clock check: now (%lld) is %lld s after the "
		    "repository's last write; --trust-clock: expiring %lld of "
		    "%lld proxies", (long long)now, (long long)(now -
		    cc.last_write), (long long)cc.n_would_expire,
		    (long long)cc.n_live);
		return 0;
	}
	return pr_error_set(err, ERANGE, "refusing to start: the clock says "
	    "%lld, %lld s (more than %d days) after the repository's last write "
	    "at %lld, and %lld of the %lld proxies valid then would be deleted "
	    "as expired; if the clock is wrong, fix it; if the daemon was "
	    "really down that long, start it once with --trust-clock",
	    (long long)now, (long long)(now - cc.last_write),
	    PR_CLOCK_JUMP_MAX_SEC / 86400, (long long)cc.last_write,
	    (long long)cc.n_would_expire, (long long)cc.n_live);
}

/* Fork; the parent waits for the child's "ready" byte and exits with it. */
static int
daemon_detach(void)
{
	int p[2];
	char c;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe2");
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		(void)close(p[0]);
		if (setsid() == -1)
			fatal("setsid");
		return p[1];
	default:
		(void)close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n == -1 && errno == EINTR);
		_exit(n == 1 ? 0 : 1);
	}
}

/* Child of daemon_detach(): from now on syslog only, no terminal. */
static void
daemon_ready(int ready_fd, int debug)
{
	int fd;

	log_init(LOG_TAG, 0, debug);
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		fatal("/dev/null");
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		fatal("dup2");
	if (fd > STDERR_FILENO)
		(void)close(fd);
	if (write(ready_fd, "1", 1) != 1)
		fatal("telling the parent we are ready");
	(void)close(ready_fd);
}

/* Before the drop: /run is root's. Written once we know our final pid. */
static void
daemon_open_pid(struct daemon *d)
{
	if (d->opts.pid_file == NULL)
		return;
	d->pid_fd = open(d->opts.pid_file, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0644);
	if (d->pid_fd == -1)
		fatal("pid file %s", d->opts.pid_file);
}

static void
daemon_write_pid(struct daemon *d)
{
	if (d->pid_fd == -1)
		return;
	if (dprintf(d->pid_fd, "%ld\n", (long)getpid()) < 0)
		fatal("pid file %s", d->opts.pid_file);
	if (close(d->pid_fd) == -1)
		fatal("pid file %s", d->opts.pid_file);
	d->pid_fd = -1;
}

/* Who runs and who is served are fixed at start-up (privdrop, access). */
static void
daemon_keep_restart_only(const struct daemon *d, struct options *o)
{
	static const size_t offs[] = { offsetof(struct options, user),
	    offsetof(struct options, allow_user),
	    offsetof(struct options, allow_group) };
	size_t i;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		char **to = (char **)(void *)((char *)o + offs[i]);
		char *const *from = (char *const *)(const void *)
		    ((const char *)&d->opts + offs[i]);

		if ((*to == NULL) != (*from == NULL) ||
		    (*to != NULL && strcmp(*to, *from) != 0))
			log_warnx("reload: user and allow-list changes need a "
			    "restart");
		free(*to);
		*to = *from != NULL ? xstrdup(*from) : NULL;
	}
	o->run_as_root = d->opts.run_as_root;
}

/* SIGHUP: reload; settings that need a restart keep their old value. */
void
daemon_reload(struct daemon *d)
{
	struct options o;
	struct pr_error err;

	pr_error_clear(&err);
	notify_reloading(d);
	if (options_load(&d->cli, &o, &err) != 0) {
		log_warnx("reload: %s; keeping the current settings", err.msg);
		notify_reloaded(d);
		return;
	}
	make_absolute(&o.socket_path);
	make_absolute(&o.metrics_file);
	if (strcmp(o.repository, d->opts.repository) != 0)
		log_warnx("reload: repository changes need a restart");
	if (strcmp(o.socket_path, d->opts.socket_path) != 0)
		log_warnx("reload: socket changes need a restart");
	free(o.repository);
	o.repository = xstrdup(d->opts.repository);
	free(o.socket_path);
	o.socket_path = xstrdup(d->opts.socket_path);
	free(o.pid_file);
	o.pid_file = d->opts.pid_file ? xstrdup(d->opts.pid_file) : NULL;
	o.debug = d->opts.debug;
	o.foreground = d->opts.foreground;
	daemon_keep_restart_only(d, &o);
	options_free(&d->opts);
	d->opts = o;
	d->runner.max = (int)o.workers;
	store_set_history_keep(d->store, (int)o.history);
	metrics_file_start(d);
	hook_configure(d, d->opts.hook, d->opts.hook_timeout);
	log_info("reloaded settings%s%s", o.config_file ? " from " : "",
	    o.config_file ? o.config_file : "");
	notify_reloaded(d);
}

static void
daemon_signal(struct loop *l, int fd, int events, void *arg)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;
	struct pr_error err;
	int64_t n;
	ssize_t r;

	(void)l;
	(void)events;
	while ((r = read(fd, &si, sizeof(si))) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			if (d->stopping)
				break;
			log_info("signal %u: shutting down", si.ssi_signo);
			d->stopping = 1;
			notify_stopping(d);
			sched_stop(d);
			server_shutdown(d);
			break;
		case SIGHUP:
			daemon_reload(d);
			break;
		case SIGUSR1:
			pr_error_clear(&err);
			if (sched_renew_all(d, &n, &err) != 0)
				log_warnx("SIGUSR1: %s", err.msg);
			else
				log_info("SIGUSR1: %lld proxies due now",
				    (long long)n);
			break;
		}
	}
	if (r == -1 && errno != EAGAIN && errno != EINTR)
		fatal("read signalfd");
}

static void
daemon_signals(struct daemon *d)
{
	sigset_t set;

	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal SIGPIPE");
	if (sigemptyset(&set) == -1 || sigaddset(&set, SIGTERM) == -1 ||
	    sigaddset(&set, SIGINT) == -1 || sigaddset(&set, SIGHUP) == -1 ||
	    sigaddset(&set, SIGUSR1) == -1)
		fatal("sigset");
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask");
	if ((d->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	if (loop_add_fd(d->loop, d->sig_fd, LOOP_READ, daemon_signal, d) == -1)
		fatal("loop_add_fd");
}

static void
daemon_cleanup(struct daemon *d)
{
	sched_stop(d);
	credwatch_shutdown(d);
	memo_load_stop(d);
	metrics_file_stop(d);
	hook_shutdown(d);
	inspector_stop(d);	/* parked REGISTERs fail: nothing stored */
	batch_free(d);		/* commits what waits, answers who waits */
	notify_stop(d);
	sched_renewal_shutdown(d);
	keygen_stop(d);
	credwatch_free(d);
	server_close(d);
	if (d->sig_fd != -1)
		(void)close(d->sig_fd);
	loop_free(d->loop);
	metrics_free(d);
	if (d->store != NULL)
		store_close(d->store);
	cred_memo_free(d->cred_memo);
	free(d->parks);		/* empty: inspector_stop resumed them all */
	if (d->repo_fd != -1)
		(void)close(d->repo_fd);
	if (d->lock_fd != -1)
		(void)close(d->lock_fd);	/* releases the repository */
	if (d->opts.pid_file != NULL && unlink(d->opts.pid_file) == -1 &&
	    errno != ENOENT)
		log_warn("unlink %s", d->opts.pid_file);
	free(d->repo_path);
	access_free(&d->access);
	options_free(&d->opts);
	options_free(&d->cli);
}

/*
 * Open what needs root, drop to --user (or refuse root), resolve the allow
 * lists. The default socket is the final user's: /tmp/dgpr_renew_<uid>.
 */
static void
daemon_become_user(struct daemon *d)
{
	struct pr_error err;
	uid_t before = geteuid();

	pr_error_clear(&err);
	daemon_open_pid(d);
	if (privdrop(&d->opts, &err) != 0)
		fatalx("%s", err.msg);
	if (geteuid() != before) {
		log_info("running as user %s (uid %u)", d->opts.user,
		    (unsigned)geteuid());
		if (!d->opts.is_set[OPT_SOCKET]) {
			free(d->opts.socket_path);
			d->opts.socket_path = xasprintf("%s%u", PR_SOCKET_PREFIX,
			    (unsigned)geteuid());
		}
	}
	if (access_init(&d->access, &d->opts, &err) != 0)
		fatalx("%s", err.msg);
}

/*
 * --import-glite DIR: into the repository opened and locked as for serving
 * (so no daemon runs on it), as the user the daemon would run as; the
 * report goes to stdout. Exits 0, or 1 when the import was refused.
 */
static _Noreturn void
daemon_import(struct daemon *d)
{
	struct pr_error err;
	int rc;

	pr_error_clear(&err);
	if (store_open(d->repo_path, &d->store, &err) != 0)
		fatalx("%s", err.msg);
	if ((rc = glite_import(d, d->opts.import_glite, stdout, &err)) != 0)
		log_warnx("import refused: %s", err.msg);
	(void)fflush(stdout);
	store_close(d->store);
	(void)close(d->lock_fd);
	(void)close(d->repo_fd);
	free(d->repo_path);
	access_free(&d->access);
	options_free(&d->opts);
	options_free(&d->cli);
	exit(rc == 0 ? 0 : 1);
}

static _Noreturn void
usage_error(struct options *cli, const char *msg)
{
	fprintf(stderr, "proxy-renewd: %s\ntry 'proxy-renewd --help'\n", msg);
	options_free(cli);
	exit(2);
}

/* Once: what the kernel lets the renewal workers confine (confine.h). */
static void
log_worker_confinement(void)
{
	int abi = confine_landlock_abi();

	if (abi > 0)
		log_info("renewal workers are confined: Landlock ABI %d, "
		    "seccomp allow-list, resource limits", abi);
	else
		log_warnx("no Landlock here (kernel without it, disabled, or "
		    "landlock_create_ruleset refused by a system call "
		    "filter): renewal workers run without filesystem "
		    "confinement (seccomp allow-list and resource limits "
		    "only)");
}

/* Parse and load the options; -1 to go on, else the exit status. */
static int
main_options(struct daemon *d, int argc, char **argv, enum opt_action *action)
{
	struct pr_error err;
	int rc = 0;

	pr_error_clear(&err);
	if (options_parse_args(argc, argv, &d->cli, action, &err) != 0)
		usage_error(&d->cli, err.msg);
	if (*action == OPT_ACTION_HELP || *action == OPT_ACTION_VERSION) {
		if (*action == OPT_ACTION_HELP)
			fputs(options_usage(), stdout);
		else
			printf("proxy-renewd %s\n", PR_VERSION);
		options_free(&d->cli);
		return 0;
	}
	make_absolute(&d->cli.config_file);
	make_absolute(&d->cli.socket_path);
	make_absolute(&d->cli.pid_file);
	make_absolute(&d->cli.metrics_file);
	if (options_load(&d->cli, &d->opts, &err) != 0)
		usage_error(&d->cli, err.msg);
	if (*action == OPT_ACTION_DOCTOR || d->opts.check_config) {
		if (*action == OPT_ACTION_DOCTOR)
			rc = doctor_run(&d->opts, stdout);
		else
			puts("configuration OK");
		options_free(&d->opts);
		options_free(&d->cli);
		return rc;
	}
	make_absolute(&d->opts.socket_path);
	make_absolute(&d->opts.pid_file);
	make_absolute(&d->opts.metrics_file);
	return -1;
}

/* The store is open: start every subsystem, then say the daemon is ready. */
static void
main_start(struct daemon *d, int ready_fd)
{
	if ((d->cred_memo = cred_memo_new()) == NULL)
		fatalx("OpenSSL: cannot make a key decoder");
	sched_recover(d);
	if ((d->loop = loop_new()) == NULL)
		fatal("epoll_create1");
	batch_init(d);
	metrics_init(d);
	hook_init(d, d->opts.hook, d->opts.hook_timeout);
	daemon_signals(d);
	sched_init(d);
	keygen_start(d);
	inspector_start(d);
	credwatch_init(d);
	memo_load_start(d);
	server_start(d);
	daemon_write_pid(d);
	log_info("proxy-renewd %s: repository %s, socket %s", PR_VERSION,
	    d->repo_path, d->srv.path);
	log_worker_confinement();
	if (d->opts.order_attributes)
		log_info("-O (--order-attributes) has no effect: the order of "
		    "VOMS attributes is always kept");
	if (ready_fd != -1)
		daemon_ready(ready_fd, d->opts.debug);
	notify_ready(d);
	metrics_file_write(d);
	metrics_file_start(d);
}

int
main(int argc, char **argv)
{
	struct daemon d;
	struct pr_error err;
	enum opt_action action;
	int64_t last_write;
	int ready_fd = -1, rc;

	daemon_harden();
	if (argc == 3 && strcmp(argv[1], KEYGEN_CHILD_ARG) == 0)
		return keygen_child_main(argv[2]);	/* keygen.c starts it */
	if (argc == 2 && strcmp(argv[1], INSPECT_CHILD_ARG) == 0)
		return inspect_child_main();	/* inspector.c starts it */
	memset(&d, 0, sizeof(d));
	d.srv.fd = -1;
	d.repo_fd = -1;
	d.lock_fd = -1;
	d.sig_fd = -1;
	d.pid_fd = -1;
	if ((rc = main_options(&d, argc, argv, &action)) != -1)
		return rc;
	if (commands_self_check() != 0)
		fatalx("internal error: inconsistent command table");
	pr_error_clear(&err);
	if (options_table_check(&err) != 0)
		fatalx("internal error: option table: %s", err.msg);
	log_init(LOG_TAG, 1, d.opts.debug);
	daemon_become_user(&d);
	d.euid = geteuid();
	daemon_open_repository(&d);
	if (action == OPT_ACTION_IMPORT)
		daemon_import(&d);
	if (sched_renewal_check(&d, &err) != 0)
		fatalx("refusing to start: %s", err.msg);
	if (server_listen(&d, d.opts.socket_path, &err) != 0)
		fatalx("%s", err.msg);
	if (!d.opts.debug && !d.opts.foreground)
		ready_fd = daemon_detach();
	if (repo_lock_write_pid(d.lock_fd, &err) != 0)
		log_warnx("%s", err.msg);
	last_write = clock_check_files(d.repo_fd);	/* before the store writes */
	if (store_open(d.repo_path, &d.store, &err) != 0 ||
	    daemon_check_clock(&d, last_write, &err) != 0) {
		log_warnx("%s", err.msg);
		daemon_cleanup(&d);
		return 1;
	}
	store_set_history_keep(d.store, (int)d.opts.history);
	main_start(&d, ready_fd);
	if (loop_run(d.loop) == -1)
		log_warn("epoll_wait");
	log_info("stopped");
	daemon_cleanup(&d);
	return 0;
}
