/*
 * server.c: the listening unix socket and its client connections.
 *
 * Rules:
 *  (1) The socket path is only ever created by bind() under umask 0177 (born
 *      0600) and only ever unlinked when it is a stale socket of ours or the
 *      very inode we bound (dev/ino recorded after bind).
 *  (2) Only the daemon's euid, root and the allowed peers (access.c) are
 *      served; others are logged and closed before a byte is read.
 *  (3) Nothing here blocks: every client fd is non-blocking; a connection
 *      has PR_REQUEST_TIMEOUT_SEC (at most opts.timeout) to send its whole
 *      request, then opts.timeout to take its reply.
 *  (3a) At a connection cap the oldest connection still waiting for its
 *      request is pushed out (answered 1902) before a new one is refused
 *      (also answered 1902): idle connections cannot lock a uid out.
 *  (4) One request per connection: after the reply is written, close.
 *  (4a) A request refused before it was all read (a bad length) is answered,
 *      then its sender gets PR_LINGER_MS to finish sending (read and
 *      thrown away, at most PR_LINGER_MAX_BYTES): closing on unread bytes
 *      would reset the connection and lose the answer.
 *  (5) Accept pauses at max_conns (or when fds run out) and resumes in
 *      conn_free(), or after ACCEPT_RETRY_MS when the fds were not ours.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "pr_limits.h"
#include "inspector.h"
#include "log.h"
#include "loop.h"
#include "clock.h"
#include "frame_io.h"
#include "xmalloc.h"

#define ACCEPT_BATCH		32	/* accepts per wakeup */
#define ACCEPT_RETRY_MS		1000	/* after EMFILE/ENFILE */
#define SHUTDOWN_GRACE_MS	5000	/* in-flight replies at SIGTERM */
#define FDS_BASE		32	/* fds the daemon uses besides clients */

static void server_accept(struct loop *l, int fd, int events, void *arg);
static void conn_io(struct loop *l, int fd, int events, void *arg);
static void conn_read(struct conn *c);
static void conn_settle(struct conn *c);

/*
 * The path exists: refuse unless it is a socket of ours nobody answers on,
 * which is then removed. /tmp is sticky, so once lstat() shows our socket
 * nobody else can swap it before the unlink().
 */
static int
server_clear_stale(const char *path, const struct sockaddr_un *sun,
    struct pr_error *err)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		return pr_error_set(err, errno, "socket %s: %s", path,
		    strerror(errno));
	}
	if (S_ISLNK(st.st_mode))
		return pr_error_set(err, EEXIST, "socket %s is a symbolic link; "
		    "refusing to use it", path);
	if (!S_ISSOCK(st.st_mode))
		return pr_error_set(err, EEXIST, "socket %s exists and is not a "
		    "socket; remove it or use --socket", path);
	if (st.st_uid != geteuid())
		return pr_error_set(err, EEXIST, "socket %s belongs to uid %u, "
		    "not to us (uid %u); refusing to use it", path,
		    (unsigned)st.st_uid, (unsigned)geteuid());
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return pr_error_set(err, errno, "socket: %s", strerror(errno));
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	if (rc == -1 && errno == ECONNREFUSED) {
		(void)close(fd);
		if (unlink(path) == -1 && errno != ENOENT)
			return pr_error_set(err, errno, "removing stale socket "
			    "%s: %s", path, strerror(errno));
		log_info("removed stale socket %s", path);
		return 0;
	}
	(void)close(fd);
	if (rc == 0 || errno == EAGAIN)
		return pr_error_set(err, EADDRINUSE, "another daemon is running "
		    "on %s", path);
	return pr_error_set(err, errno, "socket %s: cannot check it: %s", path,
	    strerror(errno));
}

/* Connections we can afford with RLIMIT_NOFILE, at most PR_MAX_CONNS. */
static int
server_conn_budget(void)
{
	struct rlimit rl;
	rlim_t n;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return PR_MAX_CONNS;
	if (rl.rlim_cur <= FDS_BASE + PR_FD_RESERVE + 1)
		return 1;
	n = rl.rlim_cur - FDS_BASE - PR_FD_RESERVE;
	return n < PR_MAX_CONNS ? (int)n : PR_MAX_CONNS;
}

