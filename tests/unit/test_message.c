/*
 * test_message.c: the frame codec and key=value messages (src/protocol).
 * Focus: the protocol catalogue of malformed input, one named case each,
 * plus round trips of what gLite peers send.
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

#include "common/pr_limits.h"
#include "protocol/message.h"

#define S(lit) (lit), (sizeof(lit) - 1)	/* a literal with its embedded NULs */

/* ==== frame header ==== */

static void
test_frame_round_trip(void **state)
{
	static const uint32_t lens[] = { 1, 255, 256, 65536, 0x01020304, UINT32_MAX };
	unsigned char hdr[FRAME_HEADER_BYTES];
	struct pr_error err;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		frame_encode_len(lens[i], hdr);
		assert_int_equal(frame_decode_len(hdr, UINT32_MAX, &n, &err), 0);
		assert_int_equal(n, lens[i]);
	}
	frame_encode_len(0x01020304, hdr);
	assert_int_equal(hdr[0], 1);	/* big-endian */
	assert_int_equal(hdr[3], 4);
}

static void
test_frame_zero_length(void **state)
{
	unsigned char hdr[FRAME_HEADER_BYTES] = { 0, 0, 0, 0 };
	struct pr_error err;
	size_t n = 7;

	(void)state;
	assert_int_equal(frame_decode_len(hdr, PR_FRAME_MAX_BYTES_DEFAULT, &n, &err),
	    PR_ERR_PROTO_PARSE);
	assert_int_equal(err.code, PR_ERR_PROTO_PARSE);
	assert_int_equal(n, 7);
}

static void
test_frame_length_4g_minus_1(void **state)
{
	unsigned char hdr[FRAME_HEADER_BYTES] = { 0xff, 0xff, 0xff, 0xff };
	struct pr_error err;
	size_t n = 7;

	(void)state;
	assert_int_equal(frame_decode_len(hdr, PR_FRAME_MAX_BYTES_DEFAULT, &n, &err),
	    PR_ERR_PROTO_PARSE);
	assert_int_equal(n, 7);
	assert_non_null(strstr(err.msg, "4294967295"));
}

static void
test_frame_max_and_max_plus_1(void **state)
{
	unsigned char hdr[FRAME_HEADER_BYTES];
	struct pr_error err;
	size_t n = 0;

	(void)state;
	frame_encode_len(PR_FRAME_MAX_BYTES_DEFAULT, hdr);
	assert_int_equal(frame_decode_len(hdr, PR_FRAME_MAX_BYTES_DEFAULT, &n, &err), 0);
	assert_int_equal(n, PR_FRAME_MAX_BYTES_DEFAULT);
	frame_encode_len(PR_FRAME_MAX_BYTES_DEFAULT + 1, hdr);
	assert_int_equal(frame_decode_len(hdr, PR_FRAME_MAX_BYTES_DEFAULT, &n, &err),
	    PR_ERR_PROTO_PARSE);
}

/* ==== messages ==== */

