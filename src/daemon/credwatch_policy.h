/*
 * credwatch_policy.h: the pure decisions of the long-term credential watch
 * (credwatch_policy.c): which warning lead time a stored credential's end
 * has crossed (one warning per threshold and identity), when to ask
 * MyProxy INFO next, and what limits a proxy's end (Limited_by=).
 * No I/O; Unix seconds throughout.
 */
#ifndef PR_CREDWATCH_POLICY_H
#define PR_CREDWATCH_POLICY_H

#include <stddef.h>
#include <stdint.h>

#define CREDWATCH_LEADS_MAX	8	/* warning lead times */
#define CREDWATCH_LEAD_SEC_DEFAULTS	{ 7 * 86400, 2 * 86400 }
#define CREDWATCH_INTERVAL_SEC_DEFAULT	86400	/* INFO once a day */

/*
 * The lead time to warn about now: the smallest lead (the most urgent)
 * that cred_end - now has come within and whose bit is not yet in
 * *warned (bit i = leads[i] warned); it is set there. -1 when nothing is
 * new, or cred_end is unknown (0). leads need not be sorted.
 */
int	credwatch_warning(int64_t cred_end, int64_t now, const int64_t *leads,
	    size_t n_leads, unsigned *warned);

/* Forget the warnings a new, later stored credential makes void. */
unsigned credwatch_rearm(unsigned warned, int64_t cred_end, int64_t now,
	    const int64_t *leads, size_t n_leads);

/*
 * When to ask INFO next: now + delay (--credential-check-interval after an
 * answer, --credential-short-delay after a renewal that came back shorter
 * than asked), never after the proxy's end.
 */
int64_t	credwatch_next(int64_t now, int64_t delay, int64_t proxy_end);

enum limited_by { LIMITED_X509, LIMITED_VOMS_AC, LIMITED_STORED_CRED };

/*
 * What ends the proxy: its X.509 chain, a VOMS AC (ac_end 0: none), or
 * the stored credential (cred_end 0: unknown) when that is what cut the
 * chain short. The name for Limited_by= in *name.
 */
enum limited_by limited_by(int64_t x509_end, int64_t ac_end, int64_t cred_end,
	    const char **name);

/*
 * Parse a list of lead times "7d,2d" (each a number with s, m, h or d;
 * bare numbers are seconds; at most CREDWATCH_LEADS_MAX, each 1 s .. 365
 * d) into leads. 0, or -1 with why (a static text).
 */
int	credwatch_parse_leads(const char *s, int64_t *leads, size_t *n,
	    const char **why);

/*
 * The next time a lead not yet warned about is crossed (cred_end - lead,
 * later than now), or 0 when none is ahead: the watch asks INFO then.
 */
int64_t	credwatch_next_lead(int64_t cred_end, int64_t now,
	    const int64_t *leads, size_t n_leads, unsigned warned);

/*
 * A renewal obtained at `obtained` asking for asked_sec that ended at
 * end came back shorter (by more than a few minutes): 1 and the reason in
 * words in buf, by what limited it (limited_by()); else 0 and buf "".
 */
int	credwatch_short_reason(int64_t obtained, int64_t asked_sec,
	    int64_t end, enum limited_by lb, int64_t cred_end, char *buf,
	    size_t size);

/*
 * Renewals come first: may an INFO take a worker now? Not while a renewal
 * is due or the scheduler holds work for a slot, and only leaving a slot
 * free for renewals (unless there is only one). 1 yes, 0 no.
 */
int	credwatch_may_start(int n_running, int max_workers, int sched_held,
	    int renewal_due);

#endif /* PR_CREDWATCH_POLICY_H */
