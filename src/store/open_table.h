/*
 * open_table.h: what GET's two in-memory tables (job_index.c, proxy_memo.c)
 * share: open addressing with linear probing, a key's home slot its hash's
 * top bits scaled to the table size (any size works, so a table grows by
 * half), removal by shifting entries back (no tombstones), and large tables
 * in huge pages.
 */
#ifndef PR_OPEN_TABLE_H
#define PR_OPEN_TABLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A zeroed table of n slots of size bytes, aligned to a cache line; from
 * 4 MiB up aligned to and advised into huge pages: every lookup lands on a
 * random slot, and with 4k pages each one also missed the TLB (a page walk
 * per GET at a million jobs). NULL without memory. free() releases it.
 */
void	*open_table_new(size_t n, size_t size);

/* The home slot of hash h in a table of n slots (n < 2^32). */
static inline size_t
open_table_home(size_t n, uint64_t h)
{
	return (size_t)(((h >> 32) * (uint64_t)n) >> 32);
}

static inline size_t
open_table_next(size_t n, size_t i)
{
	return i + 1 < n ? i + 1 : 0;
}

/*
 * Removal: slot i was freed and slot j holds an entry whose home is h.
 * Does the entry stay (its home lies cyclically in (i, j]), or move to i?
 */
static inline int
open_table_stays(size_t i, size_t h, size_t j)
{
	return i <= j ? (i < h && h <= j) : (i < h || h <= j);
}

/* Slots for n entries, the table ~70 % full (a start-up load's size). */
static inline size_t
open_table_room(size_t n, size_t min_slots)
{
	return n / 7 * 10 + min_slots;
}

/* Grow at 75 % full, by half. */
static inline size_t
open_table_grown(size_t n_slots, size_t n_used, size_t min_slots)
{
	if ((n_used + 1) * 4 <= n_slots * 3)
		return n_slots;
	return n_slots < min_slots ? min_slots : n_slots / 2 * 3;
}

#endif /* PR_OPEN_TABLE_H */
