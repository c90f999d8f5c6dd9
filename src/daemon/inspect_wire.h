/*
 * inspect_wire.h: the frames between the master and its proxy inspector
 * (inspector.c, inspect_child.c). Frames as everywhere (frame_io.h).
 *
 *   request  "<now>\n" then the proxy file's bytes (PEM, with its key);
 *            now is the Unix time the expiry is checked against.
 *   reply    key=value lines (message.h): Code=0 and the inspection
 *            (Subject, Identity, Identity_hash, Not_before, Not_after,
 *            Ac_not_after, N_certs, Legacy, one Fqan per FQAN in order),
 *            or Code=N and Message, the error cred_inspect gave.
 *
 * The master trusts nothing in a reply: every key is required once, the
 * numbers are checked, Identity_hash (a file name prefix) must be 64
 * lower-case hex digits; anything else is PR_ERR_PROTO_PARSE.
 */
#ifndef PR_INSPECT_WIRE_H
#define PR_INSPECT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "cred.h"
#include "pr_error.h"
#include "pr_limits.h"

#define INSPECT_CHILD_ARG	"--inspect-child"
#define INSPECT_REQUEST_MAX	(PR_PROXY_FILE_MAX_BYTES + 32)
#define INSPECT_REPLY_MAX	(PR_PROXY_FILE_MAX_BYTES + 4096)

/* The request frame (header included); the caller wipes and frees it. */
int	inspect_request_frame(int64_t now, const char *pem, size_t len,
	    unsigned char **frame, size_t *frame_len, struct pr_error *err);
/* A request body: *pem points into body. 0 or PR_ERR_PROTO_PARSE. */
int	inspect_request_parse(const char *body, size_t len, int64_t *now,
	    const char **pem, size_t *pem_len, struct pr_error *err);

/* The reply frame to cred_inspect's outcome (code, its error or info). */
int	inspect_reply_frame(int code, const struct pr_error *result,
	    const struct cred_info *info, unsigned char **frame,
	    size_t *frame_len, struct pr_error *err);
/*
 * A reply body: 0 with *code and either *info (code 0, free with
 * cred_info_free) or *result (its error), or PR_ERR_PROTO_PARSE/ENOMEM.
 */
int	inspect_reply_parse(const char *body, size_t len, int *code,
	    struct pr_error *result, struct cred_info *info,
	    struct pr_error *err);

#endif /* PR_INSPECT_WIRE_H */