static void
test_msg_round_trip(void **state)
{
	struct pr_msg m, p;
	struct pr_error err;
	char *buf;
	size_t len;
	int64_t t;

	(void)state;
	msg_init(&m);
	assert_int_equal(msg_add(&m, PR_KEY_VERSION, PR_PROTO_VERSION), 0);
	assert_int_equal(msg_add_int(&m, PR_KEY_COMMAND, 1), 0);
	assert_int_equal(msg_addf(&m, PR_KEY_MYPROXY_SERVER, "%s:%u", "localhost", 7512u), 0);
	assert_int_equal(msg_add(&m, PR_KEY_JOBID, "https://x:9000/a=b"), 0);
	assert_int_equal(msg_add_int(&m, PR_KEY_END_TIME, INT64_C(4102444800)), 0);
	assert_int_equal(msg_add(&m, "Empty", ""), 0);
	assert_int_equal(msg_encode(&m, &buf, &len), 0);
	assert_int_equal(len, strlen(buf) + 1);	/* the NUL is counted */
	assert_string_equal(buf, "Version=EDG Proxy Renewal 1.0\nCommand=1\n"
	    "Myproxy_server=localhost:7512\nJobid=https://x:9000/a=b\n"
	    "End_time=4102444800\nEmpty=\n");

	assert_int_equal(msg_parse(buf, len, &p, &err), 0);
	assert_int_equal(p.n_kv, 6);
	assert_string_equal(msg_get(&p, PR_KEY_JOBID), "https://x:9000/a=b");
	assert_string_equal(msg_get(&p, "Empty"), "");
	assert_int_equal(msg_get_int(&p, PR_KEY_END_TIME, &t), 0);
	assert_int_equal(t, INT64_C(4102444800));
	assert_int_equal(msg_get_int(&p, "Absent", &t), PR_ERR_PROTO_NOT_FOUND);
	assert_int_equal(msg_get_int(&p, PR_KEY_VERSION, &t), PR_ERR_PROTO_PARSE);
	msg_free(&p);
	msg_free(&m);
	free(buf);
}

static void
test_msg_add_rejects_bad(void **state)
{
	struct pr_msg m;

	(void)state;
	msg_init(&m);
	assert_int_equal(msg_add(&m, "Jobid", "a\nCommand=6"), EINVAL);
	assert_int_equal(msg_add(&m, "Job id", "x"), EINVAL);
	assert_int_equal(msg_add(&m, "", "x"), EINVAL);
	assert_int_equal(msg_add(&m, "K=", "x"), EINVAL);
	assert_int_equal(msg_add_len(&m, "K", "a\0b", 3), EINVAL);
	assert_int_equal(m.n_kv, 0);
	msg_free(&m);
}

static void
test_parse_gLite_register(void **state)
{
	struct pr_msg m;
	struct pr_error err;

	(void)state;
	assert_int_equal(msg_parse(S("Version=EDG Proxy Renewal 1.0\nCommand=1\n"
	    "Myproxy_server=localhost\nProxy_name=/tmp/x509up_u501\n"
	    "Jobid=https://wms.example.org:9000/abc\n\0"), &m, &err), 0);
	assert_int_equal(m.n_kv, 5);
	assert_string_equal(msg_get(&m, PR_KEY_PROXY_NAME), "/tmp/x509up_u501");
	msg_free(&m);
}

static void
test_parse_empty_payloads(void **state)
{
	struct pr_msg m;
	struct pr_error err;

	(void)state;
	assert_int_equal(msg_parse(S("\0"), &m, &err), 0);
	assert_int_equal(m.n_kv, 0);
	msg_free(&m);
	assert_int_equal(msg_parse("", 0, &m, &err), 0);
	assert_int_equal(m.n_kv, 0);
	msg_free(&m);
}

static void
test_parse_body_without_nul(void **state)
{
	struct pr_msg m;
	struct pr_error err;

	(void)state;
	assert_int_equal(msg_parse(S("Command=3\nJobid=j1\n"), &m, &err), 0);
	assert_string_equal(msg_get(&m, PR_KEY_JOBID), "j1");
	msg_free(&m);
	/* No final '\n' either: the last line still counts, read to len only. */
	assert_int_equal(msg_parse("Command=3\nJobid=j2XXXX", 18, &m, &err), 0);
	assert_string_equal(msg_get(&m, PR_KEY_JOBID), "j2");
	msg_free(&m);
}

static void
test_parse_nul_in_middle(void **state)
{
	struct pr_msg m;
	struct pr_error err;

	(void)state;
	assert_int_equal(msg_parse(S("Command=3\n\0Jobid=j1\n\0"), &m, &err),
	    PR_ERR_PROTO_PARSE);
	assert_int_equal(err.code, PR_ERR_PROTO_PARSE);
	assert_int_equal(msg_parse(S("Command=3\nJobid=j\0\0"), &m, &err),
	    PR_ERR_PROTO_PARSE);
}

