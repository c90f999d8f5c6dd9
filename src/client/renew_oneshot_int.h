/*
 * renew_oneshot_int.h: the one-shot renewal behind proxyrenew_renew() and
 * glite_renewal_core_renew() (renewal_core.c): one path through the
 * confined worker, not installed.
 */
#ifndef PR_RENEW_ONESHOT_INT_H
#define PR_RENEW_ONESHOT_INT_H

#include <stddef.h>

#include "pr_error.h"
#include "renew_oneshot.h"

struct oneshot_job {
	const char *servers;		/* "host[:port],..." */
	const char *current;		/* the current proxy */
	const char *out_path;		/* renamed to on success; NULL: the
					 * temporary file is the result */
	const char *tmp_prefix;		/* temporary file: PREFIX.XXXXXX */
	const struct proxyrenew_renew_opts *opts;	/* not NULL */
	int voms;			/* 1: renew VOMS ACs too */
	const char *vomses;		/* NULL: the worker's defaults */
};

/*
 * Run the worker on j (the current proxy and a new temporary file handed
 * as descriptors), check what it wrote, rename it to j->out_path when set.
 * tmp receives the temporary file's name; it is removed on failure.
 * 0 or a code with err.msg.
 */
int oneshot_renew(const struct oneshot_job *j, char *tmp, size_t tmp_size,
    struct proxyrenew_renew_info *info, struct pr_error *err);

#endif /* PR_RENEW_ONESHOT_INT_H */
