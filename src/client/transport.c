/*
 * transport.c: one request/response exchange with proxy-renewd over its unix
 * socket, for libproxyrenew.
 *
 * Invariants:
 * - One deadline (clock_mono_ms(), GLITE_PR_TIMEOUT) covers connect, send
 *   and receive together; the socket is non-blocking and every wait is a
 *   poll() bounded by what is left of it (frame_io.h). Expiry gives
 *   PR_ERR_TIMEOUT.
 * - The request goes out as one frame (length and payload in one buffer).
 * - The response length is checked against pr_client_response_max() (1 MiB;
 *   METRICS has a larger bound of its own) before anything is allocated;
 *   EOF before the end is PR_ERR_UNEXPECTED_EOF.
 * - Nothing is sent before pr_client_check_peer() accepted the listener.
 * - The fd never leaks (SOCK_CLOEXEC, closed on every path) and writes use
 *   MSG_NOSIGNAL: a library must not kill its caller with SIGPIPE.
 * - err->msg names the step and path; the code's own text (pr_strerror)
 *   is added by whoever prints it.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "frame_io.h"
#include "pr_limits.h"

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
	double t;

	if (clock_parse_sec(getenv("GLITE_PR_TIMEOUT"), CLOCK_TIMEOUT_SEC_MAX,
	    &t) != 0)
		return PR_TIMEOUT_SEC_DEFAULT;
	return t;
}

size_t
pr_client_response_max(const struct pr_msg *req)
{
	int64_t cmd;

	if (msg_get_int(req, PR_KEY_COMMAND, &cmd) == 0 &&
	    cmd == PR_CMD_METRICS)
		return PR_METRICS_REPLY_MAX_BYTES;
	return PR_CLIENT_RESPONSE_MAX_BYTES;
}

static int
connect_wait(int fd, const char *path, int64_t deadline_ms,
    struct pr_error *err)
{
	socklen_t len = sizeof(int);
	int rc, soerr = 0;

	if ((rc = frame_wait(fd, POLLOUT, deadline_ms, err)) != 0)
		return rc;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		return pr_error_set(err, errno, "getsockopt");
	if (soerr != 0)
		return pr_error_set(err, soerr, "connect to %s", path);
	return 0;
}

static int
connect_unix(const char *path, int64_t deadline_ms, int *fdp,
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
			rc = connect_wait(fd, path, deadline_ms, err);
			break;
		}
		if (errno != EAGAIN) {	/* EAGAIN: the daemon's backlog is full */
			rc = pr_error_set(err, errno, "connect to %s", path);
			break;
		}
		if (clock_mono_ms() >= deadline_ms) {
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
send_request(int fd, const struct pr_msg *req, int64_t deadline_ms,
    struct pr_error *err)
{
	unsigned char *frame;
	char *text;
	size_t len, frame_len;
	int rc;

	if ((rc = msg_encode(req, &text, &len)) != 0)
		return pr_error_set(err, rc, "cannot encode the request");
	rc = frame_build(text, len, PR_FRAME_MAX_BYTES_DEFAULT, &frame,
	    &frame_len, err);
	free(text);
	if (rc != 0)
		return rc;
	rc = frame_send(fd, frame, frame_len, deadline_ms, err);
	free(frame);
	if (rc != 0)
		pr_error_prefix(err, "sending the request");
	return rc;
}

static int
read_response(int fd, size_t max_bytes, struct pr_msg *resp,
    int64_t deadline_ms, struct pr_error *err)
{
	char *buf;
	size_t len;
	int rc;

	rc = frame_recv(fd, max_bytes, deadline_ms, &buf, &len, err);
	if (rc != 0)
		return pr_error_prefix(err, "reading the daemon's response");
	rc = msg_parse(buf, len, resp, err);
	free(buf);
	return rc;
}

int
pr_client_exchange(const char *path, double timeout_sec,
    const struct pr_msg *req, struct pr_msg *resp, struct pr_error *err)
{
	int64_t deadline_ms = clock_deadline_ms(timeout_sec);
	int fd = -1, rc;

	msg_init(resp);
	if ((rc = connect_unix(path, deadline_ms, &fd, err)) != 0)
		return rc;
	if ((rc = pr_client_check_peer(fd, path, err)) == 0 &&
	    (rc = send_request(fd, req, deadline_ms, err)) == 0)
		rc = read_response(fd, pr_client_response_max(req), resp,
		    deadline_ms, err);
	(void)close(fd);	/* the response is read or abandoned */
	return rc;
}
