/*
 * store.h: the repository's metadata in SQLite (repository.db inside the
 * repository directory; WAL, synchronous=FULL). Tables: proxy (one row per
 * repository file), job (job id -> proxy, primary key on the id), attempt
 * (the last renewal attempts of each proxy, store_history.c).
 *
 * Rules:
 *  (1) Every lookup a request makes is indexed: O(log n). Only
 *      store_foreach_proxy walks all rows (LIST and the start-up check).
 *  (2) Changes that belong together go between store_begin/store_commit;
 *      a commit returning 0 is durable (synchronous=FULL).
 *  (3) proxy.n_jobs always equals the number of job rows pointing at it;
 *      a proxy with n_jobs == 0 is deleted in the same transaction.
 *  (4) Group commit: store_batch_join() opens one transaction for many
 *      requests (if none is open) and a savepoint for one request's change;
 *      store_batch_keep() keeps that change for the batch commit,
 *      store_batch_drop() undoes it alone. store_batch_commit() makes every
 *      kept change durable at once (one WAL sync). While a batch is open,
 *      store_begin() first calls the flush hook, which must commit it, so no
 *      other transaction ever nests in a batch.
 * Lower layer: fills struct pr_error, never logs.
 */
#ifndef PR_STORE_H
#define PR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "pr_error.h"
#include "pr_limits.h"

struct store;

struct store_proxy {
	int64_t id;		/* row id */
	char *identity;		/* base subject */
	char *identity_hash;	/* hex, the file name prefix */
	char *file;		/* file name inside the repository: "<hash>.<suffix>" */
	char *servers;		/* MyProxy list "host[:port],..." */
	char *fqans;		/* ordered FQANs, '\n'-separated, "" when none */
	int is_unique;		/* registered with EDG_WLPR_FLAG_UNIQUE: never shared */
	int64_t not_after;	/* earliest expiry (X.509 and ACs), Unix time */
	int64_t obtained;	/* when this proxy file was written, Unix time */
	int64_t next_renewal;	/* when to renew, Unix time; 0 = not scheduled */
	int64_t last_attempt;	/* last renewal attempt, Unix time; 0 = none */
	int last_result;	/* code of the last attempt (0 = success) */
	char *last_error;	/* message of the last failed attempt, "" when none */
	int failures;		/* consecutive failed attempts */
	int64_t n_jobs;		/* jobs attached */
	int64_t last_success;	/* last successful renewal, Unix time; 0 = none */
};

/*
 * One renewal attempt of the audit trail (table attempt). The strings are
 * bounded by the store (STORE_HISTORY_*_MAX_BYTES) when written.
 */
struct store_attempt {
	int64_t at;		/* when it ended, Unix time */
	int64_t duration_ms;	/* from start to result */
	int result;		/* 0 or the failure's code */
	const char *cls;	/* failure class name, "" on success */
	const char *servers;	/* one line per server: "host:port outcome[: text]" */
	int64_t not_after;	/* success: the new proxy's end; else 0 */
	int64_t ac_not_after;	/* success: its VOMS ACs' end; 0 without */
	const char *message;	/* the failure's summary, "" on success */
};

#define STORE_HISTORY_DEFAULT	PR_HISTORY_DEFAULT	/* attempts kept per proxy */
#define STORE_HISTORY_MAX	PR_HISTORY_MAX	/* the most one may keep */
#define STORE_HISTORY_MSG_MAX_BYTES	512	/* message kept */
#define STORE_HISTORY_SERVERS_MAX_BYTES	2048	/* servers text kept */

/* Open (create) repository.db in dir (an existing directory; see repo_open_dir). */
int store_open(const char *dir, struct store **out, struct pr_error *err);
void store_close(struct store *st);

int store_begin(struct store *st, struct pr_error *err);
int store_commit(struct store *st, struct pr_error *err);
void store_rollback(struct store *st);

