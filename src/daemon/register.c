/*
 * register.c: REGISTER, the one request that stores a proxy: the request's
 * checks, reading and inspecting the client's proxy file (by the inspector
 * process, inspector.h, unless the memo knows its bytes), then in the
 * group commit's transaction (batch.c) joining a stored proxy of the same
 * identity, servers and attributes (its file replaced when the new proxy
 * lives longer) or storing a new one, and the job (commands.c rules 1-3).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cred.h"
#include "daemon.h"
#include "inspector.h"
#include "log.h"
#include "message.h"
#include "pr_limits.h"
#include "repo_files.h"
#include "small_file.h"
#include "store.h"
#include "xmalloc.h"

/*
 * REGISTER joins p, a shareable stored proxy of the same identity: its file
 * is replaced when the new proxy (ending at expiry) lives longer.
 */
static int
register_join(struct daemon *d, struct store_proxy *p, const char *pem,
    size_t pem_len, int64_t expiry, int64_t now, int64_t next, int *renamed,
    struct pr_error *err)
{
	int rc;

	if (expiry <= p->not_after)
		return 0;
	/* The old file is replaced before the commit: if the commit fails,
	 * the file outlives its record's not_after, which only delays
	 * nothing. */
	if ((rc = repo_write_unsynced(d->repo_fd, p->file, pem, pem_len,
	    err)) != 0)
		return rc;
	*renamed = 1;	/* the batch fsyncs the directory */
	if ((rc = store_record_replacement(d->store, p->id, expiry, now, next,
	    err)) != 0)
		return rc;
	log_info("%s: replaced by a proxy valid until %lld", p->file,
	    (long long)expiry);
	p->not_after = expiry;
	p->obtained = now;
	p->next_renewal = next;
	return 0;
}

/*
 * REGISTER, in the open transaction: join a shareable stored proxy
 * (register_join) or create a new one. *created is set to the name of a
 * file this call created.
 */
static int
register_place(struct daemon *d, const struct pr_request *req,
    const struct cred_info *info, const char *servers, const char *pem,
    size_t pem_len, int64_t now, struct store_proxy *p, char **created,
    int *renamed, struct pr_error *err)
{
	int64_t expiry = cred_expiry(info);
	int64_t next = sched_jitter(sched_renew_at(expiry, now,
	    d->opts.condor_limit, now), expiry, now, arc4random());
	int rc, suffix;

	if (!req->is_unique) {
		rc = store_find_shareable(d->store, info->identity_hash, servers,
		    info->fqans, now + d->opts.condor_limit, p, err);
		if (rc == 0 && strcmp(p->identity, info->identity) == 0)
			return register_join(d, p, pem, pem_len, expiry, now,
			    next, renamed, err);
		if (rc == 0) {
			store_proxy_free(p);
			memset(p, 0, sizeof(*p));
		} else if (rc != PR_ERR_NOT_REGISTERED) {
			return rc;
		}
		pr_error_clear(err);
	}
	if ((rc = store_next_suffix(d->store, info->identity_hash, &suffix,
	    err)) != 0)
		return rc;
	p->file = xasprintf("%s.%d", info->identity_hash, suffix);
	/* new: its fsync waits for the batch commit (batch.c) */
	if ((rc = repo_create_deferred(d->repo_fd, p->file, pem, pem_len,
	    err)) != 0)
		return rc;
	*renamed = 1;
	*created = xstrdup(p->file);
	p->identity = xstrdup(info->identity);
	p->identity_hash = xstrdup(info->identity_hash);
	p->servers = xstrdup(servers);
	p->fqans = xstrdup(info->fqans);
	p->is_unique = req->is_unique;
	p->not_after = expiry;
	p->obtained = now;
	p->next_renewal = next;
	p->last_error = xstrdup("");
	if ((rc = store_insert_proxy(d->store, p, err)) != 0 ||
	    (rc = store_cred_watch(d->store, p->identity_hash, p->identity,
	    now, err)) != 0)
		return rc;
	credwatch_note(d, now);	/* INFO soon, never before the reply */
	return 0;
}

/* REGISTER's checks before any reading: its servers, or NULL and err. */
static const char *
register_servers(const struct daemon *d, const struct pr_request *req,
    struct pr_error *err)
{
	const char *servers = req->myproxy_server ? req->myproxy_server :
	    d->opts.myproxy_server;

	if (servers == NULL) {
		pr_error_set(err, EINVAL, "no Myproxy_server given and no "
		    "default configured");
		return NULL;
	}
	if (servers_check(servers, err) != 0)
		return NULL;
	if (req->proxy_name[0] != '/') {
		pr_error_set(err, EINVAL, "Proxy_name must be an absolute path");
		return NULL;
	}
	return servers;
}

/*
 * REGISTER once its proxy is inspected: in the group commit's transaction,
 * join or store the proxy and the job (register_place).
 */
