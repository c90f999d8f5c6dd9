/*
 * room_for_one.h: the store's growable arrays (the start-up walks collect
 * one entry per record). Library code: NULL on out of memory, never dies.
 */
#ifndef PR_ROOM_FOR_ONE_H
#define PR_ROOM_FOR_ONE_H

#include <stdlib.h>

/* Array p of *cap elements of size (n used) with room for one more: p
 * itself, a larger copy (doubled), or NULL (p left as it was). */
static inline void *
room_for_one(void *p, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? 2 * *cap : 16;

	if (n < *cap)
		return p;
	if ((p = reallocarray(p, c, size)) != NULL)
		*cap = c;
	return p;
}

#endif /* PR_ROOM_FOR_ONE_H */
