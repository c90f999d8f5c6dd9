/*
 * keypool.h: the master's pool of private keys made ahead of renewals
 * (PEM text, from the generator child, keygen.c). Pure logic: no I/O, no
 * clock of its own (the caller passes now), no logging.
 *
 * Rules:
 *  (1) At most cap keys; a key offered to a full pool is wiped and
 *      counted as discarded.
 *  (2) A key older than max_age seconds is never handed out: it is wiped
 *      and counted as discarded (keypool_expire, and before every take).
 *  (3) keypool_take hands a key out once: the caller owns it and wipes it
 *      (wipe_free) after use; the pool forgets it.
 *  (4) Every key the pool drops (full, aged, keypool_free) is wiped.
 */
#ifndef PR_KEYPOOL_H
#define PR_KEYPOOL_H

#include <stddef.h>
#include <stdint.h>

struct pool_key {
	char *pem;		/* PEM private key, malloc'ed */
	size_t len;
	int64_t made;		/* Unix seconds it reached the pool */
};

struct keypool {
	struct pool_key *keys;	/* ring of cap slots, oldest at head */
	size_t cap;		/* 0: the pool is disabled */
	size_t head;
	size_t n;		/* keys held */
	int64_t max_age;	/* seconds */
	uint64_t made;		/* keys received from the generator */
	uint64_t hits;		/* renewals that got a key */
	uint64_t misses;	/* renewals that found the pool empty */
	uint64_t discarded;	/* wiped unused: aged, or offered when full */
};

void	keypool_init(struct keypool *p, size_t cap, int64_t max_age);

/* Rule (1): take ownership of pem (the pool's, or wiped when full). */
void	keypool_put(struct keypool *p, char *pem, size_t len, int64_t now);

/* Rule (2): drop aged keys; how many were dropped. */
size_t	keypool_expire(struct keypool *p, int64_t now);

/* Rule (3): 0 and the oldest usable key, or -1 (empty: a miss). */
int	keypool_take(struct keypool *p, int64_t now, char **pem, size_t *len);

/* When the oldest key held will be too old; 0 when none is held. */
int64_t	keypool_next_expiry(const struct keypool *p);

/* Rule (4): wipe and free every key. */
void	keypool_free(struct keypool *p);

#endif /* PR_KEYPOOL_H */
