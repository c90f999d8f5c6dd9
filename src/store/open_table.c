/*
 * open_table.c: the tables' memory (open_table.h).
 */
#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>

#include "open_table.h"

#define CACHE_LINE	64u
#define HUGE_PAGE	(2u << 20)	/* x86-64 and arm64 (4k pages) */

void *
open_table_new(size_t n, size_t size)
{
	size_t align, bytes;
	void *p;

	if (n == 0 || size > SIZE_MAX / n)
		return NULL;
	bytes = n * size;
	align = bytes >= 2 * HUGE_PAGE ? HUGE_PAGE : CACHE_LINE;
	if (bytes > SIZE_MAX - align)
		return NULL;
	/* C11: the size a multiple of the alignment */
	bytes = (bytes + align - 1) / align * align;
	if ((p = aligned_alloc(align, bytes)) == NULL)
		return NULL;
	if (align == HUGE_PAGE)
		(void)madvise(p, bytes, MADV_HUGEPAGE);	/* a hint */
	return memset(p, 0, bytes);
}
