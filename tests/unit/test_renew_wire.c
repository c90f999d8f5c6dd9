/*
 * test_renew_wire.c: the frames between a parent and the renewal worker:
 * request encoding, result round trip, and the parent's strict reading of
 * results it must not trust (missing or bad Response, success without
 * Server/End_time, malformed or too many Server_error lines), and the
 * VOMS servers' cool-down names ("voms:host:port") through both frames;
 * the INFO result (Mode=info) and its request key.
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

#include "protocol/message.h"
#include "renew/renew_contract.h"

static void
test_job_frame(void **state)
{
	const char *skip[] = { "a:1", "b:2" };
	struct renew_job job;
	struct pr_error err;
	struct pr_msg m;
	unsigned char *frame = NULL;
	size_t len = 0, plen;
	int64_t v;

	(void)state;
	memset(&job, 0, sizeof(job));
	job.servers = "a:1,b:2";
	job.proxy_path = "/r/cur";
	job.out_path = "/r/tmp.x";
	job.lifetime_sec = 7200;
	job.svc.cert = "/s/cert.pem";
	job.skip = skip;
	job.n_skip = 2;
	assert_int_equal(renew_job_frame(&job, &frame, &len, &err), 0);
	assert_int_equal(frame_decode_len(frame, RENEW_FRAME_MAX_BYTES, &plen,
	    &err), 0);
	assert_int_equal(plen + FRAME_HEADER_BYTES, len);
	msg_init(&m);
	assert_int_equal(msg_parse((char *)frame + FRAME_HEADER_BYTES, plen, &m,
	    &err), 0);
	assert_string_equal(msg_get(&m, RENEW_KEY_SERVERS), "a:1,b:2");
	assert_string_equal(msg_get(&m, RENEW_KEY_OUT), "/r/tmp.x");
	assert_int_equal(msg_get_int(&m, RENEW_KEY_LIFETIME, &v), 0);
	assert_int_equal(v, 7200);
	assert_null(msg_get(&m, RENEW_KEY_SERVER_TIMEOUT));
	assert_null(msg_get(&m, RENEW_KEY_KEY));
	assert_string_equal(msg_get(&m, RENEW_KEY_CERT), "/s/cert.pem");
	assert_int_equal(msg_count(&m, RENEW_KEY_SKIP), 2);
	assert_string_equal(msg_get_nth(&m, RENEW_KEY_SKIP, 1), "b:2");
	/* without -A: no VOMS keys, even with the paths set */
	assert_null(msg_get(&m, RENEW_KEY_VOMS));
	assert_null(msg_get(&m, RENEW_KEY_NEW_KEY_FD));	/* no pooled key */
	msg_free(&m);
	free(frame);
	/* a pooled key on fd 5 */
	job.new_key_fd = 1;
	assert_int_equal(renew_job_frame(&job, &frame, &len, &err), 0);
	assert_non_null(memmem(frame, len, "\nNew_key_fd=1\n", 14));
	free(frame);
	job.new_key_fd = 0;
	job.vomsdir = "/v/dir";
	assert_int_equal(renew_job_frame(&job, &frame, &len, &err), 0);
	assert_null(memmem(frame, len, "Voms", 4));
	free(frame);
	/* -A: Voms=1 and the set paths only */
	job.voms = 1;
	assert_int_equal(renew_job_frame(&job, &frame, &len, &err), 0);
	msg_init(&m);
	assert_int_equal(msg_parse((char *)frame + FRAME_HEADER_BYTES,
	    len - FRAME_HEADER_BYTES, &m, &err), 0);
	assert_string_equal(msg_get(&m, RENEW_KEY_VOMS), "1");
	assert_string_equal(msg_get(&m, RENEW_KEY_VOMSDIR), "/v/dir");
	assert_null(msg_get(&m, RENEW_KEY_VOMSES));
	msg_free(&m);
	free(frame);
	/* a newline would inject a key: refused */
	job.out_path = "/r/x\nServers=evil";
	assert_int_not_equal(renew_job_frame(&job, &frame, &len, &err), 0);
	job.out_path = NULL;
	assert_int_not_equal(renew_job_frame(&job, &frame, &len, &err), 0);
}

static void
roundtrip(const struct renew_result *in, struct renew_result *out)
{
	struct pr_error err;
	unsigned char *frame = NULL;
	size_t len = 0;

	assert_int_equal(renew_result_frame(in, &frame, &len, &err), 0);
	assert_int_equal(renew_result_parse((char *)frame + FRAME_HEADER_BYTES,
	    len - FRAME_HEADER_BYTES, out, &err), 0);
	free(frame);
}

