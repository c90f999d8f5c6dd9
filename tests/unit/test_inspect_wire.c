/*
 * test_inspect_wire.c: the frames between the master and its proxy
 * inspector (inspect_wire.h): a real VOMS proxy's inspection through the
 * reply and back (FQANs in order), an inspection error, the request, and
 * the master's strict reading of replies it must not trust: a file name
 * prefix that is not 64 hex digits, missing or repeated keys, numbers out
 * of range, an error without its message.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cred/cred.h"
#include "daemon/inspect_wire.h"
#include "protocol/frame_io.h"
#include "protocol/message.h"
#include "testcert.c"

/* The body of a frame, checked against its header. */
static const char *
body_of(const unsigned char *frame, size_t len, size_t max, size_t *blen)
{
	struct pr_error err;

	assert_int_equal(frame_decode_len(frame, max, blen, &err), 0);
	assert_int_equal(*blen + FRAME_HEADER_BYTES, len);
	return (const char *)frame + FRAME_HEADER_BYTES;
}

static void
test_reply_round_trip(void **state)
{
	struct cred_info in, out;
	struct pr_error err, result;
	unsigned char *frame = NULL;
	const char *body;
	size_t len = 0, blen;
	int code = -1;

	(void)state;
	assert_int_equal(cred_inspect(tc_voms_proxy_pem,
	    strlen(tc_voms_proxy_pem), TC_VOMS_NOW, &in, &err), 0);
	assert_int_equal(inspect_reply_frame(0, NULL, &in, &frame, &len, &err),
	    0);
	body = body_of(frame, len, INSPECT_REPLY_MAX, &blen);
	assert_int_equal(inspect_reply_parse(body, blen, &code, &result, &out,
	    &err), 0);
	assert_int_equal(code, 0);
	assert_string_equal(out.subject, in.subject);
	assert_string_equal(out.identity, in.identity);
	assert_string_equal(out.identity_hash, in.identity_hash);
	assert_string_equal(out.fqans, TC_VOMS_FQANS);
	assert_int_equal(out.not_before, in.not_before);
	assert_int_equal(out.not_after, in.not_after);
	assert_int_equal(out.ac_not_after, TC_VOMS_AC_NOT_AFTER);
	assert_int_equal(out.n_certs, in.n_certs);
	assert_int_equal(out.is_legacy, in.is_legacy);
	cred_info_free(&in);
	cred_info_free(&out);
	free(frame);
}

/* An inspection's error travels with its code; a '\n' cannot cut it. */
static void
test_reply_error(void **state)
{
	struct cred_info out;
	struct pr_error err, result, in;
	unsigned char *frame = NULL;
	const char *body;
	size_t len = 0, blen;
	int code = 0;

	(void)state;
	pr_error_set(&in, PR_ERR_EXPIRED, "proxy expired\nat 5");
	assert_int_equal(inspect_reply_frame(PR_ERR_EXPIRED, &in, NULL, &frame,
	    &len, &err), 0);
	body = body_of(frame, len, INSPECT_REPLY_MAX, &blen);
	assert_int_equal(inspect_reply_parse(body, blen, &code, &result, &out,
	    &err), 0);
	assert_int_equal(code, PR_ERR_EXPIRED);
	assert_int_equal(result.code, PR_ERR_EXPIRED);
	assert_string_equal(result.msg, "proxy expired at 5");
	assert_null(out.subject);
	free(frame);
}

static const char good[] =
    "Code=0\nSubject=/CN=a/CN=1\nIdentity=/CN=a\nIdentity_hash="
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
    "Not_before=1\nNot_after=2\nAc_not_after=0\nN_certs=2\nLegacy=0\n";