/* Group commit, rule (4). */
void store_set_flush(struct store *st, void (*fn)(void *), void *arg);
int store_in_batch(const struct store *st);
int store_batch_join(struct store *st, struct pr_error *err);
void store_batch_keep(struct store *st);
void store_batch_drop(struct store *st);
void store_batch_rollback(struct store *st);
/* Commit the batch (0 when none is open); on failure it is rolled back. */
int store_batch_commit(struct store *st, struct pr_error *err);

/* Job lookup: 0 and *proxy_id, or PR_ERR_NOT_REGISTERED. */
int store_find_job(struct store *st, const char *jobid, size_t jobid_len,
    int64_t *proxy_id, struct pr_error *err);

/*
 * GET's lookup: the proxy of a job with the fields GET answers with (id,
 * file, servers, obtained, not_after, next_renewal; the others zero).
 * From memory when store_memo_enable() was called and the job is held
 * there, else from SQLite (store_find_job, store_get_proxy), so the same
 * answer either way. 0, PR_ERR_NOT_REGISTERED, or EINVAL (job id).
 */
int store_get_job_proxy(struct store *st, const char *jobid, size_t jobid_len,
    struct store_proxy *p, struct pr_error *err);

/*
 * GET from memory (store_memo.c): the committed job -> proxy pairs and
 * what GET answers of each proxy, held in memory (~40 bytes a job plus
 * ~120 a proxy) so that GET reads no B-tree page. store_memo_enable: -1
 * without memory (the store works as before). store_memo_load: read the
 * tables into memory, one chunk of a few ms per call, between
 * transactions; 1 while more is left, 0 when done, -1 and err when a read
 * failed (the rest is then answered from SQLite).
 */
int store_memo_enable(struct store *st);
int store_memo_load(struct store *st, struct pr_error *err);

struct store_memo_stats {
	int enabled, loaded;	/* enabled; its start-up load done */
	int64_t jobs;		/* jobs held; -1: switched off (memory) */
	int64_t proxies;	/* proxy records held */
	size_t bytes;		/* memory they take */
};
void store_memo_stats(const struct store *st, struct store_memo_stats *ms);

/* Proxy by id or by repository file name: 0, or PR_ERR_NOT_REGISTERED. */
int store_get_proxy(struct store *st, int64_t id, struct store_proxy *p,
    struct pr_error *err);
int store_get_proxy_by_file(struct store *st, const char *file,
    struct store_proxy *p, struct pr_error *err);

/*
 * A stored proxy a new job may join: same identity_hash, servers and fqans,
 * not unique, not_after > min_not_after. 0 and *p, or PR_ERR_NOT_REGISTERED.
 */
int store_find_shareable(struct store *st, const char *identity_hash,
    const char *servers, const char *fqans, int64_t min_not_after,
    struct store_proxy *p, struct pr_error *err);

/*
 * Smallest suffix n >= 0 such that "<hash>.<n>" is not a stored file.
 * Cost: O(log n) per suffix in use below the first gap of that identity.
 */
int store_next_suffix(struct store *st, const char *identity_hash, int *suffix,
    struct pr_error *err);

/* Insert p (file, identity, ... filled by the caller; n_jobs ignored); sets p->id. */
int store_insert_proxy(struct store *st, struct store_proxy *p,
    struct pr_error *err);

/*
 * Attach a job (must not exist yet); increments n_jobs. EEXIST when the job
 * exists, PR_ERR_NOT_REGISTERED when the proxy does not, EINVAL for a job id
 * that is empty, longer than 4096 bytes, or holds NUL or newline.
 */
int store_add_job(struct store *st, const char *jobid, size_t jobid_len,
    int64_t proxy_id, struct pr_error *err);

/*
 * Detach a job; decrements n_jobs. *remaining = jobs left on its proxy.
 * When it reaches 0 the proxy row is deleted in the same change (rule 3):
 * read the proxy's file name before, and remove the file after the commit.
 * PR_ERR_NOT_REGISTERED when unknown; EINVAL for a malformed job id.
 */