static void
test_result_roundtrip(void **state)
{
	struct renew_result in, out;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.code = 0;
	snprintf(in.server, sizeof(in.server), "two:2");
	snprintf(in.identity, sizeof(in.identity), "/C=XX/CN=a");
	in.end_time = 1800000000;
	in.n_errors = 1;
	snprintf(in.errors[0].server, sizeof(in.errors[0].server), "one:1");
	snprintf(in.errors[0].msg, sizeof(in.errors[0].msg), "connect: x: y");
	in.errors[0].is_unreachable = 1;
	roundtrip(&in, &out);
	assert_int_equal(out.code, 0);
	assert_string_equal(out.server, "two:2");
	assert_string_equal(out.identity, "/C=XX/CN=a");
	assert_int_equal(out.end_time, 1800000000);
	assert_int_equal(out.n_errors, 1);
	assert_string_equal(out.errors[0].server, "one:1");
	assert_string_equal(out.errors[0].msg, "connect: x: y");
	assert_int_equal(out.errors[0].is_unreachable, 1);

	in.code = PR_ERR_MYPROXY;
	snprintf(in.msg, sizeof(in.msg), "renewal failed: one:1: x");
	in.errors[0].is_unreachable = 0;
	roundtrip(&in, &out);
	assert_int_equal(out.code, PR_ERR_MYPROXY);
	assert_string_equal(out.msg, "renewal failed: one:1: x");
	assert_string_equal(out.server, "");
	assert_int_equal(out.end_time, 0);
	assert_int_equal(out.errors[0].is_unreachable, 0);
}

/* A VOMS server's cool-down: reported after the MyProxy ones, skipped back. */
static void
test_voms_cooldown(void **state)
{
	const char *skip[] = { "a:1", RENEW_VOMS_NAME_PREFIX "v:15000" };
	struct renew_result in, out;
	struct renew_job job;
	struct pr_error err;
	struct pr_msg m;
	unsigned char *frame = NULL;
	size_t len = 0;

	(void)state;
	memset(&in, 0, sizeof(in));
	snprintf(in.server, sizeof(in.server), "a:1");
	in.end_time = 1800000000;
	in.n_errors = 2;
	snprintf(in.errors[0].server, sizeof(in.errors[0].server), "b:2");
	snprintf(in.errors[0].msg, sizeof(in.errors[0].msg), "VOMS vo: x");
	snprintf(in.errors[1].server, sizeof(in.errors[1].server),
	    "voms:v:15000");
	snprintf(in.errors[1].msg, sizeof(in.errors[1].msg),
	    "cannot connect: Connection refused");
	in.errors[1].is_unreachable = 1;
	in.n_voms_ok = 1;	/* the VO's other server gave the AC */
	snprintf(in.voms_ok[0], sizeof(in.voms_ok[0]), "voms:w:15001");
	roundtrip(&in, &out);
	assert_int_equal(out.n_voms_ok, 1);
	assert_string_equal(out.voms_ok[0], "voms:w:15001");
	assert_int_equal(out.n_errors, 2);
	assert_string_equal(out.errors[0].server, "b:2");
	assert_int_equal(out.errors[0].is_unreachable, 0);
	assert_string_equal(out.errors[1].server, "voms:v:15000");
	assert_string_equal(out.errors[1].msg,
	    "cannot connect: Connection refused");
	assert_int_equal(out.errors[1].is_unreachable, 1);

	memset(&job, 0, sizeof(job));
	job.servers = "a:1";
	job.proxy_path = "/r/cur";
	job.out_path = "/r/tmp.x";
	job.skip = skip;
	job.n_skip = 2;
	job.voms = 1;
	assert_int_equal(renew_job_frame(&job, &frame, &len, &err), 0);
	msg_init(&m);
	assert_int_equal(msg_parse((char *)frame + FRAME_HEADER_BYTES,
	    len - FRAME_HEADER_BYTES, &m, &err), 0);
	assert_int_equal(msg_count(&m, RENEW_KEY_SKIP), 2);
	assert_string_equal(msg_get_nth(&m, RENEW_KEY_SKIP, 1), "voms:v:15000");
	msg_free(&m);
	free(frame);
}

