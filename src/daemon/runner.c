/*
 * runner.c: runs renewal worker processes for the master. It starts a
 * worker with a request frame, feeds it and reads its result through the
 * event loop, enforces the deadline, reaps it, and hands what became of it
 * (the worker's result, or why there is none) to a completion callback.
 * It knows the worker contract (renew_contract.h) and nothing else: no
 * store, no repository, no policy.
 *
 * Rules:
 *  (1) At most runner.max workers run; runner_start() answers EAGAIN
 *      beyond that.
 *  (2) The master never blocks on a worker: the socket is non-blocking and
 *      driven by the loop; exits arrive through a SIGCHLD signalfd and are
 *      reaped with waitpid(pid, WNOHANG) for our own pids only.
 *  (3) Every started run ends in exactly one call of its callback, with a
 *      result (a crash, a hang or a broken frame is a failed result), or
 *      with NULL when runner_shutdown() abandoned it.
 */
#include <sys/types.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "loop.h"
#include "frame_io.h"
#include "renew_contract.h"
#include "xmalloc.h"

struct run {
	TAILQ_ENTRY(run) entry;		/* in runner.running */
	struct runner *r;
	runner_done_fn *done;		/* completion callback */
	void *arg;
	pid_t pid;
	int fd;				/* our end of the socketpair; -1 closed */
	struct frame_writer wr;		/* the request frame */
	int req_done;			/* sent, or the worker is gone */
	struct frame_reader rd;		/* the result frame */
	char *res;			/* its payload once complete */
	size_t res_len;
	int bad_frame;			/* result too long, or more after it */
	int exited;			/* reaped: status valid */
	int status;			/* waitpid status */
	int timed_out;			/* we sent SIGKILL at the deadline */
	int64_t timeout_sec;		/* the deadline, for the message */
	long long timer;		/* deadline timer; 0 = none */
	int64_t started_ms;		/* loop_now_ms() at spawn */
};

static void
run_close(struct run *w)
{
	if (w->fd != -1) {
		loop_del_fd(w->r->loop, w->fd);
		(void)close(w->fd);
		w->fd = -1;
	}
	if (w->timer != 0)
		loop_del_timer(w->r->loop, w->timer);
	w->timer = 0;
}

static void
run_free(struct run *w)
{
	run_close(w);
	frame_writer_free(&w->wr);
	frame_reader_free(&w->rd);
	free(w->res);
	free(w);
}

/* Read what the worker sent; 1 at EOF (or a broken frame), else 0. */
static int
run_read(struct run *w)
{
	struct pr_error err;
	ssize_t n;
	char c;

	if (w->res == NULL) {
		switch (frame_reader_step(&w->rd, w->fd, &err)) {
		case FRAME_PENDING:
			return 0;
		case FRAME_COMPLETE:
			w->res = frame_reader_take(&w->rd, &w->res_len);
			break;
		case FRAME_BAD:
			w->bad_frame = 1;
			return 1;
		default:	/* EOF or a read error: the exit tells */
			return 1;
		}
	}
	/* a complete frame: expect EOF */
	while ((n = read(w->fd, &c, 1)) == -1 && errno == EINTR)
		;
	if (n > 0)
		w->bad_frame = 1;
	return n == -1 && errno == EAGAIN ? 0 : 1;
}

static void
run_io(struct loop *l, int fd, int events, void *arg)
{
	struct run *w = arg;
	struct pr_error err;

	/* sent, or the worker died (its exit tells): now read */
	if ((events & LOOP_WRITE) && !w->req_done &&
	    frame_writer_step(&w->wr, fd, &err) != FRAME_PENDING) {
		w->req_done = 1;
		if (loop_add_fd(l, fd, LOOP_READ, run_io, w) == -1)
			fatal("loop_add_fd");
	}
	if ((events & LOOP_READ) && run_read(w))
		loop_del_fd(l, fd);	/* EOF: wait for the exit */
}

static void
run_deadline(struct loop *l, long long id, void *arg)
{
	struct run *w = arg;

	(void)l;
	(void)id;
	w->timer = 0;
	if (w->exited)
		return;
	w->timed_out = 1;
	if (kill(w->pid, SIGKILL) == -1)
		log_warn("kill worker %ld", (long)w->pid);
}

/* What the worker said, or why it said nothing (rule 3: never fatal). */
static void
run_result(const struct run *w, struct renew_result *res)
{
	struct pr_error err;
	const char *sig;
	int st = w->status;

	memset(res, 0, sizeof(*res));
	pr_error_clear(&err);
	if (w->timed_out) {
		res->code = PR_ERR_TIMEOUT;
		(void)snprintf(res->msg, sizeof(res->msg), "worker killed after "
		    "its hard timeout of %lld s", (long long)w->timeout_sec);
	} else if (w->res != NULL && !w->bad_frame) {
		if (renew_result_parse(w->res, w->res_len, res, &err) != 0) {
			res->code = PR_ERR_PROTO_PARSE;
			(void)snprintf(res->msg, sizeof(res->msg), "malformed "
			    "worker result: %.400s", err.msg);
		} else if (res->code == 0 && (!WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)) {
			res->code = PR_ERR_GENERIC;
			(void)snprintf(res->msg, sizeof(res->msg), "worker "
			    "reported success but did not exit 0");
		}
	} else if (WIFSIGNALED(st)) {
		sig = sigabbrev_np(WTERMSIG(st));
		res->code = PR_ERR_GENERIC;
		(void)snprintf(res->msg, sizeof(res->msg), "worker died of "
		    "signal %d (SIG%s)", WTERMSIG(st), sig ? sig : "?");
	} else {
		res->code = PR_ERR_GENERIC;
		(void)snprintf(res->msg, sizeof(res->msg), "worker exited with "
		    "status %d without a %sresult", WIFEXITED(st) ?
		    WEXITSTATUS(st) : -1, w->bad_frame ? "well-formed " : "");
	}
}