int store_remove_job(struct store *st, const char *jobid, size_t jobid_len,
    int64_t *proxy_id, int64_t *remaining, struct pr_error *err);

/* Delete a proxy row and every job row pointing at it; an absent id is fine. */
int store_delete_proxy(struct store *st, int64_t id, struct pr_error *err);

/* Earliest next_renewal > 0: 0 and *id, *when; PR_ERR_NOT_REGISTERED if none. */
int store_next_due(struct store *st, int64_t *id, int64_t *when,
    struct pr_error *err);

/*
 * Call fn for every proxy (LIST, startup recovery); stops when fn returns
 * non-zero. fn must not call store_foreach_proxy; other store calls are fine
 * but must not change proxy rows.
 */
int store_foreach_proxy(struct store *st,
    int (*fn)(const struct store_proxy *p, void *arg), void *arg,
    struct pr_error *err);

/* Counts for STATUS/bench (count(*): O(n), not for the request path). */
int store_count(struct store *st, int64_t *n_proxies, int64_t *n_jobs,
    struct pr_error *err);

void store_proxy_free(struct store_proxy *p);

/*
 * ==== Renewal intents (store_renewal.c) ====
 * The only writers of next_renewal, not_after, obtained and the attempt
 * columns of an existing row; each one statement. Lease, failed attempt,
 * expire and all-due are a transaction of their own (call them outside
 * one); a success and a replacement belong in the caller's transaction
 * (with the file rename). p names the record a renewal was
 * started for: its result is recorded only while the row is still that
 * record (same id, file, identity, servers) and not expired; otherwise
 * PR_ERR_NOT_REGISTERED and nothing changes.
 */

/* Keep the scheduler off a proxy in flight: next_renewal = min(until,
 * not_after) (the expiry is never postponed). */
int store_lease_for_renewal(struct store *st, int64_t id, int64_t until,
    struct pr_error *err);

/* A new proxy file ending at not_after replaced p's at `when`: times set
 * (last_success too), failures reset, attempt a (may be NULL) added to the
 * audit trail in the same change. Also PR_ERR_NOT_REGISTERED when the
 * record meanwhile got a proxy ending at or after not_after. */
int store_record_renewal_success(struct store *st, const struct store_proxy *p,
    int64_t not_after, int64_t when, int64_t next,
    const struct store_attempt *a, struct pr_error *err);

/* A failed attempt at `when`: code and msg kept, failures + 1, retry at
 * next; attempt a (may be NULL) added to the audit trail in the same
 * transaction. */
int store_record_failed_attempt(struct store *st, const struct store_proxy *p,
    int64_t when, int code, const char *msg, int64_t next,
    const struct store_attempt *a, struct pr_error *err);

/* The proxy expired at `when` (code, why recorded): not_after = min(not_after,
 * when), next_renewal = 0 for good; its jobs answer "expired". */
int store_expire(struct store *st, int64_t id, int64_t when, int code,
    const char *why, struct pr_error *err);

/* REGISTER replaced the file with a longer-lived proxy (in its transaction). */
int store_record_replacement(struct store *st, int64_t id, int64_t not_after,
    int64_t obtained, int64_t next, struct pr_error *err);

/*
 * Of the proxies due at now (0 < next_renewal <= now), the one with the
 * earliest not_after: 0 and *id, *not_after, or PR_ERR_NOT_REGISTERED.
 * A proxy past its not_after is always due (a lease never postpones the
 * expiry), so this finds every expired one, busy workers or not.
 */
int store_next_expiry_due(struct store *st, int64_t now, int64_t *id,
    int64_t *not_after, struct pr_error *err);

/* The earliest next_renewal after now: 0 and *when, or PR_ERR_NOT_REGISTERED. */
int store_next_due_after(struct store *st, int64_t now, int64_t *when,
    struct pr_error *err);

/* RENEW_ALL: every proxy not expired at now becomes due now; *n of them. */
int store_make_all_due(struct store *st, int64_t now, int64_t *n,
    struct pr_error *err);

