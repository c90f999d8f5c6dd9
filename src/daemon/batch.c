/*
 * batch.c: group commit of the clients' changes (REGISTER).
 *
 * A change joins the open batch: it runs in its own savepoint of one store
 * transaction (store.h rule 4) and its client's answer waits. At the end of
 * the loop pass (a 0 ms timer) the batch commits once: the files its
 * changes created are fsynced one after the other (their write-back was
 * started when they were written: cheaper than an fsync each at once), one
 * directory fsync for every name it changed, then one WAL sync; only then
 * does each client get its answer. Requests that arrive
 * while that commit runs are read in the next pass and form the next
 * batch, so with many clients one fsync pair serves many requests.
 *
 * Rules:
 *  (1) A code 0 goes out only after the commit holding the change returned
 *      0 (daemon.h rule 4). If the commit fails, every waiting client gets
 *      the error and the files the batch created are removed.
 *  (2) A failed request undoes its own savepoint and removes its own new
 *      file at once; the rest of the batch is untouched.
 *  (3) Any other transaction (store_begin: renewals, UNREGISTER, expiry)
 *      first commits the open batch through the store's flush hook, so
 *      changes commit in the order they were made.
 *  (4) A waiting answer belongs to its connection: batch_forget() (from
 *      conn_free) detaches it; the change still commits, unanswered.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "fault.h"
#include "log.h"
#include "loop.h"
#include "repo_files.h"
#include "store.h"
#include "xmalloc.h"

struct pending {
	TAILQ_ENTRY(pending) entry;
	struct conn *c;			/* waiting client; NULL once gone */
	batch_reply_fn *reply_fn;	/* delivers the answer to c */
	void *reply_arg;
	char *reply;			/* the answer if the batch commits */
	size_t reply_len;
	char *log_line;			/* the request, logged with its outcome */
	char *created;			/* file this change created, or NULL */
	int64_t next_renewal;		/* sched_note after the commit; 0 none */
};
TAILQ_HEAD(pending_list, pending);

struct batch {
	struct pending_list kept;	/* changes waiting for the commit */
	struct pending *cur;		/* the request being run, or NULL */
	int dir_dirty;			/* a name changed in the repository */
	long long timer;		/* flush at the end of this pass; 0 none */
};

static void
pending_free(struct pending *p)
{
	if (p == NULL)
		return;
	free(p->reply);
	free(p->log_line);
	free(p->created);
	free(p);
}

static void
batch_flush_hook(void *arg)
{
	batch_flush(arg);
}

void
batch_init(struct daemon *d)
{
	d->batch = xcalloc(1, sizeof(*d->batch));
	TAILQ_INIT(&d->batch->kept);
	store_set_flush(d->store, batch_flush_hook, d);
}

void
batch_free(struct daemon *d)
{
	if (d->batch == NULL)
		return;
	batch_flush(d);
	store_set_flush(d->store, NULL, NULL);
	pending_free(d->batch->cur);
	free(d->batch);
	d->batch = NULL;
}

int
batch_begin(struct daemon *d, struct pr_error *err)
{
	int rc;

	if ((rc = store_batch_join(d->store, err)) != 0)
		return rc;
	pending_free(d->batch->cur);
	d->batch->cur = xcalloc(1, sizeof(*d->batch->cur));
	return 0;
}

void
batch_note(struct daemon *d, const char *created, int renamed,
    int64_t next_renewal)
{
	struct pending *p = d->batch->cur;

	if (created != NULL)
		p->created = xstrdup(created);
	if (renamed)
		d->batch->dir_dirty = 1;
	p->next_renewal = next_renewal;
}

void
batch_abort(struct daemon *d)
{
	struct pending *p = d->batch->cur;
	struct pr_error err;

	if (p == NULL)
		return;
	store_batch_drop(d->store);
	if (p->created != NULL && repo_remove(d->repo_fd, p->created,
	    &err) != 0)
		log_warnx("%s", err.msg);
	pending_free(p);
	d->batch->cur = NULL;
}

static void
batch_flush_timer(struct loop *l, long long id, void *arg)
{
	struct daemon *d = arg;

	(void)l;
	(void)id;
	d->batch->timer = 0;	/* fired */
	batch_flush(d);
}

void
batch_defer(struct daemon *d, struct conn *c, batch_reply_fn *fn, void *arg,
    char *reply, size_t reply_len, char *log_line)
{
	struct batch *b = d->batch;
	struct pending *p = b->cur;

	store_batch_keep(d->store);
	b->cur = NULL;
	p->c = c;
	p->reply_fn = fn;
	p->reply_arg = arg;
	p->reply = reply;
	p->reply_len = reply_len;
	p->log_line = log_line;
	TAILQ_INSERT_TAIL(&b->kept, p, entry);
	if (b->timer == 0)
		b->timer = loop_add_timer(d->loop, 0, batch_flush_timer, d);
}

void
batch_forget(struct daemon *d, const struct conn *c)
{
	struct pending *p;

	if (d->batch == NULL)
		return;
	TAILQ_FOREACH(p, &d->batch->kept, entry)
		if (p->c == c)
			p->c = NULL;
}

/* Rule (1): the outcome of one kept change, logged and answered. */
static void
batch_answer(struct daemon *d, struct pending *p, int code,
    const struct pr_error *err)
{
	struct pr_error rmerr;
	char *out;
	size_t len;

	if (code == 0) {
		log_info("%s: 0", p->log_line);
		sched_note(d, p->next_renewal);
		out = p->reply;
		len = p->reply_len;
		p->reply = NULL;
	} else {
		if (p->created != NULL && repo_remove(d->repo_fd, p->created,
		    &rmerr) != 0)
			log_warnx("%s", rmerr.msg);
		log_warnx("%s: %d: %s", p->log_line, code, err->msg);
		commands_error_reply(code, err->msg, &out, &len);
	}
	if (p->c != NULL)
		p->reply_fn(p->c, code, out, len, p->reply_arg);
	else
		free(out);
}

void
batch_flush(struct daemon *d)
{
	struct batch *b = d->batch;
	struct pending *p;
	struct pr_error err;
	int rc = 0;

	if (b->timer != 0) {
		loop_del_timer(d->loop, b->timer);
		b->timer = 0;
	}
	if (!store_in_batch(d->store))
		return;
	pr_error_clear(&err);
	TAILQ_FOREACH(p, &b->kept, entry)
		if (rc == 0 && p->created != NULL)
			rc = repo_fsync_file(d->repo_fd, p->created, &err);
	if (rc == 0 && b->dir_dirty)
		rc = repo_sync_dir(d->repo_fd, &err);
	if (b->dir_dirty)
		FAULT_POINT("register-written");
	if (rc != 0)
		store_batch_rollback(d->store);
	else
		rc = store_batch_commit(d->store, &err);
	b->dir_dirty = 0;
	while ((p = TAILQ_FIRST(&b->kept)) != NULL) {
		TAILQ_REMOVE(&b->kept, p, entry);
		batch_answer(d, p, rc, &err);
		pending_free(p);
	}
}
