/*
 * status.c: STATUS (one repository file) and STATUS_ALL (every stored
 * record, for `proxy-renew status` without argument and `proxy-renew
 * check`): what the daemon knows about a proxy, read from the store.
 *
 * Rules:
 *  (1) One record's keys always start with its Proxy_name=, so a client
 *      splits a STATUS_ALL reply at each Proxy_name.
 *  (2) STATUS_ALL stays below PR_REPLY_LIST_MAX_BYTES (the client reads at
 *      most 1 MiB): records past it are counted in Omitted=, never cut.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cred.h"
#include "credwatch_policy.h"
#include "daemon.h"
#include "failure_class.h"
#include "keygen.h"
#include "message.h"
#include "pr_limits.h"
#include "renew_contract.h"
#include "store.h"
#include "xmalloc.h"

/* The class STATUS and LIST show for p's last attempt ("" when it worked). */
const char *
status_class(const struct daemon *d, const struct store_proxy *p)
{
	/* the repository cannot take the attempts: they fail locally */
	if (store_hold_reason(d) != NULL)
		return fclass_name(FCLASS_LOCAL);
	return fclass_name(fclass_classify(p->last_result, p->last_error,
	    NULL));
}

/* What the credential watch knows of the proxy's identity. */
static void
status_credential(const struct daemon *d, struct pr_msg *body,
    const struct store_proxy *p)
{
	struct store_cred c;
	struct pr_error err;

	pr_error_clear(&err);
	if (store_cred_get(d->store, p->identity_hash, &c, &err) != 0)
		return;
	body_add_int(body, PR_KEY_CRED_END_TIME, c.cred_end);
	if (c.server[0] != '\0')
		body_add(body, PR_KEY_CRED_SERVER, c.server);
	if (c.checked > 0)
		body_add(body, PR_KEY_CRED_RENEW_ALLOWED,
		    renew_allowed_name(c.renew_allowed));
	body_add_int(body, PR_KEY_CRED_CHECKED, c.checked);
	if (c.last_error[0] != '\0')
		body_add(body, PR_KEY_CRED_ERROR, c.last_error);
	store_cred_free(&c);
}

/* The keys of one record (rule 1). */
static void
status_record(const struct daemon *d, struct pr_msg *body,
    const struct store_proxy *p)
{
	body_add_proxy(d, body, p);
	body_add(body, PR_KEY_IDENTITY, p->identity);
	body_add_lines(body, PR_KEY_FQAN, p->fqans);
	body_add_int(body, PR_KEY_UNIQUE, p->is_unique ? 1 : 0);
	body_add_int(body, PR_KEY_JOBS, p->n_jobs);
	body_add_int(body, PR_KEY_LAST_ATTEMPT, p->last_attempt);
	body_add_int(body, PR_KEY_LAST_RESULT, p->last_result);
	body_add(body, PR_KEY_LAST_ERROR, p->last_error);
	body_add_int(body, PR_KEY_FAILURES, p->failures);
	body_add_int(body, PR_KEY_LAST_SUCCESS, p->last_success);
	body_add(body, PR_KEY_FAILURE_CLASS, status_class(d, p));
	if (store_hold_reason(d) != NULL)
		body_add(body, PR_KEY_HELD, store_hold_reason(d));
	status_credential(d, body, p);
}

/* Limited_by= and, after a renewal shorter than asked, Limited_reason=. */
static void
status_limited(const struct daemon *d, struct pr_msg *body,
    const struct store_proxy *p)
{
	struct cred_info info;
	struct pr_error err;
	char *path = xasprintf("%s/%s", d->repo_path, p->file), why[512];
	int64_t asked = d->opts.lifetime * 3600, cred_end;
	const char *name;
	enum limited_by lb;

	memset(&info, 0, sizeof(info));
	pr_error_clear(&err);
	if (p->next_renewal > 0 && cred_inspect_file(path,
	    PR_PROXY_FILE_MAX_BYTES, 0, &info, &err) == 0) {
		cred_end = credwatch_end_of(d,
		    p->identity_hash);
		lb = limited_by(info.not_after, info.ac_not_after, cred_end,
		    &name);
		body_add(body, PR_KEY_LIMITED_BY, name);
		/* the last renewal came back shorter than asked: why */
		if (p->last_result == 0 && p->last_attempt > 0 &&
		    p->obtained == p->last_attempt &&
		    credwatch_short_reason(p->obtained, asked <
		    RENEW_LIFETIME_SEC_MAX ? asked : RENEW_LIFETIME_SEC_MAX,
		    cred_expiry(&info), lb, cred_end, why, sizeof(why)))
			body_add(body, PR_KEY_LIMITED_REASON, why);
	}
	cred_info_free(&info);
	free(path);
}

int
status_command(struct daemon *d, const struct pr_request *req,
    struct pr_msg *body, struct pr_error *err)
{
	struct store_proxy p;
	const char *name;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((name = repo_file_of(d, req->proxy_name)) == NULL)
		return pr_error_set(err, PR_ERR_NOT_REGISTERED, "Proxy_name is "
		    "not a file of the repository %s", d->repo_path);
	if ((rc = store_get_proxy_by_file(d->store, name, &p, err)) == 0) {
		status_record(d, body, &p);
		status_limited(d, body, &p);
	}
	store_proxy_free(&p);
	return rc;
}

struct status_all {
	const struct daemon *d;
	struct body_list list;	/* rule (2) */
};

static int
status_all_one(const struct store_proxy *p, void *arg)
{
	struct status_all *sa = arg;

	if (body_list_begin(&sa->list)) {
		status_record(sa->d, sa->list.body, p);
		body_list_end(&sa->list);
	}
	return 0;
}

/* The key pool, server-wide (keygen.h). */
static void
status_key_pool(const struct daemon *d, struct pr_msg *body)
{
	struct keygen_stats st;

	keygen_stats(d, &st);
	body_add_int(body, PR_KEY_KEY_POOL_SIZE, (int64_t)st.size);
	body_add_int(body, PR_KEY_KEY_POOL_CAPACITY, (int64_t)st.capacity);
	body_add_int(body, PR_KEY_KEY_POOL_MADE, (int64_t)st.made);
	body_add_int(body, PR_KEY_KEY_POOL_HITS, (int64_t)st.hits);
	body_add_int(body, PR_KEY_KEY_POOL_MISSES, (int64_t)st.misses);
	body_add_int(body, PR_KEY_KEY_POOL_DISCARDED, (int64_t)st.discarded);
}

int
status_all_command(struct daemon *d, const struct pr_request *req,
    struct pr_msg *body, struct pr_error *err)
{
	struct status_all sa = { d, { body, 0, 0, 0 } };
	const char *name;
	size_t i;
	int rc;

	(void)req;
	if ((rc = store_foreach_proxy(d->store, status_all_one, &sa, err)) != 0)
		return rc;
	for (i = 0; (name = cool_nth_cooling(&d->sched.cool, &i)) != NULL;)
		body_add(body, PR_KEY_COOLING, name);
	body_add_int(body, PR_KEY_NOW, (int64_t)time(NULL));
	body_add_int(body, PR_KEY_OMITTED, sa.list.n_omitted);
	status_key_pool(d, body);
	return 0;
}
