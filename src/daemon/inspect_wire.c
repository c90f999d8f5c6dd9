/*
 * inspect_wire.c: the inspector's frames (inspect_wire.h). Pure message
 * code: no logging, no exit.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_io.h"
#include "hex.h"
#include "inspect_wire.h"
#include "message.h"

#define NOW_DIGITS_MAX	21	/* "-9223372036854775808" and '\n' */

int
inspect_request_frame(int64_t now, const char *pem, size_t len,
    unsigned char **frame, size_t *frame_len, struct pr_error *err)
{
	char line[NOW_DIGITS_MAX + 1];
	int n = snprintf(line, sizeof(line), "%lld\n", (long long)now);
	size_t body = (size_t)n + len;

	if (len > PR_PROXY_FILE_MAX_BYTES)
		return pr_error_set(err, EMSGSIZE, "proxy of %zu bytes", len);
	if ((*frame = malloc(FRAME_HEADER_BYTES + body)) == NULL)
		return pr_error_set(err, ENOMEM, "out of memory");
	frame_encode_len((uint32_t)body, *frame);
	memcpy(*frame + FRAME_HEADER_BYTES, line, (size_t)n);
	memcpy(*frame + FRAME_HEADER_BYTES + n, pem, len);
	*frame_len = FRAME_HEADER_BYTES + body;
	return 0;
}

int
inspect_request_parse(const char *body, size_t len, int64_t *now,
    const char **pem, size_t *pem_len, struct pr_error *err)
{
	char line[NOW_DIGITS_MAX + 1];
	const char *nl = memchr(body, '\n', len < NOW_DIGITS_MAX ? len :
	    NOW_DIGITS_MAX);

	if (nl == NULL || nl == body)
		return pr_error_set(err, PR_ERR_PROTO_PARSE,
		    "inspection request: no time line");
	memcpy(line, body, (size_t)(nl - body));
	line[nl - body] = '\0';
	if (msg_strtoi64(line, now) != 0)
		return pr_error_set(err, PR_ERR_PROTO_PARSE,
		    "inspection request: bad time");
	*pem = nl + 1;
	*pem_len = len - (size_t)(nl + 1 - body);
	return 0;
}

/* A message's text on one line: '\n' would end the value. */
static void
one_line(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

/* Each FQAN of info->fqans ('\n'-separated) as one Fqan line. */
static int
put_fqans(struct pr_msg *m, const char *fqans)
{
	const char *p = fqans, *nl;
	int rc = 0;

	while (rc == 0 && *p != '\0') {
		nl = strchr(p, '\n');
		rc = msg_add_len(m, "Fqan", p, nl ? (size_t)(nl - p) :
		    strlen(p));
		p = nl ? nl + 1 : p + strlen(p);
	}
	return rc;
}

static int
put_info(struct pr_msg *m, const struct cred_info *info)
{
	int rc = msg_add(m, "Subject", info->subject);

	rc = rc ? rc : msg_add(m, "Identity", info->identity);
	rc = rc ? rc : msg_add(m, "Identity_hash", info->identity_hash);
	rc = rc ? rc : msg_add_int(m, "Not_before", info->not_before);
	rc = rc ? rc : msg_add_int(m, "Not_after", info->not_after);
	rc = rc ? rc : msg_add_int(m, "Ac_not_after", info->ac_not_after);
	rc = rc ? rc : msg_add_int(m, "N_certs", info->n_certs);
	rc = rc ? rc : msg_add_int(m, "Legacy", info->is_legacy);
	return rc ? rc : put_fqans(m, info->fqans);
}

int
inspect_reply_frame(int code, const struct pr_error *result,
    const struct cred_info *info, unsigned char **frame, size_t *frame_len,
    struct pr_error *err)
{
	struct pr_msg m;
	char msgtext[sizeof(result->msg)], *payload = NULL;
	size_t plen = 0;
	int rc;

	msg_init(&m);
	rc = msg_add_int(&m, "Code", code);
	if (rc == 0 && code != 0) {
		(void)snprintf(msgtext, sizeof(msgtext), "%s", result->msg[0] ?
		    result->msg : pr_strerror(code));
		one_line(msgtext);
		rc = msg_add(&m, "Message", msgtext);
	} else if (rc == 0) {
		rc = put_info(&m, info);
	}
	if (rc != 0)
		pr_error_set(err, rc, "inspection reply: cannot encode");
	else if ((rc = msg_encode(&m, &payload, &plen)) != 0)
		pr_error_set(err, rc, "inspection reply: cannot encode");
	else
		rc = frame_build(payload, plen, INSPECT_REPLY_MAX, frame,
		    frame_len, err);
	free(payload);
	msg_free(&m);
	return rc;
}

/* A required number within [lo, hi]. */
static int
get_num(const struct pr_msg *m, const char *key, int64_t lo, int64_t hi,
    int64_t *out)
{
	return msg_count(m, key) == 1 && msg_get_int(m, key, out) == 0 &&
	    *out >= lo && *out <= hi ? 0 : -1;
}

/* A required text, once, not empty. */
static int
get_text(const struct pr_msg *m, const char *key, char **out)
{
	const char *v = msg_get(m, key);

	if (msg_count(m, key) != 1 || v == NULL || *v == '\0')
		return -1;
	return (*out = strdup(v)) == NULL ? -1 : 0;
}

static int
is_hash(const char *s)
{
	return hex_lower_run(s, CRED_HASH_HEX_LEN) &&
	    s[CRED_HASH_HEX_LEN] == '\0';
}

/* The FQANs back into one '\n'-separated string ("" when none). */
static int
get_fqans(const struct pr_msg *m, char **out)
{
	size_t i, n = msg_count(m, "Fqan"), total = 1;
	char *s;

	for (i = 0; i < n; i++)
		total += strlen(msg_get_nth(m, "Fqan", i)) + 1;
	if ((s = *out = malloc(total)) == NULL)
		return -1;
	*s = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			*s++ = '\n';
		s = stpcpy(s, msg_get_nth(m, "Fqan", i));
	}
	return 0;
}

