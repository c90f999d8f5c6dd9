/*
 * inspector.c: the master's side of the proxy inspector (rules in
 * inspector.h): the child's start and restart, the requests in order, the
 * answers, and what happens to the waiting requests when the child dies.
 */
#include <sys/queue.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "daemon.h"
#include "frame_io.h"
#include "helper.h"
#include "inspect_wire.h"
#include "inspector.h"
#include "log.h"
#include "loop.h"
#include "xmalloc.h"

struct inspect_req {
	TAILQ_ENTRY(inspect_req) entry;
	unsigned char *frame;	/* kept until answered: sent again after a death */
	size_t len;
	size_t off;		/* bytes written to the current child */
	inspect_done_fn *fn;
	void *arg;
};
TAILQ_HEAD(inspect_reqs, inspect_req);

/* One inspector process and what it was sent. */
struct inspect_child {
	struct inspector *g;
	pid_t pid;		/* -1 none */
	int to_fd, from_fd;	/* requests out, answers in; -1 */
	int writing;		/* to_fd is in the loop for writing */
	struct frame_reader rd;
	struct inspect_reqs reqs;	/* sent (answer due) first, then unsent */
	struct inspect_req *next_out;	/* first not wholly written; NULL */
	size_t n;		/* requests in reqs */
	int deaths;		/* in a row without an answer */
	long long restart_timer;	/* 0 none */
};

struct inspector {
	struct daemon *d;
	char exe[4096];
	struct inspect_child *child;	/* --inspectors of them */
	int n_children;
	size_t n, bytes;	/* rule 4, over all children */
	struct inspector_stats st;
};

static void inspector_spawn(struct inspect_child *c);
static void inspector_lost(struct inspect_child *c, const char *why);

static void
req_free(struct inspect_child *c, struct inspect_req *r)
{
	TAILQ_REMOVE(&c->reqs, r, entry);
	if (c->next_out == r)
		c->next_out = TAILQ_NEXT(r, entry);
	c->n--;
	c->g->n--;
	c->g->bytes -= r->len;
	OPENSSL_cleanse(r->frame, r->len);	/* rule 3 */
	free(r->frame);
	free(r);
}

/* r's callback with an error (rule 1), then r is gone. */
static void
req_fail(struct inspect_child *c, struct inspect_req *r, int code,
    const char *why)
{
	struct pr_error err;
	inspect_done_fn *fn = r->fn;
	void *arg = r->arg;

	pr_error_set(&err, code, "%s", why);
	req_free(c, r);
	fn(arg, code, NULL, &err);
}

/* r inspected here, in the master (rule 2, while no child runs). */
static void
req_inline(struct inspect_child *c, struct inspect_req *r)
{
	struct cred_info info;
	struct pr_error err;
	inspect_done_fn *fn = r->fn;
	void *arg = r->arg;
	const char *pem;
	size_t pem_len;
	int64_t now;
	int code;

	pr_error_clear(&err);
	memset(&info, 0, sizeof(info));
	code = inspect_request_parse((char *)r->frame + FRAME_HEADER_BYTES,
	    r->len - FRAME_HEADER_BYTES, &now, &pem, &pem_len, &err);
	if (code == 0)
		code = cred_inspect_memo(c->g->d->cred_memo, pem, pem_len,
		    (time_t)now, &info, &err);
	c->g->st.inline_runs++;
	req_free(c, r);
	fn(arg, code, code == 0 ? &info : NULL, &err);
	cred_info_free(&info);
}

static void inspector_writable(struct loop *l, int fd, int events, void *arg);

/* Write what the pipe takes; a write error waits for the EOF on from_fd. */
static void
inspector_push(struct inspect_child *c)
{
	struct inspect_req *r;
	ssize_t w;

	while ((r = c->next_out) != NULL) {
		w = write(c->to_fd, r->frame + r->off, r->len - r->off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0) {
			r = NULL;	/* the child is gone: inspector_read */
			break;
		}
		if ((r->off += (size_t)w) == r->len)
			c->next_out = TAILQ_NEXT(r, entry);
	}
	if (r != NULL && !c->writing) {
		if (loop_add_fd(c->g->d->loop, c->to_fd, LOOP_WRITE,
		    inspector_writable, c) == -1)
			fatal("loop_add_fd");
		c->writing = 1;
	} else if (r == NULL && c->writing) {
		loop_del_fd(c->g->d->loop, c->to_fd);
		c->writing = 0;
	}
}

