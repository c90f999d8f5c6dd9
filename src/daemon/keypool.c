/*
 * keypool.c: the bounded pool of keys made ahead (rules in keypool.h).
 */
#include <stdlib.h>
#include <string.h>

#include "keypool.h"
#include "small_file.h"
#include "xmalloc.h"

void
keypool_init(struct keypool *p, size_t cap, int64_t max_age)
{
	memset(p, 0, sizeof(*p));
	p->cap = cap;
	p->max_age = max_age;
	if (cap > 0)
		p->keys = xcalloc(cap, sizeof(*p->keys));
}

static struct pool_key *
slot(struct keypool *p, size_t i)
{
	return &p->keys[(p->head + i) % p->cap];
}

/* Forget the oldest key, wiping it. */
static void
drop_oldest(struct keypool *p)
{
	struct pool_key *k = slot(p, 0);

	wipe_free(k->pem, k->len);
	memset(k, 0, sizeof(*k));
	p->head = (p->head + 1) % p->cap;
	p->n--;
	p->discarded++;
}

void
keypool_put(struct keypool *p, char *pem, size_t len, int64_t now)
{
	struct pool_key *k;

	p->made++;
	if (p->n >= p->cap) {
		wipe_free(pem, len);
		p->discarded++;
		return;
	}
	k = slot(p, p->n);
	k->pem = pem;
	k->len = len;
	k->made = now;
	p->n++;
}

size_t
keypool_expire(struct keypool *p, int64_t now)
{
	size_t dropped = 0;

	while (p->n > 0 && now - slot(p, 0)->made >= p->max_age) {
		drop_oldest(p);
		dropped++;
	}
	return dropped;
}

int
keypool_take(struct keypool *p, int64_t now, char **pem, size_t *len)
{
	struct pool_key *k;

	if (p->cap == 0)
		return -1;	/* disabled: neither hit nor miss */
	(void)keypool_expire(p, now);
	if (p->n == 0) {
		p->misses++;
		return -1;
	}
	k = slot(p, 0);
	*pem = k->pem;
	*len = k->len;
	memset(k, 0, sizeof(*k));
	p->head = (p->head + 1) % p->cap;
	p->n--;
	p->hits++;
	return 0;
}

int64_t
keypool_next_expiry(const struct keypool *p)
{
	if (p->n == 0)
		return 0;
	return p->keys[p->head].made + p->max_age;
}

void
keypool_free(struct keypool *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		struct pool_key *k = slot(p, i);

		wipe_free(k->pem, k->len);
	}
	free(p->keys);
	memset(p, 0, sizeof(*p));
}