int
server_listen(struct daemon *d, const char *path, struct pr_error *err)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd, rc, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return pr_error_set(err, ENAMETOOLONG, "socket %.64s...: path "
		    "longer than %zu bytes", path, sizeof(sun.sun_path) - 1);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (server_clear_stale(path, &sun, err) != 0)
		return err->code;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return pr_error_set(err, errno, "socket: %s", strerror(errno));
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	(void)umask(old);
	if (rc == -1) {
		(void)close(fd);
		return pr_error_set(err, saved, "bind %s: %s", path,
		    strerror(saved));
	}
	if (lstat(path, &st) == -1 || !S_ISSOCK(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 07777) != 0600) {
		(void)close(fd);
		return pr_error_set(err, EPERM, "socket %s: not a 0600 socket "
		    "of ours after bind", path);
	}
	if (listen(fd, SOMAXCONN) == -1) {
		saved = errno;
		(void)close(fd);
		(void)unlink(path);	/* the inode we just bound */
		return pr_error_set(err, saved, "listen %s: %s", path,
		    strerror(saved));
	}
	if (access_socket_mode(&d->access, path, st.st_dev, st.st_ino,
	    err) != 0) {
		(void)close(fd);
		(void)unlink(path);	/* the inode we just bound */
		return err->code;
	}
	d->srv.fd = fd;
	d->srv.path = xstrdup(path);
	d->srv.dev = st.st_dev;
	d->srv.ino = st.st_ino;
	d->srv.max_conns = server_conn_budget();
	TAILQ_INIT(&d->srv.conns);
	return 0;
}

static void
server_resume(struct daemon *d)
{
	if (d->srv.accepting || d->srv.fd == -1 || d->stopping ||
	    d->srv.resume_timer != 0 || d->srv.n_conns >= d->srv.max_conns)
		return;
	if (loop_add_fd(d->loop, d->srv.fd, LOOP_READ, server_accept, d) == -1)
		fatal("loop_add_fd");
	d->srv.accepting = 1;
}

static void
server_pause(struct daemon *d)
{
	if (!d->srv.accepting)
		return;
	loop_del_fd(d->loop, d->srv.fd);
	d->srv.accepting = 0;
}

static void
server_resume_timer(struct loop *l, long long id, void *arg)
{
	struct daemon *d = arg;

	(void)l;
	(void)id;
	d->srv.resume_timer = 0;
	server_resume(d);
}

void
server_start(struct daemon *d)
{
	server_resume(d);
}

