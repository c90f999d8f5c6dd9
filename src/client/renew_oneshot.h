/*
 * renew_oneshot.h: one renewal of a proxy through MyProxy, outside the
 * daemon (the equivalent of gLite's glite_renewal_core_renew()). Exported
 * by libproxyrenew. Runs the proxy-renewd-worker executable (path from
 * PROXY_RENEWD_WORKER, else the installed libexec path), so no Globus code
 * runs in the caller's process. Library code: never exits, never logs,
 * never raises SIGPIPE; the caller's signal dispositions are not changed.
 */
#ifndef PR_RENEW_ONESHOT_H
#define PR_RENEW_ONESHOT_H

#define PROXYRENEW_SERVER_NAME_MAX 272	/* "host:port" + NUL */

struct proxyrenew_renew_opts {
	int lifetime_sec;	/* requested lifetime; 0: 12 hours */
	int timeout_sec;	/* hard limit on the whole renewal; 0: 120 s */
	int server_timeout_sec;	/* connect/read limit per server; 0: 30 s */
	const char *cert;	/* service credential; NULL: X509_USER_CERT, */
	const char *key;	/*   X509_USER_KEY, X509_CERT_DIR, then the */
	const char *cadir;	/*   /etc/grid-security defaults */
};

struct proxyrenew_renew_info {
	long long end_time;	/* earliest expiry of the new proxy, Unix time */
	char server[PROXYRENEW_SERVER_NAME_MAX];	/* the server that delivered */
};

/*
 * Renew current_proxy from the first MyProxy server of servers
 * ("host[:port],host[:port]", default port 7512) that delivers a proxy of
 * the same identity lasting longer than the current one, and write it to
 * out_path atomically (a temporary file in the same directory, renamed).
 * opts and info may be NULL. Returns 0, or an errno value / gLite code
 * (1906 bad credential, 1907 MyProxy refused, 1911 timeout, ...); on
 * failure *message (when message is not NULL) is a malloc'ed one-line
 * reason with every server's error, or NULL when out of memory; on success
 * *message is NULL. out_path is untouched on failure.
 */
int proxyrenew_renew(const char *servers, const char *current_proxy,
    const char *out_path, const struct proxyrenew_renew_opts *opts,
    struct proxyrenew_renew_info *info, char **message)
    __attribute__((visibility("default")));

#endif /* PR_RENEW_ONESHOT_H */
