/*
 * test_frame_io.c: framed I/O with a deadline (src/protocol/frame_io.c) and
 * the monotonic clock (src/common/clock.c), over real socketpairs and pipes.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/clock.h"
#include "protocol/frame_io.h"

#define BIG_BYTES	(4 * 1024 * 1024)	/* more than a socket buffer */

static void
pair(int sv[2], int nonblocking)
{
	int type = SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0);

	assert_int_equal(socketpair(AF_UNIX, type, 0, sv), 0);
}

static void
close_pair(int sv[2])
{
	if (sv[0] != -1)
		(void)close(sv[0]);
	if (sv[1] != -1)
		(void)close(sv[1]);
}

/* A frame of len bytes 'a'..'z' repeating. */
static unsigned char *
make_frame(size_t len, size_t *frame_len)
{
	struct pr_error err;
	unsigned char *frame;
	char *payload = malloc(len);
	size_t i;

	assert_non_null(payload);
	for (i = 0; i < len; i++)
		payload[i] = (char)('a' + i % 26);
	assert_int_equal(frame_build(payload, len, len, &frame, frame_len,
	    &err), 0);
	free(payload);
	return frame;
}

/* clock_deadline_ms(t) is the clock at its call plus t rounded up to ms. */
static void
assert_deadline(double timeout_sec, int64_t ms)
{
	int64_t before, d, after;

	/* the call's own clock reading lies between before and after */
	before = clock_mono_ms();
	d = clock_deadline_ms(timeout_sec);
	after = clock_mono_ms();
	assert_true(d >= before + ms && d <= after + ms);
}

static void
test_clock_deadline(void **state)
{
	(void)state;
	assert_int_equal(clock_sec_to_ms(0.0015), 2);	/* rounded up */
	assert_int_equal(clock_sec_to_ms(2), 2000);
	assert_int_equal(clock_sec_to_ms(-1), 0);
	assert_int_equal(clock_sec_to_ms(0.0 / 0.0), 0);
	assert_int_equal(clock_sec_to_ms(1e300),	/* capped, no overflow */
	    (int64_t)(CLOCK_TIMEOUT_SEC_MAX * 1000));
	assert_deadline(0.0015, 2);
	assert_deadline(-1, 0);
	assert_deadline(1e300, (int64_t)(CLOCK_TIMEOUT_SEC_MAX * 1000));
}

static void
test_build_limits(void **state)
{
	struct pr_error err;
	unsigned char *frame;
	size_t len;

	(void)state;
	assert_int_equal(frame_build("abc", 3, 2, &frame, &len, &err), EMSGSIZE);
	assert_int_equal(frame_build("abc", 3, 3, &frame, &len, &err), 0);
	assert_int_equal(len, FRAME_HEADER_BYTES + 3);
	assert_memory_equal(frame, "\0\0\0\3abc", len);
	free(frame);
}

static void
test_send_recv_round_trip(void **state)
{
	struct pr_error err;
	unsigned char *frame;
	size_t frame_len, len;
	char *body;
	int sv[2];

	(void)state;
	pair(sv, 0);
	frame = make_frame(1000, &frame_len);
	assert_int_equal(frame_send(sv[0], frame, frame_len,
	    clock_deadline_ms(5), &err), 0);
	assert_int_equal(frame_recv(sv[1], 1000, clock_deadline_ms(5), &body,
	    &len, &err), 0);
	assert_int_equal(len, 1000);
	assert_memory_equal(body, frame + FRAME_HEADER_BYTES, len);
	free(body);
	free(frame);
	close_pair(sv);
}

/*
 * frame_recv (at most 100 bytes) of the n bytes in, the writer closed after
 * them when eof: fails with code, its message holding msg (NULL: any), no
 * body.
 */
static void
recv_fails(const char *in, size_t n, int eof, int64_t deadline, int code,
    const char *msg)
{
	struct pr_error err;
	size_t len;
	char *body = NULL;
	int sv[2];

	pair(sv, 0);
	assert_int_equal(write(sv[0], in, n), (ssize_t)n);
	if (eof) {
		(void)close(sv[0]);
		sv[0] = -1;
	}
	assert_int_equal(frame_recv(sv[1], 100, deadline, &body, &len, &err),
	    code);
	if (msg != NULL)
		assert_non_null(strstr(err.msg, msg));
	assert_null(body);
	close_pair(sv);
}