/* The INFO result (Mode=info) through the strict framing; its request key. */
static void
test_info_frames(void **state)
{
	static const char bad1[] = "Response=0\nServer=a:1\nEnd_time=5\n"
	    "Renew_allowed=maybe\n";
	static const char bad2[] = "Response=0\nServer=a:1\nEnd_time=5\n"
	    "Renew_allowed=no\nRenew_allowed=no\n";
	static const char good[] = "Response=0\nServer=a:1\nEnd_time=5\n"
	    "Renew_allowed=server-default\n";
	struct renew_result in, out;
	struct renew_job job;
	struct pr_error err;
	unsigned char *frame = NULL;
	size_t len = 0;

	(void)state;
	memset(&in, 0, sizeof(in));
	snprintf(in.server, sizeof(in.server), "a:1");
	in.end_time = 1900000000;
	in.is_info = 1;
	in.renew_allowed = RENEW_ALLOWED_NO;
	snprintf(in.renewers, sizeof(in.renewers), "/CN=x*");
	roundtrip(&in, &out);
	assert_true(out.is_info);
	assert_int_equal(out.renew_allowed, RENEW_ALLOWED_NO);
	assert_string_equal(out.renewers, "/CN=x*");
	assert_int_equal(out.end_time, 1900000000);
	assert_int_not_equal(renew_result_parse(bad1, strlen(bad1), &out,
	    &err), 0);
	assert_int_not_equal(renew_result_parse(bad2, strlen(bad2), &out,
	    &err), 0);
	assert_int_equal(renew_result_parse(good, strlen(good), &out, &err),
	    0);
	assert_true(out.is_info);
	assert_int_equal(out.renew_allowed, RENEW_ALLOWED_UNKNOWN);
	memset(&job, 0, sizeof(job));
	job.servers = "a:1";
	job.proxy_path = "/r/x.0";
	job.handed_fds = 1;
	job.info = 1;
	assert_int_equal(renew_job_frame(&job, &frame, &len, &err), 0);
	assert_non_null(memmem(frame, len, "\nMode=info\n", 11));
	free(frame);
}

static void
test_result_untrusted(void **state)
{
	static const char *bad[] = {
		"",
		"Message=no response\n",
		"Response=abc\n",
		"Response=-1\n",
		"Response=99999\n",
		"Response=0\n",
		"Response=0\nServer=a:1\n",
		"Response=0\nEnd_time=5\n",
		"Response=0\nServer=a:1\nEnd_time=0\n",
		"Response=1907\nServer_error=no separator\n",
		"Response=1907\nServer_error=: empty server\n",
		"Response=1907\nServer_error=a b: space in server\n",
		"Response=1907\nServer_error=a:1: x\nServer_error=a:1: x\n"
		"Server_error=a:1: x\nServer_error=a:1: x\nServer_error=a:1: x\n"
		"Server_error=a:1: x\nServer_error=a:1: x\nServer_error=a:1: x\n"
		"Server_error=a:1: x\n",
		/* an empty Server, repeated keys */
		"Response=0\nServer=\nEnd_time=5\n",
		"Response=0\nResponse=1907\nServer=a:1\nEnd_time=5\n",
		"Response=0\nServer=a:1\nServer=b:1\nEnd_time=5\n",
		"Response=0\nServer=a:1\nEnd_time=5\nEnd_time=9\n",
		"Response=0\nIdentity=/CN=a\nIdentity=/CN=b\nServer=a:1\n"
		"End_time=5\n",
		"Response=1907\nMessage=a\nMessage=b\n",
		/* Voms_server: the prefix, a name, no space, at most 8 */
		"Response=1910\nVoms_server=v:1\n",
		"Response=1910\nVoms_server=voms:\n",
		"Response=1910\nVoms_server=voms:a b:1\n",
		"Response=1910\nVoms_server=voms:a:1\nVoms_server=voms:a:1\n"
		"Voms_server=voms:a:1\nVoms_server=voms:a:1\nVoms_server=voms:a:1\n"
		"Voms_server=voms:a:1\nVoms_server=voms:a:1\nVoms_server=voms:a:1\n"
		"Voms_server=voms:a:1\n",
		"Response=0\0Server=a:1\nEnd_time=5\n",
	};
	static const size_t bad_len_last = 33;
	struct renew_result res;
	struct pr_error err;
	size_t i, n = sizeof(bad) / sizeof(bad[0]);

	(void)state;
	for (i = 0; i < n; i++) {
		size_t len = i == n - 1 ? bad_len_last : strlen(bad[i]);

		assert_int_not_equal(renew_result_parse(bad[i], len, &res, &err),
		    0);
	}
	assert_int_equal(renew_result_parse("Response=0\nServer=a:1\n"
	    "End_time=5\n", 33, &res, &err), 0);
	assert_int_equal(res.end_time, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job_frame),
		cmocka_unit_test(test_result_roundtrip),
		cmocka_unit_test(test_result_untrusted),
		cmocka_unit_test(test_voms_cooldown),
		cmocka_unit_test(test_info_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
