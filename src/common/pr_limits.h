/*
 * pr_limits.h: every bound proxy-renewd enforces, in one place.
 * Units are in the names. Sizes that come from outside are checked against
 * these before anything is allocated.
 */
#ifndef PR_LIMITS_H
#define PR_LIMITS_H

#define PR_FRAME_MAX_BYTES_DEFAULT	(1024 * 1024)	/* request/response payload */
/*
 * The METRICS reply alone may be larger (its per-proxy series take about
 * 800 bytes a proxy: 10,000 proxies are 7.5 MiB, the bound about 40,000):
 * its own bound, kept by the daemon (it answers an error past it) and by
 * the client (checked before allocating). Every other reply stays within
 * 1 MiB.
 */
#define PR_METRICS_REPLY_MAX_BYTES	(32 * 1024 * 1024)
#define PR_PROXY_FILE_MAX_BYTES		(1024 * 1024)	/* a proxy file to register */
#define PR_JOBID_MAX_BYTES		4096
#define PR_PATH_MAX_BYTES		4096
#define PR_SERVERS_MAX_BYTES		4096	/* Myproxy_server= list */
#define PR_VALUE_MAX_BYTES		8192	/* any other value */
#define PR_REQUEST_MAX_LINES		256	/* Key=value lines in a request */
#define PR_TIMEOUT_SEC_DEFAULT		120	/* GLITE_PR_TIMEOUT */
#define PR_CONDOR_LIMIT_SEC_DEFAULT	1800
#define PR_CLOCK_SKEW_SEC		300
#define PR_CLOCK_JUMP_MAX_SEC		(7 * 24 * 3600)	/* start-up clock check */
#define PR_MYPROXY_PORT_DEFAULT		7512
#define PR_MAX_CONNS			512	/* open client connections */
#define PR_MAX_CONNS_PER_UID		128
#define PR_REQUEST_TIMEOUT_SEC		10	/* connect to whole request */
#define PR_LINGER_MS			1000	/* refused client: rest of it */
#define PR_LINGER_MAX_BYTES		(4 * 1024 * 1024)
#define PR_FD_RESERVE			16	/* accept pauses below this */
#define PR_WORKERS_DEFAULT		4
#define PR_WORKER_TIMEOUT_SEC_DEFAULT	120
#define PR_LIFETIME_HOURS_DEFAULT	12
#define PR_SERVER_COOLDOWN_SEC_DEFAULT	300
#define PR_BACKOFF_MIN_SEC_DEFAULT	60
#define PR_BACKOFF_MAX_SEC_DEFAULT	900
#define PR_METRICS_INTERVAL_SEC_DEFAULT	30	/* --metrics-file rewrite */
#define PR_HOOK_TIMEOUT_SEC_DEFAULT	60	/* --hook-timeout */
#define PR_HOOK_FAILURES_DEFAULT	3	/* --hook-failures */
#define PR_HISTORY_DEFAULT		20	/* --history: attempts kept per proxy */
#define PR_HISTORY_MAX			10000
/* A reply listing many records stays below this (clients read 1 MiB). */
#define PR_REPLY_LIST_MAX_BYTES	(900 * 1024)
#define PR_KEY_POOL_SIZE_DEFAULT	2048	/* --key-pool-size */
#define PR_KEY_POOL_MAX_AGE_SEC_DEFAULT	(24 * 3600)	/* --key-pool-max-age */
#define PR_KEY_BITS_DEFAULT		2048	/* --key-bits (as MyProxy's) */
#define PR_INSPECTORS_DEFAULT		1	/* --inspectors */
#define PR_INSPECTORS_MAX		16
#define PR_CRED_CHECK_INTERVAL_DEFAULT	86400	/* --credential-check-interval */
#define PR_CRED_WARNING_DEFAULT	"7d,2d"	/* --credential-warning */
#define PR_CRED_SHORT_DELAY_DEFAULT	300	/* --credential-short-delay */

#define PR_REPOSITORY_DEFAULT	"/var/spool/proxy-renewd"
#define PR_SOCKET_PREFIX	"/tmp/dgpr_renew_"	/* + uid, as gLite */
#define PR_PROTO_VERSION	"EDG Proxy Renewal 1.0"
#define PR_DB_NAME		"repository.db"

#endif /* PR_LIMITS_H */