/* good with line `key=...` replaced by repl ("" drops it), or appended. */
static char *
tamper(const char *key, const char *repl)
{
	char *s = malloc(sizeof(good) + 256), *p;
	const char *at = strstr(good, key), *end;

	assert_non_null(s);
	if (at == NULL) {
		(void)snprintf(s, sizeof(good) + 256, "%s%s", good, repl);
		return s;
	}
	end = strchr(at, '\n') + 1;
	p = s;
	memcpy(p, good, (size_t)(at - good));
	p += at - good;
	p = stpcpy(p, repl);
	(void)strcpy(p, end);
	return s;
}

static int
parse(const char *text)
{
	struct cred_info out;
	struct pr_error err, result;
	int code, rc;

	rc = inspect_reply_parse(text, strlen(text), &code, &result, &out,
	    &err);
	if (rc == 0 && code == 0)
		cred_info_free(&out);
	else
		assert_null(out.subject);	/* nothing half-filled */
	return rc;
}

static void
test_reply_untrusted(void **state)
{
	static const char *bad[][2] = {
		{ "Identity_hash=", "Identity_hash=../../etc/passwd\n" },
		{ "Identity_hash=", "Identity_hash=0123456789ABCDEF0123456789"
		    "abcdef0123456789abcdef0123456789abcdef\n" },
		{ "Identity_hash=", "Identity_hash=0123\n" },
		{ "Identity_hash=", "" },
		{ "Subject=", "" },
		{ "Subject=", "Subject=\n" },
		{ "Identity=", "Identity=/CN=a\nIdentity=/CN=b\n" },
		{ "Not_after=", "Not_after=soon\n" },
		{ "N_certs=", "N_certs=0\n" },
		{ "N_certs=", "N_certs=33\n" },
		{ "Legacy=", "Legacy=2\n" },
		{ "Ac_not_after=", "Ac_not_after=-1\n" },
		{ "Code=", "Code=-5\n" },
		{ "Code=", "Code=1909\n" },		/* error without Message */
		{ "Code=", "" },
		{ "zz", "Code=1\n" },			/* Code twice */
	};
	size_t i;
	char *s;

	(void)state;
	assert_int_equal(parse(good), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = tamper(bad[i][0], bad[i][1]);
		if (parse(s) != PR_ERR_PROTO_PARSE)
			fail_msg("accepted: %s", s);
		free(s);
	}
	assert_int_equal(parse("Code=0\nSubject=x\0y\n"), PR_ERR_PROTO_PARSE);
}

static void
test_request(void **state)
{
	static const char pem[] = "-----BEGIN CERTIFICATE-----\nAA\n";
	struct pr_error err;
	unsigned char *frame = NULL;
	const char *body, *got;
	size_t len = 0, blen, got_len;
	int64_t now;

	(void)state;
	assert_int_equal(inspect_request_frame(-42, pem, sizeof(pem) - 1,
	    &frame, &len, &err), 0);
	body = body_of(frame, len, INSPECT_REQUEST_MAX, &blen);
	assert_int_equal(inspect_request_parse(body, blen, &now, &got,
	    &got_len, &err), 0);
	assert_int_equal(now, -42);
	assert_int_equal(got_len, sizeof(pem) - 1);
	assert_memory_equal(got, pem, got_len);
	free(frame);
	assert_int_equal(inspect_request_parse("12x\nPEM", 7, &now, &got,
	    &got_len, &err), PR_ERR_PROTO_PARSE);
	assert_int_equal(inspect_request_parse("\nPEM", 4, &now, &got,
	    &got_len, &err), PR_ERR_PROTO_PARSE);
	assert_int_equal(inspect_request_parse("1234567890123456789012345",
	    25, &now, &got, &got_len, &err), PR_ERR_PROTO_PARSE);
	assert_int_equal(inspect_request_parse("", 0, &now, &got, &got_len,
	    &err), PR_ERR_PROTO_PARSE);
	assert_int_equal(inspect_request_frame(0, pem,
	    PR_PROXY_FILE_MAX_BYTES + 1, &frame, &len, &err), EMSGSIZE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_round_trip),
		cmocka_unit_test(test_reply_error),
		cmocka_unit_test(test_reply_untrusted),
		cmocka_unit_test(test_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
