/*
 * proxy_memo.h: what GET answers of each proxy (file, servers, times), in
 * memory, by proxy id; job_index.h's companion, with the same promise:
 * a record is exact or absent, absent means "ask SQLite".
 *
 * The records sit inline in an open table keyed by the proxy's row id
 * (open_table.h), so a GET reads one slot after the job index's: no
 * pointer to follow but to its server list, kept once for every proxy that
 * names it (a site has a few), no page walk (huge pages). Any id is kept: the live
 * ids of a daemon that ran for months are sparse, SQLite's max + 1 having
 * moved on with every proxy added. Nothing is kept once memory ran out.
 * Lower layer: no SQLite, never logs.
 */
#ifndef PR_PROXY_MEMO_H
#define PR_PROXY_MEMO_H

#include <stddef.h>
#include <stdint.h>

/* A record as read: file and servers stay valid until pm next changes. */
struct proxy_memo_rec {
	int64_t obtained, not_after, next_renewal;
	const char *file, *servers;
};

struct proxy_memo;

struct proxy_memo *proxy_memo_new(void);	/* NULL without memory */
void		 proxy_memo_free(struct proxy_memo *pm);

/* The record of proxy id into *r: 1, or 0 when absent. */
int		 proxy_memo_get(const struct proxy_memo *pm, int64_t id,
		    struct proxy_memo_rec *r);
/* Keep a committed record (replacing the one of that id). */
void		 proxy_memo_put(struct proxy_memo *pm, int64_t id,
		    const char *file, const char *servers, int64_t obtained,
		    int64_t not_after, int64_t next_renewal);
/* The row changed or went: forget it; id 0 forgets every record. */
void		 proxy_memo_forget(struct proxy_memo *pm, int64_t id);

/* Shrink the table to its records, ~70 % full (after the start-up load,
 * which grew it by half at a time). */
void		 proxy_memo_fit(struct proxy_memo *pm);

size_t		 proxy_memo_count(const struct proxy_memo *pm);
/* Bytes held: the table, the kept server lists, the names too long for
 * a slot. */
size_t		 proxy_memo_bytes(const struct proxy_memo *pm);

#endif /* PR_PROXY_MEMO_H */