static void
test_parse_key_not_at_line_start(void **state)
{
	struct pr_msg m;
	struct pr_error err;

	(void)state;
	assert_int_equal(msg_parse(S("Command=3\n Jobid=x\n\0"), &m, &err),
	    PR_ERR_PROTO_PARSE);
	assert_int_equal(msg_parse(S("Command=3\nfoo Jobid=x\n\0"), &m, &err),
	    PR_ERR_PROTO_PARSE);
	assert_int_equal(msg_parse(S("=x\n"), &m, &err), PR_ERR_PROTO_PARSE);
	/* "Jobid=" inside a value is just value text. */
	assert_int_equal(msg_parse(S("Proxy_name=a Jobid=x\n"), &m, &err), 0);
	assert_null(msg_get(&m, PR_KEY_JOBID));
	msg_free(&m);
}

static void
test_parse_line_without_equals(void **state)
{
	struct pr_msg m;
	struct pr_error err;

	(void)state;
	assert_int_equal(msg_parse(S("Command=3\nJobid\n"), &m, &err),
	    PR_ERR_PROTO_PARSE);
	assert_int_equal(msg_parse(S("Command=3\n\nJobid=x\n"), &m, &err),
	    PR_ERR_PROTO_PARSE);	/* an empty line before the end */
	assert_int_equal(msg_parse(S("\n\0"), &m, &err), PR_ERR_PROTO_PARSE);
}

static void
test_list_response_repeated_proxy_name(void **state)
{
	struct pr_msg m;
	struct pr_error err;

	(void)state;
	assert_int_equal(msg_parse(S("Version=EDG Proxy Renewal 1.0\nResponse=0\n"
	    "Proxy_name=/r/a.0\nProxy_name=/r/b.0\nProxy_name=/r/c.1\n\0"),
	    &m, &err), 0);
	assert_int_equal(msg_count(&m, PR_KEY_PROXY_NAME), 3);
	assert_string_equal(msg_get_nth(&m, PR_KEY_PROXY_NAME, 0), "/r/a.0");
	assert_string_equal(msg_get_nth(&m, PR_KEY_PROXY_NAME, 2), "/r/c.1");
	assert_null(msg_get_nth(&m, PR_KEY_PROXY_NAME, 3));
	msg_free(&m);
}

static void
test_strtoi64(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(msg_strtoi64("0", &v), 0);
	assert_int_equal(msg_strtoi64("-12", &v), 0);
	assert_int_equal(v, -12);
	assert_int_equal(msg_strtoi64("9223372036854775807", &v), 0);
	assert_int_equal(v, INT64_MAX);
	assert_int_equal(msg_strtoi64("9223372036854775808", &v), PR_ERR_PROTO_PARSE);
	assert_int_equal(msg_strtoi64("", &v), PR_ERR_PROTO_PARSE);
	assert_int_equal(msg_strtoi64("-", &v), PR_ERR_PROTO_PARSE);
	assert_int_equal(msg_strtoi64(" 1", &v), PR_ERR_PROTO_PARSE);
	assert_int_equal(msg_strtoi64("+1", &v), PR_ERR_PROTO_PARSE);
	assert_int_equal(msg_strtoi64("1 ", &v), PR_ERR_PROTO_PARSE);
	assert_int_equal(msg_strtoi64("0x10", &v), PR_ERR_PROTO_PARSE);
}

/* ==== requests ==== */

