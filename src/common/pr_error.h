/*
 * pr_error.h: the gLite proxy renewal error codes and the error value that
 * lower layers (protocol, cred, store, renew) fill instead of logging.
 *
 * Codes below PR_ERR_BASE are errno values (EINVAL, ENOMEM, ...), as in gLite.
 * The numeric values are part of the wire protocol and the public API: never
 * renumber them.
 */
#ifndef PR_ERROR_H
#define PR_ERROR_H

#include <stddef.h>

enum pr_err {
	PR_OK = 0,
	PR_ERR_BASE = 1900,
	PR_ERR_UNEXPECTED_EOF = 1901,	/* peer closed mid-message */
	PR_ERR_GENERIC = 1902,
	PR_ERR_PROTO_PARSE = 1903,	/* malformed frame or text */
	PR_ERR_PROTO_NOT_FOUND = 1904,	/* a required key is missing */
	PR_ERR_UNKNOWN_COMMAND = 1905,
	PR_ERR_SSL = 1906,		/* bad or unusable credential */
	PR_ERR_MYPROXY = 1907,
	PR_ERR_NOT_REGISTERED = 1908,
	PR_ERR_EXPIRED = 1909,
	PR_ERR_VOMS = 1910,
	PR_ERR_TIMEOUT = 1911,
	PR_ERR_ERRNO = 1912,
	PR_ERR_LAST = 1912
};

#define PR_ERROR_MSG_MAX 512

/* An error code plus a human-readable reason ("subject: what failed: why"). */
struct pr_error {
	int code;			/* 0, an errno value, or enum pr_err */
	char msg[PR_ERROR_MSG_MAX];	/* NUL-terminated, may be empty */
};

/* Set code and a printf-formatted message; returns code for `return pr_error_set(...)`. */
int pr_error_set(struct pr_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Put "what: " before err->msg (the step that failed); returns err->code. */
int pr_error_prefix(struct pr_error *err, const char *what);

/* Reset to PR_OK and an empty message. */
void pr_error_clear(struct pr_error *err);

/* The gLite text of a code (strerror for errno values); never NULL for code != 0. */
const char *pr_strerror(int code);

#endif /* PR_ERROR_H */
