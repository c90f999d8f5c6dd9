/*
 * credwatch_int.h: what the two files of the credential watch share:
 * credwatch.c (when to ask, the worker) and credwatch_result.c (what the
 * answer means: record, log, warnings, hook).
 */
#ifndef PR_CREDWATCH_INT_H
#define PR_CREDWATCH_INT_H

#include <stdint.h>

#include "credwatch_policy.h"
#include "daemon.h"
#include "store.h"

struct renew_result;

/* One INFO in flight: the row as read when due, the proxy it asks with. */
struct watch_run {
	struct daemon *d;
	struct store_cred c;
	struct store_proxy p;
};

struct credwatch {
	struct daemon *d;
	long long timer;		/* loop timer id; 0 none */
	int64_t armed_for;		/* Unix seconds it is armed for */
	struct watch_run *busy;		/* the INFO in flight; NULL none */
	int64_t hold_until;		/* an answer could not be recorded */
	int is_settled;			/* armed for the earliest next_check,
					   or nothing watched: a freed worker
					   slot changes nothing (no kick) */
};

/* An answer or failure could not be recorded (why): wait, say it once. */
void	credwatch_not_recorded(struct daemon *d, const char *why, int64_t now);

/* What the worker said (res), at now: recorded, logged, warned. */
void	credwatch_result(struct daemon *d, struct watch_run *run,
	    const struct renew_result *res, int64_t now, int64_t dur_ms);

/* The INFO failed (why): logged once per cause, asked again later. */
void	credwatch_failed(struct daemon *d, struct watch_run *run,
	    const char *why, int64_t now);

#endif /* PR_CREDWATCH_INT_H */
