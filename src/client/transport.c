/*
 * transport.c: one request/response exchange with proxy-renewd over its unix
 * socket, for libproxyrenew.
 *
 * Invariants:
 * - One deadline (CLOCK_MONOTONIC, GLITE_PR_TIMEOUT) covers connect, send
 *   and receive together; the socket is non-blocking and every wait is a
 *   poll() bounded by what is left of it. Expiry gives PR_ERR_TIMEOUT.
 * - The request goes out as one frame (length and payload in one buffer).
 * - The response length is checked against PR_CLIENT_RESPONSE_MAX_BYTES
 *   before anything is allocated; EOF before the end is PR_ERR_UNEXPECTED_EOF.
 * - Nothing is sent before pr_client_check_peer() accepted the listener.
 * - The fd never leaks (SOCK_CLOEXEC, closed on every path) and writes use
 *   MSG_NOSIGNAL: a library must not kill its caller with SIGPIPE.
 * - err->msg names the step and path; the code's own text (pr_strerror)
 *   is added by whoever prints it.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <math.h>	/* isfinite() only: a macro, no libm */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "pr_limits.h"

#define TIMEOUT_SEC_MAX		(10.0 * 365 * 86400)	/* cap for "forever" */
#define CONNECT_RETRY_MS	10	/* backlog full: wait, then retry */

int
pr_client_socket_path(char *buf, size_t size, struct pr_error *err)
{
	const char *env = getenv("PROXY_RENEWD_SOCKET");
	int n;

	if (env != NULL && *env != '\0')
		n = snprintf(buf, size, "%s", env);
	else
		n = snprintf(buf, size, "%s%lu", PR_SOCKET_PREFIX,
		    (unsigned long)getuid());
	if (n < 0 || (size_t)n >= size)
		return pr_error_set(err, ENAMETOOLONG, "socket path too long");
	return 0;
}

double
pr_client_timeout_sec(void)
{
	const char *env = getenv("GLITE_PR_TIMEOUT");
	char *end;
	double t;

	if (env == NULL || *env == '\0')
		return PR_TIMEOUT_SEC_DEFAULT;
	errno = 0;
	t = strtod(env, &end);
	if (errno != 0 || *end != '\0' || !isfinite(t) || t <= 0)
		return PR_TIMEOUT_SEC_DEFAULT;
	return t;
}

static void
deadline_set(struct timespec *end, double timeout_sec)
{
	double whole;
	long ns;

	if (!(timeout_sec > 0))		/* also NaN */
		timeout_sec = 0;
	if (timeout_sec > TIMEOUT_SEC_MAX)
		timeout_sec = TIMEOUT_SEC_MAX;
	(void)clock_gettime(CLOCK_MONOTONIC, end);	/* cannot fail for this clock */
	whole = (double)(long long)timeout_sec;	/* no libm: -lproxyrenew alone */
	ns = (long)((timeout_sec - whole) * 1e9);
	end->tv_sec += (time_t)whole;
	end->tv_nsec += ns;
	if (end->tv_nsec >= 1000000000L) {
		end->tv_sec++;
		end->tv_nsec -= 1000000000L;
	}
}

/* Milliseconds left before end, rounded up; 0 once it has passed. */
static int
deadline_ms(const struct timespec *end)
{
	struct timespec now;
	double left;
	int ms;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	left = (double)(end->tv_sec - now.tv_sec) * 1e3 +
	    (double)(end->tv_nsec - now.tv_nsec) / 1e6;
	if (left <= 0)
		return 0;
	if (left > 1e9)
		return 1000000000;
	ms = (int)left;
	return (double)ms < left ? ms + 1 : ms;
}

/* Wait until fd is ready for events, or the deadline passes. */
static int
wait_fd(int fd, short events, const struct timespec *end, const char *what,
    struct pr_error *err)
{
	struct pollfd pfd;
	int ms, n;

	for (;;) {
		if ((ms = deadline_ms(end)) == 0)
			return pr_error_set(err, PR_ERR_TIMEOUT,
			    "timed out waiting to %s", what);
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, ms);
		if (n > 0)
			return 0;	/* the next call reports POLLERR/HUP */
		if (n < 0 && errno != EINTR)
			return pr_error_set(err, errno, "poll");
	}
}

static int
connect_wait(int fd, const char *path, const struct timespec *end,
    struct pr_error *err)
{
	socklen_t len = sizeof(int);
	int rc, soerr = 0;

