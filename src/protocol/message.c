/*
 * message.c: the gLite proxy renewal wire format: the 4-byte frame length,
 * "Key=value\n" messages (struct pr_msg) and strict request parsing.
 *
 * Invariants:
 * - Every struct pr_kv in a pr_msg owns its key and value; keys match
 *   [A-Za-z0-9_]+ and values hold neither '\n' nor NUL, whether they were
 *   added by msg_add*() or produced by msg_parse().
 * - msg_parse() never reads outside buf[0..len) and never relies on a NUL.
 * - Library-safe: no logging, no exit; allocation failure returns ENOMEM and
 *   leaves the message valid (what was appended before stays appended).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Our limits.h shadows the system <limits.h> on the include path (-I
 * src/common), so INT_MAX is spelled INT32_MAX (stdint.h) here.
 */
#include "pr_limits.h"
#include "message.h"

/* ==== frame header ==== */

void
frame_encode_len(uint32_t len, unsigned char hdr[FRAME_HEADER_BYTES])
{
	hdr[0] = (unsigned char)(len >> 24);
	hdr[1] = (unsigned char)(len >> 16);
	hdr[2] = (unsigned char)(len >> 8);
	hdr[3] = (unsigned char)len;
}

int
frame_decode_len(const unsigned char hdr[FRAME_HEADER_BYTES], size_t max_bytes,
    size_t *len, struct pr_error *err)
{
	uint32_t n;

	n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | (uint32_t)hdr[3];
	if (n == 0)
		return pr_error_set(err, PR_ERR_PROTO_PARSE,
		    "frame: zero length");
	if (n > max_bytes)
		return pr_error_set(err, PR_ERR_PROTO_PARSE,
		    "frame: length %lu exceeds the limit of %zu bytes",
		    (unsigned long)n, max_bytes);
	*len = n;
	return 0;
}

/* ==== building messages ==== */

void
msg_init(struct pr_msg *m)
{
	m->kv = NULL;
	m->n_kv = 0;
	m->cap_kv = 0;
}

void
msg_free(struct pr_msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n_kv; i++) {
		free(m->kv[i].key);
		free(m->kv[i].value);
	}
	free(m->kv);
	msg_init(m);
}

