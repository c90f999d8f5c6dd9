/*
 * renew_contract.h: the contract between a parent (the daemon master, or
 * proxyrenew_renew() in the client library) and the renewal worker
 * process: request and result keys, framing, exit status, who owns the
 * output file; and what both sides need to speak it (server lists, the
 * service credential check, checking a new proxy, frames, spawning).
 * The worker's engine is in renew_engine.h, linked into the worker only.
 *
 * No Globus here (renew_contract.c, svc_cred.c, wire.c). Lower layer:
 * fills struct renew_result / struct pr_error, never logs, never exits.
 *
 * ===== The worker contract (proxy-renewd-worker) =====
 *
 * The parent (daemon master, or proxyrenew_renew() in the client library):
 *  1. creates the output file exclusively (O_CREAT|O_EXCL, mode 0600) in the
 *     directory where the result will be renamed to, and keeps its name;
 *  2. runs the worker with stdin and stdout connected to it (a socketpair or
 *     pipes; stderr wherever it likes), with no arguments, and writes ONE
 *     request frame (4-byte big-endian length, then Key=value lines as in
 *     message.h, at most RENEW_FRAME_MAX_BYTES) holding the RENEW_KEY_*
 *     request keys below;
 *  3. reads ONE result frame (same format) from the worker's stdout, then
 *     EOF; enforces a hard timeout (kills the worker with SIGKILL) and
 *     reaps it;
 *  4. on Response=0 re-checks the output file itself (cred_inspect, same
 *     identity, later expiry) and renames it into place; otherwise unlinks
 *     it. The worker never renames and never creates files.
 *
 * Handed descriptors (Fds=1): the parent may instead give the worker the
 * current proxy open read-only as fd 3 and the output file open for
 * writing as fd 4 (renew_worker_spawn_fds); Proxy= then only names it in
 * messages and Out= is not needed. The worker then opens nothing in the
 * repository: Landlock lets it read that proxy through its descriptor only.
 *
 * A key made ahead (New_key_fd=1, daemon's key pool): fd 5 holds one
 * unencrypted PEM private key (a pipe the parent filled and closed, at most
 * RENEW_NEW_KEY_MAX_BYTES). The worker reads it before it confines itself,
 * makes a certificate request from it and has MyProxy sign that request
 * (myproxy_request_cert) instead of making a key during the exchange; the
 * new proxy is written with that key (cert, key, chain as always), after
 * the same checks. The key is on no disk before it is in the new proxy.
 *
 * The worker: closes every fd but 0,1,2 (and 3,4 with Fds=1), asks for
 * SIGKILL when its parent dies (and exits at once if it already did), sets
 * PR_SET_NO_NEW_PRIVS, RLIMIT_CORE=0 and umask 077 before it reads the
 * request or touches Globus; opens Out= with O_WRONLY|O_NOFOLLOW (or takes
 * fd 4) and requires a regular, empty file owned by its euid; reads the
 * current proxy once; then confines itself (confine.h: resource limits,
 * Landlock, seccomp) before it talks to any server; a system call outside
 * the allow-list ends it with the result "worker killed by seccomp:
 * syscall N"; performs exactly one renewal (no fork, no daemon);
 * writes the new proxy to Out= only when it verified it; exits 0 whenever it
 * wrote a result frame for a well-formed request (Response says whether the
 * renewal worked) and RENEW_EXIT_CONTRACT when the contract was broken (bad
 * frame, missing key, bad output file): it then still tries to write a
 * result frame with the reason.
 *
 * Request keys:
 *   Servers=host[:port],...    required; RENEW_SERVERS_MAX at most
 *   Proxy=<path>               required; the current proxy (authorisation)
 *   Out=<path>                 required without Fds=1; the file created
 *                              by the parent
 *   Fds=1                      fd 3: current proxy, fd 4: output file
 *   New_key_fd=1               fd 5: the new proxy's private key (PEM)
 *   Lifetime=<seconds>         requested lifetime; default 12 h
 *   Server_timeout=<seconds>   connect / per-read timeout for each server
 *   Cert=, Key=, CAdir=        service credential; default X509_USER_CERT,
 *                              X509_USER_KEY, X509_CERT_DIR, then
 *                              /etc/grid-security/host{cert,key}.pem,
 *                              /etc/grid-security/certificates
 *   Skip=host:port             repeated; servers cooling down, not tried
 *                              (unless every server is listed: then all
 *                              are tried, the cool-down must not turn a
 *                              live server into an outage)
 *   Skip=voms:host:port        the same for VOMS servers (with Voms=1;
 *                              "all listed" counts per VO); at most
 *                              2 * RENEW_SERVERS_MAX Skip= in all
 *   Voms=1                     renew the VOMS ACs too (daemon -A); without
 *                              it a proxy carrying ACs fails with 1910
 *   Vomsdir=<dir>              -V: where ACs are verified; default
 *                              X509_VOMS_DIR, /etc/grid-security/vomsdir
 *   Vomses=<file or dir>       -G: VOMS servers besides the AC's own URI;
 *                              default X509_VOMSES, /etc/vomses and
 *                              /etc/grid-security/vomses
 *   Mode=info                  no renewal: MyProxy INFO of the stored
 *                              credential (the credential watch),
 *                              authenticated with the current proxy itself
 *                              (as myproxy-info does), servers in order
 *                              until one answers; no output file (Out= and
 *                              fd 4 are not used), Lifetime= and Voms=
 *                              ignored; Cert= names the service whose
 *                              right to renew is judged
 * Result keys:
 *   Response=<code>            0, an errno value or enum pr_err (1907
 *                              MyProxy, 1906 bad credential, 1910 VOMS,
 *                              1911 timeout)
 *   Message=<text>             one line; on failure the reason, with every
 *                              server's own error text
 *   Server=host:port           the server that delivered (success only)
 *   Server_error=host:port: text      repeated, one per server that failed
 *   Unreachable=host:port      repeated; servers that could not be talked
 *                              to (connect/TLS/timeout): cool-down candidates
 *                              VOMS servers that failed come after the
 *                              MyProxy ones (also on success) named
 *                              voms:host:port, in both keys
 *   Voms_server=voms:host:port repeated; VOMS servers that gave an AC (for
 *                              the per-server metrics), at most
 *                              RENEW_SERVERS_MAX
 *   End_time=<unix time>       success: earliest expiry of the new proxy
 *                              (Mode=info: end of the stored credential)
 *   Renew_allowed=yes|no|server-default   Mode=info: the stored
 *                              credential's own renewers policy matches the
 *                              service's DN (yes), does not (no), or it has
 *                              none, so the server's authorized/default
 *                              renewers decide, which INFO does not show
 *   Renewers=<policy>          Mode=info: that policy, when there is one
 *   Identity=<base subject>    the identity renewed
 */