	if ((rc = wait_fd(fd, POLLOUT, end, "connect", err)) != 0)
		return rc;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		return pr_error_set(err, errno, "getsockopt");
	if (soerr != 0)
		return pr_error_set(err, soerr, "connect to %s", path);
	return 0;
}

static int
connect_unix(const char *path, const struct timespec *end, int *fdp,
    struct pr_error *err)
{
	struct sockaddr_un sun;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return pr_error_set(err, ENAMETOOLONG, "socket path too long: %s",
		    path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return pr_error_set(err, errno, "socket");
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			rc = 0;
			break;
		}
		if (errno == EINPROGRESS || errno == EINTR) {
			rc = connect_wait(fd, path, end, err);
			break;
		}
		if (errno != EAGAIN) {	/* EAGAIN: the daemon's backlog is full */
			rc = pr_error_set(err, errno, "connect to %s", path);
			break;
		}
		if (deadline_ms(end) == 0) {
			rc = pr_error_set(err, PR_ERR_TIMEOUT,
			    "timed out connecting to %s", path);
			break;
		}
		(void)poll(NULL, 0, CONNECT_RETRY_MS);	/* a plain sleep */
	}
	if (rc != 0) {
		(void)close(fd);	/* nothing was sent: close cannot lose data */
		return rc;
	}
	*fdp = fd;
	return 0;
}

static int
send_all(int fd, const char *buf, size_t len, const struct timespec *end,
    struct pr_error *err)
{
	ssize_t n;
	int rc;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return pr_error_set(err, errno, "send");
		if ((rc = wait_fd(fd, POLLOUT, end, "send the request", err)) != 0)
			return rc;
	}
	return 0;
}

static int
recv_all(int fd, char *buf, size_t len, const struct timespec *end,
    struct pr_error *err)
{
	ssize_t n;
	int rc;

	while (len > 0) {
		n = recv(fd, buf, len, 0);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return pr_error_set(err, PR_ERR_UNEXPECTED_EOF,
			    "the daemon closed the connection before answering");
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return pr_error_set(err, errno, "recv");
		if ((rc = wait_fd(fd, POLLIN, end, "read the response", err)) != 0)
			return rc;
	}
	return 0;
}

static int
send_request(int fd, const struct pr_msg *req, const struct timespec *end,
    struct pr_error *err)
{
	char *text, *frame;
	size_t len;
	int rc;

	if ((rc = msg_encode(req, &text, &len)) != 0)
		return pr_error_set(err, rc, "cannot encode the request");
	if (len > PR_FRAME_MAX_BYTES_DEFAULT ||
	    (frame = malloc(FRAME_HEADER_BYTES + len)) == NULL) {
		free(text);
		return pr_error_set(err, len > PR_FRAME_MAX_BYTES_DEFAULT ?
		    EMSGSIZE : ENOMEM, "cannot build the request frame");
	}
	frame_encode_len((uint32_t)len, (unsigned char *)frame);
	memcpy(frame + FRAME_HEADER_BYTES, text, len);
	free(text);
	rc = send_all(fd, frame, FRAME_HEADER_BYTES + len, end, err);
	free(frame);
	return rc;
}

static int
read_response(int fd, struct pr_msg *resp, const struct timespec *end,
    struct pr_error *err)
{
	unsigned char hdr[FRAME_HEADER_BYTES];
	char *buf;
	size_t len;
	int rc;

	if ((rc = recv_all(fd, (char *)hdr, sizeof(hdr), end, err)) != 0)
		return rc;
	if ((rc = frame_decode_len(hdr, PR_CLIENT_RESPONSE_MAX_BYTES, &len,
	    err)) != 0)
		return rc;
	if ((buf = malloc(len)) == NULL)
		return pr_error_set(err, ENOMEM, "out of memory");
	if ((rc = recv_all(fd, buf, len, end, err)) == 0)
		rc = msg_parse(buf, len, resp, err);
	free(buf);
	return rc;
}

int
pr_client_exchange(const char *path, double timeout_sec,
    const struct pr_msg *req, struct pr_msg *resp, struct pr_error *err)
{
	struct timespec end;
	int fd = -1, rc;

	msg_init(resp);
	deadline_set(&end, timeout_sec);
	if ((rc = connect_unix(path, &end, &fd, err)) != 0)
		return rc;
	if ((rc = pr_client_check_peer(fd, path, err)) == 0 &&
	    (rc = send_request(fd, req, &end, err)) == 0)
		rc = read_response(fd, resp, &end, err);
	(void)close(fd);	/* the response is read or abandoned */
	return rc;
}