static int
register_run(struct daemon *d, const struct pr_request *req,
    const struct cred_info *info, const char *servers, const char *pem,
    size_t pem_len, int64_t now, struct pr_msg *body, struct pr_error *err)
{
	struct store_proxy p;
	char *created = NULL;
	int64_t proxy_id;
	int rc, renamed = 0;

	memset(&p, 0, sizeof(p));
	if (!d->opts.enable_voms && info->ac_not_after > 0 &&
	    info->ac_not_after < info->not_after)
		log_warnx("proxy of %s: its VOMS attributes end at %lld, "
		    "before its X.509 part (%lld); without -A they are not "
		    "renewed and the proxy expires with them",
		    info->identity, (long long)info->ac_not_after,
		    (long long)info->not_after);
	/* Group commit (batch.c): answered once the batch commits. */
	if ((rc = batch_begin(d, err)) != 0)
		return rc;
	rc = store_find_job(d->store, req->jobid, req->jobid_len, &proxy_id,
	    err);
	if (rc == 0) {			/* already registered: idempotent */
		rc = store_get_proxy(d->store, proxy_id, &p, err);
	} else if (rc == PR_ERR_NOT_REGISTERED) {
		pr_error_clear(err);
		rc = register_place(d, req, info, servers, pem, pem_len, now,
		    &p, &created, &renamed, err);
		if (rc == 0)
			rc = store_add_job(d->store, req->jobid, req->jobid_len,
			    p.id, err);
	}
	batch_note(d, created, renamed, p.next_renewal);
	if (rc != 0)
		batch_abort(d);		/* removes the file it created */
	else
		body_add_proxy(d, body, &p);
	free(created);
	store_proxy_free(&p);
	return rc;
}

/* A REGISTER whose proxy the inspector reads (inspector.h). */
struct register_wait {
	struct daemon *d;
	struct cmd_park *park;	/* the request and its client */
	char *servers;		/* a copy: a reload may replace the options */
	char *pem;		/* the file's bytes: a private key */
	size_t pem_len;
	struct cred_memo_key key;	/* their digest, for the memo */
	int64_t now;
};

static void
register_inspected(void *arg, int code, struct cred_info *info,
    const struct pr_error *err)
{
	struct register_wait *w = arg;
	struct pr_error e;
	struct pr_msg body;

	msg_init(&body);
	e = *err;
	if (code == 0) {
		cred_memo_keep(w->d->cred_memo, &w->key, info);
		pr_error_clear(&e);
		code = register_run(w->d, commands_park_request(w->park), info,
		    w->servers, w->pem, w->pem_len, w->now, &body, &e);
	}
	commands_resume(w->park, code, &body, &e);
	msg_free(&body);
	wipe_free(w->pem, w->pem_len);
	free(w->servers);
	free(w);
}

/* Hand a memo miss to the inspector: 0 (*pem taken) or -1 (do it here). */
static int
register_wait(struct daemon *d, const char *servers, char **pem,
    size_t pem_len, const struct cred_memo_key *key, int64_t now)
{
	struct register_wait *w;

	if (!commands_can_park(d))
		return -1;
	w = xcalloc(1, sizeof(*w));
	if (inspector_submit(d, *pem, pem_len, now, register_inspected,
	    w) != 0) {
		free(w);
		return -1;
	}
	w->d = d;
	w->park = commands_park(d);
	w->servers = xstrdup(servers);
	w->pem = *pem;
	w->pem_len = pem_len;
	w->key = *key;
	w->now = now;
	*pem = NULL;
	return 0;
}

int
register_command(struct daemon *d, const struct pr_request *req,
    struct pr_msg *body, struct pr_error *err)
{
	struct cred_memo_key key;
	struct cred_info info;
	const char *servers;
	char *pem = NULL;
	size_t pem_len = 0;
	int64_t now = (int64_t)time(NULL);
	int rc;

	memset(&info, 0, sizeof(info));
	if ((servers = register_servers(d, req, err)) == NULL)
		return err->code;
	if ((rc = cred_read_file(req->proxy_name, PR_PROXY_FILE_MAX_BYTES,
	    &pem, &pem_len, err)) != 0)
		return rc;
	rc = cred_memo_find(d->cred_memo, pem, pem_len, now, &key, &info,
	    err);
	if (rc == CRED_MEMO_MISS &&
	    register_wait(d, servers, &pem, pem_len, &key, now) == 0)
		return 0;		/* parked: register_inspected goes on */
	if (rc == CRED_MEMO_MISS) {
		inspector_note_inline(d);
		rc = cred_memo_inspect(d->cred_memo, &key, pem, pem_len, now,
		    &info, err);
	}
	if (rc == 0)
		rc = register_run(d, req, &info, servers, pem, pem_len, now,
		    body, err);
	cred_info_free(&info);
	wipe_free(pem, pem_len);	/* it holds a private key */
	return rc;
}