static void
test_recv_times_out(void **state)
{
	(void)state;
	recv_fails("\0\0", 2, 0, clock_deadline_ms(0.05), PR_ERR_TIMEOUT,
	    "2 of 4 bytes");				/* half a header */
}

static void
test_recv_eof_mid_frame(void **state)
{
	(void)state;
	recv_fails("\0\0\0\5ab", 6, 1, FRAME_NO_DEADLINE,
	    PR_ERR_UNEXPECTED_EOF, "6 of 9 bytes");
}

static void
test_recv_bad_lengths(void **state)
{
	(void)state;
	recv_fails("\0\0\0\0", 4, 0, FRAME_NO_DEADLINE, PR_ERR_PROTO_PARSE,
	    NULL);					/* zero */
	recv_fails("\0\0\0\145", 4, 0, FRAME_NO_DEADLINE, PR_ERR_PROTO_PARSE,
	    NULL);					/* 101 > 100 */
}

/* Nothing after the frame is read: the next frame is still there. */
static void
test_recv_reads_one_frame_only(void **state)
{
	struct pr_error err;
	size_t len;
	char *body;
	int sv[2];

	(void)state;
	pair(sv, 0);
	assert_int_equal(write(sv[0], "\0\0\0\1x\0\0\0\2yz", 11), 11);
	assert_int_equal(frame_recv(sv[1], 10, FRAME_NO_DEADLINE, &body, &len,
	    &err), 0);
	assert_int_equal(len, 1);
	assert_memory_equal(body, "x", 1);
	free(body);
	assert_int_equal(frame_recv(sv[1], 10, FRAME_NO_DEADLINE, &body, &len,
	    &err), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(body, "yz", 2);
	free(body);
	close_pair(sv);
}

/* A pipe is not a socket: frame_send falls back to write(). */
static void
test_send_on_pipe(void **state)
{
	struct pr_error err;
	unsigned char *frame;
	size_t frame_len, len;
	char *body;
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	frame = make_frame(10, &frame_len);
	assert_int_equal(frame_send(p[1], frame, frame_len, FRAME_NO_DEADLINE,
	    &err), 0);
	assert_int_equal(frame_recv(p[0], 10, FRAME_NO_DEADLINE, &body, &len,
	    &err), 0);
	assert_memory_equal(body, frame + FRAME_HEADER_BYTES, 10);
	free(body);
	free(frame);
	close_pair(p);
}

/* A peer that never reads: the send times out, saying how far it got. */
static void
test_send_times_out(void **state)
{
	struct pr_error err;
	unsigned char *frame;
	size_t frame_len;
	int sv[2];

	(void)state;
	pair(sv, 0);
	frame = make_frame(BIG_BYTES, &frame_len);
	assert_int_equal(frame_send(sv[0], frame, frame_len,
	    clock_deadline_ms(0.05), &err), PR_ERR_TIMEOUT);
	assert_non_null(strstr(err.msg, "timed out after sending"));
	free(frame);
	close_pair(sv);
}

/* The event-loop reader, fed a byte at a time. */
static void
test_reader_byte_by_byte(void **state)
{
	static const char wire[] = "\0\0\0\3abc";
	struct frame_reader r;
	struct pr_error err;
	size_t i, len;
	char *body;
	int sv[2];

	(void)state;
	pair(sv, 1);
	frame_reader_init(&r, 3);
	assert_int_equal(frame_reader_step(&r, sv[1], &err), FRAME_PENDING);
	for (i = 0; i < sizeof(wire) - 2; i++) {
		assert_int_equal(write(sv[0], wire + i, 1), 1);
		assert_int_equal(frame_reader_step(&r, sv[1], &err),
		    FRAME_PENDING);
		assert_int_equal(frame_reader_got(&r), i + 1);
		assert_int_equal(frame_reader_total(&r),
		    i + 1 < FRAME_HEADER_BYTES ? FRAME_HEADER_BYTES : 7);
	}
	assert_int_equal(write(sv[0], wire + i, 1), 1);
	assert_int_equal(frame_reader_step(&r, sv[1], &err), FRAME_COMPLETE);
	body = frame_reader_take(&r, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(body, "abc", 3);
	assert_int_equal(frame_reader_got(&r), 0);
	free(body);
	frame_reader_free(&r);
	close_pair(sv);
}

static void
test_reader_closed_and_bad(void **state)
{
	struct frame_reader r;
	struct pr_error err;
	int sv[2];

	(void)state;
	pair(sv, 1);
	frame_reader_init(&r, 3);
	assert_int_equal(write(sv[0], "\0\0\0\4", 4), 4);	/* 4 > 3 */
	assert_int_equal(frame_reader_step(&r, sv[1], &err), FRAME_BAD);
	assert_int_equal(err.code, PR_ERR_PROTO_PARSE);
	assert_null(r.body);		/* nothing allocated */
	frame_reader_free(&r);
	(void)close(sv[0]);
	sv[0] = -1;
	assert_int_equal(frame_reader_step(&r, sv[1], &err), FRAME_CLOSED);
	assert_int_equal(err.code, PR_ERR_UNEXPECTED_EOF);
	assert_int_equal(frame_reader_got(&r), 0);
	close_pair(sv);
}

/* The event-loop writer: pending while the peer does not read. */
static void
test_writer_pending_then_complete(void **state)
{
	struct frame_writer w;
	struct frame_reader r;
	struct pr_error err;
	unsigned char *frame, *copy;
	enum frame_step ws, rs = FRAME_PENDING;
	size_t frame_len, len;
	char *body;
	int sv[2];

	(void)state;
	pair(sv, 1);
	frame = make_frame(BIG_BYTES, &frame_len);
	copy = malloc(frame_len);
	assert_non_null(copy);
	memcpy(copy, frame, frame_len);
	frame_writer_init(&w, frame, frame_len);
	frame_reader_init(&r, BIG_BYTES);
	assert_int_equal(frame_writer_step(&w, sv[0], &err), FRAME_PENDING);
	assert_true(w.off > 0 && w.off < frame_len);
	do {
		ws = frame_writer_step(&w, sv[0], &err);
		assert_true(ws == FRAME_PENDING || ws == FRAME_COMPLETE);
		rs = frame_reader_step(&r, sv[1], &err);
		assert_true(rs == FRAME_PENDING || rs == FRAME_COMPLETE);
	} while (rs != FRAME_COMPLETE);
	assert_int_equal(ws, FRAME_COMPLETE);
	body = frame_reader_take(&r, &len);
	assert_int_equal(len, BIG_BYTES);
	assert_memory_equal(body, copy + FRAME_HEADER_BYTES, len);
	free(body);
	free(copy);
	frame_writer_free(&w);
	frame_reader_free(&r);
	close_pair(sv);
}

static void
test_writer_peer_gone(void **state)
{
	struct frame_writer w;
	struct pr_error err;
	unsigned char *frame;
	size_t frame_len;
	int sv[2];

	(void)state;
	pair(sv, 1);
	(void)close(sv[1]);
	sv[1] = -1;
	frame = make_frame(10, &frame_len);
	frame_writer_init(&w, frame, frame_len);
	assert_int_equal(frame_writer_step(&w, sv[0], &err), FRAME_CLOSED);
	assert_int_equal(err.code, EPIPE);
	frame_writer_free(&w);
	close_pair(sv);
}

static void
test_error_prefix(void **state)
{
	struct pr_error err;

	(void)state;
	pr_error_set(&err, PR_ERR_TIMEOUT, "timed out");
	assert_int_equal(pr_error_prefix(&err, "reading"), PR_ERR_TIMEOUT);
	assert_string_equal(err.msg, "reading: timed out");
	memset(err.msg, 'x', sizeof(err.msg) - 1);
	err.msg[sizeof(err.msg) - 1] = '\0';
	(void)pr_error_prefix(&err, "step");
	assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
	assert_memory_equal(err.msg, "step: xx", 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock_deadline),
		cmocka_unit_test(test_build_limits),
		cmocka_unit_test(test_send_recv_round_trip),
		cmocka_unit_test(test_recv_times_out),
		cmocka_unit_test(test_recv_eof_mid_frame),
		cmocka_unit_test(test_recv_bad_lengths),
		cmocka_unit_test(test_recv_reads_one_frame_only),
		cmocka_unit_test(test_send_on_pipe),
		cmocka_unit_test(test_send_times_out),
		cmocka_unit_test(test_reader_byte_by_byte),
		cmocka_unit_test(test_reader_closed_and_bad),
		cmocka_unit_test(test_writer_pending_then_complete),
		cmocka_unit_test(test_writer_peer_gone),
		cmocka_unit_test(test_error_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