/*
 * ==== Audit trail (store_history.c) ====
 * The last N attempts of each proxy (N = store_set_history_keep, default
 * STORE_HISTORY_DEFAULT; 0 keeps none). Rows go with their proxy row (ON
 * DELETE CASCADE: unregister of the last job, store_delete_proxy) and
 * are pruned to N in the transaction that adds one.
 */

/* Keep the last n (0..STORE_HISTORY_MAX) attempts per proxy from now on. */
void store_set_history_keep(struct store *st, int n);
int store_history_keep(const struct store *st);

/* In the caller's transaction: add a for proxy_id, then prune to N. */
int store_history_add(struct store *st, int64_t proxy_id,
    const struct store_attempt *a, struct pr_error *err);

/* Call fn for each kept attempt of proxy_id, newest first; the strings
 * live during the call only. fn returns non-zero to stop. */
int store_history_foreach(struct store *st, int64_t proxy_id,
    int (*fn)(const struct store_attempt *a, void *arg), void *arg,
    struct pr_error *err);

/* Start-up: remove attempts whose proxy row is gone; *n of them. */
int store_history_drop_orphans(struct store *st, int64_t *n,
    struct pr_error *err);

/*
 * ==== The credential watch (store_credwatch.c) ====
 * One row per identity (identity_hash): what MyProxy INFO said of the
 * stored credential behind its proxies, when to ask next, the warning
 * lead times already warned about (bit i: lead i). Rows of identities
 * without a live proxy are dropped when they come due.
 */
struct store_cred {
	char *identity_hash;
	char *identity;
	int64_t cred_end;	/* the stored credential's end; 0 unknown */
	char *server;		/* the MyProxy server that said so; "" */
	int renew_allowed;	/* enum renew_allowed (renew_contract.h) */
	char *renewers;		/* the credential's renewers policy; "" */
	int64_t checked;	/* last INFO answered; 0 never */
	int64_t next_check;	/* when to ask next */
	unsigned warned;	/* lead times warned about */
	char *last_error;	/* the last INFO's failure; "" answered */
};

/*
 * Watch identity: ask INFO at `when` at the latest (a new row, or an
 * earlier next_check). One statement, in the caller's transaction (the
 * REGISTER's batch, a renewal's commit).
 */
int store_cred_watch(struct store *st, const char *identity_hash,
    const char *identity, int64_t when, struct pr_error *err);

/* 0 and *c (free with store_cred_free), or PR_ERR_NOT_REGISTERED. */
int store_cred_get(struct store *st, const char *identity_hash,
    struct store_cred *c, struct pr_error *err);

/* The earliest next_check: 0 and *c, or PR_ERR_NOT_REGISTERED. */
int store_cred_next(struct store *st, struct store_cred *c,
    struct pr_error *err);

/*
 * A live proxy of the identity to ask INFO with (the latest ending):
 * 0 and *proxy_id, or PR_ERR_NOT_REGISTERED.
 */
int store_cred_proxy(struct store *st, const char *identity_hash,
    int64_t *proxy_id, struct pr_error *err);

/* INFO answered at `when` (own transaction): c's cred_end, server,
 * renew_allowed, renewers, next_check and warned are stored. */
int store_cred_record(struct store *st, const struct store_cred *c,
    int64_t when, struct pr_error *err);

/* INFO failed (own transaction): why kept, asked again at next. */
int store_cred_failed(struct store *st, const char *identity_hash,
    const char *why, int64_t next, struct pr_error *err);

/* The warnings given so far (own transaction). */
int store_cred_warned(struct store *st, const char *identity_hash,
    unsigned warned, struct pr_error *err);

/* No live proxy of the identity any more (own transaction). */
int store_cred_forget(struct store *st, const char *identity_hash,
    struct pr_error *err);

void store_cred_free(struct store_cred *c);

#endif /* PR_STORE_H */