static int
key_valid(const char *key, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)key[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

/* Append without validation; the caller has checked key and value. */
static int
msg_append(struct pr_msg *m, const char *key, size_t key_len,
    const char *value, size_t value_len)
{
	struct pr_kv *kv;
	char *k, *v;
	size_t cap;

	if (m->n_kv == m->cap_kv) {
		cap = m->cap_kv ? m->cap_kv * 2 : 8;
		if (cap > SIZE_MAX / sizeof(*kv))
			return ENOMEM;
		if ((kv = realloc(m->kv, cap * sizeof(*kv))) == NULL)
			return ENOMEM;
		m->kv = kv;
		m->cap_kv = cap;
	}
	if ((k = malloc(key_len + 1)) == NULL)
		return ENOMEM;
	if ((v = malloc(value_len + 1)) == NULL) {
		free(k);
		return ENOMEM;
	}
	memcpy(k, key, key_len);
	k[key_len] = '\0';
	memcpy(v, value, value_len);
	v[value_len] = '\0';
	kv = &m->kv[m->n_kv++];
	kv->key = k;
	kv->value = v;
	kv->value_len = value_len;
	return 0;
}

int
msg_add_len(struct pr_msg *m, const char *key, const char *value, size_t len)
{
	if (key == NULL || value == NULL || !key_valid(key, strlen(key)))
		return EINVAL;
	if (memchr(value, '\n', len) != NULL || memchr(value, '\0', len) != NULL)
		return EINVAL;
	return msg_append(m, key, strlen(key), value, len);
}

int
msg_add(struct pr_msg *m, const char *key, const char *value)
{
	if (value == NULL)
		return EINVAL;
	return msg_add_len(m, key, value, strlen(value));
}

int
msg_add_int(struct pr_msg *m, const char *key, int64_t value)
{
	char buf[32];

	(void)snprintf(buf, sizeof(buf), "%lld", (long long)value);	/* fits */
	return msg_add(m, key, buf);
}

int
msg_addf(struct pr_msg *m, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n, rc;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ENOMEM;
	rc = msg_add_len(m, key, s, (size_t)n);
	free(s);
	return rc;
}

/* ==== reading messages ==== */

const char *
msg_get_nth(const struct pr_msg *m, const char *key, size_t idx)
{
	size_t i;

	for (i = 0; i < m->n_kv; i++) {
		if (strcmp(m->kv[i].key, key) != 0)
			continue;
		if (idx-- == 0)
			return m->kv[i].value;
	}
	return NULL;
}

const char *
msg_get(const struct pr_msg *m, const char *key)
{
	return msg_get_nth(m, key, 0);
}

size_t
msg_count(const struct pr_msg *m, const char *key)
{
	size_t i, n = 0;

	for (i = 0; i < m->n_kv; i++)
		if (strcmp(m->kv[i].key, key) == 0)
			n++;
	return n;
}

int
msg_strtoi64(const char *s, int64_t *out)
{
	const char *p = s;
	long long v;
	char *end;

	if (s == NULL)
		return PR_ERR_PROTO_PARSE;
	if (*p == '-')
		p++;
	/* strtoll alone accepts spaces, '+' and an empty string. */
	if (*p < '0' || *p > '9')
		return PR_ERR_PROTO_PARSE;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return PR_ERR_PROTO_PARSE;
	*out = (int64_t)v;
	return 0;
}

int
msg_get_int(const struct pr_msg *m, const char *key, int64_t *out)
{
	const char *v;

	if ((v = msg_get(m, key)) == NULL)
		return PR_ERR_PROTO_NOT_FOUND;
	return msg_strtoi64(v, out);
}

/* ==== encoding and parsing ==== */

int
msg_encode(const struct pr_msg *m, char **out, size_t *len)
{
	size_t i, total = 1, klen, n;
	char *buf, *p;

	for (i = 0; i < m->n_kv; i++) {
		n = strlen(m->kv[i].key) + m->kv[i].value_len + 2;
		if (total > SIZE_MAX - n)
			return ENOMEM;
		total += n;
	}
	if ((buf = malloc(total)) == NULL)
		return ENOMEM;
	p = buf;
	for (i = 0; i < m->n_kv; i++) {
		klen = strlen(m->kv[i].key);
		memcpy(p, m->kv[i].key, klen);
		p += klen;
		*p++ = '=';
		memcpy(p, m->kv[i].value, m->kv[i].value_len);
		p += m->kv[i].value_len;
		*p++ = '\n';
	}
	*p = '\0';
	*out = buf;
	*len = total;
	return 0;
}

/* One line (without its '\n'): "Key=value", key at the start. */
static int
parse_line(const char *line, size_t len, size_t lineno, struct pr_msg *m,
    struct pr_error *err)
{
	const char *eq;

	if ((eq = memchr(line, '=', len)) == NULL)
		return pr_error_set(err, PR_ERR_PROTO_PARSE,
		    "message: line %zu has no '='", lineno);
	if (!key_valid(line, (size_t)(eq - line)))
		return pr_error_set(err, PR_ERR_PROTO_PARSE,
		    "message: line %zu does not start with a key", lineno);
	if (msg_append(m, line, (size_t)(eq - line), eq + 1,
	    len - (size_t)(eq - line) - 1) != 0)
		return pr_error_set(err, ENOMEM, "message: out of memory");
	return 0;
}

int
msg_parse(const char *buf, size_t len, struct pr_msg *m, struct pr_error *err)
{
	const char *p, *nl, *end;
	size_t lineno = 0;
	int rc;

	msg_init(m);
	if (len > 0 && buf[len - 1] == '\0')
		len--;
	if (len > 0 && memchr(buf, '\0', len) != NULL)
		return pr_error_set(err, PR_ERR_PROTO_PARSE,
		    "message: NUL byte inside the payload");
	p = buf;
	end = buf + len;
	while (p < end) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;	/* last line without '\n' */
		if ((rc = parse_line(p, (size_t)(nl - p), lineno, m, err)) != 0) {
			msg_free(m);
			return rc;
		}
		p = nl + 1;
	}
	return 0;
}

/* ==== strict requests (daemon side) ==== */