#ifndef PR_RENEW_CONTRACT_H
#define PR_RENEW_CONTRACT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "pr_error.h"

#define RENEW_SERVERS_MAX	8	/* entries in a server list */
#define RENEW_HOST_MAX_BYTES	255	/* a DNS name */
#define RENEW_SERVER_NAME_MAX	(RENEW_HOST_MAX_BYTES + 7)	/* "host:port" + NUL */
#define RENEW_FRAME_MAX_BYTES	(64 * 1024)	/* worker request / result */
#define RENEW_LIFETIME_SEC_DEFAULT	(12 * 3600)
#define RENEW_LIFETIME_SEC_MAX	(10 * 24 * 3600)
#define RENEW_SERVER_TIMEOUT_SEC_DEFAULT	30
#define RENEW_EXIT_CONTRACT	2	/* worker exit status: broken contract */
#define RENEW_PROXY_FD		3	/* with Fds=1: the current proxy */
#define RENEW_OUT_FD		4	/* with Fds=1: the output file */
#define RENEW_NEW_KEY_FD	5	/* with New_key_fd=1: the new key */
#define RENEW_NEW_KEY_MAX_BYTES	(16 * 1024)	/* its PEM text */

#define RENEW_KEY_SERVERS	"Servers"
#define RENEW_KEY_PROXY		"Proxy"
#define RENEW_KEY_OUT		"Out"
#define RENEW_KEY_FDS		"Fds"		/* 1: proxy fd 3, output fd 4 */
#define RENEW_KEY_NEW_KEY_FD	"New_key_fd"	/* 1: new proxy's key on fd 5 */
#define RENEW_KEY_LIFETIME	"Lifetime"
#define RENEW_KEY_SERVER_TIMEOUT "Server_timeout"
#define RENEW_KEY_CERT		"Cert"
#define RENEW_KEY_KEY		"Key"
#define RENEW_KEY_CADIR		"CAdir"
#define RENEW_KEY_SKIP		"Skip"
#define RENEW_KEY_VOMS		"Voms"		/* 1: renew VOMS ACs (-A) */
#define RENEW_KEY_VOMSDIR	"Vomsdir"	/* -V */
#define RENEW_KEY_VOMSES	"Vomses"	/* -G */
#define RENEW_KEY_RESPONSE	"Response"
#define RENEW_KEY_MESSAGE	"Message"
#define RENEW_KEY_SERVER	"Server"
#define RENEW_KEY_SERVER_ERROR	"Server_error"
#define RENEW_KEY_UNREACHABLE	"Unreachable"
#define RENEW_KEY_END_TIME	"End_time"
#define RENEW_KEY_IDENTITY	"Identity"
#define RENEW_KEY_MODE		"Mode"		/* "info": MyProxy INFO */
#define RENEW_KEY_RENEW_ALLOWED	"Renew_allowed"	/* Mode=info result */
#define RENEW_KEY_RENEWERS	"Renewers"	/* Mode=info result */
#define RENEW_KEY_VOMS_SERVER	"Voms_server"	/* a VOMS server that delivered */
#define RENEW_MODE_INFO		"info"