/* Set up a struct conn for an accepted fd, or close it (rule 2). */
static void
conn_accept(struct daemon *d, int fd)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	struct conn *c;
	int slot;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1 ||
	    len != sizeof(uc)) {
		log_warn("getsockopt SO_PEERCRED");
		(void)close(fd);
		return;
	}
	if (uc.uid == d->euid)
		slot = 0;
	else if (uc.uid == 0)
		slot = 1;
	else if (access_peer_allowed(&d->access, fd, uc.uid, uc.gid))
		slot = 2;
	else {
		conn_log(d, log_warnx, "refused connection from uid %u pid "
		    "%ld: only uid %u %s%sis served", (unsigned)uc.uid, (long)uc.pid,
		    (unsigned)d->euid, d->euid != 0 ? "and root " : "",
		    d->access.sock_mode != 0600 ? "and the allowed users and "
		    "groups " : "");
		(void)close(fd);
		return;
	}
	if (d->srv.n_uid[slot] >= PR_MAX_CONNS_PER_UID &&
	    conn_make_room(d, slot, uc.uid) != 0) {
		conn_log(d, log_warnx, "refused connection from uid %u pid %ld: "
		    "%d connections of that uid busy", (unsigned)uc.uid,
		    (long)uc.pid, d->srv.n_uid[slot]);
		conn_reply_now(fd, PR_ERR_GENERIC, "too many connections of "
		    "this uid busy with requests; try again");
		(void)conn_drain(fd, &(size_t){0}, PR_LINGER_MAX_BYTES);
		(void)close(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->d = d;
	c->fd = fd;
	c->uid = uc.uid;
	c->gid = uc.gid;
	c->pid = uc.pid;
	c->uid_slot = slot;
	c->state = CONN_READ;
	frame_reader_init(&c->rd, (size_t)d->opts.max_frame);
	TAILQ_INSERT_TAIL(&d->srv.conns, c, entry);
	d->srv.n_conns++;
	d->srv.n_uid[slot]++;
	c->timer = loop_add_timer(d->loop, clock_sec_to_ms(conn_request_secs(d)),
	    conn_deadline, c);
	log_debug("uid %u pid %ld: connected", (unsigned)c->uid, (long)c->pid);
	/*
	 * A client sends its request right after connect: read it now, and
	 * register the fd only when it has to wait (epoll_ctl ADD and DEL
	 * per request otherwise).
	 */
	conn_read(c);
	if (c->state == CONN_READ &&
	    loop_add_fd(d->loop, fd, LOOP_READ, conn_io, c) == -1)
		fatal("loop_add_fd");
	conn_settle(c);
}

static void
server_accept(struct loop *l, int lfd, int events, void *arg)
{
	struct daemon *d = arg;
	int i, fd;

	(void)l;
	(void)events;
	for (i = 0; i < ACCEPT_BATCH; i++) {
		if (d->srv.n_conns >= d->srv.max_conns &&
		    conn_make_room(d, -1, (uid_t)-1) != 0) {
			log_warnx("%d connections open: not accepting more for "
			    "now", d->srv.n_conns);
			server_pause(d);
			return;
		}
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			log_warn("accept");
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				server_pause(d);
				d->srv.resume_timer = loop_add_timer(d->loop,
				    ACCEPT_RETRY_MS, server_resume_timer, d);
			}
			return;
		}
		conn_accept(d, fd);
	}
}

/* The only place a conn is destroyed (rule 3 of daemon.h). */
void
conn_free(struct conn *c)
{
	struct daemon *d = c->d;

	loop_del_fd(d->loop, c->fd);
	if (c->state == CONN_WAIT)
		commands_forget(d, c);
	if (c->timer != 0)
		loop_del_timer(d->loop, c->timer);
	if (c->state == CONN_READ || c->state == CONN_LINGER)
		(void)conn_drain(c->fd, &c->drained, PR_LINGER_MAX_BYTES);
	if (close(c->fd) == -1)
		log_warn("close client fd");
	frame_reader_free(&c->rd);
	frame_writer_free(&c->wr);
	TAILQ_REMOVE(&d->srv.conns, c, entry);
	d->srv.n_conns--;
	d->srv.n_uid[c->uid_slot]--;
	free(c);
	if (d->stopping && d->srv.n_conns == 0)
		loop_stop(d->loop);
	else
		server_resume(d);
}

/* Rule 4a: the reply is out; read what the sender still has to send. */
static void
conn_linger(struct conn *c)
{
	struct daemon *d = c->d;

	c->unread = 0;
	(void)shutdown(c->fd, SHUT_WR);		/* the reply is all there is */
	if (conn_drain(c->fd, &c->drained, PR_LINGER_MAX_BYTES))
		return;				/* done already: close */
	c->state = CONN_LINGER;
	if (c->timer != 0)
		loop_del_timer(d->loop, c->timer);
	c->timer = loop_add_timer(d->loop, PR_LINGER_MS, conn_deadline, c);
	if (loop_add_fd(d->loop, c->fd, LOOP_READ, conn_io, c) == -1)
		fatal("loop_add_fd");
}

/* After any step: free a connection that is done, or let it linger. */
static void
conn_settle(struct conn *c)
{
	if (c->state == CONN_CLOSING && c->unread)
		conn_linger(c);
	if (c->state == CONN_CLOSING)
		conn_free(c);
}

