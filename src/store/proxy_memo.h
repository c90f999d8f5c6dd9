/*
 * proxy_memo.h: what GET answers of each proxy (file, servers, times), in
 * memory, by proxy id; job_index.h's companion, with the same promise:
 * a record is exact or absent, absent means "ask SQLite".
 *
 * The records sit in an array indexed by the proxy's row id (ids are
 * dense: SQLite hands out max + 1). An id beyond four times the records
 * held plus 64k is not kept; nor is anything once memory ran out.
 * Lower layer: no SQLite, never logs.
 */
#ifndef PR_PROXY_MEMO_H
#define PR_PROXY_MEMO_H

#include <stddef.h>
#include <stdint.h>

struct proxy_memo_rec {
	int64_t obtained, not_after, next_renewal;
	const char *servers;	/* inside the record's own allocation */
	char file[];
};

struct proxy_memo;

struct proxy_memo *proxy_memo_new(void);	/* NULL without memory */
void		 proxy_memo_free(struct proxy_memo *pm);

/* The record of proxy id, or NULL. */
const struct proxy_memo_rec *proxy_memo_get(const struct proxy_memo *pm,
		    int64_t id);
/* Keep a committed record (replacing the one of that id). */
void		 proxy_memo_put(struct proxy_memo *pm, int64_t id,
		    const char *file, const char *servers, int64_t obtained,
		    int64_t not_after, int64_t next_renewal);
/* The row changed or went: forget it; id 0 forgets every record. */
void		 proxy_memo_forget(struct proxy_memo *pm, int64_t id);

size_t		 proxy_memo_count(const struct proxy_memo *pm);
/* Bytes held: the array and the records (without malloc's overhead). */
size_t		 proxy_memo_bytes(const struct proxy_memo *pm);

#endif /* PR_PROXY_MEMO_H */