static int
get_info(const struct pr_msg *m, struct cred_info *info)
{
	int64_t nb, na, ac, nc, lg;
	const char *h = msg_get(m, "Identity_hash");

	if (h == NULL || msg_count(m, "Identity_hash") != 1 || !is_hash(h) ||
	    get_num(m, "Not_before", INT64_MIN, INT64_MAX, &nb) != 0 ||
	    get_num(m, "Not_after", INT64_MIN, INT64_MAX, &na) != 0 ||
	    get_num(m, "Ac_not_after", 0, INT64_MAX, &ac) != 0 ||
	    get_num(m, "N_certs", 1, CRED_CERTS_MAX, &nc) != 0 ||
	    get_num(m, "Legacy", 0, 1, &lg) != 0 ||
	    get_text(m, "Subject", &info->subject) != 0 ||
	    get_text(m, "Identity", &info->identity) != 0 ||
	    get_fqans(m, &info->fqans) != 0)
		return -1;
	memcpy(info->identity_hash, h, CRED_HASH_HEX_LEN + 1);
	info->not_before = nb;
	info->not_after = na;
	info->ac_not_after = ac;
	info->n_certs = (int)nc;
	info->is_legacy = (int)lg;
	return 0;
}

int
inspect_reply_parse(const char *body, size_t len, int *code,
    struct pr_error *result, struct cred_info *info, struct pr_error *err)
{
	struct pr_msg m;
	int64_t c = 0;
	int rc;

	memset(info, 0, sizeof(*info));
	msg_init(&m);
	if ((rc = msg_parse(body, len, &m, err)) != 0)
		return rc;
	rc = PR_ERR_PROTO_PARSE;
	if (get_num(&m, "Code", 0, INT_MAX, &c) != 0) {
		pr_error_set(err, rc, "inspection reply: bad Code");
	} else if (c != 0) {
		if (msg_count(&m, "Message") == 1) {
			pr_error_set(result, (int)c, "%s",
			    msg_get(&m, "Message"));
			rc = 0;
		} else {
			pr_error_set(err, rc, "inspection reply: no Message");
		}
	} else if (get_info(&m, info) != 0) {
		pr_error_set(err, rc, "inspection reply: bad or missing keys");
	} else {
		rc = 0;
	}
	if (rc != 0)
		cred_info_free(info);
	*code = (int)c;
	msg_free(&m);
	return rc;
}
