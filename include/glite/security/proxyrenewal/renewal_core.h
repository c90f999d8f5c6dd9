/*
 * renewal_core.h: gLite's one-shot proxy renewal API (the header of
 * glite-px-proxyrenewal, same path, same names, same context struct), as
 * implemented by libproxyrenew. A program written for gLite compiles
 * against this header unchanged and links with -lproxyrenew instead of
 * -lglite_security_proxyrenewal_core.
 *
 * The renewal runs in the confined renewal worker (proxy-renewd-worker),
 * the same path as proxyrenew_renew(): no Globus code in the caller's
 * process. See proxyrenew_renewal_core(3).
 */
#ifndef RENEWAL_CORE_H
#define RENEWAL_CORE_H

#include <sys/syslog.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	GLITE_RENEWAL_LOG_NONE,
	GLITE_RENEWAL_LOG_STDOUT,
	GLITE_RENEWAL_LOG_SYSLOG
} glite_renewal_log_dst;

/* Callers set and read these fields directly. */
typedef struct glite_renewal_core_context_data {
	int log_level;			/* syslog level: failures are reported
					 * when LOG_ERR <= log_level */
	glite_renewal_log_dst log_dst;	/* where (default NONE: silent) */
	char *err_message;		/* the last failure's reason, or NULL */
	char *voms_conf;		/* vomses file or directory (caller's
					 * string); NULL: X509_VOMSES, then
					 * /etc/vomses, /etc/grid-security/vomses */
	int order_attributes;		/* accepted; the FQAN order is always
					 * kept */
} glite_renewal_core_context_data;

typedef struct glite_renewal_core_context_data *glite_renewal_core_context;

/* A new context with the defaults above; 0 or ENOMEM. */
int glite_renewal_core_init_ctx(glite_renewal_core_context *context);

/* Free the context and its err_message (not voms_conf); 0. */
int glite_renewal_core_destroy_ctx(glite_renewal_core_context context);

/*
 * Renew the proxy in the file current_proxy through the MyProxy server
 * myproxy_server ("host" or "host:port"; NULL: $MYPROXY_SERVER) on
 * myproxy_port (0: the one in the name, else 7512), authenticating with
 * $X509_USER_CERT / $X509_USER_KEY, or with the proxy itself when they are
 * not set; VOMS attributes of the proxy are renewed as well, in order.
 * On success *new_proxy is a malloc'ed path of a new file (mode 0600,
 * beside current_proxy) that the caller owns and removes. Returns 0 or an
 * errno value / gLite error code, with the reason in err_message.
 */
int glite_renewal_core_renew(glite_renewal_core_context context,
    const char *myproxy_server, unsigned int myproxy_port,
    const char *current_proxy, char **new_proxy);

/* err_message: replace, append ("old; new"), read (NULL: none), clear. */
void glite_renewal_core_set_err(glite_renewal_core_context ctx,
    const char *format, ...);
void glite_renewal_core_update_err(glite_renewal_core_context ctx,
    const char *format, ...);
char *glite_renewal_core_get_err(glite_renewal_core_context ctx);
void glite_renewal_core_reset_err(glite_renewal_core_context ctx);

#ifdef __cplusplus
}
#endif

#endif /* RENEWAL_CORE_H */