static void
conn_write(struct conn *c)
{
	struct pr_error err;

	pr_error_clear(&err);
	switch (frame_writer_step(&c->wr, c->fd, &err)) {
	case FRAME_PENDING:
		return;
	case FRAME_COMPLETE:
		break;		/* rule 4 */
	case FRAME_CLOSED:
		conn_log(c->d, log_info, "uid %u pid %ld: gone before "
		    "reading its reply", (unsigned)c->uid, (long)c->pid);
		break;
	default:
		log_warnx("uid %u pid %ld: writing the reply: %s",
		    (unsigned)c->uid, (long)c->pid, err.msg);
	}
	c->state = CONN_CLOSING;
}

/* Frame payload (ours to free) and switch to writing it. */
static void
conn_queue(struct conn *c, char *payload, size_t len)
{
	struct pr_error err;
	unsigned char *frame;
	size_t frame_len;
	int rc;

	rc = frame_build(payload, len, UINT32_MAX, &frame, &frame_len, &err);
	if (rc == EMSGSIZE) {
		free(payload);
		commands_error_reply(PR_ERR_GENERIC, "response too large",
		    &payload, &len);
		rc = frame_build(payload, len, UINT32_MAX, &frame, &frame_len,
		    &err);
	}
	if (rc != 0)
		fatalx("reply to uid %u: %s", (unsigned)c->uid, err.msg);
	free(payload);
	frame_writer_init(&c->wr, frame, frame_len);
	c->state = CONN_WRITE;
	conn_write(c);		/* mostly done at once: no wakeup, no timer */
	if (c->state != CONN_WRITE)
		return;
	conn_rearm(c);		/* opts.timeout to take the reply */
	if (loop_add_fd(c->d->loop, c->fd, LOOP_WRITE, conn_io, c) == -1)
		fatal("loop_add_fd");
}

/* A bad frame: log, answer with code and reason, then close. */
static void
conn_refuse(struct conn *c, int code, const char *why)
{
	char *out;
	size_t len;

	conn_log(c->d, log_warnx, "uid %u pid %ld: bad request: %s (code %d)",
	    (unsigned)c->uid, (long)c->pid, why, code);
	commands_error_reply(code, why, &out, &len);
	conn_queue(c, out, len);
}

/* batch.c hands over an answer that waited for the group commit. */
static void
conn_reply_later(struct conn *c, int code, char *out, size_t len, void *arg)
{
	(void)arg;
	metrics_note_request(c->d, c->cmd_name, code,
	    loop_now_ms() - c->req_ms);
	conn_queue(c, out, len);
	conn_settle(c);
}

static void
conn_request(struct conn *c)
{
	char *in, *out = NULL;
	size_t in_len, len = 0;
	int deferred, rc;

	in = frame_reader_take(&c->rd, &in_len);
	c->req_ms = loop_now_ms();
	rc = commands_submit(c->d, c, in, in_len, &out, &len,
	    conn_reply_later, NULL, &deferred);
	free(in);
	if (!deferred) {	/* the request deadline cannot pass meanwhile */
		metrics_note_request(c->d, c->cmd_name, rc,
		    loop_now_ms() - c->req_ms);
		conn_queue(c, out, len);
		return;
	}
	conn_rearm(c);		/* opts.timeout for the commit and the reply */
	c->state = CONN_WAIT;	/* nothing to read or write until then */
	loop_del_fd(c->d->loop, c->fd);
}

/*
 * The peer shut its side. Nothing sent: just close. Half a frame: answer
 * 1901 all the same (a peer that only shut down writing still reads it).
 */
static void
conn_eof(struct conn *c)
{
	char why[128];

	if (frame_reader_got(&c->rd) == 0) {
		conn_log(c->d, log_info, "uid %u pid %ld: closed without a "
		    "request", (unsigned)c->uid, (long)c->pid);
		c->state = CONN_CLOSING;
		return;
	}
	(void)snprintf(why, sizeof(why), "connection closed after %zu of %zu "
	    "bytes of the request", frame_reader_got(&c->rd),
	    frame_reader_total(&c->rd));
	conn_refuse(c, PR_ERR_UNEXPECTED_EOF, why);
}