static void
test_request_register(void **state)
{
	struct pr_request r;
	struct pr_error err;

	(void)state;
	assert_int_equal(request_parse(S("Version=EDG Proxy Renewal 1.0\nCommand=1\n"
	    "Myproxy_server=localhost:7512,backup\nProxy_name=/tmp/x509up_u501\n"
	    "Jobid=https://wms:9000/abc\nUnique=1\nFuture_key=ignored\n\0"),
	    &r, &err), 0);
	assert_int_equal(r.command, PR_CMD_REGISTER);
	assert_int_equal(r.is_unique, 1);
	assert_string_equal(r.version, PR_PROTO_VERSION);
	assert_string_equal(r.myproxy_server, "localhost:7512,backup");
	assert_string_equal(r.proxy_name, "/tmp/x509up_u501");
	assert_string_equal(r.jobid, "https://wms:9000/abc");
	assert_int_equal(r.jobid_len, strlen("https://wms:9000/abc"));
	request_free(&r);
	request_free(&r);	/* idempotent */
}

static void
test_request_absent_and_empty(void **state)
{
	struct pr_request r;
	struct pr_error err;

	(void)state;
	assert_int_equal(request_parse(S("Jobid=\nProxy_name=\n"), &r, &err), 0);
	assert_int_equal(r.command, PR_CMD_NONE);
	assert_null(r.jobid);
	assert_null(r.proxy_name);
	assert_null(r.version);
	assert_int_equal(r.is_unique, 0);
	request_free(&r);
}

static void
test_request_duplicate_key(void **state)
{
	struct pr_request r;
	struct pr_error err;

	(void)state;
	assert_int_equal(request_parse(S("Command=3\nJobid=a\nJobid=b\n\0"), &r, &err),
	    PR_ERR_PROTO_PARSE);
	assert_non_null(strstr(err.msg, "Jobid"));
	assert_int_equal(request_parse(S("Command=3\nCommand=2\nJobid=a\n"), &r, &err),
	    PR_ERR_PROTO_PARSE);
	/* Unknown keys may repeat. */
	assert_int_equal(request_parse(S("Command=3\nX=1\nX=2\n"), &r, &err), 0);
	request_free(&r);
}

static void
test_request_command_6_parses(void **state)
{
	struct pr_request r;
	struct pr_error err;

	(void)state;
	/* Parsing accepts it; refusing it (1905) is the daemon's job. */
	assert_int_equal(request_parse(S("Command=6\nProxy_name=/etc/passwd\n\0"),
	    &r, &err), 0);
	assert_int_equal(r.command, 6);
	request_free(&r);
}

static void
test_request_non_numeric_command(void **state)
{
	static const char *const bad[] = {
		"Command=REGISTER\n", "Command=\n", "Command=1x\n", "Command= 1\n",
		"Command=-1\n", "Command=+1\n", "Command=99999999999\n",
	};
	struct pr_request r;
	struct pr_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(request_parse(bad[i], strlen(bad[i]), &r, &err),
		    PR_ERR_PROTO_PARSE);
}

static void
test_request_bad_unique(void **state)
{
	struct pr_request r;
	struct pr_error err;

	(void)state;
	assert_int_equal(request_parse(S("Command=1\nUnique=yes\n"), &r, &err),
	    PR_ERR_PROTO_PARSE);
}

/* A request with a Jobid of n bytes (any bytes but NUL and '\n'). */
static char *
request_with_jobid(size_t n, size_t *len)
{
	static const char head[] = "Command=3\nJobid=";
	char *buf;

	buf = malloc(sizeof(head) + n + 2);
	assert_non_null(buf);
	memcpy(buf, head, sizeof(head) - 1);
	memset(buf + sizeof(head) - 1, 'j', n);
	buf[sizeof(head) - 1 + n] = '\n';
	buf[sizeof(head) + n] = '\0';
	*len = sizeof(head) + n + 1;
	return buf;
}

static void
test_request_jobid_4096_ok_4097_refused(void **state)
{
	struct pr_request r;
	struct pr_error err;
	size_t len;
	char *buf;

	(void)state;
	buf = request_with_jobid(PR_JOBID_MAX_BYTES, &len);
	assert_int_equal(request_parse(buf, len, &r, &err), 0);
	assert_int_equal(r.jobid_len, 4096);
	request_free(&r);
	free(buf);
	buf = request_with_jobid(PR_JOBID_MAX_BYTES + 1, &len);
	assert_int_equal(request_parse(buf, len, &r, &err), PR_ERR_PROTO_PARSE);
	assert_non_null(strstr(err.msg, "Jobid"));
	free(buf);
}

