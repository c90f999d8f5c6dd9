/*
 * xmalloc.h: allocation that dies on OOM, for daemon bookkeeping only.
 * Never for sizes that come from outside unbounded; never in library code.
 */
#ifndef PR_XMALLOC_H
#define PR_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* PR_XMALLOC_H */
