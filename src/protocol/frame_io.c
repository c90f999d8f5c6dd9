/*
 * frame_io.c: frames over a file descriptor with a deadline (frame_io.h).
 *
 * Both ways share one read step and one write step, each a single system
 * call, so the waiting calls never block past a poll() that said the fd
 * was ready, even on a blocking fd.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "frame_io.h"

#define POLL_SLICE_MS	60000	/* longest single poll(); the loop re-checks */
#define STEP_MOVED	(-1)	/* one call moved bytes; the frame is not done */

int
frame_build(const void *payload, size_t len, size_t max_bytes,
    unsigned char **frame, size_t *frame_len, struct pr_error *err)
{
	if (len > max_bytes || len > UINT32_MAX)
		return pr_error_set(err, EMSGSIZE, "frame of %zu bytes, more "
		    "than the %zu allowed", len, max_bytes);
	if ((*frame = malloc(FRAME_HEADER_BYTES + len)) == NULL)
		return pr_error_set(err, ENOMEM, "frame: out of memory");
	frame_encode_len((uint32_t)len, *frame);
	if (len > 0)
		memcpy(*frame + FRAME_HEADER_BYTES, payload, len);
	*frame_len = FRAME_HEADER_BYTES + len;
	return 0;
}

int
frame_wait(int fd, short events, int64_t deadline_ms, struct pr_error *err)
{
	struct pollfd pfd;
	int64_t left;
	int n, ms;

	for (;;) {
		ms = -1;
		if (deadline_ms != FRAME_NO_DEADLINE) {
			if ((left = deadline_ms - clock_mono_ms()) <= 0)
				return pr_error_set(err, PR_ERR_TIMEOUT,
				    "timed out waiting to %s",
				    (events & POLLOUT) ? "write" : "read");
			ms = left > POLL_SLICE_MS ? POLL_SLICE_MS : (int)left;
		}
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, ms);
		if (n > 0)
			return 0;	/* the next call reports POLLERR/HUP */
		if (n == -1 && errno != EINTR)
			return pr_error_set(err, errno, "poll: %s",
			    strerror(errno));
	}
}

/* One read() into the header or the body. */
static int
reader_read_once(struct frame_reader *r, int fd, struct pr_error *err)
{
	unsigned char *dst;
	size_t want;
	ssize_t n;

	if (r->hdr_off < FRAME_HEADER_BYTES) {
		dst = r->hdr + r->hdr_off;
		want = FRAME_HEADER_BYTES - r->hdr_off;
	} else {
		dst = (unsigned char *)r->body + r->body_off;
		want = r->body_len - r->body_off;
	}
	if ((n = read(fd, dst, want)) == -1) {
		if (errno == EINTR)
			return STEP_MOVED;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return FRAME_PENDING;
		pr_error_set(err, errno, "read: %s", strerror(errno));
		return FRAME_FAILED;
	}
	if (n == 0) {
		pr_error_set(err, PR_ERR_UNEXPECTED_EOF, "connection closed "
		    "after %zu of %zu bytes of the frame",
		    frame_reader_got(r), frame_reader_total(r));
		return FRAME_CLOSED;
	}
	if (r->hdr_off == FRAME_HEADER_BYTES) {
		r->body_off += (size_t)n;
		return r->body_off == r->body_len ? FRAME_COMPLETE : STEP_MOVED;
	}
	if ((r->hdr_off += (size_t)n) < FRAME_HEADER_BYTES)
		return STEP_MOVED;
	if (frame_decode_len(r->hdr, r->max_bytes, &r->body_len, err) != 0)
		return FRAME_BAD;	/* rule 1: nothing allocated yet */
	if ((r->body = malloc(r->body_len)) == NULL) {
		pr_error_set(err, ENOMEM, "frame of %zu bytes: out of memory",
		    r->body_len);
		return FRAME_FAILED;
	}
	return STEP_MOVED;	/* the body is at least one byte */
}