static void
test_request_value_high_bytes(void **state)
{
	struct pr_request r;
	struct pr_error err;

	(void)state;
	assert_int_equal(request_parse(S("Command=3\nJobid=\x80\xff\xc3\xa9\x01\r\n\0"),
	    &r, &err), 0);
	assert_int_equal(r.jobid_len, 6);
	assert_memory_equal(r.jobid, "\x80\xff\xc3\xa9\x01\r", 6);
	request_free(&r);
}

static void
test_request_other_value_limit(void **state)
{
	struct pr_request r;
	struct pr_error err;
	char *buf;
	size_t n = PR_VALUE_MAX_BYTES + 1;

	(void)state;
	buf = malloc(n + 4);
	assert_non_null(buf);
	memcpy(buf, "Xy=", 3);
	memset(buf + 3, 'v', n);
	assert_int_equal(request_parse(buf, n + 3, &r, &err), PR_ERR_PROTO_PARSE);
	assert_int_equal(request_parse(buf, n + 2, &r, &err), 0);
	request_free(&r);
	free(buf);
}

/* A request of many tiny lines is refused, not parsed. */
static void
test_request_line_cap(void **state)
{
	struct pr_request r;
	struct pr_error err;
	size_t n = 1000000, i;
	char *buf = malloc(3 * n);

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < n; i++)
		memcpy(buf + 3 * i, "a=\n", 3);
	pr_error_clear(&err);
	assert_int_equal(request_parse(buf, 3 * n, &r, &err),
	    PR_ERR_PROTO_PARSE);
	assert_non_null(strstr(err.msg, "lines"));
	/* PR_REQUEST_MAX_LINES "X=1" lines still parse, one more does not */
	for (i = 0; i < PR_REQUEST_MAX_LINES + 1; i++)
		memcpy(buf + 4 * i, "X=1\n", 4);
	assert_int_equal(request_parse(buf, 4 * PR_REQUEST_MAX_LINES, &r, &err),
	    0);
	request_free(&r);
	assert_int_equal(request_parse(buf, 4 * (PR_REQUEST_MAX_LINES + 1), &r,
	    &err), PR_ERR_PROTO_PARSE);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_round_trip),
		cmocka_unit_test(test_frame_zero_length),
		cmocka_unit_test(test_frame_length_4g_minus_1),
		cmocka_unit_test(test_frame_max_and_max_plus_1),
		cmocka_unit_test(test_msg_round_trip),
		cmocka_unit_test(test_msg_add_rejects_bad),
		cmocka_unit_test(test_parse_gLite_register),
		cmocka_unit_test(test_parse_empty_payloads),
		cmocka_unit_test(test_parse_body_without_nul),
		cmocka_unit_test(test_parse_nul_in_middle),
		cmocka_unit_test(test_parse_key_not_at_line_start),
		cmocka_unit_test(test_parse_line_without_equals),
		cmocka_unit_test(test_list_response_repeated_proxy_name),
		cmocka_unit_test(test_strtoi64),
		cmocka_unit_test(test_request_register),
		cmocka_unit_test(test_request_absent_and_empty),
		cmocka_unit_test(test_request_duplicate_key),
		cmocka_unit_test(test_request_command_6_parses),
		cmocka_unit_test(test_request_non_numeric_command),
		cmocka_unit_test(test_request_bad_unique),
		cmocka_unit_test(test_request_jobid_4096_ok_4097_refused),
		cmocka_unit_test(test_request_value_high_bytes),
		cmocka_unit_test(test_request_other_value_limit),
		cmocka_unit_test(test_request_line_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