/* The keys a request may carry at most once, with their value limits. */
static const struct {
	const char *key;
	size_t max_bytes;
} request_keys[] = {
	{ PR_KEY_VERSION,		PR_VALUE_MAX_BYTES },
	{ PR_KEY_COMMAND,		PR_VALUE_MAX_BYTES },
	{ PR_KEY_MYPROXY_SERVER,	PR_SERVERS_MAX_BYTES },
	{ PR_KEY_PROXY_NAME,		PR_PATH_MAX_BYTES },
	{ PR_KEY_JOBID,			PR_JOBID_MAX_BYTES },
	{ PR_KEY_UNIQUE,		PR_VALUE_MAX_BYTES },
};

static int
request_check_limits(const struct pr_msg *m, struct pr_error *err)
{
	size_t i, k, max;

	for (i = 0; i < m->n_kv; i++) {
		max = PR_VALUE_MAX_BYTES;
		for (k = 0; k < sizeof(request_keys) / sizeof(request_keys[0]); k++)
			if (strcmp(m->kv[i].key, request_keys[k].key) == 0)
				max = request_keys[k].max_bytes;
		if (m->kv[i].value_len > max)
			return pr_error_set(err, PR_ERR_PROTO_PARSE,
			    "request: %s is %zu bytes, the limit is %zu",
			    m->kv[i].key, m->kv[i].value_len, max);
	}
	for (k = 0; k < sizeof(request_keys) / sizeof(request_keys[0]); k++)
		if (msg_count(m, request_keys[k].key) > 1)
			return pr_error_set(err, PR_ERR_PROTO_PARSE,
			    "request: duplicate key %s", request_keys[k].key);
	return 0;
}

/* NULL for absent or empty values. */
static const char *
request_value(const struct pr_msg *m, const char *key)
{
	const char *v = msg_get(m, key);

	return v != NULL && *v != '\0' ? v : NULL;
}

static int
request_fill(struct pr_request *req, struct pr_error *err)
{
	const char *v;
	int64_t n;

	if ((v = msg_get(&req->msg, PR_KEY_COMMAND)) != NULL) {
		/* A decimal, no sign: "-1" is as malformed as "x". */
		if (*v == '-' || msg_strtoi64(v, &n) != 0 || n > INT32_MAX)
			return pr_error_set(err, PR_ERR_PROTO_PARSE,
			    "request: Command is not a decimal command number");
		req->command = (int)n;
	}
	if ((v = msg_get(&req->msg, PR_KEY_UNIQUE)) != NULL) {
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return pr_error_set(err, PR_ERR_PROTO_PARSE,
			    "request: Unique must be 0 or 1");
		req->is_unique = v[0] == '1';
	}
	req->version = msg_get(&req->msg, PR_KEY_VERSION);
	req->myproxy_server = request_value(&req->msg, PR_KEY_MYPROXY_SERVER);
	req->proxy_name = request_value(&req->msg, PR_KEY_PROXY_NAME);
	req->jobid = request_value(&req->msg, PR_KEY_JOBID);
	req->jobid_len = req->jobid != NULL ? strlen(req->jobid) : 0;
	return 0;
}

/* Counted before parsing: a million tiny lines must not cost a parse. */
static int
request_check_lines(const char *buf, size_t len, struct pr_error *err)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t n = 0;

	while (p < end) {
		if (++n > PR_REQUEST_MAX_LINES)
			return pr_error_set(err, PR_ERR_PROTO_PARSE,
			    "request: more than %d lines", PR_REQUEST_MAX_LINES);
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}

int
request_parse(const char *buf, size_t len, struct pr_request *req,
    struct pr_error *err)
{
	int rc;

	memset(req, 0, sizeof(*req));
	msg_init(&req->msg);
	if ((rc = request_check_lines(buf, len, err)) != 0 ||
	    (rc = msg_parse(buf, len, &req->msg, err)) != 0)
		return rc;
	if ((rc = request_check_limits(&req->msg, err)) != 0 ||
	    (rc = request_fill(req, err)) != 0) {
		request_free(req);
		return rc;
	}
	return 0;
}

void
request_free(struct pr_request *req)
{
	if (req == NULL)
		return;
	msg_free(&req->msg);
	memset(req, 0, sizeof(*req));
	msg_init(&req->msg);
}
