/*
 * conn_limit.c: what keeps one client from starving the others and from
 * flooding the log:
 *  - the oldest connection still waiting for its request is the one to
 *    push out when a uid (or the daemon) is at its connection cap, so an
 *    idle connection never costs a well-behaved client its answer;
 *  - a connection pushed out or refused at accept gets one best-effort
 *    error frame (1902 + Message=) instead of a mute close, and what it
 *    had sent is read first (conn_drain) so the close does not reset it;
 *  - connection log lines pass a per-second budget; the lines held back
 *    are counted in one line when the second is over.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "daemon.h"
#include "frame_io.h"
#include "log.h"
#include "loop.h"
#include "pr_limits.h"

#define CONN_LOG_WINDOW_MS	1000
#define CONN_LOG_PER_WINDOW	20	/* connection log lines per window */

/* Seconds a new connection has to send its whole request (server.c rule 3). */
double
conn_request_secs(const struct daemon *d)
{
	return d->opts.timeout < PR_REQUEST_TIMEOUT_SEC ? d->opts.timeout :
	    PR_REQUEST_TIMEOUT_SEC;
}

/*
 * At a cap (slot: that uid's, -1: the daemon's): push out the oldest
 * connection still waiting for its request (server.c rule 3a). 0 if one was.
 */
int
conn_make_room(struct daemon *d, int slot, uid_t uid)
{
	struct conn *c = conn_oldest_waiting(d, slot);

	if (c == NULL)
		return -1;
	conn_log(d, log_warnx, "uid %u pid %ld: pushed out, no request yet "
	    "and uid %u is at its connection cap", (unsigned)c->uid,
	    (long)c->pid, (unsigned)uid);
	conn_reply_now(c->fd, PR_ERR_GENERIC, slot < 0 ? "dropped: the daemon "
	    "has too many connections open and this one sent no request" :
	    "dropped: too many connections of this uid open and this one "
	    "sent no request");
	conn_free(c);
	return 0;
}

/* Request deadline over: opts.timeout for what follows (server.c rule 3). */
void
conn_rearm(struct conn *c)
{
	if (c->timer != 0)
		loop_del_timer(c->d->loop, c->timer);
	c->timer = loop_add_timer(c->d->loop, clock_sec_to_ms(c->d->opts.timeout),
	    conn_deadline, c);
}

/* A connection's deadline (server.c rule 3): answer what can be, drop it. */
void
conn_deadline(struct loop *l, long long id, void *arg)
{
	struct conn *c = arg;
	struct daemon *d = c->d;
	double secs = c->state == CONN_READ ? conn_request_secs(d) :
	    d->opts.timeout;
	char why[128];

	(void)l;
	(void)id;
	c->timer = 0;		/* fired */
	if (c->state == CONN_LINGER) {
		log_debug("uid %u pid %ld: refused, still sending after %zu "
		    "bytes; closed", (unsigned)c->uid, (long)c->pid, c->drained);
	} else if (c->state == CONN_WRITE) {
		conn_log(d, log_warnx, "uid %u pid %ld: did not read its reply "
		    "within %g s; dropped", (unsigned)c->uid, (long)c->pid,
		    secs);
	} else if (c->state == CONN_WAIT) {
		conn_log(d, log_warnx, "uid %u pid %ld: its answer waited %g s "
		    "for a commit; dropped", (unsigned)c->uid, (long)c->pid,
		    secs);
	} else {
		conn_log(d, log_warnx, "uid %u pid %ld: sent %zu of %zu bytes "
		    "within %g s; dropped", (unsigned)c->uid, (long)c->pid,
		    frame_reader_got(&c->rd), frame_reader_total(&c->rd), secs);
		(void)snprintf(why, sizeof(why), "no complete request within "
		    "%g s", secs);
		conn_reply_now(c->fd, PR_ERR_TIMEOUT, why);
	}
	conn_free(c);
}

struct conn *
conn_oldest_waiting(struct daemon *d, int slot)
{
	struct conn *c;

	TAILQ_FOREACH(c, &d->srv.conns, entry)	/* oldest first */
		if (c->state == CONN_READ && (slot < 0 || c->uid_slot == slot))
			return c;
	return NULL;
}

void
conn_reply_now(int fd, int code, const char *why)
{
	struct pr_error err;
	unsigned char *frame;
	size_t len, frame_len;
	char *payload;

	commands_error_reply(code, why, &payload, &len);
	if (frame_build(payload, len, len, &frame, &frame_len, &err) == 0) {
		/* small enough for an empty socket buffer; else it is lost */
		(void)send(fd, frame, frame_len, MSG_DONTWAIT | MSG_NOSIGNAL);
		free(frame);
	}
	free(payload);
}

/*
 * Read and discard what the peer sent, up to max_bytes in all (counted in
 * *drained): a unix socket closed with bytes unread resets its peer, which
 * may then never read the error frame it was sent. 1 when the peer is done
 * (EOF, an error, or the bound reached), 0 when it may still send.
 */
int
conn_drain(int fd, size_t *drained, size_t max_bytes)
{
	char buf[4096];
	ssize_t n;

	while (*drained < max_bytes) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			*drained += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
	}
	return 1;
}

static void
conn_log_summary(struct loop *l, long long id, void *arg)
{
	struct daemon *d = arg;

	(void)l;
	(void)id;
	d->srv.log_timer = 0;
	if (d->srv.log_suppressed > 0)
		log_warnx("%lu connection log lines suppressed in the last "
		    "%d ms", d->srv.log_suppressed, CONN_LOG_WINDOW_MS);
	d->srv.log_suppressed = 0;
}

int
conn_log_allow(struct daemon *d)
{
	int64_t now = clock_mono_ms();

	if (now - d->srv.log_window_ms >= CONN_LOG_WINDOW_MS) {
		d->srv.log_window_ms = now;
		d->srv.log_lines = 0;
	}
	if (d->srv.log_lines < CONN_LOG_PER_WINDOW) {
		d->srv.log_lines++;
		return 1;
	}
	if (d->srv.log_suppressed++ == 0 && d->srv.log_timer == 0 &&
	    d->loop != NULL)
		d->srv.log_timer = loop_add_timer(d->loop, d->srv.log_window_ms +
		    CONN_LOG_WINDOW_MS - now, conn_log_summary, d);
	return 0;
}

void
conn_log_stop(struct daemon *d)
{
	if (d->srv.log_timer != 0)
		loop_del_timer(d->loop, d->srv.log_timer);
	d->srv.log_timer = 0;
	conn_log_summary(d->loop, 0, d);
}
