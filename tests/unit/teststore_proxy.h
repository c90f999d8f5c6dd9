/*
 * teststore_proxy.h: the proxy row the store's unit tests and
 * bench_history insert: file "<hash>.<suffix>" of alice at servers, no
 * FQANs, not unique, valid until not_after, obtained 12 h before it, due
 * 30 min before it. Plain C (no cmocka): the benchmark includes it too.
 */
#ifndef PR_TESTSTORE_PROXY_H
#define PR_TESTSTORE_PROXY_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "store.h"

/* p filled; its strings are borrowed (file: the caller's size bytes). */
static inline void
teststore_proxy(struct store_proxy *p, char *file, size_t size,
    const char *hash, int suffix, const char *servers, int64_t not_after)
{
	memset(p, 0, sizeof(*p));
	snprintf(file, size, "%s.%d", hash, suffix);
	p->identity = (char *)"/C=XX/O=Test/CN=Alice";
	p->identity_hash = (char *)hash;
	p->file = file;
	p->servers = (char *)servers;
	p->fqans = (char *)"";
	p->not_after = not_after;
	p->obtained = not_after - 43200;
	p->next_renewal = not_after - 1800;
	p->last_error = (char *)"";
}

#endif /* PR_TESTSTORE_PROXY_H */
