/*
 * client.h: the internals of libproxyrenew shared by the library (renewal.c),
 * its transport (transport.c) and the proxy-renew command, which links the
 * static library. None of this is exported from the shared library: the
 * public ABI is only the gLite API in glite/security/proxyrenewal/renewal.h.
 *
 * Rules: no globals, no logging, no exit; every error is a return code
 * (errno value or enum pr_err) plus a reason in struct pr_error.
 */
#ifndef PR_CLIENT_H
#define PR_CLIENT_H

#include <stddef.h>

#include "message.h"
#include "pr_error.h"

/* What the public API marks for export (the library builds with hidden). */
#define PR_EXPORT __attribute__((visibility("default")))

#define PR_CLIENT_RESPONSE_MAX_BYTES	(1024 * 1024)	/* before allocating */

/* transport.c */

/*
 * The socket to use: PROXY_RENEWD_SOCKET if set and not empty, else
 * /tmp/dgpr_renew_<uid>. 0, or ENAMETOOLONG when it does not fit buf.
 */
int pr_client_socket_path(char *buf, size_t size, struct pr_error *err);

/*
 * The longest response accepted to req, checked before allocating:
 * PR_METRICS_REPLY_MAX_BYTES for METRICS, PR_CLIENT_RESPONSE_MAX_BYTES for
 * every other command.
 */
size_t pr_client_response_max(const struct pr_msg *req);

/* GLITE_PR_TIMEOUT in seconds (fractions allowed); 120 when unset or invalid. */
double pr_client_timeout_sec(void);

/*
 * One exchange: connect to path, send req as one frame, read and parse the
 * response frame, all within timeout_sec. Returns 0 (resp filled, caller
 * frees it), an errno value, PR_ERR_UNEXPECTED_EOF, PR_ERR_TIMEOUT or
 * PR_ERR_PROTO_PARSE; err says what failed. Never raises SIGPIPE.
 */
int pr_client_exchange(const char *path, double timeout_sec,
    const struct pr_msg *req, struct pr_msg *resp, struct pr_error *err);

/* peer.c */

/*
 * 0 when the peer listening on connected socket fd has our uid, root's, or
 * the one PROXY_RENEWD_DAEMON_UID names; else EPERM (or EINVAL for a bad
 * PROXY_RENEWD_DAEMON_UID) with err naming the peer's uid and the setting.
 */
int pr_client_check_peer(int fd, const char *path, struct pr_error *err);

/* renewal.c */

/* A request with Version and Command filled in. */
int pr_client_request(struct pr_msg *req, int command);

/*
 * pr_client_exchange() to socket_path (NULL: pr_client_socket_path()) with
 * the GLITE_PR_TIMEOUT deadline, then the daemon's code: returns 0 or the
 * Response= code (err->msg = the Message= line, may be empty). resp is
 * filled whenever a response arrived, even an error one.
 */
int pr_client_call(const char *socket_path, const struct pr_msg *req,
    struct pr_msg *resp, struct pr_error *err);

/* "host" + port -> "host:port"; other forms as given (port 0: as given). */
int pr_client_server_contact(const char *server, unsigned int port, char **out);

/*
 * Add the REGISTER keys to req: Myproxy_server (via
 * pr_client_server_contact; omitted when server is NULL or empty),
 * Proxy_name (made absolute), Jobid, Unique=1 for EDG_WLPR_FLAG_UNIQUE.
 */
int pr_client_register_request(struct pr_msg *req, const char *filename,
    const char *server, unsigned int port, const char *jobid, int flags);

/* An absolute form of path (prefixing the working directory). */
int pr_client_absolute_path(const char *path, char **out);

#endif /* PR_CLIENT_H */
