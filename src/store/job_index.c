/*
 * job_index.c: the committed job -> proxy pairs in memory (job_index.h).
 *
 * An open table (open_table.h) keyed by the job key's first 64 bits, which
 * are already a digest's; near 70 % full. Removal shifts the following
 * entries back (no tombstones, so lookups never slow down with churn).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "job_index.h"
#include "open_table.h"

#define SALT_BYTES	16
#define MIN_SLOTS	1024
#define MAX_DEPTH	16	/* nested savepoints; deeper switches off */
#define AMBIGUOUS	0	/* proxy of an entry two jobs share (rule 2) */

struct slot {
	uint64_t a;		/* 0: free */
	uint32_t b;
	uint32_t proxy;		/* proxy id, or AMBIGUOUS */
};

struct job_index {
	struct slot *slot;
	size_t n_slots, n_used;
	struct slot *pending;	/* additions waiting for their commit */
	size_t n_pending, cap_pending;
	size_t mark[MAX_DEPTH];	/* n_pending at each open savepoint */
	int depth;
	int off;		/* rule (3): switched off */
	EVP_MD_CTX *md_ctx;
	EVP_MD *md;
	unsigned char salt[SALT_BYTES];
};

struct job_index *
job_index_new(void)
{
	struct job_index *ix;

	if ((ix = calloc(1, sizeof(*ix))) == NULL)
		return NULL;
	if ((ix->md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (ix->md_ctx = EVP_MD_CTX_new()) == NULL ||
	    RAND_bytes(ix->salt, sizeof(ix->salt)) != 1) {
		job_index_free(ix);
		return NULL;
	}
	return ix;
}

static void
switch_off(struct job_index *ix)
{
	free(ix->slot);
	free(ix->pending);
	ix->slot = ix->pending = NULL;
	ix->n_slots = ix->n_used = ix->n_pending = ix->cap_pending = 0;
	ix->depth = 0;
	ix->off = 1;
}

void
job_index_free(struct job_index *ix)
{
	if (ix == NULL)
		return;
	switch_off(ix);
	EVP_MD_CTX_free(ix->md_ctx);
	EVP_MD_free(ix->md);
	OPENSSL_cleanse(ix->salt, sizeof(ix->salt));
	free(ix);
}

int
job_index_key(struct job_index *ix, const char *jobid, size_t len,
    struct job_key *k)
{
	unsigned char d[EVP_MAX_MD_SIZE];

	if (EVP_DigestInit_ex2(ix->md_ctx, ix->md, NULL) != 1 ||
	    EVP_DigestUpdate(ix->md_ctx, ix->salt, sizeof(ix->salt)) != 1 ||
	    EVP_DigestUpdate(ix->md_ctx, jobid, len) != 1 ||
	    EVP_DigestFinal_ex(ix->md_ctx, d, NULL) != 1)
		return -1;
	memcpy(&k->a, d, sizeof(k->a));
	memcpy(&k->b, d + sizeof(k->a), sizeof(k->b));
	if (k->a == 0)
		k->a = 1;	/* 0 marks a free slot; one bit of 96 lost */
	return 0;
}

/* The slot holding k, or the free slot where it would go. */
static size_t
probe(const struct slot *s, size_t n_slots, const struct job_key *k)
{
	size_t i = open_table_home(n_slots, k->a);

	while (s[i].a != 0 && (s[i].a != k->a || s[i].b != k->b))
		i = open_table_next(n_slots, i);
	return i;
}

static int
resize(struct job_index *ix, size_t n_slots)
{
	struct slot *s;
	size_t i, j;

	if (n_slots > UINT32_MAX ||
	    (s = open_table_new(n_slots, sizeof(*s))) == NULL)
		return -1;
	for (i = 0; i < ix->n_slots; i++) {
		if (ix->slot[i].a == 0)
			continue;
		struct job_key k = { ix->slot[i].a, ix->slot[i].b };

		j = probe(s, n_slots, &k);
		s[j] = ix->slot[i];
	}
	free(ix->slot);
	ix->slot = s;
	ix->n_slots = n_slots;
	return 0;
}

void
job_index_reserve(struct job_index *ix, size_t n)
{
	size_t want = open_table_room(n, MIN_SLOTS);

	if (!ix->off && want > ix->n_slots && resize(ix, want) != 0)
		switch_off(ix);
}

int64_t
job_index_find(const struct job_index *ix, const struct job_key *k)
{
	size_t i;

	if (ix->off || ix->n_used == 0)
		return 0;
	i = probe(ix->slot, ix->n_slots, k);
	return ix->slot[i].a != 0 ? ix->slot[i].proxy : 0;
}

void
job_index_put(struct job_index *ix, const struct job_key *k,
    int64_t proxy_id)
{
	uint32_t p = proxy_id > 0 && proxy_id < UINT32_MAX ?
	    (uint32_t)proxy_id : AMBIGUOUS;	/* SQLite answers the rest */
	size_t i, n;

	if (ix->off)
		return;
	n = open_table_grown(ix->n_slots, ix->n_used, MIN_SLOTS);
	if (n != ix->n_slots && resize(ix, n) != 0) {
		switch_off(ix);
		return;
	}
	i = probe(ix->slot, ix->n_slots, k);
	if (ix->slot[i].a == 0) {
		ix->slot[i].a = k->a;
		ix->slot[i].b = k->b;
		ix->slot[i].proxy = p;
		ix->n_used++;
	} else if (ix->slot[i].proxy != p)
		ix->slot[i].proxy = AMBIGUOUS;	/* rule (2) */
}

/* Free slot i, moving back the entries of its probe run that may. */
static void
shift_back(struct job_index *ix, size_t i)
{
	size_t j = i, h, n = ix->n_slots;

	for (;;) {
		j = open_table_next(n, j);
		if (ix->slot[j].a == 0)
			break;
		h = open_table_home(n, ix->slot[j].a);
		if (open_table_stays(i, h, j))
			continue;
		ix->slot[i] = ix->slot[j];
		i = j;
	}
	memset(&ix->slot[i], 0, sizeof(ix->slot[i]));
	ix->n_used--;
}

void
job_index_remove(struct job_index *ix, const struct job_key *k)
{
	size_t i;

	if (ix->off)
		return;
	for (i = 0; i < ix->n_pending; i++)
		if (ix->pending[i].a == k->a && ix->pending[i].b == k->b)
			ix->pending[i].a = 0;	/* void; marks stay valid */
	if (ix->n_used == 0)
		return;
	i = probe(ix->slot, ix->n_slots, k);
	/* an ambiguous entry may still name another job: it stays */
	if (ix->slot[i].a != 0 && ix->slot[i].proxy != AMBIGUOUS)
		shift_back(ix, i);
}

void
job_index_pend(struct job_index *ix, const struct job_key *k,
    int64_t proxy_id)
{
	struct slot *p;
	size_t cap;

	if (ix->off)
		return;
	if (ix->n_pending == ix->cap_pending) {
		cap = ix->cap_pending < 64 ? 64 : ix->cap_pending * 2;
		if (cap > SIZE_MAX / sizeof(*p) ||
		    (p = realloc(ix->pending, cap * sizeof(*p))) == NULL) {
			switch_off(ix);
			return;
		}
		ix->pending = p;
		ix->cap_pending = cap;
	}
	p = &ix->pending[ix->n_pending++];
	p->a = k->a;
	p->b = k->b;
	p->proxy = proxy_id > 0 && proxy_id < UINT32_MAX ?
	    (uint32_t)proxy_id : AMBIGUOUS;
}

void
job_index_savepoint(struct job_index *ix)
{
	if (ix->off)
		return;
	if (ix->depth == MAX_DEPTH) {
		switch_off(ix);
		return;
	}
	ix->mark[ix->depth++] = ix->n_pending;
}

void
job_index_release(struct job_index *ix)
{
	if (!ix->off && ix->depth > 0)
		ix->depth--;
}

void
job_index_rollback_to(struct job_index *ix)
{
	if (!ix->off && ix->depth > 0)
		ix->n_pending = ix->mark[ix->depth - 1];
}

void
job_index_commit(struct job_index *ix)
{
	size_t i, n = ix->n_pending;

	ix->n_pending = 0;
	ix->depth = 0;
	for (i = 0; i < n && !ix->off; i++) {
		struct job_key k = { ix->pending[i].a, ix->pending[i].b };

		if (k.a != 0)	/* 0: removed in the same transaction */
			job_index_put(ix, &k, ix->pending[i].proxy != AMBIGUOUS ?
			    (int64_t)ix->pending[i].proxy : -1);
	}
}

void
job_index_abort(struct job_index *ix)
{
	ix->n_pending = 0;
	ix->depth = 0;
}

int64_t
job_index_count(const struct job_index *ix)
{
	return ix->off ? -1 : (int64_t)ix->n_used;
}

size_t
job_index_bytes(const struct job_index *ix)
{
	return (ix->n_slots + ix->cap_pending) * sizeof(struct slot);
}
