/*
 * credwatch_policy.c: the pure decisions of the credential watch
 * (credwatch_policy.h), used by the watch itself (credwatch.c: MyProxy
 * INFO in a worker) and by the renewal's end (sched_renewal.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "credwatch_policy.h"

#define END_SLACK_SEC		60	/* chain ends this close: stored cred */
#define SHORT_SLACK_SEC		300	/* shorter than asked by more */
#define LEAD_MAX_SEC		(365 * 86400LL)

int
credwatch_warning(int64_t cred_end, int64_t now, const int64_t *leads,
    size_t n_leads, unsigned *warned)
{
	int64_t left = cred_end - now;
	size_t i;
	int best = -1;

	if (cred_end <= 0)
		return -1;
	for (i = 0; i < n_leads && i < CREDWATCH_LEADS_MAX; i++) {
		if (left > leads[i] || (*warned & (1u << i)))
			continue;
		if (best == -1 || leads[i] < leads[best])
			best = (int)i;
	}
	if (best == -1)
		return -1;
	/* the larger leads crossed as well are covered by this warning */
	for (i = 0; i < n_leads && i < CREDWATCH_LEADS_MAX; i++)
		if (left <= leads[i])
			*warned |= 1u << i;
	return best;
}

unsigned
credwatch_rearm(unsigned warned, int64_t cred_end, int64_t now,
    const int64_t *leads, size_t n_leads)
{
	size_t i;

	for (i = 0; i < n_leads && i < CREDWATCH_LEADS_MAX; i++)
		if (cred_end - now > leads[i])
			warned &= ~(1u << i);
	return warned;
}

int64_t
credwatch_next(int64_t now, int64_t delay, int64_t proxy_end)
{
	int64_t next = now + delay;

	if (proxy_end > now && next > proxy_end)
		next = proxy_end;
	return next;
}

enum limited_by
limited_by(int64_t x509_end, int64_t ac_end, int64_t cred_end,
    const char **name)
{
	enum limited_by lb = LIMITED_X509;

	if (ac_end > 0 && ac_end < x509_end)
		lb = LIMITED_VOMS_AC;
	else if (cred_end > 0 && x509_end >= cred_end - END_SLACK_SEC &&
	    x509_end <= cred_end + END_SLACK_SEC)
		lb = LIMITED_STORED_CRED;
	if (name != NULL)
		*name = lb == LIMITED_VOMS_AC ? "voms-ac" :
		    lb == LIMITED_STORED_CRED ? "stored-credential" : "x509";
	return lb;
}

/* One "N[smhd]" of a lead list; *s moved past it. 0 or -1. */
static int
parse_lead(const char **s, int64_t *out)
{
	char *end;
	long long v;
	int64_t unit = 1;

	if (!isdigit((unsigned char)**s))
		return -1;	/* no sign, no blank */
	errno = 0;
	v = strtoll(*s, &end, 10);
	if (errno != 0 || v <= 0)
		return -1;
	switch (*end) {
	case 'd': unit = 86400; end++; break;
	case 'h': unit = 3600; end++; break;
	case 'm': unit = 60; end++; break;
	case 's': end++; break;
	default: break;
	}
	if (v > LEAD_MAX_SEC / unit)
		return -1;
	if (*end == ',' && end[1] != '\0')
		end++;
	else if (*end != '\0')
		return -1;	/* junk, or a trailing comma */
	*out = (int64_t)v * unit;
	*s = end;
	return 0;
}

int
credwatch_parse_leads(const char *s, int64_t *leads, size_t *n,
    const char **why)
{
	*n = 0;
	*why = "a list of lead times like 7d,2d (s, m, h or d; 1 s to 365 d "
	    "each, at most 8)";
	if (s == NULL || *s == '\0')
		return -1;
	while (*s != '\0') {
		if (*n >= CREDWATCH_LEADS_MAX || parse_lead(&s, &leads[*n]) != 0)
			return -1;
		(*n)++;
	}
	return 0;
}

int64_t
credwatch_next_lead(int64_t cred_end, int64_t now, const int64_t *leads,
    size_t n_leads, unsigned warned)
{
	int64_t t, best = 0;
	size_t i;

	if (cred_end <= 0)
		return 0;
	for (i = 0; i < n_leads && i < CREDWATCH_LEADS_MAX; i++) {
		t = cred_end - leads[i];
		if ((warned & (1u << i)) || t <= now)
			continue;
		if (best == 0 || t < best)
			best = t;
	}
	return best;
}

int
credwatch_short_reason(int64_t obtained, int64_t asked_sec, int64_t end,
    enum limited_by lb, int64_t cred_end, char *buf, size_t size)
{
	int64_t got = end - obtained;
	char when[40];

	buf[0] = '\0';
	if (obtained <= 0 || asked_sec <= 0 || got >= asked_sec - SHORT_SLACK_SEC)
		return 0;
	clock_fmt_utc(lb == LIMITED_STORED_CRED ? cred_end : end, when, sizeof(when));
	(void)snprintf(buf, size, "the last renewal asked for %lld h and got "
	    "%lld h %02lld min: %s", (long long)(asked_sec / 3600),
	    (long long)(got > 0 ? got / 3600 : 0),
	    (long long)(got > 0 ? got % 3600 / 60 : 0),
	    lb == LIMITED_STORED_CRED ? "the long-term credential stored in "
	    "MyProxy ends then (" : lb == LIMITED_VOMS_AC ? "the VOMS "
	    "server's attribute certificate ends first (" : "the MyProxy "
	    "server or the stored credential's policy limits the lifetime of "
	    "retrieved proxies (proxy ends ");
	(void)snprintf(buf + strlen(buf), size - strlen(buf), "%s)", when);
	return 1;
}

int
credwatch_may_start(int n_running, int max_workers, int sched_held,
    int renewal_due)
{
	int keep = max_workers > 1 ? 1 : 0;	/* one slot for renewals */

	return !sched_held && !renewal_due && n_running + keep < max_workers;
}
