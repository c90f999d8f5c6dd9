/*
 * message.h: the gLite proxy renewal wire format (see shared design
 * protocol.md): a 4-byte big-endian length, then "Key=value\n" lines and an
 * optional trailing NUL counted in the length.
 *
 * Pure code: no I/O, no logging, no exit. Allocation failures return ENOMEM.
 * Used by the daemon (strict request parsing) and libproxyrenew (responses).
 */
#ifndef PR_MESSAGE_H
#define PR_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "pr_error.h"

#define FRAME_HEADER_BYTES 4

/* Wire key names (without '='). */
#define PR_KEY_VERSION		"Version"
#define PR_KEY_COMMAND		"Command"
#define PR_KEY_MYPROXY_SERVER	"Myproxy_server"
#define PR_KEY_PROXY_NAME	"Proxy_name"
#define PR_KEY_JOBID		"Jobid"
#define PR_KEY_UNIQUE		"Unique"	/* "1" for EDG_WLPR_FLAG_UNIQUE */
#define PR_KEY_RESPONSE		"Response"
#define PR_KEY_MESSAGE		"Message"	/* human-readable reason */
#define PR_KEY_START_TIME	"Start_time"
#define PR_KEY_END_TIME		"End_time"
#define PR_KEY_RENEWAL_TIME	"Renewal_time"

/*
 * STATUS reply keys, after the record's Proxy_name .. Myproxy_server (ours:
 * gLite never implemented STATUS). Every key or command added to the gLite
 * protocol is named here and listed in doc/protocol.md.
 */
#define PR_KEY_IDENTITY		"Identity"	/* the proxy's subject identity */
#define PR_KEY_FQAN		"Fqan"		/* one per FQAN, in order */
#define PR_KEY_JOBS		"Jobs"		/* jobs registered on it */
#define PR_KEY_LAST_ATTEMPT	"Last_attempt"	/* Unix time; 0 = none yet */
#define PR_KEY_LAST_RESULT	"Last_result"	/* code of that attempt */
#define PR_KEY_LAST_ERROR	"Last_error"	/* its message; may be empty */
#define PR_KEY_FAILURES		"Failures"	/* failed attempts in a row */
#define PR_KEY_HELD		"Held"		/* renewals held: repository unwritable */
#define PR_KEY_COOLING		"Cooling"	/* STATUS_ALL: a server cooling down */
#define PR_KEY_NOW		"Now"		/* STATUS_ALL: daemon's Unix time */
#define PR_KEY_OMITTED		"Omitted"	/* STATUS_ALL: records left out */
/* STATUS_ALL: the key pool (keys made ahead of renewals) */
#define PR_KEY_KEY_POOL_SIZE	"Key_pool_size"		/* keys held now */
#define PR_KEY_KEY_POOL_CAPACITY "Key_pool_capacity"	/* 0: no pool */
#define PR_KEY_KEY_POOL_MADE	"Key_pool_made"		/* keys received */
#define PR_KEY_KEY_POOL_HITS	"Key_pool_hits"		/* renewals given one */
#define PR_KEY_KEY_POOL_MISSES	"Key_pool_misses"	/* found it empty */
#define PR_KEY_KEY_POOL_DISCARDED "Key_pool_discarded"	/* wiped unused */
#define PR_KEY_METRICS		"Metrics"	/* METRICS: one text line each */
#define PR_KEY_FAILURE_CLASS	"Failure_class"	/* of the last attempt; "" ok */
#define PR_KEY_LAST_SUCCESS	"Last_success"	/* last renewal that worked; 0 none */

/*
 * HISTORY reply keys: the record (as STATUS: Proxy_name .. Myproxy_server,
 * Identity), History_kept, then the kept attempts, newest first, each
 * starting with its Attempt_time= (a client splits the reply there).
 */
#define PR_KEY_HISTORY_KEPT	"History_kept"	/* attempts kept per proxy */
#define PR_KEY_ATTEMPT_TIME	"Attempt_time"	/* Unix time it ended */
#define PR_KEY_ATTEMPT_DURATION_MS "Attempt_duration_ms"
#define PR_KEY_ATTEMPT_RESULT	"Attempt_result"	/* 0 or the code */
#define PR_KEY_ATTEMPT_CLASS	"Attempt_class"	/* failure class; "" ok */
#define PR_KEY_ATTEMPT_SERVER	"Attempt_server"	/* one per server tried */
#define PR_KEY_ATTEMPT_END_TIME	"Attempt_end_time"	/* new proxy's end; 0 */
#define PR_KEY_ATTEMPT_AC_END_TIME "Attempt_ac_end_time"	/* its ACs' end; 0 */
#define PR_KEY_ATTEMPT_MESSAGE	"Attempt_message"	/* failure summary */
/* The credential watch (MyProxy INFO of the stored credential): */
#define PR_KEY_CRED_END_TIME	"Credential_end_time"	/* Unix; 0 unknown */
#define PR_KEY_CRED_SERVER	"Credential_server"	/* INFO answered by */
#define PR_KEY_CRED_RENEW_ALLOWED "Credential_renew_allowed"	/* yes|no|server-default */
#define PR_KEY_CRED_CHECKED	"Credential_checked"	/* Unix; 0 never */
#define PR_KEY_CRED_ERROR	"Credential_error"	/* last INFO's failure */
#define PR_KEY_LIMITED_BY	"Limited_by"	/* x509|voms-ac|stored-credential */
#define PR_KEY_LIMITED_REASON	"Limited_reason"	/* a short renewal, in words */

