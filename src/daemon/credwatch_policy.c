/*
 * credwatch_policy.c: the pure decisions of the credential watch
 * (credwatch_policy.h). The watch itself (MyProxy INFO in a worker,
 * myproxy_info() in src/renew) uses them once wired to the renewal wing.
 */
#include "credwatch_policy.h"

#define SHORTER_RECHECK_SEC	300	/* INFO soon after a short renewal */
#define END_SLACK_SEC		60	/* chain ends this close: stored cred */

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
credwatch_next(int64_t now, int64_t interval, int shorter, int64_t proxy_end)
{
	int64_t next = now + (shorter ? SHORTER_RECHECK_SEC : interval);

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
