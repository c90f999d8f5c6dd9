/*
 * frame_io.h: moving frames (message.h: a 4-byte big-endian length, then
 * the payload) over a file descriptor, with a deadline.
 *
 * A "frame" below is header + payload in one buffer (frame_build()); a
 * "body" is the payload alone.
 *
 * Two ways to use it, with the same rules:
 *  - One exchange, waiting (client transport, one-shot renewal, worker):
 *    frame_send() and frame_recv() poll() until deadline_ms, an absolute
 *    clock_mono_ms() value (clock.h; FRAME_NO_DEADLINE waits for ever).
 *    Past it they fail with PR_ERR_TIMEOUT. The fd may be blocking or not.
 *  - An event loop (the daemon's server, the worker pool): struct
 *    frame_reader / frame_writer move as many bytes as the non-blocking fd
 *    takes now and say how far they got; the loop owns the deadline (a
 *    timer) and calls again when the fd is ready.
 *
 * Rules:
 *  (1) The declared length is checked against max_bytes before anything is
 *      allocated (frame_decode_len()); nothing past the frame is read.
 *  (2) Writes to a socket use MSG_NOSIGNAL (no SIGPIPE in a library); other
 *      fds (pipes) get write(), the caller decides about SIGPIPE.
 *  (3) EOF before the end of a frame is PR_ERR_UNEXPECTED_EOF, a bad length
 *      PR_ERR_PROTO_PARSE, other failures an errno value; err->msg says
 *      how many bytes had moved.
 *  (4) Library-safe: no logging, no exit; ENOMEM is returned.
 */
#ifndef PR_FRAME_IO_H
#define PR_FRAME_IO_H

#include <stddef.h>
#include <stdint.h>

#include "message.h"
#include "pr_error.h"

#define FRAME_NO_DEADLINE	INT64_MAX

/*
 * Header + payload in one malloc'ed buffer (*frame, *frame_len).
 * EMSGSIZE when len > max_bytes, ENOMEM.
 */
int frame_build(const void *payload, size_t len, size_t max_bytes,
    unsigned char **frame, size_t *frame_len, struct pr_error *err);

/* Wait until fd is ready for events (POLLIN/POLLOUT) or the deadline. */
int frame_wait(int fd, short events, int64_t deadline_ms,
    struct pr_error *err);

/* Send all len bytes of a frame (from frame_build()) before deadline_ms. */
int frame_send(int fd, const void *frame, size_t len, int64_t deadline_ms,
    struct pr_error *err);

/*
 * Receive one frame: header, then a body of at most max_bytes, which the
 * caller frees (*body, *len). Nothing after the frame is read.
 */
int frame_recv(int fd, size_t max_bytes, int64_t deadline_ms, char **body,
    size_t *len, struct pr_error *err);

/* How far an incremental read or write got. */
enum frame_step {
	FRAME_PENDING,		/* the fd has no more for now: call again */
	FRAME_COMPLETE,		/* the whole frame has moved */
	FRAME_CLOSED,		/* the peer closed (EOF, EPIPE, ECONNRESET) */
	FRAME_BAD,		/* bad length: PR_ERR_PROTO_PARSE in err */
	FRAME_FAILED		/* I/O error or ENOMEM: code in err */
};

/* Reading one frame from a non-blocking fd, a little at a time. */
struct frame_reader {
	unsigned char hdr[FRAME_HEADER_BYTES];
	size_t hdr_off;		/* header bytes read */
	char *body;		/* allocated once the header is valid */
	size_t body_len;	/* declared length */
	size_t body_off;	/* body bytes read */
	size_t max_bytes;	/* longest body accepted */
};

void frame_reader_init(struct frame_reader *r, size_t max_bytes);
/* Read until the frame is complete or the fd would block. */
enum frame_step frame_reader_step(struct frame_reader *r, int fd,
    struct pr_error *err);
/* Bytes read so far, header included. */
size_t frame_reader_got(const struct frame_reader *r);
/* Bytes of the whole frame: the header alone until it has been read. */
size_t frame_reader_total(const struct frame_reader *r);
/* The complete body, now the caller's to free; the reader is reset. */
char *frame_reader_take(struct frame_reader *r, size_t *len);
void frame_reader_free(struct frame_reader *r);

/* Writing one frame to a non-blocking fd, a little at a time. */
struct frame_writer {
	unsigned char *frame;	/* owned; from frame_build() */
	size_t len;
	size_t off;		/* bytes written */
};

/* Take ownership of frame (header included, e.g. from frame_build()). */
void frame_writer_init(struct frame_writer *w, unsigned char *frame,
    size_t len);
/* Write until the frame is out or the fd would block. */
enum frame_step frame_writer_step(struct frame_writer *w, int fd,
    struct pr_error *err);
void frame_writer_free(struct frame_writer *w);

#endif /* PR_FRAME_IO_H */