static void
conn_read(struct conn *c)
{
	struct pr_error err;

	pr_error_clear(&err);
	switch (frame_reader_step(&c->rd, c->fd, &err)) {
	case FRAME_PENDING:
		return;
	case FRAME_COMPLETE:
		conn_request(c);
		return;
	case FRAME_CLOSED:
		conn_eof(c);
		return;
	case FRAME_BAD:
		c->unread = 1;	/* rule 4a */
		conn_refuse(c, err.code, err.msg[0] ? err.msg :
		    "bad frame length");
		return;
	default:
		log_warnx("uid %u pid %ld: %s", (unsigned)c->uid,
		    (long)c->pid, err.msg);
		c->state = CONN_CLOSING;
	}
}

static void
conn_io(struct loop *l, int fd, int events, void *arg)
{
	struct conn *c = arg;

	(void)l;
	(void)fd;
	(void)events;
	if (c->state == CONN_READ)
		conn_read(c);
	else if (c->state == CONN_WRITE)
		conn_write(c);
	else if (c->state == CONN_LINGER &&
	    conn_drain(c->fd, &c->drained, PR_LINGER_MAX_BYTES))
		c->state = CONN_CLOSING;
	conn_settle(c);
}

/* Remove the socket file if it is still the inode we bound (rule 1). */
static void
server_unlink(struct daemon *d)
{
	struct stat st;

	if (d->srv.path == NULL)
		return;
	if (lstat(d->srv.path, &st) == 0 && st.st_dev == d->srv.dev &&
	    st.st_ino == d->srv.ino && unlink(d->srv.path) == -1)
		log_warn("unlink %s", d->srv.path);
}

static void
server_stop_listening(struct daemon *d)
{
	if (d->srv.fd == -1)
		return;
	server_pause(d);
	if (d->srv.resume_timer != 0)
		loop_del_timer(d->loop, d->srv.resume_timer);
	d->srv.resume_timer = 0;
	if (close(d->srv.fd) == -1)
		log_warn("close listening socket");
	d->srv.fd = -1;
	server_unlink(d);
}

static void
server_grace_over(struct loop *l, long long id, void *arg)
{
	struct daemon *d = arg;
	struct conn *c;

	(void)id;
	d->srv.grace_timer = 0;
	inspector_stop(d);	/* a REGISTER still waiting fails, answered */
	while ((c = TAILQ_FIRST(&d->srv.conns)) != NULL) {
		conn_log(d, log_warnx, "uid %u pid %ld: dropped at shutdown",
		    (unsigned)c->uid, (long)c->pid);
		conn_free(c);
	}
	loop_stop(l);
}

/*
 * SIGTERM/SIGINT: stop accepting and remove the socket; drop connections
 * that have sent nothing; give the others SHUTDOWN_GRACE_MS to finish.
 * The loop stops when the last one is gone.
 */
void
server_shutdown(struct daemon *d)
{
	struct conn *c, *next;

	server_stop_listening(d);
	for (c = TAILQ_FIRST(&d->srv.conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == CONN_READ && frame_reader_got(&c->rd) == 0)
			conn_free(c);
	}
	if (d->srv.n_conns == 0)
		loop_stop(d->loop);
	else if (d->srv.grace_timer == 0)
		d->srv.grace_timer = loop_add_timer(d->loop, SHUTDOWN_GRACE_MS,
		    server_grace_over, d);
}

/* Final cleanup: every conn, the socket, the timers. */
void
server_close(struct daemon *d)
{
	struct conn *c;

	if (d->srv.path == NULL)
		return;
	while ((c = TAILQ_FIRST(&d->srv.conns)) != NULL)
		conn_free(c);
	server_stop_listening(d);
	conn_log_stop(d);
	if (d->srv.grace_timer != 0)
		loop_del_timer(d->loop, d->srv.grace_timer);
	d->srv.grace_timer = 0;
	free(d->srv.path);
	d->srv.path = NULL;
}
