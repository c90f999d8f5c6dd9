/*
 * job_index.h: the committed job -> proxy pairs of the repository, in
 * memory, so that GET does not read B-tree pages at a million jobs
 * (issue 10). A cache of SQLite's job table, never its replacement.
 *
 * A job is known by a 96-bit key: SHA-256 of a salt drawn at start and
 * the job id. Without the id itself an entry takes 16 bytes (~23 MB at a
 * million jobs, table 70 % full).
 *
 * Rules:
 *  (1) Exact or absent: an entry says proxy P only when the job with that
 *      key is committed on P. Absent means "ask SQLite". So a removal
 *      applies at once (if it is rolled back the job is only absent), and
 *      an addition waits in the pending list for the commit that holds it;
 *      ROLLBACK TO drops what was added after its savepoint.
 *  (2) Two jobs with one key (2^-96 for a pair): the entry becomes
 *      ambiguous and stays so; its jobs are answered by SQLite. A job id
 *      not registered matches an entry with probability n / 2^96.
 *  (3) Out of memory: the index switches itself off (every lookup asks
 *      SQLite); nothing is ever wrong, only slower.
 * Lower layer: no SQLite, never logs.
 */
#ifndef PR_JOB_INDEX_H
#define PR_JOB_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct job_key {
	uint64_t a;		/* never 0: 0 marks a free slot */
	uint32_t b;
};

struct job_index;

/* NULL when memory or randomness for the salt is lacking. */
struct job_index *job_index_new(void);
void		 job_index_free(struct job_index *ix);

/* The key of a job id. 0, or -1 when the digest fails. */
int		 job_index_key(struct job_index *ix, const char *jobid,
		    size_t len, struct job_key *k);

/* The proxy id of a committed job; 0 when absent or ambiguous. */
int64_t		 job_index_find(const struct job_index *ix,
		    const struct job_key *k);

/* A committed pair (the start-up load, a lookup outside a transaction). */
void		 job_index_put(struct job_index *ix, const struct job_key *k,
		    int64_t proxy_id);
/* The job is gone (or may be): forget it, pending or not (rule 1). */
void		 job_index_remove(struct job_index *ix, const struct job_key *k);
/* Room for n entries without growing (the start-up load). */
void		 job_index_reserve(struct job_index *ix, size_t n);

/* Transactions, rule (1): an addition waits for the commit. */
void		 job_index_pend(struct job_index *ix, const struct job_key *k,
		    int64_t proxy_id);
void		 job_index_savepoint(struct job_index *ix);
void		 job_index_release(struct job_index *ix);
void		 job_index_rollback_to(struct job_index *ix);
void		 job_index_commit(struct job_index *ix);	/* pending -> index */
void		 job_index_abort(struct job_index *ix);	/* pending dropped */

/* Entries in the index; -1 once it switched itself off (rule 3). */
int64_t		 job_index_count(const struct job_index *ix);
/* Bytes the index holds (its table and pending list). */
size_t		 job_index_bytes(const struct job_index *ix);

#endif /* PR_JOB_INDEX_H */