static void
inspector_writable(struct loop *l, int fd, int events, void *arg)
{
	(void)l;
	(void)fd;
	(void)events;
	inspector_push(arg);
}

/* One answer, for the oldest request (rule 2); 0 or -1 (rule 5). */
static int
inspector_answer(struct inspect_child *c, const char *body, size_t len,
    struct pr_error *err)
{
	struct inspect_req *r = TAILQ_FIRST(&c->reqs);
	struct cred_info info;
	struct pr_error result;
	inspect_done_fn *fn;
	void *arg;
	int code;

	if (r == NULL || r->off < r->len)
		return pr_error_set(err, PR_ERR_PROTO_PARSE,
		    "answered a request it was not sent");
	pr_error_clear(&result);
	if (inspect_reply_parse(body, len, &code, &result, &info, err) != 0)
		return -1;
	fn = r->fn;
	arg = r->arg;
	req_free(c, r);
	c->deaths = 0;
	c->g->st.inspected++;
	fn(arg, code, code == 0 ? &info : NULL, &result);
	cred_info_free(&info);
	return 0;
}

static void
inspector_read(struct loop *l, int fd, int events, void *arg)
{
	struct inspect_child *c = arg;
	struct pr_error err;
	enum frame_step step;
	char *body;
	size_t len;
	int rc;

	(void)l;
	(void)fd;
	(void)events;
	pr_error_clear(&err);
	while ((step = frame_reader_step(&c->rd, c->from_fd, &err)) ==
	    FRAME_COMPLETE) {
		body = frame_reader_take(&c->rd, &len);
		rc = inspector_answer(c, body, len, &err);
		free(body);
		if (rc != 0) {
			inspector_lost(c, err.msg);
			return;
		}
	}
	if (step == FRAME_CLOSED)
		inspector_lost(c, "exited");
	else if (step != FRAME_PENDING)
		inspector_lost(c, err.msg);
}

static void
inspector_restart(struct loop *l, long long id, void *arg)
{
	struct inspect_child *c = arg;

	(void)l;
	(void)id;
	c->restart_timer = 0;
	inspector_spawn(c);
}

/* The child's fds out of the loop and closed, the child reaped. */
static int
inspector_close(struct inspect_child *c)
{
	struct loop *loop = c->g->d->loop;
	int st = 0;

	if (c->from_fd != -1) {
		loop_del_fd(loop, c->from_fd);
		(void)close(c->from_fd);
	}
	if (c->writing)
		loop_del_fd(loop, c->to_fd);
	if (c->to_fd != -1)
		(void)close(c->to_fd);
	c->from_fd = c->to_fd = -1;
	c->writing = 0;
	frame_reader_free(&c->rd);
	if (c->pid > 0)
		st = helper_reap(c->pid);
	c->pid = -1;
	return st;
}

/* Rule 2: the child is gone or broke the protocol. */
static void
inspector_lost(struct inspect_child *c, const char *why)
{
	struct inspect_req *r = TAILQ_FIRST(&c->reqs);
	struct daemon *d = c->g->d;
	char msg[256];
	int64_t delay;
	int st = inspector_close(c);

	if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
		(void)snprintf(msg, sizeof(msg), "the proxy inspector died "
		    "reading this proxy (signal %d)", WTERMSIG(st));
	else
		(void)snprintf(msg, sizeof(msg), "the proxy inspector failed "
		    "reading this proxy: %s", why);
	if (r != NULL && r->off > 0) {
		log_warnx("%s", msg);
		req_fail(c, r, PR_ERR_SSL, msg);
	}
	c->deaths++;
	if (d->stopping)
		return;
	if (c->deaths <= INSPECTOR_DEATHS_MAX) {
		log_warnx("proxy inspector %s; starting a new one", why);
		inspector_spawn(c);
		return;
	}
	delay = helper_backoff_ms(c->deaths - INSPECTOR_DEATHS_MAX - 1);
	log_warnx("proxy inspector %s, %d times in a row; inspecting in the "
	    "master, a new one in %lld s", why, c->deaths,
	    (long long)(delay / 1000));
	while ((r = TAILQ_FIRST(&c->reqs)) != NULL)
		req_inline(c, r);
	c->restart_timer = loop_add_timer(d->loop, delay, inspector_restart,
	    c);
}

