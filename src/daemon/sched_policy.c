/*
 * sched_policy.c: when to renew and how long to wait after a failure.
 * Pure arithmetic on Unix seconds: no clock, no I/O, no state; the caller
 * passes "now" and the jitter, so every rule here is unit-tested.
 *
 * Rules (architecture.md, "Scheduling"):
 *  (1) T = earliest expiry, L = T - obtained, M = condor limit + clock skew.
 *      Renew at T - max(M, L/4), but never before now.
 *  (2) After n consecutive failures wait min * 2^(n-1), capped at max, less
 *      a jitter of up to a quarter (never below 1 s), so proxies that failed
 *      together do not retry together.
 *  (3) Inputs come from certificates: every step saturates instead of
 *      overflowing.
 *  (4) A renewal time is moved earlier by a jitter of up to
 *      SCHED_JITTER_PCT percent of the time left until the proxy expires,
 *      never before now: proxies registered together, renewed together
 *      after an outage or a restart do not all fall due in the same second.
 *      Only earlier, so the floor of rule (1) (T - M, "30 minutes before
 *      expiry") always holds.
 */
#include <stdint.h>

#include "daemon.h"
#include "pr_limits.h"

#define SCHED_JITTER_PCT	4	/* of the time left before expiry */

/* a - b, clamped to the int64_t range instead of overflowing. */
static int64_t
sat_sub(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return b > 0 ? INT64_MIN : INT64_MAX;
	return r;
}

int64_t
sched_renew_at(int64_t expiry, int64_t obtained, int64_t condor_limit,
    int64_t now)
{
	int64_t lifetime, margin, at;

	lifetime = sat_sub(expiry, obtained);
	if (lifetime < 0)
		lifetime = 0;
	margin = sat_sub(condor_limit, -PR_CLOCK_SKEW_SEC);	/* + skew */
	if (lifetime / 4 > margin)
		margin = lifetime / 4;
	at = sat_sub(expiry, margin);
	return at < now ? now : at;
}

int64_t
sched_jitter(int64_t at, int64_t expiry, int64_t now, uint32_t jitter)
{
	int64_t left = sat_sub(expiry, now), span;

	if (at <= now || left <= 0)
		return at < now ? now : at;
	span = left / 100 * SCHED_JITTER_PCT + left % 100 * SCHED_JITTER_PCT /
	    100;
	if (span > sat_sub(at, now))
		span = sat_sub(at, now);	/* never before now */
	return at - (int64_t)(jitter % ((uint64_t)span + 1));
}

int64_t
sched_backoff(int n_failures, int64_t min, int64_t max, uint32_t jitter)
{
	int64_t d = min < 1 ? 1 : min;
	int i;

	if (max < d)
		max = d;
	for (i = 1; i < n_failures && d < max; i++)
		d = d > max / 2 ? max : d * 2;
	if (d > max)
		d = max;
	d -= (int64_t)(jitter % ((uint64_t)(d / 4) + 1));
	return d < 1 ? 1 : d;
}