enum pr_command {
	PR_CMD_NONE = 0,
	PR_CMD_REGISTER = 1,
	PR_CMD_UNREGISTER = 2,
	PR_CMD_GET = 3,
	PR_CMD_LIST = 4,
	PR_CMD_STATUS = 5,
	PR_CMD_RENEW_ALL = 7,	/* ours: renew every proxy now (as SIGUSR1) */
	PR_CMD_METRICS = 8,	/* ours: Prometheus text, one Metrics= a line */
	PR_CMD_STATUS_ALL = 9,	/* ours: STATUS of every stored record */
	PR_CMD_HISTORY = 10,	/* ours: a proxy's last renewal attempts */
	/* 6 was gLite's internal UPDATE_DB: never accepted */
};

/* Frame header. */
void frame_encode_len(uint32_t len, unsigned char hdr[FRAME_HEADER_BYTES]);
/* 0 and *len set when 0 < n <= max_bytes; else PR_ERR_PROTO_PARSE (err says why). */
int frame_decode_len(const unsigned char hdr[FRAME_HEADER_BYTES], size_t max_bytes,
    size_t *len, struct pr_error *err);

/* One "Key=value" line. Values never contain '\n' or NUL. */
struct pr_kv {
	char *key;		/* [A-Za-z0-9_]+ */
	char *value;		/* NUL-terminated; value_len bytes before it */
	size_t value_len;
};

/* An ordered list of key/value pairs; keys may repeat (Proxy_name in LIST). */
struct pr_msg {
	struct pr_kv *kv;
	size_t n_kv;		/* used */
	size_t cap_kv;		/* allocated */
};

void msg_init(struct pr_msg *m);
void msg_free(struct pr_msg *m);
/* Append; EINVAL if key is not [A-Za-z0-9_]+ or value holds '\n'/NUL. */
int msg_add(struct pr_msg *m, const char *key, const char *value);
int msg_add_len(struct pr_msg *m, const char *key, const char *value, size_t len);
int msg_add_int(struct pr_msg *m, const char *key, int64_t value);
int msg_addf(struct pr_msg *m, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* First value of key, or NULL. */
const char *msg_get(const struct pr_msg *m, const char *key);
/* The idx-th value of key (0-based), or NULL. */
const char *msg_get_nth(const struct pr_msg *m, const char *key, size_t idx);
size_t msg_count(const struct pr_msg *m, const char *key);
/* Checked decimal: 0 or PR_ERR_PROTO_PARSE/PR_ERR_PROTO_NOT_FOUND. */
int msg_get_int(const struct pr_msg *m, const char *key, int64_t *out);
/*
 * Checked strtoll: s must be an optional '-' and 1..19 decimal digits, no
 * spaces, no '+', nothing after, within int64_t. 0 or PR_ERR_PROTO_PARSE.
 */
int msg_strtoi64(const char *s, int64_t *out);

/*
 * Encode as payload text: "k=v\n"... plus one NUL, which is counted in *len
 * (what gLite peers expect). Caller frees *out.
 */
int msg_encode(const struct pr_msg *m, char **out, size_t *len);

/*
 * Parse a payload. A trailing NUL is optional, a NUL elsewhere is an error;
 * every line must be "Key=value" with the key at the line start; an empty
 * last line is allowed. Returns 0, ENOMEM, or PR_ERR_PROTO_PARSE with err.
 */
int msg_parse(const char *buf, size_t len, struct pr_msg *m, struct pr_error *err);

/*
 * A parsed and validated client request (daemon side). An empty value of
 * Myproxy_server, Proxy_name or Jobid is reported as absent (NULL), so the
 * daemon answers 1904 for "Jobid=" as for a missing Jobid.
 */
struct pr_request {
	int command;		/* enum pr_command value as sent; 0 when absent */
	int is_unique;		/* Unique=1 */
	const char *version;	/* pointers into msg; NULL when absent */
	const char *myproxy_server;
	const char *proxy_name;
	const char *jobid;
	size_t jobid_len;
	struct pr_msg msg;	/* owns the strings */
};

/*
 * Strict request parsing for the daemon: msg_parse, then each known key at
 * most once (duplicates: 1903), values within their limits (Jobid 4 KiB,
 * paths 4 KiB, servers 4 KiB: 1903), Command a decimal (1903); unknown keys
 * are ignored. Does not check which keys a command needs (the daemon's
 * command table does). Returns 0, ENOMEM, or a pr_err code with err set.
 */
int request_parse(const char *buf, size_t len, struct pr_request *req,
    struct pr_error *err);
void request_free(struct pr_request *req);

#endif /* PR_MESSAGE_H */