/* Renew_allowed= of a Mode=info result. */
enum renew_allowed {
	RENEW_ALLOWED_UNKNOWN = -1,	/* server-default: INFO cannot say */
	RENEW_ALLOWED_NO = 0,
	RENEW_ALLOWED_YES = 1
};

#define RENEW_VOMS_NAME_PREFIX	"voms:"	/* VOMS server in Skip=, errors */

#define RENEW_DEFAULT_CERT	"/etc/grid-security/hostcert.pem"
#define RENEW_DEFAULT_KEY	"/etc/grid-security/hostkey.pem"
#define RENEW_DEFAULT_CADIR	"/etc/grid-security/certificates"

struct renew_server {
	char host[RENEW_HOST_MAX_BYTES + 1];	/* DNS name or IPv4 literal */
	int port;				/* 1..65535 */
	char name[RENEW_SERVER_NAME_MAX];	/* "host:port", for messages */
};

/* The daemon's credential towards MyProxy (paths, all set after defaults). */
struct service_cred {
	const char *cert;	/* PEM certificate file */
	const char *key;	/* unencrypted PEM key file, mode 0600 or stricter */
	const char *cadir;	/* trusted CA directory (<hash>.0, .signing_policy) */
};

struct renew_server_error {
	char server[RENEW_SERVER_NAME_MAX];	/* "host:port" */
	int code;				/* pr_err / errno */
	int is_unreachable;			/* connect/TLS/timeout failure */
	char msg[PR_ERROR_MSG_MAX];		/* that server's own error text */
};

struct renew_result {
	int code;				/* 0 or the failure's code */
	char msg[PR_ERROR_MSG_MAX];		/* failure summary */
	char server[RENEW_SERVER_NAME_MAX];	/* success: server used */
	char identity[1024];			/* base subject renewed */
	int64_t end_time;			/* success: new earliest expiry */
	int64_t old_end_time;			/* current proxy's earliest expiry */
	struct renew_server_error errors[RENEW_SERVERS_MAX];
	size_t n_errors;
	/* "voms:host:port" of each VOMS server that gave an AC, once */
	char voms_ok[RENEW_SERVERS_MAX][RENEW_SERVER_NAME_MAX];
	size_t n_voms_ok;
	int is_info;				/* Renew_allowed= was given */
	int renew_allowed;			/* Mode=info: enum renew_allowed */
	char renewers[512];			/* Mode=info: the policy, or "" */
};

/* Renew_allowed= value of enum renew_allowed, and back (-2: invalid). */
const char *renew_allowed_name(int allowed);
int renew_allowed_parse(const char *name);

/*
 * A stored credential's renewers policy (as MyProxy INFO shows it: a DN
 * or a pattern with * and ?, as myproxy-server matches it) against the
 * service's DN: RENEW_ALLOWED_YES / _NO, or _UNKNOWN for no policy of its
 * own (the server's authorized_renewers / default_renewers decide).
 */
int renew_policy_allows(const char *policy, const char *dn);

/*
 * Parse "host[:port],host[:port]" strictly: no spaces, no empty entries,
 * hosts [A-Za-z0-9.-] up to 255 bytes, ports 1..65535 (default 7512), at
 * most max entries. 0 or EINVAL with err.msg saying what is wrong.
 */
int renew_parse_servers(const char *spec, struct renew_server *out,
    size_t max, size_t *n, struct pr_error *err);

