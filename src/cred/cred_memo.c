/*
 * cred_memo.c: the daemon's last inspections, by SHA-256 of the PEM text.
 *
 * A job manager registers every job of a user with the proxy it holds, so
 * REGISTER sees the same bytes again and again; parsing them costs
 * OpenSSL 3 a decoder per certificate (most of REGISTER's CPU). An
 * inspection is a function of the bytes alone, except the expiry check
 * against `now`, which a hit repeats. Only successes are kept, and only
 * what struct cred_info holds: never a key.
 *
 * Invariants:
 *  (1) A slot is used only when its digest matches all of the text.
 *  (2) The memo owns its slots' cred_info; callers get deep copies.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cred.h"

#define CRED_MEMO_SLOTS	32	/* distinct proxy files remembered */

struct memo_slot {
	unsigned char md[32];		/* SHA-256 of the PEM text */
	struct cred_info info;		/* what inspecting it gave */
	int used;
};

struct cred_memo {
	struct cred_decoder *dec;	/* for the misses */
	struct memo_slot slot[CRED_MEMO_SLOTS];
	unsigned next;			/* round-robin replacement */
};

struct cred_memo *
cred_memo_new(void)
{
	struct cred_memo *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if ((m->dec = cred_decoder_new()) == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

struct cred_decoder *
cred_memo_decoder(struct cred_memo *m)
{
	return m != NULL ? m->dec : NULL;
}

void
cred_memo_free(struct cred_memo *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < CRED_MEMO_SLOTS; i++)
		cred_info_free(&m->slot[i].info);
	cred_decoder_free(m->dec);
	free(m);
}

static int
info_copy(const struct cred_info *from, struct cred_info *to)
{
	*to = *from;
	to->subject = strdup(from->subject);
	to->identity = strdup(from->identity);
	to->fqans = strdup(from->fqans);
	if (to->subject == NULL || to->identity == NULL || to->fqans == NULL) {
		cred_info_free(to);
		return ENOMEM;
	}
	return 0;
}

/* The SHA-256 of the text; 0 or -1. */
static int
memo_digest(const char *pem, size_t len, unsigned char md[32])
{
	unsigned int md_len = 0;

	return EVP_Digest(pem, len, md, &md_len, EVP_sha256(), NULL) == 1 &&
	    md_len == 32 ? 0 : -1;
}

static void
memo_put(struct cred_memo *m, const unsigned char md[32],
    const struct cred_info *info)
{
	struct memo_slot *s = &m->slot[m->next];

	m->next = (m->next + 1) % CRED_MEMO_SLOTS;
	cred_info_free(&s->info);
	s->used = info_copy(info, &s->info) == 0;
	memcpy(s->md, md, 32);
}

static int
memo_find_md(struct cred_memo *m, const unsigned char md[32], time_t now,
    struct cred_info *info, struct pr_error *err)
{
	struct memo_slot *s;
	size_t i;

	for (i = 0; i < CRED_MEMO_SLOTS; i++) {
		s = &m->slot[i];
		if (!s->used || memcmp(s->md, md, 32) != 0)
			continue;
		if (s->info.not_after <= (int64_t)now)	/* as cred_inspect */
			return pr_error_set(err, PR_ERR_EXPIRED,
			    "proxy expired at %lld (now %lld)",
			    (long long)s->info.not_after, (long long)now);
		if (info_copy(&s->info, info) != 0)
			return pr_error_set(err, ENOMEM, "out of memory");
		return 0;
	}
	return CRED_MEMO_MISS;
}

int
cred_memo_find(struct cred_memo *m, const char *pem, size_t len, time_t now,
    struct cred_memo_key *key, struct cred_info *info, struct pr_error *err)
{
	memset(info, 0, sizeof(*info));
	key->ok = m != NULL && memo_digest(pem, len, key->md) == 0;
	if (!key->ok)
		return CRED_MEMO_MISS;
	return memo_find_md(m, key->md, now, info, err);
}

void
cred_memo_keep(struct cred_memo *m, const struct cred_memo_key *key,
    const struct cred_info *info)
{
	if (m != NULL && key->ok)
		memo_put(m, key->md, info);
}

int
cred_memo_inspect(struct cred_memo *m, const struct cred_memo_key *key,
    const char *pem, size_t len, time_t now, struct cred_info *info,
    struct pr_error *err)
{
	int rc;

	rc = cred_inspect_with(m != NULL ? m->dec : NULL, pem, len, now, info,
	    err);
	if (rc == 0)
		cred_memo_keep(m, key, info);
	return rc;
}

int
cred_inspect_memo(struct cred_memo *m, const char *pem, size_t len,
    time_t now, struct cred_info *info, struct pr_error *err)
{
	struct cred_memo_key key;
	int rc;

	if ((rc = cred_memo_find(m, pem, len, now, &key, info, err)) !=
	    CRED_MEMO_MISS)
		return rc;
	return cred_memo_inspect(m, &key, pem, len, now, info, err);
}