/* A worker was reaped: take it off the list, tell its owner, free it. */
static void
run_finish(struct run *w)
{
	struct runner *r = w->r;
	struct renew_result res;

	if (w->fd != -1)
		(void)run_read(w);	/* all it wrote is queued */
	run_close(w);
	TAILQ_REMOVE(&r->running, w, entry);
	r->n_running--;
	run_result(w, &res);
	w->done(w->arg, &res, loop_now_ms() - w->started_ms);
	run_free(w);
}

/* SIGCHLD: reap our workers that exited and finish them. */
static void
runner_sigchld(struct loop *l, int fd, int events, void *arg)
{
	struct runner *r = arg;
	struct signalfd_siginfo si;
	struct run *w, *next;
	pid_t pid;
	int st;

	(void)l;
	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		;
	for (w = TAILQ_FIRST(&r->running); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		do
			pid = waitpid(w->pid, &st, WNOHANG);
		while (pid == -1 && errno == EINTR);
		if (pid == 0)
			continue;
		if (pid == -1) {	/* not ours any more: cannot happen */
			log_warn("waitpid %ld", (long)w->pid);
			st = 0;
		}
		w->exited = 1;
		w->status = st;
		run_finish(w);
	}
}

/*
 * Socketpair, process (fds, when not NULL: the current proxy, the output
 * file and the new key's pipe or -1, handed as the worker's fds 3, 4, 5),
 * loop registration, deadline.
 */
static int
run_spawn(struct runner *r, struct run *w, const int *fds,
    struct pr_error *err)
{
	int sv[2], rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return pr_error_set(err, errno, "socketpair: %s",
		    strerror(errno));
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1) {
		rc = pr_error_set(err, errno, "fcntl: %s", strerror(errno));
		(void)close(sv[0]);
		(void)close(sv[1]);
		return rc;
	}
	rc = fds != NULL ? renew_worker_spawn_fds(r->path, sv[1], fds[0],
	    fds[1], fds[2], &w->pid, err) : renew_worker_spawn(r->path, sv[1], &w->pid,
	    err);
	(void)close(sv[1]);
	if (rc != 0) {
		(void)close(sv[0]);
		return rc;
	}
	w->fd = sv[0];
	w->started_ms = loop_now_ms();
	if (loop_add_fd(r->loop, w->fd, LOOP_READ | LOOP_WRITE, run_io, w) ==
	    -1)
		fatal("loop_add_fd");
	w->timer = loop_add_timer(r->loop, w->timeout_sec * 1000,
	    run_deadline, w);
	return 0;
}

int
runner_start(struct runner *r, unsigned char *req, size_t req_len,
    const int *fds, int64_t timeout_sec, runner_done_fn *done, void *arg,
    struct pr_error *err)
{
	struct run *w;
	int rc;

	if (r->n_running >= r->max) {
		free(req);
		return pr_error_set(err, EAGAIN, "all %d renewal workers busy",
		    r->max);
	}
	w = xcalloc(1, sizeof(*w));
	w->r = r;
	w->fd = -1;
	frame_writer_init(&w->wr, req, req_len);
	frame_reader_init(&w->rd, RENEW_FRAME_MAX_BYTES);
	w->timeout_sec = timeout_sec;
	w->done = done;
	w->arg = arg;
	if ((rc = run_spawn(r, w, fds, err)) != 0) {
		run_free(w);
		return rc;
	}
	TAILQ_INSERT_TAIL(&r->running, w, entry);
	r->n_running++;
	return 0;
}

int
runner_pid_of(const struct runner *r, const void *arg)
{
	const struct run *w;

	TAILQ_FOREACH(w, &r->running, entry)
		if (w->arg == arg)
			return (int)w->pid;
	return -1;
}

void
runner_init(struct runner *r, struct loop *l, int max)
{
	sigset_t set;

	r->loop = l;
	r->n_running = 0;
	r->max = max;
	r->chld_fd = -1;
	TAILQ_INIT(&r->running);
	if (r->path == NULL)
		return;		/* nothing will run */
	if (sigemptyset(&set) == -1 || sigaddset(&set, SIGCHLD) == -1 ||
	    sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask SIGCHLD");
	if ((r->chld_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) ==
	    -1)
		fatal("signalfd SIGCHLD");
	if (loop_add_fd(l, r->chld_fd, LOOP_READ, runner_sigchld, r) == -1)
		fatal("loop_add_fd");
}

/* Kill and reap what still runs; each owner hears NULL (abandoned). */
void
runner_shutdown(struct runner *r)
{
	struct run *w;
	int st;

	while ((w = TAILQ_FIRST(&r->running)) != NULL) {
		TAILQ_REMOVE(&r->running, w, entry);
		r->n_running--;
		if (!w->exited) {
			(void)kill(w->pid, SIGKILL);
			while (waitpid(w->pid, &st, 0) == -1 && errno == EINTR)
				;
		}
		run_close(w);
		w->done(w->arg, NULL, loop_now_ms() - w->started_ms);
		run_free(w);
	}
	if (r->chld_fd >= 0) {
		if (r->loop != NULL)
			loop_del_fd(r->loop, r->chld_fd);
		(void)close(r->chld_fd);
		r->chld_fd = -1;
	}
	free(r->path);
	r->path = NULL;
}