/*
 * MASTER and WORKER: check that a new proxy may replace the current one:
 * same identity and a later earliest expiry. 0 or PR_ERR_SSL / PR_ERR_MYPROXY
 * with the reason ("new proxy would end earlier (..) than the current one (..)").
 * renew_verify parses new_pem; renew_verify_info judges one already parsed.
 */
int renew_verify(const char *new_pem, size_t new_len, const char *cur_identity,
    int64_t cur_end, time_t now, int64_t *new_end, struct pr_error *err);
struct cred_info;
int renew_verify_info(const struct cred_info *info, const char *cur_identity,
    int64_t cur_end, int64_t *new_end, struct pr_error *err);

/* Fill unset service credential paths from the environment, then defaults. */
void renew_service_cred_defaults(struct service_cred *svc);

/*
 * MASTER and WORKER: the service credential is usable: cert and key
 * readable regular files, the key owned by us and not accessible by group
 * or others (the Globus libraries silently ignore such a key), both parse,
 * the key matches, the certificate is valid at now. 0 or an errno /
 * PR_ERR_SSL / PR_ERR_EXPIRED code with a message naming the file and fix.
 */
int renew_check_service_cred(const struct service_cred *svc, time_t now,
    struct pr_error *err);

/* The subject ("/C=../CN=..") of the service certificate, in dn. */
int renew_service_dn(const char *cert_path, char *dn, size_t size,
    struct pr_error *err);

/* PARENT: one renewal to hand to a worker (pointers stay the caller's). */
struct renew_job {
	const char *servers;		/* "host[:port],..." */
	const char *proxy_path;		/* current proxy */
	const char *out_path;		/* the temp file the parent created */
	int lifetime_sec;		/* 0: worker default (12 h) */
	int server_timeout_sec;		/* 0: worker default (30 s) */
	struct service_cred svc;	/* NULL members: worker defaults */
	const char *const *skip;	/* "host:port" cooling down */
	size_t n_skip;
	int voms;			/* 1: renew VOMS ACs too (-A) */
	const char *vomsdir;		/* -V; NULL: worker default */
	const char *vomses;		/* -G; NULL: worker default */
	int handed_fds;			/* 1: Fds=1 (renew_worker_spawn_fds) */
	int new_key_fd;			/* 1: New_key_fd=1 (key_fd handed) */
	int info;			/* 1: Mode=info (no renewal) */
};

/* wire.c */

/* MASTER: the request frame (4-byte header + payload); caller frees. */
int renew_job_frame(const struct renew_job *job, unsigned char **frame,
    size_t *len, struct pr_error *err);

/* WORKER: the result frame for res (header + payload); caller frees. */
int renew_result_frame(const struct renew_result *res, unsigned char **frame,
    size_t *len, struct pr_error *err);

/*
 * MASTER: read a worker's result payload strictly into *res (errors[] get
 * code PR_ERR_MYPROXY and is_unreachable from Unreachable=). 0, ENOMEM or
 * PR_ERR_PROTO_PARSE: a success must name Server and End_time.
 */
int renew_result_parse(const char *payload, size_t len,
    struct renew_result *res, struct pr_error *err);

/*
 * MASTER: start the worker at path with child_fd (one end of a
 * SOCK_STREAM socketpair, the parent keeps the other) as its stdin and
 * stdout, default signal dispositions, an empty signal mask, no arguments,
 * the caller's environment. The caller closes child_fd afterwards, writes
 * the request, reads the result, enforces the timeout and reaps *pid.
 */
int renew_worker_spawn(const char *path, int child_fd, pid_t *pid,
    struct pr_error *err);

/*
 * MASTER: the same, handing proxy_fd (open read-only) as fd 3 and out_fd
 * (open for writing) as fd 4 (Fds=1), and key_fd, unless -1, as fd 5
 * (New_key_fd=1); the caller keeps and closes them.
 */
int renew_worker_spawn_fds(const char *path, int child_fd, int proxy_fd,
    int out_fd, int key_fd, pid_t *pid, struct pr_error *err);

/*
 * PARENT, waiting (worker_run.c): run the worker (worker_path_find) on the
 * request frame req, handing fds[0] (current proxy) and fds[1] (output
 * file, or -1) as fds 3 and 4, within timeout_sec for everything; *res
 * holds its result when 0 is returned, else a code with err.msg (the
 * worker is killed and reaped in every case).
 */
int renew_worker_run(const unsigned char *req, size_t req_len,
    const int *fds, int timeout_sec, struct renew_result *res,
    struct pr_error *err);

#endif /* PR_RENEW_CONTRACT_H */