/* `proxy-renewd --inspect-child`: requests on 0, answers on 1. */
static void
inspector_spawn(struct inspect_child *c)
{
	char *argv[] = { "proxy-renewd", INSPECT_CHILD_ARG, NULL };
	struct inspector *g = c->g;
	struct inspect_req *r;
	int to[2], from[2], rc;

	if (helper_pipe(to, 1) == -1 || helper_pipe(from, 0) == -1) {
		log_warn("proxy inspector: pipe");
		return;
	}
	rc = helper_spawn(g->exe, argv, to[0], from[1], &c->pid);
	(void)close(to[0]);
	(void)close(from[1]);
	c->to_fd = to[1];
	c->from_fd = from[0];
	frame_reader_init(&c->rd, INSPECT_REPLY_MAX);
	if (rc != 0) {
		c->pid = -1;
		errno = rc;
		inspector_lost(c, "could not start");
		return;
	}
	g->st.restarts += g->st.started >= (uint64_t)g->n_children;
	g->st.started++;
	if (loop_add_fd(g->d->loop, c->from_fd, LOOP_READ, inspector_read,
	    c) == -1)
		fatal("loop_add_fd");
	log_debug("proxy inspector %ld started", (long)c->pid);
	TAILQ_FOREACH(r, &c->reqs, entry)	/* rule 2: sent again */
		r->off = 0;
	c->next_out = TAILQ_FIRST(&c->reqs);
	inspector_push(c);
}

void
inspector_start(struct daemon *d)
{
	struct inspector *g;
	struct inspect_child *c;
	int i;

	if (d->opts.inspectors == 0)
		return;		/* the master parses (rule 6) */
	g = xcalloc(1, sizeof(*g));
	g->d = d;
	g->n_children = (int)d->opts.inspectors;
	g->child = xcalloc((size_t)g->n_children, sizeof(*g->child));
	helper_exe(g->exe, sizeof(g->exe));
	d->inspector = g;
	for (i = 0; i < g->n_children; i++) {
		c = &g->child[i];
		c->g = g;
		c->pid = -1;
		c->to_fd = c->from_fd = -1;
		TAILQ_INIT(&c->reqs);
		inspector_spawn(c);
	}
}

void
inspector_stop(struct daemon *d)
{
	struct inspector *g = d->inspector;
	struct inspect_child *c;
	struct inspect_req *r;
	int i;

	if (g == NULL)
		return;
	d->inspector = NULL;
	for (i = 0; i < g->n_children; i++) {
		c = &g->child[i];
		if (c->restart_timer != 0)
			loop_del_timer(d->loop, c->restart_timer);
		(void)inspector_close(c);
		while ((r = TAILQ_FIRST(&c->reqs)) != NULL)
			req_fail(c, r, PR_ERR_GENERIC,
			    "the daemon is stopping");
	}
	free(g->child);
	free(g);
}

/* The running child with the fewest requests waiting, or NULL. */
static struct inspect_child *
inspector_pick(struct inspector *g)
{
	struct inspect_child *best = NULL;
	int i;

	for (i = 0; i < g->n_children; i++)
		if (g->child[i].pid > 0 &&
		    (best == NULL || g->child[i].n < best->n))
			best = &g->child[i];
	return best;
}

int
inspector_submit(struct daemon *d, const char *pem, size_t len, int64_t now,
    inspect_done_fn *fn, void *arg)
{
	struct inspector *g = d->inspector;
	struct inspect_child *c;
	struct inspect_req *r;
	struct pr_error err;

	if (g == NULL || g->n >= INSPECTOR_QUEUE_MAX ||
	    g->bytes + len > INSPECTOR_QUEUE_BYTES ||
	    (c = inspector_pick(g)) == NULL)
		return -1;
	r = xcalloc(1, sizeof(*r));
	if (inspect_request_frame(now, pem, len, &r->frame, &r->len,
	    &err) != 0) {
		free(r);
		return -1;
	}
	r->fn = fn;
	r->arg = arg;
	TAILQ_INSERT_TAIL(&c->reqs, r, entry);
	c->n++;
	g->n++;
	g->bytes += r->len;
	if (c->next_out == NULL)
		c->next_out = r;
	inspector_push(c);	/* rule 1: a failure shows in inspector_read */
	return 0;
}

void
inspector_note_inline(struct daemon *d)
{
	if (d->inspector != NULL)
		d->inspector->st.inline_runs++;
}

void
inspector_stats(const struct daemon *d, struct inspector_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (d->inspector == NULL)
		return;
	*st = d->inspector->st;
	st->waiting = d->inspector->n;
}
