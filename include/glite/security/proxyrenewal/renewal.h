/*
 * glite/security/proxyrenewal/renewal.h: the gLite proxy renewal client API,
 * as provided by libproxyrenew (proxy-renewd).
 *
 * Same names, signatures, flags and return codes as the gLite library, so a
 * program written for gLite compiles unchanged and links with -lproxyrenew.
 * Differences, all compatible: edg_wlpr_GetList() and edg_wlpr_GetStatus()
 * work (gLite returned ENOSYS), the `port` of glite_renewal_RegisterProxy()
 * is honoured, and the socket can be overridden with PROXY_RENEWD_SOCKET.
 *
 * Every function returns 0 on success, a positive errno value (< 1900) for
 * a system error, or an edg_wlpr_ErrorCode. Strings returned through
 * pointers are malloc'ed; the caller frees them. The functions are
 * thread-safe, never exit and never print. Environment: PROXY_RENEWD_SOCKET
 * (default /tmp/dgpr_renew_<uid>), GLITE_PR_TIMEOUT (seconds for the whole
 * exchange, default 120, fractions allowed).
 */
#ifndef GLITE_SECURITY_PROXYRENEWAL_RENEWAL_H
#define GLITE_SECURITY_PROXYRENEWAL_RENEWAL_H

#ifdef __cplusplus
extern "C" {
#endif

#define EDG_WLPR_FLAG_UNIQUE	1	/* never share the stored proxy */
#define EDG_WLPR_FLAG_UPDATE	2	/* accepted, no effect (as in gLite) */

typedef enum _edg_wlpr_ErrorCode {
	EDG_WLPR_ERROR_BASE = 1900,
	EDG_WLPR_ERROR_UNEXPECTED_EOF,		/* 1901 */
	EDG_WLPR_ERROR_GENERIC,			/* 1902 */
	EDG_WLPR_ERROR_PROTO_PARSE_ERROR,	/* 1903 */
	EDG_WLPR_ERROR_PROTO_PARSE_NOT_FOUND,	/* 1904 */
	EDG_WLPR_ERROR_UNKNOWN_COMMAND,		/* 1905 */
	EDG_WLPR_ERROR_SSL,			/* 1906 */
	EDG_WLPR_ERROR_MYPROXY,			/* 1907 */
	EDG_WLPR_PROXY_NOT_REGISTERED,		/* 1908 */
	EDG_WLPR_PROXY_EXPIRED,			/* 1909 */
	EDG_WLPR_ERROR_VOMS,			/* 1910 */
	EDG_WLPR_ERROR_TIMEOUT,			/* 1911 */
	EDG_WLPR_ERROR_ERRNO			/* 1912 */
} edg_wlpr_ErrorCode;

/* A human-readable text for any return code (never NULL, never freed). */
const char *
edg_wlpr_GetErrorText(int err_code);

/*
 * Register the proxy in `filename` for renewal from the MyProxy `server`
 * ("host", "host:port" or a "host[:port],..." failover list; NULL: the
 * daemon's default) for `jobid`. A non-zero `port` is appended to a bare
 * host ("host" + 1234 is sent as "host:1234"). *repository_filename gets the
 * path of the repository file the job must use.
 */
int
glite_renewal_RegisterProxy(const char *filename, const char *server,
    unsigned int port, const char *jobid, int flags,
    char **repository_filename);

/* Unregister jobid; repository_filename (may be NULL) must be its file. */
int
glite_renewal_UnregisterProxy(const char *jobid,
    const char *repository_filename);

/* The repository file of jobid. */
int
glite_renewal_GetProxy(const char *jobid, char **repository_filename);

/* Every stored proxy: *count paths in *list, separated by '\n'. */
int
edg_wlpr_GetList(int *count, char **list);

/* What the daemon knows about a repository file, as "Key=value\n" lines. */
int
edg_wlpr_GetStatus(const char *repository_filename, char **info);

/*
 * Not in gLite: the renewal audit trail of a stored proxy, named by jobid
 * (one of its jobs) or else by its repository file, as "Key=value\n" lines
 * (the HISTORY reply: the record, History_kept, then each kept attempt,
 * newest first, starting with Attempt_time; doc/protocol.md). EDG_WLPR_*
 * codes as GetStatus: 1908 for an unknown job or file.
 */
int
edg_wlpr_GetHistory(const char *repository_filename, const char *jobid,
    char **info);

#ifdef __cplusplus
}
#endif

#endif /* GLITE_SECURITY_PROXYRENEWAL_RENEWAL_H */