/* One send() (write() for a non-socket) of what is left. */
static int
writer_write_once(struct frame_writer *w, int fd, struct pr_error *err)
{
	const unsigned char *src = w->frame + w->off;
	size_t left = w->len - w->off;
	ssize_t n;

	n = send(fd, src, left, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n == -1 && errno == ENOTSOCK)
		n = write(fd, src, left);
	if (n == -1) {
		if (errno == EINTR)
			return STEP_MOVED;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return FRAME_PENDING;
		pr_error_set(err, errno, "write after %zu of %zu bytes: %s",
		    w->off, w->len, strerror(errno));
		return errno == EPIPE || errno == ECONNRESET ? FRAME_CLOSED :
		    FRAME_FAILED;
	}
	if (n == 0) {
		pr_error_set(err, EIO, "write after %zu of %zu bytes: nothing "
		    "written", w->off, w->len);
		return FRAME_FAILED;
	}
	w->off += (size_t)n;
	return w->off == w->len ? FRAME_COMPLETE : STEP_MOVED;
}

int
frame_send(int fd, const void *frame, size_t len, int64_t deadline_ms,
    struct pr_error *err)
{
	struct frame_writer w;
	int rc, step = STEP_MOVED;

	/* the writer only reads the buffer: it is not freed here */
	w.frame = (unsigned char *)(uintptr_t)frame;
	w.len = len;
	w.off = 0;
	while (w.off < w.len) {
		if ((rc = frame_wait(fd, POLLOUT, deadline_ms, err)) != 0) {
			if (rc == PR_ERR_TIMEOUT)
				pr_error_set(err, rc, "timed out after sending "
				    "%zu of %zu bytes", w.off, w.len);
			return rc;
		}
		step = writer_write_once(&w, fd, err);
		if (step == FRAME_CLOSED || step == FRAME_FAILED)
			return err->code;
	}
	return 0;
}

int
frame_recv(int fd, size_t max_bytes, int64_t deadline_ms, char **body,
    size_t *len, struct pr_error *err)
{
	struct frame_reader r;
	int rc = 0, step = STEP_MOVED;

	frame_reader_init(&r, max_bytes);
	while (step != FRAME_COMPLETE) {
		if ((rc = frame_wait(fd, POLLIN, deadline_ms, err)) != 0) {
			if (rc == PR_ERR_TIMEOUT)
				pr_error_set(err, rc, "timed out after "
				    "receiving %zu of %zu bytes",
				    frame_reader_got(&r), frame_reader_total(&r));
			break;
		}
		step = reader_read_once(&r, fd, err);
		if (step == FRAME_CLOSED || step == FRAME_BAD ||
		    step == FRAME_FAILED) {
			rc = err->code;
			break;
		}
	}
	if (rc == 0)
		*body = frame_reader_take(&r, len);
	frame_reader_free(&r);
	return rc;
}

void
frame_reader_init(struct frame_reader *r, size_t max_bytes)
{
	memset(r, 0, sizeof(*r));
	r->max_bytes = max_bytes;
}

enum frame_step
frame_reader_step(struct frame_reader *r, int fd, struct pr_error *err)
{
	int step;

	if (r->body != NULL && r->body_off == r->body_len)
		return FRAME_COMPLETE;
	while ((step = reader_read_once(r, fd, err)) == STEP_MOVED)
		;
	return (enum frame_step)step;
}

size_t
frame_reader_got(const struct frame_reader *r)
{
	return r->hdr_off + r->body_off;
}

size_t
frame_reader_total(const struct frame_reader *r)
{
	if (r->hdr_off < FRAME_HEADER_BYTES || r->body == NULL)
		return FRAME_HEADER_BYTES;
	return FRAME_HEADER_BYTES + r->body_len;
}

char *
frame_reader_take(struct frame_reader *r, size_t *len)
{
	char *body = r->body;

	*len = r->body_len;
	r->body = NULL;
	frame_reader_init(r, r->max_bytes);
	return body;
}

void
frame_reader_free(struct frame_reader *r)
{
	free(r->body);
	frame_reader_init(r, r->max_bytes);
}

void
frame_writer_init(struct frame_writer *w, unsigned char *frame, size_t len)
{
	w->frame = frame;
	w->len = len;
	w->off = 0;
}

enum frame_step
frame_writer_step(struct frame_writer *w, int fd, struct pr_error *err)
{
	int step;

	if (w->off == w->len)
		return FRAME_COMPLETE;
	while ((step = writer_write_once(w, fd, err)) == STEP_MOVED)
		;
	return (enum frame_step)step;
}

void
frame_writer_free(struct frame_writer *w)
{
	free(w->frame);
	frame_writer_init(w, NULL, 0);
}
